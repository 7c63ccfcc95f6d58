"""Data described from its source (issue 20): a relational database read through SQLAlchemy's inspector,
and the one way a described model (datasets → entities → attributes, relations) is laid over the
catalogue, shared with the SMEV XSD import (``catalog.services.imports.xsd``).

Schemas become datasets (stored in the system), tables and views entities, columns attributes (type,
nullability, default, comment as the description), primary keys key attributes and foreign keys
RELATES_TO links between entities; a view keeps its definition. A second read shows what changed
(added, changed, gone) and applies it: gone records are soft-deleted with their history, names typed in
the catalogue are kept, and an empty comment never wipes a description typed in the catalogue.

Connection strings come from the configuration (``CATALOG_HARVEST_SOURCES``, named sources: the only
ones the page and the API offer, so nobody makes the server connect where they like, issue 12) or
from the command line; they are never stored. The source is only read: inspection queries in a
read-only transaction where the engine has one, and a SQLite file that does not exist is refused
rather than created.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, text, types
from sqlalchemy.engine import make_url
from sqlalchemy.engine.reflection import ObjectKind
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from catalog import models
from catalog.enums import DataType, EntityKind
from catalog.errors import InvalidInput, NotFound
from catalog.services import personal_data, records, rules
from catalog.services.context import Context
from catalog.services.imports.base import one_transaction

# Schemas of the engines themselves, never the data of a system.
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast", "sys", "mysql", "performance_schema"}


# --- the described model --------------------------------------------------------------------------


@dataclass
class AttributeSpec:
    code: str
    name: str
    data_type: str = DataType.STRING.value
    source_type: str | None = None
    is_key: bool = False
    is_required: bool = False
    default_value: str | None = None
    description: str | None = None
    restrictions: str | None = None


@dataclass
class EntitySpec:
    key: str  # the source's own name of the table or type, unique in its dataset
    name: str
    kind: str = EntityKind.TABLE.value
    description: str | None = None
    definition: str | None = None
    attributes: list[AttributeSpec] = field(default_factory=list)


@dataclass
class RelationSpec:
    source: tuple[str, str]  # (dataset key, entity key)
    target: tuple[str, str]
    description: str


@dataclass
class DatasetSpec:
    key: str  # Dataset.source_ref
    name: str
    description: str | None = None
    version: str | None = None
    entities: list[EntitySpec] = field(default_factory=list)
    prefix: str = ""  # how its entities are named in a report: «soc.» before «citizens»


@dataclass
class Model:
    datasets: list[DatasetSpec] = field(default_factory=list)
    relations: list[RelationSpec] = field(default_factory=list)


# --- what a read changes -----------------------------------------------------------------------------

ACTIONS = {"added": "добавлено", "changed": "изменено", "gone": "удалено (нет в источнике)", "restored": "возвращено"}
WHATS = {"datasets": "набор данных", "entities": "сущность", "attributes": "атрибут", "links": "связь сущностей"}
FIELD_LABELS = {
    "name": "наименование", "description": "описание", "data_type": "тип данных", "source_type": "тип в источнике",
    "is_key": "ключевой", "is_required": "обязательный", "default_value": "значение по умолчанию",
    "restrictions": "ограничения", "entity_kind": "чем является", "definition": "определение представления",
    "source_version": "версия", "relations": "внешние ключи",
    "pd_suggestion": "предложенная категория персональных данных",
}


@dataclass
class Difference:
    action: str  # added | changed | gone | restored
    what: str  # datasets | entities | attributes | links
    name: str  # as a person finds it: «public.orders.customer_id»
    fields: dict = field(default_factory=dict)  # {field: [before, after]}

    @property
    def text(self) -> str:
        line = f"{ACTIONS[self.action].capitalize()}: {WHATS[self.what]} «{self.name}»"
        if self.fields and self.action == "changed":
            line += ": " + "; ".join(f"{FIELD_LABELS.get(k, k)}: {_show(b)} → {_show(a)}"
                                     for k, (b, a) in self.fields.items())
        return line

    def to_dict(self) -> dict:
        return {"action": self.action, "what": self.what, "name": self.name, "fields": self.fields, "text": self.text}


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    value = str(value)
    return value if len(value) <= 120 else value[:117] + "…"


@dataclass
class HarvestReport:
    what: str
    dry_run: bool
    differences: list[Difference] = field(default_factory=list)
    tables: int = 0
    columns: int = 0
    seconds: float = 0.0
    written: bool = False
    notes: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for d in self.differences if d.action == action)

    @property
    def summary(self) -> str:
        from catalog.formatting import number

        head = f"Проверка: {self.what}, ничего не записано" if self.dry_run else f"Прочитано: {self.what}"
        counts = ", ".join(f"{label} — {number(self.count(action), 0)}" for action, label in ACTIONS.items()
                           if self.count(action))
        read = f"таблиц и представлений — {number(self.tables, 0)}, столбцов — {number(self.columns, 0)}"
        if not self.differences:
            return f"{head}: {read}; изменений нет."
        return f"{head}: {read}; {counts}."

    def lines(self, limit: int = 200) -> list[str]:
        out = [self.summary, *self.notes]
        out += [d.text for d in self.differences[:limit]]
        if len(self.differences) > limit:
            out.append(f"… и ещё {len(self.differences) - limit} изменений.")
        return out

    def to_dict(self, limit: int = 1000) -> dict:
        return {"summary": self.summary, "dry_run": self.dry_run, "written": self.written,
                "tables": self.tables, "columns": self.columns,
                "counts": {action: self.count(action) for action in ACTIONS},
                "differences": [d.to_dict() for d in self.differences[:limit]],
                "differences_cut": max(0, len(self.differences) - limit), "notes": self.notes}


# --- laying a model over the catalogue -----------------------------------------------------------------

ENTITY_FIELDS = ("entity_kind", "definition", "description")
ATTRIBUTE_FIELDS = ("data_type", "source_type", "is_key", "is_required", "default_value", "restrictions", "description")


def _desired_entity(spec: EntitySpec) -> dict:
    return {"entity_kind": spec.kind, "definition": spec.definition, "description": spec.description or None}


def _desired_attribute(spec: AttributeSpec) -> dict:
    return {"data_type": spec.data_type, "source_type": spec.source_type, "is_key": spec.is_key,
            "is_required": spec.is_required, "default_value": spec.default_value,
            "restrictions": spec.restrictions, "description": spec.description or None}


def _changes(record, desired: dict) -> dict:
    """Fields to change; an empty description in the source never wipes one typed in the catalogue."""
    out = {}
    for name, value in desired.items():
        if name == "description" and not value:
            continue
        if getattr(record, name) != value:
            out[name] = value
    return out


def _clip(value: str, length: int) -> str:
    return value if len(value) <= length else value[:length - 1] + "…"


class _Applier:
    def __init__(self, ctx: Context, scope: str, owner_agency_id: int | None, system_id: int | None,
                 report: HarvestReport, prune: bool, exact: bool = False, after_dataset=None):
        self.exact = exact  # the scope is one dataset's key, not a prefix
        self.after_dataset = after_dataset
        self.ctx, self.scope, self.owner, self.system_id, self.report = ctx, scope, owner_agency_id, system_id, report
        self.prune = prune  # gone datasets of the scope are deleted (a database); an XSD touches only its own

    def diff(self, action, what, name, fields=None):
        self.report.differences.append(Difference(action, what, name, fields or {}))

    def _update(self, kind: str, record, values: dict, label: str) -> None:
        before = {k: getattr(record, k) for k in values}
        if record.is_deleted:
            records.restore_record(self.ctx, kind, record.id, record.version)
            self.diff("restored", kind, label)
        if values:
            records.update_record(self.ctx, kind, record.id, {**values, "version": record.version})
            self.diff("changed", kind, label, {k: [before[k], v] for k, v in values.items()})

    def _delete(self, kind: str, record, label: str) -> None:
        if not record.is_deleted:
            records.delete_record(self.ctx, kind, record.id, record.version)
            self.diff("gone", kind, label)

    def run(self, model: Model) -> None:
        session = self.ctx.session
        self.prefixes = {spec.key: spec.prefix for spec in model.datasets}
        match = models.Dataset.source_ref == self.scope if self.exact else \
            models.Dataset.source_ref.like(f"{self.scope}%")
        stored = {d.source_ref: d for d in session.scalars(select(models.Dataset).where(match))}
        dataset_ids = [d.id for d in stored.values()]
        entities: dict[int, dict[str, models.Entity]] = {}
        attributes: dict[int, dict[str, models.Attribute]] = {}
        for chunk in _chunks(dataset_ids):
            for entity in session.scalars(select(models.Entity).where(models.Entity.dataset_id.in_(chunk))):
                entities.setdefault(entity.dataset_id, {})[entity.source_ref or f"#{entity.id}"] = entity
        self.labels = {}  # entity id → its name in the report
        for dataset in stored.values():
            for key, entity in entities.get(dataset.id, {}).items():
                self.labels[entity.id] = f"{self.prefixes.get(dataset.source_ref, '')}{key}"
        entity_ids = [e.id for by in entities.values() for e in by.values()]
        for chunk in _chunks(entity_ids):
            for attribute in session.scalars(select(models.Attribute).where(models.Attribute.entity_id.in_(chunk))):
                attributes.setdefault(attribute.entity_id, {})[attribute.code or f"#{attribute.id}"] = attribute

        live: dict[tuple[str, str], models.Entity] = {}
        seen_datasets = set()
        for spec in model.datasets:
            seen_datasets.add(spec.key)
            dataset = stored.get(spec.key)
            if dataset is None:
                dataset = records.create_record(self.ctx, "datasets", {
                    "name": _clip(spec.name, 1000), "description": spec.description or None,
                    "owner_agency_id": self.owner, "source_ref": spec.key, "source_version": spec.version})
                self.diff("added", "datasets", spec.name)
                if self.system_id is not None:
                    records.create_record(self.ctx, "links", {
                        "link_type": "STORED_IN", "source_kind": "datasets", "source_id": dataset.id,
                        "target_kind": "systems", "target_id": self.system_id})
            else:
                wanted = {"source_version": spec.version}
                if spec.description:
                    wanted["description"] = spec.description
                self._update("datasets", dataset, {k: v for k, v in wanted.items() if getattr(dataset, k) != v},
                             dataset.name)
            if self.after_dataset is not None:
                # Before its entities: a mart owner adds entities only to data its mart exposes.
                self.after_dataset(dataset)
            known = entities.get(dataset.id, {})
            seen_entities = set()
            for entity_spec in spec.entities:
                seen_entities.add(entity_spec.key)
                label = f"{spec.prefix}{entity_spec.key}"
                entity = known.get(entity_spec.key)
                if entity is None:
                    entity = records.create_record(self.ctx, "entities", {
                        "name": _clip(entity_spec.name, 500), "dataset_id": dataset.id,
                        "source_ref": entity_spec.key, **_desired_entity(entity_spec)})
                    self.diff("added", "entities", label)
                else:
                    self._update("entities", entity, _changes(entity, _desired_entity(entity_spec)), label)
                live[(spec.key, entity_spec.key)] = entity
                self.labels[entity.id] = label
                self._attributes(entity, entity_spec, attributes.get(entity.id, {}), label)
            for key, entity in known.items():
                if key not in seen_entities:
                    self._drop_entity(entity, attributes.get(entity.id, {}), f"{spec.prefix}{key}")
        if self.prune:
            for key, dataset in stored.items():
                if key not in seen_datasets:
                    for entity_key, entity in entities.get(dataset.id, {}).items():
                        self._drop_entity(entity, attributes.get(entity.id, {}), entity_key)
                    self._delete("datasets", dataset, dataset.name)
        self._relations(model, live, [e for by in entities.values() for e in by.values()])

    def _attributes(self, entity, spec: EntitySpec, known: dict, label: str) -> None:
        seen, new = set(), []
        for attribute_spec in spec.attributes:
            seen.add(attribute_spec.code)
            name = f"{label}.{attribute_spec.code}"
            attribute = known.get(attribute_spec.code)
            desired = _desired_attribute(attribute_spec)
            # 152-FZ: what the names and the description suggest; the owner accepts or rejects it.
            suggestion = personal_data.suggest(attribute_spec.name, attribute_spec.code, attribute_spec.description)
            if attribute is None:
                new.append({"entity_id": entity.id, "code": _clip(attribute_spec.code, 200),
                            "name": _clip(attribute_spec.name, 500), **desired, "pd_suggestion": suggestion})
                self.report.differences.append(Difference("added", "attributes", name))
            else:
                changes = _changes(attribute, desired)
                if suggestion and attribute.pd_suggestion is None and attribute.pd_category is None:
                    changes["pd_suggestion"] = suggestion
                self._update("attributes", attribute, changes, name)
        if new:  # an entity's new columns in one flush: a first harvest of 40,000 columns in under two minutes
            records.create_many(self.ctx, "attributes", new)
        for code, attribute in known.items():
            if code not in seen:
                self._delete("attributes", attribute, f"{label}.{code}")

    def _drop_entity(self, entity, attributes: dict, label: str) -> None:
        for code, attribute in attributes.items():
            self._delete("attributes", attribute, f"{label}.{code}")
        self._delete("entities", entity, label)

    def _relations(self, model: Model, live: dict, stored_entities: list) -> None:
        """RELATES_TO links between the entities of the scope: one per pair, naming every foreign key."""
        wanted: dict[tuple[int, int], list[str]] = {}
        names = {}
        for relation in model.relations:
            source, target = live.get(relation.source), live.get(relation.target)
            if source is None or target is None or source.id == target.id:
                continue
            wanted.setdefault((source.id, target.id), []).append(relation.description)
            names[(source.id, target.id)] = f"{self.prefixes.get(relation.source[0], '')}{relation.source[1]} → " \
                                            f"{self.prefixes.get(relation.target[0], '')}{relation.target[1]}"
        ids = {e.id for e in live.values()} | {e.id for e in stored_entities}
        existing = {}
        for chunk in _chunks(sorted(ids)):
            for link in self.ctx.session.scalars(select(models.Link).where(
                    models.Link.link_type == "RELATES_TO", models.Link.source_kind == "entities",
                    models.Link.source_id.in_(chunk))):
                # One per pair: a live one wins over a deleted twin.
                key = (link.source_id, link.target_id)
                if key not in existing or existing[key].is_deleted:
                    existing[key] = link
        for pair, descriptions in wanted.items():
            description = "; ".join(descriptions)
            link = existing.get(pair)
            if link is None:
                records.create_record(self.ctx, "links", {
                    "link_type": "RELATES_TO", "source_kind": "entities", "source_id": pair[0],
                    "target_kind": "entities", "target_id": pair[1], "description": description})
                self.diff("added", "links", names[pair])
            else:
                self._update("links", link, {"description": description} if link.description != description else {},
                             names[pair])
        for pair, link in existing.items():
            if pair not in wanted and pair[0] in self.labels:
                self._delete("links", link, f"{self.labels[pair[0]]} → {self.labels.get(pair[1], f'№ {pair[1]}')}")


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def apply_model(ctx: Context, model: Model, *, scope: str, owner_agency_id: int | None, system_id: int | None,
                report: HarvestReport, prune: bool = True, exact: bool = False, after_dataset=None) -> HarvestReport:
    """Lay ``model`` over the datasets whose ``source_ref`` starts with ``scope``, through the records
    service (rights, validation, history of each record); the caller holds the transaction."""
    _Applier(ctx, scope, owner_agency_id, system_id, report, prune, exact, after_dataset).run(model)
    return report


# --- reading a database --------------------------------------------------------------------------------


def catalog_type(sa_type) -> str:
    """The catalogue's data type of a column's SQLAlchemy type."""
    if isinstance(sa_type, types.Boolean):
        return DataType.BOOLEAN.value
    if isinstance(sa_type, types.Integer):
        return DataType.INTEGER.value
    if isinstance(sa_type, types.Numeric):
        return DataType.DECIMAL.value
    if isinstance(sa_type, types.DateTime):
        return DataType.DATETIME.value
    if isinstance(sa_type, types.Date):
        return DataType.DATE.value
    return DataType.STRING.value


def _type_text(sa_type, dialect) -> str:
    try:
        return _clip(sa_type.compile(dialect=dialect), 200)
    except Exception:  # a dialect's own type it cannot print back (NullType of SQLite): its class
        return type(sa_type).__name__


def _engine_for(url: str):
    """An engine over the source, refused with the reason in Russian when it cannot be one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput("Строка подключения не читается.", {"url": ["Ожидается адрес SQLAlchemy: "
                           "postgresql+psycopg://пользователь@сервер/база или sqlite:///путь/к/файлу.db."]}) from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).is_file():
            # SQLite would create an empty file: the harvest never writes to its source.
            raise InvalidInput("Файл базы данных SQLite не найден.", {"url": [f"Нет файла «{database}»."]})
        parsed = parsed.set(query={**parsed.query, "mode": "ro"}, database=f"file:{database}")
        parsed = parsed.update_query_dict({"uri": "true"})
    try:
        return create_engine(parsed, poolclass=NullPool)
    except (NoSuchModuleError, ImportError) as error:
        raise InvalidInput("Драйвер этой базы данных не установлен.", {"url": [str(error)]}) from None


