"""The dashboard's numbers against answers worked out by hand, on DuckDB and on PostgreSQL alike."""

import logging
from datetime import UTC, datetime
from decimal import Decimal

import ibis
import pytest
import time_machine
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import (
    build_churn,
    build_cohorts,
    build_dashboard,
    close_database_backend,
    database_backend,
)
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Event, Order

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL is read by its own connection

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def customer(store, name):
    return Customer.objects.create(
        store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", first_name=name,
        created_at=at("2026-01-01T00:00"), updated_at=at("2026-01-01T00:00"),
    )  # fmt: skip


def order(store, who, when, total, *, refunded="0", cancelled=False):
    order.n += 1
    return Order.objects.create(
        store=store, customer=who, platform="shopify", external_id=str(order.n), number=f"#{order.n}",
        currency="PLN", total=Decimal(total), refunded_amount=Decimal(refunded), created_at=at(when),
        cancelled_at=at(when) if cancelled else None,
    )  # fmt: skip


order.n = 0


def event(store, session, kind, when, who=None):
    event.n += 1
    Event.objects.create(
        store=store, event_id=f"e{event.n}", type=kind, session_id=session, anonymous_id=f"a-{session}",
        customer=who, occurred_at=at(when), received_at=at(when),
    )  # fmt: skip


event.n = 0


