"""RDF in (``catalog import rdf``, ``POST /api/v1/import.rdf``): a whole catalogue or part of one, all
or nothing, through ``catalog.linked.importer`` (the mapping of the vocabularies to records)."""
from __future__ import annotations

from catalog.errors import CatalogError
from catalog.linked import importer
from catalog.linked.importer import ImportResult
from catalog.readers.report import ImportReport
from catalog.services import rules
from catalog.services.context import Context
from catalog.services.imports.base import one_transaction


class TooLarge(CatalogError):
    status = 413


def check_size(ctx: Context, size: int | None) -> None:
    """An RDF document sent to the server is refused above ``Settings.rdf_max_bytes``, before parsing."""
    limit = ctx.settings.rdf_max_bytes
    if size is not None and size > limit:
        megabytes = f"{limit / 1024 / 1024:g}"
        raise TooLarge(f"Документ RDF больше {megabytes} МБ: такой загружается командой «catalog import rdf».",
                       {"file": [f"Предел — {megabytes} МБ (CATALOG_RDF_MAX_MB)."]})


@rules.operation("imports.rdf")
def import_rdf(ctx: Context, data: str | bytes, fmt: str, dry_run: bool = False) -> ImportResult:
    """Parse and load; commit at the end (roll back for a dry run), roll everything back on any error."""
    rules.check_import(ctx, "rdf")
    graph = importer.parse(data, fmt, importer.shipped_contexts(ctx.settings))
    kept, ctx.register_rules = ctx.register_rules, False  # a catalogue as declared; validate reports the rest
    try:
        with one_transaction(ctx, dry_run):
            result = importer.Importer(ctx, graph).run()
    finally:
        ctx.register_rules = kept
    return result


def run(ctx: Context, data: bytes, *, file_name: str, fmt: str | None, dry_run: bool) -> ImportReport:
    result = import_rdf(ctx, data, importer.guess_format(file_name, fmt), dry_run=dry_run)
    report = ImportReport("RDF", file_name, dry_run=dry_run)
    report.created, report.updated, report.unchanged = (sum(getattr(result, name).values())
                                                        for name in ("created", "updated", "unchanged"))
    report.details = {name: dict(sorted(getattr(result, name).items())) for name in ("created", "updated", "unchanged")}
    report.written = not dry_run
    prefix = f"Проверка {file_name}, ничего не записано" if dry_run else f"Загружено из {file_name}"
    # The notes are part of the summary the CLI, the page and the API show alike (not report.notes, which
    # the CLI would print a second time); the API also gets them as a list.
    notes = result.notes()
    report.details["notes"] = notes
    report.text = " ".join([f"{prefix}: {result.summary()}.", *notes])
    report.result = result
    return report
