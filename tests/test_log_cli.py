"""`crm log REF KIND SUMMARY`: recording interactions from the command line."""

from __future__ import annotations

import pytest


def test_log_records_an_interaction_and_says_so(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    result = crm.ok("log", "Ann", "call", "Discussed pricing")
    assert result.stdout == ""
    assert "logged call #1" in result.stderr
    rows = crm.ok("activity", "list", "-f", "json").json()
    assert [(r["kind"], r["summary"], r["contact_id"]) for r in rows] == [("call", "Discussed pricing", 1)]


def test_log_json_prints_the_created_interaction(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    row = crm.ok(
        "log", "ANN@example.com", "meeting", "Kick-off", "--at", "2025-02-03 09:30", "--channel", "zoom",
        "--direction", "in", "--outcome", "agreed scope", "-f", "json",
    ).json()  # fmt: skip
    assert row["id"] == 1
    assert row["kind"] == "meeting"
    assert row["occurred_at"] == "2025-02-03T09:30:00+00:00"
    assert (row["channel"], row["direction"], row["outcome"]) == ("zoom", "in", "agreed scope")
    assert row["contact"] == "Ann Lee"
    assert row["user"] == "tester"


def test_log_ids_format_prints_the_new_id(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("log", "Ann", "note", "first")
    assert crm.ok("log", "Ann", "note", "second", "-f", "ids").stdout == "2\n"


def test_log_body_dash_reads_standard_input(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    row = crm.ok(
        "log", "Ann", "email", "Proposal", "--body", "-", "-f", "json", input="Dear Ann,\nhere it is.\n"
    ).json()
    assert row["body"] == "Dear Ann,\nhere it is."


def test_log_against_a_company(crm) -> None:
    crm.ok("company", "add", "Acme")
    row = crm.ok("log", "Acme", "visit", "Site visit", "--company-ref", "-f", "json").json()
    assert row["company_id"] == 1
    assert row["contact_id"] is None


def test_log_sets_last_contacted(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("log", "Ann", "call", "x", "--at", "2025-01-05 08:00")
    assert crm.ok("contact", "show", "Ann", "-f", "json").json()["last_contacted_at"] == "2025-01-05T08:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("Nobody", "call", "x"), 3, "no contact matches 'Nobody'"),
        (("Ann", "fax", "x"), 2, "kind 'fax' is not one of"),
        (("Ann", "call", "x", "--at", "someday"), 2, "someday"),
        (("Ann", "call", "x", "--direction", "up"), 2, "not in or out"),
        (("Ann", "call", "  "), 2, "needs a summary"),
    ],
)
def test_log_errors_exit_with_the_right_code(crm, args, code, text) -> None:
    crm.ok("contact", "add", "Ann Lee")
    result = crm("log", *args)
    assert result.exit_code == code
    assert text in result.stderr
    assert crm.ok("activity", "list", "-f", "json").json() == []


def test_log_is_undoable(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("log", "Ann", "call", "x")
    result = crm.ok("undo")
    assert "log call with Ann Lee: x" in result.stderr
    assert crm.ok("activity", "list", "-f", "json").json() == []
    assert crm.ok("contact", "show", "Ann", "-f", "json").json()["last_contacted_at"] is None


def test_log_next_schedules_a_follow_up_in_the_same_step(crm) -> None:
    followups = pytest.importorskip("termcrm.services.followups")
    if not hasattr(followups, "schedule_from_text"):
        pytest.skip("follow-ups cannot be scheduled from text yet")
    crm.ok("contact", "add", "Ann Lee")
    result = crm.ok("log", "Ann", "call", "Pricing", "--next", "2030-01-10 10:00 Send proposal")
    assert "logged call #1; next: follow-up #1 Send proposal" in result.stderr
    # One change set: a single undo removes both.
    crm.ok("undo")
    assert crm.ok("activity", "list", "-f", "json").json() == []
