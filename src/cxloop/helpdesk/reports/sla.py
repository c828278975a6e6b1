"""SLA attainment: the share of conversations whose clocks were met, per clock.

Nothing to show yet: SLA policies and their due times on `Conversation` are
not part of the help desk at this version, so `sla_attainment` answers None
and the page says "No SLA policies".

When conversations carry due times, adding this section is a few lines:

1. list each clock in `CLOCKS` as (name, label, due field, met field), e.g.
   ``("first_response", _("First response"), "first_response_due_at", "first_response_at")``;
2. make `has_policies` answer whether the store has any policy.

`sla_attainment` then counts, in one aggregate over the conversations with a
due time in the period, those met by their due time, and the template
(`helpdesk/_report_sla.html`) and the CSV table ("sla") already show each
clock's row.
"""

from dataclasses import dataclass

from django.db.models import Count, F, Q

from ..models import Conversation
from .period import ReportPeriod

# (name, label, due field on Conversation, the field saying when the clock was met)
CLOCKS: tuple[tuple[str, str, str, str], ...] = ()


@dataclass
class SlaRow:
    name: str
    label: str
    due: int  # conversations whose due time fell in the period
    met: int  # of which met in time

    @property
    def share(self) -> float | None:
        return self.met * 100 / self.due if self.due else None


def has_policies(store) -> bool:
    return False


def sla_attainment(period: ReportPeriod) -> list[SlaRow] | None:
    """A row per clock, or None when the store has no SLA policies."""
    if not CLOCKS or not has_policies(period.store):
        return None
    conversations = Conversation.objects.filter(period.conversation_filter())
    aggregates = {}
    for name, _label, due, met in CLOCKS:
        in_period = Q(**{f"{due}__gte": period.start, f"{due}__lt": period.end})
        aggregates[f"{name}_due"] = Count("pk", filter=in_period)
        aggregates[f"{name}_met"] = Count("pk", filter=in_period & Q(**{f"{met}__lte": F(due)}))
    counts = conversations.aggregate(**aggregates)
    return [
        SlaRow(name, str(label), counts[f"{name}_due"], counts[f"{name}_met"]) for name, label, *_ in CLOCKS
    ]
