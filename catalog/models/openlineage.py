"""OpenLineage jobs, datasets and runs mapped onto the register."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    ForeignKey,
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
    from catalog.models.records import Process


class OpenLineageJob(Base):
    """An OpenLineage job (namespace + name) and the process it is: created on first sight or mapped by hand."""

    __tablename__ = "openlineage_jobs"
    __table_args__ = (UniqueConstraint("namespace", "name", name="uq_openlineage_job"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    namespace: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(1000))
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    process: Mapped[Process] = relationship()


class OpenLineageDataset(Base):
    """An OpenLineage dataset (namespace + name) and the catalogue dataset it is."""

    __tablename__ = "openlineage_datasets"
    __table_args__ = (UniqueConstraint("namespace", "name", name="uq_openlineage_dataset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    namespace: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(1000))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OpenLineageRun(Base):
    """One run event of a job: the process's run history."""

    __tablename__ = "openlineage_runs"
    __table_args__ = (UniqueConstraint("run_id", "event_type", "event_time", name="uq_openlineage_run_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(16))
    event_time: Mapped[datetime]
    job_namespace: Mapped[str] = mapped_column(String(500))
    job_name: Mapped[str] = mapped_column(String(1000))
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    # {"run": [facet names], "job": [...], "inputs": n, "outputs": n, "error": "…", "parent": "ns/name", …}
    facets: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(200))
