"""A report section drawn as a horizontal bar chart: label, bar, value, one line per row.

Bars come from ``reports.bar_cells`` (money bars scale per currency, never
across currencies) and take the theme's accent colour; the width follows the
widget's size.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget

from termcrm.io.charts import display_width, pad


def label_of(section: Any, row: dict[str, Any]) -> str:
    """The row's label: its first shown text column (with the currency for money bars)."""
    from termcrm.services import reports

    bar_col = section.column(section.bar)
    shown = [c for c in section.columns if c.show and c.key not in ("currency", bar_col.key)]
    texts = [c for c in shown if c.kind not in reports.NUMERIC_KINDS] or shown
    label = reports.cell_text(texts[0], row) if texts else ""
    if bar_col.kind == "money" and row.get("currency"):
        label = f"{label} ({row['currency']})" if label else str(row["currency"])
    return label or "-"


class ReportChart(Widget):
    """The bar chart of one report section."""

    DEFAULT_CSS = """
    ReportChart {
        height: auto;
        padding: 0 0 1 0;
    }
    ReportChart > .report-chart--bar {
        color: $accent;
    }
    ReportChart > .report-chart--value {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES = {"report-chart--bar", "report-chart--value"}

    def __init__(self, section: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section = section

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return max(len(self.section.rows), 1)

    def render(self) -> Text:
        from termcrm.services import reports

        section = self.section
        rows = section.rows
        if not rows or section.bar is None:
            return Text("")
        width = max(self.size.width, 30)
        labels = [label_of(section, r) for r in rows]
        bar_col = section.column(section.bar)
        values = [reports.cell_text(bar_col, r) for r in rows]
        label_w = min(max(display_width(x) for x in labels), max(width // 3, 6))
        value_w = max(display_width(v) for v in values)
        bar_w = max(width - label_w - value_w - 4, 4)
        bars = reports.bar_cells(section, bar_w)
        bar_style = self.get_component_rich_style("report-chart--bar")
        value_style = self.get_component_rich_style("report-chart--value")
        text = Text(no_wrap=True, overflow="crop")
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            if index:
                text.append("\n")
            text.append(pad(label, label_w) + " │")
            text.append(pad(bars[index], bar_w), style=bar_style)
            text.append(" " + pad(value, value_w, "right"), style=value_style)
        return text
