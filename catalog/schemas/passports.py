"""Process passports."""
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


class PassportDataSchema(CatalogSchema):
    key = text("Ключ", required=True, max_length=100)
    name = text("Наименование данных", required=True, max_length=1000)
    role = choice("Роль в модели данных", enums.DataRole, required=True)
    ref_kind = fields.String(allow_none=True, validate=validate.OneOf(
        ["datasets", "entities", "attributes", "document-types"],
        error="Допустимо: datasets, entities, attributes, document-types."),
        metadata={"label": "Вид записи каталога"})
    ref_id = Int(allow_none=True, metadata={"label": "Запись каталога"})


class PassportStepSchema(CatalogSchema):
    key = text("Ключ шага", max_length=100)
    name = text("Наименование шага", required=True, max_length=1000)
    performer_position = text("Должность исполнителя", max_length=300)
    performer_unit = text("Подразделение исполнителя", max_length=300)
    duration_minutes = fields.Float(load_default=0, validate=non_negative("Длительность"),
                                    metadata={"label": "Длительность, мин"})
    waiting_minutes = fields.Float(load_default=0, validate=non_negative("Ожидание"),
                                   metadata={"label": "Ожидание, мин"})
    times_per_year = Int(load_default=0, validate=non_negative("Количество в год"),
                                    metadata={"label": "Раз в год"})
    is_automated = fields.Boolean(load_default=False, metadata={"label": "Автоматизирован"})
    system_id = ref("Информационная система", "systems")
    position_id = Int(allow_none=True, metadata={"label": "Должность (справочник калькулятора)"})
    consumes = fields.List(fields.String(), load_default=list, metadata={"label": "Потребляет (ключи данных)"})
    produces = fields.List(fields.String(), load_default=list, metadata={"label": "Производит (ключи данных)"})


class PassportFlowSchema(CatalogSchema):
    source_key = text("Откуда", required=True, max_length=100)
    target_key = text("Куда", required=True, max_length=100)
    name = text("Условие", max_length=500)


class PassportResourceSchema(CatalogSchema):
    kind = choice("Вид ресурса", enums.ResourceKind, required=True)
    name = text("Наименование ресурса", required=True, max_length=500)
    unit_cost = fields.Float(required=True, validate=non_negative("Стоимость единицы"),
                             metadata={"label": "Стоимость единицы, руб."})
    quantity = fields.Float(load_default=1, validate=non_negative("Количество"), metadata={"label": "Количество"})
    per = choice("Расход", enums.ResourcePer, required=True)


class PassportSchema(CatalogSchema):
    """A passport variant's content, written whole: its data model, steps, flows and resources."""

    version = Int(metadata={"label": "Версия"})
    description = text("Описание варианта", multiline=True)
    instances_per_year = Int(allow_none=True, validate=non_negative("Экземпляров в год"),
                                        metadata={"label": "Экземпляров процесса в год"})
    resources = fields.List(fields.Nested(PassportResourceSchema), load_default=list)
    data = fields.List(fields.Nested(PassportDataSchema), load_default=list)
    steps = fields.List(fields.Nested(PassportStepSchema), load_default=list)
    flows = fields.List(fields.Nested(PassportFlowSchema), load_default=list)
