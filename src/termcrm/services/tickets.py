"""Service tickets: open, answer, assign, pause, resolve, close, reopen, rate; SLA clocks and the queue.

Every ticket runs two clocks, set from the SLA policy of its priority
(:mod:`termcrm.services.sla_policies`) and counting only business hours when
``sla.business_hours`` is configured (:mod:`termcrm.sla`):

* **first response**: due ``first_response_minutes`` of working time after the
  ticket was opened; met by the first public comment a user writes (resolving
  a ticket nobody answered also counts as answering it);
* **resolution**: due ``resolution_minutes`` of working time after opening,
  plus the working time the clock was paused. The clock pauses while the
  ticket is pending (waiting on the customer) and while it is resolved or
  closed; ``paused_seconds`` keeps the paused working seconds so far and
  ``pending_since`` marks an open pause. A pause that starts after the target
  has already passed does not move the due time: a breach stays a breach.

A clock is **breached** when its target passed unmet: the response or
resolution came after the due time, or the due time passed with neither. A
ticket is breached when either clock is.

**Reopen** clears the resolved and closed times and sets the ticket open; the
resolution clock runs again from where it stopped (the time spent resolved
counts as paused). A ticket resolved late stays breached after reopening; the
first response and any rating are kept. Changing the priority re-dates both
clocks from the opening time with the new priority's targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from termcrm.errors import Invalid
from termcrm.models import schema, utcnow
from termcrm.services import history, refs, sla_policies
from termcrm.services.common import archive_record, check_choice, jsonable, names_by_id
from termcrm.services.filters import FieldSpec, FilterContext, compile_words, order_by, parse_words
from termcrm.sla import BusinessHours, add_working_time, working_time_between
from termcrm.vocab import TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES

if TYPE_CHECKING:
    from termcrm.models import (
        Company,
        Contact,
        KbArticle,
        Ticket,
        TicketComment,
    )

OPEN_STATUSES = ("new", "open", "pending")
"""Statuses of a ticket that still needs work (the queue)."""

DONE_STATUSES = ("resolved", "closed")
"""Statuses of a ticket whose resolution clock has stopped."""

_HOURS_KEY = "termcrm_sla_hours"


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def business_hours(session: Session) -> BusinessHours | None:
    """The configured ``sla.business_hours`` (None: the clocks run around the clock)."""
    text = sla_policies.business_hours_text(session)
    if not text:
        return None
    cached = session.info.get(_HOURS_KEY)
    if cached is not None and cached[0] == text:
        return cached[1]  # type: ignore[no-any-return]
    hours = BusinessHours.parse(text)
    session.info[_HOURS_KEY] = (text, hours)
    return hours


# ---------------------------------------------------------------- clocks


@dataclass(frozen=True)
class Clock:
    """One SLA clock of a ticket at a moment."""

    name: str
    """``first response`` or ``resolution``."""
    due: datetime | None
    done_at: datetime | None
    """When the target was met or missed (the response or resolution time)."""
    state: str
    """``met``, ``breached``, ``running`` or ``paused``."""
    seconds_left: int | None
    """Seconds from now to the due time while unmet (negative when over); None once done."""

    @property
    def breached(self) -> bool:
        """The target passed unmet."""
        return self.state == "breached"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "due": jsonable(self.due),
            "done_at": jsonable(self.done_at),
            "state": self.state,
            "seconds_left": self.seconds_left,
        }


@dataclass(frozen=True)
class SlaState:
    """Both clocks of a ticket at a moment."""

    first_response: Clock
    resolution: Clock

    @property
    def breached(self) -> bool:
        """Either target passed unmet."""
        return self.first_response.breached or self.resolution.breached

    @property
    def time_left_seconds(self) -> int | None:
        """Seconds to the nearest unmet due time (negative when over); None when nothing is pending."""
        left = [c.seconds_left for c in (self.first_response, self.resolution) if c.seconds_left is not None]
        return min(left) if left else None

    @property
    def next_due(self) -> datetime | None:
        """The nearest due time of an unmet target."""
        dues = [c.due for c in (self.first_response, self.resolution) if c.seconds_left is not None and c.due]
        return min(dues) if dues else None

    @property
    def paused(self) -> bool:
        """The resolution clock is stopped while the ticket waits on the customer."""
        return self.resolution.state == "paused"


def effective_resolution_due(ticket: Ticket, now: datetime, hours: BusinessHours | None) -> datetime | None:
    """The resolution due time if the clock resumed at ``now`` (it moves on while a ticket is pending)."""
    due = ticket.resolution_due
    if due is None or ticket.pending_since is None or ticket.pending_since >= due:
        return due
    return add_working_time(due, working_time_between(ticket.pending_since, now, hours), hours)


def _left(due: datetime | None, now: datetime) -> int | None:
    if due is None:
        return None
    return int((due - now).total_seconds() // 1)


def evaluate(ticket: Ticket, now: datetime | None = None, hours: BusinessHours | None = None) -> SlaState:
    """The state of a ticket's SLA clocks at ``now``."""
    at = _now(now)
    done = ticket.status in DONE_STATUSES
    fr_due = ticket.first_response_due
    responded = ticket.first_response_at
    if responded is not None:
        fr = Clock("first response", fr_due, responded, "breached" if fr_due and responded > fr_due else "met", None)
    elif done:
        missed = ticket.resolved_at or ticket.closed_at or at
        fr = Clock("first response", fr_due, None, "breached" if fr_due and missed > fr_due else "met", None)
    else:
        state = "breached" if fr_due and at > fr_due else "running"
        fr = Clock("first response", fr_due, None, state, _left(fr_due, at))
    if done:
        res_due = ticket.resolution_due
        finished = ticket.resolved_at or ticket.closed_at
        late = bool(res_due and finished and finished > res_due)
        res = Clock("resolution", res_due, finished, "breached" if late else "met", None)
    else:
        res_due = effective_resolution_due(ticket, at, hours)
        if res_due is not None and at > res_due:
            state = "breached"
        elif ticket.status == "pending":
            state = "paused"
        else:
            state = "running"
        res = Clock("resolution", res_due, None, state, _left(res_due, at))
    return SlaState(fr, res)


