"""Customer information: users, companies, contacts, tags, custom fields and interactions."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from termcrm.models.base import Table, ts_column, utcnow, version_column
from termcrm.vocab import DIRECTIONS, INTERACTION_KINDS, STAGES  # noqa: F401


class User(Table, table=True):
    """Someone who uses termcrm; registered on their first write."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(sa_column=sa.Column(sa.String, nullable=False, unique=True))
    email: str | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))


_company_version = version_column()


class Company(Table, table=True):
    """An organisation; its name is unique regardless of case."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(sa_column=sa.Column(sa.String, nullable=False, unique=True))
    domain: str | None = Field(default=None, index=True)
    industry: str | None = None
    size: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    website: str | None = None
    notes: str | None = None
    external_id: str | None = Field(default=None, index=True)
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_company_version)

    __mapper_args__ = {"version_id_col": _company_version}


_contact_version = version_column()


class Contact(Table, table=True):
    """A person; ``display_name`` is derived from first and last name."""

    id: int | None = Field(default=None, primary_key=True)
    first_name: str = ""
    last_name: str = ""
    display_name: str = Field(index=True)
    title: str | None = None
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True, ondelete="SET NULL")
    stage: str = Field(default="lead", index=True)
    source: str | None = None
    birthday: date | None = None
    gender: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    website: str | None = None
    notes: str | None = None
    external_id: str | None = Field(default=None, index=True)
    cadence_days: int | None = None
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    last_contacted_at: datetime | None = Field(default=None, sa_column=ts_column("last_contacted_at", index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("updated_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_contact_version)

    __mapper_args__ = {"version_id_col": _contact_version}


class ContactEmail(Table, table=True):
    """One email address of a contact; ``email_key`` is the lower-cased form."""

    __tablename__ = "contact_email"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    email: str
    email_key: str = Field(index=True)
    label: str | None = None
    is_primary: bool = False
    position: int = 0


class ContactPhone(Table, table=True):
    """One phone number of a contact; ``phone_key`` keeps digits only, for matching."""

    __tablename__ = "contact_phone"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    phone: str
    phone_key: str = Field(index=True)
    label: str | None = None
    is_primary: bool = False
    position: int = 0


class Tag(Table, table=True):
    """A label on contacts, companies and articles, stored lower-case."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String, nullable=False, unique=True))


class ContactTag(Table, table=True):
    """A tag on a contact."""

    __tablename__ = "contact_tag"

    contact_id: int = Field(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True, ondelete="CASCADE")


class CompanyTag(Table, table=True):
    """A tag on a company."""

    __tablename__ = "company_tag"

    company_id: int = Field(foreign_key="company.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True, ondelete="CASCADE")


class ContactField(Table, table=True):
    """A custom key/value field on a contact."""

    __tablename__ = "contact_field"
    __table_args__ = (sa.UniqueConstraint("contact_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    key: str
    value: str


class CompanyField(Table, table=True):
    """A custom key/value field on a company."""

    __tablename__ = "company_field"
    __table_args__ = (sa.UniqueConstraint("company_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    key: str
    value: str


_interaction_version = version_column()


class Interaction(Table, table=True):
    """A call, email, meeting, note, message, visit or event on the timeline."""

    __table_args__ = (
        sa.Index("ix_interaction_contact_time", "contact_id", "occurred_at"),
        sa.Index("ix_interaction_company_time", "company_id", "occurred_at"),
        sa.Index("ix_interaction_deal_time", "deal_id", "occurred_at"),
        sa.Index("ix_interaction_report", "occurred_at", "user_id", "kind", "contact_id", "company_id", "archived_at"),
        # per-customer grouping of the churn report (migration 0005_report_keys)
        sa.Index("ix_interaction_customer", "company_id", "contact_id", "occurred_at", "archived_at"),
        # the activity report's counts by kind and by user (migration 0006_report_tables)
        sa.Index("ix_interaction_kind_time", "kind", "occurred_at", "archived_at", "user_id"),
        sa.Index("ix_interaction_user_time", "user_id", "occurred_at", "contact_id", "archived_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    channel: str | None = None
    direction: str | None = None
    outcome: str | None = None
    summary: str
    body: str | None = None
    occurred_at: datetime = Field(
        default_factory=utcnow, sa_column=ts_column("occurred_at", nullable=False, index=True)
    )
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    company_id: int | None = Field(default=None, foreign_key="company.id", ondelete="SET NULL")
    deal_id: int | None = Field(default=None, foreign_key="deal.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column("created_at", nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=ts_column("archived_at"))
    version: int | None = Field(default=None, sa_column=_interaction_version)

    __mapper_args__ = {"version_id_col": _interaction_version}


class ChangeSet(Table, table=True):
    """One write a user made (a command, a form save): the unit ``crm undo`` reverts."""

    __tablename__ = "change_set"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column("at", nullable=False, index=True))
    summary: str = ""
    undone_at: datetime | None = Field(default=None, sa_column=ts_column("undone_at"))
    undo_of_id: int | None = Field(default=None, foreign_key="change_set.id")


class Change(Table, table=True):
    """One record's change inside a change set, with the old and new value of each field."""

    __table_args__ = (sa.Index("ix_change_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    change_set_id: int = Field(foreign_key="change_set.id", index=True, ondelete="CASCADE")
    entity: str
    entity_id: str
    """The record's primary key as a JSON list, e.g. ``[42]``."""
    record: str | None = Field(default=None, index=True)
    """The record this change belongs to for ``crm history REF``: ``contact:42`` (also for its emails, tags...)."""
    action: str
    data: str = "{}"
    """JSON: ``{"field": [old, new], ...}``; for deletes the whole old row."""
