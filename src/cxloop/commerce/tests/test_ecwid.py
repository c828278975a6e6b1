"""Ecwid webhooks: the signed thin event at the door, then the fetch task.

A real HTTP server on 127.0.0.1 plays the Ecwid REST API (tests/fakes.py).
Tasks go to django-tasks' dummy backend, and `worker` runs them the way the
database worker would, so retries and their run_after can be seen.
"""

import base64
import hashlib
import hmac
import json
import socket
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks import task_backends

from cxloop.commerce import tasks
from cxloop.commerce.models import Checkout, Customer, Order, WebhookDelivery
from cxloop.commerce.tests.fakes import FakeEcwidApi
from cxloop.commerce.tests.helpers import business_rows, hmac_b64
from cxloop.core import services as core_services

PAYLOADS = Path(__file__).parent / "payloads" / "ecwid"
CLIENT_SECRET = "ecwid-app-client-secret-7Qm2"
API_TOKEN = "secret_4T9xKpL2mN8vQ1rS"
ORDER_PATH = "/1003/orders/XJ12H"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def event(name: str, **fields) -> dict:
    return {**json.loads(payload(name)), **fields}


def sign(body: dict, secret: str = CLIENT_SECRET) -> str:
    return hmac_b64(secret, f"{body['eventCreated']}.{body['eventId']}".encode())


@pytest.fixture
def ecwid_api(settings):
    with FakeEcwidApi() as api:
        settings.ECWID_API_BASE = api.base_url
        yield api


@pytest.fixture
def ecwid_store(store):
    core_services.set_webhook_secret(
        store=store, platform="ecwid", secret=CLIENT_SECRET, api_token=API_TOKEN, external_store_id="1003"
    )
    return store


@pytest.fixture
def queue(settings):
    settings.TASKS = DUMMY
    return task_backends["default"]


class Worker:
    """Runs queued tasks in order, committing each like the database worker."""

    def __init__(self, queue, capture):
        self.queue, self.capture = queue, capture

    def run_next(self):
        result = self.queue.results.pop(0)
        with self.capture(execute=True):
            result.task.call(*result.args, **result.kwargs)
        return result

    def run_all(self) -> int:
        ran = 0
        while self.queue.results:
            self.run_next()
            ran += 1
        return ran


@pytest.fixture
def worker(queue, django_capture_on_commit_callbacks):
    return Worker(queue, django_capture_on_commit_callbacks)


@pytest.fixture
def deliver(ecwid_store, django_capture_on_commit_callbacks):
    client = Client()

    def deliver(body: dict, *, signature=None, store=ecwid_store):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/webhooks/ecwid/{store.slug}/?eventtype={body.get('eventType')}",
                data=json.dumps(body).encode(),
                content_type="application/json",
                headers={"X-Ecwid-Webhook-Signature": sign(body) if signature is None else signature},
            )

    return deliver


def test_order_event_is_recorded_pending_and_answered_at_once(deliver, queue, ecwid_api):
    response = deliver(event("order_created_event"))

    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.delivery_id, delivery.attempts) == (
        "pending", "80aece08-40e8-4145-8764-6c2f0d386781", 1,
    )  # fmt: skip
    assert json.loads(delivery.body)["data"]["orderId"] == "XJ12H"
    assert [r.args for r in queue.results] == [[delivery.pk]]
    assert Order.objects.count() == 0
    assert ecwid_api.requests == []


def test_fetched_order_creates_customer_and_order(deliver, worker, ecwid_api, ecwid_store):
    # given the store API has the order
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))

    # when the event arrives and the worker runs
    deliver(event("order_created_event"))
    worker.run_all()

    # then the order is fetched with the store's token and mirrored
    assert ecwid_api.requests == [("/api/v3" + ORDER_PATH, f"Bearer {API_TOKEN}")]
    order = Order.objects.get(store=ecwid_store, platform="ecwid", external_id="XJ12H")
    assert (order.number, order.currency, order.total, order.shipping) == (
        "#XJ12H",
        "PLN",
        Decimal("246.00"),
        Decimal("19.00"),
    )
    assert (order.financial_status, order.fulfillment_status) == ("paid", "unfulfilled")
    assert order.created_at.isoformat() == "2026-10-02T12:22:10+00:00"
    assert [(li.title, li.quantity, li.price) for li in order.line_items.order_by("id")] == [
        ("Wełniany szal", 2, Decimal("89.00")),
        ("Czapka zimowa „Bałtyk”", 1, Decimal("49.00")),
    ]
    customer = order.customer
    assert (customer.first_name, customer.last_name, customer.country) == ("Małgorzata", "Wójcik", "PL")
    assert (customer.email_consent, customer.orders_count, customer.amount_spent) == (
        "subscribed",
        1,
        Decimal("246.00"),
    )
    assert WebhookDelivery.objects.get().status == "processed"


