"""WooCommerce webhooks through the public door, with captured payloads.

The payloads are PHP `json_encode` output (compact, `\\/`, `\\uXXXX`) and are
signed over those exact bytes, as WooCommerce does.
"""

import hashlib
import hmac
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from cxloop.commerce.models import (
    Customer,
    ExternalId,
    LineItem,
    Order,
    Refund,
    WebhookDelivery,
)
from cxloop.commerce.tests.helpers import business_rows, hmac_b64
from cxloop.core import services as core_services

PAYLOADS = Path(__file__).parent / "payloads" / "woocommerce"
SECRET = "wc-webhook-secret-5f2a9c"


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def changed(name: str, **fields) -> bytes:
    body = json.loads(payload(name))
    body.update(fields)
    return json.dumps(body, separators=(",", ":")).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac_b64(secret, body)


@pytest.fixture
def woo_store(store):
    core_services.set_webhook_secret(store=store, platform="woocommerce", secret=SECRET)
    return store


@pytest.fixture
def deliver(woo_store):
    client = Client()

    def deliver(topic, body, *, delivery_id="d-1", signature=None, store=woo_store, headers=None):
        return client.post(
            f"/webhooks/woocommerce/{store.slug}/",
            data=body,
            content_type="application/json",
            headers={
                "User-Agent": "WooCommerce/9.3.3 Hookshot (WordPress/6.6.2)",
                "X-WC-Webhook-Source": "https://sklep-ania.example/",
                "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Resource": topic.split(".")[0],
                "X-WC-Webhook-Event": topic.split(".")[-1],
                "X-WC-Webhook-Signature": sign(body) if signature is None else signature,
                "X-WC-Webhook-ID": "14",
                "X-WC-Webhook-Delivery-ID": delivery_id,
                **(headers or {}),
            },
        )

    return deliver


def test_payloads_are_php_json_encode_output():
    body = payload("order_created")

    assert b"\\/" in body and b"\\u017c" in body  # "ż" of Zażółć
    assert b": " not in body and b", " not in body
    assert json.loads(body)["billing"]["first_name"] == "Zażółć"


def test_new_order_creates_customer_and_order_with_totals(deliver, woo_store):
    response = deliver("order.created", payload("order_created"))

    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    order = Order.objects.get(store=woo_store, platform="woocommerce", external_id="4821")
    assert (order.number, order.currency, order.total) == ("#4821", "PLN", Decimal("187.00"))
    # prices_include_tax: the lines and shipping as the customer saw them, VAT included.
    assert (order.subtotal, order.shipping, order.tax) == (
        Decimal("168.00"), Decimal("19.00"), Decimal("27.07"),
    )  # fmt: skip
    assert order.taxes_included is True
    assert order.subtotal + order.shipping == order.total
    assert order.shipping_method == "Kurier InPost"
    assert order.shipping_address == {
        "name": "Zażółć Gęślą", "address1": "ul. Długa 12/4", "city": "Łódź", "zip": "90-001",
        "country": "PL", "phone": "+48 600 100 200",
    }  # fmt: skip
    assert (order.financial_status, order.fulfillment_status) == ("paid", "unfulfilled")
    assert order.created_at.isoformat() == "2026-10-02T12:22:10+00:00"
    assert order.processed_at.isoformat() == "2026-10-02T12:22:14+00:00"
    assert (order.utm_source, order.utm_medium, order.utm_campaign) == ("newsletter", "email", "jesien")
    assert order.note == "Proszę o zapakowanie na prezent."
    assert [(li.title, li.quantity, li.price, li.sku) for li in order.line_items.order_by("id")] == [
        ("Kubek ceramiczny – zielony", 2, Decimal("49.00"), "KUB-ZIE"),
        ("Herbata „Jesienny sad” 100 g", 1, Decimal("70.00"), "HER-JES-100"),
    ]
    customer = order.customer
    assert (customer.first_name, customer.last_name, customer.email, customer.country) == (
        "Zażółć", "Gęślą", "Zazolc.Gesla@example.pl", "PL",
    )  # fmt: skip
    assert customer.name_key == "zażółć gęślą"
    assert customer.external_ids.get().external_id == "57"
    assert (customer.orders_count, customer.amount_spent) == (1, Decimal("187.00"))


