"""The chat: a visitor writes from the widget (HTTP and WebSocket), an agent answers from the desk."""

import asyncio
import json
import time
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from django.utils import timezone

from cxloop.chat import services, tokens
from cxloop.chat.models import Visitor
from cxloop.core.errors import InvalidInput, Unauthorized
from cxloop.core.identity import sign_identity
from cxloop.helpdesk.models import Channel, Conversation, Message
from cxloop.helpdesk.services.conversations import reply

pytestmark = pytest.mark.django_db


def post(client, store, name, data, token=""):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        reverse(f"chat:{name}", args=[store.slug]),
        json.dumps(data),
        content_type="application/json",
        headers=headers,
    )


def start(client, store, **data):
    response = post(client, store, "start", {"lang": "pl", "page_url": "https://shop.example/p/1", **data})
    assert response.status_code == 200, response.content
    return response.json()


# -- the widget over HTTP ------------------------------------------------------------------


def test_a_first_message_opens_a_chat_conversation_and_a_repeat_is_stored_once(client, store, owner):
    started = start(client, store)
    assert started["messages"] == [] and started["online"] is True
    assert started["socket_url"].endswith("/chat/ws/visitor/")

    first = post(
        client, store, "messages", {"text": "Gdzie jest paczka?", "client_id": "c-1"}, started["token"]
    )
    again = post(
        client, store, "messages", {"text": "Gdzie jest paczka?", "client_id": "c-1"}, started["token"]
    )

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    conversation = Conversation.objects.get(store=store)
    assert conversation.channel == Channel.CHAT and conversation.messages.count() == 1
    assert Visitor.objects.get(store=store).conversation == conversation


def test_the_visitor_reads_the_agents_reply_by_polling_and_never_an_internal_note(client, store, owner):
    started = start(client, store)
    post(client, store, "messages", {"text": "Hello", "client_id": "c-1"}, started["token"])
    conversation = Conversation.objects.get(store=store)
    answer = reply(conversation=conversation, author=owner, text="Dzień dobry! <b>bold</b>")
    from cxloop.helpdesk.services.conversations import add_note

    add_note(conversation=conversation, author=owner, text="internal: VIP")

    url = reverse("chat:messages", args=[store.slug])
    polled = client.get(url, {"after": 0}, headers={"Authorization": f"Bearer {started['token']}"}).json()

    texts = [(m["from"], m["text"]) for m in polled["messages"]]
    assert texts == [("visitor", "Hello"), ("agent", "Dzień dobry! <b>bold</b>")]  # text, shown as text
    assert answer.channel == Channel.CHAT and answer.delivery == Message.Delivery.SENT
    after = client.get(
        url, {"after": polled["messages"][-1]["id"]}, headers={"Authorization": f"Bearer {started['token']}"}
    )
    assert after.json()["messages"] == []


def test_a_reply_goes_by_email_when_the_visitor_left_an_address_and_closed_the_widget(client, store, owner):
    started = start(client, store)
    token = started["token"]
    assert (
        post(client, store, "contact", {"name": "Ania", "email": "Ania@Example.pl"}, token).status_code == 200
    )
    post(client, store, "messages", {"text": "Hello", "client_id": "c-1"}, token)
    Visitor.objects.filter(store=store).update(last_seen_at=timezone.now() - timedelta(hours=1))
    conversation = Conversation.objects.get(store=store)

    answer = reply(conversation=conversation, author=owner, text="We will send it today.")

    assert conversation.contact_email == "ania@example.pl" and conversation.customer_id is None
    assert answer.channel == Channel.EMAIL and answer.to == ["ania@example.pl"]


