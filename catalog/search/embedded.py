"""The embedded search backend: a tantivy index on disk beside the database.

Text is analysed by ``catalog.search.analysis`` before it reaches tantivy, which only
splits on spaces: lemmas, roots and words each get their own field, and a query asks
each with its own weight. ``<root>/CURRENT`` names the index directory that answers;
a reindex writes a new directory and swaps the name, so searches go on meanwhile.
The position in the outbox is kept beside the index it describes.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tantivy

from catalog.search import analysis, query
from catalog.search.documents import SearchDocument
from catalog.search.query import (FACETS, FILTERS, KIND_MATCH, KIND_PRIOR, RERANK_WINDOW, STRICT, FacetValue, Group, Hit,
                                  AGENCY_ITSELF, AGENCY_RECORDS, IndexBusy, ParsedQuery, Plan, SearchResult, Suggestion,
                                  agency_words, kinds_named, word_groups)

Q = tantivy.Query
MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot

ANALYZED = ("name_words", "name_lemmas", "name_roots", "text_words", "text_lemmas", "text_roots",
            "ctx_lemmas", "ctx_roots")
FACET_SIZE = 50
FACET_CACHE = 512  # (query, filters) pairs whose facet counts are kept while the index does not change
FACET_COUNTS = "facet counts"  # their key in the per-position cache beside the words' agencies


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("uid", stored=True, tokenizer_name="raw")
    builder.add_text_field("kind", stored=True, fast=True, tokenizer_name="raw")
    builder.add_integer_field("record_id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("version", stored=True, fast=True)
    builder.add_text_field("title", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("name_exact", tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("text_raw", stored=True)
    for name in ANALYZED:
        builder.add_text_field(name, tokenizer_name="spaces",
                               index_option="position" if name.endswith("lemmas") else "freq")
    builder.add_text_field("alias", tokenizer_name="spaces", index_option="basic")  # an agency's other names
    builder.add_text_field("status", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("stage", fast=True, tokenizer_name="raw", index_option="basic")
    for name in ("agency_ids", "life_situation_ids", "system_ids", "group_id", "is_digital"):
        builder.add_integer_field(name, indexed=True, fast=True)
    return builder.build()


SCHEMA = _schema()


class OlderSchema(Exception):
    """The directory holds an index written with other fields (by an earlier version)."""


def _open(path: Path) -> tantivy.Index:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)  # the index holds every record's text
    try:
        index = tantivy.Index(SCHEMA, path=str(path))
    except ValueError as error:
        if "schema does not match" in str(error):
            raise OlderSchema(str(error)) from None
        raise
    index.register_tokenizer("spaces", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    return index


def prepare(doc: SearchDocument) -> dict:
    """The document's fields, analysed: plain data, so a reindex can prepare them in worker processes."""
    name = analysis.analyze(doc.title)
    own_text = " ".join(filter(None, [doc.text, *doc.codes, " ".join(doc.aliases)]))
    text = analysis.analyze(own_text) if own_text else analysis.Analyzed("", "", "")
    ctx = analysis.analyze_many(doc.context)
    fields = dict(
        uid=doc.uid, kind=doc.kind, record_id=doc.record_id, version=doc.version, title=doc.title,
        name_exact=analysis.normalize(doc.title), text_raw=doc.text[:2000].encode(),
        name_words=name.words, name_lemmas=name.lemmas, name_roots=name.roots,
        text_words=text.words, text_lemmas=text.lemmas, text_roots=text.roots,
        ctx_lemmas=ctx.lemmas, ctx_roots=ctx.roots,
    )
    if doc.aliases:
        fields["alias"] = " ".join(doc.aliases)
    if doc.agency_ids:
        fields["agency_ids"] = doc.agency_ids
    if doc.life_situation_ids:
        fields["life_situation_ids"] = doc.life_situation_ids
    if doc.system_ids:
        fields["system_ids"] = doc.system_ids
    if doc.group_id is not None:
        fields["group_id"] = doc.group_id
    if doc.status:
        fields["status"] = doc.status
    if doc.stage:
        fields["stage"] = doc.stage
    if doc.is_digital is not None:
        fields["is_digital"] = int(doc.is_digital)
    return fields


