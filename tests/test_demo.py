"""The demo database: separate from the user's, realistic, deterministic."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

from termcrm import demo

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _fingerprint(path: Path) -> str:
    con = sqlite3.connect(path)
    digest = hashlib.sha256()
    for table in ("contact", "company", "contact_email", "interaction", "contact_tag"):
        for row in con.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
            digest.update(repr(row).encode())
    con.close()
    return digest.hexdigest()


def test_same_seed_and_clock_give_the_same_database(tmp_path: Path) -> None:
    a = demo.build(str(tmp_path / "a.db"), contacts=80, seed=3, now=NOW)
    b = demo.build(str(tmp_path / "b.db"), contacts=80, seed=3, now=NOW)
    c = demo.build(str(tmp_path / "c.db"), contacts=80, seed=4, now=NOW)
    assert _fingerprint(Path(a.path)) == _fingerprint(Path(b.path))
    assert _fingerprint(Path(a.path)) != _fingerprint(Path(c.path))


def test_demo_has_many_cultures_including_cjk_and_a_year_of_interactions(tmp_path: Path) -> None:
    summary = demo.build(str(tmp_path / "d.db"), contacts=200, seed=42, now=NOW)
    assert summary.contacts == 200
    con = sqlite3.connect(summary.path)
    names = [r[0] for r in con.execute("SELECT display_name FROM contact")]
    assert any("\u4e00" <= ch <= "\u9fff" for name in names for ch in name), "no CJK names"
    assert any(ch in "éüöñçłşã" for name in names for ch in name), "no accented names"
    first, last = con.execute("SELECT min(occurred_at), max(occurred_at) FROM interaction").fetchone()
    assert first >= "2025-11-23" and last <= "2026-11-23 09:00"
    assert con.execute("SELECT count(*) FROM contact WHERE last_contacted_at IS NOT NULL").fetchone()[0] > 100
    # Searching the demo works: the index was built.
    assert con.execute("SELECT count(*) FROM search_fts").fetchone()[0] >= 200
    con.close()
    assert stat.S_IMODE(os.stat(summary.path).st_mode) == 0o600


def test_crm_demo_builds_a_separate_file_and_says_where(tmp_path: Path, crm) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "demo.db"
    result = crm.ok("demo", "--no-tui", "--contacts", "30", "--path", str(target))
    assert str(target) in result.stderr
    assert target.exists()
    # The test database named by --db was not touched by the demo.
    assert crm.ok("contact", "list", "-f", "json").json() == []


def test_default_demo_path_is_under_the_data_directory(tmp_path: Path) -> None:
    path = demo.default_path()
    assert path.endswith("demo.db")
    assert str(tmp_path / "data") in path


def test_a_tiny_demo_builds_every_area(tmp_path: Path) -> None:
    for count in (1, 5):
        summary = demo.build(str(tmp_path / f"tiny{count}.db"), contacts=count, seed=9, now=NOW)
        assert summary.contacts == count
        assert summary.areas == ["sales", "followups", "service", "marketing"]


def test_indexes_set_aside_while_the_demo_loads_all_come_back(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from termcrm.services import bulk

    def indexes(path: str) -> list[tuple[str, str]]:
        con = sqlite3.connect(path)
        rows = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
        con.close()
        return rows

    plain = demo.build(str(tmp_path / "plain.db"), contacts=60, seed=5, now=NOW)
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    deferred = demo.build(str(tmp_path / "deferred.db"), contacts=60, seed=5, now=NOW)
    assert indexes(deferred.path) == indexes(plain.path)
    assert _fingerprint(Path(deferred.path)) == _fingerprint(Path(plain.path))
    con = sqlite3.connect(deferred.path)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_a_table_its_own_triggers_read_keeps_its_indexes_during_a_bulk_load(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from termcrm.services import bulk

    path = demo.build(str(tmp_path / "d.db"), contacts=20, seed=5, now=NOW).path
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    engine = sa.create_engine(f"sqlite:///{path}")

    def indexes(conn: sa.Connection, table: str) -> int:
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
        return int(conn.exec_driver_sql(sql, (table,)).scalar_one())

    with engine.begin() as conn:
        # the report trigger on stage history looks up the deal's history by deal_id
        before = indexes(conn, "deal_stage_change")
        with bulk.indexes_deferred(conn, "deal_stage_change", 10**6):
            assert before >= 2 and indexes(conn, "deal_stage_change") == before
        with bulk.indexes_deferred(conn, "contact", 10**6):
            assert indexes(conn, "contact") == 0
        assert indexes(conn, "contact") > 0
    engine.dispose()
