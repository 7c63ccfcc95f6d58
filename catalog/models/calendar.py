"""The production calendar: working days and holidays."""
from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Date,
    String,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
)

from catalog.models.base import Base


class CalendarDay(Base):
    """A day that differs from the Monday to Friday rule: a holiday on a weekday or a weekend made working."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(300))
