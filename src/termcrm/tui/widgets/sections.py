"""One section of a record view (sales, follow-ups, tickets, campaigns...): a title, figures and a table.

Sections come from the services in one shape (``{"title", "summary",
"columns", "items"}``, see docs/architecture.md), so a module that adds a
section to ``contact show`` shows up here too without a change to the TUI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from termcrm.tui import fmt

DATE_KEYS = frozenset({"close", "due", "at", "added_at", "responded_at", "occurred_at", "created_at", "resolution_due"})


def cell_text(key: str, value: Any) -> str:
    """A section cell as text (dates in local time)."""
    if key in DATE_KEYS and isinstance(value, str) and len(value) > 10:
        return fmt.when(value)
    return fmt.plain(value)


class SectionView(Vertical):
    """A titled table of a section's items; enter on a row posts :class:`SectionView.ItemChosen`."""

    class ItemChosen(Message):
        """The user chose an item of a section."""

        def __init__(self, section: str, item: Mapping[str, Any]) -> None:
            super().__init__()
            self.section = section
            self.item = item

    def __init__(self, key: str, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, classes="section")
        self.key = key
        self.items: list[Mapping[str, Any]] = []
        self.columns: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label("", classes="section-title")
        yield Static("", classes="section-summary")
        yield DataTable(cursor_type="row", classes="section-table", show_cursor=True)

    @property
    def table(self) -> DataTable[Any]:
        """The items table."""
        return self.query_one(DataTable)

    def show(
        self,
        title: str,
        summary: Mapping[str, Any] | str,
        columns: Sequence[str],
        items: Sequence[Mapping[str, Any]],
        *,
        empty: str = "none",
    ) -> None:
        """Fill the section (keeping the cursor on the same item when it is still there)."""
        self.query_one(".section-title", Label).update(title)
        text = summary if isinstance(summary, str) else fmt.summary_line(summary)
        summary_widget = self.query_one(".section-summary", Static)
        summary_widget.update(text)
        summary_widget.display = bool(text)
        table = self.table
        keep = table.cursor_row
        if list(columns) != self.columns:
            table.clear(columns=True)
            for column in columns:
                table.add_column(column.replace("_", " "), key=column)
            self.columns = list(columns)
        else:
            table.clear()
        self.items = list(items)
        table.display = bool(self.items)
        for index, item in enumerate(self.items):
            table.add_row(*[cell_text(c, item.get(c)) for c in columns], key=str(index))
        # The table sizes its rows when idle; shown in the same moment, it was sometimes laid out
        # before that and kept a height of zero (the section showed its title only) until the next
        # key press. Lay it out again once the screen has refreshed.
        self.call_after_refresh(table.refresh, layout=True)
        if not self.items:
            summary_widget.update((text + "  ·  " if text else "") + empty)
            summary_widget.display = True
        elif 0 <= keep < len(self.items):
            table.move_cursor(row=keep, animate=False)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        index = event.cursor_row
        if 0 <= index < len(self.items):
            self.post_message(self.ItemChosen(self.key, self.items[index]))
