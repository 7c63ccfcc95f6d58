"""Measured quality of data marts (issue 20): every measurement kept with its time."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base, utcnow


class QualityMeasurement(Base):
    """One profiling of a mart's table: the three shares in per cent (as the declared ones), what was read."""

    __tablename__ = "quality_measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    mart_id: Mapped[int] = mapped_column(ForeignKey("data_marts.id"), index=True)
    measured_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    completeness: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    timeliness: Mapped[float | None] = mapped_column(Float)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    # True when the row or the time limit stopped the reading: the figures describe a sample.
    limited: Mapped[bool] = mapped_column(Boolean, default=False)
    newest_at: Mapped[datetime | None]
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str | None] = mapped_column(String(200))
    measured_by: Mapped[str] = mapped_column(String(200))  # a person's name, or «сервер»
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # per attribute: filled, checked, invalid
