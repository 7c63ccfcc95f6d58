"""The rules hold (issue 17): no system around the gate, no status without evidence.

Samara concept, section 3 task 2 («Исключить возможность автоматизации неоптимизированных процессов»),
task 6 (no new systems «с дублирующими функциональными возможностями»); Leningrad 8.4 (the process
office's conclusion before a state system is created or developed); Kemerovo register rules 2.1 «и»
(the seven statuses); Leningrad 4.1 (the four stages of an optimisation).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from catalog import models
from catalog.errors import Conflict, InvalidInput
from catalog.services import evidence, gate, projects, requests
from catalog.services import records as r
from tests.test_import_records import write_csv
from tests.test_import_register import HEADERS, PERSON, make_register
from tests.test_requests import as_user, describe_and_optimise, good_request

SYSTEM = {"name": "Система назначения выплат", "legal_kind": "regional", "stage": "creation"}


@pytest.fixture
def people(make_user, seed):
    # The conclusion is signed by the head of the process office (Leningrad 8.4; issue 16).
    return {name: make_user(name, roles, agency_ids=agencies, level=level) for name, roles, agencies, level in [
        ("filer", ["agency_editor"], [seed.agency.id], None), ("office", ["process_office"], [], "head_of_agency"),
        ("architect", ["architect"], [], None), ("admin", ["admin"], [], None)]}


def approve(ctx, people, data) -> models.SystemRequest:
    """A request the whole way: filed by the agency, concluded by the office, approved by the architect."""
    filer = as_user(ctx, people["filer"])
    request = requests.create_request(filer, data)
    request = requests.submit(filer, request.id, request.version)
    request = requests.conclude(as_user(ctx, people["office"]), request.id, {
        "version": request.version, "conclusion": "positive", "reasons": "Процессы описаны и оптимизированы."})
    return requests.decide(as_user(ctx, people["architect"]), request.id,
                           {"version": request.version, "decision": "approved"})


def systems_named(ctx, name):
    ctx.session.rollback()
    return list(ctx.session.scalars(select(models.InformationSystem).where(models.InformationSystem.name == name)))


def test_a_system_in_creation_without_a_request_is_refused_on_every_way_in(client, runner, ctx, seed, people,
                                                                            token_for, login, tmp_path):
    architect = token_for(people["architect"])
    answer = client.post("/api/v1/systems", headers=architect, json=SYSTEM)
    assert answer.status_code == 422
    assert "вносится только по одобренной заявке" in answer.get_json()["fields"]["stage"][0]
    # Moving a system in operation into «развитие» is the same way in.
    running = client.post("/api/v1/systems", headers=architect, json={**SYSTEM, "name": "АСП", "stage": "operation"})
    assert running.status_code == 201
    moved = client.patch(f"/api/v1/systems/{running.get_json()['id']}", headers=architect,
                         json={"version": 1, "stage": "development"})
    assert moved.status_code == 422 and "на развитие системы" in moved.get_json()["fields"]["stage"][0]
    # The page.
    login("architect")
    page = client.post("/systems/new", data={"name": SYSTEM["name"], "legal_kind": "regional", "stage": "creation"})
    assert page.status_code == 422 and "вносится только по одобренной заявке" in page.get_data(as_text=True)
    # The table import, from the command line.
    path = write_csv(tmp_path / "systems.csv", [
        ["Наименование системы", "Вид системы", "Стадия жизненного цикла"],
        [SYSTEM["name"], "региональная", "создание"]])
    result = runner.invoke("import", "systems", str(path))
    assert result.exit_code == 1 and "вносится только по одобренной заявке" in result.output
    # RDF: a catalogue that declares the system in «создание».
    from catalog.services.imports import rdf
    from tests.linked_helpers import export_text

    text = export_text(ctx, "ttl").replace("system-stage/operation", "system-stage/creation")
    assert "system-stage/creation" in text
    with pytest.raises(InvalidInput) as error:
        rdf.import_rdf(ctx, text, "turtle")
    assert "вносится только по одобренной заявке" in str(error.value.fields)
    assert systems_named(ctx, SYSTEM["name"]) == []
    assert ctx.session.get(models.InformationSystem, running.get_json()["id"]).stage == "operation"


def test_with_the_landscape_allowed_it_is_saved_and_flagged(client, ctx, seed, people, token_for):
    ctx.settings.gate_existing_landscape = True  # the app's settings: the API sees it
    try:
        created = client.post("/api/v1/systems", headers=token_for(people["architect"]), json=SYSTEM)
    finally:
        ctx.settings.gate_existing_landscape = False
    assert created.status_code == 201
    system_id = created.get_json()["id"]
    page = client.get(f"/systems/{system_id}").get_data(as_text=True)
    assert "Без заключения: система в стадии «создание» внесена без одобренной заявки" in page
    report = client.get("/api/v1/reports/gate").get_json()
    assert [(i["what"], i["id"], i["flag"]) for i in report["items"]] == [("systems", system_id, "no_conclusion")]
    assert "нет одобренной заявки на создание или развитие" in report["items"][0]["why"]


def test_an_approved_request_lets_the_system_in_and_only_its_processes_be_automated(client, ctx, seed, people,
                                                                                      token_for):
    describe_and_optimise(ctx, seed.process.id)
    request = approve(ctx, people, good_request(seed))
    assert request.status == "approved"
    architect = token_for(people["architect"])
    created = client.post("/api/v1/systems", headers=architect, json=SYSTEM)
    assert created.status_code == 201
    system_id = created.get_json()["id"]
    ctx.session.expire_all()
    assert ctx.session.get(models.SystemRequest, request.id).system_id == system_id  # the request names it now
    editor = token_for(people["filer"])
    link = {"link_type": "AUTOMATED_BY", "source_kind": "processes", "source_id": seed.process.id,
            "target_kind": "systems", "target_id": system_id}
    assert client.post("/api/v1/links", headers=editor, json=link).status_code == 201
    other = r.create_record(ctx, "processes", {
        "agency_id": seed.agency.id, "registry_id": "002", "service_id": seed.service.id,
        "name": "Назначение выплаты", "responsible_id": seed.person.id, "status": "queued_research"})
    refused = client.post("/api/v1/links", headers=editor, json={**link, "source_id": other.id})
    assert refused.status_code == 422
    assert "автоматизируется ею только по одобренной заявке" in refused.get_json()["fields"]["target_id"][0]
    assert client.get("/api/v1/reports/gate").get_json()["items"] == []


def test_automating_an_unoptimised_process_by_a_system_in_operation_is_allowed_but_shown(client, runner, ctx, seed,
                                                                                        people, token_for):
    running = r.create_record(ctx, "systems", {**SYSTEM, "name": "АСП", "stage": "operation"})
    link = client.post("/api/v1/links", headers=token_for(people["filer"]), json={
        "link_type": "AUTOMATED_BY", "source_kind": "processes", "source_id": seed.process.id,
        "target_kind": "systems", "target_id": running.id})
    assert link.status_code == 201
    page = client.get(f"/processes/{seed.process.id}").get_data(as_text=True)
    assert "Процесс не оптимизирован: нет утверждённого паспорта TO-BE" in page and "(система «АСП»)" in page
    items = client.get("/api/v1/reports/gate").get_json()["items"]
    assert [(i["what"], i["id"], i["flag"]) for i in items] == [("links", link.get_json()["id"], "unoptimised")]
    report = client.get("/reports/gate").get_data(as_text=True)
    assert "«Приём заявления о назначении выплаты» → «АСП»" in report and "Процесс не оптимизирован" in report
    out = runner.invoke("check", "gate").output
    assert "Связь автоматизации" in out and "Процесс не оптимизирован" in out and "1\xa0связь автоматизации" in out
    describe_and_optimise(ctx, seed.process.id)
    assert client.get("/api/v1/reports/gate").get_json()["items"] == []


def test_one_sentence_of_the_applicant_does_not_waive_a_duplicate(client, ctx, seed, people):
    """The issue's hurried agency: «Срочная автоматизация.» must not turn the duplicate into a warning."""
    describe_and_optimise(ctx, seed.process.id)
    running = r.create_record(ctx, "systems", {"name": "Региональная система выплат", "short_name": "РСВ",
                                               "legal_kind": "regional", "stage": "operation"})
    typical = r.create_record(ctx, "typical-processes", {"name": "Предоставление выплат"})
    r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version, "typical_process_id": typical.id})
    twin = r.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "010", "service_id": seed.service.id, "typical_process_id": typical.id,
        "name": "Назначение выплаты на лечение", "responsible_id": seed.other_person.id, "status": "queued_research"})
    r.create_record(ctx, "links", {"link_type": "AUTOMATED_BY", "source_kind": "processes", "source_id": twin.id,
                                   "target_kind": "systems", "target_id": running.id})
    filer, office = as_user(ctx, people["filer"]), as_user(ctx, people["office"])
    architect = as_user(ctx, people["architect"])
    request = requests.create_request(filer, good_request(seed, overlap_explanation="Срочная автоматизация."))
    request = requests.submit(filer, request.id, request.version)
    duplicates = next(c for c in request.checks if c["code"] == "duplicates")
    assert duplicates["result"] == "fail" and duplicates["blocking"]
    assert "Объяснение не принято заключением процессного офиса" in duplicates["reason"]
    # A positive conclusion that answers but does not accept the explanation: still blocked.
    requests.conclude(office, request.id, {"version": request.version, "conclusion": "positive",
                                           "reasons": "Процесс оптимизирован.", "overlap_answer": "Принято к сведению."})
    with pytest.raises(Conflict) as error:
        requests.decide(architect, request.id, {"version": request.version, "decision": "approved"})
    assert "Действующие системы не автоматизируют те же процессы" in error.value.message
    request = requests.decide(architect, request.id, {"version": request.version, "decision": "returned",
                                                      "reasons": "Объясните пересечение с РСВ."})
    request = requests.submit(filer, request.id, request.version)
    # Accepting it with the applicant's own words is no acceptance.
    with pytest.raises(InvalidInput) as error:
        requests.conclude(office, request.id, {"version": request.version, "conclusion": "positive", "reasons": "Да.",
                                               "overlap_answer": "Срочная автоматизация", "overlap_accepted": True})
    assert "своими словами" in error.value.fields["overlap_answer"][0]
    ctx.session.rollback()
    words = "РСВ не назначает выплату на лечение; её функции переходят в новую систему, РСВ выводится в 2027 году."
    request = requests.conclude(office, request.id, {"version": request.version, "conclusion": "positive",
                                                     "reasons": "Процесс оптимизирован.", "overlap_answer": words,
                                                     "overlap_accepted": True})
    duplicates = next(c for c in request.checks if c["code"] == "duplicates")
    assert duplicates["result"] == "warning" and f"Процессный офис принял объяснение: {words}" in duplicates["reason"]
    assert requests.decide(architect, request.id, {"version": request.version, "decision": "approved"}).status == "approved"
    client.post("/login", data={"login": "office", "password": "пароль-тест"})
    shown = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert f"Процессный офис принял объяснение заявителя о пересечении своими словами: «{words}»" in shown
    printed = client.get(f"/requests/{request.id}/conclusion").get_data(as_text=True)
    assert "Срочная автоматизация. — принято процессным офисом." in printed and words in printed


