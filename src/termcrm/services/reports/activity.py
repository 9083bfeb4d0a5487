"""Activity report: who talked to whom, how, and whether promised follow-ups were kept.

Interactions are those with ``occurred_at`` in the window (``--owner``: logged
by that user); contacts touched counts distinct contacts with at least one of
them. Follow-ups completed are those marked done with ``done_at`` in the
window (``--owner``: assigned to that user); one is on time when done by its
due time, or for a follow-up due on a day (no time), within that day
(24 hours from its start); otherwise it is late.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.services.reports import Col, Report, ReportParams, Section, Window, owner_id, ratio, user_names
from termcrm.services.reports._sql import FOLLOWUP, INTERACTION, bucket, days_between, whole

TITLE = "Activity"
SUMMARY = "interactions by kind, user and period; contacts touched; follow-ups on time vs late"


PERIOD_SCANS = 200
"""Up to this many periods each period's interactions are counted with their own index range."""


def _per_period(live: list[Any], inter: list[Any], window: Window) -> Any:
    """SQL: (slot, n, touched) per period: interactions and distinct contacts (``live``: the
    conditions but the window's bounds, ``inter``: all of them).

    Each period is one range of ``ix_interaction_report`` (by time) with its own count of distinct
    contacts; grouping by a period computed per row sorted every interaction of the window. Past
    :data:`PERIOD_SCANS` periods (a compound SELECT has a limit) they are grouped by period.
    """
    t = INTERACTION.c
    touched = sa.func.count(sa.distinct(t.contact_id))
    periods = window.periods
    if len(periods) > PERIOD_SCANS:
        slot = bucket(t.occurred_at, [p.end for p in periods]).label("slot")
        return sa.select(slot, sa.func.count().label("n"), touched.label("touched")).where(*inter).group_by(slot)
    # each range bounded by its period clipped to the window, and by nothing else on the time (the
    # planner could take the window's bounds for the range instead)
    parts = [
        sa.select(sa.literal(index).label("slot"), sa.func.count().label("n"), touched.label("touched")).where(
            *live, t.occurred_at >= max(p.start, window.since), t.occurred_at < min(p.end, window.until)
        )
        for index, p in enumerate(periods)
    ]
    return sa.union_all(*parts)


