"""Tickets through the services: SLA clocks, pauses, business hours, breaches, reopen, rating, queue, sections.

Every time is fixed by passing ``now=``; the expected due times are worked out
by hand from the default policy (urgent 1h/8h, high 4h/24h, normal 8h/72h,
low 24h/120h). 2026-03-02 is a Monday; the tests run with TZ=UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from termcrm.errors import Invalid
from termcrm.models import Company, Contact, Ticket, TicketStatusChange

MON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""Monday 2 March 2026, 09:00 UTC."""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """2026-03-<day> hour:minute UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _contact(s: Any, name: str = "Ann Lee", company: str | None = "Acme") -> Contact:
    from termcrm.services import contacts

    first, last = contacts.split_name(name)
    return contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last, company=company))


def _open(db: Any, subject: str = "Cannot log in", *, now: datetime = MON, priority: str = "normal", **kw: Any) -> int:
    from termcrm.services import tickets

    with db.write("test") as s:
        contact = s.exec(select(Contact)).first() or _contact(s)
        ticket = tickets.open_ticket(s, subject, contact=contact, priority=priority, now=now, **kw)
        return ticket.id or 0


def _do(db: Any, ticket_id: int, fn: str, *args: Any, **kw: Any) -> None:
    from termcrm.services import tickets

    with db.write("test") as s:
        getattr(tickets, fn)(s, s.get(Ticket, ticket_id), *args, **kw)


def _row(db: Any, ticket_id: int, now: datetime) -> dict[str, Any]:
    from termcrm.services import tickets

    with db.read() as s:
        return tickets.ticket_rows(s, [s.get(Ticket, ticket_id)], now)[0]


def _iso(dt: datetime) -> str:
    return dt.isoformat()


# ---------------------------------------------------------------- due times


def test_open_sets_due_times_from_the_priority_policy_around_the_clock(db) -> None:
    normal = _open(db, now=MON)
    urgent = _open(db, "Site down", now=MON, priority="urgent")
    row = _row(db, normal, MON)
    assert row["status"] == "new"
    assert row["first_response_due"] == _iso(at(2, 17))  # +8h
    assert row["resolution_due"] == _iso(at(5, 9))  # +72h
    row = _row(db, urgent, MON)
    assert row["first_response_due"] == _iso(at(2, 10))  # +1h
    assert row["resolution_due"] == _iso(at(2, 17))  # +8h
    assert row["time_left_seconds"] == 3600
    assert row["breached"] is False


def test_open_needs_a_customer_and_a_subject(db) -> None:
    from termcrm.services import tickets

    with db.write("test") as s:
        contact = _contact(s)
        with pytest.raises(Invalid, match="--contact"):
            tickets.open_ticket(s, "Help", now=MON)
        with pytest.raises(Invalid, match="subject"):
            tickets.open_ticket(s, "  ", contact=contact, now=MON)
        with pytest.raises(Invalid, match="priority"):
            tickets.open_ticket(s, "Help", contact=contact, priority="asap", now=MON)


def test_ticket_for_a_contact_takes_the_contacts_company(db) -> None:
    tid = _open(db)
    with db.read() as s:
        ticket = s.get(Ticket, tid)
        company = s.get(Company, ticket.company_id)
        assert company is not None and company.name == "Acme"


def test_business_hours_carry_targets_over_the_weekend(db) -> None:
    db.settings.values["sla.business_hours"] = "Mon-Fri 09:00-17:00"
    friday = at(6, 16)
    urgent = _open(db, "Outage", now=friday, priority="urgent")
    high = _open(db, "Slow", now=friday, priority="high")
    saturday = _open(db, "Question", now=at(7, 10), priority="normal")
    # urgent: 1h -> Fri 17:00; 8h -> 1h Friday + 7h Monday = Mon 16:00.
    row = _row(db, urgent, friday)
    assert row["first_response_due"] == _iso(at(6, 17))
    assert row["resolution_due"] == _iso(at(9, 16))
    # high: 4h -> 1h Friday + 3h Monday = Mon 12:00; 24h = 3 working days -> 1h Fri, 8h Mon, 8h Tue, 7h Wed.
    row = _row(db, high, friday)
    assert row["first_response_due"] == _iso(at(9, 12))
    assert row["resolution_due"] == _iso(at(11, 16))
    # Opened on Saturday: the clock starts Monday 09:00; 8h -> Mon 17:00.
    row = _row(db, saturday, at(7, 10))
    assert row["first_response_due"] == _iso(at(9, 17))
    # Over the weekend the resolution clock stands still: Sunday noon still has 7h left of it.
    sunday = _row(db, urgent, at(8, 12))
    assert (sunday["first_response_breached"], sunday["resolution_breached"]) == (True, False)
    assert _row(db, urgent, at(9, 15, 59))["resolution_breached"] is False
    assert _row(db, urgent, at(9, 16, 1))["resolution_breached"] is True


def test_pending_pause_over_a_weekend_counts_only_working_time(db) -> None:
    db.settings.values["sla.business_hours"] = "Mon-Fri 09:00-17:00"
    tid = _open(db, now=at(6, 10), priority="normal")  # Fri 10:00; 72h = 9 working days
    _do(db, tid, "add_comment", "Can you send the log?", now=at(6, 11))
    _do(db, tid, "set_status", "pending", now=at(6, 16))
    with db.read() as s:
        before = s.get(Ticket, tid).resolution_due
    _do(db, tid, "set_status", "open", now=at(9, 10))  # Mon 10:00: paused Fri 16-17 and Mon 9-10 = 2h
    with db.read() as s:
        ticket = s.get(Ticket, tid)
        assert ticket.paused_seconds == 2 * 3600
        assert ticket.pending_since is None
        # Before: Fri 10:00 + 9 working days = Thu 19 March 10:00; +2 working hours = 12:00.
        assert before == at(19, 10)
        assert ticket.resolution_due == at(19, 12)


# ---------------------------------------------------------------- pauses


def test_pending_pauses_the_resolution_clock_and_time_left_stays_frozen(db) -> None:
    tid = _open(db, now=MON)
    _do(db, tid, "add_comment", "Looking into it", now=at(2, 10))
    _do(db, tid, "set_status", "pending", now=at(2, 11))
    # Due Thu 09:00 with 70h left when the pause began; left stays 70h however long it waits.
    for later in (at(2, 15), at(10, 9)):
        row = _row(db, tid, later)
        assert row["time_left_seconds"] == 70 * 3600
        assert row["sla"] == "paused, 2d 22h left"
        assert row["breached"] is False
    assert _row(db, tid, at(2, 15))["resolution_due"] == _iso(at(5, 13))  # paused 4h so far
    _do(db, tid, "set_status", "open", now=at(2, 21))  # 10h pending
    with db.read() as s:
        ticket = s.get(Ticket, tid)
        assert ticket.paused_seconds == 10 * 3600
        assert ticket.resolution_due == at(5, 19)
        changes = s.exec(select(TicketStatusChange).where(TicketStatusChange.ticket_id == tid)).all()
        assert [(c.from_status, c.to_status) for c in changes] == [
            (None, "new"),
            ("new", "open"),
            ("open", "pending"),
            ("pending", "open"),
        ]


def test_pending_does_not_pause_the_first_response_clock(db) -> None:
    tid = _open(db, now=MON, priority="urgent")
    _do(db, tid, "set_status", "pending", now=at(2, 9, 30))
    row = _row(db, tid, at(2, 10, 30))
    assert row["first_response_breached"] is True
    assert row["resolution_breached"] is False
    assert row["time_left_seconds"] == -1800


def test_pause_after_the_due_time_does_not_undo_a_breach(db) -> None:
    tid = _open(db, now=MON, priority="urgent")  # resolution due 17:00
    _do(db, tid, "add_comment", "On it", now=at(2, 9, 30))
    _do(db, tid, "set_status", "pending", now=at(2, 18))
    _do(db, tid, "set_status", "open", now=at(2, 22))
    with db.read() as s:
        ticket = s.get(Ticket, tid)
        assert ticket.paused_seconds == 0
        assert ticket.resolution_due == at(2, 17)
    assert _row(db, tid, at(2, 22))["resolution_breached"] is True


def test_customer_reply_moves_a_pending_ticket_back_to_open(db) -> None:
    tid = _open(db, now=MON)
    _do(db, tid, "add_comment", "Which browser?", now=at(2, 10))
    _do(db, tid, "set_status", "pending", now=at(2, 10))
    _do(db, tid, "add_comment", "Firefox", customer=True, now=at(2, 12))
    with db.read() as s:
        ticket = s.get(Ticket, tid)
        assert ticket.status == "open"
        assert ticket.paused_seconds == 2 * 3600


# ---------------------------------------------------------------- first response and breaches


def test_first_public_comment_by_a_user_is_the_first_response(db) -> None:
    tid = _open(db, now=MON)
    _do(db, tid, "add_comment", "internal: check logs", internal=True, now=at(2, 9, 10))
    _do(db, tid, "add_comment", "Customer adds a detail", customer=True, now=at(2, 9, 20))
    row = _row(db, tid, at(2, 9, 30))
    assert row["first_response_at"] is None
    assert row["status"] == "new"
    _do(db, tid, "add_comment", "Hello, looking into it", now=at(2, 9, 45))
    _do(db, tid, "add_comment", "Second answer", now=at(2, 10))
    row = _row(db, tid, at(2, 11))
    assert row["first_response_at"] == _iso(at(2, 9, 45))
    assert row["status"] == "open"


def test_late_first_response_is_a_breach_that_stays(db) -> None:
    tid = _open(db, now=MON, priority="urgent")  # first response due 10:00
    _do(db, tid, "add_comment", "Sorry for the wait", now=at(2, 10, 30))
    _do(db, tid, "resolve_ticket", now=at(2, 12))
    row = _row(db, tid, at(3, 9))
    assert row["first_response_breached"] is True
    assert row["resolution_breached"] is False
    assert row["breached"] is True
    assert row["sla"] == "breached"


def test_resolved_late_counts_as_breached(db) -> None:
    late = _open(db, "Late", now=MON, priority="urgent")  # resolution due 17:00
    on_time = _open(db, "On time", now=MON, priority="urgent")
    for tid in (late, on_time):
        _do(db, tid, "add_comment", "On it", now=at(2, 9, 30))
    _do(db, late, "resolve_ticket", now=at(2, 17, 30))
    _do(db, on_time, "resolve_ticket", now=at(2, 16, 30))
    row = _row(db, late, at(4, 9))
    assert (row["status"], row["breached"], row["resolution_breached"]) == ("resolved", True, True)
    assert row["time_left_seconds"] is None
    assert _row(db, on_time, at(4, 9))["breached"] is False
    _do(db, late, "close_ticket", now=at(3, 9))
    assert _row(db, late, at(4, 9))["breached"] is True


def test_open_ticket_past_its_due_time_is_breached(db) -> None:
    tid = _open(db, now=MON, priority="urgent")
    assert _row(db, tid, at(2, 9, 59))["breached"] is False
    row = _row(db, tid, at(2, 10, 1))
    assert row["breached"] is True
    assert row["sla"] == "1m over"


def test_resolving_an_unanswered_ticket_counts_as_the_first_response(db) -> None:
    tid = _open(db, now=MON)
    _do(db, tid, "resolve_ticket", now=at(2, 12))
    row = _row(db, tid, at(2, 13))
    assert row["first_response_at"] == _iso(at(2, 12))
    assert row["breached"] is False


def test_resolve_note_is_a_public_comment(db) -> None:
    from termcrm.services import tickets

    tid = _open(db, now=MON)
    _do(db, tid, "resolve_ticket", note="Sent a new link", now=at(2, 10))
    with db.read() as s:
        view = tickets.ticket_view(s, s.get(Ticket, tid), at(2, 11))
    assert [(c["body"], c["public"]) for c in view["comments"]] == [("Sent a new link", True)]
    assert view["first_response_at"] == _iso(at(2, 10))


# ---------------------------------------------------------------- status, close, reopen


def test_resolve_close_and_status_rules(db) -> None:
    tid = _open(db, now=MON)
    _do(db, tid, "resolve_ticket", now=at(2, 10))
    with pytest.raises(Invalid, match="already resolved"):
        _do(db, tid, "resolve_ticket", now=at(2, 11))
    _do(db, tid, "close_ticket", now=at(3, 10))
    with pytest.raises(Invalid, match="already closed"):
        _do(db, tid, "close_ticket", now=at(3, 11))
    with pytest.raises(Invalid, match="already closed"):
        _do(db, tid, "set_status", "closed", now=at(3, 11))
    with pytest.raises(Invalid, match="not one of"):
        _do(db, tid, "set_status", "done", now=at(3, 11))
    row = _row(db, tid, at(4, 9))
    assert (row["status"], row["resolved_at"], row["closed_at"]) == ("closed", _iso(at(2, 10)), _iso(at(3, 10)))


def test_closing_an_open_ticket_resolves_it_too(db) -> None:
    tid = _open(db, now=MON)
    _do(db, tid, "close_ticket", now=at(2, 12))
    row = _row(db, tid, at(2, 13))
    assert (row["status"], row["resolved_at"], row["closed_at"]) == ("closed", _iso(at(2, 12)), _iso(at(2, 12)))


def test_reopen_clears_resolution_and_resumes_the_clock_where_it_stopped(db) -> None:
    tid = _open(db, now=MON)  # normal: resolution due Thu 09:00
    _do(db, tid, "add_comment", "Hi", now=at(2, 10))
    _do(db, tid, "resolve_ticket", now=at(2, 12))  # 69h before the due time
    _do(db, tid, "rate_ticket", 4, now=at(2, 13))
    _do(db, tid, "close_ticket", now=at(3, 9))
    _do(db, tid, "reopen_ticket", now=at(3, 12))  # 24h after resolving
    row = _row(db, tid, at(3, 12))
    assert row["status"] == "open"
    assert row["resolved_at"] is None and row["closed_at"] is None
    assert row["first_response_at"] == _iso(at(2, 10))
    assert row["satisfaction"] == 4
    assert row["paused_seconds"] == 24 * 3600
    assert row["resolution_due"] == _iso(at(6, 9))  # Thu 09:00 + 24h paused
    assert row["time_left_seconds"] == 69 * 3600
    with pytest.raises(Invalid, match="nothing to reopen"):
        _do(db, tid, "reopen_ticket", now=at(3, 13))


def test_reopening_a_late_resolution_stays_breached(db) -> None:
    tid = _open(db, now=MON, priority="urgent")  # resolution due 17:00
    _do(db, tid, "add_comment", "On it", now=at(2, 9, 30))
    _do(db, tid, "resolve_ticket", now=at(2, 18))
    _do(db, tid, "reopen_ticket", now=at(3, 9))
    row = _row(db, tid, at(3, 9))
    assert row["resolution_due"] == _iso(at(2, 17))
    assert row["breached"] is True
    assert row["sla"] == "16h over"


def test_status_back_to_open_from_resolved_reopens(db) -> None:
    tid = _open(db, now=MON)
    _do(db, tid, "resolve_ticket", now=at(2, 10))
    _do(db, tid, "set_status", "pending", now=at(2, 11))
    row = _row(db, tid, at(2, 12))
    assert (row["status"], row["resolved_at"], row["pending_since"]) == ("pending", None, _iso(at(2, 11)))


# ---------------------------------------------------------------- rating, priority, assign, archive


def test_rating_needs_a_resolved_or_closed_ticket_and_a_score_from_1_to_5(db) -> None:
    from termcrm.services import tickets

    tid = _open(db, now=MON)
    with pytest.raises(Invalid, match="only a resolved or closed ticket"):
        _do(db, tid, "rate_ticket", 5)
    _do(db, tid, "resolve_ticket", now=at(2, 10))
    for bad in (0, 6):
        with pytest.raises(Invalid, match="1 to 5"):
            _do(db, tid, "rate_ticket", bad)
    _do(db, tid, "rate_ticket", 2, comment="slow")
    _do(db, tid, "rate_ticket", 5)
    row = _row(db, tid, at(2, 11))
    assert (row["satisfaction"], row["satisfaction_comment"]) == (5, None)
    with pytest.raises(Invalid):
        tickets.parse_score("five")
    assert tickets.parse_score(" 3 ") == 3


def test_changing_priority_re_dates_both_clocks_keeping_paused_time(db) -> None:
    from termcrm.services import tickets

    tid = _open(db, now=MON)
    _do(db, tid, "add_comment", "Hi", now=at(2, 9, 10))
    _do(db, tid, "set_status", "pending", now=at(2, 9, 30))
    _do(db, tid, "set_status", "open", now=at(2, 10, 30))  # 1h paused
    _do(db, tid, "update_ticket", tickets.TicketChanges(priority="urgent"), now=at(2, 11))
    row = _row(db, tid, at(2, 11))
    assert row["priority"] == "urgent"
    assert row["first_response_due"] == _iso(at(2, 10))
    assert row["resolution_due"] == _iso(at(2, 18))  # 8h + 1h paused


def test_assign_opens_a_new_ticket_and_none_unassigns(db) -> None:
    tid = _open(db, now=MON)
    _do(db, tid, "assign_ticket", "dana", now=at(2, 9, 5))
    row = _row(db, tid, at(2, 9, 10))
    assert (row["assignee"], row["status"], row["first_response_at"]) == ("dana", "open", None)
    _do(db, tid, "assign_ticket", "none")
    assert _row(db, tid, at(2, 9, 10))["assignee"] is None


def test_archive_hides_the_ticket_and_undo_brings_it_back(db) -> None:
    from termcrm.services import history, tickets

    tid = _open(db, now=MON)
    _do(db, tid, "archive_ticket")
    with db.read() as s:
        assert tickets.queue(s, now=at(2, 10)) == []
        assert [t.id for t in tickets.queue(s, archived=True, now=at(2, 10))] == [tid]
    with pytest.raises(Invalid, match="already archived"):
        _do(db, tid, "archive_ticket")
    with db.write("undo") as s:
        assert "archive ticket" in history.undo(s).summary
    with db.read() as s:
        assert [t.id for t in tickets.queue(s, now=at(2, 10))] == [tid]


# ---------------------------------------------------------------- queue and filters


def _queue(db: Any, words: list[str] | None = None, now: datetime = at(2, 12), **kw: Any) -> list[str]:
    from termcrm.services import tickets

    with db.read() as s:
        return [t.subject for t in tickets.queue(s, words or [], now=now, **kw)]


def test_queue_puts_breached_first_then_the_nearest_due(db) -> None:
    _open(db, "A normal", now=at(2, 9), priority="normal")  # first response due 17:00
    _open(db, "B urgent", now=at(2, 9), priority="urgent")  # due 10:00: breached at noon
    _open(db, "C high", now=at(2, 11), priority="high")  # due 15:00
    _open(db, "D low", now=at(2, 8), priority="low")  # due Tue 08:00
    _open(db, "E urgent", now=at(2, 10, 30), priority="urgent")  # due 11:30: breached
    done = _open(db, "F resolved", now=at(2, 8), priority="urgent")
    _do(db, done, "resolve_ticket", now=at(2, 8, 30))
    assert _queue(db) == ["B urgent", "E urgent", "C high", "A normal", "D low"]
    assert _queue(db, breached_only=True) == ["B urgent", "E urgent"]
    assert _queue(db, limit=2) == ["B urgent", "E urgent"]
    assert "F resolved" in _queue(db, all_statuses=True)
    assert _queue(db, ["status:resolved"]) == ["F resolved"]
    assert _queue(db, sort="-priority") == ["B urgent", "E urgent", "C high", "A normal", "D low"]
    assert _queue(db, sort="priority,-created")[:2] == ["D low", "A normal"]


def test_queue_filters(db) -> None:
    from termcrm.services import tickets

    with db.write("setup") as s:
        ann = _contact(s, "Ann Lee", "Acme")
        bob = _contact(s, "Bob Stone", "Globex")
        tickets.open_ticket(s, "Printer jam", contact=ann, priority="high", type="incident", channel="phone", now=MON)
        tickets.open_ticket(s, "Refund please", contact=bob, type="request", assignee="tester", now=MON)
        t3 = tickets.open_ticket(s, "Password reset", contact=ann, assignee="dana", now=at(3, 9))
        tickets.set_status(s, t3, "pending", now=at(3, 10))
    now = at(3, 11)
    assert _queue(db, ["priority:high"], now) == ["Printer jam"]
    assert _queue(db, ["type:request"], now) == ["Refund please"]
    assert _queue(db, ["channel:phone"], now) == ["Printer jam"]
    assert sorted(_queue(db, ["contact:ann"], now)) == ["Password reset", "Printer jam"]
    assert _queue(db, ["company:globex"], now) == ["Refund please"]
    assert _queue(db, ["assignee:dana"], now) == ["Password reset"]
    assert _queue(db, ["assignee:none"], now) == ["Printer jam"]
    assert _queue(db, ["status:pending"], now) == ["Password reset"]
    assert _queue(db, ["created>2026-03-02"], now) == ["Password reset"]
    assert _queue(db, ["printer"], now) == ["Printer jam"]
    assert _queue(db, mine=True, now=now) == ["Refund please"]
    assert _queue(db, ["assignee:me"], now) == ["Refund please"]
    with pytest.raises(Invalid, match="unknown field"):
        _queue(db, ["colour:red"], now)
    with pytest.raises(Invalid, match="not one of"):
        _queue(db, ["status:done"], now)


def test_rows_have_the_documented_json_keys(db) -> None:
    tid = _open(db, now=MON)
    row = _row(db, tid, MON)
    for key in (
        "id", "subject", "status", "priority", "type", "channel", "contact_id", "company_id", "assignee",
        "created_at", "first_response_at", "first_response_due", "resolution_due", "resolved_at", "breached",
        "satisfaction", "time_left_seconds", "closed_at", "satisfaction_comment",
    ):  # fmt: skip
        assert key in row, key


# ---------------------------------------------------------------- view and sections


def test_ticket_view_has_clocks_thread_and_matching_published_articles(db) -> None:
    from termcrm.services import kb, tickets

    with db.write("kb") as s:
        kb.create_article(s, "Resetting your password", body="Use the reset link.", publish=True)
        kb.create_article(s, "Password policy draft", body="Minimum length.", publish=False)
        kb.create_article(s, "Printer drivers", body="Download drivers.", publish=True)
    tid = _open(db, "Cannot reset my password", now=MON)
    _do(db, tid, "add_comment", "Looking", now=at(2, 10))
    _do(db, tid, "add_comment", "note", internal=True, now=at(2, 10, 5))
    with db.read() as s:
        view = tickets.ticket_view(s, s.get(Ticket, tid), at(2, 11))
    assert [c["name"] for c in view["clocks"]] == ["first response", "resolution"]
    assert view["clocks"][0]["state"] == "met"
    assert view["clocks"][1]["state"] == "running"
    assert [(c["body"], c["public"], c["author"]) for c in view["comments"]] == [
        ("Looking", True, "tester"),
        ("note", False, "tester"),
    ]
    assert [a["title"] for a in view["suggested_articles"]] == ["Resetting your password"]
    assert [c["to"] for c in view["status_changes"]] == ["new", "open"]


def test_contact_and_company_sections_show_open_tickets_last_resolved_and_average_rating(db) -> None:
    from termcrm.services import tickets

    with db.write("setup") as s:
        ann = _contact(s, "Ann Lee", "Acme")
        bob = _contact(s, "Bob Stone", "Acme")
        other = _contact(s, "Cy Young", "Globex")
        t1 = tickets.open_ticket(s, "First", contact=ann, now=MON)
        tickets.resolve_ticket(s, t1, now=at(2, 10))
        tickets.rate_ticket(s, t1, 5)
        t2 = tickets.open_ticket(s, "Second", contact=ann, now=MON)
        tickets.resolve_ticket(s, t2, now=at(2, 11))
        tickets.rate_ticket(s, t2, 2)
        tickets.open_ticket(s, "Still open", contact=ann, priority="urgent", now=MON)
        tickets.open_ticket(s, "Bob's", contact=bob, now=MON)
        tickets.open_ticket(s, "Elsewhere", contact=other, now=MON)
        ids = (ann.id, ann.company_id, other.id)
    with db.read() as s:
        key, section = tickets.contact_section(s, s.get(Contact, ids[0]), now=at(2, 12))
        assert key == "tickets"
        assert section["summary"]["open"] == 1
        assert section["summary"]["breached"] == 1
        assert section["summary"]["last resolved"] == "#2 Second (2026-03-02)"
        assert section["summary"]["average satisfaction"] == 3.5
        assert [i["subject"] for i in section["items"]] == ["Still open"]
        _key, company = tickets.company_section(s, s.get(Company, ids[1]), now=at(2, 12))
        assert company["summary"]["open"] == 2
        assert company["summary"]["total"] == 4
        assert [i["subject"] for i in company["items"]] == ["Still open", "Bob's"]
        lonely = _contact(s, "No Tickets", None)
        assert tickets.contact_section(s, lonely) is None


def test_contact_show_json_includes_the_tickets_section(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    crm.ok("ticket", "open", "Broken", "--contact", "Ann")
    data = crm.ok("contact", "show", "Ann", "-f", "json").json()
    assert data["tickets"]["summary"]["open"] == 1
    assert data["tickets"]["items"][0]["subject"] == "Broken"
    company = crm.ok("company", "show", "Acme", "-f", "json").json()
    assert company["tickets"]["summary"]["open"] == 1
    table = crm.ok("contact", "show", "Ann").stdout
    assert "Tickets" in table and "Broken" in table
