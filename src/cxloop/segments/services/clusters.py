"""The store's customer clusters, each with a segment query that approximates it.

    found = cluster_customers(store=store, k=4)
    if found.enough_data:
        for cluster in found.clusters:
            cluster.label, cluster.size, cluster.words, cluster.query
            # "A", 212, (recent, frequent, high spend), "last_order_date BETWEEN -41d AND -6d AND ..."

The buyers are the store's customers, not erased, with an order and a known
last order (a customer whose only history is the platform's totals has no
dates to cluster on). Their record's facts are read in one query and
clustered by `segments.clusters` (k-means on recency, orders, spend, order
value and tenure). Days are counted between store-local dates, as segment
queries count them, so a cluster's query and its numbers agree.

A cluster is a region in five dimensions; a segment is a few ranges. The query
offered for each cluster is the box of its members' inter-quartile ranges
(QUERY_PERCENTILES) on last_order_date, number_of_orders and amount_spent: it
picks mostly the cluster's members, but only some of them, and a few others.
`matched` and `matched_members` say how many, so the page can say how close it
is. Measured on the demo store (1,310 buyers, k = 3 to 6): 88-100 % of the
customers a query matches are in its cluster, and they are about a quarter
of it; the 15th-85th percentiles would give 88-100 % and about half.
"""

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cxloop.commerce.models import Customer
from cxloop.core.errors import InvalidInput
from cxloop.core.models import Store

from ..clusters import MAX_K, MIN_K, Centre, Cluster, Features, find_clusters
from ..query.fields import Context
from ..query.grammar import MAX_RELATIVE

MIN_BUYERS = 30
DEFAULT_K = 4
QUERY_PERCENTILES = (15, 85)  # the range of the members' values each condition of a cluster's query spans


@dataclass(frozen=True)
class CustomerCluster:
    label: str
    customer_ids: np.ndarray
    centre: Centre  # the median member: days since the last and first order, orders, spend, order value
    words: tuple[Promise, ...]
    share: float  # of the buyers, in percent
    query: str  # a segment query approximating the cluster
    matched: int  # buyers the query matches
    matched_members: int  # of them, in the cluster

    @property
    def size(self) -> int:
        return len(self.customer_ids)

    @property
    def days_since_last(self) -> int:
        return round(self.centre.recency)

    @property
    def days_since_first(self) -> int:
        return round(self.centre.tenure)


@dataclass(frozen=True)
class StoreClusters:
    k: int  # as asked; fewer clusters come back when the buyers are too alike
    as_of: datetime
    buyers: int
    clusters: list[CustomerCluster]

    @property
    def enough_data(self) -> bool:
        return self.buyers >= MIN_BUYERS


@dataclass(frozen=True)
class _Buyers:
    ids: np.ndarray
    features: Features


def cluster_customers(*, store: Store, k: int, as_of: datetime | None = None) -> StoreClusters:
    """Group the store's buyers into k clusters at `as_of` (now by default), largest spend first.

    Reads only. InvalidInput for k outside 2-8; with fewer than MIN_BUYERS buyers, no clusters
    (`enough_data` is False).
    """
    if not MIN_K <= k <= MAX_K:
        raise InvalidInput(
            _("Choose from %(low)d to %(high)d clusters.") % {"low": MIN_K, "high": MAX_K}, field="k"
        )
    context = Context(store=store, now=as_of or timezone.now())
    buyers = _read_buyers(store, context)
    count = len(buyers.ids)
    if count < MIN_BUYERS:
        return StoreClusters(k=k, as_of=context.now, buyers=count, clusters=[])
    found = [_with_query(cluster, buyers) for cluster in find_clusters(buyers.features, k)]
    return StoreClusters(k=k, as_of=context.now, buyers=count, clusters=found)


def _read_buyers(store: Store, context: Context) -> _Buyers:
    """The buyers' facts in one query; days between the store's today and the order's store-local date."""
    rows = (
        Customer.objects.filter(
            store=store, erased_at__isnull=True, orders_count__gte=1, last_order_at__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "last_order_at", "first_order_at", "orders_count", "amount_spent")
    )
    zone, today = context.zone, context.today
    ids, recency, tenure, orders, spent = [], [], [], [], []
    for pk, last_order_at, first_order_at, orders_count, amount_spent in rows.iterator(chunk_size=5000):
        ids.append(pk)
        recency.append((today - last_order_at.astimezone(zone).date()).days)
        tenure.append((today - (first_order_at or last_order_at).astimezone(zone).date()).days)
        orders.append(orders_count)
        spent.append(float(amount_spent))
    # an order after `as_of` (when a past day is asked for) counts as on that day
    recency_a = np.maximum(np.array(recency, dtype=float), 0)
    tenure_a = np.maximum(np.array(tenure, dtype=float), 0)
    orders_a, spent_a = np.array(orders, dtype=float), np.array(spent, dtype=float)
    aov = spent_a / np.maximum(orders_a, 1)
    features = Features(recency=recency_a, orders=orders_a, spent=spent_a, aov=aov, tenure=tenure_a)
    return _Buyers(ids=np.array(ids, dtype=np.int64), features=features)


def _with_query(cluster: Cluster, buyers: _Buyers) -> CustomerCluster:
    """The cluster with its members' ids, its share of the buyers and its approximating query."""
    features, members = buyers.features, cluster.members
    ranges = {
        "recency": _range(features.recency[members], upper=MAX_RELATIVE["d"]),
        "orders": _range(features.orders[members]),
        "spent": _range(features.spent[members]),
    }
    inside = np.ones(len(buyers.ids), dtype=bool)
    for name, (low, high) in ranges.items():
        column = getattr(features, name)
        inside &= (column >= low) & (column <= high)
    in_cluster = np.zeros(len(buyers.ids), dtype=bool)
    in_cluster[members] = True
    return CustomerCluster(
        label=cluster.label,
        customer_ids=buyers.ids[members],
        centre=cluster.centre,
        words=cluster.words,
        share=100 * len(members) / len(buyers.ids),
        query=build_query(**ranges),
        matched=int(inside.sum()),
        matched_members=int((inside & in_cluster).sum()),
    )


def _range(values: np.ndarray, *, upper: int = 10**11) -> tuple[int, int]:
    """The members' inter-quartile range, widened to whole numbers (days, orders, currency units)."""
    low, high = np.percentile(values, QUERY_PERCENTILES)
    return min(math.floor(low), upper), min(math.ceil(high), upper)


def build_query(*, recency: tuple[int, int], orders: tuple[int, int], spent: tuple[int, int]) -> str:
    """A segment query for customers whose last order was `recency` days ago, with `orders` orders
    and `spent` spent (each a closed range): `build_query(recency=(6, 41), orders=(2, 4), spent=(80, 300))`
    -> "last_order_date BETWEEN -41d AND -6d AND number_of_orders BETWEEN 2 AND 4 AND amount_spent ..."."""
    newest, oldest = recency
    conditions = [
        _between("last_order_date", _day(oldest), _day(newest)),
        _between("number_of_orders", *orders),
        _between("amount_spent", *spent),
    ]
    return " AND ".join(conditions)


def _day(days_ago: int) -> str:
    return "today" if days_ago == 0 else f"-{days_ago}d"


def _between(field: str, low, high) -> str:
    return f"{field} = {low}" if low == high else f"{field} BETWEEN {low} AND {high}"
