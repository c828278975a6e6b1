"""CSAT per agent and per team: answers to the survey sent after a resolved conversation.

When a conversation is resolved, `surveys.services.invite_after_conversation`
invites its customer with the invitation's `reference` set to
``helpdesk-conversation:<conversation id>`` (helpdesk.services.conversations.set_status).
An answer links back through ``Response.invitation.reference``. Answers to
CSAT surveys given in the period count; an answer is satisfied in the high
band (4 or 5 of 5). It is credited to the conversation's assignee and team as
they are now.

The answers of the period are few next to conversations (one per resolved
conversation at most), so they are read in one query and their conversations
looked up by id in batches.
"""

from collections import defaultdict
from dataclasses import dataclass

from cxloop.surveys import queries as survey_queries

from ..models import Conversation, Team
from .figures import _agent_names
from .period import ReportPeriod

REFERENCE_PREFIX = "helpdesk-conversation:"
BATCH = 2000


@dataclass
class CsatRow:
    key: int | None
    name: str
    answers: int = 0
    satisfied: int = 0

    @property
    def share(self) -> float | None:
        return self.satisfied * 100 / self.answers if self.answers else None


def conversation_reference(conversation_id: int) -> str:
    return f"{REFERENCE_PREFIX}{conversation_id}"


def _answers(period: ReportPeriod) -> dict[int, list[bool]]:
    """Satisfied or not, per conversation id, for CSAT answers given in the period."""
    rows = survey_queries.list_helpdesk_csat_answers(
        period.store, prefix=REFERENCE_PREFIX, since=period.start, until=period.end
    )
    answers: dict[int, list[bool]] = defaultdict(list)
    for reference, satisfied in rows:
        number = reference[len(REFERENCE_PREFIX) :]
        if number.isdecimal():
            answers[int(number)].append(satisfied)
    return answers


def csat(period: ReportPeriod) -> tuple[list[CsatRow], list[CsatRow]]:
    """(per agent, per team), most answers first; "Unassigned" and "No team" rows for None."""
    answers = _answers(period)
    ids = list(answers)
    owners = {}
    for start in range(0, len(ids), BATCH):
        batch = Conversation.objects.filter(period.conversation_filter(), pk__in=ids[start : start + BATCH])
        owners.update(
            {pk: (assignee, team) for pk, assignee, team in batch.values_list("pk", "assignee_id", "team_id")}
        )
    agents: dict[int | None, CsatRow] = {}
    teams: dict[int | None, CsatRow] = {}
    for pk, (assignee, team) in owners.items():
        for key, table in ((assignee, agents), (team, teams)):
            row = table.setdefault(key, CsatRow(key=key, name=""))
            row.answers += len(answers[pk])
            row.satisfied += sum(answers[pk])
    _name(agents, _agent_names({key for key in agents if key is not None}))
    team_names = dict(
        Team.objects.filter(store=period.store, pk__in=[k for k in teams if k]).values_list("pk", "name")
    )
    _name(teams, team_names)
    return _ordered(agents), _ordered(teams)


def _name(rows: dict, names: dict) -> None:
    for key, row in rows.items():
        row.name = names.get(key, "") if key is not None else ""


def _ordered(rows: dict) -> list[CsatRow]:
    return sorted(rows.values(), key=lambda r: (-r.answers, r.key is None, r.name.lower()))
