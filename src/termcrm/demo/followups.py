"""Demo follow-ups: overdue, due today, this week and later, some recurring, some done; cadences; birthdays.

About 30 follow-ups per 100 contacts (so the count follows ``ctx.scale``),
linked to contacts (and their company, and an open deal of theirs when the
sales demo made one), assigned to the contact's owner. The first few are
fixed so every demo shows each case: one overdue since last year, one
overdue by days, one due today at a time, one due today without a time, one
this week, recurring ones (weekly, Mondays and Thursdays, the last Friday
of the month) and a done one. About one contact in ten, among those talked to
in the last 90 days, gets a stay-in-touch cadence (some have lapsed); two
contacts get their birthday on the demo's today (local time). Rows go
in with Core inserts (the demo can be 100,000 contacts large); every time is
derived from ``ctx.now`` and every choice from ``rng``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm import dates, recurrence
from termcrm.models import Contact, Deal, Followup

TITLES = (
    "Call {first} about the {topic}",
    "Send {company} the revised quote",
    "Follow up on the proposal with {first}",
    "Check in with {first} after onboarding",
    "Book a demo for {company}",
    "Send {first} the contract",
    "Ask {first} for a referral",
    "Prepare the quarterly review for {company}",
    "Confirm the workshop date with {first}",
    "Chase the signed order form from {company}",
    "Share the case study with {first}",
    "Introduce {first} to support",
)
TOPICS = ("renewal", "expansion", "pilot", "rollout", "training", "invoice", "migration")
RULES = ("week", "mon,thu", "last friday of month", "2 weeks", "month", "weekdays")
CADENCES = (14, 30, 30, 60, 90)
PRIORITIES = ("low", "normal", "normal", "normal", "high")


def _count(ctx: Any) -> int:
    return max(12, round(60 * ctx.scale))


def _at(day: date, hour: int, minute: int) -> datetime:
    return dates.from_local(datetime.combine(day, time(hour, minute)))


def build(session: Session, rng: random.Random, ctx: Any) -> None:
    """Add follow-ups, cadences and birthdays (see the module docstring)."""
    if not ctx.contact_ids:
        return
    now: datetime = ctx.now
    today = dates.local_today(now=now)
    conn = session.connection()
    contact_t = Contact.__table__  # type: ignore[attr-defined]
    deal_t = Deal.__table__  # type: ignore[attr-defined]
    followup_t = Followup.__table__  # type: ignore[attr-defined]

    count = _count(ctx)
    chosen = [rng.choice(ctx.contact_ids) for _ in range(count)]
    info: dict[int, tuple[str, str | None, int | None, int | None]] = {}
    company_t = sa.table("company", sa.column("id"), sa.column("name"))
    wanted = sorted(set(chosen))
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        for cid, first, company_name, company_id, owner_id in conn.execute(
            sa.select(
                contact_t.c.id, contact_t.c.first_name, company_t.c.name, contact_t.c.company_id, contact_t.c.owner_id
            )
            .select_from(contact_t.outerjoin(company_t, company_t.c.id == contact_t.c.company_id))
            .where(contact_t.c.id.in_(chunk))
        ).all():
            info[int(cid)] = (str(first or "them"), company_name, company_id, owner_id)
    open_deals: dict[int, list[int]] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        for deal_id, cid in conn.execute(
            sa.select(deal_t.c.id, deal_t.c.contact_id)
            .where(deal_t.c.contact_id.in_(chunk), deal_t.c.status == "open", deal_t.c.archived_at.is_(None))
            .order_by(deal_t.c.id)
        ).all():
            open_deals.setdefault(int(cid), []).append(int(deal_id))

    fixed = ["last_year", "overdue", "today_time", "today_day", "week", "recurring", "recurring", "recurring", "done"]
    rows: list[dict[str, Any]] = []
    for index, cid in enumerate(chosen):
        first, company_name, company_id, owner_id = info.get(cid, ("them", None, None, None))
        kind = (
            fixed[index]
            if index < len(fixed)
            else rng.choices(
                ("overdue", "today_time", "week", "later", "done", "recurring"), weights=(20, 10, 25, 25, 12, 8)
            )[0]
        )
        title = rng.choice(TITLES).format(first=first, company=company_name or first, topic=rng.choice(TOPICS))
        has_time = rng.random() < 0.6
        hour, minute = rng.choice((9, 10, 11, 14, 15, 16)), rng.choice((0, 15, 30, 45))
        if kind == "last_year":
            day = today - timedelta(days=rng.randint(380, 420))
        elif kind == "overdue":
            day = today - timedelta(days=rng.randint(1, 20))
        elif kind in ("today_time", "today_day"):
            day, has_time = today, kind == "today_time"
        elif kind == "week":
            day = today + timedelta(days=rng.randint(1, 6))
        elif kind == "done":
            day = today - timedelta(days=rng.randint(1, 60))
        else:
            day = today + timedelta(days=rng.randint(0 if kind == "recurring" else 7, 60))
        due = _at(day, hour, minute) if has_time else dates.local_midnight(day)
        rule = None
        if kind == "recurring":
            phrase = RULES[index % len(RULES)] if index < len(fixed) else rng.choice(RULES)
            rule = recurrence.parse_every(phrase, start=due)
            due = (
                recurrence.next_occurrence(rule, first_due=due, after=due - timedelta(seconds=1), all_day=not has_time)
                or due
            )
        created = min(due, now) - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
        deals = open_deals.get(cid, [])
        done_at = min(due + timedelta(hours=rng.randint(0, 48)), now) if kind == "done" else None
        rows.append(
            {
                "title": title,
                "notes": None,
                "due_at": due,
                "due_has_time": has_time,
                "contact_id": cid,
                "company_id": company_id,
                "deal_id": rng.choice(deals) if deals and rng.random() < 0.4 else None,
                "ticket_id": None,
                "assignee_id": owner_id if owner_id is not None else rng.choice(ctx.user_ids or [None]),
                "priority": "high" if index < 2 else rng.choice(PRIORITIES),
                "recurrence": rule,
                "status": "done" if kind == "done" else "open",
                "done_at": done_at,
                "reminded_at": None,
                "created_at": created,
                "updated_at": done_at or created,
                "archived_at": None,
                "version": 1,
            }
        )
    for start in range(0, len(rows), 5000):
        conn.execute(sa.insert(followup_t), rows[start : start + 5000])

    # Cadences go to contacts talked to in the last 90 days, so some have lapsed and most have not.
    recent = [
        int(cid)
        for (cid,) in conn.execute(
            sa.select(contact_t.c.id)
            .where(contact_t.c.last_contacted_at >= now - timedelta(days=90))
            .order_by(contact_t.c.id)
        ).all()
    ]
    picked = rng.sample(recent, min(len(recent), max(1, len(ctx.contact_ids) // 10)))
    cadence_rows = [{"cid": cid, "days": rng.choice(CADENCES)} for cid in sorted(picked)]
    if cadence_rows:
        conn.execute(
            sa.update(contact_t).where(contact_t.c.id == sa.bindparam("cid")).values(cadence_days=sa.bindparam("days")),
            cadence_rows,
        )
    celebrants = rng.sample(ctx.contact_ids, min(2, len(ctx.contact_ids)))
    birthday_rows = []
    for cid in celebrants:
        year = today.year - rng.randint(25, 60)
        if (today.month, today.day) == (2, 29):
            year -= year % 4  # someone born on 29 February, in a leap year
        birthday_rows.append({"cid": cid, "day": date(year, today.month, today.day)})
    conn.execute(
        sa.update(contact_t).where(contact_t.c.id == sa.bindparam("cid")).values(birthday=sa.bindparam("day")),
        birthday_rows,
    )
