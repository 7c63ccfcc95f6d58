"""Process passports: the AS-IS and TO-BE variants of a process, their steps, data model and flows.

A variant is written whole (its data, steps and flows) through ``save_passport``, checked by
``schemas.PassportSchema`` and by the references it makes. A user of the owning agency approves
it; an approved revision is frozen, and ``create_passport`` then opens a new draft, a copy of it.
Every change is a change event of kind ``passports`` (the outbox, the history).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from marshmallow import ValidationError
from sqlalchemy import select

from catalog import models
from catalog.enums import Action, PassportState, PassportVariant
from catalog.errors import Conflict, InvalidInput
from catalog.kinds import KINDS
from catalog.schemas import PassportSchema, validation_messages
from catalog.services import history, people, permissions, records, rules
from catalog.services.context import Context
from catalog.services.versions import check_version

KIND = "passports"  # record_kind of their change events
CONTENT_FIELDS = ("key", "name", "role", "ref_kind", "ref_id")
STEP_FIELDS = ("key", "name", "performer_position", "performer_unit", "duration_minutes", "waiting_minutes",
               "times_per_year", "is_automated", "system_id", "position_id", "consumes", "produces")
RESOURCE_FIELDS = ("kind", "name", "unit_cost", "quantity", "per")
FLOW_FIELDS = ("source_key", "target_key", "name")


def list_passports(ctx: Context, process_id: int) -> list[models.Passport]:
    records.get_record(ctx, "processes", process_id)  # reading rights, and a clear 404
    return list(ctx.session.scalars(select(models.Passport).where(
        models.Passport.process_id == process_id, models.Passport.deleted_at.is_(None))
        .order_by(models.Passport.variant, models.Passport.revision.desc())))


def get_passport(ctx: Context, passport_id: int) -> models.Passport:
    permissions.require_read(ctx)
    return ctx.get(models.Passport, passport_id, f"Паспорт № {passport_id} не найден.")


def current(ctx: Context, process_id: int, variant: str, approved_only: bool = False) -> models.Passport | None:
    """The latest revision of a variant (the latest approved one with ``approved_only``)."""
    query = select(models.Passport).where(models.Passport.process_id == process_id,
                                          models.Passport.variant == variant, models.Passport.deleted_at.is_(None))
    if approved_only:
        query = query.where(models.Passport.state == PassportState.APPROVED.value)
    return ctx.session.scalars(query.order_by(models.Passport.revision.desc()).limit(1)).first()


def content(passport: models.Passport) -> dict:
    """The variant's content in the shape ``PassportSchema`` loads."""
    return {
        "description": passport.description,
        "instances_per_year": passport.instances_per_year,
        "resources": [{f: getattr(r, f) for f in RESOURCE_FIELDS} for r in passport.resources],
        "data": [{f: getattr(d, f) for f in CONTENT_FIELDS} for d in passport.data],
        "steps": [{f: getattr(s, f) for f in STEP_FIELDS} for s in passport.steps],
        "flows": [{f: getattr(fl, f) for f in FLOW_FIELDS} for fl in passport.flows],
    }


def _require_version(ctx: Context, passport: models.Passport, version) -> None:
    check_version(ctx, KIND, passport, version, "Паспорт изменён")


@rules.operation("passports.create")
def create_passport(ctx: Context, process_id: int, variant: str) -> models.Passport:
    """A new draft of a variant: empty, or a copy of the latest approved revision."""
    if variant not in PassportVariant.values():
        raise InvalidInput("Неизвестный вариант паспорта.", {"variant": ["Допустимо: as_is (AS-IS), to_be (TO-BE)."]})
    process = records.get_record(ctx, "processes", process_id)
    if process.is_deleted:
        raise Conflict("Процесс удалён: паспорт для него не создаётся.")
    rules.check(ctx, "passports.create", process)
    latest = current(ctx, process_id, variant)
    if latest is not None and latest.state == PassportState.DRAFT.value:
        raise Conflict(f"У процесса уже есть черновик этого варианта (№ {latest.revision}): измените его.",
                       passport_id=latest.id)
    passport = models.Passport(process_id=process_id, variant=variant, version=1,
                               revision=(latest.revision + 1) if latest else 1, state=PassportState.DRAFT.value)
    ctx.session.add(passport)
    if latest is not None:
        passport.diagram, passport.diagram_name = latest.diagram, latest.diagram_name
        _fill(passport, content(latest))
    ctx.session.flush()
    history.append_event(ctx, KIND, passport, Action.CREATE.value,
                         {"variant": {"before": None, "after": variant}, "revision": {"before": None, "after": passport.revision},
                          "process_id": {"before": None, "after": process_id}})
    ctx.finish()
    return passport


