"""Requests for a new information system."""
from __future__ import annotations

from marshmallow import fields, validate

from catalog import enums
from catalog.schemas.base import (
    CatalogSchema,
    Int,
    choice,
    non_negative,
    ref,
    text,
)


class CriterionSchema(CatalogSchema):
    met = fields.Boolean(required=True, metadata={"label": "Выполнен"})
    evidence = text("Подтверждение", max_length=2000)


class CriteriaSchema(CatalogSchema):
    """The digital-transformation checklist of a TO-BE variant, criterion by criterion."""

    criteria = fields.Dict(keys=fields.String(validate=validate.OneOf(
        enums.DigitalCriterion.values(), error="Неизвестный критерий.")), values=fields.Nested(CriterionSchema),
        required=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})


class RequestDatasetSchema(CatalogSchema):
    dataset_id = ref("Набор данных", "datasets", required=True)
    direction = fields.String(required=True, validate=validate.OneOf(
        ["consumes", "produces"], error="Допустимо: consumes (потребляется), produces (производится)."),
        metadata={"label": "Потребляется или производится"})
    supplier = text("Поставщик данных", max_length=500)
    consumer = text("Потребитель данных", max_length=500)
    mart_id = ref("Витрина, из которой берутся данные", "marts")


class SystemRequestSchema(CatalogSchema):
    """A request for a state information system: what it is for and what it automates."""

    version = Int(metadata={"label": "Версия"})
    agency_id = ref("Орган, подающий заявку", "agencies", required=True)
    kind = choice("Вид заявки", enums.RequestKind, required=True)
    system_id = ref("Информационная система", "systems")
    new_system_name = text("Наименование новой системы", max_length=1000)
    purpose = text("Назначение", multiline=True)
    estimated_cost = fields.Float(allow_none=True, validate=non_negative("Стоимость"),
                                  metadata={"label": "Оценка стоимости, руб."})
    expected_value = text("Ценность для граждан и организаций", multiline=True)
    overlap_explanation = text("Почему нужна, хотя действующие системы автоматизируют те же процессы", multiline=True)
    processes = fields.List(Int(), load_default=list, metadata={"label": "Автоматизируемые процессы"})
    datasets = fields.List(fields.Nested(RequestDatasetSchema), load_default=list)


class ConclusionSchema(CatalogSchema):
    conclusion = choice("Заключение", enums.Conclusion, required=True)
    reasons = text("Обоснование", required=True, multiline=True)
    overlap_answer = text("Ответ на пересечение с действующими системами", multiline=True)
    overlap_accepted = fields.Boolean(load_default=False, metadata={
        "label": "Процессный офис принимает объяснение пересечения (пересечение перестаёт блокировать)"})
    version = Int(allow_none=True, metadata={"label": "Версия"})


class DecisionSchema(CatalogSchema):
    decision = choice("Решение", enums.Decision, required=True)
    reasons = text("Обоснование", multiline=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})
