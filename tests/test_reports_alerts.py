"""Threshold alerts: each measure, silent and firing, thresholds from config, and ``crm alerts`` for cron."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from test_reports_builders import NOW, World, ago, utc


def _world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        # tickets: T1 reply overdue, T2 resolution overdue, T3 paused before its due, T4 resolved late (not open)
        w.ticket(ago(1), "high", "open", fr_due=ago(0, 2))
        w.ticket(ago(5), "normal", "open", fr_due=ago(5), fr_at=ago(5), res_due=ago(1))
        w.ticket(ago(5), "normal", "pending", fr_at=ago(5), res_due=ago(1), pending_since=ago(2))
        w.ticket(ago(9), "low", "resolved", res_due=ago(8), resolved=ago(7))
        # follow-ups: due yesterday (a day), due an hour ago; not overdue: due today (a day), done, cancelled
        w.followup(utc(2026, 11, 22), has_time=False)
        w.followup(ago(0, 1))
        w.followup(utc(2026, 11, 23), has_time=False)
        w.followup(ago(3), status="done", done_at=ago(2))
        w.followup(ago(3), status="cancelled")
        # deals: Lead rots after 7 days; one has sat 8 days, one 6; won and EUR deals do not count in USD value
        w.rot("Lead", 7)
        w.deal("rotting", "Lead", 100000, entered=ago(8))
        w.deal("fresh", "Lead", 50000, entered=ago(6))
        w.deal("won", "Won", 999900, entered=ago(60), closed=ago(60))
        w.deal("euro", "Proposal", 999900, currency="EUR")
        # churn: X and Y bought in September, only X was heard from in October -> 50 % in 2026-10
        x, y = w.company("X"), w.company("Y")
        w.deal("x", "Won", 1, company=x, closed=utc(2026, 9, 3))
        w.deal("y", "Won", 1, company=y, closed=utc(2026, 9, 4))
        w.interaction(utc(2026, 10, 9), company=x)


def _measures(db: Any) -> dict[str, Any]:
    from termcrm.services import alerts

    with db.read() as s:
        return {row["alert"]: (row["value"], row["note"]) for row in alerts.status(s, NOW)}


def test_every_measure_worked_out(db: Any) -> None:
    _world(db)
    assert _measures(db) == {
        "churn_rate": (50.0, "2026-10"),
        "sla_breaches": (2, ""),
        "overdue_followups": (2, ""),
        "rotting_deals": (1, ""),
        "pipeline_value": (1500, "USD"),
    }


def test_silent_without_thresholds(db: Any) -> None:
    from termcrm.services import alerts

    _world(db)
    with db.read() as s:
        assert alerts.evaluate(s, NOW) == []


def test_each_alert_fires_only_past_its_threshold(db: Any) -> None:
    from termcrm.services import alerts

    _world(db)
    values = db.settings.values
    values.update(
        {
            "alerts.churn_rate": 50.0,
            "alerts.sla_breaches": 2,
            "alerts.overdue_followups": 2,
            "alerts.rotting_deals": 1,
            "alerts.pipeline_value": 1500.0,
        }
    )
    with db.read() as s:
        assert alerts.evaluate(s, NOW) == []  # every measure sits exactly on its threshold
    values.update(
        {
            "alerts.churn_rate": 49.9,
            "alerts.sla_breaches": 1,
            "alerts.overdue_followups": 1,
            "alerts.rotting_deals": 0,
            "alerts.pipeline_value": 1500.01,
        }
    )
    with db.read() as s:
        firing = alerts.evaluate(s, NOW)
    assert [a.message for a in firing] == [
        "churn rate 50.0% in 2026-10 is above 49.9%",
        "2 open tickets past an SLA target (more than 1)",
        "2 follow-ups overdue (more than 1)",
        "1 deal rotting (more than 0)",
        "open pipeline 1,500.00 USD is under 1,500.01 USD",
    ]
    assert firing[1].as_dict() == {
        "alert": "sla_breaches",
        "value": 2,
        "threshold": 1,
        "message": "2 open tickets past an SLA target (more than 1)",
    }


def test_set_threshold_writes_config_and_off_removes_it(tmp_path: Any) -> None:
    from termcrm.config import read_config_file
    from termcrm.errors import Invalid
    from termcrm.services import alerts

    path = tmp_path / "config.toml"
    assert alerts.set_threshold("churn-rate", "12.5%", path) == 12.5
    assert alerts.set_threshold("alerts.sla_breaches", "3", path) == 3
    assert read_config_file(path) == {"alerts.churn_rate": 12.5, "alerts.sla_breaches": 3}
    assert alerts.set_threshold("churn_rate", "off", path) is None
    assert read_config_file(path) == {"alerts.sla_breaches": 3}
    with pytest.raises(Invalid) as err:
        alerts.set_threshold("temperature", "3", path)
    assert "pipeline_value" in err.value.message
    with pytest.raises(Invalid):
        alerts.set_threshold("sla_breaches", "many", path)


# --------------------------------------------------------------------------- the command, on the real clock


def _overdue_followups(db: Any, count: int) -> None:
    with db.write("data") as s:
        w = World(s)
        for _ in range(count):
            w.followup(datetime.now(UTC) - timedelta(days=3))


def test_crm_alerts_is_silent_when_nothing_fires(crm: Any, db: Any) -> None:
    _overdue_followups(db, 2)
    result = crm.ok("alerts", "--exit-code")
    assert (result.stdout, result.stderr) == ("", "")
    crm.ok("alerts", "set", "overdue_followups", "5")
    result = crm.ok("alerts", "--exit-code")
    assert result.stdout == ""
    assert crm.ok("alerts", "-f", "json").json() == []


def test_crm_alerts_prints_a_line_per_firing_alert_and_exit_code_1(crm: Any, db: Any) -> None:
    _overdue_followups(db, 2)
    crm.ok("alerts", "set", "overdue_followups", "1")
    crm.ok("alerts", "set", "pipeline_value", "10")
    result = crm.ok("alerts")
    assert result.stdout.splitlines() == [
        "2 follow-ups overdue (more than 1)",
        "open pipeline 0.00 USD is under 10.00 USD",
    ]
    flagged = crm("alerts", "--exit-code")
    assert flagged.exit_code == 1
    assert flagged.stdout == result.stdout
    assert [a["alert"] for a in crm("alerts", "-f", "json").json()] == ["overdue_followups", "pipeline_value"]


def test_crm_alerts_list_shows_thresholds_and_values(crm: Any, db: Any) -> None:
    _overdue_followups(db, 2)
    crm.ok("alerts", "set", "overdue_followups", "1")
    listed = {row["alert"]: row for row in crm.ok("alerts", "list", "-f", "json").json()}
    assert list(listed) == ["churn_rate", "sla_breaches", "overdue_followups", "rotting_deals", "pipeline_value"]
    assert (listed["overdue_followups"]["threshold"], listed["overdue_followups"]["value"]) == (1, 2)
    assert listed["overdue_followups"]["firing"] is True
    assert (listed["sla_breaches"]["threshold"], listed["sla_breaches"]["firing"]) == (None, False)
    table = crm.ok("alerts", "list").stdout
    assert "FIRING" in table and "off" in table
    crm.ok("alerts", "set", "overdue_followups", "off")
    assert crm.ok("alerts", "--exit-code").stdout == ""


def test_crm_alerts_bad_input_exits_2(crm: Any) -> None:
    bad_name = crm("alerts", "set", "weather", "1")
    assert bad_name.exit_code == 2 and "churn_rate" in bad_name.stderr
    assert crm("alerts", "set", "rotting_deals", "lots").exit_code == 2
    assert crm("alerts", "-f", "csv").exit_code == 2
