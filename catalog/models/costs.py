"""The cost calculator's reference table of positions (Leningrad 2.14)."""
from __future__ import annotations

from sqlalchemy import (
    Float,
    String,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
)

from catalog.models.base import Record


class Position(Record):
    """A position of the cost calculator's reference table (Leningrad 2.14): what an hour of its work costs."""

    __tablename__ = "positions"

    name: Mapped[str] = mapped_column(String(300), unique=True)
    monthly_pay: Mapped[float] = mapped_column(Float)
    # Pay plus insurance contributions: 1.302 is the usual 30.2 %.
    payroll_coefficient: Mapped[float] = mapped_column(Float, default=1.302)
    # Working-time fund of a year, hours.
    annual_hours: Mapped[float] = mapped_column(Float, default=1973)

    @property
    def hourly_cost(self) -> float:
        return self.monthly_pay * 12 * self.payroll_coefficient / self.annual_hours
