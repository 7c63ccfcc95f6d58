"""The thesaurus: abbreviations, everyday words and question phrases, shipped as data.

``thesaurus.tsv`` beside this module is read once (its header says the format): groups of
equivalent phrases, one-way meanings (an everyday word or a verb → the register's nouns) and
question phrases left out of queries. Both backends use it: the embedded index expands queries
with it (``analysis``), Elasticsearch gets a synonym filter built from the same entries
(``elastic.index_body``) and, like the embedded index, asks the expansions ``analysis`` makes where they
name a kind of record and in the suggestions (``query.typed_words``), so the office's entries apply there at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

THESAURUS = Path(__file__).with_name("thesaurus.tsv")


@dataclass
class Thesaurus:
    groups: list[list[str]] = field(default_factory=list)  # equivalent phrases
    one_way: list[tuple[str, list[str]]] = field(default_factory=list)  # phrase → what it also means
    questions: list[str] = field(default_factory=list)  # phrases left out of queries


def parse(text: str, where: str = "thesaurus") -> Thesaurus:
    """Entries of a thesaurus text; a malformed line names its number."""
    found = Thesaurus()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        marker, *phrases = [part.strip() for part in line.split("\t")]
        phrases = [p for p in phrases if p]
        if marker == "=" and len(phrases) >= 2:
            found.groups.append(phrases)
        elif marker == ">" and len(phrases) >= 2:
            found.one_way.append((phrases[0], phrases[1:]))
        elif marker == "-" and phrases:
            found.questions.extend(phrases)
        else:
            raise ValueError(f"{where}, строка {number}: ожидается «=», «>» или «-» и фразы через табуляцию.")
    return found


def load(path: Path = THESAURUS) -> Thesaurus:
    return parse(path.read_text(encoding="utf-8"), path.name)


SHIPPED = load()
SYNONYM_GROUPS: list[list[str]] = SHIPPED.groups
# The thesaurus in use: the shipped one, or it with the process office's entries
# (catalog.services.thesaurus.refresh).
CURRENT: Thesaurus = SHIPPED
