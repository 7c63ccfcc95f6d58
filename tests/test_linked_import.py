"""RDF into the catalogue: round trip, history and rights, all or nothing, clear errors."""
from __future__ import annotations

import pytest
from rdflib.compare import isomorphic
from sqlalchemy import func, select

from catalog import models
from catalog.config import load_settings
from catalog.db import make_engine, make_session_factory
from catalog.errors import InvalidInput
from catalog.services.imports import rdf
from catalog.services.context import Context
from tests.linked_helpers import empty_database, export_text, graph_of


@pytest.fixture
def other_ctx(request, database_url, tmp_path):
    """A system context on a second, empty catalogue."""
    url = empty_database(request, database_url, tmp_path)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    yield Context(session=session, is_system=True, system_actor="загрузка RDF", autocommit=False,
                  settings=load_settings(database_url=url, instance_path=tmp_path / "other-instance"))
    session.close()
    engine.dispose()


def _count(ctx, model) -> int:
    return ctx.session.scalar(select(func.count()).select_from(model))


def test_demo_round_trip_gives_an_isomorphic_graph(demo_region, ctx, other_ctx):
    first = export_text(ctx, "ttl")
    # The demo's systems in «создание»/«развитие» carry no requests in RDF: moving a catalogue is registering
    # its landscape (issue 17); by default such a file is refused (tests/test_gate.py).
    other_ctx.settings.gate_existing_landscape = True
    result = rdf.import_rdf(other_ctx, first, "turtle")
    assert result.created["processes"] == 203 and result.created["links"] > 1000
    other_ctx.session.expire_all()
    again = export_text(other_ctx, "ttl")
    assert isomorphic(graph_of(first), graph_of(again))
    # Through the services: each record has its create event and each process its first status.
    assert _count(other_ctx, models.ChangeEvent) == sum(result.created.values())
    assert _count(other_ctx, models.StatusTransition) == 203
    event = other_ctx.session.scalars(select(models.ChangeEvent).limit(1)).first()
    assert event.actor_name == "загрузка RDF" and event.action == "create"
    # Records kept their numbers; new ones made afterwards take the next free number.
    from catalog.services import records

    agency = records.create_record(other_ctx, "agencies", {"code": "NEW", "name": "Новый орган", "kind": "other"})
    other_ctx.session.commit()
    assert agency.id == result.created["agencies"] + 1


def test_json_ld_and_n_triples_load_too(ctx, other_ctx, seed):
    text = export_text(ctx, "jsonld")
    result = rdf.import_rdf(other_ctx, text, "json-ld")
    assert result.created["processes"] == 1 and result.created["marts"] == 1
    other_ctx.session.expire_all()
    assert isomorphic(graph_of(export_text(other_ctx, "nt"), "nt"), graph_of(export_text(ctx, "nt"), "nt"))


def test_import_updates_records_it_names_and_keeps_history(ctx, seed):
    text = export_text(ctx, "ttl").replace("Приём заявления о назначении выплаты", "Приём заявления (уточнено)")
    ctx.autocommit = False
    result = rdf.import_rdf(ctx, text, "turtle")
    assert result.updated["processes"] == 1 and result.unchanged["agencies"] == 2
    assert not result.created
    ctx.session.expire_all()
    process = ctx.session.get(models.Process, seed.process.id)
    assert process.name == "Приём заявления (уточнено)" and process.version == 2
    events = ctx.session.scalars(select(models.ChangeEvent).where(
        models.ChangeEvent.record_kind == "processes", models.ChangeEvent.action == "update")).all()
    assert events[-1].changes["name"]["after"] == "Приём заявления (уточнено)"


def test_malformed_turtle_names_the_line_and_writes_nothing(other_ctx):
    text = ('@prefix pdc: <https://w3id.org/process-data-catalog/ns#> .\n'
            '<http://localhost:8000/agencies/1> a pdc:Agency ;\n'
            '    pdc:code "A1" ;\n'
            '    pdc:agencyKind <https://w3id.org/process-data-catalog/vocab/agency-kind/executive> ,\n'
            '    skos:prefLabel "Орган"@ru .\n')
    with pytest.raises(InvalidInput) as caught:
        rdf.import_rdf(other_ctx, text, "turtle")
    assert "строка 5" in caught.value.message and "skos" in caught.value.message
    assert _count(other_ctx, models.Agency) == 0


def test_malformed_n_triples_and_json_ld_name_the_line(other_ctx):
    with pytest.raises(InvalidInput) as caught:
        rdf.import_rdf(other_ctx, '<http://a/1> <http://a/p> "x" .\n<http://a/2> <http://a/p> oops .\n', "nt")
    assert "строка 2" in caught.value.message and "oops" in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        rdf.import_rdf(other_ctx, '{"@id": "http://a/1",\n "http://a/p": [}', "json-ld")
    assert "строка 2" in caught.value.message


