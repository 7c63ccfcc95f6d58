"""The dashboard's figures as JSON: the region's, or one agency's."""
from __future__ import annotations

from flask import jsonify

from catalog.services import dashboard
from web import context
from web.api.base import Blueprint, QueryArgs, bounded

blp = Blueprint("dashboard_api", __name__, tag="Показатели")


class DashboardArgs(QueryArgs):
    agency = bounded(load_default=None, metadata={"description": "Орган (номер); без него — регион"})


def figures_json(figures) -> dict:
    return {"agency_id": figures.agency_id or None, "agency": figures.agency, "processes": figures.processes,
            "digital_share": round(figures.digital_share, 4), "optimised_share": round(figures.optimised_share, 4),
            "cost_as_is": round(figures.cost_as_is, 2), "cost_to_be": round(figures.cost_to_be, 2),
            "effect": round(figures.effect, 2), "fte": round(figures.fte, 3),
            "mszu": figures.mszu, "mszu_optimised": figures.mszu_optimised}


@blp.get("/dashboard")
@blp.query(DashboardArgs)
@blp.response(200, description="Показатели")
@blp.doc(summary="Показатели региона или органа", responses={"404": {"description": "Орган не найден"}})
def dashboard_view(args):
    ctx = context()
    board = dashboard.dashboard(ctx, args["agency"])
    return jsonify(title=board.title, statuses={value: count for value, _, count in board.statuses},
                   total=figures_json(board.total), agencies=[figures_json(a) for a in board.agencies],
                   # issue 19: the top agencies above, the rest summed (a page of them: the dashboard page)
                   other_agencies={"count": board.others_count, **figures_json(board.others)} if board.others_count else None,
                   costed=board.costed, projects={value: count for value, _, count in board.project_stages},
                   overdue_measures=[{"project_id": p.id, "measure": m.name, "planned_end": m.planned_end.isoformat()}
                                     for p, m in board.overdue_measures],
                   kpi_deviations=[{"project_id": p.id, "kpi": r.kpi.name} for p, r in board.deviations],
                   rules=vars(board.rules),
                   # The figures outside the rules and the projects' part are kept rows recounted by the outbox
                   # consumer: when they were counted (UTC) and whether a recount is pending (the store changed).
                   counted_at=board.counted_at.isoformat() + "Z" if board.counted_at else None,
                   recount_pending=board.recount_pending,
                   notice=dashboard.recount_note(board, ctx.settings.timezone))
