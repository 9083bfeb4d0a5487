"""Modal forms: first field focused, ``ctrl+s`` saves (Enter on the last field too), ``escape`` cancels.

Each field may carry a ``check`` (a pure parser from the core: an email, a
date, an amount) that runs when the field loses focus and before saving; its
message appears under the field and nothing typed is lost. Saving runs the
caller's ``save(session, values, version)`` in a thread worker inside one
write session; a service error keeps the form open with the message. A stale
edit (:class:`~termcrm.errors.Conflict`) shows the user's and the stored
values side by side and offers to reload theirs or overwrite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TextArea

from termcrm.errors import Conflict, CrmError

if TYPE_CHECKING:
    from sqlmodel import Session

    from termcrm.tui.app import CrmApp


@dataclass
class Field:
    """One input of a form."""

    name: str
    label: str
    value: str = ""
    kind: str = "text"
    """``text``, ``multiline`` or ``choice``."""
    required: bool = False
    choices: Sequence[tuple[str, str]] = ()
    """(label, value) pairs of a ``choice`` field; the value ``""`` means none."""
    placeholder: str = ""
    check: Callable[[str], object] | None = None
    """Raises :class:`CrmError` (or ValueError) with a message when the text is not acceptable."""


@dataclass
class FormData:
    """What a form hands to its ``save`` function."""

    values: dict[str, str]
    """Every field's text now."""
    version: int | None
    """The record's version the form was filled from (for ``expected_version``)."""
    baseline: dict[str, str]
    """The values the form was filled with: a field equal to its baseline was not changed."""

    def changed(self, name: str) -> bool:
        """Whether the user changed field ``name``."""
        return self.values.get(name, "").strip() != self.baseline.get(name, "").strip()


SaveFn = Callable[["Session", FormData], Any]
ReloadFn = Callable[["Session"], "tuple[dict[str, str], int | None]"]


def field_error(spec: Field, text: str) -> str | None:
    """The message for ``text`` in ``spec``, or None when it is acceptable."""
    if not text.strip():
        return f"{spec.label.lower()} is required" if spec.required else None
    if spec.check is None:
        return None
    try:
        spec.check(text.strip())
    except CrmError as exc:
        return exc.message
    except ValueError as exc:
        return str(exc) or "not a valid value"
    return None


class ConflictScreen(ModalScreen[str]):
    """Someone saved the record while it was being edited: show both, ask what to keep."""

    BINDINGS = [
        Binding("r", "choose('reload')", "Reload theirs", id="conflict-reload", tooltip="Take the stored values."),
        Binding("o", "choose('overwrite')", "Overwrite", id="conflict-overwrite", tooltip="Save your values anyway."),
        Binding("escape", "choose('cancel')", "Back", id="conflict-back", tooltip="Return to the form unchanged."),
    ]

    def __init__(self, what: str, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.what = what
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="conflict-dialog"):
            yield Label(f"{self.what} was changed by someone else while you edited it", classes="dialog-title")
            table: DataTable[str] = DataTable(id="conflict-table", cursor_type="none")
            table.add_columns("field", "yours", "stored now")
            for name, mine, theirs in self.rows:
                table.add_row(name, mine, theirs)
            yield table
            with Horizontal(classes="dialog-buttons"):
                yield Button("Reload theirs (r)", id="conflict-reload")
                yield Button("Overwrite (o)", variant="warning", id="conflict-overwrite")
                yield Button("Back (esc)", id="conflict-back")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "conflict-back").removeprefix("conflict-").replace("back", "cancel"))

    def action_choose(self, choice: str) -> None:
        """Close with ``choice``: reload, overwrite or cancel."""
        self.dismiss(choice)


