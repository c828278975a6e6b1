"""Store-scoped reads of the store mirror."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.http import Http404

from cxloop.core.models import Store

from .models import Checkout, Customer, Event, Order, Refund, WebhookDelivery

# Each sort with the tie-breaker its index already holds: SQLite keeps the id
# (rowid) in every index entry, ascending, so "-created_at, id" is read straight
# off customer_created_idx ("oldest" reads it backwards). With "-id" instead,
# SQLite sorted each page again, and the last page (2,000) of a million
# customers took 0.5-1.8 s instead of 8 ms.
CUSTOMER_SORTS = {
    "newest": ("-created_at", "id"),
    "oldest": ("created_at", "-id"),
    "spent": ("-amount_spent", "id"),
    "orders": ("-orders_count", "id"),
    "last_order": ("-last_order_at", "id"),
    "name": ("name_key", "id"),
}
FACT_SORTS = {"spent", "orders", "last_order"}
# A search matching at most this many customers is answered from their ids,
# found through the email, name and surname indexes; a broader one by walking
# the sort's index, where matches are dense enough to fill a page quickly.
NARROW_SEARCH = 5000
# Names written family name first with no space (王秀英 is 秀英 王 in name_key).
FAMILY_NAME_FIRST = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]{2,}")


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
    last name, case-insensitively; a name in Chinese, Japanese or Korean also
    matches written family name first ("王秀英"). A search that matches at
    most NARROW_SEARCH customers is resolved to their ids here (one query);
    the queryset then holds those customers.
    """
    customers = Customer.objects.filter(store=store)
    term = unicodedata.normalize("NFKC", search.strip()).casefold()
    order = CUSTOMER_SORTS.get(sort, CUSTOMER_SORTS["newest"])
    if has_orders == "no" and sort in FACT_SORTS:
        # Without orders, amount_spent is 0 and last_order_at empty for every one of
        # them, so only the tie-breaker orders them: read customer_orders_idx at 0
        # instead of walking past every buyer in the sort's index (1.6 s).
        order = CUSTOMER_SORTS["orders"]
    if term:
        customers, narrow = _search(customers, term)
        if narrow:
            order = [_by_value(field) for field in order]
    if consent in Customer.Consent.values:
        customers = customers.filter(email_consent=consent)
    if has_orders == "yes" and sort != "orders":
        # As an expression, so that SQLite walks the sort's index and stops after a
        # page instead of reading every buyer from customer_orders_idx and sorting
        # them (0.9 s at a million customers).
        customers = customers.alias(orders_seen=F("orders_count") + 0).filter(orders_seen__gt=0)
    elif has_orders == "yes":
        customers = customers.filter(orders_count__gt=0)
    elif has_orders == "no":
        customers = customers.filter(orders_count=0)
    return customers.order_by(*order)


def _search(customers: QuerySet[Customer], term: str) -> tuple[QuerySet[Customer], bool]:
    """The customers matching a (normalised) search, and whether they are few."""
    matches = [_prefix("email_key", term), _prefix("name_key", term), _prefix("surname_key", term)]
    if FAMILY_NAME_FIRST.fullmatch(term):
        matches += [Q(surname_key=term[:k]) & _prefix("name_key", term[k:]) for k in (1, 2) if len(term) > k]
    # One index range per way of matching, each read on its own (UNION ALL stops at the limit);
    # a single query with OR made SQLite walk all the store's customers instead (2-5 s).
    ids = [customers.filter(match).values_list("id", flat=True) for match in matches]
    found = list(ids[0].union(*ids[1:], all=True)[: NARROW_SEARCH + 1])
    if len(found) <= NARROW_SEARCH:
        return customers.filter(pk__in=sorted(set(found))), True
    return customers.filter(reduce(or_, matches)), False


def _by_value(order: str) -> OrderBy:
    """The same order as a field, through an expression that no index serves.

    For a few customers known by id, SQLite then fetches them and sorts them,
    instead of walking a sort index in search of them (0.1-0.4 s).
    """
    field = order.removeprefix("-")
    value = Coalesce(F(field), F(field))
    return value.desc() if order.startswith("-") else value.asc()


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


@dataclass
class OrderSummary:
    """An order's money as the store owner reads it; the lines add up to the total.

    subtotal (before discounts) - discount + shipping + tax (unless included)
    + other = total. `other` holds what the platform charged beyond those
    (duties, tips, fees), so the summary adds up whatever the payload missed.
    """

    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    taxes_included: bool
    other: Decimal
    total: Decimal


def build_order_summary(order: Order) -> OrderSummary:
    """The order's summary lines; see OrderSummary for how they add up."""
    subtotal = order.subtotal + order.total_discounts
    added_tax = Decimal(0) if order.taxes_included else order.tax
    known = subtotal - order.total_discounts + order.shipping + added_tax
    return OrderSummary(
        subtotal=subtotal,
        discount=order.total_discounts,
        shipping=order.shipping,
        tax=order.tax,
        taxes_included=order.taxes_included,
        other=order.total - known,
        total=order.total,
    )
