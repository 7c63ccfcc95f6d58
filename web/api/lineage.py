"""The graph: lineage of a record, what depends on it (impact), a process's systems and the architect's reports."""
from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields, validate

from catalog.graph.model import DIRECTIONS
from catalog.services import lineage
from web import context
from web.api.base import Blueprint, Flag, QueryArgs, bounded
from web.api.records import KIND_PATH

blp = Blueprint("lineage_api", __name__, tag="Связи и влияние")


class NodeSchema(Schema):
    uid = fields.String()
    kind = fields.String()
    id = fields.Integer()
    title = fields.String(allow_none=True)
    deleted = fields.Boolean()
    distance = fields.Integer()


class EdgeSchema(Schema):
    uid = fields.String()
    type = fields.String()
    source = fields.String()
    target = fields.String()
    transport = fields.String(allow_none=True)
    frequency = fields.String(allow_none=True)


class GraphSchema(Schema):
    root = fields.String()
    backend = fields.String()
    notice = fields.String(allow_none=True)
    truncated = fields.Boolean()
    nodes = fields.List(fields.Nested(NodeSchema))
    edges = fields.List(fields.Nested(EdgeSchema))


DEPTH = {"description": "Глубина обхода (не больше CATALOG_GRAPH_MAX_DEPTH)"}


class LineageArgs(QueryArgs):
    direction = fields.String(load_default="both", validate=validate.OneOf(DIRECTIONS, error="Допустимо: upstream, downstream, both."),
                              metadata={"description": "upstream — откуда данные, downstream — куда, both — оба"})
    depth = bounded(load_default=lineage.DEFAULT_DEPTH, metadata=DEPTH)
    edge_types = fields.String(load_default=None, metadata={"description": "Типы связей через запятую"})


class ImpactArgs(QueryArgs):
    depth = bounded(load_default=None, metadata=DEPTH)


class FederalArgs(QueryArgs):
    include_federal = Flag(metadata={"description": "С федеральными системами"})


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


@blp.get(f"/lineage/{KIND_PATH}/<int:record_id>")
@blp.query(LineageArgs)
@blp.response(200, GraphSchema, description="Граф")
@blp.doc(summary="Происхождение данных: вверх (upstream), вниз (downstream) или в обе стороны")
def lineage_view(args, kind_name, record_id):
    answer = lineage.lineage(context(), kind_name, record_id, args["direction"], args["depth"], args["edge_types"])
    return jsonify(graph_json(answer))


@blp.get("/processes/<int:record_id>/systems")
@blp.response(200, description="Системы и витрины: notice и items (role, kind, id, title, path)")
@blp.doc(summary="Системы и витрины, которыми пользуется процесс, с путём связей")
def process_systems_view(record_id):
    uses, _records, notice = lineage.process_systems(context(), record_id)
    return jsonify(notice=notice, items=[
        {"role": u.role, "kind": u.kind, "id": u.record.id, "title": u.record.title,
         "path": [_edge_json(e) for e in u.path]} for u in uses])


@blp.get(f"/impact/{KIND_PATH}/<int:record_id>")
@blp.query(ImpactArgs)
@blp.response(200, description="Затронутые записи с органом, путём и числом связей (rows); они же по видам")
@blp.doc(summary="Что зависит от системы, витрины или набора данных")
def impact_view(args, kind_name, record_id):
    found = lineage.impact(context(), kind_name, record_id, args["depth"])
    answer = found.answer
    return jsonify(root=answer.root, backend=answer.backend, notice=answer.notice,
                   truncated=answer.subgraph.truncated, depth=found.depth,
                   rows=[{"kind": r.kind, "id": r.record.id, "title": r.record.title, "agency": r.agency,
                          "distance": r.distance, "path": [{"kind": k, "title": t} for k, t in r.path],
                          "path_text": r.path_text} for r in found.rows],
                   **{kind.replace("-", "_"): [{"id": r.record.id, "title": r.record.title, "agency": r.agency,
                                                "distance": r.distance} for r in items]
                      for kind, items in found.by_kind().items()})


class PictureArgs(QueryArgs):
    direction = fields.String(load_default=None, validate=validate.OneOf(DIRECTIONS, error="Допустимо: upstream, downstream, both."),
                              metadata={"description": "По умолчанию: процессы — upstream, системы и витрины — downstream"})
    depth = bounded(load_default=None, metadata=DEPTH)
    edge_types = fields.List(fields.String(), load_default=None, metadata={"description": "Типы связей"})
    open = fields.List(fields.String(), load_default=list, metadata={"description": "Раскрытые группы (cluster:…)"})
    expand = fields.List(fields.String(), load_default=list,
                         metadata={"description": "Записи, чьи связи раскрыты (вид:номер)"})


