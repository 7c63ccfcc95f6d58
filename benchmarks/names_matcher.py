"""Precision and recall of the name matcher on the labelled municipal service names.

    .venv/bin/python benchmarks/names_matcher.py            # the table of docs/names.md
    .venv/bin/python benchmarks/names_matcher.py --errors   # and every name it gets wrong

The labelled set ``tests/data/municipal_names.csv`` gives, for each name a municipality uses, the
typical service it stands for (its code in the demo's typical list, ``catalog/demo/municipal.py``)
or ``none``. A *suggestion* is the matcher's best entry when its score reaches the threshold:

- precision: suggestions naming the right typical service / all suggestions;
- recall: names of a typical service given the right suggestion / all names of a typical service;
- conforming: names the matcher counts as the typical name up to the officials' variations.

Nothing here needs a database: the matcher works on the list in memory, as ``match_names`` does.
``tests/test_names_matcher.py`` holds the figures above their floors.
"""
from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from catalog.demo.municipal import TYPICAL_SERVICES  # noqa: E402
from catalog.services import names  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "municipal_names.csv"


@dataclass
class Figures:
    names: int = 0
    with_typical: int = 0
    suggested: int = 0
    right: int = 0
    conforming: int = 0
    wrong: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.suggested if self.suggested else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.with_typical if self.with_typical else 0.0


def labelled(path: Path = LABELLED) -> list[tuple[str, str | None]]:
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter=";")
        return [(row["name"], None if row["typical"] == "none" else row["typical"]) for row in reader]


def typical_list(with_variants: bool = True) -> tuple[names.TypicalList, dict[int, str]]:
    codes = {}
    rows = []
    for number, (code, _sphere, name, variants) in enumerate(TYPICAL_SERVICES, 1):
        codes[number] = code
        rows.append((number, name, variants if with_variants else []))
    return names.TypicalList(rows), codes


def measure(threshold: float | None = None, with_variants: bool = True) -> Figures:
    matcher, codes = typical_list(with_variants)
    threshold = names.THRESHOLD if threshold is None else threshold
    figures = Figures()
    for name, truth in labelled():
        figures.names += 1
        figures.with_typical += truth is not None
        best = matcher.best(name)
        suggested = codes[best[0]] if best is not None and best[2] >= threshold else None
        figures.conforming += matcher.conforms(name) is not None
        if suggested is not None:
            figures.suggested += 1
            figures.right += suggested == truth
        if suggested != truth:
            figures.wrong.append((name, truth, suggested, best[2] if best else None))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="print every name the matcher gets wrong")
    options = parser.parse_args()
    print("| порог | названий | из них типовых | предложено | верно | точность | полнота | соответствуют |")
    print("|---|---|---|---|---|---|---|---|")
    for threshold in (0.45, 0.5, names.THRESHOLD, 0.6, 0.7):
        f = measure(threshold)
        mark = " (принят)" if threshold == names.THRESHOLD else ""
        print(f"| {threshold:.2f}{mark} | {f.names} | {f.with_typical} | {f.suggested} | {f.right} "
              f"| {f.precision:.1%} | {f.recall:.1%} | {f.conforming} |".replace(".", ","))
    plain = measure(with_variants=False)
    print(f"\nБез вариантов наименований: точность {plain.precision:.1%}, полнота {plain.recall:.1%}".replace(".", ","))
    if options.errors:
        for name, truth, suggested, score in measure().wrong:
            print(f"{truth or 'none':>20} ← {suggested or '—':<20} {score if score is not None else '—'}  {name}")


if __name__ == "__main__":
    main()
