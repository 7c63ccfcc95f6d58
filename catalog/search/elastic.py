"""The Elasticsearch backend, for a shared deployment.

Searches go to an alias; a reindex writes a new index and moves the alias to it in one
``update_aliases`` call, so searches never see half an index. The index analyses Russian
itself (stemming, stop words, «ё» as «е», the thesaurus as a synonym filter at search time); the
position in the outbox is kept in the index's ``_meta``. The mapping and the query bodies
are plain functions so that they can be checked without a server.
"""
from __future__ import annotations

import time

from catalog.search.documents import SearchDocument
from catalog.search.query import (AGENCY_ITSELF, AGENCY_RECORDS, FACETS, FILTERS, KIND_MATCH, KIND_PRIOR, RERANK_WINDOW,
                                  STRICT, SUGGEST_HITS, FacetValue, Group, Hit, ParsedQuery, Plan, SearchResult,
                                  Suggestion, Typed, agency_words, fold_same_names, group_suggestions, kinds_named,
                                  names_kind, typed_words, word_groups)
from catalog.search.synonyms import Thesaurus

FACET_SIZE = 50
SOURCE_FIELDS = ["uid", "kind", "record_id", "title", "shown"]
SUGGEST_FIELDS = ["uid", "kind", "record_id", "title", "agency_ids"]
# A record's own words, and with them the names around it (its neighbours' names, its kind's words).
OWN_FIELDS = ["title^4", "text^1.5"]
ALL_FIELDS = [*OWN_FIELDS, "context"]
# The index's analysis without the thesaurus: for phrases the query already expanded (``Group.alternatives``).
PLAIN = "ru"


def synonym_rules(thesaurus: Thesaurus | None = None) -> list[str]:
    """The thesaurus as Solr synonym rules: «a, b» for equivalents, «a => a, b» for one-way meanings
    (the word itself is kept, as the embedded backend keeps it)."""
    from catalog.search import synonyms as current

    thesaurus = thesaurus or current.CURRENT

    def norm(phrase: str) -> str:
        return phrase.lower().replace("ё", "е")

    rules = [", ".join(norm(p) for p in group) for group in thesaurus.groups]
    rules += [f"{norm(key)} => {', '.join(norm(p) for p in [key, *meanings])}" for key, meanings in thesaurus.one_way]
    return rules


def index_body(thesaurus: Thesaurus | None = None) -> dict:
    """Settings and mappings of a catalogue index."""
    synonyms = synonym_rules(thesaurus)
    return {
        "settings": {
            "number_of_shards": 1,
            "analysis": {
                "char_filter": {"yo": {"type": "mapping", "mappings": ["ё => е", "Ё => Е"]}},
                "filter": {
                    "russian_stop": {"type": "stop", "stopwords": "_russian_"},
                    "russian_stemmer": {"type": "stemmer", "language": "russian"},
                    "catalog_synonyms": {"type": "synonym_graph", "synonyms": synonyms, "lenient": True},
                    "prefixes": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
                },
                "analyzer": {
                    "ru": {"type": "custom", "tokenizer": "standard", "char_filter": ["yo"],
                           "filter": ["lowercase", "russian_stop", "russian_stemmer"]},
                    "ru_search": {"type": "custom", "tokenizer": "standard", "char_filter": ["yo"],
                                  "filter": ["lowercase", "catalog_synonyms", "russian_stop", "russian_stemmer"]},
                    "words": {"type": "custom", "tokenizer": "standard", "char_filter": ["yo"], "filter": ["lowercase"]},
                    "prefix_index": {"type": "custom", "tokenizer": "standard", "char_filter": ["yo"],
                                     "filter": ["lowercase", "prefixes"]},
                },
                "normalizer": {"exact": {"type": "custom", "char_filter": ["yo"], "filter": ["lowercase"]}},
            },
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "uid": {"type": "keyword"},
                "kind": {"type": "keyword"},
                "record_id": {"type": "integer"},
                "version": {"type": "integer"},
                "title": {"type": "text", "analyzer": "ru", "search_analyzer": "ru_search", "fields": {
                    "exact": {"type": "keyword", "normalizer": "exact", "ignore_above": 1000},
                    "words": {"type": "text", "analyzer": "words"},
                    "prefix": {"type": "text", "analyzer": "prefix_index", "search_analyzer": "words"},
                }},
                "text": {"type": "text", "analyzer": "ru", "search_analyzer": "ru_search"},
                "context": {"type": "text", "analyzer": "ru", "search_analyzer": "ru_search"},
                "shown": {"type": "text", "index": False},
                "alias": {"type": "keyword"},  # an agency's other names, lower case (documents.agency_aliases)
                "agency_ids": {"type": "integer"},
                "status": {"type": "keyword"},
                "stage": {"type": "keyword"},
                "group_id": {"type": "integer"},
                "life_situation_ids": {"type": "integer"},
                "system_ids": {"type": "integer"},
                "is_digital": {"type": "boolean"},
            },
        },
    }


