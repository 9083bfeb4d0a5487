"""Full-text search over contacts, companies, interactions, deals, tickets and articles.

One index, two engines: an FTS5 table (``search_fts``) on SQLite and a table
with a generated ``tsvector`` (``search_doc``) on PostgreSQL. The index is
refreshed in the same transaction as every write (the history recorder hands
over the records it saw), and for bulk imports by :func:`reindex` directly.
On SQLite a document's rowid encodes its kind and id, so replacing one
document is an indexed delete rather than a scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

KINDS: dict[str, int] = {
    "contact": 1,
    "company": 2,
    "interaction": 3,
    "deal": 4,
    "ticket": 5,
    "kb_article": 6,
}
"""Indexed tables and their code in the FTS rowid (``id * 8 + code``)."""


def _docs(session: Session, kind: str, ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, title, body) of the live records of ``kind`` among ``ids``."""
    conn = session.connection()
    params = {"ids": ids}
    docs: list[tuple[int, str, str]] = []
    expanding = sa.bindparam("ids", expanding=True)
    if kind == "contact":
        rows = conn.execute(
            sa.text(
                "SELECT c.id, c.display_name, c.title, co.name, c.city, c.country, c.notes "
                "FROM contact c LEFT JOIN company co ON co.id = c.company_id "
                "WHERE c.archived_at IS NULL AND c.id IN :ids"
            ).bindparams(expanding),
            params,
        ).all()
        extra = _child_text(
            conn,
            [
                "SELECT contact_id, email FROM contact_email WHERE contact_id IN :ids",
                "SELECT contact_id, phone FROM contact_phone WHERE contact_id IN :ids",
                "SELECT ct.contact_id, t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
                "WHERE ct.contact_id IN :ids",
            ],
            ids,
        )
        for row in rows:
            docs.append((row[0], row[1], _join(row[2:], extra.get(row[0], []))))
    elif kind == "company":
        rows = conn.execute(
            sa.text(
                "SELECT id, name, domain, industry, city, country, website, notes FROM company "
                "WHERE archived_at IS NULL AND id IN :ids"
            ).bindparams(expanding),
            params,
        ).all()
        extra = _child_text(
            conn,
            [
                "SELECT ct.company_id, t.name FROM company_tag ct JOIN tag t ON t.id = ct.tag_id "
                "WHERE ct.company_id IN :ids"
            ],
            ids,
        )
        for row in rows:
            docs.append((row[0], row[1], _join(row[2:], extra.get(row[0], []))))
    elif kind == "interaction":
        rows = conn.execute(
            sa.text(
                "SELECT id, summary, kind, outcome, body FROM interaction WHERE archived_at IS NULL AND id IN :ids"
            ).bindparams(expanding),
            params,
        ).all()
        docs = [(r[0], r[1], _join(r[2:], [])) for r in rows]
    elif kind == "deal":
        rows = conn.execute(
            sa.text(
                "SELECT d.id, d.title, d.source, d.lost_reason, co.name, c.display_name FROM deal d "
                "LEFT JOIN company co ON co.id = d.company_id LEFT JOIN contact c ON c.id = d.contact_id "
                "WHERE d.archived_at IS NULL AND d.id IN :ids"
            ).bindparams(expanding),
            params,
        ).all()
        docs = [(r[0], r[1], _join(r[2:], [])) for r in rows]
    elif kind == "ticket":
        rows = conn.execute(
            sa.text("SELECT id, subject, description FROM ticket WHERE archived_at IS NULL AND id IN :ids").bindparams(
                expanding
            ),
            params,
        ).all()
        docs = [(r[0], r[1], _join(r[2:], [])) for r in rows]
    elif kind == "kb_article":
        rows = conn.execute(
            sa.text(
                "SELECT id, title, body FROM kb_article WHERE archived_at IS NULL AND status != 'archived' "
                "AND id IN :ids"
            ).bindparams(expanding),
            params,
        ).all()
        extra = _child_text(
            conn,
            [
                "SELECT at.article_id, t.name FROM kb_article_tag at JOIN tag t ON t.id = at.tag_id "
                "WHERE at.article_id IN :ids"
            ],
            ids,
        )
        docs = [(r[0], r[1], _join(r[2:], extra.get(r[0], []))) for r in rows]
    return docs


