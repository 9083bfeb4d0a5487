"""Full-text search over contacts, companies, interactions, deals, tickets and articles.

One index, two engines: an FTS5 table (``search_fts``) on SQLite and a table
with a generated ``tsvector`` (``search_doc``) on PostgreSQL. The index is
refreshed in the same transaction as every write (the history recorder hands
over the records it saw), and for bulk imports by :func:`reindex` directly.
On SQLite a document's rowid encodes its kind and id, so replacing one
document is an indexed delete rather than a scan.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm.money import LARGEST_INTEGER

KINDS: dict[str, int] = {
    "contact": 1,
    "company": 2,
    "interaction": 3,
    "deal": 4,
    "ticket": 5,
    "kb_article": 6,
}
"""Indexed tables and their code in the FTS rowid (``id * 8 + code``)."""


def _run(conn: sa.Connection, sql: str, ids: list[int]) -> list[Any]:
    """Run ``sql`` whose ``IN :ids`` takes a list of ids, with one bound parameter on either engine.

    Expanding thousands of bind parameters costs more than the query itself; SQLite reads the
    ids from a JSON array and PostgreSQL from an array parameter instead.
    """
    if conn.dialect.name == "sqlite":
        return list(
            conn.exec_driver_sql(
                sql.replace(" IN :ids", " IN (SELECT value FROM json_each(?))"), (json.dumps(ids),)
            ).all()
        )
    return list(conn.exec_driver_sql(sql.replace(" IN :ids", " = ANY(%(ids)s)"), {"ids": list(ids)}).all())


def _docs(session: Session, kind: str, ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, title, body) of the live records of ``kind`` among ``ids``."""
    conn = session.connection()
    docs: list[tuple[int, str, str]] = []
    if kind == "contact":
        rows = _run(
            conn,
            "SELECT c.id, c.display_name, c.title, co.name, c.city, c.country, c.notes "
            "FROM contact c LEFT JOIN company co ON co.id = c.company_id "
            "WHERE c.archived_at IS NULL AND c.id IN :ids",
            ids,
        )
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
        rows = _run(
            conn,
            "SELECT id, name, domain, industry, city, country, website, notes FROM company "
            "WHERE archived_at IS NULL AND id IN :ids",
            ids,
        )
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
        rows = _run(
            conn,
            "SELECT id, summary, kind, outcome, body FROM interaction WHERE archived_at IS NULL AND id IN :ids",
            ids,
        )
        docs = [(r[0], r[1], _join(r[2:], [])) for r in rows]
    elif kind == "deal":
        rows = _run(
            conn,
            "SELECT d.id, d.title, d.source, d.lost_reason, co.name, c.display_name FROM deal d "
            "LEFT JOIN company co ON co.id = d.company_id LEFT JOIN contact c ON c.id = d.contact_id "
            "WHERE d.archived_at IS NULL AND d.id IN :ids",
            ids,
        )
        docs = [(r[0], r[1], _join(r[2:], [])) for r in rows]
    elif kind == "ticket":
        rows = _run(conn, "SELECT id, subject, description FROM ticket WHERE archived_at IS NULL AND id IN :ids", ids)
        docs = [(r[0], r[1], _join(r[2:], [])) for r in rows]
    elif kind == "kb_article":
        rows = _run(
            conn,
            "SELECT id, title, body FROM kb_article WHERE archived_at IS NULL AND status != 'archived' AND id IN :ids",
            ids,
        )
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
        for owner, value in _run(conn, query, ids):
            if value:
                out.setdefault(owner, []).append(str(value))
    return out


def _join(values: Iterable[Any], extra: list[str]) -> str:
    return " ".join(str(v) for v in [*values, *extra] if v)