def test_event_data_that_lies_about_amounts_is_ignored(deliver, worker, ecwid_api):
    # given an event whose unsigned data claims other amounts and another buyer
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    lying = event("order_created_event")
    lying["data"].update(total=1, refundedAmount=246, email="attacker@example.com", paymentStatus="REFUNDED")

    # when it is delivered and processed
    deliver(lying)
    worker.run_all()

    # then the order is what the store API says
    order = Order.objects.get()
    assert (order.total, order.refunded_amount, order.financial_status) == (
        Decimal("246.00"),
        Decimal("0"),
        "paid",
    )
    assert order.email == "M.Wojcik@example.pl"
    assert not Customer.objects.filter(email_key="attacker@example.com").exists()


def test_refund_in_a_later_update_reduces_amount_spent(deliver, worker, ecwid_api):
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    deliver(event("order_created_event"))
    worker.run_all()
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H_refunded"))

    deliver(event("order_updated_event"))
    worker.run_all()

    order = Order.objects.get()
    assert (order.financial_status, order.fulfillment_status) == ("partially_refunded", "fulfilled")
    assert order.refunded_amount == Decimal("49.00")
    assert Customer.objects.get().amount_spent == Decimal("197.00")


def test_store_api_error_is_retried_later_and_processed_once(deliver, worker, ecwid_api):
    # given the store API fails once, then answers
    ecwid_api.answer(ORDER_PATH, 500, b'{"errorMessage": "Internal error"}')
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    deliver(event("order_created_event"))

    # when the first attempt runs
    worker.run_next()

    # then the delivery waits for a second attempt, scheduled with backoff
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert "500" in delivery.reason
    retry = worker.queue.results[0]
    assert retry.task.run_after > timezone.now() + timedelta(seconds=30)

    # when the retry runs
    worker.run_all()

    # then the order is stored once
    assert WebhookDelivery.objects.get().status == "processed"
    assert Order.objects.count() == 1
    assert Customer.objects.get().orders_count == 1
    assert ecwid_api.paths() == [ORDER_PATH, ORDER_PATH]


def test_store_api_failing_every_time_gives_up_after_five_attempts(deliver, worker, ecwid_api):
    ecwid_api.answer(ORDER_PATH, 503, b"{}")
    deliver(event("order_created_event"))

    ran = worker.run_all()

    assert ran == 5
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.reason == "Gave up after 5 attempts: The Ecwid API answered 503."
    assert Order.objects.count() == 0


def test_unreachable_store_api_is_retried(deliver, worker, settings, ecwid_store):
    # given nothing listens on the API's port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.ECWID_API_BASE = f"http://127.0.0.1:{closed_port}/api/v3"
    deliver(event("order_created_event"))

    worker.run_next()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert "ConnectError" in delivery.reason
    assert len(worker.queue.results) == 1


def test_store_api_answer_over_one_megabyte_is_retried(deliver, worker, ecwid_api):
    huge = json.loads(payload("api_order_XJ12H"))
    huge["orderComments"] = "x" * 1_100_000
    ecwid_api.answer(ORDER_PATH, 200, json.dumps(huge))
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    deliver(event("order_created_event"))

    worker.run_next()

    assert "larger than 1 MB" in WebhookDelivery.objects.get().reason
    worker.run_all()
    assert WebhookDelivery.objects.get().status == "processed"
    assert Order.objects.get().note == "Proszę dzwonić przed dostawą."


def test_order_missing_from_the_store_marks_the_delivery_failed(deliver, worker, ecwid_api):
    deliver(event("order_created_event"))

    worker.run_all()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == ("failed", "The order no longer exists in Ecwid (404).")
    assert ecwid_api.paths() == [ORDER_PATH]
    assert Order.objects.count() == 0


def test_redirect_from_the_store_api_is_not_followed(deliver, worker, ecwid_api):
    ecwid_api.answer(ORDER_PATH, 302, b"")
    deliver(event("order_created_event"))

    worker.run_all()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == ("failed", "The Ecwid API refused the request (302).")
    assert ecwid_api.paths() == [ORDER_PATH]


def test_invalid_fetched_order_marks_the_delivery_failed_naming_the_field(deliver, worker, ecwid_api):
    bad = json.loads(payload("api_order_XJ12H"))
    bad["createDate"] = "10000-01-01 00:00:00 +0000"
    ecwid_api.answer(ORDER_PATH, 200, json.dumps(bad))
    deliver(event("order_created_event"))

    worker.run_all()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.reason.startswith("The fetched order is invalid (createDate):")
    assert business_rows() == dict.fromkeys(business_rows(), 0)


