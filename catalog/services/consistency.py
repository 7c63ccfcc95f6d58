"""The register's own rules: one function per rule, asked on every save and for the data already stored.

``check(ctx, kind, values, record, errors)`` runs the rules of a kind before a record is written
(pages, API, imports and the RDF loader all save through ``catalog.services.records``), each
adding a Russian message under the field it concerns. ``violations(ctx)`` asks the same rules of
every live record, for ``catalog validate`` and the reports: records saved before a rule existed
(or loaded by the demo loader, which writes rows directly) are kept and listed, never refused.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from catalog import models
from catalog.formatting import counted, day
from catalog.enums import Channel, MartQuality, MartStage
from catalog.services import permissions
from catalog.services.context import Context

# Samara concept, section 3 п. 12 and section 5 п. 13: the owner of a mart in operation names the
# official personally answerable for the completeness, accuracy and timeliness of its data.
MART_QUALITY_FIELDS = {
    "quality_responsible_id": "ответственный за качество данных",
    "completeness": "полнота",
    "accuracy": "достоверность",
    "timeliness": "актуальность",
    "quality_checked_on": "дата последней проверки качества",
}


def _merged(values: dict, record, names) -> dict:
    return {name: values[name] if name in values else getattr(record, name, None) for name in names}


# --- data marts ----------------------------------------------------------------


def mart_missing_quality(mart: dict) -> list[str]:
    """Fields a mart in operation lacks (all of them are required in operation)."""
    if (mart.get("stage") or MartStage.DESIGN.value) != MartStage.OPERATION.value:
        return []
    return [name for name in MART_QUALITY_FIELDS if mart.get(name) is None]


def mart_official_outside(ctx: Context, mart: dict) -> models.Person | None:
    """The responsible official when they are not a person of the owning agency."""
    person_id, agency_id = mart.get("quality_responsible_id"), mart.get("owner_agency_id")
    if person_id is None or agency_id is None:
        return None
    person = ctx.session.get(models.Person, person_id)
    return person if person is not None and person.agency_id != agency_id else None


def check_mart(ctx: Context, values: dict, record: models.DataMart | None, errors: dict) -> None:
    if "stage" in values and values["stage"] is None:
        values["stage"] = MartStage.DESIGN.value  # a cleared stage means not yet serving data
    mart = _merged(values, record, ["stage", "owner_agency_id", *MART_QUALITY_FIELDS])
    for name in mart_missing_quality(mart):
        errors.setdefault(name, []).append(
            f"Витрина в эксплуатации: обязательно поле «{MART_QUALITY_FIELDS[name]}» "
            "(обладатель отвечает за полноту, достоверность и актуальность данных).")
    outsider = mart_official_outside(ctx, mart)
    if outsider is not None:
        errors.setdefault("quality_responsible_id", []).append(
            f"Ответственный за качество данных должен быть сотрудником органа — обладателя витрины; "
            f"{outsider.full_name} работает в другом органе.")
    checked = mart.get("quality_checked_on")
    if checked is not None and checked > date.today():
        errors.setdefault("quality_checked_on", []).append("Дата проверки качества не может быть в будущем.")


def mart_quality(settings, mart, today: date | None = None) -> str | None:
    """How the declared quality of a mart in operation stands: checked, stale or missing (None
    for a mart not in operation)."""
    if getattr(mart, "stage", None) != MartStage.OPERATION.value:
        return None
    if any(getattr(mart, name, None) is None for name in MART_QUALITY_FIELDS):
        return MartQuality.MISSING.value
    term = timedelta(days=settings.mart_quality_term_days)
    if mart.quality_checked_on < (today or date.today()) - term:
        return MartQuality.STALE.value
    return MartQuality.CHECKED.value


@dataclass
class Consumer:
    """Who takes data from a mart and what: a process (directly or through an exposed dataset),
    or a system that automates such a process."""

    kind: str
    id: int
    title: str
    takes: list[str]
    via: str | None = None  # for a system: the processes it takes the data for


def mart_consumers(ctx: Context, mart_id: int) -> list[Consumer]:
    permissions.require_read(ctx)
    link = models.Link
    live = link.deleted_at.is_(None)
    mart = ctx.get(models.DataMart, mart_id, f"Витрина данных № {mart_id} не найдена.", deleted=True)
    exposed = list(ctx.session.execute(select(link.target_kind, link.target_id).where(
        live, link.link_type == "EXPOSES", link.source_kind == "marts", link.source_id == mart_id)))
    names = {}
    for kind, model in (("datasets", models.Dataset), ("entities", models.Entity)):
        ids = [i for k, i in exposed if k == kind]
        if ids:
            names.update({(kind, i): n for i, n in ctx.session.execute(
                select(model.id, model.name).where(model.id.in_(ids)))})
    takes: dict[int, list[str]] = defaultdict(list)
    for process_id, description in ctx.session.execute(select(link.source_id, link.description).where(
            live, link.link_type == "CONSUMES", link.source_kind == "processes",
            link.target_kind == "marts", link.target_id == mart_id)):
        takes[process_id].append(description or f"сведения витрины «{mart.name}»")
    for target_kind, target_id in exposed:
        for (process_id,) in ctx.session.execute(select(link.source_id).where(
                live, link.link_type == "CONSUMES", link.source_kind == "processes",
                link.target_kind == target_kind, link.target_id == target_id)):
            takes[process_id].append(names.get((target_kind, target_id), f"№ {target_id}"))
    if not takes:
        return []
    processes = {p.id: p for p in ctx.session.scalars(select(models.Process).where(
        models.Process.id.in_(list(takes)), models.Process.deleted_at.is_(None)))}
    found = [Consumer("processes", p.id, p.name, sorted(set(takes[p.id]))) for p in processes.values()]
    by_system: dict[int, set[str]] = defaultdict(set)
    via: dict[int, list[str]] = defaultdict(list)
    for process_id, system_id in ctx.session.execute(select(link.source_id, link.target_id).where(
            live, link.link_type == "AUTOMATED_BY", link.source_kind == "processes",
            link.source_id.in_(list(processes)))):
        by_system[system_id].update(takes[process_id])
        via[system_id].append(processes[process_id].name)
    if by_system:
        for system in ctx.session.scalars(select(models.InformationSystem).where(
                models.InformationSystem.id.in_(list(by_system)), models.InformationSystem.deleted_at.is_(None))):
            found.append(Consumer("systems", system.id, system.short_name or system.name,
                                  sorted(by_system[system.id]), "; ".join(sorted(via[system.id]))))
    found.sort(key=lambda c: (c.kind != "processes", c.title))
    return found


# --- processes -----------------------------------------------------------------


def check_process_group(ctx: Context, process: dict) -> str | None:
    """A process of a typical process belongs to that typical process's group."""
    typical_id = process.get("typical_process_id")
    if typical_id is None:
        return None
    typical = ctx.session.get(models.TypicalProcess, typical_id)
    if typical is None or typical.group_id is None or process.get("group_id") == typical.group_id:
        return None
    group = ctx.session.get(models.ProcessGroup, typical.group_id)
    return (f"Группа процесса должна совпадать с группой его типового процесса «{typical.name}»: "
            f"«{group.name if group else typical.group_id}».")


