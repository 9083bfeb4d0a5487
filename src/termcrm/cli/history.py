"""``crm history``: who changed what and when, with old and new values."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, at_most_largest, reading

app = typer.Typer(help="The change history of a record, or the latest changes.")

KINDS = ("contact", "company", "deal", "ticket", "followup")
"""Record kinds ``--kind`` accepts."""

_RECORD_KEY = re.compile(r"^(contact|company|deal|ticket|followup):#?(\d+)$")


def _record_key(session: Any, ref: str, kind: str) -> str:
    """``contact:42`` for REF resolved as a record of ``kind`` (or given as ``kind:id``)."""
    from termcrm.services import refs

    literal = _RECORD_KEY.match(ref.strip().lower())
    if literal:
        return f"{literal[1]}:{literal[2]}"
    if kind == "contact":
        return f"contact:{refs.contact_row(session, ref, archived=True).id}"
    if kind == "company":
        return f"company:{refs.company(session, ref, archived=True).id}"
    if kind == "deal":
        return f"deal:{refs.deal(session, ref).id}"
    from termcrm import models

    model: Any = models.Ticket if kind == "ticket" else models.Followup
    what = "ticket" if kind == "ticket" else "follow-up"
    return f"{kind}:{refs.by_id(session, model, ref, what).id}"


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


HIDDEN = frozenset({"id", "name_key", "email_key", "phone_key", "position", "created_at"})
"""Bookkeeping columns left out of the table view of a created or deleted row (JSON keeps them)."""


def describe(action: str, fields: dict[str, list[Any]]) -> str:
    """The changed values of one change: ``city: — -> Berlin; title: CTO -> CEO``."""
    parts = []
    for name, (old, new) in sorted(fields.items()):
        if action in ("create", "delete"):
            if name not in HIDDEN:
                parts.append(f"{name}={_value(new if action == 'create' else old)}")
        else:
            parts.append(f"{name}: {_value(old)} -> {_value(new)}")
    return "; ".join(parts)


@app.command("history")
def history(
    ref: Annotated[
        str | None,
        typer.Argument(help="The record (a contact by default; see --kind), or kind:id such as deal:4."),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", "-k", help="What REF names: contact, company, deal, ticket or followup.")
    ] = "contact",
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Show at most N changes (default 50).", min=1, callback=at_most_largest)
    ] = 50,
    fmt: FormatOpt = "table",
) -> None:
    """Show the change history of one record, or the latest changes overall, newest first."""
    from termcrm.errors import Invalid
    from termcrm.services import history as history_service
    from termcrm.services.common import jsonable

    kind = kind.strip().lower()
    if kind not in KINDS:
        raise Invalid(f"--kind {kind!r} is not one of: {', '.join(KINDS)}")
    with reading() as session:
        record = _record_key(session, ref, kind) if ref is not None else None
        entries = history_service.list_history(session, record, limit=limit)
    rows = [
        {
            "id": e.change_set_id,
            "change_set_id": e.change_set_id,
            "at": jsonable(e.at),
            "user": e.user,
            "summary": e.summary,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "action": e.action,
            "changes": {name: {"old": old, "new": new} for name, (old, new) in sorted(e.fields.items())},
            "undone": e.undone,
        }
        for e in entries
    ]
    if fmt != "table":
        from termcrm.io.render import Column, emit_list

        emit_list(rows, fmt, [Column("id")])
        return
    _print(entries, record)


def _print(entries: list[Any], record: str | None) -> None:
    """Change sets as blocks: the header line, then one line per changed row."""
    from rich.markup import escape

    from termcrm.cli.views import when
    from termcrm.io.render import console, message

    if not entries:
        message(f"no history for {record}" if record else "no history yet")
        return
    con = console()
    last_set: int | None = None
    for e in entries:
        if e.change_set_id != last_set:
            last_set = e.change_set_id
            undone = " [undone]" if e.undone else ""
            line = f"{when(e.at)}  {e.user or '?'}  {e.summary}{undone}"
            con.print(f"[bold]#{e.change_set_id}[/bold]  {escape(line)}")
        detail = describe(e.action, e.fields)
        con.print(f"    {e.action} {e.entity} {e.entity_id}" + (f": {detail}" if detail else ""), markup=False)
