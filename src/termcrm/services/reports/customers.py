"""Customers report: who buys, how much, how often, how lately, and which RFM segment that makes them.

A *customer* is a company, or a contact without one: a won deal belongs to its
company, else to its contact's company, else to its contact. A *purchase* is a
won deal (its ``closed_at`` is the purchase time). Figures are per customer
and currency (a customer paying in two currencies has a row in each):

* revenue, purchases and margin: won deals closed in the window; margin =
  Σ over line items with a known unit cost of (net line amount − quantity ×
  unit cost), and margin % = margin / the net amount of those lines;
* previous = revenue in the window of the same length just before; growth =
  (revenue − previous) / previous;
* last purchase, lifetime revenue and purchases: every purchase before the
  window's end; average interval = days from first to last purchase /
  (purchases − 1);
* RFM scores 1-5 at the window's end. Recency: days since the last purchase,
  ≤30 → 5, ≤60 → 4, ≤90 → 3, ≤180 → 2, older → 1. Frequency: lifetime
  purchases 1, 2, 3, 4-5, 6+ → 1-5. Monetary: lifetime revenue ranked among the
  customers paying in the same currency, 1 + ⌊5 × (customers with less) /
  customers⌋. Segment, first rule that matches: R=1 *lost*; R≥4, F≥4, M≥4
  *champions*; R≥3, F≥3 *loyal*; R≥4, F=1 *new*; R≥3 *potential*; F≥3 or M≥4
  *at risk*; otherwise *hibernating*.

``--top N`` (default 20) customers by revenue in the window, then lifetime
revenue; the segment table covers every customer.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.models import LineItem
from termcrm.services.reports import Col, Report, ReportParams, Section, owner_id, pipeline_id, ratio
from termcrm.services.reports._sql import (
    COMPANY,
    CONTACT,
    DEAL,
    at,
    customer_of,
    days_between,
    num,
    rounded_div,
    table_of,
    whole,
)

TITLE = "Customer value"
SUMMARY = "revenue, margin, purchases, growth and RFM segment per customer"

SEGMENTS = ("champions", "loyal", "potential", "new", "at risk", "hibernating", "lost")
"""RFM segments, best first."""

DEFAULT_TOP = 20
LINE = table_of(LineItem)


def recency_score(days: Any) -> Any:
    """SQL CASE: R score from days since the last purchase."""
    return sa.case((days <= 30, 5), (days <= 60, 4), (days <= 90, 3), (days <= 180, 2), else_=1)


def frequency_score(purchases: Any) -> Any:
    """SQL CASE: F score from lifetime purchases."""
    return sa.case((purchases >= 6, 5), (purchases >= 4, 4), (purchases >= 3, 3), (purchases >= 2, 2), else_=1)


def segment_of(r: Any, f: Any, m: Any) -> Any:
    """SQL CASE: the RFM segment (first matching rule)."""
    return sa.case(
        (r == 1, "lost"),
        (sa.and_(r >= 4, f >= 4, m >= 4), "champions"),
        (sa.and_(r >= 3, f >= 3), "loyal"),
        (sa.and_(r >= 4, f == 1), "new"),
        (r >= 3, "potential"),
        (sa.or_(f >= 3, m >= 4), "at risk"),
        else_="hibernating",
    )


def _filters(session: Session, params: ReportParams) -> list[Any]:
    owner = owner_id(session, params)
    pid = pipeline_id(session, params)
    out = [DEAL.c.status == "won", DEAL.c.archived_at.is_(None), DEAL.c.closed_at.is_not(None)]
    if owner is not None:
        out.append(DEAL.c.owner_id == owner)
    if pid is not None:
        out.append(DEAL.c.pipeline_id == pid)
    return out


def scored_customers(session: Session, params: ReportParams, since: Any, until: Any) -> Any:
    """A CTE: one row per (customer, currency) with window and lifetime figures, RFM scores and segment."""
    previous_since = since - (until - since)
    # Two steps, so the big GROUP BY follows an index instead of sorting every purchase: first
    # per (deal company, deal contact, currency) straight from ix_deal_customer's order, then
    # those partial sums per customer (the contact's company is looked up once per group).
    in_window = DEAL.c.closed_at >= since
    in_previous = sa.and_(DEAL.c.closed_at >= previous_since, DEAL.c.closed_at < since)
    partial = (
        sa.select(
            DEAL.c.company_id,
            DEAL.c.contact_id,
            DEAL.c.currency,
            sa.func.sum(sa.case((in_window, DEAL.c.amount), else_=0)).label("revenue"),
            sa.func.sum(sa.case((in_window, 1), else_=0)).label("purchases"),
            sa.func.sum(sa.case((in_previous, DEAL.c.amount), else_=0)).label("previous"),
            sa.func.sum(DEAL.c.amount).label("lifetime_revenue"),
            sa.func.count().label("lifetime_purchases"),
            sa.func.max(DEAL.c.closed_at).label("last_purchase"),
            sa.func.min(DEAL.c.closed_at).label("first_purchase"),
        )
        .where(*_filters(session, params), DEAL.c.closed_at < until)
        .group_by(DEAL.c.company_id, DEAL.c.contact_id, DEAL.c.currency)
        .cte("partial")
    )
    p = partial.c
    kind, cid = customer_of(partial, CONTACT)
    customers = (
        sa.select(
            kind.label("ckind"),
            cid.label("cid"),
            p.currency,
            sa.func.sum(p.revenue).label("revenue"),
            sa.func.sum(p.purchases).label("purchases"),
            sa.func.sum(p.previous).label("previous"),
            sa.func.sum(p.lifetime_revenue).label("lifetime_revenue"),
            sa.func.sum(p.lifetime_purchases).label("lifetime_purchases"),
            sa.func.max(p.last_purchase).label("last_purchase"),
            sa.func.min(p.first_purchase).label("first_purchase"),
        )
        .select_from(partial.outerjoin(CONTACT, CONTACT.c.id == p.contact_id))
        .where(cid.is_not(None))
        .group_by(kind, cid, p.currency)
        .cte("customers")
    )
    c = customers.c
    recency = days_between(at(until, "until"), c.last_purchase)
    r = recency_score(recency)
    f = frequency_score(c.lifetime_purchases)
    below = sa.func.rank().over(partition_by=c.currency, order_by=c.lifetime_revenue) - 1
    m = 1 + (5 * below) // sa.func.count().over(partition_by=c.currency)
    scored = sa.select(
        customers,
        recency.label("recency_days"),
        r.label("r"),
        f.label("f"),
        m.label("m"),
        sa.case(
            (c.lifetime_purchases > 1, days_between(c.last_purchase, c.first_purchase) / (c.lifetime_purchases - 1)),
            else_=sa.null(),
        ).label("avg_interval_days"),
    ).subquery("scored")
    s = scored.c
    return sa.select(scored, segment_of(s.r, s.f, s.m).label("segment")).cte("segmented")


def _margins(session: Session, params: ReportParams, since: Any, until: Any) -> dict[tuple[str, int, str], Any]:
    """(customer kind, id, currency) -> (margin × 10⁴, covered net × 10⁴) over the window's purchases."""
    kind, cid = customer_of(DEAL, CONTACT)
    net = LINE.c.quantity * LINE.c.unit_price * (10000 - LINE.c.discount_bp)
    cost = LINE.c.quantity * LINE.c.unit_cost * 10000
    stmt = (
        sa.select(
            kind.label("ckind"),
            cid.label("cid"),
            DEAL.c.currency,
            sa.func.sum(net - cost).label("margin"),
            sa.func.sum(net).label("covered"),
        )
        .select_from(DEAL.join(LINE, LINE.c.deal_id == DEAL.c.id).outerjoin(CONTACT, CONTACT.c.id == DEAL.c.contact_id))
        .where(*_filters(session, params), DEAL.c.closed_at >= since, DEAL.c.closed_at < until)
        .where(LINE.c.unit_cost.is_not(None))
        .group_by(kind, cid, DEAL.c.currency)
    )
    return {(r.ckind, int(r.cid), r.currency): r for r in session.execute(stmt) if r.cid is not None}


