"""The company view: fields, its people, the timeline, and the modules' sections (deals, follow-ups, tickets)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from termcrm.tui import fmt
from termcrm.tui.messages import CompanyLoaded
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.screens.contact_view import TIMELINE_COLUMNS, fields_table, interaction_items
from termcrm.tui.widgets.sections import SectionView

SECTION_ORDER = ("sales", "followups", "tickets")


class CompanyViewScreen(CrmScreen):
    """One company."""

    PALETTE = (
        ("company: edit", "edit", "Edit this company"),
        ("company: log interaction", "log", "Log an interaction with this company"),
        ("followup: new for this company", "followup", "Add a follow-up for this company"),
        ("deal: new for this company", "new_deal", "Add a deal for this company"),
        ("ticket: new for this company", "new_ticket", "Open a ticket for this company"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="company-back", tooltip="Back to where you came from."),
        Binding("l", "log", "Log", id="company-log", tooltip="Log an interaction with the company."),
        Binding("f", "followup", "Follow-up", id="company-followup", tooltip="Add a follow-up for the company."),
        Binding("n", "new_deal", "Deal", id="company-deal", tooltip="Add a deal for the company."),
        Binding("t", "new_ticket", "Ticket", id="company-ticket", tooltip="Open a ticket for the company."),
        Binding("e", "edit", "Edit", id="company-edit", tooltip="Edit the company."),
    ]

    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.data: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static(f"Company #{self.company_id}", id="co-title", classes="screen-title")
            yield Static("", id="co-status", classes="screen-status")
        with Horizontal(classes="view-body"):
            with VerticalScroll(classes="view-fields"):
                yield Static("loading…", id="co-fields")
            with VerticalScroll(classes="view-sections", id="co-sections"):
                yield SectionView("people", id="co-section-people")
                yield SectionView("sales", id="co-section-sales")
                yield SectionView("timeline", id="co-section-timeline")
                yield SectionView("followups", id="co-section-followups")
                yield SectionView("tickets", id="co-section-tickets")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Load the view again."""
        self.begin_load()
        self._load(self.company_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="company-view")
    def _load(self, company_id: int) -> None:
        from termcrm.services import companies, refs

        try:
            with self.crm.db.read() as session:
                company = refs.company(session, company_id, archived=True)
                data = companies.company_view(session, company)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(CompanyLoaded(data))

    @on(CompanyLoaded)
    def _loaded(self, message: CompanyLoaded) -> None:
        d = self.data = message.data
        self.query_one("#co-title", Static).update(Text(d["name"], style="bold"))
        self.query_one("#co-status", Static).update(
            f"#{d['id']}  ·  {d.get('contacts', 0)} people" + ("  ·  archived" if d.get("archived_at") else "")
        )
        address = ", ".join(str(d[k]) for k in ("street", "postal_code", "city", "region", "country") if d.get(k))
        pairs: list[tuple[str, Any]] = [
            ("Name", d.get("name")),
            ("Domain", d.get("domain")),
            ("Industry", d.get("industry")),
            ("Size", d.get("size")),
            ("Owner", d.get("owner")),
            ("Tags", Text(" ".join(f"+{t}" for t in d.get("tags") or []), style="italic")),
            ("Address", address),
            ("Website", d.get("website")),
        ]
        pairs += [(str(k), v) for k, v in (d.get("fields") or {}).items()]
        pairs += [
            ("Created", fmt.when(d.get("created_at"))),
            ("Updated", fmt.when(d.get("updated_at"))),
            ("External id", d.get("external_id")),
            ("Notes", d.get("notes")),
        ]
        self.query_one("#co-fields", Static).update(fields_table(pairs))
        people = d.get("people") or []
        self.query_one("#co-section-people", SectionView).show(
            "People", "", ["id", "name", "title", "email", "phone", "stage"], people, empty="no people"
        )
        self.query_one("#co-section-timeline", SectionView).show(
            "Timeline", "", TIMELINE_COLUMNS, interaction_items(d.get("interactions") or []), empty="no interactions"
        )
        for key in SECTION_ORDER:
            view = self.query_one(f"#co-section-{key}", SectionView)
            section = d.get(key)
            if isinstance(section, Mapping):
                view.display = True
                title = "Deals and sales" if key == "sales" else str(section.get("title") or key)
                view.show(
                    title,
                    section.get("summary") or {},
                    section.get("columns") or [],
                    section.get("items") or [],
                    empty="none",
                )
            else:
                view.display = False

    @on(SectionView.ItemChosen)
    def _item(self, event: SectionView.ItemChosen) -> None:
        item = event.item
        kinds = {"people": "contact", "sales": "deal", "tickets": "ticket"}
        if event.section in kinds and item.get("id"):
            self.crm.open_record(kinds[event.section], int(item["id"]))

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Back to the previous screen."""
        self.dismiss()

    def _after(self, _result: Any) -> None:
        self.reload()

    def action_log(self) -> None:
        """Log an interaction with the company."""
        from termcrm.tui.editors import interaction_form

        self.app.push_screen(interaction_form(self.crm.now, company_id=self.company_id), self._after)

    def action_followup(self) -> None:
        """Add a follow-up."""
        from termcrm.tui.editors import followup_form

        self.app.push_screen(followup_form(self.crm.now, company_id=self.company_id), self._after)

    def action_new_deal(self) -> None:
        """Add a deal for the company."""
        from termcrm.tui.editors import deal_form

        self.app.push_screen(
            deal_form(self.crm.now, self.crm.settings.currency, company_id=self.company_id), self._after
        )

    def action_new_ticket(self) -> None:
        """Open a ticket for the company."""
        from termcrm.tui.editors import ticket_form

        self.app.push_screen(ticket_form(self.crm.now, company_id=self.company_id), self._after)

    def action_edit(self) -> None:
        """Edit the company."""
        self._edit(self.company_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="company-edit")
    def _edit(self, company_id: int) -> None:
        from termcrm.tui.editors import company_form, company_values

        try:
            with self.crm.db.read() as session:
                values, version = company_values(session, company_id)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        form = company_form(values, company_id=company_id, version=version)
        self.app.call_from_thread(self.app.push_screen, form, self._after)
