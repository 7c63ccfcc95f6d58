"""The approval gate: no new information system without described, optimised processes.

Samara concept (section 3 tasks 2, 3, 4, 6; section 5 result 10) and Leningrad 8.4: a request
to create, modernise or develop a state information system is approved only with the
documentation of the processes it automates and of their data, with suppliers and consumers;
unoptimised processes are not automated; a system duplicating one in operation is not built;
the process office's conclusion comes before the decision.

Workflow: draft → submitted (checks run) → concluded (the process office) → approved, rejected,
or returned (back to the filer, who changes and submits again). A change to a linked process,
passport or dataset after submission re-runs the checks and marks the request for review
(``recheck_changed``, fed by the outbox like the search index).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from marshmallow import ValidationError
from sqlalchemy import func, select

from catalog import models
from catalog.enums import (Action, CheckResult, DigitalCriterion, PassportState, RequestStatus)
from catalog.errors import Conflict, InvalidInput
from catalog import formatting
from catalog.schemas import ConclusionSchema, DecisionSchema, SystemRequestSchema, validation_messages
from catalog.services import history, passports, people, permissions, rules
from catalog.services.context import Context
from catalog.services.versions import check_version

KIND = "requests"  # record_kind of their change events
POSITION = "gate"  # ProjectionPosition of the re-check of submitted requests (the stored name, kept so catalogues resume)
IN_OPERATION = ("operation", "development")
OPEN = (RequestStatus.SUBMITTED.value, RequestStatus.CONCLUDED.value)
EDITABLE = (RequestStatus.DRAFT.value, RequestStatus.RETURNED.value)

CHECK_NAMES = {
    "as_is": "Текущие процессы описаны: у каждого утверждён паспорт AS-IS",
    "optimised": "Процессы оптимизированы: утверждён паспорт TO-BE или завершён проект оптимизации",
    "data_model": "Модель данных полна: у каждого набора данных процессов указаны поставщик и потребитель",
    "duplicates": "Действующие системы не автоматизируют те же процессы или те же типовые процессы",
    "marts": "Данные, которые уже есть в витринах, берутся из витрин, а не собираются заново",
    "criteria": "Целевые процессы отвечают критериям цифровой трансформации",
    "cost_value": "Указаны стоимость и ценность для граждан и организаций",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _require_version(ctx: Context, request: models.SystemRequest, version) -> None:
    check_version(ctx, KIND, request, version, "Заявка изменена")


def _ref(kind: str, record) -> dict:
    return {"kind": kind, "id": record.id, "title": record.title}


# -- reading


def get_request(ctx: Context, request_id: int) -> models.SystemRequest:
    permissions.require_read(ctx)
    return ctx.get(models.SystemRequest, request_id, f"Заявка № {request_id} не найдена.")


def list_requests(ctx: Context, status: str | None = None, agency_id: int | None = None,
                  failing: str | None = None) -> list[models.SystemRequest]:
    """The queue: by status, agency and a check that fails (or warns)."""
    permissions.require_read(ctx)
    query = select(models.SystemRequest).where(models.SystemRequest.deleted_at.is_(None))
    if status:
        if status not in RequestStatus.values():
            raise InvalidInput("Неверный фильтр.", {"status": [f"Допустимо: {', '.join(RequestStatus.values())}."]})
        query = query.where(models.SystemRequest.status == status)
    if agency_id is not None:
        query = query.where(models.SystemRequest.agency_id == agency_id)
    found = list(ctx.session.scalars(query.order_by(models.SystemRequest.id.desc())))
    if failing:
        if failing not in CHECK_NAMES:
            raise InvalidInput("Неверный фильтр.", {"failing": [f"Допустимо: {', '.join(CHECK_NAMES)}."]})
        found = [r for r in found if any(c["code"] == failing and c["result"] != "pass" for c in r.checks or [])]
    return found


def request_history(ctx: Context, request_id: int) -> list[models.ChangeEvent]:
    get_request(ctx, request_id)
    return history.history_of(ctx, KIND, request_id)


# -- writing a request


def _load(data: dict, partial: bool) -> dict:
    try:
        return SystemRequestSchema(partial=partial).load(data)
    except ValidationError as error:
        raise InvalidInput("Заявка не прошла проверку.", validation_messages(error)) from None


def _check_references(ctx: Context, values: dict) -> None:
    """Every record a request names exists and is not deleted."""
    errors: dict[str, list[str]] = defaultdict(list)

    def live(model, record_id):
        record = ctx.session.get(model, record_id)
        return record if record is not None and not record.is_deleted else None

    if "agency_id" in values and live(models.Agency, values["agency_id"]) is None:
        errors["agency_id"].append(f"Нет органа № {values['agency_id']} (или он удалён).")
    if values.get("system_id") is not None and live(models.InformationSystem, values["system_id"]) is None:
        errors["system_id"].append(f"Нет информационной системы № {values['system_id']} (или она удалена).")
    for i, process_id in enumerate(values.get("processes", [])):
        if live(models.Process, process_id) is None:
            errors[f"processes.{i}"].append(f"Нет процесса № {process_id} (или он удалён).")
    if len(set(values.get("processes", []))) != len(values.get("processes", [])):
        errors["processes"].append("Процесс указан дважды.")
    seen = set()
    for i, row in enumerate(values.get("datasets", [])):
        if live(models.Dataset, row["dataset_id"]) is None:
            errors[f"datasets.{i}.dataset_id"].append(f"Нет набора данных № {row['dataset_id']} (или он удалён).")
        if (row["dataset_id"], row["direction"]) in seen:
            errors[f"datasets.{i}.dataset_id"].append("Набор данных с этим направлением указан дважды.")
        seen.add((row["dataset_id"], row["direction"]))
        if row.get("mart_id") is not None:
            mart = live(models.DataMart, row["mart_id"])
            if mart is None:
                errors[f"datasets.{i}.mart_id"].append(f"Нет витрины № {row['mart_id']} (или она удалена).")
            elif row["dataset_id"] not in _exposed_by(ctx, [mart.id]).get(mart.id, set()):
                errors[f"datasets.{i}.mart_id"].append(f"Витрина «{mart.name}» не предоставляет этот набор данных.")
    if values.get("kind") == "create" and values.get("system_id") is None and not values.get("new_system_name"):
        errors["new_system_name"].append("Укажите наименование создаваемой системы.")
    if values.get("kind") in ("modernise", "develop") and values.get("system_id") is None:
        errors["system_id"].append("Для модернизации и развития укажите действующую систему.")
    if errors:
        raise InvalidInput("Заявка не прошла проверку.", dict(errors))


def _exposed_by(ctx: Context, mart_ids) -> dict[int, set[int]]:
    link = models.Link
    found: dict[int, set[int]] = defaultdict(set)
    for mart_id, dataset_id in ctx.session.execute(select(link.source_id, link.target_id).where(
            link.link_type == "EXPOSES", link.source_kind == "marts", link.source_id.in_(list(mart_ids)),
            link.target_kind == "datasets", link.deleted_at.is_(None))):
        found[mart_id].add(dataset_id)
    return found


def _fill(request: models.SystemRequest, values: dict) -> None:
    for name in ("agency_id", "kind", "system_id", "new_system_name", "purpose", "estimated_cost",
                 "expected_value", "overlap_explanation"):
        if name in values:
            setattr(request, name, values[name])
    if "processes" in values:
        request.processes = [models.RequestProcess(process_id=p) for p in values["processes"]]
    if "datasets" in values:
        request.datasets = [models.RequestDataset(**row) for row in values["datasets"]]


def _snapshot(request: models.SystemRequest) -> dict:
    return {**history.snapshot(request), "processes": [p.process_id for p in request.processes],
            "datasets": [{"dataset_id": d.dataset_id, "direction": d.direction, "supplier": d.supplier,
                          "consumer": d.consumer, "mart_id": d.mart_id} for d in request.datasets]}


def _event(ctx: Context, request: models.SystemRequest, action: str, changes: dict) -> None:
    history.append_event(ctx, KIND, request, action, changes)


@rules.operation("requests.file")
def create_request(ctx: Context, data: dict) -> models.SystemRequest:
    rules.check(ctx, "requests.file")  # who may file no request at all hears why before any field error
    values = _load(data, partial=False)
    values.pop("version", None)
    rules.check(ctx, "requests.file", values["agency_id"])
    _check_references(ctx, values)
    request = models.SystemRequest(version=1, status=RequestStatus.DRAFT.value, checks=[],
                                   filed_by_id=ctx.actor_id, filed_by=ctx.actor_name)
    _fill(request, values)
    ctx.session.add(request)
    ctx.session.flush()
    _event(ctx, request, Action.CREATE.value, history.diff({}, _snapshot(request)))
    ctx.finish()
    return request


@rules.operation("requests.update")
def update_request(ctx: Context, request_id: int, data: dict) -> models.SystemRequest:
    request = get_request(ctx, request_id)
    values = _load(data, partial=True)
    rules.check(ctx, "requests.update", rules.Change("requests", request, values))
    _require_version(ctx, request, values.pop("version", None))
    if request.status not in EDITABLE:
        raise Conflict(f"Заявка в состоянии «{RequestStatus.label_of(request.status)}» не меняется.")
    _check_references(ctx, {"kind": request.kind, "system_id": request.system_id,
                            "new_system_name": request.new_system_name, **values})
    before = _snapshot(request)
    _fill(request, values)
    request.version += 1
    request.updated_at = _now()
    ctx.session.flush()
    _event(ctx, request, Action.UPDATE.value, history.diff(before, _snapshot(request)))
    ctx.finish()
    return request


# -- the checks


def run_checks(ctx: Context, request: models.SystemRequest) -> list[dict]:
    """Every check: a name, a result, the records it looked at and a sentence saying why."""
    blocking = set(ctx.settings.gate_blocking)
    processes = [rp.process for rp in request.processes if not rp.process.is_deleted]
    process_ids = [p.id for p in processes]
    results = []

    def add(code, passed, records, reason, force=None):
        result = force or (CheckResult.PASS.value if passed else
                           CheckResult.FAIL.value if code in blocking else CheckResult.WARNING.value)
        results.append({"code": code, "name": CHECK_NAMES[code.split(":")[0]], "result": result,
                        "blocking": code in blocking, "records": records, "reason": reason})

    # AS-IS and TO-BE passports.
    approved = defaultdict(set)
    for process_id, variant in ctx.session.execute(select(models.Passport.process_id, models.Passport.variant).where(
            models.Passport.process_id.in_(process_ids), models.Passport.state == PassportState.APPROVED.value,
            models.Passport.deleted_at.is_(None))):
        approved[variant].add(process_id)
    deleted = [rp.process for rp in request.processes if rp.process.is_deleted]
    if deleted:
        add("as_is", False, [_ref("processes", p) for p in deleted],
            f"Процессы удалены из каталога после подачи заявки: {', '.join(p.name for p in deleted)}.")
    elif not processes:
        add("as_is", False, [], "В заявке нет автоматизируемых процессов.")
    else:
        missing = [p for p in processes if p.id not in approved["as_is"]]
        add("as_is", not missing, [_ref("processes", p) for p in (missing or processes)],
            f"Нет утверждённого паспорта AS-IS: {', '.join(p.name for p in missing)}." if missing
            else f"Паспорт AS-IS утверждён у всех процессов ({len(processes)}).")
    finished = finished_projects(ctx, process_ids)
    unoptimised = [p for p in processes if p.id not in approved["to_be"] and p.id not in finished]
    add("optimised", bool(processes) and not unoptimised, [_ref("processes", p) for p in (unoptimised or processes)],
        "Процессы не оптимизированы (нет утверждённого TO-BE и завершённого проекта): "
        + ", ".join(p.name for p in unoptimised) + "." if unoptimised else
        ("Все процессы оптимизированы." if processes else "В заявке нет процессов."))

    # The data model: the processes' data, each with a supplier and a consumer.
    link = models.Link
    used = set(ctx.session.execute(select(link.target_id, link.link_type).where(
        link.source_kind == "processes", link.source_id.in_(process_ids), link.target_kind == "datasets",
        link.link_type.in_(["CONSUMES", "PRODUCES"]), link.deleted_at.is_(None))).all())
    listed = {(d.dataset_id, "CONSUMES" if d.direction == "consumes" else "PRODUCES"): d for d in request.datasets}
    datasets = {d.id: d for d in ctx.session.scalars(select(models.Dataset).where(
        models.Dataset.id.in_({i for i, _ in used} | {i for i, _ in listed})))}
    gaps = []
    for dataset_id, link_type in sorted(used | set(listed)):
        row = listed.get((dataset_id, link_type))
        verb = "потребляет" if link_type == "CONSUMES" else "производит"
        if datasets[dataset_id].is_deleted:
            gaps.append((dataset_id, f"«{datasets[dataset_id].name}» удалён из каталога"))
        elif row is None:
            gaps.append((dataset_id, f"«{datasets[dataset_id].name}» ({verb}) не описан в заявке"))
        elif not (row.supplier and row.consumer):
            gaps.append((dataset_id, f"у «{datasets[dataset_id].name}» ({verb}) не указан "
                                     + ("поставщик" if not row.supplier else "потребитель")))
    add("data_model", not gaps and bool(used | set(listed)),
        [_ref("datasets", datasets[i]) for i in sorted({i for i, _ in gaps} or {i for i, _ in used | set(listed)})],
        ("; ".join(reason for _, reason in gaps) + ".") if gaps else
        (f"Наборы данных с поставщиками и потребителями описаны: {len(listed)}." if listed
         else "Процессы не потребляют и не производят данных в каталоге, и в заявке наборов нет."))

    # Systems in operation that automate the same processes or typical processes.
    typical_ids = {p.typical_process_id for p in processes if p.typical_process_id}
    rows = ctx.session.execute(
        select(models.InformationSystem, models.Process)
        .join(link, (link.target_kind == "systems") & (link.target_id == models.InformationSystem.id))
        .join(models.Process, (link.source_kind == "processes") & (link.source_id == models.Process.id))
        .where(link.link_type == "AUTOMATED_BY", link.deleted_at.is_(None), models.Process.deleted_at.is_(None),
               models.InformationSystem.deleted_at.is_(None), models.InformationSystem.stage.in_(IN_OPERATION),
               models.InformationSystem.legal_kind != "federal",
               (models.Process.id.in_(process_ids)) | (models.Process.typical_process_id.in_(typical_ids)))).all()
    overlapping: dict[int, tuple[models.InformationSystem, set[str]]] = {}
    for system, process in rows:
        if system.id == request.system_id:
            continue
        overlapping.setdefault(system.id, (system, set()))[1].add(process.name)
    if overlapping:
        reason = "; ".join(f"«{s.short_name or s.name}» уже автоматизирует: {', '.join(sorted(names)[:5])}"
                           + (" и другие" if len(names) > 5 else "") for s, names in overlapping.values()) + "."
        explained = bool(request.overlap_explanation)
        # Samara section 3 task 6: an explanation alone does not lift the block; the process office's
        # conclusion must accept it in its own words (issue 17).
        accepted = explained and overlap_accepted(request)
        if accepted:
            reason += (f" Заявитель объясняет: {request.overlap_explanation} Процессный офис принял объяснение: "
                       f"{request.overlap_answer}")
        elif explained:
            reason += (f" Заявитель объясняет: {request.overlap_explanation} Объяснение не принято заключением "
                       "процессного офиса: пересечение остаётся блокирующим.")
        add("duplicates", False, [_ref("systems", s) for s, _ in overlapping.values()], reason,
            force=CheckResult.WARNING.value if accepted else None)
    else:
        add("duplicates", True, [], "Действующих систем с той же функциональностью нет.")

    # Data a mart already exposes is taken from the mart.
    consumed = {d.dataset_id: d for d in request.datasets if d.direction == "consumes"}
    consumed_ids = set(consumed) | {i for i, t in used if t == "CONSUMES"}
    marts = {}
    for mart, dataset_id in ctx.session.execute(select(models.DataMart, link.target_id).join(
            link, (link.source_kind == "marts") & (link.source_id == models.DataMart.id)).where(
            link.link_type == "EXPOSES", link.target_kind == "datasets", link.target_id.in_(consumed_ids),
            link.deleted_at.is_(None), models.DataMart.deleted_at.is_(None))):
        marts.setdefault(dataset_id, []).append(mart)
    collected = [(datasets[i], ms) for i, ms in marts.items()
                 if i in datasets and not (consumed.get(i) and consumed[i].mart_id in {m.id for m in ms})]
    add("marts", not collected, [_ref("marts", m) for _, ms in collected for m in ms],
        "; ".join(f"«{d.name}» есть в витрине «{ms[0].name}»" for d, ms in collected) + " — берите данные из витрины."
        if collected else "Данные, доступные в витринах, берутся из витрин.")

    # The TO-BE variants against the criteria of Leningrad 8.3: a warning per unmet criterion.
    unmet: dict[str, list[models.Process]] = defaultdict(list)
    for process in processes:
        to_be = passports.current(ctx, process.id, "to_be", approved_only=True) or passports.current(ctx, process.id, "to_be")
        if to_be is None:
            continue
        for criterion in passports.unmet_criteria(to_be):
            unmet[criterion].append(process)
    for criterion in DigitalCriterion:
        if unmet[criterion.value]:
            add(f"criteria:{criterion.value}", False, [_ref("processes", p) for p in unmet[criterion.value]],
                f"Не выполнен критерий «{criterion.label}»: {', '.join(p.name for p in unmet[criterion.value])}.",
                force=CheckResult.FAIL.value if "criteria" in blocking else CheckResult.WARNING.value)

    missing = []
    if not request.estimated_cost:
        missing.append("оценка стоимости")
    if not request.expected_value:
        missing.append("ценность для граждан и организаций")
    add("cost_value", not missing, [], ("Не указаны: " + ", ".join(missing) + ".") if missing
        else f"Стоимость {formatting.money(request.estimated_cost, 0)}; ценность описана.")
    return results


def finished_projects(ctx: Context, process_ids: list[int]) -> set[int]:
    """Processes whose optimisation project has finished its implementation (Leningrad 4.4: the last
    measure is done) and is in post-monitoring."""
    from catalog.enums import ProjectStage
    from catalog.services.projects import current_stage

    found = ctx.session.scalars(select(models.OptimizationProject).where(
        models.OptimizationProject.process_id.in_(process_ids), models.OptimizationProject.deleted_at.is_(None)))
    return {p.process_id for p in found if current_stage(p) == ProjectStage.POST_MONITORING.value}


def overlap_accepted(request: models.SystemRequest) -> bool:
    """The process office's conclusion accepted the applicant's explanation, in words of its own."""
    return bool(request.overlap_accepted and request.overlap_answer and request.overlap_explanation)


def _same_words(a: str | None, b: str | None) -> bool:
    def key(text):
        return " ".join("".join(c for c in (text or "").lower().replace("ё", "е") if c.isalnum() or c.isspace()).split())
    return key(a) == key(b)


def failing_blocking(request: models.SystemRequest) -> list[dict]:
    return [c for c in request.checks or [] if c["result"] == CheckResult.FAIL.value and c["blocking"]]


def _store_checks(ctx: Context, request: models.SystemRequest) -> bool:
    """Run the checks; True when their results changed."""
    checks = run_checks(ctx, request)
    changed = [(c["code"], c["result"]) for c in checks] != [(c["code"], c["result"]) for c in request.checks or []]
    request.checks, request.checked_at = checks, _now()
    return changed


def actions_allowed(ctx: Context, request: models.SystemRequest) -> dict[str, bool]:
    """Which steps the acting user may take on the request now: the page shows only those."""
    return {
        "edit": request.status in EDITABLE and rules.may(ctx, "requests.update", request),
        "submit": request.status in EDITABLE and rules.may(ctx, "requests.submit", request),
        "recheck": request.status in OPEN and rules.may(ctx, "requests.recheck", request),
        "conclude": request.status == RequestStatus.SUBMITTED.value and rules.may(ctx, "requests.conclude", request),
        "decide": request.status == RequestStatus.CONCLUDED.value and rules.may(ctx, "requests.decide", request),
    }


# -- the workflow


@rules.operation("requests.submit")
def submit(ctx: Context, request_id: int, version: int | None = None) -> models.SystemRequest:
    request = get_request(ctx, request_id)
    rules.check(ctx, "requests.submit", request)
    _require_version(ctx, request, version)
    if request.status not in EDITABLE:
        raise Conflict(f"Заявка уже подана (состояние «{RequestStatus.label_of(request.status)}»).")
    before = request.status
    _store_checks(ctx, request)
    request.status, request.submitted_at, request.needs_review = RequestStatus.SUBMITTED.value, _now(), False
    request.conclusion = request.conclusion_reasons = request.overlap_answer = None
    request.overlap_accepted = False
    request.concluded_by = request.concluded_by_id = request.concluded_at = None
    # A returned request is concluded anew: the new conclusion is a new document with its own number.
    request.conclusion_visa = request.conclusion_number = None
    request.version += 1
    ctx.session.flush()
    _event(ctx, request, Action.UPDATE.value, {
        "status": {"before": before, "after": request.status},
        "checks": {"before": None, "after": [f"{c['name']}: {CheckResult.label_of(c['result'])}" for c in request.checks]}})
    ctx.finish()
    return request


@rules.operation("requests.conclude")
def conclude(ctx: Context, request_id: int, data: dict) -> models.SystemRequest:
    """The process office's conclusion, positive or negative, with reasons: required before a decision."""
    request = get_request(ctx, request_id)
    rules.check(ctx, "requests.conclude", request)
    _require_version(ctx, request, data.get("version"))
    if request.status != RequestStatus.SUBMITTED.value:
        raise Conflict(f"Заключение даётся по поданной заявке; её состояние — «{RequestStatus.label_of(request.status)}».")
    try:
        values = ConclusionSchema().load(data)
    except ValidationError as error:
        raise InvalidInput("Заключение не прошло проверку.", validation_messages(error)) from None
    overlap = next((c for c in request.checks if c["code"] == "duplicates"), None)
    if overlap and overlap["result"] != "pass" and not values.get("overlap_answer"):
        raise InvalidInput("Заключение не прошло проверку.", {"overlap_answer": [
            "Заявка пересекается с действующими системами: заключение должно ответить на объяснение заявителя."]})
    accepts = bool(values.get("overlap_accepted"))
    if accepts and not request.overlap_explanation:
        raise InvalidInput("Заключение не прошло проверку.", {"overlap_accepted": [
            "Заявитель не объяснил пересечение с действующими системами: принимать нечего."]})
    if accepts and _same_words(values.get("overlap_answer"), request.overlap_explanation):
        raise InvalidInput("Заключение не прошло проверку.", {"overlap_answer": [
            "Приняв объяснение, процессный офис излагает своими словами, почему пересечение допустимо, "
            "а не повторяет слова заявителя."]})
    # Who signs and the number, before the request changes (a query's autoflush would count a version).
    concluded_at = _now()
    signed = people.visa(ctx, "conclusion", None, concluded_at.date())
    number = people.allocate_number(ctx, "conclusion", concluded_at.year)
    request.conclusion, request.conclusion_reasons = values["conclusion"], values["reasons"]
    request.overlap_answer = values.get("overlap_answer")
    request.overlap_accepted = accepts
    request.concluded_by_id, request.concluded_by, request.concluded_at = ctx.actor_id, ctx.actor_name, concluded_at
    request.conclusion_visa, request.conclusion_number = signed, number
    with ctx.session.no_autoflush:  # the checks' queries must not flush half the conclusion: one version
        _store_checks(ctx, request)  # the checklist shows at once whether the overlap still blocks
    request.status = RequestStatus.CONCLUDED.value
    request.needs_review = False
    request.version += 1
    ctx.session.flush()
    _event(ctx, request, Action.UPDATE.value, {
        "status": {"before": RequestStatus.SUBMITTED.value, "after": request.status},
        "conclusion": {"before": None, "after": request.conclusion},
        "conclusion_reasons": {"before": None, "after": request.conclusion_reasons},
        "overlap_accepted": {"before": False, "after": request.overlap_accepted},
        "conclusion_number": {"before": None, "after": request.conclusion_number}})
    ctx.finish()
    return request