def test_running_the_task_twice_fetches_and_applies_once(deliver, worker, ecwid_api):
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    deliver(event("order_created_event"))
    delivery = WebhookDelivery.objects.get()

    worker.run_all()
    tasks.fetch_ecwid_event_task.call(delivery.pk)

    assert ecwid_api.paths() == [ORDER_PATH]
    assert Order.objects.count() == 1
    assert WebhookDelivery.objects.get().status == "processed"


def test_duplicate_event_id_is_stored_once(deliver, worker, ecwid_api):
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))

    statuses = [deliver(event("order_created_event")).json()["status"] for _ in range(5)]
    worker.run_all()

    assert statuses == ["pending"] + ["duplicate"] * 4
    assert WebhookDelivery.objects.count() == 1
    assert ecwid_api.paths() == [ORDER_PATH]
    assert Order.objects.count() == 1


def test_a_signed_event_id_resent_with_other_unsigned_fields_is_a_duplicate(deliver, worker, ecwid_api):
    # Ecwid signs only eventCreated and eventId, so the event id is what keys a delivery
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    first = deliver(event("order_created_event"))

    response = deliver(event("order_created_event", eventType="order.deleted", data={"orderId": "OTHER1"}))
    worker.run_all()

    assert response.json() == {"status": "duplicate", "delivery": first.json()["delivery"]}
    assert WebhookDelivery.objects.get().topic == "order.created"
    assert ecwid_api.paths() == [ORDER_PATH]
    assert Order.objects.count() == 1


def test_event_for_another_ecwid_store_is_refused(deliver, queue):
    before = business_rows()

    response = deliver(event("order_created_event", storeId=2002))

    assert response.status_code == 401
    assert business_rows() == before
    assert queue.results == []
    log = WebhookDelivery.objects.get()
    assert (log.status, log.delivery_id, log.body) == ("rejected", None, "")


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "not-base64",
        hmac.new(
            CLIENT_SECRET.encode(), b"1791030130.80aece08-40e8-4145-8764-6c2f0d386781", hashlib.sha256
        ).hexdigest(),
        sign(event("order_created_event"), "another-app-secret"),
        base64.b64encode(
            hmac.new(CLIENT_SECRET.encode(), payload("order_created_event"), hashlib.sha256).digest()
        ).decode(),
    ],
    ids=["empty", "garbage", "hex", "other-secret", "over-the-body"],
)
def test_bad_signature_is_refused_and_stores_nothing(deliver, queue, signature):
    before = business_rows()

    response = deliver(event("order_created_event"), signature=signature)

    assert response.status_code == 401
    assert business_rows() == before
    assert queue.results == []
    assert not WebhookDelivery.objects.exclude(status="rejected").exists()


def test_event_with_a_changed_event_id_is_refused(deliver):
    genuine = event("order_created_event")

    response = deliver({**genuine, "eventId": "another-id"}, signature=sign(genuine))

    assert response.status_code == 401


def test_another_stores_secret_is_refused(deliver, other_store, queue):
    # given another store set up with its own Ecwid app secret
    core_services.set_webhook_secret(
        store=other_store, platform="ecwid", secret="other-app-secret",
        api_token="other-token", external_store_id="1003",
    )  # fmt: skip

    # when an event signed with this store's secret is sent to the other store
    response = deliver(event("order_created_event"), store=other_store)

    # then it is refused and nothing is queued
    assert response.status_code == 401
    assert queue.results == []


def test_order_id_that_is_not_a_plain_id_is_refused(deliver, queue):
    body = event("order_created_event")
    body["data"]["orderId"] = "../../profile"

    response = deliver(body)

    assert response.status_code == 422
    assert response.json()["field"] == "data.orderId"
    assert queue.results == []
    assert not WebhookDelivery.objects.exclude(status="failed").exists()


def test_order_delete_removes_the_order_once_the_store_confirms_it_is_gone(deliver, worker, ecwid_api):
    # given a mirrored order that the store has since deleted
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    deliver(event("order_created_event"))
    worker.run_all()
    ecwid_api.answer(ORDER_PATH, 404, b'{"errorMessage": "Order not found"}')

    # when the delete event is processed
    deliver(event("order_deleted_event"))
    worker.run_all()

    # then the order is gone and the customer's facts follow
    assert Order.objects.count() == 0
    assert WebhookDelivery.objects.get(topic="order.deleted").status == "processed"
    assert Customer.objects.get().orders_count == 0


def test_delete_event_for_an_order_the_store_still_has_removes_nothing(deliver, worker, ecwid_api):
    # given the event type is not signed, a "deleted" event could be forged from a real one
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    deliver(event("order_created_event"))
    worker.run_all()

    deliver(event("order_deleted_event"))
    worker.run_all()

    assert Order.objects.count() == 1


