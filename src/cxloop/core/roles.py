"""Who may do what in a store. One place, checked by views and endpoints."""

from django.core.exceptions import PermissionDenied

from .models import Membership

RANK = {Membership.Role.AGENT: 1, Membership.Role.ADMIN: 2, Membership.Role.OWNER: 3}


def has_role(membership: Membership | None, minimum: str) -> bool:
    return membership is not None and RANK[membership.role] >= RANK[minimum]


def check_role(request, minimum: str) -> None:
    """Raise PermissionDenied (403) unless the signed-in member has `minimum` or above."""
    if not has_role(getattr(request, "membership", None), minimum):
        raise PermissionDenied("Your role in this store does not allow this.")
