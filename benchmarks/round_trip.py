"""The register round trip on a generated catalogue (issue 15): export, dry run, import, nothing changes.

    .venv/bin/python benchmarks/round_trip.py --processes 10000                 # SQLite, a temporary file
    .venv/bin/python benchmarks/round_trip.py --processes 10000 --agencies 0    # every agency, one by one
    .venv/bin/python benchmarks/round_trip.py --processes 2000 --postgresql     # a throwaway server

Makes the catalogue with ``catalog generate``, then runs the real commands, each in a fresh subprocess
that reports its wall time and peak resident memory: the whole-region ``catalog export register``,
``catalog import register … --dry-run`` and the import itself; then agency by agency (``--agencies K``:
the agencies of the first and the last district, or K=0 every agency; one subprocess runs the three
commands for each of them in turn). Before and after, every table of the store is counted and digested
(rows in any order): the figures say whether anything at all changed. Prints the load average
(``os.getloadavg``) with each step, since the machine is shared.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def digest(url: str) -> dict[str, tuple[int, str]]:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            out = {}
            for table in sorted(inspect(connection).get_table_names()):
                rows = sorted(repr(tuple(r)) for r in connection.execute(text(f'SELECT * FROM "{table}"')))
                out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
            return out
    finally:
        engine.dispose()


def child(args) -> None:
    """One CLI command (or, with --agencies-file, export + dry run + import for each agency listed)."""
    import resource

    from click.testing import CliRunner

    from catalog.cli import main

    def invoke(*command):
        result = CliRunner().invoke(main, ["--database-url", args.database_url, *command])
        if result.exit_code != 0:
            raise SystemExit(f"{command}: {result.output[-800:]}")
        return result.output

    started = time.perf_counter()
    summaries = []
    if args.agencies_file:
        workdir = Path(args.agencies_file).parent
        for code in Path(args.agencies_file).read_text().split():
            path = workdir / f"{code}.xlsx"
            invoke("export", "register", "--agency", code, "-o", str(path))
            for extra in (["--dry-run"], []):
                output = invoke("import", "register", str(path), "--agency", code, *extra)
                summaries.append(next(line for line in output.splitlines() if "создано" in line).split(":", 1)[-1])
    else:
        output = invoke(*args.command)
        summaries.append(next((line for line in output.splitlines() if "создано" in line or "Выгружено" in line
                               or "Загружено" in line), "").split(":", 1)[-1])
    print(json.dumps({"seconds": time.perf_counter() - started,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "summaries": summaries}))


def step(url: str, *command: str, agencies_file: Path | None = None) -> dict:
    extra = ["--agencies-file", str(agencies_file)] if agencies_file else []
    process = subprocess.run([sys.executable, __file__, "--child", "--database-url", url, *extra, "--", *command],
                             capture_output=True, text=True, cwd=ROOT)
    try:
        return json.loads(process.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise SystemExit(f"{command}: {process.stdout[-2000:]}\n{process.stderr[-2000:]}") from None


def agencies_to_check(url: str, every: bool) -> list[str]:
    """Agencies with processes: all of them, or those of the first and the last district (codes «X», «X_k»)."""
    from sqlalchemy import create_engine, select

    from catalog import models

    engine = create_engine(url)
    with engine.connect() as connection:
        codes = list(connection.scalars(select(models.Agency.code).join(
            models.Process, models.Process.agency_id == models.Agency.id).distinct().order_by(models.Agency.code)))
    engine.dispose()
    if every:
        return codes
    suffixes = {c.rpartition("_")[2] for c in codes if c.rpartition("_")[2].isdigit()}
    last = f"_{max(suffixes, key=int)}" if suffixes else None
    return [c for c in codes if not c.rpartition("_")[2].isdigit() or (last and c.endswith(last))]


def run(processes: int, url: str, workdir: Path, agencies: int) -> None:
    rows = [("machine load average (1/5/15 min) at the start", load())]
    report = step(url, "init")
    report = step(url, "generate", "--processes", str(processes))
    rows.append((f"`catalog generate --processes {processes}`",
                 f"{report['seconds']:.1f} s, peak {report['peak_mb']:.0f} MB (load {load()})"))
    before = digest(url)
    rows.append(("store before", f"{len(before)} tables, {sum(n for n, _ in before.values())} rows"))
    exported = workdir / "region.xlsx"
    report = step(url, "export", "register", "-o", str(exported))
    rows.append(("`catalog export register -o region.xlsx` (whole region)",
                 f"{report['seconds']:.1f} s, peak {report['peak_mb']:.0f} MB, {exported.stat().st_size / 1e6:.2f} MB "
                 f"(load {load()})"))
    for label, extra in (("`catalog import register region.xlsx --dry-run`", ["--dry-run"]),
                         ("`catalog import register region.xlsx`", [])):
        report = step(url, "import", "register", str(exported), *extra)
        rows.append((label, f"{report['seconds']:.1f} s, peak {report['peak_mb']:.0f} MB —"
                            f"{report['summaries'][0]} (load {load()})"))
    after = digest(url)
    rows.append(("store after the whole-region import",
                 "identical, every table" if after == before else
                 "DIFFERS: " + ", ".join(t for t in before if before[t] != after.get(t))))
    codes = agencies_to_check(url, agencies == 0)
    if agencies > 0:
        codes = codes[:agencies] if agencies < len(codes) else codes
    listing = workdir / "agencies.txt"
    listing.write_text("\n".join(codes))
    report = step(url, agencies_file=listing)
    unchanged = [s for s in report["summaries"] if "создано 0, изменено 0," in s or "будет создано 0, будет изменено 0,"
                 in s]
    rows.append((f"per agency: export, dry run, import for {len(codes)} agencies (one subprocess)",
                 f"{report['seconds']:.1f} s, peak {report['peak_mb']:.0f} MB — {len(unchanged)} of "
                 f"{len(report['summaries'])} reports «создано 0, изменено 0» (load {load()})"))
    final = digest(url)
    rows.append(("store after the per-agency imports",
                 "identical, every table" if final == before else
                 "DIFFERS: " + ", ".join(t for t in before if before[t] != final.get(t))))
    from sqlalchemy import create_engine

    print(f"\n| {processes} processes, {create_engine(url).dialect.name} | |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=10_000)
    parser.add_argument("--agencies", type=int, default=-1,
                        help="agencies to round-trip one by one: -1 the first and last district's, 0 all, "
                             "K the first K")
    parser.add_argument("--database-url")
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--agencies-file")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    workdir = Path(tempfile.mkdtemp(prefix="catalog-round-trip-"))
    server = None
    if args.postgresql:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
        args.database_url = server.url()
    url = args.database_url or f"sqlite:///{workdir / 'round-trip.db'}"
    try:
        run(args.processes, url, workdir, args.agencies)
    finally:
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
