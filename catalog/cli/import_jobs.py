"""Background import jobs run outside the web server."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.command()
@click.option("--workers", type=int, default=None, help="Потоков (по умолчанию CATALOG_IMPORT_WORKERS или 1).")
@click.pass_obj
def worker(env: Env, workers):
    """Выполнять фоновые загрузки файлов (без веб-сервера) и удалять старые файлы загрузок."""
    import signal
    import threading

    from catalog.services import import_jobs

    env.require_schema()
    queue = import_jobs.queue_for(env.settings, env.sessions)
    queue.start(max(1, workers or env.settings.import_workers or 1))
    stop = threading.Event()
    # Our own handlers: a process started with SIGINT ignored (by a shell's «&», a supervisor) inherits
    # that and would never stop on Ctrl+C; a service manager stops it with SIGTERM.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    click.echo("Обработчик фоновых загрузок запущен (Ctrl+C — остановить).")
    try:
        import_jobs.housekeeping(queue, stop)
    finally:
        queue.stop()  # a running job finishes first


COMMANDS = [worker]
