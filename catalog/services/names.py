"""Name standardisation: each process and service name matched to the typical list.

The same service goes by many names (Samara counts about 700 names for its 1736
municipal services). Each name is compared with every typical process by the words
they share after Russian analysis (lemmas, and roots for related words), weighted
by how rare a word is in the typical list; the best match above ``THRESHOLD`` is
suggested. A name *conforms* when it says the same as a typical name, word for word
after analysis. An editor of the record accepts or rejects each suggestion;
accepting a process's sets its typical process, a service's adds a MATCHES_TYPICAL link.
"""
from __future__ import annotations

import math
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

THRESHOLD = 0.5
MATCHED_KINDS = ("processes", "services")
STATES = {"suggested": "предложено", "accepted": "принято", "rejected": "отклонено"}


@dataclass
class _Typical:
    id: int
    name: str
    lemmas: tuple[str, ...]
    weights: dict[str, float]  # lemma → idf weight
    roots: dict[str, str]  # root → lemma


class TypicalList:
    """The typical list, analysed once, with an inverted index from lemmas and roots to entries."""

    def __init__(self, rows):
        entries = [(i, n, analysis.lemma_phrase(n)) for i, n in rows]
        frequency = Counter(lemma for _, _, lemmas in entries for lemma in set(lemmas))
        total = max(1, len(entries))
        self.entries: list[_Typical] = []
        self.by_word: dict[str, set[int]] = defaultdict(set)
        self.exact: dict[tuple[str, ...], int] = {}
        for position, (typical_id, name, lemmas) in enumerate(entries):
            weights = {lemma: math.log(1 + total / frequency[lemma]) for lemma in lemmas}
            roots = {analysis.root(lemma): lemma for lemma in lemmas}
            self.entries.append(_Typical(typical_id, name, lemmas, weights, roots))
            for lemma in lemmas:
                self.by_word[lemma].add(position)
            for root in roots:
                self.by_word["~" + root].add(position)
            self.exact.setdefault(lemmas, typical_id)

    def best(self, name: str) -> tuple[int, str, float] | None:
        """(typical id, typical name, score in 0..1) of the closest entry, if any shares a word."""
        lemmas = analysis.lemma_phrase(name)
        if not lemmas:
            return None
        if lemmas in self.exact:
            typical = next(e for e in self.entries if e.id == self.exact[lemmas])
            return typical.id, typical.name, 1.0
        own = set(lemmas)
        own_roots = {analysis.root(lemma) for lemma in lemmas}
        candidates = set().union(*(self.by_word.get(w, set()) for w in own),
                                 *(self.by_word.get("~" + r, set()) for r in own_roots))
        best = None
        for position in candidates:
            typical = self.entries[position]
            total = sum(typical.weights.values())
            found = sum(weight * (1.0 if lemma in own else 0.6 if analysis.root(lemma) in own_roots else 0.0)
                        for lemma, weight in typical.weights.items())
            covered = found / total if total else 0.0
            # The typical name's words carry the score; a long name sharing them loses a little.
            extra = len(own - set(typical.lemmas)) / len(own)
            score = round(covered * (1 - 0.25 * extra), 3)
            if best is None or score > best[2] or (score == best[2] and len(typical.name) < len(best[1])):
                best = (typical.id, typical.name, score)
        return best


def _typical_list(ctx: Context) -> TypicalList:
    return TypicalList(ctx.session.execute(
        select(models.TypicalProcess.id, models.TypicalProcess.name).where(models.TypicalProcess.deleted_at.is_(None))))


def _linked_services(ctx: Context) -> set[tuple[int, int]]:
    link = models.Link
    return set(ctx.session.execute(select(link.source_id, link.target_id).where(
        link.link_type == "MATCHES_TYPICAL", link.deleted_at.is_(None))).all())


@rules.operation("names.match")
def match_names(ctx: Context, progress=None) -> dict[str, int]:
    """Compute (again) the suggestion for every process and service; decisions already taken stay."""
    rules.check(ctx, "names.match")
    typical = _typical_list(ctx)
    existing = {(m.record_kind, m.record_id): m for m in ctx.session.scalars(select(models.NameMatch))}
    linked_services = _linked_services(ctx)
    counts = Counter()
    now = datetime.now(UTC)
    for done, (kind, record_id, name, agency_id, typical_id) in enumerate(_names(ctx), 1):
        found = typical.best(name)
        match = existing.get((kind, record_id))
        if found is None or found[2] < THRESHOLD:
            if match is not None and match.state == "suggested":
                ctx.session.delete(match)
            counts["без совпадения"] += 1
            continue
        already = typical_id == found[0] if kind == "processes" else (record_id, found[0]) in linked_services
        if match is None:
            match = models.NameMatch(record_kind=kind, record_id=record_id)
            ctx.session.add(match)
        elif match.typical_process_id == found[0] and match.state != "suggested":
            counts[match.state] += 1
            continue  # an editor's decision on this very suggestion stands
        match.agency_id, match.typical_process_id, match.score, match.computed_at = agency_id, found[0], found[2], now
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

    @property
    def state_label(self) -> str:
        return STATES[self.match.state]


