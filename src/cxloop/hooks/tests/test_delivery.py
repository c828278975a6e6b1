"""Deliveries to a real HTTP receiver: signed, retried on the schedule, recorded in the log."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from cxloop.hooks import events, sending, services
from cxloop.hooks.events import UnknownEvent, register_event
from cxloop.hooks.models import WebhookDelivery
from cxloop.testing.webhooks import Answer

TASK = "cxloop.hooks.tasks.deliver_webhook_task"


@pytest.fixture(autouse=True)
def order_event():
    register_event("test.order_paid", "An order was paid (tests only).")
    yield
    events._registry.pop("test.order_paid")


def publish(store, task_worker, data=None, event="ping"):
    with task_worker.committing():
        return services.publish(store, event, data or {"order": 7})


def test_a_published_event_reaches_the_receiver_signed_and_is_logged_delivered(
    store, endpoint, webhook_receiver, task_worker, verify_signature
):
    # when an event is published and the worker runs
    [delivery] = publish(store, task_worker, {"order": 7, "paid_at": timezone.now()})
    assert task_worker.run_ready() == ["delivered"]

    # then the receiver got one signed request with the documented body and headers
    [request] = webhook_receiver.received
    assert request.verified is True
    assert verify_signature(endpoint.secret, request.headers, request.body)
    body = json.loads(request.body)
    assert set(body) == {"id", "event", "created_at", "store", "data"}
    assert body["id"] == str(delivery.event_id) == request.headers["X-Cxloop-Delivery"]
    assert body["event"] == "ping" == request.headers["X-Cxloop-Event"]
    assert body["store"] == "sklep-ania"
    assert body["data"]["order"] == 7
    assert isinstance(body["data"]["paid_at"], str)
    assert request.headers["Content-Type"] == "application/json"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.response_excerpt == "ok"
    assert delivery.delivered_at is not None


def test_a_signature_made_with_another_secret_fails_the_documented_check(
    store, endpoint, webhook_receiver, task_worker, verify_signature
):
    publish(store, task_worker)
    task_worker.run_ready()
    [request] = webhook_receiver.received
    assert not verify_signature("whsec_wrong", request.headers, request.body)
    assert not verify_signature(endpoint.secret, request.headers, request.body + b" ")


def test_an_event_of_a_rolled_back_change_is_never_sent(store, endpoint, webhook_receiver, task_worker):
    with task_worker.committing():
        try:
            with transaction.atomic():
                services.publish(store, "ping", {"order": 7})
                raise RuntimeError("the caller's change fails")
        except RuntimeError:
            pass
    assert task_worker.ready(TASK) == []
    assert WebhookDelivery.objects.count() == 0
    assert webhook_receiver.received == []


def test_publishing_an_unregistered_event_raises(store, endpoint):
    with pytest.raises(UnknownEvent):
        services.publish(store, "order.payed", {})
    assert WebhookDelivery.objects.count() == 0


def test_publishing_several_events_records_each_for_the_endpoints_that_want_it(store, endpoint):
    deliveries = services.publish_all(store, [("test.order_paid", {"order": 1}), ("ping", {"n": 2})])

    assert [(d.endpoint_id, d.event, d.payload) for d in deliveries] == [(endpoint.pk, "ping", {"n": 2})]


def test_publishing_several_events_with_an_unregistered_one_writes_nothing(store, endpoint):
    with pytest.raises(UnknownEvent):
        services.publish_all(store, [("ping", {}), ("order.payed", {})])
    assert WebhookDelivery.objects.count() == 0


def test_only_active_endpoints_subscribed_to_the_event_get_it(
    store, other_store, webhook_receiver, task_worker
):
    wants = services.create_endpoint(store=store, url=webhook_receiver.url + "/a", events=["test.order_paid"])
    services.create_endpoint(store=store, url=webhook_receiver.url + "/b", events=["ping"])
    disabled = services.create_endpoint(
        store=store, url=webhook_receiver.url + "/c", events=["test.order_paid"]
    )
    services.set_active(endpoint=disabled, active=False)
    services.create_endpoint(store=other_store, url=webhook_receiver.url + "/d", events=["test.order_paid"])

    deliveries = publish(store, task_worker, event="test.order_paid")
    task_worker.run_ready()

    assert [d.endpoint_id for d in deliveries] == [wants.pk]
    assert [r.path for r in webhook_receiver.received] == ["/hooks/a"]


def test_a_500_is_retried_after_a_minute_with_the_same_delivery_id_then_delivered(
    store, endpoint, webhook_receiver, task_worker, verify_signature
):
    # given a receiver that fails once
    webhook_receiver.answer(Answer(500, body=b"database down"))
    [delivery] = publish(store, task_worker)

    # when the first attempt fails
    assert task_worker.run_ready() == ["pending"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "The receiver answered HTTP 500."
    assert delivery.response_excerpt == "database down"
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=66)
    assert task_worker.run_ready() == []  # not before its time

    # then a minute later it is sent again, the same delivery, and delivered
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert task_worker.run_ready() == ["delivered"]
    first, second = webhook_receiver.received
    assert first.headers["X-Cxloop-Delivery"] == second.headers["X-Cxloop-Delivery"] == str(delivery.event_id)
    assert first.body == second.body
    assert verify_signature(endpoint.secret, second.headers, second.body)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "delivered", 2, 200, "",
    )  # fmt: skip


@pytest.mark.parametrize("status", [410, 400, 404, 301, 302])
def test_other_codes_than_2xx_are_retried_and_redirects_not_followed(
    status, store, endpoint, webhook_receiver, task_worker
):
    webhook_receiver.answer(Answer(status, headers={"Location": webhook_receiver.url + "/elsewhere"}))
    [delivery] = publish(store, task_worker)
    assert task_worker.run_ready() == ["pending"]
    assert len(webhook_receiver.received) == 1  # no redirect followed
    delivery.refresh_from_db()
    assert delivery.last_status_code == status
    assert delivery.next_attempt_at > timezone.now()


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_every_2xx_means_delivered(status, store, endpoint, webhook_receiver, task_worker):
    webhook_receiver.answer(Answer(status, body=b"" if status == 204 else b"ok"))
    publish(store, task_worker)
    assert task_worker.run_ready() == ["delivered"]


def test_retry_after_on_a_503_is_honoured(store, endpoint, webhook_receiver, task_worker):
    webhook_receiver.answer(Answer(503, headers={"Retry-After": "7200"}))
    [delivery] = publish(store, task_worker)
    assert task_worker.run_ready() == ["pending"]
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=7100)

    with time_machine.travel(timezone.now() + timedelta(minutes=90)):
        assert task_worker.run_ready() == []  # the schedule's 1 minute would have been now
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        assert task_worker.run_ready() == ["delivered"]
    assert len(webhook_receiver.received) == 2


def test_retry_after_on_a_500_is_not_read(store, endpoint, webhook_receiver, task_worker):
    webhook_receiver.answer(Answer(500, headers={"Retry-After": "7200"}))
    [delivery] = publish(store, task_worker)
    task_worker.run_ready()
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - timezone.now() < timedelta(minutes=2)


def test_a_delivery_fails_after_the_last_retry(store, endpoint, webhook_receiver, task_worker):
    # given a receiver that always answers 500
    webhook_receiver.answer(*[500] * 20)
    [delivery] = publish(store, task_worker)
    statuses = task_worker.run_ready()
    moment = timezone.now()
    # when the worker runs through the whole schedule (each wait at most +10%)
    for delay in services.RETRY_DELAYS:
        moment += timedelta(seconds=delay * 1.1 + 1)
        with time_machine.travel(moment):
            statuses += task_worker.run_ready()
    # then it was tried 8 times and is failed, with no retry left
    assert statuses == ["pending"] * 7 + ["failed"]
    assert len(webhook_receiver.received) == 8
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)
    assert len({r.headers["X-Cxloop-Delivery"] for r in webhook_receiver.received}) == 1


def test_an_unreachable_receiver_is_retried_with_the_error_in_words(store, task_worker, webhook_receiver):
    webhook_receiver.stop()
    endpoint = services.create_endpoint(store=store, url=webhook_receiver.url, events=["ping"])
    [delivery] = publish(store, task_worker)
    assert task_worker.run_ready() == ["pending"]
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("The request failed:")
    assert endpoint.active


def test_only_the_first_kilobyte_of_the_answer_is_kept(store, endpoint, webhook_receiver, task_worker):
    webhook_receiver.answer(Answer(500, body="ż".encode() * 5000))
    [delivery] = publish(store, task_worker)
    task_worker.run_ready()
    delivery.refresh_from_db()
    assert len(delivery.response_excerpt.encode()) == 1024
    assert delivery.response_excerpt.startswith("żżż")


def test_running_the_task_twice_sends_once(store, endpoint, webhook_receiver, task_worker):
    [delivery] = publish(store, task_worker)
    assert services.deliver(delivery_id=delivery.pk) == "delivered"
    assert services.deliver(delivery_id=delivery.pk) == "skipped"
    assert services.deliver(delivery_id=delivery.pk, take_over=True) == "skipped"
    assert len(webhook_receiver.received) == 1


def test_a_delivery_left_delivering_by_a_lost_worker_is_sent_again_only_when_taken_over(
    store, endpoint, webhook_receiver, task_worker
):
    # given a delivery a worker claimed before it died
    [delivery] = publish(store, task_worker)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="delivering", attempts=1, claimed_at=timezone.now()
    )
    # then a plain second run leaves it alone, the run taking over the lost one sends it
    assert services.deliver(delivery_id=delivery.pk) == "skipped"
    assert services.deliver(delivery_id=delivery.pk, take_over=True) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_a_delivery_to_a_disabled_endpoint_fails_and_sends_nothing(
    store, endpoint, webhook_receiver, task_worker
):
    [delivery] = publish(store, task_worker)
    services.set_active(endpoint=endpoint, active=False)
    assert task_worker.run_ready() == ["failed"]
    delivery.refresh_from_db()
    assert delivery.last_error == "The endpoint is disabled."
    assert webhook_receiver.received == []


def test_redeliver_sends_a_failed_delivery_again_with_the_same_id(
    store, endpoint, webhook_receiver, task_worker
):
    [delivery] = publish(store, task_worker)
    task_worker.run_ready()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8)
    with task_worker.committing():
        services.redeliver(delivery=delivery)
    assert task_worker.run_ready() == ["delivered"]
    first, second = webhook_receiver.received
    assert first.headers["X-Cxloop-Delivery"] == second.headers["X-Cxloop-Delivery"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_a_rotated_secret_signs_the_next_retry(
    store, endpoint, webhook_receiver, task_worker, verify_signature
):
    webhook_receiver.answer(500)
    publish(store, task_worker)
    task_worker.run_ready()
    old_secret = endpoint.secret
    services.rotate_secret(endpoint=endpoint)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        task_worker.run_ready()
        retry = webhook_receiver.received[1]
        assert verify_signature(endpoint.secret, retry.headers, retry.body)
        assert not verify_signature(old_secret, retry.headers, retry.body)


def test_a_stranded_delivery_is_queued_by_the_sweep(store, endpoint, webhook_receiver, task_worker):
    # given a delivery committed whose task never reached the queue
    services.publish(store, "ping", {})  # on_commit hooks not run: no task
    assert task_worker.ready(TASK) == []
    # when the sweep runs a while later
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert services.requeue_stranded_deliveries() == 1
        assert services.requeue_stranded_deliveries() == 0  # already queued
        assert task_worker.run_ready() == ["delivered"]
    assert len(webhook_receiver.received) == 1


def test_the_test_event_goes_to_its_endpoint_only(store, endpoint, webhook_receiver, task_worker):
    other = services.create_endpoint(store=store, url=webhook_receiver.url + "/other", events=["ping"])
    with task_worker.committing():
        delivery = services.send_test_event(endpoint=endpoint)
    task_worker.run_ready()
    [request] = webhook_receiver.received
    assert request.path == "/hooks"
    assert json.loads(request.body)["data"]["message"] == "This is a test event from cxloop."
    assert delivery.endpoint_id != other.pk


def test_finished_deliveries_are_pruned_after_the_keeping_time(settings, store, endpoint):
    settings.CXLOOP_WEBHOOK_DELIVERIES_KEEP_DAYS = 30
    delivered, failed, pending, recent = (services.publish(store, "ping", {"n": n})[0] for n in range(4))
    month_ago = timezone.now() - timedelta(days=31)
    WebhookDelivery.objects.filter(pk=delivered.pk).update(status="delivered", created_at=month_ago)
    WebhookDelivery.objects.filter(pk=failed.pk).update(status="failed", created_at=month_ago)
    WebhookDelivery.objects.filter(pk=pending.pk).update(status="pending", created_at=month_ago)
    WebhookDelivery.objects.filter(pk=recent.pk).update(status="delivered")

    assert services.prune_deliveries() == 2
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {pending.pk, recent.pk}


def test_a_delivery_whose_endpoint_was_deleted_is_skipped(store, endpoint, webhook_receiver, task_worker):
    [delivery] = publish(store, task_worker)
    services.delete_endpoint(endpoint=endpoint)
    assert task_worker.run_ready() == ["skipped"]
    assert webhook_receiver.received == []


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    monkeypatch, store, endpoint, webhook_receiver, task_worker
):
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 0.5)
    webhook_receiver.hold()
    [delivery] = publish(store, task_worker)
    assert task_worker.run_ready() == ["pending"]
    webhook_receiver.release()
    delivery.refresh_from_db()
    assert (delivery.last_status_code, delivery.last_error) == (None, "No answer within 0.5 seconds.")
    assert len(webhook_receiver.received) == 1


def test_a_receiver_dripping_its_answer_is_cut_off_at_the_deadline(
    monkeypatch, store, endpoint, webhook_receiver, task_worker
):
    # given a receiver whose every byte comes in time for a read, but the whole answer does not
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 1.0)
    webhook_receiver.answer(Answer(200, body=b"x" * 40, drip_seconds=0.2))
    [delivery] = publish(store, task_worker)
    # then the attempt fails at the deadline, not when the receiver is done
    assert task_worker.run_ready() == ["pending"]
    delivery.refresh_from_db()
    assert delivery.last_error == "No answer within 1 seconds."


def test_a_receiver_that_still_has_the_old_secret_refuses_and_the_delivery_is_retried(
    store, endpoint, webhook_receiver, task_worker
):
    # given the secret rotated in cxloop but not yet on the receiving server
    services.rotate_secret(endpoint=endpoint)
    [delivery] = publish(store, task_worker)
    # then the receiver refuses the signature, and the delivery waits for its retry
    assert task_worker.run_ready() == ["pending"]
    assert [r.verified for r in webhook_receiver.received] == [False]
    delivery.refresh_from_db()
    assert (delivery.last_status_code, delivery.response_excerpt) == (401, "bad signature")


def test_a_delivery_left_delivering_with_no_task_is_taken_back_by_the_sweep(
    store, endpoint, webhook_receiver, task_worker
):
    # given a delivery left "delivering" whose task is gone (failed for good after losing its workers)
    services.publish(store, "ping", {})
    WebhookDelivery.objects.update(status="delivering", attempts=1, claimed_at=timezone.now())
    # when the sweep runs: not at once, but once it has been left long enough
    assert services.requeue_stranded_deliveries() == 0
    with time_machine.travel(timezone.now() + services.DELIVERING_STALE_AFTER + timedelta(minutes=1)):
        assert services.requeue_stranded_deliveries() == 1
        assert task_worker.run_ready() == ["delivered"]
    assert len(webhook_receiver.received) == 1
