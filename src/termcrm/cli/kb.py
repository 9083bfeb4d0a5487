"""``crm kb``: knowledge-base articles: add, list, show, edit, search, rm."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from termcrm.cli.common import (
    FilterArg,
    FilterCommand,
    FormatOpt,
    LimitOpt,
    SortOpt,
    YesOpt,
    at_most_largest,
    confirm,
    done,
    emit_written,
    filter_words,
    read_text_arg,
    reading,
    writing,
)

app = typer.Typer(help="Knowledge-base articles.", no_args_is_help=True)

ArticleArg = Annotated[str, typer.Argument(help="Article id or title.")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag; repeatable.")]


def _when(value: Any, _row: Any = None) -> str:
    from termcrm.cli.views import when

    return when(value, with_time=False)


def _columns(search: bool = False) -> list[Any]:
    from termcrm.io.render import Column

    cols = [
        Column("id", justify="right"),
        Column("title", max_width=50),
        Column("status"),
        Column("tags", max_width=30),
        Column("tickets", "solved", justify="right"),
        Column("updated_at", "updated", fmt=_when),
    ]
    if search:
        cols.insert(4, Column("snippet", "match", max_width=60))
    return cols


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(help="The article's title (what question it answers).")],
    body: Annotated[str | None, typer.Option("--body", help="The article in Markdown; - reads standard input.")] = None,
    tag: TagOpt = None,
    publish: Annotated[bool, typer.Option("--publish", help="Publish now (default: a draft).")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Write a knowledge-base article (a draft unless --publish)."""
    from termcrm.services import kb

    text = read_text_arg(body)
    with writing() as session:
        article = kb.create_article(session, title, body=text, tags=tag or [], publish=publish)
        session.flush()
        row = kb.article_rows(session, [article])[0]
    emit_written(row, fmt, f"added article #{row['id']} {row['title']} ({row['status']})")


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    archived: Annotated[bool, typer.Option("--archived", help="List archived articles instead.")] = False,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List articles (filters: status:published, +tag, title:word, updated>-30d, bare words)."""
    from termcrm.io.render import emit_list
    from termcrm.services import kb

    with reading() as session:
        found = kb.list_articles(session, filter_words(filters), sort=sort, limit=limit, archived=archived)
        rows = kb.article_rows(session, found)
    emit_list(rows, fmt, _columns(), empty="no articles match")


@app.command("show")
def show(ref: ArticleArg, fmt: FormatOpt = "table") -> None:
    """Show an article: its text, tags and the tickets it helped resolve."""
    from termcrm.io.render import emit_one
    from termcrm.services import kb

    with reading() as session:
        data = kb.article_view(session, kb.article_ref(session, ref))
    emit_one(data, fmt, _print_article)


def _print_article(d: Any) -> None:
    from termcrm.cli.views import when
    from termcrm.io.render import Column, console, heading, print_fields, print_table

    con = console()
    con.print(f"[bold]#{d['id']} {d['title']}[/bold]", markup=True)
    print_fields(
        [
            ("status", d["status"]),
            ("tags", ", ".join(d.get("tags") or [])),
            ("created", when(d.get("created_at"))),
            ("updated", when(d.get("updated_at"))),
        ]
    )
    heading("Article")
    if d.get("body"):
        from rich.markdown import Markdown

        con.print(Markdown(d["body"]))
    else:
        con.print("(empty) — crm kb edit ID --body -")
    if d.get("resolved_tickets"):
        heading(f"Resolved tickets ({len(d['resolved_tickets'])})")
        print_table(
            d["resolved_tickets"],
            [Column("id", justify="right"), Column("subject", max_width=60), Column("status")],
        )


@app.command("edit")
def edit(
    ref: ArticleArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    body: Annotated[str | None, typer.Option("--body", help="New Markdown text; - reads standard input.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="draft, published or archived.")] = None,
    publish: Annotated[bool, typer.Option("--publish", help="Publish the article.")] = False,
    unpublish: Annotated[bool, typer.Option("--unpublish", help="Make it a draft again.")] = False,
    tag: TagOpt = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", help="Remove a tag; repeatable.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Change an article; with no option in a terminal, opens the body in your $EDITOR."""
    from termcrm.errors import Invalid
    from termcrm.services import kb

    if publish and unpublish:
        raise Invalid("give --publish or --unpublish, not both")
    new_status = status or ("published" if publish else "draft" if unpublish else None)
    changes = kb.ArticleChanges(
        title=title, body=read_text_arg(body), status=new_status, add_tags=tag or [], remove_tags=untag or []
    )
    if changes.empty() and sys.stdin.isatty() and sys.stdout.isatty():
        with reading() as session:
            current = kb.article_ref(session, ref).body
        edited = _edit_text(current)
        if edited.strip() == current.strip():
            done("no change")
            return
        changes.body = edited
    with writing() as session:
        article = kb.update_article(session, kb.article_ref(session, ref), changes)
        session.flush()
        row = kb.article_rows(session, [article])[0]
    emit_written(row, fmt, f"updated article #{row['id']} {row['title']} ({row['status']})")


def _edit_text(text: str) -> str:
    """Open ``text`` in $VISUAL or $EDITOR (vi by default) and return what was saved."""
    import os
    import shlex
    import subprocess
    import tempfile

    from termcrm.errors import Invalid

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    fd, path = tempfile.mkstemp(suffix=".md", prefix="crm-kb-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            code = subprocess.call([*shlex.split(editor), path])
        except OSError as exc:
            raise Invalid(f"cannot start the editor {editor!r} ({exc}); set $EDITOR or use --body") from None
        if code != 0:
            raise Invalid(f"the editor {editor!r} exited with {code}; nothing was saved")
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    finally:
        os.unlink(path)


@app.command("search")
def search(
    query: Annotated[list[str], typer.Argument(help="Words to look for (all of them ranks first).")],
    published: Annotated[bool, typer.Option("--published", help="Only published articles.")] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Show at most N articles.", min=1, callback=at_most_largest)
    ] = 20,
    fmt: FormatOpt = "table",
) -> None:
    """Full-text search of the knowledge base, best match first."""
    from termcrm.io.render import emit_list
    from termcrm.services import kb

    with reading() as session:
        rows = kb.search_articles(session, " ".join(query), limit=limit, published_only=published)
    emit_list(rows, fmt, _columns(search=True), empty="no articles match")


@app.command("rm")
def rm(ref: ArticleArg, yes: YesOpt = False) -> None:
    """Archive an article (crm undo brings it back)."""
    from termcrm.services import kb

    with reading() as session:
        article = kb.article_ref(session, ref)
        label = f"#{article.id} {article.title}"
        article_id = article.id
    confirm(f"Archive article {label}?", yes)
    with writing() as session:
        kb.archive_article(session, kb.article_ref(session, str(article_id)))
    done(f"archived article {label}")
