"""The process office's search pages: queries people did not find, and the thesaurus it extends."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from catalog.errors import InvalidInput, NotFound
from catalog.services import search, thesaurus
from web import context
from web.api import json_blueprint
from web.inputs import int_arg
from web.views_helpers import error_text

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


@bp.get("/search/thesaurus")
def thesaurus_page():
    return render_template("search_thesaurus.html", entries=thesaurus.entries(context()), markers=thesaurus.MARKERS)


@bp.post("/search/thesaurus")
def thesaurus_add():
    ctx = context()
    try:
        thesaurus.add_entry(ctx, request.form.get("marker"), request.form.get("phrases", ""), request.form.get("note"))
        flash("Запись добавлена в тезаурус поиска.")
    except InvalidInput as error:
        ctx.session.rollback()
        flash(error_text(error))
    return redirect(url_for("search_misses.thesaurus_page"))


@bp.post("/search/thesaurus/<int:entry_id>/remove")
def thesaurus_remove(entry_id):
    ctx = context()
    try:
        thesaurus.remove_entry(ctx, entry_id)
        flash("Запись тезауруса удалена; она осталась в истории.")
    except NotFound as error:
        flash(error.message)
    return redirect(url_for("search_misses.thesaurus_page"))


@api_bp.get("/search/thesaurus")
def thesaurus_view():
    return jsonify(items=[{"id": e.id, "marker": e.marker, "phrases": e.phrases.split("\t"), "note": e.note,
                           "added_by": e.added_by, "added_at": e.added_at.isoformat(), "removed_by": e.removed_by,
                           "removed_at": e.removed_at.isoformat() if e.removed_at else None}
                          for e in thesaurus.entries(context())])
