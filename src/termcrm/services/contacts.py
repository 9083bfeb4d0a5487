"""Contacts: create, edit, archive, list with filters, the 360° view, duplicates and merge.

Reads (lists, rows, the 360° view, duplicates) query the schema's Core tables
and return rows, so ``crm contact list`` and ``crm contact show`` build no
ORM class; the functions that write import the classes they change.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlmodel import Session, select

from termcrm.errors import Conflict, Invalid, NotFound
from termcrm.models import schema, utcnow
from termcrm.services import history, refs
from termcrm.services.common import (
    archive_record,
    check_choice,
    check_email,
    check_phone,
    check_tag,
    check_version,
    get_or_create_tag,
    jsonable,
    phone_key,
    restore_record,
    split_labelled,
)
from termcrm.services.filters import FieldSpec, FilterContext, filtered
from termcrm.vocab import STAGES

if TYPE_CHECKING:
    from termcrm.models import Company, Contact

PLAIN_FIELDS = (
    "title",
    "source",
    "gender",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "website",
    "notes",
    "external_id",
)
"""Contact fields that are plain optional text."""

SECTION_MODULES = (
    "termcrm.services.deals",
    "termcrm.services.followups",
    "termcrm.services.tickets",
    "termcrm.services.campaigns",
)
"""Modules whose ``contact_section(session, contact)`` adds a section to the 360° view, when present."""


def split_name(name: str) -> tuple[str, str]:
    """``Ann Lee`` → (Ann, Lee); ``Lee, Ann`` → (Ann, Lee); one word → (word, "")."""
    text = " ".join(name.split())
    if not text:
        raise Invalid("a contact needs a name: give a first or a last name")
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    parts = text.rsplit(" ", 1)
    if len(parts) == 1:
        return parts[0], ""
    return parts[0], parts[1]


def display_name(first: str, last: str) -> str:
    """First and last name joined; one of them may be empty."""
    return " ".join(p for p in (first.strip(), last.strip()) if p)


def _owner_id(session: Session, owner: str | None) -> int:
    if owner:
        return refs.user(session, owner, create=True).id or 0
    return history.acting_user_id(session)


def resolve_or_create_company(session: Session, ref: str) -> Company:
    """The company named (or numbered) ``ref``; a new one when no company has that name."""
    from termcrm.models import Company

    text = ref.strip()
    if not text:
        raise Invalid("empty company name")
    if text.lstrip("#").isdigit():
        found = session.get(Company, int(text.lstrip("#")))
        if found is None:
            raise NotFound(f"no company with id {text}")
        return found
    found = refs.find_company(session, text)
    if found is not None:
        return found
    company = Company(name=text, name_key=text.lower(), owner_id=history.acting_user_id(session))
    session.add(company)
    session.flush()
    return company


def email_owner(session: Session, email: str, exclude: int | None = None) -> Contact | None:
    """The live contact that already has ``email``, if any."""
    from termcrm.models import Contact, ContactEmail

    stmt = (
        select(Contact)
        .join(ContactEmail, ContactEmail.contact_id == Contact.id)  # type: ignore[arg-type]
        .where(ContactEmail.email_key == email.lower(), Contact.archived_at.is_(None))  # type: ignore[union-attr]
    )
    if exclude is not None:
        stmt = stmt.where(Contact.id != exclude)
    return session.exec(stmt).first()


def _add_emails(session: Session, contact: Contact, emails: Iterable[str], allow_duplicate: bool) -> None:
    from termcrm.models import ContactEmail

    existing = session.exec(select(ContactEmail).where(ContactEmail.contact_id == contact.id)).all()
    keys = {e.email_key for e in existing}
    has_primary = any(e.is_primary for e in existing)
    position = max((e.position for e in existing), default=-1) + 1
    for raw in emails:
        label, value = split_labelled(raw)
        email = check_email(value)
        key = email.lower()
        if key in keys:
            continue
        if not allow_duplicate:
            other = email_owner(session, email, exclude=contact.id)
            if other is not None:
                raise Conflict(
                    f"{email} already belongs to contact #{other.id} {other.display_name}; "
                    "use --allow-duplicate to add it anyway"
                )
        session.add(
            ContactEmail(
                contact_id=contact.id or 0,
                email=email,
                email_key=key,
                label=label,
                is_primary=not has_primary,
                position=position,
            )
        )
        has_primary = True
        keys.add(key)
        position += 1


def _add_phones(session: Session, contact: Contact, phones: Iterable[str]) -> None:
    from termcrm.models import ContactPhone

    existing = session.exec(select(ContactPhone).where(ContactPhone.contact_id == contact.id)).all()
    keys = {p.phone_key for p in existing}
    has_primary = any(p.is_primary for p in existing)
    position = max((p.position for p in existing), default=-1) + 1
    for raw in phones:
        label, value = split_labelled(raw)
        phone = check_phone(value)
        key = phone_key(phone)
        if key in keys:
            continue
        session.add(
            ContactPhone(
                contact_id=contact.id or 0,
                phone=phone,
                phone_key=key,
                label=label,
                is_primary=not has_primary,
                position=position,
            )
        )
        has_primary = True
        keys.add(key)
        position += 1


def _remove_children(session: Session, model: Any, contact: Contact, key_attr: str, keys: set[str]) -> list[str]:
    rows = session.exec(select(model).where(model.contact_id == contact.id)).all()
    removed = []
    for row in rows:
        if getattr(row, key_attr) in keys:
            session.delete(row)
            removed.append(getattr(row, key_attr))
    session.flush()
    rest = [r for r in rows if getattr(r, key_attr) not in keys]
    if rest and not any(r.is_primary for r in rest):
        rest[0].is_primary = True
        session.add(rest[0])
    return removed


def set_tags(session: Session, contact: Contact, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
    """Add and remove tags on a contact."""
    from termcrm.models import ContactTag, Tag

    current = {
        t.name: t
        for t in session.exec(
            select(Tag).join(ContactTag, ContactTag.tag_id == Tag.id).where(ContactTag.contact_id == contact.id)  # type: ignore[arg-type]
        ).all()
    }
    for name in remove:
        key = check_tag(name)
        if key in current:
            link = session.get(ContactTag, (contact.id, current[key].id))
            if link is not None:
                session.delete(link)
    for name in add:
        key = check_tag(name)
        if key not in current:
            tag = get_or_create_tag(session, key)
            session.add(ContactTag(contact_id=contact.id or 0, tag_id=tag.id or 0))
            current[key] = tag
    session.flush()


def set_fields(session: Session, contact: Contact, values: dict[str, str], unset: Iterable[str] = ()) -> None:
    """Set (or with ``unset``, remove) custom key/value fields."""
    from termcrm.models import ContactField

    rows = {f.key: f for f in session.exec(select(ContactField).where(ContactField.contact_id == contact.id)).all()}
    for key in unset:
        if key in rows:
            session.delete(rows.pop(key))
    for key, value in values.items():
        name = key.strip()
        if not name:
            raise Invalid("a custom field needs a name: --field key=value")
        if name in rows:
            if rows[name].value != value:
                rows[name].value = value
                session.add(rows[name])
        else:
            session.add(ContactField(contact_id=contact.id or 0, key=name, value=value))
    session.flush()


def parse_fields(pairs: Iterable[str]) -> dict[str, str]:
    """``["k=v", ...]`` → ``{"k": "v"}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise Invalid(f"custom field {pair!r} must be written key=value")
        key, _, value = pair.partition("=")
        if not key.strip():
            raise Invalid(f"custom field {pair!r} has no key: write key=value")
        out[key.strip()] = value.strip()
    return out


