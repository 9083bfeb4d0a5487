"""Snapshots of every screen at 120x40 on the demo database (60 contacts, seed 7) with a fixed clock.

The baselines are SVG files under tests/__snapshots__/; after a deliberate
change of the look, review the report and run
``pytest tests/test_tui_snapshots.py --snapshot-update``. The clock is fixed
twice: the app's ``now`` and :func:`termcrm.dates.utcnow` (read by the few
service helpers that take no ``now``), so nothing depends on the day the
tests run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_support import FIXED, settle

SIZE = (120, 40)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from termcrm.demo import build

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TZ", "UTC")
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        build(str(path), contacts=60, seed=7, now=FIXED)
    return path


@pytest.fixture
def demo(demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Any]]:
    """A factory of apps on a private copy of the demo database, as user ann, at the fixed clock."""
    import shutil

    from termcrm import dates
    from termcrm.config import Settings, normalize_db
    from termcrm.tui.app import make_app

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(dates, "utcnow", lambda: FIXED)
    copy = tmp_path / "demo.db"
    shutil.copy(demo_path, copy)
    settings = Settings(db_url=normalize_db(str(copy)), user="ann", values={})
    yield lambda: make_app(settings, now=FIXED)


def steps(*actions: Any) -> Callable[[Any], Any]:
    """A ``run_before`` that settles, then runs each action (keys, or a callable taking the pilot)."""

    async def run(pilot: Any) -> None:
        await settle(pilot)
        for action in actions:
            if callable(action):
                result = action(pilot)
                if hasattr(result, "__await__"):
                    await result
            else:
                await pilot.press(*action.split())
            await settle(pilot)
        for widget in pilot.app.screen.query("Input, TextArea"):
            widget.cursor_blink = False
        # Tables size their rows when idle, later still on a busy machine: wait until what the
        # screen shows stops changing.
        shown = None
        for _ in range(100):
            await pilot.pause(0.1)
            await settle(pilot)
            now = pilot.app.export_screenshot()
            if now == shown:
                break
            shown = now

    return run


def record(pilot: Any, kind: str, record_id: int) -> None:
    pilot.app.open_record(kind, record_id)


def test_contacts(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps())


def test_contacts_at_80_by_24(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=(80, 24), run_before=steps())


def test_contact_view(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps(lambda p: record(p, "contact", 39)))


def test_company_view(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps(lambda p: record(p, "company", 4)))


def test_pipeline(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("2"))


def test_pipeline_with_won_and_lost(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("2", "v"))


def test_deal_view(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("2", "enter"))


def test_calendar(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("3"))


def test_tickets(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("4"))


def test_ticket_view(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("4", "enter"))


def test_reports(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("5"))


def test_reports_forecast(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("5", "down"))


def test_help(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("2", "question_mark"))


def test_search(snap_compare, demo) -> None:
    async def search(pilot: Any) -> None:
        await pilot.press("slash", *"Horizon")
        await pilot.pause(0.4)

    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps(search))


def test_contact_form(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("a", "Z o e tab tab"))


def test_form_with_a_bad_email(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("a", "Z o e tab tab", "n o p e tab", "ctrl+s"))


def test_archive_confirmation(snap_compare, demo) -> None:
    assert snap_compare(demo(), terminal_size=SIZE, run_before=steps("d"))
