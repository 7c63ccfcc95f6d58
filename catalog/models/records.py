"""The register's records (agencies, services, processes, data, systems, marts) and the links between them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
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

# Names as real registers write them: a service's or process's name runs to 4,060 characters
# (St. Petersburg's register of functions and services), an act's full title as long (issue 15).
LONG_NAME = 8000


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
    # The level of the position (enums.OfficialLevel): who may sign what (catalog/services/people.py).
    level: Mapped[str | None] = mapped_column(String(32))

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
    name: Mapped[str] = mapped_column(String(LONG_NAME))
    kind: Mapped[str] = mapped_column(String(32))
    is_mszu: Mapped[bool] = mapped_column(Boolean, default=False)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    agency: Mapped[Agency | None] = relationship()


class RegulatoryAct(Record):
    __tablename__ = "regulatory_acts"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(LONG_NAME))
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
    name: Mapped[str] = mapped_column(String(LONG_NAME))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("process_groups.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    group: Mapped[ProcessGroup | None] = relationship()


class Process(Record):
    """A row of an agency's process register (Kemerovo 2.1)."""

    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("agency_id", "registry_id", name="uq_process_registry_id"),)

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    registry_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(LONG_NAME))
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


class ProcessConsumer(Record):
    """A consumer of a process's result (Leningrad 2.4–2.6): internal (an executive body, a subordinate
    institution, their unit) or external (a category of applicants, another authority, a municipality)."""

    __tablename__ = "process_consumers"

    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    unit: Mapped[str | None] = mapped_column(String(300))
    applicant_category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)

    process: Mapped[Process] = relationship()
    agency: Mapped[Agency | None] = relationship()

    @property
    def title(self) -> str:
        from catalog.enums import ApplicantCategory, ConsumerScope

        who = self.agency.name if self.agency is not None else ApplicantCategory.label_of(self.applicant_category)
        parts = [who, self.unit, None if who else self.description]
        return ", ".join(p for p in parts if p) or ConsumerScope.label_of(self.scope) or f"№ {self.id}"


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
    # Where a harvested or imported dataset came from (catalog.services.harvest, the XSD import): a
    # second harvest or a new version of the data type finds it by this key.
    source_ref: Mapped[str | None] = mapped_column(String(1000), index=True)
    source_version: Mapped[str | None] = mapped_column(String(100))

    owner_agency: Mapped[Agency | None] = relationship()


class Entity(Record):
    __tablename__ = "entities"

    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(1000))  # the table's or the XSD type's own name
    entity_kind: Mapped[str | None] = mapped_column(String(32))  # enums.EntityKind
    definition: Mapped[str | None] = mapped_column(Text)  # a view's SQL, as the database gives it

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
    source_type: Mapped[str | None] = mapped_column(String(200))  # VARCHAR(200), xs:string…
    default_value: Mapped[str | None] = mapped_column(Text)
    restrictions: Mapped[str | None] = mapped_column(Text)  # length, pattern, enumerations, as read
    pd_category: Mapped[str | None] = mapped_column(String(32))  # enums.PersonalData, set by the owner
    pd_suggestion: Mapped[str | None] = mapped_column(String(32))  # what the names suggested
    # How measured accuracy checks its values (enums.ValueCheck; «pattern» takes check_pattern), issue 20.
    value_check: Mapped[str | None] = mapped_column(String(32))
    check_pattern: Mapped[str | None] = mapped_column(String(500))

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
    # A new mart is designed until its owner says it serves data; the migration put the marts
    # registered before as in operation (they were registered as working ones).
    stage: Mapped[str] = mapped_column(String(32), default="design")
    completeness: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    timeliness: Mapped[float | None] = mapped_column(Float)
    quality_responsible_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    quality_checked_on: Mapped[date | None] = mapped_column(Date)
    # Measured quality (issue 20, catalog.services.measurement): the named source (CATALOG_HARVEST_SOURCES)
    # holding the mart's table, the table (an entity of the catalogue), the column dating its records,
    # how often the owner declares it updated, and the share below which a measurement calls for attention.
    quality_source: Mapped[str | None] = mapped_column(String(200))
    quality_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    fresh_column: Mapped[str | None] = mapped_column(String(200))
    update_period_days: Mapped[int | None] = mapped_column(Integer)
    quality_threshold: Mapped[float | None] = mapped_column(Float)

    owner_agency: Mapped[Agency] = relationship()
    host_system: Mapped[InformationSystem | None] = relationship()
    quality_responsible: Mapped[Person | None] = relationship()


class Link(Record):
    """A typed edge between two records, with how data moves and how often."""

    __tablename__ = "links"
    __table_args__ = (
        # With the type in the key, a walk that wants PRODUCES links of a dataset does not read
        # the thousands of CONSUMES links of the same dataset.
        # Ending with the target: the same-link check of each new link reads one entry (migration 0023),
        # not every link to a life situation that thousands of processes share.
        Index("ix_links_source_type", "source_kind", "source_id", "link_type", "target_kind", "target_id"),
        Index("ix_links_target_type", "target_kind", "target_id", "link_type"),
        # One type of link across the register (the dashboard's automation links outside the gate, 0026).
        Index("ix_links_type_kinds", "link_type", "source_kind", "target_kind", "source_id", "target_id", "deleted_at"),
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
