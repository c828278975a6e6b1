"""Automation rules: each trigger, condition and action; order, no loops, a failing rule alone."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from cxloop.commerce.models import Order
from cxloop.core.errors import InvalidInput
from cxloop.core.models import Membership
from cxloop.helpdesk.models import (
    Activity,
    AgentProfile,
    CannedReply,
    Conversation,
    Message,
    Rule,
    RuleRun,
    SlaPolicy,
    Team,
)
from cxloop.helpdesk.services import conversations, desk
from cxloop.helpdesk.services import rules as services
from cxloop.surveys.tests.factories import make_customer, make_survey
from cxloop.testing.fixtures import make_staff

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def make_rule(store, *, trigger="created", conditions=(), actions=None, name=None, **fields):
    actions = actions if actions is not None else [{"kind": "add_tags", "value": "matched"}]
    fields = {"name": name or f"Rule {Rule.objects.count() + 1}", "trigger": trigger, **fields}
    fields |= {"conditions": list(conditions), "actions": list(actions)}
    return services.save_rule(store=store, fields=fields, actor=None)


def tags(conversation) -> list[str]:
    return sorted(conversation.tags.values_list("name", flat=True))


def add_order(store, customer, **fields):
    return Order.objects.create(
        store=store, customer=customer, platform="shopify", external_id=fields.pop("number", "1001"),
        number="1001", email=customer.email, currency="PLN", total=Decimal("10.00"),
        created_at=fields.pop("created_at", timezone.now()), **fields,
    )  # fmt: skip


# --- triggers -------------------------------------------------------------------------------------


def test_a_new_conversation_runs_the_created_rules_and_the_change_names_the_rule(store):
    make_rule(store, name="Tag new ones", actions=[{"kind": "add_tags", "value": "new, triage"}])

    conversation, _message = open_conversation(store)

    assert tags(conversation) == ["new", "triage"]
    [tagged] = Activity.objects.filter(conversation=conversation, kind="tagged")
    assert (tagged.actor, tagged.rule_name, tagged.data["added"]) == (None, "Tag new ones", ["new", "triage"])
    rule = Rule.objects.get()
    assert rule.fired_count == 1 and rule.last_fired_at is not None


def test_the_customer_writing_again_runs_the_message_rules_not_the_first_message(store):
    make_rule(store, trigger="message", actions=[{"kind": "set_priority", "value": "high"}])
    conversation, _message = open_conversation(store)
    assert conversation.priority == "normal"

    customer_writes(store, conversation, text="Hello?")

    conversation.refresh_from_db()
    assert conversation.priority == "high"


def test_a_status_change_by_staff_runs_the_status_rules(store, agent):
    make_rule(store, trigger="status", conditions=[{"kind": "status_is", "value": "resolved"}])
    conversation, _message = open_conversation(store)

    conversations.set_status(conversation=conversation, status="pending", actor=agent)
    assert tags(conversation) == []
    conversations.set_status(conversation=conversation, status="resolved", actor=agent)

    assert tags(conversation) == ["matched"]


def test_the_customer_reopening_a_resolved_conversation_runs_the_status_rules(store, agent):
    make_rule(store, trigger="status", conditions=[{"kind": "status_is", "value": "open"}])
    conversation, _message = open_conversation(store)
    conversations.set_status(conversation=conversation, status="resolved", actor=agent)
    assert tags(conversation) == []

    customer_writes(store, conversation, text="It broke again.")

    conversation.refresh_from_db()
    assert conversation.status == "open" and tags(conversation) == ["matched"]


def test_a_snooze_ending_runs_the_status_rules(store, agent):
    make_rule(store, trigger="status", conditions=[{"kind": "status_is", "value": "open"}])
    conversation, _message = open_conversation(store)
    with time_machine.travel(MONDAY_NOON, tick=False):
        conversations.set_status(
            conversation=conversation, status="snoozed", actor=agent,
            snoozed_until=MONDAY_NOON + timedelta(hours=2),
        )  # fmt: skip
    assert tags(conversation) == []

    woken = conversations.wake_snoozed(now=MONDAY_NOON + timedelta(hours=3))

    assert woken == 1 and tags(conversation) == ["matched"]


def test_the_sla_trigger_runs_when_another_module_fires_it(store):
    make_rule(store, trigger="sla", actions=[{"kind": "set_priority", "value": "urgent"}])
    conversation, _message = open_conversation(store)

    [run] = services.run_rules(conversation, Rule.Trigger.SLA_BREACHING, context={"target": "first_response"})

    conversation.refresh_from_db()
    assert conversation.priority == "urgent" and run.trigger == "sla"


def test_the_sla_sweep_fires_once_per_due_time_on_conversations_about_to_miss_a_target(store):
    SlaPolicy.objects.create(store=store, name="Urgent", priority="urgent", first_response_minutes=600)
    SlaPolicy.objects.create(store=store, name="Everyone", first_response_minutes=20)
    make_rule(store, trigger="sla", actions=[{"kind": "add_tags", "value": "hurry"}])
    with time_machine.travel(MONDAY_NOON, tick=False):
        soon, _message = open_conversation(store)
        later, _message = open_conversation(store, subject="Later")
        conversations.set_priority(conversation=later, priority="urgent", actor=None)

    fired = services.fire_sla_rules(now=MONDAY_NOON + timedelta(minutes=5))
    again = services.fire_sla_rules(now=MONDAY_NOON + timedelta(minutes=6))

    assert (fired, again) == (1, 0)
    assert tags(soon) == ["hurry"] and tags(later) == []


def test_an_idle_rule_fires_once_per_quiet_spell(store):
    make_rule(store, trigger="idle", idle_hours="4", actions=[{"kind": "add_tags", "value": "quiet"}])
    with time_machine.travel(MONDAY_NOON, tick=False):
        conversation, _message = open_conversation(store)
    # when / then
    assert services.fire_idle_rules(now=MONDAY_NOON + timedelta(hours=3)) == 0
    assert services.fire_idle_rules(now=MONDAY_NOON + timedelta(hours=5)) == 1
    assert services.fire_idle_rules(now=MONDAY_NOON + timedelta(hours=9)) == 0  # same spell: once
    assert tags(conversation) == ["quiet"]
    with time_machine.travel(MONDAY_NOON + timedelta(hours=10), tick=False):
        customer_writes(store, conversation, text="Still waiting")
    assert services.fire_idle_rules(now=MONDAY_NOON + timedelta(hours=15)) == 1  # a new spell
    assert RuleRun.objects.filter(conversation=conversation).count() == 2


def test_an_idle_rule_leaves_resolved_and_snoozed_conversations_alone(store):
    make_rule(store, trigger="idle", idle_hours="1")
    with time_machine.travel(MONDAY_NOON, tick=False):
        resolved, _m = open_conversation(store)
        snoozed, _m = open_conversation(store)
    Conversation.objects.filter(pk=resolved.pk).update(status="resolved")
    Conversation.objects.filter(pk=snoozed.pk).update(status="snoozed")

    assert services.fire_idle_rules(now=MONDAY_NOON + timedelta(hours=2)) == 0


def _low_csat_answer(store, django_capture_on_commit_callbacks, agent):
    from cxloop.surveys import services as surveys

    customer = make_customer(store, email="ania@example.pl")
    survey = make_survey(store, kind="csat", trigger="helpdesk_resolved")
    conversation, _message = open_conversation(store)
    conversations.set_status(conversation=conversation, status="resolved", actor=agent)
    invitation = survey.invitations.get(customer=customer)
    response = surveys.record_invitation_answer(
        invitation=invitation, answer=surveys.clean_answer(survey, score="1")
    )
    with django_capture_on_commit_callbacks(execute=True):
        surveys.follow_up_low_score(response=response)
    return conversation, response


def test_a_low_score_runs_the_low_score_rules_on_the_conversation_it_was_asked_after(
    store, agent, django_capture_on_commit_callbacks
):
    make_rule(store, trigger="low_score", actions=[{"kind": "assign_agent", "value": agent.email}])

    conversation, response = _low_csat_answer(store, django_capture_on_commit_callbacks, agent)

    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert services.run_low_score_rules(response.pk) == []  # once per answer


def test_a_low_score_without_a_conversation_runs_no_rule(store, django_capture_on_commit_callbacks):
    from cxloop.surveys import services as surveys

    make_rule(store, trigger="low_score")
    customer = make_customer(store, email="zofia@example.pl")
    survey = make_survey(store, kind="csat")
    invitation = surveys.invite_customer(survey=survey, customer=customer)
    response = surveys.record_invitation_answer(
        invitation=invitation, answer=surveys.clean_answer(survey, score="1")
    )

    with django_capture_on_commit_callbacks(execute=True):
        surveys.follow_up_low_score(response=response)

    assert not RuleRun.objects.exists()


def test_a_low_score_of_a_customer_with_an_open_conversation_acts_on_that_conversation(store):
    from cxloop.surveys import services as surveys

    make_rule(store, trigger="low_score")
    customer = make_customer(store, email="ania@example.pl")
    conversation, _message = open_conversation(store)
    survey = make_survey(store, kind="csat")
    invitation = surveys.invite_customer(survey=survey, customer=customer)
    response = surveys.record_invitation_answer(
        invitation=invitation, answer=surveys.clean_answer(survey, score="2")
    )

    services.run_low_score_rules(response.pk)

    assert tags(conversation) == ["matched"]


def test_a_disabled_rule_never_runs(store):
    make_rule(store, enabled=False)

    conversation, _message = open_conversation(store)

    assert tags(conversation) == [] and not RuleRun.objects.exists()


# --- conditions -----------------------------------------------------------------------------------


def fires(store, condition: dict, **conversation_fields) -> bool:
    """Whether a created rule with this one condition fires on a new conversation."""
    Rule.objects.all().delete()
    make_rule(store, conditions=[condition])
    conversation, _message = open_conversation(store, **conversation_fields)
    return tags(conversation) == ["matched"]


def test_channel_is_and_is_not(store):
    assert fires(store, {"kind": "channel_is", "value": "email"})
    assert not fires(store, {"kind": "channel_is", "value": "form"})
    assert fires(store, {"kind": "channel_is_not", "value": "chat"})
    assert not fires(store, {"kind": "channel_is_not", "value": "email"})


def test_words_match_whatever_their_case_and_accents(store):
    assert fires(store, {"kind": "subject_contains", "value": "zwrot"}, subject="ZWRÓT butów")
    assert fires(store, {"kind": "body_contains", "value": "Łódź"}, text="I live in LODZ, where is it?")
    assert fires(store, {"kind": "text_contains", "value": "refund, zwrot"}, text="A refund please")
    assert not fires(store, {"kind": "subject_contains", "value": "refund"}, text="A refund please")
    assert not fires(store, {"kind": "body_contains", "value": "invoice"})


def test_language_is(store):
    assert fires(
        store,
        {"kind": "language_is", "value": "pl"},
        text="Dzień dobry, gdzie jest moja paczka? Zamówiłam buty tydzień temu.",
    )
    assert not fires(store, {"kind": "language_is", "value": "de"})


def test_amount_spent_and_order_count_are_the_customers(store):
    make_customer(store, email="ania@example.pl", amount_spent=Decimal("500.00"), orders_count=3)

    assert fires(store, {"kind": "amount_spent_at_least", "value": "499.99"})
    assert not fires(store, {"kind": "amount_spent_at_least", "value": "500.01"})
    assert fires(store, {"kind": "amount_spent_at_most", "value": "500"})
    assert fires(store, {"kind": "order_count_at_least", "value": "3"})
    assert not fires(store, {"kind": "order_count_at_most", "value": "2"})


def test_customer_conditions_do_not_hold_for_an_unknown_sender(store):
    assert not fires(store, {"kind": "amount_spent_at_most", "value": "1000"})
    assert not fires(store, {"kind": "order_count_at_most", "value": "5"})
    assert not fires(store, {"kind": "customer_has_tag", "value": "vip"})
    assert not fires(store, {"kind": "order_fulfillment_status_is", "value": "unfulfilled"})


def test_customer_has_tag(store):
    make_customer(store, email="ania@example.pl", tags=["VIP", "wholesale"])

    assert fires(store, {"kind": "customer_has_tag", "value": "vip"})
    assert not fires(store, {"kind": "customer_has_tag", "value": "low-score"})


def test_the_latest_orders_payment_and_fulfilment_status(store):
    customer = make_customer(store, email="ania@example.pl")
    add_order(store, customer, number="1", financial_status="refunded", fulfillment_status="fulfilled",
              created_at=timezone.now() - timedelta(days=9))  # fmt: skip
    add_order(store, customer, number="2", financial_status="paid", fulfillment_status="unfulfilled")

    assert fires(store, {"kind": "order_financial_status_is", "value": "paid"})
    assert not fires(store, {"kind": "order_financial_status_is", "value": "refunded"})
    assert fires(store, {"kind": "order_fulfillment_status_is", "value": "unfulfilled"})


def test_within_business_hours_or_not(store):
    settings = desk.settings_for(store)
    settings.business_hours = {"week": {"mon": [["09:00", "17:00"]]}}
    settings.save()
    with time_machine.travel(MONDAY_NOON, tick=False):
        assert fires(store, {"kind": "business_hours", "value": "yes"})
        assert not fires(store, {"kind": "business_hours", "value": "no"})
    with time_machine.travel(MONDAY_NOON + timedelta(hours=8), tick=False):
        assert fires(store, {"kind": "business_hours", "value": "no"})


def test_priority_is_and_every_condition_must_hold(store):
    make_rule(store, name="Urgent first", actions=[{"kind": "set_priority", "value": "urgent"}])
    make_rule(
        store,
        name="Urgent email",
        conditions=[{"kind": "priority_is", "value": "urgent"}, {"kind": "channel_is", "value": "email"}],
    )
    make_rule(
        store,
        name="Urgent chat",
        conditions=[{"kind": "priority_is", "value": "urgent"}, {"kind": "channel_is", "value": "chat"}],
        actions=[{"kind": "add_tags", "value": "chat"}],
    )

    conversation, _message = open_conversation(store)

    assert tags(conversation) == ["matched"]


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"trigger": "sometimes"}, "trigger"),
        ({"trigger": "idle"}, "idle_hours"),
        ({"trigger": "idle", "idle_hours": "0"}, "idle_hours"),
        ({"conditions": [{"kind": "channel_is", "value": "fax"}]}, "conditions[0].value"),
        (
            {"conditions": [{"kind": "priority_is", "value": "high"}, {"kind": "eval", "value": "1"}]},
            "conditions[1].kind",
        ),
        ({"conditions": [{"kind": "amount_spent_at_least", "value": "lots"}]}, "conditions[0].value"),
        ({"conditions": [{"kind": "order_count_at_most", "value": "-1"}]}, "conditions[0].value"),
        ({"conditions": [{"kind": "text_contains", "value": " , "}]}, "conditions[0].value"),
        ({"conditions": [{"kind": "order_financial_status_is", "value": "shipped"}]}, "conditions[0].value"),
        ({"actions": []}, "actions"),
        ({"actions": [{"kind": "set_status", "value": "open"}]}, "actions[0].value"),
        ({"actions": [{"kind": "assign_agent", "value": "stranger@example.com"}]}, "actions[0].value"),
        ({"actions": [{"kind": "assign_team", "value": "Nobody"}]}, "actions[0].value"),
        ({"actions": [{"kind": "snooze_hours", "value": "0"}]}, "actions[0].value"),
        ({"actions": [{"kind": "reply_canned", "value": "No such reply"}]}, "actions[0].value"),
        ({"actions": [{"kind": "send_coupon"}]}, "actions[0].kind"),
    ],
)
def test_a_rule_is_checked_when_saved_and_the_error_names_the_field(store, fields, field):
    base = {"name": "A rule", "trigger": "created", "conditions": [], "actions": [{"kind": "webhook"}]}

    with pytest.raises(InvalidInput) as raised:
        services.save_rule(store=store, fields=base | fields, actor=None)

    assert raised.value.field == field
    assert not Rule.objects.exists()


def test_two_rules_of_a_store_cannot_share_a_name(store, other_store):
    make_rule(store, name="Refunds")
    make_rule(other_store, name="Refunds")

    with pytest.raises(InvalidInput) as raised:
        make_rule(store, name="refunds")

    assert raised.value.field == "name"


def test_agents_and_teams_are_stored_by_id_and_words_as_a_list(store, agent):
    team = Team.objects.create(store=store, name="Returns")

    rule = make_rule(
        store,
        conditions=[{"kind": "text_contains", "value": "zwrot, refund ,zwrot"}],
        actions=[
            {"kind": "assign_agent", "value": agent.email.upper()},
            {"kind": "assign_team", "value": "returns"},
        ],
    )

    assert rule.conditions == [{"kind": "text_contains", "value": ["zwrot", "refund"]}]
    assert rule.actions == [
        {"kind": "assign_agent", "value": agent.pk},
        {"kind": "assign_team", "value": team.pk},
    ]


# --- actions --------------------------------------------------------------------------------------


def test_assign_to_an_agent_and_a_team(store, agent):
    team = Team.objects.create(store=store, name="Returns")
    make_rule(store, name="Route", actions=[
        {"kind": "assign_agent", "value": agent.email}, {"kind": "assign_team", "value": "Returns"},
    ])  # fmt: skip

    conversation, _message = open_conversation(store)

    assert (conversation.assignee, conversation.team) == (agent, team)
    kinds = Activity.objects.filter(conversation=conversation, rule_name="Route").values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == ["assigned", "team"]


def test_add_tags_keeps_the_tags_already_there(store, agent):
    make_rule(store, trigger="message", actions=[{"kind": "add_tags", "value": "followup"}])
    conversation, _message = open_conversation(store)
    conversations.set_tags(conversation=conversation, names=["vip"], actor=agent)

    customer_writes(store, conversation)

    assert tags(conversation) == ["followup", "vip"]


def test_set_status_pending_and_resolved(store):
    make_rule(store, actions=[{"kind": "set_status", "value": "pending"}])
    conversation, _message = open_conversation(store)
    assert conversation.status == "pending"

    Rule.objects.all().delete()
    make_rule(store, actions=[{"kind": "set_status", "value": "resolved"}])
    conversation, _message = open_conversation(store)
    assert conversation.status == "resolved" and conversation.resolved_at is not None


def test_snooze_for_some_hours(store):
    make_rule(store, actions=[{"kind": "snooze_hours", "value": "24"}])

    with time_machine.travel(MONDAY_NOON, tick=False):
        conversation, _message = open_conversation(store)

    assert (conversation.status, conversation.snoozed_until) == ("snoozed", MONDAY_NOON + timedelta(hours=24))


def test_send_the_csat_survey_once_per_conversation(store):
    from cxloop.surveys.models import Invitation

    customer = make_customer(store, email="ania@example.pl")
    make_survey(store, kind="csat", trigger="helpdesk_resolved")
    make_rule(store, trigger="message", name="Ask", actions=[{"kind": "send_survey"}])
    conversation, _message = open_conversation(store)

    customer_writes(store, conversation)
    customer_writes(store, conversation)

    [invitation] = Invitation.objects.filter(customer=customer)
    assert invitation.reference == f"helpdesk-conversation:{conversation.pk}"
    said = Activity.objects.filter(conversation=conversation, kind="rule").values_list("data", flat=True)
    assert [entry["invited"] for entry in said] == [1, 0]


def test_the_webhook_action_publishes_rule_fired_to_subscribed_endpoints(store):
    from cxloop.hooks import services as hooks
    from cxloop.hooks.models import WebhookDelivery

    hooks.create_endpoint(store=store, url="https://hooks.example.com/cx", events=["rule.fired"])
    hooks.create_endpoint(store=store, url="https://other.example.com/cx", events=["conversation.created"])
    rule = make_rule(store, name="Tell the CRM", actions=[{"kind": "webhook"}])

    conversation, _message = open_conversation(store)

    [delivery] = WebhookDelivery.objects.filter(event="rule.fired")
    assert delivery.endpoint.url == "https://hooks.example.com/cx"
    assert delivery.payload["rule"] == {"id": rule.pk, "name": "Tell the CRM", "trigger": "created"}
    assert delivery.payload["conversation"]["number"] == conversation.number


# --- order, loops, failures, machines -------------------------------------------------------------


def test_rules_run_in_their_order_and_moving_one_changes_it(store):
    first = make_rule(store, name="Raise", actions=[{"kind": "set_priority", "value": "high"}])
    second = make_rule(store, name="Tag high", conditions=[{"kind": "priority_is", "value": "high"}])
    conversation, _message = open_conversation(store)
    assert tags(conversation) == ["matched"]

    services.move_rule(rule=second, up=True)

    assert list(Rule.objects.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]
    conversation, _message = open_conversation(store)
    assert tags(conversation) == [] and conversation.priority == "high"


def test_a_status_set_by_a_rule_does_not_run_the_status_rules_again(store):
    make_rule(store, name="Park", actions=[{"kind": "set_status", "value": "pending"}])
    make_rule(store, trigger="status", name="On status", actions=[{"kind": "add_tags", "value": "moved"}])

    conversation, _message = open_conversation(store)

    assert conversation.status == "pending" and tags(conversation) == []


def test_two_status_rules_undoing_each_other_each_run_once(store, agent):
    make_rule(store, trigger="status", name="Resolve", actions=[{"kind": "set_status", "value": "resolved"}])
    make_rule(store, trigger="status", name="Pend", actions=[{"kind": "set_status", "value": "pending"}])
    conversation, _message = open_conversation(store)

    conversations.set_status(conversation=conversation, status="pending", actor=agent)

    assert RuleRun.objects.count() == 2
    changes = Activity.objects.filter(conversation=conversation, kind="status").order_by("pk")
    assert [(a.rule_name, a.data["to"]) for a in changes] == [
        ("", "pending"),
        ("Resolve", "resolved"),
        ("Pend", "pending"),
    ]


def test_a_failing_rule_is_written_on_the_conversation_undone_and_the_others_still_run(store):
    team = Team.objects.create(store=store, name="Returns")
    make_rule(store, name="Broken", actions=[
        {"kind": "set_priority", "value": "urgent"}, {"kind": "assign_team", "value": "Returns"},
    ])  # fmt: skip
    make_rule(store, name="Works")
    team.delete()

    conversation, message = open_conversation(store)

    conversation.refresh_from_db()
    assert message.pk is not None and conversation.priority == "normal"  # the broken rule's change undone
    assert tags(conversation) == ["matched"]
    [failed] = Activity.objects.filter(conversation=conversation, kind="rule_failed")
    assert (failed.rule_name, failed.data["error"]) == (
        "Broken",
        "The team this rule assigns to no longer exists.",
    )
    assert RuleRun.objects.get(rule__name="Broken").failed


def test_an_auto_reply_never_gets_a_survey_but_other_actions_still_apply(store):
    from cxloop.surveys.models import Invitation

    make_customer(store, email="ania@example.pl")
    make_survey(store, kind="csat", trigger="helpdesk_resolved")
    make_rule(store, actions=[{"kind": "send_survey"}, {"kind": "add_tags", "value": "machine"}])

    conversation, _message = open_conversation(store, auto_submitted=True)

    assert tags(conversation) == ["machine"] and not Invitation.objects.exists()


def test_a_bounce_in_a_conversation_never_gets_a_survey(store):
    from cxloop.surveys.models import Invitation

    make_customer(store, email="ania@example.pl")
    make_survey(store, kind="csat", trigger="helpdesk_resolved")
    make_rule(store, trigger="message", actions=[{"kind": "send_survey"}])
    conversation, _message = open_conversation(store)

    customer_writes(store, conversation, text="Undeliverable", bounce=True)

    assert not Invitation.objects.exists()


def test_a_stored_condition_that_no_longer_reads_fails_only_its_rule(store):
    broken = make_rule(store, name="Old data")
    Rule.objects.filter(pk=broken.pk).update(conditions=[{"kind": "amount_spent_at_least", "value": "lots"}])
    make_customer(store, email="ania@example.pl")
    make_rule(store, name="Works", actions=[{"kind": "add_tags", "value": "fine"}])

    conversation, _message = open_conversation(store)

    assert tags(conversation) == ["fine"]
    [failed] = Activity.objects.filter(conversation=conversation, kind="rule_failed")
    assert (failed.rule_name, failed.data["error"]) == ("Old data", "Unexpected error (InvalidOperation).")


def test_a_stored_action_no_longer_offered_fails_its_rule_and_undoes_its_other_changes(store):
    rule = make_rule(store, name="Future", actions=[{"kind": "set_priority", "value": "high"}])
    Rule.objects.filter(pk=rule.pk).update(
        actions=[{"kind": "set_priority", "value": "high"}, {"kind": "send_coupon", "value": 3}]
    )

    conversation, _message = open_conversation(store)

    conversation.refresh_from_db()
    assert conversation.priority == "normal"
    [failed] = Activity.objects.filter(conversation=conversation, kind="rule_failed")
    assert failed.data["error"] == "This rule has an action that is no longer available."


def test_a_rule_replies_with_a_canned_reply_filled_in_for_the_customer(store):
    customer = make_customer(store, email="ania@example.pl", first_name="Ania")
    canned = CannedReply.objects.create(
        store=store, title="Got it", body="Hello {{ customer.first_name }}, we are on it. {{ store.name }}"
    )
    make_rule(store, name="Acknowledge", actions=[{"kind": "reply_canned", "value": "got it"}])

    conversation, _message = open_conversation(store, from_email=customer.email)

    [reply] = Message.objects.filter(conversation=conversation, kind="reply")
    assert reply.text == f"Hello Ania, we are on it. {store.name}"
    assert (reply.author, reply.delivery) == (None, "queued")
    [done] = Activity.objects.filter(conversation=conversation, kind="rule")
    assert (done.rule_name, done.data["canned"]) == ("Acknowledge", canned.title)


def test_a_canned_reply_with_an_empty_variable_is_not_sent_by_a_rule(store):
    CannedReply.objects.create(store=store, title="Order", body="Your order {{ order.name }} left today.")
    make_rule(store, name="Shipping answer", actions=[
        {"kind": "add_tags", "value": "shipping"}, {"kind": "reply_canned", "value": "Order"},
    ])  # fmt: skip

    conversation, _message = open_conversation(store, from_email="stranger@example.com")

    assert not Message.objects.filter(conversation=conversation, kind="reply").exists()
    assert tags(conversation) == []  # the rule's other changes are undone with it
    [failed] = Activity.objects.filter(conversation=conversation, kind="rule_failed")
    assert "{{ order.name }}" in failed.data["error"]


def test_a_rule_never_answers_an_auto_reply_with_a_canned_reply(store):
    CannedReply.objects.create(store=store, title="Thanks", body="Thank you for writing.")
    make_rule(store, actions=[{"kind": "reply_canned", "value": "Thanks"}])

    conversation, _message = open_conversation(
        store, subject="Out of office", auto_submitted=True, from_email="away@example.com"
    )

    assert not Message.objects.filter(conversation=conversation, kind="reply").exists()


def test_a_rule_gives_the_conversation_to_the_least_busy_available_agent_with_the_skill(store):
    def agent_with(name, **profile):
        user = make_staff(store, Membership.Role.AGENT, email=f"{name}@{store.slug}.test")
        AgentProfile.objects.create(store=store, user=user, **profile)
        return user

    busy = agent_with("ania", skills=["wholesale"])
    free = agent_with("bob", skills=["Wholesale", "returns"])
    agent_with("carol", skills=["returns"])
    agent_with("dan", skills=["wholesale"], available=False)
    for _ in range(2):
        held, _m = open_conversation(store, subject="Earlier")
        conversations.assign(conversation=held, assignee=busy, actor=None)
    make_rule(store, name="Wholesale experts", actions=[{"kind": "assign_skill", "value": "wholesale"}])

    conversation, _message = open_conversation(store, subject="Pallet of 200 pairs")

    conversation.refresh_from_db()
    assert conversation.assignee == free
    [assigned] = Activity.objects.filter(conversation=conversation, kind="assigned")
    assert assigned.rule_name == "Wholesale experts"


def test_with_nobody_free_with_the_skill_the_rule_leaves_the_conversation_as_it_is(store):
    make_rule(store, name="Experts", actions=[{"kind": "assign_skill", "value": "customs"}])

    conversation, _message = open_conversation(store)

    conversation.refresh_from_db()
    assert conversation.assignee is None
    assert not Activity.objects.filter(conversation=conversation, kind="rule_failed").exists()
