"""The CLI reference in docs/ is generated from --help, complete and current."""

from __future__ import annotations

from pathlib import Path

import typer

from termcrm.cli import app
from termcrm.cli.reference import render, walk

DOC = Path(__file__).parent.parent / "docs" / "cli-reference.md"


def test_every_command_and_parameter_has_help() -> None:
    missing = []
    for path, command in walk(typer.main.get_command(app)):
        name = " ".join(("crm", *path))
        if not (command.help or command.short_help):
            missing.append(name)
        for param in command.params:
            if getattr(param, "hidden", False):
                continue
            if not getattr(param, "help", None):
                missing.append(f"{name} {param.name}")
    assert missing == []


def test_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/cli-reference.md is stale: run python -m termcrm.cli.reference > docs/cli-reference.md"
    )
