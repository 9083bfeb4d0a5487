"""Reading and writing vCards (2.1, 3.0 and 4.0): the pure layer under ``crm import/export --vcard``.

:func:`parse_vcards` turns the bytes of a ``.vcf`` file into :class:`VCardContact`
objects; :func:`write_vcards` turns them back into text. A small tolerant parser
of its own is used (rather than vobject) because exports in the wild need things
vobject handles unevenly: vCard 2.1 quoted-printable values with soft line breaks
and ``CHARSET``, bare 2.1 type parameters (``TEL;WORK;VOICE:``), Apple's
``item1.EMAIL`` + ``item1.X-ABLabel:_$!<Work>!$_`` labels, UTF-16 files and
year-less birthdays (``--0314``, ``X-APPLE-OMIT-YEAR``).

Field mapping (the contact fields are those of :mod:`termcrm.io.csvread`):

* ``N`` -> ``last_name``, ``first_name`` and custom fields ``middle_name``,
  ``name_prefix``, ``name_suffix``; ``FN`` -> ``name`` (split into first/last name
  when ``N`` is missing or empty; ignored when it only repeats ``ORG`` or an email
  address, as on company cards; without it ``name`` is "first last");
  ``NICKNAME`` -> ``fields["nickname"]``;
* ``EMAIL`` / ``TEL`` -> ``emails`` / ``phones`` as ``(label, value)``, the label from
  ``TYPE`` (``CELL`` -> ``mobile``; ``INTERNET``, ``VOICE``, ``PREF`` dropped) or an
  Apple ``X-ABLabel``;
* ``ORG`` -> ``company`` and ``fields["department"]``; ``TITLE`` -> ``title``;
* ``ADR`` (the preferred, else the first) -> ``street``, ``city``, ``region``,
  ``postal_code``, ``country``;
* ``BDAY`` -> ``birthday`` (year-less: year :data:`~termcrm.io.csvread.YEARLESS_YEAR`);
* ``NOTE`` -> ``notes``, ``URL`` (the first) -> ``website``, ``CATEGORIES`` ->
  ``tags``, ``UID`` -> ``uid``, ``GENDER`` / ``X-GENDER`` -> ``gender``;
* termcrm's own ``X-TERMCRM-STAGE``, ``X-TERMCRM-SOURCE``, ``X-TERMCRM-EXTERNAL-ID``
  and ``X-TERMCRM-FIELD:key;value`` (other custom fields).

Round trip: for every contact ``c`` that :func:`parse_vcards` returns,
``parse_vcards(write_vcards([c]).encode())[0] == c``; the same holds for a contact
built by hand whose text is stripped, labels normalised (:func:`normalize_label`)
and that has a first or last name and a ``name`` other than its company.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import dataclasses
import quopri
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from termcrm.errors import Invalid, InvalidFile
from termcrm.io.csvread import (
    YEARLESS_YEAR,
    decode,
    normalize_email,
    normalize_label,
    parse_date,
    split_name,
)

__all__ = [
    "VCardContact",
    "VCardError",
    "parse_vcard_dir",
    "parse_vcards",
    "write_vcard",
    "write_vcard_dir",
    "write_vcards",
]

_NAME_KEYS = ("middle_name", "name_prefix", "name_suffix")
_SPECIAL_KEYS = (*_NAME_KEYS, "nickname", "department")


@dataclass
class VCardError:
    """A problem with one property of one card; the card is still returned."""

    card: int
    line: int
    property: str
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}card {self.card} (line {self.line}), {self.property}: {self.message}"


@dataclass
class VCardContact:
    """One contact of a vCard file, with termcrm's normalised contact fields plus ``uid``.

    Text is stripped (``None`` when empty); ``emails``/``phones`` are
    ``(label, value)`` pairs with lower-case labels (``""`` when unknown);
    ``fields`` holds custom fields. ``line`` (where the card starts), ``file``
    and ``errors`` describe where it came from and are not compared.
    """

    uid: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    emails: list[tuple[str, str]] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    company: str | None = None
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    stage: str | None = None
    source: str | None = None
    birthday: date | None = None
    gender: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    website: str | None = None
    notes: str | None = None
    external_id: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    line: int = field(default=0, compare=False)
    file: str | None = field(default=None, compare=False)
    errors: list[VCardError] = field(default_factory=list, compare=False)

    _DATA_KEYS = (
        "first_name", "last_name", "name", "emails", "phones", "company", "title", "tags", "stage", "source",
        "birthday", "gender", "street", "city", "region", "postal_code", "country", "website", "notes",
        "external_id", "fields",
    )  # fmt: skip

    def to_data(self) -> dict[str, Any]:
        """The contact as a sparse dict like :attr:`termcrm.io.csvread.ParsedRow.data`
        (only keys with a value; ``uid`` is not included)."""
        out: dict[str, Any] = {}
        for key in self._DATA_KEYS:
            value = getattr(self, key)
            if value in (None, "", [], {}):
                continue
            out[key] = list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any], uid: str | None = None) -> VCardContact:
        """A contact from a dict of contact fields (as :meth:`to_data` gives; unknown keys
        are ignored, an email or phone may be a bare string)."""
        kwargs: dict[str, Any] = {"uid": uid if uid is not None else data.get("uid")}
        for key in cls._DATA_KEYS:
            if key not in data or data[key] is None:
                continue
            value = data[key]
            if key in ("emails", "phones"):
                value = [("", item) if isinstance(item, str) else (item[0] or "", item[1]) for item in value]
            elif key == "tags":
                value = list(value)
            elif key == "fields":
                value = {str(k): str(v) for k, v in value.items()}
            kwargs[key] = value
        return cls(**kwargs)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@dataclass
class _Prop:
    group: str
    name: str
    params: dict[str, list[str]]
    value: str
    line: int


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _find_colon(line: str) -> int:
    """Index of the colon ending the name and parameters (colons inside quotes skipped), or -1."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return i
    return -1


