"""Benchmark of the register import (issues 15 and 19): a generated register of N rows, imported,
re-imported and exported, each step timed with its peak memory.

    .venv/bin/python benchmarks/importers.py --rows 10000 --rows 100000 --import-only   # the aims' figures
    .venv/bin/python benchmarks/importers.py --rows 10000                # dry run, import, re-import, export
    .venv/bin/python benchmarks/importers.py --rows 10000 --postgresql   # a throwaway server, as the tests start

Each step runs the real command (``catalog import register`` …) in a fresh subprocess, which
reports its own wall time and peak resident memory (``ru_maxrss``), so the figures are those of a
user's run. The register is made like an agency's: a title block, untidy headers, identifiers
stored as numbers formatted ``00000``, several life situations per row, links to earlier rows,
a service per 20 processes (a tenth of them new to the catalogue), a few responsible people.
Prints, per size, a Markdown table (rows, seconds, rows per second, peak memory) with the
machine's load average before and after each step: the machine is shared, so figures are noisy.
"""
from __future__ import annotations

import argparse
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

STATUSES = ["в очереди на исследование", "идёт исследование", "в очереди на реинжиниринг", "проходит реинжиниринг",
            "прошёл реинжиниринг", "отправлен на сертификацию", "сертифицирован"]
SITUATIONS = ["Рождение ребёнка", "Переезд", "Выход на пенсию", "Утрата кормильца", "Трудоустройство"]
PEOPLE = [f"Сотрудник {i} Иван Петрович, главный специалист" for i in range(20)]


def make_catalogue(url: str) -> None:
    from catalog.db import make_engine, make_session_factory, migrate
    from catalog.services import records
    from catalog.services.context import Context

    engine = make_engine(url)
    migrate(engine)
    ctx = Context(session=make_session_factory(engine)(), is_system=True, autocommit=False)
    agency = records.create_record(ctx, "agencies", {"code": "BENCH", "name": "Министерство замеров", "kind": "executive"})
    for name in SITUATIONS:
        records.create_record(ctx, "life-situations", {"name": name})
    for i in range(0, 1000, 10):  # nine services in ten are already in the catalogue
        for j in range(9):
            records.create_record(ctx, "services", {"name": f"Услуга {i + j}", "kind": "service",
                                                    "agency_id": agency.id})
    ctx.session.commit()
    engine.dispose()


def make_register(path: Path, rows: int) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Реестр")
    sheet.append(["РЕЕСТР ПРОЦЕССОВ МИНИСТЕРСТВА ЗАМЕРОВ"])
    sheet.append([])
    sheet.append(["Идентификатор\nпроцесса*", "Жизненная ситуация", "Название услуги, функции, сервиса *",
                  "Название процесса*", "Ответственный за процесс*", "Статус процесса (статус реинжиниринга)*",
                  "Клиент", "Данные на входе", "Результат на выходе", "Связь с другими процессами", "Вид процесса",
                  "Точка размещения в цифровом виде"])
    for n in range(1, rows + 1):
        identifier = WriteOnlyCell(sheet, value=n)
        identifier.number_format = "00000"
        situations = "; ".join(SITUATIONS[(n + k) % len(SITUATIONS)] for k in range(n % 3))
        linked = f"{n - 1:05d}" if n > 1 and n % 10 == 0 else None
        sheet.append([identifier, situations or None, f"Услуга {(n // 20) % 1000}", f"Процесс № {n} по услуге",
                      PEOPLE[n % len(PEOPLE)], STATUSES[n % len(STATUSES)], "Граждане",
                      "Заявление; паспорт", "Решение о назначении", linked,
                      "цифровой" if n % 2 else "не цифровой", "ЕПГУ; РПГУ" if n % 2 else None])
    book.save(path)


def child(args) -> None:
    """Run one CLI command in this process and report its time and peak memory."""
    import resource

    from click.testing import CliRunner

    from catalog.cli import main

    if args.row_by_row:  # the peer: every new process written on its own, as before batches (and as --partial)
        from catalog.services.imports.register import RegisterImporter

        RegisterImporter.batch_rows = 0
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["--database-url", args.database_url, *args.command])
    seconds = time.perf_counter() - started
    summary = next((line for line in result.output.splitlines() if "создано" in line), "")
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "exit_code": result.exit_code, "tail": result.output[-600:], "summary": summary}))


