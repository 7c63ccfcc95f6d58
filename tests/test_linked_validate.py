"""Shapes and the ontology: `catalog validate` in Russian, and the ontology beside PROV-O, DCAT 3, ORG, SKOS."""
from __future__ import annotations

import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from catalog.enums import ProcessStatus
from catalog.errors import InvalidInput
from catalog.linked import validate
from catalog.linked.vocab import PDC, VOCAB_BASE
from tests.linked_helpers import (CPSV_AP_SHAPES, DCAT_AP_FULL_SHAPES, DCAT_AP_SHAPES, ROOT, W3C, export_text,
                                  graph_of)


def test_validate_on_the_demo_region_names_only_what_breaks_the_register_rules(demo_region, runner, ctx):
    result = runner.invoke("validate", "--shapes", f"DCAT-AP 3.0.1={DCAT_AP_SHAPES}",
                           "--shapes", f"CPSV-AP 3.2.0={CPSV_AP_SHAPES}")
    # The demo's marts in operation without an answerable official or quality figures (the
    # «Прикреплённое население» mart has none, Samara 3 п. 12) and with a check older than a year are
    # named; DCAT-AP and CPSV-AP find nothing.
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("витрина", "процесс"))]
    assert lines and all("DCAT-AP" not in line and "CPSV-AP" not in line for line in lines), result.output
    health = [line for line in lines if "«Витрина «Прикреплённое население»»" in line]
    assert any("поле «ответственный за качество данных»" in line for line in health), result.output
    assert any("поле «полнота" in line for line in health), result.output
    assert any("устарела" in line and "Витрина градостроительных данных" in line for line in lines), result.output
    assert "(правила каталога, DCAT-AP 3.0.1, CPSV-AP 3.2.0, правила реестра" in result.output


def test_validate_lists_violations_in_russian_naming_record_and_field(runner, ctx, seed):
    from catalog.services import records

    records.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version, "completeness": 97.5})
    result = runner.invoke("validate")
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if line.startswith("витрина данных"))
    assert f"витрина данных № {seed.mart.id} «Витрина мер социальной поддержки»" in line
    assert "поле «дата последней проверки качества»" in line
    assert "Показатели качества указаны, но не указана дата их проверки." in line


def test_violations_of_standard_shapes_are_explained_in_russian(ctx, seed):
    data = graph_of(export_text(ctx, "nt"), "nt")
    process = URIRef(f"http://localhost:8000/processes/{seed.process.id}")
    data.remove((process, PDC.status, None))
    data.add((process, PDC.status, URIRef(f"{VOCAB_BASE}process-status/archived")))
    data.remove((process, PDC.responsible, None))
    service = URIRef(f"http://localhost:8000/services/{seed.service.id}")
    data.remove((service, URIRef("http://data.europa.eu/m8g/hasCompetentAuthority"), None))
    checker = validate.Validator(ctx)
    own = {f.field: f for f in checker.run(data, validate.load_shapes(validate.SHAPES), "правила каталога")}
    assert own["статус реинжиниринга"].record == f"процесс № {seed.process.id} «Приём заявления о назначении выплаты»"
    assert "один из семи" in own["статус реинжиниринга"].message
    assert own["ответственный за процесс"].message == "Не указан ответственный за процесс."
    cpsv = checker.run(data, validate.load_shapes(CPSV_AP_SHAPES), "CPSV-AP")
    assert [(f.record.split(" «")[0], f.field, f.message) for f in cpsv] == [
        (f"услуга № {seed.service.id}", "орган, предоставляющий услугу",
         "обязательное поле не заполнено (нужно не меньше 1)")]


def test_broken_upstream_shapes_get_a_clear_refusal(runner, seed):
    """The full generated DCAT-AP shapes file refers to property shapes it never defines."""
    result = runner.invoke("validate", "--shapes", f"DCAT-AP full={DCAT_AP_FULL_SHAPES}")
    assert result.exit_code != 0
    assert "Формы SHACL «DCAT-AP full» некорректны" in result.output
    with pytest.raises(InvalidInput):
        validate.load_shapes(ROOT / "ontology" / "missing.ttl")


def test_shapes_know_the_seven_statuses_in_order():
    shapes = Graph().parse(str(validate.SHAPES))
    status_shape = next(s for s in shapes.subjects(SH.path, PDC.status))
    listed = list(shapes.items(shapes.value(status_shape, SH["in"])))
    assert [str(i).rsplit("/", 1)[1] for i in listed] == [s.value for s in ProcessStatus]


def _standard_ontologies() -> Graph:
    graph = Graph()
    for name in ("prov-o.ttl", "dcat3.ttl", "org.ttl", "skos.ttl"):
        graph.parse(str(W3C / name))
    return graph


def _closure_errors(graph: Graph) -> list[str]:
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(graph)
    return [str(m) for m in graph.objects(None, ERRNS.error)]


def test_ontology_and_an_export_are_consistent_with_prov_dcat_org_skos(ctx, seed):
    graph = _standard_ontologies()
    graph.parse(str(validate.ONTOLOGY))
    graph += graph_of(export_text(ctx, "nt"), "nt")
    assert _closure_errors(graph) == []
    # The closure did its work: processes are PROV activities, datasets PROV entities, agencies foaf agents.
    process = URIRef(f"http://localhost:8000/processes/{seed.process.id}")
    assert (process, RDF.type, URIRef("http://www.w3.org/ns/prov#Activity")) in graph
    agency = URIRef(f"http://localhost:8000/agencies/{seed.agency.id}")
    assert (agency, RDF.type, URIRef("http://xmlns.com/foaf/0.1/Agent")) in graph


def test_the_consistency_check_catches_a_contradiction():
    graph = _standard_ontologies()
    graph.parse(str(validate.ONTOLOGY))
    thing = URIRef("http://localhost:8000/processes/1")
    graph.add((thing, RDF.type, PDC.Process))
    graph.add((thing, URIRef("http://www.w3.org/ns/prov#wasGeneratedBy"), URIRef("http://localhost:8000/processes/2")))
    errors = _closure_errors(graph)
    assert any("prov#Activity" in e and "prov#Entity" in e for e in errors)


def test_every_term_the_export_uses_is_in_the_ontology_with_russian_and_english_labels(demo_region, ctx):
    ontology = Graph().parse(str(validate.ONTOLOGY))
    data = graph_of(export_text(ctx, "nt"), "nt")
    used = {p for p in data.predicates() if str(p).startswith(str(PDC))}
    used |= {o for o in data.objects(None, RDF.type) if str(o).startswith(str(PDC))}
    assert len(used) > 50
    for term in used:
        languages = {label.language for label in ontology.objects(term, RDFS.label) if isinstance(label, Literal)}
        assert {"ru", "en"} <= languages, term
        assert (term, RDF.type, OWL.Class) in ontology or (term, RDF.type, OWL.ObjectProperty) in ontology \
            or (term, RDF.type, OWL.DatatypeProperty) in ontology, term
    prov = Namespace("http://www.w3.org/ns/prov#")
    assert (PDC.Process, RDFS.subClassOf, prov.Activity) in ontology
    assert (PDC.Agency, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Organization")) in ontology
    assert (PDC.DataMart, RDFS.subClassOf, URIRef("http://www.w3.org/ns/dcat#DataService")) in ontology
    assert (PDC.Service, RDFS.subClassOf, URIRef("http://purl.org/vocab/cpsv#PublicService")) in ontology
