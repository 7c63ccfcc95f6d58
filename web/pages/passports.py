"""Passport pages: thin views over ``catalog.services.passports`` (their API: web/api/passports.py, web/api/costs.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from catalog.enums import DataRole, DigitalCriterion, PassportState, PassportVariant, ResourceKind
from catalog.errors import CatalogError, Forbidden, InvalidInput
from catalog.services import costs, passports, rules
from web import context
from web.inputs import form_version, int_arg
from web.pages.helpers import error_text, form_rows

bp = Blueprint("passports", __name__)


def _uploaded_bpmn() -> tuple[str, bytes]:
    """The BPMN file of a form's ``file`` field, or the body itself (the API's too: web/api/passports.py)."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.filename, upload.read()
    if request.data:
        return request.args.get("name") or "diagram.bpmn", request.data
    raise InvalidInput("Приложите файл BPMN.", {"file": ["Файл не передан."]})


# -- pages


@bp.get("/processes/<int:process_id>/passports")
def list_page(process_id):
    from catalog.services import records

    ctx = context()
    process = records.get_record(ctx, "processes", process_id)
    return render_template("passports.html", process=process, passports=passports.list_passports(ctx, process_id),
                           variants=list(PassportVariant))


@bp.post("/processes/<int:process_id>/passports")
def create_page(process_id):
    passport = passports.create_passport(context(), process_id, request.form.get("variant", ""))
    flash(f"Создан черновик паспорта № {passport.revision}.")
    return redirect(url_for("passports.edit_page", passport_id=passport.id))


@bp.post("/processes/<int:process_id>/passports/bpmn")
def import_bpmn_page(process_id):
    ctx = context()
    try:
        name, content = _uploaded_bpmn()
        variant = request.form.get("variant", "")
        # The page sends the version of each variant's draft; the chosen variant's one is the one replaced.
        from catalog.services import imports

        passport = imports.run_import(ctx, "bpmn", content, file_name=name, process_id=process_id, variant=variant,
                                      version=form_version(f"version-{variant}")).result
    except CatalogError as error:
        ctx.session.rollback()
        flash(error_text(error))
        return redirect(url_for("passports.list_page", process_id=process_id))
    flash(f"Диаграмма «{passport.diagram_name}» загружена: шагов {len(passport.steps)}.")
    return redirect(url_for("passports.view_page", passport_id=passport.id))


@bp.get("/passports/<int:passport_id>")
def view_page(passport_id):
    ctx = context()
    passport = passports.get_passport(ctx, passport_id)
    from web.pages.diagram import bpmn_svg

    return render_template("passport.html", passport=passport, excess={d.key for d in passports.excess_data(passport)},
                           diagram=bpmn_svg(passport.diagram) if passport.diagram else None,
                           node_names=passports.diagram_node_names(passport),
                           relations=passports.relations(passport), totals=passports.totals(passport),
                           events=passports.passport_history(ctx, passport_id), PassportState=PassportState,
                           DigitalCriterion=DigitalCriterion, ResourceKind=ResourceKind,
                           PassportVariant=PassportVariant, DataRole=DataRole)


def _form_content() -> dict:
    data = []
    for row in form_rows("data", ("key", "name", "role", "ref_kind", "ref_id")):
        data.append({**row, "ref_kind": row.get("ref_kind") or None, "ref_id": row.get("ref_id") or None})
    steps = []
    for row in form_rows("step", passports.STEP_FIELDS, {"is_automated"}):
        step = {k: (v or None) for k, v in row.items() if k not in ("consumes", "produces", "is_automated")}
        for number in ("duration_minutes", "waiting_minutes", "times_per_year"):
            if step.get(number) is None:
                step.pop(number, None)
        step["is_automated"] = row.get("is_automated") == "on"
        step["consumes"] = [k.strip() for k in row.get("consumes", "").replace(";", ",").split(",") if k.strip()]
        step["produces"] = [k.strip() for k in row.get("produces", "").replace(";", ",").split(",") if k.strip()]
        steps.append(step)
    flows = [row for row in form_rows("flow", passports.FLOW_FIELDS)]
    resources = []
    for row in form_rows("resource", passports.RESOURCE_FIELDS):
        resource = {k: v for k, v in row.items() if v}
        resources.append(resource)
    return {"version": request.form.get("version"), "description": request.form.get("description"),
            "instances_per_year": request.form.get("instances_per_year") or None,
            "data": data, "steps": steps, "flows": flows, "resources": resources}