def step(url: str, *command: str, row_by_row: bool = False, root: Path = ROOT) -> dict:
    """One command in a fresh child; ``root``: the checkout whose code runs it (an older one for --before)."""
    script = root / "benchmarks" / Path(__file__).name
    if not script.exists():  # before the rename (issue 15 asked for importers.py)
        script = root / "benchmarks" / "imports.py"
    process = subprocess.run([sys.executable, str(script), "--child", "--database-url", url,
                              *(["--row-by-row"] if row_by_row else []), "--", *command],
                             capture_output=True, text=True, cwd=root)
    try:
        report = json.loads(process.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise SystemExit(f"{command}: {process.stdout}\n{process.stderr}") from None
    if report["exit_code"] != 0:
        raise SystemExit(f"{command} failed: {report['tail']}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append", help="rows of the register; repeat for several sizes")
    parser.add_argument("--database-url")
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--import-only", action="store_true", help="only the first import (the aims' figures)")
    parser.add_argument("--peer", action="store_true",
                        help="also import the file row by row (the path before batches) into a fresh catalogue")
    parser.add_argument("--before", type=Path, metavar="CHECKOUT",
                        help="also import the file with another checkout's code (e.g. /work/main), in the same run")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--row-by-row", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    for rows in args.rows or [10_000]:
        workdir = Path(tempfile.mkdtemp(prefix="catalog-import-bench-"))
        server = None
        if args.postgresql:
            from tests.pgserver import PostgresServer

            server = PostgresServer().start()
        url = server.url() if server else args.database_url or f"sqlite:///{workdir / 'bench.db'}"
        try:
            run(rows, url, workdir, args.import_only, args.peer and not server, None if server else args.before)
        finally:
            if server:
                server.stop()
            shutil.rmtree(workdir, ignore_errors=True)


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def timed(rows: int, url: str, label: str, *command: str, row_by_row: bool = False, root: Path = ROOT) -> tuple:
    before = load()
    report = step(url, *command, row_by_row=row_by_row, root=root)
    summary = report["summary"].split(":", 1)[-1].strip()
    return (label, f"{report['seconds']:.1f} s", f"{rows / report['seconds']:,.0f}".replace(",", " "),
            f"{report['peak_mb']:.0f} MB", f"{before} → {load()}", summary)


def run(rows: int, url: str, workdir: Path, import_only: bool = False, peer: bool = False,
        before: Path | None = None) -> None:
    make_catalogue(url)
    register = workdir / "register.xlsx"
    started = time.perf_counter()
    make_register(register, rows)
    print(f"generated {rows} rows in {time.perf_counter() - started:.1f} s, {register.stat().st_size / 1e6:.1f} MB",
          file=sys.stderr)
    steps = [
        ("dry run (`--dry-run`): everything checked and rolled back", ["--dry-run"]),
        ("import: every row created", []),
        ("re-import of the same file: every row unchanged", []),
    ]
    table = []
    if before is not None:  # the catalogue made and the file imported by the other checkout's code
        before_url = url.replace("bench.db", "before.db")
        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.'); "
                        "from benchmarks.imports import make_catalogue; make_catalogue(sys.argv[1])", before_url],
                       cwd=before, check=True)
        table.append(timed(rows, before_url, f"before: the same import by {before}", "import", "register",
                           str(register), "--agency", "BENCH", root=before.resolve()))
    if peer:  # first, so the batched import after it meets a machine at least as loaded
        peer_url = url.replace("bench.db", "peer.db")
        make_catalogue(peer_url)
        table.append(timed(rows, peer_url, "peer: the same import row by row (before batches)", "import", "register",
                           str(register), "--agency", "BENCH", row_by_row=True))
    table += [timed(rows, url, label, "import", "register", str(register), "--agency", "BENCH", *command)
              for label, command in (steps[1:2] if import_only else steps)]
    if not import_only:
        exported = workdir / "export.xlsx"
        table.append(timed(rows, url, "export (`catalog export register`)", "export", "register", "--agency", "BENCH",
                           "-o", str(exported)))
        table.append(timed(rows, url, "import of the export: nothing changes", "import", "register", str(exported),
                           "--agency", "BENCH"))
    print_table(rows, url, table)


def print_table(rows: int, url: str, table: list) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    print(f"\n{rows} rows, {engine.dialect.name}\n")
    print("| step | seconds | rows/s | peak memory | load average (1/5/15 min) before → after | report |")
    print("|---|---|---|---|---|---|")
    for line in table:
        print("| " + " | ".join(line) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
