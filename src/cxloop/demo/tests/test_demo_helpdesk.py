import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from cxloop.commerce.models import Refund, StoreAction
from cxloop.commerce.queries import build_timeline
from cxloop.core.language_detection import detect_language
from cxloop.core.models import Membership
from cxloop.core.services import create_store
from cxloop.demo.generator import generate_store
from cxloop.demo.helpdesk import HelpdeskExists, conversations_for, generate_helpdesk
from cxloop.demo.helpdesk_texts import TEXTS
from cxloop.helpdesk import rulebook
from cxloop.helpdesk.models import (
    Activity,
    AgentProfile,
    CannedReply,
    Conversation,
    DeskSettings,
    Macro,
    Message,
    Rule,
    RuleRun,
    SearchDocument,
    SlaBreach,
    SlaPolicy,
    Team,
)
from cxloop.helpdesk.queries import InboxFilter, list_conversations
from cxloop.helpdesk.services.canned import VARIABLE, check_variables, render_canned
from cxloop.helpdesk.services.desk import business_hours
from cxloop.helpdesk.services.routing import ROUTING, is_vip
from cxloop.helpdesk.services.sla import update_sla
from cxloop.testing.fixtures import make_staff

TODAY = datetime(2025, 6, 1, tzinfo=UTC).date()
END = datetime(2025, 6, 1, tzinfo=UTC)


def _generate(store, customers=200, conversations=150, seed=7):
    make_staff(store, Membership.Role.OWNER)
    make_staff(store, Membership.Role.AGENT)
    generate_store(store=store, customers=customers, seed=seed, today=TODAY)
    return generate_helpdesk(store=store, seed=seed, conversations=conversations, today=TODAY)


def _digest(store) -> str:
    """The store's help desk, with the store's own name and staff addresses left out (they differ)."""
    fields = (
        "number", "subject", "channel", "status", "priority", "customer__email_key", "contact_email",
        "language", "assignee__email", "team__name", "created_at", "last_message_at", "resolved_at",
    )  # fmt: skip
    conversations = Conversation.objects.filter(store=store).order_by("number").values_list(*fields)
    messages = Message.objects.filter(store=store).order_by("conversation__number", "created_at", "pk")
    message_fields = ("conversation__number", "kind", "channel", "text", "delivery", "created_at", "sent_at")
    actions = StoreAction.objects.filter(store=store).order_by("created_at", "pk")
    breaches = SlaBreach.objects.filter(store=store).order_by("conversation__number", "target")
    rows = repr((
        list(conversations), list(messages.values_list(*message_fields)),
        list(actions.values_list("kind", "result", "created_at", "order__number")),
        list(breaches.values_list("conversation__number", "target", "due_at", "policy__name")),
    ))  # fmt: skip
    return hashlib.sha256(rows.replace(store.name, "").replace(store.slug, "").encode()).hexdigest()


def test_the_help_desk_has_three_routed_teams_of_the_store_staff(store):
    _generate(store, conversations=20)
    staff = set(Membership.objects.filter(store=store).values_list("user_id", flat=True))
    teams = {team.name: team for team in Team.objects.filter(store=store)}
    assert set(teams) == {"Returns", "Wholesale", "Persian-speaking"}
    assert all(team.routing for team in teams.values())
    assert teams["Persian-speaking"].languages == ["fa"]
    for team in teams.values():
        members = set(team.members.values_list("pk", flat=True))
        assert len(members) >= 2 and members <= staff
    # the Persian-speaking team has a member who speaks Persian
    persian = teams["Persian-speaking"].members.values_list("pk", flat=True)
    spoken = AgentProfile.objects.filter(store=store, user__in=persian).values_list("languages", flat=True)
    assert any("fa" in languages for languages in spoken)


def test_conversations_are_numbered_once_each_in_the_order_they_were_opened(store):
    summary = _generate(store)
    rows = list(
        Conversation.objects.filter(store=store).order_by("number").values_list("number", "created_at")
    )
    assert summary.conversations == 150
    assert [number for number, _ in rows] == list(range(1, 151))
    assert [at for _, at in rows] == sorted(at for _, at in rows)
    assert all(END - timedelta(days=90) <= at < END for _, at in rows)


