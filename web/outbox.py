"""The outbox consumer of a server (catalog/outbox.py): started by ``catalog serve``, woken by writes."""
from __future__ import annotations

from flask import Flask, request

from catalog.outbox import OutboxConsumer, check_mode

def start(app: Flask) -> OutboxConsumer | None:
    """Start this server's consumer in a daemon thread (``CATALOG_OUTBOX_CONSUMER=thread``)."""
    runtime = app.extensions["catalog"]
    if runtime.settings.outbox_consumer != "thread":
        return runtime.outbox_consumer
    return runtime.outbox().start()


def init_app(app: Flask) -> None:
    runtime = app.extensions["catalog"]
    if check_mode(runtime.settings.outbox_consumer) == "external":
        # `catalog outbox follow` runs elsewhere: requests apply only the tail, never the backlog.
        runtime.outbox()

    @app.after_request
    def _wake_after_writes(response):
        consumer = runtime.outbox_consumer
        if consumer is not None and request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            consumer.wake()
        return response
