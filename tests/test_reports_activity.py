"""The activity report: interactions by kind, user and period; contacts touched; follow-ups on time vs late."""

from __future__ import annotations

from typing import Any

from test_reports_builders import World, rows, run_report, utc

WINDOW = {"since": "2026-10-01"}


def _world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        c1 = w.contact("Cleo")
        c2 = w.contact("Dan")
        acme = w.company("Acme")
        w.interaction(utc(2026, 10, 5), "call", contact=c1, user="ann")
        w.interaction(utc(2026, 10, 20), "email", contact=c1, user="ann")
        w.interaction(utc(2026, 11, 2), "call", contact=c2, user="bob")
        w.interaction(utc(2026, 11, 10), "meeting", contact=c1, user="ann")
        w.interaction(utc(2026, 11, 15), "call", company=acme, user="ann")  # no contact: touches nobody
        w.interaction(utc(2026, 11, 16), "call", contact=c2, user="bob", archived=True)
        w.interaction(utc(2026, 9, 30), "call", contact=c2, user="bob")  # before the window
        # follow-ups: f1 on time, f2 an hour late, f3 within its due day, f4 after its due day, f5 on time in October
        w.followup(utc(2026, 11, 5, 10), status="done", done_at=utc(2026, 11, 5, 9), assignee="ann")
        w.followup(utc(2026, 11, 5, 10), status="done", done_at=utc(2026, 11, 5, 11), assignee="ann")
        w.followup(utc(2026, 11, 6), has_time=False, status="done", done_at=utc(2026, 11, 6, 18), assignee="bob")
        w.followup(utc(2026, 11, 6), has_time=False, status="done", done_at=utc(2026, 11, 7, 0, 30), assignee="bob")
        w.followup(utc(2026, 10, 12), has_time=False, status="done", done_at=utc(2026, 10, 10), assignee="ann")
        w.followup(utc(2026, 11, 1), assignee="ann")  # still open
        w.followup(utc(2026, 11, 1), status="cancelled", done_at=utc(2026, 11, 2), assignee="ann")


def test_summary_counts_interactions_contacts_and_followups(db: Any) -> None:
    _world(db)
    report = run_report(db, "activity", **WINDOW)
    # 5 live interactions in the window; contacts Cleo and Dan; 5 follow-ups done, 3 on time
    assert rows(report, "summary") == [
        {
            "interactions": 5,
            "contacts_touched": 2,
            "followups_done": 5,
            "on_time": 3,
            "late": 2,
            "on_time_rate": 60.0,
        }
    ]


def test_interactions_by_kind_most_first(db: Any) -> None:
    _world(db)
    assert rows(run_report(db, "activity", **WINDOW), "kinds") == [
        {"kind": "call", "interactions": 3, "share": 60.0},
        {"kind": "email", "interactions": 1, "share": 20.0},
        {"kind": "meeting", "interactions": 1, "share": 20.0},
    ]


def test_by_user_and_by_period(db: Any) -> None:
    _world(db)
    report = run_report(db, "activity", **WINDOW)
    assert rows(report, "users") == [
        {"user": "ann", "interactions": 4, "contacts_touched": 1, "followups_done": 3, "on_time": 2, "late": 1},
        {"user": "bob", "interactions": 1, "contacts_touched": 1, "followups_done": 2, "on_time": 1, "late": 1},
    ]
    assert rows(report, "periods") == [
        {"period": "2026-10", "interactions": 2, "contacts_touched": 1, "followups_done": 1, "on_time": 1},
        {"period": "2026-11", "interactions": 3, "contacts_touched": 2, "followups_done": 4, "on_time": 2},
    ]
    assert report.section("periods").spark == "interactions"


def test_owner_filter_and_weekly_periods(db: Any) -> None:
    _world(db)
    report = run_report(db, "activity", since="2026-11-02", until="2026-11-15", period="week", owner="ann")
    # ann in Nov 2-15 (the until day included): meeting Nov 10, Acme call Nov 15; her follow-ups done Nov 5
    assert rows(report, "summary")[0]["interactions"] == 2
    assert rows(report, "summary")[0]["followups_done"] == 2
    assert [(r["period"], r["interactions"], r["followups_done"]) for r in rows(report, "periods")] == [
        ("2026-W45", 0, 2),
        ("2026-W46", 2, 0),
    ]
