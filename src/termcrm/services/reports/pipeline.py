"""Pipeline report: where the open deals of one pipeline stand, stage by stage, right now.

Per open stage (in pipeline order) and currency: open deal count, total,
weighted total (Σ amount × probability / 100), average days in stage (from
``stage_entered_at`` to now) and how many are rotting (longer in the stage
than its rot limit). A snapshot at ``now``: ``--since``/``--until`` do not apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.models.report_tables import report_open_deals
from termcrm.services.reports import Col, Report, ReportParams, Section, owner_id, pipeline_id
from termcrm.services.reports._sql import DAY_US, DEAL, PIPELINE, STAGE, at, rounded_div, us, whole

TITLE = "Pipeline by stage"
SUMMARY = "open deals per stage: count, total, weighted total, days in stage, rotting"

OPEN = report_open_deals


@dataclass(frozen=True)
class StageFigures:
    """The open deals of one stage and currency."""

    stage_id: int
    currency: str
    deals: int
    total: int
    weighted100: int
    """Σ amount × probability (percent)."""
    avg_days: float
    rotting: int


def stage_figures(
    session: Session, pipeline: int, owner: int | None, now: datetime, rot_cutoffs: dict[int, datetime]
) -> list[StageFigures]:
    """One row per (stage, currency) with open deals: count, total, Σ amount×probability, avg days, rotting.

    The counts and sums come from ``report_open_deals``, which the database keeps per pipeline,
    stage, currency and owner (migration 0006_report_tables), so they cost a few rows instead of
    every open deal; the mean time in stage is exact (Σ of the entry instants in microseconds).
    ``rot_cutoffs`` maps a stage with a rot limit to the instant before which a deal that entered
    it is rotting (now − limit): each (stage, currency) counts its deals entered before it with
    one range of the index ``ix_deal_open_entered``.
    """
    o = OPEN.c
    sums = (
        sa.select(
            o.stage_id,
            o.currency,
            sa.func.sum(o.deals).label("deals"),
            sa.func.sum(o.amount).label("total"),
            sa.func.sum(o.weighted).label("weighted100"),
            sa.func.sum(o.entered_s).label("entered_s"),
            sa.func.sum(o.entered_us).label("entered_us"),
        )
        .where(o.pipeline_id == pipeline)
        .group_by(o.stage_id, o.currency)
    )
    if owner is not None:
        sums = sums.where(o.owner_key == owner)
    found = [r for r in session.execute(sums) if whole(r.deals) > 0]
    rotting: dict[tuple[int, str], int] = {}
    parts = []
    d = DEAL.c
    for r in found:
        cutoff = rot_cutoffs.get(int(r.stage_id))
        if cutoff is None:
            continue
        where = [
            d.pipeline_id == pipeline,
            d.status == "open",
            d.archived_at.is_(None),
            d.stage_id == r.stage_id,
            d.currency == r.currency,
            d.stage_entered_at < at(cutoff),
        ]
        if owner is not None:
            where.append(d.owner_id == owner)
        parts.append(
            sa.select(
                sa.literal(int(r.stage_id)).label("stage_id"),
                sa.literal(r.currency).label("currency"),
                sa.func.count().label("n"),
            ).where(*where)
        )
    if parts:
        for r in session.execute(sa.union_all(*parts)):
            rotting[(int(r.stage_id), r.currency)] = whole(r.n)
    now_us = us(now)
    out = []
    for r in found:
        deals = whole(r.deals)
        entered = whole(r.entered_s) * 1_000_000 + whole(r.entered_us)
        out.append(
            StageFigures(
                stage_id=int(r.stage_id),
                currency=r.currency,
                deals=deals,
                total=whole(r.total),
                weighted100=whole(r.weighted100),
                # now − the mean entry instant, in days (the numerator is exact, so one rounding)
                avg_days=(now_us * deals - entered) / (deals * DAY_US),
                rotting=rotting.get((int(r.stage_id), r.currency), 0),
            )
        )
    return out


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
    figures: dict[int, list[StageFigures]] = {}
    if pid is not None:
        cutoffs = {int(st.id): params.now - timedelta(days=st.rot_days) for st in stages if st.rot_days is not None}
        for row in stage_figures(session, pid, owner, params.now, cutoffs):
            figures.setdefault(row.stage_id, []).append(row)
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
                    "deals": row.deals,
                    "total": row.total,
                    "weighted": weighted,
                    "avg_days_in_stage": row.avg_days,
                    "rotting": row.rotting,
                }
            )
            total = totals.setdefault(
                row.currency, {"currency": row.currency, "deals": 0, "total": 0, "weighted100": 0, "rotting": 0}
            )
            total["deals"] += row.deals
            total["total"] += row.total
            total["weighted100"] += row.weighted100
            total["rotting"] += row.rotting
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
