"""What every command module shares: options, the database, output and errors.

Imports here stay light (no SQLAlchemy, no Textual) so ``crm --help`` and
shell completion are fast; the database and services are imported inside
functions, when a command actually runs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from termcrm.cli import _click as click
from termcrm.errors import Invalid
from termcrm.money import LARGEST_INTEGER
from termcrm.vocab import FORMATS

if TYPE_CHECKING:
    from sqlmodel import Session

    from termcrm.config import Settings
    from termcrm.db import Database


@dataclass
class CliState:
    """Global options, and the database opened for this command (once)."""

    db: str | None = None
    user: str | None = None
    debug: bool = False
    format: str = "table"
    _settings: Settings | None = None
    _database: Database | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_FALLBACK = CliState()
_active: CliState | None = None
"""The state of the command running now, still readable after its context closed (for error output)."""


def state() -> CliState:
    """The state of the running command."""
    global _active
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return _active or _FALLBACK
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    _active = root.obj
    return root.obj


def reset_state() -> None:
    """Forget the previous command's state (one process may run several commands, as tests do)."""
    global _active
    _active = None


def settings() -> Settings:
    """Settings resolved from flags, environment and config."""
    st = state()
    if st._settings is None:
        from termcrm.config import load_settings

        st._settings = load_settings(st.db, st.user, debug=st.debug)
    return st._settings


def database() -> Database:
    """The database, opened (and migrated) on first use; closed when the command ends."""
    st = state()
    if st._database is None:
        from termcrm.db import open_database

        st._database = open_database(settings())
        ctx = click.get_current_context(silent=True)
        db = st._database
        if ctx is not None:
            ctx.find_root().call_on_close(db.dispose)
    return st._database


@contextmanager
def reading() -> Iterator[Session]:
    """A read session for one command."""
    with database().read() as session:
        yield session


@contextmanager
def writing(summary: str = "") -> Iterator[Session]:
    """A write session for one command: one transaction, one change set."""
    with database().write(summary) as session:
        yield session


def _format_callback(ctx: click.Context, _param: Any, value: str) -> str:
    if value not in FORMATS:
        raise click.BadParameter(f"{value!r} is not one of: {', '.join(FORMATS)}")
    state().format = value
    return value


def _text_format_callback(ctx: click.Context, _param: Any, value: str) -> str:
    state().format = value
    return value


FormatOpt = Annotated[
    str,
    typer.Option(
        "-f",
        "--format",
        help="Output format: table, json, jsonl, csv or ids.",
        callback=_format_callback,
        show_default=True,
    ),
]
"""The ``-f/--format`` option every list and show command takes."""


def at_most_largest(value: int | None) -> int | None:
    """A ``--limit`` beyond what any table can hold means every row (the database refuses such a number)."""
    return None if value is None else min(value, LARGEST_INTEGER)


LimitOpt = Annotated[
    int | None, typer.Option("--limit", "-n", help="Show at most N rows.", min=0, callback=at_most_largest)
]
SortOpt = Annotated[str | None, typer.Option("--sort", help="Order by FIELD (prefix - for descending).")]
FilterArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Filter words: field:value, field>value, field<=value, field!=value, +tag, -tag, @segment, text.",
        show_default=False,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


_DASH_WORD = re.compile(r"^-[^\W\d_][\w.&/-]+$", re.UNICODE)


class FilterCommand(TyperCommand):
    """A list command: words like ``-family`` are filter words, not clusters of short options.

    Click alone reads ``-family`` as ``-f amily``; such words are set aside
    before Click parses and handed back through :func:`filter_words`.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = {opt for param in self.params for opt in (*param.opts, *param.secondary_opts)}
        # Options that take a value: the word after them is that value (`--sort -name`), never a filter.
        takes_value = {
            opt
            for param in self.params
            if param.param_type_name == "option" and not getattr(param, "is_flag", False)
            and not getattr(param, "count", False)
            for opt in param.opts
        }  # fmt: skip
        aside: list[str] = []
        rest: list[str] = []
        value_next = False
        for i, arg in enumerate(args):
            if value_next:
                rest.append(arg)
                value_next = False
                continue
            if arg == "--":
                rest.extend(args[i:])
                break
            if arg in takes_value:
                value_next = True
            if _DASH_WORD.match(arg) and arg not in known and not arg.startswith("--"):
                aside.append(arg)
            else:
                rest.append(arg)
        ctx.meta["termcrm_filter_aside"] = aside
        return super().parse_args(ctx, rest)


def filter_words(words: Sequence[str] | None) -> list[str]:
    """The command's filter words, including those set aside by :class:`FilterCommand`."""
    ctx = click.get_current_context(silent=True)
    aside = ctx.meta.get("termcrm_filter_aside", []) if ctx else []
    return [*(words or []), *aside]


def read_text_arg(value: str | None) -> str | None:
    """``-`` means read the text from standard input."""
    if value == "-":
        return sys.stdin.read()
    return value


def confirm(question: str, yes: bool) -> None:
    """Ask in a terminal; without one, ``--yes`` is required."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise Invalid(f"{question.rstrip('?')}: not a terminal, so pass --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        raise click.Exit(1)


def parse_when_opt(value: str | None) -> Any:
    """A date/time option through the dates module (None stays None)."""
    if value is None:
        return None
    from termcrm import dates

    return dates.parse_when(value)


def emit_written(row: Any, fmt: str, text: str) -> None:
    """After a write: ``text`` for people (stderr) with ``-f table``, else the written record in ``fmt``."""
    if fmt == "table":
        done(text)
        return
    from termcrm.io.render import emit_one

    emit_one(row, fmt, lambda _d: None)


def done(text: str) -> None:
    """A confirmation message on stderr (quiet for machine formats)."""
    if state().format in ("table", "text"):
        sys.stderr.write(text + "\n")
