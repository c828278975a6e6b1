"""Shopify webhooks through the public door, with captured payloads."""

import hashlib
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cxloop.commerce import queries
from cxloop.commerce.models import (
    Checkout,
    ConsentRecord,
    Customer,
    CustomerSearchTerm,
    LineItem,
    Order,
    Refund,
    WebhookDelivery,
)  # fmt: skip
from cxloop.commerce.tests.helpers import business_rows, hmac_b64
from cxloop.core import services as core_services

PAYLOADS = Path(__file__).parent / "payloads" / "shopify"
SECRET = "shpss_test_secret_0123456789"


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac_b64(secret, body)


@pytest.fixture
def shopify_store(store):
    core_services.set_webhook_secret(store=store, platform="shopify", secret=SECRET)
    return store


@pytest.fixture
def deliver(shopify_store):
    client = Client()

    def deliver(topic, body, *, event_id="evt-1", signature=None, store=shopify_store, headers=None):
        return client.post(
            f"/webhooks/shopify/{store.slug}/",
            data=body,
            content_type="application/json",
            headers={
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": sign(body) if signature is None else signature,
                "X-Shopify-Event-Id": event_id,
                "X-Shopify-Webhook-Id": f"wh-{event_id}",
                "X-Shopify-Shop-Domain": "sklep-ania.myshopify.com",
                **(headers or {}),
            },
        )

    return deliver


def test_order_create_stores_order_customer_and_facts(deliver, shopify_store):
    response = deliver("orders/create", payload("orders_create"))

    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    order = Order.objects.get(store=shopify_store, external_id="5512345678901")
    assert order.number == "#1042"
    assert order.total == Decimal("259.00")
    assert order.currency == "PLN"
    assert (order.presentment_currency, order.presentment_total) == ("EUR", Decimal("60.23"))
    assert order.shipping == Decimal("19.00")
    assert order.discount_codes == [{"code": "JESIEN10", "amount": "24.00", "type": "percentage"}]
    assert (order.utm_source, order.utm_medium, order.utm_campaign) == ("newsletter", "email", "jesien")
    assert [(li.title, li.quantity, li.price) for li in order.line_items.order_by("id")] == [
        ("Wełniany szal", 2, Decimal("89.00")),
        ("Czapka zimowa", 1, Decimal("86.00")),
    ]
    customer = order.customer
    assert (customer.first_name, customer.email, customer.language, customer.country) == (
        "Zofia", "Zofia.Nowak@example.pl", "pl", "PL",
    )  # fmt: skip
    assert customer.tags == ["vip", "newsletter"]
    assert customer.email_consent == "subscribed"
    assert customer.consents.get().opt_in_level == "confirmed_opt_in"
    assert (customer.orders_count, customer.amount_spent) == (1, Decimal("259.00"))


