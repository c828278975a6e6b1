"""The product's URLs plus a page and an API address that fail, for the 500 answers."""

from django.urls import path

from cxloop.urls import handler404, handler500
from cxloop.urls import urlpatterns as product_urlpatterns


def fail(request):
    raise RuntimeError("a fault in a view")


urlpatterns = [
    path("failing-page/", fail),
    path("api/failing", fail),
    *product_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
