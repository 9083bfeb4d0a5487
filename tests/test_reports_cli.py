"""``crm report`` and ``crm quota``: tables with bars, the same numbers in JSON and CSV, errors and exit codes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from test_reports_builders import World

REPORTS = ("pipeline", "forecast", "winloss", "activity", "tickets", "customers", "churn", "performance")


def _world(db: Any) -> None:
    now = datetime.now(UTC)
    with db.write("data") as s:
        w = World(s)
        acme = w.company("Acme")
        w.deal("big", "Proposal", 300000, owner="ann", company=acme, entered=now - timedelta(days=2))
        w.deal("small", "Lead", 50000, owner="ann", company=acme, entered=now - timedelta(days=1))
        w.deal("euro", "Lead", 20000, currency="EUR", owner="bob", company=acme, entered=now - timedelta(days=1))
        w.deal(
            "won",
            "Won",
            120000,
            owner="ann",
            company=acme,
            created=now - timedelta(days=40),
            closed=now - timedelta(days=5),
        )
        w.interaction(now - timedelta(days=3), company=acme, user="ann")


def test_report_without_name_lists_every_report(crm: Any) -> None:
    listed = crm.ok("report", "-f", "json").json()
    assert [r["name"] for r in listed][: len(REPORTS)] == list(REPORTS)
    assert all(r["title"] and r["summary"] for r in listed)


def test_unknown_report_exits_2_and_names_the_reports(crm: Any) -> None:
    result = crm("report", "sales")
    assert result.exit_code == 2
    assert "no report named 'sales'" in result.stderr
    for name in REPORTS:
        assert name in result.stderr


def test_numbers_too_large_are_refused_or_mean_every_row(crm: Any) -> None:
    huge = "99999999999999999999"
    result = crm("report", "churn", "--days", huge)
    assert result.exit_code == 2
    assert result.stderr == "error: --days must be at most 36500 (100 years)\n"
    result = crm("report", "forecast", "--top", "1000000")
    assert result.exit_code == 2
    assert result.stderr == "error: --top is the number of forecast periods: give at most 1000\n"
    assert crm.ok("report", "forecast", "--top", "1000", "-f", "json").json()["params"]["periods"] == 1000
    result = crm("report", "activity", "--since", "0001-01-01", "--period", "week")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the report would cover more than 1000 weeks: give a later --since")
    assert crm.ok("report", "activity", "--since", "-900w", "--period", "week").exit_code == 0
    assert crm.ok("report", "customers", "--top", huge, "-f", "json").json()["params"]["top"] == 2**63 - 1
    result = crm("agenda", "--days", huge)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --days must be at most 3660")


def test_every_report_runs_in_every_format(crm: Any, db: Any) -> None:
    _world(db)
    for name in REPORTS:
        table = crm.ok("report", name)
        assert table.stdout.strip(), name
        data = crm.ok("report", name, "-f", "json").json()
        assert data["report"] == name and data["sections"], name
        assert crm.ok("report", name, "-f", "csv").stdout.startswith("section,"), name


def test_table_has_bars_and_json_csv_carry_the_same_numbers(crm: Any, db: Any) -> None:
    _world(db)
    table = crm.ok("report", "pipeline").stdout
    assert "Open deals by stage (sales)" in table
    assert "█" in table
    assert "3,000.00" in table and "1,500.00" in table  # Proposal total, and its weighted 50 %
    data = crm.ok("report", "pipeline", "-f", "json").json()
    stages = data["sections"]["stages"]["rows"]
    proposal = [r for r in stages if r["stage"] == "Proposal"][0]
    assert (proposal["total"], proposal["weighted"], proposal["currency"]) == (3000, 1500, "USD")
    assert data["params"]["pipeline"] == "sales"
    blocks = crm.ok("report", "pipeline", "-f", "csv").stdout.split("\n\n")
    parsed = list(csv.DictReader(io.StringIO(blocks[0])))
    as_csv = [r for r in parsed if r["stage"] == "Proposal"][0]
    assert (as_csv["section"], as_csv["total"], as_csv["weighted"], as_csv["currency"]) == (
        "stages",
        "3000",
        "1500",
        "USD",
    )
    totals = list(csv.DictReader(io.StringIO(blocks[1])))
    assert [(r["currency"], r["total"]) for r in totals] == [("EUR", "200"), ("USD", "3500")]


def test_series_reports_draw_a_sparkline(crm: Any, db: Any) -> None:
    _world(db)
    out = crm.ok("report", "activity", "--period", "week").stdout
    spark = [line.split()[-1] for line in out.splitlines() if line.split()[:1] == ["interactions"]]
    # twelve weeks, one of them (three days ago) with the only interaction
    assert any(len(s) == 12 and s.count("█") == 1 and set(s) == {"▁", "█"} for s in spark)


def test_options_reach_the_report(crm: Any, db: Any) -> None:
    _world(db)
    data = crm.ok("report", "pipeline", "--owner", "bob", "-f", "json").json()
    assert [(r["currency"], r["deals"]) for r in data["sections"]["totals"]["rows"]] == [("EUR", 1)]
    forecast = crm.ok("report", "forecast", "--top", "2", "--period", "quarter", "-f", "json").json()
    assert forecast["params"]["period"] == "quarter" and forecast["params"]["periods"] == 2
    churn = crm.ok("report", "churn", "--days", "30", "-f", "json").json()
    assert churn["params"]["days"] == 30
    window = crm.ok("report", "winloss", "--since", "2026-01-01", "--until", "2026-03-31", "-f", "json").json()
    assert window["params"]["since"].startswith("2026-01-01") and window["params"]["until"].startswith("2026-04-01")


def test_section_option_prints_one_section(crm: Any, db: Any) -> None:
    _world(db)
    data = crm.ok("report", "winloss", "--section", "funnel", "-f", "json").json()
    assert list(data["sections"]) == ["funnel"]
    bad = crm("report", "winloss", "--section", "nope")
    assert bad.exit_code == 2 and "funnel" in bad.stderr


def test_bad_options_exit_2(crm: Any) -> None:
    assert crm("report", "pipeline", "--period", "year").exit_code == 2
    assert crm("report", "pipeline", "-f", "jsonl").exit_code == 2
    assert crm("report", "activity", "--since", "someday").exit_code == 2
    assert crm("report", "churn", "--days", "0").exit_code == 2
    missing = crm("report", "pipeline", "--owner", "nobody")
    assert missing.exit_code == 3


def test_quota_set_list_rm(crm: Any, db: Any) -> None:
    with db.write("users") as s:
        World(s).user("ann")
    crm.ok("quota", "set", "ann", "50k", "--period", "2026-q4")
    crm.ok("quota", "set", "me", "1,000.50", "--period", "2026-11", "--currency", "EUR")
    listed = crm.ok("quota", "list", "-f", "json").json()
    assert [(r["user"], r["period"], r["amount"], r["currency"]) for r in listed] == [
        ("tester", "2026-11", 1000.5, "EUR"),
        ("ann", "2026-Q4", 50000, "USD"),
    ]
    assert [r["user"] for r in crm.ok("quota", "list", "--user", "ann", "-f", "json").json()] == ["ann"]
    assert "50,000.00" in crm.ok("quota", "list").stdout
    assert crm("quota", "set", "ann", "5", "--period", "2026-13").exit_code == 2
    assert crm("quota", "set", "nobody", "5", "--period", "2026").exit_code == 3
    assert crm("quota", "rm", "ann", "--period", "2026-Q4").exit_code == 2  # needs --yes off a terminal
    crm.ok("quota", "rm", "ann", "--period", "2026-Q4", "--yes")
    assert [r["user"] for r in crm.ok("quota", "list", "-f", "json").json()] == ["tester"]
    crm.ok("undo")
    assert len(crm.ok("quota", "list", "-f", "json").json()) == 2
