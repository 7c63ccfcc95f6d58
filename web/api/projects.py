"""Optimisation projects: initiation, the office's answer, the order, the analysis, the roadmap with its
visas, measures, KPI measurements and deviation requests."""
from __future__ import annotations

from datetime import date

from flask import current_app, jsonify, request
from marshmallow import fields

from catalog import enums, schemas
from catalog.errors import InvalidInput
from catalog.schemas import ChangeEventSchema
from catalog.services import calendar, entry_dates, projects
from web import context
from web.api.base import Blueprint, QueryArgs, bounded
from web.pages.projects import project_dates
from web.api.records import EventList
from web.inputs import change_version, json_body, versioned_body
from web.pages.projects import _iso

blp = Blueprint("projects_api", __name__, tag="Оптимизация процессов")
PROJECT = "Проект: этапы с датами, заявка, акт, анализ, дорожная карта, КПЭ"


class ProjectArgs(QueryArgs):
    agency_id = bounded(None, load_default=None, metadata={"description": "Орган (номер)"})
    process_id = bounded(None, load_default=None, metadata={"description": "Процесс (номер)"})
    stage = fields.String(load_default=None, metadata={"enum": enums.ProjectStage.values(), "description": "Этап"})


VISA = {"type": "object", "properties": {
    "date": {"type": "string", "format": "date", "description": "Дата визы; без неё — сегодня"},
    "late_reason": {"type": "string", "description": "Причина, если дата раньше сегодняшней больше допуска "
                                                      "(CATALOG_BACKDATE_DAYS)"},
    "version": {"type": "integer"}}}


def _entry(given, entered_at, reason=None) -> dict:
    return entry_dates.as_json(current_app.config["CATALOG"], given, entered_at, reason)


def project_json(project, work_calendar=None) -> dict:
    settings = current_app.config["CATALOG"]
    application = projects.application_state(project, settings=settings)
    reasons = project.late_reasons or {}
    return {
        "id": project.id, "version": project.version, "process_id": project.process_id,
        "process_name": project.process.name, "agency_id": project.process.agency_id,
        "ground": project.ground, "ground_label": enums.ProjectGround.label_of(project.ground),
        "ground_details": project.ground_details, "initiated_on": _iso(project.initiated_on),
        "with_office": project.with_office, "stage": projects.current_stage(project),
        "stages": [{**s, "start": _iso(s["start"]), "end": _iso(s["end"])}
                   for s in projects.stages(project, work_calendar=work_calendar)],
        "end": _iso(projects.project_end(project)),
        # Issue 16: working days over a year without a loaded production calendar are a guess; say so.
        "calendar_warning": calendar.warning_for_dates(work_calendar, project_dates(project)) if work_calendar else None,
        "application": {
            "submitted_on": _iso(project.application_submitted_on), "due_on": _iso(project.application_due_on),
            "decision": project.application_decision, "answered_on": _iso(project.application_answered_on),
            "answered_by": project.application_answered_by, "office_members": project.office_members,
            "suggested_start": _iso(project.suggested_start), "suggested_end": _iso(project.suggested_end),
            "training": project.training, "refusal_reason": project.refusal_reason,
            "late": application["late"], "overdue": application["overdue"],
            "submitted": _entry(project.application_submitted_on, project.application_submitted_entered_at,
                                reasons.get("application_submitted_on")),
            "answered": _entry(project.application_answered_on, project.application_answered_entered_at,
                               reasons.get("application_answered_on")),
        } if application["required"] else None,
        "order": {"order_number": project.order_number, "order_date": _iso(project.order_date),
                  "start_date": _iso(project.start_date), "end_date": _iso(project.end_date),
                  "team": project.team, "tasks": project.tasks},
        "analysis": {"problem": project.problem, "goals": project.goals, "losses": project.losses,
                     "root_causes": project.root_causes, "best_practices": project.best_practices},
        "roadmap": {
            "authors": project.roadmap_authors, "agreed_by": project.agreed_by, "agreed_on": _iso(project.agreed_on),
            "approved_by": project.approved_by, "approved_on": _iso(project.approved_on),
            "agreed": _entry(project.agreed_on, project.agreed_entered_at, reasons.get("agreed_on")),
            "approved": _entry(project.approved_on, project.approved_entered_at, reasons.get("approved_on")),
            "measures": [{"id": m.id, **{f: _iso(getattr(m, f)) for f in projects.MEASURE_FIELDS},
                          "overdue": projects.measure_overdue(m)} for m in project.measures],
        },
        "kpis": [{"id": k.id, **{f: getattr(k, f) for f in projects.KPI_FIELDS},
                  "measurements": [{"id": x.id, "measured_on": _iso(x.measured_on), "value": x.value,
                                    "deviates": x.deviates, "note": x.note, "recorded_by": x.recorded_by,
                                    **_entry(x.measured_on, x.entered_at, x.late_reason)}
                                   for x in k.measurements]} for k in project.kpis],
        "deviation_requests": [request_json(r) for r in project.deviation_requests],
    }


