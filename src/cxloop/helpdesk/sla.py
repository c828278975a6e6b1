"""SLA clocks: how long a conversation may wait, counted in the store's business hours.

A policy sets up to three targets, each a length of business time
(see ``hours``):

first_response
    From the conversation's creation to the first agent reply.
next_response
    From a customer message that came after the first reply, to the agent reply
    that answers it. The clock starts at ``next_response_from`` when the caller
    knows the oldest unanswered customer message, else at
    ``last_customer_message_at``.
resolution
    From creation to resolution, not counting time the conversation spent
    pending (waiting on the customer) or snoozed: ``paused_intervals``.

Rules shared by every clock:

- ``due_at`` is the first instant at which the target's business time has run
  out. ``breached`` is true once the clock stops (or ``now`` is) after ``due_at``.
- ``remaining`` is the target minus the business time used so far (until the
  stop, or ``now``); it is negative once breached, and stays at zero while the
  store is closed after a breach: open 09:00-17:00, a 2-hour target from Friday
  15:00 is due Friday 17:00, and on Saturday the clock reads breached with
  nothing remaining until the store opens on Monday.
- A clock stops at the reply that meets it (``met_at``). Resolving a
  conversation stops every clock still running, so a conversation resolved
  without a reply has its response clocks met at ``resolved_at``.
- A resolution clock inside a pause that is still going on at ``now`` is
  ``paused``: it keeps its ``remaining`` and has no ``due_at`` until the pause
  ends, because nobody knows yet when that will be. Pauses before creation,
  after resolution or after ``now`` are ignored; overlapping pauses count once.

Example: Warsaw open weekdays 09:00-17:00, first response within 4 hours,
created Friday 15:00, first reply Monday 10:00: due Monday 11:00, met at
Monday 10:00 with one hour to spare (``remaining == timedelta(hours=1)``).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .hours import BusinessHours, _aware_utc, open_intervals

FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
RESOLUTION = "resolution"
TARGET_LABELS = {
    FIRST_RESPONSE: gettext_lazy("First response"),
    NEXT_RESPONSE: gettext_lazy("Next response"),
    RESOLUTION: gettext_lazy("Resolution"),
}


@dataclass(frozen=True)
class SlaTargets:
    """Business time allowed for each target; None means the policy sets no such target."""

    first_response: timedelta | None = None
    next_response: timedelta | None = None
    resolution: timedelta | None = None

    def __post_init__(self):
        for name in (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, timedelta) or value <= timedelta(0)):
                raise ValueError(_("%(name)s: expected a positive duration") % {"name": name})


@dataclass(frozen=True)
class SlaClock:
    """Where one target stands.

    A clock that is not running (no customer message waiting for a next
    response) has no ``due_at``, no ``remaining`` and no ``met_at``.
    """

    target: str
    due_at: datetime | None
    remaining: timedelta | None
    breached: bool
    met_at: datetime | None
    paused: bool = False


def sla_clocks(
    hours: BusinessHours,
    targets: SlaTargets,
    *,
    created_at: datetime,
    first_response_at: datetime | None = None,
    last_customer_message_at: datetime | None = None,
    last_agent_reply_at: datetime | None = None,
    resolved_at: datetime | None = None,
    paused_intervals: Iterable[tuple[datetime, datetime | None]] = (),
    now: datetime,
    next_response_from: datetime | None = None,
) -> list[SlaClock]:
    """One clock per target the policy sets, in the order first response, next response, resolution.

    A pause may end in None when it is still going on. Raises ValueError for
    naive datetimes, or when the hours have no open time within two years.
    """
    created_at, now = _aware_utc(created_at, "created_at"), _aware_utc(now, "now")
    first_response_at, last_customer_message_at, last_agent_reply_at, resolved_at, next_response_from = (
        None if value is None else _aware_utc(value, name)
        for name, value in (
            ("first_response_at", first_response_at),
            ("last_customer_message_at", last_customer_message_at),
            ("last_agent_reply_at", last_agent_reply_at),
            ("resolved_at", resolved_at),
            ("next_response_from", next_response_from),
        )
    )
    clocks = []
    if targets.first_response is not None:
        stop = first_response_at or resolved_at
        clocks.append(_clock(FIRST_RESPONSE, hours, targets.first_response, created_at, stop, now))
    if targets.next_response is not None:
        clocks.append(
            _next_response_clock(
                hours,
                targets.next_response,
                first_response_at=first_response_at,
                last_reply=max((t for t in (first_response_at, last_agent_reply_at) if t), default=None),
                last_customer_message_at=max(
                    (t for t in (last_customer_message_at, next_response_from) if t), default=None
                ),
                start=next_response_from,
                resolved_at=resolved_at,
                now=now,
            )
        )
    if targets.resolution is not None:
        pauses = _merged_pauses(paused_intervals, created_at, resolved_at=resolved_at, now=now)
        clocks.append(_clock(RESOLUTION, hours, targets.resolution, created_at, resolved_at, now, pauses))
    return clocks


def _next_response_clock(
    hours, target, *, first_response_at, last_reply, last_customer_message_at, start, resolved_at, now
) -> SlaClock:
    """The clock of the customer's latest message after the first reply; idle when there is none."""
    if not (first_response_at and last_customer_message_at and last_customer_message_at > first_response_at):
        return SlaClock(NEXT_RESPONSE, due_at=None, remaining=None, breached=False, met_at=None)
    start = max(start or last_customer_message_at, first_response_at)
    if last_reply >= last_customer_message_at:
        stop = last_reply
    elif resolved_at is not None and resolved_at >= last_customer_message_at:
        stop = resolved_at
    else:
        stop = None
    return _clock(NEXT_RESPONSE, hours, target, start, stop, now)