def test_refund_in_order_update_reduces_amount_spent(deliver):
    # given the order as first paid
    deliver("order.created", payload("order_created"), delivery_id="d-1")

    # when the completed order arrives with a refund of one mug
    response = deliver("order.updated", payload("order_updated_refunded"), delivery_id="d-2")

    # then the refund is stored under its own id and spend is net of it
    assert response.json()["status"] == "processed"
    refund = Refund.objects.get()
    assert (refund.external_id, refund.amount, refund.note) == (
        "4830",
        Decimal("49.00"),
        "Jeden kubek dotarł stłuczony",
    )
    order = Order.objects.get()
    assert (order.financial_status, order.fulfillment_status) == ("partially_refunded", "fulfilled")
    assert order.fulfilled_at.isoformat() == "2026-10-04T09:05:00+00:00"
    assert order.refunded_amount == Decimal("49.00")
    customer = Customer.objects.get()
    assert (customer.orders_count, customer.amount_spent) == (1, Decimal("138.00"))


def test_guest_order_makes_a_customer_by_email_only(deliver):
    deliver("order.created", payload("order_created_guest"))

    customer = Customer.objects.get()
    assert (customer.email, customer.first_name) == ("jan.k@example.pl", "Jan")
    assert not ExternalId.objects.exists()
    assert (customer.orders_count, customer.amount_spent) == (1, Decimal("70.00"))


def test_retried_delivery_is_stored_once(deliver):
    for _ in range(5):
        response = deliver("order.created", payload("order_created"), delivery_id="d-retry")
        assert response.status_code == 200

    assert Order.objects.count() == 1
    assert LineItem.objects.count() == 2
    assert Customer.objects.count() == 1
    assert WebhookDelivery.objects.filter(delivery_id="d-retry").count() == 1
    assert Customer.objects.get().orders_count == 1


def test_delivery_id_header_named_in_the_docs_is_accepted(deliver):
    headers = {"X-WC-Webhook-Delivery-ID": "", "X-WC-Delivery-ID": "doc-style-1"}
    for _ in range(2):
        deliver("order.created", payload("order_created"), headers=headers)

    assert WebhookDelivery.objects.get().delivery_id == "doc-style-1"
    assert Order.objects.count() == 1


def test_ping_on_webhook_creation_answers_200_and_stores_nothing(woo_store):
    before = business_rows()

    response = Client().post(
        f"/webhooks/woocommerce/{woo_store.slug}/",
        data=b"webhook_id=14",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.json() == {"status": "ping"}
    assert business_rows() == before
    assert not WebhookDelivery.objects.exists()


def test_form_body_with_a_topic_is_not_a_ping(deliver):
    response = deliver("order.created", b"webhook_id=14", signature="forged")

    assert response.status_code == 401


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "   ",
        "not-base64",
        sign(b"other body"),
        hmac.new(SECRET.encode(), payload("order_created"), hashlib.sha256).hexdigest(),
        sign(payload("order_created"), "wrong-secret"),
    ],
    ids=["empty", "blank", "garbage", "other-body", "hex", "wrong-secret"],
)
def test_bad_signature_is_refused_and_stores_nothing(deliver, signature):
    before = business_rows()

    response = deliver("order.created", payload("order_created"), signature=signature)

    assert response.status_code == 401
    assert business_rows() == before
    log = WebhookDelivery.objects.get()
    assert (log.status, log.delivery_id, log.body) == ("rejected", None, "")


def test_missing_signature_header_is_refused(woo_store):
    response = Client().post(
        f"/webhooks/woocommerce/{woo_store.slug}/", data=payload("order_created"),
        content_type="application/json",
        headers={"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Delivery-ID": "d-1"},
    )  # fmt: skip

    assert response.status_code == 401
    assert Order.objects.count() == 0


def test_signature_over_reserialised_json_is_refused(deliver):
    body = payload("order_created")
    reserialised = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()

    response = deliver("order.created", body, signature=sign(reserialised))

    assert response.status_code == 401
    assert Order.objects.count() == 0


