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


def overview(ctx: Context) -> dict:
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
    agencies = {
        a.id: a
        for a in ctx.session.scalars(
            select(models.Agency).where(models.Agency.id.in_({row[0] for row in grouped}))
        )
    }
    rows: dict[int, AgencyRow] = {}
    for agency_id, status, count in grouped:
        row = rows.setdefault(agency_id, AgencyRow(agencies[agency_id], {s.value: 0 for s in ProcessStatus}))
        row.by_status[status] = count
    status_totals = {s.value: sum(r.by_status[s.value] for r in rows.values()) for s in ProcessStatus}
    return {
        "counts": counts,
        "agency_rows": sorted(rows.values(), key=lambda r: r.agency.name),
        "status_totals": status_totals,
    }
