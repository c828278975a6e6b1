"""The help desk's figures for a period: aggregates in SQL, percentiles of business time in Python.

Counts, shares and groupings are single aggregate queries. Durations in
business hours cannot be computed in SQL (opening hours, holidays and
daylight-saving days live in Python, hours.py), so the pairs of instants are
loaded and measured with a `BusinessClock`; when a period holds more than
`SAMPLE_CAP` conversations, an even sample of them (every k-th by id, chosen
in SQL) is measured instead and the page says so.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, Trunc
from django.utils import timezone

from cxloop.core.names import person_name

from ..models import Activity, Conversation, Message, Tag
from ..services.desk import business_hours
from .clock import clock_for, median, percentile
from .period import ReportPeriod

SAMPLE_CAP = 20_000
MAX_TAGS = 30
RESOLVED = Conversation.Status.RESOLVED
OPEN = Conversation.Status.OPEN


@dataclass
class Timing:
    """Business seconds from one instant to another, over the conversations measured."""

    total: int = 0  # conversations the figure is about
    measured: int = 0  # of which measured (fewer when sampled)
    median: float | None = None
    p90: float | None = None

    @property
    def is_sampled(self) -> bool:
        return self.measured < self.total


@dataclass
class Summary:
    first_response: Timing
    resolution: Timing
    created: int
    resolved: int
    replies_per_resolution: float | None
    resolutions_counted: int  # resolved in the period (the reopen rate's denominator)
    reopened: int

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened * 100 / self.resolutions_counted if self.resolutions_counted else None


@dataclass
class AgentRow:
    bucket: date
    agent_id: int
    agent: str
    replies: int = 0
    resolved: int = 0
    first_responses: list[float] = field(default_factory=list)

    @property
    def median_first_response(self) -> float | None:
        return median(self.first_responses)


def _conversations(period: ReportPeriod):
    return Conversation.objects.filter(period.conversation_filter())


def _in_period(period: ReportPeriod, name: str) -> Q:
    return Q(**{f"{name}__gte": period.start, f"{name}__lt": period.end})


def _sample(queryset, cap: int | None = None):
    """The queryset, or an even SQL-side sample of about `cap` rows of it; and the full count."""
    cap = cap or SAMPLE_CAP
    total = queryset.count()
    if total <= cap:
        return queryset, total
    step = math.ceil(total / cap)
    return queryset.annotate(_slot=F("pk") % step).filter(_slot=0), total


def first_response_rows(period: ReportPeriod) -> tuple[list[tuple], int]:
    """(created_at, first_response_at, first responder id) of conversations first answered in the period."""
    answered = _conversations(period).filter(_in_period(period, "first_response_at"))
    first_reply = Message.objects.filter(conversation=OuterRef("pk"), kind=Message.Kind.REPLY).order_by(
        "created_at", "pk"
    )
    sample, total = _sample(answered)
    rows = sample.annotate(responder=Subquery(first_reply.values("author_id")[:1])).values_list(
        "created_at", "first_response_at", "responder"
    )
    return list(rows), total


def resolution_rows(period: ReportPeriod) -> tuple[list[tuple], int]:
    resolved = _conversations(period).filter(_in_period(period, "resolved_at"), status=RESOLVED)
    sample, total = _sample(resolved)
    return list(sample.values_list("created_at", "resolved_at")), total


def measure(hours, pairs: list[tuple[datetime, datetime]], total: int) -> tuple[Timing, list[float]]:
    clock = clock_for(hours, pairs)
    seconds = [clock.seconds_between(start, end) for start, end in pairs] if clock else []
    timing = Timing(total=total, measured=len(seconds), median=median(seconds), p90=percentile(seconds, 0.9))
    return timing, seconds


def summary(period: ReportPeriod, *, hours=None, first_rows=None) -> Summary:
    hours = hours or business_hours(period.store)
    if first_rows is None:
        first_rows = first_response_rows(period)
    rows, total = first_rows
    first, _seconds = measure(hours, [(a, b) for a, b, _who in rows], total)
    resolution_pairs, resolved_total = resolution_rows(period)
    resolution, _seconds = measure(hours, resolution_pairs, resolved_total)
    resolved = _conversations(period).filter(_in_period(period, "resolved_at"), status=RESOLVED)
    replies = Message.objects.filter(conversation__in=resolved, kind=Message.Kind.REPLY).count()
    counted, reopened = reopens(period)
    return Summary(
        first_response=first,
        resolution=resolution,
        created=_conversations(period).filter(_in_period(period, "created_at")).count(),
        resolved=resolved_total,
        replies_per_resolution=replies / resolved_total if resolved_total else None,
        resolutions_counted=counted,
        reopened=reopened,
    )


def _status_changes(period: ReportPeriod, **data):
    return Activity.objects.filter(
        period.conversation_filter("conversation__"),
        kind=Activity.Kind.STATUS,
        **{f"data__{key}": value for key, value in data.items()},
    )


def reopens(period: ReportPeriod) -> tuple[int, int]:
    """Conversations resolved in the period, and how many of them were reopened after that resolution."""
    resolutions = _status_changes(period, to=RESOLVED).filter(_in_period(period, "created_at"))
    first_resolution = resolutions.filter(conversation=OuterRef("pk")).order_by("created_at")
    later_reopen = Activity.objects.filter(
        conversation=OuterRef("pk"),
        kind=Activity.Kind.STATUS,
        data__from=RESOLVED,
        data__to=OPEN,
        created_at__gt=OuterRef("resolved_first"),
    )
    counts = (
        Conversation.objects.filter(pk__in=resolutions.values("conversation_id"))
        .annotate(resolved_first=Subquery(first_resolution.values("created_at")[:1]))
        .annotate(was_reopened=Exists(later_reopen))
        .aggregate(n=Count("pk"), reopened=Count("pk", filter=Q(was_reopened=True)))
    )
    return counts["n"], counts["reopened"]


def volume_by_channel(period: ReportPeriod) -> list[tuple[str, int]]:
    rows = (
        _conversations(period)
        .filter(_in_period(period, "created_at"))
        .values("channel")
        .annotate(n=Count("pk"))
        .order_by("-n", "channel")
    )
    return [(row["channel"], row["n"]) for row in rows]


def volume_by_hour(period: ReportPeriod) -> dict[tuple[int, int], int]:
    """Conversations opened per (ISO weekday 1-7, hour 0-23) of the store's wall clock."""
    zone = period.zone
    rows = (
        _conversations(period)
        .filter(_in_period(period, "created_at"))
        .annotate(
            weekday=ExtractIsoWeekDay("created_at", tzinfo=zone), hour=ExtractHour("created_at", tzinfo=zone)
        )
        .values("weekday", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["weekday"], row["hour"]): row["n"] for row in rows}


