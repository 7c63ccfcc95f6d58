"""Figures for the home page: how many records, processes by agency and status."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from catalog import models
from catalog.enums import ProcessStatus
from catalog.kinds import KINDS
from catalog.services import permissions
from catalog.services.context import Context


@dataclass
class AgencyRow:
    agency: models.Agency
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def overview(ctx: Context, top_agencies: int = 30) -> dict:
    """Record counts, and processes by status for the agencies with the most processes."""
    permissions.require_read(ctx)
    counts = {
        name: ctx.session.scalar(select(func.count()).select_from(kind.model).where(kind.model.deleted_at.is_(None)))
        for name, kind in KINDS.items()
    }
    grouped = ctx.session.execute(
        select(models.Process.agency_id, models.Process.status, func.count())
        .where(models.Process.deleted_at.is_(None))
        .group_by(models.Process.agency_id, models.Process.status)
    ).all()
    by_agency: dict[int, dict[str, int]] = {}
    for agency_id, status, count in grouped:
        by_agency.setdefault(agency_id, {s.value: 0 for s in ProcessStatus})[status] = count
    status_totals = {s.value: sum(row[s.value] for row in by_agency.values()) for s in ProcessStatus}
    top = sorted(by_agency, key=lambda a: -sum(by_agency[a].values()))[:top_agencies]
    agencies = {a.id: a for a in ctx.session.scalars(select(models.Agency).where(models.Agency.id.in_(top)))}
    rows = [AgencyRow(agencies[a], by_agency[a]) for a in top]
    return {
        "counts": counts,
        "agency_rows": sorted(rows, key=lambda r: (-r.total, r.agency.name)),
        "other_agencies": len(by_agency) - len(rows),
        "status_totals": status_totals,
    }
