"""``crm quota``: revenue targets per user and period (year, quarter or month)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, YesOpt, confirm, done, reading, writing

app = typer.Typer(help="Revenue quotas per user and period.", no_args_is_help=True)

PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="2026 (year), 2026-Q4 (quarter) or 2026-11 (month).")]


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("user"),
        Column("period"),
        Column("amount", justify="right", fmt=_money),
        Column("currency"),
        Column("won", justify="right", fmt=_money),
        Column("attainment", justify="right", fmt=lambda v, _r: "" if v is None else f"{v:.1f}%"),
    ]


def _money(value: Any, row: Any) -> str:
    from termcrm import money

    return money.format_number(value, row["currency"]).rsplit(" ", 1)[0]


@app.command("set")
def set_(
    user: Annotated[str, typer.Argument(help="User name or id ('me' for you).")],
    amount: Annotated[str, typer.Argument(help="Target in major units: 50000, 50k, 12,500.50.")],
    period: PeriodOpt,
    currency: Annotated[str | None, typer.Option("--currency", help="ISO currency (default: config currency).")] = None,
) -> None:
    """Set (or replace) a user's quota for a period."""
    from termcrm import money
    from termcrm.services import quotas

    with writing() as session:
        quota = quotas.set_quota(session, user, amount, period, currency)
        text = f"quota {quota.period}: {money.format_money(quota.amount, quota.currency)}"
    done(f"set {text}")


@app.command("list")
def list_(
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's quotas.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", "-p", help="Only this period (2026 includes its quarters and months).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Quotas by period and user, with the revenue won in each so far."""
    from termcrm.io.render import emit_list
    from termcrm.services import quotas

    with reading() as session:
        rows = quotas.list_quotas(session, user, period)
    emit_list(rows, fmt, _columns(), empty="no quotas set (crm quota set USER AMOUNT --period 2026-Q4)")


@app.command("rm")
def rm(
    user: Annotated[str, typer.Argument(help="User name or id.")],
    period: PeriodOpt,
    yes: YesOpt = False,
) -> None:
    """Remove a user's quota for a period."""
    from termcrm.services import quotas

    confirm(f"Remove the {period} quota of {user}?", yes)
    with writing() as session:
        quota = quotas.remove_quota(session, user, period)
        key = quota.period
    done(f"removed quota {key} of {user}")
