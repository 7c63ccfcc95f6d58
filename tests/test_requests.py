"""The approval gate: each check, the order of the workflow, the role rules, re-checks on change, bad input."""
from __future__ import annotations

import pytest

from catalog.errors import Conflict, Forbidden, InvalidInput
from catalog.services import requests, passports
from catalog.services import records as r
from catalog.services.context import Context

STEPS = [{"name": "Приём заявления", "duration_minutes": 10, "times_per_year": 100}]


def _submit(ctx, request):
    """Submit a request as its filer does: against the version just read."""
    return requests.submit(ctx, request.id, request.version)


def as_user(ctx, user):
    return Context(session=ctx.session, user=user, settings=ctx.settings)


@pytest.fixture
def world(ctx, seed, make_user):
    """Two processes of one typical process; a system in operation automates the other agency's one."""
    typical = r.create_record(ctx, "typical-processes", {"name": "Предоставление выплат"})
    r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version, "typical_process_id": typical.id})
    other_service = r.create_record(ctx, "services", {"name": "Выплата на лечение", "kind": "service"})
    other = r.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "010", "service_id": other_service.id,
        "name": "Назначение выплаты на лечение", "responsible_id": seed.other_person.id, "status": "certified",
        "typical_process_id": typical.id})
    running = r.create_record(ctx, "systems", {"name": "Региональная система выплат", "short_name": "РСВ",
                                               "legal_kind": "regional", "stage": "operation"})
    r.create_record(ctx, "links", {"link_type": "AUTOMATED_BY", "source_kind": "processes", "source_id": other.id,
                                   "target_kind": "systems", "target_id": running.id})
    r.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes", "source_id": seed.process.id,
                                   "target_kind": "datasets", "target_id": seed.dataset.id})
    # Leningrad 8.4: the conclusion is signed by the head of the process office (issue 16): «office» and
    # «both» hold that position.
    users = {name: make_user(name, roles, agency_ids=agencies, level=level) for name, roles, agencies, level in [
        ("filer", ["agency_editor"], [seed.agency.id], None), ("stranger", ["agency_editor"], [seed.other_agency.id], None),
        ("office", ["process_office"], [], "head_of_agency"), ("architect", ["architect"], [], None),
        ("both", ["process_office", "architect"], [], "head_of_agency")]}
    return {"typical": typical, "other": other, "running": running, "users": users}


def good_request(seed, **extra) -> dict:
    return {"agency_id": seed.agency.id, "kind": "create", "new_system_name": "Система назначения выплат",
            "purpose": "Назначение выплат без бумаг", "estimated_cost": 5_000_000,
            "expected_value": "Выплата через 1 день вместо 10", "processes": [seed.process.id],
            "datasets": [{"dataset_id": seed.dataset.id, "direction": "consumes", "supplier": "Социальный фонд",
                          "consumer": "Минсоцзащиты", "mart_id": seed.mart.id}], **extra}


def describe_and_optimise(ctx, process_id, criteria=("registry",)):
    for variant in ("as_is", "to_be"):
        draft = passports.create_passport(ctx, process_id, variant)
        passports.save_passport(ctx, draft.id, {"version": draft.version, "steps": STEPS})
        passports.approve(ctx, draft.id)
        if variant == "to_be":
            passports.set_criteria(ctx, draft.id, {"criteria": {c: {"met": True} for c in criteria}})


def results(request) -> dict:
    return {c["code"]: c["result"] for c in request.checks}


def test_each_check_fails_for_its_reason_then_passes(ctx, seed, world):
    filer = as_user(ctx, world["users"]["filer"])
    bare = requests.create_request(filer, {**good_request(seed), "datasets": [], "estimated_cost": None, "expected_value": None})
    checked = requests.submit(filer, bare.id, bare.version)
    assert results(checked) | {} == {
        "as_is": "fail", "optimised": "fail", "data_model": "fail", "duplicates": "fail", "marts": "warning",
        "cost_value": "fail"}
    by_code = {c["code"]: c for c in checked.checks}
    assert "Нет утверждённого паспорта AS-IS: Приём заявления о назначении выплаты." == by_code["as_is"]["reason"]
    assert "не описан в заявке" in by_code["data_model"]["reason"]
    assert "«РСВ» уже автоматизирует: Назначение выплаты на лечение" in by_code["duplicates"]["reason"]
    assert [rec["title"] for rec in by_code["duplicates"]["records"]] == ["Региональная система выплат"]
    assert "есть в витрине «Витрина мер социальной поддержки»" in by_code["marts"]["reason"]
    assert by_code["cost_value"]["reason"] == "Не указаны: оценка стоимости, ценность для граждан и организаций."

    describe_and_optimise(ctx, seed.process.id)
    good = _submit(filer, requests.create_request(filer, good_request(
        seed, overlap_explanation="РСВ не поддерживает проактивное назначение")))
    found = results(good)
    assert found["as_is"] == found["optimised"] == found["data_model"] == found["marts"] == found["cost_value"] == "pass"
    # An explained overlap stays blocking until the office's conclusion accepts it (issue 17).
    assert found["duplicates"] == "fail"
    assert [c["code"] for c in requests.failing_blocking(good)] == ["duplicates"]
    # Unmet criteria of 8.3 are warnings, one per criterion.
    assert {code for code, result in found.items() if code.startswith("criteria:")} == {
        "criteria:proactive", "criteria:exterritorial", "criteria:multichannel", "criteria:no_human_decision",
        "criteria:no_human_interagency"}


