"""People and positions, visas by position, numbered signed documents and their PDF (issue 16, part A).

The positions follow the Leningrad regulation (/work/shared/seeds/000_…): «утверждаю» by the head of the
agency owning the process (4.3 п. 6, 4.4), «согласовано» by the head of the process office or the deputy
chair of the Committee overseeing it (4.3 п. 7), the conclusion on a system request by the process office
(8.4, signed by its head); a passport by the official the agency designates (Samara concept, section 5 result 13).
"""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from catalog.errors import Forbidden, InvalidInput
from catalog.services import passports, people, projects, requests
from catalog.services.context import Context

ROADMAP = {
    "measures": [{"name": "Запрос сведений через СМЭВ", "planned_start": "2025-12-01", "planned_end": "2026-02-27",
                  "result": "Без справок", "responsible": "Иванова М.П."}],
    "kpis": [{"kind": "effectiveness", "name": "Срок", "unit": "рабочих дней", "baseline": 10, "target": 5,
              "direction": "at_most", "method": "Медиана", "responsible": "Иванова М.П.",
              "responsible_position": "начальник отдела", "responsible_level": "head_of_unit"}],
}
STEPS = [{"name": "Приём заявления", "duration_minutes": 15, "times_per_year": 100}]
TODAY = date.today()

# The projects below are dated 2025: a visa given so far back needs its reason (issue 16, entry_dates).
LATE = "Внесение данных за 2025 год"


def as_user(ctx, user) -> Context:
    return Context(session=ctx.session, user=user, settings=ctx.settings)


@pytest.fixture
def staff(seed, make_user):
    a = seed.agency.id

    class Staff:
        editor = make_user("orlova", ["agency_editor"], agency_ids=[a], password=None, level="head_of_unit",
                           position="начальник отдела назначения выплат")
        head = make_user("gromov", ["agency_editor"], agency_ids=[a], password=None, level="head_of_agency",
                         position="министр социальной защиты")
        deputy = make_user("fomina", ["agency_editor"], agency_ids=[a], password=None, level="deputy_head_of_agency",
                           position="заместитель министра социальной защиты")
        office = make_user("sidorova", ["process_office"], password=None, level="specialist",
                           position="консультант Процессного офиса")
        chief = make_user("kuznetsov", ["process_office"], password=None, level="head_of_agency",
                          position="руководитель Процессного офиса")
        curator = make_user("belova", ["process_office"], password=None, level="office_curator",
                            position="заместитель председателя Комитета")
    return Staff


def _project(ctx, seed, process=None):
    project = projects.create_project(ctx, {"process_id": (process or seed.process).id, "ground": "governor_order",
                                            "initiated_on": "2025-11-01"})
    projects.save_order(ctx, project.id, {"version": project.version, "order_number": "12-р", "order_date": "2025-11-10",
                                          "start_date": "2025-11-12", "end_date": "2026-06-30",
                                          "team": ["Иванова М.П."], "tasks": ["Сократить срок"]})
    projects.save_roadmap(ctx, project.id, {"version": project.version, **ROADMAP})
    project.with_office = True  # the office takes part: «согласовано» comes first (4.4)
    ctx.session.commit()
    return project


def _second_process(ctx, seed):
    from catalog.services import records as r

    return r.create_record(ctx, "processes", {"agency_id": seed.agency.id, "registry_id": "002",
                                              "name": "Выдача удостоверения многодетной семьи", "service_id": seed.service.id,
                                              "responsible_id": seed.person.id, "status": "queued_research"})


