"""Full JSON dumps: every record of every table, and their exact restore into an empty database.

``crm export json`` writes one JSON document::

    {
     "format": "termcrm-dump",
     "format_version": 1,
     "schema_revision": "0003_followups",
     "tables": {
      "company": [
       {"archived_at": null, "city": "Berlin", "created_at": "2026-01-05T09:30:00+00:00", "id": 1, ...},
       ...
      ],
      ...
     }
    }

Tables are sorted by name, rows by primary key, keys within a row by name,
one row per line: two dumps of the same data are byte-identical and a diff
of two dumps shows the records that changed. Times are ISO 8601 in UTC, dates
ISO, money integer minor units as stored. The migration bookkeeping
(``alembic_version``, kept as ``schema_revision``), the search index (rebuilt
on restore) and the report tables (filled by database triggers as the records
go back) are not dumped.

``crm import json FILE`` restores a dump into an empty database (a new file,
or a fresh PostgreSQL database): ids, the change history and timestamps come
back exactly, then the search index is rebuilt and PostgreSQL's id sequences
are moved past the restored ids. A database that holds anything besides the
pipeline and SLA targets every new database starts with is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.errors import Conflict, InvalidFile
from termcrm.models import UTCDateTime

FORMAT = "termcrm-dump"
FORMAT_VERSION = 1
SEED_TABLES = ("stage", "pipeline", "sla_policy")
"""Tables a freshly migrated database already fills (the default pipeline and SLA targets);
a restore replaces their rows with the dump's."""


def tables() -> list[sa.Table]:
    """Every table a dump holds, in dependency order (parents before children).

    The report tables are not among them (``models/report_tables.py`` keeps its own metadata):
    database triggers fill them from the restored records.
    """
    from termcrm.models import schema

    return list(schema.load_all().sorted_tables)


