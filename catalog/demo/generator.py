"""Generated catalogues of the demo region's shape at any size, for benchmarks.

The demo region is repeated as many times as needed: each copy is a district with its own
agencies, people, services, processes, regional systems, datasets and marts (codes suffixed
``_<k>``, names marked with the district), while federal agencies, federal systems and their data,
life situations, the typical list, acts and document types are shared, as they are in a real
region. Statuses are shuffled with a seeded generator so copies differ. The result has the keys of
``catalog.demo.region`` and is read by ``catalog.demo.loader.load_catalogue``.
"""
from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

from catalog.demo import region

SHARED = ("LIFE_SITUATIONS", "PROCESS_GROUPS", "TYPICAL_PROCESSES", "ACTS", "DOCUMENT_TYPES")
FEDERAL_AGENCIES = {a["code"] for a in region.AGENCIES if a["kind"] == "federal"}
FEDERAL_SYSTEMS = {s["code"] for s in region.SYSTEMS if s["legal_kind"] == "federal"}
FEDERAL_DATASETS = {d["code"] for d in region.DATASETS if d["owner"] in FEDERAL_AGENCIES}
FEDERAL_MARTS = {m["code"] for m in region.DATA_MARTS if m["owner"] in FEDERAL_AGENCIES}
STATUSES = ["queued_research", "researching", "queued_reengineering", "reengineering", "reengineered",
            "sent_certification", "certified"]
# Registers are mostly at the start of the reengineering path.
STATUS_WEIGHTS = [30, 20, 15, 15, 10, 5, 5]


def generate(processes: int, seed: int = 0, extra_consumes: int = 0) -> dict:
    """``extra_consumes`` adds that many CONSUMES links per process to datasets of its district or
    federal ones (denser graphs for the lineage benchmark)."""
    rng = random.Random(seed)
    copies = max(1, math.ceil(processes / len(region.PROCESSES)))
    data = {name: list(getattr(region, name)) for name in SHARED}
    data["REGION_NAME"] = f"{region.REGION_NAME} (сгенерировано: {processes} процессов)"
    data.update(AGENCIES=[a for a in region.AGENCIES if a["code"] in FEDERAL_AGENCIES],
                SYSTEMS=[s for s in region.SYSTEMS if s["code"] in FEDERAL_SYSTEMS],
                DATASETS=[d for d in region.DATASETS if d["code"] in FEDERAL_DATASETS],
                DATA_MARTS=[m for m in region.DATA_MARTS if m["code"] in FEDERAL_MARTS],
                PEOPLE=[], SERVICES=[], PROCESSES=[])
    for k in range(copies):
        _add_district(data, k, rng, processes - len(data["PROCESSES"]), extra_consumes)
    return data


