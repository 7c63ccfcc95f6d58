"""OpenLineage: the spec's examples are accepted, bad events get a 422 naming the JSON path, the dbt
streams replay into a lineage graph, runs are kept on the process."""
from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import models
from catalog.services import lineage

OL = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "openlineage"
EXAMPLES = [OL / "spec/tests/example_full_event.json", OL / "examples/client/python/tests/example_full_event.json"]
SERDE = sorted((OL / "examples/client/python/tests").glob("serde_example_*.json"))
DBT = OL / "examples/integration/common/tests/dbt/structured_logs/postgres"
DBT_STREAMS = {"build": (DBT / "build_command/results/build_ol_events.json", 186),
               "run": (DBT / "run/results/successful_run_ol_events.json", 72),
               "failed": (DBT / "run/results/failed_run_ol_events.json", 8)}
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.52.0/integration/dbt"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


@pytest.fixture
def ol_app(app, ctx, seed):
    app.config["CATALOG"].openlineage_agency = "MINSOC"
    return app


@pytest.fixture
def writer(make_user, token_for, seed):
    return token_for(make_user("pipeline", ["agency_editor"], [seed.agency.id]))


def post(client, headers, body):
    return client.post("/api/v1/lineage", data=json.dumps(body), headers={**headers, "Content-Type": "application/json"})


def complete(template: dict, stream: str) -> dict:
    """Fill the dbt templates' placeholders the way a live run would (they are partial fixtures):
    a run id per job run, producer and schema URL, the base facet fields; nulls are dropped."""
    event = copy.deepcopy(template)

    def run_id(job_name):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{stream}/{job_name}"))

    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    event = fill(event)
    event.setdefault("producer", PRODUCER)
    event.setdefault("schemaURL", SCHEMA_URL)
    event["run"]["runId"] = run_id(event["job"]["name"])
    parent = event["run"].get("facets", {}).get("parent")
    if parent:
        parent["run"]["runId"] = run_id(parent["job"]["name"])

    def base(facets):
        for facet in (facets or {}).values():
            facet.setdefault("_producer", PRODUCER)
            facet.setdefault("_schemaURL", "https://openlineage.io/spec/facets/1-0-0/Facet.json")

    base(event["run"].get("facets"))
    base(event["job"].get("facets"))
    for side in ("inputs", "outputs"):
        for dataset in event.get(side) or []:
            base(dataset.get("facets"))
            base(dataset.get("inputFacets"))
            base(dataset.get("outputFacets"))
    return event


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_the_spec_examples_are_accepted(ol_app, client, writer, ctx, path):
    event = json.loads(path.read_text())
    response = post(client, writer, event)
    assert response.status_code == 201, response.get_json()
    item = response.get_json()["items"][0]
    process = ctx.session.get(models.Process, item["process_id"])
    assert process.name == event["job"]["name"] and process.registry_id.startswith("OL-")
    assert process.agency.code == "MINSOC" and process.status == "queued_research"
    runs = client.get(f"/api/v1/processes/{process.id}/runs").get_json()["items"]
    assert runs[0]["run_id"] == event["run"]["runId"] and runs[0]["event_type"] == event["eventType"]
    # Sent again: nothing new (idempotent replay).
    again = post(client, writer, event).get_json()["items"][0]
    assert again["process_id"] == process.id and not again["run_stored"] and again["links_added"] == 0


@pytest.mark.parametrize("path", SERDE, ids=lambda p: p.stem)
def test_event_time_without_zone_is_refused_clearly_and_accepted_with_one(ol_app, client, writer, path):
    event = json.loads(path.read_text())
    response = post(client, writer, event)
    assert response.status_code == 422
    body = response.get_json()
    assert "$.eventTime" in body["fields"] and "часовой пояс" in body["fields"]["$.eventTime"][0]
    event["eventTime"] += "Z"
    nominal = event.get("run", {}).get("facets", {}).get("nominalTime")
    if nominal:
        # The run example's nominalTime facet holds bare dates («2020-01-01»): its own schema in
        # spec/facets asks for date-time too. The facet is optional, so the event's lineage is kept and
        # the answer names the facet's fields.
        answer = post(client, writer, event)
        assert answer.status_code == 201
        invalid = answer.get_json()["items"][0]["invalid_facets"]
        assert {p["path"] for p in invalid} == {"$.run.facets.nominalTime.nominalStartTime",
                                                "$.run.facets.nominalTime.nominalEndTime"}
        nominal["nominalStartTime"] += "T00:00:00Z"
        nominal["nominalEndTime"] += "T00:00:00Z"
    assert post(client, writer, event).status_code == 201


