"""Process passports: variants as is and to be, their content, BPMN diagrams, approval and the criteria checklist."""
from __future__ import annotations

from flask import Response, jsonify, request
from marshmallow import fields

from catalog import schemas
from catalog.errors import InvalidInput
from catalog.schemas import rfc3339
from catalog.services import passports
from web import context
from web.api.base import Blueprint, QueryArgs
from web.inputs import change_version, json_body, versioned_body
from web.pages.passports import _uploaded_bpmn

blp = Blueprint("passports_api", __name__, tag="Паспорта процессов")
PASSPORT = "Паспорт: шаги, модель данных, потоки, ресурсы, лишние данные"


def passport_json(passport) -> dict:
    return {
        "id": passport.id, "process_id": passport.process_id, "variant": passport.variant,
        "revision": passport.revision, "state": passport.state, "version": passport.version,
        "approved_by": passport.approved_by,
        "approved_at": rfc3339(passport.approved_at),
        "diagram_name": passport.diagram_name, **passports.content(passport),
        "criteria": passport.criteria or {},
        "unmet_criteria": passports.unmet_criteria(passport) if passport.variant == "to_be" else [],
        "excess_data": [d.key for d in passports.excess_data(passport)],
        "totals": passports.totals(passport),
    }


class BpmnArgs(QueryArgs):
    variant = fields.String(load_default=None, metadata={"description": "as_is или to_be (или поле формы variant)"})
    name = fields.String(load_default=None, metadata={"description": "Имя файла, когда тело — сам XML"})
    version = fields.Integer(load_default=None, metadata={"description": "Версия черновика, который вы читали"})


@blp.get("/processes/<int:process_id>/passports")
@blp.response(200, description="Паспорта (items)")
@blp.doc(summary="Паспорта процесса")
def list_view(process_id):
    return jsonify(items=[passport_json(p) for p in passports.list_passports(context(), process_id)])


@blp.post("/processes/<int:process_id>/passports")
@blp.body(schemas.PassportSchema)
@blp.response(201, description=PASSPORT)
@blp.doc(summary="Новый черновик варианта (variant: as_is, to_be) с содержанием")
def create_view(process_id):
    body = json_body()
    ctx = context()
    passport = passports.create_passport(ctx, process_id, body.get("variant", ""))
    if set(body) - {"variant"}:
        passport = passports.save_passport(ctx, passport.id, {**{k: v for k, v in body.items() if k != "variant"},
                                                              "version": passport.version})
    return jsonify(passport_json(passport)), 201


@blp.post("/processes/<int:process_id>/passports/bpmn")
@blp.query(BpmnArgs)
@blp.body({"type": "object", "properties": {"file": {"type": "string", "format": "binary"},
                                            "variant": {"type": "string"}}}, "multipart/form-data")
@blp.response(201, description=PASSPORT)
@blp.doc(summary="Загрузить диаграмму BPMN 2.0 в черновик варианта (тело — XML или файл file)",
         requestBody={"content": {"application/xml": {"schema": {"type": "string"}}}})
def import_bpmn_view(args, process_id):
    name, content = _uploaded_bpmn()  # ?name= is read there
    from catalog.services import imports

    passport = imports.run_import(context(), "bpmn", content, file_name=name, process_id=process_id,
                                  variant=args["variant"] or request.form.get("variant", ""),
                                  version=change_version(required=False)).result
    return jsonify(passport_json(passport)), 201


@blp.get("/passports/<int:passport_id>")
@blp.response(200, description=PASSPORT)
@blp.doc(summary=PASSPORT)
def get_view(passport_id):
    return jsonify(passport_json(passports.get_passport(context(), passport_id)))


@blp.put("/passports/<int:passport_id>")
@blp.body(schemas.PassportSchema)
@blp.response(200, description=PASSPORT)
@blp.doc(summary="Записать содержание черновика целиком")
def save_view(passport_id):
    return jsonify(passport_json(passports.save_passport(context(), passport_id, versioned_body())))


@blp.post("/passports/<int:passport_id>/approve")
@blp.response(200, description=PASSPORT)
@blp.doc(summary="Утвердить (пользователь органа — владельца процесса)")
def approve_view(passport_id):
    return jsonify(passport_json(passports.approve(context(), passport_id, change_version(required=False))))


@blp.put("/passports/<int:passport_id>/criteria")
@blp.body(schemas.CriteriaSchema)
@blp.response(200, description=PASSPORT)
@blp.doc(summary="Чек-лист критериев цифровой трансформации (п. 8.3)")
def criteria_view(passport_id):
    return jsonify(passport_json(passports.set_criteria(context(), passport_id, versioned_body())))


@blp.get("/passports/<int:passport_id>/diagram")
@blp.doc(summary="Диаграмма BPMN (файл, как загружен; 422 — у паспорта нет диаграммы)", responses={"200": {
    "description": "Файл BPMN", "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                            for media in ("application/xml", "application/octet-stream")}}})
def diagram_view(passport_id):
    passport = passports.get_passport(context(), passport_id)
    if not passport.diagram:
        raise InvalidInput("У паспорта нет диаграммы.")
    from web.security import as_download

    # The uploaded file as it was, only ever as a download: it may carry script (finding 1 of issue 12).
    return as_download(Response(passport.diagram, mimetype="application/xml"), passport.diagram_name, "diagram.bpmn")
