"""``crm ticket`` through the CLI: every command, its JSON, and its errors.

Commands run on the real clock, so tickets that must be breached are opened
in the past with ``--at``; expected figures are relations the rules fix
(an urgent ticket's first response is due one hour after it was opened).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest


@pytest.fixture
def ann(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme")


def _open(crm, *args: str) -> dict:
    return crm.ok("ticket", "open", *args, "-f", "json").json()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_open_prints_the_ticket_and_sets_dues_from_the_policy(crm, ann) -> None:
    row = _open(crm, "Printer on fire", "--contact", "ann@example.com", "--priority", "urgent", "--type", "incident",
                "--channel", "phone", "--assignee", "dana", "--body", "Smoke everywhere")  # fmt: skip
    assert (row["subject"], row["priority"], row["type"], row["channel"]) == (
        "Printer on fire",
        "urgent",
        "incident",
        "phone",
    )
    assert (row["assignee"], row["status"], row["contact"], row["company"]) == ("dana", "open", "Ann Lee", "Acme")
    created = _dt(row["created_at"])
    assert _dt(row["first_response_due"]) - created == timedelta(hours=1)
    assert _dt(row["resolution_due"]) - created == timedelta(hours=8)
    shown = crm.ok("ticket", "show", str(row["id"]), "-f", "json").json()
    assert shown["description"] == "Smoke everywhere"


def test_open_table_output_is_a_message_on_stderr(crm, ann) -> None:
    result = crm.ok("ticket", "open", "Help", "--contact", "Ann")
    assert result.stdout == ""
    assert "opened ticket #1 Help (normal)" in result.stderr


def test_open_reads_the_body_from_stdin_and_takes_a_company(crm, ann) -> None:
    row = crm.ok(
        "ticket", "open", "Invoice question", "--company", "Acme", "--body", "-", "--at", "2026-01-05 10:00",
        "-f", "json", input="Line one\nLine two\n",
    ).json()  # fmt: skip
    assert row["company"] == "Acme" and row["contact_id"] is None
    assert row["created_at"] == "2026-01-05T10:00:00+00:00"
    assert row["description"] == "Line one\nLine two"


def test_open_errors_exit_with_the_right_codes(crm, ann) -> None:
    missing = crm("ticket", "open", "Help")
    assert missing.exit_code == 2 and "--contact" in missing.stderr
    assert crm("ticket", "open", "Help", "--contact", "nobody-here").exit_code == 3
    bad = crm("ticket", "open", "Help", "--contact", "Ann", "--priority", "asap")
    assert bad.exit_code == 2 and "urgent" in bad.stderr
    crm.ok("contact", "add", "Ann Other")
    assert crm("ticket", "open", "Help", "--contact", "Ann").exit_code == 4
    assert crm("ticket", "show", "99").exit_code == 3
    assert crm("ticket", "show", "abc").exit_code == 2


def test_list_orders_by_sla_urgency_and_filters(crm, ann) -> None:
    _open(crm, "Calm", "--contact", "Ann", "--priority", "low")
    _open(crm, "Old fire", "--contact", "Ann", "--priority", "urgent", "--at", "2026-01-05 10:00")
    _open(crm, "Soon", "--contact", "Ann", "--priority", "urgent")
    rows = crm.ok("ticket", "list", "-f", "json").json()
    assert [r["subject"] for r in rows] == ["Old fire", "Soon", "Calm"]
    assert [r["breached"] for r in rows] == [True, False, False]
    assert rows[0]["time_left_seconds"] < 0 < rows[1]["time_left_seconds"]
    assert [r["subject"] for r in crm.ok("ticket", "list", "--breached", "-f", "json").json()] == ["Old fire"]
    assert crm.ok("ticket", "list", "priority:low", "-f", "ids").stdout == "1\n"
    assert crm.ok("ticket", "list", "--limit", "1", "-f", "ids").stdout == "2\n"
    table = crm.ok("ticket", "list").stdout
    assert "! " in table and "over" in table and "left" in table
    bad = crm("ticket", "list", "colour:red")
    assert bad.exit_code == 2 and "valid fields" in bad.stderr


def test_list_mine_and_all(crm, ann) -> None:
    _open(crm, "Mine", "--contact", "Ann", "--assignee", "me")
    _open(crm, "Theirs", "--contact", "Ann", "--assignee", "dana")
    crm.ok("ticket", "resolve", "2")
    assert [r["subject"] for r in crm.ok("ticket", "list", "--mine", "-f", "json").json()] == ["Mine"]
    assert [r["subject"] for r in crm.ok("ticket", "list", "-f", "json").json()] == ["Mine"]
    assert len(crm.ok("ticket", "list", "--all", "-f", "json").json()) == 2
    assert crm.ok("ticket", "list", "status:resolved", "-f", "ids").stdout == "2\n"
    empty = crm.ok("ticket", "list", "--mine", "status:closed")
    assert "no tickets match" in empty.stderr


def test_comment_first_public_comment_is_the_first_response(crm, ann) -> None:
    _open(crm, "Help", "--contact", "Ann")
    crm.ok("ticket", "comment", "1", "internal thought", "--internal")
    assert crm.ok("ticket", "show", "1", "-f", "json").json()["first_response_at"] is None
    crm.ok("ticket", "comment", "1", "-", input="Hello from stdin\n")
    crm.ok("ticket", "comment", "1", "Thanks!", "--customer")
    data = crm.ok("ticket", "show", "1", "-f", "json").json()
    assert data["first_response_at"] is not None
    assert data["status"] == "open"
    assert [(c["body"], c["public"], c["from_customer"]) for c in data["comments"]] == [
        ("internal thought", False, False),
        ("Hello from stdin", True, False),
        ("Thanks!", True, True),
    ]
    assert crm("ticket", "comment", "1", "  ").exit_code == 2
    out = crm.ok("ticket", "comment", "1", "more", "-f", "json").json()
    assert out["ticket_id"] == 1 and out["public"] is True


def test_assign_and_status(crm, ann) -> None:
    _open(crm, "Help", "--contact", "Ann")
    row = crm.ok("ticket", "assign", "1", "dana", "-f", "json").json()
    assert (row["assignee"], row["status"]) == ("dana", "open")
    row = crm.ok("ticket", "status", "1", "pending", "-f", "json").json()
    assert row["status"] == "pending" and row["pending_since"] is not None
    assert "left" in row["sla"] and "paused" not in row["sla"]  # the unanswered first response still runs
    crm.ok("ticket", "comment", "1", "Waiting for your log file")
    assert crm.ok("ticket", "show", "1", "-f", "json").json()["sla"].startswith("paused, ")
    assert crm("ticket", "status", "1", "pending").exit_code == 2
    assert crm("ticket", "status", "1", "sleeping").exit_code == 2
    row = crm.ok("ticket", "status", "1", "open", "-f", "json").json()
    assert row["pending_since"] is None
    assert crm.ok("ticket", "assign", "1", "none", "-f", "json").json()["assignee"] is None


def test_resolve_with_note_and_article_close_reopen(crm, ann) -> None:
    crm.ok("kb", "add", "Resetting your password", "--body", "Use the link.", "--publish")
    _open(crm, "Password reset fails", "--contact", "Ann")
    row = crm.ok("ticket", "resolve", "1", "--note", "Sent a new link", "--kb", "Resetting", "-f", "json").json()
    assert row["status"] == "resolved" and row["resolved_at"] is not None
    view = crm.ok("ticket", "show", "1", "-f", "json").json()
    assert [a["title"] for a in view["articles"]] == ["Resetting your password"]
    assert view["comments"][0]["body"] == "Sent a new link"
    assert crm.ok("kb", "show", "1", "-f", "json").json()["resolved_tickets"][0]["id"] == 1
    assert crm("ticket", "resolve", "1").exit_code == 2
    row = crm.ok("ticket", "close", "1", "-f", "json").json()
    assert row["status"] == "closed" and row["closed_at"] is not None
    row = crm.ok("ticket", "reopen", "1", "-f", "json").json()
    assert (row["status"], row["resolved_at"], row["closed_at"]) == ("open", None, None)
    assert crm("ticket", "reopen", "1").exit_code == 2
    assert crm("ticket", "resolve", "1", "--kb", "no such article").exit_code == 3


def test_resolve_late_says_breached(crm, ann) -> None:
    _open(crm, "Old", "--contact", "Ann", "--priority", "urgent", "--at", "2026-01-05 10:00")
    result = crm.ok("ticket", "resolve", "1")
    assert "late: SLA breached" in result.stderr
    row = crm.ok("ticket", "list", "--all", "-f", "json").json()[0]
    assert (row["breached"], row["resolution_breached"]) == (True, True)


def test_rate_only_resolved_or_closed_tickets_from_1_to_5(crm, ann) -> None:
    _open(crm, "Help", "--contact", "Ann")
    early = crm("ticket", "rate", "1", "5")
    assert early.exit_code == 2 and "resolved or closed" in early.stderr
    crm.ok("ticket", "resolve", "1")
    assert crm("ticket", "rate", "1", "6").exit_code == 2
    assert crm("ticket", "rate", "1", "five").exit_code == 2
    row = crm.ok("ticket", "rate", "1", "4", "--comment", "quick and kind", "-f", "json").json()
    assert (row["satisfaction"], row["satisfaction_comment"]) == (4, "quick and kind")
    assert "rated 5/5" in crm.ok("ticket", "rate", "1", "5").stderr


def test_edit_priority_re_dates_the_clocks(crm, ann) -> None:
    _open(crm, "Help", "--contact", "Ann", "--at", "2026-01-05 10:00")
    row = crm.ok("ticket", "edit", "1", "--priority", "high", "--subject", "Help now", "-f", "json").json()
    assert row["subject"] == "Help now"
    assert row["first_response_due"] == "2026-01-05T14:00:00+00:00"
    assert row["resolution_due"] == "2026-01-06T10:00:00+00:00"
    assert crm("ticket", "edit", "1").exit_code == 2


def test_rm_archives_after_confirmation(crm, ann) -> None:
    _open(crm, "Help", "--contact", "Ann")
    refused = crm("ticket", "rm", "1")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert "archived ticket #1 Help" in crm.ok("ticket", "rm", "1", "--yes").stderr
    assert crm.ok("ticket", "list", "-f", "ids").stdout == ""
    assert crm.ok("ticket", "list", "--archived", "-f", "ids").stdout == "1\n"
    assert crm.ok("ticket", "show", "1", "-f", "json").json()["archived_at"] is not None


def test_show_table_has_clocks_thread_and_articles(crm, ann) -> None:
    crm.ok("kb", "add", "Printer drivers", "--body", "Download the driver.", "--publish")
    _open(crm, "Printer driver missing", "--contact", "Ann", "--body", "It asks for a driver")
    crm.ok("ticket", "comment", "1", "Which model?")
    out = crm.ok("ticket", "show", "1").stdout
    for text in ("#1 Printer driver missing", "first response", "resolution", "Which model?", "Printer drivers",
                 "It asks for a driver", "Knowledge base"):  # fmt: skip
        assert text in out, text
    data = crm.ok("ticket", "show", "1", "-f", "json").json()
    assert [c["state"] for c in data["clocks"]] == ["met", "running"]


def test_business_hours_from_config_apply_to_cli_tickets(crm, ann, tmp_path: Path) -> None:
    Path(tmp_path / "config.toml").write_text('[sla]\nbusiness_hours = "Mon-Fri 09:00-17:00"\n', encoding="utf-8")
    row = _open(crm, "Friday", "--contact", "Ann", "--priority", "urgent", "--at", "2026-03-06 16:00")
    assert row["first_response_due"] == "2026-03-06T17:00:00+00:00"
    assert row["resolution_due"] == "2026-03-09T16:00:00+00:00"
    assert crm.ok("sla", "show", "-f", "json").json()[0]["business_hours"] == "Mon-Fri 09:00-17:00"


def test_every_ticket_command_has_help(crm) -> None:
    for command in ("open", "list", "show", "comment", "assign", "status", "resolve", "close", "reopen", "rate",
                    "edit", "rm"):  # fmt: skip
        result = crm.ok("ticket", command, "--help")
        assert "Usage" in result.stdout
