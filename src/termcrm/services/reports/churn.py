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


# The per-customer figures are computed in two steps, so the big GROUP BY follows an index
# (ix_deal_customer, ix_interaction_customer) instead of sorting every row: first per
# (record's company, record's contact) -- and period slot -- then those partial rows per
# customer, looking the contact's company up once per group (see ``customer_of``).


def _deal_people(filters: list[Any], until: datetime, since: datetime | None = None, slot: Any = None) -> Any:
    """Won deals before ``until`` (from ``since``) per (company, contact[, slot]): last, first, count."""
    keys = [DEAL.c.company_id, DEAL.c.contact_id]
    if slot is not None:
        keys.append(slot(DEAL.c.closed_at).label("slot"))
    stmt = sa.select(
        *keys,
        sa.func.max(DEAL.c.closed_at).label("last"),
        sa.func.min(DEAL.c.closed_at).label("first"),
        sa.func.count().label("n"),
    ).where(*filters, DEAL.c.closed_at < until)
    if since is not None:
        stmt = stmt.where(DEAL.c.closed_at >= since)
    return stmt.group_by(*keys)


def _interaction_people(until: datetime, since: datetime | None = None, slot: Any = None) -> Any:
    """Live interactions before ``until`` (from ``since``) per (company, contact[, slot]): last, first, count."""
    t = INTERACTION.c
    keys = [t.company_id, t.contact_id]
    if slot is not None:
        keys.append(slot(t.occurred_at).label("slot"))
    stmt = sa.select(
        *keys,
        sa.func.max(t.occurred_at).label("last"),
        sa.func.min(t.occurred_at).label("first"),
        sa.func.count().label("n"),
    ).where(t.archived_at.is_(None), t.occurred_at < until)
    if since is not None:
        stmt = stmt.where(t.occurred_at >= since)
    return stmt.group_by(*keys)


def _per_customer(partial: Any, name: str, *, slot: bool = False) -> Any:
    """A CTE: the partial rows of ``partial`` per customer (ckind, cid[, slot]): last, first, n."""
    part = partial.subquery(f"{name}_partial") if not isinstance(partial, sa.Subquery) else partial
    kind, cid = customer_of(part, CONTACT)
    keys = [kind.label("ckind"), cid.label("cid")]
    if slot:
        keys.append(part.c.slot)
    return (
        sa.select(
            *keys,
            sa.func.max(part.c.last).label("last"),
            sa.func.min(part.c.first).label("first"),
            sa.func.sum(part.c.n).label("n"),
        )
        .select_from(part.outerjoin(CONTACT, CONTACT.c.id == part.c.contact_id))
        .where(cid.is_not(None))
        .group_by(*[kind, cid, *([part.c.slot] if slot else [])])
        .cte(name)
    )


def churn_rates(session: Session, params: ReportParams, window: Window) -> list[dict[str, Any]]:
    """Per period of ``window``: active before, churned, churn rate, partial (see the module docstring)."""
    filters = _deal_filters(session, params)
    firsts = _per_customer(_deal_people(filters, window.until), "firsts")
    return _rate_rows(params, window, session.execute(_rates(params, window, filters, firsts)).all())


MASK_SLOTS = 62
"""Up to this many slots the churn rates come from one bit mask per customer (a signed 64-bit integer)."""


