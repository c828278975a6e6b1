"""The analytics dashboard: this period against the one before, from the warehouse (or any Ibis backend).

    report = build_dashboard(store, days=30)      # reads the DuckDB warehouse
    report.net.current, report.net.previous, report.days  # a Comparison per tile; a row per day

A period is the last `days` whole days in the store's timezone (today
included); the previous period is the same number of days before it.
"""

import math
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import ibis
import sqlglot
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.utils import timezone
from sqlglot import exp
from sqlglot.optimizer.merge_subqueries import merge_subqueries
from sqlglot.optimizer.qualify import qualify

from cxloop.core import formats
from cxloop.web.queries import Comparison

from . import metrics, rollups
from .revenue import Revenue, compare_revenue
from .warehouse import reading

PERIODS = (7, 30, 90)


@dataclass
class Day:
    day: date
    orders: int = 0
    net: Decimal = Decimal(0)

    @property
    def revenue(self) -> Decimal:  # the bar chart's value
        return self.net


@dataclass
class Dashboard:
    since: date
    until: date  # the period's last day
    net: Comparison
    orders: Comparison
    average_order: Comparison
    new_customers: Comparison
    returning_rate: Comparison
    repeat_rate: Comparison
    active_customers: Comparison
    conversion: Comparison
    referral_rate: Comparison
    contact_rate: Comparison
    funnel: list[tuple[str, int, Decimal | None]] = field(default_factory=list)  # step, sessions, % of first
    # The period's referred new customers: (by a referral link only, by a code on the order only, both).
    referred_by: tuple[int, int, int] = (0, 0, 0)
    days: list[Day] = field(default_factory=list)
    revenue: Revenue | None = None  # the Revenue card: gross, refunds, net ... against the period before
    gross: Comparison | None = None
    refunds: Comparison | None = None


@dataclass
class Figures:
    """One period's numbers."""

    orders: int
    gross: Decimal
    refunds: Decimal
    net: Decimal
    customers: int
    new_customers: int
    buyers: int
    repeat_buyers: int
    active: int
    first_buyers: int  # whose first order was in the period (metrics.referral_rate)
    referred: int  # of them, who came through a referral (a link, a code on the order, or both)
    referred_by: tuple[int, int, int]  # of them: (by a link only, by a code on the order only, both)
    conversations: int  # help desk conversations opened in the period
    funnel: dict[str, int]
    buckets: dict[int, tuple[int, Decimal]]
    new_net: Decimal = Decimal(0)  # of customers whose first order is in the period (metrics.customer_mix)
    returning_net: Decimal = Decimal(0)  # of customers who had ordered before it

    @property
    def average_order(self) -> Decimal | None:
        return (self.gross / self.orders).quantize(Decimal("0.01")) if self.orders else None

    @property
    def returning_rate(self) -> Decimal | None:
        return _rate(self.customers - self.new_customers, self.customers)

    @property
    def repeat_rate(self) -> Decimal | None:
        return _rate(self.repeat_buyers, self.buyers)

    @property
    def conversion(self) -> Decimal | None:
        return _rate(self.funnel.get("order_placed", 0), self.funnel.get("page_view", 0))

    @property
    def referral_rate(self) -> Decimal | None:
        return _rate(self.referred, self.first_buyers)

    @property
    def contact_rate(self) -> Decimal | None:
        """Help desk conversations per 100 orders."""
        return _rate(self.conversations, self.orders)


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


def _one(backend, expr) -> dict:
    rows = backend.to_pyarrow(expr).to_pylist()
    return rows[0] if rows else {}


FIGURES = (
    "revenue", "customer_mix", "repeat_customers", "active_customers", "referral_rate", "support_contacts",
    "funnel", "net_by_bucket",
)  # fmt: skip


