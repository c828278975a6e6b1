"""The funnel over time and by channel and country: hand-computed answers from the warehouse (DuckDB,
from its session_days and from its events), from PostgreSQL directly and on Spark."""

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.funnels import (
    Steps,
    build_funnel_groups,
    build_funnel_trend,
    step_drops,
    top_groups,
    trend_days,
)
from cxloop.analytics.reports import build_dashboard, close_database_backend, database_backend, engine
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Event

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

# 13:00 on 3 December in Warsaw (UTC+1): the 7-day period is 27 November to 3 December there, from
# 26 November 23:00 UTC; the 90-day one 5 September to 3 December, weeks from 5 September.
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def sessions(store, other_store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    numbers = iter(range(1, 1000))

    def customer(name, country):
        return Customer.objects.create(
            store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", country=country,
            created_at=at("2026-01-01T00:00"), updated_at=at("2026-01-01T00:00"),
        )  # fmt: skip

    def event(kind, when, session, who=None, shop=store, **properties):
        n = next(numbers)
        Event.objects.create(
            store=shop, event_id=f"e{n}", type=kind, session_id=session, anonymous_id=f"a-{session}",
            customer=who, occurred_at=at(when), received_at=at(when), properties=properties,
        )  # fmt: skip

    ania, ben, carla, dana = (
        customer(name, country)
        for name, country in (("ania", "PL"), ("ben", "de"), ("carla", ""), ("dana", "FR"))
    )
    shop = {"url": "https://shop.example/"}
    # s1, 28 Nov: every step, from a newsletter (UTM source written in capitals), ania (PL)
    event("page_view", "2026-11-28T09:00", "s1", ania, utm_source=" Newsletter ", **shop)
    for minute, kind in (
        (5, "product_view"),
        (6, "add_to_cart"),
        (10, "checkout_started"),
        (15, "order_placed"),
    ):
        event(kind, f"2026-11-28T09:{minute:02d}", "s1", ania, referrer="https://shop.example/", **shop)
    # s2, 29 Nov: from google, nobody identified
    event("page_view", "2026-11-29T10:00", "s2", referrer="https://www.google.com/search?q=x", **shop)
    event("product_view", "2026-11-29T10:01", "s2")
    # s3, 30 Nov 23:30 UTC = 1 Dec in Warsaw: from google; ben (DE, written "de") first, then dana (FR)
    event("page_view", "2026-11-30T23:30", "s3", ben, referrer="https://google.com/", **shop)
    event("add_to_cart", "2026-11-30T23:40", "s3", dana)
    # s4 across midnight in Warsaw: a page on 1 Dec, a product on 2 Dec; from facebook
    event("page_view", "2026-12-01T22:50", "s4", referrer="https://facebook.com/x", **shop)
    event("product_view", "2026-12-01T23:10", "s4")
    # s5, 2 Dec: an order without a checkout event; its UTM source a formula; carla, country unknown
    event("page_view", "2026-12-02T10:00", "s5", utm_source="=cmd", **shop)
    event("order_placed", "2026-12-02T10:30", "s5", carla)
    # s6: a page at 23:30 on 26 Nov in Warsaw (before the 7 days), a product at 00:30 on the 27th: in the
    # 7 days, its first event is the product view, with no source (direct)
    event("page_view", "2026-11-26T22:30", "s6", utm_source="old", **shop)
    event("product_view", "2026-11-26T23:30", "s6")
    event("page_view", "2026-12-02T11:00", "", path="/")  # no session: not counted
    event("page_view", "2026-12-02T11:00", "x1", shop=other_store, utm_source="elsewhere")  # another store
    return store


STEPS = (5, 4, 2, 1, 2)  # sessions, viewed a product, added to cart, started checkout, ordered
DAILY = [
    (date(2026, 11, 27), (0, 1, 0, 0, 0)),
    (date(2026, 11, 28), (1, 1, 1, 1, 1)),
    (date(2026, 11, 29), (1, 1, 0, 0, 0)),
    (date(2026, 11, 30), (0, 0, 0, 0, 0)),
    (date(2026, 12, 1), (2, 0, 1, 0, 0)),  # s3 (in Warsaw), s4's page
    (date(2026, 12, 2), (1, 1, 0, 0, 1)),  # s4's product, s5
    (date(2026, 12, 3), (0, 0, 0, 0, 0)),
]
WEEKLY = [  # s6's page and product in the week to 27 Nov; s4's page and product count once in the next
    (date(2026, 11, 21), date(2026, 11, 27), (1, 1, 0, 0, 0)),
    (date(2026, 11, 28), date(2026, 12, 3), (5, 3, 2, 1, 2)),
]
CHANNELS = [
    ("google.com", (2, 1, 1, 0, 0), False),
    ("=cmd", (1, 0, 0, 0, 1), False),
    ("facebook.com", (1, 1, 0, 0, 0), False),
    ("newsletter", (1, 1, 1, 1, 1), False),
    ("", (0, 1, 0, 0, 0), False),  # direct: s6
]
COUNTRIES = [("", (3, 3, 0, 0, 1), False), ("DE", (1, 0, 1, 0, 0), False), ("PL", (1, 1, 1, 1, 1), False)]


def check(store, **engine_args) -> None:
    trend = build_funnel_trend(store, days=7, now=NOW, **engine_args)
    assert not trend.weekly
    assert [(row.first, row.steps.counts) for row in trend.rows] == DAILY
    assert all(row.first == row.last for row in trend.rows)
    weeks = build_funnel_trend(store, days=90, now=NOW, **engine_args)
    assert weeks.weekly and len(weeks.rows) == 13 and weeks.rows[0].first == date(2026, 9, 5)
    assert [(row.first, row.last, row.steps.counts) for row in weeks.rows if any(row.steps.counts)] == WEEKLY
    groups = build_funnel_groups(store, days=7, now=NOW, **engine_args)
    assert [(row.name, row.steps.counts, row.other) for row in groups.channels] == CHANNELS
    assert [(row.name, row.steps.counts, row.other) for row in groups.countries] == COUNTRIES


def test_the_funnel_over_time_and_by_channel_from_the_warehouse_matches_the_hand_count(sessions):
    sync_warehouse(now=NOW)

    check(sessions)
    # the rows add up to the dashboard's funnel
    funnel = build_dashboard(sessions, days=7, now=NOW).funnel
    assert tuple(count for _step, count, _share in funnel) == STEPS
    groups = build_funnel_groups(sessions, days=7, now=NOW)
    assert sum((row.steps for row in groups.channels), Steps()).counts == STEPS


def test_the_warehouse_events_without_session_days_give_the_same_answers(sessions):
    sync_warehouse(now=NOW)

    with engine() as (backend, tables):
        assert tables.session_days is not None
        check(sessions, backend=backend, tables=dataclasses.replace(tables, session_days=None))


def test_on_postgresql_the_database_gives_the_same_funnel(sessions):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        check(sessions, backend=backend, tables=metrics.database_tables(backend))
    finally:
        close_database_backend()


def test_on_spark_the_same_definitions_give_the_same_funnel(sessions, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)
    assert tables.session_days is not None

    check(sessions, backend=backend, tables=tables)


def test_the_drop_is_the_share_of_the_previous_steps_sessions_lost():
    rows = [(step, count, None) for step, count in zip(metrics.FUNNEL_STEPS, STEPS, strict=True)]

    # 5 -> 4 lost 1 of 5; 4 -> 2 half; 2 -> 1 half; 1 -> 2: one more than before
    assert step_drops(rows) == [None, Decimal("20.0"), Decimal("50.0"), Decimal("50.0"), Decimal("-100.0")]
    assert step_drops([(step, 0, None) for step in metrics.FUNNEL_STEPS]) == [None] * 5


def test_past_the_top_channels_the_rest_count_together():
    found = {f"c{n}": Steps((n, n, 0, 0, 1)) for n in range(1, 11)} | {"": Steps((5, 0, 0, 0, 0))}

    rows = top_groups(found, top=8)

    assert [row.name for row in rows] == ["c10", "c9", "c8", "c7", "c6", "", "c5", "c4", ""]
    assert rows[-1].other and rows[-1].steps.counts == (6, 6, 0, 0, 3)  # c1, c2, c3
    assert rows[0].steps.conversion == Decimal("10.0")


def test_a_weekly_trend_runs_from_the_first_day_and_ends_with_the_period():
    spans = trend_days(date(2026, 9, 5), date(2026, 12, 3), weekly=True)

    assert len(spans) == 13 and spans[0] == (date(2026, 9, 5), date(2026, 9, 11))
    assert spans[-1] == (date(2026, 11, 28), date(2026, 12, 3))
