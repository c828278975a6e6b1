"""Orders, refunds and checkouts."""

from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from cxloop.core.models import Store

from ..models import Checkout, Customer, LineItem, Order, Product, Refund, Variant
from ..records import CheckoutData, CustomerData, OrderData, RefundData
from ..referrals import ERASED_REFERRER, order_code_candidates
from .customers import refresh_customer_facts, upsert_customer
from .fulfilments import sync_fulfilments

ORDER_FIELDS = (
    "number", "email", "currency", "presentment_currency", "subtotal", "total_discounts",
    "discount_codes", "shipping", "tax", "taxes_included", "total", "presentment_total", "financial_status",
    "fulfillment_status", "source_channel", "landing_page", "referrer", "utm_source",
    "utm_medium", "utm_campaign", "checkout_token",
    "note", "shipping_address", "shipping_method", "processed_at", "cancelled_at", "fulfilled_at",
)  # fmt: skip

REMOVED_LISTENERS: list = []


def register_removed_listener(listener) -> None:
    """Call `listener(store, order_id)` in the transaction of every order removed (remove_order): the
    analytics warehouse deletes its copy at its next sync."""
    if listener not in REMOVED_LISTENERS:
        REMOVED_LISTENERS.append(listener)


# A refund an export reports only as a sum (Shopify's orders CSV: "Refunded
# Amount"), without the refunds it is made of. Its id ends in the order's id.
REPORTED_REFUND_PREFIX = "csv-refund-"


def _resolve_customer(store, platform, customer: CustomerData | None, email: str):
    if customer is None and email:
        customer = CustomerData(email=email)
    if customer is None or not (customer.external_id or customer.email):
        return None
    found, _ = upsert_customer(store=store, platform=platform, data=customer)
    return found


def upsert_order(
    *, store: Store, platform: str, data: OrderData, refresh_facts: bool = True
) -> tuple[Order, bool]:
    """Create or update an order with its lines, fulfilments and refunds; return (order, applied).

    An update whose `updated_at` is older than the stored one changes nothing
    (deliveries arrive out of order). An order an export stored under its
    name, for want of an id, is found by that name and moved to the id. Customer facts are refreshed for the
    old and new customer, unless `refresh_facts` is False: then the caller
    (a bulk import) must call `refresh_customer_facts` for both itself.
    Call inside a transaction.
    """
    order = _find_order(store, platform, data)
    if order and data.updated_at and order.source_updated_at and data.updated_at < order.source_updated_at:
        return order, False
    customer = _resolve_customer(store, platform, data.customer, data.email)
    previous_customer_id = order.customer_id if order else None
    if order is None:
        order = Order(store=store, platform=platform, external_id=data.external_id)
    order.external_id = data.external_id
    for name in ORDER_FIELDS:
        setattr(order, name, getattr(data, name))
    order.created_at = data.created_at
    order.source_updated_at = data.updated_at
    order.customer = customer
    order.referral_code = _referral_code(store, data, customer) or (
        ERASED_REFERRER if order.referral_code == ERASED_REFERRER else ""
    )
    order.save()
    _replace_lines(store, platform, order, data)
    if data.fulfilments is not None:
        sync_fulfilments(order, data.fulfilments, as_of=data.updated_at)
    if data.refunds is not None:
        for refund in data.refunds:
            _save_refund(order, refund)
    _refresh_refunded_amount(order)
    if refresh_facts:
        refresh_customer_facts(store, [previous_customer_id, order.customer_id])
    return order, True


def _referral_code(store: Store, data: OrderData, customer: Customer | None) -> str:
    """The first code the order carries that is a customer's of the store other than the one ordering
    (commerce.referrals); "" without one."""
    candidates = order_code_candidates(
        named=data.referral_code, landing=data.landing_page,
        discounts=[code.get("code", "") for code in data.discount_codes if isinstance(code, dict)],
    )  # fmt: skip
    if not candidates:
        return ""
    owners = dict(
        Customer.objects.filter(store=store, referral_code__in=candidates).values_list("referral_code", "pk")
    )
    ordering = customer.pk if customer else None
    return next((code for code in candidates if owners.get(code, ordering) != ordering), "")


def _find_order(store: Store, platform: str, data: OrderData) -> Order | None:
    orders = Order.objects.filter(store=store, platform=platform)
    order = orders.filter(external_id=data.external_id).first()
    if order is None and data.number and data.number != data.external_id:
        # An export without ids (Shopify's orders CSV without "Id") keyed the
        # order by its name; the first delivery that knows its id takes it over.
        order = orders.filter(external_id=data.number, number=data.number).first()
    return order


def _replace_lines(store, platform, order: Order, data: OrderData) -> None:
    order.line_items.all().delete()
    lines = []
    for line in data.lines:
        product, variant = _catalog_entry(store, platform, line)
        lines.append(
            LineItem(
                store=store, order=order, product=product, variant=variant,
                external_id=line.external_id, title=line.title, sku=line.sku,
                quantity=line.quantity, price=line.price, total_discount=line.total_discount,
            )
        )  # fmt: skip
    LineItem.objects.bulk_create(lines)


