"""The production calendar: days that differ from «Monday to Friday», and working-day arithmetic."""
from __future__ import annotations

from datetime import date

from flask import Response, jsonify
from marshmallow import fields, validate

from catalog import schemas
from catalog.errors import BadParameter
from catalog.schemas.base import Int
from catalog.services import calendar
from web import context
from web.api.base import Blueprint, QueryArgs
from web.inputs import json_body

blp = Blueprint("calendar_api", __name__, tag="Производственный календарь")
DATE = "Ожидается дата в формате ГГГГ-ММ-ДД."


class YearArgs(QueryArgs):
    year = Int(load_default=None, validate=validate.Range(1900, 2200, error="Год от 1900 до 2200."),
               metadata={"description": "Год; с ним — и число рабочих дней года"})


class WorkingDaysArgs(QueryArgs):
    start = fields.Date(data_key="from", required=True, metadata={"description": "С какой даты (ГГГГ-ММ-ДД)"},
                        error_messages={"required": "Обязательный параметр (ГГГГ-ММ-ДД).", "invalid": DATE})
    to = fields.Date(load_default=None, metadata={"description": "По какую дату"}, error_messages={"invalid": DATE})
    days = Int(load_default=None, metadata={"description": "Сколько рабочих дней прибавить"})


def _day_json(d) -> dict:
    return {"day": d.day.isoformat(), "kind": d.kind, "note": d.note}


@blp.get("/calendar")
@blp.query(YearArgs)
@blp.response(200, description="Дни, годы с данными, число рабочих дней года")
@blp.doc(summary="Дни, отличающиеся от правила «пн–пт»")
def calendar_view(args):
    ctx = context()
    year = args["year"]
    body = {"items": [_day_json(d) for d in calendar.list_days(ctx, year)], "years": calendar.years(ctx)}
    if year is not None:
        counted = calendar.working_days_between_reckoned(ctx, date(year - 1, 12, 31), date(year, 12, 31))
        body.update(working_days=counted.value, **counted.as_json())
    return jsonify(body)


@blp.get("/calendar/working-days")
@blp.query(WorkingDaysArgs)
@blp.response(200, description="Ответ: date или working_days")
@blp.doc(summary="Дата через days рабочих дней после from, или число рабочих дней от from до to")
def working_days_view(args):
    ctx = context()
    start = args["start"]
    # calendar_not_loaded / calendar_warning: the years counted on the Labour Code holidays only.
    if args["to"] is not None:
        counted = calendar.working_days_between_reckoned(ctx, start, args["to"])
        return jsonify({"from": start.isoformat(), "to": args["to"].isoformat(),
                        "working_days": counted.value, **counted.as_json()})
    if args["days"] is None:
        raise BadParameter("Укажите days или to.", {"days": ["Сколько рабочих дней прибавить."]})
    found = calendar.add_working_days_reckoned(ctx, start, args["days"])
    return jsonify({"from": start.isoformat(), "days": args["days"], "date": found.value.isoformat(),
                    **found.as_json()})


def _day(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise BadParameter("Неверная дата.", {"day": [DATE]}) from None


@blp.put("/calendar/<day>")
@blp.body(schemas.CalendarDaySchema)
@blp.response(200, description="День")
@blp.doc(summary="Отметить день: holiday или workday", parameters=[
    {"in": "path", "name": "day", "required": True, "schema": {"type": "string", "format": "date"}}])
def calendar_set_view(day):
    return jsonify(_day_json(calendar.set_day(context(), {**json_body(), "day": day})))


@blp.delete("/calendar/<day>")
@blp.response(204, description="Снята")
@blp.doc(summary="Снять отметку дня", parameters=[
    {"in": "path", "name": "day", "required": True, "schema": {"type": "string", "format": "date"}}])
def calendar_clear_view(day):
    calendar.clear_day(context(), _day(day))
    return Response(status=204)
