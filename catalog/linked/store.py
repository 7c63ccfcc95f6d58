"""The SPARQL store: the catalogue's graph kept on disk (or in an Oxigraph server) by the outbox.

The graph used to be an in-memory copy in every web process, rebuilt after any change (2.5 GB and
76 s at 100 000 processes). Now it is a projection of the outbox like the search index:

- Each record's triples (those the export writes for it: its own, its parts, a link's direct
  triple) live in a named graph of their own, named by the record's IRI; the header (catalogue,
  publisher, vocabularies) in ``HEADER``. The default graph holds the distinct union of them all,
  so queries read exactly the triples the export holds (a triple two records give is there once,
  as it was in the in-memory copy), and replacing a record is: remove from the default graph the
  triples only its old graph gave, drop its graph, insert the new one into both.
- ``sync`` applies the change events after the store's position: it reads the touched records'
  *current* rows and replaces their graphs in one SPARQL update together with the new position
  (kept in the store itself, graph ``META``), so data and position move atomically. Applying a batch
  twice changes nothing.
- An empty store, one built for another base IRI, or one ahead of the database (a restored backup)
  is built once from the store with a bulk load, then kept incrementally.

Two places to keep it:

- ``EmbeddedStore``: a pyoxigraph (RocksDB) store in ``<instance>/sparql/store``. RocksDB takes one
  writer: the first process of the catalogue that opens it read-write is the writer (``is_writer``);
  pyoxigraph 0.5 has no secondary mode, and opening the writer's directory read-only while it
  writes is undefined, so after each change the writer makes a checkpoint (``Store.backup``: hard
  links of its immutable files, cheap) in ``snapshots/`` and names it in ``current``. Every process
  (the writer too) queries the current checkpoint opened read-only, reopened when ``current`` names
  a newer one; nothing is copied into a process's memory.
- ``ServerStore`` (``CATALOG_SPARQL_URL``): an Oxigraph server (``oxigraph serve``), updated through
  the SPARQL 1.1 Update and Graph Store protocols and queried over HTTP; any process may write, each
  update is atomic and idempotent, the position only moves forward.
"""
from __future__ import annotations

import io
import itertools
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib.plugins.serializers.nt import _nt_row
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import models
from catalog.kinds import KINDS
from catalog.linked import export
from catalog.services.context import Context

HEADER = "urn:x-catalog:sparql:header"
META = "urn:x-catalog:sparql:meta"
POSITION = "urn:x-catalog:sparql:position"
BASE = "urn:x-catalog:sparql:base"
LAYOUT = "urn:x-catalog:sparql:layout"
HEADER_DIGEST = "urn:x-catalog:sparql:header-digest"
LAYOUT_VERSION = "1"  # bump when the graphs' layout changes: an older store is built again
BATCH = 1000  # change events applied at a time
UPDATE_RECORDS = 500  # records replaced by one SPARQL update
KEEP_SNAPSHOTS = 3  # checkpoints kept besides the current one
SMALL_GRAPH = 20_000_000  # characters of N-Quads: a smaller graph is loaded in one transaction
SNAPSHOT_GRACE = 120.0  # seconds an older checkpoint stays (a reader may be opening it)

Node = export.Node
log = logging.getLogger("catalog.sparql")


class StoreUnavailable(Exception):
    """The SPARQL store cannot answer yet (not built, or its server is down)."""


# --- what a record contributes ------------------------------------------------------------


def _link_ends_deleted(session: Session, row) -> bool:
    for side in ("source", "target"):
        kind = KINDS.get(row[f"{side}_kind"])
        if kind is None:
            continue
        table = kind.model.__table__
        if session.execute(select(table.c.id).where(table.c.id == row[f"{side}_id"],
                                                    table.c.deleted_at.is_not(None))).first():
            return True
    return False


def record_nodes(exporter: export.Exporter, session: Session, kind_name: str, record_id: int) -> list[Node]:
    """The nodes the export writes for one record now (none for a deleted or missing one)."""
    table = KINDS[kind_name].model.__table__
    row = session.execute(select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
                          ).mappings().first()
    if row is None:
        return []
    if kind_name == "links":
        # The export leaves out links whose end is deleted (export.Exporter.nodes).
        return [] if _link_ends_deleted(session, row) else exporter.link_nodes(row)
    return exporter.record_node(kind_name, row)


