"""The customer clusters page: the store's buyers grouped by k-means, each cluster offered as a segment.

Every member of the store may look (it only reads). The number of clusters comes
from `?k=` (DEFAULT_K without one); the service refuses one outside 2-8, and the
page then answers 422 naming the range.
"""

from django.shortcuts import render

from cxloop.core.errors import DomainError
from cxloop.web.access import store_required

from .clusters import MAX_K, MIN_K
from .services import clusters as services


@store_required
def customer_clusters(request):
    k = _k(request.GET.get("k", ""))
    context = {
        "section": "segments",
        "k": k,
        "choices": range(MIN_K, MAX_K + 1),
        "min_buyers": services.MIN_BUYERS,
    }
    try:
        context["found"] = services.cluster_customers(store=request.store, k=k)
    except DomainError as error:
        context["error"] = error
        return render(request, "segments/clusters.html", context, status=error.status)
    return render(request, "segments/clusters.html", context)


def _k(raw: str) -> int:
    """The number of clusters asked for; 0 (which the service refuses) when it is not a number."""
    if not raw.strip():
        return services.DEFAULT_K
    try:
        return int(raw)
    except ValueError:
        return 0
