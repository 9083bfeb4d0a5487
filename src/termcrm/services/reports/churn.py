"""Churn report: customers gone quiet, contacts whose cadence lapsed, and the churn rate by period.

Customers and purchases are as in the customers report (a company, or a
contact without one; a purchase is a won deal).

* **Lapsed customers**: customers with a purchase whose last purchase and last
  interaction are both more than ``--days N`` days (default: config
  ``report.churn_days``, 90) before the report's end (``--until``, else now).
  Listed most recently active first (``--top N``, default 20).
* **Lapsed cadences**: contacts with a "stay in touch every N days" cadence
  whose last contact (or, never contacted, their creation) is more than N days
  ago; most overdue first. With ``--owner``, only the contacts that user owns
  (``--pipeline`` does not narrow them: a contact is in no pipeline).
* **Churn rate by period**: a customer is *active* in a period when it made a
  purchase or had an interaction in it, counting from its first purchase on.
  Churned in a period = active in the previous period and not in this one;
  churn rate = churned / active in the previous period. The current period is
  marked partial, since it is not over.

Customers, purchases and interactions are read from the report tables the
database keeps current (migrations 0006_report_tables and 0007_report_scopes):
the per-customer summaries for the lapsed customers, and each event's
``prev_us`` for the churn rates, which then need no grouping by customer (see
:func:`_rates_by_scan`). With ``--owner`` or ``--pipeline`` the lapsed
customers come from that owner's or pipeline's summaries and the rates from one
bit mask per customer of the scope (:func:`_rates_by_customer`); with both at
once the purchases of the scope are grouped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.services.reports import (
    Col,
    Report,
    ReportParams,
    Section,
    Window,
    ratio,
    shift,
)
from termcrm.services.reports._sql import (
    COMPANY,
    CONTACT,
    CUSTOMER,
    DAY_US,
    EVENT,
    PURCHASE,
    TALK,
    at,
    bucket,
    customer_of_key,
    days_between,
    fenced,
    from_us,
    materialized_cte,
    num,
    us,
    whole,
)
from termcrm.services.reports.customers import Figures, Scope

TITLE = "Churn risk"
SUMMARY = "customers with no purchase or interaction in N days, lapsed cadences, churn rate by period"

DEFAULT_TOP = 20


def churn_days(session: Session, params: ReportParams) -> int:
    """``--days``, else config ``report.churn_days``."""
    if params.days:
        return params.days
    settings = session.info.get("settings")
    return int(settings.get("report.churn_days")) if settings is not None else 90


def _customers(scope: Scope, as_of_us: int) -> Any:
    """SELECT per customer with a purchase before ``as_of_us``: purchases, last purchase, last interaction."""
    figures = Figures(scope, as_of_us, as_of_us)
    per_currency = fenced(
        figures.select(figures.lifetime_purchases.label("purchases"), figures.last_us.label("last_us"))
    ).subquery("per_currency")
    p = per_currency.c
    bought = (
        sa.select(p.customer_key, sa.func.sum(p.purchases).label("purchases"), sa.func.max(p.last_us).label("last_us"))
        .group_by(p.customer_key)
        .subquery("bought")
    )
    b = bought.c
    e = EVENT.c
    c = CUSTOMER.c
    last_talk = sa.case(
        (c.last_interaction_us < as_of_us, c.last_interaction_us),
        else_=sa.select(sa.func.max(e.at_us))
        .where(e.kind == TALK, e.customer_key == b.customer_key, e.currency.is_(None), e.at_us < as_of_us)
        .scalar_subquery(),
    )
    return sa.select(
        b.customer_key, b.purchases, b.last_us.label("last_purchase_us"), last_talk.label("last_interaction_us")
    ).select_from(bought.outerjoin(CUSTOMER, c.customer_key == b.customer_key))


def churn_rates(session: Session, params: ReportParams, window: Window) -> list[dict[str, Any]]:
    """Per period of ``window``: active before, churned, churn rate, partial (see the module docstring)."""
    return _rate_rows(params, window, _rate_figures(session, params, window, Scope(session, params)))


def _rate_figures(session: Session, params: ReportParams, window: Window, scope: Scope) -> list[Any]:
    """(slot, active, gone) per slot: slot 0 is the period before the window; gone counts the customers
    active in the slot and not in the next."""
    start, ends = _slot_ends(params, window)
    until = us(window.until)
    if not scope.events and len(ends) <= SLOT_SCANS:
        return _rate_counts(session.execute(_rates_by_scan(start, ends, until)).all())
    return [tuple(r) for r in session.execute(_rates_by_customer(start, ends, until, scope))]


MASK_SLOTS = 62
"""Up to this many slots the churn rates of a scoped report come from one bit mask per customer."""

SLOT_SCANS = 200
"""Up to this many slots an unscoped report counts each slot's first events with two index range scans."""


