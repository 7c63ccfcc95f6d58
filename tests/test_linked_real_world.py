"""RDF as governments publish it: the SEMIC DCAT-AP / CPSV-AP examples in
../shared/conformance/real-world/rdf/ (read in place) import, a second time without duplicates, and the
report says what the catalogue does not keep."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import enums, models
from catalog.errors import InvalidInput
from catalog.linked import importer
from catalog.services.imports import rdf
from tests.linked_helpers import export_text, graph_of

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "real-world" / "rdf"
IMPORTING = sorted(p.name for p in REAL.glob("*.*") if p.name != "semic-dcatap300-bee-series-api.ttl")

# Connections attempted while a test of this module imports (sys.audit sees every socket.connect).
_connections: list | None = None


def _audit(event, args):
    if event == "socket.connect" and _connections is not None:
        _connections.append(args[1])


sys.addaudithook(_audit)


def _import(ctx, name: str, dry_run: bool = False):
    data = (REAL / name).read_bytes()
    return rdf.run(ctx, data, file_name=name, fmt=None, dry_run=dry_run)


def _count(ctx, model) -> int:
    return ctx.session.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None)))


KINDS_COUNTED = (models.Agency, models.Dataset, models.DataMart, models.Service, models.DocumentType, models.Link)


@pytest.mark.parametrize("name", IMPORTING)
def test_each_real_file_imports_and_a_second_import_changes_nothing(ctx, name):
    global _connections
    _connections = []
    try:
        first = _import(ctx, name)
        counts = {model: _count(ctx, model) for model in KINDS_COUNTED}
        assert first.created > 0
        again = _import(ctx, name)  # was «Код «EA-MS» уже занят» or a second copy of each dataset
    finally:
        seen, _connections = _connections, None
    assert again.created == 0 and again.updated == 0 and again.unchanged > 0, again.text
    assert {model: _count(ctx, model) for model in KINDS_COUNTED} == counts
    assert seen == []  # JSON-LD naming the CPSV-AP context on the web is read from the shipped copy
    # Blank nodes are never shown by rdflib's labels («<Nce27757f…>», «<nd1b2c…>»).
    assert "<N" not in first.text and "<n" not in first.text


def test_turtle_with_a_slash_in_a_prefixed_name_is_refused_naming_the_line(ctx):
    # Turtle 1.1 §6.5 PN_LOCAL: «/» is not allowed in a prefixed name unescaped, so
    # «example-dist:BeePopulation2023/biojson a dcat:Distribution .» (line 20) is not Turtle.
    with pytest.raises(InvalidInput) as error:
        _import(ctx, "semic-dcatap300-bee-series-api.ttl")
    assert "Файл не разобран как Turtle: строка 20" in error.value.message
    assert _count(ctx, models.Dataset) == 0


def test_foaf_agent_publishers_blank_or_named_become_the_owners(ctx):
    _import(ctx, "semic-dcatap211-example1.nt")  # publishers are blank foaf:Agent nodes
    dataset = ctx.session.scalars(select(models.Dataset)).one()
    assert dataset.name == "visitors to the Open Swimming Pool"
    assert ctx.session.get(models.Agency, dataset.owner_agency_id).name == "Publisher"
    _import(ctx, "semic-hvd-ms_catalogue.ttl")  # _:EA-MS a foaf:Agent, publisher of a dataset and a service
    agency = ctx.session.scalars(select(models.Agency).where(models.Agency.name == "MS Environmental Agency")).one()
    mart = ctx.session.scalars(select(models.DataMart)).one()
    assert mart.owner_agency_id == agency.id
    # The JSON-LD form of the same catalogue is the same records, not a second copy.
    again = _import(ctx, "semic-hvd-ms_catalogue.jsonld")
    assert again.created == 0, again.text
    assert _count(ctx, models.Agency) == 3


def test_a_named_publisher_from_outside_the_file_is_remembered(ctx):
    text = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://example.eu/ds/1> a dcat:Dataset ; dct:title "Реестр лицензий" ; dct:description "Лицензии." ;
        dct:publisher <http://publications.europa.eu/resource/authority/corporate-body/ESTAT> .
    """
    first = rdf.import_rdf(ctx, text, "turtle")
    assert first.created["agencies"] == 1
    agency = ctx.session.scalars(select(models.Agency)).one()
    assert agency.code == "ESTAT" and agency.name == "ESTAT"
    second = rdf.import_rdf(ctx, text, "turtle")
    assert not second.created and _count(ctx, models.Agency) == 1


