"""Search documents built from the store: a record with the names around it.

A process is found by its agency, service, life situations, group, typical process,
systems and data; a dataset by its entities and attributes; every record by the
records it links to. Documents are built in batches, one query per kind of neighbour,
so a reindex reads the store a chunk at a time.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from catalog import models
from catalog.graph.model import FK_EDGES
from catalog.kinds import KINDS

# Records of the catalogue's own registry aside (catalog.kinds), what else people look for:
# kind → (model, singular label, plural label).
EXTRA_KINDS: dict[str, tuple[type, str, str]] = {
    "passports": (models.Passport, "паспорт процесса", "Паспорта процессов"),
    "projects": (models.OptimizationProject, "проект оптимизации", "Проекты оптимизации"),
    "requests": (models.SystemRequest, "заявка на систему", "Заявки на информационные системы"),
    "notices": (models.CorrectionNotice, "уведомление о корректировке", "Уведомления о корректировке реестра"),
}

# Everything but links (a link is found through the records it joins).
SEARCHED_KINDS: tuple[str, ...] = tuple(name for name in KINDS if name != "links") + tuple(EXTRA_KINDS)


def search_model(kind: str):
    return EXTRA_KINDS[kind][0] if kind in EXTRA_KINDS else KINDS[kind].model


def live_rows(model):
    """The condition of a model's live rows (correction notices are never deleted: all of them)."""
    from sqlalchemy import true

    column = getattr(model, "deleted_at", None)
    return column.is_(None) if column is not None else true()


def kind_label(kind: str, one: bool = True) -> str:
    if kind in EXTRA_KINDS:
        return EXTRA_KINDS[kind][1 if one else 2]
    return KINDS[kind].label_one if one else KINDS[kind].label


# The stage facet: passports by state, requests by status, optimisation projects by their stage
# (Leningrad 4.1); values are «kind:value».
def stage_label(value: str) -> str:
    from catalog.enums import MartQuality, PassportState, ProjectStage, RequestStatus

    if value in FLAG_LABELS:
        return FLAG_LABELS[value]
    kind, _, code = str(value).partition(":")
    if kind == "notices":  # Kemerovo 3.5: open → answered → closed (catalog.services.notices.STATES)
        from catalog.services.notices import STATES

        return f"{kind_label(kind)}: {STATES[code]}" if code in STATES else str(value)
    enum = {"passports": PassportState, "requests": RequestStatus, "marts": MartQuality,
            "projects": ProjectStage}.get(kind)
    if enum is None or code not in enum.values():
        return str(value)
    return f"{kind_label(kind)}: {enum.label_of(code)}"


# Issue 17's flags in the same facet: a system in «создание»/«развитие» resting on no approved request
# (gate.NO_CONCLUSION), a process whose status lacks its evidence (evidence.UNCONFIRMED).
NO_CONCLUSION_STAGE, UNCONFIRMED_STAGE = "systems:no_conclusion", "processes:unconfirmed"
FLAG_LABELS = {NO_CONCLUSION_STAGE: "информационная система: без заключения",
               UNCONFIRMED_STAGE: "процесс: статус не подтверждён"}

# Columns read as the record's own text, besides its title.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "agencies": ("short_name", "code", "description"),
    "people": ("position", "unit"),
    "processes": ("registry_id", "description", "client", "client_value", "inputs", "outputs"),
    "services": ("code", "description"),
    "life-situations": ("code", "description"),
    "acts": ("number", "issuer"),
    "process-groups": ("code", "description"),
    "typical-processes": ("code", "description"),
    "datasets": ("code", "description"),
    "entities": ("code", "description"),
    "attributes": ("code", "description"),
    "document-types": ("code", "description"),
    "systems": ("short_name", "code", "fgis_ki_number", "description"),
    "marts": ("code", "info_kind", "description"),
}

# Of those, the identifiers: searched, never shown in a result's fragment («T_LIC_ISSUE Выдача…»).
CODE_COLUMNS = frozenset({"code", "registry_id", "fgis_ki_number"})