class FormScreen(ModalScreen[Any]):
    """A modal form whose result is what ``save`` returned (None when cancelled)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form-save", tooltip="Check and save the form.", priority=True),
        Binding("escape", "cancel", "Cancel", id="form-cancel", tooltip="Close the form without saving."),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        save: SaveFn,
        *,
        summary: str = "",
        version: int | None = None,
        reload: ReloadFn | None = None,
        what: str = "the record",
    ) -> None:
        super().__init__()
        self.heading = title
        self.fields = list(fields)
        self.save_fn = save
        self.summary = summary or title
        self.version = version
        self.reload_fn = reload
        self.what = what
        self.saving = False
        self.baseline = {spec.name: spec.value for spec in self.fields}

    @property
    def crm(self) -> CrmApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog", id="form-dialog"):
            yield Label(self.heading, classes="dialog-title")
            with VerticalScroll(id="form-fields"):
                for spec in self.fields:
                    with Horizontal(classes="form-row", id=f"row-{spec.name}"):
                        yield Label(spec.label + (" *" if spec.required else ""), classes="form-label")
                        with Vertical(classes="form-input"):
                            yield self._input(spec)
                            yield Static("", classes="field-error", id=f"error-{spec.name}")
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="form-save")
                yield Button("Cancel (esc)", id="form-cancel")

    def _input(self, spec: Field) -> Widget:
        ident = f"field-{spec.name}"
        if spec.kind == "choice":
            options = [(label, value) for label, value in spec.choices if value != ""]
            blank = any(value == "" for _label, value in spec.choices) or not spec.value
            if spec.value:
                return Select(
                    options,
                    id=ident,
                    allow_blank=blank,
                    prompt="(none)",
                    value=spec.value,
                    classes="form-field",
                    compact=True,
                )
            return Select(options, id=ident, allow_blank=True, prompt="(none)", classes="form-field", compact=True)
        if spec.kind == "multiline":
            area = TextArea(spec.value, id=ident, classes="form-field form-multiline", soft_wrap=True, compact=True)
            area.show_line_numbers = False
            return area
        return Input(
            spec.value,
            placeholder=spec.placeholder,
            id=ident,
            classes="form-field",
            select_on_focus=False,
            compact=True,
        )

    def on_mount(self) -> None:
        if self.fields:
            self.widget_for(self.fields[0].name).focus()

    # ------------------------------------------------------------------ values

    def widget_for(self, name: str) -> Widget:
        """The input widget of field ``name``."""
        return self.query_one(f"#field-{name}")

    def value_of(self, name: str) -> str:
        """The text in field ``name`` now."""
        widget = self.widget_for(name)
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            value = widget.value
            return "" if value is Select.NULL or value is None else str(value)
        return ""

    def set_value(self, name: str, text: str) -> None:
        """Put ``text`` in field ``name``."""
        widget = self.widget_for(name)
        if isinstance(widget, Input):
            widget.value = text
        elif isinstance(widget, TextArea):
            widget.text = text
        elif isinstance(widget, Select):
            if text:
                widget.value = text
            else:
                widget.clear()

    def values(self) -> dict[str, str]:
        """Every field's text."""
        return {spec.name: self.value_of(spec.name) for spec in self.fields}

    def _spec(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def show_field_error(self, name: str, message: str | None) -> None:
        """Show (or with None clear) the message under field ``name``."""
        self.query_one(f"#error-{name}", Static).update(message or "")
        self.query_one(f"#row-{name}").set_class(bool(message), "-invalid")

    def check_field(self, name: str) -> bool:
        """Run the field's checks now; True when it is acceptable."""
        spec = self._spec(name)
        if spec is None:
            return True
        message = field_error(spec, self.value_of(name))
        self.show_field_error(name, message)
        return message is None

    def show_form_error(self, message: str) -> None:
        """A message for the whole form (a service's refusal)."""
        self.query_one("#form-error", Static).update(message)
        self.query_one("#form-error").set_class(bool(message), "-shown")

    # ------------------------------------------------------------------ events

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        name = (event.input.id or "").removeprefix("field-")
        if self._spec(name) is not None and event.input.value.strip():
            self.check_field(name)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        row = self.query(f"#row-{name}")
        if row and row.first().has_class("-invalid"):
            self.check_field(name)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = (event.input.id or "").removeprefix("field-")
        names = [f.name for f in self.fields]
        if name not in names or name == names[-1]:
            self.action_save()
            return
        self.check_field(name)
        self.widget_for(names[names.index(name) + 1]).focus()

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)

    def action_save(self) -> None:
        """Check every field, then save in a worker."""
        if self.saving:
            return
        bad = [spec.name for spec in self.fields if not self.check_field(spec.name)]
        if bad:
            self.widget_for(bad[0]).focus()
            self.show_form_error("fix the marked fields, then save again")
            return
        self.show_form_error("")
        self.saving = True
        self._save(FormData(self.values(), self.version, dict(self.baseline)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="form-save")
    def _save(self, data: FormData) -> None:
        values = data.values
        try:
            with self.crm.db.write(self.summary) as session:
                result = self.save_fn(session, data)
        except Conflict as exc:
            theirs: tuple[dict[str, str], int | None] | None = None
            if self.reload_fn is not None:
                try:
                    with self.crm.db.read() as session:
                        theirs = self.reload_fn(session)
                except CrmError:
                    theirs = None
            self.app.call_from_thread(self._conflict, exc.message, values, theirs)
            return
        except CrmError as exc:
            self.app.call_from_thread(self._failed, exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - shown in the form rather than crashing the app
            self.app.call_from_thread(self._failed, f"unexpected {type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._saved, result)

    def _saved(self, result: Any) -> None:
        self.saving = False
        self.crm.note_write()
        self.dismiss(result)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.show_form_error(message)

    def _conflict(
        self, message: str, mine: Mapping[str, str], theirs: tuple[dict[str, str], int | None] | None
    ) -> None:
        self.saving = False
        if theirs is None:
            self.show_form_error(message)
            return
        stored, version = theirs
        rows = [
            (spec.label, mine.get(spec.name, ""), stored.get(spec.name, ""))
            for spec in self.fields
            if spec.name in stored and stored.get(spec.name, "") != mine.get(spec.name, "")
        ]

        def decided(choice: str | None) -> None:
            if choice == "reload":
                for name, text in stored.items():
                    if self._spec(name) is not None:
                        self.set_value(name, text)
                self.version = version
                self.baseline = dict(stored)
                self.show_form_error("reloaded the stored values; change them and save again")
            elif choice == "overwrite":
                self.version = version
                self.baseline = dict(stored)
                self.action_save()
            else:
                self.show_form_error(message)

        self.app.push_screen(ConflictScreen(self.what, rows), decided)