def reindex(session: Session, records: Iterable[tuple[str, int]]) -> None:
    """Refresh the index documents of the given (table, id) records; other tables are ignored."""
    by_kind: dict[str, set[int]] = {}
    records = list(records)
    for table, rid in records:
        if table in KINDS:
            by_kind.setdefault(table, set()).add(rid)
    # A contact's document holds its company's name and every record's holds its tags' names, so a
    # renamed company or tag (including one an undo renames back) refreshes the records that show it.
    tag_ids = sorted({rid for table, rid in records if table == "tag"})
    company_ids = sorted({rid for table, rid in records if table == "company"})
    conn = session.connection()
    expanding: Any = sa.bindparam("ids", expanding=True)
    for sql, kind, owner_ids in (
        ("SELECT contact_id FROM contact_tag WHERE tag_id IN :ids", "contact", tag_ids),
        ("SELECT company_id FROM company_tag WHERE tag_id IN :ids", "company", tag_ids),
        ("SELECT article_id FROM kb_article_tag WHERE tag_id IN :ids", "kb_article", tag_ids),
        ("SELECT id FROM contact WHERE company_id IN :ids", "contact", company_ids),
    ):
        for start in range(0, len(owner_ids), 5000):
            rows = conn.execute(sa.text(sql).bindparams(expanding), {"ids": owner_ids[start : start + 5000]})
            by_kind.setdefault(kind, set()).update(int(r[0]) for r in rows)
    for kind, ids in by_kind.items():
        write_docs(session, kind, sorted(ids))


