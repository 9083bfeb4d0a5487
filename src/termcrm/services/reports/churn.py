"""Churn report: customers gone quiet, contacts whose cadence lapsed, and the churn rate by period.

Customers and purchases are as in the customers report (a company, or a
contact without one; a purchase is a won deal).

* **Lapsed customers**: customers with a purchase whose last purchase and last
  interaction are both more than ``--days N`` days (default: config
  ``report.churn_days``, 90) before the report's end (``--until``, else now).
  Listed most recently active first (``--top N``, default 20).
* **Lapsed cadences**: contacts with a "stay in touch every N days" cadence
  whose last contact (or, never contacted, their creation) is more than N days
  ago; most overdue first.
* **Churn rate by period**: a customer is *active* in a period when it made a
  purchase or had an interaction in it, counting from its first purchase on.
  Churned in a period = active in the previous period and not in this one;
  churn rate = churned / active in the previous period. The current period is
  marked partial, since it is not over.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
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
    shift,
)
from termcrm.services.reports._sql import (
    COMPANY,
    CONTACT,
    DEAL,
    INTERACTION,
    at,
    bucket,
    customer_of,
    days_between,
    num,
    whole,
)

TITLE = "Churn risk"
SUMMARY = "customers with no purchase or interaction in N days, lapsed cadences, churn rate by period"

DEFAULT_TOP = 20


def churn_days(session: Session, params: ReportParams) -> int:
    """``--days``, else config ``report.churn_days``."""
    if params.days:
        return params.days
    settings = session.info.get("settings")
    return int(settings.get("report.churn_days")) if settings is not None else 90


def _deal_filters(session: Session, params: ReportParams) -> list[Any]:
    out = [DEAL.c.status == "won", DEAL.c.archived_at.is_(None), DEAL.c.closed_at.is_not(None)]
    owner = owner_id(session, params)
    if owner is not None:
        out.append(DEAL.c.owner_id == owner)
    pid = pipeline_id(session, params)
    if pid is not None:
        out.append(DEAL.c.pipeline_id == pid)
    return out


def _purchases(filters: list[Any], until: datetime) -> Any:
    kind, cid = customer_of(DEAL, CONTACT)
    return (
        sa.select(kind.label("ckind"), cid.label("cid"), DEAL.c.closed_at.label("at"))
        .select_from(DEAL.outerjoin(CONTACT, CONTACT.c.id == DEAL.c.contact_id))
        .where(*filters, DEAL.c.closed_at < until)
    )


def _interactions(until: datetime, since: datetime | None = None) -> Any:
    kind, cid = customer_of(INTERACTION, CONTACT)
    stmt = (
        sa.select(kind.label("ckind"), cid.label("cid"), INTERACTION.c.occurred_at.label("at"))
        .select_from(INTERACTION.outerjoin(CONTACT, CONTACT.c.id == INTERACTION.c.contact_id))
        .where(INTERACTION.c.archived_at.is_(None), INTERACTION.c.occurred_at < until)
    )
    if since is not None:
        stmt = stmt.where(INTERACTION.c.occurred_at >= since)
    return stmt


def churn_rates(session: Session, params: ReportParams, window: Window) -> list[dict[str, Any]]:
    """Per period of ``window``: active before, churned, churn rate, partial (see the module docstring)."""
    periods = window.periods
    before = shift(periods[0], params.period, -1)
    start, until = before.start, window.until
    filters = _deal_filters(session, params)
    bought = _purchases(filters, until).subquery("bought")
    firsts = (
        sa.select(bought.c.ckind, bought.c.cid, sa.func.min(bought.c.at).label("first"))
        .group_by(bought.c.ckind, bought.c.cid)
        .cte("firsts")
    )
    events = sa.union_all(
        _purchases(filters, until).where(DEAL.c.closed_at >= start),
        _interactions(until, start),
    ).subquery("events")
    slot = bucket(events.c.at, [before.end, *[p.end for p in periods]])
    active = (
        sa.select(events.c.ckind, events.c.cid, slot.label("slot"))
        .select_from(events.join(firsts, sa.and_(firsts.c.ckind == events.c.ckind, firsts.c.cid == events.c.cid)))
        .where(events.c.at >= firsts.c.first, events.c.cid.is_not(None))
        .distinct()
        .cte("active")
    )
    a, b = active.alias("a"), active.alias("b")
    counts: dict[int, int] = {}
    gone: dict[int, int] = {}
    for r in session.execute(
        sa.select(
            a.c.slot,
            sa.func.count().label("active"),
            sa.func.sum(sa.case((b.c.cid.is_(None), 1), else_=0)).label("gone"),
        )
        .select_from(a.outerjoin(b, sa.and_(b.c.ckind == a.c.ckind, b.c.cid == a.c.cid, b.c.slot == a.c.slot + 1)))
        .group_by(a.c.slot)
    ):
        if r.slot is not None:
            counts[int(r.slot)] = whole(r.active)
            gone[int(r.slot) + 1] = whole(r.gone)
    rows = []
    for index, p in enumerate(periods, start=1):
        previous = counts.get(index - 1, 0)
        churned = gone.get(index, 0)
        rows.append(
            {
                "period": p.key,
                "active": counts.get(index, 0),
                "active_before": previous,
                "churned": churned,
                "churn_rate": ratio(churned, previous),
                "partial": p.end > min(params.now, window.until),
            }
        )
    return rows


def build(session: Session, params: ReportParams) -> Report:
    """Compute the churn report."""
    window = params.window()
    as_of = params.until or params.now
    days = churn_days(session, params)
    cutoff = as_of - timedelta(days=days)
    top = params.top or DEFAULT_TOP
    filters = _deal_filters(session, params)

    bought = _purchases(filters, as_of).subquery("bought")
    purchases = (
        sa.select(
            bought.c.ckind,
            bought.c.cid,
            sa.func.max(bought.c.at).label("last_purchase"),
            sa.func.count().label("purchases"),
        )
        .where(bought.c.cid.is_not(None))
        .group_by(bought.c.ckind, bought.c.cid)
        .cte("purchased")
    )
    talked = _interactions(as_of).subquery("talked")
    contacts = (
        sa.select(talked.c.ckind, talked.c.cid, sa.func.max(talked.c.at).label("last_interaction"))
        .where(talked.c.cid.is_not(None))
        .group_by(talked.c.ckind, talked.c.cid)
        .cte("talked_to")
    )
    p, i = purchases.c, contacts.c
    last_active = sa.case(
        (sa.or_(i.last_interaction.is_(None), p.last_purchase >= i.last_interaction), p.last_purchase),
        else_=i.last_interaction,
    )
    joined = purchases.outerjoin(contacts, sa.and_(i.ckind == p.ckind, i.cid == p.cid))
    lapsed_where = [p.last_purchase < cutoff, sa.or_(i.last_interaction.is_(None), i.last_interaction < cutoff)]
    lapsed_flag = sa.case((sa.and_(*lapsed_where), 1), else_=0)
    name = sa.func.coalesce(COMPANY.c.name, CONTACT.c.display_name).label("name")
    found = session.execute(
        sa.select(
            p.ckind,
            p.cid,
            name,
            p.last_purchase,
            p.purchases,
            i.last_interaction,
            days_between(at(as_of, "as_of"), last_active).label("quiet_days"),
            lapsed_flag.label("lapsed"),
            sa.func.count().over().label("customers_n"),
            sa.func.sum(lapsed_flag).over().label("lapsed_n"),
        )
        .select_from(
            joined.outerjoin(COMPANY, sa.and_(p.ckind == "company", COMPANY.c.id == p.cid)).outerjoin(
                CONTACT, sa.and_(p.ckind == "contact", CONTACT.c.id == p.cid)
            )
        )
        .order_by(lapsed_flag.desc(), last_active.desc(), name)
        .limit(top)
    ).all()
    customers_n = whole(found[0].customers_n) if found else 0
    lapsed_n = whole(found[0].lapsed_n) if found else 0
    lapsed_rows = [
        {
            "customer": r.name or f"{r.ckind} #{r.cid}",
            "kind": r.ckind,
            "id": int(r.cid),
            "last_purchase": r.last_purchase,
            "last_interaction": r.last_interaction,
            "days_quiet": num(r.quiet_days),
            "purchases": whole(r.purchases),
        }
        for r in found
        if r.lapsed
    ]

    c = CONTACT.c
    since_contact = days_between(at(as_of, "as_of"), sa.func.coalesce(c.last_contacted_at, c.created_at))
    overdue = since_contact - c.cadence_days
    cadence_where = [c.archived_at.is_(None), c.cadence_days.is_not(None), c.cadence_days > 0, overdue > 0]
    cadences = session.execute(
        sa.select(
            c.id,
            c.display_name,
            c.cadence_days,
            c.last_contacted_at,
            overdue.label("overdue"),
            sa.func.count().over().label("total"),
        )
        .where(*cadence_where)
        .order_by(overdue.desc(), c.display_name)
        .limit(top)
    ).all()
    cadence_n = whole(cadences[0].total) if cadences else 0
    cadence_rows = [
        {
            "contact": r.display_name,
            "id": int(r.id),
            "cadence_days": int(r.cadence_days),
            "last_contacted": r.last_contacted_at,
            "days_overdue": num(r.overdue),
        }
        for r in cadences
    ]

    rates = churn_rates(session, params, window)
    complete = [r for r in rates if not r["partial"]]
    summary = [
        {
            "customers": customers_n,
            "lapsed": lapsed_n,
            "lapsed_cadences": cadence_n,
            "churn_rate": complete[-1]["churn_rate"] if complete else None,
            "churn_period": complete[-1]["period"] if complete else None,
        }
    ]
    sections = [
        Section(
            "summary",
            "Summary",
            [
                Col("customers", kind="int"),
                Col("lapsed", f"lapsed ({days}d)", "int"),
                Col("lapsed_cadences", "lapsed cadences", "int"),
                Col("churn_rate", "churn rate", "percent"),
                Col("churn_period", "in period"),
            ],
            summary,
        ),
        Section(
            "lapsed",
            f"Customers with no purchase and no interaction in {days} days",
            [
                Col("customer"),
                Col("last_purchase", "last purchase", "date"),
                Col("last_interaction", "last interaction", "date"),
                Col("days_quiet", "days quiet", "days"),
                Col("purchases", kind="int"),
                Col("kind", show=False),
                Col("id", kind="int", show=False),
            ],
            lapsed_rows,
            empty="no lapsed customers",
        ),
        Section(
            "cadences",
            "Lapsed cadences",
            [
                Col("contact"),
                Col("cadence_days", "every (days)", "int"),
                Col("last_contacted", "last contacted", "date"),
                Col("days_overdue", "days overdue", "days"),
                Col("id", kind="int", show=False),
            ],
            cadence_rows,
            empty="no lapsed cadences",
        ),
        Section(
            "periods",
            f"Churn rate by {params.period}",
            [
                Col("period"),
                Col("active_before", "active before", "int"),
                Col("churned", kind="int"),
                Col("churn_rate", "churn rate", "percent"),
                Col("active", kind="int"),
                Col("partial"),
            ],
            rates,
            bar="churn_rate",
            spark="churn_rate",
        ),
    ]
    return Report("churn", TITLE, params.as_dict(window, days=days, top=top), sections)
