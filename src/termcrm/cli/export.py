"""``crm export``: write records out in formats other programs read: CSV, vCard, iCalendar, a JSON dump."""

from __future__ import annotations

from typing import Annotated

import typer

from termcrm.cli.common import FilterArg, FilterCommand, done, filter_words, reading, settings
from termcrm.errors import Invalid

app = typer.Typer(help="Export CSV, vCard, iCalendar or a JSON dump.", no_args_is_help=True)


@app.callback()
def _export() -> None:
    """Export CSV, vCard, iCalendar or a JSON dump."""


def _write_output(text: str, output: str | None, *, newline: str = "") -> str:
    """Write ``text`` to ``output`` (``-`` or None: standard output) atomically; returns where it went."""
    import os
    import sys
    from pathlib import Path

    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return "standard output"
    path = Path(output).expanduser()
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        raise Invalid(f"cannot write {path}: {exc.strerror or exc}") from None
    return str(path)


@app.command("ical")
def ical(
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to FILE (default: standard output).")
    ] = None,
    as_: Annotated[
        str, typer.Option("--as", help="todo (VTODO, for task apps) or event (VEVENT, for Google Calendar, khal).")
    ] = "todo",
    user: Annotated[str | None, typer.Option("--user", "-u", help="Whose follow-ups (default: yours).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Everyone's follow-ups.")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Include done and cancelled follow-ups.")] = False,
) -> None:
    """Export follow-ups as an RFC 5545 iCalendar file (stable UIDs, so re-importing updates them)."""
    from termcrm import dates
    from termcrm.io.ical import write_calendar
    from termcrm.services import followups, refs

    if as_ not in ("todo", "event"):
        raise Invalid(f"--as {as_!r} is not todo or event")
    if user and all_:
        raise Invalid("give --user U or --all, not both")
    with reading() as session:
        if user:
            refs.user(session, user)
        who = None if all_ else (user or settings().user)
        items = followups.export_followups(session, user=who, include_closed=closed)
        calendar = write_calendar(followups.calendar_items(session, items), as_=as_, stamp=dates.utcnow())
    where = _write_output(calendar, output)
    if output not in (None, "-"):
        done(f"exported {len(items)} follow-up{'s' if len(items) != 1 else ''} to {where}")


@app.command("csv", cls=FilterCommand)
def csv_(
    filters: FilterArg = None,
    type_: Annotated[
        str,
        typer.Option(
            "--type",
            "-t",
            help="What to export: contacts, companies, deals, interactions, followups, tickets or campaign-members.",
        ),
    ] = "contacts",
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="The campaign (id or name) of --type campaign-members.")
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to FILE (default or -: standard output).")
    ] = None,
    no_escape: Annotated[
        bool,
        typer.Option(
            "--no-escape-formulas",
            help="Write cells starting with = + - @ as they are (no leading ' for spreadsheets).",
        ),
    ] = False,
    unsubscribed: Annotated[
        bool, typer.Option("--include-unsubscribed", help="campaign-members: include members who unsubscribed.")
    ] = False,
) -> None:
    """Export records as CSV (UTF-8, a header row, lists joined with "; "), filtered by filter words.

    crm import csv reads the file back as it was (formula escaping included).
    """
    import io

    from termcrm.services import exporter

    buffer = io.StringIO(newline="")
    with reading() as session:
        count = exporter.export_csv(
            session,
            type_,
            buffer,
            filter_words(filters),
            campaign=campaign,
            escape_formulas=not no_escape,
            include_unsubscribed=unsubscribed,
        )
    where = _write_output(buffer.getvalue(), output)
    if output not in (None, "-"):
        done(f"exported {count} record{'s' if count != 1 else ''} ({exporter.export_type(type_)}) to {where}")


@app.command("vcard", cls=FilterCommand)
def vcard(
    filters: FilterArg = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write one .vcf file (default or -: standard output).")
    ] = None,
    directory: Annotated[
        str | None, typer.Option("--dir", help="Write one UID.vcf file per contact into this directory instead.")
    ] = None,
    version: Annotated[str, typer.Option("--version", help="vCard version: 3.0 or 4.0.")] = "3.0",
) -> None:
    """Export contacts matching the filter words as vCards (UIDs kept, so re-importing matches them)."""
    from termcrm.services import exporter

    if output is not None and directory is not None:
        raise Invalid("give -o FILE or --dir DIR, not both")
    with reading() as session:
        text, count = exporter.export_vcard(session, filter_words(filters), version=version, directory=directory)
    if text is not None:
        where = _write_output(text, output)
    else:
        where = str(directory)
    if output not in (None, "-") or directory is not None:
        done(f"exported {count} contact{'s' if count != 1 else ''} as vCard {version} to {where}")


@app.command("json")
def json_(
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to FILE (default or -: standard output).")
    ] = None,
) -> None:
    """Dump every record of every table as one JSON document (stable order, diff-friendly).

    crm import json restores it into an empty database exactly.
    """
    from termcrm.services import dump

    with reading() as session:
        text = dump.dump(session)
    where = _write_output(text, output, newline="\n")
    if output not in (None, "-"):
        done(f"dumped the database to {where}")
