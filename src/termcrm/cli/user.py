"""``crm user``: the people who use this database."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, done, emit_written, reading, writing

app = typer.Typer(help="Users of this database.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="User name (any case) or id.")]


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("name"),
        Column("email"),
        Column("active"),
        Column("created_at", "since", fmt=lambda v, _r: _day(v)),
    ]


def _day(value: Any) -> str:
    from termcrm.cli.views import when

    return when(value, with_time=False)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user's name (unique regardless of case).")],
    email: Annotated[str | None, typer.Option("--email", "-e", help="The user's email address.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Register a user (you are registered on your first write without this)."""
    from termcrm.services import users

    with writing() as session:
        user = users.add_user(session, name, email)
        row = users.rows([user])[0]
    emit_written(row, fmt, f"added user #{row['id']} {row['name']}")


@app.command("list")
def list_(
    active: Annotated[bool, typer.Option("--active", help="Only active users.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """List users, active and deactivated."""
    from termcrm.io.render import emit_list
    from termcrm.services import users

    with reading() as session:
        rows = users.rows(users.list_users(session, include_inactive=not active))
    emit_list(rows, fmt, _columns(), empty="no users yet — you are registered on your first change")


def _set_active(name: str, active: bool) -> None:
    from termcrm.services import refs, users

    with writing() as session:
        user = refs.user(session, name)
        users.set_active(session, user, active)
        label = f"#{user.id} {user.name}"
    done(f"{'activated' if active else 'deactivated'} user {label}")


@app.command("deactivate")
def deactivate(name: NameArg) -> None:
    """Mark a user inactive (their records and history stay)."""
    _set_active(name, False)


@app.command("activate")
def activate(name: NameArg) -> None:
    """Mark a deactivated user active again."""
    _set_active(name, True)