def test_supplier_and_consumer_are_required_and_blocking_is_configurable(ctx, seed, world):
    describe_and_optimise(ctx, seed.process.id)
    filer = as_user(ctx, world["users"]["filer"])
    data = good_request(seed, overlap_explanation="есть причина")
    data["datasets"][0]["consumer"] = None
    checked = _submit(filer, requests.create_request(filer, data))
    assert results(checked)["data_model"] == "fail"
    assert "не указан потребитель" in next(c for c in checked.checks if c["code"] == "data_model")["reason"]
    ctx.settings.gate_blocking = ("as_is",)
    try:
        assert results(requests.recheck(ctx, checked.id))["data_model"] == "warning"
    finally:
        ctx.settings.gate_blocking = ("as_is", "optimised", "data_model", "duplicates", "cost_value")


def test_workflow_order_and_roles(ctx, seed, world):
    describe_and_optimise(ctx, seed.process.id)
    users = world["users"]
    with pytest.raises(Forbidden):
        requests.create_request(as_user(ctx, users["stranger"]), good_request(seed))
    request = requests.create_request(as_user(ctx, users["filer"]), good_request(seed, overlap_explanation="нужно"))
    office, architect = as_user(ctx, users["office"]), as_user(ctx, users["architect"])
    with pytest.raises(Conflict):
        requests.conclude(office, request.id, {"version": request.version, "conclusion": "positive", "reasons": "ок"})  # not submitted yet
    requests.submit(as_user(ctx, users["filer"]), request.id, request.version)
    with pytest.raises(Conflict):
        requests.decide(architect, request.id, {"version": request.version, "decision": "approved"})  # no conclusion yet
    with pytest.raises(Forbidden):
        requests.conclude(architect, request.id, {"version": request.version, "conclusion": "positive", "reasons": "ок"})
    with pytest.raises(InvalidInput) as error:
        requests.conclude(office, request.id, {"version": request.version, "conclusion": "positive"})
    assert "reasons" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        requests.conclude(office, request.id, {"version": request.version, "conclusion": "positive", "reasons": "процессы оптимизированы"})
    assert "overlap_answer" in error.value.fields
    both = as_user(ctx, users["both"])
    requests.conclude(both, request.id, {"version": request.version, "conclusion": "positive", "reasons": "процессы оптимизированы",
                                     "overlap_answer": "РСВ выводится из эксплуатации в 2027 году",
                                     "overlap_accepted": True})
    with pytest.raises(Forbidden):
        requests.decide(both, request.id, {"version": request.version, "decision": "approved"})  # concluded it
    with pytest.raises(InvalidInput) as error:
        requests.decide(architect, request.id, {"version": request.version, "decision": "returned"})
    assert "reasons" in error.value.fields
    approved = requests.decide(architect, request.id, {"version": request.version, "decision": "approved"})
    assert approved.status == "approved" and approved.decided_by == "architect"
    with pytest.raises(Conflict):
        requests.decide(architect, request.id, {"version": request.version, "decision": "rejected", "reasons": "передумали"})
    statuses = [e.changes.get("status", {}).get("after") for e in requests.request_history(ctx, request.id)]
    assert [s for s in statuses if s] == ["approved", "concluded", "submitted", "draft"]


def test_a_failing_blocking_check_cannot_be_approved_and_return_reopens(ctx, seed, world):
    users = world["users"]
    filer = as_user(ctx, users["filer"])
    request = _submit(filer, requests.create_request(filer, good_request(seed)))
    requests.conclude(as_user(ctx, users["office"]), request.id, {"version": request.version, "conclusion": "positive", "reasons": "поддерживаем",
                                                              "overlap_answer": "учтено"})
    architect = as_user(ctx, users["architect"])
    with pytest.raises(Conflict) as error:
        requests.decide(architect, request.id, {"version": request.version, "decision": "approved"})
    assert "Текущие процессы описаны" in error.value.message
    assert requests.get_request(ctx, request.id).status == "concluded"
    returned = requests.decide(architect, request.id, {"version": request.version, "decision": "returned", "reasons": "опишите процессы"})
    assert returned.status == "returned"
    updated = requests.update_request(filer, request.id, {"version": returned.version, "purpose": "уточнено"})
    assert requests.submit(filer, updated.id, updated.version).status == "submitted"


