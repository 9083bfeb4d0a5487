"""``crm remind``: what is due, lapsed cadences, birthdays; silence, --once, --notify, a concurrent writer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from termcrm.models import Contact, Followup
from termcrm.services import contacts, followups

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


def _contact(s, name: str, **extra) -> Contact:
    first, last = contacts.split_name(name)
    return contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last, **extra))


def _add(db, title: str, due: str, **kw) -> int:
    with db.write("add") as s:
        item = followups.add_followup(s, title, due=due, now=NOW, **kw)
        assert item.id is not None
        return item.id


def _due(db, now: datetime = NOW, within: timedelta = timedelta(0), user: str | None = "tester", **kw):
    with db.read() as s:
        return followups.due_items(s, now, within, user, **kw)


def _mark(db, items) -> int:
    with db.write("remind") as s:
        return followups.mark_reminded(s, items)


# --------------------------------------------------------------------------- the service


def test_due_items_are_overdue_and_due_now_and_within_the_window_overdue_first(db) -> None:
    later = _add(db, "In 30 minutes", "2026-03-11 10:30")
    late = _add(db, "Last week", "2026-03-04", priority="high")
    now_item = _add(db, "Right now", "2026-03-11 10:00")
    today = _add(db, "Today, no time", "2026-03-11")
    _add(db, "Tomorrow", "2026-03-12")
    finished = _add(db, "Finished", "2026-03-01")
    with db.write("done") as s:
        followups.complete_followup(s, s.get(Followup, finished), now=NOW)
    assert [(i.kind, i.id) for i in _due(db)] == [("followup", late), ("followup", today), ("followup", now_item)]
    items = _due(db, within=timedelta(hours=1))
    assert [i.id for i in items] == [late, today, now_item, later]
    assert [i.label for i in items] == ["overdue 7d", "due today", "due 10:00", "due 10:30"]
    assert items[0].overdue and not items[1].overdue
    assert items[0].text == "overdue 7d: follow-up #2 Last week [high]"


def test_due_items_for_a_user_include_unassigned_but_not_others(db) -> None:
    mine = _add(db, "Mine", "2026-03-10")
    bobs = _add(db, "Bob's", "2026-03-10", assignee="bob")
    with db.write("unassign") as s:
        loose = followups.add_followup(s, "Nobody's", due="2026-03-10", now=NOW)
        loose.assignee_id = None
        s.add(loose)
        s.flush()
        loose_id = loose.id
    assert [i.id for i in _due(db)] == [mine, loose_id]
    assert {i.id for i in _due(db, user="bob")} == {bobs, loose_id}
    assert {i.id for i in _due(db, user=None)} == {mine, bobs, loose_id}
    assert {i.id for i in _due(db, user="nobody-known")} == {loose_id}


def test_lapsed_cadence_counts_from_last_contact_or_from_creation(db) -> None:
    with db.write("setup") as s:
        lapsed = _contact(s, "Ann Lee", cadence_days=30)
        fresh = _contact(s, "Bob Stone", cadence_days=30)
        never = _contact(s, "Cy Young", cadence_days=14)
        _contact(s, "Di Free")  # no cadence
        lapsed.last_contacted_at = NOW - timedelta(days=31)
        fresh.last_contacted_at = NOW - timedelta(days=29)
        never.created_at = NOW - timedelta(days=20)
        s.add_all([lapsed, fresh, never])
    items = _due(db)
    # Cy's cadence lapsed 6 days ago (20 - 14), Ann's 1 day ago (31 - 30): the older lapse first.
    assert [(i.kind, i.contact) for i in items] == [("cadence", "Cy Young"), ("cadence", "Ann Lee")]
    assert items[0].title == "stay in touch with Cy Young: never contacted, added 20 days ago (every 14 days)"
    assert items[1].title == "stay in touch with Ann Lee: last contact 31 days ago (every 30 days)"
    assert (items[0].due_at, items[1].due_at) == (NOW - timedelta(days=6), NOW - timedelta(days=1))
    assert [i.contact for i in _due(db, within=timedelta(days=2))] == ["Cy Young", "Ann Lee", "Bob Stone"]


def test_logging_an_interaction_resets_the_cadence_clock(db) -> None:
    from termcrm.services.interactions import log_interaction

    with db.write("setup") as s:
        ann = _contact(s, "Ann Lee", cadence_days=30)
        ann.created_at = NOW - timedelta(days=60)
        s.add(ann)
    assert [i.kind for i in _due(db)] == ["cadence"]
    with db.write("log") as s:
        log_interaction(
            s, kind="call", summary="caught up", contact=s.get(Contact, 1), occurred_at=NOW - timedelta(days=1)
        )
    assert _due(db) == []


def test_birthdays_today_in_local_time(db, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    with db.write("setup") as s:
        _contact(s, "Ann Lee", birthday=date(1980, 3, 11))
        _contact(s, "Bob Stone", birthday=date(1990, 3, 10))
        _contact(s, "Cy Young", birthday=date(1970, 3, 12))
    just_after_midnight = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on 11 March in Berlin
    items = _due(db, now=just_after_midnight)
    assert [(i.kind, i.title) for i in items] == [("birthday", "Ann Lee turns 46 today")]
    assert items[0].due_at == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    assert [i.title for i in _due(db, now=just_after_midnight, within=timedelta(days=1))] == [
        "Ann Lee turns 46 today",
        "Cy Young turns 56 tomorrow",
    ]


def test_a_29_february_birthday_is_remembered_on_28_february_in_common_years(db) -> None:
    with db.write("setup") as s:
        _contact(s, "Leap Kid", birthday=date(2000, 2, 29))
    assert [i.title for i in _due(db, now=datetime(2027, 2, 28, 9, tzinfo=UTC))] == ["Leap Kid turns 27 today"]
    assert _due(db, now=datetime(2027, 3, 1, 9, tzinfo=UTC)) == []
    assert [i.title for i in _due(db, now=datetime(2028, 2, 29, 9, tzinfo=UTC))] == ["Leap Kid turns 28 today"]
    assert _due(db, now=datetime(2028, 2, 28, 9, tzinfo=UTC)) == []


def test_once_leaves_out_what_was_reminded_until_snoozed_or_edited(db) -> None:
    first = _add(db, "Call", "2026-03-10")
    second = _add(db, "Mail", "2026-03-09")
    with db.write("setup") as s:
        ann = _contact(s, "Ann Lee", cadence_days=7, birthday=date(1980, 3, 11))
        ann.created_at = NOW - timedelta(days=30)
        s.add(ann)
    items = _due(db, once=True)
    # The cadence lapsed 23 days ago (30 - 7), before both follow-ups; the birthday is today.
    assert [(i.kind, i.id) for i in items] == [
        ("cadence", 1),
        ("followup", second),
        ("followup", first),
        ("birthday", 1),
    ]
    assert _mark(db, items) == 4
    assert _due(db, once=True) == []
    assert len(_due(db)) == 4  # without --once everything is still due
    with db.write("snooze") as s:
        followups.snooze_followup(s, s.get(Followup, first), "2026-03-11", now=NOW)
    assert [(i.kind, i.id) for i in _due(db, once=True)] == [("followup", first)]
    with db.write("edit") as s:
        followups.edit_followup(s, s.get(Followup, second), title="Mail again", now=NOW)
        contact = s.get(Contact, 1)
        contact.cadence_days = 5
        s.add(contact)
    assert [(i.kind, i.id) for i in _due(db, once=True)] == [
        ("cadence", 1),
        ("followup", second),
        ("followup", first),
        ("birthday", 1),
    ]


def test_next_years_birthday_is_reminded_again(db) -> None:
    with db.write("setup") as s:
        _contact(s, "Ann Lee", birthday=date(1980, 3, 11))
    _mark(db, _due(db, once=True))
    assert _due(db, once=True) == []
    assert [i.title for i in _due(db, now=NOW.replace(year=2027), once=True)] == ["Ann Lee turns 47 today"]


def test_a_followup_changed_after_it_was_read_is_not_marked(db) -> None:
    fid = _add(db, "Call", "2026-03-10")
    items = _due(db, once=True)
    with db.write("edit") as s:
        followups.edit_followup(s, s.get(Followup, fid), title="Call soon", now=NOW)
    assert _mark(db, items) == 0
    assert [i.title for i in _due(db, once=True)] == ["Call soon"]


def test_marking_records_no_history_and_keeps_the_version(db) -> None:
    from termcrm.models import ChangeSet

    fid = _add(db, "Call", "2026-03-10")
    with db.read() as s:
        before = len(s.exec(select(ChangeSet)).all())
    _mark(db, _due(db))
    with db.read() as s:
        item = s.get(Followup, fid)
        assert item.version == 1 and item.reminded_at is not None
        assert len(s.exec(select(ChangeSet)).all()) == before


# --------------------------------------------------------------------------- the command


def test_remind_prints_nothing_and_exits_0_when_nothing_is_due(crm) -> None:
    crm.ok("followup", "add", "Later", "--due", "+3d")
    for args in ((), ("--exit-code",), ("-f", "json"), ("-f", "ics"), ("--once",), ("--all",)):
        result = crm("remind", *args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", ""), args


def test_remind_lists_overdue_and_within_window_and_exit_code(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    crm.ok("followup", "add", "Call Ann", "--due", "-2d", "--contact", "ann", "--priority", "high")
    crm.ok("followup", "add", "Send deck", "--due", "+3d")
    result = crm.ok("remind")
    assert result.stdout == "overdue 2d: follow-up #1 Call Ann (Ann Lee, Acme) [high]\n"
    assert crm("remind", "--exit-code").exit_code == 1
    assert len(crm.ok("remind", "--within", "4d").stdout.splitlines()) == 2
    rows = crm.ok("remind", "-f", "json").json()
    assert [(r["kind"], r["id"], r["overdue"], r["contact"]) for r in rows] == [("followup", 1, True, "Ann Lee")]
    assert set(rows[0]) >= {"kind", "id", "title", "text", "due", "due_has_time", "priority", "assignee"}
    bad = crm("remind", "--within", "soon")
    assert bad.exit_code == 2 and "cannot read duration" in bad.stderr


def test_remind_user_and_all(crm) -> None:
    crm.ok("followup", "add", "Bob's call", "--due", "-1d", "--assignee", "bob")
    assert crm.ok("remind").stdout == ""
    assert "Bob's call" in crm.ok("remind", "--user", "bob").stdout
    assert "Bob's call" in crm.ok("remind", "--all").stdout
    assert crm("remind", "--user", "nobody").exit_code == 3
    assert crm("remind", "--user", "bob", "--all").exit_code == 2


def test_remind_once_across_two_runs_then_again_after_snooze(crm) -> None:
    crm.ok("followup", "add", "Call", "--due", "-1d")
    crm.ok("followup", "add", "Mail", "--due", "-2d")
    first = crm.ok("remind", "--once")
    assert first.stdout.splitlines() == ["overdue 2d: follow-up #2 Mail", "overdue 1d: follow-up #1 Call"]
    second = crm("remind", "--once", "--exit-code")
    assert (second.exit_code, second.stdout) == (0, "")
    crm.ok("followup", "snooze", "1", "today")
    third = crm.ok("remind", "--once")
    assert third.stdout == "due today: follow-up #1 Call\n"
    assert crm.ok("remind", "--once").stdout == ""
    assert len(crm.ok("remind").stdout.splitlines()) == 2  # without --once both are still due


def test_remind_ics_is_a_calendar_of_the_due_items(crm) -> None:
    import icalendar

    crm.ok("followup", "add", "Call", "--due", "-1d")
    cal = icalendar.Calendar.from_ical(crm.ok("remind", "-f", "ics").stdout)
    todos = [c for c in cal.walk("VTODO")]
    assert [str(t["UID"]) for t in todos] == ["followup-1@termcrm"]
    assert str(todos[0]["SUMMARY"]) == "Call"


def test_remind_notify_runs_the_command_once_per_item_with_the_text(crm, tmp_path: Path) -> None:
    record = tmp_path / "notified.txt"
    script = tmp_path / "record.py"
    script.write_text(
        "import sys\n"
        f"with open({str(record)!r}, 'a', encoding='utf-8') as f:\n"
        "    f.write(repr(sys.argv[1:]) + '\\n')\n",
        encoding="utf-8",
    )
    crm.ok("followup", "add", "Call; then $HOME & `x`", "--due", "-1d")
    crm.ok("followup", "add", "Mail", "--due", "-3d")
    result = crm.ok("remind", "--notify", f"{sys.executable} {script}")
    lines = record.read_text(encoding="utf-8").splitlines()
    assert lines == [repr([text]) for text in result.stdout.splitlines()]
    assert lines[1] == repr(["overdue 1d: follow-up #1 Call; then $HOME & `x`"])


def test_remind_notify_with_a_missing_command_is_bad_input(crm) -> None:
    crm.ok("followup", "add", "Call", "--due", "-1d")
    result = crm("remind", "--notify", "no-such-notifier-xyz")
    assert result.exit_code == 2 and "no command 'no-such-notifier-xyz'" in result.stderr


def test_remind_under_a_concurrent_writer(db, db_url: str, tmp_path: Path) -> None:
    """A thread keeps writing (BEGIN IMMEDIATE on SQLite) while `crm remind --once` runs in other processes."""
    _add(db, "Overdue call", "2026-03-01")
    _add(db, "Overdue mail", "2026-03-02")
    stop = threading.Event()
    writes: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        from termcrm.db import open_database

        other = open_database(db.settings)
        try:
            while not stop.is_set():
                with other.write("busy") as s:
                    item = followups.add_followup(s, "Far away", due="+300d")
                    item.notes = "x" * 200
                    s.add(item)
                writes.append(1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            other.dispose()

    thread = threading.Thread(target=writer)
    env = {**os.environ, "CRM_USER": "tester"}
    command = [sys.executable, "-m", "termcrm", "--db", db_url, "remind", "--once", "-f", "json"]
    thread.start()
    try:
        while not writes and thread.is_alive():
            threading.Event().wait(0.01)
        first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        written_during = len(writes)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    assert first.returncode == 0, first.stderr
    assert "locked" not in first.stderr + second.stderr
    assert [r["title"] for r in json.loads(first.stdout)] == ["Overdue call", "Overdue mail"]
    assert (second.returncode, second.stdout) == (0, "")
    assert written_during > 0
    with db.read() as s:
        assert len(s.exec(select(Followup).where(Followup.reminded_at.is_not(None))).all()) == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_remind_text_shows_local_times(crm, monkeypatch, zone) -> None:
    monkeypatch.setenv("TZ", zone)
    crm.ok("followup", "add", "Call", "--due", "+2h")
    out = crm.ok("remind", "--within", "3h").stdout
    assert out.startswith("due ") and out.endswith(": follow-up #1 Call\n")
