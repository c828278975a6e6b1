"""Store-scoped reads of the store mirror."""

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.http import Http404

from cxloop.core import batch_cache, prepared
from cxloop.core.models import Store

from .models import (
    Checkout,
    Customer,
    CustomerSearchTerm,
    Event,
    Fulfilment,
    Order,
    Refund,
    StoreAction,
    WebhookDelivery,
)
from .search_terms import query_words

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
    # segments' CustomerPrediction, through its one-to-one "prediction": read off its indexes
    # prediction_value and prediction_alive, whose entries end with the prediction's id (`RankedCustomers`)
    "predicted_value": ("-prediction__predicted_value_365", "prediction__id"),
    "churn_risk": ("prediction__probability_alive", "prediction__id"),
}
FACT_SORTS = {"spent", "orders", "last_order"}
PREDICTION_SORTS = {"predicted_value", "churn_risk"}
# A search matching at most this many customers is answered from their ids,
# found through the email, name and surname indexes; a broader one by walking
# the sort's index, where matches are dense enough to fill a page quickly.
NARROW_SEARCH = 5000
# Orders found by one number: one per platform, in practice.
SAME_NUMBER = 100


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
    store: Store,
    *,
    search: str = "",
    sort: str = "newest",
    consent: str = "",
    has_orders: str = "",
    rfm_group: str = "",
    spend_tier: str = "",
) -> "QuerySet[Customer] | RankedCustomers":
    """Customers matching a search (any word of the name or email, or the email's start), filtered and sorted,
    each with their prediction (segments' CustomerPrediction) read in the same query.

    A customer matches when each word of the search starts a word of their
    name or of their email's local part, compared without case or diacritics
    ("zolk" finds Żółkiewski, "szczesna" finds m.szczesna@...; see
    `search_terms`), or when the search starts their email. A name in
    Chinese, Japanese or Korean also matches written family name first
    ("王秀英"). A search that matches at most NARROW_SEARCH customers is
    resolved to their ids here; the queryset then holds those customers.

    `rfm_group` and `spend_tier` keep the customers whose prediction has
    them; a group of at most NARROW_SEARCH customers is resolved to their ids
    too. A prediction sort (PREDICTION_SORTS) gives `RankedCustomers`, sliced
    and iterated like a queryset: the customers with that number first, then
    those without, by id.
    """
    customers = Customer.objects.filter(store=store).select_related("prediction")
    sort = sort if sort in CUSTOMER_SORTS else "newest"
    if has_orders == "no" and sort in FACT_SORTS | PREDICTION_SORTS:
        # Without orders, amount_spent is 0 and last_order_at empty for every one of
        # them, so only the tie-breaker orders them: read customer_orders_idx at 0
        # instead of walking past every buyer in the sort's index (1.6 s). Nor do they
        # have a prediction: the refresh predicts customers with an order (one whose
        # order was cancelled since keeps theirs until the next refresh, in id order here).
        sort = "orders"
    narrow = False
    if search.strip():
        match = match_customers(store, search)
        if match.ids is not None:
            customers, narrow = customers.filter(pk__in=match.ids), True
        else:
            customers = customers.filter(match.condition("pk", "email_key"))
    group = {"prediction__rfm_group": rfm_group, "prediction__spend_tier": spend_tier}
    customers, narrow = _in_prediction_group(store, customers, narrow, {k: v for k, v in group.items() if v})
    order = [_by_value(field) for field in CUSTOMER_SORTS[sort]] if narrow else CUSTOMER_SORTS[sort]
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
    if sort in PREDICTION_SORTS:
        return RankedCustomers.sorted_by(customers, store, CUSTOMER_SORTS[sort][0], order, narrow=narrow)
    return customers.order_by(*order)


