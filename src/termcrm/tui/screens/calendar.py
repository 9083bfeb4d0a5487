"""Calendar: a month of follow-up counts and, beside it, the selected day's agenda.

The counts are the open follow-ups due each day (``followups.list_followups``);
days with overdue ones take the error colour. The agenda of today and later
days is ``followups.agenda`` (follow-ups, birthdays, expected deal closes, and
on today the overdue ones first); an earlier day lists what was due then.
Arrows move the day, ``pageup``/``pagedown`` the month, ``t`` jumps to today;
``space`` completes the selected follow-up (a recurring one rolls forward),
``s`` snoozes it and ``n`` adds one on the selected day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Label, Static

from termcrm import dates
from termcrm.tui import fmt
from termcrm.tui.messages import CalendarLoaded, FollowupDone
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.widgets.month import DayCell, MonthGrid, grid_days

MONTH = Binding.Group("Month", compact=False)
DAY = Binding.Group("Day", compact=True)
"""pageup and pagedown share one footer entry."""

KIND_MARK = {"followup": "•", "birthday": "🎂", "deal_close": "$", "cadence": "↻"}


def _entry_row(entry: dict[str, Any], width: int) -> list[Any]:
    """time, a mark for the kind, and the title over its details (each cut to ``width`` cells)."""
    style = "red" if entry.get("overdue") else ("dim strike" if entry.get("status") in ("done", "cancelled") else "")
    mark = KIND_MARK.get(str(entry.get("kind")), "·")
    if entry.get("status") == "done":
        mark = "✓"
    text = Text(fmt.cut(fmt.plain(entry.get("title")), width), style=style or "bold")
    detail = fmt.cut(fmt.plain(entry.get("detail")), width)
    text.append("\n" + detail, style="dim" if not style else style)
    return [Text(entry.get("time") or "", style=style), mark, text]


class CalendarScreen(CrmScreen):
    """Follow-ups by day."""

    PALETTE = (
        ("followup: complete", "complete", "Complete the selected follow-up"),
        ("followup: snooze", "snooze", "Move the selected follow-up's due"),
        ("calendar: today", "today", "Jump to today"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding("left", "day(-1)", "← day", id="calendar-prev-day", tooltip="The day before.", group=DAY),
        Binding("right", "day(1)", "day →", id="calendar-next-day", tooltip="The day after.", group=DAY),
        Binding("up", "day(-7)", "↑ week", id="calendar-prev-week", tooltip="A week earlier.", group=DAY),
        Binding("down", "day(7)", "↓ week", id="calendar-next-week", tooltip="A week later.", group=DAY),
        Binding("pageup", "month(-1)", "Month", id="calendar-prev-month", tooltip="The month before.", group=MONTH),
        Binding("pagedown", "month(1)", "Month", id="calendar-next-month", tooltip="The month after.", group=MONTH),
        Binding("t", "today", "Today", id="calendar-today", tooltip="Jump to today."),
        Binding(
            "space",
            "complete",
            "Done",
            id="calendar-complete",
            tooltip="Complete the selected follow-up (a recurring one rolls forward).",
        ),
        Binding("s", "snooze", "Snooze", id="calendar-snooze", tooltip="Move the selected follow-up's due."),
        Binding("n", "new_followup", "New", id="calendar-new", tooltip="Add a follow-up on the selected day."),
        Binding("enter", "open", "Open", id="calendar-open", tooltip="Open the contact or deal of the entry."),
        Binding("tab", "switch_pane", "Agenda", id="calendar-pane", tooltip="Move between the month and the agenda."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.day: date | None = None
        self.first_day: date | None = None
        self.counts: dict[date, tuple[int, int]] = {}
        self.entries: list[dict[str, Any]] = []
        self.follow_entry: tuple[str, int] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static("Calendar", classes="screen-title")
            yield Static("", id="calendar-status", classes="screen-status")
        with Horizontal(id="calendar-body"):
            with Vertical(id="month-pane"):
                yield Label("", id="month-title")
                yield MonthGrid(id="month")
            with Vertical(id="agenda-pane"):
                yield Label("", id="agenda-title")
                yield DataTable(id="agenda-table", cursor_type="row")
        yield Footer(show_command_palette=False)

    @property
    def today(self) -> date:
        """Today in local time, by the app's clock."""
        return dates.local_today(now=self.crm.now())

    @property
    def agenda_table(self) -> DataTable[Any]:
        """The agenda of the selected day."""
        return self.query_one("#agenda-table", DataTable)

    def on_mount(self) -> None:
        table = self.agenda_table
        table.add_column("time", key="time", width=5)
        table.add_column("", key="kind", width=2)
        table.add_column("what", key="title")
        self.day = self.today
        self.query_one(MonthGrid).focus()
        self.reload()

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Load the month and the day's agenda again."""
        self.begin_load()
        day = self.day or self.today
        self._load(day)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calendar")
    def _load(self, day: date) -> None:
        from termcrm.services import followups

        now = self.crm.now()
        today = dates.local_today(now=now)
        first = day.replace(day=1)
        days = grid_days(first)
        try:
            with self.crm.db.read() as session:
                found = followups.list_followups(
                    session,
                    [f"due>={days[0].isoformat()}", f"due<{(days[-1] + timedelta(days=1)).isoformat()}"],
                    now=now,
                )
                counts: dict[date, tuple[int, int]] = {}
                for item in found:
                    key = followups.local_due_date(item)
                    count, late = counts.get(key, (0, 0))
                    counts[key] = (count + 1, late + (1 if followups.is_overdue(item, now) else 0))
                entries = self._agenda(session, day, today, now)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(CalendarLoaded(first, counts, entries, day))

    @staticmethod
    def _agenda(session: Any, day: date, today: date, now: Any) -> list[dict[str, Any]]:
        from termcrm.services import followups

        if day >= today:
            groups = followups.agenda(session, days=(day - today).days + 1, now=now)
            entries: list[dict[str, Any]] = []
            for group in groups:
                if group["day"] == "overdue" and day == today:
                    entries += [{**e, "overdue": True, "time": e.get("time") or "late"} for e in group["items"]]
                elif group["day"] == day.isoformat():
                    entries += [{**e, "status": "open"} for e in group["items"]]
            return entries
        items = followups.list_followups(session, [f"due:{day.isoformat()}"], all_=True, now=now)
        out = []
        for row in followups.rows(session, items, now=now):
            detail = ", ".join(x for x in (row.get("contact"), row.get("company"), row.get("status")) if x)
            time = row["due"][11:16] if row.get("due_has_time") else None
            out.append(
                {
                    "kind": "followup",
                    "id": row["id"],
                    "time": time,
                    "title": row["title"],
                    "detail": detail,
                    "status": row["status"],
                    "overdue": row["overdue"],
                    "contact_id": row.get("contact_id"),
                }
            )
        return out

    @on(CalendarLoaded)
    def _loaded(self, message: CalendarLoaded) -> None:
        if message.day != self.day:
            return
        self.first_day = message.first_day
        self.counts = message.days
        self.entries = message.agenda
        self._draw()

    def _draw(self) -> None:
        if self.first_day is None or self.day is None:
            return
        today = self.today
        self.query_one("#month-title", Label).update(f"{self.first_day:%B %Y}")
        self.query_one(MonthGrid).show(self.first_day, self.counts, today, self.day)
        suffix = " (today)" if self.day == today else ""
        self.query_one("#agenda-title", Label).update(f"{self.day:%A %d %B %Y}{suffix}")
        table = self.agenda_table
        keep = self.follow_entry
        if keep is None and 0 <= table.cursor_row < len(self.entries):
            current = self.entries[table.cursor_row]
            keep = (str(current.get("kind")), int(current.get("id") or 0))
        self.follow_entry = None
        table.clear()
        width = max(table.size.width - 16, 20)
        for index, entry in enumerate(self.entries):
            table.add_row(*_entry_row(entry, width), key=str(index), height=2)
        if not self.entries:
            table.add_row("", "", Text("nothing due", style="dim"), key="empty")
        target = next((i for i, e in enumerate(self.entries) if keep and (e.get("kind"), e.get("id")) == keep), None)
        if target is None:
            target = next((i for i, e in enumerate(self.entries) if e.get("kind") == "followup"), 0)
        table.move_cursor(row=target, animate=False)
        month_open = sum(c for d, (c, _o) in self.counts.items() if d.month == self.first_day.month)
        month_late = sum(o for _d, (_c, o) in self.counts.items())
        self.query_one("#calendar-status", Static).update(
            f"{month_open} open follow-ups due in {self.first_day:%B}"
            + (f"  ·  {month_late} overdue in view" if month_late else "")
        )

    # ------------------------------------------------------------------ moving

    def _go(self, day: date) -> None:
        self.day = day
        if self.first_day is not None and day.month == self.first_day.month and day.year == self.first_day.year:
            self.query_one(MonthGrid).show(self.first_day, self.counts, self.today, day)
        self.reload()

    def action_day(self, step: int) -> None:
        """Move the selected day."""
        self._go((self.day or self.today) + timedelta(days=step))

    def action_month(self, step: int) -> None:
        """Move a month."""
        self._go((self.day or self.today) + relativedelta(months=step))

    def action_today(self) -> None:
        """Back to today."""
        self._go(self.today)

    @on(DataTable.RowSelected, "#agenda-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    @on(DayCell.Picked)
    def _picked(self, event: DayCell.Picked) -> None:
        self._go(event.day)

    def action_switch_pane(self) -> None:
        """Move the focus between the month and the agenda."""
        if self.query_one(MonthGrid).has_focus:
            self.agenda_table.focus()
        else:
            self.query_one(MonthGrid).focus()

    # ------------------------------------------------------------------ acting on entries

    def selected_entry(self) -> dict[str, Any] | None:
        """The agenda entry under the cursor."""
        index = self.agenda_table.cursor_row
        return self.entries[index] if 0 <= index < len(self.entries) else None

    def _selected_followup(self) -> dict[str, Any] | None:
        entry = self.selected_entry()
        if entry is None or entry.get("kind") != "followup":
            self.notify("select a follow-up in the agenda (tab moves there)", severity="warning")
            return None
        return entry

    def action_complete(self) -> None:
        """Complete the selected follow-up."""
        entry = self._selected_followup()
        if entry is not None:
            self._complete(int(entry["id"]))

    @work(thread=True, exclusive=False, exit_on_error=False, group="write")
    def _complete(self, followup_id: int) -> None:
        from termcrm.services import followups, history

        try:
            with self.crm.db.write(f"done follow-up #{followup_id}") as session:
                item = followups.get_followup(session, followup_id)
                done = followups.complete_followup(session, item, now=self.crm.now())
                next_id = done.next.id if done.next is not None else None
                summary = session.info[history.INFO_KEY].summary
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(FollowupDone(followup_id, next_id, summary))

    @on(FollowupDone)
    def _done(self, message: FollowupDone) -> None:
        self.notify(message.summary, timeout=3)
        self.crm.note_write()
        self.reload()

    def action_snooze(self) -> None:
        """Snooze the selected follow-up."""
        entry = self._selected_followup()
        if entry is None:
            return
        from termcrm.tui.editors import snooze_form

        self.app.push_screen(snooze_form(self.crm.now, int(entry["id"]), None), lambda _r: self.reload())

    def action_new_followup(self) -> None:
        """Add a follow-up on the selected day."""
        self.app.push_screen(self.new_record_form("followup"), lambda _r: self.reload())

    def new_record_form(self, what: str) -> Any:
        """The palette's ``followup: new`` here is due on the selected day."""
        if what != "followup":
            return None
        from termcrm.tui.editors import followup_form

        day = self.day or self.today
        return followup_form(self.crm.now, due=day.isoformat(), title=f"New follow-up on {day:%a %d %b}")

    def action_open(self) -> None:
        """Open what the entry is about (its contact, or the deal)."""
        entry = self.selected_entry()
        if entry is None:
            return
        if entry.get("kind") == "deal_close":
            self.crm.open_record("deal", int(entry["id"]))
        elif entry.get("contact_id"):
            self.crm.open_record("contact", int(entry["contact_id"]))
        elif entry.get("kind") == "birthday":
            self.crm.open_record("contact", int(entry["id"]))
        else:
            self.notify("this follow-up is not linked to a contact", severity="warning")
