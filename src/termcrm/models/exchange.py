"""Import batches: what each import created and updated, so it can be undone."""

from datetime import datetime

from sqlmodel import Field

from termcrm.models.base import Table, ts_column, utcnow


class ImportBatch(Table, table=True):
    """One run of ``crm import``."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    source: str = ""
    format: str = ""
    user_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column("at", nullable=False))
    created_count: int = 0
    updated_count: int = 0
    skipped_count: int = 0
    undone_at: datetime | None = Field(default=None, sa_column=ts_column("undone_at"))


class ImportItem(Table, table=True):
    """A record a batch created or updated; ``before`` holds the old values (JSON) of an update."""

    __tablename__ = "import_item"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True, ondelete="CASCADE")
    entity: str
    entity_id: int
    action: str
    before: str | None = None
