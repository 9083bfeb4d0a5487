"""The record forms: contact, company, interaction, follow-up, deal, ticket, comment.

Each function returns a :class:`~termcrm.tui.widgets.forms.FormScreen` whose
``save`` turns the fields into the same service call the CLI makes. Field
checks are the core's own parsers (emails, dates, amounts, recurrence), so a
value the CLI would refuse is refused here, next to the field, before saving.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from termcrm import dates, money
from termcrm.tui.widgets.forms import Field, FormData, FormScreen
from termcrm.vocab import (
    FOLLOWUP_PRIORITIES,
    INTERACTION_KINDS,
    STAGES,
    TICKET_CHANNELS,
    TICKET_PRIORITIES,
    TICKET_TYPES,
)

if TYPE_CHECKING:
    from sqlmodel import Session

Clock = Callable[[], datetime]


def _choices(values: tuple[str, ...], *, blank: bool = False) -> list[tuple[str, str]]:
    out = [(v, v) for v in values]
    return ([("(none)", "")] if blank else []) + out


def words(text: str) -> list[str]:
    """Tags and lists as typed: separated by commas or spaces."""
    return [w for w in re.split(r"[,\s]+", text.strip()) if w]


def _check_email(text: str) -> object:
    from termcrm.services.common import check_email

    return check_email(text)


def _check_phone(text: str) -> object:
    from termcrm.services.common import check_phone

    return check_phone(text)


def _check_tags(text: str) -> object:
    from termcrm.services.common import check_tag

    return [check_tag(w) for w in words(text)]


def _check_int(text: str) -> object:
    from termcrm.errors import Invalid

    if not text.strip().isdigit() or int(text) <= 0:
        raise Invalid(f"{text!r} is not a positive whole number")
    return int(text)


def _date_check(clock: Clock) -> Callable[[str], object]:
    return lambda text: dates.parse_date(text, now=clock())


def _when_check(clock: Clock) -> Callable[[str], object]:
    return lambda text: dates.parse_when(text, now=clock())


def _amount_check(currency: str) -> Callable[[str], object]:
    return lambda text: money.parse_amount(text, currency)


def _every_check(clock: Clock) -> Callable[[str], object]:
    from termcrm import recurrence

    return lambda text: recurrence.parse_every(text, start=clock())


# --------------------------------------------------------------------------- contacts

CONTACT_FIELDS = ("first_name", "last_name", "title", "stage", "city", "country", "notes")


def contact_values(session: Session, contact_id: int) -> tuple[dict[str, str], int | None]:
    """The contact as form text, and its version."""
    from termcrm.services import contacts, refs

    contact = refs.contact(session, contact_id, archived=True)
    row = contacts.rows(session, [contact])[0]
    values = {name: str(row.get(name) or "") for name in CONTACT_FIELDS}
    values.update(
        {
            "email": row.get("email") or "",
            "phone": row.get("phone") or "",
            "company": row.get("company") or "",
            "owner": row.get("owner") or "",
            "tags": " ".join(row.get("tags") or []),
            "birthday": row.get("birthday") or "",
        }
    )
    return values, contact.version


def contact_form(
    clock: Clock, values: dict[str, str] | None = None, *, contact_id: int | None = None, version: int | None = None
) -> FormScreen:
    """Add a contact (no ``contact_id``) or edit one (its values and version given)."""
    v = values or {}
    fields = [
        Field("first_name", "First name", v.get("first_name", ""), placeholder="given name"),
        Field("last_name", "Last name", v.get("last_name", ""), placeholder="family name"),
        Field("email", "Email", v.get("email", ""), placeholder="ann@example.com", check=_check_email),
        Field("phone", "Phone", v.get("phone", ""), placeholder="+1 555 0100", check=_check_phone),
        Field("company", "Company", v.get("company", ""), placeholder="a company name (new ones are created)"),
        Field("title", "Title", v.get("title", "")),
        Field(
            "stage",
            "Stage",
            v.get("stage", "") or ("" if contact_id else "lead"),
            kind="choice",
            choices=_choices(STAGES),
        ),
        Field("tags", "Tags", v.get("tags", ""), placeholder="vip, newsletter", check=_check_tags),
        Field("owner", "Owner", v.get("owner", ""), placeholder="a user name (empty: you)"),
        Field("birthday", "Birthday", v.get("birthday", ""), placeholder="YYYY-MM-DD", check=_date_check(clock)),
        Field("city", "City", v.get("city", "")),
        Field("country", "Country", v.get("country", "")),
        Field("notes", "Notes", v.get("notes", ""), kind="multiline"),
    ]

    def add(session: Session, data: FormData) -> int:
        from termcrm.errors import Invalid
        from termcrm.services import contacts

        x = data.values
        if not x["first_name"].strip() and not x["last_name"].strip():
            raise Invalid("a contact needs a name: give a first or a last name")
        contact = contacts.create_contact(
            session,
            contacts.ContactInput(
                first_name=x["first_name"],
                last_name=x["last_name"],
                emails=[x["email"].strip()] if x["email"].strip() else [],
                phones=[x["phone"].strip()] if x["phone"].strip() else [],
                company=x["company"].strip() or None,
                title=x["title"] or None,
                tags=words(x["tags"]),
                stage=x["stage"] or None,
                birthday=dates.parse_date(x["birthday"], now=clock()) if x["birthday"].strip() else None,
                city=x["city"] or None,
                country=x["country"] or None,
                notes=x["notes"] or None,
                owner=x["owner"].strip() or None,
            ),
        )
        return int(contact.id or 0)

    def edit(session: Session, data: FormData) -> int:
        from termcrm.services import contacts, refs

        assert contact_id is not None
        contact = refs.contact(session, contact_id, archived=True)
        x, base = data.values, data.baseline
        changes = contacts.ContactChanges()
        for name in CONTACT_FIELDS:
            if data.changed(name):
                changes.values[name] = x[name]
        if data.changed("birthday"):
            changes.values["birthday"] = dates.parse_date(x["birthday"], now=clock()) if x["birthday"].strip() else None
        if data.changed("company"):
            changes.company = x["company"].strip()
        if data.changed("owner"):
            changes.owner = x["owner"].strip()
        if data.changed("email"):
            if base["email"].strip():
                changes.remove_emails = [base["email"].strip()]
            if x["email"].strip():
                changes.add_emails = [x["email"].strip()]
                changes.primary_email = x["email"].strip()
        if data.changed("phone"):
            if base["phone"].strip():
                changes.remove_phones = [base["phone"].strip()]
            if x["phone"].strip():
                changes.add_phones = [x["phone"].strip()]
        if data.changed("tags"):
            old, new = set(words(base["tags"].lower())), set(words(x["tags"].lower()))
            changes.add_tags = sorted(new - old)
            changes.remove_tags = sorted(old - new)
        contacts.update_contact(session, contact, changes, expected_version=data.version)
        return int(contact.id or 0)

    if contact_id is None:
        return FormScreen("New contact", fields, add, summary="add contact")
    return FormScreen(
        f"Edit contact #{contact_id}",
        fields,
        edit,
        summary=f"edit contact #{contact_id}",
        version=version,
        reload=lambda session: contact_values(session, contact_id),
        what=f"contact #{contact_id}",
    )


# --------------------------------------------------------------------------- companies

COMPANY_FIELDS = ("domain", "industry", "size", "city", "country", "website", "notes")


def company_values(session: Session, company_id: int) -> tuple[dict[str, str], int | None]:
    """The company as form text, and its version."""
    from termcrm.services import companies, refs

    company = refs.company(session, company_id, archived=True)
    row = companies.rows(session, [company])[0]
    values = {name: str(row.get(name) or "") for name in ("name", *COMPANY_FIELDS)}
    values["owner"] = str(row.get("owner") or "")
    values["tags"] = " ".join(row.get("tags") or [])
    return values, company.version


def company_form(values: dict[str, str], *, company_id: int, version: int | None) -> FormScreen:
    """Edit a company."""
    fields = [Field("name", "Name", values.get("name", ""), required=True)]
    for name in COMPANY_FIELDS:
        kind = "multiline" if name == "notes" else "text"
        fields.append(Field(name, name.replace("_", " ").capitalize(), values.get(name, ""), kind=kind))
    fields += [
        Field("tags", "Tags", values.get("tags", ""), check=_check_tags),
        Field("owner", "Owner", values.get("owner", "")),
    ]

    def edit(session: Session, data: FormData) -> int:
        from termcrm.services import companies, refs

        company = refs.company(session, company_id, archived=True)
        x, base = data.values, data.baseline
        changes = companies.CompanyChanges()
        if data.changed("name"):
            changes.name = x["name"]
        for name in COMPANY_FIELDS:
            if data.changed(name):
                changes.values[name] = x[name]
        if data.changed("owner"):
            changes.owner = x["owner"].strip()
        if data.changed("tags"):
            old, new = set(words(base["tags"].lower())), set(words(x["tags"].lower()))
            changes.add_tags, changes.remove_tags = sorted(new - old), sorted(old - new)
        companies.update_company(session, company, changes, expected_version=data.version)
        return company_id

    return FormScreen(
        f"Edit company #{company_id}",
        fields,
        edit,
        summary=f"edit company #{company_id}",
        version=version,
        reload=lambda session: company_values(session, company_id),
        what=f"company #{company_id}",
    )


# --------------------------------------------------------------------------- interactions, follow-ups


def interaction_form(
    clock: Clock,
    *,
    contact_id: int | None = None,
    company_id: int | None = None,
    deal_id: int | None = None,
    title: str = "Log an interaction",
) -> FormScreen:
    """Log a call, email, meeting, note... on a contact, company or deal."""
    fields = [
        Field("kind", "Kind", "call", kind="choice", choices=_choices(INTERACTION_KINDS)),
        Field("summary", "Summary", required=True, placeholder="what happened, in a line"),
        Field("direction", "Direction", "", kind="choice", choices=[("(none)", ""), ("in", "in"), ("out", "out")]),
        Field("outcome", "Outcome", placeholder="reached, voicemail, no answer..."),
        Field("when", "When", "now", placeholder="now, yesterday 15:00, 2026-11-20 10:00", check=_when_check(clock)),
        Field("body", "Details", kind="multiline"),
    ]

    def save(session: Session, data: FormData) -> int:
        from termcrm.models import Company, Contact
        from termcrm.services import interactions, refs

        x = data.values
        contact = refs.by_id(session, Contact, contact_id, "contact") if contact_id else None
        company = refs.by_id(session, Company, company_id, "company") if company_id and not contact else None
        occurred = dates.parse_when(x["when"], now=clock()).at if x["when"].strip() else clock()
        found = interactions.log_interaction(
            session,
            kind=x["kind"] or "note",
            summary=x["summary"],
            contact=contact,
            company=company,
            deal_id=deal_id,
            occurred_at=occurred,
            body=x["body"] or None,
            direction=x["direction"] or None,
            outcome=x["outcome"] or None,
        )
        return int(found.id or 0)

    return FormScreen(title, fields, save, summary="log interaction")


def followup_form(
    clock: Clock,
    *,
    due: str = "tomorrow",
    contact_id: int | None = None,
    company_id: int | None = None,
    deal_id: int | None = None,
    ticket_id: int | None = None,
    title: str = "New follow-up",
) -> FormScreen:
    """Add a follow-up (linked to whatever the screen shows)."""
    fields = [
        Field("title", "What", required=True, placeholder="Send the proposal"),
        Field("due", "Due", due, required=True, placeholder="fri 10:00, +3d, 2026-12-01", check=_when_check(clock)),
        Field("priority", "Priority", "normal", kind="choice", choices=_choices(FOLLOWUP_PRIORITIES)),
        Field("every", "Repeats", placeholder="week, 2 weeks, first monday of month", check=_every_check(clock)),
        Field("assignee", "Assignee", placeholder="a user name (empty: you)"),
        Field("notes", "Notes", kind="multiline"),
    ]

    def save(session: Session, data: FormData) -> int:
        from termcrm.services import followups

        x = data.values
        item = followups.add_followup(
            session,
            x["title"],
            due=x["due"],
            contact=contact_id,
            company=company_id,
            deal=deal_id,
            ticket=ticket_id,
            assignee=x["assignee"].strip() or None,
            priority=x["priority"] or "normal",
            every=x["every"].strip() or None,
            notes=x["notes"] or None,
            now=clock(),
        )
        return int(item.id or 0)

    return FormScreen(title, fields, save, summary="add follow-up")


def snooze_form(clock: Clock, followup_id: int, version: int | None) -> FormScreen:
    """Move a follow-up's due."""

    def check(text: str) -> object:
        from termcrm.errors import Invalid

        try:
            return dates.parse_when(text, now=clock())
        except Invalid:
            return dates.parse_duration(text)

    fields = [
        Field("until", "Until", "tomorrow 09:00", required=True, placeholder="+2h, tomorrow 09:00, mon", check=check)
    ]

    def save(session: Session, data: FormData) -> int:
        from termcrm.services import followups

        item = followups.get_followup(session, followup_id)
        followups.snooze_followup(session, item, data.values["until"], expected_version=data.version, now=clock())
        return followup_id

    return FormScreen(f"Snooze follow-up #{followup_id}", fields, save, summary="snooze follow-up", version=version)


