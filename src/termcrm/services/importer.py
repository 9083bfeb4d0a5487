"""Imports: CSV files (contacts, companies, deals, interactions, follow-ups, campaign responses) and vCards.

Every import runs in two phases inside the caller's write session:

1. **Plan** (reads only): parse the file (:mod:`termcrm.io.csvread`,
   :mod:`termcrm.io.vcard`), check every row against the database (unknown
   stages and pipelines, references to missing contacts, companies and users,
   names that must be unique), and decide for each row whether it creates a
   record, updates one (``--on-duplicate update``) or is skipped as a
   duplicate of a record in the database or of an earlier row of the file
   (``--match``). Every problem names the file line and column. By default a
   single invalid row raises :class:`InvalidRows` (exit 5) before anything is
   written; ``skip_invalid`` imports the valid rows and returns the others.
   ``dry_run`` stops here and returns the plan.
2. **Write**, in the same transaction, so a killed process leaves the database
   as it was. Contacts and companies are written with Core bulk inserts
   (``executemany``) and indexed with one batch of search documents: the change
   history does not see them, and :func:`undo_batch` is their undo path.
   Deals, interactions and follow-ups go through their services (one change
   set, so ``crm undo`` reverts them too).

Every import is recorded as an :class:`~termcrm.models.ImportBatch` with
:class:`~termcrm.models.ImportItem` rows saying what it created (one
``created_range`` item per run of consecutive new ids of a bulk insert, else one
``created`` item per record) and what it updated (one item per record, with the
old values), which :func:`undo_batch` uses to remove what the batch created and
restore what it updated.
"""

from __future__ import annotations

import functools
import gc
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from termcrm import dates, money
from termcrm.errors import Ambiguous, Conflict, CrmError, Invalid, InvalidFile, NotFound
from termcrm.io import csvread
from termcrm.models import utcnow
from termcrm.services import bulk, history, refs, search
from termcrm.services import contacts as contact_service
from termcrm.services.common import EMAIL_RE, check_choice, check_phone, check_tag, phone_key
from termcrm.vocab import FOLLOWUP_PRIORITIES, INTERACTION_KINDS, STAGES

if TYPE_CHECKING:
    from termcrm.models import (
        Company,
        Contact,
        ImportItem,
        User,
    )

RECORD_TYPES = (*csvread.RECORD_TYPES, "campaign-responses")
"""What ``crm import csv --type`` accepts."""

MATCH_KEYS: dict[str, tuple[str, ...]] = {
    "contacts": ("email", "phone", "name", "external_id", "id", "none"),
    "companies": ("name", "domain", "external_id", "id", "none"),
    "deals": ("none", "name", "id"),
    "interactions": ("none", "id"),
    "followups": ("none", "name", "id"),
}
"""The ``--match`` keys each record type understands; the first is the default."""

ON_DUPLICATE = ("skip", "update", "create")
"""What ``--on-duplicate`` may say: skip the row, update the record it matches, or create anyway."""

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: phases ``reading``, ``checking``, ``writing``, ``indexing``."""

_CHUNK = 5000
_PROGRESS_EVERY = 2000


def _quiet(_phase: str, _done: int, _total: int) -> None:
    return None


# ---------------------------------------------------------------------------
# Results and problems
# ---------------------------------------------------------------------------


@dataclass
class Problem:
    """One thing wrong with one row: where (file, line, column) and what."""

    line: int
    column: str | None
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        if self.column is None:
            return f"{where}line {self.line}: {self.message}"
        return f'{where}line {self.line}, column "{self.column}": {self.message}'


@dataclass
class InvalidRow:
    """A row that cannot be imported, with its original cells (for ``--errors-out``)."""

    line: int
    problems: list[Problem]
    cells: list[str] = field(default_factory=list)
    label: str = ""

    @property
    def reason(self) -> str:
        """Every problem of the row, on one line."""
        return "; ".join(str(p) for p in self.problems)


class InvalidRows(InvalidFile):
    """Some rows are invalid and ``skip_invalid`` was not given: nothing was written."""

    def __init__(self, invalid: list[InvalidRow], header: list[str], delimiter: str = ",") -> None:
        first = invalid[0].problems[0] if invalid and invalid[0].problems else None
        count = len(invalid)
        rows = "row is" if count == 1 else "rows are"
        super().__init__(
            f"{count} {rows} invalid, nothing was imported"
            + (f" (first: {first})" if first else "")
            + "; fix the file, or use --skip-invalid to import the valid rows"
        )
        self.invalid = invalid
        self.header = header
        self.delimiter = delimiter


class Outcome:
    """What happens (or happened) to one row: ``action`` is ``create``, ``update`` or ``skip``.

    The row's label (``Ann Lee <ann@example.com>``) is made when first asked for: most imports
    only count outcomes.
    """

    __slots__ = ("line", "action", "record_id", "note", "_label", "_kind", "_data")

    def __init__(
        self,
        line: int,
        action: str,
        label: str | None = None,
        record_id: int | None = None,
        note: str = "",
        *,
        kind: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.line = line
        self.action = action
        self.record_id = record_id
        self.note = note
        self._label = label
        self._kind = kind
        self._data = data

    @property
    def label(self) -> str:
        """How the row names its record."""
        if self._label is None:
            self._label = _label_of(self._kind, self._data or {})
        return self._label

    def as_json(self) -> dict[str, Any]:
        """The outcome as a dict."""
        return {
            "line": self.line,
            "action": self.action,
            "label": self.label,
            "id": self.record_id,
            "note": self.note or None,
        }


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    record_type: str
    source: str
    format: str = ""
    format_title: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    delimiter: str = ","
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    invalid: list[InvalidRow] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    batch_id: int | None = None
    dry_run: bool = False
    match: str = ""
    on_duplicate: str = ""

    def as_json(self, *, outcomes: bool = False) -> dict[str, Any]:
        """The result as a dict (``outcomes`` adds one entry per row)."""
        data: dict[str, Any] = {
            "batch_id": self.batch_id,
            "dry_run": self.dry_run,
            "type": self.record_type,
            "source": self.source,
            "format": self.format,
            "format_title": self.format_title,
            "match": self.match,
            "on_duplicate": self.on_duplicate,
            "mapping": self.mapping,
            "unmapped": self.unmapped,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "invalid": [{"line": r.line, "error": r.reason} for r in self.invalid],
        }
        if outcomes:
            data["outcomes"] = [o.as_json() for o in self.outcomes]
        return data


@dataclass
class _Input:
    """One record read from a file, before the database checks."""

    line: int
    data: dict[str, Any]
    problems: list[Problem]
    cells: list[str] = field(default_factory=list)
    uid: str | None = None


@dataclass
class _Plan:
    """A record to write: created, or an existing one (``target_id``) to update."""

    line: int
    action: str
    data: dict[str, Any]
    target_id: int | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    record_id: int | None = None
    own: bool = False
    """Whether ``data`` is this plan's own copy (rows merged into it must not change their input)."""


@dataclass
class _Options:
    record_type: str
    match: str
    on_duplicate: str
    tags: list[str]
    skip_invalid: bool
    dry_run: bool
    source: str
    kind: str
    progress: Progress
    now: datetime


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def tag_name(raw: str) -> str | None:
    """A tag name termcrm accepts, made from a label another program wrote.

    ``Hot lead`` -> ``hot-lead``, ``Friends & Family`` -> ``friends-&-family``;
    characters a tag may not hold become ``-``. None when nothing is left.
    """
    text = re.sub(r"\s+", "-", raw.strip().lower())
    text = re.sub(r"[^\w.\-/&]", "-", text)
    text = re.sub(r"-{2,}", "-", text)
    text = re.sub(r"^[^\w]+", "", text).rstrip("-")
    return text or None


def _check_options(
    record_type: str, match: str | None, on_duplicate: str, tags: Sequence[str]
) -> tuple[str, str, str, list[str]]:
    kind = record_type.strip().lower()
    if kind not in RECORD_TYPES:
        kind = csvread.record_type_name(kind)
    if kind == "campaign-responses":
        if tags:
            raise Invalid("--tag applies to contacts and companies, not to campaign responses")
        return kind, "email", on_duplicate, []
    keys = MATCH_KEYS[kind]
    key = (match or keys[0]).strip().lower().replace("-", "_")
    if key not in keys:
        raise Invalid(f"--match {match!r} does not apply to {kind}; use one of: {', '.join(keys)}")
    policy = on_duplicate.strip().lower()
    if policy not in ON_DUPLICATE:
        raise Invalid(f"--on-duplicate {on_duplicate!r} is not one of: {', '.join(ON_DUPLICATE)}")
    names: list[str] = []
    for tag in tags:
        if kind not in ("contacts", "companies"):
            raise Invalid(f"--tag applies to contacts and companies; {kind} have no tags")
        name = check_tag(tag)
        if name not in names:
            names.append(name)
    return kind, key, policy, names


def _label_of(kind: str, data: dict[str, Any]) -> str:
    if kind == "contacts":
        name = contact_service.display_name(data.get("first_name") or "", data.get("last_name") or "")
        email = next((e for _, e in data.get("emails", [])), None)
        return f"{name} <{email}>" if name and email else name or email or "?"
    if kind == "companies":
        return str(data.get("name") or "?")
    if kind == "interactions":
        return str(data.get("summary") or (data.get("body") or "?").splitlines()[0])
    return str(data.get("title") or "?")


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    """Fold ``new`` into ``into``: scalars replaced, emails/phones/tags added, custom fields set."""
    for key, value in new.items():
        if key in ("emails", "phones"):
            have = into.setdefault(key, [])
            keys = {_item_key(key, v) for _, v in have}
            for label, item in value:
                if _item_key(key, item) not in keys:
                    have.append((label, item))
                    keys.add(_item_key(key, item))
        elif key == "tags":
            have_tags = into.setdefault("tags", [])
            for tag in value:
                if tag not in have_tags:
                    have_tags.append(tag)
        elif key == "fields":
            into.setdefault("fields", {}).update(value)
        else:
            into[key] = value


def _copy_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v for k, v in data.items()}


def _item_key(kind: str, value: str) -> str:
    return value.lower() if kind == "emails" else phone_key(value)


