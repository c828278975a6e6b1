"""Help desk conversations in the warehouse: their messages and tags with them, changes, merges, erasure.

Every change is made the way the help desk makes it (its services), each at its own time.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cxloop.analytics.sync import sync_warehouse
from cxloop.analytics.warehouse import reading, writing
from cxloop.commerce.services.erasure import erase_customer, erase_person, erase_store_data
from cxloop.helpdesk.models import Conversation, Team
from cxloop.helpdesk.services import conversations as desk
from cxloop.helpdesk.services.teams import delete_team
from cxloop.helpdesk.tests.factories import customer_writes, open_conversation
from cxloop.surveys import services as survey_services
from cxloop.surveys.models import Invitation
from cxloop.surveys.services.responses import clean_answer
from cxloop.surveys.tests.factories import make_customer, make_survey

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def travel(minutes: int):
    return time_machine.travel(at(minutes), tick=False)


def warehouse(sql: str, params=()):
    with reading() as con:
        return con.execute(sql, list(params)).fetchall()


def sync(minutes: int):
    with travel(minutes):
        return sync_warehouse()


@pytest.fixture
def desk_day(store, owner, agent):
    """Ania writes (Polish), is answered, tagged, resolved, answers the CSAT survey with 5, writes again.

    Ben writes too and is answered with a note in between; nothing else happens to him.
    """
    csat = make_survey(store, kind="csat", trigger="helpdesk_resolved")
    returns = Team.objects.create(store=store, name="Zwroty")
    with travel(0):
        ania = make_customer(store, email="ania@example.pl")
        ben = make_customer(store, email="ben@example.com", first_name="Ben", language="en")
        first, _m = open_conversation(
            store, from_email="ania@example.pl", subject="Gdzie jest paczka?",
            text="Dzień dobry, zamówiłam buty tydzień temu i paczka jeszcze nie dotarła. Proszę o pomoc.",
        )  # fmt: skip
        other, _m = open_conversation(store, from_email="ben@example.com", subject="Invoice")
    steps = [
        (5, lambda: desk.assign(conversation=first, assignee=agent, actor=owner)),
        (6, lambda: desk.set_team(conversation=first, team=returns, actor=owner)),
        (7, lambda: desk.set_priority(conversation=first, priority="high", actor=owner)),
        (8, lambda: desk.set_tags(conversation=first, names=["zwrot", "vip"], actor=owner)),
        (10, lambda: desk.reply(conversation=first, author=agent, text="Paczka jest w drodze.")),
        (11, lambda: desk.add_note(conversation=other, author=owner, text="Check the invoice.")),
        (12, lambda: desk.reply(conversation=other, author=owner, text="Attached.")),
        (20, lambda: desk.set_status(conversation=first, status="resolved", actor=agent)),
    ]
    for minute, step in steps:
        with travel(minute):
            first.refresh_from_db()
            step()
    invitation = Invitation.objects.get(store=store, survey=csat, customer=ania)
    with travel(25):
        survey_services.record_invitation_answer(invitation=invitation, answer=clean_answer(csat, score=5))
    with travel(30):
        first.refresh_from_db()
        customer_writes(store, first, text="Jednak nie dotarła.")  # reopened
    first.refresh_from_db()
    return {"ania": ania, "ben": ben, "first": first, "other": other, "team": returns, "agent": agent}


def test_a_conversation_lands_with_its_fields_messages_tags_and_csat_and_no_word_of_it(desk_day, store):
    first, agent, team = desk_day["first"], desk_day["agent"], desk_day["team"]

    result = sync(31)

    assert result.copied["conversations"] == 2 and result.copied["messages"] == 6
    assert result.copied["conversation_tags"] == 2
    assert warehouse(
        "SELECT store_id, customer_id, channel, status, priority, team_id, assignee_id, language, "
        "merged_into_id, reopen_count, created_at, first_response_at, resolved_at FROM conversations "
        "WHERE id = ?", [first.pk],
    ) == [(
        store.pk, desk_day["ania"].pk, "email", "open", "high", team.pk, agent.pk, "pl", None, 1,
        at(0), at(10), at(20),  # resolved, then reopened: the help desk keeps when it was resolved
    )]  # fmt: skip
    assert warehouse("SELECT kind, channel, author_id, automatic, created_at FROM messages "
                     "WHERE conversation_id = ? ORDER BY created_at", [first.pk]) == [
        ("incoming", "email", None, False, at(0)),
        ("reply", "email", agent.pk, False, at(10)),
        ("incoming", "email", None, False, at(30)),
    ]  # fmt: skip
    assert warehouse("SELECT kind FROM messages WHERE conversation_id = ? ORDER BY created_at",
                     [desk_day["other"].pk]) == [("incoming",), ("note",), ("reply",)]  # fmt: skip
    assert warehouse("SELECT count(*) FROM conversation_tags WHERE conversation_id = ?", [first.pk]) == [(2,)]
    assert warehouse("SELECT survey_kind, score, conversation_id FROM responses") == [("csat", 5, first.pk)]
    columns = {row[0] for row in warehouse(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name IN ('conversations', 'messages', 'conversation_tags')"
    )}  # fmt: skip
    assert not columns & {"subject", "text", "html", "contact_email", "contact_name", "from_email", "name"}
    everything = str([warehouse(f"SELECT * FROM {t}") for t in ("conversations", "messages", "responses")])
    assert not any(word in everything for word in ("paczka", "ania@", "Ania", "zwrot", "Invoice"))


def test_a_later_sync_carries_a_changed_conversation_its_new_message_and_its_tags_as_they_are_now(
    desk_day, owner
):
    first = desk_day["first"]
    sync(31)
    with travel(40):
        desk.set_tags(conversation=first, names=["vip"], actor=owner)
    with travel(41):
        desk.reply(conversation=first, author=owner, text="Wysłaliśmy drugą paczkę.")
    with travel(42):
        desk.set_status(conversation=first, status="resolved", actor=owner)

    again = sync(43)

    assert again.copied["conversations"] == 1  # only Ania's changed
    assert warehouse(
        "SELECT status, resolved_at, reopen_count FROM conversations WHERE id = ?", [first.pk]
    ) == [("resolved", at(42), 1)]
    assert warehouse("SELECT count(*) FROM messages WHERE conversation_id = ?", [first.pk]) == [(4,)]
    assert warehouse("SELECT count(*) FROM messages") == [(7,)]  # Ben's three stay as they were
    assert warehouse("SELECT count(*) FROM conversation_tags WHERE conversation_id = ?", [first.pk]) == [(1,)]


def test_a_merged_conversation_is_marked_and_its_messages_move_with_the_merge(store, owner):
    with travel(0):
        make_customer(store, email="ola@example.pl")
        older, _m = open_conversation(store, from_email="ola@example.pl", subject="Zwrot")
    with travel(5):
        newer, _m = open_conversation(store, from_email="ola@example.pl", subject="Zwrot (2)")
    sync(6)
    with travel(10):
        desk.merge(source=newer, target=older, actor=owner)

    sync(11)

    assert warehouse("SELECT id, merged_into_id, status FROM conversations ORDER BY id") == [
        (older.pk, None, "open"), (newer.pk, older.pk, "resolved"),
    ]  # fmt: skip
    assert warehouse("SELECT conversation_id, count(*) FROM messages GROUP BY ALL") == [(older.pk, 2)]


def test_a_deleted_team_leaves_its_conversations_in_the_warehouse_without_it(desk_day, owner):
    first = desk_day["first"]
    with travel(35):
        desk.reply(conversation=desk_day["other"], author=owner, text="Anything else?")
    sync(36)  # the watermark is past Ania's conversation now
    with travel(40):
        delete_team(team=desk_day["team"])

    sync(41)

    assert Conversation.objects.get(pk=first.pk).team_id is None
    assert warehouse("SELECT team_id FROM conversations WHERE id = ?", [first.pk]) == [(None,)]


def test_an_erased_customers_conversations_lose_them_within_one_sync_and_their_answer_goes(desk_day, store):
    first, other = desk_day["first"], desk_day["other"]
    sync(31)
    with travel(40):
        erase_customer(store=store, customer=desk_day["ania"])

    sync(41)

    assert warehouse("SELECT id, customer_id FROM conversations ORDER BY id") == [
        (first.pk, None), (other.pk, desk_day["ben"].pk),
    ]  # fmt: skip
    assert warehouse("SELECT count(*) FROM messages WHERE conversation_id = ?", [first.pk]) == [(3,)]
    assert warehouse("SELECT count(*) FROM responses") == [(0,)]
    # copied again from the start (a new column, say), it stays without her
    with writing() as con:
        con.execute("DELETE FROM sync_state")
    sync(42)
    assert warehouse("SELECT customer_id FROM conversations WHERE id = ?", [first.pk]) == [(None,)]


def test_a_conversation_erased_by_its_address_alone_loses_its_customer_in_the_warehouse_too(store):
    with travel(0):
        ola = make_customer(store, email="ola@example.pl")
        conversation, _m = open_conversation(store, from_email="ola@example.pl")
    with travel(2):
        later, _m = open_conversation(store, from_email="someone@example.com")
    sync(3)  # the watermark is past Ola's conversation now
    with travel(4):
        erase_person(store=store, email="ola@example.pl")  # a request naming the address, not the record

    sync(5)

    assert warehouse("SELECT id, customer_id FROM conversations ORDER BY id") == [
        (conversation.pk, None), (later.pk, None),
    ]  # fmt: skip
    assert warehouse("SELECT id FROM customers") == [(ola.pk,)]


def test_an_erased_stores_conversations_messages_and_tags_leave_the_warehouse(desk_day, store, other_store):
    open_conversation(other_store, from_email="x@example.com")
    sync(31)
    erase_store_data(store=store)

    sync(41)

    for table in ("conversations", "messages", "conversation_tags"):
        assert warehouse(f"SELECT DISTINCT store_id FROM {table}") == (
            [(other_store.pk,)] if table != "conversation_tags" else []
        )


def test_a_warehouse_from_before_messages_were_kept_copies_every_conversation_again_to_fill_them(desk_day):
    sync(31)
    with writing() as con:  # as an earlier version left it: no messages, no tags, fewer columns
        con.execute("DROP TABLE messages")
        con.execute("DROP TABLE conversation_tags")
        con.execute("ALTER TABLE conversations DROP COLUMN merged_into_id")

    result = sync(32)

    assert result.copied["conversations"] == 2 and result.copied["messages"] == 6
    assert warehouse("SELECT count(*) FROM conversation_tags") == [(2,)]
