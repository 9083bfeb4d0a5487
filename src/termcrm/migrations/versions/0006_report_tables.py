"""Reports: per-customer tables the database keeps current, so customers and churn read summaries.

Revision ID: 0006_report_tables
Revises: 0005_report_keys
Create Date: 2026-11-24

The customers and churn reports group the whole purchase history per
customer (a company, or a contact without one). On 1,000,000 deals the
grouping alone took over a second, so three tables hold what those reports
read, and database triggers keep them current on every write, whatever
writes it (the ORM services, the Core importers and their undo, ``crm undo``,
a JSON restore, the demo builder):

* ``report_event``: one row per purchase (a won, live deal with a close
  time: ``kind`` 1) and per live interaction (``kind`` 2) that has a
  customer, with the customer's key: the company id, or minus the contact id
  for a contact without a company. Times are integer microseconds since
  1970 (UTC), which compare and subtract exactly and cheaply on both engines.
  ``prev_us`` serves the churn rates: for an event at or after the
  customer's first purchase, the time of the customer's previous such event
  (NULL for the first one); for an interaction before the first purchase,
  which never counts, its own time.
* ``report_customer_sales``: per customer and currency, the purchases, their
  sum, the first and last purchase time, and the eight latest purchases
  (time and amount), from which most windows and cut-offs are read without
  going back to the events.
* ``report_customer``: per customer, the first purchase and the last interaction.
* ``report_open_close``: the same open live deals per expected close day
  (days since 1970; no date is ``NO_CLOSE``), currency, pipeline and owner:
  count, Σ amount, Σ amount × probability, for the forecast;
* ``report_lost_deal``: per lost live deal, its pipeline, owner, close time
  (microseconds) and the ids of every stage its history entered (``,1,2,4,``),
  read in close-time order by the win/loss funnel instead of looking up each
  deal's stage history;
* indexes on interaction by kind and by user, then time, for the activity report;
* ``report_open_deals``: per pipeline, stage, currency and owner, the open live
  deals: count, Σ amount, Σ amount × probability, and Σ of the times they
  entered their stage (whole seconds and the microseconds apart, so the sums
  stay exact integers), for the pipeline report; with the index
  ``ix_deal_open_entered`` for its rotting counts.

The triggers (SQLite and PostgreSQL each get their own) follow deals,
interactions and a contact's company: a contact who moves to another company
takes the purchases and interactions made without a company along. Migrations
that rebuild one of those tables (a batch ``recreate`` on SQLite drops its
triggers) must create the triggers again; ``tests/test_report_tables.py``
checks they are all there at the head revision.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006_report_tables"
down_revision = "0005_report_keys"
branch_labels = None
depends_on = None

REPORT_TABLES = (
    "report_event",
    "report_customer_sales",
    "report_customer",
    "report_open_deals",
    "report_open_close",
    "report_lost_deal",
)

RECENT = 8
"""How many of a customer's latest purchases (per currency) ``report_customer_sales`` keeps."""


INTERACTION_INDEXES = {
    "ix_interaction_kind_time": ["kind", "occurred_at", "archived_at", "user_id"],
    "ix_interaction_user_time": ["user_id", "occurred_at", "contact_id", "archived_at"],
}
"""The activity report's counts by kind and by user: a few index ranges per kind or user instead of
a sort of the window's interactions."""

OPEN_ENTERED = ["pipeline_id", "status", "archived_at", "stage_id", "currency", "stage_entered_at", "owner_id"]
"""``ix_deal_open_entered``: the open live deals of a stage and currency by the time they entered it."""


def _seconds_sqlite(value: str) -> str:
    return f"CAST(strftime('%s', {value}) AS INTEGER)"


def _micros_sqlite(value: str) -> str:
    return (
        f"CASE WHEN substr({value}, 20, 1) = '.' "
        f"THEN CAST(substr(substr({value}, 21) || '000000', 1, 6) AS INTEGER) ELSE 0 END"
    )


def _us_sqlite(value: str) -> str:
    """A stored SQLite timestamp (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) as integer microseconds."""
    return f"({_seconds_sqlite(value)} * 1000000 + {_micros_sqlite(value)})"


def _us_pg(value: str) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {value}) * 1000000 AS BIGINT)"


def _seconds_pg(value: str) -> str:
    return f"CAST(floor(EXTRACT(EPOCH FROM {value})) AS BIGINT)"


def _micros_pg(value: str) -> str:
    return f"({_us_pg(value)} - {_seconds_pg(value)} * 1000000)"


_OPEN_LIVE = "{r}.status = 'open' AND {r}.archived_at IS NULL"
_OPEN_KEY = (
    "pipeline_id = {r}.pipeline_id AND stage_id = {r}.stage_id AND currency = {r}.currency "
    "AND owner_key = coalesce({r}.owner_id, 0)"
)
_OPEN_COLUMNS: tuple[str, ...] = ("status", "archived_at", "pipeline_id", "stage_id", "currency", "owner_id")
_OPEN_COLUMNS += ("amount", "probability", "stage_entered_at", "id")


def _open_figures(row: str, seconds: Any, micros: Any) -> str:
    """The values one deal ``row`` adds: deals, amount, weighted, entered_s, entered_us."""
    entered = f"{row}.stage_entered_at"
    return f"1, {row}.amount, {row}.amount * {row}.probability, {seconds(entered)}, {micros(entered)}"


