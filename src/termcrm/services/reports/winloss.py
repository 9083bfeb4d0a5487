"""Win/loss report: how closed deals ended, how long they took, why they were lost, where they dropped out.

The deals are those closed (won or lost) in the window, by ``closed_at``.

* win rate by count = won / (won + lost); by value = won value / (won + lost
  value), per currency; average won deal size = won value / won deals;
* average sales cycle = mean days from ``created_at`` to ``closed_at`` of the won deals;
* lost reasons ranked by number of deals (an empty reason is ``(none)``);
* the funnel of one pipeline (``--pipeline``, default the first) from stage
  history: a closed deal *reached* an open stage when its history shows it
  entered that stage or a later one; a won deal reached every stage. Each
  stage's conversion is the share of the deals that reached the previous stage
  that also reached it; the last row is Won.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.models.report_tables import report_lost_deal
from termcrm.services.reports import Col, Report, ReportParams, Section, Window, owner_id, pipeline_id, ratio
from termcrm.services.reports._sql import DEAL, PIPELINE, STAGE, days_between, fenced, num, rounded_div, us, whole

TITLE = "Win/loss"
SUMMARY = "win rate by count and value, deal size, sales cycle, lost reasons, stage funnel"

LOST = report_lost_deal


def build(session: Session, params: ReportParams) -> Report:
    """Compute the win/loss report."""
    window = params.window()
    owner = owner_id(session, params)
    chosen = pipeline_id(session, params)
    # the deals closed in the window, whatever their status: each query names won or lost
    in_window = [
        DEAL.c.archived_at.is_(None),
        DEAL.c.closed_at >= window.since,
        DEAL.c.closed_at < window.until,
    ]
    if owner is not None:
        in_window.append(DEAL.c.owner_id == owner)
    scoped = [*in_window, DEAL.c.pipeline_id == chosen] if chosen is not None else in_window

    funnel_pid = chosen if chosen is not None else pipeline_id(session, params, default_first=True)
    in_funnel = DEAL.c.pipeline_id == funnel_pid if funnel_pid is not None else sa.false()
    # Won and lost deals are grouped by currency in two statements, each one index range of
    # ix_deal_closed (status, closed_at, ...) with plain sums. One statement over both
    # statuses with a CASE per figure took about half as long again on 1,000,000 deals.
    won = {
        r.currency: r
        for r in session.execute(
            sa.select(
                DEAL.c.currency,
                sa.func.count().label("deals"),
                sa.func.sum(DEAL.c.amount).label("value"),
                sa.func.sum(days_between(DEAL.c.closed_at, DEAL.c.created_at)).label("cycle_sum"),
                sa.func.sum(sa.case((in_funnel, 1), else_=0)).label("in_funnel"),
            )
            .where(*scoped, DEAL.c.status == "won")
            .group_by(DEAL.c.currency)
        )
    }
    lost = {
        r.currency: r
        for r in session.execute(
            sa.select(DEAL.c.currency, sa.func.count().label("deals"), sa.func.sum(DEAL.c.amount).label("value"))
            .where(*scoped, DEAL.c.status == "lost")
            .group_by(DEAL.c.currency)
        )
    }
    won_n = sum(whole(r.deals) for r in won.values())
    lost_n = sum(whole(r.deals) for r in lost.values())
    cycle_sum = sum(num(r.cycle_sum) or 0.0 for r in won.values())
    summary = [
        {
            "won": won_n,
            "lost": lost_n,
            "win_rate": ratio(won_n, won_n + lost_n),
            "avg_cycle_days": cycle_sum / won_n if won_n else None,
        }
    ]
    values = []
    for currency in sorted(won.keys() | lost.keys()):
        won_deals, won_value = _count_and_value(won.get(currency))
        lost_deals, lost_value = _count_and_value(lost.get(currency))
        values.append(
            {
                "currency": currency,
                "won": won_deals,
                "lost": lost_deals,
                "won_value": won_value,
                "lost_value": lost_value,
                "win_rate_value": ratio(won_value, won_value + lost_value),
                "avg_won_size": rounded_div(won_value, won_deals) if won_deals else None,
            }
        )

    reason = sa.func.coalesce(sa.func.nullif(sa.func.trim(DEAL.c.lost_reason), ""), "(none)").label("reason")
    reasons = session.execute(
        sa.select(reason, sa.func.count().label("deals"))
        .where(*scoped, DEAL.c.status == "lost")
        .group_by(reason)
        .order_by(sa.func.count().desc(), reason)
    ).all()
    reason_rows = [
        {"reason": r.reason, "deals": whole(r.deals), "share": ratio(whole(r.deals), lost_n)} for r in reasons
    ]

    # the won deals of the funnel's pipeline were counted above (the closed deals of the window
    # include them, whether or not the figures above are scoped to that pipeline)
    known_won = sum(whole(r.in_funnel) for r in won.values())
    funnel_rows = _funnel(session, funnel_pid, in_window, window, owner, known_won) if funnel_pid is not None else []
    pipeline_name = (
        session.execute(sa.select(PIPELINE.c.name).where(PIPELINE.c.id == funnel_pid)).scalar() if funnel_pid else None
    )

    sections = [
        Section(
            "summary",
            "Closed deals",
            [
                Col("won", kind="int"),
                Col("lost", kind="int"),
                Col("win_rate", "win rate", "percent"),
                Col("avg_cycle_days", "avg sales cycle (days)", "days"),
            ],
            summary,
        ),
        Section(
            "values",
            "Value by currency",
            [
                Col("currency"),
                Col("won", kind="int"),
                Col("lost", kind="int"),
                Col("won_value", "won value", "money"),
                Col("lost_value", "lost value", "money"),
                Col("win_rate_value", "win rate by value", "percent"),
                Col("avg_won_size", "avg won deal", "money"),
            ],
            values,
            empty="no deals closed in this window",
        ),
        Section(
            "reasons",
            "Lost reasons",
            [Col("reason"), Col("deals", kind="int"), Col("share", kind="percent")],
            reason_rows,
            bar="deals",
            empty="no deals lost in this window",
        ),
        Section(
            "funnel",
            f"Stage funnel ({pipeline_name})" if pipeline_name else "Stage funnel",
            [
                Col("stage"),
                Col("reached", kind="int"),
                Col("conversion", "from previous", "percent"),
                Col("overall", "from first", "percent"),
            ],
            funnel_rows,
            bar="reached",
            empty="no closed deals in this pipeline",
        ),
    ]
    return Report("winloss", TITLE, params.as_dict(window), sections)


def _count_and_value(row: Any) -> tuple[int, int]:
    """(deals, value) of one currency's row of won or lost deals; (0, 0) without one."""
    return (whole(row.deals), whole(row.value)) if row is not None else (0, 0)


