"""``crm sla``: the first-response and resolution targets of each ticket priority."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, emit_written, reading, writing

app = typer.Typer(help="SLA targets per ticket priority.", no_args_is_help=True)


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("priority"),
        Column("first_response", "first response", justify="right"),
        Column("resolution", justify="right"),
        Column("business_hours", "counted"),
    ]


@app.command("show")
def show(fmt: FormatOpt = "table") -> None:
    """Show each priority's targets and the hours the clocks count."""
    from termcrm.io.render import emit_list
    from termcrm.services import sla_policies

    with reading() as session:
        rows = sla_policies.policy_rows(session)
    emit_list(rows, fmt, _columns())


@app.command("set")
def set_(
    priority: Annotated[str, typer.Argument(help="low, normal, high or urgent.")],
    first_response: Annotated[
        str | None, typer.Option("--first-response", help="First-response target, e.g. 30m, 4h, 1h30m, 1d.")
    ] = None,
    resolution: Annotated[str | None, typer.Option("--resolution", help="Resolution target, e.g. 8h, 72h, 5d.")] = None,
    recompute: Annotated[
        bool,
        typer.Option("--recompute", help="Re-date the open tickets of this priority too (default: new ones only)."),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Change a priority's targets; they count business hours when sla.business_hours is set."""
    from termcrm.services import sla_policies

    with writing() as session:
        policy = sla_policies.set_policy(
            session, priority, first_response=first_response, resolution=resolution, recompute=recompute
        )
        key = policy.priority
        rows = [r for r in sla_policies.policy_rows(session) if r["priority"] == key]
    emit_written(
        rows[0], fmt, f"SLA {key}: first response {rows[0]['first_response']}, resolution {rows[0]['resolution']}"
    )
