"""The neo4j projection: the store's graph kept in a Cypher server, fed by the outbox.

- ``rebuild`` clears the server's graph and writes every live node and edge, then sets the
  position to the newest change event read *before* the store, so nothing written meanwhile
  is skipped (applying it again is harmless).
- ``sync`` applies the change events after the position, in id order and in batches: each
  batch is read, applied to the server, and only then the position advances, in its own
  transaction. A failure or a kill leaves the rest for the next run; every statement is
  idempotent (MERGE and delete by uid), so applying a batch twice changes nothing.
  Events are not replayed one by one: each names a record (or a link) whose *current* state
  in the store is written, so a batch reads the store once.
- ``check`` compares the store with the server and names what differs.

The outbox is read in id order. On PostgreSQL ids come from a sequence, so writers hold an
advisory lock from their first event to their commit (``history.lock_outbox``): events commit
in id order and none can land behind the position. ``check`` would report it if one did.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog import models
from catalog.graph import store_edges
from catalog.graph.model import Edge, split_uid, uid
from catalog.graph.neo4j_backend import GraphError, Neo4jGraph
from catalog.kinds import KINDS

POSITION = "graph"  # ProjectionPosition.name of this projection
CHUNK = 2000  # rows handed to the graph at a time (it cuts further if the server needs)

Progress = Callable[[str, int], None]

# A link row as store_edges.link_edge reads it, and whether it is deleted.
_LINK_COLUMNS = (*store_edges.LINK_COLUMNS, models.Link.deleted_at)


@dataclass
class Drift:
    """What the server's graph lacks (missing) and holds beyond the store (extra), by uid."""

    missing_nodes: set[str] = field(default_factory=set)
    extra_nodes: set[str] = field(default_factory=set)
    missing_edges: set[str] = field(default_factory=set)
    extra_edges: set[str] = field(default_factory=set)

    @property
    def clean(self) -> bool:
        return not (self.missing_nodes or self.extra_nodes or self.missing_edges or self.extra_edges)


@dataclass
class _Plan:
    """What one batch of events does to the graph, read from the store."""

    delete_nodes: set[str] = field(default_factory=set)
    node_rows: list[dict] = field(default_factory=list)
    delete_edges: set[str] = field(default_factory=set)
    # Live records whose edges are replaced: every FLOW edge touching them not in ``edges`` goes.
    replace_around: set[str] = field(default_factory=set)
    edges: dict[str, Edge] = field(default_factory=dict)


