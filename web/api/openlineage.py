"""OpenLineage: events from pipelines (the HTTP transport) and the runs they recorded for a process."""
from __future__ import annotations

from flask import current_app, jsonify, request

from catalog.errors import BadRequest, InvalidInput
from catalog.kinds import KINDS
from web import context
from web.api.base import Blueprint

blp = Blueprint("openlineage_api", __name__, tag="OpenLineage")

EVENT = {
    "type": "object", "description": "Событие OpenLineage: https://openlineage.io/spec/2-0-2/OpenLineage.json",
    "properties": {"eventType": {"type": "string"}, "eventTime": {"type": "string", "format": "date-time"},
                   "run": {"type": "object"}, "job": {"type": "object"}, "inputs": {"type": "array"},
                   "outputs": {"type": "array"}, "producer": {"type": "string"}, "schemaURL": {"type": "string"}}}


@blp.post("/lineage")
@blp.body(EVENT)
@blp.response(201, description="Что сделано по каждому событию")
@blp.doc(summary="Принять событие OpenLineage (RunEvent, DatasetEvent, JobEvent) или список событий",
         description="Проверяется по спецификации OpenLineage 2-0-2 и схемам фасетов; задания становятся "
                     "процессами, наборы данных — наборами данных, входы и выходы — связями CONSUMES и PRODUCES.")
def lineage_events():
    """OpenLineage HTTP transport: one event (or a list) per request; 201 with what it did."""
    from catalog.services import imports, rules
    from catalog.services.imports import openlineage

    ctx = context()
    rules.check_import(ctx, "openlineage")  # who is asking, before the body is read
    limit = current_app.config["CATALOG"].import_max_bytes
    if request.content_length and request.content_length > limit:
        raise InvalidInput(f"Тело запроса больше допустимого ({limit} байт).")
    data = None
    if request.is_json:
        try:
            data = openlineage.loads(request.get_data(as_text=True), "Тело запроса")
        except ValueError:
            data = None
    if data is None:
        raise BadRequest("Тело запроса должно быть событием OpenLineage в JSON (Content-Type: application/json).",
                         {"$": ["не JSON"]})
    report = imports.run_import(ctx, "openlineage", data, file_name="Тело запроса")
    return jsonify(items=report.result), 201


@blp.get("/processes/<int:process_id>/runs", tags=[KINDS["processes"].label])
@blp.response(200, description="Запуски: run_id, event_type, event_time, job, facets")
@blp.doc(summary="Запуски процесса по событиям OpenLineage")
def process_runs(process_id):
    from catalog.services.imports import openlineage

    return jsonify(items=[openlineage.run_json(r) for r in openlineage.runs_of(context(), process_id)])
