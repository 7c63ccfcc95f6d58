"""The dashboards: a page with charts drawn by the app, and the same figures as JSON."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from catalog.services import dashboard
from web import context
from web.api import json_blueprint
from web.inputs import int_arg

bp = Blueprint("dashboard", __name__)
api_bp = json_blueprint("dashboard_api", __name__)


def _agency_arg() -> int | None:
    return int_arg("agency", None)


def figures_json(figures) -> dict:
    return {"agency_id": figures.agency_id or None, "agency": figures.agency, "processes": figures.processes,
            "digital_share": round(figures.digital_share, 4), "optimised_share": round(figures.optimised_share, 4),
            "cost_as_is": round(figures.cost_as_is, 2), "cost_to_be": round(figures.cost_to_be, 2),
            "effect": round(figures.effect, 2), "fte": round(figures.fte, 3)}


@api_bp.get("/dashboard")
def dashboard_view():
    board = dashboard.dashboard(context(), _agency_arg())
    return jsonify(title=board.title, statuses={value: count for value, _, count in board.statuses},
                   total=figures_json(board.total), agencies=[figures_json(a) for a in board.agencies],
                   costed=board.costed, projects={value: count for value, _, count in board.project_stages},
                   overdue_measures=[{"project_id": p.id, "measure": m.name, "planned_end": m.planned_end.isoformat()}
                                     for p, m in board.overdue_measures],
                   kpi_deviations=[{"project_id": p.id, "kpi": r.kpi.name} for p, r in board.deviations])


@bp.get("/dashboard")
def dashboard_page():
    ctx = context()
    agency_id = _agency_arg()
    board = dashboard.dashboard(ctx, agency_id)
    agencies = dashboard.agency_choices(ctx)
    return render_template("dashboard.html", board=board, agency_id=agency_id, agencies=agencies,
                           status_bars=[(label, count) for _, label, count in board.statuses], extra_cards=[],
                           project_bars=[(label, count) for _, label, count in board.project_stages])
