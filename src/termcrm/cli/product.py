"""``crm product``: products with a unit price and cost (add, list, show, edit, archive)."""

from __future__ import annotations

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

app = typer.Typer(help="Products with price and cost.", no_args_is_help=True)

ProductArg = Annotated[str, typer.Argument(help="Product id, code or name.")]


def _money(value: Any, row: Mapping[str, Any]) -> str:
    from termcrm.io.render import money_cell

    return money_cell(value, row)


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("code"),
        Column("name", max_width=40),
        Column("unit_price", "price", fmt=_money, justify="right"),
        Column("unit_cost", "cost", fmt=_money, justify="right"),
        Column("margin", fmt=_money, justify="right"),
        Column("active"),
    ]


def _print_product(d: Mapping[str, Any]) -> None:
    from termcrm.io.render import console, print_fields

    status = "" if d.get("active") else " [inactive]"
    console().print(f"[bold]#{d['id']} {d['name']}[/bold]{status}")
    print_fields(
        [
            ("code", d.get("code")),
            ("price", _money(d.get("unit_price"), d)),
            ("cost", _money(d.get("unit_cost"), d)),
            ("margin", _money(d.get("margin"), d)),
            ("deals", d.get("deals")),
            ("quantity won", d.get("quantity_won")),
        ]
    )


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Product name.")],
    code: Annotated[str | None, typer.Option("--code", help="Unique product code (SKU).")] = None,
    price: Annotated[str | None, typer.Option("--price", help="Unit price in major units (99.90).")] = None,
    cost: Annotated[str | None, typer.Option("--cost", help="Unit cost, for margins.")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="ISO currency (default from config).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Add a product."""
    from termcrm.services import products

    with writing() as session:
        product = products.create_product(session, name, code=code, price=price, cost=cost, currency=currency)
        row = products.rows(session, [product])[0]
    emit_written(row, fmt, f"added product #{row['id']} {row['name']}")


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    archived: Annotated[bool, typer.Option("--archived", help="List archived products instead.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """List products matching filter words (price>100 currency:eur active:yes code:W-1 text)."""
    from termcrm.io.render import emit_list
    from termcrm.services import products

    with reading() as session:
        rows = products.rows(
            session, products.list_products(session, filter_words(filters), sort=sort, limit=limit, archived=archived)
        )
    emit_list(rows, fmt, _columns(), empty="no products match")


@app.command("show")
def show(ref: ProductArg, fmt: FormatOpt = "table") -> None:
    """Show a product with its margin and how many deals use it."""
    from termcrm.io.render import emit_one
    from termcrm.services import products

    with reading() as session:
        data = products.product_view(session, products.get_product(session, ref, archived=True))
    emit_one(data, fmt, _print_product)


@app.command("edit")
def edit(
    ref: ProductArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="New code ('' to clear).")] = None,
    price: Annotated[
        str | None, typer.Option("--price", help="New unit price (existing deal lines keep theirs).")
    ] = None,
    cost: Annotated[str | None, typer.Option("--cost", help="New unit cost ('' to clear).")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="New currency (give --price too).")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Offer it on new deal lines, or not.")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Change a product's name, code, price, cost, currency or active flag."""
    from termcrm.services import products

    changes = products.ProductChanges(name=name, code=code, price=price, cost=cost, currency=currency, active=active)
    with writing() as session:
        product = products.update_product(session, products.get_product(session, ref), changes)
        row = products.rows(session, [product])[0]
    emit_written(row, fmt, f"updated product #{row['id']} {row['name']}")


@app.command("rm")
def rm(ref: ProductArg, yes: YesOpt = False) -> None:
    """Archive a product (deal lines that use it stay; crm undo brings it back)."""
    from termcrm.services import products

    with reading() as session:
        product = products.get_product(session, ref)
        label = f"#{product.id} {product.name}"
    confirm(f"Archive product {label}?", yes)
    with writing() as session:
        products.archive_product(session, products.get_product(session, ref))
    done(f"archived product {label}")
