"""``crm sla``: the default targets per priority, changing them, and what a change applies to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from termcrm.errors import Invalid


def test_show_lists_the_default_targets_most_urgent_first(crm) -> None:
    rows = crm.ok("sla", "show", "-f", "json").json()
    assert [(r["priority"], r["first_response"], r["resolution"]) for r in rows] == [
        ("urgent", "1h", "8h"),
        ("high", "4h", "24h"),
        ("normal", "8h", "72h"),
        ("low", "24h", "120h"),
    ]
    assert rows[2]["first_response_minutes"] == 480 and rows[2]["resolution_minutes"] == 4320
    assert rows[0]["business_hours"] == "around the clock"
    table = crm.ok("sla", "show").stdout
    assert "urgent" in table and "120h" in table


def test_set_changes_targets_for_new_tickets(crm) -> None:
    row = crm.ok("sla", "set", "urgent", "--first-response", "30m", "--resolution", "1h30m", "-f", "json").json()
    assert (row["priority"], row["first_response"], row["resolution"]) == ("urgent", "30m", "1h 30m")
    assert (
        "SLA high: first response 2h, resolution 24h" in crm.ok("sla", "set", "high", "--first-response", "2h").stderr
    )
    crm.ok("contact", "add", "Ann Lee")
    ticket = crm.ok("ticket", "open", "Down", "--contact", "Ann", "--priority", "urgent", "--at", "2026-01-05 10:00",
                    "-f", "json").json()  # fmt: skip
    assert ticket["first_response_due"] == "2026-01-05T10:30:00+00:00"
    assert ticket["resolution_due"] == "2026-01-05T11:30:00+00:00"


def test_set_refuses_bad_input(crm) -> None:
    assert crm("sla", "set", "urgent").exit_code == 2
    assert crm("sla", "set", "asap", "--resolution", "2h").exit_code == 2
    assert crm("sla", "set", "urgent", "--resolution", "soon").exit_code == 2
    assert crm("sla", "set", "urgent", "--resolution", "90s").exit_code == 2
    shorter = crm("sla", "set", "low", "--resolution", "2h")
    assert shorter.exit_code == 2 and "cannot be shorter" in shorter.stderr


def test_set_recompute_re_dates_open_tickets_only_when_asked(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("ticket", "open", "One", "--contact", "Ann", "--at", "2026-01-05 10:00")
    crm.ok("sla", "set", "normal", "--resolution", "10h")
    assert crm.ok("ticket", "show", "1", "-f", "json").json()["resolution_due"] == "2026-01-08T10:00:00+00:00"
    crm.ok("sla", "set", "normal", "--resolution", "12h", "--recompute")
    assert crm.ok("ticket", "show", "1", "-f", "json").json()["resolution_due"] == "2026-01-05T22:00:00+00:00"


def test_policy_service_helpers(db) -> None:
    from termcrm.services import sla_policies

    assert sla_policies.format_minutes(90) == "1h 30m"
    assert sla_policies.format_minutes(45) == "45m"
    assert sla_policies.duration_minutes("2d", "target") == 2880
    with pytest.raises(Invalid):
        sla_policies.duration_minutes("30s", "target")
    with db.write("x") as s:
        sla_policies.set_policy(s, "hi", first_response="3h", now=datetime(2026, 1, 1, tzinfo=UTC))
        assert sla_policies.targets(s)["high"] == (180, 1440)


def test_sla_commands_have_help(crm) -> None:
    for command in ("show", "set"):
        assert "Usage" in crm.ok("sla", command, "--help").stdout
