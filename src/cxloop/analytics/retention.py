"""Retention on the reports page: how long customers take to order again, and who is active each month.

    gaps = order_gaps(churn.histogram)          # from the histogram the churn card already read
    gaps.buckets[0].orders, gaps.median          # repeat orders within 0-7 days; the median in days
    months = build_monthly_active(store)        # the last 12 calendar months, oldest first
    months[-1].active, months[-1].buyers

Time between orders
    For every repeat order (not cancelled, with a customer, placed before now), the whole days
    (rounded down) since the same customer's order before it, by (time, id): metrics.gap_days,
    the histogram the churn threshold is suggested from. Bucketed in GAP_BUCKETS; the median is
    of those whole days, the two middle ones' mean for an even count.

Monthly active customers
    For each of the last `months` calendar months in the store's timezone (this one so far
    included), the distinct customers with a storefront event or an order (not cancelled) in
    it, and how many of them ordered. A month runs from midnight on its first day to midnight
    on the next month's first, each in the store's zone as it was then (summer time or not):
    the bounds are worked out in Python and compared with, so every engine cuts them alike. A
    Persian page counts Solar Hijri months (Azar, Dey ...), as it writes its dates, unless the
    reader chose the Gregorian calendar.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import ibis
import jdatetime
from django.utils import timezone
from ibis import _
from ibis.expr import types as ir

from cxloop.core.formats import GREGORIAN, JALALI

from . import metrics
from .metrics import Tables, _instant, _placed, _within
from .reports import _rate, _zone, engine

# (first day, last day) of each bucket of days between orders; None: no end.
GAP_BUCKETS = ((0, 7), (8, 30), (31, 60), (61, 90), (91, 180), (181, 365), (366, None))


@dataclass
class GapBucket:
    low: int
    high: int | None  # None: and more
    orders: int  # repeat orders this many days after the customer's order before
    share: Decimal | None  # of all repeat orders, in per cent


@dataclass
class OrderGaps:
    buckets: list[GapBucket]
    repeat_orders: int
    median: Decimal | None  # days; None without a repeat order


def order_gaps(histogram: dict[int, int]) -> OrderGaps:
    """The buckets and the median of a histogram of whole days between orders (metrics.gap_days)."""
    total = sum(histogram.values())
    buckets = []
    for low, high in GAP_BUCKETS:
        orders = sum(n for gap, n in histogram.items() if gap >= low and (high is None or gap <= high))
        buckets.append(GapBucket(low, high, orders, _rate(orders, total)))
    return OrderGaps(buckets=buckets, repeat_orders=total, median=median_days(histogram))


def median_days(histogram: dict[int, int]) -> Decimal | None:
    """The median of the gaps counted in `histogram`; the mean of the two middle ones for an even count."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = ((total - 1) // 2, total // 2)  # 0-based positions in the sorted gaps
    found, seen = [], 0
    for gap in sorted(histogram):
        seen += histogram[gap]
        while len(found) < 2 and middle[len(found)] < seen:
            found.append(gap)
    return Decimal(found[0] + found[1]) / 2


def build_order_gaps(store, *, now: datetime | None = None, backend=None, tables=None) -> OrderGaps:
    """Time between orders for the store's repeat orders placed before `now` (the CSV; the page reuses
    the churn card's histogram through `order_gaps`)."""
    until = now or timezone.now()
    with engine(backend, tables) as (backend, tables):
        rows = backend.to_pyarrow(metrics.gap_days(tables, store.pk, until)).to_pylist()
    return order_gaps({int(row["gap"]): int(row["count"]) for row in rows})


def monthly_active_customers(t: Tables, store_id: int, starts: list[datetime]) -> ir.Table:
    """Per month (0 for the first of `starts`), the distinct customers with a storefront event or an
    order (not cancelled) in it (`active`), and of them, those with an order (`buyers`). `starts` are
    the instants the months begin at, and after them the end of the last one."""
    since, until = starts[0], starts[-1]
    orders = _placed(t, store_id)
    orders = orders.filter(_within(orders.created_at, since, until), orders.customer_id.notnull())
    ordered = orders.select(
        "customer_id", month=_month_of(orders.created_at, starts), ordered=ibis.literal(1, "int64")
    )
    events = t.events
    events = events.filter(
        events.store_id == store_id, _within(events.occurred_at, since, until), events.customer_id.notnull()
    )
    seen = events.select(
        "customer_id", month=_month_of(events.occurred_at, starts), ordered=ibis.literal(0, "int64")
    )
    both = ordered.union(seen, distinct=True)
    per = both.group_by(["month", "customer_id"]).aggregate(ordered=_.ordered.max())
    return per.group_by("month").aggregate(active=_.count(), buyers=_.ordered.sum())


def _month_of(column, starts: list[datetime]):
    """Which month of `starts` (0, 1, ...) a time within [starts[0], starts[-1]) falls in."""
    cases = [(column < _instant(start), number) for number, start in enumerate(starts[1:-1])]
    return ibis.cases(*cases, else_=len(starts) - 2) if cases else ibis.literal(0, "int64")


def month_starts(store, months: int, now: datetime | None = None, calendar: str = GREGORIAN) -> list[date]:
    """The first days of the last `months` calendar months in the store's timezone (this one last), and
    the first day of the next month after them: Gregorian months, or Solar Hijri ones (JALALI, the
    calendar a Persian page reads in), each as the Gregorian day it begins on."""
    today = (now or timezone.now()).astimezone(_zone(store)).date()
    if calendar == JALALI:
        local = jdatetime.date.fromgregorian(date=today)
        index = local.year * 12 + local.month - 1
        return [
            jdatetime.date(n // 12, n % 12 + 1, 1).togregorian() for n in range(index - months + 1, index + 2)
        ]
    index = today.year * 12 + today.month - 1
    return [date(n // 12, n % 12 + 1, 1) for n in range(index - months + 1, index + 2)]


@dataclass
class ActiveMonth:
    month: date  # its first day (Gregorian, also of a Solar Hijri month)
    active: int  # customers with a storefront event or an order in it
    buyers: int  # of them, with an order

    @property
    def buyer_share(self) -> Decimal | None:
        return _rate(self.buyers, self.active)


def build_monthly_active(
    store,
    *,
    months: int = 12,
    calendar: str = GREGORIAN,
    now: datetime | None = None,
    backend=None,
    tables=None,
) -> list[ActiveMonth]:
    """Monthly active customers of the last `months` months of `calendar` (this one so far), oldest
    first."""
    days = month_starts(store, months, now, calendar)
    zone = _zone(store)
    starts = [datetime.combine(day, time.min, tzinfo=zone) for day in days]
    with engine(backend, tables) as (backend, tables):
        rows = backend.to_pyarrow(monthly_active_customers(tables, store.pk, starts)).to_pylist()
    found = {int(row["month"]): row for row in rows}
    return [
        ActiveMonth(
            month=day,
            active=int(found.get(number, {}).get("active") or 0),
            buyers=int(found.get(number, {}).get("buyers") or 0),
        )
        for number, day in enumerate(days[:-1])
    ]
