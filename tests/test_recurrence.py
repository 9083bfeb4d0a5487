"""Tests for termcrm.recurrence: --every phrases, RRULE validation, next occurrences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil import tz as dateutil_tz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termcrm.dates import from_local, to_local
from termcrm.errors import Invalid
from termcrm.recurrence import describe, next_occurrence, occurrences, parse_every, validate_rule

BERLIN = dateutil_tz.gettz("Europe/Berlin")
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def berlin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs in Europe/Berlin unless it sets TZ itself."""
    monkeypatch.setenv("TZ", "Europe/Berlin")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Berlin wall-clock fields as an aware UTC instant."""
    return from_local(datetime(year, month, day, hour, minute), BERLIN)


def walls(moments: list[datetime]) -> list[datetime]:
    """Berlin wall-clock (naive) of each instant."""
    return [to_local(m).replace(tzinfo=None) for m in moments]


# Monday 2026-11-23 09:00 in Berlin.
START = local(2026, 11, 23, 9)


# --------------------------------------------------------------------------- parse_every


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("day", "FREQ=DAILY"),
        ("daily", "FREQ=DAILY"),
        ("every day", "FREQ=DAILY"),
        ("Every Day", "FREQ=DAILY"),
        ("week", "FREQ=WEEKLY"),
        ("weekly", "FREQ=WEEKLY"),
        ("every week", "FREQ=WEEKLY"),
        ("month", "FREQ=MONTHLY"),
        ("monthly", "FREQ=MONTHLY"),
        ("year", "FREQ=YEARLY"),
        ("yearly", "FREQ=YEARLY"),
        ("annually", "FREQ=YEARLY"),
        ("2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
        ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
        ("3 days", "FREQ=DAILY;INTERVAL=3"),
        ("1 day", "FREQ=DAILY"),
        ("every 3 months", "FREQ=MONTHLY;INTERVAL=3"),
        ("2 years", "FREQ=YEARLY;INTERVAL=2"),
        ("every other week", "FREQ=WEEKLY;INTERVAL=2"),
        ("fortnightly", "FREQ=WEEKLY;INTERVAL=2"),
        ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("weekends", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("mon,thu", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("mon, thu", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("mon thu", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("thu mon", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("monday and thursday", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("every Monday and Thursday", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("mondays and thursdays", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("on tue", "FREQ=WEEKLY;BYDAY=TU"),
        ("friday", "FREQ=WEEKLY;BYDAY=FR"),
        ("mon,wed,fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("2 weeks on mon,thu", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"),
        ("every 2 weeks on friday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        ("last friday of month", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("the last friday of the month", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("last fri of every month", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("first monday of month", "FREQ=MONTHLY;BYDAY=+1MO"),
        ("1st monday of month", "FREQ=MONTHLY;BYDAY=+1MO"),
        ("2nd tuesday of month", "FREQ=MONTHLY;BYDAY=+2TU"),
        ("second tuesday of each month", "FREQ=MONTHLY;BYDAY=+2TU"),
        ("third wed of month", "FREQ=MONTHLY;BYDAY=+3WE"),
        ("4th thursday of month", "FREQ=MONTHLY;BYDAY=+4TH"),
        ("second last friday of month", "FREQ=MONTHLY;BYDAY=-2FR"),
        ("15th of month", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("the 1st of the month", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("2nd of month", "FREQ=MONTHLY;BYMONTHDAY=2"),
        ("3rd of month", "FREQ=MONTHLY;BYMONTHDAY=3"),
        ("15 of month", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("31st of month", "FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1"),
        ("30th of month", "FREQ=MONTHLY;BYMONTHDAY=30,-1;BYSETPOS=1"),
        ("last day of month", "FREQ=MONTHLY;BYMONTHDAY=-1"),
        ("first day of month", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("rrule:freq=weekly;byday=mo", "FREQ=WEEKLY;BYDAY=MO"),
        ("FREQ=MONTHLY;BYDAY=-1FR;", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=DAILY;COUNT=3", "FREQ=DAILY;COUNT=3"),
        ("FREQ=WEEKLY;UNTIL=20270101T000000Z", "FREQ=WEEKLY;UNTIL=20270101T000000Z"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
    ],
)
def test_parse_every_forms(text: str, rule: str) -> None:
    assert parse_every(text, start=START) == rule


@pytest.mark.parametrize(
    ("day", "rule"),
    [
        (28, "FREQ=MONTHLY"),
        (29, "FREQ=MONTHLY;BYMONTHDAY=29,-1;BYSETPOS=1"),
        (30, "FREQ=MONTHLY;BYMONTHDAY=30,-1;BYSETPOS=1"),
        (31, "FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1"),
    ],
)
def test_monthly_from_late_days_clamps_to_month_end(day: int, rule: str) -> None:
    assert parse_every("monthly", start=local(2026, 1, day, 9)) == rule


def test_every_n_months_from_the_31st_clamps() -> None:
    rule = parse_every("every 2 months", start=local(2026, 8, 31, 9))
    assert rule == "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31,-1;BYSETPOS=1"
    start = local(2026, 8, 31, 9)
    assert [m.date() for m in walls(occurrences(rule, first_due=start, after=start, count=3))] == [
        date(2026, 10, 31),
        date(2026, 12, 31),
        date(2027, 2, 28),
    ]


def test_monthly_uses_the_local_day_of_the_start() -> None:
    # 2026-01-30 23:30 UTC is already the 31st in Berlin.
    assert parse_every("monthly", start=datetime(2026, 1, 30, 23, 30, tzinfo=UTC)) == (
        "FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1"
    )


def test_yearly_from_leap_day_clamps_to_feb_28() -> None:
    start = local(2028, 2, 29, 10)
    rule = parse_every("yearly", start=start)
    assert rule == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29,-1;BYSETPOS=1"
    assert [m.date() for m in walls(occurrences(rule, first_due=start, after=start, count=4))] == [
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]


UNKNOWN = (
    "use day, week, month, year, '2 weeks', '3 days', weekdays, weekends, 'mon,thu', 'monday and thursday',"
    " 'last friday of month', 'first monday of month', '15th of month' or a rule such as FREQ=WEEKLY;BYDAY=MO"
)


@pytest.mark.parametrize(
    "text",
    [
        "fortnite",
        "every blue moon",
        "mon,fridy",
        "2 fortnights",
        "2 days on mon",
        "2 months on mon",
        "last blursday of month",
        "BYDAY=MO",
        "every",
        "hourly",
        "weekly on",
    ],
)
def test_parse_every_unknown_phrase_lists_the_forms(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_every(text, start=START)
    assert caught.value.message == f"cannot read recurrence {text!r}: {UNKNOWN}"
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "missing recurrence"),
        ("   ", "missing recurrence"),
        ("0 days", "cannot repeat every 0 days: use 1 or more"),
        ("32nd of month", "there is no day 32 in a month"),
        ("0th of month", "there is no day 0 in a month"),
        (
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "the rule 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' never occurs: no date matches it in the 10 years",
        ),
        ("FREQ=MONTHLY;BYMONTH=13", "never occurs"),
        ("FREQ=WEEKLY;COUNT=1", "never occurs"),
        ("FREQ=DAILY;COUNT=0", "never occurs"),
        ("FREQ=WEEKLY;UNTIL=20250101T000000Z", "never occurs"),
        ("FREQ=HOURLY", "repeats hourly: use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"),
        ("FREQ=MINUTELY;INTERVAL=5", "repeats minutely"),
        ("FREQ=SECONDLY", "repeats secondly"),
        ("FREQ=FORTNIGHTLY", "repeats fortnightly"),
        ("FREQ=WEEKLY;BYDAY=XX", "cannot read the rule 'FREQ=WEEKLY;BYDAY=XX': invalid 'BYDAY': XX"),
        ("FREQ=WEEKLY;FOO=1", "unknown parameter 'FOO'"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0 must be a whole number of 1 or more"),
        ("FREQ=DAILY;INTERVAL=-1", "INTERVAL=-1 must be a whole number"),
        ("FREQ=DAILY;INTERVAL=x", "INTERVAL=X must be a whole number"),
        ("FREQ=DAILY;UNTIL=garbage", "cannot read the rule"),
        ("FREQ=DAILY;UNTIL=2027XXZ", "invalid UNTIL value"),
        ("FREQ=DAILY;BYHOUR=25", "cannot read the rule"),
        ("RRULE:", "cannot read the rule"),
        ("FREQ=DAILY\nRRULE:FREQ=WEEKLY", "give one RRULE"),
        ("RRULE:DTSTART:20260101T000000", "give one RRULE"),
        ("rrule:BYDAY=MO", "has no FREQ"),
    ],
)
def test_parse_every_errors(text: str, fragment: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_every(text, start=START)
    assert fragment in caught.value.message


def test_validate_rule_normalises() -> None:
    assert validate_rule(" rrule:freq=weekly; byday=mo,th ", start=START) == "FREQ=WEEKLY;BYDAY=MO,TH"
    with pytest.raises(Invalid, match="has no FREQ"):
        validate_rule("BYDAY=MO", start=START)
    with pytest.raises(Invalid, match="give one RRULE"):
        validate_rule("DTSTART:20260101T000000", start=START)


def test_rarely_occurring_rule_is_valid_when_it_occurs_within_ten_years() -> None:
    # Friday the 13th of February: 2026 is the first after the start date 2025-03-01.
    rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=13;BYDAY=FR"
    assert parse_every(rule, start=local(2025, 3, 1, 9)) == rule


# --------------------------------------------------------------------------- next_occurrence


def test_weekly_stays_at_nine_local_across_dst_end() -> None:
    # Last Sunday of October 2026 is the 25th: CEST (UTC+2) -> CET (UTC+1).
    first = local(2026, 10, 19, 9)
    assert first == datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    after_dst = next_occurrence("FREQ=WEEKLY", first_due=first, after=first)
    assert after_dst == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert after_dst is not None and to_local(after_dst).time() == time(9, 0)


def test_weekly_stays_at_nine_local_across_dst_start() -> None:
    first = local(2026, 3, 23, 9)
    assert first == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    assert next_occurrence("FREQ=WEEKLY;BYDAY=MO", first_due=first, after=first) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )


def test_daily_in_the_dst_gap_moves_forward_only_on_that_day() -> None:
    first = local(2026, 3, 27, 2, 30)
    found = walls(occurrences("FREQ=DAILY", first_due=first, after=first, count=3))
    assert found == [datetime(2026, 3, 28, 2, 30), datetime(2026, 3, 29, 3, 30), datetime(2026, 3, 30, 2, 30)]


def test_daily_in_the_repeated_hour_takes_the_first() -> None:
    first = local(2026, 10, 24, 2, 30)
    found = occurrences("FREQ=DAILY", first_due=first, after=first, count=2)
    assert found == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]


def test_strictly_after_in_the_repeated_hour() -> None:
    first = local(2026, 10, 18, 2, 30)
    first_pass = datetime(2026, 10, 25, 0, 20, tzinfo=UTC)  # 02:20 CEST
    second_pass = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, after 02:30 CEST in time
    assert next_occurrence("FREQ=DAILY", first_due=first, after=first_pass) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert next_occurrence("FREQ=DAILY", first_due=first, after=second_pass) == local(2026, 10, 26, 2, 30)


def test_monthly_from_jan_31() -> None:
    first = local(2026, 1, 31, 9)
    rule = parse_every("monthly", start=first)
    found = walls(occurrences(rule, first_due=first, after=first, count=4))
    assert [m.date() for m in found] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
    assert all(m.time() == time(9, 0) for m in found)


def test_monthly_from_jan_31_in_a_leap_year() -> None:
    first = local(2028, 1, 31, 9)
    rule = parse_every("month", start=first)
    assert [m.date() for m in walls(occurrences(rule, first_due=first, after=first, count=2))] == [
        date(2028, 2, 29),
        date(2028, 3, 31),
    ]


def test_monthly_from_the_29th_in_common_and_leap_years() -> None:
    first = local(2026, 12, 29, 9)
    rule = parse_every("monthly", start=first)
    assert [m.date() for m in walls(occurrences(rule, first_due=first, after=first, count=3))] == [
        date(2027, 1, 29),
        date(2027, 2, 28),
        date(2027, 3, 29),
    ]
    first = local(2027, 12, 29, 9)
    assert [m.date() for m in walls(occurrences(rule, first_due=first, after=first, count=3))] == [
        date(2028, 1, 29),
        date(2028, 2, 29),
        date(2028, 3, 29),
    ]


def test_plain_monthly_rule_from_the_31st_skips_short_months() -> None:
    # A raw FREQ=MONTHLY is taken literally (RFC 5545): months without a 31st are skipped.
    first = local(2026, 1, 31, 9)
    assert [m.date() for m in walls(occurrences("FREQ=MONTHLY", first_due=first, after=first, count=2))] == [
        date(2026, 3, 31),
        date(2026, 5, 31),
    ]


def test_across_a_year_boundary() -> None:
    first = local(2026, 12, 28, 10)
    assert walls(occurrences("FREQ=WEEKLY", first_due=first, after=first, count=2)) == [
        datetime(2027, 1, 4, 10, 0),
        datetime(2027, 1, 11, 10, 0),
    ]
    first = local(2026, 12, 31, 10)
    rule = parse_every("monthly", start=first)
    assert [m.date() for m in walls(occurrences(rule, first_due=first, after=first, count=2))] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
    ]
    assert walls(occurrences("FREQ=YEARLY", first_due=first, after=first, count=1)) == [datetime(2027, 12, 31, 10)]


def test_next_follows_the_rule_not_today() -> None:
    first = local(2026, 1, 5, 9)  # a Monday
    current_due = local(2026, 3, 2, 9)  # completed late, weeks after it was due
    assert next_occurrence("FREQ=WEEKLY", first_due=first, after=current_due) == local(2026, 3, 9, 9)
    every_two = "FREQ=WEEKLY;INTERVAL=2"
    # 2026-03-02 is 8 weeks after the first due, so it is on the two-week grid.
    assert next_occurrence(every_two, first_due=first, after=current_due) == local(2026, 3, 16, 9)
    # After a time between occurrences, the next grid point follows.
    assert next_occurrence(every_two, first_due=first, after=local(2026, 3, 5, 12)) == local(2026, 3, 16, 9)


def test_after_before_first_due_gives_the_first_due_when_it_matches() -> None:
    first = local(2026, 11, 23, 9)
    assert next_occurrence("FREQ=WEEKLY", first_due=first, after=local(2026, 11, 1)) == first


def test_nth_weekday_rules() -> None:
    first = local(2026, 11, 27, 15)  # last Friday of November 2026
    assert walls(occurrences("FREQ=MONTHLY;BYDAY=-1FR", first_due=first, after=first, count=3)) == [
        datetime(2026, 12, 25, 15),
        datetime(2027, 1, 29, 15),
        datetime(2027, 2, 26, 15),
    ]
    first = local(2026, 11, 2, 9)
    rule = parse_every("first monday of month", start=first)
    assert [m.date() for m in walls(occurrences(rule, first_due=first, after=first, count=2))] == [
        date(2026, 12, 7),
        date(2027, 1, 4),
    ]
    rule = parse_every("2nd tuesday of month", start=first)
    assert [m.date() for m in walls(occurrences(rule, first_due=first, after=first, count=2))] == [
        date(2026, 11, 10),
        date(2026, 12, 8),
    ]


def test_weekday_list_and_weekdays() -> None:
    first = local(2026, 11, 23, 9)  # Monday
    rule = parse_every("mon,thu", start=first)
    assert [m.date() for m in walls(occurrences(rule, first_due=first, after=first, count=3))] == [
        date(2026, 11, 26),
        date(2026, 11, 30),
        date(2026, 12, 3),
    ]
    friday = local(2026, 11, 27, 9)
    rule = parse_every("weekdays", start=friday)
    assert next_occurrence(rule, first_due=friday, after=friday) == local(2026, 11, 30, 9)
    rule = parse_every("weekends", start=friday)
    assert [m.date() for m in walls(occurrences(rule, first_due=friday, after=friday, count=3))] == [
        date(2026, 11, 28),
        date(2026, 11, 29),
        date(2026, 12, 5),
    ]


def test_fifteenth_of_month_from_an_earlier_day() -> None:
    first = local(2026, 11, 10, 9)
    rule = parse_every("15th of month", start=first)
    assert next_occurrence(rule, first_due=first, after=first) == local(2026, 11, 15, 9)


def test_follow_up_due_at_local_midnight_stays_at_midnight() -> None:
    first = local(2026, 10, 20, 0, 0)  # 00:00 CEST = 22:00 UTC the day before
    assert first == datetime(2026, 10, 19, 22, 0, tzinfo=UTC)
    found = next_occurrence("FREQ=WEEKLY", first_due=first, after=first)
    assert found == datetime(2026, 10, 26, 23, 0, tzinfo=UTC)
    assert found is not None and to_local(found).time() == time(0, 0)


def test_all_day_occurrences_are_local_midnight() -> None:
    first = local(2026, 10, 19)
    found = occurrences("FREQ=WEEKLY", first_due=first, after=first, count=2, all_day=True)
    assert found == [datetime(2026, 10, 25, 23, 0, tzinfo=UTC), datetime(2026, 11, 1, 23, 0, tzinfo=UTC)]


def test_all_day_ignores_the_time_of_day() -> None:
    first = local(2026, 10, 19, 17, 45)
    after = local(2026, 10, 19, 23, 59)
    assert next_occurrence("FREQ=DAILY", first_due=first, after=after, all_day=True) == local(2026, 10, 20)
    # With a time, the 17:45 occurrence on the 20th comes first.
    assert next_occurrence("FREQ=DAILY", first_due=first, after=after) == local(2026, 10, 20, 17, 45)


def test_all_day_monthly_from_the_31st() -> None:
    first = local(2027, 1, 31)
    rule = parse_every("monthly", start=first)
    assert occurrences(rule, first_due=first, after=first, count=2, all_day=True) == [
        local(2027, 2, 28),
        local(2027, 3, 31),
    ]


def test_exhausted_rules_give_none() -> None:
    first = local(2026, 11, 23, 9)
    assert next_occurrence("FREQ=WEEKLY;COUNT=2", first_due=first, after=first) == local(2026, 11, 30, 9)
    assert next_occurrence("FREQ=WEEKLY;COUNT=2", first_due=first, after=local(2026, 11, 30, 9)) is None
    assert next_occurrence("FREQ=DAILY;UNTIL=20261125T235959", first_due=first, after=local(2026, 11, 25, 9)) is None
    assert occurrences("FREQ=DAILY;COUNT=3", first_due=first, after=first, count=10) == [
        local(2026, 11, 24, 9),
        local(2026, 11, 25, 9),
    ]


def test_until_in_utc_is_read_in_local_time() -> None:
    first = local(2026, 11, 23, 9)
    rule = "FREQ=DAILY;UNTIL=20261125T080000Z"  # 09:00 in Berlin: the 25th is the last one
    assert occurrences(rule, first_due=first, after=first, count=5) == [local(2026, 11, 24, 9), local(2026, 11, 25, 9)]


def test_rule_that_never_occurs_gives_none_quickly() -> None:
    first = local(2026, 1, 1, 9)
    assert next_occurrence("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", first_due=first, after=first) is None


def test_next_occurrence_bad_rule_is_invalid() -> None:
    with pytest.raises(Invalid, match="cannot read the rule"):
        next_occurrence("FREQ=NEVER", first_due=START, after=START)
    with pytest.raises(Invalid, match="INTERVAL=0"):
        next_occurrence("FREQ=DAILY;INTERVAL=0", first_due=START, after=START)
    with pytest.raises(Invalid, match="cannot read the rule"):
        next_occurrence("BYDAY=MO", first_due=START, after=START)


def test_naive_inputs_are_utc() -> None:
    naive = datetime(2026, 11, 23, 8, 0)  # 09:00 in Berlin
    assert next_occurrence("FREQ=DAILY", first_due=naive, after=naive) == local(2026, 11, 24, 9)


def test_other_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    first = datetime(2026, 10, 26, 13, 0, tzinfo=UTC)  # Monday 09:00 EDT
    # US clocks go back on 2026-11-01.
    assert next_occurrence("FREQ=WEEKLY", first_due=first, after=first) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("FREQ=DAILY", "every day"),
        ("FREQ=DAILY;INTERVAL=3", "every 3 days"),
        ("FREQ=WEEKLY", "every week"),
        ("FREQ=WEEKLY;BYDAY=MO", "every week on Monday"),
        ("FREQ=WEEKLY;BYDAY=MO,TH", "every week on Monday and Thursday"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "every week on Monday, Wednesday and Friday"),
        ("FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "every 2 weeks on Monday and Thursday"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday"),
        ("FREQ=WEEKLY;BYDAY=SA,SU", "every weekend"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR", "every 2 weeks on weekdays"),
        ("FREQ=MONTHLY", "every month"),
        ("FREQ=MONTHLY;INTERVAL=3", "every 3 months"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "monthly on the last Friday"),
        ("FREQ=MONTHLY;BYDAY=+1MO", "monthly on the first Monday"),
        ("FREQ=MONTHLY;BYDAY=2TU", "monthly on the second Tuesday"),
        ("FREQ=MONTHLY;BYDAY=-2FR", "monthly on the second to last Friday"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR", "every 2 months on the last Friday"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "monthly on the 15th"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", "monthly on the 1st"),
        ("FREQ=MONTHLY;BYMONTHDAY=22", "monthly on the 22nd"),
        ("FREQ=MONTHLY;BYMONTHDAY=13", "monthly on the 13th"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "monthly on the last day"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "monthly on the 1st and the 15th"),
        ("FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1", "monthly on the 31st (or the last day)"),
        ("FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=30,-1;BYSETPOS=1", "every 2 months on the 30th (or the last day)"),
        ("FREQ=YEARLY", "every year"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29,-1;BYSETPOS=1", "yearly on the 29th (or the last day) of February"),
        ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", "yearly on the 24th of December"),
        ("FREQ=DAILY;COUNT=3", "every day, 3 times"),
        ("FREQ=DAILY;COUNT=1", "every day, once"),
        ("FREQ=WEEKLY;UNTIL=20270101T000000Z", "every week, until 2027-01-01"),
        ("FREQ=WEEKLY;WKST=SU;BYDAY=MO", "every week on Monday"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", "every week on Monday"),
        ("freq=weekly;byday=mo", "every week on Monday"),
    ],
)
def test_describe(rule: str, text: str) -> None:
    assert describe(rule) == text


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=YEARLY;BYWEEKNO=20",
        "FREQ=DAILY;BYHOUR=9,17",
        "FREQ=DAILY;BYDAY=MO",
        "FREQ=MONTHLY;BYDAY=MO,-1FR",
        "FREQ=MONTHLY;BYDAY=+9MO",
        "FREQ=MONTHLY;BYSETPOS=2",
        "FREQ=MONTHLY;BYMONTHDAY=15;BYSETPOS=2",
        "FREQ=MONTHLY;BYMONTHDAY=40",
        "FREQ=WEEKLY;BYMONTHDAY=3",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=MONTHLY;BYMONTH=3",
        "FREQ=YEARLY;BYMONTH=13;BYMONTHDAY=1",
        "FREQ=YEARLY;BYMONTH=3",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;COUNT=x",
        "FREQ=DAILY;UNTIL=soon",
        "not a rule",
    ],
)
def test_describe_falls_back_to_the_rule(rule: str) -> None:
    assert describe(rule) == rule


# --------------------------------------------------------------------------- properties

RULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29,-1;BYSETPOS=1",
]
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2080, 12, 31), timezones=st.just(UTC))


@PROPERTY
@given(
    rule=st.sampled_from(RULES),
    first_due=instants,
    after=instants,
    all_day=st.booleans(),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]),
)
def test_next_occurrence_is_strictly_after(
    monkeypatch: pytest.MonkeyPatch, rule: str, first_due: datetime, after: datetime, all_day: bool, zone: str
) -> None:
    monkeypatch.setenv("TZ", zone)
    found = next_occurrence(rule, first_due=first_due, after=after, all_day=all_day)
    assert found is not None
    assert found > after
    assert found.tzinfo is UTC
    if all_day:
        assert to_local(found).time() == time(0, 0)


@PROPERTY
@given(
    rule=st.sampled_from(RULES),
    first_due=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2080, 12, 31)),
    weeks=st.integers(min_value=0, max_value=500),
)
def test_next_occurrence_keeps_the_local_time_of_day(rule: str, first_due: datetime, weeks: int) -> None:
    first_due = first_due.replace(hour=first_due.hour if first_due.hour != 2 else 14, second=0, microsecond=0)
    first = from_local(first_due, BERLIN)
    found = next_occurrence(rule, first_due=first, after=first + timedelta(weeks=weeks))
    assert found is not None
    assert to_local(found).time() == first_due.time()


@PROPERTY
@given(start=instants, text=st.sampled_from(["day", "week", "month", "year", "2 weeks", "mon,thu", "15th of month"]))
def test_parsed_rules_always_occur(start: datetime, text: str) -> None:
    rule = parse_every(text, start=start)
    assert next_occurrence(rule, first_due=start, after=start) is not None
    assert describe(rule) != rule
