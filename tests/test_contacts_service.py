"""The contacts service directly: create, update, archive, emails and phones, duplicates and merge."""

from __future__ import annotations

from datetime import UTC, date, datetime
from difflib import SequenceMatcher

import pytest

from termcrm.errors import Conflict, Invalid
from termcrm.services import contacts
from termcrm.services.contacts import ContactChanges, ContactInput


def _add(s, name: str, **kwargs):
    first, last = contacts.split_name(name)
    return contacts.create_contact(s, ContactInput(first_name=first, last_name=last, **kwargs), allow_duplicate=True)


def _row(db, contact_id: int) -> dict:
    from termcrm.models import Contact

    with db.read() as s:
        return contacts.rows(s, [s.get(Contact, contact_id)])[0]


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ann Lee", ("Ann", "Lee")),
        ("Lee, Ann", ("Ann", "Lee")),
        ("  Mary   Ann  Lee ", ("Mary Ann", "Lee")),
        ("Cher", ("Cher", "")),
        ("田中 太郎", ("田中", "太郎")),
    ],
)
def test_split_name(text, expected) -> None:
    assert contacts.split_name(text) == expected


def test_split_name_rejects_an_empty_name() -> None:
    with pytest.raises(Invalid, match="needs a name"):
        contacts.split_name("   ")


# ---------------------------------------------------------------- create, update, archive, restore


def test_create_sets_defaults_owner_and_company(db) -> None:
    with db.write("x") as s:
        ann = _add(s, "Ann Lee", company="Acme", title=" CTO ", birthday=date(1990, 2, 3), fields={"shoe": "38"})
        ann_id = ann.id
    row = _row(db, ann_id)
    assert (row["name"], row["first_name"], row["last_name"]) == ("Ann Lee", "Ann", "Lee")
    assert row["stage"] == "lead"
    assert row["owner"] == "tester"
    assert row["company"] == "Acme"
    assert row["title"] == "CTO"
    assert row["birthday"] == "1990-02-03"
    assert row["fields"] == {"shoe": "38"}
    assert row["created_at"].endswith("+00:00")
    assert row["archived_at"] is None


def test_create_reuses_an_existing_company_regardless_of_case(db) -> None:
    with db.write("x") as s:
        a = _add(s, "Ann Lee", company="Acme")
        b = _add(s, "Bob Stone", company="ACME")
        assert a.company_id == b.company_id


def test_create_rejects_bad_values(db) -> None:
    with db.write("x") as s:
        with pytest.raises(Invalid, match="stage 'boss' is not one of"):
            _add(s, "Ann Lee", stage="boss")
        with pytest.raises(Invalid, match="is not an email address"):
            _add(s, "Ann Lee", emails=["ann-at-example"])
        with pytest.raises(Invalid, match="is not a phone number"):
            _add(s, "Ann Lee", phones=["call me"])
        with pytest.raises(Invalid, match="needs a name"):
            contacts.create_contact(s, ContactInput())


def test_stage_accepts_a_unique_prefix(db) -> None:
    with db.write("x") as s:
        assert _add(s, "Ann Lee", stage="Cust").stage == "customer"


def test_create_with_an_email_another_contact_has_is_a_conflict(db) -> None:
    with db.write("x") as s:
        _add(s, "Ann Lee", emails=["ann@example.com"])
    with db.write("x") as s, pytest.raises(Conflict, match="already belongs to contact #1 Ann Lee"):
        contacts.create_contact(s, ContactInput(first_name="Annie", emails=["ANN@example.com"]))
    with db.write("x") as s:
        contacts.create_contact(s, ContactInput(first_name="Annie", emails=["ANN@example.com"]), allow_duplicate=True)


