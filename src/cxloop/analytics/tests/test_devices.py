"""The funnel by device: hand-computed answers from the warehouse (DuckDB), from PostgreSQL directly
and on Spark; a warehouse from before the device column gets it."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.devices import build_funnel_devices, device_rows
from cxloop.analytics.funnels import Steps
from cxloop.analytics.reports import close_database_backend, database_backend
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Event

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the 7 days from 27 November (Europe/Warsaw or UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def sessions(store, other_store):
    numbers = iter(range(1, 1000))

    def event(kind, when, session, device, shop=store):
        n = next(numbers)
        Event.objects.create(
            store=shop, event_id=f"e{n}", type=kind, session_id=session, anonymous_id=f"a-{session}",
            occurred_at=at(when), received_at=at(when), device=device,
        )  # fmt: skip

    # m1: every step on a phone
    for minute, kind in enumerate(metrics.FUNNEL_STEPS):
        event(kind, f"2026-11-28T09:0{minute}", "m1", "mobile")
    event("page_view", "2026-11-29T10:00", "m2", "mobile")
    event("product_view", "2026-11-29T10:01", "m2", "mobile")
    # d1 began on a computer and went on on a phone: its first event's device
    event("page_view", "2026-11-30T08:00", "d1", "desktop")
    event("add_to_cart", "2026-11-30T08:05", "d1", "mobile")
    event("page_view", "2026-12-01T07:00", "t1", "tablet")
    # two first events at the same instant: the lower id's device (tablet)
    event("page_view", "2026-12-01T07:30", "tie", "tablet")
    event("page_view", "2026-12-01T07:30", "tie", "desktop")
    event("page_view", "2026-12-02T05:00", "b1", "bot")
    event("product_view", "2026-12-02T05:01", "b1", "bot")
    # an order the store's server sent into a session: no device known
    event("page_view", "2026-12-02T06:00", "u1", "")
    event("order_placed", "2026-12-02T06:10", "u1", "")
    # before the period on a computer, a product on a phone in it: the period's first event's (mobile)
    event("page_view", "2026-11-20T09:00", "e1", "desktop")
    event("product_view", "2026-11-29T09:00", "e1", "mobile")
    event("page_view", "2026-12-02T11:00", "", "desktop")  # no session: not counted
    event("page_view", "2026-12-02T11:00", "x1", "desktop", shop=other_store)  # another store
    return store


# sessions, viewed a product, added to cart, started checkout, ordered; the most sessions first (mobile
# and tablet tie: by name), then the unknown, then the bots
DEVICES = [
    ("mobile", (2, 3, 1, 1, 1)),  # m1, m2, e1 (a product only)
    ("tablet", (2, 0, 0, 0, 0)),  # t1, tie
    ("desktop", (1, 0, 1, 0, 0)),  # d1
    ("", (1, 0, 0, 0, 1)),  # u1
    ("bot", (1, 1, 0, 0, 0)),  # b1
]


def check(store, **engine_args) -> None:
    rows = build_funnel_devices(store, days=7, now=NOW, **engine_args)
    assert [(row.name, row.steps.counts) for row in rows] == DEVICES
    assert not any(row.other for row in rows)


def test_the_funnel_by_device_from_the_warehouse_matches_the_hand_count(sessions):
    sync_warehouse(now=NOW)

    check(sessions)


def test_on_postgresql_the_database_gives_the_same_funnel_by_device(sessions):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        check(sessions, backend=backend, tables=metrics.database_tables(backend))
    finally:
        close_database_backend()


def test_on_spark_the_same_definition_gives_the_same_funnel_by_device(sessions, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    check(sessions, backend=backend, tables=tables)


def test_bots_come_last_even_with_the_most_sessions():
    found = {"bot": Steps((9, 0, 0, 0, 0)), "": Steps((5, 0, 0, 0, 0)), "desktop": Steps((1, 0, 0, 0, 1))}
    assert [row.name for row in device_rows(found)] == ["desktop", "", "bot"]


def test_a_warehouse_from_before_the_device_column_gets_it_and_copies_the_events_again(store):
    from cxloop.analytics.warehouse import reading, writing

    Event.objects.create(
        store=store, event_id="e1", type="page_view", session_id="s1", anonymous_id="a1",
        occurred_at=at("2026-12-01T10:00"), received_at=at("2026-12-01T10:00"), device="tablet",
    )  # fmt: skip
    sync_warehouse(now=NOW)
    with writing() as con:  # as an earlier version left it
        con.execute("ALTER TABLE events DROP COLUMN device")
    # until the next sync, the reports read it as not known
    assert [row.name for row in build_funnel_devices(store, days=7, now=NOW)] == [""]

    result = sync_warehouse(now=NOW)

    assert result.copied["events"] == 1  # copied again from the start, to fill the new column
    with reading() as con:
        assert con.execute("SELECT device FROM events").fetchall() == [("tablet",)]
    assert [row.name for row in build_funnel_devices(store, days=7, now=NOW)] == ["tablet"]