def read_database(url: str, *, system: models.InformationSystem, schemas: list[str] | None = None,
                  report: HarvestReport | None = None) -> Model:
    """The described model of a database: one dataset per schema (its tables, views, columns, keys)."""
    engine = _engine_for(url)
    model = Model()
    system_name = system.short_name or system.name
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET TRANSACTION READ ONLY"))
            inspector = inspect(connection)
            default = inspector.default_schema_name
            names = schemas or [s for s in inspector.get_schema_names()
                                if s not in SYSTEM_SCHEMAS and not s.startswith("pg_")]
            for schema in names:
                dataset = _read_schema(inspector, engine.dialect, system, schema, default, system_name, model)
                if not dataset.entities:
                    continue  # a schema without tables describes no data (PostgreSQL's empty «public»)
                model.datasets.append(dataset)
                if report is not None:
                    report.tables += len(dataset.entities)
                    report.columns += sum(len(e.attributes) for e in dataset.entities)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise InvalidInput("Не удалось прочитать базу данных.", {"url": [reason]}) from None
    finally:
        engine.dispose()
    return model


def _multi(call, **kwargs) -> dict:
    try:
        return call(**kwargs)
    except NotImplementedError:  # SQLite keeps no comments
        return {}


def _read_schema(inspector, dialect, system, schema, default, system_name, model: Model) -> DatasetSpec:
    key = f"db:{system.id}:{schema}"
    only = schema == default and dialect.name == "sqlite"
    name = system_name if only else f"{system_name}: схема «{schema}»"
    dataset = DatasetSpec(key=key, name=name, prefix="" if only else f"{schema}.")
    tables = set(inspector.get_table_names(schema=schema))
    views = set(inspector.get_view_names(schema=schema))
    try:
        views |= set(inspector.get_materialized_view_names(schema=schema))
    except NotImplementedError:
        pass
    kinds = ObjectKind.TABLE | ObjectKind.VIEW | ObjectKind.MATERIALIZED_VIEW
    columns = _multi(inspector.get_multi_columns, schema=schema, kind=kinds)
    keys = _multi(inspector.get_multi_pk_constraint, schema=schema)
    foreign = _multi(inspector.get_multi_foreign_keys, schema=schema)
    comments = _multi(inspector.get_multi_table_comment, schema=schema, kind=kinds)
    by_name = lambda found: {k[-1]: v for k, v in found.items()}  # noqa: E731 — keys are (schema, name)
    columns, keys, foreign, comments = map(by_name, (columns, keys, foreign, comments))
    for table in sorted(tables | views):
        is_view = table in views
        key_columns = set((keys.get(table) or {}).get("constrained_columns") or [])
        definition = None
        if is_view:
            try:
                definition = inspector.get_view_definition(table, schema=schema)
            except (NotImplementedError, SQLAlchemyError):
                definition = None
        entity = EntitySpec(key=table, name=table, kind=EntityKind.VIEW.value if is_view else EntityKind.TABLE.value,
                            description=(comments.get(table) or {}).get("text") or None,
                            definition=definition.strip() if isinstance(definition, str) else None)
        for column in columns.get(table, []):
            default_value = column.get("default")
            entity.attributes.append(AttributeSpec(
                code=column["name"], name=column["name"], data_type=catalog_type(column["type"]),
                source_type=_type_text(column["type"], dialect), is_key=column["name"] in key_columns,
                is_required=not column.get("nullable", True) and not is_view,
                default_value=str(default_value) if default_value is not None else None,
                description=column.get("comment") or None))
        dataset.entities.append(entity)
        for fk in foreign.get(table, []):
            target_schema = fk.get("referred_schema") or schema
            pairs = ", ".join(fk["constrained_columns"])
            referred = ", ".join(fk["referred_columns"])
            label = f"внешний ключ {fk['name']}: " if fk.get("name") else "внешний ключ: "
            model.relations.append(RelationSpec(
                (key, table), (f"db:{system.id}:{target_schema}", fk["referred_table"]),
                f"{label}{table}({pairs}) → {fk['referred_table']}({referred})"))
    return dataset