def volume_by_tag(period: ReportPeriod) -> list[tuple[str, int]]:
    """The most used tags of conversations opened in the period (at most MAX_TAGS)."""
    opened = period.conversation_filter("conversations__") & Q(
        conversations__created_at__gte=period.start, conversations__created_at__lt=period.end
    )
    rows = (
        Tag.objects.filter(store=period.store)
        .annotate(n=Count("conversations", filter=opened))
        .filter(n__gt=0)
        .order_by("-n", "name")[:MAX_TAGS]
    )
    return [(tag.name, tag.n) for tag in rows]


def backlog(period: ReportPeriod, *, now: datetime | None = None) -> list[tuple[date, int]]:
    """Conversations not resolved at the end of each day (or now, for today), in one query.

    A conversation counts from its creation until its resolution (`resolved_at`);
    one reopened and resolved again counts until its latest resolution, and one
    open again now counts every day since its creation (the status history is
    not replayed, which keeps this one query).
    """
    now = now or timezone.now()
    days = [day for day in period.days if period.day_end(day) - timedelta(days=1) <= now]
    if not days:
        return []
    ends = {f"d{i}": min(period.day_end(day), now) for i, day in enumerate(days)}
    counts = (
        _conversations(period)
        .filter(created_at__lt=max(ends.values()))
        .filter(_unresolved_at(min(ends.values())))
        .aggregate(
            **{
                key: Count("pk", filter=Q(created_at__lt=end) & _unresolved_at(end))
                for key, end in ends.items()
            }
        )
    )
    return [(day, counts[f"d{i}"] or 0) for i, day in enumerate(days)]


def _unresolved_at(moment: datetime) -> Q:
    return Q(resolved_at__isnull=True) | Q(resolved_at__gte=moment) | ~Q(status=RESOLVED)


def bucket_of(day: date, per: str) -> date:
    if per == "week":
        return day - timedelta(days=day.weekday())
    if per == "month":
        return day.replace(day=1)
    return day


def agent_performance(period: ReportPeriod, per: str, *, hours=None, first_rows=None) -> list[AgentRow]:
    """Per agent and day, week or month: replies sent, conversations resolved, median first response."""
    hours = hours or business_hours(period.store)
    rows: dict[tuple[date, int], AgentRow] = {}

    def row(bucket: date, agent_id: int) -> AgentRow:
        return rows.setdefault((bucket, agent_id), AgentRow(bucket=bucket, agent_id=agent_id, agent=""))

    bucket = Trunc("created_at", per, output_field=DateField(), tzinfo=period.zone)
    replies = (
        Message.objects.filter(
            period.conversation_filter("conversation__"), _in_period(period, "created_at"),
            kind=Message.Kind.REPLY, author__isnull=False,
        )
        .annotate(bucket=bucket).values("bucket", "author_id").annotate(n=Count("pk")).order_by()
    )  # fmt: skip
    for item in replies:
        row(item["bucket"], item["author_id"]).replies = item["n"]
    resolutions = (
        _status_changes(period, to=RESOLVED)
        .filter(_in_period(period, "created_at"), actor__isnull=False)
        .annotate(bucket=bucket).values("bucket", "actor_id")
        .annotate(n=Count("conversation_id", distinct=True)).order_by()
    )  # fmt: skip
    for item in resolutions:
        row(item["bucket"], item["actor_id"]).resolved = item["n"]
    if first_rows is None:
        first_rows = first_response_rows(period)
    answered = [(start, end, who) for start, end, who in first_rows[0] if who is not None]
    clock = clock_for(hours, [(start, end) for start, end, _who in answered])
    for start, end, who in answered:
        day = timezone.localtime(end, period.zone).date()
        row(bucket_of(day, per), who).first_responses.append(clock.seconds_between(start, end))
    names = _agent_names({agent_id for _bucket, agent_id in rows})
    for item in rows.values():
        item.agent = names.get(item.agent_id, "")
    return sorted(rows.values(), key=lambda r: (-r.bucket.toordinal(), r.agent.lower(), r.agent_id))


def _agent_names(ids: set[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name", "email")
    return {pk: person_name(first, last) or email for pk, first, last, email in users}
