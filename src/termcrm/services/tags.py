"""Tags: counts, rename (merging into an existing tag) and removal."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from termcrm.errors import NotFound
from termcrm.models import CompanyTag, ContactTag, KbArticleTag, Tag
from termcrm.services import history
from termcrm.services.common import check_tag

LINKS = ((ContactTag, "contact_id"), (CompanyTag, "company_id"), (KbArticleTag, "article_id"))


@dataclass
class TagCount:
    """A tag and how many records carry it."""

    name: str
    contacts: int
    companies: int
    articles: int

    @property
    def total(self) -> int:
        """All uses."""
        return self.contacts + self.companies + self.articles


def list_tags(session: Session) -> list[TagCount]:
    """Every tag with its counts, by name."""
    counts: dict[int, list[int]] = {}
    for i, (model, _) in enumerate(LINKS):
        for tag_id, count in session.exec(select(model.tag_id, sa.func.count()).group_by(model.tag_id)).all():  # type: ignore[attr-defined]
            counts.setdefault(tag_id, [0, 0, 0])[i] = count
    return [
        TagCount(t.name, *counts.get(t.id or 0, [0, 0, 0])) for t in session.exec(select(Tag).order_by(Tag.name)).all()
    ]


def _get(session: Session, name: str) -> Tag:
    key = check_tag(name)
    tag = session.exec(select(Tag).where(Tag.name == key)).first()
    if tag is None:
        raise NotFound(f"no tag named {key!r}")
    return tag


def rename_tag(session: Session, old: str, new: str) -> Tag:
    """Rename a tag; renaming onto an existing tag merges the two."""
    tag = _get(session, old)
    key = check_tag(new)
    target = session.exec(select(Tag).where(Tag.name == key)).first()
    if target is None or target.id == tag.id:
        tag.name = key
        session.add(tag)
        session.flush()
        _touch_owners(session, tag.id or 0)
        history.set_summary(session, f"rename tag {old} to {key}")
        return tag
    for model, owner in LINKS:
        have = set(session.exec(select(getattr(model, owner)).where(model.tag_id == target.id)).all())  # type: ignore[attr-defined]
        for link in session.exec(select(model).where(model.tag_id == tag.id)).all():  # type: ignore[attr-defined]
            owner_id = getattr(link, owner)
            session.delete(link)
            if owner_id not in have:
                session.add(model(**{owner: owner_id, "tag_id": target.id}))
    session.flush()
    session.delete(tag)
    session.flush()
    history.set_summary(session, f"merge tag {old} into {key}")
    return target


def _touch_owners(session: Session, tag_id: int) -> None:
    from termcrm.services import search

    records: set[tuple[str, int]] = set()
    for model, owner in LINKS:
        table = {"contact_id": "contact", "company_id": "company", "article_id": "kb_article"}[owner]
        for owner_id in session.exec(select(getattr(model, owner)).where(model.tag_id == tag_id)).all():  # type: ignore[attr-defined]
            records.add((table, owner_id))
    search.reindex(session, records)


def remove_tag(session: Session, name: str) -> int:
    """Remove a tag from every record and delete it; returns how many records lost it."""
    tag = _get(session, name)
    removed = 0
    for model, _ in LINKS:
        for link in session.exec(select(model).where(model.tag_id == tag.id)).all():  # type: ignore[attr-defined]
            session.delete(link)
            removed += 1
    session.flush()
    session.delete(tag)
    session.flush()
    history.set_summary(session, f"remove tag {tag.name} from {removed} records")
    return removed
