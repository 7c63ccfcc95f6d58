"""What a search asks and what it answers, independent of the backend.

The user's text is never handed to a query parser: it is cut into words and quoted
phrases here, so stray operators, quotes and brackets cannot break a search.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.errors import BadParameter
from catalog.schemas import INT_MAX, INT_MIN
from catalog.search import analysis
from catalog.search.documents import KIND_NAMES, SEARCHED_KINDS, kind_label

MAX_QUERY_LENGTH = 500
MAX_TERMS = 16

# Filters: parameter → (document field, Russian label, value type).
FILTERS: dict[str, tuple[str, str, type]] = {
    "kind": ("kind", "вид записи", str),
    "agency": ("agency_ids", "орган", int),
    "status": ("status", "статус", str),
    "life_situation": ("life_situation_ids", "жизненная ситуация", int),
    "group": ("group_id", "группа процессов", int),
    "digital": ("is_digital", "в цифровом виде", bool),
    "system": ("system_ids", "информационная система", int),
    "stage": ("stage", "стадия", str),
}
FACETS = tuple(FILTERS)

# What people look for first, as a weight on a record's score: the services, situations, agencies,
# systems and marts they ask about outrank the steps of processes and the parts of data models
# (entities, attributes, document types) that share their words. The first RERANK_WINDOW hits
# are put in this order; pages beyond keep the index's order.
KIND_PRIOR = {"services": 1.0, "life-situations": 1.0, "agencies": 1.0, "systems": 1.0, "marts": 1.0,
              "datasets": 0.9, "acts": 0.9, "people": 0.9, "passports": 0.8, "projects": 0.8, "requests": 0.8, "notices": 0.8,
              "processes": 0.75, "typical-processes": 0.7, "process-groups": 0.7, "document-types": 0.7,
              "entities": 0.6, "attributes": 0.5}
RERANK_WINDOW = 50


class IndexBusy(Exception):
    """Another process is writing the index; it applies the same events, so this one need not."""


@dataclass(frozen=True)
class Term:
    word: str  # as typed, normalised
    lemma: str
    root: str


@dataclass
class ParsedQuery:
    text: str
    terms: list[Term] = field(default_factory=list)
    phrases: list[list[Term]] = field(default_factory=list)  # quoted
    excluded: list[Term] = field(default_factory=list)  # -word
    synonyms: list[tuple[tuple[str, ...], list[tuple[str, ...]]]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)  # words of question phrases, left out

    @property
    def empty(self) -> bool:
        return not (self.terms or self.phrases)

    @property
    def normalized(self) -> str:
        return analysis.normalize(self.text)

    def all_terms(self) -> list[Term]:
        return self.terms + [t for phrase in self.phrases for t in phrase]


@dataclass
class Group:
    """Words of the query asked together: one word, or a phrase the thesaurus knows with its equivalents."""
    terms: list[Term]
    alternatives: list[tuple[str, ...]] = field(default_factory=list)  # lemma phrases meaning the same


def word_groups(parsed: ParsedQuery) -> list[Group]:
    """The query's words, a phrase with synonyms (the longest first) taken as one group."""
    groups: list[tuple[int, Group]] = []
    covered: set[int] = set()
    lemmas = [t.lemma for t in parsed.terms]
    for phrase, alternatives in parsed.synonyms:
        start = next((i for i in range(len(lemmas) - len(phrase) + 1)
                      if tuple(lemmas[i:i + len(phrase)]) == phrase and not covered & set(range(i, i + len(phrase)))),
                     None)
        if start is None:
            continue
        span = range(start, start + len(phrase))
        covered.update(span)
        groups.append((start, Group([parsed.terms[i] for i in span], alternatives)))
    groups += [(i, Group([t])) for i, t in enumerate(parsed.terms) if i not in covered]
    return [g for _, g in sorted(groups, key=lambda pair: pair[0])]


_KIND_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {}


def kinds_named(lemmas) -> tuple[str, ...]:
    """The kinds of record a phrase of the query names (``KIND_NAMES``: «система», «набор данных»), or ()."""
    if not _KIND_PHRASES:
        _KIND_PHRASES.update({analysis.lemma_phrase(name): kinds for name, kinds in KIND_NAMES.items()})
    return _KIND_PHRASES.get(tuple(lemmas), ())


