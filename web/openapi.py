"""The OpenAPI 3 document of /api/v1, built from the same schemas that validate the input."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from catalog.kinds import KINDS
from catalog.schemas import ChangeEventSchema, StatusTransitionSchema

ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "Что не так, по-русски"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Сообщения по каждому неверному полю или параметру",
        },
    },
}


def _response(description: str, schema) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    names = {
        400: "Неверный запрос", 401: "Нужен вход или токен API", 403: "Недостаточно прав",
        404: "Запись не найдена", 409: "Версия устарела: ответ содержит изменения, сделанные с тех пор",
        422: "Данные не прошли проверку",
    }
    return {str(code): _response(names[code], {"$ref": "#/components/schemas/Error"}) for code in codes}


@lru_cache(maxsize=1)
def build_spec() -> dict:
    spec = APISpec(
        title="Каталог процессов и данных региона",
        version="1.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Реестр процессов, наборов данных, информационных систем и витрин данных. "
                             "Запись требует токена API в заголовке Authorization: Bearer."},
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR)
    spec.components.schema("ChangeEvent", schema=ChangeEventSchema)
    spec.components.schema("StatusTransition", schema=StatusTransitionSchema)
    for kind in KINDS.values():
        name = kind.schema.__name__.removesuffix("Schema")
        spec.components.schema(name, schema=kind.schema)
        ref = {"$ref": f"#/components/schemas/{name}"}
        filters = [
            {"name": field_name, "in": "query", "required": False,
             "description": field.metadata.get("label", ""), "schema": {"type": "string"}}
            for field_name, field in kind.schema().fields.items() if field.metadata.get("filter")
        ]
        paging = [
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
            {"name": "q", "in": "query", "description": "Часть наименования или кода", "schema": {"type": "string"}},
            {"name": "include_deleted", "in": "query", "schema": {"type": "boolean"}},
            {"name": "deleted", "in": "query", "description": "Только удалённые", "schema": {"type": "boolean"}},
        ]
        id_param = [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
        tag = kind.label
        spec.path(
            path=f"/{kind.name}",
            operations={
                "get": {
                    "tags": [tag], "summary": f"Список: {kind.label.lower()}", "parameters": paging + filters,
                    "responses": {"200": _response("Страница записей", {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": ref}, "total": {"type": "integer"},
                                       "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                       "pages": {"type": "integer"}}}), **_errors(401, 422)},
                },
                "post": {
                    "tags": [tag], "summary": f"Создать: {kind.label_one}", "security": [{"token": []}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                    "responses": {"201": _response("Создано", ref), **_errors(401, 403, 422)},
                },
            },
        )
        spec.path(
            path=f"/{kind.name}/{{record_id}}",
            operations={
                "get": {"tags": [tag], "summary": "Прочитать", "parameters": id_param,
                        "responses": {"200": _response("Запись", ref), **_errors(401, 404)}},
                "patch": {
                    "tags": [tag], "summary": "Изменить (передайте version, которую вы читали)",
                    "parameters": id_param, "security": [{"token": []}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                    "responses": {"200": _response("Изменено", ref), **_errors(401, 403, 404, 409, 422)},
                },
                "delete": {
                    "tags": [tag], "summary": "Удалить (мягко, можно восстановить)", "security": [{"token": []}],
                    "parameters": id_param + [{"name": "version", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": _response("Удалено", ref), **_errors(401, 403, 404, 409)},
                },
            },
        )
        spec.path(path=f"/{kind.name}/{{record_id}}/restore", operations={"post": {
            "tags": [tag], "summary": "Восстановить удалённую запись", "parameters": id_param,
            "security": [{"token": []}],
            "responses": {"200": _response("Восстановлено", ref), **_errors(401, 403, 404, 422)}}})
        spec.path(path=f"/{kind.name}/{{record_id}}/history", operations={"get": {
            "tags": [tag], "summary": "История изменений", "parameters": id_param,
            "responses": {"200": _response("События", {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeEvent"}}}}),
                **_errors(401, 404)}}})
        spec.path(path=f"/{kind.name}/{{record_id}}/links", operations={"get": {
            "tags": [tag], "summary": "Связи записи (исходящие и входящие)", "parameters": id_param,
            "responses": {"200": {"description": "Связи"}, **_errors(401, 404)}}})
    spec.path(path="/processes/{record_id}/status-history", operations={"get": {
        "tags": [KINDS["processes"].label], "summary": "История статусов реинжиниринга",
        "parameters": [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _response("Переходы", {"type": "object", "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/StatusTransition"}}}}),
            **_errors(401, 404)}}})
    spec.components.schema("OpenLineageEvent", {
        "type": "object", "description": "Событие OpenLineage: https://openlineage.io/spec/2-0-2/OpenLineage.json",
        "properties": {"eventType": {"type": "string"}, "eventTime": {"type": "string", "format": "date-time"},
                       "run": {"type": "object"}, "job": {"type": "object"}, "inputs": {"type": "array"},
                       "outputs": {"type": "array"}, "producer": {"type": "string"}, "schemaURL": {"type": "string"}}})
    spec.path(path="/processes/{record_id}/runs", operations={"get": {
        "tags": [KINDS["processes"].label], "summary": "Запуски процесса по событиям OpenLineage",
        "parameters": [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "Запуски: run_id, event_type, event_time, job, facets"},
                      **_errors(401, 404)}}})
    spec.path(path="/lineage", operations={"post": {
        "tags": ["OpenLineage"], "security": [{"token": []}],
        "summary": "Принять событие OpenLineage (RunEvent, DatasetEvent, JobEvent) или список событий",
        "description": "Проверяется по спецификации OpenLineage 2-0-2 и схемам фасетов; задания становятся "
                       "процессами, наборы данных — наборами данных, входы и выходы — связями CONSUMES и PRODUCES.",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/OpenLineageEvent"}}}},
        "responses": {"201": {"description": "Что сделано по каждому событию"}, **_errors(400, 401, 403, 422)}}})
    from web.linked import openapi_paths as linked_paths
    from web.projects import openapi_paths as project_paths

    for path, operations in linked_paths().items():
        spec.path(path=path, operations=operations)
    project_paths(spec, _response, _errors)
    return spec.to_dict()
