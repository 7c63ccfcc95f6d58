"""Requests for a new information system (Leningrad 8.4, Samara section 3): the approval gate."""
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
    false,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
    relationship,
)

from catalog.models.base import Base, Record

if TYPE_CHECKING:  # for the annotations; SQLAlchemy resolves them through its registry
    from catalog.models.records import Agency, Dataset, InformationSystem, Process


class SystemRequest(Record):
    """A request to create, modernise or develop a state information system, and its way to a decision."""

    __tablename__ = "system_requests"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    system_id: Mapped[int | None] = mapped_column(ForeignKey("information_systems.id"))
    new_system_name: Mapped[str | None] = mapped_column(String(1000))
    purpose: Mapped[str | None] = mapped_column(Text)
    estimated_cost: Mapped[float | None] = mapped_column(Float)
    expected_value: Mapped[str | None] = mapped_column(Text)
    # Why the system is needed although systems in operation automate the same processes.
    overlap_explanation: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    filed_by_id: Mapped[int | None] = mapped_column(Integer)
    filed_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None]
    # The last run of the checks: [{"code", "name", "result", "blocking", "records", "reason"}].
    checks: Mapped[list] = mapped_column(JSON, default=list)
    checked_at: Mapped[datetime | None]
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    conclusion: Mapped[str | None] = mapped_column(String(16))
    conclusion_reasons: Mapped[str | None] = mapped_column(Text)
    overlap_answer: Mapped[str | None] = mapped_column(Text)
    # Whether the process office's conclusion accepts the applicant's explanation of the overlap:
    # until it does, the duplicate blocks (Samara section 3 task 6), whatever the applicant wrote.
    overlap_accepted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    concluded_by_id: Mapped[int | None] = mapped_column(Integer)
    concluded_by: Mapped[str | None] = mapped_column(String(200))
    concluded_at: Mapped[datetime | None]
    conclusion_visa: Mapped[dict | None] = mapped_column(JSON)
    conclusion_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]

    agency: Mapped[Agency] = relationship()
    system: Mapped[InformationSystem | None] = relationship()
    processes: Mapped[list[RequestProcess]] = relationship(cascade="all, delete-orphan", order_by="RequestProcess.id")
    datasets: Mapped[list[RequestDataset]] = relationship(cascade="all, delete-orphan", order_by="RequestDataset.id")

    @property
    def title(self) -> str:
        name = self.system.name if self.system is not None else self.new_system_name
        return f"Заявка № {self.id}: {name or 'система'}"


class RequestProcess(Base):
    __tablename__ = "request_processes"
    __table_args__ = (UniqueConstraint("request_id", "process_id", name="uq_request_process"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("system_requests.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)

    process: Mapped[Process] = relationship()


class RequestDataset(Base):
    """A dataset the processes consume or produce, with who supplies it and who consumes it."""

    __tablename__ = "request_datasets"
    __table_args__ = (UniqueConstraint("request_id", "dataset_id", "direction", name="uq_request_dataset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("system_requests.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    direction: Mapped[str] = mapped_column(String(16))  # consumes | produces
    supplier: Mapped[str | None] = mapped_column(String(500))
    consumer: Mapped[str | None] = mapped_column(String(500))
    # The data mart the data is taken from, when one exposes it.
    mart_id: Mapped[int | None] = mapped_column(ForeignKey("data_marts.id"))

    dataset: Mapped[Dataset] = relationship()