def build(session: Session, params: ReportParams) -> Report:
    """Compute the activity report."""
    window = params.window()
    owner = owner_id(session, params)
    periods = window.periods

    live = [INTERACTION.c.archived_at.is_(None)]
    if owner is not None:
        live.append(INTERACTION.c.user_id == owner)
    inter = [*live, INTERACTION.c.occurred_at >= window.since, INTERACTION.c.occurred_at < window.until]
    touched = sa.func.count(sa.distinct(INTERACTION.c.contact_id))

    fu = FOLLOWUP.c
    done = [fu.status == "done", fu.done_at.is_not(None), fu.done_at >= window.since, fu.done_at < window.until]
    if owner is not None:
        done.append(fu.assignee_id == owner)
    on_time = sa.or_(
        sa.and_(fu.due_has_time.is_(True), fu.done_at <= fu.due_at),
        sa.and_(fu.due_has_time.is_(False), days_between(fu.done_at, fu.due_at) < 1),
    )
    on_time_n = sa.func.sum(sa.case((on_time, 1), else_=0)).label("on_time")
    done_n = sa.func.count().label("done")

    totals = session.execute(sa.select(sa.func.count().label("n"), touched.label("touched")).where(*inter)).one()
    # follow-ups: one query by assignee and period; the totals add up those few groups
    fu_slot = bucket(fu.done_at, [p.end for p in window.periods]).label("slot")
    fu_groups = session.execute(
        sa.select(fu.assignee_id, fu_slot, done_n, on_time_n).where(*done).group_by(fu.assignee_id, fu_slot)
    ).all()
    fu_done = sum(whole(r.done) for r in fu_groups)
    fu_on_time = sum(whole(r.on_time) for r in fu_groups)
    summary = [
        {
            "interactions": whole(totals.n),
            "contacts_touched": whole(totals.touched),
            "followups_done": fu_done,
            "on_time": fu_on_time,
            "late": fu_done - fu_on_time,
            "on_time_rate": ratio(fu_on_time, fu_done),
        }
    ]

    kinds = session.execute(
        sa.select(INTERACTION.c.kind, sa.func.count().label("n"))
        .where(*inter)
        .group_by(INTERACTION.c.kind)
        .order_by(sa.func.count().desc(), INTERACTION.c.kind)
    ).all()
    kind_rows = [
        {"kind": r.kind, "interactions": whole(r.n), "share": ratio(whole(r.n), whole(totals.n))} for r in kinds
    ]

    by_user: dict[int | None, dict[str, Any]] = {}

    def user_row(uid: int | None) -> dict[str, Any]:
        return by_user.setdefault(
            uid, {"user_id": uid, "interactions": 0, "contacts_touched": 0, "followups_done": 0, "on_time": 0}
        )

    for r in session.execute(
        sa.select(INTERACTION.c.user_id, sa.func.count().label("n"), touched.label("touched"))
        .where(*inter)
        .group_by(INTERACTION.c.user_id)
    ):
        row = user_row(r.user_id)
        row["interactions"] = whole(r.n)
        row["contacts_touched"] = whole(r.touched)
    fu_period: dict[int, dict[str, int]] = {}
    for r in fu_groups:
        row = user_row(r.assignee_id)
        row["followups_done"] += whole(r.done)
        row["on_time"] += whole(r.on_time)
        if r.slot is not None:
            in_period = fu_period.setdefault(int(r.slot), {"done": 0, "on_time": 0})
            in_period["done"] += whole(r.done)
            in_period["on_time"] += whole(r.on_time)
    names = user_names(session, by_user)
    user_rows = []
    for uid, row in by_user.items():
        row["user"] = names.get(uid, "(nobody)") if uid is not None else "(nobody)"
        row["late"] = row["followups_done"] - row["on_time"]
        user_rows.append(row)
    user_rows.sort(key=lambda r: (-r["interactions"], -r["followups_done"], r["user"]))

    per_period = {int(r.slot): r for r in session.execute(_per_period(live, inter, window)) if r.slot is not None}
    period_rows = []
    for index, p in enumerate(periods):
        got = per_period.get(index)
        fgot = fu_period.get(index)
        period_rows.append(
            {
                "period": p.key,
                "interactions": whole(got.n) if got else 0,
                "contacts_touched": whole(got.touched) if got else 0,
                "followups_done": fgot["done"] if fgot else 0,
                "on_time": fgot["on_time"] if fgot else 0,
            }
        )

    sections = [
        Section(
            "summary",
            "Summary",
            [
                Col("interactions", kind="int"),
                Col("contacts_touched", "contacts touched", "int"),
                Col("followups_done", "follow-ups done", "int"),
                Col("on_time", "on time", "int"),
                Col("late", kind="int"),
                Col("on_time_rate", "on-time rate", "percent"),
            ],
            summary,
        ),
        Section(
            "kinds",
            "Interactions by kind",
            [Col("kind"), Col("interactions", kind="int"), Col("share", kind="percent")],
            kind_rows,
            bar="interactions",
            empty="no interactions in this window",
        ),
        Section(
            "users",
            "By user",
            [
                Col("user"),
                Col("interactions", kind="int"),
                Col("contacts_touched", "contacts touched", "int"),
                Col("followups_done", "follow-ups done", "int"),
                Col("on_time", "on time", "int"),
                Col("late", kind="int"),
            ],
            [{k: v for k, v in r.items() if k != "user_id"} for r in user_rows],
            bar="interactions",
            empty="no activity in this window",
        ),
        Section(
            "periods",
            f"By {params.period}",
            [
                Col("period"),
                Col("interactions", kind="int"),
                Col("contacts_touched", "contacts touched", "int"),
                Col("followups_done", "follow-ups done", "int"),
                Col("on_time", "on time", "int"),
            ],
            period_rows,
            bar="interactions",
            spark="interactions",
        ),
    ]
    return Report("activity", TITLE, params.as_dict(window), sections)
