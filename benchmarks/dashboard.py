"""Benchmark of the home page and the dashboard on a generated catalogue with passports (issue 19).

    .venv/bin/python benchmarks/dashboard.py --processes 10000
    .venv/bin/python benchmarks/dashboard.py --processes 10000 --postgresql   # a throwaway server
    .venv/bin/python benchmarks/dashboard.py --processes 100000 --samples 20

The catalogue is what ``catalog generate`` makes (register, passports of a fifth of the processes in both
variants, pay tables, projects, requests, history). The pages read the kept figures; the peer, in the same
run, is the computation the pages did before (every table counted, every process with passports costed
by ``costs.process_costs``), timed as service calls without the page around it. Prints p50 and p95 and the
load average (the machine is shared: compare the ratios, not the absolute values).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from catalog import models  # noqa: E402
from catalog.db import make_engine, make_session_factory, migrate  # noqa: E402
from catalog.demo.generator import extras, generate, load_extras  # noqa: E402
from catalog.demo.loader import load_catalogue  # noqa: E402
from catalog.services.context import Context  # noqa: E402


def percentiles(fn, samples: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``samples`` calls after one warm-up."""
    fn()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def recomputed_home(ctx) -> dict:
    """What the home page computed before: every table counted, processes grouped by agency and status."""
    from catalog.kinds import KINDS

    counts = {name: ctx.session.scalar(select(func.count()).select_from(kind.model).where(kind.model.deleted_at.is_(None)))
              for name, kind in KINDS.items()}
    grouped = ctx.session.execute(select(models.Process.agency_id, models.Process.status, func.count())
                                  .where(models.Process.deleted_at.is_(None))
                                  .group_by(models.Process.agency_id, models.Process.status)).all()
    return {"counts": counts, "grouped": len(grouped)}


def recomputed_dashboard(ctx, limit: int | None = None) -> float:
    """What the dashboard computed before: each process with passports costed in Python (``limit`` of them)."""
    from catalog.services import costs

    ids = list(ctx.session.scalars(select(models.Passport.process_id).where(models.Passport.deleted_at.is_(None))
                                   .distinct().order_by(models.Passport.process_id).limit(limit)))
    total = 0.0
    for process_id in ids:
        result = costs.process_costs(ctx, process_id)
        total += result.costs["as_is"].per_year if "as_is" in result.costs else 0.0
    ctx.session.expunge_all()
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--database-url", help="an empty database; a temporary SQLite file by default")
    parser.add_argument("--postgresql", action="store_true", help="start a throwaway PostgreSQL server")
    parser.add_argument("--old-sample", type=int, default=200,
                        help="processes the old dashboard's costing is timed on (its full time is extrapolated)")
    parser.add_argument("--existing", help="a SQLite file this script generated before: measure it, load nothing")
    parser.add_argument("--pad-agencies", type=int, default=0,
                        help="add agencies with kept figures up to this many (the kept tables at a larger register's size)")
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
    from catalog.services import kept

    if args.existing:
        import shutil

        shutil.copy(args.existing, workdir / "bench.db")
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    sessions = make_session_factory(engine)
    rows: list[tuple[str, str]] = [("load average (1, 5, 15 min) at start", ", ".join(f"{v:.1f}" for v in os.getloadavg()))]
    if args.existing:
        with sessions() as session:
            rows.append(("records (the file's own)", describe(session)))
        measure(args, url, workdir, sessions, engine, rows)
        return
    start = time.perf_counter()
    data = generate(args.processes)
    ctx = Context(session=sessions(), is_system=True, autocommit=False, system_actor="замер")
    counts = load_catalogue(ctx, data, lambda stage, n: print(f"  {stage}: {n}", file=sys.stderr, end="\r"))
    added = load_extras(ctx, extras(data), lambda stage, n: print(f"  {stage}: {n}", file=sys.stderr, end="\r"))
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    kept.rebuild(ctx.session)
    ctx.session.commit()
    rows.append(("load (`catalog generate`)", f"{loaded:.1f} s, then the kept figures built in {time.perf_counter() - start:.1f} s"))
    rows.append(("records", f"{counts['processes']} processes, {counts['agencies']} agencies, {counts['links']} links, "
                            f"{added['passports']} passports, {added['positions']} positions, {added.get('projects', 0)} projects, "
                            f"{added.get('requests', 0)} requests, {added['status_moves']} status moves"))
    ctx.session.close()
    del data
    measure(args, url, workdir, sessions, engine, rows)


def describe(session) -> str:
    """What an existing file holds, counted (not the ``--processes`` default)."""
    def count(model):
        return session.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None))) or 0

    return (f"{count(models.Process)} processes, {count(models.Agency)} agencies, {count(models.Link)} links, "
            f"{count(models.Passport)} passports, {count(models.OptimizationProject)} projects, "
            f"{count(models.SystemRequest)} requests")


