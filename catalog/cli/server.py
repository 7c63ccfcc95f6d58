"""The web server: several processes (gunicorn) where the system forks, one (waitress) where not;
each with its outbox consumer, one of them with the import workers (catalog/server.py)."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.command()
@click.option("--host", default=None, help="Адрес (по умолчанию CATALOG_HOST или 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Порт (по умолчанию CATALOG_PORT или 8000).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Процессов сервера (по умолчанию CATALOG_WORKERS или число ядер).")
@click.option("--threads", type=click.IntRange(min=1), default=8, show_default=True, help="Потоков в каждом процессе.")
@click.pass_obj
def serve(env: Env, host, port, workers, threads):
    """Запустить веб-сервер."""
    from catalog import server

    env.require_schema()
    host = host or env.settings.host
    port = port or env.settings.port
    if threads <= env.settings.sparql_max_concurrent:
        # SPARQL may hold up to that many threads of a process: others must be left for every other page.
        raise click.BadParameter(
            f"потоков ({threads}) должно быть больше, чем запросов SPARQL одновременно "
            f"(CATALOG_SPARQL_MAX_CONCURRENT={env.settings.sparql_max_concurrent})", param_hint="--threads")
    forks = server.fork_available()
    if workers is None:
        workers = server.default_workers(env.settings) if forks else 1
    elif workers > 1 and not forks:
        raise click.BadParameter("на этой системе процессы не порождаются (fork): сервер работает одним процессом, "
                                 "укажите --workers 1", param_hint="--workers")
    if not forks:
        server.serve_waitress(env.settings, host, port, threads, runtime=env.runtime)
        return
    # Each process opens its own connections after the fork: none of the master's may be shared.
    env.runtime.engine.dispose()
    import web  # noqa: F401  (the code is loaded once, in the master, and shared by the processes)

    server.serve_gunicorn(env.settings, host, port, workers, threads)


COMMANDS = [serve]
