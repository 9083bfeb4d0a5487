"""``crm followup`` and ``crm log --next`` through the CLI: every command, its output and its errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

JSON_KEYS = {
    "id", "title", "due", "status", "done_at", "contact_id", "company_id", "deal_id", "ticket_id",
    "assignee", "priority", "recurrence", "notes", "due_has_time", "recurrence_text", "overdue",
}  # fmt: skip


def _local_today():
    from termcrm.dates import local_today

    return local_today()


def test_add_prints_a_message_and_json_has_the_documented_keys(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme")
    added = crm.ok("followup", "add", "Send proposal", "--due", "+2d 10:00", "--contact", "ann@example.com")
    day = (_local_today() + timedelta(days=2)).isoformat()
    assert added.stderr == f"added follow-up #1 Send proposal (due {day} 10:00)\n"
    assert added.stdout == ""
    row = crm.ok("followup", "add", "Weekly", "--due", "+1d", "--every", "mon,thu", "-f", "json").json()
    assert JSON_KEYS <= set(row)
    assert (row["recurrence"], row["recurrence_text"]) == (
        "FREQ=WEEKLY;BYDAY=MO,TH",
        "every week on Monday and Thursday",
    )
    rows = crm.ok("followup", "list", "-f", "json").json()
    assert [(r["title"], r["contact"], r["company"], r["assignee"], r["due_has_time"]) for r in rows] == [
        ("Weekly", None, None, "tester", False),
        ("Send proposal", "Ann Lee", "Acme", "tester", True),
    ]


@pytest.mark.parametrize(
    ("every", "rule"),
    [
        ("day", "FREQ=DAILY"),
        ("week", "FREQ=WEEKLY"),
        ("month", "FREQ=MONTHLY"),
        ("year", "FREQ=YEARLY"),
        ("2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
        ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("mon,thu", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("last friday of month", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=WEEKLY;BYDAY=SU", "FREQ=WEEKLY;BYDAY=SU"),
    ],
)
def test_add_every_form(crm, every: str, rule: str) -> None:
    row = crm.ok("followup", "add", "Repeat", "--due", "2026-01-15 09:00", "--every", every, "-f", "json").json()
    assert row["recurrence"] == rule


def test_add_errors_have_exit_codes(crm) -> None:
    bad_rule = crm("followup", "add", "x", "--due", "2026-01-15", "--every", "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2")
    assert bad_rule.exit_code == 2 and "never occurs" in bad_rule.stderr
    assert crm("followup", "add", "x", "--due", "2026-01-15", "--every", "fortnight-ish").exit_code == 2
    assert crm("followup", "add", "x", "--due", "whenever").exit_code == 2
    assert crm("followup", "add", "x", "--due", "today", "--priority", "urgent").exit_code == 2
    assert crm("followup", "add", "x", "--due", "today", "--contact", "nobody").exit_code == 3
    missing_due = crm("followup", "add", "x")
    assert missing_due.exit_code == 2 and "--due" in missing_due.stderr
    assert crm("followup", "add", "x", "--due", "today", "-f", "json", "--deal", "99").exit_code == 3


def test_list_flags_and_filters(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("followup", "add", "Late", "--due", "-3d", "--contact", "ann", "--priority", "high")
    crm.ok("followup", "add", "Today", "--due", "today")
    crm.ok("followup", "add", "Soon", "--due", "+3d", "--assignee", "ann")
    crm.ok("followup", "add", "Far", "--due", "+30d")
    crm.ok("followup", "add", "Done one", "--due", "-1d")
    crm.ok("followup", "done", "5")

    def titles(*args: str) -> list[str]:
        return [r["title"] for r in crm.ok("followup", "list", *args, "-f", "json").json()]

    assert titles() == ["Late", "Today", "Soon", "Far"]
    assert titles("--all") == ["Late", "Done one", "Today", "Soon", "Far"]
    assert titles("--overdue") == ["Late"]
    assert titles("--today") == ["Today"]
    assert titles("--week") == ["Today", "Soon"]
    assert titles("due<today") == ["Late"]
    assert titles("priority:high") == ["Late"]
    assert titles("assignee:ann") == ["Soon"]
    assert titles("contact:ann") == ["Late"]
    assert titles("status:done") == ["Done one"]
    assert titles("--sort", "-due", "--limit", "2") == ["Far", "Soon"]
    ids = crm.ok("followup", "list", "--overdue", "-f", "ids").stdout
    assert ids == "1\n"
    bad = crm("followup", "list", "colour:red")
    assert bad.exit_code == 2 and "valid fields" in bad.stderr
    table = crm.ok("followup", "list").stdout
    assert "(overdue)" in table and "Late" in table
    assert crm.ok("followup", "list", "nothing-matches-this").stderr == "no follow-ups match\n"


def test_show_table_and_json_with_upcoming(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    crm.ok("followup", "add", "Weekly", "--due", "2026-01-05 09:00", "--every", "week", "--contact", "ann",
           "--notes", "Bring numbers")  # fmt: skip
    data = crm.ok("followup", "show", "1", "-f", "json").json()
    assert data["upcoming"] == ["2026-01-12T09:00:00+00:00", "2026-01-19T09:00:00+00:00", "2026-01-26T09:00:00+00:00"]
    out = crm.ok("followup", "show", "#1").stdout
    assert "follow-up #1 Weekly" in out and "every week (FREQ=WEEKLY)" in out
    assert "Ann Lee (#1)" in out and "Acme (#1)" in out and "Bring numbers" in out
    assert crm("followup", "show", "99").exit_code == 3
    assert crm("followup", "show", "abc").exit_code == 2


def test_edit_changes_and_unlinks(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    crm.ok("followup", "add", "Call", "--due", "+1d", "--contact", "ann")
    row = crm.ok(
        "followup", "edit", "1", "--title", "Call Ann", "--due", "+2d 15:00", "--priority", "high",
        "--company", "", "--every", "week", "--notes", "n", "-f", "json",
    ).json()  # fmt: skip
    assert (row["title"], row["priority"], row["company_id"], row["contact_id"], row["recurrence"]) == (
        "Call Ann", "high", None, 1, "FREQ=WEEKLY",
    )  # fmt: skip
    assert row["due"].endswith("T15:00:00+00:00")
    row = crm.ok("followup", "edit", "1", "--no-every", "--notes", "", "-f", "json").json()
    assert (row["recurrence"], row["notes"]) == (None, None)
    assert crm("followup", "edit", "1", "--every", "day", "--no-every").exit_code == 2
    message = crm.ok("followup", "edit", "1", "--assignee", "bob").stderr
    assert message.startswith("updated follow-up #1 Call Ann")


def test_done_recurring_creates_next_and_logs_the_note(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("followup", "add", "Monday call", "--due", "2026-01-05 09:00", "--every", "week", "--contact", "ann")
    result = crm.ok("followup", "done", "1", "--note", "Discussed pricing")
    assert result.stderr == "done: follow-up #1 Monday call; next: #2 due 2026-01-12 09:00; logged note #1\n"
    rows = crm.ok("followup", "list", "--all", "-f", "json").json()
    assert [(r["id"], r["status"], r["due"]) for r in rows] == [
        (1, "done", "2026-01-05T09:00:00+00:00"),
        (2, "open", "2026-01-12T09:00:00+00:00"),
    ]
    activity = crm.ok("contact", "show", "ann", "-f", "json").json()
    assert [i["summary"] for i in activity["interactions"]] == ["Discussed pricing"]
    assert activity["followups"]["items"][0]["id"] == 2
    again = crm("followup", "done", "1")
    assert again.exit_code == 2 and "done already" in again.stderr
    data = crm.ok("followup", "done", "2", "-f", "json").json()
    assert data["status"] == "done" and data["next"]["due"] == "2026-01-19T09:00:00+00:00"


def test_snooze_and_cancel(crm) -> None:
    crm.ok("followup", "add", "Call", "--due", "-1d 09:00")
    snoozed = crm.ok("followup", "snooze", "1", "tomorrow", "-f", "json").json()
    tomorrow = (_local_today() + timedelta(days=1)).isoformat()
    assert snoozed["due"] == f"{tomorrow}T09:00:00+00:00" and snoozed["overdue"] is False
    moved = crm.ok("followup", "snooze", "1", "3h", "-f", "json").json()
    delta = datetime.fromisoformat(moved["due"]) - datetime.now().astimezone()
    assert timedelta(hours=2, minutes=50) < delta <= timedelta(hours=3)
    assert crm("followup", "snooze", "1", "later-ish").exit_code == 2
    assert crm.ok("followup", "cancel", "1").stderr == "cancelled follow-up #1 Call\n"
    assert crm.ok("followup", "list", "-f", "json").json() == []
    assert crm("followup", "snooze", "1", "+1d").exit_code == 2


def test_rm_needs_yes_archives_and_undo_restores(crm) -> None:
    crm.ok("followup", "add", "Call", "--due", "+1d")
    refused = crm("followup", "rm", "1")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert crm.ok("followup", "rm", "1", "--yes").stderr == "archived follow-up #1 Call\n"
    assert crm.ok("followup", "list", "--all", "-f", "json").json() == []
    assert crm.ok("followup", "show", "1", "-f", "json").json()["archived_at"] is not None
    assert crm("followup", "done", "1").exit_code == 3
    crm.ok("undo")
    assert [r["title"] for r in crm.ok("followup", "list", "-f", "json").json()] == ["Call"]


def test_log_next_schedules_the_followup(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    result = crm.ok("log", "ann", "call", "Intro call", "--next", "+7d 10:00 Send proposal")
    assert "next: follow-up #1 Send proposal" in result.stderr
    row = crm.ok("followup", "show", "1", "-f", "json").json()
    assert (row["title"], row["contact"], row["company"], row["due_has_time"]) == (
        "Send proposal", "Ann Lee", "Acme", True,
    )  # fmt: skip
    assert row["due"] == f"{(_local_today() + timedelta(days=7)).isoformat()}T10:00:00+00:00"
    bad = crm("log", "ann", "call", "Another", "--next", "Send proposal")
    assert bad.exit_code == 2 and "WHEN TITLE" in bad.stderr


def test_contact_and_company_show_have_a_followups_section(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    crm.ok("followup", "add", "Call Ann", "--due", "-1d", "--contact", "ann")
    out = crm.ok("contact", "show", "ann").stdout
    assert "Follow-ups (1 open)" in out and "Call Ann" in out and "(overdue)" in out
    company = crm.ok("company", "show", "Acme", "-f", "json").json()
    assert company["followups"]["summary"] == {"open": 1, "overdue": 1}


def test_commands_appear_in_help(crm) -> None:
    top = crm.ok("--help").stdout
    for noun in ("followup", "remind", "next", "agenda", "export"):
        assert noun in top
    sub = crm.ok("followup", "--help").stdout
    for command in ("add", "list", "show", "edit", "rm", "done", "snooze", "cancel"):
        assert command in sub
