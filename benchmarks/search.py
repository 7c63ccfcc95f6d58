"""Benchmark of search on a generated catalogue: reindex, queries with facets in process and over HTTP, suggestions.

    .venv/bin/python benchmarks/search.py --processes 115000
    .venv/bin/python benchmarks/search.py --database-url sqlite:////tmp/bench.db   # a catalogue loaded before
    .venv/bin/python benchmarks/search.py --database-url … --peer-postgresql   # and PostgreSQL full-text search beside

Prints a Markdown table; the figures in docs/search.md come from it. The machine is shared: the load
average is printed, and the in-process queries are timed twice, on the clock and as the CPU time of the
thread asking (tantivy and SQLite run in it), which other processes' load changes much less.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from catalog.config import load_settings  # noqa: E402
from catalog.db import make_engine, make_session_factory, migrate  # noqa: E402
from catalog.demo.generator import generate  # noqa: E402
from catalog.demo.loader import load_catalogue  # noqa: E402
from catalog.search import open_search  # noqa: E402
from catalog.services import search  # noqa: E402
from catalog.services.context import Context  # noqa: E402
from tests.search_relevance import CASES, REGISTER  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" (1, 5, 15 min; {os.cpu_count()} cores)"


def progress(stage: str, count: int) -> None:
    print(f"\r  {stage}: {count}        ", file=sys.stderr, end="")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=100_000)
    parser.add_argument("--database-url", help="a catalogue already loaded; otherwise one is generated into SQLite")
    parser.add_argument("--rounds", type=int, default=10, help="times each query is asked")
    parser.add_argument("--peer-postgresql", action="store_true",
                        help="also load the same documents into PostgreSQL full-text search and ask the same queries")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="catalog-search-bench-"))
    rows: list[tuple[str, str]] = []
    url = args.database_url
    if not url:
        url = f"sqlite:///{workdir / 'bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        start = time.perf_counter()
        ctx = Context(session=make_session_factory(engine)(), is_system=True, autocommit=False)
        load_catalogue(ctx, generate(args.processes), progress)
        ctx.session.commit()
        ctx.session.close()
        rows.append(("generate and load the catalogue", f"{time.perf_counter() - start:.0f} s"))
    settings = load_settings(database_url=url, instance_path=workdir / "instance", secret_key="bench")
    sessions = make_session_factory(make_engine(url))
    projection = open_search(settings, sessions)
    ctx = Context(session=sessions(), is_system=True, settings=settings, search=projection)

    rss_before = peak_rss_mb()
    start = time.perf_counter()
    documents = projection.reindex(progress)
    elapsed = time.perf_counter() - start
    index_dir = projection.index.root
    size = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 2**20
    rows += [("documents indexed", f"{documents}"),
             ("reindex", f"{elapsed:.1f} s, {documents / elapsed:,.0f} documents/s"),
             ("index size", f"{size:.0f} MB"),
             ("peak memory (process) before / after reindex", f"{rss_before:.0f} / {peak_rss_mb():.0f} MB")]

    queries = [(q, f) for q, f, _ in CASES]
    rows.append(("load average before the queries", load_average()))
    samples, cpu = [], []
    for _ in range(args.rounds):
        for q, filters in queries:
            start, start_cpu = time.perf_counter(), time.thread_time()
            search.search(ctx, q, filters, 1, 20)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            samples.append((time.perf_counter() - start) * 1000)
            ctx.session.rollback()
    rows.append((f"query with facets, in process ({len(samples)} queries)", percentiles(samples)))
    rows.append(("  the same, CPU time of the asking thread", percentiles(cpu)))
    # The register's wording (the first queries of the set) and people's queries, which take the
    # fallback and the thesaurus more often, apart.
    for name, part in (("the register's wording", lambda i: i % len(queries) < len(REGISTER)),
                       ("as people ask", lambda i: i % len(queries) >= len(REGISTER))):
        wall = [t for i, t in enumerate(samples) if part(i)]
        rows.append((f"  of them {name} ({len(wall)})",
                     f"{percentiles(wall)}; CPU {percentiles([t for i, t in enumerate(cpu) if part(i)])}"))
    # The first round reads the store's names for facets and hits; later rounds find them read (until a write),
    # and its facet counts, kept per query while the index does not change, are counted afresh there.
    rows.append(("  the first round alone", f"{percentiles(samples[:len(queries)])}; CPU {percentiles(cpu[:len(queries)])}"))

    # A query asked for the first time since the index changed, as in a region whose editors write all day:
    # before each, one person's record is edited and the index brought up to it (not timed), so the kept
    # facet counts are gone and only the names the write touched are read again.
    from catalog import models
    from catalog.services import records

    person_ids = list(ctx.session.scalars(select(models.Person.id).order_by(models.Person.id).limit(len(queries))))
    ctx.session.rollback()
    samples, cpu = [], []
    stamp = time.time_ns()  # a new phone number in every run, so that every edit changes the record
    for number, ((q, filters), person_id) in enumerate(zip(queries, itertools.cycle(person_ids))):
        person = ctx.session.get(models.Person, person_id)
        before = projection.index.position()
        records.update_record(ctx, "people", person_id,
                              {"version": person.version, "phone": f"+7 846 {(stamp + number) % 10**7:07d}"})
        search.sync(ctx)
        ctx.session.rollback()
        assert projection.index.position() > before, "the edit did not move the index"
        start, start_cpu = time.perf_counter(), time.thread_time()
        search.search(ctx, q, filters, 1, 20)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        samples.append((time.perf_counter() - start) * 1000)
        ctx.session.rollback()
    rows.append((f"query with facets, each asked first after a write ({len(samples)})",
                 f"{percentiles(samples)}; CPU {percentiles(cpu)}"))

    rng = random.Random(1)
    titles = [h.title for h in search.search(ctx, "", {"kind": "processes"}, 1, 100).hits]
    titles += [q for q, _ in queries]
    prefixes = []
    for title in titles:
        words = title.split()
        cut = rng.randint(1, len(words))
        last = words[cut - 1]
        prefixes.append(" ".join(words[:cut - 1] + [last[:rng.randint(min(2, len(last)), len(last))]]))
    samples = []
    for _ in range(args.rounds):
        for prefix in prefixes:
            start = time.perf_counter()
            search.suggest(ctx, prefix)
            samples.append((time.perf_counter() - start) * 1000)
    rows.append((f"suggestions ({len(samples)})", percentiles(samples)))

    over_http = http_samples(settings, queries, args.rounds)
    rows.append((f"query with facets, over HTTP ({len(queries) * args.rounds} queries)", percentiles(over_http)))
    rows.append(("  of them the register's wording", percentiles(
        [t for i, t in enumerate(over_http) if i % len(queries) < len(REGISTER)])))
    rows.append(("peak memory (process, end)", f"{peak_rss_mb():.0f} MB"))
    if args.peer_postgresql:  # the peer in the same run, after our own figures (benchmarks/search_postgresql.py)
        from benchmarks.search_postgresql import run_peer

        rows += run_peer(sessions, queries, args.rounds)
    rows.append(("load average at the end", load_average()))
    print("\n| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


def http_samples(settings, queries, rounds: int) -> list[float]:
    """Queries through the app served by waitress on a local port, one keep-alive connection."""
    from tests.live_server import serve
    from web import create_app

    samples = []
    with serve(create_app(settings)) as base_url:
        connection = http.client.HTTPConnection(*base_url.removeprefix("http://").split(":"))
        for _ in range(rounds):
            for q, filters in queries:
                path = "/api/v1/search?" + urllib.parse.urlencode({"q": q, **filters})
                start = time.perf_counter()
                connection.request("GET", path)
                answer = connection.getresponse()
                json.loads(answer.read())
                samples.append((time.perf_counter() - start) * 1000)
                assert answer.status == 200, path
        connection.close()
    return samples


if __name__ == "__main__":
    main()
