"""Campaigns report: which campaigns paid for themselves.

Per campaign: members, response rate (responded members / members),
conversion rate (converted members / members; a member converts when marked
so or when the campaign sourced a deal for it), actual cost, won revenue (the
amounts of its won deals in the campaign's currency; won deals in other
currencies are listed apart and never added), cost per conversion and
ROI = (revenue − cost) / cost, sorted by ROI (campaigns without a cost last),
with ROI drawn as a bar. Totals follow per currency.

``--since``/``--until`` select campaigns by their dates: a campaign runs from
its start date (or the day it was created) to its end date (or its start), and
is included when that overlaps the range.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from termcrm import money
from termcrm.models import Campaign
from termcrm.services.campaigns import Performance, performance
from termcrm.services.reports import Col, Report, ReportParams, Section
from termcrm.services.reports._sql import rounded_div

TITLE = "Campaign return"
SUMMARY = "per campaign: members, response and conversion rates, cost, won revenue, cost per conversion, ROI"


def _span(campaign: Campaign) -> tuple[date, date]:
    from termcrm.dates import to_local

    first = campaign.start_date or to_local(campaign.created_at).date()
    last = campaign.end_date or first
    return first, max(first, last)


def selected_campaigns(session: Session, params: ReportParams) -> list[Campaign]:
    """Live campaigns whose dates overlap ``[since, until)`` (all of them without bounds)."""
    from termcrm.dates import to_local

    since_day = to_local(params.since).date() if params.since else None
    until_day = to_local(params.until - timedelta(microseconds=1)).date() if params.until else None
    found = []
    for campaign in session.exec(
        select(Campaign).where(col(Campaign.archived_at).is_(None)).order_by(col(Campaign.id))
    ).all():
        first, last = _span(campaign)
        if since_day is not None and last < since_day:
            continue
        if until_day is not None and first > until_day:
            continue
        found.append(campaign)
    return found


def _percent(ratio: float | None) -> float | None:
    return None if ratio is None else ratio * 100.0


def _row(p: Performance) -> dict[str, Any]:
    others = p.other_revenue
    return {
        "id": p.campaign_id,
        "campaign": p.name,
        "channel": p.channel,
        "status": p.status,
        "start_date": p.start_date,
        "end_date": p.end_date,
        "currency": p.currency,
        "members": p.counts.members,
        "responded": p.counts.responded,
        "converted": p.counts.converted,
        "response_rate": _percent(p.response_rate),
        "conversion_rate": _percent(p.conversion_rate),
        "cost": p.cost,
        "revenue": p.revenue_in_currency,
        "other_revenue": " + ".join(money.format_money(v, c) for c, v in others.items()) if others else None,
        "cost_per_conversion": p.cost_per_conversion,
        "roi": _percent(p.roi),
    }


def _sort_key(row: dict[str, Any]) -> tuple[int, float, str, int]:
    roi = row["roi"]
    return (1 if roi is None else 0, -(roi or 0.0), str(row["campaign"]).lower(), int(row["id"]))


def build(session: Session, params: ReportParams) -> Report:
    """Compute the campaigns report."""
    campaigns = selected_campaigns(session, params)
    rows = sorted((_row(p) for p in performance(session, campaigns)), key=_sort_key)
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = totals.setdefault(
            row["currency"],
            {"currency": row["currency"], "campaigns": 0, "members": 0, "converted": 0, "cost": 0, "revenue": 0},
        )
        total["campaigns"] += 1
        total["members"] += row["members"]
        total["converted"] += row["converted"]
        total["cost"] += row["cost"]
        total["revenue"] += row["revenue"]
    total_rows = []
    for _, total in sorted(totals.items()):
        cost = total["cost"]
        total["roi"] = 100.0 * (total["revenue"] - cost) / cost if cost else None
        total["cost_per_conversion"] = rounded_div(cost, total["converted"]) if total["converted"] else None
        total_rows.append(total)
    columns = [
        Col("id", kind="int"),
        Col("campaign"),
        Col("channel"),
        Col("members", kind="int"),
        Col("response_rate", "response", "percent"),
        Col("conversion_rate", "conversion", "percent"),
        Col("cost", kind="money"),
        Col("revenue", "won revenue", "money"),
        Col("cost_per_conversion", "cost/conversion", "money"),
        Col("roi", "ROI", "percent"),
        Col("currency"),
    ]
    if any(row["other_revenue"] for row in rows):
        columns.append(Col("other_revenue", "revenue in other currencies"))
    sections = [
        Section("campaigns", "Campaigns by ROI", columns, rows, bar="roi", empty="no campaigns in this range"),
        Section(
            "totals",
            "Totals by currency",
            [
                Col("currency"),
                Col("campaigns", kind="int"),
                Col("members", kind="int"),
                Col("converted", kind="int"),
                Col("cost", kind="money"),
                Col("revenue", "won revenue", "money"),
                Col("cost_per_conversion", "cost/conversion", "money"),
                Col("roi", "ROI", "percent"),
            ],
            total_rows,
            empty="no campaigns",
        ),
    ]
    out_params: dict[str, Any] = {"since": params.since, "until": params.until, "now": params.now}
    return Report("campaigns", TITLE, out_params, sections)
