"""CSV import speed: ``crm import csv`` of 100,000 contacts beside the sqlite3 shell's ``.import``.

Generates a CSV of N contacts (first_name,last_name,email,phone,company,title,
city,tags,notes; kept in benchmarks/.data/ between runs), then times, as whole
processes and as medians of ``--runs`` runs:

* ``crm --db fresh.db import csv contacts.csv``: each run into a fresh copy of
  a migrated, empty database file (the migration is not timed: it is not the
  import);
* ``sqlite3 fresh.db '.mode csv' '.import contacts.csv t'``: each run into a new
  file.

It prints both medians and the ratio against the 3x budget of DESIGN.md. The
ratio includes Python's start-up and imports (about half a second here), which
the sqlite3 shell does not pay; the import alone is printed too.

A second reference shows what the budget's reference leaves out: ``.import``
fills one table with no index, while termcrm stores each contact in its
schema (companies, contacts, emails, phones, tags, their indexes and the
full-text index). ``sqlite3 schema floor`` is the sqlite3 shell loading the
same file into a copy of the migrated template in plain SQL (``.import`` into
a scratch table, then ``INSERT ... SELECT`` into each table, in one
transaction): no Python, no validation, no history, so no importer can be
faster than it on this schema. The CPU time of
each process (user + system) is printed beside the wall time: on a shared
machine it moves less with what the others run, so compare changes by it.

    python benchmarks/bench_import.py [--contacts N] [--runs N] [--regenerate]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _env import bench_env

HERE = Path(__file__).parent
DATA = HERE / ".data"
CRM = [sys.executable, "-m", "termcrm"]
BUDGET = 3.0

FIRST = "Ann Bob Chloé Dora Emil Fay Gus Hana Ivo Jana Karl Lena Mía Nils Olga Paul Quinn Rosa Sven Tomás".split()
LAST = "Lee Smith Meier Kowalski Núñez Dupont Rossi Tanaka Olsen Novak Brown Schulz Müller Silva Berg".split()
CITIES = "Berlin Paris Oslo Madrid Tokyo Lima Austin Lagos Pune Kraków".split()
TITLES = ["Engineer", "Manager", "VP Sales", "Founder", "Buyer", "CFO", ""]
TAGS = ["lead", "vip; newsletter", "customer", "", "partner; vip"]


def generate(path: Path, count: int) -> None:
    """A CSV of ``count`` contacts with unique emails (deterministic)."""
    rng = random.Random(42)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["first_name", "last_name", "email", "phone", "company", "title", "city", "tags", "notes"])
        for i in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first.lower()}.{last.lower()}.{i}@example.com".encode("ascii", "ignore").decode()
            writer.writerow(
                [
                    first,
                    last,
                    email,
                    f"+1 {rng.randint(200, 999)} 555 {i % 10000:04d}",
                    f"Company {rng.randint(1, 5000)}",
                    rng.choice(TITLES),
                    rng.choice(CITIES),
                    rng.choice(TAGS),
                    f"Met at event {rng.randint(1, 50)}; interested in plan {rng.choice('ABC')}",
                ]
            )


def template(env: dict[str, str]) -> Path:
    """A migrated, empty database file to copy for each run."""
    path = DATA / "import-template.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    subprocess.run([*CRM, "--db", str(path), "import", "list"], env=env, check=True, capture_output=True)
    subprocess.run(["sqlite3", str(path), "PRAGMA wal_checkpoint(TRUNCATE);"], check=True, capture_output=True)
    return path


SCHEMA_LOAD = """
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
PRAGMA foreign_keys=ON;
.mode csv
.import {csv} staging
BEGIN IMMEDIATE;
INSERT INTO company(name, name_key, created_at, updated_at, version)
  SELECT min(company), lower(company), '{now}', '{now}', 1 FROM staging WHERE company <> '' GROUP BY lower(company);
INSERT INTO contact(id, first_name, last_name, display_name, title, company_id, stage, city, notes,
                    created_at, updated_at, version)
  SELECT s.rowid, first_name, last_name, trim(first_name || ' ' || last_name), nullif(title, ''), c.id, 'lead',
         nullif(s.city, ''), nullif(s.notes, ''), '{now}', '{now}', 1
  FROM staging s LEFT JOIN company c ON c.name_key = lower(s.company);
INSERT INTO contact_email(contact_id, email, email_key, is_primary, position)
  SELECT rowid, email, lower(email), 1, 0 FROM staging WHERE email <> '';
INSERT INTO contact_phone(contact_id, phone, phone_key, is_primary, position)
  SELECT rowid, phone, replace(replace(replace(phone, ' ', ''), '+', ''), '-', ''), 1, 0 FROM staging WHERE phone <> '';