@pytest.fixture
def shop(store, other_store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    ania, ben, chen, dana = (customer(store, name) for name in ("ania", "ben", "chen", "dana"))
    order(store, ania, "2026-10-01T10:00", "100.00")  # before both periods
    order(store, ania, "2026-11-28T10:00", "50.00", refunded="10.00")
    order(store, ben, "2026-11-29T12:00", "80.00")  # ben's first: new
    order(store, ben, "2026-12-01T09:00", "20.00")
    order(store, chen, "2026-11-21T10:00", "40.00")  # the previous period
    order(store, chen, "2026-12-02T15:00", "60.00", cancelled=True)
    order(store, None, "2026-11-30T08:00", "30.00")  # a guest
    order(store, dana, "2026-11-26T23:30", "25.00")  # 00:30 on 27 November in Warsaw: inside
    order(store, dana, "2026-12-03T23:10", "999.00")  # 00:10 on 4 December in Warsaw: tomorrow
    order(other_store, None, "2026-11-29T12:00", "5000.00")
    for kind in metrics.FUNNEL_STEPS:
        event(store, "s1", kind, "2026-11-29T11:00", ben)
    event(store, "s2", "page_view", "2026-11-30T10:00")
    event(store, "s2", "product_view", "2026-11-30T10:01")
    event(store, "s3", "page_view", "2026-12-01T10:00", chen)
    event(store, "s4", "page_view", "2026-11-22T10:00")  # the previous period
    return store


EXPECTED = {
    "net": (Decimal("195.00"), Decimal("40.00")),
    "orders": (5, 1),
    "average_order": (Decimal("41.00"), Decimal("40.00")),
    "new_customers": (2, 1),  # ben and dana; chen before
    "returning_rate": (Decimal("33.3"), Decimal("0.0")),  # ania of ania, ben, dana
    "repeat_rate": (Decimal("66.7"), Decimal("0.0")),  # ania and ben have two orders by the end
    "active_customers": (4, 1),  # ania, ben, dana ordered; chen browsed
    "conversion": (Decimal("33.3"), Decimal("0.0")),  # 1 order_placed session of 3 page_view sessions
}
DAYS = ["25.00", "40.00", "80.00", "30.00", "20.00", "0", "0"]  # 27 November to 3 December, Warsaw days


COHORTS = [  # newest first; per month since the first order: (% of the cohort who ordered, net)
    ("2026-12-01", 0, [(None, Decimal(0)), None, None]),
    ("2026-11-01", 3, [(Decimal("100.0"), Decimal("145.00")), (Decimal("66.7"), Decimal("1019.00")), None]),
    ("2026-10-01", 1, [(Decimal("100.0"), Decimal("100.00")), (Decimal("100.0"), Decimal("40.00")),
                       (Decimal("0.0"), Decimal(0))]),
]  # fmt: skip


def cohort_rows(cohorts) -> list:
    return [(str(row.month), row.customers, row.cells) for row in cohorts.rows]


def figures(report) -> dict:
    return {name: (getattr(report, name).current, getattr(report, name).previous) for name in EXPECTED}


def test_the_dashboard_from_the_warehouse_matches_the_hand_computed_answers(shop):
    sync_warehouse(now=NOW)

    report = build_dashboard(shop, days=7, now=NOW)

    assert figures(report) == EXPECTED
    assert [str(day.day) for day in report.days] == [f"2026-11-{d}" for d in (27, 28, 29, 30)] + [
        "2026-12-01", "2026-12-02", "2026-12-03",
    ]  # fmt: skip
    assert [day.net for day in report.days] == [Decimal(n) for n in DAYS]
    assert cohort_rows(build_cohorts(shop, months=3, now=NOW)) == COHORTS
    assert [(step, sessions) for step, sessions, _share in report.funnel] == [
        ("page_view", 3), ("product_view", 2), ("add_to_cart", 1), ("checkout_started", 1),
        ("order_placed", 1),
    ]  # fmt: skip


def test_the_same_definitions_on_postgresql_give_the_same_answers(shop):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    sync_warehouse(now=NOW)
    backend = database_backend()  # its own connection, in UTC whatever the server's zone
    tables = metrics.database_tables(backend)
    try:
        direct = build_dashboard(shop, days=7, now=NOW, backend=backend, tables=tables)
        direct_cohorts = build_cohorts(shop, months=3, now=NOW, backend=backend, tables=tables)
    finally:
        close_database_backend()
    warehouse = build_dashboard(shop, days=7, now=NOW)

    assert figures(direct) == figures(warehouse) == EXPECTED
    assert [day.net for day in direct.days] == [day.net for day in warehouse.days]
    assert cohort_rows(direct_cohorts) == cohort_rows(build_cohorts(shop, months=3, now=NOW)) == COHORTS


def test_a_small_install_reads_the_reports_straight_from_postgresql_without_a_warehouse(
    shop, settings, owner
):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    from django.test import Client

    settings.CXLOOP_ANALYTICS_ENGINE = "database"
    client = Client()
    client.force_login(owner)

    try:
        with time_machine.travel(NOW, tick=False):
            report = build_dashboard(shop, days=7)
            page = client.get("/analytics/", {"days": "7"})
    finally:
        close_database_backend()

    assert figures(report) == EXPECTED
    assert page.status_code == 200 and "195.00" in page.content.decode().replace("\u00a0", " ")
    assert not settings.CXLOOP_WAREHOUSE_PATH.exists()  # no warehouse was needed


@pytest.fixture(scope="module")
def spark():
    """Spark in local mode (one thread, no UI), as a big install would point Ibis at a cluster."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]").appName("cxloop-metrics")
        .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )  # fmt: skip
    session.sparkContext.setLogLevel("ERROR")
    # py4j logs "Closing down" from __del__ at exit, after pytest has closed the streams it captured.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    yield session
    session.stop()


def warehouse_on_spark(spark, tmp_path, now: datetime):
    """Sync the warehouse, hand its tables (the rollups too) to Spark as Parquet files; (backend, tables)
    on Spark."""
    from cxloop.analytics.warehouse import reading

    sync_warehouse(now=now)
    names = metrics.WAREHOUSE_TABLES + metrics.ROLLUP_TABLES
    with reading() as con:
        for name in names:
            con.execute(f"COPY {name} TO '{tmp_path / name}.parquet' (FORMAT parquet)")
    for name in names:
        spark.read.parquet(str(tmp_path / f"{name}.parquet")).createOrReplaceTempView(name)
    backend = ibis.pyspark.connect(spark)
    return backend, metrics.warehouse_tables(backend)


def test_the_same_definitions_on_spark_give_the_same_answers(shop, spark, tmp_path):
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)
    assert tables.customer_orders is not None and tables.session_days is not None  # as the sync kept them

    on_spark = build_dashboard(shop, days=7, now=NOW, backend=backend, tables=tables)

    assert figures(on_spark) == EXPECTED
    assert cohort_rows(build_cohorts(shop, months=3, now=NOW, backend=backend, tables=tables)) == COHORTS
    assert [day.net for day in on_spark.days] == [Decimal(n) for n in DAYS]
    churn, spark_churn = (
        build_churn(shop, now=NOW),
        build_churn(shop, now=NOW, backend=backend, tables=tables),
    )
    assert (spark_churn.gaps, spark_churn.buyers, spark_churn.churned) == (
        churn.gaps,
        churn.buyers,
        churn.churned,
    )
    assert (churn.gaps, churn.buyers, churn.churned) == (2, 4, 0)  # ania and ben ordered twice
