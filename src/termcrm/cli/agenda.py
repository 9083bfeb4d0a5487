"""``crm agenda``: follow-ups, birthdays and expected deal closes, by day, overdue first."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, reading, settings

app = typer.Typer(help="Follow-ups, birthdays and expected closes by day.")

_PREFIX = {"followup": "", "birthday": "birthday: ", "deal_close": "expected close: "}


def _line(item: Mapping[str, Any]) -> str:
    time = item.get("time") or ""
    prefix = _PREFIX.get(item["kind"], f"{item['kind']}: ")
    title = f"#{item['id']} {item['title']}" if item["kind"] == "followup" else item["title"]
    text = f"  {time:<5}  {prefix}{title}"
    if item.get("detail") and item["kind"] != "birthday":
        text += f"  ({item['detail']})"
    return text


def _print_agenda(groups: Sequence[Mapping[str, Any]]) -> None:
    from termcrm.io.render import console

    con = console()
    first = True
    for group in groups:
        if group["day"] == "overdue" and not group["items"]:
            continue
        if not first:
            con.print("")
        first = False
        con.print(f"[bold]{group['label']}[/bold]", highlight=False)
        if not group["items"]:
            con.print("  -", highlight=False)
        for item in group["items"]:
            con.print(_line(item), highlight=False, markup=False)


@app.command("agenda")
def agenda(
    days: Annotated[int, typer.Option("--days", "-d", help="How many days from today.", min=1)] = 7,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Whose agenda (default: yours).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Everyone's agenda.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Show follow-ups grouped by day, with birthdays and expected deal closes; overdue first."""
    from termcrm import dates
    from termcrm.errors import Invalid
    from termcrm.services import followups, refs

    if user and all_:
        raise Invalid("give --user U or --all, not both")
    with reading() as session:
        if user:
            refs.user(session, user)
        who = None if all_ else (user or settings().user)
        groups = followups.agenda(session, days, who, dates.utcnow())
    if fmt == "json":
        from termcrm.io.render import dumps

        sys.stdout.write(dumps(groups) + "\n")
    elif fmt == "table":
        _print_agenda(groups)
    else:
        from termcrm.io.render import Column, emit_list

        flat = [{"day": group["day"], **item} for group in groups for item in group["items"]]
        emit_list(flat, fmt, [Column("day"), Column("kind"), Column("id"), Column("title")])
