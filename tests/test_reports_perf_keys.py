"""The report queries rewritten for speed give the same figures on the cases their rewrite hinges on.

* customers/churn group won deals per (deal company, deal contact) first, then per
  customer: a company's purchases made directly and through its contacts must
  meet in one row, per currency;
* the win/loss funnel uses each lost deal's furthest open stage: a deal that
  moved back still reached the furthest stage it entered;
* the tickets backlog comes from (created slot, resolved slot) groups, with the
  first period clipped by ``--since``;
* the churn rate marks a customer gone when its next active period is not the
  following one;
* the period bucket, a nested CASE searched by halves, gives the plain CASE's slot.
"""

from __future__ import annotations

from typing import Any

from test_reports_builders import World, ago, rows, run_report, utc


def test_company_purchases_direct_and_through_contacts_meet_per_currency(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        acme = w.company("Acme")
        ann = w.contact("Ann", company=acme)
        bob = w.contact("Bob", company=acme)
        solo = w.contact("Solo")
        w.deal("d1", "Won", 1000, company=acme, contact=ann, closed=ago(10))  # on the company
        w.deal("d2", "Won", 2000, contact=ann, closed=ago(20))  # through Ann's company
        w.deal("d3", "Won", 4000, contact=bob, closed=ago(400))  # through Bob, before the window
        w.deal("d4", "Won", 500, contact=ann, currency="EUR", closed=ago(5))  # another currency
        w.deal("d5", "Won", 300, contact=solo, closed=ago(15))  # a contact without company
        w.deal("d6", "Lost", 9000, contact=bob, closed=ago(3))  # not a purchase
    table = rows(run_report(db, "customers", since="2026-01-01"), "customers")
    got = [(r["customer"], r["currency"], r["revenue"], r["purchases"], r["lifetime_purchases"]) for r in table]
    # Acme USD: d1 + d2 in the window (3,000), lifetime d1 + d2 + d3 (3 purchases, 7,000)
    assert got == [("Acme", "USD", 30.0, 2, 3), ("Acme", "EUR", 5.0, 1, 1), ("Solo", "USD", 3.0, 1, 1)]
    acme_usd = table[0]
    assert acme_usd["lifetime_revenue"] == 70.0
    # first purchase 400 days ago, last 10 days ago: 390 days over 2 intervals
    assert acme_usd["avg_interval_days"] == 195.0


def test_churn_counts_a_company_bought_through_a_contact_as_one_customer(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        acme = w.company("Acme")
        ann = w.contact("Ann", company=acme)
        w.deal("d1", "Won", 1000, company=acme, closed=ago(300))
        w.deal("d2", "Won", 1000, contact=ann, closed=ago(200))
        w.interaction(ago(150), contact=ann)  # Acme's last activity: 150 days ago
    report = run_report(db, "churn")
    assert rows(report, "summary")[0]["customers"] == 1
    lapsed = rows(report, "lapsed")
    assert [(r["customer"], r["purchases"], r["days_quiet"]) for r in lapsed] == [("Acme", 2, 150.0)]


def test_funnel_counts_the_furthest_stage_a_lost_deal_entered(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        # moved forward to Proposal, back to Qualified, then lost: reached Lead, Qualified, Proposal
        w.deal(
            "back",
            "Lost",
            100,
            created=utc(2026, 10, 1),
            closed=utc(2026, 10, 20),
            history=[
                ("Lead", utc(2026, 10, 1)),
                ("Proposal", utc(2026, 10, 5)),
                ("Qualified", utc(2026, 10, 10)),
                ("Lost", utc(2026, 10, 20)),
            ],
        )
        # lost with no history at all: reached no stage
        w.deal("bare", "Lost", 100, created=utc(2026, 10, 1), closed=utc(2026, 10, 21))
        # won: reaches every stage
        w.deal("won", "Won", 100, created=utc(2026, 10, 1), closed=utc(2026, 10, 22))
    funnel = rows(run_report(db, "winloss", since="2026-10-01", until="2026-11-30"), "funnel")
    assert [(r["stage"], r["reached"]) for r in funnel] == [
        ("Lead", 2),
        ("Qualified", 2),
        ("Proposal", 2),
        ("Negotiation", 1),
        ("Won", 1),
    ]


def test_backlog_with_the_first_period_clipped_by_since(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        w.ticket(utc(2026, 10, 5), status="resolved", resolved=utc(2026, 10, 12))  # before --since
        w.ticket(utc(2026, 10, 10), status="open")  # before --since, open ever since
        w.ticket(utc(2026, 10, 20), status="resolved", resolved=utc(2026, 11, 3))
        w.ticket(utc(2026, 10, 25), status="closed", closed=utc(2026, 10, 28))  # closed counts as resolved
        w.ticket(utc(2026, 11, 10), status="resolved", resolved=utc(2026, 11, 20))
        w.ticket(utc(2026, 11, 12), status="open")
        w.ticket(utc(2026, 11, 22), status="resolved", resolved=utc(2026, 11, 23, 6))
    backlog = rows(run_report(db, "tickets", since="2026-10-15", until="2026-11-30"), "backlog")
    # October from the 15th: created the 20th and 25th; resolved the 28th (closed);
    #   open at its end: the 10th and the 20th.
    # November: created the 10th, 12th, 22nd; resolved the 3rd, 20th, 23rd;
    #   open at its end (Dec 1): the 10 Oct and the 12 Nov tickets.
    assert backlog == [
        {"period": "2026-10", "created": 2, "resolved": 1, "backlog": 2},
        {"period": "2026-11", "created": 3, "resolved": 3, "backlog": 2},
    ]


def test_churn_rate_counts_a_customer_gone_for_a_period_and_back(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        a = w.company("Away and back")
        w.deal("a1", "Won", 100, company=a, closed=utc(2026, 8, 10))  # August
        w.interaction(utc(2026, 10, 10), company=a)  # October (none in September)
        b = w.company("Steady")
        w.deal("b1", "Won", 100, company=b, closed=utc(2026, 8, 12))
        w.interaction(utc(2026, 9, 12), company=b)
        w.interaction(utc(2026, 10, 12), company=b)
    rates = rows(run_report(db, "churn", since="2026-09-01", until="2026-10-31"), "periods")
    # August: both active. September: Steady only (Away gone: 1 of 2). October: both (none gone).
    assert [(r["period"], r["active_before"], r["churned"], r["active"]) for r in rates] == [
        ("2026-09", 2, 1, 1),
        ("2026-10", 1, 0, 2),
    ]
    assert rates[0]["churn_rate"] == 50.0


def test_period_bucket_searched_by_halves_matches_the_plain_case(db: Any) -> None:
    import sqlalchemy as sa

    from termcrm.services.reports._sql import at, bucket

    ends = [utc(2026, month, 1) for month in range(1, 13)] + [utc(2027, 1, 1)]
    probes = [utc(2025, 12, 31), *ends, *[utc(2026, month, 15) for month in range(1, 13)], utc(2027, 3, 1)]
    for count in (0, 1, 2, 3, 4, 5, 7, 13):
        some = ends[:count]
        with db.read() as s:
            for probe in [*probes, None]:
                value = at(probe) if probe is not None else sa.null()
                expected = next((i for i, end in enumerate(some) if probe is not None and probe < end), None)
                assert s.execute(sa.select(bucket(value, some))).scalar() == expected, (count, probe)