@dataclass
class ContactInput:
    """What ``contact add`` (and imports) may give for a new contact."""

    first_name: str = ""
    last_name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
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
    owner: str | None = None
    cadence_days: int | None = None


def create_contact(session: Session, data: ContactInput, *, allow_duplicate: bool = False) -> Contact:
    """Create a contact (and its company when it names a new one)."""
    from termcrm.models import Contact

    first, last = data.first_name.strip(), data.last_name.strip()
    if not first and not last:
        raise Invalid("a contact needs a name: give a first or a last name")
    stage = check_choice(data.stage, STAGES, "stage") if data.stage else "lead"
    if data.cadence_days is not None and data.cadence_days <= 0:
        raise Invalid("cadence must be a positive number of days")
    contact = Contact(
        first_name=first,
        last_name=last,
        display_name=display_name(first, last),
        stage=stage,
        birthday=data.birthday,
        cadence_days=data.cadence_days,
        owner_id=_owner_id(session, data.owner),
    )
    for name in PLAIN_FIELDS:
        value = getattr(data, name)
        setattr(contact, name, value.strip() if isinstance(value, str) and value.strip() else None)
    if data.company:
        contact.company_id = resolve_or_create_company(session, data.company).id
    session.add(contact)
    session.flush()
    _add_emails(session, contact, data.emails, allow_duplicate)
    _add_phones(session, contact, data.phones)
    set_tags(session, contact, add=data.tags)
    if data.fields:
        set_fields(session, contact, data.fields)
    session.flush()
    history.set_summary(session, f"add contact #{contact.id} {contact.display_name}")
    return contact