def test_update_changes_clears_and_validates(db) -> None:
    from termcrm.models import Contact

    with db.write("x") as s:
        ann = _add(s, "Ann Lee", title="CTO", city="Berlin", company="Acme")
        ann_id = ann.id
    with db.write("x") as s:
        ann = s.get(Contact, ann_id)
        contacts.update_contact(
            s,
            ann,
            ContactChanges(values={"title": "", "city": "Rome", "stage": "customer"}, name="Lee, Annabel", company=""),
        )
    row = _row(db, ann_id)
    assert (row["name"], row["title"], row["city"], row["stage"], row["company"]) == (
        "Annabel Lee",
        None,
        "Rome",
        "customer",
        None,
    )
    with db.write("x") as s:
        ann = s.get(Contact, ann_id)
        with pytest.raises(Invalid, match="no editable field 'colour'"):
            contacts.update_contact(s, ann, ContactChanges(values={"colour": "red"}))
        with pytest.raises(Invalid, match="cannot both be empty"):
            contacts.update_contact(s, ann, ContactChanges(values={"first_name": "", "last_name": ""}))


def test_update_with_a_stale_version_is_a_conflict(db) -> None:
    from termcrm.models import Contact

    with db.write("x") as s:
        ann_id = _add(s, "Ann Lee").id
    with db.write("x") as s:
        contacts.update_contact(s, s.get(Contact, ann_id), ContactChanges(values={"city": "Rome"}))
    with db.write("x") as s:
        ann = s.get(Contact, ann_id)
        assert ann.version == 2
        with pytest.raises(Conflict, match="changed by someone else meanwhile"):
            contacts.update_contact(s, ann, ContactChanges(values={"city": "Oslo"}), expected_version=1)


def test_archive_and_restore(db) -> None:
    from termcrm.models import Contact

    with db.write("x") as s:
        ann_id = _add(s, "Ann Lee").id
    with db.write("x") as s:
        contacts.archive_contact(s, s.get(Contact, ann_id))
    with db.read() as s:
        assert contacts.list_contacts(s) == []
        assert [c.id for c in contacts.list_contacts(s, archived=True)] == [ann_id]
    with db.write("x") as s:
        ann = s.get(Contact, ann_id)
        with pytest.raises(Invalid, match="already archived"):
            contacts.archive_contact(s, ann)
        contacts.restore_contact(s, ann)
        with pytest.raises(Invalid, match="is not archived"):
            contacts.restore_contact(s, ann)
    with db.read() as s:
        assert [c.id for c in contacts.list_contacts(s)] == [ann_id]


# ---------------------------------------------------------------- emails and phones


def test_emails_and_phones_keep_labels_and_one_primary(db) -> None:
    with db.write("x") as s:
        ann_id = _add(
            s, "Ann Lee", emails=["Work=ann@acme.com", "home=ann@home.org"], phones=["mobile=+1 555 0100", "555 0199"]
        ).id
    row = _row(db, ann_id)
    assert row["email"] == "ann@acme.com"
    assert row["emails"] == [
        {"email": "ann@acme.com", "label": "work", "primary": True},
        {"email": "ann@home.org", "label": "home", "primary": False},
    ]
    assert row["phones"] == [
        {"phone": "+1 555 0100", "label": "mobile", "primary": True},
        {"phone": "555 0199", "label": None, "primary": False},
    ]


def test_primary_email_moves_and_removing_the_primary_promotes_another(db) -> None:
    from termcrm.models import Contact

    with db.write("x") as s:
        ann_id = _add(s, "Ann Lee", emails=["a@one.org", "a@two.org", "a@three.org"]).id
    with db.write("x") as s:
        contacts.update_contact(s, s.get(Contact, ann_id), ContactChanges(primary_email="A@TWO.org"))
    assert _row(db, ann_id)["email"] == "a@two.org"
    with db.write("x") as s:
        contacts.update_contact(s, s.get(Contact, ann_id), ContactChanges(remove_emails=["a@two.org"]))
    row = _row(db, ann_id)
    assert [e["email"] for e in row["emails"]] == ["a@one.org", "a@three.org"]
    assert [e["primary"] for e in row["emails"]] == [True, False]
    with db.write("x") as s, pytest.raises(Invalid, match="has no email a@nine.org"):
        contacts.update_contact(s, s.get(Contact, ann_id), ContactChanges(primary_email="a@nine.org"))


