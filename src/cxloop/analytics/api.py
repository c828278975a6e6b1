"""The reports over the API: read-only, the numbers the reports page shows, from the same builders.

    GET /api/v1/reports/summary?days=30                 the dashboard's figures and the period before
    GET /api/v1/reports/summary?from=2026-11-01&to=2026-11-30
    GET /api/v1/reports/channels?model=last|first|linear
    GET /api/v1/reports/journeys   /reports/satisfaction   /reports/support
    GET /api/v1/reports/cohorts?months=12   /reports/churn?churn_days=90   /reports/voice
    GET /api/v1/reports/products   /reports/funnel   (a period)       /reports/retention

A period is `days` (7, 30 or 90: the last days, today included) or `from` and `to` (store-local days,
both included, at most 366, not after today); without either, the last 30 days. Money is a decimal
string in the store's `currency`; rates are per cent, one decimal, null when undefined (no orders, no
sessions, ...). Before the warehouse's first copy the answer is 409 `warehouse_missing`; while a copy
holds it, 503 with Retry-After.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import wraps
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from cxloop.core.apierrors import ErrorOut
from cxloop.core.errors import Conflict, DomainError, InvalidInput
from cxloop.core.inputs import InputDate

from . import metrics
from .reports import (
    ATTRIBUTION_DAYS,
    CHURN_DAYS_RANGE,
    PERIODS,
    InvalidRange,
    Period,
    build_channels,
    build_churn,
    build_cohorts,
    build_dashboard,
    build_journeys,
    build_satisfaction,
    build_voice,
    days_period,
    range_bounds,
)
from .support import build_support
from .warehouse import WarehouseBusy, WarehouseMissing

router = Router(tags=["reports"])

DEFAULT_DAYS = 30
CENT = Decimal("0.01")
VOICE_DAYS = 90  # as the reports page (views.VOICE_DAYS)
VOICE_LOOKBACK_DAYS = 365
BUSY_RETRY_AFTER = 2  # seconds: a copy holds the warehouse for a few
ERRORS = {409: ErrorOut, 503: ErrorOut}


class WarehouseNotReady(Conflict):
    code = "warehouse_missing"


class WarehouseUnavailable(DomainError):
    status = 503
    code = "unavailable"
    retry_after = BUSY_RETRY_AFTER


def from_warehouse(view: Callable) -> Callable:
    """The endpoint's builders read the warehouse: missing is a 409, busy a 503 with Retry-After."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except WarehouseMissing:
            raise WarehouseNotReady(
                "The reports' data is not ready: the worker has not made the analytics warehouse's "
                "first copy yet (docs/analytics.md)."
            ) from None
        except WarehouseBusy:
            raise WarehouseUnavailable(
                "The analytics warehouse is being updated; retry in a moment."
            ) from None

    return wrapper


def _whole_number(value):
    # A query string's "30" is the number 30 (a Literal takes no text); only ASCII digits, so "٣٠" is not.
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value


class PeriodQuery(Schema):
    days: Annotated[Literal[PERIODS], BeforeValidator(_whole_number)] | None = Field(  # type: ignore[valid-type]
        None, description="The last 7, 30 or 90 days, today included (the default: 30). Not with from/to."
    )
    from_: InputDate | None = Field(
        None, alias="from", description="The first day (store-local, YYYY-MM-DD), with `to`."
    )
    to: InputDate | None = Field(
        None, description="The last day, included; at most 366 days from `from`, not after today."
    )


def _period(store, query: PeriodQuery) -> Period:
    """The period asked for; InvalidInput (422) naming the parameter at fault."""
    if query.days is not None and (query.from_ is not None or query.to is not None):
        raise InvalidInput("days: give either days or from and to, not both.", field="days")
    if (query.from_ is None) != (query.to is None):
        missing = "to" if query.to is None else "from"
        raise InvalidInput(f"{missing}: give from and to together.", field=missing)
    if query.from_ is None:
        return days_period(store, query.days or DEFAULT_DAYS)
    try:
        return range_bounds(store, query.from_, query.to)
    except InvalidRange as error:
        raise InvalidInput(f"{error.field}: {error.message}", field=error.field) from None


