"""Reads of segments and predictions, scoped to one store."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils import timezone

from cxloop.commerce.models import Customer, Order
from cxloop.core.models import Store

from .models import CustomerPrediction, PredictionRun, Segment, SegmentChange, SegmentCount, SegmentMember

DAY = 86_400.0


@dataclass(frozen=True)
class Summaries:
    """Each customer with a live order, as the models read them (times in days from the first order)."""

    customer_ids: np.ndarray
    x: np.ndarray  # repeat orders: distinct order days after the first
    t_x: np.ndarray  # the last order day
    T: np.ndarray  # days from the first order to `as_of`
    m: np.ndarray  # mean net value of the repeat order days (0 without one)
    orders: np.ndarray  # live orders
    spent: np.ndarray  # net of refunds, in the store's currency
    days_since_last: np.ndarray


def customer_summaries(store: Store, as_of: datetime) -> Summaries:
    """The store's customers (not erased) with an order that is not cancelled, placed before `as_of`.
    Orders on one day are one purchase (as the models count them); values are net of refunds, in the
    store's currency (an order in another is counted, its value not)."""
    rows = (
        Order.objects.filter(
            store=store,
            customer__isnull=False,
            customer__erased_at__isnull=True,  # an erased customer is not predicted again
            cancelled_at__isnull=True,
            created_at__lt=as_of,
        )
        .annotate(net=F("total") - F("refunded_amount"))
        .values_list("customer_id", "created_at", "net", "currency")
        .order_by("customer_id", "created_at")
    )
    ids, seconds, values = [], [], []
    end = as_of.timestamp()
    for customer_id, created_at, net, currency in rows.iterator(chunk_size=5000):
        ids.append(customer_id)
        seconds.append(created_at.timestamp())
        values.append(float(net) if currency == store.currency else 0.0)
    if not ids:
        empty = np.zeros(0)
        return Summaries(np.zeros(0, dtype=int), *(empty,) * 7)
    ids_a, seconds_a, values_a = np.array(ids), np.array(seconds), np.array(values)
    customers, first_index, counts = np.unique(ids_a, return_index=True, return_counts=True)
    first = np.repeat(seconds_a[first_index], counts)
    day = np.floor((seconds_a - first) / DAY)
    # one purchase per customer and day: the day's orders summed
    keys = np.column_stack([np.repeat(np.arange(len(customers)), counts), day])
    unique_days, inverse = np.unique(keys, axis=0, return_inverse=True)
    day_values = np.bincount(inverse.ravel(), weights=values_a, minlength=len(unique_days))
    owner = unique_days[:, 0].astype(int)
    day_of = unique_days[:, 1]
    x = np.bincount(owner, minlength=len(customers)) - 1
    t_x = np.zeros(len(customers))
    np.maximum.at(t_x, owner, day_of)
    repeat = day_of > 0
    repeat_value = np.bincount(owner[repeat], weights=day_values[repeat], minlength=len(customers))
    m = np.divide(repeat_value, x, out=np.zeros(len(customers)), where=x > 0)
    first_seconds = seconds_a[first_index]
    last_seconds = np.zeros(len(customers))
    np.maximum.at(last_seconds, np.repeat(np.arange(len(customers)), counts), seconds_a)
    return Summaries(
        customer_ids=customers,
        x=x.astype(float),
        t_x=t_x,
        T=np.floor((end - first_seconds) / DAY),
        m=m,
        orders=counts.astype(float),
        spent=np.bincount(np.repeat(np.arange(len(customers)), counts), weights=values_a),
        days_since_last=np.floor((end - last_seconds) / DAY),
    )


def purchase_days_between(store: Store, start: datetime, end: datetime) -> dict[int, int]:
    """Per customer, the days (in UTC) with an order that is not cancelled in [start, end)."""
    days: dict[int, set] = {}
    rows = Order.objects.filter(
        store=store,
        customer__isnull=False,
        customer__erased_at__isnull=True,
        cancelled_at__isnull=True,
        created_at__gte=start,
        created_at__lt=end,
    ).values_list("customer_id", "created_at")
    for customer_id, created_at in rows.iterator(chunk_size=5000):
        days.setdefault(customer_id, set()).add(created_at.date())
    return {customer_id: len(seen) for customer_id, seen in days.items()}


