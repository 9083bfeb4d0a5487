"""SQL building blocks the reports share: elapsed days, period buckets, the customer of a deal.

Elapsed time is the one thing SQLite and PostgreSQL spell differently
(``julianday`` against ``EXTRACT(EPOCH ...)``), so :class:`days_between`
compiles per dialect. Period buckets are a ``CASE`` over the period ends
computed in Python from the local calendar, which keeps the grouping
engine-neutral, correct across DST changes, and lets the range condition use
an index on the time column.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from termcrm.models import schema
from termcrm.models.base import UTCDateTime
from termcrm.models.report_tables import report_customer, report_customer_sales, report_event, report_scope_sales

DEAL = schema.deal
STAGE = schema.stage
PIPELINE = schema.pipeline
CONTACT = schema.contact
COMPANY = schema.company
INTERACTION = schema.interaction
FOLLOWUP = schema.followup
TICKET = schema.ticket
USER = schema.user
QUOTA = schema.quota
EVENT = report_event
SALES = report_customer_sales
SCOPE_SALES = report_scope_sales
CUSTOMER = report_customer


class days_between(FunctionElement[float]):  # noqa: N801 - reads like the SQL function it stands for
    """``later - earlier`` in (fractional) days."""

    type = sa.Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


@compiles(days_between)
def _days_default(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM (CAST({compiler.process(later, **kw)} AS TIMESTAMP WITH TIME ZONE)"
        f" - CAST({compiler.process(earlier, **kw)} AS TIMESTAMP WITH TIME ZONE))) / 86400.0)"
    )


class day_number(FunctionElement[float]):  # noqa: N801 - reads like the SQL function it stands for
    """An instant as a (fractional) day count: differences of two are elapsed days."""

    type = sa.Float()
    inherit_cache = True
    name = "day_number"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"julianday({compiler.process(value, **kw)})"


@compiles(day_number)
def _day_number_default(element: day_number, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM CAST({compiler.process(value, **kw)} AS TIMESTAMP WITH TIME ZONE)) / 86400.0)"


def at(value: datetime, name: str | None = None) -> Any:
    """A bound UTC instant usable inside SQL functions."""
    return sa.bindparam(name, value, type_=UTCDateTime(), unique=name is None)


def bucket(column: Any, ends: Sequence[datetime | date]) -> Any:
    """The index of the first period whose end is after ``column`` (NULL past the last one).

    Ends in ascending order (as periods are) are searched by halves, a nested ``CASE``
    that makes about log2(n) comparisons per row instead of up to n.
    """
    ends = list(ends)
    if isinstance(column, sa.Column):
        column = plain(column)  # compared many times per row, never through an index
    if any(later < earlier for earlier, later in zip(ends, ends[1:], strict=False)):
        return sa.case(*[(column < end, index) for index, end in enumerate(ends)], else_=sa.null())
    return _bucket_range(column, ends, 0, len(ends), sa.null())


def _bucket_range(column: Any, ends: list[Any], lo: int, hi: int, otherwise: Any) -> Any:
    """The first index in ``[lo, hi)`` whose end is after ``column``, else ``otherwise``."""
    if hi - lo <= 3:
        if hi <= lo:
            return otherwise
        return sa.case(*[(column < ends[i], i) for i in range(lo, hi)], else_=otherwise)
    mid = (lo + hi) // 2
    # before ends[mid - 1]: the answer is in [lo, mid), and mid - 1 when none before it
    return sa.case(
        (column < ends[mid - 1], _bucket_range(column, ends, lo, mid - 1, sa.literal(mid - 1))),
        else_=_bucket_range(column, ends, mid, hi, otherwise),
    )


def materialized_cte(session: Any, stmt: Any, name: str) -> Any:
    """``stmt`` as a CTE computed once (``AS MATERIALIZED``) where the engine supports it.

    Without it SQLite copies the CTE's expressions into every place the outer
    query reads them (each window ordering, each filter), so an expensive
    expression is evaluated several times per row. SQLite 3.35+ and PostgreSQL
    12+ know the keyword; older engines get a plain CTE (same result).
    """
    cte = stmt.cte(name)
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        import sqlite3

        supported = sqlite3.sqlite_version_info >= (3, 35, 0)
    elif dialect.name == "postgresql":
        supported = (dialect.server_version_info or (0,)) >= (12,)
    else:
        supported = False
    return cte.prefix_with("MATERIALIZED") if supported else cte


def num(value: Any) -> float | None:
    """A SQL aggregate as a float (PostgreSQL returns Decimal), None stays None."""
    return None if value is None else float(value)


def whole(value: Any) -> int:
    """A SQL sum as an int (0 for NULL)."""
    return 0 if value is None else int(value)


def rounded_div(numerator: Any, denominator: int) -> int:
    """``numerator / denominator`` rounded half-even, exactly (for weighted sums kept in integers)."""
    from decimal import ROUND_HALF_EVEN, Decimal

    return int((Decimal(int(numerator or 0)) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


# --------------------------------------------------------------------------- report tables
# report_event, report_customer_sales, report_scope_sales and report_customer
# (models/report_tables.py; migrations 0006_report_tables and 0007_report_scopes) are kept
# current by database triggers. Their times are integer
# microseconds since 1970 (UTC) and a customer is one integer key: the company id, or minus
# the contact id for a contact without a company.

PURCHASE = 1
"""``report_event.kind`` of a purchase (a won, live deal with a close time)."""
TALK = 2
"""``report_event.kind`` of a live interaction."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000
"""Microseconds in a day."""


