"""``crm next`` (an explainable score) and ``crm agenda`` (by day, overdue first); the demo's follow-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from termcrm.models import Contact, Deal, Followup, Stage
from termcrm.services import contacts, followups

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
WEIGHTS = {"overdue": 10, "due_soon": 20, "priority": 15, "deal": 5, "rotting": 25, "cadence": 2}
"""The declared defaults of next.weight_*, spelt out so the expected scores can be worked out here."""


def _contact(s, name: str, **extra) -> Contact:
    first, last = contacts.split_name(name)
    return contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last, **extra))


def _deal(s, title: str, *, amount: int, probability: int, days_in_stage: int, rot_days: int | None, **kw) -> Deal:
    stage = s.exec(select(Stage).where(Stage.name == "Proposal")).one()
    stage.rot_days = rot_days
    s.add(stage)
    deal = Deal(title=title, pipeline_id=stage.pipeline_id, stage_id=stage.id, amount=amount, currency="USD",
                probability=probability, stage_entered_at=NOW - timedelta(days=days_in_stage), **kw)  # fmt: skip
    s.add(deal)
    s.flush()
    return deal


def _scenario(db) -> dict[str, int]:
    with db.write("setup") as s:
        ann = _contact(s, "Ann Lee")
        cy = _contact(s, "Cy Young", cadence_days=10)
        cy.last_contacted_at = NOW - timedelta(days=15)
        s.add(cy)
        deal = _deal(s, "Big renewal", amount=10_000_000, probability=50, days_in_stage=15, rot_days=10)
        a = followups.add_followup(s, "Overdue call", due="2026-03-08", contact=ann, now=NOW)
        b = followups.add_followup(s, "Deal step", due="2026-03-13 09:00", priority="high", deal=deal, now=NOW)
        d = followups.add_followup(s, "Someday", due="2026-03-21", priority="low", now=NOW)
        return {"a": a.id or 0, "b": b.id or 0, "d": d.id or 0, "cy": cy.id or 0}


def test_rank_next_scores_are_the_sum_of_explained_parts(db) -> None:
    ids = _scenario(db)
    with db.read() as s:
        ranked = followups.rank_next(s, NOW, None, WEIGHTS, None)
    rows = [r.as_dict(n) for n, r in enumerate(ranked, 1)]
    # Deal step: high priority 2 × 15 = 30; weighted 100,000.00 × 50 % = 50,000 → 50 × 5 = 250; rotting 25.
    # Overdue call: 3 days × 10 = 30; due soon 20; normal priority 1 × 15 = 15.
    # Cy Young: cadence of 10 days lapsed 5 days ago → 5 × 2 = 10.  Someday: low priority, nothing else.
    assert [(r["kind"], r["id"], r["score"]) for r in rows] == [
        ("followup", ids["b"], 305),
        ("followup", ids["a"], 65),
        ("cadence", ids["cy"], 10),
        ("followup", ids["d"], 0),
    ]
    parts = {p["name"]: p["points"] for p in rows[0]["parts"]}
    assert parts == {"priority": 30, "deal": 250, "rotting": 25}
    assert {p["name"]: p["points"] for p in rows[1]["parts"]} == {"overdue": 30, "due_soon": 20, "priority": 15}
    assert rows[0]["parts"][1]["detail"].startswith("deal #1 Big renewal: weighted 50,000.00 USD")
    assert rows[0]["parts"][2]["detail"] == "deal #1 15 days in Proposal (rots after 10)"
    assert rows[2]["title"] == "get in touch with Cy Young" and rows[3]["parts"] == []


def test_rank_next_follows_the_weights_and_the_limit(db) -> None:
    ids = _scenario(db)
    only_overdue = dict.fromkeys(WEIGHTS, 0.0) | {"overdue": 1.0}
    with db.read() as s:
        ranked = followups.rank_next(s, NOW, 2, only_overdue, None)
    assert [(r.id, r.score) for r in ranked] == [(ids["a"], 3), (ids["b"], 0)]


def test_cadence_of_a_linked_contact_adds_to_the_followup_not_a_second_item(db) -> None:
    with db.write("setup") as s:
        cy = _contact(s, "Cy Young", cadence_days=10)
        cy.last_contacted_at = NOW - timedelta(days=13)
        s.add(cy)
        followups.add_followup(s, "Call Cy", due="2026-03-20", contact=cy, priority="low", now=NOW)
    with db.read() as s:
        ranked = followups.rank_next(s, NOW, None, WEIGHTS, None)
    assert [(r.kind, r.score, [p.name for p in r.parts]) for r in ranked] == [("followup", 6, ["cadence"])]


def test_weights_come_from_config(crm, tmp_path, monkeypatch) -> None:
    config = tmp_path / "weights.toml"
    config.write_text("[next]\nweight_priority = 100.0\n", encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    crm.ok("followup", "add", "High one", "--due", "+20d", "--priority", "high")
    rows = crm.ok("next", "-f", "json").json()
    assert rows[0]["score"] == 200
    assert rows[0]["parts"] == [{"name": "priority", "points": 200, "detail": "high priority (2 × 100)"}]


def test_next_command_table_explain_and_empty(crm) -> None:
    empty = crm.ok("next")
    assert empty.stdout == "" and "nothing to do" in empty.stderr
    crm.ok("followup", "add", "Overdue call", "--due", "-3d")
    crm.ok("followup", "add", "Later", "--due", "+9d", "--priority", "low")
    crm.ok("followup", "add", "Bob's", "--due", "-9d", "--assignee", "bob")
    table = crm.ok("next").stdout
    assert "follow-up #1 Overdue call" in table and "overdue 30" in table and "Bob's" not in table
    explained = crm.ok("next", "--explain", "--limit", "1").stdout
    assert "1. follow-up #1 Overdue call  score 65" in explained
    assert "3 days overdue (3 × 10)" in explained and "Later" not in explained
    assert [r["title"] for r in crm.ok("next", "--all", "-f", "json").json()][:1] == ["Bob's"]


# --------------------------------------------------------------------------- agenda


def test_agenda_groups_by_local_day_with_birthdays_and_closes_overdue_first(db) -> None:
    with db.write("setup") as s:
        ann = _contact(s, "Ann Lee", birthday=date(1990, 3, 12))
        followups.add_followup(s, "Late", due="2026-03-09", contact=ann, now=NOW)
        followups.add_followup(s, "Afternoon", due="2026-03-11 15:00", now=NOW)
        followups.add_followup(s, "Morning", due="2026-03-11 08:00", now=NOW)  # earlier today: overdue
        followups.add_followup(s, "All day", due="2026-03-11", now=NOW)
        followups.add_followup(s, "Friday", due="2026-03-13 11:00", now=NOW)
        followups.add_followup(s, "Out of range", due="2026-03-20", now=NOW)
        _deal(s, "Closing soon", amount=500_000, probability=80, days_in_stage=1, rot_days=None,
              expected_close=date(2026, 3, 12))  # fmt: skip
        _deal(s, "Slipped", amount=100_000, probability=20, days_in_stage=1, rot_days=None,
              expected_close=date(2026, 3, 1))  # fmt: skip
    with db.read() as s:
        groups = followups.agenda(s, 3, "tester", NOW)
    assert [g["day"] for g in groups] == ["overdue", "2026-03-11", "2026-03-12", "2026-03-13"]
    assert [g["label"] for g in groups[1:]] == ["Wed 2026-03-11 (today)", "Thu 2026-03-12 (tomorrow)", "Fri 2026-03-13"]
    assert [(i["kind"], i["title"]) for i in groups[0]["items"]] == [
        ("followup", "Late"),
        ("followup", "Morning"),
        ("deal_close", "deal #2 Slipped"),
    ]
    assert [(i["time"], i["title"]) for i in groups[1]["items"]] == [(None, "All day"), ("15:00", "Afternoon")]
    assert [(i["kind"], i["title"]) for i in groups[2]["items"]] == [
        ("birthday", "Ann Lee turns 36 tomorrow"),
        ("deal_close", "deal #1 Closing soon"),
    ]
    assert [i["title"] for i in groups[3]["items"]] == ["Friday"]


def test_agenda_refuses_zero_days(db) -> None:
    from termcrm.errors import Invalid

    with db.read() as s, pytest.raises(Invalid, match="--days"):
        followups.agenda(s, 0, None, NOW)
    with db.read() as s, pytest.raises(Invalid, match="at most 3660"):
        followups.agenda(s, 10**20, None, NOW)


def test_agenda_command_table_and_json(crm) -> None:
    crm.ok("followup", "add", "Late", "--due", "-2d")
    crm.ok("followup", "add", "Soon", "--due", "+1d")
    crm.ok("followup", "add", "Bob's", "--due", "+1d", "--assignee", "bob")
    out = crm.ok("agenda", "--days", "2").stdout
    assert out.startswith("Overdue\n")
    assert "#1 Late" in out and "#2 Soon" in out and "Bob's" not in out
    assert "(today)" in out and "(tomorrow)" in out
    groups = crm.ok("agenda", "--days", "2", "-f", "json").json()
    assert [len(g["items"]) for g in groups] == [1, 0, 1]
    assert "Bob's" in crm.ok("agenda", "--user", "bob").stdout
    assert "Bob's" in crm.ok("agenda", "--all").stdout
    assert crm("agenda", "--days", "0").exit_code == 2
    lines = crm.ok("agenda", "-f", "jsonl").stdout.splitlines()
    assert len(lines) == 2


# --------------------------------------------------------------------------- demo


def test_demo_has_overdue_today_week_recurring_done_cadences_and_birthdays(tmp_path) -> None:
    from termcrm.config import Settings
    from termcrm.db import open_database
    from termcrm.demo import build

    clock = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    summary = build(str(tmp_path / "demo.db"), contacts=40, seed=7, now=clock)
    db = open_database(Settings(db_url=f"sqlite:///{summary.path}", user="ann"))
    try:
        with db.read() as s:
            items = s.exec(select(Followup)).all()
            open_items = [f for f in items if f.status == "open"]
            today = [f for f in open_items if followups.local_due_date(f) == date(2026, 3, 11)]
            week = [f for f in open_items if date(2026, 3, 12) <= followups.local_due_date(f) <= date(2026, 3, 17)]
            overdue = [f for f in open_items if followups.is_overdue(f, clock)]
            years = [f for f in overdue if followups.local_due_date(f).year < 2026]
            recurring = [f for f in open_items if f.recurrence]
            cadences = s.exec(select(Contact).where(Contact.cadence_days.is_not(None))).all()  # type: ignore[union-attr]
            birthdays = [i for i in followups.due_items(s, clock, timedelta(0), None) if i.kind == "birthday"]
            rows = sorted((f.title, f.due_at, f.recurrence, f.status) for f in items)
            rules = {f.recurrence for f in recurring}
    finally:
        db.dispose()
    assert len(rows) >= 12
    assert today and week and overdue and years and recurring
    assert any(status == "done" for *_, status in rows)
    assert rules >= {"FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=MO,TH"}
    assert cadences
    assert len(birthdays) >= 2  # two made here; the core demo's random birthdays may add one
    again = build(str(tmp_path / "again.db"), contacts=40, seed=7, now=clock)
    db = open_database(Settings(db_url=f"sqlite:///{again.path}", user="ann"))
    try:
        with db.read() as s:
            assert sorted((f.title, f.due_at, f.recurrence, f.status) for f in s.exec(select(Followup)).all()) == rows
    finally:
        db.dispose()
