"""Read, create, change, delete and restore any record kind. The API, the pages and the CLI all come here.

Each operation validates with the kind's schema, checks the rights beside the
work, checks the rules the schema cannot see (references, uniqueness, status
order), writes the record and its change event in one transaction.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

from marshmallow import ValidationError
from functools import cache

from sqlalchemy import (Integer, and_, bindparam, column, func, inspect, literal_column, or_, select, text)
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.exc import StaleDataError

from catalog import models
from catalog.enums import Action, ProcessStatus, Role
from catalog.errors import BadParameter, Conflict, InvalidInput
from catalog.kinds import KINDS, LINK_RULES, Kind, get_kind
from catalog.schemas import validation_messages
from catalog.services import consistency, evidence, gate, history, permissions, rules
from catalog.services.context import Context
from catalog.services.versions import check_version

UNIQUE_FIELDS = ("code",)


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# --- reading ----------------------------------------------------------------


def filterable_fields(kind: Kind) -> dict:
    return {name: f for name, f in kind.fields().items() if f.metadata.get("filter")}


def normalize_text(value: str) -> str:
    return value.lower().replace("ё", "е")


# Columns the list filter «?q=» reads, each under a trigram index (migration 0021): pg_trgm on
# PostgreSQL, an FTS5 trigram table «<table>_text» kept by triggers on SQLite.
SUBSTRING_COLUMNS = ("name", "full_name", "code", "registry_id", "short_name")
TRIGRAM = 3  # the shortest text a trigram index narrows; shorter ones are read by a scan


def substring_indexed() -> dict[str, list[str]]:
    """Each table the filter reads, with its columns; the names of its index objects follow from them:
    «<table>_text» (FTS5, with shadow tables «<table>_text_data»… and triggers) and «ix_<table>_<column>_trgm»."""
    tables = {kind.model.__tablename__: [c for c in SUBSTRING_COLUMNS if hasattr(kind.model, c)]
              for kind in KINDS.values()}
    return {table: columns for table, columns in tables.items() if columns}


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def substring_filter(ctx: Context, model, q: str):
    """Records whose name, code or identifier contains ``q`` (case, «ё» and LIKE's own signs aside)."""
    needle = normalize_text(q.strip())
    columns = [getattr(model, c) for c in SUBSTRING_COLUMNS if hasattr(model, c)]
    # Literal constants: the expression is the indexed one whatever the driver does with parameters.
    folded = [func.replace(func.lower(c), literal_column("'ё'"), literal_column("'е'")) for c in columns]
    pattern = f"%{_escape_like(needle)}%"
    condition = or_(*[f.like(pattern, escape="\\") for f in folded])
    if ctx.session.get_bind().dialect.name == "sqlite" and len(needle) >= TRIGRAM:
        # The FTS table names the candidates; the LIKE above keeps the answer exact.
        fts = f"{model.__tablename__}_text"
        phrase = '"' + needle.replace('"', '""') + '"'
        candidates = text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :phrase").bindparams(phrase=phrase)
        condition = and_(model.id.in_(candidates.columns(column("rowid", Integer))), condition)
    return condition


def list_records(
    ctx: Context,
    kind_name: str,
    filters: dict | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 50,
    include_deleted: bool = False,
    only_deleted: bool = False,
) -> Page:
    permissions.require_read(ctx)
    kind = get_kind(kind_name)
    model = kind.model
    query = select(model)
    if only_deleted:
        query = query.where(model.deleted_at.is_not(None))
    elif not include_deleted:
        query = query.where(model.deleted_at.is_(None))
    allowed = filterable_fields(kind)
    for name, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if name not in allowed:
            raise BadParameter("Неизвестный фильтр.", {name: [f"Фильтр «{name}» не поддерживается."]})
        query = query.where(getattr(model, name) == value)
    if q:
        from catalog.search.query import MAX_QUERY_LENGTH

        # The search box's own limit: SQLite refuses a LIKE pattern over 50 000 bytes with an error.
        if len(q) > MAX_QUERY_LENGTH:
            raise BadParameter("Слишком длинный запрос.", {"q": [f"Не длиннее {MAX_QUERY_LENGTH} символов."]})
        if any(hasattr(model, c) for c in SUBSTRING_COLUMNS):
            query = query.where(substring_filter(ctx, model, q))
    total = ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    # The register reads agency by agency, in the agency's own numbering.
    order = [model.agency_id, model.registry_id, model.id] if model is models.Process else [model.id]
    offset = (page - 1) * per_page
    # A page past the last holds nothing: not asked of the store, whose offsets stop at 2**63.
    items = [] if offset >= (total or 0) else list(ctx.session.scalars(
        query.order_by(*order).offset(offset).limit(per_page)))
    return Page(items=items, total=total or 0, page=page, per_page=per_page)


def get_record(ctx: Context, kind_name: str, record_id: int) -> models.Record:
    permissions.require_read(ctx)
    kind = get_kind(kind_name)
    return ctx.get(kind.model, record_id, f"Запись «{kind.label_one}» № {record_id} не найдена.", deleted=True)


def find_by_code(ctx: Context, kind_name: str, code: str, parameter: str) -> models.Record:
    """A live record by its code, or by its number when all digits (as people type them on a command
    line); the refusal names the parameter the code came in."""
    permissions.require_read(ctx)
    kind = get_kind(kind_name)
    code = str(code).strip()
    match = kind.model.code == code
    if code.isdigit() and len(code) < 10:
        match = match | (kind.model.id == int(code))
    record = ctx.session.scalar(select(kind.model).where(match, kind.model.deleted_at.is_(None)))
    if record is None:
        message = f"Нет записи «{kind.label_one}» с кодом или номером «{code}»."
        raise BadParameter(message, {parameter: [message]})
    return record


ID_CHUNK = 500  # ids per IN (...) list


def _ids_by_kind(refs: set[tuple[str, int]]) -> Iterator[tuple[str, list[int]]]:
    """(kind, ids) for (kind, id) pairs of known kinds, ids in chunks for IN lists."""
    by_kind: dict[str, set[int]] = {}
    for kind_name, record_id in refs:
        if kind_name in KINDS and record_id is not None:
            by_kind.setdefault(kind_name, set()).add(record_id)
    for kind_name, ids in by_kind.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), ID_CHUNK):
            yield kind_name, ordered[start:start + ID_CHUNK]


