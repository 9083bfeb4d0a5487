"""`crm db`: path, backup, restore, check, upgrade and reindex."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from termcrm import migrations
from termcrm.config import sqlite_path


@pytest.fixture
def db_file(db_url: str) -> Path:
    """The test database's file (SQLite only)."""
    path = sqlite_path(db_url)
    if path is None:
        pytest.skip("SQLite file operations")
    return path


def _names(crm) -> list[str]:
    return [r["name"] for r in crm.ok("contact", "list", "-f", "json").json()]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_db_path_prints_the_file_or_the_url_without_password(crm, db_url) -> None:
    out = crm.ok("db", "path").stdout.strip()
    path = sqlite_path(db_url)
    if path is not None:
        assert out == str(path)
    else:
        assert out == sa.engine.make_url(db_url).render_as_string(hide_password=True)
    secret = crm.ok("--db", "postgresql+psycopg://ann:s3cret@db.example/crm", "db", "path").stdout
    assert "s3cret" not in secret and "db.example/crm" in secret


def test_backup_writes_a_0600_copy_beside_the_database_by_default(crm, db_file) -> None:
    crm.ok("contact", "add", "Ann Lee")
    result = crm.ok("db", "backup")
    written = Path(result.stdout.strip())
    assert written.parent == db_file.parent
    assert written.name.startswith("crm.db.backup-") and written.name.endswith(".bak")
    assert _mode(written) == 0o600
    with sqlite3.connect(written) as conn:
        assert conn.execute("SELECT display_name FROM contact").fetchall() == [("Ann Lee",)]


def test_backup_to_a_named_file_is_0600_even_with_a_loose_umask(crm, db_file, tmp_path) -> None:
    target = tmp_path / "copy.db"
    old = os.umask(0o022)
    try:
        crm.ok("db", "backup", str(target))
    finally:
        os.umask(old)
    assert _mode(target) == 0o600


def test_backup_refuses_to_overwrite(crm, db_file, tmp_path) -> None:
    target = tmp_path / "copy.db"
    target.write_text("keep me")
    result = crm("db", "backup", str(target))
    assert result.exit_code == 2
    assert "exists already" in result.stderr
    assert target.read_text() == "keep me"


