"""Solar Hijri days as a Persian reader types them into a form, and back.

    parse_day("۱۴۰۵/۰۹/۱۵") == date(2026, 12, 6)   # "1405-9-15" and "١٤٠٥/٠٩/١٥" too
    day_text(date(2026, 12, 6)) == "۱۴۰۵/۰۹/۱۵"    # on a Persian page (digits as formats writes them)
    parse_moment("۱۴۰۵/۰۹/۱۵ ۱۴:۳۰") == datetime(2026, 12, 6, 14, 30)   # a wall-clock time
    moment_text(datetime(2026, 12, 6, 14, 30)) == "۱۴۰۵/۰۹/۱۵ ۱۴:۳۰"

A typed day is year/month/day: four digits, then one or two each, separated by
"/" or "-" (the same both times), in ASCII, Persian (۰-۹) or Arabic-Indic (٠-٩)
digits. Spaces around it and the invisible direction marks that a copy from
right-to-left text brings along are ignored. A typed moment is such a day, then
spaces, then a 24-hour time hour:minute ("14:30", "9:05").
"""

import re
from datetime import date, datetime, time

import jdatetime

from . import formats

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200c\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_DAY = re.compile(r"([0-9]{4})([/-])([0-9]{1,2})\2([0-9]{1,2})")
_MOMENT = re.compile(r"(\S+)\s+([0-9]{1,2}):([0-9]{2})")


class NotADay(ValueError):
    """The text is not written as a Solar Hijri year/month/day."""


class NoSuchDay(ValueError):
    """Written as a day the Solar Hijri calendar does not have (month 13, Esfand 30 of a common year)."""

    def __init__(self, year: int, month: int, day: int):
        super().__init__(f"{year:04d}/{month:02d}/{day:02d}")
        self.written = f"{year:04d}/{month:02d}/{day:02d}"


def parse_day(text: str) -> date:
    """The Gregorian date of a typed Solar Hijri day; raises NotADay or NoSuchDay."""
    found = _DAY.fullmatch(text.translate(_INVISIBLE).translate(_DIGITS).strip())
    if found is None:
        raise NotADay(text)
    year, month, day = int(found[1]), int(found[3]), int(found[4])
    try:
        return jdatetime.date(year, month, day).togregorian()
    except (ValueError, OverflowError):
        raise NoSuchDay(year, month, day) from None


def parse_moment(text: str) -> datetime:
    """The naive Gregorian wall-clock time of a typed Solar Hijri day and time; NotADay or NoSuchDay."""
    found = _MOMENT.fullmatch(text.translate(_INVISIBLE).translate(_DIGITS).strip())
    if found is None or int(found[2]) > 23 or int(found[3]) > 59:
        raise NotADay(text)
    return datetime.combine(parse_day(found[1]), time(int(found[2]), int(found[3])))


def day_text(day: date) -> str:
    """A day as a Solar Hijri form field shows it: "۱۴۰۵/۰۹/۱۵" (zero-padded; the page's digits)."""
    jday = jdatetime.date.fromgregorian(date=day)
    return formats.localize_digits(f"{jday.year:04d}/{jday.month:02d}/{jday.day:02d}")


def moment_text(moment: datetime) -> str:
    """A wall-clock time as a Solar Hijri form field shows it: "۱۴۰۵/۰۹/۱۵ ۱۴:۳۰" (24-hour clock)."""
    return f"{day_text(moment.date())} {formats.localize_digits(f'{moment.hour:02d}:{moment.minute:02d}')}"
