"""The register's Excel carries a process's internal and external consumers (Leningrad 2.4–2.6, issue 17):
the export lists them in «Потребители (внутренние и внешние)» as the register form would, and an import of
that file keeps them (a round trip), adds the ones a row names and drops the ones it no longer does."""
from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import select

from catalog import models
from catalog.services import records as r
from catalog.services.imports import run_import
from catalog.services.imports.register import CONSUMERS_HEADER, export_register


def _consumers(ctx, process_id):
    ctx.session.expire_all()
    return sorted((c.scope, c.title) for c in ctx.session.scalars(select(models.ProcessConsumer).where(
        models.ProcessConsumer.process_id == process_id, models.ProcessConsumer.deleted_at.is_(None))))


def _sheet(path):
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    return rows[3], rows[4:]


def test_the_register_round_trip_keeps_a_process_consumers(ctx, seed, tmp_path):
    for values in ({"scope": "internal", "agency_id": seed.other_agency.id, "unit": "отдел статистики"},
                   {"scope": "external", "applicant_category": "citizens"},
                   {"scope": "external", "description": "Пенсионный фонд, клиентская служба"}):
        r.create_record(ctx, "process-consumers", {"process_id": seed.process.id, **values})
    expected = [("external", "Пенсионный фонд, клиентская служба"), ("external", "физические лица"),
                ("internal", "Министерство здравоохранения, отдел статистики")]
    assert _consumers(ctx, seed.process.id) == expected
    path = tmp_path / "реестр.xlsx"
    export_register(ctx, path, "MINSOC")
    header, rows = _sheet(path)
    cell = rows[0][header.index(CONSUMERS_HEADER)]
    assert sorted(cell.split("; ")) == sorted(title for _, title in expected)
    # Unchanged file: nothing changes.
    report = run_import(ctx, "register", path, agency="MINSOC")
    assert report.written
    assert _consumers(ctx, seed.process.id) == expected
    # The consumers gone from the catalogue come back from the file.
    for consumer in ctx.session.scalars(select(models.ProcessConsumer)).all():
        r.delete_record(ctx, "process-consumers", consumer.id, consumer.version)
    assert _consumers(ctx, seed.process.id) == []
    run_import(ctx, "register", path, agency="MINSOC")
    assert _consumers(ctx, seed.process.id) == expected
    # An agency's editor writes the cell: one consumer dropped, one added by the agency's short name.
    book = load_workbook(path)
    sheet = book.active
    column = header.index(CONSUMERS_HEADER) + 1
    sheet.cell(row=5, column=column, value="физические лица\nMINZDRAV, отдел кадров")
    book.save(path)
    run_import(ctx, "register", path, agency="MINSOC")
    assert _consumers(ctx, seed.process.id) == [("external", "физические лица"),
                                                ("internal", "Министерство здравоохранения, отдел кадров")]
    # A consumer dropped from the cell is dropped from the catalogue.
    sheet.cell(row=5, column=column, value="Физические лица")
    book.save(path)
    run_import(ctx, "register", path, agency="MINSOC")
    assert _consumers(ctx, seed.process.id) == [("external", "физические лица")]