def test_an_org_organization_publisher_and_a_blank_node_error_names_it(ctx):
    text = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix org: <http://www.w3.org/ns/org#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    @prefix pdc: <https://w3id.org/process-data-catalog/ns#> .
    <https://example.eu/ds/1> a dcat:Dataset ; dct:title "Реестр" ; dct:description "Описание." ;
        dct:publisher [ a org:Organization ; skos:prefLabel "Министерство цифрового развития" ;
                        pdc:agencyKind <https://example.eu/not-a-kind> ] .
    """
    with pytest.raises(InvalidInput) as error:
        rdf.import_rdf(ctx, text, "turtle")
    assert error.value.message.startswith("«Министерство цифрового развития» (безымянный ресурс) (орган")
    fixed = text.replace("pdc:agencyKind <https://example.eu/not-a-kind>",
                         "<http://xmlns.com/foaf/0.1/homepage> <https://digital.example.ru/>")
    report = rdf.run(ctx, fixed.encode(), file_name="каталог.ttl", fmt="ttl", dry_run=False)
    assert report.details["created"] == {"agencies": 1, "datasets": 1}
    agency = ctx.session.scalars(select(models.Agency)).one()
    assert agency.name == "Министерство цифрового развития" and agency.website == "https://digital.example.ru/"
    assert "foaf:homepage" not in report.text  # kept in the agency's website, not reported as left out


@pytest.mark.parametrize("code", sorted(set(importer.vocab.EU_FREQUENCY.values())))
def test_every_code_of_the_eu_frequency_table_is_kept_and_exported_back(ctx, code):
    text = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix foaf: <http://xmlns.com/foaf/0.1/> .
    <https://example.eu/ds/1> a dcat:Dataset ; dct:title "Набор" ; dct:description "Описание." ;
        dct:publisher [ a foaf:Agent ; foaf:name "Орган" ] ;
        dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/{code}> .
    """
    rdf.import_rdf(ctx, text, "turtle")
    dataset = ctx.session.scalars(select(models.Dataset)).one()
    assert enums.Frequency(dataset.update_frequency).label  # a Russian label, shown on the page
    assert f"frequency/{code}>" in export_text(ctx, "nt")


def test_biennial_is_in_the_table(ctx):
    # Was «периодичность <…/BIENNIAL> не из таблицы частот ЕС».
    text = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix foaf: <http://xmlns.com/foaf/0.1/> .
    <https://example.eu/ds/1> a dcat:Dataset ; dct:title "Набор" ; dct:description "Описание." ;
        dct:publisher [ a foaf:Agent ; foaf:name "Орган" ] ;
        dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/BIENNIAL> .
    """
    rdf.import_rdf(ctx, text, "turtle")
    dataset = ctx.session.scalars(select(models.Dataset)).one()
    assert enums.Frequency.label_of(dataset.update_frequency) == "раз в два года"


def test_a_data_service_without_publisher_does_not_refuse_the_file(ctx):
    # DCAT-AP 3 / HVD: dct:publisher of a dcat:DataService is optional; the catalogue requires an owner.
    report = _import(ctx, "semic-hvd-dataset_data_service.ttl")
    assert report.details["created"] == {"datasets": 2}
    assert ("<https://data.exampleMS.gov/id/dataset/EAMS-APIplatform> (витрина данных) не загружен(а): "
            "нет значения «Обладатель данных» (dct:publisher)") in report.text
    assert "owner_agency_id" not in report.text


def test_a_data_service_takes_the_owner_of_the_datasets_it_serves(ctx):
    text = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix foaf: <http://xmlns.com/foaf/0.1/> .
    <https://example.eu/ds/1> a dcat:Dataset ; dct:title "Набор" ; dct:description "Описание." ;
        dct:publisher [ a foaf:Agent ; foaf:name "Орган" ] .
    <https://example.eu/api> a dcat:DataService ; dct:title "API" ; dcat:servesDataset <https://example.eu/ds/1> .
    """
    result = rdf.import_rdf(ctx, text, "turtle")
    assert result.created["marts"] == 1 and not result.skipped
    mart = ctx.session.scalars(select(models.DataMart)).one()
    assert ctx.session.get(models.Agency, mart.owner_agency_id).name == "Орган"


def test_what_the_catalogue_does_not_model_is_reported_by_property_and_count(ctx):
    report = _import(ctx, "semic-hvd-ms_catalogue.ttl", dry_run=True)
    assert "Не перенесены свойства, которых нет в каталоге: " in report.text
    for said in ("dcat:distribution — 2", "dct:license — 1", "dcat:contactPoint — 1",
                 "dcatap:applicableLegislation — 3"):
        assert said in report.text
    assert "dcat:Distribution — 1" in report.text and "vcard:Kind — 1" in report.text
    report = _import(ctx, "semic-cpsvap320-public_service.ttl", dry_run=True)
    assert "cv:holdsRequirement — 1" in report.text and "cv:Evidence — 1" in report.text


def test_the_catalogues_own_export_reports_nothing_left_out(ctx, seed):
    text = export_text(ctx, "ttl")
    report = rdf.run(ctx, text.encode(), file_name="каталог.ttl", fmt=None, dry_run=True)
    assert "Не перенесены" not in report.text, report.text
    assert graph_of(text)