def request_json(r) -> dict:
    settings = current_app.config["CATALOG"]
    reasons = r.late_reasons or {}
    return {"id": r.id, "kpi_id": r.kpi_id, "measurement_id": r.measurement_id, "opened_on": _iso(r.opened_on),
            "due_on": _iso(r.due_on), "state": r.state, "reasons": r.reasons,
            "corrective_measures": r.corrective_measures, "answered_on": _iso(r.answered_on),
            "answered_by": r.answered_by, "overdue": projects.request_overdue(r, settings=settings),
            "assessment": r.assessment, "assessed_on": _iso(r.assessed_on), "assessed_by": r.assessed_by,
            "answered": _entry(r.answered_on, r.answered_entered_at, reasons.get("answered_on")),
            "assessed": _entry(r.assessed_on, r.assessed_entered_at, reasons.get("assessed_on"))}




@blp.get("/projects")
@blp.query(ProjectArgs)
@blp.response(200, description="Проекты (items)")
@blp.doc(summary="Проекты оптимизации")
def list_view(args):
    found = projects.list_projects(context(), agency_id=args["agency_id"], stage=args["stage"],
                                   process_id=args["process_id"])
    return jsonify(items=[project_json(p) for p in found])


@blp.post("/projects")
@blp.body(schemas.ProjectCreateSchema)
@blp.response(201, description=PROJECT)
@blp.doc(summary="Инициировать оптимизацию (п. 4.2)")
def create_view():
    return jsonify(project_json(projects.create_project(context(), json_body()))), 201


@blp.get("/projects/<int:project_id>")
@blp.response(200, description=PROJECT)
@blp.doc(summary="Проект")
def get_view(project_id):
    ctx = context()
    return jsonify(project_json(projects.get_project(ctx, project_id), calendar.load(ctx)))


@blp.get("/projects/<int:project_id>/history")
@blp.response(200, EventList, description="События")
@blp.doc(summary="История изменений проекта")
def history_view(project_id):
    return jsonify(items=ChangeEventSchema(many=True).dump(projects.project_history(context(), project_id)))


class VersionArgs(QueryArgs):
    version = fields.Integer(load_default=None, metadata={"description": "Версия, которую вы читали (или If-Match)"})


@blp.delete("/projects/<int:project_id>")
@blp.query(VersionArgs)
@blp.response(200, description=PROJECT)
@blp.doc(summary="Удалить (мягко; после утверждения дорожной карты — только администратор)")
def delete_view(_args, project_id):
    return jsonify(project_json(projects.delete_project(context(), project_id, change_version(required=False))))


def _change(path: str, method: str, schema, summary: str, service):
    """A versioned change of one part of the project by its schema: the project as it is after."""

    @blp.route(path, methods=[method], endpoint=f"{service.__name__}_view")
    @blp.body(schema)
    @blp.response(200, description=PROJECT)
    @blp.doc(summary=summary)
    def view(project_id):
        return jsonify(project_json(service(context(), project_id, versioned_body())))