@dataclass
class ContactChanges:
    """What ``contact edit`` may change; None leaves a field as it is, "" clears it."""

    values: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    company: str | None = None
    owner: str | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    add_emails: list[str] = field(default_factory=list)
    remove_emails: list[str] = field(default_factory=list)
    primary_email: str | None = None
    add_phones: list[str] = field(default_factory=list)
    remove_phones: list[str] = field(default_factory=list)
    set_fields: dict[str, str] = field(default_factory=dict)
    unset_fields: list[str] = field(default_factory=list)
    allow_duplicate: bool = False


EDITABLE = (*PLAIN_FIELDS, "first_name", "last_name", "stage", "birthday", "cadence_days")


def update_contact(
    session: Session, contact: Contact, changes: ContactChanges, *, expected_version: int | None = None
) -> Contact:
    """Apply ``changes`` to ``contact``; a stale ``expected_version`` raises Conflict."""
    from termcrm.models import ContactEmail, ContactPhone

    check_version(contact, expected_version, f"contact #{contact.id}")
    values = dict(changes.values)
    if changes.name is not None:
        values["first_name"], values["last_name"] = split_name(changes.name)
    for key, value in values.items():
        if key not in EDITABLE:
            raise Invalid(f"contact has no editable field {key!r}; editable: {', '.join(EDITABLE)}")
        if key == "stage" and value is not None:
            value = check_choice(value, STAGES, "stage")
        if key == "cadence_days" and value is not None and value <= 0:
            raise Invalid("cadence must be a positive number of days")
        if isinstance(value, str):
            value = value.strip()
            if value == "" and key not in ("first_name", "last_name"):
                value = None
        setattr(contact, key, value)
    contact.first_name = contact.first_name or ""
    contact.last_name = contact.last_name or ""
    if not contact.first_name and not contact.last_name:
        raise Invalid("a contact needs a name: first and last name cannot both be empty")
    contact.display_name = display_name(contact.first_name, contact.last_name)
    if changes.company is not None:
        contact.company_id = resolve_or_create_company(session, changes.company).id if changes.company else None
    if changes.owner is not None:
        contact.owner_id = refs.user(session, changes.owner, create=True).id if changes.owner else None
    session.add(contact)
    session.flush()
    if changes.remove_emails:
        keys = {e.strip().lower() for e in changes.remove_emails}
        removed = _remove_children(session, ContactEmail, contact, "email_key", keys)
        missing = keys - set(removed)
        if missing:
            raise Invalid(f"contact #{contact.id} has no email {sorted(missing)[0]}")
    _add_emails(session, contact, changes.add_emails, changes.allow_duplicate)
    if changes.primary_email:
        rows = session.exec(select(ContactEmail).where(ContactEmail.contact_id == contact.id)).all()
        if changes.primary_email.lower() not in {r.email_key for r in rows}:
            raise Invalid(f"contact #{contact.id} has no email {changes.primary_email}")
        for row in rows:
            row.is_primary = row.email_key == changes.primary_email.lower()
            session.add(row)
    if changes.remove_phones:
        keys = {phone_key(p) for p in changes.remove_phones}
        removed = _remove_children(session, ContactPhone, contact, "phone_key", keys)
        missing = keys - set(removed)
        if missing:
            raise Invalid(f"contact #{contact.id} has no phone {sorted(missing)[0]}")
    _add_phones(session, contact, changes.add_phones)
    if changes.add_tags or changes.remove_tags:
        set_tags(session, contact, add=changes.add_tags, remove=changes.remove_tags)
    if changes.set_fields or changes.unset_fields:
        set_fields(session, contact, changes.set_fields, changes.unset_fields)
    session.flush()
    history.set_summary(session, f"edit contact #{contact.id} {contact.display_name}")
    return contact


