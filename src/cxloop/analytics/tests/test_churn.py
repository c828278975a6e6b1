"""Churn: the threshold suggested from the store's own times between orders, and who crossed it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from cxloop.analytics import metrics
from cxloop.analytics.reports import (
    build_churn,
    close_database_backend,
    database_backend,
    suggest_churn_days,
)
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Order

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def buyer(store, n, *ago_days, cancelled_at=None):
    who = Customer.objects.create(
        store=store, email=f"c{n}@example.com", email_key=f"c{n}@example.com",
        created_at=NOW - timedelta(days=800), updated_at=NOW - timedelta(days=800),
    )  # fmt: skip
    for k, ago in enumerate(ago_days):
        Order.objects.create(
            store=store, customer=who, platform="shopify", external_id=f"{n}-{k}", number=f"#{n}-{k}",
            currency="EUR", total=Decimal("10.00"), created_at=NOW - timedelta(days=ago, hours=1),
            cancelled_at=cancelled_at,
        )  # fmt: skip
    return who


@pytest.fixture
def shop(store, other_store):
    # 24 repeat buyers whose gaps are 10 days (18 of them) and 40 days (6): 90 % within 41 days.
    for n in range(18):
        buyer(store, n, 100, 90)  # last order 90 days ago: churned at 41 days
    for n in range(18, 24):
        buyer(store, n, 50, 10)  # last order 10 days ago: active
    buyer(store, 30, 5)  # one order, 5 days ago: active
    buyer(store, 31, 400)  # one order, 400 days ago: churned
    buyer(store, 32, 20, 1, cancelled_at=NOW)  # its orders were cancelled: not a buyer
    buyer(other_store, 33, 300, 1)  # another store's
    return store


def test_the_suggestion_is_the_days_within_which_nine_in_ten_repeat_orders_came():
    assert suggest_churn_days({10: 18, 40: 6}) == 41
    assert suggest_churn_days({0: 27, 3: 3}) == 7  # never under a week
    assert suggest_churn_days({2000: 25}) == 1095  # never over three years
    assert suggest_churn_days({10: 19}) is None  # too few repeat orders to say


def test_churn_counts_buyers_without_an_order_for_the_suggested_days_or_the_days_asked(shop):
    sync_warehouse(now=NOW)

    suggested = build_churn(shop, now=NOW)
    asked = build_churn(shop, days=365, now=NOW)

    assert (suggested.suggested, suggested.days, suggested.gaps) == (41, 41, 24)
    assert (suggested.buyers, suggested.churned, suggested.rate) == (26, 19, Decimal("73.1"))
    assert (asked.days, asked.churned) == (365, 1)


def test_on_postgresql_the_database_gives_the_same_churn(shop):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        direct = build_churn(shop, now=NOW, backend=backend, tables=metrics.database_tables(backend))
    finally:
        close_database_backend()

    assert (direct.suggested, direct.buyers, direct.churned) == (41, 26, 19)


def test_the_reports_page_shows_churn_and_takes_another_threshold(shop, staff_client):
    sync_warehouse()
    url = reverse("analytics:dashboard")

    page = staff_client.get(url).content.decode()
    other = staff_client.get(url, {"churn_days": "365"}).content.decode()
    wrong = staff_client.get(url, {"churn_days": "3"})

    assert 'max="1095" value="41"' in page
    assert "19 of 26 customers who ordered placed no order in the last 41 days." in page
    assert "41 days is suggested: 90 % of this store’s repeat orders came within 41 days" in page
    assert 'max="1095" value="365"' in other
    assert "1 of 26 customers who ordered placed no order in the last 365 days." in other
    assert wrong.status_code == 400 and "between 7 and 1,095" in wrong.content.decode()
