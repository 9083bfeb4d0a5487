"""The pipeline and forecast reports on small hand-built datasets (figures worked out by hand below)."""

from __future__ import annotations

from datetime import date
from typing import Any

from test_reports_builders import World, ago, rows, run_report, utc


def _pipeline_world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        w.rot("Lead", 7)
        w.deal("A", "Lead", 100000, owner="ann", entered=ago(10))  # rotting: 10 days > 7
        w.deal("B", "Lead", 50000, owner="ann", entered=ago(3))
        w.deal("C", "Lead", 20000, currency="EUR", owner="bob", entered=ago(8))  # rotting
        w.deal("D", "Proposal", 300000, probability=40, owner="ann", entered=ago(4))  # pinned 40 %
        w.deal("E", "Won", 999900, owner="ann", closed=ago(1))  # closed: not in the pipeline
        w.deal("F", "Qualified", 70000, owner="ann", archived=True)  # archived: left out
        w.deal("G", "Lost", 10000, owner="ann", closed=ago(1))


def test_pipeline_groups_open_deals_by_stage_and_currency(db: Any) -> None:
    _pipeline_world(db)
    report = run_report(db, "pipeline")
    assert rows(report, "stages") == [
        # Lead EUR: one deal of 200.00 at 10 % -> 20.00; 8 days in stage; rotting
        {
            "stage": "Lead",
            "currency": "EUR",
            "deals": 1,
            "total": 200,
            "weighted": 20,
            "avg_days_in_stage": 8.0,
            "rotting": 1,
        },
        # Lead USD: 1,000 + 500 = 1,500; weighted 10 % = 150; (10 + 3) / 2 = 6.5 days; A rots
        {
            "stage": "Lead",
            "currency": "USD",
            "deals": 2,
            "total": 1500,
            "weighted": 150,
            "avg_days_in_stage": 6.5,
            "rotting": 1,
        },
        # Qualified: the only deal is archived
        {
            "stage": "Qualified",
            "currency": None,
            "deals": 0,
            "total": None,
            "weighted": None,
            "avg_days_in_stage": None,
            "rotting": 0,
        },
        # Proposal: 3,000 at the pinned 40 % -> 1,200
        {
            "stage": "Proposal",
            "currency": "USD",
            "deals": 1,
            "total": 3000,
            "weighted": 1200,
            "avg_days_in_stage": 4.0,
            "rotting": 0,
        },
        {
            "stage": "Negotiation",
            "currency": None,
            "deals": 0,
            "total": None,
            "weighted": None,
            "avg_days_in_stage": None,
            "rotting": 0,
        },
    ]
    # totals never add EUR to USD
    assert rows(report, "totals") == [
        {"currency": "EUR", "deals": 1, "total": 200, "weighted": 20, "rotting": 1},
        {"currency": "USD", "deals": 3, "total": 4500, "weighted": 1350, "rotting": 1},
    ]


def test_pipeline_owner_filter_keeps_only_their_deals(db: Any) -> None:
    _pipeline_world(db)
    report = run_report(db, "pipeline", owner="bob")
    assert rows(report, "totals") == [{"currency": "EUR", "deals": 1, "total": 200, "weighted": 20, "rotting": 1}]


