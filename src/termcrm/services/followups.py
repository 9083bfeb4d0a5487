"""Follow-ups: promises with a due time, recurrence and an assignee; reminders, ranking and the agenda.

A follow-up is due on a local calendar day (``due_has_time`` false, stored as
local midnight in UTC) or at an instant. It is *overdue* once that instant has
passed, or, for a day, once the day is over. Completing a recurring follow-up
creates the next occurrence from its rule (anchored at the current due, not at
today), so a weekly Monday call stays on Mondays.

Besides follow-ups, reminders report contacts whose stay-in-touch cadence has
lapsed and birthdays. :func:`due_items` is what ``crm remind`` prints;
:func:`rank_next` is ``crm next``; :func:`agenda` is ``crm agenda``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from termcrm import dates, money, recurrence
from termcrm.errors import Invalid
from termcrm.models import schema
from termcrm.services import contacts as contact_service
from termcrm.services import history, refs
from termcrm.services.common import check_choice, check_version, ilike_any, jsonable, names_by_id
from termcrm.services.filters import FieldSpec, FilterContext, compile_words, order_by, parse_words
from termcrm.vocab import FOLLOWUP_PRIORITIES, FOLLOWUP_STATUSES

if TYPE_CHECKING:
    from termcrm.models import Company, Contact, Deal, Followup, ReminderMark, Ticket

    ContactRef = Contact | str | int | None
    CompanyRef = Company | str | int | None
    DealRef = Deal | str | int | None
    TicketRef = Ticket | str | int | None

PRIORITY_STEPS = {"low": 0, "normal": 1, "high": 2}
"""How many steps above low each priority is (``crm next`` scores per step)."""

WEIGHT_KEYS = ("overdue", "due_soon", "priority", "deal", "rotting", "cadence")
"""The parts of a ``crm next`` score; each weight is the config key ``next.weight_<part>``."""


# --------------------------------------------------------------------------- small helpers


def _now(now: datetime | None) -> datetime:
    return dates.as_utc(now) if now is not None else dates.utcnow()


def _today_start(now: datetime) -> datetime:
    return dates.local_midnight(dates.local_today(now=now))


def local_due_date(item: Followup) -> date:
    """The local calendar day a follow-up is due on."""
    return dates.to_local(item.due_at).date()


def is_overdue(item: Followup, now: datetime) -> bool:
    """Open and past its due: the instant has passed, or (for a day) the day is over."""
    if item.status != "open":
        return False
    if item.due_has_time:
        return dates.as_utc(item.due_at) < now
    return local_due_date(item) < dates.local_today(now=now)


def overdue_days(item: Followup, now: datetime) -> int:
    """Whole days overdue (0 when not overdue, or overdue by less than a day)."""
    if not is_overdue(item, now):
        return 0
    if item.due_has_time:
        return int((now - dates.as_utc(item.due_at)) // timedelta(days=1))
    return (dates.local_today(now=now) - local_due_date(item)).days


def due_text(item: Followup) -> str:
    """The due in local time: ``2026-11-23 14:05``, or ``2026-11-23`` for a day."""
    return dates.format_local(item.due_at, with_time=item.due_has_time)


def due_label(due_at: datetime, has_time: bool, now: datetime) -> str:
    """How soon, for people: ``overdue 3d``, ``overdue 2h 5m``, ``due today``, ``due 14:05``, ``due 2026-11-30``."""
    today = dates.local_today(now=now)
    local = dates.to_local(due_at)
    if has_time:
        if due_at < now:
            return f"overdue {dates.format_delta(now - due_at)}"
        if local.date() == today:
            return f"due {local:%H:%M}"
        if local.date() == today + timedelta(days=1):
            return f"due tomorrow {local:%H:%M}"
        return f"due {local:%Y-%m-%d %H:%M}"
    if local.date() < today:
        return f"overdue {(today - local.date()).days}d"
    if local.date() == today:
        return "due today"
    if local.date() == today + timedelta(days=1):
        return "due tomorrow"
    return f"due {local:%Y-%m-%d}"


def get_followup(session: Session, ref: str | int, *, archived: bool = True) -> Followup:
    """The follow-up with id ``ref`` (``12`` or ``#12``), or NotFound."""
    from termcrm.models import Followup

    return refs.by_id(session, Followup, ref, "follow-up", archived=archived)


def _parse_due(value: str | dates.When | datetime, now: datetime) -> dates.When:
    if isinstance(value, dates.When):
        return value
    if isinstance(value, datetime):
        return dates.When(value, True)
    return dates.parse_when(value, now=now)


def _user_id(session: Session, name: str | None) -> int:
    if name is None or not name.strip():
        return history.acting_user_id(session)
    found = refs.user(session, name, create=True)
    assert found.id is not None
    return found.id


def _contact(session: Session, ref: ContactRef) -> Contact | None:
    from termcrm.models import Contact

    if ref is None or isinstance(ref, Contact):
        return ref
    return refs.contact(session, ref)


def _company(session: Session, ref: CompanyRef) -> Company | None:
    from termcrm.models import Company

    if ref is None or isinstance(ref, Company):
        return ref
    return refs.company(session, ref)


def _deal(session: Session, ref: DealRef) -> Deal | None:
    from termcrm.models import Deal

    if ref is None or isinstance(ref, Deal):
        return ref
    return refs.deal(session, ref)


def _ticket(session: Session, ref: TicketRef) -> Ticket | None:
    from termcrm.models import Ticket

    if ref is None or isinstance(ref, Ticket):
        return ref
    return refs.by_id(session, Ticket, ref, "ticket")


def _title(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise Invalid("a follow-up needs a title: say what you promised, e.g. 'Send the proposal'")
    return text


def _notes(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _rule_pairs(rule: str) -> list[tuple[str, str]]:
    pairs = []
    for part in rule.split(";"):
        if part.strip():
            key, _, value = part.partition("=")
            pairs.append((key.strip().upper(), value.strip().upper()))
    return pairs


def _join_rule(pairs: Iterable[tuple[str, str]]) -> str:
    return ";".join(f"{key}={value}" for key, value in pairs)


_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def pin_rule(rule: str, anchor: datetime) -> str:
    """Make the days a rule takes from its first due explicit.

    ``FREQ=WEEKLY`` repeats on the weekday of its start; once one occurrence
    is snoozed to another day that start moves. Pinning writes the weekday
    (``BYDAY=MO``), the day of the month or the month into the rule, so the
    series stays where it was. ``anchor`` is the current (un-snoozed) due.
    """
    pairs = _rule_pairs(rule)
    keys = {key for key, _ in pairs}
    freq = dict(pairs).get("FREQ")
    local = dates.to_local(anchor)
    extra: list[tuple[str, str]] = []
    day_keys = {"BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"}
    if freq == "WEEKLY" and "BYDAY" not in keys:
        extra.append(("BYDAY", _BYDAY[local.weekday()]))
    if freq in ("MONTHLY", "YEARLY") and not keys & day_keys:
        if freq == "YEARLY" and "BYMONTH" not in keys:
            extra.append(("BYMONTH", str(local.month)))
        if local.day >= 29:
            extra += [("BYMONTHDAY", f"{local.day},-1"), ("BYSETPOS", "1")]
        else:
            extra.append(("BYMONTHDAY", str(local.day)))
    return _join_rule([*pairs, *extra]) if extra else rule


def _following_rule(rule: str) -> str | None:
    """The rule the next occurrence carries: COUNT counts down; None when the series is over."""
    pairs = _rule_pairs(rule)
    out = []
    for key, value in pairs:
        if key == "COUNT" and value.isdigit():
            if int(value) <= 1:
                return None
            value = str(int(value) - 1)
        out.append((key, value))
    return _join_rule(out)


def next_due(item: Followup) -> datetime | None:
    """When the occurrence after this one is due (None when not recurring or the rule is exhausted)."""
    if not item.recurrence or _following_rule(item.recurrence) is None:
        return None
    return recurrence.next_occurrence(
        item.recurrence, first_due=item.due_at, after=item.due_at, all_day=not item.due_has_time
    )


def upcoming(item: Followup, count: int = 3) -> list[datetime]:
    """The next ``count`` dues of a recurring follow-up after the current one."""
    if not item.recurrence:
        return []
    out: list[datetime] = []
    rule: str | None = item.recurrence
    due = item.due_at
    while rule and len(out) < count:
        following = _following_rule(rule)
        if following is None:
            break
        moment = recurrence.next_occurrence(rule, first_due=due, after=due, all_day=not item.due_has_time)
        if moment is None:
            break
        out.append(moment)
        rule, due = following, moment
    return out


# --------------------------------------------------------------------------- writing


def add_followup(
    session: Session,
    title: str,
    *,
    due: str | dates.When | datetime,
    contact: ContactRef = None,
    company: CompanyRef = None,
    deal: DealRef = None,
    ticket: TicketRef = None,
    assignee: str | None = None,
    priority: str = "normal",
    every: str | None = None,
    notes: str | None = None,
    now: datetime | None = None,
    created_at: datetime | None = None,
) -> Followup:
    """Create an open follow-up.

    ``due`` is what the user typed (``fri 10:00``, ``+3d``, ``2026-12-01``) or
    a parsed value. A contact brings its company, a deal or ticket its contact
    and company, unless given. The assignee defaults to the acting user;
    ``every`` is a ``--every`` phrase or a raw RRULE (see
    :func:`termcrm.recurrence.parse_every`).
    """
    from termcrm.models import Contact, Followup

    moment = _now(now)
    when = _parse_due(due, moment)
    contact_obj = _contact(session, contact)
    company_obj = _company(session, company)
    deal_obj = _deal(session, deal)
    ticket_obj = _ticket(session, ticket)
    contact_id = contact_obj.id if contact_obj else None
    company_id = company_obj.id if company_obj else None
    for source in (deal_obj, ticket_obj):
        if source is not None:
            contact_id = contact_id if contact_id is not None else source.contact_id
            company_id = company_id if company_id is not None else source.company_id
    if company_id is None and contact_id is not None:
        linked = contact_obj if contact_obj is not None else session.get(Contact, contact_id)
        company_id = linked.company_id if linked else None
    rule = recurrence.parse_every(every, start=when.at) if every is not None else None
    item = Followup(
        title=_title(title),
        notes=_notes(notes),
        due_at=when.at,
        due_has_time=when.has_time,
        contact_id=contact_id,
        company_id=company_id,
        deal_id=deal_obj.id if deal_obj else None,
        ticket_id=ticket_obj.id if ticket_obj else None,
        assignee_id=_user_id(session, assignee),
        priority=check_choice(priority, FOLLOWUP_PRIORITIES, "priority"),
        recurrence=rule,
        status="open",
    )
    if created_at is not None:
        item.created_at = item.updated_at = dates.as_utc(created_at)
    session.add(item)
    session.flush()
    history.set_summary(session, f"add follow-up #{item.id} {item.title} ({due_text(item)})")
    return item


def schedule_from_text(
    session: Session,
    text: str,
    contact: Contact | None = None,
    company: Company | None = None,
    deal_id: int | None = None,
    *,
    now: datetime | None = None,
) -> Followup:
    """Schedule a follow-up from ``"WHEN TITLE"`` (``crm log ... --next "fri 10:00 Send proposal"``).

    WHEN is the longest leading run of words that reads as a date or time.
    """
    moment = _now(now)
    words = text.split()
    for take in range(len(words) - 1, 0, -1):
        try:
            when = dates.parse_when(" ".join(words[:take]), now=moment)
        except Invalid:
            continue
        return add_followup(
            session,
            " ".join(words[take:]),
            due=when,
            contact=contact,
            company=company,
            deal=deal_id,
            now=moment,
        )
    raise Invalid(
        f"cannot read {text!r} as WHEN TITLE: start with when and then say what,"
        " e.g. 'fri 10:00 Send proposal' or 'tomorrow Call back'"
    )


_UNSET = ""
"""Passing an empty string for a link in :func:`edit_followup` clears it."""


def edit_followup(
    session: Session,
    item: Followup,
    *,
    title: str | None = None,
    due: str | dates.When | datetime | None = None,
    contact: ContactRef = None,
    company: CompanyRef = None,
    deal: DealRef = None,
    ticket: TicketRef = None,
    assignee: str | None = None,
    priority: str | None = None,
    every: str | None = None,
    no_every: bool = False,
    notes: str | None = None,
    status: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Followup:
    """Change what is given; ``""`` clears a link (contact, company, deal, ticket) or the notes."""
    what = f"follow-up #{item.id}"
    check_version(item, expected_version, what)
    moment = _now(now)
    if title is not None:
        item.title = _title(title)
    if notes is not None:
        item.notes = _notes(notes)
    if due is not None:
        when = _parse_due(due, moment)
        item.due_at, item.due_has_time = when.at, when.has_time
    if contact is not None:
        item.contact_id = None if contact == _UNSET else getattr(_contact(session, contact), "id", None)
    if company is not None:
        item.company_id = None if company == _UNSET else getattr(_company(session, company), "id", None)
    if deal is not None:
        item.deal_id = None if deal == _UNSET else getattr(_deal(session, deal), "id", None)
    if ticket is not None:
        item.ticket_id = None if ticket == _UNSET else getattr(_ticket(session, ticket), "id", None)
    if assignee is not None:
        item.assignee_id = _user_id(session, assignee)
    if priority is not None:
        item.priority = check_choice(priority, FOLLOWUP_PRIORITIES, "priority")
    if no_every and every is not None:
        raise Invalid("give either --every or --no-every, not both")
    if no_every:
        item.recurrence = None
    elif every is not None:
        item.recurrence = recurrence.parse_every(every, start=item.due_at)
    elif due is not None and item.recurrence:
        item.recurrence = recurrence.validate_rule(item.recurrence, start=item.due_at)
    if status is not None:
        value = check_choice(status, FOLLOWUP_STATUSES, "status")
        if value != item.status:
            item.status = value
            item.done_at = moment if value == "done" else None
    session.add(item)
    session.flush()
    history.set_summary(session, f"edit {what} {item.title}")
    return item


def _require_open(item: Followup, verb: str) -> None:
    if item.archived_at is not None:
        raise Invalid(f"follow-up #{item.id} is archived; run crm undo to bring it back before you {verb} it")
    if item.status != "open":
        raise Invalid(
            f"follow-up #{item.id} is {item.status} already; reopen it with"
            f" crm followup edit {item.id} --status open to {verb} it"
        )


@dataclass
class Completed:
    """What :func:`complete_followup` did: the follow-up, the next occurrence and the logged note."""

    item: Followup
    next: Followup | None = None
    interaction_id: int | None = None


def complete_followup(
    session: Session,
    item: Followup,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Completed:
    """Mark done; a recurring one gets its next occurrence; ``note`` is logged as an interaction.

    The next due follows the rule from the current due (not from today). The
    note goes on the linked contact's timeline (or the company's, or the
    deal's); a follow-up linked to nothing cannot take a note.
    """
    from termcrm.models import Company, Contact, Followup

    what = f"follow-up #{item.id}"
    check_version(item, expected_version, what)
    _require_open(item, "complete")
    moment = _now(now)
    result = Completed(item)
    if note is not None and note.strip():
        from termcrm.services.interactions import log_interaction

        contact = session.get(Contact, item.contact_id) if item.contact_id else None
        company = session.get(Company, item.company_id) if item.company_id and contact is None else None
        if contact is None and company is None and item.deal_id is None:
            raise Invalid(
                f"{what} has no contact, company or deal to log the note on; link one with"
                f" crm followup edit {item.id} --contact REF, or leave out --note"
            )
        logged = log_interaction(
            session,
            kind="note",
            summary=note,
            contact=contact,
            company=company,
            deal_id=item.deal_id,
            occurred_at=moment,
            body=f"Done: follow-up #{item.id} {item.title}",
        )
        result.interaction_id = logged.id
    item.status = "done"
    item.done_at = moment
    session.add(item)
    following = _following_rule(item.recurrence) if item.recurrence else None
    moment_next = next_due(item) if following else None
    if following and moment_next is not None:
        result.next = Followup(
            title=item.title,
            notes=item.notes,
            due_at=moment_next,
            due_has_time=item.due_has_time,
            contact_id=item.contact_id,
            company_id=item.company_id,
            deal_id=item.deal_id,
            ticket_id=item.ticket_id,
            assignee_id=item.assignee_id,
            priority=item.priority,
            recurrence=following,
            status="open",
        )
        session.add(result.next)
    session.flush()
    summary = f"done {what} {item.title}"
    if result.next is not None:
        summary += f"; next #{result.next.id} {due_text(result.next)}"
    history.set_summary(session, summary)
    return result


def snooze_followup(
    session: Session,
    item: Followup,
    until: str | dates.When | datetime,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Followup:
    """Move an open follow-up's due to ``until`` (``+2h``, ``2h``, ``tomorrow 09:00``, ``mon``).

    A day without a time keeps the follow-up's time of day, if it has one.
    A recurring follow-up keeps its series: the days the rule took from the
    old due are written into the rule first (see :func:`pin_rule`).
    """
    what = f"follow-up #{item.id}"
    check_version(item, expected_version, what)
    _require_open(item, "snooze")
    moment = _now(now)
    if isinstance(until, str):
        try:
            when = dates.parse_when(until, now=moment)
        except Invalid:
            try:
                when = dates.When(moment + dates.parse_duration(until), True)
            except Invalid:
                raise Invalid(
                    f"cannot read {until!r} as a time to snooze to: give a date or time"
                    " (tomorrow 09:00, mon, +2d) or a length of time (2h, 3d)"
                ) from None
    else:
        when = _parse_due(until, moment)
    if not when.has_time and item.due_has_time:
        # "snooze 4 tomorrow" moves a 09:00 call to 09:00 tomorrow, not to the whole day.
        clock = dates.to_local(item.due_at).time()
        when = dates.When(dates.from_local(datetime.combine(when.local_date(), clock)), True)
    if item.recurrence:
        item.recurrence = pin_rule(item.recurrence, item.due_at)
    item.due_at, item.due_has_time = when.at, when.has_time
    session.add(item)
    session.flush()
    history.set_summary(session, f"snooze {what} to {due_text(item)}")
    return item


def cancel_followup(
    session: Session, item: Followup, *, expected_version: int | None = None, now: datetime | None = None
) -> Followup:
    """Cancel an open follow-up (and so its recurrence: no next occurrence is made)."""
    what = f"follow-up #{item.id}"
    check_version(item, expected_version, what)
    _require_open(item, "cancel")
    item.status = "cancelled"
    item.done_at = _now(now)
    session.add(item)
    session.flush()
    history.set_summary(session, f"cancel {what} {item.title}")
    return item


def archive_followup(
    session: Session, item: Followup, *, expected_version: int | None = None, now: datetime | None = None
) -> Followup:
    """Archive (soft-delete) a follow-up; ``crm undo`` brings it back."""
    what = f"follow-up #{item.id}"
    check_version(item, expected_version, what)
    if item.archived_at is not None:
        raise Invalid(f"{what} is archived already")
    item.archived_at = _now(now)
    session.add(item)
    session.flush()
    history.set_summary(session, f"archive {what} {item.title}")
    return item


# --------------------------------------------------------------------------- listing


def _acting_name(session: Session) -> str:
    return str(session.info["settings"].user)


def _user_ids_named(session: Session, name: str) -> Any:
    from termcrm.models import User

    key = (_acting_name(session) if name.strip().lower() == "me" else name).strip().lower()
    return select(User.id).where(User.name_key == key)


def _assignee_build(session: Session) -> Any:
    from termcrm.models import Followup

    def build(op: str, value: str) -> Any:
        if op not in (":", "!="):
            raise Invalid("assignee takes : or != only, e.g. assignee:ann or assignee:me")
        column = col(Followup.assignee_id)
        if not value:
            return column.is_(None) if op == ":" else column.is_not(None)
        cond = column.in_(_user_ids_named(session, value))
        return cond if op == ":" else sa.or_(column.is_(None), sa.not_(cond))

    return build


def _link_build(column: Any, by_name: Any, what: str) -> Any:
    def build(op: str, value: str) -> Any:
        if op not in (":", "!="):
            raise Invalid(f"{what} takes : or != only, e.g. {what}:12 or {what}:acme")
        text = value.strip().lstrip("#")
        if not text:
            cond = column.is_(None)
        elif text.isdigit():
            cond = column == int(text)
        else:
            cond = column.in_(by_name(text))
        if op == ":":
            return cond
        return sa.or_(column.is_(None), sa.not_(cond)) if text else sa.not_(cond)

    return build


def _contacts_named(text: str) -> Any:
    from termcrm.models import Contact, ContactEmail

    return select(Contact.id).where(
        sa.or_(
            col(Contact.display_name).icontains(text, autoescape=True),
            col(Contact.id).in_(select(ContactEmail.contact_id).where(ContactEmail.email_key == text.lower())),
        )
    )


def _companies_named(text: str) -> Any:
    from termcrm.models import Company

    return select(Company.id).where(col(Company.name).icontains(text, autoescape=True))


def _deals_named(text: str) -> Any:
    from termcrm.models import Deal

    return select(Deal.id).where(col(Deal.title).icontains(text, autoescape=True))


def _recurring_build(op: str, value: str) -> Any:
    from termcrm.models import Followup

    if op not in (":", "!="):
        raise Invalid("recurring takes :yes or :no")
    lowered = value.strip().lower()
    if lowered not in {"yes", "no", "true", "false", "1", "0", "y", "n"}:
        raise Invalid(f"recurring {value!r} is not yes or no")
    flag = lowered in {"yes", "true", "1", "y"}
    if op == "!=":
        flag = not flag
    return col(Followup.recurrence).is_not(None) if flag else col(Followup.recurrence).is_(None)


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``followup list`` filters and sorts by."""
    from termcrm.models import Followup

    return FilterContext(
        fields={
            "id": FieldSpec(Followup.id, "int"),
            "title": FieldSpec(Followup.title),
            "notes": FieldSpec(Followup.notes),
            "due": FieldSpec(Followup.due_at, "datetime"),
            "status": FieldSpec(Followup.status, "choice", choices=FOLLOWUP_STATUSES),
            "priority": FieldSpec(Followup.priority, "choice", choices=FOLLOWUP_PRIORITIES),
            "assignee": FieldSpec(None, "custom", build=_assignee_build(session), sortable=False),
            "contact": FieldSpec(
                None, "custom", build=_link_build(col(Followup.contact_id), _contacts_named, "contact"), sortable=False
            ),
            "company": FieldSpec(
                None, "custom", build=_link_build(col(Followup.company_id), _companies_named, "company"), sortable=False
            ),
            "deal": FieldSpec(
                None, "custom", build=_link_build(col(Followup.deal_id), _deals_named, "deal"), sortable=False
            ),
            "ticket": FieldSpec(Followup.ticket_id, "int"),
            "contact_id": FieldSpec(Followup.contact_id, "int"),
            "company_id": FieldSpec(Followup.company_id, "int"),
            "deal_id": FieldSpec(Followup.deal_id, "int"),
            "recurring": FieldSpec(None, "custom", build=_recurring_build, sortable=False),
            "done": FieldSpec(Followup.done_at, "datetime"),
            "created": FieldSpec(Followup.created_at, "datetime"),
            "updated": FieldSpec(Followup.updated_at, "datetime"),
        },
        text=lambda word: ilike_any([col(Followup.title), col(Followup.notes)], word),
        now=now,
        aliases={
            "due_at": "due",
            "done_at": "done",
            "created_at": "created",
            "updated_at": "updated",
            "ticket_id": "ticket",
            "user": "assignee",
            "owner": "assignee",
        },
    )


def _overdue_cond(now: datetime) -> Any:
    from termcrm.models import Followup

    return sa.and_(
        col(Followup.status) == "open",
        sa.or_(
            sa.and_(col(Followup.due_has_time).is_(True), col(Followup.due_at) < now),
            sa.and_(col(Followup.due_has_time).is_(False), col(Followup.due_at) < _today_start(now)),
        ),
    )


def _day_range(start_day: date, days: int) -> tuple[datetime, datetime]:
    return dates.local_midnight(start_day), dates.local_midnight(start_day + timedelta(days=days))


def list_followups(
    session: Session,
    words: Sequence[str] = (),
    *,
    overdue: bool = False,
    today: bool = False,
    week: bool = False,
    all_: bool = False,
    sort: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[Followup]:
    """Follow-ups matching filter words, soonest first.

    Open ones unless ``all_`` or a ``status:`` word says otherwise. The
    flags select by due (combined with *or*): ``overdue``; ``today`` (due on
    today's local date); ``week`` (due today or in the six days after).
    """
    from termcrm.models import Followup

    moment = _now(now)
    ctx = filter_context(session, moment)
    stmt = select(Followup).where(col(Followup.archived_at).is_(None))
    terms = parse_words(words)
    if not all_ and not any(t.kind == "field" and ctx.aliases.get(t.field, t.field) == "status" for t in terms):
        stmt = stmt.where(col(Followup.status) == "open")
    for cond in compile_words(words, ctx):
        stmt = stmt.where(cond)
    windows = []
    today_day = dates.local_today(now=moment)
    if overdue:
        windows.append(_overdue_cond(moment))
    if today:
        start, end = _day_range(today_day, 1)
        windows.append(sa.and_(col(Followup.due_at) >= start, col(Followup.due_at) < end))
    if week:
        start, end = _day_range(today_day, 7)
        windows.append(sa.and_(col(Followup.due_at) >= start, col(Followup.due_at) < end))
    if windows:
        stmt = stmt.where(sa.or_(*windows))
    stmt = stmt.order_by(*order_by(sort, ctx, [col(Followup.due_at).asc(), col(Followup.id).asc()]))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())


def due_json(item: Followup) -> str:
    """The due for JSON: an ISO date for a day, an ISO UTC date-time otherwise."""
    return dates.iso(item.due_at) if item.due_has_time else local_due_date(item).isoformat()


def rows(session: Session, items: Sequence[Followup], *, now: datetime | None = None) -> list[dict[str, Any]]:
    """JSON-ready dicts of follow-ups, rows or records (names of linked records loaded in a few queries)."""
    moment = _now(now)
    contact, company, deal, ticket = schema.contact.c, schema.company.c, schema.deal.c, schema.ticket.c
    contacts = names_by_id(session, contact.id, contact.display_name, (i.contact_id for i in items))
    companies = names_by_id(session, company.id, company.name, (i.company_id for i in items))
    deals = names_by_id(session, deal.id, deal.title, (i.deal_id for i in items))
    tickets = names_by_id(session, ticket.id, ticket.subject, (i.ticket_id for i in items))
    users = refs.users_by_id(session)
    out = []
    for i in items:
        out.append(
            {
                "id": i.id,
                "title": i.title,
                "due": due_json(i),
                "due_has_time": i.due_has_time,
                "status": i.status,
                "done_at": jsonable(i.done_at),
                "overdue": is_overdue(i, moment),
                "contact_id": i.contact_id,
                "contact": contacts.get(i.contact_id) if i.contact_id else None,
                "company_id": i.company_id,
                "company": companies.get(i.company_id) if i.company_id else None,
                "deal_id": i.deal_id,
                "deal": deals.get(i.deal_id) if i.deal_id else None,
                "ticket_id": i.ticket_id,
                "ticket": tickets.get(i.ticket_id) if i.ticket_id else None,
                "assignee": users.get(i.assignee_id) if i.assignee_id else None,
                "priority": i.priority,
                "recurrence": i.recurrence,
                "recurrence_text": recurrence.describe(i.recurrence) if i.recurrence else None,
                "notes": i.notes,
                "reminded_at": jsonable(i.reminded_at),
                "created_at": jsonable(i.created_at),
                "updated_at": jsonable(i.updated_at),
                "archived_at": jsonable(i.archived_at),
                "version": i.version,
            }
        )
    return out


def followup_view(session: Session, item: Followup, *, now: datetime | None = None) -> dict[str, Any]:
    """One follow-up for ``show``: its row and, when recurring, the next dues."""
    data = rows(session, [item], now=now)[0]
    data["upcoming"] = [
        dates.iso(moment) if item.due_has_time else dates.to_local(moment).date().isoformat()
        for moment in (upcoming(item) if item.status == "open" else [])
    ]
    return data


def _section(session: Session, column: Any, record_id: int | None, now: datetime | None) -> tuple[str, dict[str, Any]]:
    """A record view's open follow-ups (Core rows: builds no class)."""
    moment = _now(now)
    f = schema.followup.c
    items = list(
        session.execute(
            sa.select(schema.followup)
            .where(column == record_id, f.status == "open", f.archived_at.is_(None))
            .order_by(f.due_at, f.id)
        ).all()
    )
    data = rows(session, items, now=moment)
    shown = [
        {
            "id": r["id"],
            "due": r["due"],
            "when": due_text(item) + (" (overdue)" if r["overdue"] else ""),
            "title": r["title"],
            "priority": r["priority"],
            "assignee": r["assignee"],
            "every": r["recurrence_text"],
        }
        for item, r in zip(items, data, strict=True)
    ]
    summary: dict[str, Any] = {"open": len(items), "overdue": sum(1 for r in data if r["overdue"])}
    return "followups", {
        "title": f"Follow-ups ({len(items)} open)",
        "summary": summary,
        "columns": ["id", "when", "title", "priority", "assignee", "every"],
        "items": shown,
    }


def contact_section(session: Session, contact: Any, *, now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """The open follow-ups of a contact (row or record), for the 360° view."""
    return _section(session, schema.followup.c.contact_id, contact.id, now)


def company_section(session: Session, company: Any, *, now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """The open follow-ups of a company, for the company view."""
    return _section(session, schema.followup.c.company_id, company.id, now)


# --------------------------------------------------------------------------- reminders


@dataclass
class DueItem:
    """One line of ``crm remind``: a follow-up, a lapsed cadence or a birthday."""

    kind: str
    """``followup``, ``cadence`` or ``birthday``."""
    id: int
    """The follow-up's id, or the contact's for cadences and birthdays."""
    title: str
    due_at: datetime
    has_time: bool
    overdue: bool
    label: str
    contact_id: int | None = None
    contact: str | None = None
    company: str | None = None
    deal_id: int | None = None
    priority: str | None = None
    assignee: str | None = None
    version: int | None = None
    seen_updated_at: datetime | None = None

    @property
    def text(self) -> str:
        """The one-line text printed (and handed to ``--notify``)."""
        if self.kind == "followup":
            who = ", ".join(x for x in (self.contact, self.company) if x)
            line = f"{self.label}: follow-up #{self.id} {self.title}"
            if who:
                line += f" ({who})"
            if self.priority == "high":
                line += " [high]"
            return line
        return f"{self.label}: {self.title}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "due": dates.iso(self.due_at) if self.has_time else dates.to_local(self.due_at).date().isoformat(),
            "due_has_time": self.has_time,
            "overdue": self.overdue,
            "contact_id": self.contact_id,
            "contact": self.contact,
            "company": self.company,
            "deal_id": self.deal_id,
            "priority": self.priority,
            "assignee": self.assignee,
        }


def _user_scope(session: Session, user: str | None) -> int | None:
    """The id of ``user`` for filtering (``-1`` when unknown: nothing but unassigned records)."""
    from termcrm.models import User

    if user is None:
        return None
    key = (_acting_name(session) if user.strip().lower() == "me" else user).strip().lower()
    found = session.exec(select(User.id).where(User.name_key == key)).first()
    return int(found) if found is not None else -1


def _mine(column: Any, uid: int | None) -> Any:
    if uid is None:
        return sa.true()
    return sa.or_(column == uid, column.is_(None))


def lapse_at(contact: Contact) -> datetime | None:
    """When a contact's stay-in-touch cadence lapses (None without a cadence)."""
    if not contact.cadence_days:
        return None
    base = contact.last_contacted_at or contact.created_at
    return dates.as_utc(base) + timedelta(days=contact.cadence_days)


def _lapsed_contacts(session: Session, uid: int | None, until: datetime) -> list[tuple[Contact, datetime]]:
    from termcrm.models import Contact

    base = sa.func.coalesce(col(Contact.last_contacted_at), col(Contact.created_at))
    shortest = session.exec(
        select(sa.func.min(Contact.cadence_days)).where(
            col(Contact.cadence_days).is_not(None), col(Contact.archived_at).is_(None)
        )
    ).one()
    if not shortest:
        return []
    stmt = (
        select(Contact)
        .where(
            col(Contact.cadence_days).is_not(None),
            col(Contact.archived_at).is_(None),
            _mine(col(Contact.owner_id), uid),
            base <= until - timedelta(days=int(shortest)),
        )
        .order_by(col(Contact.id))
    )
    out = []
    for contact in session.exec(stmt).all():
        moment = lapse_at(contact)
        if moment is not None and moment <= until:
            out.append((contact, moment))
    return out


def _birthday_days(now: datetime, window: timedelta) -> list[date]:
    first = dates.local_today(now=now)
    last = dates.to_local(now + window).date()
    count = min((last - first).days, 366) + 1
    return [first + timedelta(days=n) for n in range(count)]


def _celebrates(birthday: date, day: date) -> bool:
    if (birthday.month, birthday.day) == (day.month, day.day):
        return True
    # 29 February birthdays are celebrated on 28 February in common years.
    leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
    return (birthday.month, birthday.day) == (2, 29) and (day.month, day.day) == (2, 28) and not leap


def _birthdays(session: Session, uid: int | None, days: list[date]) -> list[tuple[Contact, date]]:
    from termcrm.models import Contact

    pairs = {(d.month, d.day) for d in days}
    if any((m, d) == (2, 28) for m, d in pairs):
        pairs.add((2, 29))
    month = sa.extract("month", col(Contact.birthday))
    day = sa.extract("day", col(Contact.birthday))
    cond = sa.or_(*[sa.and_(month == m, day == d) for m, d in sorted(pairs)])
    stmt = (
        select(Contact)
        .where(
            col(Contact.birthday).is_not(None), col(Contact.archived_at).is_(None), _mine(col(Contact.owner_id), uid)
        )
        .where(cond)
        .order_by(col(Contact.display_name), col(Contact.id))
    )
    out = []
    for contact in session.exec(stmt).all():
        assert contact.birthday is not None
        for when in days:
            if _celebrates(contact.birthday, when):
                out.append((contact, when))
                break
    return out


def _age(birthday: date, day: date) -> int | None:
    years = day.year - birthday.year
    return years if 1900 <= birthday.year and years > 0 else None


def birthday_title(contact: Contact, day: date, today: date) -> str:
    """``Ann Lee turns 40 today`` / ``Ann Lee's birthday``."""
    assert contact.birthday is not None
    age = _age(contact.birthday, day)
    when = "today" if day == today else ("tomorrow" if day == today + timedelta(days=1) else f"on {day:%a %d %b}")
    if age is not None:
        return f"{contact.display_name} turns {age} {when}"
    return f"{contact.display_name}'s birthday {when}"


def cadence_title(contact: Contact, now: datetime) -> str:
    """``stay in touch with Ann Lee: last contact 45 days ago (every 30 days)``."""
    if contact.last_contacted_at is not None:
        days = (now - dates.as_utc(contact.last_contacted_at)) // timedelta(days=1)
        since = f"last contact {days} days ago"
    else:
        days = (now - dates.as_utc(contact.created_at)) // timedelta(days=1)
        since = f"never contacted, added {days} days ago"
    return f"stay in touch with {contact.display_name}: {since} (every {contact.cadence_days} days)"


def _marks(session: Session, kind: str, contact_ids: list[int]) -> dict[int, ReminderMark]:
    from termcrm.models import ReminderMark

    if not contact_ids:
        return {}
    found = session.exec(
        select(ReminderMark).where(ReminderMark.kind == kind, col(ReminderMark.contact_id).in_(contact_ids))
    ).all()
    return {m.contact_id: m for m in found}


def _marked(mark: ReminderMark | None, due_at: datetime, contact: Contact) -> bool:
    return (
        mark is not None
        and dates.as_utc(mark.due_at) == due_at
        and dates.as_utc(mark.reminded_at) >= dates.as_utc(contact.updated_at)
    )


def due_items(
    session: Session,
    now: datetime | None = None,
    within: timedelta = timedelta(0),
    user: str | None = None,
    *,
    once: bool = False,
) -> list[DueItem]:
    """What ``crm remind`` reports, overdue first, then by due.

    Open follow-ups due by ``now + within`` (so everything overdue too);
    contacts whose cadence has lapsed by then (``cadence_days`` since the
    last interaction, or since they were added); birthdays from today to the
    end of the window, in local time. With ``user`` (a name, or ``me``), only
    that user's follow-ups and contacts and the unassigned ones; None means
    everyone's. With ``once``, items already reminded are left out unless
    they were snoozed or edited since (see :func:`mark_reminded`).
    """
    from termcrm.models import Company, Contact, Followup

    moment = _now(now)
    until = moment + within
    uid = _user_scope(session, user)
    users = refs.users_by_id(session)
    items: list[DueItem] = []

    followups = list(
        session.exec(
            select(Followup)
            .where(
                col(Followup.status) == "open",
                col(Followup.archived_at).is_(None),
                col(Followup.due_at) <= until,
                _mine(col(Followup.assignee_id), uid),
            )
            .order_by(col(Followup.due_at), col(Followup.id))
        ).all()
    )
    if once:
        followups = [
            f for f in followups if f.reminded_at is None or dates.as_utc(f.updated_at) > dates.as_utc(f.reminded_at)
        ]
    contacts = names_by_id(session, col(Contact.id), col(Contact.display_name), (f.contact_id for f in followups))
    companies = names_by_id(session, col(Company.id), col(Company.name), (f.company_id for f in followups))
    for f in followups:
        assert f.id is not None
        items.append(
            DueItem(
                kind="followup",
                id=f.id,
                title=f.title,
                due_at=dates.as_utc(f.due_at),
                has_time=f.due_has_time,
                overdue=is_overdue(f, moment),
                label=due_label(dates.as_utc(f.due_at), f.due_has_time, moment),
                contact_id=f.contact_id,
                contact=contacts.get(f.contact_id) if f.contact_id else None,
                company=companies.get(f.company_id) if f.company_id else None,
                deal_id=f.deal_id,
                priority=f.priority,
                assignee=users.get(f.assignee_id) if f.assignee_id else None,
                version=f.version,
            )
        )

    lapsed = _lapsed_contacts(session, uid, until)
    marks = _marks(session, "cadence", [c.id for c, _ in lapsed if c.id is not None]) if once else {}
    for contact, lapsed_at in lapsed:
        assert contact.id is not None
        if once and _marked(marks.get(contact.id), lapsed_at, contact):
            continue
        items.append(
            DueItem(
                kind="cadence",
                id=contact.id,
                title=cadence_title(contact, moment),
                due_at=lapsed_at,
                has_time=True,
                overdue=lapsed_at < moment,
                label="cadence",
                contact_id=contact.id,
                contact=contact.display_name,
                assignee=users.get(contact.owner_id) if contact.owner_id else None,
                seen_updated_at=dates.as_utc(contact.updated_at),
            )
        )

    today = dates.local_today(now=moment)
    birthdays = _birthdays(session, uid, _birthday_days(moment, within))
    marks = _marks(session, "birthday", [c.id for c, _ in birthdays if c.id is not None]) if once else {}
    for contact, day in birthdays:
        assert contact.id is not None
        start = dates.local_midnight(day)
        if once and _marked(marks.get(contact.id), start, contact):
            continue
        items.append(
            DueItem(
                kind="birthday",
                id=contact.id,
                title=birthday_title(contact, day, today),
                due_at=start,
                has_time=False,
                overdue=False,
                label="birthday",
                contact_id=contact.id,
                contact=contact.display_name,
                assignee=users.get(contact.owner_id) if contact.owner_id else None,
                seen_updated_at=dates.as_utc(contact.updated_at),
            )
        )
    order = {"followup": 0, "cadence": 1, "birthday": 2}
    items.sort(key=lambda i: (not i.overdue, i.due_at, order[i.kind], i.id))
    return items


def mark_reminded(session: Session, items: Sequence[DueItem], *, at: datetime | None = None) -> int:
    """Remember that ``items`` were reminded, so ``due_items(once=True)`` leaves them out; returns how many.

    Bookkeeping, not an edit: written with plain SQL, so it bumps no version,
    records no history (``crm undo`` never reverts it) and never conflicts
    with someone editing the follow-up. A follow-up or contact changed since
    it was read is not marked, so that change is reminded again.
    """
    from termcrm.models import Contact, Followup, ReminderMark

    stamp = dates.as_utc(at) if at is not None else dates.utcnow()
    table = Followup.__table__  # type: ignore[attr-defined]
    marks = ReminderMark.__table__  # type: ignore[attr-defined]
    contacts = Contact.__table__  # type: ignore[attr-defined]
    conn = session.connection()
    count = 0
    for item in items:
        if item.kind == "followup":
            result = conn.execute(
                sa.update(table).where(table.c.id == item.id, table.c.version == item.version).values(reminded_at=stamp)
            )
            count += int(result.rowcount or 0)
            continue
        current = conn.execute(sa.select(contacts.c.updated_at).where(contacts.c.id == item.id)).scalar()
        if current is None or item.seen_updated_at is None or dates.as_utc(current) != item.seen_updated_at:
            continue
        values = {"kind": item.kind, "contact_id": item.id, "due_at": item.due_at, "reminded_at": stamp}
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            pg_stmt = pg_insert(marks).values(**values)
            conn.execute(
                pg_stmt.on_conflict_do_update(
                    index_elements=["kind", "contact_id"],
                    set_={"due_at": pg_stmt.excluded.due_at, "reminded_at": pg_stmt.excluded.reminded_at},
                )
            )
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            lite_stmt = sqlite_insert(marks).values(**values)
            conn.execute(
                lite_stmt.on_conflict_do_update(
                    index_elements=["kind", "contact_id"],
                    set_={"due_at": lite_stmt.excluded.due_at, "reminded_at": lite_stmt.excluded.reminded_at},
                )
            )
        count += 1
    return count


# --------------------------------------------------------------------------- crm next


@dataclass
class ScorePart:
    """One reason an item ranks where it does."""

    name: str
    points: float
    detail: str


@dataclass
class Ranked:
    """One suggestion of ``crm next``: what, its score and the parts of the score."""

    kind: str
    """``followup`` or ``cadence`` (a contact to get in touch with)."""
    id: int
    title: str
    due_at: datetime | None
    has_time: bool
    parts: list[ScorePart] = field(default_factory=list)
    contact_id: int | None = None
    contact: str | None = None
    deal_id: int | None = None
    priority: str | None = None

    @property
    def score(self) -> float:
        """The sum of the parts, to one decimal."""
        return round(sum(p.points for p in self.parts), 1)

    def as_dict(self, rank: int) -> dict[str, Any]:
        """JSON-ready form."""
        due = None
        if self.due_at is not None:
            due = dates.iso(self.due_at) if self.has_time else dates.to_local(self.due_at).date().isoformat()
        return {
            "rank": rank,
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "due": due,
            "score": self.score,
            "parts": [{"name": p.name, "points": round(p.points, 1), "detail": p.detail} for p in self.parts],
            "contact_id": self.contact_id,
            "contact": self.contact,
            "deal_id": self.deal_id,
            "priority": self.priority,
        }


def weights_from(settings: Any) -> dict[str, float]:
    """The ``next.weight_*`` values from settings (declared defaults when unset)."""
    return {key: float(settings.get(f"next.weight_{key}")) for key in WEIGHT_KEYS}


@dataclass
class _DealInfo:
    id: int
    title: str
    weighted: int
    currency: str
    rotting_days: int | None
    stage: str
    rot_days: int | None


def _deal_infos(session: Session, deal_ids: set[int], now: datetime) -> dict[int, _DealInfo]:
    from termcrm.models import Deal, Stage

    if not deal_ids:
        return {}
    found = session.exec(
        select(Deal, Stage)
        .join(Stage, col(Stage.id) == col(Deal.stage_id))
        .where(col(Deal.id).in_(sorted(deal_ids)), col(Deal.status) == "open", col(Deal.archived_at).is_(None))
    ).all()
    out = {}
    for deal, stage in found:
        assert deal.id is not None
        rotting = None
        if stage.rot_days:
            in_stage = (now - dates.as_utc(deal.stage_entered_at)) // timedelta(days=1)
            if in_stage > stage.rot_days:
                rotting = int(in_stage)
        out[deal.id] = _DealInfo(
            id=deal.id,
            title=deal.title,
            weighted=money.weighted(deal.amount, deal.probability),
            currency=deal.currency,
            rotting_days=rotting,
            stage=stage.name,
            rot_days=stage.rot_days,
        )
    return out


def _fmt(points: float) -> str:
    return f"{points:g}"


def rank_next(
    session: Session,
    now: datetime | None = None,
    limit: int | None = 10,
    weights: Mapping[str, float] | None = None,
    user: str | None = None,
) -> list[Ranked]:
    """What to do now: open follow-ups (and contacts whose cadence lapsed), best first.

    Each item's score is a sum of parts, each a weight (config
    ``next.weight_<part>``) times a measure: ``overdue`` per whole day
    overdue; ``due_soon`` once if due within a day (or overdue);
    ``priority`` per step above low (normal 1, high 2); ``deal`` per 1,000
    of the linked open deal's weighted value (amount × probability, in its
    currency's major units); ``rotting`` once if that deal has sat in its
    stage longer than the stage's rot days; ``cadence`` per day the linked
    contact's stay-in-touch cadence has lapsed. ``user`` limits to that
    user's (and unassigned) work; None means everyone's.
    """
    from termcrm.models import Contact, Followup

    moment = _now(now)
    w = dict(weights_from(session.info["settings"]) if weights is None else weights)
    for key in WEIGHT_KEYS:
        w.setdefault(key, 0.0)
    uid = _user_scope(session, user)
    followups = list(
        session.exec(
            select(Followup).where(
                col(Followup.status) == "open",
                col(Followup.archived_at).is_(None),
                _mine(col(Followup.assignee_id), uid),
            )
        ).all()
    )
    deals = _deal_infos(session, {f.deal_id for f in followups if f.deal_id}, moment)
    contact_ids = {f.contact_id for f in followups if f.contact_id}
    contacts = (
        {c.id: c for c in session.exec(select(Contact).where(col(Contact.id).in_(sorted(contact_ids)))).all()}
        if contact_ids
        else {}
    )
    for contact, _ in _lapsed_contacts(session, uid, moment):
        contacts.setdefault(contact.id, contact)

    def cadence_part(contact: Contact | None) -> ScorePart | None:
        if contact is None or contact.archived_at is not None:
            return None
        lapsed = lapse_at(contact)
        if lapsed is None or lapsed >= moment:
            return None
        days = int((moment - lapsed) // timedelta(days=1))
        if days <= 0:
            return None
        return ScorePart(
            "cadence",
            w["cadence"] * days,
            f"{contact.display_name}'s {contact.cadence_days}-day cadence lapsed {days} days ago"
            f" ({days} × {_fmt(w['cadence'])})",
        )

    ranked: list[Ranked] = []
    for f in followups:
        assert f.id is not None
        due = dates.as_utc(f.due_at)
        parts: list[ScorePart] = []
        late = overdue_days(f, moment)
        if late > 0:
            parts.append(
                ScorePart("overdue", w["overdue"] * late, f"{late} days overdue ({late} × {_fmt(w['overdue'])})")
            )
        if due <= moment + timedelta(days=1):
            state = "overdue" if is_overdue(f, moment) else "due within a day"
            parts.append(ScorePart("due_soon", w["due_soon"], state))
        step = PRIORITY_STEPS.get(f.priority, 1)
        if step:
            parts.append(
                ScorePart("priority", w["priority"] * step, f"{f.priority} priority ({step} × {_fmt(w['priority'])})")
            )
        info = deals.get(f.deal_id) if f.deal_id else None
        if info is not None:
            major = float(money.to_major(info.weighted, info.currency))
            if major > 0:
                parts.append(
                    ScorePart(
                        "deal",
                        w["deal"] * major / 1000,
                        f"deal #{info.id} {info.title}: weighted {money.format_money(info.weighted, info.currency)}"
                        f" ({major / 1000:g}k × {_fmt(w['deal'])})",
                    )
                )
            if info.rotting_days is not None:
                parts.append(
                    ScorePart(
                        "rotting",
                        w["rotting"],
                        f"deal #{info.id} {info.rotting_days} days in {info.stage} (rots after {info.rot_days})",
                    )
                )
        cad = cadence_part(contacts.get(f.contact_id) if f.contact_id else None)
        if cad is not None:
            parts.append(cad)
        linked = contacts.get(f.contact_id) if f.contact_id else None
        ranked.append(
            Ranked(
                kind="followup",
                id=f.id,
                title=f.title,
                due_at=due,
                has_time=f.due_has_time,
                parts=[p for p in parts if p.points],
                contact_id=f.contact_id,
                contact=linked.display_name if linked else None,
                deal_id=f.deal_id,
                priority=f.priority,
            )
        )
    covered = {f.contact_id for f in followups if f.contact_id}
    for contact, lapsed in _lapsed_contacts(session, uid, moment):
        if contact.id in covered or contact.id is None:
            continue
        cad = cadence_part(contact)
        if cad is None:
            continue
        ranked.append(
            Ranked(
                kind="cadence",
                id=contact.id,
                title=f"get in touch with {contact.display_name}",
                due_at=lapsed,
                has_time=True,
                parts=[cad],
                contact_id=contact.id,
                contact=contact.display_name,
            )
        )
    far = datetime.max.replace(tzinfo=dates.UTC)
    ranked.sort(key=lambda r: (-r.score, r.due_at or far, r.kind, r.id))
    return ranked[:limit] if limit is not None else ranked


# --------------------------------------------------------------------------- agenda


def _agenda_entry(kind: str, item_id: int, title: str, time: str | None, detail: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "id": item_id, "time": time, "title": title, "detail": detail, **extra}


def _followup_detail(row: Mapping[str, Any]) -> str:
    bits = [x for x in (row.get("contact"), row.get("company")) if x]
    if row.get("deal_id"):
        bits.append(f"deal #{row['deal_id']}")
    if row.get("priority") == "high":
        bits.append("high")
    if row.get("recurrence_text"):
        bits.append(str(row["recurrence_text"]))
    return ", ".join(bits)


AGENDA_MAX_DAYS = 3660
"""The longest agenda, in days (one group per day)."""


def agenda(
    session: Session, days: int = 7, user: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Follow-ups by local day for ``days`` days from today, with birthdays and expected deal closes.

    The first group (``day`` = ``overdue``) holds overdue follow-ups and open
    deals whose expected close has passed; then one group per day (``day``
    an ISO date), even when empty. Within a day: birthdays, then follow-ups
    without a time, then by time, then expected closes. ``user`` as for
    :func:`due_items`.
    """
    from termcrm.models import Deal, Followup

    if days < 1:
        raise Invalid("--days must be 1 or more")
    if days > AGENDA_MAX_DAYS:
        raise Invalid(f"--days must be at most {AGENDA_MAX_DAYS} (ten years)")
    moment = _now(now)
    uid = _user_scope(session, user)
    today = dates.local_today(now=moment)
    start, end = _day_range(today, days)
    mine = _mine(col(Followup.assignee_id), uid)
    base = select(Followup).where(col(Followup.status) == "open", col(Followup.archived_at).is_(None), mine)
    overdue_items = list(session.exec(base.where(_overdue_cond(moment)).order_by(col(Followup.due_at))).all())
    overdue_ids = {f.id for f in overdue_items}
    in_range = [
        f
        for f in session.exec(
            base.where(col(Followup.due_at) >= start, col(Followup.due_at) < end).order_by(
                col(Followup.due_at), col(Followup.id)
            )
        ).all()
        if f.id not in overdue_ids
    ]
    all_rows = rows(session, [*overdue_items, *in_range], now=moment)
    by_id = {r["id"]: r for r in all_rows}

    def followup_entry(f: Followup) -> dict[str, Any]:
        row = by_id[f.id]
        time = dates.to_local(f.due_at).strftime("%H:%M") if f.due_has_time else None
        return _agenda_entry(
            "followup",
            int(f.id or 0),
            f.title,
            time,
            _followup_detail(row),
            due=row["due"],
            overdue=row["overdue"],
            priority=f.priority,
            contact_id=f.contact_id,
        )

    groups: list[dict[str, Any]] = []
    overdue_group = [
        {**followup_entry(f), "detail": f"{due_label(dates.as_utc(f.due_at), f.due_has_time, moment)}"
         + (f"; {_followup_detail(by_id[f.id])}" if _followup_detail(by_id[f.id]) else "")}
        for f in overdue_items
    ]  # fmt: skip
    deal_owner = _mine(col(Deal.owner_id), uid)
    open_deals = select(Deal).where(col(Deal.status) == "open", col(Deal.archived_at).is_(None), deal_owner)
    for deal in session.exec(
        open_deals.where(col(Deal.expected_close) < today).order_by(col(Deal.expected_close), col(Deal.id))
    ).all():
        assert deal.id is not None and deal.expected_close is not None
        overdue_group.append(
            _agenda_entry(
                "deal_close",
                deal.id,
                f"deal #{deal.id} {deal.title}",
                None,
                f"expected to close {deal.expected_close.isoformat()};"
                f" {money.format_money(deal.amount, deal.currency)}",
                due=deal.expected_close.isoformat(),
                overdue=True,
            )
        )
    groups.append({"day": "overdue", "label": "Overdue", "items": overdue_group})

    day_list = [today + timedelta(days=n) for n in range(days)]
    birthdays: dict[date, list[Contact]] = {}
    for contact, day in _birthdays(session, uid, day_list):
        birthdays.setdefault(day, []).append(contact)
    closes: dict[date, list[Deal]] = {}
    last_day = day_list[-1]
    for deal in session.exec(
        open_deals.where(col(Deal.expected_close) >= today, col(Deal.expected_close) <= last_day).order_by(
            col(Deal.expected_close), col(Deal.id)
        )
    ).all():
        assert deal.expected_close is not None
        closes.setdefault(deal.expected_close, []).append(deal)
    per_day: dict[date, list[Followup]] = {}
    for f in in_range:
        per_day.setdefault(local_due_date(f), []).append(f)
    for day in day_list:
        entries: list[dict[str, Any]] = []
        for contact in birthdays.get(day, []):
            entries.append(
                _agenda_entry(
                    "birthday",
                    int(contact.id or 0),
                    birthday_title(contact, day, today),
                    None,
                    "birthday",
                    contact_id=contact.id,
                )
            )
        day_items = sorted(per_day.get(day, []), key=lambda f: (f.due_has_time, f.due_at, f.id))
        entries += [followup_entry(f) for f in day_items]
        for deal in closes.get(day, []):
            assert deal.id is not None
            entries.append(
                _agenda_entry(
                    "deal_close",
                    deal.id,
                    f"deal #{deal.id} {deal.title}",
                    None,
                    f"expected close; {money.format_money(deal.amount, deal.currency)} at {deal.probability}%",
                    due=day.isoformat(),
                )
            )
        suffix = " (today)" if day == today else (" (tomorrow)" if day == today + timedelta(days=1) else "")
        groups.append({"day": day.isoformat(), "label": f"{day:%a %Y-%m-%d}{suffix}", "items": entries})
    return groups


# --------------------------------------------------------------------------- iCalendar


def export_followups(session: Session, *, user: str | None = None, include_closed: bool = False) -> list[Followup]:
    """Follow-ups to put in a calendar: open ones (and done/cancelled with ``include_closed``), by due."""
    from termcrm.models import Followup

    uid = _user_scope(session, user)
    stmt = select(Followup).where(col(Followup.archived_at).is_(None), _mine(col(Followup.assignee_id), uid))
    if not include_closed:
        stmt = stmt.where(col(Followup.status) == "open")
    return list(session.exec(stmt.order_by(col(Followup.due_at), col(Followup.id))).all())


_ICAL_PRIORITY = {"high": 1, "normal": 5, "low": 9}


def _describe_links(session: Session, item: Followup, row: Mapping[str, Any]) -> list[str]:
    from termcrm.models import Deal

    lines: list[str] = []
    if item.contact_id:
        email = contact_service.primary_email(session, item.contact_id)
        lines.append(f"Contact: {row['contact']}" + (f" <{email}>" if email else "") + f" (#{item.contact_id})")
    if item.company_id:
        lines.append(f"Company: {row['company']} (#{item.company_id})")
    if item.deal_id:
        deal = session.get(Deal, item.deal_id)
        if deal is not None:
            lines.append(
                f"Deal: #{deal.id} {deal.title} ({money.format_money(deal.amount, deal.currency)}, {deal.status})"
            )
    if item.ticket_id:
        lines.append(f"Ticket: #{item.ticket_id} {row['ticket']}")
    return lines


def calendar_items(session: Session, items: Sequence[Followup]) -> list[Any]:
    """Follow-ups as :class:`termcrm.io.ical.CalItem` values (UID ``followup-<id>@termcrm``)."""
    from termcrm.io.ical import CalItem

    out = []
    for item, row in zip(items, rows(session, items), strict=True):
        lines = _describe_links(session, item, row)
        if row["assignee"]:
            lines.append(f"Assignee: {row['assignee']}")
        lines.append(f"Priority: {item.priority}")
        if item.recurrence:
            lines.append(f"Repeats: {row['recurrence_text']}")
        if item.notes:
            lines += ["", item.notes]
        lines += ["", f"termcrm follow-up #{item.id}: crm followup show {item.id}"]
        out.append(
            CalItem(
                uid=f"followup-{item.id}@termcrm",
                summary=item.title,
                start=dates.as_utc(item.due_at),
                all_day=not item.due_has_time,
                description="\n".join(lines),
                rrule=item.recurrence if item.status == "open" else None,
                priority=_ICAL_PRIORITY.get(item.priority, 5),
                status=item.status,
                completed=dates.as_utc(item.done_at) if item.done_at and item.status == "done" else None,
                created=dates.as_utc(item.created_at),
                last_modified=dates.as_utc(item.updated_at),
                sequence=max((item.version or 1) - 1, 0),
                categories=tuple(x for x in (row["contact"], row["company"]) if x),
            )
        )
    return out


def due_calendar_items(session: Session, due: Sequence[DueItem]) -> list[Any]:
    """``crm remind -f ics``: follow-ups as in :func:`calendar_items`, cadences and birthdays as to-dos."""
    from termcrm.io.ical import CalItem
    from termcrm.models import Followup

    wanted = [d.id for d in due if d.kind == "followup"]
    found = (
        {f.id: f for f in session.exec(select(Followup).where(col(Followup.id).in_(wanted))).all()} if wanted else {}
    )
    made = {c.uid: c for c in calendar_items(session, [found[i] for i in wanted if i in found])}
    out = []
    for d in due:
        if d.kind == "followup":
            cal = made.get(f"followup-{d.id}@termcrm")
            if cal is not None:
                out.append(cal)
            continue
        stamp = dates.to_local(d.due_at).strftime("%Y%m%d")
        out.append(
            CalItem(
                uid=f"{d.kind}-{d.id}-{stamp}@termcrm",
                summary=d.title,
                start=d.due_at,
                all_day=not d.has_time,
                description=f"{d.text}\n\ntermcrm contact #{d.id}: crm contact show {d.id}",
                priority=5,
                categories=(d.contact,) if d.contact else (),
            )
        )
    return out