def touched_records(session: Session, events: Iterable[models.ChangeEvent]) -> set[tuple[str, int]]:
    """The records whose graphs a batch of events changes: each event's record, and the links of
    a record deleted or restored (the export writes a link only while both its ends live)."""
    touched: set[tuple[str, int]] = set()
    ended: set[tuple[str, int]] = set()
    for event in events:
        if event.record_kind not in KINDS:
            continue  # not part of the RDF graph (notices, requests, positions…)
        touched.add((event.record_kind, event.record_id))
        if event.record_kind != "links" and (event.action != "update" or "deleted_at" in (event.changes or {})):
            ended.add((event.record_kind, event.record_id))
    by_kind: dict[str, list[int]] = {}
    for kind, record_id in ended:
        by_kind.setdefault(kind, []).append(record_id)
    link = models.Link
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            touched |= {("links", i) for i in session.scalars(select(link.id).where(or_(
                (link.source_kind == kind) & link.source_id.in_(chunk),
                (link.target_kind == kind) & link.target_id.in_(chunk))))}
    return touched


def _graph_name(exporter: export.Exporter, kind_name: str, record_id: int) -> str:
    return str(exporter.iris.record(kind_name, record_id))


def _nt(nodes: Iterable[Node]) -> str:
    return "".join(_nt_row((subject, predicate, obj)) for subject, pairs in nodes for predicate, obj in pairs)


def _nq(nodes: Iterable[Node], graph: str) -> str:
    """N-Quads of nodes: each triple in ``graph`` and in the default graph."""
    out = []
    for subject, pairs in nodes:
        for predicate, obj in pairs:
            # Row by row, not by splitting the text: str.splitlines also breaks at U+2028, U+0085 and
            # the like, which N-Triples keeps unescaped inside a literal.
            row = _nt_row((subject, predicate, obj))  # «s p o .\n»
            out.append(f"{row[:-2]}<{graph}> .\n")
            out.append(row)
    return "".join(out)


def all_quads(ctx: Context) -> Iterator[str]:
    """The whole graph as N-Quads text chunks, record by record (for a bulk load)."""
    exporter = export.Exporter(ctx)
    parts, size = [_nq(exporter.header(), HEADER)], 0
    for kind_name in KINDS:
        if kind_name == "links":
            continue
        for rows in exporter._rows(kind_name):
            for row in rows:
                text = _nq(exporter.record_node(kind_name, row), _graph_name(exporter, kind_name, row["id"]))
                parts.append(text)
                size += len(text)
            if size > 2_000_000:
                yield "".join(parts)
                parts, size = [], 0
    deleted = exporter._deleted()
    for rows in exporter._rows("links"):
        for row in rows:
            ends = ((row["source_kind"], row["source_id"]), (row["target_kind"], row["target_id"]))
            if any(end in deleted for end in ends):
                continue
            text = _nq(exporter.link_nodes(row), _graph_name(exporter, "links", row["id"]))
            parts.append(text)
            size += len(text)
        if size > 2_000_000:
            yield "".join(parts)
            parts, size = [], 0
    yield "".join(parts)


def _meta_update(position: int, base: str, forward_only: bool) -> str:
    """The update that sets the store's position (and the base IRI and layout it was built for)."""
    condition = f"FILTER(!BOUND(?old) || ?old < {position})" if forward_only else ""
    return (f"DELETE {{ GRAPH <{META}> {{ <{META}> <{POSITION}> ?old }} }} "
            f"INSERT {{ GRAPH <{META}> {{ <{META}> <{POSITION}> {position} }} }} "
            f"WHERE {{ OPTIONAL {{ GRAPH <{META}> {{ <{META}> <{POSITION}> ?old }} }} {condition} }} ;\n"
            f"DELETE WHERE {{ GRAPH <{META}> {{ <{META}> <{BASE}> ?b }} }} ;\n"
            f"DELETE WHERE {{ GRAPH <{META}> {{ <{META}> <{LAYOUT}> ?l }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{META}> {{ <{META}> <{BASE}> {json.dumps(base)} . "
            f"<{META}> <{LAYOUT}> \"{LAYOUT_VERSION}\" }} }}")


def _replace_graph(graph: str, triples: str) -> list[str]:
    """Steps replacing one named graph and its share of the default graph (see ``replace_update``)."""
    steps = [(f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
              f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != <{graph}>) }} }}"),
             f"DROP SILENT GRAPH <{graph}>"]
    if triples:
        steps.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{triples}}}\n{triples}}}")
    return steps


