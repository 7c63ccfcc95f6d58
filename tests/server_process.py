"""What the tests' throwaway servers (FalkorDB, Oxigraph) share: a child process, its log, its folder."""
from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path


class ServerProcess:
    process: subprocess.Popen | None
    root: Path
    log: Path

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait(timeout=10)
        finally:
            self.process = None
            shutil.rmtree(self.root, ignore_errors=True)
