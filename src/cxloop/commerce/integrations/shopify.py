"""Shopify webhooks: verification, topics, and payload parsing.

Shopify signs the raw body: X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(secret,
body)). A retry carries the same X-Shopify-Event-Id under a new webhook id,
so the event id is one idempotency key. The event id header is not signed,
though: the body is. So the body's SHA-256 is a second key, and the same
signed body is applied once whatever the headers say (Shopify never reuses a
customer or order id, so two genuine events never share a body).

Deliveries are applied however late they arrive (Shopify's retries, a store's
server down over a weekend, a backfill): records carry `updated_at`, and an
update older than the stored one changes nothing; privacy topics are always
applied.

`shop/redact` is the exception: its body (`{"shop_id", "shop_domain"}`) is the
same every time, so it is not keyed by its body, and it is honoured only while
the shop is disconnected: the shop's latest verified delivery, privacy topics
aside, is `app/uninstalled`. Any later verified delivery of another topic means
the app was installed again, and a replayed `shop/redact` is then recorded
and ignored. (Shopify sends `shop/redact` 48 hours after `app/uninstalled`, so
the store must subscribe to `app/uninstalled` for it to be honoured.)

Top-level money strings are in the shop currency; `*_set.presentment_money` is
what the buyer paid in.
"""

import hashlib
from decimal import Decimal

from django.utils import timezone

from cxloop.core.errors import InvalidInput, Unauthorized
from cxloop.core.models import Platform, Store

from .. import parsing as p
from .. import services
from ..models import Customer, Fulfilment, Order, WebhookDelivery
from ..records import (
    CheckoutData,
    CustomerData,
    FulfilmentData,
    LineData,
    OrderData,
    PlatformTotals,
    RefundData,
    address_of,
)
from ..referrals import named_code
from .common import (
    ERASED_SINCE,
    Outcome,
    body_sha256,
    country_code,
    erased_since,
    language_code,
    signature_matches,
    tags_from,
    taxes_included_by_arithmetic,
    tracking_link,
    utm,
    with_link_note,
    without_erased_person,
)

