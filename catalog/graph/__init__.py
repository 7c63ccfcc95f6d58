"""The catalogue as a graph: lineage, impact and paths over records and their links.

Two backends answer the same questions (``model.GraphBackend``): ``sql`` reads the store itself
and is always consistent; ``neo4j`` reads a Cypher server that a projection keeps in step with
the store through the outbox (``projection.py``). Which one answers is configuration
(``CATALOG_GRAPH_BACKEND``).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from catalog.graph import cte, edges_table, store_edges, traversal
from catalog.graph.model import Edge, Subgraph


class QueryMixin:
    """The questions, asked of any backend that can ``expand`` a set of nodes."""

    def expand(self, nodes: set[str], edge_types: set[str] | None, direction: str | None = None,
               limit: int | None = None) -> list[Edge]:
        raise NotImplementedError

    def traverse(self, start, direction, depth, edge_types, max_nodes) -> Subgraph:
        return traversal.traverse(self.expand, start, direction, depth, edge_types, max_nodes)

    def paths(self, source, target, max_depth, edge_types, limit, direction="downstream"):
        return traversal.paths(self.expand, source, target, max_depth, edge_types, limit, direction)

    def neighbourhood(self, node, edge_types, max_nodes) -> Subgraph:
        return traversal.traverse(self.expand, node, "both", 1, edge_types, max_nodes)

    def subgraph(self, nodes, edge_types) -> Subgraph:
        return traversal.subgraph(self.expand, nodes, edge_types)


class Neo4jQueries(QueryMixin):
    """The neo4j backend: the projection's server answers; the outbox is applied first."""

    name = "neo4j"

    def __init__(self, graph, projection):
        self.graph, self.projection = graph, projection

    def expand(self, nodes: set[str], edge_types: set[str] | None, direction: str | None = None,
               limit: int | None = None) -> list[Edge]:
        return self.graph.expand(nodes, edge_types, direction, limit)

    def traverse(self, start, direction, depth, edge_types, max_nodes) -> Subgraph:
        """One Cypher statement a direction (``Neo4jGraph.walk``), then the reference walk over its edges."""
        return traversal.walk_directions(
            lambda way, cap: self._walk_one(start, way, depth, edge_types, cap), direction, max_nodes)

    def _walk_one(self, start, direction, depth, edge_types, max_nodes) -> Subgraph:
        edges = self.graph.walk(start, direction, depth, edge_types, max_nodes)
        if edges is None:  # too long a statement for this server: the level walk, a statement a level
            return traversal.traverse(self.expand, start, direction, depth, edge_types, max_nodes)
        out: dict[str, list[Edge]] = {}
        for edge in edges:
            out.setdefault(edge.source if direction == "downstream" else edge.target, []).append(edge)

        def expand(nodes, _types, _direction=None, limit=None):
            return [edge for node in nodes for edge in out.get(node, ())]

        return traversal.traverse(expand, start, direction, depth, edge_types, max_nodes)

    def behind(self, session: Session) -> int:
        """Events of the outbox the projection has not applied yet: one count on the store, read
        afresh (a long-lived session's cached position would be stale)."""
        from sqlalchemy import func, select

        from catalog import models
        from catalog.graph.projection import POSITION

        applied = select(models.ProjectionPosition.last_event_id).where(
            models.ProjectionPosition.name == POSITION).scalar_subquery()
        return session.scalar(select(func.count()).select_from(models.ChangeEvent).where(
            models.ChangeEvent.id > func.coalesce(applied, 0))) or 0

    def catch_up(self) -> None:
        self.projection.sync()


def open_graph(settings, sessions) -> Neo4jQueries | None:
    """The configured backend; None means the store itself (sql)."""
    if settings.graph_backend == "sql":
        return None
    if settings.graph_backend != "neo4j":
        raise ValueError(f"CATALOG_GRAPH_BACKEND: неизвестный бэкенд графа «{settings.graph_backend}» (sql или neo4j).")
    if not settings.neo4j_url:
        raise ValueError("CATALOG_GRAPH_BACKEND=neo4j требует CATALOG_NEO4J_URL (bolt://…).")
    from catalog.graph.neo4j_backend import Neo4jGraph
    from catalog.graph.projection import Neo4jProjection

    graph = Neo4jGraph(settings.neo4j_url, settings.neo4j_user, settings.neo4j_password)
    return Neo4jQueries(graph, Neo4jProjection(graph, sessions))


class SqlGraph(QueryMixin):
    """The default backend: the store's ``graph_edges`` table, which triggers keep with the records.

    Lineage is one capped recursive query per direction over it (``cte``), on SQLite and
    PostgreSQL alike: with one indexed arm a step it is the faster walk on both
    (docs/benchmarks.md, «Lineage in one statement»). Paths and subgraphs expand from it too.
    """

    name = "sql"

    def __init__(self, session: Session):
        self.session = session

    def expand(self, nodes: set[str], edge_types: set[str] | None, direction: str | None = None,
               limit: int | None = None) -> list[Edge]:
        return edges_table.expand(self.session, nodes, edge_types, direction, limit)

    def traverse(self, start, direction, depth, edge_types, max_nodes) -> Subgraph:
        return cte.traverse(self.session, start, direction, depth, edge_types, max_nodes)


# The name the tests and the benchmark used when only PostgreSQL walked by the recursive query.
RecursiveSqlGraph = SqlGraph


class StoreSqlGraph(QueryMixin):
    """The reference: the level walk over the links and relation columns themselves (tests, benchmark)."""

    name = "sql"

    def __init__(self, session: Session):
        self.session = session

    def expand(self, nodes: set[str], edge_types: set[str] | None, direction: str | None = None,
               limit: int | None = None) -> list[Edge]:
        return store_edges.edges_touching(self.session, nodes, edge_types, direction, limit)
