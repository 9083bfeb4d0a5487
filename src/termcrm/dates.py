"""Dates and times: parsing what people type, storing UTC, showing local time.

Every instant termcrm stores is an aware :class:`datetime` in UTC. What the
user types and reads is local time, in the zone given by :func:`local_tz`.

Words understood by :func:`parse_when` (case-insensitive):

* ``2026-12-01`` (a date), ``2026-12-01T10:00`` / ``2026-12-01 10:00``,
  with optional seconds and an optional offset (``Z``, ``+02:00``);
  a date-time without an offset is local time;
* ``now``, ``today``, ``tomorrow``, ``yesterday``;
* relative offsets ``+3d``, ``-2w``, ``+1m`` (calendar months), ``+1y``,
  ``+4h``, ``+30min``; days, weeks, months and years count local calendar
  days and give a date, hours and minutes count elapsed time from now;
* weekday names, full or three letters (``friday``, ``fri``): the next such
  day strictly after today;
* any date form followed by a time: ``HH:MM``, ``H:MM``, ``HH:MM:SS``,
  ``9am``, ``5pm``, ``9:30pm`` (optionally preceded by ``at``).

Nothing here reads the real clock except :func:`utcnow`; every function that
needs "now" takes an optional ``now`` argument so tests can fix the clock.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from dateutil import tz as dateutil_tz
from dateutil.relativedelta import relativedelta

from termcrm.errors import Invalid

__all__ = [
    "DATE_FORMS",
    "DURATION_FORMS",
    "UTC",
    "WEEKDAY_NAMES",
    "When",
    "as_utc",
    "format_delta",
    "format_local",
    "from_local",
    "iso",
    "local_midnight",
    "local_today",
    "local_tz",
    "parse_date",
    "parse_duration",
    "parse_when",
    "to_local",
    "utcnow",
]

DATE_FORMS = "use YYYY-MM-DD, today, tomorrow, +3d, -2w, a weekday name, optionally followed by HH:MM"
DURATION_FORMS = "use a number and a unit, e.g. 30d, 2w, 4h, 90m, 1h30m, 45s, '2 weeks', '8 hours'"

_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
#: Weekday names and abbreviations (``mon``, ``tue``, ``tues``, ...) to 0=Monday..6=Sunday.
WEEKDAY_NAMES: dict[str, int] = {
    **_WEEKDAYS,
    **{name[:3]: number for name, number in _WEEKDAYS.items()},
    "tues": 1,
    "wed": 2,
    "weds": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
}

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_T = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})t(\d.*)$")
_TIME_24 = re.compile(
    r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?"
    r"(z|[+-]\d{2}(?::?\d{2})?)?$"
)
_TIME_12 = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)$")
_OFFSET = re.compile(r"^([+-])\s*(\d+)\s*([a-z]+)$")

_OFFSET_UNITS: dict[str, str] = {}
for _unit, _words in {
    "days": ("d", "day", "days"),
    "weeks": ("w", "wk", "wks", "week", "weeks"),
    "months": ("m", "mo", "mon", "mos", "month", "months"),
    "years": ("y", "yr", "yrs", "year", "years"),
    "hours": ("h", "hr", "hrs", "hour", "hours"),
    "minutes": ("min", "mins", "minute", "minutes"),
}.items():
    for _word in _words:
        _OFFSET_UNITS[_word] = _unit

_DURATION_UNITS: dict[str, timedelta] = {}
for _step, _words in {
    timedelta(weeks=1): ("w", "wk", "wks", "week", "weeks"),
    timedelta(days=1): ("d", "day", "days"),
    timedelta(hours=1): ("h", "hr", "hrs", "hour", "hours"),
    timedelta(minutes=1): ("m", "min", "mins", "minute", "minutes"),
    timedelta(seconds=1): ("s", "sec", "secs", "second", "seconds"),
}.items():
    for _word in _words:
        _DURATION_UNITS[_word] = _step
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")


# --------------------------------------------------------------------------- zones and now


def local_tz() -> tzinfo:
    """The local time zone, looked up afresh on every call.

    ``dateutil.tz.gettz(os.environ["TZ"])`` when ``TZ`` is set (a leading
    ``:`` is ignored; an unknown zone name means UTC, as for the C library),
    otherwise ``dateutil.tz.tzlocal()``.
    """
    name = os.environ.get("TZ")
    if name is None:
        return dateutil_tz.tzlocal()
    zone = dateutil_tz.gettz(name[1:] if name.startswith(":") else name)
    return zone if zone is not None else UTC


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime (the only clock read here)."""
    return datetime.now(UTC)


