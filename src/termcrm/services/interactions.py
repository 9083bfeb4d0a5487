"""Interactions: the timeline of calls, emails, meetings, notes, messages, visits and events.

Lists and rows read the schema's Core table (no ORM class is built to show a
timeline); logging an interaction and refreshing a contact write through the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlmodel import Session, select

from termcrm.errors import Invalid
from termcrm.models import schema, utcnow
from termcrm.services import history, refs
from termcrm.services.common import check_choice, jsonable
from termcrm.services.filters import FieldSpec, FilterContext, filtered
from termcrm.vocab import INTERACTION_KINDS

if TYPE_CHECKING:
    from termcrm.models import Company, Contact, Interaction

TIMELINE = schema.interaction


def _direction(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    lowered = value.strip().lower()
    aliases = {"in": "in", "inbound": "in", "incoming": "in", "out": "out", "outbound": "out", "outgoing": "out"}
    if lowered not in aliases:
        raise Invalid(f"direction {value!r} is not in or out")
    return aliases[lowered]


def log_interaction(
    session: Session,
    *,
    kind: str,
    summary: str,
    contact: Contact | None = None,
    company: Company | None = None,
    deal_id: int | None = None,
    occurred_at: datetime | None = None,
    body: str | None = None,
    channel: str | None = None,
    direction: str | None = None,
    outcome: str | None = None,
    user: str | None = None,
) -> Interaction:
    """Record an interaction; the contact's ``last_contacted_at`` follows its latest one."""
    from termcrm.models import Interaction

    if contact is None and company is None and deal_id is None:
        raise Invalid("an interaction needs a contact, a company or a deal")
    if not summary.strip():
        raise Invalid("an interaction needs a summary")
    kind_value = check_choice(kind, INTERACTION_KINDS, "kind")
    when = occurred_at or utcnow()
    company_id = company.id if company else (contact.company_id if contact else None)
    user_id = refs.user(session, user, create=True).id if user else history.acting_user_id(session)
    interaction = Interaction(
        kind=kind_value,
        summary=summary.strip(),
        body=body.strip() if body and body.strip() else None,
        channel=channel.strip() if channel else None,
        direction=_direction(direction),
        outcome=outcome.strip() if outcome else None,
        occurred_at=when,
        contact_id=contact.id if contact else None,
        company_id=company_id,
        deal_id=deal_id,
        user_id=user_id,
    )
    session.add(interaction)
    if contact is not None and (contact.last_contacted_at is None or contact.last_contacted_at < when):
        contact.last_contacted_at = when
        session.add(contact)
    session.flush()
    who = contact.display_name if contact else (company.name if company else f"deal #{deal_id}")
    history.set_summary(session, f"log {kind_value} with {who}: {interaction.summary}")
    return interaction


def _user_build(op: str, value: str) -> Any:
    if op not in (":", "!="):
        raise Invalid("user takes : or != only")
    cond = TIMELINE.c.user_id.in_(sa.select(schema.user.c.id).where(schema.user.c.name_key == value.lower()))
    return cond if op == ":" else sa.not_(cond)


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``activity list`` filters and sorts by."""
    dialect = session.info.get("dialect") or session.get_bind().dialect.name
    c = TIMELINE.c

    def text(word: str) -> Any:
        from termcrm.services.search import match_clause

        return match_clause("interaction", c.id, word, dialect)

    return FilterContext(
        fields={
            "id": FieldSpec(c.id, "int"),
            "kind": FieldSpec(c.kind, "choice", choices=INTERACTION_KINDS),
            "channel": FieldSpec(c.channel),
            "direction": FieldSpec(c.direction, "choice", choices=("in", "out")),
            "outcome": FieldSpec(c.outcome),
            "summary": FieldSpec(c.summary),
            "body": FieldSpec(c.body),
            "contact_id": FieldSpec(c.contact_id, "int"),
            "company_id": FieldSpec(c.company_id, "int"),
            "deal_id": FieldSpec(c.deal_id, "int"),
            "user": FieldSpec(None, "custom", build=_user_build, sortable=False),
            "at": FieldSpec(c.occurred_at, "datetime"),
        },
        text=text,
        now=now,
        aliases={"occurred": "at", "occurred_at": "at", "date": "at", "contact": "contact_id", "company": "company_id"},
    )


def list_interactions(
    session: Session,
    words: Sequence[str] = (),
    *,
    contact_id: int | None = None,
    company_id: int | None = None,
    deal_id: int | None = None,
    sort: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[Row[Any]]:
    """Interactions (rows of the interaction table), newest first unless sorted otherwise."""
    ctx = filter_context(session, now)
    c = TIMELINE.c
    stmt = sa.select(TIMELINE).where(c.archived_at.is_(None))
    if contact_id is not None:
        stmt = stmt.where(c.contact_id == contact_id)
    if company_id is not None:
        stmt = stmt.where(c.company_id == company_id)
    if deal_id is not None:
        stmt = stmt.where(c.deal_id == deal_id)
    stmt = filtered(stmt, words, ctx, sort=sort, default=[c.occurred_at.desc(), c.id.desc()], limit=limit)
    return list(session.execute(stmt).all())


def rows(session: Session, items: Sequence[Any]) -> list[dict[str, Any]]:
    """JSON-ready dicts of interactions (rows or records)."""
    users = refs.users_by_id(session)
    contact_ids = {i.contact_id for i in items if i.contact_id}
    people = schema.contact
    names = (
        dict(session.execute(sa.select(people.c.id, people.c.display_name).where(people.c.id.in_(contact_ids))).all())
        if contact_ids
        else {}
    )
    return [
        {
            "id": i.id,
            "kind": i.kind,
            "summary": i.summary,
            "body": i.body,
            "occurred_at": jsonable(i.occurred_at),
            "contact_id": i.contact_id,
            "contact": names.get(i.contact_id) if i.contact_id else None,
            "company_id": i.company_id,
            "deal_id": i.deal_id,
            "channel": i.channel,
            "direction": i.direction,
            "outcome": i.outcome,
            "user": users.get(i.user_id) if i.user_id else None,
        }
        for i in items
    ]


def refresh_last_contacted(session: Session, contact_id: int) -> None:
    """Recompute a contact's ``last_contacted_at`` from its live interactions."""
    from termcrm.models import Contact, Interaction

    contact = session.get(Contact, contact_id)
    if contact is None:
        return
    latest = session.exec(
        select(sa.func.max(Interaction.occurred_at)).where(
            Interaction.contact_id == contact_id, Interaction.archived_at.is_(None)
        )  # type: ignore[union-attr]
    ).one()
    if latest is not None and isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    if latest is not None and latest.tzinfo is None:
        from datetime import UTC

        latest = latest.replace(tzinfo=UTC)
    if contact.last_contacted_at != latest:
        contact.last_contacted_at = latest
        session.add(contact)
        session.flush()
