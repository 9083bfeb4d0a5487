"""The 360° contact view: every field, the company, deals and sales totals, the timeline, follow-ups, tickets.

Everything comes from ``contacts.contact_view`` (the same data ``crm contact
show`` prints), including the sections other modules add. From here ``l``
logs an interaction, ``f`` adds a follow-up, ``n`` a deal, ``t`` a ticket and
``e`` edits the contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from termcrm.tui import fmt
from termcrm.tui.messages import ContactLoaded
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.widgets.sections import SectionView

SECTION_ORDER = ("sales", "followups", "tickets", "campaigns")
"""Known sections first, in this order; any other section follows."""


def fields_table(pairs: list[tuple[str, Any]]) -> Table:
    """A two-column grid of labels and values (empty values left out)."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=14)
    grid.add_column(ratio=1)
    for label, value in pairs:
        if value in (None, "", [], {}) or (isinstance(value, Text) and not value.plain):
            continue
        grid.add_row(label, value if isinstance(value, Text) else Text(fmt.plain(value)))
    return grid


def labelled(items: list[Mapping[str, Any]], key: str) -> str:
    """``a@x.com (work), b@y.com`` for emails or phones."""
    return ", ".join(str(i[key]) + (f" ({i['label']})" if i.get("label") else "") for i in items)


