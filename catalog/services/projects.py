"""Optimisation projects (Leningrad oblast regulation on process optimisation, sections 4 to 6).

A project optimises one process. It is initiated on one of the five grounds of 4.2; on the ground
«application» the process office answers within three working days (the production calendar,
``catalog.services.calendar``) by accepting the process or by a reasoned refusal. The owner's legal act
(the order, 4.3) sets the start and end dates, the team and the tasks. The team records the problem,
goals, losses and root causes (5.3–5.4) and writes the roadmap: measures and KPIs (4.3, 6). The process
office agrees the roadmap («согласовано») when it takes part; the head of the owning agency approves it
(«утверждаю»); nobody agrees or approves a roadmap they wrote. Measurements of KPIs in post-monitoring
that miss the target open a request for reasons and corrective measures (4.5), which the owner answers.

Stages are derived, never stored (4.3–4.5): development starts on the order's start date, implementation
on the roadmap's approval date, and the project ends with the date of the last measure.
Every change is one transaction and one change event of kind ``projects``.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from marshmallow import ValidationError
from sqlalchemy import select

from catalog import models
from catalog.enums import (
    Action,
    ApplicationDecision,
    KpiDirection,
    MeasureStatus,
    OfficialLevel,
    ProjectGround,
    ProjectStage,
    RequestState,
)
from catalog.errors import BadParameter, Conflict, InvalidInput, NotFound
from catalog.schemas import (
    AnalysisSchema,
    ApplicationAnswerSchema,
    DeviationAnswerSchema,
    DeviationAssessmentSchema,
    MeasurementSchema,
    MeasureProgressSchema,
    OrderSchema,
    ProjectCreateSchema,
    RoadmapSchema,
    validation_messages,
)
from catalog.services import calendar, entry_dates, evidence, history, people, permissions, records, rules
from catalog.services.context import Context
from catalog.services.versions import check_version

KIND = "projects"  # record_kind of their change events
APPLICATION_ANSWER_DAYS = 3  # Leningrad 4.2: «в течение трех рабочих дней»
DEVIATION_ANSWER_DAYS = 10  # the regulation sets no term; ten working days is our default
MEASURE_FIELDS = ("name", "planned_start", "planned_end", "result", "responsible", "status", "actual_start",
                  "actual_end")
KPI_FIELDS = ("kind", "name", "unit", "baseline", "target", "direction", "method", "responsible",
              "responsible_position", "responsible_level")
COMMITTEE_GROUNDS = {ProjectGround.GOVERNOR_ORDER.value, ProjectGround.PRIORITY_SERVICES.value,
                     ProjectGround.LEGAL_ACT.value}


def _today() -> date:
    return entry_dates.catalogue_today()


def _load(schema, data: dict, message: str) -> dict:
    try:
        return schema.load(data)
    except ValidationError as error:
        raise InvalidInput(message, validation_messages(error)) from None


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _late_reason(project, field: str, entry: entry_dates.Entry) -> None:
    """Keep why a date was entered late (issue 16), or forget an old reason for the field."""
    reasons = dict(project.late_reasons or {})
    reasons.pop(field, None)
    if entry.reason:
        reasons[field] = entry.reason
    project.late_reasons = reasons


# -- reading


def get_project(ctx: Context, project_id: int) -> models.OptimizationProject:
    permissions.require_read(ctx)
    return ctx.get(models.OptimizationProject, project_id, f"Проект оптимизации № {project_id} не найден.")


def list_projects(ctx: Context, agency_id: int | None = None, stage: str | None = None,
                  process_id: int | None = None, today: date | None = None) -> list[models.OptimizationProject]:
    """Projects, newest first, filtered by the owning agency, the process and the current stage."""
    permissions.require_read(ctx)
    if stage is not None and stage not in ProjectStage.values():
        raise BadParameter("Неизвестный этап.", {"stage": ["Допустимо: " + ", ".join(ProjectStage.values()) + "."]})
    query = (select(models.OptimizationProject).join(models.Process)
             .where(models.OptimizationProject.deleted_at.is_(None)).order_by(models.OptimizationProject.id.desc()))
    if agency_id is not None:
        query = query.where(models.Process.agency_id == agency_id)
    if process_id is not None:
        query = query.where(models.OptimizationProject.process_id == process_id)
    found = list(ctx.session.scalars(query))
    if stage is not None:
        found = [p for p in found if current_stage(p, today) == stage]
    return found


def project_end(project: models.OptimizationProject) -> date | None:
    """Leningrad 4.4: the works end with the date of the last measure of the roadmap.

    A done measure counts by its actual end, the others by their planned end; cancelled ones do not count.
    """
    ends = [(m.actual_end if m.status == MeasureStatus.DONE.value and m.actual_end else m.planned_end)
            for m in project.measures if m.status != MeasureStatus.CANCELLED.value]
    return max(ends) if ends else None


def _all_measures_finished(project: models.OptimizationProject) -> bool:
    return bool(project.measures) and all(
        m.status in (MeasureStatus.DONE.value, MeasureStatus.CANCELLED.value) for m in project.measures)


def current_stage(project: models.OptimizationProject, today: date | None = None) -> str:
    today = today or _today()
    if project.start_date is None or project.start_date > today:
        return ProjectStage.INITIATION.value
    if project.approved_on is None or project.approved_on > today:
        return ProjectStage.DEVELOPMENT.value
    end = project_end(project)
    if end is not None and end < today and _all_measures_finished(project):
        return ProjectStage.POST_MONITORING.value
    return ProjectStage.IMPLEMENTATION.value


def stages(project: models.OptimizationProject, today: date | None = None,
           work_calendar: calendar.WorkCalendar | None = None) -> list[dict]:
    """The four stages with their start and end dates (None where not known yet) and which is current;
    with a calendar, also how many working days each known stage took (after its start, up to its end)."""
    end = project_end(project) if project.approved_on else None
    now = current_stage(project, today)
    rows = [
        (ProjectStage.INITIATION, project.initiated_on, project.start_date),
        (ProjectStage.DEVELOPMENT, project.start_date, project.approved_on),
        (ProjectStage.IMPLEMENTATION, project.approved_on, end),
        (ProjectStage.POST_MONITORING, end, None),
    ]
    out = [{"stage": s.value, "label": s.label, "start": start, "end": finish, "current": s.value == now}
           for s, start, finish in rows]
    if work_calendar is not None:
        for row in out:
            known = row["start"] is not None and row["end"] is not None
            row["working_days"] = work_calendar.working_days_between(row["start"], row["end"]) if known else None
    return out


def application_state(project: models.OptimizationProject, today: date | None = None,
                      settings=None) -> dict:
    """Whether the office's answer is due, late (answered after the due date) or overdue (not answered yet).

    An answer entered later than the tolerance counts on the day it was entered (catalog.services.entry_dates).
    """
    today = today or _today()
    due = project.application_due_on
    answered = project.application_answered_on
    if answered is not None and settings is not None:
        answered = entry_dates.counted_on(settings, answered, project.application_answered_entered_at)
    return {
        "required": project.ground == ProjectGround.APPLICATION.value,
        "due_on": due,
        "answered": answered is not None,
        "late": bool(due and answered and answered > due),
        "overdue": bool(due and answered is None and today > due),
    }


def measure_overdue(measure: models.RoadmapMeasure, today: date | None = None) -> bool:
    today = today or _today()
    return measure.status not in (MeasureStatus.DONE.value, MeasureStatus.CANCELLED.value) and measure.planned_end < today


def overdue_measures(project: models.OptimizationProject, today: date | None = None) -> list[models.RoadmapMeasure]:
    return [m for m in project.measures if measure_overdue(m, today)]


def request_overdue(request: models.DeviationRequest, today: date | None = None, settings=None) -> bool:
    today = today or _today()
    if request.answered_on is not None:
        answered = request.answered_on
        if settings is not None:
            answered = entry_dates.counted_on(settings, answered, request.answered_entered_at)
        return answered > request.due_on
    return today > request.due_on


def open_requests(project: models.OptimizationProject) -> list[models.DeviationRequest]:
    return [r for r in project.deviation_requests if r.state == RequestState.OPEN.value]


def project_history(ctx: Context, project_id: int) -> list[models.ChangeEvent]:
    get_project(ctx, project_id)
    return history.history_of(ctx, KIND, project_id)


# -- who may do what: catalog.services.rules («projects.*»)


def _require_version(ctx: Context, project: models.OptimizationProject, version) -> None:
    check_version(ctx, KIND, project, version, "Проект изменён")


def _save(ctx: Context, project: models.OptimizationProject, action: str, changes: dict) -> models.OptimizationProject:
    project.version += 1
    project.updated_at = datetime.now(UTC)
    ctx.session.flush()
    history.append_event(ctx, KIND, project, action, changes)
    evidence.follow_project(ctx, project)  # the process's status follows the project's stage (issue 17)
    ctx.finish()
    return project


def _changes(before: dict, after: dict) -> dict:
    return history.diff({k: _iso(v) for k, v in before.items()}, {k: _iso(v) for k, v in after.items()})


# -- initiation (4.2)


@rules.operation("projects.create")
def create_project(ctx: Context, data: dict) -> models.OptimizationProject:
    rules.check(ctx, "catalog.write")  # a reader hears why before any field error
    values = _load(ProjectCreateSchema(), data, "Проект оптимизации не создан: исправьте поля.")
    try:
        process = records.get_record(ctx, "processes", values["process_id"])
    except NotFound:  # a reference in the body: the body is wrong, not the address
        raise InvalidInput("Нет такого процесса.", {"process_id": ["Процесса с таким номером нет."]}) from None
    if process.is_deleted:
        raise InvalidInput("Процесс удалён.", {"process_id": ["Процесс удалён: его не оптимизируют."]})
    rules.check(ctx, "projects.create", process)
    ground = values["ground"]
    initiated = values.get("initiated_on") or _today()
    with_office = values.get("with_office")
    errors: dict[str, list[str]] = {}
    if ground == ProjectGround.OWN_DECISION.value and with_office:
        errors["with_office"] = ["Оптимизация собственными силами проводится без Процессного офиса."]
    if ground == ProjectGround.APPLICATION.value and with_office is not None:
        errors["with_office"] = ["Участвует ли Процессный офис, решает его ответ на заявку."]
    if ground != ProjectGround.APPLICATION.value and values.get("application_submitted_on"):
        errors["application_submitted_on"] = ["Заявка подаётся только на основании «заявка руководителя органа»."]
    submitted = values.get("application_submitted_on") or initiated
    receipt = None
    if ground == ProjectGround.APPLICATION.value:
        # The receipt defaults to the initiation date: the error names the field the user typed.
        field = "application_submitted_on" if values.get("application_submitted_on") else "initiated_on"
        receipt = entry_dates.accept(ctx, field, submitted, values.get("late_reason"))
    if ground == ProjectGround.APPLICATION.value and submitted < initiated:
        errors["application_submitted_on"] = ["Заявка не может поступить раньше даты инициирования."]
    if errors:
        raise InvalidInput("Проект оптимизации не создан: исправьте поля.", errors)
    running = [p for p in list_projects(ctx, process_id=process.id)
               if current_stage(p) != ProjectStage.POST_MONITORING.value]
    if running:
        raise Conflict(f"Процесс уже оптимизируется: проект № {running[0].id} "
                       f"({ProjectStage.label_of(current_stage(running[0]))}). Завершите или удалите его.",
                       project_id=running[0].id)
    project = models.OptimizationProject(
        process_id=process.id, ground=ground, ground_details=values.get("ground_details"), initiated_on=initiated,
        version=1, office_members=[], team=[], tasks=[], losses=[], root_causes=[], roadmap_authors=[])
    if ground == ProjectGround.APPLICATION.value:
        # The office takes part once it accepts the application.
        project.with_office = False
        project.application_submitted_on = submitted
        project.application_submitted_entered_at = receipt.entered_at
        _late_reason(project, "application_submitted_on", receipt)
        project.application_due_on = calendar.add_working_days(ctx, submitted, APPLICATION_ANSWER_DAYS)
    elif ground == ProjectGround.OWN_DECISION.value:
        project.with_office = False
    else:
        # On the grounds 1–3 the Committee may issue the act itself: by default its process office takes part.
        project.with_office = True if with_office is None else with_office
    ctx.session.add(project)
    ctx.session.flush()
    snapshot = {k: _iso(getattr(project, k)) for k in ("process_id", "ground", "ground_details", "initiated_on",
                                                       "with_office", "application_submitted_on",
                                                       "application_due_on")}
    history.append_event(ctx, KIND, project, Action.CREATE.value,
                         {k: {"before": None, "after": v} for k, v in snapshot.items() if v is not None})
    evidence.follow_project(ctx, project)
    ctx.finish()
    return project


@rules.operation("projects.answer_application")
def answer_application(ctx: Context, project_id: int, data: dict) -> models.OptimizationProject:
    """The process office's answer: acceptance (members, suggested dates, training) or a reasoned refusal."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.answer_application", project)
    values = _load(ApplicationAnswerSchema(), data, "Ответ на заявку не сохранён: исправьте поля.")
    _require_version(ctx, project, values.get("version"))
    if project.ground != ProjectGround.APPLICATION.value:
        raise Conflict("Проект начат не по заявке: ответ Процессного офиса не нужен.")
    if project.application_decision is not None:
        raise Conflict("На заявку уже дан ответ.")
    answered = values.get("answered_on") or entry_dates.local_day(ctx.settings)
    entry = entry_dates.accept(ctx, "answered_on", answered, values.get("late_reason"))
    errors: dict[str, list[str]] = {}
    if answered < project.application_submitted_on:
        errors["answered_on"] = [f"Ответ не может быть раньше поступления заявки "
                                 f"({project.application_submitted_on:%d.%m.%Y})."]
    if values["decision"] == ApplicationDecision.ACCEPTED.value:
        if not values["office_members"]:
            errors["office_members"] = ["Укажите сотрудников Процессного офиса, входящих в рабочую группу."]
        for name in ("suggested_start", "suggested_end"):
            if values.get(name) is None:
                errors[name] = ["Укажите рекомендуемые сроки оптимизации."]
        if values.get("suggested_start") and values.get("suggested_end") and values["suggested_end"] < values["suggested_start"]:
            errors["suggested_end"] = ["Рекомендуемая дата окончания раньше даты начала."]
        if not values.get("training"):
            errors["training"] = ["Предложите порядок обучения участников рабочей группы."]
        if values.get("refusal_reason"):
            errors["refusal_reason"] = ["Мотивы отказа указываются только при отказе."]
    elif not values.get("refusal_reason"):
        errors["refusal_reason"] = ["Отказ должен быть мотивированным: укажите причины."]
    if errors:
        raise InvalidInput("Ответ на заявку не сохранён: исправьте поля.", errors)
    fields = ("application_decision", "application_answered_on", "application_answered_by", "office_members",
              "suggested_start", "suggested_end", "training", "refusal_reason", "with_office")
    before = {k: getattr(project, k) for k in fields}
    accepted = values["decision"] == ApplicationDecision.ACCEPTED.value
    project.application_decision = values["decision"]
    project.application_answered_on = answered
    project.application_answered_entered_at = entry.entered_at
    _late_reason(project, "application_answered_on", entry)
    project.application_answered_by = ctx.actor_name
    project.office_members = list(values["office_members"]) if accepted else []
    project.suggested_start = values.get("suggested_start") if accepted else None
    project.suggested_end = values.get("suggested_end") if accepted else None
    project.training = values.get("training") if accepted else None
    project.refusal_reason = None if accepted else values["refusal_reason"]
    # A refusal does not stop the owner optimising with its own forces (4.2).
    project.with_office = accepted
    return _save(ctx, project, Action.UPDATE.value, _changes(before, {k: getattr(project, k) for k in fields}))


