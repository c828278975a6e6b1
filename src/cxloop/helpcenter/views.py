"""The help centre's staff pages: the articles, and one article's settings and words per language.

    /helpdesk/help/                     the list; POST adds an article (owners and admins)
    /helpdesk/help/from-template/       POST adds a draft from a ready template (owners and admins)
    /helpdesk/help/<id>/?language=fa    one article: its settings, its words in a language, a preview

Every member sees them; owners and admins change them. Another store's
article id is a 404. The categories' pages are in views_categories.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError
from cxloop.core.models import Membership
from cxloop.core.roles import check_role, has_role
from cxloop.web.access import admin_required, store_required

from . import queries, ready_templates, services

MAX_FIELD = services.MAX_BODY + 1


def _settings_fields(request) -> dict:
    return {
        name: request.POST.get(name, "")[:200]
        for name in ("slug", "category", "position", "published", "title")
    }


@store_required
def article_list(request):
    """The store's articles (every member), and the form that adds one (owners and admins)."""
    values, errors, status = None, {}, 200
    if request.method == "POST":
        check_role(request, Membership.Role.ADMIN)
        values = _settings_fields(request)
        try:
            article = services.save_article(store=request.store, fields=values)
            services.save_text(
                article=article, language=request.store.default_language, title=values["title"], body=""
            )
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
        else:
            messages.success(request, _("Article added: write it now, then publish it."))
            return redirect("helpcenter:article", article_id=article.pk)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _list_page(request, values=values, errors=errors, status=status)


@admin_required
def article_from_template(request):
    """Add a draft article from a ready template and open its editor; a bad choice is a 422 list page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        article = services.create_from_template(
            store=request.store,
            key=request.POST.get("key", "")[:40],
            languages=[code[:16] for code in request.POST.getlist("languages")[:10]],
        )
    except DomainError as error:
        return _list_page(request, template_error=error.message, status=error.status)
    messages.success(
        request, _("Article added: fill in the parts in double square brackets, then publish it.")
    )
    return redirect(_detail_url(article, request.store.default_language))


def _category_choices(request) -> list[tuple[str, str, str]]:
    """The store's categories for a select: (id, name in the staff member's language, default key)."""
    return [
        (str(c.pk), queries.category_name(c, request.LANGUAGE_CODE, request.store.default_language), c.key)
        for c in queries.list_categories(request.store)
    ]


def _list_page(request, *, values=None, errors=None, template_error="", status=200):
    articles = queries.list_articles(request.store)
    language, fallback = request.LANGUAGE_CODE, request.store.default_language
    rows = []
    for article in articles:
        texts = list(article.texts.all())
        text = queries.pick_text(texts, language, fallback)
        helpful = sum(t.helpful for t in texts)
        answers = helpful + sum(t.unhelpful for t in texts)
        category = queries.category_name(article.category, language, fallback)
        rows.append((article, text, category, sorted(t.language for t in texts), helpful, answers))
    slugs = {article.slug for article in articles}
    categories = _category_choices(request)
    by_key = {key: name for _pk, name, key in reversed(categories) if key}  # the first of a key wins
    context = {
        "section": "helpdesk",
        "rows": rows,
        "values": values
        or {"slug": "", "category": categories[0][0] if categories else "", "position": "0", "title": ""},
        "errors": errors or {},
        "categories": categories,
        "can_manage": has_role(request.membership, Membership.Role.ADMIN),
        "public_url": reverse("helpcenter-public:index", args=[request.store.slug]),
        # A template counts as added while an article has its address.
        "ready_templates": [
            (t, t.slug in slugs, by_key.get(t.category) or t.category_name)
            for t in ready_templates.TEMPLATES.values()
        ],
        "template_languages": [
            (code, name, code == "en")
            for code, name in settings.LANGUAGES
            if code != request.store.default_language
        ],
        "template_error": template_error,
    }
    return render(request, "helpcenter/list.html", context, status=status)


@store_required
def article_detail(request, article_id: int):
    """One article: its settings and its words in the chosen language, with a preview."""
    article = queries.get_article(request.store, article_id)
    language = request.GET.get("language") or request.POST.get("language") or request.store.default_language
    try:
        language = services.clean_language(language)
    except DomainError:
        language = request.store.default_language
    texts = {text.language: text for text in article.texts.all()}
    current = texts.get(language)
    values = {
        "slug": article.slug,
        "category": str(article.category_id),
        "position": str(article.position),
        "published": article.published,
        "title": current.title if current else "",
        "body": current.body if current else "",
    }
    errors, status, preview = {}, 200, current.html if current else ""
    if request.method == "POST":
        check_role(request, Membership.Role.ADMIN)
        action = request.POST.get("action", "")
        if action == "settings":
            values |= _settings_fields(request)
            values["title"] = current.title if current else ""
            try:
                services.save_article(store=request.store, fields=values, article=article)
            except DomainError as error:
                errors, status = {error.field or "form": error.message}, error.status
            else:
                messages.success(request, _("Article settings saved."))
                return redirect(_detail_url(article, language))
        elif action in ("text", "preview"):
            values["title"] = request.POST.get("title", "")[:1000]
            values["body"] = request.POST.get("body", "")[:MAX_FIELD]
            if action == "preview":
                preview = services.render_markdown(values["body"])
            else:
                try:
                    services.save_text(
                        article=article, language=language, title=values["title"], body=values["body"]
                    )
                except DomainError as error:
                    errors, status = {error.field or "form": error.message}, error.status
                else:
                    messages.success(request, _("Article saved."))
                    return redirect(_detail_url(article, language))
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {
        "section": "helpdesk",
        "article": article,
        "language": language,
        "values": values,
        "errors": errors,
        "preview": preview,
        "categories": _category_choices(request),
        "languages": [(code, name, code in texts) for code, name in settings.LANGUAGES],
        "can_manage": has_role(request.membership, Membership.Role.ADMIN),
        "public_url": reverse("helpcenter-public:article", args=[request.store.slug, article.slug])
        + "?"
        + urlencode({"lang": language}),
    }
    return render(request, "helpcenter/article.html", context, status=status)


@admin_required
def article_delete(request, article_id: int):
    article = queries.get_article(request.store, article_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    services.delete_article(article=article)
    messages.success(request, _("Article deleted."))
    return redirect("helpcenter:articles")


def _detail_url(article, language: str) -> str:
    return reverse("helpcenter:article", args=[article.pk]) + "?" + urlencode({"language": language})


@store_required
def report(request):
    """What customers read and searched for in the help centre, and what they found nothing for."""
    from .reports import PERIODS, build_report

    raw = request.GET.get("days", "30")
    if not raw.isdigit() or int(raw) not in PERIODS:
        return HttpResponseBadRequest(_("Choose a period of 7, 30 or 90 days."))
    context = {
        "section": "helpdesk",
        "report": build_report(request.store, days=int(raw), language=request.LANGUAGE_CODE),
        "periods": PERIODS,
        "days": int(raw),
    }
    return render(request, "helpcenter/report.html", context)
