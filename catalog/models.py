"""The catalogue's records (SQLAlchemy 2 typed mappings).

Every catalogue record shares ``Record``: an id, a version used for optimistic
locking, timestamps and soft deletion. Strict one-to-many ownership (a process
belongs to an agency, an attribute to an entity) is a foreign key; everything
many-to-many, and everything that carries how data moves, is a ``Link``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict: JSON,
        list: JSON,
    }


class Record(Base):
    """Columns every catalogue record has."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def title(self) -> str:
        return getattr(self, "name", None) or f"#{self.id}"

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # SQLAlchemy checks the version in the UPDATE itself, so two writers
        # racing past the service-level check still cannot both win.
        return {"version_id_col": cls.__table__.c.version}


class Agency(Record):
    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Agency | None] = relationship(remote_side="Agency.id")


class Person(Record):
    __tablename__ = "people"

    full_name: Mapped[str] = mapped_column(String(300))
    position: Mapped[str] = mapped_column(String(300))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    unit: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(100))

    agency: Mapped[Agency] = relationship()

    @property
    def title(self) -> str:
        return f"{self.full_name}, {self.position}"


class LifeSituation(Record):
    __tablename__ = "life_situations"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)


class Service(Record):
    """A state service, function or digital service (Kemerovo 2.1 «в»)."""

    __tablename__ = "services"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(32))
    is_mszu: Mapped[bool] = mapped_column(Boolean, default=False)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    agency: Mapped[Agency | None] = relationship()


class RegulatoryAct(Record):
    __tablename__ = "regulatory_acts"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str | None] = mapped_column(String(100))
    adopted_on: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(500))


class ProcessGroup(Record):
    """A group of the typical list of processes."""

    __tablename__ = "process_groups"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)


class TypicalProcess(Record):
    """An entry of the typical list of processes (Kemerovo 1.1)."""

    __tablename__ = "typical_processes"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(1000))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("process_groups.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    group: Mapped[ProcessGroup | None] = relationship()


class Process(Record):
    """A row of an agency's process register (Kemerovo 2.1)."""

    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("agency_id", "registry_id", name="uq_process_registry_id"),)

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    registry_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(1000))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("process_groups.id"), index=True)
    typical_process_id: Mapped[int | None] = mapped_column(ForeignKey("typical_processes.id"))
    responsible_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(32), index=True)
    process_type: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    client: Mapped[str | None] = mapped_column(Text)
    client_value: Mapped[str | None] = mapped_column(Text)
    inputs: Mapped[str | None] = mapped_column(Text)
    outputs: Mapped[str | None] = mapped_column(Text)
    is_digital: Mapped[bool] = mapped_column(Boolean, default=False)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)

    agency: Mapped[Agency] = relationship()
    service: Mapped[Service] = relationship()
    group: Mapped[ProcessGroup | None] = relationship()
    typical_process: Mapped[TypicalProcess | None] = relationship()
    responsible: Mapped[Person] = relationship()


class StatusTransition(Base):
    """One change of a process's reengineering status; never edited."""

    __tablename__ = "status_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)


class Dataset(Record):
    __tablename__ = "datasets"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(1000))
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    update_frequency: Mapped[str | None] = mapped_column(String(32))
    contains_personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)

    owner_agency: Mapped[Agency | None] = relationship()


class Entity(Record):
    __tablename__ = "entities"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    dataset: Mapped[Dataset] = relationship()


class Attribute(Record):
    __tablename__ = "attributes"

    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    data_type: Mapped[str] = mapped_column(String(32))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    is_required: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)

    entity: Mapped[Entity] = relationship()


class DocumentType(Record):
    __tablename__ = "document_types"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # [{"name": ..., "data_type": ..., "required": bool}]
    metadata_fields: Mapped[list] = mapped_column(JSON, default=list)


class InformationSystem(Record):
    __tablename__ = "information_systems"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(1000))
    short_name: Mapped[str | None] = mapped_column(String(200))
    fgis_ki_number: Mapped[str | None] = mapped_column(String(100))
    legal_kind: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
    operator_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)

    operator_agency: Mapped[Agency | None] = relationship()


class DataMart(Record):
    """A data mart (СМЭВ4 or agency) and the quality its owner answers for."""

    __tablename__ = "data_marts"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(32))
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    host_system_id: Mapped[int | None] = mapped_column(ForeignKey("information_systems.id"))
    info_kind: Mapped[str | None] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(Text)
    completeness: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    timeliness: Mapped[float | None] = mapped_column(Float)
    quality_responsible_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    quality_checked_on: Mapped[date | None] = mapped_column(Date)

    owner_agency: Mapped[Agency] = relationship()
    host_system: Mapped[InformationSystem | None] = relationship()
    quality_responsible: Mapped[Person | None] = relationship()


class Link(Record):
    """A typed edge between two records, with how data moves and how often."""

    __tablename__ = "links"
    __table_args__ = (
        # With the type in the key, a walk that wants PRODUCES links of a dataset does not read
        # the thousands of CONSUMES links of the same dataset.
        Index("ix_links_source_type", "source_kind", "source_id", "link_type"),
        Index("ix_links_target_type", "target_kind", "target_id", "link_type"),
    )

    link_type: Mapped[str] = mapped_column(String(32))
    source_kind: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(Integer)
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    transport: Mapped[str | None] = mapped_column(String(32))
    frequency: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)

    @property
    def title(self) -> str:
        return f"{self.source_kind}#{self.source_id} {self.link_type} {self.target_kind}#{self.target_id}"


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


class ProjectionPosition(Base):
    """How far a projection (the neo4j graph, a search index) has applied the outbox."""

    __tablename__ = "projection_positions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


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


class Position(Record):
    """A position of the cost calculator's reference table (Leningrad 2.14): what an hour of its work costs."""

    __tablename__ = "positions"

    name: Mapped[str] = mapped_column(String(300), unique=True)
    monthly_pay: Mapped[float] = mapped_column(Float)
    # Pay plus insurance contributions: 1.302 is the usual 30.2 %.
    payroll_coefficient: Mapped[float] = mapped_column(Float, default=1.302)
    # Working-time fund of a year, hours.
    annual_hours: Mapped[float] = mapped_column(Float, default=1973)

    @property
    def hourly_cost(self) -> float:
        return self.monthly_pay * 12 * self.payroll_coefficient / self.annual_hours


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
    concluded_by_id: Mapped[int | None] = mapped_column(Integer)
    concluded_by: Mapped[str | None] = mapped_column(String(200))
    concluded_at: Mapped[datetime | None]
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
# --- the production calendar and optimisation projects (Leningrad oblast, sections 4 to 6)


class CalendarDay(Base):
    """A day that differs from the Monday to Friday rule: a holiday on a weekday or a weekend made working."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(300))


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

    kpi: Mapped[ProjectKpi] = relationship()
    measurement: Mapped[KpiMeasurement] = relationship()


# --- users and access -------------------------------------------------------


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(300))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    agency_ids: Mapped[list] = mapped_column(JSON, default=list)
    mart_ids: Mapped[list] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Stored in the web session at login and compared on every request: raising it (logout, a new
    # password, deactivation) ends every session of the user at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A wrong password, kept in the store so every server process counts the same failures."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


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
