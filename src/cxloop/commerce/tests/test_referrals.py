"""Referral codes: every customer has one; an order keeps another customer's code it was placed with,
whichever way each platform carries it (note attribute, landing page, discount code)."""

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction

from cxloop.commerce import services
from cxloop.commerce.imports.shopify_orders import import_shopify_orders
from cxloop.commerce.integrations import ecwid_records
from cxloop.commerce.models import Customer, Order
from cxloop.commerce.referrals import ALPHABET, CODE_LENGTH, ERASED_REFERRER, order_code_candidates
from cxloop.commerce.tests import test_shopify_webhooks as shopify_hooks
from cxloop.commerce.tests import test_woocommerce as woo_hooks
from cxloop.commerce.tests.test_shopify_webhooks import deliver, shopify_store  # noqa: F401
from cxloop.commerce.tests.test_woocommerce import woo_store  # noqa: F401

PAYLOADS = Path(__file__).parent / "payloads"
pytestmark = pytest.mark.django_db


def referrer(store, name="ola") -> Customer:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Customer.objects.create(store=store, email=f"{name}@example.com", created_at=now, updated_at=now)


def shopify_order(**fields) -> bytes:
    body = json.loads(shopify_hooks.payload("orders_create"))
    body.update(fields)
    return json.dumps(body).encode()


def test_every_customer_gets_a_code_of_their_own():
    # (a store of its own per customer, so the test needs no fixture)
    first, second = referrer_pair()

    for code in (first.referral_code, second.referral_code):
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert first.referral_code != second.referral_code


def referrer_pair():
    from cxloop.core.models import Store

    store = Store.objects.create(name="Codes", slug="codes", currency="PLN")
    return referrer(store, "a"), referrer(store, "b")


def test_the_candidates_are_the_named_code_the_landing_ref_and_the_discount_codes_in_that_order():
    found = order_code_candidates(
        named=" ab12 ", landing="/p?x=1&ref=cd34#top", discounts=["AB12", "SUMMER", ""]
    )

    assert found == ["AB12", "CD34", "SUMMER"]
    assert order_code_candidates(named="", landing="http://[bad", discounts=[]) == []


def test_a_shopify_note_attribute_ref_names_the_referrer(deliver, shopify_store):  # noqa: F811
    ola = referrer(shopify_store)
    attributes = [{"name": "gift", "value": "yes"}, {"name": "ref", "value": ola.referral_code.lower()}]

    response = deliver("orders/create", shopify_order(note_attributes=attributes))

    assert response.status_code == 200
    assert Order.objects.get(store=shopify_store).referral_code == ola.referral_code


def test_a_shopify_landing_site_ref_and_a_discount_code_name_the_referrer(deliver, shopify_store):  # noqa: F811
    ola, ula = referrer(shopify_store), referrer(shopify_store, "ula")
    body = shopify_order(landing_site=f"/products/szal?ref={ola.referral_code}")
    deliver("orders/create", body, event_id="e1")
    codes = [{"code": "JESIEN10", "amount": "24.00", "type": "percentage"},
             {"code": ula.referral_code, "amount": "0.00", "type": "fixed_amount"}]  # fmt: skip
    deliver("orders/create", shopify_order(id=77, name="#77", discount_codes=codes), event_id="e2")

    by_name = dict(Order.objects.filter(store=shopify_store).values_list("number", "referral_code"))
    assert by_name == {"#1042": ola.referral_code, "#77": ula.referral_code}


def test_a_code_nobody_has_and_the_customers_own_code_are_not_kept(deliver, shopify_store):  # noqa: F811
    deliver("orders/create", shopify_order(landing_site="/?ref=NOBODY"), event_id="e1")
    order = Order.objects.get(store=shopify_store)
    own = order.customer.referral_code

    later = shopify_order(
        updated_at="2026-12-01T10:00:00+01:00", note_attributes=[{"name": "ref", "value": own}]
    )
    response = deliver("orders/updated", later, event_id="e2")

    order.refresh_from_db()
    assert response.status_code == 200 and order.referral_code == "" and order.customer.referral_code == own


