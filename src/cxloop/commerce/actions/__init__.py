"""Act on the store's platform: refund, discount code, gift card, cancel, draft order.

The verbs are the same for every platform; each runs once per idempotency key
(a double click refunds once) and either returns an ActionResult or raises an
ActionError whose message a store owner understands:

    result = actions.refund_order(store, order, lines=[(line, 1)], amount=None,
                                  reason="Arrived broken", notify=True, idempotency_key=key)
    result.summary          # "Refunded 49.00 PLN on order #1001."

Amounts are Decimal in the store's currency. Who may act (roles, limits per
agent) is for the caller to decide; these verbs check what stays true: the
order and customer belong to the store, amounts and quantities make sense,
the store is connected. Platform calls run outside any database transaction.
"""

import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core.models import Platform

from ..models import StoreAction
from . import ledger, shopify, woocommerce
from .connections import ACTION_PLATFORMS, get_connection, list_connections, set_platform_connection
from .results import ActionError, ActionInProgress, ActionResult, NotConnected, PlatformUnavailable

__all__ = [
    "ACTION_PLATFORMS", "ActionError", "ActionInProgress", "ActionResult", "CustomLine", "DraftDiscount",
    "NotConnected", "PlatformUnavailable", "cancel_order", "create_discount_code", "create_draft_order",
    "get_connection", "issue_gift_card", "list_action_platforms", "list_connections", "platforms_for",
    "refund_order", "set_platform_connection",
]  # fmt: skip

logger = logging.getLogger(__name__)
Kind = StoreAction.Kind
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CANCEL_REASONS = tuple(shopify.CANCEL_REASONS)
# What each platform can do: WooCommerce itself has no gift cards nor draft orders.
PLATFORM_KINDS = {
    Platform.SHOPIFY: frozenset(Kind.values),
    Platform.WOOCOMMERCE: frozenset({Kind.REFUND, Kind.CANCEL_ORDER, Kind.DISCOUNT_CODE}),
}


@dataclass(frozen=True)
class CustomLine:
    """A draft-order line that is not a product variant: a title and a unit price."""

    title: str
    price: Decimal


@dataclass(frozen=True)
class DraftDiscount:
    kind: str  # "percentage" | "fixed"
    value: Decimal
    title: str = ""


# The verbs -------------------------------------------------------------------------------


def refund_order(
    store, order, *, lines=None, amount=None, reason="", notify=False, idempotency_key, actor=None
) -> ActionResult:
    """Refund lines of an order (quantities) and/or an amount, to the original payment.

    With lines and no amount, the platform's price of those lines is
    refunded; with an amount, that amount. Nothing is restocked. Raises
    ActionError for a foreign order, a bad quantity or amount, or the
    platform's refusal ("at most 20.00 PLN can still be refunded").
    """
    _check_belongs(store, order)
    for line, _quantity_asked in lines or []:
        if line.order_id != order.pk:
            raise ActionError(
                _("That line is not on order %(order)s.") % {"order": order.number}, code="invalid"
            )
    lines = [(line, _quantity(line, quantity)) for line, quantity in (lines or [])]
    amount = _amount(amount, field="amount") if amount is not None else None
    if not lines and amount is None:
        raise ActionError(_("Say what to refund: some lines, an amount, or both."), code="invalid")
    if order.currency != store.currency or (order.presentment_currency not in ("", order.currency)):
        raise ActionError(
            _("This order was paid in another currency than the store's, so cxloop cannot refund it; "
              "refund it in the store's admin."), code="not_available",
        )  # fmt: skip
    for line, _quantity_asked in lines or []:
        if not line.external_id:
            raise ActionError(_("That line has no id on the platform, so it cannot be refunded by line."))
    request = {
        "order": order.pk, "lines": [[line.pk, q] for line, q in lines],
        "amount": None if amount is None else str(amount), "reason": reason, "notify": notify,
    }  # fmt: skip

    def perform(connection, record):
        if order.platform == Platform.SHOPIFY:
            key = shopify.platform_key(store, record.idempotency_key, record.platform_attempt)
            return shopify.refund(
                connection, order, lines=lines, amount=amount, reason=reason, notify=notify, key=key
            )
        return woocommerce.refund(
            connection, order, lines=lines, amount=amount, reason=reason, notify=notify,
            key=record.idempotency_key, retrying=record.retrying,
        )  # fmt: skip

    return _run(
        store, Kind.REFUND, order.platform, idempotency_key, request, perform, actor=actor, order=order
    )


