"""``crm config``: show and change the settings file (config.toml)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, done

app = typer.Typer(help="Show and change settings (config.toml).", no_args_is_help=True)


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if value == "":
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@app.command("show")
def show(
    key: Annotated[str | None, typer.Argument(help="Show only this key.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Every setting: its value, its default, whether config.toml sets it, and what it does.

    TUI keys rebound with ``tui.keys.<binding id>`` are listed when set, or when named.
    """
    from termcrm.config import CONFIG_KEYS, config_key, config_path, read_config_file
    from termcrm.io.render import Column, emit_list

    values = read_config_file(config_path())
    keys = [key] if key is not None else sorted(set(CONFIG_KEYS) | set(values))
    declared = {name: config_key(name) for name in keys}  # an unknown KEY is refused here
    rows = [
        {
            "id": name,
            "key": name,
            "value": values.get(name, decl.default),
            "default": decl.default,
            "set": name in values,
            "help": decl.help,
        }
        for name, decl in declared.items()
    ]
    emit_list(
        rows,
        fmt,
        [
            Column("key"),
            Column("value", fmt=lambda v, r: _shown(v) + (" *" if r["set"] else "")),
            Column("default", fmt=lambda v, _r: _shown(v)),
            Column("help"),
        ],
    )
    if fmt == "table" and any(r["set"] for r in rows):
        done(f"* set in {config_path()}")


@app.command("set", context_settings={"ignore_unknown_options": True})
def set_(
    key: Annotated[
        str,
        typer.Argument(help="The setting, e.g. currency or tui.keys.go-pipeline (crm config show lists them)."),
    ],
    value: Annotated[str, typer.Argument(help="Its new value.")],
) -> None:
    """Change one setting in config.toml; unknown keys and bad values are refused."""
    from termcrm.config import config_key, config_path, set_config_value
    from termcrm.errors import Invalid

    declared = config_key(key)
    try:
        stored = set_config_value(key, value)
    except Invalid as exc:
        raise Invalid(f"{key}: {exc.message} ({declared.help})") from None
    done(f"{key} = {_shown(stored)} (in {config_path()})")


@app.command("unset")
def unset(
    key: Annotated[str, typer.Argument(help="The setting to remove from config.toml (its default applies again).")],
) -> None:
    """Remove one setting from config.toml, so its default applies again."""
    from termcrm.config import config_key, config_path, unset_config_value

    default = config_key(key).default
    if unset_config_value(key):
        done(f"{key} is back to its default {_shown(default)} (in {config_path()})")
    else:
        done(f"{key} was not set; its default is {_shown(default)}")


@app.command("path")
def path() -> None:
    """Print where the settings file is (CRM_CONFIG overrides it)."""
    from termcrm.config import config_path

    sys.stdout.write(f"{config_path()}\n")
