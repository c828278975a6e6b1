"""Ecwid's REST shapes (orders, customers, carts) parsed into cxloop records.

Ecwid sends numbers, not strings, and dates like "2024-03-05 14:22:10 +0000".
Only what the store API answered is parsed here; the webhook event itself is
never trusted (see ecwid.py).
"""

from decimal import Decimal

from .. import parsing as p
from ..models import Fulfilment, Order
from ..records import CheckoutData, CustomerData, FulfilmentData, LineData, OrderData, RefundData, address_of
from .common import country_code, language_code, tracking_link

FINANCIAL = {
    "AWAITING_PAYMENT": Order.Financial.PENDING,
    "INCOMPLETE": Order.Financial.PENDING,
    "PAID": Order.Financial.PAID,
    "PARTIALLY_REFUNDED": Order.Financial.PARTIALLY_REFUNDED,
    "REFUNDED": Order.Financial.REFUNDED,
    "CANCELLED": Order.Financial.VOIDED,
}
FULFILLMENT = {
    "SHIPPED": Order.Fulfillment.FULFILLED,
    "DELIVERED": Order.Fulfillment.FULFILLED,
    "OUT_FOR_DELIVERY": Order.Fulfillment.FULFILLED,
    "READY_FOR_PICKUP": Order.Fulfillment.FULFILLED,
    "RETURNED": Order.Fulfillment.RESTOCKED,
}

# fulfillmentStatus of an order that has left the store (or will not): it has a shipment.
SHIPMENT_STATUSES = {
    "SHIPPED": Fulfilment.Status.SHIPPED,
    "OUT_FOR_DELIVERY": Fulfilment.Status.OUT_FOR_DELIVERY,
    "READY_FOR_PICKUP": Fulfilment.Status.READY_FOR_PICKUP,
    "DELIVERED": Fulfilment.Status.DELIVERED,
    "RETURNED": Fulfilment.Status.RETURNED,
    "WILL_NOT_DELIVER": Fulfilment.Status.CANCELLED,
}
# Ecwid keeps one tracking number per order, so an order has at most one fulfilment, under this id.
SHIPMENT_ID = "order"


# Parsing the store API's answers ---------------------------------------------


def _name(person: dict, field: str) -> tuple[str, str]:
    first = p.text(person.get("firstName"), f"{field}.firstName", max_length=200)
    last = p.text(person.get("lastName"), f"{field}.lastName", max_length=200)
    if not (first or last):
        # Older stores fill only `name`; its first word is the given name.
        full = p.text(person.get("name"), f"{field}.name", max_length=401)
        first, _, last = full.partition(" ")
    return first[:200], last.strip()[:200]


def parse_address(raw, field: str, *, person: bool = True) -> dict[str, str]:
    """An Ecwid person (billingPerson, shippingPerson) as an address.

    `person=False` leaves out the name, company and phone (a customer's own).
    """
    person_data = p.obj(raw, field)
    keys = {"street": "address1", "city": "city", "stateOrProvinceName": "province", "postalCode": "zip"}
    if person:
        keys |= {"name": "name", "companyName": "company", "phone": "phone"}
    parts = {
        ours: p.text(person_data.get(theirs), f"{field}.{theirs}", max_length=200)
        for theirs, ours in keys.items()
    }  # noqa: E501
    if not parts["province"]:
        parts["province"] = p.text(
            person_data.get("stateOrProvinceCode"), f"{field}.stateOrProvinceCode", max_length=200
        )  # noqa: E501
    found = address_of(**parts)
    return address_of(country=country_code(person_data.get("countryCode")), **found) if found else {}


def _customer_id(value, field: str) -> str | None:
    customer_id = p.identifier(value, field, required=False)
    return None if customer_id in (None, "0") else customer_id  # 0 or absent: a guest


