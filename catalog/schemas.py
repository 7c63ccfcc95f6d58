"""Marshmallow schemas: the one validation of every input, from the API and from forms.

Messages are in Russian because the same errors are shown on pages. Field
metadata drives the generated forms and filters:
``label`` (Russian), ``ref`` (resource name a foreign key points to),
``choices`` (a LabeledEnum), ``multiline`` and ``filter`` (usable as a list filter).
"""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from catalog import enums
from catalog.errors import BadParameter

REQUIRED = "Обязательное поле не заполнено."

RU_MESSAGES = {
    fields.Field: {
        "required": REQUIRED,
        "null": "Поле не может быть пустым.",
        "validator_failed": "Недопустимое значение.",
    },
    fields.String: {"invalid": "Ожидается строка."},
    fields.Integer: {"invalid": "Ожидается целое число.", "too_large": "Слишком большое число."},
    fields.Float: {"invalid": "Ожидается число.", "special": "Недопустимое число."},
    fields.Boolean: {"invalid": "Ожидается «да» или «нет»."},
    fields.Date: {"invalid": "Ожидается дата в формате ГГГГ-ММ-ДД.", "format": "Неверный формат даты."},
    fields.List: {"invalid": "Ожидается список."},
    fields.Dict: {"invalid": "Ожидается объект."},
    fields.Nested: {"type": "Ожидается объект."},
}
for _field_class, _messages in RU_MESSAGES.items():
    _field_class.default_error_messages = {**_field_class.default_error_messages, **_messages}


# Every integer the catalogue reads fits its INTEGER columns: 64-bit on SQLite but 32-bit on PostgreSQL, so
# the common range. Ids, versions and counts are far below it.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class Int(fields.Integer):
    """An integer the store can hold (``INT_MIN``…``INT_MAX``): a larger one is a named 422, never a database error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.insert(0, validate.Range(min=INT_MIN, max=INT_MAX, error="Число вне допустимого диапазона."))


def parse_int(raw, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A query parameter (or another value from outside) as a bounded integer; BadParameter names it."""
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise BadParameter("Неверный параметр запроса.", {name: ["Ожидается целое число."]}) from None
    low = INT_MIN if minimum is None else max(minimum, INT_MIN)
    high = INT_MAX if maximum is None else min(maximum, INT_MAX)
    if not low <= value <= high:
        bound = (f"от {low} до {high}" if maximum is not None else f"не меньше {low}") if minimum is not None \
            else f"не больше {high}"
        raise BadParameter("Неверный параметр запроса.", {name: [f"Допустимо {bound}."]})
    return value