def _digest_update(digest: str) -> str:
    return (f"DELETE WHERE {{ GRAPH <{META}> {{ <{META}> <{HEADER_DIGEST}> ?d }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{META}> {{ <{META}> <{HEADER_DIGEST}> \"{digest}\" }} }}")


def header_update(triples: str, digest: str) -> str:
    """Replace the header (catalogue, publisher, vocabularies): it follows the settings, not the outbox."""
    return " ;\n".join([*_replace_graph(HEADER, triples), _digest_update(digest)])


def replace_update(ctx: Context, records: Iterable[tuple[str, int]], position: int) -> str:
    """One SPARQL update replacing the graphs of ``records`` by their current triples."""
    exporter = export.Exporter(ctx)
    steps, inserts = [], []
    for kind_name, record_id in sorted(records):
        graph = _graph_name(exporter, kind_name, record_id)
        # In this order per record, so a triple two replaced records shared is not kept by the other's
        # old graph; the new graphs are inserted after every old one is gone.
        steps.append(f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
                     f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != <{graph}>) }} }}")
        steps.append(f"DROP SILENT GRAPH <{graph}>")
        triples = _nt(record_nodes(exporter, ctx.session, kind_name, record_id))
        if triples:
            inserts.append(f"GRAPH <{graph}> {{\n{triples}}}\n{triples}")
    if inserts:
        steps.append("INSERT DATA {\n" + "".join(inserts) + "}")
    steps.append(_meta_update(position, exporter.iris.base, forward_only=True))
    return " ;\n".join(steps)


META_QUERY = f"SELECT ?p ?o WHERE {{ GRAPH <{META}> {{ <{META}> ?p ?o }} }}"


# --- the store, in either place ---------------------------------------------------------


class SparqlStore:
    """What both places share: following the outbox."""

    builds = 0  # graphs built from the whole store by this object (the tests count them)

    def __init__(self, sessions: sessionmaker[Session], settings):
        self.sessions, self.settings = sessions, settings
        self.lock = threading.Lock()  # one apply at a time in this process
        self._header: tuple | None = None  # (the settings it shows, its triples, their digest)

    # to be given by each place
    def _meta(self) -> dict | None:
        raise NotImplementedError

    def _update(self, text: str) -> None:
        raise NotImplementedError

    def _load_all(self, ctx: Context, position: int) -> None:
        raise NotImplementedError

    def can_write(self) -> bool:
        return True

    def holds_write(self) -> bool:
        """Whether this process writes the store already (without trying to become its writer)."""
        return True

    def _published(self) -> None:
        """After a change: make it visible to this process's and other processes' queries."""

    # -- the position

    def position(self) -> int:
        meta = self._meta() or {}
        value = meta.get(POSITION)
        return int(value) if value is not None else 0

    @staticmethod
    def _current_for(meta: dict, base: str, newest: int) -> bool:
        """Whether the store was built for this catalogue: its base IRI, this layout, not ahead of the outbox."""
        if meta.get(POSITION) is None:
            return False
        return (meta.get(BASE) == base and meta.get(LAYOUT) == LAYOUT_VERSION
                and int(meta[POSITION]) <= newest)

    def _header_of(self, ctx: Context) -> tuple[str, str]:
        """The header's triples and their digest, made again only when the settings they show change."""
        import hashlib

        shown = (self.settings.base_iri, self.settings.region_name, self.settings.publisher_name)
        if self._header is None or self._header[0] != shown:
            triples = _nt(export.Exporter(ctx).header())
            self._header = (shown, triples, hashlib.sha256(triples.encode("utf-8")).hexdigest())
        return self._header[1], self._header[2]

    def pending(self, limit: int | None = None) -> int:
        position = self.position()
        with self.sessions() as session:
            ids = select(models.ChangeEvent.id).where(models.ChangeEvent.id > position)
            if limit is not None:
                ids = ids.limit(limit)
            return session.scalar(select(func.count()).select_from(ids.subquery())) or 0

    # -- keeping it in step

    def sync(self, max_events: int | None = None) -> int:
        """Apply the outbox after the position (at most ``max_events``); build first if the store is
        empty or not this catalogue's. Returns the events applied (a build counts as all of them)."""
        if not self.can_write():
            return 0  # another process writes this store: the change is applied there
        with self.lock:
            applied = 0
            with self.sessions() as session:
                newest = session.scalar(select(func.max(models.ChangeEvent.id))) or 0
                meta = self._meta() or {}  # read once: a query that finds nothing to do costs two small reads
                ctx = Context(session=session, is_system=True, settings=self.settings)
                triples, digest = self._header_of(ctx)
                if not self._current_for(meta, _base(self.settings), newest):
                    self._load_all(ctx, newest)  # the header included
                    type(self).builds += 1
                    self._update(_meta_update(newest, _base(self.settings), forward_only=False) + " ;\n"
                                 + _digest_update(digest))
                    self._published()
                    return max(newest, 1)
                changed = False
                if meta.get(HEADER_DIGEST) != digest:  # the region or publisher setting changed
                    self._update(header_update(triples, digest))
                    changed = True
                position = int(meta[POSITION])
            while position < newest and (max_events is None or applied < max_events):
                size = BATCH if max_events is None else min(BATCH, max_events - applied)
                with self.sessions() as session:
                    events = list(session.scalars(select(models.ChangeEvent)
                                                  .where(models.ChangeEvent.id > position)
                                                  .order_by(models.ChangeEvent.id).limit(size)))
                    if not events:
                        break
                    ctx = Context(session=session, is_system=True, settings=self.settings)
                    records = sorted(touched_records(session, events))
                    last = events[-1].id
                    if not records:  # events of records outside the graph: only the position moves
                        self._update(_meta_update(last, _base(self.settings), forward_only=True))
                    for start in range(0, len(records), UPDATE_RECORDS):
                        # The position moves with the last chunk only: a failure leaves the batch pending.
                        at = last if start + UPDATE_RECORDS >= len(records) else position
                        self._update(replace_update(ctx, records[start:start + UPDATE_RECORDS], at))
                applied += len(events)
                position = last
                changed = True
            if changed:
                self._published()
            return applied


