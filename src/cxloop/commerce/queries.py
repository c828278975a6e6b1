"""Store-scoped reads of the store mirror."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404

from cxloop.core.models import Store

from .models import Checkout, Customer, Event, Order, Refund, WebhookDelivery

CUSTOMER_SORTS = {
    "newest": "-created_at",
    "oldest": "created_at",
    "spent": "-amount_spent",
    "orders": "-orders_count",
    "last_order": "-last_order_at",
    "name": "name_key",
}


def get_customer(store: Store, customer_id) -> Customer:
    """The store's customer with this id; Http404 for any other store's id."""
    try:
        return Customer.objects.get(store=store, pk=int(customer_id))
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404("No such customer.") from None


def get_order(store: Store, order_id) -> Order:
    """The store's order with this id; Http404 for any other store's id."""
    try:
        return Order.objects.select_related("customer").get(store=store, pk=int(order_id))
    except (Order.DoesNotExist, ValueError, TypeError):
        raise Http404("No such order.") from None


def _prefix(field: str, value: str) -> Q:
    # A range on an indexed column instead of LIKE: fast at a million rows on
    # SQLite and PostgreSQL alike, and exact for every script.
    return Q(**{f"{field}__gte": value, f"{field}__lt": value + "\U0010ffff"})


def list_customers(
    store: Store, *, search: str = "", sort: str = "newest", consent: str = "", has_orders: str = ""
) -> QuerySet[Customer]:
    """Customers matching a search (email, or a name's start in any script), filtered and sorted.

    The search matches the start of the email, of the full name, or of the
    last name, case-insensitively.
    """
    customers = Customer.objects.filter(store=store)
    term = unicodedata.normalize("NFKC", search.strip()).casefold()
    if term:
        customers = customers.filter(
            _prefix("email_key", term)
            | _prefix("name_key", term)
            | _prefix("surname_key", term)
        )
    if consent in Customer.Consent.values:
        customers = customers.filter(email_consent=consent)
    if has_orders == "yes":
        customers = customers.filter(orders_count__gt=0)
    elif has_orders == "no":
        customers = customers.filter(orders_count=0)
    return customers.order_by(CUSTOMER_SORTS.get(sort, "-created_at"), "-id")


def list_customers_by_email(store: Store, email: str) -> QuerySet[Customer]:
    return Customer.objects.filter(store=store, email_key=email.strip().lower()).order_by("id")


def list_orders(store: Store, *, customer_id: int | None = None, search: str = "") -> QuerySet[Order]:
    orders = Order.objects.filter(store=store).select_related("customer")
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if search.strip():
        term = search.strip()
        orders = orders.filter(Q(number=term) | Q(number=f"#{term.lstrip('#')}") | _prefix("email", term.lower()))  # noqa: E501
    return orders.order_by("-created_at", "-id")


def list_events(store: Store, *, customer_id: int | None = None, type: str = "") -> QuerySet[Event]:
    events = Event.objects.filter(store=store)
    if customer_id is not None:
        events = events.filter(customer_id=customer_id)
    if type:
        events = events.filter(type=type)
    return events.order_by("-occurred_at", "-id")


def list_deliveries(store: Store, *, platform: str = "") -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(store=store)
    if platform:
        deliveries = deliveries.filter(platform=platform)
    return deliveries.order_by("-received_at", "-id")


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    obj: object


def build_timeline(store: Store, customer: Customer, *, limit: int = 100) -> list[TimelineEntry]:
    """Orders, refunds, checkouts and events of a customer, newest first."""
    entries = [TimelineEntry(o.created_at, "order", o) for o in customer.orders.filter(store=store).order_by("-created_at")[:limit]]  # noqa: E501
    entries += [TimelineEntry(r.created_at, "refund", r) for r in Refund.objects.filter(store=store, order__customer=customer).select_related("order").order_by("-created_at")[:limit]]  # noqa: E501
    entries += [TimelineEntry(c.updated_at, "checkout", c) for c in Checkout.objects.filter(store=store, customer=customer).order_by("-updated_at")[:limit]]  # noqa: E501
    entries += [TimelineEntry(e.occurred_at, "event", e) for e in Event.objects.filter(store=store, customer=customer).order_by("-occurred_at")[:limit]]  # noqa: E501
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def list_consent_records(store: Store, customer: Customer) -> QuerySet:
    """The customer's consent ledger, newest first."""
    from .models import ConsentRecord

    records = ConsentRecord.objects.filter(store=store, customer=customer)
    return records.order_by("-occurred_at", "-id")


def list_external_ids(store: Store, customer: Customer) -> QuerySet:
    """The customer's ids on each platform."""
    from .models import ExternalId

    return ExternalId.objects.filter(store=store, customer=customer).order_by("platform", "id")


def list_order_lines(store: Store, order: Order) -> QuerySet:
    """An order's lines, each with `line_total` (price × quantity − discount)."""
    from django.db.models import DecimalField, ExpressionWrapper, F

    from .models import LineItem

    line_total = ExpressionWrapper(
        F("price") * F("quantity") - F("total_discount"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    lines = LineItem.objects.filter(store=store, order=order)
    return lines.annotate(line_total=line_total).order_by("id")


def list_order_refunds(store: Store, order: Order) -> QuerySet[Refund]:
    return Refund.objects.filter(store=store, order=order).order_by("created_at", "id")
