"""``catalog serve``: several server processes where the system forks (gunicorn), one (waitress) where not.

One Python process answers on one core, whatever its threads (issue 19: a record page at about 85
requests/s, p95 481 ms at 32 clients). On Linux the server is gunicorn: a master that only watches,
``workers`` processes forked from it, ``threads`` threads in each (the ``gthread`` worker). Each
process builds its own app after the fork (engine, sessions, search index, graph), since neither a
database connection nor a tantivy reader survives a fork. What used to assume one process:

- the outbox consumer runs in every process; one of them holds the store's lease and applies the
  store's projections, one holds the search index folder's lock file and writes the embedded index
  (catalog/outbox.py); the others stand by, read the index and reload it when its position moves;
  a request whose tail meets another process writing waits for it, so a write is found at once;
- background imports run in the one process that holds ``<instance>/imports.lock`` (the huey queue
  gives each job to one consumer anyway; this keeps CATALOG_IMPORT_WORKERS a count per server, not
  per process); a process that takes its place after a crash takes the lock;
- failed logins are counted in the store (catalog/services/users.py), upload quotas in the instance
  folder: both are shared by every process and every machine.
"""
from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

from catalog.config import Settings


def fork_available() -> bool:
    """gunicorn runs where processes fork and files lock (Linux, the BSDs, macOS), not on Windows."""
    if not hasattr(os, "fork"):
        return False
    try:
        import fcntl  # noqa: F401
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def default_workers(settings: Settings) -> int:
    """CATALOG_WORKERS, or one process per core."""
    return settings.workers if settings.workers > 0 else (os.cpu_count() or 1)


@dataclass
class Background:
    """What one server process runs besides its requests: the outbox consumer, the import workers."""

    consumer: object = None
    queue: object = None
    stop_housekeeping: threading.Event | None = None
    imports_lease: object = None
    stopped: bool = False

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.stop_housekeeping is not None:
            self.stop_housekeeping.set()
        if self.queue is not None:
            self.queue.stop()
        if self.consumer is not None:
            self.consumer.stop(timeout=5)  # gives the leases back at once, so another process takes over
        if self.imports_lease is not None:
            self.imports_lease.release()


def start_background(app, shared: bool) -> Background:
    """Start this process's consumer and, when it may (``shared``: other processes serve the same
    instance folder), its import workers."""
    from catalog.outbox import file_lease
    from catalog.services import import_jobs
    from web.outbox import start as start_outbox

    runtime = app.extensions["catalog"]
    settings = runtime.settings
    background = Background(consumer=start_outbox(app))  # projections catch up in the background
    if settings.import_workers > 0:
        lease = file_lease(os.path.join(settings.instance_path, "imports.lock")) if shared else None
        if lease is None or lease.acquire():
            background.imports_lease = lease
            # Background imports run in this process's threads (CATALOG_IMPORT_WORKERS; 0: «catalog worker»).
            background.queue = import_jobs.queue_for(settings, runtime.sessions)
            background.queue.start(settings.import_workers)
            background.stop_housekeeping = import_jobs.start_housekeeping(background.queue)
    return background


def build(settings: Settings, shared: bool):
    """The app of one server process over a runtime of its own, with its background started."""
    from catalog.runtime import Runtime
    from web import create_app

    runtime = Runtime(settings)
    app = create_app(runtime=runtime)
    return app, start_background(app, shared)


def address(host: str, port: int) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve_waitress(settings: Settings, host: str, port: int, threads: int, runtime=None) -> None:
    """One process with threads: where the system cannot fork."""
    import waitress

    from web import create_app

    if runtime is not None:
        app = create_app(runtime=runtime)
        background = start_background(app, shared=False)
    else:
        app, background = build(settings, shared=False)
    print(f"Каталог доступен по адресу {address(host, port)} (один процесс, {_threads(threads)})", flush=True)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="catalog")
    finally:
        background.stop()


def _threads(threads: int) -> str:
    from catalog.formatting import counted

    return counted(threads, "поток")


def serve_gunicorn(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """``workers`` processes of ``threads`` threads each; returns when the master is stopped (SIGTERM, SIGINT)."""
    from catalog.formatting import counted
    from gunicorn.app.base import BaseApplication

    said = f"Каталог доступен по адресу {address(host, port)} ({counted(workers, 'процесс')} по {_threads(threads)})"
    # Where the machine has several processes per instance folder, the imports' lock decides who runs them.
    shared = workers > 1
    keepalive = settings.keepalive if settings.keepalive is not None else (0 if workers > 1 else 5)

    class CatalogServer(BaseApplication):
        def load_config(self):
            options = {
                "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "proc_name": "catalog",
                "timeout": 60,  # seconds a process may not report before the master replaces it
                "graceful_timeout": 10,
                # A kept connection ties its client to the process that accepted it: with several, one
                # did nearly all the work for 8 keep-alive clients (docs/benchmarks.md). Closed after each
                # answer, the next request goes to whichever process accepts first, which is a free one.
                "keepalive": keepalive,
                # Only gunicorn's warnings and errors (in English): what a user needs is said below in Russian.
                "loglevel": "warning",
                "errorlog": "-",
                "accesslog": None,
                # Said by the first process once its app is built (not when the master only listens).
                "post_worker_init": lambda worker: worker.age == 1 and print(said, flush=True),
                "worker_exit": _worker_exit,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            # Called in each worker process after the fork: its own engine, index reader and consumer.
            try:
                app, background = build(settings, shared)
            except ValueError as error:  # a bad setting (CATALOG_SEARCH_BACKEND…), said in Russian
                print(f"Ошибка: {error}", file=sys.stderr, flush=True)
                sys.exit(3)  # gunicorn's «worker failed to boot»: the master stops rather than start it again
            _backgrounds.append(background)
            return app

    from gunicorn.errors import HaltServer

    try:
        CatalogServer().run()
    except HaltServer as halted:  # processes that failed to boot have said why: no traceback of the master
        raise SystemExit(halted.exit_status) from None
    finally:  # the master ends by sys.exit once its processes have stopped
        print("Каталог остановлен.", flush=True)


_backgrounds: list[Background] = []  # of this process (a worker has one)


def _worker_exit(server, worker) -> None:
    # In the worker that ends: give the leases back at once, so another process takes over.
    for background in _backgrounds:
        background.stop()
    # Then end here, with the code gunicorn is exiting with (a worker that failed to boot stops the
    # master): the exit handlers run (search misses are written, logs flushed), but not the
    # interpreter's teardown of the app's modules, which took seconds of CPU per process.
    import atexit

    leaving = sys.exc_info()[1]  # the SystemExit gunicorn raised, this hook running in its «finally»
    code = leaving.code if isinstance(leaving, SystemExit) else 0
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)
