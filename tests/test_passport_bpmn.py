"""BPMN diagrams into passports: every MIWG reference model and vendor export imports; what the
diagram does not say is kept; the diagram is drawn on the passport page."""
from __future__ import annotations

from pathlib import Path

import pytest

from catalog.errors import InvalidInput
from catalog.services import passports
from catalog.readers.bpmn import parse_bytes

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "bpmn-miwg"
FILES = sorted(SUITE.glob("Reference/*.bpmn")) + sorted(SUITE.glob("vendor/*/*.bpmn"))


def test_the_suite_is_there():
    assert len(list(SUITE.glob("Reference/*.bpmn"))) == 21 and len(FILES) > 21


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_suite_file_imports_into_a_passport(ctx, seed):
    for path in FILES:
        content = path.read_bytes()
        model = parse_bytes(content, path.name)
        passport = passports.import_bpmn(ctx, seed.process.id, "as_is", path.name, content)
        # A sub-process with tasks of its own is those tasks: counted once.
        ids = {s.id for p in model.processes for s in p.steps}
        containers = {s.parent for p in model.processes for s in p.steps if s.parent in ids}
        steps = sum(len(p.steps) for p in model.processes) - len(containers)
        assert len(passport.steps) == steps, path.name
        assert len(passport.flows) == sum(len(p.sequence_flows) for p in model.processes), path.name
        # Every step's data is in the variant's data model.
        keys = {d.key for d in passport.data}
        assert all(set(s.consumes) | set(s.produces) <= keys for s in passport.steps), path.name
        assert passport.diagram_name == path.name and passport.state == "draft"


def test_import_keeps_times_and_reads_lanes_and_data(ctx, seed):
    path = SUITE / "Reference" / "A.4.0.bpmn"
    passport = passports.import_bpmn(ctx, seed.process.id, "to_be", path.name, path.read_bytes())
    names = [s.name for s in passport.steps]
    assert names[:2] == ["Task 1", "Task 2"] or "Task 1" in names
    assert {s.performer_position for s in passport.steps} >= {"Lane 1", "Lane 2"}
    body = passports.content(passport)
    body["steps"][0]["duration_minutes"] = 12
    passports.save_passport(ctx, passport.id, {**body, "version": passport.version})
    again = passports.import_bpmn(ctx, seed.process.id, "to_be", path.name, path.read_bytes())
    assert again.id == passport.id and again.steps[0].duration_minutes == 12
    with pytest.raises(InvalidInput):
        passports.import_bpmn(ctx, seed.process.id, "to_be", "bad.bpmn", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x/>")
    assert passports.get_passport(ctx, passport.id).diagram_name == path.name


def test_bpmn_from_the_page_api_and_cli(client, runner, seed, make_user, login, token_for):
    path = SUITE / "Reference" / "A.2.0.bpmn"
    headers = token_for(make_user("social", ["agency_editor"], agency_ids=[seed.agency.id]))
    answer = client.post(f"/api/v1/processes/{seed.process.id}/passports/bpmn?variant=as_is&name=A.2.0.bpmn",
                         data=path.read_bytes(), headers={**headers, "Content-Type": "application/xml"})
    assert answer.status_code == 201 and len(answer.get_json()["steps"]) == 4
    login("social")
    import io

    page = client.post(f"/processes/{seed.process.id}/passports/bpmn",
                       data={"variant": "to_be", "file": (io.BytesIO(path.read_bytes()), "A.2.0.bpmn")},
                       content_type="multipart/form-data")
    view = client.get(page.headers["Location"]).get_data(as_text=True)
    assert '<svg class="bpmn"' in view and "Task 1" in view and "Gateway" in view
    out = runner.invoke("import", "bpmn", str(path), "--process", str(seed.process.id), "--variant", "as_is").output
    assert "шагов 4" in out
