"""Tests for termcrm.dates: parsing what people type, UTC storage, local display."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from dateutil import tz as dateutil_tz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termcrm import dates
from termcrm.dates import (
    When,
    as_utc,
    format_delta,
    format_local,
    from_local,
    iso,
    local_midnight,
    local_today,
    local_tz,
    parse_date,
    parse_duration,
    parse_when,
    to_local,
    utcnow,
)
from termcrm.errors import Invalid

BERLIN = dateutil_tz.gettz("Europe/Berlin")
# Friday 2026-11-20 13:00 UTC = 14:00 in Berlin (CET, UTC+1).
NOW = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def berlin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs in Europe/Berlin unless it sets TZ itself."""
    monkeypatch.setenv("TZ", "Europe/Berlin")


def local(*args: int) -> datetime:
    """An instant given as Berlin wall-clock fields, as aware UTC."""
    return from_local(datetime(*args), BERLIN)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- zones, now, conversions


def test_local_tz_follows_tz_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    winter = datetime(2026, 1, 15, 12, 0)
    assert local_tz().utcoffset(winter) == timedelta(hours=1)
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_tz().utcoffset(winter) == timedelta(hours=-5)
    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert local_tz().utcoffset(winter) == timedelta(hours=9)


def test_local_tz_unknown_zone_is_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Nowhere/Atlantis")
    assert local_tz().utcoffset(datetime(2026, 1, 1)) == timedelta(0)


def test_local_tz_without_tz_variable_is_system_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TZ")
    assert isinstance(local_tz(), dateutil_tz.tzlocal)


def test_utcnow_is_aware_utc() -> None:
    now = utcnow()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_as_utc_naive_means_utc() -> None:
    assert as_utc(datetime(2026, 5, 1, 10, 0)) == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    assert as_utc(datetime(2026, 5, 1, 10, 0)).tzinfo is UTC


def test_as_utc_converts_aware() -> None:
    plus_two = datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    result = as_utc(plus_two)
    assert result == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert result.tzinfo is UTC
    assert result.hour == 8


def test_to_local_and_format_local() -> None:
    summer = datetime(2026, 7, 1, 12, 5, tzinfo=UTC)
    assert to_local(summer).hour == 14
    assert format_local(summer) == "2026-07-01 14:05"
    assert format_local(summer, with_time=False) == "2026-07-01"
    assert format_local(datetime(2026, 11, 23, 13, 5)) == "2026-11-23 14:05"  # naive is UTC


def test_format_local_follows_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    instant = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_local(instant) == "2027-01-01 00:30"
    monkeypatch.setenv("TZ", "America/New_York")
    assert format_local(instant) == "2026-12-31 18:30"


