"""Exports: CSV of contacts, companies, deals, interactions, follow-ups, tickets and campaign members; vCards.

CSV files are UTF-8 with a header row and one value per cell; lists are joined
with ``; `` (emails and phones as ``label: value``), dates are ISO 8601, and
cells a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab,
carriage return) get a leading ``'`` unless ``escape_formulas`` is false.
The columns of the importable types are termcrm's own field names with ``id``
first, so ``crm import csv`` reads such a file back without flags (format
``termcrm``), undoing the formula escaping: export then import loses nothing.

Which records are exported is decided by each list service with the same
filter words as its ``list`` command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlmodel import Session, select

from termcrm import dates, money
from termcrm.errors import Invalid
from termcrm.io import csvread
from termcrm.io.vcard import VCardContact, write_vcard_dir, write_vcards

EXPORT_TYPES = ("contacts", "companies", "deals", "interactions", "followups", "tickets", "campaign-members")
"""What ``crm export csv --type`` accepts."""

VCARD_UID_PREFIX = "termcrm-contact-"
"""vCard UID of a contact without an external id: ``termcrm-contact-<id>``."""

_TICKET_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "type",
    "channel",
    "contact",
    "company",
    "assignee",
    "description",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "satisfaction",
    "satisfaction_comment",
)


@dataclass
class Export:
    """The rows of one CSV export and its columns, in order."""

    columns: list[str]
    rows: list[dict[str, Any]]


def export_type(name: str) -> str:
    """The canonical export type for ``name`` (an alias such as ``contact`` works); Invalid otherwise."""
    key = name.strip().lower()
    if key in ("campaign-members", "campaign_members", "members"):
        return "campaign-members"
    if key in ("ticket", "tickets"):
        return "tickets"
    try:
        return csvread.record_type_name(key)
    except Invalid:
        raise Invalid(f"unknown export type {name!r}; use one of: {', '.join(EXPORT_TYPES)}") from None


def _contact_refs(session: Session, ids: set[int]) -> dict[int, str]:
    """How an export names a contact so that an import finds it again: its email, else its name."""
    from termcrm.models import Contact
    from termcrm.services.contacts import primary_emails

    emails = primary_emails(session, ids)
    names: dict[int, str] = {}
    ordered = sorted(ids - set(emails))
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        for cid, name in session.exec(select(Contact.id, Contact.display_name).where(Contact.id.in_(chunk))).all():  # type: ignore[union-attr]
            names[int(cid or 0)] = str(name)
    return {**names, **emails}


def _custom_columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    keys = sorted({key for row in rows for key in (row.get("fields") or {})})
    return [f"field:{key}" for key in keys]


def _pairs(items: list[dict[str, Any]], key: str) -> list[tuple[str, str]]:
    return [(item.get("label") or "", item[key]) for item in items]


def collect(
    session: Session,
    kind: str,
    words: Sequence[str] = (),
    *,
    campaign: str | int | None = None,
    include_unsubscribed: bool = False,
    now: datetime | None = None,
) -> Export:
    """The rows and columns of a CSV export of ``kind`` (see :data:`EXPORT_TYPES`), filtered by ``words``."""
    kind = export_type(kind)
    if kind == "campaign-members":
        return _campaign_members(session, campaign, words, include_unsubscribed)
    if campaign is not None:
        raise Invalid("--campaign goes with --type campaign-members")
    if kind == "contacts":
        from termcrm.services import contacts

        found = contacts.list_contacts(session, words, sort="id", now=now)
        rows = contacts.rows(session, found)
        for row in rows:
            row["emails"] = _pairs(row["emails"], "email")
            row["phones"] = _pairs(row["phones"], "phone")
            row["birthday"] = _date(row["birthday"])
        columns = [*csvread.FIELD_NAMES["contacts"], *_custom_columns(rows), "owner", "created_at", "updated_at"]
        return Export(columns, rows)
    if kind == "companies":
        from termcrm.services import companies

        found_companies = companies.list_companies(session, words, sort="id", now=now)
        rows = companies.rows(session, found_companies)
        columns = [*csvread.FIELD_NAMES["companies"], *_custom_columns(rows), "owner", "created_at", "updated_at"]
        return Export(columns, rows)
    if kind == "deals":
        from termcrm.services import deals

        found_deals = deals.list_deals(session, words, sort="id", now=now)
        rows = deals.deal_rows(session, found_deals, now)
        people = _contact_refs(session, {d.contact_id for d in found_deals if d.contact_id})
        for deal, row in zip(found_deals, rows, strict=True):
            row["contact"] = people.get(deal.contact_id) if deal.contact_id else None
            row["amount"] = format(money.to_major(deal.amount, deal.currency), "f")
            row["probability"] = f"{deal.probability}%" if deal.probability_pinned else None
        extra = ["status", "lost_reason", "closed_at", "created_at", "updated_at"]
        return Export([*csvread.FIELD_NAMES["deals"], *extra], rows)
    if kind == "interactions":
        from termcrm.models import schema
        from termcrm.services import interactions
        from termcrm.services.common import names_by_id

        found_items = interactions.list_interactions(session, words, sort="id", now=now)
        rows = interactions.rows(session, found_items)
        people = _contact_refs(session, {i.contact_id for i in found_items if i.contact_id})
        names = names_by_id(session, schema.company.c.id, schema.company.c.name, (i.company_id for i in found_items))
        for item, row in zip(found_items, rows, strict=True):
            row["contact"] = people.get(item.contact_id) if item.contact_id else None
            row["company"] = names.get(item.company_id) if item.company_id else None
            row["occurred_at"] = dates.as_utc(item.occurred_at).isoformat()
        return Export([*csvread.FIELD_NAMES["interactions"], "user", "deal_id"], rows)
    if kind == "followups":
        from termcrm.services import followups

        found_followups = followups.list_followups(session, words, all_=True, sort="id", now=now)
        rows = followups.rows(session, found_followups, now=now)
        people = _contact_refs(session, {f.contact_id for f in found_followups if f.contact_id})
        for task, row in zip(found_followups, rows, strict=True):
            row["contact"] = people.get(task.contact_id) if task.contact_id else None
            row["due"] = (
                dates.as_utc(task.due_at).isoformat()
                if task.due_has_time
                else followups.local_due_date(task).isoformat()
            )
        extra = ["status", "recurrence", "done_at", "deal", "ticket", "created_at", "updated_at"]
        return Export([*csvread.FIELD_NAMES["followups"], *extra], rows)
    from termcrm.services import tickets

    found_tickets = list(session.exec(tickets.query_tickets(session, words, all_statuses=True, now=now)).all())
    rows = tickets.ticket_rows(session, found_tickets, now)
    people = _contact_refs(session, {t.contact_id for t in found_tickets if t.contact_id})
    for ticket, row in zip(found_tickets, rows, strict=True):
        row["contact"] = people.get(ticket.contact_id) if ticket.contact_id else None
    return Export(list(_TICKET_COLUMNS), rows)


def _date(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        from datetime import date

        return date.fromisoformat(value)
    return value


def _campaign_members(
    session: Session, campaign: str | int | None, words: Sequence[str], include_unsubscribed: bool
) -> Export:
    from termcrm.services import campaigns

    if campaign is None:
        raise Invalid("--type campaign-members needs --campaign ID")
    if words:
        raise Invalid("campaign-members exports take no filter words: they list the campaign's members")
    found = campaigns.get_campaign(session, campaign)
    rows = campaigns.member_rows_for_export(session, found, include_unsubscribed=include_unsubscribed)
    return Export(list(campaigns.EXPORT_KEYS), rows)


def write_export(export: Export, out: TextIO, *, escape_formulas: bool = True) -> int:
    """Write ``export`` as CSV to ``out`` (opened with ``newline=""``); returns the row count."""
    return csvread.write_csv(export.rows, export.columns, out, escape_formulas=escape_formulas)


def export_csv(
    session: Session,
    kind: str,
    out: TextIO,
    words: Sequence[str] = (),
    *,
    campaign: str | int | None = None,
    escape_formulas: bool = True,
    include_unsubscribed: bool = False,
    now: datetime | None = None,
) -> int:
    """Write a CSV export of ``kind`` to ``out``; returns how many records it holds."""
    export = collect(session, kind, words, campaign=campaign, include_unsubscribed=include_unsubscribed, now=now)
    return write_export(export, out, escape_formulas=escape_formulas)


# ---------------------------------------------------------------------------
# vCard
# ---------------------------------------------------------------------------


def vcard_uid(row: dict[str, Any]) -> str:
    """A contact's vCard UID: its external id (kept from the import that brought it), else ``termcrm-contact-<id>``."""
    return str(row.get("external_id") or f"{VCARD_UID_PREFIX}{row['id']}")


