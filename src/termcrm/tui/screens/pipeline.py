"""Pipeline: a kanban board of one pipeline, a column per open stage (won and lost on ``v``).

Each column's header holds the stage's deal count, total and weighted total
(``pipelines.pipeline_summary``); its cards are the first :data:`CARDS` deals
of the stage, largest first (``deals.list_deals``). The board opens with the
first card of the first non-empty column selected. Arrows move the selection;
``]``/``[`` (or shift+arrows) move the deal a stage right or left through
``deals.move_deal``; ``W`` wins it, ``L`` loses it with a reason.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Static

from termcrm.tui.messages import BoardColumn, BoardLoaded, DealMoved
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.widgets.kanban import DealCard, KanbanBoard, KanbanColumn

SELECT = Binding.Group("Select", compact=True)
MOVE = Binding.Group("Move")

CARDS = 30
"""Cards drawn per column; the header still counts them all."""


class PipelineScreen(CrmScreen):
    """The deal pipeline as a kanban board."""

    PALETTE = (
        ("deal: open", "open", "Open the selected deal"),
        ("deal: edit", "edit", "Edit the selected deal"),
        ("deal: move stage", "move_stage", "Move the selected deal to a stage you pick"),
        ("deal: next stage", "move_right", "Move the selected deal one stage right"),
        ("deal: previous stage", "move_left", "Move the selected deal one stage left"),
        ("deal: won", "won", "Mark the selected deal won"),
        ("deal: lost", "lost", "Mark the selected deal lost (asks for a reason)"),
        ("pipeline: switch", "switch_pipeline", "Show another pipeline"),
        ("pipeline: owner filter", "owner", "Show everyone's deals or one owner's"),
        ("pipeline: show won and lost", "toggle_closed", "Show or hide the won and lost columns"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding(
            "left", "select_column(-1)", "←", id="pipeline-left", tooltip="Select the column to the left.", group=SELECT
        ),
        Binding(
            "right",
            "select_column(1)",
            "→",
            id="pipeline-right",
            tooltip="Select the column to the right.",
            group=SELECT,
        ),
        Binding("up", "select_card(-1)", "↑", id="pipeline-up", tooltip="Select the card above.", group=SELECT),
        Binding("down", "select_card(1)", "↓", id="pipeline-down", tooltip="Select the card below.", group=SELECT),
        Binding("enter", "open", "Open", id="pipeline-open", tooltip="Open the deal: fields, lines, history."),
        Binding(
            "right_square_bracket,shift+right",
            "move_right",
            "Stage →",
            id="pipeline-move-right",
            tooltip="Move the deal one stage right.",
            group=MOVE,
        ),
        Binding(
            "left_square_bracket,shift+left",
            "move_left",
            "← Stage",
            id="pipeline-move-left",
            tooltip="Move the deal one stage left.",
            group=MOVE,
        ),
        Binding("W", "won", "Won", id="pipeline-won", tooltip="Mark the deal won."),
        Binding("L", "lost", "Lost", id="pipeline-lost", tooltip="Mark the deal lost (asks for a reason)."),
        Binding("n", "new_deal", "New", id="pipeline-new", tooltip="Add a deal in the selected stage."),
        Binding("e", "edit", "Edit", id="pipeline-edit", tooltip="Edit the deal."),
        Binding("p", "switch_pipeline", "Pipeline", id="pipeline-switch", tooltip="Show another pipeline."),
        Binding(
            "v", "toggle_closed", "Won/lost", id="pipeline-closed", tooltip="Show or hide the won and lost columns."
        ),
        Binding("o", "owner", "Owner", id="pipeline-owner", tooltip="Show everyone's deals or one owner's."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pipeline_id: int | None = None
        self.pipeline_name = ""
        self.pipelines: list[tuple[int, str]] = []
        self.owners: list[str] = []
        self.owner: str | None = None
        self.show_closed = False
        self.columns: list[BoardColumn] = []
        self.stages: list[tuple[int, str, str]] = []
        self.col = 0
        self.row = 0
        self.follow_id: int | None = None
        self.first_load = True

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static("Pipeline", id="pipeline-title", classes="screen-title")
            yield Static("", id="pipeline-status", classes="screen-status")
        yield KanbanBoard(id="board")
        yield Footer(show_command_palette=False)

    @property
    def board(self) -> KanbanBoard:
        """The board widget."""
        return self.query_one("#board", KanbanBoard)

    def on_mount(self) -> None:
        self.board.focus()
        self.reload()

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Load the board again, keeping the selected deal."""
        self.begin_load()
        if self.follow_id is None:
            card = self.selected()
            self.follow_id = int(card["id"]) if card else None
        self._load(self.pipeline_id, self.owner, self.show_closed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="board")
    def _load(self, pipeline_id: int | None, owner: str | None, closed: bool) -> None:
        from termcrm.services import deals, pipelines, refs, users

        now = self.crm.now()
        try:
            with self.crm.db.read() as session:
                every = pipelines.live_pipelines(session)
                if not every:
                    self.post_message(BoardLoaded(0, "", [], [], []))
                    return
                pipeline = pipelines.get_pipeline(session, pipeline_id) if pipeline_id else every[0]
                owner_id = refs.user(session, owner).id if owner else None
                columns = []
                summary = pipelines.pipeline_summary(session, pipeline, now=now, owner_id=owner_id)
                every_stage = [(s.stage_id, s.name, s.kind) for s in summary]
                for stage in summary:
                    if stage.kind != "open" and not closed:
                        continue
                    words = [f"pipeline:{pipeline.id}", f"stage:{stage.name}"]
                    if owner:
                        words.append(f"owner:{owner}")
                    found = deals.list_deals(session, words, sort="-amount", limit=CARDS, now=now)
                    columns.append(
                        BoardColumn(
                            stage_id=stage.stage_id,
                            name=stage.name,
                            kind=stage.kind,
                            count=stage.count,
                            total=stage.total.format(),
                            weighted=stage.weighted.format(),
                            rotting=stage.rotting,
                            cards=deals.deal_rows(session, found, now),
                        )
                    )
                owners = [u.name for u in users.list_users(session, include_inactive=False)]
                listing = [(int(p.id or 0), p.name) for p in every]
                loaded = BoardLoaded(int(pipeline.id or 0), pipeline.name, listing, columns, owners, every_stage)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(loaded)

    @on(BoardLoaded)
    def _loaded(self, message: BoardLoaded) -> None:
        self.pipeline_id = message.pipeline_id or None
        self.pipeline_name = message.pipeline_name
        self.pipelines = message.pipelines
        self.owners = message.owners
        self.columns = message.columns
        self.stages = message.stages
        self._place_selection()
        self._draw()
        self._status()

    def _place_selection(self) -> None:
        follow, self.follow_id = self.follow_id, None
        if follow is not None:
            for ci, column in enumerate(self.columns):
                for ri, row in enumerate(column.cards):
                    if row["id"] == follow:
                        self.col, self.row = ci, ri
                        return
        if self.first_load:
            self.first_load = False
            for ci, column in enumerate(self.columns):
                if column.cards:
                    self.col, self.row = ci, 0
                    return
        self.col = min(self.col, max(len(self.columns) - 1, 0))
        cards = self.columns[self.col].cards if self.columns else []
        self.row = min(self.row, max(len(cards) - 1, 0))

    def _draw(self) -> None:
        board = self.board
        existing = list(board.query(KanbanColumn))
        selected = self.selected()
        selected_id = int(selected["id"]) if selected else None
        if len(existing) > len(self.columns):
            for extra in existing[len(self.columns) :]:
                extra.remove()
            existing = existing[: len(self.columns)]
        elif len(existing) < len(self.columns):
            added = [KanbanColumn(c) for c in self.columns[len(existing) :]]
            board.mount_all(added)
            existing += added
        board.fit_columns()
        for index, (widget, column) in enumerate(zip(existing, self.columns, strict=True)):
            widget.call_after_refresh(widget.show, column, selected_id)
            widget.set_class(index == self.col, "-current")
        self.call_after_refresh(self._scroll_to_selection)

    def _status(self) -> None:
        title = f"Pipeline: {self.pipeline_name}" if self.pipeline_name else "Pipeline"
        self.query_one("#pipeline-title", Static).update(title)
        open_count = sum(c.count for c in self.columns if c.kind == "open")
        owner = f"owner {self.owner}" if self.owner else "everyone"
        closed = "won/lost shown" if self.show_closed else "v shows won/lost"
        self.query_one("#pipeline-status", Static).update(f"{open_count} open deals  ·  {owner}  ·  {closed}")

    # ------------------------------------------------------------------ selection

    def selected(self) -> dict[str, Any] | None:
        """The row of the selected deal, if any."""
        if not self.columns or not 0 <= self.col < len(self.columns):
            return None
        cards = self.columns[self.col].cards
        return cards[self.row] if 0 <= self.row < len(cards) else None

    def _mark(self) -> None:
        card = self.selected()
        deal_id = int(card["id"]) if card else None
        for index, widget in enumerate(self.board.query(KanbanColumn)):
            widget.set_class(index == self.col, "-current")
            widget.select(deal_id if index == self.col else None)
        self._scroll_to_selection()

    def _scroll_to_selection(self) -> None:
        columns = list(self.board.query(KanbanColumn))
        if not 0 <= self.col < len(columns):
            return
        column = columns[self.col]
        column.scroll_visible(animate=False)
        card = self.selected()
        if card is not None:
            for widget in column.query(DealCard):
                if widget.deal_id == card["id"]:
                    widget.scroll_visible(animate=False)
                    break

    def action_select_column(self, step: int) -> None:
        """Select the next column left or right."""
        if not self.columns:
            return
        self.col = max(0, min(len(self.columns) - 1, self.col + step))
        self.row = min(self.row, max(len(self.columns[self.col].cards) - 1, 0))
        self._mark()

    def action_select_card(self, step: int) -> None:
        """Select the card above or below."""
        if not self.columns:
            return
        cards = self.columns[self.col].cards
        self.row = max(0, min(len(cards) - 1, self.row + step))
        self._mark()

    @on(DealCard.Clicked)
    def _clicked(self, event: DealCard.Clicked) -> None:
        for ci, column in enumerate(self.columns):
            for ri, row in enumerate(column.cards):
                if row["id"] == event.deal_id:
                    self.col, self.row = ci, ri
        self._mark()
        if event.double:
            self.action_open()

    # ------------------------------------------------------------------ moving

    def action_move_right(self) -> None:
        """Move the selected deal one stage right."""
        self._step(1)

    def action_move_left(self) -> None:
        """Move the selected deal one stage left."""
        self._step(-1)

    def _step(self, step: int) -> None:
        card = self.selected()
        if card is None:
            self.notify("no deal selected", severity="warning")
            return
        target = self.col + step
        if not 0 <= target < len(self.columns):
            hint = "; W marks it won, L lost, v shows those columns" if not self.show_closed and step > 0 else ""
            self.notify(
                f"no stage {'right' if step > 0 else 'left'} of {self.columns[self.col].name}{hint}", severity="warning"
            )
            return
        column = self.columns[target]
        if column.kind == "lost":
            self.action_lost()
            return
        self._move(int(card["id"]), column.stage_id, card.get("version"))

    @work(thread=True, exclusive=False, exit_on_error=False, group="write")
    def _move(self, deal_id: int, stage_id: int, version: int | None) -> None:
        from termcrm.models import Stage
        from termcrm.services import deals, history, refs

        try:
            with self.crm.db.write(f"move deal #{deal_id}") as session:
                deal = refs.deal(session, deal_id)
                stage = refs.by_id(session, Stage, stage_id, "stage")
                deals.move_deal(session, deal, stage, now=self.crm.now(), expected_version=version)
                summary = session.info[history.INFO_KEY].summary
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(DealMoved(deal_id, stage_id, summary))

    @on(DealMoved)
    def _moved(self, message: DealMoved) -> None:
        self.notify(message.summary, timeout=3)
        self.follow_id = message.deal_id
        self.crm.note_write()
        self.reload()

    def action_won(self) -> None:
        """Mark the selected deal won."""
        card = self.selected()
        if card is None:
            return
        deal_id = int(card["id"])
        if card.get("status") == "won":
            self.notify(f"deal #{deal_id} is won already", severity="warning")
            return
        self._win(deal_id)

    @work(thread=True, exclusive=False, exit_on_error=False, group="write")
    def _win(self, deal_id: int) -> None:
        from termcrm.services import deals, history, refs

        try:
            with self.crm.db.write(f"win deal #{deal_id}") as session:
                change = deals.win_deal(session, refs.deal(session, deal_id), now=self.crm.now())
                summary = session.info[history.INFO_KEY].summary
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(DealMoved(deal_id, change.to_stage_id, summary))

    def action_lost(self) -> None:
        """Mark the selected deal lost, asking for the reason."""
        card = self.selected()
        if card is None:
            return
        from termcrm.tui.editors import lost_form

        deal_id = int(card["id"])

        def done(result: Any) -> None:
            if result:
                self.follow_id = deal_id
                self.reload()

        self.app.push_screen(lost_form(self.crm.now, deal_id), done)

    def action_move_stage(self) -> None:
        """Move the selected deal to a stage picked from a list."""
        card = self.selected()
        if card is None:
            return
        from termcrm.tui.widgets.picker import PickerScreen

        options = [(str(sid), f"{name} ({kind})") for sid, name, kind in self.stages]

        def picked(value: str | None) -> None:
            if not value:
                return
            sid, _name, kind = next(s for s in self.stages if str(s[0]) == value)
            if _name == card.get("stage"):
                return
            if kind == "lost":
                self.action_lost()
            else:
                self._move(int(card["id"]), sid, card.get("version"))

        current = str(self.columns[self.col].stage_id) if self.columns else None
        self.app.push_screen(PickerScreen("Move to stage", options, current=current), picked)

    # ------------------------------------------------------------------ other actions

    def action_open(self) -> None:
        """Open the selected deal."""
        card = self.selected()
        if card is not None:
            self.crm.open_record("deal", int(card["id"]))

    def action_new_deal(self) -> None:
        """Add a deal in the selected stage."""
        self.app.push_screen(self.new_record_form("deal"), self._created)

    def new_record_form(self, what: str) -> Any:
        """The palette's ``deal: new`` here puts the deal in this pipeline and stage."""
        if what != "deal":
            return None
        from termcrm.tui.editors import deal_form

        stage_id = self.columns[self.col].stage_id if self.columns else None
        return deal_form(self.crm.now, self.crm.settings.currency, pipeline_id=self.pipeline_id, stage_id=stage_id)

    def _created(self, deal_id: Any) -> None:
        if deal_id:
            self.follow_id = int(deal_id)
            self.reload()

    def action_edit(self) -> None:
        """Edit the selected deal."""
        card = self.selected()
        if card is not None:
            self._edit(int(card["id"]))

    @work(thread=True, exclusive=True, exit_on_error=False, group="deal-edit")
    def _edit(self, deal_id: int) -> None:
        from termcrm.tui.editors import deal_edit_form, deal_values

        try:
            with self.crm.db.read() as session:
                values, version = deal_values(session, deal_id)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        card = self.selected()
        currency = str(card.get("currency")) if card else self.crm.settings.currency
        form = deal_edit_form(self.crm.now, values, currency, deal_id=deal_id, version=version)
        self.app.call_from_thread(self.app.push_screen, form, lambda _r: self.reload())

    def action_switch_pipeline(self) -> None:
        """Pick another pipeline."""
        from termcrm.tui.widgets.picker import PickerScreen

        def picked(value: str | None) -> None:
            if value and int(value) != self.pipeline_id:
                self.pipeline_id = int(value)
                self.first_load = True
                self.col = self.row = 0
                self.reload()

        options = [(str(pid), name) for pid, name in self.pipelines]
        self.app.push_screen(PickerScreen("Pipeline", options, current=str(self.pipeline_id)), picked)

    def action_toggle_closed(self) -> None:
        """Show or hide the won and lost columns."""
        self.show_closed = not self.show_closed
        self.reload()

    def action_owner(self) -> None:
        """Show everyone's deals or one owner's."""
        from termcrm.tui.widgets.picker import PickerScreen

        def picked(value: str | None) -> None:
            if value is None:
                return
            self.owner = value or None
            self.reload()

        options = [("", "everyone")] + [
            (name, name + (" (you)" if name == self.crm.user else "")) for name in self.owners
        ]
        self.app.push_screen(PickerScreen("Owner", options, current=self.owner or ""), picked)
