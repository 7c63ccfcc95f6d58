"""The catalogue's tables (SQLAlchemy 2 typed mappings), one module per domain.

Every catalogue record shares ``Record``: an id, a version used for optimistic
locking, timestamps and soft deletion. Strict one-to-many ownership (a process
belongs to an agency, an attribute to an entity) is a foreign key; everything
many-to-many, and everything that carries how data moves, is a ``Link``.
``from catalog import models`` gives every table (``models.Process``), and every
module is imported here so that ``Base.metadata`` is complete.
"""
from catalog.models.base import Base, Record, utcnow
from catalog.models.calendar import CalendarDay
from catalog.models.certifications import Certification
from catalog.models.costs import Position
from catalog.models.graph import GraphEdge
from catalog.models.duties import CorrectionNotice, NoticeEvent, RegisterOfficial, RegisterVersion
from catalog.models.history import ChangeEvent, ProjectionPosition
from catalog.models.imports import ImportJob, ImportMapping
from catalog.models.linked import SparqlAdmission
from catalog.models.kept import KeptAgencyFigures, KeptAgencyStatus, KeptCount, KeptRuleFigures, PassportCost
from catalog.models.names import NameMatch, ServiceSphere, TypicalService
from catalog.models.notifications import EmailMessage, NotificationPreference, NotifiedItem
from catalog.models.openlineage import (
    OpenLineageDataset,
    OpenLineageJob,
    OpenLineageRun,
)
from catalog.models.people import Delegation, Designation, DocumentCounter
from catalog.models.passports import (
    Passport,
    PassportData,
    PassportFlow,
    PassportResource,
    PassportStep,
)
from catalog.models.quality import QualityMeasurement
from catalog.models.projects import (
    DeviationRequest,
    KpiMeasurement,
    OptimizationProject,
    ProjectKpi,
    RoadmapMeasure,
)
from catalog.models.records import (
    ProcessConsumer,
    Agency,
    Attribute,
    DataMart,
    Dataset,
    DocumentType,
    Entity,
    InformationSystem,
    LifeSituation,
    Link,
    Person,
    Process,
    ProcessGroup,
    RegulatoryAct,
    Service,
    StatusTransition,
    TypicalProcess,
)
from catalog.models.requests import RequestDataset, RequestProcess, SystemRequest
from catalog.models.search import SearchMiss, ThesaurusEntry
from catalog.models.users import ApiToken, LoginFailure, Setting, User

__all__ = [
    "KeptAgencyFigures",
    "KeptAgencyStatus",
    "KeptCount",
    "KeptRuleFigures",
    "PassportCost",
    "GraphEdge",
    "Delegation",
    "Designation",
    "DocumentCounter",
    "ProcessConsumer",
    "QualityMeasurement",
    "ServiceSphere",
    "TypicalService",
    "utcnow",
    "EmailMessage",
    "NotificationPreference",
    "NotifiedItem",
    "SearchMiss",
    "ThesaurusEntry",
    "Base",
    "Record",
    "Agency",
    "Person",
    "LifeSituation",
    "Service",
    "RegulatoryAct",
    "ProcessGroup",
    "TypicalProcess",
    "Process",
    "StatusTransition",
    "Dataset",
    "Entity",
    "Attribute",
    "DocumentType",
    "InformationSystem",
    "DataMart",
    "Link",
    "ChangeEvent",
    "ProjectionPosition",
    "Passport",
    "PassportData",
    "PassportStep",
    "PassportResource",
    "PassportFlow",
    "Position",
    "SystemRequest",
    "RequestProcess",
    "RequestDataset",
    "NameMatch",
    "OpenLineageJob",
    "OpenLineageDataset",
    "OpenLineageRun",
    "CalendarDay",
    "Certification",
    "OptimizationProject",
    "RoadmapMeasure",
    "ProjectKpi",
    "KpiMeasurement",
    "DeviationRequest",
    "User",
    "ApiToken",
    "LoginFailure",
    "SparqlAdmission",
    "Setting",
    "ImportJob",
    "ImportMapping",
    "RegisterOfficial",
    "RegisterVersion",
    "CorrectionNotice",
    "NoticeEvent",
]
