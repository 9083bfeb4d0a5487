"""Past-tense messages: what a worker found or did, posted back to the screens.

Workers run in threads and never touch widgets; they post one of these and a
handler on the screen (in the app's thread) updates what the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


class DataChanged(Message):
    """Someone (this app, another ``crm`` process, a cron job) committed a write."""

    def __init__(self, token: Any) -> None:
        super().__init__()
        self.token = token


class ActionFailed(Message):
    """A service refused an action (or something broke); the text is shown to the user."""

    def __init__(self, text: str, *, severity: str = "error") -> None:
        super().__init__()
        self.text = text
        self.severity = severity


class RecordSaved(Message):
    """A write committed; ``summary`` says what it did (shown as a notice)."""

    def __init__(self, summary: str, *, kind: str = "", record_id: int | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.kind = kind
        self.record_id = record_id


class ContactsLoaded(Message):
    """A window of the contact list: ``rows`` start at ``offset`` of ``total`` matches."""

    def __init__(
        self, generation: int, rows: list[dict[str, Any]], offset: int, total: int | None, error: str | None = None
    ) -> None:
        super().__init__()
        self.generation = generation
        self.rows = rows
        self.offset = offset
        self.total = total
        self.error = error


class ContactsCounted(Message):
    """How many contacts match the filter (counted after the first window is shown)."""

    def __init__(self, generation: int, total: int) -> None:
        super().__init__()
        self.generation = generation
        self.total = total


class ContactLoaded(Message):
    """The 360° view of one contact (``contacts.contact_view``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self.data = data


class CompanyLoaded(Message):
    """The view of one company (``companies.company_view``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self.data = data


@dataclass
class BoardColumn:
    """One stage of the kanban board: its figures and the first cards."""

    stage_id: int
    name: str
    kind: str
    count: int
    total: str
    weighted: str
    rotting: int
    cards: list[dict[str, Any]] = field(default_factory=list)


class BoardLoaded(Message):
    """The kanban board of one pipeline."""

    def __init__(
        self,
        pipeline_id: int,
        pipeline_name: str,
        pipelines: list[tuple[int, str]],
        columns: list[BoardColumn],
        owners: list[str],
        stages: list[tuple[int, str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.pipeline_id = pipeline_id
        self.pipeline_name = pipeline_name
        self.pipelines = pipelines
        self.columns = columns
        self.owners = owners
        self.stages = stages or []
        """Every stage of the pipeline, shown or not: (id, name, kind)."""


class DealMoved(Message):
    """A deal changed stage (moved, won or lost)."""

    def __init__(self, deal_id: int, stage_id: int, summary: str) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.stage_id = stage_id
        self.summary = summary


class DealLoaded(Message):
    """The view of one deal (``deals.deal_view``)."""

    def __init__(self, data: dict[str, Any], stages: list[tuple[int, str, str]]) -> None:
        super().__init__()
        self.data = data
        self.stages = stages


class CalendarLoaded(Message):
    """A month of follow-up counts and the agenda of the selected day."""

    def __init__(
        self, first_day: Any, days: dict[Any, tuple[int, int]], agenda: list[dict[str, Any]], day: Any
    ) -> None:
        super().__init__()
        self.first_day = first_day
        self.days = days
        """local date -> (open follow-ups due that day, of which overdue)."""
        self.agenda = agenda
        self.day = day


class FollowupDone(Message):
    """A follow-up was completed (``next_id`` is the next occurrence of a recurring one)."""

    def __init__(self, followup_id: int, next_id: int | None, summary: str) -> None:
        super().__init__()
        self.followup_id = followup_id
        self.next_id = next_id
        self.summary = summary


class TicketsLoaded(Message):
    """The ticket queue in SLA order."""

    def __init__(self, generation: int, rows: list[dict[str, Any]], error: str | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.rows = rows
        self.error = error


class TicketLoaded(Message):
    """The view of one ticket (``tickets.ticket_view``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self.data = data


class ReportsListed(Message):
    """The reports the services offer (``reports.describe``)."""

    def __init__(self, reports: list[dict[str, str]]) -> None:
        super().__init__()
        self.reports = reports


class ReportLoaded(Message):
    """One computed report."""

    def __init__(self, name: str, report: Any) -> None:
        super().__init__()
        self.name = name
        self.report = report


class SearchFinished(Message):
    """Hits of a global search."""

    def __init__(self, query: str, hits: list[Any]) -> None:
        super().__init__()
        self.query = query
        self.hits = hits


class ArticleLoaded(Message):
    """A knowledge-base article (``kb.article_view``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self.data = data