# --------------------------------------------------------------------------- deals


def deal_form(
    clock: Clock,
    currency: str,
    *,
    contact_id: int | None = None,
    company_id: int | None = None,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
) -> FormScreen:
    """A new deal (for a contact or a company, in a pipeline)."""
    fields = [
        Field("title", "Title", required=True, placeholder="50 seats, annual"),
        Field("amount", "Amount", placeholder=f"12000 ({currency})", check=_amount_check(currency)),
        Field("close", "Expected close", placeholder="+30d, 2026-12-31", check=_date_check(clock)),
        Field("probability", "Probability", placeholder="the stage's, or 0-100"),
    ]
    if contact_id is None and company_id is None:
        fields.insert(1, Field("contact", "Contact", placeholder="a name, email or id"))
        fields.insert(2, Field("company", "Company", placeholder="a company name or id"))

    def save(session: Session, data: FormData) -> int:
        from termcrm.errors import Invalid
        from termcrm.models import Stage
        from termcrm.services import deals, refs

        x = data.values
        contact: Any = contact_id if contact_id is not None else (x.get("contact", "").strip() or None)
        company: Any = company_id if company_id is not None else (x.get("company", "").strip() or None)
        if contact is None and company is None:
            raise Invalid("a deal needs a contact or a company: fill in one of them")
        stage = refs.by_id(session, Stage, stage_id, "stage") if stage_id else None
        deal = deals.create_deal(
            session,
            deals.DealInput(
                title=x["title"],
                contact=contact,
                company=company,
                amount=x["amount"].strip() or None,
                currency=currency,
                pipeline=pipeline_id,
                stage=stage if stage is not None and stage.kind == "open" else None,
                probability=x["probability"].strip() or None,
                expected_close=dates.parse_date(x["close"], now=clock()) if x["close"].strip() else None,
            ),
            now=clock(),
        )
        return int(deal.id or 0)

    return FormScreen("New deal", fields, save, summary="add deal")