def archive_contact(session: Session, contact: Contact) -> Contact:
    """Archive (soft-delete) a contact; ``crm undo`` or restore brings it back."""
    archive_record(session, contact, f"contact #{contact.id} {contact.display_name}")
    return contact


def restore_contact(session: Session, contact: Contact) -> Contact:
    """Bring an archived contact back."""
    restore_record(session, contact, f"contact #{contact.id} {contact.display_name}")
    return contact


# ---------------------------------------------------------------- listing

CONTACT = schema.contact
EMAIL = schema.contact_email
PHONE = schema.contact_phone
FIELD = schema.contact_field
TAG = schema.tag
CONTACT_TAG = schema.contact_tag


def _tag_clause(name: str) -> Any:
    return sa.exists().where(
        CONTACT_TAG.c.contact_id == CONTACT.c.id,
        CONTACT_TAG.c.tag_id == TAG.c.id,
        TAG.c.name == name.lower(),
    )


def _email_field(op: str, value: str) -> Any:
    cond = sa.exists().where(
        EMAIL.c.contact_id == CONTACT.c.id, EMAIL.c.email_key.icontains(value.lower(), autoescape=True)
    )
    if op == ":":
        return cond
    if op == "!=":
        return sa.not_(cond)
    raise Invalid("email takes : or != only")


def _phone_field(op: str, value: str) -> Any:
    cond = sa.exists().where(PHONE.c.contact_id == CONTACT.c.id, PHONE.c.phone_key.contains(phone_key(value)))
    if op == ":":
        return cond
    if op == "!=":
        return sa.not_(cond)
    raise Invalid("phone takes : or != only")


def _company_field(op: str, value: str) -> Any:
    company = schema.company
    cond = CONTACT.c.company_id.in_(sa.select(company.c.id).where(company.c.name.icontains(value, autoescape=True)))
    if value == "":
        cond = CONTACT.c.company_id.is_(None)
    if op == ":":
        return cond
    if op == "!=":
        return sa.not_(cond)
    raise Invalid("company takes : or != only")


def _user_field(column: Any) -> Any:
    def build(op: str, value: str) -> Any:
        if op not in (":", "!="):
            raise Invalid("owner takes : or != only")
        name = value.strip().lower()
        cond = column.in_(sa.select(schema.user.c.id).where(schema.user.c.name_key == name))
        if name == "":
            cond = column.is_(None)
        return cond if op == ":" else sa.not_(cond)

    return build


def _tag_field(op: str, value: str) -> Any:
    if op == ":":
        return _tag_clause(value)
    if op == "!=":
        return sa.not_(_tag_clause(value))
    raise Invalid("tag takes : or != only")


