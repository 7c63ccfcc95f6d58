"""Rights that follow ownership (issue 12, finding 8): the role matrix over the operations the issue
names, then a few through the API and the pages for the codes, the messages and the buttons.

The matrix runs each operation as each actor through the services, in a transaction rolled back
after it, so every cell starts from the same catalogue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from catalog.errors import Forbidden, Unauthorized
from catalog.services import requests
from catalog.services import records as r
from catalog.services.context import Context

ACTORS = ("reader", "editor", "stranger", "office", "architect", "owner", "other_owner", "admin",
          "inactive", "anonymous")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


@dataclass
class World:
    seed: object
    users: dict
    own_unexposed: object  # a dataset of the mart's agency that the mart does not expose yet
    foreign: object  # a dataset of the other agency, not exposed
    foreign_entity: object
    assigned: object  # a dataset of the other agency that an architect put on the mart
    other_mart: object
    foreign_system: object
    submitted: object  # a system request of the first agency, submitted
    concluded: object  # another, concluded by the process office


def as_user(ctx, user, commit=True) -> Context:
    return Context(session=ctx.session, user=user, settings=ctx.settings, autocommit=commit)


@pytest.fixture
def world(ctx, seed, make_user):
    from catalog.services import users as user_service

    a, b = seed.agency.id, seed.other_agency.id
    own_unexposed = r.create_record(ctx, "datasets", {"name": "Реестр семей с детьми", "owner_agency_id": a})
    foreign = r.create_record(ctx, "datasets", {"name": "Сведения о прикреплении к поликлиникам", "owner_agency_id": b})
    foreign_entity = r.create_record(ctx, "entities", {"name": "Прикрепление", "dataset_id": foreign.id})
    assigned = r.create_record(ctx, "datasets", {"name": "Сведения об инвалидности", "owner_agency_id": b})
    other_mart = r.create_record(ctx, "marts", {"name": "Витрина здравоохранения", "kind": "agency",
                                                "owner_agency_id": b})
    foreign_system = r.create_record(ctx, "systems", {"name": "МИС Минздрава", "legal_kind": "regional",
                                                      "stage": "operation", "operator_agency_id": b})
    entity = r.create_record(ctx, "entities", {"name": "Получатель", "dataset_id": seed.dataset.id})
    r.create_record(ctx, "attributes", {"name": "СНИЛС", "entity_id": entity.id, "data_type": "string"})
    # Only the two the page test logs in as get a password: hashing one costs a tenth of a second.
    fast = {"password": None}
    users = {
        "reader": make_user("reader", ["reader"]),
        "editor": make_user("editor", ["agency_editor"], agency_ids=[a], **fast),
        "stranger": make_user("stranger", ["agency_editor"], agency_ids=[b], **fast),
        # Leningrad 8.4: the conclusion is signed by the head of the process office (issue 16).
        "office": make_user("office", ["process_office"], level="head_of_agency", position="руководитель Процессного офиса"),
        "architect": make_user("architect", ["architect"], **fast),
        "owner": make_user("owner", ["mart_owner"], mart_ids=[seed.mart.id], **fast),
        "other_owner": make_user("other_owner", ["mart_owner"], mart_ids=[other_mart.id], **fast),
        "admin": make_user("admin", ["admin"], **fast),
        "inactive": make_user("inactive", ["admin", "mart_owner"], mart_ids=[seed.mart.id], **fast),
        "anonymous": None,
    }
    user_service.update_user(ctx, users["inactive"].id, is_active=False)
    # The architect puts the other agency's dataset on the mart: the owner answers for it from then on.
    r.create_record(as_user(ctx, users["architect"]), "links", {
        "link_type": "EXPOSES", "source_kind": "marts", "source_id": seed.mart.id,
        "target_kind": "datasets", "target_id": assigned.id})
    filer = as_user(ctx, users["editor"])
    request = {"agency_id": a, "kind": "create", "new_system_name": "Система выплат", "purpose": "без бумаг",
               "processes": [seed.process.id], "datasets": []}
    drafts = [requests.create_request(filer, request), requests.create_request(filer, {**request, "new_system_name": "Вторая"})]
    submitted, concluded = (requests.submit(filer, d.id, d.version) for d in drafts)
    requests.conclude(as_user(ctx, users["office"]), concluded.id, {**CONCLUSION, "version": concluded.version})
    return World(seed, users, own_unexposed, foreign, foreign_entity, assigned, other_mart, foreign_system,
                 submitted, concluded)


CONCLUSION = {"conclusion": "positive", "reasons": "процессы описаны", "overlap_answer": "пересечений нет"}
DECISION = {"decision": "returned", "reasons": "опишите процессы AS-IS"}


def _patch(ctx, kind, record, **changes):
    fresh = r.get_record(ctx, kind, record.id)
    return r.update_record(ctx, kind, record.id, {"version": fresh.version, **changes})


def _expose(ctx, w, kind, target):
    return r.create_record(ctx, "links", {"link_type": "EXPOSES", "source_kind": "marts", "source_id": w.seed.mart.id,
                                          "target_kind": kind, "target_id": target.id})


# operation → (what it does, the actors allowed to do it)
OPERATIONS = {
    "expose own agency's dataset": (
        lambda c, w: _expose(c, w, "datasets", w.own_unexposed), {"editor", "architect", "owner", "admin"}),
    "expose another agency's dataset": (
        lambda c, w: _expose(c, w, "datasets", w.foreign), {"editor", "architect", "admin"}),
    "expose another agency's entity": (
        lambda c, w: _expose(c, w, "entities", w.foreign_entity), {"editor", "architect", "admin"}),
    "edit an exposed dataset of its agency": (
        lambda c, w: _patch(c, "datasets", w.seed.dataset, description="ежедневно"),
        {"editor", "architect", "owner", "admin"}),
    "edit a dataset an architect assigned": (
        lambda c, w: _patch(c, "datasets", w.assigned, description="ежедневно"),
        {"stranger", "architect", "owner", "admin"}),
    "edit another agency's unexposed dataset": (
        lambda c, w: _patch(c, "datasets", w.foreign, description="ежедневно"), {"stranger", "architect", "admin"}),
    "add an entity to an exposed dataset": (
        lambda c, w: r.create_record(c, "entities", {"name": "Ребёнок", "dataset_id": w.seed.dataset.id}),
        {"editor", "architect", "owner", "admin"}),
    "add an entity to an unexposed dataset": (
        lambda c, w: r.create_record(c, "entities", {"name": "Врач", "dataset_id": w.foreign.id}),
        {"stranger", "architect", "admin"}),
    "add an attribute to an unexposed entity": (
        lambda c, w: r.create_record(c, "attributes", {"name": "Полис", "entity_id": w.foreign_entity.id,
                                                       "data_type": "string"}),
        {"stranger", "architect", "admin"}),
    "delete an exposed dataset of its agency": (
        lambda c, w: r.delete_record(c, "datasets", w.seed.dataset.id, w.seed.dataset.version), {"editor", "architect", "owner", "admin"}),
    "delete a dataset it only exposes": (
        lambda c, w: r.delete_record(c, "datasets", w.assigned.id, w.assigned.version), {"stranger", "architect", "admin"}),
    "edit its mart": (
        lambda c, w: _patch(c, "marts", w.seed.mart, completeness=97.5), {"editor", "architect", "owner", "admin"}),
    "move its mart to another agency": (
        lambda c, w: _patch(c, "marts", w.seed.mart, owner_agency_id=w.seed.other_agency.id), {"architect", "admin"}),
    "host its mart on another agency's system": (
        lambda c, w: _patch(c, "marts", w.seed.mart, host_system_id=w.foreign_system.id),
        {"editor", "architect", "admin"}),
    "edit another owner's mart": (
        lambda c, w: _patch(c, "marts", w.other_mart, completeness=50), {"stranger", "architect", "other_owner", "admin"}),
    "register a mart for another agency": (
        lambda c, w: r.create_record(c, "marts", {"name": "Новая", "kind": "agency",
                                                  "owner_agency_id": w.seed.other_agency.id}),
        {"stranger", "architect", "other_owner", "admin"}),
    "re-check a request": (
        lambda c, w: requests.recheck(c, w.submitted.id, w.submitted.version), {"editor", "office", "architect", "admin"}),
    "conclude on a request": (
        lambda c, w: requests.conclude(c, w.submitted.id, {**CONCLUSION, "version": w.submitted.version}), {"office"}),
    "decide on a request": (
        lambda c, w: requests.decide(c, w.concluded.id, {**DECISION, "version": w.concluded.version}), {"architect", "admin"}),
    "edit a process": (
        lambda c, w: _patch(c, "processes", w.seed.process, client="Граждане"), {"editor", "office", "admin"}),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_role_matrix(ctx, world, operation):
    run, allowed = OPERATIONS[operation]
    outcome, messages = {}, {}
    for actor in ACTORS:
        acting = as_user(ctx, world.users[actor], commit=False)
        try:
            run(acting, world)
            outcome[actor] = "allowed"
        except Unauthorized as error:
            outcome[actor], messages[actor] = "401", error.message
        except Forbidden as error:
            outcome[actor], messages[actor] = "403", error.message
        finally:
            ctx.session.rollback()
    expected = {actor: "allowed" if actor in allowed else "401" if actor == "anonymous" else "403"
                for actor in ACTORS}
    assert outcome == expected
    # Each refusal says why, in Russian, to the user; not the old "нельзя изменять запись вида…".
    unclear = {actor: text for actor, text in messages.items()
               if not CYRILLIC.search(text) or "нельзя изменять запись вида" in text}
    assert unclear == {}


def _refusal(ctx, run) -> str:
    try:
        run()
    except Forbidden as error:
        return error.message
    finally:
        ctx.session.rollback()
    raise AssertionError("the operation was allowed")


def test_refusals_say_why_from_the_mart_owners_side(ctx, world):
    owner = as_user(ctx, world.users["owner"], commit=False)
    w = world
    assert "не принадлежит органу вашей витрины" in _refusal(ctx, lambda: _expose(owner, w, "datasets", w.foreign))
    assert "не назначен ей архитектором" in _refusal(ctx, lambda: _expose(owner, w, "datasets", w.foreign))
    assert "витрина другого владельца" in _refusal(ctx, lambda: _patch(owner, "marts", w.other_mart, completeness=1))
    assert "передать витрину другому органу может только архитектор" in _refusal(
        ctx, lambda: _patch(owner, "marts", w.seed.mart, owner_agency_id=w.seed.other_agency.id))
    assert "не предоставляется вашей витриной: добавлять в него сущности нельзя" in _refusal(
        ctx, lambda: r.create_record(owner, "entities", {"name": "Врач", "dataset_id": w.foreign.id}))
    assert "ваша витрина лишь предоставляет эти данные" in _refusal(
        ctx, lambda: r.delete_record(owner, "datasets", w.assigned.id, w.assigned.version))
    assert "не назначена ей архитектором" in _refusal(ctx, lambda: _expose(owner, w, "entities", w.foreign_entity))
    reader = as_user(ctx, w.users["reader"], commit=False)
    assert "только читать" in _refusal(ctx, lambda: _patch(reader, "datasets", w.seed.dataset, description="x"))


def test_an_exposure_follows_the_datasets_owner(ctx, world):
    """The owner's own EXPOSES link gives rights while the dataset is its mart agency's; when the
    architect hands the dataset to another agency, those rights end with it."""
    w = world
    owner = as_user(ctx, w.users["owner"])
    _expose(owner, w, "datasets", w.own_unexposed)
    assert _patch(owner, "datasets", w.own_unexposed, description="ведётся").description == "ведётся"
    _patch(as_user(ctx, w.users["architect"]), "datasets", w.own_unexposed, owner_agency_id=w.seed.other_agency.id)
    assert "не предоставляется вашей витриной" in _refusal(
        ctx, lambda: _patch(owner, "datasets", w.own_unexposed, description="моё"))


def test_an_assigned_link_is_kept_not_retargeted(ctx, world):
    """The owner may describe the link an architect made, but pointing it elsewhere makes it the owner's
    own, and then only its mart agency's data may be at the other end."""
    from sqlalchemy import select

    from catalog import models

    w = world
    owner = as_user(ctx, w.users["owner"])
    link = ctx.session.scalar(select(models.Link).where(models.Link.target_kind == "datasets",
                                                        models.Link.target_id == w.assigned.id))
    assert _patch(owner, "links", link, frequency="daily").frequency == "daily"
    assert "не назначен ей архитектором" in _refusal(ctx, lambda: _patch(owner, "links", link, target_id=w.foreign.id))
    # Nor may an exposed entity be carried into a dataset the mart does not expose.
    entity = r.create_record(owner, "entities", {"name": "Справка", "dataset_id": w.assigned.id})
    _expose(as_user(ctx, w.users["architect"]), w, "entities", entity)
    assert "переносить в него сущности нельзя" in _refusal(
        ctx, lambda: _patch(owner, "entities", entity, dataset_id=w.foreign.id))


