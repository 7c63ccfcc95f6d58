"""BPMN 2.0 files parsed safely into a plain structure (no storage yet: passports come with their own issue).

Safety: the XML is read with defusedxml, with any DTD refused (so no entity expansion — «billion
laughs» — and no external entities or DTDs fetched), and files larger than ``MAX_BYTES`` are
refused before they are read.

What comes out, per process (a pool's process, or a standalone one):

- ``participant``: the pool's name when a collaboration names one;
- ``lanes``: performers (nested lanes flattened, each with its parent), with the nodes they hold;
- ``steps``: the activities (tasks of every type, sub-processes, call activities), **ordered** by
  walking the sequence flows breadth-first from the start events (the top level first, then what
  hangs off boundary events and inside sub-processes; anything unreachable keeps the file's order),
  each with its lane, its input and output data objects / data stores and its parent sub-process;
- ``events``, ``gateways``, ``sequence_flows``;
- ``data``: data objects, data object references, data stores and data store references.

The model also lists participants and message flows. ``counts()`` counts elements with the same
definitions as the conformance suite's ``element-counts.csv``.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from catalog.errors import InvalidInput

MAX_BYTES = 20 * 1024 * 1024
NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TASKS = {"task", "userTask", "serviceTask", "sendTask", "receiveTask", "manualTask", "businessRuleTask", "scriptTask"}
ACTIVITIES = TASKS | {"subProcess", "callActivity", "transaction", "adHocSubProcess"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
          "implicitThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
DATA = {"dataObject", "dataObjectReference", "dataStoreReference"}
# BPMN 2.0.2 §10.3.3: a service, script or business-rule task is performed by software by definition;
# a send or receive task is when it names how (an implementation, an engine's class, expression or topic).
AUTOMATED_TASKS = {"serviceTask", "scriptTask", "businessRuleTask"}
MESSAGE_TASKS = {"sendTask", "receiveTask"}
ENGINE_ATTRIBUTES = {"class", "expression", "delegateExpression", "type", "topic", "resultVariable"}


def _automated(element, kind: str) -> bool:
    if kind in AUTOMATED_TASKS:
        return True
    if kind not in MESSAGE_TASKS:
        return False
    if element.get("implementation") not in (None, "##unspecified"):
        return True
    return any(name.startswith("{") and _local(name) in ENGINE_ATTRIBUTES and not _in_bpmn(name)
               for name in element.attrib)


def _local(tag) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and tag.startswith("{") else str(tag)


def _in_bpmn(tag) -> bool:
    return isinstance(tag, str) and tag.startswith("{" + NS + "}")


@dataclass
class Node:
    id: str
    type: str
    name: str | None
    parent: str | None = None  # the sub-process holding it
    automated: bool = False
    event_definitions: list[str] = field(default_factory=list)
    attached_to: str | None = None  # boundary events


@dataclass
class DataItem:
    id: str
    type: str  # dataObject | dataObjectReference | dataStore | dataStoreReference
    name: str | None
    refers_to: str | None = None  # a reference's data object or data store


@dataclass
class Step:
    order: int
    id: str
    type: str
    name: str | None
    lane: str | None
    parent: str | None
    inputs: list[str] = field(default_factory=list)  # data item ids
    outputs: list[str] = field(default_factory=list)
    automated: bool = False  # a task type software performs (AUTOMATED_TASKS, or a send/receive task with an implementation)


@dataclass
class Lane:
    id: str
    name: str | None
    parent: str | None
    nodes: list[str]


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str | None = None


@dataclass
class BpmnProcess:
    id: str
    name: str | None
    participant: str | None
    lanes: list[Lane] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    events: list[Node] = field(default_factory=list)
    gateways: list[Node] = field(default_factory=list)
    sequence_flows: list[Flow] = field(default_factory=list)
    data: list[DataItem] = field(default_factory=list)

    def performers(self) -> list[str]:
        return [lane.name for lane in self.lanes if lane.name]


@dataclass
class BpmnModel:
    name: str | None
    processes: list[BpmnProcess]
    participants: list[dict]
    message_flows: list[Flow]
    collaborations: int

    def steps_in_flow_order(self) -> list[tuple[BpmnProcess, Step]]:
        """Every pool's steps in one order: breadth-first over sequence and message flows from the start
        event that begins the collaboration (one no message flow leads to: the customer who orders, not
        the vendor who receives the order), then the other start events; within a pool ties keep its order."""
        outgoing: dict[str, list[str]] = {}
        for process in self.processes:
            for flow in process.sequence_flows:
                outgoing.setdefault(flow.source, []).append(flow.target)
        first_node = {}  # a message flow to a pool (not to a node) reaches that pool's start events
        for process in self.processes:
            first_node[process.id] = [e.id for e in process.events if e.type == "startEvent" and e.parent is None]
        pool_process = {p["id"]: p["process"] for p in self.participants}
        messaged: set[str] = set()
        start_ids = {e for starts in first_node.values() for e in starts}
        for flow in self.message_flows:
            targets = first_node.get(pool_process.get(flow.target), [flow.target])
            # Only a message that starts a pool orders it; one caught mid-way («money» at «Receive payment»)
            # must not pull that step ahead of the steps before it in its own pool.
            targets = [t for t in targets if t in start_ids]
            sources = [flow.source]
            if flow.source in pool_process:  # from a pool as a whole: after all that pool does
                sources = [s.id for p in self.processes if p.id == pool_process[flow.source] for s in p.steps]
            for source in sources:
                outgoing.setdefault(source, []).extend(targets)
            messaged.update(targets)
        starts = [(process, e) for process in self.processes for e in process.events
                  if e.type == "startEvent" and e.parent is None]
        roots = [e.id for _, e in starts if e.id not in messaged] + [e.id for _, e in starts if e.id in messaged]
        rank: dict[str, int] = {}
        for root in roots:
            if root in rank:
                continue
            queue = deque([root])
            rank[root] = len(rank)
            while queue:
                node = queue.popleft()
                for target in outgoing.get(node, []):
                    if target not in rank:
                        rank[target] = len(rank)
                        queue.append(target)
        # Steps of sub-processes and what no flow reaches keep their place after their pool's reached steps.
        ordered = []
        parent_of = {s.id: s.parent for p in self.processes for s in p.steps}
        for index, process in enumerate(self.processes):
            for step in process.steps:
                node, base = step.id, None
                while node is not None and base is None:  # a nested step sits where its outermost container does
                    base, node = rank.get(node), parent_of.get(node)
                ordered.append((base if base is not None else len(rank) + index, step.order, process, step))
        ordered.sort(key=lambda item: (item[0], self.processes.index(item[2]), item[1]))
        return [(process, step) for _, _, process, step in ordered]

    def counts(self) -> dict[str, int]:
        """Counts with the conformance suite's definitions (element-counts.csv)."""
        steps = [s for p in self.processes for s in p.steps]
        return {
            "process": len(self.processes),
            "collaboration": self.collaborations,
            "participant": len(self.participants),
            "lane": sum(len(p.lanes) for p in self.processes),
            "tasks": sum(1 for s in steps if s.type in TASKS),
            "subProcess": sum(1 for s in steps if s.type == "subProcess"),
            "callActivity": sum(1 for s in steps if s.type == "callActivity"),
            "events": sum(len(p.events) for p in self.processes),
            "gateways": sum(len(p.gateways) for p in self.processes),
            "sequenceFlow": sum(len(p.sequence_flows) for p in self.processes),
            "messageFlow": len(self.message_flows),
            "dataObject+Ref": sum(1 for p in self.processes for d in p.data
                                  if d.type in ("dataObject", "dataObjectReference")),
        }