def _patch(client, headers, process_id, **body):
    version = client.get(f"/api/v1/processes/{process_id}").get_json()["version"]
    return client.patch(f"/api/v1/processes/{process_id}", headers=headers, json={"version": version, **body})


def test_each_status_is_refused_without_its_evidence_and_accepted_with_it(client, ctx, seed, people, token_for):
    editor = token_for(people["filer"])
    pid = seed.process.id
    refused = _patch(client, editor, pid, status="reengineering")
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["status"] == [
        "Статус «проходит реинжиниринг» требует: идущий проект оптимизации (этап разработки или внедрения решений)."]
    refused = _patch(client, editor, pid, status="reengineered")
    assert "утверждённый паспорт TO-BE или проект оптимизации на этапе постмониторинга" in \
        refused.get_json()["fields"]["status"][0]
    describe_and_optimise(ctx, pid)
    assert _patch(client, editor, pid, status="reengineered").status_code == 200
    assert _patch(client, editor, pid, status="sent_certification").status_code == 422
    sent = client.post(f"/api/v1/processes/{pid}/certifications", headers=editor, json={"sent_on": "2026-10-01"})
    assert sent.status_code == 201
    assert _patch(client, editor, pid, status="sent_certification").status_code == 200
    refused = _patch(client, editor, pid, status="certified")
    assert "сертификат: кто сертифицировал, когда и каким документом" in refused.get_json()["fields"]["status"][0]
    url = f"/api/v1/certifications/{sent.get_json()['id']}"
    half = client.patch(url, headers=editor, json={"version": 1, "certified_on": "2026-11-02"})
    assert half.status_code == 422 and set(half.get_json()["fields"]) == {"certifier", "document"}
    done = client.patch(url, headers=editor, json={"version": 1, "certified_on": "2026-11-02",
                                                   "certifier": "АНО «Центр клиентоцентричности»",
                                                   "document": "Сертификат № 17-2026"})
    assert done.status_code == 200 and done.get_json()["is_certified"]
    assert _patch(client, editor, pid, status="certified").status_code == 200
    page = client.get(f"/processes/{pid}").get_data(as_text=True)
    assert "не подтверждён" not in page and "Сертификат № 17-2026" in page
    # Deleting the certificate leaves the status as it is, and shows it unconfirmed.
    assert client.delete(url, headers=editor, json={"version": 2}).status_code == 200
    page = client.get(f"/processes/{pid}").get_data(as_text=True)
    assert "Статус «сертифицирован» не подтверждён: требуется сертификат: кто сертифицировал, когда и каким документом." in page


