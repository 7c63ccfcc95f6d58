"""Dates the server records (issue 16): a date a person gives is kept beside the server's time of entry; a date
further back than the tolerance (CATALOG_BACKDATE_DAYS) needs a reason and shows as «внесено позже»; the
office's answer to an application (Leningrad 4.2: «в течение трех рабочих дней направляет ответ») entered
late counts on the day it was entered."""
from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from catalog import formatting
from catalog.errors import InvalidInput
from catalog.services import calendar, entry_dates, projects
from catalog.services.context import Context

TEAM = {"team": ["Иванова М.П., начальник отдела"], "tasks": ["Сократить срок вдвое"]}
REASON = "Ответ направлен письмом № 12 и внесён после возвращения из командировки"


def as_user(ctx, user):
    return Context(session=ctx.session, user=user, settings=ctx.settings)


@pytest.fixture
def today(ctx):
    return entry_dates.local_day(ctx.settings)


@pytest.fixture
def people(seed, make_user):
    class People:
        owner = make_user("owner", ["agency_editor"], agency_ids=[seed.agency.id])
        # «Утверждаю» is the agency head's (Leningrad 4.3 п. 6); the office's head answers applications.
        head = make_user("head", ["agency_editor"], agency_ids=[seed.agency.id], level="head_of_agency")
        office = make_user("office", ["process_office"], level="head_of_agency")
    return People


@pytest.fixture
def applied(ctx, seed, people, today):
    # Entered by the server (a loader): history without a reason, stamped all the same.
    return projects.create_project(ctx, {"process_id": seed.process.id, "ground": "application",
                                         "initiated_on": (today - timedelta(days=20)).isoformat()})


def test_a_backdated_answer_is_refused_without_a_reason_and_flagged_with_one(ctx, client, applied, people, today,
                                                                            login):
    office = as_user(ctx, people.office)
    given = today - timedelta(days=ctx.settings.backdate_days + 1)
    data = {"version": applied.version, "decision": "refused", "refusal_reason": "Нет свободных сотрудников",
            "answered_on": given.isoformat()}
    with pytest.raises(InvalidInput) as error:
        projects.answer_application(office, applied.id, data)
    assert set(error.value.fields) == {"answered_on", "late_reason"}
    assert f"больше чем на {formatting.counted(3, 'день')}" in error.value.message
    assert projects.get_project(ctx, applied.id).application_decision is None  # nothing half-written

    answered = projects.answer_application(office, applied.id, {**data, "late_reason": REASON})
    assert answered.application_answered_on == given
    assert entry_dates.local_day(ctx.settings, answered.application_answered_entered_at) == today
    assert answered.late_reasons == {"application_answered_on": REASON}

    login("office")
    page = BeautifulSoup(client.get(f"/projects/{applied.id}").data, "html.parser")
    notes = [n.get_text() for n in page.select("#application ~ p .late")]
    assert f"внесено позже: {formatting.day(today)} ({REASON})" in notes
    shown = client.get(f"/api/v1/projects/{applied.id}").get_json()["application"]["answered"]
    assert shown["entered_late"] is True and shown["late_reason"] == REASON


def test_a_date_within_the_tolerance_needs_no_reason_and_is_not_flagged(ctx, applied, people, today):
    given = today - timedelta(days=ctx.settings.backdate_days)
    answered = projects.answer_application(as_user(ctx, people.office), applied.id, {
        "version": applied.version, "decision": "refused", "refusal_reason": "Нет свободных сотрудников",
        "answered_on": given.isoformat()})
    assert not entry_dates.is_late(ctx.settings, given, answered.application_answered_entered_at)
    assert answered.late_reasons == {}


def test_an_answer_entered_late_counts_on_the_day_it_was_entered(ctx, seed, people, today):
    """The issue's case: an answer entered on 01.12 as 24.11 used to count as on time."""
    submitted = today - timedelta(days=20)
    project = projects.create_project(as_user(ctx, people.owner), {
        "process_id": seed.process.id, "ground": "application", "initiated_on": submitted.isoformat(),
        "late_reason": "Заявка поступила письмом"})
    due = calendar.add_working_days(ctx, submitted, projects.APPLICATION_ANSWER_DAYS)
    assert project.application_due_on == due
    answered = projects.answer_application(as_user(ctx, people.office), project.id, {
        "version": project.version, "decision": "refused", "refusal_reason": "Нет свободных сотрудников",
        "answered_on": due.isoformat(), "late_reason": REASON})
    state = projects.application_state(answered, settings=ctx.settings)
    assert state["late"] and not state["overdue"]