class PeriodOut(Schema):
    first_day: date = Field(description="The period's first day, store-local.")
    last_day: date = Field(description="Its last day, included.")
    days: int
    previous_first_day: date = Field(description="The period before: as many days, ending the day before.")
    previous_last_day: date


def _period_out(period: Period) -> PeriodOut:
    return PeriodOut(
        first_day=period.first, last_day=period.last, days=period.days,
        previous_first_day=period.first - timedelta(days=period.days),
        previous_last_day=period.first - timedelta(days=1),
    )  # fmt: skip


class CountCompared(Schema):
    current: int
    previous: int | None


class MoneyCompared(Schema):
    current: Decimal | None = Field(
        description="A decimal string in the store's currency; null if undefined."
    )
    previous: Decimal | None


class RateCompared(Schema):
    current: Decimal | None = Field(description="Per cent, one decimal; null when undefined.")
    previous: Decimal | None


class FunnelStep(Schema):
    step: str = Field(description="page_view, product_view, add_to_cart, checkout_started, order_placed")
    sessions: int
    share: Decimal | None = Field(description="Of the first step's sessions, per cent.")


class DayOut(Schema):
    day: date
    orders: int
    net: Decimal


class ReferredOut(Schema):
    link_only: int
    code_only: int
    both: int


REFERRED = ("link_only", "code_only", "both")


class SummaryOut(Schema):
    period: PeriodOut
    currency: str
    net: MoneyCompared
    gross: MoneyCompared
    refunds: MoneyCompared
    orders: CountCompared
    average_order: MoneyCompared
    new_customers: CountCompared
    returning_rate: RateCompared
    repeat_rate: RateCompared
    active_customers: CountCompared
    conversion: RateCompared
    referral_rate: RateCompared
    contact_rate: RateCompared = Field(description="Help desk conversations per 100 orders.")
    net_from_new: MoneyCompared = Field(description="Net of the orders of customers new in the period.")
    net_from_returning: MoneyCompared = Field(
        description="Net of the orders of customers who ordered before."
    )
    net_from_guests: MoneyCompared = Field(description="Net of the orders placed without a customer.")
    referred_by: ReferredOut = Field(description="The period's new customers who came through a referral.")
    funnel: list[FunnelStep]
    days: list[DayOut]


def _compared(schema, comparison):
    if schema is MoneyCompared:
        return schema(current=_cents(comparison.current), previous=_cents(comparison.previous))
    return schema(current=comparison.current, previous=comparison.previous)


def _cents(amount: Decimal | None) -> Decimal | None:
    """Money to the cent, as the store's amounts are (a sum of none is 0, said 0.00)."""
    return None if amount is None else Decimal(amount).quantize(CENT)


@router.get("/reports/summary", response={200: SummaryOut, **ERRORS}, summary="The dashboard's figures")
@from_warehouse
def get_summary(request, query: Query[PeriodQuery]):
    period = _period(request.store, query)
    report = build_dashboard(request.store, period=period)
    money = ("net", "gross", "refunds", "average_order")
    counts = ("orders", "new_customers", "active_customers")
    rates = ("returning_rate", "repeat_rate", "conversion", "referral_rate", "contact_rate")
    return SummaryOut(
        period=_period_out(period), currency=request.store.currency,
        **{name: _compared(MoneyCompared, getattr(report, name)) for name in money},
        **{name: _compared(CountCompared, getattr(report, name)) for name in counts},
        **{name: _compared(RateCompared, getattr(report, name)) for name in rates},
        net_from_new=_compared(MoneyCompared, report.revenue.new_net),
        net_from_returning=_compared(MoneyCompared, report.revenue.returning_net),
        net_from_guests=_compared(MoneyCompared, report.revenue.guest_net),
        referred_by=ReferredOut(**dict(zip(REFERRED, report.referred_by, strict=True))),
        funnel=[FunnelStep(step=step, sessions=n, share=share) for step, n, share in report.funnel],
        days=[DayOut(day=day.day, orders=day.orders, net=_cents(day.net)) for day in report.days],
    )  # fmt: skip