def schema_revision(conn: sa.Connection) -> str:
    """The database's schema revision (``alembic_version``), several joined by commas."""
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return ",".join(sorted(str(r[0]) for r in rows))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row_json(row: dict[str, Any]) -> str:
    return json.dumps({k: _encode(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=False)


def dump(session: Session, *, progress: Callable[[str, int, int], None] | None = None) -> str:
    """The whole database as one JSON document (see the module docstring)."""
    conn = session.connection()
    ordered = sorted(tables(), key=lambda t: t.name)
    head = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": schema_revision(conn)}
    parts = ["{"]
    for key, value in head.items():
        parts.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    parts.append(' "tables": {')
    for index, table in enumerate(ordered):
        if progress is not None:
            progress(table.name, index, len(ordered))
        stmt = sa.select(table).order_by(*table.primary_key.columns)
        rows = [_row_json(dict(r._mapping)) for r in conn.execute(stmt)]
        comma = "," if index < len(ordered) - 1 else ""
        if not rows:
            parts.append(f"  {json.dumps(table.name)}: []{comma}")
            continue
        parts.append(f"  {json.dumps(table.name)}: [")
        parts.append(",\n".join(f"   {row}" for row in rows))
        parts.append(f"  ]{comma}")
    parts.append(" }")
    parts.append("}")
    return "\n".join(parts) + "\n"


@dataclass
class RestoreResult:
    """What a restore put back: rows per table, and the search documents rebuilt."""

    rows: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    schema_revision: str = ""

    @property
    def total(self) -> int:
        """Every restored row."""
        return sum(self.rows.values())

    def as_json(self) -> dict[str, Any]:
        """The result as a dict."""
        return {
            "schema_revision": self.schema_revision,
            "rows": self.total,
            "tables": dict(sorted(self.rows.items())),
            "search_documents": self.documents,
        }


def _decoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, UTCDateTime | sa.DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, sa.Boolean):
        return lambda v: None if v is None else bool(v)
    return lambda v: v


def check_empty(conn: sa.Connection) -> None:
    """Conflict unless the database holds nothing but the rows every new database starts with."""
    for table in tables():
        if table.name in SEED_TABLES:
            continue
        count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0
        if count:
            raise Conflict(
                f"the database is not empty ({table.name} has {count} row(s)): restore a dump into a new database, "
                "e.g. crm --db new.db import json FILE"
            )


def _parse(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFile(
            f"not a termcrm dump: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidFile(
            'not a termcrm dump: the file has no "format": "termcrm-dump" (write one with crm export json)'
        )
    if doc.get("format_version") != FORMAT_VERSION:
        raise InvalidFile(
            f"dump format version {doc.get('format_version')!r} is not supported (this termcrm reads {FORMAT_VERSION})"
        )
    if not isinstance(doc.get("tables"), dict):
        raise InvalidFile('not a termcrm dump: "tables" must be an object of table name -> rows')
    return doc


def restore(session: Session, text: str, *, progress: Callable[[str, int, int], None] | None = None) -> RestoreResult:
    """Restore the dump ``text`` into this (empty) database, in the caller's write session.

    Raises :class:`InvalidFile` for a file that is not a dump of this schema
    revision (nothing written) and :class:`Conflict` for a database that is not
    empty.
    """
    from termcrm.services import search

    doc = _parse(text)
    conn = session.connection()
    current = schema_revision(conn)
    if doc.get("schema_revision") != current:
        raise InvalidFile(
            f"the dump has schema revision {doc.get('schema_revision')!r} but this database has {current!r}: "
            "restore it with the termcrm version that wrote it, then upgrade"
        )
    known = {t.name: t for t in tables()}
    unknown = sorted(set(doc["tables"]) - set(known))
    if unknown:
        raise InvalidFile(f"the dump has tables this termcrm does not know: {', '.join(unknown)}")
    check_empty(conn)
    prepared: dict[str, list[dict[str, Any]]] = {}
    for name, rows in doc["tables"].items():
        table = known[name]
        if not isinstance(rows, list):
            raise InvalidFile(f"table {name}: rows must be a list")
        decoders = {c.name: _decoder(c) for c in table.columns}
        out = []
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise InvalidFile(f"table {name}, row {number}: not an object")
            extra = set(row) - set(decoders)
            if extra:
                raise InvalidFile(f"table {name}, row {number}: unknown column(s) {', '.join(sorted(extra))}")
            try:
                out.append({key: decoders[key](value) for key, value in row.items()})
            except (TypeError, ValueError) as exc:
                raise InvalidFile(f"table {name}, row {number}: {exc}") from None
        prepared[name] = out
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    for name in SEED_TABLES:
        conn.execute(sa.delete(known[name]))
    result = RestoreResult(schema_revision=current)
    ordered = tables()
    for index, table in enumerate(ordered):
        if progress is not None:
            progress(table.name, index, len(ordered))
        rows = prepared.get(table.name, [])
        for start in range(0, len(rows), 5000):
            conn.execute(table.insert(), rows[start : start + 5000])
        result.rows[table.name] = len(rows)
    if conn.dialect.name == "postgresql":
        _fix_sequences(conn, ordered)
    elif conn.dialect.name == "sqlite":
        bad = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if bad:
            table, rowid, parent = bad[0][0], bad[0][1], bad[0][2]
            raise InvalidFile(f"the dump is inconsistent: {table} row {rowid} refers to a missing {parent}")
    result.documents = search.rebuild(session)
    return result


def _fix_sequences(conn: sa.Connection, ordered: list[sa.Table]) -> None:
    """Move each id sequence past the restored ids, so the next insert gets a fresh one."""
    for table in ordered:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        seq = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if not seq:
            continue
        top = conn.execute(sa.select(sa.func.max(pk[0]))).scalar()
        conn.execute(
            sa.text("SELECT setval(:s, :v, :called)"), {"s": seq, "v": int(top or 1), "called": top is not None}
        )