def _add_district(data: dict, k: int, rng: random.Random, room: int, extra_consumes: int) -> None:
    def code(value: str | None, shared: set[str] = frozenset()) -> str | None:
        if value is None or k == 0 or value in shared:
            return value
        return f"{value}_{k}"

    def name(value: str) -> str:
        return value if k == 0 else f"{value} (округ {k})"

    agency = lambda c: code(c, FEDERAL_AGENCIES)  # noqa: E731
    system = lambda c: code(c, FEDERAL_SYSTEMS)  # noqa: E731
    dataset = lambda c: code(c, FEDERAL_DATASETS)  # noqa: E731

    for a in region.AGENCIES:
        if a["code"] not in FEDERAL_AGENCIES:
            data["AGENCIES"].append({**a, "code": agency(a["code"]), "name": name(a["name"]),
                                     "parent": agency(a["parent"])})
    for p in region.PEOPLE:
        data["PEOPLE"].append({**p, "key": code(p["key"]), "agency": agency(p["agency"])})
    for s in region.SYSTEMS:
        if s["code"] not in FEDERAL_SYSTEMS:
            data["SYSTEMS"].append({**s, "code": system(s["code"]), "name": name(s["name"]),
                                    "operator": agency(s["operator"])})
    for d in region.DATASETS:
        if d["code"] not in FEDERAL_DATASETS:
            data["DATASETS"].append({
                **d, "code": dataset(d["code"]), "name": name(d["name"]), "owner": agency(d["owner"]),
                "stored_in": [system(s) for s in d["stored_in"]],
                "entities": [{**e, "code": code(e["code"])} for e in d["entities"]],
            })
    for m in region.DATA_MARTS:
        if m["code"] not in FEDERAL_MARTS:
            data["DATA_MARTS"].append({
                **m, "code": code(m["code"]), "name": name(m["name"]), "owner": agency(m["owner"]),
                "host": system(m["host"]), "exposes": [dataset(d) for d in m["exposes"]],
                "quality_responsible": code(m["quality_responsible"]),
            })
    for s in region.SERVICES:
        data["SERVICES"].append({**s, "code": code(s["code"]), "name": name(s["name"]), "agency": agency(s["agency"])})
    district_datasets = [dataset(d["code"]) for d in region.DATASETS]
    transports = ["smev", "api", "file", "paper", "manual"]
    kept = region.PROCESSES[:room]
    kept_keys = {f"{p['agency']}:{p['registry_id']}" for p in kept}
    for p in kept:
        data["PROCESSES"].append({
            **p, "agency": agency(p["agency"]), "service": code(p["service"]), "responsible": code(p["responsible"]),
            "status": p["status"] if k == 0 else rng.choices(STATUSES, STATUS_WEIGHTS)[0],
            "consumes": [{**c, "dataset": dataset(c["dataset"])} for c in p["consumes"]] + [
                {"dataset": code_, "transport": rng.choice(transports), "frequency": "on_request"}
                for code_ in rng.sample(district_datasets, min(extra_consumes, len(district_datasets)))],
            "produces": [{**c, "dataset": dataset(c["dataset"])} for c in p["produces"]],
            "automated_by": [system(s) for s in p["automated_by"]],
            "linked": [_linked(other, agency) for other in p["linked"] if other in kept_keys],
        })


def _linked(key: str, agency) -> str:
    agency_code, registry_id = key.split(":", 1)
    return f"{agency(agency_code)}:{registry_id}"


# -- passports, pay tables, projects, requests, people's levels and history (issue 19): the records the
# dashboard, the calculator and the history read, so they are measured at scale. Kept apart from the
# register above (``generate``'s data stays as it was) and written in bulk with their create events.

# The demo describes 12 of its 203 processes with passports; the measurement asks for a fifth of a
# large register, so that is the default share here. Projects and requests follow the demo: 5 and 7 a
# 203 processes.
PASSPORT_SHARE = 0.2
PROJECTS_PER_PROCESS = 5 / 203
REQUESTS_PER_PROCESS = 7 / 203
HISTORY_SHARE = 0.1  # processes whose status moved on once after they were entered
PASSPORT_STATUSES = ("reengineering", "reengineered", "sent_certification", "certified")
LEVELS = (("министр", "head_of_agency"), ("руководител", "head_of_agency"), ("председател", "head_of_agency"),
          ("заместитель", "deputy_head_of_agency"), ("начальник", "head_of_unit"))


