"""Statuses need evidence.

The statuses are the Kemerovo register rules' 2.1 «и» («в очереди на исследование; идет исследование;
в очереди на реинжиниринг; проходит реинжиниринг; прошел реинжиниринг; отправлен на сертификацию;
сертифицирован»); the project stages Leningrad 4.1 («инициирование; разработка оптимизационных
решений; внедрение оптимизационных решений; постмониторинг процесса»). What each status rests on is
``Settings.status_evidence`` (by default: «проходит реинжиниринг» a running optimisation project,
«прошел реинжиниринг» an approved TO-BE or a project in post-monitoring, «отправлен на сертификацию»
a certification record, «сертифицирован» a certificate — who certified, when, the document).

A person changing a status on a page or through the API needs its evidence (:func:`check_status`,
asked by ``catalog.services.records``). A file the agency declares (register, RDF) and the loaders run
on the server keep the status as declared; :func:`status_problems` then lists it «не подтверждён» until
the evidence exists. A project's stage moves the process's status where the two would disagree
(:func:`follow_project`), recorded in the status history with the project as the reason.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from marshmallow import ValidationError
from sqlalchemy import select

from catalog import models
from catalog.enums import Action, PassportState, ProcessStatus, ProjectStage
from catalog.errors import InvalidInput
from catalog.schemas import CertificationSchema, validation_messages
from catalog.services import history, permissions, rules
from catalog.services.context import Context
from catalog.services.versions import check_version

KIND = "certifications"  # record_kind of their change events
UNCONFIRMED = "не подтверждён"
EVIDENCE_LABELS = {
    "running_project": "идущий проект оптимизации (этап разработки или внедрения решений)",
    "approved_to_be": "утверждённый паспорт TO-BE",
    "post_monitoring": "проект оптимизации на этапе постмониторинга",
    "certification": "запись об отправке на сертификацию",
    "certificate": "сертификат: кто сертифицировал, когда и каким документом",
}
RUNNING = (ProjectStage.DEVELOPMENT.value, ProjectStage.IMPLEMENTATION.value)


def _today() -> date:
    from catalog.services.entry_dates import catalogue_today

    return catalogue_today()


def declared(ctx: Context) -> bool:
    """A file the agency declares (register, RDF) or a loader on the server: statuses are kept as given."""
    return bool(getattr(ctx, "declared", False)) or ctx.is_system


def evidence_of(ctx: Context, process_ids, today: date | None = None) -> dict[int, set[str]]:
    """The kinds of evidence each process has now."""
    from catalog.services.projects import current_stage

    ids = list(process_ids)
    found: dict[int, set[str]] = defaultdict(set)
    if not ids:
        return found
    for process_id in ctx.session.scalars(select(models.Passport.process_id).where(
            models.Passport.process_id.in_(ids), models.Passport.variant == "to_be",
            models.Passport.state == PassportState.APPROVED.value, models.Passport.deleted_at.is_(None))):
        found[process_id].add("approved_to_be")
    for project in ctx.session.scalars(select(models.OptimizationProject).where(
            models.OptimizationProject.process_id.in_(ids), models.OptimizationProject.deleted_at.is_(None))):
        stage = current_stage(project, today)
        if stage in RUNNING:
            found[project.process_id].add("running_project")
        elif stage == ProjectStage.POST_MONITORING.value:
            found[project.process_id].add("post_monitoring")
    for certification in ctx.session.scalars(select(models.Certification).where(
            models.Certification.process_id.in_(ids), models.Certification.deleted_at.is_(None))):
        found[certification.process_id].add("certification")
        if certification.is_certified:
            found[certification.process_id].add("certificate")
    return found


def unconfirmed_count(ctx: Context, agency_id: int | None = None, today: date | None = None) -> int:
    """How many processes :func:`status_problems` calls «не подтверждён», counted by the database (the
    dashboard's figure; the list builds every process). Projects are read whole: their stage follows the
    calendar, and a region has a few hundred of them."""
    from sqlalchemy import func, not_, or_

    from catalog.services.projects import current_stage

    permissions.require_read(ctx)
    process = models.Process
    by_project: dict[str, set[int]] = defaultdict(set)
    for project in ctx.session.scalars(select(models.OptimizationProject).where(
            models.OptimizationProject.deleted_at.is_(None))):
        stage = current_stage(project, today)
        if stage in RUNNING:
            by_project["running_project"].add(project.process_id)
        elif stage == ProjectStage.POST_MONITORING.value:
            by_project["post_monitoring"].add(project.process_id)
    certified = (models.Certification.process_id == process.id, models.Certification.deleted_at.is_(None))
    proofs = {
        "approved_to_be": select(models.Passport.id).where(
            models.Passport.process_id == process.id, models.Passport.variant == "to_be",
            models.Passport.state == PassportState.APPROVED.value, models.Passport.deleted_at.is_(None)).exists(),
        "certification": select(models.Certification.id).where(*certified).exists(),
        # Certification.is_certified: a date, a certifier and a document.
        "certificate": select(models.Certification.id).where(
            *certified, models.Certification.certified_on.is_not(None),
            func.coalesce(models.Certification.certifier, "") != "",
            func.coalesce(models.Certification.document, "") != "").exists(),
    }
    total = 0
    for status, needed in ctx.settings.status_evidence.items():
        if not needed:
            continue
        has_any = [proofs[kind] if kind in proofs else process.id.in_(by_project[kind] or [-1]) for kind in needed]
        query = select(func.count()).select_from(process).where(
            process.deleted_at.is_(None), process.status == status, not_(or_(*has_any)))
        if agency_id is not None:
            query = query.where(process.agency_id == agency_id)
        total += ctx.session.scalar(query) or 0
    return total


def required_for(ctx: Context, status: str) -> tuple[str, ...]:
    return tuple(ctx.settings.status_evidence.get(status, ()))


def lacking(ctx: Context, status: str, has: set[str]) -> str | None:
    """What a status lacks («идущий проект оптимизации …»), or None when its evidence is there."""
    needed = required_for(ctx, status)
    if not needed or has & set(needed):
        return None
    return " или ".join(EVIDENCE_LABELS.get(k, k) for k in needed)


def missing(ctx: Context, status: str, has: set[str]) -> str | None:
    """The sentence saying what a status lacks, or None when its evidence is there."""
    what = lacking(ctx, status, has)
    return f"Статус «{ProcessStatus.label_of(status)}» требует: {what}." if what else None


def check_status(ctx: Context, process: models.Process | None, status: str, errors: dict) -> None:
    """A person moving a process to a status needs its evidence; declared files and loaders do not."""
    if declared(ctx) or not required_for(ctx, status):
        return
    has = evidence_of(ctx, [process.id])[process.id] if process is not None else set()
    sentence = missing(ctx, status, has)
    if sentence:
        errors.setdefault("status", []).append(sentence)


def status_flag(ctx: Context, process: models.Process, has: set[str] | None = None) -> str | None:
    """«не подтверждён: …» for a process page, the register export and reports; None when confirmed.
    ``has``: the process's evidence (``evidence_of``) when the caller holds it."""
    what = lacking(ctx, process.status, has if has is not None else evidence_of(ctx, [process.id])[process.id])
    return f"{UNCONFIRMED}: требуется {what}." if what else None


def unconfirmed_ids(ctx: Context, statuses: dict[int, str]) -> dict[int, str]:
    """{process id: why} of the processes (id → status) whose status lacks its evidence (one query per kind
    of evidence). Only those whose status needs evidence are asked for it: a reindex asks this of every process."""
    needing = [i for i, status in statuses.items() if required_for(ctx, status)]
    has = evidence_of(ctx, needing)
    return {i: f"требуется {why}" for i in needing if (why := lacking(ctx, statuses[i], has[i]))}


def expected_status(stage: str, status: str, refused: bool = False) -> str | None:
    """The status a project's stage implies, when the present one disagrees with it; None when they agree.

    Initiation: the process waits for reengineering (at least «в очереди на реинжиниринг»); development
    and implementation: «проходит реинжиниринг»; post-monitoring: at least «прошел реинжиниринг»."""
    rank = ProcessStatus(status).rank
    if stage == ProjectStage.INITIATION.value:
        if refused or rank >= ProcessStatus.QUEUED_REENGINEERING.rank:
            return None
        return ProcessStatus.QUEUED_REENGINEERING.value
    if stage in RUNNING:
        return None if status == ProcessStatus.REENGINEERING.value else ProcessStatus.REENGINEERING.value
    if rank < ProcessStatus.REENGINEERED.rank:
        return ProcessStatus.REENGINEERED.value
    return None


def _project_expectation(project: models.OptimizationProject, today: date | None = None) -> str | None:
    from catalog.enums import ApplicationDecision
    from catalog.services.projects import current_stage

    if project.is_deleted or project.process is None or project.process.is_deleted:
        return None
    refused = project.application_decision == ApplicationDecision.REFUSED.value
    return expected_status(current_stage(project, today), project.process.status, refused)


def _move(ctx: Context, process: models.Process, status: str, reason: str) -> None:
    before = process.status
    process.status = status
    process.version += 1
    process.updated_at = datetime.now(UTC)
    ctx.session.add(models.StatusTransition(process_id=process.id, from_status=before, to_status=status,
                                            actor_id=ctx.actor_id, actor_name=ctx.actor_name, reason=reason))
    ctx.session.flush()
    history.append_event(ctx, "processes", process, Action.UPDATE.value, {
        "status": {"before": before, "after": status}, "status_reason": {"before": None, "after": reason}})


def _reason(project: models.OptimizationProject, today: date | None = None) -> str:
    from catalog.services.projects import current_stage

    return (f"Проект оптимизации № {project.id}: этап «{ProjectStage.label_of(current_stage(project, today))}»")


def follow_project(ctx: Context, project: models.OptimizationProject) -> str | None:
    """Part of every write of a project (its rule checked there): the process's status follows the stage.

    Returns the status moved to, or None."""
    target = _project_expectation(project)
    if target is None:
        return None
    _move(ctx, project.process, target, _reason(project))
    return target


def status_problems(ctx: Context, agency_id: int | None = None, today: date | None = None) -> list[dict]:
    """Every process whose status and evidence disagree: unconfirmed statuses and projects whose stage
    implies another status. Each: process, status, problem (``unconfirmed`` | ``project``), why, expected."""
    from catalog.services.projects import current_stage

    permissions.require_read(ctx)
    query = select(models.Process).where(models.Process.deleted_at.is_(None))
    if agency_id is not None:
        query = query.where(models.Process.agency_id == agency_id)
    processes = {p.id: p for p in ctx.session.scalars(query.order_by(models.Process.agency_id, models.Process.registry_id))}
    has = evidence_of(ctx, processes, today)
    out = []
    projects = defaultdict(list)
    for project in ctx.session.scalars(select(models.OptimizationProject).where(
            models.OptimizationProject.deleted_at.is_(None)).order_by(models.OptimizationProject.id)):
        if project.process_id in processes:
            projects[project.process_id].append(project)
    for process in processes.values():
        row = {"process": process, "process_id": process.id, "registry_id": process.registry_id,
               "name": process.name, "agency_id": process.agency_id, "status": process.status,
               "status_label": ProcessStatus.label_of(process.status)}
        why = lacking(ctx, process.status, has[process.id])
        if why:
            out.append({**row, "problem": "unconfirmed", "why": f"{UNCONFIRMED.capitalize()}: требуется {why}.",
                        "expected_status": None})
        for project in projects[process.id]:
            target = _project_expectation(project, today)
            if target:
                out.append({**row, "problem": "project", "expected_status": target,
                            "why": f"Проект оптимизации № {project.id} на этапе "
                                   f"«{ProjectStage.label_of(current_stage(project, today))}», а статус — "
                                   f"«{ProcessStatus.label_of(process.status)}»: должен быть "
                                   f"«{ProcessStatus.label_of(target)}»."})
    return out


@rules.operation("processes.follow_projects")
def follow_projects(ctx: Context) -> list[tuple[int, str, str]]:
    """Move every process whose project's stage implies another status (``catalog check statuses --apply``):
    stages change with the calendar too, not only when a project is written."""
    rules.check(ctx, "processes.follow_projects")
    moved = []
    for project in ctx.session.scalars(select(models.OptimizationProject).where(
            models.OptimizationProject.deleted_at.is_(None)).order_by(models.OptimizationProject.id)):
        before = project.process.status
        target = _project_expectation(project)
        if target:
            _move(ctx, project.process, target, _reason(project))
            moved.append((project.process_id, before, target))
    ctx.finish()
    return moved


# -- certification records


def list_certifications(ctx: Context, process_id: int) -> list[models.Certification]:
    permissions.require_read(ctx)
    return list(ctx.session.scalars(select(models.Certification).where(
        models.Certification.process_id == process_id, models.Certification.deleted_at.is_(None))
        .order_by(models.Certification.sent_on, models.Certification.id)))


def get_certification(ctx: Context, certification_id: int) -> models.Certification:
    permissions.require_read(ctx)
    return ctx.get(models.Certification, certification_id, f"Запись о сертификации № {certification_id} не найдена.")


def _load(data: dict, partial: bool = False) -> dict:
    try:
        values = CertificationSchema(partial=partial).load(data)
    except ValidationError as error:
        raise InvalidInput("Запись о сертификации не прошла проверку.", validation_messages(error)) from None
    return values


def _check(values: dict) -> None:
    """Certified means who, when and the document, together; and not before it was sent."""
    errors: dict[str, list[str]] = {}
    given = {k: values.get(k) for k in ("certifier", "certified_on", "document")}
    if any(given.values()) and not all(given.values()):
        for name, value in given.items():
            if not value:
                errors[name] = ["Для сертификата укажите, кто сертифицировал, когда и каким документом."]
    if values.get("certified_on") and values.get("sent_on") and values["certified_on"] < values["sent_on"]:
        errors.setdefault("certified_on", []).append("Сертификат не может быть выдан раньше отправки на сертификацию.")
    for name in ("sent_on", "certified_on"):
        if values.get(name) and values[name] > _today():
            errors.setdefault(name, []).append("Дата не может быть в будущем.")
    if errors:
        raise InvalidInput("Запись о сертификации не прошла проверку.", errors)


def _snapshot(record: models.Certification) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (
        (name, getattr(record, name)) for name in ("process_id", "sent_on", "certifier", "certified_on", "document",
                                                    "document_url", "note"))}


