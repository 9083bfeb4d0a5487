"""The change history: every write, who made it, and the old and new value of each field.

A write session (:meth:`termcrm.db.Database.write`) calls :func:`start`; from
then on every ORM insert, update and delete in that session is captured by a
flush listener and stored as :class:`~termcrm.models.Change` rows of one
:class:`~termcrm.models.ChangeSet`, in the same transaction as the write.
Services therefore cannot forget to record history. :func:`undo` reverts the
acting user's latest change set, refusing when a record changed since.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel, select

from termcrm.errors import Conflict, NotFound
from termcrm.models import UTCDateTime, load_all, schema, utcnow

if TYPE_CHECKING:
    from termcrm.models import Change, ChangeSet

INFO_KEY = "termcrm_history"
UNTRACKED = frozenset({"change", "change_set", "user", "import_batch", "import_item"})
"""Tables whose writes are not themselves history."""

SKIP_FIELDS = frozenset({"version", "updated_at"})
"""Fields that change on every write and carry no information of their own."""

PARENTS: dict[str, tuple[str, str]] = {
    "contact_email": ("contact", "contact_id"),
    "contact_phone": ("contact", "contact_id"),
    "contact_tag": ("contact", "contact_id"),
    "contact_field": ("contact", "contact_id"),
    "company_tag": ("company", "company_id"),
    "company_field": ("company", "company_id"),
    "line_item": ("deal", "deal_id"),
    "deal_stage_change": ("deal", "deal_id"),
    "ticket_comment": ("ticket", "ticket_id"),
    "ticket_status_change": ("ticket", "ticket_id"),
    "kb_article_tag": ("kb_article", "article_id"),
    "kb_article_ticket": ("kb_article", "article_id"),
}
"""Child tables (by name) whose changes show in their parent record's history."""


@dataclass
class _State:
    user: str
    summary: str
    change_set_id: int | None = None
    user_id: int | None = None
    touched: set[tuple[str, int]] | None = None


def start(session: Session, user: str, summary: str = "") -> None:
    """Begin recording this session's writes as one change set by ``user``."""
    session.info[INFO_KEY] = _State(user=user, summary=summary, touched=set())


def set_summary(session: Session, summary: str) -> None:
    """Describe the change set being recorded (shown by ``crm history`` and ``crm undo``)."""
    state = session.info.get(INFO_KEY)
    if state is not None:
        state.summary = summary


def touched(session: Session) -> set[tuple[str, int]]:
    """(table, id) of every record written in this session so far."""
    state = session.info.get(INFO_KEY)
    return set(state.touched or ()) if state else set()


def change_set_id(session: Session) -> int | None:
    """The id of the change set recorded so far, if anything was written."""
    state = session.info.get(INFO_KEY)
    return state.change_set_id if state else None


def acting_user_id(session: Session) -> int:
    """The acting user's id, registering the user on first use."""
    state = session.info.get(INFO_KEY)
    name = state.user if state else session.info["settings"].user
    if state and state.user_id is not None:
        return state.user_id
    uid = ensure_user(session.connection(), name)
    if state:
        state.user_id = uid
    return uid