def check_responsible_agency(ctx: Context, process: dict) -> str | None:
    """The responsible person is a person of the owning agency (Kemerovo 2.1 «е»)."""
    person_id, agency_id = process.get("responsible_id"), process.get("agency_id")
    if person_id is None or agency_id is None:
        return None
    person = ctx.session.get(models.Person, person_id)
    if person is None or person.agency_id == agency_id:
        return None
    return f"Ответственный за процесс должен быть сотрудником органа — владельца процесса; {person.full_name} работает в другом органе."


def check_digital_channel(process: dict) -> str | None:
    """Kemerovo 1.1: «цифровые точки – официальные сайты (порталы), мобильные приложения, социальные
    сети, мессенджеры, чат-боты, голосовые помощники, колл-центры». A process placed at any of them
    is digital."""
    channels = process.get("channels") or []
    if not channels or process.get("is_digital"):
        return None
    labels = ", ".join(Channel.label_of(c) or c for c in channels)
    return f"Процесс размещён в цифровых точках ({labels}): отметьте его как цифровой."


PROCESS_FIELDS = ("agency_id", "typical_process_id", "group_id", "responsible_id", "channels", "is_digital")


def check_process(ctx: Context, values: dict, record: models.Process | None, errors: dict) -> None:
    process = _merged(values, record, PROCESS_FIELDS)
    touched = set(values)
    # Only the rules whose fields this change touches: an edit of a name does not refuse a record
    # for an old inconsistency (`catalog validate` lists those).
    if touched & {"typical_process_id", "group_id"} and (message := check_process_group(ctx, process)):
        errors.setdefault("group_id", []).append(message)
    if touched & {"responsible_id", "agency_id"} and (message := check_responsible_agency(ctx, process)):
        errors.setdefault("responsible_id", []).append(message)
    if touched & {"channels", "is_digital"} and (message := check_digital_channel(process)):
        errors.setdefault("is_digital", []).append(message)


