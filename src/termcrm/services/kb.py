"""The knowledge base: Markdown articles with tags, published for reuse and linked to the tickets they solved.

An article is a draft, published or archived. Search is full text over title,
body and tags (the shared index of :mod:`termcrm.services.search`), ranked:
articles that contain every word of the query come first, best match first
(a word in the title weighs more than one in the body); then articles that
contain only some of the words, those with more of them first. Common words
("the", "how", "to"...) are ignored when a query has other words, so a ticket
subject such as "How do I reset my password?" finds the password articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from termcrm.errors import Ambiguous, Invalid, NotFound
from termcrm.models import utcnow
from termcrm.services import history, refs
from termcrm.services.common import check_choice, check_tag, check_version, get_or_create_tag, jsonable
from termcrm.services.filters import FieldSpec, FilterContext, filtered
from termcrm.vocab import ARTICLE_STATUSES

if TYPE_CHECKING:
    from termcrm.models import KbArticle

STOPWORDS = frozenset(
    """a an and are as at be but by can cannot do does doesn't don't for from get gets got has have how i i'm if in
    into is isn't it its me my no not of on or our so that the their them there this to too was we what when where
    which who why will with won't you your can't after before again still any all""".split()
)
"""Words too common to tell articles apart; dropped from a query that has other words."""


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def _label(article: KbArticle) -> str:
    return f"article #{article.id} {article.title}"


def query_terms(text: str) -> list[str]:
    """The distinct words of a query, lower-cased, common words dropped (unless nothing else is left)."""
    words: list[str] = []
    for word in re.findall(r"\w+", text.lower(), re.UNICODE):
        if word not in words:
            words.append(word)
    meaningful = [w for w in words if w not in STOPWORDS and len(w) > 1]
    return meaningful or words


# ---------------------------------------------------------------- references


def article_ref(session: Session, ref: str | int, *, archived: bool = True) -> KbArticle:
    """An article by id (``12`` or ``#12``), exact title, or a title fragment naming exactly one."""
    from termcrm.models import KbArticle

    text = str(ref).strip()
    if not text:
        raise Invalid("empty article reference: give an id or part of a title")
    if text.lstrip("#").isdigit():
        return refs.by_id(session, KbArticle, text, "article", archived=archived)
    live = KbArticle.archived_at.is_(None)  # type: ignore[union-attr]
    exact = session.exec(select(KbArticle).where(sa.func.lower(KbArticle.title) == text.lower(), live)).all()
    if len(exact) == 1:
        return exact[0]
    matches = (
        exact
        or session.exec(
            select(KbArticle).where(KbArticle.title.icontains(text, autoescape=True), live).limit(51)  # type: ignore[attr-defined]
        ).all()
    )
    if not matches:
        raise NotFound(f"no article matches {text!r}")
    if len(matches) == 1:
        return matches[0]
    raise Ambiguous(f"{text!r} matches several articles; give an id", [f"#{a.id} {a.title}" for a in matches])


# ---------------------------------------------------------------- writing


def set_tags(session: Session, article: KbArticle, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
    """Add and remove tags on an article."""
    from termcrm.models import KbArticleTag, Tag

    current = {
        t.name: t
        for t in session.exec(
            select(Tag).join(KbArticleTag, KbArticleTag.tag_id == Tag.id).where(KbArticleTag.article_id == article.id)  # type: ignore[arg-type]
        ).all()
    }
    for name in remove:
        key = check_tag(name)
        if key not in current:
            raise Invalid(f"article #{article.id} has no tag {key!r}")
        link = session.get(KbArticleTag, (article.id, current.pop(key).id))
        if link is not None:
            session.delete(link)
    for name in add:
        key = check_tag(name)
        if key not in current:
            tag = get_or_create_tag(session, key)
            session.add(KbArticleTag(article_id=article.id or 0, tag_id=tag.id or 0))
            current[key] = tag
    session.flush()


def create_article(
    session: Session,
    title: str,
    *,
    body: str | None = None,
    tags: Iterable[str] = (),
    publish: bool = False,
    now: datetime | None = None,
) -> KbArticle:
    """Write a new article (a draft unless ``publish``)."""
    from termcrm.models import KbArticle

    at = _now(now)
    if not title or not title.strip():
        raise Invalid("an article needs a title")
    article = KbArticle(
        title=" ".join(title.split()),
        body=(body or "").strip(),
        status="published" if publish else "draft",
        created_at=at,
        updated_at=at,
    )
    session.add(article)
    session.flush()
    set_tags(session, article, add=tags)
    history.set_summary(session, f"add {_label(article)}" + (" (published)" if publish else ""))
    return article


@dataclass
class ArticleChanges:
    """What ``kb edit`` may change; None leaves a field as it is."""

    title: str | None = None
    body: str | None = None
    status: str | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        """Nothing to change."""
        return (
            self.title is None
            and self.body is None
            and self.status is None
            and not self.add_tags
            and not self.remove_tags
        )


def _set_status(article: KbArticle, status: str, at: datetime) -> None:
    article.status = status
    if status == "archived":
        article.archived_at = article.archived_at or at
    else:
        article.archived_at = None


def update_article(
    session: Session,
    article: KbArticle,
    changes: ArticleChanges,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> KbArticle:
    """Change an article's title, body, status or tags."""
    at = _now(now)
    check_version(article, expected_version, f"article #{article.id}")
    if changes.empty():
        raise Invalid("nothing to change: give --title, --body, --status, --publish, --tag or --untag")
    if changes.title is not None:
        if not changes.title.strip():
            raise Invalid("an article needs a title")
        article.title = " ".join(changes.title.split())
    if changes.body is not None:
        article.body = changes.body.strip()
    if changes.status is not None:
        _set_status(article, check_choice(changes.status, ARTICLE_STATUSES, "status"), at)
    article.updated_at = at
    session.add(article)
    session.flush()
    if changes.add_tags or changes.remove_tags:
        set_tags(session, article, add=changes.add_tags, remove=changes.remove_tags)
    history.set_summary(session, f"edit {_label(article)}")
    return article


def publish_article(session: Session, article: KbArticle, *, now: datetime | None = None) -> KbArticle:
    """Publish a draft (or bring back an archived article as published)."""
    if article.status == "published":
        raise Invalid(f"article #{article.id} is already published")
    _set_status(article, "published", _now(now))
    article.updated_at = _now(now)
    session.add(article)
    session.flush()
    history.set_summary(session, f"publish {_label(article)}")
    return article


def archive_article(session: Session, article: KbArticle, *, now: datetime | None = None) -> KbArticle:
    """Archive an article: out of lists and search; ``crm undo`` brings it back."""
    if article.status == "archived" or article.archived_at is not None:
        raise Invalid(f"article #{article.id} is already archived")
    _set_status(article, "archived", _now(now))
    session.add(article)
    session.flush()
    history.set_summary(session, f"archive {_label(article)}")
    return article


# ---------------------------------------------------------------- listing


def _tag_clause(name: str) -> Any:
    from termcrm.models import KbArticle, KbArticleTag, Tag

    return sa.exists().where(
        KbArticleTag.article_id == KbArticle.id,  # type: ignore[arg-type]
        KbArticleTag.tag_id == Tag.id,  # type: ignore[arg-type]
        Tag.name == name.lower(),  # type: ignore[arg-type]
    )


def _tag_field(op: str, value: str) -> Any:
    if op == ":":
        return _tag_clause(value)
    if op == "!=":
        return sa.not_(_tag_clause(value))
    raise Invalid("tag takes : or != only")


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``kb list`` filters and sorts by."""
    from termcrm.models import KbArticle

    dialect = session.info.get("dialect") or session.get_bind().dialect.name

    def text(word: str) -> Any:
        from termcrm.services.search import match_clause

        return match_clause("kb_article", KbArticle.id, word, dialect)

    return FilterContext(
        fields={
            "id": FieldSpec(KbArticle.id, "int"),
            "title": FieldSpec(KbArticle.title),
            "body": FieldSpec(KbArticle.body),
            "status": FieldSpec(KbArticle.status, "choice", choices=ARTICLE_STATUSES),
            "tag": FieldSpec(None, "custom", build=_tag_field, sortable=False),
            "created": FieldSpec(KbArticle.created_at, "datetime"),
            "updated": FieldSpec(KbArticle.updated_at, "datetime"),
        },
        text=text,
        tag=_tag_clause,
        now=now,
        aliases={"created_at": "created", "updated_at": "updated", "tags": "tag"},
    )


def list_articles(
    session: Session,
    words: Sequence[str] = (),
    *,
    sort: str | None = None,
    limit: int | None = None,
    archived: bool = False,
    now: datetime | None = None,
) -> list[KbArticle]:
    """Articles matching the filter words, newest change first unless sorted otherwise."""
    from termcrm.models import KbArticle

    ctx = filter_context(session, now)
    stmt = filtered(
        select(KbArticle),
        words,
        ctx,
        sort=sort,
        default=[KbArticle.updated_at.desc(), KbArticle.id.desc()],  # type: ignore[attr-defined,union-attr]
        limit=limit,
        archived=(KbArticle.archived_at, archived),
    )
    return list(session.exec(stmt).all())


def _tags_of(session: Session, ids: list[int]) -> dict[int, list[str]]:
    from termcrm.models import KbArticleTag, Tag

    out: dict[int, list[str]] = {}
    if not ids:
        return out
    for article_id, name in session.exec(
        select(KbArticleTag.article_id, Tag.name)
        .join(Tag, Tag.id == KbArticleTag.tag_id)  # type: ignore[arg-type]
        .where(KbArticleTag.article_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Tag.name)
    ).all():
        out.setdefault(article_id, []).append(name)
    return out


def _ticket_counts(session: Session, ids: list[int]) -> dict[int, int]:
    from termcrm.models import KbArticleTicket

    if not ids:
        return {}
    return dict(
        session.exec(
            select(KbArticleTicket.article_id, sa.func.count())  # type: ignore[call-overload]
            .where(KbArticleTicket.article_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(KbArticleTicket.article_id)  # type: ignore[arg-type]
        ).all()
    )


def article_rows(session: Session, articles: Sequence[KbArticle]) -> list[dict[str, Any]]:
    """JSON-ready dicts of articles."""
    ids = [a.id for a in articles if a.id is not None]
    tags = _tags_of(session, ids)
    counts = _ticket_counts(session, ids)
    return [
        {
            "id": a.id,
            "title": a.title,
            "status": a.status,
            "tags": tags.get(a.id or 0, []),
            "tickets": counts.get(a.id or 0, 0),
            "body": a.body,
            "created_at": jsonable(a.created_at),
            "updated_at": jsonable(a.updated_at),
            "archived_at": jsonable(a.archived_at),
            "version": a.version,
        }
        for a in articles
    ]


rows = article_rows


def article_view(session: Session, article: KbArticle) -> dict[str, Any]:
    """An article with the tickets it helped resolve."""
    from termcrm.models import KbArticleTicket, Ticket

    data = article_rows(session, [article])[0]
    linked = session.exec(
        select(Ticket)
        .join(KbArticleTicket, KbArticleTicket.ticket_id == Ticket.id)  # type: ignore[arg-type]
        .where(KbArticleTicket.article_id == article.id)
        .order_by(Ticket.id)  # type: ignore[arg-type]
    ).all()
    data["resolved_tickets"] = [
        {"id": t.id, "subject": t.subject, "status": t.status, "resolved_at": jsonable(t.resolved_at)} for t in linked
    ]
    return data


# ---------------------------------------------------------------- search


def search_articles(
    session: Session, query: str, *, limit: int | None = 20, published_only: bool = False
) -> list[dict[str, Any]]:
    """Articles ranked for ``query``: every word matched first (best first), then fewer words matched.

    Each row is :func:`article_rows` plus ``matched`` (how many query words
    it contains), ``score`` (1-based position) and ``snippet``.
    """
    from termcrm.models import KbArticle
    from termcrm.services.search import search

    terms = query_terms(query)
    if not terms:
        raise Invalid("search for what? give one or more words")
    full = search(session, " ".join(terms), kinds=["kb_article"], limit=500)
    order: list[int] = [h.id for h in full]
    matched = {h.id: len(terms) for h in full}
    snippets = {h.id: h.snippet for h in full}
    if len(terms) > 1:
        partial: dict[int, list[float]] = {}
        for term in terms:
            for hit in search(session, term, kinds=["kb_article"], limit=500):
                if hit.id in matched:
                    continue
                entry = partial.setdefault(hit.id, [0, 0.0])
                entry[0] += 1
                entry[1] += hit.rank
                snippets.setdefault(hit.id, hit.snippet)
        for article_id, (count, _rank) in sorted(partial.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0])):
            order.append(article_id)
            matched[article_id] = int(count)
    if not order:
        return []
    found = {
        a.id: a
        for a in session.exec(
            select(KbArticle).where(KbArticle.id.in_(order), KbArticle.archived_at.is_(None))  # type: ignore[union-attr]
        ).all()
    }
    wanted = [found[i] for i in order if i in found and (not published_only or found[i].status == "published")]
    if limit is not None:
        wanted = wanted[:limit]
    out = article_rows(session, wanted)
    for position, row in enumerate(out, start=1):
        row["matched"] = matched[row["id"]]
        row["score"] = position
        row["snippet"] = snippets.get(row["id"], "")
    return out


def suggest(session: Session, text: str, *, limit: int = 5) -> list[dict[str, Any]]:
    """Published articles that match ``text`` (a ticket's subject), best first; none for empty text."""
    if not query_terms(text or ""):
        return []
    return search_articles(session, text, limit=limit, published_only=True)