def test_a_woocommerce_meta_data_referral_code_and_a_coupon_name_the_referrer(woo_store):  # noqa: F811
    ola, ula = referrer(woo_store), referrer(woo_store, "ula")
    body = json.loads(woo_hooks.payload("order_created"))
    body["meta_data"].append({"id": 1, "key": "referral_code", "value": ola.referral_code})
    coupons = [{"id": 5, "code": ula.referral_code.lower(), "discount": "10.00"}]
    coupon = dict(body, id=991, number="991", meta_data=[], coupon_lines=coupons)
    for n, data in enumerate((body, coupon)):
        raw = json.dumps(data, separators=(",", ":")).encode()
        response = post_woocommerce(woo_store, raw, f"d-{n}")
        assert response.status_code == 200

    by_id = dict(Order.objects.filter(store=woo_store).values_list("external_id", "referral_code"))
    assert by_id == {str(body["id"]): ola.referral_code, "991": ula.referral_code}


def post_woocommerce(store, raw: bytes, delivery_id: str):
    from django.test import Client

    return Client().post(
        f"/webhooks/woocommerce/{store.slug}/", data=raw, content_type="application/json",
        headers={
            "X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "created", "X-WC-Webhook-Signature": woo_hooks.sign(raw),
            "X-WC-Webhook-ID": "14", "X-WC-Webhook-Delivery-ID": delivery_id,
            "X-WC-Webhook-Source": "https://sklep-ania.example/",
        },
    )  # fmt: skip


def test_an_ecwid_coupon_names_the_referrer(store):
    ola = referrer(store)
    data = json.loads((PAYLOADS / "ecwid" / "api_order_XJ12H.json").read_text())
    data["discountCoupon"] = {"code": ola.referral_code, "discountType": "PERCENT"}

    with transaction.atomic():
        order, _applied = services.upsert_order(
            store=store, platform="ecwid", data=ecwid_records.parse_order(data, "PLN")
        )

    assert order.referral_code == ola.referral_code


def test_the_shopify_orders_export_discount_code_names_the_referrer_and_keeps_a_webhooks_code(store):
    ola = referrer(store)
    text = (PAYLOADS / "shopify_csv" / "orders_export.csv").read_text(encoding="utf-8")
    header, first, rest = text.split("\n", 2)
    columns = header.split(",")
    cells = first.split(",")
    cells[columns.index("Discount Code")] = ola.referral_code
    edited = "\n".join([header, ",".join(cells), rest])

    import_shopify_orders(store=store, file=io.BytesIO(edited.encode("utf-8")))

    assert Order.objects.get(store=store, number="#1001").referral_code == ola.referral_code
    assert set(Order.objects.exclude(number="#1001").values_list("referral_code", flat=True)) == {""}


def test_erasing_the_referrer_keeps_the_order_referred_without_their_code(store):
    ola, zofia = referrer(store), referrer(store, "zofia")
    placed = Order.objects.create(
        store=store, customer=zofia, platform="shopify", external_id="1", number="#1", currency="PLN",
        total=Decimal("10.00"), created_at=datetime(2026, 12, 1, tzinfo=UTC), referral_code=ola.referral_code,
    )  # fmt: skip

    services.erase_customer(store=store, customer=ola)

    placed.refresh_from_db()
    assert placed.referral_code == ERASED_REFERRER and placed.customer == zofia


def test_erasing_the_referred_customer_removes_the_code_from_their_orders(store):
    ola, zofia = referrer(store), referrer(store, "zofia")
    placed = Order.objects.create(
        store=store, customer=zofia, platform="shopify", external_id="1", number="#1", currency="PLN",
        total=Decimal("10.00"), created_at=datetime(2026, 12, 1, tzinfo=UTC), referral_code=ola.referral_code,
    )  # fmt: skip

    services.erase_customer(store=store, customer=zofia)

    placed.refresh_from_db()
    assert (placed.referral_code, placed.customer) == ("", None)


def test_a_customers_data_export_holds_their_referral_code(store):
    from cxloop.commerce.personal_data import build_customer_export

    ola = referrer(store)

    assert build_customer_export(store, ola)["customer"]["referral_code"] == ola.referral_code
