"""The rules hold (issue 17): the gate's report, the statuses whose evidence disagrees, certifications."""
from __future__ import annotations

from flask import jsonify
from marshmallow import fields

from catalog import models, schemas
from catalog.schemas.base import CatalogSchema
from catalog.schemas.certifications import CertificationChangeSchema
from catalog.services import evidence, gate
from web import context
from web.api.base import Blueprint, QueryArgs, bounded
from web.inputs import change_version, json_body, versioned_body

blp = Blueprint("gate_api", __name__, tag="Правила: шлюз и подтверждение статусов")


class GateReport(CatalogSchema):
    items = fields.List(fields.Nested(schemas.GateItemSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class StatusReport(CatalogSchema):
    items = fields.List(fields.Nested(schemas.StatusCheckSchema))


class CertificationList(CatalogSchema):
    items = fields.List(fields.Nested(schemas.CertificationOutSchema))


class AgencyArgs(QueryArgs):
    agency = bounded(load_default=None, metadata={"description": "Орган (номер)"})


def gate_json(item: dict) -> dict:
    return {k: item[k] for k in ("kind", "what", "id", "title", "url", "flag", "why", "agency_id")}


def status_json(row: dict) -> dict:
    return {k: row[k] for k in ("process_id", "registry_id", "name", "agency_id", "status", "status_label",
                                "problem", "why", "expected_status")}


def certification_json(record) -> dict:
    return schemas.CertificationOutSchema().dump(record)


@blp.get("/reports/gate")
@blp.response(200, GateReport, description="Системы и связи автоматизации вне правила, с причиной")
@blp.doc(summary="Системы и автоматизация вне правила шлюза")
def gate_report_view():
    items = gate.outside_rule(context())
    return jsonify(items=[gate_json(i) for i in items], counts=gate.counts(items))


@blp.get("/reports/statuses")
@blp.query(AgencyArgs)
@blp.response(200, StatusReport, description="Процессы, у которых статус и подтверждение расходятся")
@blp.doc(summary="Статусы без подтверждения и расхождения с этапами проектов")
def status_report_view(args):
    return jsonify(items=[status_json(r) for r in evidence.status_problems(context(), agency_id=args["agency"])])


@blp.get("/processes/<int:process_id>/certifications")
@blp.response(200, CertificationList, description="Записи о сертификации процесса")
@blp.doc(summary="Сертификация процесса")
def certifications_view(process_id):
    ctx = context()
    ctx.get(models.Process, process_id, f"Процесс № {process_id} не найден.")
    return jsonify(items=[certification_json(c) for c in evidence.list_certifications(ctx, process_id)])


@blp.post("/processes/<int:process_id>/certifications")
@blp.body(schemas.CertificationSchema)
@blp.response(201, schemas.CertificationOutSchema, description="Запись о сертификации")
@blp.doc(summary="Записать отправку на сертификацию (и сертификат: кто, когда, документ)")
def certification_create_view(process_id):
    return jsonify(certification_json(evidence.record_certification(context(), process_id, json_body()))), 201


@blp.patch("/certifications/<int:certification_id>")
@blp.body(CertificationChangeSchema)
@blp.response(200, schemas.CertificationOutSchema, description="Запись о сертификации")
@blp.doc(summary="Дополнить или исправить запись о сертификации")
def certification_update_view(certification_id):
    return jsonify(certification_json(evidence.update_certification(context(), certification_id, versioned_body())))


@blp.delete("/certifications/<int:certification_id>")
@blp.response(200, schemas.CertificationOutSchema, description="Удалённая запись")
@blp.doc(summary="Удалить запись о сертификации")
def certification_delete_view(certification_id):
    return jsonify(certification_json(evidence.delete_certification(context(), certification_id,
                                                                      change_version(required=False))))
