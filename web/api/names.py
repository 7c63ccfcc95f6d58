"""Standard names: matches of the agencies' process names to the typical list, decisions and the report."""
from __future__ import annotations

from flask import jsonify
from marshmallow import fields

from catalog.schemas import rfc3339
from catalog.services import names
from web import context
from web.api.base import Blueprint, QueryArgs, bounded

blp = Blueprint("names_api", __name__, tag="Соответствие типовому перечню")


class MatchArgs(QueryArgs):
    agency = bounded(0, load_default=0, metadata={"description": "Орган (номер); 0 — все"})
    sphere = bounded(0, load_default=0, metadata={"description": "Сфера муниципальных услуг (номер); 0 — все"})
    state = fields.String(load_default="suggested", metadata={"description": "suggested, accepted, rejected, all"})
    limit = bounded(1, 5000, load_default=200)


def _match_json(row) -> dict:
    match = row.match
    return {"id": match.id, "record_kind": match.record_kind, "record_id": match.record_id,
            "record_title": row.record_title, "agency_id": match.agency_id, "agency_title": row.agency_title,
            "typical_process_id": match.typical_process_id, "typical_service_id": match.typical_service_id,
            "typical_kind": row.typical_kind, "typical_name": row.typical_name, "sphere": row.sphere,
            "score": match.score, "state": match.state, "decided_by": match.decided_by,
            "decided_at": rfc3339(match.decided_at)}


@blp.get("/names/matches")
@blp.query(MatchArgs)
@blp.response(200, description="Предложения (items)")
@blp.doc(summary="Предложенные типовые названия")
def name_matches_view(args):
    rows = names.list_matches(context(), args["agency"] or None, args["state"], args["limit"], args["sphere"] or None)
    return jsonify(items=[_match_json(row) for row in rows])


@blp.post("/names/matches/<int:match_id>/<any(accept,reject):decision>")
@blp.response(200, description="Предложение после решения")
@blp.doc(summary="Принять (accept) или отклонить (reject) предложение")
def name_decision_view(match_id, decision):
    ctx = context()
    match = names.decide(ctx, match_id, decision == "accept")
    return jsonify(_match_json(names.describe(ctx, [match])[0]))


@blp.post("/names/match")
@blp.response(200, description="Сколько сопоставлено (counts)")
@blp.doc(summary="Сопоставить названия заново")
def name_match_view():
    return jsonify(counts=names.match_names(context()))


class ReportArgs(QueryArgs):
    sphere = bounded(0, load_default=0, metadata={"description": "Сфера муниципальных услуг (номер); 0 — все"})


@blp.get("/names/report")
@blp.query(ReportArgs)
@blp.response(200, description="Строки по органам (rows), по сферам (spheres) и итог (total)")
@blp.doc(summary="Соответствие названий типовому перечню по органам, сферам и в целом")
def names_report_view(args):
    answer = names.report(context(), args["sphere"] or None)

    def row_json(row):
        return {"agency_id": row.agency_id, "agency": row.agency, "names": row.names, "conforming": row.conforming,
                "share_conforming": round(row.share, 4), "linked": row.linked, "pending": row.pending}

    def sphere_json(row):
        return {"sphere_id": row.agency_id, "sphere": row.agency, "curator": row.curator, "names": row.names,
                "conforming": row.conforming, "share_conforming": round(row.share, 4), "linked": row.linked,
                "pending": row.pending}

    return jsonify(rows=[row_json(r) for r in answer.rows], spheres=[sphere_json(r) for r in answer.spheres],
                   total=row_json(answer.total))
