"""Personal data (issue 20, 152-FZ): where it is stored, exposed and re-entered by hand, and the suggested
categories their owners accept or reject (for machines: web/api/personal_data.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from catalog.enums import PersonalData
from catalog.errors import CatalogError
from catalog.services import personal_data, rules
from web import context
from web.pages.helpers import error_text

bp = Blueprint("personal_data", __name__)


@bp.get("/reports/personal-data")
def report_page():
    ctx = context()
    found = personal_data.report(ctx)
    decidable = {a.id for a, _ in found.pending if rules.may(ctx, "personal_data.decide", a)}
    return render_template("personal_data.html", report=found, order=personal_data.ORDER, labels=PersonalData,
                           decidable=decidable)


@bp.post("/reports/personal-data/<int:attribute_id>/<any(accept,reject):decision>")
def decide_page(attribute_id, decision):
    ctx = context()
    version = request.form.get("version", "")
    try:
        attribute = personal_data.decide(ctx, attribute_id, decision == "accept",
                                         int(version) if version.isdigit() else None)
        flash(f"Атрибут «{attribute.name}»: {PersonalData.label_of(attribute.pd_category)}.")
    except CatalogError as error:
        ctx.session.rollback()
        if error.status in (401, 403, 404):
            raise
        flash(error_text(error))
    return redirect(url_for("personal_data.report_page"), 303)
