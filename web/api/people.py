"""People and positions (issue 16): the signed-in user's person, and who signs for an agency."""
from __future__ import annotations

from flask import jsonify

from catalog.errors import Unauthorized
from catalog.services import people
from web import context
from web.api.base import Blueprint

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
            "basis": found.basis, "ended": found.ended_at is not None}


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