def test_conversation_times_are_those_of_its_messages(store):
    _generate(store)
    for c in Conversation.objects.filter(store=store).prefetch_related("messages", "activities"):
        messages = sorted(c.messages.all(), key=lambda m: m.created_at)
        said = [m.created_at for m in messages if m.kind == Message.Kind.INCOMING]
        replies = [m.created_at for m in messages if m.kind == Message.Kind.REPLY]
        assert messages[0].kind == Message.Kind.INCOMING and messages[0].created_at == c.created_at
        assert c.last_customer_message_at == max(said)
        assert c.first_response_at == min(replies, default=None)
        assert c.last_agent_reply_at == max(replies, default=None)
        assert c.last_message_at == max(said + replies)
        assert (
            c.created_at <= (c.first_response_at or c.created_at) <= c.last_message_at <= c.updated_at < END
        )
        if c.first_response_at:
            assert timedelta(minutes=1) < c.first_response_at - c.created_at < timedelta(days=1)
        # (an SLA breach is written at its due time, which may come after the last change)
        events = [m.created_at for m in messages] + [
            a.created_at for a in c.activities.all() if a.kind != Activity.Kind.SLA
        ]
        assert c.updated_at == max(events)
        if c.status == Conversation.Status.RESOLVED:
            assert c.last_message_at <= c.resolved_at <= c.updated_at
        else:
            assert c.resolved_at is None
        assert (c.snoozed_until is not None) == (c.status == Conversation.Status.SNOOZED)
        statuses = [
            a.data["to"] for a in sorted(c.activities.all(), key=lambda a: a.created_at) if a.kind == "status"
        ]
        assert (statuses or ["open"])[-1] == c.status


def test_replies_are_stored_as_sent_and_no_email_leaves(store, django_capture_on_commit_callbacks):
    # when: what would run after commit (a queued send, a survey invitation) runs
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _generate(store)
    # then: nothing was queued to run, and nothing was mailed
    assert callbacks == []
    replies = Message.objects.filter(store=store, kind=Message.Kind.REPLY)
    assert replies.count() > 100
    assert set(replies.values_list("delivery", flat=True)) == {Message.Delivery.SENT}
    assert not replies.filter(sent_at__isnull=True).exists()
    assert all(r.sent_at > r.created_at for r in replies)
    assert mail.outbox == []


def test_conversations_come_in_every_language_channel_and_status(store):
    summary = _generate(store, conversations=300)
    languages = Counter(Conversation.objects.filter(store=store).values_list("language", flat=True))
    assert set(languages) == {"en", "pl", "lv", "fa", "zh-hans", "zh-hant"}
    assert min(languages.values()) >= 5
    channels = Counter(Conversation.objects.filter(store=store).values_list("channel", flat=True))
    assert channels.most_common(1)[0][0] == "email" and set(channels) == {"email", "form", "api"}
    statuses = summary.by_status
    assert set(statuses) == {"open", "pending", "snoozed", "resolved"}
    assert statuses["resolved"] > sum(statuses.values()) / 2
    assert Message.objects.filter(store=store, kind=Message.Kind.NOTE).exists()
    assert Activity.objects.filter(store=store, kind=Activity.Kind.ASSIGNED).exists()
    by_role = Counter(
        Membership.objects.get(store=store, user=c.assignee).role
        for c in Conversation.objects.filter(store=store, assignee__isnull=False).select_related("assignee")
    )
    assert by_role["agent"] > by_role["owner"] > 0
    assert Conversation.objects.filter(store=store, tags__isnull=False).distinct().count() == 300


def test_customers_write_about_their_own_orders(store):
    _generate(store)
    known = Conversation.objects.filter(store=store, customer__isnull=False).select_related("customer")
    assert known.count() > 75
    for c in known:
        assert c.contact_email == c.customer.email.lower()
    orders = 0
    for c in known.filter(subject__contains="#"):
        numbers = set(c.customer.orders.values_list("number", flat=True))
        orders += any(number in c.subject for number in numbers)
    assert orders > 20


def test_chinese_customers_names_are_written_family_name_first(store):
    _generate(store)
    known = Conversation.objects.filter(store=store, customer__isnull=False).select_related("customer")
    chinese = [c for c in known if c.customer.language.startswith("zh")]
    assert chinese
    for c in chinese:
        assert c.contact_name == f"{c.customer.last_name}{c.customer.first_name}"
        assert c.messages.filter(kind="incoming").first().from_name == c.contact_name


def test_the_customers_words_are_in_the_conversations_language():
    for language, texts in TEXTS.items():
        slots = {
            "order": "#1234",
            "first": "",
            "size": "38",
            "size2": "39",
            "code": "X",
            "company": "",
            "store": "",
        }
        for topic in ("where", "return", "damaged", "wholesale"):
            assert detect_language(texts[topic][1].format(**slots)) == language, (language, topic)


def test_same_seed_gives_the_same_help_desk(store):
    twin, _ = create_store(name="Twin", currency=store.currency, slug="twin")
    _generate(store, conversations=60)
    _generate(twin, conversations=60)
    assert _digest(store) == _digest(twin)


def test_a_store_that_has_conversations_is_refused(store):
    _generate(store, conversations=5)
    with pytest.raises(HelpdeskExists):
        generate_helpdesk(store=store, seed=7, conversations=5, today=TODAY)


