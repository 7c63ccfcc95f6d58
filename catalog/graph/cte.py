"""The sql backend's walk as one capped recursive query per direction (SQLite and PostgreSQL).

``traversal.traverse`` walks level by level over ``expand`` and sends about a hundred statements
per lineage (per slice, kind, side and relation column, then liveness per kind); nearly all of
its time is statement overhead. Here one ``WITH RECURSIVE`` statement follows the live links and
the relation columns from the start, breadth first, and returns each step it took as a row
(depth, edge, from, to). The rows are then walked by the reference ``traversal.traverse`` over an
in-memory ``expand``, so the answer (depths, edges, node cap, ``truncated``) is the reference's
by construction; tests/test_graph_cte.py compares the two on generated graphs.

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
from catalog.graph.model import FK_EDGES, LINK_FLOW, Edge, Subgraph, split_uid, uid
from catalog.graph.store_edges import _wanted
from catalog.kinds import KINDS, LINK_RULES

FIRST_ROWS_PER_NODE = 8  # rows of the first try: most walks meet the cap within it
RETRY_ROWS_PER_NODE = 64  # the second, larger budget when the first one left the answer unsure

_SQL: dict[tuple, object] = {}


def _table(kind: str) -> str:
    return KINDS[kind].model.__tablename__


def _node_kinds() -> list[str]:
    return [kind for kind in KINDS if kind != "links"]


def _live(kind_expr: str, id_expr: str) -> str:
    """Is the record named by (kind, id) live? One indexed probe of that kind's table."""
    branches = " ".join(
        f"WHEN '{kind}' THEN EXISTS (SELECT 1 FROM {_table(kind)} x WHERE x.id = {id_expr} AND x.deleted_at IS NULL)"
        for kind in _node_kinds())
    return f"(CASE {kind_expr} {branches} ELSE FALSE END)"


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _steps(direction: str, edge_types: frozenset[str] | None, node: tuple[str, str]) -> list[tuple[str, str, list[str]]]:
    """(table, condition, select list) of each way to step from ``node`` (kind, id expressions).

    The select list is (edge type, tag, row id, next kind, next id, transport, frequency); the
    tag is "link" or "<kind>|<column>" for a relation column, enough to rebuild the edge's uid.
    """
    kind_expr, id_expr = node
    types = set(LINK_FLOW) if edge_types is None else set(edge_types) & set(LINK_FLOW)
    steps = []
    for side, other in (("source", "target"), ("target", "source")):
        side_types = sorted(t for t in types if _wanted(side, LINK_FLOW[t], direction))
        if not side_types:
            continue
        select = ["l.link_type", "'link'", "l.id", f"l.{other}_kind", f"l.{other}_id", "l.transport", "l.frequency"]
        near = f"l.{side}_kind = {kind_expr} AND l.{side}_id = {id_expr} AND l.deleted_at IS NULL"
        # The kinds a link type may join (LINK_RULES) give one arm per kind at the other end, so
        # that end's liveness is a plain join; rows outside the rules still get the generic check.
        allowed = []
        for other_kind in _node_kinds():
            kind_types = [t for t in side_types if other_kind in LINK_RULES[t][0 if other == "source" else 1]]
            if not kind_types:
                continue
            near_kinds = sorted({k for t in kind_types for k in LINK_RULES[t][0 if side == "source" else 1]})
            allowed.append(f"(l.{other}_kind = '{other_kind}' AND l.link_type IN ({_listed(kind_types)}))")
            steps.append((f"links l, {_table(other_kind)} o",
                          f"{kind_expr} IN ({_listed(near_kinds)}) AND {near} AND l.link_type IN ({_listed(kind_types)}) "
                          f"AND l.{other}_kind = '{other_kind}' AND o.id = l.{other}_id AND o.deleted_at IS NULL",
                          select))
        outside = f" AND NOT ({' OR '.join(allowed)})" if allowed else ""
        steps.append(("links l", f"{near} AND l.link_type IN ({_listed(side_types)}){outside} "
                                 f"AND {_live(f'l.{other}_kind', f'l.{other}_id')}", select))
    for (kind, column), (edge_type, target_kind, forward) in FK_EDGES.items():
        if edge_types is not None and edge_type not in edge_types:
            continue
        if _wanted("source", forward, direction):  # the node holds the key: step to what it names
            steps.append((
                f"{_table(kind)} r", f"{kind_expr} = '{kind}' AND r.id = {id_expr} AND r.deleted_at IS NULL "
                f"AND r.{column} IS NOT NULL AND EXISTS (SELECT 1 FROM {_table(target_kind)} t "
                f"WHERE t.id = r.{column} AND t.deleted_at IS NULL)",
                [f"'{edge_type}'", f"'{kind}|{column}'", "r.id", f"'{target_kind}'", f"r.{column}", "NULL", "NULL"]))
        if _wanted("target", forward, direction):  # records name the node: step to them
            steps.append((
                f"{_table(kind)} r", f"{kind_expr} = '{target_kind}' AND r.{column} = {id_expr} "
                f"AND r.deleted_at IS NULL",
                [f"'{edge_type}'", f"'{kind}|{column}'", "r.id", f"'{kind}'", "r.id", "NULL", "NULL"]))
    return steps


