"""``crm import csv`` end to end: real-world export formats and the gotchas of each, validation,
dedupe, --dry-run, --skip-invalid, mappings, batches and their undo. Runs on every engine.

The sample files are the ones tests/test_io_csv.py builds (shaped like each program's export).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from test_io_csv import (
    GOOGLE,
    GOOGLE_LEGACY,
    HUBSPOT,
    LINKEDIN,
    OUTLOOK_DE,
    PIPEDRIVE,
    SALESFORCE,
    THUNDERBIRD,
    crlf,
    outlook_text,
)

COUNTED = (
    "contact",
    "contact_email",
    "contact_phone",
    "contact_tag",
    "contact_field",
    "company",
    "tag",
    "deal",
    "interaction",
    "followup",
    "import_batch",
    "import_item",
    "change_set",
)


def counts(db_url: str) -> dict[str, int]:
    """Rows per table, read straight from the database."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() or 0) for t in COUNTED}
    finally:
        engine.dispose()


def put(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return str(path)


def people(crm: Any) -> dict[str, dict[str, Any]]:
    """Live contacts by display name."""
    return {row["name"]: row for row in crm.ok("contact", "list", "-f", "json").json()}


def emails(row: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["label"], e["email"]) for e in row["emails"]]


def phones(row: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(p["label"], p["phone"]) for p in row["phones"]]


def imported(crm: Any, *args: str) -> dict[str, Any]:
    """Run ``crm import csv ... -f json`` and return its result object."""
    return crm.ok("import", "csv", *args, "-f", "json").json()  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------


def test_google_contacts_with_invalid_rows_exits_5_and_writes_nothing(crm, db_url, tmp_path) -> None:
    before = counts(db_url)
    result = crm("import", "csv", put(tmp_path, "google.csv", GOOGLE))
    assert result.exit_code == 5
    assert "line 7, column \"E-mail 1 - Value\": 'zoe@' is not an email address" in result.stderr
    assert "line 8: a contact needs a first name, a last name or an email address" in result.stderr
    assert "2 rows are invalid, nothing was imported" in result.stderr
    assert counts(db_url) == before


def test_google_contacts_multi_values_labels_and_system_groups(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "google.csv", GOOGLE), "--skip-invalid")
    assert out["format"] == "google"
    assert (out["created"], out["updated"], out["skipped"]) == (2, 0, 0)
    assert [row["line"] for row in out["invalid"]] == [7, 8]
    found = people(crm)
    jose = found["José Núñez"]
    # "a ::: b" in one cell is two values; the group's label applies to both; "* Work" marks the primary.
    assert emails(jose) == [("work", "jose@acme.es"), ("work", "pepe@acme.es"), ("home", "jose.nunez@example.com")]
    assert phones(jose) == [("mobile", "+34 600 123 456"), ("work", "+34 91 123 45 67"), ("work", "+34 91 765 43 21")]
    # User labels become tags; "* starred" and "* myContacts" are Google's system groups and are dropped.
    assert jose["tags"] == ["clients", "friends"]
    assert jose["company"] == "Acme Ibérica"
    assert jose["title"] == "Director"
    assert jose["birthday"] == "1904-03-14"  # no year in the file
    assert jose["notes"] == 'Met at the "Madrid" fair.\nLikes coffee, not tea.'
    assert jose["street"] == "Calle Mayor 1\n3º izquierda"
    assert (jose["city"], jose["postal_code"], jose["country"]) == ("Madrid", "28013", "Spain")
    assert jose["fields"] == {
        "Customer number": "C-1042",
        "department": "Ventas",
        "middle_name": "María",
        "nickname": "Pepe",
    }
    taro = found["太郎 山田"]
    assert taro["tags"] == ["取引先"]
    assert emails(taro) == [("other", "taro@example.jp")]


def test_google_legacy_headers(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "legacy.csv", GOOGLE_LEGACY))
    assert (out["format"], out["created"]) == ("google", 1)
    francois = people(crm)["François Dupont"]
    assert emails(francois) == [("home", "francois@example.fr"), ("work", "f.dupont@societe.fr")]
    assert francois["tags"] == ["golf"]
    assert (francois["company"], francois["title"], francois["gender"]) == ("Société X", "PDG", "male")


def test_outlook_english_categories_and_numbered_columns(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "outlook.csv", outlook_text()))
    assert (out["format"], out["created"]) == ("outlook", 2)
    anna = people(crm)["Anna Kowalski"]
    assert anna["tags"] == ["customers", "vip"]  # "VIP;Customers" split on ;
    assert emails(anna) == [(None, "anna@contoso.com"), (None, "anna.k@example.org")]
    assert phones(anna) == [("fax", "+1 425 555 0199"), ("work", "+1 425 555 0100"), ("mobile", "+1 425 555 0101")]
    assert anna["birthday"] == "1970-12-31"
    assert anna["notes"] == "Prefers email.\nAsk about the grant."  # CRLF inside a quoted cell
    assert anna["street"] == "1 Microsoft Way\nSuite 200"
    lukasz = people(crm)["Łukasz Żółć"]
    assert lukasz["birthday"] is None  # Outlook's "0/0/00" means no birthday


