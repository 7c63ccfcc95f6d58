"""One meaning of «version»: every change of a versioned thing carries the version it was made against.

For every versioned operation of every domain (records, passports, cost positions, system requests,
optimisation projects and their parts): no version → 422 naming ``version``; a stale one → 409 saying
what the current version is; the current one → the change is applied and the version goes up by one.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from catalog.errors import Conflict, InvalidInput
from catalog.services import costs, passports, projects, requests
from catalog.services import records as r
from tests.test_costs import SPECIALIST
from tests.test_requests import good_request
from tests.test_requests import world  # noqa: F401  (a fixture)
from tests.test_projects import KPIS, MEASURES, ORDER, as_user
from tests.test_projects import applied, approved, drafted, ordered, people  # noqa: F401  (fixtures)

STEPS = [{"name": "Приём заявления", "duration_minutes": 10, "times_per_year": 100}]
CONCLUSION = {"conclusion": "positive", "reasons": "процессы описаны", "overlap_answer": "учтено"}
DECISION = {"decision": "returned", "reasons": "опишите процессы AS-IS"}

# Issue 16: these tests give dates of 2025, further back than the tolerance: a person says why.
LATE = "Внесено по письму, поступившему ранее"


def _fixture(request, name):
    return request.getfixturevalue(name)


# Each case: (ctx, seed, request) -> (the versioned object, change(version) made by a user who may make it).

def _record_update(ctx, seed, request):
    admin = as_user(ctx, _fixture(request, "make_user")("admin", ["admin"]))
    return seed.process, lambda v: r.update_record(admin, "processes", seed.process.id, {"version": v, "client": "Граждане"})


def _record_delete(ctx, seed, request):
    admin = as_user(ctx, _fixture(request, "make_user")("admin", ["admin"]))
    return seed.dataset, lambda v: r.delete_record(admin, "datasets", seed.dataset.id, v)


def _record_restore(ctx, seed, request):
    admin = as_user(ctx, _fixture(request, "make_user")("admin", ["admin"]))
    r.delete_record(ctx, "datasets", seed.dataset.id, seed.dataset.version)
    return seed.dataset, lambda v: r.restore_record(admin, "datasets", seed.dataset.id, v)


def _editor(ctx, seed, request):
    # The head of the owning agency (issue 16: a passport is approved by position, by default the head).
    return as_user(ctx, _fixture(request, "make_user")("social", ["agency_editor"], agency_ids=[seed.agency.id],
                                                       level="head_of_agency"))


def _passport_save(ctx, seed, request):
    editor, draft = _editor(ctx, seed, request), passports.create_passport(ctx, seed.process.id, "as_is")
    return draft, lambda v: passports.save_passport(editor, draft.id, {"version": v, "steps": STEPS})


def _passport_approve(ctx, seed, request):
    editor, draft = _editor(ctx, seed, request), passports.create_passport(ctx, seed.process.id, "as_is")
    passports.save_passport(ctx, draft.id, {"version": draft.version, "steps": STEPS})
    return draft, lambda v: passports.approve(editor, draft.id, v)


def _passport_bpmn(ctx, seed, request):
    """A diagram loaded into an existing draft replaces its content: a change of that draft."""
    editor, draft = _editor(ctx, seed, request), passports.create_passport(ctx, seed.process.id, "as_is")
    diagram = (Path(__file__).resolve().parents[2] / "shared" / "conformance" / "bpmn-miwg" / "Reference" / "A.2.0.bpmn")
    content = diagram.read_bytes()
    return draft, lambda v: passports.import_bpmn(editor, seed.process.id, "as_is", diagram.name, content, v)


def _passport_criteria(ctx, seed, request):
    office = as_user(ctx, _fixture(request, "make_user")("office", ["process_office"]))
    draft = passports.create_passport(ctx, seed.process.id, "to_be")
    return draft, lambda v: passports.set_criteria(office, draft.id, {"version": v, "criteria": {"registry": {"met": True}}})


def _position_update(ctx, seed, request):
    office = as_user(ctx, _fixture(request, "make_user")("office", ["process_office"]))
    position = costs.save_position(ctx, SPECIALIST)
    return position, lambda v: costs.save_position(office, {"version": v, "monthly_pay": 61000}, position.id)


def _request(ctx, seed, request, state="draft"):
    users = _fixture(request, "world")["users"]
    filer = as_user(ctx, users["filer"])
    found = requests.create_request(filer, good_request(seed, overlap_explanation="нужно"))
    if state != "draft":
        requests.submit(filer, found.id, found.version)
    if state == "concluded":
        requests.conclude(as_user(ctx, users["office"]), found.id, {**CONCLUSION, "version": found.version})
    return found, users


def _request_update(ctx, seed, request):
    found, users = _request(ctx, seed, request)
    filer = as_user(ctx, users["filer"])
    return found, lambda v: requests.update_request(filer, found.id, {"version": v, "purpose": "уточнено"})


def _request_submit(ctx, seed, request):
    found, users = _request(ctx, seed, request)
    return found, lambda v: requests.submit(as_user(ctx, users["filer"]), found.id, v)


def _request_recheck(ctx, seed, request):
    found, users = _request(ctx, seed, request, "submitted")
    return found, lambda v: requests.recheck(as_user(ctx, users["filer"]), found.id, v)


def _request_conclude(ctx, seed, request):
    found, users = _request(ctx, seed, request, "submitted")
    return found, lambda v: requests.conclude(as_user(ctx, users["office"]), found.id, {**CONCLUSION, "version": v})


def _request_decide(ctx, seed, request):
    found, users = _request(ctx, seed, request, "concluded")
    return found, lambda v: requests.decide(as_user(ctx, users["architect"]), found.id, {**DECISION, "version": v})


def _people(request):
    return _fixture(request, "people")


def _project_answer(ctx, seed, request):
    project, office = _fixture(request, "applied"), as_user(ctx, _people(request).office)
    return project, lambda v: projects.answer_application(office, project.id, {
        "version": v, "decision": "accepted", "late_reason": LATE, "answered_on": "2025-11-05", "office_members": ["Сидоров А.А."],
        "suggested_start": "2025-11-12", "suggested_end": "2026-06-30", "training": "Семинар"})


def _project_order(ctx, seed, request):
    project, owner = _fixture(request, "ordered"), as_user(ctx, _people(request).owner)
    return project, lambda v: projects.save_order(owner, project.id, {**ORDER, "tasks": ["Без справок"], "version": v})


def _project_analysis(ctx, seed, request):
    project, owner = _fixture(request, "ordered"), as_user(ctx, _people(request).owner)
    return project, lambda v: projects.save_analysis(owner, project.id, {"version": v, "problem": "Долго"})


def _project_roadmap(ctx, seed, request):
    project, owner = _fixture(request, "ordered"), as_user(ctx, _people(request).owner)
    return project, lambda v: projects.save_roadmap(owner, project.id, {"version": v, "measures": MEASURES, "kpis": KPIS})


def _project_agree(ctx, seed, request):
    project, chief = _fixture(request, "drafted"), as_user(ctx, _people(request).chief)
    return project, lambda v: projects.agree_roadmap(chief, project.id, date(2025, 11, 27), version=v, late_reason=LATE)


def _project_approve(ctx, seed, request):
    project, people_ = _fixture(request, "drafted"), _people(request)
    projects.agree_roadmap(as_user(ctx, people_.chief), project.id, date(2025, 11, 27), version=project.version, late_reason=LATE)
    return project, lambda v: projects.approve_roadmap(as_user(ctx, people_.head), project.id, date(2025, 11, 28), version=v, late_reason=LATE)


def _project_measure(ctx, seed, request):
    project, owner = _fixture(request, "approved"), as_user(ctx, _people(request).owner)
    measure = project.measures[0]
    return project, lambda v: projects.update_measure(owner, project.id, measure.id, {
        "version": v, "status": "in_progress", "actual_start": "2025-12-01"})


def _project_measurement(ctx, seed, request):
    project, office = _fixture(request, "approved"), as_user(ctx, _people(request).office)
    kpi = project.kpis[0]
    return project, lambda v: projects.add_measurement(office, project.id, kpi.id, {
        "version": v, "late_reason": LATE, "measured_on": "2026-05-29", "value": 4.5})


def _deviation(ctx, request):
    project, office = _fixture(request, "approved"), as_user(ctx, _people(request).office)
    projects.add_measurement(office, project.id, project.kpis[0].id,
                             {"version": project.version, "late_reason": LATE, "measured_on": "2026-06-30", "value": 7})
    return project, projects.open_requests(project)[0]


def _project_deviation_answer(ctx, seed, request):
    project, deviation = _deviation(ctx, request)
    head = as_user(ctx, _people(request).head)
    return project, lambda v: projects.answer_deviation(head, project.id, deviation.id, {
        "version": v, "reasons": "Сбой СМЭВ", "corrective_measures": "Резервный канал"})


def _project_deviation_assess(ctx, seed, request):
    project, deviation = _deviation(ctx, request)
    projects.answer_deviation(as_user(ctx, _people(request).head), project.id, deviation.id, {
        "version": project.version, "reasons": "Сбой СМЭВ", "corrective_measures": "Резервный канал"})
    office = as_user(ctx, _people(request).office)
    return project, lambda v: projects.assess_deviation(office, project.id, deviation.id, {
        "version": v, "assessment": "Достаточно"})


def _project_delete(ctx, seed, request):
    project, owner = _fixture(request, "applied"), as_user(ctx, _people(request).owner)
    return project, lambda v: projects.delete_project(owner, project.id, v)


OPERATIONS = {
    "records.update_record": _record_update,
    "records.delete_record": _record_delete,
    "records.restore_record": _record_restore,
    "passports.save_passport": _passport_save,
    "passports.approve": _passport_approve,
    "passports.import_bpmn": _passport_bpmn,
    "passports.set_criteria": _passport_criteria,
    "costs.save_position": _position_update,
    "requests.update_request": _request_update,
    "requests.submit": _request_submit,
    "requests.recheck": _request_recheck,
    "requests.conclude": _request_conclude,
    "requests.decide": _request_decide,
    "projects.answer_application": _project_answer,
    "projects.save_order": _project_order,
    "projects.save_analysis": _project_analysis,
    "projects.save_roadmap": _project_roadmap,
    "projects.agree_roadmap": _project_agree,
    "projects.approve_roadmap": _project_approve,
    "projects.update_measure": _project_measure,
    "projects.add_measurement": _project_measurement,
    "projects.answer_deviation": _project_deviation_answer,
    "projects.assess_deviation": _project_deviation_assess,
    "projects.delete_project": _project_delete,
}


def _current(ctx, thing) -> int:
    ctx.session.expire(thing)
    return thing.version


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_versioned_change_needs_the_current_version(ctx, seed, request, operation):
    thing, change = OPERATIONS[operation](ctx, seed, request)
    before = _current(ctx, thing)
    with pytest.raises(InvalidInput) as missing:
        change(None)
    assert list(missing.value.fields) == ["version"] and missing.value.status == 422
    ctx.session.rollback()
    assert _current(ctx, thing) == before
    stale = before - 1 if before > 1 else before + 1
    with pytest.raises(Conflict) as conflict:
        change(stale)
    assert conflict.value.status == 409 and conflict.value.extra["current_version"] == before
    assert f"у вас версия {stale}, текущая — {before}" in conflict.value.message
    ctx.session.rollback()
    assert _current(ctx, thing) == before
    change(before)
    assert _current(ctx, thing) == before + 1


def test_a_conflict_says_what_changed_since(ctx, seed, people):  # noqa: F811
    project = projects.create_project(as_user(ctx, people.owner), {"process_id": seed.process.id, "ground": "own_decision",
                                                                  "initiated_on": "2025-11-10"})
    read = project.version
    projects.save_order(as_user(ctx, people.office), project.id, {**ORDER, "version": read})
    with pytest.raises(Conflict) as conflict:
        projects.save_order(as_user(ctx, people.owner), project.id, {**ORDER, "tasks": ["Другое"], "version": read})
    [since] = conflict.value.extra["changes"]
    assert since["actor_name"] == "office" and "tasks" in since["changes"]


def test_the_system_acts_on_the_version_it_has_just_read(ctx, applied):  # noqa: F811
    """The CLI and the loaders run as the system: without a version they act on the current one."""
    before = applied.version
    projects.delete_project(ctx, applied.id)
    assert _current(ctx, applied) == before + 1


# -- through the API: the version from the body, ?version= or If-Match, read in one place


def _api_cases(client, ctx, seed, request, token_for):
    people_ = _fixture(request, "people")
    project = _fixture(request, "ordered")
    admin = token_for(people_.admin)
    owner = token_for(people_.owner)
    return {
        "PATCH a record": (f"/api/v1/processes/{seed.process.id}", f"/api/v1/processes/{seed.process.id}",
                           lambda url, h, body: client.patch(url, headers={**admin, **h}, json={"client": "Граждане", **body})),
        "PUT a project's order": (f"/api/v1/projects/{project.id}/order", f"/api/v1/projects/{project.id}",
                                  lambda url, h, body: client.put(url, headers={**owner, **h}, json={**ORDER, **body})),
        "PUT a project's analysis": (
            f"/api/v1/projects/{project.id}/analysis", f"/api/v1/projects/{project.id}",
            lambda url, h, body: client.put(url, headers={**owner, **h}, json={"problem": "Долго", **body})),
        "DELETE a project": (f"/api/v1/projects/{project.id}", f"/api/v1/projects/{project.id}",
                             lambda url, h, body: client.delete(url, headers={**owner, **h})),
    }


@pytest.mark.parametrize("case", ["PATCH a record", "PUT a project's order", "PUT a project's analysis",
                                  "DELETE a project"])
def test_the_api_refuses_a_change_without_its_version(client, ctx, seed, request, token_for, case):
    url, read_url, send = _api_cases(client, ctx, seed, request, token_for)[case]
    before = client.get(read_url).get_json()["version"]
    missing = send(url, {}, {})
    assert missing.status_code == 422 and list(missing.get_json()["fields"]) == ["version"]
    assert "верси" in missing.get_json()["error"]
    stale = send(url, {"If-Match": f'"{before + 5}"'}, {})
    assert stale.status_code == 409 and stale.get_json()["current_version"] == before
    done = send(url + f"?version={before}", {}, {}) if case == "DELETE a project" else send(url, {}, {"version": before})
    assert done.status_code == 200 and done.get_json()["version"] == before + 1


def test_the_rule_lives_in_one_place():
    """No domain keeps its own copy of the version rule: its 409 message is written once."""
    services = Path(__file__).resolve().parent.parent / "catalog" / "services"
    copies = [p.name for p in services.glob("*.py") if "у вас версия" in p.read_text(encoding="utf-8")]
    assert copies == ["versions.py"]


# -- through the pages: each form carries the version the page showed


def test_the_pages_send_the_version_they_showed(client, ctx, seed, make_user, login):
    import io
    import re

    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    draft = passports.create_passport(ctx, seed.process.id, "as_is")
    login("social")
    listing = client.get(f"/processes/{seed.process.id}/passports").get_data(as_text=True)
    [shown] = re.findall(r'name="version-as_is" value="(\d+)"', listing)
    assert int(shown) == draft.version
    diagram = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "bpmn-miwg" / "Reference" / "A.2.0.bpmn"

    def upload(**fields):
        return client.post(f"/processes/{seed.process.id}/passports/bpmn", content_type="multipart/form-data",
                           data={"variant": "as_is", "file": (io.BytesIO(diagram.read_bytes()), diagram.name), **fields},
                           follow_redirects=True).get_data(as_text=True)

    assert "Укажите версию" in upload() and _current(ctx, draft) == draft.version
    assert "изменён другим пользователем" in upload(**{"version-as_is": str(int(shown) + 3)})
    assert "загружена" in upload(**{"version-as_is": shown}) and _current(ctx, draft) == int(shown) + 1
    # A record's «Удалить» button without the version it showed is refused by name, and deletes nothing.
    page = client.get(f"/processes/{seed.process.id}").get_data(as_text=True)
    assert f'name="version" value="{seed.process.version}"' in page
    make_user("admin", ["admin"])
    client.post("/logout")
    login("admin")
    assert client.post(f"/processes/{seed.process.id}/delete").status_code == 422
    assert client.post(f"/processes/{seed.process.id}/delete", data={"version": "99"}).status_code == 409
    assert client.get(f"/api/v1/processes/{seed.process.id}").get_json()["deleted_at"] is None