# -- the order (4.3)


def _measure_date_errors(errors: dict, prefix: str, measure: dict, start: date | None, end: date | None) -> None:
    if measure["planned_end"] < measure["planned_start"]:
        errors[f"{prefix}planned_end"].append("Плановая дата окончания раньше даты начала.")
    if start and measure["planned_start"] < start:
        errors[f"{prefix}planned_start"].append(
            f"Мероприятие начинается раньше начала работ по оптимизации ({start:%d.%m.%Y}).")
    if end and measure["planned_end"] > end:
        errors[f"{prefix}planned_end"].append(
            f"Мероприятие заканчивается позже окончания работ по оптимизации ({end:%d.%m.%Y}).")


@rules.operation("projects.save_order")
def save_order(ctx: Context, project_id: int, data: dict) -> models.OptimizationProject:
    """The legal (local) act on the optimisation: dates, the team, the tasks."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.save_order", project)
    values = _load(OrderSchema(), data, "Правовой акт не сохранён: исправьте поля.")
    _require_version(ctx, project, values.get("version"))
    if project.ground == ProjectGround.APPLICATION.value and project.application_decision is None:
        raise Conflict("Правовой акт издаётся после ответа Процессного офиса на заявку.")
    errors: dict[str, list[str]] = defaultdict(list)
    if values["end_date"] < values["start_date"]:
        errors["end_date"].append("Дата окончания работ раньше даты начала.")
    if values["start_date"] < project.initiated_on:
        errors["start_date"].append(f"Работы не начинаются раньше инициирования ({project.initiated_on:%d.%m.%Y}).")
    if values.get("order_date") and values["order_date"] < project.initiated_on:
        errors["order_date"].append(f"Акт не издаётся раньше инициирования ({project.initiated_on:%d.%m.%Y}).")
    if not values["team"]:
        errors["team"].append("Укажите состав рабочей группы.")
    if not values["tasks"]:
        errors["tasks"].append("Укажите решаемые задачи.")
    if project.approved_on and not errors and not (values["start_date"] <= project.approved_on <= values["end_date"]):
        errors["start_date"].append(f"Дорожная карта утверждена {project.approved_on:%d.%m.%Y}: эта дата должна "
                                    "остаться в сроках работ.")
    if not errors:
        for i, measure in enumerate(project.measures):
            m = {f: getattr(measure, f) for f in MEASURE_FIELDS}
            inner: dict[str, list[str]] = defaultdict(list)
            _measure_date_errors(inner, "", m, values["start_date"], values["end_date"])
            for field, messages in inner.items():
                target = "start_date" if field == "planned_start" else "end_date"
                errors[target] += [f"Мероприятие {i + 1} «{measure.name}»: {msg}" for msg in messages]
    if errors:
        raise InvalidInput("Правовой акт не сохранён: исправьте поля.", dict(errors))
    fields = ("order_number", "order_date", "start_date", "end_date", "team", "tasks")
    before = {k: getattr(project, k) for k in fields}
    for k in fields:
        setattr(project, k, list(values[k]) if k in ("team", "tasks") else values.get(k))
    return _save(ctx, project, Action.UPDATE.value, _changes(before, {k: getattr(project, k) for k in fields}))


# -- development of solutions (5.3–5.4)


@rules.operation("projects.save_analysis")
def save_analysis(ctx: Context, project_id: int, data: dict) -> models.OptimizationProject:
    """The problem, goals, losses (eight wastes), root causes (Ishikawa) and best practices."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.save_analysis", project)
    values = _load(AnalysisSchema(), data, "Анализ процесса не сохранён: исправьте поля.")
    _require_version(ctx, project, values.get("version"))
    if project.start_date is None:
        raise Conflict("Анализ ведётся на этапе разработки решений: сначала внесите правовой акт об оптимизации.")
    fields = ("problem", "goals", "losses", "root_causes", "best_practices")
    before = {k: getattr(project, k) for k in fields}
    project.problem, project.goals = values.get("problem"), values.get("goals")
    project.losses = [dict(item) for item in values["losses"]]
    project.root_causes = [dict(item) for item in values["root_causes"]]
    project.best_practices = values.get("best_practices")
    return _save(ctx, project, Action.UPDATE.value, _changes(before, {k: getattr(project, k) for k in fields}))


