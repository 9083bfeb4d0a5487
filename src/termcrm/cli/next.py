"""``crm next``: what to do now, ranked by an explainable score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, at_most_largest, reading, settings

app = typer.Typer(help="What to do now, ranked.")


def _what(row: Mapping[str, Any]) -> str:
    if row["kind"] == "followup":
        return f"follow-up #{row['id']} {row['title']}"
    return f"contact #{row['id']}: {row['title']}"


def _due(row: Mapping[str, Any]) -> str:
    from termcrm.cli.views import when

    if not row.get("due"):
        return ""
    return when(row["due"]) if "T" in row["due"] else str(row["due"])


def _why(row: Mapping[str, Any]) -> str:
    return ", ".join(f"{p['name']} {p['points']:g}" for p in row["parts"])


def _print_explained(rows: Sequence[Mapping[str, Any]]) -> None:
    from termcrm.io.render import console

    con = console()
    for row in rows:
        con.print(f"[bold]{row['rank']}. {_what(row)}[/bold]  score {row['score']:g}", highlight=False)
        due = _due(row)
        if due:
            con.print(f"     due {due}", highlight=False)
        if not row["parts"]:
            con.print("     no points: not due soon, low priority, no deal or cadence", highlight=False)
        for part in row["parts"]:
            con.print(f"     {part['name']:<9} {part['points']:>8g}  {part['detail']}", highlight=False)


@app.command("next")
def next_(
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="How many suggestions.", min=1, callback=at_most_largest)
    ] = 10,
    explain: Annotated[bool, typer.Option("--explain", help="Show each part of every score.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Everyone's work, not only yours.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Rank open follow-ups (and lapsed stay-in-touch cadences) by overdue days, due soon, priority,
    the linked deal's weighted value and rotting, and lapsed cadence; weights are next.weight_* in config."""
    from termcrm import dates
    from termcrm.io.render import Column, emit_list
    from termcrm.services import followups

    with reading() as session:
        ranked = followups.rank_next(
            session, dates.utcnow(), limit, followups.weights_from(settings()), None if all_ else settings().user
        )
        rows = [item.as_dict(rank) for rank, item in enumerate(ranked, start=1)]
    if fmt == "table" and explain:
        if not rows:
            from termcrm.io.render import message

            message("nothing to do: no open follow-ups")
        _print_explained(rows)
        return
    emit_list(
        rows,
        fmt,
        [
            Column("rank", "#", justify="right"),
            Column("score", justify="right", fmt=lambda v, _r: f"{v:g}"),
            Column("title", "what", fmt=lambda _v, r: _what(r), max_width=56),
            Column("due", fmt=lambda _v, r: _due(r)),
            Column("parts", "why", fmt=lambda _v, r: _why(r), max_width=60),
        ],
        empty="nothing to do: no open follow-ups",
    )
