"""Files an agent attaches to a chat reply reach the shopper's widget: live, polled, replayed, downloaded."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.urls import reverse

from cxloop.chat import services
from cxloop.chat.models import Visitor
from cxloop.helpdesk.models import Conversation, Message
from cxloop.helpdesk.services.conversations import add_note, reply
from cxloop.helpdesk.tests.files import PDF, PNG, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield tmp_path / "media"
    cache.clear()


def start(client, store, token=""):
    response = client.post(
        reverse("chat:start", args=[store.slug]), json.dumps({"lang": "zh-hans", "token": token}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()


def write(client, store, token, text="我的订单在哪里？"):
    response = client.post(
        reverse("chat:messages", args=[store.slug]), json.dumps({"text": text, "client_id": "c-1"}),
        content_type="application/json", headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 201, response.content


def download(client, store, token, attachment_id):
    return client.get(
        reverse("chat:attachment", args=[store.slug, attachment_id]),
        headers={"Authorization": f"Bearer {token}"},
    )


def poll(client, store, token, after=0):
    return client.get(
        reverse("chat:messages", args=[store.slug]), {"after": after},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["messages"]  # fmt: skip


def test_the_shopper_polls_the_agents_reply_with_its_files_and_downloads_them(client, store, owner):
    token = start(client, store)["token"]
    write(client, store, token)
    conversation = Conversation.objects.get(store=store)

    answer = reply(
        conversation=conversation, author=owner, text="这是您的发票。",
        files=[upload("发票.pdf", PDF), upload("包裹.png", PNG)],
    )  # fmt: skip

    assert answer.channel == "chat"  # the widget is open: the reply goes there
    [polled] = poll(client, store, token, after=answer.pk - 1)
    pdf, png = answer.attachments.order_by("pk")
    assert (polled["from"], polled["text"]) == ("agent", "这是您的发票。")
    assert polled["attachments"] == [
        {"id": pdf.pk, "name": "发票.pdf", "size": len(PDF), "type": "application/pdf", "removed": False},
        {"id": png.pk, "name": "包裹.png", "size": len(PNG), "type": "image/png", "removed": False},
    ]
    served_pdf, served_png = download(client, store, token, pdf.pk), download(client, store, token, png.pk)
    assert served_pdf.status_code == 200 and b"".join(served_pdf.streaming_content) == PDF
    assert served_pdf["Content-Type"] == "application/octet-stream"  # a PDF is saved, never opened in place
    assert served_png["Content-Type"] == "image/png" and served_png["X-Content-Type-Options"] == "nosniff"


def test_a_reload_replays_the_agents_files_and_another_visitor_or_store_gets_404(
    client, store, other_store, owner
):
    token = start(client, store)["token"]
    write(client, store, token)
    answer = reply(
        conversation=Conversation.objects.get(store=store),
        author=owner,
        text="",
        files=[upload("a.pdf", PDF)],
    )
    attachment = answer.attachments.get()
    someone_else = start(client, store)["token"]
    write(client, store, someone_else, "你好")
    other_stores = start(client, other_store)["token"]

    replayed = start(client, store, token)["messages"]

    assert replayed[-1]["from"] == "agent" and replayed[-1]["attachments"][0]["id"] == attachment.pk
    assert download(client, store, someone_else, attachment.pk).status_code == 404
    assert download(client, other_store, other_stores, attachment.pk).status_code == 404
    assert download(client, store, token, attachment.pk).status_code == 200


def test_a_notes_file_never_reaches_the_widget(client, store, owner):
    token = start(client, store)["token"]
    write(client, store, token)
    note = add_note(
        conversation=Conversation.objects.get(store=store), author=owner, text="VIP",
        files=[upload("wewnętrzne.pdf", PDF)],
    )  # fmt: skip

    assert [m["from"] for m in poll(client, store, token)] == ["visitor"]
    assert download(client, store, token, note.attachments.get().pk).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_agents_files_reach_the_open_widget_live(store, owner):
    from channels.db import database_sync_to_async

    from cxloop.asgi import application

    visitor, token = services.start(store=store, language="zh-hans")
    services.send(visitor=visitor, text="请发给我发票", client_id="1")

    def answer():
        conversation = Visitor.objects.get(pk=visitor.pk).conversation
        reply(conversation=conversation, author=owner, text="好的", files=[upload("发票.pdf", PDF)])

    async def run():
        socket = WebsocketCommunicator(application, "/chat/ws/visitor/")
        await socket.connect()
        await socket.send_json_to({"type": "hello", "token": token, "after": 10**9})
        assert (await socket.receive_json_from(timeout=30))["type"] == "ready"
        await database_sync_to_async(answer)()
        pushed = await socket.receive_json_from(timeout=30)
        await socket.disconnect()
        return pushed

    pushed = async_to_sync(run)()

    attachment = Message.objects.get(kind=Message.Kind.REPLY).attachments.get()
    assert pushed["type"] == "message" and pushed["message"]["from"] == "agent"
    assert pushed["message"]["attachments"] == [
        {
            "id": attachment.pk,
            "name": "发票.pdf",
            "size": len(PDF),
            "type": "application/pdf",
            "removed": False,
        }
    ]


def test_an_agent_without_a_first_name_is_never_shown_to_the_shopper_by_their_login(client, store, owner):
    token = start(client, store)["token"]
    write(client, store, token)
    conversation = Conversation.objects.get(store=store)
    owner.first_name = ""
    owner.save(update_fields=["first_name"])

    answer = reply(conversation=conversation, author=owner, text="您好")

    [polled] = poll(client, store, token, after=answer.pk - 1)
    assert polled["name"] == ""  # the widget says "Support" in the shopper's language
    assert owner.email not in json.dumps(poll(client, store, token), ensure_ascii=False)
    assert owner.get_username() not in json.dumps(poll(client, store, token), ensure_ascii=False)
