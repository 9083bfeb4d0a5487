"""One-shot command latency and search speed on a 100,000-contact demo database.

Builds the database with ``crm demo --contacts 100000 --no-tui`` (kept in
benchmarks/.data/ between runs), then prints medians of whole-process runs of
``crm contact show``, ``crm contact list --limit 20``, ``crm deal move`` and
``crm --help`` beside the floor ``python -c "import typer, sqlmodel"``, and the
median in-process query time of ``crm search``. Budgets (DESIGN.md): one-shot
commands within 1.30x the floor, ``--help`` importing no SQLAlchemy, search
within 5 ms.

    python benchmarks/bench_cli.py [--contacts N] [--runs N] [--rebuild]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _env import bench_env

HERE = Path(__file__).parent
DATA = HERE / ".data"
CRM = [sys.executable, "-m", "termcrm"]


def run_median(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    """Median wall time of ``cmd`` over ``runs`` runs (after one warm-up), in seconds."""
    subprocess.run(cmd, capture_output=True, env=env, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    DATA.mkdir(exist_ok=True)
    db = DATA / f"demo-{args.contacts}.db"
    env = bench_env(CRM_DB=str(db), CRM_USER="ann")
    if args.rebuild or not db.exists():
        start = time.perf_counter()
        subprocess.run(
            [*CRM, "demo", "--contacts", str(args.contacts), "--path", str(db), "--no-tui"], env=env, check=True
        )
        print(f"built {args.contacts:,}-contact demo in {time.perf_counter() - start:.1f} s")

    floor = run_median([sys.executable, "-c", "import typer, sqlmodel"], args.runs, env)
    print(f"floor  python -c 'import typer, sqlmodel'   median {floor * 1000:7.1f} ms")
    cases = {
        "crm --help": [*CRM, "--help"],
        "crm contact show 4242": [*CRM, "contact", "show", "4242"],
        "crm contact list --limit 20": [*CRM, "contact", "list", "--limit", "20"],
    }
    deal = _an_open_deal(db)
    if deal is not None:
        cases[f"crm deal move {deal[0]} STAGE"] = [*CRM, "deal", "move", str(deal[0])]
    for name, cmd in cases.items():
        if "deal move" in name and deal is not None:
            median = _deal_moves(cmd, deal[1], args.runs, env)
        else:
            median = run_median(cmd, args.runs, env)
        budget = (
            "" if name == "crm --help" else ("  ok (<= 1.30)" if median / floor <= 1.30 else "  OVER the 1.30 budget")
        )
        print(f"{name:<40} median {median * 1000:7.1f} ms   ratio to floor {median / floor:5.2f}{budget}")

    _search(db, args.runs)


def _an_open_deal(db: Path) -> tuple[int, str] | None:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        row = con.execute(
            "SELECT d.id, lower(s.name) FROM deal d JOIN stage s ON s.id = d.stage_id "
            "WHERE d.status = 'open' ORDER BY d.id LIMIT 1"
        ).fetchone()
    except sqlite3.Error:
        row = None
    con.close()
    return (int(row[0]), str(row[1])) if row else None


def _deal_moves(cmd: list[str], current: str, runs: int, env: dict[str, str]) -> float:
    """Move the deal back and forth between two open stages, so every run is a real move."""
    stages = [s for s in ("qualified", "proposal", "negotiation") if s != current][:2]
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run([*cmd, stages[i % 2]], capture_output=True, env=env, check=True)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def _search(db: Path, runs: int) -> None:
    from termcrm.config import Settings
    from termcrm.db import open_database
    from termcrm.services import search

    database = open_database(Settings(db_url=f"sqlite:///{db}", user="ann"))
    queries = ["ann", "müller", "sakura", "佐藤", "acme", "maple foods", "discovery call", "oliveira"]
    times = []
    with database.read() as session:
        for q in queries:
            search.search(session, q, limit=50)
        for _ in range(runs):
            for q in queries:
                start = time.perf_counter()
                hits = search.search(session, q, limit=50)
                times.append(time.perf_counter() - start)
                assert hits is not None
    database.dispose()
    median = statistics.median(times)
    verdict = "ok (<= 5 ms)" if median <= 0.005 else "OVER the 5 ms budget"
    print(f"{'crm search (query time, top 50)':<40} median {median * 1000:7.2f} ms   {verdict}")


if __name__ == "__main__":
    main()
