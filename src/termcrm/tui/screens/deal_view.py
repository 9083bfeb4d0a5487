"""The deal view: every field, line items and totals, stage history, interactions (``deals.deal_view``)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from termcrm.tui import fmt
from termcrm.tui.messages import DealLoaded, DealMoved
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.screens.contact_view import TIMELINE_COLUMNS, fields_table, interaction_items
from termcrm.tui.widgets.sections import SectionView


class DealViewScreen(CrmScreen):
    """One deal."""

    PALETTE = (
        ("deal: edit", "edit", "Edit this deal"),
        ("deal: move stage", "move_stage", "Move this deal to a stage you pick"),
        ("deal: next stage", "move_right", "Move this deal one stage right"),
        ("deal: previous stage", "move_left", "Move this deal one stage left"),
        ("deal: won", "won", "Mark this deal won"),
        ("deal: lost", "lost", "Mark this deal lost (asks for a reason)"),
        ("deal: log interaction", "log", "Log an interaction about this deal"),
        ("followup: new for this deal", "followup", "Add a follow-up for this deal"),
        ("contact: open", "contact", "Open this deal's contact"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="deal-back", tooltip="Back to where you came from."),
        Binding("e", "edit", "Edit", id="deal-edit", tooltip="Edit title, amount, close date, probability, owner."),
        Binding(
            "right_square_bracket",
            "move_right",
            "Stage →",
            id="deal-move-right",
            tooltip="Move the deal one stage right.",
        ),
        Binding(
            "left_square_bracket", "move_left", "← Stage", id="deal-move-left", tooltip="Move the deal one stage left."
        ),
        Binding("W", "won", "Won", id="deal-won", tooltip="Mark the deal won."),
        Binding("L", "lost", "Lost", id="deal-lost", tooltip="Mark the deal lost (asks for a reason)."),
        Binding("l", "log", "Log", id="deal-log", tooltip="Log an interaction about this deal."),
        Binding("f", "followup", "Follow-up", id="deal-followup", tooltip="Add a follow-up for this deal."),
        Binding("c", "contact", "Contact", id="deal-contact", tooltip="Open the deal's contact."),
    ]

    def __init__(self, deal_id: int) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.data: dict[str, Any] = {}
        self.stages: list[tuple[int, str, str]] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static(f"Deal #{self.deal_id}", id="dv-title", classes="screen-title")
            yield Static("", id="dv-status", classes="screen-status")
        with Horizontal(classes="view-body"):
            with VerticalScroll(classes="view-fields"):
                yield Static("loading…", id="dv-fields")
            with VerticalScroll(classes="view-sections"):
                yield SectionView("lines", id="dv-lines")
                yield SectionView("history", id="dv-history")
                yield SectionView("timeline", id="dv-timeline")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Load the deal again."""
        self.begin_load()
        self._load(self.deal_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="deal-view")
    def _load(self, deal_id: int) -> None:
        from termcrm.services import deals, pipelines, refs

        try:
            with self.crm.db.read() as session:
                deal = refs.deal(session, deal_id)
                data = deals.deal_view(session, deal, self.crm.now())
                stages = [(int(s.id or 0), s.name, s.kind) for s in pipelines.stages(session, deal.pipeline_id)]
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(DealLoaded(data, stages))

    @on(DealLoaded)
    def _loaded(self, message: DealLoaded) -> None:
        d = self.data = message.data
        self.stages = message.stages
        self.query_one("#dv-title", Static).update(Text(f"#{d['id']} {d['title']}", style="bold"))
        rot = "  ·  ⚑ rotting" if d.get("rotting") else ""
        self.query_one("#dv-status", Static).update(
            f"{d.get('pipeline')} › {d.get('stage')}  ·  {d.get('status')}  ·  {d.get('days_in_stage')}d in stage{rot}"
        )
        contact = d.get("contact_detail") or {}
        pairs: list[tuple[str, Any]] = [
            ("Title", d.get("title")),
            ("Stage", f"{d.get('stage')} ({d.get('status')})"),
            ("Amount", fmt.amount(d.get("amount"), d.get("currency"))),
            ("Probability", f"{d.get('probability')}%" + (" (pinned)" if d.get("probability_pinned") else "")),
            ("Weighted", fmt.amount(d.get("weighted_amount"), d.get("currency"))),
            ("Expected close", d.get("expected_close")),
            ("Closed", fmt.when(d.get("closed_at"))),
            ("Lost reason", d.get("lost_reason")),
            ("Contact", contact.get("name")),
            ("Email", contact.get("email")),
            ("Phone", contact.get("phone")),
            ("Company", d.get("company")),
            ("Owner", d.get("owner")),
            ("Source", d.get("source")),
            ("In stage since", fmt.when(d.get("stage_entered_at"))),
            ("Created", fmt.when(d.get("created_at"))),
            ("Updated", fmt.when(d.get("updated_at"))),
        ]
        if d.get("lines"):
            pairs.insert(3, ("Subtotal", fmt.amount(d.get("subtotal"), d.get("currency"))))
            pairs.insert(4, ("Discount", fmt.amount(d.get("discount"), d.get("currency"))))
        self.query_one("#dv-fields", Static).update(fields_table(pairs))
        lines = d.get("lines") or []
        shown_lines = [
            {
                "#": x.get("line"),
                "code": x.get("code") or "",
                "description": x.get("description"),
                "qty": x.get("quantity"),
                "unit price": fmt.amount(x.get("unit_price"), x.get("currency")),
                "disc %": x.get("discount_percent") or "",
                "total": fmt.amount(x.get("total"), x.get("currency")),
            }
            for x in lines
        ]
        self.query_one("#dv-lines", SectionView).show(
            "Line items",
            "",
            ["#", "code", "description", "qty", "unit price", "disc %", "total"],
            shown_lines,
            empty="no line items",
        )
        history = [
            {
                "at": h.get("at"),
                "from": h.get("from") or "",
                "to": h.get("to"),
                "days": h.get("days"),
                "by": h.get("user") or "",
                "note": h.get("note") or "",
            }
            for h in d.get("history") or []
        ]
        self.query_one("#dv-history", SectionView).show(
            "Stage history", "", ["at", "from", "to", "days", "by", "note"], history, empty="no moves yet"
        )
        self.query_one("#dv-timeline", SectionView).show(
            "Interactions", "", TIMELINE_COLUMNS, interaction_items(d.get("interactions") or []), empty="none yet"
        )

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Back to the previous screen."""
        self.dismiss()

    def _after(self, _result: Any) -> None:
        self.reload()

    def action_edit(self) -> None:
        """Edit the deal."""
        self._edit()

    @work(thread=True, exclusive=True, exit_on_error=False, group="deal-edit")
    def _edit(self) -> None:
        from termcrm.tui.editors import deal_edit_form, deal_values

        try:
            with self.crm.db.read() as session:
                values, version = deal_values(session, self.deal_id)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        currency = str(self.data.get("currency") or self.crm.settings.currency)
        form = deal_edit_form(self.crm.now, values, currency, deal_id=self.deal_id, version=version)
        self.app.call_from_thread(self.app.push_screen, form, self._after)

    def _neighbour(self, step: int) -> tuple[int, str, str] | None:
        open_or_all = [s for s in self.stages if s[2] == "open"] + [s for s in self.stages if s[2] != "open"]
        names = [s[1] for s in open_or_all]
        if self.data.get("stage") not in names:
            return None
        index = names.index(self.data["stage"]) + step
        return open_or_all[index] if 0 <= index < len(open_or_all) else None

    def action_move_right(self) -> None:
        """Move one stage right."""
        self._step(1)

    def action_move_left(self) -> None:
        """Move one stage left."""
        self._step(-1)

    def _step(self, step: int) -> None:
        target = self._neighbour(step)
        if target is None:
            self.notify("no stage that way", severity="warning")
            return
        if target[2] == "lost":
            self.action_lost()
            return
        self._move(target[0], self.data.get("version"))

    @work(thread=True, exclusive=False, exit_on_error=False, group="write")
    def _move(self, stage_id: int, version: int | None) -> None:
        from termcrm.models import Stage
        from termcrm.services import deals, history, refs

        try:
            with self.crm.db.write(f"move deal #{self.deal_id}") as session:
                stage = refs.by_id(session, Stage, stage_id, "stage")
                deals.move_deal(
                    session, refs.deal(session, self.deal_id), stage, now=self.crm.now(), expected_version=version
                )
                summary = session.info[history.INFO_KEY].summary
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(DealMoved(self.deal_id, stage_id, summary))

    @on(DealMoved)
    def _moved(self, message: DealMoved) -> None:
        self.notify(message.summary, timeout=3)
        self.crm.note_write()
        self.reload()

    def action_won(self) -> None:
        """Mark the deal won."""
        target = next((s for s in self.stages if s[2] == "won"), None)
        if target is None:
            self.notify("this pipeline has no won stage", severity="warning")
            return
        self._move(target[0], self.data.get("version"))

    def action_lost(self) -> None:
        """Mark the deal lost, asking for a reason."""
        from termcrm.tui.editors import lost_form

        self.app.push_screen(lost_form(self.crm.now, self.deal_id), self._after)

    def action_move_stage(self) -> None:
        """Move the deal to a stage picked from a list."""
        from termcrm.tui.widgets.picker import PickerScreen

        def picked(value: str | None) -> None:
            if not value:
                return
            stage = next(s for s in self.stages if str(s[0]) == value)
            if stage[2] == "lost":
                self.action_lost()
            else:
                self._move(stage[0], self.data.get("version"))

        options = [(str(s[0]), f"{s[1]} ({s[2]})") for s in self.stages]
        self.app.push_screen(PickerScreen("Move to stage", options), picked)

    def action_log(self) -> None:
        """Log an interaction about the deal."""
        from termcrm.tui.editors import interaction_form

        self.app.push_screen(
            interaction_form(
                self.crm.now,
                contact_id=self.data.get("contact_id"),
                company_id=self.data.get("company_id"),
                deal_id=self.deal_id,
            ),
            self._after,
        )

    def action_followup(self) -> None:
        """Add a follow-up for the deal."""
        from termcrm.tui.editors import followup_form

        self.app.push_screen(followup_form(self.crm.now, deal_id=self.deal_id), self._after)

    def action_contact(self) -> None:
        """Open the deal's contact."""
        if self.data.get("contact_id"):
            self.crm.open_record("contact", int(self.data["contact_id"]))
        elif self.data.get("company_id"):
            self.crm.open_record("company", int(self.data["company_id"]))
