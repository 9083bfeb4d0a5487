"""The kanban board: a column per stage with its figures, and a card per deal.

The board only draws; the pipeline screen owns the selection and the keys. A
click on a card selects it (a second click opens it), like the arrows and
``enter`` do.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import HorizontalScroll, Vertical, VerticalScroll
from textual.events import Click
from textual.message import Message
from textual.widgets import Static

from termcrm.tui import fmt
from termcrm.tui.messages import BoardColumn


def card_text(row: dict[str, Any]) -> Text:
    """A deal card: title; company or contact; amount, days in stage and the rotting mark."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(str(row.get("title") or ""), style="bold")
    text.append("\n")
    text.append(str(row.get("company") or row.get("contact") or "-"), style="italic")
    text.append("\n")
    text.append(fmt.amount(row.get("amount"), row.get("currency")))
    days = int(row.get("days_in_stage") or 0)
    text.append(f"  {days}d", style="dim")
    if row.get("rotting"):
        text.append("  ⚑ rotting", style="bold yellow")
    return text


class DealCard(Static):
    """One deal on the board."""

    class Clicked(Message):
        """A card was clicked (``double`` on the second click of a double click)."""

        def __init__(self, deal_id: int, double: bool) -> None:
            super().__init__()
            self.deal_id = deal_id
            self.double = double

    def __init__(self, row: dict[str, Any], *, selected: bool = False) -> None:
        super().__init__(card_text(row), classes="-selected" if selected else "")
        self.row = row
        self.deal_id = int(row["id"])
        self.set_class(bool(row.get("rotting")), "-rotting")

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(self.Clicked(self.deal_id, event.chain >= 2))


class KanbanColumn(Vertical):
    """One stage: a header with count, total and weighted total, then its cards."""

    def __init__(self, column: BoardColumn) -> None:
        super().__init__(classes=f"-{column.kind}")
        self.column = column

    def compose(self) -> ComposeResult:
        yield Static(self._head(), classes="column-head")
        yield VerticalScroll(classes="column-cards", can_focus=False)

    def _head(self) -> Text:
        c = self.column
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(c.name, style="bold")
        text.append(f"  {c.count}", style="bold")
        text.append("\n" + c.total)
        if c.kind == "open":
            text.append("\n≈ " + c.weighted + " weighted", style="dim")
            if c.rotting:
                text.append(f"\n⚑ {c.rotting} rotting", style="yellow")
        return text

    def show(self, column: BoardColumn, selected_id: int | None) -> None:
        """Redraw the header and the cards."""
        self.column = column
        for kind in ("open", "won", "lost"):
            self.set_class(column.kind == kind, f"-{kind}")
        self.query_one(".column-head", Static).update(self._head())
        cards = self.query_one(".column-cards", VerticalScroll)
        cards.remove_children()
        widgets: list[Static] = [DealCard(row, selected=row["id"] == selected_id) for row in column.cards]
        hidden = column.count - len(column.cards)
        if hidden > 0:
            widgets.append(Static(f"… and {hidden} more (crm deal list stage:{column.name})", classes="column-more"))
        if not column.cards:
            widgets.append(Static("no deals", classes="column-more"))
        cards.mount_all(widgets)

    def select(self, deal_id: int | None) -> DealCard | None:
        """Mark the card of ``deal_id`` selected (and no other); returns it."""
        found = None
        for card in self.query(DealCard):
            chosen = card.deal_id == deal_id
            card.set_class(chosen, "-selected")
            if chosen:
                found = card
        return found


class KanbanBoard(HorizontalScroll, inherit_bindings=False):
    """The columns side by side (scrolls sideways when they do not fit).

    It takes no keys of its own: the arrows select cards (the pipeline screen's
    bindings), and the board scrolls to keep the selected column in view.
    """

    MIN_COLUMN = 20
    """Columns share the width, but none gets narrower than this (the board scrolls instead)."""

    def fit_columns(self) -> None:
        """Share the width between the columns."""
        columns = list(self.query_children(KanbanColumn))
        if not columns or not self.size.width:
            return
        width = max(self.MIN_COLUMN, self.size.width // len(columns))
        for column in columns:
            column.styles.width = width

    def on_resize(self) -> None:
        self.fit_columns()
