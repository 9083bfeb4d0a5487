"""Forecast report: what the open pipeline should bring in, period by period.

For the current period and the ones after it (``--top N`` periods, default 6,
or up to ``--until``), per currency: the open deals expected to close in the
period, their weighted total (Σ amount × probability / 100) and best case
(Σ amount, as if all were won), what was already won in the period (deals
closed as won with ``closed_at`` in it), and the quota set for exactly that
period (the owner's with ``--owner``, else the team's sum), with attainment
(won / quota). Open deals whose expected close is before the first period are
shown as ``overdue``, those without one as ``no date``.
"""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.errors import Invalid
from termcrm.models.report_tables import REPORT_NO_CLOSE, report_open_close
from termcrm.services.reports import (
    MAX_PERIODS,
    Col,
    Report,
    ReportParams,
    Section,
    Window,
    owner_id,
    period_of,
    periods_between,
    pipeline_id,
    ratio,
    shift,
)
from termcrm.services.reports._sql import DEAL, QUOTA, bucket, rounded_div, whole

TITLE = "Forecast by expected close"
SUMMARY = "weighted and best-case open pipeline per period, won so far, quota"

DEFAULT_PERIODS = 6
OVERDUE = -1
UNDATED = -2

OPEN_CLOSE = report_open_close
EPOCH_DAY = date(1970, 1, 1)


def _window(params: ReportParams) -> Window:
    first = period_of(params.since or params.now, params.period)
    if params.until is not None:
        if params.until <= first.start:
            raise Invalid("--until must be after the start of the first forecast period")
        periods = periods_between(first.start, params.until, params.period)
    else:
        if (params.top or 0) > MAX_PERIODS:
            raise Invalid(f"--top is the number of forecast periods: give at most {MAX_PERIODS}")
        periods = [shift(first, params.period, i) for i in range(params.top or DEFAULT_PERIODS)]
    return Window(periods[0].start, periods[-1].end, periods)


def build(session: Session, params: ReportParams) -> Report:
    """Compute the forecast report."""
    window = _window(params)
    periods = window.periods
    owner = owner_id(session, params)
    pid = pipeline_id(session, params)

    # Open deals come summed per expected-close day from report_open_close, which the database
    # keeps per day, currency, pipeline and owner (migration 0006_report_tables): a few thousand
    # rows in key order, put in periods here, instead of every open deal.
    o = OPEN_CLOSE.c
    last_day = (periods[-1].end_day - EPOCH_DAY).days
    open_stmt = (
        sa.select(
            o.close_day,
            o.currency,
            sa.func.sum(o.deals).label("deals"),
            sa.func.sum(o.amount).label("best"),
            sa.func.sum(o.weighted).label("weighted100"),
        )
        .where(sa.or_(o.close_day == REPORT_NO_CLOSE, o.close_day < last_day))
        .group_by(o.close_day, o.currency)
    )
    if owner is not None:
        open_stmt = open_stmt.where(o.owner_key == owner)
    if pid is not None:
        open_stmt = open_stmt.where(o.pipeline_id == pid)
    won_slot = bucket(DEAL.c.closed_at, [p.end for p in periods]).label("slot")
    won_stmt = (
        sa.select(won_slot, DEAL.c.currency, sa.func.sum(DEAL.c.amount).label("won"))
        .where(
            DEAL.c.status == "won",
            DEAL.c.archived_at.is_(None),
            DEAL.c.closed_at >= window.since,
            DEAL.c.closed_at < window.until,
        )
        .group_by(won_slot, DEAL.c.currency)
    )
    for_owner = [DEAL.c.owner_id == owner] if owner is not None else []
    for_pipeline = [DEAL.c.pipeline_id == pid] if pid is not None else []
    won_stmt = won_stmt.where(*for_owner, *for_pipeline)

    cells: dict[tuple[int, str], dict[str, Any]] = {}

    def cell(slot_index: int, currency: str) -> dict[str, Any]:
        return cells.setdefault(
            (slot_index, currency),
            {"slot": slot_index, "currency": currency, "deals": 0, "weighted": 0, "best_case": 0, "won": 0},
        )

    ends = [p.end_day for p in periods]
    weighted100: dict[tuple[int, str], int] = {}
    for row in session.execute(open_stmt):
        day = None if row.close_day == REPORT_NO_CLOSE else EPOCH_DAY + timedelta(days=int(row.close_day))
        if day is None:
            slot_index = UNDATED
        elif day < periods[0].first_day:
            slot_index = OVERDUE
        else:
            slot_index = bisect.bisect_right(ends, day)
        target = cell(slot_index, row.currency)
        target["deals"] += whole(row.deals)
        target["best_case"] += whole(row.best)
        key = (slot_index, row.currency)
        weighted100[key] = weighted100.get(key, 0) + whole(row.weighted100)
    for key, value in weighted100.items():
        cells[key]["weighted"] = rounded_div(value, 100)
    for row in session.execute(won_stmt):
        if row.slot is not None:
            cell(int(row.slot), row.currency)["won"] = whole(row.won)

    keys = [p.key for p in periods]
    quota_stmt = (
        sa.select(QUOTA.c.period, QUOTA.c.currency, sa.func.sum(QUOTA.c.amount).label("amount"))
        .where(QUOTA.c.period.in_(keys))
        .group_by(QUOTA.c.period, QUOTA.c.currency)
    )
    if owner is not None:
        quota_stmt = quota_stmt.where(QUOTA.c.user_id == owner)
    for row in session.execute(quota_stmt):
        cell(keys.index(row.period), row.currency)["quota"] = whole(row.amount)

    def label(slot_index: int) -> str:
        if slot_index == OVERDUE:
            return "overdue"
        if slot_index == UNDATED:
            return "no date"
        return keys[slot_index]

    order = [OVERDUE, *range(len(periods)), UNDATED]
    rows: list[dict[str, Any]] = []
    for slot_index in order:
        found = sorted((c for (s, _), c in cells.items() if s == slot_index), key=lambda c: c["currency"])
        if not found and 0 <= slot_index:
            rows.append({"period": label(slot_index), "currency": None, "deals": 0})
        for item in found:
            quota = item.get("quota")
            rows.append(
                {
                    "period": label(slot_index),
                    "currency": item["currency"],
                    "deals": item["deals"],
                    "weighted": item["weighted"],
                    "best_case": item["best_case"],
                    "won": item["won"] if slot_index >= 0 else None,
                    "quota": quota,
                    "attainment": ratio(item["won"], quota) if quota else None,
                }
            )
    section = Section(
        "periods",
        f"Forecast by {params.period}",
        [
            Col("period"),
            Col("currency"),
            Col("deals", "open deals", "int"),
            Col("weighted", kind="money"),
            Col("best_case", "best case", "money"),
            Col("won", kind="money"),
            Col("quota", kind="money"),
            Col("attainment", kind="percent"),
        ],
        rows,
        bar="weighted",
    )
    return Report("forecast", TITLE, params.as_dict(window, periods=len(periods)), [section])
