"""Follow-ups: reminder marks, so ``crm remind --once`` reports a lapsed cadence or a birthday once.

Revision ID: 0003_followups
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from termcrm.models.base import UTCDateTime

revision = "0003_followups"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_mark",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("reminded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kind", "contact_id"),
    )


def downgrade() -> None:
    op.drop_table("reminder_mark")
