"""Companies: create, edit, archive, list, and the company view."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from termcrm.errors import Conflict, Invalid
from termcrm.services import history, refs
from termcrm.services.common import (
    archive_record,
    check_tag,
    check_version,
    get_or_create_tag,
    jsonable,
    restore_record,
)
from termcrm.services.filters import FieldSpec, FilterContext, filtered

if TYPE_CHECKING:
    from termcrm.models import Company

PLAIN_FIELDS = (
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
SECTION_MODULES = ("termcrm.services.deals", "termcrm.services.followups", "termcrm.services.tickets")


@dataclass
class CompanyInput:
    """What ``company add`` may give."""

    name: str
    values: dict[str, str | None] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    owner: str | None = None


def _check_name(session: Session, name: str, exclude: int | None = None) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise Invalid("a company needs a name")
    other = refs.find_company(session, clean)
    if other is not None and other.id != exclude:
        raise Conflict(f"a company named {other.name!r} exists already (#{other.id})")
    return clean


def create_company(session: Session, data: CompanyInput) -> Company:
    """Create a company; names are unique regardless of case."""
    from termcrm.models import Company

    name = _check_name(session, data.name)
    owner_id = refs.user(session, data.owner, create=True).id if data.owner else history.acting_user_id(session)
    company = Company(name=name, name_key=name.lower(), owner_id=owner_id)
    for key, value in data.values.items():
        if key not in PLAIN_FIELDS:
            raise Invalid(f"company has no field {key!r}; fields: {', '.join(PLAIN_FIELDS)}")
        setattr(company, key, value.strip() if value and value.strip() else None)
    session.add(company)
    session.flush()
    set_tags(session, company, add=data.tags)
    set_fields(session, company, data.fields)
    history.set_summary(session, f"add company #{company.id} {company.name}")
    return company


def set_tags(session: Session, company: Company, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
    """Add and remove tags on a company."""
    from termcrm.models import CompanyTag, Tag

    current = {
        t.name: t
        for t in session.exec(
            select(Tag).join(CompanyTag, CompanyTag.tag_id == Tag.id).where(CompanyTag.company_id == company.id)  # type: ignore[arg-type]
        ).all()
    }
    for name in remove:
        key = check_tag(name)
        if key in current:
            link = session.get(CompanyTag, (company.id, current[key].id))
            if link is not None:
                session.delete(link)
    for name in add:
        key = check_tag(name)
        if key not in current:
            tag = get_or_create_tag(session, key)
            session.add(CompanyTag(company_id=company.id or 0, tag_id=tag.id or 0))
            current[key] = tag
    session.flush()


def set_fields(session: Session, company: Company, values: dict[str, str], unset: Iterable[str] = ()) -> None:
    """Set or remove custom fields on a company."""
    from termcrm.models import CompanyField

    rows_ = {f.key: f for f in session.exec(select(CompanyField).where(CompanyField.company_id == company.id)).all()}
    for key in unset:
        if key in rows_:
            session.delete(rows_.pop(key))
    for key, value in values.items():
        if key in rows_:
            rows_[key].value = value
            session.add(rows_[key])
        else:
            session.add(CompanyField(company_id=company.id or 0, key=key, value=value))
    session.flush()


@dataclass
class CompanyChanges:
    """What ``company edit`` may change."""

    name: str | None = None
    values: dict[str, str | None] = field(default_factory=dict)
    owner: str | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    set_fields: dict[str, str] = field(default_factory=dict)
    unset_fields: list[str] = field(default_factory=list)


def update_company(
    session: Session, company: Company, changes: CompanyChanges, *, expected_version: int | None = None
) -> Company:
    """Apply ``changes`` to a company."""
    check_version(company, expected_version, f"company #{company.id}")
    if changes.name is not None:
        company.name = _check_name(session, changes.name, exclude=company.id)
        company.name_key = company.name.lower()
    for key, value in changes.values.items():
        if key not in PLAIN_FIELDS:
            raise Invalid(f"company has no field {key!r}; fields: {', '.join(PLAIN_FIELDS)}")
        setattr(company, key, value.strip() if value and value.strip() else None)
    if changes.owner is not None:
        company.owner_id = refs.user(session, changes.owner, create=True).id if changes.owner else None
    session.add(company)
    session.flush()
    if changes.add_tags or changes.remove_tags:
        set_tags(session, company, changes.add_tags, changes.remove_tags)
    if changes.set_fields or changes.unset_fields:
        set_fields(session, company, changes.set_fields, changes.unset_fields)
    history.set_summary(session, f"edit company #{company.id} {company.name}")
    return company


def archive_company(session: Session, company: Company) -> Company:
    """Archive a company (its contacts stay, still linked)."""
    archive_record(session, company, f"company #{company.id} {company.name}")
    return company


def restore_company(session: Session, company: Company) -> Company:
    """Bring an archived company back."""
    restore_record(session, company, f"company #{company.id} {company.name}")
    return company


def _tag_clause(name: str) -> Any:
    from termcrm.models import Company, CompanyTag, Tag

    return sa.exists().where(CompanyTag.company_id == Company.id, CompanyTag.tag_id == Tag.id, Tag.name == name.lower())


def _owner_build(op: str, value: str) -> Any:
    from termcrm.models import Company, User

    if op not in (":", "!="):
        raise Invalid("owner takes : or != only")
    cond = Company.owner_id.in_(select(User.id).where(User.name_key == value.lower()))  # type: ignore[union-attr]
    return cond if op == ":" else sa.not_(cond)


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``company list`` filters and sorts by."""
    from termcrm.models import Company

    dialect = session.info.get("dialect") or session.get_bind().dialect.name

    def text(word: str) -> Any:
        from termcrm.services.search import match_clause

        return match_clause("company", Company.id, word, dialect)

    fields = {name: FieldSpec(getattr(Company, name)) for name in PLAIN_FIELDS}
    fields.update(
        {
            "id": FieldSpec(Company.id, "int"),
            "name": FieldSpec(Company.name),
            "owner": FieldSpec(None, "custom", build=_owner_build, sortable=False),
            "created": FieldSpec(Company.created_at, "datetime"),
            "updated": FieldSpec(Company.updated_at, "datetime"),
        }
    )
    return FilterContext(fields=fields, text=text, tag=_tag_clause, now=now, aliases={"created_at": "created"})