def test_from_local_gap_moves_forward_and_fold_takes_first() -> None:
    assert from_local(datetime(2026, 3, 29, 2, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert from_local(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    utc_zone = dateutil_tz.gettz("UTC")
    assert utc_zone is not None
    assert from_local(datetime(2026, 3, 29, 2, 30), utc_zone) == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)


def test_local_midnight_and_today() -> None:
    assert local_midnight(date(2026, 11, 23)) == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert local_midnight(date(2026, 7, 1)) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert local_today(now=datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)


def test_iso_is_utc_isoformat_to_the_second() -> None:
    assert iso(datetime(2026, 11, 23, 14, 5, tzinfo=UTC)) == "2026-11-23T14:05:00+00:00"
    assert iso(datetime(2026, 11, 23, 15, 5, 7, 123456, tzinfo=BERLIN)) == "2026-11-23T14:05:07+00:00"
    assert iso(datetime(2026, 11, 23, 14, 5)) == "2026-11-23T14:05:00+00:00"


def test_when_normalises_to_utc_and_reports_local_date() -> None:
    value = When(datetime(2026, 11, 23, 0, 30, tzinfo=BERLIN), True)
    assert value.at == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert value.at.tzinfo is UTC
    assert value.local_date() == date(2026, 11, 23)
    assert value.local().hour == 0
    assert value.format() == "2026-11-23 00:30"
    assert When(local_midnight(date(2026, 11, 23)), False).format() == "2026-11-23"
    assert When(datetime(2026, 1, 1, 12), True).at.tzinfo is UTC


def test_when_is_frozen() -> None:
    value = When(NOW, True)
    with pytest.raises(AttributeError):
        value.has_time = False  # type: ignore[misc]


# --------------------------------------------------------------------------- parse_when


@pytest.mark.parametrize(
    ("text", "wall", "has_time"),
    [
        ("2026-12-01", datetime(2026, 12, 1), False),
        ("2026-7-4", datetime(2026, 7, 4), False),
        ("2026-12-01T10:00", datetime(2026, 12, 1, 10, 0), True),
        ("2026-12-01 10:00", datetime(2026, 12, 1, 10, 0), True),
        ("2026-12-01T10:00:30", datetime(2026, 12, 1, 10, 0, 30), True),
        ("2026-12-01 10:00:30.250", datetime(2026, 12, 1, 10, 0, 30, 250000), True),
        ("2026-12-01 9:05", datetime(2026, 12, 1, 9, 5), True),
        ("now", datetime(2026, 11, 20, 14, 0), True),
        ("NOW", datetime(2026, 11, 20, 14, 0), True),
        ("today", datetime(2026, 11, 20), False),
        ("Today", datetime(2026, 11, 20), False),
        ("tomorrow", datetime(2026, 11, 21), False),
        ("yesterday", datetime(2026, 11, 19), False),
        ("+3d", datetime(2026, 11, 23), False),
        ("+3 days", datetime(2026, 11, 23), False),
        ("-2w", datetime(2026, 11, 6), False),
        ("+1w", datetime(2026, 11, 27), False),
        ("+1m", datetime(2026, 12, 20), False),
        ("+2months", datetime(2027, 1, 20), False),
        ("+1y", datetime(2027, 11, 20), False),
        ("-1y", datetime(2025, 11, 20), False),
        ("+0d", datetime(2026, 11, 20), False),
        ("+4h", datetime(2026, 11, 20, 18, 0), True),
        ("-4h", datetime(2026, 11, 20, 10, 0), True),
        ("+30min", datetime(2026, 11, 20, 14, 30), True),
        ("+90 minutes", datetime(2026, 11, 20, 15, 30), True),
        ("  tomorrow   09:00 ", datetime(2026, 11, 21, 9, 0), True),
        ("tomorrow 9:00", datetime(2026, 11, 21, 9, 0), True),
        ("tomorrow at 09:00", datetime(2026, 11, 21, 9, 0), True),
        ("tomorrow 9am", datetime(2026, 11, 21, 9, 0), True),
        ("tomorrow 5pm", datetime(2026, 11, 21, 17, 0), True),
        ("tomorrow 5 PM", datetime(2026, 11, 21, 17, 0), True),
        ("tomorrow 9:30pm", datetime(2026, 11, 21, 21, 30), True),
        ("tomorrow 12am", datetime(2026, 11, 21, 0, 0), True),
        ("tomorrow 12pm", datetime(2026, 11, 21, 12, 0), True),
        ("today 16:15", datetime(2026, 11, 20, 16, 15), True),
        ("yesterday 08:00", datetime(2026, 11, 19, 8, 0), True),
        ("fri 14:30", datetime(2026, 11, 27, 14, 30), True),
        ("monday 8am", datetime(2026, 11, 23, 8, 0), True),
        ("+2d 8:00", datetime(2026, 11, 22, 8, 0), True),
        ("-1w 10:00", datetime(2026, 11, 13, 10, 0), True),
        ("2026-12-24 18:00:00", datetime(2026, 12, 24, 18, 0), True),
        ("2026-12-24 6pm", datetime(2026, 12, 24, 18, 0), True),
    ],
)
def test_parse_when_forms(text: str, wall: datetime, has_time: bool) -> None:
    value = parse_when(text, now=NOW)
    assert value.has_time is has_time
    assert value.at.tzinfo is UTC
    assert to_local(value.at).replace(tzinfo=None) == wall


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T10:00Z", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("2026-12-01T10:00z", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("2026-12-01T10:00:00Z", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("2026-12-01T10:00+02:00", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
        ("2026-12-01T10:00:00-0500", datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
        ("2026-12-01 10:00+05", datetime(2026, 12, 1, 5, 0, tzinfo=UTC)),
        ("2026-12-01T10:00:00+00:00", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_when_offsets(text: str, expected: datetime) -> None:
    value = parse_when(text, now=NOW)
    assert value == When(expected, True)


def test_parse_when_reads_back_iso_output() -> None:
    instant = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    assert parse_when(iso(instant), now=NOW).at == instant


@pytest.mark.parametrize(
    ("word", "weekday"),
    [
        ("monday", 0),
        ("tuesday", 1),
        ("wednesday", 2),
        ("thursday", 3),
        ("friday", 4),
        ("saturday", 5),
        ("sunday", 6),
        ("mon", 0),
        ("tue", 1),
        ("tues", 1),
        ("wed", 2),
        ("thu", 3),
        ("thurs", 3),
        ("fri", 4),
        ("sat", 5),
        ("sun", 6),
        ("FRIDAY", 4),
        ("Fri", 4),
    ],
)
def test_weekday_is_next_occurrence_strictly_after_today(word: str, weekday: int) -> None:
    value = parse_when(word, now=NOW)  # NOW is a Friday
    day = value.local_date()
    assert day.weekday() == weekday
    assert date(2026, 11, 21) <= day <= date(2026, 11, 27)
    assert not value.has_time
    assert to_local(value.at).time() == time(0, 0)


def test_weekday_named_today_means_next_week() -> None:
    assert parse_when("friday", now=NOW).local_date() == date(2026, 11, 27)
    assert parse_when("saturday", now=NOW).local_date() == date(2026, 11, 21)


def test_now_defaults_to_utcnow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "utcnow", lambda: NOW)
    assert parse_when("now") == When(NOW, True)
    assert parse_date("tomorrow") == date(2026, 11, 21)
    assert local_today() == date(2026, 11, 20)


def test_naive_now_is_utc() -> None:
    assert parse_when("now", now=datetime(2026, 11, 20, 13, 0)).at == NOW


def test_today_is_the_local_date_not_the_utc_date() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027 in Berlin
    assert parse_when("today", now=late).local_date() == date(2027, 1, 1)
    assert parse_when("yesterday", now=late).local_date() == date(2026, 12, 31)


def test_dates_across_a_year_boundary() -> None:
    eve = local(2026, 12, 31, 20, 0)
    assert parse_when("tomorrow", now=eve).local_date() == date(2027, 1, 1)
    assert parse_when("+1d 09:00", now=eve).local() == datetime(2027, 1, 1, 9, 0, tzinfo=BERLIN)
    assert parse_when("+1w", now=eve).local_date() == date(2027, 1, 7)
    assert parse_when("+1m", now=eve).local_date() == date(2027, 1, 31)
    assert parse_when("fri", now=eve).local_date() == date(2027, 1, 1)
    new_year = local(2027, 1, 1, 10, 0)
    assert parse_when("-1d", now=new_year).local_date() == date(2026, 12, 31)
    assert parse_when("yesterday", now=new_year).local_date() == date(2026, 12, 31)


def test_month_offsets_clamp_to_month_end_and_know_leap_years() -> None:
    assert parse_when("+1m", now=local(2027, 1, 31, 12)).local_date() == date(2027, 2, 28)
    assert parse_when("+1m", now=local(2028, 1, 31, 12)).local_date() == date(2028, 2, 29)
    assert parse_when("+2m", now=local(2027, 1, 31, 12)).local_date() == date(2027, 3, 31)
    assert parse_when("+1y", now=local(2028, 2, 29, 12)).local_date() == date(2029, 2, 28)
    assert parse_when("+4y", now=local(2028, 2, 29, 12)).local_date() == date(2032, 2, 29)
    assert parse_when("2028-02-29", now=NOW).local_date() == date(2028, 2, 29)


def test_day_offsets_keep_wall_clock_across_dst_end() -> None:
    # Saturday 2026-10-24 10:00 CEST; clocks go back in the night to Sunday.
    saturday = local(2026, 10, 24, 10, 0)
    assert saturday == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
    plus_day = parse_when("+1d 10:00", now=saturday)
    assert plus_day.local().replace(tzinfo=None) == datetime(2026, 10, 25, 10, 0)
    assert plus_day.at == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    assert parse_when("+1d", now=saturday).at == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert parse_when("+2d", now=saturday).at == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    # Hours are elapsed time: 24 hours later the wall clock shows 09:00.
    assert parse_when("+24h", now=saturday).local().hour == 9


def test_day_offsets_keep_wall_clock_across_dst_start() -> None:
    saturday = local(2026, 3, 28, 9, 0)
    assert parse_when("+1d 09:00", now=saturday).at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert parse_when("+1d", now=saturday).at == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_times_in_the_dst_gap_and_overlap() -> None:
    skipped = parse_when("2026-03-29 02:30", now=NOW)
    assert skipped.local().replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)
    repeated = parse_when("2026-10-25 02:30", now=NOW)
    assert repeated.at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_follow_up_due_at_local_midnight() -> None:
    value = parse_when("tomorrow 00:00", now=NOW)
    assert value.has_time
    assert value.at == datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    assert value.format() == "2026-11-21 00:00"
    assert value.local_date() == date(2026, 11, 21)
    date_only = parse_when("tomorrow", now=NOW)
    assert date_only.at == value.at
    assert not date_only.has_time
    assert date_only.format() == "2026-11-21"


def test_other_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    value = parse_when("tomorrow 09:00", now=NOW)  # 08:00 in New York, Friday
    assert value.at == datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    monkeypatch.setenv("TZ", "UTC")
    assert parse_when("today", now=NOW).at == datetime(2026, 11, 20, tzinfo=UTC)


STANDARD_MESSAGE = "use YYYY-MM-DD, today, tomorrow, +3d, -2w, a weekday name, optionally followed by HH:MM"


@pytest.mark.parametrize(
    "text",
    [
        "fridy",
        "next week",
        "09:00",
        "at 09:00",
        "now 09:00",
        "tomorrow tomorrow",
        "2026/12/01",
        "01.12.2026",
        "12-01",
        "2026-12-01 10:00 extra",
        "tomorrow 9",
        "+d",
        "3d",
        "13pm",
    ],
)
def test_parse_when_unknown_forms(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, now=NOW)
    assert caught.value.message == f"cannot read date {text!r}: {STANDARD_MESSAGE}"
    assert caught.value.exit_code == 2


def test_parse_when_message_example() -> None:
    with pytest.raises(Invalid, match=r"^cannot read date 'fridy': use YYYY-MM-DD, today, tomorrow, "):
        parse_when("fridy", now=NOW)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "missing date"),
        ("   ", "missing date"),
        ("2026-02-30", "invalid date '2026-02-30': day is out of range for month"),
        ("2027-02-29", "invalid date '2027-02-29'"),
        ("2026-13-01", "invalid date '2026-13-01'"),
        ("2026-13-01 10:00", "invalid date"),
        ("tomorrow 25:00", "invalid time in 'tomorrow 25:00': use HH:MM between 00:00 and 23:59"),
        ("tomorrow 24:00", "invalid time"),
        ("tomorrow 10:60", "invalid time"),
        ("tomorrow 13pm", "invalid time in 'tomorrow 13pm': use 1-12 with am/pm"),
        ("tomorrow 0am", "invalid time"),
        ("2026-12-01T10:00+25:00", "invalid UTC offset '+25:00'"),
        ("+3x", "cannot read offset '+3x': use +N or -N with d, w, m (months), y, h or min"),
        ("+3 fortnights", "cannot read offset"),
        ("+4h 09:00", "cannot add a time of day to '+4h'"),
        ("+30min 9am", "cannot add a time of day"),
        ("+99999999y", "is out of range"),
        ("+999999999999h", "is out of range"),
    ],
)
def test_parse_when_errors(text: str, fragment: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, now=NOW)
    assert fragment in caught.value.message
    assert "\n" not in caught.value.message


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("today", date(2026, 11, 20)),
        ("now", date(2026, 11, 20)),
        ("tomorrow", date(2026, 11, 21)),
        ("yesterday", date(2026, 11, 19)),
        ("+3d", date(2026, 11, 23)),
        ("-2w", date(2026, 11, 6)),
        ("+1m", date(2026, 12, 20)),
        ("+1y", date(2027, 11, 20)),
        ("fri", date(2026, 11, 27)),
        ("Sunday", date(2026, 11, 22)),
    ],
)
def test_parse_date_forms(text: str, expected: date) -> None:
    assert parse_date(text, now=NOW) == expected


