"""Export the TUI screenshots in this folder (SVG, with Textual's ``save_screenshot``).

Builds the demo database (60 contacts, seed 7, clock fixed at 2026-11-23
09:00 UTC) in a temporary directory, drives the app headless at 120x40 and
saves one SVG per screen next to this file::

    python docs/img/screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
FIXED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

Step = Callable[[Any], Awaitable[None]]


async def settle(pilot: Any) -> None:
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def keys(*names: str) -> Step:
    async def run(pilot: Any) -> None:
        for name in names:
            await pilot.press(name)
            await settle(pilot)

    return run


def open_record(kind: str, record_id: int) -> Step:
    async def run(pilot: Any) -> None:
        pilot.app.open_record(kind, record_id)
        await settle(pilot)

    return run


SHOTS: dict[str, list[Step]] = {
    "tui-contacts": [],
    "tui-contact-view": [open_record("contact", 39)],
    "tui-pipeline": [keys("2")],
    "tui-deal-view": [keys("2", "enter")],
    "tui-calendar": [keys("3")],
    "tui-tickets": [keys("4")],
    "tui-ticket-view": [keys("4", "enter")],
    "tui-reports": [keys("5")],
    "tui-search": [keys("slash", *"Horizon"), keys()],
    "tui-form": [keys("a", "Z", "o", "e", "tab", "tab", "n", "o", "p", "e", "ctrl+s")],
    "tui-palette": [keys("ctrl+p")],
    "tui-keys": [keys("2", "question_mark")],
}
"""File name -> the steps that lead to the screen."""


async def shoot(settings: Any, name: str, steps: list[Step]) -> None:
    from termcrm import dates
    from termcrm.tui.app import make_app

    dates.utcnow = lambda: FIXED  # the few helpers that take no clock read this one
    app = make_app(settings, now=FIXED)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for step in steps:
            await step(pilot)
        await pilot.pause(0.5)
        for widget in app.screen.query("Input, TextArea"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
        print(f"wrote {HERE / (name + '.svg')}")


def main() -> None:
    os.environ["TZ"] = "UTC"
    os.environ.pop("NO_COLOR", None)
    from termcrm.config import Settings, normalize_db
    from termcrm.demo import build

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "demo.db")
        build(path, contacts=60, seed=7, now=FIXED)
        settings = Settings(db_url=normalize_db(path), user="ann", values={})
        for name, steps in SHOTS.items():
            asyncio.run(shoot(settings, name, steps))


if __name__ == "__main__":
    main()
