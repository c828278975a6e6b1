"""Act on the store from a conversation: refund, cancel, discount code, gift card, draft order.

    result = refund_order(conversation=c, membership=m, order=o, lines=[(line, 1)],
                          amount=None, reason="Arrived broken", notify=True, idempotency_key=k)
    result.summary      # "Refunded 49.00 PLN on order #1001."

Each verb checks, before the platform is called, that the member may take the
action for that amount (`action_policies.check_action_allowed`, raising
ActionNotAllowed), then calls the platform verb of `cxloop.commerce.actions`
(once per idempotency key: a double click acts once), then writes one
`Activity` of kind ACTION on the conversation naming the actor, with the
summary and amount. A refusal or a platform error (ActionError, in words)
writes nothing on the conversation; the ledger keeps the failed attempt.

An order's refund or cancellation goes to the platform the order came from
(`Order.platform`). A code, gift card or draft order goes to the `platform`
given, which must be one the store is connected to that can do it
(`commerce.actions.list_action_platforms`); it may be left empty only when
there is just one.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.commerce import actions
from cxloop.commerce.actions import ActionResult
from cxloop.commerce.models import StoreAction
from cxloop.core import audit
from cxloop.core.errors import DomainError, InvalidInput
from cxloop.core.models import AuditLog, Platform

from ..action_policies import KINDS, check_action_allowed, list_action_policies
from ..models import ActionPolicy, Activity, Conversation

Kind = StoreAction.Kind
POLICY_FIELDS = ("admins_may", "agents_may", "max_amount", "max_amount_per_day", "max_percent")


class NotThisCustomer(DomainError):
    status = 422
    code = "not_this_customer"


def refund_order(
    *, conversation: Conversation, membership, order, lines, amount: Decimal | None, reason: str,
    notify: bool, idempotency_key: str,
) -> ActionResult:  # fmt: skip
    """Refund lines (with quantities) and/or an amount of the conversation's customer's order.

    The amount checked against the member's limits is the amount asked, or
    else the lines' price after their discount.
    """
    _check_customers_order(conversation, order)
    asked = amount if amount is not None else estimate_lines(lines)
    check_action_allowed(
        store=conversation.store, membership=membership, kind=Kind.REFUND, amount=asked, key=idempotency_key
    )
    result = actions.refund_order(
        conversation.store, order, lines=lines, amount=amount, reason=reason, notify=notify,
        idempotency_key=idempotency_key, actor=membership.user,
    )  # fmt: skip
    return _record(conversation, result, membership.user)


def cancel_order(
    *, conversation: Conversation, membership, order, reason: str, refund: bool, restock: bool,
    notify: bool, idempotency_key: str,
) -> ActionResult:  # fmt: skip
    """Cancel the customer's order; with `refund`, its total counts against the member's limits."""
    _check_customers_order(conversation, order)
    check_action_allowed(
        store=conversation.store, membership=membership, kind=Kind.CANCEL_ORDER,
        amount=order.total if refund else None, key=idempotency_key,
    )  # fmt: skip
    result = actions.cancel_order(
        conversation.store, order, reason=reason, refund=refund, restock=restock, notify=notify,
        note=_("Cancelled from help desk conversation #%(number)s.") % {"number": conversation.number},
        idempotency_key=idempotency_key, actor=membership.user,
    )  # fmt: skip
    return _record(conversation, result, membership.user)


def create_discount_code(
    *, conversation: Conversation, membership, customer, kind: str, value: Decimal | None,
    idempotency_key: str, platform: str = "",
) -> ActionResult:  # fmt: skip
    """A single-use code for the customer: a percentage off, an amount off, or free shipping."""
    _check_customer(conversation, customer)
    platform = choose_platform(conversation.store, Kind.DISCOUNT_CODE, platform)
    check_action_allowed(
        store=conversation.store, membership=membership, kind=Kind.DISCOUNT_CODE,
        amount=value if kind == "fixed" else None, percent=value if kind == "percentage" else None,
        key=idempotency_key,
    )  # fmt: skip
    result = actions.create_discount_code(
        conversation.store, kind=kind, value=value, customer=customer, idempotency_key=idempotency_key,
        actor=membership.user, platform=platform,
    )  # fmt: skip
    return _record(conversation, result, membership.user)


def issue_gift_card(
    *, conversation: Conversation, membership, customer, amount: Decimal, note: str, idempotency_key: str,
    platform: str = "",
) -> ActionResult:  # fmt: skip
    """A gift card for the customer, in the store's currency. The full code is in this result only."""
    _check_customer(conversation, customer)
    platform = choose_platform(conversation.store, Kind.GIFT_CARD, platform)
    check_action_allowed(
        store=conversation.store, membership=membership, kind=Kind.GIFT_CARD, amount=amount,
        key=idempotency_key,
    )  # fmt: skip
    result = actions.issue_gift_card(
        conversation.store, amount=amount, currency=conversation.store.currency, customer=customer,
        note=note, idempotency_key=idempotency_key, actor=membership.user, platform=platform,
    )  # fmt: skip
    return _record(conversation, result, membership.user)


