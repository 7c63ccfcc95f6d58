"""Linked data as an attacker would try it (issue 12, findings 2–5 and 11): SPARQL federation
refused, JSON-LD contexts only from shipped copies, RDF checked for rights and size before it is
parsed, RDF/XML entities refused, SPARQL memory, concurrency and anonymous limits, safe links."""
from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from bs4 import BeautifulSoup

from catalog.linked import sparql
from tests.linked_helpers import export_text


def billion_laughs() -> bytes:
    """The classic: ten levels of ten entities, a few hundred bytes that expand to 10⁹ «lol»."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{entities}]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:d="http://purl.org/dc/terms/">'
            '<rdf:Description rdf:about="http://e/a"><d:title>&a9;</d:title></rdf:Description></rdf:RDF>').encode()


@pytest.fixture
def admin(make_user, token_for):
    return token_for(make_user("admin1", ["admin"]))


@pytest.fixture
def settings(app):
    return app.config["CATALOG"]


# --- finding 2: federation -------------------------------------------------------------------


@pytest.mark.parametrize("query, construct", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }", "SERVICE"),
    ("select * where { service silent <http://127.0.0.1:9/x> { ?s ?p ?o } }", "SERVICE SILENT"),
    ("SELECT * WHERE { ?s ?p ?o {SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?q } }} }", "SERVICE"),
    ("SELECT * WHERE { # a comment: }\n SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://127.0.0.1:9/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM NAMED"),
])
def test_federation_is_refused_naming_the_construct_on_api_page_and_cli(client, runner, seed, query, construct):
    api = client.get("/api/v1/sparql", query_string={"query": query})
    assert api.status_code == 400
    body = api.get_json()
    assert f"Конструкция {construct} запрещена" in body["error"] and "query" in body["fields"]
    page = client.get("/sparql", query_string={"query": query})
    assert page.status_code == 400 and f"Конструкция {construct} запрещена" in page.get_data(as_text=True)
    cli = runner.invoke("sparql", query)
    assert cli.exit_code != 0 and f"Конструкция {construct} запрещена" in cli.output


def test_service_in_a_comment_or_a_string_is_not_federation(client, seed):
    for query in ('SELECT ?t WHERE { ?p dct:title ?t FILTER(?t != "SERVICE <http://127.0.0.1:9/x> { }") }',
                  "# SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o }\nASK { ?s ?p ?o }",
                  "ASK { ?s ?p ?o FILTER(?s != <http://example.org/SERVICE>) }"):
        assert client.get("/api/v1/sparql", query_string={"query": query}).status_code == 200, query


# --- finding 3: JSON-LD contexts -----------------------------------------------------------------


def test_json_ld_contexts_come_only_from_shipped_copies(client, seed, admin, ctx):
    answers = {}
    for iri in ("file:///etc/passwd", "file:///no/such/file", "http://127.0.0.1:1/ctx", "context.jsonld"):
        document = {"@context": iri, "@id": "http://example.org/a", "title": "x"}
        answer = client.post("/api/v1/import.rdf?format=jsonld", data=json.dumps(document), headers=admin)
        assert answer.status_code == 422
        body = answer.get_json()
        assert f"Контекст JSON-LD <{iri}> не загружается" in body["error"] and "@context" in body["fields"]
        answers[iri] = body["error"].replace(iri, "IRI")
    # An existing file, a missing one and a closed port read alike: nothing was looked at.
    assert len(set(answers.values())) == 1
    assert "/work" not in json.dumps(answers) and "wt-linked" not in json.dumps(answers)

    # The catalogue's own context, named by its address, is the shipped copy: an export loads back.
    exported = json.loads(export_text(ctx, "jsonld"))
    assert isinstance(exported["@context"], dict)
    exported["@context"] = f"{ctx.settings.base_iri}/ns/context.jsonld"
    answer = client.post("/api/v1/import.rdf?format=jsonld", data=json.dumps(exported), headers=admin)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["unchanged"]["processes"] == 1


# --- finding 4: rights and size before parsing; no DTD ---------------------------------------------


def test_rdf_import_asks_who_is_asking_before_it_reads_the_body(client, seed, make_user, token_for):
    broken = b"@prefix : <http://e/> .\n:a :b :c :d :e ."  # parsed, this would answer 422
    assert client.post("/api/v1/import.rdf?format=ttl", data=broken).status_code == 401
    reader = token_for(make_user("reader1", ["reader"]))
    assert client.post("/api/v1/import.rdf?format=ttl", data=broken, headers=reader).status_code == 403

    started = time.perf_counter()
    anonymous = client.post("/api/v1/import.rdf?format=xml", data=billion_laughs(),
                            headers={"Content-Type": "application/rdf+xml"})
    assert anonymous.status_code == 401 and time.perf_counter() - started < 10


def test_billion_laughs_is_refused_at_once_for_an_admin(client, runner, seed, admin, tmp_path):
    started = time.perf_counter()
    answer = client.post("/api/v1/import.rdf?format=xml", data=billion_laughs(), headers=admin)
    assert time.perf_counter() - started < 10
    assert answer.status_code == 422
    assert "DTD и сущности не принимаются" in answer.get_json()["error"]
    path = tmp_path / "laughs.rdf"
    path.write_bytes(billion_laughs())
    started = time.perf_counter()
    cli = runner.invoke("import", "rdf", str(path))
    assert cli.exit_code != 0 and "DTD" in cli.output and time.perf_counter() - started < 5


def test_rdf_bodies_over_the_limit_are_refused_before_parsing(client, seed, admin, settings, ctx):
    settings.rdf_max_bytes = 1024 * 1024
    line = b"<http://e/a> <http://e/b> \"" + b"x" * 1000 + b"\" .\n"
    big = line * 1100  # 1.1 MB of valid N-Triples
    answer = client.post("/api/v1/import.rdf?format=nt", data=big, headers=admin)
    assert answer.status_code == 413
    body = answer.get_json()
    assert "больше 1 МБ" in body["error"] and "CATALOG_RDF_MAX_MB" in body["fields"]["file"][0]
    small = client.post("/api/v1/import.rdf?format=nt", data=export_text(ctx, "nt").encode(), headers=admin)
    assert small.status_code == 200, small.get_json()


# --- finding 5: memory, concurrency, anonymous queries --------------------------------------------

# Every combination of four triples: far more rows than memory or time allow on any graph.
HEAVY_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HEAVY_MEMORY = ("SELECT (GROUP_CONCAT(?x) AS ?all) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l "
                "BIND(CONCAT(STR(?a), STR(?d), STR(?g), STR(?j)) AS ?x) }")


def test_a_query_over_its_memory_limit_is_stopped_with_a_clear_message(client, seed, settings):
    settings.sparql_max_memory_mb = 64
    settings.sparql_timeout = 8
    started = time.perf_counter()
    answer = client.get("/api/v1/sparql", query_string={"query": HEAVY_MEMORY})
    assert time.perf_counter() - started < 8
    assert answer.status_code == 400
    body = answer.get_json()
    assert "не хватило памяти" in body["error"] and "64 МБ" in body["error"]
    assert "CATALOG_SPARQL_MAX_MEMORY_MB" in body["fields"]["query"][0]
    assert client.get("/api/v1/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True


def _wait_until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_concurrent_queries_are_limited_overall_and_per_client_and_other_pages_go_on(app, ctx, seed, settings):
    settings.sparql_max_concurrent = 1
    settings.sparql_max_per_client = 1
    settings.sparql_timeout = 2
    client_of = {address: app.test_client() for address in ("10.0.0.1", "10.0.0.2")}

    def get(address, query):
        return client_of[address].get("/api/v1/sparql", query_string={"query": query},
                                      environ_base={"REMOTE_ADDR": address})

    # The graph is built before the slow query, so the slow one holds its place only while it runs.
    assert get("10.0.0.2", "ASK { ?s ?p ?o }").status_code == 200
    slow: dict = {}
    worker = threading.Thread(target=lambda: slow.update(answer=get("10.0.0.1", HEAVY_COUNT)))
    worker.start()
    try:
        assert _wait_until(lambda: sparql.running_queries(ctx) == 1)
        same = get("10.0.0.1", "ASK { ?s ?p ?o }")
        assert same.status_code == 429 and "ещё выполняется" in same.get_json()["error"]
        other = get("10.0.0.2", "ASK { ?s ?p ?o }")
        assert other.status_code == 503 and "занята" in other.get_json()["error"]
        assert int(other.headers["Retry-After"]) > 0
        # Refused at once: both answers came while the slow query still held its place (no timing here,
        # a loaded machine may be slow; waiting for the place would have outlasted the query).
        assert worker.is_alive() and sparql.running_queries(ctx) == 1
        page = app.test_client().get("/")
        assert page.status_code == 200  # other pages need no SPARQL place
    finally:
        worker.join(10)
    assert slow["answer"].status_code == 400 and "дольше 2 с" in slow["answer"].get_json()["error"]
    assert get("10.0.0.2", "ASK { ?s ?p ?o }").status_code == 200  # the place is free again


def test_anonymous_sparql_can_be_switched_off_and_is_rate_limited(client, seed, settings, make_user, token_for):
    ask = {"query": "ASK { ?s ?p ?o }"}
    reader = token_for(make_user("reader1", ["reader"]))
    settings.sparql_anonymous = False
    off = client.get("/api/v1/sparql", query_string=ask)
    assert off.status_code == 401 and "без входа выключены" in off.get_json()["error"]
    assert client.get("/sparql").status_code == 302  # the page asks to sign in
    assert client.get("/api/v1/sparql", query_string=ask, headers=reader).status_code == 200
    assert client.get("/processes/").status_code == 200  # anonymous reading itself stays on

    settings.sparql_anonymous = True
    settings.sparql_anonymous_per_minute = 2
    here = {"REMOTE_ADDR": "10.1.1.1"}
    assert [client.get("/api/v1/sparql", query_string=ask, environ_base=here).status_code
            for _ in range(2)] == [200, 200]
    third = client.get("/api/v1/sparql", query_string=ask, environ_base=here)
    assert third.status_code == 429 and "не больше 2 в минуту" in third.get_json()["error"]
    assert 0 < int(third.headers["Retry-After"]) <= 61
    assert client.get("/api/v1/sparql", query_string=ask, environ_base={"REMOTE_ADDR": "10.1.1.2"}).status_code == 200
    assert client.get("/api/v1/sparql", query_string=ask, headers=reader, environ_base=here).status_code == 200


def test_serve_leaves_threads_for_other_pages(runner):
    runner.invoke("init")
    with socket.socket() as taken:  # were the server started, it would fail here rather than serve
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        result = runner.invoke("serve", "--port", str(port), "--threads", "2")
    assert result.exit_code == 2
    assert "CATALOG_SPARQL_MAX_CONCURRENT=2" in result.output


# --- finding 11: links from values ------------------------------------------------------------------


def test_result_iris_become_links_only_for_http_and_the_site(client, seed):
    query = ("SELECT ?x WHERE { VALUES ?x { <javascript:alert(document.domain)> <JavaScript:alert(1)> "
             "<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==> <vbscript:msgbox(1)> "
             f"<http://example.org/a> <http://localhost:8000/processes/{seed.process.id}> }} }}")
    page = client.get("/sparql", query_string={"query": query})
    assert page.status_code == 200
    table = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("table", class_="sparql-results")
    hrefs = [a["href"] for a in table.find_all("a")]
    assert hrefs == ["http://example.org/a", f"/processes/{seed.process.id}"]
    cells = [td.get_text() for td in table.find_all("td")]
    assert "javascript:alert(document.domain)" in cells  # shown as text


def test_the_link_filter_refuses_every_active_scheme(app):
    from web.pages.helpers import link_href

    for bad in ("javascript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "JAVASCRIPT:x",
                "data:text/html,x", "vbscript:x", "file:///etc/passwd", "//evil.example/", "/\\evil.example",
                "", None, 5):
        assert link_href(bad) is None, bad
    for good in ("http://example.org/a?b=1", "HTTPS://example.org/", "/processes/1", "/"):
        assert link_href(good) == good
    with app.app_context():
        template = app.jinja_env.from_string("{{ v|link_href }}")
        assert template.render(v="javascript:x") == "None"
