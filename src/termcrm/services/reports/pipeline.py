"""Pipeline report: where the open deals of one pipeline stand, stage by stage, right now.

Per open stage (in pipeline order) and currency: open deal count, total,
weighted total (Σ amount × probability / 100), average days in stage (from
``stage_entered_at`` to now) and how many are rotting (longer in the stage
than its rot limit). A snapshot at ``now``: ``--since``/``--until`` do not apply.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.models.base import UTCDateTime
from termcrm.services.reports import Col, Report, ReportParams, Section, owner_id, pipeline_id
from termcrm.services.reports._sql import DEAL, PIPELINE, STAGE, at, day_number, num, rounded_div, whole

TITLE = "Pipeline by stage"
SUMMARY = "open deals per stage: count, total, weighted total, days in stage, rotting"


def stage_figures(
    session: Session, pipeline: int, owner: int | None, now: datetime, rot_cutoffs: dict[int, datetime]
) -> list[Any]:
    """One row per (stage, currency) with open deals: count, total, Σ amount×probability, avg days, rotting.

    ``rot_cutoffs`` maps a stage with a rot limit to the instant before which a
    deal that entered it is rotting (now − limit), so the count is a plain
    comparison on the indexed column.
    """
    entered = DEAL.c.stage_entered_at
    cutoff = sa.case(
        {sid: sa.bindparam(f"rot_{sid}", when, type_=UTCDateTime()) for sid, when in rot_cutoffs.items()},
        value=DEAL.c.stage_id,
        else_=sa.null(),
    )
    rotting = sa.case((entered < cutoff, 1), else_=0) if rot_cutoffs else sa.literal(0)
    stmt = (
        sa.select(
            DEAL.c.stage_id,
            DEAL.c.currency,
            sa.func.count().label("deals"),
            sa.func.sum(DEAL.c.amount).label("total"),
            sa.func.sum(DEAL.c.amount * DEAL.c.probability).label("weighted100"),
            (day_number(at(now, "now")) - sa.func.avg(day_number(entered))).label("avg_days"),
            sa.func.sum(rotting).label("rotting"),
        )
        .where(DEAL.c.pipeline_id == pipeline, DEAL.c.status == "open", DEAL.c.archived_at.is_(None))
        .group_by(DEAL.c.stage_id, DEAL.c.currency)
    )
    if owner is not None:
        stmt = stmt.where(DEAL.c.owner_id == owner)
    return list(session.execute(stmt).all())


def build(session: Session, params: ReportParams) -> Report:
    """Compute the pipeline report."""
    owner = owner_id(session, params)
    pid = pipeline_id(session, params, default_first=True)
    name = session.execute(sa.select(PIPELINE.c.name).where(PIPELINE.c.id == pid)).scalar() if pid else None
    stages = session.execute(
        sa.select(STAGE.c.id, STAGE.c.name, STAGE.c.rot_days)
        .where(STAGE.c.pipeline_id == pid, STAGE.c.kind == "open")
        .order_by(STAGE.c.position, STAGE.c.id)
    ).all()
    figures: dict[int, list[Any]] = {}
    if pid is not None:
        cutoffs = {int(st.id): params.now - timedelta(days=st.rot_days) for st in stages if st.rot_days is not None}
        for row in stage_figures(session, pid, owner, params.now, cutoffs):
            figures.setdefault(int(row.stage_id), []).append(row)
    rows: list[dict[str, Any]] = []
    totals: dict[str, dict[str, Any]] = {}
    for stage in stages:
        found = sorted(figures.get(int(stage.id), []), key=lambda r: r.currency)
        if not found:
            rows.append({"stage": stage.name, "currency": None, "deals": 0, "rotting": 0})
        for row in found:
            weighted = rounded_div(row.weighted100, 100)
            rows.append(
                {
                    "stage": stage.name,
                    "currency": row.currency,
                    "deals": whole(row.deals),
                    "total": whole(row.total),
                    "weighted": weighted,
                    "avg_days_in_stage": num(row.avg_days),
                    "rotting": whole(row.rotting),
                }
            )
            total = totals.setdefault(
                row.currency, {"currency": row.currency, "deals": 0, "total": 0, "weighted100": 0, "rotting": 0}
            )
            total["deals"] += whole(row.deals)
            total["total"] += whole(row.total)
            total["weighted100"] += whole(row.weighted100)
            total["rotting"] += whole(row.rotting)
    total_rows = [
        {**{k: v for k, v in t.items() if k != "weighted100"}, "weighted": rounded_div(t["weighted100"], 100)}
        for _, t in sorted(totals.items())
    ]
    sections = [
        Section(
            "stages",
            f"Open deals by stage ({name})" if name else "Open deals by stage",
            [
                Col("stage"),
                Col("currency"),
                Col("deals", kind="int"),
                Col("total", kind="money"),
                Col("weighted", kind="money"),
                Col("avg_days_in_stage", "avg days in stage", "days"),
                Col("rotting", kind="int"),
            ],
            rows,
            bar="total",
            empty="this pipeline has no open stages",
        ),
        Section(
            "totals",
            "Open pipeline totals",
            [
                Col("currency"),
                Col("deals", kind="int"),
                Col("total", kind="money"),
                Col("weighted", kind="money"),
                Col("rotting", kind="int"),
            ],
            total_rows,
            empty="no open deals",
        ),
    ]
    return Report("pipeline", TITLE, params.as_dict(pipeline=name), sections)