def test_unfinished_order_becomes_an_open_checkout(deliver, worker, ecwid_api):
    ecwid_api.answer("/1003/orders/RA1SD", 200, payload("api_unfinished_order_RA1SD"))

    deliver(event("unfinished_order_created_event"))
    worker.run_all()

    checkout = Checkout.objects.get()
    assert (checkout.external_id, checkout.state, checkout.total) == ("RA1SD", "open", Decimal("108.00"))
    assert checkout.line_items == [
        {"title": "Wełniany szal", "quantity": 1, "price": "89.00", "product_id": "5001"}
    ]
    assert checkout.customer.email == "M.Wojcik@example.pl"
    assert Order.objects.count() == 0


def test_customer_event_fetches_the_customer(deliver, worker, ecwid_api):
    ecwid_api.answer("/1003/customers/9001", 200, payload("api_customer_9001"))

    deliver(event("customer_updated_event"))
    worker.run_all()

    customer = Customer.objects.get()
    assert (customer.first_name, customer.last_name, customer.language) == ("Małgorzata", "Wójcik", "pl")
    assert (customer.email_consent, customer.external_ids.get().external_id) == ("subscribed", "9001")
    assert ecwid_api.paths() == ["/1003/customers/9001"]


def test_unused_event_type_is_recorded_as_ignored(deliver, queue):
    response = deliver(event("product_updated_event"))

    assert response.json()["status"] == "ignored"
    assert queue.results == []


def test_immediate_backend_applies_the_event_after_commit(deliver, settings, ecwid_api):
    # given tasks run in-process as soon as they are enqueued
    settings.TASKS = IMMEDIATE
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))

    # when the event is delivered
    response = deliver(event("order_created_event"))

    # then the answer was given for the pending delivery, and the task applied it after commit
    assert response.json()["status"] == "pending"
    assert WebhookDelivery.objects.get().status == "processed"
    assert Order.objects.get().total == Decimal("246.00")


def test_a_fetch_whose_worker_was_killed_is_retried_and_applied_once(
    deliver, ecwid_api, task_worker, time_machine
):
    # given an event whose fetch task a worker claimed before it was killed
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from cxloop.commerce import tasks
    from cxloop.core import workers

    time_machine.move_to(timezone.now(), tick=False)
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    deliver(event("order_created_event"))
    workers.register_worker("killed")
    DBTaskResult.objects.get().claim("killed")

    # when the periodic sweeps run after the dead worker's lease
    time_machine.shift(61)
    assert tasks.requeue_stuck_deliveries_task.call() == 0  # the task row is not lost, only stuck
    assert workers.recover_lost_tasks(own_worker_id="new") == 1
    task_worker.run_ready()

    # then the order is fetched and mirrored once
    assert WebhookDelivery.objects.get().status == "processed"
    assert Order.objects.filter(external_id="XJ12H").count() == 1
    assert len(ecwid_api.requests) == 1


def test_a_pending_delivery_whose_fetch_never_reached_the_queue_is_fetched_by_the_sweep(
    deliver, ecwid_api, task_worker, time_machine
):
    # given an event recorded pending by a process that died before enqueuing its fetch
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from cxloop.commerce import tasks

    time_machine.move_to(timezone.now(), tick=False)
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H"))
    deliver(event("order_created_event"))
    DBTaskResult.objects.all().delete()

    # when the sweep runs a minute later, and again
    time_machine.shift(61)
    found = tasks.requeue_stuck_deliveries_task.call()
    again = tasks.requeue_stuck_deliveries_task.call()
    task_worker.run_ready()

    # then it is fetched once
    assert (found, again) == (1, 0)
    assert WebhookDelivery.objects.get().status == "processed"
    assert len(ecwid_api.requests) == 1


def test_fetched_tracking_is_stored_once_and_the_events_unsigned_data_says_nothing_about_it(
    deliver, worker, ecwid_api
):
    # given the store API has the order shipped with a tracking number
    ecwid_api.answer(ORDER_PATH, 200, payload("api_order_XJ12H_shipped"))
    lying = event("order_updated_event")
    lying["data"].update(newFulfillmentStatus="DELIVERED", trackingNumber="FAKE", trackingUrl="javascript:x")

    # when two events for the order arrive, one with unsigned data claiming otherwise
    deliver(event("order_created_event"))
    deliver(lying)
    assert worker.run_all() == 2

    # then the order has the one shipment the store API described
    order = Order.objects.get()
    assert list(order.fulfilments.values_list("status", "carrier", "tracking_number", "tracking_url")) == [
        ("shipped", "DPD", "0000987654321Q", "https://tracktrace.dpd.com.pl/parcelDetails?p1=0000987654321Q")
    ]
