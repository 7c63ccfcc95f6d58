"""The gate covers every way in: no system created or developed, and no process automated by one,
without an approved request (Samara concept, section 3 tasks 2–4 and 6, section 5 result 10; Leningrad 8.4:
«При принятии решения о создании или развитии государственной информационной системы … осуществляется
оптимизация процессов, подлежащих автоматизации»).

Every way a system or an AUTOMATED_BY link is written (pages, API, CLI, the table, register and RDF
imports, BPMN and OpenLineage) goes through ``catalog.services.records``, which asks
:func:`check_system` and :func:`check_automation` here. Where ``Settings.gate_existing_landscape`` is on
(registering the landscape the region inherits) they let the write through; :func:`outside_rule` then lists it,
«без заключения», with why — the one report of the chief architect (page ``/reports/gate``, API
``/api/v1/reports/gate``, ``catalog check gate``).
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from catalog import models
from catalog.enums import PassportState, RequestStatus, SystemStage
from catalog.services import permissions
from catalog.services.context import Context

# The stages a system reaches only through the gate: Leningrad 8.4 «о создании или развитии».
GATED = (SystemStage.CREATION.value, SystemStage.DEVELOPMENT.value)
NO_CONCLUSION = "без заключения"


def _name_key(text: str | None) -> str:
    return " ".join((text or "").lower().replace("ё", "е").replace("«", "").replace("»", "").replace('"', "").split())


def approved_requests(ctx: Context, system_id: int) -> list[models.SystemRequest]:
    """Approved requests naming the system (its id, given when filed or bound when it was created)."""
    return list(ctx.session.scalars(select(models.SystemRequest).where(
        models.SystemRequest.system_id == system_id, models.SystemRequest.status == RequestStatus.APPROVED.value,
        models.SystemRequest.deleted_at.is_(None)).order_by(models.SystemRequest.id)))


def _request_for_new(ctx: Context, name: str | None) -> models.SystemRequest | None:
    """An approved request to create a system of this name that no system took yet."""
    key = _name_key(name)
    for request in ctx.session.scalars(select(models.SystemRequest).where(
            models.SystemRequest.kind == "create", models.SystemRequest.system_id.is_(None),
            models.SystemRequest.status == RequestStatus.APPROVED.value, models.SystemRequest.deleted_at.is_(None))):
        if key and _name_key(request.new_system_name) == key:
            return request
    return None


def check_system(ctx: Context, values: dict, record: models.InformationSystem | None, errors: dict) -> None:
    """A system saved in «создание» or «развитие», or moved into it, rests on an approved request naming it."""
    stage = values.get("stage", record.stage if record else None)
    moving = stage in GATED and (record is None or ("stage" in values and values["stage"] != record.stage))
    if not moving:
        return  # a legacy system already in the stage stays editable; the report keeps showing it
    if ctx.settings.gate_existing_landscape:
        return  # saved; the gate report shows it «без заключения»
    if record is not None and approved_requests(ctx, record.id):
        return
    if record is None and _request_for_new(ctx, values.get("name")) is not None:
        return
    errors.setdefault("stage", []).append(
        f"Система в стадии «{SystemStage.label_of(stage)}» вносится только по одобренной заявке на "
        f"{'создание' if stage == SystemStage.CREATION.value else 'развитие'} системы, которая её называет "
        "(заключение процессного офиса, Ленинградская область, п. 8.4). Подайте заявку в разделе «Заявки на ГИС».")


def bind_request(ctx: Context, system: models.InformationSystem) -> None:
    """A system created on an approved request to create it: the request names it from now on."""
    if system.stage not in GATED:
        return
    request = _request_for_new(ctx, system.name)
    if request is not None:
        request.system_id = system.id


def covering_request(ctx: Context, system_id: int, process_id: int) -> models.SystemRequest | None:
    for request in approved_requests(ctx, system_id):
        if any(rp.process_id == process_id for rp in request.processes):
            return request
    return None


def check_automation(ctx: Context, merged: dict, errors: dict) -> None:
    """AUTOMATED_BY to a system in «создание»/«развитие» needs an approved request covering the process."""
    if merged.get("link_type") != "AUTOMATED_BY" or merged.get("target_kind") != "systems" \
            or merged.get("source_kind") != "processes":
        return
    system = ctx.session.get(models.InformationSystem, merged.get("target_id"))
    process = ctx.session.get(models.Process, merged.get("source_id"))
    if system is None or process is None or system.stage not in GATED:
        return
    if ctx.settings.gate_existing_landscape or covering_request(ctx, system.id, process.id) is not None:
        return
    errors.setdefault("target_id", []).append(
        f"Система «{system.short_name or system.name}» в стадии «{SystemStage.label_of(system.stage)}»: "
        f"процесс «{process.name}» автоматизируется ею только по одобренной заявке, в которой он указан "
        "(Самарская концепция, раздел 3, задача 2: исключить автоматизацию неоптимизированных процессов).")


# The gate's «optimised»: the two kinds of a status's evidence that say a process was optimised.
OPTIMISED_BY = frozenset({"approved_to_be", "post_monitoring"})


def optimised_processes(ctx: Context, process_ids, evidence: dict | None = None) -> set[int]:
    """Processes with an approved TO-BE or an optimisation project in post-monitoring (the gate's «optimised»),
    read as the status evidence reads them (``evidence.evidence_of``), or from that ``evidence`` when the caller
    holds it (a process's page reads it once for the gate and for its status)."""
    from catalog.services import evidence as status_evidence

    ids = list(process_ids)
    has = evidence if evidence is not None else status_evidence.evidence_of(ctx, ids)
    return {i for i in ids if has.get(i, set()) & OPTIMISED_BY}


# -- the report


def outside_rule(ctx: Context, process_id: int | None = None, evidence: dict | None = None) -> list[dict]:
    """Every system and automation link that stands outside the rule, with why.

    Each item: ``kind`` («Система» / «Связь автоматизации»), ``what`` (``systems`` | ``links``), ``id``,
    ``title``, ``url``, ``why`` (a Russian sentence), ``flag`` (``no_conclusion`` | ``unoptimised``),
    ``agency_id``, and ``system``/``process`` (the records). With ``process_id``: only that process's links;
    ``evidence``: the processes' evidence when the caller holds it (``optimised_processes``).
    """
    permissions.require_read(ctx)
    items: list[dict] = []
    link = models.Link
    rows = ctx.session.execute(select(link, models.Process).join(
        models.Process, (link.source_kind == "processes") & (link.source_id == models.Process.id)).where(
        link.link_type == "AUTOMATED_BY", link.target_kind == "systems", link.deleted_at.is_(None),
        models.Process.deleted_at.is_(None), *([models.Process.id == process_id] if process_id else []))
        .order_by(link.id)).all()
    # A process's page reads only the systems automating it, not the region's every system.
    system_query = select(models.InformationSystem).where(models.InformationSystem.deleted_at.is_(None))
    request_query = select(models.SystemRequest).where(
        models.SystemRequest.status == RequestStatus.APPROVED.value, models.SystemRequest.deleted_at.is_(None),
        models.SystemRequest.system_id.is_not(None))
    if process_id is not None:
        automating = {row.target_id for row, _ in rows}
        system_query = system_query.where(models.InformationSystem.id.in_(automating))
        request_query = request_query.where(models.SystemRequest.system_id.in_(automating))
    systems = {s.id: s for s in ctx.session.scalars(system_query)}
    approved: dict[int, list[models.SystemRequest]] = defaultdict(list)
    for request in ctx.session.scalars(request_query):
        approved[request.system_id].append(request)
    for system in sorted(systems.values(), key=lambda s: s.id) if process_id is None else ():
        if system.stage in GATED and not approved[system.id]:
            items.append({
                "kind": "Система", "what": "systems", "id": system.id, "title": system.name,
                "url": f"/systems/{system.id}", "flag": "no_conclusion", "agency_id": system.operator_agency_id,
                "system": system, "process": None,
                "why": f"{NO_CONCLUSION.capitalize()}: стадия «{SystemStage.label_of(system.stage)}», но нет одобренной "
                       "заявки на создание или развитие, которая называет систему."})
    optimised = optimised_processes(ctx, {p.id for _, p in rows}, evidence)
    for row, process in rows:
        system = systems.get(row.target_id)
        if system is None:
            continue
        name = system.short_name or system.name
        base = {"kind": "Связь автоматизации", "what": "links", "id": row.id,
                "title": f"«{process.name}» → «{name}»", "url": f"/links/{row.id}", "agency_id": process.agency_id,
                "system": system, "process": process}
        if system.stage in GATED:
            covered = any(rp.process_id == process.id for r in approved[system.id] for rp in r.processes)
            if not covered:
                items.append({**base, "flag": "no_conclusion",
                              "why": f"{NO_CONCLUSION.capitalize()}: система в стадии «{SystemStage.label_of(system.stage)}», "
                                     "а одобренной заявки, в которой указан этот процесс, нет."})
                continue
        if process.id not in optimised and system.stage != SystemStage.DECOMMISSIONING.value:
            items.append({**base, "flag": "unoptimised",
                          "why": "Процесс не оптимизирован: нет утверждённого паспорта TO-BE и проекта оптимизации "
                                 "на этапе постмониторинга, а система его уже автоматизирует."})
    return items


def outside_rule_counts(ctx: Context, agency_id: int | None = None) -> dict[str, int]:
    """How many systems and automation links :func:`outside_rule` lists (``systems``, ``links``), of the
    region or of one agency (a system's operator, a link's process owner), counted by the database: the
    dashboard's figures at the size of a region, where building every item took seconds. The same rule,
    statement for statement; ``tests/test_gate.py`` holds the two equal."""
    from sqlalchemy import and_, func, not_, or_

    from catalog.services.requests import finished_projects

    permissions.require_read(ctx)
    system, request, link, process = models.InformationSystem, models.SystemRequest, models.Link, models.Process
    approved = (request.status == RequestStatus.APPROVED.value, request.deleted_at.is_(None),
                request.system_id == system.id)
    systems = select(func.count()).select_from(system).where(
        system.deleted_at.is_(None), system.stage.in_(GATED), ~select(request.id).where(*approved).exists())
    if agency_id is not None:
        systems = systems.where(system.operator_agency_id == agency_id)
    covered = select(models.RequestProcess.id).join(request, request.id == models.RequestProcess.request_id).where(
        *approved, models.RequestProcess.process_id == process.id).exists()
    projects = set(ctx.session.scalars(select(models.OptimizationProject.process_id).where(
        models.OptimizationProject.deleted_at.is_(None))))
    optimised = or_(select(models.Passport.id).where(
        models.Passport.process_id == process.id, models.Passport.variant == "to_be",
        models.Passport.state == PassportState.APPROVED.value, models.Passport.deleted_at.is_(None)).exists(),
        process.id.in_(finished_projects(ctx, list(projects)) or [-1]))
    links = select(func.count()).select_from(link).join(
        process, (link.source_kind == "processes") & (link.source_id == process.id)).join(
        system, link.target_id == system.id).where(
        link.link_type == "AUTOMATED_BY", link.target_kind == "systems", link.deleted_at.is_(None),
        process.deleted_at.is_(None), system.deleted_at.is_(None),
        or_(and_(system.stage.in_(GATED), ~covered),
            and_(or_(system.stage.not_in(GATED), covered), not_(optimised),
                 system.stage != SystemStage.DECOMMISSIONING.value)))
    if agency_id is not None:
        links = links.where(process.agency_id == agency_id)
    return {"systems": ctx.session.scalar(systems) or 0, "links": ctx.session.scalar(links) or 0}


def system_flag(ctx: Context, system: models.InformationSystem) -> str | None:
    """The sentence a system's page shows when it stands outside the rule."""
    if system.stage in GATED and not approved_requests(ctx, system.id):
        return (f"{NO_CONCLUSION.capitalize()}: система в стадии «{SystemStage.label_of(system.stage)}» внесена без "
                "одобренной заявки на создание или развитие.")
    return None


def process_flags(ctx: Context, process: models.Process, evidence: dict | None = None) -> list[str]:
    """What a process's page shows of the gate: systems automating it outside the rule."""
    return [item["why"].rstrip(".") + f" (система «{item['system'].short_name or item['system'].name}»)."
            for item in outside_rule(ctx, process.id, evidence)]


def counts(items: list[dict]) -> dict:
    found = {"systems": 0, "links": 0, "no_conclusion": 0, "unoptimised": 0}
    for item in items:
        found[item["what"]] += 1
        found[item["flag"]] += 1
    return found


def inbox_items(ctx: Context, user) -> list[dict]:
    """The process office's inbox source (issue 16): systems and automation links «без заключения» (issue 17:
    «flagged … in the inbox of the process office»). Automation of a process not yet optimised is allowed
    and shown on the process and in the report, but asks nobody to act, so it stays out of the inbox."""
    from catalog.enums import Role

    if user is None or not user.has_role(Role.PROCESS_OFFICE.value):
        return []
    return [{"kind": "Система без заключения" if item["what"] == "systems" else "Автоматизация вне правила",
             "title": f"{item['title']}: {item['why']}", "url": item["url"], "due": None, "overdue": False,
             "agency_id": item["agency_id"]} for item in outside_rule(ctx) if item["flag"] == "no_conclusion"]


__all__ = ["GATED", "approved_requests", "bind_request", "check_automation", "check_system", "counts",
           "covering_request", "inbox_items", "OPTIMISED_BY", "optimised_processes", "outside_rule", "process_flags", "system_flag"]
