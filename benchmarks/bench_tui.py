"""TUI first paint and memory on a 100,000-contact demo database.

Builds the database with ``crm demo --contacts 100000 --no-tui`` (kept in
benchmarks/.data/ between runs), then starts the app in a fresh process
(headless, 120x40, the same ``make_app`` the ``crm`` command runs) and
measures, per run:

* first frame: from just before the process starts to the first frame of
  the Contacts screen (title, filter, column headers, footer);
* first paint: to the first frame that shows contact rows;
* RSS (peak, from ``getrusage``) at first paint, and after paging down
  through 1,000 rows (the table fetches windows of 100 as the cursor nears
  the end, so memory must stay flat).

It prints the medians beside the floor ``python -c "import textual.app, sqlmodel"``.
Most of the growth after first paint is SQLite's page cache (db.py sets
``cache_size`` to 32 MiB per connection) filled by the count of matching
contacts and the deeper OFFSET windows, not rows held by the table.
Budgets (DESIGN.md): first paint within 1 s, RSS within 120 MiB.

    python benchmarks/bench_tui.py [--contacts N] [--runs N] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _env import bench_env

HERE = Path(__file__).parent
DATA = HERE / ".data"

DRIVER = r"""
import asyncio, json, resource, sys, time
tasks = []
started = float(sys.argv[1])
db, pages = sys.argv[2], int(sys.argv[3])
from termcrm.__main__ import pause_gc_while_starting
pause_gc_while_starting()  # as `crm tui` starts
from termcrm.config import load_settings
from termcrm.tui.app import make_app
from termcrm.tui.screens import contacts

result = {}

def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def painted(screen):
    if "first_paint" not in result:
        result["first_paint"] = time.time() - started
        result["rss_first"] = rss_mib()
        result["rows_first"] = screen.table.row_count
        tasks.append(asyncio.ensure_future(scroll(screen)))

async def scroll(screen):
    for _ in range(pages):
        screen.table.action_page_down()
        await asyncio.sleep(0)
        while screen.fetching:
            await asyncio.sleep(0.01)
    result["rows_after"] = len(screen.rows)
    result["rss_after"] = rss_mib()
    screen.app.exit()

original = contacts.ContactsScreen._fill
original_mount = contacts.ContactsScreen.on_mount

def framed(screen):
    result.setdefault("first_frame", time.time() - started)

def mount(self):
    original_mount(self)
    self.call_after_refresh(framed, self)

contacts.ContactsScreen.on_mount = mount

def fill(self, rows, keep):
    original(self, rows, keep)
    if rows:
        self.call_after_refresh(painted, self)

contacts.ContactsScreen._fill = fill
app = make_app(load_settings(db, "ann"))
app.run(headless=True, size=(120, 40))
print(json.dumps(result))
"""


def run_median(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    """Median wall time of ``cmd`` over ``runs`` runs (after one warm-up), in seconds."""
    subprocess.run(cmd, capture_output=True, env=env, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def one_run(db: Path, pages: int, env: dict[str, str]) -> dict[str, float]:
    """Start the app once and return what the driver measured."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", DRIVER, repr(started), str(db), str(pages)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if out.returncode != 0:
        raise SystemExit(f"the app failed:\n{out.stderr[-2000:]}")
    data: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", type=int, default=30, help="page-downs after first paint (about 35 rows each)")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    DATA.mkdir(exist_ok=True)
    db = DATA / f"demo-{args.contacts}.db"
    env = bench_env(CRM_USER="ann", TZ=os.environ.get("TZ", "UTC"))
    env.pop("CRM_DATABASE_URL", None)
    if args.rebuild or not db.exists():
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "termcrm", "demo", "--contacts", str(args.contacts), "--path", str(db), "--no-tui"],
            env=env,
            check=True,
        )
        print(f"built {args.contacts:,}-contact demo in {time.perf_counter() - start:.1f} s")

    floor = run_median([sys.executable, "-c", "import textual.app, sqlmodel"], args.runs, env)
    print(f"floor  python -c 'import textual.app, sqlmodel'       median {floor * 1000:7.1f} ms")

    one_run(db, 0, env)  # warm the page cache
    runs = [one_run(db, args.pages, env) for _ in range(args.runs)]
    frame = statistics.median(r["first_frame"] for r in runs)
    paint = statistics.median(r["first_paint"] for r in runs)
    rss_first = statistics.median(r["rss_first"] for r in runs)
    rss_after = statistics.median(r["rss_after"] for r in runs)
    rows_first = int(statistics.median(r["rows_first"] for r in runs))
    rows_after = int(statistics.median(r["rows_after"] for r in runs))
    print(f"first frame (screen drawn, rows loading)        median {frame * 1000:7.1f} ms")
    print(f"first paint ({rows_first} rows of {args.contacts:,})          median {paint * 1000:7.1f} ms"
          f"   budget 1000 ms   {'ok' if paint <= 1.0 else 'OVER'}")  # fmt: skip
    print(f"peak RSS at first paint                        median {rss_first:7.1f} MiB"
          f"  budget 120 MiB   {'ok' if rss_first <= 120 else 'OVER'}")  # fmt: skip
    print(f"peak RSS after paging to row {rows_after:,}             median {rss_after:7.1f} MiB"
          f"  budget 120 MiB   {'ok' if rss_after <= 120 else 'OVER'}")  # fmt: skip
    print(f"first paint / import floor                     {paint / floor:7.2f}x")


if __name__ == "__main__":
    main()
