"""The event-capture API: POST /api/v1/events."""

import json

import pytest
from django.test import Client

from cxloop.commerce.models import Customer, Event


def event(n=1, **fields):
    return {"event_id": f"ev-{n}", "type": "page_view", "anonymous_id": "anon-1",
            "session_id": "s-1", "occurred_at": "2026-11-01T10:00:00Z",
            "properties": {"url": "https://shop.example/"}, **fields}  # fmt: skip


def post(client, body, raw=False):
    data = body if raw else json.dumps(body)
    return client.post("/api/v1/events", data=data, content_type="application/json")


def test_single_event_is_stored(api_client, store):
    response = post(api_client, event())

    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    stored = Event.objects.get()
    assert (stored.store, stored.type, stored.properties) == (
        store,
        "page_view",
        {"url": "https://shop.example/"},
    )  # noqa: E501


def test_batch_of_1000_is_stored_in_one_call(api_client):
    response = post(api_client, {"events": [event(n) for n in range(1000)]})

    assert response.json() == {"accepted": 1000, "duplicates": 0}
    assert Event.objects.count() == 1000


def test_batch_over_1000_is_refused(api_client):
    response = post(api_client, {"events": [event(n) for n in range(1001)]})

    assert response.status_code == 422
    assert Event.objects.count() == 0


def test_repeated_event_ids_are_stored_once(api_client):
    post(api_client, {"events": [event(1), event(2)]})

    response = post(api_client, {"events": [event(2), event(3), event(3)]})

    assert response.json() == {"accepted": 1, "duplicates": 2}
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["ev-1", "ev-2", "ev-3"]


def test_one_invalid_item_names_item_and_field_and_stores_nothing(api_client):
    items = [event(n) for n in range(5)]
    items[3]["type"] = "Page View!"

    response = post(api_client, {"events": items})

    assert response.status_code == 422
    assert response.json()["field"] == "events[3].type"
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    "change,field",
    [
        ({"event_id": ""}, "events[0].event_id"),
        ({"event_id": "x" * 101}, "events[0].event_id"),
        ({"event_id": 1.5}, "events[0].event_id"),
        ({"type": None}, "events[0].type"),
        ({"type": "page_view\n"}, "events[0].type"),
        ({"occurred_at": "10000-01-01T00:00:00Z"}, "events[0].occurred_at"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "events[0].occurred_at"),
        ({"occurred_at": "yesterday"}, "events[0].occurred_at"),
        ({"properties": []}, "events[0].properties"),
        ({"properties": {"name": "\u202egnp.exe"}}, "events[0].properties"),
        ({"properties": {"blob": "x" * 20000}}, "events[0].properties"),
        ({"anonymous_id": "a\x01b"}, "events[0].anonymous_id"),
        ({"store": "other-shop"}, "events[0].store"),
        ({"email": "nope"}, "events[0].email"),
    ],
)
def test_invalid_event_field_answers_422_naming_it(api_client, change, field):
    response = post(api_client, {"events": [event(**change)]})

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    "body,status",
    [
        (b"", 400),
        (b"nonsense", 400),
        (b'{"events": [NaN]}', 400),
        (b'{"event_id": "a", "event_id": "b", "type": "x"}', 400),
        (b"[" * 3000 + b"]" * 3000, 400),
        (b'{"event_id": "\\u0000", "type": "x"}', 400),
        (b'"just a string"', 422),
        (b'{"events": []}', 422),
        (b'{"events": {"a": 1}}', 422),
        (b'{"events": [1, 2]}', 422),
        (b'{"events": [], "extra": 1}', 422),
    ],
)
def test_malformed_body_answers_4xx_and_stores_nothing(api_client, body, status):
    response = post(api_client, body, raw=True)

    assert response.status_code == status
    assert "detail" in response.json()
    assert Event.objects.count() == 0


def test_body_over_one_megabyte_answers_413(api_client):
    big = {"events": [event(n, properties={"pad": "x" * 15000}) for n in range(70)]}

    response = post(api_client, big)

    assert response.status_code == 413
    assert Event.objects.count() == 0


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer cxk_nope_nope", "Basic abc"])
def test_missing_or_wrong_key_answers_401(db, header):
    client = Client(headers={"Authorization": header} if header else {})

    response = post(client, event())

    assert response.status_code == 401
    assert Event.objects.count() == 0


