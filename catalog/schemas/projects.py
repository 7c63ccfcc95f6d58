"""Optimisation projects."""
from __future__ import annotations

from marshmallow import fields, validate

from catalog import enums
from catalog.schemas.base import (
    CatalogSchema,
    Int,
    Text,
    choice,
    date_field,
    lines_field,
    ref,
    required_messages,
    text,
)


class ProjectCreateSchema(CatalogSchema):
    """Leningrad 4.2: a project starts on one of five grounds."""

    process_id = ref("Процесс", "processes", required=True)
    ground = choice("Основание", enums.ProjectGround, required=True)
    ground_details = text("Реквизиты основания (поручение, акт, заявка)", multiline=True)
    initiated_on = date_field("Дата инициирования")
    with_office = fields.Boolean(load_default=None, allow_none=True,
                                 metadata={"label": "С привлечением Процессного офиса"})
    application_submitted_on = date_field("Дата поступления заявки в Комитет")
    late_reason = text("Причина позднего внесения даты", multiline=True)


class ApplicationAnswerSchema(CatalogSchema):
    """Leningrad 4.2: acceptance with the office's members, suggested dates and training, or a reasoned refusal."""

    version = Int(allow_none=True, metadata={"label": "Версия"})
    decision = choice("Решение", enums.ApplicationDecision, required=True)
    answered_on = date_field("Дата ответа")
    late_reason = text("Причина позднего внесения даты", multiline=True)
    office_members = lines_field("Сотрудники Процессного офиса в рабочей группе")
    suggested_start = date_field("Рекомендуемая дата начала")
    suggested_end = date_field("Рекомендуемая дата окончания")
    training = text("Предложение об обучении участников", multiline=True)
    refusal_reason = text("Мотивы отказа", multiline=True)


class OrderSchema(CatalogSchema):
    """Leningrad 4.3: the legal (local) act on the optimisation."""

    version = Int(allow_none=True, metadata={"label": "Версия"})
    order_number = text("Номер правового акта", max_length=100)
    order_date = date_field("Дата правового акта")
    start_date = date_field("Дата начала работ", required=True)
    end_date = date_field("Дата окончания работ", required=True)
    team = lines_field("Состав рабочей группы")
    tasks = lines_field("Решаемые задачи")


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
    planned_start = date_field("Плановая дата начала", required=True)
    planned_end = date_field("Плановая дата окончания", required=True)
    result = text("Результат", required=True, multiline=True)
    responsible = text("Ответственный", required=True, max_length=300)
    status = fields.String(load_default="planned", validate=validate.OneOf(
        enums.MeasureStatus.values(), error="Допустимые значения: " + ", ".join(enums.MeasureStatus.values()) + "."),
        metadata={"label": "Состояние", "choices": enums.MeasureStatus})
    actual_start = date_field("Фактическая дата начала")
    actual_end = date_field("Фактическая дата окончания")


class KpiSchema(CatalogSchema):
    """A key performance indicator (Leningrad 6.3–6.4)."""

    kind = choice("Вид показателя", enums.KpiKind, required=True)
    name = text("Показатель", required=True, max_length=1000)
    unit = text("Единица измерения", required=True, max_length=100)
    baseline = fields.Float(allow_none=True, metadata={"label": "Значение до оптимизации"})
    target = fields.Float(required=True, error_messages=required_messages(True), metadata={"label": "Целевое значение"})
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
    actual_start = date_field("Фактическая дата начала")
    actual_end = date_field("Фактическая дата окончания")
    version = Int(allow_none=True, metadata={"label": "Версия"})


class MeasurementSchema(CatalogSchema):
    measured_on = date_field("Дата измерения", required=True)
    value = fields.Float(required=True, error_messages=required_messages(True), metadata={"label": "Значение"})
    note = text("Комментарий", multiline=True)
    late_reason = text("Причина позднего внесения даты", multiline=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})


class DeviationAnswerSchema(CatalogSchema):
    reasons = text("Причины недостижения целевого значения", required=True, multiline=True)
    corrective_measures = text("Мероприятия по исправлению ситуации", required=True, multiline=True)
    answered_on = date_field("Дата ответа")
    late_reason = text("Причина позднего внесения даты", multiline=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})


class DeviationAssessmentSchema(CatalogSchema):
    assessment = text("Оценка предложенных мероприятий", required=True, multiline=True)
    assessed_on = date_field("Дата оценки")
    late_reason = text("Причина позднего внесения даты", multiline=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})
