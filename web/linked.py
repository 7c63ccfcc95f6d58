"""Linked data on the web: the RDF export, the import, the JSON-LD context, SPARQL (API and page),
and the RDF answer of a record's page. Thin views over ``catalog.linked``."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request, stream_with_context

from catalog.errors import CatalogError, InvalidInput, Unauthorized
from catalog.linked import export, importer, sparql
from catalog.linked.validate import ONTOLOGY, SHAPES
from web import context
from web.api import json_blueprint

bp = Blueprint("linked", __name__)
api_bp = json_blueprint("linked_api", __name__)

RDF_TYPES = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt"}


# --- vocabulary documents ----------------------------------------------------------------


@bp.get("/ns/context.jsonld")
def jsonld_context():
    response = jsonify(export.jsonld_context())
    response.mimetype = "application/ld+json"
    return response


@bp.get("/ns/ontology.ttl")
def ontology():
    return Response(ONTOLOGY.read_text(encoding="utf-8"), mimetype="text/turtle")


@bp.get("/ns/shapes.ttl")
def shapes():
    return Response(SHAPES.read_text(encoding="utf-8"), mimetype="text/turtle")


# --- export and import ------------------------------------------------------------------------


def _requested_format(default: str = "ttl") -> str:
    fmt = request.args.get("format")
    if fmt:
        return export.check_format(fmt)
    best = request.accept_mimetypes.best_match(list(RDF_TYPES))
    return RDF_TYPES.get(best, default) if best and request.accept_mimetypes[best] > 0 else default


@api_bp.get("/export.rdf")
def export_view():
    unknown = [name for name in request.args if name not in ("format", "kind", "agency")]
    if unknown:
        from catalog.errors import BadParameter

        raise BadParameter("Неизвестный параметр запроса.", {name: ["Такого параметра нет."] for name in unknown})
    fmt = _requested_format()
    chunks = export.stream(context(), fmt, request.args.getlist("kind"), request.args.get("agency"))
    response = Response(stream_with_context(chunks), mimetype=export.FORMATS[fmt].split(";")[0])
    response.headers["Content-Disposition"] = f'attachment; filename="catalog.{export.EXTENSIONS[fmt]}"'
    return response


@api_bp.post("/import.rdf")
def import_view():
    from catalog.services import imports, rules
    from catalog.services.imports import rdf

    ctx = context()
    rules.check_import(ctx, "rdf")  # who is asking comes first: no byte of the body is read before
    declared = request.args.get("format") or RDF_TYPES.get(request.mimetype)
    fmt = importer.guess_format(None, declared or "ttl")
    rdf.check_size(ctx, request.content_length)
    data = request.stream.read(ctx.settings.rdf_max_bytes + 1)  # a body without a length is cut at the limit
    rdf.check_size(ctx, len(data))
    if not data:
        raise InvalidInput("Пустое тело запроса: пришлите документ RDF.", {"file": ["Нет данных."]})
    dry_run = request.args.get("dry_run", "").lower() in ("1", "true", "yes", "да")
    result = imports.run_import(ctx, "rdf", data, file_name="тела запроса", fmt=fmt, dry_run=dry_run).result
    return jsonify(created=dict(result.created), updated=dict(result.updated),
                   unchanged=dict(result.unchanged), summary=result.summary())


# --- SPARQL -----------------------------------------------------------------------------------


def _query_text() -> str | None:
    if request.method == "POST":
        if request.mimetype == "application/sparql-query":
            return request.get_data(as_text=True)
        return request.form.get("query")
    return request.args.get("query")


@api_bp.route("/sparql", methods=["GET", "POST"])
def sparql_api():
    answer = sparql.run(context(), _query_text(), request.remote_addr)
    fmt = request.values.get("format")
    if fmt is None:
        best = request.accept_mimetypes.best_match(["application/sparql-results+json", "application/json",
                                                    "text/csv"])
        fmt = "csv" if best == "text/csv" else "json"
    if fmt == "csv":
        return _graph_headers(Response(sparql.to_csv(answer), mimetype="text/csv",
                                       headers={"Content-Disposition": 'inline; filename="sparql.csv"'}), answer)
    if fmt != "json":
        from catalog.errors import BadParameter

        raise BadParameter("Неверный формат ответа.", {"format": ["Допустимо: json, csv."]})
    response = jsonify(sparql.to_json(answer))
    response.mimetype = "application/sparql-results+json"
    return _graph_headers(response, answer)


def _graph_headers(response, answer):
    """Which state of the catalogue answered: the change event id, and whether it is being rebuilt."""
    response.headers["X-Catalog-Graph-Version"] = str(answer.graph_version)
    response.headers["X-Catalog-Graph-Stale"] = "true" if answer.stale else "false"
    return response


def _local(iri: str | None) -> str | None:
    """A link to this site for IRIs under the base, the IRI itself otherwise."""
    if iri is None:
        return None
    base = current_app.config["CATALOG"].base_iri
    return iri[len(base):] or "/" if iri.startswith(base + "/") else iri


@bp.get("/sparql")
def sparql_page():
    ctx = context()
    sparql.require_sparql(ctx)
    example = sparql.EXAMPLES_BY_SLUG.get(request.args.get("example", ""))
    query = request.args.get("query") or (example.query if example else None)
    answer, error, columns, rows, status = None, None, [], [], 200
    if query and query.strip():
        try:
            answer = sparql.run(ctx, query, request.remote_addr)
            columns, rows = sparql.table(answer)
            rows = [[(text, _local(link)) for text, link in row] for row in rows]
        except CatalogError as caught:
            error, status = caught, caught.status
    graph = sparql.cached_view(ctx)
    return render_template(
        "sparql.html", graph=graph, query=query or sparql.EXAMPLES[0].query, ran=bool(query and query.strip()),
        examples=sparql.EXAMPLES, example=example, answer=answer, error=error, columns=columns, rows=rows,
        prefixes=sparql.PREFIXES, settings=ctx.settings,
    ), status


# --- a record's RDF (content negotiation on its page) --------------------------------------


def negotiated_rdf(kind_name: str, record_id: int) -> Response | None:
    """The record's RDF when the client prefers Turtle, JSON-LD or N-Triples to HTML; else None."""
    by_name = {fmt: mimetype for mimetype, fmt in RDF_TYPES.items()}
    best = by_name.get(request.args.get("format", ""))  # ?format=ttl: a link a browser can follow
    if best is None:
        best = request.accept_mimetypes.best_match(["text/html", *RDF_TYPES])  # ties go to HTML
    if best not in RDF_TYPES:
        return None
    fmt = RDF_TYPES[best]
    try:
        graph = export.record_graph(context(), kind_name, record_id)
    except Unauthorized as error:
        response = Response(error.message + "\n", status=401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="catalog"'
        return response
    if fmt == "jsonld":
        body = graph.serialize(format="json-ld", context=export.jsonld_context()["@context"], auto_compact=True)
    else:
        body = graph.serialize(format="turtle" if fmt == "ttl" else "nt")
    response = Response(body, mimetype=best)
    response.headers["Vary"] = "Accept"
    return response


def openapi_paths() -> dict:
    """The linked-data routes for the OpenAPI document (web/openapi.py)."""
    tag = "Связанные данные (RDF, SPARQL)"
    text = {"description": "Документ", "content": {
        m: {"schema": {"type": "object" if m == "application/ld+json" else "string"}} for m in RDF_TYPES}}
    query = {"name": "query", "in": "query", "description": "Запрос SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE)",
             "schema": {"type": "string"}}
    answer_format = {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}}
    answers = {"200": {"description": "Результаты SPARQL", "content": {
        "application/sparql-results+json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}}}},
        "400": {"description": "Запрос на изменение, SERVICE или FROM, синтаксическая ошибка, превышен предел "
                               "времени, памяти или строк"},
        "401": {"description": "Нужен вход или токен API"},
        "429": {"description": "Предыдущий запрос этого клиента ещё выполняется или превышен предел запросов в минуту"},
        "503": {"description": "Все места для запросов SPARQL заняты"}}
    return {
        "/export.rdf": {"get": {
            "tags": [tag], "summary": "Выгрузка каталога или его части в RDF (потоком)",
            "parameters": [
                {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["ttl", "jsonld", "nt"]}},
                {"name": "kind", "in": "query", "description": "Вид записей; можно несколько",
                 "schema": {"type": "string"}},
                {"name": "agency", "in": "query", "description": "Номер или код органа", "schema": {"type": "string"}}],
            "responses": {"200": text, "400": {"description": "Неверный параметр"},
                          "401": {"description": "Нужен вход или токен API"}}}},
        "/import.rdf": {"post": {
            "tags": [tag], "summary": "Загрузка записей из RDF (только администратор; всё или ничего)",
            "security": [{"token": []}], "requestBody": {"required": True, "content": {
                m: {"schema": {"type": "string"}} for m in RDF_TYPES}},
            "responses": {"200": {"description": "Сколько записей создано, изменено, без изменений"},
                          "401": {"description": "Нужен токен API"}, "403": {"description": "Нужна роль администратора"},
                          "413": {"description": "Документ больше CATALOG_RDF_MAX_MB"},
                          "422": {"description": "Файл не разобран или запись не прошла проверку"}}}},
        "/sparql": {"get": {"tags": [tag], "summary": "Запрос SPARQL (только чтение)",
                            "parameters": [query, answer_format], "responses": answers},
                    "post": {"tags": [tag], "summary": "Запрос SPARQL (form: query, или application/sparql-query)",
                             "responses": answers}},
    }
