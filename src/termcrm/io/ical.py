"""iCalendar (RFC 5545) output: follow-ups as to-dos (VTODO) or events (VEVENT).

Written by hand (no dependency): content lines are escaped (section 3.3.11)
and folded at 75 octets without splitting a UTF-8 character (3.1), lines end
in CRLF. Times are UTC (``…Z``), days are ``VALUE=DATE``. A recurring item
with a time of day is written in local time with a ``TZID`` and a
``VTIMEZONE`` built from the local zone's real transitions, so a weekly
09:00 call stays at 09:00 in calendars across DST changes (a UTC start would
drift by an hour). The tests parse the output back with the ``icalendar``
package.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path

from termcrm import __version__, dates

PRODID = f"-//termcrm//termcrm {__version__}//EN"
EVENT_LENGTH = timedelta(minutes=30)
"""How long a follow-up with a time of day lasts when written as an event."""
ALARM_BEFORE = timedelta(minutes=15)
"""Timed items alarm this long before they are due."""
ALL_DAY_ALARM = timedelta(hours=9)
"""All-day items alarm at 09:00 on their day."""
ZONE_YEARS = 10
"""How many years after the last recurring start the VTIMEZONE covers."""

_STATUS_TODO = {"open": "NEEDS-ACTION", "done": "COMPLETED", "cancelled": "CANCELLED"}
_STATUS_EVENT = {"open": "CONFIRMED", "done": "CONFIRMED", "cancelled": "CANCELLED"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class CalItem:
    """One calendar entry: a to-do, or an event with ``as_="event"``."""

    uid: str
    summary: str
    start: datetime
    """When it is due (aware); for ``all_day`` the start of its local day."""
    all_day: bool = False
    description: str = ""
    rrule: str | None = None
    """An RRULE body (``FREQ=WEEKLY;BYDAY=MO``) evaluated in local time, or None."""
    priority: int = 0
    """RFC 5545 priority: 1 highest, 5 normal, 9 lowest, 0 undefined."""
    status: str = "open"
    """``open``, ``done`` or ``cancelled``."""
    completed: datetime | None = None
    created: datetime | None = None
    last_modified: datetime | None = None
    sequence: int = 0
    categories: tuple[str, ...] = ()
    alarm: bool = True


# --------------------------------------------------------------------------- content lines


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped, control characters dropped."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold one content line into pieces of at most 75 octets joined by CRLF and a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    pieces: list[str] = []
    start = 0
    limit = 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never cut inside a UTF-8 sequence
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start = end
        limit = 74  # continuation lines start with a space, which counts
    return "\r\n ".join(pieces)


def _param(value: str) -> str:
    return f'"{value}"' if re.search(r"[:;,]", value) else value


def _utc(moment: datetime) -> str:
    return dates.as_utc(moment).strftime("%Y%m%dT%H%M%SZ")


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}P"
    if days:
        text += f"{days}D"
    if hours or minutes or secs or not days:
        text += "T"
        if hours:
            text += f"{hours}H"
        if minutes:
            text += f"{minutes}M"
        if secs or not (hours or minutes):
            text += f"{secs}S"
    return text


def _offset(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


# --------------------------------------------------------------------------- the local zone


def local_zone_name() -> str:
    """An IANA name for the local zone (``Europe/Berlin``), or ``Local`` when it cannot be told."""
    env = os.environ.get("TZ")
    if env:
        name = env[1:] if env.startswith(":") else env
        return name.split("zoneinfo/", 1)[1] if "zoneinfo/" in name else name
    try:
        text = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        if text:
            return text
    except OSError:
        pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "Local"


def _offset_at(zone: tzinfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _transitions(zone: tzinfo, start: datetime, end: datetime) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every offset change between ``start`` and ``end``."""
    found = []
    cursor = start
    before = _offset_at(zone, cursor)
    step = timedelta(days=1)
    while cursor < end:
        probe = cursor + step
        after = _offset_at(zone, probe)
        if after != before:
            low, high = cursor, probe
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset_at(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            moment = high.replace(microsecond=0)
            if _offset_at(zone, moment - timedelta(seconds=1)) != before:
                moment -= timedelta(seconds=1)
            found.append((moment, before, after))
            before = after
        cursor = probe
    return found


def _is_dst(zone: tzinfo, moment: datetime) -> bool:
    local = moment.astimezone(zone)
    return bool(local.dst())


def vtimezone(zone: tzinfo, tzid: str, first_year: int, last_year: int) -> list[str]:
    """VTIMEZONE lines for ``zone`` covering ``first_year`` to ``last_year`` with its real transitions.

    Transitions of the same kind and offsets share one observance: DTSTART
    is the first onset (local time before the change), RDATE the others.
    """
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    initial = _offset_at(zone, start)
    groups: dict[tuple[str, timedelta, timedelta], list[tuple[datetime, str]]] = {}
    first_kind = "DAYLIGHT" if _is_dst(zone, start) else "STANDARD"
    groups[(first_kind, initial, initial)] = [
        ((start + initial).replace(tzinfo=None), start.astimezone(zone).tzname() or "")
    ]
    for moment, before, after in _transitions(zone, start, end):
        kind = "DAYLIGHT" if _is_dst(zone, moment) else "STANDARD"
        onset = (moment + before).replace(tzinfo=None)
        groups.setdefault((kind, before, after), []).append((onset, moment.astimezone(zone).tzname() or ""))
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    for (kind, before, after), onsets in groups.items():
        lines.append(f"BEGIN:{kind}")
        lines.append(f"DTSTART:{onsets[0][0]:%Y%m%dT%H%M%S}")
        if len(onsets) > 1:
            lines.append("RDATE:" + ",".join(f"{o:%Y%m%dT%H%M%S}" for o, _ in onsets[1:]))
        lines.append(f"TZOFFSETFROM:{_offset(before)}")
        lines.append(f"TZOFFSETTO:{_offset(after)}")
        if onsets[0][1]:
            lines.append(f"TZNAME:{escape_text(onsets[0][1])}")
        lines.append(f"END:{kind}")
    lines.append("END:VTIMEZONE")
    return lines


# --------------------------------------------------------------------------- rules


def _rrule(rule: str, *, all_day: bool, zone: tzinfo) -> str:
    """The RRULE value with UNTIL in the form RFC 5545 asks for: a DATE for days, UTC otherwise."""
    parts = []
    for part in rule.strip().removeprefix("RRULE:").split(";"):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if key == "UNTIL":
            value = _until(value, all_day=all_day, zone=zone)
        parts.append(f"{key}={value}")
    return ";".join(parts)


def _until(value: str, *, all_day: bool, zone: tzinfo) -> str:
    if re.fullmatch(r"\d{8}T\d{6}Z", value):
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return _day(moment.astimezone(zone).date()) if all_day else value
    if re.fullmatch(r"\d{8}T\d{6}", value):
        wall = datetime.strptime(value, "%Y%m%dT%H%M%S")
        return _day(wall.date()) if all_day else _utc(dates.from_local(wall, zone))
    if re.fullmatch(r"\d{8}", value):
        day = datetime.strptime(value, "%Y%m%d").date()
        return value if all_day else _utc(dates.from_local(datetime.combine(day, time(23, 59, 59)), zone))
    return value


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class _Clock:
    zone: tzinfo
    tzid: str | None
    """Set when recurring timed items are written in local time with a VTIMEZONE."""

    def moment(self, name: str, item: CalItem, value: datetime | None = None) -> str:
        """``DTSTART:…Z``, ``DTSTART;VALUE=DATE:…`` or ``DTSTART;TZID=…:…``."""
        when = value if value is not None else item.start
        if item.all_day:
            return f"{name};VALUE=DATE:{_day(dates.as_utc(when).astimezone(self.zone).date())}"
        if item.rrule and self.tzid:
            local = dates.as_utc(when).astimezone(self.zone)
            return f"{name};TZID={_param(self.tzid)}:{local:%Y%m%dT%H%M%S}"
        return f"{name}:{_utc(when)}"


def _fixed_offset(zone: tzinfo, first_year: int, last_year: int) -> bool:
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    return not _transitions(zone, start, end)


def _common(item: CalItem, stamp: datetime) -> list[str]:
    lines = [f"UID:{item.uid}", f"DTSTAMP:{_utc(stamp)}"]
    if item.created is not None:
        lines.append(f"CREATED:{_utc(item.created)}")
    if item.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{_utc(item.last_modified)}")
    lines.append(f"SEQUENCE:{item.sequence}")
    lines.append(f"SUMMARY:{escape_text(item.summary)}")
    if item.description:
        lines.append(f"DESCRIPTION:{escape_text(item.description)}")
    return lines


def _alarm(item: CalItem) -> list[str]:
    if not item.alarm or item.status != "open":
        return []
    trigger = _duration(ALL_DAY_ALARM) if item.all_day else _duration(-ALARM_BEFORE)
    return [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{escape_text(item.summary)}",
        f"TRIGGER:{trigger}",
        "END:VALARM",
    ]


def _tail(item: CalItem, clock: _Clock) -> list[str]:
    lines = []
    if item.rrule:
        lines.append(f"RRULE:{_rrule(item.rrule, all_day=item.all_day, zone=clock.zone)}")
    if item.priority:
        lines.append(f"PRIORITY:{item.priority}")
    return lines


def _categories(item: CalItem) -> list[str]:
    names = [escape_text(c) for c in item.categories if c.strip()]
    return ["CATEGORIES:" + ",".join(names)] if names else []


def _todo(item: CalItem, stamp: datetime, clock: _Clock) -> list[str]:
    lines = ["BEGIN:VTODO", *_common(item, stamp)]
    lines.append(clock.moment("DTSTART", item))
    lines.append(clock.moment("DUE", item))
    lines += _tail(item, clock)
    lines.append(f"STATUS:{_STATUS_TODO.get(item.status, 'NEEDS-ACTION')}")
    if item.status == "done":
        if item.completed is not None:
            lines.append(f"COMPLETED:{_utc(item.completed)}")
        lines.append("PERCENT-COMPLETE:100")
    lines += _categories(item)
    lines += _alarm(item)
    lines.append("END:VTODO")
    return lines


def _event(item: CalItem, stamp: datetime, clock: _Clock) -> list[str]:
    lines = ["BEGIN:VEVENT", *_common(item, stamp)]
    lines.append(clock.moment("DTSTART", item))
    if item.all_day:
        next_day = dates.as_utc(item.start).astimezone(clock.zone).date() + timedelta(days=1)
        lines.append(f"DTEND;VALUE=DATE:{_day(next_day)}")
    else:
        lines.append(f"DURATION:{_duration(EVENT_LENGTH)}")
    lines += _tail(item, clock)
    lines.append(f"STATUS:{_STATUS_EVENT.get(item.status, 'CONFIRMED')}")
    lines.append("TRANSP:TRANSPARENT")
    lines += _categories(item)
    lines += _alarm(item)
    lines.append("END:VEVENT")
    return lines


def write_calendar(
    items: Iterable[CalItem],
    *,
    as_: str = "todo",
    stamp: datetime | None = None,
    name: str = "termcrm follow-ups",
    zone: tzinfo | None = None,
    tzid: str | None = None,
) -> str:
    """A whole VCALENDAR as text (CRLF line ends), one VTODO (or VEVENT) per item.

    ``stamp`` is the DTSTAMP (default now); ``zone`` and ``tzid`` the local
    zone and its name (default :func:`termcrm.dates.local_tz` and
    :func:`local_zone_name`), used for recurring items with a time of day.
    """
    if as_ not in ("todo", "event"):
        from termcrm.errors import Invalid

        raise Invalid(f"--as {as_!r} is not todo or event")
    entries: Sequence[CalItem] = list(items)
    moment = dates.as_utc(stamp) if stamp is not None else dates.utcnow()
    zone = zone if zone is not None else dates.local_tz()
    recurring = [i for i in entries if i.rrule and not i.all_day]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    clock = _Clock(zone, None)
    if recurring:
        first = min(dates.as_utc(i.start).year for i in recurring)
        last = max(dates.as_utc(i.start).year for i in recurring) + ZONE_YEARS
        if not _fixed_offset(zone, first, last):
            clock = _Clock(zone, tzid or local_zone_name())
            assert clock.tzid is not None
            lines += vtimezone(zone, clock.tzid, first, last)
    for item in entries:
        lines += _event(item, moment, clock) if as_ == "event" else _todo(item, moment, clock)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
