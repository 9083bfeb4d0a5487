"""SQLModel tables, one module per aggregate.

Every table exists as a plain Core table in :mod:`termcrm.models.schema`
(generated from these classes), which is all a reader or a migration needs.
A module's ORM classes are built when one of its names is first used, so
``from termcrm.models import Contact`` builds the customer classes and not the
sales or service ones: a one-shot command pays for the classes it touches.
:func:`load_all` builds every class, for what needs them all (undo, the demo).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def load_all() -> None:
    """Build every table class (the tables themselves are all in ``schema`` from the start)."""
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")


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
