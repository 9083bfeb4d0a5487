"""The Calendar screen: month counts, today's agenda, completing, snoozing and adding follow-ups."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select

from tui_support import FIXED, make, settle


def seed(db: Any) -> dict[str, int]:
    """Overdue on Fri 20th, a weekly call today (Mon 23rd) at 14:00, a proposal on Wed 25th; FIXED is Mon 09:00."""
    from termcrm.services import contacts, followups

    with db.write("seed") as s:
        ann = contacts.create_contact(s, contacts.ContactInput(first_name="Ann", last_name="Lee"))
        old = followups.add_followup(s, "Old task", due="2026-11-20", contact=ann, now=FIXED)
        call = followups.add_followup(s, "Call Ann", due="2026-11-23 14:00", contact=ann, every="week", now=FIXED)
        prop = followups.add_followup(s, "Send proposal", due="2026-11-25", now=FIXED)
        return {"old": old.id or 0, "call": call.id or 0, "prop": prop.id or 0, "ann": ann.id or 0}


async def open_calendar(pilot: Any) -> Any:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    return pilot.app.screen


def cell(screen: Any, day: date) -> Any:
    return next(c for c in screen.query("DayCell") if c.day == day)


def titles(screen: Any) -> list[str]:
    return [str(e["title"]) for e in screen.entries]


async def test_month_grid_counts_marks_today_and_colours_overdue_days(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(pilot)
        assert cal.counts[date(2026, 11, 20)] == (1, 1)
        assert cal.counts[date(2026, 11, 23)] == (1, 0)
        assert cal.counts[date(2026, 11, 25)] == (1, 0)
        assert cell(cal, date(2026, 11, 20)).has_class("-overdue")
        assert not cell(cal, date(2026, 11, 25)).has_class("-overdue")
        assert cell(cal, date(2026, 11, 23)).has_class("-today")
        assert cell(cal, date(2026, 11, 23)).has_class("-selected")
        assert str(cal.query_one("#month-title").render()) == "November 2026"


async def test_todays_agenda_puts_overdue_first_and_selects_the_first_followup(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(pilot)
        assert titles(cal) == ["Old task", "Call Ann"]
        assert cal.entries[0]["overdue"] is True
        assert cal.selected_entry()["title"] == "Old task"


async def test_space_completes_and_a_recurring_followup_rolls_forward(db, settings) -> None:
    from termcrm.models import Followup

    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(pilot)
        await pilot.press("tab", "down")
        assert cal.selected_entry()["title"] == "Call Ann"
        await pilot.press("space")
        await settle(pilot)
        assert titles(cal) == ["Old task"]
        assert cal.counts.get(date(2026, 11, 30)) == (1, 0)
    with db.read() as s:
        done = s.get(Followup, ids["call"])
        assert done is not None and done.status == "done"
        following = s.exec(select(Followup).where(Followup.title == "Call Ann", Followup.status == "open")).one()
        assert following.due_at.isoformat() == "2026-11-30T14:00:00+00:00"


async def test_s_snoozes_the_selected_followup(db, settings) -> None:
    from termcrm.models import Followup

    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(pilot)
        await pilot.press("s")
        await settle(pilot)
        app.screen.set_value("until", "2026-11-24 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert titles(cal) == ["Call Ann"]
    with db.read() as s:
        item = s.get(Followup, ids["old"])
        assert item is not None and item.due_at.isoformat() == "2026-11-24T10:00:00+00:00"


async def test_n_adds_a_followup_on_the_selected_day(db, settings) -> None:
    from termcrm.models import Followup

    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(pilot)
        await pilot.press("right", "right", "right")
        await settle(pilot)
        assert cal.day == date(2026, 11, 26)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.value_of("due") == "2026-11-26"
        for ch in "Demo":
            await pilot.press(ch)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert titles(cal) == ["Demo"]
    with db.read() as s:
        item = s.exec(select(Followup).where(Followup.title == "Demo")).one()
        assert (item.due_at.date().isoformat(), item.due_has_time) == ("2026-11-26", False)


async def test_arrows_pages_and_t_move_the_selected_day(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert cal.day == date(2026, 11, 30)
        await pilot.press("pagedown")
        await settle(pilot)
        assert cal.day == date(2026, 12, 30)
        assert str(cal.query_one("#month-title").render()) == "December 2026"
        await pilot.press("pageup", "pageup", "left")
        await settle(pilot)
        assert cal.day == date(2026, 10, 29)
        await pilot.press("t")
        await settle(pilot)
        assert cal.day == date(2026, 11, 23)


async def test_a_past_day_lists_what_was_due_including_done_ones(db, settings) -> None:
    from termcrm.services import followups

    ids = seed(db)
    with db.write("done") as s:
        followups.complete_followup(s, followups.get_followup(s, ids["old"]), now=FIXED)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(pilot)
        await pilot.press("left", "left", "left")
        await settle(pilot)
        assert cal.day == date(2026, 11, 20)
        assert [(e["title"], e["status"]) for e in cal.entries] == [("Old task", "done")]


async def test_clicking_a_day_selects_it(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(pilot)
        target = cell(cal, date(2026, 11, 25))
        await pilot.click(target)
        await settle(pilot)
        assert cal.day == date(2026, 11, 25)
        assert titles(cal) == ["Send proposal"]
