"""``crm report NAME``: the text reports, as tables with bars and sparklines, or JSON/CSV for scripts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from termcrm.cli import _click as click
from termcrm.cli.common import reading, state

if TYPE_CHECKING:
    from termcrm.services.reports import Report, Section

app = typer.Typer(help="Text reports: pipeline, forecast, win/loss, activity, tickets, customers, churn, performance.")

REPORT_FORMATS = ("table", "json", "csv")


def _format_callback(_ctx: click.Context, _param: Any, value: str) -> str:
    if value not in REPORT_FORMATS:
        raise click.BadParameter(f"{value!r} is not one of: {', '.join(REPORT_FORMATS)}")
    state().format = value
    return value


def _period_callback(_ctx: click.Context, _param: Any, value: str | None) -> str | None:
    if value is not None and value.lower() not in ("week", "month", "quarter"):
        raise click.BadParameter(f"{value!r} is not one of: week, month, quarter")
    return value.lower() if value else value


@app.command("report")
def report(
    name: Annotated[
        str | None,
        typer.Argument(
            help="pipeline, forecast, winloss, activity, tickets, customers, churn, performance or campaigns;"
            " omit it to list the reports.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Start of the window (2026-01-01, -90d...); default 12 periods back.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="End of the window; a date includes that day. Default now.")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", "-p", help="Group by week, month (default) or quarter.", callback=_period_callback),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only this user's deals, tickets, activity ('me').")
    ] = None,
    pipeline: Annotated[str | None, typer.Option("--pipeline", help="Only this pipeline (id or name).")] = None,
    top: Annotated[
        int | None, typer.Option("--top", help="How many rows of a ranking (customers, churn); forecast: periods.")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", help="churn: days without purchase or interaction (default 90).")
    ] = None,
    section: Annotated[
        str | None, typer.Option("--section", help="Print only this section (e.g. funnel, lapsed).")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("-f", "--format", help="Output format: table, json or csv.", callback=_format_callback),
    ] = "table",
) -> None:
    """Print a report: tables with bars for people, the same numbers as JSON or CSV for scripts."""
    from termcrm.services import reports

    if name is None:
        _print_listing(reports.describe(), fmt)
        return
    params = reports.make_params(
        since=since, until=until, period=period, owner=owner, pipeline=pipeline, top=top, days=days
    )
    with reading() as session:
        result = reports.run(session, name, params)
    if section is not None:
        keys = [s.key for s in result.sections]
        if section not in keys:
            from termcrm.errors import Invalid

            raise Invalid(f"report {result.name} has no section {section!r}; sections: {', '.join(keys)}")
        result.sections = [s for s in result.sections if s.key == section]
    if fmt == "json":
        from termcrm.io.render import dumps

        sys.stdout.write(dumps(result.to_json()) + "\n")
    elif fmt == "csv":
        reports.write_csv(result, sys.stdout)
    else:
        _print_report(result)


def _print_listing(listing: list[dict[str, str]], fmt: str) -> None:
    from termcrm.io.render import Column, emit_list

    emit_list(listing, fmt, [Column("name"), Column("title"), Column("summary")])


def _window_text(result: Report) -> str:
    from termcrm.dates import format_local

    params = result.params
    parts = []
    if params.get("since") is not None and params.get("until") is not None:
        parts.append(f"{format_local(params['since'])} – {format_local(params['until'])}")
    for key in ("period", "owner", "pipeline", "days", "top"):
        if params.get(key) not in (None, ""):
            parts.append(f"{key} {params[key]}")
    return ", ".join(parts)


def _print_report(result: Report) -> None:
    from termcrm.io.render import console

    con = console()
    con.print(f"[bold]{result.title}[/bold]  [dim]{_window_text(result)}[/dim]", highlight=False)
    for section in result.sections:
        con.print()
        _print_section(con, section)


def _print_section(con: Any, section: Section) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from termcrm.io.charts import display_width
    from termcrm.services.reports import bar_cells, display_rows, spark_line

    con.print(Text(section.title, style="bold underline"))
    if not section.rows:
        con.print(Text(f"  ({section.empty})", style="dim"))
        return
    headers, rows, aligns = display_rows(section, bar_width=0)
    count = len(headers) - (1 if section.bar else 0)
    cells_w = [max([1] + [display_width(r[i]) for r in rows]) for i in range(count)]
    widths = [max(display_width(h), w) for h, w in zip(headers[:count], cells_w, strict=True)]
    room = con.width - sum(widths) - 2 * count - 2
    bar_width = min(40, room) if section.bar and room >= 8 else 0
    bars = bar_cells(section, bar_width) if bar_width else []
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1), collapse_padding=True)
    for index, (header, align) in enumerate(zip(headers[:count], aligns[:count], strict=True)):
        # Numbers, dates and codes are never cut (their header wraps instead when the terminal is
        # narrow); only long names give way, with an ellipsis.
        if align == "left" and cells_w[index] > 16:
            table.add_column(header, justify=align, no_wrap=True, overflow="ellipsis", max_width=28)  # type: ignore[arg-type]
        else:
            table.add_column(header, justify=align, min_width=cells_w[index])  # type: ignore[arg-type]
    if bar_width:
        table.add_column("", no_wrap=True, min_width=bar_width)
    for index, cells in enumerate(rows):
        shown = cells[:count]
        table.add_row(*(shown + [bars[index]] if bar_width else shown))
    con.print(table)
    spark = spark_line(section)
    if spark:
        con.print(Text(f"  {spark}"))
