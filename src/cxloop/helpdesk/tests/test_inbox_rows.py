"""The inbox's light rows (inbox_queries) are the ORM's conversations (list_conversations), one for one."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from cxloop.helpdesk import inbox_queries, queries, queries_sla, search
from cxloop.helpdesk.models import Conversation, SlaPolicy, Team
from cxloop.helpdesk.services import conversations as services
from cxloop.surveys.tests.factories import make_customer
from cxloop.testing.fixtures import make_staff
from cxloop.web.paging import build_page

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture
def desk(store, other_store, owner, agent, time_machine):
    """Conversations in every state the filters tell apart, a minute apart, and one of another store."""
    time_machine.move_to(NOW - timedelta(hours=3), tick=False)
    policy = SlaPolicy.objects.create(store=store, name="Standard", first_response_minutes=60)
    returns = Team.objects.create(store=store, name="Returns")
    made = {}

    def later(name, **fields):
        time_machine.shift(timedelta(minutes=1))
        made[name], _m = open_conversation(store, **fields)
        return made[name]

    parcel = later("parcel", subject="Gdzie jest moja paczka?", text="Zamówienie 1042 nie dotarło.")
    services.assign(conversation=parcel, assignee=agent, actor=owner)
    services.set_team(conversation=parcel, team=returns, actor=owner)
    services.set_tags(conversation=parcel, names=["refund", "late"], actor=owner)
    services.set_priority(conversation=parcel, priority="high", actor=owner)
    services.reply(conversation=parcel, author=agent, text="We are checking with the courier.")
    services.add_note(conversation=parcel, author=agent, text="Courier says Friday.")  # not the excerpt

    chat = later("chat", subject="", text="Hello? " * 40, from_name="", from_email="chat@example.com")
    Conversation.objects.filter(pk=chat.pk).update(channel="chat", priority="urgent")

    resolved = later("resolved", subject="Invoice", text="Please send the invoice for order 1043.")
    services.assign(conversation=resolved, assignee=owner, actor=owner)
    services.set_status(conversation=resolved, status="resolved", actor=owner)

    customer = make_customer(store, email="vip@example.pl")
    known = later("known", subject="Rozmiar", text="Buty są za małe.", from_email="vip@example.pl")
    Conversation.objects.filter(pk=known.pk).update(customer=customer, sla_policy=None, sla_due_at=None)

    pending = later("pending", subject="Wymiana", text="Chcę wymienić kurtkę.")
    services.set_status(conversation=pending, status="pending", actor=owner)
    services.set_tags(conversation=pending, names=["refund"], actor=owner)

    soon = later("soon", subject="Zwrot", text="Zwrot paczki, zamówienie 1044.")
    Conversation.objects.filter(pk=soon.pk).update(sla_policy=policy, sla_due_at=NOW + timedelta(minutes=20))
    later_due = later("later_due", subject="Zwrot 2", text="Drugi zwrot.")
    Conversation.objects.filter(pk=later_due.pk).update(
        sla_policy=policy, sla_due_at=NOW + timedelta(minutes=10)
    )
    time_machine.shift(timedelta(minutes=1))
    customer_writes(store, made["chat"], text="Still waiting for an answer about my parcel.")
    Conversation.objects.filter(pk=chat.pk).update(sla_breached=True)  # as the sweep records it

    time_machine.shift(timedelta(minutes=1))
    open_conversation(other_store, subject="Gdzie jest moja paczka?", text="Zamówienie 1042 nie dotarło.")
    time_machine.move_to(NOW, tick=False)
    made["returns"], made["tag"] = returns, parcel.tags.get(name="refund")
    return made


def shown(row) -> tuple:
    """What the inbox row, the SLA and VIP badges and the bulk form read of a conversation."""
    assignee = row.assignee
    return (
        row.pk, row.number, row.subject, row.status, row.get_status_display(), row.priority,
        row.get_priority_display(), row.channel, row.contact_name, row.contact_email, row.customer_id,
        row.team_id, row.assignee_id,
        (assignee.first_name, assignee.last_name, assignee.email) if assignee else None,
        row.last_message_at, row.sla_policy_id, row.sla_due_at, row.sla_breached, row.last_excerpt,
    )  # fmt: skip


def filter_mix(desk, owner) -> list[tuple[queries.InboxFilter, str]]:
    number = desk["resolved"].number
    return [
        (queries.InboxFilter(), ""),
        (queries.InboxFilter(status=""), ""),
        (queries.InboxFilter(status="resolved"), ""),
        (queries.InboxFilter(status="", assignee="mine"), ""),
        (queries.InboxFilter(status="", assignee="unassigned"), ""),
        (queries.InboxFilter(status="", assignee=str(owner.pk)), ""),
        (queries.InboxFilter(status="", assignee="someone"), ""),  # not an id: nobody's
        (queries.InboxFilter(team_id=desk["returns"].pk), ""),
        (queries.InboxFilter(status="", tag_id=desk["tag"].pk), ""),
        (queries.InboxFilter(status="", channel="chat", priority="urgent"), ""),
        (queries.InboxFilter(status="", priority="high", assignee="mine", tag_id=desk["tag"].pk), ""),
        (queries.InboxFilter(status="", search="zamówienie"), ""),
        (queries.InboxFilter(search="zamowienie"), ""),
        (queries.InboxFilter(status="", search="paczk"), ""),
        (queries.InboxFilter(status="", search=f"#{number}"), ""),
        (queries.InboxFilter(status="", search=str(number)), ""),
        (queries.InboxFilter(status="", search="!!! ???"), ""),  # no words, no number: nothing
        (queries.InboxFilter(status="", search="no such words"), ""),
        *((queries.InboxFilter(status=""), state) for state in queries_sla.SLA_STATES),
        (queries.InboxFilter(status="open", search="zwrot"), "due_soon"),
    ]


def test_the_light_rows_are_the_orms_conversations_for_every_filter(desk, store, owner, agent):
    for filters, sla_state in filter_mix(desk, owner):
        orm = queries_sla.filter_by_sla_state(
            queries.list_conversations(store, filters, agent), sla_state, now=NOW
        )
        rows = inbox_queries.list_inbox_rows(store, filters, agent, sla_state=sla_state, limit=100, now=NOW)

        assert [shown(row) for row in rows] == [shown(c) for c in orm], (filters, sla_state)


@pytest.mark.parametrize("common_tag", [0, 10_000])  # a tag walked with EXISTS, and one read by its index
def test_a_tag_filter_keeps_the_same_rows_whichever_way_it_is_read(
    desk, store, owner, agent, monkeypatch, common_tag
):
    monkeypatch.setattr(inbox_queries, "COMMON_TAG", common_tag)
    for filters in (
        queries.InboxFilter(status="", tag_id=desk["tag"].pk),
        queries.InboxFilter(status="", priority="high", assignee="mine", tag_id=desk["tag"].pk),
        queries.InboxFilter(status="", tag_id=desk["tag"].pk, search="zamowienie"),
    ):
        orm = queries.list_conversations(store, filters, agent)
        rows = inbox_queries.list_inbox_rows(store, filters, agent, limit=100, now=NOW)

        assert [shown(row) for row in rows] == [shown(c) for c in orm], filters
    assert inbox_queries.list_inbox_rows(
        store, queries.InboxFilter(status="", tag_id=desk["tag"].pk), agent, limit=100
    )


@pytest.mark.parametrize("common_matches", [0, 10_000])  # matches probed as a set, and read and sorted
def test_a_search_keeps_the_same_rows_whichever_way_its_matches_are_read(
    desk, store, owner, agent, monkeypatch, common_matches
):
    searches = (
        queries.InboxFilter(status="", search="zamowienie"),
        queries.InboxFilter(status="open", search="paczk"),
        queries.InboxFilter(status="", assignee="mine", search="zwrot"),
        queries.InboxFilter(status="", search="no such words"),
    )
    monkeypatch.setattr(search, "COMMON_MATCHES", 10**9)  # every search's matches read and sorted
    expected = [[shown(c) for c in queries.list_conversations(store, filters, agent)] for filters in searches]
    assert expected[0]

    monkeypatch.setattr(search, "COMMON_MATCHES", common_matches)
    for filters, rows_expected in zip(searches, expected, strict=True):
        orm = queries.list_conversations(store, filters, agent)
        rows = inbox_queries.list_inbox_rows(store, filters, agent, limit=100, now=NOW)

        assert [shown(c) for c in orm] == rows_expected, filters
        assert [shown(row) for row in rows] == rows_expected, filters


def test_a_search_of_a_superscript_digit_reads_as_the_orms(desk, store, agent):
    # "¹" passes str.isdigit() but int() refuses it: the number condition must not be tried
    filters = queries.InboxFilter(status="", search="¹")

    rows = inbox_queries.list_inbox_rows(store, filters, agent, limit=100)

    assert [shown(row) for row in rows] == [
        shown(c) for c in queries.list_conversations(store, filters, agent)
    ]


def test_the_filters_tell_the_conversations_apart(desk, store, owner, agent):
    """The comparison above compares something: each filter keeps a different, non-empty set."""
    found = {
        (str(filters), sla_state): tuple(
            row.pk
            for row in inbox_queries.list_inbox_rows(store, filters, agent, sla_state=sla_state, limit=100)
        )
        for filters, sla_state in filter_mix(desk, owner)
    }

    assert sum(1 for pks in found.values() if pks) >= 18
    assert len(set(found.values())) >= 12
    due_soon = inbox_queries.list_inbox_rows(
        store, queries.InboxFilter(), agent, sla_state="due_soon", limit=9
    )
    assert [row.pk for row in due_soon] == [desk["later_due"].pk, desk["soon"].pk]  # the most urgent first


def test_the_rows_read_as_the_orm_reads_them(desk, store, agent):
    rows = inbox_queries.list_inbox_rows(store, queries.InboxFilter(status=""), agent, limit=100)
    by_pk = {row.pk: row for row in rows}
    parcel, chat = by_pk[desk["parcel"].pk], by_pk[desk["chat"].pk]

    assert parcel.last_excerpt == "We are checking with the courier."  # the note after it is not shown
    assert parcel.assignee.email == agent.email and parcel.get_priority_display() == "High"
    assert chat.last_excerpt == "Still waiting for an answer about my parcel."
    assert chat.sla_breached is True and parcel.sla_breached is False
    assert all(row.last_message_at.utcoffset() == timedelta(0) for row in rows)
    assert by_pk[desk["known"].pk].customer_id is not None
    assert rows[0].pk == chat.pk  # the customer wrote last


def test_the_pages_are_the_orms_pages(desk, store, agent):
    filters = queries.InboxFilter(status="")
    for number in ("1", "2", "3", "4", "0", "x"):
        orm = build_page(queries.list_conversations(store, filters, agent), number, per_page=3)
        page = inbox_queries.build_inbox_page(store, filters, agent, number, per_page=3)

        assert [shown(row) for row in page.items] == [shown(c) for c in orm.items]
        assert (page.number, page.has_next, page.has_previous) == (orm.number, orm.has_next, orm.has_previous)


def test_the_inbox_shows_the_rows_with_their_labels_and_highlights_a_search(desk, store, agent_client):
    inbox = reverse("helpdesk:inbox")

    page = agent_client.get(inbox, {"status": ""}).content.decode()
    assert "We are checking with the courier." in page and "Courier says Friday." not in page
    assert "High" in page and "Resolved" in page and "(no subject)" in page
    assert f"/helpdesk/{desk['parcel'].pk}/" in page

    found = agent_client.get(inbox, {"status": "", "q": "paczka"})
    assert [row.pk for row in found.context["page"].items] == [desk["parcel"].pk]
    assert "<mark>paczka</mark>" in found.content.decode()


def test_another_stores_conversations_are_never_rows(desk, store, other_store, agent):
    other = make_staff(other_store, email="agent@other-shop.test")
    mine = {
        row.pk
        for row in inbox_queries.list_inbox_rows(store, queries.InboxFilter(status=""), agent, limit=100)
    }
    theirs = inbox_queries.list_inbox_rows(
        other_store, queries.InboxFilter(status="", search="paczka"), other, limit=9
    )

    assert len(theirs) == 1 and theirs[0].pk not in mine