# Leningrad 2.5: internal consumers are executive bodies, their subordinate institutions, their units and
# workers; 2.6: external ones are everyone else (people, companies, other authorities, municipalities).
INTERNAL_AGENCY_KINDS = frozenset({"executive", "subordinate"})


def check_consumer(ctx: Context, values: dict, record: models.ProcessConsumer | None, errors: dict) -> None:
    consumer = _merged(values, record, ("scope", "agency_id", "applicant_category", "unit", "description"))
    agency = ctx.session.get(models.Agency, consumer["agency_id"]) if consumer.get("agency_id") else None
    if consumer.get("scope") == "internal":
        if agency is None:
            errors.setdefault("agency_id", []).append(
                "Внутренний потребитель — орган исполнительной власти или подведомственное учреждение: укажите его.")
        elif agency.kind not in INTERNAL_AGENCY_KINDS:
            errors.setdefault("scope", []).append(
                f"«{agency.name}» не орган исполнительной власти и не подведомственное учреждение: "
                "это внешний потребитель (Ленинградская область, 2.6).")
        if consumer.get("applicant_category"):
            errors.setdefault("applicant_category", []).append("Категория заявителей — только у внешнего потребителя.")
    elif consumer.get("scope") == "external":
        if agency is not None and agency.kind in INTERNAL_AGENCY_KINDS:
            errors.setdefault("scope", []).append(
                f"«{agency.name}» — орган исполнительной власти или подведомственное учреждение: это внутренний "
                "потребитель (Ленинградская область, 2.5).")
        if agency is None and not consumer.get("applicant_category") and not consumer.get("description"):
            errors.setdefault("applicant_category", []).append(
                "Укажите категорию заявителей, орган или опишите внешнего потребителя.")


CHECKS = {"marts": check_mart, "processes": check_process, "process-consumers": check_consumer}


def check(ctx: Context, kind_name: str, values: dict, record, errors: dict) -> None:
    if kind_name in CHECKS and ctx.register_rules:
        CHECKS[kind_name](ctx, values, record, errors)


# --- the data already stored -------------------------------------------------------


@dataclass
class Violation:
    kind: str
    record_id: int
    record: str  # «витрина данных № 11 «…»»
    field: str  # Russian label of the field
    message: str

    def line(self) -> str:
        return f"{self.record}: поле «{self.field}» — {self.message} [правила реестра]"


def violations(ctx: Context, today: date | None = None, missing_quality: bool = True) -> list[Violation]:
    """Every live record that stands outside a register rule, with why. ``missing_quality=False`` leaves
    out the marts' empty quality fields (``catalog validate`` hears those from the SHACL shapes)."""
    permissions.require_read(ctx)
    found: list[Violation] = []
    for mart in ctx.session.scalars(select(models.DataMart).where(models.DataMart.deleted_at.is_(None))
                                    .order_by(models.DataMart.id)):
        label = f"витрина данных № {mart.id} «{mart.name}»"
        values = {name: getattr(mart, name) for name in ("stage", "owner_agency_id", *MART_QUALITY_FIELDS)}
        for name in mart_missing_quality(values) if missing_quality else []:
            found.append(Violation("marts", mart.id, label, MART_QUALITY_FIELDS[name],
                                   "витрина в эксплуатации, а поле не заполнено"))
        outsider = mart_official_outside(ctx, values)
        if outsider is not None:
            found.append(Violation("marts", mart.id, label, MART_QUALITY_FIELDS["quality_responsible_id"],
                                   f"{outsider.full_name} не работает в органе — обладателе витрины"))
        if mart_quality(ctx.settings, mart, today) == MartQuality.STALE.value:
            found.append(Violation("marts", mart.id, label, MART_QUALITY_FIELDS["quality_checked_on"],
                                   f"проверка качества {day(mart.quality_checked_on)} устарела: "
                                   f"срок — {counted(ctx.settings.mart_quality_term_days, 'день')}"))
    for process in ctx.session.scalars(select(models.Process).where(models.Process.deleted_at.is_(None))
                                       .order_by(models.Process.id)):
        label = f"процесс № {process.id} «{process.name}»"
        values = {name: getattr(process, name) for name in PROCESS_FIELDS}
        for field, message in (("группа процессов", check_process_group(ctx, values)),
                               ("ответственный за процесс", check_responsible_agency(ctx, values)),
                               ("цифровой процесс", check_digital_channel(values))):
            if message:
                found.append(Violation("processes", process.id, label, field, message))
    return found
