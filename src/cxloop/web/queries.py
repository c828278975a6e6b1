"""Reads for the overview page: headline numbers and the daily revenue series.

Every number is one aggregate query over the store's rows; nothing loops over
orders or events in Python.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cxloop.commerce.models import Event, Order
from cxloop.core.models import Store

PERIOD_DAYS = 30
CHART_DAYS = 60

NET_TOTAL = ExpressionWrapper(
    F("total") - F("refunded_amount"), output_field=DecimalField(max_digits=14, decimal_places=2)
)


@dataclass
class Comparison:
    """A number for the last period and the one before it."""

    current: Decimal | int | None
    previous: Decimal | int | None
    is_rate: bool = False

    @property
    def change(self) -> Decimal | None:
        """Percent change for amounts and counts; percentage points for rates."""
        if self.current is None or self.previous is None:
            return None
        if self.is_rate:
            return (Decimal(self.current) - Decimal(self.previous)).quantize(Decimal("0.1"))
        if not self.previous:
            return None
        change = (Decimal(self.current) - Decimal(self.previous)) * 100 / Decimal(self.previous)
        return change.quantize(Decimal("0.1"))

    @property
    def direction(self) -> str:
        change = self.change
        if change is None or change == 0:
            return "flat"
        return "up" if change > 0 else "down"

    @property
    def magnitude(self) -> Decimal | None:
        change = self.change
        return None if change is None else abs(change)


@dataclass
class Overview:
    revenue: Comparison
    orders: Comparison
    customers: Comparison
    repeat_rate: Comparison
    conversion_rate: Comparison
    has_orders: bool
    has_sessions: bool


@dataclass
class DayRevenue:
    day: date
    revenue: Decimal


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _windows(now: datetime) -> tuple[Q, Q, datetime]:
    current_start = now - timedelta(days=PERIOD_DAYS)
    previous_start = current_start - timedelta(days=PERIOD_DAYS)
    return (
        Q(created_at__gte=current_start, created_at__lt=now),
        Q(created_at__gte=previous_start, created_at__lt=current_start),
        previous_start,
    )


def build_overview(store: Store, *, now: datetime | None = None) -> Overview:
    """The last 30 days against the 30 before: revenue, orders, customers,
    repeat-purchase rate and conversion rate. Cancelled orders do not count;
    revenue is net of refunds and only in the store's currency."""
    now = now or timezone.now()
    current, previous, since = _windows(now)
    orders = Order.objects.filter(store=store, cancelled_at__isnull=True, created_at__gte=since)
    same_currency = Q(currency=store.currency)
    totals = orders.aggregate(
        revenue_cur=Sum(NET_TOTAL, filter=current & same_currency),
        revenue_prev=Sum(NET_TOTAL, filter=previous & same_currency),
        orders_cur=Count("id", filter=current),
        orders_prev=Count("id", filter=previous),
    )
    per_customer = (
        orders.filter(customer__isnull=False)
        .values("customer_id")
        .annotate(n_cur=Count("id", filter=current), n_prev=Count("id", filter=previous))
        .aggregate(
            buyers_cur=Count("customer_id", filter=Q(n_cur__gte=1)),
            buyers_prev=Count("customer_id", filter=Q(n_prev__gte=1)),
            repeat_cur=Count("customer_id", filter=Q(n_cur__gte=2)),
            repeat_prev=Count("customer_id", filter=Q(n_prev__gte=2)),
        )
    )
    current_start = now - timedelta(days=PERIOD_DAYS)
    event_current = Q(occurred_at__gte=current_start, occurred_at__lt=now)
    event_previous = Q(occurred_at__gte=since, occurred_at__lt=current_start)
    viewed, placed = Q(type="page_view"), Q(type="order_placed")
    sessions = (
        Event.objects.filter(store=store, occurred_at__gte=since, type__in=["page_view", "order_placed"])
        .exclude(session_id="")
        .aggregate(
            viewed_cur=Count("session_id", distinct=True, filter=viewed & event_current),
            viewed_prev=Count("session_id", distinct=True, filter=viewed & event_previous),
            placed_cur=Count("session_id", distinct=True, filter=placed & event_current),
            placed_prev=Count("session_id", distinct=True, filter=placed & event_previous),
        )
    )
    return Overview(
        revenue=Comparison(totals["revenue_cur"] or Decimal(0), totals["revenue_prev"] or Decimal(0)),
        orders=Comparison(totals["orders_cur"], totals["orders_prev"]),
        customers=Comparison(per_customer["buyers_cur"], per_customer["buyers_prev"]),
        repeat_rate=Comparison(
            _rate(per_customer["repeat_cur"], per_customer["buyers_cur"]),
            _rate(per_customer["repeat_prev"], per_customer["buyers_prev"]),
            is_rate=True,
        ),
        conversion_rate=Comparison(
            _rate(sessions["placed_cur"], sessions["viewed_cur"]),
            _rate(sessions["placed_prev"], sessions["viewed_prev"]),
            is_rate=True,
        ),
        has_orders=bool(totals["orders_cur"] or totals["orders_prev"]),
        has_sessions=bool(sessions["viewed_cur"] or sessions["viewed_prev"]),
    )


def list_daily_revenue(store: Store, *, now: datetime | None = None) -> list[DayRevenue]:
    """Net revenue per day (in the store's time zone) for the last 60 days, oldest
    first, with a zero for every day without orders."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(store.timezone or "UTC")
    today = timezone.localtime(now, tz).date()
    first_day = today - timedelta(days=CHART_DAYS - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=tz)
    rows = (
        Order.objects.filter(
            store=store,
            cancelled_at__isnull=True,
            currency=store.currency,
            created_at__gte=start,
            created_at__lte=now,
        )
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(revenue=Sum(NET_TOTAL))
        .order_by("day")
    )
    by_day = {row["day"]: row["revenue"] or Decimal(0) for row in rows}
    return [
        DayRevenue(day, by_day.get(day, Decimal(0)))
        for day in (first_day + timedelta(days=i) for i in range(CHART_DAYS))
    ]
