"""Has anything been written since I last looked? A cheap change token for live screens.

On SQLite the token holds ``PRAGMA data_version``, which changes whenever
*another* connection commits (so the caller keeps one connection for asking),
together with the latest change set id; on PostgreSQL the latest change set
id alone (every write through :meth:`~termcrm.db.Database.write`, an import
or an undo records one). Compare tokens for equality; their content means
nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

if TYPE_CHECKING:
    from termcrm.db import Database


def data_version(session: Session) -> tuple[Any, ...]:
    """A token that differs after any committed write by another connection."""
    from termcrm.models import schema

    conn = session.connection()
    latest = conn.execute(sa.select(sa.func.max(schema.change_set.c.id))).scalar()
    if conn.dialect.name == "sqlite":
        version = conn.exec_driver_sql("PRAGMA data_version").scalar()
        return (int(version or 0), int(latest or 0))
    return (int(latest or 0),)


class Watcher:
    """Asks for :func:`data_version` on one connection of its own, kept between looks.

    ``PRAGMA data_version`` only means something when asked on the same
    connection each time, so a screen that polls holds a Watcher rather than
    taking a pooled connection per look. No transaction stays open between
    looks. Use from one thread at a time.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: sa.Connection | None = None

    def token(self) -> tuple[Any, ...]:
        """The current change token (a dropped connection is replaced on the next look)."""
        if self._conn is None:
            self._conn = self.db.engine.connect()
        try:
            with Session(bind=self._conn) as session:
                session.info["dialect"] = self.db.dialect
                return data_version(session)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Give the connection back."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