@rules.operation("certifications.record")
def record_certification(ctx: Context, process_id: int, data: dict) -> models.Certification:
    """Record that a process was sent to certification (and, when known, its certificate)."""
    process = ctx.get(models.Process, process_id, f"Процесс № {process_id} не найден.")
    rules.check(ctx, "certifications.record", process)
    values = _load(data)
    values.pop("version", None)
    _check(values)
    record = models.Certification(process_id=process.id, version=1, recorded_by=ctx.actor_name, **values)
    ctx.session.add(record)
    ctx.session.flush()
    history.append_event(ctx, KIND, record, Action.CREATE.value, history.diff({}, _snapshot(record)))
    ctx.finish()
    return record


@rules.operation("certifications.record")
def update_certification(ctx: Context, certification_id: int, data: dict) -> models.Certification:
    """Add the certificate to a record of sending, or correct it; carries the version it was made against."""
    record = get_certification(ctx, certification_id)
    rules.check(ctx, "certifications.record", record.process)
    values = _load(data, partial=True)
    check_version(ctx, KIND, record, values.pop("version", None), "Запись о сертификации изменена")
    _check({**_snapshot_values(record), **values})
    before = _snapshot(record)
    for name, value in values.items():
        setattr(record, name, value)
    record.version += 1
    record.updated_at = datetime.now(UTC)
    ctx.session.flush()
    history.append_event(ctx, KIND, record, Action.UPDATE.value, history.diff(before, _snapshot(record)))
    ctx.finish()
    return record