def parse_customer(data: dict) -> CustomerData:
    """A customer from GET /customers/{id}."""
    billing = p.obj(data.get("billingPerson"), "billingPerson")
    first, last = _name(billing, "billingPerson")
    if not (first or last):
        first, last = _name(data, "customer")
    marketing = data.get("acceptMarketing")
    consent = None
    if isinstance(marketing, bool):
        consent = "subscribed" if marketing else "not_subscribed"
    return CustomerData(
        external_id=p.identifier(data.get("id"), "id"),
        email=p.email(data.get("email")),
        first_name=first,
        last_name=last,
        phone=p.text(billing.get("phone"), "billingPerson.phone", max_length=40),
        country=country_code(billing.get("countryCode")),
        language=language_code(data.get("lang")),
        consent_state=consent,
        company=p.text(billing.get("companyName"), "billingPerson.companyName", max_length=200),
        address=parse_address(billing, "billingPerson", person=False),
        tax_exempt=data["taxExempt"] if isinstance(data.get("taxExempt"), bool) else None,
        created_at=p.timestamp(data.get("registered"), "registered", required=False),
        updated_at=p.timestamp(data.get("updated"), "updated", required=False),
    )


def _order_customer(data: dict) -> CustomerData | None:
    billing = p.obj(data.get("billingPerson"), "billingPerson")
    email = p.email(data.get("email"))
    customer_id = _customer_id(data.get("customerId"), "customerId")
    if not (email or customer_id):
        return None
    first, last = _name(billing, "billingPerson")
    # Not ticking the box at one checkout is not an unsubscribe; only a yes counts.
    consent = "subscribed" if data.get("acceptMarketing") is True else None
    return CustomerData(
        external_id=customer_id,
        email=email,
        first_name=first,
        last_name=last,
        phone=p.text(billing.get("phone"), "billingPerson.phone", max_length=40),
        country=country_code(billing.get("countryCode")),
        consent_state=consent,
    )


def parse_line(raw, index: int) -> LineData:
    field = f"items[{index}]"
    item = p.obj(raw, field)
    return LineData(
        external_id=p.identifier(item.get("id"), f"{field}.id", required=False) or "",
        title=p.text(item.get("name") or "Item", f"{field}.name"),
        quantity=p.count(item.get("quantity", 1), f"{field}.quantity"),
        price=p.money(item.get("price"), f"{field}.price"),
        sku=p.text(item.get("sku"), f"{field}.sku", max_length=100),
        product_external_id=p.identifier(item.get("productId"), f"{field}.productId", required=False) or "",
    )


def _refunds(data: dict, currency: str, when) -> list[RefundData]:
    # Ecwid keeps a running refundedAmount but no refund ids, so the order's
    # refunds are mirrored as one row that follows that running total.
    refunded = p.money(data.get("refundedAmount"), "refundedAmount", default=Decimal(0))
    if not refunded:
        return []
    return [RefundData("refunded-amount", amount=refunded, currency=currency, created_at=when)]


def _discount_codes(data: dict) -> list[dict]:
    coupon = p.obj(data.get("discountCoupon"), "discountCoupon")
    if not coupon.get("code"):
        return []
    return [
        {
            "code": p.text(coupon.get("code"), "discountCoupon.code", max_length=100),
            "amount": str(p.money(data.get("couponDiscount"), "couponDiscount", default=Decimal(0))),
            "type": p.text(coupon.get("discountType"), "discountCoupon.discountType", max_length=30).lower(),
        }
    ]


def _fulfilments(data: dict, fulfillment: str, updated) -> list[FulfilmentData]:
    """The order's one shipment: `trackingNumber`, `trackingUrl` when present, the shipping option's
    carrier (else its method name); none while the order has no tracking and has not shipped."""
    number = p.text(data.get("trackingNumber"), "trackingNumber", max_length=200)
    url, refused = tracking_link(data.get("trackingUrl"))
    if not (number or url or refused) and fulfillment not in SHIPMENT_STATUSES:
        return []
    shipping = p.obj(data.get("shippingOption"), "shippingOption")
    carrier, method = (
        p.text(shipping.get(key), f"shippingOption.{key}", max_length=200)
        for key in ("shippingCarrierName", "shippingMethodName")
    )
    return [
        FulfilmentData(
            external_id=SHIPMENT_ID,
            status=SHIPMENT_STATUSES.get(fulfillment, Fulfilment.Status.PENDING),
            carrier=carrier or method,
            tracking_number=number,
            tracking_url=url,
            url_refused=refused,
            updated_at=updated,
        )
    ]