def _rates(params: ReportParams, window: Window, filters: list[Any], firsts: Any) -> Any:
    """SQL: (slot, active, gone) per slot; slot 0 is the period before the window, ``firsts`` has
    each customer's first purchase (``ckind``, ``cid``, ``first``) among the purchases before its end."""
    periods = window.periods
    before = shift(periods[0], params.period, -1)
    start, until = before.start, window.until
    ends = [before.end, *[p.end for p in periods]]

    def slot(column: Any) -> Any:
        return bucket(column, ends)

    # the events of the periods are few per (person, slot), so they go to their customer row by row
    deal_kind, deal_cid = customer_of(DEAL, CONTACT)
    talk_kind, talk_cid = customer_of(INTERACTION, CONTACT)
    events = sa.union_all(
        sa.select(deal_kind.label("ckind"), deal_cid.label("cid"), DEAL.c.closed_at.label("at"))
        .select_from(DEAL.outerjoin(CONTACT, CONTACT.c.id == DEAL.c.contact_id))
        .where(*filters, DEAL.c.closed_at >= start, DEAL.c.closed_at < until),
        sa.select(talk_kind.label("ckind"), talk_cid.label("cid"), INTERACTION.c.occurred_at.label("at"))
        .select_from(INTERACTION.outerjoin(CONTACT, CONTACT.c.id == INTERACTION.c.contact_id))
        .where(
            INTERACTION.c.archived_at.is_(None), INTERACTION.c.occurred_at >= start, INTERACTION.c.occurred_at < until
        ),
    ).subquery("events")
    if len(ends) <= MASK_SLOTS:
        return _rates_by_mask(events, firsts, slot, len(ends))
    return _rates_by_slot(events, firsts, slot)


def _rates_by_mask(events: Any, firsts: Any, slot: Any, slots: int) -> Any:
    """:func:`_rates` through one bit mask per customer: bit k set when it was active in slot k.

    A customer's events are grouped once per customer (not per customer and slot, which leaves
    nearly as many groups as events), the masks once more into the few distinct masks and their
    number of customers, and each slot's counts read off those. Activity counts from the
    customer's first purchase on: the purchase is itself an event of its slot (the events and
    ``firsts`` read the same purchases before the window's end), so the customer is active in
    that slot and in every later slot with an event, and the bits below it are cleared.
    Masks hold up to :data:`MASK_SLOTS` slots; longer windows take :func:`_rates_by_slot`.
    """
    one = sa.cast(sa.literal(1), sa.BigInteger)
    per_customer = (
        sa.select(
            events.c.ckind,
            events.c.cid,
            # the distinct powers of two of a customer's slots add up to their bitwise OR
            sa.cast(sa.func.sum(sa.distinct(one.op("<<")(slot(events.c.at)))), sa.BigInteger).label("mask"),
        )
        .where(events.c.cid.is_not(None))
        .group_by(events.c.ckind, events.c.cid)
        .subquery("per_customer")
    )
    first_slot = sa.cast(slot(firsts.c.first), sa.Integer)
    kept = per_customer.c.mask.op(">>")(first_slot).op("<<")(first_slot)
    customers = (
        sa.select(kept.label("mask"))
        .select_from(
            per_customer.join(
                firsts, sa.and_(firsts.c.ckind == per_customer.c.ckind, firsts.c.cid == per_customer.c.cid)
            )
        )
        .subquery("customers")
    )
    masks = (
        sa.select(customers.c.mask, sa.func.count().label("n"))
        .where(customers.c.mask != 0)
        .group_by(customers.c.mask)
        .subquery("masks")
    )
    numbers = sa.union_all(*[sa.select(sa.literal(k, sa.Integer).label("slot")) for k in range(slots)]).subquery(
        "numbers"
    )
    n, mask = masks.c.n, masks.c.mask
    active = mask.op(">>")(numbers.c.slot).op("&")(1) == 1
    next_active = mask.op(">>")(numbers.c.slot + 1).op("&")(1) == 1
    return (
        sa.select(
            numbers.c.slot,
            sa.func.sum(sa.case((active, n), else_=0)).label("active"),
            sa.func.sum(sa.case((sa.and_(active, sa.not_(next_active)), n), else_=0)).label("gone"),
        )
        .select_from(numbers.join(masks, sa.true()))
        .group_by(numbers.c.slot)
    )


