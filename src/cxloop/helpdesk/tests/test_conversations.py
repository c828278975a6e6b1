"""The staff verbs: each changes the conversation, writes an Activity naming the actor."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Activity, Conversation, Message, Tag, Team
from cxloop.helpdesk.services import conversations as services
from cxloop.hooks.models import WebhookDelivery, WebhookEndpoint
from cxloop.testing.fixtures import make_staff

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db


def test_the_first_reply_sets_first_response_and_every_reply_the_last_agent_reply(store, agent):
    conversation, _message = open_conversation(store)

    first = services.reply(conversation=conversation, author=agent, text="It left today.")
    conversation.refresh_from_db()
    first_response = conversation.first_response_at
    second = services.reply(conversation=conversation, author=agent, text="Tracking: 123")
    conversation.refresh_from_db()

    assert (first.kind, first.delivery, first.author) == ("reply", "queued", agent)
    assert first.subject == "Re: Parcel" and first.to == ["ania@example.pl"]
    assert first.message_id.startswith("<helpdesk-reply.") and first.message_id != second.message_id
    assert conversation.first_response_at == first_response == first.created_at
    assert conversation.last_agent_reply_at == second.created_at


def test_a_reply_is_queued_for_sending_after_commit(store, agent, django_capture_on_commit_callbacks):
    conversation, _message = open_conversation(store)
    with django_capture_on_commit_callbacks() as callbacks:
        services.reply(conversation=conversation, author=agent, text="Hello")
    assert len(callbacks) == 1


def test_an_empty_reply_is_refused_and_stores_nothing(store, agent):
    conversation, _message = open_conversation(store)
    with pytest.raises(InvalidInput):
        services.reply(conversation=conversation, author=agent, text="   ")
    assert not Message.objects.filter(kind="reply").exists()


@pytest.mark.parametrize(
    ("subject", "expected"),
    [("Parcel", "Re: Parcel"), ("Re: Parcel", "Re: Parcel"), ("RE:Parcel", "RE:Parcel"), ("", "Re:")],
)
def test_the_reply_subject_has_one_re(subject, expected):
    assert services.reply_subject(subject) == expected


def test_a_note_mentioning_a_member_emails_them_but_not_the_customer(
    store, owner, agent, other_store, django_capture_on_commit_callbacks, task_worker
):
    # given a member with a first name, and someone of another store with a similar address
    bob = make_staff(store, Membership.Role.AGENT, email="bob@sklep.test")
    bob.first_name = "Bob"
    bob.save(update_fields=["first_name"])
    make_staff(other_store, Membership.Role.AGENT, email="eve@other.test")
    conversation, _message = open_conversation(store)

    # when a note mentions Bob by name and eve by address
    with task_worker.committing():
        note = services.add_note(
            conversation=conversation, author=agent, text="@bob please check, cc @eve@other.test"
        )
    task_worker.run_ready()

    # then only Bob is told, and nothing reaches the customer
    assert note.kind == "note" and note.delivery == ""
    assert [message.to for message in mail.outbox] == [["bob@sklep.test"]]
    assert "check, cc" in mail.outbox[0].body
    assert not Message.objects.filter(kind="reply").exists()


def test_resolving_sets_resolved_at_writes_activity_and_publishes_the_webhook(
    store, agent, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(
        store=store, url="https://hooks.example.com/x", events=["conversation.resolved"]
    )
    conversation, _message = open_conversation(store)

    with django_capture_on_commit_callbacks():
        services.set_status(conversation=conversation, status="resolved", actor=agent)

    conversation.refresh_from_db()
    assert conversation.status == "resolved" and conversation.resolved_at is not None
    activity = Activity.objects.get(conversation=conversation, kind="status")
    assert (activity.actor, activity.data) == (agent, {"from": "open", "to": "resolved"})
    delivery = WebhookDelivery.objects.get(event="conversation.resolved")
    assert (delivery.payload["number"], delivery.payload["status"]) == (conversation.number, "resolved")


def test_snoozing_needs_a_time_to_come(store, agent):
    conversation, _message = open_conversation(store)
    with pytest.raises(InvalidInput):
        services.set_status(conversation=conversation, status="snoozed", actor=agent)
    with pytest.raises(InvalidInput):
        services.set_status(conversation=conversation, status="bogus", actor=agent)

    until = timezone.now() + timedelta(days=1)
    services.set_status(conversation=conversation, status="snoozed", actor=agent, snoozed_until=until)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == ("snoozed", until)

    services.set_status(conversation=conversation, status="pending", actor=agent)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until, conversation.resolved_at) == (
        "pending",
        None,
        None,
    )
    assert Activity.objects.filter(conversation=conversation, kind="status").count() == 2


def test_only_members_of_the_store_can_be_assigned(store, owner, agent, other_store):
    stranger = make_staff(other_store, Membership.Role.OWNER, email="stranger@other.test")
    conversation, _message = open_conversation(store)

    with pytest.raises(services.NotAMember):
        services.assign(conversation=conversation, assignee=stranger, actor=owner)
    services.assign(conversation=conversation, assignee=agent, actor=owner)
    services.assign(conversation=conversation, assignee=None, actor=owner)

    conversation.refresh_from_db()
    assert conversation.assignee is None
    assert [(a.actor, a.data) for a in Activity.objects.filter(kind="assigned").order_by("pk")] == [
        (owner, {"from": None, "to": agent.pk}),
        (owner, {"from": agent.pk, "to": None}),
    ]


def test_team_priority_and_tags_are_recorded(store, other_store, agent):
    conversation, _message = open_conversation(store)
    returns = Team.objects.create(store=store, name="Returns")
    foreign = Team.objects.create(store=other_store, name="Returns")

    with pytest.raises(InvalidInput):
        services.set_team(conversation=conversation, team=foreign, actor=agent)
    services.set_team(conversation=conversation, team=returns, actor=agent)
    services.set_priority(conversation=conversation, priority="urgent", actor=agent)
    services.set_tags(conversation=conversation, names=["vip", " Refund ", "VIP", ""], actor=agent)
    services.set_tags(conversation=conversation, names=["refund"], actor=agent)

    conversation.refresh_from_db()
    assert (conversation.team, conversation.priority) == (returns, "urgent")
    assert list(conversation.tags.values_list("name", flat=True)) == ["Refund"]
    assert sorted(Tag.objects.filter(store=store).values_list("name", flat=True)) == ["Refund", "vip"]
    kinds = list(
        Activity.objects.filter(conversation=conversation)
        .exclude(kind="created")
        .values_list("kind", flat=True)
    )
    assert kinds == ["team", "priority", "tagged", "tagged"]


def test_merge_moves_messages_and_resolves_the_source(store, agent, django_capture_on_commit_callbacks):
    target, _first = open_conversation(store, subject="Parcel")
    source, _second = open_conversation(store, subject="Parcel again")
    customer_writes(store, source, text="Hello?")
    other, _third = open_conversation(store, from_email="someone@else.example")

    with pytest.raises(InvalidInput):
        services.merge(source=other, target=target, actor=agent)
    services.merge(source=source, target=target, actor=agent)

    source.refresh_from_db()
    assert (source.status, source.merged_into) == (Conversation.Status.RESOLVED, target)
    assert Message.objects.filter(conversation=target).count() == 3
    assert Message.objects.filter(conversation=source).count() == 0
    assert Activity.objects.filter(kind="merged").count() == 2


def test_a_snoozed_conversation_reopens_when_its_time_comes(store, agent, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    conversation, _message = open_conversation(store)
    later, _m = open_conversation(store)
    services.set_status(
        conversation=conversation,
        status="snoozed",
        actor=agent,
        snoozed_until=timezone.now() + timedelta(hours=1),
    )
    services.set_status(
        conversation=later, status="snoozed", actor=agent, snoozed_until=timezone.now() + timedelta(days=1)
    )

    assert services.wake_snoozed() == 0
    time_machine.shift(timedelta(hours=1))
    assert services.wake_snoozed() == 1
    assert services.wake_snoozed() == 0

    conversation.refresh_from_db()
    later.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == ("open", None)
    assert later.status == "snoozed"
    woke = Activity.objects.filter(conversation=conversation, kind="status").order_by("pk").last()
    assert (woke.actor, woke.data["why"]) == (None, "snooze_ended")


def test_resolving_a_customers_conversation_asks_them_the_after_conversation_survey_once(store, agent):
    from cxloop.surveys.models import Invitation
    from cxloop.surveys.tests.factories import make_customer, make_survey

    customer = make_customer(store, email="ania@example.pl")
    make_survey(store, kind="csat", trigger="helpdesk_resolved")
    make_survey(store, kind="nps")  # another trigger: not asked
    conversation, _message = open_conversation(store)
    assert conversation.customer == customer

    services.set_status(conversation=conversation, status="resolved", actor=agent)
    services.set_status(conversation=conversation, status="open", actor=agent)
    services.set_status(conversation=conversation, status="resolved", actor=agent)

    [invitation] = Invitation.objects.filter(customer=customer)
    assert invitation.survey.kind == "csat" and invitation.channel == "helpdesk"
    assert invitation.reference == f"helpdesk-conversation:{conversation.pk}"


def test_resolving_an_unknown_senders_conversation_invites_no_one(store, agent):
    from cxloop.surveys.models import Invitation
    from cxloop.surveys.tests.factories import make_survey

    make_survey(store, kind="csat", trigger="helpdesk_resolved")
    conversation, _message = open_conversation(store)

    services.set_status(conversation=conversation, status="resolved", actor=agent)

    assert conversation.customer is None and not Invitation.objects.exists()
