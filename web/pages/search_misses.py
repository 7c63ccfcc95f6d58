"""The process office's search pages: queries people did not find, and the thesaurus it extends
(for machines: web/api/search.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from catalog.errors import InvalidInput, NotFound
from catalog.services import search, thesaurus
from web import context
from web.inputs import int_arg
from web.pages.helpers import error_text

bp = Blueprint("search_misses", __name__)


@bp.get("/search/misses")
def misses_page():
    rows = search.misses(context(), int_arg("limit", 200, maximum=1000))
    return render_template("search_misses.html", rows=rows, few=search.FEW)


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