def ensure_user(conn: sa.Connection, name: str) -> int:
    """The id of user ``name`` (case-insensitive), creating an active user when missing."""
    key = name.strip().lower()
    table = schema.user
    found = conn.execute(sa.select(table.c.id).where(table.c.name_key == key)).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(sa.insert(table).values(name=name.strip(), name_key=key, active=True, created_at=utcnow()))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def to_json(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def from_json(model: type[SQLModel], field: str, value: Any) -> Any:
    """The column value back from its JSON form."""
    if value is None:
        return None
    column = model.__table__.c[field]  # type: ignore[attr-defined]
    python_type: type | None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = None
    if python_type is datetime or isinstance(column.type, sa.DateTime) or isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is bool:
        return bool(value)
    return value


def _column_keys(obj: SQLModel) -> list[str]:
    return [attr.key for attr in inspect(obj).mapper.column_attrs]


def _identity(obj: SQLModel) -> list[Any]:
    ident = inspect(obj).identity
    if ident is None:
        mapper = inspect(obj).mapper
        return [getattr(obj, col.key) for col in mapper.primary_key]
    return list(ident)


def _record_key(obj: SQLModel, table: str, ident: list[Any]) -> str | None:
    parent = PARENTS.get(table)
    if parent:
        name, attr = parent
        return f"{name}:{getattr(obj, attr)}"
    if len(ident) == 1:
        return f"{table}:{ident[0]}"
    return None


@event.listens_for(OrmSession, "before_flush")
def _before_flush(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    if INFO_KEY not in session.info:
        return
    now = utcnow()
    for obj in session.dirty:
        if hasattr(obj, "updated_at") and session.is_modified(obj, include_collections=False):
            obj.updated_at = now


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session: OrmSession, _ctx: Any) -> None:
    state: _State | None = session.info.get(INFO_KEY)
    if state is None:
        return
    rows: list[dict[str, Any]] = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, SQLModel):
                continue
            table: str = obj.__tablename__  # type: ignore[assignment]
            if table in UNTRACKED:
                continue
            data: dict[str, Any] = {}
            insp = inspect(obj)
            for key in _column_keys(obj):
                if key in SKIP_FIELDS:
                    continue
                if action == "create":
                    value = getattr(obj, key)
                    if value is not None:
                        data[key] = [None, to_json(value)]
                elif action == "delete":
                    data[key] = [to_json(insp.attrs[key].loaded_value), None]
                else:
                    hist = insp.attrs[key].history
                    if hist.has_changes():
                        old = hist.deleted[0] if hist.deleted else None
                        new = hist.added[0] if hist.added else None
                        if old != new:
                            data[key] = [to_json(old), to_json(new)]
            if action == "update" and not data:
                continue
            name = action
            if action == "update" and "archived_at" in data:
                name = "archive" if data["archived_at"][1] is not None else "restore"
            ident = _identity(obj)
            if state.touched is not None:
                if len(ident) == 1 and isinstance(ident[0], int):
                    state.touched.add((table, ident[0]))
                parent = PARENTS.get(table)
                if parent and getattr(obj, parent[1]) is not None:
                    state.touched.add((parent[0], int(getattr(obj, parent[1]))))
            rows.append(
                {
                    "entity": table,
                    "entity_id": json.dumps(ident),
                    "record": _record_key(obj, table, ident),
                    "action": name,
                    "data": json.dumps(data, sort_keys=True, ensure_ascii=False),
                }
            )
    if not rows:
        return
    conn = session.connection()
    if state.user_id is None:
        state.user_id = ensure_user(conn, state.user)
    if state.change_set_id is None:
        cs_table = schema.change_set
        result = conn.execute(sa.insert(cs_table).values(user_id=state.user_id, at=utcnow(), summary=state.summary))
        state.change_set_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    for row in rows:
        row["change_set_id"] = state.change_set_id
    conn.execute(sa.insert(schema.change), rows)


def finish(session: Session) -> None:
    """Flush, store the summary on the change set, and refresh the search index."""
    session.flush()
    state: _State | None = session.info.get(INFO_KEY)
    if state is None:
        return
    if state.change_set_id is not None:
        cs_table = schema.change_set
        session.connection().execute(
            sa.update(cs_table).where(cs_table.c.id == state.change_set_id).values(summary=state.summary)
        )
    if state.touched:
        from termcrm.services import search

        search.reindex(session, state.touched)


def model_for(table: str) -> type[SQLModel]:
    """The SQLModel class of a table name."""
    load_all()
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        cls = mapper.class_
        if getattr(cls, "__tablename__", None) == table:
            return cls  # type: ignore[no-any-return]
    raise KeyError(table)


@dataclass
class UndoResult:
    """What ``crm undo`` reverted."""

    change_set_id: int
    summary: str
    at: datetime
    changes: int


