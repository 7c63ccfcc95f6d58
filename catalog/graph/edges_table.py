"""The ``graph_edges`` table (migration 0024): the live graph's edges, kept by triggers.

Triggers write it in the statement that changes a link, a relation key or a record's liveness,
so reading it is reading the store. ``expand`` answers a level walk's question from it with one
indexed query per side; ``drift`` compares it with the edges the store itself gives
(``store_edges.all_edges``), for the tests and for ``catalog graph check``-like questions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from catalog.graph.model import Edge
from catalog.graph.store_edges import CHUNK
from catalog.models import GraphEdge

_COLUMNS = (GraphEdge.uid, GraphEdge.edge_type, GraphEdge.source, GraphEdge.target, GraphEdge.transport,
            GraphEdge.frequency)
_STATEMENTS: dict[tuple, object] = {}


def _edge(row) -> Edge:
    return Edge(*row)


def _statement(side: str, typed: bool, limited: bool):
    key = (side, typed, limited)
    if key not in _STATEMENTS:
        column = GraphEdge.source if side == "source" else GraphEdge.target
        query = select(*_COLUMNS).where(column.in_(bindparam("nodes", expanding=True)))
        if typed:
            query = query.where(GraphEdge.edge_type.in_(bindparam("types", expanding=True)))
        if limited:
            query = query.limit(bindparam("limit"))
        _STATEMENTS[key] = query
    return _STATEMENTS[key]


def expand(session: Session, nodes: Iterable[str], edge_types: set[str] | None = None, direction: str | None = None,
           limit: int | None = None) -> list[Edge]:
    """Live edges flowing out of ``nodes`` (downstream), into them (upstream), or both (None)."""
    ordered = sorted(set(nodes))
    sides = {"downstream": ("source",), "upstream": ("target",)}.get(direction, ("source", "target"))
    edges: dict[str, Edge] = {}
    connection = session.connection()
    for side in sides:
        for first in range(0, len(ordered), CHUNK):
            params = {"nodes": ordered[first:first + CHUNK]}
            if edge_types is not None:
                params["types"] = sorted(edge_types)
            if limit is not None:
                params["limit"] = limit
            for row in connection.execute(_statement(side, edge_types is not None, limit is not None), params):
                edges[row[0]] = _edge(row)
    return list(edges.values())


def stored(session: Session) -> dict[str, Edge]:
    return {row[0]: _edge(row) for row in session.execute(select(*_COLUMNS))}


@dataclass
class Drift:
    missing: set[str] = field(default_factory=set)  # live in the store, absent from the table
    extra: set[str] = field(default_factory=set)  # in the table, not live in the store
    changed: set[str] = field(default_factory=set)  # in both, with other ends, type or attributes

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.changed)


def drift(session: Session) -> Drift:
    from catalog.graph import store_edges

    truth = {edge.uid: edge for edge in store_edges.all_edges(session)}
    table = stored(session)
    return Drift(set(truth) - set(table), set(table) - set(truth),
                 {uid for uid in set(truth) & set(table) if truth[uid] != table[uid]})
