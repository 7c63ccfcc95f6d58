"""The one path of every import: the page «Загрузка», the API, ``catalog import`` and the background
jobs all call :func:`run_import`.

It does, for every kind, what each caller used to do its own way: the right
(``rules.check_import``, asked before the file is read), one transaction (committed at the
end, or rolled back: a dry run, a file refused whole), the partial mode of tables, the report
(``catalog.readers.report.ImportReport``) and the copy of a table with an error column. One module
per kind does the work: ``register`` and ``records`` (tables, over the frame of ``base``),
``bpmn``, ``openlineage``, ``rdf``. The files are read by ``catalog.readers``.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from catalog.errors import InvalidInput
from catalog.readers.report import ImportReport
from catalog.services import rules
from catalog.services.context import Context
from catalog.services.imports.base import Cancelled

TABLE_KINDS = ("register", "typical", "typical-services", "systems", "marts", "datasets", "agencies", "acts")
KINDS = TABLE_KINDS + ("bpmn", "openlineage", "rdf", "xsd")
LABELS = {
    "register": "Реестр процессов органа (Excel)",
    "typical": "Типовой перечень процессов и группы (Excel или CSV)",
    "typical-services": "Типовой перечень муниципальных услуг по сферам (Excel или CSV)",
    "systems": "Информационные системы (Excel или CSV)",
    "marts": "Витрины данных (Excel или CSV)",
    "datasets": "Наборы данных с сущностями и атрибутами (Excel или CSV)",
    "xsd": "Вид сведений СМЭВ (XSD или архив ZIP со схемами)",
    "agencies": "Органы и организации: вышестоящий, вид, краткое наименование, руководитель (Excel или CSV)",
    "acts": "Регулирующие акты (Excel или CSV)",
}

__all__ = ["Cancelled", "ImportReport", "KINDS", "LABELS", "TABLE_KINDS", "declared_rows", "layout_of",
           "run_import", "table_importer"]


def layout_of(kind: str):
    """The columns a table kind knows (what a mapping may name)."""
    from catalog.services.imports.records import IMPORTERS
    from catalog.services.imports.register import LAYOUT

    if kind == "register":
        return LAYOUT
    if kind not in IMPORTERS:
        raise InvalidInput(f"Неизвестный вид загрузки «{kind}».", {"kind": ["неизвестный вид загрузки"]})
    return IMPORTERS[kind].layout


def table_importer(ctx: Context, kind: str, path: Path, *, agency: str | None = None, partial: bool = False,
                   dry_run: bool = False, file_name: str | None = None, mapping=None,
                   create_references: bool = False):
    """The importer of a table kind; the right to import it is asked here, before the file is opened.

    ``mapping``: the user's correction of the columns (a ColumnMapping, a dict or its JSON, see
    ``imports.mappings``); ``create_references``: the register's unknown acts, life situations and
    groups are created (rule ``imports.create_references``) instead of refusing their rows."""
    from catalog.readers.tables import ColumnMapping
    from catalog.services.imports.mappings import parse_mapping
    from catalog.services.imports.records import IMPORTERS
    from catalog.services.imports.register import RegisterImporter

    if mapping is not None and not isinstance(mapping, ColumnMapping):
        mapping = parse_mapping(layout_of(kind), mapping)
    options = {"dry_run": dry_run, "partial": partial, "file_name": file_name, "mapping": mapping}
    if kind == "register" and not agency:  # every agency's rows on one sheet, by its «Орган (код)»
        from catalog.services.imports.region import RegionImporter

        return RegionImporter(ctx, path, create_references=create_references, **options)
    if kind == "register":
        return RegisterImporter(ctx, path, agency or "", create_references=create_references, **options)
    if kind not in IMPORTERS:
        raise InvalidInput(f"Неизвестный вид загрузки «{kind}».", {"kind": ["неизвестный вид загрузки"]})
    importer = IMPORTERS[kind](ctx, path, **options)
    importer.require_some_right()
    return importer


def declared_rows(ctx: Context, kind: str, path: Path, *, agency: str | None = None,
                  file_name: str | None = None, mapping=None) -> int:
    """The rows a table declares, once the right is checked and the file opened (limits, header row):
    what the page and the API ask before deciding to run the import as a background job."""
    table = table_importer(ctx, kind, path, agency=agency, file_name=file_name, mapping=mapping).open_table()
    try:
        return table.estimate_rows()
    finally:
        table.close()


@rules.operation(*rules.IMPORT_RULES)
def run_import(ctx: Context, kind: str, source, *, agency: str | None = None, partial: bool = False,
               dry_run: bool = False, file_name: str | None = None, errors_to: Path | None = None,
               progress: Callable[[int], None] | None = None, on_start: Callable[[int], None] | None = None,
               commit_every: int | None = None, process_id: int | None = None, variant: str | None = None,
               version: int | None = None, fmt: str | None = None, mart_id: int | None = None, mapping=None,
               create_references: bool = False) -> ImportReport:
    """Run one import and report what it did (or, with ``dry_run``, what it would do).

    ``source`` is the file's path; RDF and BPMN may also come as their content (bytes), OpenLineage
    events as the decoded JSON. ``errors_to``: where a table's copy with an error column goes when
    a row is refused. ``on_start`` hears how many rows (or events) there are, once the file is open;
    ``progress`` each one done (a progress bar). ``commit_every``: a background job's partial load
    commits whole batches. ``mapping`` and ``create_references``: see ``table_importer``.
    A file refused as a whole (no header, past a limit, no right) raises a ``CatalogError``.
    """
    # Anyone who may import nothing is refused before the file is opened; each kind then asks its own
    # rule (the register its agency, RDF an administrator, BPMN the passport's).
    rules.check_import(ctx, kind if kind in ("rdf", "openlineage", "xsd") else None)
    declared, ctx.declared = ctx.declared, ctx.declared or kind in DECLARING
    try:
        return _run(ctx, kind, source, agency=agency, partial=partial, dry_run=dry_run, file_name=file_name,
                    errors_to=errors_to, progress=progress, on_start=on_start, commit_every=commit_every,
                    process_id=process_id, variant=variant, version=version, fmt=fmt, mart_id=mart_id,
                    mapping=mapping, create_references=create_references)
    finally:
        ctx.declared = declared


# The files in which an agency declares its processes' statuses (issue 17): kept, shown «не подтверждён».
DECLARING = ("register", "rdf")


def _run(ctx: Context, kind: str, source, *, agency, partial, dry_run, file_name, errors_to, progress, on_start,
         commit_every, process_id, variant, version, fmt, mart_id, mapping, create_references) -> ImportReport:
    if kind in TABLE_KINDS:
        importer = table_importer(ctx, kind, source, agency=agency, partial=partial, dry_run=dry_run,
                                  file_name=file_name, mapping=mapping, create_references=create_references)
        importer.progress, importer.commit_every = progress, commit_every
        if on_start is not None:
            importer.on_table = lambda table: on_start(table.estimate_rows())
        report = importer.run()
        if report.errors and errors_to is not None and importer.table is not None:
            report.error_copy = importer.error_copy(errors_to)
        return report
    name = file_name or (Path(source).name if isinstance(source, Path) else kind)
    if kind == "openlineage":
        from catalog.services.imports import openlineage

        return openlineage.run(ctx, source, file_name=name, dry_run=dry_run, progress=progress, on_start=on_start)
    data = Path(source).read_bytes() if isinstance(source, Path) else source
    if kind == "rdf":
        from catalog.services.imports import rdf

        return rdf.run(ctx, data, file_name=name, fmt=fmt, dry_run=dry_run)
    if kind == "bpmn":
        from catalog.services.imports import bpmn

        return bpmn.run(ctx, data, file_name=name, process_id=process_id, variant=variant, version=version,
                        dry_run=dry_run)
    if kind == "xsd":
        from catalog.services.imports import xsd

        return xsd.run(ctx, data, file_name=name, mart_id=mart_id, dry_run=dry_run)
    raise InvalidInput(f"Неизвестный вид загрузки «{kind}».", {"kind": ["неизвестный вид загрузки"]})
