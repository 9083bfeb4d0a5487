"""Round trips: CSV export -> import, vCard 3.0 and 4.0 export -> import, and JSON dump -> restore -> dump.

Each exports from the test database and imports into a second, empty database of the same engine,
then compares what comes out: export then import must lose nothing.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PG_URL, Crm, _pg_admin_url


@pytest.fixture
def other_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second freshly migrated, empty database on the same engine as ``db_url``."""
    if db_url.startswith("sqlite"):
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "other.db"
        shutil.copy(template, target)
        os.chmod(target, 0o600)
        yield f"sqlite:///{target}"
        return
    import sqlalchemy as sa

    template_name: str = request.getfixturevalue("_pg_template")
    name = f"crm_o_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    base, _, _ = (PG_URL or "").rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def other(other_url: str) -> Crm:
    """``crm`` against the second database."""
    return Crm(other_url)


TRICKY_NOTES = "=cmd|' /C calc'!A0\nsecond line, with \"quotes\"; and a semicolon"


def build_sample(crm: Crm) -> None:
    """Records with the values that break naive CSV: formulas, + phones, newlines, quotes, unicode."""
    crm.ok("company", "add", "Acme GmbH", "--domain", "acme.example", "--industry", "=SUM(A1)", "--tag", "partner")
    crm.ok("company", "add", "山田商事", "--city", "Tōkyō", "--field", "tier=gold")
    crm.ok(
        "contact", "add", "Ann Lee", "--email", "work=ann@acme.example", "--email", "ann@home.example",
        "--phone", "+1 555 0100", "--phone", "mobile=-5 555", "--company", "Acme GmbH", "--title", "@CTO",
        "--tag", "vip", "--tag", "board", "--stage", "customer", "--source", "referral", "--birthday", "1980-02-29",
        "--field", "shoe=+42", "--field", "motto='=quoted", "--note", TRICKY_NOTES, "--city", "Oslo",
        "--country", "Norway", "--website", "https://ann.example",
    )  # fmt: skip
    crm.ok("contact", "add", "Zoë Brontë", "--email", "zoe@example.org", "--company", "山田商事")
    crm.ok("contact", "add", "Madonna", "--phone", "+1 555 0199", "--note", "'+1 is quoted already")


def export(crm: Crm, kind: str, *extra: str) -> str:
    return crm.ok("export", "csv", "--type", kind, *extra).stdout


