"""Request plumbing: body limits, the current store, security headers."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from . import queries

MACHINE_PREFIXES = ("/api/", "/webhooks/")


def too_large_response() -> JsonResponse:
    limit = settings.CXLOOP_MAX_BODY_BYTES
    return JsonResponse(
        {"error": "body_too_large", "detail": f"Request body exceeds {limit} bytes."},
        status=413,
    )


class BodySizeLimitMiddleware:
    """Answer 413 to API and webhook bodies over CXLOOP_MAX_BODY_BYTES.

    The declared Content-Length is checked before anything is read; a body
    without one (chunked) is read up to the limit and refused past it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(MACHINE_PREFIXES) and request.method in ("POST", "PUT", "PATCH"):
            limit = settings.CXLOOP_MAX_BODY_BYTES
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                return too_large_response()
            try:
                if len(request.body) > limit:
                    return too_large_response()
            except RequestDataTooBig:
                return too_large_response()
        return self.get_response(request)


class CurrentStoreMiddleware:
    """Set `request.store` and `request.membership` for signed-in staff.

    The store comes from the session (the store switcher) and is always one
    the user is a member of; otherwise the user's first store.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store = None
        request.membership = None
        if request.user.is_authenticated and not request.path.startswith(MACHINE_PREFIXES):
            membership = queries.get_current_membership(
                request.user, request.session.get("store_id")
            )
            if membership:
                request.membership = membership
                request.store = membership.store
        return self.get_response(request)


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
