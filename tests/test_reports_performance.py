"""The performance report (won revenue against quota, activity per user) and the quotas service."""

from __future__ import annotations

from typing import Any

import pytest

from test_reports_builders import World, rows, run_report, utc


def _world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        w.user("cy")
        w.deal("a1", "Won", 300000, owner="ann", created=utc(2026, 10, 5), closed=utc(2026, 11, 1))
        w.deal("a2", "Proposal", 100000, owner="ann", created=utc(2026, 10, 10))
        w.deal("a3", "Won", 200000, owner="ann", created=utc(2026, 9, 20), closed=utc(2026, 10, 15))
        w.deal("a4", "Won", 10000, currency="EUR", owner="ann", created=utc(2026, 11, 1), closed=utc(2026, 11, 2))
        w.deal("b1", "Lost", 50000, owner="bob", created=utc(2026, 11, 3), closed=utc(2026, 11, 5))
        w.deal("b2", "Won", 100000, owner="bob", created=utc(2026, 9, 1), closed=utc(2026, 9, 30))
        w.interaction(utc(2026, 10, 2), user="ann")
        w.interaction(utc(2026, 11, 12), user="ann")
        w.interaction(utc(2026, 11, 13), user="bob")
        w.interaction(utc(2026, 9, 13), user="bob")
        w.ticket(utc(2026, 10, 1), status="resolved", resolved=utc(2026, 10, 3), satisfaction=5, assignee="cy")
        w.ticket(utc(2026, 10, 1), status="resolved", resolved=utc(2026, 11, 3), satisfaction=4, assignee="cy")
        w.ticket(utc(2026, 10, 1), status="closed", resolved=utc(2026, 11, 4), assignee="cy")
        w.ticket(utc(2026, 9, 1), status="resolved", resolved=utc(2026, 9, 3), satisfaction=1, assignee="cy")
        w.quota("ann", "2026-Q4", 1000000)
        w.quota("ann", "2026-10", 200000)
        w.quota("ann", "2026-11", 300000)
        w.quota("bob", "2026-10", 100000)
        w.quota("bob", "2026-11", 100000)
        w.quota("bob", "2026-12", 100000)
        w.quota("bob", "2027", 5000000)
        w.quota("cy", "2026", 100)


def test_quarter_revenue_against_the_coarsest_quota_inside_it(db: Any) -> None:
    _world(db)
    report = run_report(db, "performance", period="quarter")
    assert (report.params["since"], report.params["until"]) == (utc(2026, 10, 1), utc(2026, 11, 23, 12))
    # ann won 3,000 + 2,000 USD in Q4 against her Q4 quota of 10,000 (her monthly ones are finer: ignored);
    # bob won nothing against October + November + December = 3,000; cy's 2026 quota is not inside Q4
    assert rows(report, "revenue") == [
        {"user": "ann", "currency": "EUR", "won": 100, "quota": None, "attainment": None},
        {"user": "ann", "currency": "USD", "won": 5000, "quota": 10000, "attainment": 50.0},
        {"user": "bob", "currency": "USD", "won": 0, "quota": 3000, "attainment": 0.0},
    ]


def test_activity_per_user(db: Any) -> None:
    _world(db)
    assert rows(run_report(db, "performance", period="quarter"), "users") == [
        {
            "user": "ann",
            "deals_created": 3,
            "deals_won": 3,
            "interactions": 2,
            "tickets_resolved": 0,
            "satisfaction_avg": None,
        },
        {
            "user": "bob",
            "deals_created": 1,
            "deals_won": 0,
            "interactions": 1,
            "tickets_resolved": 0,
            "satisfaction_avg": None,
        },
        {
            "user": "cy",
            "deals_created": 0,
            "deals_won": 0,
            "interactions": 0,
            "tickets_resolved": 3,
            "satisfaction_avg": 4.5,
        },
    ]


