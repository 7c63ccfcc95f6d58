"""E-mail notification preferences and the inbox (issue 16)."""
from __future__ import annotations

from marshmallow import Schema, fields

from catalog.schemas.base import CatalogSchema


class PreferencesSchema(CatalogSchema):
    """Which e-mails a person gets, and where."""

    email = fields.Email(allow_none=True, load_default=None, metadata={"label": "Адрес электронной почты"},
                         error_messages={"invalid": "Неверный адрес электронной почты."})
    new_item = fields.Boolean(load_default=False, metadata={"label": "Новая задача во входящих"})
    due_tomorrow = fields.Boolean(load_default=False, metadata={"label": "Завтра истекает срок"})
    overdue = fields.Boolean(load_default=False, metadata={"label": "Срок истёк"})
    digest = fields.Boolean(load_default=False, metadata={"label": "Ежедневная сводка входящих"})


class InboxItemSchema(Schema):
    """One item of an inbox: what waits, by when, in which agency."""

    kind = fields.String(required=True, metadata={"description": "Что ждёт (по-русски)"})
    title = fields.String(required=True, metadata={"description": "Запись"})
    url = fields.String(required=True, metadata={"description": "Адрес страницы записи на сайте"})
    due = fields.Date(allow_none=True, metadata={"description": "Срок"})
    days_left = fields.Integer(allow_none=True, metadata={"description": "Рабочих дней до срока (меньше нуля — просрочено)"})
    due_text = fields.String(metadata={"description": "Срок словами"})
    overdue = fields.Boolean(required=True, metadata={"description": "Срок истёк"})
    agency_id = fields.Integer(allow_none=True, metadata={"description": "Орган"})
    agency = fields.String(metadata={"description": "Орган (наименование; в сводке)"})
    waits_for = fields.List(fields.String(), metadata={"description": "Кто отвечает (в сводке)"})


class InboxSchema(Schema):
    count = fields.Integer(required=True, metadata={"description": "Сколько задач"})
    overdue = fields.Integer(required=True, metadata={"description": "Сколько из них просрочено"})
    items = fields.List(fields.Nested(InboxItemSchema), required=True)
