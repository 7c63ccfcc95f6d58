"""Throughput of ``catalog serve``: requests/s and p95 at 1, 8 and 32 concurrent clients (issue 19).

    .venv/bin/python benchmarks/throughput.py                         # 2 000 processes, SQLite
    .venv/bin/python benchmarks/throughput.py --processes 10000 --seconds 10 --workers 1,2,4
    .venv/bin/python benchmarks/throughput.py --postgresql            # a throwaway PostgreSQL, as the tests start

A generated catalogue (``catalog generate``) with its projections caught up (``catalog outbox follow
--once``) is served on loopback, in turn, by one waitress process (the server before issue 19, and
still the one where the system cannot fork) and by ``catalog serve --workers N`` (gunicorn); each has
``--threads`` threads a process. Clients are threads of this process, each with its own keep-alive
connection (http.client), sending requests back to back for ``--seconds`` to one of: a record page
(``/processes/<id>``), a search (``/api/v1/search?q=…``) and a lineage answer
(``/api/v1/lineage/processes/<id>?depth=3``), ids and words rotating. The clients share the machine
with the servers (2 cores here), so at 32 clients they take a part of the CPU themselves. All the
servers run from the start and each line is measured on each in turn: on a machine shared with
others the ratio of figures taken seconds apart means more than figures taken minutes apart.

Prints a Markdown table with the load average of the machine at each line, the ratio of each
server to one worker, and the CPU seconds each server process used during the line (how the work
fell on the processes, which a busy machine does not blur).
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ["выплата", "пособие", "лицензия", "реестр", "образование", "земельный участок", "субсидия",
         "медицинская помощь", "транспорт", "архивная справка"]
WAITRESS = ("from catalog.config import load_settings; from catalog import server; import sys; "
            "server.serve_waitress(load_settings(), '127.0.0.1', int(sys.argv[1]), int(sys.argv[2]))")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def catalog(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-c", "from catalog.cli import main; main()", *args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)


def prepare(env: dict, processes: int) -> list[int]:
    from catalog.db import make_engine
    from sqlalchemy import text

    catalog(env, "init")
    started = time.perf_counter()
    catalog(env, "generate", "--processes", str(processes))
    catalog(env, "outbox", "follow", "--once")  # the search index and the re-checks caught up before serving
    print(f"catalogue of {processes} processes generated and indexed in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    engine = make_engine(env["CATALOG_DATABASE_URL"])
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text(
            "SELECT id FROM processes WHERE deleted_at IS NULL ORDER BY id LIMIT 500"))]
    engine.dispose()
    return ids


class Served:
    def __init__(self, label: str, command: list[str], env: dict, port: int):
        self.label, self.port = label, port
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/api/v1/agencies")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{label}: the server did not start")
            time.sleep(0.2)

    def pids(self) -> list[int]:
        """The processes that answer: gunicorn's workers, or waitress's one process."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        found = [int(p) for p in children.read_text().split()] if children.exists() else []
        return found or [self.process.pid]

    def cpu(self) -> list[float]:
        """CPU seconds each answering process has used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        seconds = []
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                seconds.append((int(fields[11]) + int(fields[12])) / ticks)
            except OSError:
                seconds.append(0.0)
        return seconds

    def memory(self) -> str:
        """Resident memory of the server's processes (the master and its children), MB."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        sizes = []
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
            sizes.append(f"{kb / 1024:.0f}")
        return " + ".join(sizes) + " MB"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(5)


def paths(kind: str, ids: list[int], offset: int):
    """The paths one client asks in turn; each client starts at its own place in the rotation, so they
    do not all ask the same thing at once."""
    if kind == "search":
        from urllib.parse import quote

        words = WORDS[offset % len(WORDS):] + WORDS[:offset % len(WORDS)]
        return (f"/api/v1/search?q={quote(w)}" for w in itertools.cycle(words))
    start = offset * 7 % len(ids)
    mine = ids[start:] + ids[:start]
    if kind == "record page":
        return (f"/processes/{i}" for i in itertools.cycle(mine))
    return (f"/api/v1/lineage/processes/{i}?depth=3" for i in itertools.cycle(mine))