def titles_for(ctx: Context, refs: set[tuple[str, int]]) -> dict[tuple[str, int], models.Record]:
    """Load the records behind (kind, id) pairs, one query per kind; those the session holds already
    (a record's page reads its links' ends, then its feed names the same records) are not read again."""
    found, wanted = {}, set()
    held = ctx.session.identity_map
    for kind_name, record_id in refs:
        if kind_name not in KINDS or record_id is None:
            continue
        record = held.get(identity_key(KINDS[kind_name].model, record_id))
        if record is not None and not inspect(record).expired_attributes:
            found[(kind_name, record_id)] = record
        else:
            wanted.add((kind_name, record_id))
    for kind_name, ids in _ids_by_kind(wanted):
        model = KINDS[kind_name].model
        for record in ctx.session.scalars(select(model).where(model.id.in_(ids))):
            found[(kind_name, record.id)] = record
    return found


@dataclass(frozen=True)
class RecordLabel:
    """What a graph answer shows of a record: enough for a title and a link, read column by column."""

    kind: str
    id: int
    title: str
    is_deleted: bool


def labels_for(ctx: Context, refs: set[tuple[str, int]]) -> dict[tuple[str, int], RecordLabel]:
    """Titles of many records without loading them whole: one statement, a narrow select per kind.

    A lineage names a few hundred records of a dozen kinds on every view, so the statement is plain
    text kept per (kind, number of id lists): building and caching a dozen ORM selects cost more
    than the database's work."""
    found = {}
    chunks = sorted(_ids_by_kind(refs), key=lambda chunk: chunk[0])  # one statement per set of kinds
    for batch in range(0, len(chunks), LABEL_SELECTS):
        part = chunks[batch:batch + LABEL_SELECTS]
        statement = _labels_statement(tuple(kind_name for kind_name, _ in part))
        params = {f"ids_{number}": ids for number, (_, ids) in enumerate(part)}
        for kind_name, record_id, title, deleted in ctx.session.execute(statement, params):
            found[(kind_name, record_id)] = RecordLabel(kind_name, record_id, title or f"#{record_id}", bool(deleted))
    return found