def _custom_field(name: str) -> FieldSpec | None:
    if not name.startswith("field."):
        return None
    key = name.split(".", 1)[1]
    value_col = FIELD.c.value

    def build(op: str, value: str) -> Any:
        base = [FIELD.c.contact_id == CONTACT.c.id, FIELD.c.key == key]
        if op == ":":
            return sa.exists().where(*base, value_col.icontains(value, autoescape=True))
        if op == "!=":
            return sa.not_(sa.exists().where(*base, value_col.icontains(value, autoescape=True)))
        from termcrm.services.filters import _compare

        if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value.strip()):
            return sa.exists().where(*base, _compare(value_col, op, value))
        # A number compares numerically (80 < 100), against the values that are numbers.
        numeric = sa.case(
            (value_col.regexp_match(r"^-?[0-9]+(\.[0-9]+)?$"), sa.cast(value_col, sa.Float)),
            else_=None,
        )
        return sa.exists().where(*base, _compare(numeric, op, float(value)))

    return FieldSpec(None, "custom", build=build, sortable=False)


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``contact list`` filters and sorts by."""
    dialect = session.info.get("dialect") or session.get_bind().dialect.name
    c = CONTACT.c

    def text(word: str) -> Any:
        from termcrm.services.search import match_clause

        return match_clause("contact", c.id, word, dialect)

    def segment(name: str) -> Any:
        try:
            module = importlib.import_module("termcrm.services.segments")
        except ImportError:
            raise Invalid("segments are not available") from None
        return module.segment_clause(session, name, now=now)

    fields = {
        "id": FieldSpec(c.id, "int"),
        "name": FieldSpec(c.display_name),
        "first_name": FieldSpec(c.first_name),
        "last_name": FieldSpec(c.last_name),
        "email": FieldSpec(None, "custom", build=_email_field, sortable=False),
        "phone": FieldSpec(None, "custom", build=_phone_field, sortable=False),
        "company": FieldSpec(None, "custom", build=_company_field, sortable=False),
        "company_id": FieldSpec(c.company_id, "int"),
        "title": FieldSpec(c.title),
        "stage": FieldSpec(c.stage, "choice", choices=STAGES),
        "source": FieldSpec(c.source),
        "gender": FieldSpec(c.gender),
        "city": FieldSpec(c.city),
        "region": FieldSpec(c.region),
        "country": FieldSpec(c.country),
        "postal_code": FieldSpec(c.postal_code),
        "website": FieldSpec(c.website),
        "notes": FieldSpec(c.notes),
        "owner": FieldSpec(None, "custom", build=_user_field(c.owner_id), sortable=False),
        "tag": FieldSpec(None, "custom", build=_tag_field, sortable=False),
        "birthday": FieldSpec(c.birthday, "date"),
        "cadence": FieldSpec(c.cadence_days, "int"),
        "created": FieldSpec(c.created_at, "datetime"),
        "updated": FieldSpec(c.updated_at, "datetime"),
        "last_contacted": FieldSpec(c.last_contacted_at, "datetime"),
        "archived": FieldSpec(c.archived_at, "datetime"),
    }
    settings = session.info.get("settings")
    return FilterContext(
        fields=fields,
        text=text,
        tag=_tag_clause,
        segment=segment,
        now=now,
        currency=settings.currency if settings else "USD",
        aliases={
            "created_at": "created",
            "updated_at": "updated",
            "last_contacted_at": "last_contacted",
            "display_name": "name",
            "cadence_days": "cadence",
            "tags": "tag",
        },
        dynamic=_custom_field,
    )


def query_contacts(
    session: Session,
    words: Sequence[str] = (),
    *,
    sort: str | None = None,
    archived: bool = False,
    now: datetime | None = None,
) -> Any:
    """The SELECT behind ``contact list``: rows of the contact table, filters and order applied, no limit."""
    ctx = filter_context(session, now)
    return filtered(
        sa.select(CONTACT),
        words,
        ctx,
        sort=sort,
        default=[CONTACT.c.display_name, CONTACT.c.id],
        archived=(CONTACT.c.archived_at, archived),
    )


def list_contacts(
    session: Session,
    words: Sequence[str] = (),
    *,
    sort: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    archived: bool = False,
    now: datetime | None = None,
) -> list[Row[Any]]:
    """Contacts matching the filter words, in order (rows of the contact table)."""
    stmt = query_contacts(session, words, sort=sort, archived=archived, now=now)
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    return list(session.execute(stmt).all())


def count_contacts(session: Session, words: Sequence[str] = (), *, archived: bool = False) -> int:
    """How many contacts match the filter words."""
    stmt = query_contacts(session, words, archived=archived).order_by(None)
    return int(session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0)


def _first_by_rank(session: Session, table: sa.Table, value: Any, contact_ids: Iterable[int]) -> dict[int, str]:
    """{contact id: its primary ``value`` of ``table`` (emails or phones), else its first}."""
    out: dict[int, str] = {}
    ordered = sorted(set(contact_ids))
    for start in range(0, len(ordered), 900):
        stmt = (
            sa.select(table.c.contact_id, value)
            .where(table.c.contact_id.in_(ordered[start : start + 900]))
            .order_by(table.c.contact_id, table.c.is_primary.desc(), table.c.position)
        )
        for cid, found in session.execute(stmt).all():
            out.setdefault(int(cid), str(found))
    return out


def primary_emails(session: Session, contact_ids: Iterable[int]) -> dict[int, str]:
    """{contact id: its primary email (else its first)} for the contacts that have one."""
    return _first_by_rank(session, EMAIL, EMAIL.c.email, contact_ids)


def primary_email(session: Session, contact_id: int) -> str | None:
    """The contact's primary email (else its first), or None."""
    return primary_emails(session, [contact_id]).get(contact_id)


def primary_phone(session: Session, contact_id: int) -> str | None:
    """The contact's primary phone (else its first), or None."""
    return _first_by_rank(session, PHONE, PHONE.c.phone, [contact_id]).get(contact_id)