def test_outlook_german_semicolons_and_day_first_dates(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "kontakte.csv", OUTLOOK_DE))
    assert (out["format"], out["created"]) == ("outlook_de", 2)
    found = people(crm)
    juergen = found["Jürgen Groß"]
    assert juergen["birthday"] == "1968-12-31"
    assert juergen["tags"] == ["lieferanten"]
    assert juergen["notes"] == "Rückruf am Montag; Preise für 2025, Rabatt 3,5 %"
    assert juergen["company"] == "Müller & Söhne GmbH"
    assert found["Renée Åström"]["birthday"] == "1990-02-01"  # 01.02.1990 is the first of February


def test_linkedin_preamble_is_skipped(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "Connections.csv", LINKEDIN))
    assert (out["format"], out["created"]) == ("linkedin", 3)
    found = people(crm)
    assert sorted(found) == ["Sam Lee", "Søren Kierkegård", "Wei Zhang"]
    assert found["Wei Zhang"]["company"] == "Huawei Technologies Co., Ltd."
    assert found["Søren Kierkegård"]["fields"] == {"linkedin_connected_on": "15 Mar 2023"}


def test_hubspot_lifecycle_stage_and_email_only_contact(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "hubspot.csv", HUBSPOT))
    assert (out["format"], out["created"]) == ("hubspot", 2)
    found = people(crm)
    chloe = found["Chloé Martin"]
    assert chloe["stage"] == "mql"  # "Marketing Qualified Lead"
    assert chloe["external_id"] == "5101"
    # A contact with only an address is named after it, so it can still be listed and found.
    lead = found["lead-only"]
    assert lead["stage"] == "subscriber"
    assert emails(lead) == [(None, "lead-only@example.com")]


def test_salesforce_multiline_address_and_notes(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "sf.csv", SALESFORCE))
    assert (out["format"], out["created"]) == ("salesforce", 1)
    ingrid = people(crm)["Ingrid Bergström"]
    assert ingrid["street"] == "42 Elm St\nBuilding B"
    assert ingrid["notes"] == "Key account.\nRenewal in Q3."
    assert ingrid["birthday"] == "1985-04-05"
    assert (ingrid["external_id"], ingrid["source"], ingrid["company"]) == ("0035g00000AbCdE", "Web", "Umbrella Corp")
    assert phones(ingrid) == [("work", "(555) 010-2000"), ("mobile", "555-010-3000")]


def test_pipedrive_labels_with_spaces_become_tags(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "people.csv", PIPEDRIVE))
    assert (out["format"], out["created"]) == ("pipedrive", 1)
    olga = people(crm)["Olga Petrova"]
    assert olga["tags"] == ["customer", "hot-lead"]  # "Hot lead, Customer"
    assert emails(olga) == [("work", "olga@firm.example"), ("home", "olga.p@example.com")]


def test_thunderbird_split_birthday(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "abook.csv", THUNDERBIRD))
    assert (out["format"], out["created"]) == ("thunderbird", 2)
    found = people(crm)
    assert found["Ingeborg Ærø"]["birthday"] == "1985-06-30"
    assert found["Kim"]["birthday"] == "1904-02-29"  # month and day only
    assert found["Ingeborg Ærø"]["fields"]["custom1"] == "blue"


def test_from_option_forces_a_format(crm, tmp_path) -> None:
    text = "First Name,Last Name,URL,Email Address\nAnn,Lee,https://linkedin.example/ann,ann@example.com\n"
    out = imported(crm, put(tmp_path, "li.csv", text), "--from", "linkedin")
    assert out["format"] == "linkedin"
    assert people(crm)["Ann Lee"]["website"] == "https://linkedin.example/ann"


def test_termcrm_field_names_header_maps_without_flags(crm, tmp_path) -> None:
    text = (
        "first_name,last_name,email,phone,company,title,city,tags,notes\n"
        "Ann,Lee,ann@example.com,+1 555 0100,Acme,CTO,Oslo,vip; board,Met in May\n"
    )
    out = imported(crm, put(tmp_path, "mine.csv", text))
    assert out["mapping"]["email"] == "emails"
    ann = people(crm)["Ann Lee"]
    assert (ann["company"], ann["title"], ann["city"], ann["notes"]) == ("Acme", "CTO", "Oslo", "Met in May")
    assert ann["tags"] == ["board", "vip"]
    assert phones(ann) == [(None, "+1 555 0100")]


# ---------------------------------------------------------------------------
# Encodings, delimiters, line ends, quoting
# ---------------------------------------------------------------------------

