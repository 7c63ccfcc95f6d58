"""Optimisation projects and the production calendar: pages, thin over ``catalog.services.projects``
and ``catalog.services.calendar`` (their JSON API: web/api/projects.py, web/api/calendar.py)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from catalog import enums, models
from catalog.errors import BadParameter, Conflict, Forbidden, InvalidInput, NotFound
from catalog.services import calendar, entry_dates, projects, rules
from catalog import formatting
from web import context
from web.inputs import date_arg, form_version, int_arg
from web.pages.helpers import error_text, form_rows

bp = Blueprint("projects", __name__)


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
                           stages=list(enums.ProjectStage), P=projects, process=process,
                           catalog_settings=ctx.settings)


@bp.route("/projects/new", methods=["GET", "POST"])
def new_page():
    ctx = context()
    errors, values, message, status = {}, {"process_id": request.args.get("process_id", "")}, None, 200
    if request.method == "POST":
        values = {k: (request.form.get(k) or None) for k in ("process_id", "ground", "ground_details", "initiated_on",
                                                             "application_submitted_on", "late_reason")}
        values["with_office"] = request.form.get("with_office") == "on" if values.get("ground") in projects.COMMITTEE_GROUNDS else None
        try:
            project = projects.create_project(ctx, values)
            flash("Проект оптимизации создан.")
            return redirect(url_for("projects.view_page", project_id=project.id))
        except (InvalidInput, Forbidden) as error:  # a refused save keeps what was typed
            ctx.session.rollback()
            errors, message, status = error.fields, error.message, error.status
    else:
        # Refused when opened: the process named in the address, or any process at all.
        process_id = int_arg("process_id", None)
        process = ctx.session.get(models.Process, process_id) if process_id is not None else None
        rules.check(ctx, "projects.create", process)
    from web.pages.helpers import ref_options

    return render_template("project_new.html", label=field_title, values=values, errors=errors, grounds=list(enums.ProjectGround),
                           processes=ref_options("processes"), message=message,
                           backdate_days=ctx.settings.backdate_days), status


def project_dates(project) -> list:
    """The dates the project's working days and deadlines are counted over (stages, answer terms)."""
    return [project.initiated_on, project.start_date, project.approved_on, projects.project_end(project),
            project.application_submitted_on, project.application_due_on,
            *(r.due_on for r in project.deviation_requests)]


def _render_project(project_id: int, errors: dict | None = None, where: str | None = None, status: int = 422):
    ctx = context()
    project = projects.get_project(ctx, project_id)
    work_calendar = calendar.load(ctx)
    return render_template("project.html", label=field_title, change_title=change_title, project=project, P=projects,
                           stages=projects.stages(project, work_calendar=work_calendar),
                           calendar_warning=calendar.warning_for_dates(work_calendar, project_dates(project)),
                           stage=projects.current_stage(project),
                           application=projects.application_state(project, settings=ctx.settings),
                           late=lambda given, entered_at, reason=None: entry_dates.describe(ctx.settings, given, entered_at, reason),
                           overdue_request=lambda r: projects.request_overdue(r, settings=ctx.settings),
                           end=projects.project_end(project), events=projects.project_history(ctx, project_id),
                           errors=errors or {}, where=where,
                           E=enums, today=entry_dates.local_day(ctx.settings),
                           settings_backdate=ctx.settings.backdate_days), (status if errors else 200)


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
            "training": request.form.get("training"), "refusal_reason": request.form.get("refusal_reason"),
            "late_reason": request.form.get("late_reason") or None}
    return _act(project_id, "application", lambda ctx: projects.answer_application(ctx, project_id, data),
                "Ответ на заявку сохранён.")


@bp.post("/projects/<int:project_id>/roadmap/agree")
def agree_page(project_id):
    return _act(project_id, "roadmap", lambda ctx: projects.agree_roadmap(ctx, project_id, _form_date("date"), form_version(),
                                                                         request.form.get("late_reason")),
                "Дорожная карта согласована.")


@bp.post("/projects/<int:project_id>/roadmap/approve")
def approve_page(project_id):
    return _act(project_id, "roadmap",
                lambda ctx: projects.approve_roadmap(ctx, project_id, _form_date("date"), form_version(),
                                                     request.form.get("late_reason")),
                "Дорожная карта утверждена.")


@bp.post("/projects/<int:project_id>/measures/<int:measure_id>")
def measure_page(project_id, measure_id):
    data = {"version": form_version(), **{k: request.form.get(k) or None for k in ("status", "actual_start", "actual_end")}}
    return _act(project_id, "roadmap", lambda ctx: projects.update_measure(ctx, project_id, measure_id, data),
                "Ход мероприятия сохранён.")


@bp.post("/projects/<int:project_id>/kpis/<int:kpi_id>/measurements")
def measurement_page(project_id, kpi_id):
    data = {"version": form_version(), **{k: request.form.get(k) or None for k in ("measured_on", "value", "note", "late_reason")}}
    return _act(project_id, "kpis", lambda ctx: projects.add_measurement(ctx, project_id, kpi_id, data),
                "Измерение сохранено.")


@bp.post("/projects/<int:project_id>/deviations/<int:request_id>")
def deviation_page(project_id, request_id):
    data = {"version": form_version(), **{k: request.form.get(k) or None for k in ("reasons", "corrective_measures", "answered_on", "late_reason")}}
    return _act(project_id, "kpis", lambda ctx: projects.answer_deviation(ctx, project_id, request_id, data),
                "Ответ на запрос сохранён.")


@bp.post("/projects/<int:project_id>/deviations/<int:request_id>/assess")
def assess_page(project_id, request_id):
    data = {"version": form_version(), **{k: request.form.get(k) or None for k in ("assessment", "assessed_on", "late_reason")}}
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
    errors, values, message, status = {}, _current_values(project, what), None, 200
    if request.method == "POST":
        values = _form_values(what)
        try:
            save(ctx, project_id, values)
            flash("Сохранено.")
            return redirect(url_for("projects.view_page", project_id=project_id))
        except (InvalidInput, Forbidden) as error:  # a refused save keeps what was typed
            ctx.session.rollback()
            errors, message, status = error.fields, error.message, error.status
    else:
        rules.check(ctx, f"projects.save_{what}", project)  # refused when opened, saying why
    return render_template("project_form.html", label=field_title, project=project, what=what, title=title, values=values,
                           errors=errors, message=message, E=enums, extra=3), status


@bp.get("/calendar")
def calendar_page():
    ctx = context()
    year = _int_arg("year") or date.today().year
    if not 1900 <= year <= 2200:
        raise BadParameter("Неверный год.", {"year": ["Год от 1900 до 2200."]})
    counted = calendar.working_days_between_reckoned(ctx, date(year - 1, 12, 31), date(year, 12, 31))
    return render_template("calendar.html", year=year, days=calendar.list_days(ctx, year), working=counted.value,
                           calendar_warning=counted.warning,
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
