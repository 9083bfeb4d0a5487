"""One-shot command latency and search speed on a 100,000-contact demo database.

Builds the database with ``crm demo --contacts 100000 --no-tui`` (kept in
benchmarks/.data/ between runs), then prints medians of whole-process runs of
``crm contact show``, ``crm contact list --limit 20``, ``crm deal move`` and
``crm --help`` beside the floor ``python -c "import typer, sqlmodel"``, and the
median in-process query time of ``crm search``. Budgets (DESIGN.md): one-shot
commands within 1.30x the floor, ``--help`` importing no SQLAlchemy, search
within 5 ms.

    python benchmarks/bench_cli.py [--contacts N] [--runs N] [--rebuild] [--instructions]

``--instructions`` also counts the instructions each process executes, once,
under valgrind (cachegrind without its cache model): a count that does not
move with the machine's load, so a change's effect on the ratio can be told
from noise. Under valgrind a process runs about fifty times slower, so the
command runs through ``pause_gc_while_starting`` with a long grace, as it
does in a real run that ends within its first second; the floor runs as it
always does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
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
    parser.add_argument("--instructions", action="store_true", help="also count instructions under valgrind")
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

    if args.instructions:
        _instructions(cases, floor_name, env, args.runs + 1)
    _search(db, args.runs)


GRACE_RUN = (
    "import sys; from termcrm.__main__ import pause_gc_while_starting; pause_gc_while_starting(3600); "
    "sys.argv = ['crm', *sys.argv[1:]]; from termcrm.cli import main; main()"
)
"""``crm``'s entry point with a grace that outlasts the slow run under valgrind."""


def _count(cmd: list[str], env: dict[str, str]) -> int:
    """Instructions executed by ``cmd`` (a whole process) under cachegrind."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "log")
        valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
        subprocess.run([*valgrind, f"--log-file={log}", *cmd], capture_output=True, env=env, check=True)
        found = re.search(r"I\s+refs:\s+([\d,]+)", open(log, encoding="utf-8").read())
    if found is None:
        raise SystemExit("valgrind printed no instruction count")
    return int(found.group(1).replace(",", ""))


def _instructions(
    cases: dict[str, Callable[[int], list[str]]], floor_name: str, env: dict[str, str], round_: int
) -> None:
    """Print each case's instruction count and its ratio to the floor's (``round_`` follows the timed rounds)."""
    if shutil.which("valgrind") is None:
        print("--instructions needs valgrind on the PATH")
        return
    counts = {}
    for name, case in cases.items():
        cmd = case(round_)
        if cmd[:3] == CRM:
            cmd = [sys.executable, "-c", GRACE_RUN, *cmd[3:]]
        counts[name] = _count(cmd, {**env, "PYTHONHASHSEED": "0"})
    floor = counts.pop(floor_name)
    print(f"{floor_name:<40} {floor / 1e6:7.0f} M instructions")
    for name, count in counts.items():
        print(f"{name:<40} {count / 1e6:7.0f} M instructions   ratio to floor {count / floor:5.2f}")


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
