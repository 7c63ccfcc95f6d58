"""BPMN 2.0: the MIWG reference models and vendor exports parse, with the suite's element counts;
malicious XML is refused."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from catalog.errors import InvalidInput
from catalog.readers import bpmn

MIWG = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "bpmn-miwg"
REFERENCE = sorted((MIWG / "Reference").glob("*.bpmn"))
VENDOR = sorted((MIWG / "vendor").glob("*/*.bpmn"))
COLUMNS = {"process": "process", "collaboration": "collaboration", "participant": "participant", "lane": "lane",
           "tasks": "tasks(all task types)", "subProcess": "subProcess", "callActivity": "callActivity",
           "events": "events", "gateways": "gateways", "sequenceFlow": "sequenceFlow", "messageFlow": "messageFlow",
           "dataObject+Ref": "dataObject+Ref"}


def expected_counts() -> dict[str, dict[str, int]]:
    with (MIWG / "element-counts.csv").open(encoding="utf-8") as handle:
        return {row["file"]: {key: int(row[column]) for key, column in COLUMNS.items()} for row in csv.DictReader(handle)}


def test_all_21_reference_models_and_every_vendor_export_are_there():
    assert len(REFERENCE) == 21
    assert len(VENDOR) == 62


@pytest.mark.parametrize("path", REFERENCE + VENDOR, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_models_parse_with_the_suites_element_counts(path):
    model = bpmn.parse_file(path)
    expected = expected_counts()[str(path.relative_to(MIWG))]
    # The parser counts with the suite's definitions: every process element (empty «black box»
    # pools included), lanes nested in child lane sets, the eight task types, events that are not
    # event definitions, data objects together with their references. What it builds on top
    # differs on purpose and is not compared here: ``steps`` hold tasks *and* sub-processes and
    # call activities (all activities a passport lists), and a data object reference keeps a
    # pointer to its data object rather than being merged into it.
    assert model.counts() == expected
    for process in model.processes:
        assert [s.order for s in process.steps] == list(range(1, len(process.steps) + 1))


def test_steps_follow_the_sequence_flows_with_lanes_and_data():
    model = bpmn.parse_file(MIWG / "Reference" / "A.1.0.bpmn")
    (process,) = model.processes
    assert [s.name for s in process.steps] == ["Task 1", "Task 2", "Task 3"]
    assert [e.type for e in process.events] == ["startEvent", "endEvent"]

    c10 = bpmn.parse_file(MIWG / "Reference" / "C.1.0.bpmn")
    pools = {p.participant for p in c10.processes}
    assert len(pools) == 2
    assert sum(len(p.lanes) for p in c10.processes) == 4
    performers = {name for p in c10.processes for name in p.performers()}
    assert {"Accountant", "Approver", "Team Assistant"} <= performers  # one name is used in both pools
    assert all(s.lane for p in c10.processes if p.performers() for s in p.steps)

    c50 = bpmn.parse_file(MIWG / "Reference" / "C.5.0.bpmn")  # data objects and data stores
    steps = [s for p in c50.processes for s in p.steps]
    assert sum(len(s.inputs) for s in steps) == 12 and sum(len(s.outputs) for s in steps) == 13
    data = {d.id: d for p in c50.processes for d in p.data}
    assert any(d.type == "dataStoreReference" for d in data.values())
    for step in steps:
        assert all(i in data for i in step.inputs + step.outputs)


def test_the_first_step_is_the_one_after_the_start_event():
    model = bpmn.parse_bytes("""<?xml version="1.0"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <process id="p" name="Приём заявления">
    <laneSet><lane id="l1" name="Специалист"><flowNodeRef>t2</flowNodeRef><flowNodeRef>t1</flowNodeRef></lane></laneSet>
    <task id="t2" name="Проверить документы"><dataInputAssociation><sourceRef>doc</sourceRef><targetRef>x</targetRef></dataInputAssociation></task>
    <task id="t1" name="Зарегистрировать заявление"><dataOutputAssociation><targetRef>doc</targetRef></dataOutputAssociation></task>
    <startEvent id="s"/><endEvent id="e"/>
    <dataObjectReference id="doc" name="Заявление" dataObjectRef="do"/><dataObject id="do"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="t1"/><sequenceFlow id="f2" sourceRef="t1" targetRef="t2"/>
    <sequenceFlow id="f3" sourceRef="t2" targetRef="e"/>
  </process>
</definitions>""".encode())
    steps = model.processes[0].steps
    assert [(s.order, s.name, s.lane) for s in steps] == [(1, "Зарегистрировать заявление", "Специалист"),
                                                         (2, "Проверить документы", "Специалист")]
    assert steps[0].outputs == ["doc"] and steps[1].inputs == ["doc"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p" name="&lol3;"/></definitions>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p" name="&xxe;"/></definitions>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_malicious_xml_is_refused_with_a_clear_error(data):
    with pytest.raises(InvalidInput) as caught:
        bpmn.parse_bytes(data, "attack.bpmn")
    assert "DTD" in caught.value.message and "attack.bpmn" in caught.value.message


def test_size_limit_and_non_bpmn_files(tmp_path):
    big = tmp_path / "big.bpmn"
    big.write_bytes(b" " * 2048)
    with pytest.raises(InvalidInput, match="больше допустимого"):
        bpmn.parse_file(big, max_bytes=1024)
    with pytest.raises(InvalidInput, match="не является моделью BPMN 2.0"):
        bpmn.parse_bytes(b"<html/>", "page.html")
    with pytest.raises(InvalidInput, match="не является корректным XML"):
        bpmn.parse_bytes(b"<definitions", "broken.bpmn")
