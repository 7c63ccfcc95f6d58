"""Benchmark of lineage on a generated regional catalogue: sql on SQLite and neo4j on FalkorDB, in one run.

    .venv/bin/python benchmarks/graph.py                        # 50k processes, over 1M graph edges
    .venv/bin/python benchmarks/graph.py --processes 5000 --samples 50
    .venv/bin/python benchmarks/graph.py --processes 10000 --postgresql --skip-neo4j --skip-http

Beside the backends it runs four walks of the sql backend on the same sample, with the same
node cap: the level-by-level walk over the links and relation columns (``traversal.traverse``
over ``store_edges``, the answer before), the recursive query over ``graph_edges``
(``cte.traverse``, what the sql backend runs now), the bare capped recursive query (its one
statement a direction, rows fetched, nothing walked: the peer) and a plain in-memory BFS over
the same edges loaded into dicts (the floor), with statements per call, the ratios and how many
answers differ between the first two. ``--postgresql`` does the same on a throwaway server.

Measures p50/p95 of lineage at depth 3 and 6 (in process, through the service, and over HTTP to
a waitress server), the projection's rebuild and sync throughput, and the graph server's memory.
Prints a Markdown table; docs/benchmarks.md holds the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import sys
import tempfile
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
from catalog.graph import cte, store_edges, traversal  # noqa: E402
from catalog.services import lineage, records  # noqa: E402
from catalog.services.context import Context  # noqa: E402


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def percentiles(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):.2f} ms, p95 {p95(samples):.2f} ms"


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}".replace(".", ",") for x in os.getloadavg())


def in_memory(session):
    """The floor: every live edge in two dicts, walked by the same reference code."""
    out, into = {}, {}
    for edge in store_edges.all_edges(session):
        out.setdefault(edge.source, []).append(edge)
        into.setdefault(edge.target, []).append(edge)

    def expand(nodes, edge_types, direction=None, limit=None):
        found = []
        for node in nodes:
            if direction in (None, "both", "downstream"):
                found += out.get(node, ())
            if direction in (None, "both", "upstream"):
                found += into.get(node, ())
        return [e for e in found if edge_types is None or e.edge_type in edge_types]

    return expand


def compare_walks(label: str, session, process_ids: list[int], max_nodes: int, rows: list) -> None:
    """The level walk, the recursive query and the in-memory BFS on the same sample and cap."""
    from sqlalchemy import event

    level_expand = lambda nodes, types, way=None, limit=None: store_edges.edges_touching(  # noqa: E731
        session, nodes, types, way, limit)
    started = time.perf_counter()
    memory_expand = in_memory(session)
    rows.append((f"{label}: in-memory graph loaded for the BFS", f"{time.perf_counter() - started:.0f} s"))
    def bare(start, depth):
        """The capped recursive statements alone, with the first try's budget of each direction."""
        connection = session.connection()
        for way, cap in (("upstream", max(1, max_nodes // 2)), ("downstream", max_nodes)):
            connection.execute(cte.statement(connection.dialect.name, way, None), {
                "start": start, "depth": depth, "cap": cap,
                "budget": cap * cte.FIRST_ROWS_PER_NODE + traversal.EXPAND_SLICE}).all()
        return None

    walks = {
        "level walk (before)": lambda start, depth: traversal.traverse(level_expand, start, "both", depth, None, max_nodes),
        "recursive query (now)": lambda start, depth: cte.traverse(session, start, "both", depth, None, max_nodes),
        "bare capped query (peer)": bare,
        "in-memory BFS": lambda start, depth: traversal.traverse(memory_expand, start, "both", depth, None, max_nodes),
    }
    engine = session.get_bind()
    for depth in (3, 6):
        times: dict[str, list[float]] = {name: [] for name in walks}
        statements: dict[str, int] = {name: 0 for name in walks}
        answers: dict[str, list] = {name: [] for name in walks}
        for process_id in process_ids:
            start = f"processes:{process_id}"
            for name, walk in walks.items():
                counted = [0]

                def count(*_args, counted=counted):
                    counted[0] += 1

                session.connection()
                event.listen(engine, "before_cursor_execute", count)
                began = time.perf_counter()
                answer = walk(start, depth)
                times[name].append((time.perf_counter() - began) * 1000)
                event.remove(engine, "before_cursor_execute", count)
                statements[name] += counted[0]
                if answer is not None:
                    answers[name].append((answer.nodes, set(answer.edges), answer.truncated))
        for name in walks:
            rows.append((f"{label}: {name}, depth {depth}",
                         f"{percentiles(times[name])}, {statements[name] / len(process_ids):.1f} statements per call"))
        level, query, peer, floor = (p95(times[name]) for name in walks)
        pairs = list(zip(answers["level walk (before)"], answers["recursive query (now)"]))
        differ = sum(a != b for a, b in pairs)
        differ_nodes = sum(set(a[0]) != set(b[0]) for a, b in pairs)
        differ_depths = sum(a[0][n] != b[0][n] for a, b in pairs for n in set(a[0]) & set(b[0]))
        truncated = sum(t for _, _, t in answers["recursive query (now)"])
        rows.append((f"{label}: depth {depth}, p95 ratios",
                     f"level walk / recursive query {level / query:.1f}×, recursive query / bare capped query "
                     f"{query / peer:.1f}×, recursive query / in-memory BFS "
                     f"{query / floor:.1f}×; answers that differ: {differ} of {len(process_ids)} "
                     f"({differ_nodes} in the records, {differ_depths} depths; {truncated} at the cap); "
                     f"{load_average()}"))


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
        rows.append((f"{label}: lineage depth {depth}, in process", f"{percentiles(in_process)}, {load_average()}"))
        if over_http:
            rows.append((f"{label}: lineage depth {depth}, over HTTP", percentiles(over_http)))


def measure_paired(sql_ctx: Context, neo4j_ctx: Context, process_ids: list[int], rows: list) -> None:
    """sql and neo4j one after the other on each process: both under the same load, so their
    ratio holds on a machine that others share."""
    for depth in (3, 6):
        times: dict[str, list[float]] = {"sql": [], "neo4j": []}
        for process_id in process_ids:
            for name, ctx in (("sql", sql_ctx), ("neo4j", neo4j_ctx)):
                start = time.perf_counter()
                lineage.lineage(ctx, "processes", process_id, "both", depth)
                times[name].append((time.perf_counter() - start) * 1000)
        ratio = p95(times["neo4j"]) / p95(times["sql"])
        rows.append((f"sql and neo4j in turn: lineage depth {depth}, in process",
                     f"sql {percentiles(times['sql'])}; neo4j {percentiles(times['neo4j'])}; "
                     f"neo4j / sql at p95 {ratio:.1f}×; {load_average()}"))


def serve(settings):
    """The app on a loopback port, stopped cleanly (tests/live_server.py); a context manager of its URL."""
    from tests.live_server import serve as serve_app
    from web import create_app

    return serve_app(create_app(settings))


def loaded(url: str, args, rows: list, label: str):
    """A migrated store at ``url`` holding the generated catalogue; its session factory."""
    engine = make_engine(url)
    migrate(engine)
    sessions = make_session_factory(engine)
    start = time.perf_counter()
    ctx = Context(session=sessions(), is_system=True, autocommit=False)
    load_catalogue(ctx, generate(args.processes, extra_consumes=args.extra_consumes),
                   lambda stage, n: print(f"  {stage}: {n}", file=sys.stderr, end="\r"))
    ctx.session.commit()
    ctx.session.close()
    rows.append((f"load the catalogue into {label}", f"{time.perf_counter() - start:.0f} s"))
    return sessions


class Rows(list):
    """The table's rows, each printed as it comes: a run cut short keeps what it measured."""

    def append(self, row) -> None:
        super().append(row)
        print(f"| {row[0]} | {row[1]} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=50_000)
    parser.add_argument("--extra-consumes", type=int, default=14, help="CONSUMES links added per process")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--skip-neo4j", action="store_true")
    parser.add_argument("--skip-http", action="store_true", help="no lineage through the service and HTTP")
    parser.add_argument("--postgresql", action="store_true", help="also compare the walks on a throwaway PostgreSQL")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="catalog-graph-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    rows: list[tuple[str, str]] = Rows()
    rows.append(("machine at the start", f"{os.cpu_count()} cores, {load_average()}"))
    sessions = loaded(url, args, rows, "SQLite")
    ctx = Context(session=sessions(), is_system=True, autocommit=False)
    links = ctx.session.scalar(select(func.count()).select_from(models.Link))
    edges = sum(1 for _ in store_edges.all_edges(ctx.session))
    table = ctx.session.scalar(select(func.count()).select_from(models.GraphEdge))
    rows.append(("store", f"{args.processes} processes, {links} links, {edges} graph edges (links and relation keys), "
                          f"{table} rows in graph_edges"))

    rng = random.Random(1)
    process_ids = rng.sample(range(1, args.processes + 1), min(args.samples, args.processes))
    settings = load_settings(database_url=url, instance_path=workdir / "instance")
    compare_walks("SQLite", sessions(), process_ids, settings.graph_max_nodes, rows)
    if args.postgresql:
        from tests.pgserver import PostgresServer

        pg = PostgresServer().start()
        try:
            pg_sessions = loaded(pg.url(), args, rows, "PostgreSQL")
            compare_walks("PostgreSQL", pg_sessions(), process_ids, settings.graph_max_nodes, rows)
            if not args.skip_http:  # through the service (walk and labels), in process
                measure("sql on PostgreSQL", Context(session=pg_sessions(), is_system=True, settings=settings),
                        process_ids, None, rows)
        finally:
            pg.stop()
    if not args.skip_http:
        ctx = Context(session=sessions(), is_system=True, settings=settings)
        with serve(settings) as base_url:
            measure("sql on SQLite", ctx, process_ids, base_url, rows)

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
            with serve(settings) as base_url:
                measure("neo4j on FalkorDB", ctx, process_ids, base_url, rows)
            sql_settings = load_settings(database_url=url, instance_path=workdir / "instance")
            measure_paired(Context(session=sessions(), is_system=True, settings=sql_settings), ctx, process_ids, rows)
            rows.append(("FalkorDB server memory (RSS)", f"{rss_mb(falkor.process.pid):.0f} MB"))
        finally:
            falkor.stop()

    print(f"\n| lineage benchmark, {args.processes} processes | |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
