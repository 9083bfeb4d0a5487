"""Table renderings of the show views (contact 360°, company) for people.

Module sections (sales, follow-ups, tickets, campaigns...) follow one shape so
any module can add one without touching this file::

    {"title": "Sales", "summary": {"open deals": 2, ...}, "columns": ["id", "title"], "items": [{...}]}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.markup import escape

from termcrm.io.render import Column, console, heading, print_fields, print_table

CORE_KEYS = {
    "id", "name", "first_name", "last_name", "email", "emails", "phone", "phones", "company", "company_id",
    "title", "tags", "stage", "source", "owner", "birthday", "gender", "street", "city", "region",
    "postal_code", "country", "website", "notes", "external_id", "fields", "cadence_days", "created_at",
    "updated_at", "last_contacted_at", "archived_at", "version", "interactions", "interaction_count",
    "company_detail", "people", "domain", "industry", "size", "contacts",
}  # fmt: skip


def when(value: Any, with_time: bool = True) -> str:
    """An ISO string or datetime in local time."""
    from termcrm.dates import format_value

    return format_value(value, with_time)


def _labelled(items: list[Mapping[str, Any]], key: str) -> str:
    out = []
    for item in items:
        text = str(item[key])
        if item.get("label"):
            text += f" ({item['label']})"
        if item.get("primary") and len(items) > 1:
            text += " *"
        out.append(text)
    return ", ".join(out)


def _address(d: Mapping[str, Any]) -> str:
    return ", ".join(str(d[k]) for k in ("street", "postal_code", "city", "region", "country") if d.get(k))


def print_section(section: Mapping[str, Any]) -> None:
    """One module section: a heading, summary figures and a table of items."""
    heading(str(section.get("title", "")))
    summary = section.get("summary") or {}
    if summary:
        print_fields([(str(k), v) for k, v in summary.items()])
    items = section.get("items") or []
    columns = section.get("columns") or (list(items[0].keys()) if items else [])
    if items:
        print_table(items, [Column(c) for c in columns])


def _interactions(items: list[Mapping[str, Any]]) -> None:
    print_table(
        items,
        [
            Column("occurred_at", "when", fmt=lambda v, _r: when(v)),
            Column("kind"),
            Column("summary", max_width=60),
            Column("user"),
        ],
    )


def print_contact(d: Mapping[str, Any]) -> None:
    """The contact 360° view."""
    con = console()
    status = " [archived]" if d.get("archived_at") else ""
    con.print(f"[bold]#{d['id']} {escape(d['name'])}[/bold]{escape(status)}")
    print_fields(
        [
            ("title", d.get("title")),
            ("company", f"{d['company']} (#{d['company_id']})" if d.get("company") else None),
            ("emails", _labelled(d.get("emails") or [], "email")),
            ("phones", _labelled(d.get("phones") or [], "phone")),
            ("stage", d.get("stage")),
            ("tags", ", ".join(d.get("tags") or [])),
            ("source", d.get("source")),
            ("owner", d.get("owner")),
            ("birthday", d.get("birthday")),
            ("gender", d.get("gender")),
            ("address", _address(d)),
            ("website", d.get("website")),
            ("cadence", f"every {d['cadence_days']} days" if d.get("cadence_days") else None),
            ("last contacted", when(d.get("last_contacted_at"))),
            ("created", when(d.get("created_at"))),
            *[(f"{k}", v) for k, v in (d.get("fields") or {}).items()],
        ]
    )
    if d.get("notes"):
        heading("Notes")
        con.print(d["notes"], markup=False)
    _print_sections(d)
    heading(f"Interactions ({d.get('interaction_count', 0)})")
    if d.get("interactions"):
        _interactions(d["interactions"])
    else:
        con.print('none yet — crm log REF call "summary"')


def _print_sections(d: Mapping[str, Any]) -> None:
    for key, value in d.items():
        if key in CORE_KEYS or not isinstance(value, Mapping) or "title" not in value:
            continue
        print_section(value)


def print_company(d: Mapping[str, Any]) -> None:
    """The company view."""
    con = console()
    status = " [archived]" if d.get("archived_at") else ""
    con.print(f"[bold]#{d['id']} {escape(d['name'])}[/bold]{escape(status)}")
    print_fields(
        [
            ("domain", d.get("domain")),
            ("industry", d.get("industry")),
            ("size", d.get("size")),
            ("address", _address(d)),
            ("website", d.get("website")),
            ("tags", ", ".join(d.get("tags") or [])),
            ("owner", d.get("owner")),
            ("created", when(d.get("created_at"))),
            *[(f"{k}", v) for k, v in (d.get("fields") or {}).items()],
        ]
    )
    if d.get("notes"):
        heading("Notes")
        con.print(d["notes"], markup=False)
    heading(f"People ({len(d.get('people') or [])})")
    if d.get("people"):
        print_table(
            d["people"],
            [Column("id", justify="right"), Column("name"), Column("title"), Column("email"), Column("stage")],
        )
    _print_sections(d)
    heading("Interactions")
    if d.get("interactions"):
        _interactions(d["interactions"])
    else:
        con.print("none yet")
