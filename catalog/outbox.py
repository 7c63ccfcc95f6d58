"""The outbox consumer: one background worker that keeps every projection in step with the store.

Every write appends change events to the outbox (``change_events``) in its own transaction. The
projections (the search index, the neo4j graph, the re-check of submitted system requests, the
dashboard's figures outside the rules) each
remember how far they have applied it and apply the rest idempotently. They used to catch up only
when read, so after a crash right after a large import the first search or lineage request paid
for the whole backlog. Now:

- ``catalog serve`` starts a consumer in a daemon thread (``CATALOG_OUTBOX_CONSUMER=thread``), or
  ``catalog outbox follow`` runs one as a process of its own (``external``). On start it catches
  every projection up; then it looks at the outbox every ``CATALOG_OUTBOX_INTERVAL`` seconds and
  at once when a web request of its process has written.
- A request applies only a tail (``tail``): when at most ``CATALOG_OUTBOX_TAIL`` events are
  pending it applies them before answering, so a user finds their own write at the next search;
  when more are pending it answers from the projection as it stands and leaves the rest to the
  consumer. ``off`` keeps the old way: each request catches up in full.
- Several server processes on one store: one consumer works at a time, holding a lease (a
  PostgreSQL advisory lock on a connection of its own, or a lock on a file beside the SQLite
  database; both end with the process). The others stand by and take over when it goes. Request
  tails may overlap with it: applying an event twice gives the same result (every projection
  writes the records' *current* state), so a position is only ever a lower bound.
- A projection kept on this machine's disk (the embedded search index in the instance folder)
  has a lease of its own, a lock file in its folder (``Feed.lease_path``): each machine's index is
  kept by one of its processes, even when another machine holds the store's lease, and only that
  process writes it. A request of another process wakes it (a datagram on an abstract unix socket
  named after the folder) and waits for it to apply what is written, up to ``TAIL_WAIT``; when no
  process holds the lease (no consumer runs), the request takes the lock file for its tail itself.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from catalog import models

MODES = ("thread", "external", "off")
BATCH = 1000  # events the consumer applies between two looks at the stop flag and the tail's lock
# Seconds a request waits for the consumer to apply what is written before answering anyway. The keeper
# applies a short tail in tens of milliseconds on a calm machine; at half a second a loaded one (two server
# processes beside a test run on two cores) answered a search without the write just made through the
# other process.
TAIL_WAIT = 2.0
LEASE_KEY = 727_002  # PostgreSQL advisory lock of the working consumer (history.OUTBOX_LOCK is 727_001)

log = logging.getLogger("catalog.outbox")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"CATALOG_OUTBOX_CONSUMER: неизвестный режим «{mode}» (thread, external или off).")
    return mode


def _count_after(session: Session, position: int, limit: int | None) -> int:
    """Change events after ``position``, counted up to ``limit`` (so a request's look stays cheap)."""
    ids = select(models.ChangeEvent.id).where(models.ChangeEvent.id > position)
    if limit is not None:
        ids = ids.limit(limit)
    return session.scalar(select(func.count()).select_from(ids.subquery())) or 0


# -- the projections that plug into the consumer


class SearchFeed:
    """The search index (catalog.search.projection.SearchProjection)."""

    name, label = "search", "поиск"

    def __init__(self, projection):
        self.projection = projection
        self.lock = threading.Lock()
        root = getattr(projection.index, "root", None)  # the embedded index's folder; Elasticsearch has none
        # A folder on this machine is kept by one process of this machine, whoever keeps the store's feeds.
        self.lease_path = os.path.join(root, "outbox-lock") if root is not None else None

    def position(self) -> int:
        return self.projection.index.position()

    def newest(self) -> int:
        with self.projection.sessions() as session:
            return self.projection.newest_event(session)

    def pending(self, limit: int | None = None) -> int:
        position = self.position()
        with self.projection.sessions() as session:
            return _count_after(session, position, limit)

    def apply(self, limit: int | None, background: bool = False) -> int:
        from catalog.search.query import IndexBusy
        from catalog.services.search import REBUILD_OVER

        projection = self.projection
        try:
            position = self.position()
            if background and position == 0:
                with projection.sessions() as session:
                    newest = projection.newest_event(session)
                # A new, empty index over a large catalogue is quicker built than replayed.
                if newest > REBUILD_OVER:
                    projection.reindex()
                    return newest
            return self._sync_when_free(limit, background)
        except IndexBusy:
            return 0  # another process is writing the index: its events are applied there

    def _sync_when_free(self, limit: int | None, background: bool) -> int:
        """Sync; a request whose tail finds another process writing waits for it (up to TAIL_WAIT), so the
        events that process commits are in the index the request then reads (its own write among them)."""
        from catalog.search.query import IndexBusy

        deadline = time.monotonic() + (0 if background else TAIL_WAIT)
        while True:
            try:
                return self.projection.sync(max_events=limit)
            except IndexBusy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)