def _rates_by_slot(events: Any, firsts: Any, slot: Any) -> Any:
    """:func:`_rates` through one row per customer and slot (any number of slots)."""
    # grouped once, by (customer, slot)
    event_slot = slot(events.c.at)
    per_slot = (
        sa.select(events.c.ckind, events.c.cid, event_slot.label("slot"), sa.func.max(events.c.at).label("last"))
        .where(events.c.cid.is_not(None))
        .group_by(events.c.ckind, events.c.cid, event_slot)
        .cte("per_slot")
    )
    # active in a slot: an event in it at or after the customer's first purchase
    active = (
        sa.select(per_slot.c.ckind, per_slot.c.cid, per_slot.c.slot)
        .select_from(per_slot.join(firsts, sa.and_(firsts.c.ckind == per_slot.c.ckind, firsts.c.cid == per_slot.c.cid)))
        .where(per_slot.c.last >= firsts.c.first)
        .cte("active")
    )
    # a customer active in a slot is gone in the next one when its next active slot is not that one
    following = sa.func.lead(active.c.slot).over(partition_by=[active.c.ckind, active.c.cid], order_by=active.c.slot)
    marked = sa.select(active.c.slot, following.label("following")).subquery("marked")
    m = marked.c
    return sa.select(
        m.slot,
        sa.func.count().label("active"),
        sa.func.sum(sa.case((sa.or_(m.following.is_(None), m.following != m.slot + 1), 1), else_=0)).label("gone"),
    ).group_by(m.slot)


def _rate_rows(params: ReportParams, window: Window, found: Any) -> list[dict[str, Any]]:
    """The rows of :func:`churn_rates` from the (slot, active, gone) rows of :func:`_rates`."""
    periods = window.periods
    counts: dict[int, int] = {}
    gone: dict[int, int] = {}
    for r in found:
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

    purchased = _per_customer(_deal_people(filters, as_of), "purchased")
    talked = _per_customer(_interaction_people(as_of), "talked_to")
    purchases = sa.select(
        purchased.c.ckind, purchased.c.cid, purchased.c.last.label("last_purchase"), purchased.c.n.label("purchases")
    ).cte("purchases")
    contacts = sa.select(talked.c.ckind, talked.c.cid, talked.c.last.label("last_interaction")).cte("contacts")
    p, i = purchases.c, contacts.c
    last_active = sa.case(
        (sa.or_(i.last_interaction.is_(None), p.last_purchase >= i.last_interaction), p.last_purchase),
        else_=i.last_interaction,
    )
    joined = purchases.outerjoin(contacts, sa.and_(i.ckind == p.ckind, i.cid == p.cid))
    lapsed_where = [p.last_purchase < cutoff, sa.or_(i.last_interaction.is_(None), i.last_interaction < cutoff)]
    lapsed_flag = sa.case((sa.and_(*lapsed_where), 1), else_=0)
    name = sa.func.coalesce(COMPANY.c.name, CONTACT.c.display_name).label("name")
    order = [lapsed_flag.desc(), last_active.desc(), name]
    lapsed_top = (
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
            sa.func.row_number().over(order_by=order).label("place"),
        )
        .select_from(
            joined.outerjoin(COMPANY, sa.and_(p.ckind == "company", COMPANY.c.id == p.cid)).outerjoin(
                CONTACT, sa.and_(p.ckind == "contact", CONTACT.c.id == p.cid)
            )
        )
        .order_by(*order)
        .limit(top)
        .subquery("lapsed_top")
    )
    # The churn rates need each customer's first purchase, which ``purchased`` already has
    # (same purchases: the window ends at ``as_of``): one statement computes it once for both.
    rates = _rates(params, window, filters, purchased).subquery("rates")
    t, q = lapsed_top.c, rates.c
    nothing = [sa.null() for _ in range(11)]
    both = session.execute(
        sa.union_all(
            sa.select(
                sa.literal("lapsed").label("part"),
                t.ckind,
                t.cid,
                t.name,
                t.last_purchase,
                t.purchases,
                t.last_interaction,
                t.quiet_days,
                t.lapsed,
                t.customers_n,
                t.lapsed_n,
                t.place,
                sa.null().label("slot"),
                sa.null().label("active"),
                sa.null().label("gone"),
            ),
            sa.select(sa.literal("rate"), *nothing, q.slot, q.active, q.gone),
        )
    ).all()
    found = sorted((r for r in both if r.part == "lapsed"), key=lambda r: int(r.place))
    rate_rows = _rate_rows(params, window, [r for r in both if r.part == "rate"])
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

    complete = [r for r in rate_rows if not r["partial"]]
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
            rate_rows,
            bar="churn_rate",
            spark="churn_rate",
        ),
    ]
    return Report("churn", TITLE, params.as_dict(window, days=days, top=top), sections)