def latest_run(store: Store) -> PredictionRun | None:
    return PredictionRun.objects.filter(store=store).order_by("-created_at", "-pk").first()


def list_predictions(store: Store, *, rfm_group=None, spend_tier=None, order="-predicted_value_365"):
    """The store's predictions, filtered; empty numbers sort last whichever the direction."""
    found = CustomerPrediction.objects.filter(store=store)
    if rfm_group:
        found = found.filter(rfm_group=rfm_group)
    if spend_tier:
        found = found.filter(spend_tier=spend_tier)
    field = F(order.lstrip("-"))
    ordering = field.desc(nulls_last=True) if order.startswith("-") else field.asc(nulls_last=True)
    return found.order_by(ordering, "customer_id")


def prediction_for(store: Store, customer_id: int) -> CustomerPrediction | None:
    return CustomerPrediction.objects.filter(store=store, customer_id=customer_id).first()


@dataclass(frozen=True)
class Outlook:
    """What the customer page shows of a customer's predictions: their row (None before the first
    refresh, or without an order) and the store's last run (None before the first)."""

    prediction: CustomerPrediction | None
    run: PredictionRun | None

    @property
    def alive_percent(self) -> float | None:
        p = self.prediction.probability_alive if self.prediction else None
        return None if p is None else 100 * p


def customer_outlook(store: Store, customer_id: int) -> Outlook:
    return Outlook(prediction=prediction_for(store, customer_id), run=latest_run(store))


def list_segments(store: Store) -> QuerySet[Segment]:
    return Segment.objects.filter(store=store).order_by("name", "pk")


def get_segment(store: Store, segment_id: int) -> Segment:
    """The store's segment, or Http404 (another store's id too)."""
    segment = Segment.objects.filter(store=store, pk=segment_id).first()
    if segment is None:
        raise Http404("No such segment.")
    return segment


def segment_members(segment: Segment) -> QuerySet[Customer]:
    """The segment's members in id order (a stable order for paging and exports): its rows, or, until
    they are made for the query as it is now (a new or edited segment), whoever the query matches now."""
    if segment.members_are_current:
        members = Customer.objects.filter(store=segment.store, segment_memberships__segment=segment)
        return members.order_by("pk")
    from .query import customers_matching

    return customers_matching(segment.store, segment.query).order_by("pk")


def segment_member_ids(segment: Segment) -> QuerySet:
    """The members' ids, as a subquery (`pk__in=`): the rows, or the query's matches as above."""
    if segment.members_are_current:
        return SegmentMember.objects.filter(segment=segment).values("customer_id")
    from .query import customers_matching

    return customers_matching(segment.store, segment.query).values("pk")


@dataclass(frozen=True)
class MemberChanges:
    entered: int
    left: int


def recent_member_changes(segment: Segment, *, days: int = 7, now: datetime | None = None) -> MemberChanges:
    """How many customers entered and left the segment in the last `days` days (one query)."""
    since = (now or timezone.now()) - timedelta(days=days)
    counts = dict(
        SegmentChange.objects.filter(segment=segment, at__gte=since)
        .values_list("change")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return MemberChanges(
        entered=counts.get(SegmentChange.Change.ENTERED, 0), left=counts.get(SegmentChange.Change.LEFT, 0)
    )


def list_customer_segments(store: Store, customer_id: int) -> list[Segment]:
    """The store's segments the customer is in by their rows, by name."""
    return list(
        Segment.objects.filter(store=store, memberships__customer_id=customer_id).order_by("name", "pk")
    )


def segment_counts(segment: Segment, *, days: int = 365) -> list[SegmentCount]:
    return list(SegmentCount.objects.filter(segment=segment).order_by("-day")[:days])[::-1]
