"""Tickets: the queue by SLA urgency (breached first, then the nearest due), with status and priority filters.

Rows come from ``tickets.queue`` and ``tickets.ticket_rows`` at the app's
clock: each shows the time left (or over) and breached ones are marked.
``enter`` opens the ticket view; ``c`` comments, ``a`` assigns, ``s`` changes
the status and ``r`` resolves, on the selected ticket.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Select, Static

from termcrm.tui import fmt
from termcrm.tui.messages import TicketsLoaded
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.widgets.tables import RecordTable
from termcrm.vocab import TICKET_PRIORITIES, TICKET_STATUSES

STATUS_CHOICES = [("open, new, pending", "working"), ("any status", "all")] + [(s, s) for s in TICKET_STATUSES]
PRIORITY_CHOICES = [("any priority", "any")] + [(p, p) for p in TICKET_PRIORITIES]
PRIORITY_STYLE = {"urgent": "bold red", "high": "yellow", "normal": "", "low": "dim"}


class TicketActions:
    """``c``, ``a``, ``s``, ``r`` on one ticket: shared by the queue and the ticket view."""

    def ticket_id_for_action(self) -> int | None:
        """The ticket the keys act on."""
        raise NotImplementedError

    def after_ticket_change(self, _result: Any = None) -> None:
        """Reload after a change."""

    def action_comment(self) -> None:
        """Comment on the ticket."""
        tid = self.ticket_id_for_action()
        if tid is None:
            return
        from termcrm.tui.editors import comment_form

        screen: Any = self
        screen.app.push_screen(comment_form(screen.crm.now, tid), self.after_ticket_change)

    def action_resolve(self) -> None:
        """Resolve the ticket (with an optional answer)."""
        tid = self.ticket_id_for_action()
        if tid is None:
            return
        from termcrm.tui.editors import resolve_form

        screen: Any = self
        screen.app.push_screen(resolve_form(screen.crm.now, tid), self.after_ticket_change)

    def assignee_names(self) -> list[str]:
        """The users a ticket can be given to."""
        return []

    def action_assign(self) -> None:
        """Give the ticket to a user picked from a list."""
        tid = self.ticket_id_for_action()
        if tid is None:
            return
        from termcrm.tui.widgets.picker import PickerScreen

        screen: Any = self

        def picked(value: str | None) -> None:
            if value is None:
                return
            from termcrm.models import Ticket
            from termcrm.services import refs, tickets

            screen.write(
                f"assign ticket #{tid}",
                lambda s: tickets.assign_ticket(
                    s, refs.by_id(s, Ticket, tid, "ticket"), value or None, now=screen.crm.now()
                ),
                self.after_ticket_change,
            )

        me = screen.crm.user
        options = [(u, u + (" (you)" if u == me else "")) for u in self.assignee_names()] + [("", "nobody")]
        screen.app.push_screen(PickerScreen(f"Assign ticket #{tid}", options), picked)

    def action_status(self) -> None:
        """Change the ticket's status."""
        tid = self.ticket_id_for_action()
        if tid is None:
            return
        from termcrm.tui.widgets.picker import PickerScreen

        screen: Any = self

        def picked(value: str | None) -> None:
            if not value:
                return
            from termcrm.models import Ticket
            from termcrm.services import refs, tickets

            screen.write(
                f"set ticket #{tid} {value}",
                lambda s: tickets.set_status(s, refs.by_id(s, Ticket, tid, "ticket"), value, now=screen.crm.now()),
                self.after_ticket_change,
            )

        screen.app.push_screen(PickerScreen(f"Status of ticket #{tid}", [(s, s) for s in TICKET_STATUSES]), picked)


