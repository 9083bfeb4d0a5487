"""``crm contact``: add, list, show, edit, archive, restore, duplicates and merge."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from termcrm.cli.common import (
    FilterArg,
    FilterCommand,
    FormatOpt,
    LimitOpt,
    SortOpt,
    YesOpt,
    confirm,
    done,
    emit_written,
    filter_words,
    reading,
    writing,
)

app = typer.Typer(help="Contacts: add, list, show, edit, archive, duplicates and merge.", no_args_is_help=True)

EmailOpt = Annotated[
    list[str] | None, typer.Option("--email", "-e", help="Email address (label=addr for a label); repeatable.")
]
PhoneOpt = Annotated[list[str] | None, typer.Option("--phone", "-p", help="Phone number (label=number); repeatable.")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag; repeatable.")]
FieldOpt = Annotated[list[str] | None, typer.Option("--field", help="Custom field key=value; repeatable.")]


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("name", max_width=32),
        Column("company", max_width=24),
        Column("email", max_width=32),
        Column("stage"),
        Column("tags", max_width=24),
        Column("last_contacted_at", "last contacted", fmt=_date),
        Column("owner"),
    ]


def _date(value: Any, _row: Any) -> str:
    from termcrm.cli.views import when

    return when(value, with_time=False)


def _cadence(value: str | None) -> int | None:
    if value is None:
        return None
    from termcrm.dates import parse_duration

    days = parse_duration(value).days
    if days <= 0:
        from termcrm.errors import Invalid

        raise Invalid("cadence must be at least one day, e.g. 30d or 2w")
    return days


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help='Full name ("Ann Lee" or "Lee, Ann").')],
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="Company name or id (created when new).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    tag: TagOpt = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Lifecycle stage (default lead).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source channel (referral, web, event...).")] = None,
    birthday: Annotated[str | None, typer.Option("--birthday", help="Birthday (YYYY-MM-DD).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner (a user name; default you).")] = None,
    field: FieldOpt = None,
    note: Annotated[str | None, typer.Option("--note", help="Notes.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="City.")] = None,
    country: Annotated[str | None, typer.Option("--country", help="Country.")] = None,
    website: Annotated[str | None, typer.Option("--website", help="Website.")] = None,
    cadence: Annotated[str | None, typer.Option("--cadence", help="Stay in touch every N days (30d, 2w).")] = None,
    allow_duplicate: Annotated[
        bool, typer.Option("--allow-duplicate", help="Add even if the email belongs to another contact.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Add a contact."""
    from termcrm.dates import parse_date
    from termcrm.services import contacts

    first, last = contacts.split_name(name)
    data = contacts.ContactInput(
        first_name=first,
        last_name=last,
        emails=email or [],
        phones=phone or [],
        company=company,
        title=title,
        tags=tag or [],
        stage=stage,
        source=source,
        birthday=parse_date(birthday) if birthday else None,
        owner=owner,
        fields=contacts.parse_fields(field or []),
        notes=note,
        city=city,
        country=country,
        website=website,
        cadence_days=_cadence(cadence),
    )
    with writing() as session:
        contact = contacts.create_contact(session, data, allow_duplicate=allow_duplicate)
        session.flush()
        row = contacts.rows(session, [contact])[0]
    emit_written(row, fmt, f"added contact #{row['id']} {row['name']}")


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    archived: Annotated[bool, typer.Option("--archived", help="List archived contacts instead.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """List contacts matching filter words (e.g. stage:customer +vip city:berlin created>-30d)."""
    from termcrm.io.render import emit_list
    from termcrm.services import contacts

    with reading() as session:
        found = contacts.list_contacts(session, filter_words(filters), sort=sort, limit=limit, archived=archived)
        rows = contacts.rows(session, found)
    emit_list(rows, fmt, _columns(), empty="no contacts match")


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="Contact id, email or name.")],
    fmt: FormatOpt = "table",
) -> None:
    """Show a contact: every field, company, interactions, deals, follow-ups, tickets."""
    from termcrm.io.render import emit_one
    from termcrm.services import contacts, refs

    with reading() as session:
        contact = refs.contact_row(session, ref, archived=True)
        data = contacts.contact_view(session, contact)
    emit_one(data, fmt, _print_view)


def _print_view(d: Any) -> None:
    from termcrm.cli.views import print_contact

    print_contact(d)


@app.command("edit")
def edit(
    ref: Annotated[str, typer.Argument(help="Contact id, email or name.")],
    name: Annotated[str | None, typer.Option("--name", help="New full name.")] = None,
    first_name: Annotated[str | None, typer.Option("--first-name", help="First name.")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name", help="Last name.")] = None,
    email: EmailOpt = None,
    add_email: Annotated[list[str] | None, typer.Option("--add-email", help="Add an email; repeatable.")] = None,
    remove_email: Annotated[
        list[str] | None, typer.Option("--remove-email", help="Remove an email; repeatable.")
    ] = None,
    primary_email: Annotated[
        str | None, typer.Option("--primary-email", help="Make this email the primary one.")
    ] = None,
    phone: PhoneOpt = None,
    add_phone: Annotated[list[str] | None, typer.Option("--add-phone", help="Add a phone; repeatable.")] = None,
    remove_phone: Annotated[
        list[str] | None, typer.Option("--remove-phone", help="Remove a phone; repeatable.")
    ] = None,
    company: Annotated[str | None, typer.Option("--company", "-c", help="Company name or id ('' to unset).")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title ('' to clear).")] = None,
    tag: TagOpt = None,
    add_tag: Annotated[list[str] | None, typer.Option("--add-tag", help="Add a tag; repeatable.")] = None,
    remove_tag: Annotated[list[str] | None, typer.Option("--remove-tag", help="Remove a tag; repeatable.")] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Lifecycle stage.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source channel.")] = None,
    birthday: Annotated[str | None, typer.Option("--birthday", help="Birthday (YYYY-MM-DD, '' to clear).")] = None,
    gender: Annotated[str | None, typer.Option("--gender", help="Gender.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner user name.")] = None,
    field: FieldOpt = None,
    unset_field: Annotated[
        list[str] | None, typer.Option("--unset-field", help="Remove a custom field; repeatable.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Notes (replaces).")] = None,
    street: Annotated[str | None, typer.Option("--street", help="Street.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="City.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Region or state.")] = None,
    postal_code: Annotated[str | None, typer.Option("--postal-code", help="Postal code.")] = None,
    country: Annotated[str | None, typer.Option("--country", help="Country.")] = None,
    website: Annotated[str | None, typer.Option("--website", help="Website.")] = None,
    cadence: Annotated[str | None, typer.Option("--cadence", help="Stay in touch every N days (30d, 2w).")] = None,
    no_cadence: Annotated[bool, typer.Option("--no-cadence", help="Stop tracking a stay-in-touch cadence.")] = False,
    allow_duplicate: Annotated[
        bool, typer.Option("--allow-duplicate", help="Allow an email another contact has.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Change a contact's fields, emails, phones, tags and custom fields."""
    from termcrm.dates import parse_date
    from termcrm.services import contacts, refs

    values: dict[str, Any] = {}
    for key, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("title", title),
        ("stage", stage),
        ("source", source),
        ("gender", gender),
        ("notes", note),
        ("street", street),
        ("city", city),
        ("region", region),
        ("postal_code", postal_code),
        ("country", country),
        ("website", website),
    ):
        if value is not None:
            values[key] = value
    if birthday is not None:
        values["birthday"] = parse_date(birthday) if birthday else None
    if cadence is not None:
        values["cadence_days"] = _cadence(cadence)
    if no_cadence:
        values["cadence_days"] = None
    changes = contacts.ContactChanges(
        values=values,
        name=name,
        company=company,
        owner=owner,
        add_tags=[*(tag or []), *(add_tag or [])],
        remove_tags=remove_tag or [],
        add_emails=[*(email or []), *(add_email or [])],
        remove_emails=remove_email or [],
        primary_email=primary_email,
        add_phones=[*(phone or []), *(add_phone or [])],
        remove_phones=remove_phone or [],
        set_fields=contacts.parse_fields(field or []),
        unset_fields=unset_field or [],
        allow_duplicate=allow_duplicate,
    )
    with writing() as session:
        contact = refs.contact(session, ref)
        contacts.update_contact(session, contact, changes)
        session.flush()
        row = contacts.rows(session, [contact])[0]
    emit_written(row, fmt, f"updated contact #{row['id']} {row['name']}")


@app.command("rm")
def rm(
    ref: Annotated[str, typer.Argument(help="Contact id, email or name.")],
    yes: YesOpt = False,
) -> None:
    """Archive a contact (crm undo or crm contact restore brings it back)."""
    from termcrm.services import contacts, refs

    with reading() as session:
        contact = refs.contact(session, ref)
        label = f"#{contact.id} {contact.display_name}"
    confirm(f"Archive contact {label}?", yes)
    with writing() as session:
        contact = refs.contact(session, ref)
        contacts.archive_contact(session, contact)
    done(f"archived contact {label}")


@app.command("restore")
def restore(ref: Annotated[str, typer.Argument(help="Contact id, email or name (archived).")]) -> None:
    """Restore an archived contact."""
    from termcrm.services import contacts, refs

    with writing() as session:
        contact = refs.contact(session, ref, archived=True)
        contacts.restore_contact(session, contact)
        label = f"#{contact.id} {contact.display_name}"
    done(f"restored contact {label}")


@app.command("dupes")
def dupes(
    min_score: Annotated[int, typer.Option("--min-score", help="Only pairs scoring at least this (0-100).")] = 60,
    limit: LimitOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List likely duplicate contacts with a score."""
    from termcrm.io.render import Column, emit_list
    from termcrm.services import contacts

    with reading() as session:
        rows = contacts.duplicate_rows(session, contacts.find_duplicates(session, min_score=min_score, limit=limit))
    emit_list(
        rows,
        fmt,
        [
            Column("score", justify="right"),
            Column("keep_id", "keep", justify="right"),
            Column("keep"),
            Column("other_id", "other", justify="right"),
            Column("other"),
            Column("reasons"),
        ],
        empty="no likely duplicates",
    )


@app.command("merge")
def merge(
    keep: Annotated[str, typer.Argument(help="The contact to keep.")],
    other: Annotated[str, typer.Argument(help="The contact merged into it and archived.")],
    yes: YesOpt = False,
) -> None:
    """Merge OTHER into KEEP: fill empty fields, union emails/phones/tags, move related records."""
    from termcrm.services import contacts, refs

    with reading() as session:
        a = refs.contact_row(session, keep)
        b = refs.contact_row(session, other)
        label = f"#{b.id} {b.display_name} into #{a.id} {a.display_name}"
    confirm(f"Merge {label}?", yes)
    with writing() as session:
        contacts.merge_contacts(session, refs.contact(session, keep), refs.contact(session, other))
    done(f"merged {label} (crm undo reverts it)")