def deal_values(session: Session, deal_id: int) -> tuple[dict[str, str], int | None]:
    """The deal as form text, and its version."""
    from termcrm.services import deals, refs

    deal = refs.deal(session, deal_id)
    row = deals.deal_rows(session, [deal])[0]
    values = {
        "title": row["title"],
        "amount": str(row["amount"]),
        "close": row.get("expected_close") or "",
        "probability": str(row["probability"]) if row.get("probability_pinned") else "",
        "owner": row.get("owner") or "",
        "source": row.get("source") or "",
    }
    return values, deal.version


def deal_edit_form(
    clock: Clock, values: dict[str, str], currency: str, *, deal_id: int, version: int | None
) -> FormScreen:
    """Edit a deal's title, amount, expected close, probability, owner, source."""
    fields = [
        Field("title", "Title", values.get("title", ""), required=True),
        Field("amount", "Amount", values.get("amount", ""), placeholder=currency, check=_amount_check(currency)),
        Field("close", "Expected close", values.get("close", ""), check=_date_check(clock)),
        Field("probability", "Probability", values.get("probability", ""), placeholder="empty: the stage's"),
        Field("owner", "Owner", values.get("owner", "")),
        Field("source", "Source", values.get("source", "")),
    ]

    def save(session: Session, data: FormData) -> int:
        from termcrm.services import deals, refs

        deal = refs.deal(session, deal_id)
        x = data.values
        changes = deals.DealChanges()
        if data.changed("title"):
            changes.title = x["title"]
        if data.changed("amount"):
            changes.amount = x["amount"].strip()
        if data.changed("close"):
            changes.expected_close = dates.parse_date(x["close"], now=clock()) if x["close"].strip() else ""
        if data.changed("probability"):
            changes.probability = x["probability"].strip() or "auto"
        if data.changed("owner"):
            changes.owner = x["owner"].strip()
        if data.changed("source"):
            changes.source = x["source"]
        deals.update_deal(session, deal, changes, expected_version=data.version)
        return deal_id

    return FormScreen(
        f"Edit deal #{deal_id}",
        fields,
        save,
        summary=f"edit deal #{deal_id}",
        version=version,
        reload=lambda session: deal_values(session, deal_id),
        what=f"deal #{deal_id}",
    )