def test_malformed_events_name_the_path_and_the_reason(ol_app, client, writer):
    event = json.loads(EXAMPLES[0].read_text())
    bad = copy.deepcopy(event)
    bad["run"]["runId"] = "not-a-uuid"
    body = post(client, writer, bad).get_json()
    assert "$.run.runId" in body["fields"] and "uuid" in body["fields"]["$.run.runId"][0]
    bad = copy.deepcopy(event)
    del bad["job"]["namespace"]
    body = post(client, writer, bad).get_json()
    assert body["fields"] == {"$.job": ["нет обязательного поля «namespace»"]}
    bad = copy.deepcopy(event)
    bad["eventType"] = "FINISHED"
    assert "$.eventType" in post(client, writer, bad).get_json()["fields"]
    bad = json.loads(EXAMPLES[1].read_text())  # a facet checked against its own schema from spec/facets
    bad["run"]["facets"]["nominalTime"]["nominalStartTime"] = 12
    response = post(client, writer, bad)
    assert response.status_code == 201  # an optional facet: the event is kept, the facet reported
    assert [p["path"] for p in response.get_json()["items"][0]["invalid_facets"]] == [
        "$.run.facets.nominalTime.nominalStartTime"]
    assert client.post("/api/v1/lineage", data="{", headers={**writer, "Content-Type": "application/json"}).status_code == 400


def test_only_writers_with_a_token_may_send_events(ol_app, client, make_user, token_for):
    event = json.loads(EXAMPLES[0].read_text())
    assert post(client, {}, event).status_code == 401
    assert post(client, {"Authorization": "Bearer cat_nonsense"}, event).status_code == 401
    reader = token_for(make_user("reader1", ["reader"]))
    assert post(client, reader, event).status_code == 403


def _dataset(ctx, name):
    return ctx.session.scalar(select(models.Dataset).join(
        models.OpenLineageDataset, models.OpenLineageDataset.dataset_id == models.Dataset.id).where(
        models.OpenLineageDataset.name == name))


def _links(ctx, process_id, link_type):
    ctx.session.expire_all()
    ids = ctx.session.scalars(select(models.Link.target_id).where(
        models.Link.source_kind == "processes", models.Link.source_id == process_id,
        models.Link.link_type == link_type, models.Link.deleted_at.is_(None)))
    return {ctx.session.get(models.Dataset, i).name for i in ids}


def _process(ctx, job_name):
    ctx.session.rollback()  # see what other connections committed
    return ctx.session.scalar(select(models.Process).join(
        models.OpenLineageJob, models.OpenLineageJob.process_id == models.Process.id).where(
        models.OpenLineageJob.name == job_name))


