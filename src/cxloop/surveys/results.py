"""Survey results: NPS, CSAT and CES over a date range, per week or month, with breakdowns.

Every number comes from a count of answers per score, computed in the
database with conditional aggregates (`COUNT(CASE WHEN score = 9 ...)`),
one grouped query per view of the data: the whole range, the periods, and
each breakdown. Python only turns those few rows into measures, so the cost
is the database's scan of the survey's answers in the range, whatever their
number. `compute_results` is the one entry point:

    results = compute_results(store, survey, date(2025, 1, 1), date(2025, 3, 31), "month")
    results.overall.nps          # 23.5 (-100 to +100)
    results.overall.nps_interval # Interval(low=14.2, high=32.8), or None under 30 answers

Measures (n = answers with a score):
    NPS   (promoters - detractors) * 100 / n. Its 95% interval treats each
          answer as +1, 0 or -1: var = p_promoter + p_detractor
          - (p_promoter - p_detractor)^2, NPS ± 1.96 * 100 * sqrt(var / n).
    CSAT  share of 4-5 answers in percent; interval p ± 1.96 * sqrt(p(1-p)/n).
    CES   mean of the 1-7 answers, with the distribution.
Under MIN_ANSWERS_FOR_INTERVAL answers the normal approximation is too rough
(and collapses to a point when everyone gave the same band), so no interval
is given and the page says so. Intervals are clipped to the scale.

Dates are days in the store's time zone; `since` and `until` are both
included. Weeks start on Monday.
"""

import math
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from django.db import connections
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from cxloop.core import formats
from cxloop.core.models import Store

from .models import Invitation, Response, Survey
from .scoring import SCALES, Band, Kind

Bucket = Literal["week", "month"]
BUCKETS = ("week", "month")
MIN_ANSWERS_FOR_INTERVAL = 30
Z_95 = 1.96
BREAKDOWN_LIMIT = 15
DIMENSIONS = ("country", "language", "channel", "repeat", "product", "tag")


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass
class Scores:
    """How many answers gave each score of the kind's scale (and how many answered at all)."""

    kind: str
    counts: dict[int, int]
    answered: int = 0

    @property
    def scale(self):
        return SCALES.get(self.kind)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def band_count(self, band: str) -> int:
        scale = self.scale
        return sum(n for score, n in self.counts.items() if scale.band(score) == band)

    @property
    def low(self) -> int:
        return self.band_count(Band.LOW)

    @property
    def mid(self) -> int:
        return self.band_count(Band.MID)

    @property
    def high(self) -> int:
        return self.band_count(Band.HIGH)

    @property
    def nps(self) -> float | None:
        return (self.high - self.low) * 100 / self.n if self.n else None

    @property
    def nps_interval(self) -> Interval | None:
        n = self.n
        if n < MIN_ANSWERS_FOR_INTERVAL:
            return None
        p_high, p_low = self.high / n, self.low / n
        variance = p_high + p_low - (p_high - p_low) ** 2
        half = Z_95 * 100 * math.sqrt(variance / n)
        return Interval(max(-100.0, self.nps - half), min(100.0, self.nps + half))

    @property
    def csat(self) -> float | None:
        return self.high * 100 / self.n if self.n else None

    @property
    def csat_interval(self) -> Interval | None:
        n = self.n
        if n < MIN_ANSWERS_FOR_INTERVAL:
            return None
        p = self.high / n
        half = Z_95 * 100 * math.sqrt(p * (1 - p) / n)
        return Interval(max(0.0, p * 100 - half), min(100.0, p * 100 + half))

    @property
    def ces(self) -> float | None:
        return sum(score * n for score, n in self.counts.items()) / self.n if self.n else None

    @property
    def value(self) -> float | None:
        """The kind's headline measure: NPS, CSAT % or CES mean."""
        return {Kind.NPS: self.nps, Kind.CSAT: self.csat, Kind.CES: self.ces}.get(self.kind)

    @property
    def interval(self) -> Interval | None:
        return {Kind.NPS: self.nps_interval, Kind.CSAT: self.csat_interval}.get(self.kind)

    @property
    def distribution(self) -> list[tuple[int, int, float]]:
        """(score, answers, percent of answers) for every score of the scale."""
        n = self.n
        return [(score, count, count * 100 / n if n else 0.0) for score, count in sorted(self.counts.items())]


