"""The help centre's verbs: write an article's settings and its words in a language, delete it.

    article = save_article(store=store, fields={"slug": "shipping", "category": category, "published": "on"})
    save_text(article=article, language="fa", title="ارسال", body="**سه روز** کاری")
    create_from_template(store=store, key="returns")  # a draft to fill in (ready_templates.py)

An article's words are Markdown (CommonMark with tables, for size charts),
rendered once when saved and sanitised with nh3: raw HTML in the Markdown is
shown as text, never run; links keep only http, https and mailto addresses
(a `javascript:` link loses its address) and open with rel="noopener
noreferrer nofollow"; images only from http(s). The page shows the stored
HTML as it is.
"""

import re

import nh3
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from cxloop.commerce.search_terms import fold
from cxloop.core.errors import Conflict, InvalidInput
from cxloop.core.inputs import parse_db_id
from cxloop.core.languages import normalize_language
from cxloop.core.models import Store
from cxloop.helpdesk.search import prepare_document

from . import categories, ready_templates
from .models import Article, ArticleText, Category

MAX_BODY = 100_000
RESERVED_SLUGS = {"search", "category"}  # /help/<store>/search/, /help/<store>/category/<slug>/
MAX_TITLE = 200
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")
SHIPPED = [code for code, _name in settings.LANGUAGES]
ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: str) -> str:
    """The article's HTML: Markdown rendered (raw HTML in it escaped), then sanitised."""
    html = _markdown.render(text)
    # Headings start at h2 on the page (its h1 is the title).
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def clean_language(code: str) -> str:
    language = normalize_language(code or "")
    if language not in SHIPPED:
        raise InvalidInput(_("Choose one of the languages cxloop ships."), field="language")
    return language


@transaction.atomic
def save_article(*, store: Store, fields: dict, article: Article | None = None) -> Article:
    """Create an article or change its settings (slug, category, position, published).

    The category is one of the store's, given as itself or its id. Raises InvalidInput naming the
    field, Conflict for a slug another article of the store has.
    """
    slug = (fields.get("slug") or "").strip().lower() or slugify(fields.get("title") or "")[:80].strip("-")
    if not SLUG.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise InvalidInput(
            _("Use lowercase letters a-z, digits and dashes for the address (for example shipping-times)."),
            field="slug",
        )
    category = _store_category(store, fields.get("category"))
    try:
        position = int(str(fields.get("position") or 0).strip())
    except ValueError:
        raise InvalidInput(_("Enter a whole number."), field="position") from None
    if not 0 <= position <= 10_000:
        raise InvalidInput(_("Enter a number from 0 to 10000."), field="position")
    values = {
        "slug": slug,
        "category": category,
        "position": position,
        "published": bool(fields.get("published")),
    }
    try:
        with transaction.atomic():
            if article is None:
                article = Article.objects.create(store=store, **values)
            else:
                for name, value in values.items():
                    setattr(article, name, value)
                article.save()
    except IntegrityError:
        raise Conflict(_("Another article already has this address."), field="slug") from None
    return article


def _store_category(store: Store, given) -> Category:
    """The store's category given as itself or its id; InvalidInput naming `category` for any other."""
    if isinstance(given, Category):
        found = given if given.store_id == store.pk else None
    else:
        pk = parse_db_id(str(given or "").strip())
        found = Category.objects.filter(store=store, pk=pk).first() if pk else None
    if found is None:
        raise InvalidInput(_("Choose one of the store's categories."), field="category")
    return found


@transaction.atomic
def create_from_template(*, store: Store, key: str, languages: list[str] | None = None) -> Article:
    """Add a draft article from a ready template (ready_templates.TEMPLATES), for the owner to fill in.

    It is written in the store's language and in each of `languages` (None: English), every text the
    template's words with its blanks. Its address is the template's ("shipping"), else the first
    free one ("shipping-2"): adding a template again is never an error. Raises InvalidInput naming
    `key` or `languages`, before anything is written.
    """
    template = ready_templates.TEMPLATES.get(key) if isinstance(key, str) else None
    if template is None:
        raise InvalidInput(_("Choose one of the ready templates."), field="key")
    chosen = _template_languages(store, ["en"] if languages is None else languages)
    article = _add_with_free_slug(store, template)
    for language in chosen:
        title, body = ready_templates.build_text(template.slug, language)
        save_text(article=article, language=language, title=title, body=body)
    return article


def _template_languages(store: Store, languages: list[str]) -> list[str]:
    """The store's language first, then the others asked for, once each; all shipped."""
    chosen = [store.default_language if store.default_language in SHIPPED else "en"]
    for code in languages:
        language = normalize_language(code if isinstance(code, str) else "")
        if language not in SHIPPED:
            raise InvalidInput(_("Choose one of the languages cxloop ships."), field="languages")
        if language not in chosen:
            chosen.append(language)
    return chosen


def _add_with_free_slug(store: Store, template: ready_templates.ReadyTemplate) -> Article:
    """A draft at the template's address, else at the first free "<slug>-<n>"."""
    taken = set(
        Article.objects.filter(store=store, slug__startswith=template.slug).values_list("slug", flat=True)
    )
    fields = {
        "category": categories.default_category(store, template.category),
        "position": template.position,
    }
    n = 1
    while True:
        slug = template.slug if n == 1 else f"{template.slug}-{n}"
        if slug not in taken:
            try:
                return save_article(store=store, fields={"slug": slug, **fields})
            except Conflict:  # taken by another request since the look-up: try the next
                taken.add(slug)
        n += 1


@transaction.atomic
def save_text(*, article: Article, language: str, title: str, body: str) -> ArticleText:
    """Write the article in one language (created or replaced); raises InvalidInput naming the field."""
    language = clean_language(language)
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(_("Give the article a title."), field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(_("Keep the title under 200 characters."), field="title")
    body = (body or "").replace("\r\n", "\n")
    if len(body) > MAX_BODY:
        raise InvalidInput(_("Keep the article under 100,000 characters."), field="body")
    if "\x00" in title or "\x00" in body:
        raise InvalidInput(_("The text holds a NUL character."), field="body")
    text, _created = ArticleText.objects.update_or_create(
        article=article,
        language=language,
        defaults={
            "store_id": article.store_id,
            "title": title,
            "body": body,
            "html": render_markdown(body),
            **search_fields(title, body),
        },  # fmt: skip
    )
    Article.objects.filter(pk=article.pk).update(updated_at=text.updated_at)
    return text


def search_fields(title: str, body: str) -> dict[str, str]:
    """A text's columns the search reads: its words for the full-text index, its title folded."""
    return {"words": prepare_document(title, body), "title_folded": fold(title)}


def record_feedback(*, text: ArticleText, helpful: bool) -> None:
    """Count one "Was this helpful?" answer (the caller limits how often a reader may answer)."""
    field = "helpful" if helpful else "unhelpful"
    # Counted in SQL: two readers answering at once both count; the text's updated_at stays as written.
    ArticleText.objects.filter(pk=text.pk).update(**{field: F(field) + 1})


@transaction.atomic
def delete_text(*, article: Article, language: str) -> None:
    ArticleText.objects.filter(article=article, language=clean_language(language)).delete()


@transaction.atomic
def delete_article(*, article: Article) -> None:
    article.delete()
