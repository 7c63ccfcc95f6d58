"""The gate on every import path (issue 17, «The gate covers every way in»; Leningrad 8.4, Samara concept
section 3 task 2). Pages, the API, the table and RDF imports are in tests/test_gate.py; here the three
paths that carry no system of their own: a BPMN diagram, an OpenLineage event and the process register.
None of them can create a system, nor link a process to one as AUTOMATED_BY, so none can go around the
gate: each test runs the real import with a file that names a system in «создание» and shows nothing of
the kind was written.
"""
from __future__ import annotations

import json

from sqlalchemy import func, select

from catalog import models
from catalog.services import gate
from catalog.services import records as r
from catalog.services.imports import run_import
from tests.test_import_register import HEADERS, PERSON, make_register

NEW_SYSTEM = "ГИС «Электронная запись»"

BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:test">
  <collaboration id="c"><participant id="pool" name="{NEW_SYSTEM}" processRef="p"/></collaboration>
  <process id="p" isExecutable="true">
    <laneSet id="ls"><lane id="lane" name="{NEW_SYSTEM}"><flowNodeRef>start</flowNodeRef>
      <flowNodeRef>ask</flowNodeRef><flowNodeRef>end</flowNodeRef></lane></laneSet>
    <startEvent id="start"/>
    <serviceTask id="ask" name="Запрос сведений в {NEW_SYSTEM}" implementation="##WebService">
      <dataOutputAssociation id="out"><targetRef>store</targetRef></dataOutputAssociation>
    </serviceTask>
    <dataStoreReference id="store" name="{NEW_SYSTEM}"/>
    <endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="ask"/>
    <sequenceFlow id="f2" sourceRef="ask" targetRef="end"/>
  </process>
</definitions>""".encode()


def _system_in_creation(ctx) -> models.InformationSystem:
    """A system in «создание» registered as inherited landscape (the only way one exists without a request)."""
    ctx.settings.gate_existing_landscape = True
    try:
        return r.create_record(ctx, "systems", {"name": NEW_SYSTEM, "short_name": "ЕЗ", "legal_kind": "regional",
                                                "stage": "creation"})
    finally:
        ctx.settings.gate_existing_landscape = False


def _written(ctx) -> tuple[int, int]:
    ctx.session.expire_all()
    systems = ctx.session.scalar(select(func.count()).select_from(models.InformationSystem))
    automated = ctx.session.scalar(select(func.count()).select_from(models.Link).where(
        models.Link.link_type == "AUTOMATED_BY"))
    return systems, automated


def test_a_bpmn_diagram_naming_a_system_in_creation_neither_creates_it_nor_automates_by_it(ctx, seed):
    before = _written(ctx)
    report = run_import(ctx, "bpmn", BPMN, file_name="запись.bpmn", process_id=seed.process.id, variant="as_is")
    assert report.written and report.details["steps"] == 1
    assert _written(ctx) == before  # no system from the pool, lane or data store named after it
    system = _system_in_creation(ctx)
    before = _written(ctx)
    run_import(ctx, "bpmn", BPMN, file_name="запись.bpmn", process_id=seed.process.id, variant="to_be")
    assert _written(ctx) == before
    steps = ctx.session.scalars(select(models.PassportStep)).all()
    assert steps and all(step.system_id is None for step in steps)  # no step says it runs in the system
    assert [i["id"] for i in gate.outside_rule(ctx)] == [system.id]


def _event(namespace: str) -> dict:
    return {
        "eventType": "COMPLETE", "eventTime": "2026-11-30T10:00:00+03:00",
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.52.0/integration/dbt",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0d3b8e5a-4c3a-4f53-9d1e-8b1c7a9d0a11"},
        "job": {"namespace": namespace, "name": "ЕЗ.загрузка_записей"},
        "inputs": [{"namespace": namespace, "name": "ez.public.appointments"}],
        "outputs": [{"namespace": namespace, "name": "ez.public.appointments_daily"}],
    }


def test_an_openlineage_event_from_a_system_in_creation_neither_creates_it_nor_automates_by_it(
        app, client, ctx, seed, make_user, token_for):
    app.config["CATALOG"].openlineage_agency = "MINSOC"
    _system_in_creation(ctx)
    before = _written(ctx)
    headers = {**token_for(make_user("pipeline", ["agency_editor"], [seed.agency.id])),
               "Content-Type": "application/json"}
    answer = client.post("/api/v1/lineage", data=json.dumps(_event("postgres://ez.gis.local:5432")), headers=headers)
    assert answer.status_code in (200, 201), answer.get_json()
    ctx.session.expire_all()
    types = set(ctx.session.scalars(select(models.Link.link_type).where(models.Link.deleted_at.is_(None))))
    assert {"CONSUMES", "PRODUCES"} <= types  # the event was taken: the job's process and its data
    assert _written(ctx) == before  # but no system, and no process automated by the one in «создание»


def test_the_register_cannot_automate_a_process_by_a_system_in_creation(ctx, seed, tmp_path):
    """The register (Kemerovo 2.1) has no column for systems: a column naming one is not read as automation."""
    _system_in_creation(ctx)
    before = _written(ctx)
    path = make_register(tmp_path / "реестр.xlsx", [
        ["001", "Приём заявления о назначении выплаты", "Назначение ежемесячной выплаты на ребёнка", "", PERSON,
         "в очереди на исследование", "", "", "цифровой", "ЕПГУ", NEW_SYSTEM]],
        headers=[*HEADERS, "Автоматизирован в информационной системе"])
    report = run_import(ctx, "register", path, agency="MINSOC")
    assert report.written
    assert _written(ctx) == before
    assert gate.outside_rule(ctx, seed.process.id) == []