def _catalog_entry(store, platform, line):
    if not line.product_external_id:
        return None, None
    product, _ = Product.objects.get_or_create(
        store=store,
        platform=platform,
        external_id=line.product_external_id,
        defaults={"title": line.title, "vendor": line.vendor},
    )
    variant = None
    if line.variant_external_id:
        variant, _ = Variant.objects.get_or_create(
            store=store,
            product=product,
            external_id=line.variant_external_id,
            defaults={"title": line.variant_title, "sku": line.sku, "price": line.price},
        )
    return product, variant


def _save_refund(order: Order, data: RefundData) -> Refund:
    refund, created = Refund.objects.update_or_create(
        order=order,
        external_id=data.external_id,
        defaults={
            "store_id": order.store_id,
            "amount": data.amount,
            "currency": data.currency,
            "created_at": data.created_at,
            "note": data.note,
        },
    )
    if created and not refund.external_id.startswith(REPORTED_REFUND_PREFIX):
        _absorb_into_reported_refund(order, refund)
    return refund


def _absorb_into_reported_refund(order: Order, refund: Refund) -> None:
    """Take a newly known refund out of the export's sum, which already counted its money.

    The order then counts max(reported sum, itemised refunds): a refund made
    after the export is undercounted until Shopify's next order update lists
    every refund, never counted twice.
    """
    reported = order.refunds.filter(
        external_id__startswith=REPORTED_REFUND_PREFIX, currency=refund.currency, amount__gt=0
    ).first()
    if reported:
        reported.amount = max(reported.amount - refund.amount, Decimal("0"))
        reported.save(update_fields=["amount"])


def _refresh_refunded_amount(order: Order) -> None:
    refunded = order.refunds.filter(currency=order.currency).aggregate(s=Sum("amount"))["s"]
    order.refunded_amount = refunded or Decimal("0")
    Order.objects.filter(pk=order.pk).update(refunded_amount=order.refunded_amount, updated_at=timezone.now())


def remove_order(*, store: Store, platform: str, external_id: str) -> bool:
    """Remove a platform's deleted order with its lines and refunds; True if it was known.

    The customer's facts are recomputed without it. Removing an unknown order
    is a no-op, so a repeated delete changes nothing. Call inside a transaction.
    """
    order = Order.objects.filter(store=store, platform=platform, external_id=external_id).first()
    if order is None:
        return False
    customer_id, order_id = order.customer_id, order.pk
    order.delete()  # cascades to LineItem, Fulfilment and Refund
    refresh_customer_facts(store, [customer_id])
    for listener in REMOVED_LISTENERS:
        listener(store, order_id)
    return True


def add_refund(*, store: Store, platform: str, order_external_id: str, data: RefundData) -> Refund | None:
    """Record a refund on a known order (idempotent by refund id); None if the order is unknown."""
    order = Order.objects.filter(store=store, platform=platform, external_id=order_external_id).first()
    if order is None:
        return None
    refund = _save_refund(order, data)
    _refresh_refunded_amount(order)
    refresh_customer_facts(store, [order.customer_id])
    return refund


def upsert_checkout(*, store: Store, platform: str, data: CheckoutData) -> tuple[Checkout, bool]:
    """Create or update a checkout (cart); an older update changes nothing."""
    checkout = Checkout.objects.filter(store=store, platform=platform, external_id=data.external_id).first()
    if checkout and data.updated_at < checkout.updated_at:
        return checkout, False
    customer = _resolve_customer(store, platform, data.customer, data.email)
    if checkout is None:
        checkout = Checkout(store=store, platform=platform, external_id=data.external_id)
    checkout.customer = customer
    for name in (
        "token",
        "email",
        "currency",
        "total",
        "line_items",
        "recovery_url",
        "created_at",
        "updated_at",
        "completed_at",
    ):  # noqa: E501
        setattr(checkout, name, getattr(data, name))
    completed = data.completed_at or _has_order(store, data.token)
    checkout.state = Checkout.State.COMPLETED if completed else Checkout.State.OPEN
    checkout.save()
    return checkout, True


def remove_checkout(*, store: Store, platform: str, external_id: str) -> bool:
    """Remove a platform's deleted checkout (cart); True if it was known. Repeats are no-ops."""
    checkouts = Checkout.objects.filter(store=store, platform=platform, external_id=external_id)
    deleted, _ = checkouts.delete()
    return deleted > 0


def _has_order(store: Store, token: str) -> bool:
    return bool(token) and Order.objects.filter(store=store, checkout_token=token).exists()


def mark_abandoned_checkouts(*, store: Store, older_than) -> int:
    """Mark open checkouts not updated since `older_than` and with no order as abandoned."""
    stale = Checkout.objects.filter(store=store, state=Checkout.State.OPEN, updated_at__lt=older_than)
    completed_tokens = Order.objects.filter(store=store).exclude(checkout_token="").values("checkout_token")
    stale.filter(token__in=completed_tokens).update(state=Checkout.State.COMPLETED)
    return stale.exclude(token__in=completed_tokens).update(state=Checkout.State.ABANDONED)