def document_source(doc: SearchDocument) -> dict:
    # An agency's other names and a record's identifiers are searched with its own text; a result
    # shows only the text itself ("shown").
    text = " ".join(filter(None, [doc.text[:2000], *doc.codes, " ".join(doc.aliases)]))
    return {"uid": doc.uid, "kind": doc.kind, "record_id": doc.record_id, "version": doc.version,
            "title": doc.title, "text": text, "shown": doc.text[:2000], "alias": doc.aliases, "context": doc.context,
            "agency_ids": doc.agency_ids,
            "status": doc.status, "stage": doc.stage, "group_id": doc.group_id, "life_situation_ids": doc.life_situation_ids,
            "system_ids": doc.system_ids, "is_digital": doc.is_digital}


def _words(terms) -> str:
    return " ".join(t.word for t in terms)


def _filter(name: str, values: list) -> dict:
    return {"terms": {FILTERS[name][0]: values}}


def _asked(parsed: ParsedQuery, plan: Plan) -> list:
    return [t for i, g in enumerate(word_groups(parsed)) if i not in plan.skip for t in g.terms]


def agency_bodies(groups: list[Group]) -> tuple[list[int], list[dict]]:
    """The one-word groups that may name an agency (минтранс, гжи) and one ``_msearch`` pair each: the agencies
    bearing the word among their other names, as the embedded index looks them up."""
    asked, lines = [], []
    for i, group in enumerate(groups):
        words = agency_words(group)
        if words is None:
            continue
        asked.append(i)
        lines += [{}, {"size": 5, "_source": ["record_id"], "query": {"bool": {"filter": [
            {"term": {"kind": "agencies"}}, {"terms": {"alias": words}}]}}}]
    return asked, lines


def _words_clause(terms, analyzer: str | None = None) -> dict:
    """Words asked together in a record's name, text and the names around it, a typo allowed in the name.

    Without ``analyzer`` the index's search analyzer expands the thesaurus's phrases itself."""
    words = _words(terms)
    fields = {"query": words, "fields": ALL_FIELDS, "type": "cross_fields", "operator": "and"}
    if analyzer:
        fields["analyzer"] = analyzer
    return {"bool": {"should": [
        {"multi_match": fields},
        {"match": {"title.words": {"query": words, "fuzziness": "AUTO", "prefix_length": 1, "operator": "and",
                                   "boost": 1.5}}},
    ], "minimum_should_match": 1}}


def _kind_clause(words: str, kinds, weight: float = 1.0) -> dict:
    """A phrase naming a kind (``query.kinds_named``): the records of the kind (``KIND_MATCH``), and the phrase in
    a record's own name or text, not in the names around it, which every record near one of the kind carries
    (as the embedded index's ``_kind_clause``)."""
    return {"bool": {"should": [
        {"constant_score": {"filter": {"terms": {"kind": list(kinds)}}, "boost": KIND_MATCH * weight}},
        {"multi_match": {"query": words, "fields": OWN_FIELDS, "type": "phrase", "analyzer": PLAIN,
                         "tie_breaker": 0.1, "boost": weight}},
    ], "minimum_should_match": 1}}