def _check_references(ctx: Context, values: dict) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    keys = set()
    for i, item in enumerate(values["data"]):
        if item["key"] in keys:
            errors[f"data.{i}.key"].append(f"Ключ «{item['key']}» повторяется.")
        keys.add(item["key"])
        if (item.get("ref_kind") is None) != (item.get("ref_id") is None):
            errors[f"data.{i}.ref_id"].append("Укажите и вид записи каталога, и её номер, или ни то, ни другое.")
        elif item.get("ref_kind"):
            ref = ctx.session.get(KINDS[item["ref_kind"]].model, item["ref_id"])
            if ref is None or ref.is_deleted:
                errors[f"data.{i}.ref_id"].append(f"Нет записи «{KINDS[item['ref_kind']].label_one}» № {item['ref_id']}.")
    step_keys = set()
    for i, step in enumerate(values["steps"]):
        for field in ("consumes", "produces"):
            for key in step[field]:
                if key not in keys:
                    errors[f"steps.{i}.{field}"].append(f"Нет данных с ключом «{key}».")
        if step.get("key"):
            if step["key"] in step_keys:
                errors[f"steps.{i}.key"].append(f"Ключ шага «{step['key']}» повторяется.")
            step_keys.add(step["key"])
        if step.get("position_id") is not None:
            position = ctx.session.get(models.Position, step["position_id"])
            if position is None or position.is_deleted:
                errors[f"steps.{i}.position_id"].append(f"Нет должности № {step['position_id']} в справочнике калькулятора.")
        if step.get("system_id") is not None:
            system = ctx.session.get(models.InformationSystem, step["system_id"])
            if system is None or system.is_deleted:
                errors[f"steps.{i}.system_id"].append(f"Нет информационной системы № {step['system_id']}.")
    if errors:
        raise InvalidInput("Паспорт не прошёл проверку.", dict(errors))


def _fill(passport: models.Passport, values: dict) -> None:
    passport.description = values.get("description")
    passport.instances_per_year = values.get("instances_per_year")
    passport.resources = [models.PassportResource(**item) for item in values.get("resources", [])]
    passport.data = [models.PassportData(**item) for item in values["data"]]
    passport.steps = [models.PassportStep(position=i + 1, **{f: step.get(f) for f in STEP_FIELDS})
                      for i, step in enumerate(values["steps"])]
    for step in passport.steps:
        step.consumes, step.produces = list(step.consumes or []), list(step.produces or [])
    passport.flows = [models.PassportFlow(**flow) for flow in values["flows"]]


@rules.operation("passports.save")
def save_passport(ctx: Context, passport_id: int, data: dict, diagram: tuple[str, str] | None = None) -> models.Passport:
    """Replace a draft's content; ``diagram`` is (file name, BPMN XML) when imported from a diagram."""
    passport = get_passport(ctx, passport_id)
    rules.check(ctx, "passports.save", passport)
    try:
        values = PassportSchema().load(data)
    except ValidationError as error:
        raise InvalidInput("Паспорт не прошёл проверку.", validation_messages(error)) from None
    _require_version(ctx, passport, values.pop("version", None))
    if passport.state != PassportState.DRAFT.value:
        raise Conflict("Паспорт утверждён и не меняется: начните новую версию.")
    _check_references(ctx, values)
    before = content(passport)
    # The old rows go first: the new ones may reuse their keys.
    for rows in (passport.data, passport.steps, passport.flows, passport.resources):
        rows.clear()
    ctx.session.flush()
    _fill(passport, values)
    if diagram is not None:
        passport.diagram_name, passport.diagram = diagram
    after = {**values, "steps": [{f: s.get(f) for f in STEP_FIELDS} for s in values["steps"]]}
    changes = history.diff(before, {k: after.get(k) for k in before})
    if diagram is not None:
        changes["diagram_name"] = {"before": None, "after": diagram[0]}
    passport.version += 1
    passport.updated_at = datetime.now(UTC)
    ctx.session.flush()
    history.append_event(ctx, KIND, passport, Action.UPDATE.value, changes)
    ctx.finish()
    return passport


