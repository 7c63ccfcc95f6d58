"""Pages of the rules (issue 17): the chief architect's one report of the gate, the statuses whose evidence
disagrees, and a process's certification records."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from catalog import models
from catalog.errors import Forbidden, InvalidInput
from catalog.services import evidence, gate, rules
from web import context
from web.inputs import form_version

bp = Blueprint("gate", __name__)

CERTIFICATION_FIELDS = ("sent_on", "certifier", "certified_on", "document", "document_url", "note")


@bp.get("/reports/gate")
def gate_report_page():
    ctx = context()
    items = gate.outside_rule(ctx)
    return render_template("gate_report.html", items=items, counts=gate.counts(items),
                           landscape=ctx.settings.gate_existing_landscape)


@bp.get("/reports/statuses")
def status_report_page():
    rows = evidence.status_problems(context())
    return render_template("status_report.html", rows=rows,
                           unconfirmed=sum(1 for r in rows if r["problem"] == "unconfirmed"),
                           project=sum(1 for r in rows if r["problem"] == "project"))


@bp.route("/processes/<int:process_id>/certifications", methods=["GET", "POST"])
def certifications_page(process_id):
    ctx = context()
    process = ctx.get(models.Process, process_id, f"Процесс № {process_id} не найден.")
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in CERTIFICATION_FIELDS if request.form.get(k, "").strip()}
        editing = request.form.get("certification_id", type=int)
        try:
            if editing:
                evidence.update_certification(ctx, editing, {**values, "version": form_version()})
                flash("Запись о сертификации дополнена.")
            else:
                evidence.record_certification(ctx, process_id, values)
                flash("Запись о сертификации сохранена.")
            return redirect(url_for("gate.certifications_page", process_id=process_id))
        except (InvalidInput, Forbidden) as error:  # a refused save keeps what was typed
            ctx.session.rollback()
            errors = error.fields or {"_": [error.message]}
            status = 403 if isinstance(error, Forbidden) else 422
    return render_template("certifications.html", process=process, values=values, errors=errors,
                           items=evidence.list_certifications(ctx, process_id),
                           flag=evidence.status_flag(ctx, process),
                           may_record=rules.may(ctx, "certifications.record", process)), status
