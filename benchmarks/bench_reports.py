"""Benchmark: every report on 1,000,000 deals, against DESIGN.md's 150 ms budget.

Builds a SQLite database in a temporary directory (or ``--db FILE``, reused
when it exists) with fast Core bulk inserts: 1,000,000 deals across the
stages of the default pipeline, with proportionate stage history (a deal has
one stage change per stage it passed through, about 3.4 per deal), plus
customers, interactions, follow-ups, tickets, line items and quotas in
proportion. Then runs each report several times at a fixed clock and prints
its median, and the ratio to the 150 ms budget.

    .venv/bin/python benchmarks/bench_reports.py [--deals 1000000] [--runs 5] [--db FILE]

The budget in DESIGN.md is per query: besides each report's median total, the
table prints the median of its slowest SQL statement (every statement of the
report is run again on its own, executed and fetched, for its median).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BUDGET_MS = 150.0
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CHUNK = 50_000


def _chunks(rows: list[dict[str, Any]]) -> Any:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def build(path: Path, deals: int, seed: int = 8) -> None:
    """Fill a fresh database at ``path``."""
    import sqlalchemy as sa

    from termcrm.config import Settings
    from termcrm.db import open_database
    from termcrm.models import (
        Company,
        Contact,
        Deal,
        DealStageChange,
        Followup,
        Interaction,
        LineItem,
        Quota,
        Ticket,
        User,
        schema,
    )

    rng = random.Random(seed)
    db = open_database(Settings(db_url=f"sqlite:///{path}", user="bench"))
    started = time.perf_counter()
    scale = deals / 1_000_000
    n_users, n_companies, n_contacts = 25, max(int(20_000 * scale), 10), max(int(60_000 * scale), 30)
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA synchronous=OFF")  # a throwaway file: skip fsyncs while loading
        stages = conn.execute(
            sa.select(schema.stage.c.id, schema.stage.c.kind, schema.stage.c.probability)
            .where(schema.stage.c.pipeline_id == 1)
            .order_by(schema.stage.c.position)
        ).all()
        open_stages = [s for s in stages if s.kind == "open"]
        won_stage = next(s for s in stages if s.kind == "won")
        lost_stage = next(s for s in stages if s.kind == "lost")
        conn.execute(sa.update(schema.stage).where(schema.stage.c.kind == "open").values(rot_days=30))

        def insert(model: Any, rows: list[dict[str, Any]]) -> None:
            for part in _chunks(rows):
                conn.execute(sa.insert(model.__table__), part)

        insert(
            User,
            [
                {"id": i, "name": f"user{i}", "name_key": f"user{i}", "active": True, "created_at": NOW}
                for i in range(1, n_users + 1)
            ],
        )
        insert(
            Company,
            [
                {
                    "id": i,
                    "name": f"Company {i}",
                    "name_key": f"company {i}",
                    "created_at": NOW,
                    "updated_at": NOW,
                    "version": 1,
                }
                for i in range(1, n_companies + 1)
            ],
        )
        contacts = []
        for i in range(1, n_contacts + 1):
            last = NOW - timedelta(days=rng.randint(0, 400)) if rng.random() < 0.8 else None
            contacts.append(
                {
                    "id": i,
                    "first_name": f"C{i}",
                    "last_name": "",
                    "display_name": f"Contact {i}",
                    "company_id": rng.randint(1, n_companies) if rng.random() < 0.7 else None,
                    "stage": "customer",
                    "cadence_days": rng.choice((None, None, None, 14, 30, 90)),
                    "last_contacted_at": last,
                    "created_at": NOW - timedelta(days=rng.randint(400, 1500)),
                    "updated_at": NOW,
                    "version": 1,
                }
            )
        insert(Contact, contacts)
        contact_company = {c["id"]: c["company_id"] for c in contacts}
        del contacts

        deal_rows: list[dict[str, Any]] = []
        change_rows: list[dict[str, Any]] = []
        line_rows: list[dict[str, Any]] = []
        for i in range(1, deals + 1):
            created = NOW - timedelta(days=rng.uniform(0, 3 * 365))
            roll = rng.random()
            status = "open" if roll < 0.35 else ("won" if roll < 0.75 else "lost")
            furthest = rng.randint(1, len(open_stages))
            path_stages = open_stages[:furthest]
            at = created
            times = []
            for _ in path_stages:
                times.append(at)
                at = at + timedelta(days=rng.uniform(1, 20))
            if status == "open":
                stage = path_stages[-1]
                entered = times[-1]
                if entered > NOW:
                    entered = NOW - timedelta(days=rng.uniform(0, 5))
                closed = None
                close = (NOW + timedelta(days=rng.randint(-60, 270))).date()
            else:
                stage = won_stage if status == "won" else lost_stage
                closed = min(at, NOW)
                entered = closed
                close = closed.date()
            contact = rng.randint(1, n_contacts)
            amount = rng.randint(10, 5000) * 100
            deal_rows.append(
                {
                    "id": i,
                    "title": f"Deal {i}",
                    "contact_id": contact,
                    "company_id": contact_company[contact] if rng.random() < 0.5 else None,
                    "pipeline_id": 1,
                    "stage_id": stage.id,
                    "status": status,
                    "amount": amount,
                    "currency": "USD" if rng.random() < 0.9 else "EUR",
                    "probability": stage.probability,
                    "probability_pinned": False,
                    "expected_close": close,
                    "owner_id": rng.randint(1, n_users),
                    "lost_reason": rng.choice(("price", "timing", "competitor", None)) if status == "lost" else None,
                    "closed_at": closed,
                    "stage_entered_at": entered,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
            previous = None
            for st, when in zip(path_stages, times, strict=True):
                if when > NOW:
                    break
                change_rows.append(
                    {"deal_id": i, "from_stage_id": previous, "to_stage_id": st.id, "at": when, "user_id": None}
                )
                previous = st.id
            if closed is not None:
                change_rows.append(
                    {"deal_id": i, "from_stage_id": previous, "to_stage_id": stage.id, "at": closed, "user_id": None}
                )
            if rng.random() < 0.1:
                line_rows.append(
                    {
                        "deal_id": i,
                        "description": "",
                        "position": 0,
                        "quantity": 1,
                        "unit_price": amount,
                        "unit_cost": amount * rng.randint(30, 80) // 100,
                        "discount_bp": 0,
                        "version": 1,
                    }
                )
            if len(deal_rows) >= CHUNK:
                insert(Deal, deal_rows)
                insert(DealStageChange, change_rows)
                deal_rows, change_rows = [], []
        insert(Deal, deal_rows)
        insert(DealStageChange, change_rows)
        insert(LineItem, line_rows)

        n_interactions = int(300_000 * scale)
        kinds = ("call", "email", "meeting", "note", "message")
        insert(
            Interaction,
            [
                {
                    "kind": rng.choice(kinds),
                    "summary": "x",
                    "occurred_at": NOW - timedelta(days=rng.uniform(0, 2 * 365)),
                    "contact_id": rng.randint(1, n_contacts),
                    "company_id": None,
                    "user_id": rng.randint(1, n_users),
                    "created_at": NOW,
                    "version": 1,
                }
                for _ in range(n_interactions)
            ],
        )
        followups = []
        for _ in range(int(100_000 * scale)):
            due = NOW + timedelta(days=rng.uniform(-365, 30))
            done = rng.random() < 0.7 and due < NOW
            followups.append(
                {
                    "title": "f",
                    "due_at": due,
                    "due_has_time": rng.random() < 0.5,
                    "status": "done" if done else "open",
                    "done_at": due + timedelta(days=rng.uniform(-2, 3)) if done else None,
                    "assignee_id": rng.randint(1, n_users),
                    "priority": "normal",
                    "created_at": NOW,
                    "updated_at": NOW,
                    "version": 1,
                }
            )
        insert(Followup, followups)
        tickets = []
        for _ in range(int(50_000 * scale)):
            created = NOW - timedelta(days=rng.uniform(0, 365))
            answered = created + timedelta(hours=rng.uniform(0, 30))
            resolved = created + timedelta(hours=rng.uniform(1, 200))
            done = resolved < NOW and rng.random() < 0.9
            tickets.append(
                {
                    "subject": "t",
                    "status": "resolved" if done else rng.choice(("new", "open", "pending")),
                    "priority": rng.choice(("low", "normal", "normal", "high", "urgent")),
                    "type": "question",
                    "channel": "email",
                    "assignee_id": rng.randint(1, n_users),
                    "first_response_at": answered if answered < NOW else None,
                    "first_response_due": created + timedelta(hours=8),
                    "resolution_due": created + timedelta(hours=72),
                    "resolved_at": resolved if done else None,
                    "pending_since": None,
                    "paused_seconds": 0,
                    "satisfaction": rng.randint(1, 5) if done and rng.random() < 0.4 else None,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
        insert(Ticket, tickets)
        quotas = [
            {"user_id": u, "period": f"2026-{m:02d}", "amount": 5_000_000, "currency": "USD"}
            for u in range(1, n_users + 1)
            for m in range(1, 13)
        ] + [
            {"user_id": u, "period": "2026-Q4", "amount": 15_000_000, "currency": "USD"} for u in range(1, n_users + 1)
        ]
        insert(Quota, quotas)
        conn.commit()
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    db.dispose()
    print(f"built {deals:,} deals in {time.perf_counter() - started:.0f} s: {path}", file=sys.stderr)


FLOOR = (
    "SELECT stage_id, currency, count(*), sum(amount), sum(amount * probability) FROM deal"
    " WHERE pipeline_id = 1 AND status = 'open' AND archived_at IS NULL GROUP BY stage_id, currency"
)
"""DESIGN.md's reference measurement: one GROUP BY over the open deals on a covering index (87 ms there)."""

