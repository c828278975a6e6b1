"""What the customer and order pages show of the records platforms send.

A customers-only import keeps the platform's totals until cxloop holds the
orders; the default address, company, note and tax exemption come along;
orders carry whether their prices include tax, their shipping address and
method, and their summary adds up either way.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cxloop.commerce import queries, services
from cxloop.commerce.addresses import format_address
from cxloop.commerce.imports import import_shopify_customers, import_shopify_orders
from cxloop.commerce.integrations import ecwid_records
from cxloop.commerce.models import Customer, Order
from cxloop.commerce.tests.helpers import hmac_b64
from cxloop.core import services as core_services

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parent / "payloads"
CUSTOMERS = PAYLOADS / "shopify_csv" / "customers_export_history.csv"
ORDERS = PAYLOADS / "shopify_csv" / "orders_export_taxes.csv"
SECRET = "shpss_records_secret_0123456789"


def import_file(importer, store, path):
    with path.open("rb") as file:
        return importer(store=store, file=file)


def customer(store, email) -> Customer:
    return Customer.objects.get(store=store, email_key=email)


@pytest.fixture
def deliver(store):
    core_services.set_webhook_secret(store=store, platform="shopify", secret=SECRET)
    client = Client()

    def deliver(topic: str, name: str, *, event_id: str = "evt-records-1"):
        body = (PAYLOADS / "shopify" / f"{name}.json").read_bytes()
        return client.post(
            f"/webhooks/shopify/{store.slug}/",
            data=body,
            content_type="application/json",
            headers={
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, body),
                "X-Shopify-Event-Id": event_id,
            },
        )

    return deliver


# The platform's totals until the orders arrive ---------------------------------


def test_customers_import_keeps_shopify_totals_as_history_marked_as_such(store):
    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    assert (summary.created, summary.skipped) == (3, 0)
    anna = customer(store, "m.wojcik@example.pl")
    assert (anna.orders_count, anna.amount_spent, anna.facts_from_platform) == (12, Decimal("1234.00"), True)
    assert (anna.platform_orders_count, anna.platform_total_spent) == (12, Decimal("1234.00"))
    assert (anna.platform_totals_currency, anna.platform_totals_source) == ("PLN", "shopify")
    assert anna.platform_totals_at is not None
    assert (anna.first_order_at, anna.last_order_at) == (None, None)
    janis = customer(store, "janis.b@example.lv")
    assert (janis.orders_count, janis.amount_spent, janis.facts_from_platform) == (0, Decimal("0"), True)


def test_reimporting_the_customers_export_changes_nothing(store):
    import_file(import_shopify_customers, store, CUSTOMERS)
    as_of = customer(store, "m.wojcik@example.pl").platform_totals_at

    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    assert (summary.created, summary.updated, summary.skipped) == (0, 0, 0)
    assert customer(store, "m.wojcik@example.pl").platform_totals_at == as_of


def test_imported_orders_replace_the_platform_history(store):
    # given customers known only from the customers export
    import_file(import_shopify_customers, store, CUSTOMERS)

    # when their orders are imported
    import_file(import_shopify_orders, store, ORDERS)

    # then cxloop's own figures win, and the platform's are kept aside
    anna = customer(store, "m.wojcik@example.pl")
    assert (anna.orders_count, anna.amount_spent, anna.facts_from_platform) == (1, Decimal("84.60"), False)
    assert anna.first_order_at is not None
    assert anna.platform_orders_count == 12
    janis = customer(store, "janis.b@example.lv")
    assert janis.facts_from_platform is True


def test_the_most_spent_sort_counts_the_platform_history(store):
    import_file(import_shopify_customers, store, CUSTOMERS)

    ordered = [c.email for c in queries.list_customers(store, sort="spent")]

    assert ordered == ["m.wojcik@example.pl", "wang.wei@example.cn", "janis.b@example.lv"]


def test_customer_pages_mark_the_platform_history(store, staff_client):
    import_file(import_shopify_customers, store, CUSTOMERS)
    anna = customer(store, "m.wojcik@example.pl")

    detail = staff_client.get(reverse("commerce:customer-detail", args=[anna.pk])).content.decode()
    listing = staff_client.get(reverse("commerce:customer-list")).content.decode()

    assert 'id="platform-history"' in detail
    assert "12 orders · " in detail and "1,234.00 PLN" in detail
    assert "as Shopify counted them" in detail
    assert listing.count("from Shopify") == 3


def test_the_marker_disappears_once_orders_are_imported(store, staff_client):
    import_file(import_shopify_customers, store, CUSTOMERS)
    import_file(import_shopify_orders, store, ORDERS)
    anna = customer(store, "m.wojcik@example.pl")

    detail = staff_client.get(reverse("commerce:customer-detail", args=[anna.pk])).content.decode()

    assert 'id="platform-history"' not in detail
    assert "as Shopify counted them" not in detail


def test_customer_webhook_keeps_orders_count_and_total_spent(deliver, store):
    response = deliver("customers/update", "customers_update_history")

    assert response.status_code == 200, response.content
    wang = customer(store, "wang.wei@example.cn")
    assert (wang.orders_count, wang.amount_spent, wang.facts_from_platform) == (12, Decimal("1234.00"), True)
    assert wang.platform_totals_at.isoformat() == "2026-09-20T02:00:00+00:00"


def test_platform_totals_in_another_currency_count_orders_but_add_no_amount(store):
    with transaction.atomic():
        data = json.loads((PAYLOADS / "shopify" / "customers_update_history.json").read_text())
        data["currency"] = "EUR"
        from cxloop.commerce.integrations import shopify

        services.upsert_customer(store=store, platform="shopify", data=shopify.parse_customer(data))

    wang = customer(store, "wang.wei@example.cn")
    assert (wang.orders_count, wang.amount_spent) == (12, Decimal("0"))
    assert (wang.platform_total_spent, wang.platform_totals_currency) == (Decimal("1234.00"), "EUR")


# Address, company, note, tax exemption ------------------------------------------


def test_customers_import_keeps_address_company_note_and_tax_exemption(store):
    import_file(import_shopify_customers, store, CUSTOMERS)

    anna = customer(store, "m.wojcik@example.pl")
    assert anna.company == "Pracownia Ceramiki Sp. z o.o."
    assert anna.address == {
        "address1": "ul. Piotrkowska 104/7", "city": "Łódź", "zip": "90-006", "country": "PL",
    }  # fmt: skip
    assert anna.note == "Zamawia na firmę, faktura VAT.\nDzwonić po 16:00."
    assert anna.tax_exempt is False
    wang = customer(store, "wang.wei@example.cn")
    assert wang.company == "深圳市海风贸易有限公司"
    assert wang.address == {
        "address1": "南山区科技园科苑路15号", "address2": "8栋1201室", "city": "深圳市",
        "province": "GD", "zip": "518057", "country": "CN",
    }  # fmt: skip
    assert wang.tax_exempt is True


def test_customer_webhook_keeps_default_address_note_and_tax_exemption(deliver, store):
    deliver("customers/update", "customers_update_history")

    wang = customer(store, "wang.wei@example.cn")
    assert wang.company == "深圳市海风贸易有限公司"
    assert wang.address["city"] == "深圳市" and wang.address["province"] == "广东省"
    assert wang.note == "Prefers WeChat.\n<script>alert('note')</script>"
    assert wang.tax_exempt is True


def test_customer_page_shows_company_address_note_and_tax_exemption(store, staff_client):
    import_file(import_shopify_customers, store, CUSTOMERS)
    anna = customer(store, "m.wojcik@example.pl")

    page = staff_client.get(reverse("commerce:customer-detail", args=[anna.pk])).content.decode()

    assert "<bdi>Pracownia Ceramiki Sp. z o.o.</bdi>" in page
    assert "<bdi>ul. Piotrkowska 104/7</bdi><br><bdi>90-006 Łódź</bdi>" in page
    assert "Zamawia na firmę, faktura VAT.<br>Dzwonić po 16:00." in page
    assert "Tax exempt" not in page


def test_a_note_with_a_script_tag_is_shown_as_text(store, staff_client):
    import_file(import_shopify_customers, store, CUSTOMERS)
    wang = customer(store, "wang.wei@example.cn")

    page = staff_client.get(reverse("commerce:customer-detail", args=[wang.pk])).content.decode()

    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; VIP" in page
    assert "<script>alert(" not in page
    assert "Tax exempt" in page
    # A Chinese address: province and city run together, from the province down.
    assert (
        "<bdi>518057</bdi><br><bdi>GD深圳市</bdi><br><bdi>南山区科技园科苑路15号</bdi><br><bdi>8栋1201室</bdi>"
    ) in page


# Taxes included, shipping address and method -------------------------------------


def test_polish_order_with_vat_included_adds_up_and_says_incl_vat(deliver, store, staff_client):
    deliver("orders/create", "orders_create_vat_included")
    order = Order.objects.get(store=store, number="#1050")

    summary = queries.build_order_summary(order)
    page = staff_client.get(reverse("commerce:order-detail", args=[order.pk])).content.decode()

    assert order.taxes_included is True
    assert (summary.subtotal, summary.discount, summary.shipping, summary.total) == (
        Decimal("78.00"), Decimal("7.80"), Decimal("14.40"), Decimal("84.60"),
    )  # fmt: skip
    assert summary.subtotal - summary.discount + summary.shipping == summary.total
    assert summary.other == 0
    assert '<dt>incl. VAT</dt><dd><span class="money" dir="ltr">15.82 PLN</span></dd>' in page
    assert "<dt>Tax</dt>" not in page
    assert "Other charges" not in page


def test_us_order_with_sales_tax_shows_the_tax_as_a_line_that_adds_up(deliver, store, staff_client):
    deliver("orders/create", "orders_create_sales_tax")
    order = Order.objects.get(store=store, number="#1051")

    summary = queries.build_order_summary(order)
    page = staff_client.get(reverse("commerce:order-detail", args=[order.pk])).content.decode()

    assert order.taxes_included is False
    assert summary.subtotal - summary.discount + summary.shipping + summary.tax == summary.total
    assert (summary.subtotal, summary.tax, summary.total) == (
        Decimal("75.00"), Decimal("6.21"), Decimal("84.21"),
    )  # fmt: skip
    assert '<dt>Tax</dt><dd><span class="money" dir="ltr">6.21 USD</span></dd>' in page
    assert "incl. VAT" not in page


def test_order_page_shows_shipping_address_and_method(deliver, store, staff_client):
    deliver("orders/create", "orders_create_vat_included")
    order = Order.objects.get(store=store, number="#1050")

    page = staff_client.get(reverse("commerce:order-detail", args=[order.pk])).content.decode()

    assert order.shipping_method == "InPost Paczkomat 24/7"
    assert order.shipping_address == {
        "name": "Zofia Żółkiewska", "address1": "ul. Świętokrzyska 12 m. 4", "city": "Łódź",
        "province": "Łódzkie", "zip": "90-001", "country": "PL", "phone": "+48 501 234 567",
    }  # fmt: skip
    assert '<p id="shipping-method"><bdi>InPost Paczkomat 24/7</bdi></p>' in page
    assert (
        "<bdi>Zofia Żółkiewska</bdi><br><bdi>ul. Świętokrzyska 12 m. 4</bdi><br>"
        "<bdi>90-001 Łódź</bdi><br><bdi>Poland</bdi>"
    ) in page


def test_us_shipping_address_puts_state_and_zip_after_the_city(deliver, store):
    deliver("orders/create", "orders_create_sales_tax")
    order = Order.objects.get(store=store, number="#1051")

    assert format_address(order.shipping_address) == [
        "Jordan Lee", "Lee & Daughters", "350 5th Ave", "Suite 4100", "New York New York 10118",
        "United States",
    ]  # fmt: skip


def test_orders_export_infers_taxes_included_and_keeps_shipping(store):
    import_file(import_shopify_orders, store, ORDERS)

    orders = {o.number: o for o in Order.objects.filter(store=store)}
    assert {n: o.taxes_included for n, o in orders.items()} == {"#2001": True, "#2002": False, "#2003": True}
    assert orders["#2001"].subtotal == Decimal("70.20")
    assert orders["#2001"].shipping_method == "InPost Paczkomat 24/7"
    assert orders["#2001"].shipping_address == {
        "name": "Małgorzata Wójcik", "address1": "ul. Piotrkowska 104/7", "city": "Łódź",
        "zip": "90-006", "country": "PL", "phone": "+48601222333",
    }  # fmt: skip
    assert orders["#2003"].shipping_address["province"] == "广东省"
    for order in orders.values():
        summary = queries.build_order_summary(order)
        assert summary.other == 0, order.number


@pytest.mark.parametrize(
    ("subtotal", "discount", "shipping", "tax", "total", "flag", "expected"),
    [
        # Subtotal after discounts (Shopify): VAT included / sales tax added.
        ("70.20", "7.80", "14.40", "15.82", "84.60", "", (Decimal("70.20"), True)),
        ("70.00", "5.00", "8.00", "6.21", "84.21", "", (Decimal("70.00"), False)),
        # A subtotal written before discounts is moved after them.
        ("78.00", "7.80", "14.40", "15.82", "84.60", "", (Decimal("70.20"), True)),
        ("75.00", "5.00", "8.00", "6.21", "84.21", "", (Decimal("70.00"), False)),
        # No tax: nothing is included.
        ("50.00", "", "0.00", "0.00", "50.00", "", (Decimal("50.00"), False)),
        # A "Taxes Included" column wins over the arithmetic.
        ("70.00", "", "0.00", "0.00", "70.00", "yes", (Decimal("70.00"), True)),
        # Nothing adds up: the tax counts as added.
        ("10.00", "", "0.00", "1.00", "99.00", "", (Decimal("10.00"), False)),
    ],
)
def test_orders_export_reads_taxes_included_off_the_arithmetic(
    subtotal, discount, shipping, tax, total, flag, expected
):  # noqa: E501
    from cxloop.commerce.imports.reading import Row
    from cxloop.commerce.imports.shopify_orders import _subtotal_and_taxes_included

    row = Row(2, {"taxes_included": flag})
    money = [Decimal(v or "0") for v in (subtotal, discount, shipping, tax, total)]

    assert _subtotal_and_taxes_included(row, *money) == expected


def test_ecwid_order_carries_prices_include_tax_shipping_person_and_option():
    data = json.loads((PAYLOADS / "ecwid" / "api_order_XJ12H.json").read_text())

    order = ecwid_records.parse_order(data, "PLN")

    assert (order.taxes_included, order.subtotal, order.shipping, order.total) == (
        True, Decimal("227.00"), Decimal("19.00"), Decimal("246.00"),
    )  # fmt: skip
    assert order.shipping_method == "Kurier DPD"
    assert order.shipping_address == {
        "name": "Małgorzata Wójcik", "address1": "ul. Piotrkowska 104/7", "city": "Łódź",
        "zip": "90-006", "country": "PL", "phone": "+48 601 222 333",
    }  # fmt: skip


def test_erasure_removes_the_shipping_address(deliver, store):
    deliver("orders/create", "orders_create_vat_included")
    order = Order.objects.get(store=store, number="#1050")

    services.erase_customer(store=store, customer=order.customer)

    order.refresh_from_db()
    assert (order.shipping_address, order.customer_id, order.email) == ({}, None, "")
    assert order.shipping_method == "InPost Paczkomat 24/7"  # not personal; kept with the amounts


def test_another_stores_order_page_is_404(other_store, store, deliver):
    deliver("orders/create", "orders_create_vat_included")
    order = Order.objects.get(store=store, number="#1050")
    from cxloop.testing.fixtures import make_staff

    client = Client()
    client.force_login(make_staff(other_store))

    assert client.get(reverse("commerce:order-detail", args=[order.pk])).status_code == 404


def test_a_shopify_order_without_the_flag_reads_it_off_the_arithmetic(deliver, store, staff_client):
    # The captured orders/create leaves taxes_included out: 240.00 + 19.00 = 259.00 with 48.43 tax.
    deliver("orders/create", "orders_create")
    order = Order.objects.get(store=store, number="#1042")

    summary = queries.build_order_summary(order)

    assert order.taxes_included is True
    assert (summary.subtotal, summary.discount, summary.other) == (Decimal("264.00"), Decimal("24.00"), 0)