def as_utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime.

    A naive datetime is taken to be UTC already (that is how values come back
    from a database column without a zone); an aware one is converted.
    """
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def to_local(dt: datetime) -> datetime:
    """Convert an instant (aware, or naive meaning UTC) to aware local time."""
    return as_utc(dt).astimezone(local_tz())


def from_local(wall: datetime, zone: tzinfo | None = None) -> datetime:
    """Turn a local wall-clock time into an aware UTC instant.

    ``wall`` is read as naive wall-clock time in ``zone`` (default
    :func:`local_tz`); any tzinfo it carries is ignored. A time that does not
    exist (skipped by a DST change, e.g. 02:30 on the spring-forward night) is
    moved forward by the size of the gap; an ambiguous time (the repeated hour
    in autumn) means its first occurrence.
    """
    zone = zone if zone is not None else local_tz()
    aware = wall.replace(tzinfo=zone, fold=0)
    if not dateutil_tz.datetime_exists(aware):
        aware = dateutil_tz.resolve_imaginary(aware)
    return aware.astimezone(UTC)


def local_midnight(day: date, zone: tzinfo | None = None) -> datetime:
    """The UTC instant at which local calendar day ``day`` starts."""
    return from_local(datetime.combine(day, time(0, 0)), zone)


def local_today(*, now: datetime | None = None) -> date:
    """Today's local calendar date (at ``now``, default the real clock)."""
    return to_local(now if now is not None else utcnow()).date()


# --------------------------------------------------------------------------- When


@dataclass(frozen=True)
class When:
    """A parsed point in time.

    ``at`` is an aware UTC datetime (a naive or non-UTC value given to the
    constructor is normalised with :func:`as_utc`). A date-only value
    (``has_time`` False) is stored as local midnight converted to UTC.
    """

    at: datetime
    has_time: bool

    def __post_init__(self) -> None:
        """Normalise ``at`` to aware UTC."""
        object.__setattr__(self, "at", as_utc(self.at))

    def local(self) -> datetime:
        """``at`` in local time (aware)."""
        return to_local(self.at)

    def local_date(self) -> date:
        """The local calendar date of ``at``."""
        return self.local().date()

    def format(self) -> str:
        """Local text: ``2026-11-23 14:05``, or ``2026-11-23`` for a date-only value."""
        return format_local(self.at, with_time=self.has_time)


# --------------------------------------------------------------------------- parsing


def _bad_date(text: str) -> Invalid:
    """The standard error for a date that cannot be read."""
    return Invalid(f"cannot read date {text!r}: {DATE_FORMS}")


def _normalise(text: str) -> str:
    """Lower-case, trim and collapse whitespace."""
    return " ".join(text.strip().lower().split())


def _make_date(original: str, year: int, month: int, day: int) -> date:
    """Build a date, turning a range error into Invalid."""
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise Invalid(f"invalid date {original!r}: {exc}; use YYYY-MM-DD") from None


def _parse_offset_zone(text: str) -> tzinfo:
    """Read ``z``, ``+02``, ``+0200`` or ``+02:00`` as a fixed-offset tzinfo."""
    if text == "z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:] or "0")
    if hours > 23 or minutes > 59:
        raise Invalid(f"invalid UTC offset {text!r}: use Z or +HH:MM between -23:59 and +23:59")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


@dataclass(frozen=True)
class _Clock:
    """A time of day read from text, possibly with its own UTC offset."""

    value: time
    zone: tzinfo | None


