"""The typical list of municipal services: spheres and typical services (Samara concept, section 3 task 10)."""
from __future__ import annotations

from catalog.models.names import LONG_NAME
from catalog.schemas.base import lines_field, ref, text
from catalog.schemas.records import RecordSchema


class ServiceSphereSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование сферы", required=True, max_length=500)
    curator_agency_id = ref("Курирующий орган исполнительной власти", "agencies", required=True)
    description = text("Описание", multiline=True)


class TypicalServiceSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование типовой услуги", required=True, max_length=LONG_NAME)
    sphere_id = ref("Сфера", "service-spheres", required=True)
    variants = lines_field("Варианты наименования, встреченные в муниципалитетах")
    description = text("Описание", multiline=True)
