"""Users: the people who use termcrm. The acting user registers on their first write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from termcrm.errors import Conflict, Invalid
from termcrm.services.common import check_email, jsonable

if TYPE_CHECKING:
    from termcrm.models import User


def add_user(session: Session, name: str, email: str | None = None) -> User:
    """Register a user; names are unique regardless of case."""
    from termcrm.models import User

    clean = " ".join(name.split())
    if not clean:
        raise Invalid("a user needs a name")
    if session.exec(select(User).where(User.name_key == clean.lower())).first() is not None:
        raise Conflict(f"a user named {clean!r} exists already")
    user = User(name=clean, name_key=clean.lower(), email=check_email(email) if email else None)
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, user: User, active: bool) -> User:
    """Activate or deactivate a user (deactivated users keep their records)."""
    user.active = active
    session.add(user)
    session.flush()
    return user


def list_users(session: Session, *, include_inactive: bool = True) -> list[User]:
    """Every user by name."""
    from termcrm.models import User

    stmt = select(User).order_by(User.name_key)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))  # type: ignore[attr-defined]
    return list(session.exec(stmt).all())


def rows(users: list[User]) -> list[dict[str, Any]]:
    """JSON-ready dicts of users."""
    return [
        {"id": u.id, "name": u.name, "email": u.email, "active": u.active, "created_at": jsonable(u.created_at)}
        for u in users
    ]
