"""A Shopify CSV import and Shopify's webhooks describing the same orders and customers.

Imports replay tests/payloads/shopify_csv; webhooks replay tests/payloads/shopify.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from cxloop.commerce import services
from cxloop.commerce.imports import RowProblem, import_shopify_customers, import_shopify_orders
from cxloop.commerce.models import Customer, ErasedIdentity, ExternalId, Order, Refund
from cxloop.commerce.records import CustomerData
from cxloop.commerce.tests.helpers import hmac_b64
from cxloop.core import services as core_services

PAYLOADS = Path(__file__).parent / "payloads"
CUSTOMERS = PAYLOADS / "shopify_csv" / "customers_export.csv"
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


# An order the export has no Id for -----------------------------------------------


def test_webhook_for_an_order_imported_without_id_updates_it(store, deliver):
    # given #1008 came from the export, whose row has no Id
    import_file(import_shopify_orders, store, ORDERS)
    imported = Order.objects.get(store=store, number="#1008")

    # when Shopify sends that order with its id
    deliver("orders/updated", "orders_updated_1008", event_id="u-1008")

    # then it is the same order, now under Shopify's id
    order = Order.objects.get(store=store, number="#1008")
    assert (order.pk, order.external_id, order.utm_source) == (imported.pk, "5512345678908", "instagram")
    assert Order.objects.filter(store=store).count() == 7
    assert Customer.objects.get(store=store, email_key="piotr.nowak@example.com").orders_count == 2


def test_export_without_id_matches_the_order_a_webhook_delivered_by_name(store, deliver):
    # given the webhook delivered #1008 first
    deliver("orders/updated", "orders_updated_1008", event_id="u-1008")

    # when
    summary = import_file(import_shopify_orders, store, ORDERS)

    # then the export's #1008 updates that order instead of adding a second one
    assert (summary.created, summary.updated, summary.skipped) == (6, 1, 3)
    order = Order.objects.get(store=store, number="#1008")
    assert (order.external_id, order.checkout_token) == ("5512345678908", "d9e8f7a6b5c41008")


def test_reimporting_after_the_webhook_took_the_order_over_creates_nothing(store, deliver):
    import_file(import_shopify_orders, store, ORDERS)
    deliver("orders/updated", "orders_updated_1008", event_id="u-1008")

    summary = import_file(import_shopify_orders, store, ORDERS)

    assert (summary.created, summary.updated) == (0, 7)
    assert Order.objects.filter(store=store, number="#1008").count() == 1


def test_orders_of_other_stores_with_the_same_name_are_never_matched(store, other_store, deliver):
    import_file(import_shopify_orders, other_store, ORDERS)

    deliver("orders/updated", "orders_updated_1008", event_id="u-1008")

    assert Order.objects.get(store=other_store, number="#1008").external_id == "#1008"
    assert Order.objects.get(store=store, number="#1008").external_id == "5512345678908"


# A customer erased at their request ------------------------------------------------


def test_customer_erased_by_redact_is_not_brought_back_by_an_old_export(store, deliver):
    # given Anna was imported, then erased at her request
    import_file(import_shopify_customers, store, CUSTOMERS)
    deliver("customers/redact", "customers_redact_anna", event_id="x-1")

    # when the same export is imported again
    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    # then her row is skipped with the reason, the others are updated
    assert (summary.created, summary.updated, summary.skipped) == (0, 0, 4)
    assert summary.problems[0] == RowProblem(2, "this customer was erased at their request; skipped")
    assert not Customer.objects.filter(store=store, email_key="anna.kowalska@example.pl").exists()
    assert not ExternalId.objects.filter(store=store, external_id="8779761975521").exists()


def test_erasure_keeps_only_digests_of_the_email_and_the_shopify_id(store, deliver):
    import_file(import_shopify_customers, store, CUSTOMERS)

    deliver("customers/redact", "customers_redact_anna", event_id="x-1")

    digests = list(ErasedIdentity.objects.filter(store=store).values_list("digest", flat=True))
    assert len(digests) == 2
    assert all(len(digest) == 64 and "anna" not in digest for digest in digests)


def test_customer_redacted_before_any_import_is_not_imported(store, deliver):
    deliver("customers/redact", "customers_redact_anna", event_id="x-1")

    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    assert (summary.created, summary.skipped) == (5, 4)
    assert not Customer.objects.filter(store=store, email_key="anna.kowalska@example.pl").exists()


def test_orders_of_an_erased_customer_are_imported_without_their_email(store, deliver):
    # given Anna and her orders were imported, then erased
    import_file(import_shopify_customers, store, CUSTOMERS)
    import_file(import_shopify_orders, store, ORDERS)
    deliver("customers/redact", "customers_redact_anna", event_id="x-1")

    # when the orders export is imported again
    summary = import_file(import_shopify_orders, store, ORDERS)

    # then her orders stay anonymous, and the summary says why
    assert (summary.created, summary.updated, summary.skipped) == (0, 7, 3)
    assert [str(p) for p in summary.problems if "erased" in p.reason] == [
        "line 2: order #1001: its customer was erased at their request; imported without their email and note",  # noqa: E501
        "line 13: order #1006: its customer was erased at their request; imported without their email and note",  # noqa: E501
    ]
    for order in Order.objects.filter(store=store, number__in=["#1001", "#1006"]):
        assert (order.customer_id, order.email, order.note) == (None, "", "")
    assert not Customer.objects.filter(store=store, email_key="anna.kowalska@example.pl").exists()


def test_customer_who_came_back_after_erasure_is_updated_by_the_export(store, deliver):
    # given Anna was erased, then signed up again under a new Shopify id
    import_file(import_shopify_customers, store, CUSTOMERS)
    deliver("customers/redact", "customers_redact_anna", event_id="x-1")
    services.upsert_customer(
        store=store, platform="shopify",
        data=CustomerData(external_id="8779761999999", email="anna.kowalska@example.pl", first_name="Anna"),
    )  # fmt: skip

    # when
    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    # then she is updated like everyone else
    assert summary.skipped == 3
    assert Customer.objects.filter(store=store, email_key="anna.kowalska@example.pl").count() == 1