def _group_clause(group: Group) -> dict:
    """A word group: by its own words; a group naming a kind (itself or by a thesaurus equivalent: «где
    хранятся» → «информационная система», «набор данных») by the kind, or by one of its equivalents (0.9)."""
    kinds = kinds_named([t.lemma for t in group.terms])
    if not names_kind(group):
        return _words_clause(group.terms)
    if not group.alternatives:
        return _kind_clause(_words(group.terms), kinds)
    # The equivalents are asked here, each for what it is: not expanded again by the index's thesaurus.
    options = [_kind_clause(_words(group.terms), kinds) if kinds else _words_clause(group.terms, PLAIN)]
    for alternative in group.alternatives:
        phrase = " ".join(alternative)
        if alt_kinds := kinds_named(alternative):
            options.append(_kind_clause(phrase, alt_kinds, 0.9))
        else:
            options.append({"multi_match": {"query": phrase, "fields": ALL_FIELDS, "type": "phrase", "analyzer": PLAIN,
                                            "tie_breaker": 0.1, "boost": 0.9}})
    return {"dis_max": {"queries": options, "tie_breaker": 0.1}}


def _agency_clause(group: Group, agencies: list[int]) -> dict:
    """A word naming agencies matches as words do, or by the agencies (weight 40) and their records (6)."""
    return {"bool": {"should": [
        {"multi_match": {"query": _words(group.terms), "fields": ["title^4", "text^1.5", "context"], "operator": "and"}},
        {"constant_score": {"filter": {"terms": {"alias": agency_words(group)}}, "boost": AGENCY_ITSELF}},
        {"constant_score": {"filter": {"terms": {"agency_ids": agencies}}, "boost": AGENCY_RECORDS}},
    ], "minimum_should_match": 1}}


