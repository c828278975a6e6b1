"""Transferring a chat from its agent panel: the control, its refusals, and who hears of it live."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cxloop.chat import services, transfers
from cxloop.chat.models import Notice
from cxloop.core.models import Membership
from cxloop.helpdesk.models import AgentProfile, Message, Team
from cxloop.helpdesk.services.conversations import assign, reply
from cxloop.testing.fixtures import make_staff

pytestmark = pytest.mark.django_db


def staff(store, name, role=Membership.Role.AGENT, **profile):
    user = make_staff(store, role, email=f"{name}@{store.slug}.test")
    user.first_name = name.capitalize()
    user.save(update_fields=["first_name"])
    if profile:
        AgentProfile.objects.create(store=store, user=user, **profile)
    return user


def chat_held_by(store, agent, language="pl"):
    visitor, token = services.start(store=store, language=language)
    message, _created = services.send(visitor=visitor, text="Gdzie jest moja paczka?", client_id="c-1")
    conversation = message.conversation
    assign(conversation=conversation, assignee=agent, actor=agent)
    return visitor, token, conversation


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def post_transfer(client, conversation, to, note=""):
    return client.post(reverse("helpdesk:transfer", args=[conversation.pk]), {"to": to, "note": note})


def test_the_panel_offers_teams_and_agents_available_first_and_leaves_out_oneself(store):
    ania, zoe = staff(store, "ania"), staff(store, "zoe")
    staff(store, "bob", available=False)
    Team.objects.create(store=store, name="Returns")
    _visitor, _token, conversation = chat_held_by(store, ania)

    html = signed_in(ania).get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    assert 'action="{}"'.format(reverse("helpdesk:transfer", args=[conversation.pk])) in html
    start = html.index('id="chat-transfer-to"')
    options = html[start : html.index("</select>", start)]
    assert "Returns" in options and "Ania" not in options  # not to oneself (nor the assignee: ania)
    assert options.index("Zoe") < options.index("Bob — unavailable")
    assert f'value="agent:{zoe.pk}"' in options


def test_an_agent_transfers_the_chat_with_a_note_the_visitor_never_sees(store):
    ania, bob = staff(store, "ania"), staff(store, "bob")
    visitor, _token, conversation = chat_held_by(store, ania)

    response = post_transfer(signed_in(ania), conversation, f"agent:{bob.pk}", note="VIP, be kind")

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee == bob
    assert conversation.messages.get(kind=Message.Kind.NOTE).text == "VIP, be kind"
    visitor.refresh_from_db()
    with translation.override("pl"):
        line = transfers.transfer_notice()
    assert [m["text"] for m in services.history(visitor)] == ["Gdzie jest moja paczka?", line]
    page = signed_in(bob).get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    assert "Ania transferred it to Bob" in page


def test_another_stores_agent_or_team_answers_404_naming_it_and_changes_nothing(store, other_store):
    ania = staff(store, "ania")
    stranger = make_staff(other_store, Membership.Role.AGENT, email="x@other.test")
    theirs = Team.objects.create(store=other_store, name="Theirs")
    _visitor, _token, conversation = chat_held_by(store, ania)
    client = signed_in(ania)

    by_agent = post_transfer(client, conversation, f"agent:{stranger.pk}")
    by_team = post_transfer(client, conversation, f"team:{theirs.pk}")
    nothing = post_transfer(client, conversation, "everyone")

    assert (
        by_agent.status_code == 404 and f"No agent {stranger.pk} in this store." in by_agent.content.decode()
    )
    assert by_team.status_code == 404 and f"No team {theirs.pk} in this store." in by_team.content.decode()
    assert nothing.status_code == 422
    conversation.refresh_from_db()
    assert conversation.assignee == ania and conversation.team is None


def test_a_transfer_to_oneself_or_to_the_assignee_is_refused_with_409(store):
    ania, bob = staff(store, "ania"), staff(store, "bob")
    _visitor, _token, conversation = chat_held_by(store, bob)

    to_self = post_transfer(signed_in(ania), conversation, f"agent:{ania.pk}")
    to_holder = post_transfer(signed_in(ania), conversation, f"agent:{bob.pk}")

    assert (
        to_self.status_code == 409
        and "You cannot transfer a conversation to yourself." in to_self.content.decode()
    )
    assert to_holder.status_code == 409 and "Bob already has this conversation." in to_holder.content.decode()


def test_someone_of_no_store_gets_403_and_another_stores_member_404(store, other_store, django_user_model):
    ania, bob = staff(store, "ania"), staff(store, "bob")
    _visitor, _token, conversation = chat_held_by(store, ania)
    nobody = django_user_model.objects.create_user(username="nobody", email="nobody@x.test", password="x")
    outsider = make_staff(other_store, Membership.Role.OWNER, email="owner@other.test")

    assert post_transfer(signed_in(nobody), conversation, f"agent:{bob.pk}").status_code == 403
    assert post_transfer(signed_in(outsider), conversation, f"agent:{bob.pk}").status_code == 404
    conversation.refresh_from_db()
    assert conversation.assignee == ania


def _application():
    from cxloop.asgi import application

    return application


def _agent_socket(store, user):
    cookie = f"sessionid={signed_in(user).cookies['sessionid'].value}".encode()
    return WebsocketCommunicator(
        _application(),
        f"/chat/ws/agent/{store.pk}/",
        headers=[(b"cookie", cookie), (b"origin", b"http://127.0.0.1")],
    )


@pytest.mark.django_db(transaction=True)
def test_the_receiving_agent_and_the_visitor_hear_of_the_transfer_live_and_nobody_else(store):
    from channels.db import database_sync_to_async

    from cxloop.helpdesk.services.transfer import transfer

    ania, bob, cleo = staff(store, "ania"), staff(store, "bob"), staff(store, "cleo")
    visitor, token, conversation = chat_held_by(store, ania)

    async def run():
        widget = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        assert (await widget.connect())[0]
        await widget.send_json_to({"type": "hello", "token": token, "after": 10**9})
        assert (await widget.receive_json_from())["type"] == "ready"
        receiving, other = _agent_socket(store, bob), _agent_socket(store, cleo)
        assert (await receiving.connect())[0] and (await other.connect())[0]
        await database_sync_to_async(transfer)(conversation=conversation, actor=ania, agent=bob)
        told = await receiving.receive_json_from(timeout=30)
        shown = await widget.receive_json_from(timeout=30)
        others = await other.receive_nothing(timeout=0.5)
        for socket in (widget, receiving, other):
            await socket.disconnect()
        return told, shown, others

    told, shown, others = async_to_sync(run)()

    assert told["type"] == "transfer" and told["conversation_id"] == conversation.pk
    assert told["number"] == conversation.number and told["user_ids"] == [bob.pk]
    assert told["url"] == reverse("helpdesk:conversation", args=[conversation.pk])
    notice = Notice.objects.get(conversation=conversation)
    with translation.override("pl"):
        assert shown == {"type": "message", "message": {
            "id": f"n{notice.pk}", "notice": notice.pk, "from": "system",
            "text": transfers.transfer_notice(), "at": notice.created_at.isoformat(),
        }}  # fmt: skip
    assert "Ania" not in shown["message"]["text"] and "Bob" not in shown["message"]["text"]
    assert others is True  # cleo's socket heard nothing


# The visitor's line is stored: a widget on long polling, reopened or reloaded shows it, once.


def poll(client, store, token, **params):
    url = reverse("chat:messages", args=[store.slug])
    response = client.get(url, params, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.json()["messages"]


def start_again(client, store, token, lang="pl"):
    response = client.post(
        reverse("chat:start", args=[store.slug]),
        {"token": token, "lang": lang},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()["messages"]


def polish_line():
    with translation.override("pl"):
        return transfers.transfer_notice()


def test_a_polling_widget_gets_the_transfer_line_after_its_last_message_and_then_never_again(client, store):
    ania, bob = staff(store, "ania"), staff(store, "bob")
    visitor, token, conversation = chat_held_by(store, ania)
    first = conversation.messages.get().pk

    post_transfer(signed_in(ania), conversation, f"agent:{bob.pk}", note="VIP, be kind")

    notice = Notice.objects.get(conversation=conversation)
    polled = poll(client, store, token, after=first, notices=0, wait=0)
    assert polled == [{
        "id": f"n{notice.pk}", "notice": notice.pk, "from": "system", "text": polish_line(),
        "at": notice.created_at.isoformat(),
    }]  # fmt: skip
    assert poll(client, store, token, after=first, notices=notice.pk, wait=0) == []
    # a script that does not ask for notices (one cached from before) is sent none, so its poll waits
    assert poll(client, store, token, after=first, wait=0) == []


def test_a_reload_replays_the_line_once_in_its_place_among_the_messages(client, store):
    ania, bob = staff(store, "ania"), staff(store, "bob")
    visitor, token, conversation = chat_held_by(store, ania)
    post_transfer(signed_in(ania), conversation, f"agent:{bob.pk}", note="VIP, be kind")
    reply(conversation=conversation, author=bob, text="Dzień dobry, tu Bob.")

    replayed = start_again(client, store, token)

    assert [(m["from"], m["text"]) for m in replayed] == [
        ("visitor", "Gdzie jest moja paczka?"),
        ("system", polish_line()),
        ("agent", "Dzień dobry, tu Bob."),
    ]
    assert len({m["id"] for m in replayed}) == 3
    assert "VIP" not in str(replayed)  # the internal note never reaches the widget


def test_the_line_names_nobody_and_is_in_the_visitors_language(client, store):
    ania, _bob = staff(store, "ania"), staff(store, "bob")
    team = Team.objects.create(store=store, name="Zwroty VIP", routing=False)
    visitor, token, conversation = chat_held_by(store, ania, language="fa")

    post_transfer(signed_in(ania), conversation, f"team:{team.pk}", note="Bob knows this customer")

    (line,) = [m for m in start_again(client, store, token, lang="fa") if m["from"] == "system"]
    with translation.override("fa"):
        assert line["text"] == transfers.transfer_notice()
    assert set(line) == {"id", "notice", "from", "text", "at"}
    for secret in ("Ania", "Bob", "Zwroty VIP", "knows"):
        assert secret not in str(line)


def test_the_agents_inbox_and_thread_are_unaffected_by_the_line(store):
    ania, bob = staff(store, "ania"), staff(store, "bob")
    _visitor, _token, conversation = chat_held_by(store, ania)
    conversation.refresh_from_db()
    fields = ("last_message_at", "last_customer_message_at", "status")
    before = [getattr(conversation, name) for name in fields]
    messages_before = list(conversation.messages.values_list("pk", flat=True))

    post_transfer(signed_in(ania), conversation, f"agent:{bob.pk}")

    conversation.refresh_from_db()
    assert [getattr(conversation, name) for name in fields] == before  # its place in the inbox
    assert list(conversation.messages.values_list("pk", flat=True)) == messages_before  # no message added
    inbox = signed_in(bob).get(reverse("helpdesk:inbox")).content.decode()
    page = signed_in(bob).get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    with translation.override("en"):
        line = transfers.transfer_notice()
    assert "Gdzie jest moja paczka?" in inbox and line not in inbox
    assert "Ania transferred it to Bob" in page and line not in page


def test_another_visitor_never_sees_the_line(client, store):
    ania, bob = staff(store, "ania"), staff(store, "bob")
    _visitor, _token, conversation = chat_held_by(store, ania)
    other, other_token = services.start(store=store, language="pl")
    services.send(visitor=other, text="Inne pytanie", client_id="o-1")

    post_transfer(signed_in(ania), conversation, f"agent:{bob.pk}")

    assert [m["text"] for m in start_again(client, store, other_token)] == ["Inne pytanie"]
    polled = poll(client, store, other_token, after=0, notices=0, wait=0)
    assert [m["text"] for m in polled] == ["Inne pytanie"]
    assert Notice.objects.filter(conversation__chat_visitor=other).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_widget_reconnecting_its_socket_catches_up_on_the_line_it_missed(store):
    ania, bob = staff(store, "ania"), staff(store, "bob")
    _visitor, token, conversation = chat_held_by(store, ania)
    first = conversation.messages.get().pk
    post_transfer(signed_in(ania), conversation, f"agent:{bob.pk}")

    async def hello(**cursor):
        widget = WebsocketCommunicator(_application(), "/chat/ws/visitor/")
        assert (await widget.connect())[0]
        await widget.send_json_to({"type": "hello", "token": token, "after": first, **cursor})
        assert (await widget.receive_json_from())["type"] == "ready"
        frames = []
        while not await widget.receive_nothing(timeout=0.3):
            frames.append(await widget.receive_json_from())
        await widget.disconnect()
        return frames

    missed = async_to_sync(hello)(notices=0)
    notice = Notice.objects.get(conversation=conversation)

    assert [(f["type"], f["message"]["id"], f["message"]["text"]) for f in missed] == [
        ("message", f"n{notice.pk}", polish_line())
    ]
    assert async_to_sync(hello)(notices=notice.pk) == []
    assert async_to_sync(hello)() == []  # an older script, which does not ask for them
