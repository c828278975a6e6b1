from django.conf import settings

from . import queries


def current_store(request):
    """Give every page the current store and the user's other stores."""
    store = getattr(request, "store", None)
    if store is None:
        return {"current_store": None, "my_memberships": []}
    return {
        "dev_outbox": bool(settings.DEBUG or getattr(settings, "CXLOOP_DEV_OUTBOX", False)),
        "current_store": store,
        "current_role": request.membership.role,
        "my_memberships": queries.list_memberships(request.user),
    }
