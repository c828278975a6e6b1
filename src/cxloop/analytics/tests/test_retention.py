"""Time between orders and monthly active customers: against answers worked out by hand, from the warehouse
(DuckDB), from PostgreSQL directly and on Spark alike; the page's cards and their CSVs."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from cxloop.analytics import metrics
from cxloop.analytics.reports import close_database_backend, database_backend
from cxloop.analytics.retention import build_monthly_active, build_order_gaps, median_days, order_gaps
from cxloop.analytics.sync import sync_warehouse
from cxloop.analytics.views_retention import safe_cells
from cxloop.commerce.models import Customer, Event, Order

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL is read by its own connection

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the last 12 months: January to December 2026, in Warsaw


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def shop(store, other_store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    numbers = iter(range(1, 1000))

    def customer(name, where=store):
        return Customer.objects.create(
            store=where, email=f"{name}@example.com", email_key=f"{name}@example.com",
            created_at=at("2024-01-01T00:00"), updated_at=at("2024-01-01T00:00"),
        )  # fmt: skip

    def order(who, when, *, cancelled=False, where=store):
        n = next(numbers)
        Order.objects.create(
            store=where, customer=who, platform="shopify", external_id=str(n), number=f"#{n}", currency="PLN",
            total=Decimal("10.00"), created_at=at(when), cancelled_at=at(when) if cancelled else None,
        )  # fmt: skip

    def event(who, when, where=store):
        n = next(numbers)
        Event.objects.create(
            store=where, event_id=f"e{n}", type="page_view", session_id=f"s{n}", anonymous_id=f"a{n}",
            customer=who, occurred_at=at(when), received_at=at(when),
        )  # fmt: skip

    ania, ben, chen, dana, eve, fred, gosia, hana, ivan = (
        customer(name) for name in ("ania", "ben", "chen", "dana", "eve", "fred", "gosia", "hana", "ivan")
    )
    for when in ("2026-01-10T10:00", "2026-01-13T10:00", "2026-02-02T10:00", "2026-04-03T10:00"):
        order(ania, when)  # gaps of 3, 20 and 60 days
    event(ania, "2026-04-02T10:00")  # April: she ordered too, counted once
    for when in ("2025-03-01T10:00", "2026-03-01T10:00", "2026-03-08T09:00"):
        order(ben, when)  # 365 days, then 6 days 23 hours: 6
    event(ben, "2026-10-31T23:30")  # 00:30 on 1 November in Warsaw
    order(chen, "2024-01-01T10:00")
    order(chen, "2025-01-01T10:00", cancelled=True)  # not an order between
    order(chen, "2026-01-01T10:00")  # 731 days after the one before
    order(dana, "2026-05-01T10:00")
    order(dana, "2026-08-01T10:00")  # 92 days
    order(eve, "2026-11-15T10:00")  # her only order: no gap
    event(eve, "2026-12-02T10:00")
    event(fred, "2025-12-31T23:30")  # 00:30 on 1 January in Warsaw: January
    event(gosia, "2025-12-31T22:30")  # 23:30 on 31 December 2025 in Warsaw: before the months
    event(hana, "2026-06-30T22:30")  # 00:30 on 1 July in Warsaw (summer time): July, not June
    order(ivan, "2026-09-10T10:00", cancelled=True)  # a cancelled order is no activity
    order(None, "2026-09-11T10:00")  # a guest
    event(None, "2026-11-20T10:00")  # an anonymous visitor
    stranger = customer("stranger", other_store)
    order(stranger, "2026-10-01T10:00", where=other_store)
    order(stranger, "2026-10-05T10:00", where=other_store)
    event(stranger, "2026-10-06T10:00", where=other_store)
    return store


# Gaps, sorted: 3, 6, 20, 60, 92, 365, 731 days; the median is the fourth.
GAPS = [(0, 7, 2, Decimal("28.6")), (8, 30, 1, Decimal("14.3")), (31, 60, 1, Decimal("14.3")),
        (61, 90, 0, Decimal("0.0")), (91, 180, 1, Decimal("14.3")), (181, 365, 1, Decimal("14.3")),
        (366, None, 1, Decimal("14.3"))]  # fmt: skip
MONTHS = [  # (month, active, of them ordered)
    ("2026-01", 3, 2), ("2026-02", 1, 1), ("2026-03", 1, 1), ("2026-04", 1, 1), ("2026-05", 1, 1),
    ("2026-06", 0, 0), ("2026-07", 1, 0), ("2026-08", 1, 1), ("2026-09", 0, 0), ("2026-10", 0, 0),
    ("2026-11", 2, 1), ("2026-12", 1, 0),
]  # fmt: skip


def gap_rows(gaps) -> list:
    return [(bucket.low, bucket.high, bucket.orders, bucket.share) for bucket in gaps.buckets]


def month_rows(months) -> list:
    return [(f"{month.month:%Y-%m}", month.active, month.buyers) for month in months]


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_gaps():
    assert median_days({3: 1, 6: 1}) == Decimal("4.5")
    assert median_days({10: 18, 40: 6}) == 10
    assert median_days({0: 1, 9: 2, 400: 1}) == 9
    assert median_days({}) is None
    assert order_gaps({}).buckets[0].share is None


def test_from_the_warehouse_the_gaps_and_the_months_match_the_hand_count(shop):
    sync_warehouse(now=NOW)

    gaps = build_order_gaps(shop, now=NOW)
    months = build_monthly_active(shop, now=NOW)

    assert gap_rows(gaps) == GAPS
    assert (gaps.repeat_orders, gaps.median) == (7, 60)
    assert month_rows(months) == MONTHS


def test_on_postgresql_the_database_gives_the_same_answers(shop):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    tables = metrics.database_tables(backend)
    try:
        gaps = build_order_gaps(shop, now=NOW, backend=backend, tables=tables)
        months = build_monthly_active(shop, now=NOW, backend=backend, tables=tables)
    finally:
        close_database_backend()

    assert (gap_rows(gaps), gaps.median) == (GAPS, 60)
    assert month_rows(months) == MONTHS


def test_on_spark_the_same_definitions_give_the_same_answers(shop, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    gaps = build_order_gaps(shop, now=NOW, backend=backend, tables=tables)
    months = build_monthly_active(shop, now=NOW, backend=backend, tables=tables)

    assert (gap_rows(gaps), gaps.median) == (GAPS, 60)
    assert month_rows(months) == MONTHS


def test_the_page_shows_both_cards_and_their_csvs_hold_the_rows(shop, agent_client):
    sync_warehouse(now=NOW)

    with time_machine.travel(NOW, tick=False):
        html = agent_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()
        gaps = agent_client.get(reverse("analytics:order-gaps-csv"))
        active = agent_client.get(reverse("analytics:monthly-active-csv"))
    gap_lines = b"".join(gaps.streaming_content).decode("utf-8-sig").strip().splitlines()
    active_lines = b"".join(active.streaming_content).decode("utf-8-sig").strip().splitlines()

    assert "60 days</strong> is the median time from a customer’s order to their next, over this" in html
    assert "store’s 7 repeat orders so far." in html
    assert '<tr><td>0–7 days</td><td class="num">2</td><td class="num">28.6%</td></tr>' in html
    assert '<tr><td>Over 365 days</td><td class="num">1</td><td class="num">14.3%</td></tr>' in html
    assert "<title>181–365 days · Repeat orders: 1</title>" in html  # the chart's tooltip
    assert '<td class="nowrap">Dec 2026</td><td class="num">1</td><td class="num">0</td>' in html
    assert '<td class="nowrap">Jan 2026</td><td class="num">3</td><td class="num">2</td>' in html
    assert "<title>Jul 2026 · Active customers: 1</title>" in html
    assert gap_lines == [
        "Days between orders,From (days),To (days),Repeat orders,Share (%)",
        "0–7 days,0,7,2,28.6", "8–30 days,8,30,1,14.3", "31–60 days,31,60,1,14.3", "61–90 days,61,90,0,0.0",
        "91–180 days,91,180,1,14.3", "181–365 days,181,365,1,14.3", "Over 365 days,366,,1,14.3",
    ]  # fmt: skip
    assert active_lines == ["Month,First day,Active customers,Of them ordered"] + [
        f"{datetime.strptime(month, '%Y-%m'):%b %Y},{month}-01,{n},{buyers}" for month, n, buyers in MONTHS
    ]
    name = "monthly-active-customers-2026-01-01-2026-12-01.csv"
    assert active["Content-Disposition"] == f'attachment; filename="{name}"'


def test_in_persian_the_charts_run_right_to_left_in_persian_digits(shop, staff_client):
    sync_warehouse(now=NOW)

    with time_machine.travel(NOW, tick=False):
        response = staff_client.get(reverse("analytics:dashboard"), {"days": "7"}, HTTP_ACCEPT_LANGUAGE="fa")
    html = response.content.decode()
    chart, months = response.context["gap_chart"], response.context["active_chart"]

    assert "۶۰ روز" in html  # the median, 60 days
    assert chart.bars[0].x > chart.bars[-1].x  # 0–7 days on the right
    assert months.bars[0].x > months.bars[-1].x  # January on the right, December on the left
    assert chart.tick_anchor == "start" and chart.tick_x > chart.plot_end - 1  # the axis on the right
    assert [tick.label for tick in chart.ticks] == ["۰", "۱", "۲"]  # whole orders: no 0.5 of one
    assert "۲۸٫۶٪" in html  # 28.6 %


def test_the_csv_cells_are_formula_safe_and_numbers_stay_numbers():
    row = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", " =1", "0–7 days", 7, Decimal("-1.50"), ""]

    assert safe_cells(row) == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "' =1", "0–7 days", 7, Decimal("-1.50"), "",
    ]  # fmt: skip


def test_the_csvs_in_persian_hold_no_cell_a_spreadsheet_would_run(shop, staff_client):
    sync_warehouse(now=NOW)

    with time_machine.travel(NOW, tick=False):
        gaps = staff_client.get(reverse("analytics:order-gaps-csv"), HTTP_ACCEPT_LANGUAGE="fa")
        active = staff_client.get(reverse("analytics:monthly-active-csv"), HTTP_ACCEPT_LANGUAGE="fa")
    text = "".join(b"".join(csv.streaming_content).decode("utf-8-sig") for csv in (gaps, active))
    cells = [cell for line in text.splitlines() for cell in line.split(",")]

    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert "بیش از ۳۶۵ روز,366,,1,14.3" in text  # the label in Persian, the figures as numbers
    # a Persian page counts Solar Hijri months: Dey 1404 began on 22 December 2025 (gosia's 31 December
    # counts there), Aban 1405 on 23 October, Azar 1405 on 22 November
    assert "دی ۱۴۰۴,2025-12-22,4,2" in text and "آبان ۱۴۰۵,2026-10-23,2,1" in text
    assert text.strip().endswith("آذر ۱۴۰۵,2026-11-22,1,0")


def test_before_the_first_sync_the_csvs_send_back_to_the_page(agent_client):
    for name in ("analytics:order-gaps-csv", "analytics:monthly-active-csv"):
        response = agent_client.get(reverse(name))

        assert response.status_code == 302 and response["Location"] == reverse("analytics:dashboard")


def test_another_stores_staff_see_none_of_these_customers(shop, other_store, client):
    from cxloop.testing.fixtures import make_staff

    client.force_login(make_staff(other_store))
    sync_warehouse(now=NOW)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("analytics:monthly-active-csv"))
        gaps = client.get(reverse("analytics:order-gaps-csv"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    gap_lines = b"".join(gaps.streaming_content).decode("utf-8-sig").strip().splitlines()

    assert [line.split(",", 1)[1] for line in lines[1:]] == [
        f"2026-{month:02d}-01,{1 if month == 10 else 0},{1 if month == 10 else 0}" for month in range(1, 13)
    ]
    assert gap_lines[1] == "0–7 days,0,7,1,100.0"  # the stranger's 4 days, and nothing of the shop's
