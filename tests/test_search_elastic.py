"""The Elasticsearch backend: its mapping and query bodies always; against a server when ELASTICSEARCH_URL is set."""
from __future__ import annotations

import os
import uuid

import pytest

from catalog.search.documents import SearchDocument
from catalog.search.elastic import (ElasticIndex, agency_bodies, document_source, hits_of, index_body, known_bodies,
                                    search_body, suggest_body, suggestions_of)
from catalog.search.query import FILTERS, KIND_MATCH, Plan, parse_query, word_groups
from catalog.services import records as r
from catalog.services import search

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
    typed, last = suggest_body("Выдача лиц", 8)["query"]["bool"]["must"]
    assert typed["dis_max"]["queries"][0] == {"match": {"title": {"query": "выдача", "analyzer": "ru"}}}
    assert last["dis_max"]["queries"][0] == {"match": {"title.prefix": {"query": "лиц"}}}
    assert suggest_body("  ((", 8) is None


def test_a_word_naming_an_agency_lifts_its_records_as_in_the_embedded_index():
    """«лицензии минтранса»: the word is looked up among the agencies' other names, then matched by the agency
    (weight 40) and by its records (6), not only as text their documents do not contain."""
    parsed = parse_query("лицензии минтранса")
    asked, lines = agency_bodies(word_groups(parsed))
    assert asked == [0, 1]
    assert lines[3]["query"]["bool"]["filter"] == [{"term": {"kind": "agencies"}},
                                                   {"terms": {"alias": ["минтранса", "минтранс"]}}]
    body = search_body(parsed, {}, 1, 20, agencies={1: [7]})
    agency, words = body["query"]["bool"]["must"]
    assert agency["bool"]["should"][1:] == [
        {"constant_score": {"filter": {"terms": {"alias": ["минтранса", "минтранс"]}}, "boost": 40.0}},
        {"constant_score": {"filter": {"terms": {"agency_ids": [7]}}, "boost": 6.0}}]
    assert words["bool"]["should"][0]["multi_match"]["query"] == "лицензии"
    # When a word may be missing (three words or more, or the fallback), the agency only lifts its records.
    loose = search_body(parsed, {}, 1, 20, Plan(minimum=1), agencies={1: [7]})
    assert loose["query"]["bool"]["must"][0]["bool"]["should"][0]["multi_match"]["query"] == "лицензии минтранса"
    assert {"constant_score": {"filter": {"terms": {"agency_ids": [7]}}, "boost": 6.0}} in loose["query"]["bool"]["should"]
    # «услуги минтранса»: «услуги» names a kind, asked as the services, and «минтранса» by the agency, each a group.
    services, ministry = search_body(parse_query("услуги минтранса"), {}, 1, 20, agencies={1: [7]})["query"]["bool"]["must"]
    assert services["bool"]["should"][0] == {"constant_score": {"filter": {"terms": {"kind": ["services"]}},
                                                                "boost": KIND_MATCH}}
    assert ministry["bool"]["should"][2] == {"constant_score": {"filter": {"terms": {"agency_ids": [7]}}, "boost": 6.0}}
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


