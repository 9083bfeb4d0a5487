"""A DataTable for lists of records: one row is one record, ``home``/``end`` go to the first and last row."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class RecordTable(DataTable[Any]):
    """Row cursor, zebra stripes, and ``home``/``end`` that move the cursor (not the view sideways)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first_row", "First", id="table-first", tooltip="Go to the first row.", show=False),
        Binding("end", "last_row", "Last", id="table-last", tooltip="Go to the last loaded row.", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)

    def action_first_row(self) -> None:
        """Move the cursor to the first row."""
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        """Move the cursor to the last row loaded."""
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