def _parse_time(original: str, text: str) -> _Clock | None:
    """Read a time of day (``14:30``, ``9:05:10``, ``9am``, ``5:30pm``); None if it is not one."""
    match = _TIME_24.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3) or 0)
        micro = int((match.group(4) or "0").ljust(6, "0"))
        if hour > 23 or minute > 59 or second > 59:
            raise Invalid(f"invalid time in {original!r}: use HH:MM between 00:00 and 23:59")
        zone = _parse_offset_zone(match.group(5)) if match.group(5) else None
        return _Clock(time(hour, minute, second, micro), zone)
    match = _TIME_12.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise Invalid(f"invalid time in {original!r}: use 1-12 with am/pm, e.g. 9am or 5:30pm")
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
        return _Clock(time(hour, minute), None)
    return None


def _split_time(original: str, text: str) -> tuple[str, _Clock | None]:
    """Split ``text`` into its date words and a trailing time of day, if any."""
    iso = _ISO_T.match(text)
    if iso:
        text = f"{iso.group(1)} {iso.group(2)}"
    words = text.split(" ")
    for take in (2, 1):  # "5 pm" is two words, "17:00" one
        if len(words) <= take:
            continue
        clock = _parse_time(original, " ".join(words[-take:]))
        if clock is not None:
            rest = words[:-take]
            if rest and rest[-1] == "at":
                rest = rest[:-1]
            if not rest:
                raise _bad_date(original)
            return " ".join(rest), clock
    return text, None


def _relative(original: str, text: str, now: datetime) -> When | None:
    """Read ``+3d``, ``-2w``, ``+1m``, ``+1y``, ``+4h``, ``+30min``; None if it is not an offset."""
    match = _OFFSET.match(text)
    if not match:
        return None
    unit = _OFFSET_UNITS.get(match.group(3))
    if unit is None:
        raise Invalid(
            f"cannot read offset {original!r}: use +N or -N with d, w, m (months), y, h or min,"
            " e.g. +3d, -2w, +1m, +4h, +30min"
        )
    count = int(match.group(2)) * (-1 if match.group(1) == "-" else 1)
    try:
        if unit == "hours":
            return When(now + timedelta(hours=count), True)
        if unit == "minutes":
            return When(now + timedelta(minutes=count), True)
        step = {
            "days": relativedelta(days=count),
            "weeks": relativedelta(weeks=count),
            "months": relativedelta(months=count),
            "years": relativedelta(years=count),
        }[unit]
        day = to_local(now).date() + step
    except (OverflowError, ValueError):
        raise Invalid(f"offset {original!r} is out of range: use a smaller number") from None
    return When(local_midnight(day), False)