def compute_figures(
    backend, tables: metrics.Tables, store_id: int, since: datetime, until: datetime
) -> Figures:
    """Every number of one period, by the metric definitions, on `backend`."""
    found = {name: run_metric(backend, tables, name, store_id, since, until) for name in FIGURES}
    money, mix, repeat, active, referral, contacts, steps = (
        (found[name] or [{}])[0] for name in FIGURES[:-1]
    )
    return Figures(
        orders=money.get("orders") or 0, gross=Decimal(money.get("gross") or 0),
        refunds=Decimal(money.get("refunds") or 0), net=Decimal(money.get("net") or 0),
        customers=mix.get("customers") or 0, new_customers=mix.get("new_customers") or 0,
        buyers=repeat.get("buyers") or 0, repeat_buyers=repeat.get("repeat_buyers") or 0,
        active=active.get("active") or 0,
        first_buyers=referral.get("new_customers") or 0, referred=referral.get("referred") or 0,
        referred_by=tuple(referral.get(key) or 0 for key in ("by_link", "by_code", "by_both")),
        conversations=contacts.get("conversations") or 0,
        funnel={step: steps[step] for step in metrics.FUNNEL_STEPS if steps.get(step)},
        buckets={row["bucket"]: (row["orders"], Decimal(row["net"] or 0)) for row in found["net_by_bucket"]},
        new_net=Decimal(mix.get("new_net") or 0), returning_net=Decimal(mix.get("returning_net") or 0),
    )  # fmt: skip


COMPILED_MAX = 512
_compiled: OrderedDict = OrderedDict()  # (tables.shape, metric, store, since, until) -> SQL, newest last
_compiled_lock = threading.Lock()


def run_metric(backend, tables: metrics.Tables, name: str, store_id: int, since: datetime, until: datetime):
    """The rows (dicts) of metrics.<name> over the period.

    On DuckDB its SQL is compiled once per (tables' shape, metric, store, period) and then run as such
    on the connection: building the expression and compiling it took 5-18 ms a metric, more than the
    query for the small ones (docs/benchmarks.md). A period is whole days, so every view of a day
    after the first reuses it. Other engines run the expression as Ibis does."""
    if tables.engine != "duckdb":
        return backend.to_pyarrow(getattr(metrics, name)(tables, store_id, since, until)).to_pylist()
    key = (tables.shape, name, store_id, since, until)
    with _compiled_lock:
        sql = _compiled.get(key)
        if sql is not None:
            _compiled.move_to_end(key)
    if sql is None:
        sql = flattened(backend.compile(getattr(metrics, name)(tables, store_id, since, until)), tables)
        with _compiled_lock:
            _compiled[key] = sql
            while len(_compiled) > COMPILED_MAX:
                _compiled.popitem(last=False)
    return _dicts(backend.con.execute(sql))


def flattened(sql: str, tables: metrics.Tables) -> str:
    """DuckDB SQL of a query over one table with the derived tables Ibis writes merged into the query
    that reads them (sqlglot's `qualify` and `merge_subqueries`, once per compiled metric).

    A filter before an aggregate compiles to `SELECT count(*) FROM (SELECT * FROM t WHERE ...)`, and
    DuckDB binds every column of `t` for the star: for the tiles of a millisecond that was a fifth of
    the query's time (docs/benchmarks.md). A query with a join or a UNION is left as Ibis wrote it:
    merging a LEFT JOINed subquery's constant column (`TRUE AS hit`) put the constant in the outer
    query, where an unmatched row must read NULL (referral_rate's answer changed), and the UNION of
    active_customers ran no faster merged."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if tree.find(exp.Join, exp.SetOperation) is not None:
        return sql
    schema = {name: dict.fromkeys(columns, "UNKNOWN") for name, columns in tables.columns().items()}
    return merge_subqueries(qualify(tree, schema=schema, dialect="duckdb")).sql("duckdb")


def _dicts(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def period_bounds(store, days: int, *, now: datetime | None = None) -> tuple[date, date, datetime, datetime]:
    """The period's first and last day (store-local) and its [since, until) instants."""
    zone = _zone(store)
    today = (now or timezone.now()).astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, tzinfo=zone)
    until = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return first, today, since, until


