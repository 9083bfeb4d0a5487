"""Reports: indexes whose order matches the per-customer and follow-up GROUP BYs.

Revision ID: 0005_report_keys
Revises: 0004_reports
Create Date: 2026-11-23

A GROUP BY that follows an index needs no sort; on 1,000,000 deals the sort of
every purchase by customer was most of the customers and churn reports' time
(benchmarks/bench_reports.py):

* ``ix_deal_customer``: won deals per (company, contact, currency) with what the
  customers and churn reports sum (customers, churn);
* ``ix_interaction_customer``: interactions per (company, contact) with their time (churn);
* ``ix_followup_done``: follow-ups done in a window, with what on-time needs (activity);
* ``ix_ticket_report``: tickets created in a window, with every column the SLA,
  median, satisfaction and backlog figures read (tickets).

The customer key itself (company, else the contact's company, else the contact)
stays computed in SQL from these groups, so no stored column has to follow
contacts that change company or are merged.
"""

from __future__ import annotations

from alembic import op

revision = "0005_report_keys"
down_revision = "0004_reports"
branch_labels = None
depends_on = None

INDEXES: dict[str, dict[str, list[str]]] = {
    "deal": {
        "ix_deal_customer": [
            "status",
            "company_id",
            "contact_id",
            "currency",
            "closed_at",
            "amount",
            "archived_at",
            "owner_id",
            "pipeline_id",
        ],
    },
    "interaction": {"ix_interaction_customer": ["company_id", "contact_id", "occurred_at", "archived_at"]},
    "followup": {"ix_followup_done": ["status", "done_at", "assignee_id", "due_at", "due_has_time"]},
    "ticket": {
        "ix_ticket_report": [
            "created_at",
            "archived_at",
            "assignee_id",
            "priority",
            "status",
            "first_response_at",
            "first_response_due",
            "resolution_due",
            "resolved_at",
            "closed_at",
            "pending_since",
            "satisfaction",
        ]
    },
}


def upgrade() -> None:
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in indexes.items():
                batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, indexes in reversed(INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in reversed(indexes):
                batch_op.drop_index(name)