# The column holding the agency a record belongs to, for the agency filter.
AGENCY_COLUMN = {"agencies": "id", "people": "agency_id", "processes": "agency_id", "services": "agency_id",
                 "datasets": "owner_agency_id", "systems": "operator_agency_id", "marts": "owner_agency_id"}

# Names that appear in other records' documents: a change to them reaches those documents.
NAME_COLUMNS = {"name", "short_name", "full_name"}

CHUNK = 500
# Names of records linking *into* a record kept in its document: a life situation holds thousands
# of services, and past a few dozen their names only add noise.
MAX_INCOMING = 50
# Names of entities and attributes a system or mart holds kept in its document.
MAX_HELD = 300


@dataclass
class SearchDocument:
    uid: str
    kind: str
    record_id: int
    version: int
    title: str
    text: str = ""
    context: list[str] = field(default_factory=list)
    agency_ids: list[int] = field(default_factory=list)
    status: str | None = None
    group_id: int | None = None
    life_situation_ids: list[int] = field(default_factory=list)
    system_ids: list[int] = field(default_factory=list)
    is_digital: bool | None = None
    codes: list[str] = field(default_factory=list)  # its identifiers, searched with its text but not shown
    aliases: list[str] = field(default_factory=list)  # an agency's other names, lower case: минтранс, минсх
    stage: str | None = None  # «passports:approved», «requests:submitted»


# What people call each kind of record: a query saying «система», «витрина», «НПА» or «услуги»
# names the kind, and each document carries its kind's words among the names around it.
KIND_WORDS = {
    "agencies": "орган власти", "services": "услуга", "life-situations": "жизненная ситуация",
    "acts": "нормативный правовой акт закон", "datasets": "набор данных сведения",
    "systems": "информационная система", "marts": "витрина данных", "typical-processes": "типовой процесс",
    "passports": "паспорт процесса", "projects": "проект оптимизации", "requests": "заявка на информационную систему",
    "notices": "уведомление о корректировке реестра процессов",
}

# The words of a query that name a kind of record rather than what it is about: «система для учёта
# вакансий», «витрина по земле», «где хранятся сведения о…» (the thesaurus reads «где хранятся» as
# «информационная система», «набор данных»). Every document of the kind carries them (KIND_WORDS), so
# asked as text they match tens of thousands of records by the names around them; a search asks
# them as the kind instead, and as words of a record's own name and text (catalog.search.query.kinds_named).
# Written as they lemmatise: pymorphy3 reads «данные» as a form of «дать», «данных» as «данные».
KIND_NAMES = {
    "информационная система": ("systems",), "система": ("systems",),
    "витрина данных": ("marts",), "витрина": ("marts",),
    "набор данных": ("datasets",), "данных": ("datasets", "marts"), "сведения": ("datasets",),
    "нормативный правовой акт": ("acts",), "закон": ("acts",),
    "услуга": ("services",),
}

# The head word of an agency's name and the prefix people build its short names from.
_HEADS = {"министерство": "мин", "комитет": "ком", "департамент": "деп", "управление": "упр"}
# Words of the territory at the end of a name («… Приволжской области», «… Российской Федерации»).
_TERRITORY = {"области", "края", "республики", "округа", "федерации", "россии", "российской", "района", "города"}


