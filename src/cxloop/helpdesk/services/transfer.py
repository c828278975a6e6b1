"""Hand a conversation on to a colleague or to a team: a transfer.

    transfer(conversation=c, actor=ania, agent=bob, note="Wants a refund on #1001")
    transfer(conversation=c, actor=ania, team=returns)   # the team's turn picks someone, or it waits

A transfer is the desk's own verbs (services.conversations: set_team, assign,
add_note) in one transaction, so SLAs, caps and the activity log stay what
they are for any assignment; its activities carry `"transfer": true`, and the
conversation page reads "Ania transferred it to Bob".

To a team without a named agent: when the team routes (services.routing), its
round-robin picks an available member with room under their cap, never the
agent handing the conversation on nor its assignee; otherwise, or when nobody
fits, the conversation waits unassigned in the team's queue.

The note is an internal note for the colleague (never shown to the customer).
In the same transaction the conversation's live channel keeps what the customer
sees of it (live_channels.record_transfer: the chat stores a neutral line its
widget shows once, live or on its next poll or reload). After commit the
receiving agent is emailed (notifications.notify_transfer) and the live channel
is told (live_channels.announce_transfer): the receiving agents' open pages hear it.

Refused, with nothing changed: a transfer to oneself or to the agent who has it,
or to the queue it already waits in (TransferRefused, 409); to someone who is not
a member of the store (NotAMember, 422); to another store's team (InvalidInput, 422).
"""

import uuid
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError, InvalidInput
from cxloop.core.models import Membership
from cxloop.core.names import person_name

from .. import live_channels
from ..models import Conversation, Message, Team
from . import conversations, routing

MAX_NOTE = 5000


class TransferRefused(DomainError):
    status = 409
    code = "transfer_refused"


@dataclass
class Transfer:
    """What a transfer did: who has the conversation now (None: it waits in `team`'s queue)."""

    conversation: Conversation
    agent: object | None
    team: Team | None
    note: Message | None = None
    told: list[int] = field(default_factory=list)  # the user ids told live (the agent, or the team)


def transfer(
    *, conversation: Conversation, actor, agent=None, team: Team | None = None, note: str = ""
) -> Transfer:
    """Give the conversation to `agent` or to `team` (see the module); one transaction, told after commit."""
    note = _check(conversation, actor, agent, team, note)
    with transaction.atomic():
        done = _transfer(conversation, actor, agent, team, note)
        _tell_after_commit(done, actor)
    return done


def _check(conversation, actor, agent, team, note: str) -> str:
    if (agent is None) == (team is None):
        raise InvalidInput(_("Choose one agent or one team to transfer to."), field="to")
    if team is not None and team.store_id != conversation.store_id:
        raise InvalidInput(_("No such team in this store."), field="to")
    if agent is not None:
        if actor is not None and agent.pk == actor.pk:
            raise TransferRefused(_("You cannot transfer a conversation to yourself."), field="to")
        if agent.pk == conversation.assignee_id:
            raise TransferRefused(
                _("%(name)s already has this conversation.") % {"name": display_name(agent)}, field="to"
            )
        if not Membership.objects.filter(
            store_id=conversation.store_id, user=agent, user__is_active=True
        ).exists():
            raise conversations.NotAMember(_("Only a member of this store can be assigned."), field="to")
    elif conversation.team_id == team.pk and conversation.assignee_id is None:
        raise TransferRefused(
            _("This conversation already waits in the queue of team %(team)s.") % {"team": team.name},
            field="to",
        )
    note = (note or "").replace("\x00", "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(_("The note is at most %(count)s characters.") % {"count": MAX_NOTE}, field="note")
    return note


def _transfer(conversation, actor, agent, team, note: str) -> Transfer:
    details = {"transfer": True}
    if team is not None:
        agent = _team_pick(conversation, team, actor)
        details["team"] = team.name
        reassigning = (agent.pk if agent else None) != conversation.assignee_id
        # The log says "transferred" once: on the assignment, or on the team change when it stays unassigned.
        conversations.set_team(
            conversation=conversation,
            team=team,
            actor=actor,
            details=None if reassigning else {"transfer": True},
        )
    conversations.assign(conversation=conversation, assignee=agent, actor=actor, details=details)
    live_channels.record_transfer(conversation)  # before the note: the customer's line follows their chat
    message = conversations.add_note(conversation=conversation, author=actor, text=note) if note else None
    return Transfer(conversation=conversation, agent=agent, team=team, note=message)


def _team_pick(conversation, team: Team, actor):
    """The team member whose turn it is (the team locked, as routing does), or None: it waits."""
    locked = Team.objects.select_for_update().get(pk=team.pk)
    if not locked.routing:
        return None
    passing = {pk for pk in (getattr(actor, "pk", None), conversation.assignee_id) if pk}
    agent = routing.next_agent(locked, conversation.language, passing=passing)
    if agent is not None:
        Team.objects.filter(pk=locked.pk).update(last_assigned=agent)
    return agent


def _tell_after_commit(done: Transfer, actor) -> None:
    from ..tasks import notify_transfer_task

    if done.agent is not None:
        done.told = [done.agent.pk]
        transfer_id = uuid.uuid4().hex[:16]  # one Message-ID for every attempt of this transfer's email
        transaction.on_commit(
            partial(
                notify_transfer_task.enqueue,
                done.conversation.pk, done.agent.pk, getattr(actor, "pk", None),
                done.note.pk if done.note else None, transfer_id,
            )
        )  # fmt: skip
    else:
        handing_on = getattr(actor, "pk", None)
        done.told = [user.pk for user in routing.takers(done.team)[0] if user.pk != handing_on]
    told, conversation = list(done.told), done.conversation
    transaction.on_commit(
        lambda: live_channels.announce_transfer(conversation, user_ids=told, actor=actor, team=done.team)
    )


def display_name(user) -> str:
    return (person_name(user.first_name, user.last_name) or user.email) if user is not None else ""
