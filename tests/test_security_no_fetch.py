"""No request makes the server fetch anything: every importer and SPARQL are given documents that
point at a real listener on loopback, and the listener must never be contacted.

The listener answers like a web server (a JSON-LD context, an XML entity, a SPARQL result) so
that a fetch, if one happened, would succeed and be seen: the test does not rely on a refused
connection."""
from __future__ import annotations

import json
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from tests.test_import_register import good_rows, make_register

OPENLINEAGE_EXAMPLE = (Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "openlineage"
                       / "spec" / "tests" / "example_full_event.json")


class Listener:
    """A TCP server on 127.0.0.1 in a thread that records every connection and answers 200."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.contacts: list[bytes] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="no-fetch-listener", daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(1)
                try:
                    request = connection.recv(4096)
                except OSError:
                    request = b""
                self.contacts.append(request or b"(connected)")
                body = json.dumps({"@context": {"t": "http://purl.org/dc/terms/title"},
                                   "head": {"vars": []}, "results": {"bindings": []}}).encode()
                try:
                    connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n"
                                       + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                except OSError:
                    pass

    def stop(self):
        self.stopping.set()
        self.socket.close()
        self.thread.join(2)


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.stop()


@pytest.fixture
def admin(make_user, token_for):
    return token_for(make_user("admin1", ["admin"]))


def _untouched(listener, what):
    assert listener.contacts == [], f"{what}: the server contacted {listener.url}: {listener.contacts[:1]}"


# --- SPARQL ----------------------------------------------------------------------------------


def sparql_queries(url):
    return {
        "SERVICE": f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SERVICE SILENT": f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SERVICE in EXISTS": f"ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }} }}",
        "SERVICE by variable": f"SELECT * WHERE {{ VALUES ?e {{ <{url}/v> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        "FROM": f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        "FROM NAMED": f"SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "LOAD": f"LOAD <{url}/data.ttl>",
    }


@pytest.mark.parametrize("name", list(sparql_queries("http://x")))
def test_sparql_fetches_nothing_on_the_api_the_page_and_the_cli(client, runner, seed, listener, name):
    query = sparql_queries(listener.url)[name]
    api = client.get("/api/v1/sparql", query_string={"query": query})
    assert api.status_code == 400, api.get_data(as_text=True)
    assert "query" in api.get_json()["fields"]
    page = client.get("/sparql", query_string={"query": query})
    assert page.status_code == 400
    cli = runner.invoke("sparql", query)
    assert cli.exit_code != 0
    _untouched(listener, name)


def test_a_service_call_the_check_missed_still_fetches_nothing(listener):
    """The engine itself cannot fetch: the query's child process can open no socket."""
    import pyoxigraph as ox

    from catalog.linked import sparql

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://x/1"), ox.NamedNode("http://x/p"), ox.Literal("a")))
    for query in (f"SELECT * WHERE {{ SERVICE <{listener.url}/q> {{ ?s ?p ?o }} }}",
                  f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}/q> {{ ?s ?p ?o }} }}"):
        state = sparql._in_child_process(store, query, 5, 100, 256)
        assert "answer" in state or "failed" in state
    _untouched(listener, "SERVICE evaluated in the child")


# --- RDF import --------------------------------------------------------------------------------


def rdf_documents(url):
    return {
        "json-ld @context URL": ("jsonld", json.dumps(
            {"@context": f"{url}/context.jsonld", "@id": "http://example.org/a", "t": "x"})),
        "json-ld @context list": ("jsonld", json.dumps(
            {"@context": [{"dct": "http://purl.org/dc/terms/"}, f"{url}/more.jsonld"],
             "@id": "http://example.org/a", "dct:title": "x"})),
        "json-ld @import": ("jsonld", json.dumps(
            {"@context": {"@version": 1.1, "@import": f"{url}/import.jsonld"}, "@id": "http://example.org/a"})),
        "json-ld scoped context": ("jsonld", json.dumps(
            {"@context": {"@version": 1.1, "p": {"@id": "http://example.org/p", "@context": f"{url}/scoped.jsonld"}},
             "@id": "http://example.org/a", "p": {"@id": "http://example.org/b"}})),
        "rdf/xml external entity": ("xml", f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY ext SYSTEM "{url}/entity.txt">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="http://example.org/a"><dct:title>&ext;</dct:title></rdf:Description>
</rdf:RDF>"""),
        "rdf/xml external dtd": ("xml", f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "{url}/rdf.dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="http://example.org/a"><dct:title>x</dct:title></rdf:Description>
</rdf:RDF>"""),
        "turtle @base and @prefix": ("ttl", f"""@base <{url}/> .
@prefix ex: <{url}/ns#> .
<a> ex:p ex:o ."""),
    }


