"""Text charts: horizontal bars and sparklines drawn with Unicode blocks.

Pure functions over numbers and strings, so the CLI, the TUI's Reports
screen and the tests draw the same thing. Widths are terminal cells: wide
(CJK) characters count two, combining marks none, so labels line up.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

EIGHTHS = " ▏▎▍▌▋▊▉█"
"""Partial blocks for bars: index ``n`` is ``n`` eighths of a cell."""

SPARKS = "▁▂▃▄▅▆▇█"
"""Sparkline levels, lowest first."""


def char_width(char: str) -> int:
    """Terminal cells ``char`` takes: 0 for combining marks, 2 for wide and full-width ones, else 1."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes."""
    return sum(char_width(c) for c in text)


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``width`` cells, ending with ``ellipsis`` when cut."""
    if width <= 0:
        return ""
    if display_width(text) <= width:
        return text
    room = width - display_width(ellipsis)
    out: list[str] = []
    used = 0
    for char in text:
        w = char_width(char)
        if used + w > room:
            break
        out.append(char)
        used += w
    return "".join(out) + (ellipsis if room >= 0 else "")


def pad(text: str, width: int, align: str = "left") -> str:
    """``text`` truncated or padded with spaces to exactly ``width`` cells."""
    cut = truncate(text, width)
    gap = width - display_width(cut)
    return " " * gap + cut if align == "right" else cut + " " * gap


def bar(value: float | None, maximum: float, width: int) -> str:
    """A horizontal bar of ``value`` on a scale where ``maximum`` fills ``width`` cells.

    Drawn in eighths of a cell; a positive value too small to see still gets
    the thinnest sliver; zero, negative and missing values draw nothing.
    """
    if value is None or value <= 0 or maximum <= 0 or width <= 0:
        return ""
    eighths = round(min(value, maximum) / maximum * width * 8)
    eighths = max(eighths, 1)
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, from ``▁`` (lowest) to ``█`` (highest); missing values are blanks.

    The scale starts at zero when no value is negative, so a flat series of
    small numbers does not look like peaks. All-equal values draw ``▁`` for
    zero and ``▄`` otherwise.
    """
    present = [float(v) for v in values if v is not None]
    if not present:
        return " " * len(values)
    low = min(0.0, min(present))
    high = max(present)
    out: list[str] = []
    for value in values:
        if value is None:
            out.append(" ")
        elif high == low:
            out.append(SPARKS[0] if high == 0 else SPARKS[3])
        else:
            level = int((float(value) - low) / (high - low) * (len(SPARKS) - 1) + 0.5)
            out.append(SPARKS[max(0, min(level, len(SPARKS) - 1))])
    return "".join(out)


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    width: int = 60,
    *,
    values: Sequence[str] | None = None,
) -> list[str]:
    """Lines ``label │bar value`` fitting in ``width`` cells, bars scaled to the largest value.

    ``values`` are the texts printed after each bar (default: the number).
    Labels are cut to at most a third of the width.
    """
    if not items:
        return []
    shown = list(values) if values is not None else [_number(v) for _, v in items]
    label_w = min(max(display_width(label) for label, _ in items), max(width // 3, 1))
    value_w = max(display_width(v) for v in shown)
    bar_w = max(width - label_w - value_w - 3, 1)
    maximum = max((v for _, v in items if v is not None), default=0.0)
    lines = []
    for (label, value), text in zip(items, shown, strict=True):
        drawn = bar(value, maximum, bar_w)
        lines.append(f"{pad(label, label_w)} │{pad(drawn, bar_w)} {pad(text, value_w, 'right')}".rstrip())
    return lines


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"