@rules.operation("requests.decide")
def decide(ctx: Context, request_id: int, data: dict) -> models.SystemRequest:
    """Approve, reject or return, by the deciding role; never on one's own request or conclusion."""
    request = get_request(ctx, request_id)
    rules.check(ctx, "requests.decide", request)
    _require_version(ctx, request, data.get("version"))
    if request.status == RequestStatus.SUBMITTED.value:
        raise Conflict("Сначала нужно заключение процессного офиса.")
    if request.status != RequestStatus.CONCLUDED.value:
        raise Conflict(f"Решение по заявке в состоянии «{RequestStatus.label_of(request.status)}» не принимается.")
    try:
        values = DecisionSchema().load(data)
    except ValidationError as error:
        raise InvalidInput("Решение не прошло проверку.", validation_messages(error)) from None
    decision = values["decision"]
    if decision != "approved" and not values.get("reasons"):
        raise InvalidInput("Решение не прошло проверку.", {"reasons": ["Отказ и возврат на доработку обосновываются."]})
    if decision == "approved":
        _store_checks(ctx, request)  # the decision sees the catalogue as it is now
        blocked = failing_blocking(request)
        if blocked:
            ctx.session.rollback()
            raise Conflict("Заявку нельзя одобрить: не пройдены обязательные проверки: "
                           + "; ".join(c["name"] for c in blocked) + ".")
        if request.conclusion != "positive":
            raise Conflict("Заявку нельзя одобрить при отрицательном заключении процессного офиса.")
    before = request.status
    request.decision, request.decision_reasons = decision, values.get("reasons")
    request.decided_by, request.decided_at = ctx.actor_name, _now()
    request.status = {"approved": RequestStatus.APPROVED.value, "rejected": RequestStatus.REJECTED.value,
                      "returned": RequestStatus.RETURNED.value}[decision]
    request.version += 1
    ctx.session.flush()
    _event(ctx, request, Action.UPDATE.value, {"status": {"before": before, "after": request.status},
                                               "decision": {"before": None, "after": decision},
                                               "decision_reasons": {"before": None, "after": request.decision_reasons}})
    ctx.finish()
    return request