def test_an_admin_decides_but_concludes_only_in_the_office_heads_position(ctx, world, seed, make_user):
    """Issue 16 tightened 8.4: the conclusion is signed by the head of the process office, not by any admin."""
    w = world
    admin = as_user(ctx, w.users["admin"])
    with pytest.raises(Forbidden, match="руководитель Процессного офиса"):
        requests.conclude(admin, w.submitted.id, {**CONCLUSION, "version": w.submitted.version})
    ctx.session.rollback()
    # An admin who is the head of the process office concludes, and then does not decide on it.
    head = as_user(ctx, make_user("admin-head", ["admin"], password=None, level="head_of_agency"))
    concluded = requests.conclude(head, w.submitted.id, {**CONCLUSION, "version": w.submitted.version})
    assert concluded.concluded_by == "admin-head"
    with pytest.raises(Forbidden, match="по которой дали заключение"):
        requests.decide(head, concluded.id, {**DECISION, "version": concluded.version})
    draft = requests.create_request(head, {
        "agency_id": seed.agency.id, "kind": "create", "new_system_name": "Своя", "processes": [seed.process.id],
        "datasets": []})
    own = requests.submit(head, draft.id, draft.version)
    with pytest.raises(Forbidden, match="которую вы подали"):
        requests.conclude(head, own.id, {**CONCLUSION, "version": own.version})