def lost_form(clock: Clock, deal_id: int) -> FormScreen:
    """Mark a deal lost: the reason is required."""
    fields = [Field("reason", "Lost reason", required=True, placeholder="price, timing, competitor...")]

    def save(session: Session, data: FormData) -> int:
        from termcrm.services import deals, refs

        deals.lose_deal(session, refs.deal(session, deal_id), data.values["reason"], now=clock())
        return deal_id

    return FormScreen(f"Deal #{deal_id} lost", fields, save, summary=f"lose deal #{deal_id}")


# --------------------------------------------------------------------------- tickets


def ticket_form(clock: Clock, *, contact_id: int | None = None, company_id: int | None = None) -> FormScreen:
    """Open a ticket for a contact or company."""
    fields = [
        Field("subject", "Subject", required=True, placeholder="Cannot log in"),
        Field("priority", "Priority", "normal", kind="choice", choices=_choices(TICKET_PRIORITIES)),
        Field("type", "Type", "question", kind="choice", choices=_choices(TICKET_TYPES)),
        Field("channel", "Channel", "email", kind="choice", choices=_choices(TICKET_CHANNELS)),
        Field("assignee", "Assignee", placeholder="a user name (empty: unassigned)"),
        Field("description", "Description", kind="multiline"),
    ]
    if contact_id is None and company_id is None:
        fields.insert(1, Field("contact", "Contact", required=True, placeholder="a name, email or id"))

    def save(session: Session, data: FormData) -> int:
        from termcrm.models import Company, Contact
        from termcrm.services import refs, tickets

        x = data.values
        contact = refs.by_id(session, Contact, contact_id, "contact") if contact_id else None
        if contact is None and x.get("contact", "").strip():
            contact = refs.contact(session, x["contact"].strip())
        company = refs.by_id(session, Company, company_id, "company") if company_id else None
        ticket = tickets.open_ticket(
            session,
            x["subject"],
            contact=contact,
            company=company,
            priority=x["priority"] or None,
            type=x["type"] or None,
            channel=x["channel"] or None,
            assignee=x["assignee"].strip() or None,
            description=x["description"] or None,
            now=clock(),
        )
        return int(ticket.id or 0)

    return FormScreen("New ticket", fields, save, summary="open ticket")


