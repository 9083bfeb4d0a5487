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

The figures come from the report tables the database keeps current
(``report_customer_sales``, or ``report_scope_sales`` with ``--owner`` or
``--pipeline``, and ``report_event``; migrations 0006_report_tables and
0007_report_scopes), not from grouping every deal: see :class:`Figures`. The statements: every
customer's lifetime revenue (sorted here for the M score's thresholds), the
segment totals (grouped by the RFM scores), the top customers, their margins.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.models import schema
from termcrm.models.report_tables import REPORT_RECENT, SCOPE_OWNER, SCOPE_PIPELINE
from termcrm.services.reports import Col, Report, ReportParams, Section, owner_id, pipeline_id, ratio
from termcrm.services.reports._sql import (
    COMPANY,
    CONTACT,
    DAY_US,
    EVENT,
    PURCHASE,
    SALES,
    SCOPE_SALES,
    customer_of_key,
    fenced,
    fetch_rows,
    from_us,
    key_id,
    key_kind,
    rounded_div,
    us,
    whole,
)

TITLE = "Customer value"
SUMMARY = "revenue, margin, purchases, growth and RFM segment per customer"

SEGMENTS = ("champions", "loyal", "potential", "new", "at risk", "hibernating", "lost")
"""RFM segments, best first."""

DEFAULT_TOP = 20
LINE = schema.line_item

RECENCY_DAYS = ((30, 5), (60, 4), (90, 3), (180, 2))
"""Days since the last purchase up to which the R score is 5, 4, 3, 2 (older: 1)."""


def recency_score(last_us: Any, until_us: int) -> Any:
    """SQL CASE: R score from the last purchase (microseconds) at ``until_us``: exact day boundaries."""
    return sa.case(
        *[(last_us >= until_us - days * DAY_US, score) for days, score in RECENCY_DAYS],
        else_=1,
    )


def frequency_score(purchases: Any) -> Any:
    """SQL CASE: F score from lifetime purchases."""
    return sa.case((purchases >= 6, 5), (purchases >= 4, 4), (purchases >= 3, 3), (purchases >= 2, 2), else_=1)


def monetary_score(revenue: Any, currency: Any, thresholds: dict[str, list[int]]) -> Any:
    """SQL: M score, 1 + the number of a currency's thresholds the lifetime revenue is above.

    M = 1 + ⌊5 × below / n⌋ (``below``: the customers of the currency with less revenue, of
    ``n``). ⌊5 × below / n⌋ ≥ j - 1 exactly when below ≥ k = ⌈(j - 1) n / 5⌉, that is when the
    revenue is above the k-th smallest revenue: the four thresholds (j = 2..5) are those values.
    """
    if not thresholds:
        return sa.literal(1)
    return sa.case(
        *[
            (
                currency == cur,
                1 + sum(sa.case((revenue > sa.bindparam(None, t, type_=sa.BigInteger), 1), else_=0) for t in values),
            )
            for cur, values in thresholds.items()
        ],
        else_=1,
    )


def segment_of(r: int, f: int, m: int) -> str:
    """The RFM segment of the scores (first matching rule)."""
    if r == 1:
        return "lost"
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4 and f == 1:
        return "new"
    if r >= 3:
        return "potential"
    if f >= 3 or m >= 4:
        return "at risk"
    return "hibernating"


def scores_code(last_us: Any, purchases: Any, revenue: Any, currency: Any, until_us: int, thresholds: Any) -> Any:
    """SQL: the R, F and M scores as one number, R × 100 + F × 10 + M (``545``)."""
    return (
        recency_score(last_us, until_us) * 100
        + frequency_score(purchases) * 10
        + monetary_score(revenue, currency, thresholds)
    )


def scores_of(code: Any) -> tuple[int, int, int]:
    """(R, F, M) of a :func:`scores_code`."""
    value = int(code)
    return value // 100, value // 10 % 10, value % 10


class Scope:
    """``--owner`` and ``--pipeline``: which purchases count, and the summary that sums them per customer.

    ``owner``: the user id of ``--owner`` (None without it). ``events``: conditions on the purchase
    events (none without a scope). ``summary``: the table holding the per-customer figures of
    those purchases, ``report_customer_sales`` without a scope and ``report_scope_sales`` for one
    owner or one pipeline (migration 0007_report_scopes), with the conditions picking its rows;
    None for an owner and a pipeline at once, whose purchases are grouped instead.
    """

    def __init__(self, session: Session, params: ReportParams) -> None:
        self.owner = owner = owner_id(session, params)
        pid = pipeline_id(session, params)
        e = EVENT.c
        self.events: list[Any] = []
        if owner is not None:
            self.events.append(e.owner_id == owner)
        if pid is not None:
            self.events.append(e.pipeline_id == pid)
        t = SCOPE_SALES.c
        self.summary: tuple[Any, list[Any]] | None = None
        if owner is None and pid is None:
            self.summary = (SALES, [])
        elif pid is None:
            self.summary = (SCOPE_SALES, [t.scope == SCOPE_OWNER, t.scope_id == owner])
        elif owner is None:
            self.summary = (SCOPE_SALES, [t.scope == SCOPE_PIPELINE, t.scope_id == pid])