def _slot_ends(params: ReportParams, window: Window) -> tuple[int, list[int]]:
    """(start, ends) in microseconds: slot 0 is the period before the window, then its periods."""
    periods = window.periods
    before = shift(periods[0], params.period, -1)
    return us(before.start), [us(before.end), *[us(p.end) for p in periods]]


def _rates_by_scan(start: int, ends: list[int], until: int) -> Any:
    """SQL: (slot, what, n) rows, the first events of each slot (``active``) and those of them that follow
    an event of the slot before (``both``); from ``report_event.prev_us``, without grouping by customer.

    Counting from a customer's first purchase on, ``prev_us`` is the time of its previous event
    (NULL for the first). So a customer is active in a slot exactly when one of its events in the
    slot has no previous event in it: the slot's events with ``prev_us`` before the slot's start,
    one per active customer. Of those, the ones whose previous event lies in the slot before are
    the customers active in both. Two index range scans per slot; the interactions before a first
    purchase carry their own time as ``prev_us``, so they never count.
    """
    e = EVENT.c
    starts = [start, *ends[:-1]]
    parts = []
    for slot, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        hi = min(hi, until)
        if lo >= hi:
            continue
        in_slot = [e.at_us >= lo, e.at_us < hi]
        first = sa.or_(e.prev_us.is_(None), e.prev_us < lo)
        parts.append(
            sa.select(
                sa.literal(slot).label("slot"), sa.literal("active").label("what"), sa.func.count().label("n")
            ).where(*in_slot, first)
        )
        if slot:
            parts.append(
                sa.select(sa.literal(slot), sa.literal("both"), sa.func.count()).where(
                    *in_slot, e.prev_us >= starts[slot - 1], e.prev_us < lo
                )
            )
    return sa.union_all(*parts)


def _rate_counts(found: Any) -> list[tuple[int, int, int]]:
    """(slot, active, gone) from :func:`_rates_by_scan`'s (slot, what, n) rows."""
    active = {int(r.slot): whole(r.n) for r in found if r.what == "active"}
    both = {int(r.slot): whole(r.n) for r in found if r.what == "both"}
    return [(slot, n, n - both.get(slot + 1, 0)) for slot, n in sorted(active.items())]


def _rates_by_customer(start: int, ends: list[int], until: int, scope: Scope) -> Any:
    """SQL: (slot, active, gone) by grouping each customer's events (any scope, any number of slots).

    The events are the purchases of the scope and every interaction in the slots; each
    customer's first purchase (of the scope, before the window's end) starts its activity. Only
    the customers with such a purchase are read: each one's first purchase (from the scope's
    summary, or grouped from its purchases for an owner and a pipeline at once), then its events
    in the window through its range of ``ix_report_event_customer``, which covers the owner and
    pipeline too, so no event row is read.
    """
    e = EVENT.c
    if scope.summary is not None:
        table, where = scope.summary
        t = table.c
        firsts = (
            sa.select(t.customer_key, sa.func.min(t.first_us).label("first"))
            .where(*where, t.first_us < until)
            .group_by(t.customer_key)
            .subquery("firsts")
        )
    else:
        firsts = (
            sa.select(e.customer_key, sa.func.min(e.at_us).label("first"))
            .where(e.kind == PURCHASE, e.at_us < until, *scope.events)
            .group_by(e.customer_key)
            .subquery("firsts")
        )
    in_window = [
        e.customer_key == firsts.c.customer_key,
        e.at_us >= start,
        e.at_us < until,
        sa.or_(e.kind == TALK, sa.and_(e.kind == PURCHASE, *scope.events)),
    ]

    def slot(column: Any) -> Any:
        return bucket(column, ends)

    if len(ends) <= MASK_SLOTS:
        return _rates_by_mask(firsts, in_window, slot, len(ends))
    events = sa.select(firsts.c.customer_key, firsts.c.first, e.at_us).where(*in_window).subquery("events")
    return _rates_by_slot(events, slot)


