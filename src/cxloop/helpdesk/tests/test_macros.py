"""Macros: one click does everything through the verbs, each change an Activity naming the macro."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Activity, Macro, Message, Team
from cxloop.helpdesk.services import conversations as verbs
from cxloop.helpdesk.services.macros import MissingValues, apply_macro, save_macro
from cxloop.testing.fixtures import make_staff

from .factories import open_conversation

pytestmark = pytest.mark.django_db


def make_macro(store, **fields) -> Macro:
    return Macro.objects.create(store=store, name=fields.pop("name", "Refund sent"), **fields)


def test_applying_a_macro_replies_tags_assigns_routes_prioritises_and_resolves_with_activities(
    store, owner, agent
):
    # given
    returns = Team.objects.create(store=store, name="Returns")
    conversation, _message = open_conversation(store, from_name="Ania Nowak")
    verbs.set_tags(conversation=conversation, names=["shoes"], actor=owner)
    macro = make_macro(
        store, reply_body="Hi {{ customer.first_name }}, the refund is on its way.", add_tags=["refund"],
        status="resolved", assignee=agent, team=returns, priority="high",
    )  # fmt: skip

    # when
    apply_macro(macro=macro, conversation=conversation, actor=owner)

    # then
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee, conversation.team, conversation.priority) == (
        "resolved", agent, returns, "high",
    )  # fmt: skip
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["refund", "shoes"]
    reply = Message.objects.get(conversation=conversation, kind="reply")
    assert (reply.text, reply.author, reply.delivery) == (
        "Hi Ania, the refund is on its way.",
        owner,
        "queued",
    )
    by_macro = Activity.objects.filter(conversation=conversation, data__macro="Refund sent").order_by("pk")
    assert [(a.kind, a.actor) for a in by_macro] == [
        ("tagged", owner), ("assigned", owner), ("team", owner), ("priority", owner), ("status", owner),
    ]  # fmt: skip
    assert {a.data["macro_id"] for a in by_macro} == {macro.pk}
    assert by_macro[0].data["added"] == ["refund"]
    earlier = Activity.objects.get(conversation=conversation, kind="tagged", data__added=["shoes"])
    assert "macro" not in earlier.data


def test_a_snoozing_macro_snoozes_for_its_hours(store, agent):
    conversation, _message = open_conversation(store)
    macro = make_macro(store, name="Wait for carrier", status="snoozed", snooze_hours=48)
    before = timezone.now()

    apply_macro(macro=macro, conversation=conversation, actor=agent)

    conversation.refresh_from_db()
    assert conversation.status == "snoozed"
    assert before + timedelta(hours=47) < conversation.snoozed_until < timezone.now() + timedelta(hours=49)


def test_a_reply_with_missing_values_is_refused_until_confirmed(store, agent):
    conversation, _message = open_conversation(store)
    macro = make_macro(store, reply_body="Your order {{ order.name }} left.", priority="high")

    with pytest.raises(MissingValues) as refused:
        apply_macro(macro=macro, conversation=conversation, actor=agent)
    conversation.refresh_from_db()
    assert refused.value.names == ["order.name"]
    assert conversation.priority == "normal" and not Message.objects.filter(kind="reply").exists()

    apply_macro(macro=macro, conversation=conversation, actor=agent, allow_missing=True)
    assert Message.objects.get(kind="reply").text == "Your order  left."


def test_when_one_change_fails_nothing_of_the_macro_is_done(store, owner):
    conversation, _message = open_conversation(store)
    leaver = make_staff(store, Membership.Role.AGENT, email="leaver@example.com")
    macro = make_macro(store, reply_body="On it.", add_tags=["x"], assignee=leaver, priority="urgent")
    Membership.objects.filter(user=leaver).delete()

    with pytest.raises(verbs.NotAMember):
        apply_macro(macro=macro, conversation=conversation, actor=owner)

    conversation.refresh_from_db()
    assert (conversation.priority, conversation.assignee) == ("normal", None)
    assert not conversation.tags.exists() and not Message.objects.filter(kind="reply").exists()
    assert list(Activity.objects.filter(conversation=conversation).values_list("kind", flat=True)) == [
        "created"
    ]


def test_saving_a_macro_refuses_unknown_variables_and_empty_macros(store, owner):
    with pytest.raises(InvalidInput) as unknown:
        save_macro(store=store, fields={"name": "A", "reply_body": "{{ order.secret }}"}, actor=owner)
    with pytest.raises(InvalidInput) as empty:
        save_macro(store=store, fields={"name": "Nothing"}, actor=owner)
    with pytest.raises(InvalidInput) as no_hours:
        save_macro(store=store, fields={"name": "Snooze", "status": "snoozed"}, actor=owner)

    assert "{{ order.secret }}" in unknown.value.message and unknown.value.field == "reply_body"
    assert empty.value.field == "name"
    assert no_hours.value.field == "snooze_hours"
    assert not Macro.objects.exists()


def test_saving_a_macro_refuses_another_stores_team(store, other_store, owner):
    theirs = Team.objects.create(store=other_store, name="Theirs")

    with pytest.raises(InvalidInput):
        save_macro(store=store, fields={"name": "Route", "team": theirs}, actor=owner)


# The pages


def test_an_admin_makes_a_macro_from_the_page_and_an_agent_is_refused(
    store, agent, staff_client, agent_client
):
    fields = {
        "name": "Close politely", "reply_body": "Thanks, {{ customer.first_name }}!",
        "add_tags": "done, polite", "status": "resolved", "assignee": str(agent.pk), "priority": "low",
    }  # fmt: skip

    assert agent_client.get(reverse("helpdesk:macro-list")).status_code == 403
    assert agent_client.post(reverse("helpdesk:macro-list"), fields).status_code == 403
    assert staff_client.post(reverse("helpdesk:macro-list"), fields).status_code == 302

    macro = Macro.objects.get(store=store)
    assert (macro.add_tags, macro.status, macro.assignee, macro.priority) == (
        ["done", "polite"],
        "resolved",
        agent,
        "low",
    )
    assert agent_client.post(reverse("helpdesk:macro-detail", args=[macro.pk]), fields).status_code == 403
    assert agent_client.post(reverse("helpdesk:macro-delete", args=[macro.pk])).status_code == 403
    assert staff_client.post(reverse("helpdesk:macro-delete", args=[macro.pk])).status_code == 302
    assert not Macro.objects.exists()


def test_the_macro_page_refuses_a_member_of_another_store(store, other_store, staff_client):
    stranger = make_staff(other_store, Membership.Role.AGENT, email="stranger@example.com")

    response = staff_client.post(reverse("helpdesk:macro-list"), {"name": "X", "assignee": str(stranger.pk)})

    assert response.status_code == 400 and not Macro.objects.exists()


def test_an_agent_applies_a_macro_from_the_conversation_page(store, agent, agent_client):
    conversation, _message = open_conversation(store)
    macro = make_macro(store, add_tags=["refund"], status="pending")

    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    response = agent_client.post(reverse("helpdesk:macro-apply", args=[conversation.pk]), {"macro": macro.pk})

    assert "Apply macro" in page
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "pending"
    assert list(conversation.tags.values_list("name", flat=True)) == ["refund"]
    after = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    assert "set the status to Pending (macro “Refund sent”)" in after


def test_the_page_asks_before_sending_a_macro_reply_with_missing_values(store, agent_client):
    conversation, _message = open_conversation(store)
    macro = make_macro(store, reply_body="Tracking: {{ order.tracking_url }}", status="resolved")
    url = reverse("helpdesk:macro-apply", args=[conversation.pk])

    asked = agent_client.post(url, {"macro": macro.pk})
    conversation.refresh_from_db()
    assert asked.status_code == 409 and "order.tracking_url" in asked.content.decode()
    assert conversation.status == "open"

    assert agent_client.post(url, {"macro": macro.pk, "confirm": "1"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "resolved"


def test_applying_another_stores_macro_or_to_another_stores_conversation_is_404(
    store, other_store, agent_client
):
    ours, _message = open_conversation(store)
    theirs, _message = open_conversation(other_store)
    their_macro = make_macro(other_store, priority="urgent")
    our_macro = make_macro(store, priority="urgent")

    assert (
        agent_client.post(
            reverse("helpdesk:macro-apply", args=[ours.pk]), {"macro": their_macro.pk}
        ).status_code
        == 404
    )
    assert (
        agent_client.post(
            reverse("helpdesk:macro-apply", args=[theirs.pk]), {"macro": our_macro.pk}
        ).status_code
        == 404
    )
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.priority == theirs.priority == "normal"


def test_another_stores_macro_pages_are_404(other_store, staff_client):
    theirs = make_macro(other_store, priority="urgent")
    for name in ("helpdesk:macro-detail", "helpdesk:macro-delete"):
        assert staff_client.post(reverse(name, args=[theirs.pk]), {"name": "Mine now"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Refund sent"