def extras(data: dict, seed: int = 0, passport_share: float = PASSPORT_SHARE) -> dict:
    """What ``load_extras`` writes for a generated register: plain data keyed by process («AGENCY:001»)."""
    from catalog.demo import passports as demo

    rng = random.Random(f"extras-{seed}")  # its own generator: the register's data do not move
    keys = [f"{p['agency']}:{p['registry_id']}" for p in data["PROCESSES"]]
    statuses = {f"{p['agency']}:{p['registry_id']}": p["status"] for p in data["PROCESSES"]}
    wanted = round(len(keys) * passport_share)
    advanced = [k for k in keys if statuses[k] in PASSPORT_STATUSES]
    others = [k for k in keys if statuses[k] not in PASSPORT_STATUSES]
    chosen = rng.sample(advanced, min(wanted, len(advanced)))
    chosen += rng.sample(others, min(wanted - len(chosen), len(others)))
    # The region's pay table, and an agency's own row in a few districts (Leningrad 2.14).
    positions = [dict(p, agency=None) for p in demo.POSITIONS]
    for a in data["AGENCIES"][::40]:
        positions.append(dict(demo.POSITIONS[0], agency=a["code"], monthly_pay=demo.POSITIONS[0]["monthly_pay"] + 6000))
    passports = []
    for number, key in enumerate(sorted(chosen)):
        times = rng.choice([400, 800, 1500, 2500, 4000, 6000])
        passports.append({"process": key, "variant": "as_is", "approved": True, "times": times,
                          "steps": demo.AS_IS, "resources": [("materials", "Бумага, печать, конверты", 14, 3, "instance"),
                                                             ("other", "Курьерская доставка дел из МФЦ", 90, 1, "instance")]})
        passports.append({"process": key, "variant": "to_be", "approved": number % 3 != 2, "times": times,
                          "steps": demo.TO_BE, "resources": [("systems", "Сопровождение региональной системы (доля процесса)",
                                                              rng.choice([60000, 90000, 150000]), 1, "year")]})
    projects = [{"process": k, "ground": rng.choice(["priority_services", "application", "own_decision", "legal_act"]),
                 "started": rng.randint(-200, 30)} for k in rng.sample(keys, round(len(keys) * PROJECTS_PER_PROCESS))]
    requests = [{"process": k, "status": rng.choice(["draft", "submitted"]),
                 "cost": rng.choice([1_500_000, 3_500_000, 12_000_000])}
                for k in rng.sample(sorted(chosen) or keys, min(len(chosen) or len(keys), round(len(keys) * REQUESTS_PER_PROCESS)))]
    moved = rng.sample(keys, round(len(keys) * HISTORY_SHARE))
    return {"POSITIONS": positions, "PASSPORTS": passports, "PROJECTS": projects, "REQUESTS": requests, "MOVED": moved}


