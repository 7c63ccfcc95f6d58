"""The demo's measured mart (issue 20): a month of daily measurements of the first demo mart.

The demo ships no database of the mart itself, so the measurements are recorded with the server as the
measurer («сервер»), dated over the last 30 days at demo load, around the values the owner declared; the
last ones fall below the mart's threshold, so the mart waits in its owner's and the process office's inbox.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from catalog import models
from catalog.services import measurement, records
from catalog.services.context import Context

THRESHOLD = 95.0
PERIOD_DAYS = 1


def load_measurements(ctx: Context, mart_code: str) -> int:
    mart = ctx.session.scalar(select(models.DataMart).where(models.DataMart.code == mart_code))
    if mart is None:
        return 0
    mart = records.update_record(ctx, "marts", mart.id, {"version": mart.version, "quality_threshold": THRESHOLD,
                                                         "update_period_days": PERIOD_DAYS})
    draw = random.Random(20)  # the same month on every load
    # The nightly measurement at 03:00 UTC, the last one the latest night past: before 03:00 it is yesterday's,
    # so that a measurement taken now is the newest.
    moment = datetime.now(timezone.utc)
    now = moment.replace(hour=3, minute=0, second=0, microsecond=0)
    if now > moment:
        now -= timedelta(days=1)
    rows = []
    for day in range(30, 0, -1):
        drift = (30 - day) / 30  # completeness slips over the month: a source system stopped filling a field
        rows.append(models.QualityMeasurement(
            mart_id=mart.id, measured_at=now - timedelta(days=day - 1),
            completeness=round(97.5 - 4.0 * drift + draw.uniform(-0.4, 0.4), 1),
            accuracy=round(98.6 + draw.uniform(-0.5, 0.5), 1),
            timeliness=100.0 if day % 9 else round(100 * 24 / 30, 1),  # a late nightly load now and then
            rows_read=100_000, limited=True, seconds=round(2.5 + draw.uniform(0, 1), 2),
            source=None, measured_by=measurement.SERVER,
            details={"demo": "записано сервером при загрузке демонстрации"}))
    ctx.session.add_all(rows)
    ctx.finish()
    return len(rows)
