"""Optimisation projects and the production calendar: pages and their JSON API, thin over
``catalog.services.projects`` and ``catalog.services.calendar``."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from catalog import enums, formatting, models
from catalog.errors import BadParameter, Conflict, InvalidInput, NotFound
from catalog.services import calendar, projects
from web import context
from web.api import _json_body, json_blueprint
from web.inputs import change_version, date_arg, form_version, int_arg, versioned_body
from web.views_helpers import error_text, form_rows

bp = Blueprint("projects", __name__)
api_bp = json_blueprint("projects_api", __name__)


def _labels() -> tuple[dict, dict]:
    from catalog import schemas

    top: dict[str, str] = {"agreed_on": "Дата согласования", "approved_on": "Дата утверждения",
                           "measures": "Мероприятия", "kpis": "Показатели", "_": "Ошибка"}
    for schema in (schemas.ProjectCreateSchema, schemas.ApplicationAnswerSchema, schemas.OrderSchema,
                   schemas.AnalysisSchema, schemas.MeasurementSchema, schemas.DeviationAnswerSchema,
                   schemas.MeasureProgressSchema, schemas.DeviationAssessmentSchema):
        for name, field in schema().fields.items():
            top.setdefault(name, field.metadata.get("label", name))
    nested = {"measures": ("Мероприятие", schemas.MeasureSchema), "kpis": ("Показатель", schemas.KpiSchema),
              "losses": ("Потери", schemas.LossSchema), "root_causes": ("Причина", schemas.RootCauseSchema)}
    return top, {k: (title, {n: f.metadata.get("label", n) for n, f in schema().fields.items()})
                 for k, (title, schema) in nested.items()}


def field_title(name: str) -> str:
    """«measures.1.planned_end» → «Мероприятие 2: Плановая дата окончания», as a reader of the form sees it."""
    top, nested = _labels()
    parts = name.split(".")
    if len(parts) == 3 and parts[0] in nested and parts[1].isdigit():
        title, fields = nested[parts[0]]
        return f"{title} {int(parts[1]) + 1}: {fields.get(parts[2], parts[2])}"
    return top.get(name, name)


HISTORY_LABELS = {
    "process_id": "процесс", "ground": "основание", "ground_details": "реквизиты основания",
    "initiated_on": "дата инициирования", "with_office": "участие Процессного офиса",
    "application_submitted_on": "поступление заявки", "application_due_on": "срок ответа на заявку",
    "application_decision": "ответ на заявку", "application_answered_on": "дата ответа",
    "application_answered_by": "ответил", "office_members": "сотрудники Процессного офиса",
    "suggested_start": "рекомендуемое начало", "suggested_end": "рекомендуемое окончание",
    "training": "обучение", "refusal_reason": "мотивы отказа", "order_number": "номер акта",
    "order_date": "дата акта", "start_date": "начало работ", "end_date": "окончание работ",
    "team": "рабочая группа", "tasks": "задачи", "problem": "проблема", "goals": "цели", "losses": "потери",
    "root_causes": "корневые причины", "best_practices": "лучшие практики", "measures": "мероприятия",
    "kpis": "показатели", "roadmap_authors": "составители дорожной карты", "agreed_on": "«согласовано»",
    "agreed_by": "согласовал", "approved_on": "«утверждаю»", "approved_by": "утвердил",
    "deviation_requests": "запрос о причинах отклонения", "measurements": "измерение",
    "status": "состояние", "actual_start": "фактическое начало", "actual_end": "фактическое окончание",
}


def change_title(key: str) -> str:
    """A key of a change event in Russian: «kpis.2.measurements» → «показатели № 2: измерение»."""
    parts = key.split(".")
    if len(parts) == 3 and parts[1].isdigit():
        return f"{HISTORY_LABELS.get(parts[0], parts[0])} № {parts[1]}: {HISTORY_LABELS.get(parts[2], parts[2])}"
    if len(parts) == 2 and parts[1].isdigit():
        return f"{HISTORY_LABELS.get(parts[0], parts[0])} № {parts[1]}"
    return HISTORY_LABELS.get(key, key)


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


_date_arg = date_arg


def _int_arg(name: str) -> int | None:
    return int_arg(name, None, minimum=None)


def project_json(project, work_calendar=None) -> dict:
    application = projects.application_state(project)
    return {
        "id": project.id, "version": project.version, "process_id": project.process_id,
        "process_name": project.process.name, "agency_id": project.process.agency_id,
        "ground": project.ground, "ground_label": enums.ProjectGround.label_of(project.ground),
        "ground_details": project.ground_details, "initiated_on": _iso(project.initiated_on),
        "with_office": project.with_office, "stage": projects.current_stage(project),
        "stages": [{**s, "start": _iso(s["start"]), "end": _iso(s["end"])}
                   for s in projects.stages(project, work_calendar=work_calendar)],
        "end": _iso(projects.project_end(project)),
        "application": {
            "submitted_on": _iso(project.application_submitted_on), "due_on": _iso(project.application_due_on),
            "decision": project.application_decision, "answered_on": _iso(project.application_answered_on),
            "answered_by": project.application_answered_by, "office_members": project.office_members,
            "suggested_start": _iso(project.suggested_start), "suggested_end": _iso(project.suggested_end),
            "training": project.training, "refusal_reason": project.refusal_reason,
            "late": application["late"], "overdue": application["overdue"],
        } if application["required"] else None,
        "order": {"order_number": project.order_number, "order_date": _iso(project.order_date),
                  "start_date": _iso(project.start_date), "end_date": _iso(project.end_date),
                  "team": project.team, "tasks": project.tasks},
        "analysis": {"problem": project.problem, "goals": project.goals, "losses": project.losses,
                     "root_causes": project.root_causes, "best_practices": project.best_practices},
        "roadmap": {
            "authors": project.roadmap_authors, "agreed_by": project.agreed_by, "agreed_on": _iso(project.agreed_on),
            "approved_by": project.approved_by, "approved_on": _iso(project.approved_on),
            "measures": [{"id": m.id, **{f: _iso(getattr(m, f)) for f in projects.MEASURE_FIELDS},
                          "overdue": projects.measure_overdue(m)} for m in project.measures],
        },
        "kpis": [{"id": k.id, **{f: getattr(k, f) for f in projects.KPI_FIELDS},
                  "measurements": [{"id": x.id, "measured_on": _iso(x.measured_on), "value": x.value,
                                    "deviates": x.deviates, "note": x.note, "recorded_by": x.recorded_by}
                                   for x in k.measurements]} for k in project.kpis],
        "deviation_requests": [request_json(r) for r in project.deviation_requests],
    }


def request_json(r) -> dict:
    return {"id": r.id, "kpi_id": r.kpi_id, "measurement_id": r.measurement_id, "opened_on": _iso(r.opened_on),
            "due_on": _iso(r.due_on), "state": r.state, "reasons": r.reasons,
            "corrective_measures": r.corrective_measures, "answered_on": _iso(r.answered_on),
            "answered_by": r.answered_by, "overdue": projects.request_overdue(r), "assessment": r.assessment,
            "assessed_on": _iso(r.assessed_on), "assessed_by": r.assessed_by}


# -- API: projects


@api_bp.get("/projects")
def list_view():
    found = projects.list_projects(context(), agency_id=_int_arg("agency_id"), stage=request.args.get("stage") or None,
                                   process_id=_int_arg("process_id"))
    return jsonify(items=[project_json(p) for p in found])


@api_bp.post("/projects")
def create_view():
    return jsonify(project_json(projects.create_project(context(), _json_body()))), 201


@api_bp.get("/projects/<int:project_id>")
def get_view(project_id):
    ctx = context()
    return jsonify(project_json(projects.get_project(ctx, project_id), calendar.load(ctx)))


@api_bp.get("/projects/<int:project_id>/history")
def history_view(project_id):
    from catalog.schemas import ChangeEventSchema

    return jsonify(items=ChangeEventSchema(many=True).dump(projects.project_history(context(), project_id)))


@api_bp.delete("/projects/<int:project_id>")
def delete_view(project_id):
    return jsonify(project_json(projects.delete_project(context(), project_id, change_version(required=False))))


@api_bp.post("/projects/<int:project_id>/application/answer")
def answer_view(project_id):
    return jsonify(project_json(projects.answer_application(context(), project_id, versioned_body())))


@api_bp.put("/projects/<int:project_id>/order")
def order_view(project_id):
    return jsonify(project_json(projects.save_order(context(), project_id, versioned_body())))


@api_bp.put("/projects/<int:project_id>/analysis")
def analysis_view(project_id):
    return jsonify(project_json(projects.save_analysis(context(), project_id, versioned_body())))


@api_bp.put("/projects/<int:project_id>/roadmap")
def roadmap_view(project_id):
    return jsonify(project_json(projects.save_roadmap(context(), project_id, versioned_body())))


def _visa_args() -> tuple[date | None, int | None]:
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise InvalidInput("Тело запроса должно быть объектом JSON.")
    on = body.get("date")
    try:
        on = date.fromisoformat(on) if on else None
    except (TypeError, ValueError):
        raise InvalidInput("Неверная дата.", {"date": ["Ожидается дата в формате ГГГГ-ММ-ДД."]}) from None
    return on, change_version(required=False)


@api_bp.post("/projects/<int:project_id>/roadmap/agree")
def agree_view(project_id):
    on, version = _visa_args()
    return jsonify(project_json(projects.agree_roadmap(context(), project_id, on, version)))


@api_bp.post("/projects/<int:project_id>/roadmap/approve")
def approve_view(project_id):
    on, version = _visa_args()
    return jsonify(project_json(projects.approve_roadmap(context(), project_id, on, version)))


@api_bp.patch("/projects/<int:project_id>/measures/<int:measure_id>")
def measure_view(project_id, measure_id):
    return jsonify(project_json(projects.update_measure(context(), project_id, measure_id, versioned_body())))


@api_bp.post("/projects/<int:project_id>/kpis/<int:kpi_id>/measurements")
def measurement_view(project_id, kpi_id):
    ctx = context()
    measurement = projects.add_measurement(ctx, project_id, kpi_id, versioned_body())
    return jsonify({"id": measurement.id, "deviates": measurement.deviates,
                    "project": project_json(projects.get_project(ctx, project_id))}), 201


@api_bp.post("/projects/<int:project_id>/deviations/<int:request_id>/answer")
def deviation_view(project_id, request_id):
    return jsonify(request_json(projects.answer_deviation(context(), project_id, request_id, versioned_body())))


@api_bp.post("/projects/<int:project_id>/deviations/<int:request_id>/assess")
def assess_view(project_id, request_id):
    return jsonify(request_json(projects.assess_deviation(context(), project_id, request_id, versioned_body())))


# -- API: the production calendar


def _day_json(d) -> dict:
    return {"day": d.day.isoformat(), "kind": d.kind, "note": d.note}


@api_bp.get("/calendar")
def calendar_view():
    ctx = context()
    year = _int_arg("year")
    body = {"items": [_day_json(d) for d in calendar.list_days(ctx, year)], "years": calendar.years(ctx)}
    if year is not None:
        if not 1900 <= year <= 2200:
            raise BadParameter("Неверный год.", {"year": ["Год от 1900 до 2200."]})
        body["working_days"] = calendar.working_days_between(ctx, date(year - 1, 12, 31), date(year, 12, 31))
    return jsonify(body)


@api_bp.get("/calendar/working-days")
def working_days_view():
    """?from=D&days=N → the N-th working day after D; ?from=A&to=B → working days after A up to B."""
    ctx = context()
    start = _date_arg("from")
    if request.args.get("to"):
        return jsonify({"from": start.isoformat(), "to": request.args["to"],
                        "working_days": calendar.working_days_between(ctx, start, _date_arg("to"))})
    days = _int_arg("days")
    if days is None:
        raise BadParameter("Укажите days или to.", {"days": ["Сколько рабочих дней прибавить."]})
    return jsonify({"from": start.isoformat(), "days": days, "date": calendar.add_working_days(ctx, start, days).isoformat()})





@api_bp.put("/calendar/<day>")
def calendar_set_view(day):
    row = calendar.set_day(context(), {**_json_body(), "day": day})
    return jsonify(_day_json(row))


@api_bp.delete("/calendar/<day>")
def calendar_clear_view(day):
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise BadParameter("Неверная дата.", {"day": ["Ожидается дата в формате ГГГГ-ММ-ДД."]}) from None
    calendar.clear_day(context(), parsed)
    return "", 204


# -- pages


def _lines(name: str) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()]


def _rows(prefix: str, fields: tuple[str, ...]) -> list[dict]:
    """Rows of a table form, empty values as None; selects always have a value, so they do not keep a row."""
    selects = {"status", "direction", "kind", "category", "responsible_level"}
    return [{k: (v or None) for k, v in row.items()} for row in form_rows(prefix, fields, selects)]


def _agencies():
    return list(context().session.scalars(select(models.Agency).where(models.Agency.deleted_at.is_(None))
                                          .order_by(models.Agency.name)))


@bp.get("/projects")
def list_page():
    ctx = context()
    agency_id, process_id = _int_arg("agency_id"), _int_arg("process_id")
    stage = request.args.get("stage") or None
    found = projects.list_projects(ctx, agency_id=agency_id, stage=stage, process_id=process_id)
    process = ctx.session.get(models.Process, process_id) if process_id else None
    return render_template("projects.html", projects=found, agencies=_agencies(), agency_id=agency_id, stage=stage,
                           stages=list(enums.ProjectStage), P=projects, process=process)


@bp.route("/projects/new", methods=["GET", "POST"])
def new_page():
    ctx = context()
    errors, values = {}, {"process_id": request.args.get("process_id", "")}
    if request.method == "POST":
        values = {k: (request.form.get(k) or None) for k in ("process_id", "ground", "ground_details", "initiated_on",
                                                             "application_submitted_on")}
        values["with_office"] = request.form.get("with_office") == "on" if values.get("ground") in projects.COMMITTEE_GROUNDS else None
        try:
            project = projects.create_project(ctx, values)
            flash("Проект оптимизации создан.")
            return redirect(url_for("projects.view_page", project_id=project.id))
        except InvalidInput as error:
            ctx.session.rollback()
            errors = error.fields
    from web.views_helpers import ref_options

    return render_template("project_new.html", label=field_title, values=values, errors=errors, grounds=list(enums.ProjectGround),
                           processes=ref_options("processes")), (422 if errors else 200)


def _render_project(project_id: int, errors: dict | None = None, where: str | None = None, status: int = 422):
    ctx = context()
    project = projects.get_project(ctx, project_id)
    return render_template("project.html", label=field_title, change_title=change_title, project=project, P=projects,
                           stages=projects.stages(project, work_calendar=calendar.load(ctx)),
                           stage=projects.current_stage(project), application=projects.application_state(project),
                           end=projects.project_end(project), events=projects.project_history(ctx, project_id),
                           can_work=projects.can_work_on(ctx, project), is_office=projects.is_office(ctx) or ctx.is_system,
                           is_owner=projects.is_owner(ctx, project), errors=errors or {}, where=where,
                           E=enums, today=date.today()), (status if errors else 200)


@bp.get("/projects/<int:project_id>")
def view_page(project_id):
    return _render_project(project_id)


def _act(project_id: int, where: str, action, message: str):
    """Run a step posted from the project page; bad input shows the page again with the fields named."""
    ctx = context()
    try:
        action(ctx)
    except (InvalidInput, Conflict) as error:
        # The page again, with the step's error beside the form (a stale version, a visa out of turn).
        ctx.session.rollback()
        return _render_project(project_id, error.fields or {"_": [error.message]}, where, error.status)
    flash(message)
    return redirect(url_for("projects.view_page", project_id=project_id) + f"#{where}")


def _form_date(name: str) -> date | None:
    raw = request.form.get(name) or ""
    try:
        return formatting.parse_date(raw) if raw else None
    except ValueError:
        raise InvalidInput("Неверная дата.", {name: ["Ожидается дата в формате ДД.ММ.ГГГГ (или ГГГГ-ММ-ДД)."]}) from None


@bp.post("/projects/<int:project_id>/application")
def answer_page(project_id):
    data = {"version": form_version(), "decision": request.form.get("decision") or None,
            "answered_on": request.form.get("answered_on") or None, "office_members": _lines("office_members"),
            "suggested_start": request.form.get("suggested_start") or None,
            "suggested_end": request.form.get("suggested_end") or None,
            "training": request.form.get("training"), "refusal_reason": request.form.get("refusal_reason")}
    return _act(project_id, "application", lambda ctx: projects.answer_application(ctx, project_id, data),
                "Ответ на заявку сохранён.")


@bp.post("/projects/<int:project_id>/roadmap/agree")
def agree_page(project_id):
    return _act(project_id, "roadmap", lambda ctx: projects.agree_roadmap(ctx, project_id, _form_date("date"), form_version()),
                "Дорожная карта согласована.")


@bp.post("/projects/<int:project_id>/roadmap/approve")
def approve_page(project_id):
    return _act(project_id, "roadmap",
                lambda ctx: projects.approve_roadmap(ctx, project_id, _form_date("date"), form_version()),
                "Дорожная карта утверждена.")


@bp.post("/projects/<int:project_id>/measures/<int:measure_id>")
def measure_page(project_id, measure_id):
    data = {"version": form_version(), **{k: request.form.get(k) or None for k in ("status", "actual_start", "actual_end")}}
    return _act(project_id, "roadmap", lambda ctx: projects.update_measure(ctx, project_id, measure_id, data),
                "Ход мероприятия сохранён.")


@bp.post("/projects/<int:project_id>/kpis/<int:kpi_id>/measurements")
def measurement_page(project_id, kpi_id):
    data = {"version": form_version(), **{k: request.form.get(k) or None for k in ("measured_on", "value", "note")}}
    return _act(project_id, "kpis", lambda ctx: projects.add_measurement(ctx, project_id, kpi_id, data),
                "Измерение сохранено.")


@bp.post("/projects/<int:project_id>/deviations/<int:request_id>")
def deviation_page(project_id, request_id):
    data = {"version": form_version(), **{k: request.form.get(k) or None for k in ("reasons", "corrective_measures", "answered_on")}}
    return _act(project_id, "kpis", lambda ctx: projects.answer_deviation(ctx, project_id, request_id, data),
                "Ответ на запрос сохранён.")


@bp.post("/projects/<int:project_id>/deviations/<int:request_id>/assess")
def assess_page(project_id, request_id):
    data = {"version": form_version(), **{k: request.form.get(k) or None for k in ("assessment", "assessed_on")}}
    return _act(project_id, "kpis", lambda ctx: projects.assess_deviation(ctx, project_id, request_id, data),
                "Оценка мероприятий сохранена.")


@bp.post("/projects/<int:project_id>/delete")
def delete_page(project_id):
    projects.delete_project(context(), project_id, form_version())
    flash("Проект удалён.")
    return redirect(url_for("projects.list_page"))


FORMS = {
    "order": ("Правовой акт об оптимизации", projects.save_order),
    "analysis": ("Проблема, цели, потери и причины", projects.save_analysis),
    "roadmap": ("План мероприятий (дорожная карта) и показатели", projects.save_roadmap),
}


def _form_values(what: str) -> dict:
    if what == "order":
        return {"version": form_version(), "team": _lines("team"), "tasks": _lines("tasks"),
                **{k: request.form.get(k) or None for k in ("order_number", "order_date", "start_date", "end_date")}}
    if what == "analysis":
        return {"version": form_version(), "losses": _rows("loss", ("kind", "description")),
                "root_causes": _rows("cause", ("category", "description")),
                **{k: request.form.get(k) for k in ("problem", "goals", "best_practices")}}
    return {"version": form_version(), "measures": _rows("measure", projects.MEASURE_FIELDS),
            "kpis": _rows("kpi", projects.KPI_FIELDS)}


def _current_values(project, what: str) -> dict:
    if what == "order":
        return {k: getattr(project, k) for k in ("order_number", "order_date", "start_date", "end_date", "team", "tasks")}
    if what == "analysis":
        return {k: getattr(project, k) for k in ("problem", "goals", "losses", "root_causes", "best_practices")}
    return projects.roadmap_content(project)


@bp.route("/projects/<int:project_id>/<any(order, analysis, roadmap):what>", methods=["GET", "POST"])
def edit_page(project_id, what):
    ctx = context()
    project = projects.get_project(ctx, project_id)
    title, save = FORMS[what]
    errors, values = {}, _current_values(project, what)
    if request.method == "POST":
        values = _form_values(what)
        try:
            save(ctx, project_id, values)
            flash("Сохранено.")
            return redirect(url_for("projects.view_page", project_id=project_id))
        except InvalidInput as error:
            ctx.session.rollback()
            errors = error.fields
    return render_template("project_form.html", label=field_title, project=project, what=what, title=title, values=values,
                           errors=errors, E=enums, extra=3), (422 if errors else 200)


@bp.get("/calendar")
def calendar_page():
    ctx = context()
    year = _int_arg("year") or date.today().year
    if not 1900 <= year <= 2200:
        raise BadParameter("Неверный год.", {"year": ["Год от 1900 до 2200."]})
    working = calendar.working_days_between(ctx, date(year - 1, 12, 31), date(year, 12, 31))
    return render_template("calendar.html", year=year, days=calendar.list_days(ctx, year), working=working,
                           years=calendar.years(ctx), kinds=list(enums.DayKind))


@bp.post("/calendar")
def calendar_set_page():
    ctx = context()
    data = {"day": request.form.get("day") or None, "kind": request.form.get("kind") or None,
            "note": request.form.get("note")}
    try:
        if request.form.get("clear"):
            calendar.clear_day(ctx, _form_date("day") or date.min)
        else:
            calendar.set_day(ctx, data)
        flash("Календарь изменён.")
    except (InvalidInput, NotFound) as error:
        ctx.session.rollback()
        flash(error_text(error))
    year = (request.form.get("day") or "")[:4]
    return redirect(url_for("projects.calendar_page", year=year if year.isdigit() else None))


# -- the OpenAPI document


def openapi_paths(spec, response, errors) -> None:
    """Add the paths of projects and the calendar to the OpenAPI document (web/openapi.py)."""
    from catalog import schemas

    for schema in (schemas.ProjectCreateSchema, schemas.ApplicationAnswerSchema, schemas.OrderSchema,
                   schemas.AnalysisSchema, schemas.RoadmapSchema, schemas.MeasureProgressSchema,
                   schemas.MeasurementSchema, schemas.DeviationAnswerSchema, schemas.DeviationAssessmentSchema,
                   schemas.CalendarDaySchema):
        spec.components.schema(schema.__name__.removesuffix("Schema"), schema=schema)
    project = {"type": "object", "description": "Проект: этапы с датами, заявка, акт, анализ, дорожная карта, КПЭ"}
    pid = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    tag = ["Оптимизация процессов"]

    def body(name):
        return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}

    def write(summary, name, params=(), ok="200"):
        operation = {"tags": tag, "summary": summary, "security": [{"token": []}], "parameters": [pid, *params],
                     "responses": {ok: response("Проект", project), **errors(401, 403, 404, 409, 422)}}
        if name:
            operation["requestBody"] = body(name)
        return operation

    spec.components.schema("Visa", {"type": "object", "properties": {
        "date": {"type": "string", "format": "date", "description": "Дата визы; без неё — сегодня"},
        "version": {"type": "integer"}}})
    visa = {"required": False, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Visa"}}}}
    stage = {"name": "stage", "in": "query", "schema": {"type": "string", "enum": enums.ProjectStage.values()}}
    spec.path(path="/projects", operations={
        "get": {"tags": tag, "summary": "Проекты оптимизации", "parameters": [
            {"name": "agency_id", "in": "query", "schema": {"type": "integer"}},
            {"name": "process_id", "in": "query", "schema": {"type": "integer"}}, stage],
            "responses": {"200": response("Проекты", {"type": "object", "properties": {
                "items": {"type": "array", "items": project}}}), **errors(400, 401)}},
        "post": {"tags": tag, "summary": "Инициировать оптимизацию (п. 4.2)", "security": [{"token": []}],
                 "requestBody": body("ProjectCreate"),
                 "responses": {"201": response("Создан", project), **errors(401, 403, 422)}}})
    spec.path(path="/projects/{project_id}", operations={
        "get": {"tags": tag, "summary": "Проект", "parameters": [pid],
                "responses": {"200": response("Проект", project), **errors(401, 404)}},
        "delete": write("Удалить (мягко; после утверждения дорожной карты — только администратор)", None,
                        [{"name": "version", "in": "query", "schema": {"type": "integer"}}])})
    spec.path(path="/projects/{project_id}/history", operations={"get": {
        "tags": tag, "summary": "История изменений проекта", "parameters": [pid],
        "responses": {"200": response("События", {"type": "object", "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeEvent"}}}}),
            **errors(401, 404)}}})
    spec.path(path="/projects/{project_id}/application/answer",
              operations={"post": write("Ответ Процессного офиса на заявку", "ApplicationAnswer")})
    spec.path(path="/projects/{project_id}/order", operations={"put": write("Правовой акт об оптимизации", "Order")})
    spec.path(path="/projects/{project_id}/analysis",
              operations={"put": write("Проблема, цели, потери, корневые причины", "Analysis")})
    spec.path(path="/projects/{project_id}/roadmap",
              operations={"put": write("Дорожная карта целиком: мероприятия и КПЭ", "Roadmap")})
    for action, summary in (("agree", "«Согласовано» (Процессный офис)"), ("approve", "«Утверждаю» (владелец процесса)")):
        operation = write(summary, None)
        operation["requestBody"] = visa
        spec.path(path=f"/projects/{{project_id}}/roadmap/{action}", operations={"post": operation})
    spec.path(path="/projects/{project_id}/measures/{measure_id}", operations={"patch": write(
        "Ход мероприятия утверждённой дорожной карты", "MeasureProgress",
        [{"name": "measure_id", "in": "path", "required": True, "schema": {"type": "integer"}}])})
    spec.path(path="/projects/{project_id}/kpis/{kpi_id}/measurements", operations={"post": write(
        "Измерение КПЭ; отклонение открывает запрос владельцу", "Measurement",
        [{"name": "kpi_id", "in": "path", "required": True, "schema": {"type": "integer"}}], ok="201")})
    request_param = [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    spec.path(path="/projects/{project_id}/deviations/{request_id}/answer", operations={"post": write(
        "Ответ владельца: причины отклонения и мероприятия", "DeviationAnswer", request_param)})
    spec.path(path="/projects/{project_id}/deviations/{request_id}/assess", operations={"post": write(
        "Оценка предложенных мероприятий Процессным офисом", "DeviationAssessment", request_param)})
    day = [{"name": "day", "in": "path", "required": True, "schema": {"type": "string", "format": "date"}}]
    ctag = ["Производственный календарь"]
    spec.path(path="/calendar", operations={"get": {
        "tags": ctag, "summary": "Дни, отличающиеся от правила «пн–пт»",
        "parameters": [{"name": "year", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "Дни, годы с данными, число рабочих дней года"}, **errors(400, 401)}}})
    spec.path(path="/calendar/working-days", operations={"get": {
        "tags": ctag, "summary": "Дата через days рабочих дней после from, или число рабочих дней от from до to",
        "parameters": [{"name": n, "in": "query", "schema": {"type": t}} for n, t in
                       (("from", "string"), ("days", "integer"), ("to", "string"))],
        "responses": {"200": {"description": "Ответ"}, **errors(400, 401)}}})
    spec.path(path="/calendar/{day}", operations={
        "put": {"tags": ctag, "summary": "Отметить день: holiday или workday", "security": [{"token": []}],
                "parameters": day, "requestBody": body("CalendarDay"),
                "responses": {"200": {"description": "День"}, **errors(401, 403, 422)}},
        "delete": {"tags": ctag, "summary": "Снять отметку дня", "security": [{"token": []}], "parameters": day,
                   "responses": {"204": {"description": "Снята"}, **errors(401, 403, 404)}}})