@rules.operation("passports.approve")
def approve(ctx: Context, passport_id: int, version: int | None = None) -> models.Passport:
    """Approval by a user of the owning agency; the approved revision is frozen."""
    passport = get_passport(ctx, passport_id)
    rules.check(ctx, "passports.approve", passport)
    _require_version(ctx, passport, version)
    if passport.state != PassportState.DRAFT.value:
        raise Conflict("Паспорт уже утверждён.")
    if not passport.steps:
        raise InvalidInput("Паспорт без шагов не утверждается.", {"steps": ["Опишите хотя бы один шаг."]})
    # Who signs and the number, before the passport changes (a query's autoflush would count a version).
    approved_at = datetime.now(UTC)
    signed = people.visa(ctx, "passport_approve", passport.process.agency_id, approved_at.date())
    number = people.allocate_number(ctx, "passport", approved_at.year)
    passport.state = PassportState.APPROVED.value
    passport.approved_by, passport.approved_at = ctx.actor_name, approved_at
    passport.approved_visa, passport.number = signed, number
    passport.version += 1
    ctx.session.flush()
    history.append_event(ctx, KIND, passport, Action.UPDATE.value,
                         {"state": {"before": PassportState.DRAFT.value, "after": PassportState.APPROVED.value}})
    ctx.finish()
    return passport


def passport_history(ctx: Context, passport_id: int) -> list[models.ChangeEvent]:
    get_passport(ctx, passport_id)
    return history.history_of(ctx, KIND, passport_id)


# -- the data model of a variant


def relations(passport: models.Passport) -> list[tuple[models.PassportData, models.PassportStep, models.PassportData]]:
    """(data read, step, data written): what each step makes of what."""
    by_key = {d.key: d for d in passport.data}
    return [(by_key[a], step, by_key[b]) for step in passport.steps
            for a in step.consumes for b in step.produces if a in by_key and b in by_key]


def excess_data(passport: models.Passport) -> list[models.PassportData]:
    """Inputs that no step uses on the way to a result (Samara 6.3: data not needed is not collected)."""
    leads_to: dict[str, set[str]] = defaultdict(set)
    for source, _, target in relations(passport):
        leads_to[source.key].add(target.key)
    results = {d.key for d in passport.data if d.role == "result"}
    excess = []
    for item in passport.data:
        if item.role != "input":
            continue
        seen, frontier = {item.key}, [item.key]
        while frontier:
            frontier = [n for key in frontier for n in leads_to[key] if n not in seen]
            seen.update(frontier)
        if not seen & results:
            excess.append(item)
    return excess


def totals(passport: models.Passport) -> dict:
    """Time of one instance and per year, and the share of automated steps."""
    steps = passport.steps
    minutes = sum(s.duration_minutes + s.waiting_minutes for s in steps)
    work = sum(s.duration_minutes for s in steps)
    return {
        "steps": len(steps),
        "instance_minutes": minutes,
        "work_minutes": work,
        "year_work_hours": sum(s.duration_minutes * s.times_per_year for s in steps) / 60,
        "automated_share": (sum(1 for s in steps if s.is_automated) / len(steps)) if steps else 0.0,
    }