CREATE TEMP TABLE split AS
  WITH RECURSIVE parts(contact_id, tag, rest) AS (
    SELECT rowid, '', tags || ';' FROM staging
    UNION ALL
    SELECT contact_id, lower(trim(substr(rest, 1, instr(rest, ';') - 1))), substr(rest, instr(rest, ';') + 1)
    FROM parts WHERE rest <> '')
  SELECT DISTINCT contact_id, tag FROM parts WHERE tag <> '';
INSERT OR IGNORE INTO tag(name) SELECT DISTINCT tag FROM split;
INSERT INTO contact_tag(contact_id, tag_id) SELECT s.contact_id, t.id FROM split s JOIN tag t ON t.name = s.tag;
INSERT INTO search_fts(rowid, kind, ref_id, title, body)
  SELECT c.id * 8 + 1, 'contact', c.id, c.display_name,
         coalesce(c.title, '') || ' ' || coalesce(co.name, '') || ' ' || coalesce(c.city, '') || ' '
         || coalesce(c.notes, '') || ' ' || s.email || ' ' || s.phone || ' ' || s.tags
  FROM contact c JOIN staging s ON s.rowid = c.id LEFT JOIN company co ON co.id = c.company_id;
INSERT INTO search_fts(rowid, kind, ref_id, title, body) SELECT id * 8 + 2, 'company', id, name, '' FROM company;
DROP TABLE staging;
COMMIT;
"""
"""termcrm's schema filled from the CSV by the sqlite3 shell alone (the ``schema floor`` reference)."""


def fresh(name: str, source: Path | None = None) -> Path:
    path = DATA / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if source is not None:
        shutil.copy(source, path)
    return path


CPU: list[float] = []
"""The CPU seconds (user + system) of each process :func:`timed` ran, in order."""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        sys.exit("the sqlite3 shell is not installed")
    DATA.mkdir(exist_ok=True)
    env = bench_env(CRM_USER="bench")
    source = DATA / f"contacts-{args.contacts}.csv"
    if args.regenerate or not source.exists():
        generate(source, args.contacts)
    size = source.stat().st_size / 1e6
    print(f"file   {source.name}: {args.contacts:,} contacts, {size:.1f} MB")

    shell, shell_cpu = [], []
    for _ in range(args.runs):
        target = fresh("shell.db")
        shell.append(timed(["sqlite3", str(target), ".mode csv", f".import {source} t"], env))
        shell_cpu.append(CPU[-1])
    shell_median = statistics.median(shell)
    print(
        f"sqlite3 .import                 median {shell_median:6.2f} s  ({', '.join(f'{t:.2f}' for t in shell)})"
        f"  cpu {statistics.median(shell_cpu):.2f} s"
    )

    base = template(env)
    script = SCHEMA_LOAD.format(csv=source, now="2026-01-01 00:00:00.000000")
    schema_floor, schema_cpu = [], []
    for _ in range(args.runs):
        target = fresh("schema-floor.db", base)
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(["sqlite3", str(target)], input=script.encode(), env=env, capture_output=True)
        schema_floor.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        schema_cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode or done.stderr:
            sys.exit(f"the schema floor script failed: {done.stderr.decode()[:300]}")
    schema_median = statistics.median(schema_floor)
    print(
        f"sqlite3 schema floor            median {schema_median:6.2f} s  "
        f"({', '.join(f'{t:.2f}' for t in schema_floor)})  cpu {statistics.median(schema_cpu):.2f} s"
        f"  = {schema_median / shell_median:.1f}x .import"
    )
    floor = statistics.median(timed([sys.executable, "-c", "import typer, sqlmodel"], env) for _ in range(3))
    crm, crm_cpu = [], []
    for _ in range(args.runs):
        target = fresh("crm.db", base)
        crm.append(timed([*CRM, "--db", str(target), "import", "csv", str(source)], env))
        crm_cpu.append(CPU[-1])
        out = subprocess.run(
            [*CRM, "--db", str(target), "contact", "list", "-f", "ids"], env=env, capture_output=True, check=True
        )
        count = len(re.findall(r"\n", out.stdout.decode()))
        if count != args.contacts:
            sys.exit(f"expected {args.contacts} contacts, found {count}")
    crm_median = statistics.median(crm)
    print(
        f"crm import csv                  median {crm_median:6.2f} s  ({', '.join(f'{t:.2f}' for t in crm)})"
        f"  cpu {statistics.median(crm_cpu):.2f} s"
    )
    print(f"python start-up + imports floor median {floor:6.2f} s")
    ratio = crm_median / shell_median
    verdict = "within" if ratio <= BUDGET else "over"
    print(f"ratio  {ratio:.1f}x the sqlite3 shell ({verdict} the {BUDGET:.0f}x budget)")
    print(f"       without the start-up floor: {(crm_median - floor) / shell_median:.1f}x")
    print(f"       {crm_median / schema_median:.1f}x the sqlite3 shell filling the same schema (schema floor)")


if __name__ == "__main__":
    main()