# -- re-checks when what a request rests on changes


def recheck_changed(ctx: Context) -> list[int]:
    """Re-run the checks of open requests whose processes, passports or datasets changed after their last run."""
    newest = ctx.session.scalar(select(func.max(models.ChangeEvent.id))) or 0
    row = ctx.session.get(models.ProjectionPosition, POSITION)
    if row is None:  # the first run: every open request was checked when it was submitted
        ctx.session.add(models.ProjectionPosition(name=POSITION, last_event_id=newest, updated_at=_now()))
        ctx.finish()
        return []
    if newest <= row.last_event_id:
        return []
    # (kind, id) → when it last changed
    changed: dict[tuple[str, int], datetime] = {}

    def touch(kind, record_id, when):
        if changed.get((kind, record_id)) is None or changed[(kind, record_id)] < when:
            changed[(kind, record_id)] = when

    events = ctx.session.execute(select(models.ChangeEvent.record_kind, models.ChangeEvent.record_id,
                                        models.ChangeEvent.occurred_at)
                                 .where(models.ChangeEvent.id > row.last_event_id, models.ChangeEvent.id <= newest)).all()
    passport_ids = {i: when for kind, i, when in events if kind == "passports"}
    link_ids = {i: when for kind, i, when in events if kind == "links"}
    for kind, record_id, when in events:
        touch(kind, record_id, when)
    if passport_ids:
        for passport_id, process_id in ctx.session.execute(select(models.Passport.id, models.Passport.process_id)
                                                           .where(models.Passport.id.in_(passport_ids))):
            touch("processes", process_id, passport_ids[passport_id])
    if link_ids:
        for link_id, *ends in ctx.session.execute(select(models.Link.id, models.Link.source_kind, models.Link.source_id,
                                                         models.Link.target_kind, models.Link.target_id)
                                                  .where(models.Link.id.in_(link_ids))):
            touch(ends[0], ends[1], link_ids[link_id])
            touch(ends[2], ends[3], link_ids[link_id])
    rechecked = []
    for request in ctx.session.scalars(select(models.SystemRequest).where(
            models.SystemRequest.status.in_(OPEN), models.SystemRequest.deleted_at.is_(None))):
        refs = ([("processes", p.process_id) for p in request.processes]
                + [("datasets", d.dataset_id) for d in request.datasets]
                + ([("systems", request.system_id)] if request.system_id else []))
        last = max((changed[ref] for ref in refs if ref in changed), default=None)
        if last is None or (request.checked_at is not None and _aware(last) <= _aware(request.checked_at)):
            continue
        before = [f"{c['name']}: {CheckResult.label_of(c['result'])}" for c in request.checks]
        _store_checks(ctx, request)
        request.needs_review = True
        request.version += 1
        ctx.session.flush()
        _event(ctx, request, Action.UPDATE.value, {
            "needs_review": {"before": False, "after": True},
            "checks": {"before": before, "after": [f"{c['name']}: {CheckResult.label_of(c['result'])}"
                                                   for c in request.checks]}})
        rechecked.append(request.id)
    row.last_event_id, row.updated_at = max(row.last_event_id, newest), _now()
    ctx.finish()
    return rechecked


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they are UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@rules.operation("requests.recheck")
def recheck(ctx: Context, request_id: int, version: int | None = None) -> models.SystemRequest:
    """Run the checks of one request again (the page, the API, the CLI acting as the system on what it read)."""
    request = get_request(ctx, request_id)
    rules.check(ctx, "requests.recheck", request)
    _require_version(ctx, request, version)
    if request.status not in OPEN:
        raise Conflict("Проверки запускаются у поданных заявок.")
    changed = _store_checks(ctx, request)
    if changed:
        request.needs_review = True
    request.version += 1
    ctx.session.flush()
    _event(ctx, request, Action.UPDATE.value, {"checks": {"before": None, "after": [
        f"{c['name']}: {CheckResult.label_of(c['result'])}" for c in request.checks]}})
    ctx.finish()
    return request


