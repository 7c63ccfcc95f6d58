"""The relevance set on the demo region: precision at 5 and mean reciprocal rank must not fall.

Precision at 5 here counts, for each query, the share of its expected records found in the
first min(5, expected) places; the reciprocal rank is 1 / the place of the first expected
record (0 when none is in the first 10).
"""
from __future__ import annotations

import pytest

from catalog.services import search
from tests.search_relevance import CASES

# Measured on the demo region when the set was written (see docs/search.md); a change that
# lowers either fails here.
MIN_PRECISION_AT_5 = 0.92
MIN_MRR = 0.95


def _relevant(hit, expected) -> bool:
    return any(hit.kind == kind and hit.title.startswith(prefix) for kind, prefix in expected)


def measure(ctx) -> tuple[float, float, list[str]]:
    precisions, reciprocal, misses = [], [], []
    for query, filters, expected in CASES:
        hits = search.search(ctx, query, filters, 1, 10).hits
        k = min(5, len(expected))
        found = sum(1 for kind, prefix in expected
                    if any(h.kind == kind and h.title.startswith(prefix) for h in hits[:max(k, 5)][:k]))
        precisions.append(found / k)
        rank = next((i for i, hit in enumerate(hits, 1) if _relevant(hit, expected)), None)
        reciprocal.append(1 / rank if rank else 0.0)
        if found < k:
            misses.append(f"{query!r}: {[h.title[:50] for h in hits[:k]]}")
    return sum(precisions) / len(precisions), sum(reciprocal) / len(reciprocal), misses


@pytest.fixture
def demo_ctx(ctx):
    from catalog.demo.loader import load_demo

    load_demo(ctx)
    search.reindex(ctx)
    return ctx


def test_relevance_set_has_forty_queries():
    assert len(CASES) >= 40
    assert len({(q, tuple(sorted(f.items()))) for q, f, _ in CASES}) == len(CASES)


def test_relevance_on_the_demo_region(demo_ctx, record_property):
    precision, mrr, misses = measure(demo_ctx)
    record_property("precision_at_5", precision)
    record_property("mrr", mrr)
    print(f"\nrelevance: P@5 {precision:.3f}, MRR {mrr:.3f} over {len(CASES)} queries")
    assert precision >= MIN_PRECISION_AT_5, "\n".join(misses)
    assert mrr >= MIN_MRR, "\n".join(misses)
