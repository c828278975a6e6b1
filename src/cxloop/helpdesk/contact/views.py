"""The contact form's pages: the form, and the thanks page after a message was taken.

    /contact/<store slug>/          GET the form; POST a message (then 302 to the thanks page)
    /contact/<store slug>/thanks/   "We received your message"

Language: `?lang=` if cxloop ships it, else the browser's Accept-Language,
else the store's language; Persian pages are laid out right to left. The
store's name and brand colour head the page as on the survey pages.

No session, no cookie, no CSRF token. The form is exempt from CSRF checks,
as the survey pages are: there is no ambient credential a forged request
could ride on (the page is public, and what it submits is a message anyone
may send), and the storefront's iframe withholds third-party cookies, so a
cookie-based token would fail there. What stands in for it against scripts
is the signed form token (form.py): made by this installation for this
store, at least a few seconds old, good for one message.

Framing: refused (frame-ancestors 'none', X-Frame-Options DENY) except with
`?embed=1`, which the storefront snippet opens in an iframe; that page may
be framed by the store's storefront origins (the integrations page), or,
for a store that has set none, by settings.CXLOOP_WIDGET_FRAME_ANCESTORS,
exactly like the survey widget.
"""

import re

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cxloop.core.branding import DEFAULT_BRAND, build_brand, page_csp
from cxloop.core.languages import normalize_language
from cxloop.core.models import Store
from cxloop.surveys import queries as surveys_queries

from . import form, services

SHIPPED = {code for code, _name in settings.LANGUAGES}


SLUG = re.compile(r"[-\w]{1,60}")


def _store(slug: str) -> Store | None:
    """The store a contact link names; None for anything that is not a slug (NUL bytes included)."""
    return Store.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None


def pick_language(request, store: Store | None) -> str:
    """?lang= if shipped, else the first shipped language of Accept-Language, else the store's."""
    wanted = [request.GET.get("lang", "")[:35]]
    wanted += [
        code for code, _q in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:500])
    ]
    if store is not None:
        wanted.append(store.default_language)
    for code in wanted:
        code = normalize_language(code)
        for candidate in (code, code.split("-")[0]):
            if candidate in SHIPPED:
                return candidate
    return settings.LANGUAGE_CODE


@csrf_exempt
@require_http_methods(["GET", "POST"])
def contact_form(request, store_slug):
    """The store's contact form; a POST takes the message once and redirects to the thanks page."""
    store = _store(store_slug)
    language = pick_language(request, store)
    embed = request.GET.get("embed") == "1"
    if store is None:
        return _unknown_store(request, language, embed)
    if request.method == "GET":
        return _form(request, store, language, embed, form.Entry(token=form.sign_form(store)))
    entry = form.Entry.from_post(request.POST)
    with translation.override(language):
        refusal = form.check_address_limit(request)
        token = None
        if refusal is None:
            token, refusal = form.check_form_token(store, entry)
        if refusal is None and (errors := form.clean_entry(entry)):
            refusal = form.Refusal(errors)
        if refusal is None and not services.is_taken(store, token.key):
            refusal = form.check_email_limit(store, entry.email)
    if refusal is not None:
        if refusal.fresh_token:
            entry.token = form.sign_form(store)
        return _form(request, store, language, embed, entry, refusal=refusal)
    sent = services.ContactMessage(
        name=entry.name, email=entry.email, message=entry.message, subject=entry.subject,
        order_number=entry.order_number,
    )  # fmt: skip
    services.take_contact_message(store=store, sent=sent, key=token.key, language=language)
    return redirect(_url("helpdesk-public:contact-thanks", store, language, embed))


@require_GET
def contact_thanks(request, store_slug):
    """After a message was sent: say it arrived and when to expect an answer."""
    store = _store(store_slug)
    language = pick_language(request, store)
    embed = request.GET.get("embed") == "1"
    if store is None:
        return _unknown_store(request, language, embed)
    context = {"again_url": _url("helpdesk-public:contact-form", store, language, embed)}
    return _render(request, store, language, embed, "helpdesk/contact/thanks.html", context)


def _url(name: str, store: Store, language: str, embed: bool) -> str:
    params = {"lang": language} | ({"embed": "1"} if embed else {})
    return f"{reverse(name, args=[store.slug])}?{urlencode(params)}"


def _form(request, store, language, embed, entry, *, refusal=None) -> HttpResponse:
    context = {
        "entry": entry,
        "errors": form.FormErrors(refusal.errors if refusal else {}),
        "limits": form.LIMITS,
        "honeypot": form.HONEYPOT,
    }
    response = _render(
        request,
        store,
        language,
        embed,
        "helpdesk/contact/form.html",
        context,
        refusal.status if refusal else 200,
    )
    if refusal is not None and refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def _render(request, store, language, embed, template, context, status=200) -> HttpResponse:
    brand = build_brand(surveys_queries.get_brand_color(store) if store else DEFAULT_BRAND)
    with translation.override(language):
        context = {
            "store": store,
            "brand": brand,
            "embed": embed,
            "language": language,
            "rtl": translation.get_language_bidi(),
        } | context
        response = render(request, template, context, status=status)
    response["Content-Security-Policy"] = page_csp(brand, embed=embed, store=store)
    response["Cache-Control"] = "no-store"  # the page may show what a customer typed
    response["Content-Language"] = language
    if embed:
        response.xframe_options_exempt = True
    return response


def _unknown_store(request, language, embed) -> HttpResponse:
    return _render(request, None, language, embed, "helpdesk/contact/unknown.html", {}, 404)
