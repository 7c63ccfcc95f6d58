"""The register's duties (Kemerovo register rules 3, 4 п. 3): officials, agreed versions, the register's
download, late changes, correction notices and the authorised body's control table (pages: web/pages/duties.py)."""
from __future__ import annotations

from datetime import date

from flask import Response, jsonify
from marshmallow import fields

from catalog.errors import BadParameter
from catalog.formatting import parse_date
from catalog.schemas.base import Int
from catalog.services import duties, notices
from web import context
from web.api.base import Blueprint, QueryArgs
from web.inputs import json_body

blp = Blueprint("duties_api", __name__, tag="Реестр органа: ответственные, публикация, уведомления")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"schema": {"type": "string", "format": "binary"}}
REFUSED = {"403": {"description": "Недостаточно прав"}}


def official_json(view: duties.OfficialView) -> dict:
    o = view.official
    return {"id": o.id, "agency_id": o.agency_id, "duty": o.duty, "duty_label": view.label,
            "person_id": o.person_id, "person": o.person.full_name, "position": o.person.position,
            "since": o.since.isoformat(), "until": o.until.isoformat() if o.until else None,
            "entered_at": o.entered_at.isoformat(), "report_due_on": view.due_on.isoformat() if view.due_on else None,
            "reported_late": view.late, "calendar_warning": view.warning}


def version_json(ctx, version) -> dict:
    def person(p):
        return {"id": p.id, "full_name": p.full_name, "position": p.position} if p is not None else None

    return {"agency_id": version.agency_id, "number": version.number, "agreed_at": version.agreed_at.isoformat(),
            "agreed_on": duties.entered_on(ctx, version.agreed_at).isoformat(), "agreed_by": person(version.agreed_by),
            "filled_by": person(version.filled_by), "process_count": version.process_count}


def notice_json(view: notices.NoticeView) -> dict:
    from catalog.services.users import display_names

    n = view.notice
    names = display_names(context(), [n.author_name, *(e.actor_name for e in n.events)])
    return {"id": n.id, "agency_id": n.agency_id, "state": n.state, "state_label": view.state_label,
            "reason": n.reason, "items": n.items, "author": names.get(n.author_name, n.author_name), "written_at": n.written_at.isoformat(),
            "due_on": n.due_on.isoformat(), "overdue": view.overdue, "calendar_warning": view.warning,
            "version": n.version,
            "history": [{"action": e.action, "label": notices.ACTIONS.get(e.action, e.action), "at": e.at.isoformat(),
                         "actor": names.get(e.actor_name, e.actor_name), "text": e.text} for e in n.events]}


def timing_json(t: duties.ChangeTiming) -> dict:
    return {"event_id": t.event.id, "agency_id": t.event.register_agency_id, "record_kind": t.event.record_kind,
            "record_id": t.event.record_id, "action": t.event.action, "arose_on": t.arose_on.isoformat(),
            "entered_on": t.entered_on.isoformat(), "due_on": t.due_on.isoformat(), "late": t.late,
            "calendar_warning": t.warning}


@blp.get("/agencies/<int:agency_id>/register")
@blp.doc(summary="Текущий реестр органа в Excel (макет правил ведения реестра, 2.1): редакторам органа и "
                 "уполномоченному органу", responses={"200": {"description": "Книга Excel", "content": {XLSX: BINARY}},
                                                      **REFUSED})
def register_view(agency_id):
    body = duties.current_xlsx(context(), agency_id)
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="register-{agency_id}.xlsx"'})


@blp.get("/agencies/<int:agency_id>/register/published")
@blp.response(200, description="Опубликованная (согласованная) версия")
@blp.doc(summary="Согласованная версия реестра органа: дата, ответственные, число процессов")
def published_view(agency_id):
    ctx = context()
    return jsonify(version_json(ctx, duties.get_published(ctx, agency_id)))


@blp.get("/agencies/<int:agency_id>/officials")
@blp.response(200, description="Ответственные (items), нынешние первыми")
@blp.doc(summary="Ответственные за заполнение и согласование реестра органа")
def officials_view(agency_id):
    ctx = context()
    from catalog.services import permissions

    permissions.require_read(ctx)
    duties._agency(ctx, agency_id)
    return jsonify({"items": [official_json(v) for v in duties.officials(ctx, agency_id)]})


@blp.post("/agencies/<int:agency_id>/officials")
@blp.body({"type": "object", "properties": {"duty": {"type": "string", "enum": ["fill", "agree"]},
                                            "person_id": {"type": "integer"},
                                            "since": {"type": "string", "format": "date"},
                                            "note": {"type": "string"}}, "required": ["duty", "person_id"]})
@blp.response(201, description="Назначение")
@blp.doc(summary="Назначить ответственного (замена предыдущего: сообщить в уполномоченный орган за 3 рабочих дня)")
def appoint_view(agency_id):
    ctx = context()
    body = json_body()
    row = duties.appoint(ctx, agency_id, body.get("duty"), body.get("person_id"), body.get("since"), body.get("note"))
    view = next(v for v in duties.officials(ctx, agency_id) if v.official.id == row.id)
    return jsonify(official_json(view)), 201