_LABEL_STATEMENTS: dict[tuple[str, ...], object] = {}


def _labels_statement(kind_names: tuple[str, ...]):
    """``SELECT 'kind', id, title, deleted_at IS NOT NULL … UNION ALL …`` with one expanding id list a kind."""
    statement = _LABEL_STATEMENTS.get(kind_names)
    if statement is None:
        selects = []
        for number, kind_name in enumerate(kind_names):
            kind = KINDS[kind_name]
            table = kind.model.__table__
            title = table.c[kind.title_field].name
            selects.append(f"SELECT '{kind_name}', id, CAST({title} AS VARCHAR), "
                           f"CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END FROM {table.name} WHERE id IN :ids_{number}")
        statement = text(" UNION ALL ".join(selects)).bindparams(
            *(bindparam(f"ids_{number}", expanding=True) for number in range(len(kind_names))))
        if len(_LABEL_STATEMENTS) >= 4096:  # sets of kinds are few; a bound all the same
            _LABEL_STATEMENTS.clear()
        _LABEL_STATEMENTS[kind_names] = statement
    return statement


LABEL_SELECTS = 50  # selects per statement: SQLite's compound limit is 500, bound parameters 32 766


@dataclass
class LinkView:
    link: models.Link
    other_kind: str
    other: models.Record | None  # None when the record no longer exists at all

    @property
    def other_deleted(self) -> bool:
        return self.other is None or self.other.is_deleted


def links_of(ctx: Context, kind_name: str, record_id: int, include_deleted: bool = False) -> tuple[list[LinkView], list[LinkView]]:
    """Outgoing and incoming links of a record, with the record at the other end (deleted ones kept)."""
    permissions.require_read(ctx)
    links = []
    for kind_col, id_col in ((models.Link.source_kind, models.Link.source_id),
                             (models.Link.target_kind, models.Link.target_id)):
        query = select(models.Link).where(kind_col == kind_name, id_col == record_id)
        if not include_deleted:
            query = query.where(models.Link.deleted_at.is_(None))
        links += ctx.session.scalars(query.order_by(models.Link.link_type, models.Link.id))
    refs = set()
    for link in links:
        refs.add((link.source_kind, link.source_id))
        refs.add((link.target_kind, link.target_id))
    records = titles_for(ctx, refs)
    outgoing, incoming = [], []
    for link in links:
        if link.source_kind == kind_name and link.source_id == record_id:
            outgoing.append(LinkView(link, link.target_kind, records.get((link.target_kind, link.target_id))))
        else:
            incoming.append(LinkView(link, link.source_kind, records.get((link.source_kind, link.source_id))))
    return outgoing, incoming


def record_history(ctx: Context, kind_name: str, record_id: int, limit: int | None = None) -> list[models.ChangeEvent]:
    """The record's history, newest first (``history.history_of``); with ``limit``, the newest events only."""
    get_record(ctx, kind_name, record_id)
    return history.history_of(ctx, kind_name, record_id, limit)


def status_transitions(ctx: Context, process_id: int) -> list[models.StatusTransition]:
    get_record(ctx, "processes", process_id)
    return list(
        ctx.session.scalars(
            select(models.StatusTransition)
            .where(models.StatusTransition.process_id == process_id)
            .order_by(models.StatusTransition.id)
        )
    )


# --- writing ----------------------------------------------------------------


def _validate(kind: Kind, data: dict, partial: bool) -> dict:
    if not isinstance(data, dict):
        raise InvalidInput("Ожидается объект JSON с полями записи.")
    try:
        return kind.load_schema(partial=partial).load(data)
    except ValidationError as error:
        raise InvalidInput("Данные не прошли проверку.", validation_messages(error)) from None


