"""Every table as a SQLAlchemy Core table, generated from the SQLModel classes: do not edit.

Regenerate with ``python -m termcrm.models.codegen > src/termcrm/models/schema.py``
after changing a model (tests/test_schema.py fails while this file is stale).
Readers select from these tables without building the ORM classes; the
classes map onto the same Table objects (see ``base.TableMeta``), so Core and
ORM expressions mix freely in one statement. ``schema.contact`` builds that
table on first use (a command pays for the tables it reads); :func:`load_all`
builds them all, for what needs the whole schema (migrations, dumps).
"""

from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from termcrm.models.base import UTCDateTime

metadata = SQLModel.metadata


def _campaign() -> sa.Table:
    return sa.Table(
        "campaign",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("channel", AutoString(), nullable=False),
        sa.Column("status", AutoString(), nullable=False, default="planned"),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("budget", sa.BigInteger(), nullable=False, default=0),
        sa.Column("actual_cost", sa.BigInteger(), nullable=False, default=0),
        sa.Column("currency", AutoString(), nullable=False, default="USD"),
        sa.Column("segment_id", sa.Integer(), sa.ForeignKey("segment.id", ondelete="SET NULL")),
        sa.Column("description", AutoString()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _campaign_member() -> sa.Table:
    return sa.Table(
        "campaign_member",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "campaign_id",
            sa.Integer(),
            sa.ForeignKey("campaign.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contact.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("status", AutoString(), nullable=False, default="targeted"),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("responded_at", UTCDateTime()),
        sa.Column("converted_at", UTCDateTime()),
        sa.Column("unsubscribed_at", UTCDateTime()),
        sa.UniqueConstraint("campaign_id", "contact_id"),
    )


def _change() -> sa.Table:
    return sa.Table(
        "change",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "change_set_id",
            sa.Integer(),
            sa.ForeignKey("change_set.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("entity", AutoString(), nullable=False),
        sa.Column("entity_id", AutoString(), nullable=False),
        sa.Column("record", AutoString(), index=True),
        sa.Column("action", AutoString(), nullable=False),
        sa.Column("data", AutoString(), nullable=False, default="{}"),
        sa.Index("ix_change_entity", "entity", "entity_id"),
    )


def _change_set() -> sa.Table:
    return sa.Table(
        "change_set",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), index=True),
        sa.Column("at", UTCDateTime(), nullable=False, index=True),
        sa.Column("summary", AutoString(), nullable=False, default=""),
        sa.Column("undone_at", UTCDateTime()),
        sa.Column("undo_of_id", sa.Integer(), sa.ForeignKey("change_set.id")),
    )


def _company() -> sa.Table:
    return sa.Table(
        "company",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
        sa.Column("domain", AutoString(), index=True),
        sa.Column("industry", AutoString()),
        sa.Column("size", AutoString()),
        sa.Column("street", AutoString()),
        sa.Column("city", AutoString()),
        sa.Column("region", AutoString()),
        sa.Column("postal_code", AutoString()),
        sa.Column("country", AutoString()),
        sa.Column("website", AutoString()),
        sa.Column("notes", AutoString()),
        sa.Column("external_id", AutoString(), index=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("user.id"), index=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _company_field() -> sa.Table:
    return sa.Table(
        "company_field",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "company_id",
            sa.Integer(),
            sa.ForeignKey("company.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("key", AutoString(), nullable=False),
        sa.Column("value", AutoString(), nullable=False),
        sa.UniqueConstraint("company_id", "key"),
    )


def _company_tag() -> sa.Table:
    return sa.Table(
        "company_tag",
        metadata,
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("company.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag_id", sa.Integer(), sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


def _contact() -> sa.Table:
    return sa.Table(
        "contact",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("first_name", AutoString(), nullable=False, default=""),
        sa.Column("last_name", AutoString(), nullable=False, default=""),
        sa.Column("display_name", AutoString(), nullable=False, index=True),
        sa.Column("title", AutoString()),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("company.id", ondelete="SET NULL"), index=True),
        sa.Column("stage", AutoString(), nullable=False, default="lead", index=True),
        sa.Column("source", AutoString()),
        sa.Column("birthday", sa.Date()),
        sa.Column("gender", AutoString()),
        sa.Column("street", AutoString()),
        sa.Column("city", AutoString()),
        sa.Column("region", AutoString()),
        sa.Column("postal_code", AutoString()),
        sa.Column("country", AutoString()),
        sa.Column("website", AutoString()),
        sa.Column("notes", AutoString()),
        sa.Column("external_id", AutoString(), index=True),
        sa.Column("cadence_days", sa.Integer()),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("user.id"), index=True),
        sa.Column("last_contacted_at", UTCDateTime(), index=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _contact_email() -> sa.Table:
    return sa.Table(
        "contact_email",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contact.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("email", AutoString(), nullable=False),
        sa.Column("email_key", AutoString(), nullable=False, index=True),
        sa.Column("label", AutoString()),
        sa.Column("is_primary", sa.Boolean(), nullable=False, default=False),
        sa.Column("position", sa.Integer(), nullable=False, default=0),
    )


def _contact_field() -> sa.Table:
    return sa.Table(
        "contact_field",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contact.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("key", AutoString(), nullable=False),
        sa.Column("value", AutoString(), nullable=False),
        sa.UniqueConstraint("contact_id", "key"),
    )


def _contact_phone() -> sa.Table:
    return sa.Table(
        "contact_phone",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contact.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("phone", AutoString(), nullable=False),
        sa.Column("phone_key", AutoString(), nullable=False, index=True),
        sa.Column("label", AutoString()),
        sa.Column("is_primary", sa.Boolean(), nullable=False, default=False),
        sa.Column("position", sa.Integer(), nullable=False, default=0),
    )


def _contact_tag() -> sa.Table:
    return sa.Table(
        "contact_tag",
        metadata,
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag_id", sa.Integer(), sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


def _deal() -> sa.Table:
    return sa.Table(
        "deal",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", AutoString(), nullable=False, index=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id", ondelete="SET NULL"), index=True),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("company.id", ondelete="SET NULL"), index=True),
        sa.Column("pipeline_id", sa.Integer(), sa.ForeignKey("pipeline.id"), nullable=False),
        sa.Column("stage_id", sa.Integer(), sa.ForeignKey("stage.id"), nullable=False, index=True),
        sa.Column("status", AutoString(), nullable=False, default="open"),
        sa.Column("amount", sa.BigInteger(), nullable=False, default=0),
        sa.Column("currency", AutoString(), nullable=False, default="USD"),
        sa.Column("probability", sa.Integer(), nullable=False, default=0),
        sa.Column("probability_pinned", sa.Boolean(), nullable=False, default=False),
        sa.Column("expected_close", sa.Date()),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("user.id"), index=True),
        sa.Column("source", AutoString()),
        sa.Column("lost_reason", AutoString()),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id", ondelete="SET NULL"), index=True),
        sa.Column("closed_at", UTCDateTime(), index=True),
        sa.Column("stage_entered_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Index("ix_deal_close", "status", "expected_close"),
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
            "ix_deal_open_entered",
            "pipeline_id",
            "status",
            "archived_at",
            "stage_id",
            "currency",
            "stage_entered_at",
            "owner_id",
        ),
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
        sa.Index("ix_deal_report", "pipeline_id", "status", "stage_id", "amount", "probability"),
    )


def _deal_stage_change() -> sa.Table:
    return sa.Table(
        "deal_stage_change",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deal.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), sa.ForeignKey("stage.id")),
        sa.Column("to_stage_id", sa.Integer(), sa.ForeignKey("stage.id"), nullable=False, index=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id")),
        sa.Column("note", AutoString()),
        sa.Index("ix_deal_stage_change_deal_at", "deal_id", "at"),
        sa.Index("ix_deal_stage_change_deal_stage", "deal_id", "to_stage_id"),
    )


def _followup() -> sa.Table:
    return sa.Table(
        "followup",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", AutoString(), nullable=False),
        sa.Column("notes", AutoString()),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("due_has_time", sa.Boolean(), nullable=False, default=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id", ondelete="SET NULL"), index=True),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("company.id", ondelete="SET NULL"), index=True),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deal.id", ondelete="SET NULL"), index=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id", ondelete="SET NULL"), index=True),
        sa.Column("assignee_id", sa.Integer(), sa.ForeignKey("user.id"), index=True),
        sa.Column("priority", AutoString(), nullable=False, default="normal"),
        sa.Column("recurrence", AutoString()),
        sa.Column("status", AutoString(), nullable=False, default="open"),
        sa.Column("done_at", UTCDateTime()),
        sa.Column("reminded_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Index("ix_followup_done", "status", "done_at", "assignee_id", "due_at", "due_has_time"),
        sa.Index("ix_followup_open_due", "status", "due_at"),
    )


def _import_batch() -> sa.Table:
    return sa.Table(
        "import_batch",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("source", AutoString(), nullable=False, default=""),
        sa.Column("format", AutoString(), nullable=False, default=""),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id")),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False, default=0),
        sa.Column("updated_count", sa.Integer(), nullable=False, default=0),
        sa.Column("skipped_count", sa.Integer(), nullable=False, default=0),
        sa.Column("undone_at", UTCDateTime()),
    )


def _import_item() -> sa.Table:
    return sa.Table(
        "import_item",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("import_batch.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("entity", AutoString(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", AutoString(), nullable=False),
        sa.Column("before", AutoString()),
    )


def _interaction() -> sa.Table:
    return sa.Table(
        "interaction",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", AutoString(), nullable=False, index=True),
        sa.Column("channel", AutoString()),
        sa.Column("direction", AutoString()),
        sa.Column("outcome", AutoString()),
        sa.Column("summary", AutoString(), nullable=False),
        sa.Column("body", AutoString()),
        sa.Column("occurred_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id", ondelete="SET NULL")),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("company.id", ondelete="SET NULL")),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deal.id", ondelete="SET NULL")),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), index=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Index("ix_interaction_company_time", "company_id", "occurred_at"),
        sa.Index("ix_interaction_contact_time", "contact_id", "occurred_at"),
        sa.Index("ix_interaction_customer", "company_id", "contact_id", "occurred_at", "archived_at"),
        sa.Index("ix_interaction_deal_time", "deal_id", "occurred_at"),
        sa.Index("ix_interaction_kind_time", "kind", "occurred_at", "archived_at", "user_id"),
        sa.Index("ix_interaction_report", "occurred_at", "user_id", "kind", "contact_id", "company_id", "archived_at"),
        sa.Index("ix_interaction_user_time", "user_id", "occurred_at", "contact_id", "archived_at"),
    )


def _kb_article() -> sa.Table:
    return sa.Table(
        "kb_article",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", AutoString(), nullable=False),
        sa.Column("body", AutoString(), nullable=False, default=""),
        sa.Column("status", AutoString(), nullable=False, default="draft"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _kb_article_tag() -> sa.Table:
    return sa.Table(
        "kb_article_tag",
        metadata,
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("kb_article.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag_id", sa.Integer(), sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


def _kb_article_ticket() -> sa.Table:
    return sa.Table(
        "kb_article_ticket",
        metadata,
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("kb_article.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("ticket.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
    )


def _line_item() -> sa.Table:
    return sa.Table(
        "line_item",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deal.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), index=True),
        sa.Column("description", AutoString(), nullable=False, default=""),
        sa.Column("position", sa.Integer(), nullable=False, default=0),
        sa.Column("quantity", sa.Integer(), nullable=False, default=1),
        sa.Column("unit_price", sa.BigInteger(), nullable=False, default=0),
        sa.Column("unit_cost", sa.BigInteger()),
        sa.Column("discount_bp", sa.Integer(), nullable=False, default=0),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _pipeline() -> sa.Table:
    return sa.Table(
        "pipeline",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
        sa.Column("position", sa.Integer(), nullable=False, default=0),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _product() -> sa.Table:
    return sa.Table(
        "product",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(), unique=True),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False, default=0),
        sa.Column("unit_cost", sa.BigInteger()),
        sa.Column("currency", AutoString(), nullable=False, default="USD"),
        sa.Column("active", sa.Boolean(), nullable=False, default=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _quota() -> sa.Table:
    return sa.Table(
        "quota",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False, index=True),
        sa.Column("period", AutoString(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False, default=0),
        sa.Column("currency", AutoString(), nullable=False, default="USD"),
        sa.UniqueConstraint("user_id", "period"),
    )


def _reminder_mark() -> sa.Table:
    return sa.Table(
        "reminder_mark",
        metadata,
        sa.Column("kind", AutoString(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("reminded_at", UTCDateTime(), nullable=False),
    )


def _segment() -> sa.Table:
    return sa.Table(
        "segment",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False, unique=True),
        sa.Column("filter", AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _sla_policy() -> sa.Table:
    return sa.Table(
        "sla_policy",
        metadata,
        sa.Column("priority", AutoString(), primary_key=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def _stage() -> sa.Table:
    return sa.Table(
        "stage",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "pipeline_id",
            sa.Integer(),
            sa.ForeignKey("pipeline.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False, default=0),
        sa.Column("kind", AutoString(), nullable=False, default="open"),
        sa.Column("rot_days", sa.Integer()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("pipeline_id", "name"),
    )


def _tag() -> sa.Table:
    return sa.Table(
        "tag",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False, unique=True),
    )


def _ticket() -> sa.Table:
    return sa.Table(
        "ticket",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject", AutoString(), nullable=False),
        sa.Column("description", AutoString()),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id", ondelete="SET NULL"), index=True),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("company.id", ondelete="SET NULL"), index=True),
        sa.Column("status", AutoString(), nullable=False, default="new"),
        sa.Column("priority", AutoString(), nullable=False, default="normal"),
        sa.Column("type", AutoString(), nullable=False, default="question"),
        sa.Column("channel", AutoString(), nullable=False, default="email"),
        sa.Column("assignee_id", sa.Integer(), sa.ForeignKey("user.id"), index=True),
        sa.Column("first_response_at", UTCDateTime()),
        sa.Column("first_response_due", UTCDateTime()),
        sa.Column("resolution_due", UTCDateTime()),
        sa.Column("resolved_at", UTCDateTime(), index=True),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("pending_since", UTCDateTime()),
        sa.Column("paused_seconds", sa.Integer(), nullable=False, default=0),
        sa.Column("satisfaction", sa.Integer()),
        sa.Column("satisfaction_comment", AutoString()),
        sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Index("ix_ticket_queue", "status", "resolution_due"),
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


def _ticket_comment() -> sa.Table:
    return sa.Table(
        "ticket_comment",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("ticket.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("user.id")),
        sa.Column("body", AutoString(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False, default=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )


def _ticket_status_change() -> sa.Table:
    return sa.Table(
        "ticket_status_change",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("ticket.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("from_status", AutoString()),
        sa.Column("to_status", AutoString(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id")),
    )


def _user() -> sa.Table:
    return sa.Table(
        "user",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
        sa.Column("email", AutoString()),
        sa.Column("active", sa.Boolean(), nullable=False, default=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


BUILDERS: dict[str, Any] = {
    "campaign": _campaign,
    "campaign_member": _campaign_member,
    "change": _change,
    "change_set": _change_set,
    "company": _company,
    "company_field": _company_field,
    "company_tag": _company_tag,
    "contact": _contact,
    "contact_email": _contact_email,
    "contact_field": _contact_field,
    "contact_phone": _contact_phone,
    "contact_tag": _contact_tag,
    "deal": _deal,
    "deal_stage_change": _deal_stage_change,
    "followup": _followup,
    "import_batch": _import_batch,
    "import_item": _import_item,
    "interaction": _interaction,
    "kb_article": _kb_article,
    "kb_article_tag": _kb_article_tag,
    "kb_article_ticket": _kb_article_ticket,
    "line_item": _line_item,
    "pipeline": _pipeline,
    "product": _product,
    "quota": _quota,
    "reminder_mark": _reminder_mark,
    "segment": _segment,
    "sla_policy": _sla_policy,
    "stage": _stage,
    "tag": _tag,
    "ticket": _ticket,
    "ticket_comment": _ticket_comment,
    "ticket_status_change": _ticket_status_change,
    "user": _user,
}
"""How to build each table, by name."""


def table(name: str) -> sa.Table:
    """The table ``name``, built on first use."""
    found = metadata.tables.get(name)
    return found if found is not None else BUILDERS[name]()


def load_all() -> sa.MetaData:
    """Build every table; the metadata then holds the whole schema."""
    for name in BUILDERS:
        table(name)
    return metadata


def __getattr__(name: str) -> sa.Table:
    if name not in BUILDERS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = globals()[name] = table(name)
    return found
