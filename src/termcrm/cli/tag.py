"""``crm tag``: list tags with counts, rename (or merge) one, remove one everywhere."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, YesOpt, confirm, done, reading, writing

app = typer.Typer(help="Tags: list with counts, rename, remove.", no_args_is_help=True)


@app.command("list")
def list_(fmt: FormatOpt = "table") -> None:
    """Every tag with how many contacts, companies and articles carry it."""
    from termcrm.io.render import Column, emit_list
    from termcrm.services import tags

    with reading() as session:
        found = tags.list_tags(session)
    rows: list[dict[str, Any]] = [
        {"id": t.name, "name": t.name, "contacts": t.contacts, "companies": t.companies, "articles": t.articles,
         "total": t.total}
        for t in found
    ]  # fmt: skip
    emit_list(
        rows,
        fmt,
        [
            Column("name"),
            Column("contacts", justify="right"),
            Column("companies", justify="right"),
            Column("articles", justify="right"),
            Column("total", justify="right"),
        ],
        empty="no tags yet — crm contact edit REF --add-tag TAG",
    )


def _find(session: Any, name: str) -> Any:
    """The TagCount of ``name`` (NotFound naming how to list tags when there is none)."""
    from termcrm.errors import NotFound
    from termcrm.services import tags
    from termcrm.services.common import check_tag

    key = check_tag(name)
    found = next((t for t in tags.list_tags(session) if t.name == key), None)
    if found is None:
        raise NotFound(f"no tag named {key!r}; crm tag list shows them")
    return found


@app.command("rename")
def rename(
    old: Annotated[str, typer.Argument(help="The tag to rename.")],
    new: Annotated[str, typer.Argument(help="Its new name; an existing tag of that name absorbs it.")],
) -> None:
    """Rename a tag everywhere; renaming onto an existing tag merges the two."""
    from termcrm.services import tags
    from termcrm.services.common import check_tag

    with writing() as session:
        source = _find(session, old)
        target = check_tag(new)
        merging = target != source.name and any(t.name == target for t in tags.list_tags(session))
        tags.rename_tag(session, old, new)
    if merging:
        done(f"merged tag {source.name} into {target} ({_uses(source.total)} moved)")
    else:
        done(f"renamed tag {source.name} to {target} ({_uses(source.total)})")


@app.command("rm")
def rm(
    tag: Annotated[str, typer.Argument(help="The tag to remove from every record.")],
    yes: YesOpt = False,
) -> None:
    """Remove a tag from every contact, company and article, and delete it (crm undo brings it back)."""
    from termcrm.services import tags

    with reading() as session:
        found = _find(session, tag)
    confirm(f"Remove tag {found.name} from {_records(found.total)}?", yes)
    with writing() as session:
        removed = tags.remove_tag(session, found.name)
    done(f"removed tag {found.name} from {_records(removed)} (crm undo brings it back)")


def _uses(n: int) -> str:
    return f"{n} use" if n == 1 else f"{n} uses"


def _records(n: int) -> str:
    return f"{n} record" if n == 1 else f"{n} records"