def test_the_demo_size_scales_with_its_customers():
    assert conversations_for(2000) == 1500
    assert conversations_for(20_000) == 15_000


def test_seed_command_adds_conversations_scaled_to_its_customers_or_as_asked(db):
    call_command("seed", "--store", "seed-a", "--customers", "50", "--seed", "3", verbosity=0)
    call_command("seed", "--store", "seed-b", "--customers", "50", "--conversations", "12", verbosity=0)
    call_command("seed", "--store", "seed-c", "--customers", "50", "--conversations", "0", verbosity=0)
    counts = {
        slug: Conversation.objects.filter(store__slug=slug).count() for slug in ("seed-a", "seed-b", "seed-c")
    }
    assert counts == {"seed-a": conversations_for(50), "seed-b": 12, "seed-c": 0}
    assert Team.objects.filter(store__slug="seed-a").count() == 3


def test_the_inbox_and_a_customers_conversation_show_the_demo_data(store):
    # given
    _generate(store, conversations=40)
    client = Client()
    client.force_login(Membership.objects.get(store=store, user__email=f"agent@{store.slug}.test").user)
    conversation = (
        Conversation.objects.filter(store=store, customer__isnull=False, subject__contains="#")
        .order_by("-number")
        .first()
    )
    # when
    inbox = client.get(reverse("helpdesk:inbox"), {"status": "all"})
    page = client.get(reverse("helpdesk:conversation", args=[conversation.pk]))
    # then
    assert inbox.status_code == 200 and page.status_code == 200
    assert len(inbox.context["page"].items) > 10
    text = page.content.decode()
    first = conversation.messages.order_by("created_at").first()
    assert escape(first.text.splitlines()[-1]) in text
    for number in conversation.customer.orders.values_list("number", flat=True)[:1]:
        assert number in text


# -- the desk's set-up: staff, settings, SLAs, canned replies, macros, rules, store actions ----------


@pytest.fixture
def demo_desk(store):
    """A demo help desk big enough to hold every kind of row (store actions are one in a hundred)."""
    summary = _generate(store, customers=400, conversations=300)
    return store, summary


def test_the_staff_are_agents_with_languages_and_one_is_away(demo_desk):
    store, _summary = demo_desk
    members = set(Membership.objects.filter(store=store).values_list("user_id", flat=True))
    profiles = {p.user_id: p for p in AgentProfile.objects.filter(store=store)}
    assert set(profiles) == members and len(members) == 5
    languages = [set(p.languages) for p in profiles.values()]
    assert any("fa" in spoken for spoken in languages)
    assert any({"pl", "lv"} <= spoken for spoken in languages)
    assert any("zh-hans" in spoken for spoken in languages)
    assert [p.available for p in profiles.values()].count(False) == 1
    settings = DeskSettings.objects.get(store=store)
    assert settings.vip_spent == Decimal("1000.00") and settings.vip_tags == ["vip"]


def test_vip_customers_conversations_were_raised_to_high_by_routing(demo_desk):
    store, _summary = demo_desk
    settings = DeskSettings.objects.get(store=store)
    known = Conversation.objects.filter(store=store, customer__isnull=False).select_related("customer")
    vips = [c for c in known if is_vip(c.customer, settings)]
    assert vips
    assert all(c.priority in ("high", "urgent") for c in vips)
    raised = Activity.objects.filter(store=store, kind=Activity.Kind.PRIORITY, rule_name=ROUTING)
    assert raised.exists()
    assert {a.conversation_id for a in raised} <= {c.pk for c in vips}


def test_business_hours_and_sla_policies_are_set_and_every_conversation_has_its_sla(demo_desk):
    store, _summary = demo_desk
    hours = business_hours(store)
    assert hours.zone == store.timezone
    assert hours.week[5] and not hours.week[6]  # open Saturday morning, closed Sunday
    assert len(hours.holidays) >= 2
    policies = list(SlaPolicy.objects.filter(store=store).order_by("position"))
    assert [p.priority for p in policies] == ["urgent", "high", ""]
    assert policies[0].first_response_minutes < policies[-1].first_response_minutes
    conversations = Conversation.objects.filter(store=store)
    assert not conversations.filter(sla_policy__isnull=True).exists()
    # each open conversation has its next deadline, or has missed one
    for c in conversations.filter(status=Conversation.Status.OPEN):
        assert c.sla_due_at is not None or c.sla_breached, c.number
        assert c.sla_due_at is None or c.sla_due_at > END
    # the service, run again on every conversation at the same moment, finds what the generator left
    fields = ("sla_policy_id", "sla_due_at", "sla_breached", "first_response_due_at",
              "next_response_due_at", "resolution_due_at")  # fmt: skip
    before = list(conversations.order_by("pk").values_list(*fields))
    breaches_before = SlaBreach.objects.filter(store=store).count()
    for c in conversations.select_related("store"):
        update_sla(c, now=END)
    assert list(conversations.order_by("pk").values_list(*fields)) == before
    assert SlaBreach.objects.filter(store=store).count() == breaches_before
    # some resolved conversations were late: their breaches are recorded once, each with its activity
    breaches = SlaBreach.objects.filter(store=store, conversation__status=Conversation.Status.RESOLVED)
    assert breaches.count() > 5
    assert (
        SlaBreach.objects.filter(store=store).count()
        == Activity.objects.filter(store=store, kind=Activity.Kind.SLA).count()
    )
    assert all(b.conversation.sla_breached for b in breaches.select_related("conversation"))