def _batched(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Neo4jProjection:
    def __init__(self, graph: Neo4jGraph, sessions: sessionmaker[Session]):
        self.graph = graph
        self.sessions = sessions

    # -- the position

    @staticmethod
    def position(session: Session) -> int:
        row = session.get(models.ProjectionPosition, POSITION)
        return row.last_event_id if row is not None else 0

    def pending(self, session: Session) -> int:
        """Change events not yet applied to the graph."""
        return session.scalar(select(func.count()).select_from(models.ChangeEvent)
                              .where(models.ChangeEvent.id > self.position(session))) or 0

    def _set_position(self, event_id: int, forward_only: bool) -> None:
        """Store the position in its own transaction (forward only for sync: a parallel sync may be ahead)."""
        now = datetime.now(UTC)
        for _ in range(2):
            with self.sessions.begin() as session:
                query = (update(models.ProjectionPosition)
                         .where(models.ProjectionPosition.name == POSITION)
                         .values(last_event_id=event_id, updated_at=now))
                if forward_only:
                    query = query.where(models.ProjectionPosition.last_event_id < event_id)
                if session.execute(query).rowcount:
                    return
                if session.get(models.ProjectionPosition, POSITION) is not None:
                    return  # already at or past event_id
            try:
                with self.sessions.begin() as session:
                    session.add(models.ProjectionPosition(name=POSITION, last_event_id=event_id, updated_at=now))
                return
            except IntegrityError:
                continue  # created meanwhile by another run: update it

    # -- rows

    def _node_row(self, node_uid: str, kind: str, record_id: int, title) -> dict:
        return {"uid": node_uid, "kind": kind, "record_id": record_id,
                "title": self.graph.fit_title(None if title is None else str(title))}

    def _node_rows(self, session: Session, uids: Iterable[str]) -> list[dict]:
        """Rows of the live records among ``uids``."""
        by_kind: dict[str, list[int]] = defaultdict(list)
        for node in uids:
            kind, record_id = split_uid(node)
            if kind in KINDS and kind != "links":
                by_kind[kind].append(record_id)
        rows = []
        for kind_name, ids in by_kind.items():
            kind = KINDS[kind_name]
            model, title_col = kind.model, getattr(kind.model, kind.title_field)
            for chunk in _batched(sorted(set(ids)), store_edges.CHUNK):
                for record_id, title in session.execute(
                        select(model.id, title_col).where(model.id.in_(chunk), model.deleted_at.is_(None))):
                    rows.append(self._node_row(uid(kind_name, record_id), kind_name, record_id, title))
        return rows

    # -- rebuild

    def rebuild(self, progress: Progress | None = None) -> dict:
        """Clear the server's graph and write the store's graph into it."""
        progress = progress or (lambda stage, count: None)
        self.graph.ensure_indexes()
        with self.sessions() as session:
            # The position first: whatever is committed after this is applied by the next sync.
            upto = session.scalar(select(func.max(models.ChangeEvent.id))) or 0
            removed = self.graph.clear()
            progress("Удалено узлов", removed)
            nodes = 0
            for batch in _batched(self._node_row(*row) for row in store_edges.all_nodes(session)):
                nodes += self.graph.upsert_nodes(batch)
                progress("Узлы", nodes)
            edges = 0
            expected = 0
            for batch in _batched(store_edges.all_edges(session)):
                expected += len(batch)
                edges += self.graph.upsert_edges(batch)
                progress("Связи", edges)
        if edges != expected:
            raise GraphError(f"В граф записано {edges} связей из {expected}: у части связей нет концов в графе.")
        self._set_position(upto, forward_only=False)
        return {"nodes": nodes, "edges": edges, "position": upto}

    # -- sync

    def sync(self, batch_size: int = 1000, progress: Progress | None = None, max_events: int | None = None) -> int:
        """Apply the change events after the position (at most ``max_events``); returns how many were applied."""
        progress = progress or (lambda stage, count: None)
        applied = 0
        self.graph.ensure_indexes()  # also: an unreachable server fails here, before anything is read
        while max_events is None or applied < max_events:
            size = batch_size if max_events is None else min(batch_size, max_events - applied)
            with self.sessions() as session:
                position = self.position(session)
                events = session.execute(
                    select(models.ChangeEvent.id, models.ChangeEvent.record_kind, models.ChangeEvent.record_id)
                    .where(models.ChangeEvent.id > position)
                    .order_by(models.ChangeEvent.id)
                    .limit(size)
                ).all()
                if not events:
                    return applied
                plan = self._plan(session, events)
            self._apply(plan)
            self._set_position(events[-1].id, forward_only=True)
            applied += len(events)
            progress("События", applied)
        return applied

    def _plan(self, session: Session, events) -> _Plan:
        plan = _Plan()
        records: dict[str, set[int]] = defaultdict(set)
        link_ids: set[int] = set()
        for _, kind, record_id in events:
            if kind == "links":
                link_ids.add(record_id)
            elif kind in KINDS:
                records[kind].add(record_id)

        # Records: a live one is (re)written with every edge touching it; a deleted one goes.
        for kind, ids in records.items():
            live = store_edges.live_ids(session, kind, ids)
            plan.replace_around.update(uid(kind, i) for i in live)
            plan.delete_nodes.update(uid(kind, i) for i in ids - live)
        if plan.replace_around:
            for edge in store_edges.edges_touching(session, plan.replace_around):
                plan.edges[edge.uid] = edge

        # Links: a live link between live records is written; otherwise its edge goes.
        found: set[int] = set()
        link_edges: list[tuple[Edge, bool]] = []
        for chunk in _batched(sorted(link_ids), store_edges.CHUNK):
            for row in session.execute(select(*_LINK_COLUMNS).where(models.Link.id.in_(chunk))):
                found.add(row[0])
                link_edges.append((store_edges.link_edge(tuple(row[:-1])), row[8] is None))
        alive = store_edges.live_nodes(session, {n for e, _ in link_edges for n in (e.source, e.target)})
        for edge, live in link_edges:
            if live and edge.source in alive and edge.target in alive:
                plan.edges[edge.uid] = edge
            else:
                plan.delete_edges.add(edge.uid)
        plan.delete_edges.update(f"link:{i}" for i in link_ids - found)
        plan.delete_edges -= set(plan.edges)

        # Nodes to write: the live records of the batch and every end of an edge to write
        # (an end may be missing from the graph if its own event is later in the outbox).
        ends = {n for e in plan.edges.values() for n in (e.source, e.target)}
        plan.node_rows = self._node_rows(session, plan.replace_around | ends)
        written = {row["uid"] for row in plan.node_rows}
        # A record deleted between two reads: leave its edges to its own (later) event.
        plan.edges = {k: e for k, e in plan.edges.items() if e.source in written and e.target in written}
        return plan

    def _apply(self, plan: _Plan) -> None:
        graph = self.graph
        if plan.delete_nodes:
            graph.delete_nodes(sorted(plan.delete_nodes))
        for batch in _batched(plan.node_rows):
            graph.upsert_nodes(batch)
        if plan.delete_edges:
            graph.delete_edges(sorted(plan.delete_edges))
        if plan.replace_around:
            stale = {e.uid for e in graph.expand(plan.replace_around, None)} - set(plan.edges)
            if stale:
                graph.delete_edges(sorted(stale))
        expected = len(plan.edges)
        written = sum(graph.upsert_edges(batch) for batch in _batched(plan.edges.values()))
        if written < expected:
            raise GraphError(f"В граф записано {written} связей из {expected}: у части связей нет концов в графе.")

    # -- check

    def check(self) -> Drift:
        """Compare the store's graph with the server's: nodes by uid, edges by uid, type and ends."""
        with self.sessions() as session:
            store_nodes = {row[0] for row in store_edges.all_nodes(session)}
            store_graph = {e.uid: (e.edge_type, e.source, e.target) for e in store_edges.all_edges(session)}
        drift = Drift()
        held_nodes: dict[str, int] = defaultdict(int)
        for node in self.graph.node_uids():
            held_nodes[node] += 1
        drift.missing_nodes = store_nodes - set(held_nodes)
        drift.extra_nodes = {n for n, count in held_nodes.items() if n not in store_nodes or count > 1}
        held_edges: dict[str, list[tuple]] = defaultdict(list)
        for edge in self.graph.all_edges():
            held_edges[edge.uid].append((edge.edge_type, edge.source, edge.target))
        for edge_uid, spec in store_graph.items():
            held = held_edges.get(edge_uid)
            if not held:
                drift.missing_edges.add(edge_uid)
            elif any(h != spec for h in held):
                # Different ends or type: the right edge is missing and the wrong one is extra.
                if spec not in held:
                    drift.missing_edges.add(edge_uid)
                drift.extra_edges.add(edge_uid)
            elif len(held) > 1:
                drift.extra_edges.add(edge_uid)  # held twice
        drift.extra_edges.update(set(held_edges) - set(store_graph))
        return drift
