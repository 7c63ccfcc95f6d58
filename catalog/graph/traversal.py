"""Traversal, paths, neighbourhood and subgraph, written once over a backend's ``expand``.

A backend only answers "which live edges touch these nodes" (``expand``); walking level by
level here keeps the answers of every backend identical, lets one query serve a whole level,
and stops at a node cap instead of enumerating paths in a dense graph.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

from catalog.graph.model import Edge, Subgraph

# expand(nodes, edge_types, direction, limit) → the live edges touching ``nodes`` that flow that
# way, at most ``limit`` rows per query when a limit is given.
Expand = Callable[..., list[Edge]]


EXPAND_SLICE = 64
EDGES_PER_NEW_NODE = 8


def _next_nodes(edge: Edge, frontier: set[str], direction: str) -> list[str]:
    out = []
    if direction in ("downstream", "both") and edge.source in frontier:
        out.append(edge.target)
    if direction in ("upstream", "both") and edge.target in frontier:
        out.append(edge.source)
    return out


def traverse(expand: Expand, start: str, direction: str, depth: int, edge_types: set[str] | None,
             max_nodes: int) -> Subgraph:
    """Records reachable from ``start`` along the flow (downstream), against it (upstream) or both.

    "both" is the union of the two walks, not a zigzag: a dataset's other consumers are not
    upstream of a process that consumes it.
    """
    if direction == "both":
        return walk_directions(lambda way, cap: traverse(expand, start, way, depth, edge_types, cap),
                               direction, max_nodes)
    result = Subgraph(nodes={start: 0})
    frontier = {start}
    for level in range(1, depth + 1):
        if not frontier:
            break
        following: set[str] = set()
        ordered = sorted(frontier)
        # A level is expanded a slice at a time, so a walk that reaches the cap stops fetching.
        for first in range(0, len(ordered), EXPAND_SLICE):
            part = set(ordered[first:first + EXPAND_SLICE])
            # Near the cap a slice needs only a few more edges; fetching a hub's thousands is waste.
            limit = (max_nodes - len(result.nodes)) * EDGES_PER_NEW_NODE + EXPAND_SLICE
            found = expand(part, edge_types, direction, limit)
            if len(found) >= limit:
                result.truncated = True
            for edge in sorted(found, key=lambda e: e.uid):
                for node in _next_nodes(edge, part, direction):
                    if node not in result.nodes:
                        if len(result.nodes) >= max_nodes:
                            result.truncated = True
                            continue
                        result.nodes[node] = level
                        following.add(node)
                    if node in result.nodes:
                        result.edges[edge.uid] = edge
            if result.truncated:
                break
        if result.truncated:
            break  # the cap is reached: deeper levels would only be cut away
        frontier = following
    return result


def walk_directions(walk: Callable[[str, int], Subgraph], direction: str, max_nodes: int) -> Subgraph:
    """``walk(direction, cap)`` for one direction; for "both" the union of the two walks.

    Upstream may take half the cap, downstream what is left (the start counts once).
    """
    if direction != "both":
        return walk(direction, max_nodes)
    up = walk("upstream", max(1, max_nodes // 2))
    down = walk("downstream", max(1, max_nodes - len(up.nodes) + 1))
    for node, distance in down.nodes.items():
        up.nodes[node] = min(distance, up.nodes.get(node, distance))
    up.edges.update(down.edges)
    up.truncated = up.truncated or down.truncated
    return up


def paths(expand: Expand, source: str, target: str, max_depth: int, edge_types: set[str] | None,
          limit: int, direction: str = "downstream") -> list[list[Edge]]:
    """Shortest paths from ``source`` to ``target`` (breadth first), at most ``limit`` of them."""
    parents: dict[str, list[tuple[str, Edge]]] = {source: []}
    depth_of = {source: 0}
    frontier = {source}
    found_at = None
    for level in range(1, max_depth + 1):
        if not frontier or found_at is not None:
            break
        following: set[str] = set()
        for edge in sorted(expand(frontier, edge_types, direction), key=lambda e: e.uid):
            for node in _next_nodes(edge, frontier, direction):
                previous = edge.source if node == edge.target else edge.target
                if node not in depth_of:
                    depth_of[node] = level
                    parents[node] = []
                    following.add(node)
                if depth_of[node] == level:
                    parents[node].append((previous, edge))
        if target in depth_of:
            found_at = depth_of[target]
        frontier = following
    if target not in parents or target == source:
        return []
    out: list[list[Edge]] = []
    stack: deque[tuple[str, list[Edge]]] = deque([(target, [])])
    while stack and len(out) < limit:
        node, tail = stack.pop()
        if node == source:
            out.append(tail)
            continue
        for previous, edge in sorted(parents[node], key=lambda p: p[1].uid, reverse=True):
            stack.append((previous, [edge, *tail]))
    return out


def subgraph(expand: Expand, nodes: set[str], edge_types: set[str] | None) -> Subgraph:
    """The given records and the edges among them."""
    result = Subgraph(nodes={node: 0 for node in nodes})
    for edge in expand(set(nodes), edge_types, None):
        if edge.source in nodes and edge.target in nodes:
            result.edges[edge.uid] = edge
    return result