@pytest.mark.parametrize("stream", list(DBT_STREAMS))
def test_dbt_streams_replay_into_the_lineage_graph(ol_app, client, writer, ctx, stream):
    path, count = DBT_STREAMS[stream]
    events = [complete(e, stream) for e in json.loads(path.read_text())]
    assert len(events) == count
    for event in events:
        response = post(client, writer, event)
        assert response.status_code == 201, (event["job"]["name"], response.get_json())
    if stream != "build":  # `dbt run` builds orders; the `dbt build` fixture has no orders model
        assert _links(ctx, _process(ctx, "model.jaffle_shop.orders").id, "CONSUMES") == {
            "postgres.public.stg_orders", "postgres.public.stg_payments"}
        assert _links(ctx, _process(ctx, "model.jaffle_shop.orders").id, "PRODUCES") == {"postgres.public.orders"}
    else:
        assert _links(ctx, _process(ctx, "seed.jaffle_shop.raw_orders").id, "PRODUCES") == {"postgres.public.raw_orders"}
        assert _links(ctx, _process(ctx, "model.jaffle_shop.stg_orders").id, "CONSUMES") == {"postgres.public.raw_orders"}
    if stream == "failed":
        # The failed run stops after the first model: its run history says so.
        runs = client.get(f"/api/v1/processes/{_process(ctx, 'model.jaffle_shop.orders').id}/runs").get_json()["items"]
        assert {r["event_type"] for r in runs} >= {"START"}
        return
    assert _links(ctx, _process(ctx, "model.jaffle_shop.customers").id, "CONSUMES") == {
        "postgres.public.stg_customers", "postgres.public.stg_orders", "postgres.public.stg_payments"}
    for model in ("customers", "orders", "payments"):
        assert _links(ctx, _process(ctx, f"model.jaffle_shop.stg_{model}").id, "PRODUCES") == {
            f"postgres.public.stg_{model}"}
    # The lineage graph: raw tables are upstream of the final customers table, through the models.
    customers = _dataset(ctx, "postgres.public.customers")
    answer = lineage.lineage(ctx, "datasets", customers.id, "upstream", 6, "PRODUCES,CONSUMES")
    names = {answer.record(n).title for n in answer.subgraph.nodes if n.startswith("datasets:")}
    if stream == "build":  # dbt build also loads the seeds: raw_* are produced by seed jobs
        assert {"postgres.public.raw_customers", "postgres.public.raw_orders", "postgres.public.raw_payments"} <= names
    assert {"postgres.public.stg_customers", "postgres.public.stg_orders", "postgres.public.stg_payments"} <= names
    # Replaying the whole stream again adds nothing.
    runs = ctx.session.query(models.OpenLineageRun).count()
    links = ctx.session.query(models.Link).count()
    for event in events:
        assert post(client, writer, event).status_code == 201
    assert ctx.session.query(models.OpenLineageRun).count() == runs
    assert ctx.session.query(models.Link).count() == links


def test_runs_show_on_the_process_page_and_cli_replays_ndjson(ol_app, client, runner, writer, ctx, seed, tmp_path,
                                                              monkeypatch):
    events = [complete(e, "cli") for e in json.loads(DBT_STREAMS["failed"][0].read_text())]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-8")
    monkeypatch.setenv("CATALOG_OPENLINEAGE_AGENCY", "MINSOC")
    result = runner.invoke("import", "openlineage", str(path))
    assert result.exit_code == 0, result.output
    assert "Принято событий OpenLineage: 8" in result.output
    process = _process(ctx, "model.jaffle_shop.orders")
    page = client.get(f"/processes/{process.id}").get_data(as_text=True)
    assert "Запуски (OpenLineage)" in page and "postgres.public.stg_orders" in page
    # A job mapped by hand goes to the chosen process.
    result = runner.invoke("openlineage", "map", "ns", "nightly", str(seed.process.id))
    assert result.exit_code == 0, result.output
    event = json.loads(EXAMPLES[0].read_text())
    event["job"] = {"namespace": "ns", "name": "nightly"}
    assert post(client, writer, event).get_json()["items"][0]["process_id"] == seed.process.id


def test_a_new_job_without_a_configured_agency_is_refused_with_advice(app, client, seed, make_user, token_for):
    architect = token_for(make_user("arch", ["architect"]))
    response = post(client, architect, json.loads(EXAMPLES[0].read_text()))
    # The server's setting is missing, not the event bad: 503, so the client keeps the event and retries.
    assert response.status_code == 503
    assert "CATALOG_OPENLINEAGE_AGENCY" in response.get_json()["error"]


def test_the_spec_folder_comes_from_the_settings(ol_app, client, writer, tmp_path):
    ol_app.config["CATALOG"].openlineage_spec = tmp_path / "нет-спецификации"
    response = post(client, writer, json.loads(EXAMPLES[0].read_text()))
    assert response.status_code == 503  # the server's setting: the client retries
    assert "Схема OpenLineage не найдена" in response.get_json()["error"]
    assert "нет-спецификации" in response.get_json()["error"]
