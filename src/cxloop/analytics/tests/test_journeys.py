"""The customer journey: entry pages, sessions and time up to a first order, abandoned checkouts.

The same hand-computed answers from the warehouse (DuckDB), from PostgreSQL directly and on Spark.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import build_journeys, close_database_backend, database_backend
from cxloop.analytics.sources import event_amount, event_path
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Event, Order

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the 7-day period: 27 November to 3 December (UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def journeys(store):
    numbers = iter(range(1, 1000))

    def customer(name):
        return Customer.objects.create(
            store=store, email=f"{name}@example.com", email_key=f"{name}@example.com",
            created_at=at("2026-01-01T00:00"), updated_at=at("2026-01-01T00:00"),
        )  # fmt: skip

    def event(kind, when, session, who=None, **properties):
        n = next(numbers)
        Event.objects.create(
            store=store, event_id=f"e{n}", type=kind, session_id=session, anonymous_id=f"a-{session}",
            customer=who, occurred_at=at(when), received_at=at(when), properties=properties,
        )  # fmt: skip

    def order(who, when):
        n = next(numbers)
        Order.objects.create(
            store=store, customer=who, platform="shopify", external_id=str(n), number=f"#{n}",
            currency="PLN", total=Decimal("10.00"), created_at=at(when),
        )  # fmt: skip

    ania, ben, dana, eve = (customer(name) for name in ("ania", "ben", "dana", "eve"))
    event("page_view", "2026-11-20T09:00", "s0", ania, path="/blog")  # before the period, before her order
    event("page_view", "2026-11-28T09:00", "s1", ania, path="/")
    event("product_view", "2026-11-28T09:05", "s1", ania)
    event("checkout_started", "2026-11-28T09:10", "s1", ania, total="100.00")
    event("order_placed", "2026-11-28T09:15", "s1", ania)
    order(ania, "2026-11-28T09:15")  # 8 days and 15 minutes after her first visit, 2 sessions

    event("page_view", "2026-11-29T10:00", "s2", path="/products/boots?color=red")
    event("checkout_started", "2026-11-29T10:05", "s2", total="59.90")
    event("checkout_started", "2026-11-29T10:07", "s2", total=64.9)  # the latest: 64.90 left behind

    # (a fraction of a second: some engines give epoch seconds with it)
    event("page_view", "2026-11-30T10:00:00.250", "s3", ben, url="https://shop.example/sale?x=1")
    event("order_placed", "2026-11-30T10:20", "s3", ben)
    order(ben, "2026-11-30T10:20")  # 20 minutes after his first visit, 1 session

    event("page_view", "2026-12-01T10:00", "s4", path="/")
    event("checkout_started", "2026-12-02T10:00", "s5", total="abc")  # no amount: abandoned, no value
    event("page_view", "2026-12-02T11:00", "", path="/nowhere")  # no session: no entry page

    order(dana, "2026-12-01T10:00")  # no recorded visit
    order(eve, "2026-10-01T10:00")  # eve's first order is before the period
    order(eve, "2026-12-02T10:00")
    return store


EXPECTED_ENTRIES = [("/", 2, 1), ("/products/boots", 1, 0), ("/sale", 1, 1)]
EXPECTED_SESSIONS = [("1", 1), ("2", 1), ("3", 0), ("6", 0), ("0", 1)]  # ben, ania, -, -, dana
EXPECTED_DAYS = [("0", 1), ("1", 0), ("8", 1), ("31", 0), ("none", 1)]


def check(found) -> None:
    assert [(e.path, e.sessions, e.ordered) for e in found.entry_pages] == EXPECTED_ENTRIES
    assert (found.sessions, found.days, found.first_buyers) == (EXPECTED_SESSIONS, EXPECTED_DAYS, 3)
    # ania: 2 sessions, 8 days 15 min; ben: 1 session, 19 min 59 s (whole seconds). 693,299 s / 2 / 86,400
    assert (found.average_sessions, found.average_days) == (Decimal("1.5"), Decimal("4.0"))
    assert (found.checkouts_started, found.checkouts_abandoned) == (3, 2)
    assert (found.abandoned_value, found.abandonment) == (Decimal("64.90"), Decimal("66.7"))


def test_a_visits_path_and_amount():
    assert (
        event_path({"path": "/a?b=1#c"}) == "/a" and event_path({"url": "https://s.example/x/y?q"}) == "/x/y"
    )
    assert event_path({"path": "relative"}) is None and event_path({}) is None
    assert event_path({"path": "/" + "p" * 300}) == "/" + "p" * 199
    assert event_amount({"total": "49.90"}) == Decimal("49.90") and event_amount({"total": 12}) == 12
    assert event_amount({"total": "1e9"}) is None and event_amount({"total": True}) is None


def test_the_journey_from_the_warehouse_matches_the_hand_count(journeys):
    sync_warehouse(now=NOW)

    check(build_journeys(journeys, days=7, now=NOW))


def test_a_store_without_visits_has_an_empty_journey(store):
    sync_warehouse(now=NOW)

    found = build_journeys(store, days=7, now=NOW)

    assert (found.entry_pages, found.first_buyers, found.average_days, found.abandonment) == (
        [],
        0,
        None,
        None,
    )


def test_on_postgresql_the_database_gives_the_same_journey(journeys):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        found = build_journeys(
            journeys, days=7, now=NOW, backend=backend, tables=metrics.database_tables(backend)
        )
    finally:
        close_database_backend()

    check(found)


def test_on_spark_the_same_definitions_give_the_same_journey(journeys, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    check(build_journeys(journeys, days=7, now=NOW, backend=backend, tables=tables))
