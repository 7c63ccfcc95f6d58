"""The running catalogue: settings, the engine and its sessions, and the graph, search and outbox
consumer opened on first use. The web app (``web.create_app``) and the CLI (``catalog.cli.Env``) are
both built on one :class:`Runtime`, so a server and its commands open each part in one way.
"""
from __future__ import annotations

import threading

from catalog.config import Settings, load_settings
from catalog.db import make_engine, make_session_factory, schema_is_current
from catalog.services.context import Context


_UNOPENED = object()


class Runtime:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)
        self._graph = _UNOPENED  # None is a real value: the store's own SQL graph
        self._search = None
        self._outbox = None
        self._lock = threading.Lock()  # web threads may open the graph or search at the same moment
        from catalog.linked.store import use_store

        use_store(settings, self.engine.url)  # the SPARQL store is shared by the runtimes of a process

    @classmethod
    def load(cls, **overrides) -> Runtime:
        """From the environment (``CATALOG_…``) with the given settings overriding it."""
        return cls(load_settings(**overrides))

    def schema_is_current(self) -> bool:
        return schema_is_current(self.engine)

    def graph(self):
        """The configured graph backend (None for the store's own SQL graph); ValueError names a bad setting."""
        from catalog.graph import open_graph

        with self._lock:
            if self._graph is _UNOPENED:
                self._graph = open_graph(self.settings, self.sessions)
            return self._graph

    def search(self):
        """The configured search index."""
        from catalog.search import open_search

        with self._lock:
            if self._search is None:
                self._search = open_search(self.settings, self.sessions)
            return self._search

    def sparql(self):
        """The SPARQL store (embedded on disk, or an Oxigraph server): one per process and catalogue."""
        from catalog.linked.store import open_store

        return open_store(self.settings, self.sessions)

    def outbox(self):
        """The outbox consumer over this runtime's own projection objects (so its writes and the requests'
        tails share their locks); created on first use, started by whoever runs it."""
        from catalog.outbox import OutboxConsumer

        search, graph, sparql = self.search(), self.graph(), self.sparql()
        with self._lock:
            if self._outbox is None:
                self._outbox = OutboxConsumer.for_store(self.settings, self.sessions, search=search, graph=graph,
                                                        sparql=sparql)
            return self._outbox

    @property
    def outbox_consumer(self):
        """The consumer if one was made (a server's thread or an external follower's tail), else None."""
        return self._outbox

    def context(self, session=None, **who) -> Context:
        """A service context on a new session (or the given one) with this runtime's parts."""
        return Context(session=session if session is not None else self.sessions(), settings=self.settings,
                       graph=self.graph(), search=self.search(), outbox=self._outbox, **who)

    def close(self) -> None:
        from catalog.linked.store import release_store

        release_store(self.settings, self.engine.url)  # with the last runtime: another process may write it
        graph = self._graph
        if graph is not _UNOPENED and graph is not None:
            graph.graph.close()
        self.engine.dispose()
