"""The cost calculator's positions."""
from __future__ import annotations

from marshmallow import fields, validate

from catalog.schemas.base import ref, text
from catalog.schemas.records import RecordSchema


class PositionSchema(RecordSchema):
    name = text("Должность", required=True, max_length=300)
    agency_id = ref("Орган (своя таблица окладов; пусто — областная)", "agencies")
    monthly_pay = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False, error="Оклад должен быть больше нуля."),
                               metadata={"label": "Денежное содержание в месяц, руб."})
    payroll_coefficient = fields.Float(load_default=1.302, validate=validate.Range(min=1, max=3, error="Коэффициент от 1 до 3."),
                                       metadata={"label": "Коэффициент начислений на оплату труда"})
    annual_hours = fields.Float(load_default=1973, validate=validate.Range(min=1, max=8784, error="Фонд от 1 до 8784 часов."),
                                metadata={"label": "Фонд рабочего времени в год, ч"})
