"""A date range of the store's days on the reports page: its bounds, the period before, bad input a 400."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cxloop.analytics.reports import InvalidRange, Period, days_period, parse_range, range_bounds
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Order

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WARSAW = ZoneInfo("Europe/Warsaw")


class Shop:
    timezone = "Europe/Warsaw"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_range_is_its_store_days_and_the_as_many_days_before_across_a_summer_time_change():
    # 25 October 2026: Warsaw goes back from +02:00 to +01:00
    period = range_bounds(Shop(), date(2026, 10, 20), date(2026, 10, 30))

    assert period.days == 11
    assert period.since == datetime(2026, 10, 20, tzinfo=WARSAW) and period.since.utcoffset().seconds == 7200
    assert period.until == datetime(2026, 10, 31, tzinfo=WARSAW) and period.until.utcoffset().seconds == 3600
    assert period.previous_since == datetime(2026, 10, 9, tzinfo=WARSAW)


def test_one_day_and_today_make_a_range():
    period = range_bounds(Shop(), date(2026, 11, 20), date(2026, 11, 20))

    assert period.days == 1 and period.until == datetime(2026, 11, 21, tzinfo=WARSAW)
    assert period.previous_since == datetime(2026, 11, 19, tzinfo=WARSAW)


def test_the_last_days_give_the_same_period_as_the_range_of_those_days():
    assert days_period(Shop(), 7) == range_bounds(Shop(), date(2026, 11, 14), date(2026, 11, 20))
    assert isinstance(days_period(Shop(), 30), Period)


def test_366_days_is_the_longest_range():
    assert range_bounds(Shop(), date(2025, 11, 20), date(2026, 11, 20)).days == 366


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        ("2026-11-21", "2026-11-21", "to", "The last day, Nov 21, 2026, is after today (Nov 20, 2026) in the "
         "store's timezone."),
        ("2026-11-10", "2026-11-09", "from", "The first day is after the last day."),
        ("2025-11-19", "2026-11-20", "from", "Choose at most 366 days; this range has 367."),
        ("1970-01-05", "1970-01-10", "from", "Choose a first day on or after Jan 7, 1970 (the period before "
         "counts too)."),
        ("0001-01-01", "0001-01-01", "from", "Choose a first day on or after Jan 2, 1970 (the period before "
         "counts too)."),
        ("2026-11-31", "2026-12-01", "from", "“from” is not a date written as YYYY-MM-DD."),
        ("2026-11-01", "20261102", "to", "“to” is not a date written as YYYY-MM-DD."),
        ("2026-W01-1", "2026-11-02", "from", "“from” is not a date written as YYYY-MM-DD."),
        ("٢٠٢٦-١١-٠١", "2026-11-02", "from", "“from” is not a date written as YYYY-MM-DD."),
        ("", "2026-11-02", "from", "“from” is not a date written as YYYY-MM-DD."),
    ],
)  # fmt: skip
def test_a_range_that_cannot_be_reported_names_its_problem(first, last, field, message):
    with pytest.raises(InvalidRange) as raised:
        parse_range(Shop(), first, last)

    assert raised.value.field == field
    assert raised.value.message == message


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


@pytest.mark.django_db
def test_the_page_shows_the_range_asked_for_against_the_days_before(agent_client, orders):
    response = agent_client.get(reverse("analytics:dashboard"), {"from": "2026-11-08", "to": "2026-11-14"})

    html = response.content.decode().replace("\u00a0", " ")
    assert response.status_code == 200
    assert "Nov 8, 2026 – Nov 14, 2026, compared with the same number of days before." in html
    assert "120.00" in html and "155.00" not in html  # the 35.00 was the 15th in Warsaw
    # the form keeps the range, no preset is the current one, and the links ask for it again
    assert (
        'name="from" value="2026-11-08" required' in html and 'name="to" value="2026-11-14" required' in html
    )
    assert 'href="?days=30" aria-current="page"' not in html
    assert "revenue.csv?from=2026-11-08&amp;to=2026-11-14" in html
    assert '<input type="hidden" name="from" value="2026-11-08">' in html


@pytest.mark.django_db
def test_a_preset_is_the_current_one_without_a_range(agent_client, orders):
    html = agent_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()

    assert 'href="?days=7" aria-current="page"' in html
    assert 'name="from" value="" required' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2026-11-08"}, "“to” is not a date written as YYYY-MM-DD."),
        ({"from": "2026-11-08", "to": "2026-13-01"}, "“to” is not a date written as YYYY-MM-DD."),
        ({"from": "2026-11-09", "to": "2026-11-08"}, "The first day is after the last day."),
        ({"from": "2026-11-08", "to": "2026-11-21"}, "is after today (Nov 20, 2026)"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "Choose at most 366 days; this range has 732."),
    ],
)
def test_a_bad_range_is_400_naming_the_problem(staff_client, store, query, message):
    for name in ("analytics:dashboard", "analytics:dashboard-csv", "analytics:paths-csv"):
        response = staff_client.get(reverse(name), query)

        assert response.status_code == 400
        assert message in response.content.decode()


@pytest.mark.django_db
def test_the_csv_of_a_range_holds_its_days(staff_client, orders):
    response = staff_client.get(
        reverse("analytics:dashboard-csv"), {"from": "2026-11-08", "to": "2026-11-15"}
    )
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()

    assert response["Content-Disposition"] == 'attachment; filename="revenue-2026-11-08-2026-11-15.csv"'
    assert lines[1:] == [
        "2026-11-08,0,0", "2026-11-09,0,0", "2026-11-10,1,120.00", "2026-11-11,0,0", "2026-11-12,0,0",
        "2026-11-13,0,0", "2026-11-14,0,0", "2026-11-15,1,35.00",
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_paths_csv_of_a_range_is_named_for_its_days(staff_client, orders):
    response = staff_client.get(reverse("analytics:paths-csv"), {"from": "2026-11-08", "to": "2026-11-15"})

    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="paths-to-first-order-2026-11-08-2026-11-15.csv"'
    )


@pytest.mark.django_db
def test_before_the_first_sync_the_csv_of_a_range_sends_back_to_the_page_with_it(staff_client):
    response = staff_client.get(
        reverse("analytics:dashboard-csv"), {"from": "2026-11-08", "to": "2026-11-15"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:dashboard") + "?from=2026-11-08&to=2026-11-15"


@pytest.mark.django_db
def test_in_persian_the_range_form_is_translated_and_a_long_range_is_named_in_persian_digits(
    staff_client, orders
):
    staff_client.post(reverse("set_language"), {"language": "fa", "next": "/"})

    page = staff_client.get(reverse("analytics:dashboard"), {"from": "2026-11-08", "to": "2026-11-14"})
    refused = staff_client.get(reverse("analytics:dashboard"), {"from": "2024-01-01", "to": "2026-01-01"})

    html = page.content.decode()
    assert '<html lang="fa" dir="rtl">' in html and 'aria-label="بازهٔ تاریخ"' in html
    assert 'name="from" value="2026-11-08"' in html  # a date input's value is ISO whatever the language
    assert refused.status_code == 400
    assert refused.content.decode() == "حداکثر ۳۶۶ روز انتخاب کنید؛ این بازه ۷۳۲ روز است."
