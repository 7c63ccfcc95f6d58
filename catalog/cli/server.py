"""The web server (waitress), with the outbox consumer and the import workers of its process."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.command()
@click.option("--host", default=None, help="Адрес (по умолчанию CATALOG_HOST или 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Порт (по умолчанию CATALOG_PORT или 8000).")
@click.option("--threads", type=int, default=8, show_default=True)
@click.pass_obj
def serve(env: Env, host, port, threads):
    """Запустить веб-сервер (waitress)."""
    import waitress

    from catalog.services import import_jobs
    from web import create_app
    from web.outbox import start as start_outbox

    env.require_schema()
    host = host or env.settings.host
    port = port or env.settings.port
    if threads <= env.settings.sparql_max_concurrent:
        # SPARQL may hold up to that many threads: others must be left for every other page.
        raise click.BadParameter(
            f"потоков ({threads}) должно быть больше, чем запросов SPARQL одновременно "
            f"(CATALOG_SPARQL_MAX_CONCURRENT={env.settings.sparql_max_concurrent})", param_hint="--threads")
    app = create_app(runtime=env.runtime)
    start_outbox(app)  # projections catch up in the background, not in the first requests
    # Background imports run in this process's worker threads (CATALOG_IMPORT_WORKERS; 0: «catalog worker»).
    queue = import_jobs.queue_for(env.settings, app.extensions["catalog"].sessions)
    queue.start(env.settings.import_workers)
    stop = import_jobs.start_housekeeping(queue)
    click.echo(f"Каталог доступен по адресу http://{host}:{port}/")
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="catalog")
    finally:
        stop.set()
        queue.stop()


COMMANDS = [serve]
