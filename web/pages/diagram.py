"""A BPMN diagram drawn as SVG from its own layout (BPMN DI), so the passport page shows it with
nothing loaded from elsewhere. Shapes: tasks as rounded boxes, events as circles, gateways as
diamonds, pools and lanes as frames; flows as the polylines the modeller saved."""
from __future__ import annotations

import math

from defusedxml import ElementTree as SafeET
from markupsafe import Markup, escape

DC = "http://www.omg.org/spec/DD/20100524/DC"
MAX_NODES = 2000


def _number(raw) -> float:
    """A coordinate from the file; what is not a finite number counts as 0 (the file is the user's, the page is everyone's)."""
    try:
        value = float(raw or 0)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def bpmn_svg(xml: str) -> Markup | None:
    """The diagram as inline SVG, one drawing per diagram plane (a collapsed sub-process or a second
    diagram has its own plane, with coordinates of its own: drawn together they overlap), or None when
    the file has no layout."""
    try:
        root = SafeET.fromstring(xml.encode(), forbid_dtd=True)
    except Exception:
        return None
    elements = {el.get("id"): el for el in root.iter() if el.get("id")}
    planes = [el for el in root.iter() if _local(el.tag) == "BPMNPlane"]
    drawings, budget = [], MAX_NODES
    for index, plane in enumerate(planes):
        drawing, used = _plane_svg(plane, elements, index, budget)
        budget -= used
        if drawing is None:
            continue
        target = elements.get(plane.get("bpmnElement"))
        title = (target.get("name") if target is not None else None) or ""
        if len(planes) > 1:
            caption = f"Схема {len(drawings) + 1}" + (f": {escape(title)}" if title else "")
            drawing = f'<p class="muted">{caption}</p>' + drawing
        drawings.append(drawing)
        if budget <= 0:
            break
    return Markup("".join(drawings)) if drawings else None


def _plane_svg(plane, elements: dict, index: int, budget: int) -> tuple[str | None, int]:
    shapes, edges = [], []
    for el in plane.iter():
        name = _local(el.tag)
        if name == "BPMNShape":
            bounds = el.find(f"{{{DC}}}Bounds")
            if bounds is not None:
                box = [_number(bounds.get(k)) for k in ("x", "y", "width", "height")]
                target = elements.get(el.get("bpmnElement"))
                shapes.append((box, _local(target.tag) if target is not None else "", target))
        elif name == "BPMNEdge":
            points = [(_number(p.get("x")), _number(p.get("y"))) for p in el.iter() if _local(p.tag) == "waypoint"]
            if len(points) >= 2:
                target = elements.get(el.get("bpmnElement"))
                edges.append((points, _local(target.tag) if target is not None else ""))
        if len(shapes) + len(edges) > budget:
            break
    used = len(shapes) + len(edges)
    if not shapes:
        return None, used
    xs = [b[0] for b, _, _ in shapes] + [b[0] + b[2] for b, _, _ in shapes] + [x for pts, _ in edges for x, _ in pts]
    ys = [b[1] for b, _, _ in shapes] + [b[1] + b[3] for b, _, _ in shapes] + [y for pts, _ in edges for _, y in pts]
    left, top = min(xs) - 10, min(ys) - 10
    width, height = max(xs) - left + 10, max(ys) - top + 10
    out = [f'<svg class="bpmn" xmlns="http://www.w3.org/2000/svg" viewBox="{left:.0f} {top:.0f} {width:.0f} {height:.0f}" '
           f'width="{min(width, 1200):.0f}" role="img" aria-label="Диаграмма процесса">',
           f'<defs><marker id="arrow-{index}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker></defs>']
    # Frames first (pools and lanes), then nodes, larger ones (expanded sub-processes) under smaller, flows on top.
    order = sorted(shapes, key=lambda s: (0 if s[1] in ("participant", "lane") else 1, -s[0][2] * s[0][3]))
    for (x, y, w, h), kind, target in order:
        label = escape((target.get("name") or "") if target is not None else "")
        if kind in ("participant", "lane"):
            out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#a0aec0"/>'
                       f'<text x="{x + 6}" y="{y + 16}" font-size="12" fill="#4a5568">{label}</text>')
            continue
        if "Event" in kind:
            r = min(w, h) / 2
            stroke = "3" if kind == "endEvent" else "1.5"
            out.append(f'<circle cx="{x + w / 2}" cy="{y + h / 2}" r="{r}" fill="#fff" stroke="#2d3748" stroke-width="{stroke}"/>'
                       f'<text x="{x + w / 2}" y="{y + h + 14}" font-size="11" text-anchor="middle">{label}</text>')
        elif "Gateway" in kind:
            cx, cy = x + w / 2, y + h / 2
            out.append(f'<polygon points="{cx},{y} {x + w},{cy} {cx},{y + h} {x},{cy}" fill="#fff" stroke="#2d3748"/>'
                       f'<text x="{cx}" y="{y + h + 14}" font-size="11" text-anchor="middle">{label}</text>')
        elif kind.startswith("data"):
            out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#f0fff4" stroke="#2f855a"/>'
                       f'<text x="{x + w / 2}" y="{y + h + 14}" font-size="11" text-anchor="middle">{label}</text>')
        else:
            out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8" fill="#ebf4ff" stroke="#2b6cb0"/>'
                       f'<foreignObject x="{x + 3}" y="{y + 3}" width="{max(w - 6, 1)}" height="{max(h - 6, 1)}">'
                       f'<div xmlns="http://www.w3.org/1999/xhtml" class="bpmn-label">{label}</div></foreignObject>')
    for points, kind in edges:
        path = " ".join(f"{x},{y}" for x, y in points)
        dashed = ' stroke-dasharray="4 3"' if kind in ("messageFlow", "dataInputAssociation",
                                                        "dataOutputAssociation", "association") else ""
        out.append(f'<polyline points="{path}" fill="none" stroke="#4a5568" marker-end="url(#arrow-{index})"{dashed}/>')
    out.append("</svg>")
    return "".join(out), used
