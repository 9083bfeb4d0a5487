"""Segments: named, saved contact filters whose membership is evaluated when used.

A segment stores the filter words of ``contact list`` (``stage:customer +vip
last_contacted<-90d``); ``@name`` in any contact filter expands to its words,
so a segment is always current. Segments may name other segments; a segment
that reaches itself again (directly or through others) is refused with the
path it took. The words are validated by compiling them when saved.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from termcrm.errors import Conflict, Invalid, NotFound
from termcrm.services import history
from termcrm.services.common import jsonable
from termcrm.services.filters import parse_words

if TYPE_CHECKING:
    from termcrm.models import Segment

NAME_RE = re.compile(r"^[^\W_][\w.\-]*$", re.UNICODE)
"""A segment name: letters, digits, ``_ . -``; no spaces, so ``@name`` is one filter word."""

_PLAIN = re.compile(r"^[^\s'\"\\]+$")
"""A word that needs no quoting when stored."""

_STACK_KEY = "termcrm_segment_stack"
"""``session.info`` key of the segments being expanded right now (the cycle guard)."""


def check_name(name: str) -> str:
    """A trimmed segment name (without a leading ``@``), or Invalid."""
    text = name.strip().lstrip("@")
    if not text or not NAME_RE.match(text):
        raise Invalid(f"segment name {name!r} is not valid: use letters, digits, - _ . and no spaces")
    return text


def words_of(segment: Segment) -> list[str]:
    """The saved filter words of ``segment``."""
    try:
        return shlex.split(segment.filter)
    except ValueError:
        return segment.filter.split()


def join_words(words: Sequence[str]) -> str:
    """Filter words as one stored string (quoted only where a word holds spaces or quotes)."""
    return " ".join(w if _PLAIN.match(w) else shlex.quote(w) for w in words if w.strip())


def find_segment(session: Session, name: str) -> Segment | None:
    """The segment called ``name`` (any case, ``@`` optional), or None."""
    from termcrm.models import Segment

    text = name.strip().lstrip("@")
    found = session.exec(select(Segment).where(Segment.name == text)).first()
    if found is not None:
        return found
    return session.exec(select(Segment).where(sa.func.lower(Segment.name) == text.lower())).first()


def get_segment(session: Session, ref: str | int) -> Segment:
    """The segment named (or numbered) ``ref``, or NotFound listing the known names."""
    from termcrm.models import Segment

    text = str(ref).strip()
    found = find_segment(session, text)
    if found is None and text.lstrip("#").isdigit():
        found = session.get(Segment, int(text.lstrip("#")))
    if found is None:
        names = session.exec(select(Segment.name).order_by(Segment.name)).all()
        hint = f"; known segments: {', '.join(names)}" if names else "; add one with crm segment add NAME FILTER..."
        raise NotFound(f"no segment named {text!r}{hint}")
    return found


def segment_clause(session: Session, name: str, *, now: datetime | None = None) -> Any:
    """The SQL condition on ``contact`` for ``@name``: the segment's saved words, ANDed.

    Raises NotFound for an unknown segment and Invalid when segments refer to
    each other in a circle (``a -> b -> a``).
    """
    from termcrm.services import contacts
    from termcrm.services.filters import compile_words

    segment = get_segment(session, name)
    stack: list[str] = session.info.setdefault(_STACK_KEY, [])
    key = segment.name.lower()
    if key in (s.lower() for s in stack):
        path = " -> ".join(f"@{s}" for s in [*stack, segment.name])
        raise Invalid(f"segment @{segment.name} refers to itself ({path}); remove the circular @reference")
    stack.append(segment.name)
    try:
        conditions = compile_words(words_of(segment), contacts.filter_context(session, now))
    except (Invalid, NotFound) as exc:
        if len(stack) > 1 or "segment @" in exc.message:
            raise
        raise type(exc)(f"segment @{segment.name}: {exc.message}") from None
    finally:
        stack.pop()
        if not stack:
            session.info.pop(_STACK_KEY, None)
    if not conditions:
        return sa.true()
    return sa.and_(*conditions)


def _validate(session: Session, segment: Segment, now: datetime | None) -> int:
    """Compile (and count) the segment as saved in this session; returns its member count."""
    session.flush()
    return member_count(session, segment, now=now)


def _check_words(words: Sequence[str]) -> list[str]:
    cleaned = [w for w in words if w.strip()]
    if not cleaned:
        raise Invalid("a segment needs filter words, e.g. stage:customer +vip last_contacted<-90d")
    parse_words(cleaned)
    return cleaned


def create_segment(session: Session, name: str, words: Sequence[str], *, now: datetime | None = None) -> Segment:
    """Save a new segment after checking its words compile."""
    from termcrm.models import Segment

    seg_name = check_name(name)
    if find_segment(session, seg_name) is not None:
        raise Conflict(f"a segment named {seg_name!r} already exists; edit it with crm segment edit {seg_name}")
    segment = Segment(name=seg_name, filter=join_words(_check_words(words)))
    session.add(segment)
    _validate(session, segment, now)
    history.set_summary(session, f"add segment @{seg_name}")
    return segment


def _rewrite_reference(words: list[str], old: str, new: str) -> tuple[list[str], bool]:
    out, changed = [], False
    for word in words:
        if word.startswith("@") and word[1:].lower() == old.lower():
            out.append(f"@{new}")
            changed = True
        else:
            out.append(word)
    return out, changed


def referring_segments(session: Session, segment: Segment) -> list[Segment]:
    """Other segments whose words name ``@segment``."""
    from termcrm.models import Segment

    found = []
    for other in session.exec(select(Segment).where(Segment.id != segment.id).order_by(Segment.name)).all():
        if any(w.startswith("@") and w[1:].lower() == segment.name.lower() for w in words_of(other)):
            found.append(other)
    return found


def update_segment(
    session: Session,
    segment: Segment,
    *,
    words: Sequence[str] | None = None,
    rename: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Segment:
    """Change a segment's words and/or name; segments that refer to it by name follow a rename."""
    from termcrm.services.common import check_version

    check_version(segment, version, f"segment @{segment.name}")
    if words is None and rename is None:
        raise Invalid("nothing to change: give new filter words or --rename NEW")
    old_name = segment.name
    if rename is not None:
        new_name = check_name(rename)
        other = find_segment(session, new_name)
        if other is not None and other.id != segment.id:
            raise Conflict(f"a segment named {new_name!r} already exists")
        if new_name != old_name:
            for referrer in referring_segments(session, segment):
                new_words, _ = _rewrite_reference(words_of(referrer), old_name, new_name)
                referrer.filter = join_words(new_words)
                session.add(referrer)
            segment.name = new_name
    if words is not None:
        segment.filter = join_words(_check_words(words))
    session.add(segment)
    _validate(session, segment, now)
    what = f"rename segment @{old_name} to @{segment.name}" if segment.name != old_name else ""
    if words is not None:
        what = f"{what}; " if what else ""
        what += f"edit segment @{segment.name}: {segment.filter}"
    history.set_summary(session, what)
    return segment


