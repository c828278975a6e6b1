"""The most common paths to a first order, counted by hand, from the warehouse (DuckDB), from PostgreSQL
directly and on Spark alike."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import build_journeys, close_database_backend, database_backend
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Event, Order

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the 7-day period: 27 November to 3 December (UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def paths(store, other_store):
    numbers = iter(range(1, 1000))

    def customer(name):
        return Customer.objects.create(
            store=store, email=f"{name}@example.com", email_key=f"{name}@example.com",
            created_at=at("2026-01-01T00:00"), updated_at=at("2026-01-01T00:00"),
        )  # fmt: skip

    def event(kind, when, session, who=None, shop=store, **properties):
        n = next(numbers)
        Event.objects.create(
            store=shop, event_id=f"e{n}", type=kind, session_id=session, anonymous_id=f"a-{session}",
            customer=who, occurred_at=at(when), received_at=at(when), properties=properties,
        )  # fmt: skip

    def order(who, when, *, cancelled=False):
        n = next(numbers)
        Order.objects.create(
            store=store, customer=who, platform="shopify", external_id=str(n), number=f"#{n}",
            currency="PLN", total=Decimal("10.00"), created_at=at(when),
            cancelled_at=at(when) if cancelled else None,
        )  # fmt: skip

    fay, gus, hal, ivy, jon, kim, lee = map(customer, ("fay", "gus", "hal", "ivy", "jon", "kim", "lee"))
    # fay: six steps once repeats are collapsed, so five and "more"; 10 minutes
    event("page_view", "2026-11-28T10:00", "f1", fay, path="/?utm_source=news#top")
    event("page_view", "2026-11-28T10:01", "f1", fay, url="https://shop.example/")
    event("page_view", "2026-11-28T10:02", "f1", fay, path="/collections/all")
    event("product_view", "2026-11-28T10:03", "f1", fay)
    event("product_view", "2026-11-28T10:04", "f1", fay)
    event("add_to_cart", "2026-11-28T10:05", "f1", fay)
    event("product_view", "2026-11-28T10:06", "f1", fay)
    event("checkout_started", "2026-11-28T10:08", "f1", fay)
    event("order_placed", "2026-11-28T10:10", "f1", fay)
    event("page_view", "2026-11-28T10:11", "f1", fay, path="/thanks")  # after the order: not a step
    order(fay, "2026-11-28T10:10")
    # gus: no event of the ordering session; his last session before it, 27 hours before
    event("page_view", "2026-11-20T09:00", "g0", gus, path="/blog")
    event("page_view", "2026-11-28T09:00", "g1", gus, path="/products/boots")
    event("add_to_cart", "2026-11-28T09:02", "g1", gus)
    order(gus, "2026-11-29T12:00")
    # hal: the same path, its first page viewed before he was known; 10 minutes
    event("page_view", "2026-11-30T09:50", "h1", None, path="/products/boots")
    event("add_to_cart", "2026-11-30T09:55", "h1", hal)
    event("search", "2026-11-30T09:56", "h1", hal)  # not a kind of page
    event("page_view", "2026-11-30T09:57", "h1", None, shop=other_store, path="/elsewhere")  # another store
    order(hal, "2026-11-30T10:00")
    # ivy: a cancelled order first; a page view with no path; an hour
    order(ivy, "2026-12-01T09:00", cancelled=True)
    event("page_view", "2026-12-01T14:00", "i1", ivy)
    event("checkout_started", "2026-12-01T14:30", "i1", ivy)
    order(ivy, "2026-12-01T15:00")
    # jon ordered first before the period; kim's session holds only the order; lee has no visit
    order(jon, "2026-11-01T10:00")
    event("page_view", "2026-12-02T10:00", "j1", jon, path="/")
    order(jon, "2026-12-02T10:05")
    event("order_placed", "2026-12-02T11:00", "k1", kim)
    order(kim, "2026-12-02T11:00")
    order(lee, "2026-12-02T12:00")
    event("page_view", "2026-12-02T12:30", "x1", path="/")  # an anonymous visitor
    return store


EXPECTED = [  # steps, more, customers, % of the 6 new customers, median
    (["/products/boots", "add_to_cart"], False, 2, Decimal("33.3"), timedelta(seconds=(97_200 + 600) / 2)),
    (["/", "/collections/all", "product_view", "add_to_cart", "product_view"], True, 1, Decimal("16.7"),
     timedelta(minutes=10)),
    (["page_view", "checkout_started"], False, 1, Decimal("16.7"), timedelta(hours=1)),
]  # fmt: skip


def found(journeys) -> list:
    assert journeys.first_buyers == 6  # fay, gus, hal, ivy, kim, lee
    return [(p.steps, p.more, p.customers, p.share, p.median) for p in journeys.paths]


def test_the_paths_from_the_warehouse_match_the_hand_count(paths):
    sync_warehouse(now=NOW)

    assert found(build_journeys(paths, days=7, now=NOW)) == EXPECTED


def test_only_the_ten_most_common_paths_are_shown_ties_by_their_steps(store):
    # given twelve customers, each with a path of their own, and a thirteenth on the first one's
    for n in range(13):
        who = Customer.objects.create(
            store=store, email=f"c{n}@example.com", created_at=at("2026-01-01T00:00"),
            updated_at=at("2026-01-01T00:00"),
        )  # fmt: skip
        page = f"/p{min(n, 11):02d}"
        Event.objects.create(
            store=store, event_id=f"v{n}", type="page_view", session_id=f"s{n}", customer=who,
            occurred_at=at("2026-12-01T10:00"), received_at=at("2026-12-01T10:00"), properties={"path": page},
        )  # fmt: skip
        Order.objects.create(
            store=store, customer=who, platform="shopify", external_id=f"o{n}", number=f"#{n}",
            currency="PLN", total=Decimal("1.00"), created_at=at("2026-12-01T10:01"),
        )  # fmt: skip
    sync_warehouse(now=NOW)

    shown = build_journeys(store, days=7, now=NOW).paths

    assert [(p.steps, p.customers) for p in shown] == [(["/p11"], 2)] + [
        ([f"/p{n:02d}"], 1) for n in range(9)
    ]


def test_a_store_without_visits_has_no_paths(store):
    sync_warehouse(now=NOW)

    assert build_journeys(store, days=7, now=NOW).paths == []


def test_on_postgresql_the_database_gives_the_same_paths(paths):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        journeys = build_journeys(
            paths, days=7, now=NOW, backend=backend, tables=metrics.database_tables(backend)
        )
    finally:
        close_database_backend()

    assert found(journeys) == EXPECTED


def test_on_spark_the_same_definitions_give_the_same_paths(paths, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    assert found(build_journeys(paths, days=7, now=NOW, backend=backend, tables=tables)) == EXPECTED
