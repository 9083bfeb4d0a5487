"""Tests for termcrm.sla: business hours, working time, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

import pytest
from dateutil import tz as dateutil_tz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termcrm.dates import from_local
from termcrm.errors import Invalid
from termcrm.sla import BusinessHours, add_working_time, due_with_pauses, working_time_between

_berlin = dateutil_tz.gettz("Europe/Berlin")
assert _berlin is not None
BERLIN: tzinfo = _berlin
OFFICE = BusinessHours.parse("Mon-Fri 09:00-17:00", BERLIN)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
H = timedelta(hours=1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Berlin wall-clock fields as an aware UTC instant."""
    return from_local(datetime(year, month, day, hour, minute), BERLIN)


# November 2026: Mon 16, Tue 17, ..., Fri 20, Sat 21, Sun 22, Mon 23.


# --------------------------------------------------------------------------- BusinessHours.parse


@pytest.mark.parametrize(
    ("text", "days", "start", "end", "shown"),
    [
        ("Mon-Fri 09:00-17:00", {0, 1, 2, 3, 4}, time(9), time(17), "Mon-Fri 09:00-17:00"),
        ("mon,tue,thu 08:30-16:30", {0, 1, 3}, time(8, 30), time(16, 30), "Mon,Tue,Thu 08:30-16:30"),
        ("Mon-Sun 00:00-24:00", set(range(7)), time(0), time(0), "Mon-Sun 00:00-24:00"),
        ("24/7", set(range(7)), time(0), time(0), "Mon-Sun 00:00-24:00"),
        ("monday-friday 9:00-17:30", {0, 1, 2, 3, 4}, time(9), time(17, 30), "Mon-Fri 09:00-17:30"),
        ("Monday - Friday 09:00 - 17:00", {0, 1, 2, 3, 4}, time(9), time(17), "Mon-Fri 09:00-17:00"),
        ("weekdays 9-17", {0, 1, 2, 3, 4}, time(9), time(17), "Mon-Fri 09:00-17:00"),
        ("daily 08:00 to 20:00", set(range(7)), time(8), time(20), "Mon-Sun 08:00-20:00"),
        ("weekends 10:00-14:00", {5, 6}, time(10), time(14), "Sat,Sun 10:00-14:00"),
        ("Fri-Mon 10:00-18:00", {4, 5, 6, 0}, time(10), time(18), "Mon,Fri-Sun 10:00-18:00"),
        ("mon-wed, fri 07:00-15:00", {0, 1, 2, 4}, time(7), time(15), "Mon-Wed,Fri 07:00-15:00"),
        ("sat 00:00-24:00", {5}, time(0), time(0), "Sat 00:00-24:00"),
        ("MON TUE 12:00-13:00", {0, 1}, time(12), time(13), "Mon,Tue 12:00-13:00"),
    ],
)
def test_parse_business_hours(text: str, days: set[int], start: time, end: time, shown: str) -> None:
    hours = BusinessHours.parse(text, BERLIN)
    assert hours.days == frozenset(days)
    assert (hours.start, hours.end) == (start, end)
    assert hours.tz is BERLIN
    assert str(hours) == shown
    assert BusinessHours.parse(str(hours), BERLIN) == hours


def test_parse_defaults_to_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    hours = BusinessHours.parse("Mon-Fri 09:00-17:00")
    assert hours.tz.utcoffset(datetime(2026, 1, 1)) == timedelta(hours=9)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "cannot read business hours ''"),
        ("Mon-Fri", "cannot read business hours 'Mon-Fri'"),
        ("whenever", "cannot read business hours"),
        ("09:00-17:00", "name no days"),
        ("Mon-Fry 09:00-17:00", "cannot read the days 'mon-fry'"),
        ("Mon,Funday 09:00-17:00", "cannot read the days 'funday'"),
        ("Mon-Fri 17:00-09:00", "end before they start: hours cannot cross midnight"),
        ("Mon-Fri 09:00-09:00", "end before they start"),
        ("Mon-Fri 22:00-06:00", "cannot cross midnight"),
        ("Mon-Fri 09:00-25:00", "invalid time '25:00'"),
        ("Mon-Fri 9:60-17:00", "invalid time '9:60'"),
        ("Mon-Fri 09:00-24:30", "invalid time '24:30'"),
        ("Mon-Fri 24:00-24:00", "cannot start at 24:00"),
    ],
)
def test_parse_business_hours_errors(text: str, fragment: str) -> None:
    with pytest.raises(Invalid) as caught:
        BusinessHours.parse(text, BERLIN)
    assert fragment in caught.value.message
    assert caught.value.exit_code == 2