def _allocate_ids(conn: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, safe inside the write transaction."""
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        ids = conn.execute(sa.text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": seq, "n": count}).all()
        return sorted(int(r[0]) for r in ids)
    start = int(conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0)
    return list(range(start + 1, start + 1 + count))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while an import runs.

    A large file becomes millions of small objects (cells, rows, tuples) that all live until the
    import ends; the collector would walk them again and again although none of them can be
    garbage yet. Measured: about 40 % of the time of a 100,000-contact import. Reference counting
    still frees everything as usual; the collector is restored afterwards.

    Objects made while the collector is paused all sit in its youngest generation, so the first
    collection after it resumes would walk every one that the result still holds (0.3 s after
    100,000 contacts). ``freeze`` + ``unfreeze`` moves them to the oldest generation in one step
    instead, where they are examined with the program's other long-lived objects.

    Automatic collections are paused with a zero threshold rather than ``gc.disable()``: the
    ``crm`` entry point turns the collector off for its first second and back on from a timer,
    which would otherwise switch it on again in the middle of an import.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(0)
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.set_threshold(*threshold)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _table(model: Any) -> sa.Table:
    return model.__table__  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------
# Reading rows fast
# ---------------------------------------------------------------------------

_FAST_SCALARS = {"text", "notes", "street"}


def fast_records(table: csvread.Table, mapping: csvread.Mapping, record_type: str) -> list[csvread.ParsedRow] | None:
    """The rows of ``table`` as :func:`termcrm.io.csvread.records` reads them, several times faster, for
    the common simple mappings (one column per field: no numbered groups, label columns, split
    birthdays or formats that pick one of several values per cell, such as Google's).

    Returns None when the mapping is not that simple; the caller then uses ``records``. A test
    checks that both give the same rows for arbitrary cells.
    """
    kind = csvread.record_type_name(record_type)
    spec = csvread.FORMATS.get(mapping.format or "generic", csvread.FORMATS["generic"])
    if spec.multi_scalars:
        return None
    kinds = csvread._KINDS[kind]
    order = mapping.date_order or spec.date_order
    columns: list[tuple[int, str, str, str | None]] = []
    seen: set[str] = set()
    for index, column in enumerate(table.header):
        target = mapping.target(column)
        if target is None:
            continue
        parsed = csvread._parse_target(target, kind)
        if parsed is None:
            continue
        base = parsed.base
        if parsed.group or parsed.label or base in ("address", "birth_year", "birth_month", "birth_day"):
            return None
        if base == "field":
            columns.append((index, column, "field", parsed.arg))
            continue
        if base not in ("emails", "phones", "tags"):
            if base in seen:
                return None
            seen.add(base)
        columns.append((index, column, base, parsed.arg))
    needed, message = csvread._REQUIRED[kind]
    width = len(table.header)
    unescape = csvread.unescape_formula if spec.unescape else None
    list_sep = re.compile(spec.list_sep)
    simple_sep = spec.list_sep in (";", r"\s*[,;]\s*")
    tag_sep = re.compile(spec.tag_sep)
    drop = re.compile(spec.drop_labels, re.I) if spec.drop_labels else None
    email_sep = re.compile(r"[;,]")
    labelled = spec.labelled_items
    split_labelled = csvread._split_labelled
    normalize_email = csvread.normalize_email
    normalize_label = csvread.normalize_label
    convert = csvread._convert
    spaces = re.compile(r"[ \t]+")
    blanks = re.compile(r"\s+")
    cell_error = csvread.CellError
    # (cell index, column, code, field, label) with codes: 0 text, 1 notes, 2 street, 3 other scalar,
    # 4 emails, 5 phones, 6 tags, 7 custom field.
    plan: list[tuple[int, str, int, str, str]] = []
    for index, column, base, arg in columns:
        if base == "emails" or base == "phones":
            plan.append((index, column, 4 if base == "emails" else 5, base, normalize_label(arg)))
        elif base == "tags":
            plan.append((index, column, 6, base, ""))
        elif base == "field":
            plan.append((index, column, 7, arg or "", ""))
        else:
            code = {"text": 0, "notes": 1, "street": 2}.get(kinds[base], 3)
            plan.append((index, column, code, base, kinds[base]))
    is_contact = kind == "contacts"
    out: list[csvread.ParsedRow] = []
    for row in table.rows:
        cells = row.cells
        count = len(cells)
        line = row.line
        errors: list[csvread.CellError] = []
        if row.ragged:
            errors.append(cell_error(line, None, f"{count} cells, header has {width}"))
        email_errors: list[csvread.CellError] = []
        phone_errors: list[csvread.CellError] = []
        data: dict[str, Any] = {}
        emails: list[tuple[str, str]] = []
        phones: list[tuple[str, str]] = []
        email_keys: set[str] = set()
        phone_keys: set[str] = set()
        tags: list[str] = []
        custom: dict[str, str] = {}
        for index, column, code, name, extra in plan:
            if index >= count:
                continue
            cell = cells[index]
            if unescape is not None:
                cell = unescape(cell)
            value = cell.strip()
            if not value:
                continue
            if code == 0:
                data[name] = spaces.sub(" ", value) if ("  " in value or "\t" in value) else value
            elif code == 4 or code == 5:
                if simple_sep and ";" not in value and "," not in value:
                    pieces = [value]  # what the splits below give for a single value, without the work
                else:
                    pieces = list_sep.split(value)
                    if code == 4:
                        pieces = [bit for piece in pieces for bit in email_sep.split(piece)]
                for piece in pieces:
                    piece = piece.strip()
                    if not piece:
                        continue
                    item_label = extra
                    if labelled:
                        own, piece = split_labelled(piece)
                        if own is not None:
                            item_label = normalize_label(own)
                    if code == 4:
                        if piece[:3].lower() == "/o=":
                            continue
                        try:
                            piece = normalize_email(piece)
                        except ValueError as exc:
                            email_errors.append(cell_error(line, column, str(exc)))
                            continue
                        key = piece.lower()
                        if key not in email_keys:
                            email_keys.add(key)
                            emails.append((item_label, piece))
                    else:
                        if piece[:4].lower() == "tel:":
                            piece = piece[4:].strip()
                        if not any(map(str.isdigit, piece)):
                            phone_errors.append(cell_error(line, column, f"{piece!r} is not a phone number"))
                            continue
                        if "  " in piece or not piece.isprintable():  # else \s+ is only single spaces
                            piece = blanks.sub(" ", piece)
                        key = piece.lower()
                        if key not in phone_keys:
                            phone_keys.add(key)
                            phones.append((item_label, piece))
            elif code == 6:
                for tag in tag_sep.split(value):
                    tag = tag.strip()
                    if "  " in tag or not tag.isprintable():  # every \s is unprintable but the space
                        tag = blanks.sub(" ", tag)
                    if not tag or (drop is not None and drop.fullmatch(tag)):
                        continue
                    if tag not in tags:
                        tags.append(tag)
            elif code == 1:
                data[name] = value.replace("\r\n", "\n").replace("\r", "\n")
            elif code == 2:
                data[name] = value
            elif code == 7:
                custom.setdefault(name, value)
            else:
                try:
                    converted = convert(extra, value, order)
                except ValueError as exc:
                    errors.append(cell_error(line, column, str(exc)))
                    continue
                if converted is not None:
                    data[name] = converted
        if email_errors:
            errors.extend(email_errors)  # after the scalars' errors, as records() orders them
        if phone_errors:
            errors.extend(phone_errors)
        if emails:
            data["emails"] = emails
        if phones:
            data["phones"] = phones
        if tags:
            data["tags"] = tags
        if custom:
            data["fields"] = {key: value.replace("\r\n", "\n") for key, value in custom.items()}
        if is_contact and "name" in data and not data.get("first_name") and not data.get("last_name"):
            first, last = csvread.split_name(data["name"])
            if first:
                data["first_name"] = first
            if last:
                data["last_name"] = last
        if not row.ragged:
            for name in needed:
                if data.get(name):
                    break
            else:
                errors.append(cell_error(line, None, message))
        out.append(csvread.ParsedRow(line=line, data=data, errors=errors))
    return out


# ---------------------------------------------------------------------------
# Bulk writes
# ---------------------------------------------------------------------------


def _executemany(conn: sa.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run ``sql`` for each of ``rows`` (sequences of values in the driver's form) on the DBAPI cursor of
    ``conn``, inside its transaction: for 100,000 rows the statement layer's checks and conversions
    cost more than they protect. Driver errors come out as SQLAlchemy's (IntegrityError...), as
    ``Connection.execute`` raises them."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(rows), 20000):
            cursor.executemany(sql, rows[start : start + 20000])
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc
    finally:
        cursor.close()


def _copy(conn: sa.Connection, target: str, rows: Sequence[Sequence[Any]]) -> None:
    """PostgreSQL: ``COPY target FROM STDIN`` with ``rows``, through psycopg, inside the transaction.

    Measured for 100,000 contacts on a local server: the whole import took 28 s with executemany,
    16 s with COPY (most of the rest is the server maintaining the tsvector index and checking
    foreign keys). Values are adapted as for a query, so the rows are the same as executemany's.
    """
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    sql = f"COPY {target} FROM STDIN"
    try:
        with cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc
    finally:
        cursor.close()


def _bulk_insert(conn: sa.Connection, model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT ``rows`` (sequences of values already in the driver's form): the DBAPI's executemany on
    SQLite, COPY on PostgreSQL."""
    if not rows:
        return
    table = _table(model)
    prep = conn.dialect.identifier_preparer
    if conn.dialect.name == "postgresql":
        _copy(conn, f"{prep.format_table(table)} ({', '.join(prep.quote(c) for c in columns)})", rows)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {prep.format_table(table)} ({', '.join(prep.quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    with bulk.indexes_deferred(conn, table.name, len(rows)):
        _executemany(conn, sql, rows)


def _binder(conn: sa.Connection, model: Any, column: str) -> Callable[[Any], Any]:
    """How a value of ``model.column`` is handed to the driver (dates, times, booleans on SQLite)."""
    kind = _table(model).c[column].type
    process = kind.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if process is None:
        return lambda value: value
    return lambda value: None if value is None else process(value)


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


@_gc_paused()
def import_csv(
    session: Session,
    data: bytes,
    *,
    record_type: str = "contacts",
    source: str = "",
    encoding: str | None = None,
    delimiter: str | None = None,
    fmt: str | None = None,
    mapping: csvread.Mapping | None = None,
    maps: Sequence[str] = (),
    match: str | None = None,
    on_duplicate: str = "skip",
    tags: Sequence[str] = (),
    skip_invalid: bool = False,
    dry_run: bool = False,
    campaign: str | int | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import the CSV file ``data`` (see the module docstring for the phases and rules).

    ``mapping`` is a loaded mapping file and ``maps`` the ``--map`` options;
    ``fmt`` forces a format by name. ``campaign`` is required for
    ``record_type="campaign-responses"``. Raises :class:`InvalidRows` when rows
    are invalid and ``skip_invalid`` is false, :class:`InvalidFile` when the
    file cannot be read at all, :class:`Invalid` for bad options.
    """
    kind, key, policy, tag_names = _check_options(record_type, match, on_duplicate, tags)
    report = progress or _quiet
    moment = dates.as_utc(now) if now is not None else utcnow()
    if kind == "campaign-responses":
        return _import_responses(session, data, campaign, source, encoding, delimiter, skip_invalid, dry_run, moment)
    if campaign is not None:
        raise Invalid("--campaign goes with --type campaign-responses")
    overrides = csvread.parse_map_option(list(maps), kind)
    name = fmt or (mapping.format if mapping is not None else None)
    forced = csvread.get_format(name) if name else None
    report("reading", 0, 1)
    text = csvread.decode(data, encoding)
    table = csvread.read_table(text, delimiter)
    spec = forced or csvread.detect_format(table.header, kind)
    built = csvread.build_mapping(table.header, spec, kind, [mapping])
    built = csvread.build_mapping(table.header, spec, kind, [built, overrides], strict=True)
    total = len(table.rows)
    inputs: list[_Input] = []
    parsed_rows = fast_records(table, built, kind) or csvread.records(table, built, kind)
    for index, (row, parsed) in enumerate(zip(table.rows, parsed_rows, strict=True)):
        problems = [Problem(e.line, e.column, e.message) for e in parsed.errors] if parsed.errors else []
        inputs.append(_Input(parsed.line, parsed.data, problems, row.cells))
        if index % _PROGRESS_EVERY == 0:
            report("reading", index, total)
    report("reading", total, total)
    result = ImportResult(
        record_type=kind,
        source=source,
        format=spec.name,
        format_title=spec.title,
        mapping=built.mapped(),
        unmapped=built.unmapped(table.header),
        header=list(table.header),
        delimiter=table.delimiter,
        rows=total,
        dry_run=dry_run,
        match=key,
        on_duplicate=policy,
    )
    columns = _columns_by_field(built)
    options = _Options(kind, key, policy, tag_names, skip_invalid, dry_run, source, "csv", report, moment)
    return _run(session, inputs, columns, options, result)


@_gc_paused()
def import_vcards(
    session: Session,
    cards: Sequence[Any],
    *,
    source: str = "",
    match: str | None = None,
    on_duplicate: str = "skip",
    tags: Sequence[str] = (),
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import contacts read by :func:`termcrm.io.vcard.parse_vcards` (or ``parse_vcard_dir``).

    A card's UID is kept as the contact's external id, so a later import of the
    same card matches it; a UID ``termcrm-contact-N`` (termcrm's own export)
    also matches contact N. Otherwise the rules of :func:`import_csv` apply.
    """
    kind, key, policy, tag_names = _check_options("contacts", match, on_duplicate, tags)
    moment = dates.as_utc(now) if now is not None else utcnow()
    inputs: list[_Input] = []
    for card in cards:
        data = card.to_data()
        uid = card.uid
        if uid and not data.get("external_id") and not _OWN_UID.fullmatch(uid):
            data["external_id"] = uid
        problems = [Problem(e.line, e.property, e.message, e.file) for e in card.errors]
        inputs.append(_Input(card.line, data, problems, [], uid))
    result = ImportResult(
        record_type="contacts",
        source=source,
        format="vcard",
        format_title="vCard",
        rows=len(inputs),
        dry_run=dry_run,
        match=key,
        on_duplicate=policy,
    )
    columns = {"emails": ["EMAIL"], "phones": ["TEL"], "stage": ["X-TERMCRM-STAGE"], "birthday": ["BDAY"]}
    options = _Options(kind, key, policy, tag_names, skip_invalid, dry_run, source, "vcard", progress or _quiet, moment)
    files = {id(inp): getattr(card, "file", None) for inp, card in zip(inputs, cards, strict=True)}
    for inp in inputs:
        for problem in inp.problems:
            problem.file = problem.file or files[id(inp)]
    return _run(session, inputs, columns, options, result, files=files)


_OWN_UID = re.compile(r"termcrm-contact-(\d{1,18})")


def _columns_by_field(mapping: csvread.Mapping) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for column, target in mapping.mapped().items():
        m = re.match(r"[a-z_]+", target)
        if not m:
            continue
        base = m.group()
        if base == "address":
            base = "street"
        if base in ("birth_year", "birth_month", "birth_day"):
            base = "birthday"
        out.setdefault(base, []).append(column)
    return out


def _run(
    session: Session,
    inputs: list[_Input],
    columns: dict[str, list[str]],
    options: _Options,
    result: ImportResult,
    files: dict[int, str | None] | None = None,
) -> ImportResult:
    from termcrm.models import ImportBatch

    checker = _Checker(columns, files or {}, result.header)
    planners = {
        "contacts": _plan_contacts,
        "companies": _plan_companies,
        "deals": _plan_deals,
        "interactions": _plan_interactions,
        "followups": _plan_followups,
    }
    plans, invalid = planners[options.record_type](session, inputs, checker, options)
    result.invalid = invalid
    if invalid and not options.skip_invalid:
        raise InvalidRows(invalid, result.header, result.delimiter)
    outcomes = sorted((o for p in plans for o in p.outcomes), key=lambda o: o.line)
    result.outcomes = outcomes
    result.created = sum(1 for o in outcomes if o.action == "create")
    result.updated = sum(1 for o in outcomes if o.action == "update")
    result.skipped = sum(1 for o in outcomes if o.action == "skip")
    if options.dry_run:
        return result
    batch = ImportBatch(
        kind=options.record_type if options.kind == "csv" else "vcard",
        source=options.source[:500],
        format=result.format,
        user_id=history.acting_user_id(session),
        at=options.now,
        created_count=result.created,
        updated_count=result.updated,
        skipped_count=result.skipped + len(invalid),
    )
    session.add(batch)
    session.flush()
    assert batch.id is not None
    result.batch_id = batch.id
    writers = {
        "contacts": _write_contacts,
        "companies": _write_companies,
        "deals": _write_deals,
        "interactions": _write_interactions,
        "followups": _write_followups,
    }
    writers[options.record_type](session, [p for p in plans if p.action != "skip"], batch.id, options)
    for plan in plans:
        for outcome in plan.outcomes:
            outcome.record_id = plan.record_id if plan.action != "skip" else plan.target_id
    noun = options.record_type if options.kind == "csv" else "contacts from vCards"
    history.set_summary(
        session,
        f"import {noun} from {options.source or 'standard input'} (batch #{batch.id}: "
        f"{result.created} created, {result.updated} updated, {result.skipped} skipped)",
    )
    return result


class _Checker:
    """Collects the problems of one row and names the column each is about."""

    def __init__(self, columns: dict[str, list[str]], files: dict[int, str | None], header: list[str]) -> None:
        self.columns = columns
        self.files = files
        self.header = header

    def column(self, inp: _Input, name: str, value: Any = None) -> str | None:
        """The column of field ``name`` (the one whose cell holds ``value``, when several map to it)."""
        candidates = self.columns.get(name, [])
        if not candidates:
            return None
        header = self.header
        if value is not None and inp.cells:
            text = str(value).lower()
            for column in candidates:
                if column in header:
                    index = header.index(column)
                    if index < len(inp.cells) and text in inp.cells[index].lower():
                        return column
        return candidates[0]

    def problem(self, inp: _Input, name: str | None, message: str, value: Any = None) -> None:
        column = self.column(inp, name, value) if name else None
        inp.problems.append(Problem(inp.line, column, message, self.files.get(id(inp))))


def _invalid(inp: _Input, kind: str) -> InvalidRow:
    return InvalidRow(inp.line, inp.problems, inp.cells, _label_of(kind, inp.data))


# ---------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------


def _check_contact(inp: _Input, checker: _Checker, extra_tags: list[str]) -> None:
    data = inp.data
    for _label, email in data.get("emails", []):
        if not EMAIL_RE.match(email):
            checker.problem(inp, "emails", f"{email!r} is not an email address", email)
    for _label, phone in data.get("phones", ()):
        try:
            check_phone(phone)
        except Invalid as exc:
            checker.problem(inp, "phones", exc.message, phone)
    stage = data.get("stage")
    if stage is not None and stage not in STAGES:
        checker.problem(inp, "stage", f"stage {stage!r} is not one of: {', '.join(STAGES)}", stage)
    if not data.get("first_name") and not data.get("last_name") and data.get("emails") and not inp.problems:
        data["first_name"] = data["emails"][0][1].split("@")[0]
    data.pop("name", None)
    names: list[str] = []
    for raw in [*data.get("tags", []), *extra_tags]:
        name = tag_name(raw)
        if name and name not in names:
            names.append(name)
    if names:
        data["tags"] = names
    else:
        data.pop("tags", None)
    fields = data.get("fields")
    if fields:
        data["fields"] = {k.strip(): v for k, v in fields.items() if k.strip() and v.strip()}


def _contact_keys(data: dict[str, Any], match: str) -> list[str]:
    if match == "email":
        return [e.lower() for _, e in data.get("emails", [])]
    if match == "phone":
        return [k for k in (phone_key(p) for _, p in data.get("phones", [])) if len(k) >= 6]
    if match == "name":
        name = contact_service.display_name(data.get("first_name") or "", data.get("last_name") or "")
        return [name.casefold()] if name else []
    if match == "external_id":
        return [data["external_id"]] if data.get("external_id") else []
    if match == "id":
        return [str(data["id"])] if data.get("id") is not None else []
    return []


def _lookup_contacts(conn: sa.Connection, match: str, keys: set[str]) -> dict[str, list[int]]:
    """Live contacts by match key (several ids when the key is shared)."""
    from termcrm.models import Contact, ContactEmail, ContactPhone

    found: dict[str, list[int]] = {}
    if not keys or match == "none":
        return found
    c = _table(Contact)
    if conn.execute(sa.select(c.c.id).limit(1)).first() is None:
        return found  # an empty database: nothing to match (and no need to send every key)
    live = c.c.archived_at.is_(None)
    if match == "name":
        for cid, name in conn.execute(sa.select(c.c.id, c.c.display_name).where(live).order_by(c.c.id)):
            folded = str(name).casefold()
            if folded in keys:
                found.setdefault(folded, []).append(int(cid))
        return found
    ordered = sorted(keys)
    for chunk in _chunks(ordered):
        if match == "email":
            e = _table(ContactEmail)
            stmt = sa.select(e.c.email_key, e.c.contact_id).join(c, c.c.id == e.c.contact_id)
            stmt = stmt.where(live, e.c.email_key.in_(chunk))
        elif match == "phone":
            p = _table(ContactPhone)
            stmt = sa.select(p.c.phone_key, p.c.contact_id).join(c, c.c.id == p.c.contact_id)
            stmt = stmt.where(live, p.c.phone_key.in_(chunk))
        elif match == "external_id":
            stmt = sa.select(c.c.external_id, c.c.id).where(live, c.c.external_id.in_(chunk))
        else:
            numbers = [int(k) for k in chunk if k.isdigit()]
            stmt = sa.select(sa.cast(c.c.id, sa.String), c.c.id).where(live, c.c.id.in_(numbers))
        for key, cid in conn.execute(stmt):
            found.setdefault(str(key), []).append(int(cid))
    for ids in found.values():
        ids.sort()
    return found


def _uid_matches(conn: sa.Connection, uids: set[str]) -> dict[str, int]:
    """Contacts a vCard UID names: by external id, or ``termcrm-contact-N``."""
    from termcrm.models import Contact

    out: dict[str, int] = {}
    if not uids:
        return out
    c = _table(Contact)
    live = c.c.archived_at.is_(None)
    for chunk in _chunks(sorted(uids)):
        for ext, cid in conn.execute(
            sa.select(c.c.external_id, c.c.id).where(live, c.c.external_id.in_(chunk)).order_by(c.c.id)
        ):
            out.setdefault(str(ext), int(cid))
    own = {int(m.group(1)): uid for uid in uids if uid not in out and (m := _OWN_UID.fullmatch(uid))}
    for chunk in _chunks(sorted(own)):
        for (cid,) in conn.execute(sa.select(c.c.id).where(live, c.c.id.in_(chunk))):
            out[own[int(cid)]] = int(cid)
    return out


def _dedupe(
    inputs: list[_Input],
    kind: str,
    keys_of: Callable[[dict[str, Any]], list[str]],
    db_matches: dict[str, list[int]],
    options: _Options,
    checker: _Checker,
    preset: dict[int, int] | None = None,
    ambiguous_is_error: bool = False,
    what: str = "record",
) -> list[_Plan]:
    """Decide create / update / skip for each valid input (problems found here are added to it)."""
    plans: list[_Plan] = []
    by_key: dict[str, _Plan] = {}
    by_target: dict[int, _Plan] = {}
    policy = options.on_duplicate
    preset = preset or {}
    for inp in inputs:
        if inp.problems:
            continue
        data = inp.data
        keys = keys_of(data) if policy != "create" else []
        target: int | None = preset.get(id(inp)) if preset else None
        if target is None and db_matches:
            for k in keys:
                ids = db_matches.get(k)
                if not ids:
                    continue
                if len(ids) > 1 and ambiguous_is_error:
                    shown = ", ".join(f"#{i}" for i in ids[:5])
                    checker.problem(
                        inp, options.match, f"{k!r} matches several {what}s ({shown}); use another --match", k
                    )
                    break
                target = ids[0]
                break
            if inp.problems:
                continue
        earlier = by_target.get(target) if target is not None else None
        if earlier is None:
            for k in keys:
                earlier = by_key.get(k)
                if earlier is not None:
                    break
        if earlier is not None:
            if policy == "update":
                if not earlier.own:
                    earlier.data = _copy_data(earlier.data)  # the earlier row keeps its own values
                    earlier.own = True
                _merge(earlier.data, data)
                note = f"merged into line {earlier.line}"
                earlier.outcomes.append(Outcome(inp.line, "update", note=note, kind=kind, data=data))
            else:
                earlier_what = "the same record as line" if earlier.target_id is not None else "a duplicate of line"
                note = f"{earlier_what} {earlier.line}"
                earlier.outcomes.append(Outcome(inp.line, "skip", note=note, kind=kind, data=data))
            for k in keys:
                by_key.setdefault(k, earlier)
            continue
        if target is not None:
            if policy == "update":
                plan = _Plan(inp.line, "update", data, target)
                plan.outcomes.append(
                    Outcome(inp.line, "update", None, target, f"matches #{target}", kind=kind, data=data)
                )
            else:
                plan = _Plan(inp.line, "skip", data, target)
                plan.outcomes.append(
                    Outcome(inp.line, "skip", None, target, f"exists as #{target}", kind=kind, data=data)
                )
            by_target[target] = plan
        else:
            plan = _Plan(inp.line, "create", data)
            plan.outcomes.append(Outcome(inp.line, "create", kind=kind, data=data))
        for k in keys:
            by_key.setdefault(k, plan)
        plans.append(plan)
    return plans


def _plan_contacts(
    session: Session, inputs: list[_Input], checker: _Checker, options: _Options
) -> tuple[list[_Plan], list[InvalidRow]]:
    conn = session.connection()
    total = len(inputs)
    for index, inp in enumerate(inputs):
        if not inp.problems:
            _check_contact(inp, checker, options.tags)
        if index % _PROGRESS_EVERY == 0:
            options.progress("checking", index, total)
    options.progress("checking", total, total)
    keys: set[str] = set()
    by_row: dict[int, list[str]] = {}
    if options.on_duplicate != "create":
        for inp in inputs:
            if not inp.problems:
                row_keys = by_row[id(inp.data)] = _contact_keys(inp.data, options.match)
                keys.update(row_keys)
    db = _lookup_contacts(conn, options.match, keys) if options.on_duplicate != "create" else {}
    preset: dict[int, int] = {}
    uids = {inp.uid for inp in inputs if inp.uid and not inp.problems}
    if uids and options.on_duplicate != "create":
        by_uid = _uid_matches(conn, uids)
        preset = {id(inp): by_uid[inp.uid] for inp in inputs if inp.uid in by_uid}
    plans = _dedupe(
        inputs,
        "contacts",
        lambda d: by_row[id(d)] if id(d) in by_row else _contact_keys(d, options.match),
        db,
        options,
        checker,
        preset,
        ambiguous_is_error=options.match == "name",
        what="contact",
    )
    invalid = [_invalid(inp, "contacts") for inp in inputs if inp.problems]
    return plans, invalid


def _ensure_tags(conn: sa.Connection, names: set[str], batch_id: int, items: list[dict[str, Any]]) -> dict[str, int]:
    """Tag ids by name, creating the missing tags (recorded as items of the batch)."""
    from termcrm.models import Tag

    tags = _table(Tag)
    out: dict[str, int] = {}
    ordered = sorted(names)
    for chunk in _chunks(ordered):
        for tid, name in conn.execute(sa.select(tags.c.id, tags.c.name).where(tags.c.name.in_(chunk))):
            out[str(name)] = int(tid)
    missing = [name for name in ordered if name not in out]
    ids = _allocate_ids(conn, tags, len(missing))
    if missing:
        conn.execute(tags.insert(), [{"id": i, "name": n} for i, n in zip(ids, missing, strict=True)])
        for i, n in zip(ids, missing, strict=True):
            out[n] = i
            items.append(_item(batch_id, "tag", i, "created"))
    return out


def _created_items(batch_id: int, entity: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The batch items of the records ``ids`` (ascending) a bulk insert created: one ``created_range``
    item (``entity_id`` the first id, ``before`` ``{"last_id": N}``) per run of consecutive ids, which
    is every id of the run on SQLite and nearly always on PostgreSQL; a lone id gets a ``created`` item.
    One item per record cost a fifth of a second and 4 MB for 100,000 contacts.
    """
    items: list[dict[str, Any]] = []
    start = 0
    for end in range(1, len(ids) + 1):
        if end < len(ids) and ids[end] == ids[end - 1] + 1:
            continue
        first, last = ids[start], ids[end - 1]
        if first == last:
            items.append(_item(batch_id, entity, first, "created"))
        else:
            items.append(_item(batch_id, entity, first, "created_range", {"last_id": last}))
        start = end
    return items


def _created_ids(items: Sequence[ImportItem], entity: str) -> list[int]:
    """The ids of the ``entity`` records the batch items say were created (ranges expanded)."""
    ids: list[int] = []
    for item in items:
        if item.entity != entity:
            continue
        if item.action == "created":
            ids.append(item.entity_id)
        elif item.action == "created_range":
            ids.extend(range(item.entity_id, int(json.loads(item.before or "{}")["last_id"]) + 1))
    return ids


def _item(batch_id: int, entity: str, entity_id: int, action: str, before: Any = None) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "before": json.dumps(before, sort_keys=True, ensure_ascii=False) if before is not None else None,
    }


def _ensure_companies(
    conn: sa.Connection, names: Sequence[str], batch_id: int, owner_id: int, now: datetime, items: list[dict[str, Any]]
) -> tuple[dict[str, int], list[int], dict[int, str]]:
    """Company ids by lower-cased name, creating missing ones; returns (ids, created ids, names by id)."""
    from termcrm.models import Company

    companies = _table(Company)
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(name.lower(), name)
    out: dict[str, int] = {}
    named: dict[int, str] = {}
    keys = sorted(by_key)
    empty = conn.execute(sa.select(companies.c.id).limit(1)).first() is None
    for chunk in _chunks([] if empty else keys):
        for cid, key, name in conn.execute(
            sa.select(companies.c.id, companies.c.name_key, companies.c.name).where(companies.c.name_key.in_(chunk))
        ):
            out[str(key)] = int(cid)
            named[int(cid)] = str(name)
    missing = [k for k in keys if k not in out]
    ids = _allocate_ids(conn, companies, len(missing))
    stamp = _binder(conn, Company, "created_at")(now)
    rows = []
    for cid, key in zip(ids, missing, strict=True):
        rows.append((cid, by_key[key], key, owner_id, stamp, stamp, 1))
        out[key] = cid
        named[cid] = by_key[key]
    items.extend(_created_items(batch_id, "company", ids))
    columns = ("id", "name", "name_key", "owner_id", "created_at", "updated_at", "version")
    _bulk_insert(conn, Company, columns, rows)
    return out, ids, named


def _contact_doc(
    cid: int, row: tuple[Any, ...], data: dict[str, Any], company: str | None, dialect: str
) -> tuple[Any, ...]:
    """The search document of a new contact, made as :func:`termcrm.services.search.write_docs` makes it
    (a test compares the two), from the values in hand instead of reading them back."""
    title = row[3]
    parts = [data.get("title"), company, data.get("city"), data.get("country"), data.get("notes")]
    parts += [e for _, e in data.get("emails", ())]
    parts += [p for _, p in data.get("phones", ())]
    parts += data.get("tags", ())
    try:
        body = " ".join(filter(None, parts))
    except TypeError:  # a value that is not text yet
        body = " ".join(str(v) for v in parts if v)
    return (cid, title, body + search._extra_words(title, body, dialect))


def _insert_docs(conn: sa.Connection, kind: str, docs: list[tuple[Any, ...]]) -> None:
    """Add (id, title, body) documents of new records to the search index."""
    if not docs:
        return
    rows: list[tuple[Any, ...]]
    if conn.dialect.name == "sqlite":
        code = search.KINDS[kind]
        rows = [(rid * 8 + code, kind, rid, title, body) for rid, title, body in docs]
        sql = "INSERT INTO search_fts(rowid, kind, ref_id, title, body) VALUES (?, ?, ?, ?, ?)"
    else:
        rows = [(kind, rid, title, body) for rid, title, body in docs]
        _copy(conn, "search_doc (kind, ref_id, title, body)", rows)
        return
    _executemany(conn, sql, rows)


_CONTACT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "display_name",
    "stage",
    "birthday",
    "company_id",
    "owner_id",
    "created_at",
    "updated_at",
    "version",
    *contact_service.PLAIN_FIELDS,
)
_ITEM_COLUMNS = ("batch_id", "entity", "entity_id", "action", "before")


def _write_contacts(session: Session, plans: list[_Plan], batch_id: int, options: _Options) -> None:
    from termcrm.models import Contact, ImportItem

    conn = session.connection()
    now = options.now
    owner_id = history.acting_user_id(session)
    items: list[dict[str, Any]] = []
    company_names = [p.data["company"] for p in plans if p.data.get("company")]  # file order: first spelling wins
    company_ids, new_companies, company_names_by_id = _ensure_companies(
        conn, company_names, batch_id, owner_id, now, items
    )
    dialect = conn.dialect.name
    docs: list[tuple[Any, ...]] = []
    tag_names = {t for p in plans for t in p.data.get("tags", [])}
    tag_ids = _ensure_tags(conn, tag_names, batch_id, items)
    creates = [p for p in plans if p.action == "create"]
    updates = [p for p in plans if p.action == "update"]
    total = len(plans)
    options.progress("writing", 0, total)
    ids = _allocate_ids(conn, _table(Contact), len(creates))
    stamp = _binder(conn, Contact, "created_at")(now)
    day = _binder(conn, Contact, "birthday")
    # Only the optional columns some row fills: binding 100,000 rows' worth of NULLs costs more than
    # the rest of the row (the columns left out are NULL all the same).
    keys: set[str] = set()
    for plan in creates:
        keys.update(plan.data)
    plain = tuple(name for name in contact_service.PLAIN_FIELDS if name in keys)
    columns = (*_CONTACT_COLUMNS[: -len(contact_service.PLAIN_FIELDS)], *plain)
    contact_rows: list[tuple[Any, ...]] = []
    children = _Children(conn)
    for index, (plan, cid) in enumerate(zip(creates, ids, strict=True)):
        data = plan.data
        plan.record_id = cid
        first = data.get("first_name") or ""
        last = data.get("last_name") or ""
        company = data.get("company")
        birthday = data.get("birthday")
        company_id = company_ids[company.lower()] if company else None
        row = (
            cid,
            first,
            last,
            f"{first} {last}" if first and last else first or last,
            data.get("stage") or "lead",
            day(birthday) if birthday is not None else None,
            company_id,
            owner_id,
            stamp,
            stamp,
            1,
            *map(data.get, plain),
        )
        contact_rows.append(row)
        docs.append(_contact_doc(cid, row, data, company_names_by_id.get(company_id or 0), dialect))
        if "emails" in data:
            children.add_emails(cid, data["emails"], set(), 0, False)
        if "phones" in data:
            children.add_phones(cid, data["phones"], set(), 0, False)
        for tag in data.get("tags", ()):
            children.tags.append((cid, tag_ids[tag]))
        if "fields" in data:
            for key, value in data["fields"].items():
                children.fields.append((cid, key, value))
        if index % _PROGRESS_EVERY == 0:
            options.progress("writing", index // 2, total)
    _bulk_insert(conn, Contact, columns, contact_rows)
    options.progress("writing", len(creates) // 2, total)
    updated_ids = _update_contacts(conn, updates, company_ids, tag_ids, children, batch_id, now, items)
    children.flush()
    options.progress("writing", total, total)
    items.extend(_created_items(batch_id, "contact", ids))
    _bulk_insert(conn, ImportItem, _ITEM_COLUMNS, [tuple(i[c] for c in _ITEM_COLUMNS) for i in items])
    options.progress("indexing", 0, 1)
    _insert_docs(conn, "contact", docs)
    if updated_ids:
        search.write_docs(session, "contact", sorted(updated_ids))
    if new_companies:
        search.write_docs(session, "company", new_companies, fresh=True)
    options.progress("indexing", 1, 1)


_EMAIL_COLUMNS = ("id", "contact_id", "email", "email_key", "label", "is_primary", "position")
_PHONE_COLUMNS = ("id", "contact_id", "phone", "phone_key", "label", "is_primary", "position")


class _Children:
    """Rows of contacts' (or companies') child tables, collected and inserted in bulk.

    Email and phone rows are lists in the order of ``_EMAIL_COLUMNS`` / ``_PHONE_COLUMNS``
    whose id (first item) is filled in by :meth:`assign_ids`.
    """

    def __init__(self, conn: sa.Connection) -> None:
        from termcrm.models import ContactEmail

        self.conn = conn
        self.emails: list[list[Any]] = []
        self.phones: list[list[Any]] = []
        self.tags: list[tuple[int, int]] = []
        self.fields: list[tuple[int, str, str]] = []
        flag = _binder(conn, ContactEmail, "is_primary")
        self.yes, self.no = flag(True), flag(False)

    def add_emails(
        self, cid: int, emails: list[tuple[str, str]], have: set[str], position: int, has_primary: bool
    ) -> list[list[Any]]:
        added = []
        for label, email in emails:
            key = email.lower()
            if key in have:
                continue
            have.add(key)
            row = [None, cid, email, key, label or None, self.no if has_primary else self.yes, position]
            has_primary = True
            position += 1
            self.emails.append(row)
            added.append(row)
        return added

    def add_phones(
        self, cid: int, phones: list[tuple[str, str]], have: set[str], position: int, has_primary: bool
    ) -> list[list[Any]]:
        added = []
        for label, phone in phones:
            key = phone_key(phone)
            if key in have:
                continue
            have.add(key)
            row = [None, cid, phone, key, label or None, self.no if has_primary else self.yes, position]
            has_primary = True
            position += 1
            self.phones.append(row)
            added.append(row)
        return added

    def assign_ids(self) -> None:
        """Give the collected email and phone rows their ids (so an update can record them)."""
        from termcrm.models import ContactEmail, ContactPhone

        for rows, model in ((self.emails, ContactEmail), (self.phones, ContactPhone)):
            fresh = [r for r in rows if r[0] is None]
            for row, new_id in zip(fresh, _allocate_ids(self.conn, _table(model), len(fresh)), strict=True):
                row[0] = new_id

    def flush(self, owner: str = "contact") -> None:
        from termcrm.models import CompanyField, CompanyTag, ContactEmail, ContactField, ContactPhone, ContactTag

        self.assign_ids()
        fk = f"{owner}_id"
        _bulk_insert(self.conn, ContactEmail, _EMAIL_COLUMNS, self.emails)
        _bulk_insert(self.conn, ContactPhone, _PHONE_COLUMNS, self.phones)
        _bulk_insert(self.conn, ContactTag if owner == "contact" else CompanyTag, (fk, "tag_id"), self.tags)
        _bulk_insert(self.conn, ContactField if owner == "contact" else CompanyField, (fk, "key", "value"), self.fields)
        for rows in (self.emails, self.phones, self.tags, self.fields):
            rows.clear()


def _existing_children(conn: sa.Connection, ids: list[int], owner: str) -> dict[str, dict[int, list[Any]]]:
    from termcrm.models import CompanyField, CompanyTag, ContactEmail, ContactField, ContactPhone, ContactTag

    out: dict[str, dict[int, list[Any]]] = {"emails": {}, "phones": {}, "tags": {}, "fields": {}}
    fk = f"{owner}_id"
    specs: list[tuple[str, Any, list[str]]] = [
        ("tags", CompanyTag if owner == "company" else ContactTag, ["tag_id"]),
        ("fields", CompanyField if owner == "company" else ContactField, ["id", "key", "value"]),
    ]
    if owner == "contact":
        specs += [
            ("emails", ContactEmail, ["email_key", "position", "is_primary"]),
            ("phones", ContactPhone, ["phone_key", "position", "is_primary"]),
        ]
    for name, model, cols in specs:
        t = _table(model)
        for chunk in _chunks(ids):
            for row in conn.execute(sa.select(t.c[fk], *[t.c[c] for c in cols]).where(t.c[fk].in_(chunk))):
                out[name].setdefault(int(row[0]), []).append(tuple(row[1:]))
    return out


def _update_contacts(
    conn: sa.Connection,
    plans: list[_Plan],
    company_ids: dict[str, int],
    tag_ids: dict[str, int],
    children: _Children,
    batch_id: int,
    now: datetime,
    items: list[dict[str, Any]],
) -> set[int]:
    """Apply updates: fields replaced, emails, phones, tags and custom fields added; the old values recorded."""
    from termcrm.models import Contact, ContactField

    if not plans:
        return set()
    table = _table(Contact)
    ids = [p.target_id for p in plans if p.target_id is not None]
    current: dict[int, Any] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(sa.select(table).where(table.c.id.in_(chunk))):
            current[int(row.id)] = row
    have = _existing_children(conn, ids, "contact")
    names = ("first_name", "last_name", "stage", "birthday", *contact_service.PLAIN_FIELDS)
    updates: list[dict[str, Any]] = []
    records: list[tuple[_Plan, dict[str, Any], list[list[Any]], list[list[Any]]]] = []
    for plan in plans:
        assert plan.target_id is not None
        cid = plan.target_id
        plan.record_id = cid
        row = current[cid]
        data = plan.data
        values: dict[str, Any] = {}
        old: dict[str, Any] = {}
        for name in names:
            if name in data and data[name] not in (None, "") and data[name] != getattr(row, name):
                if (
                    name in ("first_name", "last_name")
                    and str(data[name]).casefold() == str(getattr(row, name)).casefold()
                ):
                    continue  # a name that only differs in case (as matched by --match name) stays as it was
                values[name] = data[name]
                old[name] = history.to_json(getattr(row, name))
        if data.get("company"):
            company_id = company_ids[data["company"].lower()]
            if company_id != row.company_id:
                values["company_id"] = company_id
                old["company_id"] = row.company_id
        if "first_name" in values or "last_name" in values:
            first = values.get("first_name", row.first_name) or ""
            last = values.get("last_name", row.last_name) or ""
            values["display_name"] = contact_service.display_name(first, last)
            old["display_name"] = row.display_name
        emails = have["emails"].get(cid, [])
        phones = have["phones"].get(cid, [])
        new_emails = children.add_emails(
            cid,
            data.get("emails", []),
            {e[0] for e in emails},
            max((e[1] for e in emails), default=-1) + 1,
            any(e[2] for e in emails),
        )
        new_phones = children.add_phones(
            cid,
            data.get("phones", []),
            {p[0] for p in phones},
            max((p[1] for p in phones), default=-1) + 1,
            any(p[2] for p in phones),
        )
        tags_have = {t[0] for t in have["tags"].get(cid, [])}
        added_tags = []
        for tag in data.get("tags", []):
            tid = tag_ids[tag]
            if tid not in tags_have:
                tags_have.add(tid)
                added_tags.append(tid)
                children.tags.append((cid, tid))
        fields_have = {f[1]: (f[0], f[2]) for f in have["fields"].get(cid, [])}
        field_before: dict[str, str | None] = {}
        for key, value in data.get("fields", {}).items():
            if key in fields_have:
                fid, was = fields_have[key]
                if was != value:
                    field_before[key] = was
                    conn.execute(
                        sa.update(_table(ContactField)).where(_table(ContactField).c.id == fid).values(value=value)
                    )
            else:
                field_before[key] = None
                children.fields.append((cid, key, value))
        changed = bool(values or new_emails or new_phones or added_tags or field_before)
        version = int(row.version) + (1 if changed else 0)
        if changed:
            updates.append({"b_id": cid, **values, "version": version, "updated_at": now})
        before = {"values": old, "version": version, "tags": added_tags, "fields": field_before}
        records.append((plan, before, new_emails, new_phones))
    children.assign_ids()
    for plan, before, new_emails, new_phones in records:
        before["emails"] = [r[0] for r in new_emails]
        before["phones"] = [r[0] for r in new_phones]
        assert plan.target_id is not None
        items.append(_item(batch_id, "contact", plan.target_id, "updated", before))
    for values in updates:
        cid = values.pop("b_id")
        conn.execute(sa.update(table).where(table.c.id == cid).values(**values))
    return set(ids)


# ---------------------------------------------------------------------------
# Companies
# ---------------------------------------------------------------------------


def _company_keys(data: dict[str, Any], match: str) -> list[str]:
    if match == "name":
        return [data["name"].lower()] if data.get("name") else []
    if match == "domain":
        return [data["domain"]] if data.get("domain") else []
    if match == "external_id":
        return [data["external_id"]] if data.get("external_id") else []
    if match == "id":
        return [str(data["id"])] if data.get("id") is not None else []
    return []


def _plan_companies(
    session: Session, inputs: list[_Input], checker: _Checker, options: _Options
) -> tuple[list[_Plan], list[InvalidRow]]:
    from termcrm.models import Company

    conn = session.connection()
    t = _table(Company)
    for inp in inputs:
        if inp.problems:
            continue
        data = inp.data
        data["name"] = " ".join(str(data.get("name", "")).split())
        names: list[str] = []
        for raw in [*data.get("tags", []), *options.tags]:
            name = tag_name(raw)
            if name and name not in names:
                names.append(name)
        if names:
            data["tags"] = names
        else:
            data.pop("tags", None)
    keys = {k for inp in inputs if not inp.problems for k in _company_keys(inp.data, options.match)}
    db: dict[str, list[int]] = {}
    if options.on_duplicate != "create" and options.match != "none":
        column = {
            "name": t.c.name_key,
            "domain": t.c.domain,
            "external_id": t.c.external_id,
            "id": sa.cast(t.c.id, sa.String),
        }[options.match]
        for chunk in _chunks(sorted(keys)):
            stmt = sa.select(column, t.c.id).where(t.c.archived_at.is_(None), column.in_(chunk)).order_by(t.c.id)
            for key, cid in conn.execute(stmt):
                db.setdefault(str(key), []).append(int(cid))
    plans = _dedupe(
        inputs, "companies", lambda d: _company_keys(d, options.match), db, options, checker, what="company"
    )
    # Names are unique: a company created (or renamed) must not take a name that exists or is planned.
    names_in_db: dict[str, int] = {}
    wanted = sorted({p.data["name"].lower() for p in plans if p.action != "skip"})
    for chunk in _chunks(wanted):
        for cid, key in conn.execute(sa.select(t.c.id, t.c.name_key).where(t.c.name_key.in_(chunk))):
            names_in_db[str(key)] = int(cid)
    taken: dict[str, int] = {}
    kept: list[_Plan] = []
    by_line = {inp.line: inp for inp in inputs}
    for plan in plans:
        if plan.action == "skip":
            kept.append(plan)
            continue
        key = plan.data["name"].lower()
        inp = by_line[plan.line]
        other = names_in_db.get(key)
        if other is not None and other != plan.target_id:
            checker.problem(inp, "name", f"a company named {plan.data['name']!r} exists already (#{other})")
        elif key in taken:
            checker.problem(inp, "name", f"the company {plan.data['name']!r} is on line {taken[key]} too")
        else:
            taken[key] = plan.line
            kept.append(plan)
    invalid = [_invalid(inp, "companies") for inp in inputs if inp.problems]
    return kept, invalid


def _write_companies(session: Session, plans: list[_Plan], batch_id: int, options: _Options) -> None:
    from termcrm.models import Company, CompanyField, ImportItem

    conn = session.connection()
    now = options.now
    owner_id = history.acting_user_id(session)
    items: list[dict[str, Any]] = []
    tag_ids = _ensure_tags(conn, {t for p in plans for t in p.data.get("tags", [])}, batch_id, items)
    table = _table(Company)
    creates = [p for p in plans if p.action == "create"]
    updates = [p for p in plans if p.action == "update"]
    ids = _allocate_ids(conn, table, len(creates))
    rows = []
    children = _Children(conn)
    for plan, cid in zip(creates, ids, strict=True):
        data = plan.data
        plan.record_id = cid
        row: dict[str, Any] = {
            "id": cid,
            "name": data["name"],
            "name_key": data["name"].lower(),
            "owner_id": owner_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for name in _COMPANY_FIELDS:
            row[name] = data.get(name) or None
        rows.append(row)
        for tag in data.get("tags", []):
            children.tags.append((cid, tag_ids[tag]))
        for key, value in data.get("fields", {}).items():
            children.fields.append((cid, key, value))
    items.extend(_created_items(batch_id, "company", ids))
    options.progress("writing", 0, len(plans))
    for chunk in _chunks(rows):
        conn.execute(table.insert(), list(chunk))
    update_ids = [p.target_id for p in updates if p.target_id is not None]
    current: dict[int, Any] = {}
    for chunk in _chunks(update_ids):
        current.update({int(r.id): r for r in conn.execute(sa.select(table).where(table.c.id.in_(chunk)))})
    have = _existing_children(conn, update_ids, "company")
    for plan in updates:
        assert plan.target_id is not None
        cid = plan.target_id
        plan.record_id = cid
        cur = current[cid]
        data = plan.data
        values: dict[str, Any] = {}
        old: dict[str, Any] = {}
        for name in ("name", *_COMPANY_FIELDS):
            if data.get(name) not in (None, "") and data[name] != getattr(cur, name):
                if name == "name" and data[name].lower() == cur.name_key:
                    continue  # a name that only differs in case stays as it was
                values[name] = data[name]
                old[name] = getattr(cur, name)
        if "name" in values:
            values["name_key"] = values["name"].lower()
            old["name_key"] = cur.name_key
        tags_have = {t[0] for t in have["tags"].get(cid, [])}
        added_tags = []
        for tag in data.get("tags", []):
            if tag_ids[tag] not in tags_have:
                tags_have.add(tag_ids[tag])
                added_tags.append(tag_ids[tag])
                children.tags.append((cid, tag_ids[tag]))
        fields_have = {f[1]: (f[0], f[2]) for f in have["fields"].get(cid, [])}
        field_before: dict[str, str | None] = {}
        for key, value in data.get("fields", {}).items():
            if key in fields_have:
                fid, was = fields_have[key]
                if was != value:
                    field_before[key] = was
                    ft = _table(CompanyField)
                    conn.execute(sa.update(ft).where(ft.c.id == fid).values(value=value))
            else:
                field_before[key] = None
                children.fields.append((cid, key, value))
        changed = bool(values or added_tags or field_before)
        version = int(cur.version) + (1 if changed else 0)
        if changed:
            conn.execute(sa.update(table).where(table.c.id == cid).values(**values, version=version, updated_at=now))
        before = {"values": old, "version": version, "tags": added_tags, "fields": field_before}
        items.append(_item(batch_id, "company", cid, "updated", before))
    children.flush(owner="company")
    options.progress("writing", len(plans), len(plans))
    for chunk in _chunks(items):
        conn.execute(_table(ImportItem).insert(), list(chunk))
    search.write_docs(session, "company", ids, fresh=True)
    if update_ids:
        search.write_docs(session, "company", sorted(update_ids))
        # A contact's search document holds its company's name.
        search.reindex(session, [("company", i) for i in update_ids])


_COMPANY_FIELDS = (
    "domain",
    "industry",
    "size",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "website",
    "notes",
    "external_id",
)


# ---------------------------------------------------------------------------
# Deals, interactions, follow-ups: through their services
# ---------------------------------------------------------------------------


class _Refs:
    """Resolves the references of a file's rows once each, turning errors into row problems."""

    def __init__(self, session: Session, checker: _Checker) -> None:
        self.session = session
        self.checker = checker
        self.cache: dict[tuple[str, str], Any] = {}

    def get(self, inp: _Input, what: str, column: str, ref: str, resolve: Callable[[str], Any]) -> Any:
        key = (what, ref.strip().lower())
        if key not in self.cache:
            try:
                self.cache[key] = resolve(ref)
            except (NotFound, Ambiguous, Invalid) as exc:
                self.cache[key] = exc
        found = self.cache[key]
        if isinstance(found, CrmError):
            self.checker.problem(inp, column, found.message, ref)
            return None
        return found

    def contact(self, inp: _Input, ref: str) -> Contact | None:
        return self.get(inp, "contact", "contact", ref, lambda r: refs.contact(self.session, r))  # type: ignore[no-any-return]

    def company(self, inp: _Input, ref: str) -> Company | None:
        def find(r: str) -> Company:
            found = refs.find_company(self.session, r)
            if found is None:
                found = refs.company(self.session, r)
            return found

        return self.get(inp, "company", "company", ref, find)  # type: ignore[no-any-return]

    def user(self, inp: _Input, column: str, ref: str) -> User | None:
        return self.get(inp, "user", column, ref, lambda r: refs.user(self.session, r))  # type: ignore[no-any-return]


def _links(inp: _Input, resolver: _Refs) -> tuple[Contact | None, Company | None]:
    data = inp.data
    contact = resolver.contact(inp, data["contact"]) if data.get("contact") else None
    company = resolver.company(inp, data["company"]) if data.get("company") else None
    return contact, company


def _simple_keys(match: str, title_key: str) -> Callable[[dict[str, Any]], list[str]]:
    def keys(data: dict[str, Any]) -> list[str]:
        if match == "name" and data.get(title_key):
            return [" ".join(str(data[title_key]).split()).lower()]
        if match == "id" and data.get("id") is not None:
            return [str(data["id"])]
        return []

    return keys


def _lookup_simple(conn: sa.Connection, model: Any, match: str, title_col: str, keys: set[str]) -> dict[str, list[int]]:
    t = _table(model)
    found: dict[str, list[int]] = {}
    if match == "none" or not keys:
        return found
    live = t.c.archived_at.is_(None)
    if match == "name":
        for rid, title in conn.execute(sa.select(t.c.id, t.c[title_col]).where(live).order_by(t.c.id)):
            key = " ".join(str(title).split()).lower()
            if key in keys:
                found.setdefault(key, []).append(int(rid))
        return found
    numbers = sorted(int(k) for k in keys if k.isdigit())
    for chunk in _chunks(numbers):
        for (rid,) in conn.execute(sa.select(t.c.id).where(live, t.c.id.in_(chunk))):
            found[str(rid)] = [int(rid)]
    return found


def _plan_deals(
    session: Session, inputs: list[_Input], checker: _Checker, options: _Options
) -> tuple[list[_Plan], list[InvalidRow]]:
    from termcrm.models import Deal
    from termcrm.services import pipelines

    resolver = _Refs(session, checker)
    settings = session.info.get("settings")
    default_currency = settings.currency if settings else "USD"
    for index, inp in enumerate(inputs):
        if index % _PROGRESS_EVERY == 0:
            options.progress("checking", index, len(inputs))
        if inp.problems:
            continue
        data = inp.data
        contact, company = _links(inp, resolver)
        if not data.get("contact") and not data.get("company"):
            checker.problem(inp, None, "a deal needs a contact or a company (columns contact or company)")
        pipeline = resolver.get(
            inp, "pipeline", "pipeline", data.get("pipeline") or "", lambda r: pipelines.get_pipeline(session, r)
        )
        stage = None
        if pipeline is not None and data.get("stage"):
            stage = resolver.get(
                inp,
                f"stage:{pipeline.id}",
                "stage",
                data["stage"],
                _stage_resolver(session, pipeline),
            )
        currency = data.get("currency") or default_currency
        if data.get("amount"):
            try:
                amount = money.parse_amount(data["amount"], currency)
                if amount < 0:
                    raise Invalid("a deal's amount cannot be negative")
            except Invalid as exc:
                checker.problem(inp, "amount", exc.message, data["amount"])
        if data.get("owner"):
            resolver.user(inp, "owner", data["owner"])
        data["_links"] = (contact, company, pipeline, stage)
    keys_of = _simple_keys(options.match, "title")
    keys = {k for inp in inputs if not inp.problems for k in keys_of(inp.data)}
    db = _lookup_simple(session.connection(), Deal, options.match, "title", keys)
    plans = _dedupe(inputs, "deals", keys_of, db, options, checker, ambiguous_is_error=True, what="deal")
    return _valid_plans(plans, inputs), [_invalid(i, "deals") for i in inputs if i.problems]


def _stage_resolver(session: Session, pipeline: Any) -> Callable[[str], Any]:
    from termcrm.services import pipelines

    return lambda ref: pipelines.resolve_stage(session, pipeline, ref)


def _valid_plans(plans: list[_Plan], inputs: list[_Input]) -> list[_Plan]:
    bad = {inp.line for inp in inputs if inp.problems}
    return [p for p in plans if p.line not in bad]


def _snapshot(obj: Any) -> dict[str, Any]:
    return {k: history.to_json(v) for k, v in obj.model_dump().items() if k not in ("version", "updated_at")}


def _orm_items(session: Session, batch_id: int, entity: str, plans: list[_Plan], before: dict[int, Any]) -> None:
    from termcrm.models import ImportItem

    conn = session.connection()
    rows = []
    for plan in plans:
        if plan.record_id is None:
            continue
        if plan.action == "create":
            rows.append(_item(batch_id, entity, plan.record_id, "created"))
        else:
            rows.append(_item(batch_id, entity, plan.record_id, "updated", before.get(plan.record_id)))
    cs = history.change_set_id(session)
    if cs is not None:
        rows.append(_item(batch_id, "change_set", cs, "recorded"))
    for chunk in _chunks(rows):
        conn.execute(_table(ImportItem).insert(), list(chunk))


def _write_through_services(
    session: Session,
    plans: list[_Plan],
    batch_id: int,
    options: _Options,
    model: Any,
    entity: str,
    create: Callable[[dict[str, Any]], Any],
    update: Callable[[Any, dict[str, Any]], None],
) -> None:
    """Write planned rows one by one through the services (so each is history), then the batch's items.

    ``create(data)`` returns the new record; ``update(record, data)`` changes an existing one,
    whose values before are kept for ``crm import undo``.
    """
    before: dict[int, Any] = {}
    for index, plan in enumerate(plans):
        if index % 200 == 0:
            options.progress("writing", index, len(plans))
        if plan.action == "create":
            plan.record_id = create(plan.data).id
            continue
        existing = session.get(model, plan.target_id)
        assert existing is not None
        old = _snapshot(existing)
        update(existing, plan.data)
        plan.record_id = existing.id
        before[existing.id or 0] = old
    options.progress("writing", len(plans), len(plans))
    session.flush()
    _orm_items(session, batch_id, entity, plans, before)


def _write_deals(session: Session, plans: list[_Plan], batch_id: int, options: _Options) -> None:
    from termcrm.models import Deal
    from termcrm.services import deals

    def create(data: dict[str, Any]) -> Any:
        contact, company, pipeline, stage = data["_links"]
        lost = stage is not None and stage.kind == "lost"
        return deals.create_deal(
            session,
            deals.DealInput(
                title=data["title"],
                contact=contact,
                company=company,
                amount=data.get("amount"),
                currency=data.get("currency"),
                pipeline=pipeline,
                stage=stage,
                probability=data.get("probability"),
                expected_close=data.get("expected_close"),
                owner=data.get("owner"),
                source=data.get("source"),
                lost_reason="imported" if lost else None,
            ),
            now=options.now,
        )

    def update(existing: Any, data: dict[str, Any]) -> None:
        contact, company, _pipeline, stage = data["_links"]
        lost = stage is not None and stage.kind == "lost"
        deals.update_deal(
            session,
            existing,
            deals.DealChanges(
                title=data.get("title"),
                contact=contact,
                company=company,
                amount=data.get("amount"),
                currency=data.get("currency"),
                probability=data.get("probability"),
                expected_close=data.get("expected_close"),
                owner=data.get("owner"),
                source=data.get("source"),
            ),
        )
        if stage is not None and stage.id != existing.stage_id:
            deals.move_deal(session, existing, stage, reason="imported" if lost else None, now=options.now)

    _write_through_services(session, plans, batch_id, options, Deal, "deal", create, update)


def _plan_interactions(
    session: Session, inputs: list[_Input], checker: _Checker, options: _Options
) -> tuple[list[_Plan], list[InvalidRow]]:
    from termcrm.models import Interaction

    resolver = _Refs(session, checker)
    for inp in inputs:
        if inp.problems:
            continue
        data = inp.data
        contact, company = _links(inp, resolver)
        if not data.get("contact") and not data.get("company"):
            checker.problem(inp, None, "an interaction needs a contact or a company (columns contact or company)")
        kind = data.get("kind") or "note"
        try:
            data["kind"] = check_choice(kind, INTERACTION_KINDS, "kind")
        except Invalid as exc:
            checker.problem(inp, "kind", exc.message, kind)
        direction = data.get("direction")
        if direction is not None and direction not in ("in", "out"):
            checker.problem(inp, "direction", f"direction {direction!r} is not in or out", direction)
        if not data.get("summary"):
            first = (data.get("body") or "").strip().splitlines()
            data["summary"] = (first[0] if first else "")[:120]
        when = data.get("occurred_at")
        if isinstance(when, datetime):
            data["occurred_at"] = dates.as_utc(when) if when.tzinfo is not None else dates.from_local(when)
        data["_links"] = (contact, company)
    keys_of = _simple_keys(options.match, "summary")
    keys = {k for inp in inputs if not inp.problems for k in keys_of(inp.data)}
    db = _lookup_simple(session.connection(), Interaction, options.match, "summary", keys)
    plans = _dedupe(inputs, "interactions", keys_of, db, options, checker, what="interaction")
    invalid = [_invalid(i, "interactions") for i in inputs if i.problems]
    return _valid_plans(plans, inputs), invalid


def _write_interactions(session: Session, plans: list[_Plan], batch_id: int, options: _Options) -> None:
    from termcrm.models import Interaction
    from termcrm.services import interactions

    def create(data: dict[str, Any]) -> Any:
        contact, company = data["_links"]
        return interactions.log_interaction(
            session,
            kind=data["kind"],
            summary=data["summary"],
            contact=contact,
            company=company,
            occurred_at=data.get("occurred_at") or options.now,
            body=data.get("body"),
            channel=data.get("channel"),
            direction=data.get("direction"),
            outcome=data.get("outcome"),
        )

    def update(existing: Any, data: dict[str, Any]) -> None:
        contact, company = data["_links"]
        for name in ("kind", "summary", "body", "channel", "direction", "outcome", "occurred_at"):
            if data.get(name) not in (None, ""):
                setattr(existing, name, data[name])
        if contact is not None:
            existing.contact_id = contact.id
        if company is not None:
            existing.company_id = company.id
        session.add(existing)
        session.flush()
        if existing.contact_id:
            interactions.refresh_last_contacted(session, existing.contact_id)

    _write_through_services(session, plans, batch_id, options, Interaction, "interaction", create, update)


def _plan_followups(
    session: Session, inputs: list[_Input], checker: _Checker, options: _Options
) -> tuple[list[_Plan], list[InvalidRow]]:
    from termcrm.models import Followup

    resolver = _Refs(session, checker)
    for inp in inputs:
        if inp.problems:
            continue
        data = inp.data
        contact, company = _links(inp, resolver)
        due = data.get("due")
        if due is None:
            checker.problem(inp, "due", "a follow-up needs a due date (column due)")
        elif isinstance(due, datetime):
            at = dates.as_utc(due) if due.tzinfo is not None else dates.from_local(due)
            data["due"] = dates.When(at, True)
        elif isinstance(due, date):
            data["due"] = dates.When(dates.local_midnight(due), False)
        priority = data.get("priority") or "normal"
        try:
            data["priority"] = check_choice(priority, FOLLOWUP_PRIORITIES, "priority")
        except Invalid as exc:
            checker.problem(inp, "priority", exc.message, priority)
        if data.get("assignee"):
            resolver.user(inp, "assignee", data["assignee"])
        data["_links"] = (contact, company)
    keys_of = _simple_keys(options.match, "title")
    keys = {k for inp in inputs if not inp.problems for k in keys_of(inp.data)}
    db = _lookup_simple(session.connection(), Followup, options.match, "title", keys)
    plans = _dedupe(inputs, "followups", keys_of, db, options, checker, ambiguous_is_error=True, what="follow-up")
    invalid = [_invalid(i, "followups") for i in inputs if i.problems]
    return _valid_plans(plans, inputs), invalid


def _write_followups(session: Session, plans: list[_Plan], batch_id: int, options: _Options) -> None:
    from termcrm.models import Followup
    from termcrm.services import followups

    def create(data: dict[str, Any]) -> Any:
        contact, company = data["_links"]
        return followups.add_followup(
            session,
            data["title"],
            due=data["due"],
            contact=contact,
            company=company,
            assignee=data.get("assignee"),
            priority=data.get("priority") or "normal",
            notes=data.get("notes"),
            now=options.now,
        )

    def update(existing: Any, data: dict[str, Any]) -> None:
        contact, company = data["_links"]
        followups.edit_followup(
            session,
            existing,
            title=data.get("title"),
            due=data.get("due"),
            contact=contact,
            company=company,
            assignee=data.get("assignee"),
            priority=data.get("priority"),
            notes=data.get("notes"),
            now=options.now,
        )

    _write_through_services(session, plans, batch_id, options, Followup, "followup", create, update)


# ---------------------------------------------------------------------------
# Campaign responses
# ---------------------------------------------------------------------------


def _import_responses(
    session: Session,
    data: bytes,
    campaign_ref: str | int | None,
    source: str,
    encoding: str | None,
    delimiter: str | None,
    skip_invalid: bool,
    dry_run: bool,
    now: datetime,
) -> ImportResult:
    from termcrm.models import ImportBatch, ImportItem
    from termcrm.services import campaigns

    if campaign_ref is None:
        raise Invalid("--type campaign-responses needs --campaign ID")
    campaign = campaigns.get_campaign(session, campaign_ref)
    table = csvread.read_table(csvread.decode(data, encoding), delimiter)
    rows = [dict(zip(table.header, row.cells, strict=False)) for row in table.rows]
    result = ImportResult(
        record_type="campaign-responses",
        source=source,
        format="responses",
        format_title="campaign responses",
        header=list(table.header),
        delimiter=table.delimiter,
        rows=len(rows),
        dry_run=dry_run,
        match="email",
        on_duplicate="update",
    )
    found = campaigns.apply_responses(session, campaign, rows, strict=not skip_invalid, now=now)
    result.updated = found.updated
    result.skipped = found.unchanged + len(found.unknown_emails) + len(found.not_members)
    lines = [row.line for row in table.rows]
    for text in found.invalid:
        m = re.match(r"line (\d+): (.*)", text)
        index = int(m.group(1)) - 2 if m else -1
        line = lines[index] if 0 <= index < len(lines) else 0
        cells = table.rows[index].cells if 0 <= index < len(lines) else []
        result.invalid.append(InvalidRow(line, [Problem(line, None, m.group(2) if m else text)], cells))
    for email in found.unknown_emails:
        result.outcomes.append(Outcome(0, "skip", email, note="no contact has this email"))
    for email in found.not_members:
        result.outcomes.append(Outcome(0, "skip", email, note="not a member of the campaign"))
    if dry_run:
        return result
    batch = ImportBatch(
        kind="campaign-responses",
        source=source[:500],
        format="responses",
        user_id=history.acting_user_id(session),
        at=now,
        updated_count=result.updated,
        skipped_count=result.skipped + len(result.invalid),
    )
    session.add(batch)
    session.flush()
    assert batch.id is not None
    result.batch_id = batch.id
    cs = history.change_set_id(session)
    if cs is not None:
        session.connection().execute(_table(ImportItem).insert(), [_item(batch.id, "change_set", cs, "recorded")])
    history.set_summary(
        session,
        f"import responses to campaign #{campaign.id} {campaign.name} from {source or 'standard input'} "
        f"(batch #{batch.id}: {result.updated} updated)",
    )
    return result


# ---------------------------------------------------------------------------
# Batches: list and undo
# ---------------------------------------------------------------------------


def list_batches(session: Session, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Every import batch, newest first, as JSON-ready dicts."""
    from termcrm.models import ImportBatch

    stmt = select(ImportBatch).order_by(ImportBatch.id.desc())  # type: ignore[union-attr]
    if limit is not None:
        stmt = stmt.limit(limit)
    users = refs.users_by_id(session)
    return [
        {
            "id": b.id,
            "at": b.at.isoformat(),
            "kind": b.kind,
            "source": b.source,
            "format": b.format,
            "user": users.get(b.user_id) if b.user_id else None,
            "created": b.created_count,
            "updated": b.updated_count,
            "skipped": b.skipped_count,
            "undone_at": b.undone_at.isoformat() if b.undone_at else None,
        }
        for b in session.exec(stmt).all()
    ]


@dataclass
class UndoBatchResult:
    """What :func:`undo_batch` reverted."""

    batch_id: int
    kind: str
    source: str
    removed: int
    restored: int

    def as_json(self) -> dict[str, Any]:
        """The result as a dict."""
        return {
            "batch_id": self.batch_id,
            "kind": self.kind,
            "source": self.source,
            "removed": self.removed,
            "restored": self.restored,
        }


_OWNED = {
    "contact": {"contact_email", "contact_phone", "contact_tag", "contact_field", "reminder_mark"},
    "company": {"company_tag", "company_field"},
}
"""Child rows that belong to a record and go with it."""


def undo_batch(session: Session, ref: str | int, *, now: datetime | None = None) -> UndoBatchResult:
    """Remove what batch ``ref`` created and restore what it updated; refuse (Conflict) when a
    record it touched was changed since, and then nothing is reverted."""
    from termcrm.models import ImportBatch, ImportItem

    batch = refs.by_id(session, ImportBatch, ref, "import batch")
    if batch.undone_at is not None:
        raise Invalid(f"import batch #{batch.id} was undone already ({batch.undone_at:%Y-%m-%d %H:%M} UTC)")
    items = session.exec(select(ImportItem).where(ImportItem.batch_id == batch.id).order_by(ImportItem.id)).all()  # type: ignore[arg-type]
    change_sets = [i.entity_id for i in items if i.entity == "change_set"]
    core = [i for i in items if i.entity in ("contact", "company", "tag")]
    removed = restored = 0
    if change_sets:
        for cs_id in change_sets:
            r, s = _revert_change_set(session, cs_id, batch.id or 0)
            removed += r
            restored += s
    if core:
        r, s = _undo_core(session, core, batch.id or 0)
        removed += r
        restored += s
    batch.undone_at = dates.as_utc(now) if now is not None else utcnow()
    session.add(batch)
    session.flush()
    history.set_summary(
        session, f"undo import batch #{batch.id} ({batch.kind} from {batch.source or 'standard input'})"
    )
    return UndoBatchResult(batch.id or 0, batch.kind, batch.source, removed, restored)


def _refs_to(conn: sa.Connection, table: str, ids: list[int], ignore: set[str]) -> dict[tuple[str, str], set[int]]:
    """Which of ``ids`` are referenced from other tables (ignoring ``ignore``): {(table, column): ids}."""
    from termcrm.models import schema

    out: dict[tuple[str, str], set[int]] = {}
    for other in schema.load_all().sorted_tables:
        if other.name in ignore:
            continue
        for fk in other.foreign_keys:
            if fk.column.table.name != table:
                continue
            col = fk.parent
            for chunk in _chunks(ids):
                for (value,) in conn.execute(sa.select(col).where(col.in_(chunk)).distinct()):
                    out.setdefault((other.name, col.name), set()).add(int(value))
    return out


def _undo_core(session: Session, items: Sequence[ImportItem], batch_id: int) -> tuple[int, int]:
    from termcrm.models import (
        Company,
        CompanyField,
        CompanyTag,
        Contact,
        ContactEmail,
        ContactField,
        ContactPhone,
        ContactTag,
        Tag,
    )

    conn = session.connection()
    created = {name: _created_ids(items, name) for name in _OWNED}
    updated = [i for i in items if i.action == "updated"]
    tables = {"contact": _table(Contact), "company": _table(Company)}
    # Check everything first.
    for name, ids in created.items():
        t = tables[name]
        for chunk in _chunks(ids):
            for rid, version in conn.execute(sa.select(t.c.id, t.c.version).where(t.c.id.in_(chunk))):
                if int(version) != 1:
                    raise Conflict(
                        f"cannot undo batch #{batch_id}: {name} #{rid} was changed since the import; "
                        "nothing was reverted"
                    )
    contact_ids = set(created["contact"])
    for item in updated:
        if item.entity == "contact" and "company_id" in json.loads(item.before or "{}").get("values", {}):
            contact_ids.add(item.entity_id)  # its company link is restored below
    used = _refs_to(conn, "contact", created["contact"], _OWNED["contact"])
    for (table, _column), found in sorted(used.items()):
        if found:
            raise Conflict(
                f"cannot undo batch #{batch_id}: contact #{min(found)} is used by a {table.replace('_', ' ')} "
                "since the import; nothing was reverted"
            )
    used_by = _refs_to(conn, "company", created["company"], _OWNED["company"])
    for (table, _column), found in sorted(used_by.items()):
        if table == "contact":
            c = _table(Contact)
            users = [
                int(r[0])
                for chunk in _chunks(sorted(found))
                for r in conn.execute(sa.select(c.c.id).where(c.c.company_id.in_(list(chunk))))
                if int(r[0]) not in contact_ids
            ]
            if users:
                raise Conflict(
                    f"cannot undo batch #{batch_id}: contact #{min(users)} joined a company the import "
                    "created; nothing was reverted"
                )
        elif found:
            raise Conflict(
                f"cannot undo batch #{batch_id}: company #{min(found)} is used by a {table.replace('_', ' ')} "
                "since the import; nothing was reverted"
            )
    for item in updated:
        t = tables[item.entity]
        before = json.loads(item.before or "{}")
        version = conn.execute(sa.select(t.c.version).where(t.c.id == item.entity_id)).scalar()
        if version is None or int(version) != int(before.get("version", -1)):
            raise Conflict(
                f"cannot undo batch #{batch_id}: {item.entity} #{item.entity_id} was changed since the import; "
                "nothing was reverted"
            )
    # Then revert.
    now = utcnow()
    touched: dict[str, set[int]] = {"contact": set(), "company": set()}
    for item in updated:
        model = Contact if item.entity == "contact" else Company
        t = tables[item.entity]
        before = json.loads(item.before or "{}")
        values = {k: history.from_json(model, k, v) for k, v in before.get("values", {}).items()}
        conn.execute(
            sa.update(t).where(t.c.id == item.entity_id).values(**values, version=t.c.version + 1, updated_at=now)
        )
        owner = f"{item.entity}_id"
        tag_t = _table(ContactTag if item.entity == "contact" else CompanyTag)
        field_t = _table(ContactField if item.entity == "contact" else CompanyField)
        if before.get("tags"):
            conn.execute(sa.delete(tag_t).where(tag_t.c[owner] == item.entity_id, tag_t.c.tag_id.in_(before["tags"])))
        for key, old in before.get("fields", {}).items():
            where = sa.and_(field_t.c[owner] == item.entity_id, field_t.c.key == key)
            if old is None:
                conn.execute(sa.delete(field_t).where(where))
            else:
                conn.execute(sa.update(field_t).where(where).values(value=old))
        for name, model_child in (("emails", ContactEmail), ("phones", ContactPhone)):
            if before.get(name):
                ct = _table(model_child)
                conn.execute(sa.delete(ct).where(ct.c.id.in_(before[name])))
        touched[item.entity].add(item.entity_id)
    for name in ("contact", "company"):
        t = tables[name]
        for chunk in _chunks(created[name]):
            conn.execute(sa.delete(t).where(t.c.id.in_(chunk)))
    tags = _created_ids(items, "tag")
    if tags:
        unused = []
        for chunk in _chunks(tags):
            in_use = set()
            for link in (ContactTag, CompanyTag):
                lt = _table(link)
                in_use |= {int(r[0]) for r in conn.execute(sa.select(lt.c.tag_id).where(lt.c.tag_id.in_(chunk)))}
            from termcrm.models import KbArticleTag

            kt = _table(KbArticleTag)
            in_use |= {int(r[0]) for r in conn.execute(sa.select(kt.c.tag_id).where(kt.c.tag_id.in_(chunk)))}
            unused += [t for t in chunk if t not in in_use]
        for chunk in _chunks(unused):
            conn.execute(sa.delete(_table(Tag)).where(_table(Tag).c.id.in_(chunk)))
    for name in ("contact", "company"):
        ids = sorted(touched[name] | set(created[name]))
        if ids:
            search.write_docs(session, name, ids)
    if touched["company"]:
        search.reindex(session, [("company", i) for i in touched["company"]])
    removed = len(created["contact"]) + len(created["company"])
    return removed, len(updated)


def _revert_change_set(session: Session, cs_id: int, batch_id: int) -> tuple[int, int]:
    """Revert the change set an ORM-path import recorded (as ``crm undo`` would, for that set)."""
    from termcrm.models import Change, ChangeSet

    cs = session.get(ChangeSet, cs_id)
    if cs is None:
        raise NotFound(f"the change set of import batch #{batch_id} is gone")
    if cs.undone_at is not None:
        raise Invalid(f"import batch #{batch_id} was undone already (crm undo #{cs_id})")
    changes = session.exec(
        select(Change).where(Change.change_set_id == cs_id).order_by(Change.id.desc())  # type: ignore[union-attr]
    ).all()
    for change in changes:
        later = session.exec(
            select(Change.change_set_id)
            .join(ChangeSet, ChangeSet.id == Change.change_set_id)  # type: ignore[arg-type]
            .where(
                Change.entity == change.entity,
                Change.entity_id == change.entity_id,
                Change.change_set_id > cs_id,  # type: ignore[operator]
                ChangeSet.undone_at.is_(None),  # type: ignore[union-attr]
                ChangeSet.undo_of_id.is_(None),  # type: ignore[union-attr]
            )
            .limit(1)
        ).first()
        if later is not None:
            shown = ",".join(str(x) for x in json.loads(change.entity_id))
            raise Conflict(
                f"cannot undo batch #{batch_id}: {change.entity} {shown} was changed since (by #{later}); "
                "nothing was reverted"
            )
    removed = restored = 0
    for change in changes:
        model = history.model_for(change.entity)
        ident = tuple(json.loads(change.entity_id))
        key: Any = ident[0] if len(ident) == 1 else ident
        data: dict[str, list[Any]] = json.loads(change.data)
        if change.action == "create":
            obj = session.get(model, key)
            if obj is not None:
                session.delete(obj)
                session.flush()
                removed += 1
        elif change.action == "delete":
            if session.get(model, key) is None:
                session.add(model(**{f: history.from_json(model, f, pair[0]) for f, pair in data.items()}))
                session.flush()
        else:
            obj = session.get(model, key)
            if obj is None:
                raise Conflict(f"cannot undo batch #{batch_id}: {change.entity} {change.entity_id} no longer exists")
            for name, (old, _new) in data.items():
                setattr(obj, name, history.from_json(model, name, old))
            session.add(obj)
            session.flush()
            restored += 1
    cs.undone_at = utcnow()
    session.add(cs)
    session.flush()
    current = history.change_set_id(session)
    if current is not None:
        new_cs = session.get(ChangeSet, current)
        if new_cs is not None:
            new_cs.undo_of_id = cs_id
            session.add(new_cs)
    return removed, restored


__all__ = [
    "MATCH_KEYS",
    "ON_DUPLICATE",
    "RECORD_TYPES",
    "ImportResult",
    "InvalidRow",
    "InvalidRows",
    "Outcome",
    "Problem",
    "UndoBatchResult",
    "import_csv",
    "import_vcards",
    "list_batches",
    "tag_name",
    "undo_batch",
]
