"""The answers for a missing page and a server error.

Pages get the product's own 404.html and 500.html (web/templates); the JSON
API and webhooks get the API's JSON error shape. `handler404` and
`handler500` in cxloop/urls.py point here.

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

from cxloop.core.middleware import MACHINE_PREFIXES


def _is_machine_path(request) -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def not_found(request, exception):
    """404: the API's JSON error under /api/ and /webhooks/, the product's page elsewhere."""
    if _is_machine_path(request):
        return JsonResponse(
            {"error": "not_found", "detail": _("Nothing at this address.")}, status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500 with no database and no context: a generic JSON answer or the product's page."""
    if _is_machine_path(request):
        return JsonResponse(
            {"error": "server_error", "detail": _("The server could not finish this request.")},
            status=500,
        )
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
