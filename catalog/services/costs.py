"""The process cost calculator (Leningrad 2.11–2.14, 5.4 items 3 and 9).

A variant costs its steps' labour — hours of work times the hourly cost of the performer's
position (monthly pay × 12 × payroll coefficient ÷ working-time fund) — plus its other
resources, per instance of the process or per year. The effect of TO-BE against AS-IS is the
difference in money a year and in full-time equivalents (hours saved ÷ the fund of each position).
A what-if calculation applies changes to a copy of the figures; nothing stored is touched.
The arithmetic works on plain data (``Plan``), so it is checked against cases worked out by hand.
"""
from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from catalog import models
from catalog.enums import PassportState, PassportVariant, ResourceKind
from catalog.errors import BadParameter, InvalidInput
from catalog import formatting
from catalog.schemas import PositionSchema, validation_messages
from catalog.services import history, passports, permissions, records, rules
from catalog.services.context import Context
from catalog.services.versions import check_version

# Sheet names and messages: the variants as the regulation's diagrams name them (Excel allows 31 characters).
VARIANT_SHORT = {PassportVariant.AS_IS.value: "AS-IS", PassportVariant.TO_BE.value: "TO-BE"}


@dataclass(frozen=True)
class Rate:
    id: int
    name: str
    monthly_pay: float
    payroll_coefficient: float
    annual_hours: float

    @property
    def hourly(self) -> float:
        return self.monthly_pay * 12 * self.payroll_coefficient / self.annual_hours


@dataclass(frozen=True)
class StepFigures:
    name: str
    duration_minutes: float
    times_per_year: int
    position_id: int | None


@dataclass(frozen=True)
class ResourceFigures:
    kind: str
    name: str
    unit_cost: float
    quantity: float
    per: str


@dataclass
class Plan:
    """What a variant's cost is computed from."""

    steps: list[StepFigures]
    resources: list[ResourceFigures]
    rates: dict[int, Rate]
    instances_per_year: int | None


@dataclass
class StepCost:
    name: str
    position: str | None
    hours_per_year: float
    per_occurrence: float
    per_year: float


@dataclass
class VariantCost:
    steps: list[StepCost]
    by_kind: dict[str, float]  # resource kind → money a year
    per_year: float
    per_instance: float | None
    hours_by_position: dict[int, float]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Effect:
    money_per_year: float
    hours_per_year: float
    fte: float
    share: float  # of the AS-IS cost a year


def calculate(plan: Plan) -> VariantCost:
    steps, warnings = [], []
    hours_by_position: dict[int, float] = defaultdict(float)
    by_kind = {kind.value: 0.0 for kind in ResourceKind}
    for number, step in enumerate(plan.steps, 1):
        rate = plan.rates.get(step.position_id) if step.position_id is not None else None
        hours = step.duration_minutes / 60 * step.times_per_year
        if rate is None:
            if step.duration_minutes:
                warnings.append(f"Шаг {number} «{step.name}»: не указана должность, труд не оценён.")
            steps.append(StepCost(step.name, None, hours, 0.0, 0.0))
            continue
        per_occurrence = step.duration_minutes / 60 * rate.hourly
        steps.append(StepCost(step.name, rate.name, hours, per_occurrence, per_occurrence * step.times_per_year))
        hours_by_position[rate.id] += hours
        by_kind[ResourceKind.LABOUR.value] += per_occurrence * step.times_per_year
    instances = plan.instances_per_year or 0
    for resource in plan.resources:
        cost = resource.unit_cost * resource.quantity
        if resource.per == "instance":
            if not instances:
                warnings.append(f"Ресурс «{resource.name}» считается на экземпляр, а число экземпляров в год не указано.")
            cost *= instances
        by_kind[resource.kind] += cost
    per_year = sum(by_kind.values())
    return VariantCost(steps, by_kind, per_year, per_year / instances if instances else None,
                       dict(hours_by_position), warnings)