def _in_prediction_group(
    store: Store, customers: QuerySet[Customer], narrow: bool, group: dict[str, str]
) -> tuple[QuerySet[Customer], bool]:
    """The customers whose prediction is in this group ({"prediction__rfm_group": ...}), and whether
    they are now a few known by id: a group of at most NARROW_SEARCH customers is read off its index
    (store, rfm_group | spend_tier, ...) as ids. Walking a sort's index in search of a small group's
    members instead went through every customer (1.8 s at a million)."""
    if not group:
        return customers, narrow
    customers = customers.filter(prediction__store=store, **group)
    if narrow:
        return customers, narrow
    members = Customer.objects.filter(store=store, prediction__store=store, **group)
    ids = list(members.values_list("pk", flat=True)[: NARROW_SEARCH + 1])
    if len(ids) > NARROW_SEARCH:
        return customers, False
    return customers.filter(pk__in=ids), True


@dataclass(frozen=True)
class RankedCustomers:
    """Customers sorted by a number of their prediction, in two runs: those with the number (`ranked`),
    then the others (`rest`: no prediction, or one without numbers) by id. Sliced like a queryset: one
    query for a slice within the first run, two for one across the seam, three past it (the first run
    is counted).

    Why two runs: a single query, customers LEFT JOIN predictions ordered by the number, cannot stop
    early: every customer of the store is joined and sorted before the first page (0.45 s on SQLite,
    0.8 s on PostgreSQL, at a million customers). `ranked` is an inner join ordered exactly as the
    prediction's index (store, -predicted_value_365) or (store, probability_alive) is, or with a group
    or tier filter (store, rfm_group | spend_tier, ...): the index's leading columns bound, the NULLs it
    holds excluded (so that "NULLS LAST" is not needed: PostgreSQL puts them first), the prediction's id
    breaking ties (SQLite keeps the rowid in each entry; PostgreSQL's incremental sort breaks the few
    ties). Both databases walk the index, look each customer up by primary key, and stop after a page
    (3 ms). `rest` walks the store's customers in id order, keeping those without the number. A
    narrow search (ids known) is fetched by id and sorted, as for the other sorts.
    """

    ranked: QuerySet[Customer]
    rest: QuerySet[Customer]

    @classmethod
    def sorted_by(
        cls, customers: QuerySet[Customer], store: Store, field: str, order, *, narrow: bool
    ) -> "RankedCustomers":
        """`customers` in `order`, which sorts by the prediction's `field` ("-prediction__...") first;
        `narrow` when they are a few known by id, which are better fetched by id than found in the index."""
        number = field.removeprefix("-")
        if narrow:  # the condition as an expression that no index serves, as `_by_value` does the order
            ranked = customers.alias(number=Coalesce(F(number), F(number))).filter(number__isnull=False)
        else:
            ranked = customers.filter(Q(prediction__store=store) & Q(**{f"{number}__isnull": False}))
        rest = customers.filter(**{f"{number}__isnull": True})  # no prediction is a NULL too (LEFT JOIN)
        return cls(ranked.order_by(*order), rest.order_by("id"))

    def __getitem__(self, window: slice) -> list[Customer]:
        start, stop = window.start or 0, window.stop
        if stop is None:
            return list(islice(self, start, None))
        found = list(self.ranked[start:stop])
        if len(found) == stop - start:
            return found
        # the ranked run ended in this slice or before it: count it only when the slice is past it
        ranked = start + len(found) if found or start == 0 else self.ranked.count()
        rest_start = max(start - ranked, 0)
        return found + list(self.rest[rest_start : rest_start + (stop - start) - len(found)])

    def __iter__(self) -> Iterator[Customer]:
        yield from self.ranked
        yield from self.rest


@dataclass
class CustomerMatch:
    """The customers a search matches: their ids when few, else a condition to test row by row."""

    words: list[str]
    email: str
    ids: list[int] | None

    def condition(self, customer_id: str, email_key: str) -> Q:
        """The match as a condition on a row holding the customer's id and email key (by these names)."""
        if self.ids is not None:
            return Q(**{f"{customer_id}__in": self.ids})
        found_by_words = Q()
        for word in self.words:
            terms = CustomerSearchTerm.objects.filter(customer_id=OuterRef(customer_id))
            found_by_words &= Q(Exists(terms.filter(_prefix("term", word))))
        by_email = _prefix(email_key, self.email) if self.email else Q(pk__in=[])
        return by_email | found_by_words if self.words else by_email