def _purchases(key: Any, currency: Any, scope: list[Any], *where: Any) -> list[Any]:
    """Conditions picking the purchase events of one customer and currency (and ``where``)."""
    return [EVENT.c.kind == PURCHASE, EVENT.c.customer_key == key, EVENT.c.currency == currency, *scope, *where]


class Figures:
    """Per (customer, currency) with a purchase before the window's end, the figures in SQL.

    ``lifetime_purchases``, ``lifetime_revenue``, ``last_us`` (the last purchase), ``first_us``
    (all before the window's end), ``revenue`` (in the window) and ``code`` (the RFM scores, see
    :func:`scores_code`) are expressions over :attr:`source`, one row per customer and currency.

    Without a scope the source is ``report_customer_sales``, for one owner or one pipeline the
    rows of ``report_scope_sales`` that sum its purchases: a customer's totals and its latest
    purchases answer nearly every row with a few comparisons, and only a customer with more
    purchases than that in the window, or more than one at or after its end, looks its purchases
    up. For an owner and a pipeline at once, the source groups the purchases of the scope.
    """

    def __init__(self, scope: Scope, since_us: int, until_us: int, thresholds: Any = None) -> None:
        self.until_us = until_us
        self.thresholds = thresholds or {}
        if scope.summary is None:
            self._grouped(scope.events, since_us, until_us)
        else:
            self._summed(*scope.summary, scope.events, since_us, until_us)

    def _grouped(self, scope: list[Any], since_us: int, until_us: int) -> None:
        e = EVENT.c
        source = fenced(
            sa.select(
                e.customer_key,
                e.currency,
                sa.func.count().label("lifetime_purchases"),
                sa.func.sum(e.amount).label("lifetime_revenue"),
                sa.func.max(e.at_us).label("last_us"),
                sa.func.min(e.at_us).label("first_us"),
                sa.func.coalesce(sa.func.sum(sa.case((e.at_us >= since_us, e.amount), else_=0)), 0).label("revenue"),
            )
            .where(e.kind == PURCHASE, e.at_us < until_us, *scope)
            .group_by(e.customer_key, e.currency)
        ).subquery("grouped")
        c = source.c
        self.source: Any = source
        self.where: list[Any] = []
        self.customer_key, self.currency = c.customer_key, c.currency
        self.lifetime_purchases, self.lifetime_revenue = c.lifetime_purchases, c.lifetime_revenue
        self.last_us, self.first_us, self.revenue = c.last_us, c.first_us, c.revenue
        self.code = scores_code(c.last_us, c.lifetime_purchases, c.lifetime_revenue, c.currency, *self._scoring)

    @property
    def _scoring(self) -> tuple[int, Any]:
        return self.until_us, self.thresholds

    def _summed(self, table: Any, where: list[Any], scope: list[Any], since_us: int, until_us: int) -> None:
        s = table.c
        e = EVENT.c

        def at(i: int) -> Any:
            return s[f"recent{i}_us"]  # the i-th latest purchase (NULL: there is none)

        def latest(i: int) -> Any:
            return s[f"recent{i}_total"] if i else sa.literal(0)  # the sum of the i latest purchases

        def lookup(value: Any, *where: Any) -> Any:
            return sa.select(value).where(*_purchases(s.customer_key, s.currency, scope, *where)).scalar_subquery()

        def window_revenue(after: int, i: int) -> Any:
            # purchases in [since, until) when the ``after`` latest ones are at or after ``until``:
            # walk down the latest purchases until one before ``since`` (NULL: none left)
            if i > REPORT_RECENT:
                return sa.case(
                    (s.purchases <= REPORT_RECENT, latest(REPORT_RECENT) - latest(after)),
                    else_=lookup(sa.func.coalesce(sa.func.sum(e.amount), 0), e.at_us >= since_us, e.at_us < until_us),
                )
            return sa.case((at(i) >= since_us, window_revenue(after, i + 1)), else_=latest(i - 1) - latest(after))

        # Nearly always no purchase is at or after the window's end; one such purchase is read from
        # the latest ones too (the second latest is then the last before the end); more are looked up.
        none_after = s.last_us < until_us
        more_after = at(2) >= until_us
        self.source = table
        self.where = [*where, s.first_us < until_us]
        self.customer_key, self.currency, self.first_us = s.customer_key, s.currency, s.first_us
        self.lifetime_purchases = sa.case(
            (none_after, s.purchases), (more_after, lookup(sa.func.count(), e.at_us < until_us)), else_=s.purchases - 1
        )
        self.lifetime_revenue = sa.case(
            (none_after, s.revenue),
            (more_after, lookup(sa.func.sum(e.amount), e.at_us < until_us)),
            else_=s.revenue - latest(1),
        )
        self.last_us = sa.case(
            (none_after, s.last_us), (more_after, lookup(sa.func.max(e.at_us), e.at_us < until_us)), else_=at(2)
        )
        self.revenue = sa.case(
            (s.last_us < since_us, 0),
            (none_after, window_revenue(0, 1)),
            (more_after, lookup(sa.func.coalesce(sa.func.sum(e.amount), 0), e.at_us >= since_us, e.at_us < until_us)),
            else_=window_revenue(1, 2),
        )
        # the scores from the stored columns in the common case, so that each expression is computed once
        self.code = sa.case(
            (none_after, scores_code(s.last_us, s.purchases, s.revenue, s.currency, *self._scoring)),
            else_=scores_code(self.last_us, self.lifetime_purchases, self.lifetime_revenue, s.currency, *self._scoring),
        )

    def select(self, *columns: Any, only: Any = None) -> Any:
        """SELECT customer_key, currency and ``columns`` (expressions of this object) from the source.

        ``only``: a subquery of (``customer_key``, ``currency``) rows to keep (joined, so that its
        rows are looked up rather than every row computed).
        """
        source = self.source
        if only is not None:
            source = only.join(
                source, sa.and_(self.customer_key == only.c.customer_key, self.currency == only.c.currency)
            )
        return sa.select(self.customer_key, self.currency, *columns).select_from(source).where(*self.where)


