"""One scan of a range's answers for the results page: overall, periods, simple breakdowns, uninvited.

The results page used to ask the database once per view of the data (the
whole range, the periods, each breakdown, the answers without an
invitation): six scans of the same answers. Here one grouped query counts
the answers per score for every combination of period and of the
breakdowns read straight off the answer (country, language, channel,
repeat customer), and Python adds those few hundred rows up into each view:

    tally = tally_answers(responses, "nps", since, until, "month", tz, ["country", "repeat"])
    tally.overall.nps, tally.periods[0].scores.n, tally.breakdowns["country"][0].key

The period is a CASE over the instants where each week or month begins in
the store's time zone, not a time-zone truncation per row: SQLite has no
time zones, and its truncation is a Python function called for every row.
Breakdowns through other tables (ordered products, customer tags) multiply
rows and stay their own queries (results.breakdown).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import connections
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from .results import (
    BREAKDOWN_LIMIT,
    BreakdownRow,
    Period,
    Scores,
    _score_aggregates,
    _scores,
    period_starts,
)

COLUMNS = {"country": "country", "language": "language", "channel": "channel", "repeat": "is_repeat_customer"}


@dataclass
class Tally:
    overall: Scores
    periods: list[Period]
    breakdowns: dict[str, list[BreakdownRow]]
    uninvited: int


def tally_answers(
    responses: QuerySet, kind: str, since: date, until: date, bucket: str, tz, dimensions
) -> Tally:
    """Count the answers once for the overall measure, each period and each simple breakdown."""
    starts = period_starts(since, until, bucket)
    dimensions = [dimension for dimension in dimensions if dimension in COLUMNS]
    rows = (
        responses.annotate(period=_period_case(starts, tz))
        .values("period", *(COLUMNS[dimension] for dimension in dimensions))
        .annotate(**_score_aggregates(kind), uninvited=Count("id", filter=Q(invitation__isnull=True)))
        .order_by()
    )
    names = list(_score_aggregates(kind))  # "answered", "s0", "s1", ...
    overall, uninvited = defaultdict(int), 0
    by_period = defaultdict(lambda: defaultdict(int))
    by_key = {dimension: defaultdict(lambda: defaultdict(int)) for dimension in dimensions}
    for row in rows:
        counts = {name: row[name] for name in names}
        uninvited += row["uninvited"]
        for totals in (overall, by_period[row["period"]], *(
            by_key[dimension][row[COLUMNS[dimension]]] for dimension in dimensions
        )):  # fmt: skip
            for name, value in counts.items():
                totals[name] += value
    empty = _scores({}, kind)
    periods = [
        Period(start, _scores(by_period[index], kind) if index in by_period else empty)
        for index, start in enumerate(starts)
    ]
    nulls_first = connections[responses.db].vendor == "sqlite"
    breakdowns = {
        dimension: _largest(by_key[dimension], kind, nulls_first=nulls_first) for dimension in dimensions
    }
    return Tally(_scores(overall, kind), periods, breakdowns, uninvited)


def _period_case(starts: list[date], tz) -> Case:
    """The index of the week or month (of `starts`) an answer falls in, from its instant."""
    bounds = [datetime.combine(start, time.min, tzinfo=tz) for start in starts[1:]]
    return Case(
        *[When(created_at__lt=bound, then=Value(index)) for index, bound in enumerate(bounds)],
        default=Value(len(starts) - 1),
        output_field=IntegerField(),
    )


def _largest(groups: dict, kind: str, *, nulls_first: bool) -> list[BreakdownRow]:
    """Largest groups first, then by key (unknown first on SQLite, last on PostgreSQL, as SQL sorts)."""

    def order(item):
        key, totals = item
        return (
            -totals["answered"],
            (key is not None) if nulls_first else (key is None),
            key if key is not None else "",
        )

    ranked = sorted(groups.items(), key=order)[:BREAKDOWN_LIMIT]
    return [BreakdownRow(key, _scores(totals, kind)) for key, totals in ranked]