def agency_aliases(name: str, short_name: str | None = None, code: str | None = None) -> list[str]:
    """The names an agency goes by besides its own: the short names people build from the full one.

    «Министерство транспорта и автомобильных дорог» → минтра, минтран, минтранс…, минтад;
    «Министерство сельского хозяйства и продовольствия» → минсельхоз, минсх, минсхп;
    «Государственная жилищная инспекция» → гжи; prefixes of a one-word short name (Минсоцзащиты →
    минсоц…), its abbreviations (Управление ЗАГС → загс), the code.
    """
    import re

    from catalog.search.analysis import STOP_WORDS, normalize

    words = [w for w in normalize(name).split() if w not in STOP_WORDS]
    # Drop the territory: its words and the adjective before «области», «края».
    while words and words[-1] in _TERRITORY:
        words.pop()
        if words and words[-1].endswith(("ской", "цкой", "ского")):
            words.pop()
    words = [w for w in words if w not in {"гау", "гку", "гбу", "фгбу"}]
    found: list[str] = []
    if len(words) >= 2:
        found.append("".join(w[0] for w in words))
    head = _HEADS.get(words[0]) if words else None
    rest = words[1:]
    if head and rest:
        first = rest[0]
        found += [head + first[:k] for k in range(3, len(first) + 1)]
        if len(rest) >= 2:
            found += [head + first[:a] + rest[1][:b] for a in (3, 4, 5) for b in (3, 4)]
            initials = "".join(w[0] for w in rest)
            found += [head + initials[:k] for k in range(2, len(initials) + 1)]
    for word in re.findall(r"[0-9A-Za-zА-Яа-яЁё]+", short_name or ""):
        if word.isupper() and len(word) >= 2:
            found.append(normalize(word))
    short_words = normalize(short_name or "").split()
    if len(short_words) == 1 and len(short_words[0]) >= 5:
        found += [short_words[0][:k] for k in range(5, len(short_words[0]) + 1)]
    if code:
        found.append(normalize(code).replace(" ", "_"))
    return list(dict.fromkeys(a for a in found if len(a) >= 2))


