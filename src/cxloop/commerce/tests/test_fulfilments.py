"""Fulfilment tracking in the store mirror: parsed from each platform, stored once, shown safely.

Payloads: tests/payloads/shopify/orders_updated_1008_shipped.json (three
fulfilments, one cancelled, one with `javascript:` links), fulfillments_update.json,
woocommerce/order_updated_tracking.json (the Shipment Tracking extension's items)
and ecwid/api_order_XJ12H_shipped.json.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from cxloop.commerce import parsing, services
from cxloop.commerce.imports import import_shopify_orders
from cxloop.commerce.integrations import ecwid_records, shopify, woocommerce
from cxloop.commerce.models import Customer, Fulfilment, Order, WebhookDelivery
from cxloop.commerce.records import FulfilmentData
from cxloop.commerce.tests.helpers import hmac_b64
from cxloop.core import services as core_services

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parent / "payloads"
SHOPIFY_SECRET = "shpss_test_secret_0123456789"
WOO_SECRET = "wc-secret-for-tests"
INPOST_URL = "https://inpost.pl/sledzenie-przesylek?number=520000012345678901234567"


def payload(path: str) -> bytes:
    return (PAYLOADS / path).read_bytes()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def rows(order: Order) -> list[tuple]:
    return [
        (f.external_id, f.status, f.carrier, f.tracking_number, f.tracking_url)
        for f in order.fulfilments.order_by("external_id")
    ]


@pytest.fixture
def shopify_deliver(store):
    core_services.set_webhook_secret(store=store, platform="shopify", secret=SHOPIFY_SECRET)
    client = Client()

    def deliver(topic: str, body: bytes, *, event_id: str):
        return client.post(
            f"/webhooks/shopify/{store.slug}/",
            data=body,
            content_type="application/json",
            headers={
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": hmac_b64(SHOPIFY_SECRET, body),
                "X-Shopify-Event-Id": event_id,
            },
        )

    return deliver


@pytest.fixture
def woo_deliver(store):
    core_services.set_webhook_secret(store=store, platform="woocommerce", secret=WOO_SECRET)
    client = Client()

    def deliver(topic: str, body: bytes, *, delivery_id: str):
        return client.post(
            f"/webhooks/woocommerce/{store.slug}/",
            data=body,
            content_type="application/json",
            headers={
                "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Signature": hmac_b64(WOO_SECRET, body),
                "X-WC-Webhook-Delivery-ID": delivery_id,
            },
        )

    return deliver


# Parsing ---------------------------------------------------------------------


def test_shopify_order_fulfilments_are_parsed_with_status_carrier_numbers_and_only_web_links():
    data = shopify.parse_order(json.loads(payload("shopify/orders_updated_1008_shipped.json")))

    assert [
        (f.external_id, f.status, f.carrier, f.tracking_number, f.tracking_url, f.url_refused)
        for f in data.fulfilments
    ] == [
        ("4412408", "in_transit", "InPost", "520000012345678901234567", INPOST_URL, False),
        ("4412409", "cancelled", "DPD", "0000123456789P",
         "https://tracktrace.dpd.com.pl/parcelDetails?p1=0000123456789P", False),
        ("4412410", "delivered", "Poczta Polska", "PX1234567890, PX1234567891", "", True),
    ]  # fmt: skip
    first = data.fulfilments[0]
    assert first.shipped_at == at("2024-04-04T15:10:00+02:00")
    assert first.updated_at == at("2024-04-05T08:00:00+02:00")


def test_a_shopify_order_payload_without_the_fulfillments_key_says_nothing_about_them():
    order = json.loads(payload("shopify/orders_updated_1008.json"))
    del order["fulfillments"]

    assert shopify.parse_order(order).fulfilments is None


def test_woocommerce_shipment_tracking_items_become_fulfilments_with_custom_links_filled():
    data = woocommerce.parse_order(json.loads(payload("woocommerce/order_updated_tracking.json")))

    assert [
        (f.external_id, f.carrier, f.tracking_number, f.tracking_url, f.url_refused, f.shipped_at)
        for f in data.fulfilments
    ] == [
        ("0c8e1f3a9b7d4e2f6a5c3b1d9e7f2a4c", "dhl", "JD014600006281230704", "", False,
         datetime(2026, 10, 4, tzinfo=UTC)),
        ("5d2b8c4e6f1a3d9b7e2c5a8f4b6d1e3a", "InPost Paczkomaty", "620000098765432109876543",
         "https://inpost.pl/sledzenie-przesylek?number=620000098765432109876543", False,
         datetime(2026, 10, 5, tzinfo=UTC)),
        ("9f3e7a1c5b2d8e4f6a3c9b1d7e5f2a8c", "Kurier „Szybki”", "SZ-77", "", True,
         datetime(2026, 10, 5, tzinfo=UTC)),
    ]  # fmt: skip
    assert {f.status for f in data.fulfilments} == {"shipped"}


def test_a_woocommerce_order_without_the_extension_has_no_fulfilments():
    data = woocommerce.parse_order(json.loads(payload("woocommerce/order_created.json")))

    assert data.fulfilments == []


def test_tracking_items_written_as_a_php_object_are_read_too():
    order = json.loads(payload("woocommerce/order_updated_tracking.json"))
    meta = next(m for m in order["meta_data"] if m["key"] == "_wc_shipment_tracking_items")
    meta["value"] = {"0": meta["value"][0], "2": meta["value"][1]}

    data = woocommerce.parse_order(order)

    assert [f.tracking_number for f in data.fulfilments] == [
        "JD014600006281230704",
        "620000098765432109876543",
    ]


def test_a_tracking_items_unreadable_date_leaves_the_date_out_and_keeps_the_shipment():
    order = json.loads(payload("woocommerce/order_updated_tracking.json"))
    meta = next(m for m in order["meta_data"] if m["key"] == "_wc_shipment_tracking_items")
    meta["value"][0]["date_shipped"] = "04/10/2026"

    first = woocommerce.parse_order(order).fulfilments[0]

    assert (first.tracking_number, first.shipped_at) == ("JD014600006281230704", None)


def test_ecwid_order_tracking_is_one_fulfilment_with_the_carrier_of_its_shipping_option():
    data = ecwid_records.parse_order(json.loads(payload("ecwid/api_order_XJ12H_shipped.json")), "PLN")

    [fulfilment] = data.fulfilments
    assert (fulfilment.external_id, fulfilment.status, fulfilment.carrier, fulfilment.tracking_number) == (
        "order", "shipped", "DPD", "0000987654321Q",
    )  # fmt: skip
    assert fulfilment.tracking_url == "https://tracktrace.dpd.com.pl/parcelDetails?p1=0000987654321Q"


def test_ecwid_falls_back_to_the_shipping_method_and_drops_a_hostile_link():
    order = json.loads(payload("ecwid/api_order_XJ12H_shipped.json"))
    del order["shippingOption"]["shippingCarrierName"]
    order["trackingUrl"] = "data:text/html,<script>alert(1)</script>"

    [fulfilment] = ecwid_records.parse_order(order, "PLN").fulfilments

    assert (fulfilment.carrier, fulfilment.tracking_url, fulfilment.url_refused) == ("Kurier DPD", "", True)


def test_an_ecwid_order_that_has_not_shipped_has_no_fulfilment():
    data = ecwid_records.parse_order(json.loads(payload("ecwid/api_order_XJ12H.json")), "PLN")

    assert data.fulfilments == []


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<b>x</b>",
        "vbscript:msgbox(1)",
        "ftp://files.example/x",
        "//evil.example/track",
        "https://",
        "https:///no-host",
        "https://track.example/a b",
        "https://track.example/\u202egnp.exe",
        "https://track.example\\@evil.example/",
        "http://[::1/x",
        "https://track.example/" + "x" * 2000,
        42,
        ["https://track.example/"],
    ],
)
def test_only_http_and_https_links_are_kept(value):
    assert parsing.web_link(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "https://tracktrace.dpd.com.pl/parcelDetails?p1=0000123456789P",
        'HTTP://track.example/?n=1&x="2"',
        "  https://track.example/trim  ",
    ],
)
def test_web_links_are_kept_as_given(value):
    assert parsing.web_link(value) == value.strip()


# Storing ---------------------------------------------------------------------


def test_a_shopify_order_update_stores_its_fulfilments_once_and_notes_the_dropped_link(
    shopify_deliver, store
):
    body = payload("shopify/orders_updated_1008_shipped.json")

    first = shopify_deliver("orders/updated", body, event_id="evt-ship-1")
    retry = shopify_deliver("orders/updated", body, event_id="evt-ship-1")
    resent = shopify_deliver("orders/updated", body, event_id="evt-ship-2")

    assert first.status_code == 200 and first.json()["status"] == "processed"
    assert retry.json()["status"] == resent.json()["status"] == "duplicate"
    order = Order.objects.get(store=store, external_id="5512345678908")
    assert rows(order) == [
        ("4412408", "in_transit", "InPost", "520000012345678901234567", INPOST_URL),
        ("4412409", "cancelled", "DPD", "0000123456789P",
         "https://tracktrace.dpd.com.pl/parcelDetails?p1=0000123456789P"),
        ("4412410", "delivered", "Poczta Polska", "PX1234567890, PX1234567891", ""),
    ]  # fmt: skip
    assert Fulfilment.objects.filter(store=store).count() == 3
    delivery = WebhookDelivery.objects.get(store=store, delivery_id="evt-ship-1")
    assert delivery.reason == "Order #1008 A tracking link that is not an http(s) URL was left out."


def test_fulfilment_update_topic_updates_one_fulfilment_and_an_older_one_changes_nothing(
    shopify_deliver, store
):
    # given the order with its fulfilments
    shopify_deliver("orders/updated", payload("shopify/orders_updated_1008_shipped.json"), event_id="o-1")
    newer = payload("shopify/fulfillments_update.json")
    older = json.loads(newer)
    older.update(updated_at="2024-04-04T16:00:00+02:00", shipment_status="failure")

    # when the carrier reports delivery, then a stale report of an earlier state arrives
    delivered = shopify_deliver("fulfillments/update", newer, event_id="f-1")
    stale = shopify_deliver("fulfillments/update", json.dumps(older).encode(), event_id="f-0")

    # then the newer report stands
    assert delivered.json()["status"] == "processed"
    assert stale.json()["status"] == "stale"
    fulfilment = Fulfilment.objects.get(store=store, external_id="4412408")
    assert (fulfilment.status, fulfilment.source_updated_at) == ("delivered", at("2024-04-07T11:00:00+02:00"))
    assert Fulfilment.objects.filter(store=store).count() == 3


def test_a_fulfilment_for_an_unknown_order_is_ignored(shopify_deliver, store):
    response = shopify_deliver(
        "fulfillments/create", payload("shopify/fulfillments_update.json"), event_id="f-9"
    )

    assert response.json()["status"] == "ignored"
    assert not Fulfilment.objects.exists()


def test_an_order_snapshot_older_than_a_fulfilment_keeps_it_and_a_newer_one_that_drops_it_removes_it(
    shopify_deliver, store
):
    # given the order as shipped, and a fulfilment created after that snapshot
    shopify_deliver("orders/updated", payload("shopify/orders_updated_1008_shipped.json"), event_id="o-1")
    late = json.loads(payload("shopify/fulfillments_update.json"))
    late.update(id=4412499, created_at="2024-04-08T09:00:00+02:00", updated_at="2024-04-08T09:00:00+02:00")
    shopify_deliver("fulfillments/create", json.dumps(late).encode(), event_id="f-late")
    order = Order.objects.get(store=store, external_id="5512345678908")

    # when an order update from before it, listing only one fulfilment, is applied
    snapshot = json.loads(payload("shopify/orders_updated_1008_shipped.json"))
    snapshot.update(updated_at="2024-04-07T08:00:00+02:00", fulfillments=snapshot["fulfillments"][:1])
    shopify_deliver("orders/updated", json.dumps(snapshot).encode(), event_id="o-2")

    # then the late fulfilment stays; the two the platform no longer lists are gone
    assert [f[0] for f in rows(order)] == ["4412408", "4412499"]


def test_the_orders_export_leaves_the_tracking_webhooks_stored(shopify_deliver, store):
    shopify_deliver("orders/updated", payload("shopify/orders_updated_1008_shipped.json"), event_id="o-1")

    with (PAYLOADS / "shopify_csv" / "orders_export.csv").open("rb") as file:
        import_shopify_orders(store=store, file=file)

    order = Order.objects.get(store=store, number="#1008")
    assert [f[0] for f in rows(order)] == ["4412408", "4412409", "4412410"]


def test_woocommerce_tracking_is_stored_once_and_a_removed_item_goes(woo_deliver, store):
    body = payload("woocommerce/order_updated_tracking.json")

    first = woo_deliver("order.updated", body, delivery_id="wc-1")
    again = woo_deliver("order.updated", body, delivery_id="wc-1")

    assert first.json()["status"] == "processed" and again.json()["status"] == "duplicate"
    order = Order.objects.get(store=store, external_id="4821")
    assert [(f[2], f[3], f[4]) for f in rows(order)] == [
        ("dhl", "JD014600006281230704", ""),
        ("InPost Paczkomaty", "620000098765432109876543",
         "https://inpost.pl/sledzenie-przesylek?number=620000098765432109876543"),
        ("Kurier „Szybki”", "SZ-77", ""),
    ]  # fmt: skip

    # when the merchant removes the DHL item in a later update
    later = json.loads(body)
    meta = next(m for m in later["meta_data"] if m["key"] == "_wc_shipment_tracking_items")
    meta["value"] = meta["value"][1:]
    later["date_modified_gmt"] = "2026-10-05T08:00:00"
    woo_deliver("order.updated", json.dumps(later).encode(), delivery_id="wc-2")

    assert [f[3] for f in rows(order)] == ["620000098765432109876543", "SZ-77"]


def test_erasing_the_customer_blanks_their_tracking_and_a_late_fulfilment_brings_none_back(
    shopify_deliver, store
):
    shopify_deliver("orders/updated", payload("shopify/orders_updated_1008_shipped.json"), event_id="o-1")
    customer = Customer.objects.get(store=store, email_key="piotr.nowak@example.com")

    services.erase_customer(store=store, customer=customer)
    shopify_deliver("fulfillments/update", payload("shopify/fulfillments_update.json"), event_id="f-1")

    stored = Fulfilment.objects.filter(store=store)
    assert stored.count() == 3
    assert set(stored.values_list("tracking_number", "tracking_url")) == {("", "")}
    assert stored.get(external_id="4412408").status == "delivered"


def test_the_fulfilment_service_keeps_a_newer_row_against_an_older_order_list(store):
    order = Order.objects.create(
        store=store, platform="ecwid", external_id="E1", number="#E1", currency="PLN", total="10",
        created_at=at("2026-10-01T10:00:00+00:00"), email="a@example.pl",
    )  # fmt: skip
    services.record_fulfilment(
        store=store, platform="ecwid", order_external_id="E1",
        data=FulfilmentData("order", status="delivered", tracking_number="N2",
                            updated_at=at("2026-10-03T10:00:00+00:00")),
    )  # fmt: skip

    from cxloop.commerce.services.fulfilments import sync_fulfilments

    sync_fulfilments(
        order,
        [
            FulfilmentData(
                "order", status="shipped", tracking_number="N1", updated_at=at("2026-10-02T10:00:00+00:00")
            )
        ],
        as_of=at("2026-10-02T10:00:00+00:00"),
    )

    assert rows(order) == [("order", "delivered", "", "N2", "")]


# Pages -----------------------------------------------------------------------


def test_the_order_page_shows_each_shipment_with_its_link_escaped_opening_apart(staff_client, store):
    order = Order.objects.create(
        store=store, platform="shopify", external_id="77", number="#77", currency="PLN", total="10",
        created_at=at("2026-10-01T10:00:00+00:00"),
    )  # fmt: skip
    Fulfilment.objects.create(
        store=store, order=order, external_id="1", status="in_transit", carrier="<b>DHL</b>",
        tracking_number='JD"><script>alert(1)</script>',
        tracking_url='https://track.example/?n=1&q="><script>alert(2)</script>',
    )  # fmt: skip

    page = staff_client.get(reverse("commerce:order-detail", args=[order.pk])).content.decode()

    assert (
        '<a href="https://track.example/?n=1&amp;q=&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" '
        'rel="noopener noreferrer" target="_blank">'
    ) in page
    assert "JD&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;DHL&lt;/b&gt;" in page and "In transit" in page
    assert "<script>alert" not in page


def test_the_customers_export_holds_their_shipments_tracking(shopify_deliver, staff_client, store):
    shopify_deliver("orders/updated", payload("shopify/orders_updated_1008_shipped.json"), event_id="o-1")
    customer = Customer.objects.get(store=store, email_key="piotr.nowak@example.com")

    data = json.loads(staff_client.get(reverse("commerce:customer-export", args=[customer.pk])).content)

    [order] = data["orders"]
    assert order["shipments"] == [
        {"carrier": "InPost", "tracking_number": "520000012345678901234567", "tracking_url": INPOST_URL},
        {"carrier": "DPD", "tracking_number": "0000123456789P",
         "tracking_url": "https://tracktrace.dpd.com.pl/parcelDetails?p1=0000123456789P"},
        {"carrier": "Poczta Polska", "tracking_number": "PX1234567890, PX1234567891", "tracking_url": ""},
    ]  # fmt: skip


# API -------------------------------------------------------------------------


def test_the_orders_api_lists_each_orders_shipments_oldest_first(api_client, store):
    order = Order.objects.create(
        store=store, platform="shopify", external_id="78", number="#78", currency="PLN", total="10",
        created_at=at("2026-10-01T10:00:00+00:00"),
    )  # fmt: skip
    Fulfilment.objects.create(
        store=store, order=order, external_id="2", status="delivered", carrier="InPost",
        tracking_number="520000012345678901234567", tracking_url=INPOST_URL,
        shipped_at=at("2026-10-03T08:00:00+00:00"),
    )  # fmt: skip
    Fulfilment.objects.create(
        store=store, order=order, external_id="1", status="in_transit", carrier="DHL",
        tracking_number="JD1", shipped_at=at("2026-10-02T08:00:00+00:00"),
    )  # fmt: skip

    listed = api_client.get("/api/v1/orders").json()["items"][0]["shipments"]
    one = api_client.get(f"/api/v1/orders/{order.pk}").json()["shipments"]

    assert listed == one
    assert [(s["external_id"], s["status"], s["carrier"], s["tracking_url"]) for s in one] == [
        ("1", "in_transit", "DHL", ""),
        ("2", "delivered", "InPost", INPOST_URL),
    ]
    assert one[0]["shipped_at"].startswith("2026-10-02T08:00:00")
