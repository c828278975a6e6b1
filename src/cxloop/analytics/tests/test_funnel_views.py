"""The funnel cards of the reports page and their CSVs: this store's sessions only, the drop between
steps, the chart (mirrored on right-to-left pages), formula-safe CSVs."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cxloop.analytics.funnels import FunnelTrend, Steps, TrendRow
from cxloop.analytics.sync import sync_warehouse
from cxloop.analytics.views_funnels import trend_chart
from cxloop.commerce.models import Customer, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def visits(store, other_store):
    """Two sessions of the store an hour ago: s1 from a UTM source written as a formula, a product and an
    order, by ania (PL), on a phone; s2 from google, nobody identified, a crawler. And one of another
    store."""
    now = timezone.now() - timedelta(hours=1)
    ania = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", country="PL", created_at=now,
        updated_at=now,
    )  # fmt: skip
    rows = [
        (store, "s1", None, "page_view", {"utm_source": "=cmd|' /C calc'!A0"}),
        (store, "s1", ania, "product_view", {}),
        (store, "s1", ania, "order_placed", {}),
        (
            store,
            "s2",
            None,
            "page_view",
            {"referrer": "https://www.google.com/", "url": "https://shop.example/"},
        ),
        (other_store, "x1", None, "page_view", {"utm_source": "elsewhere-shop"}),
    ]
    for n, (shop, session, who, kind, properties) in enumerate(rows):
        Event.objects.create(
            store=shop, event_id=f"e{n}", type=kind, session_id=session, anonymous_id=f"a-{session}",
            customer=who, occurred_at=now + timedelta(minutes=n), received_at=now, properties=properties,
            device={"s1": "mobile", "s2": "bot"}.get(session, "desktop"),
        )  # fmt: skip
    sync_warehouse()
    return store


def csv_lines(response) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()


def test_the_page_shows_the_drops_the_funnel_over_time_and_by_channel_of_this_store(agent_client, visits):
    html = agent_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()

    # sessions 2, viewed a product 1 (lost 1 of 2), added to cart 0 (lost 1 of 1), then from none
    assert "Lost from the step before" in html
    assert (
        '<td>Viewed a product</td><td class="num">1</td><td class="num">50%</td><td class="num">50%</td>'
        in html
    )
    assert (
        '<td>Added to cart</td><td class="num">0</td><td class="num">0%</td><td class="num">100%</td>' in html
    )
    assert '<td>Ordered</td><td class="num">1</td><td class="num">50%</td><td class="num">—</td>' in html
    assert "Funnel over time" in html and "Funnel by channel" in html
    assert "· Sessions: 2</title>" in html and "· Ordered: 1</title>" in html  # the day's bars
    assert 'class="legend__swatch legend__swatch--s4"></span>Ordered' in html
    assert "<bdi>=cmd|&#x27; /c calc&#x27;!a0</bdi>" in html and "<bdi>google.com</bdi>" in html
    assert "<bdi>Poland</bdi>" in html and "<bdi>Country not known</bdi>" in html
    assert "elsewhere-shop" not in html
    # by device: the crawler after the phone, and another store's computer not at all
    devices = html[html.index("funnel-devices") :]
    assert "<td>Mobile</td>" in devices and "<td>Bots</td>" in devices and "Desktop" not in devices
    assert devices.index("<td>Mobile</td>") < devices.index("<td>Bots</td>")


def test_the_funnel_over_time_csv_holds_a_row_per_day(staff_client, visits):
    response = staff_client.get(reverse("analytics:funnel-trend-csv"), {"days": "7"})
    lines = csv_lines(response)

    assert lines[0] == "From,To,Sessions,Viewed a product,Added to cart,Started checkout,Ordered,Ordered (%)"
    assert len(lines) == 8
    today = timezone.localdate()  # the store's timezone is UTC
    hour_ago = (timezone.now() - timedelta(hours=1)).date()
    day = hour_ago.isoformat()
    assert f"{day},{day},2,1,0,0,1,50.0" in lines[1:]
    assert lines[-1].startswith(f"{today.isoformat()},{today.isoformat()},")
    assert response["Content-Disposition"] == 'attachment; filename="funnel-by-day-7-days.csv"'
    weekly = csv_lines(staff_client.get(reverse("analytics:funnel-trend-csv"), {"days": "90"}))
    assert len(weekly) == 1 + 13 and weekly[-1].split(",")[2:] == ["2", "1", "0", "0", "1", "50.0"]


def test_the_funnel_by_channel_csv_is_formula_safe_and_this_stores_only(staff_client, visits):
    response = staff_client.get(reverse("analytics:funnel-groups-csv"), {"days": "30"})

    assert csv_lines(response) == [
        "Group,Name,Sessions,Viewed a product,Added to cart,Started checkout,Ordered,Ordered (%)",
        "Channel,'=cmd|' /c calc'!a0,1,1,0,0,1,100.0",  # lower-cased, and read as text by a spreadsheet
        "Channel,google.com,1,0,0,0,0,0.0",
        "Country,Country not known,1,0,0,0,0,0.0",
        "Country,PL,1,1,0,0,1,100.0",
        "Device,Mobile,1,1,0,0,1,100.0",
        "Device,Bots,1,0,0,0,0,0.0",
        "UTM medium,No UTM medium,2,1,0,0,1,50.0",  # neither visit's first event had a utm_medium
    ]


def test_the_funnel_csvs_want_a_period_and_wait_for_the_first_sync(agent_client):
    for name in ("analytics:funnel-trend-csv", "analytics:funnel-groups-csv"):
        assert agent_client.get(reverse(name), {"days": "8"}).status_code == 400
        response = agent_client.get(reverse(name), {"days": "7"})
        assert (
            response.status_code == 302 and response["Location"] == reverse("analytics:dashboard") + "?days=7"
        )


def test_the_funnel_cards_need_a_member(client, visits):
    response = client.get(reverse("analytics:funnel-groups-csv"), {"days": "7"})

    assert response.status_code == 302 and "login" in response["Location"]


def test_on_a_right_to_left_page_the_chart_runs_right_to_left_with_its_own_digits():
    trend = FunnelTrend(
        weekly=True,
        rows=[
            TrendRow(date(2026, 11, 21), date(2026, 11, 27), Steps((12, 6, 3, 2, 1))),
            TrendRow(date(2026, 11, 28), date(2026, 12, 3), Steps((10, 5, 0, 0, 0))),
        ],
    )

    with translation.override("fa"):
        chart = trend_chart(trend, label_every=1)

    first_week, second_week = chart.bars[0], chart.bars[5]
    assert first_week.x > second_week.x  # the older week on the right
    assert chart.tick_anchor == "start" and chart.tick_x > chart.plot_end - 30
    assert first_week.label.endswith("۱۲") and " – " in first_week.label  # the week's first and last day
    assert [label.x for label in chart.group_labels] == sorted(
        [label.x for label in chart.group_labels], reverse=True
    )


def test_a_persian_page_writes_the_funnel_cards_figures_and_tooltips_in_persian_digits(staff_client, visits):
    staff_client.cookies["django_language"] = "fa"

    html = staff_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()

    cards = html[html.index('id="funnel-trend-title"') : html.index('id="journey-title"')]
    cells = re.findall(r'<td class="num">(.*?)</td>', cards) + re.findall(r"<title>(.*?)</title>", cards)
    assert len(cells) > 40 and not [text for text in cells if re.search("[0-9]", text)]
    assert "<title>" in cards and any(re.search("[۰-۹]", text) for text in cells)
    assert "قیف بر اساس کانال" in cards and "کشور نامشخص" in cards
    assert "<td>تلفن همراه</td>" in cards and "<td>ربات‌ها</td>" in cards