def _term(field: str, value) -> tantivy.Query:
    return Q.term_query(SCHEMA, field, value)


def _boost(query: tantivy.Query, weight: float) -> tantivy.Query:
    return Q.boost_query(query, weight)


def _phrase(field: str, lemmas) -> tantivy.Query:
    lemmas = list(lemmas)
    if len(lemmas) == 1:
        return _term(field, lemmas[0])
    return Q.phrase_query(SCHEMA, field, lemmas)


def _term_clause(term) -> tantivy.Query:
    """One word of the query, asked of every field with its weight."""
    clauses = [_boost(_term("name_lemmas", term.lemma), 4.0), _boost(_term("text_lemmas", term.lemma), 1.5),
               _boost(_term("ctx_lemmas", term.lemma), 1.0)]
    # A word that is its own root (учет, документ) asks no root, as the highlighter marks none: its derived
    # words (учетный, документирование) matched thousands of records more and ranked no answer higher.
    if len(term.root) >= 3 and term.root != term.lemma:
        clauses += [_boost(_term("name_roots", term.root), 2.0), _boost(_term("text_roots", term.root), 0.7),
                    _boost(_term("ctx_roots", term.root), 0.5)]
    if len(term.word) >= 5:
        distance = 1 if len(term.word) < 9 else 2
        clauses += [_boost(Q.fuzzy_term_query(SCHEMA, "name_words", term.word, distance), 1.5),
                    _boost(Q.fuzzy_term_query(SCHEMA, "text_words", term.word, distance), 0.5)]
        if term.lemma != term.word and analysis.is_typo_candidate(term.word):
            # A typo and an inflection together are too far from any indexed form; the guessed
            # lemma is one edit from the right one (фармацефтическая → фармацевтический).
            clauses.append(_boost(Q.fuzzy_term_query(SCHEMA, "name_lemmas", term.lemma, distance), 1.5))
    return Q.disjunction_max_query(clauses, 0.1)


def _kind_clause(lemmas, kinds, weight: float = 1.0) -> tantivy.Query:
    """A phrase naming a kind (``query.kinds_named``): the records of the kind, and the phrase in a record's
    own name or text, not in the names around it, which every record near one of the kind carries."""
    lemmas = list(lemmas)
    words = [_boost(_phrase("name_lemmas", lemmas), 4.0 * weight), _boost(_phrase("text_lemmas", lemmas), 1.5 * weight)]
    if len(lemmas) == 1 and len(root := analysis.root(lemmas[0])) >= 3 and root != lemmas[0]:
        words.append(_boost(_term("name_roots", root), 2.0 * weight))
    # A record of the kind that also bears the word in its name («Витрина «Занятость»») scores both.
    return Q.boolean_query([(SHOULD, Q.const_score_query(Q.term_set_query(SCHEMA, "kind", list(kinds)), KIND_MATCH * weight)),
                            (SHOULD, Q.disjunction_max_query(words, 0.1))])


def _phrase_clause(lemmas, weight: float = 1.0, context: bool = True) -> tantivy.Query:
    clauses = [_boost(_phrase("name_lemmas", lemmas), 4.0 * weight), _boost(_phrase("text_lemmas", lemmas), 1.5 * weight)]
    if context:
        clauses.append(_boost(_phrase("ctx_lemmas", lemmas), 1.0 * weight))
    return Q.disjunction_max_query(clauses, 0.1)


def _group_clause(group: Group, agencies: list[int] = ()) -> tantivy.Query:
    """A group matches by its own words (all of them), by one of its equivalent phrases, or, when
    it names agencies (``agencies``), by those agencies and their records."""
    lemmas = [t.lemma for t in group.terms]
    kinds = kinds_named(lemmas)
    if not group.alternatives and not agencies:
        return _kind_clause(lemmas, kinds) if kinds else _term_clause(group.terms[0])
    own = _kind_clause(lemmas, kinds) if kinds else Q.boolean_query([(MUST, _term_clause(t)) for t in group.terms])
    options = [own] + [_kind_clause(alt, alt_kinds, 0.9) if (alt_kinds := kinds_named(alt)) else _phrase_clause(alt, 0.9, context=False)
                       for alt in group.alternatives]
    if agencies:
        options += [Q.const_score_query(Q.term_set_query(SCHEMA, "agency_ids", list(agencies)), AGENCY_RECORDS),
                    Q.const_score_query(_alias_query(group), AGENCY_ITSELF)]
    return Q.disjunction_max_query(options, 0.1)