V = "VARCHAR(64)"
COLUMNS = "depth, etype, tag, rid, fkind, fid, nkind, nid, transport, frequency"


def statement(dialect: str, direction: str, edge_types: frozenset[str] | None):
    """The walk for one direction, built once per (engine, direction, edge types).

    Each row is a step: (depth, edge, the node it leaves, the node it reaches), breadth first,
    deduplicated by UNION, cut at ``:budget`` rows (the start's row included).
    """
    key = (dialect, direction, edge_types)
    if key in _SQL:
        return _SQL[key]
    start_live = _live(f"CAST(:kind AS {V})", "CAST(:id AS INTEGER)")
    first = (f"SELECT 0, CAST(NULL AS {V}), CAST(NULL AS {V}), CAST(NULL AS INTEGER), CAST(NULL AS {V}), "
             f"CAST(NULL AS INTEGER), CAST(:kind AS {V}), CAST(:id AS INTEGER), CAST(NULL AS {V}), "
             f"CAST(NULL AS {V}) WHERE {start_live}")
    steps = _steps(direction, edge_types, ("w.nkind", "w.nid"))
    if dialect == "postgresql":
        # One reference to the recursive table is allowed: the ways to step are a LATERAL union,
        # each branch an indexed lookup for the frontier row.
        union = " UNION ALL ".join(f"SELECT {', '.join(select)} FROM {table} WHERE {where}"
                                   for table, where, select in steps) or \
            "SELECT '', '', 0, '', 0, '', '' WHERE FALSE"
        sql = (f"WITH RECURSIVE walk({COLUMNS}) AS ({first} UNION "
               f"SELECT w.depth + 1, CAST(e.etype AS {V}), CAST(e.tag AS {V}), e.rid, w.nkind, w.nid, "
               f"CAST(e.nkind AS {V}), e.nid, CAST(e.transport AS {V}), CAST(e.frequency AS {V}) "
               f"FROM walk w CROSS JOIN LATERAL ({union}) AS e(etype, tag, rid, nkind, nid, transport, frequency) "
               f"WHERE w.depth < :depth) "
               # PostgreSQL computes a WITH query only as far as its reader fetches: the LIMIT stops the walk.
               f"SELECT {COLUMNS} FROM walk LIMIT :budget")
    else:
        # SQLite (3.34+) takes several recursive selects, each joining the frontier row once; a
        # LIMIT inside the recursive CTE bounds every row it will ever add.
        parts = [first] + [
            f"SELECT w.depth + 1, {etype}, {tag}, {rid}, w.nkind, w.nid, {nkind}, {nid}, {transport}, {frequency} "
            f"FROM walk w, {table} WHERE {where} AND w.depth < :depth"
            for table, where, (etype, tag, rid, nkind, nid, transport, frequency) in steps]
        sql = f"WITH RECURSIVE walk({COLUMNS}) AS ({' UNION '.join(parts)} LIMIT :budget) SELECT {COLUMNS} FROM walk"
    _SQL[key] = text(sql)
    return _SQL[key]


def _edge(direction: str, etype, tag, rid, fkind, fid, nkind, nid, transport, frequency) -> Edge:
    here, there = uid(fkind, fid), uid(nkind, nid)
    source, target = (here, there) if direction == "downstream" else (there, here)
    if tag == "link":
        return Edge(f"link:{rid}", etype, source, target, transport, frequency)
    kind, column = tag.split("|")
    return Edge(f"fk:{kind}:{rid}:{column}", etype, source, target)


def walk_one(session: Session, start: str, direction: str, depth: int, edge_types: set[str] | None,
             max_nodes: int, budget: int | None = None) -> Subgraph:
    """Upstream or downstream of ``start``: one statement, then the reference walk over its rows."""
    kind, record_id = split_uid(start)
    if kind not in KINDS or kind == "links" or depth < 1:
        return Subgraph(nodes={start: 0})
    types = None if edge_types is None else frozenset(edge_types)
    if budget is not None:
        return _walk(session, start, kind, record_id, direction, depth, types, max_nodes, budget)[0]
    result, exact = _walk(session, start, kind, record_id, direction, depth, types, max_nodes,
                          max_nodes * FIRST_ROWS_PER_NODE + traversal.EXPAND_SLICE)
    # A walk that met the cap is truncated on both walks alike; only one short of it may be
    # the reference's complete answer, and is asked again with room enough to be sure.
    if not exact and len(result.nodes) < max_nodes:
        result, _ = _walk(session, start, kind, record_id, direction, depth, types, max_nodes,
                          max_nodes * RETRY_ROWS_PER_NODE + traversal.EXPAND_SLICE)
    return result


def _walk(session, start, kind, record_id, direction, depth, types, max_nodes, budget) -> tuple[Subgraph, bool]:
    """The walk within ``budget`` rows, and whether it is surely the reference's answer."""
    connection = session.connection()
    rows = connection.execute(statement(connection.dialect.name, direction, types),
                              {"kind": kind, "id": record_id, "depth": depth, "budget": budget}).all()
    out: dict[str, dict[str, Edge]] = defaultdict(dict)
    deepest = 0
    for row in rows:
        if row[0]:
            edge = _edge(direction, *row[1:])
            out[uid(row[4], row[5])][edge.uid] = edge
            deepest = max(deepest, row[0])
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