PLATFORM = Platform.SHOPIFY
UNINSTALLED = "app/uninstalled"
# Topics a shop may still be sent after uninstalling: they say nothing about reconnection.
PRIVACY_TOPICS = {"customers/redact", "customers/data_request", "shop/redact"}
ORDER_TOPICS = {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"}
FULFILMENT_TOPICS = {"fulfillments/create", "fulfillments/update"}
CONSENT_STATES = set(Customer.Consent.values)


def authenticate(request, raw: bytes, secret: str, store: Store) -> None:
    if not signature_matches(secret, raw, request.headers.get("X-Shopify-Hmac-Sha256")):
        raise Unauthorized("Signature (X-Shopify-Hmac-Sha256) is missing or does not match.")
    domain = request.headers.get("X-Shopify-Shop-Domain", "")
    if store.shop_domain and domain and domain.lower() != store.shop_domain.lower():
        raise Unauthorized("X-Shopify-Shop-Domain names another shop.")


def topic_of(request, payload) -> str:
    topic = (request.headers.get("X-Shopify-Topic") or "").strip()
    if not topic:
        raise InvalidInput("The X-Shopify-Topic header is missing.", field="X-Shopify-Topic")
    return topic[:100]


def delivery_id_of(request, payload, raw: bytes) -> str:
    return (
        request.headers.get("X-Shopify-Event-Id")
        or request.headers.get("X-Shopify-Webhook-Id")
        or "sha256:" + hashlib.sha256(raw).hexdigest()
    )[:200]


def webhook_id_of(request) -> str:
    return request.headers.get("X-Shopify-Webhook-Id", "")


def signed_digest_of(topic: str, raw: bytes) -> str | None:
    """The body's SHA-256, which keys the delivery; none for shop/redact (same body every time)."""
    return None if topic == "shop/redact" else body_sha256(raw)


def apply(store: Store, topic: str, payload, request=None) -> Outcome:
    if not isinstance(payload, dict):
        raise InvalidInput("The body must be a JSON object.")
    handler = HANDLERS.get(topic)
    if handler is None:
        return Outcome(WebhookDelivery.Status.IGNORED, f"Topic {topic!r} is not used by cxloop.")
    return handler(store, payload)


# Parsing --------------------------------------------------------------------


def parse_customer(raw, *, fallback_email: str = "", locale: str = "") -> CustomerData | None:
    data = p.obj(raw, "customer")
    if not data and not fallback_email:
        return None
    consent = p.obj(data.get("email_marketing_consent"), "customer.email_marketing_consent")
    state = consent.get("state")
    if isinstance(state, str) and state.lower() in CONSENT_STATES:
        state = state.lower()
    elif "accepts_marketing" in data and isinstance(data["accepts_marketing"], bool):
        state = "subscribed" if data["accepts_marketing"] else "not_subscribed"
    else:
        state = None
    address = p.obj(data.get("default_address"), "customer.default_address")
    country = country_code(address.get("country_code"))
    return CustomerData(
        external_id=p.identifier(data.get("id"), "customer.id", required=False),
        email=p.email(data.get("email") or fallback_email, "customer.email"),
        phone=p.text(data.get("phone"), "customer.phone", max_length=40),
        first_name=p.text(data.get("first_name"), "customer.first_name", max_length=200),
        last_name=p.text(data.get("last_name"), "customer.last_name", max_length=200),
        language=language_code(data.get("locale") or locale),
        country=country,
        tags=tags_from(data.get("tags")),
        company=p.text(address.get("company"), "customer.default_address.company", max_length=200),
        address=parse_address(address, "customer.default_address", country=country, person=False),
        note=p.text(data.get("note"), "customer.note", max_length=5000, allow_newlines=True)
        if "note" in data
        else None,  # noqa: E501
        tax_exempt=data["tax_exempt"] if isinstance(data.get("tax_exempt"), bool) else None,
        totals=_customer_totals(data),
        consent_state=state,
        consent_at=p.timestamp(
            consent.get("consent_updated_at"),
            "customer.email_marketing_consent.consent_updated_at",
            required=False,
        ),  # noqa: E501
        consent_level=p.text(consent.get("opt_in_level"), "opt_in_level", max_length=30),
        created_at=p.timestamp(data.get("created_at"), "customer.created_at", required=False),
        updated_at=p.timestamp(data.get("updated_at"), "customer.updated_at", required=False),
    )


def parse_address(raw, field: str, *, country: str = "", person: bool = True) -> dict[str, str]:
    """A Shopify address (shipping_address, default_address) as cxloop stores it.

    `person=False` leaves out the name, company and phone (a customer's own).
    """
    address = p.obj(raw, field)
    if not address:
        return {}
    keys = ("address1", "address2", "city", "zip") + (("name", "company", "phone") if person else ())
    parts = {key: p.text(address.get(key), f"{field}.{key}", max_length=200) for key in keys}
    province = address.get("province") or address.get("province_code")
    parts["province"] = p.text(province, f"{field}.province", max_length=200)
    if person and not parts["name"]:
        first = p.text(address.get("first_name"), f"{field}.first_name", max_length=200)
        last = p.text(address.get("last_name"), f"{field}.last_name", max_length=200)
        parts["name"] = " ".join(part for part in (first, last) if part)
    found = address_of(**parts)
    return address_of(country=country or country_code(address.get("country_code")), **found) if found else {}


def _customer_totals(data: dict) -> PlatformTotals | None:
    """`orders_count` and `total_spent` of older payloads (Shopify is removing them)."""
    if data.get("orders_count") is None or data.get("total_spent") is None:
        return None
    currency = data.get("currency")
    return PlatformTotals(
        orders_count=p.count(data.get("orders_count"), "customer.orders_count", maximum=10_000_000),
        total_spent=p.money(data.get("total_spent"), "customer.total_spent"),
        currency=p.currency(currency, "customer.currency") if currency else "",
        as_of=p.timestamp(data.get("updated_at"), "customer.updated_at", required=False),
    )


def _taxes_included(data: dict, shipping: Decimal | None) -> bool:
    if isinstance(data.get("taxes_included"), bool):
        return data["taxes_included"]
    # Some payloads (older versions, apps' re-sends) leave the flag out.
    return taxes_included_by_arithmetic(
        subtotal=p.money(data.get("subtotal_price"), "subtotal_price", default=Decimal(0)),
        shipping=shipping or Decimal(0),
        tax=p.money(data.get("total_tax"), "total_tax", default=Decimal(0)),
        total=p.money(data.get("total_price"), "total_price"),
    )


def _shipping_method(data: dict) -> str:
    titles = []
    for i, raw in enumerate(p.items(data.get("shipping_lines"), "shipping_lines")):
        line = p.obj(raw, f"shipping_lines[{i}]")
        title = p.text(line.get("title"), f"shipping_lines[{i}].title", max_length=200)
        if title and title not in titles:
            titles.append(title)
    return ", ".join(titles)[:200]


def _shop_amount(data: dict, key: str) -> Decimal | None:
    money_set = p.obj(data.get(key), key)
    shop = p.obj(money_set.get("shop_money"), f"{key}.shop_money")
    return p.money(shop.get("amount"), f"{key}.shop_money.amount") if shop else None


def _presentment(data: dict) -> tuple[str, Decimal | None]:
    money_set = p.obj(data.get("total_price_set"), "total_price_set")
    money = p.obj(money_set.get("presentment_money"), "total_price_set.presentment_money")
    if not money:
        return "", None
    return (
        p.currency(money.get("currency_code"), "total_price_set.presentment_money.currency_code"),
        p.money(money.get("amount"), "total_price_set.presentment_money.amount"),
    )


def parse_line(raw, index: int) -> LineData:
    line = p.obj(raw, f"line_items[{index}]")
    field = f"line_items[{index}]"
    return LineData(
        external_id=p.identifier(line.get("id"), f"{field}.id", required=False) or "",
        title=p.text(line.get("title") or line.get("name") or "Item", f"{field}.title"),
        quantity=p.count(line.get("quantity", 1), f"{field}.quantity"),
        price=p.money(line.get("price"), f"{field}.price"),
        sku=p.text(line.get("sku"), f"{field}.sku", max_length=100),
        product_external_id=p.identifier(line.get("product_id"), f"{field}.product_id", required=False) or "",  # noqa: E501
        variant_external_id=p.identifier(line.get("variant_id"), f"{field}.variant_id", required=False) or "",  # noqa: E501
        variant_title=p.text(line.get("variant_title"), f"{field}.variant_title"),
        vendor=p.text(line.get("vendor"), f"{field}.vendor", max_length=200),
        total_discount=p.money(line.get("total_discount"), f"{field}.total_discount", default=Decimal(0)),  # noqa: E501
    )


def parse_refund(raw, field: str = "refund") -> RefundData:
    refund = p.obj(raw, field)
    amount, currency = Decimal("0"), ""
    for i, txn in enumerate(p.items(refund.get("transactions"), f"{field}.transactions")):
        txn = p.obj(txn, f"{field}.transactions[{i}]")
        if txn.get("kind") == "refund" and txn.get("status", "success") == "success":
            amount += p.money(txn.get("amount"), f"{field}.transactions[{i}].amount")
            currency = currency or p.currency(txn.get("currency"), f"{field}.transactions[{i}].currency")
    return RefundData(
        external_id=p.identifier(refund.get("id"), f"{field}.id"),
        amount=amount,
        currency=currency,
        created_at=p.timestamp(refund.get("created_at"), f"{field}.created_at"),
        note=p.text(refund.get("note"), f"{field}.note", max_length=2000, allow_newlines=True),
    )


def parse_order(data: dict) -> OrderData:
    currency = p.currency(data.get("currency"))
    presentment_currency, presentment_total = _presentment(data)
    landing = p.text(data.get("landing_site"), "landing_site", max_length=2000)
    shipping = _shop_amount(data, "total_shipping_price_set")
    refunds = [
        parse_refund(r, f"refunds[{i}]") for i, r in enumerate(p.items(data.get("refunds"), "refunds"))
    ]  # noqa: E501
    for refund in refunds:
        refund.currency = refund.currency or currency
    updated_at = p.timestamp(data.get("updated_at"), "updated_at", required=False)
    return OrderData(
        external_id=p.identifier(data.get("id"), "id"),
        number=p.text(
            data.get("name") or f"#{data.get('order_number', data.get('id'))}", "name", max_length=64
        ),  # noqa: E501
        email=p.email(data.get("email") or data.get("contact_email")),
        currency=currency,
        presentment_currency=presentment_currency,
        presentment_total=presentment_total,
        total=p.money(data.get("total_price"), "total_price"),
        subtotal=p.money(data.get("subtotal_price"), "subtotal_price", default=Decimal(0)),
        total_discounts=p.money(data.get("total_discounts"), "total_discounts", default=Decimal(0)),
        discount_codes=_discount_codes(data.get("discount_codes")),
        shipping=shipping if shipping is not None else Decimal("0"),
        tax=p.money(data.get("total_tax"), "total_tax", default=Decimal(0)),
        taxes_included=_taxes_included(data, shipping),
        shipping_address=parse_address(data.get("shipping_address"), "shipping_address"),
        shipping_method=_shipping_method(data),
        financial_status=p.text(data.get("financial_status"), "financial_status", max_length=20),
        fulfillment_status=p.text(data.get("fulfillment_status"), "fulfillment_status", max_length=20)
        or "unfulfilled",  # noqa: E501
        source_channel=p.text(data.get("source_name"), "source_name", max_length=100),
        landing_page=landing,
        referrer=p.text(data.get("referring_site"), "referring_site", max_length=2000),
        checkout_token=p.text(data.get("checkout_token"), "checkout_token", max_length=100),
        referral_code=_note_attribute_code(data.get("note_attributes")),
        note=p.text(data.get("note"), "note", max_length=5000, allow_newlines=True),
        created_at=p.timestamp(data.get("created_at"), "created_at"),
        processed_at=p.timestamp(data.get("processed_at"), "processed_at", required=False),
        cancelled_at=p.timestamp(data.get("cancelled_at"), "cancelled_at", required=False),
        updated_at=updated_at,
        fulfilled_at=_fulfilled_at(data),
        fulfilments=_fulfilments(data, updated_at),
        lines=[parse_line(line, i) for i, line in enumerate(p.items(data.get("line_items"), "line_items"))],  # noqa: E501
        refunds=refunds,
        customer=parse_customer(
            data.get("customer"),
            fallback_email=p.email(data.get("email")),
            locale=data.get("customer_locale"),  # noqa: E501
        ),
        **utm(landing),
    )


def _note_attribute_code(raw) -> str:
    """The referral code a note attribute (`{"name": "ref", "value": ...}`) names (commerce.referrals)."""
    items = raw if isinstance(raw, list) else []
    return named_code((item.get("name"), item.get("value")) for item in items if isinstance(item, dict))


def _discount_codes(raw) -> list[dict]:
    codes = []
    for i, item in enumerate(p.items(raw, "discount_codes")):
        item = p.obj(item, f"discount_codes[{i}]")
        codes.append(
            {
                "code": p.text(item.get("code"), f"discount_codes[{i}].code", max_length=100),
                "amount": str(p.money(item.get("amount"), f"discount_codes[{i}].amount", default=Decimal(0))),  # noqa: E501
                "type": p.text(item.get("type"), f"discount_codes[{i}].type", max_length=30),
            }
        )
    return codes


Status = Fulfilment.Status
# A fulfilment's `status`; "success" (shipped) defers to the carrier's `shipment_status`.
FULFILMENT_STATUSES = {
    "pending": Status.PENDING, "open": Status.PENDING, "cancelled": Status.CANCELLED,
    "error": Status.FAILED, "failure": Status.FAILED,
}  # fmt: skip
SHIPMENT_STATUSES = {
    "label_printed": Status.SHIPPED, "label_purchased": Status.SHIPPED,
    "confirmed": Status.IN_TRANSIT, "carrier_picked_up": Status.IN_TRANSIT, "in_transit": Status.IN_TRANSIT,
    "delayed": Status.IN_TRANSIT, "out_for_delivery": Status.OUT_FOR_DELIVERY,
    "ready_for_pickup": Status.READY_FOR_PICKUP, "attempted_delivery": Status.ATTEMPTED_DELIVERY,
    "delivered": Status.DELIVERED, "picked_up": Status.DELIVERED, "failure": Status.FAILED,
}  # fmt: skip
MAX_TRACKING_NUMBER = 200


def parse_fulfilment(raw, field: str = "fulfillment", *, order_updated_at=None) -> FulfilmentData:
    """A Shopify fulfilment (an order's `fulfillments[]`, or the `fulfillments/*` topics' body).

    Several tracking numbers (one parcel each) are kept together, comma-separated;
    the first http(s) link is kept, and a link of any other scheme is left out.
    """
    fulfilment = p.obj(raw, field)
    status = p.text(fulfilment.get("status"), f"{field}.status", max_length=40).lower()
    shipment = p.text(fulfilment.get("shipment_status"), f"{field}.shipment_status", max_length=40).lower()
    links = [
        fulfilment.get("tracking_url"),
        *p.items(fulfilment.get("tracking_urls"), f"{field}.tracking_urls"),
    ]
    link, refused = "", False
    for candidate in links:
        found, bad = tracking_link(candidate)
        refused = refused or bad
        link = link or found
    updated = p.timestamp(fulfilment.get("updated_at"), f"{field}.updated_at", required=False)
    return FulfilmentData(
        external_id=p.identifier(fulfilment.get("id"), f"{field}.id"),
        status=FULFILMENT_STATUSES.get(status) or SHIPMENT_STATUSES.get(shipment, Status.SHIPPED),
        carrier=p.text(fulfilment.get("tracking_company"), f"{field}.tracking_company", max_length=200),
        tracking_number=_tracking_numbers(fulfilment, field),
        tracking_url=link,
        url_refused=refused and not link,
        shipped_at=p.timestamp(fulfilment.get("created_at"), f"{field}.created_at", required=False),
        updated_at=updated or order_updated_at,
    )


def _tracking_numbers(fulfilment: dict, field: str) -> str:
    numbers = []
    raw = [
        fulfilment.get("tracking_number"),
        *p.items(fulfilment.get("tracking_numbers"), f"{field}.tracking_numbers"),
    ]
    for i, value in enumerate(raw):
        number = p.text(value, f"{field}.tracking_numbers[{i}]", max_length=MAX_TRACKING_NUMBER)
        if number and number not in numbers and len(", ".join([*numbers, number])) <= MAX_TRACKING_NUMBER:
            numbers.append(number)
    return ", ".join(numbers)


def _fulfilments(data: dict, updated_at) -> list[FulfilmentData] | None:
    if "fulfillments" not in data:
        return None  # a trimmed payload says nothing about them
    return [
        parse_fulfilment(raw, f"fulfillments[{i}]", order_updated_at=updated_at)
        for i, raw in enumerate(p.items(data.get("fulfillments"), "fulfillments"))
    ]


def _fulfilled_at(data: dict):
    times = [
        p.timestamp(p.obj(f, "fulfillments[]").get("created_at"), "fulfillments[].created_at", required=False)  # noqa: E501
        for f in p.items(data.get("fulfillments"), "fulfillments")
    ]
    times = [t for t in times if t]
    return max(times) if times and data.get("fulfillment_status") == "fulfilled" else None


def parse_checkout(data: dict) -> CheckoutData:
    lines = []
    for i, raw in enumerate(p.items(data.get("line_items"), "line_items")):
        line = p.obj(raw, f"line_items[{i}]")
        lines.append(
            {
                "title": p.text(line.get("title"), f"line_items[{i}].title"),
                "quantity": p.count(line.get("quantity", 1), f"line_items[{i}].quantity"),
                "price": str(p.money(line.get("price"), f"line_items[{i}].price")),
                "product_id": p.identifier(
                    line.get("product_id"), f"line_items[{i}].product_id", required=False
                ),  # noqa: E501
            }
        )
    recovery = p.text(data.get("abandoned_checkout_url"), "abandoned_checkout_url", max_length=2000)
    if recovery and not recovery.startswith(("https://", "http://")):
        raise InvalidInput("abandoned_checkout_url must be an http(s) URL.", field="abandoned_checkout_url")  # noqa: E501
    created = p.timestamp(data.get("created_at"), "created_at")
    return CheckoutData(
        external_id=p.identifier(data.get("id"), "id"),
        token=p.text(data.get("token"), "token", max_length=100),
        email=p.email(data.get("email")),
        currency=p.currency(data.get("currency")),
        total=p.money(data.get("total_price"), "total_price", default=Decimal(0)),
        line_items=lines,
        recovery_url=recovery,
        created_at=created,
        updated_at=p.timestamp(data.get("updated_at"), "updated_at", required=False) or created,
        completed_at=p.timestamp(data.get("completed_at"), "completed_at", required=False),
        customer=parse_customer(
            data.get("customer"),
            fallback_email=p.email(data.get("email")),
            locale=data.get("customer_locale"),
        ),  # noqa: E501
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


def handle_fulfilment(store: Store, payload: dict) -> Outcome:
    order_id = p.identifier(payload.get("order_id"), "order_id")
    data = parse_fulfilment(payload)
    fulfilment, applied = services.record_fulfilment(
        store=store, platform=PLATFORM, order_external_id=order_id, data=data
    )
    if fulfilment is None:
        reason = f"Order {order_id} is not known yet; the order's next update carries this fulfilment."
        return Outcome(WebhookDelivery.Status.IGNORED, reason)
    return with_link_note(_processed(applied, f"Fulfilment {data.external_id} of order {order_id}"), [data])


def handle_refund(store: Store, payload: dict) -> Outcome:
    data = parse_refund(payload)
    order_id = p.identifier(payload.get("order_id"), "order_id")
    if not data.currency:
        order = Order.objects.filter(store=store, platform=PLATFORM, external_id=order_id).first()
        data.currency = order.currency if order else store.currency
    refund = services.add_refund(store=store, platform=PLATFORM, order_external_id=order_id, data=data)
    if refund is None:
        return Outcome(
            WebhookDelivery.Status.IGNORED,
            f"Order {order_id} is not known yet; the order's next update carries this refund.",
        )  # noqa: E501
    return Outcome(WebhookDelivery.Status.PROCESSED, f"Refund of {refund.amount} {refund.currency}")


def handle_customer(store: Store, payload: dict) -> Outcome:
    data = parse_customer(payload)
    if data is None or not (data.external_id or data.email):
        raise InvalidInput("The customer has neither id nor email.", field="id")
    if erased_since(store, PLATFORM, data, data.email, data.updated_at):
        return Outcome(WebhookDelivery.Status.STALE, ERASED_SINCE)
    customer, applied = services.upsert_customer(store=store, platform=PLATFORM, data=data)
    return _processed(applied, f"Customer {customer.pk}")


def _customers_matching(store: Store, payload: dict) -> list[Customer]:
    from ..models import ExternalId

    person = p.obj(payload.get("customer", payload), "customer")
    found = {}
    external = p.identifier(person.get("id"), "customer.id", required=False)
    if external:
        for link in ExternalId.objects.filter(
            store=store, platform=PLATFORM, external_id=external
        ).select_related("customer"):  # noqa: E501
            found[link.customer_id] = link.customer
    email = p.email(person.get("email"), "customer.email").lower()
    if email:
        for customer in Customer.objects.filter(store=store, email_key=email):
            found[customer.pk] = customer
    return list(found.values())


def handle_customer_delete(store: Store, payload: dict) -> Outcome:
    return handle_redact(store, {"customer": payload})


def handle_redact(store: Store, payload: dict) -> Outcome:
    customers = _customers_matching(store, payload)
    for customer in customers:
        services.erase_customer(store=store, customer=customer)
    # Also someone cxloop never saw: an old CSV export may still hold them, the help desk their mail.
    person = p.obj(payload.get("customer", payload), "customer")
    services.erase_person(
        store=store,
        email=p.email(person.get("email"), "customer.email"),
        external_ids=[(PLATFORM, p.identifier(person.get("id"), "customer.id", required=False) or "")],
    )
    for i, order_id in enumerate(p.items(payload.get("orders_to_redact"), "orders_to_redact")):
        ext = p.identifier(order_id, f"orders_to_redact[{i}]")
        Order.objects.filter(store=store, platform=PLATFORM, external_id=ext).update(
            customer=None,
            email="",
            note="",
            landing_page="",
            referrer="",
            shipping_address={},
            updated_at=timezone.now(),
        )
        Fulfilment.objects.filter(store=store, order__platform=PLATFORM, order__external_id=ext).update(
            tracking_number="", tracking_url=""
        )
    return Outcome(WebhookDelivery.Status.PROCESSED, f"Erased {len(customers)} customer(s).")


def handle_data_request(store: Store, payload: dict) -> Outcome:
    customers = _customers_matching(store, payload)
    ids = ", ".join(str(c.pk) for c in customers) or "none found"
    return Outcome(WebhookDelivery.Status.PROCESSED, f"Data request recorded for customer(s): {ids}.")


def is_disconnected(store: Store) -> bool:
    """Whether the shop's latest verified delivery, privacy topics aside, is app/uninstalled."""
    latest = (
        WebhookDelivery.objects.filter(store=store, platform=PLATFORM, delivery_id__isnull=False)
        .exclude(topic__in=PRIVACY_TOPICS)
        .order_by("-pk")
        .values_list("topic", flat=True)
        .first()
    )
    return latest == UNINSTALLED


def handle_uninstalled(store: Store, payload: dict) -> Outcome:
    return Outcome(WebhookDelivery.Status.PROCESSED, "The app was uninstalled from the shop.")


def handle_shop_redact(store: Store, payload: dict) -> Outcome:
    if not is_disconnected(store):
        reason = "The shop is connected (no app/uninstalled since its last delivery); nothing erased."
        return Outcome(WebhookDelivery.Status.IGNORED, reason)
    services.erase_store_data(store=store)
    return Outcome(WebhookDelivery.Status.PROCESSED, "All shop data erased.")


def handle_checkout(store: Store, payload: dict) -> Outcome:
    data = parse_checkout(payload)
    if erased_since(store, PLATFORM, data.customer, data.email, data.updated_at):
        return Outcome(WebhookDelivery.Status.STALE, ERASED_SINCE)
    checkout, applied = services.upsert_checkout(store=store, platform=PLATFORM, data=data)
    return _processed(applied, f"Checkout {checkout.external_id}")


HANDLERS = {
    **{topic: handle_order for topic in ORDER_TOPICS},
    **{topic: handle_fulfilment for topic in FULFILMENT_TOPICS},
    "refunds/create": handle_refund,
    "customers/create": handle_customer,
    "customers/update": handle_customer,
    "customers/delete": handle_customer_delete,
    "customers/redact": handle_redact,
    "customers/data_request": handle_data_request,
    "shop/redact": handle_shop_redact,
    UNINSTALLED: handle_uninstalled,
    "checkouts/create": handle_checkout,
    "checkouts/update": handle_checkout,
}