# -- through the API and the pages


def test_recheck_needs_a_role_and_a_refusal_leaves_the_version(client, world, token_for):
    url = f"/api/v1/requests/{world.submitted.id}"
    version = client.get(url).get_json()["version"]
    anonymous = client.post(f"{url}/recheck")
    assert anonymous.status_code == 401 and CYRILLIC.search(anonymous.get_json()["error"])
    for name in ("reader", "owner", "stranger"):
        refused = client.post(f"{url}/recheck", headers=token_for(world.users[name]))
        assert refused.status_code == 403
        assert "проверки заявки запускают заново редакторы органа-заявителя" in refused.get_json()["error"]
    gone = client.post(f"{url}/recheck", headers=token_for(world.users["inactive"]))  # a deactivated admin
    assert gone.status_code == 401 and CYRILLIC.search(gone.get_json()["error"])
    assert client.get(url).get_json()["version"] == version
    done = client.post(f"{url}/recheck?version={version}", headers=token_for(world.users["editor"]))
    assert done.status_code == 200 and done.get_json()["version"] == version + 1


def test_the_recheck_button_shows_only_to_those_who_may_press_it(client, world, login):
    url = f"/requests/{world.submitted.id}"
    assert "Проверить заново" not in client.get(url).get_data(as_text=True)  # anonymous
    login("reader")
    assert "Проверить заново" not in client.get(url).get_data(as_text=True)
    client.post("/logout")
    login("office")
    page = client.get(url).get_data(as_text=True)
    assert "Проверить заново" in page and "Дать заключение" in page
    # A reader's press of the page button is refused too, and changes nothing.
    client.post("/logout")
    login("reader")
    refused = client.post(f"{url}/recheck", follow_redirects=True).get_data(as_text=True)
    assert "проверки заявки запускают заново" in refused


