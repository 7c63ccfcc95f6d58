"""Records of every kind (/processes, /datasets, …): list, create, read, change, delete, restore,
history and links; one set of routes per kind, each documented with that kind's schema."""
from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, ValidationError, fields

from catalog.errors import BadParameter
from catalog.kinds import KINDS
from catalog.schemas import ChangeEventSchema, StatusTransitionSchema
from catalog.schemas.base import Int, Text
from catalog.services import records
from web import context
from web.api.base import Blueprint, Flag, PageArgs, QueryArgs, optional_copy
from web.inputs import change_version, json_body, versioned_body

blp = Blueprint("records_api", __name__, tag="Записи каталога")

# A URL part that matches only known resource names, so anything else is a plain 404 (lineage, impact, pages).
KIND_PATH = "<any(" + ",".join(f'"{name}"' for name in KINDS) + "):kind_name>"


def list_filters(kind_name: str, args) -> dict:
    """Typed filters from a page's query parameters, each checked by its schema field."""
    filters, errors = {}, {}
    for name, field in records.filterable_fields(KINDS[kind_name]).items():
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


def _list_args(kind) -> type[Schema]:
    """The list's parameters: paging, words, deleted records and a filter by each filterable field."""
    return PageArgs.from_dict({
        "q": Text(load_default=None, metadata={"description": "Часть наименования или кода"}),
        "include_deleted": Flag(metadata={"description": "С удалёнными"}),
        "deleted": Flag(metadata={"description": "Только удалённые"}),
        **{name: optional_copy(field) for name, field in kind.schema._declared_fields.items()
           if field.metadata.get("filter")},
    }, name=f"{kind.schema.__name__.removesuffix('Schema')}ListArgs")


def _page_schema(kind) -> type[Schema]:
    return Schema.from_dict({"items": fields.List(fields.Nested(kind.schema)), "total": Int(), "page": Int(),
                             "per_page": Int(), "pages": Int()},
                            name=f"{kind.schema.__name__.removesuffix('Schema')}Page")


class VersionArgs(QueryArgs):
    version = Int(load_default=None, metadata={"description": "Версия, которую вы читали (или If-Match)"})


class DeleteArgs(VersionArgs):
    # Kemerovo register rules 3.3: when the deletion arose (by default today); the server keeps when it was entered.
    change_arose_on = fields.String(load_default=None, metadata={"description": "Когда возникло изменение (ГГГГ-ММ-ДД)"})


EventList = Schema.from_dict({"items": fields.List(fields.Nested(ChangeEventSchema))}, name="ChangeEventList")


def _link_json(item, link_schema) -> dict:
    return {**link_schema.dump(item.link),
            "other": {"kind": item.other_kind, "id": item.other.id if item.other else None,
                      "title": item.other.title if item.other else None, "deleted": item.other_deleted}}


def _kind_routes(kind) -> None:
    name, schema = kind.name, kind.schema
    base, item = f"/{name}", f"/{name}/<int:record_id>"

    @blp.route(base, endpoint=f"{name}_list", tags=[kind.label])
    @blp.query(_list_args(kind))
    @blp.response(200, _page_schema(kind), description="Страница записей")
    @blp.doc(summary=f"Список: {kind.label.lower()}")
    def list_view(args):
        filters = {key: args[key] for key in records.filterable_fields(kind) if args.get(key) is not None}
        page = records.list_records(context(), name, filters=filters, q=args["q"], page=args["page"],
                                    per_page=args["per_page"], include_deleted=args["include_deleted"],
                                    only_deleted=args["deleted"])
        return jsonify(items=kind.dump_schema(many=True).dump(page.items), total=page.total, page=page.page,
                       per_page=page.per_page, pages=page.pages)

    @blp.route(base, endpoint=f"{name}_create", methods=["POST"], tags=[kind.label])
    @blp.body(schema)
    @blp.response(201, schema, description="Создано")
    @blp.doc(summary=f"Создать: {kind.label_one}")
    def create_view():
        record = records.create_record(context(), name, json_body())
        response = jsonify(records.dump_record(name, record))
        response.status_code = 201
        response.headers["Location"] = f"{blp.url_prefix}/{name}/{record.id}"
        return response

    @blp.route(item, endpoint=f"{name}_read", tags=[kind.label])
    @blp.response(200, schema, description="Запись")
    @blp.doc(summary="Прочитать")
    def read_view(record_id):
        record = records.get_record(context(), name, record_id)
        response = jsonify(records.dump_record(name, record))
        response.headers["ETag"] = f'"{record.version}"'
        return response

    @blp.route(item, endpoint=f"{name}_update", methods=["PATCH", "PUT"], tags=[kind.label])
    @blp.body(schema)
    @blp.response(200, schema, description="Изменено")
    @blp.doc(summary="Изменить (передайте version, которую вы читали; PUT — то же, что PATCH)")
    def update_view(record_id):
        record = records.update_record(context(), name, record_id, versioned_body())
        return jsonify(records.dump_record(name, record))

    @blp.route(item, endpoint=f"{name}_delete", methods=["DELETE"], tags=[kind.label])
    @blp.query(DeleteArgs)
    @blp.response(200, schema, description="Удалено")
    @blp.doc(summary="Удалить (мягко, можно восстановить)")
    def delete_view(args, record_id):
        record = records.delete_record(context(), name, record_id, version=change_version(required=False),
                                       arose_on=args.get("change_arose_on"))
        return jsonify(records.dump_record(name, record))

    @blp.route(f"{item}/restore", endpoint=f"{name}_restore", methods=["POST"], tags=[kind.label])
    @blp.query(VersionArgs)
    @blp.response(200, schema, description="Восстановлено")
    @blp.doc(summary="Восстановить удалённую запись")
    def restore_view(_args, record_id):
        record = records.restore_record(context(), name, record_id, version=change_version(required=False))
        return jsonify(records.dump_record(name, record))

    @blp.route(f"{item}/history", endpoint=f"{name}_history", tags=[kind.label])
    @blp.response(200, EventList, description="События")
    @blp.doc(summary="История изменений")
    def history_view(record_id):
        events = records.record_history(context(), name, record_id)
        return jsonify(items=ChangeEventSchema(many=True).dump(events))

    @blp.route(f"{item}/links", endpoint=f"{name}_links", tags=[kind.label])
    @blp.response(200, description="Связи: outgoing и incoming, у каждой other — запись на другом конце")
    @blp.doc(summary="Связи записи (исходящие и входящие)")
    def links_view(record_id):
        ctx = context()
        records.get_record(ctx, name, record_id)
        outgoing, incoming = records.links_of(ctx, name, record_id)
        link_schema = KINDS["links"].dump_schema()
        return jsonify(outgoing=[_link_json(i, link_schema) for i in outgoing],
                       incoming=[_link_json(i, link_schema) for i in incoming])


for _kind in KINDS.values():
    _kind_routes(_kind)


@blp.route("/processes/<int:record_id>/status-history", tags=[KINDS["processes"].label])
@blp.response(200, Schema.from_dict({"items": fields.List(fields.Nested(StatusTransitionSchema))},
                                    name="StatusTransitionList"), description="Переходы")
@blp.doc(summary="История статусов реинжиниринга")
def status_history_view(record_id):
    transitions = records.status_transitions(context(), record_id)
    return jsonify(items=StatusTransitionSchema(many=True).dump(transitions))
