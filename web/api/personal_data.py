"""Personal data (issue 20, 152-FZ): the report by agency and system, the suggestions awaiting their owner,
and the owner's answer."""
from __future__ import annotations

from flask import jsonify

from catalog import schemas
from catalog.enums import PersonalData
from catalog.services import personal_data
from web import context
from web.api.base import Blueprint
from web.inputs import json_body

blp = Blueprint("personal_data_api", __name__, tag="Персональные данные")


def _row_json(row) -> dict:
    return {"agency": row.agency, "system": row.system, "total": row.total, "suggested": row.suggested,
            "categories": {c: row.categories.get(c, 0) for c in personal_data.ORDER},
            "datasets": sorted(row.datasets), "marts": sorted(row.marts), "by_hand": sorted(row.by_hand)}


def _attribute_json(attribute, where: str | None = None) -> dict:
    return {"id": attribute.id, "name": attribute.name, "code": attribute.code, "version": attribute.version,
            "where": where, "pd_suggestion": attribute.pd_suggestion, "pd_category": attribute.pd_category,
            "label": PersonalData.label_of(attribute.pd_category or attribute.pd_suggestion)}


@blp.get("/personal-data/report")
@blp.response(200, description="Строки по органам и системам (rows) и предложения без решения (pending)")
@blp.doc(summary="Где хранятся, предоставляются и вводятся вручную персональные данные")
def personal_data_report_view():
    found = personal_data.report(context())
    return jsonify(rows=[_row_json(r) for r in found.rows],
                   pending=[_attribute_json(a, where) for a, where in found.pending])


@blp.post("/personal-data/attributes/<int:attribute_id>/<any(accept,reject):decision>")
@blp.body(schemas.PersonalDataDecisionSchema)
@blp.response(200, description="Атрибут после решения")
@blp.doc(summary="Принять (accept) или отклонить (reject) предложенную категорию персональных данных")
def personal_data_decide_view(attribute_id, decision):
    ctx = context()
    body = json_body()
    attribute = personal_data.decide(ctx, attribute_id, decision == "accept", body.get("version"),
                                     body.get("category"))
    return jsonify(_attribute_json(attribute))
