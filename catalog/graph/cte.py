"""The sql backend's walk as one capped recursive query per direction (SQLite and PostgreSQL).

``traversal.traverse`` walks level by level over ``expand`` and sends about a hundred statements
per lineage; nearly all of its time is statement overhead. Here one ``WITH RECURSIVE`` statement
follows the ``graph_edges`` table (migration 0023_graph_edges: every live edge, flow-oriented,
kept by triggers) from the start, breadth first, with one indexed arm: downstream by ``source``,
upstream by ``target``. It returns each step it took as a row (depth, edge, from, to). The rows
are then walked by the reference ``traversal.traverse`` over an in-memory ``expand``, so the
answer (depths, edges, node cap, ``truncated``) is the reference's by construction;
tests/test_graph_cte.py compares the two on generated graphs.

The statement is capped by rows, not nodes (SQL cannot count distinct nodes inside a recursion):
at first ``max_nodes * FIRST_ROWS_PER_NODE + 64`` rows. Rows come out level by level on both
engines (PostgreSQL's working table, SQLite's FIFO queue), so when the budget is spent the levels
before the last one walked are whole. The answer is then exactly the reference's if the walk met
the cap before that last level; if it met the cap inside it, both answers hold the cap's number
of records, the same nearer levels and ``truncated``, and may differ in which records of the
level where the cap bit are kept (the reference keeps those of its 64-node slices in uid order,
within per-query row limits whose rows the database chooses); if it did not meet the cap, the
walk is asked again with ``RETRY_ROWS_PER_NODE`` rows a node, so a complete answer is complete.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.graph import traversal
from catalog.graph.model import EDGE_TYPES, Edge, Subgraph, split_uid
from catalog.kinds import KINDS

FIRST_ROWS_PER_NODE = 8  # rows of the first try: most walks meet the cap within it
RETRY_ROWS_PER_NODE = 64  # the second, larger budget when the first one left the answer unsure

_SQL: dict[tuple, object] = {}
COLUMNS = "depth, uid, etype, here, there, transport, frequency"


def statement(dialect: str, direction: str, edge_types: frozenset[str] | None):
    """The walk for one direction, built once per (engine, direction, edge types).

    Each row is a step: (depth, edge, the node it leaves, the node it reaches), breadth first,
    deduplicated by UNION, cut at ``:budget`` rows (the start's row included). A dead or unknown
    start has no edges in the table, so it needs no check of its own.
    """
    key = (dialect, direction, edge_types)
    if key in _SQL:
        return _SQL[key]
    near, far = ("source", "target") if direction == "downstream" else ("target", "source")
    # Edge types are written into the statement (one plan per set); only known names get there.
    known = None if edge_types is None else sorted(edge_types & EDGE_TYPES)
    typed = "" if known is None else f" AND e.edge_type IN ({', '.join(repr(t) for t in known)})" if known \
        else " AND FALSE"
    first = ("SELECT 0, CAST(NULL AS VARCHAR(96)), CAST(NULL AS VARCHAR(32)), CAST(NULL AS VARCHAR(64)), "
             "CAST(:start AS VARCHAR(64)), CAST(NULL AS VARCHAR(32)), CAST(NULL AS VARCHAR(32))")
    step = (f"SELECT w.depth + 1, e.uid, e.edge_type, w.there, e.{far}, e.transport, e.frequency "
            f"FROM walk w JOIN graph_edges e ON e.{near} = w.there WHERE w.depth < :depth{typed}")
    if dialect == "postgresql":
        # PostgreSQL computes a WITH query only as far as its reader fetches: the LIMIT stops the walk.
        sql = f"WITH RECURSIVE walk({COLUMNS}) AS ({first} UNION {step}) SELECT {COLUMNS} FROM walk LIMIT :budget"
    else:
        # A LIMIT inside SQLite's recursive CTE bounds every row it will ever add.
        sql = f"WITH RECURSIVE walk({COLUMNS}) AS ({first} UNION {step} LIMIT :budget) SELECT {COLUMNS} FROM walk"
    _SQL[key] = text(sql)
    return _SQL[key]


def walk_one(session: Session, start: str, direction: str, depth: int, edge_types: set[str] | None,
             max_nodes: int, budget: int | None = None) -> Subgraph:
    """Upstream or downstream of ``start``: one statement, then the reference walk over its rows."""
    kind, _ = split_uid(start)
    if kind not in KINDS or kind == "links" or depth < 1:
        return Subgraph(nodes={start: 0})
    types = None if edge_types is None else frozenset(edge_types)
    if budget is not None:
        return _walk(session, start, direction, depth, types, max_nodes, budget)[0]
    result, exact = _walk(session, start, direction, depth, types, max_nodes,
                          max_nodes * FIRST_ROWS_PER_NODE + traversal.EXPAND_SLICE)
    # A walk that met the cap is truncated on both walks alike; only one short of it may be
    # the reference's complete answer, and is asked again with room enough to be sure.
    if not exact and len(result.nodes) < max_nodes:
        result, _ = _walk(session, start, direction, depth, types, max_nodes,
                          max_nodes * RETRY_ROWS_PER_NODE + traversal.EXPAND_SLICE)
    return result


def _walk(session, start, direction, depth, types, max_nodes, budget) -> tuple[Subgraph, bool]:
    """The walk within ``budget`` rows, and whether it is surely the reference's answer."""
    connection = session.connection()
    rows = connection.execute(statement(connection.dialect.name, direction, types),
                              {"start": start, "depth": depth, "budget": budget}).all()
    out: dict[str, dict[str, Edge]] = defaultdict(dict)
    deepest = 0
    downstream = direction == "downstream"
    for depth_of, edge_uid, edge_type, here, there, transport, frequency in rows:
        if depth_of:
            out[here][edge_uid] = Edge(edge_uid, edge_type, *((here, there) if downstream else (there, here)),
                                       transport, frequency)
            deepest = max(deepest, depth_of)
    expanded: list[str] = []

    def expand(nodes, _types, _direction, limit=None):
        expanded.extend(nodes)
        return [edge for node in nodes for edge in out.get(node, {}).values()]

    result = traversal.traverse(expand, start, direction, depth, None if types is None else set(types), max_nodes)
    if len(rows) < budget:
        return result, True
    # The budget ran out inside the walk's deepest level L, so levels before L are whole: the
    # answer is the reference's if the walk stopped at the cap while taking a level before L,
    # that is if no node it expanded lies deeper than L - 2.
    result.truncated = True
    return result, max(result.nodes[node] for node in expanded) <= deepest - 2


def traverse(session: Session, start: str, direction: str, depth: int, edge_types: set[str] | None,
             max_nodes: int) -> Subgraph:
    """``traversal.traverse``'s answer in one statement per direction (two for "both")."""
    return traversal.walk_directions(
        lambda way, cap: walk_one(session, start, way, depth, edge_types, cap), direction, max_nodes)
