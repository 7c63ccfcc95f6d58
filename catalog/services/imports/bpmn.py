"""A BPMN 2.0 diagram into the draft passport of a process (AS-IS or TO-BE), read by
``catalog.readers.bpmn``; the passport's own rules apply (``passports.import_bpmn``)."""
from __future__ import annotations

from catalog.readers.report import ImportReport
from catalog.services import passports
from catalog.services.context import Context
from catalog.services.imports.base import one_transaction


def run(ctx: Context, data: bytes, *, file_name: str, process_id: int, variant: str, version: int | None,
        dry_run: bool) -> ImportReport:
    with one_transaction(ctx, dry_run):
        passport = passports.import_bpmn(ctx, process_id, variant, file_name, data, version)
        made = passport.id
        details = {"revision": passport.revision, "steps": len(passport.steps),
                   "data": len(passport.data), "flows": len(passport.flows)}
    report = ImportReport("диаграмма BPMN", file_name, dry_run=dry_run, written=not dry_run, details=details)
    counts = f"шагов {details['steps']}, данных {details['data']}, потоков {details['flows']}"
    if dry_run:
        report.text = f"Проверка диаграммы «{file_name}», ничего не записано: {counts}."
    else:
        report.text = f"Паспорт {made} (версия № {details['revision']}): {counts}."
    if b"BPMNPlane" not in data:  # BPMN DI (the layout) is optional in BPMN 2.0.2 §12
        report.text += (f" В файле «{file_name}» нет схемы диаграммы (BPMN DI): шаги и потоки загружены, "
                        "рисунка диаграммы не будет.")
    report.result = passport if not dry_run else None
    return report
