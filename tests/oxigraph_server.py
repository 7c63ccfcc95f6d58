"""A throwaway Oxigraph server (``oxigraph serve`` from the ``oxigraph`` package on PyPI), on loopback,
for the tests of the SPARQL store's shared deployment (``CATALOG_SPARQL_URL``)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.server_process import ServerProcess


def binary() -> str:
    """The ``oxigraph`` command installed beside this Python (the wheel puts it in the venv's bin)."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("Oxigraph не установлен: нужен пакет oxigraph (pip install oxigraph).")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer(ServerProcess):
    def __init__(self, timeout: float = 30.0, query_timeout: int = 10):
        self.binary = binary()
        self.root = Path(tempfile.mkdtemp(prefix="catalog-oxigraph-"))
        self.port = _free_port()
        self.timeout, self.query_timeout = timeout, query_timeout
        self.process: subprocess.Popen | None = None
        self.log = self.root / "oxigraph.log"

    def start(self) -> OxigraphServer:
        # --timeout-s: the server stops a query the catalogue has given up on (its HTTP time limit).
        command = [self.binary, "serve", "--location", str(self.root / "data"), "--bind", f"127.0.0.1:{self.port}",
                   "--timeout-s", str(self.query_timeout)]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True, env={**os.environ, "RUST_BACKTRACE": "0"})
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Oxigraph не запустился (код {self.process.returncode}):\n{self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Oxigraph не открыл порт {self.port} за {self.timeout:.0f} с.")

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def clear(self) -> None:
        """Empty the dataset (each test starts from a store of its own)."""
        import requests

        with requests.Session() as http:
            http.trust_env = False
            http.post(f"{self.url()}/update", data=b"DROP ALL",
                      headers={"Content-Type": "application/sparql-update"}, timeout=30).raise_for_status()