def sla_text(state: SlaState) -> str:
    """``2h 5m left``, ``3h over``, ``paused, 1d left``, ``met`` or ``breached``: one cell for the queue."""
    from termcrm.dates import format_delta

    left = state.time_left_seconds
    if left is None:
        return "breached" if state.breached else "met"
    if left < 0:
        return f"{format_delta(timedelta(seconds=-left))} over"
    text = f"{format_delta(timedelta(seconds=left))} left"
    if state.paused and state.resolution.seconds_left == left:
        return f"paused, {text}"
    return text


def _targets(session: Session, priority: str) -> tuple[timedelta, timedelta]:
    policy = sla_policies.get_policy(session, priority)
    return timedelta(minutes=policy.first_response_minutes), timedelta(minutes=policy.resolution_minutes)


def _redate(session: Session, ticket: Ticket) -> None:
    """Set both due times from the opening time, the priority's targets and the paused time so far."""
    hours = business_hours(session)
    first, resolution = _targets(session, ticket.priority)
    ticket.first_response_due = add_working_time(ticket.created_at, first, hours)
    ticket.resolution_due = add_working_time(
        ticket.created_at, resolution + timedelta(seconds=ticket.paused_seconds), hours
    )


def _pause_until(session: Session, ticket: Ticket, since: datetime | None, now: datetime) -> None:
    """End a pause that began at ``since``: its working time moves the resolution due time on.

    A pause that began after the due time had passed moves nothing (a breach stays a breach).
    """
    if since is None or ticket.resolution_due is None or since >= ticket.resolution_due:
        return
    hours = business_hours(session)
    paused = working_time_between(since, now, hours)
    if paused <= timedelta(0):
        return
    ticket.paused_seconds = (ticket.paused_seconds or 0) + int(paused.total_seconds())
    ticket.resolution_due = add_working_time(ticket.resolution_due, paused, hours)


# ---------------------------------------------------------------- writing


def _label(ticket: Ticket) -> str:
    return f"ticket #{ticket.id} {ticket.subject}"


def _user_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return history.acting_user_id(session)
    return refs.user(session, name, create=True).id


def _record_status(
    session: Session, ticket: Ticket, old: str | None, new: str, now: datetime, user_id: int | None = None
) -> None:
    from termcrm.models import TicketStatusChange

    session.add(
        TicketStatusChange(
            ticket_id=ticket.id or 0,
            from_status=old,
            to_status=new,
            at=now,
            user_id=user_id if user_id is not None else history.acting_user_id(session),
        )
    )


