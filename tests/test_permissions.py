"""Every role's allowed and refused actions, through the API, with tokens."""
import pytest

PROCESS_PATCH = {"client": "Граждане"}


@pytest.fixture
def headers(make_user, token_for, seed):
    def for_role(role, **scope):
        return token_for(make_user(f"u_{role}", [role], **scope))
    return for_role


def _patch(client, url, headers, body):
    version = client.get(url).get_json()["version"]
    return client.patch(url, headers=headers, json={"version": version, **body})


def test_anonymous_reads_but_cannot_write(client, seed):
    assert client.get("/api/v1/processes").status_code == 200
    answer = client.post("/api/v1/agencies", json={"code": "X", "name": "X", "kind": "other"})
    assert answer.status_code == 401


def test_anonymous_reading_can_be_switched_off(client, seed, ctx, headers):
    from catalog.services import users
    users.set_anonymous_read(ctx, False)
    assert client.get("/api/v1/processes").status_code == 401
    assert client.get("/").status_code == 302  # pages send to the login form
    assert client.get("/api/v1/processes", headers=headers("reader")).status_code == 200


def test_bad_token_is_refused(client, seed):
    answer = client.get("/api/v1/processes", headers={"Authorization": "Bearer cat_nonsense"})
    assert answer.status_code == 401


def test_revoked_token_stops_working(client, seed, ctx, make_user):
    from catalog.services import users
    user = make_user("robot", ["architect"])
    issued = users.create_token(ctx, user.id, "ETL")
    auth = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/processes", headers=auth).status_code == 200
    users.revoke_token(ctx, issued.token.id)
    assert client.get("/api/v1/processes", headers=auth).status_code == 401


def test_reader_cannot_write(client, seed, headers):
    answer = _patch(client, f"/api/v1/processes/{seed.process.id}", headers("reader"), PROCESS_PATCH)
    assert answer.status_code == 403


def test_agency_editor_changes_only_its_agencies(client, seed, headers):
    auth = headers("agency_editor", agency_ids=[seed.agency.id])
    assert _patch(client, f"/api/v1/processes/{seed.process.id}", auth, PROCESS_PATCH).status_code == 200
    other = client.post("/api/v1/processes", headers=auth, json={
        "agency_id": seed.other_agency.id, "registry_id": "1", "service_id": seed.service.id, "name": "Чужой",
        "responsible_id": seed.other_person.id, "status": "queued_research"})
    assert other.status_code == 403
    moved = _patch(client, f"/api/v1/processes/{seed.process.id}", auth, {"agency_id": seed.other_agency.id})
    assert moved.status_code == 403
    assert client.post("/api/v1/acts", headers=auth, json={"name": "Приказ", "kind": "order"}).status_code == 403
    link = client.post("/api/v1/links", headers=auth, json={
        "link_type": "CONSUMES", "source_kind": "processes", "source_id": seed.process.id,
        "target_kind": "datasets", "target_id": seed.dataset.id, "transport": "smev"})
    assert link.status_code == 201


def test_process_office_edits_processes_and_reference_lists_not_systems(client, seed, headers):
    auth = headers("process_office")
    assert _patch(client, f"/api/v1/processes/{seed.process.id}", auth, PROCESS_PATCH).status_code == 200
    assert client.post("/api/v1/process-groups", headers=auth, json={"name": "Лицензирование"}).status_code == 201
    system = {"name": "АИС", "legal_kind": "regional", "stage": "creation"}
    assert client.post("/api/v1/systems", headers=auth, json=system).status_code == 403


def test_architect_edits_systems_and_data_not_processes(client, seed, headers):
    auth = headers("architect")
    system = {"name": "АИС", "legal_kind": "regional", "stage": "operation"}  # «создание» needs a request (issue 17)
    assert client.post("/api/v1/systems", headers=auth, json=system).status_code == 201
    assert _patch(client, f"/api/v1/marts/{seed.mart.id}", auth, {"completeness": 99}).status_code == 200
    assert _patch(client, f"/api/v1/processes/{seed.process.id}", auth, PROCESS_PATCH).status_code == 403


def test_mart_owner_changes_only_its_marts_and_their_data(client, seed, ctx, headers):
    from catalog.services import records
    other_mart = records.create_record(ctx, "marts", {"name": "Чужая витрина", "kind": "agency",
                                                      "owner_agency_id": seed.other_agency.id})
    auth = headers("mart_owner", mart_ids=[seed.mart.id])
    quality = {"completeness": 97.5, "accuracy": 99, "timeliness": 95, "quality_checked_on": "2026-11-01"}
    assert _patch(client, f"/api/v1/marts/{seed.mart.id}", auth, quality).status_code == 200
    assert _patch(client, f"/api/v1/marts/{other_mart.id}", auth, quality).status_code == 403
    assert _patch(client, f"/api/v1/datasets/{seed.dataset.id}", auth, {"description": "Ежедневно"}).status_code == 200
    assert _patch(client, f"/api/v1/processes/{seed.process.id}", auth, PROCESS_PATCH).status_code == 403
    # Registering a new mart makes its owner answerable for it.
    created = client.post("/api/v1/marts", headers=auth, json={"name": "Новая витрина", "kind": "smev4",
                                                                "owner_agency_id": seed.agency.id})
    assert created.status_code == 201
    assert _patch(client, f"/api/v1/marts/{created.get_json()['id']}", auth, quality).status_code == 200


def test_admin_does_everything(client, seed, headers):
    auth = headers("admin")
    assert _patch(client, f"/api/v1/processes/{seed.process.id}", auth, PROCESS_PATCH).status_code == 200
    assert client.delete(f"/api/v1/agencies/{seed.other_agency.id}?version={seed.other_agency.version}",
                         headers=auth).status_code == 200
