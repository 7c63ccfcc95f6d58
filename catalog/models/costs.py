"""The cost calculator's reference tables of positions (Leningrad 2.14): the region's, and an agency's own
where its pay differs."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    Float,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
    relationship,
)

if TYPE_CHECKING:  # for the annotation; SQLAlchemy resolves it through its registry
    from catalog.models.records import Agency

from catalog.models.base import Record


class Position(Record):
    """A position of the cost calculator's reference table (Leningrad 2.14): what an hour of its work costs."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_position_agency_name"),)

    name: Mapped[str] = mapped_column(String(300))
    # None: the region's table, the default; an agency's row replaces the region's of the same name
    # in the costs of that agency's processes.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)

    agency: Mapped[Agency | None] = relationship("Agency")
    monthly_pay: Mapped[float] = mapped_column(Float)
    # Pay plus insurance contributions: 1.302 is the usual 30.2 %.
    payroll_coefficient: Mapped[float] = mapped_column(Float, default=1.302)
    # Working-time fund of a year, hours.
    annual_hours: Mapped[float] = mapped_column(Float, default=1973)

    @property
    def hourly_cost(self) -> float:
        return self.monthly_pay * 12 * self.payroll_coefficient / self.annual_hours
