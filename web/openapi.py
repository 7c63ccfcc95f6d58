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
    _work_paths(spec)
    from web.linked import openapi_paths as linked_paths
    from web.projects import openapi_paths as project_paths

    for path, operations in linked_paths().items():
        spec.path(path=path, operations=operations)
    project_paths(spec, _response, _errors)
    return spec.to_dict()


def _work_paths(spec: APISpec) -> None:
    """Search, name standardisation, passports and costs, dashboards and system requests."""
    from catalog import schemas
    from catalog.search.query import FILTERS

    for schema in (schemas.PassportSchema, schemas.PositionSchema, schemas.CriteriaSchema,
                   schemas.SystemRequestSchema, schemas.ConclusionSchema, schemas.DecisionSchema):
        spec.components.schema(schema.__name__.removesuffix("Schema"), schema=schema)

    def param(name, where="path", kind="integer", description=""):
        return {"name": name, "in": where, "required": where == "path", "schema": {"type": kind},
                "description": description}

    def op(tag, summary, params=(), body=None, ok="200", write=False, codes=(401, 404)):
        operation = {"tags": [tag], "summary": summary, "parameters": list(params),
                     "responses": {ok: {"description": "Ответ"}, **_errors(*sorted(set(codes) | ({403, 409, 422} if write else set())))}}
        if write:
            operation["security"] = [{"token": []}]
        if body:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{body}"}}}}
        return operation

    search, names, passport, costs, gate = ("Поиск", "Соответствие типовому перечню", "Паспорта процессов",
                                            "Калькулятор стоимости", "Заявки на информационные системы")
    filters = [param(name, "query", "string", label) for name, (_, label, _) in FILTERS.items()]
    spec.path(path="/search", operations={"get": op(search, "Поиск по каталогу с фасетами и подсветкой", [
        param("q", "query", "string", "Слова запроса; «фраза» в кавычках, -слово исключает"), *filters,
        param("page", "query"), param("per_page", "query")], codes=(400, 401))})
    spec.path(path="/search/suggest", operations={"get": op(search, "Подсказки по началу названия", [
        param("q", "query", "string"), param("limit", "query")], codes=(400, 401))})
    spec.path(path="/names/matches", operations={"get": op(names, "Предложенные типовые названия", [
        param("agency", "query"), param("state", "query", "string", "suggested, accepted, rejected, all")],
        codes=(400, 401))})
    spec.path(path="/names/matches/{match_id}/{decision}", operations={"post": op(
        names, "Принять (accept) или отклонить (reject) предложение", [param("match_id"), param("decision", kind="string")],
        write=True)})
    spec.path(path="/names/match", operations={"post": op(names, "Сопоставить названия заново", write=True)})
    spec.path(path="/names/report", operations={"get": op(names, "Доля соответствующих названий по органам")})
    pid, ppid = param("process_id"), param("passport_id")
    spec.path(path="/processes/{process_id}/passports", operations={
        "get": op(passport, "Паспорта процесса", [pid]),
        "post": op(passport, "Новый черновик варианта (variant: as_is, to_be) с содержанием", [pid], "Passport", "201",
                   write=True)})
    spec.path(path="/processes/{process_id}/passports/bpmn", operations={"post": op(
        passport, "Загрузить диаграмму BPMN 2.0 в черновик варианта (тело — XML или файл file)",
        [pid, param("variant", "query", "string"), param("name", "query", "string")], ok="201", write=True)})
    spec.path(path="/passports/{passport_id}", operations={
        "get": op(passport, "Паспорт: шаги, модель данных, потоки, ресурсы, лишние данные", [ppid]),
        "put": op(passport, "Записать содержание черновика целиком", [ppid], "Passport", write=True)})
    spec.path(path="/passports/{passport_id}/approve", operations={"post": op(
        passport, "Утвердить (пользователь органа — владельца процесса)", [ppid], write=True)})
    spec.path(path="/passports/{passport_id}/criteria", operations={"put": op(
        passport, "Чек-лист критериев цифровой трансформации (п. 8.3)", [ppid], "Criteria", write=True)})
    spec.path(path="/passports/{passport_id}/diagram", operations={"get": op(passport, "Диаграмма BPMN", [ppid])})
    spec.path(path="/processes/{process_id}/costs", operations={"get": op(costs, "Стоимость вариантов и эффект", [pid])})
    spec.path(path="/processes/{process_id}/costs/what-if", operations={"post": op(
        costs, "Расчёт «что если»: {вариант: {steps: {N: {...}}, resources, positions, instances_per_year}}", [pid],
        codes=(400, 401, 404))})
    spec.path(path="/processes/{process_id}/costs.xlsx", operations={"get": op(costs, "Расчёт в Excel", [pid])})
    spec.path(path="/positions", operations={"get": op(costs, "Справочник должностей"),
                                             "post": op(costs, "Добавить должность", body="Position", ok="201", write=True)})
    spec.path(path="/positions/{position_id}", operations={"patch": op(
        costs, "Изменить должность", [param("position_id")], "Position", write=True)})
    spec.path(path="/dashboard", operations={"get": op("Показатели", "Показатели региона или органа",
                                                       [param("agency", "query")], codes=(400, 401, 404))})
    rid = param("request_id")
    spec.path(path="/requests", operations={
        "get": op(gate, "Очередь заявок", [param("status", "query", "string"), param("agency", "query"),
                                          param("failing", "query", "string", "код проверки")], codes=(401, 422)),
        "post": op(gate, "Подать черновик заявки", body="SystemRequest", ok="201", write=True)})
    spec.path(path="/requests/{request_id}", operations={
        "get": op(gate, "Заявка с результатами проверок", [rid]),
        "patch": op(gate, "Изменить черновик или возвращённую заявку", [rid], "SystemRequest", write=True)})
    for step, summary, body in (("submit", "Подать: выполнить проверки", None),
                                ("conclusion", "Заключение процессного офиса", "Conclusion"),
                                ("decision", "Решение: approved, rejected, returned", "Decision"),
                                ("recheck", "Проверить заново", None)):
        spec.path(path=f"/requests/{{request_id}}/{step}", operations={"post": op(gate, summary, [rid], body, write=True)})
    spec.path(path="/requests/{request_id}/history", operations={"get": op(gate, "История заявки", [rid])})