def roadmap_content(project: models.OptimizationProject) -> dict:
    return {
        "measures": [{f: _iso(getattr(m, f)) for f in MEASURE_FIELDS} for m in project.measures],
        "kpis": [{f: getattr(k, f) for f in KPI_FIELDS} for k in project.kpis],
    }


def _progress_errors(errors: dict, prefix: str, values: dict) -> None:
    if values.get("actual_start") and values.get("actual_end") and values["actual_end"] < values["actual_start"]:
        errors[f"{prefix}actual_end"].append("Фактическая дата окончания раньше фактической даты начала.")
    if values.get("status") == MeasureStatus.DONE.value and not values.get("actual_end"):
        errors[f"{prefix}actual_end"].append("Для выполненного мероприятия укажите фактическую дату выполнения.")


@rules.operation("projects.save_roadmap")
def save_roadmap(ctx: Context, project_id: int, data: dict) -> models.OptimizationProject:
    """Write the draft roadmap whole: its measures and KPIs. The writer becomes one of its authors."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.save_roadmap", project)
    values = _load(RoadmapSchema(), data, "Дорожная карта не сохранена: исправьте поля.")
    _require_version(ctx, project, values.get("version"))
    if project.start_date is None:
        raise Conflict("Дорожная карта составляется после правового акта об оптимизации (сроки работ).")
    if project.approved_on is not None:
        raise Conflict("Дорожная карта утверждена и не меняется; отмечайте выполнение мероприятий.")
    errors: dict[str, list[str]] = defaultdict(list)
    for i, measure in enumerate(values["measures"]):
        _measure_date_errors(errors, f"measures.{i}.", measure, project.start_date, project.end_date)
        _progress_errors(errors, f"measures.{i}.", measure)
    for i, kpi in enumerate(values["kpis"]):
        if OfficialLevel(kpi["responsible_level"]).rank < OfficialLevel.HEAD_OF_UNIT.rank:
            errors[f"kpis.{i}.responsible_level"].append(
                "Ответственный за показатель — не ниже начальника структурного подразделения (п. 6.4).")
    if errors:
        raise InvalidInput("Дорожная карта не сохранена: исправьте поля.", dict(errors))
    before = roadmap_content(project)
    project.measures = [models.RoadmapMeasure(position=i + 1, **{f: m.get(f) for f in MEASURE_FIELDS})
                        for i, m in enumerate(values["measures"])]
    project.kpis = [models.ProjectKpi(position=i + 1, **{f: k.get(f) for f in KPI_FIELDS})
                    for i, k in enumerate(values["kpis"])]
    changes = _changes(before, roadmap_content(project))
    if ctx.actor_name not in (project.roadmap_authors or []):
        project.roadmap_authors = [*(project.roadmap_authors or []), ctx.actor_name]
        changes["roadmap_authors"] = {"before": None, "after": project.roadmap_authors}
    if project.agreed_on is not None and changes:
        # The office agreed another text: its «согласовано» no longer stands.
        changes["agreed_on"] = {"before": _iso(project.agreed_on), "after": None}
        project.agreed_by, project.agreed_on, project.agreed_visa = None, None, None
    return _save(ctx, project, Action.UPDATE.value, changes)


def _check_ready(project: models.OptimizationProject) -> None:
    errors = {}
    if not project.measures:
        errors["measures"] = ["В дорожной карте нет мероприятий."]
    if not project.kpis:
        errors["kpis"] = ["Ключевые показатели эффективности утверждаются в составе дорожной карты (п. 6.4)."]
    if errors:
        raise InvalidInput("Дорожная карта не готова.", errors)


@rules.operation("projects.agree_roadmap")
def agree_roadmap(ctx: Context, project_id: int, agreed_on: date | None = None,
                  version: int | None = None, late_reason: str | None = None) -> models.OptimizationProject:
    """«Согласовано»: the process office, when it takes part (4.4)."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.agree_roadmap", project)
    _require_version(ctx, project, version)
    if not project.with_office:
        raise Conflict("Процессный офис не участвует в этой оптимизации: согласование не требуется.")
    if project.approved_on is not None:
        raise Conflict("Дорожная карта уже утверждена.")
    if project.agreed_on is not None:
        raise Conflict("Дорожная карта уже согласована.")
    _check_ready(project)
    agreed_on = agreed_on or entry_dates.local_day(ctx.settings)
    entry = entry_dates.accept(ctx, "agreed_on", agreed_on, late_reason)
    if agreed_on < project.start_date:
        raise InvalidInput("Дата согласования не прошла проверку.",
                           {"agreed_on": [f"Согласование не раньше начала работ ({project.start_date:%d.%m.%Y})."]})
    # Who signs is read before the project changes: a query's autoflush would count a version of its own.
    signed = people.visa(ctx, "roadmap_agree", None, agreed_on)
    project.agreed_by, project.agreed_on, project.agreed_visa = ctx.actor_name, agreed_on, signed
    project.agreed_entered_at = entry.entered_at
    _late_reason(project, "agreed_on", entry)
    return _save(ctx, project, Action.UPDATE.value, {"agreed_on": {"before": None, "after": agreed_on.isoformat()},
                                                     "agreed_by": {"before": None, "after": ctx.actor_name}})


