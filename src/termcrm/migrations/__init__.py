"""Alembic migrations shipped in the package, and the migrate-on-open logic.

On every open the schema revision stored in the database is compared with the
revisions shipped here. Reading them needs no Alembic import (the version
files are scanned for their ``revision``/``down_revision`` lines), so a
one-shot command on an up-to-date database pays for one small query.

When the database is behind: back up first (SQLite online backup API), then
run every step in one transaction with foreign keys off, check
``foreign_key_check`` and ``quick_check``, and only then commit. A database
written by a newer termcrm is refused.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from termcrm.errors import CrmError, SchemaTooNew

if TYPE_CHECKING:
    from termcrm.db import Database

HERE = Path(__file__).parent
VERSIONS = HERE / "versions"

_REV = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)


@cache
def script_revisions() -> dict[str, tuple[str, ...]]:
    """Every shipped revision and the revisions it follows."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        rev = _REV.search(text)
        down = _DOWN.search(text)
        if not rev:
            continue
        downs = tuple(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1))) if down else ()
        revisions[rev.group(1)] = downs
    return revisions


def script_heads() -> frozenset[str]:
    """The newest shipped revisions (normally one)."""
    revisions = script_revisions()
    parents = {parent for downs in revisions.values() for parent in downs}
    return frozenset(rev for rev in revisions if rev not in parents)


def current_revisions(conn: sa.Connection) -> frozenset[str]:
    """The revisions recorded in the database (empty for a fresh one)."""
    # A catalogue query rather than sa.inspect(): the inspector's import alone costs ~30 ms per command.
    exists: object
    if conn.dialect.name == "sqlite":
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
    elif conn.dialect.name == "postgresql":
        exists = conn.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar()
    else:
        exists = sa.inspect(conn).has_table("alembic_version")
    if not exists:
        return frozenset()
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return frozenset(str(row[0]) for row in rows)


def schema_state(db: Database) -> tuple[frozenset[str], frozenset[str]]:
    """(revisions in the database, shipped heads)."""
    with db.engine.connect() as conn:
        current = current_revisions(conn)
        conn.rollback()
    return current, script_heads()


def ensure_schema(db: Database) -> bool:
    """Upgrade the database when it is behind; return True when it ran migrations."""
    current, heads = schema_state(db)
    if current == heads:
        return False
    unknown = current - set(script_revisions())
    if unknown:
        from termcrm import __version__

        raise SchemaTooNew(
            f"the database {db.url} has schema revision {', '.join(sorted(unknown))}, "
            f"newer than termcrm {__version__} knows; install a newer termcrm to open it"
        )
    upgrade(db, backup=bool(current))
    return True


def _alembic_config(conn: sa.Connection):  # type: ignore[no-untyped-def]
    # Alembic is imported only here: it costs ~60 ms and runs only when the schema is behind.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = conn
    return cfg


def upgrade(db: Database, *, backup: bool = True) -> Path | None:
    """Run every pending migration in one transaction; returns the backup file, if any."""
    from alembic import command

    backup_file: Path | None = None
    path = db.path
    if backup and path is not None and path.exists() and path.stat().st_size > 0:
        from termcrm.db import backup_name, backup_sqlite

        backup_file = backup_sqlite(path, backup_name(path, "pre-upgrade"))

    if db.dialect == "sqlite":
        with db.write_engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    command.upgrade(_alembic_config(conn), "heads")
                    bad_fk = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if bad_fk:
                        raise CrmError(
                            f"migration left {len(bad_fk)} dangling references "
                            f"(first in table {bad_fk[0][0]}); nothing was changed"
                        )
                    check = conn.exec_driver_sql("PRAGMA quick_check").all()
                    if [tuple(r) for r in check] != [("ok",)]:
                        raise CrmError(f"migration failed quick_check ({check[0][0]}); nothing was changed")
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
    else:
        with db.write_engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "heads")
    return backup_file
