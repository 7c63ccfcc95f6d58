"""The catalogue as RDF: formats, standard shapes, selections, stable IRIs, record pages."""
from __future__ import annotations

import pyshacl
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from catalog.linked.vocab import CPSV, CV, PDC
from tests.linked_helpers import CPSV_AP_SHAPES, DCAT_AP_SHAPES, ROOT, export_text, graph_of

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # a plain namespace: pytest probes module attributes


def test_three_formats_say_the_same_about_the_demo_region(demo_region, ctx):
    graphs = {fmt: graph_of(export_text(ctx, fmt), fmt) for fmt in ("ttl", "nt", "jsonld")}
    assert len(graphs["ttl"]) > 15000
    assert isomorphic(graphs["ttl"], graphs["nt"])
    assert isomorphic(graphs["ttl"], graphs["jsonld"])


def test_demo_export_uses_the_standard_vocabularies(demo_region, ctx):
    g = graph_of(export_text(ctx))
    processes = set(g.subjects(RDF.type, PDC.Process))
    assert len(processes) == 203 and processes <= set(g.subjects(RDF.type, PROV.Activity))
    assert any(g.triples((None, PROV.used, None)))  # consuming
    assert any(g.triples((None, PROV.wasGeneratedBy, None)))  # producing
    assert set(g.subjects(RDF.type, CPSV.PublicService))
    assert set(g.subjects(RDF.type, CV.LifeEvent))
    marts = set(g.subjects(RDF.type, DCAT.DataService))
    assert marts and all((catalogue, DCAT.service, m) in g for m in marts for catalogue in g.subjects(RDF.type, DCAT.Catalog))
    # The typical list, life situations and process groups are SKOS concept schemes.
    schemes = {str(s) for s in g.subjects(RDF.type, SKOS.ConceptScheme)}
    assert {"http://localhost:8000/schemes/typical-list", "http://localhost:8000/schemes/life-situations",
            "http://localhost:8000/schemes/process-groups"} <= schemes
    status = next(g.objects(next(iter(processes)), PDC.status))
    assert Literal("в очереди на исследование", lang="ru") in set(g.objects(None, SKOS.prefLabel)) and status


def _conforms(data: Graph, shapes_path) -> tuple[bool, str]:
    conforms, _report, text = pyshacl.validate(data, shacl_graph=Graph().parse(str(shapes_path)), inference="none",
                                               advanced=True)
    return conforms, text


def test_demo_export_conforms_to_catalogue_dcat_ap_and_cpsv_ap_shapes(demo_region, ctx):
    data = graph_of(export_text(ctx, "nt"), "nt")
    # The demo's marts in operation without an answerable official break the catalogue's own mart
    # rule on purpose (tests/test_linked_validate.py); here the rest of the export is checked.
    data.remove((None, PDC.stage, URIRef("https://w3id.org/process-data-catalog/vocab/mart-stage/operation")))
    for shapes in (ROOT / "ontology/shapes.ttl", DCAT_AP_SHAPES, CPSV_AP_SHAPES):
        conforms, text = _conforms(data, shapes)
        assert conforms, f"{shapes}:\n{text[:3000]}"
    # The standard shapes did look at our records: a dataset without its title fails DCAT-AP,
    # a service without its competent authority fails CPSV-AP.
    dataset = next(data.subjects(RDF.type, DCAT.Dataset))
    data.remove((dataset, DCTERMS.title, None))
    service = next(data.subjects(RDF.type, CPSV.PublicService))
    data.remove((service, CV.hasCompetentAuthority, None))
    assert not _conforms(data, DCAT_AP_SHAPES)[0]
    assert not _conforms(data, CPSV_AP_SHAPES)[0]


def test_mandatory_standard_fields_filled_even_when_the_catalogue_has_none(ctx, seed):
    from catalog.services import records

    service = records.create_record(ctx, "services", {"name": "Услуга без органа", "kind": "service"})
    dataset = records.create_record(ctx, "datasets", {"name": "Набор без обладателя"})
    data = graph_of(export_text(ctx, "nt"), "nt")
    service_iri = URIRef(f"http://localhost:8000/services/{service.id}")
    assert (service_iri, DCTERMS.description, Literal("Услуга без органа (описание не заполнено)", lang="ru")) in data
    assert (service_iri, CV.hasCompetentAuthority, URIRef("http://localhost:8000/catalog#publisher")) in data
    assert (URIRef(f"http://localhost:8000/datasets/{dataset.id}"), DCTERMS.publisher,
            URIRef("http://localhost:8000/catalog#publisher")) in data
    for shapes in (DCAT_AP_SHAPES, CPSV_AP_SHAPES):
        assert _conforms(data, shapes)[0]