def test_roadmap_visas_go_by_position_and_by_a_recorded_delegation(ctx, seed, staff):
    project = _project(ctx, seed)
    # «Согласовано»: not a member of the office, but its head (4.3 п. 7).
    with pytest.raises(Forbidden, match="руководитель Процессного офиса"):
        projects.agree_roadmap(as_user(ctx, staff.office), project.id, date(2025, 11, 27), version=project.version, late_reason=LATE)
    ctx.session.rollback()
    agreed = projects.agree_roadmap(as_user(ctx, staff.chief), project.id, date(2025, 11, 27), version=project.version, late_reason=LATE)
    assert agreed.agreed_visa["name"] == "Kuznetsov" and agreed.agreed_visa["position"] == "руководитель Процессного офиса"
    # «Утверждаю»: an editor of the agency (a head of unit) is refused, in terms of positions.
    with pytest.raises(Forbidden) as refused:
        projects.approve_roadmap(as_user(ctx, staff.editor), project.id, date(2025, 11, 28), version=project.version, late_reason=LATE)
    assert "руководитель органа — владельца процесса" in str(refused.value)
    assert "начальник отдела назначения выплат" in str(refused.value)
    ctx.session.rollback()
    # The deputy: refused without a delegation, and with one that ended yesterday.
    with pytest.raises(Forbidden, match="руководитель органа"):
        projects.approve_roadmap(as_user(ctx, staff.deputy), project.id, date(2025, 11, 28), version=project.version, late_reason=LATE)
    ctx.session.rollback()
    head = as_user(ctx, staff.head)
    people.delegate(head, {"from_person_id": staff.head.person_id, "to_person_id": staff.deputy.person_id,
                           "valid_from": TODAY - timedelta(days=30), "valid_until": TODAY - timedelta(days=1),
                           "basis": "приказ от 01.10.2026 № 7-од"})
    assert people.visa_refusal(ctx, staff.deputy, "roadmap_approve", seed.agency.id) is not None
    # A delegation in force: the deputy approves, and the visa says on whose behalf and on what order.
    current = people.delegate(head, {"from_person_id": staff.head.person_id, "to_person_id": staff.deputy.person_id,
                                     "valid_from": TODAY - timedelta(days=1), "valid_until": TODAY + timedelta(days=30),
                                     "basis": "приказ от 30.11.2026 № 9-од"})
    approved = projects.approve_roadmap(as_user(ctx, staff.deputy), project.id, date(2025, 11, 28), version=project.version, late_reason=LATE)
    visa = approved.approved_visa
    assert (visa["name"], visa["position"], visa["date"]) == ("Fomina", "заместитель министра социальной защиты", "2025-11-28")
    assert visa["delegation"]["from"]["name"] == "Gromov" and visa["delegation"]["basis"] == "приказ от 30.11.2026 № 9-од"
    assert "по поручению: Gromov, министр социальной защиты, приказ от 30.11.2026 № 9-од" in people.describe_visa(visa)
    assert approved.roadmap_number == "ДК-2025-0001"  # numbered in the year of its approval
    # The delegation ends: the deputy no longer approves the next roadmap; the head does.
    second = _project(ctx, seed, _second_process(ctx, seed))
    projects.agree_roadmap(as_user(ctx, staff.curator), second.id, date(2025, 11, 27), version=second.version, late_reason=LATE)
    assert second.agreed_visa["position"] == "заместитель председателя Комитета"  # the deputy chair (4.3 п. 7)
    people.end_delegation(head, current.id)
    with pytest.raises(Forbidden, match="руководитель органа"):
        projects.approve_roadmap(as_user(ctx, staff.deputy), second.id, date(2025, 11, 28), version=second.version, late_reason=LATE)
    ctx.session.rollback()
    done = projects.approve_roadmap(head, second.id, date(2025, 11, 28), version=second.version, late_reason=LATE)
    assert done.approved_visa["delegation"] is None and done.roadmap_number == "ДК-2025-0002"


def test_a_delegation_is_given_by_the_head_to_its_own_agency(ctx, seed, staff, make_user):
    with pytest.raises(Forbidden, match="сам руководитель"):
        people.delegate(as_user(ctx, staff.deputy), {"from_person_id": staff.head.person_id,
                                                     "to_person_id": staff.deputy.person_id})
    ctx.session.rollback()
    other = make_user.person("Петров П.И.", "deputy_head_of_agency", agency=seed.other_agency.id)
    with pytest.raises(InvalidInput) as error:
        people.delegate(as_user(ctx, staff.head), {"from_person_id": staff.head.person_id, "to_person_id": other.id,
                                                   "valid_from": "2026-12-01", "valid_until": "2026-11-01"})
    assert set(error.value.fields) == {"to_person_id", "valid_until"}


def test_the_conclusion_is_signed_by_the_head_of_the_process_office_and_numbered(ctx, seed, staff):
    filer = as_user(ctx, staff.editor)
    body = {"agency_id": seed.agency.id, "kind": "create", "purpose": "без бумаг", "processes": [seed.process.id],
            "datasets": []}
    first, second = (requests.submit(filer, r.id, r.version) for r in (
        requests.create_request(filer, {**body, "new_system_name": n}) for n in ("Система выплат", "Система учёта")))
    conclusion = {"conclusion": "negative", "reasons": "процессы не описаны", "overlap_answer": "нет"}
    with pytest.raises(Forbidden, match="руководитель Процессного офиса"):
        requests.conclude(as_user(ctx, staff.office), first.id, {**conclusion, "version": first.version})
    ctx.session.rollback()
    year = TODAY.year
    one = requests.conclude(as_user(ctx, staff.chief), first.id, {**conclusion, "version": first.version})
    two = requests.conclude(as_user(ctx, staff.chief), second.id, {**conclusion, "version": second.version})
    assert (one.conclusion_number, two.conclusion_number) == (f"З-{year}-0001", f"З-{year}-0002")
    assert one.conclusion_visa["name"] == "Kuznetsov" and one.conclusion_visa["position"] == "руководитель Процессного офиса"