def test_retried_delivery_with_same_event_id_is_stored_once(deliver):
    for _ in range(5):
        response = deliver("orders/create", payload("orders_create"), event_id="evt-retry")
        assert response.status_code == 200

    assert Order.objects.count() == 1
    assert LineItem.objects.count() == 2
    assert WebhookDelivery.objects.filter(delivery_id="evt-retry").count() == 1
    assert Customer.objects.get().orders_count == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_are_stored_once(deliver):
    body = payload("orders_create")
    statuses = []

    def send():
        statuses.append(deliver("orders/create", body, event_id="evt-concurrent").status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 5
    assert Order.objects.count() == 1
    assert LineItem.objects.count() == 2


def test_refund_reduces_amount_spent(deliver):
    deliver("orders/create", payload("orders_create"), event_id="e1")

    response = deliver("refunds/create", payload("refunds_create"), event_id="e2")

    assert response.status_code == 200
    customer = Customer.objects.get()
    assert customer.amount_spent == Decimal("173.00")
    assert Order.objects.get().refunded_amount == Decimal("86.00")


def test_refund_seen_twice_through_order_update_counts_once(deliver):
    deliver("orders/create", payload("orders_create"), event_id="e1")
    deliver("refunds/create", payload("refunds_create"), event_id="e2")

    deliver("orders/updated", payload("orders_updated_refunded"), event_id="e3")

    assert Refund.objects.count() == 1
    assert Customer.objects.get().amount_spent == Decimal("173.00")
    assert Order.objects.get().fulfillment_status == "fulfilled"


def test_older_update_arriving_late_changes_nothing(deliver):
    # given the newer update (refund, fulfilled) has been applied
    deliver("orders/updated", payload("orders_updated_refunded"), event_id="new")

    # when the older orders/create arrives afterwards
    response = deliver("orders/create", payload("orders_create"), event_id="old")

    # then it is recorded as stale and the stored order stays at the newer state
    assert response.json()["status"] == "stale"
    order = Order.objects.get()
    assert order.fulfillment_status == "fulfilled"
    assert order.financial_status == "partially_refunded"
    assert order.customer.amount_spent == Decimal("173.00")


def test_cancelled_order_no_longer_counts_toward_spend(deliver):
    deliver("orders/create", payload("orders_create"), event_id="e1")
    cancelled = json.loads(payload("orders_create"))
    cancelled.update(cancelled_at="2026-10-03T09:00:00+02:00", updated_at="2026-10-03T09:00:00+02:00")

    deliver("orders/cancelled", json.dumps(cancelled).encode(), event_id="e2")

    customer = Customer.objects.get()
    assert (customer.orders_count, customer.amount_spent) == (0, Decimal("0"))


def test_order_in_another_currency_is_not_added_to_spend(deliver):
    deliver("orders/create", payload("orders_create"), event_id="e1")
    other = json.loads(payload("orders_create"))
    other.update(id=5512345678999, name="#1043", currency="EUR", total_price="50.00")

    deliver("orders/create", json.dumps(other).encode(), event_id="e2")

    customer = Customer.objects.get()
    assert (customer.orders_count, customer.amount_spent) == (2, Decimal("259.00"))


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "   ",
        "not-base64",
        sign(b"other body"),
        hashlib.sha256(b"x").hexdigest(),
        sign(b"{}", "wrong-secret"),
    ],  # noqa: E501
    ids=["empty", "blank", "garbage", "other-body", "hex", "wrong-secret"],
)
def test_bad_signature_is_refused_and_stores_nothing(deliver, signature):
    before = business_rows()

    response = deliver("orders/create", payload("orders_create"), signature=signature)

    assert response.status_code == 401
    assert business_rows() == before
    log = WebhookDelivery.objects.get()
    assert (log.status, log.delivery_id, log.body) == ("rejected", None, "")


def test_signature_over_reserialised_json_is_refused(deliver):
    body = payload("orders_create")
    reserialised = json.dumps(json.loads(body)).encode()

    response = deliver("orders/create", body, signature=sign(reserialised))

    assert response.status_code == 401


def test_body_altered_by_one_byte_is_refused(deliver):
    body = payload("orders_create")
    signature = sign(body)

    response = deliver("orders/create", body.replace(b"259.00", b"959.00", 1), signature=signature)

    assert response.status_code == 401
    assert Order.objects.count() == 0


def test_forged_delivery_does_not_use_up_the_genuine_event_id(deliver):
    deliver("orders/create", payload("orders_create"), event_id="evt-9", signature="forged")

    response = deliver("orders/create", payload("orders_create"), event_id="evt-9")

    assert response.json()["status"] == "processed"
    assert Order.objects.count() == 1


def test_another_stores_secret_is_refused(deliver, other_store):
    core_services.set_webhook_secret(store=other_store, platform="shopify", secret="other-secret-123")

    response = deliver("orders/create", payload("orders_create"), store=other_store)

    assert response.status_code == 401
    assert Order.objects.count() == 0


def test_store_without_a_secret_answers_401(store):
    body = payload("orders_create")
    response = Client().post(
        f"/webhooks/shopify/{store.slug}/", data=body, content_type="application/json",
        headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": sign(body)},
    )  # fmt: skip
    assert response.status_code == 401


def test_unknown_store_answers_404(db):
    response = Client().post("/webhooks/shopify/nope/", data=b"{}", content_type="application/json")
    assert response.status_code == 404


def test_shop_domain_of_another_shop_is_refused(deliver, shopify_store):
    shopify_store.shop_domain = "sklep-ania.myshopify.com"
    shopify_store.save()

    response = deliver(
        "orders/create", payload("orders_create"),
        headers={"X-Shopify-Shop-Domain": "evil.myshopify.com"},
    )  # fmt: skip

    assert response.status_code == 401


def test_unknown_topic_is_recorded_and_answered_200(deliver):
    response = deliver("products/create", b'{"id": 1, "title": "x"}')

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert WebhookDelivery.objects.get().topic == "products/create"