def test_key_of_store_a_stores_in_store_a_even_if_body_names_b(api_client, store, other_store):
    response = post(api_client, event(properties={"store": "other-shop"}))

    assert response.status_code == 200
    assert Event.objects.get().store == store
    assert not Event.objects.filter(store=other_store).exists()


def test_same_event_id_in_two_stores_is_two_events(api_client, other_api_key):
    post(api_client, event(1))

    response = post(Client(headers={"Authorization": f"Bearer {other_api_key}"}), event(1))

    assert response.json()["accepted"] == 1
    assert Event.objects.count() == 2


def test_identify_links_past_anonymous_events_to_the_customer(api_client, store):
    post(api_client, {"events": [event(1), event(2, type="add_to_cart")]})

    post(api_client, event(3, type="identify", properties={"email": "Ewa@Example.PL", "first_name": "Ewa"}))  # noqa: E501

    customer = Customer.objects.get(store=store)
    assert (customer.email_key, customer.first_name) == ("ewa@example.pl", "Ewa")
    assert Event.objects.filter(customer=customer).count() == 3


def test_event_with_known_email_is_linked_to_the_customer(api_client, store):
    post(api_client, event(1, type="identify", properties={"email": "ewa@example.pl"}))

    post(api_client, event(2, type="product_view", anonymous_id="other", email="EWA@example.pl"))

    assert Event.objects.get(event_id="ev-2").customer.email_key == "ewa@example.pl"


def test_read_api_lists_customers_filtered_by_email_case_insensitively(api_client, store):
    post(api_client, event(1, type="identify", properties={"email": "Ewa@Example.pl"}))

    response = api_client.get("/api/v1/customers", {"email": "EWA@example.PL"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["email"], item["orders_count"], item["amount_spent"], item["currency"]) == (
        "Ewa@Example.pl", 0, "0.00", "PLN",
    )  # fmt: skip


def test_read_api_answers_404_for_another_stores_ids(api_client, other_api_key):
    other = Client(headers={"Authorization": f"Bearer {other_api_key}"})
    post(other, event(1, type="identify", properties={"email": "b@example.com"}))
    foreign = Customer.objects.get()

    assert api_client.get(f"/api/v1/customers/{foreign.pk}").status_code == 404
    assert api_client.get("/api/v1/customers").json()["count"] == 0
    assert api_client.get("/api/v1/events").json()["count"] == 0


def test_openapi_schema_and_docs_are_readable_without_a_login(db):
    # Given a visitor who is not signed in (an integrator generating a client).
    visitor = Client()

    # When they fetch the schema and the docs page.
    schema = visitor.get("/api/openapi.json")
    docs = visitor.get("/api/docs")

    # Then both answer, and the docs page loads Swagger UI from this server.
    assert schema.status_code == 200
    assert "/api/v1/events" in schema.json()["paths"]
    assert docs.status_code == 200
    assert b'src="/static/ninja/swagger-ui-bundle.js"' in docs.content
    assert b"cdn.jsdelivr.net" not in docs.content


def test_openapi_schema_holds_no_store_data(staff_client, store):
    # Given a signed-in staff member and a visitor, both reading the schema.
    # Then they read the same document: nothing in it depends on who asks.
    assert staff_client.get("/api/openapi.json").json() == Client().get("/api/openapi.json").json()
    assert store.name not in Client().get("/api/openapi.json").content.decode()


@pytest.fixture
def publishable_client(store):
    from cxloop.core import services as core_services

    _, raw = core_services.create_api_key(store=store, name="storefront", kind="publishable")
    assert raw.startswith("cxpk_")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_publishable_key_may_send_events(publishable_client, store):
    response = post(publishable_client, event())

    assert response.status_code == 200
    assert Event.objects.get().store == store


@pytest.mark.parametrize("url", ["/api/v1/customers", "/api/v1/orders", "/api/v1/events"])
def test_publishable_key_cannot_read_store_data(publishable_client, url):
    assert publishable_client.get(url).status_code == 401


def test_publishable_key_relabelled_as_secret_is_refused(publishable_client, store):
    raw = publishable_client.defaults["HTTP_AUTHORIZATION"].split()[1]
    forged = Client(headers={"Authorization": "Bearer cxk_" + raw[len("cxpk_") :]})

    assert forged.get("/api/v1/customers").status_code == 401