def _check_references(ctx: Context, kind: Kind, values: dict, errors: dict) -> None:
    fields = kind.fields()
    for name, value in values.items():
        target = fields[name].metadata.get("ref") if name in fields else None
        if not target or value is None:
            continue
        target_kind = KINDS[target]
        referenced = ctx.session.get(target_kind.model, value)
        if referenced is None:
            errors.setdefault(name, []).append(f"Запись «{target_kind.label_one}» № {value} не существует.")
        elif referenced.is_deleted:
            errors.setdefault(name, []).append(f"Запись «{target_kind.label_one}» № {value} удалена.")


def _check_unique(ctx: Context, kind: Kind, values: dict, record_id: int | None, errors: dict) -> None:
    model = kind.model
    for name in UNIQUE_FIELDS:
        # Only where the store makes the code unique: attribute codes repeat across entities.
        if name in values and values[name] is not None and hasattr(model, name) \
                and model.__table__.c[name].unique:
            query = select(model.id).where(getattr(model, name) == values[name])
            if record_id is not None:
                query = query.where(model.id != record_id)
            if ctx.session.scalar(query.limit(1)) is not None:
                errors.setdefault(name, []).append(f"Код «{values[name]}» уже занят.")


def _check_process(ctx: Context, values: dict, record: models.Process | None, errors: dict) -> None:
    agency_id = values.get("agency_id", record.agency_id if record else None)
    registry_id = values.get("registry_id", record.registry_id if record else None)
    if ("agency_id" in values or "registry_id" in values) and agency_id and registry_id:
        clash = ctx.session.execute(_registry_clash(), {"agency_id": agency_id, "registry_id": registry_id,
                                                        "own_id": record.id if record is not None else 0}).first()
        if clash is not None:
            state = " (удалён; его можно восстановить)" if clash.deleted_at is not None else ""
            errors.setdefault("registry_id", []).append(
                f"В реестре органа уже есть процесс с идентификатором «{registry_id}»: № {clash.id}{state}."
            )
    if record is not None and "status" in values and values["status"] != record.status:
        before = ProcessStatus(record.status)
        after = ProcessStatus(values["status"])
        if after.rank < before.rank and not values.get("status_reason"):
            errors.setdefault("status_reason", []).append(
                f"Возврат со статуса «{before.label}» на «{after.label}» требует указать причину."
            )
    if "status" in values and (record is None or values["status"] != record.status):
        evidence.check_status(ctx, record, values["status"], errors)


# The two questions every new process and link asks (an import asks them for each row): built once, so a
# row pays for the query alone, not for composing it again.
@cache
def _registry_clash():
    process = models.Process
    return (select(process.id, process.deleted_at)
            .where(process.agency_id == bindparam("agency_id"), process.registry_id == bindparam("registry_id"),
                   process.id != bindparam("own_id")).limit(1))


@cache
def _same_link():
    link = models.Link
    return (select(link.id).where(
        link.link_type == bindparam("link_type"), link.source_kind == bindparam("source_kind"),
        link.source_id == bindparam("source_id"), link.target_kind == bindparam("target_kind"),
        link.target_id == bindparam("target_id"), link.deleted_at.is_(None), link.id != bindparam("own_id"))
        .limit(1))


def _check_agency(ctx: Context, values: dict, record: models.Agency | None, errors: dict) -> None:
    parent_id = values.get("parent_id")
    if record is None or parent_id is None:
        return
    seen = set()
    current = ctx.session.get(models.Agency, parent_id)
    while current is not None and current.id not in seen:
        if current.id == record.id:
            errors.setdefault("parent_id", []).append("Орган не может подчиняться сам себе, в том числе через подведомственные.")
            return
        seen.add(current.id)
        current = current.parent


