"""OpenLineage events in: jobs become processes, datasets become datasets, inputs and outputs become
CONSUMES and PRODUCES links, runs become the process's run history.

Validation is against the OpenLineage spec (``OpenLineage.json``, JSON Schema 2020-12) with the
facet schemas of ``spec/facets`` resolved offline through a ``referencing`` registry; each known
facet (by its name and where it sits: run, job, dataset, input or output facets) is checked
against its own schema. ``eventTime`` must carry a time zone, as RFC 3339 and the spec's
``date-time`` format require: an event without one (the python client's ``serde_example_*``) is
refused with a clear error rather than guessed to be UTC or Moscow time.

Choices where the spec is silent on our side:

- a job already in the mapping table (``openlineage_jobs``) attaches to its process; a new job
  becomes a new process of the agency configured by ``CATALOG_OPENLINEAGE_AGENCY`` (or, when that is
  not set, the single agency of the agency editor sending it), registry identifier ``OL-`` + a
  hash of namespace and name, status «в очереди на исследование», service «Обработка данных
  (задания OpenLineage)» of that agency (created once), responsible person
  ``CATALOG_OPENLINEAGE_RESPONSIBLE`` or else the agency's first person. ``map_job`` (CLI
  ``catalog openlineage map``) points a job at an existing process instead;
- a dataset is matched by namespace + name through ``openlineage_datasets``; a new one becomes a
  catalogue dataset named by its OpenLineage name, owned by the same agency;
- links are added, never removed (an event tells what a run read and wrote, not all a job ever does);
- an output's ``columnLineage`` facet becomes DERIVED_FROM links between attributes: each field is an
  attribute (by code) of the dataset's entities; a field not yet described is added to the dataset's
  entity named like the dataset (created once), typed from the ``schema`` facet when it names the field;
- a run event already stored (same run id, event type and time) is not stored twice, so replays
  are idempotent.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from catalog import models
from catalog.errors import BadParameter, LimitExceeded, Unavailable
from catalog.services import records, rules
from catalog.services.context import Context
from catalog.formatting import counted
from catalog.services.imports.base import one_transaction

DEFAULT_SPEC = Path(__file__).resolve().parents[4] / "shared" / "conformance" / "openlineage" / "spec"
CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
SERVICE_NAME = "Обработка данных (задания OpenLineage)"
MAX_ERRORS = 10
# Where facets sit in an event, by the base facet their schema extends.
CONTAINERS = {"RunFacet": "run", "JobFacet": "job", "DatasetFacet": "dataset",
              "InputDatasetFacet": "inputFacets", "OutputDatasetFacet": "outputFacets"}


class Schemas:
    """The core schema, the facet schemas and their validators, loaded once from ``spec_dir``."""

    def __init__(self, folder: Path):
        from jsonschema import Draft202012Validator, FormatChecker
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        core_path = folder / "OpenLineage.json"
        if not core_path.exists():
            # The server's setting, not the event: 503 tells the client to send it again later.
            raise Unavailable(f"Схема OpenLineage не найдена в «{folder}»: администратору каталога нужно задать "
                              "CATALOG_OPENLINEAGE_SPEC (папка spec из репозитория OpenLineage).")
        core = json.loads(core_path.read_text(encoding="utf-8"))
        resources = [(core["$id"], DRAFT202012.create_resource(core))]
        facets = []
        for path in sorted((folder / "facets").glob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            resources.append((schema["$id"], DRAFT202012.create_resource(schema)))
            facets.append(schema)
        registry = Registry().with_resources(resources)
        checker = FormatChecker()

        @checker.checks("date-time", raises=ValueError)
        def _date_time(value) -> bool:
            if not isinstance(value, str):
                return True
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError("no time zone")
            return True

        self.events = {
            name: Draft202012Validator({"$ref": f"{core['$id']}#/$defs/{name}"}, registry=registry,
                                       format_checker=checker)
            for name in ("RunEvent", "DatasetEvent", "JobEvent")
        }
        self.facets: dict[tuple[str, str], object] = {}
        for schema in facets:
            text = json.dumps(schema)
            container = next((c for base, c in sorted(CONTAINERS.items(), key=lambda i: -len(i[0]))
                              if f'OpenLineage.json#/$defs/{base}"' in text), None)
            for key in schema.get("properties", {}):
                if container:
                    self.facets[(container, key)] = Draft202012Validator(schema, registry=registry,
                                                                         format_checker=checker)


@lru_cache(maxsize=4)
def _schemas(folder: str) -> Schemas:
    return Schemas(Path(folder))


def schemas(folder: Path | None = None) -> Schemas:
    return _schemas(str(folder or DEFAULT_SPEC))


def json_path(parts) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _reason(error) -> str:
    """A jsonschema error in Russian."""
    v, value = error.validator, error.instance
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"нет обязательного поля «{missing}»"
    if v == "type":
        return f"ожидается тип {error.validator_value}, а пришло {json.dumps(value, ensure_ascii=False)[:80]}"
    if v == "format":
        if error.validator_value == "date-time":
            return (f"значение «{value}» не в формате date-time (RFC 3339): нужны дата, время и часовой пояс, "
                    "например «2024-11-20T19:45:51Z» или «…+03:00»")
        return f"значение «{value}» не в формате {error.validator_value}"
    if v == "enum":
        return f"значение «{value}» не из допустимых: {', '.join(map(str, error.validator_value))}"
    if v == "not":
        return "недопустимое сочетание полей (например, «run» в событии о наборе данных или задании)"
    return error.message


def _collect(validator, instance, prefix: list) -> list[tuple[str, str]]:
    from jsonschema.exceptions import relevance

    errors = sorted(validator.iter_errors(instance), key=relevance)
    out = []
    for error in errors:
        # Descend into the combinators to the most specific error.
        while error.context:
            error = sorted(error.context, key=relevance)[0]
        out.append((json_path(prefix + list(error.absolute_path)), _reason(error)))
    return out


def event_kind(event: dict) -> str:
    if "run" in event:
        return "RunEvent"
    if "dataset" in event and "job" not in event:
        return "DatasetEvent"
    if "job" in event:
        return "JobEvent"
    return "RunEvent"  # validated as one: the errors name what is missing


def _root_first(errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each (path, reason) once, the shallowest paths first (a missing «eventTime» before a facet's field)."""
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda item: item[0].count(".") + item[0].count("["))