class ChannelOut(Schema):
    channel: str
    orders: Decimal = Field(description="Orders credited (shares of orders under the linear model).")
    net: Decimal
    share: Decimal | None = Field(description="Of the period's credited net, per cent.")


class ChannelsOut(Schema):
    period: PeriodOut
    currency: str
    model: str
    window_days: int = Field(description="An order's touches: its customer's visits this many days before.")
    channels: list[ChannelOut] = Field(description="By last-touch net, largest first.")


class ChannelsQuery(PeriodQuery):
    model: Literal[metrics.ATTRIBUTION_MODELS] = Field("last", description="The attribution model.")  # type: ignore[valid-type]


@router.get("/reports/channels", response={200: ChannelsOut, **ERRORS}, summary="Net revenue by channel")
@from_warehouse
def get_channels(request, query: Query[ChannelsQuery]):
    period = _period(request.store, query)
    channels = build_channels(request.store, period=period)
    credits = [(channel.name, getattr(channel, query.model)) for channel in channels]
    rows = [ChannelOut(channel=n, orders=c.orders, net=_cents(c.net), share=c.share) for n, c in credits]
    return ChannelsOut(
        period=_period_out(period), currency=request.store.currency, model=query.model,
        window_days=ATTRIBUTION_DAYS,
        channels=rows,
    )  # fmt: skip


class EntryPageOut(Schema):
    path: str
    sessions: int
    ordered: int
    rate: Decimal | None


class BucketOut(Schema):
    bucket: str
    customers: int


class PathOut(Schema):
    steps: list[str] = Field(description="A page's path, or an event type.")
    more: bool = Field(description="The path went on past its last step shown.")
    customers: int
    share: Decimal | None
    median_seconds: int | None = Field(description="From the path's first step to the order.")


class JourneysOut(Schema):
    period: PeriodOut
    currency: str
    entry_pages: list[EntryPageOut]
    sessions: list[BucketOut] = Field(
        description="First buyers by sessions up to the order: 1, 2, 3 (3-5), 6+, 0."
    )
    days: list[BucketOut] = Field(
        description="By days from the first visit: 0, 1 (1-7), 8 (8-30), 31+, none."
    )
    first_buyers: int
    average_sessions: Decimal | None
    average_days: Decimal | None
    checkouts_started: int
    checkouts_abandoned: int
    abandoned_value: Decimal
    abandonment: Decimal | None
    paths: list[PathOut]


@router.get("/reports/journeys", response={200: JourneysOut, **ERRORS}, summary="The customer journey")
@from_warehouse
def get_journeys(request, query: Query[PeriodQuery]):
    period = _period(request.store, query)
    journeys = build_journeys(request.store, period=period)
    return JourneysOut(
        period=_period_out(period), currency=request.store.currency,
        entry_pages=[
            EntryPageOut(path=e.path, sessions=e.sessions, ordered=e.ordered, rate=e.rate)
            for e in journeys.entry_pages
        ],
        sessions=[BucketOut(bucket=b, customers=n) for b, n in journeys.sessions],
        days=[BucketOut(bucket=b, customers=n) for b, n in journeys.days],
        first_buyers=journeys.first_buyers, average_sessions=journeys.average_sessions,
        average_days=journeys.average_days, checkouts_started=journeys.checkouts_started,
        checkouts_abandoned=journeys.checkouts_abandoned, abandoned_value=journeys.abandoned_value,
        abandonment=journeys.abandonment,
        paths=[
            PathOut(
                steps=p.steps, more=p.more, customers=p.customers, share=p.share,
                median_seconds=None if p.median is None else int(p.median.total_seconds()),
            )
            for p in journeys.paths
        ],
    )  # fmt: skip


