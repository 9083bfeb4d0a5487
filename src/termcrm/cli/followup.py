"""``crm followup``: add, list, show, edit, rm, done, snooze and cancel follow-ups."""

from __future__ import annotations

from collections.abc import Mapping
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

app = typer.Typer(help="Follow-ups: tasks with due dates, recurrence, snooze.", no_args_is_help=True)

IdArg = Annotated[str, typer.Argument(help="Follow-up id (as shown by crm followup list).")]
EVERY_HELP = (
    "Repeat: day, week, month, year, '2 weeks', weekdays, 'mon,thu', 'last friday of month',"
    " '15th of month' or a raw RRULE such as FREQ=WEEKLY;BYDAY=MO."
)


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("due", fmt=_due_cell),
        Column("title", max_width=48),
        Column("contact", max_width=24),
        Column("company", max_width=20),
        Column("deal_id", "deal", fmt=lambda v, _r: f"#{v}" if v else ""),
        Column("priority"),
        Column("assignee"),
        Column("recurrence_text", "every", max_width=28),
        Column("status"),
    ]


def _due_cell(value: Any, row: Mapping[str, Any]) -> str:
    from termcrm.cli.views import when

    text = when(value) if row.get("due_has_time") else str(value or "")
    return f"{text} (overdue)" if row.get("overdue") else text


