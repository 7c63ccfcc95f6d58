"""Optimisation projects (Leningrad sections 4 to 6): roadmap, KPIs, measurements and deviations."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
    relationship,
)

from catalog.models.base import Base, Record

if TYPE_CHECKING:  # for the annotations; SQLAlchemy resolves them through its registry
    from catalog.models.records import Process


class OptimizationProject(Record):
    """The optimisation of one process: initiation, development of solutions, implementation, post-monitoring.

    The stage and its dates are not stored: ``catalog.services.projects.stages`` derives them from the
    order's start date, the roadmap's approval date and the measures' dates, as Leningrad 4.3–4.5 define them.
    """

    __tablename__ = "optimization_projects"

    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    ground: Mapped[str] = mapped_column(String(32))
    ground_details: Mapped[str | None] = mapped_column(Text)
    initiated_on: Mapped[date] = mapped_column(Date)
    # Whether the process office takes part (an accepted application, or a project of the Committee).
    with_office: Mapped[bool] = mapped_column(Boolean, default=False)
    # The application to the process office (ground «application»), answered within three working days.
    application_submitted_on: Mapped[date | None] = mapped_column(Date)
    application_due_on: Mapped[date | None] = mapped_column(Date)
    application_decision: Mapped[str | None] = mapped_column(String(16))
    application_answered_on: Mapped[date | None] = mapped_column(Date)
    application_answered_by: Mapped[str | None] = mapped_column(String(200))
    # When the server recorded each date a user gave (issue 16: dates the server records).
    application_submitted_entered_at: Mapped[datetime | None]
    application_answered_entered_at: Mapped[datetime | None]
    office_members: Mapped[list] = mapped_column(JSON, default=list)
    suggested_start: Mapped[date | None] = mapped_column(Date)
    suggested_end: Mapped[date | None] = mapped_column(Date)
    training: Mapped[str | None] = mapped_column(Text)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    # The legal (local) act on the optimisation, Leningrad 4.3.
    order_number: Mapped[str | None] = mapped_column(String(100))
    order_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    team: Mapped[list] = mapped_column(JSON, default=list)
    tasks: Mapped[list] = mapped_column(JSON, default=list)
    # Analysis, Leningrad 5.3–5.4: the problem, goals, losses, root causes, best practices.
    problem: Mapped[str | None] = mapped_column(Text)
    goals: Mapped[str | None] = mapped_column(Text)
    losses: Mapped[list] = mapped_column(JSON, default=list)  # [{"kind": LossKind, "description": ...}]
    root_causes: Mapped[list] = mapped_column(JSON, default=list)  # [{"category": CauseCategory, "description": ...}]
    best_practices: Mapped[str | None] = mapped_column(Text)
    # The roadmap: who wrote it (they do not approve it), «согласовано» and «утверждаю».
    roadmap_authors: Mapped[list] = mapped_column(JSON, default=list)  # logins
    agreed_by: Mapped[str | None] = mapped_column(String(200))
    agreed_on: Mapped[date | None] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_on: Mapped[date | None] = mapped_column(Date)
    agreed_entered_at: Mapped[datetime | None]
    approved_entered_at: Mapped[datetime | None]
    # Why a date was given further back than the tolerance allows: {"approved_on": "…"}.
    late_reasons: Mapped[dict | None] = mapped_column(JSON, default=dict)
    # Who signed, as they were when signing (catalog/services/people.visa): name, position, date, delegation.
    agreed_visa: Mapped[dict | None] = mapped_column(JSON)
    approved_visa: Mapped[dict | None] = mapped_column(JSON)
    roadmap_number: Mapped[str | None] = mapped_column(String(32), unique=True)

    process: Mapped[Process] = relationship()
    measures: Mapped[list[RoadmapMeasure]] = relationship(order_by="RoadmapMeasure.position",
                                                          cascade="all, delete-orphan")
    kpis: Mapped[list[ProjectKpi]] = relationship(order_by="ProjectKpi.position", cascade="all, delete-orphan")
    deviation_requests: Mapped[list[DeviationRequest]] = relationship(order_by="DeviationRequest.id",
                                                                      cascade="all, delete-orphan")

    @property
    def title(self) -> str:
        return f"Оптимизация процесса «{self.process.name}»"


class RoadmapMeasure(Base):
    """A measure of the roadmap (Leningrad 4.3): a solution, its dates, result and the one responsible."""

    __tablename__ = "roadmap_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("optimization_projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(1000))
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)


class ProjectKpi(Base):
    """A key performance indicator of the process (Leningrad 6), approved within the roadmap."""

    __tablename__ = "project_kpis"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("optimization_projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(1000))
    unit: Mapped[str] = mapped_column(String(100))
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(16), default="at_least")
    method: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(300))
    responsible_position: Mapped[str] = mapped_column(String(300))
    responsible_level: Mapped[str] = mapped_column(String(32))

    measurements: Mapped[list[KpiMeasurement]] = relationship(order_by="KpiMeasurement.measured_on",
                                                              cascade="all, delete-orphan")


class KpiMeasurement(Base):
    """A value of a KPI measured in post-monitoring; ``deviates`` when it misses the target."""

    __tablename__ = "kpi_measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("project_kpis.id", ondelete="CASCADE"), index=True)
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    deviates: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime | None]
    late_reason: Mapped[str | None] = mapped_column(Text)


class DeviationRequest(Base):
    """Leningrad 4.5: the office asks the owner for the reasons a KPI missed its target and corrective measures."""

    __tablename__ = "deviation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("optimization_projects.id", ondelete="CASCADE"), index=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("project_kpis.id", ondelete="CASCADE"), index=True)
    measurement_id: Mapped[int] = mapped_column(ForeignKey("kpi_measurements.id", ondelete="CASCADE"))
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="open")
    reasons: Mapped[str | None] = mapped_column(Text)
    corrective_measures: Mapped[str | None] = mapped_column(Text)
    answered_on: Mapped[date | None] = mapped_column(Date)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    # The office assesses the proposed measures and informs the Governor or the deputy (4.5).
    assessment: Mapped[str | None] = mapped_column(Text)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    assessed_by: Mapped[str | None] = mapped_column(String(200))
    answered_entered_at: Mapped[datetime | None]
    assessed_entered_at: Mapped[datetime | None]
    late_reasons: Mapped[dict | None] = mapped_column(JSON, default=dict)

    kpi: Mapped[ProjectKpi] = relationship()
    measurement: Mapped[KpiMeasurement] = relationship()