def list_matches(ctx: Context, agency_id: int | None = None, state: str = "suggested",
                 limit: int = 200) -> list[MatchRow]:
    """Matches in one state (or "all"), best scores first."""
    permissions.require_read(ctx)
    if state != "all" and state not in STATES:
        raise BadParameter("Неверный фильтр.", {"state": [f"Допустимо: {', '.join(STATES)}, all."]})
    query = select(models.NameMatch).order_by(models.NameMatch.score.desc(), models.NameMatch.id).limit(limit)
    if state != "all":
        query = query.where(models.NameMatch.state == state)
    if agency_id is not None:
        query = query.where(models.NameMatch.agency_id == agency_id)
    return describe(ctx, list(ctx.session.scalars(query)))


def describe(ctx: Context, matches: list[models.NameMatch]) -> list[MatchRow]:
    """Matches with the titles of their records and agencies, read in one query per kind."""
    labels = records.labels_for(ctx, {(m.record_kind, m.record_id) for m in matches}
                                | {("agencies", m.agency_id) for m in matches if m.agency_id})

    def title(ref) -> str:
        return labels[ref].title if ref in labels else "—"

    return [MatchRow(m, title((m.record_kind, m.record_id)), title(("agencies", m.agency_id))) for m in matches]


@rules.operation("names.decide")
def decide(ctx: Context, match_id: int, accept: bool) -> models.NameMatch:
    """Accept (link the record to the typical process) or reject a suggestion, as an editor of the record."""
    match = ctx.get(models.NameMatch, match_id, "Предложение не найдено.")
    record = records.get_record(ctx, match.record_kind, match.record_id)
    if record.is_deleted:
        raise Conflict("Запись удалена: решение по её названию не принимается.")
    if match.state != "suggested":
        raise Conflict(f"По этому предложению уже принято решение: {STATES[match.state]}.")
    rules.check(ctx, "names.decide", record)
    autocommit, ctx.autocommit = ctx.autocommit, False
    try:
        if accept and match.record_kind == "processes":
            records.update_record(ctx, "processes", record.id, {"typical_process_id": match.typical_process_id,
                                                                "version": record.version})
        elif accept:
            records.create_record(ctx, "links", {"link_type": "MATCHES_TYPICAL", "source_kind": "services",
                                                 "source_id": record.id, "target_kind": "typical-processes",
                                                 "target_id": match.typical_process_id})
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

    @property
    def share(self) -> float:
        return self.conforming / self.names if self.names else 0.0


@dataclass
class NamesReport:
    rows: list[ReportRow] = field(default_factory=list)
    total: ReportRow = field(default_factory=lambda: ReportRow(None, "Всего"))


def report(ctx: Context) -> NamesReport:
    """Per agency: names of processes and services, how many say the same as a typical name, linked, pending."""
    permissions.require_read(ctx)
    exact = set(_typical_list(ctx).exact)
    linked_services = {s for s, _ in _linked_services(ctx)}
    pending = Counter((m.record_kind, m.record_id) for m in ctx.session.scalars(
        select(models.NameMatch).where(models.NameMatch.state == "suggested")))
    rows: dict[int | None, ReportRow] = {}
    total = ReportRow(None, "Всего")
    agencies = dict(ctx.session.execute(select(models.Agency.id, models.Agency.name)).all())
    for kind, record_id, name, agency_id, linked in _names(ctx):
        row = rows.setdefault(agency_id, ReportRow(agency_id, agencies.get(agency_id, "без органа")))
        for target in (row, total):
            target.names += 1
            target.conforming += analysis.lemma_phrase(name) in exact
            target.linked += bool(linked) if kind == "processes" else record_id in linked_services
            target.pending += pending[(kind, record_id)]
    return NamesReport(sorted(rows.values(), key=lambda r: (-r.names, r.agency)), total)


def _names(ctx: Context):
    """(kind, id, name, agency id, typical process id or None) of every live process and service."""
    for kind in MATCHED_KINDS:
        model = KINDS[kind].model
        typical = model.typical_process_id if kind == "processes" else null()
        for row in ctx.session.execute(select(model.id, model.name, model.agency_id, typical)
                                       .where(model.deleted_at.is_(None))):
            yield (kind, *row)