def effect(as_is: VariantCost, to_be: VariantCost, rates: dict[int, Rate]) -> Effect:
    hours = sum(as_is.hours_by_position.values()) - sum(to_be.hours_by_position.values())
    positions = set(as_is.hours_by_position) | set(to_be.hours_by_position)
    fte = sum((as_is.hours_by_position.get(p, 0.0) - to_be.hours_by_position.get(p, 0.0)) / rates[p].annual_hours
              for p in positions if p in rates)
    money = as_is.per_year - to_be.per_year
    return Effect(money, hours, fte, money / as_is.per_year if as_is.per_year else 0.0)


# -- from the store


def _rates(ctx: Context, agency_id: int | None = None) -> dict[int, Rate]:
    """The hourly cost of each position for a process of ``agency_id``: the region's table, with the rows
    of the agency's own table (same position name) in place of the region's."""
    positions = list(ctx.session.scalars(select(models.Position).where(models.Position.deleted_at.is_(None))))
    return rates_of(positions, agency_id)


def rates_of(positions, agency_id: int | None) -> dict[int, Rate]:
    """``_rates`` over positions already read (rows with id, name, agency_id and the pay fields)."""
    rates = {p.id: Rate(p.id, p.name, p.monthly_pay, p.payroll_coefficient, p.annual_hours) for p in positions}
    own = {p.name: p for p in positions if agency_id is not None and p.agency_id == agency_id}
    for p in positions:
        if p.agency_id is None and p.name in own:
            mine = own[p.name]
            rates[p.id] = Rate(p.id, p.name, mine.monthly_pay, mine.payroll_coefficient, mine.annual_hours)
    return rates


def plan_of(passport: models.Passport, rates: dict[int, Rate]) -> Plan:
    return Plan([StepFigures(s.name, s.duration_minutes, s.times_per_year, s.position_id) for s in passport.steps],
                [ResourceFigures(r.kind, r.name, r.unit_cost, r.quantity, r.per) for r in passport.resources],
                rates, passport.instances_per_year)


def _number(value, path: str, integer: bool = False) -> float:
    try:
        parsed = formatting.parse_number(value)  # «20,5» as typed on the page
        if integer and parsed != parsed.to_integral_value():
            raise ValueError(value)
        number = int(parsed) if integer else float(parsed)
    except (TypeError, ValueError, ArithmeticError):
        raise BadParameter("Неверное изменение расчёта.", {path: ["Ожидается число."]}) from None
    if number < 0:
        raise BadParameter("Неверное изменение расчёта.", {path: ["Не может быть отрицательным."]})
    return number


WHAT_IF_FIELDS = {"duration_minutes": "длительность, мин", "times_per_year": "раз в год", "position_id": "должность",
                  "unit_cost": "стоимость единицы", "quantity": "количество", "instances_per_year": "экземпляров в год",
                  "monthly_pay": "денежное содержание в месяц", "payroll_coefficient": "коэффициент начислений",
                  "annual_hours": "фонд рабочего времени"}
WHAT_IF_SECTIONS = {"steps": "шаг", "resources": "ресурс", "positions": "должность №"}


def what_if_field_title(path: str) -> str:
    """«to_be.steps.3.duration_minutes» → «TO-BE, шаг 3: длительность, мин», as a person reads the form."""
    parts = path.split(".")
    out = [VARIANT_SHORT.get(parts[0], parts[0])]
    rest = parts[1:]
    if len(rest) >= 2 and rest[0] in WHAT_IF_SECTIONS:
        out.append(f"{WHAT_IF_SECTIONS[rest[0]]} {rest[1]}")
        rest = rest[2:]
    title = ", ".join(out)
    if rest:
        title += ": " + ", ".join(WHAT_IF_FIELDS.get(r, "раздел «" + r + "»") for r in rest)
    return title


