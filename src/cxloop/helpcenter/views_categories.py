"""The help centre's categories (owners and admins; agents get 403, as for other owner settings).

    /helpdesk/help/categories/                      the list in front-page order; POST adds one
    /helpdesk/help/categories/<id>/?language=fa     one category: its name and description in a language,
                                                    its address, its articles
    /helpdesk/help/categories/<id>/move/            POST direction=up|down: one place earlier or later
    /helpdesk/help/categories/<id>/delete/          POST: refused (409) while it holds articles

Another store's category id is a 404. Moving is a button per direction (no dragging), and the moved
row's button keeps the focus after the page reloads, so the keyboard can move a category several places.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError
from cxloop.core.inputs import parse_db_id
from cxloop.web.access import admin_required

from . import categories, queries, services

FIELDS = ("name", "description", "slug")
MAX_FIELD = 1000  # longer than any field may be: the service names the one too long


def _fields(request) -> dict:
    return {name: request.POST.get(name, "")[:MAX_FIELD] for name in FIELDS}


@admin_required
def category_list(request):
    """The store's categories in order, with move buttons, and the form that adds one."""
    values, errors, status = {name: "" for name in FIELDS}, {}, 200
    if request.method == "POST":
        values = _fields(request)
        try:
            category = categories.add_category(store=request.store, **values)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
        else:
            messages.success(request, _("Category added. Name it in the other languages too."))
            return redirect(_detail_url(category, request.store.default_language))
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    language, fallback = request.LANGUAGE_CODE, request.store.default_language
    rows = []
    for category in queries.list_categories(request.store):
        texts = list(category.texts.all())
        text = queries.pick_text(texts, language, fallback)
        rows.append((category, text.name if text else category.slug, sorted(t.language for t in texts)))
    context = {
        "section": "helpdesk",
        "rows": rows,
        "values": values,
        "errors": errors,
        "store_language": categories.store_language(request.store),
        "moved": parse_db_id(request.GET.get("moved", "")),
        "moved_up": request.GET.get("direction") == "up",
        "public_url": reverse("helpcenter-public:index", args=[request.store.slug]),
    }
    return render(request, "helpcenter/categories.html", context, status=status)


@admin_required
def category_detail(request, category_id: int):
    """One category: its name and description in the chosen language, its address, its articles."""
    category = queries.get_category(request.store, category_id)
    language = request.GET.get("language") or request.POST.get("language") or request.store.default_language
    try:
        language = services.clean_language(language)
    except DomainError:
        language = request.store.default_language
    values, errors, status = _values(category, language), {}, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        posted = _fields(request)
        try:
            if action == "text":
                values |= {"name": posted["name"], "description": posted["description"]}
                categories.save_category_text(
                    category=category,
                    language=language,
                    name=posted["name"],
                    description=posted["description"],
                )
                messages.success(request, _("Category saved."))
            elif action == "address":
                values["slug"] = posted["slug"]
                categories.change_category_address(category=category, slug=posted["slug"])
                messages.success(request, _("Address saved."))
            else:
                return HttpResponseBadRequest(_("Unknown action."))
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
        else:
            return redirect(_detail_url(category, language))
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _detail_page(request, category, language, values, errors, status)


def _values(category, language: str) -> dict:
    current = next((text for text in category.texts.all() if text.language == language), None)
    return {
        "name": current.name if current else "",
        "description": current.description if current else "",
        "slug": category.slug,
    }


def _detail_page(request, category, language, values, errors, status):
    written = {text.language for text in category.texts.all()}
    fallback = request.store.default_language
    articles = []
    for article in queries.list_articles_in(category):
        text = queries.pick_text(list(article.texts.all()), request.LANGUAGE_CODE, fallback)
        articles.append((article, text.title if text else article.slug))
    context = {
        "section": "helpdesk",
        "category": category,
        "name": queries.category_name(category, request.LANGUAGE_CODE, fallback),
        "language": language,
        "values": values,
        "errors": errors,
        "articles": articles,
        "languages": [(code, name, code in written) for code, name in settings.LANGUAGES],
        "written": language in written,
        "public_url": reverse("helpcenter-public:category", args=[request.store.slug, category.slug])
        + "?"
        + urlencode({"lang": language}),
        "has_published": any(article.published for article, _title in articles),
    }
    return render(request, "helpcenter/category.html", context, status=status)


@admin_required
def category_move(request, category_id: int):
    """Show a category one place earlier ("up") or later ("down") on the front page."""
    category = queries.get_category(request.store, category_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Choose up or down."))
    categories.move_category(category=category, up=direction == "up")
    query = urlencode({"moved": category.pk, "direction": direction})
    # No #fragment: a page whose address names an element skips autofocus (HTML's autofocus rules), and
    # the focused button is scrolled into view anyway.
    return redirect(f"{reverse('helpcenter:categories')}?{query}")


@admin_required
def category_delete(request, category_id: int):
    """Delete a category that holds no article; one that does is a 409 saying to move them first."""
    category = queries.get_category(request.store, category_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        categories.delete_category(category=category)
    except DomainError as error:
        language = categories.store_language(request.store)
        values = _values(category, language)
        return _detail_page(request, category, language, values, {"form": error.message}, error.status)
    messages.success(request, _("Category deleted."))
    return redirect("helpcenter:categories")


def _detail_url(category, language: str) -> str:
    return reverse("helpcenter:category", args=[category.pk]) + "?" + urlencode({"language": language})