def test_selection_by_kind_and_by_agency(ctx, seed):
    from catalog.services import records

    records.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "002", "service_id": seed.service.id,
        "name": "Процесс другого органа", "responsible_id": seed.other_person.id, "status": "researching"})
    only_processes = graph_of(export_text(ctx, kinds=["processes"]))
    assert len(set(only_processes.subjects(RDF.type, PDC.Process))) == 2
    assert not set(only_processes.subjects(RDF.type, DCAT.Dataset))
    assert not set(only_processes.subjects(RDF.type, PDC.Link))
    of_agency = graph_of(export_text(ctx, agency_id=seed.agency.id))
    assert set(of_agency.subjects(RDF.type, PDC.Process)) == {URIRef(f"http://localhost:8000/processes/{seed.process.id}")}
    assert URIRef(f"http://localhost:8000/datasets/{seed.dataset.id}") in set(of_agency.subjects(RDF.type, DCAT.Dataset))
    assert set(of_agency.subjects(RDF.type, PDC.Link))  # the mart's EXPOSES link comes with it


def test_api_export_streams_and_names_bad_parameters(client, seed):
    response = client.get("/api/v1/export.rdf?format=nt")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/n-triples"
    g = graph_of(response.get_data(as_text=True), "nt")
    assert (URIRef(f"http://localhost:8000/processes/{seed.process.id}"), RDF.type, PDC.Process) in g
    turtle = client.get("/api/v1/export.rdf?kind=marts", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and "pdc:DataMart" in turtle.get_data(as_text=True)
    bad = client.get("/api/v1/export.rdf?format=xml")
    assert bad.status_code == 422 and "format" in bad.get_json()["fields"]
    by_code = client.get("/api/v1/export.rdf?format=nt&kind=processes&agency=MINSOC").get_data(as_text=True)
    assert f"<http://localhost:8000/processes/{seed.process.id}>" in by_code
    unknown = client.get("/api/v1/export.rdf?agency=NOPE")
    assert unknown.status_code == 422 and "NOPE" in unknown.get_json()["fields"]["agency"][0]
    bad_kind = client.get("/api/v1/export.rdf?kind=planets")
    assert bad_kind.status_code == 422 and "planets" in bad_kind.get_json()["fields"]["kind"][0]


def test_iris_follow_the_configured_base(database_url, tmp_path, seed):
    from web import create_app

    app = create_app(database_url=database_url, instance_path=tmp_path / "other", secret_key="x",
                     base_iri="https://catalog.region.example")
    app.config.update(TESTING=True)
    text = app.test_client().get("/api/v1/export.rdf?format=nt").get_data(as_text=True)
    app.extensions["catalog"].close()
    assert f"<https://catalog.region.example/processes/{seed.process.id}>" in text
    assert "localhost" not in text


def test_record_page_answers_turtle_and_json_ld(client, seed):
    page = client.get(f"/processes/{seed.process.id}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    browser = client.get(f"/processes/{seed.process.id}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.mimetype == "text/html"
    turtle = client.get(f"/processes/{seed.process.id}", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle" and "Accept" in turtle.headers["Vary"]
    g = graph_of(turtle.get_data(as_text=True))
    me = URIRef(f"http://localhost:8000/processes/{seed.process.id}")
    assert (me, DCTERMS.title, Literal("Приём заявления о назначении выплаты", lang="ru")) in g
    assert (me, PDC.responsible, URIRef(f"http://localhost:8000/people/{seed.person.id}")) in g
    jsonld = client.get(f"/marts/{seed.mart.id}", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    mart = Graph().parse(data=jsonld.get_data(as_text=True), format="json-ld")
    mart_iri = URIRef(f"http://localhost:8000/marts/{seed.mart.id}")
    assert (mart_iri, RDF.type, DCAT.DataService) in mart
    # The record's links come with it: the mart serves the dataset it exposes.
    assert (mart_iri, DCAT.servesDataset, URIRef(f"http://localhost:8000/datasets/{seed.dataset.id}")) in mart


def test_record_page_links_to_its_rdf(client, seed):
    page = BeautifulSoup(client.get(f"/services/{seed.service.id}").get_data(as_text=True), "html.parser")
    link = page.find("a", string="Turtle")["href"]
    turtle = client.get(f"/services/{seed.service.id}{link}")
    assert turtle.mimetype == "text/turtle"
    assert (URIRef(f"http://localhost:8000/services/{seed.service.id}"), RDF.type, CPSV.PublicService) in graph_of(
        turtle.get_data(as_text=True))


def test_jsonld_context_is_served_by_the_app(client):
    response = client.get("/ns/context.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    context = response.get_json()["@context"]
    assert context["pdc"] == str(PDC) and context["prov"] == str(PROV) and context["cv"] == str(CV)
    assert client.get("/ns/ontology.ttl").mimetype == "text/turtle"


def test_cli_export_to_a_file(runner, seed, tmp_path):
    out = tmp_path / "catalog.jsonld"
    result = runner.invoke("export", "rdf", "--format", "jsonld", "-o", str(out), "--kind", "processes",
                           "--kind", "services")
    assert result.exit_code == 0, result.output
    g = Graph().parse(str(out), format="json-ld")
    assert (URIRef(f"http://localhost:8000/services/{seed.service.id}"), RDF.type, CPSV.PublicService) in g
    by_code = runner.invoke("export", "rdf", "--agency", "MINZDRAV", "--kind", "processes")
    assert by_code.exit_code == 0 and "pdc:Process" not in by_code.output
    unknown = runner.invoke("export", "rdf", "--agency", "NOPE")
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