def build(session: Session, params: ReportParams) -> Report:
    """Compute the customers report."""
    window = params.window()
    seg = scored_customers(session, params, window.since, window.until)
    s = seg.c
    # One statement for the top customers and the segment totals, so the per-customer
    # aggregation (the expensive part) runs once; names are looked up for the top rows only.
    best = (
        sa.select(seg)
        .order_by(s.revenue.desc(), s.lifetime_revenue.desc(), s.ckind, s.cid, s.currency)
        .limit(params.top or DEFAULT_TOP)
        .subquery("best")
    )
    b = best.c
    name = sa.func.coalesce(COMPANY.c.name, CONTACT.c.display_name)
    top = sa.select(
        sa.literal("top").label("part"),
        b.ckind,
        b.cid,
        b.currency,
        b.segment,
        b.revenue,
        b.previous,
        b.purchases,
        b.lifetime_revenue,
        b.lifetime_purchases,
        b.last_purchase,
        b.avg_interval_days,
        b.recency_days,
        b.r,
        b.f,
        b.m,
        name.label("name"),
        sa.literal(1).label("customers"),
    ).select_from(
        best.outerjoin(COMPANY, sa.and_(b.ckind == "company", COMPANY.c.id == b.cid)).outerjoin(
            CONTACT, sa.and_(b.ckind == "contact", CONTACT.c.id == b.cid)
        )
    )
    totals = sa.select(
        sa.literal("segment"),
        sa.null(),
        sa.null(),
        s.currency,
        s.segment,
        sa.func.sum(s.revenue),
        sa.null(),
        sa.null(),
        sa.func.sum(s.lifetime_revenue),
        sa.null(),
        sa.null(),
        sa.null(),
        sa.null(),
        sa.null(),
        sa.null(),
        sa.null(),
        sa.null(),
        sa.func.count(),
    ).group_by(s.segment, s.currency)
    found = session.execute(sa.union_all(top, totals)).all()
    margins = _margins(session, params, window.since, window.until)
    rows = []
    for r in sorted(
        (r for r in found if r.part == "top"),
        key=lambda r: (-whole(r.revenue), -whole(r.lifetime_revenue), r.name or "", r.currency),
    ):
        margin_of = margins.get((r.ckind, int(r.cid), r.currency))
        margin = rounded_div(margin_of.margin, 10000) if margin_of is not None else None
        covered = rounded_div(margin_of.covered, 10000) if margin_of is not None else None
        revenue, previous = whole(r.revenue), whole(r.previous)
        rows.append(
            {
                "customer": r.name or f"{r.ckind} #{r.cid}",
                "kind": r.ckind,
                "id": int(r.cid),
                "currency": r.currency,
                "revenue": revenue,
                "previous": previous,
                "growth": ratio(revenue - previous, previous) if previous else None,
                "purchases": whole(r.purchases),
                "margin": margin,
                "margin_pct": ratio(margin, covered) if covered else None,
                "lifetime_revenue": whole(r.lifetime_revenue),
                "lifetime_purchases": whole(r.lifetime_purchases),
                "last_purchase": r.last_purchase,
                "avg_interval_days": num(r.avg_interval_days),
                "recency_days": num(r.recency_days),
                "rfm": f"{r.r}{r.f}{r.m}",
                "segment": r.segment,
            }
        )
    summary = [r for r in found if r.part == "segment"]
    segment_rows = [
        {
            "segment": r.segment,
            "currency": r.currency,
            "customers": whole(r.customers),
            "revenue": whole(r.revenue),
            "lifetime_revenue": whole(r.lifetime_revenue),
        }
        for r in sorted(summary, key=lambda r: (SEGMENTS.index(r.segment), r.currency))
    ]
    sections = [
        Section(
            "customers",
            f"Top {params.top or DEFAULT_TOP} customers by revenue",
            [
                Col("customer"),
                Col("currency"),
                Col("revenue", kind="money"),
                Col("growth", kind="percent"),
                Col("margin", kind="money"),
                Col("margin_pct", "margin %", "percent", show=False),
                Col("purchases", kind="int"),
                Col("last_purchase", "last purchase", "date"),
                Col("avg_interval_days", "avg interval (days)", "days"),
                Col("rfm", "RFM"),
                Col("segment"),
                Col("kind", show=False),
                Col("id", kind="int", show=False),
                Col("previous", kind="money", show=False),
                Col("lifetime_revenue", "lifetime revenue", "money", show=False),
                Col("lifetime_purchases", "lifetime purchases", "int", show=False),
                Col("recency_days", "days since purchase", "days", show=False),
            ],
            rows,
            bar="revenue",
            empty="no purchases yet",
        ),
        Section(
            "segments",
            "RFM segments",
            [
                Col("segment"),
                Col("currency"),
                Col("customers", kind="int"),
                Col("revenue", kind="money"),
                Col("lifetime_revenue", "lifetime revenue", "money"),
            ],
            segment_rows,
            bar="customers",
            empty="no purchases yet",
        ),
    ]
    return Report("customers", TITLE, params.as_dict(window, top=params.top or DEFAULT_TOP), sections)
