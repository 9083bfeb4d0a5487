"""The knowledge base: ``crm kb`` commands, tags, statuses, and ranked full-text search."""

from __future__ import annotations

import pytest


@pytest.fixture
def articles(crm) -> None:
    crm.ok("kb", "add", "Resetting your password", "--body", "Open the sign-in page and choose forgot password.",
           "--tag", "account", "--tag", "login", "--publish")  # fmt: skip
    crm.ok("kb", "add", "Account security", "--body", "Choose a strong password and enable two-factor.",
           "--tag", "account", "--publish")  # fmt: skip
    crm.ok("kb", "add", "Printer setup", "--body", "Install the drivers first.", "--publish")
    crm.ok("kb", "add", "Password reset emails", "--body", "Check your spam folder for the reset email.")


def _ids(crm, *args: str) -> list[int]:
    return [int(line) for line in crm.ok(*args, "-f", "ids").stdout.split()]


def test_add_prints_the_article_and_defaults_to_draft(crm) -> None:
    row = crm.ok(
        "kb", "add", "How to export", "--body", "-", "--tag", "Data", "-f", "json", input="# Export\nSteps"
    ).json()
    assert (row["title"], row["status"], row["tags"], row["body"]) == (
        "How to export",
        "draft",
        ["data"],
        "# Export\nSteps",
    )
    assert "added article #2" in crm.ok("kb", "add", "Other", "--publish").stderr
    assert crm("kb", "add", " ").exit_code == 2
    assert crm("kb", "add", "Bad tag", "--tag", "two words").exit_code == 2


def test_list_filters_by_status_tag_and_words(crm, articles) -> None:
    assert sorted(_ids(crm, "kb", "list")) == [1, 2, 3, 4]
    assert _ids(crm, "kb", "list", "status:draft") == [4]
    assert sorted(_ids(crm, "kb", "list", "+account")) == [1, 2]
    assert sorted(_ids(crm, "kb", "list", "-account")) == [3, 4]
    assert _ids(crm, "kb", "list", "tag:login") == [1]
    assert _ids(crm, "kb", "list", "title:printer") == [3]
    assert _ids(crm, "kb", "list", "drivers") == [3]
    assert _ids(crm, "kb", "list", "--sort", "title", "--limit", "2") == [2, 4]
    assert crm("kb", "list", "colour:red").exit_code == 2
    assert "no articles match" in crm.ok("kb", "list", "status:archived").stderr


def test_show_by_id_or_title_and_ambiguity(crm, articles) -> None:
    data = crm.ok("kb", "show", "Printer", "-f", "json").json()
    assert data["id"] == 3 and data["resolved_tickets"] == []
    assert "Install the drivers first." in crm.ok("kb", "show", "3").stdout
    assert crm("kb", "show", "password").exit_code == 4
    assert crm("kb", "show", "nothing like it").exit_code == 3
    assert crm("kb", "show", "42").exit_code == 3


def test_edit_changes_title_body_tags_and_status(crm, articles) -> None:
    row = crm.ok(
        "kb", "edit", "4", "--title", "Reset emails", "--body", "-", "--tag", "email", "--publish", "-f", "json",
        input="New text",
    ).json()  # fmt: skip
    assert (row["title"], row["body"], row["tags"], row["status"]) == (
        "Reset emails",
        "New text",
        ["email"],
        "published",
    )
    row = crm.ok("kb", "edit", "4", "--untag", "email", "--unpublish", "-f", "json").json()
    assert (row["tags"], row["status"]) == ([], "draft")
    assert crm("kb", "edit", "4", "--untag", "nope").exit_code == 2
    assert crm("kb", "edit", "4", "--status", "gone").exit_code == 2
    assert crm("kb", "edit", "4", "--publish", "--unpublish").exit_code == 2
    nothing = crm("kb", "edit", "4")
    assert nothing.exit_code == 2 and "nothing to change" in nothing.stderr


def test_search_ranks_title_matches_above_body_matches(crm, articles) -> None:
    rows = crm.ok("kb", "search", "password", "-f", "json").json()
    assert {r["id"] for r in rows[:2]} == {1, 4}
    assert rows[2]["id"] == 2
    assert [r["score"] for r in rows] == [1, 2, 3]


def test_search_puts_all_words_first_then_partial_matches(crm, articles) -> None:
    rows = crm.ok("kb", "search", "reset", "email", "-f", "json").json()
    assert [(r["id"], r["matched"]) for r in rows] == [(4, 2), (1, 1)]
    assert _ids(crm, "kb", "search", "how", "do", "I", "reset", "--published") == [1]
    assert "no articles match" in crm.ok("kb", "search", "zebra").stderr
    assert "match" in crm.ok("kb", "search", "printer").stdout


def test_rm_archives_out_of_lists_and_search(crm, articles) -> None:
    assert crm("kb", "rm", "3").exit_code == 2
    assert "archived article #3" in crm.ok("kb", "rm", "3", "--yes").stderr
    assert 3 not in _ids(crm, "kb", "list")
    assert _ids(crm, "kb", "list", "--archived") == [3]
    assert _ids(crm, "kb", "search", "printer") == []
    assert crm.ok("kb", "show", "3", "-f", "json").json()["status"] == "archived"
    assert crm("kb", "rm", "3", "--yes").exit_code == 2
    row = crm.ok("kb", "edit", "3", "--publish", "-f", "json").json()
    assert (row["status"], row["archived_at"]) == ("published", None)
    assert _ids(crm, "kb", "search", "printer") == [3]


def test_archived_article_cannot_resolve_a_ticket(crm, articles) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("ticket", "open", "Printer", "--contact", "Ann")
    crm.ok("kb", "rm", "3", "--yes")
    assert crm("ticket", "resolve", "1", "--kb", "3").exit_code == 3


def test_kb_services_keep_tags_and_ticket_links(db) -> None:
    from termcrm.services import kb

    with db.write("x") as s:
        article = kb.create_article(s, "Tags", tags=["a", "B", "a"])
        assert kb.article_rows(s, [article])[0]["tags"] == ["a", "b"]
        kb.publish_article(s, article)
        with pytest.raises(Exception, match="already published"):
            kb.publish_article(s, article)
    assert kb.query_terms("How do I reset my password?") == ["reset", "password"]
    assert kb.query_terms("how to") == ["how", "to"]


def test_every_kb_command_has_help(crm) -> None:
    for command in ("add", "list", "show", "edit", "search", "rm"):
        assert "Usage" in crm.ok("kb", command, "--help").stdout
