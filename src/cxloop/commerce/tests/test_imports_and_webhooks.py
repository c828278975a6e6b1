"""A Shopify CSV import and Shopify's webhooks describing the same orders and customers.

Imports replay tests/payloads/shopify_csv; webhooks replay tests/payloads/shopify.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from cxloop.commerce.imports import import_shopify_orders
from cxloop.commerce.models import Customer, Order, Refund
from cxloop.commerce.tests.helpers import hmac_b64
from cxloop.core import services as core_services

PAYLOADS = Path(__file__).parent / "payloads"
ORDERS = PAYLOADS / "shopify_csv" / "orders_export.csv"
SECRET = "shpss_test_secret_0123456789"


def import_file(importer, store, path):
    with path.open("rb") as file:
        return importer(store=store, file=file)


@pytest.fixture
def deliver(store):
    core_services.set_webhook_secret(store=store, platform="shopify", secret=SECRET)
    client = Client()

    def deliver(topic: str, name: str, *, event_id: str):
        body = (PAYLOADS / "shopify" / f"{name}.json").read_bytes()
        response = client.post(
            f"/webhooks/shopify/{store.slug}/",
            data=body,
            content_type="application/json",
            headers={
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, body),
                "X-Shopify-Event-Id": event_id,
            },
        )
        assert response.status_code == 200, response.content
        return response.json()

    return deliver


def order_1002(store) -> Order:
    return Order.objects.get(store=store, number="#1002")


def spent(store, email: str) -> Decimal:
    return Customer.objects.get(store=store, email_key=email).amount_spent


# A refund the export reports as a sum, then a webhook itemises ---------------------


def test_refund_webhook_after_the_export_does_not_count_the_refund_twice(store, deliver):
    # given the export says #1002 was refunded 49.99
    import_file(import_shopify_orders, store, ORDERS)

    # when Shopify's refunds/create for that same refund arrives
    result = deliver("refunds/create", "refunds_create_1002", event_id="r-1")

    # then the order still counts 49.99 refunded, now itemised
    assert result["status"] == "processed"
    order = order_1002(store)
    assert order.refunded_amount == Decimal("49.99")
    assert sorted(order.refunds.values_list("external_id", "amount")) == [
        ("9912345678902", Decimal("49.99")),
        ("csv-refund-5512345678902", Decimal("0.00")),
    ]
    assert spent(store, "piotr.nowak@example.com") == Decimal("269.97")


def test_reimporting_the_export_after_the_refund_webhook_keeps_one_refund(store, deliver):
    # given
    import_file(import_shopify_orders, store, ORDERS)
    deliver("refunds/create", "refunds_create_1002", event_id="r-1")

    # when
    import_file(import_shopify_orders, store, ORDERS)

    # then
    assert order_1002(store).refunded_amount == Decimal("49.99")
    assert spent(store, "piotr.nowak@example.com") == Decimal("269.97")


def test_order_update_listing_every_refund_counts_each_one_once(store, deliver):
    # given the export's 49.99, and a later refund of 30.00 made after the export
    import_file(import_shopify_orders, store, ORDERS)

    # when an order update lists both refunds
    deliver("orders/updated", "orders_updated_1002_two_refunds", event_id="u-1")

    # then
    order = order_1002(store)
    assert order.refunded_amount == Decimal("79.99")
    assert Refund.objects.filter(order=order).exclude(amount=0).count() == 2
    assert spent(store, "piotr.nowak@example.com") == Decimal("239.97")


def test_the_same_refund_delivered_twice_is_taken_out_of_the_sum_once(store, deliver):
    import_file(import_shopify_orders, store, ORDERS)
    deliver("refunds/create", "refunds_create_1002", event_id="r-1")

    deliver("refunds/create", "refunds_create_1002", event_id="r-1-retry")
    deliver("orders/updated", "orders_updated_1002_two_refunds", event_id="u-1")

    assert order_1002(store).refunded_amount == Decimal("79.99")