def _asked_of(body) -> list[tuple[str, list[str]]]:
    """Every text query in a body: (its text, the fields it asks)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "multi_match" in node:
                found.append((node["multi_match"]["query"], node["multi_match"]["fields"]))
            for key in ("match", "match_phrase"):
                if key in node:
                    for field, value in node[key].items():
                        found.append((value["query"] if isinstance(value, dict) else value, [field]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return found


def test_a_word_naming_a_kind_is_asked_as_the_kind_as_in_the_embedded_index():
    """«система для учёта вакансий»: «система» asks for the systems (a constant KIND_MATCH) and for the word in a
    record's own name or text, never in the names around it, which every process automated by a «…система…»
    carries (issue 18: such queries matched a quarter of the catalogue)."""
    body = search_body(parse_query("система для учёта вакансий"), {}, 1, 20)
    # Three groups: one may be missing, counted by group as the embedded index counts them.
    (any_two,) = body["query"]["bool"]["must"]
    assert any_two["bool"]["minimum_should_match"] == 2
    kind, accounting, vacancies = any_two["bool"]["should"]
    assert kind == {"bool": {"should": [
        {"constant_score": {"filter": {"terms": {"kind": ["systems"]}}, "boost": KIND_MATCH}},
        {"multi_match": {"query": "система", "fields": ["title^4", "text^1.5"], "type": "phrase", "analyzer": "ru",
                         "tie_breaker": 0.1, "boost": 1.0}}], "minimum_should_match": 1}}
    assert accounting["bool"]["should"][0]["multi_match"]["query"] == "учета"
    assert vacancies["bool"]["should"][0]["multi_match"]["query"] == "вакансий"
    assert not [fields for text, fields in _asked_of(body["query"]) if "система" in text and "context" in fields]
    # Two groups: both must match, the kind word as the kind.
    strict = search_body(parse_query("в какой системе лицензирование"), {}, 1, 20)["query"]["bool"]["must"]
    assert [clause["bool"]["should"][0] for clause in strict][0] == {
        "constant_score": {"filter": {"terms": {"kind": ["systems"]}}, "boost": KIND_MATCH}}
    assert len(strict) == 2 and strict[1]["bool"]["should"][0]["multi_match"]["query"] == "лицензирование"
    # Whether the index knows the word: records of the kind count.
    assert known_bodies(word_groups(parse_query("витрина")))[1]["query"]["bool"]["should"][0] == {
        "constant_score": {"filter": {"terms": {"kind": ["marts"]}}, "boost": KIND_MATCH}}
    # A query without such words keeps its one cross-fields clause.
    plain = search_body(parse_query("выдача лицензии"), {}, 1, 20)["query"]["bool"]["must"]
    assert plain[0]["bool"]["should"][0]["multi_match"]["type"] == "cross_fields"


def test_where_data_is_kept_is_asked_as_systems_and_datasets():
    """«где хранятся сведения о многодетных семьях»: the thesaurus reads «где хранятся» as «информационная
    система» or «набор данных»; each equivalent is asked as its kind (0.9 of a word typed), and not expanded
    again by the index's synonym filter into the kinds' words every neighbour carries."""
    body = search_body(parse_query("где хранятся сведения о многодетных семьях"), {}, 1, 20)
    (two_of_three,) = body["query"]["bool"]["must"]  # «многодетных семьях» is one thesaurus phrase
    assert two_of_three["bool"]["minimum_should_match"] == 2
    kept, information, families = two_of_three["bool"]["should"]
    own, system, dataset = kept["dis_max"]["queries"]
    assert own["bool"]["should"][0]["multi_match"]["analyzer"] == "ru"  # the index's thesaurus is not asked again
    assert system["bool"]["should"][0] == {"constant_score": {"filter": {"terms": {"kind": ["systems"]}}, "boost": 1.8}}
    assert system["bool"]["should"][1]["multi_match"]["query"] == "информационный система"
    assert dataset["bool"]["should"][0] == {"constant_score": {"filter": {"terms": {"kind": ["datasets"]}}, "boost": 1.8}}
    assert information["bool"]["should"][0]["constant_score"]["filter"] == {"terms": {"kind": ["datasets"]}}
    # A phrase naming no kind is left to the index's synonym filter (многодетка), as before.
    assert "analyzer" not in families["bool"]["should"][0]["multi_match"]
    assert families["bool"]["should"][0]["multi_match"]["query"] == "многодетных семьях"
    # The fallback: any of the words, the kinds among them.
    loose = search_body(parse_query("где хранятся сведения о многодетных семьях"), {}, 1, 20, Plan(minimum=1))
    assert loose["query"]["bool"]["must"][0]["bool"]["minimum_should_match"] == 1


def test_suggestion_bodies_know_synonyms_agencies_and_a_typo_in_an_earlier_word():
    """As the embedded index's suggestions: a word typed before the last one by its stem, one typo away
    (two from nine letters), as what the thesaurus means by it, or as an agency's other name; the last word
    a prefix of a name's word or of an agency's other name; then what the thesaurus means by words starting
    so; then one typo in it."""
    typo, last = suggest_body("регистрацыя и рассм", 8)["query"]["bool"]["must"]
    assert {"match": {"title.words": {"query": "регистрацыя", "fuzziness": 2}}} in typo["dis_max"]["queries"]
    assert last == {"dis_max": {"queries": [{"match": {"title.prefix": {"query": "рассм"}}},
                                            {"prefix": {"alias": {"value": "рассм"}}}]}}
    (kindergarten,) = suggest_body("детсад ", 8)["query"]["bool"]["must"]
    options = kindergarten["dis_max"]["queries"]
    assert {"match_phrase": {"title": {"query": "детский сад", "analyzer": "ru"}}} in options
    assert {"term": {"alias": "детсад"}} in options
    agency, _ = suggest_body("минсх выд", 8)["query"]["bool"]["must"]
    assert {"term": {"alias": "минсх"}} in agency["dis_max"]["queries"]
    # «госусл»: nothing starts so, the thesaurus means ЕПГУ (an abbreviation in a record's own text) or the portal.
    (meant,) = suggest_body("госусл", 8, "meant")["query"]["bool"]["must"]
    assert meant["dis_max"]["queries"][:2] == [
        {"multi_match": {"query": "епгу", "fields": ["title", "text"], "analyzer": "ru"}},
        {"match_phrase": {"title": {"query": "единый портал государственный услуга", "slop": 2, "analyzer": "ru"}}}]
    (typo_last,) = suggest_body("лицинзир", 8, "typo")["query"]["bool"]["must"]
    assert typo_last == {"match": {"title.prefix": {"query": "лицинзир", "fuzziness": 1}}}
    # Too short to be read through the thesaurus or with a typo: those stages ask nothing.
    assert suggest_body("ле", 8, "meant") is None and suggest_body("лиц", 8, "typo") is None
    assert suggest_body("Выдача лиц", 8)["source"] == ["uid", "kind", "record_id", "title", "agency_ids"]


def _hit(score, uid, title, agencies=None):
    kind, record_id = uid.split(":")
    source = {"uid": uid, "kind": kind, "record_id": int(record_id), "title": title}
    if agencies is not None:
        source["agency_ids"] = agencies
    return {"_index": "catalog-1", "_id": uid, "_score": score, "_source": source}


# Three agencies' processes of one name, and a system: the hits of a suggestion's search (the documented shape).
SUGGESTION_HITS = [_hit(5.0, "processes:1", "Регистрация и рассмотрение обращений граждан", [11]),
                   _hit(4.8, "processes:2", "Регистрация и рассмотрение обращений граждан", [12]),
                   _hit(4.6, "processes:3", "Регистрация и рассмотрение обращений граждан", [13]),
                   _hit(4.0, "systems:4", "Региональная система регистрации обращений")]


def test_suggestions_show_one_name_once_with_its_count_agencies_and_kind():
    system, processes = suggestions_of(SUGGESTION_HITS, 8)
    # In the order people want: a system (weight 1) before processes (0.75) scoring less than 5.3.
    assert (system.title, system.count, system.agency_ids, system.kind_label) == (
        "Региональная система регистрации обращений", 1, set(), "информационная система")
    assert (processes.uid, processes.count, processes.agency_ids, processes.kind_label) == (
        "processes:1", 3, {11, 12, 13}, "процесс")
    assert [s.title for s in suggestions_of(SUGGESTION_HITS, 1)] == ["Региональная система регистрации обращений"]


@pytest.fixture
def canned_server():
    """A loopback HTTP server answering as Elasticsearch does (its documented JSON), one canned answer a search."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"answers": [], "bodies": []}

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status, payload=None):
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_HEAD(self):  # the alias exists
            self._send(200)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            state["bodies"].append(json.loads(self.rfile.read(length) or b"{}"))
            hits = state["answers"].pop(0) if state["answers"] else []
            self._send(200, {"took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0,
                                                                        "failed": 0},
                             "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": None, "hits": hits}})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