# --- the operation ---------------------------------------------------------------------------------------


def named_sources(ctx: Context) -> dict[str, str]:
    """The sources the configuration names (``CATALOG_HARVEST_SOURCES``): name → connection string."""
    from catalog.services import permissions

    permissions.require_read(ctx)
    return dict(ctx.settings.harvest_sources or {})


def source_url(ctx: Context, source: str) -> str:
    sources = named_sources(ctx)
    if source not in sources:
        known = ", ".join(sorted(sources)) or "ни одного (CATALOG_HARVEST_SOURCES)"
        raise InvalidInput("Нет такого источника в настройках каталога.",
                           {"source": [f"Источника «{source}» нет; настроены: {known}."]})
    return sources[source]


def get_system(ctx: Context, system_id: int) -> models.InformationSystem:
    from catalog.services import permissions

    permissions.require_read(ctx)
    return ctx.get(models.InformationSystem, system_id, f"Информационная система № {system_id} не найдена.")


@rules.operation("harvest.database")
def harvest_database(ctx: Context, system_id: int, *, url: str | None = None, source: str | None = None,
                     schemas: list[str] | None = None, dry_run: bool = False) -> HarvestReport:
    """Read the database of a system (a named source, or a URL the command line gives) and lay what it
    holds over the system's datasets; ``dry_run`` shows the differences and writes nothing."""
    system = get_system(ctx, system_id)
    rules.check(ctx, "harvest.database", system)
    if (url is None) == (source is None):
        raise InvalidInput("Укажите источник: имя из настроек или строку подключения.",
                           {"source": ["Нужен ровно один источник."]})
    if source is not None:
        url = source_url(ctx, source)
    started = time.monotonic()
    what = f"база данных системы «{system.short_name or system.name}»" + (f" (источник «{source}»)" if source else "")
    report = HarvestReport(what=what, dry_run=dry_run)
    model = read_database(url, system=system, schemas=schemas, report=report)
    bulk, autocommit = ctx.bulk, ctx.autocommit
    try:
        with one_transaction(ctx, dry_run):
            ctx.bulk = True  # change events flushed with the records, not one by one
            apply_model(ctx, model, scope=f"db:{system.id}:", owner_agency_id=system.operator_agency_id,
                        system_id=system.id, report=report, prune=schemas is None)
    finally:
        ctx.bulk, ctx.autocommit = bulk, autocommit  # the caller's context as it was
    report.written = not dry_run
    report.seconds = time.monotonic() - started
    return report


