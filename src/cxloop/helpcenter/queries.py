"""Reads of the help centre: the staff's lists, and what a customer's page shows in their language."""

from dataclasses import dataclass

from django.http import Http404

from cxloop.core.models import Store

from .models import Article, ArticleText, Section


def list_articles(store: Store) -> list[Article]:
    """Every article of the store (drafts too), with its texts, in the help centre's order."""
    return list(Article.objects.filter(store=store).prefetch_related("texts"))


def get_article(store: Store, article_id: int) -> Article:
    """The store's article (another store's id is a 404)."""
    article = Article.objects.filter(store=store, pk=article_id).first()
    if article is None:
        raise Http404("No such article.")
    return article


def pick_text(texts: list[ArticleText], language: str, fallback: str) -> ArticleText | None:
    """The text in `language`, else in the store's language, else the first written."""
    by_language = {text.language: text for text in texts}
    return by_language.get(language) or by_language.get(fallback) or (texts[0] if texts else None)


@dataclass
class Listed:
    article: Article
    text: ArticleText


def list_published(store: Store, language: str) -> list[tuple[str, list[Listed]]]:
    """The published articles by section (in Section's order), each in `language` or its fallback."""
    articles = Article.objects.filter(store=store, published=True).prefetch_related("texts")
    sections: dict[str, list[Listed]] = {}
    for article in articles:
        text = pick_text(list(article.texts.all()), language, store.default_language)
        if text is not None:
            sections.setdefault(article.section, []).append(Listed(article, text))
    return [(label, sections[value]) for value, label in Section.choices if value in sections]


def list_published_articles(store: Store) -> list[Article]:
    return list(Article.objects.filter(store=store, published=True).prefetch_related("texts"))


def get_published(store: Store, slug: str) -> Article | None:
    return (
        Article.objects.filter(store=store, slug=slug[:80], published=True).prefetch_related("texts").first()
    )
