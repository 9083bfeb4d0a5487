"""``crm activity``: the interaction timeline across contacts and companies."""

from __future__ import annotations

from typing import Any

import typer

from termcrm.cli.common import FilterArg, FilterCommand, FormatOpt, LimitOpt, SortOpt, filter_words, reading

app = typer.Typer(help="List interactions across contacts.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """List interactions across contacts (crm log records them)."""
    # A callback keeps `activity` a group, so `crm activity list` is not read as `crm activity <filter>`.


def _columns() -> list[Any]:
    from termcrm.cli.views import when
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("occurred_at", "when", fmt=lambda v, _r: when(v)),
        Column("kind"),
        Column("direction", "dir"),
        Column("contact", max_width=24),
        Column("summary", max_width=50),
        Column("outcome", max_width=20),
        Column("user"),
    ]


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List interactions, newest first (e.g. kind:call at>-7d user:ann contact:12 renewal)."""
    from termcrm.io.render import emit_list
    from termcrm.services import interactions

    with reading() as session:
        found = interactions.list_interactions(session, filter_words(filters), sort=sort, limit=limit)
        rows = interactions.rows(session, found)
    emit_list(rows, fmt, _columns(), empty="no interactions match")
