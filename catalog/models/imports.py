"""Imports run in the background."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
)

from catalog.models.base import Base, utcnow


class ImportJob(Base):
    """An import run in the background (catalog.services.import_jobs): what its owner sees of it."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(300))
    token: Mapped[str] = mapped_column(String(64), unique=True)  # names the stored file in <instance>/imports
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # agency, partial, dry_run
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued running done refused failed cancelled
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict | None] = mapped_column(JSON)
    has_error_copy: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ImportMapping(Base):
    """How one agency's files of one header are read (issue 15): the columns a user mapped on the
    page, in a file or through the API, reused for the next file with the same header."""

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)  # None: not an agency's
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)  # tables.Table.fingerprint of the header
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # ColumnMapping.to_json
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