def parse_file(path: Path, max_bytes: int = MAX_BYTES) -> BpmnModel:
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise InvalidInput(f"Файл «{path.name}» больше допустимого ({size} байт, предел {max_bytes}).",
                           {"file": ["Слишком большой файл BPMN."]})
    return parse_bytes(path.read_bytes(), path.name, max_bytes)


def parse_bytes(data: bytes, name: str = "BPMN", max_bytes: int = MAX_BYTES) -> BpmnModel:
    if len(data) > max_bytes:
        raise InvalidInput(f"Файл «{name}» больше допустимого ({len(data)} байт, предел {max_bytes}).",
                           {"file": ["Слишком большой файл BPMN."]})
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise InvalidInput(
            f"Файл «{name}» отклонён: в нём объявление DTD или сущностей ({type(error).__name__}). "
            "Файлы BPMN их не содержат; такие конструкции используют для атак (раздувание сущностей, "
            "чтение чужих файлов).", {"file": ["Недопустимая конструкция XML (DTD, сущности)."]}) from None
    except SafeET.ParseError as error:
        raise InvalidInput(f"Файл «{name}» не является корректным XML: {error}.",
                           {"file": ["Ошибка разбора XML."]}) from None
    if not _in_bpmn(root.tag) or _local(root.tag) != "definitions":
        raise InvalidInput(f"Файл «{name}» не является моделью BPMN 2.0: корневой элемент «{_local(root.tag)}», "
                           "ожидается bpmn:definitions.", {"file": ["Не BPMN 2.0."]})
    return _model(root)


def _model(root) -> BpmnModel:
    participants, message_flows, collaborations = [], [], 0
    pool_of: dict[str, str | None] = {}
    for collaboration in root:
        if not _in_bpmn(collaboration.tag) or _local(collaboration.tag) != "collaboration":
            continue
        collaborations += 1
        for child in collaboration:
            kind = _local(child.tag) if _in_bpmn(child.tag) else None
            if kind == "participant":
                participants.append({"id": child.get("id"), "name": child.get("name"),
                                     "process": child.get("processRef")})
                if child.get("processRef"):
                    pool_of[child.get("processRef")] = child.get("name")
            elif kind == "messageFlow":
                message_flows.append(Flow(child.get("id"), child.get("sourceRef"), child.get("targetRef"),
                                          child.get("name")))
    stores = {el.get("id"): el.get("name") for el in root if _in_bpmn(el.tag) and _local(el.tag) == "dataStore"}
    processes = [_process(el, pool_of, stores) for el in root if _in_bpmn(el.tag) and _local(el.tag) == "process"]
    return BpmnModel(root.get("name"), processes, participants, message_flows, collaborations)


