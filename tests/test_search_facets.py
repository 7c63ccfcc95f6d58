"""The facets a search shows, counted in one pass, are the counts a person would make by hand.

Since the facets under selected filters are counted in one aggregation (each facet under the filters
other than its own, as a filter aggregation), the counts are checked value for value against counting
the records of the same query directly: every record of the query under the other filters, its values
of the facet's field read one by one.
"""
from __future__ import annotations

from collections import Counter

import pytest
from werkzeug.datastructures import MultiDict

from catalog.demo.generator import generate
from catalog.demo.loader import load_catalogue
from catalog.search import embedded
from catalog.search.query import FACETS, FILTERS, STRICT, parse_filters, parse_query, word_groups
from catalog.services import search
from tests.search_relevance import CASES


@pytest.fixture
def generated(ctx):
    # Two districts of the demo region's shape: agencies, statuses and kinds repeated, so filters combine.
    load_catalogue(ctx, generate(260))
    ctx.session.commit()
    search.reindex(ctx)
    return ctx


def every_value(searcher, name: str) -> list:
    every = searcher.aggregate(embedded.Q.all_query(), {"v": {"terms": {"field": FILTERS[name][0], "size": 100_000}}})
    return [bool(b["key"]) if name == "digital" else b["key"] for b in every["v"]["buckets"]]


def counted_by_hand(index, q: str, filters: dict) -> dict[str, Counter]:
    """Each facet's values over the query's records under the other filters, each value counted by a search
    of its own (the query, the other filters and that value: the inverted index, not the aggregation's columns)."""
    searcher, named = index._reader()
    parsed = parse_query(q)
    groups = word_groups(parsed)
    agencies = embedded.named_agencies(searcher, groups, named) if parsed.terms else {}
    absent = index.absent_groups(searcher, groups, agencies, named) if parsed.terms else frozenset()
    base = embedded.text_query(parsed, STRICT, agencies, scored=False, absent=absent)
    counts = {}
    for name in FACETS:
        others = {n: v for n, v in filters.items() if n != name}
        values = Counter()
        # Every value of the field in the index, and those the query's records bear are counted.
        for value in every_value(searcher, name):
            found = searcher.search(embedded._with_filters(base, parsed, {**others, name: [value]}), 1, count=True).count
            if found:
                values[value] = found
        counts[name] = values
    return counts


def assert_same(result, by_hand: dict[str, Counter], filters: dict, where: str) -> None:
    for name in FACETS:
        shown = {v.value: v.count for v in result.facets[name]}
        expected = by_hand[name]
        assert len(shown) == min(len(expected), embedded.FACET_SIZE), (where, name)
        for value, count in shown.items():
            assert expected[value] == count, (where, name, value)
        if len(expected) > len(shown):  # a cut list keeps the largest counts
            assert min(shown.values()) >= max(c for v, c in expected.items() if v not in shown), (where, name)
        selected = {v.value for v in result.facets[name] if v.selected}
        assert selected == set(filters.get(name, [])) & set(shown), (where, name)


def test_facet_counts_under_filters_equal_counting_by_hand(generated):
    index = generated.search.index
    queries = [""] + [q for q, _, _ in CASES[::32]]  # 6 of the relevance set's queries, and every record
    checked = 0
    for q in queries:
        plain = search.search(generated, q, {}, 1, 20)
        if not plain.total:
            continue
        # Filters a person would click: the largest value of each facet, alone and together, and two agencies.
        top = {name: [values[0].value] for name, values in plain.facets.items() if values}
        combos = [{}, {n: v for n, v in top.items() if n == "kind"}, {n: v for n, v in top.items() if n in ("kind", "agency")},
                  {n: v for n, v in top.items() if n in ("digital", "status", "agency")}]
        if len(plain.facets["agency"]) >= 2:
            combos.append({"agency": [v.value for v in plain.facets["agency"][:2]]})
        if len(plain.facets["kind"]) >= 2:
            combos.append({"kind": [v.value for v in plain.facets["kind"][:2]], **{n: v for n, v in top.items() if n == "digital"}})
        for filters in combos:
            filters = {n: v for n, v in filters.items() if v}
            # The parameters as a link carries them, checked as the search checks them.
            args = MultiDict([(n, str(int(x)) if isinstance(x, bool) else str(x)) for n, xs in filters.items() for x in xs])
            parsed_filters = parse_filters(args)
            # The strict plan, which the hand count follows (the fallback's plans count their own records alike).
            result = index.search(parse_query(q), parsed_filters, 1, 20, lambda hit, text: hit, STRICT)
            assert_same(result, counted_by_hand(index, q, parsed_filters), parsed_filters, (q, filters))
            checked += 1
    assert checked >= 30


def test_facet_counts_follow_every_write(ctx, seed):
    """A query asked again, or its next page, shows the counts of the index as it is: a record written
    between two searches is counted at the next one."""
    from catalog.services import records as r

    def kinds(page=1):
        return {v.value: v.count for v in search.search(ctx, "лицензирование", {}, page, 1).facets["kind"]}

    alcohol = r.create_record(ctx, "services", {"name": "Лицензирование розничной продажи алкогольной продукции",
                                                "kind": "service", "agency_id": seed.other_agency.id})
    r.create_record(ctx, "services", {"name": "Лицензирование фармацевтической деятельности",
                                      "kind": "service", "agency_id": seed.agency.id})
    assert kinds() == kinds() == kinds(page=2) == {"services": 2}
    r.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "007", "service_id": alcohol.id, "name": "Лицензирование продажи алкоголя",
        "responsible_id": seed.other_person.id, "status": "reengineered"})
    assert kinds() == {"services": 2, "processes": 1}
    assert kinds(page=2) == {"services": 2, "processes": 1}


def test_names_read_for_a_search_follow_the_writes_after_it(ctx, seed):
    """The agencies' names, hits' agencies and processes' statuses a search read are kept past a write to
    other records, and read again for the records a write touched: a renamed agency shows its new name."""
    from sqlalchemy import event

    from catalog.services import records as r

    r.create_record(ctx, "services", {"name": "Лицензирование фармацевтической деятельности", "kind": "service",
                                      "agency_id": seed.agency.id})
    r.create_record(ctx, "services", {"name": "Лицензирование перевозок", "kind": "service",
                                      "agency_id": seed.other_agency.id})

    def agencies():
        result = search.search(ctx, "лицензирование", {}, 1, 20)
        return {v.label for v in result.facets["agency"]}, {h.agency for h in result.hits}

    own, other = seed.agency.name, seed.other_agency.name
    assert agencies() == ({own, other}, {own, other})
    # A write elsewhere: the names already read are not asked of the store again.
    r.update_record(ctx, "people", seed.person.id, {"version": seed.person.version, "phone": "+7 846 000-00-00"})
    asked = []
    listener = lambda *args: asked.append(args[2])  # noqa: E731
    event.listen(ctx.session.get_bind(), "before_cursor_execute", listener)
    try:
        labels, _ = agencies()
    finally:
        event.remove(ctx.session.get_bind(), "before_cursor_execute", listener)
    assert labels == {own, other}
    assert not [sql for sql in asked if "FROM agencies" in sql], asked
    # A write to an agency: its new name is read and shown, in the facet and on its hits.
    agency = ctx.session.get(type(seed.agency), seed.agency.id)
    r.update_record(ctx, "agencies", agency.id, {"version": agency.version, "name": "Министерство социального развития"})
    assert agencies() == ({"Министерство социального развития", other}, {"Министерство социального развития", other})