def _check_link(ctx: Context, values: dict, record: models.Link | None, errors: dict) -> None:
    merged = {**(permissions.record_values(record) if record else {}), **values}
    rule = LINK_RULES.get(merged.get("link_type"))
    if rule is None:
        return
    sources, targets = rule
    for side, allowed in (("source", sources), ("target", targets)):
        side_kind = merged.get(f"{side}_kind")
        side_id = merged.get(f"{side}_id")
        if side_kind not in allowed:
            names = ", ".join(sorted(allowed))
            errors.setdefault(f"{side}_kind", []).append(
                f"Связь {merged['link_type']} допускает здесь только: {names}."
            )
            continue
        other = ctx.session.get(KINDS[side_kind].model, side_id)
        if other is None:
            errors.setdefault(f"{side}_id", []).append(f"Запись «{KINDS[side_kind].label_one}» № {side_id} не существует.")
        elif other.is_deleted:
            errors.setdefault(f"{side}_id", []).append(f"Запись «{KINDS[side_kind].label_one}» № {side_id} удалена.")
    if merged.get("source_kind") == merged.get("target_kind") and merged.get("source_id") == merged.get("target_id"):
        errors.setdefault("target_id", []).append("Запись не может быть связана сама с собой.")
    duplicate = ctx.session.scalar(_same_link(), {
        **{name: merged.get(name) for name in ("link_type", "source_kind", "source_id", "target_kind", "target_id")},
        "own_id": record.id if record is not None else 0})
    if duplicate is not None:
        errors.setdefault("target_id", []).append("Такая связь уже есть.")
    if record is None or any(name in values for name in ("link_type", "source_id", "target_kind", "target_id")):
        gate.check_automation(ctx, merged, errors)


RULES = {"processes": _check_process, "agencies": _check_agency, "links": _check_link,
         "systems": gate.check_system}


def _check_rules(ctx: Context, kind: Kind, values: dict, record: models.Record | None,
                 register_rules: bool = True) -> None:
    errors: dict[str, list[str]] = {}
    _check_references(ctx, kind, values, errors)
    _check_unique(ctx, kind, values, record.id if record else None, errors)
    if kind.name in RULES:
        RULES[kind.name](ctx, values, record, errors)
    if register_rules:  # a restored record comes back as it was; `catalog validate` lists what it breaks
        consistency.check(ctx, kind.name, values, record, errors)
    if errors:
        raise InvalidInput("Данные не прошли проверку.", errors)


def _record_transition(ctx: Context, process: models.Process, from_status: str | None, reason: str | None) -> None:
    ctx.session.add(
        models.StatusTransition(
            process_id=process.id,
            from_status=from_status,
            to_status=process.status,
            actor_id=ctx.actor_id,
            actor_name=ctx.actor_name,
            reason=reason,
        )
    )


ARISE_FIELD = "change_arose_on"


def _take_arose_on(ctx: Context, data: dict) -> dict:
    """Read «when the change arose» (Kemerovo 3.3) off the data into the context; the rest is the record's.

    Given by the editor (dd.mm.yyyy or ISO), never later than today; left out, it is today."""
    if ARISE_FIELD not in data:
        return data
    data = dict(data)
    raw = data.pop(ARISE_FIELD)
    if raw in (None, ""):
        return data
    from catalog.formatting import parse_date

    try:
        arose = raw if hasattr(raw, "year") else parse_date(str(raw))
    except ValueError:
        raise InvalidInput("Неверная дата возникновения изменения.",
                           {ARISE_FIELD: ["Ожидается дата ДД.ММ.ГГГГ или ГГГГ-ММ-ДД."]}) from None
    if arose > history.local_today(ctx):
        raise InvalidInput("Дата возникновения изменения позже сегодняшней.",
                           {ARISE_FIELD: ["Изменение не может возникнуть позже, чем его вносят."]})
    ctx.change_arose_on = arose
    return data


def take_change_arose_on(ctx: Context, raw) -> date | None:
    """«Когда возникли изменения» for a whole load (an upload, Kemerovo 3.3), checked as for one record and
    kept on the context; the ISO date, or None for today."""
    _take_arose_on(ctx, {ARISE_FIELD: raw})
    return ctx.change_arose_on if raw not in (None, "") else None