NAMES = "First Name,Last Name,E-mail Address,Notes\nRenée,Dupré,renee@example.fr,Café Noël\n"


def test_utf8_with_bom(crm, tmp_path) -> None:
    imported(crm, put(tmp_path, "bom.csv", b"\xef\xbb\xbf" + NAMES.encode("utf-8")))
    assert people(crm)["Renée Dupré"]["notes"] == "Café Noël"


def test_utf16_with_bom(crm, tmp_path) -> None:
    imported(crm, put(tmp_path, "u16.csv", b"\xff\xfe" + crlf(NAMES).encode("utf-16-le")))
    assert people(crm)["Renée Dupré"]["notes"] == "Café Noël"


def test_windows_1252_fallback(crm, tmp_path) -> None:
    imported(crm, put(tmp_path, "cp.csv", NAMES, encoding="cp1252"))
    assert people(crm)["Renée Dupré"]["notes"] == "Café Noël"


def test_explicit_encoding_option(crm, tmp_path) -> None:
    path = put(tmp_path, "latin.csv", NAMES, encoding="latin-1")
    imported(crm, path, "--encoding", "latin-1")
    assert "Renée Dupré" in people(crm)


def test_semicolon_and_tab_delimiters_are_sniffed_or_given(crm, tmp_path) -> None:
    imported(crm, put(tmp_path, "semi.csv", "first_name;last_name;email\nAnn;Lee;ann@example.com\n"))
    imported(crm, put(tmp_path, "tab.csv", "first_name\tlast_name\temail\nBo\tKim\tbo@example.com\n"))
    imported(crm, put(tmp_path, "pipe.csv", "first_name|last_name\nCy|Ng\n"), "--delimiter", "|")
    assert sorted(people(crm)) == ["Ann Lee", "Bo Kim", "Cy Ng"]


def test_crlf_and_multiline_quoted_notes(crm, tmp_path) -> None:
    text = crlf('first_name,last_name,notes\nAnn,Lee,"line one\nline two, with a comma\n""quoted"""\nBo,Kim,short\n')
    out = imported(crm, put(tmp_path, "crlf.csv", text))
    assert out["created"] == 2
    assert people(crm)["Ann Lee"]["notes"] == 'line one\nline two, with a comma\n"quoted"'


def test_ragged_rows_exit_5_naming_the_line(crm, db_url, tmp_path) -> None:
    text = (
        "first_name,last_name,email\nAnn,Lee,ann@example.com\nBo,Kim\nCy,Ng,cy@example.com,extra\n"
        "Di,Oz,di@example.com\nEd,Po,ed@example.com\n"
    )
    before = counts(db_url)
    result = crm("import", "csv", put(tmp_path, "ragged.csv", text))
    assert result.exit_code == 5
    assert "line 3: 2 cells, header has 3" in result.stderr
    assert "line 4: 4 cells, header has 3" in result.stderr
    assert counts(db_url) == before


def test_standard_input(crm) -> None:
    out = crm.ok("import", "csv", "-", "-f", "json", input="first_name,email\nAnn,ann@example.com\n").json()
    assert (out["source"], out["created"]) == ("standard input", 1)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def test_bad_emails_exit_5_and_nothing_is_written(crm, db_url, tmp_path) -> None:
    crm.ok("contact", "add", "Existing One", "--email", "one@example.com")
    before = counts(db_url)
    text = "Name,Email\nAnn Lee,ann@example.com\nBo Kim,bo@@example\nCy Ng,cy@example.c\n"
    result = crm("import", "csv", put(tmp_path, "bad.csv", text))
    assert result.exit_code == 5
    assert "line 3, column \"Email\": 'bo@@example' is not an email address" in result.stderr
    # The parser accepts a one-letter top-level domain; the contact rules do not.
    assert "line 4, column \"Email\": 'cy@example.c' is not an email address" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: 2 rows are invalid, nothing was imported")
    assert counts(db_url) == before


def test_bad_phone_and_unknown_stage_name_their_columns(crm, tmp_path) -> None:
    text = "first_name,phone,stage\nAnn,call me,lead\nBo,+1 555 0100,prospect-ish\n"
    result = crm("import", "csv", put(tmp_path, "bad.csv", text))
    assert result.exit_code == 5
    assert "line 2, column \"phone\": 'call me' is not a phone number" in result.stderr
    assert "line 3, column \"stage\": stage 'prospect-ish' is not one of: subscriber, lead" in result.stderr


def test_bad_date_names_line_and_column(crm, tmp_path) -> None:
    result = crm("import", "csv", put(tmp_path, "d.csv", "first_name,birthday\nAnn,31/31/1990\n"))
    assert result.exit_code == 5
    assert "line 2, column \"birthday\": '31/31/1990' is not a date" in result.stderr