def _alias_query(group: Group) -> tantivy.Query:
    return Q.term_set_query(SCHEMA, "alias", agency_words(group))


def named_agencies(searcher, groups: list[Group], cache: dict | None = None) -> dict[int, list[int]]:
    """Group index → the agencies one of whose names (full, short, abbreviation, prefix) it is.

    ``cache`` keeps the answer for each word while the index does not change."""
    found = {}
    cache = {} if cache is None else cache
    for i, group in enumerate(groups):
        if agency_words(group) is None:
            continue
        key = (group.terms[0].word, group.terms[0].lemma)
        if key not in cache:
            hits = searcher.search(_alias_query(group), 5, count=False).hits
            cache[key] = sorted(set(searcher.fast_field_values("record_id", [a for _, a in hits]))) if hits else []
        if cache[key]:
            found[i] = cache[key]
    return found


# In a search for any of the words, each word found adds this much: records covering more
# of the query come first, however rare a single word is.
COVERAGE = 8.0


def text_query(parsed: ParsedQuery, plan: Plan = STRICT, agencies: dict[int, list[int]] | None = None,
               scored: bool = True, absent: frozenset[int] = frozenset()) -> tantivy.Query:
    """The query's word groups under the plan's rule, quoted phrases required, bonuses for the name.

    Not ``scored``: the same records without what only orders them (the bonuses, the coverage), for
    counting the facets. ``absent``: groups no record matches (``EmbeddedIndex.absent_groups``), left out
    with the same number of groups still required, so that «сведения о браке через смэв» asks the three
    others together, an intersection, rather than any three of four, which reads every record of each."""
    if parsed.empty:
        return Q.all_query()
    agencies = agencies or {}
    asked = [i for i in range(len(word_groups(parsed))) if i not in plan.skip]
    needed = plan.needed(len(asked))
    groups = [_group_clause(g, agencies.get(i, ())) for i, g in enumerate(word_groups(parsed))
              if i in asked and i not in absent]
    subqueries = []
    if asked and needed > len(groups):
        return Q.empty_query()
    if groups:
        if plan.minimum is not None and scored:
            groups = [Q.boolean_query([(SHOULD, g), (SHOULD, Q.const_score_query(g, COVERAGE))]) for g in groups]
        if needed >= len(groups):
            subqueries += [(MUST, g) for g in groups]
        else:
            subqueries.append((MUST, Q.boolean_query([(SHOULD, g) for g in groups], needed)))
    subqueries += [(MUST, _phrase_clause([t.lemma for t in phrase])) for phrase in parsed.phrases]
    if not any(occur == MUST for occur, _ in subqueries):
        return Q.empty_query()
    if not scored:
        return Q.boolean_query(subqueries) if len(subqueries) > 1 else subqueries[0][1]
    # Bonuses: the whole name as typed first, then the words together in the name.
    lemmas = [t.lemma for t in parsed.terms]
    subqueries.append((SHOULD, _boost(_term("name_exact", parsed.normalized), 20.0)))
    if len(parsed.terms) >= 2:
        subqueries.append((SHOULD, _boost(Q.phrase_query(SCHEMA, "name_lemmas", lemmas, 2), 3.0)))
    return Q.boolean_query(subqueries)


def _filter_clause(name: str, values: list) -> tantivy.Query:
    field = FILTERS[name][0]
    if name == "digital":
        values = [int(v) for v in values]
    if len(values) == 1:
        return _term(field, values[0])
    return Q.term_set_query(SCHEMA, field, values)


def _filter_string(filters: dict) -> str:
    """The filters in tantivy's query language, for a filter aggregation: the values are checked by
    ``query.parse_filters`` (kinds, statuses and stages known, numbers), and quoted."""
    def value(name, v):
        v = int(v) if name == "digital" else v
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
    parts = []
    for name, values in filters.items():
        field = FILTERS[name][0]
        ors = " OR ".join(f"{field}:{value(name, v)}" for v in values)
        parts.append(f"({ors})" if len(values) > 1 else ors)
    return " AND ".join(parts)


