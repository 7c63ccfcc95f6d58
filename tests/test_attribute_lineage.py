"""Attribute-level lineage (issue 20): columnLineage becomes attribute-to-attribute links, the API and the
CLI follow an attribute up and downstream, and «кто и где использует СНИЛС» has one answer on the demo."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from catalog import models
from catalog.services import data_usage, records
from catalog.services.imports import openlineage

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "real-world" / "openlineage"




@pytest.fixture
def demo(ctx, demo_region):
    return ctx


def _attribute(ctx, dataset_name: str, code: str) -> models.Attribute:
    return ctx.session.scalar(select(models.Attribute).join(models.Entity).join(models.Dataset).where(
        models.Dataset.name == dataset_name, models.Attribute.code == code))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_column_lineage_of_marquez_events_becomes_attribute_links(ctx, seed):
    # Marquez's docker metadata (real events): public.orders_7_days.order_id ← public.orders.id, and so on.
    ctx.settings.openlineage_agency = "MINSOC"
    path = REAL / "docker_metadata.rendered.json"
    report = openlineage.run(ctx, path, file_name=path.name)
    assert report.details["attribute_links_added"] >= 20
    order_id = _attribute(ctx, "public.orders_7_days", "order_id")
    source = _attribute(ctx, "public.orders", "id")
    assert order_id is not None and source is not None
    link = ctx.session.scalar(select(models.Link).where(
        models.Link.link_type == "DERIVED_FROM", models.Link.source_id == order_id.id,
        models.Link.source_kind == "attributes"))
    assert (link.target_kind, link.target_id) == ("attributes", source.id)
    # Typed from the schema facet where it names the field.
    assert _attribute(ctx, "public.orders_7_days", "placed_on").data_type in ("datetime", "date")
    again = openlineage.run(ctx, path, file_name=path.name)  # a replay adds nothing
    assert "attribute_links_added" not in again.details


def _chain(ctx):
    """dataset → entity → three attributes: b derived from a, c derived from b."""
    dataset = records.create_record(ctx, "datasets", {"name": "Реестр получателей"})
    entity = records.create_record(ctx, "entities", {"name": "Получатель", "dataset_id": dataset.id})
    made = [records.create_record(ctx, "attributes", {"entity_id": entity.id, "name": name, "code": code,
                                                      "data_type": "string"})
            for name, code in (("СНИЛС", "snils"), ("СНИЛС получателя", "recipient_snils"),
                               ("СНИЛС в выплате", "payment_snils"))]
    for derived, origin in ((made[1], made[0]), (made[2], made[1])):
        records.create_record(ctx, "links", {"link_type": "DERIVED_FROM", "source_kind": "attributes",
                                             "source_id": derived.id, "target_kind": "attributes",
                                             "target_id": origin.id})
    ctx.session.commit()
    return made


def test_the_api_follows_an_attribute_upstream_and_downstream(ctx, client, seed):
    a, b, c = _chain(ctx)
    down = client.get(f"/api/v1/lineage/attributes/{a.id}?direction=downstream").get_json()
    assert {n["uid"] for n in down["nodes"]} >= {f"attributes:{b.id}", f"attributes:{c.id}"}
    assert {e["type"] for e in down["edges"]} >= {"DERIVED_FROM"}
    up = client.get(f"/api/v1/lineage/attributes/{c.id}?direction=upstream&edge_types=DERIVED_FROM").get_json()
    assert {n["uid"]: n["distance"] for n in up["nodes"]} == {
        f"attributes:{c.id}": 0, f"attributes:{b.id}": 1, f"attributes:{a.id}": 2}


def test_the_cli_follows_an_attribute(ctx, runner, seed):
    a, b, c = _chain(ctx)
    result = runner.invoke("lineage", "attribute", str(c.id), "--direction", "upstream")
    assert result.exit_code == 0, result.output
    assert f"2\tатрибут\tattributes:{a.id}\tСНИЛС" in result.output
    assert f"1\tатрибут\tattributes:{b.id}\tСНИЛС получателя" in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_attribute_lineage_answers_the_snils_question_on_the_demo(demo, client):
    found = data_usage.data_usage(demo, "снилс")
    codes = {h.attribute.code for h in found.attributes}
    assert len(found.attributes) >= 8 and {"snils", "recipient_snils", "SNILS", "PersonSNILS"} <= codes
    systems = {u.record.short_name for u in found.systems}
    assert {"АСП"} <= systems  # the harvested database stores it
    marts = {u.record.name for u in found.marts}
    assert {"Витрина данных «Меры социальной поддержки»", "Витрина «Доходы граждан» Социального фонда"} <= marts
    processes = {u.record.name for u in found.processes}
    assert any(p.startswith("Межведомственные запросы по заявлению о назначении выплаты") for p in processes)
    assert {s.step.name for s in found.steps} >= {"Ручная проверка документов",
                                                   "Автоматическая проверка сведений через СМЭВ"}
    assert {"Министерство социальной защиты населения Приволжской области"} <= {u.record.name for u in found.agencies}
    # Every harvested and imported СНИЛС is marked as personal data (the owners accepted the suggestions).
    assert all(h.attribute.pd_category == "general" for h in found.attributes)
    # The mart's SNILS is read from the АСП's applicant table (attribute-to-attribute lineage).
    mart_snils = next(h for h in found.attributes if h.attribute.code == "SNILS")
    assert [(a.code, a.entity.source_ref, a.entity.name) for a in mart_snils.derived_from] == [
        ("snils", "applicant", "Заявитель")]
    # The same answer through the thesaurus' long form, the page and the API.
    long_form = data_usage.data_usage(demo, "страховой номер индивидуального лицевого счёта")
    assert {h.attribute.id for h in long_form.attributes} >= {h.attribute.id for h in found.attributes
                                                             if h.attribute.name == "СНИЛС"}
    page = BeautifulSoup(client.get("/lineage/data?q=СНИЛС").get_data(as_text=True), "html.parser")
    text = page.get_text(" ", strip=True)
    for heading in ("Атрибуты", "Системы", "Витрины", "Процессы и шаги", "Органы"):
        assert page.find(["h2", "h3"], string=lambda s: s and s.startswith(heading)), heading
    assert "Витрина данных «Меры социальной поддержки»" in text and "Ручная проверка документов" in text
    api = client.get("/api/v1/lineage/data?q=СНИЛС").get_json()
    assert len(api["attributes"]) == len(found.attributes) and api["systems"] and api["marts"] and api["agencies"]


def test_a_dataset_on_the_lineage_picture_expands_into_its_attributes(ctx, client, seed):
    from catalog.services import lineage

    a, b, c = _chain(ctx)
    dataset_id = ctx.session.get(models.Entity, a.entity_id).dataset_id
    process = seed.process
    records.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes", "source_id": process.id,
                                         "target_kind": "datasets", "target_id": dataset_id})
    ctx.session.commit()
    closed = lineage.picture(ctx, "processes", process.id)
    assert not any(n.kind == "attributes" for n in closed.nodes)
    opened = lineage.picture(ctx, "processes", process.id, expanded=[f"datasets:{dataset_id}"])
    shown = {n.uid for n in opened.nodes}
    assert {f"attributes:{x.id}" for x in (a, b, c)} <= shown
    assert {e.edge_type for e in opened.edges} >= {"HAS", "DERIVED_FROM"}
    # The page draws the same: the attributes are in the picture's data.
    page = client.get(f"/lineage/processes/{process.id}?expand=datasets:{dataset_id}").get_data(as_text=True)
    assert f"attributes:{a.id}" in page and "СНИЛС получателя" in page