def _date_word(original: str, text: str, today: date) -> date | None:
    """Read a word naming a calendar day; None if ``text`` names none."""
    if text == "today":
        return today
    if text == "tomorrow":
        return today + timedelta(days=1)
    if text == "yesterday":
        return today - timedelta(days=1)
    weekday = WEEKDAY_NAMES.get(text)
    if weekday is not None:
        ahead = (weekday - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    match = _ISO_DATE.match(text)
    if match:
        return _make_date(original, int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return None


def _parse(text: str, now: datetime | None) -> tuple[When, bool]:
    """Parse ``text``; return the value and whether a time of day was part of it."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid(f"missing date: {DATE_FORMS}")
    now = as_utc(now) if now is not None else utcnow()
    cleaned = _normalise(text)
    if cleaned == "now":
        return When(now, True), False
    relative = _relative(text, cleaned, now)
    if relative is not None:
        return relative, relative.has_time
    words, clock = _split_time(text, cleaned)
    today = to_local(now).date()
    if clock is not None:
        relative = _relative(text, words, now)
        if relative is not None:
            if relative.has_time:
                raise Invalid(
                    f"cannot add a time of day to {words!r} in {text!r}:"
                    " give an offset in days (+2d 09:00) or drop the time"
                )
            day: date | None = relative.local_date()
        else:
            day = _date_word(text, words, today)
        if day is None:
            raise _bad_date(text)
        wall = datetime.combine(day, clock.value)
        if clock.zone is not None:
            return When(wall.replace(tzinfo=clock.zone), True), True
        return When(from_local(wall), True), True
    day = _date_word(text, words, today)
    if day is None:
        raise _bad_date(text)
    return When(local_midnight(day), False), False


def parse_when(text: str, *, now: datetime | None = None) -> When:
    """Parse a date or date-time the user typed into a :class:`When`.

    See the module docstring for the accepted forms. ``now`` (aware; naive
    means UTC) fixes the clock, by default :func:`utcnow`. Bad text raises
    :class:`~termcrm.errors.Invalid` naming the accepted forms.
    """
    return _parse(text, now)[0]


def parse_date(text: str, *, now: datetime | None = None) -> date:
    """Parse the same words as :func:`parse_when` but return a local calendar date.

    A time of day (``tomorrow 09:00``, ``2026-12-01T10:00``, ``+4h``) is an
    error; ``now`` means today.
    """
    value, explicit_time = _parse(text, now)
    if explicit_time:
        raise Invalid(
            f"{text.strip()!r} has a time of day: give a date only"
            " (YYYY-MM-DD, today, tomorrow, +3d, -2w, a weekday name)"
        )
    return value.local_date()


def parse_duration(text: str) -> timedelta:
    """Parse a positive length of time.

    Accepts one or more number-unit pairs: ``30d``, ``2w``, ``4h``, ``90m``,
    ``90min``, ``1h30m``, ``45s``, ``1.5h``, ``2 weeks``, ``3 days``, ``1 day``,
    ``8 hours``, ``1 hour 30 minutes``. Here ``m`` means minutes (unlike the
    ``+1m`` month offset of :func:`parse_when`). Zero or bad text raises
    :class:`~termcrm.errors.Invalid`.
    """
    cleaned = _normalise(text) if isinstance(text, str) else ""
    rest = re.sub(r"\s*(,|\band\b)\s*", " ", cleaned).strip()
    total = timedelta(0)
    position = 0
    found = False
    while position < len(rest):
        if rest[position] == " ":
            position += 1
            continue
        match = _DURATION_PART.match(rest, position)
        if match is None or match.group(2) not in _DURATION_UNITS:
            raise Invalid(f"cannot read duration {text!r}: {DURATION_FORMS}")
        try:
            total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        except OverflowError:
            raise Invalid(f"duration {text!r} is too long: use a smaller number") from None
        found = True
        position = match.end()
    if not found:
        raise Invalid(f"cannot read duration {text!r}: {DURATION_FORMS}")
    if total <= timedelta(0):
        raise Invalid(f"duration {text!r} must be positive: {DURATION_FORMS}")
    return total


# --------------------------------------------------------------------------- formatting


def format_local(dt: datetime, with_time: bool = True) -> str:
    """Show an instant in local time: ``2026-11-23 14:05``, or ``2026-11-23`` without time."""
    local = to_local(dt)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def format_value(value: object, with_time: bool = True) -> str:
    """An ISO string, datetime or date from a service row, shown in local time; a date stays a date."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        if len(value) == 10:
            return value
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return format_local(value, with_time=with_time)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_delta(td: timedelta) -> str:
    """Show a length of time compactly: ``3d 4h``, ``2h 5m``, ``45m``, ``0m``.

    At most two units are shown, the largest non-zero one and the next one if
    it is non-zero; the rest (and seconds) are dropped, never rounded up. A
    negative delta gets a leading ``-`` (``-2h 5m``); less than a minute is
    ``0m`` either way.
    """
    minutes_total = int(abs(td).total_seconds() // 60)
    sign = "-" if td < timedelta(0) and minutes_total else ""
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m")]
    for index, (amount, unit) in enumerate(parts):
        if amount:
            text = f"{amount}{unit}"
            if index + 1 < len(parts) and parts[index + 1][0]:
                text += f" {parts[index + 1][0]}{parts[index + 1][1]}"
            return sign + text
    return "0m"


def iso(dt: datetime) -> str:
    """ISO 8601 text of an instant in UTC, to the second: ``2026-11-23T14:05:00+00:00``.

    This is ``isoformat(timespec="seconds")`` of the UTC value, so the offset
    is written ``+00:00`` (not ``Z``) and sub-second digits are dropped.
    """
    return as_utc(dt).isoformat(timespec="seconds")
