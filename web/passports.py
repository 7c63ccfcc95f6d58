"""Passport pages and their API: thin views over ``catalog.services.passports``."""
from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for

from catalog.enums import DataRole, DigitalCriterion, PassportState, PassportVariant, ResourceKind
from catalog.errors import CatalogError, InvalidInput
from catalog.schemas import rfc3339
from catalog.services import costs, passports
from web import context
from web.api import _json_body, json_blueprint
from web.inputs import change_version, form_version, int_arg, versioned_body
from web.views_helpers import error_text, form_rows

bp = Blueprint("passports", __name__)
api_bp = json_blueprint("passports_api", __name__)


def passport_json(passport) -> dict:
    return {
        "id": passport.id, "process_id": passport.process_id, "variant": passport.variant,
        "revision": passport.revision, "state": passport.state, "version": passport.version,
        "approved_by": passport.approved_by,
        "approved_at": rfc3339(passport.approved_at),
        "diagram_name": passport.diagram_name, **passports.content(passport),
        "criteria": passport.criteria or {},
        "unmet_criteria": passports.unmet_criteria(passport) if passport.variant == "to_be" else [],
        "excess_data": [d.key for d in passports.excess_data(passport)],
        "totals": passports.totals(passport),
    }


@api_bp.get("/processes/<int:process_id>/passports")
def list_view(process_id):
    return jsonify(items=[passport_json(p) for p in passports.list_passports(context(), process_id)])


@api_bp.post("/processes/<int:process_id>/passports")
def create_view(process_id):
    body = _json_body()
    ctx = context()
    passport = passports.create_passport(ctx, process_id, body.get("variant", ""))
    if set(body) - {"variant"}:
        passport = passports.save_passport(ctx, passport.id, {**{k: v for k, v in body.items() if k != "variant"},
                                                              "version": passport.version})
    return jsonify(passport_json(passport)), 201


def _uploaded_bpmn() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.filename, upload.read()
    if request.data:
        return request.args.get("name") or "diagram.bpmn", request.data
    raise InvalidInput("Приложите файл BPMN.", {"file": ["Файл не передан."]})


@api_bp.post("/processes/<int:process_id>/passports/bpmn")
def import_bpmn_view(process_id):
    name, content = _uploaded_bpmn()
    passport = passports.import_bpmn(context(), process_id, request.args.get("variant") or request.form.get("variant", ""),
                                     name, content, change_version(required=False))
    return jsonify(passport_json(passport)), 201


@api_bp.get("/passports/<int:passport_id>")
def get_view(passport_id):
    return jsonify(passport_json(passports.get_passport(context(), passport_id)))


@api_bp.put("/passports/<int:passport_id>")
def save_view(passport_id):
    return jsonify(passport_json(passports.save_passport(context(), passport_id, versioned_body())))


@api_bp.post("/passports/<int:passport_id>/approve")
def approve_view(passport_id):
    return jsonify(passport_json(passports.approve(context(), passport_id, change_version(required=False))))


