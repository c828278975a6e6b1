from django.http import HttpResponse
from django.urls import include, path

from cxloop.api import api
from cxloop.commerce import webhooks


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the platforms' webhooks: "inbound/<provider>" would read as a platform and a store.
    path("webhooks/inbound/", include("cxloop.helpdesk.webhooks")),
    path("webhooks/<str:platform>/<slug:store_slug>/", webhooks.receive, name="webhook"),
    # The help desk's staff pages: the inbox, conversations, mailboxes.
    path("helpdesk/help/", include("cxloop.helpcenter.urls")),
    path("helpdesk/chat/", include("cxloop.chat.staff_urls")),
    path("helpdesk/", include("cxloop.helpdesk.urls")),
    path("segments/", include("cxloop.segments.urls")),
    path("analytics/", include("cxloop.analytics.urls")),
    path("", include("cxloop.surveys.urls")),
    path("", include("cxloop.helpdesk.public_urls")),
    path("", include("cxloop.helpcenter.public_urls")),
    path("", include("cxloop.chat.urls")),
    path("", include("cxloop.flows.urls")),
    path("", include("cxloop.commerce.urls")),
    path("", include("cxloop.hooks.urls")),
    path("", include("cxloop.web.urls")),
]

# The product's 404 and 500 pages (JSON under /api/ and /webhooks/, 400 and 403 too); see web/errors.py.
handler400 = "cxloop.web.errors.bad_request"
handler403 = "cxloop.web.errors.permission_denied"
handler404 = "cxloop.web.errors.not_found"
handler500 = "cxloop.web.errors.server_error"
