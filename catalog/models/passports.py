"""Process passports (Leningrad section 2): the as-is and to-be variants with their steps, data, resources and flows."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
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

from catalog.models.base import Base, Record

if TYPE_CHECKING:  # for the annotations; SQLAlchemy resolves them through its registry
    from catalog.models.records import Process


class Passport(Record):
    """One variant (AS-IS or TO-BE) of a process's passport, in one revision.

    An approved revision is frozen; changes go into a new draft revision, a copy of it.
    """

    __tablename__ = "passports"
    __table_args__ = (UniqueConstraint("process_id", "variant", "revision", name="uq_passport_revision"),)

    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    variant: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    description: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None]
    approved_visa: Mapped[dict | None] = mapped_column(JSON)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The BPMN diagram the passport was imported from, kept to show on the process page.
    diagram: Mapped[str | None] = mapped_column(Text)
    diagram_name: Mapped[str | None] = mapped_column(String(300))
    # How many times a year the process runs: per-instance resources are counted this many times.
    instances_per_year: Mapped[int | None] = mapped_column(Integer)
    # Digital-transformation criteria (Leningrad 8.3) of a TO-BE variant: {criterion: {"met": bool, "evidence": str}}.
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)

    process: Mapped[Process] = relationship()
    steps: Mapped[list[PassportStep]] = relationship(order_by="PassportStep.position", cascade="all, delete-orphan")
    data: Mapped[list[PassportData]] = relationship(order_by="PassportData.id", cascade="all, delete-orphan")
    flows: Mapped[list[PassportFlow]] = relationship(order_by="PassportFlow.id", cascade="all, delete-orphan")
    resources: Mapped[list[PassportResource]] = relationship(order_by="PassportResource.id",
                                                             cascade="all, delete-orphan")

    @property
    def title(self) -> str:
        return f"Паспорт {self.variant} № {self.revision}"


class PassportData(Base):
    """A piece of data in a variant's data model: input, intermediate or result."""

    __tablename__ = "passport_data"
    __table_args__ = (UniqueConstraint("passport_id", "key", name="uq_passport_data_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("passports.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(1000))
    role: Mapped[str] = mapped_column(String(16))
    # The catalogue record it is, when there is one: a dataset, an entity or a document type.
    ref_kind: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(Integer)


class PassportStep(Base):
    """A step (iteration) of a process, Leningrad 2.9: done by one worker, not worth splitting further."""

    __tablename__ = "passport_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("passports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(String(100))  # the BPMN element id, when imported
    name: Mapped[str] = mapped_column(String(1000))
    performer_position: Mapped[str | None] = mapped_column(String(300))
    performer_unit: Mapped[str | None] = mapped_column(String(300))
    duration_minutes: Mapped[float] = mapped_column(Float, default=0)
    waiting_minutes: Mapped[float] = mapped_column(Float, default=0)
    times_per_year: Mapped[int] = mapped_column(Integer, default=0)
    is_automated: Mapped[bool] = mapped_column(Boolean, default=False)
    system_id: Mapped[int | None] = mapped_column(ForeignKey("information_systems.id"))
    # The position whose pay costs the step's labour (the cost calculator's reference table).
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    # Keys of PassportData the step reads and writes.
    consumes: Mapped[list] = mapped_column(JSON, default=list)
    produces: Mapped[list] = mapped_column(JSON, default=list)


class PassportResource(Base):
    """A resource a variant uses besides its steps' labour (Leningrad 2.12): equipment, materials, systems…"""

    __tablename__ = "passport_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("passports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(500))
    unit_cost: Mapped[float] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float, default=1)
    per: Mapped[str] = mapped_column(String(16), default="year")


class PassportFlow(Base):
    """A sequence flow between elements of the diagram (steps, events, gateways), by their keys."""

    __tablename__ = "passport_flows"

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("passports.id", ondelete="CASCADE"), index=True)
    source_key: Mapped[str] = mapped_column(String(100))
    target_key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(500))
