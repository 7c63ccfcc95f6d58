"""«Кто и где использует СНИЛС»: one answer for the page, the API and the CLI (issue 20, attribute lineage).

The attributes that hold a piece of data are found by name, code or description with the search's
normalisation (lemmas, «ё» as «е», the thesaurus' synonyms); from them the answer reads
the systems that store them (STORED_IN of their dataset), the marts that expose them (EXPOSES of the
attribute, its entity or its dataset), the processes that read or write them (CONSUMES / PRODUCES of the
attribute itself, or of its entity or dataset, said so), the passport steps that read or write them
(passport data naming the attribute), the attributes derived from them (DERIVED_FROM), and the agencies
that own or operate all these.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from catalog import models
from catalog.errors import BadParameter
from catalog.services import permissions
from catalog.services.context import Context

MAX_ATTRIBUTES = 500  # a word found in more attributes than this is not a question about one piece of data


@dataclass
class Use:
    kind: str  # "systems", "marts", "processes", "agencies"
    record: models.Record
    roles: set[str] = field(default_factory=set)  # «хранит», «предоставляет», «читает», «записывает»…
    attributes: set[int] = field(default_factory=set)  # which of the found attributes, by id
    via: set[str] = field(default_factory=set)  # «атрибут», «сущность», «набор данных»: how precise the link is


@dataclass
class StepUse:
    process: models.Process
    passport: models.Passport
    step: models.PassportStep
    role: str  # «читает» or «записывает»
    attribute: models.Attribute


@dataclass
class AttributeHit:
    attribute: models.Attribute
    entity: models.Entity
    dataset: models.Dataset
    derived: list[models.Attribute] = field(default_factory=list)  # attributes computed from it
    derived_from: list[models.Attribute] = field(default_factory=list)


@dataclass
class DataUsage:
    query: str
    attributes: list[AttributeHit]
    systems: list[Use]
    marts: list[Use]
    processes: list[Use]
    steps: list[StepUse]
    agencies: list[Use]
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.attributes


def _phrases(query: str) -> list[tuple[str, ...]]:
    """The query's lemma phrase and the thesaurus' equivalents of it."""
    from catalog.search.analysis import SYNONYMS, lemma_phrase

    phrase = lemma_phrase(query)
    if not phrase:
        return []
    # The whole query's equivalents only: «номер» alone must not bring every number.
    return [phrase, *[e for e in SYNONYMS.get(phrase, []) if e and e != phrase]]


# Russian letters as database codes spell them (ГОСТ Р 52535.1-2006 style): «СНИЛС» → «snils».
_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
                   "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia"]))


def latin(text: str) -> str:
    return "".join(_LATIN.get(ch, ch) for ch in text)


def _code_words(code: str | None) -> tuple[str, ...]:
    """A code's words: snake_case and CamelCase split, lower case («SnilsNumber» → «snils», «number»)."""
    spaced = re.sub(r"(?<=[a-zа-я0-9])(?=[A-ZА-Я])", " ", code or "")
    return tuple(re.findall(r"[a-zа-я0-9]+", spaced.lower().replace("ё", "е")))