def test_pipeline_weighted_total_is_rounded_once_per_stage(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        w.deal("x", "Lead", 333)
        w.deal("y", "Lead", 333)
    # 2 × 3.33 × 10 % = 0.666 -> 0.67 (per-deal rounding would give 0.33 + 0.33 = 0.66)
    assert rows(run_report(db, "pipeline"), "totals")[0]["weighted"] == 0.67


def test_pipeline_unknown_name_is_not_found(db: Any) -> None:
    import pytest

    from termcrm.errors import NotFound

    with pytest.raises(NotFound) as err:
        run_report(db, "pipeline", pipeline="support")
    assert "sales" in err.value.message


def _forecast_world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        w.deal("nov", "Lead", 100000, owner="ann", close=date(2026, 11, 30))
        w.deal("dec1", "Proposal", 200000, owner="ann", close=date(2026, 12, 15))
        w.deal("dec2", "Negotiation", 400000, owner="bob", close=date(2026, 12, 31))
        w.deal("jan", "Lead", 50000, currency="EUR", owner="ann", close=date(2027, 1, 1))
        w.deal("late", "Lead", 70000, owner="ann", close=date(2026, 10, 1))
        w.deal("undated", "Lead", 30000, owner="ann")
        w.deal("beyond", "Lead", 990000, owner="ann", close=date(2027, 2, 1))
        w.deal("won-nov", "Won", 150000, owner="ann", closed=utc(2026, 11, 5))
        w.deal("won-oct", "Won", 80000, owner="ann", closed=utc(2026, 10, 30))
        w.deal("lost-nov", "Lost", 60000, owner="ann", closed=utc(2026, 11, 10))
        w.quota("ann", "2026-11", 500000)
        w.quota("bob", "2026-11", 100000)
        w.quota("ann", "2026-Q4", 9900000)


def test_forecast_weighted_best_case_won_and_team_quota_by_month(db: Any) -> None:
    _forecast_world(db)
    report = run_report(db, "forecast", top=3)
    assert report.params["periods"] == 3
    assert rows(report, "periods") == [
        # expected close before November: 700 at 10 %
        {
            "period": "overdue",
            "currency": "USD",
            "deals": 1,
            "weighted": 70,
            "best_case": 700,
            "won": None,
            "quota": None,
            "attainment": None,
        },
        # November: 1,000 at 10 %; won 1,500; quota 5,000 + 1,000 = 6,000 -> 25 %
        {
            "period": "2026-11",
            "currency": "USD",
            "deals": 1,
            "weighted": 100,
            "best_case": 1000,
            "won": 1500,
            "quota": 6000,
            "attainment": 25.0,
        },
        # December: 2,000 × 50 % + 4,000 × 80 % = 4,200; best case 6,000
        {
            "period": "2026-12",
            "currency": "USD",
            "deals": 2,
            "weighted": 4200,
            "best_case": 6000,
            "won": 0,
            "quota": None,
            "attainment": None,
        },
        {
            "period": "2027-01",
            "currency": "EUR",
            "deals": 1,
            "weighted": 50,
            "best_case": 500,
            "won": 0,
            "quota": None,
            "attainment": None,
        },
        {
            "period": "no date",
            "currency": "USD",
            "deals": 1,
            "weighted": 30,
            "best_case": 300,
            "won": None,
            "quota": None,
            "attainment": None,
        },
    ]


def test_forecast_for_one_owner_uses_their_quota(db: Any) -> None:
    _forecast_world(db)
    november = [r for r in rows(run_report(db, "forecast", top=3, owner="ann"), "periods") if r["period"] == "2026-11"]
    # ann won 1,500 of her 5,000 -> 30 %
    assert november == [
        {
            "period": "2026-11",
            "currency": "USD",
            "deals": 1,
            "weighted": 100,
            "best_case": 1000,
            "won": 1500,
            "quota": 5000,
            "attainment": 30.0,
        }
    ]
    dec = [r for r in rows(run_report(db, "forecast", top=3, owner="bob"), "periods") if r["period"] == "2026-12"]
    assert dec[0]["weighted"] == 3200


def test_forecast_by_quarter_matches_quarter_quotas(db: Any) -> None:
    _forecast_world(db)
    quarters = rows(run_report(db, "forecast", top=1, period="quarter", owner="ann"), "periods")
    q4 = [r for r in quarters if r["period"] == "2026-Q4"]
    # Q4 for ann: open Oct 1 700 (10 %) + Nov 1,000 (10 %) + Dec 2,000 (50 %) -> weighted 1,170, best 3,700;
    # won Oct 800 + Nov 1,500 = 2,300 of the 99,000 Q4 quota -> 2.32 %
    assert q4 == [
        {
            "period": "2026-Q4",
            "currency": "USD",
            "deals": 3,
            "weighted": 1170,
            "best_case": 3700,
            "won": 2300,
            "quota": 99000,
            "attainment": 2.32,
        }
    ]
