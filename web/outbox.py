"""The outbox consumer of a server (catalog/outbox.py): started by ``catalog serve``, woken by writes."""
from __future__ import annotations

from flask import Flask, request

from catalog.outbox import OutboxConsumer, check_mode

EXTENSION = "catalog_outbox"


def _consumer(app: Flask) -> OutboxConsumer:
    """A consumer over the app's own projection objects, so its writes and the requests' tails share their locks."""
    from catalog.graph import open_graph
    from catalog.search import open_search

    settings, sessions = app.config["CATALOG"], app.extensions["catalog_sessions"]
    if "catalog_graph" not in app.extensions:
        app.extensions["catalog_graph"] = open_graph(settings, sessions)
    if "catalog_search" not in app.extensions:
        app.extensions["catalog_search"] = open_search(settings, sessions)
    return OutboxConsumer.for_store(settings, sessions, search=app.extensions["catalog_search"],
                                    graph=app.extensions["catalog_graph"])


def start(app: Flask) -> OutboxConsumer | None:
    """Start this server's consumer in a daemon thread (``CATALOG_OUTBOX_CONSUMER=thread``)."""
    if app.config["CATALOG"].outbox_consumer != "thread":
        return app.extensions.get(EXTENSION)
    consumer = app.extensions.get(EXTENSION)
    if consumer is None:
        consumer = app.extensions[EXTENSION] = _consumer(app)
    return consumer.start()


def init_app(app: Flask) -> None:
    if check_mode(app.config["CATALOG"].outbox_consumer) == "external":
        # `catalog outbox follow` runs elsewhere: requests apply only the tail, never the backlog.
        app.extensions[EXTENSION] = _consumer(app)

    @app.after_request
    def _wake_after_writes(response):
        consumer = app.extensions.get(EXTENSION)
        if consumer is not None and request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            consumer.wake()
        return response
