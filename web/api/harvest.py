"""Data described from its source (issue 20): a system's database harvested from a named source."""
from __future__ import annotations

from flask import jsonify

from catalog import schemas
from catalog.services import harvest
from web import context
from web.api.base import Blueprint
from web.inputs import json_body

blp = Blueprint("harvest_api", __name__, tag="Описание данных из источника")


@blp.get("/harvest/sources")
@blp.response(200, description="Имена источников (items); строки подключения не показываются")
@blp.doc(summary="Базы данных, схемы которых каталог может прочитать (CATALOG_HARVEST_SOURCES)")
def harvest_sources_view():
    context()  # anonymous reading switched off: 401 like every read
    return jsonify(items=sorted(harvest.named_sources(context())))


@blp.get("/harvest/systems/<int:system_id>")
@blp.response(200, description="Наборы данных, прочитанные из базы системы (items), удалённые тоже")
@blp.doc(summary="Что прочитано из базы данных системы")
def harvested_view(system_id):
    ctx = context()
    items = [{"id": d.id, "name": d.name, "source_ref": d.source_ref, "deleted": d.is_deleted}
             for d in harvest.harvested_datasets(ctx, system_id)]
    return jsonify(items=items)


@blp.post("/harvest/systems/<int:system_id>")
@blp.body(schemas.HarvestRequestSchema)
@blp.response(200, description="Отчёт: summary, counts, differences (что добавлено, изменено, удалено)")
@blp.doc(summary="Прочитать схему базы данных системы из источника настроек (dry_run: только показать)")
def harvest_view(system_id):
    ctx = context()
    report = harvest.harvest_named(ctx, system_id, json_body())
    return jsonify(report.to_dict())
