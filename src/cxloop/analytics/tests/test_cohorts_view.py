"""The cohorts card: its net revenue matrix beside the retention one, and the CSV behind both."""

import csv
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Order

pytestmark = pytest.mark.django_db


def month_start(store, back: int) -> datetime:
    """Noon on the 1st of the month `back` months before this one, in the store's time zone."""
    zone = ZoneInfo(store.timezone)
    today = timezone.now().astimezone(zone)
    index = today.year * 12 + today.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 1, 12, tzinfo=zone)


@pytest.fixture
def cohorts(store, other_store):
    def buyer(shop, name, *orders):
        who = Customer.objects.create(
            store=shop, email=f"{name}@example.com", email_key=f"{name}@example.com",
            created_at=month_start(shop, 3), updated_at=month_start(shop, 3),
        )  # fmt: skip
        for n, (back, total) in enumerate(orders):
            Order.objects.create(
                store=shop, customer=who, platform="shopify", external_id=f"{name}{n}", number=f"#{name}{n}",
                currency=shop.currency, total=Decimal(total), created_at=month_start(shop, back),
            )  # fmt: skip

    buyer(store, "ania", (2, "100.00"), (1, "40.00"))  # two months ago, and back the month after
    buyer(store, "ben", (1, "30.00"))  # last month, once
    buyer(other_store, "olga", (2, "7777.00"))  # another store's: nowhere
    sync_warehouse()
    return store


def test_the_csv_has_each_months_share_and_net_revenue(staff_client, cohorts):
    response = staff_client.get(reverse("analytics:cohorts-csv"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()

    head = next(csv.reader(lines[:1]))
    assert head[:7] == [
        "First order", "First day", "Customers", "Month 0: ordered (%)", "Month 0: net revenue (PLN)",
        "Month 1: ordered (%)", "Month 1: net revenue (PLN)",
    ]  # fmt: skip
    assert len(head) == 3 + 2 * 12 and len(lines) == 1 + 12
    rows = {row[1]: row[2:] for row in csv.reader(lines[1:])}
    two_ago, one_ago = (month_start(cohorts, back).date().isoformat() for back in (2, 1))
    assert rows[two_ago][:5] == ["1", "100.0", "100.00", "100.0", "40.00"]
    assert rows[two_ago][5:7] == ["0.0", "0"]  # this month: nobody yet
    assert rows[two_ago][7:] == [""] * 18  # months still to come
    assert rows[one_ago][:5] == ["1", "100.0", "30.00", "0.0", "0"]
    assert "7777" not in "\n".join(lines)


def test_the_page_shows_the_net_revenue_matrix_shaded_against_its_largest_cell(staff_client, cohorts):
    html = staff_client.get(reverse("analytics:dashboard")).content.decode().replace("\u00a0", " ")

    revenue = html.split('class="cohort-revenue"', 1)[1].split("</details>", 1)[0]
    assert "Net revenue by month of first order" in revenue
    cells = re.findall(r'cohort-cell--(\d+)">([^<]*)<', revenue)
    # newest first: last month's 30.00; two months ago 100.00, then 40.00 (40 % of the largest cell)
    assert cells == [("3", "30.00 PLN"), ("10", "100.00 PLN"), ("4", "40.00 PLN")]
    # 12 cohorts: 1 + 2 + ... + 12 = 78 months that have come, all but those three without orders
    assert revenue.count('<td class="num muted">—</td>') == 78 - 3
    assert "7777" not in html and "7,777" not in html


def test_the_csv_before_the_first_sync_sends_back_to_the_page(staff_client):
    response = staff_client.get(reverse("analytics:cohorts-csv"))

    assert response.status_code == 302 and response["Location"] == reverse("analytics:dashboard")


def test_the_daily_chart_has_its_numbers_as_a_table_in_the_store_currency(staff_client, store):
    placed = timezone.now() - timedelta(hours=1)
    Order.objects.create(
        store=store, platform="shopify", external_id="1", number="#1", currency=store.currency,
        total=Decimal("120.50"), created_at=placed,
    )  # fmt: skip
    sync_warehouse()

    response = staff_client.get(reverse("analytics:dashboard"), {"days": "7"})
    html = response.content.decode().replace("\u00a0", " ")

    table = html.split('class="chart-table"', 1)[1].split("</details>", 1)[0]
    rows = re.findall(r'<tr><td class="nowrap">([^<]*)</td><td class="num">([^<]*)</td>', table)
    assert len(rows) == 7 and sorted(orders for _day, orders in rows) == ["0"] * 6 + ["1"]
    assert "120.50 PLN" in table and table.count("0.00 PLN") == 6