def test_a_typed_email_links_no_customer_but_a_signed_identity_does(client, store):
    from cxloop.commerce.models import Customer

    now = timezone.now()
    customer = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", created_at=now, updated_at=now
    )
    typed = start(client, store)
    post(client, store, "contact", {"email": "ania@example.pl"}, typed["token"])
    post(client, store, "messages", {"text": "Hi", "client_id": "a"}, typed["token"])
    assert Conversation.objects.get(store=store).customer_id is None

    wrong = post(client, store, "start", {"email": "ania@example.pl", "identity_hash": "0" * 64})
    assert wrong.status_code == 422 and wrong.json()["field"] == "identity_hash"

    signed = start(
        client,
        store,
        email="ania@example.pl",
        identity_hash=sign_identity(store.identity_secret, "ania@example.pl"),
    )
    post(client, store, "messages", {"text": "Hi again", "client_id": "b"}, signed["token"])
    visitor = Visitor.objects.get(pk=signed["visitor_id"])
    assert visitor.customer == customer and visitor.conversation.customer == customer


def test_a_message_is_from_the_name_and_address_the_visitor_gave_after_their_socket_said_hello(store):
    visitor, _token = services.start(store=store, language="pl")
    as_the_socket_read_it = Visitor.objects.get(pk=visitor.pk)  # at hello: no name, no address
    services.set_contact(visitor=visitor, name="Ania", email="ania@example.pl")  # the widget's form

    message, created = services.send(visitor=as_the_socket_read_it, text="Gdzie paczka?", client_id="c-1")

    assert created
    assert (message.from_name, message.from_email) == ("Ania", "ania@example.pl")
    assert message.conversation.contact_email == "ania@example.pl"


def test_forged_expired_and_foreign_tokens_are_refused(client, store, other_store):
    started = start(client, store)
    forged = started["token"][:-2] + ("AA" if not started["token"].endswith("AA") else "BB")
    for token in (forged, "", "x" * 400):
        response = post(client, store, "messages", {"text": "x", "client_id": "1"}, token)
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert (
        post(client, other_store, "messages", {"text": "x", "client_id": "1"}, started["token"]).status_code
        == 401
    )

    with time_machine.travel(timezone.now() + timedelta(days=tokens.VISITOR_TOKEN_DAYS + 1)):
        with pytest.raises(Unauthorized):
            services.visitor_from_token(started["token"])
    assert Message.objects.count() == 0


def test_bad_messages_are_422_naming_the_field_and_store_nothing(client, store):
    token = start(client, store)["token"]
    cases = [
        ({"text": "", "client_id": "1"}, "text"),
        ({"text": "x" * (services.MAX_TEXT + 1), "client_id": "1"}, "text"),
        ({"text": "evil \u202e txt", "client_id": "1"}, "text"),
        ({"text": "ok"}, "client_id"),
        ({"text": "ok", "client_id": "x" * 65}, "client_id"),
        ({"text": 5, "client_id": "1"}, "text"),
    ]
    for data, field in cases:
        response = post(client, store, "messages", data, token)
        assert response.status_code == 422 and response.json()["field"] == field, (data, response.content)
    assert post(client, store, "messages", "[1]", token).status_code == 400
    assert Message.objects.count() == 0 and Conversation.objects.count() == 0


def test_the_endpoints_answer_any_storefront_origin_without_cookies(client, store):
    preflight = client.options(reverse("chat:messages", args=[store.slug]))
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    response = post(client, store, "start", {})
    assert response["Access-Control-Allow-Origin"] == "*" and not response.cookies
    assert (
        client.post(
            reverse("chat:start", args=["no-such-store"]), "{}", content_type="application/json"
        ).status_code
        == 404
    )


def test_when_nobody_is_available_the_widget_is_told_when_the_store_opens(client, store, owner):
    from cxloop.helpdesk.models import AgentProfile

    AgentProfile.objects.create(store=store, user=owner, available=False)
    assert start(client, store)["online"] is False


