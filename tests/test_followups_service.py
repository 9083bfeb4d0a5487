"""Follow-ups through the service layer, on a fixed clock: add, recurrence, done, snooze, lists, sections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from termcrm.errors import Invalid, NotFound
from termcrm.models import Contact, Deal, Followup, Interaction, Stage
from termcrm.services import contacts, followups

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
"""A Wednesday, 10:00 UTC (TZ is UTC unless a test sets Europe/Berlin)."""


def _contact(s, name: str, company: str | None = None, **extra) -> Contact:
    first, last = contacts.split_name(name)
    return contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last, company=company, **extra))


def _add(db, title: str, due: str, **kw) -> int:
    with db.write("add") as s:
        item = followups.add_followup(s, title, due=due, now=NOW, **kw)
        assert item.id is not None
        return item.id


def _get(db, fid: int) -> Followup:
    with db.read() as s:
        item = s.get(Followup, fid)
        s.expunge(item)  # keep its loaded values after the read session rolls back
        return item


def _done(db, fid: int, **kw) -> followups.Completed:
    with db.write("done") as s:
        return followups.complete_followup(s, s.get(Followup, fid), now=kw.pop("now", NOW), **kw)


def _local(value: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %a")


# --------------------------------------------------------------------------- adding


def test_add_links_contact_and_its_company_and_assigns_the_acting_user(db) -> None:
    with db.write("setup") as s:
        _contact(s, "Ann Lee", company="Acme")
    fid = _add(db, "  Send   the proposal ", "2026-03-13 10:00", contact="Ann Lee", priority="HIGH", notes=" n ")
    with db.read() as s:
        row = followups.rows(s, [s.get(Followup, fid)], now=NOW)[0]
    assert row["title"] == "Send the proposal"
    assert (row["contact"], row["company"], row["assignee"]) == ("Ann Lee", "Acme", "tester")
    assert row["priority"] == "high" and row["notes"] == "n" and row["status"] == "open"
    assert row["due"] == "2026-03-13T10:00:00+00:00" and row["due_has_time"] is True
    for key in ("id", "title", "due", "status", "done_at", "contact_id", "company_id", "deal_id", "ticket_id"):
        assert key in row
    assert {"assignee", "priority", "recurrence", "notes", "recurrence_text", "overdue"} <= set(row)


def test_add_with_a_deal_takes_the_deals_contact_and_company(db) -> None:
    with db.write("setup") as s:
        ann = _contact(s, "Ann Lee", company="Acme")
        stage = s.exec(select(Stage).where(Stage.name == "Proposal")).one()
        deal = Deal(title="Renewal", pipeline_id=stage.pipeline_id, stage_id=stage.id, contact_id=ann.id,
                    company_id=ann.company_id, amount=1_000_000, probability=50)  # fmt: skip
        s.add(deal)
        s.flush()
        deal_id = deal.id
    fid = _add(db, "Chase the signature", "+2d", deal=str(deal_id))
    item = _get(db, fid)
    assert (item.deal_id, item.contact_id) == (deal_id, 1)
    assert item.company_id is not None


def test_add_rejects_empty_title_bad_priority_and_unknown_contact(db) -> None:
    with pytest.raises(Invalid, match="needs a title"):
        _add(db, "   ", "today")
    with pytest.raises(Invalid, match="priority 'urgent' is not one of: low, normal, high"):
        _add(db, "x", "today", priority="urgent")
    with pytest.raises(NotFound):
        _add(db, "x", "today", contact="nobody")
    with pytest.raises(Invalid, match="cannot read date"):
        _add(db, "x", "someday")


def test_a_date_without_time_is_due_that_whole_local_day(db) -> None:
    fid = _add(db, "Call", "2026-03-11")
    item = _get(db, fid)
    assert item.due_has_time is False
    assert item.due_at == datetime(2026, 3, 11, tzinfo=UTC)
    assert not followups.is_overdue(item, NOW)
    assert followups.is_overdue(item, datetime(2026, 3, 12, 0, 0, tzinfo=UTC))


# --------------------------------------------------------------------------- recurrence


EVERY_CASES = [
    # phrase, first due, stored rule, next due (all UTC, TZ=UTC)
    ("day", "2026-03-11 09:00", "FREQ=DAILY", "2026-03-12 09:00"),
    ("week", "2026-03-11 09:00", "FREQ=WEEKLY", "2026-03-18 09:00"),
    ("month", "2026-03-11 09:00", "FREQ=MONTHLY", "2026-04-11 09:00"),
    ("year", "2026-03-11 09:00", "FREQ=YEARLY", "2027-03-11 09:00"),
    ("2 weeks", "2026-03-11 09:00", "FREQ=WEEKLY;INTERVAL=2", "2026-03-25 09:00"),
    ("weekdays", "2026-03-13 09:00", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-03-16 09:00"),
    ("mon,thu", "2026-03-12 09:00", "FREQ=WEEKLY;BYDAY=MO,TH", "2026-03-16 09:00"),
    ("last friday of month", "2026-03-27 09:00", "FREQ=MONTHLY;BYDAY=-1FR", "2026-04-24 09:00"),
    ("FREQ=WEEKLY;BYDAY=TU", "2026-03-10 09:00", "FREQ=WEEKLY;BYDAY=TU", "2026-03-17 09:00"),
    ("RRULE:freq=monthly;bymonthday=15", "2026-03-15 09:00", "FREQ=MONTHLY;BYMONTHDAY=15", "2026-04-15 09:00"),
]


@pytest.mark.parametrize(("phrase", "first", "rule", "following"), EVERY_CASES)
def test_every_form_is_stored_as_rrule_and_done_creates_the_next_occurrence(db, phrase, first, rule, following) -> None:
    fid = _add(db, "Repeat", first, every=phrase)
    assert _get(db, fid).recurrence == rule
    result = _done(db, fid)
    assert result.next is not None
    assert result.next.due_at == datetime.fromisoformat(following).replace(tzinfo=UTC)
    assert result.next.recurrence == rule and result.next.status == "open"
    assert _get(db, fid).status == "done" and _get(db, fid).done_at == NOW


def test_impossible_or_unknown_rule_is_a_clear_error(db) -> None:
    with pytest.raises(Invalid, match="never occurs"):
        _add(db, "x", "2026-03-11", every="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
    with pytest.raises(Invalid, match="cannot read recurrence 'every blue moon'"):
        _add(db, "x", "2026-03-11", every="every blue moon")
    with pytest.raises(Invalid, match="repeats hourly"):
        _add(db, "x", "2026-03-11", every="FREQ=HOURLY")


def test_done_late_follows_the_rule_not_today(db) -> None:
    # A weekly call on Monday 2 March, completed on Wednesday 11 March: the next one is Monday 9 March.
    fid = _add(db, "Monday call", "2026-03-02 09:00", every="week")
    result = _done(db, fid)
    assert result.next is not None
    assert result.next.due_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert result.next.due_at.weekday() == 0


def test_monthly_from_the_31st_lands_on_month_ends(db) -> None:
    fid = _add(db, "Invoice run", "2026-01-31", every="month")
    dues = []
    for _ in range(3):
        result = _done(db, fid)
        assert result.next is not None and result.next.id is not None
        dues.append(followups.local_due_date(result.next))
        fid = result.next.id
    assert dues == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_count_limited_series_ends(db) -> None:
    fid = _add(db, "Three times", "2026-03-11", every="FREQ=DAILY;COUNT=3")
    first = _done(db, fid)
    assert first.next is not None and first.next.recurrence == "FREQ=DAILY;COUNT=2"
    second = _done(db, first.next.id)
    assert second.next is not None and second.next.recurrence == "FREQ=DAILY;COUNT=1"
    third = _done(db, second.next.id)
    assert third.next is None


def test_weekly_call_keeps_local_time_across_dst_in_berlin(db, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    fid = _add(db, "Weekly call", "2026-03-23 09:00", every="week")
    item = _get(db, fid)
    assert item.due_at == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # CET, +01:00
    spring = _done(db, fid).next
    assert spring is not None
    assert spring.due_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # CEST, +02:00
    assert _local(spring.due_at, "Europe/Berlin") == "2026-03-30 09:00 Mon"
    fid = _add(db, "Autumn call", "2026-10-19 09:00", every="week")
    autumn = _done(db, fid).next
    assert autumn is not None
    assert _local(autumn.due_at, "Europe/Berlin") == "2026-10-26 09:00 Mon"
    assert autumn.due_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_all_day_daily_series_crosses_dst_night_on_local_midnights(db, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    fid = _add(db, "Daily check", "2026-03-28", every="day")
    nxt = _done(db, fid).next
    assert nxt is not None and nxt.due_has_time is False
    assert nxt.due_at == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 29 March 00:00 CET
    after = _done(db, nxt.id).next
    assert after is not None
    assert after.due_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 30 March 00:00 CEST


def test_due_at_local_midnight_belongs_to_that_day(db, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    fid = _add(db, "Midnight", "2026-03-10 00:00")
    item = _get(db, fid)
    assert item.due_has_time is True
    assert item.due_at == datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
    at_2330_utc = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # 00:30 on the 10th in Berlin
    assert followups.is_overdue(item, at_2330_utc)
    with db.read() as s:
        today = [f.id for f in followups.list_followups(s, today=True, now=at_2330_utc)]
        day_before = followups.list_followups(s, today=True, now=datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
        groups = followups.agenda(s, 2, None, datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    assert today == [fid]
    assert day_before == []
    assert [g["day"] for g in groups] == ["overdue", "2026-03-09", "2026-03-10"]
    assert [i["time"] for i in groups[2]["items"]] == ["00:00"]


def test_overdue_across_years_counts_days_over_new_year(db) -> None:
    fid = _add(db, "Year-end call", "2025-12-30")
    new_year = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
    item = _get(db, fid)
    assert followups.overdue_days(item, new_year) == 3
    with db.read() as s:
        assert [f.id for f in followups.list_followups(s, overdue=True, now=new_year)] == [fid]
        assert [f.id for f in followups.list_followups(s, ["due<today"], now=new_year)] == [fid]
        assert followups.list_followups(s, ["due>=today"], now=new_year) == []
        assert followups.due_label(item.due_at, False, new_year) == "overdue 3d"


# --------------------------------------------------------------------------- done, snooze, cancel, archive


def test_done_note_is_logged_as_interaction_with_the_contact(db) -> None:
    with db.write("setup") as s:
        _contact(s, "Ann Lee", company="Acme")
    fid = _add(db, "Call Ann", "2026-03-10", contact="Ann Lee")
    result = _done(db, fid, note="Talked about the renewal")
    with db.read() as s:
        logged = s.get(Interaction, result.interaction_id)
        assert (logged.kind, logged.summary, logged.contact_id) == ("note", "Talked about the renewal", 1)
        assert "follow-up #1 Call Ann" in logged.body
        assert s.get(Contact, 1).last_contacted_at == NOW


def test_done_note_without_any_link_is_refused_and_nothing_changes(db) -> None:
    fid = _add(db, "Loose end", "2026-03-10")
    with pytest.raises(Invalid, match="no contact, company or deal"):
        _done(db, fid, note="hello")
    assert _get(db, fid).status == "open"


def test_done_twice_is_refused(db) -> None:
    fid = _add(db, "Once", "2026-03-10")
    _done(db, fid)
    with pytest.raises(Invalid, match="is done already"):
        _done(db, fid)


def test_snooze_recurring_keeps_the_series_on_its_weekday(db) -> None:
    fid = _add(db, "Monday call", "2026-03-09 09:00", every="week")
    with db.write("snooze") as s:
        item = followups.snooze_followup(s, s.get(Followup, fid), "2026-03-10 15:00", now=NOW)
        assert item.recurrence == "FREQ=WEEKLY;BYDAY=MO"
    nxt = _done(db, fid).next
    assert nxt is not None
    assert nxt.due_at.weekday() == 0 and nxt.due_at.date() == date(2026, 3, 16)


def test_snooze_monthly_from_the_31st_keeps_month_ends(db) -> None:
    assert followups.pin_rule("FREQ=MONTHLY", datetime(2026, 1, 31, tzinfo=UTC)) == (
        "FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1"
    )
    assert followups.pin_rule("FREQ=YEARLY", datetime(2026, 6, 5, tzinfo=UTC)) == "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=5"
    assert followups.pin_rule("FREQ=WEEKLY;BYDAY=MO,TH", NOW) == "FREQ=WEEKLY;BYDAY=MO,TH"


def test_snooze_by_a_day_keeps_the_time_and_a_duration_counts_from_now(db) -> None:
    fid = _add(db, "Call", "2026-03-11 09:30")
    with db.write("snooze") as s:
        item = followups.snooze_followup(s, s.get(Followup, fid), "tomorrow", now=NOW)
        assert (item.due_at, item.due_has_time) == (datetime(2026, 3, 12, 9, 30, tzinfo=UTC), True)
        item = followups.snooze_followup(s, item, "2h", now=NOW)
        assert item.due_at == NOW + timedelta(hours=2)
        with pytest.raises(Invalid, match="cannot read 'whenever'"):
            followups.snooze_followup(s, item, "whenever", now=NOW)


def test_cancel_recurring_stops_it_and_archive_hides_it(db) -> None:
    fid = _add(db, "Weekly", "2026-03-11", every="week")
    other = _add(db, "Other", "2026-03-12")
    with db.write("cancel") as s:
        followups.cancel_followup(s, s.get(Followup, fid), now=NOW)
        followups.archive_followup(s, s.get(Followup, other), now=NOW)
    with db.read() as s:
        assert s.exec(select(Followup)).all().__len__() == 2
        assert followups.list_followups(s, now=NOW) == []
        assert [f.status for f in followups.list_followups(s, all_=True, now=NOW)] == ["cancelled"]
    with pytest.raises(Invalid, match="is cancelled already"):
        with db.write("again") as s:
            followups.snooze_followup(s, s.get(Followup, fid), "+1d", now=NOW)


def test_edit_changes_fields_clears_links_and_reopens(db) -> None:
    with db.write("setup") as s:
        _contact(s, "Ann Lee", company="Acme")
    fid = _add(db, "Call", "2026-03-12", contact="Ann Lee")
    _done(db, fid)
    with db.write("edit") as s:
        item = followups.edit_followup(
            s, s.get(Followup, fid), title="Call again", contact="", company="", status="open", every="week",
            assignee="bob", priority="low", now=NOW,
        )  # fmt: skip
        assert (item.title, item.contact_id, item.company_id, item.status, item.done_at) == (
            "Call again", None, None, "open", None,
        )  # fmt: skip
        assert (item.recurrence, item.priority) == ("FREQ=WEEKLY", "low")
        with pytest.raises(Invalid, match="either --every or --no-every"):
            followups.edit_followup(s, item, every="day", no_every=True)


def test_stale_version_is_a_conflict(db) -> None:
    from termcrm.errors import Conflict

    fid = _add(db, "Call", "2026-03-12")
    with pytest.raises(Conflict, match="changed by someone else"):
        with db.write("edit") as s:
            followups.edit_followup(s, s.get(Followup, fid), title="x", expected_version=7)


# --------------------------------------------------------------------------- schedule_from_text


@pytest.mark.parametrize(
    ("text", "title", "due", "has_time"),
    [
        ("fri 10:00 Send proposal", "Send proposal", datetime(2026, 3, 13, 10, 0, tzinfo=UTC), True),
        ("tomorrow Call back", "Call back", datetime(2026, 3, 12, tzinfo=UTC), False),
        ("2026-04-01 at 9am Renewal talk", "Renewal talk", datetime(2026, 4, 1, 9, 0, tzinfo=UTC), True),
        ("+2w Check in", "Check in", datetime(2026, 3, 25, tzinfo=UTC), False),
    ],
)
def test_schedule_from_text_takes_the_longest_leading_date(db, text, title, due, has_time) -> None:
    with db.write("setup") as s:
        ann = _contact(s, "Ann Lee", company="Acme")
        item = followups.schedule_from_text(s, text, contact=ann, now=NOW)
        assert (item.title, item.due_at, item.due_has_time) == (title, due, has_time)
        assert (item.contact_id, item.company_id) == (ann.id, ann.company_id)


def test_schedule_from_text_without_a_date_or_title_is_invalid(db) -> None:
    with db.write("x") as s:
        with pytest.raises(Invalid, match="as WHEN TITLE"):
            followups.schedule_from_text(s, "Send proposal soon", now=NOW)
        with pytest.raises(Invalid, match="as WHEN TITLE"):
            followups.schedule_from_text(s, "tomorrow", now=NOW)


# --------------------------------------------------------------------------- lists and sections


def test_list_filters_and_flags(db) -> None:
    with db.write("setup") as s:
        _contact(s, "Ann Lee", company="Acme")
        _contact(s, "Bob Stone")
    late = _add(db, "Late", "2026-03-09", contact="Ann Lee", priority="high")
    today = _add(db, "Today", "2026-03-11 16:00", contact="Bob Stone", assignee="ann")
    week = _add(db, "This week", "2026-03-17")
    later = _add(db, "Later", "2026-03-18")
    finished = _add(db, "Finished", "2026-03-01")
    _done(db, finished)

    def ids(*words, **flags) -> list[int]:
        with db.read() as s:
            return [f.id for f in followups.list_followups(s, words, now=NOW, **flags)]

    assert ids() == [late, today, week, later]
    assert ids(all_=True) == [finished, late, today, week, later]
    assert ids("status:done") == [finished]
    assert ids(overdue=True) == [late]
    assert ids(today=True) == [today]
    assert ids(week=True) == [today, week]
    assert ids(overdue=True, today=True) == [late, today]
    assert ids("due<today") == [late]
    assert ids("priority:high") == [late]
    assert ids("assignee:ann") == [today]
    assert ids("assignee:me") == [late, week, later]
    assert ids("contact:ann") == [late]
    assert ids("company:acme") == [late]
    assert ids("contact:2") == [today]
    assert ids("recurring:no") == [late, today, week, later]
    assert ids("week") == [week]
    assert ids(sort="-due") == [later, week, today, late]
    assert ids(limit=1) == [late]
    with pytest.raises(Invalid, match="unknown field 'colour'"):
        ids("colour:red")


def test_contact_and_company_sections_list_open_followups(db) -> None:
    with db.write("setup") as s:
        _contact(s, "Ann Lee", company="Acme")
    _add(db, "Late call", "2026-03-01", contact="Ann Lee")
    _add(db, "Weekly", "2026-03-20 09:00", contact="Ann Lee", every="week")
    _done(db, _add(db, "Old", "2026-03-01", contact="Ann Lee"))
    with db.read() as s:
        ann = s.get(Contact, 1)
        key, section = followups.contact_section(s, ann, now=NOW)
        view = contacts.contact_view(s, ann)
    assert key == "followups"
    assert [i["title"] for i in section["items"]] == ["Late call", "Weekly"]
    assert section["summary"] == {"open": 2, "overdue": 1}
    assert section["items"][1]["every"] == "every week"
    assert view["followups"]["items"][0]["id"] == 1
    with db.read() as s:
        from termcrm.models import Company

        _, company_section = followups.company_section(s, s.get(Company, 1), now=NOW)
    assert [i["title"] for i in company_section["items"]] == ["Late call", "Weekly"]


def test_followup_view_lists_the_next_dues(db) -> None:
    fid = _add(db, "Mon/Thu", "2026-03-12 09:00", every="mon,thu")
    with db.read() as s:
        view = followups.followup_view(s, s.get(Followup, fid), now=NOW)
    assert view["upcoming"] == ["2026-03-16T09:00:00+00:00", "2026-03-19T09:00:00+00:00", "2026-03-23T09:00:00+00:00"]
    assert view["recurrence_text"] == "every week on Monday and Thursday"