class CohortCellOut(Schema):
    retention: Decimal | None = Field(description="Of the cohort, who ordered that month, per cent.")
    net: Decimal


class CohortOut(Schema):
    month: date = Field(description="The month of the customers' first order (its first day).")
    customers: int
    cells: list[CohortCellOut | None] = Field(description="Per month since; null for a month still to come.")


class CohortsOut(Schema):
    currency: str
    months: int
    cohorts: list[CohortOut] = Field(description="The newest first.")


class CohortsQuery(Schema):
    months: int = Field(12, ge=1, le=24, description="How many months of cohorts, this one included.")


def _cell(cell) -> CohortCellOut | None:
    return None if cell is None else CohortCellOut(retention=cell[0], net=_cents(cell[1]))


@router.get("/reports/cohorts", response={200: CohortsOut, **ERRORS}, summary="Monthly first-order cohorts")
@from_warehouse
def get_cohorts(request, query: Query[CohortsQuery]):
    cohorts = build_cohorts(request.store, months=query.months)
    return CohortsOut(
        currency=request.store.currency, months=query.months,
        cohorts=[
            CohortOut(
                month=row.month, customers=row.customers,
                cells=[_cell(cell) for cell in row.cells],
            )
            for row in cohorts.rows
        ],
    )  # fmt: skip


class ChurnOut(Schema):
    days: int = Field(description="The threshold counted with: no order for this many days.")
    suggested: int | None = Field(description="From the store's times between orders; null with too few.")
    gaps: int
    buyers: int
    churned: int
    rate: Decimal | None


class ChurnQuery(Schema):
    churn_days: int | None = Field(
        None, ge=CHURN_DAYS_RANGE[0], le=CHURN_DAYS_RANGE[1],
        description="Churned after this many days without an order; by default the suggested threshold.",
    )  # fmt: skip


@router.get("/reports/churn", response={200: ChurnOut, **ERRORS}, summary="Churn now")
@from_warehouse
def get_churn(request, query: Query[ChurnQuery]):
    churn = build_churn(request.store, days=query.churn_days)
    return ChurnOut(
        days=churn.days, suggested=churn.suggested, gaps=churn.gaps, buyers=churn.buyers,
        churned=churn.churned, rate=churn.rate,
    )  # fmt: skip


class ScoreOut(Schema):
    answers: int
    value: Decimal | None = Field(description="NPS (-100 to 100) or CSAT (per cent); null without answers.")
    margin: Decimal | None = Field(description="Half the 95 % range, in the value's points.")


class GroupOut(Schema):
    group: str = Field(description="A channel, a month (2026-11) or `earlier`, a spend tier (HIGH, ...).")
    month: date | None
    nps: ScoreOut
    csat: ScoreOut


class SatisfactionOut(Schema):
    period: PeriodOut
    by_channel: list[GroupOut]
    by_month: list[GroupOut]
    by_tier: list[GroupOut]


def _groups(rows) -> list[GroupOut]:
    return [
        GroupOut(group=r.group, month=r.month, nps=ScoreOut(**vars(r.nps)), csat=ScoreOut(**vars(r.csat)))
        for r in rows
    ]


@router.get(
    "/reports/satisfaction", response={200: SatisfactionOut, **ERRORS}, summary="NPS and CSAT by group"
)
@from_warehouse
def get_satisfaction(request, query: Query[PeriodQuery]):
    period = _period(request.store, query)
    found = build_satisfaction(request.store, period=period)
    return SatisfactionOut(
        period=_period_out(period), by_channel=_groups(found.by_channel), by_month=_groups(found.by_month),
        by_tier=_groups(found.by_tier),
    )  # fmt: skip


class OutcomeOut(Schema):
    band: str = Field(description="high (promoters), mid (passives), low (detractors), none (never answered)")
    customers: int
    came_back: int
    rate: Decimal | None
    interval_low: Decimal | None = Field(description="The 95 % Wilson range of the rate, per cent.")
    interval_high: Decimal | None
    net: Decimal
    net_per_customer: Decimal | None


