"""The OpenAPI 3 document of /api/v1, built from the same schemas that validate the input."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from catalog.kinds import KINDS
from catalog.schemas import ChangeEventSchema, StatusTransitionSchema

ERROR = {
    "type": "object",
    "required": ["error", "fields"],
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


ERROR_NAMES = {
    400: "Тело запроса не разобрано: не JSON, не UTF-8 или слишком глубокая вложенность",
    401: "Нужен вход или токен API", 403: "Недостаточно прав",
    404: "Запись не найдена", 409: "Версия устарела или действие не подходит к состоянию записи",
    413: "Слишком большой запрос",
    422: "Данные или параметры запроса не прошли проверку (fields называет каждый)",
    503: "Нужная часть каталога (индекс поиска, сервер графа) недоступна или занята",
}


def _errors(*codes: int) -> dict:
    return {str(code): _response(ERROR_NAMES[code], {"$ref": "#/components/schemas/Error"}) for code in codes}


SAFE = {"get", "head", "options"}
# POSTs that only read (web/api.py READ_ONLY_POSTS): no 403 for readers.
READ_ONLY_POSTS = {("/sparql", "post"), ("/processes/{process_id}/costs/what-if", "post")}


def _complete(document: dict) -> dict:
    """The errors every operation can answer, added in one place so no operation forgets one.

    Any operation: 401 (a bad token), 503; path parameters: 404 and 422 (out of range); query
    parameters: 422; a body: 400 and 422; a change: 401, 403, 409, 422; every error is the Error shape."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = operation.get("parameters", [])
            codes = {401, 503}
            if any(p.get("in") == "path" for p in params):
                codes |= {404, 422}
            if any(p.get("in") == "query" for p in params):
                codes.add(422)
            if "requestBody" in operation:
                codes |= {400, 413, 422}
            if method not in SAFE and (path, method) not in READ_ONLY_POSTS:
                codes |= {403, 409, 422}
                operation.setdefault("security", [{"token": []}])
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                existing = responses.get(str(code))
                if existing is None or "content" not in existing:
                    responses[str(code)] = _response(existing["description"] if existing else ERROR_NAMES[code],
                                                     {"$ref": "#/components/schemas/Error"})
            for code, answer in responses.items():
                if code.startswith("2") and "content" not in answer and code != "204":
                    answer["content"] = {"application/json": {"schema": {"type": "object"}}}
                elif code[0] in "45" and "content" not in answer:  # 429, 503 a view documents by description only
                    answer["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return document


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
                "put": {
                    "tags": [tag], "summary": "То же, что PATCH (передаются только меняемые поля и version)",
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
    spec.path(path="/processes/{process_id}/runs", operations={"get": {
        "tags": [KINDS["processes"].label], "summary": "Запуски процесса по событиям OpenLineage",
        "parameters": [{"name": "process_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
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
    _graph_paths(spec)
    return _complete(spec.to_dict())


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
    spec.path(path="/search/misses", operations={"get": op(
        search, "Запросы, по которым не нашлось ничего или мало (процессный офис)", [param("limit", "query")],
        codes=(400, 401, 403))})
    spec.path(path="/search/thesaurus", operations={"get": op(
        search, "Записи тезауруса, добавленные процессным офисом, с историей", codes=(401,))})
    spec.path(path="/names/matches", operations={"get": op(names, "Предложенные типовые названия", [
        param("agency", "query"), param("state", "query", "string", "suggested, accepted, rejected, all")],
        codes=(400, 401))})
    spec.path(path="/names/matches/{match_id}/{decision}", operations={"post": op(
        names, "Принять (accept) или отклонить (reject) предложение", [param("match_id"), {**param("decision", kind="string"), "schema": {"type": "string", "enum": ["accept", "reject"]}}],
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
    diagram = op(passport, "Диаграмма BPMN (файл, как загружен; 422 — у паспорта нет диаграммы)", [ppid], codes=(401, 404, 422))
    diagram["responses"]["200"] = {"description": "Файл BPMN", "content": {
        media: {"schema": {"type": "string", "format": "binary"}} for media in ("application/xml", "application/octet-stream")}}
    spec.path(path="/passports/{passport_id}/diagram", operations={"get": diagram})
    spec.path(path="/processes/{process_id}/costs", operations={"get": op(costs, "Стоимость вариантов и эффект", [pid])})
    spec.path(path="/processes/{process_id}/costs/what-if", operations={"post": op(
        costs, "Расчёт «что если»: {вариант: {steps: {N: {...}}, resources, positions, instances_per_year}}", [pid],
        codes=(400, 401, 404))})
    xlsx = op(costs, "Расчёт в Excel", [pid])
    xlsx["responses"]["200"] = {"description": "Книга Excel", "content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}}
    spec.path(path="/processes/{process_id}/costs.xlsx", operations={"get": xlsx})
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


def _graph_paths(spec: APISpec) -> None:
    """Lineage, impact, the architect's reports, the table imports and the document itself."""
    kinds = list(KINDS)
    kind = {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": kinds}}
    record_id = {"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    depth = {"name": "depth", "in": "query", "schema": {"type": "integer", "minimum": 1},
             "description": "Глубина обхода (не больше CATALOG_GRAPH_MAX_DEPTH)"}
    node = {"type": "object", "properties": {
        "uid": {"type": "string"}, "kind": {"type": "string"}, "id": {"type": "integer"},
        "title": {"type": "string", "nullable": True}, "deleted": {"type": "boolean"},
        "distance": {"type": "integer"}}}
    edge = {"type": "object", "properties": {
        "uid": {"type": "string"}, "type": {"type": "string"}, "source": {"type": "string"},
        "target": {"type": "string"}, "transport": {"type": "string", "nullable": True},
        "frequency": {"type": "string", "nullable": True}}}
    spec.components.schema("Graph", {"type": "object", "properties": {
        "root": {"type": "string"}, "backend": {"type": "string"}, "notice": {"type": "string", "nullable": True},
        "truncated": {"type": "boolean"}, "nodes": {"type": "array", "items": node},
        "edges": {"type": "array", "items": edge}}})
    graph, tag = {"$ref": "#/components/schemas/Graph"}, "Связи и влияние"
    items = {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}}
    spec.path(path="/lineage/{kind}/{record_id}", operations={"get": {
        "tags": [tag], "summary": "Происхождение данных: вверх (upstream), вниз (downstream) или в обе стороны",
        "parameters": [kind, record_id,
                       {"name": "direction", "in": "query",
                        "schema": {"type": "string", "enum": ["upstream", "downstream", "both"]}},
                       depth, {"name": "edge_types", "in": "query", "description": "Типы связей через запятую",
                               "schema": {"type": "string"}}],
        "responses": {"200": _response("Граф", graph)}}})
    spec.path(path="/impact/{kind}/{record_id}", operations={"get": {
        "tags": [tag], "summary": "Что зависит от системы, витрины или набора данных",
        "parameters": [kind, record_id, depth],
        "responses": {"200": _response("Процессы, услуги, органы, жизненные ситуации по видам", {"type": "object"})}}})
    spec.path(path="/processes/{record_id}/systems", operations={"get": {
        "tags": [tag], "summary": "Системы и витрины, которыми пользуется процесс, с путём связей",
        "parameters": [record_id],
        "responses": {"200": _response("Системы и витрины", {"type": "object", "properties": {
            "notice": {"type": "string", "nullable": True}, "items": {"type": "array", "items": {"type": "object"}}}})}}})
    for name, summary, params in (
            ("hand-typed", "Данные, которые хранятся в нескольких системах или вводятся вручную", []),
            ("paper-requests", "Бумажные запросы данных, которые уже есть в витрине", []),
            ("duplicated-systems", "Системы, автоматизирующие одни и те же типовые процессы",
             [{"name": "include_federal", "in": "query", "schema": {"type": "boolean"}}])):
        spec.path(path=f"/reports/{name}", operations={"get": {
            "tags": [tag], "summary": summary, "parameters": params, "responses": {"200": _response("Строки", items)}}})
    spec.path(path="/imports/{kind}", operations={"post": {
        "tags": ["Загрузка"], "summary": "Загрузить реестр или справочник из Excel или CSV (отчёт; 422 — отказано целиком)",
        "parameters": [{"name": "kind", "in": "path", "required": True, "schema": {
            "type": "string", "enum": ["register", "typical", "systems", "marts", "datasets"]}}],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary"}, "agency": {"type": "string"},
                "dry_run": {"type": "boolean"}, "partial": {"type": "boolean"}}}}}},
        "responses": {"200": _response("Отчёт загрузки", {"type": "object"}),
                      "202": _response("Большой файл загружается в фоне: Location — адрес задания", {"type": "object"}),
                      "422": _response("Файл отклонён целиком (отчёт) или неверный параметр", {"type": "object"})}}})
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    spec.path(path="/imports/jobs/{job_id}", operations={"get": {
        "tags": ["Загрузка"], "summary": "Фоновая загрузка: состояние, сколько строк сделано, отчёт по окончании",
        "parameters": [job_id], "responses": {"200": _response("Задание", {"type": "object"})}}})
    spec.path(path="/imports/jobs/{job_id}/cancel", operations={"post": {
        "tags": ["Загрузка"], "summary": "Отменить фоновую загрузку (ничего не записывается)",
        "parameters": [job_id], "responses": {"200": _response("Задание", {"type": "object"}),
                                              "202": _response("Отмена принята", {"type": "object"})}}})
    spec.path(path="/openapi.json", operations={"get": {
        "tags": ["Документ API"], "summary": "Этот документ OpenAPI 3",
        "responses": {"200": _response("Документ", {"type": "object"})}}})
    spec.path(path="/docs", operations={"get": {
        "tags": ["Документ API"], "summary": "Страница документа API",
        "responses": {"200": {"description": "Страница", "content": {"text/html": {"schema": {"type": "string"}}}}}}})
