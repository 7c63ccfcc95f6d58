"""System requests: the queue, filing and changing a request, its checks, the office's conclusion and the decision."""
from __future__ import annotations

from flask import jsonify
from marshmallow import fields

from catalog import schemas
from catalog.schemas import ChangeEventSchema
from catalog.services import requests
from web import context
from web.api.base import Blueprint, QueryArgs, bounded
from web.api.records import EventList
from web.inputs import change_version, json_body, versioned_body
from web.pages.requests import request_json

blp = Blueprint("requests_api", __name__, tag="Заявки на информационные системы")
REQUEST = "Заявка с результатами проверок"


class QueueArgs(QueryArgs):
    status = fields.String(load_default=None, metadata={"description": "Статус заявки"})
    agency = bounded(load_default=None, metadata={"description": "Орган (номер)"})
    failing = fields.String(load_default=None, metadata={"description": "Код проверки, которая не пройдена"})


@blp.get("/requests")
@blp.query(QueueArgs)
@blp.response(200, description="Заявки (items)")
@blp.doc(summary="Очередь заявок")
def list_view(args):
    found = requests.list_requests(context(), status=args["status"], agency_id=args["agency"], failing=args["failing"])
    return jsonify(items=[request_json(r) for r in found])


@blp.post("/requests")
@blp.body(schemas.SystemRequestSchema)
@blp.response(201, description=REQUEST)
@blp.doc(summary="Подать черновик заявки")
def create_view():
    return jsonify(request_json(requests.create_request(context(), json_body()))), 201


@blp.get("/requests/<int:request_id>")
@blp.response(200, description=REQUEST)
@blp.doc(summary="Заявка с результатами проверок")
def get_view(request_id):
    return jsonify(request_json(requests.get_request(context(), request_id)))


@blp.patch("/requests/<int:request_id>")
@blp.body(schemas.SystemRequestSchema)
@blp.response(200, description=REQUEST)
@blp.doc(summary="Изменить черновик или возвращённую заявку")
def update_view(request_id):
    return jsonify(request_json(requests.update_request(context(), request_id, versioned_body())))


@blp.post("/requests/<int:request_id>/submit")
@blp.response(200, description=REQUEST)
@blp.doc(summary="Подать: выполнить проверки")
def submit_view(request_id):
    return jsonify(request_json(requests.submit(context(), request_id, change_version(required=False))))


@blp.post("/requests/<int:request_id>/conclusion")
@blp.body(schemas.ConclusionSchema)
@blp.response(200, description=REQUEST)
@blp.doc(summary="Заключение процессного офиса")
def conclusion_view(request_id):
    return jsonify(request_json(requests.conclude(context(), request_id, versioned_body())))


@blp.post("/requests/<int:request_id>/decision")
@blp.body(schemas.DecisionSchema)
@blp.response(200, description=REQUEST)
@blp.doc(summary="Решение: approved, rejected, returned")
def decision_view(request_id):
    return jsonify(request_json(requests.decide(context(), request_id, versioned_body())))


@blp.post("/requests/<int:request_id>/recheck")
@blp.response(200, description=REQUEST)
@blp.doc(summary="Проверить заново")
def recheck_view(request_id):
    return jsonify(request_json(requests.recheck(context(), request_id, change_version(required=False))))


@blp.get("/requests/<int:request_id>/history")
@blp.response(200, EventList, description="События")
@blp.doc(summary="История заявки")
def history_view(request_id):
    return jsonify(items=ChangeEventSchema(many=True).dump(requests.request_history(context(), request_id)))
