"""Widget messages stored in groups (chat.writer): one transaction for those that wait, each once."""

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from cxloop.chat import realtime, services, writer
from cxloop.chat.models import Visitor
from cxloop.helpdesk import queries
from cxloop.helpdesk.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)


def _store_together(items):
    """Hold the database thread, queue every (visitor, text, client id), then let them through: they
    wait while it is busy and are stored as one group. The outcomes (or errors), in order."""

    async def run():
        busy = asyncio.ensure_future(database_sync_to_async(time.sleep)(0.5))
        await asyncio.sleep(0.05)
        stored = [asyncio.ensure_future(writer.store(*item)) for item in items]
        await busy
        return await asyncio.gather(*stored, return_exceptions=True)

    return async_to_sync(run)()


def _visitors(store, count):
    return [services.start(store=store, language="pl")[0] for _ in range(count)]


def test_messages_that_wait_are_stored_together_each_once_in_its_visitors_conversation(store):
    ania, ben = _visitors(store, 2)
    outcomes = _store_together([
        (ania, "Gdzie jest paczka?", "a-1"),
        (ben, "Kiedy wysyłka?", "b-1"),
        (ania, "Zamówienie 1001", "a-2"),
        (ania, "Gdzie jest paczka?", "a-1"),  # the widget sent it again: the stored one answers
    ])  # fmt: skip

    assert not [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    (
        (first, created_first, conversation),
        (_, created_ben, _),
        (second, _, same),
        (again, created_again, _),
    ) = outcomes
    assert created_first and created_ben and not created_again
    assert again["id"] == first["id"] and same == conversation
    ania.refresh_from_db()
    assert ania.conversation_id == conversation
    texts = list(
        Message.objects.filter(conversation_id=conversation).order_by("pk").values_list("text", flat=True)
    )
    assert texts == ["Gdzie jest paczka?", "Zamówienie 1001"]
    assert second["client_id"] == "a-2" and second["from"] == "visitor" and second["attachments"] == []
    assert Conversation.objects.filter(store=store).count() == 2
    assert Message.objects.filter(store=store).count() == 3


def test_a_conversation_given_several_messages_in_a_group_is_found_by_the_last_ones_words(store, owner):
    [ania] = _visitors(store, 1)
    _store_together([(ania, "Dzień dobry", "a-1")])  # the conversation exists before the group
    _store_together([(ania, "Paczka zaginęła", "a-2"), (ania, "Numer zamówienia Zebra-7", "a-3")])

    chosen = queries.InboxFilter(status="", search="zebra")
    assert [c.pk for c in queries.list_conversations(store, chosen, owner)] == [
        Visitor.objects.get(pk=ania.pk).conversation_id
    ]


def test_a_message_that_fails_in_a_group_fails_alone(store):
    ania, ben, celina = _visitors(store, 3)
    Visitor.objects.filter(pk=ben.pk).delete()  # erased while the widget was still open

    outcomes = _store_together([(ania, "Pierwsza", "a-1"), (ben, "Druga", "b-1"), (celina, "Trzecia", "c-1")])

    assert isinstance(outcomes[1], Visitor.DoesNotExist)
    assert outcomes[0][1] and outcomes[2][1]  # created
    assert sorted(Message.objects.filter(store=store).values_list("text", flat=True)) == [
        "Pierwsza",
        "Trzecia",
    ]


def test_the_pushes_of_a_group_are_sent_after_its_commit_in_order(store):
    ania, ben = _visitors(store, 2)

    async def run():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(realtime.store_group(store.pk), channel)
        busy = asyncio.ensure_future(database_sync_to_async(time.sleep)(0.5))
        await asyncio.sleep(0.05)
        stored = [
            asyncio.ensure_future(writer.store(visitor, text, client_id))
            for visitor, text, client_id in [(ania, "Raz", "a-1"), (ben, "Dwa", "b-1"), (ania, "Trzy", "a-2")]
        ]
        await busy
        outcomes = await asyncio.gather(*stored)
        heard = await asyncio.wait_for(layer.receive(channel), 30)
        return outcomes, heard

    outcomes, heard = async_to_sync(run)()
    listed = heard["event"]["messages"]  # the group's messages in one event, in order
    assert heard["event"]["type"] == "messages"
    assert [one["message_id"] for one in listed] == [shown["id"] for shown, _, _ in outcomes]
    assert [one["visitor_id"] for one in listed] == [ania.pk, ben.pk, ania.pk]
    assert {one["message_id"] for one in listed} == set(Message.objects.values_list("pk", flat=True))


def test_a_widgets_frame_is_answered_while_the_database_thread_is_busy(store):
    """A frame needs no database before its handler: it must not wait for the messages being stored."""
    from cxloop.chat.tests.test_chat import _application

    _visitor, token = services.start(store=store, language="pl")

    async def run():
        socket = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        await socket.connect()
        await socket.send_json_to({"type": "hello", "token": token, "after": 0})
        await socket.receive_json_from(timeout=30)  # ready
        busy = asyncio.ensure_future(database_sync_to_async(time.sleep)(2.0))  # a long group, say
        await asyncio.sleep(0.1)
        await socket.send_json_to({"type": "ping"})
        answer = await socket.receive_json_from(timeout=1.0)  # well before the busy call ends
        await busy
        await socket.disconnect()
        return answer

    assert async_to_sync(run)() == {"type": "pong"}
