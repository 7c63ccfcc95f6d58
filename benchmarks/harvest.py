"""Benchmark of schema harvesting (issue 20): a generated database of N tables with M columns each,
harvested into a fresh catalogue, harvested again unchanged, and again after a few changes.

    .venv/bin/python benchmarks/harvest.py                       # 2,000 tables, 40,000 columns, SQLite source
    .venv/bin/python benchmarks/harvest.py --tables 200          # a quick look
    .venv/bin/python benchmarks/harvest.py --postgresql          # source and catalogue on a throwaway server

Each step runs the real command (``catalog harvest database``) in a fresh subprocess, which reports its
wall time and peak resident memory (``ru_maxrss``), so the figures are those of a user's run. The source
looks like a regional system's database: tables of 20 columns of mixed types with comments in Russian
(on PostgreSQL), a primary key each, a foreign key from every table to the one before it, a view per 50
tables. Prints a Markdown table; the figures in docs/benchmarks.md come from it.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TYPES = ["varchar(200)", "integer", "numeric(12, 2)", "date", "timestamp", "boolean", "text", "char(11)"]


def ddl(tables: int, columns: int, comments: bool) -> list[str]:
    statements = []
    for t in range(tables):
        cols = ["id integer PRIMARY KEY"]
        if t:
            cols.append(f"prev_id integer REFERENCES t{t - 1:04d}(id)")
        while len(cols) < columns:
            n = len(cols)
            cols.append(f"c{n:02d} {TYPES[n % len(TYPES)]}{' NOT NULL' if n % 3 == 0 else ''}")
        statements.append(f"CREATE TABLE t{t:04d} ({', '.join(cols)})")
        if comments:
            statements.append(f"COMMENT ON TABLE t{t:04d} IS 'Таблица учёта № {t + 1}'")
            statements.append(f"COMMENT ON COLUMN t{t:04d}.c02 IS 'Сведения о заявителе, поле 2'")
        if t % 50 == 49:
            statements.append(f"CREATE VIEW v{t:04d} AS SELECT id, c02 FROM t{t:04d}")
    return statements


def make_sqlite_source(path: Path, tables: int, columns: int) -> str:
    connection = sqlite3.connect(path)
    for statement in ddl(tables, columns, comments=False):
        connection.execute(statement)
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"


def make_catalogue(url: str) -> int:
    from catalog.db import make_engine, make_session_factory, migrate
    from catalog.services import records
    from catalog.services.context import Context

    engine = make_engine(url)
    migrate(engine)
    ctx = Context(session=make_session_factory(engine)(), is_system=True)
    agency = records.create_record(ctx, "agencies", {"code": "BENCH", "name": "Министерство замеров",
                                                     "kind": "executive"})
    system = records.create_record(ctx, "systems", {"name": "Система замеров", "legal_kind": "regional",
                                                    "stage": "operation", "operator_agency_id": agency.id})
    engine.dispose()
    return system.id


RUN = """
import json, resource, sys, time
from click.testing import CliRunner
from catalog.cli import main
started = time.monotonic()
result = CliRunner().invoke(main, ["--database-url", sys.argv[1], "harvest", "database", "--system", sys.argv[2],
                                   "--limit", "0", sys.argv[3]], catch_exceptions=False)
print(json.dumps({"seconds": time.monotonic() - started, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "summary": result.output.splitlines()[0] if result.output else "", "code": result.exit_code}))
"""


def run_step(catalogue: str, system_id: int, source: str, instance: Path) -> dict:
    env = {"CATALOG_INSTANCE": str(instance), "CATALOG_SECRET_KEY": "bench", "CATALOG_OUTBOX_CONSUMER": "off",
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", RUN, catalogue, str(system_id), source], capture_output=True,
                          text=True, cwd=ROOT, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def change_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript("ALTER TABLE t0000 ADD COLUMN phone varchar(20); DROP TABLE t0001;")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-harvest-"))
    server = None
    try:
        if args.postgresql:
            from sqlalchemy import create_engine, text

            from tests.pgserver import PostgresServer

            server = PostgresServer().start()
            admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE source"))
                connection.execute(text("CREATE DATABASE catalogue"))
            admin.dispose()
            source_engine = create_engine(server.url("source"))
            with source_engine.begin() as connection:
                for statement in ddl(args.tables, args.columns, comments=True):
                    connection.exec_driver_sql(statement)
            source_engine.dispose()
            source, catalogue = server.url("source"), server.url("catalogue")
        else:
            source = make_sqlite_source(work / "source.db", args.tables, args.columns)
            catalogue = f"sqlite:///{work / 'catalogue.db'}"
        system_id = make_catalogue(catalogue)
        rows = [("first harvest", run_step(catalogue, system_id, source, work / "instance")),
                ("again, unchanged", run_step(catalogue, system_id, source, work / "instance"))]
        if not args.postgresql:
            change_sqlite(work / "source.db")
            rows.append(("again, a column added and a table dropped",
                         run_step(catalogue, system_id, source, work / "instance")))
        engine = "PostgreSQL" if args.postgresql else "SQLite"
        print(f"\n{args.tables} tables × {args.columns} columns ({args.tables * args.columns} columns), "
              f"source and catalogue on {engine}\n")
        print("| step | wall time, s | peak memory, MB | report |")
        print("|---|---|---|---|")
        for label, row in rows:
            print(f"| {label} | {row['seconds']:.1f} | {row['rss_mb']:.0f} | {row['summary']} |")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