def create_draft_order(
    *, conversation: Conversation, membership, customer, lines, send_invoice: bool, note: str,
    idempotency_key: str, platform: str = "",
) -> ActionResult:  # fmt: skip
    """A draft order for the customer (custom lines); with `send_invoice`, the platform emails it."""
    _check_customer(conversation, customer)
    platform = choose_platform(conversation.store, Kind.DRAFT_ORDER, platform)
    check_action_allowed(
        store=conversation.store, membership=membership, kind=Kind.DRAFT_ORDER, key=idempotency_key
    )
    result = actions.create_draft_order(
        conversation.store, customer=customer, lines=lines, note=note, send_invoice=send_invoice,
        idempotency_key=idempotency_key, actor=membership.user, platform=platform,
    )  # fmt: skip
    return _record(conversation, result, membership.user)


def choose_platform(store, kind: str, platform: str) -> str | None:
    """The platform an action without an order goes to: `platform`, when the store is connected to it
    and it can take `kind`; else, when none was given, the only such platform (None leaves the
    refusal, not connected or not available, to commerce.actions).

    Raises InvalidInput (field "platform") for a platform the store cannot use for it, or for none
    given when there are several to choose from; nothing is asked of any platform then.
    """
    choices = actions.list_action_platforms(store, kind)
    if not platform:
        if len(choices) > 1:
            raise InvalidInput(_("Choose the platform to act on."), field="platform")
        return choices[0] if choices else None
    if platform not in choices:
        label = Platform(platform).label if platform in Platform.values else platform[:40]
        raise InvalidInput(
            _("cxloop cannot do that on %(platform)s for this store: it is not connected to its admin, "
              "or the platform has no such thing. Choose another platform.") % {"platform": label},
            field="platform",
        )  # fmt: skip
    return platform


def estimate_lines(lines) -> Decimal:
    """What refunding these (line, quantity) pairs costs: unit price less the line's discount share."""
    total = Decimal("0")
    for line, quantity in lines or []:
        discount = (line.total_discount or Decimal("0")) * quantity / max(line.quantity, 1)
        total += line.price * quantity - discount
    return total.quantize(Decimal("0.01"))


def _check_customers_order(conversation: Conversation, order) -> None:
    if conversation.customer_id is None or order.customer_id != conversation.customer_id:
        raise NotThisCustomer(_("That order is not this conversation's customer's."))


def _check_customer(conversation: Conversation, customer) -> None:
    if conversation.customer_id is None or customer.pk != conversation.customer_id:
        raise NotThisCustomer(_("That is not this conversation's customer."))


@transaction.atomic
def _record(conversation: Conversation, result: ActionResult, actor) -> ActionResult:
    """Write the action on the conversation, once per action (a replayed result writes nothing new)."""
    exists = Activity.objects.filter(
        conversation=conversation, kind=Activity.Kind.ACTION, data__action_id=result.action_id
    ).exists()
    if not exists:
        Activity.objects.create(
            store_id=conversation.store_id, conversation=conversation, kind=Activity.Kind.ACTION,
            actor=actor, created_at=timezone.now(),
            data={
                "action": result.kind, "action_id": result.action_id, "summary": result.summary,
                "amount": None if result.amount is None else str(result.amount), "currency": result.currency,
            },
        )  # fmt: skip
    return result


@transaction.atomic
def set_action_policies(*, store, values: dict[str, dict], actor: audit.Actor) -> dict[str, ActionPolicy]:
    """Save who may take each kind of action and up to what amount; one audit row for the change.

    `values` is {kind: {admins_may, agents_may, max_amount, max_amount_per_day,
    max_percent}}, amounts Decimal or None (no limit). A negative limit, or a
    percentage over 100, is refused and nothing is saved.
    """
    for kind, given in values.items():
        if kind not in KINDS:
            raise DomainError(_("Unknown action."), field="kind")
        for name in ("max_amount", "max_amount_per_day", "max_percent"):
            if given.get(name) is not None and given[name] < 0:
                raise DomainError(_("A limit cannot be negative."), field=f"{kind}-{name}")
        if given.get("max_percent") is not None and given["max_percent"] > 100:
            raise DomainError(_("A percentage is at most 100."), field=f"{kind}-max_percent")
    for kind, given in values.items():
        ActionPolicy.objects.update_or_create(
            store=store, kind=kind, defaults={name: given.get(name) for name in POLICY_FIELDS}
        )
    detail = {
        kind: {name: (str(v) if isinstance(v, Decimal) else v) for name, v in given.items()}
        for kind, given in values.items()
    }
    audit.record(
        store=store, actor=actor, action=AuditLog.Action.STORE_SETTINGS_CHANGED,
        target="helpdesk store actions", detail=detail,
    )  # fmt: skip
    return list_action_policies(store)
