"""Benchmark of linked data on a generated catalogue: the streaming RDF export (time, peak memory)
and the SPARQL endpoint: the old in-memory copy against the shared on-disk store (building it once,
a fresh process's first query and its memory, applying a change, the example queries' latency).

    .venv/bin/python benchmarks/linked.py --processes 100000
    .venv/bin/python benchmarks/linked.py --processes 10000 --samples 50
    .venv/bin/python benchmarks/linked.py --processes 10000 --only sparql --samples 5

The catalogue is generated and loaded in this process; each measurement then runs in a fresh
child process on the same database, so its peak memory is its own and not the loader's.
Prints a Markdown table; the figures in docs/benchmarks.md come from it.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def peak_rss_mb() -> float:
    """Peak resident memory of this process. VmHWM belongs to the process image, so a child made
    by a big parent does not inherit its figure (ru_maxrss carries over fork and exec on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _context(url: str):
    from catalog.config import Settings
    from catalog.db import make_engine, make_session_factory
    from catalog.services.context import Context

    engine = make_engine(url)
    return Context(session=make_session_factory(engine)(), is_system=True, settings=Settings())


def child_export(url: str, fmt: str, path: str) -> dict:
    from catalog.linked import export

    ctx = _context(url)
    baseline = peak_rss_mb()
    start = time.perf_counter()
    with open(path, "w", encoding="utf-8") as out:
        export.export(ctx, out, fmt)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "baseline_mb": baseline,
            "size_mb": Path(path).stat().st_size / 1e6}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _runtime_context(url: str, instance: str):
    from catalog.runtime import Runtime

    runtime = Runtime.load(database_url=url, instance_path=instance, secret_key="bench")
    ctx = runtime.context(is_system=True)
    # Measure whole answers: the examples on 100 000 processes exceed the default row limit.
    ctx.settings.sparql_max_rows = 10_000_000
    ctx.settings.sparql_timeout = 600
    return runtime, ctx


def child_memory_store(url: str) -> dict:
    """Before (issue 19): what each web process did on its first query: build the whole graph in memory."""
    from catalog.linked import sparql

    ctx = _context(url)
    start = time.perf_counter()
    store = sparql.build_store(ctx)
    build = time.perf_counter() - start
    start = time.perf_counter()
    sparql._evaluate(store, "ASK { ?s ?p ?o }", 10)
    first = build + time.perf_counter() - start
    rss = rss_mb()
    examples = {}
    for example in sparql.EXAMPLES:  # the peer of the shared store's thread figures, in this process
        times = []
        for _ in range(3):
            t = time.perf_counter()
            sparql._evaluate(store, example.query, 10_000_000)
            times.append((time.perf_counter() - t) * 1000)
        examples[example.title] = statistics.median(times)
    return {"first_query_s": first, "triples": len(store), "rss_mb": rss, "peak_mb": peak_rss_mb(),
            "examples": examples}


def child_shared_build(url: str, instance: str) -> dict:
    """After: the shared store built once (by the process that writes it), with a bulk load."""
    from catalog.linked import sparql
    from catalog.linked import store as linked_store

    runtime, ctx = _runtime_context(url, instance)
    start = time.perf_counter()
    sparql.store_for(ctx)
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in (Path(instance) / "sparql" / "store").rglob("*") if f.is_file())
    return {"build_s": seconds, "builds": linked_store.SparqlStore.builds, "disk_mb": size / 1e6,
            "peak_mb": peak_rss_mb()}


def child_first_query(url: str, instance: str, query: str) -> dict:
    """After: a fresh web process's first query on the shared store (time from the start of the call)."""
    import os

    from catalog.linked import sparql
    from catalog.linked import store as linked_store

    runtime, ctx = _runtime_context(url, instance)
    start = time.perf_counter()
    sparql.warm_up()  # what making the web app does in every web process (grammar, ORM mappers)
    warm = time.perf_counter() - start
    baseline = rss_mb()
    start = time.perf_counter()
    answer = sparql.run(ctx, query)
    first = time.perf_counter() - start
    return {"first_query_s": first, "warm_up_s": warm, "rows": len(answer.rows), "builds": linked_store.SparqlStore.builds,
            "writer": linked_store.is_writer(runtime.settings, runtime.sessions), "baseline_mb": baseline,
            "rss_mb": rss_mb(), "peak_mb": peak_rss_mb(), "load": os.getloadavg()[0]}


