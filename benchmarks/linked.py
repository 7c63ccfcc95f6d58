"""Benchmark of linked data on a generated catalogue: the streaming RDF export (time, peak memory)
and the SPARQL endpoint (building its store, the example queries' latency).

    .venv/bin/python benchmarks/linked.py --processes 100000
    .venv/bin/python benchmarks/linked.py --processes 10000 --samples 50

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


def child_sparql(url: str, samples: int) -> dict:
    from catalog.linked import sparql

    ctx = _context(url)
    # Measure whole answers: the examples on 100 000 processes exceed the default row limit.
    ctx.settings.sparql_max_rows = 10_000_000
    ctx.settings.sparql_timeout = 600
    start = time.perf_counter()
    cached = sparql.store_for(ctx)
    build = time.perf_counter() - start
    out = {"build_s": build, "triples": cached.triples, "queries": {}}
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=20, help="runs of each example query")
    parser.add_argument("--database-url", help="an already filled database (skips generation)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_export(*rest) if kind == "export" else child_sparql(rest[0], int(rest[1]))
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
    for fmt in ("nt", "ttl", "jsonld"):
        print(f"export {fmt}…", file=sys.stderr)
        r = run_child("--child", "export", url, fmt, str(workdir / f"catalog.{fmt}"))
        print(r, file=sys.stderr)
        rows.append((f"export, {fmt}", f"{r['seconds']:.1f} s, {r['size_mb']:.0f} MB, peak memory "
                                        f"{r['peak_mb']:.0f} MB (of which {r['baseline_mb']:.0f} MB before it began)"))
    print("sparql…", file=sys.stderr)
    s = run_child("--child", "sparql", url, str(args.samples))
    rows.append(("SPARQL store built from the export", f"{s['build_s']:.1f} s, {s['triples']} triples, "
                                                       f"peak memory {s['peak_mb']:.0f} MB"))
    for title, q in s["queries"].items():
        rows.append((f"SPARQL example «{title}» ({q['rows']} rows)", f"p50 {q['p50']:.1f} ms, p95 {q['p95']:.1f} ms"))

    print(f"\n| {args.processes} processes, SQLite | |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
