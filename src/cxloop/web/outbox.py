"""The development outbox: mail the demo sent, readable by store owners (DEBUG or CXLOOP_DEV_OUTBOX only).

The HTML part of a message is never put into a staff page: it is served on
its own address under a CSP `sandbox` with no script source, and framed by
the message page in an `<iframe sandbox>`, so whatever an email holds cannot
run script or reach the staff session.
"""

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from cxloop.core import queries as core_queries
from cxloop.core.models import Membership
from cxloop.core.roles import check_role

from .access import store_required
from .paging import build_page

OUTBOX_PER_PAGE = 50

# What the framed email may do: show itself with its own styles and images,
# and open a link in a new tab (outside the sandbox), as a mail client would.
EMAIL_CSP = "; ".join(
    [
        "sandbox allow-popups allow-popups-to-escape-sandbox",
        "default-src 'none'",
        "script-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data: http: https:",
        "font-src data: http: https:",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ]
)
# Links in the framed email open in a new tab instead of inside the frame.
LINKS_IN_NEW_TAB = '<base target="_blank">'


def is_outbox_on() -> bool:
    return bool(settings.DEBUG or getattr(settings, "CXLOOP_DEV_OUTBOX", False))


def outbox_required(view):
    """A 404 unless the development outbox is on; then a store owner only.

    The outbox holds every store's mail, password-reset and invitation links
    included, so it is for the people who run the installation, not agents.
    """

    @store_required
    @wraps(view)
    def for_owners(request, *args, **kwargs):
        check_role(request, Membership.Role.OWNER)
        return view(request, *args, **kwargs)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_outbox_on():
            raise Http404("The outbox is a development page.")
        return for_owners(request, *args, **kwargs)

    return wrapper


@outbox_required
@require_GET
def outbox(request):
    page = build_page(core_queries.list_outbox(), request.GET.get("page"), per_page=OUTBOX_PER_PAGE)
    return render(request, "web/outbox.html", {"section": "outbox", "page": page})


@outbox_required
@require_GET
def outbox_message(request, message_id: int):
    message = core_queries.get_outbox_message(message_id)
    return render(request, "web/outbox_message.html", {"section": "outbox", "message": message})


@outbox_required
@require_GET
@xframe_options_sameorigin
def outbox_message_html(request, message_id: int):
    """The HTML part alone, for the sandboxed frame on the message page."""
    message = core_queries.get_outbox_message(message_id)
    if not message.html_body:
        raise Http404("This message has no HTML part.")
    response = HttpResponse(LINKS_IN_NEW_TAB + message.html_body, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_CSP
    response["Referrer-Policy"] = "no-referrer"
    return response
