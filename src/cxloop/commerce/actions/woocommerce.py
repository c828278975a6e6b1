"""Store actions through the WooCommerce REST API (v3).

    POST https://shop.example/wp-json/wc/v3/orders/4821/refunds    (Basic auth: ck_... / cs_...)
    {"amount": "49.00", "reason": "...", "api_refund": true, "line_items": [...]}

The consumer key and secret go in HTTP Basic auth, which WooCommerce accepts
over HTTPS only (the connection refuses plain http). Errors carry a `code`
and a `message` ("woocommerce_rest_invalid_order_refund", "Invalid refund
amount."); the message is passed on. WooCommerce has no idempotency keys:
each refund and coupon carries the action's key in its meta data
(`_cxloop_action`), so a retry after an unknown outcome first looks for
what the earlier attempt may have made. Gift cards and draft orders are not
part of WooCommerce itself.
"""

from decimal import Decimal

import httpx
from django.utils.translation import gettext as _

from cxloop.core.models import Platform

from . import transport
from .results import ActionError, ActionResult
from .shopify import discount_summary, money

LABEL = "WooCommerce"
META_KEY = "_cxloop_action"


def _call(connection, method: str, path: str, *, json=None, params=None, not_found: str = "") -> object:
    response = transport.request(
        method,
        f"{connection.base_url}/wp-json/wc/v3{path}",
        platform=LABEL,
        auth=httpx.BasicAuth(connection.consumer_key, connection.consumer_secret),
        headers={"Accept": "application/json"},
        json=json,
        params=params,
        not_found=not_found or _("WooCommerce does not know this order (was it deleted?)."),
    )
    try:
        return response.json()
    except ValueError:
        raise ActionError(
            _("WooCommerce answered with something that is not JSON."), definite=False
        ) from None


def _woo_id(value: str) -> int:
    """WooCommerce ids are numbers; anything else cannot be one of its orders or lines."""
    if not (str(value).isascii() and str(value).isdigit()):
        raise ActionError(
            _("This is not a WooCommerce order or line (its id is not a number)."), code="invalid"
        )
    return int(value)


def not_available(what: str) -> ActionError:
    return ActionError(
        _("%(what)s is not available on WooCommerce: WooCommerce itself has no such feature.")
        % {"what": what},
        code="not_available",
    )


def refund(connection, order, *, lines, amount, reason, notify, key, retrying) -> ActionResult:
    path = f"/orders/{_woo_id(order.external_id)}/refunds"
    created = _find_marked(connection, path, key) if retrying else None
    if created is None:
        line_items = [
            {
                "id": _woo_id(line.external_id),
                "quantity": quantity,
                "refund_total": money(_unit_net(line) * quantity),
            }
            for line, quantity in lines
        ]
        total = (
            amount
            if amount is not None
            else sum((Decimal(i["refund_total"]) for i in line_items), Decimal(0))
        )
        body = {
            "amount": money(total), "reason": reason, "api_refund": True, "api_restock": False,
            "line_items": line_items, "meta_data": [{"key": META_KEY, "value": key}],
        }  # fmt: skip
        created = _call(connection, "POST", path, json=body)
    refunded = Decimal(str(created.get("amount", "0")))
    return ActionResult(
        ok=True, kind="refund", platform=Platform.WOOCOMMERCE,
        summary=_("Refunded %(amount)s %(currency)s on order %(order)s.")
        % {"amount": money(refunded), "currency": order.currency, "order": order.number},
        platform_ids={"refund": str(created.get("id", "")), "order": str(order.external_id)},
        amount=refunded, currency=order.currency,
    )  # fmt: skip


def _unit_net(line) -> Decimal:
    """A line's unit price after its discount, before tax: what cxloop knows of it."""
    return line.price - (line.total_discount / line.quantity if line.quantity else Decimal(0))


def _find_marked(connection, path: str, key: str):
    for item in _call(connection, "GET", path, params={"per_page": 100}) or []:
        if any(m.get("key") == META_KEY and m.get("value") == key for m in item.get("meta_data") or []):
            return item
    return None


def create_discount_code(connection, *, kind, value, code, customer, key, retrying) -> ActionResult:
    created = None
    if retrying:
        found = _call(connection, "GET", "/coupons", params={"code": code}) or []
        created = next(
            (c for c in found if any(m.get("value") == key for m in c.get("meta_data") or [])), None
        )
    if created is None:
        body = {
            "code": code,
            "discount_type": "percent" if kind == "percentage" else "fixed_cart",
            "amount": "0"
            if kind == "free_shipping"
            else (f"{value.normalize():f}" if kind == "percentage" else money(value)),
            "free_shipping": kind == "free_shipping",
            "usage_limit": 1,
            "usage_limit_per_user": 1,
            "description": "cxloop",
            "meta_data": [{"key": META_KEY, "value": key}],
        }
        if customer is not None:
            if not customer.email:
                raise ActionError(
                    _("This customer has no email address, which WooCommerce needs to limit a code to them."),
                    code="no_email",
                )
            body["email_restrictions"] = [customer.email]
        created = _call(connection, "POST", "/coupons", json=body)
    return ActionResult(
        ok=True, kind="discount_code", platform=Platform.WOOCOMMERCE,
        summary=discount_summary(kind, value, code, connection.store.currency),
        platform_ids={"coupon": str(created.get("id", ""))},
        amount=value if kind == "fixed" else None,
        currency=connection.store.currency if kind == "fixed" else "", code=code,
    )  # fmt: skip


def cancel_order(connection, order, *, reason, note, restock, refund, notify, key, previous) -> ActionResult:
    if not restock:
        raise ActionError(
            _("WooCommerce always puts the items of a cancelled order back in stock; it cannot "
              "cancel without restocking."), code="not_available",
        )  # fmt: skip
    order_path = f"/orders/{_woo_id(order.external_id)}"
    cancelled = (previous or {}).get("cancelled") or _call(
        connection, "PUT", order_path, json={"status": "cancelled"}
    )
    refund_id = ""
    if refund:
        try:
            refund_id = _refund_rest(connection, order, cancelled, note or reason, key)
        except ActionError as error:
            error.partial = {"cancelled": {"id": cancelled.get("id"), "total": cancelled.get("total"),
                                           "refunds": cancelled.get("refunds", [])}}  # fmt: skip
            raise
    return ActionResult(
        ok=True, kind="cancel_order", platform=Platform.WOOCOMMERCE,
        summary=(_("Cancelled order %(order)s and refunded the payment.") if refund
                 else _("Cancelled order %(order)s (no refund).")) % {"order": order.number},
        platform_ids={"order": str(order.external_id), **({"refund": refund_id} if refund_id else {})},
    )  # fmt: skip


def _refund_rest(connection, order, woo_order: dict, reason: str, key: str) -> str:
    """Refund whatever of the order's total is not refunded yet; the refund's id ("" if nothing)."""
    path = f"/orders/{_woo_id(order.external_id)}/refunds"
    if existing := _find_marked(connection, path, key):
        return str(existing.get("id", ""))
    already = sum((-Decimal(str(r.get("total", "0"))) for r in woo_order.get("refunds") or []), Decimal(0))
    remaining = Decimal(str(woo_order.get("total", "0"))) - already
    if remaining <= 0:
        return ""
    body = {"amount": money(remaining), "reason": reason, "api_refund": True, "api_restock": False,
            "meta_data": [{"key": META_KEY, "value": key}]}  # fmt: skip
    return str(_call(connection, "POST", path, json=body).get("id", ""))
