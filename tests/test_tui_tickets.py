"""The Tickets queue and the ticket view: SLA order, filters, comment, assign, status, resolve."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from tui_support import FIXED, column, make, settle, shown


def seed(db: Any) -> dict[str, int]:
    """An urgent ticket opened 2 h ago (first response due after 1 h: breached), a low one 1 h ago, a pending one."""
    from termcrm.services import contacts, kb, tickets, users

    with db.write("seed") as s:
        users.add_user(s, "bea")
        ann = contacts.create_contact(s, contacts.ContactInput(first_name="Ann", last_name="Lee"))
        late = tickets.open_ticket(s, "Cannot log in", contact=ann, priority="urgent", now=FIXED - timedelta(hours=2))
        calm = tickets.open_ticket(s, "Invoice copy", contact=ann, priority="low", now=FIXED - timedelta(hours=1))
        wait = tickets.open_ticket(s, "Feature question", contact=ann, priority="normal", now=FIXED)
        tickets.set_status(s, wait, "pending", now=FIXED)
        kb.create_article(s, "Cannot log in: reset your password", body="Use the reset link.", publish=True, now=FIXED)
        return {"late": late.id or 0, "calm": calm.id or 0, "wait": wait.id or 0}


async def open_queue(pilot: Any) -> Any:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    return pilot.app.screen


def ticket(db: Any, ticket_id: int) -> Any:
    """The ticket's fields now, readable after the session closes."""
    from types import SimpleNamespace

    from termcrm.models import Ticket

    with db.read() as s:
        found = s.get(Ticket, ticket_id)
        assert found is not None
        return SimpleNamespace(**found.model_dump())


async def test_queue_is_in_sla_order_with_time_left_and_breaches_marked(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await open_queue(pilot)
        table = queue.query_one("#tickets-table")
        assert column(table, 3) == ["Cannot log in", "Feature question", "Invoice copy"]
        sla = column(table, 6)
        assert sla[0] == "⚠ 1h over"
        assert sla[2] == "23h left"
        assert "1 breached" in shown(queue.query_one("#tickets-status-line"))


async def test_status_and_priority_filters(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await open_queue(pilot)
        queue.query_one("#tickets-status").value = "pending"
        await settle(pilot)
        assert column(queue.query_one("#tickets-table"), 3) == ["Feature question"]
        queue.query_one("#tickets-status").value = "working"
        queue.query_one("#tickets-priority").value = "low"
        await settle(pilot)
        assert column(queue.query_one("#tickets-table"), 3) == ["Invoice copy"]


async def test_r_resolves_the_selected_ticket(db, settings) -> None:
    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await open_queue(pilot)
        await pilot.press("r")
        await settle(pilot)
        app.screen.set_value("note", "Sent a reset link.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert column(queue.query_one("#tickets-table"), 3) == ["Feature question", "Invoice copy"]
    resolved = ticket(db, ids["late"])
    assert resolved.status == "resolved"
    assert resolved.resolved_at.isoformat() == FIXED.isoformat()


async def test_c_comments_a_assigns_and_s_changes_the_status(db, settings) -> None:
    from termcrm.models import TicketComment

    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)
        await pilot.press("c")
        await settle(pilot)
        app.screen.set_value("body", "Looking into it.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        options = app.screen.query_one("OptionList")
        statuses = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        await pilot.press(*["down"] * statuses.index("pending"), "enter")
        await settle(pilot)
    late = ticket(db, ids["late"])
    assert late.first_response_at is not None
    assert late.status == "pending"
    with db.read() as s:
        from termcrm.models import User

        assignee = s.get(User, late.assignee_id)
        assert assignee is not None and assignee.name == "bea"
        comments = s.exec(select(TicketComment).where(TicketComment.ticket_id == ids["late"])).all()
        assert [c.body for c in comments] == ["Looking into it."]


async def test_enter_opens_the_ticket_view_with_the_thread_and_matching_articles(db, settings) -> None:
    from termcrm.services import tickets
    from termcrm.tui.screens.ticket_view import TicketViewScreen

    ids = seed(db)
    with db.write("comment") as s:
        from termcrm.models import Ticket

        found = s.get(Ticket, ids["late"])
        tickets.add_comment(s, found, "It says my password is wrong.", customer=True, now=FIXED)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, TicketViewScreen)
        assert [c["text"] for c in view.thread] == ["It says my password is wrong."]
        assert "It says my password is wrong." in shown(view.query_one("#tv-thread-text"))
        assert [a["title"] for a in view.query_one("#tv-articles").items] == ["Cannot log in: reset your password"]
        assert "breached" in shown(view.query_one("#tv-fields"))
        view.query_one("#tv-articles").table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ArticleScreen"
        assert "reset your password" in shown(app.screen.query_one("#article-title"))
        assert "Use the reset link." in shown(app.screen.query_one("#article-body"))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert view.data["status"] == "resolved"
    assert ticket(db, ids["late"]).status == "resolved"
