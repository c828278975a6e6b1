"""The conversion funnel over time and by where its sessions came from.

    trend = build_funnel_trend(store, days=30)    # a row per day (per week for 90 days), store's timezone
    groups = build_funnel_groups(store, days=30)  # by channel (top CHANNELS + "other") and by country

The steps are metrics.FUNNEL_STEPS, counted as the dashboard's funnel counts
them: the storefront sessions with an event of the step in the period (in the
row's day or week). A session's *channel* is the source of its first event in
the period, by (time, id) (analytics.sources.event_source: its `utm_source`,
else the host of a referrer on another site; none: direct). Its *country* is
the country of the customer of its first identified event in the period, by
(time, id); a session nobody identified has none (unknown).

By device: analytics.devices (the class of the session's first event, as its channel).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import ibis
from ibis import _
from ibis.expr import types as ir

from . import metrics
from .metrics import FUNNEL_STEPS, Tables, _instant, _within
from .reports import _range, _rate, _zone, engine, period_bounds

WEEKLY_FROM = 90  # a period this long is shown per week, shorter ones per day
CHANNELS = 8  # the channels (and countries) with the most sessions; the rest together as "other"


def _bucket_of(column, starts: list[datetime]):
    """The index of the bucket [starts[i], starts[i + 1]) the instant falls in (the last runs to the
    period's end), as a CASE over the buckets' starts: the same on every engine, no time zone arithmetic
    in SQL."""
    if len(starts) < 2:
        return ibis.literal(0)
    branches = [(column < _instant(start), index) for index, start in enumerate(starts[1:])]
    return ibis.cases(*branches, else_=len(starts) - 1)


def funnel_by_bucket(t: Tables, store_id: int, starts: list[datetime], until: datetime) -> ir.Table:
    """Per bucket (0, 1, ...: [starts[i], starts[i + 1]), the last up to `until`) a column per step of
    FUNNEL_STEPS: the sessions that reached it in the bucket.

    From session_days when the engine keeps it (buckets are whole days of the store, as its rows are:
    a session's steps of the bucket's days ORed), else from the events."""
    since = starts[0]
    if t.session_days is None:
        events = t.events
        events = events.filter(
            events.store_id == store_id, _within(events.occurred_at, since, until), events.session_id != "",
            events.type.isin(FUNNEL_STEPS),
        )  # fmt: skip
        events = events.mutate(bucket=_bucket_of(events.occurred_at, starts))
        return events.group_by("bucket").aggregate(
            **{step: _.session_id.nunique(where=_.type == step) for step in FUNNEL_STEPS}
        )
    days = t.session_days
    days = days.filter(days.store_id == store_id, _within(days.day_start, since, until))
    days = days.mutate(bucket=_bucket_of(days.day_start, starts))
    # a step's bit, by max (Ibis has no bit_or for Spark; metrics.funnel)
    sessions = days.group_by(["bucket", "session_key"]).aggregate(
        **{step: (_.steps & metrics.step_bit(step)).max() for step in FUNNEL_STEPS}
    )
    return sessions.group_by("bucket").aggregate(
        **{step: _.count(where=_[step] != 0) for step in FUNNEL_STEPS}
    )


def funnel_by_source(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """Per (channel, country) of the period's sessions a column per step of FUNNEL_STEPS: the sessions
    that reached it in the period. `channel` is the source of the session's first event (null: direct),
    `country` the country of the customer of its first identified event (null: unknown), each first by
    (time, id). Sessions without a step are left out.

    A session's first event is found by its time (an aggregate) and then its events at that time (a
    join): a window over every event of the period, ranked per session, took three times as long."""
    events = t.events
    events = events.filter(
        events.store_id == store_id, _within(events.occurred_at, since, until), events.session_id != ""
    )
    sessions = events.group_by("session_id").aggregate(
        first_at=_.occurred_at.min(),
        known_at=_.occurred_at.min(where=_.customer_id.notnull()),
        **{step: ibis.ifelse(_.type == step, 1, 0).max() for step in FUNNEL_STEPS},
    )
    sessions = sessions.filter(ibis.greatest(*(sessions[step] for step in FUNNEL_STEPS)) > 0)
    channels = _first_of(events, sessions, "first_at", "source", "channel")
    identified = events.filter(events.customer_id.notnull())
    known = _first_of(identified, sessions, "known_at", "customer_id", "customer")
    customers = t.customers.filter(t.customers.store_id == store_id)
    customers = customers.select(customer=customers.id, country=customers.country.strip().upper().nullif(""))
    sessions = sessions.join(channels, "session_id")
    sessions = sessions.left_join(known, "session_id").left_join(customers, "customer")
    return sessions.group_by(["channel", "country"]).aggregate(
        **{step: _[step].sum() for step in FUNNEL_STEPS}
    )


def _first_of(events: ir.Table, sessions: ir.Table, at: str, column: str, name: str) -> ir.Table:
    """(session_id, `name`): per session of `sessions`, `column` of its event at the instant in its
    column `at`, of the lowest id."""
    marks = sessions.select(session=sessions.session_id, at=sessions[at])
    hits = events.join(marks, [events.session_id == marks.session, events.occurred_at == marks.at])
    hits = hits.select("session_id", "id", value=hits[column])
    hits = hits.mutate(rank=ibis.row_number().over(group_by="session_id", order_by="id"))
    return hits.filter(hits.rank == 0).select("session_id", **{name: hits.value})


@dataclass
class Steps:
    """Sessions per step of FUNNEL_STEPS."""

    counts: tuple[int, ...] = (0,) * len(FUNNEL_STEPS)

    @property
    def sessions(self) -> int:
        return self.counts[0]

    @property
    def ordered(self) -> int:
        return self.counts[-1]

    @property
    def conversion(self) -> Decimal | None:
        """Sessions that ordered, of the sessions (in per cent), as the dashboard's tile counts them."""
        return _rate(self.ordered, self.sessions)

    def __add__(self, other: "Steps") -> "Steps":
        return Steps(tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)))


