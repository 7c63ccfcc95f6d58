"""The read-only SPARQL endpoint and page: examples with rows, formats, refusals, limits, freshness, rights."""
from __future__ import annotations

import csv
import io
import time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from catalog import models
from catalog.linked import sparql
from catalog.linked import store as linked_store


@pytest.fixture
def demo(ctx, demo_region):
    return ctx


@pytest.fixture(params=["embedded", "server"])
def backend(request, app, monkeypatch):
    """The SPARQL store on disk in the instance folder, or an Oxigraph server on loopback (CATALOG_SPARQL_URL)."""
    if request.param == "server":
        url = request.getfixturevalue("oxigraph").url()
        app.config["CATALOG"].sparql_url = url
        monkeypatch.setenv("CATALOG_SPARQL_URL", url)  # for the command line
    return request.param


def names(client, query="SELECT ?name WHERE { ?s a pdc:InformationSystem ; dct:title ?name }"):
    response = client.get("/api/v1/sparql", query_string={"query": query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(r["name"]["value"] for r in response.get_json()["results"]["bindings"])


@pytest.mark.parametrize("slug", [e.slug for e in sparql.EXAMPLES])
def test_every_example_returns_rows_on_the_demo_region(client, demo, slug):
    response = client.get("/api/v1/sparql", query_string={"query": sparql.EXAMPLES_BY_SLUG[slug].query})
    assert response.status_code == 200 and response.mimetype == "application/sparql-results+json"
    body = response.get_json()
    assert body["results"]["bindings"], slug
    assert set(body["head"]["vars"]) >= set(body["results"]["bindings"][0])


def test_examples_answer_what_the_architect_asks(client, demo):
    def rows(slug):
        return client.get("/api/v1/sparql", query_string={"query": sparql.EXAMPLES_BY_SLUG[slug].query}
                          ).get_json()["results"]["bindings"]

    egrn = rows("egrn-consumers")
    assert all("ЕГРН" in r["dataName"]["value"] or r["data"]["value"] for r in egrn)
    assert any("ЕГРН" in r["dataName"]["value"] for r in egrn)
    stale = {r["martName"]["value"] for r in rows("stale-marts")}
    assert "Витрина градостроительных данных" in stale  # checked 2024-12-10
    assert "Витрина «Прикреплённое население»" in stale  # never checked
    assert "Витрина ГИС ГМП (СМЭВ4)" not in stale  # checked recently
    unnumbered = rows("systems-without-fgis-ki")
    ids = [int(r["system"]["value"].rsplit("/", 1)[1]) for r in unnumbered]
    numbers = demo.session.scalars(select(models.InformationSystem.fgis_ki_number).where(
        models.InformationSystem.id.in_(ids))).all()
    assert numbers and all(n is None for n in numbers)
    total = demo.session.scalar(select(func.count()).select_from(models.InformationSystem).where(
        models.InformationSystem.fgis_ki_number.is_(None)))
    assert len(unnumbered) == total


def test_csv_answers_and_post_bodies(backend, client, seed):
    query = "SELECT ?name WHERE { ?p a pdc:Process ; dct:title ?name }"
    as_csv = client.get("/api/v1/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(as_csv.get_data(as_text=True)))) == [["name"], ["Приём заявления о назначении выплаты"]]
    posted = client.post("/api/v1/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert posted.get_json()["results"]["bindings"][0]["name"] == {
        "type": "literal", "value": "Приём заявления о назначении выплаты", "xml:lang": "ru"}
    form = client.post("/api/v1/sparql", data={"query": "ASK { ?m a dcat:DataService }", "format": "json"})
    assert form.get_json() == {"head": {}, "boolean": True}


def test_the_page_runs_saved_examples_and_shows_a_table(client, demo):
    home = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert home.find("a", string="SPARQL")["href"] == "/sparql"
    page = client.get("/sparql?example=stale-marts")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert "Витрины с устаревшей проверкой качества" in soup.get_text()
    table = soup.find("table", class_="sparql-results")
    assert [th.get_text() for th in table.find_all("th")][:2] == ["mart", "martName"]
    first_link = table.find("tbody").find("a")["href"]
    assert first_link.startswith("/marts/")  # IRIs under the base lead to the record's page
    assert client.get(first_link).status_code == 200


def test_writes_are_refused_and_nothing_changes(backend, client, seed, ctx):
    before = ctx.session.scalar(select(func.count()).select_from(models.ChangeEvent))
    for query in ("INSERT DATA { <http://localhost:8000/processes/1> dct:title \"x\" }",
                  "PREFIX ex: <http://example.org/>\n# a comment with SELECT in it\nDELETE WHERE { ?s ?p ?o }",
                  "LOAD <http://example.org/data.ttl>", "clear all", "DROP GRAPH <http://a/>"):
        response = client.post("/api/v1/sparql", data={"query": query})
        assert response.status_code == 400, query
        assert "запрещены" in response.get_json()["error"] and "query" in response.get_json()["fields"]
    page = client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert page.status_code == 400 and "только читает каталог" in page.get_data(as_text=True)
    assert ctx.session.scalar(select(func.count()).select_from(models.ChangeEvent)) == before
    still = client.get("/api/v1/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert int(still.get_json()["results"]["bindings"][0]["n"]["value"]) > 50


def test_syntax_errors_name_the_position(backend, client, seed):
    response = client.get("/api/v1/sparql", query_string={"query": "SELECT ?s WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"].startswith("Синтаксическая ошибка SPARQL: строка 3, позиция")
    empty = client.get("/api/v1/sparql")
    assert empty.status_code == 400 and "Пустой запрос" in empty.get_json()["error"]


@pytest.mark.parametrize("isolation", ["process", "thread"])
def test_row_and_time_limits(app, client, demo, isolation):
    settings = app.config["CATALOG"]
    settings.sparql_isolation = isolation
    settings.sparql_max_rows = 5
    many = client.get("/api/v1/sparql", query_string={"query": "SELECT ?p WHERE { ?p a pdc:Process }"})
    assert many.status_code == 400 and "длиннее 5 строк" in many.get_json()["error"]
    five = client.get("/api/v1/sparql", query_string={"query": "SELECT ?p WHERE { ?p a pdc:Process } LIMIT 5"})
    assert five.status_code == 200 and len(five.get_json()["results"]["bindings"]) == 5
    settings.sparql_max_rows = 10**9
    settings.sparql_timeout = 0.3
    # In a child process even an aggregate over a huge join (no row until the end) is stopped:
    # the child is killed. A thread can only be abandoned at its next row.
    heavy = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }" if isolation == "process"
             else "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    started = time.perf_counter()
    slow = client.get("/api/v1/sparql", query_string={"query": heavy})
    assert time.perf_counter() - started < 5
    assert slow.status_code == 400
    assert "дольше 0.3 с" in slow.get_json()["error"]
    settings.sparql_timeout = 10
    assert client.get("/api/v1/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True


def test_the_graph_follows_changes_of_the_catalogue(backend, client, seed, ctx):
    from catalog.services import records

    query = "SELECT ?name WHERE { ?s a pdc:InformationSystem ; dct:title ?name }"
    assert client.get("/api/v1/sparql", query_string={"query": query}).get_json()["results"]["bindings"] == []
    records.create_record(ctx, "systems", {"name": "АИС «Соцзащита»", "legal_kind": "regional", "stage": "operation"})
    rows = client.get("/api/v1/sparql", query_string={"query": query}).get_json()["results"]["bindings"]
    assert [r["name"]["value"] for r in rows] == ["АИС «Соцзащита»"]


def test_reading_follows_the_read_rule(client, seed, ctx, make_user, token_for):
    from catalog.services import users

    users.set_anonymous_read(ctx, False)
    query = {"query": "ASK { ?s ?p ?o }"}
    assert client.get("/api/v1/sparql", query_string=query).status_code == 401
    assert client.get("/api/v1/export.rdf").status_code == 401
    assert client.get(f"/processes/{seed.process.id}", headers={"Accept": "text/turtle"}).status_code == 401
    assert client.get("/sparql").status_code == 302  # to the login page
    reader = token_for(make_user("reader1", ["reader"]))
    assert client.get("/api/v1/sparql", query_string=query, headers=reader).status_code == 200
    assert client.get("/api/v1/export.rdf", headers=reader).status_code == 200


def test_the_api_document_lists_the_linked_data_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/export.rdf", "/import.rdf", "/sparql"} <= set(paths)
    assert client.get("/api/v1/docs").status_code == 200


def test_cli_runs_examples_and_refuses_writes(backend, runner, demo):
    result = runner.invoke("sparql", "--example", "systems-without-fgis-ki")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].split(",")[:2] == ["system", "systemName"] and len(lines) > 1
    refused = runner.invoke("sparql", "CLEAR DEFAULT")
    assert refused.exit_code != 0 and "запрещены" in refused.output
    assert set(runner.invoke("sparql", "--example", "x").output.split()) & {"Error:", "Invalid"}


def test_cli_offers_every_saved_example():
    from catalog.cli.linked import sparql_command

    choices = next(p for p in sparql_command.params if p.name == "example").type.choices
    assert set(choices) == set(sparql.EXAMPLES_BY_SLUG)


def _triples(view) -> set[str]:
    """The triples a query sees (the default graph) of the shared store, as N-Triples lines."""
    import pyoxigraph as ox

    if view.store is not None:
        return {str(q.triple) for q in view.store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    state = view.shared.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", 60, 10**9, {})
    return {str(t) for t in state["answer"].triples}


def test_the_shared_store_answers_as_the_in_memory_copy_did_on_the_demo(backend, demo):
    """Issue 19: the same triples and the same answers to every example as the old per-process copy,
    after changes applied incrementally (an edit, a deletion that hides links, a restore)."""
    from catalog.services import records

    ctx = demo
    view = sparql.store_for(ctx)
    assert _triples(view) == {str(q.triple) for q in sparql.build_store(ctx)}
    process = ctx.session.scalar(select(models.Process).where(models.Process.deleted_at.is_(None),
                                                              models.Process.service_id.is_not(None)))
    dataset = ctx.session.scalar(select(models.Dataset).join(
        models.Link, (models.Link.target_kind == "datasets") & (models.Link.target_id == models.Dataset.id)))
    builds = linked_store.SparqlStore.builds
    records.update_record(ctx, "processes", process.id, {"name": "Переименованный процесс"})
    records.delete_record(ctx, "datasets", dataset.id)
    records.delete_record(ctx, "processes", process.id)
    records.restore_record(ctx, "processes", process.id)
    view = sparql.store_for(ctx)
    assert linked_store.SparqlStore.builds == builds  # applied record by record, not rebuilt
    memory = sparql.build_store(ctx)
    assert _triples(view) == {str(q.triple) for q in memory}
    for example in sparql.EXAMPLES:
        shared = sparql.run(ctx, example.query)
        alone = sparql._evaluate(memory, example.query, 10**6)["answer"]
        assert sorted(map(str, shared.rows)) == sorted(map(str, alone.rows)), example.slug
        assert shared.rows, example.slug


def test_a_change_is_visible_to_the_next_query_without_a_rebuild(backend, client, seed, ctx):
    from catalog.services import records

    assert names(client) == []
    builds = linked_store.SparqlStore.builds
    system = records.create_record(ctx, "systems", {"name": "АИС «Соцзащита»", "legal_kind": "regional",
                                                    "stage": "operation"})
    assert names(client) == ["АИС «Соцзащита»"]
    records.update_record(ctx, "systems", system.id, {"name": "АИС «Соцзащита-2»"})
    assert names(client) == ["АИС «Соцзащита-2»"]
    exposed = ("SELECT ?name WHERE { ?mart pdc:exposes ?d . ?d dct:title ?name }")
    assert names(client, exposed) == ["Сведения о получателях выплат"]
    records.delete_record(ctx, "datasets", seed.dataset.id)  # its link to the mart goes with it
    assert names(client, exposed) == []
    assert client.get("/api/v1/sparql", query_string={"query": "ASK { ?l pdc:target ?d . ?d a dcat:Dataset }"}
                      ).get_json()["boolean"] is False
    records.restore_record(ctx, "datasets", seed.dataset.id)
    assert names(client, exposed) == ["Сведения о получателях выплат"]
    app_settings = ctx.settings
    app_settings.region_name = "Кузбасс"  # the catalogue's header follows the settings
    assert names(client, "SELECT ?name WHERE { ?c a dcat:Catalog ; dct:title ?name FILTER(LANG(?name) = 'ru') }"
                 ) == ["Каталог процессов и данных: Кузбасс"]
    assert linked_store.SparqlStore.builds == builds
    answer = client.get("/api/v1/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    newest = ctx.session.scalar(select(func.max(models.ChangeEvent.id)))
    assert answer.headers["X-Catalog-Graph-Version"] == str(newest)
    assert answer.headers["X-Catalog-Graph-Stale"] == "false"


FRESH_PROCESS = """
import json, sys, time
started = time.perf_counter()
from catalog.linked import sparql, store
from catalog.runtime import Runtime
runtime = Runtime.load(database_url=sys.argv[1])
ctx = runtime.context(is_system=True)
answer = sparql.run(ctx, "SELECT ?name WHERE { ?s a pdc:InformationSystem ; dct:title ?name }")
print(json.dumps({"names": sorted(row[0].value for row in answer.rows), "builds": store.SparqlStore.builds,
                  "writer": store.is_writer(runtime.settings, runtime.sessions), "stale": answer.stale,
                  "seconds": time.perf_counter() - started}))
"""


def _fresh_process(database_url, instance) -> dict:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "CATALOG_INSTANCE": str(instance), "CATALOG_SECRET_KEY": "test-secret",
           "CATALOG_OUTBOX_CONSUMER": "off"}
    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS, database_url], check=False, capture_output=True, text=True,
                            env=env, cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_fresh_process_reads_the_store_on_disk_without_building_it(app, client, seed, ctx, database_url):
    """Issue 19: another web process (the store's writer is this one) answers its first query from the
    store on disk, builds nothing, and sees the next change once the writer has applied it; when the
    writer has gone, a fresh process becomes the writer and still builds nothing."""
    from catalog.services import records

    records.create_record(ctx, "systems", {"name": "АИС «Соцзащита»", "legal_kind": "regional", "stage": "operation"})
    assert names(client) == ["АИС «Соцзащита»"]  # built here, once
    instance = app.config["CATALOG"].instance_path
    reader = _fresh_process(database_url, instance)
    assert reader == {**reader, "names": ["АИС «Соцзащита»"], "builds": 0, "writer": False, "stale": False}
    records.create_record(ctx, "systems", {"name": "ГИС «Энергоэффективность»", "legal_kind": "regional",
                                           "stage": "operation"})
    assert names(client) == ["АИС «Соцзащита»", "ГИС «Энергоэффективность»"]  # the writer applies it
    after = _fresh_process(database_url, instance)
    assert after == {**after, "names": ["АИС «Соцзащита»", "ГИС «Энергоэффективность»"], "builds": 0, "stale": False}
    linked_store.release_store(app.config["CATALOG"], app.extensions["catalog"].engine.url)  # the writer goes
    linked_store.use_store(app.config["CATALOG"], app.extensions["catalog"].engine.url)  # (for the app's close)
    alone = _fresh_process(database_url, instance)
    assert alone == {**alone, "names": ["АИС «Соцзащита»", "ГИС «Энергоэффективность»"], "builds": 0,
                     "writer": True}


def test_with_a_consumer_a_backlog_is_answered_stale_then_applied_in_the_background(backend, app, client, seed, ctx):
    from catalog.services import records

    consumer = app.extensions["catalog"].outbox()  # what `catalog serve` starts in a thread
    assert "sparql" in consumer.feeds
    consumer.tail_limit = 0  # every backlog is the consumer's
    consumer.run_once()  # catches every projection up: the SPARQL store is built here
    builds = linked_store.SparqlStore.builds
    assert client.get("/api/v1/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).headers["X-Catalog-Graph-Stale"] == "false"
    records.create_record(ctx, "systems", {"name": "ГИС «Энергоэффективность»", "legal_kind": "regional",
                                           "stage": "operation"})
    query = {"query": "SELECT ?name WHERE { ?s a pdc:InformationSystem ; dct:title ?name }"}
    meanwhile = client.get("/api/v1/sparql", query_string=query)
    assert meanwhile.headers["X-Catalog-Graph-Stale"] == "true"
    assert meanwhile.get_json()["results"]["bindings"] == []
    assert consumer.run_once()["sparql"] >= 1
    after = client.get("/api/v1/sparql", query_string=query)
    assert after.headers["X-Catalog-Graph-Stale"] == "false"
    assert [r["name"]["value"] for r in after.get_json()["results"]["bindings"]] == ["ГИС «Энергоэффективность»"]
    assert linked_store.SparqlStore.builds == builds


def test_a_server_query_has_the_time_and_row_limits(app, client, demo, oxigraph):
    settings = app.config["CATALOG"]
    settings.sparql_url = oxigraph.url()
    settings.sparql_max_rows = 5
    many = client.get("/api/v1/sparql", query_string={"query": "SELECT ?p WHERE { ?p a pdc:Process }"})
    assert many.status_code == 400 and "длиннее 5 строк" in many.get_json()["error"]
    settings.sparql_max_rows = 10**9
    settings.sparql_timeout = 0.3
    started = time.perf_counter()
    slow = client.get("/api/v1/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
    assert time.perf_counter() - started < 5
    assert slow.status_code == 400 and "дольше 0.3 с" in slow.get_json()["error"]


def test_an_unreachable_server_is_a_busy_answer_in_russian(app, client, seed):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    app.config["CATALOG"].sparql_url = f"http://127.0.0.1:{port}"
    response = client.get("/api/v1/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("Граф SPARQL пока недоступен")


def test_one_process_writes_the_store_on_disk_the_others_read_it(app, client, seed, ctx):
    """Two web processes on one instance folder (two store objects: RocksDB lets one of them open it
    read-write): the other's request tails apply nothing and it answers from the writer's checkpoint;
    when the writer goes, the other's leading outbox consumer takes the store over."""
    import gc

    from catalog.services import records

    settings, runtime = app.config["CATALOG"], app.extensions["catalog"]
    assert names(client) == []  # this process builds the store and writes it
    other = linked_store.EmbeddedStore(settings.instance_path / "sparql", runtime.sessions, settings)
    feed = linked_store.SparqlFeed(other)
    assert not other.is_writer() and not other.holds_write()
    records.create_record(ctx, "systems", {"name": "АИС «Соцзащита»", "legal_kind": "regional", "stage": "operation"})
    assert feed.pending() == 0 and feed.apply(500) == 0 and feed.apply(500, background=True) == 0
    assert other.checkpoint()[1] < ctx.session.scalar(select(func.max(models.ChangeEvent.id)))  # not applied yet
    assert names(client) == ["АИС «Соцзащита»"]  # the writer applies it
    assert other.checkpoint()[1] == ctx.session.scalar(select(func.max(models.ChangeEvent.id)))
    assert sorted(row[0].value for row in other.reader().query(
        "SELECT ?n WHERE { ?s a <https://w3id.org/process-data-catalog/ns#InformationSystem> ; "
        "<http://purl.org/dc/terms/title> ?n }")) == ["АИС «Соцзащита»"]
    linked_store.release_store(settings, runtime.engine.url)  # the writer process ends
    linked_store.use_store(settings, runtime.engine.url)  # (so that the app's close still balances)
    gc.collect()
    time.sleep(1.1)  # a failed attempt to become the writer is retried once a second
    builds = linked_store.SparqlStore.builds
    records.create_record(ctx, "systems", {"name": "ГИС «Энергоэффективность»", "legal_kind": "regional",
                                           "stage": "operation"})
    assert feed.apply(500, background=True) >= 1 and other.holds_write()
    assert linked_store.SparqlStore.builds == builds
    assert other.checkpoint()[1] == ctx.session.scalar(select(func.max(models.ChangeEvent.id)))
    other.close()


def test_an_answer_from_an_older_checkpoint_says_it_is_behind(app, client, seed, ctx, monkeypatch):
    """A reading process takes the checkpoint to query and its position as one: when the writer names a
    newer checkpoint between the two, the answer came from the older one and must say it is stale (it
    once took the newer one's position, said it was current and lacked the newest write)."""
    from catalog.services import records

    settings, runtime = app.config["CATALOG"], app.extensions["catalog"]
    assert names(client) == []  # this process writes the store
    other = linked_store.EmbeddedStore(settings.instance_path / "sparql", runtime.sessions, settings)
    older = other.current_name()
    assert other.reader() is not None
    records.create_record(ctx, "systems", {"name": "АИС «Соцзащита»", "legal_kind": "regional", "stage": "operation"})
    assert names(client) == ["АИС «Соцзащита»"]  # the writer applies it and names a newer checkpoint
    newer = other.current_name()
    assert newer != older
    asked = iter([older])  # the reader sees the older name first, the newer one on any later look
    monkeypatch.setattr(other, "current_name", lambda: next(asked, newer))
    view = sparql._view(ctx, other)
    found = [row[0].value for row in view.store.query(
        "SELECT ?n WHERE { ?s a <https://w3id.org/process-data-catalog/ns#InformationSystem> ; "
        "<http://purl.org/dc/terms/title> ?n }")]
    assert found == [] and view.stale
    assert not sparql._view(ctx, other).stale  # asked again: the newer checkpoint, with the system
    other.close()


def test_a_name_with_a_unicode_line_separator_is_built_and_replaced(backend, client, seed, ctx):
    """N-Triples keeps U+2028 and U+0085 unescaped in a literal: the store's first build cut the line there
    («Line jumps are not allowed in string literals»), and every query answered 500."""
    from catalog.services import records

    odd = "АИС\u2028«Учёт\x85льгот»"
    system = records.create_record(ctx, "systems", {"name": odd, "legal_kind": "regional", "stage": "operation"})
    assert names(client) == [odd]
    records.update_record(ctx, "systems", system.id, {"version": system.version, "name": odd + "\u2029-2"})
    assert names(client) == [odd + "\u2029-2"]
