"""A yes/no question as a typed modal: ``push_screen(ConfirmScreen(...), callback)`` gets True or False."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmScreen(ModalScreen[bool]):
    """Ask before doing something the user may regret (archive, resolve...)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes", tooltip="Do it."),
        Binding("n", "answer(False)", "No", id="confirm-no", tooltip="Do not do it."),
        Binding("escape", "answer(False)", "Cancel", id="confirm-cancel", tooltip="Close without doing anything."),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", title: str = "Confirm") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(self.heading, classes="dialog-title")
            yield Label(self.question, id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="confirm-yes")
                yield Button("No (n)", variant="default", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        """Close with ``answer``."""
        self.dismiss(answer)
