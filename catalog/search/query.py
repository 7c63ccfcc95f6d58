"""What a search asks and what it answers, independent of the backend.

The user's text is never handed to a query parser: it is cut into words and quoted
phrases here, so stray operators, quotes and brackets cannot break a search.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.errors import BadParameter
from catalog.schemas import INT_MAX, INT_MIN
from catalog.kinds import KINDS
from catalog.search import analysis
from catalog.search.documents import SEARCHED_KINDS

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
}
FACETS = tuple(FILTERS)


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

    @property
    def empty(self) -> bool:
        return not (self.terms or self.phrases)

    @property
    def normalized(self) -> str:
        return analysis.normalize(self.text)

    def all_terms(self) -> list[Term]:
        return self.terms + [t for phrase in self.phrases for t in phrase]


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
    for token in rest.split():
        negative = token.startswith("-") and len(token) > 1
        for word in analysis.words(token):
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

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind].label_one


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

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind].label_one