def interaction_items(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Timeline rows for a section table."""
    return [
        {
            "id": r["id"],
            "when": fmt.when(r.get("occurred_at")),
            "kind": r.get("kind"),
            "dir": r.get("direction") or "",
            "summary": r.get("summary"),
            "outcome": r.get("outcome") or "",
            "by": r.get("user") or "",
            "body": r.get("body"),
        }
        for r in rows
    ]


TIMELINE_COLUMNS = ["when", "kind", "dir", "summary", "outcome", "by"]


class ContactViewScreen(CrmScreen):
    """One contact, all of it."""

    PALETTE = (
        ("contact: edit", "edit", "Edit this contact"),
        ("contact: log interaction", "log", "Log a call, email, meeting or note"),
        ("followup: new for this contact", "followup", "Add a follow-up for this contact"),
        ("deal: new for this contact", "new_deal", "Add a deal for this contact"),
        ("ticket: new for this contact", "new_ticket", "Open a ticket for this contact"),
        ("company: open", "company", "Open this contact's company"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="contact-back", tooltip="Back to where you came from."),
        Binding("l", "log", "Log", id="contact-log", tooltip="Log a call, email, meeting or note."),
        Binding("f", "followup", "Follow-up", id="contact-followup", tooltip="Add a follow-up for this contact."),
        Binding("n", "new_deal", "Deal", id="contact-deal", tooltip="Add a deal for this contact."),
        Binding("t", "new_ticket", "Ticket", id="contact-ticket", tooltip="Open a ticket for this contact."),
        Binding("e", "edit", "Edit", id="contact-edit", tooltip="Edit the contact."),
        Binding("c", "company", "Company", id="contact-company", tooltip="Open the contact's company."),
    ]

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.data: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static(f"Contact #{self.contact_id}", id="cv-title", classes="screen-title")
            yield Static("", id="cv-status", classes="screen-status")
        with Horizontal(classes="view-body"):
            with VerticalScroll(classes="view-fields", id="cv-fields-scroll"):
                yield Static("loading…", id="cv-fields")
            with VerticalScroll(classes="view-sections", id="cv-sections"):
                yield SectionView("sales", id="cv-section-sales")
                yield SectionView("timeline", id="cv-section-timeline")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Load the view again."""
        self.begin_load()
        self._load(self.contact_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="contact-view")
    def _load(self, contact_id: int) -> None:
        from termcrm.services import contacts, refs

        try:
            with self.crm.db.read() as session:
                contact = refs.contact_row(session, contact_id, archived=True)
                data = contacts.contact_view(session, contact, interactions=20)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(ContactLoaded(data))

    @on(ContactLoaded)
    def _loaded(self, message: ContactLoaded) -> None:
        d = self.data = message.data
        title = Text(d["name"], style="bold")
        if d.get("title") or d.get("company"):
            title.append("  " + " at ".join(x for x in (d.get("title"), d.get("company")) if x), style="dim")
        self.query_one("#cv-title", Static).update(title)
        status = f"#{d['id']}  ·  {d.get('stage')}"
        if d.get("archived_at"):
            status += "  ·  archived"
        self.query_one("#cv-status", Static).update(status)
        self.query_one("#cv-fields", Static).update(fields_table(self._field_pairs(d)))
        self._show_sections(d)

    def _field_pairs(self, d: Mapping[str, Any]) -> list[tuple[str, Any]]:
        address = ", ".join(str(d[k]) for k in ("street", "postal_code", "city", "region", "country") if d.get(k))
        pairs: list[tuple[str, Any]] = [
            ("Name", d.get("name")),
            ("Title", d.get("title")),
            ("Company", d.get("company")),
            ("Stage", d.get("stage")),
            ("Owner", d.get("owner")),
            ("Email", labelled(d.get("emails") or [], "email")),
            ("Phone", labelled(d.get("phones") or [], "phone")),
            ("Tags", Text(" ".join(f"+{t}" for t in d.get("tags") or []), style="italic")),
            ("Birthday", d.get("birthday")),
            ("Address", address),
            ("Source", d.get("source")),
            ("Website", d.get("website")),
            ("Gender", d.get("gender")),
            ("Cadence", f"every {d['cadence_days']} days" if d.get("cadence_days") else None),
        ]
        pairs += [(str(k), v) for k, v in (d.get("fields") or {}).items()]
        pairs += [
            ("Last contact", fmt.when(d.get("last_contacted_at"))),
            ("Interactions", d.get("interaction_count")),
            ("Created", fmt.when(d.get("created_at"))),
            ("Updated", fmt.when(d.get("updated_at"))),
            ("External id", d.get("external_id")),
            ("Notes", d.get("notes")),
        ]
        return pairs

    def _show_sections(self, d: Mapping[str, Any]) -> None:
        container = self.query_one("#cv-sections", VerticalScroll)
        sales = d.get("sales")
        sales_view = self.query_one("#cv-section-sales", SectionView)
        if isinstance(sales, Mapping):
            sales_view.display = True
            sales_view.show(
                "Deals and sales",
                sales.get("summary") or {},
                sales.get("columns") or [],
                sales.get("items") or [],
                empty="no deals",
            )
        else:
            sales_view.display = False
        timeline = self.query_one("#cv-section-timeline", SectionView)
        count = d.get("interaction_count") or 0
        items = interaction_items(d.get("interactions") or [])
        shown = f"latest {len(items)} of {count}" if count > len(items) else ""
        timeline.show("Timeline", shown, TIMELINE_COLUMNS, items, empty="no interactions yet")
        keys = [k for k in SECTION_ORDER if k != "sales"] + sorted(
            k for k, v in d.items() if isinstance(v, Mapping) and "items" in v and k not in SECTION_ORDER
        )
        for key in keys:
            section = d.get(key)
            ident = f"cv-section-{key}"
            found = self.query(f"#{ident}")
            if not isinstance(section, Mapping):
                if found:
                    found.first().display = False
                continue
            if found:
                view = found.first(SectionView)
                view.display = True
            else:
                view = SectionView(key, id=ident)
                container.mount(view)
            view.call_after_refresh(
                view.show,
                str(section.get("title") or key),
                section.get("summary") or {},
                section.get("columns") or [],
                section.get("items") or [],
            )

    @on(SectionView.ItemChosen)
    def _item(self, event: SectionView.ItemChosen) -> None:
        item = event.item
        if event.section == "sales" and item.get("id"):
            self.crm.open_record("deal", int(item["id"]))
        elif event.section == "tickets" and item.get("id"):
            self.crm.open_record("ticket", int(item["id"]))
        elif event.section == "timeline":
            from termcrm.tui.screens.views import TextScreen

            body = str(item.get("body") or "")
            self.app.push_screen(TextScreen(f"{item.get('when')} {item.get('kind')}: {item.get('summary')}", body))

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Back to the previous screen."""
        self.dismiss()

    def _after(self, _result: Any) -> None:
        self.reload()

    def action_log(self) -> None:
        """Log an interaction."""
        from termcrm.tui.editors import interaction_form

        self.app.push_screen(interaction_form(self.crm.now, contact_id=self.contact_id), self._after)

    def action_followup(self) -> None:
        """Add a follow-up."""
        from termcrm.tui.editors import followup_form

        self.app.push_screen(followup_form(self.crm.now, contact_id=self.contact_id), self._after)

    def action_new_deal(self) -> None:
        """Add a deal."""
        from termcrm.tui.editors import deal_form

        self.app.push_screen(
            deal_form(self.crm.now, self.crm.settings.currency, contact_id=self.contact_id), self._after
        )

    def action_new_ticket(self) -> None:
        """Open a ticket."""
        from termcrm.tui.editors import ticket_form

        self.app.push_screen(ticket_form(self.crm.now, contact_id=self.contact_id), self._after)

    def action_edit(self) -> None:
        """Edit the contact."""
        self._edit(self.contact_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="contact-edit")
    def _edit(self, contact_id: int) -> None:
        from termcrm.tui.editors import contact_form, contact_values

        try:
            with self.crm.db.read() as session:
                values, version = contact_values(session, contact_id)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        form = contact_form(self.crm.now, values, contact_id=contact_id, version=version)
        self.app.call_from_thread(self.app.push_screen, form, self._after)

    def action_company(self) -> None:
        """Open the company."""
        if self.data.get("company_id"):
            self.crm.open_record("company", int(self.data["company_id"]))
        else:
            self.notify("this contact has no company", severity="warning")
