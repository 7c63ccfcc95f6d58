"""The REST API: validation errors, 404, 409, paging and filters, history, links, OpenAPI."""
import pytest


@pytest.fixture
def admin_headers(make_user, token_for):
    return token_for(make_user("admin", ["admin"]))


def test_list_is_paginated_and_filterable(client, seed, admin_headers):
    answer = client.get("/api/v1/processes?per_page=1&status=queued_research")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["total"] == 1 and body["items"][0]["registry_id"] == "001"
    assert client.get("/api/v1/processes?status=certified").get_json()["total"] == 0
    assert client.get(f"/api/v1/processes?agency_id={seed.other_agency.id}").get_json()["total"] == 0


@pytest.mark.parametrize("query, parameter", [
    ("page=abc", "page"), ("per_page=100000", "per_page"), ("agency_id=x", "agency_id"), ("colour=red", "colour"),
])
def test_bad_query_parameters_are_named(client, seed, query, parameter):
    answer = client.get(f"/api/v1/processes?{query}")
    assert answer.status_code == 422
    assert parameter in answer.get_json()["fields"]


def test_create_names_each_bad_field(client, seed, admin_headers):
    answer = client.post("/api/v1/processes", headers=admin_headers, json={
        "agency_id": seed.agency.id, "registry_id": "", "status": "finished", "channels": ["telegram"],
        "colour": "red", "responsible_id": "нет",
    })
    assert answer.status_code == 422
    fields = answer.get_json()["fields"]
    assert {"registry_id", "status", "channels.0", "colour", "responsible_id", "name", "service_id"} <= set(fields)
    assert fields["colour"] == ["Неизвестное поле."]


def test_body_must_be_a_json_object(client, seed, admin_headers):
    assert client.post("/api/v1/agencies", headers=admin_headers, data="name=x").status_code == 422
    assert client.post("/api/v1/agencies", headers=admin_headers, json=[1, 2]).status_code == 422


def test_create_read_update_delete_restore(client, seed, admin_headers):
    created = client.post("/api/v1/systems", headers=admin_headers, json={
        "name": "Региональная система межведомственного электронного взаимодействия", "short_name": "РСМЭВ",
        "legal_kind": "regional", "stage": "operation", "operator_agency_id": seed.agency.id,
    })
    assert created.status_code == 201, created.get_json()
    system = created.get_json()
    assert created.headers["Location"].endswith(f"/systems/{system['id']}")
    assert client.get(f"/api/v1/systems/{system['id']}").get_json()["short_name"] == "РСМЭВ"
    updated = client.patch(f"/api/v1/systems/{system['id']}", headers=admin_headers,
                           json={"version": system["version"], "fgis_ki_number": "ФГИС КИ 4242"})
    assert updated.status_code == 200 and updated.get_json()["version"] == 2
    deleted = client.delete(f"/api/v1/systems/{system['id']}?version=2", headers=admin_headers)
    assert deleted.get_json()["deleted_at"]
    assert client.get("/api/v1/systems").get_json()["total"] == 0
    assert client.get("/api/v1/systems?include_deleted=1").get_json()["total"] == 1
    restored = client.post(f"/api/v1/systems/{system['id']}/restore?version=3", headers=admin_headers)
    assert restored.get_json()["deleted_at"] is None
    history = client.get(f"/api/v1/systems/{system['id']}/history").get_json()["items"]
    assert [e["action"] for e in history] == ["restore", "delete", "update", "create"]
    assert history[2]["changes"]["fgis_ki_number"] == {"before": None, "after": "ФГИС КИ 4242"}


def test_unknown_record_and_kind_give_404(client, seed, admin_headers):
    assert client.get("/api/v1/processes/99999").status_code == 404
    assert "не найдена" in client.get("/api/v1/processes/99999").get_json()["error"]
    assert client.get("/api/v1/rockets").status_code == 404
    assert client.patch("/api/v1/processes/99999", headers=admin_headers, json={"version": 1}).status_code == 404


def test_stale_version_gets_409_with_what_changed(client, seed, admin_headers):
    url = f"/api/v1/processes/{seed.process.id}"
    first = client.patch(url, headers=admin_headers, json={"version": 1, "client": "Родители"})
    assert first.status_code == 200
    stale = client.patch(url, headers=admin_headers, json={"version": 1, "client": "Семьи"})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["current_version"] == 2
    assert body["changes"][0]["changes"]["client"]["after"] == "Родители"
    assert client.get(url).get_json()["client"] == "Родители"


def test_update_without_version_is_refused(client, seed, admin_headers):
    answer = client.patch(f"/api/v1/processes/{seed.process.id}", headers=admin_headers, json={"client": "x"})
    assert answer.status_code == 422 and "version" in answer.get_json()["fields"]


def test_status_back_needs_reason_and_history_is_served(client, seed, admin_headers):
    url = f"/api/v1/processes/{seed.process.id}"
    # Statuses that need no evidence (issue 17): the queue for reengineering, then back to research.
    client.patch(url, headers=admin_headers, json={"version": 1, "status": "queued_reengineering"})
    back = client.patch(url, headers=admin_headers, json={"version": 2, "status": "researching"})
    assert back.status_code == 422 and "status_reason" in back.get_json()["fields"]
    ok = client.patch(url, headers=admin_headers, json={"version": 2, "status": "researching",
                                                        "status_reason": "Выявлены новые этапы"})
    assert ok.status_code == 200
    items = client.get(f"{url}/status-history").get_json()["items"]
    assert [i["to_status"] for i in items] == ["queued_research", "queued_reengineering", "researching"]
    assert items[-1]["reason"] == "Выявлены новые этапы" and items[-1]["actor_name"] == "admin"


def test_links_show_deleted_ends(client, seed, admin_headers):
    client.delete(f"/api/v1/datasets/{seed.dataset.id}", headers={**admin_headers, "If-Match": f'"{seed.dataset.version}"'})
    links = client.get(f"/api/v1/marts/{seed.mart.id}/links").get_json()
    assert links["outgoing"][0]["other"] == {"kind": "datasets", "id": seed.dataset.id,
                                             "title": seed.dataset.name, "deleted": True}


def test_every_resource_lists(client, seed):
    for name in ["agencies", "people", "processes", "services", "life-situations", "acts", "process-groups",
                 "datasets", "entities", "document-types", "systems", "marts", "links", "typical-processes",
                 "attributes"]:
        assert client.get(f"/api/v1/{name}").status_code == 200, name


def test_openapi_document_and_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/processes/{record_id}" in spec["paths"]
    assert "Process" in spec["components"]["schemas"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/processes" in page.get_data(as_text=True)


def test_nested_metadata_fields_are_validated(client, admin_headers):
    answer = client.post("/api/v1/document-types", headers=admin_headers, json={
        "name": "Паспорт", "metadata_fields": [{"name": "Серия", "data_type": "string"}, {"data_type": "colour"}]})
    assert answer.status_code == 422
    assert {"metadata_fields.1.name", "metadata_fields.1.data_type"} <= set(answer.get_json()["fields"])
