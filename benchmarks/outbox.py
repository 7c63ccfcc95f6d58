"""Benchmark of the first search after a crash right after a large import, with and without the outbox consumer.

    .venv/bin/python benchmarks/outbox.py                      # about 50 000 unapplied events, SQLite
    .venv/bin/python benchmarks/outbox.py --processes 9500     # about 100 000
    .venv/bin/python benchmarks/outbox.py --falkordb           # also the first lineage request on the neo4j backend

The index has seen the catalogue up to a first record; then a generated catalogue is loaded in one
transaction and nothing is applied (the server was killed). Each run starts a new app on a copy of
that state and times its first search (and lineage) request: with ``CATALOG_OUTBOX_CONSUMER=off``
the request catches up itself; with the consumer, it answers at once while the consumer catches up
in the background. Prints a Markdown table; the figures in docs/benchmarks.md come from it.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from catalog import models  # noqa: E402
from catalog.db import make_engine, make_session_factory, migrate  # noqa: E402
from catalog.demo.generator import generate  # noqa: E402
from catalog.demo.loader import load_catalogue  # noqa: E402
from catalog.search import open_search  # noqa: E402
from catalog.services import records  # noqa: E402
from catalog.services.context import Context  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=5500, help="generated processes (about 9 events each)")
    parser.add_argument("--falkordb", action="store_true", help="the neo4j backend on a FalkorDB server too")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="catalog-outbox-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    sessions = make_session_factory(engine)
    rows: list[tuple[str, str]] = []

    falkor = None
    if args.falkordb:
        from tests.falkordb_server import FalkorDBServer

        falkor = FalkorDBServer().start()
    try:
        run(args, workdir, url, sessions, rows, falkor)
    finally:
        if falkor:
            falkor.stop()
    print(f"\n| first requests after {rows[0][1]} | |\n|---|---|")
    for label, value in rows[1:]:
        print(f"| {label} | {value} |")
    shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path, url: str, sessions, rows, falkor) -> None:
    from catalog.config import load_settings

    instance = workdir / "instance"
    settings = load_settings(database_url=url, instance_path=instance, secret_key="bench")
    # Before the import: one record, applied to the index (and the graph).
    with sessions() as session:
        ctx = Context(session=session, is_system=True, settings=settings)
        records.create_record(ctx, "agencies", {"code": "BENCH-0", "name": "Орган до загрузки", "kind": "executive"})
    open_search(settings, sessions).sync()
    graph_position = None
    if falkor:
        from catalog.graph.neo4j_backend import Neo4jGraph
        from catalog.graph.projection import Neo4jProjection

        graph = Neo4jGraph(falkor.url())
        graph.clear()
        Neo4jProjection(graph, sessions).sync()
        graph.close()
    # The large import, then the crash: nothing applied.
    with sessions() as session:
        ctx = Context(session=session, is_system=True, autocommit=False)
        load_catalogue(ctx, generate(args.processes), None)
        session.commit()
        events = session.scalar(select(func.count()).select_from(models.ChangeEvent)) - 1
        name = session.scalar(select(models.Process.name).order_by(models.Process.id.desc()).limit(1))
        process_id = session.scalar(select(func.max(models.Process.id)))
        graph_position = session.get(models.ProjectionPosition, "graph")
        graph_position = graph_position.last_event_id if graph_position else 0
    rows.append(("", f"{events} unapplied events ({args.processes} generated processes), SQLite"))
    saved = workdir / "search-before"
    shutil.copytree(instance / "search", saved)

    def fresh_state():
        shutil.rmtree(instance / "search")
        shutil.copytree(saved, instance / "search")
        with sessions.begin() as session:
            row = session.get(models.ProjectionPosition, "graph")
            if row is not None:
                row.last_event_id = 0
        if falkor:
            graph = Neo4jGraph(falkor.url())
            graph.clear()
            Neo4jProjection(graph, sessions).sync(max_events=graph_position)
            graph.close()

    def new_app(mode: str):
        from web import create_app

        overrides = {"outbox_consumer": mode}
        if falkor:
            overrides.update(graph_backend="neo4j", neo4j_url=falkor.url())
        app = create_app(load_settings(database_url=url, instance_path=instance, secret_key="bench", **overrides))
        if falkor:
            # Connect before timing: FalkorDB loses the first connection after another client's GOODBYE
            # (5 s, see neo4j_backend._call), which has nothing to do with the outbox.
            app.extensions["catalog"].graph().graph.profile()
        return app, app.test_client()

    def search(client):
        answer = client.get("/api/v1/search", query_string={"q": name, "kind": "processes"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return name in [item["title"] for item in answer.get_json()["items"]]

    def lineage(client):
        answer = client.get(f"/api/v1/lineage/processes/{process_id}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()

    # Without a consumer: the first requests catch up themselves.
    fresh_state()
    app, client = new_app("off")
    took, found = timed(lambda: search(client))
    rows.append(("without a consumer: first search (applies the backlog)", f"{ms(took)}, finds the imported record: {found}"))
    if falkor:
        took, _ = timed(lambda: lineage(client))
        rows.append(("without a consumer: first lineage request, neo4j (applies the backlog)", ms(took)))
    samples = [timed(lambda: search(client))[0] for _ in range(10)]
    rows.append(("search once caught up (median of 10)", ms(statistics.median(samples))))
    app.extensions["catalog"].close()

    # With the consumer, as `catalog serve` starts it.
    from web.outbox import start

    fresh_state()
    app, client = new_app("thread")
    started = time.perf_counter()
    consumer = start(app)
    took, found = timed(lambda: search(client))
    rows.append(("with the consumer: first search, right after the start",
                 f"{ms(took)}, finds the imported record: {found}; applied by the request: "
                 f"{consumer.applied['search']['requests']} events"))
    if falkor:
        took, _ = timed(lambda: lineage(client))
        rows.append(("with the consumer: first lineage request, neo4j, right after the start",
                     f"{ms(took)}; applied by the request: {consumer.applied['graph']['requests']} events"))
    assert consumer.wait_caught_up(timeout=3600), consumer.errors
    rows.append(("with the consumer: caught up in the background after", ms(time.perf_counter() - started)))
    took, found = timed(lambda: search(client))
    rows.append(("with the consumer: first search once caught up",
                 f"{ms(took)}, finds the imported record: {found}; applied by requests: "
                 f"{consumer.applied['search']['requests']} events"))
    if falkor:
        took, _ = timed(lambda: lineage(client))
        rows.append(("with the consumer: first lineage request once caught up", ms(took)))
    consumer.stop()
    app.extensions["catalog"].close()

    # The most a request pays with a consumer: a full tail of CATALOG_OUTBOX_TAIL events.
    app, client = new_app("external")
    tail = app.config["CATALOG"].outbox_tail
    with sessions() as session:
        ctx = Context(session=session, is_system=True, autocommit=False, bulk=True)
        for number in range(tail):
            records.create_record(ctx, "services", {"name": f"Услуга хвоста {number}", "kind": "service"})
        session.commit()
    took, _ = timed(lambda: search(client))
    rows.append((f"a search that applies a full tail ({tail} events, CATALOG_OUTBOX_TAIL)", ms(took)))
    app.extensions["catalog"].close()


if __name__ == "__main__":
    main()
