"""The reports API's products, funnel and retention answers: hand-counted, and what their builders give."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from cxloop.analytics.funnels import build_funnel_groups, build_funnel_trend
from cxloop.analytics.products import build_products
from cxloop.analytics.reports import range_bounds
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Event, LineItem, Order, Product

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WEEK = {"from": "2026-11-08", "to": "2026-11-14"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour=9):
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def shop(store, other_store):
    store.timezone = "UTC"
    store.save(update_fields=["timezone"])
    ania = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", country="PL", created_at=at(1),
        updated_at=at(1),
    )  # fmt: skip
    coffee = Product.objects.create(
        store=store, platform="shopify", external_id="p1", title="Kawa", product_type="Coffee"
    )
    first, second = (
        Order.objects.create(
            store=store,
            customer=ania,
            platform="shopify",
            external_id=str(n),
            number=f"#{n}",
            currency=store.currency,
            total=Decimal(total),
            created_at=when,
        )  # fmt: skip
        for n, total, when in ((1, "120.00", at(10)), (2, "30.00", at(14)))
    )
    LineItem.objects.create(store=store, order=first, product=coffee, title="Kawa", quantity=2, price="50.00")
    LineItem.objects.create(store=store, order=first, title="Gift wrap", quantity=1, price="20.00")
    LineItem.objects.create(
        store=store, order=second, product=coffee, title="Kawa", quantity=1, price="30.00"
    )
    for n, kind in enumerate(("page_view", "product_view", "order_placed")):
        Event.objects.create(
            store=store, event_id=f"e{n}", type=kind, session_id="s1", anonymous_id="a1", customer=ania,
            occurred_at=at(10, 8), received_at=at(10, 8),
            properties={"utm_source": "Google"} if n == 0 else {},
        )  # fmt: skip
    other = Order.objects.create(
        store=other_store, platform="shopify", external_id="9", number="#9", currency="PLN",
        total=Decimal("999.00"), created_at=at(10),
    )  # fmt: skip
    LineItem.objects.create(store=other_store, order=other, title="Obce", quantity=9, price="111.00")
    sync_warehouse()
    return store


def test_products_by_product_and_type(api_client, shop):
    body = api_client.get("/api/v1/reports/products", WEEK).json()

    rows = [
        (r["product_id"] is not None, r["title"], r["orders"], r["units"], r["net"])
        for r in body["by_product"]
    ]
    assert rows == [(True, "Kawa", 2, 3, "130.00"), (True, None, 1, 1, "20.00")]  # the line without a product
    assert body["by_product"][1]["product_id"] == 0
    assert [(r["product_type"], r["net"]) for r in body["by_type"]] == [("Coffee", "130.00"), ("", "20.00")]
    built = build_products(shop, period=range_bounds(shop, date(2026, 11, 8), date(2026, 11, 14)))
    assert [str(row.net) for row in built.by_product] == [r["net"] for r in body["by_product"]]
    assert "Obce" not in str(body) and body["currency"] == shop.currency


def test_the_funnel_per_day_and_by_channel_and_country(api_client, shop):
    body = api_client.get("/api/v1/reports/funnel", WEEK).json()

    assert body["weekly"] is False and len(body["over_time"]) == 7
    tenth = next(row for row in body["over_time"] if row["first_day"] == "2026-11-10")
    keys = ("sessions", "product_view", "add_to_cart", "order_placed", "conversion")
    assert {k: tenth[k] for k in keys} == {
        "sessions": 1, "product_view": 1, "add_to_cart": 0, "order_placed": 1, "conversion": "100.0",
    }  # fmt: skip
    assert sum(row["sessions"] for row in body["over_time"]) == 1
    assert [(r["name"], r["sessions"], r["rest"]) for r in body["by_channel"]] == [("google", 1, False)]
    assert [(r["name"], r["order_placed"]) for r in body["by_country"]] == [("PL", 1)]
    period = range_bounds(shop, date(2026, 11, 8), date(2026, 11, 14))
    assert [row.steps.sessions for row in build_funnel_trend(shop, period=period).rows] == [
        row["sessions"] for row in body["over_time"]
    ]
    assert build_funnel_groups(shop, period=period).channels[0].name == "google"


def test_retention_gives_the_time_between_orders_and_the_active_months(api_client, shop):
    body = api_client.get("/api/v1/reports/retention").json()

    assert body["repeat_orders"] == 1 and body["median_days_between_orders"] == "4"
    assert body["days_between_orders"][0] == {"from_days": 0, "to_days": 7, "orders": 1, "share": "100.0"}
    assert [m["month"] for m in body["monthly_active"]][-2:] == ["2026-10-01", "2026-11-01"]
    assert body["monthly_active"][-1] == {"month": "2026-11-01", "active": 1, "buyers": 1}
    assert all(m["active"] == 0 for m in body["monthly_active"][:-1])


def test_the_summary_splits_the_net_by_new_returning_and_guest(api_client, shop):
    body = api_client.get("/api/v1/reports/summary", WEEK).json()

    assert body["net_from_new"]["current"] == "150.00"  # both of Ania's orders: her first is in the week
    assert body["net_from_returning"]["current"] == "0.00" and body["net_from_guests"]["current"] == "0.00"


@pytest.mark.parametrize("path", ["/api/v1/reports/products", "/api/v1/reports/funnel"])
def test_a_bad_range_is_422_naming_the_parameter(api_client, shop, path):
    response = api_client.get(path, {"from": "2026-11-14", "to": "2026-11-08"})

    assert response.status_code == 422 and "from" in response.json()["detail"]
