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
from tests.linked_helpers import load_demo


@pytest.fixture
def demo(ctx):
    load_demo(ctx)
    return ctx


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


def test_csv_answers_and_post_bodies(client, seed):
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


def test_writes_are_refused_and_nothing_changes(client, seed, ctx):
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


def test_syntax_errors_name_the_position(client, seed):
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


def test_the_graph_follows_changes_of_the_catalogue(client, seed, ctx):
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


def test_cli_runs_examples_and_refuses_writes(runner, demo):
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


def test_a_large_graph_is_rebuilt_in_the_background_and_answers_say_so(app, client, seed, ctx):
    from catalog.services import records

    query = {"query": "SELECT ?name WHERE { ?s a pdc:InformationSystem ; dct:title ?name }"}
    first = client.get("/api/v1/sparql", query_string=query)
    assert first.headers["X-Catalog-Graph-Stale"] == "false"
    app.config["CATALOG"].sparql_sync_rebuild = 0  # any build counts as slow
    records.create_record(ctx, "systems", {"name": "ГИС «Энергоэффективность»", "legal_kind": "regional",
                                           "stage": "operation"})
    meanwhile = client.get("/api/v1/sparql", query_string=query)  # answered from the previous copy
    assert meanwhile.headers["X-Catalog-Graph-Stale"] == "true"
    assert meanwhile.get_json()["results"]["bindings"] == []
    assert int(meanwhile.headers["X-Catalog-Graph-Version"]) == int(first.headers["X-Catalog-Graph-Version"])
    sparql.wait_for_rebuilds()
    after = client.get("/api/v1/sparql", query_string=query)
    assert after.headers["X-Catalog-Graph-Stale"] == "false"
    assert [r["name"]["value"] for r in after.get_json()["results"]["bindings"]] == ["ГИС «Энергоэффективность»"]
