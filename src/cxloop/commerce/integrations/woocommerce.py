"""WooCommerce webhooks: verification, topics, and payload parsing.

WooCommerce signs the raw body: X-WC-Webhook-Signature = base64(HMAC-SHA256(
secret, body)). The body is PHP `json_encode` output (compact, `\\/`, `\\uXXXX`),
so the signature is checked on the bytes as received. Saving a webhook in the
WooCommerce admin first sends an unsigned ping, `webhook_id=<id>` as a form
body with no topic; it must be answered 200 or the webhook never activates.

Orders are the REST API v3 representation:

    {"id": 4821, "status": "processing", "currency": "PLN", "total": "187.00",
     "customer_id": 0, "billing": {"email": "..."}, "refunds": [{"id": 4830,
     "total": "-49.00"}], "date_created_gmt": "2026-10-02T12:22:10", ...}

`*_gmt` dates are UTC without an offset; `date_modified_gmt` orders updates.
Deletes carry only `{"id": <id>}`.

The delivery id header is not signed, so the body's SHA-256 also keys the
delivery: the same signed body is applied once whatever its headers say. (So
an order trashed, restored and trashed again sends `{"id": <id>}` twice, and
the second is recorded as a duplicate.)
"""

import hashlib
import re
from decimal import Decimal
from urllib.parse import quote

from cxloop.core.errors import InvalidInput, Unauthorized
from cxloop.core.models import Platform, Store

from .. import parsing as p
from .. import services
from ..models import Customer, ExternalId, Fulfilment, Order, WebhookDelivery
from ..records import CustomerData, FulfilmentData, LineData, OrderData, RefundData, address_of
from ..referrals import named_code
from .common import (
    ERASED_SINCE,
    Outcome,
    body_sha256,
    country_code,
    erased_since,
    signature_matches,
    tracking_link,
    with_link_note,
    without_erased_person,
)

PLATFORM = Platform.WOOCOMMERCE
PING_BODY = re.compile(rb"webhook_id=[0-9]{1,20}")
GUEST = "0"

# status -> (financial status, cancelled). Failed orders were never paid, so,
# like cancelled ones, they must not count as a purchase in the customer facts.
STATUSES = {
    "pending": (Order.Financial.PENDING, False),
    "checkout-draft": (Order.Financial.PENDING, False),
    "on-hold": (Order.Financial.PENDING, False),
    "processing": (Order.Financial.PAID, False),
    "completed": (Order.Financial.PAID, False),
    "refunded": (Order.Financial.REFUNDED, False),
    "cancelled": (Order.Financial.VOIDED, True),
    "failed": (Order.Financial.VOIDED, True),
}
# Order attribution (WooCommerce 8.5+) keeps the visit's source in meta_data.
ATTRIBUTION = {
    "landing_page": "_wc_order_attribution_session_entry",
    "referrer": "_wc_order_attribution_referrer",
    "utm_source": "_wc_order_attribution_utm_source",
    "utm_medium": "_wc_order_attribution_utm_medium",
    "utm_campaign": "_wc_order_attribution_utm_campaign",
}
ATTRIBUTION_LENGTHS = {"landing_page": 2000, "referrer": 2000}
# The Shipment Tracking extension keeps its items in this order meta (core WooCommerce has no tracking).
TRACKING_META = "_wc_shipment_tracking_items"


def is_ping(request, raw: bytes) -> bool:
    """The unsigned ping sent when a webhook is saved: no topic, `webhook_id=<n>`."""
    if request.headers.get("X-WC-Webhook-Topic"):
        return False
    return PING_BODY.fullmatch(raw.strip()) is not None


def authenticate(request, raw: bytes, secret: str, store: Store) -> None:
    if not signature_matches(secret, raw, request.headers.get("X-WC-Webhook-Signature")):
        raise Unauthorized("Signature (X-WC-Webhook-Signature) is missing or does not match.")


def topic_of(request, payload) -> str:
    topic = (request.headers.get("X-WC-Webhook-Topic") or "").strip()
    if not topic:
        raise InvalidInput("The X-WC-Webhook-Topic header is missing.", field="X-WC-Webhook-Topic")
    return topic[:100]