def days_ago(days: int) -> str:
    return (timezone.now() - timezone.timedelta(days=days)).isoformat()


def test_a_delivery_triggered_days_ago_is_applied(deliver):
    # when an order arrives three days after Shopify triggered it (the store's server was down)
    response = deliver(
        "orders/create", payload("orders_create"), headers={"X-Shopify-Triggered-At": days_ago(3)}
    )  # noqa: E501

    # then it is applied like any other
    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    assert Order.objects.get().number == "#1042"


def test_a_late_customers_redact_is_applied(deliver):
    # given a customer with an order
    deliver("orders/create", payload("orders_create"), event_id="e1")

    # when their redaction request arrives a week after it was triggered
    response = deliver(
        "customers/redact",
        payload("customers_redact"),
        event_id="e2",
        headers={"X-Shopify-Triggered-At": days_ago(7)},
    )  # noqa: E501

    # then they are erased all the same
    assert response.json()["status"] == "processed"
    assert not Customer.objects.filter(email_key="zofia.nowak@example.pl").exists()
    assert Order.objects.get().customer_id is None


def test_a_late_older_order_update_never_overwrites_the_newer_one(deliver):
    # given the newer update (refund, fulfilled) has been applied
    deliver("orders/updated", payload("orders_updated_refunded"), event_id="new")

    # when the older orders/create arrives days late
    response = deliver(
        "orders/create",
        payload("orders_create"),
        event_id="old",
        headers={"X-Shopify-Triggered-At": days_ago(3)},
    )  # noqa: E501

    # then it is recorded as older than what is stored, and changes nothing
    assert response.json()["status"] == "stale"
    order = Order.objects.get()
    assert (order.fulfillment_status, order.financial_status) == ("fulfilled", "partially_refunded")
    assert order.customer.amount_spent == Decimal("173.00")


def test_a_late_older_customer_update_never_overwrites_the_newer_one(deliver):
    # given the customer's newer record has been applied
    newer = json.loads(payload("customers_update"))
    newer.update(first_name="Zari", updated_at="2026-09-20T12:00:00+03:30")
    deliver("customers/update", json.dumps(newer).encode(), event_id="new")

    # when the older record arrives days late
    response = deliver(
        "customers/update",
        payload("customers_update"),
        event_id="old",
        headers={"X-Shopify-Triggered-At": days_ago(5)},
    )  # noqa: E501

    # then the newer name stays
    assert response.json()["status"] == "stale"
    assert Customer.objects.get().first_name == "Zari"


def test_the_same_signed_body_under_a_new_event_id_is_a_duplicate(deliver):
    # given an order was applied
    first = deliver("orders/create", payload("orders_create"), event_id="evt-1")

    # when its captured body is sent again under a new (unsigned) event id
    response = deliver("orders/create", payload("orders_create"), event_id="evt-forged")

    # then it is answered as a duplicate of the first delivery and nothing more is stored
    assert response.status_code == 200
    assert response.json() == {"status": "duplicate", "delivery": first.json()["delivery"]}
    assert WebhookDelivery.objects.count() == 1
    assert (Order.objects.count(), LineItem.objects.count()) == (1, 2)


def test_the_same_body_under_another_topic_is_a_duplicate(deliver):
    # the topic header is not signed either
    first = deliver("customers/update", payload("customers_update"), event_id="evt-1")

    response = deliver("customers/delete", payload("customers_update"), event_id="evt-2")

    assert response.json() == {"status": "duplicate", "delivery": first.json()["delivery"]}
    assert Customer.objects.get().first_name == "زهرا"


def zofia_signing_up_again() -> bytes:
    """Zofia's record after she signed up again in November: Shopify gave her a new id."""
    again = json.loads(payload("customers_update"))
    again.update(
        id=6612345679999, email="zofia.nowak@example.pl", first_name="Zofia", last_name="Nowak",
        created_at="2026-11-01T10:00:00+01:00", updated_at="2026-11-01T10:00:00+01:00",
    )  # fmt: skip
    return json.dumps(again).encode()


def zofias_older_record() -> bytes:
    """Zofia's customer record as it was on 1 October, before her redaction."""
    older = json.loads(payload("customers_update"))
    older.update(
        id=6612345678901, email="zofia.nowak@example.pl", first_name="Zofia", last_name="Nowak",
        updated_at="2026-10-01T10:00:00+02:00",
    )  # fmt: skip
    return json.dumps(older).encode()