def test_a_running_project_is_the_evidence_and_its_stage_moves_the_status(client, runner, ctx, seed):
    today = date.today()
    project = projects.create_project(ctx, {"process_id": seed.process.id, "ground": "governor_order",
                                            "initiated_on": (today - timedelta(days=30)).isoformat()})
    ctx.session.expire_all()
    assert ctx.session.get(models.Process, seed.process.id).status == "queued_reengineering"
    projects.save_order(ctx, project.id, {"version": project.version, "order_number": "12-р",
                                          "start_date": (today - timedelta(days=20)).isoformat(),
                                          "end_date": (today + timedelta(days=200)).isoformat(),
                                          "team": ["Иванова"], "tasks": ["Сократить срок"]})
    ctx.session.expire_all()
    assert ctx.session.get(models.Process, seed.process.id).status == "reengineering"
    history = client.get(f"/api/v1/processes/{seed.process.id}/status-history").get_json()["items"]
    assert [(i["to_status"], i["reason"]) for i in history[1:]] == [
        ("queued_reengineering", f"Проект оптимизации № {project.id}: этап «инициирование»"),
        ("reengineering", f"Проект оптимизации № {project.id}: этап «разработка оптимизационных решений»")]
    # The process 25: declared «прошел реинжиниринг» while its project is in development.
    r.update_record(ctx, "processes", seed.process.id, {"status": "reengineered"})
    rows = evidence.status_problems(ctx)
    assert [(row["problem"], row["expected_status"]) for row in rows] == [("unconfirmed", None), ("project", "reengineering")]
    out = runner.invoke("check", "statuses").output
    assert "Проект оптимизации № %d на этапе «разработка оптимизационных решений», а статус — «прошел реинжиниринг»" \
        % project.id in out
    page = client.get("/reports/statuses").get_data(as_text=True)
    assert "Не подтверждено: 1\xa0статус; расходится с этапом проекта: 1\xa0статус." in page
    out = runner.invoke("check", "statuses", "--apply").output
    assert "«прошел реинжиниринг» → «проходит реинжиниринг»" in out and "Статусы всех процессов подтверждены." in out


