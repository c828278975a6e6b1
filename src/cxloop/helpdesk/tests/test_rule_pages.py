"""The rules pages: owners and admins only, one store's rules, a form of lists that names its errors."""

import pytest
from django.urls import reverse

from cxloop.helpdesk.models import Rule, Team
from cxloop.helpdesk.services import rules as services

from .factories import open_conversation

pytestmark = pytest.mark.django_db


def make_rule(store, name, **fields):
    fields = {"name": name, "trigger": "created", "actions": [{"kind": "add_tags", "value": "x"}], **fields}
    return services.save_rule(store=store, fields=fields, actor=None)


def names(response) -> list[str]:
    return [item["rule"].name for item in response.context["rules"]]


def form(**fields) -> dict:
    data = {"name": "VIP refunds", "trigger": "created", "enabled": "1"}
    for prefix in ("condition", "action"):
        for i in range(3):
            data[f"{prefix}_kind_{i}"] = ""
            data[f"{prefix}_value_{i}"] = ""
    return data | fields


@pytest.mark.parametrize("name", ["rule-list", "rule-new"])
def test_agents_may_not_see_the_rules(agent_client, name):
    assert agent_client.get(reverse(f"helpdesk:{name}")).status_code == 403


def test_agents_may_not_change_a_rule(store, agent_client):
    rule = make_rule(store, "Tag")

    for name in ("rule-detail", "rule-move", "rule-enabled", "rule-delete"):
        assert (
            agent_client.post(reverse(f"helpdesk:{name}", args=[rule.pk]), {"enabled": "0"}).status_code
            == 403
        )

    rule.refresh_from_db()
    assert rule.enabled


def test_the_list_shows_the_stores_rules_in_order_with_when_they_last_fired(store, other_store, staff_client):
    make_rule(store, "First")
    make_rule(store, "Second", conditions=[{"kind": "channel_is", "value": "form"}])
    make_rule(other_store, "Not ours")
    open_conversation(store)

    response = staff_client.get(reverse("helpdesk:rule-list"))

    assert names(response) == ["First", "Second"]
    page = response.content.decode()
    assert "Not ours" not in page and "Channel is: form" in page and "1 time" in page and "Never" in page


def test_an_admin_writes_a_rule_from_the_lists(store, staff_client, agent):
    team = Team.objects.create(store=store, name="Returns")
    data = form(
        condition_kind_0="text_contains", condition_value_0="refund, zwrot",
        condition_kind_2="amount_spent_at_least", condition_value_2="250",
        action_kind_0="assign_agent", action_value_0=agent.email,
        action_kind_1="assign_team", action_value_1="Returns",
    )  # fmt: skip

    response = staff_client.post(reverse("helpdesk:rule-new"), data)

    assert response.status_code == 302
    rule = Rule.objects.get(store=store)
    assert (rule.name, rule.trigger, rule.enabled) == ("VIP refunds", "created", True)
    assert rule.conditions == [
        {"kind": "text_contains", "value": ["refund", "zwrot"]},
        {"kind": "amount_spent_at_least", "value": "250"},
    ]
    assert rule.actions == [
        {"kind": "assign_agent", "value": agent.pk},
        {"kind": "assign_team", "value": team.pk},
    ]


def test_a_wrong_value_is_shown_on_its_row_and_nothing_is_saved(store, staff_client):
    data = form(condition_kind_1="channel_is", condition_value_1="fax", action_kind_0="webhook")

    response = staff_client.post(reverse("helpdesk:rule-new"), data)

    assert response.status_code == 422 and not Rule.objects.exists()
    rows = response.context["values"]["conditions"]
    assert rows[1]["error"] == "Choose one of the offered values." and rows[1]["value"] == "fax"
    assert 'id="condition-value-1-error"' in response.content.decode()


def test_a_rule_without_an_action_is_refused(store, staff_client):
    response = staff_client.post(reverse("helpdesk:rule-new"), form())

    assert response.status_code == 422 and response.context["errors"] == {
        "actions": "Choose at least one action."
    }


def test_editing_shows_the_agent_by_email_and_saves_changes(store, staff_client, agent):
    rule = make_rule(store, "Route", actions=[{"kind": "assign_agent", "value": agent.email}])
    url = reverse("helpdesk:rule-detail", args=[rule.pk])

    page = staff_client.get(url)
    assert page.context["values"]["actions"][0]["value"] == agent.email

    edited = form(
        name="Route", trigger="idle", idle_hours="48", action_kind_0="set_status", action_value_0="resolved"
    )
    response = staff_client.post(url, edited)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.trigger, rule.idle_hours, rule.actions) == (
        "idle",
        48,
        [{"kind": "set_status", "value": "resolved"}],
    )


def test_rules_move_up_and_down_and_turn_off(store, staff_client):
    first, second, third = make_rule(store, "A"), make_rule(store, "B"), make_rule(store, "C")

    staff_client.post(reverse("helpdesk:rule-move", args=[third.pk]), {"direction": "up"})
    staff_client.post(reverse("helpdesk:rule-move", args=[first.pk]), {"direction": "down"})
    staff_client.post(reverse("helpdesk:rule-move", args=[second.pk]), {"direction": "down"})  # already last
    staff_client.post(reverse("helpdesk:rule-enabled", args=[first.pk]), {"enabled": "0"})

    assert names(staff_client.get(reverse("helpdesk:rule-list"))) == ["C", "A", "B"]
    first.refresh_from_db()
    assert not first.enabled


def test_deleting_a_rule(store, staff_client):
    rule = make_rule(store, "Old")

    staff_client.post(reverse("helpdesk:rule-delete", args=[rule.pk]))

    assert not Rule.objects.exists()


def test_another_stores_rule_is_not_found(store, other_store, staff_client):
    theirs = make_rule(other_store, "Theirs")

    for name in ("rule-detail", "rule-move", "rule-enabled", "rule-delete"):
        assert (
            staff_client.post(reverse(f"helpdesk:{name}", args=[theirs.pk]), {"enabled": "0"}).status_code
            == 404
        )
    assert staff_client.get(reverse("helpdesk:rule-detail", args=[theirs.pk])).status_code == 404

    theirs.refresh_from_db()
    assert theirs.enabled


def test_what_a_rule_did_is_shown_on_the_conversation(store, staff_client):
    make_rule(store, "Tell the CRM", actions=[{"kind": "webhook"}, {"kind": "set_priority", "value": "high"}])
    conversation, _message = open_conversation(store)

    page = staff_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    assert "Tell the CRM sent the rule.fired webhook event" in page
    assert "Tell the CRM set the priority to High" in page