def rfc3339(value: datetime | None) -> str | None:
    """A stored timestamp as RFC 3339 with its zone; older SQLite rows come back naive and are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


class DateTime(fields.DateTime):
    """Timestamps in answers: always RFC 3339 with a zone (see ``rfc3339``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return rfc3339(value)


class CatalogSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Неизвестное поле.",
        "type": "Ожидается объект JSON.",
    }


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class Text(fields.String):
    """A string that is stripped; an empty string is treated as no value."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:  # PostgreSQL text cannot hold NUL; a form may still send one
            raise ValidationError("Недопустимый символ NUL.")
        value = _strip(value)
        if value == "":
            if self.required:
                raise self.make_error("required")
            return None
        return value


def _required_messages(required: bool) -> dict:
    # An empty form field arrives as null: for a required field say it is missing.
    return {"null": REQUIRED} if required else {}


class MaxLength(validate.Length):
    """Length limit that lets an emptied (None) value through to the required check."""

    def __call__(self, value):
        return value if value is None else super().__call__(value)


def text(label: str, *, required: bool = False, max_length: int | None = None, **meta):
    validators = [MaxLength(max=max_length, error=f"Не длиннее {max_length} символов.")] if max_length else []
    return Text(
        required=required,
        allow_none=not required,
        validate=validators,
        metadata={"label": label, **meta},
    )


def choice(label: str, enum: type[enums.LabeledEnum], *, required: bool = False, **meta):
    return fields.String(
        required=required,
        allow_none=not required,
        validate=validate.OneOf(enum.values(), error="Допустимые значения: " + ", ".join(f"{v} ({enum.label_of(v)})" for v in enum.values()) + "."),
        error_messages=_required_messages(required),
        metadata={"label": label, "choices": enum, "filter": True, **meta},
    )


def ref(label: str, resource: str, *, required: bool = False, **meta):
    return Int(
        required=required,
        allow_none=not required,
        strict=False,
        error_messages=_required_messages(required),
        metadata={"label": label, "ref": resource, "filter": True, **meta},
    )


def flag(label: str, **meta):
    return fields.Boolean(load_default=None, metadata={"label": label, "filter": True, **meta})


def percent(label: str):
    return fields.Float(
        allow_none=True,
        validate=validate.Range(min=0, max=100, error="Значение от 0 до 100."),
        metadata={"label": label, "unit": "%"},
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


class LifeSituationSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование", required=True, max_length=500)
    description = text("Описание", multiline=True)


class ServiceSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование услуги, функции, сервиса", required=True, max_length=1000)
    kind = choice("Вид", enums.ServiceKind, required=True)
    is_mszu = flag("Массовая социально значимая услуга (МСЗУ)")
    agency_id = ref("Орган, предоставляющий услугу", "agencies")
    description = text("Описание", multiline=True)


class RegulatoryActSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование акта", required=True, max_length=1000)
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
    name = text("Наименование типового процесса", required=True, max_length=1000)
    group_id = ref("Группа процессов", "process-groups")
    description = text("Описание", multiline=True)


class ProcessSchema(RecordSchema):
    """Kemerovo register 2.1; starred fields are required."""

    agency_id = ref("Орган — владелец процесса", "agencies", required=True)
    registry_id = text("Идентификатор процесса", required=True, max_length=100)
    service_id = ref("Услуга, функция, сервис", "services", required=True)
    name = text("Название процесса", required=True, max_length=1000)
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
        fields.String(validate=validate.OneOf(enums.Channel.values(), error="Допустимые точки размещения: epgu, rpgu, agency_site.")),
        allow_none=True,
        metadata={"label": "Точка размещения в цифровом виде", "choices": enums.Channel},
    )
    description = text("Описание", multiline=True)


class DatasetSchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование набора данных", required=True, max_length=1000)
    owner_agency_id = ref("Обладатель данных", "agencies")
    update_frequency = choice("Периодичность обновления", enums.Frequency)
    contains_personal_data = flag("Содержит персональные данные")
    description = text("Описание", multiline=True)


class EntitySchema(RecordSchema):
    code = text("Код", max_length=64)
    name = text("Наименование сущности", required=True, max_length=500)
    dataset_id = ref("Набор данных", "datasets", required=True)
    description = text("Описание", multiline=True)


class AttributeSchema(RecordSchema):
    entity_id = ref("Сущность", "entities", required=True)
    code = text("Код", max_length=200)
    name = text("Наименование атрибута", required=True, max_length=500)
    data_type = choice("Тип данных", enums.DataType, required=True)
    is_key = flag("Ключевой")
    is_required = flag("Обязательный")
    description = text("Описание", multiline=True)


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
    completeness = percent("Полнота")
    accuracy = percent("Достоверность")
    timeliness = percent("Актуальность")
    quality_responsible_id = ref("Ответственный за качество данных", "people")
    quality_checked_on = fields.Date(allow_none=True, metadata={"label": "Дата последней проверки качества"})


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


class ChangeEventSchema(CatalogSchema):
    id = Int()
    occurred_at = DateTime()
    actor_name = fields.String()
    record_kind = fields.String()
    record_id = Int()
    action = fields.String()
    version = Int()
    changes = fields.Dict()


def _non_negative(label: str):
    return validate.Range(min=0, error=f"{label}: не может быть отрицательным.")


class PassportDataSchema(CatalogSchema):
    key = text("Ключ", required=True, max_length=100)
    name = text("Наименование данных", required=True, max_length=1000)
    role = choice("Роль в модели данных", enums.DataRole, required=True)
    ref_kind = fields.String(allow_none=True, validate=validate.OneOf(
        ["datasets", "entities", "document-types"], error="Допустимо: datasets, entities, document-types."),
        metadata={"label": "Вид записи каталога"})
    ref_id = Int(allow_none=True, metadata={"label": "Запись каталога"})


class PassportStepSchema(CatalogSchema):
    key = text("Ключ шага", max_length=100)
    name = text("Наименование шага", required=True, max_length=1000)
    performer_position = text("Должность исполнителя", max_length=300)
    performer_unit = text("Подразделение исполнителя", max_length=300)
    duration_minutes = fields.Float(load_default=0, validate=_non_negative("Длительность"),
                                    metadata={"label": "Длительность, мин"})
    waiting_minutes = fields.Float(load_default=0, validate=_non_negative("Ожидание"),
                                   metadata={"label": "Ожидание, мин"})
    times_per_year = Int(load_default=0, validate=_non_negative("Количество в год"),
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
    unit_cost = fields.Float(required=True, validate=_non_negative("Стоимость единицы"),
                             metadata={"label": "Стоимость единицы, руб."})
    quantity = fields.Float(load_default=1, validate=_non_negative("Количество"), metadata={"label": "Количество"})
    per = choice("Расход", enums.ResourcePer, required=True)


class PassportSchema(CatalogSchema):
    """A passport variant's content, written whole: its data model, steps, flows and resources."""

    version = Int(metadata={"label": "Версия"})
    description = text("Описание варианта", multiline=True)
    instances_per_year = Int(allow_none=True, validate=_non_negative("Экземпляров в год"),
                                        metadata={"label": "Экземпляров процесса в год"})
    resources = fields.List(fields.Nested(PassportResourceSchema), load_default=list)
    data = fields.List(fields.Nested(PassportDataSchema), load_default=list)
    steps = fields.List(fields.Nested(PassportStepSchema), load_default=list)
    flows = fields.List(fields.Nested(PassportFlowSchema), load_default=list)


