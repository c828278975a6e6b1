"""Reads of the help centre: the staff's lists, and what a customer's page shows in their language."""

from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Count
from django.http import Http404

from cxloop.core.models import Store

from .models import Article, ArticleText, Category, CategoryText


def list_articles(store: Store) -> list[Article]:
    """Every article of the store (drafts too), with its texts and category, in the help centre's order."""
    return list(
        Article.objects.filter(store=store)
        .select_related("category")
        .prefetch_related("texts", "category__texts")
    )


def get_article(store: Store, article_id: int) -> Article:
    """The store's article (another store's id is a 404)."""
    article = Article.objects.filter(store=store, pk=article_id).first()
    if article is None:
        raise Http404("No such article.")
    return article


def list_articles_in(category: Category) -> list[Article]:
    """The category's articles (drafts too), in order, with their texts."""
    return list(category.articles.order_by("position", "pk").prefetch_related("texts"))


def list_categories(store: Store) -> list[Category]:
    """The store's categories in the front page's order, with their names and `article_count`."""
    return list(
        Category.objects.filter(store=store)
        .annotate(article_count=Count("articles"))
        .order_by("position", "pk")  # an aggregate leaves Meta.ordering out
        .prefetch_related("texts")
    )


def get_category(store: Store, category_id: int) -> Category:
    """The store's category (another store's id is a 404)."""
    category = Category.objects.filter(store=store, pk=category_id).prefetch_related("texts").first()
    if category is None:
        raise Http404("No such category.")
    return category


Written = TypeVar("Written", ArticleText, CategoryText)


def pick_text(texts: list[Written], language: str, fallback: str) -> Written | None:
    """The text in `language`, else in the store's language, else the first written."""
    by_language = {text.language: text for text in texts}
    return by_language.get(language) or by_language.get(fallback) or (texts[0] if texts else None)


def category_name(category: Category, language: str, fallback: str) -> str:
    """The category's name in `language`, else the store's, else the first written (else its address)."""
    text = pick_text(list(category.texts.all()), language, fallback)
    return text.name if text else category.slug


@dataclass
class Listed:
    article: Article
    text: ArticleText


@dataclass
class Shown:
    """A category as a customer sees it: its name in their language (or the fallback), its articles."""

    category: Category
    text: CategoryText | None
    articles: list[Listed] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.text.name if self.text else self.category.slug

    @property
    def description(self) -> str:
        return self.text.description if self.text else ""


def list_published(store: Store, language: str, *, category: Category | None = None) -> list[Shown]:
    """The categories holding a published article, in the owner's order, each with those articles in
    order, all in `language` or its fallback (only `category`'s, if given). Four queries."""
    articles = (
        Article.objects.filter(store=store, published=True)
        .select_related("category")
        .prefetch_related("texts", "category__texts")
    )
    if category is not None:
        articles = articles.filter(category=category)
    shown: dict[int, Shown] = {}
    for article in articles:
        text = pick_text(list(article.texts.all()), language, store.default_language)
        if text is None:
            continue
        if article.category_id not in shown:
            names = list(article.category.texts.all())
            shown[article.category_id] = Shown(
                article.category, pick_text(names, language, store.default_language)
            )
        shown[article.category_id].articles.append(Listed(article, text))
    return list(shown.values())


def get_published_category(store: Store, slug: str, language: str) -> Shown | None:
    """A category by its address, with its published articles; None if it has none (or no such one)."""
    category = Category.objects.filter(store=store, slug=slug[:80]).first()
    if category is None:
        return None
    shown = list_published(store, language, category=category)
    return shown[0] if shown else None


def list_published_articles(store: Store) -> list[Article]:
    return list(Article.objects.filter(store=store, published=True).prefetch_related("texts"))


def list_published_categories(store: Store) -> list[tuple[Category, list[CategoryText]]]:
    """The categories with a public page, each with its names in the languages its page is indexed in:
    those it is named in and one of its published articles is written in (else the page in that language
    would list only titles in others). Three queries."""
    written: dict[int, set[str]] = {}
    for category_id, language in (
        ArticleText.objects.filter(store=store, article__published=True)
        .values_list("article__category_id", "language").distinct()
    ):  # fmt: skip
        written.setdefault(category_id, set()).add(language)
    pages = []
    for category in Category.objects.filter(store=store, pk__in=written).prefetch_related("texts"):
        names = [text for text in category.texts.all() if text.language in written[category.pk]]
        if names:
            pages.append((category, names))
    return pages


def page_languages(shown: Shown) -> list[str]:
    """The languages a category's page is indexed in (as list_published_categories reads them)."""
    written = {text.language for item in shown.articles for text in item.article.texts.all()}
    return [text.language for text in shown.category.texts.all() if text.language in written]


def get_published(store: Store, slug: str) -> Article | None:
    """A published article by its address, with its texts and its category's names."""
    return (
        Article.objects.filter(store=store, slug=slug[:80], published=True)
        .select_related("category")
        .prefetch_related("texts", "category__texts")
        .first()
    )
