"""SQLModel tables, one module per aggregate.

A module's tables are built when one of its names is first used, so
``from termcrm.models import Contact`` builds the customer tables and not the
sales or service ones: a one-shot command pays for the tables it touches.
:func:`load_all` registers every table, for what needs the whole schema
(migrations, dumps, undo, the demo).
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from termcrm.models.base import Table, UTCDateTime, utcnow

if TYPE_CHECKING:
    from termcrm.models.core import (
        Change,
        ChangeSet,
        Company,
        CompanyField,
        CompanyTag,
        Contact,
        ContactEmail,
        ContactField,
        ContactPhone,
        ContactTag,
        Interaction,
        Tag,
        User,
    )
    from termcrm.models.exchange import (
        ImportBatch,
        ImportItem,
    )
    from termcrm.models.followups import (
        Followup,
        ReminderMark,
    )
    from termcrm.models.marketing import (
        Campaign,
        CampaignMember,
        Segment,
    )
    from termcrm.models.sales import (
        Deal,
        DealStageChange,
        LineItem,
        Pipeline,
        Product,
        Quota,
        Stage,
    )
    from termcrm.models.service import (
        KbArticle,
        KbArticleTag,
        KbArticleTicket,
        SlaPolicy,
        Ticket,
        TicketComment,
        TicketStatusChange,
    )

TABLES: dict[str, tuple[str, ...]] = {
    "core": (
        "Change",
        "ChangeSet",
        "Company",
        "CompanyField",
        "CompanyTag",
        "Contact",
        "ContactEmail",
        "ContactField",
        "ContactPhone",
        "ContactTag",
        "Interaction",
        "Tag",
        "User",
    ),
    "exchange": ("ImportBatch", "ImportItem"),
    "followups": ("Followup", "ReminderMark"),
    "marketing": ("Campaign", "CampaignMember", "Segment"),
    "sales": ("Deal", "DealStageChange", "LineItem", "Pipeline", "Product", "Quota", "Stage"),
    "service": (
        "KbArticle",
        "KbArticleTag",
        "KbArticleTicket",
        "SlaPolicy",
        "Ticket",
        "TicketComment",
        "TicketStatusChange",
    ),
}
"""Each table module's classes; a table's name is its class name in snake case (a test keeps both true)."""

MODULES = tuple(TABLES)
"""The table modules, in the order :func:`load_all` imports them."""

_HOME = {name: module for module, names in TABLES.items() for name in names}
"""Each table class's module."""

TABLE_HOME = {re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower(): module for name, module in _HOME.items()}
"""Each table name's module."""


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def load_all() -> None:
    """Build every table (the metadata then holds the whole schema)."""
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")


_REFERENCES_LOADED: set[type] = set()


@event.listens_for(Session, "before_flush")
def _load_referenced_tables(session: Session, _ctx: Any, _instances: Any) -> None:
    """Build the tables that flushed rows point at with foreign keys.

    A flush orders its inserts by foreign keys, so a contact's interaction
    (whose ``deal_id`` names the sales tables) needs them built even when the
    command never touches a deal.
    """
    for cls in {type(obj) for obj in (*session.new, *session.dirty, *session.deleted)} - _REFERENCES_LOADED:
        table = getattr(cls, "__table__", None)
        if table is not None:
            for fk in table.foreign_keys:
                target = fk.target_fullname.partition(".")[0]
                if target not in table.metadata.tables and target in TABLE_HOME:
                    importlib.import_module(f"{__name__}.{TABLE_HOME[target]}")
        _REFERENCES_LOADED.add(cls)


__all__ = [
    "Campaign",
    "CampaignMember",
    "Change",
    "ChangeSet",
    "Company",
    "CompanyField",
    "CompanyTag",
    "Contact",
    "ContactEmail",
    "ContactField",
    "ContactPhone",
    "ContactTag",
    "Deal",
    "DealStageChange",
    "Followup",
    "ImportBatch",
    "ImportItem",
    "Interaction",
    "KbArticle",
    "KbArticleTag",
    "KbArticleTicket",
    "LineItem",
    "Pipeline",
    "Product",
    "Quota",
    "ReminderMark",
    "Segment",
    "SlaPolicy",
    "Stage",
    "Table",
    "Tag",
    "Ticket",
    "TicketComment",
    "TicketStatusChange",
    "UTCDateTime",
    "User",
    "load_all",
    "utcnow",
]
