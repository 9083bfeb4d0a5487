"""Service-desk clocks: working time under business hours, with pauses.

Pure time math for SLA targets. Every instant in and out is an aware UTC
datetime (a naive one is read as UTC); business hours are evaluated in the
wall-clock time of ``BusinessHours.tz``, so a DST change moves the UTC
instants of 09:00 but not the working day itself. With ``hours=None`` the
clock runs around the clock.

A pause is ``(start, end)``; an open pause has ``end=None``. Paused time does
not count, whether or not it overlaps business hours; overlapping pauses
count once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from termcrm.dates import WEEKDAY_NAMES, as_utc, from_local, local_tz
from termcrm.errors import Invalid

__all__ = [
    "HOURS_FORMS",
    "BusinessHours",
    "Pause",
    "add_working_time",
    "due_with_pauses",
    "working_time_between",
]

HOURS_FORMS = "use days and hours such as 'Mon-Fri 09:00-17:00', 'mon,tue,thu 08:30-16:30' or 'Mon-Sun 00:00-24:00'"

Pause = tuple[datetime, datetime | None]
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HOURS = re.compile(r"^(.*?)\s*(\d{1,2}(?::\d{2})?)\s*(?:-|–|to)\s*(\d{1,2}(?::\d{2})?)$")
_MIDNIGHT = time(0, 0)


def _read_clock(text: str, original: str) -> tuple[int, int]:
    """Read ``9``, ``09:00`` or ``24:00`` as (hour, minute); Invalid when out of range."""
    hour_text, _, minute_text = text.partition(":")
    hour, minute = int(hour_text), int(minute_text or "0")
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise Invalid(f"invalid time {text!r} in business hours {original!r}: use HH:MM from 00:00 to 24:00")
    return hour, minute


def _read_days(text: str, original: str) -> frozenset[int]:
    """Read ``Mon-Fri``, ``mon,tue,thu``, ``Fri-Mon``, ``weekdays``, ``daily``."""
    cleaned = text.strip().lower()
    if cleaned in ("", "daily", "every day", "everyday", "all week"):
        return frozenset(range(7)) if cleaned else frozenset()
    if cleaned in ("weekdays", "workdays"):
        return frozenset(range(5))
    if cleaned in ("weekends", "weekend"):
        return frozenset((5, 6))
    days: set[int] = set()
    for item in re.split(r"[,\s]+", re.sub(r"\s*[-–]\s*", "-", cleaned)):
        if not item:
            continue
        first, dash, last = item.partition("-")
        low = WEEKDAY_NAMES.get(first.strip())
        high = WEEKDAY_NAMES.get(last.strip()) if dash else low
        if low is None or high is None:
            raise Invalid(f"cannot read the days {item!r} in business hours {original!r}: {HOURS_FORMS}")
        span = (high - low) % 7  # Fri-Mon wraps over the weekend
        days.update((low + step) % 7 for step in range(span + 1))
    return frozenset(days)


@dataclass(frozen=True)
class BusinessHours:
    """Working days and hours in a time zone.

    ``days`` holds weekday numbers (0=Monday .. 6=Sunday). ``end`` is
    exclusive; ``end == time(0, 0)`` means midnight at the end of the day
    (24:00), so ``start=00:00, end=00:00`` is the whole day. Working hours
    cannot cross midnight (no 22:00-06:00 night shifts).
    """

    days: frozenset[int]
    start: time
    end: time
    tz: tzinfo

    def __post_init__(self) -> None:
        """Reject empty day sets, unknown weekdays and empty or inverted hours."""
        if not self.days:
            raise Invalid(f"business hours need at least one working day: {HOURS_FORMS}")
        if not self.days <= frozenset(range(7)):
            raise Invalid(f"business hours days must be 0 (Monday) to 6 (Sunday), not {sorted(self.days)}")
        if self.end != _MIDNIGHT and self.end <= self.start:
            raise Invalid(
                f"business hours end {self.end:%H:%M} is not after start {self.start:%H:%M}:"
                " hours cannot cross midnight; use an end of 24:00 at the latest"
            )

    @classmethod
    def parse(cls, text: str, tz: tzinfo | None = None) -> BusinessHours:
        """Read ``Mon-Fri 09:00-17:00``, ``mon,tue,thu 08:30-16:30``, ``Mon-Sun 00:00-24:00``.

        Days are 3-letter or full weekday names, lists and ranges (wrapping
        ranges like ``Fri-Mon`` work), or ``weekdays``/``daily``; ``24/7``
        means every day all day. ``tz`` defaults to the local zone
        (:func:`termcrm.dates.local_tz`, read now). Bad text raises Invalid.
        """
        zone = tz if tz is not None else local_tz()
        original = text.strip() if isinstance(text, str) else ""
        cleaned = " ".join(original.lower().split())
        if cleaned == "24/7":
            return cls(frozenset(range(7)), _MIDNIGHT, _MIDNIGHT, zone)
        match = _HOURS.match(cleaned)
        if not match:
            raise Invalid(f"cannot read business hours {original!r}: {HOURS_FORMS}")
        days = _read_days(match.group(1), original)
        if not days:
            raise Invalid(f"business hours {original!r} name no days: {HOURS_FORMS}")
        start_h, start_m = _read_clock(match.group(2), original)
        end_h, end_m = _read_clock(match.group(3), original)
        if start_h == 24:
            raise Invalid(f"business hours {original!r} cannot start at 24:00: use 00:00 to 23:59")
        if (end_h, end_m) != (24, 0) and (end_h, end_m) <= (start_h, start_m):
            raise Invalid(
                f"business hours {original!r} end before they start: hours cannot cross midnight;"
                " use an end of 24:00 at the latest"
            )
        end = _MIDNIGHT if end_h == 24 else time(end_h, end_m)
        return cls(days, time(start_h, start_m), end, zone)

    def __str__(self) -> str:
        """Text that :meth:`parse` reads back, e.g. ``Mon-Fri 09:00-17:00``."""
        return f"{self.days_text()} {self.start:%H:%M}-{'24:00' if self.end == _MIDNIGHT else f'{self.end:%H:%M}'}"

    def days_text(self) -> str:
        """The working days compactly: ``Mon-Fri``, ``Mon,Tue,Thu``, ``Mon-Wed,Fri``."""
        ordered = sorted(self.days)
        groups: list[list[int]] = []
        for day in ordered:
            if groups and groups[-1][-1] == day - 1:
                groups[-1].append(day)
            else:
                groups.append([day])
        parts = [
            _DAY_ABBR[g[0]] if len(g) == 1 else f"{_DAY_ABBR[g[0]]}{'-' if len(g) > 2 else ','}{_DAY_ABBR[g[-1]]}"
            for g in groups
        ]
        return ",".join(parts)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working interval of local calendar day ``day`` as UTC instants; None on a day off."""
        if day.weekday() not in self.days:
            return None
        opens = from_local(datetime.combine(day, self.start), self.tz)
        if self.end == _MIDNIGHT:
            closes = from_local(datetime.combine(day + timedelta(days=1), _MIDNIGHT), self.tz)
        else:
            closes = from_local(datetime.combine(day, self.end), self.tz)
        if closes <= opens:  # hours wholly inside a skipped DST hour
            return None
        return opens, closes


