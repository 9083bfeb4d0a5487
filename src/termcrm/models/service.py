"""Service desk: tickets with SLA clocks, their comment threads, SLA policies and the knowledge base."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from termcrm.models.base import Table, ts_column, utcnow, version_column
from termcrm.vocab import ARTICLE_STATUSES, TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES  # noqa: F401

_ticket_version = version_column()


class Ticket(Table, table=True):
    """A customer request, with its first-response and resolution clocks."""

    __table_args__ = (
        sa.Index("ix_ticket_queue", "status", "resolution_due"),
        # tickets created in a window, every column the tickets report reads (migration 0005_report_keys)
        sa.Index(
            "ix_ticket_report",
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
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject: str
    description: str | None = None
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True, ondelete="SET NULL")
    status: str = "new"
    priority: str = "normal"
    type: str = "question"
    channel: str = "email"
    assignee_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    first_response_at: datetime | None = Field(default=None, sa_column=ts_column("first_response_at"))
    first_response_due: datetime | None = Field(default=None, sa_column=ts_column("first_response_due"))
    resolution_due: datetime | None = Field(default=None, sa_column=ts_column("resolution_due"))
    resolved_at: datetime | None = Field(default=None, sa_column=ts_column("resolved_at", index=True))
    closed_at: datetime | None = Field(default=None, sa_column=ts_column("closed_at"))
    pending_since: datetime | None = Field(default=None, sa_column=ts_column("pending_since"))
    paused_seconds: int = 0
    """Working seconds the resolution clock spent paused (pending) so far."""
    satisfaction: int | None = None
    satisfaction_comment: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False, index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_ticket_version)

    __mapper_args__ = {"version_id_col": _ticket_version}


class TicketStatusChange(Table, table=True):
    """A ticket's status change; the pending intervals pause the resolution clock."""

    __tablename__ = "ticket_status_change"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    from_status: str | None = None
    to_status: str
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column("at", nullable=False))
    user_id: int | None = Field(default=None, foreign_key="user.id")


class TicketComment(Table, table=True):
    """A message in a ticket's thread; public ones are seen by the customer."""

    __tablename__ = "ticket_comment"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id")
    body: str
    public: bool = True
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column("at", nullable=False))


_sla_version = version_column()


class SlaPolicy(Table, table=True):
    """First-response and resolution targets for one priority, in minutes."""

    __tablename__ = "sla_policy"

    priority: str = Field(primary_key=True)
    first_response_minutes: int
    resolution_minutes: int
    version: int | None = Field(default=None, sa_column=_sla_version)

    __mapper_args__ = {"version_id_col": _sla_version}


_article_version = version_column()


class KbArticle(Table, table=True):
    """A knowledge-base article in Markdown."""

    __tablename__ = "kb_article"

    id: int | None = Field(default=None, primary_key=True)
    title: str
    body: str = ""
    status: str = "draft"
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_article_version)

    __mapper_args__ = {"version_id_col": _article_version}


class KbArticleTag(Table, table=True):
    """A tag on an article."""

    __tablename__ = "kb_article_tag"

    article_id: int = Field(foreign_key="kb_article.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True, ondelete="CASCADE")


class KbArticleTicket(Table, table=True):
    """An article that helped resolve a ticket."""

    __tablename__ = "kb_article_ticket"

    article_id: int = Field(foreign_key="kb_article.id", primary_key=True, ondelete="CASCADE")
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, index=True, ondelete="CASCADE")
