"""Database maintenance: backup, restore, integrity checks and explicit upgrades.

Backups use SQLite's online backup API, so they are consistent while other
processes read and write. A restore first checks that the file is a termcrm
SQLite database (``quick_check``, the expected tables, a schema revision this
program knows), backs up the current database, then copies the file into the
live database with the backup API: SQLite swaps the pages inside one write
transaction, so every other connection sees either the old or the new
database, never a mix, and no connection is left writing to a replaced file.
On PostgreSQL these operations belong to ``pg_dump`` and ``pg_restore``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from termcrm.errors import CrmError, Invalid, InvalidFile, NotFound

if TYPE_CHECKING:
    from termcrm.db import Database

REQUIRED_TABLES = ("alembic_version", "contact", "company", "change_set", "change")
"""Tables every termcrm database has; a file without them is not one."""

SQLITE_MAGIC = b"SQLite format 3\x00"


def _pg_refusal(action: str) -> Invalid:
    tool = "pg_dump (e.g. pg_dump -Fc URL > crm.dump)" if action == "backup" else "pg_restore"
    return Invalid(f"the database is on PostgreSQL: {action} it with {tool}; crm db {action} handles SQLite files only")


def default_backup_path(db_path: Path) -> Path:
    """Where ``crm db backup`` writes without a FILE: beside the database, stamped with the time."""
    from termcrm.db import backup_name

    return backup_name(db_path, "backup")


def backup(db_path: Path | None, target: Path | None = None) -> Path:
    """Copy the live database at ``db_path`` into ``target`` (mode 0600); returns the file written."""
    from termcrm.db import backup_sqlite

    if db_path is None:
        raise _pg_refusal("backup")
    if not db_path.exists():
        raise NotFound(f"no database at {db_path}; nothing to back up")
    out = (target or default_backup_path(db_path)).expanduser()
    if out.exists():
        raise Invalid(f"{out} exists already; give another file name")
    if out.is_dir() or (target is not None and str(target).endswith("/")):
        raise Invalid(f"{out} is a directory; give a file name")
    if out.resolve() == db_path.resolve():
        raise Invalid("the backup file cannot be the database itself")
    if not out.parent.exists():
        raise Invalid(f"directory {out.parent} does not exist")
    if not out.parent.is_dir():
        raise Invalid(f"{out.parent} is not a directory")
    return backup_sqlite(db_path, out)


def _open_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _remove_new_sidecars(path: Path, existed: set[Path]) -> None:
    """Remove the empty -wal/-shm files a read-only open of a WAL database leaves behind."""
    wal, shm = _sidecars(path)
    if wal not in existed and wal.exists() and wal.stat().st_size == 0:
        wal.unlink()
        if shm not in existed and shm.exists():
            shm.unlink()


def verify_file(path: Path) -> str:
    """Check that ``path`` is a sound termcrm SQLite database; return its schema revision.

    Raises :class:`InvalidFile` (exit 5) saying what is wrong otherwise.
    """
    from termcrm import migrations

    if not path.exists():
        raise NotFound(f"no file {path}")
    if not path.is_file():
        raise InvalidFile(f"{path} is not a file")
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_MAGIC:
            raise InvalidFile(f"{path} is not a SQLite database")
    existed = {p for p in _sidecars(path) if p.exists()}
    try:
        conn = _open_readonly(path)
        try:
            check = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
            if check != ["ok"]:
                raise InvalidFile(f"{path} is damaged (quick_check: {check[0]}); it was not restored")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise InvalidFile(f"{path} is not a termcrm database (no {missing[0]} table)")
            revisions = [str(row[0]) for row in conn.execute("SELECT version_num FROM alembic_version")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise InvalidFile(f"{path} cannot be read as a SQLite database ({exc})") from None
    finally:
        _remove_new_sidecars(path, existed)
    if not revisions:
        raise InvalidFile(f"{path} has no schema revision; it is not a termcrm database")
    unknown = [r for r in revisions if r not in migrations.script_revisions()]
    if unknown:
        raise InvalidFile(f"{path} was written by a newer termcrm (schema {unknown[0]}); install a newer termcrm")
    return revisions[0]


@dataclass
class RestoreResult:
    """What ``crm db restore`` did."""

    source: Path
    revision: str
    previous_backup: Path | None


def restore(db_path: Path | None, source: Path) -> RestoreResult:
    """Replace the database at ``db_path`` with the termcrm database ``source``.

    The current database is backed up first (beside it, ``*.pre-restore-*.bak``).
    """
    from termcrm.db import backup_name, backup_sqlite, secure_file

    if db_path is None:
        raise _pg_refusal("restore")
    source = source.expanduser()
    if source.exists() and db_path.exists() and source.resolve() == db_path.resolve():
        raise Invalid("that file is the database itself; give a backup file")
    revision = verify_file(source)
    previous = None
    if db_path.exists() and db_path.stat().st_size > 0:
        previous = backup_sqlite(db_path, backup_name(db_path, "pre-restore"))
    secure_file(db_path)
    existed = {p for p in _sidecars(source) if p.exists()}
    try:
        src = _open_readonly(source)
        dst = sqlite3.connect(str(db_path), isolation_level=None)
        try:
            dst.execute("PRAGMA busy_timeout=30000")
            src_size = src.execute("PRAGMA page_size").fetchone()[0]
            dst_size = dst.execute("PRAGMA page_size").fetchone()[0]
            wal = dst.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            if wal and src_size != dst_size:
                # A database in WAL mode cannot change its page size; leave WAL for the copy.
                if dst.execute("PRAGMA journal_mode=DELETE").fetchone()[0] != "delete":
                    raise CrmError("cannot restore while another program has the database open; close it and retry")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
            check = [row[0] for row in dst.execute("PRAGMA quick_check").fetchall()]
            if check != ["ok"]:
                raise CrmError(f"the restored database fails quick_check ({check[0]}); the old one is in {previous}")
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        raise CrmError(f"restore failed ({exc}); the database was not changed") from None
    finally:
        _remove_new_sidecars(source, existed)
    return RestoreResult(source=source, revision=revision, previous_backup=previous)


@dataclass
class CheckResult:
    """The outcome of ``crm db check``."""

    ok: bool
    checks: list[str] = field(default_factory=list)
    """What was checked, in words."""
    problems: list[str] = field(default_factory=list)


def check(db: Database) -> CheckResult:
    """Integrity and foreign keys on SQLite; the schema revision on every engine."""
    from termcrm import migrations

    result = CheckResult(ok=True)
    current, heads = migrations.schema_state(db)
    result.checks.append("schema revision")
    if current != heads:
        result.problems.append(
            f"schema revision {', '.join(sorted(current)) or 'none'} is not the program's "
            f"{', '.join(sorted(heads))}; run crm db upgrade"
        )
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            integrity = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
            result.checks.append("integrity_check")
            if integrity != ["ok"]:
                result.problems.extend(f"integrity: {line}" for line in integrity)
            result.checks.append("foreign_key_check")
            for table, rowid, parent, _fkid in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
                result.problems.append(f"foreign key: {table} row {rowid} points to a missing {parent}")
            conn.rollback()
    else:
        result.checks.append("constraints (enforced by PostgreSQL)")
    result.ok = not result.problems
    return result


@dataclass
class UpgradeResult:
    """What ``crm db upgrade`` ran."""

    before: list[str]
    after: list[str]
    ran: list[str]
    backup: Path | None


def pending_revisions(current: frozenset[str]) -> list[str]:
    """The shipped revisions not yet applied, oldest first."""
    from termcrm import migrations

    revisions = migrations.script_revisions()
    applied: set[str] = set()
    stack = list(current)
    while stack:
        rev = stack.pop()
        if rev in applied or rev not in revisions:
            continue
        applied.add(rev)
        stack.extend(revisions[rev])
    order: list[str] = []
    seen: set[str] = set()

    def visit(rev: str) -> None:
        if rev in seen:
            return
        seen.add(rev)
        for parent in revisions[rev]:
            if parent in revisions:
                visit(parent)
        if rev not in applied:
            order.append(rev)

    for rev in sorted(revisions):
        visit(rev)
    return order


def upgrade(db: Database) -> UpgradeResult:
    """Run the pending migrations (backing up a SQLite file first); nothing to do is fine."""
    from termcrm import __version__, migrations
    from termcrm.errors import SchemaTooNew

    current, heads = migrations.schema_state(db)
    unknown = current - set(migrations.script_revisions())
    if unknown:
        raise SchemaTooNew(
            f"the database has schema revision {', '.join(sorted(unknown))}, newer than termcrm {__version__} "
            "knows; install a newer termcrm"
        )
    if current == heads:
        return UpgradeResult(sorted(current), sorted(current), [], None)
    ran = pending_revisions(current)
    backup_file = migrations.upgrade(db, backup=bool(current))
    after, _ = migrations.schema_state(db)
    return UpgradeResult(sorted(current), sorted(after), ran, backup_file)