def test_month_window_uses_the_month_quota(db: Any) -> None:
    _world(db)
    report = run_report(db, "performance", owner="ann")
    # November so far: ann won 3,000 USD (and 100 EUR) against her November quota of 3,000
    assert rows(report, "revenue") == [
        {"user": "ann", "currency": "EUR", "won": 100, "quota": None, "attainment": None},
        {"user": "ann", "currency": "USD", "won": 3000, "quota": 3000, "attainment": 100.0},
    ]
    assert [r["user"] for r in rows(report, "users")] == ["ann"]


def test_year_window_takes_the_coarsest_quota_of_each_user(db: Any) -> None:
    _world(db)
    report = run_report(db, "performance", since="2026-01-01", until="2026-12-31")
    # ann: Q4 beats her months (no year quota) -> 10,000; bob: his three months (2027 is outside) -> 3,000;
    # cy: the 2026 year quota of 1.00
    assert [
        (r["user"], r["won"], r["quota"], r["attainment"]) for r in rows(report, "revenue") if r["currency"] == "USD"
    ] == [
        ("ann", 5000, 10000, 50.0),
        ("bob", 1000, 3000, 33.33),
        ("cy", 0, 1, 0.0),
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [("2026", "2026"), ("2026-q4", "2026-Q4"), ("2026-Q1", "2026-Q1"), ("2026-11", "2026-11"), ("2026-3", "2026-03")],
)
def test_quota_periods_are_canonical(text: str, key: str) -> None:
    from termcrm.services.quotas import parse_period

    assert parse_period(text) == key


@pytest.mark.parametrize("text", ["26", "2026-Q5", "2026-13", "2026-00", "Q4", "2026/11", "next year"])
def test_bad_quota_periods_are_refused(text: str) -> None:
    from termcrm.errors import Invalid
    from termcrm.services.quotas import parse_period

    with pytest.raises(Invalid) as err:
        parse_period(text)
    assert "2026-Q4" in err.value.message


def test_set_quota_replaces_and_list_shows_won_so_far(db: Any) -> None:
    from termcrm.services import quotas

    with db.write("data") as s:
        w = World(s)
        w.deal("won", "Won", 125000, owner="ann", closed=utc(2026, 11, 5))
        w.deal("eur", "Won", 999900, currency="EUR", owner="ann", closed=utc(2026, 11, 5))
    with db.write("quota") as s:
        quotas.set_quota(s, "ann", "4000", "2026-11")
    with db.write("quota") as s:
        quotas.set_quota(s, "ann", "5k", "2026-11")
        quotas.set_quota(s, "tester", "1,000.50", "2026-q4", "eur")
    with db.read() as s:
        listed = quotas.list_quotas(s)
        only_nov = quotas.list_quotas(s, period="2026-11")
        year = quotas.list_quotas(s, period="2026")
    assert listed == [
        # 1,250 USD won in November of 5,000 -> 25 %; the EUR deal is not added
        {
            "id": 1,
            "user": "ann",
            "period": "2026-11",
            "amount": 5000,
            "currency": "USD",
            "won": 1250,
            "attainment": 25.0,
        },
        {
            "id": 2,
            "user": "tester",
            "period": "2026-Q4",
            "amount": 1000.5,
            "currency": "EUR",
            "won": 0,
            "attainment": 0.0,
        },
    ]
    assert [r["period"] for r in only_nov] == ["2026-11"]
    assert [r["period"] for r in year] == ["2026-11", "2026-Q4"]


def test_quota_errors(db: Any) -> None:
    from termcrm.errors import Invalid, NotFound
    from termcrm.services import quotas

    with pytest.raises(NotFound), db.write("q") as s:
        quotas.set_quota(s, "nobody", "10", "2026")
    with pytest.raises(Invalid), db.write("q") as s:
        quotas.set_quota(s, "me", "-10", "2026")
    with pytest.raises(NotFound), db.write("q") as s:
        quotas.remove_quota(s, "tester", "2026")