def test_adding_a_known_email_or_phone_again_is_a_no_op(db) -> None:
    from termcrm.models import Contact

    with db.write("x") as s:
        ann_id = _add(s, "Ann Lee", emails=["ann@example.com"], phones=["+1 (555) 010-0100"]).id
    with db.write("x") as s:
        contacts.update_contact(
            s, s.get(Contact, ann_id), ContactChanges(add_emails=["ANN@example.com"], add_phones=["15550100100"])
        )
    row = _row(db, ann_id)
    assert len(row["emails"]) == 1 and len(row["phones"]) == 1


def test_remove_phone_matches_digits_only(db) -> None:
    from termcrm.models import Contact

    with db.write("x") as s:
        ann_id = _add(s, "Ann Lee", phones=["+1 (555) 010-0100", "555 0199"]).id
    with db.write("x") as s:
        contacts.update_contact(s, s.get(Contact, ann_id), ContactChanges(remove_phones=["1-555-010-0100"]))
    row = _row(db, ann_id)
    assert row["phones"] == [{"phone": "555 0199", "label": None, "primary": True}]


# ---------------------------------------------------------------- duplicates


def _pairs(db, **kwargs) -> list[tuple[int, int, int]]:
    with db.read() as s:
        return [(p.keep_id, p.other_id, p.score) for p in contacts.find_duplicates(s, **kwargs)]


def test_same_email_scores_95(db) -> None:
    with db.write("x") as s:
        _add(s, "Ann Lee", emails=["ann@example.com"])
        _add(s, "A. Lee-Smith", emails=["ANN@example.com"])
        _add(s, "Bob Stone", emails=["bob@example.com"])
    assert _pairs(db) == [(1, 2, 95)]


def test_same_phone_written_differently_scores_85(db) -> None:
    with db.write("x") as s:
        _add(s, "Ann Lee", phones=["+1 (555) 123-4567"])
        _add(s, "Annie Leigh", phones=["1-555-123-4567"])
    with db.read() as s:
        [pair] = contacts.find_duplicates(s)
    assert (pair.keep_id, pair.other_id, pair.score) == (1, 2, 85)
    assert pair.reasons == ["same phone 15551234567"]


def test_email_and_phone_together_score_higher(db) -> None:
    with db.write("x") as s:
        _add(s, "Ann Lee", emails=["ann@example.com"], phones=["555 123 4567"])
        _add(s, "Ann L", emails=["ann@example.com"], phones=["(555) 123-4567"])
    # The best reason (95) plus 10 for a second one, capped at 100.
    assert _pairs(db) == [(1, 2, 100)]


def test_similar_names_at_the_same_company(db) -> None:
    with db.write("x") as s:
        _add(s, "Jon Smith", company="Acme")
        _add(s, "John Smith", company="Acme")
        _add(s, "John Smith", company="Globex")
        _add(s, "Jane Smythe", company="Acme")
    ratio = SequenceMatcher(None, "jon smith", "john smith").ratio()  # 18/19
    assert int(50 + ratio * 30) == 78
    pairs = _pairs(db)
    assert (1, 2, 78) in pairs
    # The same exact name at another company is a weaker sign.
    assert (2, 3, 60) in pairs
    assert all(4 not in (a, b) for a, b, _ in pairs)
    assert _pairs(db, min_score=70) == [(1, 2, 78)]
    assert _pairs(db, limit=1) == [(1, 2, 78)]


def test_archived_contacts_are_not_duplicates(db) -> None:
    from termcrm.models import Contact

    with db.write("x") as s:
        _add(s, "Ann Lee", emails=["ann@example.com"])
        other = _add(s, "Ann L", emails=["ann@example.com"])
        contacts.archive_contact(s, s.get(Contact, other.id))
    assert _pairs(db) == []


# ---------------------------------------------------------------- merge


