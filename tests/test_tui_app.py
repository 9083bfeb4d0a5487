"""The app shell: screens by number, quit, the key list, the command palette, global search, themes, the CLI."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tui_support import FIXED, make, settle

MODES = ["contacts", "pipeline", "calendar", "tickets", "reports"]


def seed(db: Any) -> None:
    from termcrm.services import contacts, deals, followups, tickets

    with db.write("seed") as s:
        ann = contacts.create_contact(
            s, contacts.ContactInput(first_name="Ann", last_name="Lee", emails=["ann@example.com"], company="Acme")
        )
        deals.create_deal(s, deals.DealInput(title="Acme renewal", contact=ann, amount="1200"), now=FIXED)
        followups.add_followup(s, "Call Ann", due="2026-11-23 14:00", contact=ann, now=FIXED)
        tickets.open_ticket(s, "Cannot log in", contact=ann, now=FIXED)


async def test_number_keys_switch_screens_but_type_in_a_text_field(db, settings) -> None:
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key, mode in zip("25341", ["pipeline", "reports", "calendar", "tickets", "contacts"], strict=True):
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == mode
        await pilot.press("f", "2")
        await settle(pilot)
        assert app.current_mode == "contacts"
        assert app.screen.query_one("#contacts-filter").value == "2"


async def test_q_quits(db, settings) -> None:
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app._exit is True  # noqa: SLF001 - Textual's own flag for "exit requested"


async def test_question_mark_lists_every_key_of_the_current_screen(db, settings) -> None:
    from termcrm.tui.screens.help import HelpScreen

    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {row[0]: row[1] for row in app.screen.rows}
        for key, name in (
            ("]", "Stage →"),
            ("W", "Won"),
            ("L", "Lost"),
            ("n", "New"),
            ("p", "Pipeline"),
            ("v", "Won/lost"),
            ("o", "Owner"),
            ("/", "Search"),
            ("1", "Contacts"),
            ("q", "Quit"),
            ("^p", "Palette"),
        ):
            assert rows.get(key) == name, (key, rows)
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == "pipeline"


def _binding_classes() -> list[type]:
    import termcrm.tui as tui

    found: list[type] = []
    for info in pkgutil.walk_packages(tui.__path__, prefix="termcrm.tui."):
        module = importlib.import_module(info.name)
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and "BINDINGS" in obj.__dict__:
                found.append(obj)
    return found


def test_every_binding_has_an_id_and_a_tooltip() -> None:
    classes = _binding_classes()
    assert len(classes) >= 15
    ids: list[str] = []
    for cls in classes:
        for binding in cls.__dict__["BINDINGS"]:
            assert binding.id, f"{cls.__name__} {binding.key} has no id"
            assert binding.tooltip, f"{cls.__name__} {binding.key} has no tooltip"
            ids.append(binding.id)
    assert len(ids) == len(set(ids)), "binding ids repeat"


async def test_palette_offers_noun_prefixed_commands_and_runs_them(db, settings) -> None:
    from termcrm.tui import palette

    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        titles = [c.title for c in palette.commands(app, app.screen)]
        expected = ["go: contacts", "go: pipeline", "go: calendar", "go: tickets", "go: reports", "contact: new"]
        expected += ["deal: new", "deal: move stage", "deal: won", "followup: new", "ticket: new", "app: keys"]
        for title in expected:
            assert title in titles
        assert all(": " in t for t in titles)
        await pilot.press("ctrl+p")
        await settle(pilot)
        for ch in "go: tickets":
            await pilot.press("space" if ch == " " else ch)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "tickets"


async def test_palette_contact_new_opens_the_contact_form(db, settings) -> None:
    from termcrm.tui.widgets.forms import FormScreen

    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        for ch in "contact: new":
            await pilot.press("space" if ch == " " else ch)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert app.screen.heading == "New contact"


@pytest.mark.parametrize(
    "query, screen_name",
    [("Ann", "ContactViewScreen"), ("Acme renewal", "DealViewScreen"), ("Cannot log", "TicketViewScreen")],
)
async def test_slash_searches_everything_and_enter_opens_the_hit(db, settings, query: str, screen_name: str) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        for ch in query:
            await pilot.press("space" if ch == " " else ch)
        await pilot.pause(0.4)
        await settle(pilot)
        assert app.screen.hits, "no hits"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == screen_name


async def test_search_results_take_the_arrow_keys_and_open_the_chosen_hit(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "A", "c", "m", "e")
        await pilot.pause(0.4)
        await settle(pilot)
        kinds = [h.kind for h in app.screen.hits]
        target = kinds.index("deal")
        await pilot.press("down", *["down"] * target, "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "DealViewScreen"


@pytest.mark.parametrize("mode", MODES)
async def test_every_screen_works_at_80_by_24(db, settings, mode: str) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(str(MODES.index(mode) + 1))
        await settle(pilot)
        assert app.current_mode == mode
        assert not [n for n in app._notifications if n.severity == "error"]
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.press("escape")


async def test_contacts_at_80_columns_drop_tags_and_owner_to_fit(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#contacts-table")
        assert [str(c.label).split()[0] for c in table.columns.values()] == [
            "Name",
            "Company",
            "Email",
            "Stage",
            "Last",
        ]
        assert table.virtual_size.width <= 80


async def test_theme_comes_from_config(db, settings) -> None:
    settings.values["tui.theme"] = "nord"
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "nord"


def test_crm_tui_command_runs_the_app_from_the_cli_settings(crm, monkeypatch) -> None:
    import termcrm.tui.app as tui_app

    ran: list[Any] = []

    class Fake:
        def __init__(self, settings: Any) -> None:
            self.settings = settings

        def run(self) -> None:
            ran.append(self.settings)

    monkeypatch.setattr(tui_app, "make_app", lambda settings, **_: Fake(settings))
    crm.ok("--user", "ann", "tui")
    assert [s.user for s in ran] == ["ann"]
    assert ran[0].db_url == crm.db_url


def test_demo_with_no_tui_only_builds(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    import termcrm.tui.app as tui_app
    from termcrm.cli import app

    monkeypatch.setattr(tui_app, "make_app", lambda *a, **k: pytest.fail("the TUI was opened"))
    result = CliRunner().invoke(app, ["demo", "--contacts", "60", "--path", str(tmp_path / "d.db"), "--no-tui"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "d.db").exists()


def test_the_cli_imports_textual_only_to_open_the_tui() -> None:
    code = "import sys, termcrm.cli, termcrm.cli.tui, termcrm.cli.demo; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_binding_id_table_matches_the_screens() -> None:
    from termcrm.tui.keyids import BINDING_IDS

    bound = {b.id: b.key for cls in _binding_classes() for b in cls.__dict__["BINDINGS"]}
    assert bound == BINDING_IDS
    guide = (Path(__file__).parents[1] / "docs" / "tui.md").read_text(encoding="utf-8")
    assert [i for i in BINDING_IDS if f"`{i}` {BINDING_IDS[i]}" not in guide] == []


async def test_keys_rebound_in_config_switch_screens(db, settings) -> None:
    settings.values["tui.keys.go-pipeline"] = "f2"
    settings.values["tui.keys.go-reports"] = "ctrl+r,5"
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.current_mode == "contacts"
        await pilot.press("f2")
        await settle(pilot)
        assert app.current_mode == "pipeline"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.current_mode == "reports"
        await pilot.press("1", "5")
        await settle(pilot)
        assert app.current_mode == "reports"


async def test_a_rebound_key_wins_over_another_binding_of_that_key(db, settings) -> None:
    settings.values["tui.keys.contacts-add"] = "e"
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert app.focused is None or app.focused.id != "field-first_name"
        await pilot.press("e")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "field-first_name"
        assert app.focused.value == ""
