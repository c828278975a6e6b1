"""A store's team: who may manage it, role changes and removal.

Who may do what (checked here, whatever door the request came through):

- owners and admins manage the team; agents do not (Forbidden, 403);
- nobody gives a role above their own: an admin cannot make owners;
- an admin cannot demote or remove an owner;
- the store's last owner can be neither demoted nor removed (Conflict, 409).

The command line acts with an owner's authority: whoever runs it holds the
database anyway. Every change writes an `AuditLog` row in its transaction.
Invitations (how people join) are in `core.invitations`.
"""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from . import audit
from .audit import Actor
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .models import AuditLog, Membership, Store
from .roles import RANK

logger = logging.getLogger(__name__)

Role = Membership.Role


def authority(store: Store, actor: Actor) -> str:
    """The actor's role in the store if they may manage its team or keys; else raise Forbidden."""
    if actor.is_command_line:
        return Role.OWNER
    if actor.user is None:
        raise Forbidden("Only the store's owners and admins may do this.")
    membership = Membership.objects.filter(store=store, user=actor.user).first()
    if membership is None or RANK[membership.role] < RANK[Role.ADMIN]:
        raise Forbidden("Only the store's owners and admins may do this.")
    return membership.role


def lock_team(store: Store) -> None:
    """Serialise team changes of one store (two owners demoting each other at once)."""
    Store.objects.select_for_update().filter(pk=store.pk).first()


def _owner_count(store: Store) -> int:
    return Membership.objects.filter(store=store, role=Role.OWNER).count()


def check_role_value(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput("Role must be owner, admin or agent.", field="role")
    return role


def check_grant(role: str, authority_role: str) -> None:
    if RANK[role] > RANK[authority_role]:
        raise Forbidden("You cannot give a role above your own.", code="role_above_yours")


def _member_label(membership: Membership) -> str:
    return membership.user.email or membership.user.get_username()


def change_role(*, membership: Membership, role: str, actor: Actor) -> Membership:
    """Give a member another role; a change to the same role does nothing.

    Raises Forbidden (not allowed), Conflict (the last owner) or InvalidInput.
    """
    check_role_value(role)
    with transaction.atomic():
        store = membership.store
        lock_team(store)
        membership = Membership.objects.select_related("user", "store").get(pk=membership.pk)
        ruling = authority(store, actor)
        check_grant(role, ruling)
        if RANK[membership.role] > RANK[ruling]:
            raise Forbidden("Only an owner can change an owner's role.", code="owner_protected")
        if membership.role == role:
            return membership
        if membership.role == Role.OWNER and _owner_count(store) == 1:
            raise Conflict(
                "The store's last owner cannot be demoted: make another member owner first.",
                code="last_owner",
            )
        before, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        audit.record(
            store=store, actor=actor, action=AuditLog.Action.MEMBER_ROLE_CHANGED,
            target=_member_label(membership), detail={"from": before, "to": role},
        )  # fmt: skip
    return membership


def remove_member(*, membership: Membership, actor: Actor) -> None:
    """Take a member out of the store; their next request no longer reaches it.

    Their account stays (they may belong to other stores). Raises Forbidden or
    Conflict (the last owner).
    """
    with transaction.atomic():
        store = membership.store
        lock_team(store)
        membership = Membership.objects.select_related("user", "store").filter(pk=membership.pk).first()
        if membership is None:
            raise NotFound("No such member.")
        ruling = authority(store, actor)
        if RANK[membership.role] > RANK[ruling]:
            raise Forbidden("Only an owner can remove an owner.", code="owner_protected")
        if membership.role == Role.OWNER and _owner_count(store) == 1:
            raise Conflict(
                "The store's last owner cannot be removed: make another member owner first.",
                code="last_owner",
            )
        membership.delete()
        audit.record(
            store=store, actor=actor, action=AuditLog.Action.MEMBER_REMOVED,
            target=_member_label(membership), detail={"role": membership.role},
        )  # fmt: skip


def add_member_with_password(
    *, store: Store, email: str, role: str, password: str, actor: Actor
) -> Membership:
    """Make a person a member with a password chosen by whoever runs the command (no email).

    A new account gets the password; an existing account keeps its own. An
    existing member is a Conflict: roles change through `change_role`.
    """
    email = normalise_email(email)
    check_role_value(role)
    with transaction.atomic():
        lock_team(store)
        check_grant(role, authority(store, actor))
        User = get_user_model()
        user = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).first()
        if user is None:
            user = User(username=email, email=email)
            try:
                validate_password(password or "", user)
            except ValidationError as error:
                raise InvalidInput(" ".join(error.messages), field="password") from None
            user.set_password(password)
            user.save()
        elif Membership.objects.filter(store=store, user=user).exists():
            raise Conflict(f"{email} is already a member of this store.", field="email")
        membership = Membership.objects.create(store=store, user=user, role=role)
        audit.record(
            store=store, actor=actor, action=AuditLog.Action.MEMBER_ADDED, target=email, detail={"role": role}
        )
    return membership


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email[:80]!r} is not an email address.", field="email") from None
    return email
