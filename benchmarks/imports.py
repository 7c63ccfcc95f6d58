"""Benchmark of the register import: a generated register of N rows, imported, re-imported and exported.

    .venv/bin/python benchmarks/imports.py --rows 10000
    .venv/bin/python benchmarks/imports.py --rows 100000
    .venv/bin/python benchmarks/imports.py --rows 10000 --postgresql   # a throwaway server, as the tests start

Each step runs the real command (``catalog import register`` …) in a fresh subprocess, which
reports its own wall time and peak resident memory (``ru_maxrss``), so the figures are those of a
user's run. The register is made like an agency's: a title block, untidy headers, identifiers
stored as numbers formatted ``00000``, several life situations per row, links to earlier rows,
a service per 20 processes (a tenth of them new to the catalogue), a few responsible people.
Prints a Markdown table; the figures in docs/benchmarks.md come from it.
"""
from __future__ import annotations

import argparse
import json
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

    started = time.perf_counter()
    result = CliRunner().invoke(main, ["--database-url", args.database_url, *args.command])
    seconds = time.perf_counter() - started
    summary = next((line for line in result.output.splitlines() if "создано" in line), "")
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "exit_code": result.exit_code, "tail": result.output[-600:], "summary": summary}))


def step(url: str, *command: str) -> dict:
    process = subprocess.run([sys.executable, __file__, "--child", "--database-url", url, "--", *command],
                             capture_output=True, text=True, cwd=ROOT)
    try:
        report = json.loads(process.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise SystemExit(f"{command}: {process.stdout}\n{process.stderr}") from None
    if report["exit_code"] != 0:
        raise SystemExit(f"{command} failed: {report['tail']}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--import-only", action="store_true", help="only the first import (for the 100k memory figure)")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    workdir = Path(tempfile.mkdtemp(prefix="catalog-import-bench-"))
    server = None
    if args.postgresql:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
        args.database_url = server.url()
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    try:
        run(args.rows, url, workdir, args.import_only)
    finally:
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def run(rows: int, url: str, workdir: Path, import_only: bool = False) -> None:
    make_catalogue(url)
    register = workdir / "register.xlsx"
    started = time.perf_counter()
    make_register(register, rows)
    table = [("generate the register file", f"{time.perf_counter() - started:.1f} s, "
                                            f"{register.stat().st_size / 1e6:.1f} MB")]
    steps = [
        ("dry run (`--dry-run`): everything checked and rolled back", ["--dry-run"]),
        ("import: every row created", []),
        ("re-import of the same file: every row unchanged", []),
    ]
    for label, command in steps[1:2] if import_only else steps:
        report = step(url, "import", "register", str(register), "--agency", "BENCH", *command)
        summary = report["summary"]
        table.append((label, f"{report['seconds']:.1f} s, peak {report['peak_mb']:.0f} MB — "
                             f"{summary.split(':', 1)[-1].strip()}"))
    if import_only:
        return print_table(rows, url, table)
    exported = workdir / "export.xlsx"
    report = step(url, "export", "register", "--agency", "BENCH", "-o", str(exported))
    table.append(("export (`catalog export register`)", f"{report['seconds']:.1f} s, peak {report['peak_mb']:.0f} MB"))
    report = step(url, "import", "register", str(exported), "--agency", "BENCH")
    table.append(("import of the export: nothing changes", f"{report['seconds']:.1f} s, peak {report['peak_mb']:.0f} MB — "
                                                          f"{report['summary'].split(':', 1)[-1].strip()}"))
    print_table(rows, url, table)


def print_table(rows: int, url: str, table: list) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    print(f"\n| {rows} rows, {engine.dialect.name} | |\n|---|---|")
    for label, value in table:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