def test_business_hours_constructor_validates() -> None:
    with pytest.raises(Invalid, match="at least one working day"):
        BusinessHours(frozenset(), time(9), time(17), BERLIN)
    with pytest.raises(Invalid, match="0 \\(Monday\\) to 6 \\(Sunday\\)"):
        BusinessHours(frozenset({7}), time(9), time(17), BERLIN)
    with pytest.raises(Invalid, match="is not after start"):
        BusinessHours(frozenset({0}), time(17), time(9), BERLIN)
    assert BusinessHours(frozenset({0}), time(0), time(0), BERLIN).end == time(0)


def test_window_of_a_day() -> None:
    assert OFFICE.window(date(2026, 11, 21)) is None  # Saturday
    opens, closes = OFFICE.window(date(2026, 11, 23)) or (None, None)
    assert opens == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert closes == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    whole = BusinessHours.parse("24/7", BERLIN)
    opens, closes = whole.window(date(2026, 10, 25)) or (None, None)
    assert opens is not None and closes is not None
    assert closes - opens == timedelta(hours=25)  # the day the clocks go back
    # Hours wholly inside the skipped hour of the spring change do not exist that day.
    night = BusinessHours.parse("Sun 02:00-03:00", BERLIN)
    assert night.window(date(2026, 3, 29)) is None
    assert night.window(date(2026, 4, 5)) is not None


# --------------------------------------------------------------------------- add_working_time


def test_without_hours_it_is_plain_addition() -> None:
    start = local(2026, 11, 20, 16)
    assert add_working_time(start, 4 * H, None) == start + 4 * H
    assert add_working_time(start, timedelta(days=3), None) == start + timedelta(days=3)


def test_friday_afternoon_across_the_weekend() -> None:
    due = add_working_time(local(2026, 11, 20, 16), 4 * H, OFFICE)
    assert due == local(2026, 11, 23, 12)
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        (local(2026, 11, 20, 16), 1 * H, local(2026, 11, 20, 17)),  # uses the day up exactly: due at closing
        (local(2026, 11, 20, 16), 1 * H + timedelta(minutes=1), local(2026, 11, 23, 9, 1)),
        (local(2026, 11, 16, 7), 1 * H, local(2026, 11, 16, 10)),  # before opening
        (local(2026, 11, 16, 18), 1 * H, local(2026, 11, 17, 10)),  # after closing
        (local(2026, 11, 21, 12), 2 * H, local(2026, 11, 23, 11)),  # on a Saturday
        (local(2026, 11, 22, 23, 59), 30 * timedelta(minutes=1), local(2026, 11, 23, 9, 30)),
        (local(2026, 11, 16, 9), 8 * H, local(2026, 11, 16, 17)),
        (local(2026, 11, 16, 9), 16 * H, local(2026, 11, 17, 17)),
        (local(2026, 11, 16, 13), 40 * H, local(2026, 11, 23, 13)),  # a working week
        (local(2026, 11, 16, 12), timedelta(0), local(2026, 11, 16, 12)),
        (local(2026, 11, 21, 12), timedelta(0), local(2026, 11, 21, 12)),
        (local(2026, 12, 31, 15), 4 * H, local(2027, 1, 1, 11)),  # across a year boundary (no holidays)
    ],
)
def test_add_working_time_office_hours(start: datetime, amount: timedelta, due: datetime) -> None:
    assert add_working_time(start, amount, OFFICE) == due


def test_add_working_time_partial_week() -> None:
    hours = BusinessHours.parse("mon,tue,thu 08:30-16:30", BERLIN)
    assert add_working_time(local(2026, 11, 17, 16), 1 * H, hours) == local(2026, 11, 19, 9)
    assert add_working_time(local(2026, 11, 19, 16), 9 * H, hours) == local(2026, 11, 24, 9)


def test_add_working_time_across_dst_change() -> None:
    # Friday 2026-10-23 16:00 CEST; Monday is CET.
    due = add_working_time(local(2026, 10, 23, 16), 4 * H, OFFICE)
    assert due == local(2026, 10, 26, 12)
    assert due == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)


def test_round_the_clock_hours_count_real_elapsed_time_over_dst() -> None:
    whole = BusinessHours.parse("24/7", BERLIN)
    start = local(2026, 10, 24, 12)
    assert add_working_time(start, 24 * H, whole) == start + 24 * H
    assert working_time_between(start, local(2026, 10, 25, 12), whole) == 25 * H


def test_hours_in_another_zone() -> None:
    new_york = dateutil_tz.gettz("America/New_York")
    assert new_york is not None
    hours = BusinessHours.parse("Mon-Fri 09:00-17:00", new_york)
    start = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # Friday 16:00 EST
    assert add_working_time(start, 4 * H, hours) == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def test_naive_inputs_are_utc() -> None:
    assert add_working_time(datetime(2026, 11, 20, 15, 0), 4 * H, OFFICE) == local(2026, 11, 23, 12)


