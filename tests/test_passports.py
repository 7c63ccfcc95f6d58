"""Process passports: variants written whole, checked, approved by the owning agency, frozen, revised."""
from __future__ import annotations

import pytest

from catalog.errors import Conflict, Forbidden, InvalidInput
from catalog.services import passports
from catalog.services.context import Context

CONTENT = {
    "description": "Как процесс идёт сейчас",
    "data": [
        {"key": "app", "name": "Заявление", "role": "input"},
        {"key": "inc", "name": "Сведения о доходах", "role": "input"},
        {"key": "copy", "name": "Копия паспорта", "role": "input"},
        {"key": "check", "name": "Результат проверки", "role": "intermediate"},
        {"key": "dec", "name": "Решение о назначении", "role": "result"},
    ],
    "steps": [
        {"name": "Приём заявления", "performer_position": "специалист", "duration_minutes": 15, "waiting_minutes": 60,
         "times_per_year": 1200, "consumes": ["app", "copy"], "produces": []},
        {"name": "Проверка доходов", "duration_minutes": 30, "times_per_year": 1200, "consumes": ["app", "inc"],
         "produces": ["check"]},
        {"name": "Решение", "duration_minutes": 10, "times_per_year": 1200, "is_automated": True,
         "consumes": ["check"], "produces": ["dec"]},
    ],
}


@pytest.fixture
def draft(ctx, seed):
    passport = passports.create_passport(ctx, seed.process.id, "as_is")
    return passports.save_passport(ctx, passport.id, {**CONTENT, "version": passport.version})


def test_a_variant_is_written_whole_and_finds_excess_data(ctx, draft):
    assert [s.name for s in draft.steps] == ["Приём заявления", "Проверка доходов", "Решение"]
    assert [s.position for s in draft.steps] == [1, 2, 3]
    # The copy of the passport is read but leads to no result: excess data.
    assert [d.key for d in passports.excess_data(draft)] == ["copy"]
    assert {(a.key, s.name, b.key) for a, s, b in passports.relations(draft)} == {
        ("app", "Проверка доходов", "check"), ("inc", "Проверка доходов", "check"), ("check", "Решение", "dec")}
    totals = passports.totals(draft)
    assert totals["instance_minutes"] == 115 and totals["year_work_hours"] == 55 * 1200 / 60
    assert round(totals["automated_share"], 3) == 0.333


def test_bad_content_names_the_row_and_field_and_changes_nothing(ctx, draft):
    bad = {**CONTENT, "version": draft.version,
           "steps": [{**CONTENT["steps"][0], "duration_minutes": -5},
                     {**CONTENT["steps"][1], "consumes": ["nothing"]}]}
    with pytest.raises(InvalidInput) as error:
        passports.save_passport(ctx, draft.id, bad)
    assert "steps.0.duration_minutes" in error.value.fields
    ctx.session.rollback()
    bad["steps"] = [{**CONTENT["steps"][1], "consumes": ["nothing"]}]
    with pytest.raises(InvalidInput) as error:
        passports.save_passport(ctx, draft.id, bad)
    assert error.value.fields == {"steps.0.consumes": ["Нет данных с ключом «nothing»."]}
    ctx.session.rollback()
    duplicated = {**CONTENT, "version": draft.version, "data": CONTENT["data"] + [{"key": "app", "name": "ещё", "role": "input"}]}
    with pytest.raises(InvalidInput) as error:
        passports.save_passport(ctx, draft.id, duplicated)
    assert "data.5.key" in error.value.fields
    ctx.session.rollback()
    assert len(passports.get_passport(ctx, draft.id).steps) == 3


