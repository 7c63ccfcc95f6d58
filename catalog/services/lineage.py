"""The architect's questions: lineage, the systems behind a process, impact, and three reports.

Lineage, systems and impact walk the graph through the configured backend; if the neo4j server
is unreachable the answer comes from the store, with a notice. The reports are aggregate
questions over the links of the store itself.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from catalog import models
from catalog.errors import BadParameter
from catalog.graph import SqlGraph
from catalog.enums import LinkType, ProcessStatus, RelationType, SystemStage
from catalog.graph.model import DIRECTIONS, EDGE_TYPES, LINK_FLOW, Edge, Subgraph, split_uid, uid
from catalog.kinds import KINDS
from catalog.services import permissions
from catalog.services.context import Context
from catalog.services.records import RecordLabel, get_record, labels_for, titles_for

DEFAULT_DEPTH = 3
UNAVAILABLE = "Сервер графа недоступен; ответ построен по хранилищу каталога."


@dataclass
class GraphAnswer:
    root: str
    subgraph: Subgraph
    records: dict[str, RecordLabel]  # uid → title and state, for the picture and the table
    backend: str
    notice: str | None = None

    def record(self, node: str) -> RecordLabel | None:
        return self.records.get(node)


def parse_edge_types(raw) -> set[str] | None:
    """``"CONSUMES,PRODUCES"`` or a list → a set; unknown names are refused by name."""
    if raw in (None, "", []):
        return None
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    types = {item.strip().upper() for item in items if item.strip()}
    unknown = sorted(types - EDGE_TYPES)
    if unknown:
        raise BadParameter("Неизвестный тип связи.", {"edge_types": [
            f"Нет типа связи {', '.join(unknown)}. Допустимые: {', '.join(sorted(EDGE_TYPES))}."]})
    return types


def _check_depth(ctx: Context, depth) -> int:
    maximum = ctx.settings.graph_max_depth
    try:
        depth = int(depth)
    except (TypeError, ValueError):
        raise BadParameter("Неверная глубина.", {"depth": ["Ожидается целое число."]}) from None
    if not 1 <= depth <= maximum:
        raise BadParameter("Неверная глубина.", {"depth": [f"Глубина от 1 до {maximum}."]})
    return depth


def _ask(ctx: Context, question):
    """Run ``question(backend)`` on the configured backend; if its server is down, on the store.

    The neo4j projection is kept in step by the outbox consumer in the background, never before
    a read (issue 19): the answer is the graph as it stands, with a notice saying how many events
    it is behind when it is, and the consumer is woken to apply them.
    """
    store = SqlGraph(ctx.session)
    if ctx.graph is None:
        return question(store), store.name, None
    from catalog.graph.neo4j_backend import GraphError

    try:
        answer = question(ctx.graph)
    except GraphError:
        return question(store), store.name, UNAVAILABLE
    behind = ctx.graph.behind(ctx.session)
    if behind and ctx.outbox is not None:
        ctx.outbox.wake()
    return answer, ctx.graph.name, behind_notice(behind)


def behind_notice(behind: int) -> str | None:
    """«Граф отстаёт на 3 события»: how far the projection is behind the store, None when it is not."""
    from catalog import formatting

    return f"Граф отстаёт на {formatting.counted(behind, 'событие')}: последние изменения каталога в ответе ещё не видны." \
        if behind else None


def _answer(ctx: Context, root: str, subgraph: Subgraph, backend: str, notice: str | None) -> GraphAnswer:
    refs = {split_uid(node) for node in subgraph.nodes}
    records = {uid(kind, label.id): label for (kind, _), label in labels_for(ctx, refs).items()}
    return GraphAnswer(root, subgraph, records, backend, notice)


def lineage(ctx: Context, kind_name: str, record_id: int, direction: str = "both", depth=DEFAULT_DEPTH,
            edge_types=None) -> GraphAnswer:
    """What a record depends on (upstream), what depends on it (downstream), or both."""
    get_record(ctx, kind_name, record_id)
    if direction not in DIRECTIONS:
        raise BadParameter("Неверное направление.", {"direction": ["Допустимо: upstream, downstream, both."]})
    depth = _check_depth(ctx, depth)
    types = parse_edge_types(edge_types)
    root = uid(kind_name, record_id)
    max_nodes = ctx.settings.graph_max_nodes
    subgraph, backend, notice = _ask(ctx, lambda g: g.traverse(root, direction, depth, types, max_nodes))
    return _answer(ctx, root, subgraph, backend, notice)


# --- the layered picture -------------------------------------------------------

# One Russian label per edge type, read from the record that holds the link or field.
EDGE_LABELS: dict[str, str] = {**{t.value: t.label for t in LinkType}, **{t.value: t.label for t in RelationType}}

# Kinds in the order a column lists them: data and systems first, then what they serve.
KIND_ORDER = ("systems", "marts", "datasets", "entities", "attributes", "document-types", "acts", "processes",
              "services", "life-situations", "typical-processes", "process-groups", "agencies", "people")


UID_RE = re.compile(r"[a-z-]+:\d{1,12}")
# What an expanded dataset shows besides its links: dataset → entity (CONTAINS) → attribute (HAS).
DATASET_INSIDE = {"CONTAINS", "HAS"}


def edge_label(edge_type: str) -> str:
    return EDGE_LABELS.get(edge_type, "связь")


def edge_ends(edge: Edge) -> tuple[str, str]:
    """(the record the link or field belongs to, the record it names): the order its label reads in."""
    if edge.uid.startswith("fk:"):
        _, kind, record_id, _ = edge.uid.split(":", 3)
        subject = uid(kind, int(record_id))
        return subject, edge.target if subject == edge.source else edge.source
    flows_forward = LINK_FLOW.get(edge.edge_type, True)
    return (edge.source, edge.target) if flows_forward else (edge.target, edge.source)


def counted(number: int, word: str) -> str:
    """«382 записи», «1 запись»: the noun agreeing with the number (pymorphy3)."""
    from catalog.search.analysis import _morph  # one analyzer per process: it takes a while to load

    parsed = _morph.parse(word)[0]
    agreed = parsed.make_agree_with_number(number)
    return f"{number} {agreed.word if agreed else word}"


def default_question(kind_name: str) -> tuple[str, int]:
    """Direction and depth a picture opens with: what a process needs, what a system or mart feeds."""
    if kind_name == "processes":
        return "upstream", 2
    if kind_name in ("systems", "marts"):
        return "downstream", 2
    return "both", 2


@dataclass
class PictureNode:
    uid: str  # a record's uid, or "cluster:<level>:<kind>[:<agency id>]" for a group
    kind: str
    level: int  # column: negative upstream, 0 the record asked about, positive downstream
    title: str
    agency: str | None = None
    status: str | None = None
    deleted: bool = False
    members: list[str] = field(default_factory=list)  # a group's records
    group: str | None = None  # the opened group a record was shown from (to close it again)
    expanded: bool = False

    @property
    def is_cluster(self) -> bool:
        return bool(self.members)


@dataclass
class PictureEdge:
    source: str
    target: str
    edge_type: str
    text: str  # «Назначение выплаты — потребляет данные — Доходы граждан», or a count for a group
    dashed: bool
    count: int = 1


@dataclass
class Picture:
    answer: GraphAnswer  # every record walked, for the table beside the picture
    direction: str
    depth: int
    nodes: list[PictureNode]
    edges: list[PictureEdge]
    threshold: int
    opened: list[str]
    expanded: list[str]

    @property
    def levels(self) -> list[int]:
        return sorted({node.level for node in self.nodes})


def _details(ctx: Context, nodes: set[str]) -> dict[str, tuple[int | None, str | None]]:
    """uid → (agency id, status label) for the kinds that have them: one narrow query per kind."""
    out: dict[str, tuple[int | None, str | None]] = {}
    by_kind: dict[str, list[int]] = defaultdict(list)
    for node in nodes:
        kind, record_id = split_uid(node)
        by_kind[kind].append(record_id)
    for kind_name, ids in by_kind.items():
        kind = KINDS.get(kind_name)
        if kind is None:
            continue
        model = kind.model
        agency = getattr(model, kind.agency_field) if kind.agency_field and kind_name != "agencies" else None
        status = {"processes": "status", "systems": "stage"}.get(kind_name)
        columns = [model.id, agency if agency is not None else model.id,
                   getattr(model, status) if status else model.id]
        for start in range(0, len(ids), 500):
            for record_id, agency_id, state in ctx.session.execute(select(*columns).where(
                    model.id.in_(ids[start:start + 500]))):
                label = None
                if kind_name == "processes":
                    label = ProcessStatus.label_of(state)
                elif kind_name == "systems":
                    label = SystemStage.label_of(state)
                out[uid(kind_name, record_id)] = (agency_id if agency is not None else None, label)
    return out


def _agency_names(ctx: Context, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = ctx.session.execute(select(models.Agency.id, models.Agency.short_name, models.Agency.name)
                               .where(models.Agency.id.in_(sorted(ids))))
    return {agency_id: short or name for agency_id, short, name in rows}


MIN_GROUP = 5  # fewer records of a kind (or of an agency) than this are shown, not grouped


def _columns(levels: dict[str, int], keep: set[str], agency_of: dict[str, int | None], threshold: int,
             opened: set[str]) -> dict[str, str]:
    """record uid → the uid it is drawn as: itself, or the group it falls in.

    A column with more records than ``threshold`` is grouped by kind; an opened kind group, if still
    large, by agency; an opened agency group shows its records. Fewer than MIN_GROUP records of a
    kind or an agency are never grouped. ``keep`` (the record asked about
    and the expanded ones) is never grouped."""
    drawn: dict[str, str] = {}
    by_level: dict[int, list[str]] = defaultdict(list)
    for node, level in levels.items():
        if node in keep:
            drawn[node] = node
        else:
            by_level[level].append(node)
    for level, members in by_level.items():
        if len(members) + sum(1 for n in keep if levels.get(n) == level) <= threshold:
            drawn.update({n: n for n in members})
            continue
        by_kind: dict[str, list[str]] = defaultdict(list)
        for node in members:
            by_kind[node.split(":")[0]].append(node)
        for kind, same_kind in by_kind.items():
            kind_key = f"cluster:{level}:{kind}"
            if len(same_kind) < MIN_GROUP:  # a handful is read as fast as a group's name
                drawn.update({n: n for n in same_kind})
                continue
            if kind_key not in opened:
                drawn.update({n: kind_key for n in same_kind})
                continue
            if len(same_kind) <= threshold:
                drawn.update({n: n for n in same_kind})
                continue
            by_agency: dict[int, list[str]] = defaultdict(list)
            for node in same_kind:
                by_agency[agency_of.get(node) or 0].append(node)
            for agency_id, group in by_agency.items():
                key = f"{kind_key}:{agency_id}"
                target = key if len(group) >= MIN_GROUP and key not in opened else None
                drawn.update({n: target or n for n in group})
    return drawn


def _order(nodes: list[PictureNode], edges: list[PictureEdge]) -> list[PictureNode]:
    """Columns ordered from the centre outwards, each record near the ones it links to (fewer crossings)."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        neighbours[edge.source].add(edge.target)
        neighbours[edge.target].add(edge.source)
    position: dict[str, float] = {}
    by_level: dict[int, list[PictureNode]] = defaultdict(list)
    for node in nodes:
        by_level[node.level].append(node)
    ordered: list[PictureNode] = []
    kind_rank = {k: i for i, k in enumerate(KIND_ORDER)}
    for level in sorted(by_level, key=lambda lv: (abs(lv), lv)):
        inner_level = level - 1 if level > 0 else level + 1
        inner = {o.uid for o in by_level.get(inner_level, ())}

        def barycentre(node):
            near = [position[n] for n in neighbours[node.uid] if n in inner]
            return sum(near) / len(near) if near else float("inf")

        column = sorted(by_level[level], key=lambda n: (barycentre(n) if level else 0, kind_rank.get(n.kind, 99),
                                                        n.is_cluster, n.title))
        for index, node in enumerate(column):
            position[node.uid] = index
        ordered += column
    return sorted(ordered, key=lambda n: (n.level, position[n.uid]))