def test_negative_amount_is_invalid() -> None:
    with pytest.raises(Invalid, match="cannot be negative"):
        add_working_time(local(2026, 11, 16, 9), -H, OFFICE)
    with pytest.raises(Invalid, match="cannot be negative"):
        due_with_pauses(local(2026, 11, 16, 9), -H, OFFICE, [], local(2026, 11, 16, 10))


# --------------------------------------------------------------------------- working_time_between


@pytest.mark.parametrize(
    ("start", "end", "elapsed"),
    [
        (local(2026, 11, 16, 10), local(2026, 11, 16, 12), 2 * H),
        (local(2026, 11, 16, 7), local(2026, 11, 16, 20), 8 * H),
        (local(2026, 11, 20, 16), local(2026, 11, 23, 12), 4 * H),  # across the weekend
        (local(2026, 11, 21, 8), local(2026, 11, 22, 20), timedelta(0)),  # all weekend
        (local(2026, 11, 16, 9), local(2026, 11, 23, 9), 40 * H),
        (local(2026, 11, 16, 12), local(2026, 11, 16, 12), timedelta(0)),
        (local(2026, 11, 16, 12), local(2026, 11, 16, 10), timedelta(0)),  # end before start
        (local(2026, 12, 31, 16), local(2027, 1, 1, 10), 2 * H),
    ],
)
def test_working_time_between(start: datetime, end: datetime, elapsed: timedelta) -> None:
    assert working_time_between(start, end, OFFICE) == elapsed


def test_working_time_without_hours() -> None:
    assert working_time_between(local(2026, 11, 20, 16), local(2026, 11, 23, 12), None) == 68 * H
    pause = (local(2026, 11, 21), local(2026, 11, 22))
    assert working_time_between(local(2026, 11, 20, 16), local(2026, 11, 23, 12), None, [pause]) == 44 * H


def test_pause_overlapping_a_night() -> None:
    # Opened Monday 16:00, waiting for the customer from 16:30 to Tuesday 10:00.
    pauses = [(local(2026, 11, 16, 16, 30), local(2026, 11, 17, 10))]
    assert working_time_between(local(2026, 11, 16, 16), local(2026, 11, 17, 12), OFFICE, pauses) == 2.5 * H


def test_pause_over_a_weekend_only_removes_working_time() -> None:
    pauses = [(local(2026, 11, 20, 15), local(2026, 11, 23, 10))]
    assert working_time_between(local(2026, 11, 20, 9), local(2026, 11, 23, 17), OFFICE, pauses) == 13 * H


def test_pause_entirely_off_hours_changes_nothing() -> None:
    pauses = [(local(2026, 11, 21, 10), local(2026, 11, 22, 10)), (local(2026, 11, 16, 20), local(2026, 11, 17, 8))]
    start, end = local(2026, 11, 16, 9), local(2026, 11, 23, 9)
    assert working_time_between(start, end, OFFICE, pauses) == working_time_between(start, end, OFFICE)


def test_overlapping_pauses_count_once() -> None:
    pauses = [
        (local(2026, 11, 16, 10), local(2026, 11, 16, 12)),
        (local(2026, 11, 16, 11), local(2026, 11, 16, 13)),
        (local(2026, 11, 16, 11, 30), local(2026, 11, 16, 11, 45)),
    ]
    assert working_time_between(local(2026, 11, 16, 9), local(2026, 11, 16, 17), OFFICE, pauses) == 5 * H


def test_open_pause_lasts_until_end() -> None:
    pauses = [(local(2026, 11, 16, 15), None)]
    assert working_time_between(local(2026, 11, 16, 9), local(2026, 11, 17, 17), OFFICE, pauses) == 6 * H


def test_pauses_outside_the_interval_are_clipped() -> None:
    pauses = [
        (local(2026, 11, 13, 9), local(2026, 11, 16, 10)),  # began before start
        (local(2026, 11, 16, 16), local(2026, 11, 18, 12)),  # ends after end
        (local(2026, 11, 18, 12), local(2026, 11, 17, 12)),  # backwards: ignored
    ]
    assert working_time_between(local(2026, 11, 16, 9), local(2026, 11, 17, 9), OFFICE, pauses) == 6 * H


def test_pause_covering_everything() -> None:
    pauses = [(local(2026, 11, 1), None)]
    assert working_time_between(local(2026, 11, 16, 9), local(2026, 11, 20, 17), OFFICE, pauses) == timedelta(0)


# --------------------------------------------------------------------------- due_with_pauses


def test_due_without_pauses_is_add_working_time() -> None:
    start = local(2026, 11, 20, 16)
    assert due_with_pauses(start, 4 * H, OFFICE, [], local(2026, 11, 20, 16, 30)) == local(2026, 11, 23, 12)


