"""The Elasticsearch backend: its mapping and query bodies always; against a server when ELASTICSEARCH_URL is set."""
from __future__ import annotations

import os
import uuid

import pytest

from catalog.search.documents import SearchDocument
from catalog.search.elastic import agency_bodies, document_source, hits_of, index_body, search_body, suggest_body
from catalog.search.query import FILTERS, Plan, parse_query, word_groups

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL")


def test_mapping_analyses_russian():
    body = index_body()
    analyzers = body["settings"]["analysis"]["analyzer"]
    assert {"russian_stop", "russian_stemmer"} <= set(analyzers["ru"]["filter"])
    assert analyzers["ru"]["char_filter"] == ["yo"]
    assert "catalog_synonyms" in analyzers["ru_search"]["filter"]
    synonyms = body["settings"]["analysis"]["filter"]["catalog_synonyms"]["synonyms"]
    assert "мфц, многофункциональный центр" in synonyms
    title = body["mappings"]["properties"]["title"]
    assert title["fields"]["exact"] == {"type": "keyword", "normalizer": "exact", "ignore_above": 1000}


def test_documents_fit_the_strict_mapping():
    properties = index_body()["mappings"]["properties"]
    source = document_source(SearchDocument("processes:1", "processes", 1, 3, "Выдача лицензии", "текст", ["орган"],
                                            [2], "researching", 4, [5], [6], True))
    assert set(source) <= set(properties)
    assert {field for field, _, _ in FILTERS.values()} <= set(properties)


def test_search_body_counts_each_facet_under_the_other_filters():
    body = search_body(parse_query("выдача лицензии -алкоголь"), {"kind": ["processes"], "agency": [3]}, 2, 20)
    # The second page is cut from the window of 50 the kind weights reorder (hits_of); the third is past it.
    assert body["from"] == 0 and body["size"] == 50
    third = search_body(parse_query("выдача лицензии"), {}, 3, 20)
    assert third["from"] == 40 and third["size"] == 20
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"kind": ["processes"]}},
                                                       {"terms": {"agency_ids": [3]}}]}}
    assert body["aggs"]["kind"]["filter"] == {"bool": {"filter": [{"terms": {"agency_ids": [3]}}]}}
    assert body["aggs"]["agency"]["filter"] == {"bool": {"filter": [{"terms": {"kind": ["processes"]}}]}}
    assert body["aggs"]["status"]["filter"]["bool"]["filter"] == [{"terms": {"kind": ["processes"]}},
                                                                  {"terms": {"agency_ids": [3]}}]
    assert body["query"]["bool"]["must_not"][0]["multi_match"]["query"] == "алкоголь"
    exact = body["query"]["bool"]["must"][0]["bool"]["should"][0]
    assert exact == {"term": {"title.exact": {"value": "выдача лицензии алкоголь", "boost": 20}}}


def test_empty_query_and_stray_operators_make_plain_bodies():
    assert search_body(parse_query(""), {}, 1, 10)["query"] == {"match_all": {}}
    body = search_body(parse_query('((лицензия AND "'), {}, 1, 10)
    words = body["query"]["bool"]["must"][0]["bool"]["should"][0]["multi_match"]["query"]
    assert words == "лицензия and"
    assert suggest_body("Выдача лиц", 8)["query"]["bool"]["must"][0]["match"]["title.prefix"]["query"] == "Выдача лиц"


