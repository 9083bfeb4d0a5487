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
from sqlmodel.main import SQLModelMetaclass

MAP_ONTO_SCHEMA = True
"""Whether table classes map onto the Core tables of ``models/schema.py``.

Off only in the process that writes that file from the classes (``termcrm.models.codegen``).
"""


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


class TableMeta(SQLModelMetaclass):
    """Maps each table class onto its Core table in ``models/schema.py`` instead of building a new one.

    SQLModel still turns every field into a column; this swaps each for the
    schema's column of the same name (and the version column named in
    ``__mapper_args__`` likewise) and hands SQLAlchemy the schema's table as
    ``__table__``, so one Table object serves Core readers and the ORM alike:
    a statement may mix ``Contact.id`` and ``schema.contact.c.id``, and a
    flush finds every table its foreign keys name already in the metadata.
    """

    def __init__(cls, classname: str, bases: tuple[type, ...], dict_: dict[str, Any], **kw: Any) -> None:
        if MAP_ONTO_SCHEMA and cls.model_config.get("table"):
            from termcrm.models import schema

            name = dict_.get("__tablename__") or classname.lower()
            table = schema.table(name) if name in schema.BUILDERS else None
            missing = [field for field in cls.model_fields if table is None or field not in table.c]
            if table is None or missing or len(table.c) != len(cls.model_fields):
                raise RuntimeError(
                    f"models/schema.py does not match table {name!r} ({', '.join(missing) or 'columns differ'}): "
                    "run python -m termcrm.models.codegen > src/termcrm/models/schema.py"
                )
            # A flush orders its rows by foreign keys, so the tables these point at must exist too.
            for fk in table.foreign_keys:
                schema.table(fk.target_fullname.partition(".")[0])
            for field in cls.model_fields:
                type.__setattr__(cls, field, table.c[field])
            type.__setattr__(cls, "__table__", table)
            args = dict_.get("__mapper_args__")
            if args and "version_id_col" in args:
                type.__setattr__(cls, "__mapper_args__", {**args, "version_id_col": table.c.version})
        super().__init__(classname, bases, dict_, **kw)


class Table(SQLModel, metaclass=TableMeta):
    """The base of every table.

    Pydantic builds a model's validator and serializer when it is first used
    rather than when the class is defined: table models are built from
    columns, not validated, so a one-shot command pays only for the few it
    dumps (``model_dump`` in the change history) instead of all of them at
    import.
    """

    model_config = SQLModelConfig(defer_build=True)
