"""Sales by product and product type; the line items and products in the warehouse.

The same hand-computed answers from the warehouse (DuckDB), from PostgreSQL directly and on Spark.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from cxloop.analytics import metrics
from cxloop.analytics.products import build_products
from cxloop.analytics.reports import close_database_backend, database_backend
from cxloop.analytics.sync import sync_warehouse
from cxloop.analytics.warehouse import reading, writing
from cxloop.commerce.models import Customer, LineItem, Order, Product
from cxloop.commerce.records import LineData, OrderData
from cxloop.commerce.services.erasure import erase_customer, erase_store_data
from cxloop.commerce.services.orders import remove_order, upsert_order

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the 7-day period: 27 November to 3 December (UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def product(store, title, product_type=""):
    product.n += 1
    return Product.objects.create(
        store=store, platform="shopify", external_id=f"p{product.n}", title=title, product_type=product_type
    )


product.n = 0


def order(store, when, lines, **fields):
    """An order of (product or None, quantity, price, discount) lines; its total is theirs."""
    order.n += 1
    total = sum(
        (Decimal(price) * quantity - Decimal(discount) for _p, quantity, price, discount in lines), Decimal(0)
    )
    placed = Order.objects.create(
        store=store, platform="shopify", external_id=str(order.n), number=f"#{order.n}",
        currency=store.currency, total=total, created_at=at(when), **fields,
    )  # fmt: skip
    for item, quantity, price, discount in lines:
        LineItem.objects.create(
            store=store, order=placed, product=item, title=item.title if item else "Engraving for Ania",
            quantity=quantity, price=Decimal(price), total_discount=Decimal(discount),
        )  # fmt: skip
    return placed


order.n = 0


@pytest.fixture
def shop(store, other_store):
    shirt, socks = product(store, "Linen shirt", "Shirts"), product(store, "Wool socks", " Socks ")
    card = product(store, "Gift card", " ")  # a blank type: no type
    mugs = [product(store, f"Mug {n}", "Mugs") for n in range(1, 11)]
    order(store, "2026-11-10T10:00", [(shirt, 1, "100.00", "0")])  # before both periods
    # the previous period (20 to 26 November)
    order(
        store,
        "2026-11-22T10:00",
        [(shirt, 1, "90.00", "0"), (mugs[2], 2, "3.00", "0"), (socks, 1, "30.00", "5")],
    )
    # this period
    order(store, "2026-11-28T10:00", [(shirt, 2, "100.00", "20.00"), (socks, 1, "30.00", "0")])
    order(store, "2026-11-29T10:00", [(shirt, 1, "100.00", "0"), (card, 1, "50.00", "0")])
    order(store, "2026-11-30T10:00", [(shirt, 5, "100.00", "0")], cancelled_at=at("2026-11-30T11:00"))
    order(
        store,
        "2026-12-01T10:00",
        [*((mug, 1, f"{n}.00", "0") for n, mug in enumerate(mugs, 1)), (None, 1, "0.50", "0")],
    )
    order(store, "2026-12-02T10:00", [(socks, 3, "30.00", "0"), (mugs[0], 1, "1.00", "0")])
    secret = product(other_store, "Other shop's secret", "Secrets")
    order(other_store, "2026-12-01T10:00", [(secret, 1, "5000.00", "0")])
    return store


# (title or key, orders, units, net, previous); "Other": Mug 3 (3.00), Mug 1 (2.00), Mug 2 (2.00), the line
# with no product (0.50): 5 units in two orders; the week before, of them, Mug 3 (6.00).
BY_PRODUCT = [
    ("Linen shirt", 2, 3, "280.00", "90.00"),
    ("Wool socks", 2, 4, "120.00", "25.00"),
    ("Gift card", 1, 1, "50.00", "0.00"),
    *((f"Mug {n}", 1, 1, f"{n}.00", "0.00") for n in range(10, 3, -1)),
    ("Other", 2, 5, "7.50", "6.00"),
]
BY_TYPE = [
    ("Shirts", 2, 3, "280.00", "90.00"),
    ("Socks", 2, 4, "120.00", "25.00"),
    ("Mugs", 2, 11, "56.00", "6.00"),
    ("", 2, 2, "50.50", "0.00"),  # the gift card and the line with no product
]


def table(rows, *, by_type=False) -> list:
    return [
        (
            "Other" if row.other else (row.key if by_type else row.title),
            row.orders,
            row.units,
            str(row.net),
            None if row.previous is None else str(row.previous),
        )  # fmt: skip
        for row in rows
    ]


def check(report):
    assert table(report.by_product) == BY_PRODUCT
    assert (report.by_product[-1].groups, report.by_product[-1].title) == (4, None)
    assert table(report.by_type, by_type=True) == BY_TYPE


def test_sales_by_product_and_type_rank_the_top_ten_and_sum_the_rest(shop):
    sync_warehouse(now=NOW)

    check(build_products(shop, days=7, now=NOW))


def test_a_period_with_sales_before_it_only_shows_no_previous_and_one_without_sales_is_empty(shop):
    sync_warehouse(now=NOW)

    previous_week = build_products(shop, days=7, now=at("2026-11-26T12:00"))
    assert table(previous_week.by_product) == [
        ("Linen shirt", 1, 1, "90.00", None),
        ("Wool socks", 1, 1, "25.00", None),
        ("Mug 3", 1, 2, "6.00", None),
    ]
    assert not build_products(shop, days=7, now=at("2026-11-05T12:00")).sold


def test_on_postgresql_the_database_gives_the_same_answers(shop):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        report = build_products(
            shop, days=7, now=NOW, backend=backend, tables=metrics.database_tables(backend)
        )
    finally:
        close_database_backend()

    check(report)


def test_on_spark_the_same_definitions_give_the_same_answers(shop, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    check(build_products(shop, days=7, now=NOW, backend=backend, tables=tables))


def warehouse(sql: str, params=()):
    with reading() as con:
        return con.execute(sql, list(params)).fetchall()


def lines_of(store, external_id: str, *lines: tuple) -> OrderData:
    return OrderData(
        external_id=external_id, number=f"#{external_id}", currency="PLN", total=Decimal("100.00"),
        created_at=at("2026-12-01T10:00"), email="ania@example.pl",
        lines=[
            LineData(title=title, quantity=quantity, price=Decimal(price), product_external_id=title.lower())
            for title, quantity, price in lines
        ],
    )  # fmt: skip


def test_line_items_come_with_their_order_and_follow_its_changes_and_its_removal(store, other_store):
    with transaction.atomic():
        upsert_order(store=store, platform="shopify", data=lines_of(store, "1", ("Shirt", 2, "40.00")))
        upsert_order(
            store=other_store, platform="shopify", data=lines_of(other_store, "1", ("Hat", 1, "9.00"))
        )
    sync_warehouse()
    shirt = Product.objects.get(store=store, title="Shirt")
    first = Order.objects.get(store=store)
    copied = "SELECT store_id, order_id, product_id, quantity, price FROM line_items WHERE store_id = ?"
    assert warehouse(copied, [store.pk]) == [(store.pk, first.pk, shirt.pk, 2, Decimal("40.00"))]
    assert warehouse(
        "SELECT id, title, product_type, vendor FROM products WHERE store_id = ?", [store.pk]
    ) == [(shirt.pk, "Shirt", "", "")]
    columns = {
        row[0]
        for row in warehouse(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'line_items'"
        )
    }
    assert "title" not in columns and "sku" not in columns  # a line's own words stay out

    with transaction.atomic():  # the platform's update: the shirt line goes, two others come
        upsert_order(
            store=store,
            platform="shopify",
            data=lines_of(store, "1", ("Socks", 1, "10.00"), ("Hat", 3, "5.00")),
        )
    sync_warehouse()
    assert sorted(warehouse("SELECT quantity, price FROM line_items WHERE store_id = ?", [store.pk])) == [
        (1, Decimal("10.00")), (3, Decimal("5.00")),
    ]  # fmt: skip

    with transaction.atomic():
        remove_order(store=store, platform="shopify", external_id="1")
    sync_warehouse()
    assert warehouse("SELECT count(*) FROM line_items WHERE store_id = ?", [store.pk]) == [(0,)]
    assert warehouse("SELECT count(*) FROM line_items WHERE store_id = ?", [other_store.pk]) == [(1,)]

    erase_store_data(store=other_store)
    sync_warehouse()
    assert warehouse("SELECT count(*) FROM line_items") == [(0,)]
    assert warehouse("SELECT store_id FROM products") == [(store.pk,)] * 3  # the shirt, socks and hat


def test_an_erased_customers_orders_keep_their_lines_which_name_no_one(store):
    ania = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", created_at=NOW, updated_at=NOW
    )
    shirt = product(store, "Linen shirt", "Shirts")
    order(store, "2026-12-01T10:00", [(shirt, 1, "80.00", "0")], customer=ania)
    sync_warehouse(now=NOW)

    erase_customer(store=store, customer=ania)
    sync_warehouse(now=NOW)

    assert warehouse("SELECT count(*) FROM customers") == [(0,)]
    assert warehouse("SELECT customer_id FROM orders") == [(None,)]
    assert table(build_products(store, days=7, now=NOW).by_product) == [("Linen shirt", 1, 1, "80.00", None)]


def test_a_warehouse_from_before_line_items_and_products_gets_them_all_at_its_next_sync(shop):
    sync_warehouse(now=NOW)
    with writing() as con:  # as an earlier version left it: no line items, no products
        con.execute("DROP TABLE line_items")
        con.execute("DROP TABLE products")
    assert not build_products(shop, days=7, now=NOW).sold  # read before the next sync: no sales yet

    sync_warehouse(now=NOW)  # no order or product changed since the last sync

    check(build_products(shop, days=7, now=NOW))
    assert warehouse("SELECT count(*) FROM line_items") == [(LineItem.objects.count(),)]
    assert warehouse("SELECT count(*) FROM products") == [(Product.objects.count(),)]