def validate(event, spec: Path | None = None, facet_problems: list | None = None) -> str:
    """Check an event against the spec in ``spec`` (``CATALOG_OPENLINEAGE_SPEC``); return its kind.

    BadParameter names each JSON path and reason, the event's own fields first, each message once. With
    ``facet_problems`` (a list), an event whose core is valid is accepted although an optional facet is not
    (the 2-0-2 facets are optional): the facet's problems are appended there instead."""
    if not isinstance(event, dict):
        raise BadParameter("Событие OpenLineage должно быть объектом JSON.", {"$": ["ожидается объект JSON"]})
    s = schemas(spec)
    kind = event_kind(event)
    core = _root_first(_collect(s.events[kind], event, []))
    facet_errors: list[tuple[str, str]] = []
    for path, container, facets in _facet_containers(event):
        if not isinstance(facets, dict):
            continue
        for key, facet in facets.items():
            validator = s.facets.get((container, key))
            if validator is not None:
                facet_errors += _collect(validator, {key: facet}, path)
    facet_errors = [e for e in _root_first(facet_errors) if e not in core]
    if not core and facet_errors and facet_problems is not None:
        facet_problems.extend({"path": path, "reason": reason} for path, reason in facet_errors[:MAX_ERRORS])
        return kind
    errors = core + facet_errors
    if errors:
        fields: dict[str, list[str]] = {}
        for path, reason in errors[:MAX_ERRORS]:
            fields.setdefault(path, []).append(reason)
        first_path, first_reason = errors[0]
        raise BadParameter(f"Событие OpenLineage ({kind}) не соответствует спецификации: {first_path}: {first_reason}.",
                           fields)
    return kind


def _facet_containers(event: dict):
    if isinstance(event.get("run"), dict):
        yield ["run", "facets"], "run", event["run"].get("facets")
    if isinstance(event.get("job"), dict):
        yield ["job", "facets"], "job", event["job"].get("facets")
    if isinstance(event.get("dataset"), dict):
        yield ["dataset", "facets"], "dataset", event["dataset"].get("facets")
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        datasets = event.get(side)
        if not isinstance(datasets, list):  # the schema check names it; nothing to walk here
            continue
        for index, dataset in enumerate(datasets):
            if isinstance(dataset, dict):
                yield [side, index, "facets"], "dataset", dataset.get("facets")
                yield [side, index, extra], extra, dataset.get(extra)