_FOREVER = datetime.max.replace(tzinfo=UTC)


def _windows(start: datetime, hours: BusinessHours | None) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals from ``start`` onward, in order, the first clipped to ``start``; endless."""
    if hours is None:
        yield start, _FOREVER
        return
    day = start.astimezone(hours.tz).date()
    while True:
        window = hours.window(day)
        day += timedelta(days=1)
        if window is None:
            continue
        opens, closes = window
        if closes <= start:
            continue
        yield max(opens, start), closes


def _merge_pauses(pauses: Sequence[Pause], open_until: datetime) -> list[tuple[datetime, datetime]]:
    """Pauses as sorted, disjoint UTC intervals; an open pause ends at ``open_until``."""
    intervals: list[tuple[datetime, datetime]] = []
    for begin, finish in pauses:
        begin_utc = as_utc(begin)
        finish_utc = as_utc(finish) if finish is not None else open_until
        if finish_utc > begin_utc:
            intervals.append((begin_utc, finish_utc))
    intervals.sort()
    merged: list[tuple[datetime, datetime]] = []
    for begin_utc, finish_utc in intervals:
        if merged and begin_utc <= merged[-1][1]:
            if finish_utc > merged[-1][1]:
                merged[-1] = (merged[-1][0], finish_utc)
        else:
            merged.append((begin_utc, finish_utc))
    return merged


def _running(
    start: datetime, hours: BusinessHours | None, paused: list[tuple[datetime, datetime]]
) -> Iterator[tuple[datetime, datetime]]:
    """Intervals in which the clock runs from ``start`` on: working time minus pauses."""
    for opens, closes in _windows(start, hours):
        cursor = opens
        for pause_start, pause_end in paused:
            if pause_end <= cursor or pause_start >= closes:
                continue
            if pause_start > cursor:
                yield cursor, pause_start
            cursor = max(cursor, pause_end)
            if cursor >= closes:
                break
        if cursor < closes:
            yield cursor, closes


def _reach(
    start: datetime, amount: timedelta, hours: BusinessHours | None, paused: list[tuple[datetime, datetime]]
) -> datetime:
    """The instant at which the running clock from ``start`` has counted ``amount``."""
    if amount < timedelta(0):
        raise Invalid(f"an SLA target cannot be negative ({amount}): give a positive duration")
    if amount == timedelta(0):
        return start
    remaining = amount
    for opens, closes in _running(start, hours, paused):
        available = closes - opens
        if remaining <= available:
            return opens + remaining
        remaining -= available
    raise AssertionError("unreachable: working windows never end")  # pragma: no cover


def add_working_time(start: datetime, amount: timedelta, hours: BusinessHours | None) -> datetime:
    """The instant ``amount`` of working time after ``start`` (UTC).

    With ``hours=None`` this is ``start + amount``. A target that uses up a
    day exactly is due at closing time (Friday 16:00 + 1h under 09-17 is
    Friday 17:00), not at the next opening. A zero amount is due at ``start``;
    a negative one raises Invalid.
    """
    return _reach(as_utc(start), amount, hours, [])


def working_time_between(
    start: datetime,
    end: datetime,
    hours: BusinessHours | None,
    pauses: Sequence[Pause] = (),
) -> timedelta:
    """Working time elapsed from ``start`` to ``end``, minus paused time; never negative.

    A pause with ``end=None`` lasts until ``end``. Pauses may overlap each
    other and off-hours; only paused working time is subtracted.
    """
    start_utc, end_utc = as_utc(start), as_utc(end)
    if end_utc <= start_utc:
        return timedelta(0)
    total = timedelta(0)
    for opens, closes in _running(start_utc, hours, _merge_pauses(pauses, end_utc)):
        if opens >= end_utc:
            break
        total += min(closes, end_utc) - opens
    return total


def due_with_pauses(
    start: datetime,
    amount: timedelta,
    hours: BusinessHours | None,
    pauses: Sequence[Pause],
    now: datetime,
) -> datetime:
    """The due instant of a target of ``amount`` working time, after the pauses so far.

    This is the moment at which working time since ``start`` minus paused
    time reaches ``amount`` (the resolution clock stops while a ticket is
    pending). An open pause (``end=None``) is taken to end at ``now``: the
    result is the due time if the clock resumed now. Without pauses this is
    :func:`add_working_time`.
    """
    return _reach(as_utc(start), amount, hours, _merge_pauses(pauses, as_utc(now)))
