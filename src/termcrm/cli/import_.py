"""``crm import``: CSV files from other programs, vCards, JSON dumps; the batches and their undo."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, LimitOpt, YesOpt, confirm, database, done, reading, state, writing
from termcrm.errors import Invalid, InvalidFile

if TYPE_CHECKING:
    from termcrm.services.importer import ImportResult, InvalidRow

app = typer.Typer(help="Import CSV, vCard or a JSON dump.", no_args_is_help=True)


@app.callback()
def _import() -> None:
    """Import CSV, vCard or a JSON dump; list import batches and undo one."""


TypeOpt = Annotated[
    str | None,
    typer.Option(
        "--type",
        "-t",
        help="What the file holds: contacts (default), companies, deals, interactions, followups or "
        "campaign-responses.",
        show_default=False,
    ),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help='Map a column to a field: "Column=field" (or =ignore); repeatable.'),
]
MatchOpt = Annotated[
    str | None,
    typer.Option(
        "--match",
        help="Find duplicates by: email (contacts' default), phone, name (companies' default), "
        "external_id, id, domain, or none.",
    ),
]
DuplicateOpt = Annotated[
    str,
    typer.Option("--on-duplicate", help="When a row matches a record: skip it, update the record, or create anyway."),
]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", help="Add this tag to every imported record; repeatable.")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show the format, the mapping and what would happen; write nothing.")
]
SkipOpt = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Import the valid rows and leave out the invalid ones (default: import nothing if any is invalid).",
    ),
]
ErrorsOpt = Annotated[
    str | None,
    typer.Option("--errors-out", help="Write the invalid rows, with the reason, to this file (CSV)."),
]


def _read_input(path: str) -> tuple[bytes, str]:
    """The bytes of FILE (``-``: standard input) and a name for it."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
        return data, "standard input"
    from pathlib import Path

    file = Path(path).expanduser()
    try:
        return file.read_bytes(), file.name
    except IsADirectoryError:
        raise InvalidFile(f"{path!r} is a directory, not a file") from None
    except OSError as exc:
        raise InvalidFile(f"cannot read {path!r}: {exc.strerror or exc}") from None


