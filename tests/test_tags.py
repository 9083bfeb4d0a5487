"""Tags: case-insensitive names, counts, rename (and merge by renaming), removal, undo."""

from __future__ import annotations


def _tags(crm, ref: str) -> list[str]:
    return crm.ok("contact", "show", ref, "-f", "json").json()["tags"]


def test_tags_are_stored_lower_case_and_counted(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "VIP", "--tag", "Family")
    crm.ok("contact", "add", "Bob Stone", "--tag", "vip")
    crm.ok("company", "add", "Acme", "--tag", "Vip")
    rows = crm.ok("tag", "list", "-f", "json").json()
    assert [(r["name"], r["contacts"], r["companies"], r["total"]) for r in rows] == [
        ("family", 1, 0, 1),
        ("vip", 2, 1, 3),
    ]
    table = crm.ok("tag", "list").stdout
    assert "family" in table and "vip" in table and "contacts" in table


def test_tag_list_when_empty_says_so(crm) -> None:
    result = crm.ok("tag", "list")
    assert result.stdout == ""
    assert "no tags yet" in result.stderr
    assert crm.ok("tag", "list", "-f", "json").json() == []


def test_invalid_tag_name_exits_2(crm) -> None:
    result = crm("contact", "add", "Ann Lee", "--tag", "two words")
    assert result.exit_code == 2
    assert "not valid" in result.stderr


def test_rename_changes_the_tag_everywhere(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "vip")
    crm.ok("company", "add", "Acme", "--tag", "vip")
    result = crm.ok("tag", "rename", "VIP", "Gold")
    assert "renamed tag vip to gold (2 uses)" in result.stderr
    assert _tags(crm, "Ann") == ["gold"]
    assert crm.ok("company", "show", "Acme", "-f", "json").json()["tags"] == ["gold"]
    assert [r["name"] for r in crm.ok("tag", "list", "-f", "json").json()] == ["gold"]
    assert [r["name"] for r in crm.ok("contact", "list", "+gold", "-f", "json").json()] == ["Ann Lee"]


def test_rename_onto_an_existing_tag_merges_without_duplicates(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "vip", "--tag", "gold")
    crm.ok("contact", "add", "Bob Stone", "--tag", "vip")
    result = crm.ok("tag", "rename", "vip", "gold")
    assert "merged tag vip into gold" in result.stderr
    assert _tags(crm, "Ann") == ["gold"]
    assert _tags(crm, "Bob") == ["gold"]
    rows = crm.ok("tag", "list", "-f", "json").json()
    assert [(r["name"], r["contacts"]) for r in rows] == [("gold", 2)]


def test_rename_unknown_tag_exits_3(crm) -> None:
    result = crm("tag", "rename", "nope", "other")
    assert result.exit_code == 3
    assert "no tag named 'nope'" in result.stderr


def test_rm_needs_yes_without_a_terminal(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "vip")
    refused = crm("tag", "rm", "vip")
    assert refused.exit_code == 2
    assert "--yes" in refused.stderr
    assert _tags(crm, "Ann") == ["vip"]


def test_rm_removes_the_tag_from_every_record(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "vip", "--tag", "family")
    crm.ok("company", "add", "Acme", "--tag", "vip")
    result = crm.ok("tag", "rm", "VIP", "--yes")
    assert "removed tag vip from 2 records" in result.stderr
    assert _tags(crm, "Ann") == ["family"]
    assert crm.ok("company", "show", "Acme", "-f", "json").json()["tags"] == []
    assert [r["name"] for r in crm.ok("tag", "list", "-f", "json").json()] == ["family"]


def test_rm_unknown_tag_exits_3(crm) -> None:
    assert crm("tag", "rm", "ghost", "--yes").exit_code == 3


def test_undo_of_tag_rm_puts_the_tag_back_on_every_record(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "vip")
    crm.ok("company", "add", "Acme", "--tag", "vip")
    crm.ok("tag", "rm", "vip", "--yes")
    crm.ok("undo")
    assert _tags(crm, "Ann") == ["vip"]
    assert crm.ok("company", "show", "Acme", "-f", "json").json()["tags"] == ["vip"]


def test_undo_of_tag_merge_restores_both_tags(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "vip")
    crm.ok("contact", "add", "Bob Stone", "--tag", "gold")
    crm.ok("tag", "rename", "vip", "gold")
    crm.ok("undo")
    assert _tags(crm, "Ann") == ["vip"]
    assert _tags(crm, "Bob") == ["gold"]


def test_contact_edit_adds_and_removes_tags(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "vip")
    crm.ok("contact", "edit", "Ann", "--add-tag", "Family", "--remove-tag", "vip")
    assert _tags(crm, "Ann") == ["family"]
