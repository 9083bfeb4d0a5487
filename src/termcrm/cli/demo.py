"""``crm demo``: build a demo database with realistic data, and open it."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(help="Build a demo database with realistic data (and open it).")


@app.command("demo")
def demo(
    contacts: Annotated[int, typer.Option("--contacts", help="How many contacts to generate.", min=1)] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")] = 42,
    path: Annotated[
        str | None, typer.Option("--path", help="Where to build it (default: demo.db in the data directory).")
    ] = None,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="Only build the database; do not open the TUI.")] = False,
) -> None:
    """Build a separate demo database (never your own) and open the TUI on it."""
    from termcrm.demo import DEMO_USERS, build

    summary = build(path, contacts=contacts, seed=seed)
    sys.stderr.write(
        f"demo database: {summary.path}\n"
        f"  {summary.contacts:,} contacts, {summary.companies:,} companies, {summary.interactions:,} interactions"
        + (f"; {', '.join(summary.areas)}" if summary.areas else "")
        + f" (built in {summary.seconds:.1f} s)\n"
        f"  try: crm --db {summary.path} --user {DEMO_USERS[0]} contact list --limit 20\n"
    )
    if no_tui:
        return
    from termcrm.cli.common import state

    st = state()
    st.db = summary.path
    st.user = st.user or DEMO_USERS[0]
    try:
        from termcrm.cli.tui import open_tui
    except ImportError:
        return
    if sys.stdin.isatty() and sys.stdout.isatty():
        open_tui()
