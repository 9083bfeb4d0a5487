"""Segments: saved contact filters, `@name` in any contact filter, counts, edits, cycles and removal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _people(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "-e", "ann@example.com", "--stage", "customer", "-t", "vip")
    crm.ok("contact", "add", "Bob Stone", "-e", "bob@example.com", "--stage", "lead", "-t", "vip")
    crm.ok("contact", "add", "Cy Young", "-e", "cy@example.com", "--stage", "customer", "-t", "vip", "-t", "press")
    crm.ok("contact", "add", "Dee Park", "-e", "dee@example.com", "--stage", "customer")


def _names(rows) -> list[str]:
    return sorted(r["name"] for r in rows)


def test_contact_list_at_segment_lists_the_segments_contacts(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "vip-customers", "stage:customer", "+vip")
    rows = crm.ok("contact", "list", "@vip-customers", "-f", "json").json()
    assert _names(rows) == ["Ann Lee", "Cy Young"]


def test_segment_combines_with_other_filter_words(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "vip-customers", "stage:customer", "+vip")
    rows = crm.ok("contact", "list", "@vip-customers", "+press", "-f", "json").json()
    assert _names(rows) == ["Cy Young"]


def test_segment_list_counts_members_now_so_new_contacts_count_at_once(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "customers", "stage:customer")
    crm.ok("segment", "add", "leads", "stage:lead")
    rows = crm.ok("segment", "list", "-f", "json").json()
    assert {r["name"]: r["members"] for r in rows} == {"customers": 3, "leads": 1}
    crm.ok("contact", "add", "Eve Adams", "--stage", "customer")
    rows = crm.ok("segment", "list", "-f", "json").json()
    assert {r["name"]: r["members"] for r in rows} == {"customers": 4, "leads": 1}
    table = crm.ok("segment", "list").stdout
    assert "customers" in table and "stage:customer" in table


def test_segment_show_gives_filter_count_and_members(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "vips", "+vip")
    data = crm.ok("segment", "show", "vips", "-f", "json").json()
    assert data["name"] == "vips"
    assert data["filter"] == "+vip"
    assert data["words"] == ["+vip"]
    assert data["members"] == 3
    assert _names(data["contacts"]) == ["Ann Lee", "Bob Stone", "Cy Young"]
    limited = crm.ok("segment", "show", "vips", "--limit", "1", "-f", "json").json()
    assert limited["members"] == 3 and len(limited["contacts"]) == 1
    table = crm.ok("segment", "show", "@VIPS").stdout
    assert "@vips" in table and "Bob Stone" in table


def test_segment_names_match_without_regard_to_case(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "Leads", "stage:lead")
    assert _names(crm.ok("contact", "list", "@leads", "-f", "json").json()) == ["Bob Stone"]


def test_dash_tag_word_is_a_filter_word_not_an_option(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "customers-no-vip", "stage:customer", "-vip")
    assert _names(crm.ok("contact", "list", "@customers-no-vip", "-f", "json").json()) == ["Dee Park"]


def test_words_with_spaces_are_kept_whole(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme Corp")
    crm.ok("contact", "add", "Bob Stone", "--company", "Acme")
    crm.ok("segment", "add", "acme-corp", "company:Acme Corp")
    data = crm.ok("segment", "show", "acme-corp", "-f", "json").json()
    assert data["words"] == ["company:Acme Corp"]
    assert _names(data["contacts"]) == ["Ann Lee"]


def test_unknown_field_is_refused_when_saved_and_nothing_is_saved(crm) -> None:
    result = crm("segment", "add", "bad", "colour:blue")
    assert result.exit_code == 2
    assert "segment @bad" in result.stderr and "unknown field 'colour'" in result.stderr
    assert crm.ok("segment", "list", "-f", "json").json() == []


def test_bad_name_and_missing_words_exit_2(crm) -> None:
    assert crm("segment", "add", "two words", "+vip").exit_code == 2
    result = crm("segment", "add", "empty")
    assert result.exit_code == 2 and "needs filter words" in result.stderr


def test_duplicate_name_exits_4(crm) -> None:
    crm.ok("segment", "add", "vips", "+vip")
    result = crm("segment", "add", "VIPS", "+vip")
    assert result.exit_code == 4
    assert "already exists" in result.stderr


def test_unknown_segment_in_a_contact_filter_exits_3_naming_the_known_ones(crm) -> None:
    crm.ok("segment", "add", "vips", "+vip")
    result = crm("contact", "list", "@nosuch")
    assert result.exit_code == 3
    assert "no segment named 'nosuch'" in result.stderr and "vips" in result.stderr


def test_segment_of_segments_nests(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "customers", "stage:customer")
    crm.ok("segment", "add", "vip-customers", "@customers", "+vip")
    crm.ok("segment", "add", "quiet-vip-customers", "@vip-customers", "-press")
    assert _names(crm.ok("contact", "list", "@quiet-vip-customers", "-f", "json").json()) == ["Ann Lee"]


def test_segment_naming_itself_is_refused(crm) -> None:
    crm.ok("segment", "add", "a", "+vip")
    result = crm("segment", "edit", "a", "@a", "+press")
    assert result.exit_code == 2
    assert "refers to itself (@a -> @a)" in result.stderr
    assert crm.ok("segment", "show", "a", "-f", "json").json()["filter"] == "+vip"


def test_segments_naming_each_other_in_a_circle_are_refused(crm) -> None:
    crm.ok("segment", "add", "a", "+vip")
    crm.ok("segment", "add", "b", "@a", "stage:lead")
    crm.ok("segment", "add", "c", "@b")
    result = crm("segment", "edit", "a", "@c")
    assert result.exit_code == 2
    assert "@a -> @c -> @b -> @a" in result.stderr
    assert crm.ok("segment", "show", "a", "-f", "json").json()["filter"] == "+vip"


def test_edit_replaces_the_words(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "target", "stage:lead")
    data = crm.ok("segment", "edit", "target", "stage:customer", "+vip", "-f", "json").json()
    assert data["filter"] == "stage:customer +vip" and data["members"] == 2
    assert crm("segment", "edit", "target").exit_code == 2


def test_rename_keeps_segments_that_name_it_working(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "vips", "+vip")
    crm.ok("segment", "add", "vip-customers", "@vips", "stage:customer")
    crm.ok("segment", "edit", "vips", "--rename", "important")
    assert crm.ok("segment", "show", "vip-customers", "-f", "json").json()["filter"] == "@important stage:customer"
    assert _names(crm.ok("contact", "list", "@vip-customers", "-f", "json").json()) == ["Ann Lee", "Cy Young"]
    assert crm("contact", "list", "@vips").exit_code == 3
    crm.ok("segment", "add", "other", "+press")
    assert crm("segment", "edit", "other", "--rename", "important").exit_code == 4


def test_rm_needs_yes_without_a_terminal_and_deletes_with_it(crm) -> None:
    crm.ok("segment", "add", "vips", "+vip")
    result = crm("segment", "rm", "vips")
    assert result.exit_code == 2 and "--yes" in result.stderr
    crm.ok("segment", "rm", "vips", "--yes")
    assert crm.ok("segment", "list", "-f", "json").json() == []
    crm.ok("undo")
    assert [r["name"] for r in crm.ok("segment", "list", "-f", "json").json()] == ["vips"]


def test_rm_is_refused_while_another_segment_names_it(crm) -> None:
    crm.ok("segment", "add", "vips", "+vip")
    crm.ok("segment", "add", "vip-leads", "@vips", "stage:lead")
    result = crm("segment", "rm", "vips", "--yes")
    assert result.exit_code == 4 and "@vip-leads" in result.stderr
    assert len(crm.ok("segment", "list", "-f", "json").json()) == 2


def test_rm_leaves_campaigns_without_a_target_segment(crm) -> None:
    crm.ok("segment", "add", "vips", "+vip")
    crm.ok("campaign", "add", "Gala", "--channel", "event", "--segment", "vips")
    assert crm.ok("segment", "list", "-f", "json").json()[0]["campaigns"] == 1
    crm.ok("segment", "rm", "vips", "--yes")
    assert crm.ok("campaign", "show", "1", "-f", "json").json()["segment"] is None


def test_show_unknown_segment_exits_3(crm) -> None:
    assert crm("segment", "show", "nosuch").exit_code == 3


def test_relative_dates_are_evaluated_against_the_clock_given(db) -> None:
    from termcrm.models import schema
    from termcrm.services import contacts, segments

    with db.write("people") as s:
        for name, days in (("Old Friend", 200), ("Recent Friend", 10)):
            first, last = contacts.split_name(name)
            contact = contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last))
            contact.last_contacted_at = NOW - timedelta(days=days)
            s.add(contact)
        segments.create_segment(s, "dormant", ["last_contacted<-90d"], now=NOW)
    with db.read() as s:
        seg = segments.get_segment(s, "dormant")
        assert [c.display_name for c in segments.members(s, seg, now=NOW)] == ["Old Friend"]
        assert segments.member_count(s, seg, now=NOW + timedelta(days=100)) == 2
        found = s.exec(contacts.query_contacts(s, ["@dormant"], now=NOW)).all()
        assert [c.display_name for c in found] == ["Old Friend"]
        assert found[0]._fields == tuple(schema.contact.c.keys())  # rows of the contact table, no ORM object


def test_segment_clause_reports_a_circle_from_the_service(db) -> None:
    from termcrm.errors import Invalid
    from termcrm.models import Segment
    from termcrm.services import segments

    with db.write("seed a circle directly") as s:
        s.add(Segment(name="x", filter="@y"))
        s.add(Segment(name="y", filter="+vip @x"))
    with db.read() as s, pytest.raises(Invalid, match=r"@x -> @y -> @x"):
        s.exec(segments.members_query(s, segments.get_segment(s, "x"))).all()