def doc_uid(kind: str, record_id: int) -> str:
    return f"{kind}:{record_id}"


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def _names(session: Session, refs: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Titles of live records, one narrow query per kind."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    for kind, record_id in refs:
        if kind in KINDS and record_id is not None:
            by_kind[kind].add(record_id)
    found = {}
    for kind, ids in by_kind.items():
        model = KINDS[kind].model
        title = getattr(model, KINDS[kind].title_field)
        extra = getattr(model, "short_name", None)
        columns = [model.id, title] + ([extra] if extra is not None else [])
        for chunk in _chunks(ids):
            for row in session.execute(select(*columns).where(model.id.in_(chunk), model.deleted_at.is_(None))):
                found[(kind, row[0])] = " ".join(str(v) for v in row[1:] if v)
    return found


def _links(session: Session, kind: str, ids: list[int], all_incoming: bool = True) -> list:
    """Live links touching these records, as plain rows (link_type, source_kind, source_id, target_kind, target_id).

    Without ``all_incoming``, links *from processes* into these records are left out: a
    federal system or dataset is used by tens of thousands of processes, and their names
    would drown its own (a process is found by its systems, not the other way round).
    """
    link = models.Link
    incoming = and_(link.target_kind == kind, link.target_id.in_(ids))
    if not all_incoming:
        incoming = and_(incoming, link.source_kind != "processes")
    return session.execute(select(link.link_type, link.source_kind, link.source_id, link.target_kind, link.target_id)
                           .where(link.deleted_at.is_(None), or_(
                               and_(link.source_kind == kind, link.source_id.in_(ids)), incoming))).all()


def build_documents(session: Session, kind: str, ids: list[int]) -> tuple[list[SearchDocument], list[str]]:
    """Documents of the live records among ``ids`` of ``kind``, and the uids of those gone or deleted."""
    if kind in EXTRA_KINDS:
        return _extra_documents(session, kind, ids)
    table = KINDS[kind].model.__table__
    # Plain rows, not ORM objects: a reindex reads hundreds of thousands of them.
    records = {r.id: r for r in session.execute(select(table).where(table.c.id.in_(ids))).all()}
    gone = [doc_uid(kind, i) for i in ids if i not in records or records[i].deleted_at is not None]
    live = [r for r in records.values() if r.deleted_at is None]
    if not live:
        return [], gone
    live_ids = [r.id for r in live]

    # Neighbours: the records named by foreign keys, and the records at the other end of links.
    refs: dict[int, set[tuple[str, int]]] = defaultdict(set)
    fk_columns = [(column, target) for (fk_kind, column), (_, target, _) in FK_EDGES.items() if fk_kind == kind]
    if kind == "marts":
        fk_columns.append(("quality_responsible_id", "people"))
    if kind == "processes":
        fk_columns.append(("responsible_id", "people"))
    for record in live:
        for column, target in fk_columns:
            value = getattr(record, column)
            if value is not None:
                refs[record.id].add((target, value))
    linked: dict[int, list[tuple[str, str, int]]] = defaultdict(list)  # id → (link type, kind, id)
    incoming: dict[int, int] = defaultdict(int)
    for link in _links(session, kind, live_ids, all_incoming=False):
        if link.source_kind == kind and link.source_id in records:
            linked[link.source_id].append((link.link_type, link.target_kind, link.target_id))
        if link.target_kind == kind and link.target_id in records:
            incoming[link.target_id] += 1
            if incoming[link.target_id] <= MAX_INCOMING:
                linked[link.target_id].append((link.link_type, link.source_kind, link.source_id))
    for record_id, edges in linked.items():
        refs[record_id].update((other_kind, other_id) for _, other_kind, other_id in edges)

    # A process is in the life situations of its service too.
    service_situations: dict[int, set[int]] = defaultdict(set)
    if kind == "processes":
        service_ids = list({r.service_id for r in live})
        for link in _links(session, "services", service_ids, all_incoming=False):
            if link.link_type == "IN_SITUATION" and link.source_kind == "services":
                service_situations[link.source_id].add(link.target_id)
        for record in live:
            refs[record.id].update(("life-situations", s) for s in service_situations[record.service_id])

    # A dataset is found by its entities and their attributes, an entity by its attributes.
    children: dict[int, list[str]] = defaultdict(list)
    if kind in ("datasets", "entities"):
        entity_parent: dict[int, int] = {}
        if kind == "datasets":
            for entity_id, dataset_id, name in session.execute(
                    select(models.Entity.id, models.Entity.dataset_id, models.Entity.name)
                    .where(models.Entity.dataset_id.in_(live_ids), models.Entity.deleted_at.is_(None))):
                entity_parent[entity_id] = dataset_id
                children[dataset_id].append(name)
        else:
            entity_parent = {i: i for i in live_ids}
        for chunk in _chunks(entity_parent):
            for entity_id, name in session.execute(
                    select(models.Attribute.entity_id, models.Attribute.name)
                    .where(models.Attribute.entity_id.in_(chunk), models.Attribute.deleted_at.is_(None))):
                children[entity_parent[entity_id]].append(name)

    # A system and a mart are found by what they store and expose: the entities and attributes
    # of their datasets («система для учёта вакансий», «витрина со сведениями об инвалидности»).
    if kind in ("systems", "marts"):
        link_type = "STORED_IN" if kind == "systems" else "EXPOSES"
        holder: dict[int, set[int]] = defaultdict(set)  # dataset id → systems or marts holding it
        for record_id, edges in linked.items():
            for edge_type, other_kind, other_id in edges:
                if edge_type == link_type and other_kind == "datasets":
                    holder[other_id].add(record_id)
        entity_holder: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(holder):
            for entity_id, dataset_id, name in session.execute(
                    select(models.Entity.id, models.Entity.dataset_id, models.Entity.name)
                    .where(models.Entity.dataset_id.in_(chunk), models.Entity.deleted_at.is_(None))):
                entity_holder[entity_id] |= holder[dataset_id]
                for record_id in holder[dataset_id]:
                    children[record_id].append(name)
        for chunk in _chunks(entity_holder):
            for entity_id, name in session.execute(
                    select(models.Attribute.entity_id, models.Attribute.name)
                    .where(models.Attribute.entity_id.in_(chunk), models.Attribute.deleted_at.is_(None))):
                for record_id in entity_holder[entity_id]:
                    if len(children[record_id]) < MAX_HELD:
                        children[record_id].append(name)

    names = _names(session, set().union(*refs.values()) if refs else set())
    flagged = {"systems": NO_CONCLUSION_STAGE, "processes": UNCONFIRMED_STAGE}
    flags = _flags(session, kind, live)
    text_columns = TEXT_COLUMNS.get(kind, ())
    agency_column = AGENCY_COLUMN.get(kind)
    docs = []
    for record in live:
        doc = SearchDocument(
            uid=doc_uid(kind, record.id), kind=kind, record_id=record.id, version=record.version,
            title=getattr(record, KINDS[kind].title_field) or f"#{record.id}",
            text=" ".join(str(v) for c in text_columns if c not in CODE_COLUMNS and (v := getattr(record, c))),
            codes=[str(v) for c in text_columns if c in CODE_COLUMNS and (v := getattr(record, c))],
            context=[names[ref] for ref in sorted(refs[record.id]) if ref in names] + children[record.id],
        )
        if kind in KIND_WORDS:
            doc.context.append(KIND_WORDS[kind])
        if kind == "agencies":
            doc.aliases = agency_aliases(record.name, record.short_name, record.code)
        if kind == "services" and record.is_mszu:
            doc.context.append("МСЗУ массовая социально значимая услуга")
        if agency_column and getattr(record, agency_column) is not None:
            doc.agency_ids = [getattr(record, agency_column)]
        edges = linked[record.id]
        if kind in ("processes", "services"):
            doc.life_situation_ids = sorted({i for t, k, i in edges if t == "IN_SITUATION" and k == "life-situations"}
                                            | service_situations.get(getattr(record, "service_id", None), set()))
        if kind == "processes":
            doc.status, doc.group_id, doc.is_digital = record.status, record.group_id, bool(record.is_digital)
            doc.system_ids = sorted({i for t, k, i in edges if t == "AUTOMATED_BY" and k == "systems"})
        elif kind == "typical-processes":
            doc.group_id = record.group_id
        elif kind == "datasets":
            doc.system_ids = sorted({i for t, k, i in edges if t == "STORED_IN" and k == "systems"})
        elif kind == "marts" and record.host_system_id:
            doc.system_ids = [record.host_system_id]
        elif kind == "systems":
            doc.system_ids = [record.id]
        if kind == "marts":
            doc.stage = _mart_stage(record)
        elif kind in flagged:
            doc.stage = flagged[kind] if record.id in flags else None
        docs.append(doc)
    return docs, gone


def _flags(session: Session, kind: str, live) -> set[int]:
    """Ids of the systems «без заключения» or the processes «не подтверждён» among ``live`` (as of indexing;
    a change to the request, passport, project or certification they rest on re-indexes them:
    :func:`flag_dependants`)."""
    from catalog.enums import RequestStatus
    from catalog.services.gate import GATED

    if kind == "systems":
        gated = [r.id for r in live if r.stage in GATED]
        if not gated:
            return set()
        approved = set(session.scalars(select(models.SystemRequest.system_id).where(
            models.SystemRequest.system_id.in_(gated), models.SystemRequest.deleted_at.is_(None),
            models.SystemRequest.status == RequestStatus.APPROVED.value)))
        return set(gated) - approved
    if kind == "processes":
        import os

        from catalog.config import DEFAULT_STATUS_EVIDENCE, Settings, parse_status_evidence
        from catalog.services import evidence
        from catalog.services.context import Context

        # As _mart_stage: the projection runs without the app's settings; the variable is what configures it.
        text = os.environ.get("CATALOG_STATUS_EVIDENCE")
        ctx = Context(session=session, is_system=True, settings=Settings(
            status_evidence=parse_status_evidence(text) if text else dict(DEFAULT_STATUS_EVIDENCE)))
        return set(evidence.unconfirmed_ids(ctx, {r.id: r.status for r in live}))
    return set()


def flag_dependants(session: Session, event) -> set[tuple[str, int]]:
    """The documents whose flag rests on the record of this change event: a request's system, the process of a
    passport, project or certification (its status's evidence)."""
    kind, changes = event.record_kind, event.changes or {}
    if kind == "requests":
        request = session.get(models.SystemRequest, event.record_id)
        ids = {request.system_id if request else None, changes.get("system_id", {}).get("before")}
        return {("systems", i) for i in ids if i}
    model = {"passports": models.Passport, "projects": models.OptimizationProject,
             "certifications": models.Certification}.get(kind)
    record = session.get(model, event.record_id) if model is not None else None
    return {("processes", record.process_id)} if record is not None else set()


def _mart_stage(record) -> str | None:
    """The stage facet of a mart in operation: its quality checked, stale or missing (as of indexing;
    `catalog search reindex` brings a mart that aged past the term up to date)."""
    import os
    from types import SimpleNamespace

    from catalog.config import Settings
    from catalog.services.consistency import mart_quality

    term = int(os.environ.get("CATALOG_MART_QUALITY_TERM_DAYS", Settings.mart_quality_term_days))
    quality = mart_quality(SimpleNamespace(mart_quality_term_days=term), record)
    return f"marts:{quality}" if quality else None


# What a request asks for, as its title says it (the accusative: «заявка на модернизацию системы»).
_REQUEST_WHAT = {"create": "создание системы", "modernise": "модернизацию системы", "develop": "развитие системы"}


def _extra_documents(session: Session, kind: str, ids: list[int]) -> tuple[list[SearchDocument], list[str]]:
    """Passports and optimisation projects (found by their process, its agency and service, their own
    text) and system requests (by their agency and system)."""
    from catalog.enums import PassportVariant

    model = EXTRA_KINDS[kind][0]
    records = {r.id: r for r in session.execute(select(model.__table__).where(model.id.in_(ids))).all()}
    gone = [doc_uid(kind, i) for i in ids if i not in records or getattr(records[i], "deleted_at", None) is not None]
    live = [r for r in records.values() if getattr(r, "deleted_at", None) is None]
    refs: set[tuple[str, int]] = set()
    processes = {}
    if kind == "notices":
        process_ids = {item.get("process_id") for r in live for item in (r.items or []) if item.get("process_id")}
        refs |= {("agencies", r.agency_id) for r in live} | {("processes", i) for i in process_ids}
    elif kind in ("passports", "projects"):
        process_ids = {r.process_id for r in live}
        for row in session.execute(select(models.Process.id, models.Process.name, models.Process.agency_id,
                                          models.Process.service_id).where(models.Process.id.in_(process_ids))):
            processes[row.id] = row
            refs |= {("agencies", row.agency_id), ("services", row.service_id)}
    else:
        refs |= {("agencies", r.agency_id) for r in live} | {("systems", r.system_id) for r in live if r.system_id}
    names = _names(session, refs)
    stages = _project_stages(session, live) if kind == "projects" else {}
    docs = []
    for record in live:
        doc = SearchDocument(uid=doc_uid(kind, record.id), kind=kind, record_id=record.id, version=record.version,
                             title="", context=[KIND_WORDS[kind]])
        if kind in ("passports", "projects"):
            process = processes.get(record.process_id)
            process_name = process.name if process else f"процесс №{record.process_id}"
            if process:
                doc.agency_ids = [process.agency_id]
                doc.context += [names.get(("agencies", process.agency_id), ""), names.get(("services", process.service_id), "")]
            if kind == "passports":
                variant = "AS-IS" if record.variant == PassportVariant.AS_IS.value else "TO-BE"
                doc.title = f"Паспорт {variant}, редакция {record.revision}: {process_name}"
                doc.text = " ".join(filter(None, [record.description, record.diagram_name]))
                doc.stage = f"passports:{record.state}"
            else:
                doc.title = f"Проект оптимизации: {process_name}"
                doc.text = " ".join(filter(None, [record.ground_details, record.problem, record.goals,
                                                  record.best_practices, record.order_number]))
                doc.stage = f"projects:{stages[record.id]}"
        elif kind == "notices":
            # Found by its reason, its agency and the processes it names; the state is its stage.
            agency = names.get(("agencies", record.agency_id), "")
            doc.title = f"Уведомление о корректировке № {record.id}: {agency}"
            doc.text = record.reason or ""
            doc.agency_ids = [record.agency_id]
            doc.context += [agency] + [names.get(("processes", item.get("process_id")), "") for item in record.items or []]
            doc.stage = f"notices:{record.state}"
        else:
            system = names.get(("systems", record.system_id)) if record.system_id else record.new_system_name
            what = _REQUEST_WHAT.get(record.kind, "систему")
            doc.title = f"Заявка на {what} «{system or 'без названия'}»"
            doc.text = " ".join(filter(None, [record.purpose, record.expected_value]))
            doc.agency_ids = [record.agency_id]
            doc.context.append(names.get(("agencies", record.agency_id), ""))
            doc.system_ids = [record.system_id] if record.system_id else []
            doc.stage = f"requests:{record.status}"
        doc.context = [c for c in doc.context if c]
        docs.append(doc)
    return docs, gone


def _project_stages(session: Session, projects) -> dict[int, str]:
    """Each project's stage as of indexing (Leningrad 4.1–4.5, catalog.services.projects.current_stage: from
    the order's start date, the roadmap's approval and its measures; a change to any of them writes the
    project's event). A stage a date passes into is the index's from the next reindex, as a mart's quality."""
    from types import SimpleNamespace

    from catalog.services.projects import current_stage

    measures = defaultdict(list)
    for measure in session.execute(select(models.RoadmapMeasure.project_id, models.RoadmapMeasure.status,
                                          models.RoadmapMeasure.planned_end, models.RoadmapMeasure.actual_end)
                                   .where(models.RoadmapMeasure.project_id.in_([p.id for p in projects]))):
        measures[measure.project_id].append(measure)
    return {p.id: current_stage(SimpleNamespace(start_date=p.start_date, approved_on=p.approved_on,
                                                measures=measures[p.id])) for p in projects}


def dependants(session: Session, kind: str, ids: list[int]) -> set[tuple[str, int]]:
    """Records whose documents show the names of these records."""
    found: set[tuple[str, int]] = set()
    for (child_kind, column), (_, target, _) in FK_EDGES.items():
        if target != kind or child_kind not in KINDS:
            continue
        model = KINDS[child_kind].model
        for chunk in _chunks(ids):
            found.update((child_kind, i) for i in session.scalars(select(model.id).where(getattr(model, column).in_(chunk))))
    for chunk in _chunks(ids):
        for link in _links(session, kind, chunk):
            found.add((link.source_kind, link.source_id))
            found.add((link.target_kind, link.target_id))
    if kind == "people":
        for chunk in _chunks(ids):
            found.update(("processes", i) for i in session.scalars(
                select(models.Process.id).where(models.Process.responsible_id.in_(chunk))))
    extra = {"processes": [(models.Passport, "passports", models.Passport.process_id),
                           (models.OptimizationProject, "projects", models.OptimizationProject.process_id)],
             "agencies": [(models.SystemRequest, "requests", models.SystemRequest.agency_id),
                          (models.CorrectionNotice, "notices", models.CorrectionNotice.agency_id)],
             "systems": [(models.SystemRequest, "requests", models.SystemRequest.system_id)]}
    for model, other_kind, column in extra.get(kind, []):
        for chunk in _chunks(ids):
            found.update((other_kind, i) for i in session.scalars(select(model.id).where(column.in_(chunk))))
    if kind == "entities":
        found.update(("datasets", i) for i in session.scalars(
            select(models.Entity.dataset_id).where(models.Entity.id.in_(ids))))
    if kind == "attributes":
        entity_ids = list(session.scalars(select(models.Attribute.entity_id).where(models.Attribute.id.in_(ids))))
        found.update(("entities", i) for i in entity_ids)
        found.update(("datasets", i) for i in session.scalars(
            select(models.Entity.dataset_id).where(models.Entity.id.in_(entity_ids))))
    return {ref for ref in found if ref[0] in SEARCHED_KINDS}
