"""The change history, which is also the outbox the projections read, and how far each projection has read it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
)

from catalog.models.base import Base, utcnow


class ChangeEvent(Base):
    """The outbox: one row per change, written in the transaction that made it.

    The history of every record is read from here; later projections (graph,
    search) consume it in ``id`` order.
    """

    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_record", "record_kind", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    record_kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    # {field: {"before": ..., "after": ...}}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    # Kemerovo register rules 3.3: when the change arose (given by the editor, today by default); when it
    # was entered is ``occurred_at``, the server's time. ``register_agency_id``: the agency whose register
    # the change is part of (a process, or a link from one), None for the rest of the catalogue.
    arose_on: Mapped[date | None] = mapped_column(Date)
    register_agency_id: Mapped[int | None] = mapped_column(Integer, index=True)


class ProjectionPosition(Base):
    """How far a projection (the neo4j graph, a search index) has applied the outbox."""

    __tablename__ = "projection_positions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
