"""The help centre's public pages, read by customers without signing in.

    /help/<store slug>/                   the categories in the owner's order, with their articles
    /help/<store slug>/category/<slug>/   one category's articles (a 404 while none is published)
    /help/<store slug>/search/?q=         the published articles a search finds (helpcenter.search)
    /help/<store slug>/sitemap.xml        every published article and category in each of its languages
    /help/<store slug>/<article slug>/    one article

Language: `?lang=` if cxloop ships it, else the browser's Accept-Language,
else the store's (as the contact form); an article not written in that
language is shown in the store's language, else the first it was written
in, and says so; a category's name likewise. Each article and category page
names its other languages (`<link rel="alternate" hreflang>`) and its
canonical address. A category's address may be in any script (its slug). Persian pages
are laid out right to left. The article's HTML was sanitised when saved
(services.render_markdown).
"""

import re

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.models import Store
from cxloop.helpdesk.contact.views import pick_language
from cxloop.surveys import ratelimit

from . import counting, queries, services
from .search import search_articles

SLUG = re.compile(r"[-\w]{1,80}")


def _store(slug: str) -> Store:
    store = Store.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if store is None:
        raise Http404("No such help centre.")
    return store


def _page(request, template: str, store: Store, language: str, context: dict, status: int = 200):
    with translation.override(language):
        return render(
            request,
            template,
            status=status,
            context={"store": store, "language": language, "rtl": translation.get_language_bidi(), **context},
        )


@require_GET
def index(request, store_slug: str):
    store = _store(store_slug)
    language = pick_language(request, store)
    shown = queries.list_published(store, language)
    return _page(request, "helpcenter/public/index.html", store, language, {"categories": shown})


@require_GET
def category(request, store_slug: str, category_slug: str):
    """One category's published articles; a category without one is not shown (404)."""
    store = _store(store_slug)
    language = pick_language(request, store)
    shown = (
        queries.get_published_category(store, category_slug, language)
        if SLUG.fullmatch(category_slug)
        else None
    )
    if shown is None:
        raise Http404("No such category.")
    path = reverse("helpcenter-public:category", args=[store.slug, shown.category.slug])
    names = dict(settings.LANGUAGES)
    written = queries.page_languages(shown)
    # The canonical page is in the reader's language if it is indexed in it, else the store's, else the first.
    canonical = next((code for code in (language, store.default_language) if code in written), None)
    canonical = canonical or (written[0] if written else language)
    return _page(
        request,
        "helpcenter/public/category.html",
        store,
        language,
        {
            "shown": shown,
            "alternates": [
                (code, _with_language(request, path, code), names.get(code, code)) for code in written
            ],
            "canonical": _with_language(request, path, canonical),
            "other_language": shown.text is not None and shown.text.language != language,
            "index_url": _with_language(
                request, reverse("helpcenter-public:index", args=[store.slug]), language
            ),
        },
    )


def _with_language(request, path: str, language: str) -> str:
    return request.build_absolute_uri(f"{path}?{urlencode({'lang': language})}")


@require_GET
def search(request, store_slug: str):
    store = _store(store_slug)
    language = pick_language(request, store)
    query = request.GET.get("q", "")[:200]
    results = search_articles(store, query, language=language) if query.strip() else []
    if query.strip() and not _is_crawler(request):
        counting.count_search(store, query, language=language, found=bool(results))
    return _page(
        request, "helpcenter/public/search.html", store, language, {"query": query, "results": results}
    )


@require_GET
def sitemap(request, store_slug: str):
    """Every published article and every category shown, in every language it is written in, each naming
    the others (sitemaps.org with xhtml:link alternates), for search engines."""
    store = _store(store_slug)
    pages = [
        (reverse("helpcenter-public:category", args=[store.slug, category.slug]), texts)
        for category, texts in queries.list_published_categories(store)
    ]
    pages += [
        (reverse("helpcenter-public:article", args=[store.slug, article.slug]), list(article.texts.all()))
        for article in queries.list_published_articles(store)
    ]
    entries = []
    for path, texts in pages:
        urls = [(text.language, _with_language(request, path, text.language)) for text in texts]
        for text in texts:
            entries.append({"url": dict(urls)[text.language], "updated": text.updated_at, "alternates": urls})
    response = render(
        request, "helpcenter/public/sitemap.xml", {"entries": entries}, content_type="application/xml"
    )
    return response


FEEDBACK_PER_HOUR = 20  # answers one address may give across a store's help centre


@csrf_exempt  # anonymous and harmless (a count); rate-limited per address instead (see the contact form)
@require_POST
def feedback(request, store_slug: str, article_slug: str):
    """ "Was this helpful?": count the answer on the text read, then back to the article with thanks."""
    store = _store(store_slug)
    found = queries.get_published(store, article_slug) if SLUG.fullmatch(article_slug) else None
    answer = request.POST.get("helpful", "")
    if found is None:
        raise Http404("No such article.")
    if answer not in ("yes", "no"):
        return HttpResponseBadRequest("helpful must be yes or no.")
    language = pick_language(request, store)
    text = queries.pick_text(list(found.texts.all()), language, store.default_language)
    decision = ratelimit.hit(
        f"help-feedback:{store.pk}", ratelimit.client_address(request), limit=FEEDBACK_PER_HOUR, period=3600
    )
    if text is not None and decision.allowed:
        services.record_feedback(text=text, helpful=answer == "yes")
    path = reverse("helpcenter-public:article", args=[store.slug, found.slug])
    return redirect(f"{path}?{urlencode({'lang': language, 'thanks': '1'})}")


@require_GET
def article(request, store_slug: str, article_slug: str):
    store = _store(store_slug)
    language = pick_language(request, store)
    found = queries.get_published(store, article_slug) if SLUG.fullmatch(article_slug) else None
    if found is None:
        raise Http404("No such article.")
    texts = list(found.texts.all())
    text = queries.pick_text(texts, language, store.default_language)
    if text is None:
        raise Http404("No such article.")
    path = reverse("helpcenter-public:article", args=[store.slug, found.slug])
    if request.GET.get("thanks") != "1" and not _is_crawler(
        request
    ):  # the page after feedback is no new read
        counting.count_view(text, store)
    names = dict(settings.LANGUAGES)
    alternates = [
        (other.language, request.build_absolute_uri(f"{path}?{urlencode({'lang': other.language})}"),
         names.get(other.language, other.language))
        for other in texts
    ]  # fmt: skip
    return _page(
        request,
        "helpcenter/public/article.html",
        store,
        language,
        {
            "article": found,
            "text": text,
            "alternates": alternates,
            "canonical": request.build_absolute_uri(f"{path}?{urlencode({'lang': text.language})}"),
            "other_language": text.language != language,
            "thanks": request.GET.get("thanks") == "1",
            "index_url": reverse("helpcenter-public:index", args=[store.slug])
            + "?"
            + urlencode({"lang": language}),
            "category_name": queries.category_name(found.category, language, store.default_language),
            "category_url": reverse("helpcenter-public:category", args=[store.slug, found.category.slug])
            + "?"
            + urlencode({"lang": language}),
        },
    )


def _is_crawler(request) -> bool:
    agent = request.headers.get("User-Agent", "").lower()
    return any(word in agent for word in ("bot", "crawler", "spider"))
