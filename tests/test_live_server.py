"""The tests' live server stops without writing into files opened after it (tests/live_server.py)."""
from __future__ import annotations

import threading
import time
import urllib.request

from tests.live_server import serve

HEADER = b"SQLite format 3\x00"


def test_a_request_in_flight_at_stop_writes_nothing_into_the_next_files(tmp_path):
    entered = threading.Event()

    def slow_app(environ, start_response):
        entered.set()
        time.sleep(0.5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]

    answers: list[bytes] = []
    with serve(slow_app) as url:
        client = threading.Thread(target=lambda: answers.append(urllib.request.urlopen(url, timeout=10).read()))
        client.start()
        assert entered.wait(5)
    # Files opened now take the lowest free descriptors: those the server's trigger pipe had.
    files = []
    for number in range(8):
        handle = open(tmp_path / f"copy-{number}.db", "wb+", buffering=0)
        handle.write(HEADER)
        handle.seek(0)
        files.append(handle)
    client.join(10)
    time.sleep(0.2)
    for handle in files:
        assert handle.read() == HEADER, handle.name
        handle.close()
    assert answers == [b"done"]
