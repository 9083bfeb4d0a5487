"""``crm alerts``: threshold alerts for cron; prints one line per firing alert and nothing when none fire."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from termcrm.cli import _click as click
from termcrm.cli.common import FormatOpt, done, reading, state

app = typer.Typer(
    help="Threshold alerts for cron (silent when none fire): churn rate, SLA breaches, overdue follow-ups,"
    " rotting deals, pipeline value.",
    invoke_without_command=True,
    no_args_is_help=False,
)

ALERT_FORMATS = ("text", "json")


def _format_callback(_ctx: click.Context, _param: Any, value: str) -> str:
    if value not in ALERT_FORMATS:
        raise click.BadParameter(f"{value!r} is not one of: {', '.join(ALERT_FORMATS)}")
    state().format = value
    return value


@app.callback()
def alerts(
    ctx: typer.Context,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when any alert fires.")] = False,
    fmt: Annotated[
        str, typer.Option("-f", "--format", help="Output format: text or json.", callback=_format_callback)
    ] = "text",
) -> None:
    """Check every alert with a threshold; print one line per firing alert (nothing when none fire)."""
    if ctx.invoked_subcommand is not None:
        return
    from termcrm.services import alerts as service

    with reading() as session:
        firing = service.evaluate(session)
    if fmt == "json":
        from termcrm.io.render import dumps

        sys.stdout.write(dumps([a.as_dict() for a in firing]) + "\n")
    else:
        for alert in firing:
            sys.stdout.write(f"{alert.message}\n")
    if exit_code and firing:
        raise typer.Exit(1)


@app.command("set")
def set_(
    name: Annotated[
        str, typer.Argument(help="churn_rate, sla_breaches, overdue_followups, rotting_deals or pipeline_value.")
    ],
    value: Annotated[
        str,
        typer.Argument(help="The threshold (percent for churn_rate, major units for pipeline_value); off removes it."),
    ],
) -> None:
    """Set an alert's threshold in config.toml (off turns the alert off)."""
    from termcrm.config import config_path
    from termcrm.services import alerts as service

    stored = service.set_threshold(name, value)
    chosen = service.spec(name)
    if stored is None:
        done(f"{chosen.name} is off (in {config_path()})")
    else:
        done(f"{chosen.name}: alert when {'above' if chosen.above else 'under'} {_number(stored)} (in {config_path()})")


@app.command("list")
def list_(fmt: FormatOpt = "table") -> None:
    """Every alert with its threshold, current value and whether it fires."""
    from termcrm.io.render import Column, emit_list
    from termcrm.services import alerts as service

    with reading() as session:
        rows = service.status(session)
    emit_list(
        rows,
        fmt,
        [
            Column("alert"),
            Column("fires_when", "fires when"),
            Column("threshold", justify="right", fmt=lambda v, _r: "off" if v is None else _number(v)),
            Column("value", "now", justify="right", fmt=_value),
            Column("firing", fmt=lambda v, _r: "FIRING" if v else ""),
            Column("description"),
        ],
    )


def _number(value: float | int) -> str:
    """``12,500``, ``7.5``: thousands separated, no trailing zeros."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _value(value: Any, row: Any) -> str:
    if value is None:
        return ""
    text = _number(value)
    if row["alert"] == "churn_rate":
        return f"{value:.1f}% ({row['note']})"
    if row["alert"] == "pipeline_value":
        return f"{text} {row['note']}"
    return text
