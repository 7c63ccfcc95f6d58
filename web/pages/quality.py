"""«Измерить сейчас» on a mart's page (issue 20); the series and the chart are drawn in _mart.html."""
from __future__ import annotations

from flask import Blueprint, flash, redirect

from catalog.errors import CatalogError
from catalog.services import measurement
from web import context
from web.pages.helpers import error_text

bp = Blueprint("quality", __name__)


def mart_extras(ctx, mart) -> dict:
    """What the mart's page shows of its measured quality."""
    from catalog.services import rules

    series = measurement.measurements(ctx, mart.id)
    last = series[-1] if series else None
    return {"measured_series": series, "measured_last": last, "measured_chart": measurement.chart_svg(mart, series),
            "measured_shortfalls": measurement.shortfalls(mart, last),
            "may_measure": rules.may(ctx, "quality.measure", mart),
            "measure_planned": bool(measurement.source_name(ctx, mart) and mart.quality_entity_id)}


@bp.post("/marts/<int:mart_id>/quality/measure")
def measure_post(mart_id):
    ctx = context()
    try:
        found = measurement.measure(ctx, mart_id)
    except CatalogError as error:
        ctx.session.rollback()
        if error.status in (401, 403, 404):
            raise
        flash(error_text(error))
    else:
        from catalog.formatting import counted

        flash(f"Качество измерено: прочитано {counted(found.rows_read, 'строка')}"
              + (" (сработал предел чтения)." if found.limited else "."))
    return redirect(f"/marts/{mart_id}#measured-quality")
