"""Contacts through the CLI: add, list, show, edit, archive and their errors."""

from __future__ import annotations


def test_add_then_list_shows_contact_in_json(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme", "--tag", "vip")
    rows = crm.ok("contact", "list", "-f", "json").json()
    assert [r["name"] for r in rows] == ["Ann Lee"]
    assert rows[0]["company"] == "Acme"
    assert rows[0]["tags"] == ["vip"]
    assert rows[0]["email"] == "ann@example.com"


def test_duplicate_email_exits_4_and_names_the_owner(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    result = crm("contact", "add", "Annie L", "--email", "ANN@example.com")
    assert result.exit_code == 4
    assert "#1 Ann Lee" in result.stderr
    assert result.stderr.startswith("error: ")
    crm.ok("contact", "add", "Annie L", "--email", "ANN@example.com", "--allow-duplicate")


def test_dash_word_is_a_tag_filter_not_short_options(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "family")
    crm.ok("contact", "add", "Bob Stone")
    rows = crm.ok("contact", "list", "-family", "-f", "json").json()
    assert [r["name"] for r in rows] == ["Bob Stone"]
