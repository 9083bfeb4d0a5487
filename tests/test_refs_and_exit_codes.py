"""References, exit codes, error output and the JSON shapes of the customer-information records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CONTACT_KEYS = {
    "id", "name", "first_name", "last_name", "email", "emails", "phones", "company", "company_id", "title", "tags",
    "stage", "source", "owner", "birthday", "city", "notes", "fields", "created_at", "updated_at",
    "last_contacted_at",
}  # fmt: skip
COMPANY_KEYS = {"id", "name", "domain", "industry", "tags", "owner"}
INTERACTION_KEYS = {"id", "kind", "summary", "occurred_at", "contact_id", "company_id", "user"}


def _show(crm, ref: str) -> dict:
    return crm.ok("contact", "show", ref, "-f", "json").json()


# ---------------------------------------------------------------- references


def test_contact_by_id_with_or_without_hash(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Bob Stone")
    assert _show(crm, "2")["name"] == "Bob Stone"
    assert _show(crm, "#2")["name"] == "Bob Stone"


def test_contact_by_email_in_any_case(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "Ann.Lee@Example.com")
    assert _show(crm, "ann.lee@example.COM")["name"] == "Ann Lee"


def test_contact_by_unique_name_fragment_any_case(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Bob Stone")
    assert _show(crm, "ston")["name"] == "Bob Stone"
    assert _show(crm, "ANN")["name"] == "Ann Lee"


def test_an_exact_name_wins_over_longer_names_containing_it(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Ann Leeson")
    assert _show(crm, "ann lee")["id"] == 1


def test_ambiguous_reference_exits_4_listing_candidates(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    crm.ok("contact", "add", "Ann Stone")
    result = crm("contact", "show", "ann")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr.startswith("error: 'ann' matches 2 contacts; give an id or an email:")
    assert "#1 Ann Lee <ann@example.com>" in result.stderr
    assert "#2 Ann Stone" in result.stderr


def test_an_email_two_contacts_share_is_ambiguous(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "shared@example.com")
    crm.ok("contact", "add", "Bob Stone", "--email", "shared@example.com", "--allow-duplicate")
    result = crm("contact", "show", "shared@example.com")
    assert result.exit_code == 4
    assert "belongs to several contacts" in result.stderr


def test_not_found_exits_3(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    for ref in ("Zed", "99", "nobody@example.com", "99999999999999999999"):
        result = crm("contact", "show", ref)
        assert result.exit_code == 3, ref
        assert result.stderr.startswith("error: no contact")


def test_archived_contacts_are_not_found_by_name_but_by_id(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "rm", "Ann", "--yes")
    assert crm("contact", "edit", "Ann", "--city", "Rome").exit_code == 3
    assert _show(crm, "1")["archived_at"] is not None


def test_company_and_user_references(crm) -> None:
    crm.ok("company", "add", "Acme Corporation")
    assert crm.ok("company", "show", "1", "-f", "json").json()["name"] == "Acme Corporation"
    assert crm.ok("company", "show", "ACME CORPORATION", "-f", "json").json()["id"] == 1
    assert crm.ok("company", "show", "corp", "-f", "json").json()["id"] == 1
    crm.ok("user", "add", "Bob")
    assert crm.ok("user", "deactivate", "1").exit_code == 0
    assert crm("user", "deactivate", "carol").exit_code == 3


# ---------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    "args",
    [
        ("contact", "show", "   "),
        ("contact", "add", "Ann Lee", "--stage", "boss"),
        ("contact", "add", "Ann Lee", "--email", "nope"),
        ("contact", "add", "Ann Lee", "--birthday", "someday"),
        ("contact", "add", "Ann Lee", "--field", "novalue"),
        ("contact", "list", "colour:red"),
        ("contact", "list", "-f", "xml"),
        ("contact", "frobnicate"),
        ("contact", "add"),
        ("contact", "add", "Ann Lee", "--no-such-option"),
        # whole numbers beyond a 64-bit column are refused before they reach the database
        ("contact", "list", "id>99999999999999999999"),
        ("deal", "list", "amount>1e999"),
    ],
)
def test_bad_input_exits_2_with_one_error_line(crm, args) -> None:
    result = crm(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_a_limit_beyond_any_table_lists_every_row(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Bob Stone")
    shown = crm.ok("contact", "list", "--limit", "99999999999999999999", "-f", "ids")
    assert shown.stdout.split() == ["1", "2"]
    assert crm.ok("search", "ann", "--limit", "99999999999999999999", "-f", "json").json()[0]["id"] == 1


def test_an_amount_too_large_to_store_exits_2_and_writes_nothing(crm) -> None:
    result = crm("product", "add", "Widget", "--price", "99999999999999999999999")
    assert result.exit_code == 2
    assert result.stderr == "error: amount '99999999999999999999999' is too large to store in USD\n"
    assert crm.ok("product", "list", "-f", "json").json() == []


def test_conflicts_exit_4(crm) -> None:
    crm.ok("company", "add", "Acme")
    assert crm("company", "add", "acme").exit_code == 4
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    assert crm("contact", "add", "Annie", "--email", "ann@example.com").exit_code == 4


def test_invalid_input_file_exits_5(crm, db_url, tmp_path) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("restore reads SQLite files")
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    result = crm("db", "restore", str(junk), "--yes")
    assert result.exit_code == 5
    assert result.stderr.startswith("error: ")


def test_json_errors_are_objects_on_stderr(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Ann Stone")
    cases = [
        (("contact", "show", "Zed", "-f", "json"), 3, "not_found"),
        (("contact", "show", "Ann", "-f", "json"), 4, "ambiguous"),
        (("contact", "list", "colour:x", "-f", "json"), 2, "invalid"),
        (("contact", "add", "Ann Lee", "--stage", "boss", "-f", "json"), 2, "invalid"),
        (("company", "show", "nothing", "-f", "json"), 3, "not_found"),
    ]
    for args, code, error_code in cases:
        result = crm(*args)
        assert result.exit_code == code, args
        assert result.stdout == ""
        error = json.loads(result.stderr)
        assert set(error) == {"error"}
        assert set(error["error"]) == {"code", "message"}
        assert error["error"]["code"] == error_code


def test_unexpected_errors_are_one_line_without_debug(crm, monkeypatch) -> None:
    from termcrm.services import contacts

    def explode(*_args, **_kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(contacts, "list_contacts", explode)
    result = crm("contact", "list")
    assert result.exit_code == 1
    assert result.stderr == "error: unexpected RuntimeError: boom (run with --debug for details)\n"
    assert result.exception is None


def test_debug_lets_the_exception_through(crm, monkeypatch) -> None:
    from termcrm.services import contacts

    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(contacts, "list_contacts", explode)
    result = crm("--debug", "contact", "list")
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRM_USER": "tester", "CRM_CONFIG": str(tmp_path / "config.toml")}
    return subprocess.run(
        [sys.executable, "-m", "termcrm", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_a_real_process_prints_no_traceback_without_debug_and_one_with_it(tmp_path: Path) -> None:
    not_a_db = tmp_path / "folder"
    not_a_db.mkdir()
    quiet = _run(tmp_path, "--db", str(not_a_db), "contact", "list")
    assert quiet.returncode == 1
    assert "Traceback" not in quiet.stderr
    assert quiet.stderr.startswith("error: ") and quiet.stderr.count("\n") == 1
    loud = _run(tmp_path, "--db", str(not_a_db), "--debug", "contact", "list")
    assert loud.returncode == 1
    assert "Traceback (most recent call last)" in loud.stderr


# ---------------------------------------------------------------- JSON shapes and created records


def test_contact_json_keys(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme")
    listed = crm.ok("contact", "list", "-f", "json").json()[0]
    shown = _show(crm, "Ann")
    assert CONTACT_KEYS <= set(listed)
    assert CONTACT_KEYS <= set(shown)
    assert isinstance(listed["emails"], list) and isinstance(listed["tags"], list)
    assert isinstance(listed["fields"], dict)


def test_company_json_keys(crm) -> None:
    crm.ok("company", "add", "Acme")
    assert COMPANY_KEYS <= set(crm.ok("company", "list", "-f", "json").json()[0])
    assert COMPANY_KEYS <= set(crm.ok("company", "show", "Acme", "-f", "json").json())


def test_interaction_json_keys(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("log", "Ann", "call", "Hello")
    assert INTERACTION_KEYS <= set(crm.ok("activity", "list", "-f", "json").json()[0])
    assert INTERACTION_KEYS <= set(_show(crm, "Ann")["interactions"][0])


def test_add_commands_print_the_created_record(crm) -> None:
    contact = crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "-f", "json").json()
    assert CONTACT_KEYS <= set(contact)
    assert (contact["id"], contact["email"]) == (1, "ann@example.com")
    assert crm.ok("contact", "add", "Bob Stone", "-f", "ids").stdout == "2\n"
    company = crm.ok("company", "add", "Acme", "-f", "json").json()
    assert COMPANY_KEYS <= set(company) and company["id"] == 1
    assert crm.ok("company", "add", "Globex", "-f", "ids").stdout == "2\n"
    interaction = crm.ok("log", "Ann", "note", "Met", "-f", "json").json()
    assert INTERACTION_KEYS <= set(interaction)
    assert crm.ok("log", "Ann", "note", "Again", "-f", "ids").stdout == "2\n"


def test_table_messages_go_to_stderr_and_data_to_stdout(crm) -> None:
    added = crm.ok("contact", "add", "Ann Lee")
    assert added.stdout == ""
    assert added.stderr == "added contact #1 Ann Lee\n"
    listed = crm.ok("contact", "list", "-f", "csv")
    assert listed.stderr == ""
    assert listed.stdout.splitlines()[0].startswith("id,name,first_name,last_name")
    jsonl = crm.ok("contact", "list", "-f", "jsonl").stdout.splitlines()
    assert [json.loads(line)["name"] for line in jsonl] == ["Ann Lee"]
