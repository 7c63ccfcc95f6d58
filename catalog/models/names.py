"""The typical list of municipal services (spheres, each curated by a regional executive body) and the
matches of service and process names against the typical lists (Samara concept, section 2; section 3
task 10)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
    relationship,
)

from catalog.models.base import Base, Record, utcnow

if TYPE_CHECKING:  # for the annotations; SQLAlchemy resolves them through its registry
    from catalog.models.records import Agency, TypicalProcess

LONG_NAME = 8000  # as catalog.models.records: service names as registers write them


class ServiceSphere(Record):
    """A sphere of the typical list of municipal services, curated by a regional executive body that
    answers for the typical regulations of its services (Samara concept, section 3 task 10)."""

    __tablename__ = "service_spheres"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    curator_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    curator_agency: Mapped[Agency] = relationship()


class TypicalService(Record):
    """A typical municipal service: its official name and the variants municipalities were seen using."""

    __tablename__ = "typical_services"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(LONG_NAME))
    sphere_id: Mapped[int] = mapped_column(ForeignKey("service_spheres.id"), index=True)
    variants: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)

    sphere: Mapped[ServiceSphere] = relationship()


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
    # A process is matched to a typical process, a service to a typical service (or, while the region
    # has no typical list of services, to a typical process as before).
    typical_process_id: Mapped[int | None] = mapped_column(ForeignKey("typical_processes.id"))
    typical_service_id: Mapped[int | None] = mapped_column(ForeignKey("typical_services.id"))
    score: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), default="suggested", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    typical_process: Mapped[TypicalProcess | None] = relationship()
    typical_service: Mapped[TypicalService | None] = relationship()