@api_bp.get("/passports/<int:passport_id>/diagram")
def diagram_view(passport_id):
    passport = passports.get_passport(context(), passport_id)
    if not passport.diagram:
        raise InvalidInput("У паспорта нет диаграммы.")
    from web.security import as_download

    # The uploaded file as it was, only ever as a download: it may carry script (finding 1 of issue 12).
    return as_download(Response(passport.diagram, mimetype="application/xml"), passport.diagram_name, "diagram.bpmn")


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
        passport = passports.import_bpmn(ctx, process_id, variant, name, content, form_version(f"version-{variant}"))
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
    from web.diagram import bpmn_svg

    return render_template("passport.html", passport=passport, excess={d.key for d in passports.excess_data(passport)},
                           diagram=bpmn_svg(passport.diagram) if passport.diagram else None,
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
    errors, values = {}, passports.content(passport)
    if request.method == "POST":
        values = _form_content()
        try:
            passports.save_passport(ctx, passport_id, values)
            flash("Паспорт сохранён.")
            return redirect(url_for("passports.view_page", passport_id=passport_id))
        except InvalidInput as error:
            ctx.session.rollback()
            errors = error.fields
    from web.views_helpers import ref_options

    return render_template("passport_form.html", passport=passport, values=values, errors=errors,
                           roles=list(DataRole), systems=ref_options("systems") or [],
                           positions=costs.list_positions(ctx), resource_kinds=list(ResourceKind),
                           extra=min(int_arg("rows", 3, minimum=0), MAX_EXTRA_ROWS)), \
        (422 if errors else 200)


@bp.post("/passports/<int:passport_id>/approve")
def approve_page(passport_id):
    passports.approve(context(), passport_id, form_version())
    flash("Паспорт утверждён.")
    return redirect(url_for("passports.view_page", passport_id=passport_id))


# -- the cost calculator


def costs_json(result) -> dict:
    def variant_json(variant, cost):
        passport = result.passports[variant]
        return {"passport_id": passport.id, "revision": passport.revision, "state": passport.state,
                "per_year": round(cost.per_year, 2),
                "per_instance": round(cost.per_instance, 2) if cost.per_instance is not None else None,
                "by_kind": {k: round(v, 2) for k, v in cost.by_kind.items()},
                "steps": [{"name": s.name, "position": s.position, "hours_per_year": round(s.hours_per_year, 3),
                           "per_occurrence": round(s.per_occurrence, 2), "per_year": round(s.per_year, 2)}
                          for s in cost.steps],
                "warnings": cost.warnings}

    effect = result.effect
    return {"process_id": result.process.id, "what_if": result.what_if,
            "variants": {v: variant_json(v, c) for v, c in result.costs.items()},
            "effect": None if effect is None else {
                "money_per_year": round(effect.money_per_year, 2), "hours_per_year": round(effect.hours_per_year, 2),
                "fte": round(effect.fte, 4), "share": round(effect.share, 4)}}


@api_bp.get("/processes/<int:process_id>/costs")
def costs_view(process_id):
    return jsonify(costs_json(costs.process_costs(context(), process_id)))


@api_bp.post("/processes/<int:process_id>/costs/what-if")
def what_if_view(process_id):
    return jsonify(costs_json(costs.process_costs(context(), process_id, _json_body())))


@api_bp.get("/processes/<int:process_id>/costs.xlsx")
def costs_xlsx_view(process_id):
    result = costs.process_costs(context(), process_id)
    return Response(costs.export_xlsx(result), headers={
        "Content-Disposition": f'attachment; filename="process-{process_id}-costs.xlsx"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def position_json(position) -> dict:
    return {"id": position.id, "version": position.version, "name": position.name, "monthly_pay": position.monthly_pay,
            "payroll_coefficient": position.payroll_coefficient, "annual_hours": position.annual_hours,
            "hourly_cost": round(position.hourly_cost, 2)}


@api_bp.get("/positions")
def positions_view():
    return jsonify(items=[position_json(p) for p in costs.list_positions(context())])


@api_bp.post("/positions")
def create_position_view():
    return jsonify(position_json(costs.save_position(context(), _json_body()))), 201


@api_bp.patch("/positions/<int:position_id>")
def update_position_view(position_id):
    return jsonify(position_json(costs.save_position(context(), versioned_body(), position_id)))


@api_bp.put("/passports/<int:passport_id>/criteria")
def criteria_view(passport_id):
    return jsonify(passport_json(passports.set_criteria(context(), passport_id, versioned_body())))


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
        data = {k: v for k, v in request.form.items() if k in ("name", "monthly_pay", "payroll_coefficient", "annual_hours") and v.strip()}
        try:
            costs.save_position(ctx, data)
            flash("Должность добавлена в справочник.")
            return redirect(url_for("passports.positions_page"))
        except InvalidInput as error:
            ctx.session.rollback()
            errors = error.fields
    return render_template("positions.html", positions=costs.list_positions(ctx), errors=errors, data=data), \
        (422 if errors else 200)


@bp.post("/passports/<int:passport_id>/criteria")
def criteria_page(passport_id):
    criteria = {c.value: {"met": request.form.get(f"{c.value}-met") == "on",
                          "evidence": request.form.get(f"{c.value}-evidence", "")} for c in DigitalCriterion}
    passports.set_criteria(context(), passport_id, {"criteria": criteria, "version": form_version()})
    flash("Чек-лист критериев цифровой трансформации сохранён.")
    return redirect(url_for("passports.view_page", passport_id=passport_id))
