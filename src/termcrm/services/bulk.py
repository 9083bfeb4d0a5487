"""Bulk loading helpers shared by the importer and the demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

DEFER_INDEXES_FROM = 20000
"""Rows from which a bulk insert into a table at most as big builds its indexes afterwards (SQLite)."""


def _triggers_read(conn: sa.Connection, table: str) -> bool:
    """Whether a trigger on ``table`` reads ``table`` itself."""
    import re

    reads = re.compile(rf'\b(FROM|JOIN)\s+"?{re.escape(table)}"?(\s|$|\))', re.IGNORECASE)
    bodies = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ).scalars()
    return any(reads.search(body or "") for body in bodies)


@contextmanager
def indexes_deferred(conn: sa.Connection, table: str, count: int) -> Iterator[None]:
    """On SQLite, drop ``table``'s secondary indexes while ``count`` rows go in and create them again after.

    Sorting all keys once (CREATE INDEX) is much cheaper than inserting them one by one into b-trees
    in random order: measured for 100,000 contacts, about 3.5 s of inserts became about 2 s with the
    indexes built afterwards (their building included). It pays when the new rows are at least as
    many as the old ones, so only then. Everything happens inside the caller's transaction: if it
    fails or is killed, the indexes come back with the rollback. Constraint indexes (UNIQUE,
    primary keys) stay, and PostgreSQL is left alone (DROP INDEX would lock the table for every
    other session). A table whose own triggers look its rows up (the report triggers on stage
    history) keeps its indexes: without them every inserted row would scan the table.
    """
    if conn.dialect.name != "sqlite" or count < DEFER_INDEXES_FROM or _triggers_read(conn, table):
        yield
        return
    existing = conn.exec_driver_sql(f'SELECT max(rowid) FROM "{table}"').scalar() or 0
    if existing > count:
        yield
        return
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
        (table,),
    ).all()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
