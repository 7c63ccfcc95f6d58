"""Measured quality of data marts (issue 20): the series, and a measurement now."""
from __future__ import annotations

from flask import jsonify

from catalog.services import measurement
from web import context
from web.api.base import Blueprint

blp = Blueprint("quality_api", __name__, tag="Качество данных витрин")


def _answer(ctx, mart, found=None):
    series = measurement.measurements(ctx, mart.id)
    return {"mart_id": mart.id,
            "declared": {"completeness": mart.completeness, "accuracy": mart.accuracy, "timeliness": mart.timeliness,
                         "checked_on": mart.quality_checked_on.isoformat() if mart.quality_checked_on else None},
            "threshold": mart.quality_threshold, "update_period_days": mart.update_period_days,
            "measured": measurement.to_dict(found) if found is not None else None,
            "below_threshold": measurement.shortfalls(mart, found or (series[-1] if series else None)),
            "items": [measurement.to_dict(m) for m in series]}


@blp.get("/marts/<int:mart_id>/quality")
@blp.response(200, description="Заявленные показатели (declared), порог и все измерения по времени (items)")
@blp.doc(summary="Измеренное качество витрины: полнота, достоверность, актуальность")
def quality_view(mart_id):
    ctx = context()
    return jsonify(_answer(ctx, measurement.get_mart(ctx, mart_id)))


@blp.post("/marts/<int:mart_id>/quality/measure")
@blp.response(200, description="Новое измерение (measured), ниже ли оно порога, и весь ряд измерений")
@blp.doc(summary="Измерить качество витрины сейчас по её базе данных (владелец витрины, архитектор)")
def measure_view(mart_id):
    ctx = context()
    found = measurement.measure(ctx, mart_id)
    return jsonify(_answer(ctx, measurement.get_mart(ctx, mart_id), found))
