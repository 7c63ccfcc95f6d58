"""The register's records and links."""
from __future__ import annotations

from marshmallow import fields, validate

from catalog import enums
from catalog.models.records import LONG_NAME  # the columns' own length
from catalog.schemas.base import (
    CatalogSchema,
    DateTime,
    Int,
    Text,
    choice,
    flag,
    percent,
    ref,
    text,
)


class RecordSchema(CatalogSchema):
    """Output-only fields every record has."""

    id = Int(dump_only=True)
    version = Int(
        metadata={"label": "Версия", "description": "Версия записи; при изменении передайте ту, которую вы читали."},
    )
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)
    deleted_at = DateTime(dump_only=True, allow_none=True)


class AgencySchema(RecordSchema):
    code = text("Код", required=True, max_length=64)
    name = text("Полное наименование", required=True, max_length=500)
    short_name = text("Краткое наименование", max_length=200)
    kind = choice("Вид", enums.AgencyKind, required=True)
    parent_id = ref("Вышестоящий орган", "agencies")
    website = text("Сайт", max_length=500)
    description = text("Описание", multiline=True)


class PersonSchema(RecordSchema):
    full_name = text("Фамилия, имя, отчество", required=True, max_length=300)
    position = text("Должность", required=True, max_length=300)
    agency_id = ref("Орган", "agencies", required=True)
    unit = text("Подразделение", max_length=300)
    email = Text(allow_none=True, metadata={"label": "Электронная почта"},
                 validate=lambda v: v is None or validate.Email(error="Неверный адрес электронной почты.")(v))
    phone = text("Телефон", max_length=100)
    level = choice("Уровень должности", enums.OfficialLevel)


class LifeSituationSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование", required=True, max_length=500)
    description = text("Описание", multiline=True)


class ServiceSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование услуги, функции, сервиса", required=True, max_length=LONG_NAME)
    kind = choice("Вид", enums.ServiceKind, required=True)
    is_mszu = flag("Массовая социально значимая услуга (МСЗУ)")
    agency_id = ref("Орган, предоставляющий услугу", "agencies")
    description = text("Описание", multiline=True)


class RegulatoryActSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование акта", required=True, max_length=LONG_NAME)
    kind = choice("Вид акта", enums.ActKind, required=True)
    number = text("Номер", max_length=100)
    adopted_on = fields.Date(allow_none=True, metadata={"label": "Дата принятия"})
    issuer = text("Принявший орган", max_length=300)
    url = text("Ссылка на текст", max_length=500)


class ProcessGroupSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование группы", required=True, max_length=500)
    description = text("Описание", multiline=True)


class TypicalProcessSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование типового процесса", required=True, max_length=LONG_NAME)
    group_id = ref("Группа процессов", "process-groups")
    description = text("Описание", multiline=True)


class ProcessSchema(RecordSchema):
    """Kemerovo register 2.1; starred fields are required."""

    agency_id = ref("Орган — владелец процесса", "agencies", required=True)
    registry_id = text("Идентификатор процесса", required=True, max_length=100)
    service_id = ref("Услуга, функция, сервис", "services", required=True)
    name = text("Название процесса", required=True, max_length=LONG_NAME)
    group_id = ref("Группа процессов", "process-groups")
    typical_process_id = ref("Типовой процесс", "typical-processes")
    responsible_id = ref("Ответственный за процесс", "people", required=True)
    status = choice("Статус реинжиниринга", enums.ProcessStatus, required=True)
    status_reason = text(
        "Причина смены статуса", load_only=True, multiline=True,
        description="Обязательна при возврате на более ранний статус.",
    )
    process_type = choice("Межведомственный / внутриведомственный", enums.ProcessType)
    category = choice("Категория процесса", enums.ProcessCategory)
    client = text("Клиент", multiline=True)
    client_value = text("Ценность для клиента", multiline=True)
    inputs = text("Данные на входе", multiline=True)
    outputs = text("Результат на выходе", multiline=True)
    is_digital = flag("Цифровой процесс")
    channels = fields.List(
        fields.String(validate=validate.OneOf(enums.Channel.values(), error="Допустимые точки размещения: " + ", ".join(
            f"{v} ({enums.Channel.label_of(v)})" for v in enums.Channel.values()) + ".")),
        allow_none=True,
        metadata={"label": "Точка размещения в цифровом виде", "choices": enums.Channel},
    )
    description = text("Описание", multiline=True)


class ProcessConsumerSchema(RecordSchema):
    process_id = ref("Процесс", "processes", required=True)
    scope = choice("Вид потребителя", enums.ConsumerScope, required=True)
    agency_id = ref("Орган или учреждение", "agencies")
    unit = text("Подразделение", max_length=300)
    applicant_category = choice("Категория заявителей", enums.ApplicantCategory)
    description = text("Описание", multiline=True)


class DatasetSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование набора данных", required=True, max_length=1000)
    owner_agency_id = ref("Обладатель данных", "agencies")
    update_frequency = choice("Периодичность обновления", enums.Frequency)
    contains_personal_data = flag("Содержит персональные данные")
    description = text("Описание", multiline=True)
    source_ref = text("Источник (база данных, вид сведений)", max_length=1000)
    source_version = text("Версия в источнике", max_length=100)


class EntitySchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование сущности", required=True, max_length=500)
    dataset_id = ref("Набор данных", "datasets", required=True)
    description = text("Описание", multiline=True)
    source_ref = text("Имя в источнике", max_length=1000)
    entity_kind = choice("Чем является в источнике", enums.EntityKind)
    definition = text("Определение представления", multiline=True)


class AttributeSchema(RecordSchema):
    entity_id = ref("Сущность", "entities", required=True)
    code = text("Код", max_length=200)
    name = text("Наименование атрибута", required=True, max_length=500)
    data_type = choice("Тип данных", enums.DataType, required=True)
    is_key = flag("Ключевой")
    is_required = flag("Обязательный")
    description = text("Описание", multiline=True)
    source_type = text("Тип в источнике", max_length=200)
    default_value = text("Значение по умолчанию", multiline=True)
    restrictions = text("Ограничения (длина, шаблон, перечень значений)", multiline=True)
    pd_category = choice("Категория персональных данных (152-ФЗ)", enums.PersonalData)
    pd_suggestion = choice("Предложенная категория персональных данных", enums.PersonalData)
    value_check = choice("Проверка значений атрибута при измерении качества", enums.ValueCheck)
    check_pattern = text("Шаблон значений (регулярное выражение)", max_length=500)


class MetadataFieldSchema(CatalogSchema):
    name = text("Наименование", required=True, max_length=300)
    data_type = choice("Тип данных", enums.DataType, required=True)
    required = fields.Boolean(load_default=False, metadata={"label": "Обязательное"})


class DocumentTypeSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование типа документа", required=True, max_length=500)
    description = text("Описание", multiline=True)
    metadata_fields = fields.List(
        fields.Nested(MetadataFieldSchema), allow_none=True,
        metadata={"label": "Поля метаданных", "nested": True},
    )


class InformationSystemSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование", required=True, max_length=1000)
    short_name = text("Краткое наименование", max_length=200)
    fgis_ki_number = text("Номер паспорта в ФГИС КИ", max_length=100)
    legal_kind = choice("Вид системы", enums.SystemLegalKind, required=True)
    stage = choice("Стадия жизненного цикла", enums.SystemStage, required=True)
    operator_agency_id = ref("Оператор", "agencies")
    url = text("Адрес", max_length=500)
    description = text("Описание", multiline=True)


class DataMartSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование витрины", required=True, max_length=1000)
    kind = choice("Вид витрины", enums.MartKind, required=True)
    owner_agency_id = ref("Обладатель данных", "agencies", required=True)
    host_system_id = ref("Система, в которой размещена", "systems")
    info_kind = text("Вид сведений", max_length=1000)
    description = text("Описание", multiline=True)
    stage = choice("Стадия", enums.MartStage)
    completeness = percent("Полнота")
    accuracy = percent("Достоверность")
    timeliness = percent("Актуальность")
    quality_responsible_id = ref("Ответственный за качество данных", "people")
    quality_checked_on = fields.Date(allow_none=True, metadata={"label": "Дата последней проверки качества"})
    quality_source = text("Источник для измерения качества (имя из настроек)", max_length=200)
    quality_entity_id = ref("Таблица витрины для измерения качества", "entities")
    fresh_column = text("Столбец с датой записи (по нему измеряется свежесть данных)", max_length=200)
    update_period_days = Int(allow_none=True, validate=validate.Range(min=1, error="Не меньше одного дня."),
                             metadata={"label": "Период обновления, дней"})
    quality_threshold = percent("Порог качества, ниже которого нужна проверка")


class LinkSchema(RecordSchema):
    link_type = choice("Тип связи", enums.LinkType, required=True)
    source_kind = text("Вид записи-источника", required=True, max_length=32, filter=True)
    source_id = Int(required=True, metadata={"label": "Запись-источник", "filter": True})
    target_kind = text("Вид записи-цели", required=True, max_length=32, filter=True)
    target_id = Int(required=True, metadata={"label": "Запись-цель", "filter": True})
    transport = choice("Способ передачи данных", enums.Transport)
    frequency = choice("Периодичность", enums.Frequency)
    description = text("Описание", multiline=True)


class StatusTransitionSchema(CatalogSchema):
    id = Int()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    changed_at = DateTime()
    actor_name = fields.String()
    reason = fields.String(allow_none=True)