def rows(session: Session, contacts: Sequence[Any]) -> list[dict[str, Any]]:
    """JSON-ready dicts of contacts (rows or records); emails, phones, tags, fields and names in a few queries."""
    ids = [c.id for c in contacts if c.id is not None]
    if not ids:
        return []
    emails: dict[int, list[Any]] = {}
    phones: dict[int, list[Any]] = {}
    tags: dict[int, list[str]] = {}
    fields: dict[int, dict[str, str]] = {}
    for chunk_start in range(0, len(ids), 900):
        chunk = ids[chunk_start : chunk_start + 900]
        for e in session.execute(
            sa.select(EMAIL.c.contact_id, EMAIL.c.email, EMAIL.c.label, EMAIL.c.is_primary)
            .where(EMAIL.c.contact_id.in_(chunk))
            .order_by(EMAIL.c.contact_id, EMAIL.c.is_primary.desc(), EMAIL.c.position)
        ).all():
            emails.setdefault(e.contact_id, []).append(e)
        for p in session.execute(
            sa.select(PHONE.c.contact_id, PHONE.c.phone, PHONE.c.label, PHONE.c.is_primary)
            .where(PHONE.c.contact_id.in_(chunk))
            .order_by(PHONE.c.contact_id, PHONE.c.is_primary.desc(), PHONE.c.position)
        ).all():
            phones.setdefault(p.contact_id, []).append(p)
        for cid, name in session.execute(
            sa.select(CONTACT_TAG.c.contact_id, TAG.c.name)
            .join(TAG, TAG.c.id == CONTACT_TAG.c.tag_id)
            .where(CONTACT_TAG.c.contact_id.in_(chunk))
            .order_by(TAG.c.name)
        ).all():
            tags.setdefault(cid, []).append(name)
        for cid, key, value in session.execute(
            sa.select(FIELD.c.contact_id, FIELD.c.key, FIELD.c.value)
            .where(FIELD.c.contact_id.in_(chunk))
            .order_by(FIELD.c.key)
        ).all():
            fields.setdefault(cid, {})[key] = value
    company_ids = {c.company_id for c in contacts if c.company_id}
    company = schema.company
    companies = (
        dict(session.execute(sa.select(company.c.id, company.c.name).where(company.c.id.in_(company_ids))).all())
        if company_ids
        else {}
    )
    users = refs.users_by_id(session)
    out = []
    for c in contacts:
        cid = c.id or 0
        c_emails = emails.get(cid, [])
        c_phones = phones.get(cid, [])
        out.append(
            {
                "id": cid,
                "name": c.display_name,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "email": c_emails[0].email if c_emails else None,
                "emails": [{"email": e.email, "label": e.label, "primary": e.is_primary} for e in c_emails],
                "phone": c_phones[0].phone if c_phones else None,
                "phones": [{"phone": p.phone, "label": p.label, "primary": p.is_primary} for p in c_phones],
                "company": companies.get(c.company_id) if c.company_id else None,
                "company_id": c.company_id,
                "title": c.title,
                "tags": tags.get(cid, []),
                "stage": c.stage,
                "source": c.source,
                "owner": users.get(c.owner_id) if c.owner_id else None,
                "birthday": jsonable(c.birthday),
                "gender": c.gender,
                "street": c.street,
                "city": c.city,
                "region": c.region,
                "postal_code": c.postal_code,
                "country": c.country,
                "website": c.website,
                "notes": c.notes,
                "external_id": c.external_id,
                "fields": fields.get(cid, {}),
                "cadence_days": c.cadence_days,
                "created_at": jsonable(c.created_at),
                "updated_at": jsonable(c.updated_at),
                "last_contacted_at": jsonable(c.last_contacted_at),
                "archived_at": jsonable(c.archived_at),
                "version": c.version,
            }
        )
    return out


def contact_view(session: Session, contact: Any, *, interactions: int = 10) -> dict[str, Any]:
    """The 360° view of a contact (a row or a record): every field, the company, recent interactions, the sections."""
    from termcrm.services import interactions as interaction_service

    data = rows(session, [contact])[0]
    recent = interaction_service.list_interactions(session, contact_id=contact.id, limit=interactions)
    data["interactions"] = interaction_service.rows(session, recent)
    timeline = schema.interaction
    data["interaction_count"] = int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(timeline)
            .where(timeline.c.contact_id == contact.id, timeline.c.archived_at.is_(None))
        )
        or 0
    )
    if contact.company_id:
        company = schema.company
        found = session.execute(
            sa.select(company.c.id, company.c.name, company.c.domain).where(company.c.id == contact.company_id)
        ).first()
        data["company_detail"] = dict(found._mapping) if found else None
    for module_name in SECTION_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        section = getattr(module, "contact_section", None)
        if section is not None:
            result = section(session, contact)
            if result is not None:
                name, value = result
                data[name] = value
    return data