def test_a_bad_record_late_in_the_file_leaves_nothing_written(ctx, other_ctx, seed):
    text = export_text(ctx, "ttl")
    # The process points to a person who is neither in the file nor in the target catalogue.
    text = text.replace(f"pdc:responsible <http://localhost:8000/people/{seed.person.id}>",
                        "pdc:responsible <http://localhost:8000/people/999>")
    with pytest.raises(InvalidInput) as caught:
        rdf.import_rdf(other_ctx, text, "turtle")
    message = caught.value.message
    assert f"processes/{seed.process.id}" in message and "Ответственный за процесс" in message and "people/999" in message
    for model in (models.Agency, models.Person, models.Service, models.Process, models.ChangeEvent):
        assert _count(other_ctx, model) == 0


def test_records_breaking_the_catalogue_rules_are_refused_by_name(other_ctx):
    text = ('@prefix pdc: <https://w3id.org/process-data-catalog/ns#> .\n'
            '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
            '<http://elsewhere.example/org/1> a pdc:Agency ; pdc:code "A1" ; skos:prefLabel "Орган"@ru .\n')
    with pytest.raises(InvalidInput) as caught:
        rdf.import_rdf(other_ctx, text, "turtle")
    assert "<http://elsewhere.example/org/1>" in caught.value.message and "kind" in caught.value.message
    assert _count(other_ctx, models.Agency) == 0


def test_cli_import_needs_nothing_but_a_file(runner, ctx, seed, tmp_path, request, database_url):
    path = tmp_path / "catalog.ttl"
    path.write_text(export_text(ctx, "ttl"), encoding="utf-8")
    ok = runner.invoke("import", "rdf", str(path))
    assert ok.exit_code == 0 and "без изменений" in ok.output
    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://a/1> <http://a/p> .\n", encoding="utf-8")
    bad = runner.invoke("import", "rdf", str(broken))
    assert bad.exit_code != 0 and "строка 1" in bad.output


def test_api_import_needs_an_admin(client, seed, ctx, make_user, token_for):
    text = export_text(ctx, "ttl").replace("Витрина мер социальной поддержки", "Витрина мер поддержки")
    reader = token_for(make_user("reader1", ["reader"]))
    refused = client.post("/api/v1/import.rdf", data=text.encode(), headers={**reader, "Content-Type": "text/turtle"})
    assert refused.status_code == 403
    anonymous = client.post("/api/v1/import.rdf", data=text.encode(), headers={"Content-Type": "text/turtle"})
    assert anonymous.status_code == 401
    admin = token_for(make_user("admin1", ["admin"]))
    done = client.post("/api/v1/import.rdf", data=text.encode(), headers={**admin, "Content-Type": "text/turtle"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["updated"] == {"marts": 1}
    assert client.get(f"/api/v1/marts/{seed.mart.id}").get_json()["name"] == "Витрина мер поддержки"
    bad = client.post("/api/v1/import.rdf", data=b"<a> <b> .", headers={**admin, "Content-Type": "text/turtle"})
    assert bad.status_code == 422 and "строка 1" in bad.get_json()["error"]


def test_the_cpsv_ap_example_service_loads(other_ctx):
    """RDF from elsewhere in the same vocabularies: the one example CPSV-AP 3.2.0 ships."""
    from tests.linked_helpers import CONFORMANCE

    text = (CONFORMANCE / "cpsv-ap/releases/3.2.0/html/examples/example-rdf_public_service.ttl").read_text()
    result = rdf.import_rdf(other_ctx, text, "turtle")
    assert result.created == {"agencies": 1, "services": 1, "document-types": 1}
    service = other_ctx.session.scalars(select(models.Service)).one()
    assert service.name == "Tax-on-web" and service.kind == "service"
    assert service.agency.name == "Federal Public Service FINANCE"
    assert service.description.startswith("Service pour la déclaration")


def test_links_said_the_standard_way_become_catalogue_links(other_ctx):
    text = """@prefix cpsv: <http://purl.org/vocab/cpsv#> . @prefix cv: <http://data.europa.eu/m8g/> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
ex:org a cv:PublicOrganisation ; skos:prefLabel "Министерство"@ru ; dct:identifier "MIN" .
ex:birth a cv:LifeEvent ; dct:title "Рождение ребёнка"@ru .
ex:law a eli:LegalResource ; dct:title "Закон о пособиях"@ru .
ex:service a cpsv:PublicService ; dct:title "Пособие при рождении"@ru ; cv:hasCompetentAuthority ex:org ;
    cv:isGroupedBy ex:birth ; cv:hasLegalResource ex:law .
ex:data a dcat:Dataset ; dct:title "Сведения о рождении"@ru ; dct:publisher ex:org .
ex:mart a dcat:DataService ; dct:title "Витрина рождений"@ru ; dct:publisher ex:org ; dcat:servesDataset ex:data .
"""
    result = rdf.import_rdf(other_ctx, text, "turtle")
    assert result.created["links"] == 3
    links = {(link.link_type, link.source_kind, link.target_kind)
             for link in other_ctx.session.scalars(select(models.Link))}
    assert links == {("IN_SITUATION", "services", "life-situations"), ("REGULATED_BY", "services", "acts"),
                     ("EXPOSES", "marts", "datasets")}
    mart = other_ctx.session.scalars(select(models.DataMart)).one()
    assert mart.owner_agency.code == "MIN" and mart.kind == "agency"
