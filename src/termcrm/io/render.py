"""Renderers for list and show output: table, json, jsonl, csv and ids.

table is for people (rich, colour only on a terminal and never with
``NO_COLOR``); json is an array for lists and an object for show; jsonl one
object a line; csv a header and one row a record (lists joined with ``; ``);
ids one id a line. Data goes to stdout; messages go to stderr.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from termcrm.errors import Invalid
from termcrm.vocab import FORMATS


@dataclass(frozen=True)
class Column:
    """A table column: the key in the row dict, its header, and an optional formatter."""

    key: str
    header: str = ""
    fmt: Callable[[Any, Mapping[str, Any]], str] | None = None
    justify: str = "left"
    max_width: int | None = None

    @property
    def title(self) -> str:
        """The header text."""
        return self.header or self.key.replace("_", " ")


def money_cell(value: Any, row: Mapping[str, Any]) -> str:
    """A table cell for a money number in the row's ``currency``."""
    from termcrm.money import format_number

    return format_number(value, str(row.get("currency") or "USD"))


def check_format(fmt: str, allowed: Sequence[str] = FORMATS) -> str:
    """``fmt`` if allowed, else Invalid listing the choices."""
    if fmt not in allowed:
        raise Invalid(f"format {fmt!r} is not one of: {', '.join(allowed)}")
    return fmt


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_cell(v) if not isinstance(v, dict) else _cell(next(iter(v.values()), "")) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def console(stderr: bool = False) -> Any:
    """A rich Console sized to the terminal (wide when output is not a terminal)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    width = shutil.get_terminal_size((120, 40)).columns if is_tty else int(os.environ.get("COLUMNS", "200"))
    return Console(
        file=stream, width=width, no_color=bool(os.environ.get("NO_COLOR")) or None, highlight=False, soft_wrap=False
    )


def print_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, title: str | None = None, out: Any = None
) -> None:
    """A rich table of ``rows``."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False, show_edge=False)
    for col in columns:
        table.add_column(col.title, justify=col.justify, max_width=col.max_width, overflow="ellipsis", no_wrap=True)  # type: ignore[arg-type]
    from rich.text import Text

    for row in rows:
        # Text, not markup: a name like "Eve [x] Adams" must print as written.
        table.add_row(
            *[Text(col.fmt(row.get(col.key), row) if col.fmt else _cell(row.get(col.key))) for col in columns]
        )
    (out or console()).print(table)


def write_csv(rows: Iterable[Mapping[str, Any]], keys: Sequence[str], stream: IO[str]) -> None:
    """CSV with a header; lists joined with ``; ``, formula-like cells neutralised."""
    from termcrm.io.csvsafe import escape_formula

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow([escape_formula(_cell(row.get(k))) for k in keys])


def dumps(value: Any) -> str:
    """Stable, human-friendly JSON."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def emit_list(
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    columns: Sequence[Column],
    *,
    title: str | None = None,
    empty: str | None = None,
) -> None:
    """Print a list in ``fmt``; table shows ``columns``, the other formats every key."""
    if fmt == "json":
        sys.stdout.write(dumps(list(rows)) + "\n")
    elif fmt == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        keys = list(rows[0].keys()) if rows else [c.key for c in columns]
        write_csv(rows, keys, sys.stdout)
    elif fmt == "ids":
        for row in rows:
            sys.stdout.write(f"{row.get('id')}\n")
    else:
        if not rows:
            if empty:
                message(empty)
            return
        print_table(rows, columns, title=title)


def emit_one(data: Mapping[str, Any], fmt: str, table: Callable[[Mapping[str, Any]], None]) -> None:
    """Print one record: json/jsonl as an object, csv as one row, ids its id, table through ``table``."""
    if fmt == "json":
        sys.stdout.write(dumps(data) + "\n")
    elif fmt == "jsonl":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        flat = {k: v for k, v in data.items() if not (isinstance(v, list) and v and isinstance(v[0], dict))}
        write_csv([flat], list(flat.keys()), sys.stdout)
    elif fmt == "ids":
        sys.stdout.write(f"{data.get('id')}\n")
    else:
        table(data)


def message(text: str) -> None:
    """A message for the person (stderr)."""
    sys.stderr.write(text + "\n")


def print_fields(pairs: Sequence[tuple[str, Any]], *, title: str | None = None, out: Any = None) -> None:
    """``label  value`` lines for show commands (empty values skipped)."""
    from rich.table import Table

    con = out or console()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    from rich.markup import escape
    from rich.text import Text

    for label, value in pairs:
        text = _cell(value)
        if text:
            grid.add_row(Text(label), Text(text))
    if title:
        con.print(f"[bold]{escape(title)}[/bold]")
    con.print(grid)


def heading(text: str) -> None:
    """A section heading in show output."""
    from rich.markup import escape

    console().print(f"\n[bold underline]{escape(text)}[/bold underline]")
