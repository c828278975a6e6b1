"""A Persian reader types the reports' date range as Solar Hijri days; the address keeps ISO days."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Order
from cxloop.core.jalali_dates import NoSuchDay, NotADay, parse_day

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 29 Aban 1405
PAGE = reverse("analytics:dashboard")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    "text",
    [
        "1405/08/17",
        "۱۴۰۵/۰۸/۱۷",
        "١٤٠٥/٠٨/١٧",
        "1405-8-17",
        " ۱۴۰۵-۰۸-۱۷ ",
        "\u200e۱۴۰۵/۰۸/۱۷\u200f",
        "۱۴۰۵/8/١٧",
    ],
)
def test_a_solar_hijri_day_reads_in_any_of_the_digits_a_keyboard_sends(text):
    assert parse_day(text) == date(2026, 11, 8)


def test_esfand_30_is_a_day_of_a_leap_year_only():
    assert parse_day("1403/12/30") == date(2025, 3, 20)
    with pytest.raises(NoSuchDay):
        parse_day("1404/12/30")


@pytest.mark.parametrize(
    "text", ["1405/08", "1405/08-17", "05/08/17", "۱۴۰۵/۰۸/۱۷a", "آبان", "2026.11.08", ""]
)
def test_what_is_not_written_as_a_day_is_not_a_day(text):
    with pytest.raises(NotADay):
        parse_day(text)


def order(store, n, total, when):
    return Order.objects.create(
        store=store, platform="shopify", external_id=str(n), number=f"#{n}", currency=store.currency,
        total=Decimal(total), created_at=when,
    )  # fmt: skip


@pytest.fixture
def orders(store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    order(store, 1, "120.00", datetime(2026, 11, 10, 9, tzinfo=UTC))
    order(store, 2, "35.00", datetime(2026, 11, 14, 23, 30, tzinfo=UTC))  # 00:30 on 15 November in Warsaw
    order(store, 3, "40.00", datetime(2026, 11, 2, 9, tzinfo=UTC))  # the week before
    sync_warehouse()


def heading(html: str) -> str:
    return re.search(r'<p class="muted">\s*(.*?)\n', html)[1]


@pytest.mark.django_db
def test_a_typed_solar_hijri_range_is_the_page_of_the_same_iso_days(agent_client, orders):
    agent_client.cookies["django_language"] = "fa"

    # when the owner types 17 to 23 Aban 1405, in Persian digits and in ASCII ones
    answer = agent_client.get(PAGE, {"jfrom": "۱۴۰۵/۰۸/۱۷", "jto": "1405-8-23"})

    # then the address asks for the same range in ISO days, and that page is the ISO query's page
    assert answer.status_code == 302
    assert answer["Location"] == f"{PAGE}?from=2026-11-08&to=2026-11-14"
    html = agent_client.get(answer["Location"]).content.decode()
    iso = agent_client.get(PAGE, {"from": "2026-11-08", "to": "2026-11-14"}).content.decode()
    assert (
        heading(html) == heading(iso) == "۱۷ آبان ۱۴۰۵ – ۲۳ آبان ۱۴۰۵، در مقایسه با همین تعداد روز پیش از آن."
    )
    assert "۱۲۰٫۰۰" in html and "۱۵۵٫۰۰" not in html  # the 35.00 was the 15th in Warsaw
    # and the form shows the range in Solar Hijri days, written left to right, with the format to follow
    assert 'id="range-from" name="jfrom" value="۱۴۰۵/۰۸/۱۷" placeholder="۱۴۰۵/۰۸/۲۹" dir="ltr"' in html
    assert 'name="jto" value="۱۴۰۵/۰۸/۲۳"' in html and 'type="date"' not in html
    assert "revenue.csv?from=2026-11-08&amp;to=2026-11-14" in html


@pytest.mark.django_db
def test_without_a_range_the_solar_hijri_fields_are_empty_with_todays_day_as_the_example(
    agent_client, orders
):
    agent_client.cookies["django_language"] = "fa"

    html = agent_client.get(PAGE, {"days": "7"}).content.decode()

    assert 'name="jfrom" value="" placeholder="۱۴۰۵/۰۸/۲۹"' in html
    assert 'name="jto" value="" placeholder="۱۴۰۵/۰۸/۲۹"' in html


@pytest.mark.django_db
def test_a_persian_reader_of_the_gregorian_calendar_and_others_keep_the_date_inputs(agent_client, orders):
    english = agent_client.get(PAGE, {"from": "2026-11-08", "to": "2026-11-14"}).content.decode()
    agent_client.cookies["django_language"] = "fa"
    agent_client.cookies["cxloop_calendar"] = "gregorian"
    gregorian = agent_client.get(PAGE, {"from": "2026-11-08", "to": "2026-11-14"}).content.decode()

    for html in (english, gregorian):
        assert '<input type="date" id="range-from" name="from" value="2026-11-08" required>' in html
        assert "jfrom" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"jfrom": "۱۴۰۵/۱۳/۰۱", "jto": "۱۴۰۵/۰۸/۲۳"}, "«از»: تقویم هجری شمسی روز ۱۴۰۵/۱۳/۰۱ را ندارد."),
        ({"jfrom": "۱۴۰۵/۰۸/۱۷", "jto": "۱۴۰۵/۰۸/۳۲"}, "«تا»: تقویم هجری شمسی روز ۱۴۰۵/۰۸/۳۲ را ندارد."),
        ({"jfrom": "1404/12/30", "jto": "1405/01/10"}, "«از»: تقویم هجری شمسی روز ۱۴۰۴/۱۲/۳۰ را ندارد."),
        (
            {"jfrom": "۱۴۰۵/۰۸/۱۷", "jto": "آبان ۲۳"},
            "«تا» را به شکل تاریخ هجری شمسی بنویسید، مانند ۱۴۰۵/۰۸/۲۹.",
        ),
        (
            {"jfrom": "1405/O8/17", "jto": "۱۴۰۵/۰۸/۲۳"},
            "«از» را به شکل تاریخ هجری شمسی بنویسید، مانند ۱۴۰۵/۰۸/۲۹.",
        ),
        ({"jto": "۱۴۰۵/۰۸/۲۳"}, "«از» را به شکل تاریخ هجری شمسی بنویسید، مانند ۱۴۰۵/۰۸/۲۹."),
        ({"jfrom": "۱۴۰۵/۰۸/۲۳", "jto": "۱۴۰۵/۰۸/۱۷"}, "روز نخست پس از روز آخر است."),
        (
            {"jfrom": "۱۴۰۵/۰۸/۱۷", "jto": "۱۴۰۵/۰۸/۳۰"},
            "روز آخر، ۳۰ آبان ۱۴۰۵، پس از امروز (۲۹ آبان ۱۴۰۵) در منطقهٔ زمانی فروشگاه است.",
        ),
    ],
)
def test_a_bad_solar_hijri_range_is_400_in_persian_naming_the_field(agent_client, store, query, message):
    agent_client.cookies["django_language"] = "fa"

    answer = agent_client.get(PAGE, query)

    assert answer.status_code == 400
    assert answer.content.decode() == message
