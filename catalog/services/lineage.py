"""The architect's questions: lineage, the systems behind a process, impact, and three reports.

Lineage, systems and impact walk the graph through the configured backend; if the neo4j server
is unreachable the answer comes from the store, with a notice. The reports are aggregate
questions over the links of the store itself.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from catalog import models
from catalog.errors import BadParameter
from catalog.graph import SqlGraph
from catalog.graph.model import DIRECTIONS, EDGE_TYPES, Edge, Subgraph, split_uid, uid
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
    """Run ``question(backend)`` on the configured backend; if its server is down, on the store."""
    store = SqlGraph(ctx.session)
    if ctx.graph is None:
        return question(store), store.name, None
    from catalog.graph.neo4j_backend import GraphError

    try:
        if ctx.outbox is not None:  # a consumer keeps the graph in step: apply at most a short tail
            ctx.outbox.tail("graph")
        else:
            ctx.graph.catch_up()
        return question(ctx.graph), ctx.graph.name, None
    except GraphError:
        return question(store), store.name, UNAVAILABLE


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


def impact(ctx: Context, kind_name: str, record_id: int, depth=None) -> tuple[GraphAnswer, dict[str, list]]:
    """Processes, services, agencies and life situations that depend on a system or a mart."""
    if kind_name not in ("systems", "marts", "datasets"):
        raise BadParameter("Влияние считается для систем, витрин и наборов данных.",
                           {"kind": ["Ожидается systems, marts или datasets."]})
    answer = lineage(ctx, kind_name, record_id, "downstream", depth or ctx.settings.graph_max_depth,
                     IMPACT_TYPES)
    grouped: dict[str, list] = {k: [] for k in IMPACT_KINDS}
    for node, distance in sorted(answer.subgraph.nodes.items(), key=lambda item: (item[1], item[0])):
        kind = node.split(":")[0]
        if node != answer.root and kind in grouped and node in answer.records:
            grouped[kind].append((answer.records[node], distance))
    return answer, grouped


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