def create_discount_code(store, *, kind, value=None, code=None, customer=None, idempotency_key, actor=None,
                         platform=None) -> ActionResult:  # fmt: skip
    """Create a single-use discount code: a percentage off, an amount off, or free shipping.

    With a customer, only they can use it. Without a code, one is made from
    the idempotency key (so a retry asks for the same code). Returns the code
    in `result.code`.
    """
    if kind not in ("percentage", "fixed", "free_shipping"):
        raise ActionError(_("A discount is a percentage, a fixed amount, or free shipping."), code="invalid")
    if kind == "free_shipping":
        value = None
    else:
        value = _amount(value, field="value")
        if kind == "percentage" and value > 100:
            raise ActionError(_("A percentage discount is at most 100%."), code="invalid")
    if customer is not None:
        _check_belongs(store, customer)
    code = _code(code) if code else generated_code(store, idempotency_key)
    platform = _platform(store, platform)
    request = {"kind": kind, "value": None if value is None else str(value), "code": code,
               "customer": getattr(customer, "pk", None)}  # fmt: skip

    def perform(connection, record):
        if platform == Platform.SHOPIFY:
            starts_at = (record.started_at or timezone.now()).isoformat()
            return shopify.create_discount_code(
                connection, kind=kind, value=value, code=code, customer=customer, starts_at=starts_at,
                after_unknown=record.outcome_unknown,
            )  # fmt: skip
        return woocommerce.create_discount_code(
            connection, kind=kind, value=value, code=code, customer=customer,
            key=record.idempotency_key, retrying=record.retrying,
        )  # fmt: skip

    return _run(
        store, Kind.DISCOUNT_CODE, platform, idempotency_key, request, perform, actor=actor, customer=customer
    )


def issue_gift_card(
    store, *, amount, currency, customer=None, note="", idempotency_key, actor=None, platform=None
) -> ActionResult:
    """Issue a gift card of `amount` in the store's currency, assigned to the customer if given.

    The full card code is in the result of this call only; the record keeps
    its last characters (a gift card code is as good as money).
    """
    amount = _amount(amount, field="amount")
    if currency != store.currency:
        raise ActionError(
            _("Gift cards are issued in the store's currency, %(currency)s.") % {"currency": store.currency},
            code="invalid",
        )
    if customer is not None:
        _check_belongs(store, customer)
    platform = _platform(store, platform)
    if platform == Platform.WOOCOMMERCE:
        raise woocommerce.not_available(_("A gift card"))
    request = {
        "amount": str(amount),
        "currency": currency,
        "customer": getattr(customer, "pk", None),
        "note": note,
    }

    def perform(connection, record):
        if record.outcome_unknown:
            raise _may_exist(_("An earlier attempt may have issued this gift card."))
        return shopify.issue_gift_card(connection, amount=amount, customer=customer, note=note)

    def masked(result):
        return {**result.as_json(), "code": result.code[-4:]}

    return _run(store, Kind.GIFT_CARD, platform, idempotency_key, request, perform, actor=actor,
                customer=customer, stored=masked)  # fmt: skip


def cancel_order(store, order, *, reason="other", note="", restock=True, refund=True, notify=False,
                 idempotency_key, actor=None) -> ActionResult:  # fmt: skip
    """Cancel an order; with `refund`, pay back what was paid; with `restock`, put items back.

    `reason` is one of customer, declined, fraud, inventory, staff, other.
    On Shopify the cancellation runs as a job: the order's webhook confirms it.
    """
    _check_belongs(store, order)
    if reason not in CANCEL_REASONS:
        raise ActionError(_("Unknown cancellation reason."), code="invalid")
    if order.cancelled_at:
        raise ActionError(
            _("Order %(order)s is already cancelled.") % {"order": order.number}, code="invalid"
        )
    request = {"order": order.pk, "reason": reason, "note": note, "restock": restock, "refund": refund,
               "notify": notify}  # fmt: skip

    def perform(connection, record):
        options = {"reason": reason, "note": note, "restock": restock, "refund": refund, "notify": notify}
        if order.platform == Platform.SHOPIFY:
            return shopify.cancel_order(connection, order, **options)
        return woocommerce.cancel_order(connection, order, **options, key=record.idempotency_key,
                                        previous=record.result)  # fmt: skip

    return _run(
        store, Kind.CANCEL_ORDER, order.platform, idempotency_key, request, perform, actor=actor, order=order
    )


def create_draft_order(store, *, customer=None, lines, discount=None, note="", send_invoice=False,
                       idempotency_key, actor=None, platform=None) -> ActionResult:  # fmt: skip
    """Create a draft order of variants or custom lines; with `send_invoice`, email the checkout link.

    `lines` is [(Variant or CustomLine, quantity)]. The result carries the
    invoice (checkout) URL.
    """
    if customer is not None:
        _check_belongs(store, customer)
    if not lines:
        raise ActionError(_("A draft order needs at least one line."), code="invalid")
    checked = []
    for item, quantity in lines:
        if isinstance(item, CustomLine):
            item = CustomLine(
                title=_title(item.title), price=_amount(item.price, field="price", allow_zero=True)
            )
        else:
            _check_belongs(store, item)
        checked.append((item, _positive_int(quantity)))
    if discount is not None:
        if discount.kind not in ("percentage", "fixed"):
            raise ActionError(_("A draft order discount is a percentage or a fixed amount."), code="invalid")
        discount = DraftDiscount(
            discount.kind, _amount(discount.value, field="discount"), discount.title[:255]
        )
    platform = _platform(store, platform)
    if platform == Platform.WOOCOMMERCE:
        raise woocommerce.not_available(_("A draft order"))
    request = {
        "customer": getattr(customer, "pk", None), "note": note, "send_invoice": send_invoice,
        "lines": [[_line_key(item), q] for item, q in checked],
        "discount": None if discount is None else [discount.kind, str(discount.value), discount.title],
    }  # fmt: skip

    def perform(connection, record):
        if record.outcome_unknown and not record.result.get("draft"):
            raise _may_exist(_("An earlier attempt may have created this draft order."))
        return shopify.create_draft_order(
            connection, customer=customer, lines=checked, discount=discount,
            note=note, send_invoice=send_invoice, previous=record.result,
        )  # fmt: skip

    return _run(
        store, Kind.DRAFT_ORDER, platform, idempotency_key, request, perform, actor=actor, customer=customer
    )


