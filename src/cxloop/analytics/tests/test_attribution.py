"""Revenue by channel under last-touch, first-touch and linear attribution; the referral rate.

The same hand-computed answers from the warehouse (DuckDB), from PostgreSQL directly and on Spark.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import build_channels, build_dashboard, close_database_backend, database_backend
from cxloop.analytics.sources import event_referred, event_source
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Event, Order

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the 7-day period: 27 November to 3 December (UTC)
SHOP = "https://shop.example"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def customer(store, name):
    return Customer.objects.create(
        store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", first_name=name,
        created_at=at("2026-01-01T00:00"), updated_at=at("2026-01-01T00:00"),
    )  # fmt: skip


def order(store, who, when, total, **fields):
    order.n += 1
    return Order.objects.create(
        store=store, customer=who, platform="shopify", external_id=str(order.n), number=f"#{order.n}",
        currency="PLN", total=Decimal(total), created_at=at(when), **fields,
    )  # fmt: skip


order.n = 0


def visit(store, who, when, **properties):
    visit.n += 1
    Event.objects.create(
        store=store, event_id=f"v{visit.n}", type="page_view", session_id=f"s{visit.n}",
        anonymous_id=f"a{visit.n}", customer=who, occurred_at=at(when), received_at=at(when),
        properties={"url": f"{SHOP}/", "path": "/", **properties},
    )  # fmt: skip


visit.n = 0


@pytest.fixture
def shop(store, other_store):
    ania, ben, chen, dana, erin = (customer(store, name) for name in ("ania", "ben", "chen", "dana", "erin"))
    order(store, ania, "2026-10-01T10:00", "70.00")  # before the period: ania is not new in it
    visit(store, ania, "2026-11-20T09:00", utm_source=" Newsletter ", ref="friend-1")
    visit(store, ania, "2026-11-25T09:00", referrer="https://www.Instagram.com/p/1?igsh=ania")
    visit(store, ania, "2026-11-26T09:00", referrer=f"{SHOP}/a", url=f"{SHOP}/b")  # the next page
    order(store, ania, "2026-11-28T10:00", "100.00")  # touches: newsletter, instagram.com

    visit(store, ben, "2026-10-01T09:00", utm_source="google")  # over 30 days before his order
    visit(store, ben, "2026-11-27T09:00", utm_source="google", ref="ania-10")  # referred
    # + its own touch; with ania's code too: ben came by the link and by the code
    order(store, ben, "2026-11-29T12:00", "80.00", referrer="https://www.facebook.com/x", referral_code="A")

    # chen's first order was cancelled: the code on it refers nobody
    order(store, chen, "2026-11-30T10:00", "60.00", cancelled_at=at("2026-11-30T11:00"), referral_code="X")
    order(store, chen, "2026-12-01T10:00", "60.00", source_channel="pos")  # no touch: the platform's
    order(store, None, "2026-11-30T08:00", "30.00", utm_source="Google")  # a guest: its own touch

    order(store, dana, "2026-12-01T11:00", "20.00", referral_code="A")  # direct; a code
    visit(store, dana, "2026-12-02T09:00", utm_source="tiktok", ref="late")  # after her order: nothing

    visit(store, erin, "2026-11-28T09:00", ref="ania-10")  # a referral link, from no source: no touch
    order(store, erin, "2026-11-29T09:00", "10.00", source_channel="pos")  # referred by the link only

    order(other_store, None, "2026-11-29T12:00", "5000.00", utm_source="google")
    return store


EXPECTED = {
    # channel: (last: orders, net), (first: orders, net), (linear: orders, net)
    "instagram.com": (("1", "100.00"), ("0", "0.00"), ("0.5", "50.00")),
    "facebook.com": (("1", "80.00"), ("0", "0.00"), ("0.5", "40.00")),
    "pos": (("2", "70.00"), ("2", "70.00"), ("2", "70.00")),
    "google": (("1", "30.00"), ("2", "110.00"), ("1.5", "70.00")),
    "direct": (("1", "20.00"), ("1", "20.00"), ("1", "20.00")),
    "newsletter": (("0", "0.00"), ("1", "100.00"), ("0.5", "50.00")),
}


def credits(channels) -> dict:
    return {c.name: tuple((str(m.orders), str(m.net)) for m in (c.last, c.first, c.linear)) for c in channels}


def test_where_a_visit_came_from():
    assert event_source({"utm_source": " Google ", "referrer": "https://x.example/"}) == "google"
    assert event_source({"referrer": "https://www.instagram.com/p?x=1", "url": f"{SHOP}/"}) == "instagram.com"
    assert event_source({"referrer": f"{SHOP}/cart", "url": f"{SHOP}/checkout"}) is None  # same site
    assert event_source({"referrer": "not a url"}) is None and event_source({}) is None
    assert event_source({"utm_source": 5}) is None and event_source("text") is None
    assert event_referred({"ref": "ania-10"}) and not event_referred({"ref": " "})
    assert not event_referred({"ref": 7}) and not event_referred({})


def test_each_model_credits_the_touches_in_the_window_before_the_order(shop):
    sync_warehouse(now=NOW)

    channels = build_channels(shop, days=7, now=NOW)

    assert credits(channels) == EXPECTED
    assert [c.name for c in channels][:2] == ["instagram.com", "facebook.com"]  # by last-touch net
    shares = {c.name: (c.last.share, c.first.share, c.linear.share) for c in channels}
    assert shares["google"] == (Decimal("10.0"), Decimal("36.7"), Decimal("23.3"))  # of 300.00


def test_a_shorter_window_leaves_the_older_touches_out(shop):
    sync_warehouse(now=NOW)

    channels = credits(build_channels(shop, days=7, window_days=5, now=NOW))

    # ania's newsletter visit (8 days before) is out: instagram.com has her order under every model
    assert channels["instagram.com"] == (("1", "100.00"), ("1", "100.00"), ("1", "100.00"))
    assert "newsletter" not in channels


def test_the_referral_rate_counts_new_customers_referred_before_their_first_order(shop):
    sync_warehouse(now=NOW)

    report = build_dashboard(shop, days=7, now=NOW)

    # new in the period: ben (a link and a code), chen (neither), dana (a code; her link after), erin (a link)
    assert report.referral_rate.current == Decimal("75.0")
    assert report.referred_by == (1, 1, 1)  # by a link only, by a code on the order only, both
    assert report.referral_rate.previous is None  # nobody's first order in the week before


def test_on_postgresql_the_database_gives_the_same_answers(shop):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    tables = metrics.database_tables(backend)
    try:
        direct = build_channels(shop, days=7, now=NOW, backend=backend, tables=tables)
        report = build_dashboard(shop, days=7, now=NOW, backend=backend, tables=tables)
    finally:
        close_database_backend()

    assert credits(direct) == EXPECTED
    assert (report.referral_rate.current, report.referred_by) == (Decimal("75.0"), (1, 1, 1))


def test_on_spark_the_same_definitions_give_the_same_answers(shop, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    channels = build_channels(shop, days=7, now=NOW, backend=backend, tables=tables)
    report = build_dashboard(shop, days=7, now=NOW, backend=backend, tables=tables)

    assert credits(channels) == EXPECTED
    assert (report.referral_rate.current, report.referred_by) == (Decimal("75.0"), (1, 1, 1))
