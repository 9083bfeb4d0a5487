"""``crm tui``: open the terminal user interface (also what ``crm`` alone and ``crm demo`` do)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Open the terminal user interface.")


def open_tui() -> None:
    """Build settings from the global options and run the app until the user quits.

    Textual is imported here and nowhere else in the CLI: it costs about 150 ms
    and only this command needs it.
    """
    from termcrm.cli.common import settings
    from termcrm.tui.app import make_app

    make_app(settings()).run()


@app.command("tui")
def tui() -> None:
    """Open the TUI: contacts, pipeline, calendar, tickets and reports (press ? for the keys)."""
    open_tui()
