"""Recurring follow-ups: RRULE text from plain words, next occurrences, descriptions.

A recurrence is stored as the body of an RFC 5545 RRULE without the
``RRULE:`` prefix (``FREQ=WEEKLY;BYDAY=MO``). Occurrences are computed with
:mod:`dateutil.rrule` in local wall-clock time, anchored at the first due
date, so a weekly 09:00 call stays at 09:00 local across DST changes, and
converted back to aware UTC.

Only daily or slower rules (``FREQ=DAILY``, ``WEEKLY``, ``MONTHLY``,
``YEARLY``) are accepted: a follow-up that recurs every hour is a mistake.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, time, tzinfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from termcrm.dates import WEEKDAY_NAMES, as_utc, from_local, local_tz
from termcrm.errors import Invalid

__all__ = ["EVERY_FORMS", "describe", "next_occurrence", "occurrences", "parse_every", "validate_rule"]

EVERY_FORMS = (
    "use day, week, month, year, '2 weeks', '3 days', weekdays, weekends, 'mon,thu',"
    " 'monday and thursday', 'last friday of month', 'first monday of month',"
    " '15th of month' or a rule such as FREQ=WEEKLY;BYDAY=MO"
)

_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FREQ_WORDS = {
    "day": "DAILY",
    "daily": "DAILY",
    "week": "WEEKLY",
    "weekly": "WEEKLY",
    "month": "MONTHLY",
    "monthly": "MONTHLY",
    "year": "YEARLY",
    "yearly": "YEARLY",
    "annually": "YEARLY",
}
_UNIT_FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
    "second last": -2,
    "second to last": -2,
    "next to last": -2,
}
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last"}
_OF_MONTH = r"(?:\s+of\s+(?:the\s+|each\s+|every\s+)?month|\s+monthly)$"
_NTH_WEEKDAY = re.compile(
    r"^(?:the\s+)?(" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r")\s+(\w+)" + _OF_MONTH
)
_MONTH_DAY = re.compile(r"^(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?(?:\s+day)?" + _OF_MONTH)
_EDGE_DAY = re.compile(r"^(?:the\s+)?(first|last)\s+day" + _OF_MONTH)
_INTERVAL = re.compile(r"^(\d+|other)\s+(day|week|month|year)s?(?:\s+on\s+(.+))?$")
_SEARCH_YEARS = 10
_NEXT_SEARCH_YEARS = 100


# --------------------------------------------------------------------------- building rules


def _monthday(day: int) -> str:
    """BYMONTHDAY for day-of-month ``day``; 29-31 fall back to the month's last day."""
    if day >= 29:
        return f"BYMONTHDAY={day},-1;BYSETPOS=1"
    return f"BYMONTHDAY={day}"


def _anchored(freq: str, interval: int, start_local: datetime) -> str:
    """A plain DAILY/WEEKLY/MONTHLY/YEARLY rule, clamped to month ends where needed.

    Monthly rules starting on the 29th-31st land on the last day of shorter
    months; yearly rules starting on 29 February land on 28 February in
    common years. Other rules follow the first due date implicitly.
    """
    parts = [f"FREQ={freq}"]
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    if freq == "MONTHLY" and start_local.day >= 29:
        parts.append(_monthday(start_local.day))
    if freq == "YEARLY" and (start_local.month, start_local.day) == (2, 29):
        parts.append("BYMONTH=2;" + _monthday(29))
    return ";".join(parts)


def _weekday_list(text: str) -> list[int] | None:
    """Read ``mon,thu`` / ``mon thu`` / ``monday and thursday``; None if not a weekday list."""
    words = [w for w in re.split(r"[\s,/&+]+", text) if w and w not in ("and", "on")]
    if not words:
        return None
    days: list[int] = []
    for word in words:
        number = WEEKDAY_NAMES.get(word)
        if number is None and word.endswith("s"):
            number = WEEKDAY_NAMES.get(word[:-1])  # "mondays"
        if number is None:
            return None
        if number not in days:
            days.append(number)
    return sorted(days)


def _byday(days: list[int]) -> str:
    """BYDAY value for weekday numbers (0=Monday)."""
    return ",".join(_BYDAY[d] for d in days)


