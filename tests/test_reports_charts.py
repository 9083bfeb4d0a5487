"""Text charts: bars in eighths of a cell, sparklines, and widths that count wide characters twice."""

from __future__ import annotations

from typing import Any

from termcrm.io.charts import bar, bar_chart, display_width, pad, sparkline, truncate


def test_bar_fills_the_width_in_proportion() -> None:
    assert bar(100, 100, 4) == "████"
    assert bar(50, 100, 10) == "█████"
    assert bar(3, 8, 1) == "▍"  # three eighths of one cell
    assert bar(25, 100, 3) == "▊"  # 0.75 of a cell = 6 eighths
    assert bar(150, 100, 2) == "██"  # never longer than the width


def test_bar_tiny_values_show_a_sliver_and_nothing_for_zero() -> None:
    assert bar(1, 1000, 10) == "▏"
    assert bar(0, 100, 10) == ""
    assert bar(-5, 100, 10) == ""
    assert bar(None, 100, 10) == ""
    assert bar(5, 0, 10) == ""


def test_sparkline_scales_from_zero_and_blanks_missing_values() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([7, None, 0]) == "█ ▁"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([10, 10]) == "██"  # equal values are high against zero, not flat
    assert sparkline([None, None]) == "  "
    assert sparkline([-2, 0, 2]) == "▁▅█"  # 0 is 3.5 of 7 steps up: rounds to the fifth level


def test_widths_count_wide_characters_twice() -> None:
    assert display_width("Zoë") == 3
    assert display_width("日本") == 4
    assert display_width("e\u0301") == 1  # combining accent
    assert pad("日本", 5) == "日本 "
    assert pad("7", 3, "right") == "  7"
    assert truncate("日本語です", 5) == "日本…"
    assert truncate("short", 10) == "short"


def test_bar_chart_lines_up_bars_after_mixed_width_labels() -> None:
    lines = bar_chart([("東京", 4), ("Zoë", 2), ("Lyon", 0)], width=30)
    starts = [display_width(line.split("│")[0]) for line in lines]
    assert len(set(starts)) == 1
    assert all(display_width(line) <= 30 for line in lines)
    assert lines[0].endswith(" 4") and lines[2].endswith(" 0")
    assert lines[0].count("█") == 2 * lines[1].count("█")


def _report() -> object:
    from termcrm.services.reports import Col, Report, Section

    rows = [
        {"stage": "Lead", "currency": "USD", "total": 150000, "share": 75.0},
        {"stage": "Lead", "currency": "JPY", "total": 5000, "share": 25.0},
        {"stage": "Won", "currency": None, "total": None, "share": None},
    ]
    columns = [Col("stage"), Col("currency"), Col("total", kind="money"), Col("share", kind="percent")]
    series = [{"period": p, "deals": n} for p, n in (("2026-10", 0), ("2026-11", 7))]
    return Report(
        "demo",
        "Demo report",
        {"period": "month"},
        [
            Section("stages", "By stage", columns, rows, bar="total"),
            Section("periods", "By month", [Col("period"), Col("deals", kind="int")], series, spark="deals"),
            Section("none", "Nothing", [Col("x")], [], empty="no rows here"),
        ],
    )


def test_report_cells_json_and_csv_keep_money_per_currency() -> None:
    import io

    from termcrm.services.reports import cell_text, write_csv

    report: Any = _report()
    stages = report.section("stages")
    total = stages.column("total")
    assert [cell_text(total, r) for r in stages.rows] == ["1,500.00", "5,000", ""]
    assert stages.to_json()["rows"][0] == {"stage": "Lead", "currency": "USD", "total": 1500, "share": 75.0}
    assert stages.to_json()["rows"][1]["total"] == 5000  # yen have no minor unit
    out = io.StringIO()
    write_csv(report, out)
    blocks = out.getvalue().split("\n\n")
    assert blocks[0].splitlines()[:2] == ["section,stage,currency,total,share", "stages,Lead,USD,1500,75.0"]
    assert blocks[1].splitlines() == ["section,period,deals", "periods,2026-10,0", "periods,2026-11,7"]


def test_render_text_draws_bars_per_currency_and_sparklines() -> None:
    from termcrm.services.reports import bar_cells, render_text

    report: Any = _report()
    # each currency has its own scale: both Lead rows are the largest of their currency
    assert bar_cells(report.section("stages"), 4) == ["████", "████", ""]
    text = render_text(report, width=60)
    assert text.startswith("Demo report\n")
    assert "deals  ▁█" in text
    assert "(no rows here)" in text