def test_a_passport_is_approved_by_the_official_the_agency_designates(ctx, seed, staff):
    draft = passports.create_passport(ctx, seed.process.id, "as_is")
    passports.save_passport(ctx, draft.id, {"version": draft.version, "steps": STEPS})
    # No designation: the head approves, not an editor.
    assert "начальник отдела" in people.visa_refusal(ctx, staff.editor, "passport_approve", seed.agency.id)
    assert people.visa_refusal(ctx, staff.head, "passport_approve", seed.agency.id) is None
    people.designate(as_user(ctx, staff.head), seed.agency.id, staff.deputy.person_id)
    with pytest.raises(Forbidden, match="назначенное органом"):
        passports.approve(as_user(ctx, staff.head), draft.id, draft.version)
    ctx.session.rollback()
    approved = passports.approve(as_user(ctx, staff.deputy), draft.id, draft.version)
    assert approved.number == f"П-{TODAY.year}-0001"
    assert approved.approved_visa["position"] == "заместитель министра социальной защиты"


def _approved_roadmap(ctx, seed, staff):
    project = _project(ctx, seed)
    projects.agree_roadmap(as_user(ctx, staff.chief), project.id, date(2025, 11, 27), version=project.version, late_reason=LATE)
    return projects.approve_roadmap(as_user(ctx, staff.head), project.id, date(2025, 11, 28), version=project.version, late_reason=LATE)


def test_signed_documents_show_name_position_date_and_number(ctx, client, seed, staff):
    project = _approved_roadmap(ctx, seed, staff)
    page = client.get(f"/documents/roadmap/{project.id}").get_data(as_text=True)
    assert "УТВЕРЖДАЮ" in page and "Gromov, министр социальной защиты, 28.11.2025" in page
    assert "СОГЛАСОВАНО" in page and "Kuznetsov, руководитель Процессного офиса, 27.11.2025" in page
    assert "ДК-2025-0001" in page and f"http://localhost:8000/projects/{project.id}" in page
    assert ctx.settings.region_name in page
    # The project page names the people who signed, never their logins.
    project_page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Gromov, министр социальной защиты" in project_page and "gromov" not in project_page
    order = client.get(f"/documents/order/{project.id}").get_data(as_text=True)
    assert "12-р" in order and "10.11.2025" in order and "Сократить срок" in order


def test_the_pdf_is_a_real_pdf_with_cyrillic_text(ctx, client, seed, staff):
    from pypdf import PdfReader

    project = _approved_roadmap(ctx, seed, staff)
    answer = client.get(f"/documents/roadmap/{project.id}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-") and "attachment" in answer.headers["Content-Disposition"]
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert "УТВЕРЖДАЮ" in text and "министр социальной защиты" in text and "ДК-2025-0001" in text
    assert "Приём заявления о назначении выплаты" in text and "28.11.2025" in text


def test_the_passport_and_conclusion_print_and_download(ctx, client, seed, staff):
    from pypdf import PdfReader

    draft = passports.create_passport(ctx, seed.process.id, "to_be")
    passports.save_passport(ctx, draft.id, {"version": draft.version, "steps": STEPS,
                                            "data": [{"key": "app", "name": "Заявление", "role": "input"}]})
    approved = passports.approve(as_user(ctx, staff.head), draft.id, draft.version)
    page = client.get(f"/documents/passport/{approved.id}").get_data(as_text=True)
    assert approved.number in page and "Приём заявления" in page and "Заявление" in page and "Стоимость процесса" in page
    filer = as_user(ctx, staff.editor)
    request = requests.create_request(filer, {"agency_id": seed.agency.id, "kind": "create", "new_system_name": "Система",
                                              "purpose": "без бумаг", "processes": [seed.process.id], "datasets": []})
    request = requests.submit(filer, request.id, request.version)
    concluded = requests.conclude(as_user(ctx, staff.chief), request.id, {
        "conclusion": "positive", "reasons": "описаны", "overlap_answer": "нет", "version": request.version})
    printed = client.get(f"/requests/{request.id}/conclusion").get_data(as_text=True)
    assert f"Заключение № {concluded.conclusion_number}" in printed
    assert "Kuznetsov, руководитель Процессного офиса" in printed and "kuznetsov" not in printed
    pdf = client.get(f"/documents/conclusion/{request.id}.pdf").data
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert concluded.conclusion_number in text and "руководитель Процессного офиса" in text


