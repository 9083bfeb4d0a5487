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
from collections.abc import Callable
from pathlib import Path

from _env import bench_env

HERE = Path(__file__).parent
DATA = HERE / ".data"
CRM = [sys.executable, "-m", "termcrm"]


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, env=env, check=True)
    return time.perf_counter() - start


def interleaved_medians(
    cases: dict[str, Callable[[int], list[str]]], runs: int, env: dict[str, str]
) -> dict[str, float]:
    """Median wall time of each case over ``runs`` rounds, after one warm-up round.

    Each round runs every case once, in an order that rotates from round to
    round, so a burst of load elsewhere on a shared machine lands on the floor
    and on the commands alike instead of on whichever ran during it. A case is
    a function of the round number (``crm deal move`` alternates its stage).
    """
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(runs + 1):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = _timed(cases[name](round_), env)
            if round_:
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


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

    floor_name = "floor  python -c 'import typer, sqlmodel'"
    cases: dict[str, Callable[[int], list[str]]] = {
        floor_name: lambda _r: [sys.executable, "-c", "import typer, sqlmodel"],
        "crm --help": lambda _r: [*CRM, "--help"],
        "crm contact show 4242": lambda _r: [*CRM, "contact", "show", "4242"],
        "crm contact list --limit 20": lambda _r: [*CRM, "contact", "list", "--limit", "20"],
    }
    deal = _an_open_deal(db)
    if deal is not None:
        # Back and forth between two open stages, so every run is a real move.
        stages = [s for s in ("qualified", "proposal", "negotiation") if s != deal[1]][:2]
        cases[f"crm deal move {deal[0]} STAGE"] = lambda r: [*CRM, "deal", "move", str(deal[0]), stages[r % 2]]
    medians = interleaved_medians(cases, args.runs, env)
    floor = medians.pop(floor_name)
    print(f"{floor_name:<40} median {floor * 1000:7.1f} ms")
    for name, median in medians.items():
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