def test_the_api_refuses_a_mart_owner_with_its_reason(client, world, token_for):
    w = world
    auth = token_for(w.users["owner"])
    exposed = client.post("/api/v1/links", headers=auth, json={
        "link_type": "EXPOSES", "source_kind": "marts", "source_id": w.seed.mart.id,
        "target_kind": "datasets", "target_id": w.foreign.id})
    assert exposed.status_code == 403
    assert "не принадлежит органу вашей витрины" in exposed.get_json()["error"]
    mart = client.get(f"/api/v1/marts/{w.seed.mart.id}").get_json()
    moved = client.patch(f"/api/v1/marts/{w.seed.mart.id}", headers=auth,
                         json={"version": mart["version"], "owner_agency_id": w.seed.other_agency.id})
    assert moved.status_code == 403 and "передать витрину другому органу" in moved.get_json()["error"]
    assert client.get(f"/api/v1/marts/{w.seed.mart.id}").get_json()["owner_agency_id"] == w.seed.agency.id
    entity = client.post("/api/v1/entities", headers=auth, json={"name": "Врач", "dataset_id": w.foreign.id})
    assert entity.status_code == 403
    dataset = client.get(f"/api/v1/datasets/{w.assigned.id}").get_json()
    deleted = client.delete(f"/api/v1/datasets/{w.assigned.id}", headers=auth)
    assert deleted.status_code == 403 and client.get(f"/api/v1/datasets/{w.assigned.id}").get_json()["deleted_at"] is None
    edited = client.patch(f"/api/v1/datasets/{w.assigned.id}", headers=auth,
                          json={"version": dataset["version"], "description": "обновляется ежедневно"})
    assert edited.status_code == 200


def test_the_api_lets_an_admin_decide_but_not_conclude(client, world, token_for):
    w = world
    auth = token_for(w.users["admin"])
    def current(request):  # the version a client reads before acting
        return {"version": client.get(f"/api/v1/requests/{request.id}").get_json()["version"]}

    refused = client.post(f"/api/v1/requests/{w.submitted.id}/conclusion", headers=auth,
                          json={**CONCLUSION, **current(w.submitted)})
    assert refused.status_code == 403 and "руководитель Процессного офиса" in refused.get_json()["error"]
    decided = client.post(f"/api/v1/requests/{w.concluded.id}/decision", headers=auth,
                          json={**DECISION, **current(w.concluded)})
    assert decided.status_code == 200 and decided.get_json()["status"] == "returned"