def _phrase(text: str, start_local: datetime) -> str | None:
    """Turn a normalised phrase into a rule body; None if it is not understood."""
    if text in _FREQ_WORDS:
        return _anchored(_FREQ_WORDS[text], 1, start_local)
    if text in ("fortnightly", "biweekly"):
        return "FREQ=WEEKLY;INTERVAL=2"
    if text in ("weekday", "weekdays", "workday", "workdays", "working day", "working days"):
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    if text in ("weekend", "weekends", "weekend day", "weekend days"):
        return "FREQ=WEEKLY;BYDAY=SA,SU"
    match = _INTERVAL.match(text)
    if match:
        interval = 2 if match.group(1) == "other" else int(match.group(1))
        if interval < 1:
            raise Invalid(f"cannot repeat every {interval} {match.group(2)}s: use 1 or more")
        freq = _UNIT_FREQ[match.group(2)]
        if match.group(3) is None:
            return _anchored(freq, interval, start_local)
        days = _weekday_list(match.group(3))
        if freq != "WEEKLY" or days is None:
            return None
        rule = "FREQ=WEEKLY"
        return rule + (f";INTERVAL={interval}" if interval != 1 else "") + f";BYDAY={_byday(days)}"
    match = _EDGE_DAY.match(text)
    if match:
        return "FREQ=MONTHLY;BYMONTHDAY=" + ("1" if match.group(1) == "first" else "-1")
    match = _NTH_WEEKDAY.match(text)
    if match:
        weekday = WEEKDAY_NAMES.get(match.group(2))
        if weekday is None:
            return None
        return f"FREQ=MONTHLY;BYDAY={_ORDINALS[match.group(1)]:+d}{_BYDAY[weekday]}"
    match = _MONTH_DAY.match(text)
    if match:
        day = int(match.group(1))
        if not 1 <= day <= 31:
            raise Invalid(f"there is no day {day} in a month: use 1st to 31st, or 'last day of month'")
        return "FREQ=MONTHLY;" + _monthday(day)
    days = _weekday_list(text)
    if days is not None:
        return f"FREQ=WEEKLY;BYDAY={_byday(days)}"
    return None


def _local_naive(dt: datetime, zone: tzinfo) -> datetime:
    """Local wall-clock time of an instant, without tzinfo."""
    return as_utc(dt).astimezone(zone).replace(tzinfo=None)


def _split_rule(rule: str) -> dict[str, str]:
    """Split a rule body into upper-case ``KEY: value`` pairs (no validation)."""
    pairs: dict[str, str] = {}
    for part in rule.split(";"):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        pairs[key.strip().upper()] = value.strip().upper()
    return pairs


def _build(rule: str, dtstart: datetime, zone: tzinfo) -> rrule:
    """Build a dateutil rrule over naive local time; raise ValueError if the text is bad.

    A UTC ``UNTIL`` (``...Z``) is converted to local wall-clock time, since the
    rule runs on floating local times.
    """
    pairs = _split_rule(rule)
    interval = pairs.get("INTERVAL", "1")
    if not interval.isdigit() or int(interval) < 1:  # dateutil loops forever on INTERVAL=0
        raise ValueError(f"INTERVAL={interval} must be a whole number of 1 or more")
    until = pairs.get("UNTIL", "")
    if until.endswith("Z"):
        try:
            moment = datetime.strptime(until, "%Y%m%dT%H%M%SZ")
        except ValueError:
            raise ValueError(f"invalid UNTIL value {until}") from None
        pairs["UNTIL"] = _local_naive(moment, zone).strftime("%Y%m%dT%H%M%S")
    body = ";".join(f"{key}={value}" for key, value in pairs.items())
    try:
        built = rrulestr(body, dtstart=dtstart)
    except (TypeError, KeyError) as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(built, rrule):
        raise ValueError("not a single rule")
    return built


def _bounded(built: rrule, limit: datetime) -> rrule:
    """The same rule cut off at ``limit``, so searching a rule that never occurs ends quickly."""
    until: datetime | None = getattr(built, "_until", None)  # dateutil has no public accessor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # COUNT together with UNTIL is deprecated, not wrong
        return built.replace(until=limit if until is None or until > limit else until)


def validate_rule(rule: str, *, start: datetime) -> str:
    """Check a raw rule body and return it normalised (upper case, no ``RRULE:`` prefix).

    The rule must parse, be daily or slower, and occur at least once after
    ``start`` (the first due, aware) within 10 years; otherwise
    :class:`~termcrm.errors.Invalid`.
    """
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    text = text.strip().rstrip(";").upper().replace(" ", "")
    if not text or "\n" in rule.strip() or "\r" in rule or ":" in text:
        raise Invalid(f"cannot read the rule {rule.strip()!r}: give one RRULE such as FREQ=WEEKLY;BYDAY=MO")
    pairs = _split_rule(text)
    freq = pairs.get("FREQ")
    if freq is None:
        raise Invalid(f"the rule {text!r} has no FREQ: start it with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY")
    if freq not in _ALLOWED_FREQ:
        raise Invalid(f"the rule {text!r} repeats {freq.lower()}: use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY")
    zone = local_tz()
    dtstart = _local_naive(start, zone)
    try:
        built = _build(text, dtstart, zone)
    except ValueError as exc:
        raise Invalid(f"cannot read the rule {text!r}: {exc}") from None
    limit = dtstart + relativedelta(years=_SEARCH_YEARS)
    if _bounded(built, limit).after(dtstart) is None:
        raise Invalid(
            f"the rule {text!r} never occurs: no date matches it in the {_SEARCH_YEARS} years"
            f" after {dtstart:%Y-%m-%d}; check BYMONTH/BYMONTHDAY/COUNT/UNTIL"
        )
    return text


