"""Pick one value from a short list (a pipeline, an owner, a status) in a modal."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class PickerScreen(ModalScreen[str | None]):
    """``push_screen(PickerScreen(title, [(value, label)...]), callback)``: the value, or None on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker-cancel", tooltip="Close without choosing."),
    ]

    def __init__(self, title: str, options: Sequence[tuple[str, str]], *, current: str | None = None) -> None:
        super().__init__()
        self.heading = title
        self.options = list(options)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker-dialog"):
            yield Label(self.heading, classes="dialog-title")
            yield OptionList(*[Option(label, id=value) for value, label in self.options], id="picker-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        for index, (value, _label) in enumerate(self.options):
            if value == self.current:
                options.highlighted = index
                break
        else:
            options.highlighted = 0 if self.options else None

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
