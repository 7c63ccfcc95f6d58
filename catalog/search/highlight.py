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


def matcher(query: ParsedQuery):
    terms = query.all_terms()
    lemmas = {t.lemma for t in terms} | {w for _, alts in query.synonyms for alt in alts for w in alt}
    roots = {t.root for t in terms if len(t.root) >= 3 and t.root != t.lemma}
    typed = [t.word for t in terms]

    def matches(word: str) -> bool:
        normal = word.lower().replace("ё", "е")
        if normal in analysis.STOP_WORDS:
            return False
        word_lemma = analysis.lemma(normal)
        return (word_lemma in lemmas or analysis.root(word_lemma) in roots
                or any(_close(normal, t) for t in typed))

    return matches


def highlight(text: str, matches, fragment: bool = False) -> str | None:
    """``text`` as HTML with matching words in <mark>; None when nothing matched and a fragment was asked."""
    spans = [m.span() for m in analysis.WORD_RE.finditer(text) if matches(m.group())]
    if not spans:
        return None if fragment else str(escape(text))
    start, end = 0, len(text)
    if fragment and len(text) > FRAGMENT:
        start = max(0, spans[0][0] - FRAGMENT // 3)
        end = min(len(text), start + FRAGMENT)
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