def test_the_elasticsearch_index_suggests_what_the_thesaurus_means_when_nothing_starts_so(canned_server):
    """Through the official client over HTTP: «госусл» starts no name (the first search finds nothing), so the
    next asks what the thesaurus means (ЕПГУ), and its hits come back grouped."""
    canned_server["answers"] = [[], SUGGESTION_HITS]
    found = ElasticIndex(canned_server["url"]).suggest("госусл", 8)
    assert [(s.title, s.count) for s in found] == [("Региональная система регистрации обращений", 1),
                                                   ("Регистрация и рассмотрение обращений граждан", 3)]
    prefix, meant = canned_server["bodies"]
    assert prefix["size"] == 32 and prefix["_source"] == ["uid", "kind", "record_id", "title", "agency_ids"]
    assert prefix["query"]["bool"]["must"][0]["dis_max"]["queries"][1] == {"prefix": {"alias": {"value": "госусл"}}}
    assert meant["query"]["bool"]["must"][0]["dis_max"]["queries"][0]["multi_match"]["query"] == "епгу"
    assert ElasticIndex(canned_server["url"]).suggest("   ", 8) == [] and len(canned_server["bodies"]) == 2


def kinds_and_suggestions(ctx, seed):
    """What issue 18 asks of both backends alike: words naming a kind asked as the kind, suggestions that know
    synonyms and agencies, tolerate a typo in an earlier word and group one name (count, agencies, kind).
    Run on the embedded index always, on Elasticsearch when ELASTICSEARCH_URL is set."""
    system = r.create_record(ctx, "systems", {"name": "Региональная система лицензирования", "short_name": "РСЛ",
                                              "legal_kind": "regional", "stage": "operation"})
    licensing = r.create_record(ctx, "services", {"name": "Лицензирование розничной продажи алкогольной продукции",
                                                  "kind": "service", "agency_id": seed.other_agency.id})
    process = r.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "007", "service_id": licensing.id,
        "name": "Выдача лицензии на розничную продажу алкоголя", "responsible_id": seed.other_person.id,
        "status": "reengineered"})
    appeals = r.create_record(ctx, "services", {"name": "Рассмотрение обращений граждан", "kind": "service",
                                                "agency_id": seed.agency.id})
    r.create_record(ctx, "links", {"link_type": "AUTOMATED_BY", "source_kind": "processes", "source_id": process.id,
                                   "target_kind": "systems", "target_id": system.id})
    portal = r.create_record(ctx, "systems", {"name": "Федеральная государственная информационная система «Единый портал "
                                                      "государственных и муниципальных услуг (функций)»",
                                              "short_name": "ЕПГУ", "legal_kind": "federal", "stage": "operation"})
    farming = r.create_record(ctx, "agencies", {"code": "MINSELHOZ", "kind": "executive", "short_name": "Минсельхоз",
                                                "name": "Министерство сельского хозяйства и продовольствия Приволжской области"})
    farmer = r.create_record(ctx, "people", {"full_name": "Сидоров Иван Павлович", "position": "специалист",
                                             "agency_id": farming.id})
    for agency, person in ((seed.agency, seed.person), (seed.other_agency, seed.other_person), (farming, farmer)):
        r.create_record(ctx, "processes", {"agency_id": agency.id, "registry_id": f"9{agency.id}",
                                           "service_id": appeals.id, "name": "Регистрация и рассмотрение обращений граждан",
                                           "responsible_id": person.id, "status": "queued_research"})
    for q in ("система лицензирования", "в какой системе лицензирование"):
        # The process bears «система» only in its neighbour's name: the system, with both words, comes first.
        assert search.search(ctx, q).hits[0].title == system.name, q
    assert search.search(ctx, "где хранятся сведения о получателях выплат").hits[0].title == seed.dataset.name
    assert search.search(ctx, "витрина социальной поддержки").hits[0].title == seed.mart.name
    assert search.suggest(ctx, "госусл")[0].title == portal.name  # the thesaurus: госуслуги = ЕПГУ
    assert search.suggest(ctx, "минсх")[0].title == farming.name  # an agency's short name
    grouped = search.suggest(ctx, "регистрацыя и рассм")  # a typo in an earlier word
    assert [s.title for s in grouped].count("Регистрация и рассмотрение обращений граждан") == 1
    first = grouped[0]
    assert (first.title, first.count, first.kind_label) == ("Регистрация и рассмотрение обращений граждан", 3, "процесс")
    assert sorted(first.agencies) == sorted([seed.agency.name, seed.other_agency.name, farming.name])


def test_kinds_and_suggestions_on_the_embedded_index(ctx, seed):
    kinds_and_suggestions(ctx, seed)


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
    kinds_and_suggestions(es_ctx, seed)
    assert es_ctx.search.check().clean
