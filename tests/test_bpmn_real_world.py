"""BPMN as modellers draw it: the bpmn-io and Flowable files in ../shared/conformance/real-world/bpmn/
(read in place) import into passports with automated tasks marked, steps in the order of the flow across
pools, flows by names and a notice where the file has no layout."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from catalog.readers.bpmn import parse_bytes
from catalog.services import passports

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "real-world" / "bpmn"
FILES = sorted(p for p in REAL.iterdir() if p.suffix in (".bpmn", ".xml"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_real_file_imports_into_a_passport(ctx, seed):
    assert len(FILES) >= 19
    for path in FILES:
        passport = passports.import_bpmn(ctx, seed.process.id, "as_is", path.name, path.read_bytes())
        model = parse_bytes(path.read_bytes(), path.name)
        ids = {s.id for p in model.processes for s in p.steps}
        containers = {s.parent for p in model.processes for s in p.steps if s.parent in ids}
        assert len(passport.steps) == sum(len(p.steps) for p in model.processes) - len(containers), path.name
        assert passport.diagram_name == path.name


def test_service_script_and_business_rule_tasks_are_automated(ctx, seed):
    # BPMN 2.0.2 §10.3.3: service, script and business-rule tasks are performed by software.
    path = REAL / "kitchen-sink.bpmn"
    passport = passports.import_bpmn(ctx, seed.process.id, "as_is", path.name, path.read_bytes())
    model = parse_bytes(path.read_bytes())
    kinds = {s.id: s.type for p in model.processes for s in p.steps}
    automated = {kinds[s.key] for s in passport.steps if s.is_automated}
    assert automated == {"serviceTask", "scriptTask", "businessRuleTask"}  # was: none
    assert passports.totals(passport)["automated_share"] == pytest.approx(3 / len(passport.steps))


def test_a_send_task_with_an_engine_implementation_is_automated():
    xml = b"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
        xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d"><process id="p">
      <startEvent id="s"/><sendTask id="mail" name="Send a letter" camunda:class="org.example.Mail"/>
      <sendTask id="post" name="Post a letter"/><userTask id="sign" name="Sign"/>
      <sequenceFlow id="f1" sourceRef="s" targetRef="mail"/><sequenceFlow id="f2" sourceRef="mail" targetRef="post"/>
      <sequenceFlow id="f3" sourceRef="post" targetRef="sign"/></process></definitions>"""
    steps = parse_bytes(xml).processes[0].steps
    assert [(s.name, s.automated) for s in steps] == [("Send a letter", True), ("Post a letter", False),
                                                      ("Sign", False)]


def test_steps_start_with_the_pool_that_begins_the_collaboration(ctx, seed):
    # The customer's «Hungry for pizza» starts it; the vendor's start event waits for the order message.
    path = REAL / "pizza-collaboration.bpmn"
    passport = passports.import_bpmn(ctx, seed.process.id, "as_is", path.name, path.read_bytes())
    names = [s.name for s in passport.steps]
    assert names[:2] == ["Select a pizza", "Order a pizza"]  # was: the vendor's steps first
    assert names.index("Order a pizza") < names.index("Bake the pizza") < names.index("Deliver the pizza")
    assert names.index("Bake the pizza") < names.index("Eat the pizza")
    assert names.index("Deliver the pizza") < names.index("Receive payment")  # the vendor's own order holds


def test_flows_are_shown_by_names_and_a_file_without_layout_says_so(client, ctx, seed, make_user, login):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    path = REAL / "pizza-collaboration.bpmn"
    page = client.post(f"/processes/{seed.process.id}/passports/bpmn",
                       data={"variant": "as_is", "file": (io.BytesIO(path.read_bytes()), path.name)},
                       content_type="multipart/form-data")
    view = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "Hungry for pizza → Select a pizza" in view
    assert "_6-" not in view.split("<svg")[0] + view.split("</svg>")[-1]  # no raw ids outside the drawing
    path = REAL / "flowable-datastore.bpmn"  # no BPMNDiagram in the file
    page = client.post(f"/processes/{seed.process.id}/passports/bpmn",
                       data={"variant": "to_be", "file": (io.BytesIO(path.read_bytes()), path.name)},
                       content_type="multipart/form-data")
    view = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "нет схемы диаграммы (раздела BPMN DI)" in view and '<svg class="bpmn"' not in view


def test_cli_import_bpmn_as_a_user_with_that_users_rights(runner, ctx, seed, make_user):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    make_user("reader", ["reader"])
    path = REAL / "flowable-datastore.bpmn"
    out = runner.invoke("import", "bpmn", str(path), "--process", str(seed.process.id), "--variant", "as_is",
                        "--as", "social")
    assert out.exit_code == 0, out.output
    assert "нет схемы диаграммы (BPMN DI)" in out.output
    refused = runner.invoke("import", "bpmn", str(path), "--process", str(seed.process.id), "--variant", "to_be",
                            "--as", "reader")
    assert refused.exit_code != 0


def test_each_diagram_plane_is_drawn_on_its_own():
    # nested-subprocesses.bpmn: the process and five collapsed sub-processes, each with its own plane and
    # coordinates; drawn into one picture they lay on top of each other.
    from web.pages.diagram import bpmn_svg

    drawing = bpmn_svg((REAL / "nested-subprocesses.bpmn").read_text(encoding="utf-8"))
    assert drawing.count('<svg class="bpmn"') == 6 and "Схема 6" in drawing
    single = bpmn_svg((REAL / "pizza-collaboration.bpmn").read_text(encoding="utf-8"))
    assert single.count('<svg class="bpmn"') == 1 and "Схема 1" not in single


def test_a_sub_process_with_its_own_tasks_is_counted_once(ctx, seed):
    # nested-subprocesses.bpmn: 11 activities, 6 of them sub-processes holding the other 5 (was: 11 steps).
    path = REAL / "nested-subprocesses.bpmn"
    passport = passports.import_bpmn(ctx, seed.process.id, "as_is", path.name, path.read_bytes())
    assert [s.name for s in passport.steps] == [
        "Order Products › Check Items", "Order Products › Expanded Process › Call External Supplier",
        "Procure Payment › Charge Card", "Procure Payment › Accounting Stuff, I don't know", "Ship Items (todo)"]


def test_an_unnamed_step_is_called_by_its_kind(ctx, seed):
    path = REAL / "kitchen-sink.bpmn"
    passport = passports.import_bpmn(ctx, seed.process.id, "as_is", path.name, path.read_bytes())
    names = [s.name for s in passport.steps]
    assert "Сервисная задача без названия (Task_1suvpez)" in names
    assert not any(name.startswith("Шаг без названия") for name in names)
