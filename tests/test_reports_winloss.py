"""The win/loss report: win rates, deal size, sales cycle, lost reasons and the stage funnel from history."""

from __future__ import annotations

from typing import Any

import pytest

from test_reports_builders import World, rows, run_report, utc

WINDOW = {"since": "2026-10-01", "until": "2026-11-30"}


def _world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        # won: 40, 20 and 10 days from creation to close
        w.deal(
            "W1",
            "Won",
            100000,
            owner="ann",
            created=utc(2026, 9, 1),
            closed=utc(2026, 10, 11),
            history=[
                ("Lead", utc(2026, 9, 1)),
                ("Qualified", utc(2026, 9, 10)),
                ("Proposal", utc(2026, 9, 20)),
                ("Won", utc(2026, 10, 11)),
            ],
        )
        w.deal(
            "W2",
            "Won",
            300000,
            owner="bob",
            created=utc(2026, 10, 21),
            closed=utc(2026, 11, 10),
            history=[("Lead", utc(2026, 10, 21)), ("Negotiation", utc(2026, 11, 1)), ("Won", utc(2026, 11, 10))],
        )
        w.deal(
            "W3",
            "Won",
            50000,
            currency="EUR",
            owner="ann",
            created=utc(2026, 10, 5),
            closed=utc(2026, 10, 15),
            history=[("Lead", utc(2026, 10, 5)), ("Won", utc(2026, 10, 15))],
        )
        # lost, furthest open stage reached: Proposal, Lead, Qualified, Negotiation
        w.deal(
            "L1",
            "Lost",
            200000,
            owner="ann",
            reason="price",
            created=utc(2026, 10, 1),
            closed=utc(2026, 11, 1),
            history=[
                ("Lead", utc(2026, 10, 1)),
                ("Qualified", utc(2026, 10, 5)),
                ("Proposal", utc(2026, 10, 9)),
                ("Lost", utc(2026, 11, 1)),
            ],
        )
        w.deal(
            "L2",
            "Lost",
            100000,
            owner="ann",
            reason="price",
            created=utc(2026, 10, 2),
            closed=utc(2026, 10, 20),
            history=[("Lead", utc(2026, 10, 2)), ("Lost", utc(2026, 10, 20))],
        )
        w.deal(
            "L3",
            "Lost",
            150000,
            currency="EUR",
            owner="bob",
            reason="timing",
            created=utc(2026, 10, 3),
            closed=utc(2026, 10, 25),
            history=[("Lead", utc(2026, 10, 3)), ("Qualified", utc(2026, 10, 8)), ("Lost", utc(2026, 10, 25))],
        )
        w.deal(
            "L4",
            "Lost",
            50000,
            owner="ann",
            created=utc(2026, 10, 4),
            closed=utc(2026, 11, 20),
            history=[
                ("Lead", utc(2026, 10, 4)),
                ("Qualified", utc(2026, 10, 6)),
                ("Proposal", utc(2026, 10, 8)),
                ("Negotiation", utc(2026, 10, 10)),
                ("Lost", utc(2026, 11, 20)),
            ],
        )
        # outside the window (closed before it, or at the very end of it) or still open
        w.deal("before", "Won", 999900, owner="ann", created=utc(2026, 9, 1), closed=utc(2026, 9, 30, 23, 59))
        w.deal("after", "Lost", 999900, owner="ann", reason="price", closed=utc(2026, 12, 1))
        w.deal("open", "Proposal", 999900, owner="ann", history=[("Proposal", utc(2026, 10, 1))])


def test_win_rates_deal_size_and_sales_cycle(db: Any) -> None:
    _world(db)
    report = run_report(db, "winloss", **WINDOW)
    # 3 won, 4 lost -> 3/7; cycle (40 + 20 + 10) / 3
    assert rows(report, "summary") == [
        {"won": 3, "lost": 4, "win_rate": round(300 / 7, 2), "avg_cycle_days": round(70 / 3, 2)}
    ]
    assert rows(report, "values") == [
        # EUR: won 500 of 500 + 1,500 -> 25 %
        {
            "currency": "EUR",
            "won": 1,
            "lost": 1,
            "won_value": 500,
            "lost_value": 1500,
            "win_rate_value": 25.0,
            "avg_won_size": 500,
        },
        # USD: won 1,000 + 3,000 = 4,000 of 4,000 + 3,500 -> 53.33 %; average won 2,000
        {
            "currency": "USD",
            "won": 2,
            "lost": 3,
            "won_value": 4000,
            "lost_value": 3500,
            "win_rate_value": 53.33,
            "avg_won_size": 2000,
        },
    ]


def test_lost_reasons_ranked_by_count(db: Any) -> None:
    _world(db)
    assert rows(run_report(db, "winloss", **WINDOW), "reasons") == [
        {"reason": "price", "deals": 2, "share": 50.0},
        {"reason": "(none)", "deals": 1, "share": 25.0},
        {"reason": "timing", "deals": 1, "share": 25.0},
    ]


def test_funnel_counts_deals_reaching_each_stage_from_history(db: Any) -> None:
    _world(db)
    funnel = rows(run_report(db, "winloss", **WINDOW), "funnel")
    # won deals reach every stage (3); lost ones up to their furthest: L1 Proposal, L2 Lead,
    # L3 Qualified, L4 Negotiation. Lead 3+4=7, Qualified 3+3=6, Proposal 3+2=5, Negotiation 3+1=4, Won 3.
    assert funnel == [
        {"stage": "Lead", "reached": 7, "conversion": None, "overall": 100.0},
        {"stage": "Qualified", "reached": 6, "conversion": round(600 / 7, 2), "overall": round(600 / 7, 2)},
        {"stage": "Proposal", "reached": 5, "conversion": round(500 / 6, 2), "overall": round(500 / 7, 2)},
        {"stage": "Negotiation", "reached": 4, "conversion": 80.0, "overall": round(400 / 7, 2)},
        {"stage": "Won", "reached": 3, "conversion": 75.0, "overall": round(300 / 7, 2)},
    ]


def test_funnel_counts_a_lost_deal_without_open_stage_history_nowhere(db: Any) -> None:
    _world(db)
    with db.write("data") as s:
        w = World(s)
        w.deal("no history", "Lost", 10000, created=utc(2026, 10, 2), closed=utc(2026, 10, 22))
        w.deal(
            "only lost",
            "Lost",
            10000,
            created=utc(2026, 10, 2),
            closed=utc(2026, 10, 23),
            history=[("Lost", utc(2026, 10, 23))],
        )
    report = run_report(db, "winloss", **WINDOW)
    assert rows(report, "summary")[0]["lost"] == 6
    assert [r["reached"] for r in rows(report, "funnel")] == [7, 6, 5, 4, 3]


def test_owner_filter_applies_to_rates_reasons_and_funnel(db: Any) -> None:
    _world(db)
    report = run_report(db, "winloss", owner="bob", **WINDOW)
    # bob: W2 won (20 days), L3 lost (timing)
    assert rows(report, "summary") == [{"won": 1, "lost": 1, "win_rate": 50.0, "avg_cycle_days": 20.0}]
    assert [r["reason"] for r in rows(report, "reasons")] == ["timing"]
    assert [r["reached"] for r in rows(report, "funnel")] == [2, 2, 1, 1, 1]


@pytest.mark.parametrize("owner", ["nobody"])
def test_unknown_owner_is_not_found(db: Any, owner: str) -> None:
    from termcrm.errors import NotFound

    with pytest.raises(NotFound):
        run_report(db, "winloss", owner=owner)
