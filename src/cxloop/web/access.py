"""The door of every staff page: signed in, and a member of a store."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cxloop.core.models import Membership
from cxloop.core.roles import check_role


def store_required(view):
    """Require a signed-in member of a store; others see a page saying so.

    `request.store` and `request.membership` are set by
    `cxloop.core.middleware.CurrentStoreMiddleware`.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "store", None) is None:
            return render(request, "web/no_store.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    """Signed in, a member of the store, and its owner or an admin (agents get 403)."""

    @store_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        check_role(request, Membership.Role.ADMIN)
        return view(request, *args, **kwargs)

    return wrapper


def wants_partial(request, target: str) -> bool:
    """True for an htmx request that swaps only `target` (not a boost or a
    history restore, which need the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted and not htmx.history_restore_request and htmx.target == target)
