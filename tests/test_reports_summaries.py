"""Customers and churn read the per-customer summaries; with --owner or --pipeline they group purchases.

Both forms must give the same figures. Every deal of these worlds is in the
only pipeline, so ``--pipeline sales`` selects the same purchases through the
grouping form: each world is reported both ways and compared section by
section. The summaries keep a customer's latest purchases, so the worlds also
have customers with more purchases in the window than that, and purchases at
and after the window's end (which the report leaves out).
"""

from __future__ import annotations

from typing import Any

import pytest

from test_reports_builders import World, ago, rows, run_report, utc
from test_reports_churn import _lapsed_world, _rate_world
from test_reports_customers import WINDOW
from test_reports_customers import _world as _customer_world


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


def _same(a: Any, b: Any) -> None:
    assert a.to_json()["sections"] == b.to_json()["sections"]


@pytest.mark.parametrize(
    "params",
    [WINDOW, {"since": "2026-08-01"}, {"until": "2026-06-30", "top": 50}, {"period": "week", "top": 3}, {}],
)
@pytest.mark.parametrize("world", [_customer_world, _edges_world, _lapsed_world, _rate_world])
def test_customers_from_summaries_match_the_grouped_purchases(db: Any, world: Any, params: dict[str, Any]) -> None:
    world(db)
    _same(run_report(db, "customers", **params), run_report(db, "customers", pipeline="sales", **params))


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
    _same(run_report(db, "churn", **params), run_report(db, "churn", pipeline="sales", **params))


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