def test_backup_into_a_path_under_a_file_is_refused(crm, db_file, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    result = crm("db", "backup", str(blocker / "copy.db"))
    assert result.exit_code == 2
    assert result.stderr == f"error: {blocker} is not a directory\n"


def test_backup_and_restore_on_postgresql_say_to_use_pg_tools(crm, db_url, tmp_path) -> None:
    if sqlite_path(db_url) is not None:
        pytest.skip("PostgreSQL only")
    backup = crm("db", "backup")
    assert backup.exit_code == 2
    assert "pg_dump" in backup.stderr
    restore = crm("db", "restore", str(tmp_path / "x.db"), "--yes")
    assert restore.exit_code == 2
    assert "pg_restore" in restore.stderr


def test_restore_replaces_the_database_and_keeps_the_old_one(crm, db_file, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee")
    backup = tmp_path / "before.db"
    crm.ok("db", "backup", str(backup))
    crm.ok("contact", "add", "Bob Stone")
    assert _names(crm) == ["Ann Lee", "Bob Stone"]
    result = crm.ok("db", "restore", str(backup), "--yes")
    assert f"restored {db_file} from {backup}" in result.stderr
    assert _names(crm) == ["Ann Lee"]
    assert _mode(db_file) == 0o600
    saved = list(db_file.parent.glob("crm.db.pre-restore-*.bak"))
    assert len(saved) == 1 and _mode(saved[0]) == 0o600
    with sqlite3.connect(saved[0]) as conn:
        assert len(conn.execute("SELECT id FROM contact").fetchall()) == 2
    # The index came along with the data.
    assert [h["title"] for h in crm.ok("search", "bob", "-f", "json").json()] == []
    # The restored database is written to normally afterwards.
    crm.ok("contact", "add", "Cleo Park")
    assert _names(crm) == ["Ann Lee", "Cleo Park"]


def test_restore_without_yes_and_without_a_terminal_is_refused(crm, db_file, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee")
    backup = tmp_path / "before.db"
    crm.ok("db", "backup", str(backup))
    crm.ok("contact", "add", "Bob Stone")
    result = crm("db", "restore", str(backup))
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert _names(crm) == ["Ann Lee", "Bob Stone"]
    assert list(db_file.parent.glob("crm.db.pre-restore-*.bak")) == []


def test_restore_refuses_a_file_that_is_not_sqlite(crm, db_file, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee")
    junk = tmp_path / "junk.db"
    junk.write_text("hello, world\n" * 10)
    result = crm("db", "restore", str(junk), "--yes")
    assert result.exit_code == 5
    assert "is not a SQLite database" in result.stderr
    assert _names(crm) == ["Ann Lee"]


def test_restore_refuses_a_sqlite_file_that_is_not_termcrm(crm, db_file, tmp_path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    result = crm("db", "restore", str(other), "--yes")
    assert result.exit_code == 5
    assert "is not a termcrm database" in result.stderr
    assert not (tmp_path / "other.db-wal").exists()


def test_restore_refuses_a_database_from_a_newer_termcrm(crm, db_file, tmp_path) -> None:
    newer = tmp_path / "newer.db"
    crm.ok("db", "backup", str(newer))
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    result = crm("db", "restore", str(newer), "--yes")
    assert result.exit_code == 5
    assert "newer termcrm" in result.stderr


def test_restore_missing_file_exits_3(crm, db_file, tmp_path) -> None:
    assert crm("db", "restore", str(tmp_path / "missing.db"), "--yes").exit_code == 3


def test_check_passes_on_a_sound_database(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    result = crm.ok("db", "check")
    assert result.stdout.startswith("ok (schema revision")


def test_check_lists_dangling_references_and_exits_1(crm, db_file) -> None:
    crm.ok("contact", "add", "Ann Lee")
    with sqlite3.connect(db_file) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute(
            "INSERT INTO contact_email (contact_id, email, email_key, is_primary, position) "
            "VALUES (999, 'x@example.com', 'x@example.com', 1, 0)"
        )
    result = crm("db", "check")
    assert result.exit_code == 1
    assert "foreign key: contact_email row" in result.stdout
    assert "points to a missing contact" in result.stdout
    assert "1 problem found" in result.stderr


def _old_database(path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(migrations.HERE))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()


def test_check_reports_a_schema_behind_without_migrating(tmp_path) -> None:
    from conftest import Crm

    path = tmp_path / "old.db"
    _old_database(path)
    crm = Crm(f"sqlite:///{path}")
    result = crm("db", "check")
    assert result.exit_code == 1
    assert "run crm db upgrade" in result.stdout
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]


def test_upgrade_runs_pending_migrations_and_prints_them(tmp_path) -> None:
    from conftest import Crm

    path = tmp_path / "old.db"
    _old_database(path)
    crm = Crm(f"sqlite:///{path}")
    result = crm.ok("db", "upgrade")
    pending = migrations.script_revisions()
    expected = [f"ran {rev}" for rev in sorted(pending) if rev != "0001"]
    assert result.stdout.splitlines() == expected
    assert "upgraded schema 0001 -> " in result.stderr
    assert "backup in" in result.stderr
    assert crm.ok("db", "upgrade").stdout.startswith("already up to date")
    crm.ok("db", "check")


def test_upgrade_on_an_up_to_date_database_does_nothing(crm) -> None:
    heads = ", ".join(sorted(migrations.script_heads()))
    assert crm.ok("db", "upgrade").stdout == f"already up to date (schema {heads})\n"


def test_pending_revisions_follow_the_chain() -> None:
    from termcrm.services.maintenance import pending_revisions

    everything = pending_revisions(frozenset())
    assert everything[0] == "0001"
    assert pending_revisions(frozenset(migrations.script_heads())) == []
    assert pending_revisions(frozenset({"0001"})) == everything[1:]
