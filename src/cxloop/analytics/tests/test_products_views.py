"""The reports page's "Products" card and its CSV: this store's sales only, the empty state, safe CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import LineItem, Order, Product

pytestmark = pytest.mark.django_db


def sell(store, n, days_ago, lines):
    """An order placed `days_ago` days ago of (product, quantity, price, discount) lines."""
    placed = Order.objects.create(
        store=store, platform="shopify", external_id=str(n), number=f"#{n}", currency=store.currency,
        total=Decimal("1"), created_at=timezone.now() - timedelta(days=days_ago, hours=1),
    )  # fmt: skip
    for item, quantity, price, discount in lines:
        LineItem.objects.create(
            store=store, order=placed, product=item, title=item.title, quantity=quantity,
            price=Decimal(price), total_discount=Decimal(discount),
        )  # fmt: skip


def product(store, n, title, product_type=""):
    return Product.objects.create(
        store=store, platform="shopify", external_id=str(n), title=title, product_type=product_type
    )


@pytest.fixture
def sales(store, other_store):
    shirt = product(store, 1, "Linen shirt", "Shirts")
    trick = product(store, 2, '=HYPERLINK("http://evil.example","x")')  # no type
    sell(store, 1, 0, [(shirt, 2, "100.00", "20.00"), (trick, 1, "5.00", "0")])
    sell(store, 2, 1, [(shirt, 1, "100.00", "0")])
    sell(store, 3, 10, [(shirt, 1, "90.00", "0")])  # the week before
    secret = product(other_store, 3, "Other shop's secret", "Secrets")
    sell(other_store, 4, 0, [(secret, 1, "777.00", "0")])
    sync_warehouse()
    return store


def text(response) -> str:
    return response.content.decode().replace("\u00a0", " ")


def test_the_card_shows_this_stores_sales_by_product_and_type_beside_the_week_before(agent_client, sales):
    html = text(agent_client.get(reverse("analytics:dashboard"), {"days": "7"}))

    card = html[html.index('id="products-title"') : html.index('id="voice-title"')]
    # the shirt: 2 orders, 3 units, 2 × 100 − 20 + 100 = 280.00; 90.00 the week before
    assert "<bdi>Linen shirt</bdi>" in card and "280.00" in card and "90.00" in card
    assert "<bdi>Shirts</bdi>" in card and "No type" in card and "5.00" in card
    assert "&quot;http://evil.example&quot;" in card  # the title as text, escaped
    assert "secret" not in html and "Secrets" not in html and "777" not in html
    assert reverse("analytics:products-csv") + "?days=7" in card


def test_a_period_without_sales_says_so(staff_client, store, other_store):
    sell(other_store, 1, 0, [(product(other_store, 1, "Hat", "Hats"), 1, "9.00", "0")])
    sync_warehouse()

    html = text(staff_client.get(reverse("analytics:dashboard"), {"days": "7"}))

    assert "No products sold in this period." in html and "Hat" not in html


def test_the_csv_holds_both_tables_and_a_formula_in_a_title_comes_out_as_text(staff_client, sales):
    response = staff_client.get(reverse("analytics:products-csv"), {"days": "7"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert response["Content-Type"].startswith("text/csv")
    assert rows == [
        ["Table", "Name", "Orders", "Units", "Sales (PLN)", "Days before (PLN)"],
        ["Product", "Linen shirt", "2", "3", "280.00", "90.00"],
        ["Product", '\'=HYPERLINK("http://evil.example","x")', "1", "1", "5.00", "0.00"],
        ["Product type", "Shirts", "2", "3", "280.00", "90.00"],
        ["Product type", "No type", "1", "1", "5.00", "0.00"],
    ]
    assert staff_client.get(reverse("analytics:products-csv"), {"days": "9"}).status_code == 400