CASES: list[tuple[str, dict[str, Any]]] = [
    ("pipeline", {}),
    ("pipeline", {"owner": "user3"}),
    ("forecast", {}),
    ("forecast", {"owner": "user3"}),
    ("winloss", {}),
    ("winloss", {"since": "2026-08-01"}),
    ("activity", {}),
    ("tickets", {}),
    ("customers", {}),
    ("customers", {"owner": "user3"}),
    ("customers", {"pipeline": "sales"}),
    ("customers", {"owner": "user3", "pipeline": "sales"}),
    ("churn", {}),
    ("churn", {"owner": "user3"}),
    ("churn", {"pipeline": "sales"}),
    ("churn", {"owner": "user3", "pipeline": "sales"}),
    ("performance", {"period": "quarter"}),
]


def run(path: Path, runs: int) -> None:
    """Time every case and print its medians: the whole report, and its slowest SQL statement.

    The statements a report runs are captured once, then each is run again ``runs`` times on the
    same kind of connection (execute and fetch every row) for its own median.
    """
    import sqlalchemy as sa

    from termcrm.config import Settings
    from termcrm.db import open_database
    from termcrm.services import reports

    db = open_database(Settings(db_url=f"sqlite:///{path}", user="bench"))
    captured: list[tuple[str, Any]] = []

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "ROLLBACK", "COMMIT")):
            captured.append((statement, parameters))

    print(f"{'report':<34} {'median ms':>10} {'min ms':>8} {'÷ 150 ms':>9} {'slowest stmt ms':>16} {'÷ 150 ms':>9}")
    floor = []
    for _ in range(runs + 1):
        with db.engine.connect() as conn:
            started = time.perf_counter()
            conn.exec_driver_sql(FLOOR).all()
            floor.append((time.perf_counter() - started) * 1000)
            conn.rollback()
    median = statistics.median(floor[1:])
    print(f"{'(floor: one covering GROUP BY)':<34} {median:>10.1f} {min(floor[1:]):>8.1f} {median / BUDGET_MS:>8.2f}×")
    for name, options in CASES:
        params = reports.make_params(now=NOW, **options)
        times = []
        for _ in range(runs + 1):
            with db.read() as session:
                captured.clear()
                started = time.perf_counter()
                reports.run(session, name, params)
                times.append((time.perf_counter() - started) * 1000)
        times = times[1:]  # the first run warms the page cache
        slowest = _slowest_statement(db, list(captured), runs)
        label = name + (" " + " ".join(f"--{k} {v}" for k, v in options.items()) if options else "")
        median = statistics.median(times)
        print(
            f"{label:<34} {median:>10.1f} {min(times):>8.1f} {median / BUDGET_MS:>8.2f}× "
            f"{slowest:>16.1f} {slowest / BUDGET_MS:>8.2f}×"
        )
    db.dispose()


def _slowest_statement(db: Any, statements: list[tuple[str, Any]], runs: int) -> float:
    """The largest of the statements' median times (ms), each run ``runs`` times after a warm-up."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        medians = []
        for statement, parameters in statements:
            times = []
            for _ in range(runs + 1):
                started = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                times.append((time.perf_counter() - started) * 1000)
            medians.append(statistics.median(times[1:]))
        cursor.close()
        return max(medians, default=0.0)
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, help="database file to build (or reuse when it exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if not path.exists():
            build(path, args.deals)
        run(path, args.runs)


if __name__ == "__main__":
    main()
