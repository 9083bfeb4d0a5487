"""Reports: each customer's purchases summed per owner and per pipeline, for the scoped reports.

Revision ID: 0007_report_scopes
Revises: 0006_report_tables
Create Date: 2026-12-06

``report_customer_sales`` (0006_report_tables) sums every purchase of a
customer, so the customers and churn reports scoped with ``--owner`` or
``--pipeline`` grouped that scope's purchases instead: on 1,000,000 deals a
pipeline holding every deal took 300-450 ms per statement.

``report_scope_sales`` holds the same figures (purchases, their sum, the first
and last purchase time, the eight latest purchases) per scope, customer and
currency: ``scope`` 1 is a deal owner (``scope_id`` the user id), 2 a pipeline
(``scope_id`` the pipeline id). A purchase without an owner has only its
pipeline's row. Triggers on ``report_event`` keep it current: whatever changes
a customer's purchases, the rows of that customer and currency in the
purchase's owner and pipeline are computed again from its purchase events.

``ix_report_event_customer`` gains the owner and the pipeline, so that the
scoped churn rates read each customer's events in the window from the index
alone (reading the event rows for them took 225 ms of 335).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0007_report_scopes"
down_revision = "0006_report_tables"
branch_labels = None
depends_on = None

RECENT = 8
"""How many latest purchases per scope, customer and currency the table keeps (as 0006's)."""

CUSTOMER_INDEX = ["customer_key", "at_us", "kind", "source_id"]
"""``ix_report_event_customer`` as 0006_report_tables made it; this revision appends ``SCOPE_COLUMNS``."""

SCOPE_COLUMNS = ["owner_id", "pipeline_id"]

SCOPES = {1: "owner_id", 2: "pipeline_id"}
"""``scope`` → the purchase event column whose value is ``scope_id``."""


def _columns() -> str:
    recent = ", ".join(f"recent{i}_us, recent{i}_total" for i in range(1, RECENT + 1))
    return f"scope, scope_id, customer_key, currency, purchases, revenue, first_us, last_us, {recent}"


def _select(scope: int, where: str) -> str:
    """The ``report_scope_sales`` rows of scope ``scope`` from the purchase events matching ``where``.

    ``recent{i}_us`` is the time of the i-th latest purchase, ``recent{i}_total`` the sum of
    the i latest purchases.
    """
    column = SCOPES[scope]
    order = f"PARTITION BY {column}, customer_key, currency ORDER BY at_us DESC, source_id DESC"
    recent = ", ".join(
        f"max(CASE WHEN rn = {i} THEN at_us END), max(CASE WHEN rn = {i} THEN cum END)" for i in range(1, RECENT + 1)
    )
    return (
        f"SELECT {scope}, {column}, customer_key, currency, count(*), sum(amount), min(at_us), max(at_us), {recent} "
        f"FROM (SELECT {column}, customer_key, currency, at_us, amount, "
        f"row_number() OVER ({order}) AS rn, "
        f"sum(amount) OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum "
        f"FROM report_event WHERE kind = 1 AND {column} IS NOT NULL AND {where}) p "
        f"GROUP BY {column}, customer_key, currency"
    )


def _sqlite_refresh(row: str) -> str:
    """Statements computing again the rows of purchase event ``row``'s customer and currency in its scopes."""
    same = f"customer_key = {row}.customer_key AND currency = {row}.currency"
    statements = [
        f"DELETE FROM report_scope_sales WHERE {same} AND "
        f"((scope = 1 AND scope_id = {row}.owner_id) OR (scope = 2 AND scope_id = {row}.pipeline_id));"
    ]
    for scope, column in SCOPES.items():
        statements.append(
            f"INSERT INTO report_scope_sales ({_columns()}) {_select(scope, f'{same} AND {column} = {row}.{column}')};"
        )
    return " ".join(statements)


def _sqlite_triggers() -> list[str]:
    return [
        "CREATE TRIGGER report_scope_insert AFTER INSERT ON report_event WHEN NEW.kind = 1 "
        f"BEGIN {_sqlite_refresh('NEW')} END",
        "CREATE TRIGGER report_scope_delete AFTER DELETE ON report_event WHEN OLD.kind = 1 "
        f"BEGIN {_sqlite_refresh('OLD')} END",
    ]


def _pg_statements() -> list[str]:
    inserts = " ".join(
        f"INSERT INTO report_scope_sales ({_columns()}) {_select(scope, 'customer_key = ANY(keys)')};"
        for scope in SCOPES
    )
    return [
        "CREATE FUNCTION report_refresh_scopes(keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        f"DELETE FROM report_scope_sales WHERE customer_key = ANY(keys); {inserts} END $$",
        "CREATE FUNCTION report_scope_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        "PERFORM report_refresh_scopes(ARRAY(SELECT DISTINCT customer_key FROM new_purchases WHERE kind = 1)); "
        "ELSE PERFORM report_refresh_scopes(ARRAY(SELECT DISTINCT customer_key FROM old_purchases WHERE kind = 1)); "
        "END IF; RETURN NULL; END $$",
        "CREATE TRIGGER report_scope_insert AFTER INSERT ON report_event REFERENCING NEW TABLE AS new_purchases "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_scope_changed()",
        "CREATE TRIGGER report_scope_delete AFTER DELETE ON report_event REFERENCING OLD TABLE AS old_purchases "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_scope_changed()",
    ]


TRIGGER = re.compile(r"^CREATE TRIGGER (\w+) .*? ON (\w+) ")
FUNCTION = re.compile(r"^CREATE FUNCTION (\w+\([^)]*\))")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    recent = []
    for i in range(1, RECENT + 1):
        recent += [sa.Column(f"recent{i}_us", sa.BigInteger(), nullable=True)]
        recent += [sa.Column(f"recent{i}_total", sa.BigInteger(), nullable=True)]
    op.create_table(
        "report_scope_sales",
        sa.Column("scope", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("scope_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("customer_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("first_us", sa.BigInteger(), nullable=False),
        sa.Column("last_us", sa.BigInteger(), nullable=False),
        *recent,
        sa.PrimaryKeyConstraint("scope", "scope_id", "customer_key", "currency"),
        **({"sqlite_with_rowid": False} if sqlite else {}),
    )
    op.create_index("ix_report_scope_sales_customer", "report_scope_sales", ["customer_key", "currency"], unique=False)
    for scope in SCOPES:
        op.execute(f"INSERT INTO report_scope_sales ({_columns()}) {_select(scope, '1 = 1')}")
    _customer_index(CUSTOMER_INDEX + SCOPE_COLUMNS)
    if sqlite:
        for sql in _sqlite_triggers():
            op.execute(sql)
        op.execute("ANALYZE report_scope_sales")
        op.execute("ANALYZE report_event")
    else:
        for sql in _pg_statements():
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for sql in reversed(_sqlite_triggers()):
            name = TRIGGER.match(sql)
            assert name is not None
            op.execute(f"DROP TRIGGER {name[1]}")
    else:
        statements = _pg_statements()
        for sql in reversed(statements):
            if trigger := TRIGGER.match(sql):
                op.execute(f"DROP TRIGGER {trigger[1]} ON {trigger[2]}")
        for sql in reversed(statements):
            if function := FUNCTION.match(sql):
                op.execute(f"DROP FUNCTION {function[1]}")
    _customer_index(CUSTOMER_INDEX)
    op.drop_index("ix_report_scope_sales_customer", table_name="report_scope_sales")
    op.drop_table("report_scope_sales")


def _customer_index(columns: list[str]) -> None:
    """Make ``ix_report_event_customer`` again on ``columns`` (plain DDL: a batch on SQLite would drop triggers)."""
    op.drop_index("ix_report_event_customer", table_name="report_event")
    op.create_index("ix_report_event_customer", "report_event", columns, unique=False)
