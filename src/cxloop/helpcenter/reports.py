"""The help centre's report: what was read, what was searched, and what was searched in vain.

    report = build_report(store, days=30)
    report.views, report.articles (title, views, helpful answers), report.searches,
    report.no_result_percent, report.gaps (the queries that found nothing, most asked first)

Days are the store's; the period ends today and counts `days` days.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from cxloop.core.formats import store_zone

from .models import ArticleText, ArticleViewDay, SearchDay
from .queries import pick_text

PERIODS = (7, 30, 90)
TOP = 20


@dataclass
class Report:
    days: int
    views: int = 0
    searches: int = 0
    no_result_searches: int = 0
    articles: list = field(default_factory=list)  # [(title, article_id, views, helpful, answers)]
    gaps: list = field(default_factory=list)  # [(query, language, searches)]

    @property
    def no_result_percent(self) -> float | None:
        return 100 * self.no_result_searches / self.searches if self.searches else None


def build_report(store, *, days: int, language: str) -> Report:
    today = timezone.now().astimezone(store_zone(store)).date()
    since = today - timedelta(days=days - 1)
    report = Report(days=days)
    by_text = dict(
        ArticleViewDay.objects.filter(store=store, day__gte=since)
        .values("text_id").annotate(total=Sum("views")).values_list("text_id", "total")
    )  # fmt: skip
    report.views = sum(by_text.values())
    texts = (
        ArticleText.objects.filter(store=store, pk__in=by_text)
        .select_related("article")
        .prefetch_related("article__texts")
    )
    per_article: dict[int, list] = {}
    for text in texts:
        per_article.setdefault(text.article_id, []).append(text)
    rows = []
    for article_id, article_texts in per_article.items():
        shown = pick_text(list(article_texts[0].article.texts.all()), language, store.default_language)
        views = sum(by_text[text.pk] for text in article_texts)
        helpful = sum(text.helpful for text in article_texts)
        answers = helpful + sum(text.unhelpful for text in article_texts)
        rows.append((shown.title if shown else article_texts[0].title, article_id, views, helpful, answers))
    report.articles = sorted(rows, key=lambda row: (-row[2], row[0]))[:TOP]
    searches = SearchDay.objects.filter(store=store, day__gte=since)
    report.searches = searches.aggregate(total=Sum("searches"))["total"] or 0
    report.no_result_searches = searches.filter(found=False).aggregate(total=Sum("searches"))["total"] or 0
    report.gaps = list(
        searches.filter(found=False)
        .values("query", "language").annotate(total=Sum("searches"))
        .order_by("-total", "query").values_list("query", "language", "total")[:TOP]
    )  # fmt: skip
    return report
