"""Tickets report: the open queue, SLA compliance, response and resolution times, satisfaction, backlog.

* **Open now** (a snapshot at ``now``): tickets in status new, open or pending by
  priority, and how many of them are breached now: the first response is
  overdue and missing, or the resolution is overdue (a pending ticket's clock is
  paused, so it counts only when it was already overdue when it went pending).
* **SLA** over the tickets created in the window, per priority: a target is
  *met* when the first response (resolution) came by its due time and
  *breached* when it came late or is missing after the due time (a ticket
  resolved or closed without a public reply is judged by its resolution time,
  as the ticket's own clock does); tickets whose target is not yet due are in
  neither. Compliance = met / (met + breached).
  Medians are elapsed hours from creation to the first response and to
  resolution (wall-clock hours, pauses included).
* **Satisfaction**: the scores (1-5) of the tickets created in the window.
* **Backlog**: per period, tickets created, tickets resolved (by resolved time,
  else closed time), and the backlog at the end of the period (created before
  it and not resolved by then).

``--owner`` keeps the tickets assigned to that user.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.services.reports import Col, Report, ReportParams, Section, owner_id, ratio
from termcrm.services.reports._sql import TICKET, at, bucket, days_between, fetch_rows, whole
from termcrm.vocab import TICKET_PRIORITIES

TITLE = "Tickets and SLA"
SUMMARY = "open queue, SLA compliance, median response and resolution times, satisfaction, backlog"

PRIORITY_ORDER = tuple(reversed(TICKET_PRIORITIES))
"""Most urgent first."""

OPEN_STATUSES = ("new", "open", "pending")
DONE_STATUSES = ("resolved", "closed")


def breached_now(now: Any) -> Any:
    """SQL: an open ticket is past a target right now (see the module docstring)."""
    t = TICKET.c
    first = sa.and_(t.first_response_at.is_(None), t.first_response_due.is_not(None), t.first_response_due < now)
    resolution = sa.and_(
        t.resolution_due.is_not(None),
        t.resolved_at.is_(None),
        sa.or_(
            sa.and_(t.status != "pending", t.resolution_due < now),
            sa.and_(t.status == "pending", t.pending_since.is_not(None), t.pending_since > t.resolution_due),
        ),
    )
    return sa.or_(first, resolution)


def _resolved() -> Any:
    return sa.func.coalesce(TICKET.c.resolved_at, TICKET.c.closed_at)


def _medians(session: Session, values: dict[str, Any], where: list[Any]) -> dict[str, dict[str, float]]:
    """The median of each of ``values`` (name -> SQL value) per priority and for ``"all"`` over the rows
    matching ``where``, NULLs skipped.

    The values are computed in SQL, one row per ticket, and the middle ones picked here: a median
    needs the values in order, and SQLite sorts tens of thousands of rows slower than Python
    (bounded sorts per value and priority, the form before, took about 1.3 G instructions on
    50,000 tickets, window functions more). The rows come back as plain tuples, so the middle
    values are the very numbers the database computed, averaged as before.
    """
    names = list(values)
    stmt = sa.select(TICKET.c.priority, *[v.label(name) for name, v in values.items()]).where(*where)
    found: dict[str, dict[str, list[Any]]] = {name: {} for name in names}
    for row in fetch_rows(session, stmt):
        priority = row[0]
        for index, name in enumerate(names, start=1):
            value = row[index]
            if value is not None:
                groups = found[name]
                groups.setdefault(priority, []).append(value)
                groups.setdefault("all", []).append(value)
    out: dict[str, dict[str, float]] = {}
    for name, groups in found.items():
        for group, vs in groups.items():
            vs.sort()
            n = len(vs)
            middle = [float(v) for v in vs[(n - 1) // 2 : (n - 1) // 2 + (1 if n % 2 else 2)]]
            out.setdefault(name, {})[group] = sum(middle) / len(middle)
    return out


def build(session: Session, params: ReportParams) -> Report:
    """Compute the tickets report."""
    window = params.window()
    owner = owner_id(session, params)
    now = at(params.now, "now")
    t = TICKET.c
    live: list[Any] = [t.archived_at.is_(None)]
    if owner is not None:
        live.append(t.assignee_id == owner)
    cohort = [*live, t.created_at >= window.since, t.created_at < window.until]

    # open now
    open_rows: dict[str, dict[str, Any]] = {}
    for r in session.execute(
        sa.select(
            t.priority,
            t.status,
            sa.func.count().label("n"),
            sa.func.sum(sa.case((breached_now(now), 1), else_=0)).label("breached"),
        )
        .where(*live, t.status.in_(OPEN_STATUSES))
        .group_by(t.priority, t.status)
    ):
        row = open_rows.setdefault(
            r.priority, {"priority": r.priority, "new": 0, "open": 0, "pending": 0, "total": 0, "breached": 0}
        )
        row[r.status] = whole(r.n)
        row["total"] += whole(r.n)
        row["breached"] += whole(r.breached)
    queue = [open_rows[p] for p in _ordered(open_rows)]

    # SLA compliance and medians, per priority
    resolved = _resolved()
    done = t.status.in_(DONE_STATUSES)
    unanswered_done = sa.and_(t.first_response_at.is_(None), done)
    fr_met = sa.and_(
        t.first_response_due.is_not(None),
        sa.or_(
            t.first_response_at <= t.first_response_due,
            sa.and_(unanswered_done, sa.func.coalesce(resolved, now) <= t.first_response_due),
        ),
    )
    fr_breached = sa.and_(
        t.first_response_due.is_not(None),
        sa.or_(
            t.first_response_at > t.first_response_due,
            sa.and_(unanswered_done, sa.func.coalesce(resolved, now) > t.first_response_due),
            sa.and_(t.first_response_at.is_(None), sa.not_(done), t.first_response_due < now),
        ),
    )
    res_met = sa.and_(t.resolution_due.is_not(None), resolved <= t.resolution_due)
    res_breached = sa.and_(
        t.resolution_due.is_not(None),
        sa.or_(
            resolved > t.resolution_due,
            sa.and_(
                resolved.is_(None),
                sa.not_(done),
                sa.or_(
                    sa.and_(t.status != "pending", t.resolution_due < now),
                    sa.and_(t.status == "pending", t.pending_since > t.resolution_due),
                ),
            ),
        ),
    )

    def count_if(condition: Any, name: str) -> Any:
        return sa.func.sum(sa.case((condition, 1), else_=0)).label(name)

    sla: dict[str, dict[str, Any]] = {}
    for r in session.execute(
        sa.select(
            t.priority,
            sa.func.count().label("n"),
            count_if(fr_met, "fr_met"),
            count_if(fr_breached, "fr_breached"),
            count_if(res_met, "res_met"),
            count_if(res_breached, "res_breached"),
            count_if(resolved.is_not(None), "resolved"),
        )
        .where(*cohort)
        .group_by(t.priority)
    ):
        sla[r.priority] = {
            "priority": r.priority,
            "tickets": whole(r.n),
            "resolved": whole(r.resolved),
            "first_response_met": whole(r.fr_met),
            "first_response_breached": whole(r.fr_breached),
            "resolution_met": whole(r.res_met),
            "resolution_breached": whole(r.res_breached),
        }
    sla_rows = [sla[p] for p in _ordered(sla)]
    if sla_rows:
        total = {"priority": "all"}
        for key in sla_rows[0]:
            if key != "priority":
                total[key] = sum(row[key] for row in sla_rows)
        sla_rows.append(total)
    first_hours = days_between(t.first_response_at, t.created_at) * 24
    resolve_hours = days_between(resolved, t.created_at) * 24
    # how many values each median is taken over (per priority and "all"): the counts above
    medians = _medians(session, {"first": first_hours, "resolve": resolve_hours}, cohort)
    first_medians, resolve_medians = medians.get("first", {}), medians.get("resolve", {})
    for row in sla_rows:
        row["first_response_compliance"] = ratio(
            row["first_response_met"], row["first_response_met"] + row["first_response_breached"]
        )
        row["resolution_compliance"] = ratio(row["resolution_met"], row["resolution_met"] + row["resolution_breached"])
        row["median_first_response_hours"] = first_medians.get(row["priority"])
        row["median_resolution_hours"] = resolve_medians.get(row["priority"])

    # satisfaction
    scores = {
        int(r.satisfaction): whole(r.n)
        for r in session.execute(
            sa.select(t.satisfaction, sa.func.count().label("n"))
            .where(*cohort, t.satisfaction.is_not(None))
            .group_by(t.satisfaction)
        )
    }
    rated = sum(scores.values())
    average = sum(score * n for score, n in scores.items()) / rated if rated else None
    score_rows = [
        {"score": s, "tickets": scores.get(s, 0), "share": ratio(scores.get(s, 0), rated)} for s in range(5, 0, -1)
    ]

    # backlog by period: for each period, tickets created in it, resolved in it, and open at its end
    periods = window.periods
    bounds = [(max(p.start, window.since), min(p.end, window.until)) for p in periods]

    # One GROUP BY over (slot created, slot resolved): slot 0 is before the first period, slot
    # i + 1 is period i (the periods are contiguous), NULL is after the last one or never (for
    # the resolved time). The few groups then give each period's created, resolved and backlog
    # (created by the period's end and not resolved before it).
    edges = [bounds[0][0], *[end for _, end in bounds]]
    created_slot = bucket(t.created_at, edges).label("cs")
    resolved_slot = bucket(resolved, edges).label("rs")
    groups = session.execute(
        sa.select(created_slot, resolved_slot, sa.func.count().label("n"))
        .where(*live, t.created_at < window.until)
        .group_by(created_slot, resolved_slot)
    ).all()
    created = {i: 0 for i in range(len(periods))}
    resolved_per = {i: 0 for i in range(len(periods))}
    backlog = [0 for _ in periods]
    for g in groups:
        n = whole(g.n)
        cs = int(g.cs) if g.cs is not None else len(edges)
        rs = int(g.rs) if g.rs is not None else len(edges)
        if 1 <= cs <= len(periods):
            created[cs - 1] += n
        if 1 <= rs <= len(periods):
            resolved_per[rs - 1] += n
        for i in range(len(periods)):
            if cs <= i + 1 < rs:
                backlog[i] += n
    backlog_rows = [
        {
            "period": p.key,
            "created": created.get(i, 0),
            "resolved": resolved_per.get(i, 0),
            "backlog": whole(backlog[i]),
        }
        for i, p in enumerate(periods)
    ]

    summary = [
        {
            "open": sum(r["total"] for r in queue),
            "breached_now": sum(r["breached"] for r in queue),
            "created": sum(created.values()),
            "satisfaction_avg": average,
            "rated": rated,
        }
    ]
    sections = [
        Section(
            "summary",
            "Summary",
            [
                Col("open", "open now", "int"),
                Col("breached_now", "breached now", "int"),
                Col("created", "created in window", "int"),
                Col("satisfaction_avg", "satisfaction avg", "number"),
                Col("rated", kind="int"),
            ],
            summary,
        ),
        Section(
            "open",
            "Open tickets by priority",
            [
                Col("priority"),
                Col("new", kind="int"),
                Col("open", kind="int"),
                Col("pending", kind="int"),
                Col("total", kind="int"),
                Col("breached", kind="int"),
            ],
            queue,
            bar="total",
            empty="no open tickets",
        ),
        Section(
            "sla",
            "SLA compliance (tickets created in the window)",
            [
                Col("priority"),
                Col("tickets", kind="int"),
                Col("resolved", kind="int", show=False),
                Col("first_response_met", "1st resp met", "int", show=False),
                Col("first_response_breached", "1st resp breached", "int", show=False),
                Col("first_response_compliance", "first response met %", "percent"),
                Col("median_first_response_hours", "median first response (h)", "hours"),
                Col("resolution_met", "resolution met", "int", show=False),
                Col("resolution_breached", "resolution breached", "int", show=False),
                Col("resolution_compliance", "resolution met %", "percent"),
                Col("median_resolution_hours", "median resolution (h)", "hours"),
            ],
            sla_rows,
            empty="no tickets created in this window",
        ),
        Section(
            "satisfaction",
            "Satisfaction",
            [Col("score", kind="int"), Col("tickets", kind="int"), Col("share", kind="percent")],
            score_rows if rated else [],
            bar="tickets",
            empty="no rated tickets in this window",
        ),
        Section(
            "backlog",
            f"Backlog by {params.period}",
            [Col("period"), Col("created", kind="int"), Col("resolved", kind="int"), Col("backlog", kind="int")],
            backlog_rows,
            bar="backlog",
            spark="backlog",
        ),
    ]
    return Report("tickets", TITLE, params.as_dict(window), sections)


def _ordered(found: dict[str, Any]) -> list[str]:
    known = [p for p in PRIORITY_ORDER if p in found]
    return known + sorted(p for p in found if p not in PRIORITY_ORDER)