def _with_filters(base: tantivy.Query, parsed: ParsedQuery, filters: dict, skip: str | None = None) -> tantivy.Query:
    clauses = [(MUST, base)]
    clauses += [(MUST, _filter_clause(n, v)) for n, v in filters.items() if n != skip]
    clauses += [(MUST_NOT, Q.disjunction_max_query([_term("name_lemmas", t.lemma), _term("text_lemmas", t.lemma),
                                                    _term("ctx_lemmas", t.lemma)])) for t in parsed.excluded]
    return Q.boolean_query(clauses) if len(clauses) > 1 else base


def _facet_values(counts: dict[str, list[tuple]], filters: dict) -> dict[str, list[FacetValue]]:
    """Counts as facet values, new each time: the service labels and marks them."""
    return {name: [FacetValue(bool(value) if name == "digital" else value, count,
                              selected=(bool(value) if name == "digital" else value) in filters.get(name, []))
                   for value, count in values]
            for name, values in counts.items()}


_counting_pool: list[tuple[ThreadPoolExecutor, int]] = []
_pool_lock = threading.Lock()


def _counting_threads() -> ThreadPoolExecutor:
    """The threads that count facets, one a core, started by the first search of the process (after a fork)."""
    with _pool_lock:
        if not _counting_pool or _counting_pool[0][1] != os.getpid():
            _counting_pool[:] = [(ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="facets"), os.getpid())]
        return _counting_pool[0][0]


def fold_same_names(ranked: list) -> list:
    """``query.fold_same_names`` over stored tantivy documents."""
    return query.fold_same_names(ranked, lambda stored: stored["kind"][0], lambda stored: stored["title"][0])