def child_change(url: str, instance: str) -> dict:
    """After: a change to one record reaches the next query (applied by the writer, no rebuild)."""
    from sqlalchemy import select

    from catalog import models
    from catalog.linked import sparql
    from catalog.linked import store as linked_store
    from catalog.services import records

    runtime, ctx = _runtime_context(url, instance)
    sparql.store_for(ctx)
    process = ctx.session.scalar(select(models.Process).where(models.Process.deleted_at.is_(None)).limit(1))
    records.update_record(ctx, "processes", process.id, {"name": f"{process.name} (изменён)"})
    ctx.session.commit()
    start = time.perf_counter()
    answer = sparql.run(ctx, f"SELECT ?n WHERE {{ <{ctx.settings.base_iri}/processes/{process.id}> dct:title ?n }}")
    seconds = time.perf_counter() - start
    assert answer.rows[0][0].value.endswith("(изменён)"), answer.rows
    return {"change_s": seconds, "builds": linked_store.SparqlStore.builds}


def child_sparql(url: str, samples: int, instance: str) -> dict:
    from catalog.linked import sparql

    runtime, ctx = _runtime_context(url, instance)
    out = {"queries": {}}
    for isolation in ("process", "thread"):
        ctx.settings.sparql_isolation = isolation
        for example in sparql.EXAMPLES:
            times, rows = [], 0
            sparql.run(ctx, example.query)  # warm-up
            for _ in range(samples):
                t = time.perf_counter()
                answer = sparql.run(ctx, example.query)
                times.append((time.perf_counter() - t) * 1000)
                rows = len(answer.rows)
            times.sort()
            out["queries"][f"{example.title}, {isolation}"] = {
                "p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)], "rows": rows}
    out["peak_mb"] = peak_rss_mb()
    return out


def run_child(*args) -> dict:
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


CHILDREN = {"export": child_export, "memory": child_memory_store, "build": child_shared_build,
            "first": child_first_query, "change": child_change}


def main() -> None:
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=20, help="runs of each example query")
    parser.add_argument("--database-url", help="an already filled database (skips generation)")
    parser.add_argument("--only", choices=("export", "sparql"), help="measure one part only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "sparql":
            result = child_sparql(rest[0], int(rest[1]), rest[2])
        else:
            result = CHILDREN[kind](*rest)
        print(json.dumps(result))
        return

    workdir = Path(tempfile.mkdtemp(prefix="catalog-linked-bench-"))
    url = args.database_url
    rows: list[tuple[str, str]] = []
    if url is None:
        from catalog.db import make_engine, make_session_factory, migrate
        from catalog.demo.generator import generate
        from catalog.demo.loader import load_catalogue
        from catalog.services.context import Context

        url = f"sqlite:///{workdir / 'bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        start = time.perf_counter()
        ctx = Context(session=make_session_factory(engine)(), is_system=True, autocommit=False)
        counts = load_catalogue(ctx, generate(args.processes), lambda s, n: print(f"  {s}: {n}", file=sys.stderr, end="\r"))
        ctx.session.commit()
        ctx.session.close()
        engine.dispose()
        rows.append(("generate and load", f"{time.perf_counter() - start:.0f} s"))
        rows.append(("records", ", ".join(f"{k} {v}" for k, v in counts.items())))

    print(f"database: {url}", file=sys.stderr)
    if args.only != "sparql":
        for fmt in ("nt", "ttl", "jsonld"):
            print(f"export {fmt}…", file=sys.stderr)
            r = run_child("--child", "export", url, fmt, str(workdir / f"catalog.{fmt}"))
            print(r, file=sys.stderr)
            rows.append((f"export, {fmt}", f"{r['seconds']:.1f} s, {r['size_mb']:.0f} MB, peak memory "
                                            f"{r['peak_mb']:.0f} MB (of which {r['baseline_mb']:.0f} MB before it began)"))
    if args.only != "export":
        rows += sparql_rows(url, workdir, args.samples)
    print(f"\n| {args.processes} processes, SQLite, load average {os.getloadavg()[0]:.1f} at the end | |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


def sparql_rows(url: str, workdir: Path, samples: int) -> list[tuple[str, str]]:
    import os

    from catalog.config import load_settings
    from catalog.db import make_engine, make_session_factory
    from catalog.linked import store as linked_store

    rows = []
    instance = str(workdir / "instance")
    ask = "ASK { ?s ?p ?o }"
    print("sparql: before (in-memory copy per process)…", file=sys.stderr)
    m = run_child("--child", "memory", url)
    rows.append(("before: a fresh process's first query (builds its in-memory copy)",
                 f"{m['first_query_s']:.1f} s, {m['triples']} triples, memory {m['rss_mb']:.0f} MB "
                 f"(peak {m['peak_mb']:.0f} MB), load average {os.getloadavg()[0]:.1f}"))
    print("sparql: building the shared store…", file=sys.stderr)
    b = run_child("--child", "build", url, instance)
    rows.append(("after: the shared store built once (bulk load)",
                 f"{b['build_s']:.1f} s, {b['disk_mb']:.0f} MB on disk, peak memory {b['peak_mb']:.0f} MB"))
    f = run_child("--child", "first", url, instance, ask)
    rows.append(("after: a fresh process's first query (ASK), it becomes the writer",
                 f"{f['first_query_s'] * 1000:.0f} ms (after the app's warm-up, {f['warm_up_s'] * 1000:.0f} ms), "
                 f"builds {f['builds']}, memory {f['rss_mb']:.0f} MB "
                 f"({f['baseline_mb']:.0f} MB before the query), load average {f['load']:.1f}"))
    # Another process holds the store read-write (as the server process whose consumer writes):
    # the fresh process reads the current checkpoint.
    settings = load_settings(instance_path=instance, database_url=url, secret_key="bench")
    writer = linked_store.open_store(settings, make_session_factory(make_engine(url)))
    assert writer.is_writer()
    for label, query in (("ASK", ask), ("«Процессы по статусам реинжиниринга»", linked_store_example(4))):
        r = run_child("--child", "first", url, instance, query)
        assert not r["writer"]
        rows.append((f"after: a fresh reader process's first query ({label})",
                     f"{r['first_query_s'] * 1000:.0f} ms (after the app's warm-up, {r['warm_up_s'] * 1000:.0f} ms), "
                     f"builds {r['builds']}, memory {r['rss_mb']:.0f} MB "
                     f"({r['baseline_mb']:.0f} MB before the query), load average {r['load']:.1f}"))
    writer.close()
    del writer
    import gc

    gc.collect()
    c = run_child("--child", "change", url, instance)
    rows.append(("after: one record changed, the next query sees it",
                 f"{c['change_s'] * 1000:.0f} ms (applied and checkpointed), builds {c['builds']}"))
    if samples:
        s = run_child("--child", "sparql", url, str(samples), instance)
        for title, q in s["queries"].items():
            peer = m["examples"].get(title.rsplit(", ", 1)[0]) if title.endswith(", thread") else None
            rows.append((f"SPARQL example «{title}» ({q['rows']} rows)", f"p50 {q['p50']:.1f} ms, p95 {q['p95']:.1f} ms"
                         + (f"; the in-memory copy, same run: {peer:.1f} ms" if peer is not None else "")))
    return rows


def linked_store_example(index: int) -> str:
    from catalog.linked import sparql

    return sparql.EXAMPLES[index].query


if __name__ == "__main__":
    main()