# --- into the catalogue -------------------------------------------------------------


def _agency(ctx: Context, job_label: str, required: bool = True) -> models.Agency | None:
    code = ctx.settings.openlineage_agency
    if code:
        agency = ctx.session.scalar(select(models.Agency).where(models.Agency.code == code))
        if agency is None:
            raise Unavailable(f"Орган «{code}» из CATALOG_OPENLINEAGE_AGENCY не найден в каталоге: администратору "
                              "каталога нужно исправить эту настройку. Событие можно отправить повторно.")
        return agency
    if ctx.user is not None and len(ctx.user.agency_ids or []) == 1:
        return ctx.session.get(models.Agency, ctx.user.agency_ids[0])
    if not required:
        return None
    # The event is fine; the server lacks a setting. 503 (not 4xx) so the client keeps the event and retries.
    raise Unavailable(
        f"Задание {job_label} ещё не сопоставлено процессу, а орган для новых процессов не задан: администратору "
        "каталога нужно задать CATALOG_OPENLINEAGE_AGENCY (код органа) или сопоставить задание процессу "
        "(«catalog openlineage map»). Событие можно отправить повторно.",
        {"$.job": ["задание не сопоставлено процессу"]})


def _service(ctx: Context, agency: models.Agency) -> int:
    code = f"openlineage-{agency.code}"[:64]
    service = ctx.session.scalar(select(models.Service).where(models.Service.code == code))
    if service is None:
        service = records.create_record(ctx, "services", {"code": code, "name": SERVICE_NAME, "kind": "digital_service",
                                                          "agency_id": agency.id})
    return service.id


def _responsible(ctx: Context, agency: models.Agency, job_label: str) -> int:
    if ctx.settings.openlineage_responsible:
        return ctx.settings.openlineage_responsible
    person_id = ctx.session.scalar(select(models.Person.id).where(
        models.Person.agency_id == agency.id, models.Person.deleted_at.is_(None)).order_by(models.Person.id).limit(1))
    if person_id is None:
        raise BadParameter(f"Для задания {job_label} нужен ответственный: в органе «{agency.name}» нет ни одного "
                           "ответственного лица (или задайте CATALOG_OPENLINEAGE_RESPONSIBLE).",
                           {"$.job": ["нет ответственного за процесс"]})
    return person_id


def registry_id_for(namespace: str, name: str) -> str:
    return "OL-" + hashlib.sha1(f"{namespace}\n{name}".encode()).hexdigest()[:10]


def process_for(ctx: Context, job: dict, producer: str | None = None) -> models.Process:
    namespace, name = job["namespace"], job["name"]
    mapping = ctx.session.scalar(select(models.OpenLineageJob).where(
        models.OpenLineageJob.namespace == namespace, models.OpenLineageJob.name == name))
    if mapping is not None:
        return ctx.session.get(models.Process, mapping.process_id)
    label = f"«{namespace}» / «{name}»"
    agency = _agency(ctx, label)
    description = f"Задание OpenLineage {label}."
    documentation = ((job.get("facets") or {}).get("documentation") or {}).get("description")
    if documentation:
        description += f"\n{documentation}"
    process = records.create_record(ctx, "processes", {
        "agency_id": agency.id, "registry_id": registry_id_for(namespace, name), "name": name[:1000],
        "service_id": _service(ctx, agency), "responsible_id": _responsible(ctx, agency, label),
        "status": "queued_research", "is_digital": True, "description": description,
    })
    ctx.session.add(models.OpenLineageJob(namespace=namespace, name=name, process_id=process.id))
    ctx.session.flush()
    return process


@rules.operation("records.update")
def map_job(ctx: Context, namespace: str, name: str, process_id: int) -> models.OpenLineageJob:
    """Point an OpenLineage job at an existing process (its runs and links go there from now on)."""
    process = records.get_record(ctx, "processes", process_id)
    rules.check(ctx, "records.update", process)
    mapping = ctx.session.scalar(select(models.OpenLineageJob).where(
        models.OpenLineageJob.namespace == namespace, models.OpenLineageJob.name == name))
    if mapping is None:
        mapping = models.OpenLineageJob(namespace=namespace, name=name, process_id=process.id)
        ctx.session.add(mapping)
    else:
        mapping.process_id = process.id
    ctx.session.flush()
    return mapping


