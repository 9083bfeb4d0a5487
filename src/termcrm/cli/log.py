"""``crm log``: record an interaction with a contact (and optionally schedule the next step)."""

from __future__ import annotations

from typing import Annotated

import typer

from termcrm.cli.common import FormatOpt, emit_written, read_text_arg, writing

app = typer.Typer(help="Record an interaction (call, email, meeting, note...) with a contact.")


@app.command("log")
def log(
    ref: Annotated[str, typer.Argument(help="Contact id, email or name (or a company with --company-ref).")],
    kind: Annotated[str, typer.Argument(help="call, email, meeting, note, message, visit or event.")],
    summary: Annotated[str, typer.Argument(help="One line on what happened.")],
    at: Annotated[
        str | None, typer.Option("--at", help="When it happened (default now): 'yesterday 14:00', '-2d'.")
    ] = None,
    body: Annotated[str | None, typer.Option("--body", help="Longer text; - reads standard input.")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Channel (phone, zoom, linkedin...).")] = None,
    direction: Annotated[str | None, typer.Option("--direction", help="in or out.")] = None,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="Outcome (reached, voicemail, interested...).")
    ] = None,
    deal: Annotated[
        str | None, typer.Option("--deal", help="The deal this interaction belongs to (id or title).")
    ] = None,
    company_ref: Annotated[bool, typer.Option("--company-ref", help="REF names a company, not a contact.")] = False,
    next_: Annotated[
        str | None,
        typer.Option("--next", help='Schedule the next follow-up: "WHEN TITLE", e.g. "fri 10:00 Send proposal".'),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Record an interaction; --next schedules the follow-up in the same step."""
    from termcrm import dates
    from termcrm.services import interactions, refs

    when = dates.parse_when(at).at if at else None
    with writing() as session:
        contact = None
        company = None
        if company_ref:
            company = refs.company(session, ref)
        else:
            contact = refs.contact(session, ref)
        deal_obj = refs.deal(session, deal) if deal else None
        item = interactions.log_interaction(
            session,
            kind=kind,
            summary=summary,
            contact=contact,
            company=company,
            deal_id=deal_obj.id if deal_obj else None,
            occurred_at=when,
            body=read_text_arg(body),
            channel=channel,
            direction=direction,
            outcome=outcome,
        )
        followup_text = ""
        if next_:
            from termcrm.services import followups

            followup = followups.schedule_from_text(
                session, next_, contact=contact, company=company, deal_id=deal_obj.id if deal_obj else None
            )
            followup_text = f"; next: follow-up #{followup.id} {followup.title}"
        session.flush()
        row = interactions.rows(session, [item])[0]
    emit_written(row, fmt, f"logged {row['kind']} #{row['id']}{followup_text}")