@pytest.fixture
def redacted_zofia(deliver, time_machine):
    """Zofia ordered on 2 October and was redacted on 15 October; returns the redaction's answer."""
    time_machine.move_to("2026-10-15T12:00:00+00:00", tick=False)
    deliver("orders/create", payload("orders_create"), event_id="zofia-order")
    return deliver("customers/redact", payload("customers_redact"), event_id="zofia-redact")


def test_a_replayed_customers_redact_does_not_erase_a_customer_who_signed_up_again(
    deliver, redacted_zofia, time_machine
):  # noqa: E501
    # given Zofia was redacted and signed up again in November
    time_machine.move_to("2026-11-01T12:00:00+00:00", tick=False)
    assert (
        deliver("customers/create", zofia_signing_up_again(), event_id="e3").json()["status"] == "processed"
    )  # noqa: E501
    redacted = redacted_zofia

    # when the captured redaction is replayed under a new event id
    response = deliver("customers/redact", payload("customers_redact"), event_id="e-replayed")

    # then it is a duplicate of the first, and she is still there
    assert response.json() == {"status": "duplicate", "delivery": redacted.json()["delivery"]}
    assert Customer.objects.get().email_key == "zofia.nowak@example.pl"


def test_a_late_order_update_from_before_a_redaction_is_applied_without_the_person(deliver, redacted_zofia):  # noqa: E501
    # when an order update from 9 October arrives after her redaction
    response = deliver("orders/updated", payload("orders_updated_refunded"), event_id="late")

    # then the order is updated, but she does not come back with it
    assert response.json()["status"] == "processed"
    order = Order.objects.get()
    assert order.fulfillment_status == "fulfilled"
    assert (order.customer_id, order.email, order.landing_page) == (None, "", "")
    assert not Customer.objects.exists()


def test_a_late_customer_update_from_before_a_redaction_is_not_applied(deliver, redacted_zofia):
    response = deliver("customers/update", zofias_older_record(), event_id="late")

    assert response.json()["status"] == "stale"
    assert "erasure" in WebhookDelivery.objects.get(delivery_id="late").reason
    assert not Customer.objects.exists()


def test_a_late_checkout_from_before_a_redaction_is_not_applied(deliver, time_machine):
    # given the checkout's customer was redacted after the checkout was last updated
    time_machine.move_to("2026-10-25T12:00:00+00:00", tick=False)
    checkout = json.loads(payload("checkouts_create"))
    redact = {"shop_id": 954889, "customer": {"id": checkout["customer"]["id"], "email": checkout["email"]}}
    deliver("customers/redact", json.dumps(redact).encode(), event_id="redact")

    # when the checkout arrives late
    response = deliver("checkouts/create", payload("checkouts_create"), event_id="late")

    # then nothing of it is stored
    assert response.json()["status"] == "stale"
    assert (Checkout.objects.count(), Customer.objects.count()) == (0, 0)


def test_a_customer_who_signed_up_again_after_a_redaction_is_applied(deliver, redacted_zofia):
    response = deliver("customers/create", zofia_signing_up_again(), event_id="again")

    assert response.json()["status"] == "processed"
    assert Customer.objects.get().email_key == "zofia.nowak@example.pl"


@pytest.mark.django_db(transaction=True)
def test_the_same_body_sent_concurrently_under_different_event_ids_is_applied_once(deliver):
    body = payload("orders_create")
    answers = []

    def send(n):
        answers.append(deliver("orders/create", body, event_id=f"evt-{n}").json()["status"])
        connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == ["duplicate"] * 4 + ["processed"]
    assert WebhookDelivery.objects.count() == 1
    assert (Order.objects.count(), LineItem.objects.count()) == (1, 2)


BAD_ORDERS = [
    ({"total_price": "-5.00"}, "total_price"),
    ({"total_price": "1e40"}, "total_price"),
    ({"total_price": "abc"}, "total_price"),
    ({"total_price": True}, "total_price"),
    ({"created_at": "10000-01-01T00:00:00Z"}, "created_at"),
    ({"created_at": "1970-01-01T00:00:00Z"}, "created_at"),
    ({"currency": "ZŁOTY"}, "currency"),
    ({"id": None}, "id"),
    ({"id": {"nested": 1}}, "id"),
    ({"line_items": "many"}, "line_items"),
    ({"line_items": [{"title": "x", "price": "1.00", "quantity": -1}]}, "line_items[0].quantity"),
    ({"customer": {"id": 1, "first_name": "Evil\u202etxt.exe"}}, "customer.first_name"),
    ({"customer": {"id": 1, "last_name": "a\u0007b"}}, "customer.last_name"),
    ({"email": "not an email"}, "email"),
]