# Running one action once --------------------------------------------------------------------


def _run(store, kind, platform, key, request, perform, *, actor=None, order=None, customer=None, stored=None):
    if platform not in ACTION_PLATFORMS:
        raise ActionError(
            _("Actions are available for Shopify and WooCommerce orders only."), code="not_available"
        )
    connection = get_connection(store, platform)
    record, first = ledger.claim(store, kind=kind, platform=platform, key=key, request=request, actor=actor,
                                 order=order, customer=customer)  # fmt: skip
    if first is not None:
        return first
    try:
        result = perform(connection, record)
    except ActionError as error:
        ledger.fail(record, error)
        raise
    except Exception as error:  # a bug or an unexpected answer: logged with its traceback, told in words
        logger.exception("Store action %s (%s) failed unexpectedly", record.pk, kind)
        wrapped = ActionError(
            _("Something unexpected went wrong; it is not known whether the store did it. "
              "Check the store's admin before trying again."),
            definite=False,
        )  # fmt: skip
        ledger.fail(record, wrapped)
        raise wrapped from error
    return ledger.finish(record, result, stored=stored(result) if stored else None)


def _may_exist(what: str) -> ActionError:
    """For actions the platform cannot dedupe: after an unknown outcome, a person must look first.

    Not definite, so the action stays marked as of unknown outcome however
    often it is asked again with this key.
    """
    return ActionError(
        what + " " + _("Check the store's admin; if it is not there, try again with a new key."),
        code="outcome_unknown", definite=False,
    )  # fmt: skip


def list_action_platforms(store, kind: str) -> list[str]:
    """The platforms the store is connected to that can take `kind`, in ACTION_PLATFORMS order.

    An order's action goes to the order's own platform; an action without an order (a code, a gift
    card, a draft order) goes to one of these, which a person chooses when there are several.
    """
    return platforms_for(kind, list_connections(store))


def platforms_for(kind: str, connected) -> list[str]:
    """Of the `connected` platforms, those that can take `kind`, in ACTION_PLATFORMS order."""
    return [p for p in ACTION_PLATFORMS if p in connected and kind in PLATFORM_KINDS.get(p, ())]


def _platform(store, platform) -> str:
    if platform:
        return platform
    connected = list(list_connections(store))
    if len(connected) == 1:
        return connected[0]
    if not connected:
        raise NotConnected(_("cxloop is not connected to this store's admin. An owner can connect it under "
                             "Integrations."))  # fmt: skip
    raise ActionError(_("This store is connected to several platforms: say which one."), code="invalid")


def generated_code(store, idempotency_key: str) -> str:
    """A readable code made from the key: the same key always gives the same code."""
    digest = hashlib.sha256(f"{store.pk}:{idempotency_key}".encode()).digest()
    return "CX-" + "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:8])


def _check_belongs(store, obj) -> None:
    if obj is None or obj.store_id != store.pk:
        raise ActionError(_("That belongs to another store."), code="not_found")
    if getattr(obj, "external_id", None) == "":
        raise ActionError(
            _("That has no id on the platform, so cxloop cannot act on it there."), code="invalid"
        )


def _amount(value, *, field: str, allow_zero: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ActionError(_("%(field)s must be a number.") % {"field": field}, code="invalid") from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero) or amount >= Decimal("1e9"):
        raise ActionError(_("%(field)s must be more than zero.") % {"field": field}, code="invalid")
    if amount != amount.quantize(Decimal("0.01")):
        raise ActionError(_("%(field)s has more than two decimal places.") % {"field": field}, code="invalid")
    return amount.quantize(Decimal("0.01"))


def _positive_int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise ActionError(_("A quantity is a whole number from 1."), code="invalid")
    return value


def _quantity(line, quantity) -> int:
    quantity = _positive_int(quantity)
    if quantity > line.quantity:
        raise ActionError(
            _("The order has only %(count)s × %(title)s.") % {"count": line.quantity, "title": line.title},
            code="invalid",
        )
    return quantity


def _code(code: str) -> str:
    code = code.strip()
    if not 3 <= len(code) <= 50 or not all(c.isalnum() or c in "-_" for c in code):
        raise ActionError(_("A code has 3 to 50 letters, digits, - or _."), code="invalid")
    return code.upper()


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > 255:
        raise ActionError(_("A custom line needs a title of at most 255 characters."), code="invalid")
    return title


def _line_key(item) -> list:
    if isinstance(item, CustomLine):
        return ["custom", item.title, str(item.price)]
    return ["variant", item.pk]