class VoiceOut(Schema):
    currency: str
    days: int = Field(description="Whether they ordered within this many days after answering.")
    lookback_days: int = Field(description="The answers of this many days, ending `days` days ago.")
    bands: list[OutcomeOut]


@router.get("/reports/voice", response={200: VoiceOut, **ERRORS}, summary="Do promoters buy again more?")
@from_warehouse
def get_voice(request):
    outcomes = build_voice(request.store, days=VOICE_DAYS, lookback=VOICE_LOOKBACK_DAYS)
    return VoiceOut(
        currency=request.store.currency, days=VOICE_DAYS, lookback_days=VOICE_LOOKBACK_DAYS,
        bands=[
            OutcomeOut(
                band=o.band, customers=o.customers, came_back=o.came_back, rate=o.rate,
                interval_low=o.interval[0] if o.interval else None,
                interval_high=o.interval[1] if o.interval else None,
                net=_cents(o.net), net_per_customer=_cents(o.net_per_customer),
            )
            for o in outcomes
        ],
    )  # fmt: skip


class SupportCohortOut(Schema):
    customers: int = Field(description="Customers in the group.")
    complete: int = Field(description="Whose window has ended: the ones counted.")
    ordered: int
    share: Decimal | None
    interval_low: Decimal | None
    interval_high: Decimal | None


class SupportOut(Schema):
    period: PeriodOut
    contact_rate: RateCompared = Field(description="Of the period's buyers, who opened a conversation.")
    buyers: int
    contacted: int
    resolved_from: date = Field(description="Conversations resolved from this day...")
    resolved_to: date = Field(description="...to this one (included).")
    window_days: int
    after: SupportCohortOut = Field(description="Customers after a resolved conversation.")
    baseline: SupportCohortOut = Field(description="Other customers.")


def _support_cohort(cohort) -> SupportCohortOut:
    low, high = cohort.interval or (None, None)
    return SupportCohortOut(
        customers=cohort.windows, complete=cohort.complete, ordered=cohort.ordered, share=cohort.share,
        interval_low=low, interval_high=high,
    )  # fmt: skip


@router.get("/reports/support", response={200: SupportOut, **ERRORS}, summary="The help desk's figures")
@from_warehouse
def get_support(request, query: Query[PeriodQuery]):
    period = _period(request.store, query)
    support = build_support(request.store, period=period)
    return SupportOut(
        period=_period_out(period), contact_rate=_compared(RateCompared, support.contact),
        buyers=support.buyers, contacted=support.contacted, resolved_from=support.resolved_since,
        resolved_to=support.resolved_until, window_days=support.window_days,
        after=_support_cohort(support.after), baseline=_support_cohort(support.baseline),
    )  # fmt: skip


class SalesOut(Schema):
    product_id: int | None = Field(description="The product (0: lines without one); null for the rest.")
    title: str | None = Field(description="The product's title; null for the rest together.")
    product_type: str | None = Field(description="By type: the type ('' for none); null for the rest.")
    rest: bool = Field(description="The products (types) after the first ten, together.")
    groups: int = Field(description="How many products (types) the row holds.")
    orders: int
    units: int
    net: Decimal = Field(description="Lines' price x quantity less their discount, before refunds.")
    previous: Decimal | None = Field(description="The period before, the same products; null if none sold.")


class ProductsOut(Schema):
    period: PeriodOut
    currency: str
    by_product: list[SalesOut] = Field(description="The ten best sellers by net, then the rest.")
    by_type: list[SalesOut]


def _sales(rows, by: str) -> list[SalesOut]:
    return [
        SalesOut(
            product_id=row.key if by == "product" and not row.other else None,
            title=row.title if by == "product" and not row.other else None,
            product_type=row.key if by == "type" and not row.other else None,
            rest=row.other,
            groups=row.groups,
            orders=row.orders,
            units=row.units,
            net=_cents(row.net),
            previous=_cents(row.previous),
        )  # fmt: skip
        for row in rows
    ]


