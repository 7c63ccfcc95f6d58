"""Matches of process names against the typical processes."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
    relationship,
)

from catalog.models.base import Base, utcnow

if TYPE_CHECKING:  # for the annotations; SQLAlchemy resolves them through its registry
    from catalog.models.records import TypicalProcess


class NameMatch(Base):
    """A suggested match of a process or service name to the typical list.

    ``catalog.services.names`` computes them; an agency editor accepts or rejects
    each. Accepting a process's match sets its typical process; a service's becomes
    a MATCHES_TYPICAL link.
    """

    __tablename__ = "name_matches"
    __table_args__ = (UniqueConstraint("record_kind", "record_id", name="uq_name_match_record"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(Integer, index=True)
    typical_process_id: Mapped[int] = mapped_column(ForeignKey("typical_processes.id"))
    score: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), default="suggested", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    typical_process: Mapped[TypicalProcess] = relationship()
