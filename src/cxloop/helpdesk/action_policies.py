"""Who may act on the store from a conversation, and up to what amount (ActionPolicy).

The store-action verbs (`cxloop.commerce.actions`) leave "who may" to their
caller; the help desk decides it here, per store and action kind:

    check_action_allowed(store=s, membership=m, kind="refund", amount=Decimal("49.00"), key=k)

Owners may always act, without limits. Admins and agents may act when the
kind's policy lets their role, within its limits: an amount per action
(refund amount, gift card value, fixed discount), a percentage per discount,
and an amount per staff member and day (the store's day). Without a saved
policy the defaults below apply: agents may give discounts of a modest
amount and create draft orders; refunds, cancellations and gift cards are
for owners and admins until an owner allows them.
"""

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.commerce.models import StoreAction
from cxloop.core.errors import DomainError
from cxloop.core.formats import store_zone
from cxloop.core.models import Membership

from .models import ActionPolicy

Kind = StoreAction.Kind
Role = Membership.Role

# The kinds in the order the settings page lists them.
KINDS = (Kind.REFUND, Kind.CANCEL_ORDER, Kind.DISCOUNT_CODE, Kind.GIFT_CARD, Kind.DRAFT_ORDER)
# Kinds whose amount is money leaving the store, so an amount limit makes sense.
LIMITED_KINDS = (Kind.REFUND, Kind.CANCEL_ORDER, Kind.DISCOUNT_CODE, Kind.GIFT_CARD)


@dataclass(frozen=True)
class Default:
    admins_may: bool = True
    agents_may: bool = False
    max_amount: Decimal | None = None
    max_amount_per_day: Decimal | None = None
    max_percent: Decimal | None = None


DEFAULT_POLICIES = {
    Kind.REFUND: Default(),
    Kind.CANCEL_ORDER: Default(),
    Kind.DISCOUNT_CODE: Default(
        agents_may=True,
        max_amount=Decimal("20.00"),
        max_amount_per_day=Decimal("100.00"),
        max_percent=Decimal("15"),
    ),  # fmt: skip
    Kind.GIFT_CARD: Default(),
    Kind.DRAFT_ORDER: Default(agents_may=True),
}


class ActionNotAllowed(DomainError):
    """The member's role, or a limit, does not allow this action; nothing was done."""

    status = 403
    code = "not_allowed"


def build_default_policy(store, kind: str) -> ActionPolicy:
    """The policy a store has for `kind` before an owner changes it (not saved)."""
    default = DEFAULT_POLICIES[kind]
    return ActionPolicy(store=store, kind=kind, **default.__dict__)


def list_action_policies(store) -> dict[str, ActionPolicy]:
    """The store's policy for every kind, saved or default, in settings-page order."""
    saved = {policy.kind: policy for policy in ActionPolicy.objects.filter(store=store)}
    return {kind: saved.get(kind) or build_default_policy(store, kind) for kind in KINDS}


def get_action_policy(store, kind: str) -> ActionPolicy:
    return ActionPolicy.objects.filter(store=store, kind=kind).first() or build_default_policy(store, kind)


def can_act(membership: Membership | None, policy: ActionPolicy) -> bool:
    """Whether the member's role may take this kind of action at all (limits aside)."""
    if membership is None:
        return False
    if membership.role == Role.OWNER:
        return True
    if membership.role == Role.ADMIN:
        return policy.admins_may
    return policy.agents_may


def check_action_allowed(
    *, store, membership: Membership, kind: str, amount: Decimal | None = None,
    percent: Decimal | None = None, key: str = "",
) -> None:  # fmt: skip
    """Raise ActionNotAllowed, in words, unless the member may take this action for this amount.

    `key` is the action's idempotency key: an action already taken with it is
    not counted again against the daily limit (a double click is one action).
    """
    if membership is not None and membership.role == Role.OWNER:
        return
    policy = get_action_policy(store, kind)
    label = Kind(kind).label
    if not can_act(membership, policy):
        raise ActionNotAllowed(
            _("Your role may not do this in this store (%(action)s). An owner can allow it under "
              "Help desk → Store actions.") % {"action": label}
        )  # fmt: skip
    if percent is not None and policy.max_percent is not None and percent > policy.max_percent:
        raise ActionNotAllowed(
            _("You may give at most %(limit)s%% off with one code; ask an owner or an admin.")
            % {"limit": _number(policy.max_percent)}
        )
    if amount is None:
        return
    currency = store.currency
    if policy.max_amount is not None and amount > policy.max_amount:
        raise ActionNotAllowed(
            _(
                "You may do this (%(action)s) for at most %(limit)s %(currency)s at a time; "
                "ask an owner or an admin."
            )
            % {"action": label, "limit": policy.max_amount, "currency": currency}
        )
    if policy.max_amount_per_day is not None:
        used = sum_used_today(store, membership.user, kind, except_key=key)
        if used + amount > policy.max_amount_per_day:
            raise ActionNotAllowed(
                _("This would take you past your daily limit (%(action)s): %(used)s of %(limit)s "
                  "%(currency)s used today. Ask an owner or an admin.")
                % {"action": label, "used": used, "limit": policy.max_amount_per_day, "currency": currency}
            )  # fmt: skip


def sum_used_today(store, user, kind: str, *, except_key: str = "") -> Decimal:
    """What the member has done of `kind` since the start of the store's day (done or under way)."""
    zone = store_zone(store)
    start = datetime.combine(timezone.now().astimezone(zone).date(), time.min, tzinfo=zone)
    rows = (
        StoreAction.objects.filter(store=store, actor=user, kind=kind, created_at__gte=start)
        .filter(status__in=[StoreAction.Status.DONE, StoreAction.Status.PENDING])
        .exclude(idempotency_key=except_key)
        .values_list("status", "result", "request")
    )
    total = Decimal("0")
    for status, result, request in rows:
        value = (result if status == StoreAction.Status.DONE else request).get("amount")
        if value is None and request.get("kind") == "fixed":
            value = request.get("value")
        total += Decimal(str(value)) if value else Decimal("0")
    return total


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")