@router.get("/reports/products", response={200: ProductsOut, **ERRORS}, summary="Sales by product and type")
@from_warehouse
def get_products(request, query: Query[PeriodQuery]):
    from .products import build_products

    period = _period(request.store, query)
    found = build_products(request.store, period=period)
    return ProductsOut(
        period=_period_out(period), currency=request.store.currency,
        by_product=_sales(found.by_product, "product"), by_type=_sales(found.by_type, "type"),
    )  # fmt: skip


class StepsOut(Schema):
    sessions: int
    product_view: int
    add_to_cart: int
    checkout_started: int
    order_placed: int
    conversion: Decimal | None = Field(description="Sessions that ordered, per cent.")


def _steps_out(steps) -> StepsOut:
    counts = dict(zip(metrics.FUNNEL_STEPS, steps.counts, strict=True))
    return StepsOut(
        sessions=counts["page_view"], product_view=counts["product_view"], add_to_cart=counts["add_to_cart"],
        checkout_started=counts["checkout_started"], order_placed=counts["order_placed"],
        conversion=steps.conversion,
    )  # fmt: skip


class TrendRowOut(StepsOut):
    first_day: date
    last_day: date


class GroupRowOut(StepsOut):
    name: str = Field(description="The channel or country code; '' for direct / not known, or the rest.")
    rest: bool


class FunnelOut(Schema):
    period: PeriodOut
    weekly: bool = Field(
        description="Rows per week of seven days from the first day (90 days), else per day."
    )
    over_time: list[TrendRowOut]
    by_channel: list[GroupRowOut] = Field(description="The 8 with the most sessions, then the rest.")
    by_country: list[GroupRowOut]


def _group_rows(rows) -> list[GroupRowOut]:
    return [GroupRowOut(name=row.name, rest=row.other, **vars(_steps_out(row.steps))) for row in rows]


@router.get(
    "/reports/funnel", response={200: FunnelOut, **ERRORS}, summary="The funnel over time and by group"
)
@from_warehouse
def get_funnel(request, query: Query[PeriodQuery]):
    from .funnels import build_funnel_groups, build_funnel_trend

    period = _period(request.store, query)
    trend = build_funnel_trend(request.store, period=period)
    groups = build_funnel_groups(request.store, period=period)
    return FunnelOut(
        period=_period_out(period), weekly=trend.weekly,
        over_time=[
            TrendRowOut(first_day=row.first, last_day=row.last, **vars(_steps_out(row.steps)))
            for row in trend.rows
        ],
        by_channel=_group_rows(groups.channels), by_country=_group_rows(groups.countries),
    )  # fmt: skip


class GapOut(Schema):
    from_days: int
    to_days: int | None = Field(description="Included; null: and more.")
    orders: int
    share: Decimal | None


class ActiveMonthOut(Schema):
    month: date = Field(description="The month's first day (Gregorian).")
    active: int = Field(description="Customers with a storefront visit or an order in it.")
    buyers: int = Field(description="Of them, with an order.")


class RetentionOut(Schema):
    repeat_orders: int
    median_days_between_orders: Decimal | None
    days_between_orders: list[GapOut]
    monthly_active: list[ActiveMonthOut] = Field(description="The last 12 calendar months, oldest first.")


@router.get("/reports/retention", response={200: RetentionOut, **ERRORS}, summary="Time between orders, MAC")
@from_warehouse
def get_retention(request):
    from .retention import build_monthly_active, build_order_gaps

    gaps = build_order_gaps(request.store)
    months = build_monthly_active(request.store, months=12)
    return RetentionOut(
        repeat_orders=gaps.repeat_orders, median_days_between_orders=gaps.median,
        days_between_orders=[
            GapOut(from_days=b.low, to_days=b.high, orders=b.orders, share=b.share) for b in gaps.buckets
        ],
        monthly_active=[ActiveMonthOut(month=m.month, active=m.active, buyers=m.buyers) for m in months],
    )  # fmt: skip
