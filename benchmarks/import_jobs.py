"""Benchmark: how a record page answers while a background register import runs.

    .venv/bin/python benchmarks/import_jobs.py --rows 10000
    .venv/bin/python benchmarks/import_jobs.py --rows 10000 --partial
    .venv/bin/python benchmarks/import_jobs.py --rows 10000 --postgresql

Starts the real server (``catalog serve``, its worker thread included) on a loopback port over a
fresh catalogue, uploads a generated register of N rows through ``POST /api/v1/imports/register``
(202: a job), then, until the job has finished, GETs a record page (``/agencies/1``, anonymous
reading) every 50 ms and records how long each answer took; a write (``POST
/api/v1/life-situations`` with a token) is timed every 0.5 s. With ``--partial`` the load is a
partial one, committed in batches. The job's end is read from the ``import_jobs`` table directly (a
reader, as the page is). Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.importers import make_catalogue, make_register  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def issue_token(url: str) -> str:
    from catalog.db import make_engine, make_session_factory
    from catalog.services import users
    from catalog.services.context import Context

    engine = make_engine(url)
    ctx = Context(session=make_session_factory(engine)(), is_system=True)
    user = users.create_user(ctx, "bench", "Замер", "пароль-замера", ["process_office"], [1], [])
    secret = users.create_token(ctx, user.id, "замер").secret
    ctx.session.close()
    engine.dispose()
    return secret


def upload(base: str, token: str, path: Path, partial: bool) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = b"".join([
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"agency\"\r\n\r\nBENCH\r\n".encode(),
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"partial\"\r\n\r\n{int(partial)}\r\n".encode(),
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"register.xlsx\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n".encode(), path.read_bytes(), f"\r\n--{boundary}--\r\n".encode()])
    request = urllib.request.Request(f"{base}/api/v1/imports/register", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())["id"]


def job_state(url: str, job_id: int) -> tuple[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT status, rows_done FROM import_jobs WHERE id = :id"), {"id": job_id}).one()
    engine.dispose()
    return row[0], row[1]


def write(base: str, token: str, number: int) -> tuple[float, int]:
    request = urllib.request.Request(f"{base}/api/v1/life-situations", method="POST",
                                     data=json.dumps({"name": f"Ситуация замера {number}"}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:  # no answer in 30 s: counted as failed
        status = 0
    return (time.perf_counter() - started) * 1000, status


def run(rows: int, url: str, workdir: Path, partial: bool = False) -> None:
    make_catalogue(url)
    token = issue_token(url)
    register = workdir / "register.xlsx"
    make_register(register, rows)
    port = free_port()
    env = {**os.environ, "CATALOG_INSTANCE": str(workdir / "instance"), "CATALOG_SECRET_KEY": "bench",
           "CATALOG_DATABASE_URL": url}
    server = subprocess.Popen([sys.executable, "-c", "from catalog.cli import main; main()", "serve", "--port",
                               str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/agencies/1", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        quiet = []
        for _ in range(20):
            started = time.perf_counter()
            urllib.request.urlopen(f"{base}/agencies/1", timeout=60).read()
            quiet.append((time.perf_counter() - started) * 1000)
        started_job = time.perf_counter()
        status, job_id = upload(base, token, register, partial)
        assert status == 202, status
        during, writes, state, last_write = [], [], ("queued", 0), 0.0
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            started = time.perf_counter()
            with urllib.request.urlopen(f"{base}/agencies/1", timeout=60) as response:
                response.read()
                assert response.status == 200
            during.append((time.perf_counter() - started) * 1000)
            if time.monotonic() - last_write > 0.5:
                writes.append(write(base, token, len(writes)))
                last_write = time.monotonic()
            state = job_state(url, job_id)
            if state[0] not in ("queued", "running"):
                break
            time.sleep(0.05)
        took = time.perf_counter() - started_job
    finally:
        server.terminate()
        server.wait(timeout=30)

    def figures(values):
        values = sorted(values)
        p95 = values[min(len(values) - 1, max(0, math.ceil(len(values) * 0.95) - 1))]
        return (f"{statistics.median(values):.0f} ms median, {p95:.0f} ms p95, "
                f"{values[-1]:.0f} ms max ({len(values)} requests)")

    print(f"| {rows} rows, {url.split(':', 1)[0]}{', partial load' if partial else ''} | |\n|---|---|")
    print(f"| GET /agencies/1, server idle | {figures(quiet)} |")
    print(f"| GET /agencies/1 while the import job runs | {figures(during)} |")
    if writes:
        failed = sum(1 for _, code in writes if code != 201)
        print(f"| POST /api/v1/life-situations while the job runs | {figures([ms for ms, _ in writes])}, "
              f"{failed} failed |")
    print(f"| the job: upload to «{state[0]}», {state[1]} rows | {took:.1f} s |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--partial", action="store_true", help="a partial load, committed in batches")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="catalog-jobs-bench-"))
    server = None
    if args.postgresql:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
    url = server.url() if server else f"sqlite:///{workdir / 'bench.db'}"
    try:
        run(args.rows, url, workdir, args.partial)
    finally:
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