def monetary_thresholds(session: Session, figures: Figures) -> dict[str, list[int]]:
    """Per currency, the four lifetime revenues the M score compares with (see :func:`monetary_score`).

    They are order statistics of every customer's lifetime revenue. On 60,000 customers SQLite's
    window functions took over a second for them and a sort in SQL about 80 ms; the revenues are
    fetched (as plain tuples) and sorted here in a fraction of that.
    """
    by_currency: dict[str, list[int]] = {}
    stmt = sa.select(figures.currency, figures.lifetime_revenue).select_from(figures.source).where(*figures.where)
    for currency, value in fetch_rows(session, stmt):
        values = by_currency.get(currency)
        if values is None:
            values = by_currency[currency] = []
        values.append(value)
    out = {}
    for currency in sorted(by_currency):
        values = by_currency[currency]
        values.sort()
        n = len(values)
        out[currency] = [int(values[(j * n + 4) // 5 - 1]) for j in range(1, 5)]  # the ⌈j n / 5⌉-th smallest
    return out


def _margins(
    session: Session, scope: list[Any], keys: list[tuple[int, str]], since_us: int, until_us: int
) -> dict[tuple[int, str], Any]:
    """(customer key, currency) -> (margin × 10⁴, covered net × 10⁴) over the window's purchases of ``keys``."""
    if not keys:
        return {}
    e = EVENT.c
    net = LINE.c.quantity * LINE.c.unit_price * (10000 - LINE.c.discount_bp)
    cost = LINE.c.quantity * LINE.c.unit_cost * 10000
    stmt = (
        sa.select(
            e.customer_key,
            e.currency,
            sa.func.sum(net - cost).label("margin"),
            sa.func.sum(net).label("covered"),
        )
        .select_from(EVENT.join(LINE, LINE.c.deal_id == e.source_id))
        .where(
            e.kind == PURCHASE,
            sa.or_(*[sa.and_(e.customer_key == k, e.currency == cur) for k, cur in keys]),
            e.at_us >= since_us,
            e.at_us < until_us,
            LINE.c.unit_cost.is_not(None),
            *scope,
        )
        .group_by(e.customer_key, e.currency)
    )
    return {(int(r.customer_key), r.currency): r for r in session.execute(stmt)}


def build(session: Session, params: ReportParams) -> Report:
    """Compute the customers report."""
    window = params.window()
    top_n = params.top or DEFAULT_TOP
    since_us, until_us = us(window.since), us(window.until)
    previous_us = us(window.since - (window.until - window.since))
    scope = Scope(session, params)
    thresholds = monetary_thresholds(session, Figures(scope, since_us, until_us))
    figures = Figures(scope, since_us, until_us, thresholds)

    # every customer, by scores and currency (the segments are added up below)
    scored = fenced(
        figures.select(
            figures.code.label("code"),
            figures.revenue.label("revenue"),
            figures.lifetime_revenue.label("lifetime_revenue"),
        )
    ).subquery("scored")
    c = scored.c
    summary = session.execute(
        sa.select(
            c.code,
            c.currency,
            sa.func.count().label("customers"),
            sa.func.sum(c.revenue).label("revenue"),
            sa.func.sum(c.lifetime_revenue).label("lifetime_revenue"),
        ).group_by(c.code, c.currency)
    ).all()

    # the top customers (their revenues are enough to find them), then their other figures and
    # what only they need: the previous window, purchases in the window, names, margins
    ranking = fenced(
        figures.select(figures.revenue.label("revenue"), figures.lifetime_revenue.label("lifetime"))
    ).subquery("ranking")
    k = ranking.c
    chosen = (
        sa.select(k.customer_key, k.currency)
        .order_by(k.revenue.desc(), k.lifetime.desc(), key_kind(k.customer_key), key_id(k.customer_key), k.currency)
        .limit(top_n)
        .subquery("chosen")
    )
    best = fenced(
        figures.select(
            figures.lifetime_purchases.label("lifetime_purchases"),
            figures.lifetime_revenue.label("lifetime_revenue"),
            figures.last_us.label("last_us"),
            figures.first_us.label("first_us"),
            figures.revenue.label("revenue"),
            figures.code.label("code"),
            only=chosen,
        )
    ).subquery("best")
    b = best.c
    e = EVENT.c

    def window_sum(value: Any, start: int, end: int) -> Any:
        where = _purchases(b.customer_key, b.currency, scope.events, e.at_us >= start, e.at_us < end)
        return sa.select(value).where(*where).scalar_subquery()

    name = sa.func.coalesce(COMPANY.c.name, CONTACT.c.display_name)
    found = session.execute(
        sa.select(
            best,
            window_sum(sa.func.coalesce(sa.func.sum(e.amount), 0), previous_us, since_us).label("previous"),
            window_sum(sa.func.count(), since_us, until_us).label("purchases"),
            name.label("name"),
        ).select_from(
            best.outerjoin(COMPANY, sa.and_(b.customer_key > 0, COMPANY.c.id == b.customer_key)).outerjoin(
                CONTACT, sa.and_(b.customer_key < 0, CONTACT.c.id == -b.customer_key)
            )
        )
    ).all()
    margins = _margins(session, scope.events, [(int(r.customer_key), r.currency) for r in found], since_us, until_us)
    rows = []
    for r in sorted(
        found,
        key=lambda r: (-whole(r.revenue), -whole(r.lifetime_revenue), r.name or "", r.currency),
    ):
        key = int(r.customer_key)
        ckind, cid = customer_of_key(key)
        margin_of = margins.get((key, r.currency))
        margin = rounded_div(margin_of.margin, 10000) if margin_of is not None else None
        covered = rounded_div(margin_of.covered, 10000) if margin_of is not None else None
        revenue, previous = whole(r.revenue), whole(r.previous)
        lifetime_purchases = whole(r.lifetime_purchases)
        rows.append(
            {
                "customer": r.name or f"{ckind} #{cid}",
                "kind": ckind,
                "id": cid,
                "currency": r.currency,
                "revenue": revenue,
                "previous": previous,
                "growth": ratio(revenue - previous, previous) if previous else None,
                "purchases": whole(r.purchases),
                "margin": margin,
                "margin_pct": ratio(margin, covered) if covered else None,
                "lifetime_revenue": whole(r.lifetime_revenue),
                "lifetime_purchases": lifetime_purchases,
                "last_purchase": from_us(r.last_us),
                "avg_interval_days": (
                    (int(r.last_us) - int(r.first_us)) / DAY_US / (lifetime_purchases - 1)
                    if lifetime_purchases > 1
                    else None
                ),
                "recency_days": (until_us - int(r.last_us)) / DAY_US,
                "rfm": str(int(r.code)),
                "segment": segment_of(*scores_of(r.code)),
            }
        )
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for r in summary:
        segment = segment_of(*scores_of(r.code))
        total = totals.setdefault(
            (segment, r.currency),
            {"segment": segment, "currency": r.currency, "customers": 0, "revenue": 0, "lifetime_revenue": 0},
        )
        total["customers"] += whole(r.customers)
        total["revenue"] += whole(r.revenue)
        total["lifetime_revenue"] += whole(r.lifetime_revenue)
    segment_rows = [totals[k] for k in sorted(totals, key=lambda k: (SEGMENTS.index(k[0]), k[1]))]
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
