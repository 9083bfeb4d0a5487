"""``crm remind``: print what is due, for cron; silent (exit 0) when nothing is."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from termcrm.cli.common import reading, settings, state, writing
from termcrm.errors import Invalid

app = typer.Typer(help="Print what is due, for cron (silent when nothing is).")

REMIND_FORMATS = ("text", "json", "ics")
NOTIFY_TIMEOUT = 30
"""Seconds a --notify command may run before it is given up on."""


def _format_callback(value: str) -> str:
    if value not in REMIND_FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(REMIND_FORMATS)}")
    state().format = "json" if value == "json" else "text"
    return value


def _notify_argv(command: str) -> list[str]:
    import shlex
    import shutil

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise Invalid(f"cannot read --notify {command!r}: {exc}") from None
    if not argv:
        raise Invalid("--notify needs a command, e.g. --notify notify-send")
    if shutil.which(argv[0]) is None:
        raise Invalid(f"--notify: no command {argv[0]!r} on PATH; give a full path or install it")
    return argv


def _notify(argv: list[str], texts: list[str]) -> None:
    import subprocess

    for text in texts:
        try:
            result = subprocess.run([*argv, text], check=False, timeout=NOTIFY_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            sys.stderr.write(f"warning: --notify {argv[0]} failed: {exc}\n")
            continue
        if result.returncode != 0:
            sys.stderr.write(f"warning: --notify {argv[0]} exited {result.returncode} for: {text}\n")


@app.command("remind")
def remind(
    within: Annotated[
        str | None,
        typer.Option(
            "--within", "-w", help="Also what falls due this soon: 15m, 2h, 1d (default: only what is due now)."
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", "-u", help="Whose reminders: a user name (default: yours).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Everyone's reminders.")] = False,
    fmt: Annotated[
        str, typer.Option("-f", "--format", help="Output: text, json or ics.", callback=_format_callback)
    ] = "text",
    once: Annotated[
        bool,
        typer.Option("--once", help="Mark what is printed and leave it out of later runs (until snoozed or edited)."),
    ] = False,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when something is due.")] = False,
    notify: Annotated[
        str | None,
        typer.Option("--notify", help="Run this command once per item with the item's text as its argument."),
    ] = None,
) -> None:
    """Print overdue follow-ups, those due within --within, lapsed cadences and today's birthdays.

    Prints nothing and exits 0 when nothing is due, so cron sends no mail.
    """
    from datetime import timedelta

    from termcrm import dates
    from termcrm.services import followups, refs

    if user and all_:
        raise Invalid("give --user U or --all, not both")
    window = dates.parse_duration(within) if within else timedelta(0)
    argv = _notify_argv(notify) if notify else None
    now = dates.utcnow()
    calendar: str | None = None
    # A short read session: never blocks a writer (WAL), never holds a lock while printing or notifying.
    with reading() as session:
        if user:
            refs.user(session, user)  # a misspelt --user is an error, not an empty (silent) run
        who = None if all_ else (user or settings().user)
        items = followups.due_items(session, now, window, who, once=once)
        if items and fmt == "ics":
            from termcrm.io.ical import write_calendar

            calendar = write_calendar(followups.due_calendar_items(session, items), stamp=now, name="termcrm reminders")
    if not items:
        return
    if fmt == "json":
        from termcrm.io.render import dumps

        sys.stdout.write(dumps([item.as_dict() for item in items]) + "\n")
    elif fmt == "ics":
        assert calendar is not None
        sys.stdout.write(calendar)
    else:
        sys.stdout.write("".join(item.text + "\n" for item in items))
    sys.stdout.flush()
    if argv is not None:
        _notify(argv, [item.text for item in items])
    if once:
        with writing("remind --once") as session:
            followups.mark_reminded(session, items)
    if exit_code:
        raise typer.Exit(1)
