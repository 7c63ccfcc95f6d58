"""Russian text analysis shared by the index, the queries, the highlighter and name matching.

A word is lower-cased with «ё» read as «е» and reduced three ways:
- its *lemma* (pymorphy3's normal form: лицензии → лицензия, выдать → выдать);
- its *root*: the lemma without a derivational ending, so that лицензия / лицензирование
  and выдача / выдать meet (лиценз, выд); a weaker match than the lemma;
- the *word* itself, for typo-tolerant (fuzzy) matching.
Abbreviations (МФЦ, ЕПГУ) and words the dictionary does not know are kept as written:
pymorphy3 would otherwise guess a lemma for them (епгу → епг).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3

from catalog.search.synonyms import SHIPPED, Thesaurus

WORD_RE = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")

STOP_WORDS = frozenset("""
а без более бы был была были было в вам вас весь во вот все всех вы где да даже для до его ее ей если есть
еще же за и из или им их к как ко когда кто ли либо между мне может мы на над не него нее нет ни них но ну
о об однако он она они оно от по под при про с со так также такой там те тем то того тоже той только том
ту ты у уже чем что чтобы чье эта эти это я
""".split())

# Derivational endings, longest first: what is left is a root shared by related words.
_ROOT_ENDINGS = sorted("""
ирование ирования ование ования ывание ивание ение ания ание ение ость ство ствие ация яция ция ия ие
ировать овать ывать ивать ить ать ять еть уть ти ача ка ок ик ник тель ный ной ский ская ое ый ий ая
""".split(), key=len, reverse=True)
_MIN_ROOT = 3

_morph = pymorphy3.MorphAnalyzer()


def normalize(text: str) -> str:
    """Lower case, «ё» as «е», single spaces: the form exact-name matching compares."""
    return " ".join(WORD_RE.findall(text.lower().replace("ё", "е")))


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The normal form of one lower-cased word (ё already read as е)."""
    if word in _PROTECTED or word.isdigit() or len(word) < 3:
        return word
    if not _morph.word_is_known(word):
        # Unknown short words are abbreviations or codes; unknown long ones are usually
        # typos, and the guessed lemma still collapses their endings.
        if len(word) <= 5:
            return word
    return _morph.parse(word)[0].normal_form.replace("ё", "е")


_THING_TAGS = ("NOUN", "ADJF", "ADJS", "PRTF")


def names_a_thing(word: str) -> bool:
    """A noun or an adjective (or an abbreviation the dictionary does not know), not a verb or an adverb."""
    if word in _PROTECTED or not _morph.word_is_known(word):
        return True
    return _morph.parse(word)[0].tag.POS in _THING_TAGS


def in_dictionary(word: str) -> bool:
    """A word of the language (the dictionary knows it), not a name or jargon it has never seen."""
    return _morph.word_is_known(word)


def is_typo_candidate(word: str) -> bool:
    """A long word the dictionary does not know: probably mistyped."""
    return len(word) >= 6 and word not in _PROTECTED and not _morph.word_is_known(word)


@lru_cache(maxsize=200_000)
def root(word_lemma: str) -> str:
    if word_lemma.endswith(("ся", "сь")) and len(word_lemma) > 6:
        word_lemma = word_lemma[:-2]  # прикрепиться → прикрепить
    for ending in _ROOT_ENDINGS:
        if word_lemma.endswith(ending) and len(word_lemma) - len(ending) >= _MIN_ROOT:
            return word_lemma[: -len(ending)]
    return word_lemma


def words(text: str) -> list[str]:
    """The words of a text, normalised, stop words left out."""
    return [w for w in WORD_RE.findall(text.lower().replace("ё", "е")) if w not in STOP_WORDS]


@dataclass(frozen=True)
class Analyzed:
    words: str  # space-separated, for the fields tokenised by the index
    lemmas: str
    roots: str


@lru_cache(maxsize=100_000)
def analyze(text: str) -> Analyzed:
    found = words(text)
    lemmas = [lemma(w) for w in found]
    return Analyzed(" ".join(found), " ".join(lemmas), " ".join(root(x) for x in lemmas))


def analyze_many(texts) -> Analyzed:
    parts = [analyze(t) for t in texts if t]
    return Analyzed(" ".join(p.words for p in parts), " ".join(p.lemmas for p in parts),
                    " ".join(p.roots for p in parts))


def lemma_phrase(text: str) -> tuple[str, ...]:
    return tuple(lemma(w) for w in words(text))


# -- the thesaurus: each phrase → the lemma phrases it also means; question phrases

_PROTECTED: set[str] = set()
SYNONYMS: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
QUESTIONS: list[tuple[str, ...]] = []  # lemmas of every word, stop words included, longest first


def use_thesaurus(thesaurus: Thesaurus) -> None:
    """Make these entries the ones queries are expanded with (the shipped file, or it extended).

    The new tables are built aside and swapped in, so a search running meanwhile sees the old or
    the new ones, never half of them.
    """
    global SYNONYMS, QUESTIONS
    phrases_of = [group for group in thesaurus.groups] + [[key, *rest] for key, rest in thesaurus.one_way]
    protected = {phrase.lower().replace("ё", "е") for group in phrases_of for phrase in group
                 if len(phrase.split()) == 1 and phrase.isupper()}
    if protected != _PROTECTED:
        _PROTECTED.clear()
        _PROTECTED.update(protected)
        lemma.cache_clear()
        analyze.cache_clear()
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def add(phrase, others):
        known = table.setdefault(phrase, [])
        known.extend(o for o in others if o != phrase and o not in known)

    for group in thesaurus.groups:
        phrases = [lemma_phrase(p) for p in group]
        for phrase in phrases:
            add(phrase, phrases)
    for key, meanings in thesaurus.one_way:
        add(lemma_phrase(key), [lemma_phrase(m) for m in meanings])
    table.pop((), None)
    questions = sorted({tuple(lemma(w) for w in WORD_RE.findall(q.lower().replace("ё", "е")))
                        for q in thesaurus.questions}, key=len, reverse=True)
    SYNONYMS, QUESTIONS = table, questions


use_thesaurus(SHIPPED)


def expansions(query_lemmas: list[str]) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """Phrases of the query that have synonyms: (the phrase, its equivalents), longest first."""
    found = []
    n = len(query_lemmas)
    for size in (4, 3, 2, 1):
        for start in range(0, n - size + 1):
            phrase = tuple(query_lemmas[start:start + size])
            if phrase in SYNONYMS:
                found.append((phrase, SYNONYMS[phrase]))
    return found


def question_words(raw_words: list[str]) -> set[int]:
    """Positions of the words that belong to a question phrase («как получить», «куда подать»).

    ``raw_words`` are every word of the query, stop words included; nothing is marked when
    that would leave no word to search for.
    """
    lemmas = [lemma(w) for w in raw_words]
    marked: set[int] = set()
    for phrase in QUESTIONS:
        size = len(phrase)
        for start in range(0, len(lemmas) - size + 1):
            span = set(range(start, start + size))
            if tuple(lemmas[start:start + size]) == phrase and not span & marked:
                marked |= span
    remaining = [w for i, w in enumerate(raw_words) if i not in marked and w not in STOP_WORDS]
    return marked if remaining else set()


def synonyms_starting(prefix: str, limit: int = 5) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """One-word thesaurus phrases starting with ``prefix`` (госусл → госуслуга), with what they mean."""
    found = [(key, alts) for key, alts in SYNONYMS.items() if len(key) == 1 and key[0].startswith(prefix)
             and key[0] != prefix]
    return found[:limit]
