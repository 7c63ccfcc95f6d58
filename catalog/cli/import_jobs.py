"""Background import jobs run outside the web server."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.command()
@click.option("--workers", type=int, default=None, help="Потоков (по умолчанию CATALOG_IMPORT_WORKERS или 1).")
@click.pass_obj
def worker(env: Env, workers):
    """Выполнять фоновые загрузки файлов (без веб-сервера) и удалять старые файлы загрузок."""
    import threading

    from catalog.services import import_jobs

    env.require_schema()
    queue = import_jobs.queue_for(env.settings, env.sessions)
    queue.start(max(1, workers or env.settings.import_workers or 1))
    stop = threading.Event()
    click.echo("Обработчик фоновых загрузок запущен (Ctrl+C — остановить).")
    try:
        import_jobs.housekeeping(queue, stop)
    except KeyboardInterrupt:
        pass
    finally:
        queue.stop()


COMMANDS = [worker]