@blp.post("/agencies/<int:agency_id>/register/agree")
@blp.response(201, description="Согласованная версия")
@blp.doc(summary="Согласовать реестр органа (ответственный за согласование): он публикуется")
def agree_view(agency_id):
    ctx = context()
    return jsonify(version_json(ctx, duties.agree(ctx, agency_id))), 201


class MonthArgs(QueryArgs):
    month = fields.String(load_default=None, metadata={"description": "Месяц ГГГГ-ММ (по умолчанию текущий)"})
    agency_id = Int(load_default=None, metadata={"description": "Только этот орган"})


def month_of(text: str | None) -> date:
    from catalog.services.history import local_today

    if not text:
        return local_today(context())
    try:
        return parse_date(f"{text}-01")
    except ValueError:
        raise BadParameter("Неверный месяц.", {"month": ["Ожидается месяц ГГГГ-ММ."]}) from None


@blp.get("/registers/late-changes")
@blp.query(MonthArgs)
@blp.response(200, description="Изменения реестров, внесённые позже 10 рабочих дней (items)")
@blp.doc(summary="Изменения реестров, внесённые позже 10 рабочих дней с момента возникновения (3.3)")
def late_view(args):
    ctx = context()
    from catalog.services import permissions

    permissions.require_read(ctx)
    found = duties.late_changes(ctx, [args["agency_id"]] if args["agency_id"] else None, month_of(args["month"]))
    return jsonify({"items": [timing_json(t) for t in found]})


@blp.get("/registers/control")
@blp.query(MonthArgs)
@blp.response(200, description="По органам: опоздавшие изменения, уведомления без ответа, ответственные")
@blp.doc(summary="Контроль ведения реестров за месяц (уполномоченный орган)", responses=REFUSED)
def control_view(args):
    ctx = context()
    rows = duties.control(ctx, month_of(args["month"]))
    return jsonify({"items": [{"agency_id": r["agency"].id, "agency": r["agency"].name,
                               "late_changes": r["late_changes"], "unanswered_notices": r["unanswered_notices"],
                               "overdue_notices": r["overdue_notices"], "vacant": r["vacant"],
                               "published_on": r["published_on"].isoformat() if r["published_on"] else None}
                              for r in rows]})


class NoticeArgs(QueryArgs):
    agency_id = Int(load_default=None, metadata={"description": "Орган"})
    state = fields.String(load_default=None, metadata={"description": "open, answered, closed"})


@blp.get("/notices")
@blp.query(NoticeArgs)
@blp.response(200, description="Уведомления (items), новые первыми")
@blp.doc(summary="Уведомления о корректировке реестров (3.5)")
def notices_view(args):
    found = notices.list_notices(context(), args["agency_id"], args["state"])
    return jsonify({"items": [notice_json(v) for v in found]})


NOTICE_BODY = {"type": "object", "required": ["agency_id", "reason", "items"], "properties": {
    "agency_id": {"type": "integer"}, "reason": {"type": "string"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "process_id": {"type": "integer"}, "fields": {"type": "array", "items": {"type": "string"}}}}}}}
TEXT_BODY = {"type": "object", "properties": {"text": {"type": "string"}, "version": {"type": "integer"}}}


@blp.post("/notices")
@blp.body(NOTICE_BODY)
@blp.response(201, description="Уведомление")
@blp.doc(summary="Направить органу уведомление о корректировке (уполномоченный орган)")
def write_view():
    ctx = context()
    notice = notices.write_notice(ctx, json_body())
    return jsonify(notice_json(notices.describe(ctx, notice))), 201


@blp.get("/notices/<int:notice_id>")
@blp.response(200, description="Уведомление с историей")
@blp.doc(summary="Уведомление о корректировке с историей")
def notice_view(notice_id):
    ctx = context()
    from catalog.services import permissions

    permissions.require_read(ctx)
    return jsonify(notice_json(notices.get_notice(ctx, notice_id)))


def _step(fn, notice_id):
    ctx = context()
    body = json_body()
    notice = fn(ctx, notice_id, body.get("text"), body.get("version"))
    return jsonify(notice_json(notices.describe(ctx, notice)))


@blp.post("/notices/<int:notice_id>/answer")
@blp.body(TEXT_BODY)
@blp.response(200, description="Уведомление")
@blp.doc(summary="Ответ органа: что исправлено")
def answer_view(notice_id):
    return _step(notices.answer_notice, notice_id)


@blp.post("/notices/<int:notice_id>/return")
@blp.body(TEXT_BODY)
@blp.response(200, description="Уведомление")
@blp.doc(summary="Вернуть органу (автор уведомления)")
def return_view(notice_id):
    return _step(notices.return_notice, notice_id)


@blp.post("/notices/<int:notice_id>/close")
@blp.body(TEXT_BODY)
@blp.response(200, description="Уведомление")
@blp.doc(summary="Закрыть уведомление (автор уведомления)")
def close_view(notice_id):
    return _step(notices.close_notice, notice_id)
