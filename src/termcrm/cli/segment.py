"""``crm segment``: saved contact filters, usable as ``@name`` in any contact filter."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from termcrm.cli.common import (
    FilterCommand,
    FormatOpt,
    LimitOpt,
    YesOpt,
    confirm,
    done,
    emit_written,
    filter_words,
    reading,
    writing,
)

app = typer.Typer(
    help="Saved contact filters: `crm segment add vip-dormant stage:customer +vip last_contacted<-90d`, "
    "then `crm contact list @vip-dormant`.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="Segment name (letters, digits, - _ .; no spaces).")]
WordsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Contact filter words: field:value, field>value, +tag, -tag, @other-segment, text.",
        show_default=False,
    ),
]


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("name"),
        Column("members", justify="right"),
        Column("campaigns", justify="right"),
        Column("filter", max_width=80),
    ]


@app.command("add", cls=FilterCommand)
def add(name: NameArg, words: WordsArg = None, fmt: FormatOpt = "table") -> None:
    """Save a segment: a name and contact filter words (checked now, evaluated whenever used)."""
    from termcrm.services import segments

    with writing() as session:
        segment = segments.create_segment(session, name, filter_words(words))
        row = segments.row(session, segment)
    emit_written(row, fmt, f"added segment @{row['name']} ({row['members']} contacts now)")


@app.command("list")
def list_(fmt: FormatOpt = "table") -> None:
    """List segments with how many contacts each matches now."""
    from termcrm.io.render import emit_list
    from termcrm.services import segments

    with reading() as session:
        rows = segments.rows(session, segments.list_segments(session))
    emit_list(rows, fmt, _columns(), empty="no segments yet: crm segment add NAME FILTER...")


@app.command("show")
def show(name: NameArg, limit: LimitOpt = None, fmt: FormatOpt = "table") -> None:
    """Show a segment: its filter, member count and the contacts in it now."""
    from termcrm.io.render import emit_one
    from termcrm.services import segments

    with reading() as session:
        segment = segments.get_segment(session, name)
        data = segments.segment_view(session, segment, limit=limit)
    emit_one(data, fmt, _print)


def _print(d: Any) -> None:
    from termcrm.io.render import Column, console, heading, print_fields, print_table

    console().print(f"[bold]@{d['name']}[/bold]")
    print_fields(
        [
            ("filter", d["filter"]),
            ("members", str(d["members"])),
            ("campaigns", str(d["campaigns"]) if d["campaigns"] else None),
        ]
    )
    heading(f"Contacts ({d['members']})")
    if d["contacts"]:
        print_table(
            d["contacts"],
            [
                Column("id", justify="right"),
                Column("name", max_width=32),
                Column("company", max_width=24),
                Column("email", max_width=32),
                Column("stage"),
                Column("tags", max_width=24),
            ],
        )
        if len(d["contacts"]) < d["members"]:
            console().print(f"… and {d['members'] - len(d['contacts'])} more")
    else:
        console().print("no contacts match now")


@app.command("edit", cls=FilterCommand)
def edit(
    name: NameArg,
    words: WordsArg = None,
    rename: Annotated[str | None, typer.Option("--rename", help="New name (segments naming it follow).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Replace a segment's filter words and/or rename it."""
    from termcrm.services import segments

    new_words = filter_words(words)
    with writing() as session:
        segment = segments.get_segment(session, name)
        segments.update_segment(session, segment, words=new_words or None, rename=rename)
        row = segments.row(session, segment)
    emit_written(row, fmt, f"updated segment @{row['name']} ({row['members']} contacts now)")


@app.command("rm")
def rm(name: NameArg, yes: YesOpt = False) -> None:
    """Delete a segment (contacts are untouched; crm undo brings it back)."""
    from termcrm.services import segments

    with reading() as session:
        label = segments.get_segment(session, name).name
    confirm(f"Delete segment @{label}?", yes)
    with writing() as session:
        segments.delete_segment(session, segments.get_segment(session, name))
    done(f"deleted segment @{label}")
