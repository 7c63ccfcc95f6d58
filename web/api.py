"""REST API under /api/v1: thin views over ``catalog.services``; errors are JSON naming each bad field."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError as FormValidationError

from catalog.errors import BadParameter, CatalogError, Unauthorized
from catalog.kinds import KINDS
from catalog.schemas import ChangeEventSchema, StatusTransitionSchema, rfc3339
from catalog.services import permissions, records
from web import context
from web.inputs import bool_arg, change_version, int_arg, json_body, known_args, versioned_body
from web.openapi import build_spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# A URL part that matches only known resource names, so anything else is a plain 404.
KIND_PATH = "<any(" + ",".join(f'"{name}"' for name in KINDS) + "):kind_name>"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# POSTs that only read: anyone who may read may send them.
READ_ONLY_POSTS = {"linked_api.sparql_api", "passports_api.what_if_view"}


@bp.before_request
def _authenticate():
    """Who is asking comes first: a change without a token or session is 401, and a reader's with a body 403,
    before the body or parameters are read."""
    if g.get("bad_token"):
        raise Unauthorized("Токен API недействителен или отозван.")
    if request.method in SAFE_METHODS:
        return
    if (g.get("user") is not None and not g.get("token_auth")
            and current_app.config.get("WTF_CSRF_ENABLED", True)):
        # A browser session writing through the API must prove it is our page.
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (CSRFError, FormValidationError):
            raise Unauthorized("Запрос через сессию браузера требует заголовок X-CSRFToken; машинам — токен API.") from None
    if request.endpoint in READ_ONLY_POSTS or request.endpoint is None:
        return
    if g.get("user") is None:
        raise Unauthorized("Изменение требует входа или токена API (заголовок Authorization: Bearer …).")
    if request.content_length or request.headers.get("Transfer-Encoding"):
        # A body is about to be read: a reader, who may change nothing, hears 403 before any 422 on it.
        # Without a body the service's own refusal, which names the rule, answers.
        permissions.require_writer(context())


@bp.errorhandler(CatalogError)
def _catalog_error(error: CatalogError):
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="catalog"'
    if getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


HTTP_MESSAGES = {400: "Неверный запрос.", 404: "Не найдено.", 405: "Метод не поддерживается.",
                 413: "Слишком большой запрос.", 415: "Неподдерживаемый тип содержимого."}


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """Werkzeug's errors as the API's JSON, in Russian, keeping their headers (``Allow`` of a 405)."""
    if getattr(error, "catalog_error", None) is not None:  # a path parameter out of range (web/inputs.py)
        return _catalog_error(error.catalog_error)
    response = jsonify({"error": HTTP_MESSAGES.get(error.code, "Ошибка запроса."), "fields": {}})
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def json_blueprint(name: str, import_name: str) -> Blueprint:
    """Another blueprint under /api/v1 that authenticates and answers errors as this one does."""
    blueprint = Blueprint(name, import_name, url_prefix="/api/v1")
    blueprint.before_request(_authenticate)
    blueprint.register_error_handler(CatalogError, _catalog_error)
    blueprint.register_error_handler(HTTPException, _http_error)
    return blueprint


# The one reading of bodies and query parameters (web/inputs.py), under the names the blueprints import.
_json_body = json_body
_int_arg = int_arg
_bool_arg = bool_arg
_known_args = known_args


def list_filters(kind_name: str, args) -> dict:
    """Typed filters from query parameters, each checked by its schema field."""
    fields = records.filterable_fields(KINDS[kind_name])
    filters, errors = {}, {}
    for name, field in fields.items():
        raw = args.get(name)
        if raw is None or raw == "":
            continue
        try:
            filters[name] = field.deserialize(raw)
        except ValidationError as error:
            errors[name] = error.messages if isinstance(error.messages, list) else [str(error.messages)]
    if errors:
        raise BadParameter("Неверный параметр запроса.", errors)
    return filters


def _page_of(kind_name: str):
    settings = current_app.config["CATALOG"]
    known = set(records.filterable_fields(KINDS[kind_name])) | {"page", "per_page", "q", "include_deleted", "deleted"}
    unknown = [name for name in request.args if name not in known]
    if unknown:
        raise BadParameter("Неизвестный параметр запроса.", {name: ["Такого параметра нет."] for name in unknown})
    return records.list_records(
        context(),
        kind_name,
        filters=list_filters(kind_name, request.args),
        q=request.args.get("q"),
        page=_int_arg("page", 1),
        per_page=_int_arg("per_page", settings.page_size, maximum=settings.max_page_size),
        include_deleted=_bool_arg("include_deleted"),
        only_deleted=_bool_arg("deleted"),
    )


@bp.get(f"/{KIND_PATH}")
def list_view(kind_name):
    page = _page_of(kind_name)
    return jsonify(
        items=KINDS[kind_name].dump_schema(many=True).dump(page.items),
        total=page.total,
        page=page.page,
        per_page=page.per_page,
        pages=page.pages,
    )


@bp.post(f"/{KIND_PATH}")
def create_view(kind_name):
    record = records.create_record(context(), kind_name, _json_body())
    response = jsonify(records.dump_record(kind_name, record))
    response.status_code = 201
    response.headers["Location"] = f"{bp.url_prefix}/{kind_name}/{record.id}"
    return response


@bp.get(f"/{KIND_PATH}/<int:record_id>")
def read_view(kind_name, record_id):
    record = records.get_record(context(), kind_name, record_id)
    response = jsonify(records.dump_record(kind_name, record))
    response.headers["ETag"] = f'"{record.version}"'
    return response


@bp.route(f"/{KIND_PATH}/<int:record_id>", methods=["PATCH", "PUT"])
def update_view(kind_name, record_id):
    record = records.update_record(context(), kind_name, record_id, versioned_body())
    return jsonify(records.dump_record(kind_name, record))


@bp.delete(f"/{KIND_PATH}/<int:record_id>")
def delete_view(kind_name, record_id):
    record = records.delete_record(context(), kind_name, record_id, version=change_version(required=False))
    return jsonify(records.dump_record(kind_name, record))


@bp.post(f"/{KIND_PATH}/<int:record_id>/restore")
def restore_view(kind_name, record_id):
    record = records.restore_record(context(), kind_name, record_id, version=change_version(required=False))
    return jsonify(records.dump_record(kind_name, record))


@bp.get(f"/{KIND_PATH}/<int:record_id>/history")
def history_view(kind_name, record_id):
    events = records.record_history(context(), kind_name, record_id)
    return jsonify(items=ChangeEventSchema(many=True).dump(events))


@bp.get(f"/{KIND_PATH}/<int:record_id>/links")
def links_view(kind_name, record_id):
    records.get_record(context(), kind_name, record_id)
    outgoing, incoming = records.links_of(context(), kind_name, record_id)
    link_schema = KINDS["links"].dump_schema()

    def view(item):
        return {
            **link_schema.dump(item.link),
            "other": {
                "kind": item.other_kind,
                "id": item.other.id if item.other else None,
                "title": item.other.title if item.other else None,
                "deleted": item.other_deleted,
            },
        }

    return jsonify(outgoing=[view(i) for i in outgoing], incoming=[view(i) for i in incoming])


@bp.get("/processes/<int:record_id>/status-history")
def status_history_view(record_id):
    transitions = records.status_transitions(context(), record_id)
    return jsonify(items=StatusTransitionSchema(many=True).dump(transitions))


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(build_spec())


@bp.get("/docs")
def openapi_page():
    spec = build_spec()
    tags = list(dict.fromkeys(op["tags"][0] for ops in spec["paths"].values() for op in ops.values()))
    return render_template("api_docs.html", spec=spec, tags=tags)




# --- the graph ------------------------------------------------------------------


def _node_json(answer, node: str, distance: int | None = None) -> dict:
    kind, record_id = node.split(":")
    record = answer.record(node)
    out = {"uid": node, "kind": kind, "id": int(record_id), "title": record.title if record else None,
           "deleted": record is None or record.is_deleted}
    if distance is not None:
        out["distance"] = distance
    return out


def _edge_json(edge) -> dict:
    return {"uid": edge.uid, "type": edge.edge_type, "source": edge.source, "target": edge.target,
            "transport": edge.transport, "frequency": edge.frequency}


def graph_json(answer) -> dict:
    return {
        "root": answer.root, "backend": answer.backend, "notice": answer.notice,
        "truncated": answer.subgraph.truncated,
        "nodes": [_node_json(answer, n, d) for n, d in sorted(answer.subgraph.nodes.items(), key=lambda i: (i[1], i[0]))],
        "edges": [_edge_json(e) for e in answer.subgraph.edges.values()],
    }


@bp.get(f"/lineage/{KIND_PATH}/<int:record_id>")
def lineage_view(kind_name, record_id):
    from catalog.services import lineage

    _known_args("direction", "depth", "edge_types")
    answer = lineage.lineage(context(), kind_name, record_id, request.args.get("direction", "both"),
                             request.args.get("depth", lineage.DEFAULT_DEPTH), request.args.get("edge_types"))
    return jsonify(graph_json(answer))


@bp.get("/processes/<int:record_id>/systems")
def process_systems_view(record_id):
    from catalog.services import lineage

    uses, records, notice = lineage.process_systems(context(), record_id)
    return jsonify(notice=notice, items=[
        {"role": u.role, "kind": u.kind, "id": u.record.id, "title": u.record.title,
         "path": [_edge_json(e) for e in u.path]} for u in uses])


@bp.get(f"/impact/{KIND_PATH}/<int:record_id>")
def impact_view(kind_name, record_id):
    from catalog.services import lineage

    _known_args("depth")
    answer, grouped = lineage.impact(context(), kind_name, record_id, request.args.get("depth"))
    return jsonify(root=answer.root, backend=answer.backend, notice=answer.notice,
                   truncated=answer.subgraph.truncated,
                   **{kind.replace("-", "_"): [{"id": r.id, "title": r.title, "distance": d} for r, d in items]
                      for kind, items in grouped.items()})


@bp.get("/reports/hand-typed")
def hand_typed_view():
    from catalog.services import lineage

    return jsonify(items=[{
        "kind": h.kind, "id": h.record.id, "title": h.record.title,
        "systems": [{"id": s.id, "title": s.title} for s in h.systems],
        "manual_processes": [{"id": p.id, "title": p.title} for p in h.manual_processes],
        "exposed_by": [{"id": m.id, "title": m.title} for m in h.exposed_by],
    } for h in lineage.hand_typed_duplicates(context())])


@bp.get("/reports/paper-requests")
def paper_requests_view():
    from catalog.services import lineage

    return jsonify(items=[{
        "process": {"id": r.process.id, "title": r.process.title, "registry_id": r.process.registry_id},
        "data": {"kind": r.link.target_kind, "id": r.data.id, "title": r.data.title},
        "marts": [{"id": m.id, "title": m.title} for m in r.marts], "link_id": r.link.id,
    } for r in lineage.paper_requests(context())])


@bp.get("/reports/duplicated-systems")
def duplicated_systems_view():
    from catalog.services import lineage

    _known_args("include_federal")
    return jsonify(items=[{
        "typical_process": {"id": d.typical.id, "title": d.typical.name},
        "systems": [{"id": s.id, "title": s.title, "stage": s.stage} for s in d.systems],
        "processes": [{"id": p.id, "title": p.title} for p in d.processes],
    } for d in lineage.duplicated_systems(context(), _bool_arg("include_federal"))])


def search_json(result) -> dict:
    from catalog.services import search

    return {
        "total": result.total, "page": result.page, "per_page": result.per_page, "pages": result.pages,
        "ignored": result.ignored, "partial": result.partial, "note": search.note(result),
        "items": [{"uid": h.uid, "kind": h.kind, "id": h.record_id, "title": h.title, "score": round(h.score, 4),
                   "highlights": h.highlights, "same_name": h.same_name} for h in result.hits],
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                          for v in values] for name, values in result.facets.items()},
    }


@bp.get("/search")
def search_view():
    from catalog.search.query import FILTERS
    from catalog.services import search

    _known_args("q", "page", "per_page", *FILTERS)
    result = search.search(context(), request.args.get("q"), request.args, _int_arg("page", 1, maximum=1000),
                           _int_arg("per_page", 20, maximum=100))
    return jsonify(search_json(result))


@bp.get("/search/suggest")
def suggest_view():
    from catalog.services import search

    _known_args("q", "limit")
    found = search.suggest(context(), request.args.get("q"), _int_arg("limit", 8, maximum=20))
    return jsonify(items=[{"uid": s.uid, "kind": s.kind, "kind_label": s.kind_label, "id": s.record_id, "title": s.title,
                           "count": s.count, "agencies": s.agencies} for s in found])


def _match_json(row) -> dict:
    match = row.match
    return {"id": match.id, "record_kind": match.record_kind, "record_id": match.record_id,
            "record_title": row.record_title, "agency_id": match.agency_id, "agency_title": row.agency_title,
            "typical_process_id": match.typical_process_id, "typical_name": match.typical_process.name,
            "score": match.score, "state": match.state, "decided_by": match.decided_by,
            "decided_at": rfc3339(match.decided_at)}


@bp.get("/names/matches")
def name_matches_view():
    from catalog.services import names

    _known_args("agency", "state", "limit")
    agency = _int_arg("agency", 0, minimum=0) or None
    rows = names.list_matches(context(), agency, request.args.get("state") or "suggested",
                              _int_arg("limit", 200, maximum=5000))
    return jsonify(items=[_match_json(row) for row in rows])


@bp.post("/names/matches/<int:match_id>/<any(accept,reject):decision>")
def name_decision_view(match_id, decision):
    from catalog.services import names

    ctx = context()
    match = names.decide(ctx, match_id, decision == "accept")
    return jsonify(_match_json(names.describe(ctx, [match])[0]))


@bp.post("/names/match")
def name_match_view():
    from catalog.services import names

    return jsonify(counts=names.match_names(context()))


@bp.get("/names/report")
def names_report_view():
    from catalog.services import names

    answer = names.report(context())

    def row_json(row):
        return {"agency_id": row.agency_id, "agency": row.agency, "names": row.names, "conforming": row.conforming,
                "share_conforming": round(row.share, 4), "linked": row.linked, "pending": row.pending}

    return jsonify(rows=[row_json(r) for r in answer.rows], total=row_json(answer.total))