def _print_followup(d: Mapping[str, Any]) -> None:
    from termcrm.cli.views import when
    from termcrm.io.render import console, print_fields

    con = console()
    flags = "" if d.get("status") == "open" else f" [{d.get('status')}]"
    if d.get("archived_at"):
        flags += " [archived]"
    con.print(f"[bold]follow-up #{d['id']} {d['title']}[/bold]{flags}")
    print_fields(
        [
            ("due", _due_cell(d.get("due"), d)),
            ("contact", f"{d['contact']} (#{d['contact_id']})" if d.get("contact_id") else None),
            ("company", f"{d['company']} (#{d['company_id']})" if d.get("company_id") else None),
            ("deal", f"#{d['deal_id']} {d.get('deal') or ''}" if d.get("deal_id") else None),
            ("ticket", f"#{d['ticket_id']} {d.get('ticket') or ''}" if d.get("ticket_id") else None),
            ("assignee", d.get("assignee")),
            ("priority", d.get("priority")),
            ("repeats", f"{d['recurrence_text']} ({d['recurrence']})" if d.get("recurrence") else None),
            ("next dues", ", ".join(when(u) if "T" in u else u for u in d.get("upcoming") or [])),
            ("done", when(d.get("done_at"))),
            ("reminded", when(d.get("reminded_at"))),
            ("created", when(d.get("created_at"))),
            ("notes", d.get("notes")),
        ]
    )


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(help="What you promised, e.g. 'Send the proposal'.")],
    due: Annotated[
        str, typer.Option("--due", "-d", help="When: 'fri 10:00', tomorrow, +3d, 2026-12-01 (a day or a time).")
    ],
    contact: Annotated[str | None, typer.Option("--contact", "-c", help="Contact id, email or name.")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Company id or name.")] = None,
    deal: Annotated[str | None, typer.Option("--deal", help="Deal id or title.")] = None,
    ticket: Annotated[str | None, typer.Option("--ticket", help="Ticket id.")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", "-a", help="Who does it (default: you).")] = None,
    priority: Annotated[str, typer.Option("--priority", "-p", help="low, normal or high.")] = "normal",
    every: Annotated[str | None, typer.Option("--every", help=EVERY_HELP)] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Longer notes; - reads standard input.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Add a follow-up."""
    from termcrm.cli.common import read_text_arg
    from termcrm.services import followups

    with writing() as session:
        item = followups.add_followup(
            session,
            title,
            due=due,
            contact=contact,
            company=company,
            deal=deal,
            ticket=ticket,
            assignee=assignee,
            priority=priority,
            every=every,
            notes=read_text_arg(notes),
        )
        row = followups.rows(session, [item])[0]
    repeat = f", {row['recurrence_text']}" if row["recurrence"] else ""
    emit_written(row, fmt, f"added follow-up #{row['id']} {row['title']} (due {followups.due_text(item)}{repeat})")


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    today: Annotated[bool, typer.Option("--today", help="Only those due today.")] = False,
    week: Annotated[bool, typer.Option("--week", help="Only those due today and in the next 6 days.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Include done and cancelled ones.")] = False,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List open follow-ups, soonest first (filters: due<today priority:high assignee:ann contact:ann status:done)."""
    from termcrm.io.render import emit_list
    from termcrm.services import followups

    with reading() as session:
        found = followups.list_followups(
            session, filter_words(filters), overdue=overdue, today=today, week=week, all_=all_, sort=sort, limit=limit
        )
        rows = followups.rows(session, found)
    emit_list(rows, fmt, _columns(), empty="no follow-ups match")


@app.command("show")
def show(ref: IdArg, fmt: FormatOpt = "table") -> None:
    """Show a follow-up with its links and, when recurring, the next dues."""
    from termcrm.io.render import emit_one
    from termcrm.services import followups

    with reading() as session:
        item = followups.get_followup(session, ref)
        data = followups.followup_view(session, item)
    emit_one(data, fmt, _print_followup)


@app.command("edit")
def edit(
    ref: IdArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    due: Annotated[str | None, typer.Option("--due", "-d", help="New due (moves a recurring series).")] = None,
    contact: Annotated[str | None, typer.Option("--contact", "-c", help="Contact ('' to unlink).")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Company ('' to unlink).")] = None,
    deal: Annotated[str | None, typer.Option("--deal", help="Deal id or title ('' to unlink).")] = None,
    ticket: Annotated[str | None, typer.Option("--ticket", help="Ticket id ('' to unlink).")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", "-a", help="Who does it.")] = None,
    priority: Annotated[str | None, typer.Option("--priority", "-p", help="low, normal or high.")] = None,
    every: Annotated[str | None, typer.Option("--every", help=EVERY_HELP)] = None,
    no_every: Annotated[bool, typer.Option("--no-every", help="Stop repeating.")] = False,
    notes: Annotated[str | None, typer.Option("--notes", help="Notes (replaces; '' clears; - reads stdin).")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, done or cancelled (open reopens).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Change a follow-up."""
    from termcrm.cli.common import read_text_arg
    from termcrm.services import followups

    with writing() as session:
        item = followups.get_followup(session, ref, archived=False)
        followups.edit_followup(
            session,
            item,
            title=title,
            due=due,
            contact=contact,
            company=company,
            deal=deal,
            ticket=ticket,
            assignee=assignee,
            priority=priority,
            every=every,
            no_every=no_every,
            notes=read_text_arg(notes),
            status=status,
        )
        row = followups.rows(session, [item])[0]
    emit_written(row, fmt, f"updated follow-up #{row['id']} {row['title']} (due {followups.due_text(item)})")


@app.command("rm")
def rm(ref: IdArg, yes: YesOpt = False) -> None:
    """Archive a follow-up (crm undo brings it back)."""
    from termcrm.services import followups

    with reading() as session:  # ask before the write transaction starts, never while holding it
        found = followups.get_followup(session, ref, archived=False)
        question, version = f"Archive follow-up #{found.id} {found.title}?", found.version
    confirm(question, yes)
    with writing() as session:
        item = followups.get_followup(session, ref, archived=False)
        followups.archive_followup(session, item, expected_version=version)
        text = f"archived follow-up #{item.id} {item.title}"
    done(text)


@app.command("done")
def done_(
    ref: IdArg,
    note: Annotated[
        str | None, typer.Option("--note", help="Log this note as an interaction with the linked contact.")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Mark a follow-up done; a recurring one gets its next occurrence (from the rule, not from today)."""
    from termcrm.services import followups

    with writing() as session:
        item = followups.get_followup(session, ref, archived=False)
        result = followups.complete_followup(session, item, note=note)
        row = followups.rows(session, [item])[0]
        row["next"] = followups.rows(session, [result.next])[0] if result.next is not None else None
        row["interaction_id"] = result.interaction_id
        next_text = (
            f"; next: #{result.next.id} due {followups.due_text(result.next)}" if result.next is not None else ""
        )
    logged = f"; logged note #{result.interaction_id}" if result.interaction_id else ""
    emit_written(row, fmt, f"done: follow-up #{row['id']} {row['title']}{next_text}{logged}")


@app.command("snooze")
def snooze(
    ref: IdArg,
    until: Annotated[str, typer.Argument(help="New due: 'tomorrow 09:00', mon, +2d, or a length of time: 2h, 3d.")],
    fmt: FormatOpt = "table",
) -> None:
    """Move a follow-up's due; a recurring series keeps its days."""
    from termcrm.services import followups

    with writing() as session:
        item = followups.get_followup(session, ref, archived=False)
        followups.snooze_followup(session, item, until)
        row = followups.rows(session, [item])[0]
    emit_written(row, fmt, f"snoozed follow-up #{row['id']} to {followups.due_text(item)}")


@app.command("cancel")
def cancel(ref: IdArg, fmt: FormatOpt = "table") -> None:
    """Cancel a follow-up (a recurring one stops repeating)."""
    from termcrm.services import followups

    with writing() as session:
        item = followups.get_followup(session, ref, archived=False)
        followups.cancel_followup(session, item)
        row = followups.rows(session, [item])[0]
    emit_written(row, fmt, f"cancelled follow-up #{row['id']} {row['title']}")