def pad(sessions, wanted: int) -> int:
    """Agencies with processes' kept figures up to ``wanted`` (no processes behind them): the reads of the home
    page and the dashboard go over tables of that size, as at a register with that many agencies."""
    from catalog.enums import ProcessStatus

    with sessions() as session:
        have = session.scalar(select(func.count()).select_from(models.KeptAgencyFigures)) or 0
        figures = [dict(agency_id=a.agency_id, processes=a.processes, digital=a.digital, optimised=a.optimised,
                        mszu=a.mszu, mszu_optimised=a.mszu_optimised, costed=a.costed, cost_as_is=a.cost_as_is,
                        cost_to_be=a.cost_to_be, effect=a.effect, fte=a.fte)
                   for a in session.scalars(select(models.KeptAgencyFigures))]
        added = 0
        while have + added < wanted:
            template = figures[added % len(figures)]
            agency = models.Agency(code=f"PAD_{added}", name=f"Орган для замера № {added}", kind="executive", version=1)
            session.add(agency)
            session.flush()
            session.execute(models.KeptAgencyFigures.__table__.insert(), [{**template, "agency_id": agency.id}])
            session.execute(models.KeptAgencyStatus.__table__.insert(), [
                {"agency_id": agency.id, "status": s.value, "count": 1} for s in ProcessStatus])
            added += 1
        session.commit()
        return added


def measure(args, url, workdir, sessions, engine, rows) -> None:
    if args.pad_agencies:
        rows.append(("agencies added with kept figures only (`--pad-agencies`)", str(pad(sessions, args.pad_agencies))))
    from web import create_app

    app = create_app(database_url=url, instance_path=workdir / "instance", secret_key="bench")
    runtime = app.extensions["catalog"]
    runtime.settings.dashboard_recount_delay = 0
    # The server's outbox consumer, made as `catalog serve` makes it; not started: its dashboard pass is timed
    # below on its own (a started one would also build the search index of the whole catalogue).
    consumer = runtime.outbox()
    client = app.test_client()
    agency_id = 3
    pages = {
        "GET / (home page)": "/",
        "GET /dashboard (region: top 20, the rest summed, a page of 30)": "/dashboard",
        "GET /dashboard?page=3": "/dashboard?page=3",
        f"GET /dashboard?agency={agency_id}": f"/dashboard?agency={agency_id}",
    }
    for label, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        p50, p95 = percentiles(lambda path=path: client.get(path), args.samples)
        rows.append((label, f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, {len(response.data) / 1024:.0f} KiB"))

    # One writer's cost: a passport saved refreshes its process's cost and its agency's figures in the same commit.
    from catalog.services import passports

    with sessions() as session:
        wctx = Context(session=session, is_system=True, system_actor="замер")
        draft = session.scalar(select(models.Passport).where(models.Passport.state == "draft"))

        def save():
            fresh = session.get(models.Passport, draft.id)
            passports.save_passport(wctx, fresh.id, {**passports.content(fresh), "version": fresh.version})

        p50, p95 = percentiles(save, min(args.samples, 10))
        rows.append(("a draft passport saved (kept cost and agency refreshed in its commit)", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"))
        firsts = []
        for _ in range(3):
            save()
            start = time.perf_counter()
            client.get("/dashboard")
            firsts.append((time.perf_counter() - start) * 1000)
        rows.append(("GET /dashboard, the first view after a write (the kept figures, with the note)",
                     f"median {statistics.median(firsts):.1f} ms of 3"))
        assert "recount-note" in client.get("/dashboard").get_data(as_text=True)
        feed = consumer.feeds["dashboard"]
        start = time.perf_counter()
        recounted = feed.apply(None, background=True)
        rows.append(("the consumer's recount after that write, off the request (region and agency 3)",
                     f"{(time.perf_counter() - start) * 1000:.0f} ms, {recounted} kept rows"))
        assert "recount-note" not in client.get("/dashboard").get_data(as_text=True)

    from catalog.services import dashboard

    with sessions() as session:
        rctx = Context(session=session, is_system=True, settings=runtime.settings)
        for scope, label in ((None, "region"), (agency_id, f"agency {agency_id}")):
            start = time.perf_counter()
            dashboard.board_figures(rctx, scope)
            rows.append((f"peer: what the first view after a write counted in the request before ({label})",
                         f"{(time.perf_counter() - start) * 1000:.0f} ms"))

    with sessions() as session:
        rctx = Context(session=session, is_system=True)
        p50, p95 = percentiles(lambda: recomputed_home(rctx), min(args.samples, 10))
        rows.append(("peer: the home page's old counting (every table, grouped processes)", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"))
        costed = session.scalar(select(func.count(func.distinct(models.Passport.process_id)))) or 0
        sample = min(args.old_sample, costed)
        start = time.perf_counter()
        recomputed_dashboard(rctx, sample)
        each = (time.perf_counter() - start) * 1000 / max(1, sample)
        rows.append(("peer: the dashboard's old costing, per process with passports",
                     f"{each:.2f} ms × {costed} processes ≈ {each * costed / 1000:.1f} s a view"))
    rows.append(("load average (1, 5, 15 min) at the end", ", ".join(f"{v:.1f}" for v in os.getloadavg())))
    app.extensions["catalog"].close()
    engine.dispose()
    size = f"{args.existing} ({rows[1][1].split(',')[0]})" if args.existing else f"{args.processes} processes"
    print(f"\n| {size}, {engine.dialect.name} | |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
