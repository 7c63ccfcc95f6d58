"""Optimisation projects of the demo region, one in each stage, on existing demo processes.

Dates are counted back from today (and moved to working days), so the stages stay as described whenever the demo is loaded. The
demo users work as the regulation wants: «editor» (MINSOC) writes the roadmaps, «office» answers
applications, agrees roadmaps and measures KPIs; two accounts are added here (password «catalog-demo»):
«head», the minister (an agency editor of MINSOC) who approves roadmaps, and «office-head», the head of
the process office who agrees the roadmap «office» wrote. Processes of other agencies are worked on by the loader itself.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from catalog import models
from catalog.demo.loader import DEMO_PASSWORD
from catalog.enums import Role
from catalog.services import calendar, projects, users
from catalog.services.context import Context


def _process(ctx: Context, agency_code: str, registry_id: str) -> models.Process:
    process = ctx.session.scalar(select(models.Process).join(models.Agency).where(
        models.Agency.code == agency_code, models.Process.registry_id == registry_id))
    if process is None:
        raise LookupError(f"Нет демонстрационного процесса {agency_code}:{registry_id}: загрузите демо-регион.")
    return process


def _user(ctx: Context, login: str) -> models.User | None:
    return ctx.session.scalar(select(models.User).where(models.User.login == login))


def _as(ctx: Context, user: models.User | None) -> Context:
    if user is None:
        return ctx
    return Context(session=ctx.session, user=user, settings=ctx.settings, autocommit=ctx.autocommit,
                   search=ctx.search, graph=ctx.graph)


def _kpis(name: str, baseline: float, target: float) -> list[dict]:
    return [
        {"kind": "effectiveness", "name": name, "unit": "рабочих дней", "baseline": baseline, "target": target,
         "direction": "at_most", "method": "Медиана срока от регистрации заявления до результата по журналу за месяц",
         "responsible": "Орлова Е.В.", "responsible_position": "начальник отдела назначения выплат",
         "responsible_level": "head_of_unit"},
        {"kind": "quality", "name": "Доля заявлений, возвращённых на доработку", "unit": "%", "baseline": 18,
         "target": 5, "direction": "at_most", "method": "Возвращённые заявления / все заявления за месяц × 100",
         "responsible": "Громов И.С.", "responsible_position": "заместитель министра",
         "responsible_level": "deputy_head_of_agency"},
        {"kind": "productivity", "name": "Заявлений на одного специалиста в день", "unit": "шт.", "baseline": 12,
         "target": 20, "direction": "at_least", "method": "Зарегистрированные заявления / (специалисты × рабочие дни)",
         "responsible": "Орлова Е.В.", "responsible_position": "начальник отдела назначения выплат",
         "responsible_level": "head_of_unit"},
    ]


ANALYSIS = {
    "problem": "Срок назначения выплаты 10 рабочих дней вместо 5; заявитель приносит справки, которые есть у органов власти.",
    "goals": "Назначать выплату за 5 рабочих дней без справок от заявителя; сократить возвраты на доработку втрое.",
    "losses": [
        {"kind": "waiting", "description": "Ожидание ответов на бумажные межведомственные запросы — до 5 дней"},
        {"kind": "defects", "description": "18 % заявлений возвращаются на доработку из-за ошибок заполнения"},
        {"kind": "overprocessing", "description": "Повторный ввод сведений из заявления в две системы"},
        {"kind": "transport", "description": "Передача личного дела между отделами на бумаге"},
    ],
    "root_causes": [
        {"category": "methods", "description": "Регламент требует справки, доступные через СМЭВ"},
        {"category": "machines", "description": "Нет интеграции АИС с витриной сведений о доходах"},
        {"category": "people", "description": "Специалисты не обучены работе с электронными запросами"},
        {"category": "materials", "description": "Форма заявления допускает неоднозначное заполнение"},
    ],
    "best_practices": "Республика Татарстан: назначение по сведениям СМЭВ без заявления; Москва: проактивное уведомление.",
}


# Issue 16: the demo enters months of history today; its dates are entered late, and say why.
HISTORY = "Пример: история прошлых месяцев внесена при загрузке демонстрации"


def load_projects(ctx: Context, today: date | None = None) -> list[models.OptimizationProject]:
    """Five projects: an overdue application, development, implementation, post-monitoring with a deviation,
    and one on the ministry's own forces."""
    today = today or date.today()
    working = calendar.load(ctx)

    def day(n: int) -> str:
        """The first working day on or after today + n days: documents are signed on working days."""
        result = today + timedelta(days=n)
        while not working.is_working(result):
            result += timedelta(days=1)
        return result.isoformat()

    system = ctx
    minsoc = ctx.session.scalar(select(models.Agency.id).where(models.Agency.code == "MINSOC"))
    head = _user(ctx, "head") or users.create_user(ctx, "head", "Громов Игорь Сергеевич", DEMO_PASSWORD,
                                                   [Role.AGENCY_EDITOR.value], [minsoc], [])
    chief = _user(ctx, "office-head") or users.create_user(ctx, "office-head", "Кузнецов Павел Игоревич",
                                                           DEMO_PASSWORD, [Role.PROCESS_OFFICE.value], [], [])
    editor, office = _as(ctx, _user(ctx, "editor")), _as(ctx, _user(ctx, "office"))
    head_ctx, chief_ctx = _as(ctx, head), _as(ctx, chief)
    made = []

    # 1. Initiation: an application the office has not answered, its three working days gone.
    p = projects.create_project(editor, {
        "process_id": _process(ctx, "MINSOC", "005").id, "ground": "application", "late_reason": HISTORY, "initiated_on": day(-20),
        "ground_details": "Заявка министра социальной защиты на оптимизацию с привлечением Процессного офиса"})
    made.append(p)

    # 2. Development: accepted application, the order, the analysis and a roadmap waiting for «согласовано».
    p = projects.create_project(editor, {
        "process_id": _process(ctx, "MINSOC", "006").id, "ground": "application", "late_reason": HISTORY, "initiated_on": day(-45),
        "ground_details": "Заявка министра от " + date.fromisoformat(day(-45)).strftime("%d.%m.%Y")})
    projects.answer_application(office, p.id, {"version": p.version,
        "decision": "accepted", "late_reason": HISTORY, "answered_on": day(-43), "office_members": ["Сидорова А.А., консультант Процессного офиса"],
        "suggested_start": day(-30), "suggested_end": day(150), "training": "Двухдневный семинар по картированию процессов"})
    projects.save_order(editor, p.id, {"version": p.version,
        "order_number": "45-р", "order_date": day(-32), "start_date": day(-30), "end_date": day(150),
        "team": ["Орлова Е.В., начальник отдела (руководитель группы)", "Сидорова А.А., Процессный офис",
                 "Белов К.Н., ГКУ «Оператор электронного правительства»", "Представитель многодетных семей"],
        "tasks": ["Выдавать удостоверение без справок о составе семьи", "Сократить срок до 5 рабочих дней"]})
    projects.save_analysis(editor, p.id, {**ANALYSIS, "version": p.version})
    projects.save_roadmap(editor, p.id, {"version": p.version, "measures": [
        {"name": "Запрос сведений о рождении через СМЭВ (ЕГР ЗАГС)", "planned_start": day(10), "planned_end": day(60),
         "result": "Заявитель не представляет свидетельства о рождении", "responsible": "Орлова Е.В."},
        {"name": "Изменение административного регламента", "planned_start": day(20), "planned_end": day(90),
         "result": "Из перечня документов исключены справки", "responsible": "Громов И.С."},
    ], "kpis": _kpis("Срок выдачи удостоверения", 15, 5)})
    made.append(p)

    # 3. Implementation: a priority service, roadmap agreed and approved; one measure late.
    p = projects.create_project(office, {
        "process_id": _process(ctx, "MINSOC", "002").id, "ground": "priority_services", "initiated_on": day(-120),
        "ground_details": "Услуга включена в региональный перечень приоритетных услуг (п. 14)"})
    projects.save_order(office, p.id, {"version": p.version,
        "order_number": "112", "order_date": day(-110), "start_date": day(-105), "end_date": day(120),
        "team": ["Сидорова А.А., Процессный офис (руководитель группы)", "Орлова Е.В., начальник отдела"],
        "tasks": ["Перевести межведомственные запросы в СМЭВ", "Исключить бумажный документооборот"]})
    projects.save_analysis(office, p.id, {**ANALYSIS, "version": p.version})
    projects.save_roadmap(office, p.id, {"version": p.version, "measures": [
        {"name": "Подключение к витрине сведений о доходах (СМЭВ4)", "planned_start": day(-60), "planned_end": day(-20),
         "result": "Запрос и ответ за минуты", "responsible": "Белов К.Н.", "status": "in_progress",
         "actual_start": day(-58)},
        {"name": "Электронное личное дело вместо бумажного", "planned_start": day(-50), "planned_end": day(30),
         "result": "Передача дела между отделами в АИС", "responsible": "Орлова Е.В.", "status": "in_progress",
         "actual_start": day(-45)},
        {"name": "Обучение специалистов работе с электронными запросами", "planned_start": day(-100),
         "planned_end": day(-90), "result": "Обучены 24 специалиста", "responsible": "Сидорова А.А.",
         "status": "done", "actual_start": day(-100), "actual_end": day(-92)},
    ], "kpis": _kpis("Срок межведомственного запроса", 5, 1)})
    projects.agree_roadmap(chief_ctx, p.id, date.fromisoformat(day(-72)), version=p.version, late_reason=HISTORY)
    projects.approve_roadmap(head_ctx, p.id, date.fromisoformat(day(-70)), version=p.version, late_reason=HISTORY)
    first_kpi = p.kpis[0]
    projects.add_measurement(office, p.id, first_kpi.id, {"version": p.version, "late_reason": HISTORY, "measured_on": day(-15), "value": 2,
                                                          "note": "Влияние отдельных решений на этапе внедрения"})
    made.append(p)

    # 4. Post-monitoring: all measures done; one KPI missed, a request for reasons is open.
    p = projects.create_project(editor, {
        "process_id": _process(ctx, "MINSOC", "001").id, "ground": "governor_order", "initiated_on": day(-330),
        "ground_details": "Поручение Губернатора по итогам приёма граждан"})
    projects.save_order(editor, p.id, {"version": p.version,
        "order_number": "7-р", "order_date": day(-322), "start_date": day(-320), "end_date": day(-60),
        "team": ["Орлова Е.В., начальник отдела (руководитель группы)", "Сидорова А.А., Процессный офис"],
        "tasks": ["Приём заявления на выплату на ребёнка в электронном виде за 1 день"]})
    projects.save_analysis(editor, p.id, {**ANALYSIS, "version": p.version})
    projects.save_roadmap(editor, p.id, {"version": p.version, "measures": [
        {"name": "Приём заявления через ЕПГУ", "planned_start": day(-250), "planned_end": day(-150),
         "result": "Электронная форма на ЕПГУ", "responsible": "Белов К.Н.", "status": "done",
         "actual_start": day(-250), "actual_end": day(-155)},
        {"name": "Автоматическая регистрация заявления в АИС", "planned_start": day(-200), "planned_end": day(-90),
         "result": "Регистрация без участия специалиста", "responsible": "Орлова Е.В.", "status": "done",
         "actual_start": day(-195), "actual_end": day(-80)},
    ], "kpis": _kpis("Срок регистрации заявления", 3, 1)})
    projects.agree_roadmap(chief_ctx, p.id, date.fromisoformat(day(-262)), version=p.version, late_reason=HISTORY)
    projects.approve_roadmap(head_ctx, p.id, date.fromisoformat(day(-260)), version=p.version, late_reason=HISTORY)
    term, returns, output = p.kpis
    for measured_on, values in ((day(-45), (1, 6, 21)), (day(-14), (1, 4, 23))):
        for kpi, value in zip((term, returns, output), values):
            projects.add_measurement(office, p.id, kpi.id, {"version": p.version, "late_reason": HISTORY, "measured_on": measured_on, "value": value})
    made.append(p)

    # 5. Own forces of another ministry, in development, no office.
    zdrav = ctx.session.scalar(select(models.Process).join(models.Agency).where(models.Agency.code == "MINZDRAV")
                               .order_by(models.Process.id).limit(1))
    if zdrav is not None:
        p = projects.create_project(system, {"process_id": zdrav.id, "ground": "own_decision", "initiated_on": day(-20),
                                             "ground_details": "Приказ министра об оптимизации собственными силами"})
        projects.save_order(system, p.id, {"version": p.version,
            "order_number": "301", "order_date": day(-15), "start_date": day(-14), "end_date": day(200),
            "team": ["Рабочая группа министерства здравоохранения"], "tasks": ["Сократить срок процесса вдвое"]})
        made.append(p)
    return made
