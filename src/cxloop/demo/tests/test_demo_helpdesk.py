import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from cxloop.core.models import Membership
from cxloop.core.services import create_store
from cxloop.demo.generator import generate_store
from cxloop.demo.helpdesk import HelpdeskExists, conversations_for, generate_helpdesk
from cxloop.demo.helpdesk_texts import TEXTS
from cxloop.helpdesk.models import Activity, Conversation, Message, Team
from cxloop.surveys.language import detect_comment_language
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
    rows = repr((list(conversations), list(messages.values_list(*message_fields))))
    return hashlib.sha256(rows.replace(store.name, "").replace(store.slug, "").encode()).hexdigest()


def test_the_help_desk_has_three_teams_of_the_store_staff(store):
    _generate(store, conversations=20)
    staff = set(Membership.objects.filter(store=store).values_list("user_id", flat=True))
    teams = {
        team.name: set(team.members.values_list("pk", flat=True)) for team in Team.objects.filter(store=store)
    }
    assert teams == {"Returns": staff, "Wholesale": staff, "Persian-speaking": staff}


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
        events = [m.created_at for m in messages] + [a.created_at for a in c.activities.all()]
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
            assert detect_comment_language(texts[topic][1].format(**slots)) == language, (language, topic)


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
    assert conversations_for(2000) == 300
    assert conversations_for(20_000) == 3000


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
    client.force_login(Membership.objects.get(store=store, role=Membership.Role.AGENT).user)
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
