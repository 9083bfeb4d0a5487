"""The ticket view: fields and SLA clocks, the comment thread, status changes and matching articles."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Label, Static

from termcrm.tui import fmt
from termcrm.tui.messages import TicketLoaded
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.screens.contact_view import fields_table
from termcrm.tui.screens.tickets import TicketActions
from termcrm.tui.widgets.sections import SectionView


def clock_text(clock: dict[str, Any]) -> Text:
    """``due 2026-11-24 10:00 · running, 3h 5m left`` in the error colour when breached."""
    from datetime import timedelta

    from termcrm.dates import format_delta

    state = str(clock.get("state"))
    bits = [f"due {fmt.when(clock.get('due'))}" if clock.get("due") else "no target"]
    left = clock.get("seconds_left")
    if left is not None:
        span = format_delta(timedelta(seconds=abs(int(left))))
        bits.append(f"{state}, {span} {'left' if left >= 0 else 'over'}")
    else:
        bits.append(state + (f" at {fmt.when(clock.get('done_at'))}" if clock.get("done_at") else ""))
    return Text("  ·  ".join(bits), style="bold red" if state == "breached" else "")


def thread_text(comments: list[dict[str, Any]]) -> Text:
    """The comments, oldest first: who and when in bold, then the text, wrapped."""
    if not comments:
        return Text("no comments yet", style="dim")
    text = Text()
    for index, c in enumerate(comments):
        if index:
            text.append("\n\n")
        text.append(f"{fmt.when(c.get('at'))}  {c.get('from')}", style="bold")
        text.append(f"  {c.get('kind')}", style="dim italic" if c.get("kind") == "public" else "italic yellow")
        text.append("\n" + str(c.get("text") or ""))
    return text


class TicketViewScreen(TicketActions, CrmScreen):
    """One ticket."""

    PALETTE = (
        ("ticket: comment", "comment", "Comment on this ticket"),
        ("ticket: assign", "assign", "Give this ticket to someone"),
        ("ticket: status", "status", "Change this ticket's status"),
        ("ticket: resolve", "resolve", "Resolve this ticket"),
        ("contact: open customer", "customer", "Open this ticket's customer"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="ticket-back", tooltip="Back to the queue."),
        Binding("c", "comment", "Comment", id="ticket-comment", tooltip="Comment on the ticket."),
        Binding("a", "assign", "Assign", id="ticket-assign", tooltip="Give the ticket to someone."),
        Binding("s", "status", "Status", id="ticket-status", tooltip="Change the status."),
        Binding("r", "resolve", "Resolve", id="ticket-resolve", tooltip="Resolve the ticket."),
        Binding("o", "customer", "Customer", id="ticket-customer", tooltip="Open the customer (contact or company)."),
    ]

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.data: dict[str, Any] = {}
        self.thread: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static(f"Ticket #{self.ticket_id}", id="tv-title", classes="screen-title")
            yield Static("", id="tv-status", classes="screen-status")
        with Horizontal(classes="view-body"):
            with VerticalScroll(classes="view-fields"):
                yield Static("loading…", id="tv-fields")
            with VerticalScroll(classes="view-sections"):
                with Vertical(classes="section", id="tv-thread"):
                    yield Label("Thread", classes="section-title")
                    yield Static("", id="tv-thread-text")
                yield SectionView("articles", id="tv-articles")
                yield SectionView("statuses", id="tv-statuses")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Load the ticket again."""
        self.begin_load()
        self._load(self.ticket_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-view")
    def _load(self, ticket_id: int) -> None:
        from termcrm.models import Ticket
        from termcrm.services import refs, tickets, users

        try:
            with self.crm.db.read() as session:
                ticket = refs.by_id(session, Ticket, ticket_id, "ticket")
                data = tickets.ticket_view(session, ticket, self.crm.now())
                data["_users"] = [u.name for u in users.list_users(session, include_inactive=False)]
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(TicketLoaded(data))

    @on(TicketLoaded)
    def _loaded(self, message: TicketLoaded) -> None:
        d = self.data = message.data
        self.query_one("#tv-title", Static).update(Text(f"#{d['id']} {d['subject']}", style="bold"))
        status = Text(f"{d['status']}  ·  {d['priority']}  ·  ")
        status.append(
            ("⚠ " if d.get("breached") else "") + str(d.get("sla") or ""), style="bold red" if d.get("breached") else ""
        )
        self.query_one("#tv-status", Static).update(status)
        clocks = {c["name"]: c for c in d.get("clocks") or []}
        pairs: list[tuple[str, Any]] = [
            ("Subject", d.get("subject")),
            ("Status", d.get("status")),
            ("Priority", d.get("priority")),
            ("Type", d.get("type")),
            ("Channel", d.get("channel")),
            ("Contact", d.get("contact")),
            ("Company", d.get("company")),
            ("Assignee", d.get("assignee") or "nobody"),
            ("1st response", clock_text(clocks["first response"]) if "first response" in clocks else None),
            ("Resolution", clock_text(clocks["resolution"]) if "resolution" in clocks else None),
            ("Hours", d.get("business_hours")),
            ("Satisfaction", f"{d['satisfaction']}/5" if d.get("satisfaction") else None),
            ("Opened", fmt.when(d.get("created_at"))),
            ("Resolved", fmt.when(d.get("resolved_at"))),
            ("Description", d.get("description")),
        ]
        self.query_one("#tv-fields", Static).update(fields_table(pairs))
        self.thread = [
            {
                "at": c.get("at"),
                "from": c.get("author") or "customer",
                "kind": "internal note" if not c.get("public") else "public",
                "text": c.get("body"),
            }
            for c in d.get("comments") or []
        ]
        self.query_one("#tv-thread-text", Static).update(thread_text(self.thread))
        articles = [{**a, "linked": "linked"} for a in d.get("articles") or []] + [
            {**a, "linked": ""} for a in d.get("suggested_articles") or []
        ]
        self.query_one("#tv-articles", SectionView).show(
            "Knowledge base",
            "enter opens an article",
            ["id", "title", "status", "linked"],
            articles,
            empty="no matching articles",
        )
        changes = [
            {"at": c.get("at"), "from": c.get("from") or "", "to": c.get("to"), "by": c.get("user") or ""}
            for c in d.get("status_changes") or []
        ]
        self.query_one("#tv-statuses", SectionView).show("Status changes", "", ["at", "from", "to", "by"], changes)

    @on(SectionView.ItemChosen)
    def _item(self, event: SectionView.ItemChosen) -> None:
        if event.section == "articles" and event.item.get("id"):
            self.crm.open_record("kb_article", int(event.item["id"]))

    def ticket_id_for_action(self) -> int | None:
        return self.ticket_id

    def after_ticket_change(self, _result: Any = None) -> None:
        self.reload()

    def assignee_names(self) -> list[str]:
        return list(self.data.get("_users") or [])

    def action_back(self) -> None:
        """Back to the previous screen."""
        self.dismiss()

    def action_customer(self) -> None:
        """Open the customer."""
        if self.data.get("contact_id"):
            self.crm.open_record("contact", int(self.data["contact_id"]))
        elif self.data.get("company_id"):
            self.crm.open_record("company", int(self.data["company_id"]))