def _process(element, pool_of: dict, stores: dict) -> BpmnProcess:
    process = BpmnProcess(element.get("id"), element.get("name"), pool_of.get(element.get("id")))
    activities: dict[str, Node] = {}
    associations: dict[str, tuple[list[str], list[str]]] = {}
    order_in_file: list[str] = []

    def lanes(lane_set, parent):
        for lane in lane_set:
            if not _in_bpmn(lane.tag) or _local(lane.tag) != "lane":
                continue
            nodes = [ref.text.strip() for ref in lane if _in_bpmn(ref.tag) and _local(ref.tag) == "flowNodeRef"
                     and ref.text]
            process.lanes.append(Lane(lane.get("id"), lane.get("name"), parent, nodes))
            for child in lane:
                if _in_bpmn(child.tag) and _local(child.tag) == "childLaneSet":
                    lanes(child, lane.get("id"))

    def walk(container, parent):
        for el in container:
            if not _in_bpmn(el.tag):
                continue
            kind = _local(el.tag)
            if kind == "laneSet":
                lanes(el, None)
            elif kind in ACTIVITIES:
                activities[el.get("id")] = Node(el.get("id"), kind, el.get("name"), parent,
                                                automated=_automated(el, kind))
                order_in_file.append(el.get("id"))
                inputs, outputs = [], []
                for assoc in el:
                    akind = _local(assoc.tag) if _in_bpmn(assoc.tag) else None
                    if akind == "dataInputAssociation":
                        inputs += [r.text.strip() for r in assoc if _in_bpmn(r.tag) and _local(r.tag) == "sourceRef"
                                   and r.text]
                    elif akind == "dataOutputAssociation":
                        outputs += [r.text.strip() for r in assoc if _in_bpmn(r.tag) and _local(r.tag) == "targetRef"
                                    and r.text]
                associations[el.get("id")] = (inputs, outputs)
                if kind in ("subProcess", "transaction", "adHocSubProcess"):
                    walk(el, el.get("id"))
            elif kind in EVENTS:
                definitions = [_local(d.tag) for d in el if _in_bpmn(d.tag) and _local(d.tag).endswith("EventDefinition")]
                node = Node(el.get("id"), kind, el.get("name"), parent, definitions, el.get("attachedToRef"))
                process.events.append(node)
                order_in_file.append(node.id)
            elif kind in GATEWAYS:
                process.gateways.append(Node(el.get("id"), kind, el.get("name"), parent))
                order_in_file.append(el.get("id"))
            elif kind == "sequenceFlow":
                process.sequence_flows.append(Flow(el.get("id"), el.get("sourceRef"), el.get("targetRef"), el.get("name")))
            elif kind in DATA:
                ref = el.get("dataObjectRef") or el.get("dataStoreRef")
                name = el.get("name") or (stores.get(ref) if kind == "dataStoreReference" else None)
                process.data.append(DataItem(el.get("id"), kind, name, ref))

    walk(element, None)
    lane_of = {}
    for lane in process.lanes:  # the innermost lane wins (children come after their parent)
        for node_id in lane.nodes:
            lane_of[node_id] = lane.name
    data_ids = {d.id for d in process.data}
    ordered = _order(process, order_in_file)
    number = 0
    for node_id in ordered:
        node = activities.get(node_id)
        if node is None:
            continue
        number += 1
        inputs, outputs = associations.get(node_id, ([], []))
        process.steps.append(Step(number, node.id, node.type, node.name, lane_of.get(node.id), node.parent,
                                  [i for i in inputs if i in data_ids], [o for o in outputs if o in data_ids],
                                  node.automated))
    return process


def _order(process: BpmnProcess, in_file: list[str]) -> list[str]:
    """Nodes in the order the sequence flows reach them, breadth-first from the start events."""
    outgoing: dict[str, list[str]] = {}
    incoming: set[str] = set()
    for flow in process.sequence_flows:
        outgoing.setdefault(flow.source, []).append(flow.target)
        incoming.add(flow.target)
    position = {node_id: i for i, node_id in enumerate(in_file)}
    parents = {e.id: e.parent for e in process.events}
    starts = [e.id for e in process.events if e.type == "startEvent"]
    # Top-level start events first, then those of sub-processes; then nodes nothing flows into.
    roots = sorted(starts, key=lambda s: (parents.get(s) is not None, position.get(s, 0)))
    roots += [e.id for e in process.events if e.type == "boundaryEvent"]
    roots += [n for n in in_file if n not in incoming and n not in roots]
    seen: list[str] = []
    visited: set[str] = set()
    for root in roots:
        if root in visited:
            continue
        queue = deque([root])
        visited.add(root)
        while queue:
            node = queue.popleft()
            seen.append(node)
            for target in sorted(outgoing.get(node, []), key=lambda t: position.get(t, len(position))):
                if target not in visited:
                    visited.add(target)
                    queue.append(target)
    seen += [n for n in in_file if n not in visited]
    return seen
