"""Companies through the CLI: add, list, show, edit, archive, restore and their errors."""

from __future__ import annotations


def test_add_prints_created_company_as_json_with_issue_keys(crm) -> None:
    row = crm.ok(
        "company", "add", "Acme GmbH", "--domain", "acme.de", "--industry", "software", "--tag", "Partner",
        "--field", "tier=gold", "-f", "json",
    ).json()  # fmt: skip
    assert {"id", "name", "domain", "industry", "tags", "owner"} <= set(row)
    assert row["name"] == "Acme GmbH"
    assert row["domain"] == "acme.de"
    assert row["tags"] == ["partner"]
    assert row["fields"] == {"tier": "gold"}
    assert row["owner"] == "tester"


def test_add_with_ids_format_prints_only_the_new_id(crm) -> None:
    crm.ok("company", "add", "First")
    assert crm.ok("company", "add", "Second", "-f", "ids").stdout == "2\n"


def test_company_names_are_unique_regardless_of_case(crm) -> None:
    crm.ok("company", "add", "Acme")
    result = crm("company", "add", "ACME")
    assert result.exit_code == 4
    assert "'Acme' exists already (#1)" in result.stderr


def test_empty_company_name_exits_2(crm) -> None:
    result = crm("company", "add", "   ")
    assert result.exit_code == 2
    assert "needs a name" in result.stderr


def test_list_filters_sorts_and_limits(crm) -> None:
    crm.ok("company", "add", "Bravo", "--industry", "retail", "--city", "Berlin")
    crm.ok("company", "add", "Alpha", "--industry", "software", "--tag", "partner")
    crm.ok("company", "add", "Charlie", "--industry", "software")
    names = [r["name"] for r in crm.ok("company", "list", "-f", "json").json()]
    assert names == ["Alpha", "Bravo", "Charlie"]
    software = crm.ok("company", "list", "industry:software", "-f", "json").json()
    assert [r["name"] for r in software] == ["Alpha", "Charlie"]
    assert [r["name"] for r in crm.ok("company", "list", "+partner", "-f", "json").json()] == ["Alpha"]
    assert [r["name"] for r in crm.ok("company", "list", "-partner", "-f", "json").json()] == ["Bravo", "Charlie"]
    desc = crm.ok("company", "list", "--sort", "-name", "--limit", "2", "-f", "json").json()
    assert [r["name"] for r in desc] == ["Charlie", "Bravo"]
    assert crm.ok("company", "list", "city:berlin", "-f", "ids").stdout == "1\n"


