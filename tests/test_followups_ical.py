"""iCalendar export: written by hand, parsed back with the ``icalendar`` package and checked field by field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr
from sqlmodel import select

from termcrm.io import ical
from termcrm.models import Deal, Followup, Stage
from termcrm.services import contacts, followups

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
STAMP = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)


def _setup(db) -> dict[str, int]:
    with db.write("setup") as s:
        ann = contacts.create_contact(
            s, contacts.ContactInput(first_name="Ann", last_name="Lee", company="Acme", emails=["ann@example.com"])
        )
        stage = s.exec(select(Stage).where(Stage.name == "Proposal")).one()
        deal = Deal(title="Renewal", pipeline_id=stage.pipeline_id, stage_id=stage.id, contact_id=ann.id,
                    amount=1_250_000, currency="EUR", probability=50)  # fmt: skip
        s.add(deal)
        s.flush()
        timed = followups.add_followup(
            s, "Call Ann", due="2026-03-12 14:30", contact=ann, deal=deal, priority="high",
            notes="Ask about seats", now=NOW,
        )  # fmt: skip
        day = followups.add_followup(s, "Send invoice", due="2026-03-13", priority="low", now=NOW)
        return {"timed": timed.id or 0, "day": day.id or 0, "contact": ann.id or 0, "deal": deal.id or 0}


def _calendar(db, *, as_: str = "todo", closed: bool = False) -> tuple[str, icalendar.Calendar]:
    with db.read() as s:
        items = followups.export_followups(s, user=None, include_closed=closed)
        text = ical.write_calendar(followups.calendar_items(s, items), as_=as_, stamp=STAMP)
    return text, icalendar.Calendar.from_ical(text)


def _by_uid(cal: icalendar.Calendar, kind: str = "VTODO") -> dict[str, icalendar.cal.Component]:
    return {str(c["UID"]): c for c in cal.walk(kind)}


def test_calendar_header_and_todo_fields(db) -> None:
    ids = _setup(db)
    text, cal = _calendar(db)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//termcrm//termcrm ")
    assert text.endswith("END:VCALENDAR\r\n")
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]).startswith("-//termcrm//")
    todos = _by_uid(cal)
    assert set(todos) == {f"followup-{ids['timed']}@termcrm", f"followup-{ids['day']}@termcrm"}
    todo = todos[f"followup-{ids['timed']}@termcrm"]
    assert str(todo["SUMMARY"]) == "Call Ann"
    assert todo.decoded("DTSTAMP") == STAMP
    assert todo.decoded("DUE") == datetime(2026, 3, 12, 14, 30, tzinfo=UTC)
    assert todo.decoded("DTSTART") == datetime(2026, 3, 12, 14, 30, tzinfo=UTC)
    assert int(todo["PRIORITY"]) == 1
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    assert int(todo["SEQUENCE"]) == 0
    description = str(todo["DESCRIPTION"])
    assert f"Contact: Ann Lee <ann@example.com> (#{ids['contact']})" in description
    assert "Company: Acme (#1)" in description
    assert f"Deal: #{ids['deal']} Renewal (12,500.00 EUR, open)" in description
    assert "Priority: high" in description and "Ask about seats" in description
    assert f"crm followup show {ids['timed']}" in description
    assert list(todo["CATEGORIES"].cats) == ["Ann Lee", "Acme"]
    assert "RRULE" not in todo
    alarms = todo.walk("VALARM")
    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == -timedelta(minutes=15)


def test_all_day_todo_uses_date_values_and_a_morning_alarm(db) -> None:
    ids = _setup(db)
    _, cal = _calendar(db)
    todo = _by_uid(cal)[f"followup-{ids['day']}@termcrm"]
    assert todo.decoded("DUE") == date(2026, 3, 13)
    assert todo.decoded("DTSTART") == date(2026, 3, 13)
    assert int(todo["PRIORITY"]) == 9
    assert todo.walk("VALARM")[0].decoded("TRIGGER") == timedelta(hours=9)


def test_uids_are_stable_between_exports(db) -> None:
    _setup(db)
    _, first = _calendar(db)
    _, second = _calendar(db)
    assert set(_by_uid(first)) == set(_by_uid(second))


def test_done_and_cancelled_are_completed_and_cancelled_without_rule_or_alarm(db) -> None:
    ids = _setup(db)
    with db.write("close") as s:
        timed = s.get(Followup, ids["timed"])
        timed.recurrence = "FREQ=WEEKLY"
        followups.complete_followup(s, timed, now=NOW)
        followups.cancel_followup(s, s.get(Followup, ids["day"]), now=NOW)
    _, open_only = _calendar(db)
    assert [str(t["SUMMARY"]) for t in open_only.walk("VTODO")] == ["Call Ann"]  # the next occurrence
    _, cal = _calendar(db, closed=True)
    todos = _by_uid(cal)
    done = todos[f"followup-{ids['timed']}@termcrm"]
    assert str(done["STATUS"]) == "COMPLETED"
    assert done.decoded("COMPLETED") == NOW
    assert int(done["PERCENT-COMPLETE"]) == 100
    assert "RRULE" not in done and done.walk("VALARM") == []
    assert str(todos[f"followup-{ids['day']}@termcrm"]["STATUS"]) == "CANCELLED"


def test_events_have_start_and_duration_or_an_end_day(db) -> None:
    ids = _setup(db)
    _, cal = _calendar(db, as_="event")
    assert cal.walk("VTODO") == []
    events = _by_uid(cal, "VEVENT")
    timed = events[f"followup-{ids['timed']}@termcrm"]
    assert timed.decoded("DTSTART") == datetime(2026, 3, 12, 14, 30, tzinfo=UTC)
    assert timed.decoded("DURATION") == timedelta(minutes=30)
    assert str(timed["STATUS"]) == "CONFIRMED" and str(timed["TRANSP"]) == "TRANSPARENT"
    day = events[f"followup-{ids['day']}@termcrm"]
    assert day.decoded("DTSTART") == date(2026, 3, 13)
    assert day.decoded("DTEND") == date(2026, 3, 14)
    assert "DUE" not in day


def test_recurring_item_in_berlin_has_tzid_vtimezone_and_stays_at_nine_across_dst(db, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    with db.write("add") as s:
        followups.add_followup(s, "Weekly call", due="2026-03-23 09:00", every="week", now=NOW)
    text, cal = _calendar(db)
    assert "DTSTART;TZID=Europe/Berlin:20260323T090000\r\n" in text
    todo = cal.walk("VTODO")[0]
    assert str(todo["RRULE"].to_ical().decode()) == "FREQ=WEEKLY"
    start = todo.decoded("DTSTART")
    assert start.astimezone(UTC) == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    rule = rrulestr("FREQ=WEEKLY;COUNT=2", dtstart=start.replace(tzinfo=None))
    second = rule[1].replace(tzinfo=ZoneInfo("Europe/Berlin"))
    assert second.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    # The VTIMEZONE itself describes Berlin: +01:00 in winter, +02:00 in summer, over the years ahead.
    zone = cal.walk("VTIMEZONE")[0]
    assert str(zone["TZID"]) == "Europe/Berlin"
    tz = zone.to_tz()
    assert datetime(2026, 1, 15, 12, tzinfo=tz).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 7, 15, 12, tzinfo=tz).utcoffset() == timedelta(hours=2)
    assert datetime(2031, 7, 15, 12, tzinfo=tz).utcoffset() == timedelta(hours=2)
    assert datetime(2031, 11, 15, 12, tzinfo=tz).utcoffset() == timedelta(hours=1)


def test_vtimezone_transitions_match_the_zone_database() -> None:
    from dateutil import tz as dateutil_tz

    berlin = dateutil_tz.gettz("Europe/Berlin")
    lines = ical.vtimezone(berlin, "Europe/Berlin", 2026, 2027)
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", *lines, "END:VCALENDAR"]) + "\r\n"
    zone = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")[0]
    daylight = zone.walk("DAYLIGHT")[0]
    assert daylight.decoded("DTSTART") == datetime(2026, 3, 29, 2, 0)
    assert daylight.decoded("TZOFFSETFROM") == timedelta(hours=1)
    assert daylight.decoded("TZOFFSETTO") == timedelta(hours=2)
    assert "RDATE:20270328T020000" in text
    standard = [c for c in zone.walk("STANDARD") if c.decoded("DTSTART") == datetime(2026, 10, 25, 3, 0)]
    assert len(standard) == 1


def test_utc_zone_needs_no_vtimezone(db) -> None:
    with db.write("add") as s:
        followups.add_followup(s, "Weekly call", due="2026-03-23 09:00", every="mon", now=NOW)
    text, cal = _calendar(db)
    assert "VTIMEZONE" not in text
    todo = cal.walk("VTODO")[0]
    assert todo.decoded("DUE") == datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    assert todo["RRULE"].to_ical().decode() == "FREQ=WEEKLY;BYDAY=MO"


def test_until_is_written_in_utc_for_timed_and_as_a_date_for_all_day(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    start = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    timed = ical.CalItem(uid="a@x", summary="a", start=start, rrule="FREQ=WEEKLY;UNTIL=20260630")
    day = ical.CalItem(uid="b@x", summary="b", start=start, all_day=True, rrule="FREQ=DAILY;UNTIL=20260630T120000Z")
    cal = icalendar.Calendar.from_ical(ical.write_calendar([timed, day], stamp=STAMP))
    rules = {str(c["UID"]): c["RRULE"] for c in cal.walk("VTODO")}
    assert rules["a@x"]["UNTIL"] == [datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC)]
    assert rules["b@x"]["UNTIL"] == [date(2026, 6, 30)]


def test_text_is_escaped_and_lines_folded_at_75_octets() -> None:
    summary = 'Quote; "discount", 10\\% — ünïcödé ' + "日本語" * 30
    description = "line one\nline two; with, commas\r\nand a backslash \\ end\x07"
    item = ical.CalItem(uid="x@termcrm", summary=summary, start=NOW, description=description)
    text = ical.write_calendar([item], stamp=STAMP)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert "\n" not in text.replace("\r\n", "")
    todo = icalendar.Calendar.from_ical(text).walk("VTODO")[0]
    assert str(todo["SUMMARY"]) == summary
    assert str(todo["DESCRIPTION"]) == "line one\nline two; with, commas\nand a backslash \\ end"


@pytest.mark.parametrize("width", [74, 75, 76, 150, 151])
def test_fold_never_splits_a_utf8_character(width: int) -> None:
    line = "X" * (width - 3) + "é" + "日" * 40
    folded = ical.fold(line)
    pieces = folded.split("\r\n ")
    assert "".join(pieces) == line
    assert all(len(p.encode("utf-8")) <= (75 if i == 0 else 74) for i, p in enumerate(pieces))


def test_export_ical_command_writes_a_file_and_stdout(crm, tmp_path: Path) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("followup", "add", "Call Ann", "--due", "+1d 10:00", "--contact", "ann", "--every", "week")
    crm.ok("followup", "add", "Bob's", "--due", "+1d", "--assignee", "bob")
    target = tmp_path / "followups.ics"
    result = crm.ok("export", "ical", "-o", str(target))
    assert result.stdout == "" and f"exported 1 follow-up to {target}" in result.stderr
    raw = target.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and b"\r\r\n" not in raw
    cal = icalendar.Calendar.from_ical(raw)
    assert [str(t["SUMMARY"]) for t in cal.walk("VTODO")] == ["Call Ann"]
    everyone = icalendar.Calendar.from_ical(crm.ok("export", "ical", "--all").stdout)
    assert sorted(str(t["SUMMARY"]) for t in everyone.walk("VTODO")) == ["Bob's", "Call Ann"]
    bobs = icalendar.Calendar.from_ical(crm.ok("export", "ical", "--user", "bob", "--as", "event").stdout)
    assert [str(e["SUMMARY"]) for e in bobs.walk("VEVENT")] == ["Bob's"]
    assert crm("export", "ical", "--as", "journal").exit_code == 2
    assert crm("export", "ical", "--user", "nobody").exit_code == 3


def test_export_group_lists_ical(crm) -> None:
    result = crm.ok("export", "--help")
    assert "ical" in result.stdout
