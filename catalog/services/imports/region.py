"""The register of every agency on one sheet (``catalog export register`` without an agency), loaded back.

Kemerovo rules 2.1 keep a register per agency; the catalogue's whole-region export puts every agency's
rows on one sheet with «Орган (код)» first. This importer reads that sheet once, then loads each agency's
rows through :class:`~catalog.services.imports.register.RegisterImporter` (the same rules, rights per
agency, report and change events as an agency's own file), all in one transaction: a file with a bad row
is refused whole unless ``partial`` is asked for.

Agencies are loaded in the order they first appear in the file, each with its links between processes
settled before the next agency starts (memory stays that of one agency's import), so a link to another
agency's process («КОД:идентификатор») finds a process already in the catalogue or in the rows of an
agency above it in the file.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from catalog import models
from catalog.readers.report import ImportReport, write_error_copy
from catalog.readers.tables import Limits, Row, Table, normalize
from catalog.services import rules
from catalog.services.context import Context
from catalog.services.imports.base import begin_write
from catalog.services.imports.register import LAYOUT, RegisterImporter

AGENCY_LABEL = LAYOUT.by_name["agency"].label


class _AgencyRows:
    """The file's table as one agency's importer sees it: only that agency's rows."""

    def __init__(self, table: Table, rows: list[Row]):
        self._table, self._rows = table, rows

    def rows(self):
        return iter(self._rows)

    def close(self) -> None:  # the region's importer closes the file once
        pass

    def __getattr__(self, name):
        return getattr(self._table, name)


CATALOGUE_LISTS = ("services", "service_kind", "situations", "acts", "groups", "typicals", "consumer_agencies")


class _AgencyImporter(RegisterImporter):
    """One agency's rows of the region's file; the catalogue's lists are read once for the whole file
    (and again after a partial load's group is rolled back, which may undo records they hold)."""

    def __init__(self, region: RegionImporter, *args, **options):
        self.region, self.lists_read = region, False
        super().__init__(*args, **options)

    def load_catalogue_lists(self) -> None:
        if self.region.lists is None or self.lists_read:
            super().load_catalogue_lists()
            self.region.lists = {name: getattr(self, name) for name in CATALOGUE_LISTS}
        else:
            for name, value in self.region.lists.items():
                setattr(self, name, value)
        self.lists_read = True


class RegionImporter:
    """Every agency's register from one sheet; the attributes ``run_import`` sets are those of a table importer."""

    what = "реестр процессов всех органов"

    def __init__(self, ctx: Context, path: Path, *, dry_run: bool = False, partial: bool = False,
                 file_name: str | None = None, mapping=None, create_references: bool = False):
        self.ctx, self.path = ctx, Path(path)
        self.dry_run, self.partial, self.mapping = dry_run, partial, mapping
        self.create_references = create_references
        self.report = ImportReport(self.what, file_name or self.path.name, dry_run=dry_run, partial=partial)
        self.table: Table | None = None
        self.progress = self.on_table = None
        self.commit_every = None  # a background job's batches: one transaction here, whatever it asks
        self.lists: dict | None = None  # the catalogue's lookups, shared by the agencies' importers
        rules.check_import(ctx, "register")

    def open_table(self) -> Table:
        return Table(self.path, LAYOUT, limits=Limits.of(self.ctx.settings), name=self.report.file_name,
                     mapping=self.mapping)

    def run(self) -> ImportReport:
        ctx, report = self.ctx, self.report
        ctx.autocommit, ctx.bulk = False, True
        self.table = table = self.open_table()
        if self.on_table:
            self.on_table(table)
        report.sheet, report.header_row = table.sheet_name, table.header_row
        report.columns, report.missing_fields = table.mapping(), table.missing_fields()
        report.field_choices = [(f.name, f.label) for f in LAYOUT.fields]
        report.fixed_values = dict(table.fixed)
        missing = table.missing_required() + ([] if table.gives("agency") else [LAYOUT.by_name["agency"]])
        if missing:
            for spec in missing:
                reason = f"нет обязательного столбца «{spec.label}» в строке заголовков"
                if spec.name == "agency":
                    reason += " (реестр всех органов называет орган каждой строки; реестр одного органа " \
                              "загружается с указанием органа)"
                report.error(table.sheet_name, table.header_row, "", spec.label, reason)
            report.refused_whole = True
            report.missing_columns = [spec.label for spec in missing]
            report.refused = len(report.bad_rows)
            table.close()
            return report
        session = ctx.session
        try:
            begin_write(ctx)
            for code, rows in self.rows_by_agency().items():
                self.load_agency(code, rows)
            report.notes += [n for n in table.notes if n not in report.notes]
            report.refused = len(report.bad_rows)
            if report.errors and not self.partial:
                report.refused_whole = True
                session.rollback()
            elif self.dry_run:
                session.rollback()
            else:
                session.commit()
                report.written = True
        except BaseException:
            session.rollback()
            raise
        finally:
            table.close()
        return report

    def rows_by_agency(self) -> dict[str, list[Row]]:
        """The file's rows grouped by their agency's code, in the order agencies first appear; a row whose
        agency the catalogue does not know is an error of that row."""
        known = {}
        for code, name in self.ctx.session.execute(select(models.Agency.code, models.Agency.name)
                                                   .where(models.Agency.deleted_at.is_(None))):
            known.setdefault(normalize(name), code)
        for code, _ in self.ctx.session.execute(select(models.Agency.code, models.Agency.name)
                                                .where(models.Agency.deleted_at.is_(None))):
            known[normalize(code)] = code  # a code wins over another agency's name that reads alike
        table, groups = self.table, {}
        for row in table.rows():
            cell = row.values.get("agency")
            code = known.get(normalize(cell)) if cell else None
            if code is None:
                reason = (f"нет органа «{cell}» в каталоге" if cell else
                          "не указан орган: в реестре всех органов каждая строка называет свой орган")
                report = self.report
                report.error(table.sheet_name, row.number, table.letter_of("agency"), table.header_of("agency"), reason)
                if self.progress:
                    self.progress(1)
                continue
            groups.setdefault(code, []).append(row)
        return groups

    def load_agency(self, code: str, rows: list[Row]) -> None:
        """One agency's rows, as its own register file would load (the frame of ``TableImporter.run``)."""
        importer = _AgencyImporter(self, self.ctx, self.path, code, create_references=self.create_references,
                                    dry_run=self.dry_run, partial=self.partial, file_name=self.report.file_name,
                                    mapping=self.mapping)
        importer.report = self.report  # one report: counts, changes and errors add up
        importer.table = _AgencyRows(self.table, rows)
        importer.prepare()
        for done, row in enumerate(rows, start=1):
            importer.count(importer.import_row(row), row)
            if self.progress:
                self.progress(1)
            if done % 2000 == 0:
                importer.release_memory()
        importer.finish_rows()
        importer.settle_counts()
        importer.release_memory()  # the next agency starts from an empty session (all flushed)

    def error_copy(self, target: Path) -> Path:
        try:
            return write_error_copy(self.table, self.report, target)
        finally:
            self.table.close()
