"""What SPARQL's admission costs next to a trivial query (issue 19): ``ASK {}`` through
``catalog.linked.sparql.run`` in process, signed in and anonymous (admitted: counted, then released)
and as the command line runs it (``is_system``: never admitted), on a fresh SQLite file and, with
``--postgresql``, on a throwaway PostgreSQL server; then the admission alone (enter and leave) where
the tree has it (``sparql.admit``, counted in the store).

    .venv/bin/python benchmarks/sparql_admission.py --samples 300              # this tree
    .venv/bin/python benchmarks/sparql_admission.py --samples 300 --tree ../main  # another tree (before)
    .venv/bin/python benchmarks/sparql_admission.py --postgresql

Prints the load average (``os.getloadavg()``) before and after, and a Markdown table of medians and
95th percentiles in milliseconds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return f"{statistics.median(times) * 1000:.2f} / {p95 * 1000:.2f}"


def measure(url: str, instance: Path, samples: int, isolation: str) -> list[tuple[str, str]]:
    from catalog.config import load_settings
    from catalog.db import make_engine, migrate
    from catalog.linked import sparql
    from catalog.runtime import Runtime
    from catalog.services import users

    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    settings = load_settings(database_url=url, instance_path=instance, secret_key="benchmark")
    # Limits that never refuse: every sample is admitted and counted (the anonymous ones stay a minute).
    settings.sparql_anonymous_per_minute = 10**9
    settings.sparql_max_concurrent = settings.sparql_max_per_client = 1000
    settings.sparql_isolation = isolation
    runtime = Runtime(settings)
    try:
        system = runtime.context(is_system=True)
        reader = users.create_user(system, "reader", "Читатель Тестовый", "пароль-для-замера", ["reader"], [], [])
        who = {"signed in": {"user": reader}, "anonymous": {}, "command line (not admitted)": {"is_system": True}}
        contexts = {name: runtime.context(**extra) for name, extra in who.items()}
        for ctx in contexts.values():
            deadline = time.monotonic() + 60
            while True:  # the first query may find the store's first build not yet out
                try:
                    sparql.run(ctx, "ASK {}", "127.0.0.1")
                    break
                except sparql.Busy:
                    assert time.monotonic() < deadline, "the SPARQL store was not built within 60 s"
                    time.sleep(0.2)
            for _ in range(10):
                sparql.run(ctx, "ASK {}", "127.0.0.1")
        # Interleaved, one of each in turn: a machine whose load drifts slows every kind alike.
        times: dict[str, list[float]] = {name: [] for name in contexts}
        for _ in range(samples):
            for name, ctx in contexts.items():
                started = time.perf_counter()
                sparql.run(ctx, "ASK {}", "127.0.0.1")
                times[name].append(time.perf_counter() - started)
        rows = [(f"`ASK {{}}`, {name}", _percentiles(times[name])) for name in contexts]
        for ctx in contexts.values():
            ctx.session.close()
        if hasattr(sparql, "admit"):  # counted in the store: enter and leave alone
            ctx = runtime.context(user=reader)
            engine = ctx.session.get_bind().engine
            for anonymous in (False, True):
                times = []
                for _ in range(samples):
                    started = time.perf_counter()
                    row = sparql.admit(ctx, "address:127.0.0.1" if anonymous else f"user:{reader.id}", anonymous)
                    sparql.leave(engine, row, anonymous)
                    times.append(time.perf_counter() - started)
                rows.append((f"admission alone (enter + leave), {'anonymous' if anonymous else 'signed in'}",
                             _percentiles(times)))
            ctx.session.close()
        return rows
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--tree", default=str(Path(__file__).resolve().parents[1]),
                        help="the source tree whose catalog is measured (default: this one)")
    parser.add_argument("--postgresql", action="store_true", help="also on a throwaway PostgreSQL server")
    parser.add_argument("--isolation", default="process", choices=("process", "thread"))
    args = parser.parse_args()
    tree = Path(args.tree).resolve()
    sys.path.insert(0, str(tree))
    here = Path(__file__).resolve().parents[1]
    if here != tree:
        sys.path.insert(1, str(here))  # tests.pgserver
    import catalog

    print(f"tree: {tree} (catalog from {Path(catalog.__file__).parent}), isolation {args.isolation}, "
          f"{args.samples} samples each")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = measure(f"sqlite:///{folder}/bench.db", Path(folder) / "instance", args.samples, args.isolation)
        if args.postgresql:
            from sqlalchemy import create_engine, text

            from tests.pgserver import PostgresServer

            server = PostgresServer().start()
            try:
                admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text("CREATE DATABASE bench"))
                admin.dispose()
                results["PostgreSQL"] = measure(server.url("bench"), Path(folder) / "instance-pg", args.samples,
                                                args.isolation)
            finally:
                server.stop()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print("| in process, ms: p50 / p95 | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    names = [name for name, _ in next(iter(results.values()))]
    for index, name in enumerate(names):
        print(f"| {name} | " + " | ".join(rows[index][1] if index < len(rows) else "—" for rows in results.values()) + " |")


if __name__ == "__main__":
    main()