def vcard_contacts(session: Session, words: Sequence[str] = (), *, now: datetime | None = None) -> list[VCardContact]:
    """The contacts matching ``words`` as :class:`~termcrm.io.vcard.VCardContact` objects."""
    from termcrm.services import contacts

    found = contacts.list_contacts(session, words, sort="id", now=now)
    out = []
    for row in contacts.rows(session, found):
        data = dict(row)
        data["emails"] = _pairs(row["emails"], "email")
        data["phones"] = _pairs(row["phones"], "phone")
        data["birthday"] = _date(row["birthday"])
        data["name"] = row["name"]
        external = row.get("external_id")
        uid = vcard_uid(row)
        if external == uid:
            data.pop("external_id", None)
        out.append(VCardContact.from_data(data, uid=uid))
    return out


def export_vcard(
    session: Session,
    words: Sequence[str] = (),
    *,
    version: str = "3.0",
    directory: str | Path | None = None,
    now: datetime | None = None,
) -> tuple[str | None, int]:
    """vCards of the contacts matching ``words``: ``(text, count)`` for one file, or with
    ``directory`` one ``UID.vcf`` per contact written there (``(None, count)``)."""
    cards = vcard_contacts(session, words, now=now)
    if directory is not None:
        write_vcard_dir(cards, directory, version)
        return None, len(cards)
    return write_vcards(cards, version), len(cards)