def dataset_for(ctx: Context, dataset: dict, agency: models.Agency | None) -> models.Dataset:
    namespace, name = dataset["namespace"], dataset["name"]
    mapping = ctx.session.scalar(select(models.OpenLineageDataset).where(
        models.OpenLineageDataset.namespace == namespace, models.OpenLineageDataset.name == name))
    if mapping is not None:
        return ctx.session.get(models.Dataset, mapping.dataset_id)
    facets = dataset.get("facets") or {}
    description = f"Набор данных OpenLineage «{namespace}» / «{name}»."
    documentation = (facets.get("documentation") or {}).get("description")
    if documentation:
        description += f"\n{documentation}"
    record = records.create_record(ctx, "datasets", {
        "name": name[:1000], "owner_agency_id": agency.id if agency else None, "description": description})
    ctx.session.add(models.OpenLineageDataset(namespace=namespace, name=name, dataset_id=record.id))
    ctx.session.flush()
    return record


def _ensure_link(ctx: Context, link_type: str, process: models.Process, dataset: models.Dataset) -> bool:
    exists = ctx.session.scalar(select(models.Link.id).where(
        models.Link.link_type == link_type, models.Link.source_kind == "processes",
        models.Link.source_id == process.id, models.Link.target_kind == "datasets",
        models.Link.target_id == dataset.id, models.Link.deleted_at.is_(None)).limit(1))
    if exists is not None:
        return False
    records.create_record(ctx, "links", {"link_type": link_type, "source_kind": "processes", "source_id": process.id,
                                         "target_kind": "datasets", "target_id": dataset.id})
    return True


# OpenLineage schema facet types (free text, usually the engine's SQL type) → the catalogue's data type.
_OL_TYPES = (("bool", "boolean"), ("timestamp", "datetime"), ("datetime", "datetime"), ("date", "date"),
             ("int", "integer"), ("serial", "integer"), ("numeric", "decimal"), ("decimal", "decimal"),
             ("double", "decimal"), ("float", "decimal"), ("real", "decimal"))


def _data_type(type_text: str | None) -> str:
    lowered = (type_text or "").lower()
    return next((ours for theirs, ours in _OL_TYPES if theirs in lowered), "string")


def attribute_for(ctx: Context, item: dict, dataset: models.Dataset, field_name: str) -> models.Attribute:
    """The dataset's attribute for an OpenLineage field: found by code, or added to the dataset's own entity."""
    found = ctx.session.scalar(select(models.Attribute).join(models.Entity).where(
        models.Entity.dataset_id == dataset.id, models.Entity.deleted_at.is_(None),
        models.Attribute.deleted_at.is_(None), models.Attribute.code == field_name[:200])
        .order_by(models.Attribute.id).limit(1))
    if found is not None:
        return found
    entity = ctx.session.scalar(select(models.Entity).where(
        models.Entity.dataset_id == dataset.id, models.Entity.deleted_at.is_(None),
        models.Entity.source_ref == item["name"][:1000]).order_by(models.Entity.id).limit(1))
    if entity is None:
        entity = records.create_record(ctx, "entities", {
            "name": item["name"][:500], "dataset_id": dataset.id, "source_ref": item["name"][:1000],
            "description": f"Сущность набора данных OpenLineage «{item['namespace']}» / «{item['name']}»."})
    schema_fields = ((item.get("facets") or {}).get("schema") or {}).get("fields") or []
    described = next((f for f in schema_fields if isinstance(f, dict) and f.get("name") == field_name), {})
    return records.create_record(ctx, "attributes", {
        "entity_id": entity.id, "code": field_name[:200], "name": field_name[:500],
        "data_type": _data_type(described.get("type")), "source_type": (described.get("type") or None) and
        str(described["type"])[:200], "description": described.get("description") or None})