class EmbeddedIndex:
    name = "embedded"

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.RLock()
        self._dir_name: str | None = None
        self._index: tantivy.Index | None = None
        self._seen_position: int | None = None  # the position the reader was last reloaded at
        self._read_index: tantivy.Index | None = None
        # per query word, at the reader's position: the agencies it names, whether absent; and the facet counts
        self._agencies_named: dict = {FACET_COUNTS: OrderedDict()}

    # -- the directory that answers

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _current_name(self) -> str:
        try:
            return self._pointer.read_text().strip()
        except FileNotFoundError:
            return ""

    def index(self) -> tantivy.Index:
        name = self._current_name()
        with self._lock:
            if not name:
                name = self._new_dir_name()
                _open(self.root / name)
                self._write_position(self.root / name, 0)
                self._swap_to(name)
            if name != self._dir_name:
                try:
                    self._index = _open(self.root / name)
                except OlderSchema:
                    # Written by an earlier version: start an empty index at position 0, which the
                    # next catch-up builds from the store, and drop the old one.
                    old, name = name, self._new_dir_name()
                    self._index = _open(self.root / name)
                    self._write_position(self.root / name, 0)
                    self._swap_to(name)
                    shutil.rmtree(self.root / old, ignore_errors=True)
                self._dir_name = name
            return self._index

    def _new_dir_name(self) -> str:
        return f"index-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**9}"

    def _swap_to(self, name: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self._pointer)

    # -- the position in the outbox

    @staticmethod
    def _write_position(directory: Path, event_id: int) -> None:
        tmp = directory / "position.tmp"
        tmp.write_text(str(event_id))
        os.replace(tmp, directory / "position")

    def position(self) -> int:
        self.index()
        try:
            return int((self.root / self._dir_name / "position").read_text())
        except (FileNotFoundError, ValueError):
            return 0

    # -- writing

    def _writer(self, index: tantivy.Index, heap: int = 30_000_000):
        try:
            return index.writer(heap, 1)
        except ValueError as error:  # tantivy reports a held lock as ValueError
            raise IndexBusy(str(error)) from None

    def apply(self, documents: list[SearchDocument], delete_uids: list[str], position: int) -> None:
        """Replace these documents, drop the deleted, and record how far the outbox is applied."""
        with self._lock:
            index = self.index()
            writer = self._writer(index)
            for uid in delete_uids:
                writer.delete_documents_by_term("uid", uid)
            for doc in documents:
                writer.delete_documents_by_term("uid", doc.uid)
                writer.add_document(tantivy.Document(**prepare(doc)))
            writer.commit()
            writer.wait_merging_threads()
            self._write_position(self.root / self._dir_name, position)
            index.reload()

    prepare = staticmethod(prepare)

    def rebuild(self, batches, position: int) -> int:
        """Write every prepared document into a new directory, then make it the one that answers."""
        name = self._new_dir_name()
        index = _open(self.root / name)
        writer = index.writer(200_000_000, 2)
        count = 0
        for prepared in batches:
            for fields in prepared:
                writer.add_document(tantivy.Document(**fields))
            count += len(prepared)
        writer.commit()
        writer.wait_merging_threads()
        self._write_position(self.root / name, position)
        with self._lock:
            old = self._current_name()
            self._swap_to(name)
            self._index, self._dir_name = None, None
        if old and old != name:
            shutil.rmtree(self.root / old, ignore_errors=True)
        return count

    # -- reading

    def _searcher(self):
        """A searcher that sees every commit, this process's or another's (the outbox consumer's).

        tantivy notices another process's commit only at its next poll of the directory; the
        position file moves with every commit, so a changed one means reload now.
        """
        return self._reader()[0]

    def _reader(self):
        """The searcher, and the agencies named by query words as that searcher sees them."""
        index = self.index()
        position = self.position()
        with self._lock:
            if position != self._seen_position or index is not self._read_index:
                index.reload()
                # Facet counts per (query, filters) at this position: a page turned, a query asked again, costs
                # no aggregation until the index changes. Bounded, the least recently asked dropped first.
                self._seen_position, self._read_index = position, index
                self._agencies_named = {FACET_COUNTS: OrderedDict()}
            return index.searcher(), self._agencies_named

    def versions(self, kind: str) -> dict[int, int]:
        """record id → indexed version, of one kind."""
        searcher = self._searcher()
        query = _term("kind", kind)
        total = searcher.search(query, 1, count=True).count
        if not total:
            return {}
        addresses = [a for _, a in searcher.search(query, total, count=False).hits]
        ids = searcher.fast_field_values("record_id", addresses)
        versions = searcher.fast_field_values("version", addresses)
        return dict(zip(ids, versions))

    def absent_groups(self, searcher, groups: list[Group], agencies: dict, cache: dict) -> frozenset[int]:
        """The groups no record matches (filters aside), remembered for each word while the index stays."""
        absent = set()
        for i, group in enumerate(groups):
            if i in agencies:
                continue
            key = ("absent", tuple(group.terms), tuple(group.alternatives))
            if key not in cache:
                term = group.terms[0]
                # A word whose lemma some record bears is there: no need to run its clause.
                cache[key] = not (len(group.terms) == 1 and any(
                    searcher.doc_freq(field, term.lemma) for field in ("name_lemmas", "text_lemmas", "ctx_lemmas"))
                ) and not searcher.search(_group_clause(group), 1, count=False).hits
            if cache[key]:
                absent.add(i)
        return frozenset(absent)

    def known_groups(self, parsed: ParsedQuery, groups: list[Group]) -> list[bool]:
        """Whether each word group matches anything in the index (filters aside)."""
        searcher, named = self._reader()
        agencies = named_agencies(searcher, groups, named)
        return [bool(searcher.search(_group_clause(g, agencies.get(i, ())), 1, count=False).hits)
                for i, g in enumerate(groups)]

    def search(self, parsed: ParsedQuery, filters: dict, page: int, per_page: int, highlighter,
               plan: Plan = STRICT, facets: bool = True) -> SearchResult:
        """``facets`` False: counted when asked (``SearchResult.with_facets``), so a try that the fallback
        replaces costs no aggregation."""
        searcher, named = self._reader()
        groups = word_groups(parsed)
        agencies = named_agencies(searcher, groups, named) if parsed.terms else {}
        absent = self.absent_groups(searcher, groups, agencies, named) if parsed.terms else frozenset()
        base = text_query(parsed, plan, agencies, absent=absent)
        query = _with_filters(base, parsed, filters)
        def start_counting():
            return self._counting(named[FACET_COUNTS], searcher, parsed, plan, agencies, absent, filters)

        # The strict try is the answer of most searches: its facets are counted at once, beside the scored
        # search; a fallback's only when it is the answer (``SearchResult.with_facets``).
        counting = start_counting() if facets or plan == STRICT else None
        offset = (page - 1) * per_page
        if offset + per_page <= RERANK_WINDOW:
            # The first pages in the order people want (``KIND_PRIOR``): the window is reordered
            # by score × the kind's weight, then cut.
            found = searcher.search(query, RERANK_WINDOW, count=True)
            stored_hits = [(score * KIND_PRIOR.get(doc["kind"][0], 1.0), doc)
                           for score, doc in ((score, searcher.doc(a)) for score, a in found.hits)]
            stored_hits.sort(key=lambda pair: -pair[0])
            stored_hits = fold_same_names(stored_hits)[offset:offset + per_page]
        else:
            found = searcher.search(query, per_page, count=True, offset=offset)
            stored_hits = [(score, searcher.doc(address)) for score, address in found.hits]
        hits = []
        for entry in stored_hits:
            score, stored = entry[0], entry[1]
            hit = Hit(stored["uid"][0], stored["kind"][0], stored["record_id"][0], stored["title"][0], score)
            hit.same_name = entry[2] if len(entry) > 2 else 0
            hits.append(highlighter(hit, bytes(stored["text_raw"][0]).decode() if stored.get_first("text_raw") else ""))
        result = SearchResult(found.count, hits, {}, page, per_page,
                              pending_facets=lambda: _facet_values((counting or start_counting())(), filters))
        return result.with_facets() if facets else result

    def _counting(self, cache: OrderedDict, searcher, parsed, plan, agencies, absent, filters) -> Callable[[], dict]:
        """The facet counts of a query: kept ones, or counted on another core while the caller runs the scored
        search (tantivy releases the interpreter while it searches), or here when no thread is free by then."""
        key = (plan, tuple(parsed.terms), tuple(map(tuple, parsed.phrases)), tuple(parsed.excluded),
               tuple((phrase, tuple(alts)) for phrase, alts in parsed.synonyms),
               tuple(sorted((i, tuple(ids)) for i, ids in agencies.items())), absent,
               tuple(sorted((name, tuple(values)) for name, values in filters.items())))
        with self._lock:
            counts = cache.get(key)
            if counts is not None:
                cache.move_to_end(key)
                return lambda: counts

        def count() -> dict:
            # The facets count the same records, asked without what only orders them.
            counts = self._facet_counts_of(searcher, text_query(parsed, plan, agencies, scored=False, absent=absent),
                                           parsed, filters)
            with self._lock:  # the cache of the searcher's position, dropped with it when the index moves on
                cache[key] = counts
                while len(cache) > FACET_CACHE:
                    cache.popitem(last=False)
            return counts

        future = _counting_threads().submit(count)
        return lambda: count() if future.cancel() else future.result()

    def _facet_counts_of(self, searcher, base, parsed, filters) -> dict[str, list[tuple]]:
        def terms(name):
            return {"terms": {"field": FILTERS[name][0], "size": FACET_SIZE}}

        unselected = [n for n in FACETS if n not in filters]
        if not filters:
            answer = searcher.aggregate(_with_filters(base, parsed, filters), {n: terms(n) for n in FACETS})
        else:
            # A selected facet counts under the other filters, so its other values stay visible. One pass over
            # the query's records without filters, each facet under its filters (a filter aggregation), costs
            # one evaluation of the query rather than one more for each selected filter.
            spec = {}
            if unselected:
                spec["selected"] = {"filter": _filter_string(filters), "aggs": {n: terms(n) for n in unselected}}
            for name in filters:
                others = {n: v for n, v in filters.items() if n != name}
                spec[name] = {"filter": _filter_string(others), "aggs": {name: terms(name)}} if others else terms(name)
            raw = searcher.aggregate(_with_filters(base, parsed, {}), spec)
            answer = raw.get("selected", {})
            for name in filters:
                answer[name] = raw[name][name] if name in raw[name] else raw[name]
        return {n: [(b["key"], b["doc_count"]) for b in answer.get(n, {}).get("buckets", [])] for n in FACETS}

    def suggest(self, text: str, limit: int) -> list[Suggestion]:
        """Names as typed so far: the words typed (a typo allowed, or a synonym), the last one a prefix
        of a name's word, of a thesaurus phrase (госусл → госуслуги → ЕПГУ) or of an agency's other name;
        one name once, with how many records bear it."""
        typed = query.typed_words(text)  # shared with the Elasticsearch backend
        if typed is None:
            return []
        partial, size = typed.partial, limit * query.SUGGEST_HITS
        searcher = self._searcher()
        clauses = []
        for word in typed.words:
            options = [_term("name_lemmas", word.lemma), _term("name_roots", word.root)]
            if word.distance:  # a typo in an earlier word does not stop the suggestions
                options.append(Q.fuzzy_term_query(SCHEMA, "name_words", word.word, word.distance))
            options += [_phrase("name_lemmas", alt) for alt in word.synonyms]
            options.append(_term("alias", word.word))
            clauses.append((MUST, Q.disjunction_max_query(options)))
        if partial:
            clauses.append((MUST, _partial_clause(searcher, partial)))
        clauses.append((SHOULD, _boost(_prefix_query(searcher, "name_exact", typed.normalized), 5.0)))
        found = searcher.search(Q.boolean_query(clauses), size, count=False).hits
        # Nothing starts so: what the thesaurus means by words starting so, then one typo in it.
        if not found and (meant := typed.meant()):
            clauses[-2] = (MUST, Q.disjunction_max_query([_suggest_phrase(alt) for alt in meant]))
            found = searcher.search(Q.boolean_query(clauses), size, count=False).hits
        if not found and typed.typo_in_partial:
            clauses[-2] = (MUST, Q.fuzzy_term_query(SCHEMA, "name_words", partial, 1, True, True))
            found = searcher.search(Q.boolean_query(clauses), size, count=False).hits
        addresses = [a for _, a in found]
        agency_of = searcher.fast_field_values("agency_ids", addresses) if addresses else []
        docs = [searcher.doc(a) for a in addresses]
        return query.group_suggestions(
            [(score, doc["kind"][0], doc["title"][0], agency_of[i] if i < len(agency_of) else None, doc)
             for i, ((score, _), doc) in enumerate(zip(found, docs))], limit, lambda doc: (doc["uid"][0], doc["record_id"][0]))


