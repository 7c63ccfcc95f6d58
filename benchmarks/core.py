"""Benchmark of the core on a generated catalogue: load, API and page latency, dump and restore.

    .venv/bin/python benchmarks/core.py --processes 10000
    .venv/bin/python benchmarks/core.py --processes 10000 --postgresql   # a throwaway server, as the tests start
    .venv/bin/python benchmarks/core.py --processes 100000 --database-url postgresql+psycopg://…/empty_db
    .venv/bin/python benchmarks/core.py --existing FILE.db --no-dump --edits 50   # a catalogue made before
                                                    # (e.g. by `catalog generate`), copied and measured
    .venv/bin/python benchmarks/core.py --existing postgresql+psycopg://…/filled_db --no-dump --edits 50   # in place

Prints a Markdown table; the figures in docs/benchmarks.md come from it.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.db import make_engine, make_session_factory, migrate  # noqa: E402
from catalog.demo.generator import generate  # noqa: E402
from catalog.demo.loader import load_catalogue  # noqa: E402
from catalog.services import store  # noqa: E402
from catalog.services.context import Context  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int = 20) -> str:
    """Median and 95th percentile milliseconds of ``repeat`` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    ordered = sorted(samples)
    return f"{statistics.median(ordered):.1f} ms (p95 {ordered[max(int(len(ordered) * 0.95) - 1, 0)]:.1f} ms)"


def load_average() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def edit_many_times(sessions, process_id: int, edits: int) -> None:
    """A process edited ``edits`` times through the services, so its history is long, as a worked record's is."""
    from catalog.services import records

    for number in range(edits):
        with sessions() as session:
            ctx = Context(session=session, is_system=True)
            current = records.get_record(ctx, "processes", process_id)
            records.update_record(ctx, "processes", process_id,
                                  {"version": current.version, "description": f"Редакция {number + 1}"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=10_000)
    parser.add_argument("--database-url", help="an empty database; a temporary SQLite file by default")
    parser.add_argument("--postgresql", action="store_true", help="start a throwaway PostgreSQL server")
    parser.add_argument("--no-dump", action="store_true", help="leave out catalog dump and restore")
    parser.add_argument("--edits", type=int, default=0, help="edit the measured process this many times first")
    parser.add_argument("--existing", help="a filled SQLite file (a copy is measured) or a database URL (measured "
                                           "in place: --edits writes to it); nothing is loaded")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="catalog-bench-"))
    server = None
    if args.postgresql:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
        args.database_url = server.url()
    try:
        run(args, workdir)
    finally:
        if server:
            server.stop()


def run(args, workdir: Path) -> None:
    if args.existing and "://" in args.existing:
        args.database_url = args.existing
    elif args.existing:
        import shutil

        shutil.copy(args.existing, workdir / "bench.db")
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    sessions = make_session_factory(engine)
    rows: list[tuple[str, str]] = [("load average at the start (1 / 5 / 15 min)", load_average())]

    if args.existing:
        from sqlalchemy import func, select

        from catalog import models

        with sessions() as session:
            args.processes = session.scalar(select(func.max(models.Process.id))) or 0
            rows.append(("records", ", ".join(f"{model.__tablename__} {session.scalar(select(func.count()).select_from(model))}"
                                              for model in (models.Process, models.Link, models.Passport, models.ChangeEvent))))
    else:
        start = time.perf_counter()
        data = generate(args.processes)
        rows.append(("generate the description", f"{time.perf_counter() - start:.1f} s"))
        start = time.perf_counter()
        ctx = Context(session=sessions(), is_system=True, autocommit=False)
        counts = load_catalogue(ctx, data, lambda stage, n: print(f"  {stage}: {n}", file=sys.stderr, end="\r"))
        ctx.session.commit()
        ctx.session.close()
        rows.append(("load into the store", f"{time.perf_counter() - start:.1f} s"))
        rows.append(("records loaded", ", ".join(f"{k} {v}" for k, v in counts.items())))
        del data

    from web import create_app

    app = create_app(database_url=url, instance_path=workdir / "instance", secret_key="bench")
    client = app.test_client()
    process_id = args.processes // 2
    agency_id = 3
    if args.edits:
        start = time.perf_counter()
        edit_many_times(sessions, process_id, args.edits)
        rows.append((f"{args.edits} edits of the measured process", f"{time.perf_counter() - start:.1f} s"))
    checks = {
        "GET /api/v1/processes (page 1 of 50)": "/api/v1/processes",
        "GET /api/v1/processes?page=100": "/api/v1/processes?page=100",
        "GET /api/v1/processes?agency_id=3&status=researching": f"/api/v1/processes?agency_id={agency_id}&status=researching",
        "GET /api/v1/processes?q=заявлен (substring)": "/api/v1/processes?q=%D0%B7%D0%B0%D1%8F%D0%B2%D0%BB%D0%B5%D0%BD",
        "GET /api/v1/processes?q=перевозк (substring, 1,5 % of processes)":
            "/api/v1/processes?q=%D0%BF%D0%B5%D1%80%D0%B5%D0%B2%D0%BE%D0%B7%D0%BA",
        "GET /processes/?q=перевозк (list page, substring)": "/processes/?q=%D0%BF%D0%B5%D1%80%D0%B5%D0%B2%D0%BE%D0%B7%D0%BA",
        "GET /api/v1/processes/{id}": f"/api/v1/processes/{process_id}",
        "GET /api/v1/processes/{id}/history": f"/api/v1/processes/{process_id}/history",
        "GET /processes/{id} (record page)": f"/processes/{process_id}",
        "GET /processes/ (list page)": "/processes/",
        "GET / (home page, counts)": "/",
    }
    for label, path in checks.items():
        assert client.get(path).status_code == 200, path
        rows.append((label, timed(lambda: client.get(path))))

    app.extensions["catalog"].close()
    if not args.no_dump:
        dump_path = workdir / "dump.jsonl.gz"
        start = time.perf_counter()
        with sessions() as session:
            store.dump(session, dump_path)
        rows.append(("catalog dump", f"{time.perf_counter() - start:.1f} s, {dump_path.stat().st_size / 1e6:.1f} MB"))
        target = make_engine(f"sqlite:///{workdir / 'restored.db'}")
        migrate(target)
        start = time.perf_counter()
        with make_session_factory(target)() as session:
            store.restore(session, dump_path)
        rows.append(("catalog restore (into SQLite)", f"{time.perf_counter() - start:.1f} s"))
    rows.append(("peak memory of this process", f"{peak_rss_mb():.0f} MB"))
    rows.append(("load average at the end (1 / 5 / 15 min)", load_average()))

    print(f"\n| {args.processes} processes, {engine.dialect.name} | |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