class GraphFeed:
    """The neo4j projection (catalog.graph.projection.Neo4jProjection)."""

    name, label = "graph", "граф"

    def __init__(self, projection):
        self.projection = projection
        self.lock = threading.Lock()

    def position(self) -> int:
        with self.projection.sessions() as session:
            return self.projection.position(session)

    def pending(self, limit: int | None = None) -> int:
        with self.projection.sessions() as session:
            return _count_after(session, self.projection.position(session), limit)

    def apply(self, limit: int | None, background: bool = False) -> int:
        return self.projection.sync(max_events=limit)


class RequestsFeed:
    """The re-check of submitted system requests whose processes, passports or datasets changed."""

    name, label = "requests", "проверки заявок"

    def __init__(self, sessions: sessionmaker[Session], settings):
        self.sessions, self.settings = sessions, settings
        self.lock = threading.Lock()

    def position(self) -> int:
        from catalog.services.requests import POSITION

        with self.sessions() as session:
            row = session.get(models.ProjectionPosition, POSITION)
            return row.last_event_id if row is not None else 0

    def pending(self, limit: int | None = None) -> int:
        with self.sessions() as session:
            return _count_after(session, self.position(), limit)

    def apply(self, limit: int | None, background: bool = False) -> int:
        from catalog.services import requests
        from catalog.services.context import Context

        waiting = self.pending()
        if not waiting:
            return 0
        # recheck_changed reads every event after its position at once (ids only, cheap).
        with self.sessions() as session:
            requests.recheck_changed(Context(session=session, is_system=True, system_actor="проверка заявок",
                                         settings=self.settings))
        return waiting


class DashboardFeed:
    """The dashboard's figures outside the rules and its projects' part, kept per region and agency
    (``kept.board_figures``): recounted here, off the request, once the store has changed (debounced:
    ``CATALOG_DASHBOARD_RECOUNT_DELAY``) or the day has."""

    name, label = "dashboard", "показатели"

    def __init__(self, sessions: sessionmaker[Session], settings):
        self.sessions, self.settings = sessions, settings
        self.lock = threading.Lock()

    def _context(self, session):
        from catalog.services.context import Context

        return Context(session=session, is_system=True, system_actor="пересчёт показателей", settings=self.settings)

    def position(self) -> int:
        """The newest change event the region's row was counted on."""
        with self.sessions() as session:
            row = session.get(models.KeptRuleFigures, 0)
            return int(row.basis.split("|")[0]) if row is not None else 0

    def pending(self, limit: int | None = None) -> int:
        """Kept rows older than the store (or the day)."""
        from catalog.services import kept

        with self.sessions() as session:
            return len(kept.stale_scopes(self._context(session)))

    def apply(self, limit: int | None, background: bool = False) -> int:
        from catalog.services import dashboard, kept

        with self.sessions() as session:
            ctx = self._context(session)
            if not kept.recount_due(ctx, self.settings.dashboard_recount_delay):
                return 0
            return kept.recount(ctx, dashboard.board_figures)


# -- the lease: one working consumer per store


class _NoLease:
    """A store only this process sees (SQLite in memory): nothing to share."""

    held = False

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class _FileLease:
    """flock on a file beside the SQLite database; the kernel drops it when the process ends."""

    def __init__(self, path: str):
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        import fcntl

        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


