"""The event API outside a test transaction, as in production.

On PostgreSQL a batch is then written by one COPY that is its own
transaction, and a retried batch fails that COPY and takes the
INSERT ... ON CONFLICT path; on SQLite the same requests take the INSERT
path. Either way the answers and the stored rows must be the same.
"""

import threading
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from cxloop.commerce.models import Customer, Event
from cxloop.commerce.services import events as event_services
from cxloop.core.models import Store

from .test_events_api import event, post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def copies(monkeypatch):
    """What each COPY of record_events did: the rows stored, or the error's class name."""
    attempts = []
    copy = event_services._copy_postgresql

    def recorded_copy(*args):
        try:
            stored = copy(*args)
        except Exception as error:
            attempts.append(type(error).__name__)
            raise
        attempts.append(stored)
        return stored

    monkeypatch.setattr(event_services, "_copy_postgresql", recorded_copy)
    return attempts


def on_postgresql(attempts: list) -> list:
    return attempts if connection.vendor == "postgresql" else []


def stored_ids() -> list[str]:
    return sorted(Event.objects.values_list("event_id", flat=True), key=lambda event_id: int(event_id[3:]))


def test_new_batch_is_stored_with_one_copy(api_client, copies):
    response = post(api_client, {"events": [event(n) for n in range(10)]})

    assert response.json() == {"accepted": 10, "duplicates": 0}
    assert stored_ids() == [f"ev-{n}" for n in range(10)]
    assert copies == on_postgresql([10])


def test_retried_batch_is_stored_once_and_answered_as_duplicates(api_client, copies):
    batch = {"events": [event(n) for n in range(10)]}
    post(api_client, batch)

    response = post(api_client, batch)

    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 10}
    assert stored_ids() == [f"ev-{n}" for n in range(10)]
    assert copies == on_postgresql([10, "UniqueViolation"])


def test_batch_overlapping_a_stored_one_stores_only_its_new_events(api_client, store, copies):
    # given events 0-9 are stored
    post(api_client, {"events": [event(n) for n in range(10)]})

    # when a batch repeats 5-9, adds 10-14 and holds 14 twice
    items = [event(n) for n in range(5, 15)] + [event(14, type="add_to_cart")]
    response = post(api_client, {"events": items})

    # then only 10-14 are new, each stored once, the first of the two 14s
    assert response.json() == {"accepted": 5, "duplicates": 6}
    assert stored_ids() == [f"ev-{n}" for n in range(15)]
    assert Event.objects.get(event_id="ev-14").type == "page_view"
    assert copies == on_postgresql([10, "UniqueViolation"])


def test_copied_event_keeps_every_field(api_client, store, copies):
    properties = {"title": "تخفیف تابستانه 🌞", "path": "C:\\temp\\\"x\"", "price": 39.9,
                  "quantity": 2, "tags": ["linen", None, True], "nested": {"a": {"b": []}}}  # fmt: skip
    item = event(1, type="add_to_cart", anonymous_id="anon-ž", session_id="", properties=properties,
                 occurred_at="2026-11-01T10:00:00.123456+03:30")  # fmt: skip

    before = datetime.now(UTC)
    response = post(api_client, item)
    after = datetime.now(UTC)

    assert response.json() == {"accepted": 1, "duplicates": 0}
    stored = Event.objects.get()
    assert (stored.store, stored.event_id, stored.type) == (store, "ev-1", "add_to_cart")
    assert stored.customer_id is None
    assert (stored.anonymous_id, stored.session_id, stored.properties) == ("anon-ž", "", properties)
    assert stored.occurred_at == datetime(2026, 11, 1, 6, 30, 0, 123456, tzinfo=UTC)
    assert before <= stored.received_at <= after
    assert copies == on_postgresql([1])


def test_event_with_known_email_is_linked_on_the_copy_path(api_client, store, copies):
    post(api_client, event(1, type="identify", properties={"email": "ewa@example.pl"}))

    post(api_client, event(2, type="product_view", anonymous_id="other", email="EWA@example.pl"))

    customer = Customer.objects.get(store=store)
    assert Event.objects.get(event_id="ev-2").customer == customer
    assert copies == on_postgresql([1])  # the identify batch took the INSERT path


def test_one_invalid_item_stores_nothing(api_client, copies):
    items = [event(n) for n in range(10)]
    items[7]["occurred_at"] = "yesterday"

    response = post(api_client, {"events": items})

    assert response.status_code == 422
    assert response.json()["field"] == "events[7].occurred_at"
    assert Event.objects.count() == 0
    assert copies == []


def test_batch_the_database_refuses_for_another_reason_stores_nothing(store, copies):
    # given a store that is not in the database (the foreign key fails at commit)
    missing = Store(pk=store.pk + 1000, name="Gone", currency="EUR", slug="gone")
    events = event_services.parse_events([event(n) for n in range(3)])

    with pytest.raises(IntegrityError):
        event_services.record_events(store=missing, events=events)

    assert Event.objects.count() == 0
    assert copies == on_postgresql(["ForeignKeyViolation"])


def test_batch_inside_a_transaction_is_inserted_without_copy(store, copies):
    first = event_services.parse_events([event(n) for n in range(3)])
    retry = event_services.parse_events([event(n) for n in range(1, 5)])

    with transaction.atomic():
        event_services.record_events(store=store, events=first)
        result = event_services.record_events(store=store, events=retry)
        Event.objects.filter(event_id="ev-0").update(type="checked")  # the transaction is still usable

    assert (result.accepted, result.duplicates) == (2, 2)
    assert stored_ids() == [f"ev-{n}" for n in range(5)]
    assert copies == []


def test_same_batch_sent_twice_at_once_is_stored_once(api_key):
    batch = {"events": [event(n) for n in range(200)]}
    start = threading.Barrier(2, timeout=60)
    answers = []

    def send():
        try:
            client = Client(headers={"Authorization": f"Bearer {api_key}"})
            start.wait()
            answers.append(post(client, batch).json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answer["accepted"] for answer in answers) == [0, 200]
    assert [answer["duplicates"] for answer in answers if not answer["accepted"]] == [200]
    assert Event.objects.count() == 200
