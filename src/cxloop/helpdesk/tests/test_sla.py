"""SLA clocks: first response, next response and resolution, in business time with pauses."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxloop.helpdesk.hours import DAYS, BusinessHours, add_business_time
from cxloop.helpdesk.sla import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION, SlaClock, SlaTargets, sla_clocks

WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)
OFFICE = BusinessHours.from_json(
    {"zone": "Europe/Warsaw", "week": {day: [["09:00", "17:00"]] for day in DAYS[:5]}}
)


def w(day, hour, minute=0):
    """A Warsaw time in the week of Monday 8 June 2026 (5 = Friday the 5th, 6 = Saturday, ...)."""
    return datetime(2026, 6, day, hour, minute, tzinfo=WARSAW)


def clock(target, **moments):
    targets = SlaTargets(**{target: moments.pop("allowed")})
    (only,) = sla_clocks(OFFICE, targets, **moments)
    assert only.target == target
    return only


# First response


@pytest.mark.parametrize(
    ("allowed", "created_at", "first_response_at", "resolved_at", "now", "expected"),
    [
        # running, within target: created Monday 10:00, due Monday 14:00
        (4 * H, w(8, 10), None, None, w(8, 12), SlaClock(FIRST_RESPONSE, w(8, 14), 2 * H, False, None)),
        # created Friday 15:00, answered Monday 10:00 with an hour to spare
        (4 * H, w(5, 15), w(8, 10), None, w(8, 16), SlaClock(FIRST_RESPONSE, w(8, 11), H, False, w(8, 10))),
        # answered an hour late
        (4 * H, w(8, 10), w(8, 15), None, w(8, 16), SlaClock(FIRST_RESPONSE, w(8, 14), -H, True, w(8, 15))),
        # running and an hour late by Tuesday noon
        (4 * H, w(8, 15), None, None, w(9, 10), SlaClock(FIRST_RESPONSE, w(9, 11), H, False, None)),
        (4 * H, w(8, 15), None, None, w(9, 12), SlaClock(FIRST_RESPONSE, w(9, 11), -H, True, None)),
        # due at Friday's closing: breached on Saturday with nothing (not less) remaining
        (2 * H, w(5, 15), None, None, w(6, 10), SlaClock(FIRST_RESPONSE, w(5, 17), timedelta(0), True, None)),
        # answered exactly on time is met, not breached
        (
            2 * H,
            w(5, 15),
            w(5, 17),
            None,
            w(6, 10),
            SlaClock(FIRST_RESPONSE, w(5, 17), timedelta(0), False, w(5, 17)),
        ),
        # created on Saturday: nothing counts until Monday 09:00
        (4 * H, w(6, 11), None, None, w(7, 20), SlaClock(FIRST_RESPONSE, w(8, 13), 4 * H, False, None)),
        # resolved without a reply: the clock stops at the resolution
        (
            4 * H,
            w(8, 10),
            None,
            w(8, 11),
            w(8, 16),
            SlaClock(FIRST_RESPONSE, w(8, 14), 3 * H, False, w(8, 11)),
        ),
        # a reply counts, not a later resolution
        (
            4 * H,
            w(8, 10),
            w(8, 15),
            w(8, 11),
            w(8, 16),
            SlaClock(FIRST_RESPONSE, w(8, 14), -H, True, w(8, 15)),
        ),
    ],
)
def test_first_response_clock(allowed, created_at, first_response_at, resolved_at, now, expected):
    result = clock(
        FIRST_RESPONSE,
        allowed=allowed,
        created_at=created_at,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        now=now,
    )
    assert result == expected


def test_clock_times_come_back_in_utc():
    result = clock(
        FIRST_RESPONSE, allowed=4 * H, created_at=w(5, 15), first_response_at=w(8, 10), now=w(8, 16)
    )
    assert result.due_at.tzinfo is UTC and result.due_at == datetime(2026, 6, 8, 9, tzinfo=UTC)
    assert result.met_at.tzinfo is UTC


def test_a_24_hour_target_around_the_clock_spans_the_spring_forward_night_in_real_hours():
    hours = BusinessHours.always("America/New_York")
    created = datetime(2026, 3, 7, 12, tzinfo=NEW_YORK)  # Saturday, EST
    (result,) = sla_clocks(hours, SlaTargets(first_response=24 * H), created_at=created, now=created)
    assert result.due_at == datetime(2026, 3, 8, 13, tzinfo=NEW_YORK)  # Sunday 13:00 EDT
    assert result.due_at - created.astimezone(UTC) == 24 * H


# Next response


def next_response(allowed=2 * H, *, now, **moments):
    return clock(NEXT_RESPONSE, allowed=allowed, created_at=w(5, 9), now=now, **moments)


IDLE = SlaClock(NEXT_RESPONSE, due_at=None, remaining=None, breached=False, met_at=None)
REPLIED_AT_10 = {"first_response_at": w(8, 10), "last_agent_reply_at": w(8, 10)}


@pytest.mark.parametrize(
    ("moments", "now", "expected"),
    [
        # nobody has replied yet: the first-response clock covers the wait
        ({"last_customer_message_at": w(8, 11)}, w(8, 12), IDLE),
        # the customer has not written since the first reply
        (REPLIED_AT_10, w(8, 12), IDLE),
        ({**REPLIED_AT_10, "last_customer_message_at": w(8, 9, 30)}, w(8, 12), IDLE),
        ({**REPLIED_AT_10, "last_customer_message_at": w(8, 10)}, w(8, 12), IDLE),
        # the customer wrote at 11:00 after the 10:00 reply and waits
        (
            {**REPLIED_AT_10, "last_customer_message_at": w(8, 11)},
            w(8, 12),
            SlaClock(NEXT_RESPONSE, w(8, 13), H, False, None),
        ),
        # only the first reply is known: it is the last reply too
        (
            {"first_response_at": w(8, 10), "last_customer_message_at": w(8, 11)},
            w(8, 14),
            SlaClock(NEXT_RESPONSE, w(8, 13), -H, True, None),
        ),
        # answered at 14:00, an hour late
        (
            {**REPLIED_AT_10, "last_agent_reply_at": w(8, 14), "last_customer_message_at": w(8, 11)},
            w(8, 15),
            SlaClock(NEXT_RESPONSE, w(8, 13), -H, True, w(8, 14)),
        ),
        # the caller knows the oldest unanswered message, 10:30: the clock starts there
        (
            {**REPLIED_AT_10, "last_customer_message_at": w(8, 11), "next_response_from": w(8, 10, 30)},
            w(8, 12),
            SlaClock(NEXT_RESPONSE, w(8, 12, 30), 30 * M, False, None),
        ),
        # resolved after the customer's message without a reply: stopped by the resolution
        (
            {**REPLIED_AT_10, "last_customer_message_at": w(8, 11), "resolved_at": w(8, 11, 30)},
            w(8, 12),
            SlaClock(NEXT_RESPONSE, w(8, 13), 90 * M, False, w(8, 11, 30)),
        ),
        # resolved before the customer wrote again at 16:00: the new message waits into Tuesday
        (
            {**REPLIED_AT_10, "last_customer_message_at": w(8, 16), "resolved_at": w(8, 11)},
            w(9, 11),
            SlaClock(NEXT_RESPONSE, w(9, 10), -H, True, None),
        ),
        # the customer wrote on Friday at 16:30; the weekend does not count
        (
            {"first_response_at": w(5, 10), "last_customer_message_at": w(5, 16, 30)},
            w(8, 10),
            SlaClock(NEXT_RESPONSE, w(8, 10, 30), 30 * M, False, None),
        ),
    ],
)
def test_next_response_clock(moments, now, expected):
    assert next_response(now=now, **moments) == expected


# Resolution


def resolution(allowed=8 * H, *, pauses=(), now, created_at=None, resolved_at=None):
    return clock(
        RESOLUTION,
        allowed=allowed,
        created_at=created_at or w(8, 9),
        resolved_at=resolved_at,
        paused_intervals=list(pauses),
        now=now,
    )


@pytest.mark.parametrize(
    ("pauses", "now", "resolved_at", "expected"),
    [
        # no pauses: eight office hours from Monday 09:00
        ((), w(8, 12), None, SlaClock(RESOLUTION, w(8, 17), 5 * H, False, None)),
        ((), w(9, 10), None, SlaClock(RESOLUTION, w(8, 17), -H, True, None)),
        # pending Monday 11:00-14:00: three hours later, Tuesday 12:00
        ([(w(8, 11), w(8, 14))], w(8, 16), None, SlaClock(RESOLUTION, w(9, 12), 4 * H, False, None)),
        # pending overnight only costs the open hours it covers: Monday 11:00 to Tuesday 09:00 is 6 hours
        ([(w(8, 11), w(9, 9))], w(9, 12), None, SlaClock(RESOLUTION, w(9, 15), 3 * H, False, None)),
        # overlapping pauses count once: 11:00-13:00 and 12:00-14:00 pause three hours
        (
            [(w(8, 12), w(8, 14)), (w(8, 11), w(8, 13))],
            w(8, 16),
            None,
            SlaClock(RESOLUTION, w(9, 12), 4 * H, False, None),
        ),
        # a pause still going on: the clock holds its remaining time and has no due time
        ([(w(8, 11), None)], w(8, 16), None, SlaClock(RESOLUTION, None, 6 * H, False, None, paused=True)),
        # a pause given up to now, or snoozed until tomorrow, is still going on
        ([(w(8, 11), w(8, 16))], w(8, 16), None, SlaClock(RESOLUTION, None, 6 * H, False, None, paused=True)),
        ([(w(8, 11), w(9, 9))], w(8, 16), None, SlaClock(RESOLUTION, None, 6 * H, False, None, paused=True)),
        # paused after the target ran out: still breached, and says so
        (
            [(w(9, 10), None)],
            w(10, 10),
            None,
            SlaClock(RESOLUTION, w(8, 17), -H, True, None, paused=True),
        ),
        # a pause that has not begun yet changes nothing
        ([(w(8, 15), w(8, 16))], w(8, 12), None, SlaClock(RESOLUTION, w(8, 17), 5 * H, False, None)),
        # a pause from before the conversation counts only from its creation
        ([(w(5, 9), w(8, 10))], w(8, 12), None, SlaClock(RESOLUTION, w(9, 10), 6 * H, False, None)),
        # resolved exactly when the target ran out: met, not breached
        (
            [(w(8, 13), w(8, 14))],
            w(9, 15),
            w(9, 10),
            SlaClock(RESOLUTION, w(9, 10), timedelta(0), False, w(9, 10)),
        ),
        # resolved late
        ((), w(9, 15), w(9, 11), SlaClock(RESOLUTION, w(8, 17), -2 * H, True, w(9, 11))),
        # a pause running past the resolution counts until the resolution only
        ([(w(8, 16), None)], w(9, 15), w(9, 10), SlaClock(RESOLUTION, w(9, 11), H, False, w(9, 10))),
        # a pause after the resolution (a reopened conversation's caller mistake) is ignored
        ([(w(9, 11), w(9, 12))], w(9, 15), w(8, 12), SlaClock(RESOLUTION, w(8, 17), 5 * H, False, w(8, 12))),
    ],
)
def test_resolution_clock(pauses, now, resolved_at, expected):
    assert resolution(pauses=pauses, now=now, resolved_at=resolved_at) == expected


def test_a_paused_clock_picks_up_where_it_stopped_once_the_pause_ends():
    # given: pending from Monday 11:00; the customer answered on Tuesday at 10:00
    pauses = [(w(8, 11), w(9, 10))]
    # when: the clock is read on Tuesday at 11:00
    result = resolution(pauses=pauses, now=w(9, 11))
    # then: Monday 09:00-11:00 and Tuesday 10:00-11:00 counted, due after five more hours
    assert result == SlaClock(RESOLUTION, w(9, 16), 5 * H, False, None)


def test_pauses_do_not_delay_the_response_clocks():
    targets = SlaTargets(first_response=4 * H, resolution=8 * H)
    first, whole = sla_clocks(
        OFFICE, targets, created_at=w(8, 9), paused_intervals=[(w(8, 9), w(8, 12))], now=w(8, 14)
    )
    assert first == SlaClock(FIRST_RESPONSE, w(8, 13), -H, True, None)
    assert whole == SlaClock(RESOLUTION, w(9, 12), 6 * H, False, None)


# All together


def test_one_clock_per_target_in_a_fixed_order_and_none_without_targets():
    targets = SlaTargets(first_response=H, next_response=H, resolution=H)
    clocks = sla_clocks(OFFICE, targets, created_at=w(8, 9), now=w(8, 9))
    assert [c.target for c in clocks] == [FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION]
    assert sla_clocks(OFFICE, SlaTargets(), created_at=w(8, 9), now=w(8, 9)) == []
    only = sla_clocks(OFFICE, SlaTargets(resolution=H), created_at=w(8, 9), now=w(8, 9))
    assert [c.target for c in only] == [RESOLUTION]


def test_a_whole_conversation_read_at_one_moment():
    # given: created Monday 09:00; replied 09:30; the customer wrote at 10:00; pending 12:00-14:00
    targets = SlaTargets(first_response=H, next_response=2 * H, resolution=8 * H)
    clocks = sla_clocks(
        OFFICE,
        targets,
        created_at=w(8, 9),
        first_response_at=w(8, 9, 30),
        last_customer_message_at=w(8, 10),
        last_agent_reply_at=w(8, 11, 30),
        paused_intervals=[(w(8, 12), w(8, 14))],
        now=w(8, 15),
    )
    assert clocks == [
        SlaClock(FIRST_RESPONSE, w(8, 10), 30 * M, False, w(8, 9, 30)),
        SlaClock(NEXT_RESPONSE, w(8, 12), 30 * M, False, w(8, 11, 30)),
        SlaClock(RESOLUTION, w(9, 11), 4 * H, False, None),
    ]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("first_response", timedelta(0), "first_response: expected a positive duration"),
        ("next_response", -H, "next_response: expected a positive duration"),
        ("resolution", 3600, "resolution: expected a positive duration"),
    ],
)
def test_targets_must_be_positive_durations(field, value, words):
    with pytest.raises(ValueError, match=words):
        SlaTargets(**{field: value})


def test_naive_times_and_backwards_pauses_are_refused_naming_the_field():
    targets = SlaTargets(resolution=H)
    with pytest.raises(ValueError, match="created_at"):
        sla_clocks(OFFICE, targets, created_at=datetime(2026, 6, 8, 9), now=w(8, 9))
    with pytest.raises(ValueError, match="resolved_at"):
        sla_clocks(OFFICE, targets, created_at=w(8, 9), resolved_at=datetime(2026, 6, 8, 9), now=w(8, 9))
    with pytest.raises(ValueError, match=r"paused_intervals\[1\]: ends before it starts"):
        sla_clocks(
            OFFICE,
            targets,
            created_at=w(8, 9),
            paused_intervals=[(w(8, 10), w(8, 11)), (w(8, 13), w(8, 12))],
            now=w(8, 15),
        )


# Properties

moments = st.integers(0, 14 * 24 * 60).map(lambda minutes: w(5, 0) + minutes * M)
pause_lists = st.lists(st.tuples(moments, st.integers(1, 3 * 24 * 60)), max_size=4).map(
    lambda pairs: [(start, start + minutes * M) for start, minutes in pairs]
)
targets = st.integers(1, 5 * 24 * 60).map(lambda minutes: minutes * M)
properties = settings(derandomize=True, deadline=None, max_examples=150)


@properties
@given(moments, moments, targets)
def test_without_pauses_resolution_is_due_after_adding_business_time(created_at, later, allowed):
    now = max(created_at, later)
    (result,) = sla_clocks(OFFICE, SlaTargets(resolution=allowed), created_at=created_at, now=now)
    assert result.due_at == add_business_time(OFFICE, created_at, allowed)
    assert result.breached == (now > result.due_at)


@properties
@given(moments, st.integers(0, 7 * 24 * 60), targets, pause_lists)
def test_pauses_only_ever_push_the_resolution_later(created_at, minutes, allowed, pauses):
    now = created_at + minutes * M
    targets = SlaTargets(resolution=allowed)
    (plain,) = sla_clocks(OFFICE, targets, created_at=created_at, now=now)
    (paused,) = sla_clocks(OFFICE, targets, created_at=created_at, paused_intervals=pauses, now=now)
    assert paused.remaining >= plain.remaining
    assert paused.due_at is None or paused.due_at >= plain.due_at
    assert paused.breached <= plain.breached
    assert paused.paused == any(start <= now and end >= now for start, end in pauses)


@properties
@given(moments, st.integers(0, 7 * 24 * 60), targets, pause_lists)
def test_remaining_is_zero_exactly_when_the_due_time_has_come(created_at, minutes, allowed, pauses):
    now = created_at + minutes * M
    (result,) = sla_clocks(
        OFFICE, SlaTargets(resolution=allowed), created_at=created_at, paused_intervals=pauses, now=now
    )
    if result.due_at is not None and now < result.due_at:
        assert result.remaining > timedelta(0)
    if result.due_at is not None and now >= result.due_at:
        assert result.remaining <= timedelta(0)
    if result.due_at is None:
        assert result.paused and result.remaining > timedelta(0)
