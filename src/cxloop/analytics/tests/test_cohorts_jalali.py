"""Cohorts in the Solar Hijri months a Persian page reads in, against a hand count, on every engine."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from cxloop.analytics import metrics
from cxloop.analytics.reports import build_cohorts, close_database_backend, database_backend
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Order
from cxloop.core.formats import JALALI

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)  # 19 Azar 1405; Mehr, Aban and Azar are the last 3 months


@pytest.fixture
def tehran(store, other_store):
    store.timezone = "Asia/Tehran"  # UTC+03:30
    store.save(update_fields=["timezone"])

    def buyer(shop, name, *orders):
        who = Customer.objects.create(
            store=shop, email=f"{name}@example.com", email_key=f"{name}@example.com",
            created_at=datetime(2026, 1, 1, tzinfo=UTC), updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        for n, (when, total) in enumerate(orders):
            Order.objects.create(
                store=shop, customer=who, platform="shopify", external_id=f"{name}{n}", number=f"#{name}{n}",
                currency="IRR", total=Decimal(total), created_at=datetime.fromisoformat(when),
            )  # fmt: skip

    buyer(store, "ania", ("2026-10-25T10:00+00:00", "100.00"), ("2026-11-25T10:00+00:00", "40.00"))
    # 29 Aban at 23:50 in Tehran (20:20 UTC): Aban, though November; then 2 Azar
    buyer(store, "ben", ("2026-11-20T20:20+00:00", "30.00"), ("2026-11-23T10:00+00:00", "10.00"))
    # 1 Azar at 00:10 in Tehran is still 21 November in UTC: Azar
    buyer(store, "dana", ("2026-11-21T20:40+00:00", "70.00"))
    buyer(
        store, "chen", ("2026-09-10T10:00+00:00", "50.00"), ("2026-11-01T10:00+00:00", "20.00")
    )  # Shahrivar
    buyer(other_store, "olga", ("2026-10-25T10:00+00:00", "999.00"))
    return store


EXPECTED = [  # newest first: (first day, customers, cells)
    (date(2026, 11, 22), 1, [(Decimal("100.0"), Decimal("70.00")), None, None]),  # Azar: dana
    (date(2026, 10, 23), 2, [
        (Decimal("100.0"), Decimal("130.00")), (Decimal("100.0"), Decimal("50.00")), None,
    ]),  # Aban: ania and ben, both back in Azar
    (date(2026, 9, 23), 0, [(None, Decimal(0)), (None, Decimal(0)), (None, Decimal(0))]),  # Mehr: nobody new
]  # fmt: skip


def rows(cohorts) -> list:
    return [(row.month, row.customers, row.cells) for row in cohorts.rows]


def test_solar_hijri_cohorts_cut_at_tehrans_midnight_on_the_first_of_each_month(tehran):
    sync_warehouse(now=NOW)

    assert rows(build_cohorts(tehran, months=3, now=NOW, calendar=JALALI)) == EXPECTED
    gregorian = rows(build_cohorts(tehran, months=3, now=NOW))  # the same orders in Gregorian months
    assert [(month, customers) for month, customers, _cells in gregorian] == [
        (date(2026, 12, 1), 0), (date(2026, 11, 1), 2), (date(2026, 10, 1), 1),
    ]  # fmt: skip


def test_on_postgresql_the_database_gives_the_same_cohorts(tehran):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        direct = build_cohorts(
            tehran,
            months=3,
            now=NOW,
            calendar=JALALI,
            backend=backend,
            tables=metrics.database_tables(backend),
        )
    finally:
        close_database_backend()

    assert rows(direct) == EXPECTED


def test_on_spark_the_same_definitions_give_the_same_cohorts(tehran, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    assert (
        rows(build_cohorts(tehran, months=3, now=NOW, calendar=JALALI, backend=backend, tables=tables))
        == EXPECTED
    )


def test_a_persian_page_names_its_cohorts_by_solar_hijri_month(staff_client, tehran):
    sync_warehouse()
    staff_client.cookies["django_language"] = "fa"

    html = staff_client.get(reverse("analytics:dashboard")).content.decode()
    table = html.split('aria-labelledby="cohorts-title"', 1)[1]

    # Whatever today is, the newest row is this Solar Hijri month; no row is a Gregorian month's name.
    import jdatetime

    from cxloop.core import formats

    today = jdatetime.date.today()
    assert f'<td class="nowrap">{formats.month_text(today.togregorian(), "fa")}</td>' in table
    assert "نوامبر" not in table and "دسامبر" not in table