def delivery_id_of(request, payload, raw: bytes) -> str:
    # The docs name the header X-WC-Delivery-ID; WooCommerce itself sends
    # X-WC-Webhook-Delivery-ID. Accept both.
    return (
        request.headers.get("X-WC-Webhook-Delivery-ID")
        or request.headers.get("X-WC-Delivery-ID")
        or "sha256:" + hashlib.sha256(raw).hexdigest()
    )[:200]


def webhook_id_of(request) -> str:
    return request.headers.get("X-WC-Webhook-ID", "")


def signed_digest_of(topic: str, raw: bytes) -> str | None:
    """The body's SHA-256: the delivery id header is not signed, the body is."""
    return body_sha256(raw)


def apply(store: Store, topic: str, payload, request=None) -> Outcome:
    if not isinstance(payload, dict):
        raise InvalidInput("The body must be a JSON object.")
    handler = HANDLERS.get(topic)
    if handler is None:
        return Outcome(WebhookDelivery.Status.IGNORED, f"Topic {topic!r} is not used by cxloop.")
    return handler(store, payload)


# Parsing --------------------------------------------------------------------


def _gmt(value, field: str, *, required: bool = True):
    # The *_gmt fields are UTC written without an offset; parsing.timestamp
    # reads a naive time as UTC.
    return p.timestamp(value, field, required=required)


def _person(data: dict, field: str) -> tuple[str, str, str, str, str]:
    """(email, first name, last name, country, phone) of a billing address."""
    billing = p.obj(data.get("billing"), field)
    return (
        p.email(billing.get("email"), f"{field}.email"),
        p.text(billing.get("first_name"), f"{field}.first_name", max_length=200),
        p.text(billing.get("last_name"), f"{field}.last_name", max_length=200),
        country_code(billing.get("country")),
        p.text(billing.get("phone"), f"{field}.phone", max_length=40),
    )


def parse_customer(data: dict) -> CustomerData:
    """A WooCommerce customer (the `customer.*` topics)."""
    email, first, last, country, phone = _person(data, "billing")
    billing = p.obj(data.get("billing"), "billing")
    return CustomerData(
        company=p.text(billing.get("company"), "billing.company", max_length=200),
        address=parse_address(billing, "billing", person=False),
        external_id=p.identifier(data.get("id"), "id"),
        email=p.email(data.get("email"), "email") or email,
        first_name=p.text(data.get("first_name"), "first_name", max_length=200) or first,
        last_name=p.text(data.get("last_name"), "last_name", max_length=200) or last,
        country=country,
        phone=phone,
        created_at=_gmt(data.get("date_created_gmt"), "date_created_gmt", required=False),
        updated_at=_gmt(data.get("date_modified_gmt"), "date_modified_gmt", required=False),
    )


def _order_customer(data: dict) -> CustomerData | None:
    customer_id = p.identifier(data.get("customer_id"), "customer_id", required=False)
    email, first, last, country, phone = _person(data, "billing")
    if customer_id in (None, GUEST) and not email:
        return None
    return CustomerData(
        external_id=None if customer_id == GUEST else customer_id,
        email=email,
        first_name=first,
        last_name=last,
        country=country,
        phone=phone,
    )


def parse_line(raw, index: int, *, taxes_included: bool = False) -> LineData:
    field = f"line_items[{index}]"
    line = p.obj(raw, field)
    subtotal = p.money(line.get("subtotal"), f"{field}.subtotal", default=Decimal(0))
    total = p.money(line.get("total"), f"{field}.total", default=subtotal)
    if taxes_included:
        # WooCommerce keeps line amounts without tax even when the shop's
        # prices include it; the customer saw them with it.
        subtotal += p.money(line.get("subtotal_tax"), f"{field}.subtotal_tax", default=Decimal(0))
        total += p.money(line.get("total_tax"), f"{field}.total_tax", default=Decimal(0))
    # A deleted product or a simple product has id 0: no catalog entry.
    product = p.identifier(line.get("product_id"), f"{field}.product_id", required=False)
    variation = p.identifier(line.get("variation_id"), f"{field}.variation_id", required=False)
    quantity = p.count(line.get("quantity", 1), f"{field}.quantity")
    # WooCommerce's `price` is after the line's discount; cxloop keeps the
    # unit price before it, with the discount beside it (as Shopify sends).
    price = p.money(line.get("price"), f"{field}.price")
    if quantity and subtotal:
        price = (subtotal / quantity).quantize(Decimal("0.01"))
    return LineData(
        external_id=p.identifier(line.get("id"), f"{field}.id", required=False) or "",
        title=p.text(line.get("name") or "Item", f"{field}.name"),
        quantity=quantity,
        price=price,
        sku=p.text(line.get("sku"), f"{field}.sku", max_length=100),
        product_external_id="" if product in (None, "0") else product,
        variant_external_id="" if variation in (None, "0") else variation,
        total_discount=max(subtotal - total, Decimal(0)),
    )


