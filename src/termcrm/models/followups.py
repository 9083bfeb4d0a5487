"""Follow-ups: tasks with a due time, recurrence and an assignee."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from termcrm.models.base import Table, ts_column, utcnow, version_column

_followup_version = version_column()


class Followup(Table, table=True):
    """Something promised: due at a time (or on a day, when ``due_has_time`` is false)."""

    __table_args__ = (
        sa.Index("ix_followup_open_due", "status", "due_at"),
        # follow-ups done in a window, for the activity report (migration 0005_report_keys)
        sa.Index("ix_followup_done", "status", "done_at", "assignee_id", "due_at", "due_has_time"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str
    notes: str | None = None
    due_at: datetime = Field(sa_column=ts_column("due_at", nullable=False))
    due_has_time: bool = False
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True, ondelete="SET NULL")
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True, ondelete="SET NULL")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True, ondelete="SET NULL")
    assignee_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    priority: str = "normal"
    recurrence: str | None = None
    status: str = "open"
    done_at: datetime | None = Field(default=None, sa_column=ts_column("done_at"))
    reminded_at: datetime | None = Field(default=None, sa_column=ts_column("reminded_at"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_followup_version)

    __mapper_args__ = {"version_id_col": _followup_version}


class ReminderMark(Table, table=True):
    """What ``crm remind --once`` already printed for a contact: a lapsed cadence or a birthday.

    Follow-ups keep this in their own ``reminded_at``; contacts have no such
    column, so each (kind, contact) pair gets one row here. ``due_at`` is the
    occurrence that was reminded (the moment the cadence lapsed, the start of
    the birthday), so the next lapse or next year's birthday is reminded again.
    """

    __tablename__ = "reminder_mark"

    kind: str = Field(primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    due_at: datetime = Field(sa_column=ts_column("due_at", nullable=False))
    reminded_at: datetime = Field(sa_column=ts_column("reminded_at", nullable=False))
