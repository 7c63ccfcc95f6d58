"""An SMEV «вид сведений» (XSD, or a zip of XSDs) into a dataset the mart exposes (issue 20), read by
``catalog.readers.xsd`` and laid over the catalogue by ``catalog.services.harvest.apply_model``.

The data type is known by its target namespace without the version: a new version of the same type
updates the same dataset, and the report lists what changed from the previous version (entities,
attributes, restrictions, descriptions added, changed, gone: gone ones soft-deleted with history).
"""
from __future__ import annotations

from catalog import models
from catalog.readers.report import ImportReport
from catalog.readers.xsd import XsdModel, read_xsd
from catalog.services import harvest, records
from catalog.services.context import Context
from catalog.services.imports.base import one_transaction

MAX_SHOWN = 300  # differences listed in the report's notes


def to_model(xsd: XsdModel) -> harvest.Model:
    key = f"xsd:{xsd.base}"
    dataset = harvest.DatasetSpec(key=key, name=xsd.title, description=xsd.documentation
                                  if xsd.documentation and xsd.documentation != xsd.title else None,
                                  version=xsd.version)
    for entity in xsd.entities:
        spec = harvest.EntitySpec(key=entity.key, name=entity.key, kind=entity.kind, description=entity.documentation)
        seen = set()
        for attribute in entity.attributes:
            if not attribute.name or attribute.name in seen:  # a name twice (branches of a choice): once
                continue
            seen.add(attribute.name)
            spec.attributes.append(harvest.AttributeSpec(
                code=attribute.name, name=attribute.name, data_type=attribute.data_type,
                source_type=attribute.type_name, is_required=attribute.required,
                description=attribute.documentation, restrictions=attribute.restrictions))
        dataset.entities.append(spec)
    relations = [harvest.RelationSpec((key, r.source), (key, r.target), f"элемент {r.element}: {r.source} → {r.target}")
                 for r in xsd.relations]
    return harvest.Model(datasets=[dataset], relations=relations)


def run(ctx: Context, data: bytes, *, file_name: str, mart_id: int | None, dry_run: bool) -> ImportReport:
    xsd = read_xsd(data, file_name, ctx.settings.import_max_bytes)
    mart = ctx.get(models.DataMart, mart_id, f"Витрина данных № {mart_id} не найдена.") if mart_id else None
    what = f"вид сведений «{xsd.title}»" + (f", версия {xsd.version}" if xsd.version else "")
    found = harvest.HarvestReport(what=what, dry_run=dry_run)
    found.tables = len(xsd.entities)
    found.columns = sum(len(e.attributes) for e in xsd.entities)
    bulk, autocommit = ctx.bulk, ctx.autocommit
    try:
        with one_transaction(ctx, dry_run):
            ctx.bulk = True
            key = f"xsd:{xsd.base}"
            previous = ctx.session.scalar(models.Dataset.__table__.select().with_only_columns(
                models.Dataset.source_version).where(models.Dataset.source_ref == key))
            harvest.apply_model(ctx, to_model(xsd), scope=key, exact=True,
                                owner_agency_id=mart.owner_agency_id if mart else None, system_id=None,
                                report=found,
                                after_dataset=(lambda d: _expose(ctx, mart, d.id, found)) if mart else None)
            dataset = ctx.session.scalar(models.Dataset.__table__.select().with_only_columns(models.Dataset.id)
                                         .where(models.Dataset.source_ref == key))
    finally:
        ctx.bulk, ctx.autocommit = bulk, autocommit  # the caller's context as it was
    report = ImportReport("вид сведений (XSD)", file_name, dry_run=dry_run, written=not dry_run)
    report.created = found.count("added")
    report.updated = found.count("changed") + found.count("restored")
    since = f" (в каталоге была версия {previous})" if previous and previous != xsd.version else ""
    report.text = found.summary.replace("таблиц и представлений", "сущностей").replace("столбцов", "атрибутов") \
        + since
    report.notes = [*xsd.notes, *[d.text for d in found.differences[:MAX_SHOWN]]]
    if len(found.differences) > MAX_SHOWN:
        report.notes.append(f"… и ещё {len(found.differences) - MAX_SHOWN} изменений.")
    report.details = {"namespace": xsd.namespace, "version": xsd.version, "previous_version": previous,
                      "files": xsd.files, "dataset_id": None if dry_run else dataset,
                      "counts": {a: found.count(a) for a in harvest.ACTIONS},
                      "differences": [d.to_dict() for d in found.differences[:1000]]}
    return report


def _expose(ctx: Context, mart: models.DataMart, dataset_id: int, found: harvest.HarvestReport) -> None:
    """The mart exposes the data type (Samara concept, 6.3: the datasets of the agencies' marts)."""
    from sqlalchemy import select

    link = ctx.session.scalar(select(models.Link).where(
        models.Link.link_type == "EXPOSES", models.Link.source_kind == "marts", models.Link.source_id == mart.id,
        models.Link.target_kind == "datasets", models.Link.target_id == dataset_id,
        models.Link.deleted_at.is_(None)))
    if link is None:
        records.create_record(ctx, "links", {"link_type": "EXPOSES", "source_kind": "marts", "source_id": mart.id,
                                             "target_kind": "datasets", "target_id": dataset_id,
                                             "transport": "smev"})
        found.differences.append(harvest.Difference("added", "links", f"{mart.name} → предоставляет вид сведений"))