def test_a_visa_dated_back_needs_a_reason_through_the_api_and_shows_it(ctx, client, seed, people, today, token_for):
    start = today - timedelta(days=30)
    project = projects.create_project(ctx, {"process_id": seed.process.id, "ground": "own_decision",
                                            "initiated_on": (start - timedelta(days=5)).isoformat()})
    projects.save_order(ctx, project.id, {"start_date": start.isoformat(),
                                          "end_date": (today + timedelta(days=90)).isoformat(), **TEAM})
    projects.save_roadmap(ctx, project.id, {"measures": [
        {"name": "Запрос сведений через СМЭВ", "planned_start": today.isoformat(),
         "planned_end": (today + timedelta(days=60)).isoformat(), "result": "Без справок", "responsible": "Иванова М.П."}],
        "kpis": [{"kind": "effectiveness", "name": "Срок", "unit": "дней", "target": 5, "direction": "at_most",
                  "method": "Медиана", "responsible": "Иванова М.П.", "responsible_position": "начальник отдела",
                  "responsible_level": "head_of_unit"}]})
    head = token_for(people.head)
    url = f"/api/v1/projects/{project.id}/roadmap/approve"
    given = (today - timedelta(days=10)).isoformat()
    version = client.get(f"/api/v1/projects/{project.id}").get_json()["version"]
    refused = client.post(url, headers=head, json={"version": version, "date": given})
    assert refused.status_code == 422 and set(refused.get_json()["fields"]) == {"approved_on", "late_reason"}
    done = client.post(url, headers=head, json={"version": version, "date": given, "late_reason": REASON})
    assert done.status_code == 200
    roadmap = done.get_json()["roadmap"]
    assert roadmap["approved_on"] == given and roadmap["approved"]["entered_late"] and roadmap["approved"]["late_reason"] == REASON


def test_a_backdated_measurement_opens_the_deviation_request_on_the_day_of_entry(ctx, seed, people, today):
    """Leningrad 4.5: the owner answers the office's request; it cannot be late before the office entered it."""
    start = today - timedelta(days=60)
    project = projects.create_project(ctx, {"process_id": seed.process.id, "ground": "own_decision",
                                            "initiated_on": (start - timedelta(days=5)).isoformat()})
    projects.save_order(ctx, project.id, {"start_date": start.isoformat(), "end_date": (today + timedelta(days=90)).isoformat(), **TEAM})
    projects.save_roadmap(ctx, project.id, {"measures": [
        {"name": "Запрос сведений через СМЭВ", "planned_start": start.isoformat(), "planned_end": (today + timedelta(days=60)).isoformat(),
         "result": "Без справок", "responsible": "Иванова М.П."}],
        "kpis": [{"kind": "effectiveness", "name": "Срок", "unit": "дней", "target": 5, "direction": "at_most",
                  "method": "Медиана", "responsible": "Иванова М.П.", "responsible_position": "начальник отдела",
                  "responsible_level": "head_of_unit"}]})
    projects.approve_roadmap(ctx, project.id, start + timedelta(days=1), version=project.version)
    measured = today - timedelta(days=40)
    [kpi] = project.kpis
    measurement = projects.add_measurement(as_user(ctx, people.office), project.id, kpi.id, {
        "version": project.version, "measured_on": measured.isoformat(), "value": 9, "late_reason": "Данные за октябрь получены позже"})
    assert measurement.late_reason and entry_dates.is_late(ctx.settings, measurement.measured_on, measurement.entered_at)
    [request] = project.deviation_requests
    assert request.opened_on == today
    assert request.due_on == calendar.add_working_days(ctx, today, projects.DEVIATION_ANSWER_DAYS)
    assert not projects.request_overdue(request, today, settings=ctx.settings)


def test_an_application_received_long_ago_needs_a_reason_naming_the_field_typed(ctx, seed, people, today):
    owner = as_user(ctx, people.owner)
    old = (today - timedelta(days=10)).isoformat()
    with pytest.raises(InvalidInput) as error:
        projects.create_project(owner, {"process_id": seed.process.id, "ground": "application", "initiated_on": old})
    assert set(error.value.fields) == {"initiated_on", "late_reason"}
    with pytest.raises(InvalidInput) as error:
        projects.create_project(owner, {"process_id": seed.process.id, "ground": "application",
                                        "initiated_on": old, "application_submitted_on": old})
    assert set(error.value.fields) == {"application_submitted_on", "late_reason"}
    made = projects.create_project(owner, {"process_id": seed.process.id, "ground": "application",
                                           "initiated_on": old, "late_reason": "Заявка поступила письмом"})
    assert made.late_reasons == {"application_submitted_on": "Заявка поступила письмом"}
    assert entry_dates.is_late(ctx.settings, made.application_submitted_on, made.application_submitted_entered_at)


def test_the_new_project_page_asks_for_the_reason_and_keeps_what_was_typed(client, seed, people, today, login):
    login("owner")
    old = (today - timedelta(days=10)).isoformat()
    form = {"process_id": seed.process.id, "ground": "application", "initiated_on": old}
    refused = client.post("/projects/new", data=form)
    assert refused.status_code == 422
    page = BeautifulSoup(refused.data, "html.parser")
    assert "Укажите, почему дата вносится позже" in page.get_text()
    assert page.select_one("input[name=initiated_on]")["value"] == old
    made = client.post("/projects/new", data={**form, "late_reason": "Заявка поступила письмом"})
    assert made.status_code == 302
    shown = BeautifulSoup(client.get(made.headers["Location"]).data, "html.parser")
    assert f"внесено позже: {formatting.day(today)} (Заявка поступила письмом)" in shown.get_text()
