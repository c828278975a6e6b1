"""Do promoters buy again more? Per NPS band and for those who never answered, against a hand count."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import Outcome, build_voice, close_database_backend, database_backend
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Order
from cxloop.surveys.models import Response
from cxloop.surveys.tests.factories import make_survey

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def answered(store):
    nps = make_survey(store)
    made = {}

    def customer(name, answers=(), orders=()):
        who = Customer.objects.create(
            store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", created_at=ago(400),
            updated_at=ago(400),
        )  # fmt: skip
        for score, days in answers:
            band = "high" if score >= 9 else "mid" if score >= 7 else "low"
            Response.objects.create(
                store=store, survey=nps, customer=who, channel="email", language="pl", score=score, band=band,
                created_at=ago(days), updated_at=ago(days),
            )  # fmt: skip
        for total, days, *refunded in orders:
            made[name] = Order.objects.create(
                store=store, customer=who, platform="shopify", external_id=f"{name}{days}",
                number=f"#{name}{days}", currency="PLN", total=Decimal(total),
                refunded_amount=Decimal(refunded[0] if refunded else "0"), created_at=ago(days),
            )  # fmt: skip

    customer("ania", answers=[(10, 60)], orders=[("50.00", 50)])  # a promoter who came back within 30 days
    customer("ben", answers=[(3, 80), (9, 70)], orders=[("40.00", 20)])  # latest: promoter; back too late
    customer("chen", answers=[(5, 45)], orders=[("30.00", 40, "10.00")])  # a detractor who came back
    customer("dana", orders=[("25.00", 75), ("25.00", 60)])  # never answered; back 15 days after
    customer("eve", orders=[("60.00", 40)])  # never answered; not back
    customer("fred", answers=[(10, 10)], orders=[("99.00", 5)])  # answered too recently to tell
    return store


EXPECTED = [
    ("high", 2, 1, Decimal("50.00")),
    ("mid", 0, 0, Decimal("0")),
    ("low", 1, 1, Decimal("20.00")),
    ("none", 2, 1, Decimal("25.00")),
]


def rows(outcomes: list[Outcome]) -> list:
    return [(o.band, o.customers, o.came_back, o.net) for o in outcomes]


def test_each_band_counts_who_ordered_within_the_days_after_answering(answered):
    sync_warehouse(now=NOW)

    outcomes = build_voice(answered, days=30, lookback=60, now=NOW)

    assert rows(outcomes) == EXPECTED
    high = outcomes[0]
    assert (high.rate, high.net_per_customer) == (Decimal("50.0"), Decimal("25.00"))
    assert high.interval == (Decimal("9.5"), Decimal("90.5"))  # Wilson, 95 %, 1 of 2: wide, as it should be
    assert outcomes[1].rate is None and outcomes[1].interval is None


def test_on_postgresql_the_same_answers_from_the_database(answered):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        direct = build_voice(answered, days=30, lookback=60, now=NOW, backend=backend,
                             tables=metrics.database_tables(backend))  # fmt: skip
    finally:
        close_database_backend()

    assert rows(direct) == EXPECTED


def test_on_spark_the_same_definitions_give_the_same_answers(answered, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    on_spark = build_voice(answered, days=30, lookback=60, now=NOW, backend=backend, tables=tables)

    assert rows(on_spark) == EXPECTED
