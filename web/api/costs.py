"""The cost calculator: the cost of a process's variants and their effect, a what-if, the Excel export and positions."""
from __future__ import annotations

from flask import Response, jsonify

from catalog import schemas
from catalog.services import costs
from web import context
from web.api.base import Blueprint, read_only
from web.inputs import json_body, versioned_body

blp = Blueprint("costs_api", __name__, tag="Калькулятор стоимости")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def position_json(position) -> dict:
    return {"id": position.id, "version": position.version, "name": position.name, "agency_id": position.agency_id,
            "monthly_pay": position.monthly_pay,
            "payroll_coefficient": position.payroll_coefficient, "annual_hours": position.annual_hours,
            "hourly_cost": round(position.hourly_cost, 2)}


@blp.get("/processes/<int:process_id>/costs")
@blp.response(200, description="Стоимость вариантов и эффект")
@blp.doc(summary="Стоимость вариантов и эффект")
def costs_view(process_id):
    return jsonify(costs_json(costs.process_costs(context(), process_id)))


@blp.post("/processes/<int:process_id>/costs/what-if")
@read_only
@blp.body({"type": "object", "description": "{вариант: {steps: {N: {...}}, resources, positions, instances_per_year}}"})
@blp.response(200, description="Расчёт с изменёнными значениями (ничего не сохраняется)")
@blp.doc(summary="Расчёт «что если»: {вариант: {steps: {N: {...}}, resources, positions, instances_per_year}}")
def what_if_view(process_id):
    return jsonify(costs_json(costs.process_costs(context(), process_id, json_body())))


@blp.get("/processes/<int:process_id>/costs.xlsx")
@blp.doc(summary="Расчёт в Excel", responses={"200": {"description": "Книга Excel", "content": {
    XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def costs_xlsx_view(process_id):
    result = costs.process_costs(context(), process_id)
    return Response(costs.export_xlsx(result), mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="process-{process_id}-costs.xlsx"'})


@blp.get("/positions")
@blp.response(200, description="Должности (items)")
@blp.doc(summary="Справочник должностей")
def positions_view():
    return jsonify(items=[position_json(p) for p in costs.list_positions(context())])


@blp.post("/positions")
@blp.body(schemas.PositionSchema)
@blp.response(201, description="Должность")
@blp.doc(summary="Добавить должность")
def create_position_view():
    return jsonify(position_json(costs.save_position(context(), json_body()))), 201


@blp.patch("/positions/<int:position_id>")
@blp.body(schemas.PositionSchema)
@blp.response(200, description="Должность")
@blp.doc(summary="Изменить должность")
def update_position_view(position_id):
    return jsonify(position_json(costs.save_position(context(), versioned_body(), position_id)))