def build_dashboard(
    store, *, days: int = 30, now: datetime | None = None, backend=None, tables=None,
    period: "Period | None" = None,
) -> Dashboard:  # fmt: skip
    """The dashboard from the warehouse (or from `backend`/`tables`, e.g. PostgreSQL directly), of the
    last `days` days or of `period` (range_bounds)."""
    # the same number of the store's days before (not of hours: a summer-time change lies between)
    period = period or days_period(store, days, now=now)
    first, last, since, until = period.first, period.last, period.since, period.until
    before_since = period.previous_since
    with engine(backend, tables) as (backend, tables):
        current = compute_figures(backend, tables, store.pk, since, until)
        previous = compute_figures(backend, tables, store.pk, before_since, since)
    return Dashboard(
        since=first, until=last,
        net=Comparison(current.net, previous.net if previous.orders else None),
        gross=Comparison(current.gross, previous.gross if previous.orders else None),
        refunds=Comparison(current.refunds, previous.refunds if previous.orders else None),
        orders=Comparison(current.orders, previous.orders),
        average_order=Comparison(current.average_order, previous.average_order),
        new_customers=Comparison(current.new_customers, previous.new_customers),
        returning_rate=Comparison(current.returning_rate, previous.returning_rate, is_rate=True),
        repeat_rate=Comparison(current.repeat_rate, previous.repeat_rate, is_rate=True),
        active_customers=Comparison(current.active, previous.active),
        conversion=Comparison(current.conversion, previous.conversion, is_rate=True),
        referral_rate=Comparison(current.referral_rate, previous.referral_rate, is_rate=True),
        contact_rate=Comparison(current.contact_rate, previous.contact_rate),
        funnel=_funnel_rows(current.funnel), referred_by=current.referred_by,
        days=_days(current.buckets, first, last, _zone(store)),
        revenue=compare_revenue(current, previous),
    )  # fmt: skip


@contextmanager
def engine(backend=None, tables=None):
    """(backend, tables) to compute on: those given, else the configured engine (CXLOOP_ANALYTICS_ENGINE)."""
    if backend is not None:
        yield backend, tables
    elif settings.CXLOOP_ANALYTICS_ENGINE == "database":
        backend = database_backend()
        yield backend, metrics.database_tables(backend)
    elif settings.CXLOOP_ANALYTICS_ENGINE == "spark":
        from .publish import spark_backend

        backend = spark_backend()
        yield backend, metrics.warehouse_tables(backend)
    else:
        with reading() as con:
            backend = ibis.duckdb.from_connection(con)
            yield backend, metrics.warehouse_tables(backend)


@dataclass
class CohortRow:
    month: date
    customers: int  # who ordered first that month
    cells: list  # per month since: (share of the cohort who ordered, in per cent; net), or None (future)


@dataclass
class Cohorts:
    ages: list[int]
    rows: list[CohortRow]