def open_ticket(
    session: Session,
    subject: str,
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    priority: str | None = None,
    type: str | None = None,  # noqa: A002 - the domain's word
    channel: str | None = None,
    assignee: str | None = None,
    description: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket for a contact and/or a company; its clocks start at ``now``."""
    from termcrm.models import Ticket

    at = _now(now)
    if not subject or not subject.strip():
        raise Invalid("a ticket needs a subject")
    if contact is None and company is None:
        raise Invalid("a ticket needs a customer: give --contact REF or --company REF")
    company_id = company.id if company is not None else (contact.company_id if contact is not None else None)
    ticket = Ticket(
        subject=" ".join(subject.split()),
        description=description.strip() if description and description.strip() else None,
        contact_id=contact.id if contact is not None else None,
        company_id=company_id,
        status="new",
        priority=check_choice(priority, TICKET_PRIORITIES, "priority") if priority else "normal",
        type=check_choice(type, TICKET_TYPES, "type") if type else "question",
        channel=check_choice(channel, TICKET_CHANNELS, "channel") if channel else "email",
        assignee_id=refs.user(session, assignee, create=True).id if assignee else None,
        created_at=at,
        updated_at=at,
    )
    if ticket.assignee_id is not None:
        ticket.status = "open"
    _redate(session, ticket)
    session.add(ticket)
    session.flush()
    _record_status(session, ticket, None, ticket.status, at)
    session.flush()
    history.set_summary(session, f"open {_label(ticket)}")
    return ticket


def add_comment(
    session: Session,
    ticket: Ticket,
    body: str,
    *,
    internal: bool = False,
    customer: bool = False,
    author: str | None = None,
    now: datetime | None = None,
) -> TicketComment:
    """Add a comment to the thread.

    A public comment by a user is an answer to the customer: the first one sets
    ``first_response_at`` and moves a new ticket to open. An internal note
    changes no clock. A ``customer`` comment (the customer's own reply, no
    author) moves a pending ticket back to open.
    """
    from termcrm.models import TicketComment

    at = _now(now)
    text = (body or "").strip()
    if not text:
        raise Invalid("a comment needs text (give TEXT, or - to read standard input)")
    if customer and internal:
        raise Invalid("a customer's reply cannot be internal")
    if ticket.archived_at is not None:
        raise Invalid(f"ticket #{ticket.id} is archived; restore it with crm undo first")
    comment = TicketComment(
        ticket_id=ticket.id or 0,
        author_id=None if customer else _user_id(session, author),
        body=text,
        public=not internal,
        at=at,
    )
    session.add(comment)
    if not customer and not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = at
        if ticket.status == "new":
            _change_status(session, ticket, "open", at)
    if customer and ticket.status == "pending":
        _change_status(session, ticket, "open", at)
    ticket.updated_at = at
    session.add(ticket)
    session.flush()
    kind = "internal note" if internal else ("customer reply" if customer else "comment")
    history.set_summary(session, f"{kind} on {_label(ticket)}")
    return comment


def assign_ticket(session: Session, ticket: Ticket, user: str | None, *, now: datetime | None = None) -> Ticket:
    """Give a ticket to a user (``none`` or None unassigns); a new ticket becomes open."""
    at = _now(now)
    if user is None or user.strip().lower() in ("", "none", "nobody"):
        ticket.assignee_id = None
        summary = f"unassign {_label(ticket)}"
    else:
        found = refs.user(session, user, create=True)
        ticket.assignee_id = found.id
        if ticket.status == "new":
            _change_status(session, ticket, "open", at)
        summary = f"assign {_label(ticket)} to {found.name}"
    ticket.updated_at = at
    session.add(ticket)
    session.flush()
    history.set_summary(session, summary)
    return ticket


def _change_status(session: Session, ticket: Ticket, new: str, at: datetime) -> None:
    """Move between the working statuses (new, open, pending), pausing or resuming the clock."""
    old = ticket.status
    if old == new:
        return
    if old == "pending":
        _pause_until(session, ticket, ticket.pending_since, at)
        ticket.pending_since = None
    if new == "pending":
        ticket.pending_since = at
    ticket.status = new
    _record_status(session, ticket, old, new, at)


def set_status(session: Session, ticket: Ticket, status: str, *, now: datetime | None = None) -> Ticket:
    """Set any status: resolved and closed go through :func:`resolve_ticket` / :func:`close_ticket`,
    and leaving them reopens the ticket first."""
    at = _now(now)
    new = check_choice(status, TICKET_STATUSES, "status")
    if new == ticket.status:
        raise Invalid(f"ticket #{ticket.id} is already {new}")
    if new == "resolved":
        if ticket.status == "closed":
            raise Invalid(f"ticket #{ticket.id} is closed; reopen it first")
        return resolve_ticket(session, ticket, now=at)
    if new == "closed":
        return close_ticket(session, ticket, now=at)
    if ticket.status in DONE_STATUSES:
        reopen_ticket(session, ticket, now=at)
    _change_status(session, ticket, new, at)
    ticket.updated_at = at
    session.add(ticket)
    session.flush()
    history.set_summary(session, f"set {_label(ticket)} {new}")
    return ticket


def resolve_ticket(
    session: Session,
    ticket: Ticket,
    *,
    note: str | None = None,
    article: KbArticle | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Resolve a ticket: the resolution clock stops now (late means breached).

    ``note`` is added as a public comment (the answer to the customer);
    ``article`` links the knowledge-base article that solved it.
    """
    at = _now(now)
    if ticket.status in DONE_STATUSES:
        raise Invalid(f"ticket #{ticket.id} is already {ticket.status}")
    if ticket.archived_at is not None:
        raise Invalid(f"ticket #{ticket.id} is archived")
    if note and note.strip():
        add_comment(session, ticket, note, now=at)
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    old = ticket.status
    if old == "pending":
        _pause_until(session, ticket, ticket.pending_since, at)
        ticket.pending_since = None
    ticket.status = "resolved"
    ticket.resolved_at = at
    ticket.updated_at = at
    _record_status(session, ticket, old, "resolved", at)
    session.add(ticket)
    if article is not None:
        link_article(session, ticket, article)
    session.flush()
    history.set_summary(session, f"resolve {_label(ticket)}" + (f" with article #{article.id}" if article else ""))
    return ticket


def link_article(session: Session, ticket: Ticket, article: KbArticle) -> None:
    """Record that ``article`` helped resolve ``ticket`` (once)."""
    from termcrm.models import KbArticleTicket

    if article.archived_at is not None or article.status == "archived":
        raise Invalid(f"article #{article.id} is archived")
    if session.get(KbArticleTicket, (article.id, ticket.id)) is None:
        session.add(KbArticleTicket(article_id=article.id or 0, ticket_id=ticket.id or 0))
        session.flush()


def close_ticket(session: Session, ticket: Ticket, *, now: datetime | None = None) -> Ticket:
    """Close a ticket; one that was not resolved yet is resolved now as well."""
    at = _now(now)
    if ticket.status == "closed":
        raise Invalid(f"ticket #{ticket.id} is already closed")
    if ticket.status != "resolved":
        resolve_ticket(session, ticket, now=at)
    ticket.status = "closed"
    ticket.closed_at = at
    ticket.updated_at = at
    _record_status(session, ticket, "resolved", "closed", at)
    session.add(ticket)
    session.flush()
    history.set_summary(session, f"close {_label(ticket)}")
    return ticket


def reopen_ticket(session: Session, ticket: Ticket, *, now: datetime | None = None) -> Ticket:
    """Reopen a resolved or closed ticket: it is open again and its resolution clock runs on.

    The resolved and closed times are cleared; the time since resolving counts
    as paused, so the clock resumes where it stopped (a late resolution stays
    breached). The first response and any rating are kept.
    """
    at = _now(now)
    if ticket.status not in DONE_STATUSES:
        raise Invalid(f"ticket #{ticket.id} is {ticket.status}, not resolved or closed: nothing to reopen")
    old = ticket.status
    _pause_until(session, ticket, ticket.resolved_at or ticket.closed_at, at)
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.pending_since = None
    ticket.status = "open"
    ticket.updated_at = at
    _record_status(session, ticket, old, "open", at)
    session.add(ticket)
    session.flush()
    history.set_summary(session, f"reopen {_label(ticket)}")
    return ticket


def rate_ticket(
    session: Session, ticket: Ticket, score: int, *, comment: str | None = None, now: datetime | None = None
) -> Ticket:
    """Record the customer's satisfaction (1-5) with a resolved or closed ticket; rating again replaces it."""
    if ticket.status not in DONE_STATUSES:
        raise Invalid(f"ticket #{ticket.id} is {ticket.status}: only a resolved or closed ticket can be rated")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid(f"satisfaction {score!r} is not a whole number from 1 to 5")
    ticket.satisfaction = score
    ticket.satisfaction_comment = comment.strip() if comment and comment.strip() else None
    ticket.updated_at = _now(now)
    session.add(ticket)
    session.flush()
    history.set_summary(session, f"rate {_label(ticket)} {score}/5")
    return ticket


def parse_score(text: str) -> int:
    """A satisfaction score typed by a person: 1 to 5."""
    cleaned = str(text).strip()
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= 5:
        raise Invalid(f"satisfaction {text!r} is not a whole number from 1 to 5")
    return int(cleaned)


@dataclass
class TicketChanges:
    """What ``ticket edit`` may change; None leaves a field as it is."""

    subject: str | None = None
    description: str | None = None
    priority: str | None = None
    type: str | None = None
    channel: str | None = None
    contact: Contact | None = None
    company: Company | None = None
    clear_contact: bool = False
    clear_company: bool = False


def update_ticket(
    session: Session,
    ticket: Ticket,
    changes: TicketChanges,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Edit a ticket's fields; a new priority re-dates both SLA clocks from the opening time."""
    from termcrm.services.common import check_version

    check_version(ticket, expected_version, f"ticket #{ticket.id}")
    if changes.subject is not None:
        if not changes.subject.strip():
            raise Invalid("a ticket needs a subject")
        ticket.subject = " ".join(changes.subject.split())
    if changes.description is not None:
        ticket.description = changes.description.strip() or None
    if changes.type is not None:
        ticket.type = check_choice(changes.type, TICKET_TYPES, "type")
    if changes.channel is not None:
        ticket.channel = check_choice(changes.channel, TICKET_CHANNELS, "channel")
    if changes.contact is not None:
        ticket.contact_id = changes.contact.id
    if changes.company is not None:
        ticket.company_id = changes.company.id
    if changes.clear_contact:
        ticket.contact_id = None
    if changes.clear_company:
        ticket.company_id = None
    if ticket.contact_id is None and ticket.company_id is None:
        raise Invalid("a ticket needs a contact or a company")
    if changes.priority is not None:
        priority = check_choice(changes.priority, TICKET_PRIORITIES, "priority")
        if priority != ticket.priority:
            ticket.priority = priority
            _redate(session, ticket)
    ticket.updated_at = _now(now)
    session.add(ticket)
    session.flush()
    history.set_summary(session, f"edit {_label(ticket)}")
    return ticket


def archive_ticket(session: Session, ticket: Ticket, *, now: datetime | None = None) -> Ticket:
    """Archive (soft-delete) a ticket; ``crm undo`` brings it back."""
    archive_record(session, ticket, _label(ticket), now=_now(now))
    return ticket


def recompute_open_dues(session: Session, priority: str, *, now: datetime | None = None) -> int:
    """Re-date the open tickets of ``priority`` after its policy changed; returns how many."""
    from termcrm.models import Ticket

    count = 0
    for ticket in session.exec(
        select(Ticket).where(
            Ticket.priority == priority,
            Ticket.status.in_(OPEN_STATUSES),  # type: ignore[attr-defined]
            Ticket.archived_at.is_(None),  # type: ignore[union-attr]
        )
    ).all():
        _redate(session, ticket)
        ticket.updated_at = _now(now)
        session.add(ticket)
        count += 1
    session.flush()
    return count


# ---------------------------------------------------------------- listing


def _person_build(column: Any, model: Any, name_column: Any) -> Any:
    def build(op: str, value: str) -> Any:
        if op not in (":", "!="):
            raise Invalid("contact and company take : or != only")
        text = value.strip().lstrip("#")
        if text == "":
            cond = column.is_(None)
        elif text.isdigit():
            cond = column == int(text)
        else:
            cond = column.in_(select(model.id).where(name_column.icontains(text, autoescape=True)))
        return cond if op == ":" else sa.or_(column.is_(None), sa.not_(cond))

    return build


def _assignee_build(session: Session) -> Any:
    from termcrm.models import Ticket, User

    def build(op: str, value: str) -> Any:
        if op not in (":", "!="):
            raise Invalid("assignee takes : or != only")
        name = value.strip().lower()
        if name == "me":
            name = str(session.info["settings"].user).strip().lower()
        if name in ("", "none", "nobody"):
            cond = Ticket.assignee_id.is_(None)  # type: ignore[union-attr]
        else:
            cond = Ticket.assignee_id.in_(select(User.id).where(User.name_key == name))  # type: ignore[union-attr]
        return cond if op == ":" else sa.not_(cond)

    return build


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``ticket list`` filters and sorts by."""
    from termcrm.models import Company, Contact, Ticket

    dialect = session.info.get("dialect") or session.get_bind().dialect.name

    def text(word: str) -> Any:
        from termcrm.services.search import match_clause

        return match_clause("ticket", Ticket.id, word, dialect)

    return FilterContext(
        fields={
            "id": FieldSpec(Ticket.id, "int"),
            "subject": FieldSpec(Ticket.subject),
            "description": FieldSpec(Ticket.description),
            "status": FieldSpec(Ticket.status, "choice", choices=TICKET_STATUSES),
            "priority": FieldSpec(Ticket.priority, "choice", choices=TICKET_PRIORITIES),
            "type": FieldSpec(Ticket.type, "choice", choices=TICKET_TYPES),
            "channel": FieldSpec(Ticket.channel, "choice", choices=TICKET_CHANNELS),
            "assignee": FieldSpec(None, "custom", build=_assignee_build(session), sortable=False),
            "contact": FieldSpec(
                None, "custom", build=_person_build(Ticket.contact_id, Contact, Contact.display_name), sortable=False
            ),
            "company": FieldSpec(
                None, "custom", build=_person_build(Ticket.company_id, Company, Company.name), sortable=False
            ),
            "contact_id": FieldSpec(Ticket.contact_id, "int"),
            "company_id": FieldSpec(Ticket.company_id, "int"),
            "satisfaction": FieldSpec(Ticket.satisfaction, "int"),
            "created": FieldSpec(Ticket.created_at, "datetime"),
            "updated": FieldSpec(Ticket.updated_at, "datetime"),
            "responded": FieldSpec(Ticket.first_response_at, "datetime"),
            "response_due": FieldSpec(Ticket.first_response_due, "datetime"),
            "due": FieldSpec(Ticket.resolution_due, "datetime"),
            "resolved": FieldSpec(Ticket.resolved_at, "datetime"),
            "closed": FieldSpec(Ticket.closed_at, "datetime"),
        },
        text=text,
        now=now,
        aliases={
            "created_at": "created",
            "updated_at": "updated",
            "first_response_at": "responded",
            "first_response_due": "response_due",
            "resolution_due": "due",
            "resolved_at": "resolved",
            "closed_at": "closed",
            "rating": "satisfaction",
            "owner": "assignee",
        },
    )


def _names_status(words: Sequence[str]) -> bool:
    return any(t.kind == "field" and t.field == "status" for t in parse_words(words))


def query_tickets(
    session: Session,
    words: Sequence[str] = (),
    *,
    mine: bool = False,
    all_statuses: bool = False,
    archived: bool = False,
    sort: str | None = None,
    now: datetime | None = None,
) -> Any:
    """The SELECT behind ``ticket list``: open tickets unless a ``status:`` word or ``all_statuses`` says otherwise."""
    from termcrm.models import Ticket, User

    ctx = filter_context(session, now)
    stmt = select(Ticket).where(
        Ticket.archived_at.is_not(None) if archived else Ticket.archived_at.is_(None)  # type: ignore[union-attr]
    )
    if not all_statuses and not archived and not _names_status(words):
        stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES))  # type: ignore[attr-defined]
    for cond in compile_words(words, ctx):
        stmt = stmt.where(cond)
    if mine:
        me = str(session.info["settings"].user).strip().lower()
        stmt = stmt.where(Ticket.assignee_id.in_(select(User.id).where(User.name_key == me)))  # type: ignore[union-attr]
    return stmt.order_by(*_order(sort, ctx))


def _order(sort: str | None, ctx: FilterContext) -> list[Any]:
    """``--sort`` clauses; ``priority`` sorts by rank (low < normal < high < urgent), not alphabetically."""
    from termcrm.models import Ticket

    if not sort:
        return [Ticket.id]
    rank = sa.case({p: i for i, p in enumerate(TICKET_PRIORITIES)}, value=Ticket.priority, else_=-1)
    clauses: list[Any] = []
    for part in sort.split(","):
        name = part.strip()
        if name.lstrip("-+").lower() == "priority":
            clauses.append(rank.desc() if name.startswith("-") else rank.asc())
        elif name:
            clauses.extend(order_by(name, ctx, []))
    return [*clauses, Ticket.id]


def queue(
    session: Session,
    words: Sequence[str] = (),
    breached_only: bool = False,
    mine: bool = False,
    now: datetime | None = None,
    *,
    all_statuses: bool = False,
    archived: bool = False,
    sort: str | None = None,
    limit: int | None = None,
) -> list[Ticket]:
    """Tickets matching the filter words, by SLA urgency: breached first, then the nearest due time.

    Open tickets (new, open, pending) unless a ``status:`` word or ``all_statuses``
    says otherwise; ``mine`` keeps the acting user's; ``sort`` orders by a field
    instead of urgency.
    """
    at = _now(now)
    found = list(
        session.exec(
            query_tickets(session, words, mine=mine, all_statuses=all_statuses, archived=archived, sort=sort, now=at)
        ).all()
    )
    hours = business_hours(session)
    states = {t.id: evaluate(t, at, hours) for t in found}
    if breached_only:
        found = [t for t in found if states[t.id].breached]
    if not sort:
        found = by_urgency(found, states, at)
    return found[:limit] if limit is not None else found


def by_urgency(tickets: Sequence[Ticket], states: dict[int | None, SlaState], now: datetime) -> list[Ticket]:
    """Breached first, then the nearest due time of an unmet target, then the oldest id."""
    far = datetime.max.replace(tzinfo=now.tzinfo)

    def urgency(t: Ticket) -> tuple[int, datetime, int]:
        state = states[t.id]
        return (0 if state.breached else 1, state.next_due or far, t.id or 0)

    return sorted(tickets, key=urgency)


def ticket_rows(session: Session, tickets: Sequence[Ticket], now: datetime | None = None) -> list[dict[str, Any]]:
    """JSON-ready dicts of tickets (rows or records) with their SLA state at ``now``."""
    at = _now(now)
    hours = business_hours(session)
    users = refs.users_by_id(session)
    contacts = names_by_id(session, schema.contact.c.id, schema.contact.c.display_name, (t.contact_id for t in tickets))
    companies = names_by_id(session, schema.company.c.id, schema.company.c.name, (t.company_id for t in tickets))
    out = []
    for t in tickets:
        state = evaluate(t, at, hours)
        out.append(
            {
                "id": t.id,
                "subject": t.subject,
                "status": t.status,
                "priority": t.priority,
                "type": t.type,
                "channel": t.channel,
                "contact_id": t.contact_id,
                "contact": contacts.get(t.contact_id) if t.contact_id else None,
                "company_id": t.company_id,
                "company": companies.get(t.company_id) if t.company_id else None,
                "assignee": users.get(t.assignee_id) if t.assignee_id else None,
                "created_at": jsonable(t.created_at),
                "first_response_at": jsonable(t.first_response_at),
                "first_response_due": jsonable(t.first_response_due),
                "resolution_due": jsonable(state.resolution.due),
                "resolved_at": jsonable(t.resolved_at),
                "closed_at": jsonable(t.closed_at),
                "breached": state.breached,
                "first_response_breached": state.first_response.breached,
                "resolution_breached": state.resolution.breached,
                "sla": sla_text(state),
                "time_left_seconds": state.time_left_seconds,
                "next_due": jsonable(state.next_due),
                "pending_since": jsonable(t.pending_since),
                "paused_seconds": t.paused_seconds,
                "satisfaction": t.satisfaction,
                "satisfaction_comment": t.satisfaction_comment,
                "description": t.description,
                "updated_at": jsonable(t.updated_at),
                "archived_at": jsonable(t.archived_at),
                "version": t.version,
            }
        )
    return out


rows = ticket_rows
"""``rows(session, tickets, now)``: the name other modules use for JSON-ready dicts."""


def comment_rows(session: Session, ticket: Ticket) -> list[dict[str, Any]]:
    """The thread, oldest first."""
    from termcrm.models import TicketComment

    users = refs.users_by_id(session)
    comments = session.exec(
        select(TicketComment).where(TicketComment.ticket_id == ticket.id).order_by(TicketComment.at, TicketComment.id)  # type: ignore[arg-type]
    ).all()
    return [
        {
            "id": c.id,
            "at": jsonable(c.at),
            "author": users.get(c.author_id) if c.author_id else None,
            "from_customer": c.author_id is None,
            "public": c.public,
            "body": c.body,
        }
        for c in comments
    ]


def status_rows(session: Session, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's status changes, oldest first."""
    from termcrm.models import TicketStatusChange

    users = refs.users_by_id(session)
    changes = session.exec(
        select(TicketStatusChange)
        .where(TicketStatusChange.ticket_id == ticket.id)
        .order_by(TicketStatusChange.at, TicketStatusChange.id)  # type: ignore[arg-type]
    ).all()
    return [
        {
            "at": jsonable(c.at),
            "from": c.from_status,
            "to": c.to_status,
            "user": users.get(c.user_id) if c.user_id else None,
        }
        for c in changes
    ]


def ticket_view(
    session: Session, ticket: Ticket, now: datetime | None = None, *, suggestions: int = 5
) -> dict[str, Any]:
    """Everything ``ticket show`` prints: fields, SLA clocks, the thread, linked and matching articles."""
    from termcrm.models import KbArticle, KbArticleTicket
    from termcrm.services import kb

    at = _now(now)
    data = ticket_rows(session, [ticket], at)[0]
    state = evaluate(ticket, at, business_hours(session))
    data["clocks"] = [state.first_response.as_dict(), state.resolution.as_dict()]
    data["business_hours"] = sla_policies.business_hours_text(session) or None
    data["comments"] = comment_rows(session, ticket)
    data["status_changes"] = status_rows(session, ticket)
    linked = session.exec(
        select(KbArticle)
        .join(KbArticleTicket, KbArticleTicket.article_id == KbArticle.id)  # type: ignore[arg-type]
        .where(KbArticleTicket.ticket_id == ticket.id)
        .order_by(KbArticle.id)  # type: ignore[arg-type]
    ).all()
    data["articles"] = [{"id": a.id, "title": a.title, "status": a.status} for a in linked]
    linked_ids = {a.id for a in linked}
    data["suggested_articles"] = [
        {"id": r["id"], "title": r["title"], "status": r["status"], "snippet": r["snippet"]}
        for r in kb.suggest(session, ticket.subject, limit=suggestions + len(linked_ids))
        if r["id"] not in linked_ids
    ][:suggestions]
    return data


# ---------------------------------------------------------------- 360° sections


def _section(session: Session, where: Any, now: datetime | None = None) -> dict[str, Any] | None:
    """A record view's "Tickets" section from the ticket rows ``where`` selects (Core: builds no class)."""
    from termcrm.dates import format_local

    at = _now(now)
    ticket = schema.ticket
    base = sa.select(ticket).where(where, ticket.c.archived_at.is_(None))
    total = int(session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0)
    if total == 0:
        return None
    t = ticket.c
    open_tickets = queue_of(session, base.where(t.status.in_(OPEN_STATUSES)), at)
    last = session.execute(
        base.where(t.resolved_at.is_not(None)).order_by(t.resolved_at.desc(), t.id.desc()).limit(1)
    ).first()
    rated = sa.select(sa.func.avg(t.satisfaction), sa.func.count(t.satisfaction)).where(
        where, t.archived_at.is_(None), t.satisfaction.is_not(None)
    )
    avg, count = session.execute(rated).one()
    items = ticket_rows(session, open_tickets, at)
    breached = sum(1 for r in items if r["breached"])
    summary: dict[str, Any] = {
        "open": len(items),
        "breached": breached,
        "total": total,
        "last resolved": (
            f"#{last.id} {last.subject} ({format_local(last.resolved_at, with_time=False)})"
            if last is not None and last.resolved_at is not None
            else None
        ),
        "average satisfaction": round(float(avg), 2) if avg is not None else None,
        "ratings": int(count or 0),
    }
    return {
        "title": "Tickets",
        "summary": summary,
        "columns": ["id", "subject", "status", "priority", "assignee", "sla"],
        "items": [
            {k: r[k] for k in ("id", "subject", "status", "priority", "assignee", "sla", "breached", "resolution_due")}
            for r in items
        ],
        "last_resolved_id": last.id if last is not None else None,
    }


def queue_of(session: Session, stmt: Any, now: datetime) -> list[Ticket]:
    """The tickets of a SELECT in queue order (breached first, then the nearest due)."""
    found = list(session.exec(stmt).all())
    hours = business_hours(session)
    return by_urgency(found, {t.id: evaluate(t, now, hours) for t in found}, now)


def contact_section(session: Session, contact: Any, now: datetime | None = None) -> tuple[str, dict[str, Any]] | None:
    """The "tickets" section of ``contact show``: open tickets, the last resolved one, average satisfaction."""
    section = _section(session, schema.ticket.c.contact_id == contact.id, now)
    return ("tickets", section) if section is not None else None


def company_section(session: Session, company: Any, now: datetime | None = None) -> tuple[str, dict[str, Any]] | None:
    """The "tickets" section of ``company show`` (tickets of the company and of its people)."""
    ticket, contact = schema.ticket.c, schema.contact.c
    people = sa.select(contact.id).where(contact.company_id == company.id)
    where = sa.or_(ticket.company_id == company.id, ticket.contact_id.in_(people))
    section = _section(session, where, now)
    return ("tickets", section) if section is not None else None