class TicketsScreen(TicketActions, CrmScreen):
    """The ticket queue."""

    PALETTE = (
        ("ticket: open", "open", "Open the selected ticket"),
        ("ticket: comment", "comment", "Comment on the selected ticket"),
        ("ticket: assign", "assign", "Give the selected ticket to someone"),
        ("ticket: status", "status", "Change the selected ticket's status"),
        ("ticket: resolve", "resolve", "Resolve the selected ticket"),
        ("ticket: filter", "filter", "Type filter words"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="tickets-open", tooltip="Open the ticket: thread and articles."),
        Binding("c", "comment", "Comment", id="tickets-comment", tooltip="Comment on the ticket."),
        Binding("a", "assign", "Assign", id="tickets-assign", tooltip="Give the ticket to someone."),
        Binding("s", "status", "Status", id="tickets-status", tooltip="Change the ticket's status."),
        Binding("r", "resolve", "Resolve", id="tickets-resolve", tooltip="Resolve the ticket."),
        Binding("n", "new_ticket", "New", id="tickets-new", tooltip="Open a new ticket."),
        Binding(
            "f", "filter", "Filter", id="tickets-filter", tooltip="Type filter words: assignee:ann type:incident login."
        ),
        Binding("escape", "leave_filter", "Queue", id="tickets-queue", tooltip="Back to the queue.", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.generation = 0
        self.words: list[str] = []
        self.status = "working"
        self.priority = "any"
        self.users: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static("Tickets", classes="screen-title")
            yield Static("", id="tickets-status-line", classes="screen-status")
        with Horizontal(id="tickets-filters"):
            yield Input(
                placeholder="filter: assignee:ann type:incident login (f to type, enter applies)",
                id="tickets-filter",
                classes="filter-input",
            )
            yield Select(STATUS_CHOICES, value="working", allow_blank=False, id="tickets-status", compact=True)
            yield Select(PRIORITY_CHOICES, value="any", allow_blank=False, id="tickets-priority", compact=True)
        yield RecordTable(id="tickets-table")
        yield Footer(show_command_palette=False)

    @property
    def table(self) -> DataTable[Any]:
        """The queue."""
        return self.query_one("#tickets-table", DataTable)

    def on_mount(self) -> None:
        table = self.table
        for key, label, width in (
            ("id", "#", 5),
            ("priority", "priority", 8),
            ("status", "status", 8),
            ("subject", "subject", 32),
            ("customer", "customer", 22),
            ("assignee", "assignee", 8),
            ("sla", "SLA", 20),
        ):
            table.add_column(label, key=key, width=width)
        table.focus()
        self.reload()

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Load the queue again, keeping the selected ticket."""
        self.begin_load()
        self.generation += 1
        words = list(self.words)
        if self.status not in ("working", "all"):
            words.append(f"status:{self.status}")
        if self.priority != "any":
            words.append(f"priority:{self.priority}")
        self._load(self.generation, words, self.status == "all")

    @work(thread=True, exclusive=True, exit_on_error=False, group="tickets")
    def _load(self, generation: int, words: list[str], all_statuses: bool) -> None:
        from termcrm.errors import CrmError
        from termcrm.services import tickets, users

        now = self.crm.now()
        try:
            with self.crm.db.read() as session:
                found = tickets.queue(session, words, now=now, all_statuses=all_statuses)
                rows = tickets.ticket_rows(session, found, now)
                self.users = [u.name for u in users.list_users(session, include_inactive=False)]
        except CrmError as exc:
            self.post_message(TicketsLoaded(generation, [], error=exc.message))
            return
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(TicketsLoaded(generation, rows))

    @on(TicketsLoaded)
    def _loaded(self, message: TicketsLoaded) -> None:
        if message.generation != self.generation:
            return
        status = self.query_one("#tickets-status-line", Static)
        if message.error:
            status.update(Text(f"filter: {message.error}", style="bold red"))
            return
        keep = self.current_id()
        self.rows = message.rows
        table = self.table
        table.clear()
        for row in self.rows:
            table.add_row(*self._cells(row), key=str(row["id"]))
        index = next((i for i, r in enumerate(self.rows) if r["id"] == keep), 0)
        if self.rows:
            table.move_cursor(row=index, animate=False)
        breached = sum(1 for r in self.rows if r["breached"])
        status.update(f"{len(self.rows)} tickets  ·  {breached} breached  ·  by SLA urgency")

    def _cells(self, row: dict[str, Any]) -> list[Any]:
        breached = bool(row["breached"])
        customer = row.get("contact") or row.get("company") or ""
        sla = Text(("⚠ " if breached else "") + str(row.get("sla") or ""), style="bold red" if breached else "")
        return [
            str(row["id"]),
            Text(str(row["priority"]), style=PRIORITY_STYLE.get(str(row["priority"]), "")),
            row["status"],
            Text(fmt.cut(row["subject"], 32), style="red" if breached else ""),
            fmt.cut(customer, 22),
            fmt.cut(row.get("assignee") or "-", 8),
            sla,
        ]

    # ------------------------------------------------------------------ filters

    @on(Input.Submitted, "#tickets-filter")
    def _filter(self, event: Input.Submitted) -> None:
        self.words = event.value.split()
        self.table.focus()
        self.reload()

    @on(Select.Changed, "#tickets-status")
    def _status_changed(self, event: Select.Changed) -> None:
        value = str(event.value)
        if value != self.status:
            self.status = value
            self.reload()

    @on(Select.Changed, "#tickets-priority")
    def _priority_changed(self, event: Select.Changed) -> None:
        value = str(event.value)
        if value != self.priority:
            self.priority = value
            self.reload()

    def action_filter(self) -> None:
        """Put the cursor in the filter."""
        self.query_one("#tickets-filter", Input).focus()

    def action_leave_filter(self) -> None:
        """Back to the queue."""
        self.table.focus()

    # ------------------------------------------------------------------ actions

    def current_id(self) -> int | None:
        """The selected ticket's id."""
        index = self.table.cursor_row
        return int(self.rows[index]["id"]) if 0 <= index < len(self.rows) else None

    def ticket_id_for_action(self) -> int | None:
        tid = self.current_id()
        if tid is None:
            self.notify("no ticket selected", severity="warning")
        return tid

    def after_ticket_change(self, _result: Any = None) -> None:
        self.reload()

    @on(DataTable.RowSelected, "#tickets-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the selected ticket."""
        tid = self.current_id()
        if tid is not None:
            self.crm.open_record("ticket", tid)

    def action_new_ticket(self) -> None:
        """Open a new ticket."""
        from termcrm.tui.editors import ticket_form

        self.app.push_screen(ticket_form(self.crm.now), self.after_ticket_change)

    def assignee_names(self) -> list[str]:
        return self.users