def _clock(target, hours, allowed, start, stop, now, pauses=()) -> SlaClock:
    """A clock that runs from ``start`` while open and not paused, until ``stop`` (or ``now``)."""
    until = stop or now
    used = sum((b - a for a, b in _counting(hours, start, until, pauses)), timedelta(0))
    due_at = _due_at(hours, start, allowed, pauses)
    paused = any(pause_end is None for _start, pause_end in pauses)
    return SlaClock(
        target,
        due_at=due_at,
        remaining=allowed - used,
        breached=due_at is not None and until > due_at,
        met_at=stop,
        paused=paused,
    )


def _due_at(hours, start, allowed, pauses) -> datetime | None:
    """The first instant by which ``allowed`` counting time has passed; None inside an open-ended pause."""
    left = allowed
    for opens, closes in _counting(hours, start, None, pauses):
        if closes - opens >= left:
            return opens + left
        left -= closes - opens
    return None


def _counting(hours, start, end, pauses) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals from ``start`` to ``end`` (None: no end) minus the sorted, merged ``pauses``.

    Stops at a pause without an end: nothing after it counts yet.
    """
    pauses = list(pauses)
    for opens, closes in open_intervals(hours, start, end):
        cursor = opens
        while pauses and cursor < closes:
            pause_start, pause_end = pauses[0]
            if pause_end is not None and pause_end <= cursor:
                pauses.pop(0)
                continue
            if pause_start >= closes:
                break
            if pause_start > cursor:
                yield cursor, pause_start
            if pause_end is None:
                return
            cursor = pause_end
        if cursor < closes:
            yield cursor, closes


def _merged_pauses(intervals, created_at, *, resolved_at, now) -> list[tuple[datetime, datetime | None]]:
    """Pauses from creation to resolution (or now), sorted and merged.

    Unresolved, a pause that has not ended by ``now`` (its end None, or later)
    ends in None: it is still going on.
    """
    clipped = []
    for i, (pause_start, pause_end) in enumerate(intervals):
        field_name = f"paused_intervals[{i}]"
        pause_start = _aware_utc(pause_start, field_name)
        pause_end = None if pause_end is None else _aware_utc(pause_end, field_name)
        if pause_end is not None and pause_end < pause_start:
            raise ValueError(_("%(field)s: ends before it starts") % {"field": field_name})
        pause_start = max(pause_start, created_at)
        if pause_start > (resolved_at or now) or (pause_end is not None and pause_end <= pause_start):
            continue
        if resolved_at is not None:
            pause_end = min(pause_end or resolved_at, resolved_at)
        elif pause_end is not None and pause_end >= now:
            pause_end = None
        clipped.append((pause_start, pause_end))
    merged: list = []
    for pause_start, pause_end in sorted(clipped, key=lambda pause: pause[0]):
        if merged and (merged[-1][1] is None or merged[-1][1] >= pause_start):
            last_end = merged[-1][1]
            merged[-1] = (merged[-1][0], None if None in (last_end, pause_end) else max(last_end, pause_end))
        else:
            merged.append((pause_start, pause_end))
    return merged
