"""Imports never half-write: arbitrary bytes give only clean errors, and a killed import leaves the
database exactly as it was. Runs on every engine."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termcrm.errors import CrmError

TABLES = ("contact", "contact_email", "contact_phone", "contact_tag", "company", "tag", "import_batch", "import_item")


def counts(db: Any) -> dict[str, int]:
    with db.read() as session:
        conn = session.connection()
        return {t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() or 0) for t in TABLES}


CSVISH = st.text(alphabet=st.sampled_from(list('abcAB,;\t"\n\r@.:+-= 1é' + "\ufeff")), max_size=300)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=400), CSVISH.map(lambda t: t.encode("utf-8")), CSVISH.map(lambda t: t.encode("utf-16"))
    )
)
def test_arbitrary_bytes_give_clean_errors_and_never_a_partial_write(db: Any, data: bytes) -> None:
    from termcrm.services import importer

    before = counts(db)
    try:
        with db.write("fuzz") as session:
            result = importer.import_csv(session, data, source="fuzz.csv")
    except CrmError as exc:
        assert exc.exit_code in (2, 5), exc
        assert "\n" not in exc.message
        assert counts(db) == before
        return
    after = counts(db)
    assert after["contact"] == before["contact"] + result.created
    assert after["import_batch"] == before["import_batch"] + 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=CSVISH.map(lambda t: ("first_name,email,phone,tags,birthday\n" + t).encode("utf-8")))
def test_arbitrary_rows_under_a_real_header_never_half_write(db: Any, data: bytes) -> None:
    from termcrm.services import importer

    before = counts(db)
    try:
        with db.write("fuzz") as session:
            result = importer.import_csv(session, data, source="fuzz.csv", skip_invalid=True)
    except CrmError as exc:
        assert exc.exit_code in (2, 5), exc
        assert counts(db) == before
        return
    assert counts(db)["contact"] == before["contact"] + result.created


# ---------------------------------------------------------------------------
# A killed import
# ---------------------------------------------------------------------------


def big_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["first_name", "last_name", "email", "phone", "company", "title", "city", "tags", "notes"])
        for i in range(rows):
            writer.writerow(
                [f"First{i}", f"Last{i}", f"person{i}@example.com", f"+1 555 {i:07d}", f"Company {i % 500}",
                 "Engineer", "Oslo", "imported; bulk", f"Note number {i} " * 5]
            )  # fmt: skip


def _in_transaction(db_url: str, path: Path | None) -> bool:
    """Has the importing process started writing (WAL grown / rows locked) yet?"""
    if path is not None:
        wal = path.with_name(path.name + "-wal")
        return wal.exists() and wal.stat().st_size > 2 * 1024 * 1024
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'contact_email' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
            ).scalar()
            return bool(found)
    finally:
        engine.dispose()


def test_import_killed_midway_leaves_the_database_exactly_as_before(crm: Any, db_url: str, tmp_path: Path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--tag", "vip", "--company", "Acme")
    crm.ok("import", "csv", "-", input="Name,Email\nBo Kim,bo@example.com\n")
    before = crm.ok("export", "json").stdout
    source = tmp_path / "big.csv"
    big_csv(source, 60_000)
    env = {**os.environ, "CRM_USER": "tester"}
    process = subprocess.Popen(
        [sys.executable, "-m", "termcrm", "--db", db_url, "import", "csv", str(source)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    sqlite_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None
    try:
        deadline = time.monotonic() + 300
        while not _in_transaction(db_url, sqlite_file):
            if process.poll() is not None:
                errors = process.stderr.read() if process.stderr else b""
                raise AssertionError(f"the import ended before it could be killed: {errors!r}")
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    if sqlite_file is None:
        deadline = time.monotonic() + 60
        while _in_transaction(db_url, None):  # the server notices the dead client and rolls back
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert crm.ok("export", "json").stdout == before
    check = crm.ok("db", "check")
    assert check.stdout.startswith("ok")
    # The database still takes writes; the killed import left no batch behind.
    out = crm.ok("import", "csv", "-", "-f", "json", input="Name,Email\nCy Ng,cy@example.com\n").json()
    assert out["created"] == 1
    assert [b["source"] for b in crm.ok("import", "list", "-f", "json").json()] == ["standard input"] * 2


@pytest.mark.parametrize("rows", [3])
def test_progress_is_reported_by_phase(db: Any, rows: int) -> None:
    from termcrm.services import importer

    seen: list[tuple[str, int, int]] = []
    text = "Name,Email\n" + "".join(f"P{i} Q,p{i}@example.com\n" for i in range(rows))
    with db.write("x") as session:
        importer.import_csv(session, text.encode(), progress=lambda *a: seen.append(a))
    phases = [p for p, _, _ in seen]
    assert phases[0] == "reading" and "checking" in phases and "writing" in phases and phases[-1] == "indexing"
    assert ("reading", rows, rows) in seen and ("writing", rows, rows) in seen


def test_no_progress_bar_when_stderr_is_not_a_terminal(crm: Any) -> None:
    result = crm.ok("import", "csv", "-", input="Name,Email\nAnn Lee,ann@example.com\n")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("imported contacts from standard input")


def _index_rows(db: Any) -> list[tuple[Any, ...]]:
    with db.read() as session:
        conn = session.connection()
        table = "search_fts" if conn.dialect.name == "sqlite" else "search_doc"
        rows = conn.exec_driver_sql(f"SELECT kind, ref_id, title, body FROM {table} ORDER BY kind, ref_id").all()
    return [(kind, int(ref), title, sorted(body.split())) for kind, ref, title, body in rows]


def test_imported_search_documents_are_those_a_rebuild_makes(db: Any) -> None:
    from termcrm.services import importer, search

    with db.write("x") as session:
        from termcrm.services import companies

        companies.create_company(session, companies.CompanyInput(name="Ácme Ltd"))
    text = (
        "first_name,last_name,emails,phones,company,title,city,country,tags,notes\n"
        "José,Núñez,work: jose@acme.example; j@x.example,+34 600 1; mobile: 0170 2,ácme ltd,CTO,Madrid,Spain,"
        "vip; Hot Lead,Met at the fair\n"
        "太郎,山田,taro@example.jp,,山田商事,,東京,,取引先,\n"
        "Ann,,ann@example.com,,,,,,,\n"
    )
    with db.write("import") as session:
        importer.import_csv(session, text.encode("utf-8"))
    imported = _index_rows(db)
    with db.write("rebuild") as session:
        search.rebuild(session)
    assert imported == _index_rows(db)
    assert [row[2] for row in imported if row[0] == "contact"] == ["José Núñez", "太郎 山田", "Ann"]


def test_the_garbage_collector_is_restored_after_an_import_even_a_failed_one(db: Any) -> None:
    import gc

    from termcrm.services import importer

    assert gc.isenabled()
    threshold = gc.get_threshold()
    seen: list[tuple[bool, int]] = []

    def progress(*_args: Any) -> None:
        gc.enable()  # as crm's start-up timer does, maybe in the middle of an import
        seen.append((gc.isenabled(), gc.get_threshold()[0]))

    with db.write("x") as session:
        importer.import_csv(session, b"Name,Email\nAnn Lee,ann@example.com\n", progress=progress)
    assert seen and all(t == 0 for _, t in seen)  # still no automatic collection
    assert gc.isenabled() and gc.get_threshold() == threshold
    with pytest.raises(CrmError), db.write("x") as session:
        importer.import_csv(session, b"Name,Email\nBo,bo@\n")
    assert gc.isenabled() and gc.get_threshold() == threshold


def _index_sql(db: Any) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        )
        return [(str(name), str(sql)) for name, sql in rows]


def test_indexes_set_aside_for_a_big_import_come_back_the_same(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from termcrm.services import bulk, importer

    if db.dialect != "sqlite":
        pytest.skip("indexes are only set aside on SQLite")
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    before = _index_sql(db)
    text = "Name,Email,Phone,Tags\n" + "".join(f"P{i} Q,p{i}@example.com,+1 555 {i:04d},a; b\n" for i in range(50))
    with db.write("x") as session:
        importer.import_csv(session, text.encode())
    assert _index_sql(db) == before
    with db.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT contact_id FROM contact_email WHERE email_key = 'p7@example.com'"
        ))  # fmt: skip
        assert "ix_contact_email_email_key" in plan
    # A failure after the indexes were set aside: the rollback brings them back.
    monkeypatch.setattr(importer, "_insert_docs", lambda *a: (_ for _ in ()).throw(RuntimeError("boom")))
    text = "Name,Email\n" + "".join(f"R{i} S,r{i}@example.com\n" for i in range(80))
    with pytest.raises(RuntimeError), db.write("x") as session:
        importer.import_csv(session, text.encode())
    assert _index_sql(db) == before
