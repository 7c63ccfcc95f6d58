"""Linked data for machines: the RDF export, the RDF import and SPARQL."""
from __future__ import annotations

from flask import Response, jsonify, request, stream_with_context
from marshmallow import fields

from catalog.errors import BadParameter, InvalidInput
from catalog.linked import export, importer, sparql
from web import context
from web.api.base import Blueprint, Flag, QueryArgs, read_only
from web.pages.linked import RDF_TYPES

blp = Blueprint("linked_api", __name__, tag="Связанные данные (RDF, SPARQL)")


class ExportArgs(QueryArgs):
    format = fields.String(load_default=None, metadata={"enum": ["ttl", "jsonld", "nt"],
                                                        "description": "Без него — по заголовку Accept"})
    kind = fields.List(fields.String(), load_default=list, metadata={"description": "Вид записей; можно несколько"})
    agency = fields.String(load_default=None, metadata={"description": "Номер или код органа"})


class ImportArgs(QueryArgs):
    format = fields.String(load_default=None, metadata={"enum": ["ttl", "jsonld", "nt"],
                                                        "description": "Без него — по Content-Type"})
    dry_run = Flag(metadata={"description": "Только проверить: ничего не записывается"})


class SparqlArgs(QueryArgs):
    query = fields.String(load_default=None, metadata={"description": "Запрос SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE)"})
    format = fields.String(load_default=None, metadata={"enum": ["json", "csv"]})


RDF_DOCUMENT = {"description": "Документ", "content": {
    m: {"schema": {"type": "object" if m == "application/ld+json" else "string"}} for m in RDF_TYPES}}
SPARQL_ANSWERS = {
    "200": {"description": "Результаты SPARQL", "content": {
        "application/sparql-results+json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}}}},
    "400": {"description": "Запрос на изменение, SERVICE или FROM, синтаксическая ошибка, превышен предел "
                           "времени, памяти или строк"},
    "429": {"description": "Предыдущий запрос этого клиента ещё выполняется или превышен предел запросов в минуту"},
    "503": {"description": "Все места для запросов SPARQL заняты"}}


@blp.get("/export.rdf")
@blp.query(ExportArgs)
@blp.doc(summary="Выгрузка каталога или его части в RDF (потоком)", responses={"200": RDF_DOCUMENT})
def export_view(args):
    fmt = export.check_format(args["format"]) if args["format"] else _negotiated_format()
    chunks = export.stream(context(), fmt, args["kind"], args["agency"])
    response = Response(stream_with_context(chunks), mimetype=export.FORMATS[fmt].split(";")[0])
    response.headers["Content-Disposition"] = f'attachment; filename="catalog.{export.EXTENSIONS[fmt]}"'
    return response


def _negotiated_format(default: str = "ttl") -> str:
    best = request.accept_mimetypes.best_match(list(RDF_TYPES))
    return RDF_TYPES.get(best, default) if best and request.accept_mimetypes[best] > 0 else default


@blp.post("/import.rdf")
@blp.query(ImportArgs)
@blp.response(200, description="Сколько записей создано, изменено, без изменений")
@blp.doc(summary="Загрузка записей из RDF (только администратор; всё или ничего)", requestBody={"required": True, "content": {
    m: {"schema": {"type": "string"}} for m in RDF_TYPES}}, responses={
    "403": {"description": "Нужна роль администратора"}, "413": {"description": "Документ больше CATALOG_RDF_MAX_MB"},
    "422": {"description": "Файл не разобран или запись не прошла проверку"}})
def import_view(args):
    from catalog.services import imports, rules
    from catalog.services.imports import rdf

    ctx = context()
    rules.check_import(ctx, "rdf")  # who is asking comes first: no byte of the body is read before
    declared = args["format"] or RDF_TYPES.get(request.mimetype)
    fmt = importer.guess_format(None, declared or "ttl")
    rdf.check_size(ctx, request.content_length)
    data = request.stream.read(ctx.settings.rdf_max_bytes + 1)  # a body without a length is cut at the limit
    rdf.check_size(ctx, len(data))
    if not data:
        raise InvalidInput("Пустое тело запроса: пришлите документ RDF.", {"file": ["Нет данных."]})
    result = imports.run_import(ctx, "rdf", data, file_name="тела запроса", fmt=fmt, dry_run=args["dry_run"]).result
    return jsonify(created=dict(result.created), updated=dict(result.updated),
                   unchanged=dict(result.unchanged), summary=result.summary())


@blp.get("/sparql")
@blp.query(SparqlArgs)
@blp.doc(summary="Запрос SPARQL (только чтение)", responses=SPARQL_ANSWERS)
def sparql_api(args):
    return _answer(args["query"], args["format"])


@blp.post("/sparql")
@read_only
@blp.body({"type": "object", "properties": {"query": {"type": "string"}, "format": {"type": "string", "enum": ["json", "csv"]}}},
          "application/x-www-form-urlencoded")
@blp.doc(summary="Запрос SPARQL (form: query, или тело application/sparql-query)", responses=SPARQL_ANSWERS,
         requestBody={"content": {"application/sparql-query": {"schema": {"type": "string"}}}})
def sparql_post():
    query = request.get_data(as_text=True) if request.mimetype == "application/sparql-query" else request.form.get("query")
    return _answer(query, request.values.get("format"))


def _answer(query: str | None, fmt: str | None):
    answer = sparql.run(context(), query, request.remote_addr)
    if fmt is None:
        best = request.accept_mimetypes.best_match(["application/sparql-results+json", "application/json",
                                                    "text/csv"])
        fmt = "csv" if best == "text/csv" else "json"
    if fmt == "csv":
        return _graph_headers(Response(sparql.to_csv(answer), mimetype="text/csv",
                                       headers={"Content-Disposition": 'inline; filename="sparql.csv"'}), answer)
    if fmt != "json":
        raise BadParameter("Неверный формат ответа.", {"format": ["Допустимо: json, csv."]})
    response = jsonify(sparql.to_json(answer))
    response.mimetype = "application/sparql-results+json"
    return _graph_headers(response, answer)


def _graph_headers(response, answer):
    """Which state of the catalogue answered: the change event id, and whether it is being rebuilt."""
    response.headers["X-Catalog-Graph-Version"] = str(answer.graph_version)
    response.headers["X-Catalog-Graph-Stale"] = "true" if answer.stale else "false"
    return response
