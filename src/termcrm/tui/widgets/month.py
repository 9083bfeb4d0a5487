"""A month grid: six weeks of day cells, each with the number of follow-ups due that day.

Days with overdue follow-ups take the error colour, today is marked, the
selected day is highlighted; a click on a day selects it. The calendar screen
owns the data and the keys; this widget only draws.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.events import Click
from textual.message import Message
from textual.widgets import Static

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def grid_start(first_day: date) -> date:
    """The Monday on or before the first day of the month: the grid's first cell."""
    return first_day - timedelta(days=first_day.weekday())


def grid_days(first_day: date) -> list[date]:
    """The 42 days the grid shows for the month starting ``first_day``."""
    start = grid_start(first_day)
    return [start + timedelta(days=n) for n in range(42)]


class DayCell(Static):
    """One day: its number, a today mark, and its follow-up count."""

    class Picked(Message):
        """A day was clicked."""

        def __init__(self, day: date) -> None:
            super().__init__()
            self.day = day

    def __init__(self, index: int) -> None:
        super().__init__("", id=f"day-{index}")
        self.day: date | None = None

    def show(self, day: date, month: int, count: int, overdue: int, today: date, selected: date) -> None:
        """Draw ``day``."""
        self.day = day
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{day.day:>2}", style="bold" if day.month == month else "")
        if day == today:
            text.append(" today", style="bold")
        text.append("\n")
        if count:
            if not overdue:
                text.append(f"{count} due")
            else:
                text.append(f"{count} late" if overdue == count else f"{count}, {overdue} late")
        self.update(text)
        self.set_class(day.month != month, "-other-month")
        self.set_class(day == today, "-today")
        self.set_class(day == selected, "-selected")
        self.set_class(overdue > 0, "-overdue")

    def on_click(self, event: Click) -> None:
        event.stop()
        if self.day is not None:
            self.post_message(self.Picked(self.day))


class MonthGrid(Grid):
    """Seven columns of weekdays over six weeks."""

    can_focus = True

    def compose(self) -> ComposeResult:
        for name in WEEKDAYS:
            yield Static(name, classes="weekday")
        for index in range(42):
            yield DayCell(index)

    def show(self, first_day: date, counts: dict[date, tuple[int, int]], today: date, selected: date) -> None:
        """Draw the month that starts on ``first_day``."""
        for index, day in enumerate(grid_days(first_day)):
            count, overdue = counts.get(day, (0, 0))
            self.query_one(f"#day-{index}", DayCell).show(day, first_day.month, count, overdue, today, selected)