def _child_text(conn: sa.Connection, queries: list[str], ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for query in queries:
        stmt = sa.text(query).bindparams(sa.bindparam("ids", expanding=True))
        for owner, value in conn.execute(stmt, {"ids": ids}).all():
            if value:
                out.setdefault(owner, []).append(str(value))
    return out


def _join(values: Iterable[Any], extra: list[str]) -> str:
    return " ".join(str(v) for v in [*values, *extra] if v)


def reindex(session: Session, records: Iterable[tuple[str, int]]) -> None:
    """Refresh the index documents of the given (table, id) records; other tables are ignored."""
    by_kind: dict[str, set[int]] = {}
    for table, rid in records:
        if table in KINDS:
            by_kind.setdefault(table, set()).add(rid)
    for kind, ids in by_kind.items():
        write_docs(session, kind, sorted(ids))


def write_docs(session: Session, kind: str, ids: list[int], *, fresh: bool = False) -> None:
    """Replace the index documents of ``ids``; ``fresh`` skips the delete (new records)."""
    conn = session.connection()
    code = KINDS[kind]
    dialect = conn.dialect.name
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        docs = _docs(session, kind, chunk)
        if dialect == "sqlite":
            if not fresh:
                conn.execute(
                    sa.text("DELETE FROM search_fts WHERE rowid IN :rowids").bindparams(
                        sa.bindparam("rowids", expanding=True)
                    ),
                    {"rowids": [i * 8 + code for i in chunk]},
                )
            if docs:
                conn.execute(
                    sa.text(
                        "INSERT INTO search_fts(rowid, kind, ref_id, title, body) VALUES (:rowid, :kind, :ref, :t, :b)"
                    ),
                    [{"rowid": i * 8 + code, "kind": kind, "ref": i, "t": t, "b": b} for i, t, b in docs],
                )
        else:
            if not fresh:
                conn.execute(
                    sa.text("DELETE FROM search_doc WHERE kind = :kind AND ref_id IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"kind": kind, "ids": chunk},
                )
            if docs:
                conn.execute(
                    sa.text("INSERT INTO search_doc(kind, ref_id, title, body) VALUES (:kind, :ref, :t, :b)"),
                    [{"kind": kind, "ref": i, "t": t, "b": b} for i, t, b in docs],
                )


def rebuild(session: Session) -> int:
    """Rebuild the whole index from the tables; returns the number of documents."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DELETE FROM search_fts")
    else:
        conn.exec_driver_sql("DELETE FROM search_doc")
    total = 0
    for kind in KINDS:
        ids = [int(r[0]) for r in conn.exec_driver_sql(f"SELECT id FROM {kind}").all()]
        write_docs(session, kind, ids, fresh=True)
        total += len(ids)
    return total


@dataclass
class Hit:
    """One search result."""

    kind: str
    id: int
    title: str
    snippet: str
    rank: float


_WORD = re.compile(r"\w+", re.UNICODE)


def _terms(query: str) -> list[str]:
    return _WORD.findall(query.lower())


def search(session: Session, query: str, *, kinds: Iterable[str] | None = None, limit: int = 50) -> list[Hit]:
    """Ranked hits for ``query``; every word must match, the last one as a prefix."""
    terms = _terms(query)
    if not terms:
        return []
    wanted = list(kinds) if kinds else list(KINDS)
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        match = " ".join(f'"{t}"*' for t in terms)
        stmt = sa.text(
            "SELECT kind, ref_id, title, snippet(search_fts, 3, '[', ']', '…', 8), bm25(search_fts, 0, 0, 10.0, 1.0) "
            "AS rank FROM search_fts WHERE search_fts MATCH :q AND kind IN :kinds ORDER BY rank LIMIT :limit"
        ).bindparams(sa.bindparam("kinds", expanding=True))
        rows = conn.execute(stmt, {"q": match, "kinds": wanted, "limit": limit}).all()
        return [Hit(r[0], int(r[1]), r[2], r[3] or "", float(r[4])) for r in rows]
    tsquery = " & ".join(t + ":*" for t in terms)
    stmt = sa.text(
        "SELECT kind, ref_id, title, body, ts_rank(tsv, q) * (CASE WHEN to_tsvector('simple', title) @@ q "
        "THEN 10 ELSE 1 END) AS rank FROM search_doc, to_tsquery('simple', :q) q "
        "WHERE tsv @@ q AND kind IN :kinds ORDER BY rank DESC, ref_id LIMIT :limit"
    ).bindparams(sa.bindparam("kinds", expanding=True))
    rows = conn.execute(stmt, {"q": tsquery, "kinds": wanted, "limit": limit}).all()
    return [Hit(r[0], int(r[1]), r[2], (r[3] or "")[:80], -float(r[4])) for r in rows]


def match_clause(kind: str, id_column: Any, text: str, dialect: str) -> Any:
    """A condition ``id_column IN (ids of kind matching text)`` for list filters' bare words."""
    terms = _terms(text)
    if not terms:
        return sa.true()
    if dialect == "sqlite":
        query = " ".join(f'"{t}"*' for t in terms)
        sub = sa.text("SELECT ref_id FROM search_fts WHERE search_fts MATCH :fts_q AND kind = :fts_kind")
    else:
        query = " & ".join(t + ":*" for t in terms)
        sub = sa.text("SELECT ref_id FROM search_doc WHERE kind = :fts_kind AND tsv @@ to_tsquery('simple', :fts_q)")
    # Each word gets its own parameter names so several bare words can be combined.
    suffix = str(abs(hash((kind, text))) % 10_000_000)
    sub = sa.text(str(sub).replace(":fts_q", f":fts_q{suffix}").replace(":fts_kind", f":fts_kind{suffix}")).bindparams(
        **{f"fts_q{suffix}": query, f"fts_kind{suffix}": kind}
    )
    return id_column.in_(sub.columns(sa.column("ref_id", sa.Integer)))