@pytest.mark.parametrize("name", list(rdf_documents("http://x")))
def test_rdf_import_fetches_nothing_on_the_api_and_the_cli(client, runner, seed, admin, listener, tmp_path, name):
    fmt, text = rdf_documents(listener.url)[name]
    anonymous = client.post(f"/api/v1/import.rdf?format={fmt}", data=text.encode())
    assert anonymous.status_code == 401
    answer = client.post(f"/api/v1/import.rdf?format={fmt}", data=text.encode(), headers=admin)
    assert answer.status_code in (200, 422), answer.get_data(as_text=True)
    path = tmp_path / f"doc.{fmt}"
    path.write_text(text, encoding="utf-8")
    runner.invoke("import", "rdf", str(path))
    _untouched(listener, name)


# --- the other importers -----------------------------------------------------------------------


def test_bpmn_with_an_external_dtd_or_entity_fetches_nothing(runner, seed, listener, tmp_path):
    for number, doctype in enumerate((f'<!DOCTYPE definitions SYSTEM "{listener.url}/bpmn.dtd">',
                                      f'<!DOCTYPE definitions [<!ENTITY e SYSTEM "{listener.url}/e.txt">]>')):
        path = tmp_path / f"model{number}.bpmn"
        path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://example.org/">
  <process id="p"><startEvent id="s" name="{'&e;' if number else 'start'}"/></process>
</definitions>""", encoding="utf-8")
        result = runner.invoke("import", "bpmn", str(path), "--process", str(seed.process.id), "--variant", "as_is")
        assert result.exit_code != 0 and "DTD" in result.output, result.output
    _untouched(listener, "BPMN")


def _with_external_link(path: Path, url: str) -> None:
    """Add an external workbook reference (and a formula using it) pointing at ``url``."""
    parts = {}
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            parts[name] = book.read(name)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    workbook = parts["xl/workbook.xml"].decode()
    workbook = workbook.replace("</sheets>", '</sheets><externalReferences><externalReference r:id="rIdExt1"/>'
                                             "</externalReferences>", 1)
    if 'xmlns:r="' not in workbook:
        workbook = workbook.replace("<workbook ", f'<workbook xmlns:r="{rels}" ', 1)
    parts["xl/workbook.xml"] = workbook.encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>", f'<Relationship Id="rIdExt1" Type="{rels}/externalLink" '
                            'Target="externalLinks/externalLink1.xml"/></Relationships>').encode()
    parts["xl/externalLinks/externalLink1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="{main}" xmlns:r="{rels}">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="Реестр"/></sheetNames>'
        '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>1</v></cell></row></sheetData>'
        "</sheetDataSet></externalBook></externalLink>").encode()
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rels}/externalLinkPath" Target="{url}/book.xlsx" '
        'TargetMode="External"/></Relationships>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].decode().replace(
        "</Types>", '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>').encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


def test_xlsx_with_external_links_fetches_nothing(runner, ctx, seed, listener, tmp_path):
    from catalog.services import records

    records.create_record(ctx, "life-situations", {"name": "Рождение ребёнка"})
    records.create_record(ctx, "life-situations", {"name": "Переезд"})
    path = make_register(tmp_path / "register.xlsx", good_rows())
    _with_external_link(path, listener.url)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 0, result.output  # the external reference is ignored, the rows load
    _untouched(listener, "xlsx external link")


def test_openlineage_schema_urls_are_not_fetched(app, client, seed, make_user, token_for, listener):
    app.config["CATALOG"].openlineage_agency = "MINSOC"
    writer = token_for(make_user("pipeline", ["agency_editor"], [seed.agency.id]))
    event = json.loads(OPENLINEAGE_EXAMPLE.read_text(encoding="utf-8"))
    event["schemaURL"] = f"{listener.url}/OpenLineage.json#/$defs/RunEvent"
    for facets in (event["run"].get("facets") or {}, event["job"].get("facets") or {}):
        for facet in facets.values():
            facet["_schemaURL"] = f"{listener.url}/facet.json"
    answer = client.post("/api/v1/lineage", data=json.dumps(event),
                         headers={**writer, "Content-Type": "application/json"})
    assert answer.status_code < 500, answer.get_data(as_text=True)
    _untouched(listener, "OpenLineage schemaURL")
