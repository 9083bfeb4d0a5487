"""Sales: pipelines and their stages, deals with stage history, products and line items, quotas."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from termcrm.models.base import Table, ts_column, utcnow, version_column
from termcrm.vocab import STAGE_KINDS  # noqa: F401

_pipeline_version = version_column()


class Pipeline(Table, table=True):
    """An ordered set of stages a deal moves through."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(sa_column=sa.Column(sa.String, nullable=False, unique=True))
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_pipeline_version)

    __mapper_args__ = {"version_id_col": _pipeline_version}


_stage_version = version_column()


class Stage(Table, table=True):
    """A step of a pipeline, with a default probability and an optional rot limit."""

    __table_args__ = (sa.UniqueConstraint("pipeline_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    pipeline_id: int = Field(foreign_key="pipeline.id", index=True, ondelete="CASCADE")
    name: str
    position: int
    probability: int = 0
    kind: str = "open"
    rot_days: int | None = None
    version: int | None = Field(default=None, sa_column=_stage_version)

    __mapper_args__ = {"version_id_col": _stage_version}


_deal_version = version_column()


class Deal(Table, table=True):
    """An opportunity; amounts are integer minor units of ``currency``."""

    __table_args__ = (
        sa.Index("ix_deal_report", "pipeline_id", "status", "stage_id", "amount", "probability"),
        sa.Index("ix_deal_close", "status", "expected_close"),
        # covering indexes of the reports (migration 0004_reports)
        sa.Index(
            "ix_deal_open_stage",
            "pipeline_id",
            "status",
            "stage_id",
            "currency",
            "owner_id",
            "amount",
            "probability",
            "stage_entered_at",
            "archived_at",
        ),
        sa.Index(
            "ix_deal_open_close",
            "status",
            "expected_close",
            "currency",
            "pipeline_id",
            "owner_id",
            "amount",
            "probability",
            "archived_at",
        ),
        sa.Index(
            "ix_deal_closed",
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
        ),
        sa.Index("ix_deal_created", "created_at", "owner_id", "pipeline_id", "archived_at"),
        # the pipeline report's rotting counts (migration 0006_report_tables)
        sa.Index(
            "ix_deal_open_entered",
            "pipeline_id",
            "status",
            "archived_at",
            "stage_id",
            "currency",
            "stage_entered_at",
            "owner_id",
        ),
        # won deals per (company, contact, currency): customers and churn (migration 0005_report_keys)
        sa.Index(
            "ix_deal_customer",
            "status",
            "company_id",
            "contact_id",
            "currency",
            "closed_at",
            "amount",
            "archived_at",
            "owner_id",
            "pipeline_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True, ondelete="SET NULL")
    pipeline_id: int = Field(foreign_key="pipeline.id")
    stage_id: int = Field(foreign_key="stage.id", index=True)
    status: str = "open"
    amount: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, default=0))
    currency: str = "USD"
    probability: int = 0
    probability_pinned: bool = False
    expected_close: date | None = None
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    source: str | None = None
    lost_reason: str | None = None
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True, ondelete="SET NULL")
    closed_at: datetime | None = Field(default=None, sa_column=ts_column("closed_at", index=True))
    stage_entered_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("stage_entered_at", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_deal_version)

    __mapper_args__ = {"version_id_col": _deal_version}


class DealStageChange(Table, table=True):
    """A deal entering a stage (``from_stage_id`` is empty for the first one)."""

    __tablename__ = "deal_stage_change"
    __table_args__ = (
        sa.Index("ix_deal_stage_change_deal_at", "deal_id", "at"),
        sa.Index("ix_deal_stage_change_deal_stage", "deal_id", "to_stage_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE")
    from_stage_id: int | None = Field(default=None, foreign_key="stage.id")
    to_stage_id: int = Field(foreign_key="stage.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column("at", nullable=False))
    user_id: int | None = Field(default=None, foreign_key="user.id")
    note: str | None = None


_product_version = version_column()


class Product(Table, table=True):
    """Something sold, with a unit price and (optionally) a unit cost."""

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, sa_column=sa.Column(sa.String, unique=True, nullable=True))
    name: str
    unit_price: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, default=0))
    unit_cost: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    currency: str = "USD"
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_product_version)

    __mapper_args__ = {"version_id_col": _product_version}


_line_version = version_column()


class LineItem(Table, table=True):
    """A line of a deal: quantity × unit price less a discount (in hundredths of a percent)."""

    __tablename__ = "line_item"

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True, ondelete="CASCADE")
    product_id: int | None = Field(default=None, foreign_key="product.id", index=True)
    description: str = ""
    position: int = 0
    quantity: int = 1
    unit_price: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, default=0))
    unit_cost: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    discount_bp: int = 0
    """Discount in basis points of a percent: 1250 is 12.5 %."""
    version: int | None = Field(default=None, sa_column=_line_version)

    __mapper_args__ = {"version_id_col": _line_version}


class Quota(Table, table=True):
    """A user's revenue target for a period (``2026``, ``2026-Q4`` or ``2026-11``)."""

    __table_args__ = (sa.UniqueConstraint("user_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    period: str
    amount: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, default=0))
    currency: str = "USD"