def _whole(value) -> int | None:
    """A row number or an id from a what-if, or None: «²» passes str.isdigit and then fails int()."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def apply_what_if(plan: Plan, changes: dict, prefix: str) -> Plan:
    """A copy of ``plan`` with the changes of a what-if: step times, resource quantities, pay, instances."""
    if not isinstance(changes, dict):
        raise BadParameter("Неверное изменение расчёта.", {prefix: ["Ожидается объект."]})
    unknown = set(changes) - {"instances_per_year", "steps", "resources", "positions"}
    if unknown:
        raise BadParameter("Неверное изменение расчёта.", {f"{prefix}.{name}": ["Такого раздела нет."] for name in unknown})
    steps, resources, rates = list(plan.steps), list(plan.resources), dict(plan.rates)
    instances = plan.instances_per_year
    if "instances_per_year" in changes:
        instances = int(_number(changes["instances_per_year"], f"{prefix}.instances_per_year", integer=True))
    for section, items, allowed in (("steps", steps, {"duration_minutes", "times_per_year", "position_id"}),
                                    ("resources", resources, {"unit_cost", "quantity"})):
        for index, fields in (changes.get(section) or {}).items():
            path = f"{prefix}.{section}.{index}"
            if _whole(index) is None or not 1 <= _whole(index) <= len(items):
                raise BadParameter("Неверное изменение расчёта.", {path: [f"Нет строки № {index}."]})
            bad = set(fields) - allowed
            if bad:
                raise BadParameter("Неверное изменение расчёта.", {f"{path}.{b}": ["Это поле не меняется в расчёте."] for b in bad})
            values = {}
            for name, value in fields.items():
                if name == "position_id":
                    if _whole(value) not in rates:
                        raise BadParameter("Неверное изменение расчёта.", {f"{path}.{name}": ["Нет такой должности."]})
                    values[name] = _whole(value)
                else:
                    values[name] = _number(value, f"{path}.{name}", integer=name == "times_per_year")
            items[int(index) - 1] = replace(items[int(index) - 1], **values)
    for position_id, fields in (changes.get("positions") or {}).items():
        path = f"{prefix}.positions.{position_id}"
        if _whole(position_id) not in rates:
            raise BadParameter("Неверное изменение расчёта.", {path: ["Нет такой должности."]})
        values = {name: _number(value, f"{path}.{name}") for name, value in fields.items()
                  if name in ("monthly_pay", "payroll_coefficient", "annual_hours")}
        rates[int(position_id)] = replace(rates[int(position_id)], **values)
    return Plan(steps, resources, rates, instances)


@dataclass
class ProcessCosts:
    process: models.Process
    passports: dict[str, models.Passport]  # variant → the revision costed
    costs: dict[str, VariantCost]
    effect: Effect | None
    rates: dict[int, Rate]
    what_if: bool = False


def process_costs(ctx: Context, process_id: int, what_if: dict | None = None) -> ProcessCosts:
    """Both variants of a process costed (the latest approved revision, else the latest draft), and the effect."""
    process = records.get_record(ctx, "processes", process_id)
    rates = _rates(ctx, process.agency_id)
    chosen, costs = {}, {}
    for variant in PassportVariant.values():
        passport = (passports.current(ctx, process_id, variant, approved_only=True)
                    or passports.current(ctx, process_id, variant))
        if passport is None:
            continue
        chosen[variant] = passport
        plan = plan_of(passport, rates)
        if what_if and variant in what_if:
            plan = apply_what_if(plan, what_if[variant], variant)
        costs[variant] = calculate(plan)
    if what_if:
        unknown = set(what_if) - set(chosen)
        if unknown:
            raise BadParameter("Неверное изменение расчёта.", {v: ["У процесса нет паспорта этого варианта."] for v in unknown})
    found = effect(costs["as_is"], costs["to_be"], rates) if {"as_is", "to_be"} <= set(costs) else None
    return ProcessCosts(process, chosen, costs, found, rates, what_if=bool(what_if))


# -- the kept figures (issue 19): what the dashboard sums instead of costing every process on every view


def kept_figures(session, process_ids) -> dict[int, dict]:
    """``passport_costs`` rows of these processes, by process id, computed as ``process_costs`` computes them
    (the same revisions, rates and arithmetic) but a few statements for many processes at once. A process
    without passports has no row."""
    ids = sorted(set(process_ids))
    if not ids:
        return {}
    positions = session.execute(select(models.Position.id, models.Position.name, models.Position.agency_id,
                                       models.Position.monthly_pay, models.Position.payroll_coefficient,
                                       models.Position.annual_hours).where(models.Position.deleted_at.is_(None))).all()
    rates_by_agency: dict[int | None, dict[int, Rate]] = {}
    out = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        agencies = dict(session.execute(select(models.Process.id, models.Process.agency_id)
                                        .where(models.Process.id.in_(chunk))).all())
        P = models.Passport
        chosen: dict[tuple[int, str], tuple] = {}
        for row in session.execute(select(P.id, P.process_id, P.variant, P.revision, P.state, P.instances_per_year)
                                   .where(P.process_id.in_(chunk), P.deleted_at.is_(None))):
            key = (row.process_id, row.variant)
            # passports.current: the latest approved revision, else the latest draft.
            rank = (row.state == PassportState.APPROVED.value, row.revision)
            if key not in chosen or rank > chosen[key][0]:
                chosen[key] = (rank, row)
        passport_ids = [row.id for _, row in chosen.values()]
        steps, resources = defaultdict(list), defaultdict(list)
        S, R = models.PassportStep, models.PassportResource
        for at in range(0, len(passport_ids), 500):
            part = passport_ids[at:at + 500]
            for s in session.execute(select(S.passport_id, S.name, S.duration_minutes, S.times_per_year, S.position_id)
                                     .where(S.passport_id.in_(part)).order_by(S.passport_id, S.position)):
                steps[s.passport_id].append(StepFigures(s.name, s.duration_minutes, s.times_per_year, s.position_id))
            for r in session.execute(select(R.passport_id, R.kind, R.name, R.unit_cost, R.quantity, R.per)
                                     .where(R.passport_id.in_(part)).order_by(R.passport_id, R.id)):
                resources[r.passport_id].append(ResourceFigures(r.kind, r.name, r.unit_cost, r.quantity, r.per))
        for (process_id, variant), (_, row) in sorted(chosen.items()):
            agency_id = agencies.get(process_id)
            if agency_id not in rates_by_agency:
                rates_by_agency[agency_id] = rates_of(positions, agency_id)
            rates = rates_by_agency[agency_id]
            cost = calculate(Plan(steps[row.id], resources[row.id], rates, row.instances_per_year))
            figures = out.setdefault(process_id, {"process_id": process_id, "as_is_passport_id": None,
                                                  "as_is_per_year": None, "to_be_passport_id": None,
                                                  "to_be_per_year": None, "effect": None, "fte": None, "_costs": {}})
            figures[f"{variant}_passport_id"] = row.id
            figures[f"{variant}_per_year"] = cost.per_year
            figures["_costs"][variant] = (cost, rates)
    for figures in out.values():
        found = figures.pop("_costs")
        if {"as_is", "to_be"} <= set(found):
            (as_is, rates), (to_be, _) = found["as_is"], found["to_be"]
            result = effect(as_is, to_be, rates)
            figures["effect"], figures["fte"] = result.money_per_year, result.fte
    return out


def export_xlsx(result: ProcessCosts) -> bytes:
    """The calculation as an Excel workbook: steps and resources of each variant, and the effect."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from catalog.cells import xlsx_row

    book = Workbook()
    summary = book.active
    summary.title = "Итого"
    summary.append(xlsx_row(summary, [f"Расчёт стоимости процесса: {result.process.name}"]))
    summary["A1"].font = Font(bold=True)
    summary.append(["Вариант", "Стоимость в год, руб.", "Стоимость экземпляра, руб.", "Трудозатраты в год, ч"])
    for variant, cost in result.costs.items():
        summary.append([PassportVariant.label_of(variant), round(cost.per_year, 2),
                        round(cost.per_instance, 2) if cost.per_instance is not None else None,
                        round(sum(s.hours_per_year for s in cost.steps), 2)])
    if result.effect:
        summary.append([])
        summary.append(["Эффект в год, руб.", round(result.effect.money_per_year, 2)])
        summary.append(["Высвобождено, ч в год", round(result.effect.hours_per_year, 2)])
        summary.append(["Высвобождено, штатных единиц", round(result.effect.fte, 3)])
    for variant, cost in result.costs.items():
        sheet = book.create_sheet(f"Шаги {VARIANT_SHORT[variant]}")
        sheet.append(["№", "Шаг", "Должность", "Часов в год", "Стоимость выполнения, руб.", "Стоимость в год, руб."])
        for number, step in enumerate(cost.steps, 1):
            sheet.append(xlsx_row(sheet, [number, step.name, step.position, round(step.hours_per_year, 2),
                                          round(step.per_occurrence, 2), round(step.per_year, 2)]))
        sheet = book.create_sheet(f"Ресурсы {VARIANT_SHORT[variant]}")
        sheet.append(["Вид ресурса", "Стоимость в год, руб."])
        for kind, value in cost.by_kind.items():
            sheet.append([ResourceKind.label_of(kind), round(value, 2)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the reference table of positions


def list_positions(ctx: Context) -> list[models.Position]:
    permissions.require_read(ctx)
    return list(ctx.session.scalars(select(models.Position).where(models.Position.deleted_at.is_(None))
                                    .order_by(models.Position.name)))


@rules.operation("positions.save")
def save_position(ctx: Context, data: dict, position_id: int | None = None) -> models.Position:
    """Create or change a position of the reference table: the process office keeps it."""
    rules.check(ctx, "positions.save")
    from marshmallow import ValidationError

    try:
        values = PositionSchema(partial=position_id is not None).load(data)
    except ValidationError as error:
        raise InvalidInput("Должность не прошла проверку.", validation_messages(error)) from None
    version = values.pop("version", None)
    current = ctx.session.get(models.Position, position_id) if position_id is not None else None
    agency_id = values.get("agency_id", current.agency_id if current is not None else None)
    name = values.get("name", current.name if current is not None else None)
    same_name = ctx.session.scalar(select(models.Position).where(
        models.Position.name == name, models.Position.agency_id.is_(None) if agency_id is None
        else models.Position.agency_id == agency_id))
    if same_name is not None and same_name.id != position_id:
        where = "в таблице окладов органа" if agency_id is not None else "в справочнике"
        raise InvalidInput("Должность не прошла проверку.", {"name": [f"Такая должность уже есть {where}."]})
    if agency_id is not None and ctx.session.get(models.Agency, agency_id) is None:
        raise InvalidInput("Должность не прошла проверку.", {"agency_id": [f"Органа № {agency_id} нет в каталоге."]})
    if position_id is None:
        position = models.Position(**values, version=1)
        ctx.session.add(position)
        ctx.session.flush()
        history.append_event(ctx, "positions", position, "create", history.diff({}, history.snapshot(position)))
    else:
        position = ctx.get(models.Position, position_id, f"Должность № {position_id} не найдена.", deleted=True)
        check_version(ctx, "positions", position, version, "Должность изменена")
        before = history.snapshot(position)
        for name, value in values.items():
            setattr(position, name, value)
        changes = history.diff(before, history.snapshot(position))
        if changes:
            ctx.session.flush()
            history.append_event(ctx, "positions", position, "update", changes)
    ctx.finish()
    return position