@rules.operation("harvest.database")
def harvest_named(ctx: Context, system_id: int, data: dict) -> HarvestReport:
    """A harvest asked by the page or the API: a named source only (``HarvestRequestSchema``)."""
    from marshmallow import ValidationError

    from catalog.schemas import HarvestRequestSchema, validation_messages

    system = get_system(ctx, system_id)
    rules.check(ctx, "harvest.database", system)  # who may not hears it before any field error
    try:
        values = HarvestRequestSchema().load(data if isinstance(data, dict) else {})
    except ValidationError as error:
        raise InvalidInput("Запрос не прошёл проверку.", validation_messages(error)) from None
    return harvest_database(ctx, system_id, source=values["source"], schemas=values["schemas"] or None,
                            dry_run=values["dry_run"])


def harvested_datasets(ctx: Context, system_id: int) -> list[models.Dataset]:
    """The datasets a harvest made for a system, deleted ones too (the page lists them)."""
    get_system(ctx, system_id)
    return list(ctx.session.scalars(select(models.Dataset).where(
        models.Dataset.source_ref.like(f"db:{system_id}:%")).order_by(models.Dataset.id)))


__all__ = ["AttributeSpec", "DatasetSpec", "Difference", "EntitySpec", "HarvestReport", "Model", "NotFound",
           "RelationSpec", "apply_model", "harvest_database", "named_sources", "read_database"]