def write_docs(session: Session, kind: str, ids: list[int], *, fresh: bool = False) -> int:
    """Replace the index documents of ``ids``; ``fresh`` skips the delete (new records).

    Returns how many documents were written (archived records have none)."""
    written = 0
    conn = session.connection()
    code = KINDS[kind]
    dialect = conn.dialect.name
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        docs = [(i, t, b + _extra_words(t, b, dialect)) for i, t, b in _docs(session, kind, chunk)]
        written += len(docs)
        if dialect == "sqlite":
            if not fresh:
                conn.exec_driver_sql(
                    "DELETE FROM search_fts WHERE rowid IN (SELECT value FROM json_each(?))",
                    (json.dumps([i * 8 + code for i in chunk]),),
                )
            if docs:
                conn.exec_driver_sql(
                    "INSERT INTO search_fts(rowid, kind, ref_id, title, body) VALUES (?, ?, ?, ?, ?)",
                    [(i * 8 + code, kind, i, t, b) for i, t, b in docs],
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
    return written


def rebuild(session: Session) -> int:
    """Rebuild the whole index from the tables; returns the number of documents."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DELETE FROM search_fts")
    else:
        conn.exec_driver_sql("DELETE FROM search_doc")
    total = 0
    for kind in KINDS:
        if conn.dialect.name == "sqlite" and kind in _SQLITE_REBUILD:
            total += _rebuild_sqlite(conn, kind)
            continue
        ids = [int(r[0]) for r in conn.exec_driver_sql(f"SELECT id FROM {kind}").all()]
        total += write_docs(session, kind, ids, fresh=True)
    return total


_SQLITE_REBUILD = {
    "contact": (
        "SELECT c.id AS id, c.display_name AS title, c.title AS p0, co.name AS p1, c.city AS p2, "
        "c.country AS p3, c.notes AS p4, "
        "(SELECT group_concat(email, ' ') FROM contact_email WHERE contact_id = c.id) AS p5, "
        "(SELECT group_concat(phone, ' ') FROM contact_phone WHERE contact_id = c.id) AS p6, "
        "(SELECT group_concat(t.name, ' ') FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
        "WHERE ct.contact_id = c.id) AS p7 "
        "FROM contact c LEFT JOIN company co ON co.id = c.company_id WHERE c.archived_at IS NULL",
        8,
    ),
    "company": (
        "SELECT c.id AS id, c.name AS title, c.domain AS p0, c.industry AS p1, c.city AS p2, c.country AS p3, "
        "c.website AS p4, c.notes AS p5, "
        "(SELECT group_concat(t.name, ' ') FROM company_tag ct JOIN tag t ON t.id = ct.tag_id "
        "WHERE ct.company_id = c.id) AS p6 FROM company c WHERE c.archived_at IS NULL",
        7,
    ),
    "interaction": (
        "SELECT id, summary AS title, kind AS p0, outcome AS p1, body AS p2 FROM interaction WHERE archived_at IS NULL",
        3,
    ),
}
"""The same documents as :func:`_docs`, as one SELECT per kind, for rebuilding the whole index."""


def _rebuild_sqlite(conn: sa.Connection, kind: str) -> int:
    """Index every live record of ``kind`` with one INSERT … SELECT (a whole-table rebuild)."""
    raw = conn.connection.dbapi_connection
    assert raw is not None

    def document(title: str | None, *parts: str | None) -> str:
        body = " ".join(str(p) for p in parts if p)
        return body + _extra_words(title or "", body, "sqlite")

    raw.create_function("termcrm_document", -1, document, deterministic=True)
    select_sql, width = _SQLITE_REBUILD[kind]
    parts = ", ".join(f"p{i}" for i in range(width))
    result = conn.exec_driver_sql(
        "INSERT INTO search_fts(rowid, kind, ref_id, title, body) "
        f"SELECT id * 8 + {KINDS[kind]}, '{kind}', id, coalesce(title, ''), termcrm_document(title, {parts}) "
        f"FROM ({select_sql})"
    )
    return int(result.rowcount or 0)


@dataclass
class Hit:
    """One search result."""

    kind: str
    id: int
    title: str
    snippet: str
    rank: float


_WORD = re.compile(r"\w+", re.UNICODE)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
"""Kana, CJK ideographs and Hangul: scripts written without spaces between words."""


def _terms(query: str) -> list[str]:
    return _WORD.findall(query.lower())


def _fold(word: str) -> str:
    """``José`` -> ``jose``: lower case without diacritics."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    # NFC afterwards puts Hangul syllables (which NFKD splits into jamo) back together.
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def _cjk_split(word: str) -> list[str]:
    """A word cut before and after every CJK character: ``田中太郎`` -> 田, 中, 太, 郎."""
    return [part for part in re.split(f"({_CJK.pattern})", word) if part]


def _extra_words(title: str, body: str, dialect: str) -> str:
    """Words appended to a document's body so that searches find it the way people type.

    CJK text has no spaces, so its characters are also indexed one by one and a
    query word such as ``太郎`` can match inside ``田中太郎``. PostgreSQL's
    ``simple`` parser keeps ``ann@example.com`` as one token and keeps accents,
    so there every word is also indexed folded (``jose``) and split (``ann``,
    ``example``, ``com``); SQLite's tokenizer does both by itself.
    """
    text = f"{title} {body}"
    if text.isascii():
        # The common case, kept cheap for bulk indexing: nothing to fold, no CJK.
        return "" if dialect == "sqlite" else " " + " ".join(_terms(text))
    if dialect == "sqlite" and not _CJK.search(text):
        return ""
    extra: list[str] = []
    for word in _terms(text):
        if dialect != "sqlite":
            word = _fold(word)
            extra.append(word)
        if _CJK.search(word):
            extra.extend(_cjk_split(word))
    return " " + " ".join(extra) if extra else ""


def _fts_query(terms: list[str]) -> str:
    """An FTS5 query: every term as a prefix; CJK terms also as a phrase of their characters."""
    parts = []
    for t in terms:
        if _CJK.search(t):
            parts.append(f'("{t}"* OR "{" ".join(_cjk_split(t))}")')
        elif len(t) == 1:
            # A one-letter prefix would expand to a large part of the vocabulary; match the word itself.
            parts.append(f'"{t}"')
        else:
            parts.append(f'"{t}"*')
    return " ".join(parts)


def _ts_query(terms: list[str]) -> str:
    """A PostgreSQL tsquery: every (folded) term as a prefix; CJK terms also as a phrase."""
    parts = []
    for t in terms:
        word = _fold(t)
        if _CJK.search(word):
            parts.append(f"({word}:* | {' <-> '.join(_cjk_split(word))})")
        else:
            parts.append(f"{word}:*")
    return " & ".join(parts)


KIND_WEIGHT = {"contact": 6, "company": 5, "deal": 4, "ticket": 3, "kb_article": 2, "interaction": 1}
"""Among equally good hits, people and companies come first."""

CANDIDATES = 200
"""Matches scored per phase (title matches, then body matches).

FTS5's bm25() ranks every match before LIMIT applies, which costs tens of
milliseconds for a common name on 100,000 contacts; scoring a bounded set of
candidates by how the title matches keeps a search within a few milliseconds.
"""


def _score(title: str, terms: list[str], in_title: bool, kind: str) -> float:
    """Relevance: exact title, title starting with the query, title words starting with the terms, body."""
    words = _terms(title.lower())
    phrase = " ".join(terms)
    joined = " ".join(words)
    if in_title:
        if joined == phrase:
            score = 100.0
        elif joined.startswith(phrase):
            score = 80.0
        elif words and all(any(w.startswith(t) for w in words) for t in terms):
            score = 60.0 + 10.0 * sum(1 for t in terms if t in words) / len(terms)
        else:
            score = 50.0
        score -= min(len(words), 10) * 0.5
    else:
        score = 20.0
    return score + KIND_WEIGHT.get(kind, 0)


def _snippet(body: str, terms: list[str], width: int = 60) -> str:
    """A short extract of ``body`` around the first word that starts with a search term, marked with [ ]."""
    lowered = body.lower()
    for term in terms:
        for match in re.finditer(r"\w+", lowered):
            if match.group().startswith(term) or _fold(match.group()).startswith(_fold(term)):
                start = max(0, match.start() - width // 2)
                text = (
                    body[start : match.start()]
                    + "["
                    + body[match.start() : match.end()]
                    + "]"
                    + body[match.end() : match.end() + width // 2]
                )
                return (
                    ("…" if start else "")
                    + " ".join(text.split())
                    + ("…" if match.end() + width // 2 < len(body) else "")
                )
    return body[:width]


def _sqlite_search(conn: sa.Connection, terms: list[str], wanted: set[str], limit: int) -> list[Hit]:
    match = _fts_query(terms)
    found: dict[int, tuple[float, str, int, str, bool]] = {}
    candidates = min(max(CANDIDATES, limit * 4), LARGEST_INTEGER)
    for in_title, expr in ((True, f"title : ({match})"), (False, match)):
        rows = conn.execute(
            sa.text("SELECT rowid, kind, ref_id, title FROM search_fts WHERE search_fts MATCH :q LIMIT :n"),
            {"q": expr, "n": candidates},
        ).all()
        for rowid, kind, ref_id, title in rows:
            if rowid in found or kind not in wanted:
                continue
            found[int(rowid)] = (
                _score(str(title), terms, in_title, str(kind)),
                str(kind),
                int(ref_id),
                str(title),
                in_title,
            )
        if len(found) >= limit:
            break
    ranked = sorted(found.items(), key=lambda item: (-item[1][0], len(item[1][3]), -item[1][2]))[:limit]
    snippets: dict[int, str] = {}
    body_ids = [rowid for rowid, value in ranked if not value[4]]
    if body_ids:
        # snippet() would re-run the MATCH over every hit; reading 50 bodies by rowid is cheaper.
        stmt = sa.text("SELECT rowid, body FROM search_fts WHERE rowid IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        )
        snippets = {int(r[0]): _snippet(str(r[1] or ""), terms) for r in conn.execute(stmt, {"ids": body_ids}).all()}
    return [
        Hit(kind, ref_id, title, snippets.get(rowid, ""), -score) for rowid, (score, kind, ref_id, title, _) in ranked
    ]


def search(session: Session, query: str, *, kinds: Iterable[str] | None = None, limit: int = 50) -> list[Hit]:
    """Ranked hits for ``query``; every word must match, the last one as a prefix."""
    terms = _terms(query)
    if not terms:
        return []
    wanted = list(kinds) if kinds else list(KINDS)
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        return _sqlite_search(conn, terms, set(wanted), limit)
    tsquery = _ts_query(terms)
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
        query = _fts_query(terms)
        sub = sa.text("SELECT ref_id FROM search_fts WHERE search_fts MATCH :fts_q AND kind = :fts_kind")
    else:
        query = _ts_query(terms)
        sub = sa.text("SELECT ref_id FROM search_doc WHERE kind = :fts_kind AND tsv @@ to_tsquery('simple', :fts_q)")
    # Each word gets its own parameter names so several bare words can be combined.
    suffix = str(abs(hash((kind, text))) % 10_000_000)
    sub = sa.text(str(sub).replace(":fts_q", f":fts_q{suffix}").replace(":fts_kind", f":fts_kind{suffix}")).bindparams(
        **{f"fts_q{suffix}": query, f"fts_kind{suffix}": kind}
    )
    return id_column.in_(sub.columns(sa.column("ref_id", sa.Integer)))
