"""Every figure of a report, and each of its tables as rows for the page and for CSV.

CSV cells are plain: durations in business minutes with one decimal, shares
in percent with one decimal, dates in ISO 8601, so a spreadsheet reads them
back as numbers. The page formats the same values through core.formats.
"""

from datetime import datetime
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Channel
from ..services.desk import business_hours
from . import figures
from .csat import CsatRow, csat
from .outcomes import Outcomes, outcomes
from .period import ReportPeriod
from .sla import SlaRow, sla_attainment

WEEKDAYS = (
    gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"), gettext_lazy("Thursday"),
    gettext_lazy("Friday"), gettext_lazy("Saturday"), gettext_lazy("Sunday"),
)  # fmt: skip
TABLES = {
    "summary": gettext_lazy("Key numbers"),
    "channels": gettext_lazy("Conversations by channel"),
    "hours": gettext_lazy("Conversations by hour of the week"),
    "tags": gettext_lazy("Conversations by tag"),
    "backlog": gettext_lazy("Open conversations at the end of each day"),
    "agents": gettext_lazy("Agent performance"),
    "csat-agents": gettext_lazy("CSAT per agent"),
    "csat-teams": gettext_lazy("CSAT per team"),
    "outcomes": gettext_lazy("What happened after"),
    "sla": gettext_lazy("SLA attainment"),
}


class Report:
    """The figures of one period, each computed when first read (a CSV of one table computes one)."""

    def __init__(self, period: ReportPeriod, *, per: str = "week", now: datetime | None = None):
        self.period = period
        self.per = per
        self.now = now or timezone.now()

    @cached_property
    def hours(self):
        return business_hours(self.period.store)

    @cached_property
    def first_rows(self):
        return figures.first_response_rows(self.period)

    @cached_property
    def summary(self) -> figures.Summary:
        return figures.summary(self.period, hours=self.hours, first_rows=self.first_rows)

    @cached_property
    def channels(self) -> list[tuple[str, int]]:
        return figures.volume_by_channel(self.period)

    @cached_property
    def by_hour(self) -> dict[tuple[int, int], int]:
        return figures.volume_by_hour(self.period)

    @cached_property
    def tags(self) -> list[tuple[str, int]]:
        return figures.volume_by_tag(self.period)

    @cached_property
    def backlog(self) -> list:
        return figures.backlog(self.period, now=self.now)

    @cached_property
    def agents(self) -> list[figures.AgentRow]:
        return figures.agent_performance(self.period, self.per, hours=self.hours, first_rows=self.first_rows)

    @cached_property
    def _csat(self) -> tuple[list[CsatRow], list[CsatRow]]:
        return csat(self.period)

    @property
    def csat_agents(self) -> list[CsatRow]:
        return self._csat[0]

    @property
    def csat_teams(self) -> list[CsatRow]:
        return self._csat[1]

    @cached_property
    def outcomes(self) -> Outcomes:
        return outcomes(self.period, now=self.now)

    @cached_property
    def sla(self) -> list[SlaRow] | None:
        return sla_attainment(self.period)

    @property
    def is_empty(self) -> bool:
        """No conversation opened, answered or resolved in the period."""
        s = self.summary
        return not (s.created or s.first_response.total or s.resolved or s.resolutions_counted)


def build_report(period: ReportPeriod, *, per: str = "week", now: datetime | None = None) -> Report:
    return Report(period, per=per, now=now)


def minutes(seconds: float | None) -> str | float:
    return "" if seconds is None else round(seconds / 60, 1)


def share(value: float | None) -> str | float:
    return "" if value is None else round(value, 1)


def _summary(report: Report):
    s = report.summary
    head = [_("Figure"), _("Value"), _("Conversations")]
    rows = [
        [
            _("Median first response (business minutes)"),
            minutes(s.first_response.median),
            s.first_response.total,
        ],
        [
            _("90th percentile first response (business minutes)"),
            minutes(s.first_response.p90),
            s.first_response.total,
        ],
        [_("Median resolution time (business minutes)"), minutes(s.resolution.median), s.resolution.total],
        [
            _("90th percentile resolution time (business minutes)"),
            minutes(s.resolution.p90),
            s.resolution.total,
        ],
        [_("Replies per resolution"), share(s.replies_per_resolution), s.resolved],
        [_("Reopen rate (%)"), share(s.reopen_rate), s.resolutions_counted],
        [_("Conversations opened"), s.created, s.created],
    ]
    return head, rows


def _channels(report: Report):
    names = dict(Channel.choices)
    return [_("Channel"), _("Conversations")], [[str(names.get(c, c)), n] for c, n in report.channels]


def _hours(report: Report):
    head = [_("Day"), *(f"{hour:02d}:00" for hour in range(24))]
    rows = [
        [str(WEEKDAYS[day - 1]), *(report.by_hour.get((day, hour), 0) for hour in range(24))]
        for day in range(1, 8)
    ]
    return head, rows


def _tags(report: Report):
    return [_("Tag"), _("Conversations")], [[name, n] for name, n in report.tags]


def _backlog(report: Report):
    return [_("Day"), _("Open conversations")], [[day.isoformat(), n] for day, n in report.backlog]


def _agents(report: Report):
    head = [
        _("Period starting"), _("Agent"), _("Replies sent"), _("Conversations resolved"),
        _("Median first response (business minutes)"),
    ]  # fmt: skip
    rows = [
        [row.bucket.isoformat(), row.agent, row.replies, row.resolved, minutes(row.median_first_response)]
        for row in report.agents
    ]
    return head, rows


def _csat(rows: list[CsatRow], nobody: str, title: str):
    head = [title, _("Answers"), _("Satisfied"), _("Satisfied (%)")]
    return head, [[row.name or nobody, row.answers, row.satisfied, share(row.share)] for row in rows]


def _outcomes(report: Report):
    o = report.outcomes
    head = [_("Group"), _("Windows"), _("Complete windows"), _("Ordered within the window"), _("Ordered (%)")]
    groups = [
        (_("Customers after a resolved conversation"), o.after_conversation),
        (_("Other customers (baseline)"), o.baseline),
        (_("Detractors the help desk contacted"), o.detractors_contacted),
        (_("Detractors not contacted"), o.detractors_not_contacted),
    ]
    return head, [[name, c.windows, c.complete, c.ordered, share(c.share)] for name, c in groups]


def _sla(report: Report):
    head = [_("Clock"), _("Due in the period"), _("Met in time"), _("Met (%)")]
    return head, [[row.label, row.due, row.met, share(row.share)] for row in report.sla or []]


def build_table(report: Report, name: str) -> tuple[list[str], list[list]]:
    """(header, rows) of one of TABLES; KeyError for another name."""
    builders = {
        "summary": _summary,
        "channels": _channels,
        "hours": _hours,
        "tags": _tags,
        "backlog": _backlog,
        "agents": _agents,
        "csat-agents": lambda r: _csat(r.csat_agents, _("Unassigned"), _("Agent")),
        "csat-teams": lambda r: _csat(r.csat_teams, _("No team"), _("Team")),
        "outcomes": _outcomes,
        "sla": _sla,
    }
    return builders[name](report)