@pytest.mark.parametrize("change,field", BAD_ORDERS, ids=[f for _, f in BAD_ORDERS])
def test_invalid_order_field_answers_422_naming_it_and_stores_nothing(deliver, change, field):
    body = json.loads(payload("orders_create"))
    body.update(change)
    before = business_rows()

    response = deliver("orders/create", json.dumps(body).encode(), event_id="bad")

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert business_rows() == before
    assert not WebhookDelivery.objects.filter(delivery_id="bad").exists()


HOSTILE_BODIES = [
    (b"", "empty"),
    (b"{not json", "Invalid JSON"),
    (b'{"total_price": NaN}', "NaN"),
    (b'{"id": 1, "id": 2}', "duplicate key"),
    (b"[" * 5000 + b"]" * 5000, "nested deeper"),
    (b'{"id": ' + b"9" * 5000 + b"}", "digits"),
    (b'{"note": "a\\u0000b"}', "NUL"),
    (b'{"note": "\\ud800"}', "surrogate"),
    (b'{"note": "\xff\xfe"}', "UTF-8"),
]


@pytest.mark.parametrize("body,problem", HOSTILE_BODIES, ids=[p for _, p in HOSTILE_BODIES])
def test_hostile_body_answers_400_naming_the_problem(deliver, body, problem):
    response = deliver("orders/create", body)

    assert response.status_code == 400
    assert problem.lower() in response.json()["detail"].lower()
    assert business_rows() == dict.fromkeys(business_rows(), 0)


def test_oversized_body_answers_413(deliver):
    body = b'{"note": "' + b"x" * 1_100_000 + b'"}'

    response = deliver("orders/create", body)

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("zh-TW", "zh-hant"),
        ("zh-HK", "zh-hant"),
        ("zh-Hant-TW", "zh-hant"),
        ("zh-CN", "zh-hans"),
        ("zh", "zh-hans"),
    ],
)
def test_a_checkouts_chinese_locale_names_simplified_or_traditional(deliver, locale, language):
    checkout = json.loads(payload("checkouts_create"))
    checkout.update(customer_locale=locale)

    deliver("checkouts/create", json.dumps(checkout).encode(), event_id=f"c-{locale}")

    assert Checkout.objects.get().customer.language == language


def test_checkout_is_stored_with_recovery_url_and_completed_by_its_order(deliver, shopify_store):
    deliver("checkouts/create", payload("checkouts_create"), event_id="c1")
    checkout = Checkout.objects.get()
    assert checkout.recovery_url.startswith("https://checkout.local/")
    assert checkout.state == "open"
    assert checkout.customer.first_name == "伟"
    assert checkout.customer.language == "zh-hans"

    order = json.loads(payload("orders_create"))
    order.update(checkout_token="ab12cd34ef56")
    deliver("orders/create", json.dumps(order).encode(), event_id="o1")
    updated = json.loads(payload("checkouts_create"))
    updated["updated_at"] = "2026-10-20T09:30:00+08:00"
    deliver("checkouts/update", json.dumps(updated).encode(), event_id="c2")

    assert Checkout.objects.get().state == "completed"


def test_customer_update_keeps_persian_name(deliver):
    deliver("customers/update", payload("customers_update"))

    customer = Customer.objects.get()
    assert (customer.first_name, customer.last_name) == ("زهرا", "رضایی")
    assert customer.name_key == "زهرا رضایی"
    assert customer.email_key == "zahra.rezaei@example.ir"


def test_customers_redact_erases_the_person_and_keeps_anonymous_orders(deliver):
    deliver("orders/create", payload("orders_create"), event_id="e1")
    deliver("checkouts/create", payload("checkouts_create"), event_id="e2")

    response = deliver("customers/redact", payload("customers_redact"), event_id="e3")

    assert response.status_code == 200
    assert not Customer.objects.filter(email_key="zofia.nowak@example.pl").exists()
    assert not ConsentRecord.objects.exists()
    order = Order.objects.get()
    assert (order.customer_id, order.email, order.landing_page) == (None, "", "")
    assert order.total == Decimal("259.00")
    assert not Order.objects.filter(email__icontains="zofia").exists()