# -- the inbox (issue 16)

CONCLUSION_DAYS = 10  # the regulations set no term for the office's conclusion (Leningrad 8.4): our default
DECISION_DAYS = 10  # nor for the decision: our default


def inbox_items(ctx: Context, user: models.User) -> list[dict]:
    """Conclusions to give on submitted requests and decisions to take on concluded ones, by the rules of
    those actions; due ten working days (our default) after submission or the conclusion."""
    if user is None or not user.is_active:
        return []
    from catalog.services import calendar, entry_dates

    as_user = Context(session=ctx.session, user=user, settings=ctx.settings)
    today = entry_dates.local_day(ctx.settings)
    work = calendar.load(ctx)
    items = []
    for request in ctx.session.scalars(select(models.SystemRequest).where(
            models.SystemRequest.status.in_(OPEN), models.SystemRequest.deleted_at.is_(None))
            .order_by(models.SystemRequest.id)):
        if request.status == RequestStatus.SUBMITTED.value and rules.may(as_user, "requests.conclude", request):
            kind, since, days = "Заявка на систему: дать заключение", request.submitted_at, CONCLUSION_DAYS
        elif request.status == RequestStatus.CONCLUDED.value and rules.may(as_user, "requests.decide", request):
            kind, since, days = "Заявка на систему: принять решение", request.concluded_at, DECISION_DAYS
        else:
            continue
        due = work.add_working_days(entry_dates.local_day(ctx.settings, since), days) if since else None
        items.append({"kind": kind, "title": request.title, "url": f"/requests/{request.id}", "due": due,
                      "overdue": bool(due and due < today), "agency_id": request.agency_id})
    return items
