"""``crm company``: add, list, show, edit, archive and restore companies."""

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

app = typer.Typer(help="Companies: add, list, show, edit, archive.", no_args_is_help=True)

RefArg = Annotated[str, typer.Argument(help="Company id or name (a unique part of the name will do).")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag; repeatable.")]
FieldOpt = Annotated[list[str] | None, typer.Option("--field", help="Custom field key=value; repeatable.")]
DomainOpt = Annotated[str | None, typer.Option("--domain", help="Web domain (example.com).")]
IndustryOpt = Annotated[str | None, typer.Option("--industry", help="Industry.")]
SizeOpt = Annotated[str | None, typer.Option("--size", help="Size (e.g. 11-50).")]
StreetOpt = Annotated[str | None, typer.Option("--street", help="Street.")]
CityOpt = Annotated[str | None, typer.Option("--city", help="City.")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="Region or state.")]
PostalOpt = Annotated[str | None, typer.Option("--postal-code", help="Postal code.")]
CountryOpt = Annotated[str | None, typer.Option("--country", help="Country.")]
WebsiteOpt = Annotated[str | None, typer.Option("--website", help="Website.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Notes (replaces the old ones on edit).")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", help="Owner (a user name; default you).")]


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("name", max_width=32),
        Column("domain", max_width=28),
        Column("industry", max_width=20),
        Column("contacts", "people", justify="right"),
        Column("tags", max_width=24),
        Column("owner"),
    ]


def _values(**values: str | None) -> dict[str, str | None]:
    """The plain fields given on the command line (None means not given)."""
    return {key: value for key, value in values.items() if value is not None}


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Company name (unique regardless of case).")],
    domain: DomainOpt = None,
    industry: IndustryOpt = None,
    size: SizeOpt = None,
    street: StreetOpt = None,
    city: CityOpt = None,
    region: RegionOpt = None,
    postal_code: PostalOpt = None,
    country: CountryOpt = None,
    website: WebsiteOpt = None,
    note: NoteOpt = None,
    tag: TagOpt = None,
    field: FieldOpt = None,
    owner: OwnerOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Add a company."""
    from termcrm.services import companies, contacts

    data = companies.CompanyInput(
        name=name,
        values=_values(
            domain=domain,
            industry=industry,
            size=size,
            street=street,
            city=city,
            region=region,
            postal_code=postal_code,
            country=country,
            website=website,
            notes=note,
        ),
        tags=tag or [],
        fields=contacts.parse_fields(field or []),
        owner=owner,
    )
    with writing() as session:
        company = companies.create_company(session, data)
        session.flush()
        row = companies.rows(session, [company])[0]
    emit_written(row, fmt, f"added company #{row['id']} {row['name']}")


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    archived: Annotated[bool, typer.Option("--archived", help="List archived companies instead.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """List companies matching filter words (e.g. industry:software +partner city:berlin)."""
    from termcrm.io.render import emit_list
    from termcrm.services import companies

    with reading() as session:
        found = companies.list_companies(session, filter_words(filters), sort=sort, limit=limit, archived=archived)
        rows = companies.rows(session, found)
    emit_list(rows, fmt, _columns(), empty="no companies match")


@app.command("show")
def show(ref: RefArg, fmt: FormatOpt = "table") -> None:
    """Show a company: its fields, people, recent interactions and the modules' sections."""
    from termcrm.io.render import emit_one
    from termcrm.services import companies, refs

    with reading() as session:
        company = refs.company(session, ref, archived=True)
        data = companies.company_view(session, company)
    emit_one(data, fmt, _print_view)


def _print_view(d: Any) -> None:
    from termcrm.cli.views import print_company

    print_company(d)


@app.command("edit")
def edit(
    ref: RefArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    domain: DomainOpt = None,
    industry: IndustryOpt = None,
    size: SizeOpt = None,
    street: StreetOpt = None,
    city: CityOpt = None,
    region: RegionOpt = None,
    postal_code: PostalOpt = None,
    country: CountryOpt = None,
    website: WebsiteOpt = None,
    note: NoteOpt = None,
    tag: TagOpt = None,
    add_tag: Annotated[list[str] | None, typer.Option("--add-tag", help="Add a tag; repeatable.")] = None,
    remove_tag: Annotated[list[str] | None, typer.Option("--remove-tag", help="Remove a tag; repeatable.")] = None,
    field: FieldOpt = None,
    unset_field: Annotated[
        list[str] | None, typer.Option("--unset-field", help="Remove a custom field; repeatable.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner user name ('' to unset).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Change a company's fields, tags and custom fields ('' clears a field)."""
    from termcrm.services import companies, contacts, refs

    changes = companies.CompanyChanges(
        name=name,
        values=_values(
            domain=domain,
            industry=industry,
            size=size,
            street=street,
            city=city,
            region=region,
            postal_code=postal_code,
            country=country,
            website=website,
            notes=note,
        ),
        owner=owner,
        add_tags=[*(tag or []), *(add_tag or [])],
        remove_tags=remove_tag or [],
        set_fields=contacts.parse_fields(field or []),
        unset_fields=unset_field or [],
    )
    with writing() as session:
        company = refs.company(session, ref)
        companies.update_company(session, company, changes)
        session.flush()
        row = companies.rows(session, [company])[0]
    emit_written(row, fmt, f"updated company #{row['id']} {row['name']}")


@app.command("rm")
def rm(ref: RefArg, yes: YesOpt = False) -> None:
    """Archive a company; its contacts stay (crm undo or crm company restore brings it back)."""
    from termcrm.services import companies, refs

    with reading() as session:
        company = refs.company(session, ref)
        label = f"#{company.id} {company.name}"
        company_id = company.id
    confirm(f"Archive company {label}?", yes)
    with writing() as session:
        companies.archive_company(session, refs.company(session, str(company_id)))
    done(f"archived company {label}")


@app.command("restore")
def restore(ref: RefArg) -> None:
    """Restore an archived company."""
    from termcrm.services import companies, refs

    with writing() as session:
        company = refs.company(session, ref, archived=True)
        companies.restore_company(session, company)
        label = f"#{company.id} {company.name}"
    done(f"restored company {label}")