# A phrase naming a kind of record («система», «набор данных») scores this much in a record of the kind.
KIND_MATCH = 2.0


def names_kind(group: "Group") -> bool:
    """Whether a word group, or one of its thesaurus equivalents («где хранятся» → «информационная
    система»), names a kind of record: such a group is asked as the kind (``kinds_named``)."""
    return bool(kinds_named([t.lemma for t in group.terms])) or any(kinds_named(alt) for alt in group.alternatives)


@dataclass(frozen=True)
class Plan:
    """Which word groups a search asks and how many must match.

    The strict rule (``minimum`` None): with one or two groups each must match, with three or
    more one may be missing.
    """
    skip: frozenset[int] = frozenset()  # groups left out: words the index does not know
    minimum: int | None = None

    def needed(self, asked: int) -> int:
        if self.minimum is not None:
            return min(self.minimum, asked)
        return asked if asked <= 2 else asked - 1


STRICT = Plan()
# Fewer records than this with every word, and the records with most of the words are shown after them.
FEW_HITS = 3


def best_effort(index, parsed: ParsedQuery, filters: dict, page: int, per_page: int, highlighter) -> "SearchResult":
    """Never empty by accident: the strict query; when it finds only a few records, the records with
    most of the words after them; when it finds nothing, the query without the words the index does
    not know, then any of the known words, the records covering more of them first.

    Words are left out only when the words the index knows say enough (``_worth_relaxing``):
    a query of unknown words, or mostly of them, still finds nothing.
    """
    result = index.search(parsed, filters, page, per_page, highlighter, STRICT)
    if result.total >= FEW_HITS or not parsed.terms:
        return result
    groups = word_groups(parsed)
    if result.total:
        # A few records have every word: the records with most of the words follow them.
        if len(groups) > 1:
            # One word fewer than the strict rule asks: «most of the words», not any one of them, which
            # in a long question matched a good part of the catalogue.
            wider = index.search(parsed, filters, page, per_page, highlighter,
                                 Plan(minimum=max(1, STRICT.needed(len(groups)) - 1)))
            if wider.total > result.total:
                wider.partial, wider.strict_total = True, result.total
                return wider
        return result
    known = index.known_groups(parsed, groups)
    if not _worth_relaxing(groups, known):
        return result
    skip = frozenset(i for i, k in enumerate(known) if not k)
    ignored = [t.word for i in sorted(skip) for t in groups[i].terms]
    if skip:
        result = index.search(parsed, filters, page, per_page, highlighter, Plan(skip))
        if result.total:
            result.ignored = ignored
            return result
    if len(groups) - len(skip) > 1:
        result = index.search(parsed, filters, page, per_page, highlighter, Plan(skip, minimum=1))
        result.partial = bool(result.total)
    result.ignored = ignored if result.total else []
    return result


def _worth_relaxing(groups: list[Group], known: list[bool]) -> bool:
    """Whether the words the index knows say enough of the query to answer without the others.

    Among them must be a word that names a thing (a noun, an adjective, an abbreviation): modifiers
    alone say nothing («фильмы онлайн бесплатно» is not about what is free). They must outnumber the
    unknown words, or be as many when the words left out are words of the language the catalogue
    happens not to use: «деньги на похороны» is about burial, «купить айфон» is not about purchases,
    and «курс биткоина» is about a name neither the catalogue nor the dictionary knows.
    """
    found = [t for g, k in zip(groups, known) if k for t in g.terms]
    missing = [t for g, k in zip(groups, known) if not k for t in g.terms]
    if not any(analysis.names_a_thing(t.word) for t in found):
        return False
    if len(found) != len(missing):
        return len(found) > len(missing)
    return all(analysis.in_dictionary(t.word) for t in missing)


def fold_same_names(ranked: list, kind_of, title_of) -> list[list]:
    """One entry a name among services and processes: a service and its processes of the same name, or one
    process repeated by agency, show once, the first with how many others it stands for.

    ``ranked`` is (score, hit) pairs in order; the answer is [score, hit, others folded under it]."""
    seen: dict[str, list] = {}
    folded = []
    for score, item in ranked:
        if kind_of(item) not in ("services", "processes"):
            folded.append([score, item, 0])
            continue
        name = analysis.normalize(title_of(item))
        if name in seen:
            seen[name][2] += 1
            continue
        seen[name] = [score, item, 0]
        folded.append(seen[name])
    return folded