@rules.operation("records.create", "links.create")
def create_record(ctx: Context, kind_name: str, data: dict, record_id: int | None = None) -> models.Record:
    """``record_id`` is for loaders that keep a record's number (the RDF import); it must be free.
    ``data`` may say when the change arose (``change_arose_on``, Kemerovo 3.3)."""
    kind = get_kind(kind_name)
    data = _take_arose_on(ctx, data)
    # Who may change nothing (a reader) hears why before any field error; the rule of the kind, with
    # its scope (the agency, the mart), is asked once the values are read.
    rules.check(ctx, "catalog.write")
    values = _validate(kind, data, partial=False)
    values.pop("version", None)
    reason = values.pop("status_reason", None)
    rules.check(ctx, rules.record_rule(kind.name, "create"), rules.Change(kind.name, None, values))
    _check_rules(ctx, kind, values, None)
    record = kind.model(**values)
    record.version = 1
    if record_id is not None:
        record.id = record_id
    ctx.session.add(record)
    ctx.session.flush()
    if kind.name == "processes":
        _record_transition(ctx, record, None, reason)
    if kind.name == "systems":
        gate.bind_request(ctx, record)
    if kind.name == "marts" and _registers_own_mart(ctx):
        ctx.user.mart_ids = [*(ctx.user.mart_ids or []), record.id]
    history.append_event(ctx, kind.name, record, Action.CREATE.value, history.diff({}, history.snapshot(record)))
    ctx.finish()
    return record


def check_create(ctx: Context, kind_name: str, data: dict) -> dict:
    """What ``create_record`` asks before it writes, with nothing written: the values as the kind's schema
    reads them, the kind's rule with its scope, and the rules the schema cannot see. A loader checks
    each row where it reads it and writes many at once with ``create_checked``; it raises as
    ``create_record`` would. A process's ``status_reason`` stays in the values (its first transition's)."""
    return _checked(ctx, get_kind(kind_name), data)


def _checked(ctx: Context, kind: Kind, data: dict) -> dict:
    rules.check(ctx, "catalog.write")
    values = _validate(kind, data, partial=False)
    values.pop("version", None)
    reason = values.pop("status_reason", None)
    rules.check(ctx, rules.record_rule(kind.name, "create"), rules.Change(kind.name, None, values))
    _check_rules(ctx, kind, values, None)
    if reason is not None:
        values["status_reason"] = reason
    return values


@rules.operation("records.create", "links.create")
def create_checked(ctx: Context, kind_name: str, checked: list[dict]) -> list[models.Record]:
    """Write records whose values ``check_create`` passed: one flush (the store's many-row insert), one
    statement of change events, and a process's first status transition. The rule of each is asked
    again (no query: the scope is in the values), so no caller writes without it. Kinds whose
    creation does more (marts, systems) go through ``create_record``."""
    kind = get_kind(kind_name)
    if kind.name in ("marts", "systems"):
        raise ValueError(f"{kind.name}: create them with create_record")
    made, reasons = [], []
    for values in checked:
        values = dict(values)
        reasons.append(values.pop("status_reason", None))
        rules.check(ctx, rules.record_rule(kind.name, "create"), rules.Change(kind.name, None, values))
        record = kind.model(**values)
        record.version = 1
        made.append(record)
    ctx.session.add_all(made)
    ctx.session.flush()
    if kind.name == "processes":
        for record, reason in zip(made, reasons):
            _record_transition(ctx, record, None, reason)
    history.append_created(ctx, kind.name, made)
    ctx.finish()
    return made


@rules.operation("records.create")
def create_many(ctx: Context, kind_name: str, rows: list[dict]) -> list[models.Record]:
    """Create many records of one kind with one flush and one statement of change events (loaders that
    write thousands: a harvested database's columns). Each row is validated and its rule asked as
    ``create_record`` does; kinds whose creation does more (processes, marts, systems) go through it instead."""
    kind = get_kind(kind_name)
    if kind.name in ("processes", "marts", "systems"):
        return [create_record(ctx, kind.name, row) for row in rows]
    return create_checked(ctx, kind.name, [_checked(ctx, kind, data) for data in rows])