def _base(settings) -> str:
    from catalog.linked.iris import Iris

    return Iris(settings.base_iri).base


class _Chunks(io.RawIOBase):
    """A binary file over text chunks, so a bulk load streams the graph without holding it."""

    def __init__(self, chunks: Iterator[str]):
        self._chunks, self._buffer, self._at = chunks, b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while self._at >= len(self._buffer):
            try:
                self._buffer, self._at = next(self._chunks).encode("utf-8"), 0
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer) - self._at)
        target[:size] = memoryview(self._buffer)[self._at:self._at + size]
        self._at += size
        return size


class EmbeddedStore(SparqlStore):
    """An on-disk pyoxigraph store, written by one process and read by all through checkpoints."""

    def __init__(self, root: Path, sessions: sessionmaker[Session], settings):
        super().__init__(sessions, settings)
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "snapshots").mkdir(exist_ok=True)
        self._writer: ox.Store | None = None
        self._writer_tried = 0.0
        self._reader: ox.Store | None = None
        self._reader_name: str | None = None
        self._reader_lock = threading.Lock()
        self._positions: dict[str | None, int] = {}

    # -- who writes

    def is_writer(self) -> bool:
        """Whether this process holds the store read-write (RocksDB lets one process do so: the
        first to open it; the others read its checkpoints). Tried again at most once a second."""
        if self._writer is not None:
            return True
        now = time.monotonic()
        if now - self._writer_tried < 1.0:
            return False
        self._writer_tried = now
        try:
            self._writer = ox.Store(str(self.root / "store"))
        except OSError:  # the lock is held by another process
            return False
        return True

    def can_write(self) -> bool:
        return self.is_writer()

    def holds_write(self) -> bool:
        return self._writer is not None

    # -- writing (the writer only)

    def _meta(self) -> dict | None:
        store = self._writer if self._writer is not None else self.reader(optional=True)
        if store is None:
            return None
        return {row["p"].value: row["o"].value for row in store.query(META_QUERY)}

    def _update(self, text: str) -> None:
        self._writer.update(text)

    def _load_all(self, ctx: Context, position: int) -> None:
        store = self._writer
        store.clear()
        chunks, head, size = all_quads(ctx), [], 0
        for chunk in chunks:
            head.append(chunk)
            size += len(chunk)
            if size > SMALL_GRAPH:
                break
        else:  # a small graph: one transaction, without the bulk loader's fixed cost (files, compaction)
            store.load("".join(head).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
            head = None
        if head is not None:
            store.bulk_load(_Chunks(itertools.chain(head, chunks)), format=ox.RdfFormat.N_QUADS)
            store.optimize()  # compacts what the bulk load wrote: queries read fewer files (about 2× faster)

    def _published(self) -> None:
        """A checkpoint of the store as it stands, named in ``current`` (written by rename, so a reader
        sees the old name or the new one); older checkpoints go when no reader can still be opening them."""
        snapshots = self.root / "snapshots"
        name = f"{time.time_ns()}"
        self._writer.backup(str(snapshots / name))
        tmp = self.root / "current.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.root / "current")
        made = sorted(int(p.name) for p in snapshots.iterdir() if p.name.isdigit())
        now = time.time_ns()
        # A checkpoint goes some time after the next one replaced it (a reader may still be opening it):
        # beyond the newest few after the grace, any after ten times the grace.
        for index, created in enumerate(made[:-1]):
            superseded = (now - made[index + 1]) / 1e9
            if superseded > 10 * SNAPSHOT_GRACE or (index < len(made) - 1 - KEEP_SNAPSHOTS
                                                    and superseded > SNAPSHOT_GRACE):
                shutil.rmtree(snapshots / str(created), ignore_errors=True)

    # -- reading (every process)

    def current_name(self) -> str | None:
        try:
            return (self.root / "current").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _current(self, optional: bool) -> tuple[ox.Store, str] | None:
        """The current checkpoint opened read-only (reopened when a newer one is named), and its name."""
        for _ in range(3):
            name = self.current_name()
            if name is None:
                if optional:
                    return None
                raise StoreUnavailable("граф SPARQL ещё не построен")
            if name == self._reader_name:
                return self._reader, name
            with self._reader_lock:
                if name == self._reader_name:
                    return self._reader, name
                try:
                    store = ox.Store.read_only(str(self.root / "snapshots" / name))
                except OSError:  # removed meanwhile: a newer one is named
                    continue
                self._reader, self._reader_name = store, name
                return store, name
        if optional:
            return None
        raise StoreUnavailable("граф SPARQL не открылся")

    def reader(self, optional: bool = False) -> ox.Store | None:
        """The current checkpoint, opened read-only."""
        found = self._current(optional)
        return found[0] if found is not None else None

    def checkpoint(self, optional: bool = False) -> tuple[ox.Store, int] | None:
        """The current checkpoint and the change event it reflects, both of one checkpoint: the writer
        may name a newer one between two calls, and an answer from the older one must not claim the newer
        one's position (it would say it is current while lacking the newest write)."""
        found = self._current(optional)
        if found is None:
            return None
        store, name = found
        position = self._positions.get(name)
        if position is None:  # read once per checkpoint
            meta = {row["p"].value: row["o"].value for row in store.query(META_QUERY)}
            position = int(meta.get(POSITION, 0))
            self._positions = {name: position}
        return store, position

    def close(self) -> None:
        self._writer = self._reader = None
        self._reader_name = None


class ServerStore(SparqlStore):
    """An Oxigraph server: ``<url>/query``, ``<url>/update``, ``<url>/store``."""

    def __init__(self, url: str, sessions: sessionmaker[Session], settings):
        import requests

        super().__init__(sessions, settings)
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy from the environment between the catalogue and its server

    def _post(self, path: str, data, content_type: str, timeout: float = 600.0):
        import requests

        try:
            response = self.http.post(f"{self.url}/{path}", data=data, headers={"Content-Type": content_type},
                                      timeout=(5, timeout))
        except requests.RequestException as error:
            log.warning("SPARQL server %s: %s", self.url, error)
            raise StoreUnavailable("сервер SPARQL не отвечает") from None
        if response.status_code >= 300:
            log.warning("SPARQL server %s answered %s: %s", self.url, response.status_code, response.text[:500])
            raise StoreUnavailable(f"сервер SPARQL ответил ошибкой {response.status_code}")
        return response

    def _meta(self) -> dict | None:
        response = self._post("query", META_QUERY.encode("utf-8"), "application/sparql-query", 30)
        return {b["p"]["value"]: b["o"]["value"] for b in response.json()["results"]["bindings"]}

    def _update(self, text: str) -> None:
        self._post("update", text.encode("utf-8"), "application/sparql-update")

    def _load_all(self, ctx: Context, position: int) -> None:
        self._update("DROP ALL")
        for chunk in all_quads(ctx):  # one POST per chunk: each is a few megabytes
            if chunk:
                self._post("store", chunk.encode("utf-8"), "application/n-quads")

    def query(self, query: str, timeout: float, max_rows: int, prefixes: dict) -> dict:
        """Run a query on the server within ``timeout``: the same plain dict as sparql._evaluate."""
        import requests

        from catalog.linked.sparql import Answer, _term_from_json

        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items())
        deadline = time.monotonic() + timeout
        try:
            response = self.http.post(
                f"{self.url}/query", data=(prologue + query).encode("utf-8"), stream=True,
                headers={"Content-Type": "application/sparql-query",
                         "Accept": "application/sparql-results+json, application/n-triples;q=0.9"},
                timeout=(5, timeout))
            if response.status_code == 400:
                return {"syntax": response.text}
            if response.status_code >= 300:
                return {"failed": f"сервер SPARQL ответил {response.status_code}: {response.text[:300]}"}
            body = bytearray()
            for chunk in response.iter_content(1 << 16):
                body += chunk
                if time.monotonic() > deadline:
                    response.close()
                    return {"timeout": True}
        except requests.Timeout:
            return {"timeout": True}
        except requests.RequestException as error:
            log.warning("SPARQL server %s: %s", self.url, error)
            raise StoreUnavailable("сервер SPARQL не отвечает") from None
        if response.headers.get("Content-Type", "").startswith("application/n-triples"):
            triples = [quad.triple for quad in ox.parse(bytes(body), format=ox.RdfFormat.N_TRIPLES)]
            if len(triples) > max_rows:
                return {"too_many": True}
            return {"answer": Answer("graph", triples=triples)}
        data = json.loads(body)
        if "boolean" in data:
            return {"answer": Answer("ask", boolean=bool(data["boolean"]))}
        names = data["head"]["vars"]
        bindings = data["results"]["bindings"]
        if len(bindings) > max_rows:
            return {"too_many": True}
        return {"answer": Answer("select", variables=names,
                                 rows=[[_term_from_json(b.get(n)) for n in names] for b in bindings])}

    def close(self) -> None:
        self.http.close()