def _amounts(data: dict, lines: list[LineData], taxes_included: bool) -> dict:
    """Subtotal (lines after discounts), discounts and shipping, with tax when prices include it."""
    discount = p.money(data.get("discount_total"), "discount_total", default=Decimal(0))
    shipping = p.money(data.get("shipping_total"), "shipping_total", default=Decimal(0))
    if taxes_included:
        discount += p.money(data.get("discount_tax"), "discount_tax", default=Decimal(0))
        shipping += p.money(data.get("shipping_tax"), "shipping_tax", default=Decimal(0))
    return {
        # WooCommerce has no order subtotal; the lines' totals are after discounts.
        "subtotal": sum((line.price * line.quantity - line.total_discount for line in lines), Decimal(0)),
        "total_discounts": discount,
        "shipping": shipping,
    }


def parse_address(raw, field: str, *, person: bool = True) -> dict[str, str]:
    """A WooCommerce billing or shipping address; `person=False` leaves out name, company, phone."""
    address = p.obj(raw, field)
    keys = {
        "address_1": "address1",
        "address_2": "address2",
        "city": "city",
        "state": "province",
        "postcode": "zip",
    }  # noqa: E501
    parts = {
        ours: p.text(address.get(theirs), f"{field}.{theirs}", max_length=200)
        for theirs, ours in keys.items()
    }  # noqa: E501
    if person:
        first = p.text(address.get("first_name"), f"{field}.first_name", max_length=200)
        last = p.text(address.get("last_name"), f"{field}.last_name", max_length=200)
        parts["name"] = " ".join(part for part in (first, last) if part)
        parts["company"] = p.text(address.get("company"), f"{field}.company", max_length=200)
        parts["phone"] = p.text(address.get("phone"), f"{field}.phone", max_length=40)
    found = address_of(**parts)
    return address_of(country=country_code(address.get("country")), **found) if found else {}


def _shipping_method(data: dict) -> str:
    titles = []
    for i, raw in enumerate(p.items(data.get("shipping_lines"), "shipping_lines")):
        line = p.obj(raw, f"shipping_lines[{i}]")
        title = p.text(line.get("method_title"), f"shipping_lines[{i}].method_title", max_length=200)
        if title and title not in titles:
            titles.append(title)
    return ", ".join(titles)[:200]


def parse_refund(raw, index: int, *, currency: str, when) -> RefundData:
    field = f"refunds[{index}]"
    refund = p.obj(raw, field)
    # WooCommerce writes refund totals as negative strings ("-10.00").
    amount = p.money(refund.get("total"), f"{field}.total", allow_negative=True)
    return RefundData(
        external_id=p.identifier(refund.get("id"), f"{field}.id"),
        amount=abs(amount),
        currency=currency,
        # The order JSON carries no refund date; the order's modification
        # time is the closest known moment.
        created_at=when,
        note=p.text(refund.get("reason"), f"{field}.reason", max_length=2000, allow_newlines=True),
    )


def _statuses(data: dict, total: Decimal, refunded: Decimal) -> tuple[str, str, bool]:
    """(financial, fulfillment, cancelled) from the order status and its refunds."""
    status = p.text(data.get("status"), "status", max_length=40)
    # Plugins add their own statuses ("shipped", "awaiting-pickup"); an unknown
    # one is stored without a financial status instead of refusing the order,
    # since WooCommerce disables a webhook after five refused deliveries.
    financial, cancelled = STATUSES.get(status, ("", False))
    if financial == Order.Financial.PAID and refunded > 0:
        fully = refunded >= total
        financial = Order.Financial.REFUNDED if fully else Order.Financial.PARTIALLY_REFUNDED
    completed = status == "completed" or (status == "refunded" and data.get("date_completed_gmt"))
    fulfillment = Order.Fulfillment.FULFILLED if completed else Order.Fulfillment.UNFULFILLED
    return financial, fulfillment, cancelled


