"""Customers and churn read per-customer summaries, whole-team and per owner or pipeline; or group purchases.

Every form must give the same figures. The scoped summaries (migration
0007_report_scopes) serve ``--owner`` and ``--pipeline`` alone; both at once
group the purchases of the scope. In these worlds every deal is in the only
pipeline and, once :func:`_one_owner` has run, every deal and contact has the
same owner, so each scope selects every purchase and every contact: each world
is reported in all four forms and compared section by section. The summaries
keep a customer's latest purchases,
so the worlds also have customers with more purchases in the window than that,
and purchases at and after the window's end (which the report leaves out).
The last tests work out scoped figures by hand where the scopes differ.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_reports_builders import World, ago, rows, run_report, utc
from test_reports_churn import _lapsed_world, _rate_world, rates_form  # noqa: F401 - the fixture
from test_reports_customers import WINDOW
from test_reports_customers import _world as _customer_world

SCOPES: list[dict[str, str]] = [{"pipeline": "sales"}, {"owner": "ann"}, {"owner": "ann", "pipeline": "sales"}]
"""The scoped forms that select every deal of a world once :func:`_one_owner` has run."""


def _edges_world(db: Any) -> None:
    """Customers on each branch of the summary's arithmetic (see customers.Figures)."""
    with db.write("data") as s:
        w = World(s)
        many = w.company("Many")  # twelve purchases in the window, more than the summary keeps
        for day in range(12):
            w.deal(f"m{day}", "Won", 100 + day, company=many, closed=ago(10 + 7 * day))
        w.deal("m-old", "Won", 5000, company=many, closed=ago(700))
        w.deal("m-prev", "Won", 700, company=many, closed=ago(400))
        one_after = w.company("One after")  # one purchase at the report's end: left out
        w.deal("o1", "Won", 300, company=one_after, closed=ago(20))
        w.deal("o2", "Won", 900, company=one_after, closed=ago(0))
        two_after = w.company("Two after")  # two purchases at or after the end
        w.deal("t1", "Won", 400, company=two_after, closed=ago(50))
        w.deal("t2", "Won", 900, company=two_after, closed=ago(0))
        w.deal("t3", "Won", 900, company=two_after, closed=ago(-3))
        only_after = w.company("Only after")  # no purchase before the end: not a customer yet
        w.deal("a1", "Won", 900, company=only_after, closed=ago(-1))
        w.interaction(ago(2), company=only_after)
        solo = w.contact("Solo")  # a contact's own purchases in two currencies
        w.deal("s1", "Won", 250, contact=solo, closed=ago(5), currency="EUR")
        w.deal("s2", "Won", 260, contact=solo, closed=ago(95))
        w.interaction(ago(1), contact=solo)


def _one_owner(db: Any) -> None:
    """Give every deal and contact the owner ann (Core UPDATEs: the triggers move each purchase into her
    scope, and the lapsed cadences with ``--owner ann`` are every contact's)."""
    import sqlalchemy as sa

    from termcrm.models import schema

    with db.write("owner") as s:
        ann = World(s).user("ann")
        s.connection().execute(sa.update(schema.deal).values(owner_id=ann))
        s.connection().execute(sa.update(schema.contact).values(owner_id=ann))


def _same(a: Any, b: Any) -> None:
    assert a.to_json()["sections"] == b.to_json()["sections"]


@pytest.mark.parametrize(
    "params",
    [WINDOW, {"since": "2026-08-01"}, {"until": "2026-06-30", "top": 50}, {"period": "week", "top": 3}, {}],
)
@pytest.mark.parametrize("world", [_customer_world, _edges_world, _lapsed_world, _rate_world])
def test_customers_from_summaries_match_the_grouped_purchases(db: Any, world: Any, params: dict[str, Any]) -> None:
    world(db)
    _one_owner(db)
    whole = run_report(db, "customers", **params)
    for scope in SCOPES:
        _same(whole, run_report(db, "customers", **scope, **params))


