"""The report tables stay current on every write path, on both engines.

The report tables are kept by database triggers (migrations
0006_report_tables and 0007_report_scopes). Each test writes through one
path (the services through the CLI, the Core importers and their undo,
``crm undo``, a JSON restore, the demo builder, the migration's backfill, raw
Core statements touching many rows at once) and then compares the tables with
what :mod:`report_tables_support` works out from the records.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from report_tables_support import assert_current
from test_exchange_roundtrip import other_url  # noqa: F401 - the second database fixture
from test_reports_builders import World, ago


def _tables() -> tuple[Any, Any, Any]:
    from termcrm.models import Contact, Deal, Interaction

    return Contact.__table__, Deal.__table__, Interaction.__table__  # type: ignore[attr-defined]


def test_triggers_exist_at_the_head_revision(db: Any) -> None:
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            found = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            expected = {
                "report_deal_insert",
                "report_deal_update",
                "report_deal_delete",
                "report_open_insert",
                "report_open_update",
                "report_open_delete",
                "report_close_insert",
                "report_close_update",
                "report_close_delete",
                "report_lost_insert",
                "report_lost_update",
                "report_lost_delete",
                "report_history_insert",
                "report_history_update",
                "report_history_delete",
                "report_interaction_insert",
                "report_interaction_update",
                "report_interaction_delete",
                "report_contact_company",
                "report_event_insert",
                "report_event_delete",
                "report_scope_insert",
                "report_scope_delete",
            }
        else:
            found = {
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND left(tgname, 7) = 'report_'"
                )
            }
            expected = {
                "report_event_insert",
                "report_event_delete",
                "report_deal_insert_delete",
                "report_deal_update",
                "report_open_insert_delete",
                "report_open_update",
                "report_close_insert_delete",
                "report_close_update",
                "report_lost_insert_delete",
                "report_lost_update",
                "report_history_insert_delete",
                "report_history_update",
                "report_interaction_insert_delete",
                "report_interaction_update",
                "report_contact_company",
                "report_scope_insert",
                "report_scope_delete",
            }
        conn.rollback()
    assert found == expected


def test_hand_built_records_fill_the_tables(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        acme = w.company("Acme")
        ann = w.contact("Ann", company=acme)
        solo = w.contact("Solo")
        w.interaction(ago(400), contact=ann)  # before Acme's first purchase: never counts
        w.deal("d1", "Won", 1000, contact=ann, closed=ago(300))
        w.deal("d2", "Won", 2000, company=acme, closed=ago(300))  # same time as d1
        w.deal("d3", "Won", 500, contact=ann, currency="EUR", closed=ago(10))
        for days in range(1, 7):
            w.deal(f"s{days}", "Won", days, contact=solo, closed=ago(days * 20))
        w.deal("open", "Proposal", 9, contact=solo)
        w.deal("lost", "Lost", 9, contact=solo, closed=ago(2))
        w.deal("gone", "Won", 9, contact=solo, closed=ago(3), archived=True)
        w.deal("nobody", "Won", 9, closed=ago(3))
        w.interaction(ago(5), contact=ann)
        w.interaction(ago(5), company=acme)
    assert_current(db)


def test_random_core_writes_keep_the_tables_current(db: Any) -> None:
    """Many-row Core statements in a random order: inserts, updates of every watched column,
    contacts changing company, hard deletes of contacts and companies (foreign keys set NULL)."""
    contact_t, deal_t, talk_t = _tables()
    from termcrm.models import Company

    company_t = Company.__table__  # type: ignore[attr-defined]
    rng = random.Random(6)
    base = datetime(2026, 1, 1, tzinfo=UTC)

    def when() -> datetime:
        # few distinct times, so that ties between events happen
        return base + timedelta(days=rng.randint(0, 12), microseconds=rng.choice((0, 0, 7)))

    from termcrm.models import DealStageChange, Pipeline, User

    user_t = User.__table__  # type: ignore[attr-defined]
    change_t = DealStageChange.__table__  # type: ignore[attr-defined]
    with db.write("setup") as s:
        conn = s.connection()
        for uid in (98, 99):
            name = f"owner{uid}"
            conn.execute(sa.insert(user_t).values(id=uid, name=name, name_key=name, active=True, created_at=base))
        # a second pipeline, so that purchases fall into several owner and pipeline scopes
        conn.execute(
            sa.insert(Pipeline.__table__).values(  # type: ignore[attr-defined]
                id=7, name="Renewals", name_key="renewals", position=1, created_at=base, version=1
            )
        )
        for i in range(1, 5):
            conn.execute(
                sa.insert(company_t).values(
                    id=i, name=f"Co {i}", name_key=f"co {i}", created_at=base, updated_at=base, version=1
                )
            )
        for i in range(1, 9):
            company = rng.choice((None, 1, 2, 3, 4))
            conn.execute(
                sa.insert(contact_t).values(
                    id=i,
                    first_name=f"P{i}",
                    display_name=f"P{i}",
                    company_id=company,
                    created_at=base,
                    updated_at=base,
                    version=1,
                )
            )
    assert_current(db)
    deal_ids: list[int] = []
    talk_ids: list[int] = []
    next_contact = 9
    for step in range(60):
        with db.write(f"step {step}") as s:
            conn = s.connection()
            op = rng.choice(("deal", "deal", "talk", "talk", "update", "update", "move", "delete", "bulk", "history"))
            contacts = [r[0] for r in conn.execute(sa.select(contact_t.c.id))]
            companies = [r[0] for r in conn.execute(sa.select(company_t.c.id))]
            if op == "deal":
                rows = []
                for _ in range(rng.randint(1, 4)):
                    status = rng.choice(("won", "won", "lost", "open"))
                    rows.append(
                        {
                            "title": "d",
                            "pipeline_id": rng.choice((1, 1, 7)),
                            "status": status,
                            "amount": rng.randint(1, 9) * 100,
                            "currency": rng.choice(("USD", "EUR")),
                            "contact_id": rng.choice([None, *contacts]),
                            "company_id": rng.choice([None, None, *companies]),
                            "closed_at": when() if status != "open" else None,
                            "archived_at": when() if rng.random() < 0.1 else None,
                            "stage_id": rng.choice((1, 2, 3)),
                            "probability": rng.randint(0, 100),
                            "owner_id": rng.choice((None, 98, 99, 99)),
                            "stage_entered_at": when(),
                            "expected_close": rng.choice((None, when().date())),
                            "created_at": base,
                            "updated_at": base,
                            "version": 1,
                        }
                    )
                conn.execute(sa.insert(deal_t), rows)
            elif op == "talk":
                rows = [
                    {
                        "kind": "call",
                        "summary": "x",
                        "occurred_at": when(),
                        "contact_id": rng.choice([None, *contacts]),
                        "company_id": rng.choice([None, None, *companies]),
                        "created_at": base,
                        "version": 1,
                    }
                    for _ in range(rng.randint(1, 4))
                ]
                conn.execute(sa.insert(talk_t), rows)
            elif op == "update":
                deal_ids = [r[0] for r in conn.execute(sa.select(deal_t.c.id))]
                talk_ids = [r[0] for r in conn.execute(sa.select(talk_t.c.id))]
                if deal_ids:
                    some = rng.sample(deal_ids, min(len(deal_ids), rng.randint(1, 3)))
                    change = rng.choice(
                        (
                            {"status": "won", "closed_at": when()},
                            {"status": "lost"},
                            {"status": "open", "closed_at": None},
                            {"closed_at": when()},
                            {"amount": rng.randint(1, 9)},
                            {"currency": rng.choice(("USD", "EUR"))},
                            {"archived_at": when()},
                            {"archived_at": None},
                            {"contact_id": rng.choice([None, *contacts])},
                            {"company_id": rng.choice([None, *companies])},
                            {"owner_id": None},
                            {"owner_id": rng.choice((98, 99))},
                            {"title": "renamed"},
                            {"stage_id": rng.choice((1, 2, 3)), "probability": rng.randint(0, 100)},
                            {"stage_entered_at": when()},
                            {"expected_close": rng.choice((None, when().date()))},
                            {"pipeline_id": rng.choice((1, 7))},
                        )
                    )
                    conn.execute(sa.update(deal_t).where(deal_t.c.id.in_(some)).values(**change))
                if talk_ids:
                    some = rng.sample(talk_ids, min(len(talk_ids), rng.randint(1, 3)))
                    change = rng.choice(
                        (
                            {"occurred_at": when()},
                            {"archived_at": when()},
                            {"archived_at": None},
                            {"contact_id": rng.choice([None, *contacts])},
                            {"company_id": rng.choice([None, *companies])},
                            {"summary": "y"},
                        )
                    )
                    conn.execute(sa.update(talk_t).where(talk_t.c.id.in_(some)).values(**change))
            elif op == "move":
                some = rng.sample(contacts, min(len(contacts), rng.randint(1, 3)))
                conn.execute(
                    sa.update(contact_t)
                    .where(contact_t.c.id.in_(some))
                    .values(company_id=rng.choice([None, *companies]))
                )
            elif op == "delete":
                target = rng.choice(("deal", "talk", "contact", "company"))
                if target == "deal":
                    ids = [r[0] for r in conn.execute(sa.select(deal_t.c.id))]
                    conn.execute(sa.delete(deal_t).where(deal_t.c.id.in_(rng.sample(ids, min(len(ids), 2)))))
                elif target == "talk":
                    ids = [r[0] for r in conn.execute(sa.select(talk_t.c.id))]
                    conn.execute(sa.delete(talk_t).where(talk_t.c.id.in_(rng.sample(ids, min(len(ids), 2)))))
                elif target == "contact" and len(contacts) > 3:
                    conn.execute(sa.delete(contact_t).where(contact_t.c.id == rng.choice(contacts)))
                elif target == "company" and len(companies) > 2:
                    conn.execute(sa.delete(company_t).where(company_t.c.id == rng.choice(companies)))
            elif op == "history":
                # stage changes added, moved to another stage or deal, removed
                ids = [r[0] for r in conn.execute(sa.select(deal_t.c.id))]
                changes = [r[0] for r in conn.execute(sa.select(change_t.c.id))]
                what = rng.choice(("add", "add", "edit", "remove"))
                if what == "add" and ids:
                    conn.execute(
                        sa.insert(change_t),
                        [
                            {"deal_id": rng.choice(ids), "to_stage_id": rng.choice((1, 2, 3, 4, 5, 6)), "at": when()}
                            for _ in range(rng.randint(1, 4))
                        ],
                    )
                elif what == "edit" and changes and ids:
                    some = rng.sample(changes, min(len(changes), 2))
                    conn.execute(
                        sa.update(change_t)
                        .where(change_t.c.id.in_(some))
                        .values(to_stage_id=rng.choice((1, 2, 3, 4)), deal_id=rng.choice(ids))
                    )
                elif changes:
                    conn.execute(
                        sa.delete(change_t).where(change_t.c.id.in_(rng.sample(changes, min(len(changes), 2))))
                    )
            else:
                # a new contact, then every deal of the database moved onto it in one statement
                conn.execute(
                    sa.insert(contact_t).values(
                        id=next_contact,
                        first_name="N",
                        display_name=f"N{next_contact}",
                        company_id=rng.choice([None, *companies]),
                        created_at=base,
                        updated_at=base,
                        version=1,
                    )
                )
                conn.execute(sa.update(deal_t).values(contact_id=next_contact, company_id=None))
                next_contact += 1
        assert_current(db)


def test_service_writes_through_the_cli_keep_the_tables_current(db: Any, crm: Any) -> None:
    crm.ok("company", "add", "Acme")
    crm.ok("company", "add", "Globex")
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    crm.ok("contact", "add", "Bob Kim")
    crm.ok("contact", "add", "Cy Ng")
    crm.ok("deal", "add", "One", "--contact", "Ann Lee", "--amount", "100")
    crm.ok("deal", "add", "Two", "--contact", "Bob Kim", "--amount", "200")
    crm.ok("deal", "add", "Three", "--company", "Globex", "--amount", "300")
    crm.ok("log", "Bob Kim", "call", "Intro", "--at", "2026-01-05 10:00")
    crm.ok("log", "Acme", "meeting", "Review", "--company-ref", "--at", "2026-01-06 10:00")
    assert_current(db)
    steps = [
        ("deal", "won", "1"),
        ("deal", "won", "2"),
        ("deal", "move", "3", "won"),
        ("log", "Bob Kim", "call", "After", "--at", "2026-01-07 10:00"),
        ("deal", "edit", "2", "--amount", "250"),
        ("deal", "lost", "1", "--reason", "price"),
        ("deal", "reopen", "1"),
        ("deal", "won", "1"),
        ("deal", "rm", "2", "--yes"),
        ("deal", "restore", "2"),
        ("contact", "edit", "Bob Kim", "--company", "Globex"),
        ("contact", "edit", "Bob Kim", "--company", ""),
        ("contact", "merge", "Ann Lee", "Bob Kim", "--yes"),
        ("contact", "rm", "Cy Ng", "--yes"),
        ("company", "rm", "Globex", "--yes"),
        ("company", "restore", "Globex"),
    ]
    for args in steps:
        crm.ok(*args)
        assert_current(db)
    # and every step taken back, newest first
    for _ in steps:
        result = crm("undo", "--yes")
        if result.exit_code != 0:
            break
        assert_current(db)


def test_csv_and_vcard_imports_and_their_undo_keep_the_tables_current(db: Any, crm: Any) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    crm.ok("deal", "add", "Ann deal", "--contact", "Ann Lee", "--amount", "100")
    crm.ok("deal", "won", "1")
    crm.ok("log", "Ann Lee", "call", "Hello", "--at", "2026-02-01 09:00")
    assert_current(db)
    # an import that moves Ann to a company: her purchase and interaction go with her
    out = crm.ok(
        "import",
        "csv",
        "-",
        "--on-duplicate",
        "update",
        "-f",
        "json",
        input="Name,Email,Company\nAnn Lee,ann@example.com,Initech\nDee Park,dee@example.com,Initech\n",
    ).json()
    assert_current(db)
    crm.ok("import", "undo", str(out["batch_id"]), "--yes")
    assert_current(db)
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Eve Stone\nORG:Hooli\nEMAIL:eve@example.com\nEND:VCARD\n"
    crm.ok("import", "vcard", "-", input=card)
    crm.ok("deal", "add", "Eve deal", "--contact", "Eve Stone", "--amount", "50")
    crm.ok("deal", "won", "Eve deal")
    assert_current(db)


def test_json_restore_fills_the_tables_and_dumps_stay_identical(
    db: Any, crm: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from conftest import Crm
    from termcrm.config import load_settings
    from termcrm.db import open_database

    crm.ok("company", "add", "Acme")
    crm.ok("contact", "add", "Ann Lee", "--company", "Acme")
    crm.ok("contact", "add", "Bob Kim")
    crm.ok("deal", "add", "One", "--contact", "Ann Lee", "--amount", "100")
    crm.ok("deal", "add", "Two", "--contact", "Bob Kim", "--amount", "200", "--currency", "EUR")
    crm.ok("deal", "won", "1")
    crm.ok("deal", "won", "2")
    crm.ok("log", "Bob Kim", "call", "Intro", "--at", "2026-01-05 10:00")
    first = tmp_path / "one.json"
    crm.ok("export", "json", "-o", str(first))
    assert '"report_' not in first.read_text(encoding="utf-8")
    second_url = request.getfixturevalue("other_url")
    other = Crm(second_url)
    other.ok("import", "json", str(first))
    assert other.ok("export", "json").stdout.encode("utf-8") == first.read_bytes()
    restored = open_database(load_settings(second_url, "tester"))
    try:
        assert_current(restored)
        with db.engine.connect() as a, restored.engine.connect() as b:
            from report_tables_support import actual

            assert actual(a) == actual(b)
            a.rollback()
            b.rollback()
    finally:
        restored.dispose()


def test_demo_builds_current_tables(tmp_path: Path) -> None:
    from termcrm.config import Settings
    from termcrm.db import open_database
    from termcrm.demo import build

    path = tmp_path / "demo.db"
    build(str(path), contacts=200, seed=3)
    db = open_database(Settings(db_url=f"sqlite:///{path}", user="ann"))
    try:
        assert_current(db)
    finally:
        db.dispose()


def test_migration_backfills_a_database_with_records(db: Any) -> None:
    from alembic import command

    from termcrm import migrations

    with db.write("data") as s:
        w = World(s)
        acme = w.company("Acme")
        ann = w.contact("Ann", company=acme)
        bob = w.contact("Bob")
        w.interaction(ago(50), contact=bob)
        w.deal("a", "Won", 100, contact=ann, closed=ago(40))
        w.deal("b", "Won", 200, contact=bob, closed=ago(30))
        w.deal("c", "Won", 300, contact=bob, closed=ago(20), currency="EUR")
        w.interaction(ago(10), contact=bob)
        w.interaction(ago(10), contact=ann)
    with db.engine.begin() as conn:
        cfg = migrations._alembic_config(conn)  # noqa: SLF001 - the same configuration termcrm migrates with
        command.downgrade(cfg, "0005_report_keys")
        assert not sa.inspect(conn).has_table("report_event")
        command.upgrade(cfg, "head")
    assert_current(db)
    with db.write("more") as s:
        w = World(s)
        w.deal("d", "Won", 400, contact=2, closed=ago(5))
    assert_current(db)
