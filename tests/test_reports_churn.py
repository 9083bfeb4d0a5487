"""The churn report: lapsed customers, lapsed cadences, and the churn rate by period."""

from __future__ import annotations

from typing import Any

import pytest

from test_reports_builders import World, ago, rows, run_report, utc


def _lapsed_world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        a = w.company("Active by talk")
        w.deal("a", "Won", 1000, company=a, closed=ago(100))
        w.interaction(ago(10), company=a)  # talked lately: not lapsed
        b = w.company("Quiet Ltd")
        w.deal("b", "Won", 1000, company=b, closed=ago(120))
        w.interaction(ago(95), company=b)  # quiet for 95 days
        c = w.contact("Carl")  # no company: his own customer
        w.deal("c", "Won", 1000, contact=c, closed=ago(200))  # quiet for 200 days, never talked to
        d = w.company("Fresh Co")
        w.deal("d", "Won", 1000, company=d, closed=ago(30))
        e = w.company("Only talk")  # never bought: not a customer
        w.interaction(ago(300), company=e)
        # cadences: every 30 days, last 40 days ago -> 10 over; every 7, never contacted, created 10 days ago -> 3
        w.contact("Pia", cadence_days=30, last_contacted_at=ago(40))
        w.contact("Quin", cadence_days=7, created_at=ago(10))
        w.contact("Rex", cadence_days=30, last_contacted_at=ago(5))
        w.contact("Sam", cadence_days=7, last_contacted_at=ago(50), archived_at=ago(1))


def test_lapsed_customers_have_no_purchase_and_no_interaction_within_the_days(db: Any) -> None:
    _lapsed_world(db)
    report = run_report(db, "churn")
    assert rows(report, "lapsed") == [
        {
            "customer": "Quiet Ltd",
            "last_purchase": ago(120).date().isoformat(),
            "last_interaction": ago(95).date().isoformat(),
            "days_quiet": 95.0,
            "purchases": 1,
            "kind": "company",
            "id": 2,
        },
        {
            "customer": "Carl",
            "last_purchase": ago(200).date().isoformat(),
            "last_interaction": None,
            "days_quiet": 200.0,
            "purchases": 1,
            "kind": "contact",
            "id": 1,
        },
    ]
    summary = rows(report, "summary")[0]
    assert (summary["customers"], summary["lapsed"], summary["lapsed_cadences"]) == (4, 2, 2)
    assert report.params["days"] == 90


def test_days_option_moves_the_lapse_line(db: Any) -> None:
    _lapsed_world(db)
    assert [r["customer"] for r in rows(run_report(db, "churn", days=96), "lapsed")] == ["Carl"]
    assert [r["customer"] for r in rows(run_report(db, "churn", days=40), "lapsed")] == ["Quiet Ltd", "Carl"]


def test_lapsed_cadences_most_overdue_first(db: Any) -> None:
    _lapsed_world(db)
    cadences = rows(run_report(db, "churn"), "cadences")
    assert [(r["contact"], r["cadence_days"], r["days_overdue"]) for r in cadences] == [
        ("Pia", 30, 10.0),
        ("Quin", 7, 3.0),
    ]


