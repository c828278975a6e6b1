"""Bulk actions of the inbox: each selected conversation of this store changes through its verb."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cxloop.helpdesk.models import Activity, Conversation, Macro, Message, Team
from cxloop.helpdesk.services.bulk import MAX_SELECTED

from .factories import open_conversation

pytestmark = pytest.mark.django_db


def bulk(client, conversations, action, **extra):
    ids = [str(c.pk if hasattr(c, "pk") else c) for c in conversations]
    return client.post(reverse("helpdesk:bulk"), {"conversation": ids, "action": action, **extra})


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def said_then_shown(client, response) -> list[str]:
    words = said(response)
    client.get(response["Location"])  # the inbox shows them, so the next action's words stand alone
    return words


def test_resolving_three_conversations_ignores_another_stores_and_goes_back_to_the_same_page(
    store, other_store, agent, agent_client
):
    # given
    ours = [open_conversation(store, subject=f"Ours {n}")[0] for n in range(3)]
    theirs, _message = open_conversation(other_store, subject="Theirs")

    # when
    response = bulk(agent_client, [*ours, theirs], "status:resolved", next_query="status=open&q=Ours&page=2")

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("helpdesk:inbox") + "?status=open&q=Ours&page=2"
    assert said(response) == ["3 conversations resolved"]
    assert set(Conversation.objects.filter(store=store).values_list("status", flat=True)) == {"resolved"}
    theirs.refresh_from_db()
    assert theirs.status == "open"
    resolved = Activity.objects.filter(kind="status", data__to="resolved")
    assert sorted(resolved.values_list("conversation_id", flat=True)) == sorted(c.pk for c in ours)
    assert {a.actor for a in resolved} == {agent}


def test_assign_team_tag_and_priority_go_through_the_verbs(store, owner, agent, agent_client):
    conversations = [open_conversation(store)[0] for _n in range(2)]
    returns = Team.objects.create(store=store, name="Returns")

    said_back = [
        said_then_shown(agent_client, bulk(agent_client, conversations, f"assign:{owner.pk}")),
        said_then_shown(agent_client, bulk(agent_client, conversations, f"team:{returns.pk}")),
        said_then_shown(agent_client, bulk(agent_client, conversations, "tag", tag="vip")),
        said_then_shown(agent_client, bulk(agent_client, conversations, "priority:urgent")),
    ]

    assert said_back == [
        ["2 conversations assigned"], ["2 conversations moved"], ["2 conversations tagged"],
        ["2 conversations given a new priority"],
    ]  # fmt: skip
    for conversation in conversations:
        conversation.refresh_from_db()
        assert (conversation.assignee, conversation.team, conversation.priority) == (owner, returns, "urgent")
        assert list(conversation.tags.values_list("name", flat=True)) == ["vip"]
        kinds = (
            Activity.objects.filter(conversation=conversation).values_list("kind", flat=True).order_by("pk")
        )
        assert list(kinds) == ["created", "assigned", "team", "tagged", "priority"]


def test_a_macro_is_applied_to_each_and_one_without_an_address_is_skipped(store, agent_client):
    ours = [open_conversation(store)[0] for _n in range(2)]
    Conversation.objects.filter(pk=ours[1].pk).update(contact_email="")
    macro = Macro.objects.create(store=store, name="Thanks", reply_body="Thank you!", priority="low")

    response = bulk(agent_client, ours, f"macro:{macro.pk}")

    assert said(response)[0] == "Macro applied to 1 conversation"
    assert "1 conversation was left as it was" in said(response)[1]
    assert Message.objects.filter(kind="reply").count() == 1
    assert list(Conversation.objects.order_by("pk").values_list("priority", flat=True)) == ["low", "normal"]


def test_another_stores_macro_team_or_member_is_refused(store, other_store, agent_client):
    conversation, _message = open_conversation(store)
    their_macro = Macro.objects.create(store=other_store, name="Theirs", priority="urgent")
    their_team = Team.objects.create(store=other_store, name="Theirs")

    refusals = {
        f"macro:{their_macro.pk}": "No such macro.",
        f"team:{their_team.pk}": "No such team.",
        "assign:999999": "Only a member of this store can be assigned.",
        "status:snoozed": "Unknown status.",
        "nonsense": "Choose an action.",
    }
    for action, refusal in refusals.items():
        response = bulk(agent_client, [conversation], action)
        assert response.status_code == 302
        assert said_then_shown(agent_client, response) == [refusal]
    conversation.refresh_from_db()
    assert (conversation.priority, conversation.team) == ("normal", None)
    assert list(Activity.objects.values_list("kind", flat=True)) == ["created"]


def test_more_than_the_cap_is_refused_with_a_clear_error(store, agent_client):
    conversation, _message = open_conversation(store)
    ids = [conversation.pk] + list(range(10_000_000, 10_000_000 + MAX_SELECTED))

    response = bulk(agent_client, ids, "status:resolved")

    assert said(response) == [f"Select at most {MAX_SELECTED} conversations at a time."]
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_nothing_selected_says_so(store, agent_client):
    response = bulk(agent_client, [], "status:resolved")
    assert said(response) == ["Select at least one conversation."]


def test_the_redirect_never_leaves_the_inbox(store, agent_client):
    conversation, _message = open_conversation(store)
    response = bulk(agent_client, [conversation], "status:pending", next_query="//evil.example/\r\nx=1")
    assert response["Location"].startswith(reverse("helpdesk:inbox") + "?")
    assert "evil.example/" not in response["Location"].split("?")[0]


def test_the_inbox_has_a_checkbox_per_row_select_all_and_the_bulk_form(store, agent_client):
    conversation, _message = open_conversation(store)

    page = agent_client.get(reverse("helpdesk:inbox")).content.decode()

    assert "data-bulk-all" in page and 'id="bulk-form"' in page
    assert f'name="conversation" value="{conversation.pk}" form="bulk-form"' in page


def test_bulk_only_takes_a_post(agent_client):
    assert agent_client.get(reverse("helpdesk:bulk")).status_code == 405