def parse_every(text: str, *, start: datetime) -> str:
    """Turn what the user typed after ``--every`` into an RRULE body.

    Accepted (case-insensitive, a leading ``every`` optional): ``day``/``daily``,
    ``week``/``weekly``, ``month``/``monthly``, ``year``/``yearly``,
    ``2 weeks``, ``3 days``, ``other week``, ``2 weeks on mon,thu``,
    ``fortnightly``, ``weekdays``, ``weekends``, weekday lists (``mon,thu``,
    ``mon thu``, ``monday and thursday``), ``last friday of month``,
    ``first monday of month``, ``2nd tuesday of month``, ``15th of month``,
    ``last day of month``, and a raw rule (``FREQ=...`` or ``RRULE:FREQ=...``).

    ``start`` is the first due (aware). A monthly rule from the 29th-31st
    lands on the last day of shorter months. The result is validated as by
    :func:`validate_rule`; an unknown phrase raises
    :class:`~termcrm.errors.Invalid` listing the accepted forms.
    """
    if not isinstance(text, str) or not text.strip():
        raise Invalid(f"missing recurrence: {EVERY_FORMS}")
    stripped = text.strip()
    if re.match(r"^(rrule:|freq\s*=)", stripped, re.IGNORECASE):
        return validate_rule(stripped, start=start)
    phrase = " ".join(stripped.lower().split())
    phrase = re.sub(r"^(every|each)\s+", "", phrase)
    phrase = re.sub(r"\s*,\s*", ",", phrase)
    start_local = as_utc(start).astimezone(local_tz())
    rule = _phrase(phrase, start_local)
    if rule is None:
        raise Invalid(f"cannot read recurrence {stripped!r}: {EVERY_FORMS}")
    return validate_rule(rule, start=start)


# --------------------------------------------------------------------------- occurrences


def next_occurrence(rule: str, *, first_due: datetime, after: datetime, all_day: bool = False) -> datetime | None:
    """The first occurrence of ``rule`` strictly after ``after``, as aware UTC; None if exhausted.

    Occurrences are laid out in local wall-clock time from ``first_due``'s
    local time (so a 09:00 weekly call stays at 09:00 local across DST). To
    complete a recurring follow-up, pass ``after`` = the current occurrence's
    due: the next one then follows the rule, not today's date.

    With ``all_day`` the follow-up has a date but no time: occurrences are
    local calendar days, the result is local midnight of the first occurrence
    day after ``after``'s local day. A rule that does not occur within 100
    years after ``after`` counts as exhausted. A rule that cannot be read
    raises :class:`~termcrm.errors.Invalid`.
    """
    zone = local_tz()
    after_utc = as_utc(after)
    if all_day:
        dtstart = datetime.combine(_local_naive(first_due, zone).date(), time(0, 0))
        cursor = datetime.combine(_local_naive(after_utc, zone).date(), time(0, 0))
    else:
        dtstart = _local_naive(first_due, zone)
        cursor = _local_naive(after_utc, zone)
    try:
        built = _build(rule, dtstart, zone)
    except ValueError as exc:
        raise Invalid(f"cannot read the rule {rule!r}: {exc}") from None
    try:
        limit = max(cursor, dtstart) + relativedelta(years=_NEXT_SEARCH_YEARS)
    except (OverflowError, ValueError):
        limit = datetime.max
    bounded = _bounded(built, limit)
    while True:
        try:
            found = bounded.after(cursor)
        except (OverflowError, ValueError):
            return None
        if found is None:
            return None
        if all_day:
            return from_local(found, zone)
        moment = from_local(found, zone)
        # In the repeated autumn hour a later wall-clock time can be an earlier instant.
        if moment > after_utc:
            return moment
        cursor = found