def _attribution(data: dict) -> dict[str, str]:
    wanted = {key: name for name, key in ATTRIBUTION.items()}
    found = {}
    for i, raw in enumerate(p.items(data.get("meta_data"), "meta_data")):
        meta = p.obj(raw, f"meta_data[{i}]")
        name = wanted.get(meta.get("key"))
        if name and isinstance(meta.get("value"), str):
            length = ATTRIBUTION_LENGTHS.get(name, 200)
            found[name] = p.text(meta["value"], f"meta_data[{i}].value", max_length=length)
    return found


def _fulfilments(data: dict, updated_at) -> list[FulfilmentData]:
    """The Shipment Tracking extension's items, one fulfilment each; none without the extension.

        {"key": "_wc_shipment_tracking_items", "value": [{"tracking_provider": "dhl",
         "custom_tracking_provider": "", "custom_tracking_link": "", "tracking_number": "JD0146",
         "date_shipped": "1791072000", "tracking_id": "0c8e…"}]}

    A predefined provider is stored by its slug and gives no link (the extension
    builds it from its own list); a custom one by its name, with its link.
    """
    postcode = str(p.obj(data.get("shipping"), "shipping").get("postcode") or "")
    found = []
    for i, raw in enumerate(p.items(data.get("meta_data"), "meta_data")):
        meta = p.obj(raw, f"meta_data[{i}]")
        if meta.get("key") != TRACKING_META:
            continue
        value = meta.get("value")
        # PHP writes an array whose keys are not 0..n-1 as a JSON object.
        items = list(value.values()) if isinstance(value, dict) else p.items(value, f"meta_data[{i}].value")
        field = f"meta_data[{i}].value"
        found += [_tracking_item(item, f"{field}[{j}]", updated_at, postcode) for j, item in enumerate(items)]
    return found


def _tracking_item(raw, field: str, updated_at, postcode: str) -> FulfilmentData:
    item = p.obj(raw, field)
    number = p.text(item.get("tracking_number"), f"{field}.tracking_number", max_length=200)
    carrier = p.text(
        item.get("custom_tracking_provider"), f"{field}.custom_tracking_provider", max_length=200
    )
    carrier = carrier or p.text(item.get("tracking_provider"), f"{field}.tracking_provider", max_length=200)
    link = item.get("custom_tracking_link")
    if isinstance(link, str):
        # Newer versions of the extension keep the link as a pattern: %1$s the number, %2$s the postcode.
        link = link.replace("%1$s", quote(number, safe="")).replace("%2$s", quote(postcode, safe=""))
    url, refused = tracking_link(link)
    shipped = item.get("date_shipped")
    if isinstance(shipped, str) and shipped.strip().isdigit():
        shipped = int(shipped.strip())  # unix seconds, as the extension stores it
    try:
        shipped_at = p.timestamp(shipped, f"{field}.date_shipped", required=False)
    except InvalidInput:
        # Other plugins write this meta too, dates in their own formats; the shipment matters more
        # than its date, and WooCommerce disables a webhook after five refused deliveries.
        shipped_at = None
    tracking_id = p.text(item.get("tracking_id"), f"{field}.tracking_id", max_length=100)
    return FulfilmentData(
        # Items saved without an id (older versions, other plugins) are told apart by their number.
        external_id=tracking_id or f"number:{number}"[:100],
        status=Fulfilment.Status.SHIPPED,
        carrier=carrier,
        tracking_number=number,
        tracking_url=url,
        url_refused=refused,
        shipped_at=shipped_at,
        updated_at=updated_at,
    )


def _discount_codes(data: dict) -> list[dict]:
    codes = []
    for i, raw in enumerate(p.items(data.get("coupon_lines"), "coupon_lines")):
        coupon = p.obj(raw, f"coupon_lines[{i}]")
        codes.append(
            {
                "code": p.text(coupon.get("code"), f"coupon_lines[{i}].code", max_length=100),
                "amount": str(
                    p.money(coupon.get("discount"), f"coupon_lines[{i}].discount", default=Decimal(0))
                ),
                "type": "",
            }
        )
    return codes