def _partial_clause(searcher, partial: str) -> tantivy.Query:
    """The word being typed: a prefix of a name's word or of an agency's other name."""
    return Q.disjunction_max_query([_prefix_query(searcher, "name_words", partial),
                                    _prefix_query(searcher, "alias", partial)])


# A whole name is read from the term dictionary as its terms when this long: a few names start so, while a
# short start («р») has thousands (18 ms to list them), for which the regular expression is cheaper.
LISTED_NAME_PREFIX = 16


def _prefix_query(searcher, field: str, prefix: str) -> tantivy.Query:
    """The records with a term of ``field`` starting with ``prefix``: the terms listed from the dictionary
    (0,01–0,3 ms) rather than a regular expression compiled for each keystroke (0,3–0,9 ms). Words are
    letters and digits only (analysis.WORD_RE), so nothing in them is a regex operator either way."""
    if field == "name_exact" and len(prefix) < LISTED_NAME_PREFIX:
        return Q.regex_query(SCHEMA, field, prefix + ".*")
    terms = [term for term, _ in searcher.terms_with_prefix(field, prefix)]
    return Q.term_set_query(SCHEMA, field, terms) if terms else Q.empty_query()


def _suggest_phrase(lemmas: tuple[str, ...]) -> tantivy.Query:
    """A thesaurus phrase in a name (its words close together), or an abbreviation in a record's own text
    (a short name: ЕПГУ)."""
    if len(lemmas) == 1:
        return Q.disjunction_max_query([_term("name_lemmas", lemmas[0]), _term("text_lemmas", lemmas[0])])
    return Q.phrase_query(SCHEMA, "name_lemmas", list(lemmas), 2)