def test_lapsed_cadences_with_owner_are_that_users_contacts(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        ann, bob = w.user("ann"), w.user("bob")
        w.contact("Pia", cadence_days=30, last_contacted_at=ago(40), owner_id=ann)
        w.contact("Quin", cadence_days=7, last_contacted_at=ago(20), owner_id=bob)
        w.contact("Nobody's", cadence_days=7, last_contacted_at=ago(30))

    def lapsed(**scope: str) -> list[str]:
        return [r["contact"] for r in rows(run_report(db, "churn", **scope), "cadences")]

    assert lapsed() == ["Nobody's", "Quin", "Pia"]
    assert lapsed(owner="ann") == ["Pia"]
    assert lapsed(owner="bob") == ["Quin"]
    assert lapsed(pipeline="sales") == ["Nobody's", "Quin", "Pia"]
    summary = rows(run_report(db, "churn", owner="bob"), "summary")[0]
    assert summary["lapsed_cadences"] == 1


def test_churn_days_default_comes_from_config(db: Any) -> None:
    _lapsed_world(db)
    db.settings.values["report.churn_days"] = 100
    assert [r["customer"] for r in rows(run_report(db, "churn"), "lapsed")] == ["Carl"]


def _rate_world(db: Any) -> None:
    """Activity by month (July is the period before the window):

    X: bought Jul 10, talk Aug 5, bought Sep 12, talk Nov 3      -> Jul Aug Sep . Nov
    Y: bought Jul 20, talk Sep 1                                  -> Jul . Sep
    Z: bought Aug 15, talk Oct 2                                  -> . Aug . Oct
    W: talk Jul 5 (before its first purchase: not counted), bought Sep 10, talk Oct 20, Nov 20
    """
    with db.write("data") as s:
        w = World(s)
        x, y, z, v = (w.company(n) for n in ("X", "Y", "Z", "W"))
        w.deal("x1", "Won", 1, company=x, closed=utc(2026, 7, 10))
        w.interaction(utc(2026, 8, 5), company=x)
        w.deal("x2", "Won", 1, company=x, closed=utc(2026, 9, 12))
        w.interaction(utc(2026, 11, 3), company=x)
        w.deal("y1", "Won", 1, company=y, closed=utc(2026, 7, 20))
        w.interaction(utc(2026, 9, 1), company=y)
        w.deal("z1", "Won", 1, company=z, closed=utc(2026, 8, 15))
        w.interaction(utc(2026, 10, 2), company=z)
        w.interaction(utc(2026, 7, 5), company=v)
        w.deal("w1", "Won", 1, company=v, closed=utc(2026, 9, 10))
        w.interaction(utc(2026, 10, 20), company=v)
        w.interaction(utc(2026, 11, 20), company=v)


@pytest.fixture(params=["mask", "slot"])
def rates_form(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both forms of the churn rates' SQL: a bit mask per customer, and a row per customer and slot
    (the form past ``MASK_SLOTS`` periods)."""
    from termcrm.services.reports import churn

    if request.param == "slot":
        monkeypatch.setattr(churn, "MASK_SLOTS", 0)
    return str(request.param)


def test_churn_rate_is_customers_active_last_period_and_not_this_one(db: Any, rates_form: str) -> None:
    _rate_world(db)
    report = run_report(db, "churn", since="2026-08-01")
    # Jul {X,Y} Aug {X,Z} Sep {X,Y,W} Oct {Z,W} Nov {X,W}
    assert rows(report, "periods") == [
        {"period": "2026-08", "active_before": 2, "churned": 1, "churn_rate": 50.0, "active": 2, "partial": False},
        {"period": "2026-09", "active_before": 2, "churned": 1, "churn_rate": 50.0, "active": 3, "partial": False},
        {
            "period": "2026-10",
            "active_before": 3,
            "churned": 2,
            "churn_rate": round(200 / 3, 2),
            "active": 2,
            "partial": False,
        },
        {"period": "2026-11", "active_before": 2, "churned": 1, "churn_rate": 50.0, "active": 2, "partial": True},
    ]
    summary = rows(report, "summary")[0]
    assert (summary["churn_rate"], summary["churn_period"]) == (round(200 / 3, 2), "2026-10")


def test_churn_rate_counts_every_period_of_a_customer_who_first_bought_long_before(db: Any, rates_form: str) -> None:
    with db.write("data") as s:
        w = World(s)
        old = w.company("Old")
        w.deal("o1", "Won", 1, company=old, closed=utc(2025, 1, 5))
        w.interaction(utc(2026, 8, 3), company=old)
        w.interaction(utc(2026, 10, 3), company=old)
    periods = rows(run_report(db, "churn", since="2026-08-01"), "periods")
    assert [(r["period"], r["active_before"], r["churned"], r["active"]) for r in periods] == [
        ("2026-08", 0, 0, 1),
        ("2026-09", 1, 1, 0),
        ("2026-10", 0, 0, 1),
        ("2026-11", 1, 1, 0),
    ]


def test_churn_rate_by_quarter(db: Any, rates_form: str) -> None:
    _rate_world(db)
    quarters = rows(run_report(db, "churn", since="2026-10-01", period="quarter"), "periods")
    # Q3 {X,Y,Z,W}; Q4 {X,Z,W}: Y churned -> 1/4
    assert quarters == [
        {"period": "2026-Q4", "active_before": 4, "churned": 1, "churn_rate": 25.0, "active": 3, "partial": True}
    ]