@contextmanager
def _progress(fmt: str) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on stderr when it is a terminal (and the output is for people); silent otherwise."""
    if fmt != "table" or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from termcrm.io.render import console

    with Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def report(phase: str, done_: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=max(total, 1))
            bar.update(tasks[phase], completed=done_, total=max(total, 1))

        yield report


def _write_errors(path: str, invalid: list[InvalidRow], header: list[str], delimiter: str) -> None:
    """The invalid rows as a CSV file: the original columns and an ``error`` column."""
    import csv
    from pathlib import Path

    target = Path(path).expanduser()
    try:
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter if len(delimiter) == 1 else ",", lineterminator="\r\n")
            if header:
                writer.writerow([*header, "error"])
                for row in invalid:
                    cells = list(row.cells) + [""] * max(0, len(header) - len(row.cells))
                    writer.writerow([*cells, row.reason])
            else:
                writer.writerow(["line", "record", "error"])
                for row in invalid:
                    writer.writerow([row.line, row.label, row.reason])
    except OSError as exc:
        raise InvalidFile(f"cannot write {path!r}: {exc.strerror or exc}") from None


def _report_invalid(invalid: list[InvalidRow], limit: int = 20) -> None:
    problems = [problem for row in invalid for problem in row.problems]
    for problem in problems[:limit]:
        sys.stderr.write(f"invalid: {problem}\n")
    if len(problems) > limit:
        sys.stderr.write(f"invalid: ... and {len(problems) - limit} more (--errors-out FILE lists every one)\n")


def _run_import(
    run: Callable[[Any, Callable[[str, int, int], None] | None], ImportResult],
    *,
    summary: str,
    dry_run: bool,
    errors_out: str | None,
    fmt: str,
) -> ImportResult:
    """Run an import in one write session (a read session for a dry run), handling invalid rows."""
    from termcrm.services.importer import InvalidRows

    try:
        with _progress(fmt) as report:
            if dry_run:
                with database().read() as session:
                    result = run(session, report)
                    session.rollback()
            else:
                with writing(summary) as session:
                    result = run(session, report)
    except InvalidRows as exc:
        if fmt == "table":
            _report_invalid(exc.invalid)
        if errors_out:
            _write_errors(errors_out, exc.invalid, exc.header, exc.delimiter)
        raise
    if result.invalid:
        if fmt == "table":
            _report_invalid(result.invalid)
        if errors_out:
            _write_errors(errors_out, result.invalid, result.header, result.delimiter)
    return result


def _emit_result(result: ImportResult, fmt: str) -> None:
    """A summary for people (stderr, or stdout for a dry run), or the result as JSON."""
    if fmt in ("json", "jsonl"):
        import json

        from termcrm.io.render import dumps

        data = result.as_json(outcomes=result.dry_run)
        sys.stdout.write((dumps(data) if fmt == "json" else json.dumps(data, ensure_ascii=False)) + "\n")
        return
    if fmt == "ids":
        for outcome in result.outcomes:
            if outcome.action != "skip" and outcome.record_id is not None:
                sys.stdout.write(f"{outcome.record_id}\n")
        return
    counts = f"{result.created} created, {result.updated} updated, {result.skipped} skipped"
    if result.invalid:
        counts += f", {len(result.invalid)} invalid left out"
    if result.dry_run:
        _print_dry_run(result, counts)
        return
    where = result.source or "standard input"
    detected = f" ({result.format_title})" if result.format_title else ""
    undo = f"; undo with: crm import undo {result.batch_id}" if result.batch_id else ""
    done(f"imported {result.record_type} from {where}{detected}: {counts} — batch #{result.batch_id}{undo}")


def _print_dry_run(result: ImportResult, counts: str) -> None:
    from termcrm.io.render import Column, console, print_table

    out = console()
    out.print(f"dry run: nothing was written. File: {result.source or 'standard input'}")
    out.print(f"format:  {result.format_title} ({result.format})")
    out.print(f"match:   {result.match}, on duplicate: {result.on_duplicate}")
    if result.mapping:
        rows: list[dict[str, Any]] = [{"column": col, "field": target} for col, target in result.mapping.items()]
        rows += [{"column": col, "field": "(not imported)"} for col in result.unmapped]
        print_table(rows, [Column("column"), Column("field")], title="mapping")
    out.print(f"would be: {counts}")
    shown = result.outcomes[:50]
    if shown:
        rows = [
            {"line": o.line or "", "action": o.action, "record": o.label, "id": o.record_id, "note": o.note}
            for o in shown
        ]
        columns = [
            Column("line", justify="right"),
            Column("action"),
            Column("record", max_width=48),
            Column("id", justify="right"),
            Column("note", max_width=40),
        ]
        print_table(rows, columns)
    if len(result.outcomes) > len(shown):
        out.print(f"... and {len(result.outcomes) - len(shown)} more rows (-f json lists every one)")


@app.command("csv")
def csv_(
    file: Annotated[str, typer.Argument(help="The CSV file (- reads standard input).")],
    type_: TypeOpt = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="The campaign (id or name) of --type campaign-responses.")
    ] = None,
    map_: MapOpt = None,
    mapping: Annotated[
        str | None, typer.Option("--mapping", help="Read the column mapping from this TOML file.")
    ] = None,
    save_mapping: Annotated[
        str | None, typer.Option("--save-mapping", help="Save the mapping used to this TOML file, for next time.")
    ] = None,
    match: MatchOpt = None,
    on_duplicate: DuplicateOpt = "skip",
    tag: TagOpt = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="The file's encoding (default: detected: UTF-8/16, cp1252).")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="The cell separator: , ; tab or | (default: detected).")
    ] = None,
    fmt_name: Annotated[
        str | None,
        typer.Option("--from", help="Read the file as this program's export (google, outlook, hubspot...)."),
    ] = None,
    dry_run: DryRunOpt = False,
    skip_invalid: SkipOpt = False,
    errors_out: ErrorsOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Import a CSV file: exports of Google Contacts, Outlook, LinkedIn, HubSpot, Salesforce, Pipedrive,
    Thunderbird and termcrm are recognised by their columns; others map by column names or --map.

    Nothing is written when a row is invalid (exit 5) unless --skip-invalid.
    """
    from termcrm.io import csvread
    from termcrm.services import importer

    kind = type_.strip().lower() if type_ else None
    if kind == "campaign-responses" and (mapping or map_ or save_mapping):
        raise Invalid("--map, --mapping and --save-mapping apply to record files, not campaign responses")
    loaded = csvread.load_mapping(mapping, kind) if mapping else None
    kind = kind or (loaded.record_type if loaded is not None else "contacts")
    data, source = _read_input(file)

    def run(session: Any, report: Callable[[str, int, int], None] | None) -> ImportResult:
        return importer.import_csv(
            session,
            data,
            record_type=kind,
            source=source,
            encoding=encoding,
            delimiter=delimiter,
            fmt=fmt_name,
            mapping=loaded,
            maps=map_ or [],
            match=match,
            on_duplicate=on_duplicate,
            tags=tag or [],
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            campaign=campaign,
            progress=report,
        )

    result = _run_import(run, summary=f"import {kind} from {source}", dry_run=dry_run, errors_out=errors_out, fmt=fmt)
    if save_mapping:
        csvread.save_mapping(
            csvread.Mapping(
                columns={**result.mapping, **dict.fromkeys(result.unmapped, "ignore")},
                format=result.format,
                record_type=result.record_type,
                date_order=loaded.date_order if loaded is not None else None,
            ),
            save_mapping,
        )
    _emit_result(result, fmt)


