"""``crm deal``: add, list, show, move through stages, win, lose, reopen, edit, archive; line items; quotes."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from termcrm.cli.common import (
    FilterArg,
    FilterCommand,
    FormatOpt,
    LimitOpt,
    SortOpt,
    YesOpt,
    confirm,
    done,
    emit_written,
    filter_words,
    reading,
    writing,
)
from termcrm.errors import Invalid

app = typer.Typer(
    help="Deals: add, list, show, move through stages, won/lost, line items, quotes.", no_args_is_help=True
)
item_app = typer.Typer(help="Line items of a deal: add, remove, list.", no_args_is_help=True)
app.add_typer(item_app, name="item")

DealArg = Annotated[str, typer.Argument(help="Deal id or unique title.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note kept with the stage change.")]
ReasonOpt = Annotated[
    str | None, typer.Option("--reason", help="Why the deal was lost (asked in a terminal when missing).")
]
ProbabilityOpt = Annotated[
    str | None,
    typer.Option("--probability", help="Pin a probability 0-100 (kept through stage moves); auto follows the stage."),
]


# ---------------------------------------------------------------- formatting


def _money(value: Any, row: Mapping[str, Any]) -> str:
    from termcrm.io.render import money_cell

    return money_cell(value, row)


def _date(value: Any, _row: Any = None) -> str:
    if not value:
        return ""
    from termcrm.cli.views import when

    return when(value, with_time=False) if "T" in str(value) else str(value)


def _customer(_value: Any, row: Mapping[str, Any]) -> str:
    parts = [row.get("contact"), row.get("company")]
    return " / ".join(str(p) for p in parts if p)


def _days(value: Any, row: Mapping[str, Any]) -> str:
    text = "" if value is None else str(value)
    return f"{text} !" if row.get("rotting") else text


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("title", max_width=32),
        Column("contact", "customer", fmt=_customer, max_width=32),
        Column("stage"),
        Column("status"),
        Column("amount", fmt=_money, justify="right"),
        Column("probability", "prob", fmt=lambda v, _r: f"{v}%", justify="right"),
        Column("expected_close", "close", fmt=_date),
        Column("owner"),
        Column("days_in_stage", "days", fmt=_days, justify="right"),
    ]


def _line_columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("line", "#", justify="right"),
        Column("code"),
        Column("description", max_width=40),
        Column("quantity", "qty", justify="right"),
        Column("unit_price", "unit price", fmt=_money, justify="right"),
        Column("discount_percent", "discount", fmt=lambda v, _r: f"{v}%" if v else "", justify="right"),
        Column("total", fmt=_money, justify="right"),
        Column("margin", fmt=_money, justify="right"),
    ]


def _print_deal(d: Mapping[str, Any]) -> None:
    from termcrm.cli.views import when
    from termcrm.io.render import Column, console, heading, print_fields, print_table

    con = console()
    status = " [archived]" if d.get("archived_at") else ""
    con.print(f"[bold]#{d['id']} {d['title']}[/bold]{status}")
    pin = " (pinned)" if d.get("probability_pinned") else ""
    rot = " — rotting" if d.get("rotting") else ""
    print_fields(
        [
            ("contact", f"{d['contact']} (#{d['contact_id']})" if d.get("contact") else None),
            ("company", f"{d['company']} (#{d['company_id']})" if d.get("company") else None),
            ("pipeline", d.get("pipeline")),
            ("stage", f"{d.get('stage')} for {d.get('days_in_stage')} day(s){rot}"),
            ("status", d.get("status")),
            ("amount", _money(d.get("amount"), d)),
            ("probability", f"{d.get('probability')}%{pin}"),
            ("weighted", _money(d.get("weighted_amount"), d)),
            ("expected close", d.get("expected_close")),
            ("owner", d.get("owner")),
            ("source", d.get("source")),
            ("lost reason", d.get("lost_reason")),
            ("closed", when(d.get("closed_at"))),
            ("campaign", f"#{d['campaign_id']}" if d.get("campaign_id") else None),
            ("created", when(d.get("created_at"))),
        ]
    )
    if d.get("lines"):
        heading(f"Line items ({len(d['lines'])})")
        print_table(d["lines"], _line_columns())
        pairs = [("subtotal", _money(d.get("subtotal"), d))]
        if d.get("discount"):
            pairs.append(("discount", "-" + _money(d.get("discount"), d)))
        pairs.append(("total", _money(d.get("amount"), d)))
        print_fields(pairs)
    heading("Stage history")
    print_table(
        d.get("history") or [],
        [
            Column("at", "entered", fmt=lambda v, _r: when(v)),
            Column("from"),
            Column("to"),
            Column("days", justify="right"),
            Column("user"),
            Column("note", max_width=48),
        ],
    )
    contact = d.get("contact_detail")
    if contact:
        heading("Contact")
        print_fields(
            [
                ("name", f"{contact['name']} (#{contact['id']})"),
                ("title", contact.get("title")),
                ("email", contact.get("email")),
                ("phone", contact.get("phone")),
            ]
        )
    heading(f"Interactions ({len(d.get('interactions') or [])})")
    if d.get("interactions"):
        print_table(
            d["interactions"],
            [
                Column("occurred_at", "when", fmt=lambda v, _r: when(v)),
                Column("kind"),
                Column("summary", max_width=60),
                Column("user"),
            ],
        )
    else:
        con.print(f'none yet — crm log REF call "summary" --deal {d["id"]}')


def _close_date(value: str | None) -> Any:
    if value is None:
        return None
    if value.strip() == "":
        return ""
    from termcrm.dates import parse_date

    return parse_date(value)


def _ask_reason(reason: str | None) -> str:
    """The lost reason: the option, a prompt in a terminal, else an error."""
    if reason and reason.strip():
        return reason
    if sys.stdin.isatty():
        answer = typer.prompt("Why was it lost?", err=True)
        if answer.strip():
            return str(answer)
    raise Invalid("a lost deal needs a reason: pass --reason TEXT")


# ---------------------------------------------------------------- commands


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(help="What is being sold, e.g. 'Acme renewal 2026'.")],
    contact: Annotated[str | None, typer.Option("--contact", "-c", help="Contact id, email or name.")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Company id or name.")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="Amount in major units (1250.50, 12k).")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="ISO currency (default from config).")] = None,
    pipeline: Annotated[str | None, typer.Option("--pipeline", help="Pipeline (default the first).")] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Stage name or position (default the first open one).")
    ] = None,
    probability: ProbabilityOpt = None,
    close: Annotated[str | None, typer.Option("--close", help="Expected close date (2026-12-01, +30d).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner user name (default you).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Where the deal came from.")] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Id of the campaign it came from.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Lost reason, when added straight to Lost.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Add a deal for a contact or a company."""
    from termcrm.services import deals

    data = deals.DealInput(
        title=title,
        contact=contact,
        company=company,
        amount=amount,
        currency=currency,
        pipeline=pipeline,
        stage=stage,
        probability=deals.parse_probability(probability),
        expected_close=_close_date(close) or None,
        owner=owner,
        source=source,
        campaign=campaign,
        lost_reason=reason,
    )
    with writing() as session:
        deal = deals.create_deal(session, data)
        row = deals.deal_rows(session, [deal])[0]
    emit_written(row, fmt, f"added deal #{row['id']} {row['title']} ({row['stage']})")


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    archived: Annotated[bool, typer.Option("--archived", help="List archived deals instead.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """List deals matching filter words (stage:proposal amount>5000 status:open owner:ann close<+30d rotting:yes)."""
    from termcrm.io.render import emit_list
    from termcrm.services import deals

    with reading() as session:
        found = deals.list_deals(session, filter_words(filters), sort=sort, limit=limit, archived=archived)
        rows = deals.deal_rows(session, found)
    emit_list(rows, fmt, _columns(), empty="no deals match")


@app.command("show")
def show(ref: DealArg, fmt: FormatOpt = "table") -> None:
    """Show a deal: fields, line items, weighted value, stage history, interactions and contact."""
    from termcrm.io.render import emit_one
    from termcrm.services import deals, refs

    with reading() as session:
        deal = refs.deal(session, ref)
        data = deals.deal_view(session, deal)
    emit_one(data, fmt, _print_deal)


def _move(ref: str, fmt: str, action: Any) -> None:
    from termcrm.services import deals, refs

    with writing() as session:
        deal = refs.deal(session, ref)
        action(session, deal)
        row = deals.deal_rows(session, [deal])[0]
    emit_written(row, fmt, f"deal #{row['id']} {row['title']} is now in {row['stage']} ({row['status']})")


@app.command("move")
def move(
    ref: DealArg,
    stage: Annotated[str, typer.Argument(help="Stage name (any case, a unique prefix is enough) or position.")],
    note: NoteOpt = None,
    reason: ReasonOpt = None,
    pipeline: Annotated[str | None, typer.Option("--pipeline", help="Move into a stage of another pipeline.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Move a deal to another stage; won/lost close it, an open stage reopens it."""
    from termcrm.services import deals, refs

    with reading() as session:
        kind = deals.target_stage(session, refs.deal(session, ref), stage, pipeline=pipeline).kind
    if kind == "lost":
        reason = _ask_reason(reason)
    _move(
        ref,
        fmt,
        lambda session, deal: deals.move_deal_to(session, deal, stage, pipeline=pipeline, note=note, reason=reason),
    )


@app.command("won")
def won(ref: DealArg, note: NoteOpt = None, fmt: FormatOpt = "table") -> None:
    """Mark a deal won (its pipeline's won stage)."""
    from termcrm.services import deals

    _move(ref, fmt, lambda session, deal: deals.win_deal(session, deal, note=note))


@app.command("lost")
def lost(ref: DealArg, reason: ReasonOpt = None, note: NoteOpt = None, fmt: FormatOpt = "table") -> None:
    """Mark a deal lost, with a reason."""
    from termcrm.services import deals

    reason = _ask_reason(reason)
    _move(ref, fmt, lambda session, deal: deals.lose_deal(session, deal, reason, note=note))


@app.command("reopen")
def reopen(
    ref: DealArg,
    stage: Annotated[
        str | None, typer.Argument(help="Open stage to go back to (default: the last open one it was in).")
    ] = None,
    note: NoteOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Reopen a won or lost deal."""
    from termcrm.services import deals

    def action(session: Any, deal: Any) -> None:
        target = deals.target_stage(session, deal, stage) if stage else None
        deals.reopen_deal(session, deal, target, note=note)

    _move(ref, fmt, action)


@app.command("edit")
def edit(
    ref: DealArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    contact: Annotated[str | None, typer.Option("--contact", "-c", help="Contact ('' to unset).")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Company ('' to unset).")] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="Amount (refused when the deal has line items).")
    ] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="ISO currency.")] = None,
    probability: ProbabilityOpt = None,
    close: Annotated[str | None, typer.Option("--close", help="Expected close date ('' to clear).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner user name ('' to unset).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source ('' to clear).")] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Campaign id ('' to unset).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="New lost reason (lost deals only).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Change a deal's fields (stages change with crm deal move)."""
    from termcrm.services import deals, refs

    changes = deals.DealChanges(
        title=title,
        contact=contact,
        company=company,
        amount=amount,
        currency=currency,
        probability=probability,
        expected_close=_close_date(close),
        owner=owner,
        source=source,
        campaign=campaign,
        lost_reason=reason,
    )
    with writing() as session:
        deal = refs.deal(session, ref)
        deals.update_deal(session, deal, changes)
        row = deals.deal_rows(session, [deal])[0]
    emit_written(row, fmt, f"updated deal #{row['id']} {row['title']}")


@app.command("rm")
def rm(ref: DealArg, yes: YesOpt = False) -> None:
    """Archive a deal (crm undo or crm deal restore brings it back)."""
    from termcrm.services import deals, refs

    with reading() as session:
        deal = refs.deal(session, ref)
        label = f"#{deal.id} {deal.title}"
    confirm(f"Archive deal {label}?", yes)
    with writing() as session:
        deals.archive_deal(session, refs.deal(session, ref))
    done(f"archived deal {label}")


@app.command("restore")
def restore(ref: DealArg) -> None:
    """Restore an archived deal."""
    from termcrm.services import deals, refs

    with writing() as session:
        deal = refs.deal(session, ref)
        deals.restore_deal(session, deal)
        label = f"#{deal.id} {deal.title}"
    done(f"restored deal {label}")


@app.command("quote")
def quote(
    ref: DealArg,
    template: Annotated[
        str | None, typer.Option("--template", "-t", help="Your own Jinja2 template file instead of the built-in one.")
    ] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")] = None,
    quote_format: Annotated[
        str | None,
        typer.Option("--format", "-f", help="md, txt or html (default: from -o/--template's name, else md)."),
    ] = None,
) -> None:
    """Render a quote for a deal: seller, customer, numbered lines, subtotal, discount, total."""
    from pathlib import Path

    from termcrm.cli.common import state
    from termcrm.io import quote as quotes
    from termcrm.services import refs

    state().format = "text"
    fmt = quote_format or quotes.format_for(output, quotes.format_for(template, "md"))
    if fmt not in quotes.FORMATS:
        raise Invalid(f"quote format {fmt!r} is not one of: {', '.join(quotes.FORMATS)}")
    with reading() as session:
        deal = refs.deal(session, ref)
        data = quotes.quote_data(session, deal)
    text = quotes.render_quote(data, fmt, template)
    if output:
        path = Path(output).expanduser()
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise Invalid(f"cannot write {path}: {exc.strerror}") from None
        done(f"wrote quote {data['number']} ({fmt}) to {path}")
    else:
        sys.stdout.write(text)


# ---------------------------------------------------------------- line items


@item_app.command("add")
def item_add(
    ref: DealArg,
    product: Annotated[str, typer.Argument(help="Product id, code or name.")],
    qty: Annotated[int, typer.Option("--qty", "-q", help="Quantity (a whole number).", min=1)] = 1,
    price: Annotated[
        str | None, typer.Option("--price", help="Unit price for this line (default the product's).")
    ] = None,
    discount: Annotated[str | None, typer.Option("--discount", help="Discount percent (10, 12.5).")] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="Line text (default the product name).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Add a product line to a deal; the deal's amount becomes the sum of its lines."""
    from termcrm.money import format_money
    from termcrm.services import deals, products, refs

    with writing() as session:
        deal = refs.deal(session, ref)
        item = deals.add_line(
            session,
            deal,
            products.get_product(session, product),
            quantity=qty,
            price=price,
            discount=discount,
            description=description,
        )
        rows = deals.line_rows(session, deal)
        row = next(r for r in rows if r["id"] == item.id)
        amount = format_money(deal.amount, deal.currency)
    emit_written(row, fmt, f"added line {row['line']} to deal #{deal.id}; amount is now {amount}")


@item_app.command("rm")
def item_rm(
    ref: DealArg,
    line: Annotated[int, typer.Argument(help="Line number as crm deal item list shows it.")],
) -> None:
    """Remove a line from a deal (the rest are renumbered)."""
    from termcrm.money import format_money
    from termcrm.services import deals, refs

    with writing() as session:
        deal = refs.deal(session, ref)
        removed = deals.remove_line(session, deal, line)
        amount = format_money(deal.amount, deal.currency)
    done(f"removed line {line} ({removed.description}) from deal #{deal.id}; amount is now {amount}")


@item_app.command("list")
def item_list(ref: DealArg, fmt: FormatOpt = "table") -> None:
    """List a deal's line items with totals."""
    from termcrm.io.render import emit_list, print_fields
    from termcrm.money import format_money
    from termcrm.services import deals, refs

    with reading() as session:
        deal = refs.deal(session, ref)
        items = deals.lines(session, deal)
        rows = deals.line_rows(session, deal, items)
        totals = deals.line_totals(items)
        currency = deal.currency
        deal_id = deal.id
    emit_list(rows, fmt, _line_columns(), empty=f"deal #{deal_id} has no line items")
    if fmt == "table" and rows:
        pairs = [("subtotal", format_money(totals.subtotal, currency))]
        if totals.discount:
            pairs.append(("discount", "-" + format_money(totals.discount, currency)))
        pairs.append(("total", format_money(totals.total, currency)))
        print_fields(pairs)