# --- one store per catalogue and place, per process -----------------------------------------

_stores: dict[tuple, SparqlStore] = {}
_users: dict[tuple, int] = {}  # runtimes of this process on each store (the web app, a command)
_stores_lock = threading.Lock()


def _key(settings, url) -> tuple:
    place = settings.sparql_url or str(Path(settings.sparql_path or Path(settings.instance_path) / "sparql").resolve())
    return (str(url), place)


def open_store(settings, sessions: sessionmaker[Session]) -> SparqlStore:
    """The configured store of this catalogue, opened once per process (RocksDB lets a process open a
    store once: the web app, its outbox consumer and the command line share this object)."""
    key = _key(settings, sessions.kw["bind"].url)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            if settings.sparql_url:
                store = ServerStore(settings.sparql_url, sessions, settings)
            else:
                store = EmbeddedStore(Path(key[1]), sessions, settings)
            _stores[key] = store
        return store


def use_store(settings, url) -> None:
    """A runtime of this process serves this catalogue (its store stays open until the last one ends)."""
    key = _key(settings, url)
    with _stores_lock:
        _users[key] = _users.get(key, 0) + 1


def release_store(settings, url) -> None:
    """A runtime ended; with the last one the store is closed, so another process may write it."""
    key = _key(settings, url)
    with _stores_lock:
        users = _users.pop(key, 0) - 1
        if users > 0:
            _users[key] = users
            return
        store = _stores.pop(key, None)
    if store is not None:
        store.close()


def is_writer(settings, sessions: sessionmaker[Session]) -> bool:
    """Whether this process writes the catalogue's SPARQL store (always, for a server)."""
    return open_store(settings, sessions).can_write()


class SparqlFeed:
    """The SPARQL store as a projection of the outbox consumer (catalog.outbox).

    With several server processes the embedded store's writer is the process whose consumer leads
    (holds the outbox lease): only the consumer's own passes (``background``) may take the store
    read-write; a request's tail applies only in the process that writes it already, and elsewhere
    finds nothing pending (the leading consumer applies it)."""

    name, label = "sparql", "граф SPARQL"

    def __init__(self, store: SparqlStore):
        self.store = store
        self.lock = threading.Lock()

    def position(self) -> int:
        try:
            return self.store.position()
        except StoreUnavailable:
            return 0

    def pending(self, limit: int | None = None) -> int:
        if not self.store.holds_write():
            return 0  # the writer process follows the outbox for this store
        try:
            return self.store.pending(limit)
        except StoreUnavailable:  # the server is down: the consumer's pass reports it and retries
            return 0

    def apply(self, limit: int | None, background: bool = False) -> int:
        if not background and not self.store.holds_write():
            return 0
        return self.store.sync(max_events=limit)
