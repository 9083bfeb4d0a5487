"""Marketing: saved segments, campaigns and their members."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from termcrm.models.base import Table, ts_column, utcnow, version_column
from termcrm.vocab import CAMPAIGN_CHANNELS, CAMPAIGN_STATUSES, MEMBER_STATUSES  # noqa: F401

_segment_version = version_column()


class Segment(Table, table=True):
    """A named, saved contact filter; membership is evaluated when used."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String, nullable=False, unique=True))
    filter: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    version: int | None = Field(default=None, sa_column=_segment_version)

    __mapper_args__ = {"version_id_col": _segment_version}


_campaign_version = version_column()


class Campaign(Table, table=True):
    """A marketing campaign with a budget, an actual cost and a target segment."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    channel: str
    status: str = "planned"
    start_date: date | None = None
    end_date: date | None = None
    budget: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, default=0))
    actual_cost: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, default=0))
    currency: str = "USD"
    segment_id: int | None = Field(default=None, foreign_key="segment.id", ondelete="SET NULL")
    description: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_campaign_version)

    __mapper_args__ = {"version_id_col": _campaign_version}


class CampaignMember(Table, table=True):
    """A contact targeted by a campaign, and how far they got."""

    __tablename__ = "campaign_member"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    status: str = "targeted"
    added_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("added_at", nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=ts_column("sent_at"))
    responded_at: datetime | None = Field(default=None, sa_column=ts_column("responded_at"))
    converted_at: datetime | None = Field(default=None, sa_column=ts_column("converted_at"))
    unsubscribed_at: datetime | None = Field(default=None, sa_column=ts_column("unsubscribed_at"))
