"""NPS and CSAT by the channel and month of the customer's first order and by predicted spend tier."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import (
    build_satisfaction,
    close_database_backend,
    csat_score,
    database_backend,
    nps_score,
)
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Order
from cxloop.segments.models import CustomerPrediction
from cxloop.surveys.models import Response
from cxloop.surveys.tests.factories import make_survey

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 90 days: 5 September to 3 December; 6 months: July on


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def answered(store):
    nps, csat, ces = (make_survey(store, kind=kind) for kind in ("nps", "csat", "ces"))
    numbers = iter(range(1, 100))

    def customer(name, *, first_order=None, tier=None, answers=()):
        who = Customer.objects.create(
            store=store, email=f"{name}@example.com", email_key=f"{name}@example.com",
            created_at=at("2026-01-01T00:00"), updated_at=at("2026-01-01T00:00"),
        )  # fmt: skip
        if first_order:
            when, fields = first_order
            n = next(numbers)
            Order.objects.create(
                store=store, customer=who, platform="shopify", external_id=str(n), number=f"#{n}",
                currency="PLN", total=Decimal("10.00"), created_at=at(when), **fields,
            )  # fmt: skip
        if tier:
            CustomerPrediction.objects.create(
                store=store, customer=who, rfm_group="ACTIVE", spend_tier=tier, computed_at=NOW
            )
        for survey, score, when in answers:
            scale_high, scale_mid = {"nps": (9, 7), "csat": (4, 3), "ces": (5, 4)}[survey.kind]
            band = "high" if score >= scale_high else "mid" if score >= scale_mid else "low"
            Response.objects.create(
                store=store, survey=survey, customer=who, channel="email", language="pl", score=score,
                band=band, created_at=at(when), updated_at=at(when),
            )  # fmt: skip
        return who

    customer("ania", first_order=("2026-03-10T10:00", {"utm_source": "Google"}), tier="HIGH",
             answers=[(nps, 10, "2026-11-01T10:00"), (csat, 5, "2026-11-02T10:00")])  # fmt: skip
    customer(
        "ben",
        first_order=("2026-11-05T10:00", {"referrer": "https://www.facebook.com/x"}),
        tier="LOW",
        answers=[(nps, 3, "2026-11-10T10:00"), (nps, 0, "2026-06-01T10:00")],
    )  # the June one: before
    customer("chen", first_order=("2026-11-20T10:00", {"source_channel": "pos"}), tier="HIGH",
             answers=[(nps, 9, "2026-11-25T10:00"), (csat, 2, "2026-11-26T10:00"),
                      (ces, 1, "2026-11-26T10:00")])  # fmt: skip
    customer("dana", first_order=("2026-01-15T10:00", {"utm_source": "google"}),
             answers=[(nps, 8, "2026-10-01T10:00")])  # fmt: skip
    customer("eve", answers=[(nps, 10, "2026-11-01T10:00")])  # never ordered: in no group
    return store


def rows(groups) -> list:
    return [(row.group, row.nps.answers, row.nps.value, row.csat.answers, row.csat.value) for row in groups]


EXPECTED_CHANNELS = [
    ("google", 2, Decimal("50.0"), 1, Decimal("100.0")),  # ania promoter, dana passive; ania satisfied
    ("pos", 1, Decimal("100.0"), 1, Decimal("0.0")),
    ("facebook.com", 1, Decimal("-100.0"), 0, None),
]
EXPECTED_MONTHS = [
    ("2026-11", 2, Decimal("0.0"), 1, Decimal("0.0")),  # ben detractor, chen promoter
    ("earlier", 2, Decimal("50.0"), 1, Decimal("100.0")),  # March and January together
]
EXPECTED_TIERS = [
    ("HIGH", 2, Decimal("100.0"), 2, Decimal("50.0")),  # ania, chen
    ("LOW", 1, Decimal("-100.0"), 0, None),
]


def test_scores_and_their_ranges_by_hand():
    # Adjusted Wald: with 3 pseudo-answers (0.75 promoter, 0.75 detractor), n = 5, p = 0.35, d = 0.15:
    # 1.96 * sqrt((0.35 + 0.15 - 0.2 ** 2) / 5) = 0.594
    google = nps_score(2, 1, 0)
    assert (google.value, google.margin) == (Decimal("50.0"), Decimal("59.4"))
    assert nps_score(1, 0, 0).margin == Decimal("60.0")  # one passive: not "0 ± 0"
    assert nps_score(40, 40, 0).margin == Decimal("9.4") and nps_score(0, 0, 0).value is None
    satisfied = csat_score(1, 1)  # Wilson 95 % for 1 of 1: 20.7 % to 100 %
    assert (satisfied.value, satisfied.margin) == (Decimal("100.0"), Decimal("39.7"))


def test_the_groups_from_the_warehouse_match_the_hand_count(answered):
    sync_warehouse(now=NOW)

    found = build_satisfaction(answered, days=90, months=6, now=NOW)

    assert rows(found.by_channel) == EXPECTED_CHANNELS
    assert rows(found.by_month) == EXPECTED_MONTHS
    assert rows(found.by_tier) == EXPECTED_TIERS
    assert found.answered


def test_a_store_without_answers_has_empty_groups(store):
    sync_warehouse(now=NOW)

    found = build_satisfaction(store, now=NOW)

    assert (found.by_channel, found.by_month, found.by_tier, found.answered) == ([], [], [], False)


def test_on_postgresql_the_database_gives_the_same_groups(answered):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        found = build_satisfaction(
            answered, days=90, months=6, now=NOW, backend=backend, tables=metrics.database_tables(backend)
        )
    finally:
        close_database_backend()

    assert (rows(found.by_channel), rows(found.by_month), rows(found.by_tier)) == (
        EXPECTED_CHANNELS, EXPECTED_MONTHS, EXPECTED_TIERS,
    )  # fmt: skip


def test_on_spark_the_same_definitions_give_the_same_groups(answered, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    found = build_satisfaction(answered, days=90, months=6, now=NOW, backend=backend, tables=tables)

    assert (rows(found.by_channel), rows(found.by_month), rows(found.by_tier)) == (
        EXPECTED_CHANNELS, EXPECTED_MONTHS, EXPECTED_TIERS,
    )  # fmt: skip
