"""How times, dates and numbers read on every page, chart, email and export.

One place decides, per language, the four date shapes cxloop shows and how
numbers are grouped; templates reach these through the `cxloop_web` filters,
charts and exports call them directly.

    date_text(d)        en "Dec 3, 2026"    zh "2026年12月3日"   fa "۱۲ آذر ۱۴۰۵"
    datetime_text(dt)   en "Dec 3, 2026, 10:46 AM"            fa "۱۲ آذر ۱۴۰۵، ۱۰:۴۶"
    axis_label(d)       en "Dec 3"          pl "3 gru"         fa "۱۲ آذر"
    month_text(d)       en "Dec 2026"       zh "2026年12月"      fa "آذر ۱۴۰۵"
    number_text(n)      en "13,250.21"      pl "13 250,21"     fa "۱۳٬۲۵۰٫۲۱"
    percent_text(3.4)   en "3.4%"           pl "3,4%"          fa "۳٫۴٪"
    compact_text(1500)  en "1.5K"           pl "1,5 tys."      fa "۱٫۵ هزار"

Rules:
- Times are shown in the active Django timezone: the store's, activated per
  request (`cxloop.core.middleware.CurrentStoreMiddleware`, the public survey
  views) and around email rendering. Exports write `iso_text` (ISO 8601 with
  the offset, in the same zone).
- Patterns are CLDR's (Babel): date "medium", time "short", axis "MMMd",
  month "yMMM". Traditional Chinese (zh-hant) reads like zh-hans here.
- Persian pages write Persian digits (۰-۹) in every number and date, and
  dates in the Solar Hijri calendar unless the reader asked for Gregorian
  (`use_calendar`, set from the `cxloop_calendar` cookie).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import zoneinfo
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import jdatetime
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_compact_decimal, format_decimal
from django.utils import timezone, translation

JALALI = "jalali"
GREGORIAN = "gregorian"
CALENDARS = (JALALI, GREGORIAN)
CALENDAR_COOKIE = "cxloop_calendar"

# Languages written with Persian digits and, by default, the Solar Hijri calendar.
PERSIAN_DIGIT_LANGUAGES = {"fa"}
JALALI_LANGUAGES = {"fa"}
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

_calendar: contextvars.ContextVar[str | None] = contextvars.ContextVar("calendar", default=None)


# -- language and calendar ---------------------------------------------------


def _language(language: str | None = None) -> str:
    return (language or translation.get_language() or "en").lower()


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    base = language.split("-")[0]
    if base == "zh":
        # zh-hant and zh-hans share patterns and grouping for everything shown here.
        return Locale.parse("zh_Hant" if "hant" in language else "zh_Hans")
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(base) if base != language else Locale("en")


def locale_for(language: str | None = None) -> Locale:
    """The Babel locale whose CLDR patterns the language's pages use."""
    return _locale(_language(language))


def calendar_for(language: str | None = None) -> str:
    """JALALI for Persian unless the reader chose Gregorian; GREGORIAN for everyone else."""
    if _language(language).split("-")[0] not in JALALI_LANGUAGES:
        return GREGORIAN
    return _calendar.get() or JALALI


def use_calendar(choice: str | None) -> contextvars.Token:
    """Make `choice` (JALALI/GREGORIAN, or None for the language's default) the reader's calendar."""
    return _calendar.set(choice if choice in CALENDARS else None)


def reset_calendar(token: contextvars.Token) -> None:
    _calendar.reset(token)


@contextmanager
def calendar_override(choice: str | None):
    token = use_calendar(choice)
    try:
        yield
    finally:
        _calendar.reset(token)


