"""``crm ticket``: open, list by SLA urgency, show, comment, assign, status, resolve, close, reopen, rate, rm."""

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
    read_text_arg,
    reading,
    writing,
)

app = typer.Typer(help="Service tickets with SLA clocks, comments and ratings.", no_args_is_help=True)

TicketArg = Annotated[str, typer.Argument(help="Ticket id.")]


def _when(value: Any, _row: Any = None) -> str:
    from termcrm.cli.views import when

    return when(value)


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("priority"),
        Column("status"),
        Column("subject", max_width=40),
        Column("contact", "customer", fmt=lambda _v, r: r.get("contact") or r.get("company") or "", max_width=24),
        Column("assignee"),
        Column("sla", "SLA", fmt=lambda v, r: f"! {v}" if r.get("breached") else str(v or "")),
        Column("next_due", "due", fmt=_when),
    ]


def _row(session: Any, ticket: Any) -> dict[str, Any]:
    from termcrm.services import tickets

    session.flush()
    return tickets.ticket_rows(session, [ticket])[0]  # type: ignore[no-any-return]


def _ticket(session: Any, ref: str) -> Any:
    from termcrm.models import Ticket
    from termcrm.services import refs

    return refs.by_id(session, Ticket, ref, "ticket")


@app.command("open")
def open_(
    subject: Annotated[str, typer.Argument(help="What the customer needs, in one line.")],
    contact: Annotated[
        str | None, typer.Option("--contact", "-c", help="The customer: contact id, email or name.")
    ] = None,
    company: Annotated[str | None, typer.Option("--company", help="The customer company: id or name.")] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", "-p", help="low, normal (default), high or urgent.")
    ] = None,
    type_: Annotated[
        str | None, typer.Option("--type", "-t", help="question (default), incident, problem or request.")
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="email (default), phone, web, chat or 'in person'.")
    ] = None,
    assignee: Annotated[
        str | None, typer.Option("--assignee", "-a", help="User who handles it ('me' for you).")
    ] = None,
    body: Annotated[str | None, typer.Option("--body", help="The request in full; - reads standard input.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When the request came in (default now), e.g. 'today 09:15'.")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Open a ticket for a contact or a company; its SLA clocks start now (or --at)."""
    from termcrm import dates
    from termcrm.services import refs, tickets

    when = dates.parse_when(at).at if at else None
    text = read_text_arg(body)
    with writing() as session:
        contact_obj = refs.contact(session, contact) if contact else None
        company_obj = refs.company(session, company) if company else None
        ticket = tickets.open_ticket(
            session,
            subject,
            contact=contact_obj,
            company=company_obj,
            priority=priority,
            type=type_,
            channel=channel,
            assignee=assignee,
            description=text,
            now=when,
        )
        row = _row(session, ticket)
        message = f"opened ticket #{ticket.id} {ticket.subject} ({ticket.priority})"
    emit_written(row, fmt, message)


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    breached: Annotated[bool, typer.Option("--breached", help="Only tickets past an SLA target.")] = False,
    mine: Annotated[bool, typer.Option("--mine", help="Only tickets assigned to you.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Resolved and closed tickets too.")] = False,
    archived: Annotated[bool, typer.Option("--archived", help="List archived tickets instead.")] = False,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List open tickets by SLA urgency: breached first, then the nearest due time.

    Filters: status:, priority:, type:, channel:, assignee:, contact:, company:,
    created>-7d, due<tomorrow, satisfaction<3, and bare words for text.
    """
    from termcrm.io.render import emit_list
    from termcrm.services import tickets

    with reading() as session:
        found = tickets.queue(
            session,
            filter_words(filters),
            breached,
            mine,
            all_statuses=all_,
            archived=archived,
            sort=sort,
            limit=limit,
        )
        rows = tickets.ticket_rows(session, found)
    emit_list(rows, fmt, _columns(), empty="no tickets match")


@app.command("show")
def show(ref: TicketArg, fmt: FormatOpt = "table") -> None:
    """Show a ticket: fields, SLA clocks, the thread, and knowledge-base articles matching its subject."""
    from termcrm.io.render import emit_one
    from termcrm.services import tickets

    with reading() as session:
        data = tickets.ticket_view(session, _ticket(session, ref))
    emit_one(data, fmt, _print_ticket)


def _print_ticket(d: Any) -> None:
    from termcrm.cli.views import when
    from termcrm.io.render import Column, console, heading, print_fields, print_table

    con = console()
    flags = " [archived]" if d.get("archived_at") else ""
    con.print(f"[bold]#{d['id']} {d['subject']}[/bold]{flags}")
    print_fields(
        [
            ("status", d["status"]),
            ("priority", d["priority"]),
            ("type", d["type"]),
            ("channel", d["channel"]),
            ("contact", f"{d['contact']} (#{d['contact_id']})" if d.get("contact") else None),
            ("company", f"{d['company']} (#{d['company_id']})" if d.get("company") else None),
            ("assignee", d.get("assignee") or "nobody"),
            ("opened", when(d.get("created_at"))),
            ("resolved", when(d.get("resolved_at"))),
            ("closed", when(d.get("closed_at"))),
            ("satisfaction", f"{d['satisfaction']}/5" if d.get("satisfaction") else None),
            ("customer said", d.get("satisfaction_comment")),
        ]
    )
    if d.get("description"):
        heading("Request")
        con.print(d["description"], markup=False)
    heading("SLA" + (f" (business hours {d['business_hours']})" if d.get("business_hours") else ""))
    print_table(
        d["clocks"],
        [
            Column("name", "clock"),
            Column("due", fmt=lambda v, _r: when(v)),
            Column("done_at", "done", fmt=lambda v, _r: when(v)),
            Column("state"),
            Column("seconds_left", "left", fmt=_left),
        ],
    )
    heading(f"Thread ({len(d.get('comments') or [])})")
    if d.get("comments"):
        for c in d["comments"]:
            who = "customer" if c["from_customer"] else (c.get("author") or "?")
            tag = "" if c["public"] else " [internal]"
            con.print(f"[bold]{when(c['at'])} {who}{tag}[/bold]", markup=True)
            con.print(c["body"], markup=False)
    else:
        con.print("no comments yet — crm ticket comment ID TEXT")
    if d.get("articles"):
        heading("Resolved with")
        print_table(d["articles"], [Column("id", justify="right"), Column("title"), Column("status")])
    if d.get("suggested_articles"):
        heading("Knowledge base")
        print_table(
            d["suggested_articles"], [Column("id", justify="right"), Column("title", max_width=60), Column("status")]
        )


def _left(value: Any, _row: Any) -> str:
    if value is None:
        return ""
    from datetime import timedelta

    from termcrm.dates import format_delta

    if value < 0:
        return f"{format_delta(timedelta(seconds=-value))} over"
    return format_delta(timedelta(seconds=value))


@app.command("comment")
def comment(
    ref: TicketArg,
    text: Annotated[str, typer.Argument(help="The comment; - reads standard input.")],
    internal: Annotated[bool, typer.Option("--internal", help="An internal note the customer does not see.")] = False,
    customer: Annotated[
        bool, typer.Option("--customer", help="Record the customer's own reply (reopens a pending ticket).")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Add a comment; your first public one is the ticket's first response."""
    from termcrm.services import tickets

    body = read_text_arg(text) or ""
    with writing() as session:
        ticket = _ticket(session, ref)
        item = tickets.add_comment(session, ticket, body, internal=internal, customer=customer)
        row = {
            "id": item.id,
            "ticket_id": ticket.id,
            "public": item.public,
            "body": item.body,
            "at": item.at.isoformat(),
        }
        label = f"#{ticket.id}"
    emit_written(row, fmt, f"{'internal note' if internal else 'comment'} #{row['id']} added to ticket {label}")


@app.command("assign")
def assign(
    ref: TicketArg,
    user: Annotated[str, typer.Argument(help="User name ('me' for you, 'none' to unassign).")],
    fmt: FormatOpt = "table",
) -> None:
    """Give a ticket to a user (a new ticket becomes open)."""
    from termcrm.services import tickets

    with writing() as session:
        ticket = tickets.assign_ticket(session, _ticket(session, ref), user)
        row = _row(session, ticket)
        message = f"ticket #{ticket.id} assigned to {row['assignee'] or 'nobody'}"
    emit_written(row, fmt, message)


@app.command("status")
def status(
    ref: TicketArg,
    new_status: Annotated[str, typer.Argument(help="new, open, pending, resolved or closed.")],
    fmt: FormatOpt = "table",
) -> None:
    """Set a ticket's status; pending pauses the resolution clock until it leaves pending."""
    from termcrm.services import tickets

    with writing() as session:
        ticket = tickets.set_status(session, _ticket(session, ref), new_status)
        row = _row(session, ticket)
        message = f"ticket #{ticket.id} is {ticket.status}"
    emit_written(row, fmt, message)


@app.command("resolve")
def resolve(
    ref: TicketArg,
    note: Annotated[
        str | None, typer.Option("--note", help="The answer, added as a public comment; - reads standard input.")
    ] = None,
    kb: Annotated[str | None, typer.Option("--kb", help="Knowledge-base article that solved it (id or title).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Resolve a ticket: the resolution clock stops (after the due time counts as breached)."""
    from termcrm.services import kb as kb_service
    from termcrm.services import tickets

    text = read_text_arg(note)
    with writing() as session:
        ticket = _ticket(session, ref)
        article = kb_service.article_ref(session, kb, archived=False) if kb else None
        tickets.resolve_ticket(session, ticket, note=text, article=article)
        row = _row(session, ticket)
        late = " (late: SLA breached)" if row["resolution_breached"] else ""
        message = f"resolved ticket #{ticket.id}{late}"
    emit_written(row, fmt, message)


@app.command("close")
def close(ref: TicketArg, fmt: FormatOpt = "table") -> None:
    """Close a ticket (resolving it first if needed)."""
    from termcrm.services import tickets

    with writing() as session:
        ticket = tickets.close_ticket(session, _ticket(session, ref))
        row = _row(session, ticket)
        message = f"closed ticket #{ticket.id}"
    emit_written(row, fmt, message)


@app.command("reopen")
def reopen(ref: TicketArg, fmt: FormatOpt = "table") -> None:
    """Reopen a resolved or closed ticket; its resolution clock runs on from where it stopped."""
    from termcrm.services import tickets

    with writing() as session:
        ticket = tickets.reopen_ticket(session, _ticket(session, ref))
        row = _row(session, ticket)
        message = f"reopened ticket #{ticket.id}"
    emit_written(row, fmt, message)


@app.command("rate")
def rate(
    ref: TicketArg,
    score: Annotated[str, typer.Argument(help="Customer satisfaction from 1 (bad) to 5 (great).")],
    comment_: Annotated[str | None, typer.Option("--comment", help="What the customer said.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Record the customer's satisfaction with a resolved or closed ticket."""
    from termcrm.services import tickets

    value = tickets.parse_score(score)
    with writing() as session:
        ticket = tickets.rate_ticket(session, _ticket(session, ref), value, comment=comment_)
        row = _row(session, ticket)
        message = f"ticket #{ticket.id} rated {value}/5"
    emit_written(row, fmt, message)


@app.command("edit")
def edit(
    ref: TicketArg,
    subject: Annotated[str | None, typer.Option("--subject", help="New subject.")] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", "-p", help="New priority (re-dates the SLA clocks).")
    ] = None,
    type_: Annotated[str | None, typer.Option("--type", "-t", help="question, incident, problem or request.")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="email, phone, web, chat or 'in person'.")] = None,
    body: Annotated[str | None, typer.Option("--body", help="New request text; - reads standard input.")] = None,
    contact: Annotated[str | None, typer.Option("--contact", "-c", help="Move to this contact.")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Move to this company.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Change a ticket's subject, priority, type, channel, request or customer."""
    from termcrm.errors import Invalid
    from termcrm.services import refs, tickets

    if all(v is None for v in (subject, priority, type_, channel, body, contact, company)):
        raise Invalid(
            "nothing to change: give --subject, --priority, --type, --channel, --body, --contact or --company"
        )
    with writing() as session:
        changes = tickets.TicketChanges(
            subject=subject,
            priority=priority,
            type=type_,
            channel=channel,
            description=read_text_arg(body),
            contact=refs.contact(session, contact) if contact else None,
            company=refs.company(session, company) if company else None,
        )
        ticket = tickets.update_ticket(session, _ticket(session, ref), changes)
        row = _row(session, ticket)
        message = f"updated ticket #{ticket.id}"
    emit_written(row, fmt, message)


@app.command("rm")
def rm(ref: TicketArg, yes: YesOpt = False) -> None:
    """Archive a ticket (crm undo brings it back)."""
    from termcrm.services import tickets

    with reading() as session:
        ticket = _ticket(session, ref)
        label = f"#{ticket.id} {ticket.subject}"
    confirm(f"Archive ticket {label}?", yes)
    with writing() as session:
        tickets.archive_ticket(session, _ticket(session, ref))
    done(f"archived ticket {label}")