def comment_form(clock: Clock, ticket_id: int) -> FormScreen:
    """Comment on a ticket: a public answer, or an internal note."""
    fields = [
        Field("body", "Comment", required=True, kind="multiline"),
        Field(
            "visibility",
            "Visible to",
            "public",
            kind="choice",
            choices=[("the customer (public)", "public"), ("the team only (internal)", "internal")],
        ),
    ]

    def save(session: Session, data: FormData) -> int:
        from termcrm.models import Ticket
        from termcrm.services import refs, tickets

        ticket = refs.by_id(session, Ticket, ticket_id, "ticket")
        x = data.values
        comment = tickets.add_comment(session, ticket, x["body"], internal=x["visibility"] == "internal", now=clock())
        return int(comment.id or 0)

    return FormScreen(f"Comment on ticket #{ticket_id}", fields, save, summary="comment on ticket")


def resolve_form(clock: Clock, ticket_id: int) -> FormScreen:
    """Resolve a ticket, with an optional answer to the customer."""
    fields = [Field("note", "Answer", kind="multiline")]

    def save(session: Session, data: FormData) -> int:
        from termcrm.models import Ticket
        from termcrm.services import refs, tickets

        ticket = refs.by_id(session, Ticket, ticket_id, "ticket")
        tickets.resolve_ticket(session, ticket, note=data.values["note"] or None, now=clock())
        return ticket_id

    return FormScreen(f"Resolve ticket #{ticket_id}", fields, save, summary="resolve ticket")
