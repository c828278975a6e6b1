"""The answers for a missing page, a refused request and a server error.

Pages get the product's own 404.html and 500.html (web/templates) and
Django's 400 and 403; the JSON API and webhooks get the API's JSON error
shape (`core.errors.error_body`), a 405 included (`MachineMethodNotAllowedMiddleware`).
`handler400`, `handler403`, `handler404` and `handler500` in cxloop/urls.py point here.

With DEBUG on, Django would show its technical 404 page instead, which lists
every URL pattern; `NotFoundPageMiddleware` answers with the product's page
there too, so the demo looks like the product. A 500 under DEBUG keeps
Django's technical page: it is a developer's tool for finding the fault (the
traceback), and shows nothing a running demo's owner would otherwise see.
"""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.urls import Resolver404
from django.utils.translation import gettext as _
from django.views import defaults

from cxloop.core.errors import error_body
from cxloop.core.middleware import MACHINE_PREFIXES


def _is_machine_path(request) -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def _json_error(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse(error_body(code, detail), status=status)


def not_found(request, exception):
    """404: the API's JSON error under /api/ and /webhooks/, the product's page elsewhere."""
    if _is_machine_path(request):
        return _json_error("not_found", _("Nothing at this address."), 404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """400 for a request Django refuses before any view (a bad Host, a suspicious operation)."""
    if _is_machine_path(request):
        return _json_error("bad_request", _("The server cannot read this request."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_machine_path(request):
        return _json_error("forbidden", _("This request is not allowed."), 403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    """500 with no database and no context: a generic JSON answer or the product's page."""
    if _is_machine_path(request):
        return _json_error("server_error", _("The server could not finish this request."), 500)
    return defaults.server_error(request)


class NotFoundPageMiddleware:
    """With DEBUG on, answer a missing page as `not_found` does, not with Django's debug 404.

    Django shows its debug 404 page (every URL pattern) when DEBUG is on, for
    an address no pattern matches and for an Http404 a view raises. The first
    is the 404 answered for a request that was never resolved; the second
    reaches `process_exception`. Listed last, so that the slash-appending
    redirect and the security headers still see the answer. With DEBUG off it
    passes everything through: Django calls `handler404` itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return not_found(request, Resolver404({"path": request.path_info}))
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return not_found(request, exception)
        return None


class MachineMethodNotAllowedMiddleware:
    """A 405 under /api/ and /webhooks/ answers the JSON error shape, keeping its Allow header.

    ninja (a method no operation of the path has) and `require_POST` (the
    webhook door) answer 405 in plain text or HTML; an API client reads JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or not _is_machine_path(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        refused = _json_error(
            "method_not_allowed",
            _("%(method)s is not allowed here; allowed: %(allowed)s.")
            % {"method": request.method, "allowed": allowed},
            405,
        )
        refused["Allow"] = allowed
        return refused