def test_a_resolved_chat_is_opened_again_by_the_visitors_next_message(client, store, owner):
    from cxloop.helpdesk.services.conversations import set_status

    token = start(client, store)["token"]
    post(client, store, "messages", {"text": "one", "client_id": "1"}, token)
    conversation = Conversation.objects.get(store=store)
    set_status(conversation=conversation, status=Conversation.Status.RESOLVED, actor=owner)
    post(client, store, "messages", {"text": "two", "client_id": "2"}, token)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN and Conversation.objects.count() == 1


def test_language_codes_are_cleaned():
    assert services.clean_language("zh-TW") == "zh-hant"
    assert services.clean_language("zh_CN") == "zh-hans"
    assert services.clean_language("fa-IR") == "fa"
    assert services.clean_language("xx") == ""
    with pytest.raises(InvalidInput):
        services.send(visitor=Visitor(), text="x", client_id="")


# -- the sockets -----------------------------------------------------------------------------


def _application():
    from cxloop.asgi import application

    return application


@pytest.mark.django_db(transaction=True)
def test_over_the_socket_a_message_is_acked_once_and_the_agents_reply_arrives_live(store, owner):
    visitor, token = services.start(store=store, language="fa")

    async def run():
        socket = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        connected, _ = await socket.connect()
        assert connected
        await socket.send_json_to({"type": "hello", "token": token, "after": 0})
        assert (await socket.receive_json_from())["type"] == "ready"
        await socket.send_json_to({"type": "message", "text": "سلام، سفارش من کجاست؟", "client_id": "m-1"})
        ack = await socket.receive_json_from()
        await socket.send_json_to({"type": "message", "text": "سلام، سفارش من کجاست؟", "client_id": "m-1"})
        again = await socket.receive_json_from()
        await _reply_from_desk(visitor.pk, owner)
        pushed = await socket.receive_json_from(timeout=30)
        await socket.disconnect()
        return ack, again, pushed

    ack, again, pushed = async_to_sync(run)()

    assert ack["type"] == "ack" and ack["client_id"] == "m-1"
    assert again["message"]["id"] == ack["message"]["id"]
    assert pushed["type"] == "message" and pushed["message"]["from"] == "agent"
    assert pushed["message"]["text"] == "پاسخ"
    assert Message.objects.filter(kind=Message.Kind.INCOMING).count() == 1


async def _reply_from_desk(visitor_id, owner):
    from channels.db import database_sync_to_async

    def answer():
        conversation = Visitor.objects.get(pk=visitor_id).conversation
        reply(conversation=conversation, author=owner, text="پاسخ")

    await database_sync_to_async(answer)()


@pytest.mark.django_db(transaction=True)
def test_a_reconnecting_widget_gets_what_it_missed_and_nothing_twice(store, owner):
    visitor, token = services.start(store=store, language="pl")
    first, _ = services.send(visitor=visitor, text="Pierwsza", client_id="1")
    visitor.refresh_from_db()
    reply(conversation=visitor.conversation, author=owner, text="Odpowiedź")

    async def run():
        socket = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        await socket.connect()
        await socket.send_json_to({"type": "hello", "token": token, "after": first.pk})
        frames = [await socket.receive_json_from(), await socket.receive_json_from()]
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return frames

    ready, missed = async_to_sync(run)()
    assert ready["type"] == "ready"
    assert missed["message"]["text"] == "Odpowiedź"