def delete_segment(session: Session, segment: Segment) -> None:
    """Delete a segment; refused while other segments name it. Campaigns targeting it keep their members."""
    from termcrm.models import Campaign

    referrers = referring_segments(session, segment)
    if referrers:
        names = ", ".join(f"@{s.name}" for s in referrers)
        raise Conflict(f"segment @{segment.name} is used by {names}; edit those first")
    for campaign in session.exec(select(Campaign).where(Campaign.segment_id == segment.id)).all():
        campaign.segment_id = None
        session.add(campaign)
    session.delete(segment)
    session.flush()
    history.set_summary(session, f"remove segment @{segment.name}")


def list_segments(session: Session) -> list[Segment]:
    """Every segment, by name."""
    from termcrm.models import Segment

    return list(session.exec(select(Segment).order_by(Segment.name)).all())


def members_query(session: Session, segment: Segment, *, now: datetime | None = None, sort: str | None = None) -> Any:
    """The SELECT of the live contacts in ``segment`` now."""
    from termcrm.services import contacts

    return contacts.query_contacts(session, [f"@{segment.name}"], sort=sort, now=now)


def member_ids(session: Session, segment: Segment, *, now: datetime | None = None) -> list[int]:
    """Ids of the live contacts in ``segment`` now, in id order."""
    from termcrm.models import Contact

    stmt = members_query(session, segment, now=now).order_by(None).with_only_columns(Contact.id).order_by(Contact.id)
    return [int(i) for i in session.scalars(stmt).all()]


def member_count(session: Session, segment: Segment, *, now: datetime | None = None) -> int:
    """How many live contacts are in ``segment`` now."""
    stmt = members_query(session, segment, now=now).order_by(None)
    return int(session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0)


def members(
    session: Session,
    segment: Segment,
    *,
    now: datetime | None = None,
    sort: str | None = None,
    limit: int | None = None,
) -> list[Any]:
    """The live contacts in ``segment`` now (rows of the contact table), by name unless sorted otherwise."""
    stmt = members_query(session, segment, now=now, sort=sort)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).all())


def row(session: Session, segment: Segment, *, count: int | None = None, now: datetime | None = None) -> dict[str, Any]:
    """A JSON-ready dict of a segment with its current member count."""
    from termcrm.models import Campaign

    campaigns = session.exec(
        select(sa.func.count()).select_from(Campaign).where(Campaign.segment_id == segment.id)  # type: ignore[arg-type]
    ).one()
    return {
        "id": segment.id,
        "name": segment.name,
        "filter": segment.filter,
        "words": words_of(segment),
        "members": member_count(session, segment, now=now) if count is None else count,
        "campaigns": int(campaigns),
        "created_at": jsonable(segment.created_at),
        "updated_at": jsonable(segment.updated_at),
        "version": segment.version,
    }


def rows(session: Session, segments: Sequence[Segment], *, now: datetime | None = None) -> list[dict[str, Any]]:
    """JSON-ready dicts of segments with their current member counts."""
    return [row(session, s, now=now) for s in segments]


def segment_view(
    session: Session, segment: Segment, *, now: datetime | None = None, limit: int | None = None
) -> dict[str, Any]:
    """A segment with its count and its members (contact rows, ``limit`` of them when given)."""
    from termcrm.services import contacts

    data = row(session, segment, now=now)
    found = members(session, segment, now=now, limit=limit)
    data["contacts"] = [
        {k: r[k] for k in ("id", "name", "email", "company", "stage", "tags", "owner", "last_contacted_at")}
        for r in contacts.rows(session, found)
    ]
    return data
