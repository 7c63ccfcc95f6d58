"""OpenLineage as pipelines send it: Marquez's real events (../shared/conformance/real-world/openlineage/,
read in place) are decided by the 2-0-2 schema, an invalid optional facet keeps the lineage, errors name
root fields first and each once, NDJSON errors name lines, broken JSON a line and a column."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import models
from catalog.errors import BadParameter
from catalog.services.imports import openlineage

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "real-world" / "openlineage"
# 2-0-2 BaseEvent: "required": ["eventTime", "producer", "schemaURL"]; eventTime is "format": "date-time"
# (RFC 3339, with a time zone). Marquez's apples and listener examples predate schemaURL.
REFUSED = {name: "нет обязательного поля «schemaURL»" for name in (
    "apples_1_pick_apples.json", "apples_2_apple_filling.json", "apples_3_apple_cider.json",
    "apples_5_apple_vinegar.json", "apples_6_apple_pie.json", "apples_7_pick_different_apples.json",
    "apples_8_apple_filling.json", "apples_9_apple_pie.json", "open_lineage_event_without_schema_url.json",
    "open_lineage_listener_1.json", "open_lineage_listener_2.json")}
REFUSED["open_lineage_event_required_no_timezone.json"] = "нужны дата, время и часовой пояс"


@pytest.fixture
def ol_ctx(ctx, seed):
    ctx.settings.openlineage_agency = "MINSOC"
    return ctx


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_real_event_is_decided_by_the_2_0_2_schema(ol_ctx):
    files = sorted(REAL.glob("*.json"))
    assert len(files) == 24
    for path in files:
        if path.name in REFUSED:
            with pytest.raises(BadParameter) as error:
                openlineage.run(ol_ctx, path, file_name=path.name, dry_run=True)
            assert REFUSED[path.name] in error.value.message, path.name
        else:
            report = openlineage.run(ol_ctx, path, file_name=path.name, dry_run=True)
            assert report.details["events"] >= 1, path.name


def test_an_invalid_optional_facet_keeps_the_lineage_and_is_reported(ol_ctx):
    # dataQualityMetrics without its required columnMetrics: was a refusal, the event's lineage lost.
    path = REAL / "open_lineage_event_full.json"
    report = openlineage.run(ol_ctx, path, file_name=path.name)
    outcome = report.result[0]
    assert outcome["invalid_facets"] == [{"path": "$.inputs[0].inputFacets.dataQualityMetrics",
                                          "reason": "нет обязательного поля «columnMetrics»"}]
    assert outcome["process_id"] and outcome["datasets"] and outcome["links_added"] >= 1
    assert ol_ctx.session.scalar(select(func.count()).select_from(models.OpenLineageRun)) == 1


def test_root_field_problems_come_first_and_each_message_once(ol_ctx):
    event = json.loads((REAL / "open_lineage_event_full.json").read_text())
    del event["eventTime"]
    with pytest.raises(BadParameter) as error:
        openlineage.ingest(ol_ctx, event, dry_run=True)
    assert error.value.message.endswith("$: нет обязательного поля «eventTime».")  # not the facet
    assert list(error.value.fields)[0] == "$"
    for reasons in error.value.fields.values():
        assert len(reasons) == len(set(reasons))


def test_ndjson_errors_name_the_line(ol_ctx, tmp_path):
    good = json.loads((REAL / "open_lineage_event_simple.json").read_text())
    bad = dict(good)
    del bad["producer"]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join([json.dumps(good), "", json.dumps(good), json.dumps(bad)]) + "\n", encoding="utf-8")
    with pytest.raises(BadParameter) as error:
        openlineage.run(ol_ctx, path, file_name=path.name, dry_run=True)
    assert error.value.message.startswith("строка 4: ")  # was «Событие № 3»
    path.write_text(json.dumps(good) + "\n" + json.dumps(good)[:-5] + "\n", encoding="utf-8")
    with pytest.raises(BadParameter) as error:
        openlineage.run(ol_ctx, path, file_name=path.name, dry_run=True)
    assert "строка 2, позиция" in error.value.message


def test_broken_json_names_the_line_and_the_column(ol_ctx, tmp_path):
    path = tmp_path / "event.json"
    path.write_text('{\n  "eventType": "START",\n  "eventTime": oops\n}\n', encoding="utf-8")
    with pytest.raises(BadParameter) as error:
        openlineage.run(ol_ctx, path, file_name=path.name, dry_run=True)
    assert "строка 3, позиция 16" in error.value.message