def test_a_word_naming_an_agency_lifts_its_records_as_in_the_embedded_index():
    """«услуги минтранса»: the word is looked up among the agencies' other names, then matched by the agency
    (weight 40) and by its records (6), not only as text their documents do not contain."""
    parsed = parse_query("услуги минтранса")
    asked, lines = agency_bodies(word_groups(parsed))
    assert asked == [0, 1]
    assert lines[3]["query"]["bool"]["filter"] == [{"term": {"kind": "agencies"}},
                                                   {"terms": {"alias": ["минтранса", "минтранс"]}}]
    body = search_body(parsed, {}, 1, 20, agencies={1: [7]})
    agency, words = body["query"]["bool"]["must"]
    assert agency["bool"]["should"][1:] == [
        {"constant_score": {"filter": {"terms": {"alias": ["минтранса", "минтранс"]}}, "boost": 40.0}},
        {"constant_score": {"filter": {"terms": {"agency_ids": [7]}}, "boost": 6.0}}]
    assert words["bool"]["should"][0]["multi_match"]["query"] == "услуги"
    # When a word may be missing (three words or more, or the fallback), the agency only lifts its records.
    loose = search_body(parsed, {}, 1, 20, Plan(minimum=1), agencies={1: [7]})
    assert loose["query"]["bool"]["must"][0]["bool"]["should"][0]["multi_match"]["query"] == "услуги минтранса"
    assert {"constant_score": {"filter": {"terms": {"agency_ids": [7]}}, "boost": 6.0}} in loose["query"]["bool"]["should"]
    source = document_source(SearchDocument("agencies:7", "agencies", 7, 1, "Министерство транспорта",
                                            aliases=["минтранс", "мт"]))
    assert source["alias"] == ["минтранс", "мт"] and index_body()["mappings"]["properties"]["alias"] == {"type": "keyword"}


def test_one_name_shows_once_among_services_and_processes():
    """Sixteen agencies' processes of one name show as the first of them, «и ещё 15 с тем же названием»."""
    def hit(i, kind, title):
        return {"_score": 10.0 - i / 100, "_source": {"uid": f"{kind}:{i}", "kind": kind, "record_id": i, "title": title}}

    answer = {"hits": {"hits": [hit(i, "processes", "Регистрация обращений граждан") for i in range(16)]
                       + [hit(16, "datasets", "Обращения граждан"), hit(17, "services", "Регистрация обращений граждан"),
                          hit(18, "systems", "СЭД"), hit(19, "systems", "СЭД")]}}
    parsed = parse_query("обращения граждан")
    page = [(source["uid"], same) for _, source, same in hits_of(answer, parsed, 1, 20)]
    assert page == [("processes:0", 16), ("datasets:16", 0), ("systems:18", 0), ("systems:19", 0)]
    assert [source["uid"] for _, source, _ in hits_of(answer, parsed, 1, 2)] == ["processes:0", "datasets:16"]


needs_server = pytest.mark.skipif(not ELASTICSEARCH_URL, reason="ELASTICSEARCH_URL не задан: сервера Elasticsearch здесь нет")


@pytest.fixture
def es_ctx(ctx, app, seed):
    from dataclasses import replace

    from catalog.search import open_search

    settings = replace(ctx.settings, search_backend="elasticsearch", elasticsearch_url=ELASTICSEARCH_URL,
                       elasticsearch_index=f"catalog-test-{uuid.uuid4().hex[:8]}")
    ctx.search = open_search(settings, app.extensions["catalog"].sessions)
    yield ctx
    client = ctx.search.index.client
    for index in ctx.search.index._indices():
        client.indices.delete(index=index)


@needs_server
def test_elasticsearch_end_to_end(es_ctx, seed):
    from catalog.services import records as r
    from catalog.services import search

    first = es_ctx.search.reindex()
    old = es_ctx.search.index._indices()
    assert es_ctx.search.reindex() == first
    assert es_ctx.search.index._indices() != old and len(es_ctx.search.index._indices()) == 1
    result = search.search(es_ctx, "выплаты на ребенка")
    assert seed.service.name in [h.title for h in result.hits]
    assert {v.value for v in result.facets["kind"]} >= {"services"}
    r.delete_record(es_ctx, "services", seed.service.id)
    assert seed.service.name not in [h.title for h in search.search(es_ctx, "выплаты на ребенка").hits]
    assert es_ctx.search.check().clean
    assert search.suggest(es_ctx, "Приём заяв")[0].title == seed.process.name
