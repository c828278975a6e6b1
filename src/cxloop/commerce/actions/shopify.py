"""Store actions through Shopify's Admin GraphQL API.

    POST https://<shop>.myshopify.com/admin/api/<version>/graphql.json
    X-Shopify-Access-Token: shpat_...
    {"query": "mutation RefundCreate($input: RefundInput!) {...}", "variables": {...}}

Failures come back three ways: an HTTP status (401 token, 402/403 scope,
423 locked shop, 429 limit), top-level `errors` in a 200 (THROTTLED when the
cost bucket is empty, ACCESS_DENIED for a missing scope), and `userErrors`
in the mutation's payload (the platform's own sentence: "Refund amount
exceeds..."). Each becomes an ActionError; THROTTLED is waited out like a 429.

Refunds first ask Shopify for a suggested refund (`Order.suggestedRefund`)
to learn the payment transactions to refund against (gateway and parent
transaction), then send `refundCreate` with the `@idempotent` directive
(API 2026-01 and later), so Shopify itself creates the refund once even if
cxloop's request is repeated.
"""

import json
import uuid
from decimal import Decimal

from django.utils.translation import gettext as _

from cxloop.core.models import Platform

from ..models import ExternalId
from . import transport
from .results import ActionError, ActionInProgress, ActionResult

LABEL = "Shopify"
IDEMPOTENT_SINCE = "2026-01"
KEY_NAMESPACE = uuid.UUID("6f3c3c1e-9d6e-4a8e-b0f5-6c1f8f0d2a11")
CANCEL_REASONS = {
    "customer": "CUSTOMER", "declined": "DECLINED", "fraud": "FRAUD",
    "inventory": "INVENTORY", "staff": "STAFF", "other": "OTHER",
}  # fmt: skip

SUGGEST_REFUND = """
query SuggestRefund($id: ID!, $refundLineItems: [RefundLineItemInput!], $suggestFullRefund: Boolean) {
  order(id: $id) {
    id
    name
    suggestedRefund(refundLineItems: $refundLineItems, suggestFullRefund: $suggestFullRefund) {
      amountSet { shopMoney { amount currencyCode } }
      maximumRefundableSet { shopMoney { amount currencyCode } }
      suggestedTransactions {
        gateway
        kind
        parentTransaction { id }
        amountSet { shopMoney { amount currencyCode } }
      }
    }
  }
}
"""

REFUND_CREATE = """
mutation RefundCreate($input: RefundInput!) {
  refundCreate(input: $input)%(directive)s {
    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}
"""