# A word naming an agency: the agency's own record scores this much, its records that much.
AGENCY_ITSELF, AGENCY_RECORDS = 40.0, 6.0


def agency_words(group: Group) -> list[str] | None:
    """The forms of a one-word group looked up among the agencies' other names (минтранс, гжи), or None."""
    if len(group.terms) != 1 or len(group.terms[0].word) < 2:
        return None
    term = group.terms[0]
    return list(dict.fromkeys([term.word, term.lemma]))


def _term(word: str) -> Term:
    lemma = analysis.lemma(word)
    return Term(word, lemma, analysis.root(lemma))


def parse_query(text: str | None) -> ParsedQuery:
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise BadParameter("Слишком длинный запрос.", {"q": [f"Не длиннее {MAX_QUERY_LENGTH} символов."]})
    parsed = ParsedQuery(text)
    # Quoted phrases first; an unmatched quote is just a character.
    for phrase in re.findall(r'"([^"]+)"|«([^»]+)»', text):
        words = analysis.words(phrase[0] or phrase[1])
        if words:
            parsed.phrases.append([_term(w) for w in words])
    rest = re.sub(r'"[^"]+"|«[^»]+»', " ", text)
    # Every word with its token, stop words included, so question phrases can be found and left out.
    tokens = [(token.startswith("-") and len(token) > 1, analysis.WORD_RE.findall(token.lower().replace("ё", "е")))
              for token in rest.split()]
    flat = [w for negative, found in tokens if not negative for w in found]
    question = analysis.question_words(flat)
    position = 0
    for negative, found in tokens:
        for word in found:
            if not negative:
                position += 1
                if position - 1 in question:
                    parsed.questions.append(word)
                    continue
            if word not in analysis.STOP_WORDS:
                (parsed.excluded if negative else parsed.terms).append(_term(word))
    if len(parsed.terms) + sum(len(p) for p in parsed.phrases) > MAX_TERMS:
        raise BadParameter("Слишком много слов в запросе.", {"q": [f"Не больше {MAX_TERMS} слов."]})
    parsed.synonyms = analysis.expansions([t.lemma for t in parsed.all_terms()])
    return parsed


def parse_filters(args) -> dict[str, list]:
    """Filters from request parameters (repeatable), each value checked; unknown values name the parameter."""
    filters: dict[str, list] = {}
    for name, (_, label, value_type) in FILTERS.items():
        values = [v for v in (args.getlist(name) if hasattr(args, "getlist") else _as_list(args.get(name))) if v != ""]
        if not values:
            continue
        checked = []
        for value in values:
            if value_type is int:
                try:
                    checked.append(int(value))
                except (TypeError, ValueError):
                    raise BadParameter("Неверный фильтр поиска.", {name: [f"«{value}»: ожидается номер записи ({label})."]}) from None
                if not INT_MIN <= checked[-1] <= INT_MAX:
                    raise BadParameter("Неверный фильтр поиска.", {name: ["Число вне допустимого диапазона."]})
            elif value_type is bool:
                lowered = str(value).lower()
                if lowered not in ("1", "0", "true", "false", "да", "нет"):
                    raise BadParameter("Неверный фильтр поиска.", {name: ["Ожидается 1 или 0."]})
                checked.append(lowered in ("1", "true", "да"))
            else:
                checked.append(str(value))
        if name == "kind":
            unknown = [v for v in checked if v not in SEARCHED_KINDS]
            if unknown:
                raise BadParameter("Неверный фильтр поиска.", {name: [f"Нет такого вида записей: «{unknown[0]}»."]})
        if name == "status":
            from catalog.enums import ProcessStatus
            known = {s.value for s in ProcessStatus}
            unknown = [v for v in checked if v not in known]
            if unknown:
                raise BadParameter("Неверный фильтр поиска.", {name: [f"Нет такого статуса: «{unknown[0]}»."]})
        if name == "stage":
            from catalog.search.documents import stage_label
            unknown = [v for v in checked if stage_label(v) == v]
            if unknown:
                raise BadParameter("Неверный фильтр поиска.", {name: [f"Нет такой стадии: «{unknown[0]}»."]})
        filters[name] = checked
    return filters


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass
class Hit:
    uid: str
    kind: str
    record_id: int
    title: str
    score: float
    highlights: dict[str, str] = field(default_factory=dict)  # field → HTML with <mark>
    # Filled from the store by catalog.services.search.describe, so like-named records can be told apart.
    agency: str | None = None
    status: str | None = None
    status_label: str | None = None
    registry_id: str | None = None

    same_name: int = 0  # other records of this name folded under this one (a service and its processes)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


