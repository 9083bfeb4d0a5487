"""Reports: covering indexes, so the reports group 1,000,000 deals without reading the table rows.

Revision ID: 0004_reports
Revises: 0003_followups
Create Date: 2026-11-23

Each index holds every column its report query reads, in the order the query
filters and groups by (benchmarks/bench_reports.py measures them):

* ``ix_deal_open_stage``: the pipeline report (open deals of a pipeline by stage and currency);
* ``ix_deal_open_close``: the forecast (open deals by expected close);
* ``ix_deal_closed``: deals won or lost in a window (forecast, win/loss, customers, churn,
  performance, quotas);
* ``ix_deal_created``: deals created in a window (performance);
* ``ix_deal_stage_change_deal_stage``: the win/loss funnel (did a deal ever enter a stage);
* ``ix_interaction_report``: interactions in a window (activity, churn, performance).
"""

from __future__ import annotations

from alembic import op

revision = "0004_reports"
down_revision = "0003_followups"
branch_labels = None
depends_on = None

DEAL_INDEXES: dict[str, list[str]] = {
    "ix_deal_open_stage": [
        "pipeline_id",
        "status",
        "stage_id",
        "currency",
        "owner_id",
        "amount",
        "probability",
        "stage_entered_at",
        "archived_at",
    ],
    "ix_deal_open_close": [
        "status",
        "expected_close",
        "currency",
        "pipeline_id",
        "owner_id",
        "amount",
        "probability",
        "archived_at",
    ],
    "ix_deal_closed": [
        "status",
        "closed_at",
        "currency",
        "pipeline_id",
        "owner_id",
        "amount",
        "created_at",
        "archived_at",
        "company_id",
        "contact_id",
        "lost_reason",
    ],
    "ix_deal_created": ["created_at", "owner_id", "pipeline_id", "archived_at"],
}
INTERACTION_COLUMNS = ["occurred_at", "user_id", "kind", "contact_id", "company_id", "archived_at"]


def upgrade() -> None:
    with op.batch_alter_table("deal", schema=None) as batch_op:
        for name, columns in DEAL_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("deal_stage_change", schema=None) as batch_op:
        batch_op.create_index("ix_deal_stage_change_deal_stage", ["deal_id", "to_stage_id"], unique=False)
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_report", INTERACTION_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_report")
    with op.batch_alter_table("deal_stage_change", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_stage_change_deal_stage")
    with op.batch_alter_table("deal", schema=None) as batch_op:
        for name in reversed(DEAL_INDEXES):
            batch_op.drop_index(name)
