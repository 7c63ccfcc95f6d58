"""Name standardisation: each service and process name matched to its typical list.

The same municipal service goes by many names (Samara concept, section 2: about 700 names for
1,736 municipal services, 12 % matching the typical list). Services are matched to the typical
list of municipal services (spheres, each curated by a regional executive body; section 3 task
10), processes to the typical list of processes; while a region has no typical services yet,
services are matched to the typical processes as before.

A name is first brought to its *key* (``name_key``): the «муниципальная услуга по…» prefix and
the municipality's name («…городского округа Приволжск», «в Заречном муниципальном районе»)
dropped, abbreviations (ИЖС, МКД, ГПЗУ, ДОУ, МСП…) spelt out, words lemmatised (pymorphy3), stop
words left out, word order ignored. A name *conforms* when its key is the typical name's key:
the same name up to those variations. Otherwise the closest entry (the typical name or a variant
met in municipalities) is suggested when the score (shared words weighted by how rare they are in
the list, related words by their root at ``ROOT_CREDIT``) reaches ``THRESHOLD``. The editor of the
record accepts (the record then links to the typical entry, and through it to its sphere) or
rejects each suggestion. ``benchmarks/names_matcher.py`` measures the suggestion on the labelled
``tests/data/municipal_names.csv`` (docs/names.md).
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import null, select

from catalog import models
from catalog.errors import BadParameter, Conflict
from catalog.kinds import KINDS
from catalog.search import analysis
from catalog.services import permissions, records, rules
from catalog.services.context import Context

THRESHOLD = 0.55
ROOT_CREDIT = 0.6
# The typical entry's words carry most of the score; words the name adds cost a little.
TYPICAL_SHARE = 0.75
MATCHED_KINDS = ("processes", "services")
STATES = {"suggested": "предложено", "accepted": "принято", "rejected": "отклонено"}

# The prefixes officials put before a service's own name.
_PREFIX = re.compile(
    r"^\s*(?:(?:о\s+)?(?:предоставлени[еяю]|оказани[еяю]|исполнени[еяю])\s+)?"
    r"(?:муниципальн(?:ой|ая|ую)|государственн(?:ой|ая|ую))\s+услуг[аиу]?\s*(?:по\s+|[:«\"\-–—]\s*)?",
    re.IGNORECASE)
_USLUGA_PO = re.compile(r"^\s*услуг[аи]\s+по\s+", re.IGNORECASE)
# A municipality named in the name: «городского округа Приволжск», «г.о. Тольятти»,
# «Заречного муниципального района», «в Заречном районе», «…Самарской области».
_PLACE = re.compile(
    r"(?:(?:на\s+территории|в\s+границах)\s+)?"
    r"(?:(?:городско(?:го|м|й)\s+округ(?:а|е)?|муниципальн(?:ого|ом|ый)\s+район(?:а|е)?|"
    r"сельско(?:го|м)\s+поселени(?:я|и)|городско(?:го|м)\s+поселени(?:я|и)|муниципальн(?:ого|ом)\s+образовани(?:я|и)|"
    r"г\.\s*о\.|м\.\s*р\.|г\.|город(?:а|е)?)\s+[«\"]?[А-ЯЁ][а-яё\-]+[»\"]?"
    r"|[А-ЯЁ][а-яё]+(?:ого|его|ом|ем|ый|ий)\s+(?:муниципальн(?:ого|ом|ый)\s+)?район(?:а|е)?"
    r"|[А-ЯЁ][а-яё]+(?:ской|ского)\s+област(?:и|ь))")
# Words left of a territory once its name is gone («на территории городского округа»).
_PLACE_WORDS = frozenset({"территория", "граница", "округ", "городской", "поселение", "сельский", "район",
                          "область", "город"})
# Abbreviations officials write, spelt out (the case does not matter: the words are lemmatised).
ABBREVIATIONS = {
    "гпзу": "градостроительный план земельного участка", "ижс": "индивидуального жилищного строительства",
    "мкд": "многоквартирном доме", "доу": "дошкольные образовательные организации",
    "мсп": "малого и среднего предпринимательства", "смсп": "субъектов малого и среднего предпринимательства",
    "окс": "объектов капитального строительства", "нто": "нестационарных торговых объектов",
    "зу": "земельного участка", "тко": "твердых коммунальных отходов", "жку": "жилищно-коммунальных услуг",
    "16": "шестнадцати", "3": "трех",
}
_ABBREVIATION = re.compile(r"(?<![0-9A-Za-zА-Яа-яЁё])(" + "|".join(map(re.escape, ABBREVIATIONS)) + r")(?![0-9A-Za-zА-Яа-яЁё])",
                           re.IGNORECASE)
# Words said one way in a typical name and another in municipal ones; equal for the score only.
_SAME_FOR_SCORE = {"учреждение": "организация", "общеобразовательный": "образовательный",
                   "выписка": "выписка", "ордер": "разрешение", "производство": "осуществление",
                   "проведение": "осуществление", "сведение": "информация"}


# Phrases said in other words, one of them kept; «без» is a stop word of search, but «без торгов» and
# «на торгах» are two different services.
_PHRASES = [
    (re.compile(r"без\s+(?:проведения\s+)?(?:торгов|аукциона)", re.IGNORECASE), " внеторговый "),
    (re.compile(r"многодетн\w*", re.IGNORECASE), " имеющим трех и более детей "),
]


def name_key(name: str) -> tuple[str, ...]:
    """The lemmas of a name with the officials' variations taken out, sorted (order does not count)."""
    text = _USLUGA_PO.sub("", _PREFIX.sub("", name or ""))
    text = _PLACE.sub(" ", text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    text = _ABBREVIATION.sub(lambda m: " " + ABBREVIATIONS[m.group(1).lower()] + " ", text)
    lemmas = [lemma for lemma in analysis.lemma_phrase(text) if lemma not in _PLACE_WORDS]
    return tuple(sorted(lemmas))


@dataclass
class _Entry:
    typical_id: int
    name: str  # the typical name (also for an entry that is one of its variants)
    lemmas: frozenset[str]
    weights: dict[str, float]
    roots: dict[str, str]  # root → lemma


def _for_score(lemma: str) -> str:
    return _SAME_FOR_SCORE.get(lemma, lemma)


class TypicalList:
    """A typical list analysed once: the keys that conform, and an index from lemmas and roots to
    the entries (each typical name and each variant met)."""

    def __init__(self, rows):
        """``rows``: (id, name) or (id, name, variants)."""
        items = [(row[0], row[1], list(row[2] or []) if len(row) > 2 else []) for row in list(rows)]
        self.exact: dict[tuple[str, ...], int] = {}
        self.names: dict[int, str] = {}
        analysed = []
        for typical_id, name, variants in items:
            self.names[typical_id] = name
            key = name_key(name)
            if key:
                self.exact.setdefault(key, typical_id)
            for text in [name, *variants]:
                lemmas = frozenset(_for_score(lemma) for lemma in name_key(text))
                if lemmas:
                    analysed.append((typical_id, name, lemmas))
        frequency = Counter(lemma for _, _, lemmas in analysed for lemma in lemmas)
        self.total = max(1, len(analysed))
        self.frequency = frequency
        self.entries: list[_Entry] = []
        self.by_word: dict[str, set[int]] = defaultdict(set)
        for position, (typical_id, name, lemmas) in enumerate(analysed):
            weights = {lemma: self.weight(lemma) for lemma in lemmas}
            roots = {analysis.root(lemma): lemma for lemma in lemmas}
            self.entries.append(_Entry(typical_id, name, lemmas, weights, roots))
            for lemma in lemmas:
                self.by_word[lemma].add(position)
            for root in roots:
                self.by_word["~" + root].add(position)

    def weight(self, lemma: str) -> float:
        return math.log(1 + self.total / self.frequency.get(lemma, 0.5))

    def conforms(self, name: str) -> int | None:
        """The typical entry the name is, up to the officials' variations."""
        return self.exact.get(name_key(name))

    def best(self, name: str) -> tuple[int, str, float] | None:
        """(typical id, typical name, score in 0..1) of the closest entry, if any shares a word."""
        key = name_key(name)
        if not key:
            return None
        if key in self.exact:
            typical_id = self.exact[key]
            return typical_id, self.names[typical_id], 1.0
        own = {_for_score(lemma) for lemma in key}
        own_roots = {analysis.root(lemma): lemma for lemma in own}
        own_weight = sum(self.weight(lemma) for lemma in own)
        candidates = set().union(*(self.by_word.get(w, set()) for w in own),
                                 *(self.by_word.get("~" + r, set()) for r in own_roots))
        best = None
        for position in candidates:
            entry = self.entries[position]
            total = sum(entry.weights.values())
            found, used = 0.0, set()
            for lemma, weight in entry.weights.items():
                if lemma in own:
                    found += weight
                    used.add(lemma)
                elif (root := analysis.root(lemma)) in own_roots:
                    found += ROOT_CREDIT * weight
                    used.add(own_roots[root])
            covered = found / total if total else 0.0
            own_covered = sum(self.weight(lemma) for lemma in used) / own_weight if own_weight else 0.0
            score = round(TYPICAL_SHARE * covered + (1 - TYPICAL_SHARE) * own_covered, 3)
            if best is None or score > best[2] or (score == best[2] and len(entry.name) < len(best[1])):
                best = (entry.typical_id, entry.name, score)
        return best

    def suggest(self, name: str) -> tuple[int, str, float] | None:
        found = self.best(name)
        return found if found is not None and found[2] >= THRESHOLD else None


def _typical_processes(ctx: Context) -> TypicalList:
    return TypicalList(ctx.session.execute(
        select(models.TypicalProcess.id, models.TypicalProcess.name).where(models.TypicalProcess.deleted_at.is_(None))))


def _typical_services(ctx: Context) -> TypicalList | None:
    rows = list(ctx.session.execute(select(models.TypicalService.id, models.TypicalService.name,
                                           models.TypicalService.variants)
                                    .where(models.TypicalService.deleted_at.is_(None))))
    return TypicalList(rows) if rows else None


@dataclass
class Lists:
    """The typical list each kind of record is matched against, and the kind of its entries."""

    by_kind: dict[str, tuple[TypicalList, str]]

    def of(self, kind: str) -> tuple[TypicalList, str]:
        return self.by_kind[kind]


def typical_lists(ctx: Context) -> Lists:
    processes = _typical_processes(ctx)
    services = _typical_services(ctx)
    return Lists({"processes": (processes, "typical-processes"),
                  "services": (services, "typical-services") if services else (processes, "typical-processes")})


def target_of(match: models.NameMatch) -> tuple[str, int]:
    if match.typical_service_id is not None:
        return "typical-services", match.typical_service_id
    return "typical-processes", match.typical_process_id


def _set_target(match: models.NameMatch, target_kind: str, target_id: int) -> None:
    match.typical_service_id = target_id if target_kind == "typical-services" else None
    match.typical_process_id = target_id if target_kind == "typical-processes" else None


def _linked_services(ctx: Context) -> set[tuple[int, str, int]]:
    link = models.Link
    return set(ctx.session.execute(select(link.source_id, link.target_kind, link.target_id).where(
        link.link_type == "MATCHES_TYPICAL", link.deleted_at.is_(None))).all())


@rules.operation("names.match")
def match_names(ctx: Context, progress=None) -> dict[str, int]:
    """Compute (again) the suggestion for every process and service; decisions already taken stay."""
    rules.check(ctx, "names.match")
    lists = typical_lists(ctx)
    existing = {(m.record_kind, m.record_id): m for m in ctx.session.scalars(select(models.NameMatch))}
    linked_services = _linked_services(ctx)
    counts = Counter()
    now = datetime.now(UTC)
    for done, (kind, record_id, name, agency_id, typical_id) in enumerate(_names(ctx), 1):
        typical, target_kind = lists.of(kind)
        found = typical.suggest(name)
        match = existing.get((kind, record_id))
        if found is None:
            if match is not None and match.state == "suggested":
                ctx.session.delete(match)
            counts["без совпадения"] += 1
            continue
        already = typical_id == found[0] if kind == "processes" else \
            (record_id, target_kind, found[0]) in linked_services
        if match is None:
            match = models.NameMatch(record_kind=kind, record_id=record_id)
            ctx.session.add(match)
        elif target_of(match) == (target_kind, found[0]) and match.state != "suggested":
            counts[match.state] += 1
            continue  # an editor's decision on this very suggestion stands
        _set_target(match, target_kind, found[0])
        match.agency_id, match.score, match.computed_at = agency_id, found[2], now
        match.state = "accepted" if already else "suggested"
        match.decided_by = "связь уже была" if already else None
        match.decided_at = now if already else None
        counts[match.state] += 1
        if progress and done % 5000 == 0:
            progress("названия", done)
    ctx.finish()
    return {STATES.get(k, k): v for k, v in counts.items()}


@dataclass
class MatchRow:
    match: models.NameMatch
    record_title: str
    agency_title: str
    typical_kind: str = "typical-processes"
    typical_name: str = ""
    sphere: str | None = None

    @property
    def state_label(self) -> str:
        return STATES[self.match.state]

    @property
    def typical_id(self) -> int:
        return target_of(self.match)[1]


def list_matches(ctx: Context, agency_id: int | None = None, state: str = "suggested",
                 limit: int = 200, sphere_id: int | None = None) -> list[MatchRow]:
    """Matches in one state (or "all"), best scores first; of one sphere's typical services if asked."""
    permissions.require_read(ctx)
    if state != "all" and state not in STATES:
        raise BadParameter("Неверный фильтр.", {"state": [f"Допустимо: {', '.join(STATES)}, all."]})
    query = select(models.NameMatch).order_by(models.NameMatch.score.desc(), models.NameMatch.id).limit(limit)
    if state != "all":
        query = query.where(models.NameMatch.state == state)
    if agency_id is not None:
        query = query.where(models.NameMatch.agency_id == agency_id)
    if sphere_id is not None:
        query = query.where(models.NameMatch.typical_service_id.in_(
            select(models.TypicalService.id).where(models.TypicalService.sphere_id == sphere_id)))
    return describe(ctx, list(ctx.session.scalars(query)))


def describe(ctx: Context, matches: list[models.NameMatch]) -> list[MatchRow]:
    """Matches with the titles of their records, agencies and typical entries, one query per kind."""
    labels = records.labels_for(ctx, {(m.record_kind, m.record_id) for m in matches}
                                | {("agencies", m.agency_id) for m in matches if m.agency_id}
                                | {target_of(m) for m in matches})
    spheres = _sphere_names(ctx)

    def title(ref) -> str:
        return labels[ref].title if ref in labels else "—"

    rows = []
    for m in matches:
        target = target_of(m)
        sphere = spheres.get(m.typical_service.sphere_id) if m.typical_service is not None else None
        rows.append(MatchRow(m, title((m.record_kind, m.record_id)), title(("agencies", m.agency_id)),
                             target[0], title(target), sphere))
    return rows


def _sphere_names(ctx: Context) -> dict[int, str]:
    return dict(ctx.session.execute(select(models.ServiceSphere.id, models.ServiceSphere.name)).all())


@rules.operation("names.decide")
def decide(ctx: Context, match_id: int, accept: bool) -> models.NameMatch:
    """Accept (link the record to the typical entry) or reject a suggestion, as an editor of the record."""
    match = ctx.get(models.NameMatch, match_id, "Предложение не найдено.")
    record = records.get_record(ctx, match.record_kind, match.record_id)
    rules.check(ctx, "names.decide", record)  # who may not decide hears so before the state of the match
    if record.is_deleted:
        raise Conflict("Запись удалена: решение по её названию не принимается.")
    if match.state != "suggested":
        raise Conflict(f"По этому предложению уже принято решение: {STATES[match.state]}.")
    target_kind, target_id = target_of(match)
    autocommit, ctx.autocommit = ctx.autocommit, False
    try:
        if accept and match.record_kind == "processes":
            records.update_record(ctx, "processes", record.id, {"typical_process_id": target_id,
                                                                "version": record.version})
        elif accept:
            records.create_record(ctx, "links", {"link_type": "MATCHES_TYPICAL", "source_kind": "services",
                                                 "source_id": record.id, "target_kind": target_kind,
                                                 "target_id": target_id})
        match.state = "accepted" if accept else "rejected"
        match.decided_by, match.decided_at = ctx.actor_name, datetime.now(UTC)
    except Exception:
        ctx.session.rollback()
        raise
    finally:
        ctx.autocommit = autocommit
    ctx.finish()
    return match


@dataclass
class ReportRow:
    agency_id: int | None
    agency: str
    names: int = 0
    conforming: int = 0
    linked: int = 0
    pending: int = 0
    curator: str | None = None  # for a sphere: its curating body

    @property
    def share(self) -> float:
        return self.conforming / self.names if self.names else 0.0


@dataclass
class NamesReport:
    rows: list[ReportRow] = field(default_factory=list)  # per agency (municipality)
    total: ReportRow = field(default_factory=lambda: ReportRow(None, "Всего"))
    spheres: list[ReportRow] = field(default_factory=list)  # per sphere (services); agency_id is the sphere's id
    sphere_id: int | None = None


def _service_spheres(ctx: Context, lists: Lists) -> dict[int, int]:
    """The sphere of each service: of the typical service it links to, else of the one it conforms to
    or is suggested (services only: processes have no sphere)."""
    sphere_of_typical = dict(ctx.session.execute(select(models.TypicalService.id, models.TypicalService.sphere_id)).all())
    if not sphere_of_typical:
        return {}
    found = {}
    for match in ctx.session.scalars(select(models.NameMatch).where(
            models.NameMatch.record_kind == "services", models.NameMatch.typical_service_id.is_not(None),
            models.NameMatch.state != "rejected")):
        found[match.record_id] = sphere_of_typical.get(match.typical_service_id)
    for service_id, target_kind, target_id in _linked_services(ctx):
        if target_kind == "typical-services":
            found[service_id] = sphere_of_typical.get(target_id)
    return found


def report(ctx: Context, sphere_id: int | None = None) -> NamesReport:
    """Per agency (municipality), per sphere and overall: names, how many conform to the typical list
    (up to the officials' variations), linked to it, waiting for the editor. With ``sphere_id``,
    only the services of that sphere (what its curating body looks at)."""
    permissions.require_read(ctx)
    lists = typical_lists(ctx)
    linked_services = _linked_services(ctx)
    pending = Counter((m.record_kind, m.record_id) for m in ctx.session.scalars(
        select(models.NameMatch).where(models.NameMatch.state == "suggested")))
    agencies = dict(ctx.session.execute(select(models.Agency.id, models.Agency.name)).all())
    spheres = {s.id: s for s in ctx.session.scalars(select(models.ServiceSphere).where(
        models.ServiceSphere.deleted_at.is_(None)))}
    sphere_of_typical = dict(ctx.session.execute(select(models.TypicalService.id, models.TypicalService.sphere_id)).all())
    sphere_of_service = _service_spheres(ctx, lists)
    rows: dict[int | None, ReportRow] = {}
    by_sphere: dict[int | None, ReportRow] = {}
    total = ReportRow(None, "Всего")
    for kind, record_id, name, agency_id, linked in _names(ctx):
        typical, target_kind = lists.of(kind)
        conforming_to = typical.conforms(name)
        sphere = None
        if kind == "services" and target_kind == "typical-services":
            sphere = sphere_of_typical.get(conforming_to) if conforming_to else sphere_of_service.get(record_id)
        if sphere_id is not None and sphere != sphere_id:
            continue
        row = rows.setdefault(agency_id, ReportRow(agency_id, agencies.get(agency_id, "без органа")))
        targets = [row, total]
        if kind == "services" and spheres:
            targets.append(by_sphere.setdefault(sphere, ReportRow(
                sphere, spheres[sphere].name if sphere in spheres else "сфера не определена",
                curator=agencies.get(spheres[sphere].curator_agency_id) if sphere in spheres else None)))
        is_linked = bool(linked) if kind == "processes" else any(
            s == record_id and k == target_kind for s, k, _ in linked_services)
        for target in targets:
            target.names += 1
            target.conforming += conforming_to is not None
            target.linked += is_linked
            target.pending += pending[(kind, record_id)]
    return NamesReport(sorted(rows.values(), key=lambda r: (-r.names, r.agency)), total,
                       sorted(by_sphere.values(), key=lambda r: (r.agency_id is None, r.agency)), sphere_id)


def curated_spheres(ctx: Context) -> list[models.ServiceSphere]:
    """The spheres the signed-in user's agencies curate (what their report opens on)."""
    user = ctx.user
    if user is None or not user.agency_ids:
        return []
    return list(ctx.session.scalars(select(models.ServiceSphere).where(
        models.ServiceSphere.curator_agency_id.in_(list(user.agency_ids)), models.ServiceSphere.deleted_at.is_(None))
        .order_by(models.ServiceSphere.name)))


def _names(ctx: Context):
    """(kind, id, name, agency id, typical process id or None) of every live process and service."""
    for kind in MATCHED_KINDS:
        model = KINDS[kind].model
        typical = model.typical_process_id if kind == "processes" else null()
        for row in ctx.session.execute(select(model.id, model.name, model.agency_id, typical)
                                       .where(model.deleted_at.is_(None))):
            yield (kind, *row)
