"""The ``crm`` command: global options, lazily loaded nouns, and error handling.

Each noun lives in its own module (``termcrm.cli.<module>``) and is imported
only when it runs, so ``crm --help``, ``--version`` and shell completion
import neither SQLAlchemy nor Textual. Errors become one line on stderr
(``error: …``), or a JSON object with ``-f json``, and the exit codes of
DESIGN.md: 0 ok, 1 unexpected, 2 bad input, 3 not found, 4 ambiguous or
conflict, 5 invalid input file.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from termcrm import __version__
from termcrm.cli import _click as click
from termcrm.cli.common import CliState, reset_state, state
from termcrm.errors import CrmError

COMMANDS: dict[str, tuple[str, str]] = {
    "contact": ("contact", "Contacts: add, list, show, edit, archive, duplicates and merge."),
    "company": ("company", "Companies: add, list, show, edit, archive."),
    "tag": ("tag", "Tags: list with counts, rename, remove."),
    "log": ("log", "Record an interaction (call, email, meeting, note...) with a contact."),
    "activity": ("activity", "List interactions across contacts."),
    "deal": ("deal", "Deals: add, list, show, move through stages, won/lost, line items, quotes."),
    "pipeline": ("pipeline", "Pipelines and their stages."),
    "product": ("product", "Products with price and cost."),
    "quota": ("quota", "Revenue quotas per user and period."),
    "followup": ("followup", "Follow-ups: tasks with due dates, recurrence, snooze."),
    "remind": ("remind", "Print what is due, for cron (silent when nothing is)."),
    "next": ("next", "What to do now, ranked."),
    "agenda": ("agenda", "Follow-ups, birthdays and expected closes by day."),
    "ticket": ("ticket", "Service tickets with SLA clocks, comments and ratings."),
    "sla": ("sla", "SLA targets per ticket priority."),
    "kb": ("kb", "Knowledge-base articles."),
    "campaign": ("campaign", "Marketing campaigns, members and responses."),
    "segment": ("segment", "Saved contact filters."),
    "report": ("report", "Text reports: pipeline, forecast, win/loss, activity, tickets, customers..."),
    "alerts": ("alerts", "Threshold alerts for cron (silent when none fire)."),
    "search": ("search", "Full-text search across contacts, companies, deals, tickets..."),
    "import": ("import_", "Import CSV, vCard or a JSON dump."),
    "export": ("export", "Export CSV, vCard, iCalendar or a JSON dump."),
    "user": ("user", "Users of this database."),
    "history": ("history", "The change history of a record, or the latest changes."),
    "undo": ("undo", "Revert your latest change."),
    "config": ("config", "Show and change settings (config.toml)."),
    "db": ("db", "Database path, backup, restore, check and upgrade."),
    "demo": ("demo", "Build a demo database with realistic data (and open it)."),
    "tui": ("tui", "Open the terminal user interface."),
}
"""Every noun: (module under termcrm.cli, one-line help). Modules not yet present are hidden."""


def _available(name: str) -> bool:
    module = COMMANDS[name][0]
    here = os.path.dirname(__file__)
    return os.path.exists(os.path.join(here, f"{module}.py"))


def emit_error(exc: CrmError | str, code: str = "error", exit_code: int = 1) -> None:
    """Print one error line (or a JSON error object with ``-f json``)."""
    message = exc.message if isinstance(exc, CrmError) else exc
    if isinstance(exc, CrmError):
        code = exc.code
    if state().format in ("json", "jsonl"):
        sys.stderr.write(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False) + "\n")
    else:
        sys.stderr.write(f"error: {message}\n")


def _noun_command(app: typer.Typer, wanted: str | None) -> Any:
    """The click command of a noun's Typer app.

    When the command line names one of the noun's commands (``crm deal move
    ...``), the group is built with that command alone: Typer turns every
    command's signature into click parameters, which for a whole noun costs
    more than the command itself does. Help, completion and anything else
    get the whole group.
    """
    is_group = bool(app.registered_callback or app.info.callback or app.registered_groups)
    if wanted and (is_group or len(app.registered_commands) > 1):
        alone = copy.copy(app)
        alone.registered_commands = [
            info
            for info in app.registered_commands
            if (info.name or typer.main.get_command_name(info.callback.__name__)) == wanted  # type: ignore[union-attr]
        ]
        alone.registered_groups = [
            info for info in app.registered_groups if (info.name or info.typer_instance.info.name) == wanted
        ]
        if alone.registered_commands or alone.registered_groups:
            return typer.main.get_group(alone)
    return typer.main.get_command(app)


class CrmGroup(TyperGroup):
    """The root group: lazy nouns, one-line errors, exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        if ctx.meta.get("termcrm_listing"):
            return click.Command(name=cmd_name, help=COMMANDS[cmd_name][1], short_help=COMMANDS[cmd_name][1])
        module = importlib.import_module(f"termcrm.cli.{COMMANDS[cmd_name][0]}")
        module.app._add_completion = False  # completion is offered once, on the root command
        command = _noun_command(module.app, ctx.meta.get("termcrm_subcommand"))
        command.name = cmd_name
        if not command.help:
            command.help = COMMANDS[cmd_name][1]
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        # What follows the noun, so get_command can build that command alone.
        ctx.meta["termcrm_subcommand"] = args[1] if len(args) > 1 else None
        return super().resolve_command(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx.meta["termcrm_listing"] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta["termcrm_listing"] = False

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        debug = "--debug" in (args if args is not None else sys.argv[1:])
        reset_state()
        try:
            rv = super().main(
                args=args, prog_name=prog_name or "crm", complete_var=complete_var, standalone_mode=False, **extra
            )
        except click.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            sys.stderr.write("error: aborted\n")
            sys.exit(1)
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                # `crm contact` alone: the help is the message (Typer's rich help has printed it already).
                text = exc.format_message()
                if text.strip():
                    sys.stdout.write(text.rstrip("\n") + "\n")
                sys.exit(2)
            hint = ""
            if exc.ctx is not None:
                hint = f" (see: {exc.ctx.command_path} --help)"
            emit_error(f"{exc.format_message()}{hint}", code="usage", exit_code=2)
            sys.exit(2)
        except click.ClickException as exc:
            emit_error(exc.format_message())
            sys.exit(exc.exit_code)
        except CrmError as exc:
            if debug:
                raise
            emit_error(exc)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("error: interrupted\n")
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
            if debug:
                raise
            first = str(exc).splitlines()[0] if str(exc) else ""
            emit_error(f"unexpected {type(exc).__name__}: {first} (run with --debug for details)")
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="termcrm: a keyboard-first CRM for the terminal. Run `crm` alone to open the TUI.",
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"termcrm {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database file or URL (default: CRM_DATABASE_URL, CRM_DB, or the data dir)."),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Act as this user (default: CRM_USER, config, login).")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for unexpected errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """termcrm: a keyboard-first CRM for the terminal."""
    st = ctx.obj if isinstance(ctx.obj, CliState) else CliState()
    st.db, st.user, st.debug = db, user, debug
    ctx.obj = st
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty() and _available("tui"):
            from termcrm.cli.tui import open_tui

            open_tui()
        else:
            typer.echo(ctx.get_help())


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``crm`` console script."""
    command = typer.main.get_command(app)
    command.main(args=list(argv) if argv is not None else None, prog_name="crm")