def test_another_stores_secret_is_refused(deliver, other_store):
    # given another store with its own WooCommerce secret
    core_services.set_webhook_secret(store=other_store, platform="woocommerce", secret="other-wc-secret")

    # when this store's signed delivery is sent to the other store's address
    response = deliver("order.created", payload("order_created"), store=other_store)

    # then the other store refuses it and neither store has an order
    assert response.status_code == 401
    assert Order.objects.count() == 0


def test_older_update_arriving_late_changes_nothing(deliver):
    # given the refunded, completed order has been applied
    deliver("order.updated", payload("order_updated_refunded"), delivery_id="new")

    # when the older order.created arrives afterwards
    response = deliver("order.created", payload("order_created"), delivery_id="old")

    # then it is recorded as stale and the order stays at its newer state
    assert response.json()["status"] == "stale"
    order = Order.objects.get()
    assert (order.financial_status, order.refunded_amount) == ("partially_refunded", Decimal("49.00"))
    assert order.customer.amount_spent == Decimal("138.00")


@pytest.mark.parametrize("status", ["cancelled", "failed"])
def test_cancelled_or_failed_order_no_longer_counts(deliver, status):
    deliver("order.created", payload("order_created"), delivery_id="d-1")
    body = changed("order_created", status=status, date_modified_gmt="2026-10-03T08:00:00")

    deliver("order.updated", body, delivery_id="d-2")

    order = Order.objects.get()
    assert (order.financial_status, order.cancelled_at.isoformat()) == ("voided", "2026-10-03T08:00:00+00:00")
    customer = Customer.objects.get()
    assert (customer.orders_count, customer.amount_spent) == (0, Decimal("0"))


def test_order_deleted_removes_the_order_and_refreshes_the_customer(deliver):
    deliver("order.created", payload("order_created"), delivery_id="d-1")

    response = deliver("order.deleted", payload("order_deleted"), delivery_id="d-2")

    assert response.json()["status"] == "processed"
    assert (Order.objects.count(), LineItem.objects.count()) == (0, 0)
    customer = Customer.objects.get()
    assert (customer.orders_count, customer.amount_spent, customer.last_order_at) == (0, Decimal("0"), None)


def test_order_restored_brings_the_order_back(deliver):
    deliver("order.created", payload("order_created"), delivery_id="d-1")
    deliver("order.deleted", payload("order_deleted"), delivery_id="d-2")

    # restoring from the trash changes the order, so its body is a new one
    deliver(
        "order.restored", changed("order_created", date_modified_gmt="2026-10-03T08:00:00"), delivery_id="d-3"
    )  # noqa: E501

    assert Customer.objects.get().orders_count == 1


def test_the_same_signed_body_under_a_new_delivery_id_is_a_duplicate(deliver):
    first = deliver("order.created", payload("order_created"), delivery_id="d-1")

    response = deliver("order.created", payload("order_created"), delivery_id="d-forged")

    assert response.status_code == 200
    assert response.json() == {"status": "duplicate", "delivery": first.json()["delivery"]}
    assert WebhookDelivery.objects.count() == 1
    assert (Order.objects.count(), LineItem.objects.count()) == (1, 2)


def test_a_replayed_delete_does_not_remove_a_restored_order(deliver):
    # given an order that was trashed and then restored
    deliver("order.created", payload("order_created"), delivery_id="d-1")
    deleted = deliver("order.deleted", payload("order_deleted"), delivery_id="d-2")
    deliver(
        "order.restored", changed("order_created", date_modified_gmt="2026-10-03T08:00:00"), delivery_id="d-3"
    )  # noqa: E501

    # when the captured delete is replayed under a new delivery id
    response = deliver("order.deleted", payload("order_deleted"), delivery_id="d-replayed")

    # then it is a duplicate of the first delete and the order stays
    assert response.json() == {"status": "duplicate", "delivery": deleted.json()["delivery"]}
    assert Order.objects.count() == 1


def test_a_late_order_update_from_before_the_customer_was_deleted_is_applied_without_the_person(
    deliver, time_machine
):  # noqa: E501
    # given the customer of an order was deleted (erased) on 5 October
    deliver("order.created", payload("order_created"), delivery_id="d-1")
    time_machine.move_to("2026-10-05T12:00:00+00:00", tick=False)
    deliver("customer.deleted", payload("customer_deleted"), delivery_id="d-2")

    # when an update of the order from 3 October arrives late
    late = changed("order_created", status="completed", date_modified_gmt="2026-10-03T08:00:00")
    response = deliver("order.updated", late, delivery_id="d-3")

    # then the order is updated, but the person does not come back with it
    assert response.json()["status"] == "processed"
    order = Order.objects.get()
    assert (order.financial_status, order.customer_id, order.email) == ("paid", None, "")
    assert not Customer.objects.exists()