def _contains(lemmas: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(lemmas[i:i + size] == phrase for i in range(len(lemmas) - size + 1))


def matching_attributes(ctx: Context, query: str) -> tuple[list[models.Attribute], bool]:
    """Live attributes whose name, code or description contains the query's words in their order."""
    from catalog.search.analysis import lemma_phrase, normalize

    phrases = _phrases(query)
    if not phrases:
        raise BadParameter("Пустой запрос.", {"q": ["Укажите, какие данные искать, например «СНИЛС»."]})
    plain = tuple(normalize(query).split())
    code_phrases = {plain, tuple(latin(w) for w in plain)}
    found = []
    rows = ctx.session.execute(select(models.Attribute.id, models.Attribute.name, models.Attribute.code,
                                      models.Attribute.description)
                               .where(models.Attribute.deleted_at.is_(None)).order_by(models.Attribute.id))
    for attribute_id, name, code, description in rows:
        texts = [lemma_phrase(t) for t in (name, description) if t]
        code_words = _code_words(code)
        if any(_contains(code_words, p) for p in code_phrases) or any(
                _contains(t, p) for t in texts for p in phrases):
            found.append(attribute_id)
    truncated = len(found) > MAX_ATTRIBUTES
    ids = found[:MAX_ATTRIBUTES]
    attributes = list(ctx.session.scalars(select(models.Attribute).where(models.Attribute.id.in_(ids))
                                          .order_by(models.Attribute.id))) if ids else []
    return attributes, truncated


def _links(ctx: Context, link_type: str, kind_side: str, refs: dict[str, set[int]]) -> list[models.Link]:
    """Live links of a type whose ``kind_side`` ("source" or "target") is one of ``refs`` {kind: ids}."""
    out = []
    kind_column = getattr(models.Link, f"{kind_side}_kind")
    id_column = getattr(models.Link, f"{kind_side}_id")
    for kind, ids in refs.items():
        ids = sorted(ids)
        for start in range(0, len(ids), 500):
            out += ctx.session.scalars(select(models.Link).where(
                models.Link.link_type == link_type, models.Link.deleted_at.is_(None), kind_column == kind,
                id_column.in_(ids[start:start + 500])))
    return out


PRECISE = {"атрибут", "шаг паспорта"}
VIA = {"attributes": "атрибут", "entities": "сущность", "datasets": "набор данных"}


def data_usage(ctx: Context, query: str) -> DataUsage:
    """Where a piece of data (СНИЛС, паспорт, дата рождения…) is held, exposed, read and written, and by whom."""
    permissions.require_read(ctx)
    query = (query or "").strip()[:200]
    attributes, truncated = matching_attributes(ctx, query)
    entities = {e.id: e for e in ctx.session.scalars(select(models.Entity).where(
        models.Entity.id.in_({a.entity_id for a in attributes})))} if attributes else {}
    datasets = {d.id: d for d in ctx.session.scalars(select(models.Dataset).where(
        models.Dataset.id.in_({e.dataset_id for e in entities.values()})))} if entities else {}
    hits = [AttributeHit(a, entities[a.entity_id], datasets[entities[a.entity_id].dataset_id]) for a in attributes
            if a.entity_id in entities and entities[a.entity_id].deleted_at is None
            and entities[a.entity_id].dataset_id in datasets and datasets[entities[a.entity_id].dataset_id].deleted_at is None]
    # Which found attributes each attribute, entity and dataset stands for.
    holds: dict[tuple[str, int], set[int]] = defaultdict(set)
    for hit in hits:
        holds[("attributes", hit.attribute.id)].add(hit.attribute.id)
        holds[("entities", hit.entity.id)].add(hit.attribute.id)
        holds[("datasets", hit.dataset.id)].add(hit.attribute.id)
    refs: dict[str, set[int]] = defaultdict(set)
    for kind, record_id in holds:
        refs[kind].add(record_id)

    uses: dict[tuple[str, int], Use] = {}

    def use(kind: str, record_id: int, role: str, attribute_ids, via: str | None = None) -> None:
        key = (kind, record_id)
        if key not in uses:
            model = {"systems": models.InformationSystem, "marts": models.DataMart, "processes": models.Process,
                     "agencies": models.Agency}[kind]
            record = ctx.session.get(model, record_id)
            if record is None or record.deleted_at is not None:
                return
            uses[key] = Use(kind, record)
        uses[key].roles.add(role)
        uses[key].attributes.update(attribute_ids)
        if via:
            uses[key].via.add(via)

    for link in _links(ctx, "STORED_IN", "source", {"datasets": refs["datasets"]}):
        use("systems", link.target_id, "хранит", holds[("datasets", link.source_id)])
    for link in _links(ctx, "EXPOSES", "target", refs):
        use("marts", link.source_id, "предоставляет", holds[(link.target_kind, link.target_id)],
            VIA[link.target_kind])
    for link_type, role in (("CONSUMES", "читает"), ("PRODUCES", "записывает")):
        for link in _links(ctx, link_type, "target", refs):
            use("processes", link.source_id, role, holds[(link.target_kind, link.target_id)], VIA[link.target_kind])

    by_id = {hit.attribute.id: hit for hit in hits}
    steps: list[StepUse] = []
    if by_id:
        data_rows = ctx.session.execute(
            select(models.PassportData, models.Passport).join(models.Passport,
                                                              models.Passport.id == models.PassportData.passport_id)
            .where(models.PassportData.ref_kind == "attributes",
                   models.PassportData.ref_id.in_(sorted(by_id)), models.Passport.deleted_at.is_(None))).all()
        for data, passport in data_rows:
            for step in passport.steps:
                for role, keys in (("читает", step.consumes), ("записывает", step.produces)):
                    if data.key in (keys or []):
                        process = ctx.session.get(models.Process, passport.process_id)
                        if process is None or process.deleted_at is not None:
                            continue
                        steps.append(StepUse(process, passport, step, role, by_id[data.ref_id].attribute))
                        use("processes", process.id, role, {data.ref_id}, "шаг паспорта")
        steps.sort(key=lambda s: (s.process.registry_id or "", s.passport.variant, s.passport.revision,
                                  s.step.position, s.role))

        # Attribute-to-attribute lineage, one link each way: what is computed from the data and from what.
        titles = {}
        derived = _links(ctx, "DERIVED_FROM", "target", {"attributes": set(by_id)})
        origins = _links(ctx, "DERIVED_FROM", "source", {"attributes": set(by_id)})
        other_ids = {l.source_id for l in derived} | {l.target_id for l in origins}
        if other_ids:
            titles = {a.id: a for a in ctx.session.scalars(select(models.Attribute).where(
                models.Attribute.id.in_(other_ids), models.Attribute.deleted_at.is_(None)))}
        for link in derived:
            if link.source_id in titles:
                by_id[link.target_id].derived.append(titles[link.source_id])
        for link in origins:
            if link.target_id in titles:
                by_id[link.source_id].derived_from.append(titles[link.target_id])

    # The agencies: owners of the datasets, operators of the systems, owners of the marts, the processes' agencies.
    for hit in hits:
        if hit.dataset.owner_agency_id:
            use("agencies", hit.dataset.owner_agency_id, "владеет набором данных", {hit.attribute.id})
    for (kind, _), found in list(uses.items()):
        record = found.record
        agency_id, role = {
            "systems": (getattr(record, "operator_agency_id", None), "оператор системы"),
            "marts": (getattr(record, "owner_agency_id", None), "владелец витрины"),
            "processes": (getattr(record, "agency_id", None), "выполняет процесс"),
        }.get(kind, (None, None))
        if agency_id:
            use("agencies", agency_id, role, found.attributes)

    def listed(kind: str) -> list[Use]:
        found = [u for (k, _), u in uses.items() if k == kind]
        # Those that name the attribute itself (or a passport step does) first, then by entity or dataset.
        return sorted(found, key=lambda u: (not (not u.via or u.via & PRECISE),
                                            getattr(u.record, "registry_id", None) or "", u.record.title))

    hits.sort(key=lambda h: (h.dataset.name, h.entity.name, h.attribute.name))
    return DataUsage(query, hits, listed("systems"), listed("marts"), listed("processes"), steps,
                     listed("agencies"), truncated)


ROLE_ORDER = ("хранит", "предоставляет", "читает", "записывает", "владеет набором данных", "оператор системы",
              "владелец витрины", "выполняет процесс")


def roles_text(use: Use) -> str:
    return ", ".join(sorted(use.roles, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99))


def to_dict(found: DataUsage) -> dict:
    """The answer as the API and ``--json`` give it."""
    def use_json(u: Use) -> dict:
        return {"kind": u.kind, "id": u.record.id, "title": u.record.title, "roles": sorted(u.roles),
                "attribute_ids": sorted(u.attributes), "via": sorted(u.via)}

    return {
        "query": found.query, "truncated": found.truncated,
        "attributes": [{"id": h.attribute.id, "name": h.attribute.name, "code": h.attribute.code,
                        "entity": {"id": h.entity.id, "name": h.entity.name},
                        "dataset": {"id": h.dataset.id, "name": h.dataset.name},
                        "pd_category": h.attribute.pd_category,
                        "derived": [a.id for a in h.derived], "derived_from": [a.id for a in h.derived_from]}
                       for h in found.attributes],
        "systems": [use_json(u) for u in found.systems],
        "marts": [use_json(u) for u in found.marts],
        "processes": [use_json(u) for u in found.processes],
        "steps": [{"process_id": s.process.id, "passport_id": s.passport.id, "step": s.step.name,
                   "position": s.step.position, "role": s.role, "attribute_id": s.attribute.id}
                  for s in found.steps],
        "agencies": [use_json(u) for u in found.agencies],
    }
