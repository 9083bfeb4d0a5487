"""``/``: one search box over contacts, companies, deals, tickets, articles and interactions.

Hits come from ``services.search.search`` (the same index ``crm search`` reads);
``enter`` opens the highlighted hit in its own view.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label

from termcrm.tui import fmt
from termcrm.tui.messages import SearchFinished

KIND_LABELS = {
    "contact": "contact",
    "company": "company",
    "deal": "deal",
    "ticket": "ticket",
    "kb_article": "article",
    "interaction": "activity",
}
"""How each kind of hit is labelled."""

_MARK = re.compile(r"\[([^\]]*)\]")


def marked(snippet: str) -> Text:
    """A snippet with the index's ``[match]`` marks shown in bold."""
    text = Text()
    last = 0
    for match in _MARK.finditer(snippet):
        text.append(snippet[last : match.start()])
        text.append(match.group(1), style="bold reverse")
        last = match.end()
    text.append(snippet[last:])
    return text


class SearchScreen(ModalScreen[None]):
    """Global search."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="search-close", tooltip="Close search."),
        Binding("down", "to_results", "Results", id="search-results", tooltip="Move to the results.", show=False),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.query_text = query
        self.hits: list[Any] = []
        self.timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="search-dialog"):
            yield Label("Search everything", classes="dialog-title")
            yield Input(self.query_text, placeholder="a name, an email, a deal, a ticket subject…", id="search-input")
            table: DataTable[Any] = DataTable(id="search-results", cursor_type="row")
            table.add_column("kind", key="kind", width=8)
            table.add_column("title", key="title", width=34)
            table.add_column("match", key="match")
            yield table
            yield Label(
                "type to search · ↓ to the results · enter opens · escape closes",
                id="search-hint",
                classes="dialog-hint",
            )

    @property
    def results(self) -> DataTable[Any]:
        """The hits table."""
        return self.query_one("#search-results", DataTable)

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self.query_text:
            self._search(self.query_text)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        if self.timer is not None:
            self.timer.stop()
        text = event.value
        self.timer = self.set_timer(0.2, lambda: self._search(text))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.hits and event.value == self.query_text:
            self._open(self.results.cursor_row)
        else:
            self._search(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search(self, text: str) -> None:
        from termcrm.services import search

        app: Any = self.app
        try:
            with app.db.read() as session:
                hits = search.search(session, text, limit=50)
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.notify, f"search: {exc}", severity="error")
            return
        self.post_message(SearchFinished(text, hits))

    @on(SearchFinished)
    def _found(self, message: SearchFinished) -> None:
        if message.query != self.query_one("#search-input", Input).value:
            return
        self.query_text = message.query
        self.hits = message.hits
        table = self.results
        table.clear()
        for index, hit in enumerate(self.hits):
            table.add_row(
                KIND_LABELS.get(hit.kind, hit.kind),
                Text(fmt.cut(hit.title, 34), style="bold"),
                marked(hit.snippet),
                key=str(index),
            )
        hint = self.query_one("#search-hint", Label)
        if message.query.strip() and not self.hits:
            hint.update(f"nothing matches {message.query!r}")
        else:
            hint.update(f"{len(self.hits)} hits · ↓ to the results · enter opens · escape closes")

    @on(DataTable.RowSelected, "#search-results")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self._open(event.cursor_row)

    def _open(self, index: int) -> None:
        if not 0 <= index < len(self.hits):
            return
        hit = self.hits[index]
        app: Any = self.app
        self.dismiss(None)
        app.open_record(hit.kind, hit.id)

    def action_to_results(self) -> None:
        """Move from the box to the results."""
        if self.hits:
            self.results.focus()

    def action_close(self) -> None:
        """Close search."""
        self.dismiss(None)