def us(value: datetime) -> int:
    """An instant as integer microseconds since 1970 (UTC), exactly."""
    return (value - EPOCH) // timedelta(microseconds=1)


def from_us(value: Any) -> datetime | None:
    """Microseconds since 1970 back to an aware UTC datetime (None stays None)."""
    return None if value is None else EPOCH + timedelta(microseconds=int(value))


def customer_of_key(key: int) -> tuple[str, int]:
    """(kind, id) of a customer key: a company id, or minus a contact id."""
    return ("company", key) if key > 0 else ("contact", -key)


def key_kind(key: Any) -> Any:
    """SQL: ``'company'`` or ``'contact'`` for a customer key column."""
    return sa.case((key > 0, sa.literal("company")), else_=sa.literal("contact"))


def key_id(key: Any) -> Any:
    """SQL: the company or contact id of a customer key column."""
    return sa.case((key > 0, key), else_=-key)


def fenced(stmt: Any) -> Any:
    """``stmt`` with ``OFFSET 0``, so that it stays a subquery of its own.

    SQLite copies a flattened subquery's expressions into every place the outer
    query names its columns: a column named four times by a CASE is computed four
    times per row, correlated subqueries included. A subquery with an OFFSET is not
    flattened (nor is it on PostgreSQL, where OFFSET 0 is the usual fence), and costs
    no materialisation when it is read once.
    """
    return stmt.offset(0)


class plain(FunctionElement[Any]):  # noqa: N801 - reads like the SQL it stands for
    """A column compared without its affinity: ``+col`` on SQLite, ``col`` elsewhere.

    SQLite gives a TIMESTAMP column NUMERIC affinity, so comparing it with a bound
    text instant first tries to read the text as a number, on every row; about
    half of such a comparison's cost. Stored instants are always text, so the
    result is the same. Only for comparisons that no index serves (``+col`` keeps
    the planner from using one).
    """

    inherit_cache = True
    name = "plain"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(plain, "sqlite")
def _plain_sqlite(element: plain, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"+{compiler.process(value, **kw)}"


@compiles(plain)
def _plain_default(element: plain, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return str(compiler.process(value, **kw))


def fetch_rows(session: Any, stmt: Any) -> list[tuple[Any, ...]]:
    """Every row of ``stmt`` as plain tuples, fetched from the driver's cursor in one call.

    For the few statements whose rows are counted in tens of thousands: SQLAlchemy builds a
    Row object per row (about 1 µs each), the driver's ``fetchall`` returns tuples. Values come
    back as the driver gives them (no type processing), so only for plain numbers and strings.
    """
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    result = connection.exec_driver_sql(str(compiled), params)
    try:
        return list(result.cursor.fetchall())  # type: ignore[union-attr]
    finally:
        result.close()
