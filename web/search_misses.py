"""What people did not find: the process office's report of queries with no or few results."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from catalog.services import search
from web import context
from web.api import json_blueprint
from web.inputs import int_arg

bp = Blueprint("search_misses", __name__)
api_bp = json_blueprint("search_misses_api", __name__)


@bp.get("/search/misses")
def misses_page():
    rows = search.misses(context(), int_arg("limit", 200, maximum=1000))
    return render_template("search_misses.html", rows=rows, few=search.FEW)


@api_bp.get("/search/misses")
def misses_view():
    rows = search.misses(context(), int_arg("limit", 200, maximum=1000))
    return jsonify(items=[{"query": m.query, "empty": m.empty_count, "few": m.few_count, "last_total": m.last_total,
                           "ignored": (m.ignored or "").split(), "first_at": m.first_at.isoformat(),
                           "last_at": m.last_at.isoformat()} for m in rows])