def build_cohorts(
    store, *, months: int = 12, now: datetime | None = None, backend=None, tables=None, calendar: str = ""
) -> Cohorts:
    """Monthly first-order cohorts of the last `months` months (this one included): retention and net.
    With calendar JALALI, Solar Hijri months (a Persian page's), each named by the day it begins on."""
    if calendar == formats.JALALI:
        return _cohorts_by_starts(store, months, now, backend, tables, calendar)
    zone = _zone(store)
    local_now = (now or timezone.now()).astimezone(zone)
    offset = int(local_now.utcoffset().total_seconds())
    last = local_now.year * 12 + local_now.month - 1
    first = last - months + 1
    with engine(backend, tables) as (backend, tables):
        rows = backend.to_pyarrow(metrics.cohorts(tables, store.pk, first, last, offset)).to_pylist()
    return _cohort_table(rows, first, last, lambda cohort: date(cohort // 12, cohort % 12 + 1, 1))


def _cohorts_by_starts(store, months: int, now, backend, tables, calendar: str) -> Cohorts:
    from .retention import month_starts

    days = month_starts(store, months, now, calendar)
    zone = _zone(store)
    starts = [datetime.combine(day, time.min, tzinfo=zone) for day in days]
    with engine(backend, tables) as (backend, tables):
        rows = backend.to_pyarrow(metrics.cohorts_by_starts(tables, store.pk, starts)).to_pylist()
    return _cohort_table(rows, 0, months - 1, days.__getitem__)


def _cohort_table(rows: list[dict], first: int, last: int, month_of) -> Cohorts:
    """The matrix of the metric's (cohort, age) rows for cohorts numbered first..last (month_of: a
    cohort's first day), the newest first; a month still to come is None."""
    months = last - first + 1
    cells = {(row["cohort"], row["age"]): (row["customers"], Decimal(row["net"] or 0)) for row in rows}
    result = []
    for cohort in range(last, first - 1, -1):
        size = cells.get((cohort, 0), (0, Decimal(0)))[0]
        line = []
        for age in range(months):
            if cohort + age > last:
                line.append(None)
                continue
            customers, net = cells.get((cohort, age), (0, Decimal(0)))
            line.append((_rate(customers, size), net))
        result.append(CohortRow(month=month_of(cohort), customers=size, cells=line))
    return Cohorts(ages=list(range(months)), rows=result)


BANDS = ("high", "mid", "low", "none")  # promoters, passives, detractors, never answered


@dataclass
class Outcome:
    band: str
    customers: int
    came_back: int
    net: Decimal

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.came_back, self.customers)

    @property
    def interval(self) -> tuple[Decimal, Decimal] | None:
        """The 95 % Wilson interval of the rate, in per cent (None without customers)."""
        if not self.customers:
            return None
        low, high = wilson(self.came_back, self.customers)
        return (Decimal(low * 100).quantize(Decimal("0.1")), Decimal(high * 100).quantize(Decimal("0.1")))

    @property
    def net_per_customer(self) -> Decimal | None:
        return (self.net / self.customers).quantize(Decimal("0.01")) if self.customers else None


def build_voice(
    store, *, days: int = 90, lookback: int = 365, now: datetime | None = None, backend=None, tables=None
) -> list[Outcome]:
    """Do promoters buy again more? For NPS answers given between `lookback` + `days` and `days` days ago
    (so each had `days` to show), per band and for customers who never answered: how many ordered within
    `days` after answering (after their first order in the window, for those who never answered)."""
    until = now or timezone.now()
    until, since = until - timedelta(days=days), until - timedelta(days=days + lookback)
    with engine(backend, tables) as (backend, tables):
        bands = backend.to_pyarrow(
            metrics.outcomes_by_nps_band(tables, store.pk, since, until, days)
        ).to_pylist()
        none = _one(backend, metrics.outcomes_without_answer(tables, store.pk, since, until, days))
    found = {row["band"]: row for row in bands} | {"none": none}
    return [
        Outcome(
            band=band,
            customers=found.get(band, {}).get("customers") or 0,
            came_back=found.get(band, {}).get("came_back") or 0,
            net=Decimal(found.get(band, {}).get("net") or 0),
        )  # fmt: skip
        for band in BANDS
    ]


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson interval (95 % by default) of the share hits / n, as fractions."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Score:
    answers: int
    value: Decimal | None  # NPS (-100 to 100) or CSAT % (0 to 100); None without answers
    margin: Decimal | None  # half the 95 % range, in the value's points


@dataclass
class GroupScores:
    group: str  # a channel, a month ("2026-11"), a spend tier ("HIGH")
    nps: Score
    csat: Score
    month: date | None = None  # of a month's group ("earlier" has none)


@dataclass
class Satisfaction:
    by_channel: list[GroupScores]
    by_month: list[GroupScores]
    by_tier: list[GroupScores]

    @property
    def answered(self) -> bool:
        rows = self.by_channel + self.by_month + self.by_tier
        return any(row.nps.answers or row.csat.answers for row in rows)


def nps_score(answers: int, promoters: int, detractors: int) -> Score:
    """NPS, % promoters less % detractors, and half its 95 % range by the adjusted Wald interval
    (Rocks, 2016: three pseudo-answers, 3/4 of one a promoter, 3/4 a detractor), which stays
    honest for a handful of answers where the plain normal approximation says ± 0."""
    if not answers:
        return Score(0, None, None)
    n = answers + 3
    p, d = (promoters + 0.75) / n, (detractors + 0.75) / n
    margin = 1.96 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n) * 100
    return Score(answers, _points(100 * (promoters - detractors) / answers), _points(margin))


def csat_score(answers: int, satisfied: int) -> Score:
    """CSAT, the share of 4-5 answers, and half its 95 % Wilson range around the share."""
    if not answers:
        return Score(0, None, None)
    low, high = wilson(satisfied, answers)
    return Score(answers, _points(100 * satisfied / answers), _points(100 * (high - low) / 2))


def _points(value: float) -> Decimal:
    return Decimal(str(round(value, 1))).quantize(Decimal("0.1"))