def _snapshot_values(record: models.Certification) -> dict:
    return {name: getattr(record, name) for name in ("sent_on", "certifier", "certified_on", "document")}


@rules.operation("certifications.record")
def delete_certification(ctx: Context, certification_id: int, version: int | None = None) -> models.Certification:
    """Soft deletion: a process that rested on it shows its status «не подтверждён» again."""
    record = get_certification(ctx, certification_id)
    rules.check(ctx, "certifications.record", record.process)
    check_version(ctx, KIND, record, version, "Запись о сертификации изменена")
    record.deleted_at = datetime.now(UTC)
    record.version += 1
    ctx.session.flush()
    history.append_event(ctx, KIND, record, Action.DELETE.value, {"deleted_at": {"before": None, "after": "удалена"}})
    ctx.finish()
    return record


def inbox_items(ctx: Context, user) -> list[dict]:
    """The process office's attention (issue 16 inbox source): statuses without evidence, and
    processes whose project's stage implies another status."""
    from catalog.enums import Role

    if user is None or not (user.has_role(Role.PROCESS_OFFICE.value) or user.has_role(Role.ADMIN.value)):
        return []
    return [{"kind": "Статус не подтверждён" if row["problem"] == "unconfirmed" else "Статус расходится с проектом",
             "title": f"{row['registry_id']} {row['name']}: {row['why']}", "url": f"/processes/{row['process_id']}",
             "due": None, "overdue": False, "agency_id": row["agency_id"]} for row in status_problems(ctx)]