def undo(session: Session) -> UndoResult:
    """Revert the acting user's latest change set that is not undone (and is not itself an undo)."""
    from termcrm.models import Change, ChangeSet

    uid = acting_user_id(session)
    cs = session.exec(
        select(ChangeSet)
        .where(ChangeSet.user_id == uid, ChangeSet.undone_at.is_(None), ChangeSet.undo_of_id.is_(None))  # type: ignore[union-attr]
        .order_by(ChangeSet.id.desc())  # type: ignore[union-attr]
        .limit(1)
    ).first()
    if cs is None:
        raise NotFound("nothing to undo: you have no changes left that are not undone")
    changes = session.exec(
        select(Change).where(Change.change_set_id == cs.id).order_by(Change.id.desc())  # type: ignore[union-attr]
    ).all()
    set_summary(session, f"undo #{cs.id}: {cs.summary}")
    _refuse_if_changed_since(session, cs, changes)
    for change in changes:
        model = model_for(change.entity)
        ident = tuple(json.loads(change.entity_id))
        data: dict[str, list[Any]] = json.loads(change.data)
        key = ident[0] if len(ident) == 1 else ident
        if change.action == "create":
            obj = session.get(model, key)
            if obj is not None:
                session.delete(obj)
                session.flush()
        elif change.action == "delete":
            values = {field: from_json(model, field, pair[0]) for field, pair in data.items()}
            if session.get(model, key) is None:
                session.add(model(**values))
                session.flush()
        else:
            obj = session.get(model, key)
            if obj is None:
                raise Conflict(f"cannot undo: {change.entity} {change.entity_id} no longer exists")
            for field, (old, new) in data.items():
                current = to_json(getattr(obj, field))
                if current != new and not _same_time(current, new):
                    raise Conflict(
                        f"cannot undo #{cs.id}: {change.entity} {ident[0]} field {field} changed since "
                        f"(now {current!r}); nothing was reverted"
                    )
                setattr(obj, field, from_json(model, field, old))
            session.flush()
    assert cs.id is not None
    cs.undone_at = utcnow()
    session.add(cs)
    session.flush()
    state: _State | None = session.info.get(INFO_KEY)
    if state is not None and state.change_set_id is not None:
        new_cs = session.get(ChangeSet, state.change_set_id)
        if new_cs is not None:
            new_cs.undo_of_id = cs.id
            session.add(new_cs)
    return UndoResult(change_set_id=cs.id, summary=cs.summary, at=cs.at, changes=len(changes))


def _refuse_if_changed_since(session: Session, cs: ChangeSet, changes: Sequence[Change]) -> None:
    """Conflict when a record ``cs`` created or deleted was written by a later change set still in effect.

    Updates are checked field by field as they are reverted; a created record
    has no field to compare, so undoing it would silently drop later edits
    (or a later interaction's link to it).
    """
    from termcrm.models import Change, ChangeSet

    for change in changes:
        if change.action not in ("create", "delete"):
            continue
        later = session.exec(
            select(Change.change_set_id)
            .join(ChangeSet, ChangeSet.id == Change.change_set_id)  # type: ignore[arg-type]
            .where(
                Change.entity == change.entity,
                Change.entity_id == change.entity_id,
                Change.change_set_id > cs.id,  # type: ignore[operator]
                ChangeSet.undone_at.is_(None),  # type: ignore[union-attr]
                ChangeSet.undo_of_id.is_(None),  # type: ignore[union-attr]
            )
            .limit(1)
        ).first()
        if later is not None:
            ident = ",".join(str(x) for x in json.loads(change.entity_id))
            raise Conflict(
                f"cannot undo #{cs.id}: {change.entity} {ident} was changed since (by #{later}); nothing was reverted"
            )


def _same_time(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        try:
            return datetime.fromisoformat(a) == datetime.fromisoformat(b)
        except ValueError:
            return False
    return False


@dataclass
class HistoryEntry:
    """One change as ``crm history`` shows it."""

    change_set_id: int
    at: datetime
    user: str | None
    summary: str
    entity: str
    entity_id: str
    action: str
    fields: dict[str, list[Any]]
    undone: bool


def list_history(session: Session, record: str | None = None, limit: int | None = 50) -> list[HistoryEntry]:
    """The latest changes, newest first; ``record`` (``contact:42``) narrows to one record."""
    from termcrm.models import Change, ChangeSet, User

    stmt = (
        select(Change, ChangeSet, User.name)
        .join(ChangeSet, ChangeSet.id == Change.change_set_id)  # type: ignore[arg-type]
        .join(User, User.id == ChangeSet.user_id, isouter=True)  # type: ignore[arg-type]
        .order_by(Change.id.desc())  # type: ignore[union-attr]
    )
    if record is not None:
        stmt = stmt.where(Change.record == record)
    if limit:
        stmt = stmt.limit(limit)
    entries = []
    for change, cs, user_name in session.exec(stmt).all():
        entries.append(
            HistoryEntry(
                change_set_id=cs.id or 0,
                at=cs.at,
                user=user_name,
                summary=cs.summary,
                entity=change.entity,
                entity_id=",".join(str(x) for x in json.loads(change.entity_id)),
                action=change.action,
                fields=json.loads(change.data),
                undone=cs.undone_at is not None,
            )
        )
    return entries