def list_companies(
    session: Session,
    words: Sequence[str] = (),
    *,
    sort: str | None = None,
    limit: int | None = None,
    archived: bool = False,
    now: datetime | None = None,
) -> list[Company]:
    """Companies matching the filter words."""
    from termcrm.models import Company

    ctx = filter_context(session, now)
    stmt = filtered(
        select(Company),
        words,
        ctx,
        sort=sort,
        default=[Company.name_key, Company.id],
        limit=limit,
        archived=(Company.archived_at, archived),
    )
    return list(session.exec(stmt).all())


def rows(session: Session, companies: Sequence[Company]) -> list[dict[str, Any]]:
    """JSON-ready dicts of companies."""
    from termcrm.models import CompanyField, CompanyTag, Contact, Tag

    ids = [c.id for c in companies if c.id is not None]
    tags: dict[int, list[str]] = {}
    fields: dict[int, dict[str, str]] = {}
    counts: dict[int, int] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for cid, name in session.exec(
            select(CompanyTag.company_id, Tag.name)
            .join(Tag, Tag.id == CompanyTag.tag_id)
            .where(CompanyTag.company_id.in_(chunk))
            .order_by(Tag.name)  # type: ignore[arg-type,attr-defined]
        ).all():
            tags.setdefault(cid, []).append(name)
        for f in session.exec(select(CompanyField).where(CompanyField.company_id.in_(chunk))).all():  # type: ignore[attr-defined]
            fields.setdefault(f.company_id, {})[f.key] = f.value
        for owner_id, count in session.exec(
            select(Contact.company_id, sa.func.count())
            .where(Contact.company_id.in_(chunk), Contact.archived_at.is_(None))
            .group_by(Contact.company_id)  # type: ignore[union-attr]
        ).all():
            counts[int(owner_id)] = count
    users = refs.users_by_id(session)
    return [
        {
            "id": c.id,
            "name": c.name,
            **{name: getattr(c, name) for name in PLAIN_FIELDS},
            "tags": tags.get(c.id or 0, []),
            "fields": fields.get(c.id or 0, {}),
            "owner": users.get(c.owner_id) if c.owner_id else None,
            "contacts": counts.get(c.id or 0, 0),
            "created_at": jsonable(c.created_at),
            "updated_at": jsonable(c.updated_at),
            "archived_at": jsonable(c.archived_at),
            "version": c.version,
        }
        for c in companies
    ]


def company_view(session: Session, company: Company) -> dict[str, Any]:
    """The company view: fields, its contacts, recent interactions and the modules' sections."""
    from termcrm.models import Contact
    from termcrm.services import contacts as contact_service
    from termcrm.services import interactions as interaction_service

    data = rows(session, [company])[0]
    people = session.exec(
        select(Contact)
        .where(Contact.company_id == company.id, Contact.archived_at.is_(None))
        .order_by(Contact.display_name)  # type: ignore[union-attr]
    ).all()
    data["people"] = [
        {k: r[k] for k in ("id", "name", "title", "email", "phone", "stage")}
        for r in contact_service.rows(session, people)
    ]
    recent = interaction_service.list_interactions(session, company_id=company.id, limit=10)
    data["interactions"] = interaction_service.rows(session, recent)
    for module_name in SECTION_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        section = getattr(module, "company_section", None)
        if section is not None:
            result = section(session, company)
            if result is not None:
                name, value = result
                data[name] = value
    return data
