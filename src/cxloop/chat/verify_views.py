"""The public page of the chat's address-confirmation link (chat.verification), in the visitor's language.

    GET  /chat/<store>/verify/<token>/   a button (a mail scanner fetching the link confirms nothing)
    POST /chat/<store>/verify/<token>/   confirms: the address is verified, the customer record linked

A forged, altered, expired, used or replaced link answers a page saying so (400 or 410), and
nothing changes. No CSRF token: the link's signed token is the credential, and the page sets no
cookie a visitor's browser might refuse.
"""

from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from cxloop.core.errors import DomainError
from cxloop.core.models import Store

from . import verification
from .services import clean_language
from .views import SLUG


@csrf_exempt
def verify_email(request, store_slug: str, token: str):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    # A slug checked before the database sees it (PostgreSQL refuses a NUL byte with an error)
    store = Store.objects.filter(slug=store_slug).first() if SLUG.fullmatch(store_slug) else None
    if store is None:
        raise Http404("No such store.")
    language = clean_language(translation.get_language() or "") or store.default_language or "en"
    context = {"store": store}
    status = 200
    with translation.override(language):  # the browser's, for a link that names no visitor any more
        try:
            if request.method == "POST":
                visitor = verification.confirm(token[:500], store=store)
                context["state"] = "confirmed"
            else:
                visitor = verification.check_link(token[:500], store=store)
                context |= {"state": "ask", "address": visitor.email}
            language = clean_language(visitor.language) or language
        except DomainError as error:
            status = error.status
            context |= {"state": "refused", "problem": error.message}
    context |= {"language": language, "rtl": translation.get_language_info(language)["bidi"]}
    with translation.override(language):
        response = render(request, "chat/verify_email.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
