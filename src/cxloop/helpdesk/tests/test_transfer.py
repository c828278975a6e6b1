"""Transfers: a conversation handed to a colleague or a team through the desk's own verbs."""

import pytest
from django.urls import reverse

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Activity, AgentProfile, Message, Team
from cxloop.helpdesk.services import conversations
from cxloop.helpdesk.services.conversations import NotAMember
from cxloop.helpdesk.services.transfer import TransferRefused, transfer
from cxloop.helpdesk.views import activity_text
from cxloop.testing.fixtures import make_staff

from .factories import open_conversation

pytestmark = pytest.mark.django_db


def member(store, name, **profile):
    user = make_staff(store, Membership.Role.AGENT, email=f"{name}@{store.slug}.test")
    user.first_name = name.capitalize()
    user.save(update_fields=["first_name"])
    if profile:
        AgentProfile.objects.create(store=store, user=user, **profile)
    return user


def team_of(store, name, *members, routing=True):
    team = Team.objects.create(store=store, name=name, routing=routing)
    team.members.add(*members)
    return team


def held_by(store, agent):
    conversation, _message = open_conversation(store)
    conversations.assign(conversation=conversation, assignee=agent, actor=agent)
    return conversation


def log_lines(conversation):
    names = {u.pk: u.first_name for u in [a.actor for a in conversation.activities.all()] if u}
    names |= {m.user_id: m.user.first_name for m in Membership.objects.filter(store=conversation.store)}
    return [activity_text(a, names) for a in conversation.activities.order_by("created_at", "pk")]


def test_a_transfer_to_an_agent_reassigns_it_logs_who_did_it_and_keeps_the_note_internal(store):
    ania, bob = member(store, "ania"), member(store, "bob")
    conversation = held_by(store, ania)

    done = transfer(conversation=conversation, actor=ania, agent=bob, note="Refund for #1001, please")

    conversation.refresh_from_db()
    assert conversation.assignee == bob and done.agent == bob and done.told == [bob.pk]
    assert log_lines(conversation)[-1] == "Ania transferred it to Bob"
    assert done.note.kind == Message.Kind.NOTE and done.note.text == "Refund for #1001, please"
    assert conversation.messages.filter(kind=Message.Kind.NOTE).count() == 1


def test_a_transfer_to_a_team_gives_it_to_the_member_whose_turn_it_is_never_back_to_the_sender(store):
    ania, bob, cleo = member(store, "ania"), member(store, "bob"), member(store, "cleo", available=False)
    returns = team_of(store, "Returns", ania, bob, cleo)
    returns.last_assigned = bob  # ania (the sender) is next in turn, then cleo (away): bob takes it
    returns.save(update_fields=["last_assigned"])
    conversation = held_by(store, ania)

    done = transfer(conversation=conversation, actor=ania, team=returns)

    conversation.refresh_from_db()
    assert (conversation.team, conversation.assignee, done.agent) == (returns, bob, bob)
    assert log_lines(conversation)[-1] == "Ania transferred it to team Returns: Bob takes it"
    returns.refresh_from_db()
    assert returns.last_assigned == bob


def test_a_transfer_to_a_team_where_nobody_has_room_waits_unassigned_in_its_queue(store):
    ania = member(store, "ania")
    bob = member(store, "bob", max_open=1)
    held_by(store, bob)  # bob is at his cap
    returns = team_of(store, "Returns", ania, bob)
    conversation = held_by(store, ania)

    done = transfer(conversation=conversation, actor=ania, team=returns)

    conversation.refresh_from_db()
    assert (conversation.team, conversation.assignee, done.agent) == (returns, None, None)
    assert done.told == [bob.pk]  # the team's members hear of it, not the agent handing it on
    assert log_lines(conversation)[-1] == "Ania transferred it to team Returns (waiting in its queue)"


def test_an_unassigned_conversation_moved_to_another_team_queue_is_logged_as_a_transfer(store):
    ania = member(store, "ania")
    conversation, _message = open_conversation(store)
    manual = team_of(store, "Wholesale", routing=False)

    transfer(conversation=conversation, actor=ania, team=manual)

    conversation.refresh_from_db()
    assert conversation.team == manual and conversation.assignee is None
    assert log_lines(conversation)[-1] == "Ania transferred it to team Wholesale (waiting in its queue)"


@pytest.mark.parametrize("target", ["self", "assignee", "queue"])
def test_a_transfer_to_oneself_the_current_assignee_or_the_queue_it_waits_in_is_refused(store, target):
    ania, bob = member(store, "ania"), member(store, "bob")
    manual = team_of(store, "Wholesale", routing=False)
    conversation = held_by(store, bob)
    if target == "queue":
        conversations.assign(conversation=conversation, assignee=None, actor=ania)
        conversations.set_team(conversation=conversation, team=manual, actor=ania)
    before = Activity.objects.count()
    kwargs = {"self": {"agent": ania}, "assignee": {"agent": bob}, "queue": {"team": manual}}[target]

    with pytest.raises(TransferRefused) as refused:
        transfer(conversation=conversation, actor=ania, note="n", **kwargs)

    expected = {
        "self": "You cannot transfer a conversation to yourself.",
        "assignee": "Bob already has this conversation.",
        "queue": "This conversation already waits in the queue of team Wholesale.",
    }[target]
    assert refused.value.message == expected and refused.value.status == 409
    assert Activity.objects.count() == before and not conversation.messages.filter(kind="note").exists()


def test_another_stores_agent_or_team_is_refused_and_nothing_changes(store, other_store):
    ania = member(store, "ania")
    conversation = held_by(store, ania)
    stranger = make_staff(other_store, Membership.Role.AGENT, email="x@other.test")
    foreign_team = Team.objects.create(store=other_store, name="Theirs")

    with pytest.raises(NotAMember):
        transfer(conversation=conversation, actor=ania, agent=stranger)
    with pytest.raises(InvalidInput):
        transfer(conversation=conversation, actor=ania, team=foreign_team)

    conversation.refresh_from_db()
    assert conversation.assignee == ania and conversation.team is None


def test_the_receiving_agent_is_emailed_with_the_note(store, smtp_server, task_worker):
    ania, bob = member(store, "ania"), member(store, "bob")
    conversation = held_by(store, ania)

    with task_worker.committing():
        transfer(conversation=conversation, actor=ania, agent=bob, note="Ma zwrot do zrobienia")
    task_worker.run_ready()

    [mail] = smtp_server.messages
    assert mail["To"] == bob.email
    assert mail["Subject"] == f"Ania transferred #{conversation.number} Parcel to you"
    body = mail.get_body(("plain",)).get_content()
    assert "Ma zwrot do zrobienia" in body
    assert reverse("helpdesk:conversation", args=[conversation.pk]) in body
