"""People and positions (issue 16): the signed-in user's person, and who signs for an agency."""
from __future__ import annotations

from flask import jsonify

from catalog import models
from catalog.enums import Visa
from catalog.errors import InvalidInput, Unauthorized
from catalog.services import people
from web import context
from web.api.base import Blueprint
from web.inputs import json_body

blp = Blueprint("people_api", __name__, tag="Должностные лица")


def person_json(person) -> dict | None:
    if person is None:
        return None
    return {"id": person.id, "full_name": person.full_name, "position": person.position, "level": person.level,
            "level_label": people.level_label(person.level) if person.level else None,
            "agency_id": person.agency_id, "agency": person.agency.short_name or person.agency.name, "unit": person.unit}


def delegation_json(found) -> dict:
    return {"id": found.id, "visa": found.visa, "from": person_json(found.from_person), "to": person_json(found.to_person),
            "valid_from": found.valid_from.isoformat(),
            "valid_until": found.valid_until.isoformat() if found.valid_until else None,
            "basis": found.basis, "ended": found.ended_at is not None,
            "ended_at": found.ended_at.isoformat() if found.ended_at else None, "in_force": people.in_force(found)}


@blp.get("/me")
@blp.response(200, description="Пользователь: логин, имя, роли и должностное лицо каталога (person)")
@blp.doc(summary="Кто я: учётная запись и должностное лицо")
def me_view():
    ctx = context()
    if ctx.user is None:
        raise Unauthorized("Нужен вход: войдите в систему или передайте токен API.")
    user = ctx.user
    return jsonify(login=user.login, full_name=user.full_name, roles=list(user.roles or []),
                   agency_ids=list(user.agency_ids or []), person=person_json(people.person_of(ctx, user)))


@blp.get("/agencies/<int:agency_id>/signatories")
@blp.response(200, description="Руководитель, заместители, утверждающий паспорта, поручения, руководитель Процессного офиса")
@blp.doc(summary="Кто подписывает за орган")
def signatories_view(agency_id):
    found = people.signatories(context(), agency_id)
    return jsonify(agency_id=agency_id, head=person_json(found["head"]),
                   deputies=[person_json(p) for p in found["deputies"]],
                   passport_approver=person_json(found["passport_approver"]),
                   office_head=person_json(found["office_head"]),
                   delegations=[delegation_json(d) for d in found["delegations"]])


DELEGATION_BODY = {"type": "object", "properties": {
    "to_person_id": {"type": "integer", "description": "кому поручена подпись (работник того же органа)"},
    "from_person_id": {"type": "integer", "description": "кто поручает; по умолчанию руководитель органа"},
    "visa": {"type": "string", "enum": [v for v, _ in Visa.choices()], "default": Visa.ROADMAP_APPROVE.value},
    "valid_from": {"type": "string", "format": "date"}, "valid_until": {"type": "string", "format": "date"},
    "basis": {"type": "string", "description": "приказ, на котором основано поручение"}}, "required": ["to_person_id"]}


@blp.get("/agencies/<int:agency_id>/delegations")
@blp.response(200, description="Поручения органа: действующие (current) и прекращённые или истёкшие (past)")
@blp.doc(summary="Поручения подписи в органе")
def delegations_view(agency_id):
    ctx = context()
    people.signatories(ctx, agency_id)  # checks the right to read and that the agency exists
    current, past = people.delegations_split(ctx, agency_id)
    return jsonify(agency_id=agency_id, current=[delegation_json(d) for d in current],
                   past=[delegation_json(d) for d in past])


@blp.post("/agencies/<int:agency_id>/delegations")
@blp.body(DELEGATION_BODY)
@blp.response(201, description="Поручение")
@blp.doc(summary="Руководитель поручает подпись должностному лицу органа (на срок, по приказу)")
def delegate_view(agency_id):
    ctx = context()
    body = json_body()
    agency = ctx.get(models.Agency, agency_id, f"Орган № {agency_id} не найден.")
    giver_id = body.get("from_person_id")
    if giver_id is None:
        head = people.head_of(ctx, agency.id)
        giver_id = head.id if head is not None else None
    elif people.find_person(ctx, giver_id).agency_id != agency.id:
        raise InvalidInput("Поручение не записано.", {"from_person_id": ["Поручает работник этого органа."]})
    found = people.delegate(ctx, {**body, "from_person_id": giver_id})
    return jsonify(delegation_json(found)), 201


@blp.post("/delegations/<int:delegation_id>/end")
@blp.response(200, description="Прекращённое поручение")
@blp.doc(summary="Прекратить поручение подписи")
def end_delegation_view(delegation_id):
    return jsonify(delegation_json(people.end_delegation(context(), delegation_id)))


@blp.put("/agencies/<int:agency_id>/passport-approver")
@blp.body({"type": "object", "properties": {"person_id": {"type": "integer"}}, "required": ["person_id"]})
@blp.response(200, description="Назначенное должностное лицо")
@blp.doc(summary="Назначить должностное лицо, утверждающее паспорта процессов органа")
def designate_view(agency_id):
    found = people.designate(context(), agency_id, json_body().get("person_id"))
    return jsonify(agency_id=agency_id, person=person_json(found.person), designated_on=found.designated_on.isoformat())