def match_customers(store: Store, search: str) -> CustomerMatch:
    """The store's customers a search matches (see `list_customers`), as ids if at most NARROW_SEARCH.

    Each word's index range is counted up to NARROW_SEARCH first; the narrowest
    one is read and its customers checked for the other words, one index probe
    each. A single OR over all the ranges made SQLite walk all the store's
    customers instead (2-5 s).
    """
    words = query_words(search)
    email = unicodedata.normalize("NFKC", search.strip()).casefold()
    by_email = list(
        Customer.objects.filter(_prefix("email_key", email), store=store)
        .values_list("id", flat=True)[: NARROW_SEARCH + 1]
    )  # fmt: skip
    by_words = _match_words(store, words) if words else []
    if by_words is None or len(by_email) > NARROW_SEARCH:
        return CustomerMatch(words, email, None)
    ids = sorted(set(by_email) | set(by_words))
    return CustomerMatch(words, email, ids if len(ids) <= NARROW_SEARCH else None)


def _match_words(store: Store, words: list[str]) -> list[int] | None:
    """The customers having a term that starts with each word; None if more than NARROW_SEARCH."""
    ranges = {word: CustomerSearchTerm.objects.filter(_prefix("term", word), store=store) for word in words}
    counts = {word: terms[: NARROW_SEARCH + 1].count() for word, terms in ranges.items()}
    narrowest = min(words, key=counts.__getitem__)
    if counts[narrowest] > NARROW_SEARCH:
        return None
    found = ranges[narrowest]
    for word in words:
        if word != narrowest:
            others = CustomerSearchTerm.objects.filter(customer_id=OuterRef("customer_id"))
            found = found.filter(Exists(others.filter(_prefix("term", word))))
    return list(found.values_list("customer_id", flat=True).distinct())


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


def first_customer_by_email(store: Store, email: str) -> Customer | None:
    """The first of `list_customers_by_email`, read with SQL made once (core.prepared): arriving
    mail asks it for every new conversation. In a batch (core.batch_cache) it is found among
    those `first_customers_by_emails` read for the whole batch."""
    key = email.strip().lower()
    return batch_cache.cached(
        _customer_key(store.pk, key),
        lambda: prepared.first(Customer, {"store": store.pk, "email_key": key}, order_by=("id",)),
    )


def first_customers_by_emails(store: Store, emails: list[str]) -> dict[str, Customer | None]:
    """`first_customer_by_email` for many addresses in one query (by lower-cased address), kept for
    the open batch."""
    keys = list(dict.fromkeys(email.strip().lower() for email in emails if email.strip()))
    found: dict[str, Customer | None] = dict.fromkeys(keys)
    if keys:
        for customer in prepared.all_in(Customer, {"store": store.pk}, "email_key", keys, order_by=("-id",)):
            found[customer.email_key] = customer  # the lowest id is the last written
    for key, customer in found.items():
        batch_cache.put(_customer_key(store.pk, key), customer)
    return found


def _customer_key(store_id: int, email_key: str) -> tuple:
    return ("commerce.customer_by_email", store_id, email_key)


def list_orders(store: Store, *, customer_id: int | None = None, search: str = "") -> QuerySet[Order]:
    """The store's orders, newest first; a search matches the order number or the order's customer
    as the customers search does (any word of their name or email, or their email's start).

    (Every order with an email has a customer made from that email, so the
    order's own email column, which no index serves, is not searched.)
    """
    orders = Order.objects.filter(store=store).select_related("customer")
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    term = search.strip()
    if not term:
        return orders.order_by("-created_at", "-id")
    numbers = Order.objects.filter(store=store, number__in=[term, f"#{term.lstrip('#')}"])
    found = list(numbers.values_list("pk", flat=True)[:SAME_NUMBER])
    customers = match_customers(store, term)
    if customers.ids is not None:
        # Few customers: their orders' ids come through order_customer_idx, and the page is
        # sorted from those, rather than walking every order of the store in search of them
        # (with the numbers in one OR, SQLite walked order_created_idx).
        theirs = Order.objects.filter(customer_id__in=customers.ids).values_list("pk", flat=True)
        found += theirs[: NARROW_SEARCH * 4]
        if len(found) < NARROW_SEARCH * 4:
            return orders.filter(pk__in=sorted(set(found))).order_by(_by_value("-created_at"), "-id")
    condition = Q(pk__in=found) | customers.condition("customer_id", "customer__email_key")
    return orders.filter(condition).order_by("-created_at", "-id")


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