def _funnel(
    session: Session,
    pid: int,
    in_window: list[Any],
    window: Window,
    owner: int | None,
    won_n: int | None = None,
) -> list[dict[str, Any]]:
    """Deals reaching each open stage of pipeline ``pid`` (then Won), from stage history.

    ``in_window``: the conditions on the closed deals other than their status (the window
    ``window`` and ``owner``); ``won_n``: the number of won deals of the pipeline among them,
    when already counted.
    """
    since, until = window.since, window.until
    stages = session.execute(
        sa.select(STAGE.c.id, STAGE.c.name, STAGE.c.position, STAGE.c.kind)
        .where(STAGE.c.pipeline_id == pid)
        .order_by(STAGE.c.position, STAGE.c.id)
    ).all()
    open_stages = [s for s in stages if s.kind == "open"]
    won_name = next((s.name for s in stages if s.kind == "won"), "Won")
    # A lost deal reached open stage k when its history enters stage k or a later one, that is
    # when the furthest open stage it entered is at k's position or after. report_lost_deal keeps
    # each lost deal's entered stage ids (``,1,2,4,``), kept by the database (migration
    # 0006_report_tables): the window's lost deals are one range of its index, in close-time
    # order, and each one's furthest position is the first of the open stages, furthest first,
    # that its list names. (Looking each deal's stage history up took about 155 ms on 80,000 lost
    # deals, most of it seeking the 3.4-million-row history index.) A deal with no change into an
    # open stage has no position and counts at no stage. The counts per furthest position are
    # one conditional sum each, then add up from the end.
    lost = LOST.c
    furthest = sa.case(
        *[
            (lost.stages.like(f"%,{int(s.id)},%"), int(s.position))
            for s in sorted(open_stages, key=lambda s: (-s.position, s.id))
        ],
        else_=sa.null(),
    )
    where = [lost.pipeline_id == pid, lost.closed_us >= us(since), lost.closed_us < us(until)]
    if owner is not None:
        where.append(lost.owner_id == owner)
    per_deal = fenced(sa.select(furthest.label("furthest")).where(*where)).subquery("per_deal")
    positions = sorted({int(s.position) for s in open_stages})
    per_position: dict[int, int] = {}
    if open_stages:
        f = per_deal.c.furthest
        found = session.execute(
            sa.select(*[sa.func.sum(sa.case((f == pos, 1), else_=0)).label(f"p{i}") for i, pos in enumerate(positions)])
        ).one()
        per_position = {pos: whole(found[i]) for i, pos in enumerate(positions)}
    if won_n is None:
        won_n = whole(
            session.execute(
                sa.select(sa.func.count()).where(*in_window, DEAL.c.pipeline_id == pid, DEAL.c.status == "won")
            ).scalar()
        )
    rows: list[dict[str, Any]] = []
    for stage in open_stages:
        lost_reached = sum(n for pos, n in per_position.items() if pos >= stage.position)
        rows.append({"stage": stage.name, "reached": won_n + lost_reached})
    rows.append({"stage": won_name, "reached": won_n})
    first = rows[0]["reached"] if rows else 0
    previous: int | None = None
    for row in rows:
        row["conversion"] = ratio(row["reached"], previous) if previous is not None else None
        row["overall"] = ratio(row["reached"], first)
        previous = row["reached"]
    return rows
