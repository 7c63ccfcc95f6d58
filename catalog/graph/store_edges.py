"""The graph as the store holds it: live records are nodes; live links and relation foreign keys are edges.

Both backends read the store through these functions: the sql backend on every question, the
neo4j projection when it rebuilds, syncs or checks for drift.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from catalog import models
from catalog.graph.model import FK_EDGES, LINK_FLOW, Edge, split_uid, uid
from catalog.kinds import KINDS

CHUNK = 500  # ids per IN (...) list


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def link_edge(link: models.Link | tuple) -> Edge:
    """The flow-oriented edge of a link row (ORM object or a row with the same fields)."""
    link_id, link_type, source_kind, source_id, target_kind, target_id, transport, frequency = (
        (link.id, link.link_type, link.source_kind, link.source_id, link.target_kind, link.target_id,
         link.transport, link.frequency) if isinstance(link, models.Link) else tuple(link)
    )
    a, b = uid(source_kind, source_id), uid(target_kind, target_id)
    if not LINK_FLOW.get(link_type, True):
        a, b = b, a
    return Edge(f"link:{link_id}", link_type, a, b, transport, frequency)


def fk_edge(kind: str, record_id: int, column: str, target_id: int) -> Edge:
    edge_type, target_kind, forward = FK_EDGES[(kind, column)]
    a, b = uid(kind, record_id), uid(target_kind, target_id)
    if not forward:
        a, b = b, a
    return Edge(f"fk:{kind}:{record_id}:{column}", edge_type, a, b)


LINK_COLUMNS = (models.Link.id, models.Link.link_type, models.Link.source_kind, models.Link.source_id,
                 models.Link.target_kind, models.Link.target_id, models.Link.transport, models.Link.frequency)


_STATEMENTS: dict[tuple, object] = {}


def _statement(key: tuple, build):
    """Walks run the same few queries thousands of times: build each once, bind ids as an expanding list."""
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = build()
    return statement


def _run(session: Session, key: tuple, build, ids: list[int], limit: int | None = None):
    params = {"ids": ids} if limit is None else {"ids": ids, "limit": limit}
    return session.connection().execute(_statement(key + (limit is None,), build), params)


def live_ids(session: Session, kind: str, ids: Iterable[int]) -> set[int]:
    model = KINDS[kind].model
    found: set[int] = set()
    for chunk in _chunks(sorted(set(ids))):
        rows = _run(session, ("live", kind), lambda: select(model.id).where(
            model.id.in_(bindparam("ids", expanding=True)), model.deleted_at.is_(None)), chunk)
        found.update(row[0] for row in rows)
    return found


def live_nodes(session: Session, uids: Iterable[str]) -> set[str]:
    by_kind: dict[str, list[int]] = defaultdict(list)
    for node in uids:
        kind, record_id = split_uid(node)
        if kind in KINDS and kind != "links":
            by_kind[kind].append(record_id)
    return {uid(kind, i) for kind, ids in by_kind.items() for i in live_ids(session, kind, ids)}


def _wanted(side: str, forward: bool, direction: str | None) -> bool:
    """Is an edge met from this ``side`` of the stored row walked in ``direction``?

    The node is on the ``source`` side of the row (a link's source, a record holding the key) or
    on its ``target`` side; ``forward`` says whether flow runs source → target.
    """
    if direction is None or direction == "both":
        return True
    flows_out = (side == "source") == forward
    return flows_out if direction == "downstream" else not flows_out


def edges_touching(session: Session, nodes: Iterable[str], edge_types: set[str] | None = None,
                   direction: str | None = None, limit: int | None = None) -> list[Edge]:
    """Live edges with an end among ``nodes`` (the other end live too).

    With ``direction`` "downstream" only the edges flowing out of ``nodes``, with "upstream" only
    those flowing in: a walk never fetches the fan-in of a hub it does not follow. ``limit`` bounds
    the rows of each query: a walk near its node cap needs no more.
    """
    by_kind: dict[str, list[int]] = defaultdict(list)
    for node in nodes:
        kind, record_id = split_uid(node)
        by_kind[kind].append(record_id)
    edges: dict[str, Edge] = {}
    types = set(LINK_FLOW) if edge_types is None else edge_types & set(LINK_FLOW)
    for kind, ids in by_kind.items():
        for chunk in _chunks(sorted(set(ids))):
            # One query per side, so each uses its index (an OR would scan the table).
            for side, kind_col, id_col in (("source", models.Link.source_kind, models.Link.source_id),
                                           ("target", models.Link.target_kind, models.Link.target_id)):
                side_types = tuple(sorted(t for t in types if _wanted(side, LINK_FLOW[t], direction)))
                if not side_types:
                    continue

                def build(kind_col=kind_col, id_col=id_col, side_types=side_types):
                    query = select(*LINK_COLUMNS).where(
                        kind_col == kind, id_col.in_(bindparam("ids", expanding=True)),
                        models.Link.deleted_at.is_(None))
                    if len(side_types) < len(LINK_FLOW):
                        query = query.where(models.Link.link_type.in_(side_types))
                    return query if limit is None else query.limit(bindparam("limit"))

                for row in _run(session, ("links", kind, side, side_types), build, chunk, limit):
                    edge = link_edge(row)
                    edges[edge.uid] = edge
            for (fk_kind, column), (edge_type, target_kind, forward) in FK_EDGES.items():
                if edge_types is not None and edge_type not in edge_types:
                    continue
                model = KINDS[fk_kind].model
                col = getattr(model, column)
                if fk_kind == kind and _wanted("source", forward, direction):  # the record holds the key
                    def build(model=model, col=col):
                        query = select(model.id, col).where(
                            model.id.in_(bindparam("ids", expanding=True)), col.is_not(None),
                            model.deleted_at.is_(None))
                        return query if limit is None else query.limit(bindparam("limit"))

                    for record_id, target_id in _run(session, ("fk-out", fk_kind, column), build, chunk, limit):
                        edge = fk_edge(fk_kind, record_id, column, target_id)
                        edges[edge.uid] = edge
                if target_kind == kind and _wanted("target", forward, direction):  # records point at it
                    def build(model=model, col=col):
                        query = select(model.id, col).where(
                            col.in_(bindparam("ids", expanding=True)), model.deleted_at.is_(None))
                        return query if limit is None else query.limit(bindparam("limit"))

                    for record_id, target_id in _run(session, ("fk-in", fk_kind, column), build, chunk, limit):
                        edge = fk_edge(fk_kind, record_id, column, target_id)
                        edges[edge.uid] = edge
    ends = {e.source for e in edges.values()} | {e.target for e in edges.values()}
    alive = live_nodes(session, ends)
    return [e for e in edges.values() if e.source in alive and e.target in alive]


def all_nodes(session: Session) -> Iterator[tuple[str, str, int, str]]:
    """Every live record as (uid, kind, id, title)."""
    for kind_name, kind in KINDS.items():
        if kind_name == "links":
            continue
        model = kind.model
        title_col = getattr(model, kind.title_field)
        for record_id, title in session.execute(
            select(model.id, title_col).where(model.deleted_at.is_(None)).execution_options(yield_per=5000)
        ):
            yield uid(kind_name, record_id), kind_name, record_id, title


def all_edges(session: Session) -> Iterator[Edge]:
    """Every live edge whose both ends are live."""
    alive = {kind: set(session.scalars(select(KINDS[kind].model.id).where(KINDS[kind].model.deleted_at.is_(None))))
             for kind in KINDS if kind != "links"}

    def is_live(node: str) -> bool:
        kind, record_id = split_uid(node)
        return record_id in alive.get(kind, ())

    for row in session.execute(
        select(*LINK_COLUMNS).where(models.Link.deleted_at.is_(None)).execution_options(yield_per=5000)
    ):
        edge = link_edge(row)
        if is_live(edge.source) and is_live(edge.target):
            yield edge
    for (kind, column) in FK_EDGES:
        model = KINDS[kind].model
        col = getattr(model, column)
        for record_id, target_id in session.execute(
            select(model.id, col).where(col.is_not(None), model.deleted_at.is_(None))
        ):
            edge = fk_edge(kind, record_id, column, target_id)
            if is_live(edge.source) and is_live(edge.target):
                yield edge
