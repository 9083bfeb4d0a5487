"""Reports: every report the services offer (``reports.describe``), as tables with bar charts and sparklines.

The list on the left is whatever ``services.reports`` registers, so a report
added there shows up here. Each section is a table; a section with a bar
column also gets a bar chart, one with a series column a sparkline.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from termcrm.io.charts import display_width, pad
from termcrm.tui.messages import ReportLoaded, ReportsListed
from termcrm.tui.screens.base import CrmScreen
from termcrm.tui.widgets.report_chart import ReportChart

PERIODS = ("month", "quarter", "week")


class ReportsScreen(CrmScreen):
    """The reports."""

    PALETTE = (
        ("report: refresh", "refresh_report", "Compute the report again"),
        ("report: period", "period", "Group by month, quarter or week"),
    )
    """Command palette entries: (noun: verb, action on this screen, help)."""

    BINDINGS = [
        Binding("r", "refresh_report", "Refresh", id="reports-refresh", tooltip="Compute the report again."),
        Binding("p", "period", "Period", id="reports-period", tooltip="Group by month, quarter or week."),
        Binding("tab", "switch_pane", "Pane", id="reports-pane", tooltip="Move between the list and the report."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[dict[str, str]] = []
        self.current: str | None = None
        self.period = "month"

    def compose(self) -> ComposeResult:
        with Horizontal(classes="screen-bar"):
            yield Static("Reports", classes="screen-title")
            yield Static("", id="reports-status", classes="screen-status")
        with Horizontal(id="reports-body"):
            yield OptionList(id="reports-list")
            with VerticalScroll(id="report-pane"):
                yield Label("", id="report-title", classes="section-title")
                yield Static("", id="report-params", classes="section-summary")
                yield Vertical(id="report-sections")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#reports-list", OptionList).focus()
        self._list()

    @work(thread=True, exclusive=True, exit_on_error=False, group="reports-list")
    def _list(self) -> None:
        from termcrm.services import reports

        try:
            listed = reports.describe()
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return
        self.post_message(ReportsListed(listed))

    @on(ReportsListed)
    def _listed(self, message: ReportsListed) -> None:
        self.reports = message.reports
        options = self.query_one("#reports-list", OptionList)
        options.clear_options()
        options.add_options([Option(r["title"], id=r["name"]) for r in self.reports])
        if self.reports:
            options.highlighted = 0
            self.current = self.reports[0]["name"]
            self.reload()

    @on(OptionList.OptionHighlighted, "#reports-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        name = event.option.id
        if name and name != self.current:
            self.current = name
            self.reload()

    def reload(self) -> None:
        """Compute the current report again."""
        if self.current is None:
            return
        self.begin_load()
        self.query_one("#reports-status", Static).update(f"computing {self.current}…")
        self._run(self.current, self.period)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def _run(self, name: str, period: str) -> None:
        from termcrm.services import reports

        try:
            params = reports.make_params(now=self.crm.now(), period=period)
            with self.crm.db.read() as session:
                report = reports.run(session, name, params)
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            self.app.call_from_thread(self.query_one("#reports-status", Static).update, "")
            return
        self.post_message(ReportLoaded(name, report))

    @on(ReportLoaded)
    def _loaded(self, message: ReportLoaded) -> None:
        if message.name != self.current:
            return
        from termcrm.services import reports

        report = message.report
        self.query_one("#report-title", Label).update(report.title)
        params = [f"{k}: {self._param(v)}" for k, v in report.params.items() if v not in (None, "") and k != "now"]
        self.query_one("#report-params", Static).update("  ·  ".join(params))
        summary = next((r["summary"] for r in self.reports if r["name"] == message.name), "")
        self.query_one("#reports-status", Static).update(f"by {self.period}  ·  {summary}")
        box = self.query_one("#report-sections", Vertical)
        box.remove_children()
        widgets: list[Any] = []
        for section in report.sections:
            part = Vertical(classes="report-section")
            children: list[Any] = [Label(section.title, classes="report-section-title")]
            if not section.rows:
                children.append(Static(Text(f"({section.empty})", style="dim")))
            else:
                if section.bar:
                    children.append(ReportChart(section))
                headers, rows, aligns = reports.display_rows(section, bar_width=0)
                if section.bar:
                    headers, rows, aligns = headers[:-1], [r[:-1] for r in rows], aligns[:-1]
                table: DataTable[Any] = DataTable(classes="report-table", cursor_type="row", show_cursor=False)
                widths = [max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
                for index, header in enumerate(headers):
                    table.add_column(pad(header, widths[index], aligns[index]), key=str(index))
                for row in rows:
                    table.add_row(*[pad(cell, widths[i], aligns[i]) for i, cell in enumerate(row)])
                children.append(table)
                spark = reports.spark_line(section)
                if spark:
                    children.append(Static(Text(spark), classes="report-spark"))
            widgets.append((part, children))
        box.mount_all([p for p, _c in widgets])
        for part, children in widgets:
            part.mount_all(children)

    @staticmethod
    def _param(value: Any) -> str:
        from datetime import datetime

        from termcrm.tui import fmt

        if isinstance(value, datetime):
            return fmt.when(value)
        return str(value)

    def action_refresh_report(self) -> None:
        """Compute the report again."""
        self.reload()

    def action_period(self) -> None:
        """Cycle month, quarter, week."""
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]
        self.reload()

    def action_switch_pane(self) -> None:
        """Move the focus between the list and the report."""
        options = self.query_one("#reports-list", OptionList)
        if options.has_focus:
            self.query_one("#report-pane", VerticalScroll).focus()
        else:
            options.focus()