def list_customer_store_actions(store: Store, customer: Customer) -> QuerySet[StoreAction]:
    """Actions done on the platform for a customer or on their orders (refunds, codes...), newest first."""
    actions = StoreAction.objects.filter(store=store, status=StoreAction.Status.DONE)
    actions = actions.filter(Q(customer=customer) | Q(order__customer=customer))
    return actions.select_related("actor", "order").order_by("-created_at", "-id")


def build_timeline(store: Store, customer: Customer, *, limit: int = 100) -> list[TimelineEntry]:
    """Orders (each with its `referral`), refunds, checkouts and events of a customer, newest first."""
    from .referral_queries import attach_referrals

    orders = list(customer.orders.filter(store=store).order_by("-created_at")[:limit])
    attach_referrals(store, orders)
    entries = [TimelineEntry(o.created_at, "order", o) for o in orders]
    entries += [
        TimelineEntry(r.created_at, "refund", r)
        for r in Refund.objects.filter(store=store, order__customer=customer)
        .select_related("order")
        .order_by("-created_at")[:limit]
    ]  # noqa: E501
    entries += [
        TimelineEntry(c.updated_at, "checkout", c)
        for c in Checkout.objects.filter(store=store, customer=customer).order_by("-updated_at")[:limit]
    ]  # noqa: E501
    entries += [
        TimelineEntry(e.occurred_at, "event", e)
        for e in Event.objects.filter(store=store, customer=customer).order_by("-occurred_at")[:limit]
    ]  # noqa: E501
    entries += [
        TimelineEntry(a.finished_at or a.created_at, "store_action", a)
        for a in list_customer_store_actions(store, customer)[:limit]
    ]  # noqa: E501
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


# Latest first: by when it shipped, then the newest row (a shipment with no date is the oldest).
FULFILMENT_ORDER = (F("shipped_at").desc(nulls_last=True), "-id")


def list_order_fulfilments(store: Store, order: Order) -> QuerySet[Fulfilment]:
    """An order's fulfilments (shipments), latest first."""
    return Fulfilment.objects.filter(store=store, order=order).order_by(*FULFILMENT_ORDER)


def with_fulfilments(orders: QuerySet[Order]) -> QuerySet[Order]:
    """The orders with `fulfilments` read in one more query, latest first, for a list that shows them."""
    return orders.prefetch_related(Prefetch("fulfilments", Fulfilment.objects.order_by(*FULFILMENT_ORDER)))


def find_tracked_fulfilment(order: Order | None) -> Fulfilment | None:
    """The order's latest fulfilment with a tracking number or link, cancelled ones aside; None if none."""
    if order is None:
        return None
    return (
        Fulfilment.objects.filter(store_id=order.store_id, order=order)
        .exclude(status=Fulfilment.Status.CANCELLED)
        .exclude(tracking_number="", tracking_url="")
        .order_by(*FULFILMENT_ORDER)
        .first()
    )


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


def list_store_actions(
    store: Store, *, order: Order | None = None, customer: Customer | None = None
) -> QuerySet[StoreAction]:
    """Actions taken on the store's platform (refunds, codes, gift cards), newest first.

    Narrowed to one order or one customer when given; another store's order
    or customer gives nothing.
    """
    actions = StoreAction.objects.filter(store=store).select_related("actor")
    if order is not None:
        actions = actions.filter(order=order)
    if customer is not None:
        actions = actions.filter(customer=customer)
    return actions.order_by("-created_at", "-id")