def test_a_declared_status_is_kept_and_marked_unconfirmed(client, ctx, seed, people, token_for, tmp_path):
    """Kemerovo 3: the agency publishes its register; a status it declares is not refused for lack of evidence."""
    path = make_register(tmp_path / "реестр.xlsx", [
        ["001", "Приём заявления о назначении выплаты", "Назначение ежемесячной выплаты на ребёнка", "", PERSON,
         "сертифицирован", "", "", "цифровой", "ЕПГУ"]], headers=HEADERS)
    with path.open("rb") as handle:
        answer = client.post("/api/v1/imports/register", headers=token_for(people["filer"]),
                             data={"file": (handle, "реестр.xlsx"), "agency": "MINSOC"})
    assert answer.status_code == 200, answer.get_json()
    ctx.session.expire_all()
    assert ctx.session.get(models.Process, seed.process.id).status == "certified"
    page = client.get(f"/processes/{seed.process.id}").get_data(as_text=True)
    assert "Статус «сертифицирован» не подтверждён" in page
    rows = client.get("/api/v1/reports/statuses").get_json()["items"]
    assert [(row["process_id"], row["problem"]) for row in rows] == [(seed.process.id, "unconfirmed")]
    assert rows[0]["why"] == "Не подтверждён: требуется сертификат: кто сертифицировал, когда и каким документом."
    # The register export says so in its last column, which the import does not read back.
    from openpyxl import load_workbook

    from catalog.services.imports.register import EVIDENCE_HEADER, export_register

    export_register(ctx, tmp_path / "выгрузка.xlsx", "MINSOC")
    rows = list(load_workbook(tmp_path / "выгрузка.xlsx").active.iter_rows(values_only=True))
    assert rows[3][-1] == EVIDENCE_HEADER and rows[4][-1] == "не подтверждён: требуется сертификат: кто сертифицировал, когда и каким документом"
    # The office sees it in its attention (the inbox source of issue 16).
    assert [i["kind"] for i in evidence.inbox_items(ctx, people["office"])] == ["Статус не подтверждён"]
    assert gate.inbox_items(ctx, people["filer"]) == []