def parse_order(data: dict) -> OrderData:
    """A WooCommerce order (the `order.*` topics) as an OrderData."""
    currency = p.currency(data.get("currency"))
    total = p.money(data.get("total"), "total")
    updated = _gmt(data.get("date_modified_gmt"), "date_modified_gmt", required=False)
    created = _gmt(data.get("date_created_gmt"), "date_created_gmt")
    refunds = [
        parse_refund(r, i, currency=currency, when=updated or created)
        for i, r in enumerate(p.items(data.get("refunds"), "refunds"))
    ]
    financial, fulfillment, cancelled = _statuses(data, total, sum(r.amount for r in refunds))
    included = data.get("prices_include_tax") is True
    lines = [
        parse_line(line, i, taxes_included=included)
        for i, line in enumerate(p.items(data.get("line_items"), "line_items"))
    ]
    customer = _order_customer(data)
    return OrderData(
        external_id=p.identifier(data.get("id"), "id"),
        number="#" + p.text(data.get("number") or str(data.get("id")), "number", max_length=63),
        email=customer.email if customer else "",
        customer=customer,
        currency=currency,
        total=total,
        **_amounts(data, lines, included),
        discount_codes=_discount_codes(data),
        tax=p.money(data.get("total_tax"), "total_tax", default=Decimal(0)),
        taxes_included=included,
        shipping_address=parse_address(data.get("shipping"), "shipping"),
        shipping_method=_shipping_method(data),
        financial_status=financial,
        fulfillment_status=fulfillment,
        source_channel=p.text(data.get("created_via"), "created_via", max_length=100),
        note=p.text(data.get("customer_note"), "customer_note", max_length=5000, allow_newlines=True),
        created_at=created,
        processed_at=_gmt(data.get("date_paid_gmt"), "date_paid_gmt", required=False),
        cancelled_at=(updated or created) if cancelled else None,
        fulfilled_at=_gmt(data.get("date_completed_gmt"), "date_completed_gmt", required=False)
        if fulfillment == Order.Fulfillment.FULFILLED
        else None,
        updated_at=updated,
        lines=lines,
        refunds=refunds,
        fulfilments=_fulfilments(data, updated),
        referral_code=named_code(
            (meta.get("key"), meta.get("value"))
            for meta in p.items(data.get("meta_data"), "meta_data")
            if isinstance(meta, dict)
        ),
        **_attribution(data),
    )


# Topic handlers -------------------------------------------------------------


def _processed(applied: bool, what: str) -> Outcome:
    if applied:
        return Outcome(WebhookDelivery.Status.PROCESSED, what)
    return Outcome(WebhookDelivery.Status.STALE, "Older than the stored version; not applied.")


def handle_order(store: Store, payload: dict) -> Outcome:
    data = without_erased_person(store, PLATFORM, parse_order(payload))
    order, applied = services.upsert_order(store=store, platform=PLATFORM, data=data)
    return with_link_note(_processed(applied, f"Order {order.number}"), data.fulfilments if applied else None)


def handle_order_delete(store: Store, payload: dict) -> Outcome:
    order_id = p.identifier(payload.get("id"), "id")
    if services.remove_order(store=store, platform=PLATFORM, external_id=order_id):
        return Outcome(WebhookDelivery.Status.PROCESSED, f"Order {order_id} removed.")
    return Outcome(WebhookDelivery.Status.IGNORED, f"Order {order_id} was not known.")


def handle_customer(store: Store, payload: dict) -> Outcome:
    data = parse_customer(payload)
    if erased_since(store, PLATFORM, data, data.email, data.updated_at):
        return Outcome(WebhookDelivery.Status.STALE, ERASED_SINCE)
    customer, applied = services.upsert_customer(store=store, platform=PLATFORM, data=data)
    return _processed(applied, f"Customer {customer.pk}")


def handle_customer_delete(store: Store, payload: dict) -> Outcome:
    customer_id = p.identifier(payload.get("id"), "id")
    links = ExternalId.objects.filter(store=store, platform=PLATFORM, external_id=customer_id)
    customers = list(Customer.objects.filter(pk__in=links.values("customer_id")))
    for customer in customers:
        services.erase_customer(store=store, customer=customer)
    return Outcome(WebhookDelivery.Status.PROCESSED, f"Erased {len(customers)} customer(s).")


HANDLERS = {
    "order.created": handle_order,
    "order.updated": handle_order,
    "order.restored": handle_order,
    "order.deleted": handle_order_delete,
    "customer.created": handle_customer,
    "customer.updated": handle_customer,
    "customer.deleted": handle_customer_delete,
}