def parse_order(data: dict, store_currency: str) -> OrderData:
    """An order from GET /orders/{orderId}; amounts are numbers in the store's currency."""
    currency = p.currency(data["currency"], "currency") if data.get("currency") else store_currency
    created = p.timestamp(data.get("createDate"), "createDate")
    updated = p.timestamp(data.get("updateDate"), "updateDate", required=False)
    payment = p.text(data.get("paymentStatus"), "paymentStatus", max_length=40).upper()
    fulfillment = p.text(data.get("fulfillmentStatus"), "fulfillmentStatus", max_length=40).upper()
    shipping = p.obj(data.get("shippingOption"), "shippingOption")
    external_id = p.identifier(data.get("id"), "id")
    discounts = sum(
        (p.money(data.get(key), key, default=Decimal(0)) for key in ("couponDiscount", "discount")),
        Decimal(0),
    )
    customer = _order_customer(data)
    return OrderData(
        external_id=external_id,
        number=f"#{external_id}"[:64],
        email=customer.email if customer else "",
        customer=customer,
        currency=currency,
        total=p.money(data.get("total"), "total"),
        # Ecwid's subtotal is before discounts; cxloop's after them.
        subtotal=max(p.money(data.get("subtotal"), "subtotal", default=Decimal(0)) - discounts, Decimal(0)),
        total_discounts=discounts,
        discount_codes=_discount_codes(data),
        shipping=p.money(shipping.get("shippingRate"), "shippingOption.shippingRate", default=Decimal(0)),
        tax=p.money(data.get("tax"), "tax", default=Decimal(0)),
        taxes_included=data.get("pricesIncludeTax") is True,
        shipping_address=parse_address(data.get("shippingPerson"), "shippingPerson"),
        shipping_method=p.text(
            shipping.get("shippingMethodName"), "shippingOption.shippingMethodName", max_length=200
        ),  # noqa: E501
        financial_status=FINANCIAL.get(payment, ""),
        fulfillment_status=FULFILLMENT.get(fulfillment, Order.Fulfillment.UNFULFILLED),
        referrer=p.text(data.get("refererUrl"), "refererUrl", max_length=2000),
        # An unfinished order keeps its id when it is placed: it links cart and order.
        checkout_token=external_id,
        note=p.text(data.get("orderComments"), "orderComments", max_length=5000, allow_newlines=True),
        created_at=created,
        cancelled_at=(updated or created) if payment == "CANCELLED" else None,
        updated_at=updated,
        lines=[parse_line(item, i) for i, item in enumerate(p.items(data.get("items"), "items"))],
        refunds=_refunds(data, currency, updated or created),
        fulfilments=_fulfilments(data, fulfillment, updated),
    )


def parse_checkout(data: dict, store_currency: str) -> CheckoutData:
    """An unfinished order (abandoned cart) from GET /orders/{orderId}."""
    order = parse_order(data, store_currency)
    updated = order.updated_at or order.created_at
    placed = p.text(data.get("paymentStatus"), "paymentStatus", max_length=40).upper() != "INCOMPLETE"
    return CheckoutData(
        external_id=order.external_id,
        token=order.external_id,
        email=order.email,
        customer=order.customer,
        currency=order.currency,
        total=order.total,
        line_items=[
            {
                "title": line.title,
                "quantity": line.quantity,
                "price": str(line.price),
                "product_id": line.product_external_id or None,
            }
            for line in order.lines
        ],  # fmt: skip
        created_at=order.created_at,
        updated_at=updated,
        completed_at=updated if placed else None,
    )