def test_approval_by_the_owning_agency_freezes_and_a_new_revision_copies(ctx, seed, draft, make_user):
    stranger = make_user("health", ["agency_editor"], agency_ids=[seed.other_agency.id])
    owner = make_user("social", ["agency_editor"], agency_ids=[seed.agency.id], level="head_of_agency")
    office = make_user("office", ["process_office"])
    for user in (stranger, office):
        with pytest.raises(Forbidden):
            passports.approve(Context(session=ctx.session, user=user, settings=ctx.settings), draft.id, draft.version)
    approved = passports.approve(Context(session=ctx.session, user=owner, settings=ctx.settings), draft.id, draft.version)
    assert approved.state == "approved" and approved.approved_by == "social"
    with pytest.raises(Conflict):
        passports.save_passport(ctx, draft.id, {**CONTENT, "version": approved.version})
    revision = passports.create_passport(ctx, seed.process.id, "as_is")
    assert revision.revision == 2 and revision.state == "draft"
    assert [s.name for s in revision.steps] == [s.name for s in approved.steps]
    with pytest.raises(Conflict):
        passports.create_passport(ctx, seed.process.id, "as_is")
    assert passports.current(ctx, seed.process.id, "as_is", approved_only=True).id == approved.id
    events = passports.passport_history(ctx, draft.id)
    assert [e.action for e in events][:2] == ["update", "update"] and "state" in events[0].changes


def test_passport_api(client, seed, make_user, token_for):
    headers = token_for(make_user("social", ["agency_editor"], agency_ids=[seed.agency.id], level="head_of_agency"))
    created = client.post(f"/api/v1/processes/{seed.process.id}/passports", json={"variant": "to_be", **CONTENT},
                          headers=headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["excess_data"] == ["copy"] and body["revision"] == 1 and len(body["steps"]) == 3
    stale = client.put(f"/api/v1/passports/{body['id']}", json={**CONTENT, "version": 1}, headers=headers)
    assert stale.status_code == 409
    bad = client.put(f"/api/v1/passports/{body['id']}", headers=headers,
                     json={"version": body["version"], "steps": [{"name": "", "waiting_minutes": -1}]})
    assert bad.status_code == 422
    assert set(bad.get_json()["fields"]) == {"steps.0.name", "steps.0.waiting_minutes"}
    assert client.post(f"/api/v1/processes/{seed.process.id}/passports", json={"variant": "maybe"},
                       headers=headers).get_json()["fields"] == {"variant": ["Допустимо: as_is (AS-IS), to_be (TO-BE)."]}
    assert client.post(f"/api/v1/passports/{body['id']}/approve").status_code == 401
    approved = client.post(f"/api/v1/passports/{body['id']}/approve", headers=headers,
                           json={"version": body["version"]}).get_json()
    assert approved["state"] == "approved"
    listed = client.get(f"/api/v1/processes/{seed.process.id}/passports").get_json()["items"]
    assert [(p["variant"], p["state"]) for p in listed] == [("to_be", "approved")]


def test_passport_pages(client, seed, make_user, login):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id], level="head_of_agency")
    login("social")
    assert "Паспорта процесса" in client.get(f"/processes/{seed.process.id}").get_data(as_text=True)
    created = client.post(f"/processes/{seed.process.id}/passports", data={"variant": "as_is"})
    edit_url = created.headers["Location"]
    form = client.get(edit_url).get_data(as_text=True)
    assert "Модель данных" in form and 'name="step-0-name"' in form
    version = passports_version(client, edit_url)
    bad = client.post(edit_url, data={"version": version, "step-0-name": "Приём", "step-0-duration_minutes": "-3",
                                      "data-0-key": "app", "data-0-name": "Заявление", "data-0-role": "input"})
    assert bad.status_code == 422 and "не может быть отрицательным" in bad.get_data(as_text=True)
    saved = client.post(edit_url, data={"version": version, "step-0-name": "Приём", "step-0-duration_minutes": "15",
                                        "step-0-consumes": "app", "data-0-key": "app", "data-0-name": "Заявление",
                                        "data-0-role": "input", "data-1-key": "res", "data-1-name": "Решение",
                                        "data-1-role": "result"})
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Приём" in page and "лишние данные" in page  # the application leads to no result
    approve = client.post(saved.headers["Location"] + "/approve", data={"version": passports_version(client, edit_url)})
    assert approve.status_code == 302 and "утверждён" in client.get(approve.headers["Location"]).get_data(as_text=True)


def passports_version(client, edit_url) -> str:
    import re

    return re.search(r'name="version" value="(\d+)"', client.get(edit_url).get_data(as_text=True)).group(1)


def test_passport_cli(runner, ctx, seed, draft):
    out = runner.invoke("passports", "list", str(seed.process.id)).output
    assert "AS-IS (текущее состояние)" in out and "as_is" not in out and "лишние данные: Копия паспорта" in out
    assert "утверждён" in runner.invoke("passports", "approve", str(draft.id)).output