@pytest.fixture
def pair(db):
    from termcrm.services import interactions

    with db.write("seed") as s:
        _add(s, "Ann Lee", emails=["ann@example.com"], tags=["vip"], fields={"shoe": "38"})
        other = _add(
            s,
            "Ann Lee",
            emails=["work=ann@acme.com", "ann@example.com"],
            phones=["555 0100"],
            tags=["vip", "golf"],
            fields={"shoe": "39", "team": "red"},
            city="Oslo",
            title="CTO",
            stage="customer",
            company="Acme",
            birthday=date(1990, 1, 2),
        )
        interactions.log_interaction(
            s, kind="call", summary="work call", contact=other, occurred_at=datetime(2025, 3, 1, tzinfo=UTC)
        )
    return db


def test_merge_fills_empty_fields_and_unions_the_rest(pair) -> None:
    from termcrm.models import Contact

    with pair.write("merge") as s:
        contacts.merge_contacts(s, s.get(Contact, 1), s.get(Contact, 2))
    keep = _row(pair, 1)
    assert (keep["city"], keep["title"], keep["company"], keep["birthday"]) == ("Oslo", "CTO", "Acme", "1990-01-02")
    assert keep["stage"] == "customer"  # the further stage wins
    assert [(e["email"], e["primary"]) for e in keep["emails"]] == [("ann@example.com", True), ("ann@acme.com", False)]
    assert [p["phone"] for p in keep["phones"]] == ["555 0100"]
    assert keep["tags"] == ["golf", "vip"]
    assert keep["fields"] == {"shoe": "38", "team": "red"}  # keep's own value wins
    assert keep["last_contacted_at"] == "2025-03-01T00:00:00+00:00"
    other = _row(pair, 2)
    assert other["archived_at"] is not None
    assert other["emails"] == [] and other["tags"] == []


def test_merge_moves_interactions(pair) -> None:
    from termcrm.models import Contact
    from termcrm.services import interactions

    with pair.write("merge") as s:
        contacts.merge_contacts(s, s.get(Contact, 1), s.get(Contact, 2))
    with pair.read() as s:
        assert [i.summary for i in interactions.list_interactions(s, contact_id=1)] == ["work call"]
        assert interactions.list_interactions(s, contact_id=2) == []


def test_merge_is_one_change_set_and_undo_restores_everything(pair) -> None:
    from termcrm.models import Contact
    from termcrm.services import history, interactions

    before = (_row(pair, 1), _row(pair, 2))
    with pair.write("merge") as s:
        contacts.merge_contacts(s, s.get(Contact, 1), s.get(Contact, 2))
    with pair.write("undo") as s:
        result = history.undo(s)
    assert result.summary == "merge contact #2 Ann Lee into #1 Ann Lee"
    after = (_row(pair, 1), _row(pair, 2))
    strip = ("updated_at", "version")
    assert [{k: v for k, v in r.items() if k not in strip} for r in after] == [
        {k: v for k, v in r.items() if k not in strip} for r in before
    ]
    with pair.read() as s:
        assert [i.summary for i in interactions.list_interactions(s, contact_id=2)] == ["work call"]


def test_merge_refuses_self_and_archived(pair) -> None:
    from termcrm.models import Contact

    with pair.write("x") as s:
        ann = s.get(Contact, 1)
        with pytest.raises(Invalid, match="into itself"):
            contacts.merge_contacts(s, ann, ann)
        contacts.archive_contact(s, s.get(Contact, 2))
        with pytest.raises(Invalid, match="is archived; restore it first"):
            contacts.merge_contacts(s, ann, s.get(Contact, 2))


def test_find_then_merge_through_the_cli(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    crm.ok("contact", "add", "Annie Lee", "--email", "ANN@example.com", "--allow-duplicate")
    rows = crm.ok("contact", "dupes", "-f", "json").json()
    assert [(r["keep_id"], r["other_id"], r["score"]) for r in rows] == [(1, 2, 95)]
    assert rows[0]["reasons"] == ["same email ann@example.com"]
    assert crm("contact", "merge", "1", "2").exit_code == 2  # needs --yes without a terminal
    crm.ok("contact", "merge", "1", "2", "--yes")
    assert crm.ok("contact", "dupes", "-f", "json").json() == []
    assert "no likely duplicates" in crm.ok("contact", "dupes").stderr
