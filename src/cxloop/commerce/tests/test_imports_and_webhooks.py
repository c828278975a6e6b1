"""A Shopify CSV import and Shopify's webhooks describing the same orders and customers.

Imports replay tests/payloads/shopify_csv; webhooks replay tests/payloads/shopify.
"""

from pathlib import Path

import pytest
from django.test import Client

from cxloop.commerce import services
from cxloop.commerce.imports import RowProblem, import_shopify_customers, import_shopify_orders
from cxloop.commerce.models import Customer, ErasedIdentity, ExternalId, Order
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


# A customer erased at their request ------------------------------------------------


def test_customer_erased_by_redact_is_not_brought_back_by_an_old_export(store, deliver):
    # given Anna was imported, then erased at her request
    import_file(import_shopify_customers, store, CUSTOMERS)
    deliver("customers/redact", "customers_redact_anna", event_id="x-1")

    # when the same export is imported again
    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    # then her row is skipped with the reason, the others are updated
    assert (summary.created, summary.updated, summary.skipped) == (0, 5, 4)
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