def build_satisfaction(
    store, *, days: int = 90, months: int = 6, now: datetime | None = None, backend=None, tables=None,
    period: "Period | None" = None,
) -> Satisfaction:  # fmt: skip
    """NPS and CSAT of the answers of the last `days` days per group of customers: the channel of their
    first order, the month of their first order (the last `months`; earlier ones together), and their
    predicted spend tier (segments' predictions, as of the last refresh)."""
    since, until = _range(store, days, period, now)
    zone = _zone(store)
    local_now = (now or timezone.now()).astimezone(zone)
    offset = int(local_now.utcoffset().total_seconds())
    last_month = local_now.year * 12 + local_now.month - 1
    tiers = _respondent_tiers(store, since, until)
    with engine(backend, tables) as (backend, tables):

        def scores(groups) -> list[dict]:
            return backend.to_pyarrow(
                metrics.satisfaction_by_group(tables, store.pk, since, until, groups)
            ).to_pylist()

        channels = scores(metrics.first_order_channels(tables, store.pk))
        month_rows = scores(metrics.first_order_months(tables, store.pk, offset))
        tier_rows = scores(ibis.memtable(tiers, schema={"customer_id": "int64", "group": "string"}))
    earliest = last_month - months + 1
    for row in month_rows:  # the older months together, as "earlier"
        month = int(row["group"])
        row["group"] = "earlier" if month < earliest else f"{month // 12:04d}-{month % 12 + 1:02d}"
    by_channel = _group_scores(channels)
    by_channel.sort(key=lambda row: (-(row.nps.answers + row.csat.answers), row.group))
    newest_first = sorted(_group_scores(month_rows), key=lambda row: (row.group != "earlier", row.group))
    by_month = newest_first[::-1]  # the months newest first, then the earlier ones together
    for row in by_month:
        if row.group != "earlier":
            row.month = date(int(row.group[:4]), int(row.group[5:]), 1)
    order = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
    by_tier = sorted(_group_scores(tier_rows), key=lambda row: order.get(row.group, 3))
    return Satisfaction(by_channel=by_channel, by_month=by_month, by_tier=by_tier)


def _respondent_tiers(store, since: datetime, until: datetime) -> dict[str, list]:
    """(customer_id, tier) of the customers who answered in the period and have a predicted tier."""
    from cxloop.segments.models import CustomerPrediction
    from cxloop.surveys.models import Response

    answered = Response.objects.filter(
        store=store, created_at__gte=since, created_at__lt=until, customer__isnull=False,
        survey__kind__in=metrics.SATISFACTION_KINDS,
    ).values("customer_id")  # fmt: skip
    rows = CustomerPrediction.objects.filter(store=store, customer_id__in=answered).exclude(spend_tier="")
    pairs = list(rows.values_list("customer_id", "spend_tier"))
    return {"customer_id": [pk for pk, _tier in pairs], "group": [tier for _pk, tier in pairs]}


def _group_scores(rows: list[dict]) -> list[GroupScores]:
    found: dict[str, dict[str, list[int]]] = {}  # group -> kind -> [answers, high, low], summed
    for row in rows:
        kinds = found.setdefault(str(row["group"]), {})
        counts = kinds.setdefault(row["survey_kind"], [0, 0, 0])
        for index, name in enumerate(("answers", "high", "low")):
            counts[index] += row[name] or 0
    return [
        GroupScores(
            group=group,
            nps=nps_score(*kinds.get("nps", [0, 0, 0])),
            csat=csat_score(*kinds.get("csat", [0, 0, 0])[:2]),
        )
        for group, kinds in found.items()
    ]


@dataclass
class EntryPage:
    path: str
    sessions: int
    ordered: int

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.ordered, self.sessions)


@dataclass
class JourneyPath:
    """One path to a first order (metrics.first_order_paths): its steps, and `more` when it went on."""

    steps: list[str]  # a page's path, or an event type (product_view, add_to_cart, checkout_started)
    more: bool
    customers: int
    share: Decimal | None  # of the period's new customers, in per cent
    median: timedelta | None  # from the path's first step to the order


@dataclass
class Journeys:
    entry_pages: list[EntryPage]  # the most visited first, at most ENTRY_PAGES
    sessions: list[tuple[str, int]]  # customers by sessions up to their first order (SESSION_BUCKETS)
    days: list[tuple[str, int]]  # by the time from their first recorded visit to it (DAY_BUCKETS)
    first_buyers: int
    average_sessions: Decimal | None  # of those with a recorded visit
    average_days: Decimal | None
    checkouts_started: int
    checkouts_abandoned: int
    abandoned_value: Decimal
    paths: list[JourneyPath] = field(default_factory=list)  # the most taken first, at most PATHS

    @property
    def abandonment(self) -> Decimal | None:
        return _rate(self.checkouts_abandoned, self.checkouts_started)


ENTRY_PAGES = 10
PATHS = 10
SESSION_BUCKETS = ("1", "2", "3", "6", "0")
DAY_BUCKETS = ("0", "1", "8", "31", "none")


