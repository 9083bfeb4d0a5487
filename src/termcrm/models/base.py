"""Column types and helpers shared by every table.

Times are stored in UTC and always come back as aware datetimes; money is an
integer number of minor units (cents); every editable table carries its own
version column for optimistic locking (see :func:`version_column`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel
from sqlmodel._compat import SQLModelConfig


def utcnow() -> datetime:
    """The current time, aware, in UTC, to the second's microsecond."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC that always reads back as an aware datetime.

    SQLite has no time zones, so the value is stored naive (in UTC) there;
    PostgreSQL stores ``timestamptz``. Naive values handed in are taken as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {value!r}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def ts_column(name: str, *, nullable: bool = True, index: bool = False) -> sa.Column[Any]:
    """A UTC timestamp column."""
    return sa.Column(name, UTCDateTime(), nullable=nullable, index=index)


def version_column() -> sa.Column[Any]:
    """A fresh ``version`` column object for one table.

    SQLModel only wires optimistic locking when the table passes this very
    object both as the field's ``sa_column`` and as ``version_id_col``.
    """
    return sa.Column("version", sa.Integer, nullable=False)


class Table(SQLModel):
    """The base of every table.

    Pydantic builds a model's validator and serializer when it is first used
    rather than when the class is defined: table models are built from
    columns, not validated, so a one-shot command pays only for the few it
    dumps (``model_dump`` in the change history) instead of all of them at
    import.
    """

    model_config = SQLModelConfig(defer_build=True)
