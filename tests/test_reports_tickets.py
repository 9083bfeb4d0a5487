"""The tickets report: open queue, SLA compliance and medians, satisfaction, backlog by period."""

from __future__ import annotations

from typing import Any

from test_reports_builders import World, rows, run_report, utc

WINDOW = {"since": "2026-10-01"}


def _world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        # T1 high: answered in 2h (met), resolved in 10h (met), rated 5
        w.ticket(
            utc(2026, 11, 2, 10),
            "high",
            "resolved",
            fr_due=utc(2026, 11, 2, 14),
            fr_at=utc(2026, 11, 2, 12),
            res_due=utc(2026, 11, 3, 10),
            resolved=utc(2026, 11, 2, 20),
            satisfaction=5,
            assignee="ann",
        )
        # T2 high: answered in 6h (late), resolved in 48h (late), rated 2
        w.ticket(
            utc(2026, 11, 5, 10),
            "high",
            "closed",
            fr_due=utc(2026, 11, 5, 14),
            fr_at=utc(2026, 11, 5, 16),
            res_due=utc(2026, 11, 6, 10),
            resolved=utc(2026, 11, 7, 10),
            closed=utc(2026, 11, 8),
            satisfaction=2,
            assignee="bob",
        )
        # T3 urgent, open, no answer and its first response was due at 10:00: breached now
        w.ticket(utc(2026, 11, 23, 9), "urgent", "open", fr_due=utc(2026, 11, 23, 10), res_due=utc(2026, 11, 23, 17))
        # T4 normal, pending since before its resolution was due: paused, not breached
        w.ticket(
            utc(2026, 11, 10, 10),
            "normal",
            "pending",
            fr_due=utc(2026, 11, 10, 18),
            fr_at=utc(2026, 11, 10, 11),
            res_due=utc(2026, 11, 13, 10),
            pending_since=utc(2026, 11, 12, 10),
        )
        # T5 normal, pending only after its resolution was due: breached
        w.ticket(
            utc(2026, 11, 1, 10),
            "normal",
            "pending",
            fr_due=utc(2026, 11, 1, 18),
            fr_at=utc(2026, 11, 1, 12),
            res_due=utc(2026, 11, 4, 10),
            pending_since=utc(2026, 11, 5),
        )
        # T6 low, new, nothing due yet
        w.ticket(utc(2026, 11, 22, 12), "low", "new", fr_due=utc(2026, 11, 23, 13), res_due=utc(2026, 11, 27))
        # T7 normal, resolved in 5h without a public reply, before the reply was due: both met; rated 4
        w.ticket(
            utc(2026, 10, 20, 10),
            "normal",
            "resolved",
            fr_due=utc(2026, 10, 20, 18),
            res_due=utc(2026, 10, 23, 10),
            resolved=utc(2026, 10, 20, 15),
            satisfaction=4,
        )
        # T8 archived (left out everywhere); T9 opened in September, resolved in November (backlog at October's end)
        w.ticket(utc(2026, 11, 20), "urgent", "open", fr_due=utc(2026, 11, 20, 1), archived=True)
        w.ticket(utc(2026, 9, 15), "normal", "resolved", resolved=utc(2026, 11, 3))


def test_open_queue_by_priority_with_breaches_now(db: Any) -> None:
    _world(db)
    report = run_report(db, "tickets", **WINDOW)
    assert rows(report, "open") == [
        {"priority": "urgent", "new": 0, "open": 1, "pending": 0, "total": 1, "breached": 1},
        {"priority": "normal", "new": 0, "open": 0, "pending": 2, "total": 2, "breached": 1},
        {"priority": "low", "new": 1, "open": 0, "pending": 0, "total": 1, "breached": 0},
    ]
    assert rows(report, "summary") == [
        {"open": 4, "breached_now": 2, "created": 7, "satisfaction_avg": round(11 / 3, 2), "rated": 3}
    ]


def test_sla_compliance_and_medians_per_priority(db: Any) -> None:
    _world(db)
    sla = {r["priority"]: r for r in rows(run_report(db, "tickets", **WINDOW), "sla")}
    assert list(sla) == ["urgent", "high", "normal", "low", "all"]
    assert sla["urgent"] == {
        "priority": "urgent",
        "tickets": 1,
        "resolved": 0,
        "first_response_met": 0,
        "first_response_breached": 1,
        "resolution_met": 0,
        "resolution_breached": 0,
        "first_response_compliance": 0.0,
        "resolution_compliance": None,
        "median_first_response_hours": None,
        "median_resolution_hours": None,
    }
    high = sla["high"]
    assert (high["first_response_met"], high["first_response_breached"], high["first_response_compliance"]) == (
        1,
        1,
        50.0,
    )
    assert (high["resolution_met"], high["resolution_breached"], high["resolution_compliance"]) == (1, 1, 50.0)
    # medians of 2h and 6h, and of 10h and 48h
    assert (high["median_first_response_hours"], high["median_resolution_hours"]) == (4.0, 29.0)
    normal = sla["normal"]
    # T4, T5 answered, T7 resolved before a reply was due: 3 met; resolution: T7 met, T5 breached, T4 paused
    assert (normal["first_response_met"], normal["first_response_breached"]) == (3, 0)
    assert (normal["resolution_met"], normal["resolution_breached"], normal["resolution_compliance"]) == (1, 1, 50.0)
    assert (normal["median_first_response_hours"], normal["median_resolution_hours"]) == (1.5, 5.0)
    low = sla["low"]
    assert (low["first_response_compliance"], low["resolution_compliance"]) == (None, None)
    every = sla["all"]
    # replies 1h, 2h, 2h, 6h -> 2h; resolutions 5h, 10h, 48h -> 10h
    assert every["tickets"] == 7
    assert (every["first_response_met"], every["first_response_breached"]) == (4, 2)
    assert every["first_response_compliance"] == round(400 / 6, 2)
    assert (every["resolution_met"], every["resolution_breached"], every["resolution_compliance"]) == (2, 2, 50.0)
    assert (every["median_first_response_hours"], every["median_resolution_hours"]) == (2.0, 10.0)


def test_satisfaction_distribution(db: Any) -> None:
    _world(db)
    assert rows(run_report(db, "tickets", **WINDOW), "satisfaction") == [
        {"score": 5, "tickets": 1, "share": round(100 / 3, 2)},
        {"score": 4, "tickets": 1, "share": round(100 / 3, 2)},
        {"score": 3, "tickets": 0, "share": 0.0},
        {"score": 2, "tickets": 1, "share": round(100 / 3, 2)},
        {"score": 1, "tickets": 0, "share": 0.0},
    ]


def test_backlog_by_period(db: Any) -> None:
    _world(db)
    backlog = rows(run_report(db, "tickets", **WINDOW), "backlog")
    # October: T7 created and resolved; T9 (from September) still open at its end.
    # November: T1-T6 created; T1, T2, T9 resolved; T3, T4, T5, T6 open now.
    assert backlog == [
        {"period": "2026-10", "created": 1, "resolved": 1, "backlog": 1},
        {"period": "2026-11", "created": 6, "resolved": 3, "backlog": 4},
    ]


def test_owner_keeps_their_assigned_tickets(db: Any) -> None:
    _world(db)
    report = run_report(db, "tickets", owner="ann", **WINDOW)
    assert [r["priority"] for r in rows(report, "sla")] == ["high", "all"]
    assert rows(report, "sla")[0]["tickets"] == 1
    assert rows(report, "summary")[0]["satisfaction_avg"] == 5.0
