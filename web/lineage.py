"""Pages of the graph: lineage with a picture and a table, impact, and the architect's reports."""
from __future__ import annotations

from pathlib import Path

import pyvis
from flask import Blueprint, render_template, request, send_from_directory
from pyvis.network import Network

from catalog.enums import LinkType
from catalog.graph.model import EDGE_TYPES
from catalog.kinds import KINDS
from catalog.services import lineage
from web import context
from web.api import KIND_PATH, graph_json

bp = Blueprint("lineage", __name__)

VIS_DIR = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"

# How each kind is drawn: colour and vis-network shape (shapes that keep the label outside).
STYLE = {
    "processes": ("#0b5cab", "dot"), "services": ("#6a9fd8", "dot"), "agencies": ("#6b4f9e", "hexagon"),
    "life-situations": ("#c1467a", "star"), "datasets": ("#2e8b57", "diamond"), "entities": ("#5fa777", "dot"),
    "attributes": ("#8fc29e", "dot"), "systems": ("#d9822b", "square"), "marts": ("#b8860b", "triangle"),
    "acts": ("#777777", "triangleDown"), "document-types": ("#999999", "triangleDown"),
    "typical-processes": ("#3a9bb5", "dot"), "process-groups": ("#3a9bb5", "dot"), "people": ("#aaaaaa", "dot"),
}
SHAPE_NAMES = {"dot": "●", "hexagon": "⬢", "star": "★", "diamond": "◆", "square": "■", "triangle": "▲",
               "triangleDown": "▼"}
EDGE_LABELS = {**{t.value: t.label for t in LinkType}, "OWNED_BY": "владелец", "PART_OF": "часть услуги",
               "TYPICAL_OF": "типовой процесс", "IN_GROUP": "группа", "PROVIDED_BY": "предоставляет",
               "CONTAINS": "содержит", "HAS": "атрибут", "OPERATED_BY": "оператор", "HOSTED_BY": "размещена в",
               "SUBORDINATE_TO": "подчинён"}


@bp.get("/vendor/vis/<path:name>")
def vis_asset(name):
    """vis-network, as shipped in the pyvis package: served by the app, never from a CDN."""
    return send_from_directory(VIS_DIR, name, max_age=86400)


def picture(*answers) -> dict:
    """Nodes and edges for vis-network, built with pyvis, of one lineage answer or several drawn together.

    Titles stay plain text (never HTML)."""
    net = Network(directed=True, cdn_resources="local")
    roots = {answer.root for answer in answers}
    drawn = set()
    for answer in answers:
        for node, distance in answer.subgraph.nodes.items():
            if node in drawn:
                continue
            drawn.add(node)
            kind = node.split(":")[0]
            record = answer.record(node)
            colour, shape = STYLE.get(kind, ("#999999", "dot"))
            title = record.title if record else node
            label = title if len(title) <= 40 else title[:38] + "…"
            net.add_node(node, label=label, title=f"{KINDS[kind].label_one}: {title}", color=colour, shape=shape,
                         size=22 if node in roots else 12, borderWidth=3 if node in roots else 1,
                         level=distance, kind=kind)
    seen_edges = set()
    for answer in answers:
        for edge in answer.subgraph.edges.values():
            if edge.uid in seen_edges:
                continue
            seen_edges.add(edge.uid)
            net.add_edge(edge.source, edge.target, title=EDGE_LABELS.get(edge.edge_type, edge.edge_type),
                         dashes=edge.transport in ("paper", "manual"), id=edge.uid)
    return {"nodes": net.nodes, "edges": net.edges}


@bp.get(f"/lineage/{KIND_PATH}/<int:record_id>")
def lineage_page(kind_name, record_id):
    ctx = context()
    direction = request.args.get("direction", "both")
    depth = request.args.get("depth", lineage.DEFAULT_DEPTH)
    edge_types = request.args.getlist("edge_types") or None
    answer = lineage.lineage(ctx, kind_name, record_id, direction, depth, edge_types)
    systems = lineage.process_systems(ctx, record_id)[0] if kind_name == "processes" else []
    data = graph_json(answer)
    return render_template(
        "lineage.html", kind=KINDS[kind_name], answer=answer, data=data, picture=picture(answer),
        direction=direction, depth=int(depth), edge_types=edge_types or [], all_edge_types=sorted(EDGE_TYPES),
        edge_labels=EDGE_LABELS, systems=systems, max_depth=ctx.settings.graph_max_depth, styles=STYLE,
        shape_names=SHAPE_NAMES, kinds_drawn=sorted({n["kind"] for n in data["nodes"]}),
    )


@bp.get(f"/impact/{KIND_PATH}/<int:record_id>")
def impact_page(kind_name, record_id):
    answer, grouped = lineage.impact(context(), kind_name, record_id)
    return render_template("impact.html", kind=KINDS[kind_name], answer=answer, grouped=grouped)


@bp.get("/reports/")
def reports_page():
    ctx = context()
    return render_template(
        "reports.html", hand_typed=lineage.hand_typed_duplicates(ctx), paper=lineage.paper_requests(ctx),
        duplicated=lineage.duplicated_systems(ctx, request.args.get("include_federal") == "1"),
    )