def _registers_own_mart(ctx: Context) -> bool:
    """A data-mart owner who registers a mart answers for it from then on."""
    user = ctx.user
    return user is not None and user.has_role(Role.MART_OWNER.value) and not user.has_role(Role.ADMIN.value)


@rules.operation("records.update", "links.update", "processes.change_status")
def update_record(ctx: Context, kind_name: str, record_id: int, data: dict) -> models.Record:
    kind = get_kind(kind_name)
    data = _take_arose_on(ctx, data)
    record = get_record(ctx, kind_name, record_id)
    rules.check(ctx, "catalog.write")  # a reader hears why before any field error
    values = _validate(kind, data, partial=True)
    version = values.pop("version", None)
    rules.check(ctx, rules.record_rule(kind.name, "update", values), rules.Change(kind.name, record, values))
    check_version(ctx, kind.name, record, version)
    reason = values.get("status_reason")
    if record.is_deleted:
        raise Conflict("Запись удалена: восстановите её, прежде чем изменять.")
    _check_rules(ctx, kind, values, record)
    values.pop("status_reason", None)
    before = history.snapshot(record)
    old_status = getattr(record, "status", None)
    for name, value in values.items():
        setattr(record, name, value)
    after = history.snapshot(record)
    changes = history.diff(before, after)
    if not changes:
        return record
    record.updated_at = datetime.now(timezone.utc)
    _flush_versioned(ctx, kind, record)
    if kind.name == "processes" and record.status != old_status:
        _record_transition(ctx, record, old_status, reason)
        if reason:
            changes["status_reason"] = {"before": None, "after": reason}
    history.append_event(ctx, kind.name, record, Action.UPDATE.value, changes)
    ctx.finish()
    return record


def _flush_versioned(ctx: Context, kind: Kind, record: models.Record) -> None:
    try:
        ctx.session.flush()
    except StaleDataError:
        ctx.session.rollback()
        raise Conflict("Запись изменена другим пользователем одновременно с вами; обновите страницу.") from None


def _set_deleted(ctx: Context, kind_name: str, record_id: int, deleted: bool, version=None) -> models.Record:
    kind = get_kind(kind_name)
    record = get_record(ctx, kind_name, record_id)
    # The rights first: who may not delete hears 403, not a question about the version.
    rules.check(ctx, rules.record_rule(kind.name, "delete" if deleted else "restore"), record)
    if record.is_deleted == deleted and version is None:
        return record
    check_version(ctx, kind.name, record, version)
    if record.is_deleted == deleted:
        return record
    if not deleted:
        # A restored record must not clash with one created meanwhile.
        _check_rules(ctx, kind, {c: getattr(record, c) for c in ("agency_id", "registry_id", "code")
                                 if hasattr(record, c)}, record, register_rules=False)
    before = history.snapshot(record)
    record.deleted_at = datetime.now(timezone.utc) if deleted else None
    record.updated_at = datetime.now(timezone.utc)
    _flush_versioned(ctx, kind, record)
    action = Action.DELETE if deleted else Action.RESTORE
    history.append_event(ctx, kind.name, record, action.value, history.diff(before, history.snapshot(record)))
    ctx.finish()
    return record


@rules.operation("records.delete", "links.delete")
def delete_record(ctx: Context, kind_name: str, record_id: int, version: int | None = None,
                  arose_on=None) -> models.Record:
    """Soft deletion: the record stays, marked deleted; links to it show it as deleted.
    Like every change it carries the version it was made against (catalog.services.versions);
    ``arose_on``: when the deletion arose (Kemerovo 3.3), today by default."""
    _take_arose_on(ctx, {ARISE_FIELD: arose_on})
    return _set_deleted(ctx, kind_name, record_id, True, version)


@rules.operation("records.restore", "links.restore")
def restore_record(ctx: Context, kind_name: str, record_id: int, version: int | None = None) -> models.Record:
    return _set_deleted(ctx, kind_name, record_id, False, version)


def dump_record(kind_name: str, record: models.Record) -> dict:
    return get_kind(kind_name).dump_schema().dump(record)
