"""Pages of the graph: lineage with a picture and a table, impact, and the architect's reports."""
from __future__ import annotations

from pathlib import Path

import pyvis
from flask import Blueprint, Response, render_template, request, send_from_directory, url_for
from pyvis.network import Network

from catalog.graph.model import EDGE_TYPES
from catalog.kinds import KINDS
from catalog.services import consistency, lineage
from web import context
from web.api.records import KIND_PATH
from web.inputs import int_arg
from web.security import as_download
from web.pages.helpers import record_url

bp = Blueprint("lineage", __name__)

TABLE_PAGE = 50

VIS_DIR = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"

# How each kind is drawn: colour and vis-network shape (shapes that keep the label outside).
STYLE = {
    "processes": ("#0b5cab", "dot"), "services": ("#6a9fd8", "dot"), "agencies": ("#6b4f9e", "hexagon"),
    "life-situations": ("#c1467a", "star"), "datasets": ("#2e8b57", "diamond"), "entities": ("#5fa777", "dot"),
    "attributes": ("#8fc29e", "dot"), "systems": ("#d9822b", "square"), "marts": ("#b8860b", "triangle"),
    "acts": ("#777777", "triangleDown"), "document-types": ("#999999", "triangleDown"),
    "typical-processes": ("#3a9bb5", "dot"), "process-groups": ("#3a9bb5", "dot"), "people": ("#aaaaaa", "dot"),
}
EDGE_LABELS = lineage.EDGE_LABELS


@bp.get("/vendor/vis/<path:name>")
def vis_asset(name):
    """vis-network, as shipped in the pyvis package: served by the app, never from a CDN."""
    return send_from_directory(VIS_DIR, name, max_age=86400)


def picture(*answers) -> dict:
    """Nodes and edges for vis-network, built with pyvis, of one lineage answer or several drawn together
    (the system request's page; the lineage page draws columns from :func:`picture_json`).

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
    return {"nodes": net.nodes, "edges": net.edges, "labels": EDGE_LABELS}


def _picture_question() -> dict:
    return {"direction": request.args.get("direction") or None, "depth": request.args.get("depth") or None,
            "edge_types": request.args.getlist("edge_types") or None, "opened": request.args.getlist("open"),
            "expanded": request.args.getlist("expand")}


def picture_json(found: lineage.Picture) -> dict:
    """The layered picture as the page's script draws it: columns, records or groups, Russian edge texts."""
    return {
        "root": found.answer.root, "direction": found.direction, "depth": found.depth,
        "levels": found.levels, "truncated": found.answer.subgraph.truncated, "notice": found.answer.notice,
        "opened": found.opened, "expanded": found.expanded, "allEdgeTypes": sorted(EDGE_TYPES),
        "nodes": [{
            "uid": n.uid, "kind": n.kind, "kind_label": KINDS[n.kind].label_one, "level": n.level, "title": n.title,
            "agency": n.agency, "status": n.status, "deleted": n.deleted, "count": len(n.members),
            "group": n.group, "expanded": n.expanded, "colour": STYLE.get(n.kind, ("#999999",))[0],
            "url": None if n.is_cluster else record_url(n.kind, int(n.uid.split(":")[1])),
        } for n in found.nodes],
        "edges": [{"source": e.source, "target": e.target, "type": e.edge_type,
                   "label": lineage.edge_label(e.edge_type), "text": e.text, "dashed": e.dashed, "count": e.count}
                  for e in found.edges],
    }


def _page_url(**changes) -> str:
    """This page's address with some parameters changed, lists (open, expand, edge_types) kept as lists."""
    args = {key: request.args.getlist(key) for key in request.args}
    args.update({key: [str(value)] for key, value in changes.items()})
    return url_for(request.endpoint, **request.view_args, **args)


def _paged(items: list, name: str) -> tuple[list, int, int]:
    pages = max(1, -(-len(items) // TABLE_PAGE))
    number = min(int_arg(name, 1, 1, 100_000), pages)
    return items[(number - 1) * TABLE_PAGE:number * TABLE_PAGE], number, pages


@bp.get(f"/lineage/{KIND_PATH}/<int:record_id>")
def lineage_page(kind_name, record_id):
    ctx = context()
    found = lineage.picture(ctx, kind_name, record_id, **_picture_question())
    answer = found.answer
    systems = lineage.process_systems(ctx, record_id)[0] if kind_name == "processes" else []
    records = sorted(answer.subgraph.nodes.items(), key=lambda item: (item[1], item[0]))
    rows, page, pages = _paged(records, "page")
    links, links_page, links_pages = _paged(sorted(answer.subgraph.edges.values(), key=lambda e: e.uid),
                                            "links_page")
    drawn = picture_json(found)
    return render_template(
        "lineage.html", kind=KINDS[kind_name], answer=answer, found=found, drawn=drawn,
        direction=found.direction, depth=found.depth, edge_types=request.args.getlist("edge_types"),
        all_edge_types=sorted(EDGE_TYPES, key=lambda t: EDGE_LABELS.get(t, t)), edge_labels=EDGE_LABELS,
        systems=systems, max_depth=ctx.settings.graph_max_depth, styles=STYLE,
        kinds_drawn=sorted({n.kind for n in found.nodes}, key=lambda k: KINDS[k].label_one),
        rows=rows, page=page, pages=pages, links=links, links_page=links_page, links_pages=links_pages,
        page_url=_page_url, counted=lineage.counted, edge_ends=lineage.edge_ends,
    )


@bp.get(f"/impact/{KIND_PATH}/<int:record_id>")
def impact_page(kind_name, record_id):
    ctx = context()
    found = lineage.impact(ctx, kind_name, record_id, request.args.get("depth") or None)
    return render_template("impact.html", kind=KINDS[kind_name], found=found, answer=found.answer,
                           max_depth=ctx.settings.graph_max_depth, counted=lineage.counted)


@bp.get(f"/impact/{KIND_PATH}/<int:record_id>.<any(csv,xlsx):fmt>")
def impact_export(kind_name, record_id, fmt):
    """The impact table as a file: the same rows as the page, cells that never run as formulas."""
    found = lineage.impact(context(), kind_name, record_id, request.args.get("depth") or None)
    name = f"impact-{kind_name}-{record_id}-depth-{found.depth}.{fmt}"
    if fmt == "csv":
        response = Response(lineage.impact_csv(found).encode("utf-8"), mimetype="text/csv")
    else:
        response = Response(lineage.impact_xlsx(found),
                            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return as_download(response, name)


@bp.get("/reports/")
def reports_page():
    ctx = context()
    return render_template(
        "reports.html", hand_typed=lineage.hand_typed_duplicates(ctx), paper=lineage.paper_requests(ctx),
        duplicated=lineage.duplicated_systems(ctx, request.args.get("include_federal") == "1"),
        register_rules=consistency.violations(ctx),
    )


@bp.get("/lineage/data")
def data_usage_page():
    """«Кто и где использует СНИЛС»: the attributes holding the data and who stores, exposes, reads and writes them."""
    from catalog.enums import PersonalData
    from catalog.services import data_usage

    query = (request.args.get("q") or "").strip()
    found = data_usage.data_usage(context(), query) if query else None
    return render_template("data_usage.html", query=query, found=found, roles_text=data_usage.roles_text,
                           counted=lineage.counted, pd_label=PersonalData.label_of)