def _rates_by_mask(firsts: Any, in_window: list[Any], slot: Any, slots: int) -> Any:
    """:func:`_rates_by_customer` through one bit mask per customer: bit k set when it was active in slot k.

    ``firsts``: (customer_key, first) rows, ``first`` the customer's first purchase; ``in_window``
    picks its events. Each customer's mask is one aggregate over its events (a subquery per
    customer, so nothing is sorted), the masks are grouped into the few distinct masks and their
    number of customers, and each slot's counts read off those. Activity counts from the
    customer's first purchase on: the purchase is itself an event of its slot, so the customer is
    active in that slot and in every later slot with an event, and the bits below it are cleared.
    Masks hold up to :data:`MASK_SLOTS` slots; longer windows take :func:`_rates_by_slot`.
    """
    one = sa.cast(sa.literal(1), sa.BigInteger)
    e = EVENT.c
    first_slot = sa.cast(slot(firsts.c.first), sa.Integer)
    # the distinct powers of two of a customer's slots add up to their bitwise OR
    mask = sa.cast(
        sa.select(sa.func.sum(sa.distinct(one.op("<<")(slot(e.at_us))))).where(*in_window).scalar_subquery(),
        sa.BigInteger,
    )
    customers = fenced(sa.select(mask.op(">>")(first_slot).op("<<")(first_slot).label("mask"))).subquery("customers")
    masks = (
        sa.select(customers.c.mask, sa.func.count().label("n"))
        .where(customers.c.mask != 0)
        .group_by(customers.c.mask)
        .subquery("masks")
    )
    numbers = sa.union_all(*[sa.select(sa.literal(k, sa.Integer).label("slot")) for k in range(slots)]).subquery(
        "numbers"
    )
    n, bits = masks.c.n, masks.c.mask
    active = bits.op(">>")(numbers.c.slot).op("&")(1) == 1
    next_active = bits.op(">>")(numbers.c.slot + 1).op("&")(1) == 1
    return (
        sa.select(
            numbers.c.slot,
            sa.func.sum(sa.case((active, n), else_=0)).label("active"),
            sa.func.sum(sa.case((sa.and_(active, sa.not_(next_active)), n), else_=0)).label("gone"),
        )
        .select_from(numbers.join(masks, sa.true()))
        .group_by(numbers.c.slot)
    )


def _rates_by_slot(events: Any, slot: Any) -> Any:
    """:func:`_rates_by_customer` through one row per customer and slot (any number of slots)."""
    c = events.c
    event_slot = slot(c.at_us)
    # active in a slot: an event in it at or after the customer's first purchase
    active = (
        sa.select(c.customer_key, event_slot.label("slot"))
        .group_by(c.customer_key, c.first, event_slot)
        .having(sa.func.max(c.at_us) >= c.first)
        .cte("active")
    )
    # a customer active in a slot is gone in the next one when its next active slot is not that one
    following = sa.func.lead(active.c.slot).over(partition_by=active.c.customer_key, order_by=active.c.slot)
    marked = sa.select(active.c.slot, following.label("following")).subquery("marked")
    m = marked.c
    return sa.select(
        m.slot,
        sa.func.count().label("active"),
        sa.func.sum(sa.case((sa.or_(m.following.is_(None), m.following != m.slot + 1), 1), else_=0)).label("gone"),
    ).group_by(m.slot)