def search_body(parsed: ParsedQuery, filters: dict, page: int, per_page: int, plan: Plan = STRICT,
                agencies: dict[int, list[int]] | None = None) -> dict:
    """The request a search sends: filters as post_filter, so each facet counts under the others.

    The plan says which words are asked and how many must match (``query.best_effort``); ``agencies``
    (group index → agency ids, from :func:`agency_bodies`) the words naming agencies: when every word
    must match, such a word is matched by the agency and its records too («услуги минтранса»); when one
    may be missing, they lift those records. A query with a word naming a kind («система для учёта вакансий»,
    «где хранятся сведения о…») asks it as the kind, each group a clause (``_group_clause``).
    """
    size = per_page
    if parsed.empty:
        query: dict = {"match_all": {}}
    else:
        must, should = [], []
        groups = word_groups(parsed)
        named = {i: ids for i, ids in (agencies or {}).items() if i not in plan.skip and ids}
        asked = _asked(parsed, plan)
        kinded = [i for i, g in enumerate(groups) if i not in plan.skip and i not in named and names_kind(g)]
        if kinded:
            # A word naming a kind is asked as the kind (``_group_clause``), so each group is a clause and the
            # plan counts groups, as the embedded index counts them.
            indices = [i for i in range(len(groups)) if i not in plan.skip]
            clauses = [_agency_clause(groups[i], named[i]) if i in named else _group_clause(groups[i]) for i in indices]
            needed = plan.needed(len(clauses))
            must += clauses if needed >= len(clauses) else [{"bool": {"should": clauses, "minimum_should_match": needed}}]
            asked = []
        elif named and plan.needed(len(asked)) == len(asked):
            must += [_agency_clause(groups[i], ids) for i, ids in named.items()]
            asked = [t for i, g in enumerate(groups) if i not in plan.skip and i not in named for t in g.terms]
        else:
            should += [clause for i, ids in named.items() for clause in _agency_clause(groups[i], ids)["bool"]["should"][1:]]
        if asked:
            words = _words(asked)
            needed = plan.needed(len(asked))
            must.append({"bool": {"should": [
                {"multi_match": {"query": words, "fields": ["title^4", "text^1.5", "context"],
                                 "type": "cross_fields", "operator": "and" if needed == len(asked) else "or",
                                 "minimum_should_match": str(needed)}},
                {"match": {"title.words": {"query": words, "fuzziness": "AUTO", "prefix_length": 1,
                                           "operator": "and" if needed == len(asked) else "or",
                                           "minimum_should_match": str(needed), "boost": 1.5}}},
            ], "minimum_should_match": 1}})
        for phrase in parsed.phrases:
            must.append({"multi_match": {"query": _words(phrase), "fields": ["title^4", "text^1.5", "context"],
                                         "type": "phrase"}})
        should.insert(0, {"term": {"title.exact": {"value": parsed.normalized, "boost": 20}}})
        if len(parsed.terms) >= 2:
            should.append({"match_phrase": {"title": {"query": _words(parsed.terms), "slop": 2, "boost": 3}}})
        query = {"bool": {"must": must, "should": should}}
    if parsed.excluded:
        query = {"bool": {"must": [query], "must_not": [
            {"multi_match": {"query": t.word, "fields": ["title", "text", "context"]}} for t in parsed.excluded]}}
    aggs = {}
    for name in FACETS:
        others = [_filter(n, v) for n, v in filters.items() if n != name]
        terms = {"terms": {"field": FILTERS[name][0], "size": FACET_SIZE}}
        aggs[name] = {"filter": {"bool": {"filter": others}}, "aggs": {"values": terms}} if others else terms
    start = (page - 1) * per_page
    if windowed(parsed, page, per_page):
        # The first pages come from the window of hits the kind weights reorder, one name folded once
        # (``hits_of``), as in the embedded index.
        start, size = 0, RERANK_WINDOW
    body = {"query": query, "aggs": aggs, "from": start, "size": size,
            "track_total_hits": True, "source": SOURCE_FIELDS}
    if not parsed.empty:
        # The first hits in the order people want (``query.KIND_PRIOR``), as the embedded index does.
        body["rescore"] = {"window_size": max(RERANK_WINDOW, page * per_page), "query": {
            "score_mode": "multiply", "query_weight": 1.0, "rescore_query_weight": 1.0,
            "rescore_query": {"function_score": {"query": {"match_all": {}}, "boost_mode": "replace",
                                                 "score_mode": "first", "functions": [
                {"filter": {"term": {"kind": kind}}, "weight": weight}
                for kind, weight in KIND_PRIOR.items() if weight != 1.0]}}}}
    if filters:
        body["post_filter"] = {"bool": {"filter": [_filter(n, v) for n, v in filters.items()]}}
    return body


def windowed(parsed: ParsedQuery, page: int, per_page: int) -> bool:
    """Whether the page is cut from the reordered window of the first hits."""
    return not parsed.empty and page * per_page <= RERANK_WINDOW


def hits_of(answer: dict, parsed: ParsedQuery, page: int, per_page: int) -> list[tuple[float, dict, int]]:
    """The page's hits from a search's answer: (score, source, others of its name folded under it).

    A first page's answer holds the reordered window (``search_body``): among services and processes one
    name shows once, and the page is cut from what is left."""
    ranked = [(hit["_score"] or 0.0, hit["_source"]) for hit in answer["hits"]["hits"]]
    if not windowed(parsed, page, per_page):
        return [(score, source, 0) for score, source in ranked]
    start = (page - 1) * per_page
    folded = fold_same_names(ranked, lambda source: source["kind"], lambda source: source["title"])
    return [tuple(entry) for entry in folded[start:start + per_page]]


def known_bodies(groups: list[Group]) -> list[dict]:
    """One request a word group: does anything match it (``_msearch`` pairs of header and body)."""
    lines = []
    for group in groups:
        lines += [{}, {"size": 0, "terminate_after": 1, "track_total_hits": 1, "query": _group_clause(group)}]
    return lines


# What a suggestion asks of the word being typed, in turn while nothing is found (the embedded index's order).
SUGGEST_STAGES = ("prefix", "meant", "typo")


