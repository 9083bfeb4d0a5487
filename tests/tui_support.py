"""Helpers for the TUI tests: a fixed clock, waiting for workers, reading what a screen shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

FIXED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""The tests' clock: Monday 23 November 2026, 09:00 UTC."""


async def settle(pilot: Any, rounds: int = 6) -> None:
    """Let workers finish and their messages land (loads that start more loads included)."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            if not any(w.is_running for w in app.workers):
                return


def table_rows(table: Any) -> list[list[str]]:
    """Every row of a DataTable as plain strings."""
    out = []
    for row_index in range(table.row_count):
        out.append([str(getattr(cell, "plain", cell)) for cell in table.get_row_at(row_index)])
    return out


def column(table: Any, index: int) -> list[str]:
    """One column of a DataTable as plain strings."""
    return [row[index] for row in table_rows(table)]


def make(settings: Any, now: datetime = FIXED) -> Any:
    """The app, as the CLI builds it, with the fixed clock."""
    from termcrm.tui.app import make_app

    return make_app(settings, now=now)


def shown(widget: Any) -> str:
    """The text a widget shows on screen now, line by line."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))
