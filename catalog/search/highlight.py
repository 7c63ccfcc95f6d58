"""Fragments of a found record with the words that matched marked, by the same analysis as the index."""
from __future__ import annotations

from markupsafe import Markup, escape

from catalog.search import analysis
from catalog.search.query import ParsedQuery

FRAGMENT = 160  # characters of a long text shown around the first match


def _close(word: str, typed: str) -> bool:
    """One edit apart (a typo), for words long enough that one edit is not another word."""
    if len(typed) < 5 or abs(len(word) - len(typed)) > 1:
        return False
    if len(word) == len(typed):
        return sum(a != b for a, b in zip(word, typed)) <= 1
    shorter, longer = sorted((word, typed), key=len)
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1:] == shorter:
            return True
    return False


def _cut(text: str, a: int, b: int, start: int, end: int) -> bool:
    """A word the fragment's edge cuts in two: not marked (its whole is not shown)."""
    return ((a == start and start > 0 and analysis.WORD_RE.match(text, start - 1) is not None)
            or (b == end and end < len(text) and analysis.WORD_RE.match(text, end) is not None))


def matcher(query: ParsedQuery):
    terms = query.all_terms()
    lemmas = {t.lemma for t in terms} | {w for _, alts in query.synonyms for alt in alts for w in alt}
    roots = {t.root for t in terms if len(t.root) >= 3 and t.root != t.lemma}
    typed = [t.word for t in terms]

    seen: dict[str, bool] = {}  # a page of hits repeats its words: each is judged once

    def matches(word: str) -> bool:
        known = seen.get(word)
        if known is None:
            normal = word.lower().replace("ё", "е")
            if normal in analysis.STOP_WORDS:
                known = False
            else:
                word_lemma = analysis.lemma(normal)
                known = (word_lemma in lemmas or analysis.root(word_lemma) in roots
                         or any(_close(normal, t) for t in typed))
            seen[word] = known
        return known

    return matches


def highlight(text: str, matches, fragment: bool = False) -> str | None:
    """``text`` as HTML with matching words in <mark>; None when nothing matched and a fragment was asked."""
    start, end = 0, len(text)
    if fragment and len(text) > FRAGMENT:
        # Only the words around the first match are shown: the rest of a long text is not looked at.
        first = next((m for m in analysis.WORD_RE.finditer(text) if matches(m.group())), None)
        if first is None:
            return None
        start = max(0, first.start() - FRAGMENT // 3)
        end = min(len(text), start + FRAGMENT)
    spans = [m.span() for m in analysis.WORD_RE.finditer(text, start, end)
             if not _cut(text, *m.span(), start, end) and matches(m.group())]
    if not spans:
        return None if fragment else str(escape(text))
    out, cursor = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(escape(text[cursor:a]))
        out.append(Markup("<mark>") + escape(text[a:b]) + Markup("</mark>"))
        cursor = b
    out.append(escape(text[cursor:end]))
    html = "".join(str(part) for part in out)
    return ("…" if start > 0 else "") + html + ("…" if end < len(text) else "")
