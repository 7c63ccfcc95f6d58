"""The sql backend's walk as one capped recursive query per direction (SQLite and PostgreSQL).

``traversal.traverse`` walks level by level over ``expand`` and sends about a hundred statements
per lineage; nearly all of its time is statement overhead. Here one ``WITH RECURSIVE`` statement
follows the ``graph_edges`` table (migration 0024: every live edge, flow-oriented,
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

FIRST_ROWS_PER_NODE = 4  # walk rows of the first try: most walks meet the cap within it
RETRY_ROWS_PER_NODE = 64  # the second, larger budget when the first one left the answer unsure

_SQL: dict[tuple, object] = {}
V = "VARCHAR(96)"


def statement(dialect: str, direction: str, edge_types: frozenset[str] | None):
    """The walk for one direction, built once per (engine, direction, edge types).

    The recursion walks nodes, not edges: a row is (depth, node), deduplicated by UNION, so a
    record reached by many edges at one level is expanded once there (a row per edge would expand
    it once per edge, and a hub's fan-out as many times). It is cut at ``:budget`` rows, the
    start's included. Then the edges: every edge of each walked record the reference walk may
    expand (not on the last level, and on a level the cap still lets it reach), with the depth it
    was first reached at; their far ends need no check (a join on the walked records cost ten
    times the rest). A last row (depth -1) tells
    how many walk rows there were and the deepest level, as text. A dead or unknown start has no
    edges in the table, so it needs no check of its own.
    """
    key = (dialect, direction, edge_types)
    if key in _SQL:
        return _SQL[key]
    near, far = ("source", "target") if direction == "downstream" else ("target", "source")
    # Edge types are written into the statement (one plan per set); only known names get there.
    known = None if edge_types is None else sorted(edge_types & EDGE_TYPES)
    typed = "" if known is None else f" AND e.edge_type IN ({', '.join(repr(t) for t in known)})" if known \
        else " AND FALSE"
    step = (f"SELECT w.depth + 1, e.{far} FROM walk w JOIN graph_edges e ON e.{near} = w.node "
            f"WHERE w.depth < :depth{typed}")
    start = "SELECT 0, CAST(:start AS VARCHAR(64))"  # the type of graph_edges.source and .target
    if dialect == "postgresql":
        # PostgreSQL computes a WITH query only as far as its reader fetches: the LIMIT of
        # ``capped`` stops the walk (a recursive term cannot hold a LIMIT itself).
        walk = (f"walk(depth, node) AS ({start} UNION {step}), "
                f"capped AS MATERIALIZED (SELECT depth, node FROM walk LIMIT :budget)")
    else:
        # A LIMIT inside SQLite's recursive CTE bounds every row it will ever add.
        walk = f"walk(depth, node) AS ({start} UNION {step} LIMIT :budget), capped AS (SELECT depth, node FROM walk)"
    # The reference walk expands a level only while the records up to it fit the cap: the edges of
    # deeper records (a hub's thousands, often) are never looked at, so they are not fetched.
    sql = (f"WITH RECURSIVE {walk}, reached AS (SELECT node, MIN(depth) AS depth FROM capped GROUP BY node), "
           f"levels AS (SELECT depth, COUNT(*) AS n FROM reached GROUP BY depth), "
           f"expandable AS (SELECT MAX(l.depth) AS k FROM levels l "
           f"WHERE (SELECT SUM(m.n) FROM levels m WHERE m.depth <= l.depth) <= :cap) "
           f"SELECT r.depth, e.uid, e.edge_type, e.source, e.target, e.transport, e.frequency "
           f"FROM reached r JOIN graph_edges e ON e.{near} = r.node "
           f"WHERE r.depth < :depth AND r.depth <= (SELECT k FROM expandable){typed} "
           f"UNION ALL SELECT -1, CAST(COUNT(*) AS {V}), CAST(MAX(depth) AS {V}), NULL, NULL, NULL, NULL FROM capped")
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
                              {"start": start, "depth": depth, "budget": budget, "cap": max_nodes}).all()
    out: dict[str, list[Edge]] = defaultdict(list)
    walked, deepest = 0, 0
    downstream = direction == "downstream"
    for depth_of, edge_uid, edge_type, source, target, transport, frequency in rows:
        if depth_of < 0:
            walked, deepest = int(edge_uid), int(edge_type or 0)
        else:
            out[source if downstream else target].append(
                Edge(edge_uid, edge_type, source, target, transport, frequency))
    expanded: list[str] = []

    def expand(nodes, _types, _direction, limit=None):
        expanded.extend(nodes)
        return [edge for node in nodes for edge in out.get(node, ())]

    result = traversal.traverse(expand, start, direction, depth, None if types is None else set(types), max_nodes)
    if walked < budget:
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
