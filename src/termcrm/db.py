"""The engine, its connection rules, session scopes and migrate-on-open.

Storage rules (DESIGN.md, measured on this machine):

* SQLite runs with ``journal_mode=WAL``, ``synchronous=FULL``, ``foreign_keys=ON``,
  ``busy_timeout=30000`` and ``trusted_schema=OFF``, and ``PRAGMA optimize`` on close.
* pysqlite's own transaction handling loses updates under concurrency, so the
  driver runs in autocommit mode and we emit ``BEGIN`` ourselves: plain ``BEGIN``
  for read sessions, ``BEGIN IMMEDIATE`` for write sessions.
* A pooled connection that is still inside a transaction when it is returned
  is rolled back (after a failed COMMIT SQLite keeps the transaction open).
* The database file and its backups are mode 0600, a directory we create 0700.
* No engine is built at import time: :func:`open_database` builds one from settings.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from termcrm.config import Settings, sqlite_path
from termcrm.errors import Conflict, CrmError

WRITE_OPTION = "termcrm_write"
"""Execution option that marks a connection as belonging to a write session."""


def secure_file(path: Path) -> None:
    """Create ``path`` (and a missing parent, 0700) with mode 0600 if it does not exist."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


DEFAULT_CACHE_KIB = 32768
"""SQLite page cache per connection: 32 MiB (the default 2 MiB thrashes on large report queries)."""


def _install_sqlite_rules(engine: Engine, cache_kib: int = DEFAULT_CACHE_KIB) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA trusted_schema=OFF")
        cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_conn: Any, _record: Any, _state: Any) -> None:
        if getattr(dbapi_conn, "in_transaction", False):
            dbapi_conn.execute("ROLLBACK")

    @event.listens_for(engine, "close")
    def _on_close(dbapi_conn: Any, _record: Any) -> None:
        try:
            dbapi_conn.execute("PRAGMA optimize")
        except sqlite3.Error:
            pass


def make_engine(url: str, *, cache_kib: int = DEFAULT_CACHE_KIB) -> Engine:
    """An engine for ``url`` with termcrm's connection rules installed."""
    path = sqlite_path(url)
    if url.startswith("sqlite"):
        if path is not None:
            secure_file(path)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        _install_sqlite_rules(engine, cache_kib)
        return engine
    return sa.create_engine(url, pool_pre_ping=False)


class Database:
    """One database: a read engine and a write engine sharing a pool.

    Sessions are short: the CLI opens one per command, the TUI one per action.
    """

    def __init__(self, settings: Settings, engine: Engine | None = None, *, cache_kib: int = DEFAULT_CACHE_KIB) -> None:
        self.settings = settings
        self.url = settings.db_url
        self.engine = engine or make_engine(self.url, cache_kib=cache_kib)
        self.write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self.dialect = self.engine.dialect.name

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None on a server database."""
        return sqlite_path(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (plain ``BEGIN`` on SQLite); nothing it does is committed."""
        session = Session(self.engine, expire_on_commit=False)
        session.info["dialect"] = self.dialect
        session.info["settings"] = self.settings
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def write(self, summary: str = "", *, user: str | None = None) -> Iterator[Session]:
        """A write session (``BEGIN IMMEDIATE`` on SQLite) that commits on success.

        Every ORM change inside it is recorded in the change history as one
        change set by ``user`` (default: the acting user), with ``summary``.
        A stale versioned row raises :class:`Conflict` and nothing is saved.
        """
        from termcrm.services import history

        session = Session(self.write_engine, expire_on_commit=False)
        session.info["dialect"] = self.dialect
        session.info["settings"] = self.settings
        history.start(session, user or self.settings.user, summary)
        try:
            yield session
            history.finish(session)
            session.commit()
        except StaleDataError:
            session.rollback()
            raise Conflict(
                "the record was changed by someone else meanwhile; nothing was saved, reload and try again"
            ) from None
        except sa.exc.IntegrityError as exc:
            session.rollback()
            raise Conflict(f"not saved: a duplicate or dangling value ({_short(exc)})") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (runs ``PRAGMA optimize`` on SQLite)."""
        self.engine.dispose()


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).splitlines()[0]
    return text[:200]


def open_database(settings: Settings, *, migrate: bool = True, cache_kib: int = DEFAULT_CACHE_KIB) -> Database:
    """Build the engine for ``settings`` and bring the schema up to date.

    ``cache_kib`` sets SQLite's page cache per connection; the TUI, which reads small windows
    while it stays open for hours, asks for less.
    """
    from termcrm import migrations

    db = Database(settings, cache_kib=cache_kib)
    if migrate:
        try:
            migrations.ensure_schema(db)
        except BaseException:
            db.dispose()
            raise
    return db


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy a live SQLite database with the online backup API into ``target`` (mode 0600)."""
    if target.exists():
        raise CrmError(f"{target} exists; choose another file name")
    secure_file(target)
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(target, 0o600)
    return target


def backup_name(path: Path, label: str) -> Path:
    """A backup file name beside ``path``: ``crm.db.<label>-<UTC time>.bak``."""
    stamp = datetime.utcnow().strftime("%Y%m%dT%H%M%S%f")
    return path.with_name(f"{path.name}.{label}-{stamp}.bak")
