"""Benchmark of lineage on a generated regional catalogue: sql on SQLite and neo4j on FalkorDB, in one run.

    .venv/bin/python benchmarks/graph.py                        # 50k processes, over 1M graph edges
    .venv/bin/python benchmarks/graph.py --processes 5000 --samples 50

Measures p50/p95 of lineage at depth 3 and 6 (in process, through the service, and over HTTP to
a waitress server), the projection's rebuild and sync throughput, and the graph server's memory.
Prints a Markdown table; docs/benchmarks.md holds the figures.
"""
from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from catalog import models  # noqa: E402
from catalog.config import load_settings  # noqa: E402
from catalog.db import make_engine, make_session_factory, migrate  # noqa: E402
from catalog.demo.generator import generate  # noqa: E402
from catalog.demo.loader import load_catalogue  # noqa: E402
from catalog.graph import store_edges  # noqa: E402
from catalog.services import lineage, records  # noqa: E402
from catalog.services.context import Context  # noqa: E402


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(label: str, ctx: Context, process_ids: list[int], base_url: str | None, rows: list) -> None:
    for depth in (3, 6):
        in_process, over_http = [], []
        for process_id in process_ids:
            start = time.perf_counter()
            lineage.lineage(ctx, "processes", process_id, "both", depth)
            in_process.append((time.perf_counter() - start) * 1000)
            if base_url:
                start = time.perf_counter()
                with urllib.request.urlopen(f"{base_url}/api/v1/lineage/processes/{process_id}?depth={depth}") as r:
                    json.load(r)
                over_http.append((time.perf_counter() - start) * 1000)
        rows.append((f"{label}: lineage depth {depth}, in process", percentiles(in_process)))
        if over_http:
            rows.append((f"{label}: lineage depth {depth}, over HTTP", percentiles(over_http)))


def serve(settings) -> tuple[str, object]:
    from waitress.server import create_server

    from web import create_app

    port = free_port()
    server = create_server(create_app(settings), host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=50_000)
    parser.add_argument("--extra-consumes", type=int, default=14, help="CONSUMES links added per process")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--skip-neo4j", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="catalog-graph-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    sessions = make_session_factory(engine)
    rows: list[tuple[str, str]] = []

    start = time.perf_counter()
    ctx = Context(session=sessions(), is_system=True, autocommit=False)
    load_catalogue(ctx, generate(args.processes, extra_consumes=args.extra_consumes),
                   lambda stage, n: print(f"  {stage}: {n}", file=sys.stderr, end="\r"))
    ctx.session.commit()
    rows.append(("load the catalogue", f"{time.perf_counter() - start:.0f} s"))
    links = ctx.session.scalar(select(func.count()).select_from(models.Link))
    edges = sum(1 for _ in store_edges.all_edges(ctx.session))
    rows.append(("store", f"{args.processes} processes, {links} links, {edges} graph edges (links and relation keys)"))

    rng = random.Random(1)
    process_ids = rng.sample(range(1, args.processes + 1), min(args.samples, args.processes))
    settings = load_settings(database_url=url, instance_path=workdir / "instance")
    ctx = Context(session=sessions(), is_system=True, settings=settings)
    base_url, server = serve(settings)
    measure("sql on SQLite", ctx, process_ids, base_url, rows)
    server.close()

    if not args.skip_neo4j:
        from catalog.graph import Neo4jQueries
        from catalog.graph.neo4j_backend import Neo4jGraph
        from catalog.graph.projection import Neo4jProjection
        from tests.falkordb_server import FalkorDBServer

        falkor = FalkorDBServer().start()
        try:
            graph = Neo4jGraph(falkor.url())
            projection = Neo4jProjection(graph, sessions)
            start = time.perf_counter()
            counts = projection.rebuild()
            took = time.perf_counter() - start
            rows.append(("neo4j on FalkorDB: rebuild", f"{took:.0f} s, {edges / took:.0f} edges/s ({counts})"))
            # Sync throughput: a batch of link writes through the services, then one sync.
            writer = Context(session=sessions(), is_system=True)
            dataset_ids = list(writer.session.scalars(select(models.Dataset.id).limit(2000)))
            written = 0
            for process_id in rng.sample(range(1, args.processes + 1), 5000):
                try:
                    records.create_record(writer, "links", {
                        "link_type": "CONSUMES", "source_kind": "processes", "source_id": process_id,
                        "target_kind": "datasets", "target_id": rng.choice(dataset_ids), "transport": "api"})
                    written += 1
                except Exception:  # a duplicate link: the catalogue refuses it, as it should
                    writer.session.rollback()
            writer.session.commit()
            start = time.perf_counter()
            applied = projection.sync()
            took = time.perf_counter() - start
            rows.append(("neo4j on FalkorDB: sync", f"{applied} events ({written} new links) in {took:.1f} s, "
                                                    f"{applied / took:.0f} events/s"))
            drift = projection.check()
            rows.append(("neo4j on FalkorDB: check after sync", "clean" if drift.clean else f"drift {drift}"))
            settings.graph_backend, settings.neo4j_url = "neo4j", falkor.url()
            ctx = Context(session=sessions(), is_system=True, settings=settings,
                          graph=Neo4jQueries(graph, projection))
            base_url, server = serve(settings)
            measure("neo4j on FalkorDB", ctx, process_ids, base_url, rows)
            server.close()
            rows.append(("FalkorDB server memory (RSS)", f"{rss_mb(falkor.process.pid):.0f} MB"))
        finally:
            falkor.stop()

    print(f"\n| lineage benchmark, {args.processes} processes | |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