def _meant_phrase(lemmas: tuple[str, ...]) -> dict:
    """A thesaurus phrase in a name (its words close together), or an abbreviation in a record's own text (ЕПГУ)."""
    if len(lemmas) == 1:
        return {"multi_match": {"query": lemmas[0], "fields": ["title", "text"], "analyzer": PLAIN}}
    return {"match_phrase": {"title": {"query": " ".join(lemmas), "slop": 2, "analyzer": PLAIN}}}


def _typed_clause(word) -> dict:
    """A word typed before the last one (``query.TypedWord``): in a name by its stem, one typo away, as a phrase the
    thesaurus means by it, or as one of an agency's other names."""
    options = [{"match": {"title": {"query": word.word, "analyzer": PLAIN}}}]
    if word.distance:  # a typo in an earlier word does not stop the suggestions
        options.append({"match": {"title.words": {"query": word.word, "fuzziness": word.distance}}})
    options += [{"match_phrase": {"title": {"query": " ".join(alt), "analyzer": PLAIN}}} for alt in word.synonyms]
    options.append({"term": {"alias": word.word}})
    return {"dis_max": {"queries": options}}


def suggest_body(text: str | Typed, limit: int, stage: str = "prefix") -> dict | None:
    """The request of one stage of the suggestions (``SUGGEST_STAGES``), None when it has nothing to ask.

    The last word is a prefix of a name's word or of an agency's other name («минсх»); when nothing starts so,
    what the thesaurus means by words starting so («госусл» → госуслуги → ЕПГУ); then one typo in it."""
    typed = typed_words(text) if isinstance(text, str) else text
    if typed is None:
        return None
    partial = typed.partial
    if stage == "prefix":
        last = partial and {"dis_max": {"queries": [{"match": {"title.prefix": {"query": partial}}},
                                                    {"prefix": {"alias": {"value": partial}}}]}}
    elif stage == "meant":
        meant = typed.meant()
        last = meant and {"dis_max": {"queries": [_meant_phrase(alt) for alt in meant]}}
    else:
        last = typed.typo_in_partial and {"match": {"title.prefix": {"query": partial, "fuzziness": 1}}}
    if stage != "prefix" and not last:
        return None
    must = [_typed_clause(word) for word in typed.words] + ([last] if last else [])
    return {"query": {"bool": {"must": must, "should": [
                {"prefix": {"title.exact": {"value": typed.normalized, "boost": 5}}}]}},
            "size": limit * SUGGEST_HITS, "source": SUGGEST_FIELDS}


def suggestions_of(hits: list[dict], limit: int) -> list[Suggestion]:
    """Suggestions from a search's hits: one name once, with how many records bear it and their agencies
    (``query.group_suggestions``, as the embedded index groups them)."""
    return group_suggestions([(hit["_score"] or 0.0, source["kind"], source["title"],
                               (source.get("agency_ids") or [None])[0], source)
                              for hit, source in ((hit, hit["_source"]) for hit in hits)],
                             limit, lambda source: (source["uid"], source["record_id"]))