@rules.operation("projects.approve_roadmap")
def approve_roadmap(ctx: Context, project_id: int, approved_on: date | None = None,
                    version: int | None = None, late_reason: str | None = None) -> models.OptimizationProject:
    """«Утверждаю»: the head of the owning agency (a user of it). The approval date ends development (4.3)
    and starts implementation (4.4)."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.approve_roadmap", project)
    _require_version(ctx, project, version)
    if project.approved_on is not None:
        raise Conflict("Дорожная карта уже утверждена.")
    _check_ready(project)
    if project.with_office and project.agreed_on is None:
        raise Conflict("Сначала дорожную карту согласует Процессный офис (он участвует в оптимизации).")
    approved_on = approved_on or entry_dates.local_day(ctx.settings)
    entry = entry_dates.accept(ctx, "approved_on", approved_on, late_reason)
    errors = []
    if approved_on < project.start_date:
        errors.append(f"Утверждение не раньше начала работ ({project.start_date:%d.%m.%Y}).")
    if project.agreed_on and approved_on < project.agreed_on:
        errors.append(f"Утверждение не раньше согласования ({project.agreed_on:%d.%m.%Y}).")
    if approved_on > project.end_date:
        errors.append(f"Утверждение позже окончания работ по правовому акту ({project.end_date:%d.%m.%Y}).")
    if errors:
        raise InvalidInput("Дата утверждения не прошла проверку.", {"approved_on": errors})
    # Who signs and the number are read before the project changes (a query's autoflush would count a
    # version of its own); the roadmap gets its number when it is approved, the document that binds (4.4).
    signed = people.visa(ctx, "roadmap_approve", project.process.agency_id, approved_on)
    number = project.roadmap_number or people.allocate_number(ctx, "roadmap", approved_on.year)
    project.approved_by, project.approved_on, project.approved_visa = ctx.actor_name, approved_on, signed
    project.roadmap_number, project.approved_entered_at = number, entry.entered_at
    _late_reason(project, "approved_on", entry)
    return _save(ctx, project, Action.UPDATE.value, {"approved_on": {"before": None, "after": approved_on.isoformat()},
                                                     "approved_by": {"before": None, "after": ctx.actor_name},
                                                     "roadmap_number": {"before": None, "after": project.roadmap_number}})


# -- implementation and post-monitoring (4.4–4.5)


@rules.operation("projects.update_measure")
def update_measure(ctx: Context, project_id: int, measure_id: int, data: dict) -> models.OptimizationProject:
    """The state and actual dates of a measure of the approved roadmap."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.update_measure", project)
    values = _load(MeasureProgressSchema(), data, "Ход мероприятия не сохранён: исправьте поля.")
    _require_version(ctx, project, values.get("version"))
    measure = next((m for m in project.measures if m.id == measure_id), None)
    if measure is None:
        raise NotFound(f"В проекте нет мероприятия № {measure_id}.")
    if project.approved_on is None:
        raise Conflict("Дорожная карта ещё не утверждена: меняйте её целиком.")
    errors: dict[str, list[str]] = defaultdict(list)
    _progress_errors(errors, "", values)
    if errors:
        raise InvalidInput("Ход мероприятия не сохранён: исправьте поля.", dict(errors))
    fields = ("status", "actual_start", "actual_end")
    before = {f"measures.{measure.position}.{k}": getattr(measure, k) for k in fields}
    for k in fields:
        setattr(measure, k, values.get(k))
    after = {f"measures.{measure.position}.{k}": getattr(measure, k) for k in fields}
    return _save(ctx, project, Action.UPDATE.value, _changes(before, after))


