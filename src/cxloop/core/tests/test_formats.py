"""One way to show times, dates and numbers per language (cxloop.core.formats)."""

from datetime import UTC, date, datetime

import jdatetime
import pytest
from django.utils import timezone, translation

from cxloop.core import formats

# 09:46 UTC on 3 December 2026 is 10:46 in Warsaw (CET, +01:00).
MOMENT = datetime(2026, 12, 3, 9, 46, tzinfo=UTC)
DAY = date(2026, 12, 3)


def shown(function, value, language, *args, **kwargs):
    with translation.override(language), timezone.override("Europe/Warsaw"):
        return function(value, *args, **kwargs)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Dec 3, 2026"),
        ("pl", "3 gru 2026"),
        ("lv", "2026. gada 3. dec."),
        ("zh-hans", "2026年12月3日"),
        ("zh-hant", "2026年12月3日"),
        ("fa", "۱۲ آذر ۱۴۰۵"),
    ],
)
def test_each_language_has_one_date_format(language, expected):
    assert shown(formats.date_text, DAY, language) == expected
    assert shown(formats.date_text, MOMENT, language) == expected


def test_the_persian_date_is_the_solar_hijri_day_jdatetime_computes():
    jalali = jdatetime.date.fromgregorian(date=DAY)
    assert (jalali.year, jalali.month, jalali.day) == (1405, 9, 12)  # 12 Azar 1405
    assert shown(formats.date_text, DAY, "fa") == "۱۲ آذر ۱۴۰۵"
    assert shown(formats.month_text, DAY, "fa") == "آذر ۱۴۰۵"
    assert shown(formats.axis_label, DAY, "fa") == "۱۲ آذر"


def test_a_persian_reader_may_ask_for_the_gregorian_calendar_with_persian_digits():
    with formats.calendar_override(formats.GREGORIAN):
        assert shown(formats.date_text, DAY, "fa") == "۳ دسامبر ۲۰۲۶"
    # Other languages ignore the choice: it only switches Persian away from Jalali.
    with formats.calendar_override(formats.JALALI):
        assert shown(formats.date_text, DAY, "en") == "Dec 3, 2026"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Dec 3, 2026, 10:46\u202fAM"),
        ("pl", "3 gru 2026, 10:46"),
        ("zh-hans", "2026年12月3日 10:46"),
        ("zh-hant", "2026年12月3日 上午10:46"),
        ("fa", "۱۲ آذر ۱۴۰۵،\u200f ۱۰:۴۶"),
    ],
)
def test_times_are_shown_in_the_active_store_zone(language, expected):
    assert shown(formats.datetime_text, MOMENT, language) == expected


def test_the_zone_can_be_named_after_the_time():
    assert shown(formats.datetime_text, MOMENT, "en", zone=True) == "Dec 3, 2026, 10:46\u202fAM\xa0CET"
    with translation.override("en"), timezone.override("Asia/Tehran"):
        assert formats.time_text(MOMENT, zone=True) == "1:16\u202fPM\xa0UTC+03:30"


@pytest.mark.parametrize(
    ("language", "axis", "month"),
    [("en", "Dec 3", "Dec 2026"), ("pl", "3 gru", "gru 2026"), ("zh-hans", "12月3日", "2026年12月")],
)
def test_chart_axes_use_the_same_calendar_and_month_names(language, axis, month):
    assert shown(formats.axis_label, DAY, language) == axis
    assert shown(formats.month_text, DAY, language) == month


def test_exports_write_iso_8601_with_the_store_offset():
    with timezone.override("Europe/Warsaw"):
        assert formats.iso_text(MOMENT) == "2026-12-03T10:46:00+01:00"
    with timezone.override("Asia/Tehran"):
        assert formats.iso_text(MOMENT) == "2026-12-03T13:16:00+03:30"


@pytest.mark.parametrize(
    ("language", "number", "percent", "money"),
    [
        ("en", "13,250.21", "3.4%", "13,250.21 EUR"),
        ("pl", "13\xa0250,21", "3,4%", "13\xa0250,21 EUR"),
        ("lv", "13\xa0250,21", "3,4%", "13\xa0250,21 EUR"),
        ("zh-hans", "13,250.21", "3.4%", "13,250.21 EUR"),
        ("zh-hant", "13,250.21", "3.4%", "13,250.21 EUR"),
        ("fa", "۱۳٬۲۵۰٫۲۱", "۳٫۴٪", "۱۳٬۲۵۰٫۲۱ EUR"),
    ],
)
def test_numbers_are_grouped_and_written_per_cldr(language, number, percent, money):
    with translation.override(language):
        assert formats.number_text("13250.21") == number
        assert formats.percent_text(3.4) == percent
        assert formats.money_text("13250.21", "EUR") == money


def test_persian_signs_are_cldrs():
    with translation.override("fa"):
        assert formats.percent_text(-3.2) == "\u200e−۳٫۲٪"
        assert formats.number_text(25, 0, signed=True) == "\u200e+۲۵"
        assert formats.number_text(0, 0, signed=True) == "۰"


def test_decimals_fixed_or_at_most():
    with translation.override("en"):
        assert formats.number_text(4.5, 1) == "4.5"
        assert formats.number_text(4, 1) == "4.0"
        assert formats.number_text(66.666, -1) == "66.7"
        assert formats.number_text(50, -1) == "50"
        assert formats.money_text(None, "EUR") == "—"


def test_a_count_stays_an_int_but_prints_localised():
    with translation.override("fa"):
        count = formats.Count(1263)
        assert count == 1263 and count > 1
        assert str(count) == "۱٬۲۶۳"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["500", "1.5K", "1.2M"]),
        ("pl", ["500", "1,5\xa0tys.", "1,2\xa0mln"]),
        ("fa", ["۵۰۰", "۱٫۵\xa0هزار", "۱٫۲\xa0میلیون"]),
    ],
)
def test_chart_value_axes_use_cldr_compact_numbers(language, expected):
    with translation.override(language):
        assert [formats.compact_text(value) for value in (500, 1500, 1_200_000)] == expected