def picture(ctx: Context, kind_name: str, record_id: int, direction: str | None = None, depth=None,
            edge_types=None, opened=(), expanded=()) -> Picture:
    """The lineage as columns by distance: upstream to the left, downstream to the right.

    ``expanded`` records show their direct links too, each new record one column further out;
    past ``graph_cluster_threshold`` records a column is grouped (``opened`` groups are shown)."""
    get_record(ctx, kind_name, record_id)
    default_direction, default_depth = default_question(kind_name)
    direction = direction or default_direction
    if direction not in DIRECTIONS:
        raise BadParameter("Неверное направление.", {"direction": ["Допустимо: upstream, downstream, both."]})
    depth = _check_depth(ctx, depth or default_depth)
    types = parse_edge_types(edge_types)
    root = uid(kind_name, record_id)
    max_nodes = ctx.settings.graph_max_nodes
    wanted = [node for node in dict.fromkeys(expanded) if isinstance(node, str) and UID_RE.fullmatch(node)][:50]

    def question(graph):
        levels = {root: 0}
        walked = Subgraph(nodes={root: 0})
        sides = [("upstream", -1), ("downstream", 1)] if direction == "both" else [
            (direction, -1 if direction == "upstream" else 1)]
        for side, sign in sides:
            budget = max(1, max_nodes // 2) if direction == "both" and side == "upstream" else max_nodes - len(levels) + 1
            walk = graph.traverse(root, side, depth, types, budget)
            walked.truncated |= walk.truncated
            walked.edges.update(walk.edges)
            for node, distance in walk.nodes.items():
                walked.nodes[node] = min(distance, walked.nodes.get(node, distance))
                if node not in levels or abs(levels[node]) > distance:
                    levels[node] = sign * distance
        base = dict(levels)
        shown_expanded, added_by = [], {}
        for node in wanted:  # in the order asked, so expanding a record shown by an expansion works
            if node not in levels or len(levels) >= max_nodes:
                continue
            shown_expanded.append(node)
            for side, step in (("upstream", -1), ("downstream", 1)):
                for other in graph.traverse(node, side, 1, types, max_nodes).nodes:
                    if other not in levels and len(levels) < max_nodes:
                        levels[other] = levels[node] + step
                        added_by[other] = node
            if node.startswith("datasets:"):  # a dataset opens into its entities and their attributes
                inside = graph.traverse(node, "downstream", 2, DATASET_INSIDE, max_nodes).nodes
                for other, distance in sorted(inside.items(), key=lambda item: (item[1], item[0])):
                    if other not in levels and len(levels) < max_nodes:
                        levels[other] = levels[node] + distance
                        added_by[other] = node
        edges = graph.subgraph(set(levels), types).edges
        return levels, base, added_by, walked, edges, shown_expanded

    (levels, base, added_by, walked, edges, shown_expanded), backend, notice = _ask(ctx, question)
    answer = _answer(ctx, root, walked, backend, notice)
    labels = {uid(kind, label.id): label for (kind, _), label in labels_for(
        ctx, {split_uid(node) for node in levels}).items()}
    details = _details(ctx, set(levels))
    agency_of = {node: agency for node, (agency, _) in details.items()}
    agencies = _agency_names(ctx, {a for a in agency_of.values() if a})
    threshold = ctx.settings.graph_cluster_threshold
    opened_set = {key for key in opened if isinstance(key, str) and key.startswith("cluster:")}
    keep = {root, *shown_expanded}
    drawn = _columns(base, keep, agency_of, threshold, opened_set)
    # What an expansion brought stays apart from the columns' groups (expanding one record must not
    # fold a whole column): grouped by kind only when that one record brought many.
    brought: dict[str, list[str]] = defaultdict(list)
    for node, anchor in added_by.items():
        brought[anchor].append(node)
    for anchor, new_nodes in brought.items():
        for node in new_nodes:
            key = f"cluster:{levels[node]}:{node.split(':')[0]}:via:{anchor}"
            many = len(new_nodes) > threshold and sum(
                1 for n in new_nodes if n.split(":")[0] == node.split(":")[0]) >= MIN_GROUP
            drawn[node] = key if many and key not in opened_set and node not in keep else node

    nodes: dict[str, PictureNode] = {}
    for node, level in levels.items():
        target = drawn[node]
        kind = node.split(":")[0]
        if target != node:
            cluster = nodes.get(target)
            if cluster is None:
                parts = target.split(":")
                agency_id = int(parts[3]) if len(parts) > 3 and parts[3] != "via" else None
                agency = agencies.get(agency_id) if agency_id else None
                cluster = nodes[target] = PictureNode(target, kind, level, KINDS[kind].label, agency=agency)
            cluster.members.append(node)
            continue
        label = labels.get(node)
        agency_id, status = details.get(node, (None, None))
        group = next((key for key in (f"cluster:{level}:{kind}:{agency_id or 0}", f"cluster:{level}:{kind}",
                                      f"cluster:{level}:{kind}:via:{added_by.get(node)}")
                      if key in opened_set), None)
        nodes[node] = PictureNode(node, kind, level, label.title if label else node,
                                  agencies.get(agency_id) if agency_id else None, status,
                                  label is None or label.is_deleted, group=group, expanded=node in shown_expanded)
    for cluster in nodes.values():
        if cluster.is_cluster:
            cluster.title = f"{cluster.title}: {len(cluster.members)}"

    merged: dict[tuple[str, str, str], PictureEdge] = {}
    for edge in sorted(edges.values(), key=lambda e: e.uid):
        source, target = drawn.get(edge.source), drawn.get(edge.target)
        if source is None or target is None or source == target:
            continue
        key = (source, target, edge.edge_type)
        dashed = edge.transport in ("paper", "manual")
        if key in merged:
            merged[key].count += 1
            merged[key].dashed = merged[key].dashed or dashed
            continue
        subject, obj = edge_ends(edge)
        name = lambda n: labels[n].title if n in labels else n  # noqa: E731
        merged[key] = PictureEdge(source, target, edge.edge_type,
                                  f"{name(subject)} — {edge_label(edge.edge_type)} — {name(obj)}", dashed)
    for edge in merged.values():
        if edge.count > 1:
            edge.text = f"{edge_label(edge.edge_type)}: {counted(edge.count, 'связь')}"
    ordered = _order(list(nodes.values()), list(merged.values()))
    return Picture(answer, direction, depth, ordered, list(merged.values()), threshold,
                   sorted(opened_set), shown_expanded)


# --- the systems a process consumes and produces -----------------------------

CONSUME_TYPES = {"CONSUMES", "STORED_IN", "EXPOSES", "HOSTED_BY", "AUTOMATED_BY"}
SOURCE_TYPES = {"STORED_IN", "EXPOSES", "HOSTED_BY"}


@dataclass
class SystemUse:
    role: str  # "потребляет" | "производит" | "автоматизирован"
    record: models.Record  # a system or a mart
    kind: str
    path: list[Edge] = field(default_factory=list)


def process_systems(ctx: Context, process_id: int) -> tuple[list[SystemUse], dict[str, models.Record], str | None]:
    """Systems and marts a process uses: directly, through the data it consumes, and where its results go."""
    get_record(ctx, "processes", process_id)
    root = uid("processes", process_id)
    max_depth = 3

    def question(graph):
        found: list[tuple[str, str, list[Edge]]] = []
        upstream = graph.traverse(root, "upstream", max_depth, CONSUME_TYPES, ctx.settings.graph_max_nodes)
        for node in upstream.nodes:
            if node.split(":")[0] in ("systems", "marts"):
                for path in graph.paths(node, root, max_depth, CONSUME_TYPES, 1):
                    role = "автоматизирован" if len(path) == 1 and path[0].edge_type == "AUTOMATED_BY" else "потребляет"
                    found.append((role, node, path))
        produced = graph.traverse(root, "downstream", 1, {"PRODUCES"}, ctx.settings.graph_max_nodes)
        for dataset in [n for n in produced.nodes if n != root]:
            sources = graph.traverse(dataset, "upstream", 2, SOURCE_TYPES, ctx.settings.graph_max_nodes)
            for node in sources.nodes:
                if node.split(":")[0] in ("systems", "marts"):
                    to_source = graph.paths(node, dataset, 2, SOURCE_TYPES, 1)
                    first = [e for e in produced.edges.values() if e.target == dataset][:1]
                    found.append(("производит", node, first + (to_source[0][::-1] if to_source else [])))
        return found

    found, _, notice = _ask(ctx, question)
    refs = {split_uid(node) for _, node, path in found} | {split_uid(n) for _, _, p in found for e in p
                                                            for n in (e.source, e.target)}
    records = {uid(kind, r.id): r for (kind, _), r in titles_for(ctx, refs).items()}
    uses = [SystemUse(role, records[node], node.split(":")[0], path) for role, node, path in found if node in records]
    order = {"автоматизирован": 0, "потребляет": 1, "производит": 2}
    uses.sort(key=lambda u: (order[u.role], u.kind, u.record.title))
    return uses, records, notice


# --- impact of a system or a mart ---------------------------------------------

IMPACT_TYPES = {"STORED_IN", "EXPOSES", "HOSTED_BY", "CONSUMES", "AUTOMATED_BY", "PART_OF", "IN_SITUATION",
                "OWNED_BY", "LINKED_TO"}
IMPACT_KINDS = ("processes", "services", "agencies", "life-situations", "datasets", "marts")
# Reached, these are affected but pass nothing on: an agency that loses a process does not lose
# its other datasets (the walk would otherwise go system → … → agency → every dataset it owns).
IMPACT_STOPS = {"agencies", "life-situations"}


@dataclass
class ImpactRow:
    kind: str
    record: RecordLabel
    agency: str | None  # the agency whose record it is (an agency: itself)
    distance: int  # links from the record asked about
    path: list[tuple[str, str]]  # (kind, title) from the record asked about to this one

    @property
    def path_text(self) -> str:
        return " → ".join(f"{KINDS[kind].label_one} «{title}»" for kind, title in self.path)


@dataclass
class Impact:
    answer: GraphAnswer
    depth: int
    rows: list[ImpactRow]

    def grouped(self) -> list[tuple[str, list[tuple[str, list[ImpactRow]]]]]:
        """[(agency, [(kind, rows)])]: agencies by name, those without one last, kinds in IMPACT_KINDS order."""
        by_agency: dict[str, dict[str, list[ImpactRow]]] = defaultdict(lambda: defaultdict(list))
        for row in self.rows:
            by_agency[row.agency or ""][row.kind].append(row)
        order = sorted(by_agency, key=lambda name: (name == "", name))
        return [(name or "Без органа", [(kind, by_agency[name][kind]) for kind in IMPACT_KINDS
                                        if by_agency[name].get(kind)]) for name in order]

    def by_kind(self) -> dict[str, list[ImpactRow]]:
        out: dict[str, list[ImpactRow]] = {kind: [] for kind in IMPACT_KINDS}
        for row in self.rows:
            out[row.kind].append(row)
        return out


def impact(ctx: Context, kind_name: str, record_id: int, depth=None) -> Impact:
    """What retiring or changing a system, mart or dataset affects: each record with the path that explains it.

    The walk goes downstream along the links of dependence, shortest path first; agencies and life
    situations are reached but not walked through."""
    if kind_name not in ("systems", "marts", "datasets"):
        raise BadParameter("Влияние считается для систем, витрин и наборов данных.",
                           {"kind": ["Ожидается информационная система, витрина или набор данных."]})
    get_record(ctx, kind_name, record_id)
    depth = _check_depth(ctx, depth or ctx.settings.graph_max_depth)
    root = uid(kind_name, record_id)
    max_nodes = ctx.settings.graph_max_nodes

    def question(graph):
        walked = Subgraph(nodes={root: 0})
        parent: dict[str, Edge] = {}
        frontier = {root}
        for level in range(1, depth + 1):
            following: set[str] = set()
            for edge in sorted(graph.expand(frontier, IMPACT_TYPES, "downstream"), key=lambda e: e.uid):
                if edge.source not in frontier or edge.target in walked.nodes:
                    continue
                if len(walked.nodes) >= max_nodes:
                    walked.truncated = True
                    break
                walked.nodes[edge.target] = level
                walked.edges[edge.uid] = edge
                parent[edge.target] = edge
                following.add(edge.target)
            frontier = {node for node in following if node.split(":")[0] not in IMPACT_STOPS}
            if not frontier or walked.truncated:
                break
        return walked, parent

    (walked, parent), backend, notice = _ask(ctx, question)
    answer = _answer(ctx, root, walked, backend, notice)
    details = _details(ctx, set(walked.nodes))
    agencies = _agency_names(ctx, {agency for agency, _ in details.values() if agency} | {
        split_uid(n)[1] for n in walked.nodes if n.startswith("agencies:")})
    rows = []
    for node, distance in walked.nodes.items():
        kind, node_id = split_uid(node)
        if node == root or kind not in IMPACT_KINDS or node not in answer.records:
            continue
        chain, step = [node], node
        while step in parent:
            step = parent[step].source
            chain.append(step)
        path = [(n.split(":")[0], answer.records[n].title if n in answer.records else n) for n in reversed(chain)]
        agency_id = node_id if kind == "agencies" else details.get(node, (None, None))[0]
        rows.append(ImpactRow(kind, answer.records[node], agencies.get(agency_id) if agency_id else None,
                              distance, path))
    rows.sort(key=lambda r: (r.agency or "\uffff", IMPACT_KINDS.index(r.kind), r.distance, r.record.title))
    return Impact(answer, depth, rows)


IMPACT_COLUMNS = ["Орган", "Вид записи", "Запись", "Связей до записи", "Путь"]


def impact_table(found: Impact) -> list[list]:
    """The rows of the export: one per affected record, the same in CSV and Excel."""
    return [[row.agency or "", KINDS[row.kind].label_one, row.record.title, row.distance, row.path_text]
            for row in found.rows]


def impact_csv(found: Impact) -> str:
    import csv
    import io

    from catalog.cells import csv_row

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")  # «;»: what a Russian Excel opens
    writer.writerow(IMPACT_COLUMNS)
    for values in impact_table(found):
        writer.writerow(csv_row(values))
    return "\ufeff" + buffer.getvalue()  # the BOM tells Excel the file is UTF-8


def impact_xlsx(found: Impact) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from catalog.cells import xlsx_row

    book = Workbook()
    sheet = book.active
    sheet.title = "Влияние"
    root = found.answer.record(found.answer.root)
    sheet.append(xlsx_row(sheet, [f"Что затронет вывод из эксплуатации: {root.title if root else ''}"]))
    sheet["A1"].font = Font(bold=True)
    sheet.append([f"Глубина: {found.depth}"])
    sheet.append(IMPACT_COLUMNS)
    for values in impact_table(found):
        sheet.append(xlsx_row(sheet, values))
    for column, width in zip("ABCDE", (36, 18, 60, 16, 100)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reports over the store -----------------------------------------------------


def _live_links(ctx: Context, link_type: str, **where) -> list[models.Link]:
    query = select(models.Link).where(models.Link.link_type == link_type, models.Link.deleted_at.is_(None))
    for name, value in where.items():
        query = query.where(getattr(models.Link, name) == value)
    return list(ctx.session.scalars(query))


@dataclass
class HandTyped:
    record: models.Record  # a dataset or an entity
    kind: str
    systems: list[models.Record]  # where it is kept or produced
    manual_processes: list[models.Record]  # processes that re-enter it by hand
    exposed_by: list[models.Record]


def hand_typed_duplicates(ctx: Context) -> list[HandTyped]:
    """Data kept or produced in more than one system, or re-entered by hand: candidates for a shared mart."""
    permissions.require_read(ctx)
    systems_of: dict[tuple[str, int], set[int]] = defaultdict(set)
    for link in _live_links(ctx, "STORED_IN"):
        systems_of[(link.source_kind, link.source_id)].add(link.target_id)
    automated: dict[int, set[int]] = defaultdict(set)
    for link in _live_links(ctx, "AUTOMATED_BY"):
        automated[link.source_id].add(link.target_id)
    for link in _live_links(ctx, "PRODUCES"):
        systems_of[(link.target_kind, link.target_id)].update(automated.get(link.source_id, ()))
    manual: dict[tuple[str, int], set[int]] = defaultdict(set)
    for link in _live_links(ctx, "CONSUMES", transport="manual"):
        manual[(link.target_kind, link.target_id)].add(link.source_id)
    exposed: dict[tuple[str, int], set[int]] = defaultdict(set)
    for link in _live_links(ctx, "EXPOSES"):
        exposed[(link.target_kind, link.target_id)].add(link.source_id)
    candidates = [key for key in set(systems_of) | set(manual) if len(systems_of.get(key, ())) > 1 or manual.get(key)]
    refs = set(candidates) | {("systems", s) for k in candidates for s in systems_of.get(k, ())} | {
        ("processes", p) for k in candidates for p in manual.get(k, ())} | {
        ("marts", m) for k in candidates for m in exposed.get(k, ())}
    records = titles_for(ctx, refs)
    live = lambda key: key in records and not records[key].is_deleted  # noqa: E731
    out = []
    for key in candidates:
        if not live(key):
            continue
        systems = [records[("systems", s)] for s in sorted(systems_of.get(key, ())) if live(("systems", s))]
        processes = [records[("processes", p)] for p in sorted(manual.get(key, ())) if live(("processes", p))]
        if len(systems) > 1 or processes:
            out.append(HandTyped(records[key], key[0], systems, processes,
                                 [records[("marts", m)] for m in sorted(exposed.get(key, ())) if live(("marts", m))]))
    out.sort(key=lambda h: (-len(h.systems) - len(h.manual_processes), h.record.title))
    return out


@dataclass
class PaperRequest:
    process: models.Record
    data: models.Record  # the dataset or entity asked for on paper
    marts: list[models.Record]
    link: models.Link


def paper_requests(ctx: Context) -> list[PaperRequest]:
    """Processes that still ask on paper or by letter for data a data mart already exposes."""
    permissions.require_read(ctx)
    exposed: dict[tuple[str, int], set[int]] = defaultdict(set)
    for link in _live_links(ctx, "EXPOSES"):
        exposed[(link.target_kind, link.target_id)].add(link.source_id)
    entity_dataset = dict(ctx.session.execute(select(models.Entity.id, models.Entity.dataset_id)).all())
    requests = []
    for link in _live_links(ctx, "CONSUMES", transport="paper"):
        key = (link.target_kind, link.target_id)
        marts = set(exposed.get(key, ()))
        if link.target_kind == "entities":  # an exposed dataset exposes its entities too
            marts |= exposed.get(("datasets", entity_dataset.get(link.target_id)), set())
        if marts:
            requests.append((link, key, marts))
    refs = {("processes", l.source_id) for l, _, _ in requests} | {k for _, k, _ in requests} | {
        ("marts", m) for _, _, ms in requests for m in ms}
    records = titles_for(ctx, refs)
    out = []
    for link, key, marts in requests:
        process, data = records.get(("processes", link.source_id)), records.get(key)
        mart_records = [records[("marts", m)] for m in sorted(marts) if not records[("marts", m)].is_deleted]
        if process and data and not process.is_deleted and not data.is_deleted and mart_records:
            out.append(PaperRequest(process, data, mart_records, link))
    out.sort(key=lambda r: (r.process.agency_id, r.process.registry_id))
    return out


@dataclass
class DuplicatedFunction:
    typical: models.TypicalProcess
    systems: list[models.InformationSystem]
    processes: list[models.Process]


def duplicated_systems(ctx: Context, include_federal: bool = False) -> list[DuplicatedFunction]:
    """Information systems that automate the same typical processes.

    Federal platforms (ЕПГУ, СМЭВ) serve every process by design and are left out unless asked for.
    """
    permissions.require_read(ctx)
    rows = ctx.session.execute(
        select(models.Process, models.InformationSystem)
        .join(models.Link, (models.Link.source_kind == "processes") & (models.Link.source_id == models.Process.id))
        .join(models.InformationSystem, (models.Link.target_kind == "systems")
              & (models.Link.target_id == models.InformationSystem.id))
        .where(models.Link.link_type == "AUTOMATED_BY", models.Link.deleted_at.is_(None),
               models.Process.deleted_at.is_(None), models.InformationSystem.deleted_at.is_(None),
               models.Process.typical_process_id.is_not(None))
    ).all()
    systems: dict[int, dict[int, models.InformationSystem]] = defaultdict(dict)
    processes: dict[int, dict[int, models.Process]] = defaultdict(dict)
    for process, system in rows:
        if system.legal_kind == "federal" and not include_federal:
            continue
        systems[process.typical_process_id][system.id] = system
        processes[process.typical_process_id][process.id] = process
    typicals = {t.id: t for t in ctx.session.scalars(select(models.TypicalProcess).where(
        models.TypicalProcess.id.in_(list(systems))))}
    out = [DuplicatedFunction(typicals[t], sorted(s.values(), key=lambda x: x.name),
                              sorted(processes[t].values(), key=lambda p: (p.agency_id, p.registry_id)))
           for t, s in systems.items() if len(s) > 1 and t in typicals]
    out.sort(key=lambda d: (-len(d.systems), d.typical.name))
    return out