def build_journeys(
    store, *, days: int = 30, now: datetime | None = None, backend=None, tables=None,
    period: "Period | None" = None,
) -> Journeys:  # fmt: skip
    """The customer journey of the last `days` days: entry pages and how often their sessions ordered,
    sessions and time up to a first order, and the checkouts left without an order."""
    since, until = _range(store, days, period, now)
    with engine(backend, tables) as (backend, tables):
        entries = backend.to_pyarrow(metrics.entry_pages(tables, store.pk, since, until)).to_pylist()
        firsts = backend.to_pyarrow(metrics.first_order_journeys(tables, store.pk, since, until)).to_pylist()
        checkouts = _one(backend, metrics.abandoned_checkouts(tables, store.pk, since, until))
        paths = _top_paths(backend, metrics.first_order_paths(tables, store.pk, since, until))
    entries.sort(key=lambda row: (-row["sessions"], row["path"]))
    by_sessions = dict.fromkeys(SESSION_BUCKETS, 0)
    by_days = dict.fromkeys(DAY_BUCKETS, 0)
    visited = sessions_sum = seconds_sum = 0
    for row in firsts:
        by_sessions[row["sessions"]] += row["customers"]
        by_days[row["days"]] += row["customers"]
        if row["days"] != "none":
            visited += row["customers"]
            sessions_sum += row["session_count"] or 0
            seconds_sum += row["seconds"] or 0
    tenth = Decimal("0.1")
    top = entries[:ENTRY_PAGES]
    first_buyers = sum(by_sessions.values())
    for path in paths:
        path.share = _rate(path.customers, first_buyers)
    return Journeys(
        entry_pages=[EntryPage(row["path"], row["sessions"], row["ordered"]) for row in top],
        sessions=list(by_sessions.items()),
        days=list(by_days.items()),
        first_buyers=first_buyers,
        average_sessions=(Decimal(sessions_sum) / visited).quantize(tenth) if visited else None,
        average_days=(
            (Decimal(seconds_sum) / visited / metrics.DAY_SECONDS).quantize(tenth) if visited else None
        ),
        checkouts_started=checkouts.get("started") or 0,
        checkouts_abandoned=checkouts.get("abandoned") or 0,
        abandoned_value=Decimal(checkouts.get("value") or 0).quantize(Decimal("0.01")),
        paths=paths,
    )


def _top_paths(backend, expr) -> list[JourneyPath]:
    """The PATHS paths the most customers took; a tie by their steps, in code point order (an ended path
    before a longer one), the same on every engine whatever its collation: Python orders them. (Every
    path comes over, one row each: fewer than the period's new customers; one query, not two.)"""
    rows = backend.to_pyarrow(expr).to_pylist()
    keys = [f"step_{n}" for n in range(1, metrics.PATH_STEPS + 1)]
    paths = [
        JourneyPath(
            steps=[row[key] for key in keys if row[key] is not None],
            more=bool(row["more"]),
            customers=row["customers"],
            share=None,
            median=None if row["median_seconds"] is None else timedelta(seconds=round(row["median_seconds"])),
        )  # fmt: skip
        for row in rows
    ]
    return sorted(paths, key=lambda path: (-path.customers, path.steps, path.more))[:PATHS]


ATTRIBUTION_DAYS = 30  # the touches an order is credited to: the customer's visits this long before it


@dataclass
class Credit:
    orders: Decimal  # a share of an order under the linear model
    net: Decimal
    share: Decimal | None  # of the period's net, in per cent


@dataclass
class Channel:
    name: str
    last: Credit
    first: Credit
    linear: Credit

    @property
    def orders(self) -> Decimal:  # by the last touch, the model the page leads with
        return self.last.orders

    @property
    def net(self) -> Decimal:
        return self.last.net

    @property
    def share(self) -> Decimal | None:
        return self.last.share


def build_channels(
    store, *, days: int = 30, window_days: int = ATTRIBUTION_DAYS, now: datetime | None = None,
    backend=None, tables=None, period: "Period | None" = None,
) -> list[Channel]:  # fmt: skip
    """Net revenue of the last `days` days per channel under the last-touch, first-touch and linear
    models (metrics.attributed_revenue over `window_days`), by last-touch net, largest first."""
    since, until = _range(store, days, period, now)
    with engine(backend, tables) as (backend, tables):
        expr = metrics.attributed_revenue(tables, store.pk, since, until, window_days)
        rows = backend.to_pyarrow(expr).to_pylist()
    cent, tenth = Decimal("0.01"), Decimal("0.1")
    totals = {
        model: sum((Decimal(str(row[f"{model}_net"] or 0)) for row in rows), Decimal(0))
        for model in metrics.ATTRIBUTION_MODELS
    }

    def credit(row, model) -> Credit:
        net = Decimal(str(row[f"{model}_net"] or 0)).quantize(cent)
        total = totals[model]
        return Credit(
            orders=_whole_or_cents(Decimal(str(row[f"{model}_orders"] or 0)).quantize(cent)),
            net=net,
            share=(net * 100 / total).quantize(tenth) if total else None,
        )

    channels = [
        Channel(row["channel"], *(credit(row, model) for model in metrics.ATTRIBUTION_MODELS)) for row in rows
    ]
    return sorted(channels, key=lambda c: (-c.last.net, -c.linear.net, c.name))