DISCOUNT_BASIC_CREATE = """
mutation DiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""

DISCOUNT_FREE_SHIPPING_CREATE = """
mutation DiscountCodeFreeShippingCreate($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""

DISCOUNT_BY_CODE = """
query DiscountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id }
}
"""

GIFT_CARD_CREATE = """
mutation GiftCardCreate($input: GiftCardCreateInput!) {
  giftCardCreate(input: $input) {
    giftCard { id lastCharacters initialValue { amount currencyCode } }
    giftCardCode
    userErrors { field code message }
  }
}
"""

ORDER_CANCEL = """
mutation OrderCancel($orderId: ID!, $reason: OrderCancelReason!, $refundMethod: OrderCancelRefundMethodInput!, $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock, notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field code message }
  }
}
"""  # noqa: E501

DRAFT_ORDER_CREATE = """
mutation DraftOrderCreate($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder { id name invoiceUrl totalPriceSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}
"""

DRAFT_ORDER_INVOICE_SEND = """
mutation DraftOrderInvoiceSend($id: ID!) {
  draftOrderInvoiceSend(id: $id) {
    draftOrder { id invoiceUrl invoiceSentAt }
    userErrors { field message }
  }
}
"""


# The GraphQL call -------------------------------------------------------------


def graphql(connection, query: str, variables: dict) -> dict:
    """Run one query or mutation; its `data`, or ActionError for an HTTP status or top-level errors."""
    url = f"{connection.base_url}/admin/api/{connection.api_version}/graphql.json"
    response = transport.request(
        "POST",
        url,
        platform=LABEL,
        headers={"X-Shopify-Access-Token": connection.access_token, "Accept": "application/json"},
        json={"query": query, "variables": variables},
        check=_raise_if_throttled,
        not_found=_("Shopify does not know this shop address or API version (check Integrations)."),
    )
    try:
        body = response.json()
    except ValueError:
        raise ActionError(_("Shopify answered with something that is not JSON."), definite=False) from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        raise _top_level_error(errors)
    return body.get("data") or {}


def _raise_if_throttled(response) -> None:
    try:
        body = response.json()
    except ValueError:
        return
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and any(_code(e) == "THROTTLED" for e in errors):
        raise transport.RateLimited(_throttle_wait(body))


def _throttle_wait(body: dict) -> float:
    """Seconds until the cost bucket holds what the query asked for (extensions.cost)."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        missing = float(cost.get("requestedQueryCost", 0)) - float(status.get("currentlyAvailable", 0))
        return max(missing / float(status["restoreRate"]), 0.0)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 1.0


def _code(error) -> str:
    return str(((error or {}).get("extensions") or {}).get("code") or "") if isinstance(error, dict) else ""


def _top_level_error(errors) -> ActionError:
    if isinstance(errors, list) and any(_code(e) == "ACCESS_DENIED" for e in errors):
        return ActionError(
            _("The Shopify access token does not allow this action: the app needs the access "
              "scope for it (see Integrations)."),
            code="forbidden",
        )  # fmt: skip
    message = (
        errors
        if isinstance(errors, str)
        else "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))
    )
    return ActionError(_("Shopify could not run the request: %(detail)s") % {"detail": message[:300]})


def raise_user_errors(payload: dict | None, key: str = "userErrors") -> dict:
    """The mutation's payload, or ActionError with Shopify's own sentences."""
    payload = payload or {}
    errors = payload.get(key) or []
    if not errors:
        return payload
    codes = {e.get("code") for e in errors if isinstance(e, dict)}
    if "IDEMPOTENCY_CONCURRENT_REQUEST" in codes:
        raise ActionInProgress(_("Shopify is still working on this action. Wait a moment and look again."))
    detail = " ".join(str(e.get("message", "")).strip() for e in errors if isinstance(e, dict))
    raise ActionError(_("Shopify refused it: %(detail)s") % {"detail": detail[:500]}, code="refused")


# Ids -----------------------------------------------------------------------------


def gid(kind: str, external_id: str) -> str:
    return external_id if external_id.startswith("gid://") else f"gid://shopify/{kind}/{external_id}"


def customer_gid(customer) -> str:
    row = ExternalId.objects.filter(customer=customer, platform=Platform.SHOPIFY).first()
    return gid("Customer", row.external_id) if row else ""


def platform_key(store, key: str, attempt: int) -> str:
    """The idempotency key Shopify sees: a UUID, stable for one attempt of one store's key."""
    return str(uuid.uuid5(KEY_NAMESPACE, f"{store.pk}:{key}:{attempt}"))


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


# Refunds ---------------------------------------------------------------------------


def refund(connection, order, *, lines, amount, reason, notify, key) -> ActionResult:
    order_gid = gid("Order", order.external_id)
    refund_lines = [
        {"lineItemId": gid("LineItem", line.external_id), "quantity": quantity, "restockType": "NO_RESTOCK"}
        for line, quantity in lines
    ]
    suggestion = _suggest(connection, order_gid, refund_lines)
    maximum = Decimal(suggestion["maximumRefundableSet"]["shopMoney"]["amount"])
    target = amount if amount is not None else Decimal(suggestion["amountSet"]["shopMoney"]["amount"])
    if target > maximum:
        raise ActionError(
            _("At most %(maximum)s %(currency)s can still be refunded on order %(order)s.")
            % {"maximum": money(maximum), "currency": order.currency, "order": order.number},
            code="too_much",
        )
    refund_input = {
        "orderId": order_gid,
        "note": reason,
        "notify": notify,
        "refundLineItems": refund_lines,
        "transactions": _transactions(order_gid, target, suggestion["suggestedTransactions"]),
    }
    directive = f"@idempotent(key: {json.dumps(key)})" if connection.api_version >= IDEMPOTENT_SINCE else ""
    data = graphql(
        connection,
        REFUND_CREATE % {"directive": " " + directive if directive else ""},
        {"input": refund_input},
    )
    created = raise_user_errors(data.get("refundCreate"))["refund"]
    refunded = Decimal(created["totalRefundedSet"]["shopMoney"]["amount"])
    return ActionResult(
        ok=True, kind="refund", platform=Platform.SHOPIFY,
        summary=_("Refunded %(amount)s %(currency)s on order %(order)s.")
        % {"amount": money(refunded), "currency": order.currency, "order": order.number},
        platform_ids={"refund": created["id"], "order": order_gid},
        amount=refunded, currency=order.currency,
    )  # fmt: skip


def _suggest(connection, order_gid: str, refund_lines: list[dict]) -> dict:
    variables = {
        "id": order_gid,
        "refundLineItems": refund_lines or None,
        "suggestFullRefund": not refund_lines,
    }
    order = graphql(connection, SUGGEST_REFUND, variables).get("order")
    if not order:
        raise ActionError(_("Shopify does not know this order (was it deleted?)."), code="not_found")
    return order["suggestedRefund"]


def _transactions(order_gid: str, target: Decimal, suggested: list[dict]) -> list[dict]:
    """Spread `target` over the payments Shopify suggests refunding against, in its order."""
    if target <= 0:
        return []
    payments = [
        (
            s["gateway"],
            (s.get("parentTransaction") or {}).get("id"),
            Decimal(s["amountSet"]["shopMoney"]["amount"]),
        )
        for s in suggested
        if s.get("kind", "SUGGESTED_REFUND") in ("SUGGESTED_REFUND", "REFUND")
    ]
    if not payments:
        raise ActionError(_("Shopify found no payment on this order to refund."), code="no_payment")
    remaining, out = target, []
    for gateway, parent, capacity in payments:
        take = min(remaining, capacity)
        if take > 0:
            out.append(
                {
                    "orderId": order_gid,
                    "parentId": parent,
                    "gateway": gateway,
                    "kind": "REFUND",
                    "amount": money(take),
                }
            )
            remaining -= take
    if remaining > 0:
        if not out:
            gateway, parent, _capacity = payments[0]
            out.append(
                {
                    "orderId": order_gid,
                    "parentId": parent,
                    "gateway": gateway,
                    "kind": "REFUND",
                    "amount": "0.00",
                }
            )
        out[0]["amount"] = money(Decimal(out[0]["amount"]) + remaining)
    return out


# Discount codes, gift cards ----------------------------------------------------------------


def create_discount_code(
    connection, *, kind, value, code, customer, starts_at, after_unknown
) -> ActionResult:
    context = {"all": "ALL"}
    if customer is not None:
        customer_id = customer_gid(customer)
        if not customer_id:
            raise ActionError(
                _("This customer has no Shopify account known to cxloop, so a code just for them "
                  "cannot be made. Make one for everyone instead, or wait until their next order "
                  "arrives."), code="no_customer_id",
            )  # fmt: skip
        context = {"customers": {"add": [customer_id]}}
    common = {
        "title": f"{code} (cxloop)", "code": code, "startsAt": starts_at, "context": context,
        "usageLimit": 1, "appliesOncePerCustomer": True,
    }  # fmt: skip
    if kind == "free_shipping":
        variables = {"freeShippingCodeDiscount": {**common, "destination": {"all": True}}}
        data = graphql(connection, DISCOUNT_FREE_SHIPPING_CREATE, variables)
        payload = data.get("discountCodeFreeShippingCreate")
    else:
        gets_value = (
            {"percentage": float(value / 100)}
            if kind == "percentage"
            else {"discountAmount": {"amount": money(value), "appliesOnEachItem": False}}
        )
        variables = {
            "basicCodeDiscount": {**common, "customerGets": {"value": gets_value, "items": {"all": True}}}
        }
        data = graphql(connection, DISCOUNT_BASIC_CREATE, variables)
        payload = data.get("discountCodeBasicCreate")
    if after_unknown and any(e.get("code") == "TAKEN" for e in (payload or {}).get("userErrors") or []):
        # The attempt whose answer was lost made this code: take it.
        if node := graphql(connection, DISCOUNT_BY_CODE, {"code": code}).get("codeDiscountNodeByCode"):
            payload = {"codeDiscountNode": node, "userErrors": []}
    payload = raise_user_errors(payload)
    return ActionResult(
        ok=True, kind="discount_code", platform=Platform.SHOPIFY,
        summary=discount_summary(kind, value, code, connection.store.currency),
        platform_ids={"discount": payload["codeDiscountNode"]["id"]},
        amount=value if kind == "fixed" else None,
        currency=connection.store.currency if kind == "fixed" else "", code=code,
    )  # fmt: skip


def discount_summary(kind, value, code, currency) -> str:
    if kind == "percentage":
        return _("Created the single-use code %(code)s: %(value)s%% off.") % {
            "code": code,
            "value": format(value.normalize(), "f"),  # 10.00 -> "10", not "1E+1"
        }
    if kind == "fixed":
        return _("Created the single-use code %(code)s: %(amount)s %(currency)s off.") % {
            "code": code, "amount": money(value), "currency": currency,
        }  # fmt: skip
    return _("Created the single-use code %(code)s: free shipping.") % {"code": code}


def issue_gift_card(connection, *, amount, customer, note) -> ActionResult:
    card_input = {"initialValue": money(amount), "note": note}
    if customer is not None and (customer_id := customer_gid(customer)):
        card_input["customerId"] = customer_id
    data = graphql(connection, GIFT_CARD_CREATE, {"input": card_input})
    payload = raise_user_errors(data.get("giftCardCreate"))
    card = payload["giftCard"]
    currency = card["initialValue"]["currencyCode"]
    return ActionResult(
        ok=True, kind="gift_card", platform=Platform.SHOPIFY,
        summary=_("Issued a gift card of %(amount)s %(currency)s, ending in %(last)s.")
        % {"amount": money(amount), "currency": currency, "last": card["lastCharacters"]},
        platform_ids={"gift_card": card["id"]},
        amount=Decimal(card["initialValue"]["amount"]), currency=currency,
        code=payload.get("giftCardCode") or "",
    )  # fmt: skip


# Cancellation, draft orders ---------------------------------------------------------------


def cancel_order(connection, order, *, reason, note, restock, refund, notify) -> ActionResult:
    variables = {
        "orderId": gid("Order", order.external_id),
        "reason": CANCEL_REASONS[reason],
        "refundMethod": {"originalPaymentMethodsRefund": refund},
        "restock": restock,
        "notifyCustomer": notify,
        "staffNote": note or None,
    }
    payload = raise_user_errors(
        graphql(connection, ORDER_CANCEL, variables).get("orderCancel"), "orderCancelUserErrors"
    )
    job = payload.get("job") or {}
    return ActionResult(
        ok=True, kind="cancel_order", platform=Platform.SHOPIFY,
        summary=(_("Asked Shopify to cancel order %(order)s and refund the payment.") if refund
                 else _("Asked Shopify to cancel order %(order)s (no refund).")) % {"order": order.number},
        platform_ids={"order": variables["orderId"], "job": job.get("id", "")},
    )  # fmt: skip


def create_draft_order(
    connection, *, customer, lines, discount, note, send_invoice, previous
) -> ActionResult:
    draft = (previous or {}).get("draft") or _create_draft(connection, customer, lines, discount, note)
    invoice_url = draft.get("invoiceUrl") or ""
    if send_invoice:
        try:
            data = graphql(connection, DRAFT_ORDER_INVOICE_SEND, {"id": draft["id"]})
            sent = raise_user_errors(data.get("draftOrderInvoiceSend"))["draftOrder"]
        except ActionError as error:
            error.partial = {"draft": draft}
            raise
        invoice_url = sent.get("invoiceUrl") or invoice_url
    total = Decimal(draft["totalPriceSet"]["shopMoney"]["amount"])
    currency = draft["totalPriceSet"]["shopMoney"]["currencyCode"]
    values = {"name": draft["name"], "amount": money(total), "currency": currency}
    return ActionResult(
        ok=True, kind="draft_order", platform=Platform.SHOPIFY,
        summary=(_("Created draft order %(name)s (%(amount)s %(currency)s) and sent the invoice.")
                 if send_invoice else _("Created draft order %(name)s (%(amount)s %(currency)s).")) % values,
        platform_ids={"draft_order": draft["id"]}, amount=total, currency=currency, invoice_url=invoice_url,
    )  # fmt: skip


def _create_draft(connection, customer, lines, discount, note) -> dict:
    draft_input = {
        "lineItems": [_draft_line(item, quantity, connection.store.currency) for item, quantity in lines]
    }
    if customer is not None:
        if customer_id := customer_gid(customer):
            draft_input["purchasingEntity"] = {"customerId": customer_id}
        if customer.email:
            draft_input["email"] = customer.email
    if discount is not None:
        draft_input["appliedDiscount"] = {
            "valueType": "PERCENTAGE" if discount.kind == "percentage" else "FIXED_AMOUNT",
            "value": float(discount.value),
            "title": discount.title or "cxloop",
        }
    if note:
        draft_input["note"] = note
    data = graphql(connection, DRAFT_ORDER_CREATE, {"input": draft_input})
    return raise_user_errors(data.get("draftOrderCreate"))["draftOrder"]


def _draft_line(item, quantity: int, currency: str) -> dict:
    if hasattr(item, "product_id"):  # a Variant cxloop mirrors
        return {"variantId": gid("ProductVariant", item.external_id), "quantity": quantity}
    return {
        "title": item.title,
        "originalUnitPriceWithCurrency": {"amount": money(item.price), "currencyCode": currency},
        "quantity": quantity,
    }
