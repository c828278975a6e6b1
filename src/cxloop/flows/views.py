"""Public pages of messaging: unsubscribing from a store's unasked email, in one click (RFC 8058).

    GET  /u/<token>/   asks to confirm: link scanners and previews fetch every URL, so a GET
                       changes nothing
    POST /u/<token>/   unsubscribes: the page's button (then a "done" page), or a mailbox
                       provider's one-click POST with the body "List-Unsubscribe=One-Click"
                       (form-encoded or multipart), answered 200 in plain text, no redirect

The token in the link is the only credential: it is signed, names one
message's entry in the contact ledger and the address that message went to
(as a digest), and needs no session or cookie. The address it stops is the
one the message went to, even after the customer's address changed: then
only that old address is suppressed, and the customer's consent and new
address are left alone (flows.services.unsubscribe_link). So this view is
exempt from CSRF checks: RFC 8058 section 3.1 has the provider POST
"without any cookies or authentication", and there is no ambient
credential a forged request could ride on. An altered, unknown or empty
token is a 404. The page speaks the customer's language when cxloop
ships it, else the store's.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cxloop.core.languages import normalize_language

from . import queries, services

ONE_CLICK = "One-Click"


@csrf_exempt  # RFC 8058: the mailbox provider POSTs without cookies; the signed token is the credential.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks to confirm; POST unsubscribes (the page's button, or a provider's one-click POST)."""
    link = services.read_unsubscribe_token(token)
    if link is None:
        raise Http404("This unsubscribe link is not valid.")
    contact, customer = link.contact, link.contact.customer
    if request.method == "POST":
        services.unsubscribe_link(link=link, source="list-unsubscribe")
        if request.POST.get("List-Unsubscribe") == ONE_CLICK:
            return HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8")
    done = request.method == "POST" or queries.is_suppressed_digest(contact.store, link.email_digest)
    language = page_language(customer.language, contact.store.default_language)
    context = {
        "store": contact.store,
        "address": mask_email(link.email),
        "already": done and request.method == "GET",
        "language": language,
        "rtl": translation.get_language_info(language)["bidi"],
    }
    template = "flows/unsubscribe_done.html" if done else "flows/unsubscribe_confirm.html"
    with translation.override(language):
        response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def page_language(*candidates: str) -> str:
    """The first candidate (a language tag like "pl", "pl_PL", "zh-TW") cxloop ships, else English."""
    shipped = {code for code, _name in settings.LANGUAGES}
    for raw in candidates:
        code = normalize_language(raw)
        for candidate in (code, code.split("-")[0]):
            if candidate in shipped:
                return candidate
    return settings.LANGUAGE_CODE


def mask_email(email: str) -> str:
    """An address shown on a page anyone with the link may see: "a***@example.pl"."""
    local, at, domain = email.partition("@")
    if not at:
        return ""
    return f"{local[:1]}***@{domain}"
