"""The demo's service desk: every status, breaches, ratings, threads and a dozen articles, deterministically."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _tickets(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    from sqlmodel import select

    from termcrm.config import Settings, normalize_db
    from termcrm.db import open_database
    from termcrm.models import Ticket, TicketComment
    from termcrm.services import kb, tickets

    db = open_database(Settings(db_url=normalize_db(str(path)), user="ann"))
    try:
        with db.read() as s:
            rows = tickets.ticket_rows(s, list(s.exec(select(Ticket).order_by(Ticket.id))), NOW)  # type: ignore[arg-type]
            articles = kb.article_rows(s, kb.list_articles(s, sort="id") + kb.list_articles(s, archived=True))
            comments = len(s.exec(select(TicketComment)).all())
    finally:
        db.dispose()
    return rows, articles, comments


@pytest.fixture(autouse=True)
def _service_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the service area extends the core demo here, so other modules' demos cannot interfere."""
    monkeypatch.setattr("termcrm.demo.AREAS", ("service",))


def test_demo_has_tickets_in_every_status_breached_rated_and_a_knowledge_base(tmp_path: Path) -> None:
    from termcrm.demo import build

    build(str(tmp_path / "a.db"), contacts=60, seed=7, now=NOW)
    rows, articles, comments = _tickets(tmp_path / "a.db")
    statuses = Counter(r["status"] for r in rows)
    assert set(statuses) == {"new", "open", "pending", "resolved", "closed"}
    assert any(r["breached"] and r["status"] in ("new", "open", "pending") for r in rows)
    assert any(r["breached"] and r["status"] in ("resolved", "closed") for r in rows)
    assert any(not r["breached"] for r in rows)
    assert any(r["satisfaction"] for r in rows)
    assert all(r["satisfaction"] is None for r in rows if r["status"] not in ("resolved", "closed"))
    assert all(r["created_at"] <= NOW.isoformat() for r in rows)
    assert comments >= len(rows) - statuses["new"]
    assert len(articles) >= 12
    assert {a["status"] for a in articles} == {"draft", "published", "archived"}
    assert any(a["tickets"] for a in articles)


def test_demo_tickets_are_the_same_for_the_same_seed(tmp_path: Path) -> None:
    from termcrm.demo import build

    build(str(tmp_path / "a.db"), contacts=40, seed=3, now=NOW)
    build(str(tmp_path / "b.db"), contacts=40, seed=3, now=NOW)
    first, _, _ = _tickets(tmp_path / "a.db")
    second, _, _ = _tickets(tmp_path / "b.db")
    keep = ("id", "subject", "status", "priority", "created_at", "resolved_at", "satisfaction", "breached")
    assert [{k: r[k] for k in keep} for r in first] == [{k: r[k] for k in keep} for r in second]