class PositionSchema(RecordSchema):
    name = text("Должность", required=True, max_length=300)
    monthly_pay = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False, error="Оклад должен быть больше нуля."),
                               metadata={"label": "Денежное содержание в месяц, руб."})
    payroll_coefficient = fields.Float(load_default=1.302, validate=validate.Range(min=1, max=3, error="Коэффициент от 1 до 3."),
                                       metadata={"label": "Коэффициент начислений на оплату труда"})
    annual_hours = fields.Float(load_default=1973, validate=validate.Range(min=1, max=8784, error="Фонд от 1 до 8784 часов."),
                                metadata={"label": "Фонд рабочего времени в год, ч"})


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
    estimated_cost = fields.Float(allow_none=True, validate=_non_negative("Стоимость"),
                                  metadata={"label": "Оценка стоимости, руб."})
    expected_value = text("Ценность для граждан и организаций", multiline=True)
    overlap_explanation = text("Почему нужна, хотя действующие системы автоматизируют те же процессы", multiline=True)
    processes = fields.List(Int(), load_default=list, metadata={"label": "Автоматизируемые процессы"})
    datasets = fields.List(fields.Nested(RequestDatasetSchema), load_default=list)


class ConclusionSchema(CatalogSchema):
    conclusion = choice("Заключение", enums.Conclusion, required=True)
    reasons = text("Обоснование", required=True, multiline=True)
    overlap_answer = text("Ответ на пересечение с действующими системами", multiline=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})


class DecisionSchema(CatalogSchema):
    decision = choice("Решение", enums.Decision, required=True)
    reasons = text("Обоснование", multiline=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})


def validation_messages(error: ValidationError) -> dict:
    """Flatten marshmallow messages to {field: [messages]} (nested keys joined by dots)."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out.setdefault(prefix or "_schema", []).extend(value)
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    walk("", error.messages)
    return out



# --- the production calendar and optimisation projects


class CalendarDaySchema(CatalogSchema):
    day = fields.Date(required=True, error_messages=_required_messages(True), metadata={"label": "Дата"})
    kind = choice("Вид дня", enums.DayKind, required=True)
    note = text("Примечание", max_length=300)


def _date(label: str, required: bool = False):
    return fields.Date(required=required, allow_none=not required, error_messages=_required_messages(required),
                       metadata={"label": label})


def _lines(label: str):
    """A list of non-empty strings (a form gives them one per line)."""
    return fields.List(Text(required=True, validate=MaxLength(max=1000, error="Не длиннее 1000 символов.")),
                       load_default=list, metadata={"label": label})


class ProjectCreateSchema(CatalogSchema):
    """Leningrad 4.2: a project starts on one of five grounds."""

    process_id = ref("Процесс", "processes", required=True)
    ground = choice("Основание", enums.ProjectGround, required=True)
    ground_details = text("Реквизиты основания (поручение, акт, заявка)", multiline=True)
    initiated_on = _date("Дата инициирования")
    with_office = fields.Boolean(load_default=None, allow_none=True,
                                 metadata={"label": "С привлечением Процессного офиса"})
    application_submitted_on = _date("Дата поступления заявки в Комитет")


class ApplicationAnswerSchema(CatalogSchema):
    """Leningrad 4.2: acceptance with the office's members, suggested dates and training, or a reasoned refusal."""

    version = Int(allow_none=True, metadata={"label": "Версия"})
    decision = choice("Решение", enums.ApplicationDecision, required=True)
    answered_on = _date("Дата ответа")
    office_members = _lines("Сотрудники Процессного офиса в рабочей группе")
    suggested_start = _date("Рекомендуемая дата начала")
    suggested_end = _date("Рекомендуемая дата окончания")
    training = text("Предложение об обучении участников", multiline=True)
    refusal_reason = text("Мотивы отказа", multiline=True)


class OrderSchema(CatalogSchema):
    """Leningrad 4.3: the legal (local) act on the optimisation."""

    version = Int(allow_none=True, metadata={"label": "Версия"})
    order_number = text("Номер правового акта", max_length=100)
    order_date = _date("Дата правового акта")
    start_date = _date("Дата начала работ", required=True)
    end_date = _date("Дата окончания работ", required=True)
    team = _lines("Состав рабочей группы")
    tasks = _lines("Решаемые задачи")


