"""The webhooks API: a secret store key, store-scoped, errors in the {error, detail, field} shape."""

import json

import pytest
from django.test import Client

from cxloop.hooks import services
from cxloop.hooks.models import WebhookDelivery, WebhookEndpoint

BASE = "/api/v1/webhooks/endpoints"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_creating_an_endpoint_answers_201_with_its_secret_once(api_client, store, webhook_receiver):
    response = post(api_client, BASE, {"url": webhook_receiver.url, "events": ["ping"], "description": "ERP"})
    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert body["secret"] == endpoint.secret and body["secret"].startswith("whsec_")
    assert (body["url"], body["events"], body["description"], body["active"]) == (
        webhook_receiver.url, ["ping"], "ERP", True,
    )  # fmt: skip
    assert endpoint.store == store
    listed = api_client.get(BASE).json()
    assert [e["id"] for e in listed["items"]] == [endpoint.pk]
    assert "secret" not in listed["items"][0]
    assert "secret" not in api_client.get(f"{BASE}/{endpoint.pk}").json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://x.example/", "events": ["ping"]}, "url"),
        ({"url": "https://x.example/", "events": ["order.payed"]}, "events"),
        ({"url": "https://x.example/", "events": []}, "events"),
        ({"url": "https://x.example/"}, "events"),
        ({"url": "https://x.example/", "events": ["ping"], "secret": "mine"}, "secret"),
        ({"url": "https://x.example/", "events": ["ping"], "description": "x" * 201}, "description"),
    ],
)
def test_a_bad_endpoint_answers_422_naming_the_field_and_creates_nothing(api_client, body, field):
    response = post(api_client, BASE, body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert set(response.json()) >= {"error", "detail", "field"}
    assert WebhookEndpoint.objects.count() == 0


def test_the_twenty_first_endpoint_answers_409(api_client, store):
    for n in range(services.MAX_ENDPOINTS):
        services.create_endpoint(store=store, url=f"https://x{n}.example/", events=["ping"])
    response = post(api_client, BASE, {"url": "https://one-more.example/", "events": ["ping"]})
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"


def test_deleting_an_endpoint_removes_it_and_its_log(api_client, store):
    endpoint = services.create_endpoint(store=store, url="https://x.example/", events=["ping"])
    services.send_test_event(endpoint=endpoint)
    response = api_client.delete(f"{BASE}/{endpoint.pk}")
    assert response.status_code == 204
    assert WebhookEndpoint.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_the_delivery_log_lists_newest_first(api_client, store, task_worker, webhook_receiver):
    endpoint = services.create_endpoint(store=store, url=webhook_receiver.url, events=["ping"])
    webhook_receiver.answer(500)
    with task_worker.committing():
        first = services.publish(store, "ping", {"n": 1})[0]
        second = services.publish(store, "ping", {"n": 2})[0]
    task_worker.run_ready()

    items = api_client.get(f"{BASE}/{endpoint.pk}/deliveries").json()["items"]

    assert [i["id"] for i in items] == [second.pk, first.pk]
    by_id = {i["id"]: i for i in items}
    assert by_id[first.pk]["event_id"] == str(first.event_id)
    assert by_id[first.pk]["payload"] == {"n": 1}
    statuses = sorted((i["status"], i["last_status_code"], i["attempts"]) for i in items)
    assert statuses == [("delivered", 200, 1), ("pending", 500, 1)]


def test_another_stores_endpoint_is_404_everywhere(api_client, other_store):
    theirs = services.create_endpoint(store=other_store, url="https://x.example/", events=["ping"])
    for response in (
        api_client.get(f"{BASE}/{theirs.pk}"),
        api_client.get(f"{BASE}/{theirs.pk}/deliveries"),
        api_client.delete(f"{BASE}/{theirs.pk}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "No such webhook endpoint.", "field": None}
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()
    assert api_client.get(BASE).json()["items"] == []


def test_without_a_key_the_api_answers_401(store):
    response = Client().get(BASE)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_the_events_list_names_ping(api_client):
    events = api_client.get("/api/v1/webhooks/events").json()
    assert {"name": "ping", "description": "A test event, sent from the webhooks page or the API."} in events


def test_a_description_with_a_bidirectional_control_is_refused(api_client):
    body = {"url": "https://x.example/", "events": ["ping"], "description": "ERP\u202e"}
    response = post(api_client, BASE, body)
    assert response.status_code == 422
    assert response.json()["field"] == "description"
    assert response.json()["detail"] == "The description holds a bidirectional control character U+202E."