def _sqlite_open_add(row: str) -> str:
    """Statements adding open live deal ``row`` to ``report_open_deals``."""
    live = _OPEN_LIVE.format(r=row)
    entered = f"{row}.stage_entered_at"
    return (
        f"UPDATE report_open_deals SET deals = deals + 1, amount = amount + {row}.amount, "
        f"weighted = weighted + {row}.amount * {row}.probability, "
        f"entered_s = entered_s + {_seconds_sqlite(entered)}, entered_us = entered_us + {_micros_sqlite(entered)} "
        f"WHERE {_OPEN_KEY.format(r=row)} AND {live}; "
        "INSERT INTO report_open_deals "
        "(pipeline_id, stage_id, currency, owner_key, deals, amount, weighted, entered_s, entered_us) "
        f"SELECT {row}.pipeline_id, {row}.stage_id, {row}.currency, coalesce({row}.owner_id, 0), "
        f"{_open_figures(row, _seconds_sqlite, _micros_sqlite)} "
        f"WHERE {live} AND NOT EXISTS (SELECT 1 FROM report_open_deals WHERE {_OPEN_KEY.format(r=row)});"
    )


NO_CLOSE = 2147483647
"""``report_open_close.close_day`` of the deals without an expected close date."""


def _close_day_sqlite(row: str) -> str:
    return f"coalesce(CAST(julianday({row}.expected_close) - 2440587.5 AS INTEGER), {NO_CLOSE})"


def _close_day_pg(row: str) -> str:
    return f"coalesce({row}.expected_close - DATE '1970-01-01', {NO_CLOSE})"


_CLOSE_COLUMNS: tuple[str, ...] = ("status", "archived_at", "expected_close", "currency", "pipeline_id")
_CLOSE_COLUMNS += ("owner_id", "amount", "probability", "id")


def _close_key(row: str, day: Any) -> str:
    return (
        f"close_day = {day(row)} AND currency = {row}.currency AND pipeline_id = {row}.pipeline_id "
        f"AND owner_key = coalesce({row}.owner_id, 0)"
    )


def _sqlite_close_add(row: str) -> str:
    """Statements adding open live deal ``row`` to ``report_open_close``."""
    live = _OPEN_LIVE.format(r=row)
    key = _close_key(row, _close_day_sqlite)
    return (
        f"UPDATE report_open_close SET deals = deals + 1, amount = amount + {row}.amount, "
        f"weighted = weighted + {row}.amount * {row}.probability WHERE {key} AND {live}; "
        "INSERT INTO report_open_close (close_day, currency, pipeline_id, owner_key, deals, amount, weighted) "
        f"SELECT {_close_day_sqlite(row)}, {row}.currency, {row}.pipeline_id, coalesce({row}.owner_id, 0), 1, "
        f"{row}.amount, {row}.amount * {row}.probability "
        f"WHERE {live} AND NOT EXISTS (SELECT 1 FROM report_open_close WHERE {key});"
    )


def _sqlite_close_remove(row: str) -> str:
    """Statements taking open live deal ``row`` out of ``report_open_close``."""
    live = _OPEN_LIVE.format(r=row)
    key = _close_key(row, _close_day_sqlite)
    return (
        f"UPDATE report_open_close SET deals = deals - 1, amount = amount - {row}.amount, "
        f"weighted = weighted - {row}.amount * {row}.probability WHERE {key} AND {live}; "
        f"DELETE FROM report_open_close WHERE {key} AND deals = 0;"
    )


_LOST_LIVE = "{r}.status = 'lost' AND {r}.archived_at IS NULL AND {r}.closed_at IS NOT NULL"
_LOST_COLUMNS: tuple[str, ...] = ("status", "archived_at", "closed_at", "pipeline_id", "owner_id", "id")


def _stages_sqlite(deal_id: str) -> str:
    """``,1,2,4,``: the ids of the stages deal ``deal_id``'s history entered."""
    return (
        "(',' || coalesce((SELECT group_concat(x.to_stage_id, ',') FROM (SELECT DISTINCT c.to_stage_id "
        f"FROM deal_stage_change AS c WHERE c.deal_id = {deal_id} ORDER BY c.to_stage_id) AS x), '') || ',')"
    )


def _stages_pg(deal_id: str) -> str:
    return (
        "(',' || coalesce((SELECT string_agg(CAST(x.to_stage_id AS TEXT), ',' ORDER BY x.to_stage_id) "
        "FROM (SELECT DISTINCT c.to_stage_id FROM deal_stage_change AS c "
        f"WHERE c.deal_id = {deal_id}) AS x), '') || ',')"
    )


def _sqlite_lost_insert(row: str) -> str:
    return (
        "INSERT INTO report_lost_deal (deal_id, pipeline_id, owner_id, closed_us, stages) "
        f"SELECT {row}.id, {row}.pipeline_id, {row}.owner_id, {_us_sqlite(row + '.closed_at')}, "
        f"{_stages_sqlite(row + '.id')} WHERE {_LOST_LIVE.format(r=row)};"
    )


def _sqlite_lost_history(deal_id: str) -> str:
    return f"UPDATE report_lost_deal SET stages = {_stages_sqlite(deal_id)} WHERE deal_id = {deal_id};"


def _sqlite_open_remove(row: str) -> str:
    """Statements taking open live deal ``row`` out of ``report_open_deals``."""
    live = _OPEN_LIVE.format(r=row)
    entered = f"{row}.stage_entered_at"
    return (
        f"UPDATE report_open_deals SET deals = deals - 1, amount = amount - {row}.amount, "
        f"weighted = weighted - {row}.amount * {row}.probability, "
        f"entered_s = entered_s - {_seconds_sqlite(entered)}, entered_us = entered_us - {_micros_sqlite(entered)} "
        f"WHERE {_OPEN_KEY.format(r=row)} AND {live}; "
        f"DELETE FROM report_open_deals WHERE {_OPEN_KEY.format(r=row)} AND deals = 0;"
    )