@dataclass
class Period:
    start: date
    scores: Scores


@dataclass
class BreakdownRow:
    key: str | bool | None
    scores: Scores


@dataclass
class Funnel:
    """What happened to the invitations created in the range, and answers that came without one."""

    invited: int = 0
    waiting: int = 0
    sent: int = 0
    failed: int = 0
    opened: int = 0
    answered: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    uninvited_answers: int = 0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def open_rate(self) -> float | None:
        return self.opened * 100 / self.sent if self.sent else None

    @property
    def response_rate(self) -> float | None:
        return self.answered * 100 / self.sent if self.sent else None


@dataclass
class Results:
    kind: str
    since: date
    until: date
    bucket: str
    overall: Scores
    periods: list[Period]
    funnel: Funnel
    breakdowns: dict[str, list[BreakdownRow]]

    @property
    def has_answers(self) -> bool:
        return self.overall.answered > 0


def compute_results(
    store: Store,
    survey: Survey | None,
    since: date,
    until: date,
    bucket: Bucket = "week",
    *,
    kind: str | None = None,
    dimensions=DIMENSIONS,
) -> Results:
    """Results of one survey, or with `survey=None` of all the store's surveys of `kind`.

    Reads only: one scan of the answers in the range for the overall
    measure, the periods and the breakdowns read off each answer
    (score_pass), one query for the funnel, and one per breakdown through
    another table (product, tag).
    """
    from .score_pass import tally_answers

    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}")
    kind = survey.kind if survey is not None else kind
    tz = store_timezone(store)
    responses = list_range_responses(store, survey, since, until, kind=kind)
    tally = tally_answers(responses, kind, since, until, bucket, tz, dimensions)
    return Results(
        kind=kind,
        since=since,
        until=until,
        bucket=bucket,
        overall=tally.overall,
        periods=tally.periods,
        funnel=_funnel(store, survey, since, until, kind=kind, uninvited=tally.uninvited),
        breakdowns={
            dimension: tally.breakdowns[dimension]
            if dimension in tally.breakdowns
            else breakdown(responses, kind, dimension)
            for dimension in dimensions
        },
    )


def store_timezone(store: Store) -> zoneinfo.ZoneInfo:
    return formats.store_zone(store)


