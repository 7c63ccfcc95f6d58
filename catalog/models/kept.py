"""Figures kept for the home page and the dashboard (issue 19), so a view reads a few rows.

They are derived data, written in the transaction of the write that changes them
(``catalog.services.kept``): record counts by kind, an agency's processes by status, an agency's
dashboard figures, and the calculator's cost of each process's passports. No foreign keys: a
restore loads them in any order, and a rebuild can always replace them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.models.base import Base


class KeptCount(Base):
    """A count kept up to date by every write: ``records:<kind>`` (records not deleted), ``built``."""

    __tablename__ = "kept_counts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class KeptAgencyStatus(Base):
    """How many processes (not deleted) of an agency are in a reengineering status."""

    __tablename__ = "kept_agency_statuses"

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class KeptAgencyFigures(Base):
    """An agency's dashboard figures (catalog.services.dashboard.AgencyFigures), summed over its processes."""

    __tablename__ = "kept_agency_figures"
    __table_args__ = (Index("ix_kept_agency_figures_processes", "processes"),)

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    processes: Mapped[int] = mapped_column(Integer, default=0)
    digital: Mapped[int] = mapped_column(Integer, default=0)
    optimised: Mapped[int] = mapped_column(Integer, default=0)
    mszu: Mapped[int] = mapped_column(Integer, default=0)
    mszu_optimised: Mapped[int] = mapped_column(Integer, default=0)
    costed: Mapped[int] = mapped_column(Integer, default=0)  # processes with passports
    cost_as_is: Mapped[float] = mapped_column(Float, default=0.0)
    cost_to_be: Mapped[float] = mapped_column(Float, default=0.0)
    effect: Mapped[float] = mapped_column(Float, default=0.0)
    fte: Mapped[float] = mapped_column(Float, default=0.0)


class PassportCost(Base):
    """The calculator's figures of a process's passports (the revisions ``costs.process_costs`` costs: the
    latest approved of each variant, else the latest draft), stored when a passport, its steps, its
    resources, the pay tables or the process's agency change."""

    __tablename__ = "passport_costs"

    process_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_is_passport_id: Mapped[int | None] = mapped_column(Integer)
    as_is_per_year: Mapped[float | None] = mapped_column(Float)
    to_be_passport_id: Mapped[int | None] = mapped_column(Integer)
    to_be_per_year: Mapped[float | None] = mapped_column(Float)
    effect: Mapped[float | None] = mapped_column(Float)  # money a year, when both variants are there
    fte: Mapped[float | None] = mapped_column(Float)


class KeptRuleFigures(Base):
    """The dashboard's figures outside the rules (issue 17) and its projects' part (JSON) of the region
    (``scope`` 0) or an agency, with the basis they were counted on: the newest change event, the day and
    the settings, and the time they were counted. They read the calendar (project stages, the term of a
    mart's quality check), so the outbox consumer recounts them when the basis moves (0026)."""

    __tablename__ = "kept_rule_figures"

    scope: Mapped[int] = mapped_column(Integer, primary_key=True)
    basis: Mapped[str] = mapped_column(String(200))
    systems_outside_gate: Mapped[int] = mapped_column(Integer, default=0)
    links_outside_gate: Mapped[int] = mapped_column(Integer, default=0)
    unconfirmed_statuses: Mapped[int] = mapped_column(Integer, default=0)
    stale_marts: Mapped[int] = mapped_column(Integer, default=0)
    counted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Deferred: a view decodes it once per count in each server process (kept.board_figures), not every time.
    projects: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)


KEPT_TABLES = ("kept_counts", "kept_agency_statuses", "kept_agency_figures", "passport_costs", "kept_rule_figures")


# Every session of the process keeps the figures: a write through any service, importer or loader
# updates them in its own transaction, so no writer can be forgotten.
@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context):
    from catalog.services import kept

    kept.after_flush(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    from catalog.services import kept

    kept.before_commit(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("kept_pending", None)