@pytest.mark.parametrize("form", ["mask", "slot"])
@pytest.mark.parametrize(
    "params",
    [{}, {"since": "2026-08-01"}, {"since": "2026-07-01", "period": "week"}, {"until": "2026-10-31", "days": 30}],
)
@pytest.mark.parametrize("world", [_customer_world, _edges_world, _lapsed_world, _rate_world])
def test_churn_from_summaries_matches_the_grouped_purchases(
    db: Any, world: Any, params: dict[str, Any], form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from termcrm.services.reports import churn

    if form == "slot":
        monkeypatch.setattr(churn, "MASK_SLOTS", 0)
    world(db)
    _one_owner(db)
    whole = run_report(db, "churn", **params)
    for scope in SCOPES:
        _same(whole, run_report(db, "churn", **scope, **params))


def test_churn_rates_read_from_the_scans_past_their_slot_limit(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from termcrm.services.reports import churn

    _rate_world(db)
    expected = rows(run_report(db, "churn", since="2026-08-01"), "periods")
    monkeypatch.setattr(churn, "SLOT_SCANS", 0)
    assert rows(run_report(db, "churn", since="2026-08-01"), "periods") == expected


def test_summary_branches_give_the_hand_worked_figures(db: Any) -> None:
    _edges_world(db)
    table = {
        (r["customer"], r["currency"]): r for r in rows(run_report(db, "customers", top=10, **WINDOW), "customers")
    }
    many = table[("Many", "USD")]
    # twelve purchases in the window (100..111), one in the previous window, one before it
    assert (many["revenue"], many["purchases"], many["previous"]) == (sum(range(100, 112)) / 100, 12, 7.0)
    assert (many["lifetime_revenue"], many["lifetime_purchases"]) == (sum(range(100, 112)) / 100 + 57, 14)
    one = table[("One after", "USD")]
    assert (one["revenue"], one["lifetime_revenue"], one["lifetime_purchases"]) == (3.0, 3.0, 1)
    assert one["last_purchase"] == ago(20).date().isoformat() and one["recency_days"] == 20.0
    two = table[("Two after", "USD")]
    assert (two["revenue"], two["lifetime_revenue"], two["lifetime_purchases"], two["recency_days"]) == (
        4.0,
        4.0,
        1,
        50.0,
    )
    assert ("Only after", "USD") not in table
    assert {k: r["revenue"] for k, r in table.items() if k[0] == "Solo"} == {("Solo", "EUR"): 2.5, ("Solo", "USD"): 2.6}
    churn = run_report(db, "churn")
    assert rows(churn, "summary")[0]["customers"] == 4  # Many, One after, Two after, Solo


def test_customers_of_one_owner(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        acme = w.company("Acme")
        w.deal("a1", "Won", 1000, company=acme, owner="ann", closed=utc(2026, 3, 1))
        w.deal("a2", "Won", 3000, company=acme, owner="bob", closed=utc(2026, 4, 1))
        w.deal("a3", "Won", 500, company=acme, owner="ann", closed=utc(2025, 3, 1))
    table = rows(run_report(db, "customers", owner="ann", **WINDOW), "customers")
    assert [
        (r["customer"], r["revenue"], r["previous"], r["lifetime_revenue"], r["lifetime_purchases"]) for r in table
    ] == [("Acme", 10.0, 5.0, 15.0, 2)]


def _scoped_world(db: Any) -> None:
    """Two owners and two pipelines (monthly activity; Dec 2025 is the period before the window):

    X: ann sells (sales) Jan 10; talks Feb 3, Mar 5; bob sells (renewals) May 20
    Y: bob sells (sales) Jan 15; talk Feb 20
    """
    with db.write("data") as s:
        w = World(s)
        renewals = w.pipeline("Renewals")
        x, y = w.company("X"), w.company("Y")
        w.deal("x1", "Won", 1000, company=x, owner="ann", closed=utc(2026, 1, 10))
        w.interaction(utc(2026, 2, 3), company=x)
        w.interaction(utc(2026, 3, 5), company=x)
        w.deal("x2", "Won", 3000, company=x, owner="bob", closed=utc(2026, 5, 20), pipeline=renewals)
        w.deal("y1", "Won", 200, company=y, owner="bob", closed=utc(2026, 1, 15))
        w.interaction(utc(2026, 2, 20), company=y)


RATES = {"since": "2026-01-01", "until": "2026-06-30", "period": "month"}


def _rates(db: Any, **scope: str) -> list[tuple[str, int, int, int]]:
    """(period, active before, churned, active) per month of ``RATES``."""
    report = run_report(db, "churn", **RATES, **scope)
    return [(r["period"], r["active_before"], r["churned"], r["active"]) for r in rows(report, "periods")]


@pytest.mark.usefixtures("rates_form")
def test_scoped_churn_rates_count_only_the_scopes_purchases(db: Any) -> None:
    _scoped_world(db)
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    # everyone: X Jan Feb Mar . May, Y Jan Feb
    assert _rates(db) == list(zip(months, [0, 2, 2, 1, 0, 1], [0, 0, 1, 1, 0, 1], [2, 2, 1, 0, 1, 0], strict=True))
    # ann: X from Jan (May's purchase is bob's): Jan Feb Mar
    assert _rates(db, owner="ann") == list(
        zip(months, [0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 0], [1, 1, 1, 0, 0, 0], strict=True)
    )
    # bob: Y Jan Feb; X only from its first purchase of bob's, May (its talks before do not count)
    assert _rates(db, owner="bob") == list(
        zip(months, [0, 1, 1, 0, 0, 1], [0, 0, 1, 0, 0, 1], [1, 1, 0, 0, 1, 0], strict=True)
    )
    # renewals: X from May; sales: X Jan Feb Mar, Y Jan Feb (May's purchase is not the pipeline's)
    assert _rates(db, pipeline="renewals") == list(
        zip(months, [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0], strict=True)
    )
    assert _rates(db, pipeline="sales") == list(
        zip(months, [0, 2, 2, 1, 0, 0], [0, 0, 1, 1, 0, 0], [2, 2, 1, 0, 0, 0], strict=True)
    )
    # bob in sales: Y alone
    assert _rates(db, owner="bob", pipeline="sales") == list(
        zip(months, [0, 1, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0], strict=True)
    )


def test_scoped_customers_and_lapsed_customers_follow_owner_and_pipeline(db: Any) -> None:
    _scoped_world(db)

    def revenue(**scope: str) -> list[tuple[str, float, int]]:
        table = rows(run_report(db, "customers", since="2026-01-01", until="2026-06-30", **scope), "customers")
        return [(r["customer"], r["revenue"], r["lifetime_purchases"]) for r in table]

    assert revenue() == [("X", 40.0, 2), ("Y", 2.0, 1)]
    assert revenue(pipeline="renewals") == [("X", 30.0, 1)]
    assert revenue(pipeline="sales") == [("X", 10.0, 1), ("Y", 2.0, 1)]
    assert revenue(owner="bob") == [("X", 30.0, 1), ("Y", 2.0, 1)]
    assert revenue(owner="ann", pipeline="renewals") == []
    assert revenue(owner="bob", pipeline="sales") == [("Y", 2.0, 1)]

    def lapsed(**scope: str) -> list[tuple[str, str]]:
        report = run_report(db, "churn", until="2026-06-30", days=60, **scope)
        return [(r["customer"], r["last_purchase"]) for r in rows(report, "lapsed")]

    # quiet for 60 days before Jun 30: Y (last activity Feb 20); X bought from bob on May 20
    assert lapsed() == [("Y", "2026-01-15")]
    # in ann's scope X's last purchase is Jan 10 and its last talk Mar 5: lapsed too
    assert lapsed(owner="ann") == [("X", "2026-01-10")]
    assert lapsed(pipeline="renewals") == []