# ---------------------------------------------------------------- duplicates and merge


@dataclass
class DuplicatePair:
    """Two contacts that are probably the same person."""

    keep_id: int
    other_id: int
    score: int
    reasons: list[str]


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _sharing(session: Session, child: sa.Table, key: str, *, min_length: int = 0) -> list[tuple[int, int, str]]:
    """(contact id, other contact id, key) for two live contacts whose ``child`` rows share ``key``."""
    r1, r2 = child.alias("r1"), child.alias("r2")
    c1, c2 = CONTACT.alias("c1"), CONTACT.alias("c2")
    stmt = (
        sa.select(r1.c.contact_id, r2.c.contact_id, r1.c[key])
        .join(r2, sa.and_(r1.c[key] == r2.c[key], r1.c.contact_id < r2.c.contact_id))
        .join(c1, c1.c.id == r1.c.contact_id)
        .join(c2, c2.c.id == r2.c.contact_id)
        .where(c1.c.archived_at.is_(None), c2.c.archived_at.is_(None))
    )
    if min_length:
        stmt = stmt.where(sa.func.length(r1.c[key]) >= min_length)
    return [(a, b, k) for a, b, k in session.execute(stmt).all()]


def find_duplicates(session: Session, *, min_score: int = 60, limit: int | None = None) -> list[DuplicatePair]:
    """Likely duplicates: a shared email or phone, or very similar names at the same company."""
    pairs: dict[tuple[int, int], DuplicatePair] = {}

    def add(a: int, b: int, score: int, reason: str) -> None:
        key = (min(a, b), max(a, b))
        pair = pairs.get(key)
        if pair is None:
            pairs[key] = DuplicatePair(key[0], key[1], score, [reason])
        else:
            pair.score = min(100, max(pair.score, score) + 10)
            pair.reasons.append(reason)

    for a, b, key in _sharing(session, EMAIL, "email_key"):
        add(a, b, 95, f"same email {key}")
    for a, b, key in _sharing(session, PHONE, "phone_key", min_length=6):
        add(a, b, 85, f"same phone {key}")
    # Names: compare within the same company, and exact same names anywhere.
    by_company: dict[int | None, list[tuple[int, str]]] = {}
    for cid, name, company_id in session.execute(
        sa.select(CONTACT.c.id, CONTACT.c.display_name, CONTACT.c.company_id).where(CONTACT.c.archived_at.is_(None))
    ).all():
        by_company.setdefault(company_id, []).append((cid, name))
    by_name: dict[str, list[int]] = {}
    for company_id, members in by_company.items():
        for cid, name in members:
            by_name.setdefault(name.lower(), []).append(cid)
        if company_id is None or len(members) > 500:
            continue
        for i, (a, name_a) in enumerate(members):
            for b, name_b in members[i + 1 :]:
                ratio = _similar(name_a, name_b)
                if ratio >= 0.85:
                    add(a, b, int(50 + ratio * 30), f"similar names at the same company ({int(ratio * 100)}%)")
    for same_name, ids in by_name.items():
        if 1 < len(ids) <= 20:
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    if (min(a, b), max(a, b)) not in pairs:
                        add(a, b, 60, f"same name {same_name}")
    result = sorted(
        (p for p in pairs.values() if p.score >= min_score), key=lambda p: (-p.score, p.keep_id, p.other_id)
    )
    return result[:limit] if limit else result


def duplicate_rows(session: Session, pairs: Sequence[DuplicatePair]) -> list[dict[str, Any]]:
    """JSON-ready rows of duplicate pairs, with both contacts' names."""
    ids = {p.keep_id for p in pairs} | {p.other_id for p in pairs}
    names = (
        dict(session.execute(sa.select(CONTACT.c.id, CONTACT.c.display_name).where(CONTACT.c.id.in_(ids))).all())
        if ids
        else {}
    )
    return [
        {
            "id": p.keep_id,
            "keep_id": p.keep_id,
            "keep": names.get(p.keep_id),
            "other_id": p.other_id,
            "other": names.get(p.other_id),
            "score": p.score,
            "reasons": p.reasons,
        }
        for p in pairs
    ]