@rules.operation("passports.set_criteria")
def set_criteria(ctx: Context, passport_id: int, data: dict) -> models.Passport:
    """The process office's checklist of a TO-BE variant against the criteria of Leningrad 8.3, with evidence."""
    from catalog.schemas import CriteriaSchema

    passport = get_passport(ctx, passport_id)
    rules.check(ctx, "passports.set_criteria", passport)
    if passport.variant != PassportVariant.TO_BE.value:
        raise InvalidInput("Критерии цифровой трансформации проверяются у целевого процесса (TO-BE).",
                           {"variant": ["Это паспорт AS-IS."]})
    try:
        values = CriteriaSchema().load(data)
    except ValidationError as error:
        raise InvalidInput("Чек-лист не прошёл проверку.", validation_messages(error)) from None
    _require_version(ctx, passport, values.get("version"))
    before = dict(passport.criteria or {})
    passport.criteria = {**before, **values["criteria"]}
    passport.version += 1
    ctx.session.flush()
    history.append_event(ctx, KIND, passport, Action.UPDATE.value,
                         {"criteria": {"before": before, "after": passport.criteria}})
    ctx.finish()
    return passport


def unmet_criteria(passport: models.Passport) -> list[str]:
    """Criteria of Leningrad 8.3 not marked as met on a TO-BE variant."""
    from catalog.enums import DigitalCriterion

    return [c.value for c in DigitalCriterion if not (passport.criteria or {}).get(c.value, {}).get("met")]


# -- a variant drawn in a BPMN modeller


# A step the modeller left unnamed is called by its kind (BPMN 2.0.2 §10.3 task types).
UNNAMED_STEPS = {"task": "Задача", "userTask": "Задача пользователя", "serviceTask": "Сервисная задача",
                 "sendTask": "Отправка сообщения", "receiveTask": "Получение сообщения", "manualTask": "Ручная задача",
                 "businessRuleTask": "Задача бизнес-правила", "scriptTask": "Задача-сценарий",
                 "subProcess": "Подпроцесс", "callActivity": "Вызов процесса", "transaction": "Транзакция",
                 "adHocSubProcess": "Произвольный подпроцесс"}


def _bpmn_content(model, datasets_by_name: dict[str, int]) -> dict:
    """A passport's content from a parsed BPMN model: tasks as ordered steps, lanes as performers,
    data objects and stores as the data steps read and write, sequence flows kept."""
    def clip(text, size):
        return text if len(text) <= size else text[:size - 1] + "…"

    steps, flows, reads, writes, names = [], [], set(), set(), {}
    refers, lanes = {}, {}
    for process in model.processes:
        refers.update({item.id: item.refers_to or item.id for item in process.data})
        for item in process.data:
            key = refers[item.id]
            if item.name and not names.get(key):
                names[key] = item.name
            names.setdefault(key, None)
        lanes.update({node: lane.name for lane in process.lanes for node in lane.nodes})
        flows += [{"source_key": clip(f.source, 100), "target_key": clip(f.target, 100),
                   "name": clip(f.name, 500) if f.name else None} for f in process.sequence_flows]
    # Steps of all pools in the order of the flow (sequence and message flows), not pool by pool.
    ordered = model.steps_in_flow_order()
    by_id = {step.id: step for _, step in ordered}
    # A sub-process with steps of its own is those steps (named «Sub-process › step»), so its work and its
    # automation are counted once; its data go to its first and last step.
    containers = {step.parent for _, step in ordered if step.parent in by_id}
    children = {c: [s for _, s in ordered if s.parent == c] for c in containers}

    def title(step):
        own = step.name or f"{UNNAMED_STEPS.get(step.type, 'Шаг')} без названия ({step.id})"
        parent = by_id.get(step.parent)
        if parent is None:
            return own
        # A collapsed sub-process often holds one task of its own name: «Charge Card», not «Charge Card › Charge Card».
        return title(parent) if step.name and step.name == parent.name else f"{title(parent)} › {own}"

    def data_of(step, side):
        items = list(getattr(step, side))
        node = step
        while node.parent in children:  # the first child takes its container's inputs, the last its outputs
            siblings = children[node.parent]
            if node is not (siblings[0] if side == "inputs" else siblings[-1]):
                break
            node = by_id[node.parent]
            items += getattr(node, side)
        return items

    def lane(step):  # a sub-process's own tasks are in its lane (lanes list the sub-process, not them)
        while step is not None:
            if lanes.get(step.id):
                return lanes[step.id]
            step = by_id.get(step.parent)
        return None

    for process, step in ordered:
        if step.id in containers:
            continue
        consumes = sorted({clip(refers.get(i, i), 100) for i in data_of(step, "inputs")})
        produces = sorted({clip(refers.get(i, i), 100) for i in data_of(step, "outputs")})
        reads.update(consumes)
        writes.update(produces)
        steps.append({"key": clip(step.id, 100), "name": clip(title(step), 1000),
                      "performer_position": clip(lane(step) or process.participant or "", 300) or None,
                      "is_automated": step.automated, "consumes": consumes, "produces": produces})
    data = []
    for key, name in names.items():
        key = key[:100]
        role = ("intermediate" if key in reads and key in writes else "result" if key in writes else "input")
        item = {"key": key, "name": (name or f"Данные без названия ({key})")[:1000], "role": role}
        dataset_id = datasets_by_name.get((name or "").strip().lower())
        if dataset_id:
            item.update(ref_kind="datasets", ref_id=dataset_id)
        data.append(item)
    return {"steps": steps, "data": data, "flows": flows}


