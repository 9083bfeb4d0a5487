"""`crm history` and `crm undo`: who changed what, and taking the latest change back."""

from __future__ import annotations


def _contact(crm, ref: str) -> dict:
    return crm.ok("contact", "show", ref, "-f", "json").json()


# ---------------------------------------------------------------- history


def test_history_of_a_contact_shows_who_when_and_old_to_new_values(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--city", "Berlin")
    crm.ok("--user", "bob", "contact", "edit", "Ann", "--city", "Lisbon", "--title", "CTO")
    rows = crm.ok("history", "Ann", "-f", "json").json()
    assert [(r["summary"], r["user"], r["action"]) for r in rows][0] == ("edit contact #1 Ann Lee", "bob", "update")
    edit = rows[0]
    assert edit["entity"] == "contact" and edit["entity_id"] == "1"
    assert edit["changes"]["city"] == {"old": "Berlin", "new": "Lisbon"}
    assert edit["changes"]["title"] == {"old": None, "new": "CTO"}
    assert "version" not in edit["changes"] and "updated_at" not in edit["changes"]
    assert edit["at"].endswith("+00:00")
    assert edit["undone"] is False
    add = [r for r in rows if r["entity"] == "contact" and r["action"] == "create"][0]
    assert add["user"] == "tester"
    assert add["changes"]["display_name"] == {"old": None, "new": "Ann Lee"}

    text = crm.ok("history", "Ann").stdout
    assert "bob  edit contact #1 Ann Lee" in text
    assert "city: Berlin -> Lisbon" in text
    assert "title: — -> CTO" in text


def test_history_of_a_contact_includes_its_emails_and_tags(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "edit", "Ann", "--add-email", "ann@example.com", "--add-tag", "vip")
    entities = {r["entity"] for r in crm.ok("history", "Ann", "-f", "json").json()}
    assert {"contact", "contact_email", "contact_tag"} <= entities


def test_history_only_shows_the_named_record(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Bob Stone")
    crm.ok("contact", "edit", "Bob", "--city", "Oslo")
    rows = crm.ok("history", "Ann", "-f", "json").json()
    assert {r["entity_id"] for r in rows if r["entity"] == "contact"} == {"1"}
    assert all("Bob" not in r["summary"] for r in rows)


def test_history_of_a_company_with_kind_and_of_a_record_key(crm) -> None:
    crm.ok("company", "add", "Acme")
    crm.ok("company", "edit", "Acme", "--industry", "retail")
    rows = crm.ok("history", "Acme", "--kind", "company", "-f", "json").json()
    assert [r["summary"] for r in rows][0] == "edit company #1 Acme"
    assert rows[0]["changes"]["industry"] == {"old": None, "new": "retail"}
    same = crm.ok("history", "company:1", "-f", "json").json()
    assert same == rows


def test_history_without_ref_is_the_latest_overall_newest_first(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("company", "add", "Acme")
    crm.ok("contact", "edit", "Ann", "--city", "Rome")
    rows = crm.ok("history", "-f", "json").json()
    sets = list(dict.fromkeys(r["change_set_id"] for r in rows))
    assert sets == [3, 2, 1]
    assert rows[0]["summary"] == "edit contact #1 Ann Lee"
    assert len(crm.ok("history", "--limit", "1", "-f", "json").json()) == 1


def test_history_errors(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    bad_kind = crm("history", "Ann", "--kind", "planet")
    assert bad_kind.exit_code == 2
    assert "contact, company, deal, ticket, followup" in bad_kind.stderr
    assert crm("history", "Nobody").exit_code == 3
    assert crm("history", "7", "--kind", "ticket").exit_code == 3
    empty = crm.ok("history", "company:9")
    assert "no history for company:9" in empty.stderr


def test_history_marks_undone_change_sets(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "edit", "Ann", "--city", "Rome")
    crm.ok("undo")
    rows = crm.ok("history", "Ann", "-f", "json").json()
    assert rows[0]["summary"] == "undo #2: edit contact #1 Ann Lee"
    assert rows[0]["changes"]["city"] == {"old": "Rome", "new": None}
    assert [r["undone"] for r in rows if r["change_set_id"] == 2] == [True]
    assert "[undone]" in crm.ok("history", "Ann").stdout


# ---------------------------------------------------------------- undo


def test_undo_of_add_removes_the_contact_and_its_new_company(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme", "--tag", "vip")
    result = crm.ok("undo")
    assert "undid #1: add contact #1 Ann Lee" in result.stderr
    assert crm.ok("contact", "list", "-f", "json").json() == []
    assert crm.ok("contact", "list", "--archived", "-f", "json").json() == []
    assert crm.ok("company", "list", "-f", "json").json() == []
    assert crm.ok("tag", "list", "-f", "json").json() == []
    # The email is free again.
    crm.ok("contact", "add", "Annie", "--email", "ann@example.com")


def test_undo_of_edit_restores_old_values(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--city", "Berlin", "--email", "ann@example.com", "--tag", "vip")
    crm.ok("contact", "edit", "Ann", "--name", "Ann Smith", "--city", "Rome", "--remove-tag", "vip",
           "--add-email", "a@b.org", "--field", "shoe=42")  # fmt: skip
    result = crm.ok("undo")
    assert "undid #2: edit contact #1 Ann Smith" in result.stderr
    ann = _contact(crm, "1")
    assert (ann["name"], ann["city"], ann["tags"], ann["fields"]) == ("Ann Lee", "Berlin", ["vip"], {})
    assert [e["email"] for e in ann["emails"]] == ["ann@example.com"]


def test_undo_of_archive_brings_the_contact_back(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "rm", "Ann", "--yes")
    assert "archive contact #1 Ann Lee" in crm.ok("undo").stderr
    assert [r["name"] for r in crm.ok("contact", "list", "-f", "json").json()] == ["Ann Lee"]


def test_undo_of_merge_restores_both_contacts(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--tag", "vip")
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@work.org", "--phone", "555 1234", "--city", "Oslo",
           "--tag", "golf", "--allow-duplicate")  # fmt: skip
    crm.ok("log", "2", "call", "On the work line")
    crm.ok("contact", "merge", "1", "2", "--yes")
    merged = _contact(crm, "1")
    assert merged["city"] == "Oslo" and merged["tags"] == ["golf", "vip"]
    assert "merge contact #2 Ann Lee into #1 Ann Lee" in crm.ok("undo").stderr
    first, second = _contact(crm, "1"), _contact(crm, "2")
    assert (first["city"], first["tags"], [e["email"] for e in first["emails"]]) == (None, ["vip"], ["ann@example.com"])
    assert second["archived_at"] is None
    assert (second["city"], second["tags"], second["phone"]) == ("Oslo", ["golf"], "555 1234")
    assert [e["email"] for e in second["emails"]] == ["ann@work.org"]
    assert [i["summary"] for i in second["interactions"]] == ["On the work line"]
    assert first["interactions"] == []


def test_undo_of_tag_rename(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "vip")
    crm.ok("tag", "rename", "vip", "gold")
    assert "rename tag vip to gold" in crm.ok("undo").stderr
    assert _contact(crm, "Ann")["tags"] == ["vip"]


def test_undo_goes_back_one_change_set_at_a_time(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "edit", "Ann", "--city", "Rome")
    crm.ok("contact", "edit", "Ann", "--city", "Oslo")
    crm.ok("undo")
    assert _contact(crm, "Ann")["city"] == "Rome"
    crm.ok("undo")
    assert _contact(crm, "Ann")["city"] is None
    crm.ok("undo")
    assert crm.ok("contact", "list", "-f", "json").json() == []
    nothing = crm("undo")
    assert nothing.exit_code == 3
    assert "nothing to undo" in nothing.stderr


def test_undo_reverts_only_the_acting_users_changes(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("--user", "bob", "contact", "add", "Bob Stone")
    assert "add contact #1 Ann Lee" in crm.ok("undo").stderr
    assert [r["name"] for r in crm.ok("contact", "list", "-f", "json").json()] == ["Bob Stone"]


def test_undo_refuses_when_a_field_changed_since_and_reverts_nothing(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "edit", "Ann", "--city", "Rome", "--title", "CTO")
    crm.ok("--user", "bob", "contact", "edit", "Ann", "--city", "Oslo")
    result = crm("undo")
    assert result.exit_code == 4
    assert "changed since" in result.stderr and "nothing was reverted" in result.stderr
    ann = _contact(crm, "Ann")
    assert (ann["city"], ann["title"]) == ("Oslo", "CTO")


def test_undo_of_an_edit_is_allowed_when_only_other_fields_changed_since(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "edit", "Ann", "--city", "Rome")
    crm.ok("--user", "bob", "contact", "edit", "Ann", "--title", "CTO")
    crm.ok("undo")
    ann = _contact(crm, "Ann")
    assert (ann["city"], ann["title"]) == (None, "CTO")


def test_undo_of_add_refuses_when_someone_changed_the_record_since(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("--user", "bob", "log", "Ann", "call", "Hello")
    result = crm("undo")
    assert result.exit_code == 4
    assert "contact 1 was changed since" in result.stderr
    assert [r["name"] for r in crm.ok("contact", "list", "-f", "json").json()] == ["Ann Lee"]


def test_undo_json_says_what_it_reverted(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    data = crm.ok("undo", "-f", "json").json()
    assert data["change_set_id"] == 1
    assert data["summary"] == "add contact #1 Ann Lee"
    assert data["changes"] >= 1
    assert crm("undo", "-f", "csv").exit_code == 2


def test_undo_is_not_itself_undone_by_the_next_undo(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "edit", "Ann", "--city", "Rome")
    crm.ok("undo")
    second = crm.ok("undo")
    assert "undid #1: add contact #1 Ann Lee" in second.stderr