def _column_lineage(ctx: Context, item: dict, dataset: models.Dataset, agency: models.Agency | None,
                    known: dict) -> int:
    """DERIVED_FROM links of one output's columnLineage facet; returns how many were added."""
    facet = (item.get("facets") or {}).get("columnLineage") or {}
    fields = facet.get("fields") if isinstance(facet, dict) else None
    if not isinstance(fields, dict):
        return 0
    added = 0
    for field_name, lineage in fields.items():
        inputs = (lineage or {}).get("inputFields") or [] if isinstance(lineage, dict) else []
        if not inputs:
            continue
        target = attribute_for(ctx, item, dataset, field_name)
        for source in inputs:
            if not isinstance(source, dict) or not all(isinstance(source.get(k), str)
                                                       for k in ("namespace", "name", "field")):
                continue
            # The event's own input, with its schema facet, when it lists the dataset.
            source_item = known.get((source["namespace"], source["name"])) or {
                "namespace": source["namespace"], "name": source["name"]}
            source_dataset = dataset_for(ctx, source_item, agency)
            origin = attribute_for(ctx, source_item, source_dataset, source["field"])
            if origin.id == target.id:
                continue
            exists = ctx.session.scalar(select(models.Link.id).where(
                models.Link.link_type == "DERIVED_FROM", models.Link.source_kind == "attributes",
                models.Link.source_id == target.id, models.Link.target_kind == "attributes",
                models.Link.target_id == origin.id, models.Link.deleted_at.is_(None)).limit(1))
            if exists is None:
                records.create_record(ctx, "links", {
                    "link_type": "DERIVED_FROM", "source_kind": "attributes", "source_id": target.id,
                    "target_kind": "attributes", "target_id": origin.id})
                added += 1
    return added


def facets_summary(event: dict) -> dict:
    run_facets = (event.get("run") or {}).get("facets") or {}
    job_facets = (event.get("job") or {}).get("facets") or {}
    summary: dict = {
        "run": sorted(run_facets), "job": sorted(job_facets),
        "inputs": [f"{d.get('namespace')}/{d.get('name')}" for d in event.get("inputs") or []],
        "outputs": [f"{d.get('namespace')}/{d.get('name')}" for d in event.get("outputs") or []],
        "producer": event.get("producer"),
    }
    parent = (run_facets.get("parent") or {}).get("job") or {}
    if parent:
        summary["parent"] = f"{parent.get('namespace')}/{parent.get('name')}"
    engine = run_facets.get("processing_engine") or {}
    if engine:
        summary["engine"] = " ".join(str(engine[k]) for k in ("name", "version") if engine.get(k))
    error = run_facets.get("errorMessage") or {}
    if error.get("message"):
        summary["error"] = str(error["message"])[:500]
    return summary


def apply(ctx: Context, event: dict, kind: str) -> dict:
    """Write one validated event; return what it did."""
    outcome = {"kind": kind, "process_id": None, "datasets": [], "links_added": 0, "attribute_links_added": 0,
               "run_stored": False}
    if kind == "DatasetEvent":
        dataset = dataset_for(ctx, event["dataset"], _agency(ctx, "", required=False))
        outcome["datasets"].append(dataset.id)
        return outcome
    process = process_for(ctx, event["job"], event.get("producer"))
    outcome["process_id"] = process.id
    agency = ctx.session.get(models.Agency, process.agency_id)
    for side, link_type in (("inputs", "CONSUMES"), ("outputs", "PRODUCES")):
        for item in event.get(side) or []:
            dataset = dataset_for(ctx, item, agency)
            if dataset.id not in outcome["datasets"]:  # a dataset read and written is listed once
                outcome["datasets"].append(dataset.id)
            outcome["links_added"] += _ensure_link(ctx, link_type, process, dataset)
            if side == "outputs":
                known = {(d.get("namespace"), d.get("name")): d for d in (event.get("inputs") or [])
                         + (event.get("outputs") or []) if isinstance(d, dict)}
                outcome["attribute_links_added"] += _column_lineage(ctx, item, dataset, agency, known)
    if kind == "RunEvent":
        run_id = event["run"]["runId"]
        event_type = event.get("eventType") or "OTHER"
        event_time = datetime.fromisoformat(event["eventTime"])
        stored = ctx.session.scalar(select(models.OpenLineageRun.id).where(
            models.OpenLineageRun.run_id == run_id, models.OpenLineageRun.event_type == event_type,
            models.OpenLineageRun.event_time == event_time).limit(1))
        if stored is None:
            ctx.session.add(models.OpenLineageRun(
                run_id=run_id, event_type=event_type, event_time=event_time,
                job_namespace=event["job"]["namespace"], job_name=event["job"]["name"], process_id=process.id,
                facets=facets_summary(event), actor_name=ctx.actor_name))
            ctx.session.flush()
            outcome["run_stored"] = True
    return outcome