@pytest.mark.django_db(transaction=True)
def test_a_socket_without_a_valid_hello_is_closed_and_floods_are_refused(store):
    visitor, token = services.start(store=store)

    async def run():
        forged = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        await forged.connect()
        await forged.send_json_to({"type": "hello", "token": token + "x"})
        closed = await forged.receive_output(timeout=30)
        big = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        await big.connect()
        await big.send_to(text_data="x" * 20000)
        too_large = await big.receive_output(timeout=30)
        socket = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        await socket.connect()
        await socket.send_json_to({"type": "hello", "token": token})
        await socket.receive_json_from()
        answers = []
        for n in range(15):
            await socket.send_json_to({"type": "message", "text": f"spam {n}", "client_id": f"s{n}"})
            answers.append(await socket.receive_json_from(timeout=30))
        await socket.disconnect()
        return closed, too_large, answers

    closed, too_large, answers = async_to_sync(run)()
    assert closed == {"type": "websocket.close", "code": 4401}
    assert too_large == {"type": "websocket.close", "code": 1009}
    kinds = [answer["type"] for answer in answers]
    assert kinds.count("ack") == 10 and kinds[10:] == ["error"] * 5
    assert answers[-1]["error"] == "rate_limited"
    assert Message.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_the_agents_socket_needs_a_member_of_the_store_and_this_sites_origin(
    store, other_store, owner, client
):
    client.force_login(owner)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    headers = [(b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1")]
    evil = [(b"cookie", cookie.encode()), (b"origin", b"https://evil.example")]

    async def run():
        results = []
        for store_id, sent in ((store.pk, headers), (other_store.pk, headers), (store.pk, evil)):
            socket = WebsocketCommunicator(_application(), f"/chat/ws/agent/{store_id}/", headers=sent)
            connected, _ = await socket.connect()
            results.append(connected)
            await socket.disconnect()
        return results

    assert async_to_sync(run)() == [True, False, False]


def test_the_conversation_page_shows_the_visitor_page_and_cart_as_text_and_the_inbox_goes_live(
    client, store, owner
):
    from cxloop.commerce.models import Event

    started = start(client, store, page_title="<script>alert(1)</script> Buty", anonymous_id="anon-1")
    post(client, store, "messages", {"text": "Hi", "client_id": "1"}, started["token"])
    now = timezone.now()
    Event.objects.create(
        store=store, event_id="e1", type="add_to_cart", anonymous_id="anon-1",
        occurred_at=now, received_at=now,
        properties={"title": "<img src=x onerror=alert(1)>Kozaki", "quantity": 2},
    )  # fmt: skip
    conversation = Conversation.objects.get(store=store)
    client.force_login(owner)

    html = client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    assert "Chat visitor" in html and "chat/agent.js" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Buty" in html and "<script>alert(1)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;Kozaki" in html
    assert 'id="reply-text"' in html  # a chat without an address is answered in the chat
    inbox = client.get(reverse("helpdesk:inbox")).content.decode()
    assert "chat/agent.js" in inbox and "cxloop:live from:body" in inbox
    assert "<div data-chat-live" in inbox and "&lt;div data-chat-live" not in inbox  # markup, not text


def test_a_message_from_a_visitor_who_left_no_name_shows_only_its_time(client, store, owner):
    import re

    started = start(client, store)
    post(client, store, "messages", {"text": "Hi", "client_id": "1"}, started["token"])
    conversation = Conversation.objects.get(store=store)
    client.force_login(owner)

    html = client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    head = re.search(r'<header class="message__head">(.*?)</header>', html, re.S).group(1)
    assert "·" not in head and "<strong>" not in head and "<time" in head  # no empty name, no dangling dot


@pytest.mark.django_db(transaction=True)
def test_new_sockets_from_one_address_are_limited(store, settings):
    from django.core.cache import cache

    cache.clear()
    settings.CXLOOP_CHAT_CONNECTS_PER_MINUTE = 3

    async def run():
        answers = []
        for _ in range(4):
            socket = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
            connected, code = await socket.connect()
            answers.append((connected, code))
            await socket.disconnect()
        return answers

    answers = async_to_sync(run)()
    cache.clear()
    assert [connected for connected, _ in answers] == [True, True, True, False]


@pytest.fixture
def redis_layer(settings):
    """Channels' Redis layer (several processes share it), on the machine's Redis, with its own prefix."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "cxloop.chat.layers.RedisChannelLayer",  # as settings.py configures it
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"], "prefix": f"cxtest{time.time_ns()}"},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_the_redis_layer_takes_many_more_commands_at_once_than_it_has_connections(redis_layer):
    """A thousand widgets opening together each join a group: redis-py's own pool failed the commands
    past its 100th connection (chat.layers); this pool makes them wait for one."""
    from channels.layers import get_channel_layer

    from cxloop.chat import layers

    layer = get_channel_layer()
    many = 3 * layers.MAX_CONNECTIONS + 100  # above redis-py's 100 too

    async def run():
        channels = [await layer.new_channel() for _ in range(many)]
        await asyncio.gather(*(layer.group_add("many", channel) for channel in channels))
        await layer.group_send("many", {"type": "chat.event", "event": {"type": "typing"}})
        heard = await asyncio.gather(*(layer.receive(channel) for channel in channels))
        await layer.flush()
        return heard

    heard = async_to_sync(run)()
    assert len(heard) == many and all(message["event"] == {"type": "typing"} for message in heard)


@pytest.mark.django_db(transaction=True)
def test_over_the_redis_layer_a_reply_reaches_the_open_widget(store, owner, redis_layer):
    visitor, token = services.start(store=store, language="pl")

    async def run():
        socket = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        await socket.connect()
        await socket.send_json_to({"type": "hello", "token": token})
        assert (await socket.receive_json_from(timeout=30))["type"] == "ready"
        await socket.send_json_to({"type": "message", "text": "Przez Redis", "client_id": "r-1"})
        ack = await socket.receive_json_from(timeout=30)
        await _reply_from_desk(visitor.pk, owner)
        pushed = await socket.receive_json_from(timeout=30)
        await socket.disconnect()
        return ack, pushed

    ack, pushed = async_to_sync(run)()

    from channels.layers import get_channel_layer

    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
    assert ack["type"] == "ack" and pushed["message"]["text"] == "پاسخ"


@pytest.mark.django_db(transaction=True)
def test_a_socket_dropped_from_its_group_by_the_layer_joins_again_and_hears_the_next_reply(
    store, owner, monkeypatch
):
    from channels.layers import get_channel_layer

    from cxloop.chat import consumers, realtime

    monkeypatch.setattr(consumers, "REJOIN_EVERY", 0.2)
    visitor, token = services.start(store=store, language="fa")
    services.send(visitor=visitor, text="سلام", client_id="1")

    async def run():
        socket = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        await socket.connect()
        await socket.send_json_to({"type": "hello", "token": token, "after": 10**9})
        await socket.receive_json_from(timeout=30)  # ready
        layer = get_channel_layer()
        group = realtime.visitor_group(visitor.pk)
        for channel in list(layer.groups.get(group, {})):  # as the layer does to a slow channel
            await layer.group_discard(group, channel)
        await asyncio.sleep(0.6)
        await _reply_from_desk(visitor.pk, owner)
        pushed = await socket.receive_json_from(timeout=30)
        await socket.disconnect()
        return pushed

    assert async_to_sync(run)()["message"]["text"] == "پاسخ"


@pytest.mark.django_db(transaction=True)
def test_a_push_reaches_the_agent_while_the_database_thread_is_busy(store, owner, client):
    """Every database call of a process runs in one thread; a push must not wait for it."""
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer

    from cxloop.chat import realtime

    client.force_login(owner)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def run():
        agent = WebsocketCommunicator(
            _application(),
            f"/chat/ws/agent/{store.pk}/",
            headers=[(b"cookie", cookie), (b"origin", b"http://127.0.0.1")],
        )
        assert (await agent.connect())[0]
        busy = asyncio.ensure_future(database_sync_to_async(time.sleep)(2.0))  # a long write, say
        await asyncio.sleep(0.1)
        event = {"type": realtime.EVENT, "event": {"type": "message", "conversation_id": 1, "message_id": 7}}
        await get_channel_layer().group_send(realtime.store_group(store.pk), event)
        heard = await agent.receive_json_from(timeout=1.0)  # well before the busy call ends
        await busy
        await agent.disconnect()
        return heard

    assert async_to_sync(run)()["message_id"] == 7
