"""Contacts: a filterable, sortable table that pages from SQL in windows.

The table never holds the whole list: it asks ``contacts.list_contacts`` for
:data:`WINDOW` rows at a time and fetches the next window when the cursor
comes within :data:`AHEAD` rows of the end, so 100,000 contacts open as fast
as 100. The filter takes the CLI's filter words (``stage:customer +vip
city:berlin ana``); a header click or ``s`` changes the order.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Static

from termcrm.errors import CrmError
from termcrm.tui import fmt
from termcrm.tui.messages import ContactsCounted, ContactsLoaded
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.widgets.tables import RecordTable

WINDOW = 100
"""Rows fetched per window."""

AHEAD = 25
"""Fetch the next window when the cursor is this close to the last loaded row."""

COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("name", "Name", "name"),
    ("company", "Company", None),
    ("email", "Email", None),
    ("stage", "Stage", "stage"),
    ("tags", "Tags", None),
    ("last", "Last contacted", "last_contacted"),
    ("owner", "Owner", None),
)
"""(column key, header, sort field or None when the list cannot be ordered by it)."""

SORTS: tuple[str, ...] = ("name", "-last_contacted", "stage", "-created")
"""What ``s`` cycles through."""


def column_widths(width: int) -> dict[str, int]:
    """Cell widths of the columns that fit in ``width`` terminal columns (narrow screens drop tags and owner)."""
    usable = width - 4
    if usable >= 112:
        base = {"name": 20, "company": 18, "email": 24, "stage": 11, "tags": 12, "last": 14, "owner": 6}
    else:
        base = {"name": 18, "company": 14, "email": 18, "stage": 11, "last": 14}
    spare = usable - sum(base.values()) - 2 * len(base)
    if spare > 0:
        for key, share in (("name", 0.35), ("company", 0.3), ("email", 0.35)):
            base[key] += int(spare * share)
    elif spare < 0:
        for key in ("email", "company", "name"):
            cut = min(-spare, base[key] - 10)
            base[key] -= cut
            spare += cut
    return base


class ContactsScreen(CrmScreen):
    """The contact list."""

    PALETTE = (
        ("contact: open", "open", "Open the 360° view of the selected contact"),
        ("contact: edit", "edit", "Edit the selected contact"),
        ("contact: archive", "archive", "Archive the selected contact"),
        ("contact: filter", "filter", "Type filter words"),
        ("contact: sort", "sort", "Order by name, last contacted, stage, created"),
        ("company: open", "company", "Open the selected contact's company"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="contacts-open", tooltip="Open the 360° view of the contact."),
        Binding("a", "add", "Add", id="contacts-add", tooltip="Add a contact."),
        Binding("e", "edit", "Edit", id="contacts-edit", tooltip="Edit the contact."),
        Binding(
            "d", "archive", "Archive", id="contacts-archive", tooltip="Archive the contact (crm undo restores it)."
        ),
        Binding("c", "company", "Company", id="contacts-company", tooltip="Open the contact's company."),
        Binding("f", "filter", "Filter", id="contacts-filter", tooltip="Type filter words: stage:customer +vip ana."),
        Binding("s", "sort", "Sort", id="contacts-sort", tooltip="Order by name, last contacted, stage, created."),
        Binding("escape", "leave_filter", "Table", id="contacts-table", tooltip="Back to the table.", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.sort = "name"
        self.generation = 0
        self.rows: list[dict[str, Any]] = []
        self.total: int | None = None
        self.exhausted = False
        self.fetching = False
        self.widths: dict[str, int] = {}
        self.error: str | None = None
        self.pending_id: int | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static("Contacts", classes="screen-title")
            yield Static("", id="contacts-status", classes="screen-status")
        yield Input(
            placeholder="filter: stage:customer +vip city:berlin ana  (f to type, enter applies)",
            id="contacts-filter",
            classes="filter-input",
        )
        yield RecordTable(id="contacts-table")
        yield Footer(show_command_palette=False)

    @property
    def table(self) -> DataTable[Any]:
        """The contact table."""
        return self.query_one("#contacts-table", DataTable)

    @property
    def filter_input(self) -> Input:
        """The filter words input."""
        return self.query_one("#contacts-filter", Input)

    def on_mount(self) -> None:
        self._build_columns(self.app.size.width)
        self.table.focus()
        self.reload()

    def on_resize(self) -> None:
        widths = column_widths(self.size.width)
        if widths != self.widths:
            self._build_columns(self.size.width)
            self._fill(self.rows, keep=self.current_id())

    def _build_columns(self, width: int) -> None:
        self.widths = column_widths(width)
        table = self.table
        table.clear(columns=True)
        for key, header, sort in COLUMNS:
            if key in self.widths:
                label = header
                if sort and self.sort.lstrip("-") == sort:
                    label += " ↓" if self.sort.startswith("-") else " ↑"
                table.add_column(label, key=key, width=self.widths[key])

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Load the first windows again (as many rows as are loaded now), keeping the cursor's contact."""
        self.begin_load()
        self.generation += 1
        self.fetching = True
        self._load(self.generation, list(self.words), self.sort, 0, max(WINDOW, len(self.rows)), True)

    def fetch_more(self) -> None:
        """Load the next window after the last loaded row."""
        if self.fetching or self.exhausted:
            return
        self.fetching = True
        self._load(self.generation, list(self.words), self.sort, len(self.rows), WINDOW, False)

    @work(thread=True, exclusive=False, exit_on_error=False, group="contacts-load")
    def _load(self, generation: int, words: list[str], sort: str, offset: int, limit: int, count: bool) -> None:
        from termcrm.services import contacts

        try:
            with self.crm.db.read() as session:
                found = contacts.list_contacts(
                    session, words, sort=sort, limit=limit, offset=offset, now=self.crm.now()
                )
                rows = contacts.rows(session, found)
            self.post_message(ContactsLoaded(generation, rows, offset, None))
            if count and len(rows) >= limit:
                with self.crm.db.read() as session:
                    total = contacts.count_contacts(session, words)
                self.post_message(ContactsCounted(generation, total))
        except CrmError as exc:
            self.post_message(ContactsLoaded(generation, [], offset, None, error=exc.message))
        except Exception as exc:  # noqa: BLE001 - shown, the app stays up
            self.post_message(ContactsLoaded(generation, [], offset, None, error=f"unexpected {exc}"))

    @on(ContactsLoaded)
    def _loaded(self, message: ContactsLoaded) -> None:
        if message.generation != self.generation:
            return
        self.fetching = False
        if message.error:
            self.error = message.error
            self._status()
            return
        self.error = None
        if message.offset == 0:
            keep = self.pending_id if self.pending_id is not None else self.current_id()
            self.pending_id = None
            self.rows = list(message.rows)
            limit = max(WINDOW, len(self.rows))
            self.exhausted = len(message.rows) < limit
            self.total = len(self.rows) if self.exhausted else None
            self._fill(self.rows, keep=keep)
        else:
            self.exhausted = len(message.rows) < WINDOW
            self.rows.extend(message.rows)
            for row in message.rows:
                self._add_row(row)
            if self.exhausted:
                self.total = len(self.rows)
        if self.total is not None and len(self.rows) >= self.total:
            self.exhausted = True
        self._status()

    @on(ContactsCounted)
    def _counted(self, message: ContactsCounted) -> None:
        if message.generation == self.generation:
            self.total = message.total
            self._status()

    def _cells(self, row: dict[str, Any]) -> list[Any]:
        w = self.widths
        values = {
            "name": Text(fmt.cut(row["name"], w["name"]), style="bold"),
            "company": fmt.cut(row.get("company"), w["company"]),
            "email": fmt.cut(row.get("email"), w["email"]),
            "stage": row.get("stage") or "",
            "tags": fmt.cut(" ".join(f"+{t}" for t in row.get("tags") or []), w.get("tags", 0)),
            "last": fmt.day(row.get("last_contacted_at")),
            "owner": fmt.cut(row.get("owner"), w.get("owner", 0)),
        }
        return [values[key] for key, _h, _s in COLUMNS if key in w]

    def _add_row(self, row: dict[str, Any]) -> None:
        self.table.add_row(*self._cells(row), key=str(row["id"]))

    def _fill(self, rows: list[dict[str, Any]], keep: int | None) -> None:
        table = self.table
        old_index = table.cursor_row
        table.clear()
        for row in rows:
            self._add_row(row)
        if not rows:
            return
        index = next((i for i, r in enumerate(rows) if r["id"] == keep), None)
        if index is None:
            index = min(max(old_index, 0), len(rows) - 1)
        table.move_cursor(row=index, animate=False)

    def _status(self) -> None:
        status = self.query_one("#contacts-status", Static)
        order = self.sort.lstrip("-").replace("_", " ") + (" ↓" if self.sort.startswith("-") else " ↑")
        if self.error:
            status.update(Text(f"filter: {self.error}", style="bold red"))
            status.add_class("-error")
            return
        status.remove_class("-error")
        if self.total is None:
            shown, noun = f"{len(self.rows):,}+", "contacts"
        else:
            total = self.total
            shown = f"{len(self.rows):,} of {total:,}" if len(self.rows) < total else f"{total:,}"
            noun = "contact" if total == 1 else "contacts"
        words = " ".join(self.words)
        status.update(f"{shown} {noun}  ·  by {order}" + (f"  ·  {words}" if words else ""))

    # ------------------------------------------------------------------ selection

    def current_id(self) -> int | None:
        """The id of the contact under the cursor."""
        table = self.table
        if not self.rows or table.row_count == 0:
            return None
        index = table.cursor_row
        if 0 <= index < len(self.rows):
            return int(self.rows[index]["id"])
        return None

    def current_row(self) -> dict[str, Any] | None:
        """The row under the cursor."""
        index = self.table.cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    @on(DataTable.RowHighlighted, "#contacts-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.rows) - AHEAD:
            self.fetch_more()

    @on(DataTable.RowSelected, "#contacts-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    @on(DataTable.HeaderSelected, "#contacts-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        field = next((sort for k, _h, sort in COLUMNS if k == key), None)
        if field is None:
            self.notify(f"the list cannot be ordered by {key}; try name, stage or last contacted", severity="warning")
            return
        self.sort = ("-" + field) if self.sort == field else field
        self._resort()

    def _resort(self) -> None:
        self._build_columns(self.size.width or self.app.size.width)
        self.rows = []
        self.reload()

    # ------------------------------------------------------------------ filter

    @on(Input.Submitted, "#contacts-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.words = event.value.split()
        self.rows = []
        self.table.focus()
        self.reload()

    def action_filter(self) -> None:
        """Put the cursor in the filter."""
        self.filter_input.focus()

    def action_leave_filter(self) -> None:
        """Back to the table."""
        self.table.focus()

    def action_sort(self) -> None:
        """Cycle the order."""
        fields = [sort.lstrip("-") for sort in SORTS]
        current = self.sort.lstrip("-")
        index = fields.index(current) if current in fields else -1
        self.sort = SORTS[(index + 1) % len(SORTS)]
        self._resort()

    # ------------------------------------------------------------------ actions

    def action_open(self) -> None:
        """Open the contact view."""
        cid = self.current_id()
        if cid is not None:
            from termcrm.tui.screens.contact_view import ContactViewScreen

            self.app.push_screen(ContactViewScreen(cid))

    def action_company(self) -> None:
        """Open the contact's company."""
        row = self.current_row()
        if row is None or not row.get("company_id"):
            self.notify("this contact has no company", severity="warning")
            return
        from termcrm.tui.screens.company_view import CompanyViewScreen

        self.app.push_screen(CompanyViewScreen(int(row["company_id"])))

    def action_add(self) -> None:
        """Add a contact."""
        from termcrm.tui.editors import contact_form

        def added(contact_id: int | None) -> None:
            if contact_id:
                self.notify(f"added contact #{contact_id}")
                self.pending_id = contact_id
                self.reload()

        self.app.push_screen(contact_form(self.crm.now), added)

    def action_edit(self) -> None:
        """Edit the contact under the cursor."""
        cid = self.current_id()
        if cid is not None:
            self._edit(cid)

    @work(thread=True, exclusive=True, exit_on_error=False, group="contacts-edit")
    def _edit(self, contact_id: int) -> None:
        from termcrm.tui.editors import contact_form, contact_values

        try:
            with self.crm.db.read() as session:
                values, version = contact_values(session, contact_id)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        form = contact_form(self.crm.now, values, contact_id=contact_id, version=version)
        self.app.call_from_thread(self.app.push_screen, form, lambda _r: self.reload())

    def action_archive(self) -> None:
        """Archive the contact under the cursor (after asking)."""
        row = self.current_row()
        if row is None:
            return
        cid, name = int(row["id"]), str(row["name"])

        def archive(confirmed: bool | None) -> None:
            if not confirmed:
                return
            from termcrm.services import contacts, refs

            self.write(
                f"archive contact #{cid}",
                lambda session: contacts.archive_contact(session, refs.contact(session, cid)),
                lambda _result: self.reload(),
            )

        if self.crm.settings.get("tui.confirm_archive") is False:
            archive(True)
            return
        from termcrm.tui.widgets.confirm import ConfirmScreen

        self.app.push_screen(
            ConfirmScreen(f"Archive {name} (#{cid})? crm undo brings it back.", yes="Archive", title="Archive contact"),
            archive,
        )