def json_depth(value, limit: int) -> int:
    """How deep ``value`` nests (objects and lists), counted without recursion and up to ``limit + 1``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def check_limits(settings, events: list) -> None:
    """Refuse, before any work, a batch past the limits: events per file, inputs and outputs per
    event, facets size, JSON depth (the CATALOG_OPENLINEAGE_… settings)."""
    if len(events) > settings.openlineage_max_events:
        raise LimitExceeded(f"Событий OpenLineage {len(events)} — больше допустимого (не более "
                            f"{settings.openlineage_max_events}, CATALOG_OPENLINEAGE_MAX_EVENTS).",
                            {"$": [counted(len(events), "событие")]})
    for index, event in enumerate(events):
        where = f"Событие № {index + 1}" if len(events) > 1 else "Событие OpenLineage"
        prefix = f"$[{index}]" if len(events) > 1 else "$"
        depth = json_depth(event, settings.import_max_json_depth)
        if depth > settings.import_max_json_depth:
            raise LimitExceeded(f"{where}: вложенность JSON больше допустимой (не более "
                                f"{settings.import_max_json_depth}, CATALOG_IMPORT_MAX_JSON_DEPTH).",
                                {prefix: [f"вложенность больше {settings.import_max_json_depth}"]})
        if not isinstance(event, dict):
            continue
        for side in ("inputs", "outputs"):
            items = event.get(side)
            if isinstance(items, list) and len(items) > settings.openlineage_max_datasets:
                raise LimitExceeded(f"{where}: в «{side}» {len(items)} наборов данных — больше допустимого (не более "
                                    f"{settings.openlineage_max_datasets}, CATALOG_OPENLINEAGE_MAX_DATASETS).",
                                    {f"{prefix}.{side}": [counted(len(items), "элемент")]})
        size = sum(len(json.dumps(facets, ensure_ascii=False).encode()) for _path, _container, facets
                   in _facet_containers(event) if facets)
        if size > settings.openlineage_max_facets_bytes:
            raise LimitExceeded(f"{where}: фасеты занимают {size // 1024} КБ — больше допустимого (не более "
                                f"{settings.openlineage_max_facets_bytes // 1024} КБ, CATALOG_OPENLINEAGE_MAX_FACETS_KB).",
                                {prefix: [f"фасеты: {size} байт"]})


def ingest(ctx: Context, events, progress=None, dry_run: bool = False) -> list[dict]:
    """Validate every event, then write them all in one transaction (all or nothing); a dry run
    does the same work and rolls it back. The caller (:func:`run`) has asked the right."""
    single = isinstance(events, dict)
    batch = [events] if single else events
    if not isinstance(batch, list) or not batch:
        raise BadParameter("Ожидается событие OpenLineage (объект JSON) или непустой список событий.",
                           {"$": ["ожидается объект или список"]})
    check_limits(ctx.settings, batch)
    kinds, problems = [], []
    lines = getattr(batch, "lines", None)  # NDJSON: the file's line of each event
    for index, event in enumerate(batch):
        problems.append([])
        try:
            kinds.append(validate(event, ctx.settings.openlineage_spec, problems[-1]))
        except BadParameter as error:
            if single:
                raise
            if lines is not None:
                where = f"строка {lines[index]}"
                raise BadParameter(f"{where}: {error.message}",
                                   {f"{where}: {path}": reasons for path, reasons in error.fields.items()}) from None
            prefix = f"$[{index}]"
            raise BadParameter(f"Событие № {index + 1}: {error.message}",
                               {prefix + path[1:]: reasons for path, reasons in error.fields.items()}) from None
    results = []
    with one_transaction(ctx, dry_run):
        for event, kind, facet_problems in zip(batch, kinds, problems):
            outcome = apply(ctx, event, kind)
            if facet_problems:  # the lineage is kept; the answer names the facet and why
                outcome["invalid_facets"] = facet_problems
            results.append(outcome)
            if progress:
                progress(1)
    return results


def summary(results: list[dict]) -> dict:
    """What a batch of events did, as the report counts it."""
    out = {"events": len(results),
           "processes": len({r["process_id"] for r in results if r["process_id"]}),
           "datasets": len({d for r in results for d in r["datasets"]}),
           "links_added": sum(r["links_added"] for r in results),
           "runs_stored": sum(r["run_stored"] for r in results)}
    attribute_links = sum(r.get("attribute_links_added", 0) for r in results)
    if attribute_links:  # only events with columnLineage say it
        out["attribute_links_added"] = attribute_links
    return out


def loads(text: str, where: str):
    """JSON decoded, a document nested too deep for the decoder refused as a limit, not a crash."""
    try:
        return json.loads(text)
    except RecursionError:
        raise LimitExceeded(f"{where}: вложенность JSON больше допустимой (CATALOG_IMPORT_MAX_JSON_DEPTH).",
                            {"$": ["слишком глубокая вложенность"]}) from None


def read_events(path: Path, max_events: int | None = None) -> list[dict]:
    """Events of a file: a JSON object, a JSON list, or NDJSON (one event per line).

    With ``max_events``, NDJSON stops being read past that many events (refused)."""
    name = Path(path).name
    text = Path(path).read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("["):
        try:
            return loads(text, f"Файл «{name}»")
        except json.JSONDecodeError as error:
            raise _broken(name, error) from None
    try:
        return [loads(text, f"Файл «{name}»")]
    except json.JSONDecodeError as error:
        if error.msg != "Extra data" and not _first_line_is_json(text):
            raise _broken(name, error) from None  # one document, broken: its line and column
    events = EventList()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if max_events is not None and len(events) >= max_events:
            raise LimitExceeded(f"Файл «{name}», строка {number}: событий больше допустимого (не более "
                                f"{max_events}, CATALOG_OPENLINEAGE_MAX_EVENTS).", {f"строка {number}": ["лишнее событие"]})
        try:
            events.append(loads(line, f"Файл «{name}», строка {number}"))
            events.lines.append(number)
        except json.JSONDecodeError as error:
            raise BadParameter(f"Файл «{name}», строка {number}, позиция {error.colno}: не JSON ({error.msg}).",
                               {f"строка {number}": [f"позиция {error.colno}: {error.msg}"]}) from None
    return events


class EventList(list):
    """NDJSON events with the line each came from, so errors name lines, not event numbers."""

    def __init__(self):
        super().__init__()
        self.lines: list[int] = []


def _first_line_is_json(text: str) -> bool:
    """NDJSON (several events, one a line) rather than one document: its first line is a whole event."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    try:
        json.loads(lines[0])
    except (ValueError, RecursionError):
        return False
    return True


