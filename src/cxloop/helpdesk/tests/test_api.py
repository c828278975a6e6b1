import json

import pytest
from django.test import Client

from cxloop.helpdesk.models import Conversation, Message

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def opened(client, **fields):
    body = {
        "contact_email": "Ania@Example.pl",
        "contact_name": "Ania",
        "subject": "Zwrot",
        "text": "Chcę zwrócić buty",
    }
    return post(client, "/conversations", body | fields)


def test_a_conversation_is_opened_through_the_api(api_client, store):
    answer = opened(api_client, client_id="form-1")

    assert answer.status_code == 201, answer.content
    body = answer.json()
    conversation = Conversation.objects.get(pk=body["conversation"]["id"])
    assert conversation.store == store and conversation.channel == "api"
    assert body["conversation"]["contact_email"] == "ania@example.pl" and body["conversation"]["number"] == 1
    assert body["message"]["text"] == "Chcę zwrócić buty" and body["message"]["channel"] == "api"
    assert Message.objects.get().external_id == "api:form-1"


def test_the_same_client_id_is_stored_once(api_client):
    first = opened(api_client, client_id="form-1")
    again = opened(api_client, client_id="form-1", text="A retry with other words")
    without = opened(api_client)
    without_again = opened(api_client)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert without.status_code == without_again.status_code == 201
    assert Conversation.objects.count() == 3


def test_a_customer_message_continues_and_reopens_a_conversation(api_client):
    conversation_id = opened(api_client).json()["conversation"]["id"]
    Conversation.objects.filter(pk=conversation_id).update(status=Conversation.Status.RESOLVED)

    added = post(
        api_client,
        f"/conversations/{conversation_id}/messages",
        {"text": "Jeszcze jedno", "client_id": "m-2"},
    )
    repeat = post(
        api_client,
        f"/conversations/{conversation_id}/messages",
        {"text": "Jeszcze jedno", "client_id": "m-2"},
    )
    detail = api_client.get(f"/api/v1/conversations/{conversation_id}")
    paged = api_client.get(f"/api/v1/conversations/{conversation_id}/messages?limit=1&offset=1")

    assert (added.status_code, repeat.status_code) == (201, 200)
    assert added.json()["from_email"] == "ania@example.pl"
    assert detail.status_code == 200 and detail.json()["status"] == "open"
    assert [m["text"] for m in detail.json()["messages"]] == ["Chcę zwrócić buty", "Jeszcze jedno"]
    assert paged.json()["count"] == 2 and [m["text"] for m in paged.json()["items"]] == ["Jeszcze jedno"]


def test_a_client_id_of_another_conversation_is_a_conflict(api_client):
    first = opened(api_client, client_id="c-1").json()["conversation"]["id"]
    second = opened(api_client, contact_email="jan@example.pl").json()["conversation"]["id"]

    answer = post(api_client, f"/conversations/{second}/messages", {"text": "x", "client_id": "c-1"})

    assert first != second
    assert answer.status_code == 409 and answer.json()["field"] == "client_id"
    assert Message.objects.count() == 2


def test_another_stores_conversation_is_404(api_client, other_api_key):
    conversation_id = opened(api_client).json()["conversation"]["id"]
    stranger = Client(headers={"Authorization": f"Bearer {other_api_key}"})

    read = stranger.get(f"/api/v1/conversations/{conversation_id}")
    messages = stranger.get(f"/api/v1/conversations/{conversation_id}/messages")
    written = post(stranger, f"/conversations/{conversation_id}/messages", {"text": "Hi"})
    listed = stranger.get("/api/v1/conversations")

    assert read.status_code == written.status_code == messages.status_code == 404
    assert read.json()["error"] == "not_found" and read.json()["detail"] == "No such conversation"
    assert listed.json()["items"] == []
    assert Message.objects.count() == 1


def test_the_list_is_paged_and_filtered_by_status(api_client):
    ids = [
        opened(api_client, contact_email=f"c{i}@example.pl").json()["conversation"]["id"] for i in range(3)
    ]
    Conversation.objects.filter(pk=ids[0]).update(status=Conversation.Status.RESOLVED)

    everything = api_client.get("/api/v1/conversations?limit=2").json()
    resolved = api_client.get("/api/v1/conversations?status=resolved").json()
    bad = api_client.get("/api/v1/conversations?status=closed")

    assert everything["count"] == 3 and len(everything["items"]) == 2
    assert [c["id"] for c in resolved["items"]] == [ids[0]]
    assert bad.status_code == 422 and bad.json()["field"] == "status"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 100_001}, "text"),
        ({"contact_name": "Ania\u202eevil"}, "contact_name"),
        ({"subject": "a\x07b"}, "subject"),
        ({"client_id": "has spaces"}, "client_id"),
        ({"priority": "urgent"}, "priority"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(api_client, fields, field):
    answer = opened(api_client, **fields)

    assert answer.status_code == 422, answer.content
    assert answer.json()["field"] == field
    assert not Message.objects.exists()


def test_a_body_over_the_limit_is_413(api_client):
    answer = opened(api_client, text="x" * 1_100_000)

    assert answer.status_code == 413 and answer.json()["error"] == "body_too_large"


def test_no_key_is_401(db):
    assert Client().get("/api/v1/conversations").status_code == 401
