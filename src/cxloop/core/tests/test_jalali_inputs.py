"""Typed Solar Hijri days and times read as the Gregorian values a date input would send."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict
from django.utils import timezone, translation

from cxloop.core.errors import InvalidInput
from cxloop.core.jalali_dates import NoSuchDay, NotADay, moment_text, parse_moment
from cxloop.core.jalali_inputs import gregorian_query, read_moment

LABELS = {"since": "From", "until": "To"}


@pytest.mark.parametrize(
    "text", ["1405/09/01 00:15", "۱۴۰۵/۰۹/۰۱ ۰۰:۱۵", "١٤٠٥-٩-١ 0:15", "\u200e۱۴۰۵/۰۹/۰۱\u200f  ۰:۱۵ "]
)
def test_a_solar_hijri_day_and_time_reads_in_any_of_the_digits_a_keyboard_sends(text):
    assert parse_moment(text) == datetime(2026, 11, 22, 0, 15)


@pytest.mark.parametrize(
    "text", ["1405/09/01", "1405/09/01 24:00", "1405/09/01 12:60", "1405/09/01T12:00", "12:00", "فردا ۹:۰۰"]
)
def test_what_is_not_a_day_and_a_24_hour_time_is_not_a_moment(text):
    with pytest.raises(NotADay):
        parse_moment(text)


def test_esfand_30_of_a_common_year_is_no_moment():
    with pytest.raises(NoSuchDay):
        parse_moment("1404/12/30 09:00")


def test_a_moment_shows_as_it_is_typed_on_a_persian_page():
    with translation.override("fa"):
        assert moment_text(datetime(2026, 11, 22, 0, 15)) == "۱۴۰۵/۰۹/۰۱ ۰۰:۱۵"


def test_a_typed_moment_is_wall_clock_time_in_the_active_zone():
    with timezone.override(ZoneInfo("Asia/Tehran")):
        moment = read_moment("۱۴۰۵/۰۹/۰۱ ۰۰:۱۵", name="snoozed_until", label="Snooze until")

    assert moment == datetime(2026, 11, 21, 20, 45, tzinfo=UTC)


def test_typed_days_become_iso_days_and_everything_else_stays():
    data = QueryDict("jsince=۱۴۰۵/۰۸/۱۷&juntil=&team=3&until=2020-01-01")

    query = gregorian_query(data, LABELS)

    assert query.dict() == {"since": "2026-11-08", "team": "3"}


def test_a_typed_day_at_fault_names_its_field():
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
        with pytest.raises(InvalidInput) as raised:
            gregorian_query(QueryDict("jsince=1405/08/17&juntil=1405/13/01"), LABELS)

    assert raised.value.field == "juntil"
    assert raised.value.message == "“To”: the Solar Hijri calendar has no day 1405/13/01."
