"""Business hours: when a store's help desk is open, and time counted only while it is.

A store keeps its opening hours in the wall-clock time of its own zone, as stored
on the store or an SLA policy::

    {"zone": "Europe/Warsaw",
     "week": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "12:00"], ["13:00", "17:00"]]},
     "holidays": ["2026-12-25"]}

Days missing from ``week`` (or with no intervals) are closed, and so is every
date in ``holidays``, all day. An interval may end at ``"24:00"`` (midnight,
``time(0)`` in Python), so a night shift is two intervals that join up:
Monday 22:00-24:00 and Tuesday 00:00-06:00 are eight open hours in a row.

Business time is the real time that passes while the store's wall clock reads
an open time. The rules follow from that one definition:

- On a day the clocks go forward, the skipped wall-clock hour never happens:
  Warsaw open 01:00-04:00 on 29 March 2026 is open two hours, and a shift
  opening at 02:30 that day opens at 03:00 (the first instant after the gap).
- On a day the clocks go back, the repeated hour happens twice and counts
  twice, because twice as much real time passes: Warsaw open 01:00-04:00 on
  25 October 2026 is open four hours.
- An interval wholly inside the skipped hour is not open that day at all.
- Everything is real elapsed seconds between aware instants; the functions take
  aware datetimes in any zone and answer in UTC.

Example, Warsaw open weekdays 09:00-17:00::

    add_business_time(hours, friday_16h, timedelta(hours=2))   # Monday 10:00 (in UTC)
    business_time_between(hours, friday_16h, monday_10h)      # 2 hours
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIDNIGHT = time(0)
# Searching further ahead than this for an open minute means the hours are never open.
HORIZON = timedelta(days=2 * 366)
# The UTC offset is checked at both ends of each step. No zone in tzdata has
# changed its offset twice within twelve hours since 1970 (checked against every
# zone's transitions), so a step never hides a change.
_STEP = timedelta(hours=12)
_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIME = re.compile(r"(\d\d):(\d\d)(?::(\d\d))?")

Interval = tuple[time, time]


class HoursError(ValueError):
    """Opening hours that make no sense; ``field`` names the offending part (``week.mon[1]``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class BusinessHours:
    """Weekly opening hours in the wall-clock time of ``zone``, with whole-day holidays.

    ``week`` maps a weekday (0 = Monday) to its open intervals ``(start, end)``,
    half-open, where ``end == time(0)`` means midnight at the end of the day.
    The constructor checks and normalises: every weekday is present (closed days
    have ``[]``) and intervals are sorted, so equal hours compare equal.
    """

    zone: str
    week: dict[int, list[Interval]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self):
        _check_zone(self.zone)
        if not isinstance(self.week, dict):
            raise HoursError("week", _("expected weekdays mapped to lists of intervals"))
        unknown = [day for day in self.week if day not in range(7)]
        if unknown:
            raise HoursError("week", _("unknown weekday %(day)r") % {"day": unknown[0]})
        week = {day: _checked_day(day, self.week.get(day) or []) for day in range(7)}
        object.__setattr__(self, "week", week)
        object.__setattr__(self, "holidays", _checked_holidays(self.holidays))

    def __hash__(self):
        return hash((self.zone, tuple(tuple(self.week[day]) for day in range(7)), self.holidays))

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def ever_open(self) -> bool:
        return any(self.week.values())

    @classmethod
    def always(cls, zone: str = "UTC") -> "BusinessHours":
        """Open around the clock, every day: business time is plain elapsed time."""
        return cls(zone=zone, week={day: [(MIDNIGHT, MIDNIGHT)] for day in range(7)})

    @classmethod
    def from_json(cls, data: dict) -> "BusinessHours":
        """Read the stored shape (see the module docstring); raise HoursError naming the bad field.

        A week with no open time at all is refused too, though ``BusinessHours(...)``
        can still express it.
        """
        if not isinstance(data, dict):
            raise HoursError("hours", _("expected an object with zone, week and holidays"))
        extra = sorted(set(data) - {"zone", "week", "holidays"})
        if extra:
            raise HoursError(str(extra[0]), _("unknown field"))
        week = data.get("week", {})
        if not isinstance(week, dict):
            raise HoursError("week", _("expected an object keyed by day (mon, tue, ...)"))
        unknown = [name for name in week if name not in DAYS]
        if unknown:
            message = _("unknown day %(day)r; use mon, tue, wed, thu, fri, sat, sun") % {"day": unknown[0]}
            raise HoursError("week", message)
        holidays = data.get("holidays", [])
        if not isinstance(holidays, list):
            raise HoursError("holidays", _("expected a list of dates"))
        hours = cls(
            zone=data.get("zone"),
            week={DAYS.index(name): _parse_day(name, intervals) for name, intervals in week.items()},
            holidays=frozenset(_parse_date(f"holidays[{i}]", value) for i, value in enumerate(holidays)),
        )
        if not hours.ever_open:
            # Every deadline would be unreachable; refuse it where a person can still fix it.
            raise HoursError("week", _("open on at least one day"))
        return hours

    def to_json(self) -> dict:
        """The stored shape: every day listed, ``"24:00"`` for midnight ends, holidays sorted."""
        return {
            "zone": self.zone,
            "week": {
                DAYS[day]: [
                    [_format_time(opens), _format_time(closes, end=True)] for opens, closes in intervals
                ]
                for day, intervals in self.week.items()
            },
            "holidays": [day.isoformat() for day in sorted(self.holidays)],
        }


def add_business_time(hours: BusinessHours, start: datetime, duration: timedelta) -> datetime:
    """The first instant (UTC) by which ``duration`` of open time has passed since ``start``.

    Closed time is skipped whole, one open interval at a time, so a 30-day target
    across weeks of holidays takes a few hundred steps, not a minute-by-minute walk.
    A zero duration answers ``start`` itself, even when closed. When the target
    lands exactly on a closing time the answer is that closing time, not the next
    opening: open 09:00-17:00, eight hours from Monday 09:00 is Monday 17:00.

    Raises ValueError for a negative duration, a naive datetime, or hours with no
    open time within two years.
    """
    start = _aware_utc(start, "start")
    if duration < timedelta(0):
        raise ValueError(_("duration: must not be negative"))
    left = duration
    if not left:
        return start
    for opens, closes in open_intervals(hours, start):
        if closes - opens >= left:
            return opens + left
        left -= closes - opens
    raise AssertionError("open_intervals without an end never stops")  # pragma: no cover


def business_time_between(hours: BusinessHours, start: datetime, end: datetime) -> timedelta:
    """Open time between two instants; zero when ``end`` is not after ``start``.

    Additive: between(a, c) == between(a, b) + between(b, c) for a <= b <= c.
    """
    return sum((closes - opens for opens, closes in open_intervals(hours, start, end)), timedelta(0))


def is_open(hours: BusinessHours, at: datetime) -> bool:
    """Whether the store's wall clock at the instant ``at`` reads an open time."""
    wall = _aware_utc(at, "at").astimezone(hours.tzinfo).replace(tzinfo=None)
    if wall.date() in hours.holidays:
        return False
    now = wall.time()
    return any(start <= now and (now < end or end == MIDNIGHT) for start, end in hours.week[wall.weekday()])


def next_open(hours: BusinessHours, at: datetime) -> datetime:
    """``at`` (in UTC) when open, else the next instant the store opens.

    Raises ValueError when the hours have no open time within two years.
    """
    return next(open_intervals(hours, at))[0]


def open_intervals(hours: BusinessHours, start: datetime, end: datetime | None = None) -> Iterator[tuple]:
    """Yield the open stretches ``(opens, closes)`` in UTC, in order, clipped to ``[start, end)``.

    A stretch that continues across midnight or a change of UTC offset comes out in
    consecutive pieces (one piece's ``closes`` is the next one's ``opens``). Without
    ``end`` it goes on forever, and raises ValueError once two years pass with no
    open time at all.
    """
    cursor = _aware_utc(start, "start")
    end = None if end is None else _aware_utc(end, "end")
    if not hours.ever_open:
        if end is None:
            raise ValueError(_("hours: never open"))
        return
    tz = hours.tzinfo
    last_open = cursor
    while end is None or cursor < end:
        if end is None and cursor - last_open > HORIZON:
            raise ValueError(_("hours: no open time within two years after %(at)s") % {"at": last_open})
        step_end, offset = _constant_offset(tz, cursor)
        if end is not None:
            step_end = min(step_end, end)
        for wall_start, wall_end in _open_wall_time(hours, _wall(cursor, offset), _wall(step_end, offset)):
            last_open = (wall_end - offset).replace(tzinfo=UTC)
            yield (wall_start - offset).replace(tzinfo=UTC), last_open
        cursor = step_end


def _open_wall_time(hours: BusinessHours, wall_from: datetime, wall_to: datetime) -> Iterator[tuple]:
    """Open intervals of naive wall-clock time overlapping ``[wall_from, wall_to)``, clipped to it."""
    day = wall_from.date()
    while datetime.combine(day, MIDNIGHT) < wall_to:
        if day not in hours.holidays:
            next_day = day + timedelta(days=1)
            for start, end in hours.week[day.weekday()]:
                opens = max(datetime.combine(day, start), wall_from)
                closes = min(datetime.combine(next_day if end == MIDNIGHT else day, end), wall_to)
                if opens < closes:
                    yield opens, closes
        day += timedelta(days=1)


def _constant_offset(tz: ZoneInfo, at: datetime) -> tuple[datetime, timedelta]:
    """The UTC offset at ``at``, and the instant (at most one step on) until which it holds."""
    offset, step_end = _offset(tz, at), at + _STEP
    if _offset(tz, step_end) == offset:
        return step_end, offset
    # Offsets change on whole seconds: bisect to the first second of the new offset.
    low, high = (at - _EPOCH) // _SECOND, -((_EPOCH - step_end) // _SECOND)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(tz, _EPOCH + middle * _SECOND) == offset:
            low = middle
        else:
            high = middle
    return _EPOCH + high * _SECOND, offset


def _offset(tz: ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(tz).utcoffset()


def _wall(at: datetime, offset: timedelta) -> datetime:
    return at.replace(tzinfo=None) + offset


def _aware_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(_("%(name)s: expected a time-zone-aware datetime") % {"name": name})
    return value.astimezone(UTC)


# Checking and reading


def _check_zone(zone) -> None:
    try:
        if not isinstance(zone, str) or not zone:
            raise ValueError
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise HoursError("zone", _("unknown time zone %(zone)r") % {"zone": zone}) from None


def _checked_day(day: int, intervals: Iterable) -> list[Interval]:
    if not isinstance(intervals, list | tuple):
        raise HoursError(f"week.{DAYS[day]}", _("expected a list of (start, end) pairs"))
    checked = []
    for i, interval in enumerate(intervals):
        name = f"week.{DAYS[day]}[{i}]"
        if not (isinstance(interval, tuple | list) and len(interval) == 2):
            raise HoursError(name, _("expected a pair (start, end)"))
        start, end = interval
        if not all(isinstance(t, time) and t.tzinfo is None and not t.microsecond for t in (start, end)):
            raise HoursError(name, _("expected two wall-clock times in whole seconds"))
        if end != MIDNIGHT and end <= start:
            raise HoursError(
                name, _("ends at %(end)s, not after it starts at %(start)s") % {"end": end, "start": start}
            )
        checked.append((start, end, name))
    checked.sort()
    for (_start, end, _name), (start, _end, name) in zip(checked, checked[1:], strict=False):
        if end == MIDNIGHT or start < end:
            raise HoursError(name, _("overlaps another interval of the same day"))
    return [(start, end) for start, end, _name in checked]


def _checked_holidays(holidays) -> frozenset[date]:
    try:
        holidays = frozenset(holidays)
    except TypeError:
        raise HoursError("holidays", _("expected a set of dates")) from None
    for day in holidays:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise HoursError("holidays", _("%(value)r is not a date") % {"value": day})
    return holidays


def _parse_day(name: str, intervals) -> list[Interval]:
    if not isinstance(intervals, list):
        raise HoursError(f"week.{name}", _("expected a list of [start, end] pairs"))
    parsed = []
    for i, interval in enumerate(intervals):
        field_name = f"week.{name}[{i}]"
        if not (isinstance(interval, list) and len(interval) == 2):
            raise HoursError(field_name, _('expected a pair like ["09:00", "17:00"]'))
        parsed.append((_parse_time(field_name, interval[0]), _parse_time(field_name, interval[1], end=True)))
    return parsed


def _parse_time(field_name: str, value, *, end: bool = False) -> time:
    """``"HH:MM"`` or ``"HH:MM:SS"``; an end may also be ``"24:00"`` (midnight)."""
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match and end and value in ("24:00", "24:00:00"):
        return MIDNIGHT
    if match and int(match[1]) < 24 and int(match[2]) < 60 and int(match[3] or 0) < 60:
        return time(int(match[1]), int(match[2]), int(match[3] or 0))
    raise HoursError(field_name, _("%(value)r is not a time like 09:30") % {"value": value})


def _parse_date(field_name: str, value) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        message = _("%(value)r is not a date like 2026-12-25") % {"value": value}
        raise HoursError(field_name, message) from None


def _format_time(value: time, *, end: bool = False) -> str:
    if end and value == MIDNIGHT:
        return "24:00"
    return value.strftime("%H:%M" if not value.second else "%H:%M:%S")