def store_zone(store) -> zoneinfo.ZoneInfo:
    """The store's timezone; UTC when there is no store or its zone is unknown."""
    try:
        return zoneinfo.ZoneInfo(getattr(store, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def localize_digits(text: str, language: str | None = None) -> str:
    """ASCII digits as the language writes them: "12" -> "۱۲" in Persian, unchanged elsewhere."""
    if _language(language).split("-")[0] in PERSIAN_DIGIT_LANGUAGES:
        return str(text).translate(_PERSIAN_DIGITS)
    return str(text)


def _localize_number(text: str, language: str | None) -> str:
    """Digits, percent and minus signs of a Babel-formatted number as the language writes them."""
    if _language(language).split("-")[0] in PERSIAN_DIGIT_LANGUAGES:
        # Babel keeps ASCII `%` and `-` in patterns; CLDR's Persian signs are ٪ and (LRM)−.
        symbols = locale_for(language).number_symbols["arabext"]
        text = text.replace("%", symbols["percentSign"]).replace("-", symbols["minusSign"])
        text = text.replace("+", symbols["plusSign"])
    return localize_digits(text, language)


# -- times and dates ---------------------------------------------------------


def local(value: dt.datetime) -> dt.datetime:
    """An aware datetime in the active (store) timezone; naive ones are taken as UTC."""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return timezone.localtime(value)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return local(value).date() if isinstance(value, dt.datetime) else value


def _jalali(day: dt.date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=day)


def _month_name(day: jdatetime.date) -> str:
    return jdatetime.date.j_months_fa[day.month - 1]


def date_text(value, language: str | None = None) -> str:
    """The language's one date format: "Dec 3, 2026", "3 gru 2026", "2026年12月3日", "۱۲ آذر ۱۴۰۵"."""
    if value in (None, ""):
        return ""
    day = _as_date(value)
    if calendar_for(language) == JALALI:
        jday = _jalali(day)
        text = f"{jday.day} {_month_name(jday)} {jday.year}"
    else:
        text = format_date(day, "medium", locale=locale_for(language))
    return localize_digits(text, language)


def time_text(value, language: str | None = None, *, zone: bool = False) -> str:
    """Hours and minutes in the store's zone ("10:46 AM", "10:46"), with its abbreviation if `zone`."""
    if value in (None, ""):
        return ""
    moment = local(value)
    text = format_time(moment, "short", locale=locale_for(language))
    if zone:
        text = f"{text}\xa0{zone_abbreviation(moment)}"
    return localize_digits(text, language)


def datetime_text(value, language: str | None = None, *, zone: bool = False) -> str:
    """The date format above with the time: "Dec 3, 2026, 10:46 AM" ("… 10:46 AM CET" with `zone`)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.datetime):
        return date_text(value, language)
    pattern = get_datetime_format("medium", locale=locale_for(language))
    text = pattern.replace("{1}", date_text(value, language)).replace(
        "{0}", time_text(value, language, zone=zone)
    )
    return text.replace("'", "")


def duration_text(value: dt.timedelta, language: str | None = None) -> str:
    """A length of time, rounded to its largest unit: "2 hr", "45 min", "۲ ساعت" (negative: its size)."""
    if value in (None, ""):
        return ""
    from babel.dates import format_timedelta

    seconds = abs(value.total_seconds())
    text = format_timedelta(
        dt.timedelta(seconds=max(seconds, 60)), format="short", threshold=1.0, locale=locale_for(language)
    )
    return localize_digits(text, language)


def axis_label(value, language: str | None = None) -> str:
    """A short day label for chart axes: "Dec 3", "3 gru", "12月3日", "۱۲ آذر"."""
    day = _as_date(value)
    if calendar_for(language) == JALALI:
        jday = _jalali(day)
        return localize_digits(f"{jday.day} {_month_name(jday)}", language)
    return localize_digits(format_skeleton("MMMd", day, locale=locale_for(language)), language)


def month_text(value, language: str | None = None) -> str:
    """A month: "Dec 2026", "2026年12月", "آذر ۱۴۰۵" (the Jalali month the day falls in)."""
    day = _as_date(value)
    if calendar_for(language) == JALALI:
        jday = _jalali(day)
        return localize_digits(f"{_month_name(jday)} {jday.year}", language)
    return localize_digits(format_skeleton("yMMM", day, locale=locale_for(language)), language)


def zone_abbreviation(moment: dt.datetime) -> str:
    """The zone as clocks there name it: "CET", "CEST", "UTC"; "+0330" where it has no letters."""
    name = local(moment).tzname() or ""
    if name.startswith(("+", "-")) or not name:
        offset = moment.strftime("%z")
        return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return name


def zone_name() -> str:
    """The active zone's name for headings: "Europe/Warsaw"."""
    return str(timezone.get_current_timezone_name())


def iso_text(value) -> str:
    """ISO 8601 with the offset, in the store's zone: "2026-12-02T10:46:00+01:00" (for exports)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    return local(value).replace(microsecond=0).isoformat()


# -- numbers -----------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _number_symbols(language: str | None) -> str:
    return "arabext" if _language(language).split("-")[0] in PERSIAN_DIGIT_LANGUAGES else "latn"


def number_text(
    value, decimals: int | None = None, language: str | None = None, *, signed: bool = False
) -> str:
    """A number grouped as the language groups it: "13,250.21", "13 250,21", "۱۳٬۲۵۰٫۲۱".

    `decimals` fixes the places shown; a negative one shows up to that many
    (like floatformat's -1); None keeps up to three, dropping trailing zeros.
    `signed` writes "+" before positive numbers (an NPS of "+25"). Anything that
    is not a number is returned as given.
    """
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if decimals is None:
        decimals = -3
    places = "0" * decimals if decimals > 0 else "#" * -decimals
    pattern = "#,##0" + ("." + places if places else "")
    if signed and number != 0:
        pattern = f"+{pattern};-{pattern}"
    text = format_decimal(
        number, format=pattern, locale=locale_for(language), numbering_system=_number_symbols(language)
    )
    return _localize_number(text, language)


def compact_text(value, language: str | None = None) -> str:
    """A short axis number in CLDR's compact form: "1.5K", "1,5 tys.", "۱٫۵ هزار", "120万"."""
    number = _decimal(value)
    if number is None:
        return ""
    text = format_compact_decimal(
        number, locale=locale_for(language), fraction_digits=1, numbering_system=_number_symbols(language)
    )
    return _localize_number(text, language)


class Count(int):
    """A whole number that prints as `number_text` ("1,263", "۱٬۲۶۳") yet is still an int.

    `{% blocktranslate count n=total|number %}` picks the plural from the int
    and prints the grouped, localised digits.
    """

    def __str__(self) -> str:
        return number_text(int(self), 0)

    __html__ = __str__


def percent_text(value, decimals: int | None = None, language: str | None = None) -> str:
    """A value already in percent: 3.4 -> "3.4%", "3,4%", "۳٫۴٪" (CLDR's sign and its side)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    places = "." + "0" * decimals if decimals else "" if decimals == 0 else ".#"
    text = format_decimal(
        number / 100,
        format=_percent_pattern(_language(language)).replace("0%", "0" + places + "%"),
        locale=locale_for(language),
        numbering_system=_number_symbols(language),
    )
    return _localize_number(text, language)


@lru_cache(maxsize=32)
def _percent_pattern(language: str) -> str:
    pattern = locale_for(language).percent_formats[None].pattern
    return pattern.split(";")[0].replace("\xa0", " ") if "0%" in pattern else "#,##0%"


def money_text(amount, currency: str = "", language: str | None = None) -> str:
    """An amount with two places and the currency code: "13,250.21 EUR", "۱۳٬۲۵۰٫۲۱ EUR"."""
    if _decimal(amount) is None:
        return "—"
    return f"{number_text(amount, 2, language)} {currency}".strip()
