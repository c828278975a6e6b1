"""The demo store's line items reach the "Products" card: its catalogue's products and types."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from cxloop.analytics.products import build_products
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import LineItem
from cxloop.demo.catalogue import RANGES
from cxloop.demo.generator import generate_store

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 1)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_the_demo_stores_sales_show_by_product_and_by_its_catalogues_types(store):
    generate_store(store=store, customers=150, seed=7, today=TODAY)
    sync_warehouse(now=NOW)

    report = build_products(store, days=90, now=NOW)

    assert report.sold and {row.key for row in report.by_type} <= {name for name, *_rest in RANGES}
    assert all(row.title for row in report.by_product if not row.other)
    since = datetime(2025, 6, 2, tzinfo=UTC) - timedelta(days=90)
    lines = LineItem.objects.filter(
        store=store, order__cancelled_at__isnull=True, order__created_at__gte=since, order__created_at__lt=NOW
    ).values_list("price", "quantity", "total_discount")  # summed here: SQLite sums decimals as floats
    sold = {
        "net": sum((price * quantity - discount for price, quantity, discount in lines), Decimal(0)),
        "units": sum(quantity for _price, quantity, _discount in lines),
    }
    for rows in (report.by_product, report.by_type):
        assert sum((row.net for row in rows), Decimal(0)) == sold["net"]
        assert sum(row.units for row in rows) == sold["units"]
