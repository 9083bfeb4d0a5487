"""The report tables: summaries the database keeps current with triggers (migrations 0006 and 0007).

The services never write them; the pipeline, forecast, win/loss, customers and
churn reports read them instead of grouping every deal. They have no model
class, so they live in a metadata of their own beside the generated ``schema``'s
(which holds exactly the classes' tables); a dump leaves them out and a restore
fills them through the triggers.
"""

import sqlalchemy as sa

metadata = sa.MetaData()

REPORT_RECENT = 8
"""How many latest purchases per customer and currency ``report_customer_sales`` keeps."""

report_event = sa.Table(
    "report_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_key", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("source_id", sa.Integer, nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String, nullable=True),
    sa.Column("amount", sa.BigInteger, nullable=True),
    sa.Column("owner_id", sa.Integer, nullable=True),
    sa.Column("pipeline_id", sa.Integer, nullable=True),
    sa.Column("prev_us", sa.BigInteger, nullable=True),
    sa.Index("ix_report_event_source", "kind", "source_id", unique=True),
    sa.Index("ix_report_event_customer", "customer_key", "at_us", "kind", "source_id", "owner_id", "pipeline_id"),
    sa.Index(
        "ix_report_event_purchase",
        "kind",
        "customer_key",
        "currency",
        "at_us",
        "source_id",
        "amount",
        "owner_id",
        "pipeline_id",
    ),
    sa.Index("ix_report_event_time", "at_us", "prev_us"),
)
"""One row per purchase (``kind`` 1: a won, live deal with a close time) and per live interaction
(``kind`` 2) that has a customer: ``customer_key`` is the company id, or minus the contact id for a
contact without a company. Times are integer microseconds since 1970 (UTC). ``prev_us``: for an event
at or after the customer's first purchase, the time of its previous such event (NULL for the first);
for an interaction before the first purchase, its own time."""


def _sales_figures() -> list[sa.Column[int]]:
    """The columns a purchase summary keeps per customer and currency (see ``report_customer_sales``)."""
    return [
        sa.Column("purchases", sa.Integer, nullable=False),
        sa.Column("revenue", sa.BigInteger, nullable=False),
        sa.Column("first_us", sa.BigInteger, nullable=False),
        sa.Column("last_us", sa.BigInteger, nullable=False),
        *[
            sa.Column(f"recent{i}_{part}", sa.BigInteger, nullable=True)
            for i in range(1, REPORT_RECENT + 1)
            for part in ("us", "total")
        ],
    ]


report_customer_sales = sa.Table(
    "report_customer_sales",
    metadata,
    sa.Column("customer_key", sa.BigInteger, primary_key=True),
    sa.Column("currency", sa.String, primary_key=True),
    *_sales_figures(),
    sqlite_with_rowid=False,
)
"""Per customer and currency: purchases, their sum, the first and last purchase time, and for
the ``REPORT_RECENT`` latest purchases (latest first) ``recent{i}_us``, the i-th one's time, and
``recent{i}_total``, the sum of the i latest."""

SCOPE_OWNER = 1
"""``report_scope_sales.scope`` of a deal owner's purchases (``scope_id``: the user id)."""
SCOPE_PIPELINE = 2
"""``report_scope_sales.scope`` of a pipeline's purchases (``scope_id``: the pipeline id)."""

report_scope_sales = sa.Table(
    "report_scope_sales",
    metadata,
    sa.Column("scope", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("scope_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_key", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("currency", sa.String, primary_key=True),
    *_sales_figures(),
    sa.Index("ix_report_scope_sales_customer", "customer_key", "currency"),
    sqlite_with_rowid=False,
)
"""``report_customer_sales``'s figures per scope (``SCOPE_OWNER`` or ``SCOPE_PIPELINE`` and its id),
customer and currency, from the purchases of that owner or pipeline (migration 0007_report_scopes)."""

report_customer = sa.Table(
    "report_customer",
    metadata,
    sa.Column("customer_key", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("first_purchase_us", sa.BigInteger, nullable=True),
    sa.Column("last_interaction_us", sa.BigInteger, nullable=True),
    sqlite_with_rowid=False,
)
"""Per customer: the first purchase and the last interaction (microseconds)."""

report_open_deals = sa.Table(
    "report_open_deals",
    metadata,
    sa.Column("pipeline_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("stage_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("currency", sa.String, primary_key=True),
    sa.Column("owner_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("deals", sa.Integer, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("weighted", sa.BigInteger, nullable=False),
    sa.Column("entered_s", sa.BigInteger, nullable=False),
    sa.Column("entered_us", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)
"""The open live deals per pipeline, stage, currency and owner (``owner_key`` 0: none): how many,
Σ amount, Σ amount × probability, and Σ of the instants they entered their stage, in whole seconds
since 1970 (``entered_s``) and the microseconds beyond them (``entered_us``)."""

REPORT_NO_CLOSE = 2147483647
"""``report_open_close.close_day`` of the deals without an expected close date."""

report_open_close = sa.Table(
    "report_open_close",
    metadata,
    sa.Column("close_day", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("currency", sa.String, primary_key=True),
    sa.Column("pipeline_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("deals", sa.Integer, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("weighted", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)
"""The open live deals per expected close day (days since 1970; ``REPORT_NO_CLOSE``: no date),
currency, pipeline and owner (``owner_key`` 0: none): how many, Σ amount, Σ amount × probability."""

report_lost_deal = sa.Table(
    "report_lost_deal",
    metadata,
    sa.Column("deal_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("pipeline_id", sa.Integer, nullable=False),
    sa.Column("owner_id", sa.Integer, nullable=True),
    sa.Column("closed_us", sa.BigInteger, nullable=False),
    sa.Column("stages", sa.String, nullable=False),
    sa.Index("ix_report_lost_deal_closed", "pipeline_id", "closed_us", "owner_id", "stages"),
)
"""Per lost live deal: pipeline, owner, close time (microseconds) and the ids of every stage its
history entered, between commas (``,1,2,4,``), for the win/loss funnel."""

REPORT_TABLES = (
    "report_event",
    "report_customer_sales",
    "report_customer",
    "report_open_deals",
    "report_open_close",
    "report_lost_deal",
    "report_scope_sales",
)
"""The tables the triggers keep, in the order the tests compare them."""
