"""The dashboards: a page with charts drawn by the app (the same figures as JSON: web/api/dashboard.py)."""
from __future__ import annotations

from flask import Blueprint, render_template

from catalog.services import dashboard
from web import context
from web.inputs import int_arg

bp = Blueprint("dashboard", __name__)


def _agency_arg() -> int | None:
    return int_arg("agency", None)


@bp.get("/dashboard")
def dashboard_page():
    ctx = context()
    agency_id = _agency_arg()
    board = dashboard.dashboard(ctx, agency_id, page=int_arg("page", 1))
    agencies = dashboard.agency_choices(ctx, agency_id)
    note = dashboard.recount_note(board, ctx.settings.timezone)
    return render_template("dashboard.html", board=board, agency_id=agency_id, agencies=agencies, recount_note=note,
                           status_bars=[(label, count) for _, label, count in board.statuses], extra_cards=[],
                           project_bars=[(label, count) for _, label, count in board.project_stages])
