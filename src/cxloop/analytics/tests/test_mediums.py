"""The funnel by UTM medium: hand-computed answers from the warehouse (DuckDB), from PostgreSQL directly
and on Spark; the medium as the sync copies it."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.urls import reverse

from cxloop.analytics import metrics
from cxloop.analytics.devices import build_funnel_mediums
from cxloop.analytics.reports import close_database_backend, database_backend
from cxloop.analytics.sources import event_medium
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Event

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def visits(store, other_store):
    numbers = iter(range(1, 1000))

    def event(kind, when, session, medium=None, shop=store):
        n = next(numbers)
        Event.objects.create(
            store=shop, event_id=f"e{n}", type=kind, session_id=session, anonymous_id=f"a-{session}",
            occurred_at=at(when), received_at=at(when),
            properties={"utm_source": "google", "utm_medium": medium} if medium is not None else {},
        )  # fmt: skip

    for minute, kind in enumerate(metrics.FUNNEL_STEPS):  # an ad click that ordered
        event(kind, f"2026-11-28T09:0{minute}", "c1", " CPC " if minute == 0 else None)
    event("page_view", "2026-11-29T10:00", "c2", "cpc")
    event("page_view", "2026-11-30T10:00", "m1", "email")
    event("product_view", "2026-11-30T10:01", "m1", "social")  # not its first event: still email
    event("page_view", "2026-12-01T10:00", "n1")  # no medium
    event("page_view", "2026-12-01T11:00", "b1", "   ")  # blank: none
    event("page_view", "2026-12-01T11:00", "x1", "cpc", shop=other_store)
    return store


MEDIUMS = [  # sessions, viewed a product, added to cart, started checkout, ordered; the most sessions first
    ("", (2, 0, 0, 0, 0)),  # n1, b1
    ("cpc", (2, 1, 1, 1, 1)),  # c1 (" CPC ": trimmed, lower-cased), c2
    ("email", (1, 1, 0, 0, 0)),  # m1
]


def check(store, **engine_args) -> None:
    rows = build_funnel_mediums(store, days=7, now=NOW, **engine_args)
    assert [(row.name, row.steps.counts) for row in rows] == MEDIUMS


def test_the_medium_is_the_trimmed_lower_cased_utm_medium():
    assert event_medium({"utm_medium": " Email "}) == "email"
    assert event_medium({"utm_medium": " "}) is None and event_medium({"utm_medium": 7}) is None
    assert event_medium(None) is None and event_medium({}) is None


def test_the_funnel_by_medium_from_the_warehouse_matches_the_hand_count(visits):
    sync_warehouse(now=NOW)

    check(visits)


def test_on_postgresql_the_database_gives_the_same_funnel_by_medium(visits):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        check(visits, backend=backend, tables=metrics.database_tables(backend))
    finally:
        close_database_backend()


def test_on_spark_the_same_definition_gives_the_same_funnel_by_medium(visits, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    check(visits, backend=backend, tables=tables)


def test_the_card_and_csv_name_the_media(staff_client, store):
    now = datetime.now(UTC)
    Event.objects.create(
        store=store, event_id="e1", type="page_view", session_id="s1", anonymous_id="a1", occurred_at=now,
        received_at=now, properties={"utm_source": "news", "utm_medium": "=cmd|calc"},
    )  # fmt: skip
    Event.objects.create(
        store=store, event_id="e2", type="page_view", session_id="s2", anonymous_id="a2", occurred_at=now,
        received_at=now,
    )  # fmt: skip
    sync_warehouse()

    html = staff_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()
    body = b"".join(staff_client.get(reverse("analytics:funnel-groups-csv"), {"days": "7"}).streaming_content)

    assert "UTM medium" in html and "No UTM medium" in html and "<bdi>=cmd|calc</bdi>" in html
    lines = body.decode("utf-8-sig").splitlines()
    assert "UTM medium,'=cmd|calc,1,0,0,0,0,0.0" in lines
    assert any(line.startswith("UTM medium,No UTM medium,1,") for line in lines)