def _rate_rows(params: ReportParams, window: Window, found: Any) -> list[dict[str, Any]]:
    """The rows of :func:`churn_rates` from the (slot, active, gone) rows of :func:`_rate_figures`."""
    periods = window.periods
    counts: dict[int, int] = {}
    gone: dict[int, int] = {}
    for slot, active, gone_n in found:
        if slot is not None:
            counts[int(slot)] = whole(active)
            gone[int(slot) + 1] = whole(gone_n)
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
    scope = Scope(session, params)
    as_of_us, cutoff_us = us(as_of), us(cutoff)

    per = materialized_cte(session, _customers(scope, as_of_us), "per_customer")
    p = per.c
    lapsed = sa.and_(
        p.last_purchase_us < cutoff_us,
        sa.or_(p.last_interaction_us.is_(None), p.last_interaction_us < cutoff_us),
    )
    last_active = sa.case(
        (
            sa.or_(p.last_interaction_us.is_(None), p.last_purchase_us >= p.last_interaction_us),
            p.last_purchase_us,
        ),
        else_=p.last_interaction_us,
    )
    name = sa.func.coalesce(COMPANY.c.name, CONTACT.c.display_name)
    top_lapsed = (
        sa.select(
            p.customer_key,
            name.label("name"),
            p.purchases,
            p.last_purchase_us,
            p.last_interaction_us,
            last_active.label("last_active_us"),
        )
        .select_from(
            per.outerjoin(COMPANY, sa.and_(p.customer_key > 0, COMPANY.c.id == p.customer_key)).outerjoin(
                CONTACT, sa.and_(p.customer_key < 0, CONTACT.c.id == -p.customer_key)
            )
        )
        .where(lapsed)
        .order_by(last_active.desc(), name)
        .limit(top)
        .subquery("top_lapsed")
    )
    t = top_lapsed.c
    both = session.execute(
        sa.union_all(
            sa.select(
                sa.literal("count").label("part"),
                sa.null().label("customer_key"),
                sa.null().label("name"),
                sa.func.count().label("purchases"),
                sa.func.sum(sa.case((lapsed, 1), else_=0)).label("last_purchase_us"),
                sa.null().label("last_interaction_us"),
                sa.null().label("last_active_us"),
                sa.null().label("place"),
            ).select_from(per),
            sa.select(
                sa.literal("lapsed"),
                t.customer_key,
                t.name,
                t.purchases,
                t.last_purchase_us,
                t.last_interaction_us,
                t.last_active_us,
                # the order of the ranking (names compare as the database does)
                sa.func.row_number().over(order_by=[t.last_active_us.desc(), t.name]),
            ),
        )
    ).all()
    counted = next(r for r in both if r.part == "count")
    customers_n, lapsed_n = whole(counted.purchases), whole(counted.last_purchase_us)
    found = sorted((r for r in both if r.part == "lapsed"), key=lambda r: int(r.place))
    lapsed_rows = []
    for r in found:
        ckind, cid = customer_of_key(int(r.customer_key))
        lapsed_rows.append(
            {
                "customer": r.name or f"{ckind} #{cid}",
                "kind": ckind,
                "id": cid,
                "last_purchase": from_us(r.last_purchase_us),
                "last_interaction": from_us(r.last_interaction_us),
                "days_quiet": (as_of_us - int(r.last_active_us)) / DAY_US,
                "purchases": whole(r.purchases),
            }
        )
    rate_rows = _rate_rows(params, window, _rate_figures(session, params, window, scope))

    c = CONTACT.c
    since_contact = days_between(at(as_of, "as_of"), sa.func.coalesce(c.last_contacted_at, c.created_at))
    overdue = since_contact - c.cadence_days
    cadence_where = [c.archived_at.is_(None), c.cadence_days.is_not(None), c.cadence_days > 0, overdue > 0]
    if scope.owner is not None:
        cadence_where.append(c.owner_id == scope.owner)
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
