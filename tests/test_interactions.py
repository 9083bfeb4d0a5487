"""Interactions: logging, last_contacted_at, and `crm activity list` with filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from termcrm.errors import Invalid

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def _contact(s, name: str = "Ann Lee", company: str | None = None):
    from termcrm.services import contacts

    first, last = contacts.split_name(name)
    return contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last, company=company))


# ---------------------------------------------------------------- services


def test_last_contacted_follows_the_latest_interaction_not_the_last_logged(db) -> None:
    from termcrm.models import Contact
    from termcrm.services import interactions

    with db.write("x") as s:
        ann = _contact(s)
        interactions.log_interaction(
            s, kind="call", summary="newer", contact=ann, occurred_at=datetime(2025, 5, 2, tzinfo=UTC)
        )
        interactions.log_interaction(
            s, kind="email", summary="older", contact=ann, occurred_at=datetime(2025, 4, 1, tzinfo=UTC)
        )
        ann_id = ann.id
    with db.read() as s:
        contact = s.get(Contact, ann_id)
        assert contact.last_contacted_at == datetime(2025, 5, 2, tzinfo=UTC)


def test_refresh_last_contacted_recomputes_from_live_interactions(db) -> None:
    from termcrm.models import Contact, utcnow
    from termcrm.services import interactions

    with db.write("x") as s:
        ann = _contact(s)
        first = interactions.log_interaction(
            s, kind="call", summary="a", contact=ann, occurred_at=datetime(2025, 5, 1, tzinfo=UTC)
        )
        latest = interactions.log_interaction(
            s, kind="call", summary="b", contact=ann, occurred_at=datetime(2025, 5, 9, tzinfo=UTC)
        )
        latest.archived_at = utcnow()
        s.add(latest)
        s.flush()
        interactions.refresh_last_contacted(s, ann.id)
        assert first.id is not None
        ann_id = ann.id
    with db.read() as s:
        assert s.get(Contact, ann_id).last_contacted_at == datetime(2025, 5, 1, tzinfo=UTC)


def test_interaction_takes_the_contacts_company(db) -> None:
    from termcrm.services import interactions

    with db.write("x") as s:
        ann = _contact(s, company="Acme")
        item = interactions.log_interaction(s, kind="meeting", summary="Kick-off", contact=ann)
        assert item.company_id == ann.company_id is not None


def test_kind_accepts_a_unique_prefix_and_direction_aliases(db) -> None:
    from termcrm.services import interactions

    with db.write("x") as s:
        ann = _contact(s)
        item = interactions.log_interaction(s, kind="MEET", summary="x", contact=ann, direction="Outbound")
        assert (item.kind, item.direction) == ("meeting", "out")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "fax", "summary": "x"}, "kind 'fax' is not one of: call, email, meeting"),
        ({"kind": "call", "summary": "  "}, "needs a summary"),
        ({"kind": "call", "summary": "x", "direction": "sideways"}, "is not in or out"),
    ],
)
def test_bad_interaction_values_are_invalid(db, kwargs, message) -> None:
    from termcrm.services import interactions

    with db.write("x") as s:
        ann = _contact(s)
        with pytest.raises(Invalid, match=message):
            interactions.log_interaction(s, contact=ann, **kwargs)


def test_interaction_needs_a_contact_company_or_deal(db) -> None:
    from termcrm.services import interactions

    with db.write("x") as s, pytest.raises(Invalid, match="needs a contact, a company or a deal"):
        interactions.log_interaction(s, kind="note", summary="floating")


def test_list_interactions_filters_with_relative_dates_against_a_fixed_clock(db) -> None:
    from termcrm.services import interactions

    with db.write("x") as s:
        ann = _contact(s)
        for day, summary in ((14, "yesterday"), (10, "five days ago"), (1, "two weeks ago")):
            interactions.log_interaction(
                s, kind="call", summary=summary, contact=ann, occurred_at=datetime(2025, 6, day, 9, tzinfo=UTC)
            )
    with db.read() as s:

        def summaries(*words: str) -> list[str]:
            return [i.summary for i in interactions.list_interactions(s, words, now=NOW)]

        assert summaries("at>-7d") == ["yesterday", "five days ago"]
        assert summaries("at<-7d") == ["two weeks ago"]
        assert summaries("at:yesterday") == ["yesterday"]
        assert summaries("at>=2025-06-10", "at<=2025-06-10") == ["five days ago"]


# ---------------------------------------------------------------- crm activity list


def _seed(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme")
    crm.ok("contact", "add", "Bob Stone")
    crm.ok("log", "Ann", "call", "Discussed pricing", "--at", "2025-03-01 10:00", "--direction", "out",
           "--outcome", "interested")  # fmt: skip
    crm.ok("log", "Bob", "email", "Sent brochure", "--at", "2025-03-02 10:00", "--direction", "in")
    crm.ok("log", "Ann", "meeting", "Contract review", "--at", "2025-03-03 15:30", "--channel", "zoom")


def test_activity_list_is_newest_first_with_issue_json_keys(crm) -> None:
    _seed(crm)
    rows = crm.ok("activity", "list", "-f", "json").json()
    assert [r["summary"] for r in rows] == ["Contract review", "Sent brochure", "Discussed pricing"]
    assert {"id", "kind", "summary", "occurred_at", "contact_id", "company_id", "user"} <= set(rows[0])
    assert rows[0]["occurred_at"] == "2025-03-03T15:30:00+00:00"
    assert rows[0]["user"] == "tester"
    assert rows[0]["contact"] == "Ann Lee"
    assert rows[2]["company_id"] == 1


def test_activity_list_filters(crm) -> None:
    _seed(crm)

    def summaries(*words: str) -> list[str]:
        return [r["summary"] for r in crm.ok("activity", "list", *words, "-f", "json").json()]

    assert summaries("kind:call") == ["Discussed pricing"]
    assert summaries("kind!=call") == ["Contract review", "Sent brochure"]
    assert summaries("direction:in") == ["Sent brochure"]
    assert summaries("contact:2") == ["Sent brochure"]
    assert summaries("company_id:1") == ["Contract review", "Discussed pricing"]
    assert summaries("channel:zoom") == ["Contract review"]
    assert summaries("outcome:interest") == ["Discussed pricing"]
    assert summaries("at:2025-03-02") == ["Sent brochure"]
    assert summaries("at>2025-03-01") == ["Contract review", "Sent brochure"]
    assert summaries("user:tester") == ["Contract review", "Sent brochure", "Discussed pricing"]
    assert summaries("user:nobody") == []
    assert summaries("brochure") == ["Sent brochure"]


def test_activity_list_sort_and_limit(crm) -> None:
    _seed(crm)
    rows = crm.ok("activity", "list", "--sort", "at", "--limit", "2", "-f", "json").json()
    assert [r["summary"] for r in rows] == ["Discussed pricing", "Sent brochure"]
    ids = crm.ok("activity", "list", "--sort", "-id", "-f", "ids").stdout.split()
    assert ids == ["3", "2", "1"]


def test_activity_list_bad_field_and_bad_kind_exit_2(crm) -> None:
    _seed(crm)
    unknown = crm("activity", "list", "colour:red")
    assert unknown.exit_code == 2
    assert "valid fields: at, body, channel" in unknown.stderr
    bad_kind = crm("activity", "list", "kind:fax")
    assert bad_kind.exit_code == 2
    assert "call, email, meeting" in bad_kind.stderr


def test_activity_list_table_and_empty(crm) -> None:
    empty = crm.ok("activity", "list")
    assert "no interactions match" in empty.stderr
    _seed(crm)
    table = crm.ok("activity", "list").stdout
    assert "Contract review" in table and "2025-03-03 15:30" in table and "meeting" in table


def test_contact_last_contacted_at_shows_in_contact_json(crm) -> None:
    _seed(crm)
    ann = crm.ok("contact", "show", "Ann", "-f", "json").json()
    assert ann["last_contacted_at"] == "2025-03-03T15:30:00+00:00"
    assert ann["interaction_count"] == 2
    assert [i["summary"] for i in ann["interactions"]] == ["Contract review", "Discussed pricing"]
    rows = crm.ok("contact", "list", "last_contacted>2025-03-02", "-f", "json").json()
    assert [r["name"] for r in rows] == ["Ann Lee"]


def test_merge_moves_interactions_to_the_kept_contact(crm) -> None:
    _seed(crm)
    crm.ok("contact", "merge", "Ann", "Bob", "--yes")
    rows = crm.ok("activity", "list", "contact:1", "-f", "json").json()
    assert len(rows) == 3
