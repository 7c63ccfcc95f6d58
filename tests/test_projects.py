"""Optimisation projects (Leningrad 4–6): initiation, application answered in three working days, order,
stages with derived dates, roadmap approvals, KPIs and deviations; API, pages and CLI."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from catalog import models
from catalog.errors import Conflict, Forbidden, InvalidInput
from catalog.services import calendar, entry_dates, projects
from catalog.services.context import Context

ORDER = {"order_number": "12-р", "order_date": "2025-11-10", "start_date": "2025-11-12", "end_date": "2026-06-30",
         "team": ["Иванова М.П., начальник отдела", "Сидоров А.А., Процессный офис"],
         "tasks": ["Сократить срок назначения выплаты до 5 рабочих дней"]}
MEASURES = [
    {"name": "Запрос сведений о доходах через СМЭВ", "planned_start": "2025-12-01", "planned_end": "2026-02-27",
     "result": "Заявитель не приносит справки", "responsible": "Иванова М.П."},
    {"name": "Проактивное уведомление", "planned_start": "2026-01-12", "planned_end": "2026-04-30",
     "result": "Уведомление без заявления", "responsible": "Петров П.И."},
]
KPIS = [
    {"kind": "effectiveness", "name": "Срок назначения выплаты", "unit": "рабочих дней", "baseline": 10,
     "target": 5, "direction": "at_most", "method": "Медиана срока по реестру заявлений за месяц",
     "responsible": "Иванова М.П.", "responsible_position": "начальник отдела", "responsible_level": "head_of_unit"},
    {"kind": "quality", "name": "Доля отказов", "unit": "%", "target": 3, "direction": "at_most",
     "method": "Отказы / заявления за квартал", "responsible": "Сергеев С.С.",
     "responsible_position": "заместитель министра", "responsible_level": "deputy_head_of_agency"},
]

# Issue 16: these tests give dates of 2025, further back than the tolerance: a person says why.
LATE = "Внесено по письму, поступившему ранее"


def _version(client, pid):
    """The version a user reads before changing the project, as the page and the API show it."""
    return client.get(f"/api/v1/projects/{pid}").get_json()["version"]


def as_user(ctx, user):
    return Context(session=ctx.session, user=user, settings=ctx.settings)


@pytest.fixture
def people(seed, make_user):
    class People:
        owner = make_user("owner", ["agency_editor"], agency_ids=[seed.agency.id])
        # Leningrad 4.3 п. 6, 4.4: the head of the owning agency approves; 4.3 п. 7: the head of the process office agrees.
        head = make_user("head", ["agency_editor"], agency_ids=[seed.agency.id], level="head_of_agency", position="министр")
        stranger = make_user("stranger", ["agency_editor"], agency_ids=[seed.other_agency.id])
        office = make_user("office", ["process_office"])
        chief = make_user("chief", ["process_office"], level="head_of_agency", position="руководитель Процессного офиса")
        admin = make_user("admin", ["admin"])
    return People


@pytest.fixture
def applied(ctx, seed, people):
    # Submitted on Friday 31 October 2025: the answer is due on Thursday 6 November (1 November is a
    # working Saturday, 3 and 4 November are days off).
    return projects.create_project(as_user(ctx, people.owner), {
        "process_id": seed.process.id, "ground": "application", "late_reason": LATE, "initiated_on": "2025-10-31",
        "ground_details": "Письмо министра от 31.10.2025 № 45"})


@pytest.fixture
def ordered(ctx, applied, people):
    projects.answer_application(as_user(ctx, people.office), applied.id, {"version": applied.version,
        "decision": "accepted", "late_reason": LATE, "answered_on": "2025-11-05", "office_members": ["Сидоров А.А."],
        "suggested_start": "2025-11-12", "suggested_end": "2026-06-30", "training": "Семинар по картированию"})
    return projects.save_order(as_user(ctx, people.owner), applied.id, {**ORDER, "version": applied.version})


@pytest.fixture
def drafted(ctx, ordered, people):
    return projects.save_roadmap(as_user(ctx, people.owner), ordered.id, {"version": ordered.version, "measures": MEASURES, "kpis": KPIS})


@pytest.fixture
def approved(ctx, drafted, people):
    projects.agree_roadmap(as_user(ctx, people.chief), drafted.id, date(2025, 11, 27), version=drafted.version, late_reason=LATE)
    return projects.approve_roadmap(as_user(ctx, people.head), drafted.id, date(2025, 11, 28), version=drafted.version, late_reason=LATE)


def test_application_is_due_in_three_working_days_and_a_late_answer_is_flagged(ctx, applied, people):
    assert applied.application_due_on == date(2025, 11, 6)
    # One optimisation of a process at a time.
    with pytest.raises(Conflict, match=f"проект № {applied.id}"):
        projects.create_project(as_user(ctx, people.owner), {"process_id": applied.process_id, "ground": "own_decision"})
    state = projects.application_state(applied, today=date(2025, 11, 7))
    assert state["overdue"] and not state["late"]
    assert projects.current_stage(applied, date(2025, 11, 7)) == "initiation"
    with pytest.raises(Forbidden):
        projects.answer_application(as_user(ctx, people.owner), applied.id, {"version": applied.version, "decision": "refused",
                                                                            "refusal_reason": "нет"})
    with pytest.raises(InvalidInput) as error:
        projects.answer_application(as_user(ctx, people.office), applied.id, {"version": applied.version, "decision": "refused"})
    assert list(error.value.fields) == ["refusal_reason"]
    with pytest.raises(InvalidInput) as error:
        projects.answer_application(as_user(ctx, people.office), applied.id, {"version": applied.version, "decision": "accepted"})
    assert set(error.value.fields) == {"office_members", "suggested_start", "suggested_end", "training"}
    answered = projects.answer_application(as_user(ctx, people.office), applied.id, {"version": applied.version,
        "decision": "refused", "late_reason": LATE, "answered_on": "2025-11-10", "refusal_reason": "Нет свободных сотрудников"})
    state = projects.application_state(answered, today=date(2025, 11, 20))
    assert state["late"] and not state["overdue"] and answered.with_office is False
    # A refusal does not stop the owner: the order is issued and the work goes on with its own forces.
    assert projects.save_order(as_user(ctx, people.owner), applied.id, {**ORDER, "version": applied.version}).start_date == date(2025, 11, 12)


def test_stage_dates_are_derived_as_the_regulation_says(ctx, approved, people):
    rows = {s["stage"]: (s["start"], s["end"]) for s in projects.stages(approved, date(2025, 12, 1))}
    assert rows == {
        "initiation": (date(2025, 10, 31), date(2025, 11, 12)),
        "development": (date(2025, 11, 12), date(2025, 11, 28)),  # the order's start → the roadmap's approval
        "implementation": (date(2025, 11, 28), date(2026, 4, 30)),  # → the last measure's date
        "post_monitoring": (date(2026, 4, 30), None),
    }
    assert projects.current_stage(approved, date(2025, 11, 11)) == "initiation"
    assert projects.current_stage(approved, date(2025, 11, 20)) == "development"
    assert projects.current_stage(approved, date(2025, 12, 1)) == "implementation"
    team = as_user(ctx, people.owner)
    first, second = approved.measures
    projects.update_measure(team, approved.id, first.id, {"version": approved.version, "status": "done", "actual_start": "2025-12-01",
                                                          "actual_end": "2026-02-20"})
    projects.update_measure(team, approved.id, second.id, {"version": approved.version, "status": "done", "actual_start": "2026-01-12",
                                                           "actual_end": "2026-05-15"})
    # Done late: the project ends with the actual date of the last measure.
    assert projects.project_end(approved) == date(2026, 5, 15)
    assert projects.current_stage(approved, date(2026, 5, 20)) == "post_monitoring"
    assert [p.id for p in projects.list_projects(ctx, stage="post_monitoring", today=date(2026, 5, 20))] == [approved.id]
    assert projects.list_projects(ctx, stage="development", today=date(2026, 5, 20)) == []


def test_who_may_agree_and_approve_the_roadmap(ctx, drafted, people):
    assert drafted.roadmap_authors == ["owner"]
    # The owner's editor wrote it: they approve nothing of it.
    with pytest.raises(Forbidden, match="составляли"):
        projects.approve_roadmap(as_user(ctx, people.owner), drafted.id, date(2025, 11, 28), version=drafted.version, late_reason=LATE)
    # A user of another agency and the office do not approve («утверждаю» is the owner's).
    for user in (people.stranger, people.office):
        with pytest.raises(Forbidden):
            projects.approve_roadmap(as_user(ctx, user), drafted.id, date(2025, 11, 28), version=drafted.version, late_reason=LATE)
    # The office takes part: its «согласовано» comes first.
    with pytest.raises(Conflict, match="согласует"):
        projects.approve_roadmap(as_user(ctx, people.head), drafted.id, date(2025, 11, 28), version=drafted.version, late_reason=LATE)
    with pytest.raises(Forbidden):
        projects.agree_roadmap(as_user(ctx, people.head), drafted.id, date(2025, 11, 27), version=drafted.version, late_reason=LATE)
    # An office member who edits the roadmap becomes its author and cannot agree it.
    projects.save_roadmap(as_user(ctx, people.office), drafted.id, {"version": drafted.version, "measures": MEASURES, "kpis": KPIS})
    with pytest.raises(Forbidden, match="составляли"):
        projects.agree_roadmap(as_user(ctx, people.office), drafted.id, date(2025, 11, 27), version=drafted.version, late_reason=LATE)
    agreed = projects.agree_roadmap(as_user(ctx, people.chief), drafted.id, date(2025, 11, 27), version=drafted.version, late_reason=LATE)
    assert agreed.agreed_by == "chief"
    with pytest.raises(InvalidInput) as error:
        projects.approve_roadmap(as_user(ctx, people.head), drafted.id, date(2025, 11, 26), version=drafted.version, late_reason=LATE)
    assert list(error.value.fields) == ["approved_on"]
    ctx.session.rollback()
    done = projects.approve_roadmap(as_user(ctx, people.head), drafted.id, date(2025, 11, 28), version=drafted.version, late_reason=LATE)
    assert (done.approved_by, done.approved_on) == ("head", date(2025, 11, 28))
    with pytest.raises(Conflict):
        projects.save_roadmap(as_user(ctx, people.owner), drafted.id, {"version": drafted.version, "measures": MEASURES, "kpis": KPIS})


def test_a_changed_roadmap_loses_its_agreement(ctx, drafted, people):
    projects.agree_roadmap(as_user(ctx, people.chief), drafted.id, date(2025, 11, 27), version=drafted.version, late_reason=LATE)
    changed = projects.save_roadmap(as_user(ctx, people.owner), drafted.id, {"version": drafted.version, "measures": MEASURES[:1], "kpis": KPIS})
    assert changed.agreed_on is None and changed.agreed_by is None


def test_without_the_office_the_owner_approves_alone(ctx, seed, people):
    owner = as_user(ctx, people.owner)
    project = projects.create_project(owner, {"process_id": seed.process.id, "ground": "own_decision",
                                              "initiated_on": "2026-01-12"})
    assert project.application_due_on is None and project.with_office is False
    projects.save_order(owner, project.id, {"version": project.version, **ORDER, "order_date": "2026-01-13", "start_date": "2026-01-14",
                                            "end_date": "2026-12-30"})
    measures = [{**MEASURES[1], "planned_start": "2026-02-02"}]
    projects.save_roadmap(owner, project.id, {"version": project.version, "measures": measures, "kpis": KPIS[:1]})
    with pytest.raises(Conflict):
        projects.agree_roadmap(as_user(ctx, people.chief), project.id, date(2026, 1, 20), version=project.version, late_reason=LATE)
    assert projects.approve_roadmap(as_user(ctx, people.head), project.id, date(2026, 1, 20), version=project.version, late_reason=LATE).approved_on


def test_kpi_deviation_opens_a_request_that_the_owner_answers(ctx, approved, people):
    office = as_user(ctx, people.office)
    term, refusals = approved.kpis
    ok = projects.add_measurement(office, approved.id, term.id, {"version": approved.version, "late_reason": LATE, "measured_on": "2026-05-29", "value": 4.5})
    assert not ok.deviates and approved.deviation_requests == []
    missed = projects.add_measurement(office, approved.id, term.id, {"version": approved.version, "late_reason": LATE, "measured_on": "2026-06-30", "value": 7})
    assert missed.deviates
    [request] = approved.deviation_requests
    # Issue 16: the office's request (4.5) exists once the measurement is entered: a measurement of 30 June
    # entered today opens it today, and the owner's ten working days run from today.
    today = entry_dates.local_day(ctx.settings)
    assert request.state == "open" and request.kpi_id == term.id and request.opened_on == today
    assert request.due_on == calendar.add_working_days(ctx, today, projects.DEVIATION_ANSWER_DAYS)
    # A second miss of the same KPI while the request is open does not open another one.
    projects.add_measurement(office, approved.id, term.id, {"version": approved.version, "late_reason": LATE, "measured_on": "2026-07-31", "value": 6})
    assert len(approved.deviation_requests) == 1
    with pytest.raises(Forbidden):
        projects.add_measurement(as_user(ctx, people.stranger), approved.id, refusals.id,
                                 {"late_reason": LATE, "measured_on": "2026-06-30", "value": 1})
    with pytest.raises(Forbidden):
        projects.answer_deviation(office, approved.id, request.id, {"version": approved.version, "reasons": "x", "corrective_measures": "y"})
    with pytest.raises(InvalidInput) as error:
        projects.answer_deviation(as_user(ctx, people.owner), approved.id, request.id, {"version": approved.version, "reasons": "Сбой СМЭВ"})
    assert list(error.value.fields) == ["corrective_measures"]
    answered = projects.answer_deviation(as_user(ctx, people.owner), approved.id, request.id, {"version": approved.version,
        "reasons": "Сбой СМЭВ в июне", "corrective_measures": "Резервный канал запроса"})
    assert answered.state == "answered" and not projects.request_overdue(answered)  # answered today, within the term
    with pytest.raises(Forbidden):
        projects.assess_deviation(as_user(ctx, people.owner), approved.id, request.id, {"version": approved.version, "assessment": "хорошо"})
    with pytest.raises(InvalidInput) as error:
        projects.assess_deviation(office, approved.id, request.id, {"version": approved.version, "assessment": " "})
    assert list(error.value.fields) == ["assessment"]
    assessed = projects.assess_deviation(office, approved.id, request.id, {"version": approved.version,
        "assessment": "Мероприятия достаточны; Губернатор проинформирован"})
    assert assessed.state == "assessed" and assessed.assessed_by == "office"
    with pytest.raises(Conflict):
        projects.assess_deviation(office, approved.id, request.id, {"version": approved.version, "assessment": "ещё раз"})
    with pytest.raises(InvalidInput) as error:
        projects.add_measurement(office, approved.id, term.id, {"version": approved.version, "late_reason": LATE, "measured_on": "2025-11-01", "value": 1})
    assert list(error.value.fields) == ["measured_on"]


def test_bad_input_names_the_field_and_saves_nothing(ctx, seed, ordered, people):
    owner = as_user(ctx, people.owner)
    with pytest.raises(InvalidInput) as error:
        projects.save_order(owner, ordered.id, {"version": ordered.version, **ORDER, "start_date": "2026-07-01", "end_date": "2026-06-30"})
    assert error.value.fields == {"end_date": ["Дата окончания работ раньше даты начала."]}
    ctx.session.rollback()
    bad_measures = [MEASURES[0], {**MEASURES[1], "planned_end": "2026-07-15"},
                    {**MEASURES[1], "planned_start": "2026-03-01", "planned_end": "2026-02-01"}]
    no_method = [{**KPIS[0], "method": ""}, {**KPIS[1], "responsible_level": "specialist"}]
    with pytest.raises(InvalidInput) as error:
        projects.save_roadmap(owner, ordered.id, {"version": ordered.version, "measures": bad_measures, "kpis": no_method})
    assert error.value.fields == {"kpis.0.method": ["Укажите методику расчёта показателя."]}
    ctx.session.rollback()
    with pytest.raises(InvalidInput) as error:
        projects.save_roadmap(owner, ordered.id, {"version": ordered.version, "measures": bad_measures, "kpis": KPIS[1:] + [no_method[1]]})
    assert error.value.fields == {
        "measures.1.planned_end": ["Мероприятие заканчивается позже окончания работ по оптимизации (30.06.2026)."],
        "measures.2.planned_end": ["Плановая дата окончания раньше даты начала."],
        "kpis.1.responsible_level": ["Ответственный за показатель — не ниже начальника структурного подразделения (п. 6.4)."],
    }
    ctx.session.rollback()
    fresh = projects.get_project(ctx, ordered.id)
    assert fresh.measures == [] and fresh.kpis == [] and fresh.roadmap_authors == []
    with pytest.raises(InvalidInput) as error:
        projects.create_project(owner, {"process_id": seed.process.id, "ground": "по просьбе"})
    assert list(error.value.fields) == ["ground"]
    with pytest.raises(InvalidInput) as error:
        projects.create_project(owner, {"process_id": seed.process.id, "ground": "application", "late_reason": LATE, "with_office": True,
                                        "application_submitted_on": "2020-01-01", "initiated_on": "2020-02-01"})
    assert set(error.value.fields) == {"with_office", "application_submitted_on"}
    with pytest.raises(InvalidInput) as error:
        projects.save_analysis(owner, ordered.id, {"version": ordered.version, "losses": [{"kind": "waiting"}],
                                                   "root_causes": [{"category": "luck", "description": "x"}]})
    assert set(error.value.fields) == {"losses.0.description", "root_causes.0.category"}
    with pytest.raises(Forbidden):
        projects.save_order(as_user(ctx, people.stranger), ordered.id, {**ORDER, "version": ordered.version})
    projects.save_roadmap(owner, ordered.id, {"version": ordered.version, "measures": MEASURES, "kpis": KPIS})
    with pytest.raises(InvalidInput) as error:
        projects.agree_roadmap(as_user(ctx, people.chief), ordered.id, date.today() + timedelta(days=400), version=ordered.version)
    assert list(error.value.fields) == ["agreed_on"]


def test_every_change_is_an_event_of_kind_projects(ctx, approved, people):
    projects.save_analysis(as_user(ctx, people.owner), approved.id, {"version": approved.version,
        "problem": "Долгое назначение", "goals": "5 дней", "best_practices": "Опыт Татарстана",
        "losses": [{"kind": "waiting", "description": "Ожидание ответов на запросы"}],
        "root_causes": [{"category": "methods", "description": "Бумажные запросы"}]})
    events = ctx.session.scalars(select(models.ChangeEvent).where(models.ChangeEvent.record_kind == "projects")
                                 .order_by(models.ChangeEvent.id)).all()
    assert [e.action for e in events] == ["create"] + ["update"] * 6
    assert "application_decision" in events[1].changes and "start_date" in events[2].changes
    assert "measures" in events[3].changes and "approved_on" in events[5].changes and "losses" in events[6].changes
    assert [e.version for e in events] == list(range(1, 8))


def test_project_api(client, seed, people, token_for):
    owner, office, chief, head = (token_for(u) for u in (people.owner, people.office, people.chief, people.head))
    created = client.post("/api/v1/projects", headers=owner, json={
        "process_id": seed.process.id, "ground": "application", "late_reason": LATE, "initiated_on": "2025-10-31"})
    assert created.status_code == 201
    body = created.get_json()
    pid = body["id"]
    assert body["application"]["due_on"] == "2025-11-06" and body["stage"] == "initiation"
    assert client.post("/api/v1/projects", json={"process_id": seed.process.id, "ground": "application"}).status_code == 401
    refused = client.post(f"/api/v1/projects/{pid}/application/answer", headers=office, json={"version": _version(client, pid), "decision": "refused"})
    assert refused.status_code == 422 and list(refused.get_json()["fields"]) == ["refusal_reason"]
    accepted = client.post(f"/api/v1/projects/{pid}/application/answer", headers=office, json={"version": _version(client, pid),
        "decision": "accepted", "late_reason": LATE, "answered_on": "2025-11-07", "office_members": ["Сидоров А.А."],
        "suggested_start": "2025-11-12", "suggested_end": "2026-06-30", "training": "Семинар"}).get_json()
    assert accepted["application"]["late"] is True and accepted["with_office"] is True
    bad = client.put(f"/api/v1/projects/{pid}/order", headers=owner, json={"version": _version(client, pid), **ORDER, "end_date": "2025-01-01"})
    assert bad.status_code == 422 and "end_date" in bad.get_json()["fields"]
    assert client.put(f"/api/v1/projects/{pid}/order", headers=owner, json={**ORDER, "version": _version(client, pid)}).get_json()["stages"][1]["start"] == "2025-11-12"
    no_method = client.put(f"/api/v1/projects/{pid}/roadmap", headers=owner,
                           json={"measures": MEASURES, "kpis": [{**KPIS[0], "method": None}]})
    assert no_method.get_json()["fields"] == {"kpis.0.method": ["Укажите методику расчёта показателя."]}
    client.put(f"/api/v1/projects/{pid}/roadmap", headers=owner, json={"version": _version(client, pid), "measures": MEASURES, "kpis": KPIS})
    assert client.post(f"/api/v1/projects/{pid}/roadmap/approve", headers=owner, json={"version": _version(client, pid), "late_reason": LATE, "date": "2025-11-28"}).status_code == 403
    assert client.post(f"/api/v1/projects/{pid}/roadmap/approve", headers=head, json={"version": _version(client, pid), "late_reason": LATE, "date": "2025-11-28"}).status_code == 409
    assert client.post(f"/api/v1/projects/{pid}/roadmap/agree", headers=chief, json={"version": _version(client, pid), "late_reason": LATE, "date": "2025-11-27"}).status_code == 200
    approved = client.post(f"/api/v1/projects/{pid}/roadmap/approve", headers=head, json={"version": _version(client, pid), "late_reason": LATE, "date": "2025-11-28"}).get_json()
    assert approved["stages"][2] == {"stage": "implementation", "label": "внедрение оптимизационных решений",
                                     "start": "2025-11-28", "end": "2026-04-30", "current": approved["stage"] == "implementation"}
    detail = client.get(f"/api/v1/projects/{pid}").get_json()
    # Development: after 12 November up to 28 November 2025, no holidays in between.
    assert detail["stages"][1]["working_days"] == 12 and detail["stages"][3]["working_days"] is None
    history = client.get(f"/api/v1/projects/{pid}/history").get_json()["items"]
    assert history[0]["record_kind"] == "projects" and "approved_on" in history[0]["changes"]
    measure_id = approved["roadmap"]["measures"][0]["id"]
    assert client.patch(f"/api/v1/projects/{pid}/measures/{measure_id}", headers=owner,
                        json={"version": _version(client, pid), "status": "done"}).get_json()["fields"] == {
        "actual_end": ["Для выполненного мероприятия укажите фактическую дату выполнения."]}
    kpi_id = approved["kpis"][0]["id"]
    measured = client.post(f"/api/v1/projects/{pid}/kpis/{kpi_id}/measurements", headers=office,
                           json={"version": _version(client, pid), "late_reason": LATE, "measured_on": "2026-06-01", "value": 9})
    assert measured.status_code == 201 and measured.get_json()["deviates"] is True
    [request] = measured.get_json()["project"]["deviation_requests"]
    answer = client.post(f"/api/v1/projects/{pid}/deviations/{request['id']}/answer", headers=head,
                         json={"version": _version(client, pid), "reasons": "Сбой", "corrective_measures": "Резервный канал"})
    assert answer.status_code == 200 and answer.get_json()["state"] == "answered"
    assessed = client.post(f"/api/v1/projects/{pid}/deviations/{request['id']}/assess", headers=office,
                           json={"version": _version(client, pid), "assessment": "Достаточно"})
    assert assessed.get_json()["state"] == "assessed"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/projects", "/projects/{project_id}/roadmap/approve", "/calendar/working-days"} <= set(spec["paths"])
    listed = client.get(f"/api/v1/projects?agency_id={seed.agency.id}").get_json()["items"]
    assert [p["id"] for p in listed] == [pid]
    assert client.get(f"/api/v1/projects?agency_id={seed.other_agency.id}").get_json()["items"] == []
    assert client.get("/api/v1/projects?stage=somewhere").status_code == 422
    assert client.get("/api/v1/projects/999").status_code == 404
    # Approved: the team no longer deletes it; an administrator does.
    current = client.get(f"/api/v1/projects/{pid}").get_json()["version"]
    assert client.delete(f"/api/v1/projects/{pid}?version={current}", headers=owner).status_code == 403
    admin = token_for(people.admin)
    assert client.delete(f"/api/v1/projects/{pid}?version=1", headers=admin).status_code == 409
    assert client.delete(f"/api/v1/projects/{pid}", headers=admin).status_code == 422  # no version
    assert client.delete(f"/api/v1/projects/{pid}?version={current}", headers=admin).status_code == 200
    assert client.get(f"/api/v1/projects/{pid}").status_code == 404
    assert client.get("/api/v1/projects").get_json()["items"] == []


def test_project_pages(client, seed, people, login, ctx):
    login("owner")
    assert "Оптимизация" in client.get("/").get_data(as_text=True)
    form = client.get(f"/projects/new?process_id={seed.process.id}").get_data(as_text=True)
    assert "Основание (п. 4.2)" in form
    bad = client.post("/projects/new", data={"process_id": seed.process.id, "ground": ""})
    assert bad.status_code == 422 and "Обязательное поле не заполнено." in bad.get_data(as_text=True)
    created = client.post("/projects/new", data={"process_id": seed.process.id, "ground": "own_decision",
                                                 "initiated_on": "2026-01-12"})
    url = created.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "инициирование" in page and "Правовой акт ещё не внесён" in page
    order = client.post(url + "/order", data={"version": _version(client, url.rsplit("/", 1)[1]), "start_date": "2026-01-14", "end_date": "2026-01-13",
                                              "team": "Иванова М.П.\nПетров П.И.", "tasks": "Сократить срок"})
    assert order.status_code == 422 and "Дата окончания работ раньше даты начала." in order.get_data(as_text=True)
    assert client.post(url + "/order", data={"version": _version(client, url.rsplit("/", 1)[1]), "start_date": "2026-01-14", "end_date": "2026-12-30",
                                             "team": "Иванова М.П.\nПетров П.И.", "tasks": "Сократить срок"}).status_code == 302
    analysis = client.post(url + "/analysis", data={"version": _version(client, url.rsplit("/", 1)[1]), "problem": "Долго", "loss-0-kind": "waiting",
                                                    "loss-0-description": "Ожидание справок",
                                                    "cause-0-category": "methods", "cause-0-description": ""})
    assert analysis.status_code == 302
    roadmap = client.get(url + "/roadmap").get_data(as_text=True)
    assert 'name="measure-0-name"' in roadmap and 'name="kpi-0-method"' in roadmap
    row = {"measure-0-name": "СМЭВ-запрос", "measure-0-planned_start": "2026-02-02", "measure-0-planned_end": "2027-02-01",
           "measure-0-result": "Без справок", "measure-0-responsible": "Иванова", "measure-0-status": "planned",
           "kpi-0-kind": "effectiveness", "kpi-0-name": "Срок", "kpi-0-unit": "дней", "kpi-0-target": "5",
           "kpi-0-direction": "at_most", "kpi-0-method": "", "kpi-0-responsible": "Иванова",
           "kpi-0-responsible_position": "начальник отдела", "kpi-0-responsible_level": "head_of_unit",
           "kpi-1-kind": "quality", "kpi-1-direction": "at_least", "kpi-1-responsible_level": "head_of_agency"}
    row["version"] = _version(client, url.rsplit("/", 1)[1])
    bad = client.post(url + "/roadmap", data=row)
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Укажите методику расчёта показателя." in text
    row["kpi-0-method"] = "Медиана срока"
    row["version"] = _version(client, url.rsplit("/", 1)[1])
    bad = client.post(url + "/roadmap", data=row)
    assert bad.status_code == 422 and "позже окончания работ по оптимизации (30.12.2026)" in bad.get_data(as_text=True)
    row["measure-0-planned_end"] = "2026-06-30"
    assert client.post(url + "/roadmap", data=row).status_code == 302
    # The owner's editor wrote the roadmap: approving it shows why not.
    page = client.get(url).get_data(as_text=True)
    assert "Вы составляли эту дорожную карту" in page and "«Утверждаю»</button>" not in page
    refused = client.post(url + "/roadmap/approve", data={"version": _version(client, url.rsplit("/", 1)[1]), "late_reason": LATE, "date": "2026-01-20"})
    assert refused.status_code == 403
    client.post("/logout")
    login("head")
    assert "«Утверждаю»</button>" in client.get(url).get_data(as_text=True)
    stale = client.post(url + "/roadmap/approve", data={"late_reason": LATE, "date": "2026-01-20", "version": "1"})
    assert stale.status_code == 409 and "изменён другим пользователем" in stale.get_data(as_text=True)
    approved = client.post(url + "/roadmap/approve", data={"version": _version(client, url.rsplit("/", 1)[1]), "late_reason": LATE, "date": "2026-01-20"})
    assert approved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "«Утверждаю»: <b>Head, министр, 20.01.2026</b> (№ ДК-2026-0001)" in page and "Медиана срока" in page  # by name and position, not login (issue 16)
    listing = client.get(f"/projects?agency_id={seed.agency.id}").get_data(as_text=True)
    assert seed.process.name in listing
    assert seed.process.name not in client.get("/projects?stage=post_monitoring").get_data(as_text=True)
    by_process = client.get(f"/projects?process_id={seed.process.id}").get_data(as_text=True)
    assert "все проекты" in by_process and url.rsplit("/", 1)[1] in by_process
    assert "Оптимизация процесса" in client.get(f"/processes/{seed.process.id}").get_data(as_text=True)


def test_project_cli(runner, approved, ctx):
    out = runner.invoke("projects", "list", "--agency", "MINSOC").output
    assert f"{approved.id}\t" in out and "Приём заявления" in out
    shown = runner.invoke("projects", "show", str(approved.id)).output
    assert "разработка оптимизационных решений: 12.11.2025 — 28.11.2025" in shown
    head = ctx.session.scalar(select(models.User).where(models.User.login == "head"))
    assert f"утверждено {head.full_name} 28.11.2025" in shown and "утверждено head" not in shown and "КПЭ Срок назначения выплаты" in shown
    assert runner.invoke("projects", "list", "--agency", "NOPE").exit_code != 0


def test_demo_projects_on_the_demo_region(demo_region, ctx, client, login):
    made = sorted(projects.list_projects(ctx), key=lambda p: p.id)
    assert {projects.current_stage(p) for p in made} == {"initiation", "development", "implementation",
                                                         "post_monitoring"}
    assert projects.application_state(made[0])["overdue"]
    post = made[3]
    assert [r.state for r in post.deviation_requests] == ["open"]  # the returns KPI missed its target
    assert post.approved_by == "head" and "head" not in post.roadmap_authors
    assert any(projects.measure_overdue(m) for m in made[2].measures)
    page = client.get("/projects").get_data(as_text=True)
    assert "ответ на заявку просрочен" in page and "постмониторинг" in page and "просрочено мероприятий: 1" in page
    assert "отклонение от цели" in client.get(f"/projects/{post.id}").get_data(as_text=True)