def test_an_account_is_linked_to_a_person_on_the_admin_page_and_shown_by_the_api(client, seed, make_user, login, token_for):
    make_user("admin", ["admin"])
    user = make_user("clerk", ["agency_editor"], agency_ids=[seed.agency.id], password=None)
    login("admin")
    form = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Должностное лицо" in form and seed.person.full_name in form
    saved = client.post(f"/admin/users/{user.id}", data={"full_name": "Clerk", "roles": ["agency_editor"],
                                                          "agency_ids": [str(seed.agency.id)], "is_active": "on",
                                                          "person_id": str(seed.person.id)})
    assert saved.status_code in (302, 303)
    me = client.get("/api/v1/me", headers=token_for(user)).get_json()
    assert me["person"]["full_name"] == "Иванова Мария Петровна" and me["person"]["position"] == "начальник отдела"
    # A new person made with the account, with the level of the position.
    created = client.post(f"/admin/users/{user.id}", data={
        "full_name": "Clerk", "roles": ["agency_editor"], "agency_ids": [str(seed.agency.id)], "is_active": "on",
        "new_person_name": "Клерков Иван Ильич", "new_person_position": "министр", "new_person_level": "head_of_agency",
        "new_person_agency_id": str(seed.agency.id)})
    assert created.status_code in (302, 303)
    me = client.get("/api/v1/me", headers=token_for(user)).get_json()
    assert me["person"]["full_name"] == "Клерков Иван Ильич" and me["person"]["level_label"] == "руководитель органа (учреждения)"
    signatories = client.get(f"/api/v1/agencies/{seed.agency.id}/signatories", headers=token_for(user)).get_json()
    assert signatories["head"]["full_name"] == "Клерков Иван Ильич"


def test_cli_creates_a_user_with_its_person(ctx, seed, runner):
    from sqlalchemy import select

    from catalog import models

    made = runner.invoke("users", "create", "minister", "--name", "Громов Игорь Сергеевич", "--role", "agency_editor",
                         "--agency", "MINSOC", "--password", "", "--position", "министр социальной защиты",
                         "--level", "head_of_agency")
    assert made.exit_code == 0, made.output
    assert "министр социальной защиты" in made.output
    ctx.session.expire_all()
    user = ctx.session.scalar(select(models.User).where(models.User.login == "minister"))
    assert people.person_of(ctx, user).level == "head_of_agency"
    assert people.head_of(ctx, seed.agency.id).full_name == "Громов Игорь Сергеевич"
    linked = runner.invoke("users", "create", "clerk", "--name", "Иванова М.П.", "--role", "reader", "--password", "",
                           "--person", str(seed.person.id))
    assert linked.exit_code == 0 and "Иванова Мария Петровна" in linked.output
    # One person, one account: a second link is refused with the name of the account that has it.
    assert "уже связан(а) с учётной записью «Иванова М.П.»" in runner.invoke(
        "users", "update", "minister", "--person", str(seed.person.id)).output


def test_cli_records_a_delegation_and_the_passport_approver(ctx, seed, runner, make_user):
    head = make_user.person("Громов Игорь Сергеевич", "head_of_agency", "министр социальной защиты", seed.agency.id)
    deputy = make_user.person("Фомина Татьяна Олеговна", "deputy_head_of_agency", "заместитель министра", seed.agency.id)
    given = runner.invoke("people", "delegate", "--from", str(head.id), "--to", str(deputy.id), "--since", "2026-12-01",
                          "--until", "2026-12-31", "--basis", "приказ от 30.11.2026 № 9-од")
    assert given.exit_code == 0 and "Фомина Татьяна Олеговна подписывает за Громов Игорь Сергеевич" in given.output
    wrong = runner.invoke("people", "delegate", "--from", str(deputy.id), "--to", str(head.id))
    assert wrong.exit_code != 0 and "не подписывает" in wrong.output  # a deputy has no «утверждаю» to give
    assert runner.invoke("people", "designate", "MINSOC", str(deputy.id)).exit_code == 0
    shown = runner.invoke("people", "signatories", "MINSOC").output
    assert "Руководитель: Громов Игорь Сергеевич, министр социальной защиты" in shown
    assert "Утверждает паспорта: Фомина Татьяна Олеговна" in shown
    assert "с 01.12.2026 по 31.12.2026, приказ от 30.11.2026 № 9-од" in shown


def test_the_inbox_lists_what_waits_for_the_users_visa(ctx, seed, staff):
    """The inbox asks the visa rules (catalog.services.inbox): only the position that signs is asked."""
    from catalog.services import inbox

    def roadmaps(user):
        return [i for i in inbox.items_for(ctx, user) if i["kind"].startswith("Дорожная карта")]

    project = _project(ctx, seed)
    assert [i["kind"] for i in roadmaps(staff.chief)] == ["Дорожная карта: согласовать"]
    assert roadmaps(staff.office) == [] and roadmaps(staff.head) == []
    projects.agree_roadmap(as_user(ctx, staff.chief), project.id, date(2025, 11, 27), version=project.version, late_reason=LATE)
    item, = roadmaps(staff.head)
    assert item["kind"] == "Дорожная карта: утвердить" and item["url"] == f"/projects/{project.id}#roadmap"
    assert item["agency_id"] == seed.agency.id and roadmaps(staff.editor) == []
