"""The filter language of list commands: operators, relative dates, custom fields, tags, errors, safety."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from termcrm.errors import Invalid
from termcrm.services.filters import Term, parse_words

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
"""A Sunday; TZ is UTC in the tests, so local days are UTC days."""


@pytest.fixture
def people(db):
    """Three contacts with known fields, created at known times."""
    from termcrm.services import contacts

    specs: list[dict[str, Any]] = [
        dict(
            name=("Ann", "Lee"), created=datetime(2025, 6, 14, 9, 0, tzinfo=UTC), city="Berlin", stage="customer",
            tags=["vip"], birthday=date(1990, 6, 20), fields={"industry": "software", "employees": "120"},
            title="CTO", cadence_days=30, company="Acme", emails=["ann@acme.com"], phones=["+49 30 1234"],
            last_contacted=None,
        ),
        dict(
            name=("Bob", "Stone"), created=datetime(2025, 5, 1, 9, 0, tzinfo=UTC), city="Paris", stage="lead",
            tags=["family"], birthday=None, fields={"industry": "retail", "employees": "80"}, title=None,
            cadence_days=None, company=None, emails=["bob@stone.org"], phones=[], last_contacted=None,
        ),
        dict(
            name=("Cleo", "Park"), created=datetime(2025, 6, 15, 8, 0, tzinfo=UTC), city=None, stage="lead",
            tags=[], birthday=date(1985, 1, 5), fields={}, title=None, cadence_days=None, company=None,
            emails=[], phones=["030/1234"], last_contacted=datetime(2025, 6, 10, 16, 0, tzinfo=UTC),
        ),
    ]  # fmt: skip
    with db.write("seed") as s:
        for spec in specs:
            contact = contacts.create_contact(
                s,
                contacts.ContactInput(
                    first_name=spec["name"][0],
                    last_name=spec["name"][1],
                    city=spec["city"],
                    stage=spec["stage"],
                    tags=spec["tags"],
                    birthday=spec["birthday"],
                    fields=spec["fields"],
                    title=spec["title"],
                    cadence_days=spec["cadence_days"],
                    company=spec["company"],
                    emails=spec["emails"],
                    phones=spec["phones"],
                ),
                allow_duplicate=True,
            )
            contact.created_at = spec["created"]
            contact.last_contacted_at = spec["last_contacted"]
            s.add(contact)
    return db


def names(db, *words: str, sort: str | None = None, limit: int | None = None) -> list[str]:
    from termcrm.services import contacts

    with db.read() as s:
        return [c.display_name for c in contacts.list_contacts(s, words, sort=sort, limit=limit, now=NOW)]


# ---------------------------------------------------------------- parsing


def test_parse_words_recognises_every_form() -> None:
    words = ["city:berlin", "n>=3", "n<=3", "x!=y", "a=b", "d>1", "d<2", "+vip", "-family", "@hot", "free"]
    assert parse_words(words) == [
        Term("field", "berlin", "city", ":"),
        Term("field", "3", "n", ">="),
        Term("field", "3", "n", "<="),
        Term("field", "y", "x", "!="),
        Term("field", "b", "a", ":"),
        Term("field", "1", "d", ">"),
        Term("field", "2", "d", "<"),
        Term("tag", "vip"),
        Term("tag", "family", negate=True),
        Term("segment", "hot"),
        Term("text", "free"),
    ]  # fmt: skip
    assert parse_words(['name:"Ann Lee"', "-3d", "+5"]) == [
        Term("field", "Ann Lee", "name", ":"),
        Term("text", "-3d"),
        Term("text", "+5"),
    ]


# ---------------------------------------------------------------- text, choice and number operators


def test_text_operators(people) -> None:
    assert names(people, "city:ber") == ["Ann Lee"]
    assert names(people, "city=BERLIN") == ["Ann Lee"]
    assert names(people, "city!=berlin") == ["Bob Stone", "Cleo Park"]
    assert names(people, "city:") == ["Cleo Park"]
    assert names(people, "city!=") == ["Ann Lee", "Bob Stone"]
    assert names(people, "name>b") == ["Bob Stone", "Cleo Park"]
    assert names(people, "name>=cleo") == ["Cleo Park"]
    assert names(people, "name<b") == ["Ann Lee"]
    assert names(people, "name<=bob stone") == ["Ann Lee", "Bob Stone"]
    assert names(people, 'name:"ann lee"') == ["Ann Lee"]


def test_choice_operators(people) -> None:
    assert names(people, "stage:customer") == ["Ann Lee"]
    assert names(people, "stage!=lead") == ["Ann Lee"]
    with pytest.raises(Invalid, match="stage takes : or != only"):
        names(people, "stage>lead")
    with pytest.raises(Invalid, match="stage 'vip' is not one of: subscriber, lead"):
        names(people, "stage:vip")


def test_number_operators(people) -> None:
    assert names(people, "id>1") == ["Bob Stone", "Cleo Park"]
    assert names(people, "id>=2") == ["Bob Stone", "Cleo Park"]
    assert names(people, "id<2") == ["Ann Lee"]
    assert names(people, "id<=2") == ["Ann Lee", "Bob Stone"]
    assert names(people, "id!=2") == ["Ann Lee", "Cleo Park"]
    assert names(people, "id:3") == ["Cleo Park"]
    assert names(people, "cadence:30") == ["Ann Lee"]
    assert names(people, "cadence:") == ["Bob Stone", "Cleo Park"]
    with pytest.raises(Invalid, match="id needs a whole number, not 'abc'"):
        names(people, "id:abc")


def test_email_phone_company_and_owner_fields(people) -> None:
    assert names(people, "email:ACME") == ["Ann Lee"]
    assert names(people, "email!=acme") == ["Bob Stone", "Cleo Park"]
    assert names(people, "phone:301234") == ["Ann Lee", "Cleo Park"]
    assert names(people, "company:acm") == ["Ann Lee"]
    assert names(people, "company:") == ["Bob Stone", "Cleo Park"]
    assert names(people, "owner:tester") == ["Ann Lee", "Bob Stone", "Cleo Park"]
    with pytest.raises(Invalid, match="email takes : or != only"):
        names(people, "email>a")


# ---------------------------------------------------------------- dates, absolute and relative


def test_datetime_operators_on_whole_days(people) -> None:
    assert names(people, "created:2025-06-14") == ["Ann Lee"]
    assert names(people, "created!=2025-06-14") == ["Bob Stone", "Cleo Park"]
    assert names(people, "created>2025-06-14") == ["Cleo Park"]
    assert names(people, "created>=2025-06-14") == ["Ann Lee", "Cleo Park"]
    assert names(people, "created<2025-06-14") == ["Bob Stone"]
    assert names(people, "created<=2025-06-14") == ["Ann Lee", "Bob Stone"]


def test_datetime_with_a_time_compares_the_instant(people) -> None:
    assert names(people, "created>2025-06-14 10:00") == ["Cleo Park"]
    assert names(people, "created<2025-06-14T09:30") == ["Ann Lee", "Bob Stone"]


def test_relative_dates(people) -> None:
    assert names(people, "created>-30d") == ["Ann Lee", "Cleo Park"]
    assert names(people, "created<-30d") == ["Bob Stone"]
    assert names(people, "created>-2w") == ["Ann Lee", "Cleo Park"]
    assert names(people, "created>=-2m") == ["Ann Lee", "Bob Stone", "Cleo Park"]
    assert names(people, "created:today") == ["Cleo Park"]
    assert names(people, "created:yesterday") == ["Ann Lee"]
    assert names(people, "created<today") == ["Ann Lee", "Bob Stone"]
    assert names(people, "created<tomorrow") == ["Ann Lee", "Bob Stone", "Cleo Park"]
    assert names(people, "created>=+1d") == []
    assert names(people, "created<mon") == ["Ann Lee", "Bob Stone", "Cleo Park"]  # next Monday is the 16th
    assert names(people, "last_contacted>-7d") == ["Cleo Park"]
    assert names(people, "last_contacted:") == ["Ann Lee", "Bob Stone"]


def test_date_fields(people) -> None:
    assert names(people, "birthday<today") == ["Ann Lee", "Cleo Park"]
    assert names(people, "birthday>1989-12-31") == ["Ann Lee"]
    assert names(people, "birthday:1985-01-05") == ["Cleo Park"]
    assert names(people, "birthday:") == ["Bob Stone"]
    with pytest.raises(Invalid, match="someday"):
        names(people, "birthday<someday")


# ---------------------------------------------------------------- custom fields and tags


def test_custom_fields(people) -> None:
    assert names(people, "field.industry:soft") == ["Ann Lee"]
    assert names(people, "field.industry:RETAIL") == ["Bob Stone"]
    assert names(people, "field.industry!=software") == ["Bob Stone", "Cleo Park"]
    assert names(people, "field.employees>100") == ["Ann Lee"]
    assert names(people, "field.employees<=80") == ["Bob Stone"]
    assert names(people, "field.industry>r") == ["Ann Lee", "Bob Stone"]
    assert names(people, "field.nothing:x") == []


def test_tags(people) -> None:
    assert names(people, "+vip") == ["Ann Lee"]
    assert names(people, "+VIP") == ["Ann Lee"]
    assert names(people, "-vip") == ["Bob Stone", "Cleo Park"]
    assert names(people, "-vip", "-family") == ["Cleo Park"]
    assert names(people, "tag:family") == ["Bob Stone"]
    assert names(people, "tag!=family") == ["Ann Lee", "Cleo Park"]
    assert names(people, "+ghost") == []


def test_words_combine_with_and(people) -> None:
    assert names(people, "stage:lead", "city:paris") == ["Bob Stone"]
    assert names(people, "stage:lead", "+vip") == []


def test_bare_words_search_text(people) -> None:
    assert names(people, "berl") == ["Ann Lee"]
    assert names(people, "acme") == ["Ann Lee"]
    assert names(people, "stone", "bob") == ["Bob Stone"]


# ---------------------------------------------------------------- sort and limit


def test_sort_and_limit(people) -> None:
    assert names(people, sort="-created") == ["Cleo Park", "Ann Lee", "Bob Stone"]
    assert names(people, sort="created") == ["Bob Stone", "Ann Lee", "Cleo Park"]
    assert names(people, sort="city") == ["Ann Lee", "Bob Stone", "Cleo Park"]  # empty last
    assert names(people, sort="-city") == ["Bob Stone", "Ann Lee", "Cleo Park"]  # empty last
    assert names(people, sort="stage,-name") == ["Ann Lee", "Cleo Park", "Bob Stone"]
    assert names(people, sort="-created", limit=2) == ["Cleo Park", "Ann Lee"]
    assert names(people, limit=0) == []


# ---------------------------------------------------------------- through the CLI


def _cli_names(crm, *args: str) -> list[str]:
    return [r["name"] for r in crm.ok("contact", "list", *args, "-f", "json").json()]


def test_cli_unknown_field_exits_2_naming_the_valid_fields(crm) -> None:
    result = crm("contact", "list", "colour:red")
    assert result.exit_code == 2
    assert "unknown field 'colour'" in result.stderr
    assert "valid fields:" in result.stderr
    for name in ("city", "created", "stage", "tag", "last_contacted"):
        assert name in result.stderr


def test_cli_bad_sort_exits_2_naming_sortable_fields(crm) -> None:
    result = crm("contact", "list", "--sort", "colour")
    assert result.exit_code == 2
    assert "cannot sort by 'colour'; sortable fields:" in result.stderr
    assert crm("contact", "list", "--sort", "email").exit_code == 2


def test_cli_sort_value_with_a_dash_is_not_a_filter(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Bob Stone")
    assert _cli_names(crm, "--sort", "-name") == ["Bob Stone", "Ann Lee"]
    assert _cli_names(crm, "--sort", "-name", "--limit", "1") == ["Bob Stone"]
    assert _cli_names(crm, "--sort=-name", "-n", "1") == ["Bob Stone"]


def test_cli_relative_date_and_dash_tag_words(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--tag", "family")
    crm.ok("contact", "add", "Bob Stone")
    assert _cli_names(crm, "created>-30d") == ["Ann Lee", "Bob Stone"]
    assert _cli_names(crm, "created<-30d") == []
    assert _cli_names(crm, "-family", "created:today") == ["Bob Stone"]


def test_cli_custom_field_filter(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--field", "industry=software")
    crm.ok("contact", "add", "Bob Stone", "--field", "industry=retail")
    assert _cli_names(crm, "field.industry:soft") == ["Ann Lee"]


@pytest.mark.parametrize(
    "word",
    [
        "name:\"x' OR '1'='1\"",
        "name:x' OR '1'='1",
        "name:x'; DROP TABLE contact; --",
        "city:%",
        "city:_",
        "field.x:' OR 1=1 --",
        "email:%@%",
    ],
)
def test_cli_hostile_values_match_nothing_and_harm_nothing(crm, word) -> None:
    crm.ok("contact", "add", "Ann Lee", "--city", "Berlin", "--email", "ann@example.com")
    crm.ok("contact", "add", "Bob Stone")
    assert _cli_names(crm, word) == []
    assert _cli_names(crm) == ["Ann Lee", "Bob Stone"]


def test_cli_hostile_bare_word_is_plain_text(crm) -> None:
    crm.ok("contact", "add", "Ann Lee")
    assert _cli_names(crm, '" OR 1') == []
    assert _cli_names(crm, "ann*") == ["Ann Lee"]
    assert _cli_names(crm) == ["Ann Lee"]


def test_cli_limit_and_sort_on_companies_and_activity(crm) -> None:
    for name in ("Bravo", "Alpha", "Charlie"):
        crm.ok("company", "add", name)
    rows = crm.ok("company", "list", "--sort", "-name", "--limit", "2", "-f", "json").json()
    assert [r["name"] for r in rows] == ["Charlie", "Bravo"]
    assert crm("company", "list", "--sort", "owner").exit_code == 2
    assert crm("activity", "list", "--sort", "colour").exit_code == 2