def _key(row: str, contact: str) -> str:
    """The customer key of a deal/interaction row: its company, else its contact's company, else -contact."""
    return f"coalesce({row}.company_id, {contact}, -{row}.contact_id)"


def _create_tables() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "report_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_key", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("pipeline_id", sa.Integer(), nullable=True),
        sa.Column("prev_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_event", schema=None) as batch_op:
        batch_op.create_index("ix_report_event_source", ["kind", "source_id"], unique=True)
        batch_op.create_index("ix_report_event_customer", ["customer_key", "at_us", "kind", "source_id"], unique=False)
        batch_op.create_index(
            "ix_report_event_purchase",
            ["kind", "customer_key", "currency", "at_us", "source_id", "amount", "owner_id", "pipeline_id"],
            unique=False,
        )
        batch_op.create_index("ix_report_event_time", ["at_us", "prev_us"], unique=False)
    recent = []
    for i in range(1, RECENT + 1):
        recent += [sa.Column(f"recent{i}_us", sa.BigInteger(), nullable=True)]
        recent += [sa.Column(f"recent{i}_total", sa.BigInteger(), nullable=True)]
    op.create_table(
        "report_customer_sales",
        sa.Column("customer_key", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("first_us", sa.BigInteger(), nullable=False),
        sa.Column("last_us", sa.BigInteger(), nullable=False),
        *recent,
        sa.PrimaryKeyConstraint("customer_key", "currency"),
        **({"sqlite_with_rowid": False} if sqlite else {}),
    )
    op.create_table(
        "report_open_deals",
        sa.Column("pipeline_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stage_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("owner_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("weighted", sa.BigInteger(), nullable=False),
        sa.Column("entered_s", sa.BigInteger(), nullable=False),
        sa.Column("entered_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pipeline_id", "stage_id", "currency", "owner_key"),
        **({"sqlite_with_rowid": False} if sqlite else {}),
    )
    op.create_table(
        "report_open_close",
        sa.Column("close_day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("weighted", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("close_day", "currency", "pipeline_id", "owner_key"),
        **({"sqlite_with_rowid": False} if sqlite else {}),
    )
    op.create_table(
        "report_lost_deal",
        sa.Column("deal_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("closed_us", sa.BigInteger(), nullable=False),
        sa.Column("stages", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("deal_id"),
    )
    with op.batch_alter_table("report_lost_deal", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_lost_deal_closed", ["pipeline_id", "closed_us", "owner_id", "stages"], unique=False
        )
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.create_index("ix_deal_open_entered", OPEN_ENTERED, unique=False)
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        for name, columns in INTERACTION_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    op.create_table(
        "report_customer",
        sa.Column("customer_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_purchase_us", sa.BigInteger(), nullable=True),
        sa.Column("last_interaction_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("customer_key"),
        **({"sqlite_with_rowid": False} if sqlite else {}),
    )


def _events_select(us: str) -> str:
    """Every event with its customer key (no prev_us yet), for the backfill."""
    deal_key = _key("d", "c.company_id")
    talk_key = _key("i", "c.company_id")
    return (
        f"SELECT {deal_key} AS customer_key, 1 AS kind, d.id AS source_id, {us.replace('{}', 'd.closed_at')} AS at_us, "
        "d.currency AS currency, d.amount AS amount, d.owner_id AS owner_id, d.pipeline_id AS pipeline_id "
        "FROM deal d LEFT JOIN contact c ON c.id = d.contact_id "
        "WHERE d.status = 'won' AND d.archived_at IS NULL AND d.closed_at IS NOT NULL "
        f"UNION ALL SELECT {talk_key}, 2, i.id, {us.replace('{}', 'i.occurred_at')}, NULL, NULL, NULL, NULL "
        "FROM interaction i LEFT JOIN contact c ON c.id = i.contact_id WHERE i.archived_at IS NULL"
    )


def _backfill() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    us = _us_sqlite("{}") if sqlite else _us_pg("{}")
    op.execute(
        "INSERT INTO report_event "
        "(customer_key, kind, source_id, at_us, currency, amount, owner_id, pipeline_id, prev_us) "
        "SELECT customer_key, kind, source_id, at_us, currency, amount, owner_id, pipeline_id, "
        "CASE WHEN kind = 2 AND (f IS NULL OR at_us < f) THEN at_us "
        "WHEN lag(at_us) OVER w >= f THEN lag(at_us) OVER w END "
        "FROM (SELECT e.*, min(CASE WHEN kind = 1 THEN at_us END) OVER (PARTITION BY customer_key) AS f "
        f"FROM ({_events_select(us)}) e WHERE customer_key IS NOT NULL) t "
        "WINDOW w AS (PARTITION BY customer_key ORDER BY at_us, kind, source_id)"
    )
    op.execute(f"INSERT INTO report_customer_sales ({_sales_columns()}) {_sales_select('kind = 1')}")
    op.execute(
        "INSERT INTO report_customer (customer_key, first_purchase_us, last_interaction_us) "
        "SELECT customer_key, min(CASE WHEN kind = 1 THEN at_us END), max(CASE WHEN kind = 2 THEN at_us END) "
        "FROM report_event GROUP BY customer_key"
    )
    day = _close_day_sqlite if sqlite else _close_day_pg
    op.execute(
        "INSERT INTO report_open_close (close_day, currency, pipeline_id, owner_key, deals, amount, weighted) "
        f"SELECT {day('deal')}, currency, pipeline_id, coalesce(owner_id, 0), count(*), sum(amount), "
        f"sum(amount * probability) FROM deal WHERE {_OPEN_LIVE.format(r='deal')} "
        f"GROUP BY {day('deal')}, currency, pipeline_id, coalesce(owner_id, 0)"
    )
    stages, us_of = (_stages_sqlite, _us_sqlite) if sqlite else (_stages_pg, _us_pg)
    op.execute(
        "INSERT INTO report_lost_deal (deal_id, pipeline_id, owner_id, closed_us, stages) "
        f"SELECT d.id, d.pipeline_id, d.owner_id, {us_of('d.closed_at')}, {stages('d.id')} "
        f"FROM deal AS d WHERE {_LOST_LIVE.format(r='d')}"
    )
    seconds, micros = (_seconds_sqlite, _micros_sqlite) if sqlite else (_seconds_pg, _micros_pg)
    op.execute(
        "INSERT INTO report_open_deals "
        "(pipeline_id, stage_id, currency, owner_key, deals, amount, weighted, entered_s, entered_us) "
        "SELECT pipeline_id, stage_id, currency, coalesce(owner_id, 0), count(*), sum(amount), "
        f"sum(amount * probability), sum({seconds('stage_entered_at')}), sum({micros('stage_entered_at')}) "
        f"FROM deal WHERE {_OPEN_LIVE.format(r='deal')} GROUP BY pipeline_id, stage_id, currency, coalesce(owner_id, 0)"
    )


def _sales_columns() -> str:
    recent = ", ".join(f"recent{i}_us, recent{i}_total" for i in range(1, RECENT + 1))
    return f"customer_key, currency, purchases, revenue, first_us, last_us, {recent}"


def _sales_select(where: str) -> str:
    """The ``report_customer_sales`` rows of the purchase events matching ``where``.

    ``recent{i}_us`` is the time of the i-th latest purchase, ``recent{i}_total`` the sum of
    the i latest purchases.
    """
    order = "PARTITION BY customer_key, currency ORDER BY at_us DESC, source_id DESC"
    recent = ", ".join(
        f"max(CASE WHEN rn = {i} THEN at_us END), max(CASE WHEN rn = {i} THEN cum END)" for i in range(1, RECENT + 1)
    )
    return (
        f"SELECT customer_key, currency, count(*), sum(amount), min(at_us), max(at_us), {recent} "
        "FROM (SELECT customer_key, currency, at_us, amount, "
        f"row_number() OVER ({order}) AS rn, "
        f"sum(amount) OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum "
        f"FROM report_event WHERE {where}) p GROUP BY customer_key, currency"
    )


# --------------------------------------------------------------------------- SQLite triggers

_DEAL_LIVE = "{r}.status = 'won' AND {r}.archived_at IS NULL AND {r}.closed_at IS NOT NULL"
_DEAL_COLUMNS: tuple[str, ...] = ("status", "archived_at", "closed_at", "amount", "currency", "company_id")
_DEAL_COLUMNS += ("contact_id", "owner_id", "pipeline_id", "id")
_TALK_COLUMNS = ("archived_at", "occurred_at", "company_id", "contact_id", "id")
_EVENT_COLUMNS = "customer_key, kind, source_id, at_us, currency, amount, owner_id, pipeline_id"


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _sqlite_deal_insert() -> str:
    key = _key("NEW", "(SELECT c.company_id FROM contact AS c WHERE c.id = NEW.contact_id)")
    return (
        f"INSERT INTO report_event ({_EVENT_COLUMNS}) "
        f"SELECT k, 1, NEW.id, {_us_sqlite('NEW.closed_at')}, NEW.currency, NEW.amount, NEW.owner_id, NEW.pipeline_id "
        f"FROM (SELECT {key} AS k) WHERE k IS NOT NULL AND {_DEAL_LIVE.format(r='NEW')};"
    )


def _sqlite_talk_insert() -> str:
    key = _key("NEW", "(SELECT c.company_id FROM contact AS c WHERE c.id = NEW.contact_id)")
    return (
        f"INSERT INTO report_event ({_EVENT_COLUMNS}) "
        f"SELECT k, 2, NEW.id, {_us_sqlite('NEW.occurred_at')}, NULL, NULL, NULL, NULL "
        "FROM (SELECT " + key + " AS k) WHERE k IS NOT NULL AND NEW.archived_at IS NULL;"
    )


def _sqlite_customer_refresh(row: str) -> str:
    """Statements that bring ``report_customer`` and ``report_customer_sales`` up to date for ``row``'s customer."""
    # plain DELETE and INSERT: a REPLACE inside a trigger fired by a foreign key action is
    # turned into ABORT (the action's own conflict rule wins)
    return (
        f"DELETE FROM report_customer WHERE customer_key = {row}.customer_key;"
        " INSERT INTO report_customer (customer_key, first_purchase_us, last_interaction_us) "
        f"SELECT {row}.customer_key, f, l FROM (SELECT "
        f"(SELECT min(e.at_us) FROM report_event AS e WHERE e.kind = 1 AND e.customer_key = {row}.customer_key) AS f, "
        f"(SELECT max(e.at_us) FROM report_event AS e WHERE e.kind = 2 AND e.customer_key = {row}.customer_key) AS l) "
        "WHERE f IS NOT NULL OR l IS NOT NULL;"
        f" DELETE FROM report_customer_sales WHERE {row}.kind = 1 AND customer_key = {row}.customer_key "
        f"AND currency = {row}.currency;"
        f" INSERT INTO report_customer_sales ({_sales_columns()}) "
        + _sales_select(
            f"{row}.kind = 1 AND kind = 1 AND customer_key = {row}.customer_key AND currency = {row}.currency"
        )
        + ";"
    )


_SQLITE_FIRST = (
    "(SELECT c.first_purchase_us FROM report_customer AS c WHERE c.customer_key = report_event.customer_key)"
)
_SQLITE_PREV = (
    f"CASE WHEN report_event.kind = 2 AND ({_SQLITE_FIRST} IS NULL OR report_event.at_us < {_SQLITE_FIRST}) "
    "THEN report_event.at_us ELSE (SELECT p.at_us FROM report_event AS p "
    "WHERE p.customer_key = report_event.customer_key "
    "AND (p.at_us, p.kind, p.source_id) < (report_event.at_us, report_event.kind, report_event.source_id) "
    f"AND p.at_us >= {_SQLITE_FIRST} ORDER BY p.at_us DESC, p.kind DESC, p.source_id DESC LIMIT 1) END"
)


def _sqlite_next(row: str) -> str:
    """The id of the customer's event right after ``row``'s place."""
    return (
        f"(SELECT n.id FROM report_event AS n WHERE n.customer_key = {row}.customer_key "
        f"AND (n.at_us, n.kind, n.source_id) > ({row}.at_us, {row}.kind, {row}.source_id) "
        "ORDER BY n.at_us, n.kind, n.source_id LIMIT 1)"
    )


def _sqlite_first_moved(row: str, *, inserted: bool) -> str:
    """True when ``row`` (a purchase just inserted or deleted) moved its customer's first purchase."""
    other = f" AND o.id <> {row}.id" if inserted else ""
    return (
        f"({row}.kind = 1 AND NOT EXISTS (SELECT 1 FROM report_event AS o WHERE o.kind = 1 "
        f"AND o.customer_key = {row}.customer_key AND o.at_us <= {row}.at_us{other}))"
    )


def _sqlite_triggers() -> list[str]:
    deal_live = _DEAL_LIVE.format(r="NEW")
    return [
        f"CREATE TRIGGER report_deal_insert AFTER INSERT ON deal WHEN {deal_live} BEGIN {_sqlite_deal_insert()} END",
        f"CREATE TRIGGER report_deal_update AFTER UPDATE ON deal WHEN {_changed(_DEAL_COLUMNS, 'IS NOT')} BEGIN "
        f"DELETE FROM report_event WHERE kind = 1 AND source_id = OLD.id; {_sqlite_deal_insert()} END",
        "CREATE TRIGGER report_deal_delete AFTER DELETE ON deal BEGIN "
        "DELETE FROM report_event WHERE kind = 1 AND source_id = OLD.id; END",
        f"CREATE TRIGGER report_close_insert AFTER INSERT ON deal WHEN {_OPEN_LIVE.format(r='NEW')} BEGIN "
        f"{_sqlite_close_add('NEW')} END",
        f"CREATE TRIGGER report_close_update AFTER UPDATE ON deal WHEN {_changed(_CLOSE_COLUMNS, 'IS NOT')} BEGIN "
        f"{_sqlite_close_remove('OLD')} {_sqlite_close_add('NEW')} END",
        f"CREATE TRIGGER report_close_delete AFTER DELETE ON deal WHEN {_OPEN_LIVE.format(r='OLD')} BEGIN "
        f"{_sqlite_close_remove('OLD')} END",
        f"CREATE TRIGGER report_lost_insert AFTER INSERT ON deal WHEN {_LOST_LIVE.format(r='NEW')} BEGIN "
        f"{_sqlite_lost_insert('NEW')} END",
        f"CREATE TRIGGER report_lost_update AFTER UPDATE ON deal WHEN {_changed(_LOST_COLUMNS, 'IS NOT')} BEGIN "
        f"DELETE FROM report_lost_deal WHERE deal_id = OLD.id; {_sqlite_lost_insert('NEW')} END",
        "CREATE TRIGGER report_lost_delete AFTER DELETE ON deal BEGIN "
        "DELETE FROM report_lost_deal WHERE deal_id = OLD.id; END",
        "CREATE TRIGGER report_history_insert AFTER INSERT ON deal_stage_change BEGIN "
        f"{_sqlite_lost_history('NEW.deal_id')} END",
        "CREATE TRIGGER report_history_update AFTER UPDATE ON deal_stage_change "
        "WHEN OLD.deal_id IS NOT NEW.deal_id OR OLD.to_stage_id IS NOT NEW.to_stage_id BEGIN "
        f"{_sqlite_lost_history('OLD.deal_id')} {_sqlite_lost_history('NEW.deal_id')} END",
        "CREATE TRIGGER report_history_delete AFTER DELETE ON deal_stage_change BEGIN "
        f"{_sqlite_lost_history('OLD.deal_id')} END",
        f"CREATE TRIGGER report_open_insert AFTER INSERT ON deal WHEN {_OPEN_LIVE.format(r='NEW')} BEGIN "
        f"{_sqlite_open_add('NEW')} END",
        f"CREATE TRIGGER report_open_update AFTER UPDATE ON deal WHEN {_changed(_OPEN_COLUMNS, 'IS NOT')} BEGIN "
        f"{_sqlite_open_remove('OLD')} {_sqlite_open_add('NEW')} END",
        f"CREATE TRIGGER report_open_delete AFTER DELETE ON deal WHEN {_OPEN_LIVE.format(r='OLD')} BEGIN "
        f"{_sqlite_open_remove('OLD')} END",
        "CREATE TRIGGER report_interaction_insert AFTER INSERT ON interaction WHEN NEW.archived_at IS NULL "
        f"BEGIN {_sqlite_talk_insert()} END",
        f"CREATE TRIGGER report_interaction_update AFTER UPDATE ON interaction "
        f"WHEN {_changed(_TALK_COLUMNS, 'IS NOT')} BEGIN "
        f"DELETE FROM report_event WHERE kind = 2 AND source_id = OLD.id; {_sqlite_talk_insert()} END",
        "CREATE TRIGGER report_interaction_delete AFTER DELETE ON interaction BEGIN "
        "DELETE FROM report_event WHERE kind = 2 AND source_id = OLD.id; END",
        # a contact's own deals and interactions (those without a company) follow it to its new company
        "CREATE TRIGGER report_contact_company AFTER UPDATE OF company_id ON contact "
        "WHEN OLD.company_id IS NOT NEW.company_id BEGIN "
        "DELETE FROM report_event WHERE kind = 1 AND source_id IN "
        "(SELECT d.id FROM deal AS d WHERE d.contact_id = NEW.id AND d.company_id IS NULL); "
        "DELETE FROM report_event WHERE kind = 2 AND source_id IN "
        "(SELECT i.id FROM interaction AS i WHERE i.contact_id = NEW.id AND i.company_id IS NULL); "
        f"INSERT INTO report_event ({_EVENT_COLUMNS}) "
        f"SELECT coalesce(NEW.company_id, -NEW.id), 1, d.id, {_us_sqlite('d.closed_at')}, d.currency, d.amount, "
        "d.owner_id, d.pipeline_id FROM deal AS d WHERE d.contact_id = NEW.id AND d.company_id IS NULL "
        f"AND {_DEAL_LIVE.format(r='d')} ORDER BY d.id; "
        f"INSERT INTO report_event ({_EVENT_COLUMNS}) "
        f"SELECT coalesce(NEW.company_id, -NEW.id), 2, i.id, {_us_sqlite('i.occurred_at')}, NULL, NULL, NULL, NULL "
        "FROM interaction AS i WHERE i.contact_id = NEW.id AND i.company_id IS NULL AND i.archived_at IS NULL "
        "ORDER BY i.id; END",
        # the summaries and prev_us follow the events
        "CREATE TRIGGER report_event_insert AFTER INSERT ON report_event BEGIN "
        f"{_sqlite_customer_refresh('NEW')} "
        f"UPDATE report_event SET prev_us = {_SQLITE_PREV} WHERE customer_key = NEW.customer_key "
        f"AND (id = NEW.id OR id = {_sqlite_next('NEW')} OR {_sqlite_first_moved('NEW', inserted=True)}); END",
        "CREATE TRIGGER report_event_delete AFTER DELETE ON report_event BEGIN "
        f"{_sqlite_customer_refresh('OLD')} "
        f"UPDATE report_event SET prev_us = {_SQLITE_PREV} WHERE customer_key = OLD.customer_key "
        f"AND (id = {_sqlite_next('OLD')} OR {_sqlite_first_moved('OLD', inserted=False)}); END",
    ]


# --------------------------------------------------------------------------- PostgreSQL triggers


def _pg_statements() -> list[str]:
    deal_key = _key("NEW", "(SELECT c.company_id FROM contact AS c WHERE c.id = NEW.contact_id)")
    talk_key = deal_key
    return [
        # everything kept for the customers in ``keys``, recomputed from their events
        "CREATE FUNCTION report_refresh_customers(keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "DELETE FROM report_customer_sales WHERE customer_key = ANY(keys); "
        f"INSERT INTO report_customer_sales ({_sales_columns()}) "
        f"{_sales_select('kind = 1 AND customer_key = ANY(keys)')}; "
        "DELETE FROM report_customer WHERE customer_key = ANY(keys); "
        "INSERT INTO report_customer (customer_key, first_purchase_us, last_interaction_us) "
        "SELECT customer_key, min(at_us) FILTER (WHERE kind = 1), max(at_us) FILTER (WHERE kind = 2) "
        "FROM report_event WHERE customer_key = ANY(keys) GROUP BY customer_key; "
        "UPDATE report_event AS e SET prev_us = x.prev FROM ("
        "SELECT id, CASE WHEN kind = 2 AND (f IS NULL OR at_us < f) THEN at_us "
        "WHEN lag(at_us) OVER w >= f THEN lag(at_us) OVER w END AS prev "
        "FROM (SELECT r.*, min(at_us) FILTER (WHERE kind = 1) OVER (PARTITION BY customer_key) AS f "
        "FROM report_event AS r WHERE customer_key = ANY(keys)) t "
        "WINDOW w AS (PARTITION BY customer_key ORDER BY at_us, kind, source_id)) AS x "
        "WHERE e.id = x.id AND e.prev_us IS DISTINCT FROM x.prev; "
        "END $$",
        "CREATE FUNCTION report_event_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        "PERFORM report_refresh_customers(ARRAY(SELECT DISTINCT customer_key FROM new_events)); "
        "ELSE PERFORM report_refresh_customers(ARRAY(SELECT DISTINCT customer_key FROM old_events)); END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER report_event_insert AFTER INSERT ON report_event REFERENCING NEW TABLE AS new_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_event_changed()",
        "CREATE TRIGGER report_event_delete AFTER DELETE ON report_event REFERENCING OLD TABLE AS old_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_event_changed()",
        "CREATE FUNCTION report_deal_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE k bigint; BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM report_event WHERE kind = 1 AND source_id = OLD.id; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') AND {_DEAL_LIVE.format(r='NEW')} THEN "
        f"k := {deal_key}; "
        f"IF k IS NOT NULL THEN INSERT INTO report_event ({_EVENT_COLUMNS}) VALUES "
        f"(k, 1, NEW.id, {_us_pg('NEW.closed_at')}, NEW.currency, NEW.amount, NEW.owner_id, NEW.pipeline_id); "
        "END IF; END IF; RETURN NULL; END $$",
        "CREATE TRIGGER report_deal_insert_delete AFTER INSERT OR DELETE ON deal "
        "FOR EACH ROW EXECUTE FUNCTION report_deal_changed()",
        "CREATE TRIGGER report_deal_update AFTER UPDATE ON deal FOR EACH ROW "
        f"WHEN ({_changed(_DEAL_COLUMNS, 'IS DISTINCT FROM')}) EXECUTE FUNCTION report_deal_changed()",
        "CREATE FUNCTION report_open_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') AND {_OPEN_LIVE.format(r='OLD')} THEN "
        "UPDATE report_open_deals SET deals = deals - 1, amount = amount - OLD.amount, "
        "weighted = weighted - OLD.amount * OLD.probability, "
        f"entered_s = entered_s - {_seconds_pg('OLD.stage_entered_at')}, "
        f"entered_us = entered_us - {_micros_pg('OLD.stage_entered_at')} WHERE {_OPEN_KEY.format(r='OLD')}; "
        f"DELETE FROM report_open_deals WHERE {_OPEN_KEY.format(r='OLD')} AND deals = 0; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') AND {_OPEN_LIVE.format(r='NEW')} THEN "
        "INSERT INTO report_open_deals AS o "
        "(pipeline_id, stage_id, currency, owner_key, deals, amount, weighted, entered_s, entered_us) "
        "VALUES (NEW.pipeline_id, NEW.stage_id, NEW.currency, coalesce(NEW.owner_id, 0), "
        f"{_open_figures('NEW', _seconds_pg, _micros_pg)}) "
        "ON CONFLICT (pipeline_id, stage_id, currency, owner_key) DO UPDATE SET deals = o.deals + 1, "
        "amount = o.amount + excluded.amount, weighted = o.weighted + excluded.weighted, "
        "entered_s = o.entered_s + excluded.entered_s, entered_us = o.entered_us + excluded.entered_us; "
        "END IF; RETURN NULL; END $$",
        "CREATE TRIGGER report_open_insert_delete AFTER INSERT OR DELETE ON deal "
        "FOR EACH ROW EXECUTE FUNCTION report_open_changed()",
        "CREATE TRIGGER report_open_update AFTER UPDATE ON deal FOR EACH ROW "
        f"WHEN ({_changed(_OPEN_COLUMNS, 'IS DISTINCT FROM')}) EXECUTE FUNCTION report_open_changed()",
        "CREATE FUNCTION report_close_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') AND {_OPEN_LIVE.format(r='OLD')} THEN "
        "UPDATE report_open_close SET deals = deals - 1, amount = amount - OLD.amount, "
        f"weighted = weighted - OLD.amount * OLD.probability WHERE {_close_key('OLD', _close_day_pg)}; "
        f"DELETE FROM report_open_close WHERE {_close_key('OLD', _close_day_pg)} AND deals = 0; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') AND {_OPEN_LIVE.format(r='NEW')} THEN "
        "INSERT INTO report_open_close AS o (close_day, currency, pipeline_id, owner_key, deals, amount, weighted) "
        f"VALUES ({_close_day_pg('NEW')}, NEW.currency, NEW.pipeline_id, coalesce(NEW.owner_id, 0), 1, "
        "NEW.amount, NEW.amount * NEW.probability) "
        "ON CONFLICT (close_day, currency, pipeline_id, owner_key) DO UPDATE SET deals = o.deals + 1, "
        "amount = o.amount + excluded.amount, weighted = o.weighted + excluded.weighted; "
        "END IF; RETURN NULL; END $$",
        "CREATE TRIGGER report_close_insert_delete AFTER INSERT OR DELETE ON deal "
        "FOR EACH ROW EXECUTE FUNCTION report_close_changed()",
        "CREATE TRIGGER report_close_update AFTER UPDATE ON deal FOR EACH ROW "
        f"WHEN ({_changed(_CLOSE_COLUMNS, 'IS DISTINCT FROM')}) EXECUTE FUNCTION report_close_changed()",
        "CREATE FUNCTION report_lost_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM report_lost_deal WHERE deal_id = OLD.id; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') AND {_LOST_LIVE.format(r='NEW')} THEN "
        "INSERT INTO report_lost_deal (deal_id, pipeline_id, owner_id, closed_us, stages) VALUES "
        f"(NEW.id, NEW.pipeline_id, NEW.owner_id, {_us_pg('NEW.closed_at')}, {_stages_pg('NEW.id')}); "
        "END IF; RETURN NULL; END $$",
        "CREATE TRIGGER report_lost_insert_delete AFTER INSERT OR DELETE ON deal "
        "FOR EACH ROW EXECUTE FUNCTION report_lost_changed()",
        "CREATE TRIGGER report_lost_update AFTER UPDATE ON deal FOR EACH ROW "
        f"WHEN ({_changed(_LOST_COLUMNS, 'IS DISTINCT FROM')}) EXECUTE FUNCTION report_lost_changed()",
        "CREATE FUNCTION report_history_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        f"UPDATE report_lost_deal SET stages = {_stages_pg('OLD.deal_id')} WHERE deal_id = OLD.deal_id; END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        f"UPDATE report_lost_deal SET stages = {_stages_pg('NEW.deal_id')} WHERE deal_id = NEW.deal_id; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER report_history_insert_delete AFTER INSERT OR DELETE ON deal_stage_change "
        "FOR EACH ROW EXECUTE FUNCTION report_history_changed()",
        "CREATE TRIGGER report_history_update AFTER UPDATE ON deal_stage_change FOR EACH ROW "
        "WHEN (OLD.deal_id IS DISTINCT FROM NEW.deal_id OR OLD.to_stage_id IS DISTINCT FROM NEW.to_stage_id) "
        "EXECUTE FUNCTION report_history_changed()",
        "CREATE FUNCTION report_interaction_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE k bigint; BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM report_event WHERE kind = 2 AND source_id = OLD.id; END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.archived_at IS NULL THEN "
        f"k := {talk_key}; "
        f"IF k IS NOT NULL THEN INSERT INTO report_event ({_EVENT_COLUMNS}) VALUES "
        f"(k, 2, NEW.id, {_us_pg('NEW.occurred_at')}, NULL, NULL, NULL, NULL); "
        "END IF; END IF; RETURN NULL; END $$",
        "CREATE TRIGGER report_interaction_insert_delete AFTER INSERT OR DELETE ON interaction "
        "FOR EACH ROW EXECUTE FUNCTION report_interaction_changed()",
        "CREATE TRIGGER report_interaction_update AFTER UPDATE ON interaction FOR EACH ROW "
        f"WHEN ({_changed(_TALK_COLUMNS, 'IS DISTINCT FROM')}) EXECUTE FUNCTION report_interaction_changed()",
        "CREATE FUNCTION report_contact_company() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "DELETE FROM report_event WHERE kind = 1 AND source_id IN "
        "(SELECT d.id FROM deal AS d WHERE d.contact_id = NEW.id AND d.company_id IS NULL); "
        "DELETE FROM report_event WHERE kind = 2 AND source_id IN "
        "(SELECT i.id FROM interaction AS i WHERE i.contact_id = NEW.id AND i.company_id IS NULL); "
        f"INSERT INTO report_event ({_EVENT_COLUMNS}) "
        f"SELECT coalesce(NEW.company_id, -NEW.id), 1, d.id, {_us_pg('d.closed_at')}, d.currency, d.amount, "
        "d.owner_id, d.pipeline_id FROM deal AS d WHERE d.contact_id = NEW.id AND d.company_id IS NULL "
        f"AND {_DEAL_LIVE.format(r='d')}; "
        f"INSERT INTO report_event ({_EVENT_COLUMNS}) "
        f"SELECT coalesce(NEW.company_id, -NEW.id), 2, i.id, {_us_pg('i.occurred_at')}, NULL, NULL, NULL, NULL "
        "FROM interaction AS i WHERE i.contact_id = NEW.id AND i.company_id IS NULL AND i.archived_at IS NULL; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER report_contact_company AFTER UPDATE OF company_id ON contact FOR EACH ROW "
        "WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id) EXECUTE FUNCTION report_contact_company()",
    ]


TRIGGER = re.compile(r"^CREATE TRIGGER (\w+) .*? ON (\w+) ")
FUNCTION = re.compile(r"^CREATE FUNCTION (\w+\([^)]*\))()")


def _created(statements: list[str], kind: re.Pattern[str]) -> list[tuple[str, str]]:
    """The (name, table) of each trigger, or (signature, "") of each function, ``statements`` create."""
    return [(m[1], m[2]) for m in map(kind.match, statements) if m]


def upgrade() -> None:
    _create_tables()
    _backfill()
    if op.get_bind().dialect.name == "sqlite":
        for sql in _sqlite_triggers():
            op.execute(sql)
        # statistics for the new tables and indexes (the planner's choice of a skip-scan over the
        # few interaction kinds or users depends on them)
        for table in REPORT_TABLES:
            op.execute(f"ANALYZE {table}")
        op.execute("ANALYZE deal")
        op.execute("ANALYZE interaction")
    else:
        for sql in _pg_statements():
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, _table in reversed(_created(_sqlite_triggers(), TRIGGER)):
            op.execute(f"DROP TRIGGER {name}")
    else:
        statements = _pg_statements()
        for name, table in reversed(_created(statements, TRIGGER)):
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function, _ in reversed(_created(statements, FUNCTION)):
            op.execute(f"DROP FUNCTION {function}")
    op.drop_table("report_customer")
    op.drop_table("report_open_deals")
    op.drop_table("report_open_close")
    with op.batch_alter_table("report_lost_deal", schema=None) as batch_op:
        batch_op.drop_index("ix_report_lost_deal_closed")
    op.drop_table("report_lost_deal")
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_open_entered")
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        for name in reversed(INTERACTION_INDEXES):
            batch_op.drop_index(name)
    op.drop_table("report_customer_sales")
    with op.batch_alter_table("report_event", schema=None) as batch_op:
        for name in ("ix_report_event_time", "ix_report_event_purchase", "ix_report_event_customer"):
            batch_op.drop_index(name)
        batch_op.drop_index("ix_report_event_source")
    op.drop_table("report_event")