def day_bounds(store: Store, since: date, until: date) -> tuple[datetime, datetime]:
    """The instants where `since` begins and the day after `until` begins, in the store's zone."""
    tz = store_timezone(store)
    start = datetime.combine(since, time.min, tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def survey_ids_of_kind(store: Store, kind: str) -> list[int]:
    return list(Survey.objects.filter(store=store, kind=kind).values_list("pk", flat=True))


def list_range_responses(
    store: Store, survey: Survey | None, since: date, until: date, *, kind: str | None = None
) -> QuerySet[Response]:
    """Answers to the survey (or to every survey of the kind) given within the days, store-scoped."""
    start, end = day_bounds(store, since, until)
    responses = Response.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
    if survey is not None:
        return responses.filter(survey=survey)
    return responses.filter(survey_id__in=survey_ids_of_kind(store, kind))


def _score_aggregates(kind: str, *, distinct: bool = False) -> dict:
    scale = SCALES.get(kind)
    scores = scale.scores if scale else ()
    aggregates = {"answered": Count("id", distinct=distinct)}
    for score in scores:
        aggregates[f"s{score}"] = Count("id", filter=Q(score=score), distinct=distinct)
    return aggregates


def _scores(row: dict, kind: str) -> Scores:
    scale = SCALES.get(kind)
    counts = {score: row.get(f"s{score}") or 0 for score in (scale.scores if scale else ())}
    return Scores(kind=kind, counts=counts, answered=row.get("answered") or 0)


def period_starts(since: date, until: date, bucket: str) -> list[date]:
    """The first day of every week (Monday) or month that the days touch."""
    if bucket == "week":
        current = since - timedelta(days=since.weekday())
        step = lambda day: day + timedelta(days=7)  # noqa: E731
    else:
        current = since.replace(day=1)
        step = lambda day: (day.replace(day=28) + timedelta(days=4)).replace(day=1)  # noqa: E731
    starts = []
    while current <= until:
        starts.append(current)
        current = step(current)
    return starts


def _funnel(
    store: Store, survey: Survey | None, since: date, until: date, *, kind: str, uninvited: int
) -> Funnel:
    start, end = day_bounds(store, since, until)
    invitations = Invitation.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
    if survey is not None:
        invitations = invitations.filter(survey=survey)
    else:
        invitations = invitations.filter(survey_id__in=survey_ids_of_kind(store, kind))
    rows = (
        invitations.values("status", "skip_reason")
        .annotate(n=Count("id"), opened=Count("opened_at"), answered=Count("answered_at"))
        .order_by()
    )
    funnel = Funnel()
    for row in rows:
        status, n = row["status"], row["n"]
        funnel.invited += n
        funnel.opened += row["opened"]
        funnel.answered += row["answered"]
        if status == Invitation.Status.SENT:
            funnel.sent += n
        elif status in (Invitation.Status.QUEUED, Invitation.Status.SENDING):
            funnel.waiting += n
        elif status == Invitation.Status.FAILED:
            funnel.failed += n
        elif status == Invitation.Status.SKIPPED:
            reason = row["skip_reason"] or "other"
            funnel.skipped[reason] = funnel.skipped.get(reason, 0) + n
    funnel.uninvited_answers = uninvited
    return funnel


_GROUP_BY = {
    "country": F("country"),
    "language": F("language"),
    "channel": F("channel"),
    "repeat": F("is_repeat_customer"),
    "product": F("order__line_items__title"),
}


def breakdown(
    responses: QuerySet, kind: str, dimension: str, *, limit: int = BREAKDOWN_LIMIT
) -> list[BreakdownRow]:
    """The answers grouped by one dimension, largest groups first (at most `limit`).

    `product` groups by the titles of the ordered items (an answer about an
    order of three products counts once for each); `tag` by the customer's
    tags; `repeat` is True for repeat customers, False for first-time ones,
    None when unknown.
    """
    if dimension == "tag":
        return _tag_breakdown(responses, kind, limit)
    distinct = dimension == "product"
    rows = (
        responses.values(key=_GROUP_BY[dimension])
        .annotate(**_score_aggregates(kind, distinct=distinct))
        .order_by("-answered", "key")
    )
    if dimension == "product":
        rows = rows.filter(order__isnull=False).exclude(key=None)
    return [BreakdownRow(row["key"], _scores(row, kind)) for row in rows[:limit]]


def _tag_breakdown(responses: QuerySet, kind: str, limit: int) -> list[BreakdownRow]:
    """Answers per customer tag: the ORM selects the answers, SQL unnests each customer's tag list."""
    inner = responses.filter(customer__isnull=False).values(rid=F("id"), s=F("score"), t=F("customer__tags"))
    inner_sql, inner_params = inner.query.sql_with_params()
    connection = connections[responses.db]
    scale = SCALES.get(kind)
    scores = list(scale.scores) if scale else []
    counts = "".join(f", COUNT(DISTINCT CASE WHEN r.s = %s THEN r.rid END) AS s{score}" for score in scores)
    if connection.vendor == "postgresql":
        tags = (
            "CROSS JOIN LATERAL jsonb_array_elements_text("
            "CASE WHEN jsonb_typeof(r.t) = 'array' THEN r.t ELSE '[]'::jsonb END) AS tag(value)"
        )
    else:
        tags = ", json_each(CASE WHEN json_type(r.t) = 'array' THEN r.t ELSE '[]' END) AS tag"
    sql = (
        f"SELECT tag.value, COUNT(DISTINCT r.rid) AS answered{counts} "
        f"FROM ({inner_sql}) AS r {tags} "
        "GROUP BY tag.value ORDER BY answered DESC, tag.value LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scores, *inner_params, limit])
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    return [BreakdownRow(row["value"], _scores(row, kind)) for row in rows]


def format_measure(kind: str, value: float | None) -> str:
    """A measure as staff read it: NPS "+25" (whole points), CSAT "75%" or "66.7%", CES "4.5"."""
    if value is None:
        return ""
    if kind == Kind.NPS:
        return formats.number_text(round(value), 0, signed=True)
    if kind == Kind.CSAT:
        return formats.percent_text(value)
    return formats.number_text(value, 1)


@dataclass
class ScoreCard:
    """A kind's measure over the last days against the days before, for the overview."""

    kind: str
    current: Scores
    previous: Scores
    since: date
    until: date

    @property
    def change(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return self.current.value - self.previous.value

    @property
    def direction(self) -> str:
        change = self.change
        if change is None or abs(change) < 0.05:
            return "flat"
        return "up" if change > 0 else "down"

    @property
    def value_text(self) -> str:
        return format_measure(self.kind, self.current.value)

    @property
    def previous_text(self) -> str:
        return format_measure(self.kind, self.previous.value)

    @property
    def change_text(self) -> str:
        """The size of the change: whole points for NPS, percentage points for CSAT, CES units."""
        change = self.change
        if change is None:
            return ""
        if self.kind == Kind.NPS:
            return formats.number_text(abs(round(self.current.value) - round(self.previous.value)), 0)
        return formats.number_text(abs(change), 1)


def build_score_cards(store: Store, *, days: int = 30, now: datetime | None = None) -> list[ScoreCard]:
    """NPS, CSAT and CES of the last `days` days against the `days` before, for the kinds the store
    has surveys of. One grouped query over the answers of both windows."""
    now = now or timezone.now()
    kinds = [kind for kind in (Kind.NPS, Kind.CSAT, Kind.CES) if kind in _survey_kinds(store)]
    if not kinds:
        return []
    current_start, previous_start = now - timedelta(days=days), now - timedelta(days=2 * days)
    current, previous = Q(created_at__gte=current_start), Q(created_at__lt=current_start)
    aggregates = {}
    for score in range(0, 11):
        aggregates[f"c{score}"] = Count("id", filter=current & Q(score=score))
        aggregates[f"p{score}"] = Count("id", filter=previous & Q(score=score))
    rows = {
        row["survey__kind"]: row
        for row in Response.objects.filter(
            store=store, created_at__gte=previous_start, created_at__lt=now, survey__kind__in=kinds
        )
        .values("survey__kind")
        .annotate(**aggregates)
        .order_by()
    }
    today = timezone.localtime(now, store_timezone(store)).date()
    cards = []
    for kind in kinds:
        row = rows.get(kind, {})
        window = {prefix: {f"s{s}": row.get(f"{prefix}{s}", 0) for s in range(0, 11)} for prefix in "cp"}
        for counts in window.values():
            counts["answered"] = sum(counts.values())
        cards.append(
            ScoreCard(
                kind=kind,
                current=_scores(window["c"], kind),
                previous=_scores(window["p"], kind),
                since=today - timedelta(days=days - 1),
                until=today,
            )
        )
    return cards


def _survey_kinds(store: Store) -> set[str]:
    return set(Survey.objects.filter(store=store).values_list("kind", flat=True).distinct())
