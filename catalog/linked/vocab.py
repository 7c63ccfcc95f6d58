"""The RDF vocabulary of the catalogue: namespaces, and how each record field maps to a predicate.

One table (``FIELDS``) drives both the export and the import, so what goes out comes back in.
Closed vocabularies (statuses, kinds, channels…) are SKOS concepts under ``VOCAB``; the
ontology itself (classes, properties, alignments) is ``ontology/catalog.ttl``.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD  # noqa: F401

from catalog import enums

PDC = Namespace("https://w3id.org/process-data-catalog/ns#")
VOCAB_BASE = "https://w3id.org/process-data-catalog/vocab/"
CV = Namespace("http://data.europa.eu/m8g/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU_FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")

PREFIXES = {
    "pdc": str(PDC), "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD),
    "dct": str(DCTERMS), "dcat": str(DCAT), "foaf": str(FOAF), "org": str(ORG), "prov": str(PROV),
    "skos": str(SKOS), "cv": str(CV), "cpsv": str(CPSV), "eli": str(ELI),
}

# Closed vocabularies exported as SKOS concept schemes: {scheme slug: enum}.
ENUMS: dict[str, type[enums.LabeledEnum]] = {
    "process-status": enums.ProcessStatus,
    "agency-kind": enums.AgencyKind,
    "service-kind": enums.ServiceKind,
    "act-kind": enums.ActKind,
    "process-type": enums.ProcessType,
    "process-category": enums.ProcessCategory,
    "channel": enums.Channel,
    "system-legal-kind": enums.SystemLegalKind,
    "system-stage": enums.SystemStage,
    "mart-kind": enums.MartKind,
    "mart-stage": enums.MartStage,
    "consumer-scope": enums.ConsumerScope,
    "applicant-category": enums.ApplicantCategory,
    "data-type": enums.DataType,
    "transport": enums.Transport,
    "frequency": enums.Frequency,
    "link-type": enums.LinkType,
    "personal-data": enums.PersonalData,
}
SCHEME_LABELS = {
    "process-status": ("Статусы реинжиниринга", "Reengineering statuses"),
    "agency-kind": ("Виды органов и организаций", "Kinds of agencies"),
    "service-kind": ("Виды услуг, функций, сервисов", "Kinds of services"),
    "act-kind": ("Виды регулирующих актов", "Kinds of regulating acts"),
    "process-type": ("Межведомственный / внутриведомственный", "Inter- or intra-agency"),
    "process-category": ("Категории процессов", "Process categories"),
    "channel": ("Точки размещения в цифровом виде", "Digital channels"),
    "system-legal-kind": ("Виды информационных систем", "Legal kinds of information systems"),
    "system-stage": ("Стадии жизненного цикла систем", "System life-cycle stages"),
    "mart-kind": ("Виды витрин данных", "Kinds of data marts"),
    "mart-stage": ("Стадии витрин данных", "Data mart stages"),
    "consumer-scope": ("Виды потребителей результата процесса", "Kinds of process result consumers"),
    "applicant-category": ("Категории заявителей", "Applicant categories"),
    "data-type": ("Типы данных", "Data types"),
    "transport": ("Способы передачи данных", "Ways data moves"),
    "frequency": ("Периодичность", "Frequencies"),
    "link-type": ("Типы связей", "Link types"),
    "personal-data": ("Категории персональных данных (152-ФЗ)", "Categories of personal data (152-FZ)"),
}
# Dataset update frequency uses the EU frequency authority table, as DCAT-AP recommends.
# The first seven are the catalogue's own periodicities; every other member is a code of that table.
EU_FREQUENCY = {
    "on_request": "IRREG", "realtime": "UPDATE_CONT", "daily": "DAILY", "weekly": "WEEKLY",
    "monthly": "MONTHLY", "quarterly": "QUARTERLY", "yearly": "ANNUAL",
}
EU_FREQUENCY.update({m.value: m.value.upper() for m in enums.Frequency if m.value not in EU_FREQUENCY})
EU_FREQUENCY_BACK = {v: k for k, v in EU_FREQUENCY.items()}


def concept(scheme: str, value: str):
    from rdflib import URIRef

    return URIRef(f"{VOCAB_BASE}{scheme}/{value}")


def scheme_iri(scheme: str):
    from rdflib import URIRef

    return URIRef(f"{VOCAB_BASE}{scheme}")


@dataclass(frozen=True)
class FieldMap:
    """How one column of a record is written: ``how`` is text | plain | bool | decimal | date | uri |
    ref:<kind> | enum:<scheme> | enums:<scheme> (a list) | freq (EU frequency) | evidence | output | metadata."""

    field: str
    predicate: object
    how: str


def _f(field, predicate, how="text"):
    return FieldMap(field, predicate, how)


# Record kinds → RDF classes (the first is the catalogue's own class).
CLASSES: dict[str, tuple] = {
    "agencies": (PDC.Agency, ORG.Organization, CV.PublicOrganisation, FOAF.Agent),
    "people": (PDC.Person, FOAF.Person),
    "life-situations": (PDC.LifeSituation, CV.LifeEvent, CV.Event, SKOS.Concept),
    "services": (PDC.Service, CPSV.PublicService),
    "acts": (PDC.RegulatoryAct, ELI.LegalResource),
    "process-groups": (PDC.ProcessGroup, SKOS.Concept),
    "typical-processes": (PDC.TypicalProcess, SKOS.Concept),
    "service-spheres": (PDC.ServiceSphere, SKOS.Concept),
    "typical-services": (PDC.TypicalService, SKOS.Concept),
    "processes": (PDC.Process, PROV.Activity),
    "process-consumers": (PDC.ProcessConsumer,),
    "datasets": (PDC.Dataset, DCAT.Dataset),
    "entities": (PDC.Entity,),
    "attributes": (PDC.Attribute,),
    "document-types": (PDC.DocumentType, CV.EvidenceType),
    "systems": (PDC.InformationSystem, PROV.SoftwareAgent),
    "marts": (PDC.DataMart, DCAT.DataService),
    "links": (PDC.Link,),
}
# Kinds that are SKOS concepts, and the scheme (slug under the base IRI) that holds them.
CONCEPT_SCHEMES = {
    "life-situations": ("schemes/life-situations", "Жизненные ситуации", "Life situations"),
    "process-groups": ("schemes/process-groups", "Группы процессов", "Process groups"),
    "typical-processes": ("schemes/typical-list", "Типовой перечень процессов", "Typical list of processes"),
    "service-spheres": ("schemes/service-spheres", "Сферы муниципальных услуг", "Spheres of municipal services"),
    "typical-services": ("schemes/typical-services", "Типовой перечень муниципальных услуг",
                         "Typical list of municipal services"),
}

TITLE = DCTERMS.title
DESCRIPTION = DCTERMS.description

FIELDS: dict[str, list[FieldMap]] = {
    "agencies": [
        _f("code", PDC.code, "plain"), _f("name", SKOS.prefLabel), _f("short_name", SKOS.altLabel),
        _f("kind", PDC.agencyKind, "enum:agency-kind"), _f("parent_id", ORG.subOrganizationOf, "ref:agencies"),
        _f("website", PDC.website, "uri"), _f("description", DESCRIPTION),
    ],
    "people": [
        _f("full_name", FOAF.name), _f("position", PDC.position), _f("agency_id", ORG.memberOf, "ref:agencies"),
        _f("unit", PDC.unit), _f("email", PDC.email, "plain"), _f("phone", PDC.phone, "plain"),
    ],
    "life-situations": [_f("code", PDC.code, "plain"), _f("name", SKOS.prefLabel), _f("description", DESCRIPTION)],
    "services": [
        _f("code", PDC.code, "plain"), _f("name", TITLE), _f("kind", DCTERMS.type, "enum:service-kind"),
        _f("is_mszu", PDC.isMszu, "bool"), _f("agency_id", CV.hasCompetentAuthority, "ref:agencies"),
        _f("description", DESCRIPTION),
    ],
    "acts": [
        _f("code", PDC.code, "plain"), _f("name", TITLE), _f("kind", DCTERMS.type, "enum:act-kind"),
        _f("number", PDC.number, "plain"), _f("adopted_on", ELI.date_document, "date"),
        _f("issuer", PDC.issuer), _f("url", PDC.url, "uri"),
    ],
    "process-groups": [_f("code", PDC.code, "plain"), _f("name", SKOS.prefLabel), _f("description", DESCRIPTION)],
    "typical-processes": [
        _f("code", PDC.code, "plain"), _f("name", SKOS.prefLabel),
        _f("group_id", PDC.processGroup, "ref:process-groups"), _f("description", DESCRIPTION),
    ],
    "service-spheres": [
        _f("code", PDC.code, "plain"), _f("name", SKOS.prefLabel),
        _f("curator_agency_id", PDC.curator, "ref:agencies"), _f("description", DESCRIPTION),
    ],
    "typical-services": [
        _f("code", PDC.code, "plain"), _f("name", SKOS.prefLabel),
        _f("sphere_id", PDC.sphere, "ref:service-spheres"), _f("description", DESCRIPTION),
    ],
    "processes": [
        _f("agency_id", PDC.ownedBy, "ref:agencies"), _f("registry_id", PDC.registryId, "plain"),
        _f("name", TITLE), _f("service_id", PDC.partOfService, "ref:services"),
        _f("group_id", PDC.processGroup, "ref:process-groups"),
        _f("typical_process_id", PDC.typicalProcess, "ref:typical-processes"),
        _f("responsible_id", PDC.responsible, "ref:people"), _f("status", PDC.status, "enum:process-status"),
        _f("process_type", PDC.processType, "enum:process-type"),
        _f("category", PDC.category, "enum:process-category"), _f("client", PDC.client),
        _f("client_value", PDC.clientValue), _f("inputs", CPSV.hasInput, "evidence"),
        _f("outputs", CPSV.produces, "output"), _f("is_digital", PDC.isDigital, "bool"),
        _f("channels", CV.hasChannel, "enums:channel"), _f("description", DESCRIPTION),
    ],
    "process-consumers": [
        _f("process_id", PDC.consumerOf, "ref:processes"), _f("scope", PDC.consumerScope, "enum:consumer-scope"),
        _f("agency_id", PDC.consumerAgency, "ref:agencies"), _f("unit", PDC.unit),
        _f("applicant_category", PDC.applicantCategory, "enum:applicant-category"), _f("description", DESCRIPTION),
    ],
    "datasets": [
        _f("code", PDC.code, "plain"), _f("name", TITLE), _f("owner_agency_id", DCTERMS.publisher, "ref:agencies"),
        _f("update_frequency", DCTERMS.accrualPeriodicity, "freq"),
        _f("contains_personal_data", PDC.containsPersonalData, "bool"), _f("description", DESCRIPTION),
    ],
    "entities": [
        _f("code", PDC.code, "plain"), _f("name", TITLE), _f("dataset_id", PDC.dataset, "ref:datasets"),
        _f("description", DESCRIPTION),
    ],
    "attributes": [
        _f("entity_id", PDC.entity, "ref:entities"), _f("code", PDC.code, "plain"), _f("name", TITLE),
        _f("data_type", PDC.dataType, "enum:data-type"), _f("is_key", PDC.isKey, "bool"),
        _f("is_required", PDC.isRequired, "bool"), _f("description", DESCRIPTION),
        # Issue 20: the category of personal data the owner accepted (152-FZ), so a reader of the export sees it.
        _f("pd_category", PDC.personalDataCategory, "enum:personal-data"),
    ],
    "document-types": [
        _f("code", PDC.code, "plain"), _f("name", TITLE), _f("description", DESCRIPTION),
        _f("metadata_fields", PDC.metadataField, "metadata"),
    ],
    "systems": [
        _f("code", PDC.code, "plain"), _f("name", TITLE), _f("short_name", SKOS.altLabel),
        _f("fgis_ki_number", PDC.fgisKiNumber, "plain"), _f("legal_kind", PDC.legalKind, "enum:system-legal-kind"),
        _f("stage", PDC.stage, "enum:system-stage"), _f("operator_agency_id", PDC.operator, "ref:agencies"),
        _f("url", PDC.url, "uri"), _f("description", DESCRIPTION),
    ],
    "marts": [
        _f("code", PDC.code, "plain"), _f("name", TITLE), _f("kind", DCTERMS.type, "enum:mart-kind"),
        _f("owner_agency_id", DCTERMS.publisher, "ref:agencies"), _f("host_system_id", PDC.hostSystem, "ref:systems"),
        _f("info_kind", PDC.infoKind), _f("description", DESCRIPTION),
        _f("stage", PDC.stage, "enum:mart-stage"),
        _f("completeness", PDC.completeness, "decimal"), _f("accuracy", PDC.accuracy, "decimal"),
        _f("timeliness", PDC.timeliness, "decimal"),
        _f("quality_responsible_id", PDC.qualityResponsible, "ref:people"),
        _f("quality_checked_on", PDC.qualityCheckedOn, "date"),
    ],
    "links": [
        _f("link_type", PDC.linkType, "enum:link-type"), _f("source", PDC.source, "node"),
        _f("target", PDC.target, "node"), _f("transport", PDC.transport, "enum:transport"),
        _f("frequency", PDC.frequency, "enum:frequency"), _f("description", DESCRIPTION),
    ],
}

# The direct triple each link also gives, in the standard vocabularies: {(type, source kind): predicate}.
# PRODUCES is written the PROV way round: the data prov:wasGeneratedBy the process.
LINK_PREDICATES = {
    "IN_SITUATION": {"services": CV.isGroupedBy, "processes": PDC.inSituation},
    "REGULATED_BY": {"services": CV.hasLegalResource, "processes": PDC.regulatedBy},
    "CONSUMES": {"processes": PROV.used},
    "PRODUCES": {"processes": PROV.wasGeneratedBy},
    "AUTOMATED_BY": {"processes": PDC.automatedBy},
    "LINKED_TO": {"processes": PDC.linkedTo},
    "STORED_IN": {"datasets": PDC.storedIn},
    "EXPOSES": {"marts": PDC.exposes},
    "RELATES_TO": {"entities": PDC.relatesTo},
    "USES_DOCUMENT": {"entities": PDC.usesDocument, "datasets": PDC.usesDocument},
    "MATCHES_TYPICAL": {"services": CV.isClassifiedBy},
    "DERIVED_FROM": {"attributes": PROV.wasDerivedFrom},
}

# Fields where the standards ask for a value the catalogue may lack: the fallback says so in words
# and the import reads it back as no value.
REQUIRED_DESCRIPTION = {"services", "datasets"}