@dataclass
class FacetValue:
    value: object
    count: int
    label: str = ""
    selected: bool = False


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    page: int
    per_page: int
    ignored: list[str] = field(default_factory=list)  # words as typed the index does not know, left out
    partial: bool = False  # records with some of the known words (after those with all, if any)
    strict_total: int = 0  # records with every word, when ``partial``

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class Suggestion:
    uid: str
    kind: str
    record_id: int
    title: str
    agency: str | None = None  # filled by catalog.services.search.describe
    count: int = 1  # records of this name (a service and its processes, one process in many agencies)
    agency_ids: set = field(default_factory=set)
    agencies: list[str] = field(default_factory=list)  # their names, filled in by the service

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


# Suggestions: hits asked for each suggestion wanted (the rest fold under one name); the word being typed
# is read through the thesaurus from this many letters («гос» → госуслуги → ЕПГУ), one typo in it from that.
SUGGEST_HITS = 4
SUGGEST_MEANT_FROM, SUGGEST_TYPO_FROM = 3, 4


def typo_distance(word: str) -> int:
    """Edits a typed word may be away from an indexed one: none below five letters, two from nine."""
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


@dataclass(frozen=True)
class TypedWord:
    """A word typed before the one being typed: matched by lemma, root, a typo, a synonym or an agency's name."""
    word: str
    lemma: str
    root: str
    distance: int  # typos allowed (``typo_distance``)
    synonyms: tuple[tuple[str, ...], ...]  # lemma phrases the thesaurus means by it


@dataclass(frozen=True)
class Typed:
    """The search box's text as the suggestions read it, the same for both backends."""
    words: tuple[TypedWord, ...]  # complete words
    partial: str | None  # the word being typed (None after a space)
    normalized: str  # the whole text, for the name starting so

    def meant(self) -> list[tuple[str, ...]]:
        """What the thesaurus means by words starting as typed (госусл → госуслуги → ЕПГУ), when nothing starts so."""
        if not self.partial or len(self.partial) < SUGGEST_MEANT_FROM:
            return []
        return [alt for _, alts in analysis.synonyms_starting(self.partial) for alt in alts]

    @property
    def typo_in_partial(self) -> bool:
        return bool(self.partial) and len(self.partial) >= SUGGEST_TYPO_FROM


def typed_words(text: str) -> Typed | None:
    words = analysis.words(text)
    if not words:
        return None
    complete = words if text.endswith(" ") else words[:-1]
    typed = []
    for word in complete:
        lemma = analysis.lemma(word)
        typed.append(TypedWord(word, lemma, analysis.root(lemma), typo_distance(word),
                               tuple(analysis.SYNONYMS.get((lemma,), []))))
    return Typed(tuple(typed), None if text.endswith(" ") else words[-1], analysis.normalize(text))


def group_suggestions(found, limit: int, ids_of) -> list[Suggestion]:
    """Suggestions from an index's hits, (score, kind, title, agency id or None, hit) in its order: in the order
    people want (``KIND_PRIOR``), one name once with how many records bear it and their agencies.

    ``ids_of(hit)`` gives (uid, record id), read only for the hits suggested."""
    ranked = sorted(found, key=lambda entry: -entry[0] * KIND_PRIOR.get(entry[1], 1.0))
    by_name: dict[str, Suggestion] = {}
    for _, kind, title, agency, hit in ranked:
        key = analysis.normalize(title)
        if key in by_name:
            by_name[key].count += 1
            if agency:
                by_name[key].agency_ids.add(agency)
            continue
        if len(by_name) < limit:
            uid, record_id = ids_of(hit)
            by_name[key] = Suggestion(uid, kind, record_id, title, agency_ids={agency} if agency else set())
    return list(by_name.values())
