"""System requests: the queue, the form, the request page with its checks and picture, and the printable
conclusion (the API agencies file and follow requests with: web/api/requests.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from catalog.enums import CheckResult, Conclusion, Decision, RequestKind, RequestStatus
from catalog.errors import CatalogError, Forbidden, InvalidInput
from catalog.schemas import rfc3339
from catalog.services import lineage, requests, rules
from web import context
from web.inputs import form_version, int_arg
from web.pages.helpers import error_text, form_rows

bp = Blueprint("requests", __name__)


def request_json(found) -> dict:
    return {
        "id": found.id, "version": found.version, "status": found.status, "agency_id": found.agency_id,
        "kind": found.kind, "system_id": found.system_id, "new_system_name": found.new_system_name,
        "purpose": found.purpose, "estimated_cost": found.estimated_cost, "expected_value": found.expected_value,
        "overlap_explanation": found.overlap_explanation, "filed_by": found.filed_by,
        "processes": [p.process_id for p in found.processes],
        "datasets": [{"dataset_id": d.dataset_id, "direction": d.direction, "supplier": d.supplier,
                      "consumer": d.consumer, "mart_id": d.mart_id} for d in found.datasets],
        "checks": found.checks, "checked_at": rfc3339(found.checked_at),
        "needs_review": found.needs_review, "blocked": bool(requests.failing_blocking(found)),
        "conclusion": found.conclusion, "conclusion_reasons": found.conclusion_reasons,
        "overlap_answer": found.overlap_answer, "overlap_accepted": requests.overlap_accepted(found),
        "concluded_by": found.concluded_by,
        "decision": found.decision, "decision_reasons": found.decision_reasons, "decided_by": found.decided_by,
    }


def _filters():
    return dict(status=request.args.get("status") or None, agency_id=int_arg("agency", None),
                failing=request.args.get("failing") or None)


# -- pages


@bp.get("/requests")
def queue_page():
    from web.pages.helpers import ref_options

    filters = _filters()
    return render_template("requests.html", requests=requests.list_requests(context(), **filters), filters=filters,
                           statuses=list(RequestStatus), checks=requests.CHECK_NAMES,
                           agencies=ref_options("agencies") or [])


def _form_data() -> dict:
    data = {name: request.form.get(name) or None for name in
            ("kind", "new_system_name", "purpose", "expected_value", "overlap_explanation")}
    for name in ("agency_id", "system_id", "estimated_cost", "version"):
        data[name] = request.form.get(name) or None
    data["processes"] = [p for p in request.form.getlist("processes") if p]
    data["datasets"] = [{k: v or None for k, v in row.items()} for row in form_rows("ds") if row.get("dataset_id")]
    return {k: v for k, v in data.items() if v is not None or k in ("processes", "datasets")}


def _form(found, values, errors, status=200, message=None):
    from web.pages.helpers import ref_options

    return render_template("request_form.html", found=found, values=values, errors=errors, message=message,
                           kinds=list(RequestKind),
                           agencies=ref_options("agencies") or [], systems=ref_options("systems") or [],
                           marts=ref_options("marts") or [], titles=_titles(values)), status


def _titles(values) -> dict:
    from catalog.services.records import labels_for

    from web.inputs import form_int

    refs = {("processes", form_int(p)) for p in values.get("processes", []) if form_int(p) is not None}
    refs |= {("datasets", form_int(d.get("dataset_id", ""))) for d in values.get("datasets", [])
             if form_int(d.get("dataset_id", "")) is not None}
    return {f"{kind}:{i}": label.title for (kind, i), label in labels_for(context(), refs).items()}


@bp.route("/requests/new", methods=["GET", "POST"])
def create_page():
    values = {"processes": [], "datasets": []}
    if request.method == "POST":
        values = _form_data()
        ctx = context()
        try:
            found = requests.create_request(ctx, values)
            flash("Черновик заявки сохранён.")
            return redirect(url_for("requests.request_page", request_id=found.id))
        except (InvalidInput, Forbidden) as error:  # a refused save keeps what was typed
            ctx.session.rollback()
            return _form(None, values, error.fields, error.status, error.message)
    # The form is refused when opened to whoever may not file a request (rule «requests.file»).
    rules.check(context(), "requests.file")
    user = context().user
    if user and user.agency_ids:
        values["agency_id"] = user.agency_ids[0]
    return _form(None, values, {})


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
def edit_page(request_id):
    ctx = context()
    found = requests.get_request(ctx, request_id)
    values = request_json(found)
    if request.method == "POST":
        values = _form_data()
        try:
            requests.update_request(ctx, request_id, values)
            flash("Заявка сохранена.")
            return redirect(url_for("requests.request_page", request_id=request_id))
        except (InvalidInput, Forbidden) as error:
            ctx.session.rollback()
            return _form(found, values, error.fields, error.status, error.message)
    rules.check(ctx, "requests.update", found)
    return _form(found, values, {})


@bp.get("/requests/<int:request_id>")
def request_page(request_id):
    from web.pages.lineage import STYLE, picture

    ctx = context()
    found = requests.get_request(ctx, request_id)
    answers = [lineage.lineage(ctx, "processes", p.process_id, "both", 1) for p in found.processes
               if not p.process.is_deleted][:10]
    return render_template("request.html", found=found, CheckResult=CheckResult, RequestStatus=RequestStatus,
                           RequestKind=RequestKind, conclusions=list(Conclusion), decisions=list(Decision),
                           events=requests.request_history(ctx, request_id),
                           picture=picture(*answers) if answers else None, styles=STYLE,
                           decider_role=ctx.settings.gate_decider_role, allowed=requests.actions_allowed(ctx, found))


@bp.post("/requests/<int:request_id>/<any(submit,conclusion,decision,recheck):step>")
def step_page(request_id, step):
    ctx = context()
    try:
        if step == "submit":
            requests.submit(ctx, request_id, form_version())
            flash("Заявка подана, проверки выполнены.")
        elif step == "conclusion":
            requests.conclude(ctx, request_id, {"version": form_version(), **{
                k: request.form.get(k) for k in ("conclusion", "reasons", "overlap_answer") if request.form.get(k)},
                "overlap_accepted": request.form.get("overlap_accepted") == "1"})
            flash("Заключение процессного офиса сохранено.")
        elif step == "decision":
            requests.decide(ctx, request_id, {"version": form_version(), **{
                k: request.form.get(k) for k in ("decision", "reasons") if request.form.get(k)}})
            flash("Решение по заявке принято.")
        else:
            requests.recheck(ctx, request_id, form_version())
            flash("Проверки выполнены заново.")
    except CatalogError as error:
        ctx.session.rollback()
        flash(error_text(error))
    return redirect(url_for("requests.request_page", request_id=request_id))


@bp.get("/requests/<int:request_id>/conclusion")
def conclusion_page(request_id):
    # The printable conclusion (issue 16): numbered, with the checks and the signatory's name and position.
    from web.pages.documents import print_view

    requests.get_request(context(), request_id)
    return print_view("conclusion", request_id)


def init_app(app) -> None:
    @app.after_request
    def _recheck_after_writes(response):
        # A change to a process, passport or dataset re-runs the checks of the requests resting on it
        # (the outbox consumer does it when one runs: web/outbox.py wakes it).
        if app.extensions["catalog"].outbox_consumer is None and request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            try:
                requests.recheck_changed(context())
            except Exception:
                app.logger.exception("system requests: re-checking after a write failed")
        return response