def _broken(name: str, error: json.JSONDecodeError) -> BadParameter:
    where = f"строка {error.lineno}, позиция {error.colno}"
    return BadParameter(f"Файл «{name}»: не JSON, {where}: {error.msg}.", {where: [error.msg]})


def runs_of(ctx: Context, process_id: int, limit: int = 200) -> list[models.OpenLineageRun]:
    records.get_record(ctx, "processes", process_id)
    return list(ctx.session.scalars(select(models.OpenLineageRun).where(
        models.OpenLineageRun.process_id == process_id).order_by(models.OpenLineageRun.event_time.desc(),
                                                                 models.OpenLineageRun.id.desc()).limit(limit)))


def run_json(run: models.OpenLineageRun) -> dict:
    from catalog.schemas import rfc3339

    return {"run_id": run.run_id, "event_type": run.event_type, "event_time": rfc3339(run.event_time),
            "job": {"namespace": run.job_namespace, "name": run.job_name}, "facets": run.facets,
            "received_at": rfc3339(run.received_at), "actor": run.actor_name}


@rules.operation("imports.openlineage")
def run(ctx: Context, source, *, file_name: str, dry_run: bool = False, progress=None, on_start=None):
    """Events from a file (``Path``: JSON, a list, NDJSON) or already decoded (the HTTP transport)."""
    from catalog.readers.report import ImportReport

    rules.check_import(ctx, "openlineage")  # who is asking, before the file is read
    events = read_events(source, ctx.settings.openlineage_max_events) if isinstance(source, Path) else source
    if on_start is not None:
        on_start(len(events) if isinstance(events, list) else 1)
    results = ingest(ctx, events, progress=progress, dry_run=dry_run)
    counts = summary(results)
    report = ImportReport("события OpenLineage", file_name, dry_run=dry_run, written=not dry_run, details=counts,
                          result=results)
    said = (f"процессов: {counts['processes']}, наборов данных: {counts['datasets']}, новых связей: "
            f"{counts['links_added']}, записей о запусках: {counts['runs_stored']}")
    report.text = (f"Проверено событий OpenLineage: {counts['events']}, ничего не записано; было бы {said}."
                   if dry_run else f"Принято событий OpenLineage: {counts['events']}; {said}.")
    return report