class LossSchema(CatalogSchema):
    kind = choice("Вид потерь", enums.LossKind, required=True)
    description = text("Описание потерь", required=True, max_length=2000)


class RootCauseSchema(CatalogSchema):
    category = choice("Категория причины (диаграмма Ишикавы)", enums.CauseCategory, required=True)
    description = text("Причина", required=True, max_length=2000)


class AnalysisSchema(CatalogSchema):
    """Leningrad 5.3–5.4: problem, goals, losses, root causes, best practices."""

    version = Int(allow_none=True, metadata={"label": "Версия"})
    problem = text("Проблема процесса", multiline=True)
    goals = text("Цели оптимизации", multiline=True)
    losses = fields.List(fields.Nested(LossSchema), load_default=list, metadata={"label": "Потери"})
    root_causes = fields.List(fields.Nested(RootCauseSchema), load_default=list, metadata={"label": "Корневые причины"})
    best_practices = text("Лучшие практики", multiline=True)


class MeasureSchema(CatalogSchema):
    """A roadmap measure (Leningrad 4.3)."""

    name = text("Оптимизационное решение", required=True, max_length=1000)
    planned_start = _date("Плановая дата начала", required=True)
    planned_end = _date("Плановая дата окончания", required=True)
    result = text("Результат", required=True, multiline=True)
    responsible = text("Ответственный", required=True, max_length=300)
    status = fields.String(load_default="planned", validate=validate.OneOf(
        enums.MeasureStatus.values(), error="Допустимые значения: " + ", ".join(enums.MeasureStatus.values()) + "."),
        metadata={"label": "Состояние", "choices": enums.MeasureStatus})
    actual_start = _date("Фактическая дата начала")
    actual_end = _date("Фактическая дата окончания")


class KpiSchema(CatalogSchema):
    """A key performance indicator (Leningrad 6.3–6.4)."""

    kind = choice("Вид показателя", enums.KpiKind, required=True)
    name = text("Показатель", required=True, max_length=1000)
    unit = text("Единица измерения", required=True, max_length=100)
    baseline = fields.Float(allow_none=True, metadata={"label": "Значение до оптимизации"})
    target = fields.Float(required=True, error_messages=_required_messages(True), metadata={"label": "Целевое значение"})
    direction = fields.String(load_default="at_least", validate=validate.OneOf(
        enums.KpiDirection.values(), error="Допустимо: at_least (не меньше цели), at_most (не больше цели)."),
        metadata={"label": "Цель достигнута, когда значение", "choices": enums.KpiDirection})
    method = Text(required=True, allow_none=False, error_messages={"required": "Укажите методику расчёта показателя.",
                                                                  "null": "Укажите методику расчёта показателя."},
                  metadata={"label": "Методика расчёта", "multiline": True})
    responsible = text("Ответственное должностное лицо", required=True, max_length=300)
    responsible_position = text("Должность ответственного", required=True, max_length=300)
    responsible_level = choice("Уровень должности ответственного", enums.OfficialLevel, required=True)


class RoadmapSchema(CatalogSchema):
    """The roadmap written whole while it is a draft: its measures and KPIs."""

    version = Int(allow_none=True, metadata={"label": "Версия"})
    measures = fields.List(fields.Nested(MeasureSchema), load_default=list)
    kpis = fields.List(fields.Nested(KpiSchema), load_default=list)


class MeasureProgressSchema(CatalogSchema):
    """Implementation of an approved measure: its state and actual dates."""

    status = choice("Состояние", enums.MeasureStatus, required=True)
    actual_start = _date("Фактическая дата начала")
    actual_end = _date("Фактическая дата окончания")
    version = Int(allow_none=True, metadata={"label": "Версия"})


class MeasurementSchema(CatalogSchema):
    measured_on = _date("Дата измерения", required=True)
    value = fields.Float(required=True, error_messages=_required_messages(True), metadata={"label": "Значение"})
    note = text("Комментарий", multiline=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})


class DeviationAnswerSchema(CatalogSchema):
    reasons = text("Причины недостижения целевого значения", required=True, multiline=True)
    corrective_measures = text("Мероприятия по исправлению ситуации", required=True, multiline=True)
    answered_on = _date("Дата ответа")
    version = Int(allow_none=True, metadata={"label": "Версия"})


class DeviationAssessmentSchema(CatalogSchema):
    assessment = text("Оценка предложенных мероприятий", required=True, multiline=True)
    assessed_on = _date("Дата оценки")
    version = Int(allow_none=True, metadata={"label": "Версия"})