def test_closed_pause_moves_the_due_time() -> None:
    start = local(2026, 11, 16, 9)
    pauses = [(local(2026, 11, 16, 10), local(2026, 11, 16, 12))]
    assert due_with_pauses(start, 4 * H, OFFICE, pauses, local(2026, 11, 16, 14)) == local(2026, 11, 16, 15)


def test_open_pause_resumes_now() -> None:
    start = local(2026, 11, 16, 9)
    pauses = [(local(2026, 11, 16, 10), None)]
    # 1h ran before the pause; paused until now (Tuesday 11:00); 3h remain from now.
    assert due_with_pauses(start, 4 * H, OFFICE, pauses, local(2026, 11, 17, 11)) == local(2026, 11, 17, 14)


def test_open_pause_over_a_night_and_weekend() -> None:
    start = local(2026, 11, 20, 16)
    pauses = [(local(2026, 11, 20, 16, 30), None)]
    assert due_with_pauses(start, 4 * H, OFFICE, pauses, local(2026, 11, 23, 10)) == local(2026, 11, 23, 13, 30)
    # Still paused on Saturday: the clock resumes when the office opens.
    assert due_with_pauses(start, 4 * H, OFFICE, pauses, local(2026, 11, 21, 12)) == local(2026, 11, 23, 12, 30)


def test_pause_overlapping_nights_and_closed_pause_together() -> None:
    start = local(2026, 11, 16, 16)
    pauses = [
        (local(2026, 11, 16, 16, 30), local(2026, 11, 17, 10)),  # over the night
        (local(2026, 11, 17, 11), None),  # pending again since 11:00
    ]
    now = local(2026, 11, 17, 15)
    # Ran 16:00-16:30 and 10:00-11:00 = 1.5h; 2.5h remain from 15:00: 17:00 is 2h, then 0.5h on Wednesday.
    assert due_with_pauses(start, 4 * H, OFFICE, pauses, now) == local(2026, 11, 18, 9, 30)
    assert working_time_between(start, now, OFFICE, pauses) == 1.5 * H


def test_due_with_pauses_without_hours() -> None:
    start = local(2026, 11, 16, 9)
    pauses = [(local(2026, 11, 16, 10), local(2026, 11, 16, 12))]
    assert due_with_pauses(start, 4 * H, None, pauses, local(2026, 11, 16, 12)) == local(2026, 11, 16, 15)


def test_zero_target_is_due_at_start() -> None:
    start = local(2026, 11, 16, 9)
    assert due_with_pauses(start, timedelta(0), OFFICE, [(start, None)], local(2026, 11, 17, 9)) == start


# --------------------------------------------------------------------------- properties

instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))
amounts = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))
hour_sets = st.sampled_from(
    [
        None,
        OFFICE,
        BusinessHours.parse("mon,tue,thu 08:30-16:30", BERLIN),
        BusinessHours.parse("24/7", BERLIN),
        BusinessHours.parse("Sat,Sun 01:30-03:30", BERLIN),
        BusinessHours.parse("Mon-Fri 00:00-24:00", dateutil_tz.gettz("America/New_York") or BERLIN),
    ]
)
pause_lists = st.lists(
    st.tuples(instants, st.one_of(st.none(), instants)),
    max_size=4,
)


@PROPERTY
@given(start=instants, end=instants, hours=hour_sets, pauses=pause_lists)
def test_working_time_is_never_negative_nor_more_than_elapsed(
    start: datetime, end: datetime, hours: BusinessHours | None, pauses: list[tuple[datetime, datetime | None]]
) -> None:
    elapsed = working_time_between(start, end, hours, pauses)
    assert timedelta(0) <= elapsed <= max(end - start, timedelta(0))
    assert elapsed <= working_time_between(start, end, hours)


@PROPERTY
@given(start=instants, amount=amounts, hours=hour_sets)
def test_add_working_time_round_trips(start: datetime, amount: timedelta, hours: BusinessHours | None) -> None:
    due = add_working_time(start, amount, hours)
    assert due >= start
    assert working_time_between(start, due, hours) == amount


@PROPERTY
@given(start=instants, amount=amounts, hours=hour_sets, pauses=pause_lists, now=instants)
def test_pauses_never_bring_the_due_time_forward(
    start: datetime,
    amount: timedelta,
    hours: BusinessHours | None,
    pauses: list[tuple[datetime, datetime | None]],
    now: datetime,
) -> None:
    due = due_with_pauses(start, amount, hours, pauses, now)
    assert due >= add_working_time(start, amount, hours)
    closed = [(begin, finish if finish is not None else now) for begin, finish in pauses]
    assert working_time_between(start, due, hours, closed) == amount