def without(text: str, *columns: str) -> list[list[str]]:
    """The CSV rows with the named columns left out (times that differ between databases)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    keep = [i for i, name in enumerate(rows[0]) if name not in columns]
    return [[row[i] for i in keep] for row in rows]


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def test_csv_export_neutralises_formulas_and_joins_lists(crm: Crm) -> None:
    build_sample(crm)
    rows = list(csv.DictReader(io.StringIO(export(crm, "contacts"), newline="")))
    ann = rows[0]
    assert list(ann)[:4] == ["id", "first_name", "last_name", "name"]
    assert ann["emails"] == "work: ann@acme.example; ann@home.example"
    assert ann["phones"] == "'+1 555 0100; mobile: -5 555"
    assert ann["title"] == "'@CTO"
    assert ann["notes"] == "'" + TRICKY_NOTES
    assert ann["field:shoe"] == "'+42"
    assert ann["field:motto"] == "''=quoted"  # already quoted: escaped once more so the import restores it exactly
    assert ann["tags"] == "board; vip"
    assert ann["birthday"] == "1980-02-29"
    assert rows[2]["notes"] == "''+1 is quoted already"
    raw = export(crm, "contacts", "--no-escape-formulas")
    assert list(csv.DictReader(io.StringIO(raw, newline="")))[0]["title"] == "@CTO"


def test_csv_export_filters_and_writes_a_file(crm: Crm, tmp_path: Path) -> None:
    build_sample(crm)
    target = tmp_path / "vip.csv"
    result = crm.ok("export", "csv", "+vip", "-o", str(target))
    assert f"exported 1 record (contacts) to {target}" in result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert [r["name"] for r in rows] == ["Ann Lee"]
    assert target.read_bytes().startswith(b"id,first_name")  # UTF-8, no BOM, header first
    assert crm("export", "csv", "shoe:1").exit_code == 2  # unknown filter field


@pytest.mark.parametrize("kind", ["csv", "vcard", "json", "ical"])
def test_an_output_file_that_cannot_be_written_is_one_error_line(crm: Crm, tmp_path: Path, kind: str) -> None:
    build_sample(crm)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    target = blocker / "out.txt"
    result = crm("export", kind, "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"error: cannot write {target}: Not a directory\n"
    assert blocker.read_text() == "not a directory"


def test_csv_round_trip_contacts_and_companies_loses_nothing(crm: Crm, other: Crm) -> None:
    build_sample(crm)
    companies = export(crm, "companies")
    contacts = export(crm, "contacts")
    assert other.ok("import", "csv", "-", "--type", "companies", "-f", "json", input=companies).json()["format"] == (
        "termcrm"
    )
    result = other.ok("import", "csv", "-", "-f", "json", input=contacts).json()
    assert (result["format"], result["created"], result["invalid"]) == ("termcrm", 3, [])
    stamps = ("created_at", "updated_at")
    assert without(export(other, "companies"), *stamps) == without(companies, *stamps)
    assert without(export(other, "contacts"), *stamps) == without(contacts, *stamps)
    ann = other.ok("contact", "show", "ann@acme.example", "-f", "json").json()
    assert ann["notes"] == TRICKY_NOTES
    assert [p["phone"] for p in ann["phones"]] == ["+1 555 0100", "-5 555"]
    assert ann["fields"] == {"motto": "'=quoted", "shoe": "+42"}


def test_csv_round_trip_deals_interactions_and_followups(crm: Crm, other: Crm) -> None:
    build_sample(crm)
    crm.ok("deal", "add", "Big =deal", "--contact", "ann@acme.example", "--amount", "12500.50", "--currency", "EUR",
           "--stage", "Proposal", "--close", "2026-12-31", "--probability", "35")  # fmt: skip
    crm.ok("deal", "add", "Small", "--company", "山田商事", "--amount", "100")
    crm.ok("log", "ann@acme.example", "call", "+1 called back", "--at", "2026-03-01 14:30", "--body", "a\nb",
           "--direction", "in", "--outcome", "reached", "--channel", "phone")  # fmt: skip
    crm.ok("followup", "add", "Send -proposal", "--due", "2026-12-01", "--contact", "ann@acme.example",
           "--priority", "high", "--notes", "@see notes")  # fmt: skip
    crm.ok("followup", "add", "Call", "--due", "2026-12-02 09:30", "--company", "Acme GmbH")
    exported = {kind: export(crm, kind) for kind in ("companies", "contacts", "deals", "interactions", "followups")}
    for kind, text in exported.items():
        out = other.ok("import", "csv", "-", "--type", kind, "-f", "json", input=text).json()
        assert out["invalid"] == [], kind
    stamps = ("created_at", "updated_at", "closed_at", "done_at")
    for kind, text in exported.items():
        assert without(export(other, kind), *stamps) == without(text, *stamps), kind


def test_reimporting_own_export_updates_instead_of_duplicating(crm: Crm) -> None:
    build_sample(crm)
    text = export(crm, "contacts")
    text = text.replace("Oslo", "Bergen")
    out = crm.ok("import", "csv", "-", "--match", "id", "--on-duplicate", "update", "-f", "json", input=text).json()
    assert (out["created"], out["updated"]) == (0, 3)
    assert crm.ok("contact", "show", "1", "-f", "json").json()["city"] == "Bergen"
    assert len(crm.ok("contact", "list", "-f", "json").json()) == 3


def test_campaign_members_export(crm: Crm) -> None:
    build_sample(crm)
    crm.ok("campaign", "add", "Spring", "--channel", "email")
    crm.ok("campaign", "add-members", "Spring", "ann@acme.example", "zoe@example.org")
    rows = list(csv.DictReader(io.StringIO(export(crm, "campaign-members", "--campaign", "Spring"), newline="")))
    assert [(r["email"], r["first_name"], r["status"]) for r in rows] == [
        ("ann@acme.example", "Ann", "targeted"),
        ("zoe@example.org", "Zoë", "targeted"),
    ]
    assert crm("export", "csv", "--type", "campaign-members").exit_code == 2  # needs --campaign


def test_tickets_export(crm: Crm) -> None:
    build_sample(crm)
    crm.ok("ticket", "open", "=Printer on fire", "--contact", "ann@acme.example")
    rows = list(csv.DictReader(io.StringIO(export(crm, "tickets"), newline="")))
    assert [(r["subject"], r["contact"], r["status"]) for r in rows] == [
        ("'=Printer on fire", "ann@acme.example", "new")
    ]


# ---------------------------------------------------------------------------
# vCard
# ---------------------------------------------------------------------------

KEYS = (
    "first_name", "last_name", "emails", "phones", "company", "title", "tags", "stage", "source", "birthday",
    "gender", "street", "city", "region", "postal_code", "country", "website", "notes", "fields",
)  # fmt: skip


def comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: row[k] for k in KEYS} for row in rows]


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vcard_round_trip(crm: Crm, other: Crm, version: str, tmp_path: Path) -> None:
    build_sample(crm)
    crm.ok("contact", "edit", "Ann Lee", "--field", "nickname=Annie")
    text = crm.ok("export", "vcard", "--version", version).stdout
    assert text.count("BEGIN:VCARD") == 3
    assert f"VERSION:{version}" in text
    assert "UID:termcrm-contact-1" in text
    path = tmp_path / "all.vcf"
    path.write_text(text, encoding="utf-8", newline="")
    out = other.ok("import", "vcard", str(path), "-f", "json").json()
    assert (out["format"], out["created"], out["invalid"]) == ("vcard", 3, [])
    mine = comparable(crm.ok("contact", "list", "--sort", "id", "-f", "json").json())
    theirs = comparable(other.ok("contact", "list", "--sort", "id", "-f", "json").json())
    assert theirs == mine
    # The UID was kept: importing the same cards again finds the same contacts.
    again = other.ok("import", "vcard", str(path), "-f", "json").json()
    assert (again["created"], again["skipped"]) == (0, 3)
    assert crm.ok("import", "vcard", str(path), "-f", "json").json()["created"] == 0


def test_vcard_directory_export_and_import(crm: Crm, other: Crm, tmp_path: Path) -> None:
    build_sample(crm)
    folder = tmp_path / "cards"
    crm.ok("export", "vcard", "--dir", str(folder), "+vip")
    assert sorted(p.name for p in folder.iterdir()) == ["termcrm-contact-1.vcf"]
    out = other.ok("import", "vcard", str(folder), "--tag", "from-phone", "-f", "json").json()
    assert out["created"] == 1
    ann = other.ok("contact", "show", "ann@acme.example", "-f", "json").json()
    assert ann["tags"] == ["board", "from-phone", "vip"]


def test_vcard_import_of_foreign_cards_keeps_uid_and_reports_bad_cards(crm: Crm, tmp_path: Path) -> None:
    from test_io_vcard import APPLE

    bad = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nobody\r\nEMAIL:not-an-address\r\nEND:VCARD\r\n"
    path = tmp_path / "mixed.vcf"
    path.write_text(APPLE.replace("\n", "\r\n") + bad, encoding="utf-8", newline="")
    result = crm("import", "vcard", str(path))
    assert result.exit_code == 5
    assert "EMAIL" in result.stderr and "not-an-address" in result.stderr
    out = crm.ok("import", "vcard", str(path), "--skip-invalid", "-f", "json").json()
    assert out["created"] == 1
    elodie = crm.ok("contact", "show", "elodie@example.fr", "-f", "json").json()
    assert elodie["external_id"] == "6B29FC40-CA47-1067-B31D-00DD010662DA"
    assert elodie["birthday"] == "1904-03-14"
    assert elodie["tags"] == ["clients", "vip"]
    exported = crm.ok("export", "vcard").stdout
    assert "UID:6B29FC40-CA47-1067-B31D-00DD010662DA" in exported
    assert crm.ok("import", "vcard", "-", "-f", "json", input=exported).json()["skipped"] == 1


def test_vcard_21_quoted_printable_and_utf16_files_import(crm: Crm, tmp_path: Path) -> None:
    from test_io_vcard import VCARD_21

    old = tmp_path / "nokia.vcf"
    old.write_bytes(VCARD_21)
    utf16 = tmp_path / "outlook.vcf"
    utf16.write_bytes(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Åström;Renée\r\nEMAIL;TYPE=WORK:renee@example.se\r\nEND:VCARD\r\n".encode(
            "utf-16"
        )
    )
    assert crm.ok("import", "vcard", str(old), "-f", "json").json()["created"] == 2
    assert crm.ok("import", "vcard", str(utf16), "-f", "json").json()["created"] == 1
    found = {r["name"]: r for r in crm.ok("contact", "list", "-f", "json").json()}
    juergen = found["Jürgen Müller"]
    assert (juergen["company"], juergen["title"]) == ("Müller & Söhne GmbH", "Einkaufsleiter")
    assert [(p["label"], p["phone"]) for p in juergen["phones"]] == [
        ("work", "+49 711 123456"),
        ("mobile", "+49 170 1234567"),
        ("fax", "+49 711 123457"),
    ]
    assert juergen["notes"].startswith("Rückruf am Montag.")
    assert found["Renée Åström"]["emails"][0]["label"] == "work"


def test_vcard_export_rejects_unknown_version_and_both_targets(crm: Crm, tmp_path: Path) -> None:
    assert crm("export", "vcard", "--version", "2.1").exit_code == 2
    assert crm("export", "vcard", "-o", str(tmp_path / "a.vcf"), "--dir", str(tmp_path)).exit_code == 2


# ---------------------------------------------------------------------------
# JSON dump
# ---------------------------------------------------------------------------


def test_json_dump_restore_dump_is_byte_identical(crm: Crm, other: Crm, tmp_path: Path) -> None:
    build_sample(crm)
    crm.ok("deal", "add", "Big", "--contact", "ann@acme.example", "--amount", "12500.50")
    crm.ok("deal", "move", "Big", "Proposal")
    crm.ok("followup", "add", "Send proposal", "--due", "2026-12-01", "--contact", "ann@acme.example")
    crm.ok("import", "csv", "-", input="Name,Email\nImported Person,ip@example.com\n")
    crm.ok("contact", "rm", "Madonna", "--yes")
    crm.ok("undo")
    first = tmp_path / "one.json"
    crm.ok("export", "json", "-o", str(first))
    restored = other.ok("import", "json", str(first), "-f", "json").json()
    assert restored["rows"] > 0 and restored["search_documents"] > 0
    second = other.ok("export", "json").stdout.encode("utf-8")
    assert second == first.read_bytes()
    # History and search came back, and new records get fresh ids.
    assert other.ok("history", "-f", "json").json() == crm.ok("history", "-f", "json").json()
    assert [h["id"] for h in other.ok("search", "imported", "-f", "json").json()] == [4]
    assert other.ok("contact", "add", "New One", "-f", "ids").stdout.strip() == "5"


def test_json_dump_is_sorted_one_row_per_line(crm: Crm) -> None:
    build_sample(crm)
    text = crm.ok("export", "json").stdout
    import json

    doc = json.loads(text)
    assert (doc["format"], doc["format_version"]) == ("termcrm-dump", 1)
    assert list(doc["tables"]) == sorted(doc["tables"])
    assert "alembic_version" not in doc["tables"] and "search_fts" not in doc["tables"]
    lines = [line for line in text.splitlines() if line.startswith('   {"')]
    assert any('"display_name": "Ann Lee"' in line for line in lines)
    assert [r["id"] for r in doc["tables"]["contact"]] == [1, 2, 3]
    assert list(doc["tables"]["contact"][0]) == sorted(doc["tables"]["contact"][0])


def test_json_restore_refuses_a_database_that_is_not_empty(crm: Crm, other: Crm, tmp_path: Path) -> None:
    build_sample(crm)
    dump = tmp_path / "d.json"
    crm.ok("export", "json", "-o", str(dump))
    other.ok("contact", "add", "Somebody")
    result = other("import", "json", str(dump))
    assert result.exit_code == 4
    assert "the database is not empty" in result.stderr
    assert [r["name"] for r in other.ok("contact", "list", "-f", "json").json()] == ["Somebody"]


def test_json_restore_rejects_files_that_are_not_dumps(crm: Crm, tmp_path: Path) -> None:
    for content, message in (
        ("not json", "invalid JSON"),
        ('{"hello": 1}', "not a termcrm dump"),
        ('{"format": "termcrm-dump", "format_version": 1, "schema_revision": "0001", "tables": {}}', "schema revision"),
    ):
        path = tmp_path / "x.json"
        path.write_text(content, encoding="utf-8")
        result = crm("import", "json", str(path))
        assert result.exit_code == 5, content
        assert message in result.stderr