def occurrences(
    rule: str, *, first_due: datetime, after: datetime, count: int, all_day: bool = False
) -> list[datetime]:
    """The next ``count`` occurrences strictly after ``after`` (see :func:`next_occurrence`)."""
    found: list[datetime] = []
    cursor = after
    while len(found) < count:
        moment = next_occurrence(rule, first_due=first_due, after=cursor, all_day=all_day)
        if moment is None:
            break
        found.append(moment)
        cursor = moment
    return found


# --------------------------------------------------------------------------- describing


def _ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``22nd``."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _describe_days(value: str) -> str | None:
    """Words for a BYDAY value; None if it cannot be put into words."""
    plain: list[int] = []
    nth: list[str] = []
    for item in value.split(","):
        match = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", item)
        if not match:
            return None
        weekday = _BYDAY.index(match.group(2))
        if match.group(1) is None:
            plain.append(weekday)
        else:
            number = int(match.group(1))
            if number not in _ORDINAL_WORDS:
                return None
            nth.append(f"the {_ORDINAL_WORDS[number]} {_DAY_NAMES[weekday]}")
    if plain and nth:
        return None
    if nth:
        return _join(nth)
    plain = sorted(set(plain))
    if plain == [0, 1, 2, 3, 4]:
        return "weekdays"
    if plain == [5, 6]:
        return "weekends"
    return _join([_DAY_NAMES[d] for d in plain])


def _describe_monthdays(value: str, setpos: str | None) -> str | None:
    """Words for a BYMONTHDAY value (with the BYSETPOS=1 month-end clamp); None if unusual."""
    clamp = re.fullmatch(r"(29|30|31),-1", value)
    if clamp and setpos == "1":
        return f"the {_ordinal(int(clamp.group(1)))} (or the last day)"
    if setpos is not None:
        return None
    words: list[str] = []
    for item in value.split(","):
        if not re.fullmatch(r"-?\d{1,2}", item):
            return None
        number = int(item)
        if number == -1:
            words.append("the last day")
        elif 1 <= number <= 31:
            words.append(f"the {_ordinal(number)}")
        else:
            return None
    return _join(words)


def describe(rule: str) -> str:
    """A short English description of a rule body.

    ``every week on Monday``, ``every 2 weeks``, ``monthly on the last
    Friday``, ``every weekday``; a rule it cannot put into words comes back
    as its own text.
    """
    pairs = _split_rule(rule.strip().removeprefix("RRULE:").removeprefix("rrule:"))
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}.get(pairs.pop("FREQ", ""))
    if unit is None:
        return rule
    interval_text = pairs.pop("INTERVAL", "1")
    if not interval_text.isdigit() or int(interval_text) < 1:
        return rule
    interval = int(interval_text)
    count = pairs.pop("COUNT", None)
    until = pairs.pop("UNTIL", None)
    pairs.pop("WKST", None)
    byday = pairs.pop("BYDAY", None)
    bymonthday = pairs.pop("BYMONTHDAY", None)
    setpos = pairs.pop("BYSETPOS", None)
    bymonth = pairs.pop("BYMONTH", None)
    if pairs:
        return rule
    every = f"every {interval} {unit}s" if interval > 1 else f"every {unit}"
    adverb = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}[unit]
    lead = adverb if interval == 1 else every
    detail: str | None = None
    if bymonth is not None:
        if unit != "year" or byday is not None or not bymonth.isdigit():
            return rule
        month = int(bymonth)
        if not 1 <= month <= 12:
            return rule
        month_name = date(2000, month, 1).strftime("%B")
        if bymonthday is None:
            return rule
        days = _describe_monthdays(bymonthday, setpos)
        if days is None:
            return rule
        detail = f"{lead} on {days} of {month_name}"
    elif byday is not None:
        if bymonthday is not None or setpos is not None:
            return rule
        days = _describe_days(byday)
        if days is None:
            return rule
        if unit == "week" and days in ("weekdays", "weekends") and interval == 1:
            detail = f"every {days[:-1]}" if days == "weekdays" else "every weekend"
        elif unit == "week":
            detail = f"{every} on {days}"
        elif unit == "month" and days.startswith("the "):
            detail = f"{lead} on {days}"
        else:
            return rule
    elif bymonthday is not None:
        if unit != "month":
            return rule
        days = _describe_monthdays(bymonthday, setpos)
        if days is None:
            return rule
        detail = f"{lead} on {days}"
    elif setpos is not None:
        return rule
    text = detail if detail is not None else every
    if count is not None:
        if not count.isdigit():
            return rule
        text += ", once" if count == "1" else f", {count} times"
    if until is not None:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?", until)
        if not match:
            return rule
        text += f", until {match.group(1)}-{match.group(2)}-{match.group(3)}"
    return text