def _head_has(line: str, *words: str) -> bool:
    colon = _find_colon(line)
    head = line[:colon].upper() if colon >= 0 else ""
    return any(re.search(rf"[;=,]{re.escape(word)}(?=[;,]|$)", head) for word in words)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Unfold the text into (first physical line number, logical line)."""
    out: list[tuple[int, str]] = []
    qp = base64ish = False
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        if out and qp and out[-1][1].endswith("=") and raw.strip().upper() != "END:VCARD":
            start, current = out[-1]
            out[-1] = (start, current[:-1] + raw)
            continue
        if out and raw[:1] in (" ", "\t"):
            start, current = out[-1]
            out[-1] = (start, current + raw[1:])
            continue
        if out and base64ish and raw.strip() and ":" not in raw:
            start, current = out[-1]
            out[-1] = (start, current + raw.strip())
            continue
        out.append((number, raw))
        qp = _head_has(raw, "QUOTED-PRINTABLE", "ENCODING=QUOTED-PRINTABLE")
        base64ish = _head_has(raw, "BASE64", "ENCODING=BASE64", "ENCODING=B")
    return out


def _split_params(head: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in head:
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _param_values(raw: str) -> list[str]:
    values: list[str] = []
    for match in re.finditer(r'"([^"]*)"|([^,]+)', raw):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        value = re.sub(r"\^(.)", lambda m: {"n": "\n", "^": "^", "'": '"'}.get(m.group(1), m.group(0)), value)
        values.append(value.strip())
    return values


_BARE_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"}


def _parse_line(number: int, line: str) -> _Prop | None:
    colon = _find_colon(line)
    if colon <= 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    parts = _split_params(head)
    name = parts[0].strip()
    group = ""
    if "." in name:
        group, _, name = name.rpartition(".")
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        return None
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        part = part.strip()
        if not part:
            continue
        if "=" in part:
            key, _, raw = part.partition("=")
            key = key.strip().upper()
            params.setdefault(key, []).extend(_param_values(raw))
        elif part.upper() in _BARE_ENCODINGS:
            params.setdefault("ENCODING", []).append(part)
        else:
            params.setdefault("TYPE", []).extend(_param_values(part))
    return _Prop(group=group.upper(), name=name.upper(), params=params, value=value, line=number)


def _decode_bytes(raw: bytes, charset: str | None) -> str:
    for name in (charset, "utf-8"):
        if not name:
            continue
        try:
            return raw.decode(codecs.lookup(name).name)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("cp1252", errors="termcrm-cp1252")


def _raw_value(prop: _Prop) -> str:
    """The value with its transfer encoding (quoted-printable, base64) undone, still escaped."""
    encoding = (prop.params.get("ENCODING") or [""])[0].upper()
    charsets = prop.params.get("CHARSET")
    charset = charsets[0] if charsets else None
    if encoding == "QUOTED-PRINTABLE":
        raw = quopri.decodestring(prop.value.encode("utf-8"))
        return _decode_bytes(raw, charset)
    if encoding in ("BASE64", "B"):
        try:
            raw = base64.b64decode(prop.value.strip(), validate=False)
        except (binascii.Error, ValueError):
            return prop.value
        return _decode_bytes(raw, charset)
    return prop.value


def _split_escaped(value: str, sep: str) -> list[str]:
    """Split on ``sep`` where it is not backslash-escaped; the parts stay escaped."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\([nN,;:\\])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _text(value: str) -> str | None:
    text = _unescape(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _types(prop: _Prop) -> list[str]:
    out: list[str] = []
    for value in prop.params.get("TYPE", []):
        out.extend(part.strip().lower() for part in value.split(",") if part.strip())
    return out


_DROP_TYPES = {"internet", "pref", "voice", "x400", "x-internet", "uri", "text"}
_PHONE_ORDER: tuple[tuple[str, str], ...] = tuple(
    (kind, label)
    for kind, _, label in (
        item.partition("=")
        for item in "fax=fax cell=mobile mobile=mobile iphone=mobile pager=pager car=car "
        "main=main work=work home=home other=other".split()
    )
)
_EMAIL_ORDER = (("work", "work"), ("home", "home"), ("other", "other"))


def _label(prop: _Prop, group_labels: dict[str, str], order: tuple[tuple[str, str], ...]) -> str:
    if prop.group and prop.group in group_labels:
        return normalize_label(group_labels[prop.group])
    types = [t for t in _types(prop) if t not in _DROP_TYPES]
    for wanted, label in order:
        if wanted in types:
            return label
    return normalize_label(types[0].removeprefix("x-")) if types else ""


_GENDER_LETTERS = {"m": "male", "f": "female", "o": "other", "n": "none", "u": None}
_GENDER_WORDS = {
    "male": "male", "man": "male", "m": "male", "female": "female", "woman": "female", "f": "female",
    "unknown": None, "unspecified": None, "u": None, "": None,
}  # fmt: skip


def _gender(text: str | None) -> str | None:
    if not text:
        return None
    low = text.strip().lower()
    return _GENDER_WORDS[low] if low in _GENDER_WORDS else low


def _birthday(prop: _Prop) -> date | None:
    raw = _unescape(_raw_value(prop)).strip()
    if not raw:
        return None
    omit = prop.params.get("X-APPLE-OMIT-YEAR")
    value = parse_date(raw, "mdy")
    if value is not None and omit and raw.startswith(omit[0].strip()):
        value = date(YEARLESS_YEAR, value.month, value.day)
    return value


def _display(first: str | None, last: str | None) -> str | None:
    return " ".join(part for part in (first, last) if part) or None


def _build(props: list[_Prop], card: int, start: int) -> VCardContact:
    c = VCardContact(line=start)

    def err(prop: _Prop, message: str) -> None:
        c.errors.append(VCardError(card, prop.line, prop.name, message))

    group_labels = {p.group: _text(_raw_value(p)) or "" for p in props if p.name == "X-ABLABEL" and p.group}
    n_seen = False
    adr: list[str] | None = None
    adr_pref = False
    notes: list[str] = []
    for prop in props:
        name = prop.name
        if name in ("BEGIN", "END", "VERSION", "X-ABLABEL", "PHOTO", "LOGO", "SOUND", "KEY"):
            continue
        value = _raw_value(prop)
        if name == "FN":
            c.name = c.name or _text(value)
        elif name == "N" and not n_seen:
            n_seen = True
            parts = [_text(part) for part in _split_escaped(value, ";")] + [None] * 5
            c.last_name, c.first_name = parts[0], parts[1]
            for key, part in zip(_NAME_KEYS, parts[2:5], strict=True):
                if part:
                    c.fields[key] = part
        elif name == "NICKNAME":
            nick = ", ".join(t for t in (_text(p) for p in _split_escaped(value, ",")) if t)
            if nick:
                c.fields.setdefault("nickname", nick)
        elif name == "ORG" and c.company is None and "department" not in c.fields:
            parts = [_text(part) for part in _split_escaped(value, ";")]
            c.company = parts[0] if parts else None
            units = [part for part in parts[1:] if part]
            if units:
                c.fields["department"] = ", ".join(units)
        elif name == "TITLE":
            c.title = c.title or _text(value)
        elif name == "EMAIL":
            text = _text(value)
            if text:
                try:
                    address = normalize_email(text)
                except ValueError as exc:
                    err(prop, str(exc))
                else:
                    if all(address.lower() != have.lower() for _, have in c.emails):
                        c.emails.append((_label(prop, group_labels, _EMAIL_ORDER), address))
        elif name == "TEL":
            text = _text(value)
            if text:
                text = re.sub(r"^tel:", "", text, flags=re.I).strip()
                if not any(ch.isdigit() for ch in text):
                    err(prop, f"{text!r} is not a phone number")
                    continue
                text = re.sub(r"\s+", " ", text)
                if all(text != have for _, have in c.phones):
                    c.phones.append((_label(prop, group_labels, _PHONE_ORDER), text))
        elif name == "ADR":
            pref = "pref" in _types(prop) or bool(prop.params.get("PREF"))
            if adr is None or (pref and not adr_pref):
                adr = _split_escaped(value, ";")
                adr_pref = pref
        elif name == "LABEL" and adr is None and not c.street:
            c.street = _text(value)
        elif name == "BDAY":
            try:
                c.birthday = _birthday(prop)
            except ValueError as exc:
                err(prop, str(exc))
        elif name == "NOTE":
            text = _text(value)
            if text:
                notes.append(text)
        elif name == "URL":
            c.website = c.website or _text(value)
        elif name == "CATEGORIES":
            for part in _split_escaped(value, ","):
                tag = _text(part)
                if tag and tag not in c.tags:
                    c.tags.append(tag)
        elif name == "UID":
            c.uid = c.uid or _text(value)
        elif name == "GENDER":
            sex, _, identity = value.partition(";")
            text = _text(identity)
            c.gender = _gender(text) if text else _GENDER_LETTERS.get(sex.strip().lower(), _gender(_text(sex)))
        elif name == "X-GENDER":
            c.gender = _gender(_text(value))
        elif name == "X-WAB-GENDER":
            c.gender = {"1": "female", "2": "male"}.get(value.strip(), c.gender)
        elif name == "X-TERMCRM-STAGE":
            c.stage = _text(value)
        elif name == "X-TERMCRM-SOURCE":
            c.source = _text(value)
        elif name == "X-TERMCRM-EXTERNAL-ID":
            c.external_id = _text(value)
        elif name == "X-TERMCRM-FIELD":
            key_raw, *rest = _split_escaped(value, ";")
            field_key, field_value = _text(key_raw), _text(";".join(rest))
            if field_key and field_value:
                c.fields[field_key] = field_value
    if adr is not None:
        parts = [_text(part) for part in adr] + [None] * 7
        pobox, extended, street = parts[0], parts[1], parts[2]
        lines = [part for part in (street, extended) if part] or ([pobox] if pobox else [])
        c.street = "\n".join(lines) if lines else c.street
        c.city, c.region, c.postal_code, c.country = parts[3], parts[4], parts[5], parts[6]
    if notes:
        c.notes = "\n\n".join(notes)
    if c.name is not None and (c.name == c.company or any(c.name.lower() == e.lower() for _, e in c.emails)):
        c.name = None  # FN is only the organisation or the address: not a person's name
    if c.first_name is None and c.last_name is None and c.name:
        c.first_name, c.last_name = split_name(c.name)
    if c.name is None:
        c.name = _display(c.first_name, c.last_name)
    if not (c.first_name or c.last_name or c.emails):
        c.errors.append(VCardError(card, start, "N", "a contact needs a first name, a last name or an email address"))
    return c


def parse_vcards(data: bytes, encoding: str | None = None) -> list[VCardContact]:
    """Parse every card of a ``.vcf`` file (vCard 2.1, 3.0 or 4.0, any of the
    encodings :func:`~termcrm.io.csvread.decode` recognises).

    Structural problems raise :class:`InvalidFile` naming the card and line: no
    card at all, text outside a card, a card without ``END:VCARD``, a line that is
    not a property. Bad values (an email address, a birthday) do not: they are in
    the contact's ``errors`` and the value is left out.
    """
    text = decode(data, encoding)
    lines = _logical_lines(text)
    contacts: list[VCardContact] = []
    props: list[_Prop] | None = None
    card = 0
    start = 0
    for number, line in lines:
        stripped = line.strip()
        upper = stripped.upper()
        if props is None:
            if not stripped:
                continue
            if upper == "BEGIN:VCARD":
                card += 1
                props, start = [], number
                continue
            raise InvalidFile(f"line {number}: expected BEGIN:VCARD, found {stripped[:40]!r}")
        if not stripped:
            continue
        if upper == "END:VCARD":
            contacts.append(_build(props, card, start))
            props = None
            continue
        if upper == "BEGIN:VCARD":
            raise InvalidFile(f"card {card} (line {start}): BEGIN:VCARD at line {number} before END:VCARD")
        prop = _parse_line(number, line)
        if prop is None:
            raise InvalidFile(f"card {card} (line {start}): line {number} is not a vCard property: {stripped[:40]!r}")
        props.append(prop)
    if props is not None:
        raise InvalidFile(f"card {card} (line {start}): no END:VCARD before the end of the file")
    if not contacts:
        raise InvalidFile("no vCard in the file (it has no BEGIN:VCARD)")
    return contacts


def parse_vcard_dir(path: str | Path) -> list[VCardContact]:
    """Parse a directory of ``.vcf`` files (one card per file, as khard and vdirsyncer
    keep them; files with several cards work too), in file-name order. Each
    contact's ``file`` is the file's name; a broken file raises :class:`InvalidFile`
    naming it. Files with other extensions are ignored."""
    folder = Path(path)
    if not folder.is_dir():
        raise InvalidFile(f"{str(folder)!r} is not a directory")
    contacts: list[VCardContact] = []
    for item in sorted(folder.iterdir()):
        if item.suffix.lower() != ".vcf" or not item.is_file():
            continue
        try:
            data = item.read_bytes()
        except OSError as exc:
            raise InvalidFile(f"{item.name}: cannot read: {exc.strerror or exc}") from None
        try:
            parsed = parse_vcards(data)
        except InvalidFile as exc:
            raise InvalidFile(f"{item.name}: {exc.message}") from None
        for contact in parsed:
            contact.file = item.name
            for error in contact.errors:
                error.file = item.name
        contacts.extend(parsed)
    return contacts


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

_EMAIL_TYPES = {"work": "WORK", "home": "HOME", "other": "OTHER"}
_PHONE_TYPES = {
    "work": "WORK", "home": "HOME", "mobile": "CELL", "fax": "FAX", "pager": "PAGER", "other": "OTHER",
    "main": "MAIN", "car": "CAR",
}  # fmt: skip
_GENDER_OUT = {"male": "M", "female": "F", "other": "O", "none": "N"}


def _escape(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")


def _fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 UTF-8 octets (continuations start with a space)."""
    if len(line.encode("utf-8")) <= 75:
        return line
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(ch)
        size += width
    chunks.append("".join(current))
    return "\r\n ".join(chunks)


def _version(version: str) -> str:
    v = str(version).strip()
    v = {"3": "3.0", "4": "4.0"}.get(v, v)
    if v not in ("3.0", "4.0"):
        raise Invalid(f"unsupported vCard version {version!r}; use 3.0 or 4.0")
    return v


def write_vcard(contact: VCardContact, version: str = "3.0") -> str:
    """One contact as a vCard (CRLF line ends, folded at 75 octets)."""
    v = _version(version)
    v4 = v == "4.0"
    lines = ["BEGIN:VCARD", f"VERSION:{v}"]
    if contact.uid:
        lines.append(f"UID:{_escape(contact.uid)}")
    fields = dict(contact.fields)
    first_email = contact.emails[0][1] if contact.emails else None
    fn = contact.name or _display(contact.first_name, contact.last_name) or contact.company or first_email or ""
    lines.append(f"FN:{_escape(fn)}")
    n_parts = [contact.last_name, contact.first_name, *(fields.pop(key, None) for key in _NAME_KEYS)]
    lines.append("N:" + ";".join(_escape(part or "") for part in n_parts))
    nickname = fields.pop("nickname", None)
    if nickname:
        lines.append(f"NICKNAME:{_escape(nickname)}")
    department = fields.pop("department", None)
    if contact.company or department:
        org = _escape(contact.company or "") + (f";{_escape(department)}" if department else "")
        lines.append(f"ORG:{org}")
    if contact.title:
        lines.append(f"TITLE:{_escape(contact.title)}")
    item = 0

    def labelled(prop: str, label: str, value: str, types: dict[str, str], extra: str) -> None:
        nonlocal item
        if not label or label in types:
            kinds = [extra] if extra else []
            if label:
                kinds.append(types[label].lower() if v4 else types[label])
            param = f";TYPE={','.join(kinds)}" if kinds else ""
            lines.append(f"{prop}{param}:{value}")
        else:
            item += 1
            param = f";TYPE={extra}" if extra else ""
            lines.append(f"item{item}.{prop}{param}:{value}")
            lines.append(f"item{item}.X-ABLabel:{_escape(label)}")

    for label, address in contact.emails:
        labelled("EMAIL", label, _escape(address), _EMAIL_TYPES, "" if v4 else "INTERNET")
    for label, number in contact.phones:
        labelled("TEL", label, _escape(number), _PHONE_TYPES, "")
    address_parts = (contact.street, contact.city, contact.region, contact.postal_code, contact.country)
    if any(address_parts):
        lines.append("ADR:;;" + ";".join(_escape(part or "") for part in address_parts))
    if contact.birthday is not None:
        b = contact.birthday
        if b.year == YEARLESS_YEAR:
            lines.append(f"BDAY:--{b.month:02d}{b.day:02d}" if v4 else f"BDAY:--{b.month:02d}-{b.day:02d}")
        else:
            lines.append(f"BDAY:{b.year:04d}{b.month:02d}{b.day:02d}" if v4 else f"BDAY:{b.isoformat()}")
    if contact.website:
        lines.append(f"URL:{_escape(contact.website)}")
    if contact.notes:
        lines.append(f"NOTE:{_escape(contact.notes)}")
    if contact.tags:
        lines.append("CATEGORIES:" + ",".join(_escape(tag) for tag in contact.tags))
    if contact.gender:
        if v4:
            letter = _GENDER_OUT.get(contact.gender, "O")
            canonical = contact.gender in _GENDER_OUT
            lines.append(f"GENDER:{letter}" + ("" if canonical else f";{_escape(contact.gender)}"))
        else:
            lines.append(f"X-GENDER:{_escape(contact.gender)}")
    if contact.stage:
        lines.append(f"X-TERMCRM-STAGE:{_escape(contact.stage)}")
    if contact.source:
        lines.append(f"X-TERMCRM-SOURCE:{_escape(contact.source)}")
    if contact.external_id:
        lines.append(f"X-TERMCRM-EXTERNAL-ID:{_escape(contact.external_id)}")
    for key, value in fields.items():
        if key and value:
            lines.append(f"X-TERMCRM-FIELD:{_escape(key)};{_escape(value)}")
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def write_vcards(contacts: Iterable[VCardContact], version: str = "3.0") -> str:
    """Several contacts as one ``.vcf`` text (``version`` ``"3.0"`` or ``"4.0"``;
    anything else raises :class:`Invalid`). Encode it as UTF-8."""
    v = _version(version)
    return "".join(write_vcard(contact, v) for contact in contacts)


def _file_stem(uid: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._@+-]", "_", uid).strip(".")
    return stem[:200] or uuid.uuid4().hex


def write_vcard_dir(contacts: Iterable[VCardContact], directory: str | Path, version: str = "3.0") -> list[Path]:
    """Write one ``UID.vcf`` per contact into ``directory`` (created if needed), as
    khard/vdirsyncer expect; a contact without ``uid`` gets a new UUID (in the file,
    not in the object). Existing files of the same name are replaced. Returns the paths."""
    v = _version(version)
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidFile(f"cannot create directory {str(folder)!r}: {exc.strerror or exc}") from None
    paths: list[Path] = []
    used: set[str] = set()
    for contact in contacts:
        if not contact.uid:
            contact = dataclasses.replace(contact, uid=str(uuid.uuid4()))
        assert contact.uid is not None
        stem = _file_stem(contact.uid)
        name, n = stem, 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name.lower())
        path = folder / f"{name}.vcf"
        try:
            path.write_text(write_vcard(contact, v), encoding="utf-8", newline="")
        except OSError as exc:
            raise InvalidFile(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
        paths.append(path)
    return paths