def merge_contacts(session: Session, keep: Contact, other: Contact) -> Contact:
    """Merge ``other`` into ``keep``: fill empty fields, union emails, phones, tags and fields,
    move every related record to ``keep``, archive ``other``. One change set, so undoable."""
    from termcrm.models import ContactEmail, ContactField, ContactPhone, ContactTag

    if keep.id == other.id:
        raise Invalid("cannot merge a contact into itself")
    if other.archived_at is not None:
        raise Invalid(f"contact #{other.id} is archived; restore it first")
    for name in (*PLAIN_FIELDS, "birthday", "cadence_days", "company_id", "owner_id", "last_contacted_at"):
        if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(keep, name, getattr(other, name))
    if not keep.first_name and other.first_name:
        keep.first_name = other.first_name
    if not keep.last_name and other.last_name:
        keep.last_name = other.last_name
    if other.last_contacted_at and keep.last_contacted_at and other.last_contacted_at > keep.last_contacted_at:
        keep.last_contacted_at = other.last_contacted_at
    if STAGES.index(other.stage) > STAGES.index(keep.stage) and other.stage != "other":
        keep.stage = other.stage
    keep.display_name = display_name(keep.first_name, keep.last_name)
    session.add(keep)
    keep_emails = {
        e.email_key for e in session.exec(select(ContactEmail).where(ContactEmail.contact_id == keep.id)).all()
    }
    has_primary = bool(keep_emails)
    for e in session.exec(select(ContactEmail).where(ContactEmail.contact_id == other.id)).all():
        if e.email_key in keep_emails:
            session.delete(e)
        else:
            e.contact_id = keep.id or 0
            e.is_primary = e.is_primary and not has_primary
            session.add(e)
    keep_phones = {
        p.phone_key for p in session.exec(select(ContactPhone).where(ContactPhone.contact_id == keep.id)).all()
    }
    has_primary = bool(keep_phones)
    for p in session.exec(select(ContactPhone).where(ContactPhone.contact_id == other.id)).all():
        if p.phone_key in keep_phones:
            session.delete(p)
        else:
            p.contact_id = keep.id or 0
            p.is_primary = p.is_primary and not has_primary
            session.add(p)
    keep_tags = {t.tag_id for t in session.exec(select(ContactTag).where(ContactTag.contact_id == keep.id)).all()}
    for link in session.exec(select(ContactTag).where(ContactTag.contact_id == other.id)).all():
        if link.tag_id not in keep_tags:
            session.add(ContactTag(contact_id=keep.id or 0, tag_id=link.tag_id))
        session.delete(link)
    keep_fields = {f.key for f in session.exec(select(ContactField).where(ContactField.contact_id == keep.id)).all()}
    for f in session.exec(select(ContactField).where(ContactField.contact_id == other.id)).all():
        if f.key in keep_fields:
            session.delete(f)
        else:
            f.contact_id = keep.id or 0
            session.add(f)
    session.flush()
    _move_related(session, other.id or 0, keep.id or 0)
    other.archived_at = utcnow()
    session.add(other)
    session.flush()
    history.set_summary(session, f"merge contact #{other.id} {other.display_name} into #{keep.id} {keep.display_name}")
    return keep


def _move_related(session: Session, old_id: int, new_id: int) -> None:
    """Point every record that names contact ``old_id`` at ``new_id`` (through the ORM, so it is history)."""
    from termcrm import models

    for model in (
        models.Interaction,
        models.Deal,
        models.Followup,
        models.Ticket,
    ):
        for obj in session.exec(select(model).where(model.contact_id == old_id)).all():  # type: ignore[attr-defined]
            obj.contact_id = new_id
            session.add(obj)
    existing = {
        m.campaign_id
        for m in session.exec(select(models.CampaignMember).where(models.CampaignMember.contact_id == new_id)).all()
    }
    for member in session.exec(select(models.CampaignMember).where(models.CampaignMember.contact_id == old_id)).all():
        if member.campaign_id in existing:
            session.delete(member)
        else:
            member.contact_id = new_id
            session.add(member)
    session.flush()