class ElasticIndex:
    name = "elasticsearch"

    def __init__(self, url: str, alias: str = "catalog"):
        from elasticsearch import Elasticsearch

        self.client = Elasticsearch(url, request_timeout=30)
        self.alias = alias

    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10**6}"
        self.client.indices.create(index=name, **index_body())
        return name

    def _ensure(self) -> None:
        if not self.client.indices.exists_alias(name=self.alias):
            name = self._new_index()
            self.client.indices.put_mapping(index=name, meta={"position": 0})
            self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": self.alias}}])

    def _indices(self) -> list[str]:
        if not self.client.indices.exists_alias(name=self.alias):
            return []
        return list(self.client.indices.get_alias(name=self.alias).keys())

    def position(self) -> int:
        self._ensure()
        mapping = self.client.indices.get_mapping(index=self.alias)
        meta = next(iter(mapping.values()))["mappings"].get("_meta", {})
        return int(meta.get("position", 0))

    def apply(self, documents: list[SearchDocument], delete_uids: list[str], position: int) -> None:
        from elasticsearch import helpers

        self._ensure()
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": uid} for uid in delete_uids]
        actions += [{"_op_type": "index", "_index": self.alias, "_id": d.uid, "_source": document_source(d)}
                    for d in documents]
        if actions:
            # A delete of a document never indexed is not an error: the event is applied all the same.
            helpers.bulk(self.client, actions, refresh="wait_for", raise_on_error=False)
        self.client.indices.put_mapping(index=self.alias, meta={"position": position})

    prepare = staticmethod(document_source)

    def rebuild(self, batches, position: int) -> int:
        """Bulk-load every prepared document into a new index, then move the alias to it."""
        from elasticsearch import helpers

        name = self._new_index()
        self.client.indices.put_settings(index=name, settings={"refresh_interval": "-1"})
        count = 0
        for prepared in batches:
            helpers.bulk(self.client, ({"_index": name, "_id": source["uid"], "_source": source}
                                       for source in prepared))
            count += len(prepared)
        self.client.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
        self.client.indices.refresh(index=name)
        self.client.indices.put_mapping(index=name, meta={"position": position})
        old = self._indices()
        self.client.indices.update_aliases(actions=[{"remove": {"index": i, "alias": self.alias}} for i in old]
                                           + [{"add": {"index": name, "alias": self.alias}}])
        for index in old:
            self.client.indices.delete(index=index)
        return count

    def versions(self, kind: str) -> dict[int, int]:
        from elasticsearch import helpers

        self._ensure()
        return {hit["_source"]["record_id"]: hit["_source"]["version"] for hit in helpers.scan(
            self.client, index=self.alias, query={"query": {"term": {"kind": kind}}, "_source": ["record_id", "version"]})}

    def known_groups(self, parsed: ParsedQuery, groups: list[Group]) -> list[bool]:
        self._ensure()
        answers = self.client.msearch(index=self.alias, searches=known_bodies(groups))["responses"]
        return [bool(a.get("hits", {}).get("total", {}).get("value")) for a in answers]

    def named_agencies(self, groups: list[Group]) -> dict[int, list[int]]:
        asked, lines = agency_bodies(groups)
        if not asked:
            return {}
        answers = self.client.msearch(index=self.alias, searches=lines)["responses"]
        found = {i: sorted({h["_source"]["record_id"] for h in a.get("hits", {}).get("hits", [])})
                 for i, a in zip(asked, answers)}
        return {i: ids for i, ids in found.items() if ids}

    def search(self, parsed: ParsedQuery, filters: dict, page: int, per_page: int, highlighter,
               plan: Plan = STRICT, facets: bool = True) -> SearchResult:
        # ``facets`` is the embedded index's to save: here one request answers the hits and the facets.
        self._ensure()
        agencies = self.named_agencies(word_groups(parsed)) if parsed.terms else {}
        answer = self.client.search(index=self.alias, **search_body(parsed, filters, page, per_page, plan, agencies))
        hits = []
        for score, source, same_name in hits_of(answer, parsed, page, per_page):
            hit = Hit(source["uid"], source["kind"], source["record_id"], source["title"], score)
            hit.same_name = same_name
            hits.append(highlighter(hit, source.get("shown") or ""))
        facets = {}
        for name in FACETS:
            agg = answer["aggregations"][name]
            buckets = agg.get("values", agg)["buckets"]
            values = []
            for bucket in buckets:
                value = bool(bucket["key"]) if name == "digital" else bucket["key"]
                values.append(FacetValue(value, bucket["doc_count"], selected=value in filters.get(name, [])))
            facets[name] = values
        return SearchResult(answer["hits"]["total"]["value"], hits, facets, page, per_page)

    def suggest(self, text: str, limit: int) -> list[Suggestion]:
        typed = typed_words(text)
        if typed is None:
            return []
        self._ensure()
        found = []
        for stage in SUGGEST_STAGES:
            body = suggest_body(typed, limit, stage)
            if body is not None:
                found = self.client.search(index=self.alias, **body)["hits"]["hits"]
                if found:
                    break
        return suggestions_of(found, limit)
