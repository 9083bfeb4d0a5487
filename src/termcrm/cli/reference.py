"""Generate docs/cli-reference.md from the commands' own ``--help``.

Run ``python -m termcrm.cli.reference > docs/cli-reference.md``; a test fails
when the file is stale or when a command or option lacks help text.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import typer

from termcrm.cli import _click as click
from termcrm.cli import app

WIDTH = 100


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command below ``command`` (itself first), with its path of names."""
    yield path, command
    list_commands = getattr(command, "list_commands", None)
    if list_commands is None:
        return
    ctx = click.Context(command, info_name=path[-1] if path else "crm")
    for name in list_commands(ctx):
        sub = command.get_command(ctx, name)  # type: ignore[attr-defined]
        if sub is not None and not sub.hidden:
            yield from walk(sub, (*path, name))


def help_text(path: tuple[str, ...]) -> str:
    """The ``--help`` output of ``crm PATH...`` at a fixed width, without colour."""
    from typer.testing import CliRunner

    env = {"COLUMNS": str(WIDTH), "TERMINAL_WIDTH": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb"}
    result = CliRunner().invoke(app, [*path, "--help"], env=env, color=False)
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()).strip("\n")


def render() -> str:
    """The whole reference as Markdown."""
    root = typer.main.get_command(app)
    lines = [
        "# CLI reference",
        "",
        "Generated from `--help` by `python -m termcrm.cli.reference > docs/cli-reference.md`; do not edit by hand.",
        "",
    ]
    for path, _command in walk(root):
        title = " ".join(("crm", *path))
        lines += [f"## `{title}`", "", "```text", help_text(path), "```", ""]
    return "\n".join(lines)


def main() -> None:
    """Print the reference to stdout."""
    os.environ.setdefault("COLUMNS", str(WIDTH))
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
