"""``?``: every key of the current screen (its own, the focused widget's and the app's), with what it does."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label


def key_rows(screen: Screen[Any]) -> list[tuple[str, str, str, str]]:
    """(key, name, what it does, where) of every active binding of ``screen``, screen's first."""
    app = screen.app
    rows: list[tuple[int, str, str, str, str]] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system:
            continue
        node = active.node
        if isinstance(node, App):
            where, order = "everywhere", 2
        elif isinstance(node, Screen):
            where, order = "this screen", 0
        else:
            where, order = type(node).__name__, 1
        name = binding.description or binding.action.replace("_", " ")
        display = app.get_key_display(binding)
        rows.append((order, display or key, name, binding.tooltip or "", where))
    rows.sort(key=lambda r: r[0])
    return [(k, n, t, w) for _o, k, n, t, w in rows]


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened over."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="help-close", tooltip="Close the key list."),
        Binding("question_mark", "close", "Close", id="help-toggle", tooltip="Close the key list.", show=False),
    ]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.rows = key_rows(screen)
        self.screen_name = str(getattr(screen, "TITLE_TEXT", "") or type(screen).__name__.removesuffix("Screen"))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label(f"Keys: {self.screen_name}", classes="dialog-title")
            table: DataTable[str] = DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("key", "does", "details", "where")
            for row in self.rows:
                table.add_row(*row)
            yield table
            yield Label("escape closes · ctrl+p finds any command by name", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def action_close(self) -> None:
        """Close the key list."""
        self.dismiss(None)