def deviates(kpi: models.ProjectKpi, value: float) -> bool:
    if kpi.direction == KpiDirection.AT_MOST.value:
        return value > kpi.target
    return value < kpi.target


@rules.operation("projects.add_measurement")
def add_measurement(ctx: Context, project_id: int, kpi_id: int, data: dict) -> models.KpiMeasurement:
    """A KPI value measured after the roadmap's approval; a miss opens a request to the owner (4.5)."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.add_measurement", project)
    values = _load(MeasurementSchema(), data, "Измерение не сохранено: исправьте поля.")
    _require_version(ctx, project, values.get("version"))
    kpi = next((k for k in project.kpis if k.id == kpi_id), None)
    if kpi is None:
        raise NotFound(f"В проекте нет показателя № {kpi_id}.")
    if project.approved_on is None:
        raise Conflict("Показатели измеряются после утверждения дорожной карты.")
    entry = entry_dates.accept(ctx, "measured_on", values["measured_on"], values.get("late_reason"))
    if values["measured_on"] < project.approved_on:
        raise InvalidInput("Измерение не сохранено: исправьте поля.", {"measured_on": [
            f"Измерение не раньше утверждения дорожной карты ({project.approved_on:%d.%m.%Y})."]})
    measurement = models.KpiMeasurement(measured_on=values["measured_on"], value=values["value"],
                                        note=values.get("note"), deviates=deviates(kpi, values["value"]),
                                        recorded_by=ctx.actor_name, entered_at=entry.entered_at,
                                        late_reason=entry.reason)
    kpi.measurements.append(measurement)
    ctx.session.flush()
    changes = {f"kpis.{kpi.position}.measurements": {"before": None, "after": {
        "measured_on": values["measured_on"].isoformat(), "value": values["value"],
        "deviates": measurement.deviates}}}
    if measurement.deviates and not any(r.kpi_id == kpi.id for r in open_requests(project)):
        # 4.5: the owner answers the office's request, which exists once the measurement is entered: a
        # backdated measurement opens it on the day of entry (catalog.services.entry_dates).
        opened = entry_dates.counted_on(ctx.settings, values["measured_on"], entry.entered_at)
        request = models.DeviationRequest(
            kpi_id=kpi.id, measurement_id=measurement.id, opened_on=opened,
            due_on=calendar.add_working_days(ctx, opened, DEVIATION_ANSWER_DAYS),
            state=RequestState.OPEN.value)
        project.deviation_requests.append(request)
        changes["deviation_requests"] = {"before": None, "after": {"kpi": kpi.name,
                                                                   "due_on": request.due_on.isoformat()}}
    _save(ctx, project, Action.UPDATE.value, changes)
    return measurement


@rules.operation("projects.answer_deviation")
def answer_deviation(ctx: Context, project_id: int, request_id: int, data: dict) -> models.DeviationRequest:
    """The owner's answer: the reasons the target was missed and the corrective measures."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.answer_deviation", project)
    values = _load(DeviationAnswerSchema(), data, "Ответ не сохранён: исправьте поля.")
    _require_version(ctx, project, values.get("version"))
    request = next((r for r in project.deviation_requests if r.id == request_id), None)
    if request is None:
        raise NotFound(f"В проекте нет запроса № {request_id}.")
    if request.state != RequestState.OPEN.value:
        raise Conflict("На этот запрос уже ответили.")
    answered = values.get("answered_on") or entry_dates.local_day(ctx.settings)
    entry = entry_dates.accept(ctx, "answered_on", answered, values.get("late_reason"))
    if answered < request.opened_on:
        raise InvalidInput("Ответ не сохранён: исправьте поля.",
                           {"answered_on": [f"Ответ не раньше запроса ({request.opened_on:%d.%m.%Y})."]})
    request.reasons, request.corrective_measures = values["reasons"], values["corrective_measures"]
    request.answered_on, request.answered_by, request.answered_entered_at = answered, ctx.actor_name, entry.entered_at
    _late_reason(request, "answered_on", entry)
    request.state = RequestState.ANSWERED.value
    _save(ctx, project, Action.UPDATE.value, {f"deviation_requests.{request.id}": {
        "before": RequestState.OPEN.value, "after": RequestState.ANSWERED.value}})
    return request


