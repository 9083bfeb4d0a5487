"""Migrations: shipped with the package, run on open, safe with existing rows."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from termcrm import migrations
from termcrm.config import Settings
from termcrm.db import Database, open_database
from termcrm.errors import SchemaTooNew


def _alembic(conn: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations.HERE))
    cfg.attributes["connection"] = conn
    return cfg


def test_models_match_migrations(db: Database) -> None:
    from termcrm.models import report_tables, schema

    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), [schema.load_all(), report_tables.metadata])
        conn.rollback()
    meaningful = [
        d
        for d in diffs
        if not (d[0] == "remove_table" and d[1].name.startswith(("search_fts", "search_doc")))
        and not (d[0] == "remove_index" and d[1].table.name.startswith("search_doc"))
    ]
    assert meaningful == []


def test_script_revisions_scan_matches_alembic() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(migrations.HERE))
    assert migrations.script_heads() == frozenset(script.get_heads())
    assert set(migrations.script_revisions()) == {rev.revision for rev in script.walk_revisions()}


def test_database_made_by_first_revision_upgrades_with_rows_intact(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), "0001")
        conn.exec_driver_sql(
            "INSERT INTO user (id, name, name_key, active, created_at) "
            "VALUES (1, 'ann', 'ann', 1, '2025-01-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO company (id, name, name_key, created_at, updated_at, version) "
            "VALUES (1, 'Acme', 'acme', '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO contact (id, first_name, last_name, display_name, company_id, stage, created_at, "
            "updated_at, version) "
            "VALUES (1, 'Ann', 'Lee', 'Ann Lee', 1, 'lead', '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO contact_email (contact_id, email, email_key, is_primary, position) "
            "VALUES (1, 'ann@example.com', 'ann@example.com', 1, 0)"
        )
        conn.exec_driver_sql(
            "INSERT INTO interaction (id, kind, summary, occurred_at, contact_id, company_id, user_id, "
            "created_at, version) "
            "VALUES (1, 'call', 'Intro', '2025-01-02 10:00:00', 1, 1, 1, '2025-01-02 10:00:00', 1)"
        )
    engine.dispose()

    db = open_database(Settings(db_url=f"sqlite:///{path}", user="ann"))
    with db.engine.connect() as conn:
        assert migrations.current_revisions(conn) == migrations.script_heads()
        assert conn.exec_driver_sql("SELECT display_name, company_id FROM contact").all() == [("Ann Lee", 1)]
        assert (
            conn.exec_driver_sql("SELECT email FROM contact_email WHERE contact_id = 1").scalar() == "ann@example.com"
        )
        assert conn.exec_driver_sql("SELECT summary, deal_id FROM interaction").all() == [("Intro", None)]
        assert conn.exec_driver_sql("SELECT name FROM pipeline").scalar() == "sales"
        conn.rollback()
    db.dispose()
    backups = list(tmp_path.glob("old.db.pre-upgrade-*.bak"))
    assert len(backups) == 1
    assert stat.S_IMODE(os.stat(backups[0]).st_mode) == 0o600
    # The backup is the database as it was: still at the first revision, rows included.
    check = sa.create_engine(f"sqlite:///{backups[0]}")
    with check.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"
        assert conn.exec_driver_sql("SELECT count(*) FROM interaction").scalar() == 1
    check.dispose()


def test_failed_migration_leaves_database_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), "0001")
        conn.exec_driver_sql("INSERT INTO tag (id, name) VALUES (1, 'keep')")
    engine.dispose()
    real_upgrade = command.upgrade

    def broken(cfg, rev):  # type: ignore[no-untyped-def]
        real_upgrade(cfg, rev)
        raise RuntimeError("boom after the steps ran")

    monkeypatch.setattr(command, "upgrade", broken)
    with pytest.raises(RuntimeError):
        open_database(Settings(db_url=f"sqlite:///{path}", user="ann"))
    check = sa.create_engine(f"sqlite:///{path}")
    with check.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"
        assert not sa.inspect(conn).has_table("deal")
        assert conn.exec_driver_sql("SELECT name FROM tag").scalar() == "keep"
    check.dispose()


def test_database_newer_than_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = open_database(Settings(db_url=f"sqlite:///{path}", user="ann"))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
        conn.commit()
    db.dispose()
    with pytest.raises(SchemaTooNew, match="newer than termcrm"):
        open_database(Settings(db_url=f"sqlite:///{path}", user="ann"))


def test_cli_reports_a_newer_database_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from termcrm.cli import app

    path = tmp_path / "new.db"
    db = open_database(Settings(db_url=f"sqlite:///{path}", user="ann"))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
        conn.commit()
    db.dispose()
    result = CliRunner().invoke(app, ["--db", str(path), "contact", "list"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "newer than termcrm" in result.stderr