def test_parse_date_uses_the_local_date() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert parse_date("today", now=late) == date(2027, 1, 1)
    assert parse_date("now", now=late) == date(2027, 1, 1)


@pytest.mark.parametrize(
    "text", ["tomorrow 09:00", "2026-12-01T10:00", "2026-12-01 10:00Z", "+4h", "+30min", "fri 5pm"]
)
def test_parse_date_rejects_a_time(text: str) -> None:
    with pytest.raises(Invalid, match="has a time of day: give a date only"):
        parse_date(text, now=NOW)


@pytest.mark.parametrize("text", ["fridy", "", "2026-02-30"])
def test_parse_date_rejects_bad_text(text: str) -> None:
    with pytest.raises(Invalid):
        parse_date(text, now=NOW)


# --------------------------------------------------------------------------- parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("2w", timedelta(weeks=2)),
        ("4h", timedelta(hours=4)),
        ("90m", timedelta(minutes=90)),
        ("90min", timedelta(minutes=90)),
        ("90 mins", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("1h, 30m", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("2 weeks", timedelta(weeks=2)),
        ("3 days", timedelta(days=3)),
        ("1 day", timedelta(days=1)),
        ("8 hours", timedelta(hours=8)),
        ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        ("2d4h", timedelta(days=2, hours=4)),
        ("  4H ", timedelta(hours=4)),
        ("1 week 2 days", timedelta(days=9)),
        ("10 sec", timedelta(seconds=10)),
    ],
)
def test_parse_duration_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "x", "30", "30x", "-3d", "h", "4h x", "1 month", "four hours", "3d-"])
def test_parse_duration_bad_text(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_duration(text)
    assert caught.value.message == (
        f"cannot read duration {text!r}: use a number and a unit, e.g. 30d, 2w, 4h, 90m, 1h30m, 45s,"
        " '2 weeks', '8 hours'"
    )


@pytest.mark.parametrize("text", ["0m", "0d", "0h 0m", "0.0h"])
def test_parse_duration_must_be_positive(text: str) -> None:
    with pytest.raises(Invalid, match="must be positive"):
        parse_duration(text)


def test_parse_duration_too_long() -> None:
    with pytest.raises(Invalid, match="too long"):
        parse_duration("99999999999999w")


# --------------------------------------------------------------------------- format_delta


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=3, hours=4), "3d 4h"),
        (timedelta(days=3, hours=4, minutes=59), "3d 4h"),
        (timedelta(days=3, minutes=5), "3d"),
        (timedelta(days=1), "1d"),
        (timedelta(hours=2, minutes=5), "2h 5m"),
        (timedelta(hours=2), "2h"),
        (timedelta(minutes=45), "45m"),
        (timedelta(minutes=45, seconds=59), "45m"),
        (timedelta(seconds=59), "0m"),
        (timedelta(0), "0m"),
        (timedelta(days=400), "400d"),
        (-timedelta(hours=2, minutes=5), "-2h 5m"),
        (-timedelta(days=3, hours=4), "-3d 4h"),
        (-timedelta(minutes=1), "-1m"),
        (-timedelta(seconds=30), "0m"),
    ],
)
def test_format_delta(delta: timedelta, text: str) -> None:
    assert format_delta(delta) == text


