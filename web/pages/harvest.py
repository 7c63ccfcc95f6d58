"""A system's database harvested from a named source (issue 20): the page of the architect and of the
system's operating agency (for machines: web/api/harvest.py; the command line: ``catalog harvest``)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from catalog.errors import CatalogError
from catalog.services import harvest, rules
from web import context
from web.pages.helpers import error_text

bp = Blueprint("harvest", __name__)


def _page(system_id: int, report=None, error: str | None = None, status: int = 200, source: str | None = None):
    ctx = context()
    system = harvest.get_system(ctx, system_id)
    return render_template("harvest.html", system=system, sources=sorted(harvest.named_sources(ctx)),
                           datasets=harvest.harvested_datasets(ctx, system_id), report=report, error=error,
                           chosen=source, may_harvest=rules.may(ctx, "harvest.database", system),
                           actions=harvest.ACTIONS, whats=harvest.WHATS, labels=harvest.FIELD_LABELS), status


@bp.get("/systems/<int:system_id>/harvest")
def harvest_page(system_id):
    return _page(system_id)


@bp.post("/systems/<int:system_id>/harvest")
def harvest_post(system_id):
    ctx = context()
    source = request.form.get("source") or ""
    try:
        report = harvest.harvest_named(ctx, system_id, {"source": source,
                                                        "dry_run": request.form.get("apply") != "1"})
    except CatalogError as error:
        ctx.session.rollback()
        if error.status in (401, 403, 404):
            raise
        return _page(system_id, error=error_text(error), status=error.status, source=source)
    return _page(system_id, report=report, source=source)