def _whole_or_cents(value: Decimal) -> Decimal:
    """2.00 as 2, 1.50 as 1.5 (shares of orders under the linear model)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


CHURN_DAYS_DEFAULT = 90  # without enough repeat orders to suggest one
CHURN_DAYS_RANGE = (7, 1095)
CHURN_SHARE = 0.9  # the suggestion: 90 % of the store's repeat orders came within this many days
CHURN_MIN_GAPS = 20


@dataclass
class Churn:
    days: int  # the threshold counted with: no order for this many days
    suggested: int | None  # read from the store's own times between orders; None with too few of them
    gaps: int  # the repeat orders the suggestion is read from
    buyers: int
    churned: int
    histogram: dict[int, int] = field(default_factory=dict)  # repeat orders per whole day since the last

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.churned, self.buyers)


def suggest_churn_days(histogram: dict[int, int]) -> int | None:
    """The days within which CHURN_SHARE of the gaps between orders fall (gaps in whole days, rounded
    down: a gap of d days counts as within d + 1), kept in CHURN_DAYS_RANGE; None under CHURN_MIN_GAPS."""
    total = sum(histogram.values())
    if total < CHURN_MIN_GAPS:
        return None
    needed, seen = math.ceil(total * CHURN_SHARE), 0
    for gap in sorted(histogram):
        seen += histogram[gap]
        if seen >= needed:
            return max(CHURN_DAYS_RANGE[0], min(CHURN_DAYS_RANGE[1], gap + 1))
    return CHURN_DAYS_RANGE[1]


def build_churn(
    store, *, days: int | None = None, now: datetime | None = None, backend=None, tables=None
) -> Churn:
    """Churn now: of the customers who ever ordered, how many placed no order in the last `days` days;
    without `days`, the threshold suggested from the store's times between orders (or the default)."""
    until = now or timezone.now()
    with engine(backend, tables) as (backend, tables):
        rows = backend.to_pyarrow(metrics.gap_days(tables, store.pk, until)).to_pylist()
        histogram = {int(row["gap"]): int(row["count"]) for row in rows}
        suggested = suggest_churn_days(histogram)
        threshold = days or suggested or CHURN_DAYS_DEFAULT
        counted = _one(backend, metrics.churned(tables, store.pk, until, threshold))
    return Churn(
        days=threshold, suggested=suggested, gaps=sum(histogram.values()),
        buyers=counted.get("buyers") or 0, churned=counted.get("churned") or 0,
        histogram=histogram,
    )  # fmt: skip


def database_backend():
    """Ibis on the store mirror's PostgreSQL database (CXLOOP_ANALYTICS_ENGINE=database), one per process."""
    global _database_backend
    if _database_backend is None:
        params = connections["default"].settings_dict
        if connections["default"].vendor != "postgresql":
            raise ImproperlyConfigured(
                "CXLOOP_ANALYTICS_ENGINE=database needs PostgreSQL; SQLite uses the warehouse."
            )
        _database_backend = ibis.postgres.connect(
            host=params["HOST"] or "127.0.0.1", port=int(params["PORT"] or 5432), user=params["USER"],
            password=params["PASSWORD"] or None, database=params["NAME"],
        )  # fmt: skip
        _database_backend.raw_sql("SET TIME ZONE 'UTC'")  # months and days are cut in UTC, then shifted
    return _database_backend


_database_backend = None


def close_database_backend() -> None:
    """Close this process's connection of `database_backend` (tests, before their database is dropped)."""
    global _database_backend
    if _database_backend is not None:
        _database_backend.disconnect()
        _database_backend = None


def _funnel_rows(sessions: dict[str, int]) -> list[tuple[str, int, Decimal | None]]:
    start = sessions.get(metrics.FUNNEL_STEPS[0], 0)
    return [
        (step, sessions.get(step, 0), _rate(sessions.get(step, 0), start)) for step in metrics.FUNNEL_STEPS
    ]


