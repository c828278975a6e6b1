"""Business time for many conversations at once, and the percentiles reports show.

`hours.business_time_between` walks open intervals for one pair of instants.
A report needs it for thousands of pairs, so `BusinessClock` walks the open
intervals of the whole span once and answers each pair with two binary
searches: the open time before an instant is a running total, and business
time between two instants is the difference of the totals (the function is
additive, see hours.py). The answers equal `business_time_between` exactly,
daylight-saving days and holidays included.
"""

import math
import statistics
from bisect import bisect_right
from datetime import datetime, timedelta

from ..hours import BusinessHours, business_time_between, open_intervals

# Beyond this span the table would be long; such pairs are counted one by one instead.
MAX_TABLE_SPAN = timedelta(days=3 * 366)


class BusinessClock:
    """Open seconds between instants, in the store's hours, for instants within [start, end]."""

    def __init__(self, hours: BusinessHours, start: datetime, end: datetime):
        self.hours = hours
        self.start, self.end = start, end
        self._opens: list[datetime] = []
        self._closes: list[datetime] = []
        self._before: list[float] = []  # open seconds from `start` to each interval's opening
        if end - start > MAX_TABLE_SPAN:
            return  # every pair is measured on its own
        total = 0.0
        for opens, closes in open_intervals(hours, start, end):
            self._opens.append(opens)
            self._closes.append(closes)
            self._before.append(total)
            total += (closes - opens).total_seconds()
        self._total = total

    def _open_seconds_until(self, moment: datetime) -> float:
        index = bisect_right(self._opens, moment) - 1
        if index < 0:
            return 0.0
        inside = min(moment, self._closes[index]) - self._opens[index]
        return self._before[index] + max(inside.total_seconds(), 0.0)

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Open seconds from `start` to `end`; zero when `end` is not after `start`."""
        if end <= start:
            return 0.0
        if not self._opens or start < self.start or end > self.end:
            return business_time_between(self.hours, start, end).total_seconds()
        return self._open_seconds_until(end) - self._open_seconds_until(start)


def clock_for(hours: BusinessHours, pairs: list[tuple[datetime, datetime]]) -> BusinessClock | None:
    """A clock covering the pairs, or None when there are none.

    The table reaches back at most MAX_TABLE_SPAN from the latest instant; the
    rare pair starting before that (a conversation resolved years after it was
    opened) is measured on its own.
    """
    if not pairs:
        return None
    end = max(end for _start, end in pairs)
    start = max(min(start for start, _end in pairs), end - MAX_TABLE_SPAN)
    return BusinessClock(hours, min(start, end), end)


def median(values: list[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None when empty."""
    return statistics.median(values) if values else None


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least `share` of the values at or below it.

    p90 of ten values is the 9th smallest; of 1-10 it is 9. None when empty.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(round(share * len(ordered), 9)))
    return ordered[rank - 1]
