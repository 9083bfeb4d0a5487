"""``crm undo``: revert your latest change set."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from termcrm.cli.common import done, state, writing

app = typer.Typer(help="Revert your latest change.")


def _format(value: str) -> str:
    from termcrm.cli import _click as click

    if value not in ("text", "json"):
        raise click.BadParameter(f"{value!r} is not one of: text, json")
    state().format = value
    return value


@app.command("undo")
def undo(
    fmt: Annotated[str, typer.Option("-f", "--format", help="Output format: text or json.", callback=_format)] = "text",
) -> None:
    """Revert your latest change set that is not undone yet, and say what it was.

    It refuses (exit 4, nothing reverted) when a record it would touch was
    changed since. Run it again to go further back.
    """
    from termcrm.services import history

    with writing() as session:
        result = history.undo(session)
    if fmt == "json":
        from termcrm.io.render import dumps

        data = {
            "change_set_id": result.change_set_id,
            "summary": result.summary,
            "at": result.at.isoformat(),
            "changes": result.changes,
        }
        sys.stdout.write(dumps(data) + "\n")
        return
    from termcrm.cli.views import when

    plural = "" if result.changes == 1 else "s"
    done(
        f"undid #{result.change_set_id}: {result.summary} "
        f"(made {when(result.at)}, {result.changes} change{plural} reverted)"
    )
