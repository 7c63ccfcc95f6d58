"""The graph's vocabulary: nodes, edges, the answers of a traversal, and the backend contract.

A node is a catalogue record, addressed by ``"<kind>:<id>"`` (its uid). An edge is either a
``Link`` of the store or a foreign key that means a relation (a process OWNED_BY its agency).
Every edge is oriented the way data and dependence flow, so that *upstream* of a record is
what it depends on and *downstream* is what depends on it:

    system ─STORED_IN→ dataset ─CONSUMES→ process ─PART_OF→ service ─IN_SITUATION→ life situation
    process ─PRODUCES→ dataset;  mart ─EXPOSES→ dataset;  system ─HOSTED_BY→ mart;
    system ─AUTOMATED_BY→ process;  process ─OWNED_BY→ agency;  act ─REGULATED_BY→ process

``flow`` below says, per edge type, whether the flow runs from the link's source to its target
(True) or the other way round (False).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# Link types of the store, and whether data/dependence flows source → target.
LINK_FLOW: dict[str, bool] = {
    "IN_SITUATION": True,  # service → life situation
    "REGULATED_BY": False,  # act → process
    "CONSUMES": False,  # dataset → process
    "PRODUCES": True,  # process → dataset
    "AUTOMATED_BY": False,  # system → process
    # The register's «связь с другими процессами» names the processes a process follows on from.
    "LINKED_TO": False,  # linked (earlier) process → process
    "STORED_IN": False,  # system → dataset
    "EXPOSES": True,  # mart → dataset
    "RELATES_TO": True,  # entity → entity
    "USES_DOCUMENT": False,  # document type → dataset or entity
    "MATCHES_TYPICAL": True,  # service → typical process
    "DERIVED_FROM": False,  # input attribute → the attribute computed from it
}

# Foreign keys that are edges: (kind, column) → (edge type, target kind, flows from the record to the target).
FK_EDGES: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("processes", "agency_id"): ("OWNED_BY", "agencies", True),
    ("processes", "service_id"): ("PART_OF", "services", True),
    ("processes", "typical_process_id"): ("TYPICAL_OF", "typical-processes", True),
    ("processes", "group_id"): ("IN_GROUP", "process-groups", True),
    ("services", "agency_id"): ("PROVIDED_BY", "agencies", True),
    ("typical-processes", "group_id"): ("IN_GROUP", "process-groups", True),
    ("datasets", "owner_agency_id"): ("OWNED_BY", "agencies", False),
    ("entities", "dataset_id"): ("CONTAINS", "datasets", False),
    ("attributes", "entity_id"): ("HAS", "entities", False),
    ("systems", "operator_agency_id"): ("OPERATED_BY", "agencies", False),
    ("marts", "owner_agency_id"): ("OWNED_BY", "agencies", False),
    ("marts", "host_system_id"): ("HOSTED_BY", "systems", False),
    ("agencies", "parent_id"): ("SUBORDINATE_TO", "agencies", True),
}

EDGE_TYPES: set[str] = set(LINK_FLOW) | {edge_type for edge_type, _, _ in FK_EDGES.values()}

DIRECTIONS = ("upstream", "downstream", "both")


def uid(kind: str, record_id: int) -> str:
    return f"{kind}:{record_id}"


def split_uid(node_uid: str) -> tuple[str, int]:
    kind, _, record_id = node_uid.partition(":")
    return kind, int(record_id)


@dataclass(frozen=True)
class Edge:
    """An edge oriented along the flow: ``source`` → ``target``."""

    uid: str  # "link:<id>" or "fk:<kind>:<id>:<column>"
    edge_type: str
    source: str  # node uid
    target: str
    transport: str | None = None
    frequency: str | None = None


@dataclass
class Subgraph:
    """Nodes (uid → distance from the start) and the edges among them."""

    nodes: dict[str, int] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)
    truncated: bool = False  # the node cap was reached; the answer is partial


class GraphBackend(Protocol):
    """What every backend answers; ``edge_types`` None means all types."""

    name: str

    def traverse(self, start: str, direction: str, depth: int, edge_types: set[str] | None,
                 max_nodes: int) -> Subgraph: ...

    def paths(self, source: str, target: str, max_depth: int, edge_types: set[str] | None,
              limit: int) -> list[list[Edge]]: ...

    def neighbourhood(self, node: str, edge_types: set[str] | None, max_nodes: int) -> Subgraph: ...

    def subgraph(self, nodes: set[str], edge_types: set[str] | None) -> Subgraph: ...
