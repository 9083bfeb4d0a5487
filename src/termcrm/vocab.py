"""The fixed vocabularies of termcrm (stages, kinds, statuses...).

Kept apart from the models so the CLI can offer them as choices and
completions without importing SQLAlchemy.
"""

from __future__ import annotations

STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist", "other")
"""Lifecycle stages of a contact, in funnel order."""

INTERACTION_KINDS = ("call", "email", "meeting", "note", "message", "visit", "event")
"""What an interaction can be."""

DIRECTIONS = ("in", "out")
"""Inbound or outbound."""

STAGE_KINDS = ("open", "won", "lost")
"""A pipeline stage is open, or closes the deal as won or lost."""

FOLLOWUP_PRIORITIES = ("low", "normal", "high")
FOLLOWUP_STATUSES = ("open", "done", "cancelled")

TICKET_STATUSES = ("new", "open", "pending", "resolved", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_TYPES = ("question", "incident", "problem", "request")
TICKET_CHANNELS = ("email", "phone", "web", "chat", "in person")
ARTICLE_STATUSES = ("draft", "published", "archived")

CAMPAIGN_CHANNELS = ("email", "event", "webinar", "ads", "social", "call", "mail")
CAMPAIGN_STATUSES = ("planned", "active", "completed", "cancelled")
MEMBER_STATUSES = ("targeted", "sent", "responded", "converted", "unsubscribed")

FORMATS = ("table", "json", "jsonl", "csv", "ids")
"""Output formats of list and show commands."""