def measure(port: int, kind: str, ids: list[int], clients: int, seconds: float) -> tuple[float, float, int]:
    """(requests/s, p95 ms, errors) of ``clients`` keep-alive clients sending back to back."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start_line = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        source = paths(kind, ids, n)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start_line.wait()
        mine = latencies[n]
        while time.perf_counter() < stop_at[0]:
            path = next(source)
            began = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[n] += 1
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append((time.perf_counter() - began) * 1000)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    samples = sorted(itertools.chain.from_iterable(latencies))
    if not samples:
        return 0.0, 0.0, sum(errors)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return len(samples) / elapsed, p95, sum(errors)


def warm(port: int, ids: list[int]) -> None:
    """Every process of the server answers each kind a few times first (dictionaries, caches, the index)."""
    for kind in ("record page", "search", "lineage"):
        measure(port, kind, ids, 8, 1.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0, help="per line")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--workers", default="1,2", help="catalog serve --workers, compared with one")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-waitress", action="store_true", help="leave out the one waitress process")
    parser.add_argument("--kinds", default="record page,search,lineage")
    parser.add_argument("--postgresql", action="store_true", help="start a throwaway PostgreSQL server")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    kinds = args.kinds.split(",")
    workdir = Path(tempfile.mkdtemp(prefix="catalog-throughput-"))
    pg = None
    env = {**os.environ, "CATALOG_INSTANCE": str(workdir / "instance"), "CATALOG_SECRET_KEY": "bench",
           "CATALOG_DATABASE_URL": f"sqlite:///{workdir / 'instance' / 'catalog.db'}"}
    if args.postgresql:
        from tests.pgserver import PostgresServer

        pg = PostgresServer().start()
        env["CATALOG_DATABASE_URL"] = pg.url()
    try:
        ids = prepare(env, args.processes)
        servers = [] if args.no_waitress else [("waitress, 1 process", "waitress")]
        servers += [(f"gunicorn, {n} worker{'s' if n > 1 else ''}", n) for n in (int(w) for w in args.workers.split(","))]
        results: dict[tuple[str, str, int], tuple] = {}
        memory: dict[str, str] = {}
        # Every server runs from the start, idle while another is measured; each line is measured on
        # each server in turn, so a ratio compares figures taken a few seconds apart on a shared machine.
        running = []
        try:
            for label, how in servers:
                port = free_port()
                if how == "waitress":
                    command = [sys.executable, "-c", WAITRESS, str(port), str(args.threads)]
                else:
                    command = [sys.executable, "-c", "from catalog.cli import main; main()", "serve",
                               "--port", str(port), "--workers", str(how), "--threads", str(args.threads)]
                running.append(Served(label, command, env, port))
            for served in running:
                warm(served.port, ids)
            for kind in kinds:
                for n in clients:
                    for served in running:
                        before = served.cpu()
                        rate, p95, errors = measure(served.port, kind, ids, n, args.seconds)
                        # How the work fell on the processes: their CPU seconds during the line.
                        split = " / ".join(f"{b - a:.1f}" for a, b in zip(before, served.cpu()))
                        results[(served.label, kind, n)] = (rate, p95, errors, load_average(), split)
                        print(f"{served.label:22} {kind:12} {n:3} clients: {rate:7.1f} requests/s, p95 {p95:7.1f} ms, "
                              f"errors {errors}, CPU s {split}, load average {load_average()}", file=sys.stderr)
            memory.update({served.label: served.memory() for served in running})
        finally:
            for served in running:
                served.stop()
        peer = next((label for label, how in servers if how == 1), None)
        database = "PostgreSQL" if args.postgresql else "SQLite"
        print(f"\n{args.processes} processes, {database}, {args.threads} threads a process, {args.seconds:g} s a line, "
              f"{os.cpu_count()} cores\n")
        print("| server | request | clients | requests/s | p95, ms | × 1 worker | errors | CPU s per process | load average |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (label, kind, n), (rate, p95, errors, load, split) in sorted(
                results.items(), key=lambda item: [label for label, _ in servers].index(item[0][0])):
            base = results.get((peer, kind, n)) if peer else None
            ratio = f"{rate / base[0]:.2f}" if base and base[0] else "—"
            print(f"| {label} | {kind} | {n} | {rate:.1f} | {p95:.1f} | {ratio} | {errors} | {split} | {load} |")
        print("\nresident memory after the run (master + processes): "
              + "; ".join(f"{label}: {size}" for label, size in memory.items()))
    finally:
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