def test_skip_invalid_imports_valid_rows_and_errors_out_lists_the_others(crm, tmp_path) -> None:
    text = "Name,Email,City\nAnn Lee,ann@example.com,Oslo\nBo Kim,bo@@example,Rome\nCy Ng,cy@example.com,Lima\n"
    errors = tmp_path / "errors.csv"
    out = imported(crm, put(tmp_path, "some.csv", text), "--skip-invalid", "--errors-out", str(errors))
    assert (out["created"], [r["line"] for r in out["invalid"]]) == (2, [3])
    assert sorted(people(crm)) == ["Ann Lee", "Cy Ng"]
    rows = list(csv.reader(io.StringIO(errors.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == ["Name", "Email", "City", "error"]
    assert rows[1][:3] == ["Bo Kim", "bo@@example", "Rome"]
    assert rows[1][3] == "line 3, column \"Email\": 'bo@@example' is not an email address"
    assert len(rows) == 2


def test_errors_out_is_written_even_when_nothing_is_imported(crm, tmp_path) -> None:
    errors = tmp_path / "errors.csv"
    result = crm("import", "csv", put(tmp_path, "x.csv", "Name,Email\nBo,bo@\n"), "--errors-out", str(errors))
    assert result.exit_code == 5
    assert "bo@" in errors.read_text(encoding="utf-8")


def test_unknown_map_target_and_missing_column_exit_2(crm, tmp_path) -> None:
    path = put(tmp_path, "x.csv", "Name,Email\nAnn,ann@example.com\n")
    result = crm("import", "csv", path, "--map", "Email=shoe_size")
    assert result.exit_code == 2
    assert "unknown field 'shoe_size' for contacts" in result.stderr
    result = crm("import", "csv", path, "--map", "Phone=phones")
    assert result.exit_code == 2
    assert "the file has no column 'Phone'" in result.stderr


def test_binary_file_exits_5(crm, tmp_path) -> None:
    result = crm("import", "csv", put(tmp_path, "x.csv", b"PK\x03\x04\x00\x00binary\x00"))
    assert result.exit_code == 5
    assert "NUL" in result.stderr


def test_bad_options_exit_2(crm, tmp_path) -> None:
    path = put(tmp_path, "x.csv", "Name\nAnn\n")
    assert crm("import", "csv", path, "--match", "shoe").exit_code == 2
    assert crm("import", "csv", path, "--on-duplicate", "merge").exit_code == 2
    assert crm("import", "csv", path, "--tag", "not a tag").exit_code == 2
    assert crm("import", "csv", path, "--type", "things").exit_code == 2


# ---------------------------------------------------------------------------
# Dry run and mappings
# ---------------------------------------------------------------------------


def test_dry_run_shows_format_mapping_and_plan_and_writes_nothing(crm, db_url, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    before = counts(db_url)
    text = "Full Name,E-mail,Favourite colour\nAnn Lee,ann@example.com,red\nBo Kim,bo@example.com,blue\n"
    path = put(tmp_path, "dry.csv", text)
    out = imported(crm, path, "--dry-run")
    assert out["dry_run"] is True and out["batch_id"] is None
    assert out["format"] == "generic"
    assert out["mapping"] == {"Full Name": "name", "E-mail": "emails"}
    assert out["unmapped"] == ["Favourite colour"]
    assert (out["created"], out["updated"], out["skipped"]) == (1, 0, 1)
    assert [(o["line"], o["action"], o["id"]) for o in out["outcomes"]] == [(2, "skip", 1), (3, "create", None)]
    table = crm.ok("import", "csv", path, "--dry-run").stdout
    assert "dry run: nothing was written" in table
    assert "generic CSV" in table and "Favourite colour" in table and "(not imported)" in table
    assert "1 created, 0 updated, 1 skipped" in table
    assert counts(db_url) == before


def test_saved_mapping_is_reused(crm, tmp_path) -> None:
    saved = tmp_path / "shop.toml"
    first = put(tmp_path, "a.csv", "Kunde,Mail,Lieblingsfarbe\nAnn Lee,ann@example.com,red\n")
    imported(
        crm, first, "--map", "Kunde=name", "--map", "Mail=emails", "--map", "Lieblingsfarbe=field:colour",
        "--save-mapping", str(saved),
    )  # fmt: skip
    assert 'Lieblingsfarbe = "field:colour"' in saved.read_text(encoding="utf-8")
    second = put(tmp_path, "b.csv", "Kunde,Mail,Lieblingsfarbe\nBo Kim,bo@example.com,blue\n")
    out = imported(crm, second, "--mapping", str(saved))
    assert out["created"] == 1
    bo = people(crm)["Bo Kim"]
    assert emails(bo) == [(None, "bo@example.com")]
    assert bo["fields"] == {"colour": "blue"}


def test_map_option_ignore_and_labelled_phone(crm, tmp_path) -> None:
    text = "Name,Handy,Notes\nAnn Lee,+49 170 1,secret\n"
    imported(crm, put(tmp_path, "m.csv", text), "--map", "Handy=phones:mobile", "--map", "Notes=ignore")
    ann = people(crm)["Ann Lee"]
    assert phones(ann) == [("mobile", "+49 170 1")]
    assert ann["notes"] is None


# ---------------------------------------------------------------------------
# Dedupe
# ---------------------------------------------------------------------------


def test_dedupe_within_file_and_against_database(crm, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    text = (
        "Name,Email\n"
        "Ann L.,ANN@example.com\n"  # the database has her (emails match case-insensitively)
        "Bo Kim,bo@example.com\n"
        "Bobby Kim,bo@example.com\n"  # the same person as line 3
    )
    out = imported(crm, put(tmp_path, "d.csv", text))
    assert (out["created"], out["updated"], out["skipped"]) == (1, 0, 2)
    assert sorted(people(crm)) == ["Ann Lee", "Bo Kim"]


def test_match_by_phone_name_external_id_and_none(crm, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--phone", "+1 555 010 0100")
    path = put(tmp_path, "p.csv", "Name,Phone\nAnnie,(1) 555-010-0100\n")
    assert imported(crm, path, "--match", "phone")["skipped"] == 1
    path = put(tmp_path, "n.csv", "first_name,last_name\nann,LEE\n")
    assert imported(crm, path, "--match", "name")["skipped"] == 1
    path = put(tmp_path, "e.csv", "Record ID,First Name,Last Name,Email,Lifecycle Stage,Lead Status\n9,X,Y,,lead,\n")
    assert imported(crm, path)["created"] == 1
    assert imported(crm, path, "--match", "external_id")["skipped"] == 1
    assert imported(crm, path, "--match", "none")["created"] == 1


def test_ambiguous_name_match_is_an_error(crm, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee")
    crm.ok("contact", "add", "Ann Lee")
    result = crm("import", "csv", put(tmp_path, "n.csv", "first_name,last_name\nAnn,Lee\n"), "--match", "name")
    assert result.exit_code == 5
    assert "matches several contacts (#1, #2)" in result.stderr


def test_on_duplicate_update_keeps_existing_emails_phones_and_tags(crm, tmp_path) -> None:
    crm.ok(
        "contact", "add", "Ann Lee", "--email", "ann@example.com", "--phone", "+1 555 0100", "--tag", "vip",
        "--city", "Oslo", "--title", "CTO", "--field", "tier=gold",
    )  # fmt: skip
    text = (
        "first_name,last_name,emails,phones,title,tags,field:shoe\n"
        "Ann,Lee,ann@example.com; ann@work.example,+1 555 0199,CEO,board,42\n"
    )
    out = imported(crm, put(tmp_path, "u.csv", text), "--on-duplicate", "update", "--tag", "imported")
    assert (out["created"], out["updated"]) == (0, 1)
    ann = people(crm)["Ann Lee"]
    assert emails(ann) == [(None, "ann@example.com"), (None, "ann@work.example")]
    assert phones(ann) == [(None, "+1 555 0100"), (None, "+1 555 0199")]
    assert ann["tags"] == ["board", "imported", "vip"]
    assert (ann["title"], ann["city"]) == ("CEO", "Oslo")  # updated from the file; kept where the file is silent
    assert ann["fields"] == {"shoe": "42", "tier": "gold"}
    # The updated record is found by its new values in the search index.
    assert [r["id"] for r in crm.ok("contact", "list", "ceo", "-f", "json").json()] == [ann["id"]]


def test_on_duplicate_update_merges_rows_of_the_same_person(crm, tmp_path) -> None:
    text = "Name,Email,Phone\nAnn Lee,ann@example.com,\nAnn Lee,ann@example.com,+1 555 0100\n"
    out = imported(crm, put(tmp_path, "m.csv", text), "--on-duplicate", "update")
    assert (out["created"], out["updated"]) == (1, 1)
    ann = people(crm)["Ann Lee"]
    assert phones(ann) == [(None, "+1 555 0100")]


def test_on_duplicate_create_makes_duplicates(crm, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    out = imported(crm, put(tmp_path, "c.csv", "Name,Email\nAnn Lee,ann@example.com\n"), "--on-duplicate", "create")
    assert out["created"] == 1
    assert len(crm.ok("contact", "list", "-f", "json").json()) == 2


def test_tag_option_applies_to_every_created_record(crm, tmp_path) -> None:
    imported(crm, put(tmp_path, "t.csv", "Name\nAnn Lee\nBo Kim\n"), "--tag", "Trade-Fair-2026", "--tag", "lead")
    assert {n: r["tags"] for n, r in people(crm).items()} == {
        "Ann Lee": ["lead", "trade-fair-2026"],
        "Bo Kim": ["lead", "trade-fair-2026"],
    }


def test_contacts_are_linked_to_existing_or_new_companies(crm, tmp_path) -> None:
    crm.ok("company", "add", "Acme")
    text = "Name,Company\nAnn Lee,ACME\nBo Kim,Globex\nCy Ng,globex\n"
    imported(crm, put(tmp_path, "c.csv", text))
    found = people(crm)
    assert (found["Ann Lee"]["company_id"], found["Bo Kim"]["company"]) == (1, "Globex")
    assert found["Bo Kim"]["company_id"] == found["Cy Ng"]["company_id"]
    assert [c["name"] for c in crm.ok("company", "list", "-f", "json").json()] == ["Acme", "Globex"]
    hits = crm.ok("search", "globex", "-f", "json").json()
    assert {h["kind"] for h in hits} >= {"company", "contact"}


# ---------------------------------------------------------------------------
# Batches and undo
# ---------------------------------------------------------------------------


def test_import_list_shows_batches(crm, tmp_path) -> None:
    imported(crm, put(tmp_path, "one.csv", "Name,Email\nAnn Lee,ann@example.com\n"))
    imported(crm, put(tmp_path, "two.csv", "Name,Email\nAnn Lee,ann@example.com\nBo Kim,bo@example.com\n"))
    rows = crm.ok("import", "list", "-f", "json").json()
    assert [(r["id"], r["source"], r["created"], r["skipped"], r["user"]) for r in rows] == [
        (2, "two.csv", 1, 1, "tester"),
        (1, "one.csv", 1, 0, "tester"),
    ]
    assert "one.csv" in crm.ok("import", "list").stdout


def test_undo_removes_created_and_restores_updated(crm, db_url, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--tag", "vip", "--title", "CTO")
    before = counts(db_url)
    text = (
        "Name,Email,Title,Company,Tags\n"
        "Ann Lee,ann@example.com; ann@work.example,CEO,Acme,board\n"
        "Bo Kim,bo@example.com,,Globex,new-tag\n"
    )
    out = imported(crm, put(tmp_path, "u.csv", text), "--on-duplicate", "update")
    assert (out["created"], out["updated"]) == (1, 1)
    assert crm("import", "undo", str(out["batch_id"])).exit_code == 2  # not a terminal: needs --yes
    undone = crm.ok("import", "undo", str(out["batch_id"]), "--yes", "-f", "json").json()
    assert (undone["removed"], undone["restored"]) == (3, 1)  # Bo, Acme, Globex removed; Ann restored
    ann = people(crm)["Ann Lee"]
    assert (ann["title"], ann["company"], ann["tags"]) == ("CTO", None, ["vip"])
    assert emails(ann) == [(None, "ann@example.com")]
    after = counts(db_url)
    for table in ("contact", "contact_email", "contact_tag", "company", "tag"):
        assert after[table] == before[table], table
    assert crm.ok("contact", "list", "ceo", "-f", "json").json() == []  # the index was restored too
    again = crm("import", "undo", str(out["batch_id"]), "--yes")
    assert again.exit_code == 2 and "undone already" in again.stderr
    assert crm.ok("import", "list", "-f", "json").json()[0]["undone_at"] is not None


def test_a_bulk_import_records_its_new_records_as_id_ranges_that_undo_takes_back(crm, db_url, tmp_path) -> None:
    from termcrm.services.importer import _created_items

    assert [(i["entity_id"], i["action"], i["before"]) for i in _created_items(7, "contact", [3, 4, 5, 9, 11, 12])] == [
        (3, "created_range", '{"last_id": 5}'),
        (9, "created", None),
        (11, "created_range", '{"last_id": 12}'),
    ]
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    before = counts(db_url)
    text = "Name,Email,Company\n" + "".join(f"P{i} Q,p{i}@example.com,Co {i % 3}\n" for i in range(40))
    out = imported(crm, put(tmp_path, "many.csv", text))
    assert out["created"] == 40
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            items = conn.exec_driver_sql(
                "SELECT entity, entity_id, action, before FROM import_item WHERE entity IN ('contact', 'company') "
                "ORDER BY entity, entity_id"
            ).all()
    finally:
        engine.dispose()
    assert [tuple(i) for i in items] == [
        ("company", 1, "created_range", '{"last_id": 3}'),
        ("contact", 2, "created_range", '{"last_id": 41}'),
    ]
    undone = crm.ok("import", "undo", str(out["batch_id"]), "--yes", "-f", "json").json()
    assert undone["removed"] == 43
    after = counts(db_url)
    for table in ("contact", "contact_email", "company"):
        assert after[table] == before[table], table
    assert list(people(crm)) == ["Ann Lee"]


def test_undo_takes_back_batches_recorded_one_item_per_record(crm, db_url, tmp_path) -> None:
    """Batches written before items became id ranges keep one ``created`` item per record."""
    out = imported(crm, put(tmp_path, "a.csv", "Name,Email\nAnn Lee,ann@example.com\nBo Kim,bo@example.com\n"))
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM import_item WHERE action = 'created_range'")
            for cid in (1, 2):
                conn.exec_driver_sql(
                    "INSERT INTO import_item (batch_id, entity, entity_id, action) "
                    f"VALUES ({out['batch_id']}, 'contact', {cid}, 'created')"
                )
    finally:
        engine.dispose()
    undone = crm.ok("import", "undo", str(out["batch_id"]), "--yes", "-f", "json").json()
    assert undone["removed"] == 2
    assert people(crm) == {}


def test_undo_refuses_when_an_imported_contact_changed_since(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "a.csv", "Name,Email\nAnn Lee,ann@example.com\n"))
    crm.ok("contact", "edit", "Ann Lee", "--title", "CTO")
    result = crm("import", "undo", str(out["batch_id"]), "--yes")
    assert result.exit_code == 4
    assert "contact #1 was changed since the import; nothing was reverted" in result.stderr
    assert "Ann Lee" in people(crm)


def test_undo_refuses_when_an_imported_contact_got_an_interaction(crm, tmp_path) -> None:
    out = imported(crm, put(tmp_path, "a.csv", "Name,Email\nAnn Lee,ann@example.com\n"))
    crm.ok("log", "ann@example.com", "call", "Intro call")
    result = crm("import", "undo", str(out["batch_id"]), "--yes")
    assert result.exit_code == 4
    assert "contact #1 was changed since the import" in result.stderr


def test_unknown_batch_exits_3(crm) -> None:
    assert crm("import", "undo", "99", "--yes").exit_code == 3


# ---------------------------------------------------------------------------
# Companies
# ---------------------------------------------------------------------------


def test_companies_import_dedupes_by_name_and_updates(crm, tmp_path) -> None:
    crm.ok("company", "add", "Acme", "--industry", "retail")
    text = "Company Name,Domain,Industry,Tags\nACME,acme.example,software,partner\nGlobex,https://www.globex.example/about,,\n"
    out = imported(crm, put(tmp_path, "co.csv", text), "--type", "companies", "--on-duplicate", "update")
    assert (out["created"], out["updated"]) == (1, 1)
    rows = {r["name"]: r for r in crm.ok("company", "list", "-f", "json").json()}
    assert (rows["Acme"]["industry"], rows["Acme"]["domain"], rows["Acme"]["tags"]) == (
        "software",
        "acme.example",
        ["partner"],
    )
    assert rows["Globex"]["domain"] == "globex.example"
    crm.ok("import", "undo", str(out["batch_id"]), "--yes")
    rows = {r["name"]: r for r in crm.ok("company", "list", "-f", "json").json()}
    assert list(rows) == ["Acme"]
    assert (rows["Acme"]["industry"], rows["Acme"]["domain"], rows["Acme"]["tags"]) == ("retail", None, [])


def test_companies_with_the_same_name_cannot_both_be_created(crm, db_url, tmp_path) -> None:
    crm.ok("company", "add", "Acme")
    before = counts(db_url)
    text = "name,industry\nAcme,x\nGlobex,y\nglobex,z\n"
    result = crm("import", "csv", put(tmp_path, "co.csv", text), "--type", "companies", "--on-duplicate", "create")
    assert result.exit_code == 5
    assert "line 2, column \"name\": a company named 'Acme' exists already (#1)" in result.stderr
    assert "line 4, column \"name\": the company 'globex' is on line 3 too" in result.stderr
    assert counts(db_url) == before


# ---------------------------------------------------------------------------
# Deals, interactions, follow-ups, campaign responses
# ---------------------------------------------------------------------------


def test_deals_import_checks_stages_references_and_amounts(crm, db_url, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme")
    before = counts(db_url)
    text = (
        "Deal Name,Contact,Stage,Amount,Currency,Close Date,Owner\n"
        'Big one,ann@example.com,Proposal,"12,500.50",EUR,2026-12-31,tester\n'
        "Ghost,nobody@example.com,Qualified,100,,,\n"
        "Odd stage,Ann Lee,Negotiating hard,100,,,\n"
        "Bad money,Ann Lee,,12.5.1,,,\n"
        "Who owns,Ann Lee,,1,,,nobody-here\n"
    )
    result = crm("import", "csv", put(tmp_path, "deals.csv", text), "--type", "deals")
    assert result.exit_code == 5
    err = result.stderr
    assert "line 3, column \"Contact\": no contact matches 'nobody@example.com'" in err
    assert "line 4, column \"Stage\": pipeline sales has no stage 'Negotiating hard'" in err
    assert "line 5, column \"Amount\": cannot read amount '12.5.1'" in err
    assert "line 6, column \"Owner\": no user named 'nobody-here'" in err
    assert counts(db_url) == before
    out = imported(crm, put(tmp_path, "deals.csv", text), "--type", "deals", "--skip-invalid")
    assert out["created"] == 1
    deal = crm.ok("deal", "list", "-f", "json").json()[0]
    assert (deal["title"], deal["stage"], deal["amount"], deal["currency"]) == ("Big one", "Proposal", 12500.5, "EUR")
    assert (deal["contact"], deal["company"], deal["expected_close"]) == ("Ann Lee", "Acme", "2026-12-31")
    crm.ok("import", "undo", str(out["batch_id"]), "--yes")
    assert crm.ok("deal", "list", "-f", "json").json() == []


def test_deal_import_is_undone_by_crm_undo_too(crm, tmp_path) -> None:
    crm.ok("company", "add", "Acme")
    imported(crm, put(tmp_path, "d.csv", "title,company,amount\nRenewal,Acme,500\n"), "--type", "deals")
    assert len(crm.ok("deal", "list", "-f", "json").json()) == 1
    crm.ok("undo")
    assert crm.ok("deal", "list", "-f", "json").json() == []


def test_interactions_import(crm, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    text = (
        "Date,Type,Subject,Notes,Contact,Direction\n"
        '2026-03-01 14:30,call,Intro call,"Talked about\npricing",ann@example.com,outbound\n'
        "2026-03-02,meeting,Demo,,ann@example.com,\n"
        "2026-03-03,dance,Party,,ann@example.com,\n"
    )
    result = crm("import", "csv", put(tmp_path, "i.csv", text), "--type", "interactions")
    assert result.exit_code == 5
    assert "line 5, column \"Type\": kind 'dance' is not one of" in result.stderr
    out = imported(crm, put(tmp_path, "i.csv", text), "--type", "interactions", "--skip-invalid")
    assert out["created"] == 2
    rows = crm.ok("activity", "list", "-f", "json").json()
    assert [(r["kind"], r["summary"], r["occurred_at"], r["direction"]) for r in rows] == [
        ("meeting", "Demo", "2026-03-02T00:00:00+00:00", None),
        ("call", "Intro call", "2026-03-01T14:30:00+00:00", "out"),
    ]
    assert rows[1]["body"] == "Talked about\npricing"
    assert people(crm)["Ann Lee"]["last_contacted_at"] == "2026-03-02T00:00:00+00:00"
    crm.ok("import", "undo", str(out["batch_id"]), "--yes")
    assert crm.ok("activity", "list", "-f", "json").json() == []
    assert people(crm)["Ann Lee"]["last_contacted_at"] is None


def test_followups_import(crm, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    text = (
        "Task,Due Date,Contact,Priority,Assignee\n"
        "Send proposal,2026-12-01,ann@example.com,High,tester\n"
        "Call back,2026-12-02 09:30,Ann Lee,,\n"
        "No date,,Ann Lee,,\n"
    )
    result = crm("import", "csv", put(tmp_path, "f.csv", text), "--type", "followups")
    assert result.exit_code == 5
    assert 'line 4, column "Due Date": a follow-up needs a due date' in result.stderr
    out = imported(crm, put(tmp_path, "f.csv", text), "--type", "followups", "--skip-invalid")
    assert out["created"] == 2
    rows = crm.ok("followup", "list", "--all", "-f", "json").json()
    assert [(r["title"], r["due"], r["priority"], r["contact"]) for r in rows] == [
        ("Send proposal", "2026-12-01", "high", "Ann Lee"),
        ("Call back", "2026-12-02T09:30:00+00:00", "normal", "Ann Lee"),
    ]


def test_tag_option_is_refused_for_deals(crm, tmp_path) -> None:
    result = crm("import", "csv", put(tmp_path, "d.csv", "title\nX\n"), "--type", "deals", "--tag", "x")
    assert result.exit_code == 2
    assert "deals have no tags" in result.stderr


def test_campaign_responses_import(crm, tmp_path) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    crm.ok("contact", "add", "Bo Kim", "--email", "bo@example.com")
    crm.ok("campaign", "add", "Spring", "--channel", "email")
    crm.ok("campaign", "add-members", "Spring", "ann@example.com")
    text = "Email,Status,Date\nann@example.com,clicked,2026-03-05\nstranger@example.com,opened,2026-03-05\n"
    path = put(tmp_path, "r.csv", text)
    strict = crm("import", "csv", path, "--type", "campaign-responses", "--campaign", "Spring")
    assert strict.exit_code == 5
    assert "unknown emails: stranger@example.com" in strict.stderr
    out = imported(crm, path, "--type", "campaign-responses", "--campaign", "Spring", "--skip-invalid")
    assert (out["updated"], out["skipped"]) == (1, 1)
    members = crm.ok("campaign", "members", "Spring", "-f", "json").json()
    assert [(m["email"], m["status"]) for m in members] == [("ann@example.com", "responded")]
    crm.ok("import", "undo", str(out["batch_id"]), "--yes")
    members = crm.ok("campaign", "members", "Spring", "-f", "json").json()
    assert [(m["email"], m["status"]) for m in members] == [("ann@example.com", "targeted")]