def test_redacting_twice_is_a_no_op(deliver):
    deliver("orders/create", payload("orders_create"), event_id="e1")
    deliver("customers/redact", payload("customers_redact"), event_id="e2")

    response = deliver("customers/redact", payload("customers_redact"), event_id="e2")

    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert Order.objects.count() == 1


SHOP_REDACT = b'{"shop_id": 954889, "shop_domain": "sklep-ania.myshopify.com"}'
UNINSTALLED = (
    b'{"id": 954889, "domain": "sklep-ania.myshopify.com", "updated_at": "2026-10-05T10:00:00+02:00"}'  # noqa: E501
)


def test_shop_redact_after_the_app_was_uninstalled_erases_the_shops_data(deliver, shopify_store):
    deliver("orders/create", payload("orders_create"), event_id="e1")
    deliver("app/uninstalled", UNINSTALLED, event_id="e2")

    response = deliver("shop/redact", SHOP_REDACT, event_id="e3")

    assert response.json()["status"] == "processed"
    assert business_rows() == dict.fromkeys(business_rows(), 0)


def test_shop_redact_while_the_shop_is_connected_erases_nothing(deliver):
    # given a connected shop (it never uninstalled the app)
    deliver("orders/create", payload("orders_create"), event_id="e1")
    before = business_rows()

    # when a shop/redact arrives (a captured one, replayed)
    response = deliver("shop/redact", SHOP_REDACT, event_id="e-replayed")

    # then it is recorded as ignored and every row stays
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert business_rows() == before
    assert "connected" in WebhookDelivery.objects.get(delivery_id="e-replayed").reason


def test_shop_redact_after_the_shop_reconnected_erases_nothing(deliver):
    # given the shop uninstalled the app, then installed it again and sent an order
    deliver("app/uninstalled", UNINSTALLED, event_id="e1")
    deliver("orders/create", payload("orders_create"), event_id="e2")
    before = business_rows()

    # when the shop/redact of the first uninstall arrives
    response = deliver("shop/redact", SHOP_REDACT, event_id="e3")

    # then nothing is erased
    assert response.json()["status"] == "ignored"
    assert business_rows() == before


def test_a_customers_redact_after_uninstalling_does_not_count_as_reconnecting(deliver):
    deliver("orders/create", payload("orders_create"), event_id="e1")
    deliver("app/uninstalled", UNINSTALLED, event_id="e2")
    deliver("customers/redact", payload("customers_redact"), event_id="e3")

    response = deliver("shop/redact", SHOP_REDACT, event_id="e4")

    assert response.json()["status"] == "processed"
    assert business_rows() == dict.fromkeys(business_rows(), 0)


def test_shop_redact_is_honoured_again_after_a_second_uninstall(deliver):
    # given a shop that uninstalled, was redacted, came back and uninstalled again
    deliver("app/uninstalled", UNINSTALLED, event_id="e1")
    deliver("shop/redact", SHOP_REDACT, event_id="e2")
    deliver("orders/create", payload("orders_create"), event_id="e3")
    second = UNINSTALLED.replace(b"2026-10-05", b"2026-11-20")
    deliver("app/uninstalled", second, event_id="e4")

    # when the second shop/redact arrives, with the very same body as the first
    response = deliver("shop/redact", SHOP_REDACT, event_id="e5")

    # then it is honoured: its body is not what keys it
    assert response.json()["status"] == "processed"
    assert business_rows() == dict.fromkeys(business_rows(), 0)


def test_data_request_is_recorded(deliver):
    deliver("orders/create", payload("orders_create"), event_id="e1")

    response = deliver("customers/data_request", payload("customers_redact"), event_id="e2")

    assert response.status_code == 200
    assert "Data request recorded" in WebhookDelivery.objects.get(delivery_id="e2").reason


def test_a_redacted_customer_can_no_longer_be_found_by_any_word(deliver, shopify_store):
    # given Zofia Nowak ordered and can be found
    deliver("orders/create", payload("orders_create"), event_id="e1")
    found = queries.list_customers(shopify_store, search="nowak")
    assert [c.email_key for c in found] == ["zofia.nowak@example.pl"]
    # when her redaction arrives
    deliver("customers/redact", payload("customers_redact"), event_id="e2")
    # then no word of her name or email is left to search
    assert not CustomerSearchTerm.objects.filter(store=shopify_store).exists()
    assert list(queries.list_customers(shopify_store, search="zofia")) == []
    assert list(queries.list_orders(shopify_store, search="nowak")) == []
