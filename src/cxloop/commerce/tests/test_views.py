"""Staff pages of the store mirror, through the public door (the URL)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cxloop.commerce.models import WebhookDelivery
from cxloop.commerce.records import CustomerData, LineData, OrderData
from cxloop.commerce.services import upsert_customer, upsert_order
from cxloop.core import queries as core_queries
from cxloop.core.models import ApiKey, AuditLog, Platform

pytestmark = pytest.mark.django_db


def make_customer(store, *, email, first_name="", last_name="", external_id=None):
    with transaction.atomic():
        customer, _ = upsert_customer(
            store=store,
            platform=Platform.SHOPIFY,
            data=CustomerData(
                external_id=external_id, email=email, first_name=first_name, last_name=last_name
            ),
        )
    return customer


def make_order(store, *, number="#1001", email="zahra@example.ir", total="120.00", **extra):
    with transaction.atomic():
        order, _ = upsert_order(
            store=store,
            platform=Platform.SHOPIFY,
            data=OrderData(
                external_id=number.lstrip("#"),
                number=number,
                currency=store.currency,
                total=Decimal(total),
                subtotal=Decimal(total),
                created_at=timezone.now() - timedelta(days=2),
                email=email,
                financial_status="paid",
                lines=[LineData(title="Linen shirt", quantity=2, price=Decimal(total) / 2)],
                **extra,
            ),
        )
    return order


def test_customer_list_renders_for_the_owner(staff_client, store):
    make_customer(store, email="anna@example.pl", first_name="Anna", last_name="Kowalska")

    response = staff_client.get(reverse("commerce:customer-list"))

    assert response.status_code == 200
    assert "Anna Kowalska" in response.text
    assert "anna@example.pl" in response.text


def test_customer_search_finds_a_persian_name(staff_client, store):
    # given
    make_customer(store, email="zahra@example.ir", first_name="زهرا", last_name="رضایی")
    make_customer(store, email="anna@example.pl", first_name="Anna", last_name="Kowalska")

    # when
    response = staff_client.get(reverse("commerce:customer-list"), {"q": "رضا"})

    # then
    assert response.status_code == 200
    assert "<bdi>زهرا رضایی</bdi>" in response.text
    assert "Kowalska" not in response.text


def test_customer_search_finds_an_email(staff_client, store):
    make_customer(store, email="Zahra.Rezaei@Example.ir", first_name="زهرا", last_name="رضایی")
    make_customer(store, email="anna@example.pl", first_name="Anna", last_name="Kowalska")

    response = staff_client.get(reverse("commerce:customer-list"), {"q": "zahra.rez"})

    assert "Zahra.Rezaei@Example.ir" in response.text
    assert "anna@example.pl" not in response.text


def test_customer_search_over_htmx_answers_only_the_results_partial(staff_client, store):
    make_customer(store, email="zahra@example.ir", first_name="زهرا", last_name="رضایی")

    response = staff_client.get(
        reverse("commerce:customer-list"),
        {"q": "زهرا"},
        headers={"HX-Request": "true", "HX-Target": "customer-results"},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="customer-results"')
    assert "<html" not in response.text
    assert "زهرا رضایی" in response.text


def test_customer_list_filters_by_orders(staff_client, store):
    make_customer(store, email="buyer@example.com", first_name="Buyer")
    make_customer(store, email="browser@example.com", first_name="Browser")
    make_order(store, email="buyer@example.com")

    response = staff_client.get(reverse("commerce:customer-list"), {"has_orders": "yes"})

    assert "buyer@example.com" in response.text
    assert "browser@example.com" not in response.text


def test_customer_list_pages_without_counting(staff_client, store):
    for i in range(51):
        make_customer(store, email=f"c{i:02}@example.com")

    first = staff_client.get(reverse("commerce:customer-list"), {"sort": "name"})
    second = staff_client.get(reverse("commerce:customer-list"), {"sort": "name", "page": "2"})

    assert 'rel="next"' in first.text
    assert "Showing 1–50" in first.text
    assert 'rel="prev"' in second.text
    assert "Showing 51–51" in second.text


def test_customer_list_uses_a_bounded_number_of_queries(staff_client, store, django_assert_max_num_queries):
    for i in range(30):
        make_customer(store, email=f"c{i}@example.com", first_name=f"Name{i}")

    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("commerce:customer-list"), {"q": "c", "sort": "spent"})

    assert response.status_code == 200


def test_order_list_uses_a_bounded_number_of_queries(staff_client, store, django_assert_max_num_queries):
    for i in range(10):
        make_order(store, number=f"#{2000 + i}", email=f"c{i}@example.com")

    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("commerce:order-list"))

    assert len(re.findall(r'href="/orders/\d+/"', response.text)) == 10


def test_customer_page_shows_profile_and_orders_on_the_timeline(staff_client, store):
    order = make_order(store, number="#1001", email="zahra@example.ir", total="120.00")

    response = staff_client.get(reverse("commerce:customer-detail", args=[order.customer_id]))

    assert response.status_code == 200
    assert "zahra@example.ir" in response.text
    assert "Order #1001" in response.text
    assert reverse("commerce:order-detail", args=[order.pk]) in response.text
    assert f'<bdi dir="ltr" class="mono">{order.customer.referral_code}</bdi>' in response.text


def test_customer_text_renders_escaped(staff_client, store):
    customer = make_customer(
        store, email="evil@example.com", first_name="<script>alert(1)</script>", last_name="X"
    )

    listing = staff_client.get(reverse("commerce:customer-list"))
    page = staff_client.get(reverse("commerce:customer-detail", args=[customer.pk]))

    for response in (listing, page):
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; X" in response.text


def test_another_stores_customer_answers_404(staff_client, other_store):
    foreign = make_customer(other_store, email="someone@example.com")

    response = staff_client.get(reverse("commerce:customer-detail", args=[foreign.pk]))

    assert response.status_code == 404


def test_order_list_searches_by_number_and_email(staff_client, store):
    make_order(store, number="#1001", email="zahra@example.ir")
    make_order(store, number="#1002", email="anna@example.pl")

    by_number = staff_client.get(reverse("commerce:order-list"), {"q": "1002"})
    by_email = staff_client.get(reverse("commerce:order-list"), {"q": "zahra@"})

    assert "#1002" in by_number.text and "#1001" not in by_number.text
    assert "#1001" in by_email.text and "#1002" not in by_email.text


def test_order_page_shows_lines_discounts_and_source(staff_client, store):
    order = make_order(
        store,
        number="#1001",
        discount_codes=[{"code": "WELCOME10", "amount": "10.00", "type": "fixed_amount"}],
        utm_source="newsletter",
        referrer="https://www.google.com/",
    )

    response = staff_client.get(reverse("commerce:order-detail", args=[order.pk]))

    assert response.status_code == 200
    assert "Linen shirt" in response.text
    assert "WELCOME10" in response.text
    assert "newsletter" in response.text
    assert "https://www.google.com/" in response.text


def test_another_stores_order_answers_404(staff_client, other_store):
    foreign = make_order(other_store, number="#9", email="someone@example.com")

    response = staff_client.get(reverse("commerce:order-detail", args=[foreign.pk]))

    assert response.status_code == 404


def test_integrations_page_shows_webhook_urls_but_never_secrets(staff_client, store):
    from cxloop.core import services as core_services

    core_services.set_webhook_secret(store=store, platform="shopify", secret="shpss_top_secret_1")
    WebhookDelivery.objects.create(
        store=store, platform="shopify", topic="orders/create", status="rejected", reason="bad hmac"
    )

    response = staff_client.get(reverse("commerce:integrations"))

    assert response.status_code == 200
    assert "http://testserver/webhooks/shopify/sklep-ania/" in response.text
    assert "shpss_top_secret_1" not in response.text
    assert "Secret set" in response.text
    assert "orders/create" in response.text
    assert "bad hmac" in response.text
    for key in core_queries.list_api_keys(store):
        assert key.key_hash not in response.text


def test_agent_gets_403_on_integrations(agent_client):
    assert agent_client.get(reverse("commerce:integrations")).status_code == 403
    response = agent_client.post(
        reverse("commerce:integrations-secret", args=["shopify"]), {"secret": "12345678abc"}
    )
    assert response.status_code == 403
    assert agent_client.post(reverse("commerce:integrations-api-key")).status_code == 403
    assert agent_client.get(reverse("commerce:import")).status_code == 403


def test_owner_sets_a_webhook_secret(staff_client, store):
    response = staff_client.post(
        reverse("commerce:integrations-secret", args=["woocommerce"]),
        {"secret": "  a-long-enough-secret  "},
    )

    assert response.status_code == 302
    assert core_queries.get_webhook_secret(store, "woocommerce").secret == "a-long-enough-secret"
    entry = AuditLog.objects.get(store=store)
    assert (entry.action, entry.target, entry.ip) == ("webhook_secret.set", "woocommerce", "127.0.0.1")
    assert "a-long-enough-secret" not in str(entry.detail)


def test_a_refused_webhook_secret_writes_no_audit_row(staff_client, store):
    staff_client.post(reverse("commerce:integrations-secret", args=["shopify"]), {"secret": "short"})

    assert not AuditLog.objects.filter(store=store).exists()


def test_a_short_webhook_secret_is_refused(staff_client, store):
    response = staff_client.post(
        reverse("commerce:integrations-secret", args=["shopify"]), {"secret": "short"}
    )

    assert response.status_code == 422
    assert core_queries.get_webhook_secret(store, "shopify") is None


def test_owner_lists_the_storefront_addresses_that_may_show_the_widget(staff_client, store):
    response = staff_client.post(
        reverse("commerce:integrations-storefront"),
        {"storefront_origins": "https://shop.example.com/\nhttps://www.shop.example.com"},
    )

    assert response.status_code == 302
    store.refresh_from_db()
    assert store.storefront_origin_list == ["https://shop.example.com", "https://www.shop.example.com"]
    page = staff_client.get(reverse("commerce:integrations")).content.decode()
    assert "https://www.shop.example.com</textarea>" in page


def test_a_bad_storefront_address_is_named_and_nothing_changes(staff_client, agent_client, store):
    response = staff_client.post(
        reverse("commerce:integrations-storefront"),
        {"storefront_origins": "https://ok.example\nhttps://x.example; script-src *"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "is not a storefront address" in page
    assert "script-src *</textarea>" in page  # what was typed stays in the box to fix
    assert (
        agent_client.post(
            reverse("commerce:integrations-storefront"), {"storefront_origins": "https://a.example"}
        ).status_code
        == 403
    )
    store.refresh_from_db()
    assert store.storefront_origins == ""


def test_creating_an_api_key_shows_the_raw_key_once(staff_client, store):
    before = ApiKey.objects.filter(store=store).count()

    response = staff_client.post(reverse("commerce:integrations-api-key"), {"name": "storefront"})

    assert response.status_code == 200
    key = ApiKey.objects.filter(store=store, name="storefront").get()
    assert ApiKey.objects.filter(store=store).count() == before + 1
    raw = response.context["new_key"]
    assert raw.startswith(f"cxk_{key.lookup}_")
    assert raw in response.text
    assert core_queries.get_store_for_api_key(raw) == store
    assert raw not in staff_client.get(reverse("commerce:integrations")).text


def test_import_page_renders_for_the_owner(staff_client):
    response = staff_client.get(reverse("commerce:import"))

    assert response.status_code == 200
    assert 'type="file"' in response.text
