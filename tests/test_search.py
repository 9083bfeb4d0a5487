"""Full-text search: ranking, prefixes, accents and CJK, archived records, and an index that follows edits."""

from __future__ import annotations


def _hits(crm, *args: str) -> list[tuple[str, int, str]]:
    return [(h["kind"], h["id"], h["title"]) for h in crm.ok("search", *args, "-f", "json").json()]


def test_search_finds_contacts_companies_and_interactions_with_kind_and_id(crm) -> None:
    crm.ok("company", "add", "Zephyr Logistics")
    crm.ok("contact", "add", "Ann Lee", "--company", "Zephyr Logistics")
    crm.ok("log", "Ann", "call", "Zephyr contract renewal")
    hits = _hits(crm, "zephyr")
    assert sorted(hits) == [
        ("company", 1, "Zephyr Logistics"),
        ("contact", 1, "Ann Lee"),
        ("interaction", 1, "Zephyr contract renewal"),
    ]
    row = crm.ok("search", "zephyr", "-f", "json").json()[0]
    assert set(row) == {"kind", "id", "title", "snippet"}


def test_title_matches_rank_above_body_matches(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--note", "met at the harbour festival")
    crm.ok("company", "add", "Harbour Freight")
    hits = _hits(crm, "harbour")
    assert hits[0] == ("company", 1, "Harbour Freight")
    assert ("contact", 1, "Ann Lee") in hits


def test_every_word_must_match(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--city", "Berlin")
    crm.ok("contact", "add", "Ann Stone", "--city", "Paris")
    assert _hits(crm, "ann", "berlin") == [("contact", 1, "Ann Lee")]
    assert _hits(crm, "ann berlin") == [("contact", 1, "Ann Lee")]


def test_prefix_matching(crm) -> None:
    crm.ok("contact", "add", "Margaret Thornton")
    assert _hits(crm, "marg") == [("contact", 1, "Margaret Thornton")]
    assert _hits(crm, "thorn") == [("contact", 1, "Margaret Thornton")]


def test_search_by_email_phone_and_tag(crm) -> None:
    crm.ok(
        "contact", "add", "Ann Lee", "--email", "ann.lee@example.org", "--phone", "+49 30 1234567", "--tag", "golfer"
    )
    assert _hits(crm, "ann.lee@example.org") == [("contact", 1, "Ann Lee")]
    assert _hits(crm, "example") == [("contact", 1, "Ann Lee")]
    assert _hits(crm, "golf") == [("contact", 1, "Ann Lee")]
    assert _hits(crm, "1234567") == [("contact", 1, "Ann Lee")]


def test_accents_are_ignored_both_ways(crm) -> None:
    crm.ok("contact", "add", "José Müller")
    crm.ok("contact", "add", "Francois Lefevre")
    assert _hits(crm, "jose") == [("contact", 1, "José Müller")]
    assert _hits(crm, "muller") == [("contact", 1, "José Müller")]
    assert _hits(crm, "françois") == [("contact", 2, "Francois Lefevre")]
    assert _hits(crm, "lefèvre") == [("contact", 2, "Francois Lefevre")]


def test_cjk_names_match_by_any_part(crm) -> None:
    crm.ok("contact", "add", "田中太郎")
    crm.ok("contact", "add", "김민준")
    crm.ok("company", "add", "株式会社ソニー")
    assert _hits(crm, "田中") == [("contact", 1, "田中太郎")]
    assert _hits(crm, "太郎") == [("contact", 1, "田中太郎")]
    assert _hits(crm, "민준") == [("contact", 2, "김민준")]
    assert _hits(crm, "ソニー") == [("company", 1, "株式会社ソニー")]
    assert _hits(crm, "山田") == []


def test_archived_records_disappear_and_come_back_on_restore(crm) -> None:
    crm.ok("contact", "add", "Quentin Blake")
    crm.ok("company", "add", "Quill Press")
    crm.ok("contact", "rm", "Quentin", "--yes")
    crm.ok("company", "rm", "Quill", "--yes")
    assert _hits(crm, "qu") == []
    crm.ok("contact", "restore", "1")
    assert _hits(crm, "qu") == [("contact", 1, "Quentin Blake")]


def test_index_follows_edits(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--city", "Berlin")
    crm.ok("contact", "edit", "Ann", "--name", "Annabel Leeway", "--city", "Lisbon")
    assert _hits(crm, "berlin") == []
    assert _hits(crm, "lisbon") == [("contact", 1, "Annabel Leeway")]
    assert _hits(crm, "annabel") == [("contact", 1, "Annabel Leeway")]


def test_index_follows_company_and_tag_renames(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Initech", "--tag", "prospect")
    crm.ok("company", "edit", "Initech", "--name", "Initrode")
    crm.ok("tag", "rename", "prospect", "customerx")
    assert _hits(crm, "initech") == []
    assert ("contact", 1, "Ann Lee") in _hits(crm, "initrode")
    assert _hits(crm, "prospect") == []
    assert _hits(crm, "customerx") == [("contact", 1, "Ann Lee")]
    crm.ok("undo")  # the tag rename
    assert _hits(crm, "customerx") == []
    assert _hits(crm, "prospect") == [("contact", 1, "Ann Lee")]


def test_undo_of_add_removes_the_record_from_the_index(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("undo")
    assert _hits(crm, "ann") == []


def test_kind_filter_limit_and_ids(crm) -> None:
    crm.ok("company", "add", "Delta Corp")
    crm.ok("contact", "add", "Delta Smith")
    crm.ok("contact", "add", "Delta Jones")
    assert [h[0] for h in _hits(crm, "delta", "--kind", "company")] == ["company"]
    assert sorted(h[0] for h in _hits(crm, "delta", "-k", "contact", "-k", "company")) == [
        "company",
        "contact",
        "contact",
    ]
    assert len(_hits(crm, "delta", "--limit", "2")) == 2
    assert sorted(crm.ok("search", "delta", "-k", "contact", "-f", "ids").stdout.split()) == ["1", "2"]


def test_bad_kind_or_empty_query_exits_2(crm) -> None:
    bad = crm("search", "x", "--kind", "planet")
    assert bad.exit_code == 2
    assert "contact, company, interaction" in bad.stderr
    empty = crm("search", "?!")
    assert empty.exit_code == 2
    assert "give at least one word" in empty.stderr


def test_query_syntax_characters_are_plain_text(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    assert _hits(crm, 'ann" OR "x') == []
    assert _hits(crm, "ann*") == [("contact", 1, "Ann Lee")]
    assert _hits(crm, "NEAR(ann)") == []


def test_table_output_and_nothing_found(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    table = crm.ok("search", "ann").stdout
    assert "contact" in table and "Ann Lee" in table
    none = crm.ok("search", "zebra")
    assert none.stdout == ""
    assert "nothing matches 'zebra'" in none.stderr


def test_search_service_ranks_and_limits(db) -> None:
    from termcrm.services import contacts, search

    with db.write("x") as s:
        for name in ("Kim Park", "Kimberly Stone", "Joachim Kimmel"):
            first, last = contacts.split_name(name)
            contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last))
    with db.read() as s:
        hits = search.search(s, "kim")
        assert sorted(h.title for h in hits) == ["Joachim Kimmel", "Kim Park", "Kimberly Stone"]
        assert len(search.search(s, "kim", limit=1)) == 1
        assert search.search(s, "   ") == []


def test_db_reindex_rebuilds_the_index(crm, db) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Bob Stone")
    crm.ok("contact", "rm", "Bob", "--yes")
    with db.write("wipe") as s:
        conn = s.connection()
        conn.exec_driver_sql("DELETE FROM search_fts" if conn.dialect.name == "sqlite" else "DELETE FROM search_doc")
    assert _hits(crm, "ann") == []
    result = crm.ok("db", "reindex")
    assert "reindexed 1 document" in result.stderr
    assert _hits(crm, "ann") == [("contact", 1, "Ann Lee")]
