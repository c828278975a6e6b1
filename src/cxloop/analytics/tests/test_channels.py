"""Revenue by channel: the order's UTM source, else its referrer's host, else the platform's channel."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import build_channels, close_database_backend, database_backend
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Order

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def orders(store):
    for n, (total, fields) in enumerate([
        ("100.00", {"utm_source": " Google ", "referrer": "https://www.instagram.com/p/1"}),
        ("50.00", {"utm_source": "google"}),
        ("40.00", {"referrer": "https://www.instagram.com/p/2?igsh=ania"}),
        ("30.00", {"source_channel": "pos"}),
        ("20.00", {}),
        ("10.00", {"referrer": "not a url"}),
    ]):  # fmt: skip
        Order.objects.create(
            store=store, platform="shopify", external_id=str(n), number=f"#{n}", currency="PLN",
            total=Decimal(total), created_at=datetime(2026, 12, 1, 10, tzinfo=UTC), **fields,
        )  # fmt: skip
    return store


EXPECTED = [
    ("google", 2, Decimal("150.00"), Decimal("60.0")),
    ("instagram.com", 1, Decimal("40.00"), Decimal("16.0")),
    ("direct", 2, Decimal("30.00"), Decimal("12.0")),
    ("pos", 1, Decimal("30.00"), Decimal("12.0")),
]


def rows(channels) -> list:
    return sorted(((c.name, c.orders, c.net, c.share) for c in channels), key=lambda r: (-r[2], r[0]))


def test_each_order_counts_for_its_last_touch(orders):
    sync_warehouse(now=NOW)

    assert rows(build_channels(orders, days=7, now=NOW)) == EXPECTED


def test_on_postgresql_the_database_gives_the_same_channels(orders):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        direct = build_channels(
            orders, days=7, now=NOW, backend=backend, tables=metrics.database_tables(backend)
        )
    finally:
        close_database_backend()

    assert rows(direct) == EXPECTED


def test_on_spark_the_same_definitions_give_the_same_channels(orders, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    assert rows(build_channels(orders, days=7, now=NOW, backend=backend, tables=tables)) == EXPECTED