def test_a_late_customer_update_from_before_their_deletion_is_not_applied(deliver, time_machine):
    deliver("customer.created", payload("customer_created"), delivery_id="d-1")
    time_machine.move_to("2026-10-05T12:00:00+00:00", tick=False)
    deliver("customer.deleted", payload("customer_deleted"), delivery_id="d-2")

    response = deliver(
        "customer.updated",
        changed("customer_created", date_modified_gmt="2026-10-03T08:00:00"),
        delivery_id="d-3",
    )  # noqa: E501

    assert response.json()["status"] == "stale"
    assert not Customer.objects.exists()


def test_customer_created_stores_the_person_with_polish_letters(deliver):
    response = deliver("customer.created", payload("customer_created"))

    assert response.json()["status"] == "processed"
    customer = Customer.objects.get()
    assert (customer.first_name, customer.last_name, customer.phone) == ("Zażółć", "Gęślą", "+48 600 100 200")
    assert customer.created_at.isoformat() == "2026-09-28T17:03:44+00:00"
    assert customer.source_updated_at.isoformat() == "2026-10-02T12:22:10+00:00"


def test_customer_and_order_of_one_person_are_one_customer(deliver):
    deliver("customer.created", payload("customer_created"), delivery_id="d-1")

    deliver("order.created", payload("order_created"), delivery_id="d-2")

    assert Customer.objects.count() == 1
    assert Order.objects.get().customer == Customer.objects.get()


def test_customer_deleted_erases_the_person_and_keeps_anonymous_orders(deliver):
    deliver("order.created", payload("order_created"), delivery_id="d-1")

    response = deliver("customer.deleted", payload("customer_deleted"), delivery_id="d-2")

    assert response.json()["status"] == "processed"
    assert not Customer.objects.exists()
    order = Order.objects.get()
    assert (order.customer_id, order.email, order.total) == (None, "", Decimal("187.00"))


def test_unknown_topic_is_recorded_as_ignored(deliver):
    response = deliver("action.woocommerce_add_to_cart", b'{"action":"woocommerce_add_to_cart","arg":"3f2a"}')

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert WebhookDelivery.objects.get().topic == "action.woocommerce_add_to_cart"


BAD_ORDERS = [
    ({"total": "-187.00"}, "total"),
    ({"total": "1e40"}, "total"),
    ({"total": ["187.00"]}, "total"),
    ({"date_created_gmt": "10000-01-01T00:00:00"}, "date_created_gmt"),
    ({"date_modified_gmt": "2026-13-45T00:00:00"}, "date_modified_gmt"),
    ({"currency": 985}, "currency"),
    ({"id": None}, "id"),
    ({"id": {"nested": 1}}, "id"),
    ({"customer_id": 57.5}, "customer_id"),
    ({"billing": "Zażółć"}, "billing"),
    ({"line_items": {"id": 311}}, "line_items"),
    ({"refunds": [{"id": 4830, "total": "lots"}]}, "refunds[0].total"),
    ({"refunds": [{"total": "-1.00"}]}, "refunds[0].id"),
    ({"customer_note": "a\u202egnp.exe"}, "customer_note"),
]


@pytest.mark.parametrize("change,field", BAD_ORDERS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_ORDERS)])
def test_invalid_order_answers_422_naming_the_field_and_stores_nothing(deliver, change, field):
    body = changed("order_created", **change)
    before = business_rows()

    response = deliver("order.created", body, delivery_id="bad")

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert business_rows() == before
    assert not WebhookDelivery.objects.filter(delivery_id="bad").exists()


def test_invalid_line_quantity_is_named_with_its_index(deliver):
    body = json.loads(payload("order_created"))
    body["line_items"][1]["quantity"] = "two"

    response = deliver("order.created", json.dumps(body).encode())

    assert response.status_code == 422
    assert response.json()["field"] == "line_items[1].quantity"
    assert Order.objects.count() == 0
