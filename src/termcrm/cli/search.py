"""``crm search``: ranked full-text search across contacts, companies, interactions and more."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, at_most_largest, reading

app = typer.Typer(help="Full-text search across contacts, companies, deals, tickets...")

KIND_NAMES = {
    "contact": "contact",
    "company": "company",
    "interaction": "interaction",
    "activity": "interaction",
    "deal": "deal",
    "ticket": "ticket",
    "kb": "kb_article",
    "article": "kb_article",
    "kb_article": "kb_article",
}
"""What ``--kind`` accepts, and the index kind each name means."""


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("kind"),
        Column("id", justify="right"),
        Column("title", max_width=40),
        Column("snippet", "match", max_width=70),
    ]


@app.command("search")
def search(
    query: Annotated[list[str], typer.Argument(help="Words to find; the last one also matches as a prefix.")],
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind", "-k", help="Only this kind: contact, company, interaction, deal, ticket, kb; repeatable."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Show at most N hits (default 50).", min=1, callback=at_most_largest)
    ] = 50,
    fmt: FormatOpt = "table",
) -> None:
    """Search everything at once; hits come best first, each with its kind and id."""
    from termcrm.errors import Invalid
    from termcrm.io.render import emit_list
    from termcrm.services import search as search_service

    kinds: list[str] = []
    for name in kind or []:
        key = name.strip().lower()
        if key not in KIND_NAMES:
            raise Invalid(f"--kind {name!r} is not one of: contact, company, interaction, deal, ticket, kb")
        kinds.append(KIND_NAMES[key])
    text = " ".join(query)
    if not search_service._terms(text):
        raise Invalid("give at least one word (letters or digits) to search for")
    with reading() as session:
        hits = search_service.search(session, text, kinds=kinds or None, limit=limit)
    rows = [{"kind": h.kind, "id": h.id, "title": h.title, "snippet": h.snippet} for h in hits]
    emit_list(rows, fmt, _columns(), empty=f"nothing matches {text!r}")