def test_list_counts_live_contacts_per_company(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    crm.ok("contact", "add", "Bob Stone", "--company", "acme")
    crm.ok("contact", "rm", "Bob", "--yes")
    rows = crm.ok("company", "list", "-f", "json").json()
    assert [(r["name"], r["contacts"]) for r in rows] == [("Acme", 1)]


def test_list_table_shows_columns_and_empty_message(crm) -> None:
    empty = crm.ok("company", "list")
    assert empty.stdout == ""
    assert "no companies match" in empty.stderr
    crm.ok("company", "add", "Acme", "--domain", "acme.com")
    out = crm.ok("company", "list").stdout
    assert "Acme" in out and "acme.com" in out and "people" in out


def test_show_lists_people_and_interactions(crm) -> None:
    crm.ok("company", "add", "Acme", "--domain", "acme.com", "--note", "Key account")
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme", "--email", "ann@acme.com", "--title", "CTO")
    crm.ok("contact", "add", "Bob Stone", "--company", "Acme")
    crm.ok("log", "ann@acme.com", "call", "Talked about renewal", "--at", "2025-03-01 10:00")
    crm.ok("log", "Acme", "meeting", "Quarterly review", "--company-ref", "--at", "2025-03-05 10:00")
    data = crm.ok("company", "show", "acme", "-f", "json").json()
    assert [p["name"] for p in data["people"]] == ["Ann Lee", "Bob Stone"]
    assert data["people"][0]["title"] == "CTO"
    assert [i["summary"] for i in data["interactions"]] == ["Quarterly review", "Talked about renewal"]
    text = crm.ok("company", "show", "Acme").stdout
    assert "#1 Acme" in text
    assert "People (2)" in text
    assert "Ann Lee" in text and "Bob Stone" in text
    assert "Talked about renewal" in text and "Quarterly review" in text
    assert "Key account" in text


def test_show_by_unique_fragment_and_not_found(crm) -> None:
    crm.ok("company", "add", "Northwind Traders")
    assert crm.ok("company", "show", "wind", "-f", "json").json()["name"] == "Northwind Traders"
    missing = crm("company", "show", "Globex")
    assert missing.exit_code == 3
    assert "no company matches 'Globex'" in missing.stderr


def test_show_ambiguous_fragment_exits_4_listing_candidates(crm) -> None:
    crm.ok("company", "add", "Acme East")
    crm.ok("company", "add", "Acme West")
    result = crm("company", "show", "Acme")
    assert result.exit_code == 4
    assert "#1 Acme East" in result.stderr and "#2 Acme West" in result.stderr


def test_edit_changes_fields_tags_and_custom_fields(crm) -> None:
    crm.ok("company", "add", "Acme", "--tag", "prospect", "--field", "tier=silver", "--industry", "retail")
    row = crm.ok(
        "company", "edit", "Acme", "--name", "Acme Corp", "--city", "Berlin", "--industry", "",
        "--add-tag", "partner", "--remove-tag", "prospect", "--field", "tier=gold", "-f", "json",
    ).json()  # fmt: skip
    assert row["name"] == "Acme Corp"
    assert row["city"] == "Berlin"
    assert row["industry"] is None
    assert row["tags"] == ["partner"]
    assert row["fields"] == {"tier": "gold"}
    row = crm.ok("company", "edit", "acme corp", "--unset-field", "tier", "-f", "json").json()
    assert row["fields"] == {}


def test_edit_rename_onto_existing_name_exits_4(crm) -> None:
    crm.ok("company", "add", "Acme")
    crm.ok("company", "add", "Globex")
    result = crm("company", "edit", "Globex", "--name", "acme")
    assert result.exit_code == 4
    assert crm.ok("company", "show", "2", "-f", "json").json()["name"] == "Globex"


def test_rm_needs_yes_without_a_terminal_then_archives(crm) -> None:
    crm.ok("company", "add", "Acme")
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    refused = crm("company", "rm", "Acme")
    assert refused.exit_code == 2
    assert "--yes" in refused.stderr
    assert len(crm.ok("company", "list", "-f", "json").json()) == 1
    crm.ok("company", "rm", "Acme", "--yes")
    assert crm.ok("company", "list", "-f", "json").json() == []
    archived = crm.ok("company", "list", "--archived", "-f", "json").json()
    assert [r["name"] for r in archived] == ["Acme"]
    assert archived[0]["archived_at"] is not None
    # Its contacts stay, still linked.
    assert crm.ok("contact", "show", "Ann", "-f", "json").json()["company"] == "Acme"
    assert "[archived]" in crm.ok("company", "show", "1").stdout


def test_restore_brings_an_archived_company_back(crm) -> None:
    crm.ok("company", "add", "Acme")
    crm.ok("company", "rm", "1", "--yes")
    crm.ok("company", "restore", "Acme")
    assert [r["name"] for r in crm.ok("company", "list", "-f", "json").json()] == ["Acme"]
    again = crm("company", "restore", "Acme")
    assert again.exit_code == 2
    assert "not archived" in again.stderr


def test_rm_then_undo_restores_the_company(crm) -> None:
    crm.ok("company", "add", "Acme")
    crm.ok("company", "rm", "Acme", "--yes")
    crm.ok("undo")
    assert [r["name"] for r in crm.ok("company", "list", "-f", "json").json()] == ["Acme"]


def test_bare_word_searches_company_text(crm) -> None:
    crm.ok("company", "add", "Acme", "--note", "makes rockets")
    crm.ok("company", "add", "Globex", "--note", "makes software")
    assert [r["name"] for r in crm.ok("company", "list", "rocket", "-f", "json").json()] == ["Acme"]


def test_company_commands_have_help_and_bare_noun_shows_it(crm) -> None:
    result = crm("company")
    assert result.exit_code == 2
    assert "add" in result.stdout and "restore" in result.stdout
    assert "error:" not in result.stderr