def test_canned_replies_come_in_several_languages_and_fill_in_for_a_customer(demo_desk):
    store, _summary = demo_desk
    replies = list(CannedReply.objects.filter(store=store))
    assert 6 <= len(replies) <= 10
    assert len({r.language for r in replies} - {""}) >= 4
    with_orders = Conversation.objects.filter(store=store, customer__orders__isnull=False)
    conversation = with_orders.select_related("store").first()
    agent = conversation.assignee
    for canned in replies:
        check_variables(canned.body)  # raises on an unknown variable
        assert VARIABLE.search(canned.body)
        text, missing = render_canned(canned, conversation, agent)
        assert missing == [] and "{{" not in text, canned.title
        assert conversation.customer.first_name in text or "first_name" not in canned.body


def test_three_macros_and_the_refund_macro_replies_tags_and_resolves(demo_desk):
    store, _summary = demo_desk
    macros = {m.name: m for m in Macro.objects.filter(store=store)}
    assert len(macros) == 3
    refund = macros["Refund sent"]
    assert refund.reply_body and refund.add_tags == ["refund"] and refund.status == "resolved"
    check_variables(refund.reply_body)


def test_rules_are_valid_through_the_rulebook_and_did_not_fire_on_the_history(demo_desk):
    store, _summary = demo_desk
    rules = list(Rule.objects.filter(store=store))
    assert 3 <= len(rules) <= 4
    assert [r.position for r in rules] == list(range(len(rules)))
    for rule in rules:
        assert rulebook.clean_conditions(store, rule.conditions) == rule.conditions
        assert rulebook.clean_actions(store, rule.actions) == rule.actions
        assert rule.fired_count == 0
    words = next(r for r in rules if r.name.startswith("Refund")).conditions[0]["value"]
    assert {"refund", "zwrot", "بازپرداخت", "退款"} <= set(words)
    assert not RuleRun.objects.filter(rule__store=store).exists()


def test_store_actions_are_done_on_the_customers_own_orders_and_written_on_the_conversation(demo_desk):
    store, summary = demo_desk
    actions = list(StoreAction.objects.filter(store=store).select_related("order", "customer"))
    assert {a.kind for a in actions} == {"refund", "discount_code", "gift_card"}
    assert summary.store_actions == len(actions)
    written = Activity.objects.filter(store=store, kind=Activity.Kind.ACTION).select_related("conversation")
    activities = {a.data["action_id"]: a for a in written}
    assert set(activities) == {a.pk for a in actions}
    for action in actions:
        activity = activities[action.pk]
        conversation = activity.conversation
        assert action.status == StoreAction.Status.DONE and action.platform == "demo"
        assert action.customer_id == conversation.customer_id is not None
        assert action.actor_id == activity.actor_id is not None
        assert action.created_at == action.started_at == activity.created_at
        assert conversation.created_at < activity.created_at <= conversation.updated_at
        assert activity.data["summary"] == action.result["summary"]
        timeline = build_timeline(store, conversation.customer)
        assert any(entry.kind == "store_action" and entry.obj.pk == action.pk for entry in timeline)
        if action.kind == "refund":
            # a real order of the customer, refunded in the store mirror by that amount
            assert action.order.customer_id == conversation.customer_id
            assert action.order.number in conversation.subject
            refund_id = action.result["platform_ids"]["refund"]
            refund = Refund.objects.get(order=action.order, external_id=refund_id)
            assert Decimal(action.result["amount"]) == refund.amount
            assert activity.created_at <= refund.created_at
            assert conversation.status == Conversation.Status.RESOLVED
            assert conversation.tags.filter(name="refund").exists()
        if action.kind == "gift_card":
            assert len(action.result["code"]) == 4  # masked, as the ledger keeps it


def test_the_search_index_covers_every_demo_conversation(demo_desk):
    store, _summary = demo_desk
    conversations = Conversation.objects.filter(store=store)
    assert SearchDocument.objects.filter(store=store).count() == conversations.count()
    found = list_conversations(store, InboxFilter(status="", search="wholesale"), None)
    assert found.exists()
