"""Storage rules: pragmas, transactions, the pool reset guard, file modes, optimistic locking."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from termcrm.config import Settings
from termcrm.db import Database, open_database
from termcrm.errors import Conflict
from termcrm.models import Contact
from termcrm.services import contacts


def _sqlite_db(tmp_path: Path) -> Database:
    return open_database(Settings(db_url=f"sqlite:///{tmp_path / 'sub' / 'crm.db'}", user="tester"))


def test_sqlite_connection_pragmas(tmp_path: Path) -> None:
    db = _sqlite_db(tmp_path)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30000
        assert conn.exec_driver_sql("PRAGMA trusted_schema").scalar() == 0
        conn.rollback()
    db.dispose()


def test_database_file_is_0600_and_new_directory_0700(tmp_path: Path) -> None:
    db = _sqlite_db(tmp_path)
    path = tmp_path / "sub" / "crm.db"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    db.dispose()


def test_write_session_begins_immediate_and_read_session_plain_begin(tmp_path: Path) -> None:
    db = _sqlite_db(tmp_path)
    seen: list[str] = []

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _record(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            seen.append(statement)

    with db.read() as s:
        s.exec(sa.select(sa.literal(1)))  # type: ignore[call-overload]
    with db.write() as s:
        s.exec(sa.select(sa.literal(1)))  # type: ignore[call-overload]
    assert seen == ["BEGIN", "BEGIN IMMEDIATE"]
    db.dispose()


def test_pool_reset_guard_rolls_back_an_open_transaction(tmp_path: Path) -> None:
    db = _sqlite_db(tmp_path)
    conn = db.engine.raw_connection()
    raw = conn.dbapi_connection
    assert raw is not None
    raw.execute("BEGIN IMMEDIATE")
    raw.execute("INSERT INTO tag(name) VALUES ('leaked')")
    assert raw.in_transaction
    conn.close()  # back to the pool: the guard must roll the transaction back
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM tag WHERE name='leaked'").scalar() == 0
        c.rollback()
    db.dispose()


def test_stale_write_raises_conflict_and_saves_nothing(db: Database) -> None:
    with db.write() as s:
        cid = contacts.create_contact(s, contacts.ContactInput(first_name="Ann", last_name="Lee")).id
    with db.read() as s:
        stale = s.get(Contact, cid)
        assert stale is not None
        stale_version = stale.version
    with db.write() as s:
        fresh = s.get(Contact, cid)
        assert fresh is not None
        contacts.update_contact(s, fresh, contacts.ContactChanges(values={"title": "CEO"}))
    with pytest.raises(Conflict):
        with db.write() as s:
            again = s.get(Contact, cid)
            assert again is not None
            contacts.update_contact(
                s, again, contacts.ContactChanges(values={"title": "CTO"}), expected_version=stale_version
            )
    with db.read() as s:
        assert s.get(Contact, cid).title == "CEO"  # type: ignore[union-attr]


def test_concurrent_orm_flush_on_stale_row_raises_conflict(db: Database) -> None:
    with db.write() as s:
        cid = contacts.create_contact(s, contacts.ContactInput(first_name="Ann")).id
    # A row read in one session, changed by another, then flushed: the version check stops it.
    session_ctx = db.write()
    s1 = session_ctx.__enter__()
    obj = s1.get(Contact, cid)
    assert obj is not None
    if db.dialect == "sqlite":
        # SQLite serialises writers (BEGIN IMMEDIATE), so simulate the other writer inside this one.
        s1.connection().exec_driver_sql(f"UPDATE contact SET version = version + 1 WHERE id = {cid}")
    else:
        other = sa.create_engine(db.url)
        with other.begin() as conn:
            conn.exec_driver_sql(f"UPDATE contact SET version = version + 1 WHERE id = {cid}")
        other.dispose()
    obj.title = "changed"
    s1.add(obj)
    with pytest.raises(Conflict):
        session_ctx.__exit__(None, None, None)
