"""Periodic store-mirror tasks: abandoned carts, lost Ecwid fetches."""

from datetime import timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cxloop.commerce import services, tasks
from cxloop.commerce.models import Checkout, WebhookDelivery
from cxloop.commerce.records import CheckoutData, OrderData


def checkout(store, external_id, token, minutes_ago):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    services.upsert_checkout(
        store=store, platform="shopify",
        data=CheckoutData(external_id=external_id, token=token, currency="PLN", created_at=at, updated_at=at),  # noqa: E501
    )  # fmt: skip


def test_old_open_cart_without_order_becomes_abandoned(store):
    checkout(store, "c-old", "t-old", minutes_ago=120)
    checkout(store, "c-new", "t-new", minutes_ago=5)
    checkout(store, "c-paid", "t-paid", minutes_ago=120)
    services.upsert_order(
        store=store, platform="shopify",
        data=OrderData(external_id="o1", number="#1", currency="PLN", total=Decimal("10"),
                       created_at=timezone.now(), checkout_token="t-paid"),
    )  # fmt: skip

    marked = tasks.mark_abandoned_checkouts_task.call()

    assert marked == 1
    states = dict(Checkout.objects.values_list("external_id", "state"))
    assert states == {"c-old": "abandoned", "c-new": "open", "c-paid": "completed"}


def test_pending_ecwid_delivery_without_a_task_is_requeued_once(store):
    delivery = WebhookDelivery.objects.create(
        store=store, platform="ecwid", delivery_id="e-1", topic="order.created", status="pending"
    )
    path = "cxloop.commerce.tasks.fetch_ecwid_event_task"

    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        first = tasks.requeue_stuck_deliveries_task.call()
        second = tasks.requeue_stuck_deliveries_task.call()

    assert (first, second) == (1, 0)
    queued = DBTaskResult.objects.get(task_path=path)
    assert queued.args_kwargs["args"] == [delivery.pk]
