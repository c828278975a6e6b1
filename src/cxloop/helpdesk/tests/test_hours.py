"""Business hours: open time across time zones, clock changes, night shifts and holidays."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cxloop.helpdesk.hours import (
    DAYS,
    BusinessHours,
    HoursError,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
    open_intervals,
)

WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")
TEHRAN = ZoneInfo("Asia/Tehran")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def every_day(zone, *intervals, holidays=()):
    return BusinessHours.from_json(
        {
            "zone": zone,
            "week": {day: [list(i) for i in intervals] for day in DAYS},
            "holidays": list(holidays),
        }
    )


def weekdays_9_to_17(zone="Europe/Warsaw", holidays=()):
    week = {day: [["09:00", "17:00"]] for day in DAYS[:5]}
    return BusinessHours.from_json({"zone": zone, "week": week, "holidays": list(holidays)})


def at(zone, *args, fold=0):
    return datetime(*args, tzinfo=zone, fold=fold)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# Plain weeks


def test_time_added_on_friday_afternoon_runs_on_into_monday_morning():
    hours = weekdays_9_to_17()
    assert add_business_time(hours, at(WARSAW, 2026, 6, 5, 16), 2 * H) == at(WARSAW, 2026, 6, 8, 10)
    assert business_time_between(hours, at(WARSAW, 2026, 6, 5, 16), at(WARSAW, 2026, 6, 8, 10)) == 2 * H


def test_time_added_while_closed_starts_counting_at_the_next_opening():
    hours = weekdays_9_to_17()
    assert add_business_time(hours, at(WARSAW, 2026, 6, 6, 12), 30 * M) == at(WARSAW, 2026, 6, 8, 9, 30)


def test_a_target_ending_exactly_at_closing_is_due_at_closing_not_at_the_next_opening():
    hours = weekdays_9_to_17()
    assert add_business_time(hours, at(WARSAW, 2026, 6, 8, 9), 8 * H) == at(WARSAW, 2026, 6, 8, 17)


def test_zero_duration_is_the_start_itself_in_utc_even_when_closed():
    hours = weekdays_9_to_17()
    start = at(WARSAW, 2026, 6, 6, 12)
    result = add_business_time(hours, start, timedelta(0))
    assert result == start and result.tzinfo is UTC


def test_answers_are_utc_whatever_the_zone_of_the_question():
    result = add_business_time(weekdays_9_to_17(), at(NEW_YORK, 2026, 6, 8, 3), H)
    assert result.tzinfo is UTC and result == utc(2026, 6, 8, 8)  # 09:00 in Warsaw is 07:00 UTC


def test_between_is_zero_when_the_end_is_not_after_the_start():
    hours = BusinessHours.always()
    assert business_time_between(hours, utc(2026, 1, 2), utc(2026, 1, 1)) == timedelta(0)
    assert business_time_between(hours, utc(2026, 1, 2), utc(2026, 1, 2)) == timedelta(0)


def test_split_days_skip_the_lunch_break():
    hours = BusinessHours.from_json(
        {"zone": "Europe/Warsaw", "week": {"mon": [["13:00", "17:00"], ["09:00", "12:00"]]}}
    )
    assert add_business_time(hours, at(WARSAW, 2026, 6, 8, 11), 2 * H) == at(WARSAW, 2026, 6, 8, 14)
    assert not is_open(hours, at(WARSAW, 2026, 6, 8, 12, 30))
    assert next_open(hours, at(WARSAW, 2026, 6, 8, 12, 30)) == at(WARSAW, 2026, 6, 8, 13)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2026, 6, 8, 8, 59, 59), False),
        ((2026, 6, 8, 9), True),
        ((2026, 6, 8, 16, 59, 59), True),
        ((2026, 6, 8, 17), False),
        ((2026, 6, 6, 12), False),
    ],
)
def test_opening_is_inclusive_and_closing_exclusive(local, expected):
    assert is_open(weekdays_9_to_17(), at(WARSAW, *local)) is expected


def test_next_open_is_the_instant_itself_while_open():
    hours = weekdays_9_to_17()
    moment = at(WARSAW, 2026, 6, 8, 10, 15)
    assert next_open(hours, moment) == moment


def test_next_open_from_saturday_is_monday_opening():
    assert next_open(weekdays_9_to_17(), at(WARSAW, 2026, 6, 6, 12)) == at(WARSAW, 2026, 6, 8, 9)


# Night shifts


def night_shift():
    return BusinessHours.from_json(
        {"zone": "Europe/Warsaw", "week": {"mon": [["22:00", "24:00"]], "tue": [["00:00", "06:00"]]}}
    )


def test_a_night_shift_written_as_two_intervals_runs_through_midnight():
    hours = night_shift()
    assert add_business_time(hours, at(WARSAW, 2026, 6, 8, 23), 2 * H) == at(WARSAW, 2026, 6, 9, 1)
    assert business_time_between(hours, at(WARSAW, 2026, 6, 8, 20), at(WARSAW, 2026, 6, 9, 8)) == 8 * H
    assert is_open(hours, at(WARSAW, 2026, 6, 9, 0)) and is_open(hours, at(WARSAW, 2026, 6, 8, 23, 59, 59))
    assert next_open(hours, at(WARSAW, 2026, 6, 9, 0)) == at(WARSAW, 2026, 6, 9, 0)


def test_a_night_shift_leaves_no_gap_at_midnight():
    stretches = list(open_intervals(night_shift(), at(WARSAW, 2026, 6, 8), at(WARSAW, 2026, 6, 10)))
    assert stretches[0][0] == at(WARSAW, 2026, 6, 8, 22)
    assert stretches[-1][1] == at(WARSAW, 2026, 6, 9, 6)
    assert all(previous[1] == current[0] for previous, current in zip(stretches, stretches[1:], strict=False))


def test_a_night_shift_on_the_night_clocks_go_forward_is_an_hour_shorter():
    hours = BusinessHours.from_json(
        {"zone": "Europe/Warsaw", "week": {"sat": [["22:00", "24:00"]], "sun": [["00:00", "06:00"]]}}
    )
    night = (at(WARSAW, 2026, 3, 28, 12), at(WARSAW, 2026, 3, 29, 12))
    assert business_time_between(hours, *night) == 7 * H


# Clock changes


@pytest.mark.parametrize(
    ("zone", "day", "interval", "open_for"),
    [
        # Warsaw: 29 March 2026 02:00 -> 03:00, 25 October 2026 03:00 -> 02:00
        ("Europe/Warsaw", date(2026, 3, 29), ("01:00", "04:00"), 2 * H),
        ("Europe/Warsaw", date(2026, 3, 29), ("02:30", "05:00"), 2 * H),
        ("Europe/Warsaw", date(2026, 3, 29), ("02:15", "02:45"), timedelta(0)),
        ("Europe/Warsaw", date(2026, 3, 29), ("09:00", "17:00"), 8 * H),
        ("Europe/Warsaw", date(2026, 3, 29), ("00:00", "24:00"), 23 * H),
        ("Europe/Warsaw", date(2026, 10, 25), ("01:00", "04:00"), 4 * H),
        ("Europe/Warsaw", date(2026, 10, 25), ("02:00", "03:00"), 2 * H),
        ("Europe/Warsaw", date(2026, 10, 25), ("02:15", "02:45"), H),
        ("Europe/Warsaw", date(2026, 10, 25), ("00:00", "24:00"), 25 * H),
        # New York: 8 March 2026 02:00 -> 03:00, 1 November 2026 02:00 -> 01:00
        ("America/New_York", date(2026, 3, 8), ("00:00", "24:00"), 23 * H),
        ("America/New_York", date(2026, 3, 8), ("01:30", "03:30"), H),
        ("America/New_York", date(2026, 11, 1), ("00:30", "02:30"), 3 * H),
        ("America/New_York", date(2026, 11, 1), ("09:00", "17:00"), 8 * H),
        # Tehran: +03:30 all year since 2022
        ("Asia/Tehran", date(2026, 3, 21), ("00:00", "24:00"), 24 * H),
        ("Asia/Tehran", date(2026, 9, 22), ("00:00", "24:00"), 24 * H),
        # Lord Howe: half-hour change; 5 April 2026 02:00 -> 01:30, 4 October 2026 02:00 -> 02:30
        ("Australia/Lord_Howe", date(2026, 4, 5), ("00:00", "24:00"), 24 * H + 30 * M),
        ("Australia/Lord_Howe", date(2026, 4, 5), ("01:00", "03:00"), 2 * H + 30 * M),
        ("Australia/Lord_Howe", date(2026, 10, 4), ("00:00", "24:00"), 23 * H + 30 * M),
        ("Australia/Lord_Howe", date(2026, 10, 4), ("02:10", "03:00"), 30 * M),
    ],
)
def test_open_time_on_days_the_clocks_change_is_real_elapsed_time(zone, day, interval, open_for):
    hours = every_day(zone, interval)
    tz = ZoneInfo(zone)
    whole_day = (datetime.combine(day, time(0), tz), datetime.combine(day + timedelta(days=1), time(0), tz))
    assert business_time_between(hours, *whole_day) == open_for


@pytest.mark.parametrize(
    ("zone", "day", "opening", "opens_at_utc"),
    [
        ("Europe/Warsaw", date(2026, 3, 29), "02:30", utc(2026, 3, 29, 1)),  # 03:00 CEST
        ("America/New_York", date(2026, 3, 8), "02:00", utc(2026, 3, 8, 7)),  # 03:00 EDT
        ("Australia/Lord_Howe", date(2026, 10, 4), "02:10", utc(2026, 10, 3, 15, 30)),  # 02:30 +11
    ],
)
def test_an_opening_time_skipped_by_the_clocks_opens_at_the_first_instant_after_the_gap(
    zone, day, opening, opens_at_utc
):
    hours = every_day(zone, (opening, "06:00"))
    midnight = datetime.combine(day, time(0), ZoneInfo(zone))
    assert next_open(hours, midnight) == opens_at_utc
    assert add_business_time(hours, midnight, 30 * M) == opens_at_utc + 30 * M


def test_the_repeated_hour_is_open_both_times_it_happens():
    hours = every_day("Europe/Warsaw", ("02:15", "02:45"))
    first, second = at(WARSAW, 2026, 10, 25, 2, 30, fold=0), at(WARSAW, 2026, 10, 25, 2, 30, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == H
    assert is_open(hours, first) and is_open(hours, second)
    between = at(WARSAW, 2026, 10, 25, 2, 50, fold=0)
    assert not is_open(hours, between)
    assert next_open(hours, between) == utc(2026, 10, 25, 1, 15)  # 02:15 CET
    assert add_business_time(hours, at(WARSAW, 2026, 10, 25, 2, 35), 20 * M) == utc(2026, 10, 25, 1, 25)


def test_office_hours_across_the_new_york_spring_weekend_keep_their_wall_clock():
    hours = weekdays_9_to_17("America/New_York")
    friday_4pm = at(NEW_YORK, 2026, 3, 6, 16)  # EST, -05:00
    assert add_business_time(hours, friday_4pm, 2 * H) == utc(2026, 3, 9, 14)  # Monday 10:00 EDT, -04:00
    assert business_time_between(hours, friday_4pm, at(NEW_YORK, 2026, 3, 9, 10)) == 2 * H


def test_tehran_half_hour_offset_and_saturday_to_wednesday_week():
    week = {day: [["08:00", "16:00"]] for day in ("sat", "sun", "mon", "tue", "wed")}
    week["thu"] = [["08:00", "12:00"]]
    hours = BusinessHours.from_json({"zone": "Asia/Tehran", "week": week})
    thursday_11 = at(TEHRAN, 2026, 6, 11, 11)
    assert add_business_time(hours, thursday_11, 2 * H) == utc(2026, 6, 13, 5, 30)  # Saturday 09:00 +03:30
    assert next_open(hours, at(TEHRAN, 2026, 6, 12, 10)) == utc(2026, 6, 13, 4, 30)


def test_lord_howe_half_hour_fall_back_counts_the_repeated_half_hour_twice():
    hours = every_day("Australia/Lord_Howe", ("01:00", "03:00"))
    one_am = at(LORD_HOWE, 2026, 4, 5, 1)  # +11:00, so 14:00 UTC
    assert add_business_time(hours, one_am, H) == utc(2026, 4, 4, 15)  # 01:30 again, now +10:30
    assert add_business_time(hours, one_am, 2 * H + 30 * M) == utc(2026, 4, 4, 16, 30)  # 03:00 +10:30


def test_always_open_through_a_clock_change_is_plain_elapsed_time():
    hours = BusinessHours.always("Europe/Warsaw")
    start, end = at(WARSAW, 2026, 10, 24, 12), at(WARSAW, 2026, 10, 25, 12)
    assert business_time_between(hours, start, end) == 25 * H
    assert add_business_time(hours, start, 25 * H) == end


# Holidays and long durations


def test_a_holiday_is_closed_all_day():
    hours = weekdays_9_to_17(holidays=["2026-12-25"])
    assert not is_open(hours, at(WARSAW, 2026, 12, 25, 10))
    assert add_business_time(hours, at(WARSAW, 2026, 12, 24, 16), 2 * H) == at(WARSAW, 2026, 12, 28, 10)


def test_a_thirty_day_target_jumps_three_weeks_of_holidays():
    # given: open weekdays around the clock, closed from 21 December 2026 to 8 January 2027
    holidays = [date(2026, 12, 21) + timedelta(days=i) for i in range(19)]
    week = {day: [["00:00", "24:00"]] for day in DAYS[:5]}
    hours = BusinessHours.from_json(
        {"zone": "UTC", "week": week, "holidays": [d.isoformat() for d in holidays]}
    )
    # when: 30 days of open time from Monday 7 December 2026
    due = add_business_time(hours, utc(2026, 12, 7), timedelta(days=30))
    # then: 10 weekdays before the holidays, 20 after (from 11 January 2027): 5 February 2027 ends the 20th
    assert due == utc(2027, 2, 6)
    assert business_time_between(hours, utc(2026, 12, 7), due) == timedelta(days=30)


def test_a_year_of_office_hours_is_counted_by_whole_intervals():
    hours = weekdays_9_to_17(holidays=["2027-01-01"])
    start = at(WARSAW, 2026, 1, 1)
    end = at(WARSAW, 2027, 1, 4)
    stretches = list(open_intervals(hours, start, end))
    # 2026 has 261 weekdays; 1 January 2026 is a Thursday and no holiday here
    assert sum((b - a for a, b in stretches), timedelta(0)) == 261 * 8 * H
    assert len(stretches) <= 2 * 261


def test_hours_never_open_raise_instead_of_searching_forever():
    closed = BusinessHours(zone="Europe/Warsaw", week={})
    with pytest.raises(ValueError, match="never open"):
        add_business_time(closed, utc(2026, 1, 1), H)
    with pytest.raises(ValueError, match="never open"):
        next_open(closed, utc(2026, 1, 1))
    assert business_time_between(closed, utc(2026, 1, 1), utc(2030, 1, 1)) == timedelta(0)


def test_no_open_time_in_the_next_two_years_raises():
    holidays = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(3 * 366))
    hours = BusinessHours(zone="UTC", week={0: [(time(9), time(17))]}, holidays=holidays)
    with pytest.raises(ValueError, match="two years"):
        add_business_time(hours, utc(2026, 1, 1), H)
    assert business_time_between(hours, utc(2026, 1, 1), utc(2028, 12, 31)) == timedelta(0)


def test_open_again_within_two_years_is_found():
    holidays = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(600))
    hours = BusinessHours(zone="UTC", week={0: [(time(9), time(17))]}, holidays=holidays)
    assert next_open(hours, utc(2026, 1, 1)) == utc(2027, 8, 30, 9)  # the first Monday after 23 August 2027


def test_negative_durations_and_naive_datetimes_are_refused():
    hours = BusinessHours.always()
    with pytest.raises(ValueError, match="duration"):
        add_business_time(hours, utc(2026, 1, 1), -H)
    with pytest.raises(ValueError, match="start"):
        add_business_time(hours, datetime(2026, 1, 1), H)
    with pytest.raises(ValueError, match="at"):
        is_open(hours, datetime(2026, 1, 1))


# The stored shape


def test_the_stored_shape_round_trips():
    data = {
        "zone": "Europe/Warsaw",
        "week": {
            "mon": [["09:00", "12:00"], ["13:00", "17:00"]],
            "tue": [],
            "wed": [["22:00", "24:00"]],
            "thu": [["00:00", "06:00"]],
            "fri": [["09:00", "17:30:15"]],
            "sat": [],
            "sun": [],
        },
        "holidays": ["2026-05-01", "2026-12-25"],
    }
    hours = BusinessHours.from_json(data)
    assert hours.week[2] == [(time(22), time(0))]
    assert hours.to_json() == data
    assert BusinessHours.from_json(hours.to_json()) == hours


def test_missing_days_are_closed_and_intervals_are_kept_in_order():
    hours = BusinessHours.from_json(
        {"zone": "UTC", "week": {"mon": [["13:00", "17:00"], ["09:00", "12:00"]]}, "holidays": ["2026-12-25"]}
    )
    assert hours.week == {
        0: [(time(9), time(12)), (time(13), time(17))],
        1: [],
        2: [],
        3: [],
        4: [],
        5: [],
        6: [],
    }
    assert hours.to_json()["week"]["sun"] == []
    assert hours.holidays == frozenset({date(2026, 12, 25)})


def test_an_end_of_00_00_means_midnight():
    hours = BusinessHours.from_json({"zone": "UTC", "week": {"mon": [["18:00", "00:00"]]}})
    assert hours.to_json()["week"]["mon"] == [["18:00", "24:00"]]


def test_equal_hours_hash_alike():
    first = BusinessHours.from_json({"zone": "UTC", "week": {"mon": [["09:00", "17:00"]]}})
    second = BusinessHours(zone="UTC", week={0: [(time(9), time(17))], 3: []})
    assert first == second and hash(first) == hash(second)


def test_always_is_open_every_day_around_the_clock():
    assert BusinessHours.always("Asia/Tehran").to_json() == {
        "zone": "Asia/Tehran",
        "week": {day: [["00:00", "24:00"]] for day in DAYS},
        "holidays": [],
    }


OPEN_MONDAY = {"mon": [["09:00", "17:00"]]}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"zone": "Mars/Olympus", "week": {}}, "zone", "unknown time zone"),
        ({"zone": "../../etc/passwd", "week": {}}, "zone", "unknown time zone"),
        ({"zone": "", "week": {}}, "zone", "unknown time zone"),
        ({"week": {}}, "zone", "unknown time zone"),
        ({"zone": 3, "week": {}}, "zone", "unknown time zone"),
        (
            {"zone": "UTC", "week": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}},
            "week.mon[1]",
            "overlaps",
        ),
        (
            {"zone": "UTC", "week": {"tue": [["20:00", "24:00"], ["21:00", "22:00"]]}},
            "week.tue[1]",
            "overlaps",
        ),
        ({"zone": "UTC", "week": {"wed": [["17:00", "09:00"]]}}, "week.wed[0]", "not after it starts"),
        ({"zone": "UTC", "week": {"thu": [["09:00", "09:00"]]}}, "week.thu[0]", "not after it starts"),
        ({"zone": "UTC", "week": {"fri": [["9:00", "17:00"]]}}, "week.fri[0]", "not a time"),
        ({"zone": "UTC", "week": {"fri": [["09:00", "25:00"]]}}, "week.fri[0]", "not a time"),
        ({"zone": "UTC", "week": {"fri": [["24:00", "24:00"]]}}, "week.fri[0]", "not a time"),
        ({"zone": "UTC", "week": {"fri": [["09:60", "17:00"]]}}, "week.fri[0]", "not a time"),
        ({"zone": "UTC", "week": {"sat": [[9, 17]]}}, "week.sat[0]", "not a time"),
        ({"zone": "UTC", "week": {"sat": [["09:00"]]}}, "week.sat[0]", "expected a pair"),
        ({"zone": "UTC", "week": {"sun": "09:00-17:00"}}, "week.sun", "expected a list"),
        ({"zone": "UTC", "week": {"monday": []}}, "week", "unknown day"),
        ({"zone": "UTC", "week": [["09:00", "17:00"]]}, "week", "expected an object"),
        ({"zone": "UTC", "week": {}}, "week", "open on at least one day"),
        ({"zone": "UTC", "week": {"mon": [], "tue": []}}, "week", "open on at least one day"),
        ({"zone": "UTC", "week": OPEN_MONDAY, "holidays": ["2026-02-30"]}, "holidays[0]", "not a date"),
        (
            {"zone": "UTC", "week": OPEN_MONDAY, "holidays": ["2026-12-24", "25.12.2026"]},
            "holidays[1]",
            "not a date",
        ),
        ({"zone": "UTC", "week": OPEN_MONDAY, "holidays": "2026-12-25"}, "holidays", "expected a list"),
        ({"zone": "UTC", "week": OPEN_MONDAY, "timezone": "UTC"}, "timezone", "unknown field"),
        (["UTC"], "hours", "expected an object"),
    ],
)
def test_bad_stored_hours_are_refused_naming_the_field(data, field, words):
    with pytest.raises(HoursError, match=words) as caught:
        BusinessHours.from_json(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert isinstance(caught.value, ValueError)


def test_bad_hours_built_in_python_are_refused_too():
    with pytest.raises(HoursError, match="overlaps"):
        BusinessHours(zone="UTC", week={0: [(time(9), time(0)), (time(10), time(11))]})
    with pytest.raises(HoursError, match="unknown weekday"):
        BusinessHours(zone="UTC", week={7: [(time(9), time(17))]})
    with pytest.raises(HoursError, match="not a date"):
        BusinessHours(zone="UTC", week={}, holidays=frozenset({datetime(2026, 12, 25)}))


# Properties

ZONES = ["UTC", "Europe/Warsaw", "America/New_York", "Asia/Tehran", "Australia/Lord_Howe", "America/Santiago"]
QUARTER_HOURS = [time(h, m) for h in range(24) for m in (0, 15, 30, 45)]


@st.composite
def day_intervals(draw):
    """Zero to three non-overlapping intervals on quarter hours, the last possibly ending at midnight."""
    edges = sorted(draw(st.sets(st.sampled_from(QUARTER_HOURS[1:]), max_size=6)))
    if draw(st.booleans()):
        edges = [time(0), *edges]
    if len(edges) % 2:
        edges.append(time(0))  # an odd edge out closes at midnight
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


@st.composite
def business_hours(draw):
    week = {day: draw(day_intervals()) for day in range(7)}
    assume(any(week.values()))
    holidays = draw(st.sets(st.dates(date(2025, 12, 1), date(2027, 12, 31)), max_size=40))
    return BusinessHours(zone=draw(st.sampled_from(ZONES)), week=week, holidays=frozenset(holidays))


# Instants cluster around 2026's clock changes, where mistakes would hide.
CHANGES = [
    utc(2026, 3, 8, 7),
    utc(2026, 3, 29, 1),
    utc(2026, 4, 4, 15),
    utc(2026, 4, 5, 3),
    utc(2026, 9, 6, 4),
]
CHANGES += [utc(2026, 10, 3, 15, 30), utc(2026, 10, 25, 1), utc(2026, 11, 1, 6)]
instants = st.one_of(
    st.builds(
        lambda c, s: c + timedelta(seconds=s), st.sampled_from(CHANGES), st.integers(-3 * 86400, 86400)
    ),
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
)
durations = st.one_of(
    st.timedeltas(timedelta(0), timedelta(days=2)),
    st.timedeltas(timedelta(0), timedelta(days=10)),
)
properties = settings(
    derandomize=True, deadline=None, max_examples=150, suppress_health_check=[HealthCheck.filter_too_much]
)


@properties
@given(business_hours(), instants, durations)
def test_adding_then_measuring_gives_back_the_duration(hours, start, duration):
    due = add_business_time(hours, start, duration)
    assert due >= start
    assert business_time_between(hours, start, due) == duration


@properties
@given(business_hours(), instants, durations)
def test_the_due_instant_is_the_first_one_with_enough_open_time(hours, start, duration):
    assume(duration > timedelta(0))
    due = add_business_time(hours, start, duration)
    assert business_time_between(hours, start, due - timedelta(microseconds=1)) < duration


@properties
@given(business_hours(), instants, durations, durations)
def test_adding_more_time_never_ends_earlier(hours, start, first, second):
    shorter, longer = sorted([first, second])
    assert add_business_time(hours, start, shorter) <= add_business_time(hours, start, longer)


@properties
@given(business_hours(), instants, st.timedeltas(timedelta(0), timedelta(days=5)), durations)
def test_starting_later_never_ends_earlier(hours, start, delay, duration):
    assert add_business_time(hours, start, duration) <= add_business_time(hours, start + delay, duration)


@properties
@given(business_hours(), instants, durations, durations)
def test_open_time_adds_up_over_a_split_point(hours, start, first, second):
    middle, end = start + first, start + first + second
    whole = business_time_between(hours, start, end)
    assert whole == business_time_between(hours, start, middle) + business_time_between(hours, middle, end)
    assert business_time_between(hours, start, middle) <= whole <= end - start


@properties
@given(st.sampled_from(ZONES), instants, durations)
def test_always_open_is_plain_subtraction(zone, start, duration):
    hours = BusinessHours.always(zone)
    assert business_time_between(hours, start, start + duration) == duration
    assert add_business_time(hours, start, duration) == start + duration


@properties
@given(business_hours(), instants)
def test_next_open_is_open_and_nothing_before_it_is(hours, start):
    opening = next_open(hours, start)
    assert is_open(hours, opening)
    assert business_time_between(hours, start, opening) == timedelta(0)
    assert opening == start or not is_open(hours, opening - timedelta(microseconds=1))


minutes_before_a_change = st.builds(
    lambda change, minutes: change - minutes * M, st.sampled_from(CHANGES), st.integers(0, 34 * 60)
)


@settings(derandomize=True, deadline=None, max_examples=40)
@given(business_hours(), minutes_before_a_change)
def test_open_time_matches_counting_open_minutes_one_by_one(hours, start):
    # Interval edges and clock changes fall on whole minutes, so a minute is open throughout or not at all.
    minutes = [start + i * M for i in range(36 * 60)]
    counted = sum((M for minute in minutes if is_open(hours, minute)), timedelta(0))
    assert business_time_between(hours, start, minutes[-1] + M) == counted