def load_extras(ctx, extra: dict, progress=None) -> dict[str, int]:
    """Write ``extras`` into a catalogue loaded from the same data (in the caller's transaction)."""
    from sqlalchemy import select

    from catalog import models
    from catalog.services import history

    progress = progress or (lambda stage, count: None)
    session = ctx.session
    process_ids = {f"{code}:{registry}": (pid, agency_id) for pid, agency_id, code, registry in session.execute(
        select(models.Process.id, models.Process.agency_id, models.Agency.code, models.Process.registry_id)
        .join(models.Agency, models.Agency.id == models.Process.agency_id))}
    agency_ids = dict(session.execute(select(models.Agency.code, models.Agency.id)).all())
    counts = {}

    def add(kind: str, objects: list) -> None:
        session.add_all(objects)
        session.flush()
        history.append_created(ctx, kind, objects)
        counts[kind] = counts.get(kind, 0) + len(objects)
        progress(kind, counts[kind])

    positions = [models.Position(version=1, name=p["name"], agency_id=agency_ids.get(p["agency"]),
                                 monthly_pay=p["monthly_pay"], payroll_coefficient=p["payroll_coefficient"],
                                 annual_hours=p["annual_hours"]) for p in extra["POSITIONS"]]
    add("positions", positions)
    by_name = {p.name: p.id for p in positions if p.agency_id is None}
    _levels(session)
    now = datetime.now(UTC)
    batch = []
    for item in extra["PASSPORTS"]:
        process_id = process_ids[item["process"]][0]
        passport = models.Passport(version=1, process_id=process_id, variant=item["variant"], revision=1,
                                   state="approved" if item["approved"] else "draft", instances_per_year=item["times"],
                                   approved_by="загрузка сгенерированного каталога" if item["approved"] else None,
                                   approved_at=now if item["approved"] else None, criteria={})
        keys = {"app", "case", "result"}
        passport.data = [models.PassportData(key="app", name="Заявление", role="input"),
                         models.PassportData(key="case", name="Дело заявителя", role="intermediate"),
                         models.PassportData(key="result", name="Решение по заявлению", role="result")]
        passport.steps = [models.PassportStep(position=i + 1, name=name, performer_position=position,
                                              position_id=by_name.get(position) if position else None,
                                              duration_minutes=minutes, waiting_minutes=waiting,
                                              times_per_year=item["times"], is_automated=automated,
                                              consumes=[k for k in consumes if k in keys],
                                              produces=[k for k in produces if k in keys])
                          for i, (name, position, minutes, waiting, automated, consumes, produces) in enumerate(item["steps"])]
        passport.resources = [models.PassportResource(kind=kind, name=name, unit_cost=cost, quantity=quantity, per=per)
                              for kind, name, cost, quantity, per in item["resources"]]
        batch.append(passport)
        if len(batch) >= 1000:
            add("passports", batch)
            batch = []
    if batch:
        add("passports", batch)
    today = date.today()
    projects = []
    for item in extra["PROJECTS"]:
        start = today + timedelta(days=item["started"])
        project = models.OptimizationProject(
            version=1, process_id=process_ids[item["process"]][0], ground=item["ground"],
            initiated_on=start - timedelta(days=30), start_date=start, end_date=start + timedelta(days=180),
            problem="Срок предоставления услуги выше целевого; заявитель приносит справки, которые есть у органов власти.",
            goals="Сократить срок вдвое без справок от заявителя.")
        project.measures = [models.RoadmapMeasure(position=i + 1, name=name, planned_start=start + timedelta(days=30 * i),
                                                  planned_end=start + timedelta(days=30 * i + 45), result=result,
                                                  responsible="начальник отдела")
                            for i, (name, result) in enumerate([
                                ("Описание процесса AS-IS", "Паспорт AS-IS утверждён"),
                                ("Проектирование процесса TO-BE", "Паспорт TO-BE утверждён"),
                                ("Внесение изменений в административный регламент", "Регламент изменён")])]
        projects.append(project)
    if projects:
        add("projects", projects)
    requests = []
    for item in extra["REQUESTS"]:
        process_id, agency_id = process_ids[item["process"]]
        request = models.SystemRequest(
            version=1, agency_id=agency_id, kind="create", status=item["status"], filed_by="загрузка сгенерированного каталога",
            new_system_name="Региональная система сопровождения процесса", estimated_cost=item["cost"],
            purpose="Автоматизация оптимизированного процесса", checks=[],
            expected_value="Заявитель получает результат без визита и без бумажных справок",
            submitted_at=now if item["status"] == "submitted" else None)
        request.processes = [models.RequestProcess(process_id=process_id)]
        requests.append(request)
    if requests:
        add("requests", requests)
    _history(ctx, [process_ids[k][0] for k in extra["MOVED"]])
    counts["status_moves"] = len(extra["MOVED"])
    return counts


def _levels(session) -> None:
    """People's levels from their positions' titles (who signs what: catalog/services/people.py)."""
    from sqlalchemy import update

    from catalog import models

    for word, level in LEVELS:
        session.execute(update(models.Person).where(models.Person.level.is_(None),
                                                    models.Person.position.ilike(f"%{word}%")).values(level=level))
    session.execute(update(models.Person).where(models.Person.level.is_(None)).values(level="specialist"))


def _history(ctx, process_ids: list[int]) -> None:
    """One status move forward of each process, with its transition and its change event (the history)."""
    from catalog import models
    from catalog.enums import Action
    from catalog.services import history

    session = ctx.session
    for start in range(0, len(process_ids), 1000):
        moved = []
        for process in session.query(models.Process).filter(models.Process.id.in_(process_ids[start:start + 1000])):
            if process.status == STATUSES[-1]:
                continue
            before = process.status
            process.status = STATUSES[STATUSES.index(before) + 1]
            session.add(models.StatusTransition(process_id=process.id, from_status=before, to_status=process.status,
                                                actor_name=ctx.actor_name))
            moved.append((process, before))
        session.flush()  # the versions move on here; the events carry the new ones
        for process, before in moved:
            history.append_event(ctx, "processes", process, Action.UPDATE.value,
                                 {"status": {"before": before, "after": process.status}})
        session.flush()
        session.expunge_all()
