"""SQLModel tables, one module per aggregate; importing this package registers them all."""

from termcrm.models.base import UTCDateTime, utcnow
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
from termcrm.models.exchange import ImportBatch, ImportItem
from termcrm.models.followups import Followup, ReminderMark
from termcrm.models.marketing import Campaign, CampaignMember, Segment
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
    "Tag",
    "Ticket",
    "TicketComment",
    "TicketStatusChange",
    "User",
    "UTCDateTime",
    "utcnow",
]