@blp.get(f"/lineage/{KIND_PATH}/<int:record_id>/picture")
@blp.query(PictureArgs)
@blp.response(200, description="Столбцы, записи и группы, связи")
@blp.doc(summary="Схема происхождения по столбцам: записи и группы, связи с подписями по-русски")
def picture_view(args, kind_name, record_id):
    """The layered picture with some groups opened and records expanded: what the page redraws from."""
    from web.pages.lineage import picture_json

    found = lineage.picture(context(), kind_name, record_id, direction=args["direction"], depth=args["depth"],
                            edge_types=args["edge_types"] or None, opened=args["open"], expanded=args["expand"])
    return jsonify(picture_json(found))


ROWS = "Строки отчёта (items)"


@blp.get("/reports/hand-typed")
@blp.response(200, description=ROWS)
@blp.doc(summary="Данные, которые хранятся в нескольких системах или вводятся вручную")
def hand_typed_view():
    return jsonify(items=[{
        "kind": h.kind, "id": h.record.id, "title": h.record.title,
        "systems": [{"id": s.id, "title": s.title} for s in h.systems],
        "manual_processes": [{"id": p.id, "title": p.title} for p in h.manual_processes],
        "exposed_by": [{"id": m.id, "title": m.title} for m in h.exposed_by],
    } for h in lineage.hand_typed_duplicates(context())])


@blp.get("/reports/paper-requests")
@blp.response(200, description=ROWS)
@blp.doc(summary="Бумажные запросы данных, которые уже есть в витрине")
def paper_requests_view():
    return jsonify(items=[{
        "process": {"id": r.process.id, "title": r.process.title, "registry_id": r.process.registry_id},
        "data": {"kind": r.link.target_kind, "id": r.data.id, "title": r.data.title},
        "marts": [{"id": m.id, "title": m.title} for m in r.marts], "link_id": r.link.id,
    } for r in lineage.paper_requests(context())])


@blp.get("/reports/duplicated-systems")
@blp.query(FederalArgs)
@blp.response(200, description=ROWS)
@blp.doc(summary="Системы, автоматизирующие одни и те же типовые процессы")
def duplicated_systems_view(args):
    return jsonify(items=[{
        "typical_process": {"id": d.typical.id, "title": d.typical.name},
        "systems": [{"id": s.id, "title": s.title, "stage": s.stage} for s in d.systems],
        "processes": [{"id": p.id, "title": p.title} for p in d.processes],
    } for d in lineage.duplicated_systems(context(), args["include_federal"])])


class DataUsageArgs(QueryArgs):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200),
                      metadata={"description": "Данные: наименование, код или описание атрибута («СНИЛС»)"})


class _Ref(Schema):
    id = fields.Integer()
    name = fields.String()


class UsedAttributeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String(allow_none=True)
    entity = fields.Nested(_Ref)
    dataset = fields.Nested(_Ref)
    pd_category = fields.String(allow_none=True)
    derived = fields.List(fields.Integer(), metadata={"description": "Атрибуты, полученные из этого"})
    derived_from = fields.List(fields.Integer(), metadata={"description": "Атрибуты, из которых получен этот"})


class UseSchema(Schema):
    kind = fields.String()
    id = fields.Integer()
    title = fields.String()
    roles = fields.List(fields.String(), metadata={"description": "хранит, предоставляет, читает, записывает…"})
    attribute_ids = fields.List(fields.Integer())
    via = fields.List(fields.String(), metadata={"description": "атрибут, сущность, набор данных, шаг паспорта"})


class StepUseSchema(Schema):
    process_id = fields.Integer()
    passport_id = fields.Integer()
    step = fields.String()
    position = fields.Integer()
    role = fields.String()
    attribute_id = fields.Integer()


class DataUsageSchema(Schema):
    query = fields.String()
    truncated = fields.Boolean()
    attributes = fields.List(fields.Nested(UsedAttributeSchema))
    systems = fields.List(fields.Nested(UseSchema))
    marts = fields.List(fields.Nested(UseSchema))
    processes = fields.List(fields.Nested(UseSchema))
    steps = fields.List(fields.Nested(StepUseSchema))
    agencies = fields.List(fields.Nested(UseSchema))


@blp.get("/lineage/data")
@blp.query(DataUsageArgs)
@blp.response(200, DataUsageSchema, description="Атрибуты, системы, витрины, процессы и шаги, органы")
@blp.doc(summary="Кто и где использует данные (например, СНИЛС)")
def data_usage_view(args):
    from catalog.services import data_usage

    return data_usage.to_dict(data_usage.data_usage(context(), args["q"]))