# --------------------------------------------------------------------------- properties

instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC))


@PROPERTY
@given(now=instants, days=st.integers(min_value=-3000, max_value=3000))
def test_day_offsets_are_local_calendar_days(now: datetime, days: int) -> None:
    sign = "+" if days >= 0 else "-"
    value = parse_when(f"{sign}{abs(days)}d", now=now)
    assert not value.has_time
    assert value.local_date() == to_local(now).date() + timedelta(days=days)
    assert to_local(value.at).time() == time(0, 0)


@PROPERTY
@given(now=instants, weekday=st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]))
def test_weekday_is_within_the_next_seven_days(now: datetime, weekday: str) -> None:
    today = to_local(now).date()
    day = parse_date(weekday, now=now)
    assert 1 <= (day - today).days <= 7
    assert day.strftime("%a").lower() == weekday


@PROPERTY
@given(
    now=instants,
    hour=st.integers(min_value=0, max_value=23).filter(lambda h: h != 2),
    minute=st.integers(min_value=0, max_value=59),
)
def test_time_of_day_is_kept_on_the_wall_clock(now: datetime, hour: int, minute: int) -> None:
    value = parse_when(f"tomorrow {hour}:{minute:02d}", now=now)
    assert value.has_time
    local_value = value.local()
    assert (local_value.hour, local_value.minute) == (hour, minute)
    assert local_value.date() == to_local(now).date() + timedelta(days=1)


@PROPERTY
@given(delta=st.timedeltas(min_value=timedelta(days=-10000), max_value=timedelta(days=10000)))
def test_format_delta_sign_and_shape(delta: timedelta) -> None:
    text = format_delta(delta)
    assert text.startswith("-") == (delta <= -timedelta(minutes=1))
    assert 1 <= len(text.split()) <= 2


@PROPERTY
@given(delta=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=5000)))
def test_parse_duration_reads_whole_seconds(delta: timedelta) -> None:
    whole = timedelta(seconds=int(delta.total_seconds()))
    assert parse_duration(f"{whole.days}d {whole.seconds}s" if whole.days else f"{whole.seconds}s") == whole
