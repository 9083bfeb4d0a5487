"""References: how a command line names a record.

A contact is named by id, by email (case-insensitive), or by a name fragment
that matches exactly one contact; companies by id or name; users by name;
deals by id or unique title; tickets and follow-ups by id. An ambiguous
reference raises :class:`~termcrm.errors.Ambiguous` listing the candidates.

Lookups read the schema's Core tables, so resolving a reference builds no ORM
class: ``contact_row`` serves readers (``crm contact show``), and the functions
that return a record to change (``contact``, ``company``, ``user``, ``deal``)
load its class only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlmodel import Session, SQLModel, select

from termcrm.errors import Ambiguous, Invalid, NotFound
from termcrm.models import schema
from termcrm.money import LARGEST_INTEGER

if TYPE_CHECKING:
    from termcrm.models import Company, Contact, Deal, User

T = TypeVar("T", bound=SQLModel)


def parse_id(ref: str | int, what: str) -> int:
    """A numeric id (``42`` or ``#42``), or Invalid."""
    text = str(ref).strip().lstrip("#")
    if not text.isdigit():
        raise Invalid(f"{what} {ref!r} is not an id; give the number shown by the list command")
    number = int(text)
    if number > LARGEST_INTEGER:
        raise NotFound(f"no {what} with id {text}")
    return number


def by_id(session: Session, model: type[T], ref: str | int, what: str, *, archived: bool = True) -> T:
    """The record of ``model`` with id ``ref`` (archived ones too unless ``archived`` is false)."""
    obj = session.get(model, parse_id(ref, what))
    if obj is None or (not archived and getattr(obj, "archived_at", None) is not None):
        raise NotFound(f"no {what} with id {ref}")
    return obj


def _describe_contact(session: Session, contact: Any) -> str:
    from termcrm.services.contacts import primary_email

    email = primary_email(session, contact.id)
    return f"#{contact.id} {contact.display_name}" + (f" <{email}>" if email else "")


def contact_row(session: Session, ref: str | int, *, archived: bool = False) -> Row[Any]:
    """Resolve a contact reference (id, email, or unique name fragment) to its row of the contact table.

    An id finds archived contacts too; an email or a name finds live ones unless ``archived``.
    """
    t = schema.contact
    text = str(ref).strip()
    if not text:
        raise Invalid("empty contact reference: give an id, an email or part of a name")
    if text.lstrip("#").isdigit():
        found = session.execute(sa.select(t).where(t.c.id == parse_id(text, "contact"))).first()
        if found is None:
            raise NotFound(f"no contact with id {text}")
        return found
    live = t.c.archived_at.is_(None) if not archived else sa.true()
    if "@" in text:
        email = schema.contact_email
        by_email = session.execute(
            sa.select(t)
            .where(t.c.id.in_(sa.select(email.c.contact_id).where(email.c.email_key == text.lower())), live)
            .order_by(t.c.id)
        ).all()
        if len(by_email) == 1:
            return by_email[0]
        if len(by_email) > 1:
            raise Ambiguous(f"{text!r} belongs to several contacts", [_describe_contact(session, c) for c in by_email])
    matches = session.execute(
        sa.select(t).where(t.c.display_name.icontains(text, autoescape=True), live).limit(51)
    ).all()
    if not matches:
        raise NotFound(f"no contact matches {text!r}")
    if len(matches) == 1:
        return matches[0]
    exact = [c for c in matches if c.display_name.lower() == text.lower()]
    if len(exact) == 1:
        return exact[0]
    raise Ambiguous(
        f"{text!r} matches {len(matches) if len(matches) <= 50 else 'more than 50'} contacts; give an id or an email",
        [_describe_contact(session, c) for c in (exact or matches)],
    )


def contact(session: Session, ref: str | int, *, archived: bool = False) -> Contact:
    """Resolve a contact reference (id, email, or unique name fragment) to the record, to change it."""
    from termcrm.models import Contact

    if str(ref).strip().lstrip("#").isdigit():
        return by_id(session, Contact, str(ref).strip(), "contact", archived=True)
    found = session.get(Contact, contact_row(session, ref, archived=archived).id)
    assert found is not None
    return found


def company(session: Session, ref: str | int, *, archived: bool = False) -> Company:
    """Resolve a company reference (id, exact name, or unique name fragment)."""
    from termcrm.models import Company

    text = str(ref).strip()
    if not text:
        raise Invalid("empty company reference: give an id or a name")
    if text.lstrip("#").isdigit():
        found = session.get(Company, int(text.lstrip("#")))
        if found is not None:
            return found
    live = Company.archived_at.is_(None) if not archived else sa.true()  # type: ignore[union-attr]
    exact = session.exec(select(Company).where(Company.name_key == text.lower())).first()
    if exact is not None:
        return exact
    matches = session.exec(
        select(Company).where(Company.name.icontains(text, autoescape=True), live).limit(51)  # type: ignore[attr-defined]
    ).all()
    if not matches:
        raise NotFound(f"no company matches {text!r}")
    if len(matches) == 1:
        return matches[0]
    raise Ambiguous(f"{text!r} matches several companies", [f"#{c.id} {c.name}" for c in matches])


def find_company(session: Session, name: str) -> Company | None:
    """The company named exactly ``name`` (any case), or None."""
    from termcrm.models import Company

    return session.exec(select(Company).where(Company.name_key == name.strip().lower())).first()


def user(session: Session, ref: str, *, create: bool = False) -> User:
    """Resolve a user by id or name (``me`` is the acting user); ``create`` registers a new name."""
    from termcrm.models import User

    text = ref.strip()
    if not text:
        raise Invalid("empty user name")
    if text.lower() == "me":
        text = session.info["settings"].user
    if text.isdigit():
        found = session.get(User, int(text))
        if found is not None:
            return found
    found = session.exec(select(User).where(User.name_key == text.lower())).first()
    if found is not None:
        return found
    if create:
        from termcrm.services.history import ensure_user

        uid = ensure_user(session.connection(), text)
        got = session.get(User, uid)
        assert got is not None
        return got
    names = session.scalars(sa.select(schema.user.c.name).order_by(schema.user.c.name)).all()
    hint = f"; known users: {', '.join(names)}" if names else ""
    raise NotFound(f"no user named {text!r}{hint}")


def deal(session: Session, ref: str | int) -> Deal:
    """Resolve a deal by id or unique title."""
    from termcrm.models import Deal

    text = str(ref).strip()
    if text.lstrip("#").isdigit():
        return by_id(session, Deal, text, "deal")
    exact = session.exec(
        select(Deal).where(sa.func.lower(Deal.title) == text.lower(), Deal.archived_at.is_(None))
    ).all()  # type: ignore[union-attr]
    if len(exact) == 1:
        return exact[0]
    matches = (
        exact
        or session.exec(
            select(Deal).where(Deal.title.icontains(text, autoescape=True), Deal.archived_at.is_(None)).limit(51)  # type: ignore[attr-defined,union-attr]
        ).all()
    )
    if not matches:
        raise NotFound(f"no deal matches {text!r}")
    if len(matches) == 1:
        return matches[0]
    raise Ambiguous(f"{text!r} matches several deals", [f"#{d.id} {d.title}" for d in matches])


def user_name(session: Session, user_id: int | None, cache: dict[int, str] | None = None) -> str | None:
    """A user's name from an id (None stays None)."""
    if user_id is None:
        return None
    if cache is not None and user_id in cache:
        return cache[user_id]
    name = session.scalar(sa.select(schema.user.c.name).where(schema.user.c.id == user_id))
    if cache is not None and name is not None:
        cache[user_id] = name
    return name


def users_by_id(session: Session) -> dict[int, str]:
    """Every user's name by id (a small table)."""
    return {int(uid): name for uid, name in session.execute(sa.select(schema.user.c.id, schema.user.c.name)).all()}


def any_of(*values: Any) -> Any:
    """The first value that is not None."""
    for value in values:
        if value is not None:
            return value
    return None
