"""Delegations and the passport approver on the agency's duties page and in the API (issue 16).

Leningrad regulation 4.3 п. 6, 4.4: «утверждаю» on a roadmap by the head of the owning agency, or by the
official the head delegated it to; Samara concept, section 5 result 13: a passport approved by the official
the agency designates. The page and the API go through catalog.services.people.delegate / designate.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from catalog import models
from catalog.services import projects
from tests.test_people import LATE, _project, as_user

TODAY = date.today()


@pytest.fixture
def staff(seed, make_user):
    a = seed.agency.id

    class Staff:
        head = make_user("gromov", ["agency_editor"], agency_ids=[a], level="head_of_agency",
                         position="министр социальной защиты")
        deputy = make_user("fomina", ["agency_editor"], agency_ids=[a], level="deputy_head_of_agency",
                           position="заместитель министра социальной защиты")
        editor = make_user("orlova", ["agency_editor"], agency_ids=[a], level="head_of_unit",
                           position="начальник отдела назначения выплат")
        chief = make_user("kuznetsov", ["process_office"], password=None, level="head_of_agency",
                          position="руководитель Процессного офиса")
    return Staff


def test_the_head_delegates_on_the_page_and_the_deputy_then_approves_with_it_shown(ctx, client, seed, staff, login):
    login("gromov")
    page = client.get(f"/agencies/{seed.agency.id}/duties").get_data(as_text=True)
    assert "Подписи и поручения" in page and "Поручить" in page and "Руководитель: Gromov, министр социальной защиты" in page
    until = TODAY + timedelta(days=30)
    answer = client.post(f"/agencies/{seed.agency.id}/delegations", data={
        "to_person_id": str(staff.deputy.person_id), "visa": "roadmap_approve", "valid_from": TODAY.strftime("%d.%m.%Y"),
        "valid_until": until.strftime("%d.%m.%Y"), "basis": "приказ от 01.12.2026 № 45-п"}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert f"Поручение записано: Fomina — «Утверждаю» на дорожной карте с {TODAY:%d.%m.%Y} по {until:%d.%m.%Y}." in page
    current = page.split("Действующие поручения")[1]
    assert "приказ от 01.12.2026 № 45-п" in current and "Fomina, заместитель министра социальной защиты" in current
    # The deputy now approves a roadmap, and the printable roadmap names the delegation it rests on.
    project = _project(ctx, seed)
    projects.agree_roadmap(as_user(ctx, staff.chief), project.id, date(2025, 11, 27), version=project.version, late_reason=LATE)
    projects.approve_roadmap(as_user(ctx, staff.deputy), project.id, date(2025, 11, 28), version=project.version, late_reason=LATE)
    printed = client.get(f"/documents/roadmap/{project.id}").get_data(as_text=True)
    assert "Fomina, заместитель министра социальной защиты, 28.11.2025" in printed
    assert "по поручению: Gromov, министр социальной защиты, приказ от 01.12.2026 № 45-п" in printed
    # The head ends it: it moves to the past ones, and the deputy no longer signs.
    delegation = ctx.session.query(models.Delegation).one()
    page = client.post(f"/delegations/{delegation.id}/end", follow_redirects=True).get_data(as_text=True)
    assert "прекращено" in page and "приказ от 01.12.2026 № 45-п" in page.split("Прекращённые и истёкшие поручения")[1]
    assert "Действующие поручения</h3>\n<p>Нет.</p>" in page


def test_a_bad_delegation_is_refused_with_its_field_and_nothing_is_recorded(ctx, client, seed, staff, login):
    login("gromov")
    page = client.post(f"/agencies/{seed.agency.id}/delegations", data={
        "to_person_id": str(staff.deputy.person_id), "visa": "roadmap_approve", "valid_from": "10.12.2026",
        "valid_until": "01.12.2026"}, follow_redirects=True).get_data(as_text=True)
    assert "Поручение не записано." in page and "Окончание не раньше начала (10.12.2026)" in page
    assert ctx.session.query(models.Delegation).count() == 0


def test_only_the_head_records_delegations_and_designates(ctx, client, seed, staff, login):
    login("orlova")
    page = client.get(f"/agencies/{seed.agency.id}/duties").get_data(as_text=True)
    assert "Подписи и поручения" in page and "Поручить" not in page
    refused = client.post(f"/agencies/{seed.agency.id}/delegations", data={
        "to_person_id": str(staff.editor.person_id), "visa": "roadmap_approve"})
    assert refused.status_code == 403
    assert client.post(f"/agencies/{seed.agency.id}/passport-approver",
                       data={"person_id": str(staff.editor.person_id)}).status_code == 403
    assert ctx.session.query(models.Delegation).count() == 0 and ctx.session.query(models.Designation).count() == 0


def test_the_head_designates_the_passport_approver_on_the_page(ctx, client, seed, staff, login):
    login("gromov")
    page = client.post(f"/agencies/{seed.agency.id}/passport-approver", data={"person_id": str(staff.deputy.person_id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Паспорта процессов органа утверждает Fomina, заместитель министра социальной защиты." in page
    assert "Утверждает паспорта: Fomina, заместитель министра социальной защиты" in page


def test_the_api_lists_records_ends_delegations_and_sets_the_passport_approver(ctx, client, seed, staff, token_for):
    head, editor = token_for(staff.head), token_for(staff.editor)
    url = f"/api/v1/agencies/{seed.agency.id}/delegations"
    refused = client.post(url, json={"to_person_id": staff.deputy.person_id}, headers=editor)
    assert refused.status_code == 403 and "руководитель" in str(refused.get_json())
    bad = client.post(url, json={"to_person_id": staff.deputy.person_id, "valid_from": "завтра"}, headers=head)
    assert bad.status_code == 422 and "valid_from" in str(bad.get_json())
    made = client.post(url, json={"to_person_id": staff.deputy.person_id, "visa": "roadmap_approve",
                                  "basis": "приказ № 45-п"}, headers=head)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["from"]["full_name"] == "Gromov" and body["to"]["full_name"] == "Fomina" and body["in_force"]
    listed = client.get(url, headers=editor).get_json()
    assert [d["id"] for d in listed["current"]] == [body["id"]] and listed["past"] == []
    assert client.post(f"/api/v1/delegations/{body['id']}/end", headers=editor).status_code == 403
    ended = client.post(f"/api/v1/delegations/{body['id']}/end", headers=head).get_json()
    assert ended["ended"] and not ended["in_force"]
    listed = client.get(url, headers=editor).get_json()
    assert listed["current"] == [] and [d["id"] for d in listed["past"]] == [body["id"]]
    put = client.put(f"/api/v1/agencies/{seed.agency.id}/passport-approver",
                     json={"person_id": staff.deputy.person_id}, headers=head)
    assert put.status_code == 200 and put.get_json()["person"]["full_name"] == "Fomina"
    signers = client.get(f"/api/v1/agencies/{seed.agency.id}/signatories", headers=editor).get_json()
    assert signers["passport_approver"]["full_name"] == "Fomina"
