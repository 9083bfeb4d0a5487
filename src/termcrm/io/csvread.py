"""Reading and writing CSV files of contacts, companies, deals, interactions and follow-ups.

This module is the *pure* layer of ``crm import`` / ``crm export``: bytes or text
in, plain Python records out, and back. It knows nothing about the database; the
import service turns :class:`ParsedRow` objects into rows.

Typical use by an importer::

    result = parse_csv(data, record_type="contacts", maps=["Mobile=phones:mobile"])
    for row in result.rows:
        if row.errors:      # report str(error) for each and skip the row
            ...
        else:
            save(row.data)  # a sparse dict of normalised fields (see below)

or step by step::

    text = decode(data, encoding)              # bytes -> str
    table = read_table(text, delimiter)        # str -> Table (header + rows)
    spec = detect_format(table.header)         # which program wrote it
    mapping = build_mapping(table.header, spec, overrides=[load_mapping(path)])       # lenient
    mapping = build_mapping(table.header, spec, overrides=[mapping, parse_map_option(maps)], strict=True)
    for row in records(table, mapping):        # -> ParsedRow(line, data, errors)
        ...

Normalised fields (``ParsedRow.data``) by record type; a key is present only when
the file gave a usable value for it:

contacts
    ``first_name``, ``last_name``, ``name`` (str): when only a full name is given it is
    kept in ``name`` and split into first/last name (see :func:`split_name`);
    ``emails``, ``phones`` (``list[tuple[label, value]]``; labels are lower-case,
    ``""`` when unknown: ``work``, ``home``, ``mobile``, ``fax``, ``other``, ...);
    ``company``, ``title`` (job title), ``stage``, ``source``, ``gender``, ``street``,
    ``city``, ``region``, ``postal_code``, ``country``, ``website``, ``notes``,
    ``external_id`` (str); ``tags`` (``list[str]``); ``birthday`` (:class:`datetime.date`;
    a birthday without a year has the year :data:`YEARLESS_YEAR`); ``fields``
    (``dict[str, str]``: custom fields; well-known keys ``middle_name``,
    ``name_prefix``, ``name_suffix``, ``nickname``, ``department``); ``id`` (int,
    only from termcrm's own export).
companies
    ``name``, ``domain`` (lower-case host name), ``industry``, ``size``, ``street``,
    ``city``, ``region``, ``postal_code``, ``country``, ``website``, ``notes``,
    ``external_id`` (str), ``tags`` (list[str]), ``fields`` (dict), ``id`` (int).
deals
    ``title``, ``contact`` (a reference: email or name), ``company``, ``pipeline``,
    ``stage``, ``amount`` (text, parsed later), ``currency`` (ISO code, upper-case),
    ``owner``, ``source`` (str), ``probability`` (int percent 0-100),
    ``expected_close`` (date), ``id`` (int).
interactions
    ``contact``, ``company``, ``kind`` (lower-case), ``summary``, ``body``,
    ``channel``, ``direction`` (``in``/``out`` when recognised), ``outcome`` (str),
    ``occurred_at`` (datetime; naive = local wall time as written, aware when the
    file gave an offset), ``id`` (int).
followups
    ``title``, ``contact``, ``company``, ``priority`` (lower-case), ``notes``,
    ``assignee`` (str), ``due`` (a ``date`` when the cell had no time, else a
    ``datetime`` as for ``occurred_at``), ``id`` (int).

Mapping targets (``--map "Column=target"`` and mapping files) are a field name
above, or:

* ``ignore`` - drop the column;
* ``emails:LABEL`` / ``phones:LABEL`` - an address / number with a fixed label;
* ``field:KEY`` - a custom field (contacts and companies);
* ``NAME[N]`` - the N-th of a numbered group (``emails[2]``, ``street[1]``,
  ``field[3]``): for a single-valued field the lowest non-empty N wins, and the
  address parts (``street``, ``city``, ``region``, ``postal_code``, ``country``,
  ``address``) are all taken from the same, lowest non-empty group;
* ``emails[N].label`` / ``phones[N].label`` / ``field[N].label`` - the column
  holding the label (or custom field key) of group N;
* ``address`` - a whole postal address in one cell, used as ``street`` when the
  group has no separate parts; ``birth_year``, ``birth_month``, ``birth_day`` -
  a birthday split over three columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

import tomli_w

from termcrm.errors import Invalid, InvalidFile

__all__ = [
    "FIELD_NAMES",
    "FORMATS",
    "RECORD_TYPES",
    "YEARLESS_YEAR",
    "CellError",
    "CsvFile",
    "FormatSpec",
    "Mapping",
    "ParsedRow",
    "Row",
    "Table",
    "build_mapping",
    "decode",
    "detect_format",
    "escape_formula",
    "format_cell",
    "format_date",
    "get_format",
    "load_mapping",
    "normalize_email",
    "normalize_label",
    "parse_csv",
    "parse_date",
    "parse_datetime",
    "parse_map_option",
    "read_table",
    "record_type_name",
    "records",
    "save_mapping",
    "split_name",
    "unescape_formula",
    "write_csv",
]

YEARLESS_YEAR = 1904
"""Year given to birthdays that have only a month and a day (Google's ``--03-14``,
vCard's ``--0314``). 1904 is a leap year, so 29 February fits. :func:`format_date`
writes such dates back as ``--MM-DD``."""

RECORD_TYPES = ("contacts", "companies", "deals", "interactions", "followups")
"""The kinds of record a CSV file can hold."""

_RECORD_ALIASES = {
    "contact": "contacts",
    "people": "contacts",
    "persons": "contacts",
    "person": "contacts",
    "company": "companies",
    "organizations": "companies",
    "organisations": "companies",
    "deal": "deals",
    "interaction": "interactions",
    "activities": "interactions",
    "followup": "followups",
    "follow-up": "followups",
    "follow-ups": "followups",
    "follow_ups": "followups",
    "tasks": "followups",
}

# Field kinds: how a cell becomes a value.
_TEXT, _NOTES, _EMAILS, _PHONES, _TAGS = "text", "notes", "emails", "phones", "tags"
_DATE, _DATETIME, _DUE, _INT, _PART = "date", "datetime", "due", "int", "part"
_PROB, _CURRENCY, _STAGE, _GENDER, _DOMAIN = "probability", "currency", "stage", "gender", "domain"
_LOWER, _DIRECTION, _PRIORITY, _STREET = "lower", "direction", "priority", "street"

_ADDRESS = {
    "street": _STREET,
    "address": _STREET,
    "city": _TEXT,
    "region": _TEXT,
    "postal_code": _TEXT,
    "country": _TEXT,
}

_KINDS: dict[str, dict[str, str]] = {
    "contacts": {
        "id": _INT,
        "first_name": _TEXT,
        "last_name": _TEXT,
        "name": _TEXT,
        "emails": _EMAILS,
        "phones": _PHONES,
        "company": _TEXT,
        "title": _TEXT,
        "tags": _TAGS,
        "stage": _STAGE,
        "source": _TEXT,
        "birthday": _DATE,
        "birth_year": _PART,
        "birth_month": _PART,
        "birth_day": _PART,
        "gender": _GENDER,
        **_ADDRESS,
        "website": _TEXT,
        "notes": _NOTES,
        "external_id": _TEXT,
    },
    "companies": {
        "id": _INT,
        "name": _TEXT,
        "domain": _DOMAIN,
        "industry": _TEXT,
        "size": _TEXT,
        **_ADDRESS,
        "website": _TEXT,
        "notes": _NOTES,
        "tags": _TAGS,
        "external_id": _TEXT,
    },
    "deals": {
        "id": _INT,
        "title": _TEXT,
        "contact": _TEXT,
        "company": _TEXT,
        "pipeline": _TEXT,
        "stage": _TEXT,
        "amount": _TEXT,
        "currency": _CURRENCY,
        "probability": _PROB,
        "expected_close": _DATE,
        "owner": _TEXT,
        "source": _TEXT,
    },
    "interactions": {
        "id": _INT,
        "contact": _TEXT,
        "company": _TEXT,
        "kind": _LOWER,
        "summary": _TEXT,
        "body": _NOTES,
        "occurred_at": _DATETIME,
        "channel": _TEXT,
        "direction": _DIRECTION,
        "outcome": _TEXT,
    },
    "followups": {
        "id": _INT,
        "title": _TEXT,
        "due": _DUE,
        "contact": _TEXT,
        "company": _TEXT,
        "priority": _PRIORITY,
        "notes": _NOTES,
        "assignee": _TEXT,
    },
}

_CUSTOM_FIELDS = {"contacts", "companies"}
_LABELLED = {"emails", "phones", "field"}
_INTERNAL = {"address", "birth_year", "birth_month", "birth_day"}

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in fields if name not in _INTERNAL) for kind, fields in _KINDS.items()
}
"""Canonical field (and export column) names of each record type, in export order.
Custom fields are exported as extra ``field:KEY`` columns."""


def record_type_name(record_type: str) -> str:
    """The canonical record type (``contacts``, ``companies``, ``deals``, ``interactions``,
    ``followups``) for ``record_type`` or one of its aliases; :class:`Invalid` otherwise."""
    key = record_type.strip().lower()
    key = _RECORD_ALIASES.get(key, key)
    if key not in _KINDS:
        raise Invalid(f"unknown record type {record_type!r}; use one of: {', '.join(RECORD_TYPES)}")
    return key


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode the five bytes cp1252 leaves undefined as their Latin-1 characters."""
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("termcrm-cp1252", _cp1252_fallback)


def _looks_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` for BOM-less UTF-16 text (mostly ASCII), else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    even_nul = sum(1 for b in sample[0::2] if b == 0)
    odd_nul = sum(1 for b in sample[1::2] if b == 0)
    if odd_nul >= half * 0.6 and even_nul <= half * 0.1:
        return "utf-16-le"
    if even_nul >= half * 0.6 and odd_nul <= half * 0.1:
        return "utf-16-be"
    return None


def _check_text(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise InvalidFile("the file contains NUL characters: it is not a text file (or use --encoding)")
    return text


def decode(data: bytes, encoding: str | None = None) -> str:
    """Turn the bytes of a text file into a string.

    An explicit ``encoding`` wins (an unknown codec name raises :class:`Invalid`,
    bytes that do not decode raise :class:`InvalidFile`). Otherwise: a byte-order
    mark picks UTF-8, UTF-16 LE/BE or UTF-32; BOM-less UTF-16 is recognised by its
    NUL bytes; then UTF-8 is tried, and Windows-1252 is the fallback (never fails).
    A leading BOM is removed. Text containing NUL characters raises InvalidFile.
    """
    if encoding:
        try:
            info = codecs.lookup(encoding.strip())
        except LookupError:
            raise Invalid(f"unknown encoding {encoding!r}; try utf-8, utf-16, cp1252, latin-1") from None
        try:
            return _check_text(data.decode(info.name))
        except UnicodeDecodeError as exc:
            raise InvalidFile(
                f"the file is not valid {encoding}: byte 0x{data[exc.start]:02x} at offset {exc.start}"
            ) from None
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    )
    for bom, name in boms:
        if data.startswith(bom):
            if name.startswith("utf-32") and len(data) % 4:
                continue  # FF FE 00 00 can also be UTF-16 LE with a NUL: let UTF-16 try
            try:
                return _check_text(data[len(bom) :].decode(name))
            except UnicodeDecodeError as exc:
                raise InvalidFile(
                    f"the file starts with a {name} byte-order mark but is not valid {name}: {exc.reason}"
                ) from None
    guess = _looks_utf16(data)
    if guess and len(data) % 2 == 0:
        try:
            return _check_text(data.decode(guess))
        except UnicodeDecodeError:
            pass
    try:
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return _check_text(data.decode("cp1252", errors="termcrm-cp1252"))


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


@dataclass
class Row:
    """One record of a CSV file.

    ``line`` is the 1-based physical line where the record starts (a quoted field
    may span several lines). ``ragged`` is true when the row has fewer cells than
    the header, or more non-empty ones; :func:`records` reports it as an error.
    """

    line: int
    cells: list[str]
    ragged: bool = False


@dataclass
class Table:
    """A CSV file split into a header and rows; blank rows are left out.

    ``header_line`` is the line of the header (lines before it - a preamble such
    as LinkedIn's "Notes:" - are skipped); ``delimiter`` the one used.
    """

    header: list[str]
    rows: list[Row]
    header_line: int = 1
    delimiter: str = ","

    def ragged_rows(self) -> list[Row]:
        """The rows whose cell count does not match the header."""
        return [row for row in self.rows if row.ragged]


_DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}
_CANDIDATES = (",", ";", "\t", "|")
_SNIFF_CHARS = 65536
_HEADER_SEARCH = 30


def _parse_records(text: str, delimiter: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """(start line, cells) of each non-blank record; csv errors become InvalidFile."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    out: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for cells in reader:
            start = previous + 1
            previous = reader.line_num
            if cells and (cells[0].strip() or any(cell.strip() for cell in cells)):
                out.append((start, cells))
                if limit is not None and len(out) >= limit:
                    break
    except csv.Error as exc:
        raise InvalidFile(f"line {previous + 1}: cannot read CSV: {exc}") from None
    return out


def _sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_CHARS]
    best, best_score = ",", (0, 0)
    for candidate in _CANDIDATES:
        if candidate not in sample:
            continue
        try:
            recs = _parse_records(sample, candidate, limit=200)
        except InvalidFile:
            continue
        counts = Counter(len(cells) for _, cells in recs)
        counts.pop(1, None)
        if not counts:
            continue
        width, freq = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (freq, width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _non_empty(cells: Sequence[str]) -> int:
    return sum(1 for cell in cells if cell.strip())


def _width(cells: Sequence[str]) -> int:
    """The cell count without trailing empty cells."""
    n = len(cells)
    while n and not cells[n - 1].strip():
        n -= 1
    return n


def _find_header(recs: list[tuple[int, list[str]]]) -> int:
    window = recs[:_HEADER_SEARCH]
    for i, (_, cells) in enumerate(window):
        if _non_empty(cells) >= 2 and detect_format(cells).name not in ("generic",):
            return i
    for i, (_, cells) in enumerate(window):
        if _non_empty(cells) < 2:
            continue
        following = recs[i + 1 : i + 11]
        if not following:
            return i
        same = sum(1 for _, other in following if len(other) == len(cells) or _width(other) == _width(cells))
        if same * 2 >= len(following):
            return i
    for i, (_, cells) in enumerate(window):
        if _non_empty(cells) >= 2:
            return i
    return 0


def read_table(text: str, delimiter: str | None = None) -> Table:
    """Split CSV text into a :class:`Table`.

    The delimiter (comma, semicolon, tab or pipe) is found by counting which one
    gives the most rows with the same number of cells, unless ``delimiter`` is
    given (a single character, or ``comma``/``semicolon``/``tab``). Any line
    ending works and quoted fields may span lines. The header is the first row
    that matches a known export format, else the first with at least two
    non-empty cells that the following rows agree with in width; rows above it
    are a preamble and skipped. Raises :class:`InvalidFile` when there is no row.
    """
    if delimiter is not None:
        name = delimiter.strip().lower() if len(delimiter) > 1 else delimiter
        delimiter = _DELIMITER_NAMES.get(name, name)
        if len(delimiter) != 1 or delimiter in ('"', "\r", "\n"):
            raise Invalid(f"the delimiter must be one character (or comma, semicolon, tab), not {delimiter!r}")
    else:
        delimiter = _sniff_delimiter(text)
    recs = _parse_records(text, delimiter)
    if not recs:
        raise InvalidFile("the file is empty: no header row")
    index = _find_header(recs)
    header_line, header_cells = recs[index]
    header = [cell.strip().lstrip("\ufeff").strip() for cell in header_cells]
    while header and not header[-1] and len(header) > 1:
        header.pop()  # a trailing delimiter on the header line
    width = len(header)
    rows: list[Row] = []
    for line, cells in recs[index + 1 :]:
        ragged = False
        if len(cells) > width:
            if any(cell.strip() for cell in cells[width:]):
                ragged = True
            else:
                cells = cells[:width]
        elif len(cells) < width:
            ragged = True
        rows.append(Row(line=line, cells=cells, ragged=ragged))
    _check_unterminated(text, rows)
    return Table(header=header, rows=rows, header_line=header_line, delimiter=delimiter)


def _check_unterminated(text: str, rows: list[Row]) -> None:
    """A quote opened in the last record and never closed swallows the rest of the file."""
    if not rows or not any("\n" in cell or "\r" in cell for cell in rows[-1].cells):
        return
    lines = io.StringIO(text, newline="").readlines()
    tail = "".join(lines[rows[-1].line - 1 :])
    if tail.count('"') % 2:
        raise InvalidFile(f"line {rows[-1].line}: a quoted field is never closed")


# ---------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------


def _key(header: str) -> str:
    """Header cell as compared: case-folded, without spaces, underscores, hyphens and dots."""
    return re.sub(r"[\s_\-.\ufeff]+", "", header.casefold())


@dataclass(frozen=True)
class FormatSpec:
    """What one exporting program's CSV looks like and how to read its cells.

    ``rules`` are ``(regex, target)`` pairs tried in order against each header
    cell's key (case-folded, without whitespace, ``_``, ``-`` and ``.``); ``\\1``
    in a target is the regex's first group (numbered groups such as
    ``E-mail 3 - Value``). ``date_order`` decides ambiguous numeric dates
    (``mdy`` or ``dmy``); ``list_sep`` / ``tag_sep`` are regexes that split
    multi-valued cells (emails, phones / tags); ``unescape`` undoes
    :func:`escape_formula` (termcrm's own files).
    """

    name: str
    title: str
    rules: tuple[tuple[str, str], ...] = ()
    date_order: str = "mdy"
    list_sep: str = r";"
    tag_sep: str = r"[;,]"
    unescape: bool = False
    labelled_items: bool = False
    multi_scalars: bool = False
    drop_labels: str | None = None

    def target(self, column: str) -> str | None:
        """The target of one header cell under this format, or None."""
        key = _key(column)
        if not key:
            return None
        for pattern, target in self.rules:
            m = re.fullmatch(pattern, key)
            if m:
                return _expand(target, m.groups()).rstrip(":")
        return None


def _expand(target: str, groups: tuple[str | Any, ...]) -> str:
    """``target`` with ``\\1``... replaced by the regex groups (an unmatched group by "")."""

    def group(m: re.Match[str]) -> str:
        index = int(m.group(1)) - 1
        return (groups[index] or "") if index < len(groups) else ""

    return re.sub(r"\\(\d)", group, target)


def _rules(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(pairs)


_NAME_PARTS = _rules(
    (r"middlename|additionalname|weiterevornamen", "field:middle_name"),
    (r"nameprefix|anrede|salutation", "field:name_prefix"),
    (r"namesuffix|suffix", "field:name_suffix"),
    (r"nickname|spitzname", "field:nickname"),
)

_GOOGLE = FormatSpec(
    name="google",
    title="Google Contacts",
    date_order="mdy",
    list_sep=r"\s*:::\s*",
    tag_sep=r"\s*:::\s*",
    multi_scalars=True,
    drop_labels=r"\*\s.*|\*[a-z].*|system group:.*",
    rules=_rules(
        (r"name", "name"),
        (r"firstname|givenname", "first_name"),
        (r"lastname|familyname", "last_name"),
        *_NAME_PARTS,
        (r"organizationname", "company"),
        (r"organizationtitle", "title"),
        (r"organization(?:\d+)?department", "field:department"),
        (r"organization(\d+)name", r"company[\1]"),
        (r"organization(\d+)title", r"title[\1]"),
        (r"birthday", "birthday"),
        (r"gender", "gender"),
        (r"notes", "notes"),
        (r"labels|groupmembership", "tags"),
        (r"e?mail(\d+)(?:label|type)", r"emails[\1].label"),
        (r"e?mail(\d+)value", r"emails[\1]"),
        (r"phone(\d+)(?:label|type)", r"phones[\1].label"),
        (r"phone(\d+)value", r"phones[\1]"),
        (r"address(\d+)formatted", r"address[\1]"),
        (r"address(\d+)(?:street|extendedaddress)", r"street[\1]"),
        (r"address(\d+)city", r"city[\1]"),
        (r"address(\d+)region", r"region[\1]"),
        (r"address(\d+)postalcode", r"postal_code[\1]"),
        (r"address(\d+)country", r"country[\1]"),
        (r"website(\d+)value", r"website[\1]"),
        (r"customfield(\d+)(?:label|type)", r"field[\1].label"),
        (r"customfield(\d+)value", r"field[\1]"),
    ),
)

_OUTLOOK_ADDRESS = _rules(
    (r"businessstreet\d*", "street[1]"),
    (r"businesscity", "city[1]"),
    (r"businessstate", "region[1]"),
    (r"businesspostalcode", "postal_code[1]"),
    (r"businesscountry(?:/region)?", "country[1]"),
    (r"homestreet\d*", "street[2]"),
    (r"homecity", "city[2]"),
    (r"homestate", "region[2]"),
    (r"homepostalcode", "postal_code[2]"),
    (r"homecountry(?:/region)?", "country[2]"),
    (r"otherstreet\d*", "street[3]"),
    (r"othercity", "city[3]"),
    (r"otherstate", "region[3]"),
    (r"otherpostalcode", "postal_code[3]"),
    (r"othercountry(?:/region)?", "country[3]"),
)

_OUTLOOK = FormatSpec(
    name="outlook",
    title="Outlook",
    date_order="mdy",
    list_sep=r";",
    tag_sep=r"\s*;\s*",
    rules=_rules(
        (r"title", "field:name_prefix"),
        (r"firstname", "first_name"),
        (r"lastname", "last_name"),
        *_NAME_PARTS,
        (r"company", "company"),
        (r"department", "field:department"),
        (r"jobtitle", "title"),
        *_OUTLOOK_ADDRESS,
        (r"businessphone\d*", "phones:work"),
        (r"(?:mobilephone|mobile)\d*", "phones:mobile"),
        (r"homephone\d*", "phones:home"),
        (r"(?:business|home|other)fax", "phones:fax"),
        (r"otherphone", "phones:other"),
        (r"pager", "phones:pager"),
        (r"primaryphone|companymainphone", "phones:main"),
        (r"carphone", "phones:car"),
        (r"assistant'sphone", "phones:assistant"),
        (r"e?mail(?:\d+)?address", "emails"),
        (r"categories", "tags"),
        (r"notes", "notes"),
        (r"birthday", "birthday"),
        (r"gender", "gender"),
        (r"webpage", "website[1]"),
        (r"personalwebpage", "website[2]"),
    ),
)

_OUTLOOK_DE = FormatSpec(
    name="outlook_de",
    title="Outlook (German)",
    date_order="dmy",
    list_sep=r";",
    tag_sep=r"\s*;\s*",
    rules=_rules(
        (r"vorname", "first_name"),
        (r"nachname", "last_name"),
        *_NAME_PARTS,
        (r"firma", "company"),
        (r"abteilung", "field:department"),
        (r"position", "title"),
        (r"strassegeschäftlich\d*", "street[1]"),
        (r"ortgeschäftlich", "city[1]"),
        (r"(?:region|bundesland/kanton|bundesland)geschäftlich", "region[1]"),
        (r"postleitzahlgeschäftlich", "postal_code[1]"),
        (r"land(?:/region)?geschäftlich", "country[1]"),
        (r"strasseprivat\d*", "street[2]"),
        (r"ortprivat", "city[2]"),
        (r"(?:region|bundesland/kanton|bundesland)privat", "region[2]"),
        (r"postleitzahlprivat", "postal_code[2]"),
        (r"land(?:/region)?privat", "country[2]"),
        (r"weiterestrasse\d*", "street[3]"),
        (r"weitererort", "city[3]"),
        (r"weitere(?:region|bundesland/kanton)", "region[3]"),
        (r"weiterepostleitzahl", "postal_code[3]"),
        (r"weiteres?land(?:/region)?", "country[3]"),
        (r"telefongeschäftlich\d*", "phones:work"),
        (r"mobiltelefon\d*", "phones:mobile"),
        (r"telefonprivat\d*", "phones:home"),
        (r"fax(?:geschäftlich|privat)|weiteresfax", "phones:fax"),
        (r"weiterestelefon", "phones:other"),
        (r"haupttelefon|telefonfirma", "phones:main"),
        (r"pager", "phones:pager"),
        (r"autotelefon", "phones:car"),
        (r"telefonassistent", "phones:assistant"),
        (r"email\d*:?adresse", "emails"),
        (r"kategorien", "tags"),
        (r"notizen", "notes"),
        (r"geburtstag", "birthday"),
        (r"geschlecht", "gender"),
        (r"webseite|webpage", "website[1]"),
        (r"persönlichewebseite", "website[2]"),
    ),
)

_LINKEDIN = FormatSpec(
    name="linkedin",
    title="LinkedIn connections",
    rules=_rules(
        (r"firstname", "first_name"),
        (r"lastname", "last_name"),
        (r"url", "website"),
        (r"emailaddress", "emails"),
        (r"company", "company"),
        (r"position", "title"),
        (r"connectedon", "field:linkedin_connected_on"),
    ),
)

_HUBSPOT = FormatSpec(
    name="hubspot",
    title="HubSpot contacts",
    date_order="mdy",
    rules=_rules(
        (r"recordid|contactid", "external_id"),
        (r"firstname", "first_name"),
        (r"lastname", "last_name"),
        (r"email|additionalemailaddresses", "emails"),
        (r"phonenumber|phone", "phones"),
        (r"mobilephonenumber", "phones:mobile"),
        (r"faxnumber", "phones:fax"),
        (r"companyname|associatedcompany", "company"),
        (r"jobtitle", "title"),
        (r"lifecyclestage", "stage"),
        (r"leadstatus", "field:lead_status"),
        (r"contactowner", "field:owner"),
        (r"originalsource|leadsource", "source"),
        (r"streetaddress", "street"),
        (r"city", "city"),
        (r"state/region|state", "region"),
        (r"postalcode|zip", "postal_code"),
        (r"country/region|country", "country"),
        (r"websiteurl|website", "website"),
        (r"dateofbirth|birthdate", "birthday"),
        (r"gender", "gender"),
        (r"notes|description", "notes"),
    ),
)

_SALESFORCE = FormatSpec(
    name="salesforce",
    title="Salesforce contacts",
    date_order="mdy",
    rules=_rules(
        (r"contactid|id", "external_id"),
        (r"salutation", "field:name_prefix"),
        (r"firstname", "first_name"),
        (r"lastname", "last_name"),
        (r"title", "title"),
        (r"accountname|account", "company"),
        (r"department", "field:department"),
        (r"email", "emails"),
        (r"phone|businessphone", "phones:work"),
        (r"mobile|mobilephone", "phones:mobile"),
        (r"homephone", "phones:home"),
        (r"otherphone", "phones:other"),
        (r"fax|businessfax", "phones:fax"),
        (r"mailingstreet", "street[1]"),
        (r"mailingcity", "city[1]"),
        (r"mailingstate(?:/province)?", "region[1]"),
        (r"mailing(?:zip|postalcode|zip/postalcode)", "postal_code[1]"),
        (r"mailingcountry", "country[1]"),
        (r"otherstreet", "street[2]"),
        (r"othercity", "city[2]"),
        (r"otherstate(?:/province)?", "region[2]"),
        (r"other(?:zip|postalcode|zip/postalcode)", "postal_code[2]"),
        (r"othercountry", "country[2]"),
        (r"leadsource", "source"),
        (r"birthdate", "birthday"),
        (r"description", "notes"),
        (r"contactowner|owner(?:name|fullname)?", "field:owner"),
    ),
)

_PIPEDRIVE = FormatSpec(
    name="pipedrive",
    title="Pipedrive people",
    date_order="mdy",
    list_sep=r"\s*[,;]\s*",
    tag_sep=r"\s*[,;]\s*",
    rules=_rules(
        (r"(?:person)?id", "external_id"),
        (r"(?:person)?name", "name"),
        (r"(?:person)?firstname", "first_name"),
        (r"(?:person)?lastname", "last_name"),
        (r"(?:person)?email(work|home|other)?", r"emails:\1"),
        (r"(?:person)?phone(work|home|mobile|other)?", r"phones:\1"),
        (r"(?:person)?organization(?:name)?", "company"),
        (r"(?:person)?labels?", "tags"),
        (r"(?:person)?(?:jobtitle|title)", "title"),
        (r"(?:person)?notes?", "notes"),
        (r"(?:person)?(?:birthday|birthdate)", "birthday"),
        (r"(?:person)?owner", "field:owner"),
        (r"(?:person)?postaladdress", "address"),
        (r"(?:person)?postaladdress(?:street|route|streetaddress).*", "street"),
        (r"(?:person)?postaladdress(?:city|locality).*", "city"),
        (r"(?:person)?postaladdress(?:state|region).*", "region"),
        (r"(?:person)?postaladdress(?:zip|postal).*", "postal_code"),
        (r"(?:person)?postaladdresscountry", "country"),
    ),
)

_THUNDERBIRD = FormatSpec(
    name="thunderbird",
    title="Thunderbird address book",
    rules=_rules(
        (r"firstname", "first_name"),
        (r"lastname", "last_name"),
        (r"displayname", "name"),
        (r"nickname", "field:nickname"),
        (r"primaryemail|secondaryemail", "emails"),
        (r"workphone", "phones:work"),
        (r"homephone", "phones:home"),
        (r"faxnumber", "phones:fax"),
        (r"pagernumber", "phones:pager"),
        (r"mobilenumber", "phones:mobile"),
        (r"workaddress\d*", "street[1]"),
        (r"workcity", "city[1]"),
        (r"workstate", "region[1]"),
        (r"workzipcode", "postal_code[1]"),
        (r"workcountry", "country[1]"),
        (r"homeaddress\d*", "street[2]"),
        (r"homecity", "city[2]"),
        (r"homestate", "region[2]"),
        (r"homezipcode", "postal_code[2]"),
        (r"homecountry", "country[2]"),
        (r"jobtitle", "title"),
        (r"department", "field:department"),
        (r"organization", "company"),
        (r"webpage(\d+)", r"website[\1]"),
        (r"birthyear", "birth_year"),
        (r"birthmonth", "birth_month"),
        (r"birthday", "birth_day"),
        (r"custom(\d+)", r"field:custom\1"),
        (r"notes", "notes"),
    ),
)

_TERMCRM = FormatSpec(
    name="termcrm",
    title="termcrm export",
    date_order="mdy",
    list_sep=r";",
    tag_sep=r";",
    unescape=True,
    labelled_items=True,
)

_FIELDS = FormatSpec(
    name="fields",
    title="termcrm field names",
    date_order="mdy",
    list_sep=r";",
    tag_sep=r";",
    unescape=True,
    labelled_items=True,
)

_GENERIC = FormatSpec(name="generic", title="generic CSV", date_order="mdy")

FORMATS: dict[str, FormatSpec] = {
    spec.name: spec
    for spec in (
        _GOOGLE,
        _OUTLOOK,
        _OUTLOOK_DE,
        _LINKEDIN,
        _HUBSPOT,
        _SALESFORCE,
        _PIPEDRIVE,
        _THUNDERBIRD,
        _TERMCRM,
        _FIELDS,
        _GENERIC,
    )
}
"""Every known format by name. ``termcrm`` is termcrm's own export (first column
``id``), ``fields`` any file whose columns are termcrm field names, ``generic``
anything else (common column names such as ``Email`` or ``Full Name`` still map)."""

# Detection: (format, markers, at least how many, one of these must be present).
_DETECT: tuple[tuple[FormatSpec, tuple[str, ...], int, str], ...] = (
    (
        _LINKEDIN,
        ("firstname", "lastname", "url", "emailaddress", "company", "position", "connectedon"),
        4,
        r"connectedon",
    ),
    (
        _THUNDERBIRD,
        tuple(
            r"""
            primaryemail secondaryemail displayname workphone mobilenumber faxnumber pagernumber webpage\d
            birthyear birthmonth workcity homecity custom\d
            """.split()
        ),
        4,
        r"primaryemail|secondaryemail|birthyear|mobilenumber",
    ),
    (
        _GOOGLE,
        tuple(
            r"""
            e?mail\d+(label|type|value) phone\d+(label|type|value) address\d+\w+ website\d+\w+
            organization\d*(name|title) labels groupmembership givenname familyname fileas firstname
            lastname phonetic\w+ customfield\d+\w+
            """.split()
        ),
        2,
        r"e?mail\d+(label|type|value)|phone\d+(label|type|value)|groupmembership|address\d+formatted|fileas",
    ),
    (
        _OUTLOOK,
        tuple(
            r"""
            emailaddress email2address email3address emaildisplayname emailtype businessphone mobilephone
            homephone jobtitle categories businessstreet businesscity businesspostalcode homestreet webpage
            middlename company department
            """.split()
        ),
        4,
        r"email2address|emaildisplayname|emailtype|businessphone|businessstreet|businessfax|homestreet",
    ),
    (
        _OUTLOOK_DE,
        tuple(
            r"""
            vorname nachname weiterevornamen firma abteilung position emailadresse email\d:adresse
            telefongeschäftlich mobiltelefon telefonprivat kategorien notizen geburtstag strassegeschäftlich
            ortgeschäftlich postleitzahlgeschäftlich anrede
            """.split()
        ),
        3,
        r"vorname|nachname|emailadresse|telefongeschäftlich|kategorien|notizen",
    ),
    (
        _HUBSPOT,
        tuple(
            r"""
            recordid firstname lastname email phonenumber companyname jobtitle lifecyclestage leadstatus
            createdate contactowner country/region state/region lastactivitydate mobilephonenumber
            """.split()
        ),
        4,
        r"recordid|lifecyclestage|leadstatus|country/region",
    ),
    (
        _SALESFORCE,
        tuple(
            r"""
            contactid accountname mailingstreet mailingcity mailingstate(/province)?
            mailing(zip|postalcode|zip/postalcode) mailingcountry leadsource birthdate salutation title
            mobile accountid contactowner firstname lastname email phone
            """.split()
        ),
        4,
        r"contactid|accountname|mailing\w+|leadsource|accountid",
    ),
    (
        _PIPEDRIVE,
        tuple(
            r"""
            personname personfirstname personlastname personemail\w* personphone\w* personorganization
            personlabels? personowner personid visibleto
            opendeals closeddeals wondeals lostdeals nextactivitydate email(work|home|other)
            phone(work|home|mobile|other) labels organization name firstname lastname owner
            """.split()
        ),
        3,
        r"person(name|firstname|lastname|email\w*|phone\w*|organization|labels?)|visibleto|opendeals"
        r"|closeddeals|wondeals|lostdeals|email(work|home|other)|phone(work|home|mobile|other)",
    ),
)


def _exact_field(column: str, record_type: str) -> str | None:
    """The target a column names exactly (``first_name``, ``field:KEY``...), or None."""
    raw = column.strip()
    low = raw.lower()
    if low in FIELD_NAMES[record_type]:
        return low
    for prefix in ("field:", "fields.", "fields:"):
        if low.startswith(prefix) and len(raw) > len(prefix) and record_type in _CUSTOM_FIELDS:
            return "field:" + raw[len(prefix) :].strip()
    return None


def detect_format(header: Sequence[str], record_type: str = "contacts") -> FormatSpec:
    """Which program wrote a CSV file with this header row.

    Returns one of :data:`FORMATS`: ``termcrm`` (own export: first column ``id``
    and mostly termcrm field names), ``fields`` (every column a termcrm field
    name), a contacts export (``google``, ``outlook``, ``outlook_de``,
    ``linkedin``, ``hubspot``, ``salesforce``, ``pipedrive``, ``thunderbird``;
    only for ``record_type="contacts"``), else ``generic``.
    """
    record_type = record_type_name(record_type)
    cells = [cell for cell in header if cell.strip()]
    if not cells:
        return _GENERIC
    exact = [_exact_field(cell, record_type) for cell in cells]
    known = sum(1 for target in exact if target)
    if cells[0].strip().lower() == "id" and len(cells) >= 2 and known * 2 >= len(cells) + 1:
        return _TERMCRM
    if known == len(cells):
        return _FIELDS
    if record_type != "contacts":
        return _GENERIC
    keys = [_key(cell) for cell in cells]
    best: FormatSpec | None = None
    best_score = 0
    for spec, markers, minimum, required in _DETECT:
        if not any(re.fullmatch(required, key) for key in keys):
            continue
        score = sum(1 for marker in markers if any(re.fullmatch(marker, key) for key in keys))
        if score >= minimum and score > best_score:
            best, best_score = spec, score
    return best or _GENERIC


def get_format(name: str) -> FormatSpec:
    """The :class:`FormatSpec` called ``name``; :class:`Invalid` listing the names otherwise."""
    spec = FORMATS.get(name.strip().lower().replace("-", "_"))
    if spec is None:
        raise Invalid(f"unknown format {name!r}; use one of: {', '.join(FORMATS)}")
    return spec


# Synonyms understood in any file (format "generic"), by record type.
_SYNONYMS: dict[str, dict[str, str]] = {
    "contacts": {
        "first_name": "firstname givenname forename first vorname prénom prenom nombre",
        "last_name": "lastname surname familyname last nachname nom apellido apellidos",
        "name": "name fullname displayname contactname contact person personname",
        "emails": "email emails mail emailaddress emailaddresses primaryemail email1 email2 email3 mailaddress",
        "emails:work": "workemail businessemail officeemail",
        "emails:home": "homeemail personalemail privateemail",
        "phones": "phone phones phonenumber telephone tel telefon phone1 phone2 phone3 telephonenumber",
        "phones:work": "workphone businessphone officephone",
        "phones:mobile": "mobile mobilephone mobilenumber cell cellphone cellular handy mobiltelefon",
        "phones:home": "homephone",
        "phones:fax": "fax faxnumber",
        "company": "company companyname organization organisation org account accountname firma employer",
        "title": "title jobtitle position role jobrole",
        "tags": "tags tag labels label categories category groups group kategorien",
        "stage": "stage lifecyclestage status",
        "source": "source leadsource",
        "birthday": "birthday birthdate dateofbirth dob geburtstag",
        "gender": "gender sex",
        "street": "street streetaddress addressline1 address1 strasse",
        "address": "address postaladdress fulladdress mailingaddress adresse",
        "city": "city town ort stadt locality",
        "region": "state region province state/province state/region county bundesland",
        "postal_code": "zip zipcode postalcode postcode plz postleitzahl",
        "country": "country country/region land",
        "website": "website web url homepage webpage webseite site",
        "notes": "notes note comments comment description notizen remarks",
        "external_id": "id externalid recordid contactid uid",
    },
    "companies": {
        "name": "name company companyname organization organisation organizationname account accountname firma",
        "domain": "domain companydomainname emaildomain",
        "industry": "industry sector branche",
        "size": "size employees numberofemployees companysize headcount",
        "tags": "tags tag labels label categories category",
        "street": "street streetaddress addressline1 address1 strasse",
        "address": "address postaladdress fulladdress billingaddress",
        "city": "city town ort stadt locality billingcity",
        "region": "state region province state/province state/region county billingstate/province",
        "postal_code": "zip zipcode postalcode postcode plz billingzip/postalcode",
        "country": "country country/region land billingcountry",
        "website": "website web url homepage webpage",
        "notes": "notes note comments comment description",
        "external_id": "id externalid recordid companyid accountid",
    },
    "deals": {
        "title": "title name dealname dealtitle deal opportunityname subject",
        "contact": "contact contactperson person contactname email contactemail personname",
        "company": "company organization organisation account accountname companyname",
        "pipeline": "pipeline",
        "stage": "stage dealstage",
        "amount": "amount value dealvalue dealamount",
        "currency": "currency dealcurrency",
        "probability": "probability probability(%) winprobability",
        "expected_close": "expectedclose expectedclosedate closedate expectedclosingdate",
        "owner": "owner dealowner assignee assignedto salesrep opportunityowner",
        "source": "source leadsource",
        "id": "id",
    },
    "interactions": {
        "contact": "contact contactperson person contactname email",
        "company": "company organization organisation account",
        "kind": "kind type activitytype",
        "summary": "summary subject title",
        "body": "body description note notes content details",
        "occurred_at": "occurredat date datetime when timestamp time",
        "channel": "channel",
        "direction": "direction",
        "outcome": "outcome result",
        "id": "id",
    },
    "followups": {
        "title": "title subject task name",
        "due": "due duedate dueat deadline date",
        "contact": "contact contactperson person contactname email",
        "company": "company organization organisation account",
        "priority": "priority",
        "notes": "notes note description",
        "assignee": "assignee owner assignedto",
        "id": "id",
    },
}

_SYNONYM_KEYS: dict[str, dict[str, str]] = {
    kind: {word: target for target, words in table.items() for word in words.split()}
    for kind, table in _SYNONYMS.items()
}


def _generic_target(column: str, record_type: str) -> str | None:
    table = _SYNONYM_KEYS[record_type]
    key = _key(column)
    if key in table:
        return table[key]
    if record_type == "deals" and key.startswith("deal") and key[4:] in table:
        return table[key[4:]]
    if record_type == "contacts":
        if re.fullmatch(r"e?mail\d+", key):
            return "emails"
        if re.fullmatch(r"phone\d+", key):
            return "phones"
    return None


# ---------------------------------------------------------------------------
# Mappings
# ---------------------------------------------------------------------------

_TARGET = re.compile(r"(?P<base>[a-z_]+)(?:\[(?P<n>\d{1,4})\](?P<label>\.label)?)?(?::(?P<arg>.+))?", re.S | re.I)
_TARGET_ALIASES = {"email": "emails", "phone": "phones", "tag": "tags", "fields": "field", "custom": "field"}


@dataclass(frozen=True)
class _Target:
    base: str
    group: int = 0
    label: bool = False
    arg: str | None = None


def _parse_target(target: str, record_type: str) -> _Target | None:
    """A parsed target, None for ``ignore``; :class:`Invalid` for an unknown one."""
    text = target.strip()
    if text.lower() == "ignore" or text == "":
        return None
    m = _TARGET.fullmatch(text)
    kinds = _KINDS[record_type]
    if m:
        base = m.group("base").lower()
        base = _TARGET_ALIASES.get(base, base)
        group = int(m.group("n")) if m.group("n") is not None else 0
        label = bool(m.group("label"))  # ".label" in any case
        arg = m.group("arg")
        arg = arg.strip() if arg is not None else None
        if base == "field" and record_type in _CUSTOM_FIELDS:
            if (arg and not label and not group) or (group and not arg):
                return _Target("field", group, label, arg)
        elif base in kinds:
            ok = True
            if label and base not in _LABELLED:
                ok = False
            if arg is not None and (base not in _LABELLED or label or not arg):
                ok = False
            if ok:
                return _Target(base, group, label, arg.lower() if arg else None)
    valid = list(FIELD_NAMES[record_type])
    extra = ["ignore", "emails:LABEL", "phones:LABEL"] if record_type == "contacts" else ["ignore"]
    if record_type in _CUSTOM_FIELDS:
        extra.append("field:KEY")
    raise Invalid(f"unknown field {target!r} for {record_type}; valid fields: {', '.join(valid + extra)}")


def _canonical_target(target: str, record_type: str) -> str:
    parsed = _parse_target(target, record_type)
    if parsed is None:
        return "ignore"
    out = parsed.base
    if parsed.group:
        out += f"[{parsed.group}]"
        if parsed.label:
            out += ".label"
    if parsed.arg:
        out += f":{parsed.arg}"
    return out


@dataclass
class Mapping:
    """Which termcrm field each CSV column goes to.

    ``columns`` maps a header cell (as spelled in the file) to a target (see the
    module docstring); a column that is absent, or mapped to ``ignore``, is
    dropped. ``format`` names the :class:`FormatSpec` whose cell rules apply
    (``None`` in a mapping file means "detect it"); ``date_order`` (``mdy`` or
    ``dmy``), when set, overrides the format's.
    """

    columns: dict[str, str] = field(default_factory=dict)
    format: str | None = "generic"
    record_type: str = "contacts"
    date_order: str | None = None

    def target(self, column: str) -> str | None:
        """The target of ``column`` (exact spelling first, then case/space-insensitively)."""
        if column in self.columns:
            return self.columns[column]
        key = _key(column)
        for name, target in self.columns.items():
            if _key(name) == key:
                return target
        return None

    def unmapped(self, header: Sequence[str]) -> list[str]:
        """The header cells that no target takes (ignored ones excluded)."""
        return [col for col in header if col.strip() and self.target(col) is None]

    def mapped(self) -> dict[str, str]:
        """The columns with a real target (``ignore`` left out)."""
        return {col: target for col, target in self.columns.items() if target != "ignore"}


def parse_map_option(values: str | Iterable[str], record_type: str = "contacts") -> dict[str, str]:
    """Parse ``--map "Column=field"`` options into ``{column: target}``.

    ``values`` is one string or several. The target may be ``ignore``; an
    unknown target raises :class:`Invalid` listing the valid fields.
    """
    record_type = record_type_name(record_type)
    items = [values] if isinstance(values, str) else list(values)
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise Invalid(f"--map expects COLUMN=FIELD, got {item!r}")
        column, target = item.rsplit("=", 1)
        column = column.strip()
        if not column:
            raise Invalid(f"--map expects COLUMN=FIELD, got {item!r}: the column is empty")
        out[column] = _canonical_target(target, record_type)
    return out


def build_mapping(
    header: Sequence[str],
    spec: FormatSpec | str | None = None,
    record_type: str = "contacts",
    overrides: Iterable[AbcMapping[str, str] | Mapping | None] = (),
    *,
    strict: bool = False,
) -> Mapping:
    """The mapping for a file with this ``header``.

    Starts from ``spec`` (a :class:`FormatSpec` or its name; detected from the
    header when None), then applies each of ``overrides`` in order (a dict such
    as :func:`parse_map_option` returns, or a :class:`Mapping` from
    :func:`load_mapping`, whose ``date_order`` is kept too). Override columns are
    matched case- and whitespace-insensitively; with ``strict`` a column that is
    not in the header raises :class:`Invalid`, otherwise it is skipped.
    Columns a termcrm-format file has that are not field names (``created_at``)
    are left unmapped.
    """
    record_type = record_type_name(record_type)
    if spec is None:
        spec = detect_format(header, record_type)
    elif isinstance(spec, str):
        spec = get_format(spec)
    columns: dict[str, str] = {}
    for col in header:
        if not col.strip() or col in columns:
            continue
        target: str | None
        if spec.name in ("termcrm", "fields"):
            target = _exact_field(col, record_type)
        elif spec.rules and record_type == "contacts":
            target = spec.target(col)
        else:
            target = _generic_target(col, record_type)
        if target is not None:
            columns[col] = _canonical_target(target, record_type)
    mapping = Mapping(columns=columns, format=spec.name, record_type=record_type)
    by_key: dict[str, str] = {}
    for col in header:
        by_key.setdefault(_key(col), col)
    for override in overrides:
        if override is None:
            continue
        if isinstance(override, Mapping):
            items = override.columns
            if override.date_order:
                mapping.date_order = override.date_order
        else:
            items = dict(override)
        for col, target in items.items():
            real = col if col in header else by_key.get(_key(col))
            if real is None:
                if strict:
                    shown = ", ".join(repr(c) for c in header if c.strip())
                    raise Invalid(f"the file has no column {col!r}; its columns are: {shown}")
                continue
            mapping.columns[real] = _canonical_target(target, record_type)
    return mapping


def load_mapping(path: str | Path, record_type: str | None = None) -> Mapping:
    """Read a mapping file (TOML)::

        format = "google"      # optional: the format's cell rules; detected when absent
        type = "contacts"      # optional record type
        date_order = "dmy"     # optional: how to read 03/04/2020
        [mapping]
        "E-mail 1 - Value" = "emails"
        "Lead Status" = "field:lead_status"
        "Notes" = "ignore"

    A file that cannot be read or parsed raises :class:`InvalidFile`; unknown
    fields, formats or types raise :class:`Invalid`.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidFile(f"cannot read mapping file {str(path)!r}: {exc.strerror or exc}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidFile(f"mapping file {str(path)!r} is not valid TOML: {exc}") from None
    kind = doc.get("type", record_type or "contacts")
    if not isinstance(kind, str):
        raise InvalidFile(f"mapping file {str(path)!r}: 'type' must be a string")
    kind = record_type_name(record_type or kind)
    fmt = doc.get("format")
    if fmt is not None:
        if not isinstance(fmt, str):
            raise InvalidFile(f"mapping file {str(path)!r}: 'format' must be a string")
        fmt = get_format(fmt).name
    order = doc.get("date_order")
    if order is not None and order not in ("mdy", "dmy"):
        raise Invalid(f"mapping file {str(path)!r}: date_order must be 'mdy' or 'dmy', not {order!r}")
    table = doc.get("mapping", {})
    if not isinstance(table, dict):
        raise InvalidFile(f'mapping file {str(path)!r}: [mapping] must be a table of "Column" = "field"')
    columns: dict[str, str] = {}
    for col, target in table.items():
        if not isinstance(target, str):
            raise InvalidFile(f"mapping file {str(path)!r}: the target of {col!r} must be a string")
        columns[col] = _canonical_target(target, kind)
    return Mapping(columns=columns, format=fmt, record_type=kind, date_order=order)


def save_mapping(mapping: Mapping, path: str | Path) -> None:
    """Write ``mapping`` as a TOML mapping file that :func:`load_mapping` reads back."""
    doc: dict[str, Any] = {}
    if mapping.format:
        doc["format"] = mapping.format
    doc["type"] = mapping.record_type
    if mapping.date_order:
        doc["date_order"] = mapping.date_order
    doc["mapping"] = dict(mapping.columns)
    try:
        Path(path).write_text(tomli_w.dumps(doc), encoding="utf-8")
    except OSError as exc:
        raise InvalidFile(f"cannot write mapping file {str(path)!r}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

_EMAIL = re.compile(
    r"[^@\s<>(),;:\"\[\]\\]+@(?:[^@\s<>(),;:\"\[\]\\.]+\.)+[^@\s<>(),;:\"\[\]\\.\d][^@\s<>(),;:\"\[\]\\.]*"
)


def normalize_email(text: str) -> str:
    """A cleaned email address (``mailto:`` and ``Name <...>`` removed, domain lower-cased).

    Raises ValueError (message ``'bob@' is not an email address``) when it is not one.
    """
    value = text.strip()
    if ">" in value:
        m = _ANGLED.search(value)
        if m:
            value = m.group(1).strip()
    if value[:7].lower() == "mailto:":
        value = value[7:].strip()
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{text.strip()!r} is not an email address")
    local, _, domain = value.rpartition("@")
    return value if domain.islower() else f"{local}@{domain.lower()}"


_ANGLED = re.compile(r"<([^<>]*)>\s*$")


_LABEL_SYNONYMS = {
    "business": "work",
    "office": "work",
    "job": "work",
    "geschäftlich": "work",
    "arbeit": "work",
    "personal": "home",
    "private": "home",
    "privat": "home",
    "cell": "mobile",
    "cellular": "mobile",
    "mobil": "mobile",
    "handy": "mobile",
    "mobiltelefon": "mobile",
    "iphone": "mobile",
    "facsimile": "fax",
    "telefax": "fax",
    "workfax": "fax",
    "homefax": "fax",
    "work fax": "fax",
    "home fax": "fax",
    "andere": "other",
    "sonstige": "other",
    "main": "main",
    "voice": "",
    "internet": "",
    "pref": "",
}


def normalize_label(label: str | None) -> str:
    """A lower-case label for an email address or phone number.

    Removes Google's ``* `` (primary) mark and Apple's ``_$!<...>!$_`` wrapper, and
    maps common synonyms to ``work``, ``home``, ``mobile``, ``fax``, ``other``...
    """
    if not label:
        return ""
    text = label.strip()
    m = re.fullmatch(r"_\$!<(.*)>!\$_", text)
    if m:
        text = m.group(1)
    text = text.lstrip("*").strip().lower()
    text = re.sub(r"\s+", " ", text)
    return _LABEL_SYNONYMS.get(text, text)


_PARTICLES = {
    "van",
    "von",
    "de",
    "da",
    "di",
    "del",
    "della",
    "der",
    "den",
    "la",
    "le",
    "du",
    "dos",
    "das",
    "ten",
    "ter",
    "bin",
    "ibn",
    "al",
    "el",
    "st.",
    "zu",
    "af",
    "av",
}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d.", "md", "m.d.", "esq", "esq."}


def _is_cjk(text: str) -> bool:
    for ch in text:
        if ch.isspace():
            continue
        name = unicodedata.name(ch, "")
        if not name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "HALFWIDTH KATAKANA")):
            if ch not in "・･ー":
                return False
    return True


def split_name(full: str) -> tuple[str | None, str | None]:
    """Split a full name into ``(first_name, last_name)``.

    ``Last, First`` is understood; particles stay with the last name
    (``Ludwig van Beethoven`` -> ``Ludwig`` / ``van Beethoven``); a single word
    is a first name. Names written in CJK scripts (family name first, often
    without a space) are kept whole as the last name so that they display as
    written.
    """
    text = re.sub(r"\s+", " ", full.strip())
    if not text:
        return None, None
    if _is_cjk(text):
        return None, text
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if first and last and first.lower() not in _SUFFIXES:
            return first, last
    tokens = text.split(" ")
    if len(tokens) == 1:
        return tokens[0], None
    end = len(tokens) - 1
    if tokens[end].lower() in _SUFFIXES and end >= 2:
        end -= 1
    start = end
    while start > 1 and tokens[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(tokens[:start]), " ".join(tokens[start:])


_MONTHS = {
    "jan": 1, "january": 1, "januar": 1, "jän": 1, "jänner": 1,
    "feb": 2, "february": 2, "februar": 2,
    "mar": 3, "march": 3, "mär": 3, "märz": 3, "maerz": 3,
    "apr": 4, "april": 4,
    "may": 5, "mai": 5,
    "jun": 6, "june": 6, "juni": 6,
    "jul": 7, "july": 7, "juli": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "okt": 10, "oktober": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12, "dez": 12, "dezember": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_TIME_TAIL = re.compile(
    r"(?:[T\s]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?\s*(?P<ampm>[ap]\.?m\.?)?"
    r"\s*(?P<tz>z|utc|gmt|[+-]\d{2}:?\d{2})?)?\s*$",
    re.I,
)


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        year += 2000 if year <= 30 else 1900
    return year


def _split_date(text: str, order: str) -> tuple[date | None, str]:
    """(date, rest of the text), ValueError when the front is no date; None date for 0/0/00."""
    s = text.strip()
    m = re.match(r"--(\d{2})-?(\d{2})(?!\d)", s)
    if m:
        return date(YEARLESS_YEAR, int(m.group(1)), int(m.group(2))), s[m.end() :]
    m = re.match(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)", s) or re.match(r"(\d{4})()(\d{2})(\d{2})(?!\d)", s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
        return (None if y == mo == d == 0 else date(y, mo, d)), s[m.end() :]
    m = re.match(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{2}|\d{4})(?!\d)", s)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        return (None if d == mo == 0 else date(y, mo, d)), s[m.end() :]
    m = re.match(r"(\d{1,2})([/-])(\d{1,2})\2(\d{2}|\d{4})(?!\d)", s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), _year(m.group(4))
        if a == 0 and b == 0:
            return None, s[m.end() :]
        if order == "dmy" and b <= 12 or a > 12:
            d, mo = a, b
        else:
            mo, d = a, b
        return date(y, mo, d), s[m.end() :]
    m = re.match(rf"(\d{{1,2}})\.?[\s-]*({_MONTH_RE})\.?[\s,-]*(\d{{4}})(?!\d)", s, re.I)
    if m:
        return date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))), s[m.end() :]
    m = re.match(rf"({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", s, re.I)
    if m:
        return date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))), s[m.end() :]
    raise ValueError("no date")


def parse_date(text: str, order: str = "mdy") -> date | None:
    """Read a date as exports write it; None for an empty or all-zero date (``0/0/00``).

    Understands ISO ``1990-12-31`` (also ``1990/12/31``, ``19901231``, with an
    ignored time after it), ``31.12.1990`` (German), ``12/31/1990`` (US; with
    ``order="dmy"`` ``31/12/1990`` - a first number over 12 is always a day),
    ``31 Dec 1990``, ``Dec 31, 1990`` and year-less ``--12-31`` / ``--1231``
    (year :data:`YEARLESS_YEAR`). Raises ValueError ``'...' is not a date``.
    """
    s = text.strip()
    if not s:
        return None
    try:
        value, rest = _split_date(s, order)
        if not _TIME_TAIL.fullmatch(rest):
            raise ValueError("trailing text")
    except (ValueError, OverflowError):
        raise ValueError(f"{s!r} is not a date") from None
    return value


def parse_datetime(text: str, order: str = "mdy") -> tuple[date | datetime | None, bool]:
    """Read a date with an optional time: ``(value, has_time)``.

    The value is a ``date`` when there is no time, else a ``datetime`` - naive
    when the text has no offset, aware for ``Z``/``UTC``/``+02:00``. AM/PM is
    understood. Raises ValueError ``'...' is not a date``.
    """
    s = text.strip()
    if not s:
        return None, False
    try:
        day, rest = _split_date(s, order)
        m = _TIME_TAIL.fullmatch(rest)
        if not m:
            raise ValueError("trailing text")
        if day is None or m.group("h") is None:
            return day, False
        hour, minute = int(m.group("h")), int(m.group("mi"))
        second = int(m.group("s") or 0)
        micro = int((m.group("f") or "0").ljust(6, "0"))
        ampm = (m.group("ampm") or "").replace(".", "").lower()
        if ampm:
            if not 1 <= hour <= 12:
                raise ValueError("bad hour")
            hour = hour % 12 + (12 if ampm == "pm" else 0)
        tz = m.group("tz")
        zone: timezone | None = None
        if tz:
            if tz.lower() in ("z", "utc", "gmt"):
                zone = UTC
            else:
                sign = -1 if tz[0] == "-" else 1
                digits = tz[1:].replace(":", "")
                zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return datetime.combine(day, time(hour, minute, second, micro), tzinfo=zone), True
    except (ValueError, OverflowError):
        raise ValueError(f"{s!r} is not a date") from None


def format_date(value: date) -> str:
    """ISO date, or ``--MM-DD`` for a year-less date (year :data:`YEARLESS_YEAR`)."""
    if not isinstance(value, datetime) and value.year == YEARLESS_YEAR:
        return f"--{value.month:02d}-{value.day:02d}"
    return value.isoformat()


_STAGE_SYNONYMS = {
    "marketingqualifiedlead": "mql",
    "salesqualifiedlead": "sql",
    "marketing qualified lead": "mql",
    "sales qualified lead": "sql",
    "prospect": "lead",
}
_GENDERS = {
    "m": "male", "male": "male", "man": "male", "männlich": "male", "mann": "male", "masculino": "male",
    "f": "female", "w": "female", "female": "female", "woman": "female", "weiblich": "female", "frau": "female",
    "unspecified": None, "unknown": None, "u": None, "n/a": None, "nicht angegeben": None, "-": None,
}  # fmt: skip
_DIRECTIONS = {
    "in": "in", "inbound": "in", "incoming": "in", "received": "in",
    "out": "out", "outbound": "out", "outgoing": "out", "sent": "out",
}  # fmt: skip
_CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "fr": "CHF", "sfr": "CHF"}


def _convert(kind: str, value: str, order: str) -> Any:
    """A cell value converted for a field of ``kind``; ValueError with a message when bad."""
    if kind in (_TEXT, _STREET):
        return re.sub(r"[ \t]+", " ", value) if kind == _TEXT else value
    if kind == _NOTES:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if kind == _DATE:
        return parse_date(value, order)
    if kind == _DATETIME:
        when, _ = parse_datetime(value, order)
        if isinstance(when, date) and not isinstance(when, datetime):
            when = datetime.combine(when, time())
        return when
    if kind == _DUE:
        return parse_datetime(value, order)[0]
    if kind == _INT:
        if not re.fullmatch(r"\d{1,18}", value):
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    if kind == _PART:
        if not re.fullmatch(r"\d{1,4}", value):
            raise ValueError(f"{value!r} is not a number")
        return int(value)
    if kind == _PROB:
        m = re.fullmatch(r"(\d{1,3}(?:[.,]\d+)?)\s*(%?)", value)
        if not m:
            raise ValueError(f"{value!r} is not a probability (0-100)")
        number = float(m.group(1).replace(",", "."))
        if not m.group(2) and number < 1 and ("." in value or "," in value):
            number *= 100
        if number > 100:
            raise ValueError(f"{value!r} is not a probability (0-100)")
        return int(round(number))
    if kind == _CURRENCY:
        code = _CURRENCY_SIGNS.get(value.lower(), value.upper())
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"{value!r} is not a currency code (such as EUR, USD)")
        return code
    if kind == _STAGE:
        low = re.sub(r"\s+", " ", value.lower())
        return _STAGE_SYNONYMS.get(low, low)
    if kind == _GENDER:
        low = value.lower()
        return _GENDERS[low] if low in _GENDERS else low
    if kind == _DIRECTION:
        low = value.lower()
        return _DIRECTIONS.get(low, low)
    if kind == _PRIORITY:
        low = value.lower()
        return {"medium": "normal", "med": "normal", "urgent": "high"}.get(low, low)
    if kind == _LOWER:
        return value.lower()
    if kind == _DOMAIN:
        host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value.strip().lower())
        host = host.split("/")[0].split("?")[0].split("@")[-1]
        host = host.removeprefix("www.")
        if not re.fullmatch(r"[^\s.:/]+(\.[^\s.:/]+)+", host):
            raise ValueError(f"{value!r} is not a domain name")
        return host
    return value


_LABELLED_ITEM = re.compile(r"([^\W\d_][\w .'&/-]{0,39}?)\s*:\s*(\S.*)", re.S)


def _split_labelled(item: str) -> tuple[str | None, str]:
    """``'work: bob@example.com'`` -> ``('work', 'bob@example.com')``; no label -> (None, item)."""
    m = _LABELLED_ITEM.fullmatch(item)
    if m and m.group(1).lower() not in ("mailto", "tel", "http", "https", "sip"):
        return m.group(1), m.group(2).strip()
    return None, item


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


@dataclass
class CellError:
    """A problem with one cell (``column``) or a whole row (``column`` None)."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.column is None:
            return f"line {self.line}: {self.message}"
        return f'line {self.line}, column "{self.column}": {self.message}'


@dataclass
class ParsedRow:
    """One record read from a file.

    ``data`` holds the normalised fields (only those with a value; invalid values
    are left out); ``errors`` the problems found. A row with errors should be
    reported (``str(error)``) and skipped by a strict importer.
    """

    line: int
    data: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_REQUIRED = {
    "contacts": (
        ("first_name", "last_name", "emails"),
        "a contact needs a first name, a last name or an email address",
    ),
    "companies": (("name",), "a company needs a name"),
    "deals": (("title",), "a deal needs a title"),
    "interactions": (("summary", "body"), "an interaction needs a summary or a body"),
    "followups": (("title",), "a follow-up needs a title"),
}
_ADDRESS_FIELDS = ("street", "address", "city", "region", "postal_code", "country")


def records(table: Table, mapping: Mapping, record_type: str | None = None) -> Iterator[ParsedRow]:
    """Turn each row of ``table`` into a :class:`ParsedRow` using ``mapping``.

    ``record_type`` defaults to the mapping's. Per-cell checks: email addresses,
    phone numbers (need a digit), dates, numbers, ragged rows, and a row-level
    check that the record has a name (see the module docstring).
    """
    kind = record_type_name(record_type or mapping.record_type)
    spec = FORMATS.get(mapping.format or "generic", _GENERIC)
    order = mapping.date_order or spec.date_order
    columns: list[tuple[int, str, _Target]] = []
    for index, column in enumerate(table.header):
        target = mapping.target(column)
        if target is None:
            continue
        parsed = _parse_target(target, kind)
        if parsed is not None:
            columns.append((index, column, parsed))
    width = len(table.header)
    for row in table.rows:
        yield _parse_row(row, columns, spec, kind, order, width)


def _parse_row(
    row: Row, columns: list[tuple[int, str, _Target]], spec: FormatSpec, kind: str, order: str, width: int
) -> ParsedRow:
    errors: list[CellError] = []
    data: dict[str, Any] = {}
    kinds = _KINDS[kind]
    if row.ragged:
        errors.append(CellError(row.line, None, f"{len(row.cells)} cells, header has {width}"))

    def bad(column: str, message: str) -> None:
        errors.append(CellError(row.line, column, message))

    scalars: dict[str, list[tuple[int, int, str, str]]] = {}
    labels: dict[tuple[str, int], str] = {}
    items: list[tuple[str, int, str | None, str, str]] = []
    custom: dict[str, str] = {}
    custom_groups: dict[int, tuple[str, str]] = {}
    tags: list[str] = []
    for position, (index, column, target) in enumerate(columns):
        cell = row.cells[index] if index < len(row.cells) else ""
        if spec.unescape:
            cell = unescape_formula(cell)
        value = cell.strip()
        if not value:
            continue
        if target.label:
            labels[(target.base, target.group)] = value
        elif target.base in ("emails", "phones"):
            items.append((target.base, target.group, target.arg, value, column))
        elif target.base == "field":
            if target.arg:
                custom.setdefault(target.arg, value)
            else:
                custom_groups.setdefault(target.group, (value, column))
        elif target.base == "tags":
            for tag in re.split(spec.tag_sep, value):
                tag = re.sub(r"\s+", " ", tag.strip())
                if not tag or (spec.drop_labels and re.fullmatch(spec.drop_labels, tag, re.I)):
                    continue
                if tag not in tags:
                    tags.append(tag)
        else:
            if spec.multi_scalars and kinds.get(target.base) not in (_NOTES, _STREET):
                value = next((part for part in re.split(spec.list_sep, value) if part.strip()), value).strip()
            scalars.setdefault(target.base, []).append((target.group, position, value, column))

    # Address parts come from one group: the lowest with any part.
    groups = [entry[0] for name in _ADDRESS_FIELDS for entry in scalars.get(name, [])]
    if groups:
        chosen = min(groups)
        for name in _ADDRESS_FIELDS:
            kept = [entry for entry in scalars.pop(name, []) if entry[0] == chosen]
            if kept:
                scalars[name] = kept
        streets = [entry for entry in scalars.pop("street", []) if entry[2]]
        formatted = scalars.pop("address", [])
        if streets:
            data["street"] = "\n".join(entry[2] for entry in streets)
        elif formatted and not any(name in scalars for name in _ADDRESS_FIELDS):
            data["street"] = formatted[0][2].replace("\r\n", "\n")

    for name, entries in scalars.items():
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        _, _, value, column = entries[0]
        try:
            converted = _convert(kinds[name], value, order)
        except ValueError as exc:
            bad(column, str(exc))
            continue
        if converted is not None:
            data[name] = converted

    # Birthday split over columns (Thunderbird).
    parts = {name: data.pop(name) for name in ("birth_year", "birth_month", "birth_day") if name in data}
    if "birth_month" in parts and "birth_day" in parts and "birthday" not in data:
        try:
            data["birthday"] = date(parts.get("birth_year") or YEARLESS_YEAR, parts["birth_month"], parts["birth_day"])
        except ValueError:
            column = next(col for _, col, t in columns if t.base == "birth_day")
            bad(column, f"{parts.get('birth_year', '')}-{parts['birth_month']}-{parts['birth_day']} is not a date")

    for base in ("emails", "phones"):
        found: list[tuple[str, str]] = []
        seen: set[str] = set()
        for item_base, group, fixed, value, column in items:
            if item_base != base:
                continue
            label = normalize_label(fixed if fixed is not None else labels.get((base, group)))
            pieces = re.split(spec.list_sep, value)
            if base == "emails":
                pieces = [bit for piece in pieces for bit in re.split(r"[;,]", piece)]
            for piece in pieces:
                piece = piece.strip()
                if not piece:
                    continue
                item_label = label
                if spec.labelled_items:
                    own, piece = _split_labelled(piece)
                    if own is not None:
                        item_label = normalize_label(own)
                if base == "emails":
                    if piece.lower().startswith("/o="):
                        continue  # an Exchange-internal address, not an email address
                    try:
                        piece = normalize_email(piece)
                    except ValueError as exc:
                        bad(column, str(exc))
                        continue
                else:
                    if piece.lower().startswith("tel:"):
                        piece = piece[4:].strip()
                    if not any(ch.isdigit() for ch in piece):
                        bad(column, f"{piece!r} is not a phone number")
                        continue
                    piece = re.sub(r"\s+", " ", piece)
                key = piece.lower()
                if key in seen:
                    continue
                seen.add(key)
                found.append((item_label, piece))
        if found:
            data[base] = found

    if tags:
        data["tags"] = tags
    for group in sorted(custom_groups):
        value, _ = custom_groups[group]
        key = labels.get(("field", group), "").strip() or f"custom_{group}"
        custom.setdefault(key, value)
    if custom:
        data["fields"] = {key: value.replace("\r\n", "\n") for key, value in custom.items()}

    if kind == "contacts" and "name" in data and not data.get("first_name") and not data.get("last_name"):
        first, last = split_name(data["name"])
        if first:
            data["first_name"] = first
        if last:
            data["last_name"] = last

    needed, message = _REQUIRED[kind]
    if not any(data.get(name) for name in needed) and not row.ragged:
        errors.append(CellError(row.line, None, message))
    return ParsedRow(line=row.line, data=data, errors=errors)


@dataclass
class CsvFile:
    """A whole CSV file read by :func:`parse_csv`."""

    table: Table
    format: FormatSpec
    mapping: Mapping
    rows: list[ParsedRow]

    @property
    def errors(self) -> list[CellError]:
        """Every error of every row, in file order."""
        return [error for row in self.rows for error in row.errors]


def parse_csv(
    data: bytes,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    record_type: str = "contacts",
    fmt: str | None = None,
    mapping: Mapping | None = None,
    maps: str | Iterable[str] = (),
) -> CsvFile:
    """Read a whole CSV file: decode, split, detect the format, map and parse.

    ``fmt`` forces a format by name (else the mapping file's, else detected);
    ``mapping`` is a loaded mapping file, ``maps`` ``--map`` options (strict:
    their columns must exist). Bad options raise :class:`Invalid`, an unreadable
    file :class:`InvalidFile`; per-row problems are in ``rows[i].errors``.
    """
    kind = record_type_name(record_type)
    overrides = parse_map_option(maps, kind)  # bad options fail before the file is read
    name = fmt or (mapping.format if mapping is not None else None)
    forced = get_format(name) if name else None
    text = decode(data, encoding)
    table = read_table(text, delimiter)
    spec = forced or detect_format(table.header, kind)
    built = build_mapping(table.header, spec, kind, [mapping])  # a mapping file may name absent columns
    built = build_mapping(table.header, spec, kind, [built, overrides], strict=True)
    return CsvFile(table=table, format=spec, mapping=built, rows=list(records(table, built, kind)))


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]", re.S)


def escape_formula(value: str) -> str:
    """Defuse a cell a spreadsheet would run as a formula: prefix ``'`` when it starts
    with ``=``, ``+``, ``-``, ``@``, tab or CR (or is already quotes followed by one
    of those, so that :func:`unescape_formula` is its exact inverse)."""
    if value.startswith(_FORMULA_START) or _ESCAPED.match(value):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo :func:`escape_formula`: ``'+1 555 0100`` -> ``+1 555 0100``; anything else unchanged."""
    if _ESCAPED.match(value):
        return value[1:]
    return value


def _format_item(item: object) -> str:
    if isinstance(item, tuple) and len(item) == 2:
        label, value = item
        text = format_cell(value)
        return f"{label}: {text}" if label else text
    return format_cell(item)


def format_cell(value: object) -> str:
    """The text of one CSV cell: None -> ``""``, dates ISO (year-less ``--MM-DD``),
    booleans ``true``/``false``, lists joined by ``"; "`` with ``(label, value)``
    pairs as ``label: value``, dicts as ``key=value; ...``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, AbcMapping):
        return "; ".join(f"{key}={format_cell(val)}" for key, val in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(_format_item(item) for item in value)
    return str(value)


def write_csv(
    rows: Iterable[AbcMapping[str, object]],
    columns: list[str],
    out: TextIO,
    escape_formulas: bool = True,
) -> int:
    """Write a header of ``columns`` and one line per row (missing keys empty); returns the row count.

    A ``field:KEY`` column not in a row is looked up in the row's ``fields`` dict.
    Values go through :func:`format_cell` and, unless ``escape_formulas`` is
    false, :func:`escape_formula`. Lines end in CRLF (RFC 4180): open files with
    ``newline=""``. Reading the file back with termcrm (format ``termcrm`` or
    ``fields``) restores the values: ``(label, value)`` lists, dates and
    escaped cells round-trip.
    """
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_formula(col) if escape_formulas else col for col in columns])
    count = 0
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col)
            if value is None and col.startswith("field:"):
                extra = row.get("fields")
                if isinstance(extra, AbcMapping):
                    value = extra.get(col[6:])
            text = format_cell(value)
            cells.append(escape_formula(text) if escape_formulas else text)
        writer.writerow(cells)
        count += 1
    return count