def test_the_certification_page_records_the_sending_then_the_certificate(client, ctx, seed, people, login):
    login("filer")
    url = f"/processes/{seed.process.id}/certifications"
    assert "Записей о сертификации нет." in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"sent_on": "01.10.2026"}).status_code == 302
    half = client.post(url, data={"certification_id": "1", "version": "1", "sent_on": "01.10.2026",
                                  "certified_on": "02.11.2026"})
    text = half.get_data(as_text=True)
    assert half.status_code == 422 and "Для сертификата укажите, кто сертифицировал, когда и каким документом." in text
    done = client.post(url, data={"certification_id": "1", "version": "1", "sent_on": "01.10.2026",
                                  "certified_on": "02.11.2026", "certifier": "АНО «Центр клиентоцентричности»",
                                  "document": "Сертификат № 5"}, follow_redirects=True)
    assert "Запись о сертификации дополнена." in done.get_data(as_text=True)
    assert "02.11.2026" in done.get_data(as_text=True) and "Сертификат № 5" in done.get_data(as_text=True)
    login("architect")  # neither of the agency nor the office: reads, does not record
    page = client.get(url).get_data(as_text=True)
    assert "Новая запись" not in page and "Дополнить" not in page
    assert client.post(url, data={"sent_on": "01.10.2026"}).status_code == 403


def test_an_approved_request_to_develop_lets_the_system_move_into_development(client, ctx, seed, people, token_for):
    describe_and_optimise(ctx, seed.process.id)
    running = r.create_record(ctx, "systems", {**SYSTEM, "name": "АСП", "stage": "operation"})
    architect = token_for(people["architect"])
    refused = client.patch(f"/api/v1/systems/{running.id}", headers=architect, json={"version": 1, "stage": "development"})
    assert refused.status_code == 422
    approve(ctx, people, good_request(seed, kind="develop", system_id=running.id, new_system_name=None))
    moved = client.patch(f"/api/v1/systems/{running.id}", headers=architect, json={"version": 1, "stage": "development"})
    assert moved.status_code == 200 and moved.get_json()["stage"] == "development"
    assert client.get("/api/v1/reports/gate").get_json()["items"] == []


def test_the_dashboards_counts_equal_the_reports_lists_on_the_demo(demo_region, ctx):
    """gate.outside_rule_counts and evidence.unconfirmed_count count in SQL what outside_rule and status_problems
    list item by item: the same figures for the region and for every agency, also after the rules' inputs move."""
    from catalog.services import evidence, gate
    ctx.is_system = True

    def agree():
        items = gate.outside_rule(ctx)
        problems = evidence.status_problems(ctx)
        scopes = [None] + [a.id for a in ctx.session.scalars(select(models.Agency))]
        for agency_id in scopes:
            mine = [i for i in items if agency_id is None or i["agency_id"] == agency_id]
            assert gate.outside_rule_counts(ctx, agency_id) == {
                "systems": sum(i["what"] == "systems" for i in mine),
                "links": sum(i["what"] == "links" for i in mine)}, agency_id
            assert evidence.unconfirmed_count(ctx, agency_id) == sum(
                p["problem"] == "unconfirmed" and (agency_id is None or p["agency_id"] == agency_id)
                for p in problems), agency_id
        return items, problems

    items, problems = agree()
    assert {i["flag"] for i in items} == {"no_conclusion", "unoptimised"}
    assert any(p["problem"] == "unconfirmed" for p in problems)
    # Move the inputs: a system into development, an approved TO-BE withdrawn, a process deleted.
    system = ctx.session.scalars(select(models.InformationSystem).where(
        models.InformationSystem.stage == "operation")).first()
    system.stage = "development"
    passport = ctx.session.scalars(select(models.Passport).where(
        models.Passport.variant == "to_be", models.Passport.state == "approved")).first()
    if passport is not None:
        passport.state = "draft"
    flagged = next(i["process"] for i in items if i["what"] == "links")
    flagged.deleted_at = flagged.updated_at
    ctx.session.flush()
    agree()
