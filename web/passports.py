"""Passport pages and their API: thin views over ``catalog.services.passports``."""
from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for

from catalog.enums import DataRole, PassportState, PassportVariant
from catalog.errors import CatalogError, InvalidInput
from catalog.services import passports
from web import context
from web.api import _authenticate, _catalog_error, _http_error, _json_body

bp = Blueprint("passports", __name__)
api_bp = Blueprint("passports_api", __name__, url_prefix="/api/v1")
api_bp.before_request(_authenticate)
api_bp.register_error_handler(CatalogError, _catalog_error)
api_bp.register_error_handler(404, _http_error)
api_bp.register_error_handler(405, _http_error)


def passport_json(passport) -> dict:
    return {
        "id": passport.id, "process_id": passport.process_id, "variant": passport.variant,
        "revision": passport.revision, "state": passport.state, "version": passport.version,
        "approved_by": passport.approved_by,
        "approved_at": passport.approved_at.isoformat() if passport.approved_at else None,
        "diagram_name": passport.diagram_name, **passports.content(passport),
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


@api_bp.get("/passports/<int:passport_id>")
def get_view(passport_id):
    return jsonify(passport_json(passports.get_passport(context(), passport_id)))


@api_bp.put("/passports/<int:passport_id>")
def save_view(passport_id):
    return jsonify(passport_json(passports.save_passport(context(), passport_id, _json_body())))


@api_bp.post("/passports/<int:passport_id>/approve")
def approve_view(passport_id):
    return jsonify(passport_json(passports.approve(context(), passport_id)))


@api_bp.get("/passports/<int:passport_id>/diagram")
def diagram_view(passport_id):
    passport = passports.get_passport(context(), passport_id)
    if not passport.diagram:
        raise InvalidInput("У паспорта нет диаграммы.")
    return Response(passport.diagram, mimetype="application/xml")


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


@bp.get("/passports/<int:passport_id>")
def view_page(passport_id):
    ctx = context()
    passport = passports.get_passport(ctx, passport_id)
    return render_template("passport.html", passport=passport, excess={d.key for d in passports.excess_data(passport)},
                           relations=passports.relations(passport), totals=passports.totals(passport),
                           events=passports.passport_history(ctx, passport_id), PassportState=PassportState,
                           PassportVariant=PassportVariant, DataRole=DataRole)


def _rows(prefix: str, fields: tuple[str, ...]) -> list[dict]:
    """Rows of a table form: fields named prefix-N-field; empty rows are left out."""
    rows: dict[int, dict] = {}
    for name, value in request.form.items():
        parts = name.split("-", 2)
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit() and parts[2] in fields:
            rows.setdefault(int(parts[1]), {})[parts[2]] = value.strip()
    return [rows[i] for i in sorted(rows) if any(v for k, v in rows[i].items() if k != "is_automated")]


def _form_content() -> dict:
    data = []
    for row in _rows("data", ("key", "name", "role", "ref_kind", "ref_id")):
        data.append({**row, "ref_kind": row.get("ref_kind") or None, "ref_id": row.get("ref_id") or None})
    steps = []
    for row in _rows("step", passports.STEP_FIELDS):
        step = {k: (v or None) for k, v in row.items() if k not in ("consumes", "produces", "is_automated")}
        for number in ("duration_minutes", "waiting_minutes", "times_per_year"):
            if step.get(number) is None:
                step.pop(number, None)
        step["is_automated"] = row.get("is_automated") == "on"
        step["consumes"] = [k.strip() for k in row.get("consumes", "").replace(";", ",").split(",") if k.strip()]
        step["produces"] = [k.strip() for k in row.get("produces", "").replace(";", ",").split(",") if k.strip()]
        steps.append(step)
    flows = [row for row in _rows("flow", passports.FLOW_FIELDS)]
    return {"version": request.form.get("version"), "description": request.form.get("description"),
            "data": data, "steps": steps, "flows": flows}


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
                           extra=int(request.args.get("rows", 3) if str(request.args.get("rows", 3)).isdigit() else 3)), \
        (422 if errors else 200)


@bp.post("/passports/<int:passport_id>/approve")
def approve_page(passport_id):
    passports.approve(context(), passport_id)
    flash("Паспорт утверждён.")
    return redirect(url_for("passports.view_page", passport_id=passport_id))