_change("/projects/<int:project_id>/application/answer", "POST", schemas.ApplicationAnswerSchema,
        "Ответ Процессного офиса на заявку", projects.answer_application)
_change("/projects/<int:project_id>/order", "PUT", schemas.OrderSchema, "Правовой акт об оптимизации",
        projects.save_order)
_change("/projects/<int:project_id>/analysis", "PUT", schemas.AnalysisSchema,
        "Проблема, цели, потери, корневые причины", projects.save_analysis)
_change("/projects/<int:project_id>/roadmap", "PUT", schemas.RoadmapSchema,
        "Дорожная карта целиком: мероприятия и КПЭ", projects.save_roadmap)


def _visa_args() -> tuple[date | None, int | None, str | None]:
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise InvalidInput("Тело запроса должно быть объектом JSON.")
    on = body.get("date")
    try:
        on = date.fromisoformat(on) if on else None
    except (TypeError, ValueError):
        raise InvalidInput("Неверная дата.", {"date": ["Ожидается дата в формате ГГГГ-ММ-ДД."]}) from None
    reason = body.get("late_reason")
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput("Неверная причина.", {"late_reason": ["Ожидается строка."]})
    return on, change_version(required=False), reason


@blp.post("/projects/<int:project_id>/roadmap/agree")
@blp.body(VISA, required=False)
@blp.response(200, description=PROJECT)
@blp.doc(summary="«Согласовано» (Процессный офис)")
def agree_view(project_id):
    on, version, reason = _visa_args()
    return jsonify(project_json(projects.agree_roadmap(context(), project_id, on, version, reason)))


@blp.post("/projects/<int:project_id>/roadmap/approve")
@blp.body(VISA, required=False)
@blp.response(200, description=PROJECT)
@blp.doc(summary="«Утверждаю» (владелец процесса)")
def approve_view(project_id):
    on, version, reason = _visa_args()
    return jsonify(project_json(projects.approve_roadmap(context(), project_id, on, version, reason)))


@blp.patch("/projects/<int:project_id>/measures/<int:measure_id>")
@blp.body(schemas.MeasureProgressSchema)
@blp.response(200, description=PROJECT)
@blp.doc(summary="Ход мероприятия утверждённой дорожной карты")
def measure_view(project_id, measure_id):
    return jsonify(project_json(projects.update_measure(context(), project_id, measure_id, versioned_body())))


@blp.post("/projects/<int:project_id>/kpis/<int:kpi_id>/measurements")
@blp.body(schemas.MeasurementSchema)
@blp.response(201, description="Измерение (id, deviates) и проект")
@blp.doc(summary="Измерение КПЭ; отклонение открывает запрос владельцу")
def measurement_view(project_id, kpi_id):
    ctx = context()
    measurement = projects.add_measurement(ctx, project_id, kpi_id, versioned_body())
    return jsonify({"id": measurement.id, "deviates": measurement.deviates,
                    "project": project_json(projects.get_project(ctx, project_id))}), 201


@blp.post("/projects/<int:project_id>/deviations/<int:request_id>/answer")
@blp.body(schemas.DeviationAnswerSchema)
@blp.response(200, description="Запрос об отклонении")
@blp.doc(summary="Ответ владельца: причины отклонения и мероприятия")
def deviation_view(project_id, request_id):
    return jsonify(request_json(projects.answer_deviation(context(), project_id, request_id, versioned_body())))


@blp.post("/projects/<int:project_id>/deviations/<int:request_id>/assess")
@blp.body(schemas.DeviationAssessmentSchema)
@blp.response(200, description="Запрос об отклонении")
@blp.doc(summary="Оценка предложенных мероприятий Процессным офисом")
def assess_view(project_id, request_id):
    return jsonify(request_json(projects.assess_deviation(context(), project_id, request_id, versioned_body())))
