"""Writes ``models/schema.py``: every table of the SQLModel classes as a plain SQLAlchemy Core table.

    python -m termcrm.models.codegen > src/termcrm/models/schema.py

Building a SQLModel class costs about 15 M instructions (pydantic collects its
fields, SQLAlchemy's declarative scan builds its table and mapper); building
the same Core table costs about a fifth of that, and each table is built on
first use. With every table at hand as Core, a command reads any table
without building its class, and the classes map onto these tables
(``base.TableMeta``) instead of building their own. The classes stay the
source of truth: this module builds them without the schema and prints what
they declare, and tests/test_schema.py fails when ``schema.py`` differs from
its output or describes different DDL.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.schema import ScalarElementColumnDefault

HEADER = '''\
"""Every table as a SQLAlchemy Core table, generated from the SQLModel classes: do not edit.

Regenerate with ``python -m termcrm.models.codegen > src/termcrm/models/schema.py``
after changing a model (tests/test_schema.py fails while this file is stale).
Readers select from these tables without building the ORM classes; the
classes map onto the same Table objects (see ``base.TableMeta``), so Core and
ORM expressions mix freely in one statement. ``schema.contact`` builds that
table on first use (a command pays for the tables it reads); :func:`load_all`
builds them all, for what needs the whole schema (migrations, dumps).
"""

from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from termcrm.models.base import UTCDateTime

metadata = SQLModel.metadata
'''

FOOTER = '''\
def table(name: str) -> sa.Table:
    """The table ``name``, built on first use."""
    found = metadata.tables.get(name)
    return found if found is not None else BUILDERS[name]()


def load_all() -> sa.MetaData:
    """Build every table; the metadata then holds the whole schema."""
    for name in BUILDERS:
        table(name)
    return metadata


def __getattr__(name: str) -> sa.Table:
    if name not in BUILDERS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = globals()[name] = table(name)
    return found
'''

TYPES = {
    "Integer": "sa.Integer()",
    "BigInteger": "sa.BigInteger()",
    "Boolean": "sa.Boolean()",
    "Date": "sa.Date()",
    "String": "sa.String()",
    "AutoString": "AutoString()",
    "UTCDateTime": "UTCDateTime()",
}
"""How each column type the models use is written; another type stops the generator."""


LINE = 120
"""The line length of the project (pyproject's ruff setting): longer calls are written one argument a line."""


def _lit(value: Any) -> str:
    """A literal as ruff format writes it (strings in double quotes)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _call(func: str, args: list[str], indent: int) -> str:
    """``func(a, b)`` on one line when it fits, else one argument a line with a trailing comma."""
    pad = " " * indent
    one = f"{pad}{func}({', '.join(args)}),"
    if len(one) <= LINE:
        return one
    inner = "".join(f"{pad}    {arg},\n" for arg in args)
    return f"{pad}{func}(\n{inner}{pad}),"


def _type(column: sa.Column[Any]) -> str:
    name = type(column.type).__name__
    if name not in TYPES or getattr(column.type, "length", None):
        raise SystemExit(f"codegen: teach TYPES to write {column.table.name}.{column.name}: {column.type!r}")
    return TYPES[name]


def _foreign_key(fk: sa.ForeignKey) -> str:
    extra = "".join(f", {opt}={_lit(getattr(fk, opt))}" for opt in ("ondelete", "onupdate") if getattr(fk, opt))
    return f"sa.ForeignKey({_lit(fk.target_fullname)}{extra})"


def _column(column: sa.Column[Any]) -> str:
    parts = [_lit(column.name), _type(column)]
    parts += [_foreign_key(fk) for fk in sorted(column.foreign_keys, key=lambda fk: fk.target_fullname)]
    if column.primary_key:
        parts.append("primary_key=True")
    elif not column.nullable:
        parts.append("nullable=False")
    if column.default is not None:
        if not isinstance(column.default, ScalarElementColumnDefault):
            raise SystemExit(f"codegen: {column.table.name}.{column.name} has a default that is not a plain value")
        parts.append(f"default={_lit(column.default.arg)}")
    if column.server_default is not None or column.onupdate is not None or column.autoincrement != "auto":
        raise SystemExit(f"codegen: teach _column to write {column.table.name}.{column.name}")
    if column.index:
        parts.append("index=True")
    if column.unique:
        parts.append("unique=True")
    return _call("sa.Column", parts, 8)


def _table_items(table: sa.Table) -> list[str]:
    """Constraints and indexes that no column flag already makes, in a stable order."""
    out = []
    for constraint in sorted(
        table.constraints, key=lambda c: (type(c).__name__, [col.name for col in getattr(c, "columns", ())])
    ):
        if isinstance(constraint, sa.PrimaryKeyConstraint | sa.ForeignKeyConstraint):
            if isinstance(constraint, sa.ForeignKeyConstraint) and len(constraint.columns) > 1:
                raise SystemExit(f"codegen: teach _table_items to write a composite foreign key of {table.name}")
            continue
        if not isinstance(constraint, sa.UniqueConstraint) or constraint.name:
            raise SystemExit(f"codegen: teach _table_items to write {constraint!r} of {table.name}")
        if getattr(constraint, "_column_flag", False):
            continue
        out.append(_call("sa.UniqueConstraint", [_lit(col.name) for col in constraint.columns], 8))
    for index in sorted(table.indexes, key=lambda i: str(i.name)):
        if getattr(index, "_column_flag", False):
            continue
        args = [_lit(index.name), *(_lit(col.name) for col in index.columns)]
        if index.unique:
            args.append("unique=True")
        out.append(_call("sa.Index", args, 8))
    return out


def render(metadata: sa.MetaData) -> str:
    """The source of ``schema.py`` for every table of ``metadata``, by table name."""
    chunks = [HEADER]
    for name in sorted(metadata.tables):
        table = metadata.tables[name]
        lines = [f"def _{name}() -> sa.Table:", "    return sa.Table(", f"        {_lit(name)},", "        metadata,"]
        items = [_column(column) for column in table.columns] + _table_items(table)
        lines += items
        lines.append("    )")
        chunks.append("\n".join(lines) + "\n")
    builders = "".join(f"    {_lit(name)}: _{name},\n" for name in sorted(metadata.tables))
    chunks.append(f'BUILDERS: dict[str, Any] = {{\n{builders}}}\n"""How to build each table, by name."""\n')
    chunks.append(FOOTER)
    return "\n\n".join(chunks)


def ddl(metadata: sa.MetaData) -> dict[str, Any]:
    """What the database sees of each table: CREATE TABLE and CREATE INDEX on both engines, and column defaults."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    out: dict[str, Any] = {}
    for name, table in sorted(metadata.tables.items()):
        entry: dict[str, Any] = {
            "defaults": {
                c.name: repr(getattr(c.default, "arg", None)) if c.default is not None else None for c in table.columns
            }
        }
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            entry[dialect.name] = [str(CreateTable(table).compile(dialect=dialect)).strip()] + sorted(
                str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes
            )
        out[name] = entry
    return out


def model_metadata() -> sa.MetaData:
    """The metadata as the SQLModel classes declare it, built without ``schema.py`` (a fresh process only)."""
    if "termcrm.models.schema" in sys.modules:
        raise RuntimeError("codegen needs a process that has not loaded termcrm.models.schema")
    from termcrm.models import base

    base.MAP_ONTO_SCHEMA = False
    from termcrm.models import Table, load_all

    load_all()
    return Table.metadata


def main(argv: list[str]) -> None:
    """Print schema.py's source, or with ``--ddl`` the DDL the classes declare, as JSON."""
    metadata = model_metadata()
    if argv[1:] == ["--ddl"]:
        sys.stdout.write(json.dumps(ddl(metadata), indent=1, sort_keys=True) + "\n")
    else:
        sys.stdout.write(render(metadata))


if __name__ == "__main__":
    main(sys.argv)
