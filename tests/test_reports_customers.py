"""The customers report: revenue, growth, margin, purchase rhythm and RFM segments (boundaries included)."""

from __future__ import annotations

from typing import Any

from test_reports_builders import World, ago, rows, run_report

WINDOW = {"since": "2026-01-01"}
"""From 2026-01-01 to NOW (2026-11-23 12:00): 326.5 days; the previous window is 2025-02-09 12:00 to 2026-01-01."""


def _buy(w: World, days_ago: list[float], amount: int, *, currency: str = "USD", **who: Any) -> list[int]:
    return [
        w.deal(f"p{d}", "Won", amount, currency=currency, closed=ago(d), created=ago(d + 5), **who) for d in days_ago
    ]


def _world(db: Any) -> None:
    """Seven USD customers, one per segment, their scores worked out here.

    Lifetime revenue ranks (USD, 7 customers), M = 1 + ⌊5 × below / 7⌋:
    Hibernating 10 (0 below) M1; New 50 (1) M1; Lost 60 (2) M2; Potential 200 (3) M3;
    Loyal 300 (4) M3; At risk 1,500 (5) M4; Champ 6,000 (6) M5.
    """
    with db.write("data") as s:
        w = World(s)
        champ = w.company("Champ Co")
        # last purchase exactly 30 days ago: R5; 5 purchases: F4; one in the previous window
        ids = _buy(w, [30, 40, 70, 100], 100000, company=champ)
        _buy(w, [400], 200000, company=champ)
        # margin on the 30-day purchase: 2 × 500 less 10 % = 900 net, cost 2 × 300 = 600 -> 300 (33.33 %);
        # the line without a cost is left out
        w.line(ids[0], 2, 50000, cost=30000, discount_bp=1000)
        w.line(ids[0], 1, 10000)
        loyal_co = w.company("Loyal Ltd")
        loyal = w.contact("Lou", company=loyal_co)
        _buy(w, [90, 120, 150], 10000, contact=loyal)  # R3 (exactly 90 days), F3: the contact's company buys
        newbie = w.contact("Nina")  # a contact without a company is her own customer
        _buy(w, [60], 5000, contact=newbie)  # R4 (exactly 60 days), F1
        potential = w.company("Potential Inc")
        _buy(w, [30 + 1 / 24, 200], 10000, company=potential)  # R4 (30 days and an hour), F2
        risk = w.company("Risk AG")
        _buy(w, [100, 200, 300], 50000, company=risk)  # R2, F3
        sleepy = w.company("Sleepy SA")
        _buy(w, [180], 1000, company=sleepy)  # R2 (exactly 180 days), F1, M1
        gone = w.company("Gone GmbH")
        _buy(w, [181, 182, 183, 184, 185, 186], 1000, company=gone)  # R1 (181 days), F5
        euro = w.company("Euro BV")
        _buy(w, [5], 10000, currency="EUR", company=euro)  # alone among EUR customers: M1
        w.deal("open", "Proposal", 999900, company=champ)  # not a purchase
        w.deal("lost", "Lost", 999900, company=risk, closed=ago(3))


def test_rfm_scores_and_segments_at_their_boundaries(db: Any) -> None:
    _world(db)
    found = {r["customer"]: (r["rfm"], r["segment"]) for r in rows(run_report(db, "customers", **WINDOW), "customers")}
    assert found == {
        "Champ Co": ("545", "champions"),
        "Risk AG": ("234", "at risk"),
        "Loyal Ltd": ("333", "loyal"),
        "Potential Inc": ("423", "potential"),
        "Gone GmbH": ("152", "lost"),
        "Nina": ("411", "new"),
        "Sleepy SA": ("211", "hibernating"),
        "Euro BV": ("511", "new"),
    }


def test_customer_revenue_growth_margin_and_rhythm(db: Any) -> None:
    _world(db)
    table = rows(run_report(db, "customers", top=3, **WINDOW), "customers")
    assert [r["customer"] for r in table] == ["Champ Co", "Risk AG", "Loyal Ltd"]
    champ = table[0]
    assert champ["kind"] == "company" and champ["currency"] == "USD"
    # window: 4 × 1,000; previous window: 2,000 -> +100 %
    assert (champ["revenue"], champ["previous"], champ["growth"], champ["purchases"]) == (4000, 2000, 100.0, 4)
    assert (champ["lifetime_revenue"], champ["lifetime_purchases"]) == (6000, 5)
    assert (champ["margin"], champ["margin_pct"]) == (300, round(100 * 300 / 900, 2))
    # first purchase 400 days ago, last 30: 370 days over 4 intervals
    assert champ["avg_interval_days"] == 92.5
    assert champ["last_purchase"] == ago(30).date().isoformat()
    assert champ["recency_days"] == 30.0
    risk = table[1]
    assert (risk["revenue"], risk["previous"], risk["growth"], risk["margin"], risk["margin_pct"]) == (
        1500,
        0,
        None,
        None,
        None,
    )
    assert risk["avg_interval_days"] == 100.0


def test_contact_without_company_is_its_own_customer(db: Any) -> None:
    _world(db)
    nina = [r for r in rows(run_report(db, "customers", **WINDOW), "customers") if r["customer"] == "Nina"]
    assert [(r["kind"], r["revenue"], r["avg_interval_days"]) for r in nina] == [("contact", 50, None)]


def test_segment_summary_covers_every_customer_by_currency(db: Any) -> None:
    _world(db)
    segments = rows(run_report(db, "customers", top=1, **WINDOW), "segments")
    assert [(r["segment"], r["currency"], r["customers"], r["revenue"]) for r in segments] == [
        ("champions", "USD", 1, 4000),
        ("loyal", "USD", 1, 300),
        ("potential", "USD", 1, 200),
        ("new", "EUR", 1, 100),
        ("new", "USD", 1, 50),
        ("at risk", "USD", 1, 1500),
        ("hibernating", "USD", 1, 10),
        ("lost", "USD", 1, 60),
    ]


def test_monetary_score_ties_share_a_score(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        for name in ("A", "B", "C", "D"):
            _buy(w, [10], 1000 if name != "D" else 5000, company=w.company(name))
    found = {r["customer"]: r["rfm"][2] for r in rows(run_report(db, "customers", **WINDOW), "customers")}
    # A, B, C tie with nobody below them: M1; D has 3 of 4 below: 1 + ⌊15 / 4⌋ = 4
    assert found == {"A": "1", "B": "1", "C": "1", "D": "4"}