# Empty rows the form adds on request («больше пустых строк» adds five): a bound, or ?rows= renders for minutes.
MAX_EXTRA_ROWS = 100


@bp.route("/passports/<int:passport_id>/edit", methods=["GET", "POST"])
def edit_page(passport_id):
    ctx = context()
    passport = passports.get_passport(ctx, passport_id)
    errors, values, message, status = {}, passports.content(passport), None, 200
    if request.method == "POST":
        values = _form_content()
        try:
            passports.save_passport(ctx, passport_id, values)
            flash("Паспорт сохранён.")
            return redirect(url_for("passports.view_page", passport_id=passport_id))
        except (InvalidInput, Forbidden) as error:  # a refused save keeps what was typed
            ctx.session.rollback()
            errors, message, status = error.fields, error.message, error.status
    else:
        rules.check(ctx, "passports.save", passport)  # refused when opened, saying why
    from web.pages.helpers import ref_options

    return render_template("passport_form.html", passport=passport, values=values, errors=errors, message=message,
                           roles=list(DataRole), systems=ref_options("systems") or [],
                           positions=costs.list_positions(ctx), resource_kinds=list(ResourceKind),
                           extra=min(int_arg("rows", 3, minimum=0), MAX_EXTRA_ROWS)), status


@bp.post("/passports/<int:passport_id>/approve")
def approve_page(passport_id):
    passports.approve(context(), passport_id, form_version())
    flash("Паспорт утверждён.")
    return redirect(url_for("passports.view_page", passport_id=passport_id))


@bp.route("/processes/<int:process_id>/costs", methods=["GET", "POST"])
def costs_page(process_id):
    """The calculation of both variants; a posted form is a what-if that changes nothing stored."""
    what_if, error = None, None
    if request.method == "POST":
        what_if = {}
        for name, value in request.form.items():
            parts = name.split("-")  # variant-steps-N-field
            if len(parts) == 4 and parts[1] == "steps" and value.strip():
                what_if.setdefault(parts[0], {}).setdefault("steps", {}).setdefault(parts[2], {})[parts[3]] = value.strip()
            elif len(parts) == 2 and parts[1] == "instances_per_year" and value.strip():
                what_if.setdefault(parts[0], {})["instances_per_year"] = value.strip()
    ctx = context()
    try:
        result = costs.process_costs(ctx, process_id, what_if or None)
    except CatalogError as caught:
        error, result = caught, costs.process_costs(ctx, process_id)
    return render_template("costs.html", result=result, error=error, ResourceKind=ResourceKind,
                           PassportVariant=PassportVariant, what_if_field_title=costs.what_if_field_title), (error.status if error else 200)


@bp.route("/positions", methods=["GET", "POST"])
def positions_page():
    ctx = context()
    errors, data = {}, {}
    if request.method == "POST":
        data = {k: v for k, v in request.form.items()
                if k in ("name", "agency_id", "monthly_pay", "payroll_coefficient", "annual_hours") and v.strip()}
        try:
            costs.save_position(ctx, data)
            flash("Должность добавлена в справочник.")
            return redirect(url_for("passports.positions_page"))
        except InvalidInput as error:
            ctx.session.rollback()
            errors = error.fields
    from web.pages.helpers import ref_options

    return render_template("positions.html", positions=costs.list_positions(ctx), errors=errors, data=data,
                           agencies=ref_options("agencies") or []), (422 if errors else 200)


@bp.post("/passports/<int:passport_id>/criteria")
def criteria_page(passport_id):
    criteria = {c.value: {"met": request.form.get(f"{c.value}-met") == "on",
                          "evidence": request.form.get(f"{c.value}-evidence", "")} for c in DigitalCriterion}
    passports.set_criteria(context(), passport_id, {"criteria": criteria, "version": form_version()})
    flash("Чек-лист критериев цифровой трансформации сохранён.")
    return redirect(url_for("passports.view_page", passport_id=passport_id))