def _steps(row: dict) -> Steps:
    return Steps(tuple(int(row.get(step) or 0) for step in FUNNEL_STEPS))


@dataclass
class TrendRow:
    first: date  # the row's first day
    last: date  # its last (the same day, per day)
    steps: Steps


@dataclass
class FunnelTrend:
    weekly: bool
    rows: list[TrendRow] = field(default_factory=list)  # the oldest first

    @property
    def has_sessions(self) -> bool:
        return any(any(row.steps.counts) for row in self.rows)


def trend_days(first: date, last: date, *, weekly: bool) -> list[tuple[date, date]]:
    """The rows' (first day, last day): each day, or 7 days at a time from the period's first day (the
    last week ends with the period, today, and may be shorter)."""
    size = 7 if weekly else 1
    count = (last - first).days + 1
    starts = [first + timedelta(days=n) for n in range(0, count, size)]
    return [(start, min(start + timedelta(days=size - 1), last)) for start in starts]


def build_funnel_trend(
    store, *, days: int = 30, now: datetime | None = None, backend=None, tables=None, period=None
) -> FunnelTrend:
    """The funnel of the last `days` days (or of `period`, a reports.Period) per day of the store (per
    week from WEEKLY_FROM days)."""
    if period is not None:
        first, last, until, days = period.first, period.last, period.until, period.days
    else:
        first, last, _since, until = period_bounds(store, days, now=now)
    weekly = days >= WEEKLY_FROM
    spans = trend_days(first, last, weekly=weekly)
    zone = _zone(store)
    starts = [datetime.combine(start, time.min, tzinfo=zone) for start, _end in spans]
    with engine(backend, tables) as (backend, tables):
        rows = backend.to_pyarrow(funnel_by_bucket(tables, store.pk, starts, until)).to_pylist()
    found = {int(row["bucket"]): _steps(row) for row in rows}
    return FunnelTrend(
        weekly=weekly,
        rows=[TrendRow(start, end, found.get(n, Steps())) for n, (start, end) in enumerate(spans)],
    )


@dataclass
class GroupRow:
    name: str  # a channel, a country code; "" for direct or unknown and for the rest together
    steps: Steps
    other: bool = False  # the rest together


@dataclass
class FunnelGroups:
    channels: list[GroupRow]
    countries: list[GroupRow]


def top_groups(found: dict[str, Steps], top: int = CHANNELS) -> list[GroupRow]:
    """The `top` groups with the most sessions (a tie by name), then the rest together (other)."""
    ranked = sorted(found.items(), key=lambda item: (-item[1].sessions, item[0]))
    rows = [GroupRow(name, steps) for name, steps in ranked[:top]]
    if len(ranked) > top:
        rest = sum((steps for _name, steps in ranked[top:]), Steps())
        rows.append(GroupRow("", rest, other=True))
    return rows


def build_funnel_groups(
    store, *, days: int = 30, now: datetime | None = None, backend=None, tables=None, period=None
) -> FunnelGroups:
    """The funnel of the last `days` days (or of `period`) by the channel of its sessions and by their
    country."""
    since, until = _range(store, days, period, now)
    with engine(backend, tables) as (backend, tables):
        rows = backend.to_pyarrow(funnel_by_source(tables, store.pk, since, until)).to_pylist()
    channels: dict[str, Steps] = {}
    countries: dict[str, Steps] = {}
    for row in rows:
        steps = _steps(row)
        channels[row["channel"] or ""] = channels.get(row["channel"] or "", Steps()) + steps
        countries[row["country"] or ""] = countries.get(row["country"] or "", Steps()) + steps
    return FunnelGroups(channels=top_groups(channels), countries=top_groups(countries))


def step_drops(rows: list[tuple[str, int, Decimal | None]]) -> list[Decimal | None]:
    """Per row of the dashboard's funnel (step, sessions, share): the share of the previous step's
    sessions not counted at this one, in per cent (None for the first step, or after none). Negative
    when more sessions reached this step than the one before (one can skip a step: an order sent
    without a checkout event)."""
    drops: list[Decimal | None] = [None]
    for (_step, before, _share), (_next, sessions, _next_share) in zip(rows, rows[1:], strict=False):
        drops.append(_rate(before - sessions, before))
    return drops
