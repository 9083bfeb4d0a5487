"""Small helpers shared by the services: validation, tags, owners, JSON-ready values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from termcrm.errors import Invalid

if TYPE_CHECKING:
    from termcrm.models import Tag

EMAIL_RE = re.compile(r"^[^@\s,;<>()\[\]]+@[^@\s,;<>()\[\]]+\.[^@\s,;<>()\[\].]{2,}$")
TAG_RE = re.compile(r"^[\w][\w.\-/&]*$", re.UNICODE)


def check_email(value: str) -> str:
    """A trimmed, valid email address, or Invalid."""
    email = value.strip()
    if not EMAIL_RE.match(email):
        raise Invalid(f"{value!r} is not an email address (expected name@example.com)")
    return email


_NON_DIGIT = re.compile(r"\D")
_NOT_PHONE = re.compile(r"[^\d\s+().\-/xX#*]")


def phone_key(value: str) -> str:
    """Digits only, for matching numbers written differently."""
    return _NON_DIGIT.sub("", value)


def check_phone(value: str) -> str:
    """A trimmed phone number with at least three digits, or Invalid."""
    phone = value.strip()
    if len(phone_key(phone)) < 3 or _NOT_PHONE.search(phone):
        raise Invalid(f"{value!r} is not a phone number (digits, spaces, + ( ) - . / allowed)")
    return phone


def split_labelled(value: str) -> tuple[str | None, str]:
    """``work=ann@x.org`` → (``work``, ``ann@x.org``); no label → (None, value)."""
    if "=" in value:
        label, _, rest = value.partition("=")
        if label.strip() and re.fullmatch(r"[\w \-]+", label.strip()):
            return label.strip().lower(), rest.strip()
    return None, value.strip()


def check_tag(name: str) -> str:
    """A tag name, lower-cased; letters, digits and ``_ - . / &``."""
    tag = name.strip().lower().lstrip("+")
    if not tag or not TAG_RE.match(tag):
        raise Invalid(f"tag {name!r} is not valid: use letters, digits, - _ . / & and no spaces")
    return tag


def get_or_create_tag(session: Session, name: str) -> Tag:
    """The tag named ``name`` (lower-cased), created when missing."""
    from termcrm.models import Tag

    tag_name = check_tag(name)
    tag = session.exec(select(Tag).where(Tag.name == tag_name)).first()
    if tag is None:
        tag = Tag(name=tag_name)
        session.add(tag)
        session.flush()
    return tag


def names_by_id(session: Session, column: Any, label: Any, ids: Iterable[int | None]) -> dict[int, str]:
    """{id: label} of the rows whose ``column`` is one of ``ids`` (None skipped), in chunks of 900 ids."""
    ordered = sorted({i for i in ids if i is not None})
    out: dict[int, str] = {}
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        out.update({int(k): str(v) for k, v in session.execute(sa.select(column, label).where(column.in_(chunk)))})
    return out


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """``value`` lower-cased if it is one of ``choices`` (a unique prefix is accepted)."""
    lowered = value.strip().lower()
    if lowered in choices:
        return lowered
    prefixed = [c for c in choices if c.startswith(lowered)] if lowered else []
    if len(prefixed) == 1:
        return prefixed[0]
    raise Invalid(f"{what} {value!r} is not one of: {', '.join(choices)}")


def jsonable(value: Any) -> Any:
    """Dates and times as ISO 8601 strings; everything else unchanged."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def live(column: Any) -> Any:
    """``archived_at IS NULL``."""
    return column.is_(None)


def ilike_any(columns: list[Any], text: str) -> Any:
    """Case-insensitive "contains" over several columns."""
    return sa.or_(*[c.icontains(text, autoescape=True) for c in columns])


def check_version(obj: Any, expected: int | None, what: str) -> None:
    """Raise Conflict when a form's version is stale (someone saved the record meanwhile)."""
    if expected is not None and getattr(obj, "version", None) != expected:
        from termcrm.errors import Conflict

        current = {k: jsonable(v) for k, v in obj.model_dump().items()}
        raise Conflict(
            f"{what} was changed by someone else meanwhile (version {obj.version}, yours {expected}); "
            "nothing was saved",
            current=current,
        )


def archive_record(session: Any, obj: Any, label: str, *, now: datetime | None = None) -> None:
    """Archive (soft-delete) ``obj``: set ``archived_at`` and describe the change set; ``crm undo`` reverts it."""
    from termcrm.models import utcnow
    from termcrm.services import history

    if obj.archived_at is not None:
        raise Invalid(f"{label} is already archived")
    obj.archived_at = now or utcnow()
    session.add(obj)
    session.flush()
    history.set_summary(session, f"archive {label}")


def restore_record(session: Any, obj: Any, label: str) -> None:
    """Bring an archived record back."""
    from termcrm.services import history

    if obj.archived_at is None:
        raise Invalid(f"{label} is not archived")
    obj.archived_at = None
    session.add(obj)
    session.flush()
    history.set_summary(session, f"restore {label}")
