"""The production calendar."""
from __future__ import annotations

from marshmallow import fields

from catalog import enums
from catalog.schemas.base import (
    CatalogSchema,
    choice,
    required_messages,
    text,
)


class CalendarDaySchema(CatalogSchema):
    day = fields.Date(required=True, error_messages=required_messages(True), metadata={"label": "Дата"})
    kind = choice("Вид дня", enums.DayKind, required=True)
    note = text("Примечание", max_length=300)