def diagram_node_names(passport) -> dict[str, str]:
    """Names of the diagram's elements (steps, events, gateways) by id, so flows read «Заказ получен →
    Испечь пиццу», not «_6-652 → _6-674»; an element without a name is called by its kind."""
    from catalog.readers.bpmn import parse_bytes

    if not passport.diagram:
        return {}
    try:
        model = parse_bytes(passport.diagram.encode("utf-8"), passport.diagram_name or "BPMN")
    except Exception:  # a stored diagram the reader no longer takes: flows keep their keys
        return {}
    unnamed = {"startEvent": "начало", "endEvent": "завершение", "boundaryEvent": "граничное событие",
               "intermediateCatchEvent": "промежуточное событие", "intermediateThrowEvent": "промежуточное событие"}
    names = {}
    for process in model.processes:
        for node in [*process.events, *process.gateways]:
            names[node.id] = node.name or (unnamed.get(node.type) if node.type in unnamed
                                           else "развилка" if node.type.endswith("Gateway") else node.id)
        for step in process.steps:
            names[step.id] = step.name or names.get(step.id) or f"шаг без названия ({step.id})"
    return names


@rules.operation("passports.import_bpmn")
def import_bpmn(ctx: Context, process_id: int, variant: str, file_name: str, diagram: bytes,
                version: int | None = None) -> models.Passport:
    """Import a BPMN 2.0 file into the draft of a variant (a new draft when there is none); the diagram is kept.
    Replacing an existing draft is a change of it: ``version`` is the draft's version the user read."""
    from catalog.readers.bpmn import parse_bytes

    # Who asks before what the file says: a reader's or another agency's file is never parsed.
    rules.check(ctx, "passports.import_bpmn", records.get_record(ctx, "processes", process_id))
    model = parse_bytes(diagram, file_name)
    latest = current(ctx, process_id, variant)
    passport = latest if latest is not None and latest.state == PassportState.DRAFT.value else None
    if passport is not None:
        _require_version(ctx, passport, version)
    autocommit, ctx.autocommit = ctx.autocommit, False
    try:
        if passport is None:
            passport = create_passport(ctx, process_id, variant)
        datasets = {name.strip().lower(): i for i, name in ctx.session.execute(
            select(models.Dataset.id, models.Dataset.name).where(models.Dataset.deleted_at.is_(None)))}
        body = {**_bpmn_content(model, datasets), "version": passport.version,
                "description": passport.description, "instances_per_year": passport.instances_per_year,
                "resources": content(passport)["resources"]}
        # What the diagram does not say (times, positions, systems) is kept for steps drawn again.
        kept = {s.key: s for s in passport.steps if s.key}
        for step in body["steps"]:
            if step["key"] in kept:
                old = kept[step["key"]]
                step.update({f: getattr(old, f) for f in ("performer_unit", "duration_minutes", "waiting_minutes",
                                                          "times_per_year", "system_id", "position_id")})
                # A task the diagram says software performs stays automated; otherwise the user's mark stays.
                step["is_automated"] = step["is_automated"] or old.is_automated
        passport = save_passport(ctx, passport.id, body, diagram=(file_name, diagram.decode("utf-8", "replace")))
    except Exception:
        ctx.session.rollback()
        raise
    finally:
        ctx.autocommit = autocommit
    ctx.finish()
    return passport
