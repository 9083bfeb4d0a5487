"""Performance report: what each user sold against quota, and the work behind it.

Over the window (by default the current ``--period`` so far), per user:

* deals created (owner, ``created_at`` in the window) and won (owner, won
  with ``closed_at`` in the window); interactions logged; tickets resolved
  (assignee, ``resolved_at`` in the window) and their average satisfaction;
* per currency, won revenue against quota. The quota is the sum of the user's
  quotas whose period lies wholly inside the window, taking the coarsest kind
  present (a year, else quarters, else months), so a Q4 window uses the Q4
  quota when one is set and the sum of October-December otherwise.
  Attainment = won revenue / quota.

``--owner`` shows one user; ``--pipeline`` limits the deals.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlmodel import Session

from termcrm.services.reports import (
    Col,
    Report,
    ReportParams,
    Section,
    Window,
    owner_id,
    pipeline_id,
    ratio,
    user_names,
)
from termcrm.services.reports._sql import DEAL, INTERACTION, QUOTA, TICKET, num, whole

TITLE = "Performance by user"
SUMMARY = "won revenue against quota, deals created and won, interactions, tickets resolved, satisfaction"


LEVELS = ("month", "quarter", "year")
"""Quota period kinds, finest first."""


def quota_keys(window: Window) -> dict[str, str]:
    """Every month, quarter and year lying wholly inside the window's periods: key -> kind.

    The window is taken to the end of its last period, so the current month
    counts in full although it is not over yet.
    """
    from termcrm.dates import local_midnight, to_local

    keys: dict[str, str] = {}
    since, until = window.since, max(window.until, window.periods[-1].end)
    first = to_local(since).date().replace(day=1)
    last = to_local(until).date()
    for kind, months in (("month", 1), ("quarter", 3), ("year", 12)):
        day = date(first.year, 1, 1)
        while day <= last:
            end = day + relativedelta(months=months)
            if local_midnight(day) >= since and local_midnight(end) <= until:
                if kind == "month":
                    keys[day.strftime("%Y-%m")] = kind
                elif kind == "quarter":
                    keys[f"{day.year}-Q{(day.month - 1) // 3 + 1}"] = kind
                else:
                    keys[str(day.year)] = kind
            day = end
    return keys


def build(session: Session, params: ReportParams) -> Report:
    """Compute the performance report."""
    window = params.window(default_periods=1)
    owner = owner_id(session, params)
    pid = pipeline_id(session, params)
    deal_scope: list[Any] = [DEAL.c.archived_at.is_(None)]
    if pid is not None:
        deal_scope.append(DEAL.c.pipeline_id == pid)
    if owner is not None:
        deal_scope.append(DEAL.c.owner_id == owner)

    users: dict[int, dict[str, Any]] = {}

    def user(uid: int) -> dict[str, Any]:
        return users.setdefault(
            uid,
            {
                "user_id": uid,
                "deals_created": 0,
                "deals_won": 0,
                "interactions": 0,
                "tickets_resolved": 0,
                "satisfaction_avg": None,
            },
        )

    for r in session.execute(
        sa.select(DEAL.c.owner_id, sa.func.count().label("n"))
        .where(*deal_scope, DEAL.c.owner_id.is_not(None))
        .where(DEAL.c.created_at >= window.since, DEAL.c.created_at < window.until)
        .group_by(DEAL.c.owner_id)
    ):
        user(int(r.owner_id))["deals_created"] = whole(r.n)

    revenue: dict[tuple[int, str], dict[str, Any]] = {}
    for r in session.execute(
        sa.select(DEAL.c.owner_id, DEAL.c.currency, sa.func.count().label("n"), sa.func.sum(DEAL.c.amount).label("won"))
        .where(*deal_scope, DEAL.c.owner_id.is_not(None), DEAL.c.status == "won")
        .where(DEAL.c.closed_at >= window.since, DEAL.c.closed_at < window.until)
        .group_by(DEAL.c.owner_id, DEAL.c.currency)
    ):
        user(int(r.owner_id))["deals_won"] += whole(r.n)
        revenue[(int(r.owner_id), r.currency)] = {"won": whole(r.won)}

    inter = [
        INTERACTION.c.archived_at.is_(None),
        INTERACTION.c.user_id.is_not(None),
        INTERACTION.c.occurred_at >= window.since,
        INTERACTION.c.occurred_at < window.until,
    ]
    if owner is not None:
        inter.append(INTERACTION.c.user_id == owner)
    for r in session.execute(
        sa.select(INTERACTION.c.user_id, sa.func.count().label("n")).where(*inter).group_by(INTERACTION.c.user_id)
    ):
        user(int(r.user_id))["interactions"] = whole(r.n)

    solved = [
        TICKET.c.archived_at.is_(None),
        TICKET.c.assignee_id.is_not(None),
        TICKET.c.resolved_at >= window.since,
        TICKET.c.resolved_at < window.until,
    ]
    if owner is not None:
        solved.append(TICKET.c.assignee_id == owner)
    for r in session.execute(
        sa.select(TICKET.c.assignee_id, sa.func.count().label("n"), sa.func.avg(TICKET.c.satisfaction).label("csat"))
        .where(*solved)
        .group_by(TICKET.c.assignee_id)
    ):
        row = user(int(r.assignee_id))
        row["tickets_resolved"] = whole(r.n)
        row["satisfaction_avg"] = num(r.csat)

    keys = quota_keys(window)
    if keys:
        quota_stmt = sa.select(QUOTA.c.user_id, QUOTA.c.period, QUOTA.c.currency, QUOTA.c.amount).where(
            QUOTA.c.period.in_(sorted(keys))
        )
        if owner is not None:
            quota_stmt = quota_stmt.where(QUOTA.c.user_id == owner)
        quotas = session.execute(quota_stmt).all()
        coarsest: dict[int, int] = {}
        for q in quotas:
            coarsest[int(q.user_id)] = max(coarsest.get(int(q.user_id), 0), LEVELS.index(keys[q.period]))
        for q in quotas:
            if LEVELS.index(keys[q.period]) == coarsest[int(q.user_id)]:
                cell = revenue.setdefault((int(q.user_id), q.currency), {"won": 0})
                cell["quota"] = cell.get("quota", 0) + int(q.amount)
                user(int(q.user_id))

    names = user_names(session, users)
    user_rows = sorted(
        (
            {"user": names.get(uid, f"#{uid}"), **{k: v for k, v in row.items() if k != "user_id"}}
            for uid, row in users.items()
        ),
        key=lambda r: (-r["deals_won"], -r["deals_created"], r["user"]),
    )
    revenue_rows = sorted(
        (
            {
                "user": names.get(uid, f"#{uid}"),
                "currency": currency,
                "won": cell["won"],
                "quota": cell.get("quota"),
                "attainment": ratio(cell["won"], cell.get("quota")),
            }
            for (uid, currency), cell in revenue.items()
        ),
        key=lambda r: (r["currency"], -r["won"], r["user"]),
    )
    sections = [
        Section(
            "revenue",
            "Won revenue against quota",
            [
                Col("user"),
                Col("currency"),
                Col("won", kind="money"),
                Col("quota", kind="money"),
                Col("attainment", kind="percent"),
            ],
            revenue_rows,
            bar="won",
            empty="no won deals and no quota in this window",
        ),
        Section(
            "users",
            "Activity by user",
            [
                Col("user"),
                Col("deals_created", "deals created", "int"),
                Col("deals_won", "deals won", "int"),
                Col("interactions", kind="int"),
                Col("tickets_resolved", "tickets resolved", "int"),
                Col("satisfaction_avg", "satisfaction avg", "number"),
            ],
            user_rows,
            bar="deals_won",
            empty="no activity in this window",
        ),
    ]
    return Report("performance", TITLE, params.as_dict(window), sections)