class _AdvisoryLease:
    """A session-level PostgreSQL advisory lock on a connection of its own; it ends with the connection."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._connection = None

    def acquire(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()
                return True
            except Exception:  # the connection (and with it the lock) is gone: try again below
                self._drop()
        connection = self.engine.connect()
        try:
            held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEASE_KEY}).scalar())
            connection.commit()
        except Exception:
            connection.invalidate()
            connection.close()
            raise
        if not held:
            connection.close()
            return False
        self._connection = connection
        return True

    def _drop(self) -> None:
        try:
            self._connection.invalidate()  # never hand a connection holding the lock back to the pool
            self._connection.close()
        except Exception:
            pass
        self._connection = None

    def release(self) -> None:
        if self._connection is not None:
            self._drop()


class _Waker:
    """Wakes, from any process of this machine, the consumer that keeps a local projection: a datagram
    to an abstract unix socket named after the projection's folder (Linux), which only the lease's
    holder binds. Elsewhere nothing is sent and the holder looks at its next interval."""

    def __init__(self, path: str):
        import hashlib

        digest = hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:24]
        self.address = f"\0catalog-outbox-{digest}"
        self._socket = None
        self.usable = sys.platform.startswith("linux")

    def listen(self, event: threading.Event, stop: threading.Event) -> None:
        """Set ``event`` at every datagram, in a daemon thread, until ``stop`` (the holder calls this)."""
        if not self.usable or self._socket is not None:
            return
        import socket

        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            listener.bind(self.address)
        except OSError:  # a process that held the lease a moment ago has not let go of the name yet
            listener.close()
            return
        listener.settimeout(0.5)
        self._socket = listener

        def receive():
            while not stop.is_set() and self._socket is listener:
                try:
                    listener.recv(16)
                    event.set()
                except TimeoutError:
                    continue
                except OSError:
                    return

        threading.Thread(target=receive, name="catalog-outbox-wake", daemon=True).start()

    def close(self) -> None:
        listener, self._socket = self._socket, None
        if listener is not None:
            listener.close()

    def ring(self) -> None:
        if not self.usable:
            return
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
            try:
                sender.sendto(b"wake", self.address)
            except OSError:  # nobody listens: the holder is starting or gone; it looks at its interval
                pass


def file_lease(path: str):
    """A lease on a lock file (a projection on this machine's disk); none where flock is missing."""
    try:
        import fcntl  # noqa: F401
    except ImportError:  # one server process per machine there
        return _NoLease()
    return _FileLease(path)


def lease_for(engine: Engine):
    if engine.dialect.name == "postgresql":
        return _AdvisoryLease(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        try:
            import fcntl  # noqa: F401
        except ImportError:  # no flock on this system: one server per store
            return _NoLease()
        return _FileLease(os.path.abspath(database) + ".outbox-lock")
    return _NoLease()


# -- the consumer


class OutboxConsumer:
    """Applies the outbox to every projection plugged into it, in the background."""

    def __init__(self, feeds, lease=None, interval: float = 1.0, tail: int = 500, tail_wait: float = TAIL_WAIT):
        self.feeds = {feed.name: feed for feed in feeds}
        self.lease = lease or _NoLease()
        # Feeds kept on this machine's disk have a lease of their own (by lock file); the others share the store's.
        self.local_leases = {feed.name: file_lease(feed.lease_path) for feed in feeds
                             if getattr(feed, "lease_path", None)}
        # The same lock file taken by a request when no consumer holds it (flock: a second open file
        # conflicts with the first even in one process), and the holder's doorbell.
        self._tail_leases = {name: file_lease(self.feeds[name].lease_path) for name in self.local_leases}
        self._wakers = {name: _Waker(self.feeds[name].lease_path) for name in self.local_leases}
        self.held: set[str] = set()  # the feeds this consumer applies now
        self.interval, self.tail_limit, self.tail_wait = interval, tail, tail_wait
        # Events applied per projection: by this consumer's loop, and by requests' tails.
        self.applied = {name: {"consumer": 0, "requests": 0} for name in self.feeds}
        self.errors: dict[str, str] = {}
        self.leading = False
        self._counts = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._caught_up = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_store(cls, settings, sessions: sessionmaker[Session], search=None, graph=None,
                  sparql=None) -> OutboxConsumer:
        """The consumer of a store: its search index, its neo4j graph if configured, the SPARQL store,
        the re-checks."""
        feeds = []
        if search is not None:
            feeds.append(SearchFeed(search))
        if graph is not None:
            feeds.append(GraphFeed(graph.projection))
        if sparql is not None:
            from catalog.linked.store import SparqlFeed

            feeds.append(SparqlFeed(sparql))
        feeds.append(RequestsFeed(sessions, settings))
        feeds.append(DashboardFeed(sessions, settings))
        return cls(feeds, lease_for(sessions.kw["bind"]), settings.outbox_interval, settings.outbox_tail)

    def _count(self, name: str, who: str, events: int) -> None:
        with self._counts:
            self.applied[name][who] += events

    # -- what requests do

    def tail(self, name: str) -> int:
        """Apply a short tail of the outbox to one projection for a request; returns the events applied.

        A longer backlog is the consumer's: the request answers from the projection as it stands.
        """
        feed = self.feeds.get(name)
        if feed is None or self.tail_limit <= 0:
            return 0
        waiting = feed.pending(self.tail_limit + 1)
        if not waiting:
            return 0
        if waiting > self.tail_limit:
            self.wake()
            return 0
        if name in self.local_leases and name not in self.held:
            return self._tail_unkept(name, feed)
        return self._apply_tail(name, feed)

    def _tail_unkept(self, name: str, feed) -> int:
        """A local projection this consumer does not keep: if no process keeps it, the request applies
        its tail under the lock file itself; else the keeper is asked to."""
        if not feed.lock.acquire(timeout=self.tail_wait):  # one thread of this process at a time
            return 0
        try:
            lease = self._tail_leases[name]
            if lease.acquire():
                try:
                    applied = feed.apply(self.tail_limit)
                finally:
                    lease.release()
                self._count(name, "requests", applied)
                return applied
        finally:
            feed.lock.release()
        return self._wait_for_keeper(name, feed)

    def _apply_tail(self, name: str, feed) -> int:
        if not feed.lock.acquire(timeout=self.tail_wait):
            return 0  # the consumer is applying these very events
        try:
            applied = feed.apply(self.tail_limit)
        finally:
            feed.lock.release()
        self._count(name, "requests", applied)
        return applied

    def _wait_for_keeper(self, name: str, feed) -> int:
        """Another process keeps this projection: wake it and wait (up to ``tail_wait``) until it has
        applied everything written so far, the request's own write among it."""
        target = feed.newest()
        self._wakers[name].ring()
        deadline = time.monotonic() + self.tail_wait
        while feed.position() < target and time.monotonic() < deadline:
            time.sleep(0.005)
        return 0

    def wake(self) -> None:
        """Look at the outbox now (after a write), not at the end of the interval; so does the process
        keeping a local projection when it is another one."""
        self._wake.set()
        for name, waker in self._wakers.items():
            if name not in self.held:
                waker.ring()

    # -- what the consumer does

    def run_once(self, names=None) -> dict[str, int]:
        """Catch every projection (or those ``names``) up; a failing one is logged and retried at the next pass."""
        applied = {}
        feeds = {name: feed for name, feed in self.feeds.items() if names is None or name in names}
        for name, feed in feeds.items():
            total = 0
            try:
                while not self._stop.is_set():
                    with feed.lock:
                        events = feed.apply(BATCH, background=True)
                    if not events:
                        break
                    total += events
                    self._count(name, "consumer", events)
                self.errors.pop(name, None)
            except Exception as error:  # a projection's server may be down: the others go on
                self.errors[name] = str(error)
                log.exception("outbox: applying to %s failed; retried at the next pass", name)
            applied[name] = total
        if not self.errors and not self._stop.is_set() and not any(f.pending(1) for f in feeds.values()):
            self._caught_up.set()
        return applied

    def _take_leases(self) -> set[str]:
        """The feeds this consumer may apply now: the store's while it holds the store's lease, a local
        one while it holds that one's lock file."""
        held = set()
        try:
            if self.lease.acquire():
                held |= {name for name in self.feeds if name not in self.local_leases}
        except Exception as error:  # the store is unreachable: try again later
            log.warning("outbox: the lease could not be taken: %s", error)
        for name, lease in self.local_leases.items():
            if self._tail_leases[name].held:
                continue  # a request of this process is applying its tail under that lock
            if lease.acquire():
                held.add(name)
                self._wakers[name].listen(self._wake, self._stop)
            else:
                self._wakers[name].close()
        return held

    def run_forever(self, report: Callable[[str, dict], None] | None = None) -> None:
        """The consumer's loop (in the calling thread): work while holding the lease, else stand by."""
        said = None  # what was last reported: leading or standing by
        try:
            while not self._stop.is_set():
                self._wake.clear()
                self.held = self._take_leases()
                leading = bool(self.held)
                if leading != said and report:
                    report("lead" if leading else "standby", {})
                said = leading
                self.leading = leading
                if leading:
                    try:
                        applied = self.run_once(self.held)
                    except Exception:  # e.g. the store went away for a moment: the next pass retries
                        log.exception("outbox: a pass failed")
                        applied = {}
                    if report and any(applied.values()):
                        report("applied", applied)
                self._wake.wait(self.interval)
        finally:
            self.leading, self.held = False, set()
            self.lease.release()
            for name, lease in self.local_leases.items():
                self._wakers[name].close()
                lease.release()

    def start(self) -> OutboxConsumer:
        """Run the loop in a daemon thread (``catalog serve``)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self.run_forever, name="catalog-outbox", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_caught_up(self, timeout: float) -> bool:
        """Wait until a pass found nothing left to apply (True), or ``timeout`` seconds (False)."""
        return self._caught_up.wait(timeout)

    def status(self) -> list[tuple[str, int, int]]:
        """(label, position, events pending) of each projection."""
        return [(feed.label, feed.position(), feed.pending()) for feed in self.feeds.values()]