def _days(buckets: dict[int, tuple[int, Decimal]], first: date, last: date, zone: ZoneInfo) -> list[Day]:
    days = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range((last - first).days + 1)}
    for bucket, (orders, net) in buckets.items():
        day = datetime.fromtimestamp(bucket * metrics.BUCKET_SECONDS, tz=zone).date()
        if day in days:
            days[day].orders += orders
            days[day].net += net
    return list(days.values())


def _zone(store) -> ZoneInfo:
    return rollups.zone_of(store.timezone)  # the days session_days was cut in


MAX_RANGE_DAYS = 366
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST_DAY = date(1970, 1, 1)  # the day buckets count from; nothing a store mirrors is older


@dataclass(frozen=True)
class Period:
    """A range of whole store-local days, first and last included, and the same number of days before.

    `since`/`until` are the range's [since, until) instants, `previous_since` where the period before
    begins (it ends at `since`); each a midnight in the store's timezone, so a summer-time change
    between them moves no day."""

    first: date
    last: date
    since: datetime
    until: datetime
    previous_since: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


class InvalidRange(ValueError):
    """A date range that cannot be reported on; `field` is the parameter at fault ("from" or "to")."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def range_bounds(store, first: date, last: date, *, now: datetime | None = None) -> Period:
    """The period from `first` to `last` (store-local days, both included) and the period before it.

    Raises InvalidRange naming the day at fault: a first day after the last, a last day after today
    (store-local), more than MAX_RANGE_DAYS days, or a first day before EARLIEST_DAY."""
    from django.utils.translation import gettext as _

    from cxloop.core import formats

    zone = _zone(store)
    today = (now or timezone.now()).astimezone(zone).date()
    if last > today:
        message = _("The last day, %(day)s, is after today (%(today)s) in the store's timezone.")
        raise InvalidRange(
            message % {"day": formats.date_text(last), "today": formats.date_text(today)}, "to"
        )
    if first > last:
        raise InvalidRange(_("The first day is after the last day."), "from")
    length = (last - first).days + 1
    if length > MAX_RANGE_DAYS:
        message = _("Choose at most %(most)s days; this range has %(days)s.")
        raise InvalidRange(
            message % {"most": formats.number_text(MAX_RANGE_DAYS), "days": formats.number_text(length)},
            "from",
        )
    earliest = EARLIEST_DAY + timedelta(days=length)  # the period before starts on EARLIEST_DAY or later
    if first < earliest:
        message = _("Choose a first day on or after %(earliest)s (the period before counts too).")
        raise InvalidRange(message % {"earliest": formats.date_text(earliest)}, "from")
    return Period(
        first=first, last=last,
        since=datetime.combine(first, time.min, tzinfo=zone),
        until=datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
        previous_since=datetime.combine(first - timedelta(days=length), time.min, tzinfo=zone),
    )  # fmt: skip


def parse_range(store, raw_first: str, raw_last: str, *, now: datetime | None = None) -> Period:
    """`range_bounds` of two YYYY-MM-DD texts (`from`, `to`); InvalidRange names one that is not a date."""
    from django.utils.translation import gettext as _

    days = []
    for raw, name in ((raw_first, "from"), (raw_last, "to")):
        try:  # only YYYY-MM-DD in ASCII digits (fromisoformat takes 20261101 and 2026-W01-1 too)
            days.append(date.fromisoformat(raw.strip()) if ISO_DAY.fullmatch(raw.strip()) else None)
        except ValueError:
            days.append(None)
        if days[-1] is None:
            raise InvalidRange(_("“%(name)s” is not a date written as YYYY-MM-DD.") % {"name": name}, name)
    return range_bounds(store, days[0], days[1], now=now)


def days_period(store, days: int, *, now: datetime | None = None) -> Period:
    """The last `days` days (today included) as a Period: what `period_bounds` gives, and the days before."""
    first, last, since, until = period_bounds(store, days, now=now)
    before = datetime.combine(first - timedelta(days=days), time.min, tzinfo=_zone(store))
    return Period(first=first, last=last, since=since, until=until, previous_since=before)


def _range(store, days: int, period: Period | None, now: datetime | None) -> tuple[datetime, datetime]:
    """[since, until) of `period` if given, else of the last `days` days."""
    return (period.since, period.until) if period else period_bounds(store, days, now=now)[2:]
