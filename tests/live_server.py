"""A WSGI app served by waitress on a loopback port inside the test process, and stopped cleanly.

waitress wakes its loop by writing a byte to a pipe whose descriptor number it keeps as an int
(``trigger._physical_pull``). A worker thread that finishes a request after ``server.close()`` writes
that byte to whatever file has taken the number since: the next test's copy of the database began
with «x» instead of «SQLite format 3» («file is not a database»). So the worker threads are stopped
first, then the loop, in its own thread, and only then are the descriptors closed.
"""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def serve(app, threads: int = 4) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields the base URL."""
    from waitress.server import create_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=threads)
    loop = threading.Thread(target=server.run, name="live-server", daemon=True)
    loop.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server, loop)


def stop(server, loop: threading.Thread) -> None:
    # Requests in flight finish (or are given up after the timeout) before anything is closed.
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
    channels: list = []

    def leave_loop() -> None:  # runs in the loop's thread: an empty map ends wasyncore.loop
        channels.extend(server._map.values())
        server._map.clear()

    server.trigger.pull_trigger(leave_loop)
    loop.join(10)
    for channel in channels:
        if channel is not server and channel is not server.trigger:
            channel.close()
    server.close()  # the listening socket and the trigger's pipe, now that no thread uses them
