"""Request plumbing: body limits, the current store, security headers."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream, WSGIRequest
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from . import formats, queries
from .errors import error_body

MACHINE_PREFIXES = ("/api/", "/webhooks/")


def too_large_error(limit: int) -> dict:
    """The 413 answer's body: which limit the request's body went past."""
    return error_body("body_too_large", f"Request body exceeds {limit} bytes.")


def too_large_response(limit: int) -> JsonResponse:
    return JsonResponse(too_large_error(limit), status=413)


INBOUND_MAIL_PREFIX = "/webhooks/inbound/"


class BodySizeLimitMiddleware:
    """Read API and webhook bodies whole, and answer 413 past CXLOOP_MAX_BODY_BYTES.

    Any other request declaring a body over CXLOOP_MAX_UPLOAD_BYTES (the largest
    upload a page takes) and a form's worth more is refused too, before Django
    parses a byte of it. Under
    ASGI the body is read before any middleware runs: `core.asgi_limits` holds it
    to the same limits there.

    A declared Content-Length over the limit is refused before anything is
    read. Otherwise the body is read here, at most one byte past the limit, and
    the limit holds on what was actually read. A chunked body (no
    Content-Length) is read from the server's de-chunked input: Django on its
    own reads a WSGI body only as far as Content-Length says, so it would see
    nothing. A server that hands chunked bodies over still encoded (it does not
    set `wsgi.input_terminated`; gunicorn does) gets 411, not an empty body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _declared_length(request) > request_limit():  # any page: refused unread
            return too_large_response(request_limit())
        if request.path.startswith(MACHINE_PREFIXES) and request.method in ("POST", "PUT", "PATCH"):
            limit = settings.CXLOOP_MAX_BODY_BYTES
            if request.path.startswith(INBOUND_MAIL_PREFIX):  # forwarded mail, attachments and all
                limit = max(limit, settings.CXLOOP_HELPDESK_MAX_WEBHOOK_BYTES)
            refusal = read_body_within_limit(request, limit)
            if refusal is not None:
                return refusal
        return self.get_response(request)


# A form's fields and boundaries besides its largest file: a file a little over its page's limit
# reaches the page, which names the limit in the form (422); far over it, 413 here.
FORM_SLACK = 1024 * 1024


def request_limit() -> int:
    """The largest request body any page takes: the largest upload and a form's worth more."""
    return settings.CXLOOP_MAX_UPLOAD_BYTES + FORM_SLACK


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def read_body_within_limit(request, limit: int) -> JsonResponse | None:
    """Read `request.body` (chunked too); return the 4xx answer when it cannot be taken."""
    declared = _declared_length(request)
    if declared > limit:
        return too_large_response(limit)
    if not declared and isinstance(request, WSGIRequest):
        environ = request.environ
        if environ.get("wsgi.input_terminated"):
            # The server de-chunked the body and ends the stream at its end.
            request._stream = LimitedStream(environ["wsgi.input"], limit + 1)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return JsonResponse(
                error_body("length_required", "Send the body with a Content-Length."),
                status=411,
            )
    try:
        if len(request.body) > limit:
            _drain_chunked_rest(request)
            return too_large_response(limit)
    except RequestDataTooBig:
        return too_large_response(limit)
    return None


# How much of a refused chunked body is read and thrown away before answering.
DRAIN_AT_MOST = 16 * 1024 * 1024


def _drain_chunked_rest(request) -> None:
    """Read and discard the rest of a refused chunked body, up to DRAIN_AT_MOST.

    A server that closes its socket with unread data sends a TCP reset, and the
    client, still sending, then never reads the 413 (it sees a broken pipe).
    Reading the rest first lets it; past the bound the connection is closed.
    """
    environ = getattr(request, "environ", {})
    if not environ.get("wsgi.input_terminated"):
        return
    stream, left = environ["wsgi.input"], DRAIN_AT_MOST
    while left > 0 and (chunk := stream.read(min(left, 65536))):
        left -= len(chunk)


class CurrentStoreMiddleware:
    """Set `request.store` and `request.membership` for signed-in staff.

    The store comes from the session (the store switcher) and is always one
    the user is a member of; otherwise the user's first store. Its timezone is
    active for the request, so every time on staff pages reads as store time,
    and the reader's calendar choice (cookie `cxloop_calendar`) is applied.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store = None
        request.membership = None
        if request.user.is_authenticated and not request.path.startswith(MACHINE_PREFIXES):
            membership = queries.get_current_membership(request.user, request.session.get("store_id"))
            if membership:
                request.membership = membership
                request.store = membership.store
        calendar = formats.use_calendar(request.COOKIES.get(formats.CALENDAR_COOKIE))
        try:
            with store_time(request.store):
                return self.get_response(request)
        finally:
            formats.reset_calendar(calendar)


def store_time(store):
    """A context manager making the store's timezone the active one (UTC for no or a bad zone)."""
    return timezone.override(formats.store_zone(store))


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on HTML, and no caching of staff pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CSP
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, " + response["Cache-Control"]
        return response


EVENTS_PATH = "/api/v1/events"


class EventsCorsMiddleware:
    """Let storefront pages on any origin send events to /api/v1/events.

    Only that path: the preflight (OPTIONS) is answered here, and every answer
    carries `Access-Control-Allow-Origin: *`. No cookies are involved (the
    store's API key is sent as a Bearer token), so a wildcard origin is safe.
    `navigator.sendBeacon` cannot set headers, so for POSTs to this path
    without an Authorization header the key may come as `?key=`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != EVENTS_PATH:
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
        else:
            key = request.GET.get("key", "")
            if request.method == "POST" and key and not request.META.get("HTTP_AUTHORIZATION"):
                request.META["HTTP_AUTHORIZATION"] = f"Bearer {key}"
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        # A storefront's script may read how long a busy server asks it to wait.
        response["Access-Control-Expose-Headers"] = "Retry-After"
        return response