@rules.operation("projects.assess_deviation")
def assess_deviation(ctx: Context, project_id: int, request_id: int, data: dict) -> models.DeviationRequest:
    """The process office assesses the owner's measures (4.5), to inform the Governor or the deputy."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.assess_deviation", project)
    values = _load(DeviationAssessmentSchema(), data, "Оценка не сохранена: исправьте поля.")
    _require_version(ctx, project, values.get("version"))
    request = next((r for r in project.deviation_requests if r.id == request_id), None)
    if request is None:
        raise NotFound(f"В проекте нет запроса № {request_id}.")
    if request.state != RequestState.ANSWERED.value:
        raise Conflict("Оценивается ответ владельца процесса: его ещё нет." if request.state == RequestState.OPEN.value
                       else "Мероприятия уже оценены.")
    assessed = values.get("assessed_on") or entry_dates.local_day(ctx.settings)
    entry = entry_dates.accept(ctx, "assessed_on", assessed, values.get("late_reason"))
    if assessed < request.answered_on:
        raise InvalidInput("Оценка не сохранена: исправьте поля.",
                           {"assessed_on": [f"Оценка не раньше ответа владельца ({request.answered_on:%d.%m.%Y})."]})
    request.assessment, request.assessed_on, request.assessed_by = values["assessment"], assessed, ctx.actor_name
    request.assessed_entered_at = entry.entered_at
    _late_reason(request, "assessed_on", entry)
    request.state = RequestState.ASSESSED.value
    _save(ctx, project, Action.UPDATE.value, {f"deviation_requests.{request.id}": {
        "before": RequestState.ANSWERED.value, "after": RequestState.ASSESSED.value}})
    return request


@rules.operation("projects.delete")
def delete_project(ctx: Context, project_id: int, version: int | None = None) -> models.OptimizationProject:
    """Soft deletion: by the team while the roadmap is a draft, afterwards by an administrator only."""
    project = get_project(ctx, project_id)
    rules.check(ctx, "projects.delete", project)
    _require_version(ctx, project, version)
    project.deleted_at = datetime.now(UTC)
    return _save(ctx, project, Action.DELETE.value, {"deleted_at": {"before": None,
                                                                    "after": project.deleted_at.isoformat()}})


# -- the inbox (issue 16): what waits for a person in optimisation projects


def inbox_items(ctx: Context, user: models.User) -> list[dict]:
    """Applications to answer, roadmaps to agree or approve, deviations to explain or assess, overdue measures.

    Who is asked follows the same rules as the actions (catalog.services.rules), so the inbox and the
    buttons agree. Due dates: the application's three working days (4.2, ``application_due_on``); a
    roadmap's visas before the end of the works set by the order (4.3: approval ends development, and
    ``approve_roadmap`` refuses a date after the end); the deviation request's term (``due_on``) and, for
    the office's assessment, the same number of working days after the owner's answer (our default: 4.5
    sets no term); a measure's planned end.
    """
    if user is None or not user.is_active:
        return []
    as_user = Context(session=ctx.session, user=user, settings=ctx.settings)
    today = entry_dates.local_day(ctx.settings)
    work = calendar.load(ctx)
    items = []

    def add(kind, project, title, url, due, overdue=None):
        items.append({"kind": kind, "title": title, "url": url, "due": due,
                      "overdue": bool(due and due < today) if overdue is None else overdue,
                      "agency_id": project.process.agency_id})

    found = ctx.session.scalars(select(models.OptimizationProject).where(
        models.OptimizationProject.deleted_at.is_(None)).order_by(models.OptimizationProject.id))
    for p in found:
        url = f"/projects/{p.id}"
        if (p.ground == ProjectGround.APPLICATION.value and p.application_decision is None
                and rules.may(as_user, "projects.answer_application", p)):
            add("Заявка на оптимизацию: ответить", p, p.title, url + "#application", p.application_due_on)
        ready = p.start_date is not None and p.approved_on is None and bool(p.measures) and bool(p.kpis)
        if ready and p.with_office and p.agreed_on is None and rules.may(as_user, "projects.agree_roadmap", p):
            add("Дорожная карта: согласовать", p, p.title, url + "#roadmap", p.end_date)
        if (ready and (p.agreed_on is not None or not p.with_office)
                and rules.may(as_user, "projects.approve_roadmap", p)):
            add("Дорожная карта: утвердить", p, p.title, url + "#roadmap", p.end_date)
        for r in p.deviation_requests:
            title = f"{p.title}: показатель «{r.kpi.name}»"
            if r.state == RequestState.OPEN.value and rules.may(as_user, "projects.answer_deviation", p):
                add("Отклонение КПЭ: объяснить причины", p, title, url + "#kpis", r.due_on)
            elif r.state == RequestState.ANSWERED.value and rules.may(as_user, "projects.assess_deviation", p):
                answered = entry_dates.counted_on(ctx.settings, r.answered_on, r.answered_entered_at)
                add("Отклонение КПЭ: оценить мероприятия", p, title, url + "#kpis",
                    work.add_working_days(answered, DEVIATION_ANSWER_DAYS))
        if p.approved_on is not None and rules.may(as_user, "projects.update_measure", p):
            for m in overdue_measures(p, today):
                add("Мероприятие дорожной карты просрочено", p, f"{p.title}: {m.name}", url + "#roadmap",
                    m.planned_end, overdue=True)
    return items
