"""``crm db``: where the database is, backup, restore, check, upgrade and reindex."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from termcrm.cli.common import YesOpt, confirm, done, settings

if TYPE_CHECKING:
    from termcrm.db import Database

app = typer.Typer(help="Database path, backup, restore, check and upgrade.", no_args_is_help=True)


def _open_unmigrated() -> Database:
    """The database without migrate-on-open, so check and upgrade see it as it is."""
    from termcrm.cli import _click as click
    from termcrm.db import open_database

    db = open_database(settings(), migrate=False)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().call_on_close(db.dispose)
    return db


@app.command("path")
def path() -> None:
    """Print the database file (or the server URL, password hidden)."""
    current = settings()
    if current.db_path is not None:
        sys.stdout.write(f"{current.db_path}\n")
        return
    import sqlalchemy as sa

    sys.stdout.write(sa.engine.make_url(current.db_url).render_as_string(hide_password=True) + "\n")


@app.command("backup")
def backup(
    file: Annotated[
        Path | None,
        typer.Argument(help="Where to write the copy (default: beside the database, crm.db.backup-<time>.bak)."),
    ] = None,
) -> None:
    """Copy the live database with SQLite's online backup API (file mode 0600)."""
    from termcrm.services import maintenance

    written = maintenance.backup(settings().db_path, file)
    sys.stdout.write(f"{written}\n")
    done(f"backed up {settings().db_path} to {written}")


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="A termcrm SQLite database, e.g. one crm db backup wrote.")],
    yes: YesOpt = False,
) -> None:
    """Replace the database with FILE, after checking FILE and backing up the current database."""
    from termcrm.services import maintenance

    target = settings().db_path
    if target is None:
        maintenance.restore(None, file)  # raises: PostgreSQL has pg_restore
        return
    maintenance.verify_file(file.expanduser())
    confirm(f"Replace {target} with {file}? (the current database is backed up first)", yes)
    result = maintenance.restore(target, file)
    where = f"; the previous database is in {result.previous_backup}" if result.previous_backup else ""
    done(f"restored {target} from {result.source} (schema {result.revision}){where}")


@app.command("check")
def check() -> None:
    """Check integrity and foreign keys (SQLite) and the schema revision; exit 1 listing problems."""
    from termcrm.services import maintenance

    result = maintenance.check(_open_unmigrated())
    if result.ok:
        sys.stdout.write(f"ok ({', '.join(result.checks)})\n")
        return
    for problem in result.problems:
        sys.stdout.write(f"{problem}\n")
    sys.stderr.write(f"error: {len(result.problems)} problem{'s' if len(result.problems) != 1 else ''} found\n")
    raise typer.Exit(1)


@app.command("upgrade")
def upgrade() -> None:
    """Run pending schema migrations now (they also run on open) and print what ran."""
    from termcrm.services import maintenance

    result = maintenance.upgrade(_open_unmigrated())
    if not result.ran:
        sys.stdout.write(f"already up to date (schema {', '.join(result.after) or 'none'})\n")
        return
    for rev in result.ran:
        sys.stdout.write(f"ran {rev}\n")
    backup_note = f"; backup in {result.backup}" if result.backup else ""
    done(f"upgraded schema {', '.join(result.before) or '(empty)'} -> {', '.join(result.after)}{backup_note}")


@app.command("reindex")
def reindex() -> None:
    """Rebuild the full-text search index from the tables."""
    from termcrm.cli.common import writing
    from termcrm.services import search

    with writing() as session:
        count = search.rebuild(session)
    done(f"reindexed {count} document{'s' if count != 1 else ''}")