def test_a_change_after_submission_rechecks_and_marks_for_review(ctx, seed, world):
    describe_and_optimise(ctx, seed.process.id)
    filer = as_user(ctx, world["users"]["filer"])
    requests.recheck_changed(ctx)  # start following the outbox
    request = _submit(filer, requests.create_request(filer, good_request(seed, overlap_explanation="x")))
    assert requests.recheck_changed(ctx) == []  # nothing changed since the checks ran
    assert results(request)["as_is"] == "pass"
    new_as_is = passports.create_passport(ctx, seed.process.id, "as_is")  # a new draft revision
    r.delete_record(ctx, "datasets", seed.dataset.id)
    assert requests.recheck_changed(ctx) == [request.id]
    again = requests.get_request(ctx, request.id)
    assert again.needs_review
    # The dataset it consumed is gone: the request names a deleted record.
    assert results(again)["data_model"] == "fail"
    assert "удалён из каталога" in next(c for c in again.checks if c["code"] == "data_model")["reason"]
    assert new_as_is.state == "draft"
    events = requests.request_history(ctx, request.id)
    assert events[0].changes["needs_review"] == {"before": False, "after": True}


def test_bad_input_names_the_field_and_saves_nothing(ctx, seed, world):
    filer = as_user(ctx, world["users"]["filer"])
    gone = r.create_record(ctx, "processes", {
        "agency_id": seed.agency.id, "registry_id": "099", "service_id": seed.service.id, "name": "Удалённый",
        "responsible_id": seed.person.id, "status": "queued_research"})
    r.delete_record(ctx, "processes", gone.id)
    with pytest.raises(InvalidInput) as error:
        requests.create_request(filer, good_request(seed, processes=[seed.process.id, gone.id, 99999],
                                                datasets=[{"dataset_id": seed.dataset.id, "direction": "sideways"}]))
    assert error.value.fields == {"datasets.0.direction": ["Допустимо: consumes (потребляется), produces (производится)."]}
    with pytest.raises(InvalidInput) as error:
        requests.create_request(filer, good_request(seed, processes=[seed.process.id, gone.id, 99999]))
    assert set(error.value.fields) == {"processes.1", "processes.2"}
    other_mart = r.create_record(ctx, "marts", {"name": "Другая витрина", "kind": "agency", "owner_agency_id": seed.agency.id})
    data = good_request(seed)
    data["datasets"][0]["mart_id"] = other_mart.id
    with pytest.raises(InvalidInput) as error:
        requests.create_request(filer, data)
    assert error.value.fields == {"datasets.0.mart_id": ["Витрина «Другая витрина» не предоставляет этот набор данных."]}
    ctx.session.rollback()
    assert requests.list_requests(ctx) == []


def test_requests_api_pages_and_cli(client, runner, seed, world, token_for, login, ctx):
    describe_and_optimise(ctx, seed.process.id)
    users = world["users"]
    headers = token_for(users["filer"])
    created = client.post("/api/v1/requests", json=good_request(seed, overlap_explanation="нужно"), headers=headers)
    assert created.status_code == 201
    request_id = created.get_json()["id"]
    bad = client.post("/api/v1/requests", json={**good_request(seed), "estimated_cost": -1}, headers=headers)
    assert bad.status_code == 422 and "estimated_cost" in bad.get_json()["fields"]
    submitted = client.post(f"/api/v1/requests/{request_id}/submit", headers=headers,
                            json={"version": created.get_json()["version"]}).get_json()
    # The applicant's word alone does not lift the overlap (issue 17): blocked until the conclusion accepts it.
    assert submitted["status"] == "submitted" and submitted["blocked"]
    out_of_turn = client.post(f"/api/v1/requests/{request_id}/decision", json={"version": submitted["version"], "decision": "approved"},
                              headers=token_for(users["architect"]))
    assert out_of_turn.status_code == 409
    assert client.get("/api/v1/requests", query_string={"failing": "duplicates"}).get_json()["items"][0]["id"] == request_id
    assert client.get("/api/v1/requests", query_string={"failing": "nonsense"}).status_code == 422
    login("office")
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Проверки" in page and "Региональная система выплат" in page and 'id="graph-data"' in page
    client.post(f"/requests/{request_id}/conclusion", data={"version": submitted["version"], "conclusion": "positive", "reasons": "оптимизировано",
                                                            "overlap_answer": "РСВ выводится", "overlap_accepted": "1"})
    printable = client.get(f"/requests/{request_id}/conclusion").get_data(as_text=True)
    assert "Заключение" in printable and "положительное" in printable and "РСВ выводится" in printable
    queue = client.get("/requests", query_string={"status": "concluded"}).get_data(as_text=True)
    assert "Система назначения выплат" in queue
    out = runner.invoke("requests", "list").output
    assert f"{request_id}\tесть заключение процессного офиса" in out and "concluded" not in out
    assert "не пройдены: нет" in runner.invoke("requests", "recheck", str(request_id)).output


def test_the_new_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/search", "/search/suggest", "/names/report", "/processes/{process_id}/passports",
                 "/passports/{passport_id}/criteria", "/processes/{process_id}/costs/what-if", "/dashboard",
                 "/requests", "/requests/{request_id}/decision"):
        assert path in paths, path
    assert "/requests/{request_id}/decision" in client.get("/api/v1/docs").get_data(as_text=True)