@app.command("vcard")
def vcard(
    path: Annotated[str, typer.Argument(help="A .vcf file (- reads standard input) or a directory of .vcf files.")],
    match: MatchOpt = None,
    on_duplicate: DuplicateOpt = "skip",
    tag: TagOpt = None,
    dry_run: DryRunOpt = False,
    skip_invalid: SkipOpt = False,
    errors_out: ErrorsOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Import contacts from vCards (2.1, 3.0, 4.0): one file with many cards, or a directory with one card
    per file (khard, vdirsyncer). A card's UID is kept, so importing it again finds the same contact."""
    from pathlib import Path

    from termcrm.io import vcard as vcard_io
    from termcrm.services import importer

    target = Path(path).expanduser()
    if path != "-" and target.is_dir():
        cards = vcard_io.parse_vcard_dir(target)
        source = target.name or str(target)
    else:
        data, source = _read_input(path)
        cards = vcard_io.parse_vcards(data)

    def run(session: Any, report: Callable[[str, int, int], None] | None) -> ImportResult:
        return importer.import_vcards(
            session,
            cards,
            source=source,
            match=match,
            on_duplicate=on_duplicate,
            tags=tag or [],
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            progress=report,
        )

    result = _run_import(run, summary=f"import vCards from {source}", dry_run=dry_run, errors_out=errors_out, fmt=fmt)
    _emit_result(result, fmt)


@app.command("json")
def json_(
    file: Annotated[str, typer.Argument(help="A dump written by crm export json (- reads standard input).")],
    fmt: FormatOpt = "table",
) -> None:
    """Restore a JSON dump into an empty database: every record, id, history entry and timestamp."""
    from termcrm.services import dump

    data, source = _read_input(file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFile(f"{source} is not UTF-8 text: not a termcrm dump") from None
    with writing(f"restore dump {source}") as session:
        result = dump.restore(session, text)
    if fmt in ("json", "jsonl"):
        from termcrm.io.render import dumps

        sys.stdout.write(dumps(result.as_json()) + "\n")
        return
    done(
        f"restored {result.total} rows in {sum(1 for n in result.rows.values() if n)} tables from {source} "
        f"(schema {result.schema_revision}); search index rebuilt ({result.documents} documents)"
    )


@app.command("list")
def list_(limit: LimitOpt = None, fmt: FormatOpt = "table") -> None:
    """List import batches, newest first."""
    from termcrm.io.render import Column, emit_list
    from termcrm.services import importer

    with reading() as session:
        rows = importer.list_batches(session, limit=limit)
    columns = [
        Column("id", justify="right"),
        Column("at", fmt=_when),
        Column("kind"),
        Column("source", max_width=32),
        Column("format"),
        Column("user"),
        Column("created", justify="right"),
        Column("updated", justify="right"),
        Column("skipped", justify="right"),
        Column("undone_at", "undone", fmt=_when),
    ]
    emit_list(rows, fmt, columns, empty="no imports yet")


def _when(value: Any, _row: Any) -> str:
    from termcrm.cli.views import when

    return when(value)


@app.command("undo")
def undo(
    batch: Annotated[str, typer.Argument(help="The batch id (see crm import list).")],
    yes: YesOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Undo an import: remove the records it created and restore those it updated.

    Refused (exit 4, nothing changed) when a record it touched was changed since.
    """
    from termcrm.services import importer

    confirm(f"Undo import batch {batch} (removes what it created)?", yes)
    with writing(f"undo import batch {batch}") as session:
        result = importer.undo_batch(session, batch)
    if fmt in ("json", "jsonl"):
        from termcrm.io.render import dumps

        sys.stdout.write(dumps(result.as_json()) + "\n")
        return
    if state().format == "ids":
        sys.stdout.write(f"{result.batch_id}\n")
        return
    done(
        f"undid import batch #{result.batch_id} ({result.kind} from {result.source or 'standard input'}): "
        f"{result.removed} removed, {result.restored} restored"
    )
