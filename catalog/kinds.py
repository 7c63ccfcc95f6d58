"""The registry of record kinds: one entry per resource of the API and the pages.

Each kind names its model, its schema, its Russian labels, who may edit it and
which field ties it to an agency (for agency editors' scope).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from catalog import models, schemas
from catalog.enums import Role


@dataclass(frozen=True)
class Kind:
    name: str  # resource name in URLs: "processes"
    model: type[models.Record]
    schema: type[schemas.RecordSchema]
    label: str  # plural, for headings: "Процессы"
    label_one: str  # singular: "процесс"
    # Roles that edit every record of this kind.
    editor_roles: frozenset[str] = frozenset()
    # Attribute whose value is the agency a record belongs to ("id" for agencies).
    agency_field: str | None = None
    list_columns: tuple[str, ...] = ("name",)
    title_field: str = "name"

    def load_schema(self, partial: bool = False) -> schemas.RecordSchema:
        # One instance per kind and mode: building a schema deep-copies its fields, and bulk
        # loads (importers) validate thousands of rows.
        return _schema_instance(self.schema, partial)

    def fields(self) -> dict:
        return _schema_instance(self.schema, False).fields

    def dump_schema(self, many: bool = False) -> schemas.RecordSchema:
        return self.schema(many=many)


def schema_fields(schema: type[schemas.RecordSchema]) -> dict:
    """The fields of any schema class, from one cached instance (pages read labels per value shown)."""
    return _schema_instance(schema, False).fields


@lru_cache(maxsize=None)
def _schema_instance(schema: type[schemas.RecordSchema], partial: bool) -> schemas.RecordSchema:
    return schema(partial=partial)


_PO = frozenset({Role.PROCESS_OFFICE.value})
_ARCH = frozenset({Role.ARCHITECT.value})

KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("agencies", models.Agency, schemas.AgencySchema, "Органы и организации", "орган",
             agency_field="id", list_columns=("code", "name", "kind")),
        Kind("people", models.Person, schemas.PersonSchema, "Ответственные лица", "ответственный",
             _PO, agency_field="agency_id", list_columns=("full_name", "position", "agency_id"),
             title_field="full_name"),
        Kind("processes", models.Process, schemas.ProcessSchema, "Процессы", "процесс",
             _PO, agency_field="agency_id",
             list_columns=("registry_id", "name", "agency_id", "service_id", "status")),
        Kind("process-consumers", models.ProcessConsumer, schemas.ProcessConsumerSchema,
             "Потребители результатов процессов", "потребитель результата процесса", _PO,
             list_columns=("process_id", "scope", "agency_id", "unit", "applicant_category"), title_field="unit"),
        Kind("services", models.Service, schemas.ServiceSchema, "Услуги, функции, сервисы", "услуга",
             _PO, agency_field="agency_id", list_columns=("name", "kind", "is_mszu", "agency_id")),
        Kind("life-situations", models.LifeSituation, schemas.LifeSituationSchema,
             "Жизненные ситуации", "жизненная ситуация", _PO),
        Kind("acts", models.RegulatoryAct, schemas.RegulatoryActSchema, "Регулирующие акты", "акт",
             _PO, list_columns=("name", "kind", "number", "adopted_on")),
        Kind("process-groups", models.ProcessGroup, schemas.ProcessGroupSchema, "Группы процессов",
             "группа процессов", _PO, list_columns=("code", "name")),
        Kind("typical-processes", models.TypicalProcess, schemas.TypicalProcessSchema,
             "Типовые процессы", "типовой процесс", _PO, list_columns=("code", "name", "group_id")),
        Kind("service-spheres", models.ServiceSphere, schemas.ServiceSphereSchema, "Сферы муниципальных услуг",
             "сфера муниципальных услуг", _PO, list_columns=("code", "name", "curator_agency_id")),
        Kind("typical-services", models.TypicalService, schemas.TypicalServiceSchema,
             "Типовые муниципальные услуги", "типовая муниципальная услуга", _PO,
             list_columns=("code", "name", "sphere_id")),
        Kind("datasets", models.Dataset, schemas.DatasetSchema, "Наборы данных", "набор данных",
             _ARCH, agency_field="owner_agency_id", list_columns=("name", "owner_agency_id", "update_frequency")),
        Kind("entities", models.Entity, schemas.EntitySchema, "Сущности", "сущность",
             _ARCH, list_columns=("name", "dataset_id")),
        Kind("attributes", models.Attribute, schemas.AttributeSchema, "Атрибуты", "атрибут",
             _ARCH, list_columns=("name", "entity_id", "data_type", "is_key")),
        Kind("document-types", models.DocumentType, schemas.DocumentTypeSchema, "Типы документов",
             "тип документа", _ARCH),
        Kind("systems", models.InformationSystem, schemas.InformationSystemSchema,
             "Информационные системы", "информационная система", _ARCH, agency_field="operator_agency_id",
             list_columns=("short_name", "name", "legal_kind", "stage", "fgis_ki_number")),
        Kind("marts", models.DataMart, schemas.DataMartSchema, "Витрины данных", "витрина данных",
             _ARCH, agency_field="owner_agency_id",
             list_columns=("name", "kind", "owner_agency_id", "completeness", "accuracy", "timeliness",
                           "quality_checked_on")),
        Kind("links", models.Link, schemas.LinkSchema, "Связи", "связь",
             list_columns=("source_kind", "source_id", "link_type", "target_kind", "target_id", "transport",
                           "frequency"),
             title_field="link_type"),
    ]
}


# Which kinds each link type may join: {link_type: ({source kinds}, {target kinds})}.
LINK_RULES: dict[str, tuple[set[str], set[str]]] = {
    "IN_SITUATION": ({"processes", "services"}, {"life-situations"}),
    "REGULATED_BY": ({"processes", "services"}, {"acts"}),
    "CONSUMES": ({"processes"}, {"datasets", "entities", "attributes", "document-types", "marts"}),
    "PRODUCES": ({"processes"}, {"datasets", "entities", "attributes", "document-types"}),
    "AUTOMATED_BY": ({"processes"}, {"systems"}),
    "LINKED_TO": ({"processes"}, {"processes"}),
    "STORED_IN": ({"datasets"}, {"systems"}),
    "EXPOSES": ({"marts"}, {"datasets", "entities", "attributes"}),
    "RELATES_TO": ({"entities"}, {"entities"}),
    "USES_DOCUMENT": ({"entities", "datasets"}, {"document-types"}),
    "MATCHES_TYPICAL": ({"services"}, {"typical-processes", "typical-services"}),
    "DERIVED_FROM": ({"attributes"}, {"attributes"}),
}


def get_kind(name: str) -> Kind:
    from catalog.errors import NotFound

    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(f"Неизвестный вид записей: «{name}».") from None

