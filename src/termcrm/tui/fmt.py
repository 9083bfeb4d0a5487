"""How values from the services' JSON-ready rows are shown on screen.

Services hand back ISO dates and money as numbers with a currency; this is the
one place the TUI turns them into text (local time, grouped money, cells cut to
a width measured in terminal cells so CJK names line up).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from termcrm import dates, money
from termcrm.io.charts import display_width, truncate


def when(value: Any, with_time: bool = True) -> str:
    """An ISO string or datetime in local time (``2026-11-23 14:05``); a date stays a date."""
    return dates.format_value(value, with_time)


def day(value: Any) -> str:
    """The local date of an ISO string or datetime."""
    return when(value, with_time=False)


def amount(value: Any, currency: str | None) -> str:
    """A money number (major units) from a row, shown as ``1,250.00 USD``."""
    if currency is None:
        return ""
    return money.format_number(value, currency)


def totals(items: Any) -> str:
    """``[{"amount": .., "currency": ..}]`` as ``1,000.00 USD + 50.00 EUR`` (``0`` when empty)."""
    if not items:
        return "0"
    return " + ".join(amount(i["amount"], i["currency"]) for i in items)


def cut(value: Any, width: int) -> str:
    """Text cut to ``width`` terminal cells (wide characters count two)."""
    return truncate("" if value is None else str(value), width)


def cells(value: Any) -> int:
    """Terminal cells the text takes."""
    return display_width("" if value is None else str(value))


def plain(value: Any) -> str:
    """A cell's text: empty for None, joined for lists."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def summary_line(summary: Mapping[str, Any]) -> str:
    """``open deals: 2 · won revenue: 1,200.00 USD`` (empty values left out)."""
    return "  ·  ".join(f"{k}: {plain(v)}" for k, v in summary.items() if v not in (None, "", [], {}))


def markup_safe(text: str) -> Text:
    """Text that is never read as Rich markup (names may contain brackets)."""
    return Text(text)
