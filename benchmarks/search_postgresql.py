"""The peer of the search benchmark: PostgreSQL full-text search on the same documents and queries.

    .venv/bin/python benchmarks/search_postgresql.py --database-url sqlite:////tmp/bench.db
    .venv/bin/python benchmarks/search.py --database-url sqlite:////tmp/bench.db --peer-postgresql

The catalogue's own search documents (``catalog.search.documents.build_documents``: title, text and the
names around each record) go into a throwaway PostgreSQL server as the tests start it, one row each,
with a ``tsvector`` in the ``russian`` configuration (Snowball stemming) and a GIN index; each query is
``websearch_to_tsquery('russian', …)`` ranked by ``ts_rank_cd``, the first 20 rows, and the counts of
the same facets as the catalogue's (kind, agency, status, life situation, group, system, digital,
stage) in one more statement with GROUPING SETS. No thesaurus, no fallback, no typo tolerance: the
peer is the floor a plain database gives, in time and in what it finds (the share of queries it
answers with nothing is printed beside).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from catalog.db import make_engine, make_session_factory  # noqa: E402
from catalog.search.documents import SEARCHED_KINDS, build_documents, live_rows, search_model  # noqa: E402

SCHEMA = """
CREATE TABLE documents (
    uid text PRIMARY KEY, kind text NOT NULL, title text NOT NULL, body text NOT NULL,
    agency_ids int[] NOT NULL, status text, group_id int, life_situation_ids int[] NOT NULL,
    system_ids int[] NOT NULL, is_digital boolean, stage text,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian', title), 'A') || setweight(to_tsvector('russian', body), 'B')) STORED
);
"""
INDEX = "CREATE INDEX documents_tsv ON documents USING gin (tsv)"

HITS = """
SELECT uid, title FROM documents, websearch_to_tsquery('russian', :q) query
WHERE tsv @@ query {where} ORDER BY ts_rank_cd(tsv, query) DESC LIMIT 20
"""
# Every facet of the catalogue's search page, counted under the same query in one statement.
FACETS = """
WITH found AS (SELECT * FROM documents WHERE tsv @@ websearch_to_tsquery('russian', :q) {where})
SELECT facet, value, count(*) FROM (
    SELECT 'kind' AS facet, kind AS value FROM found
    UNION ALL SELECT 'agency', a::text FROM found, unnest(agency_ids) a
    UNION ALL SELECT 'status', status FROM found WHERE status IS NOT NULL
    UNION ALL SELECT 'life_situation', l::text FROM found, unnest(life_situation_ids) l
    UNION ALL SELECT 'group', group_id::text FROM found WHERE group_id IS NOT NULL
    UNION ALL SELECT 'system', s::text FROM found, unnest(system_ids) s
    UNION ALL SELECT 'digital', is_digital::text FROM found WHERE is_digital IS NOT NULL
    UNION ALL SELECT 'stage', stage FROM found WHERE stage IS NOT NULL
) facets GROUP BY facet, value
"""
FILTERS = {"kind": "kind = :kind", "agency_id": ":agency_id = ANY(agency_ids)", "status": "status = :status"}


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"


def load_average() -> str:
    return ", ".join(f"{v:.2f}".replace(".", ",") for v in os.getloadavg())


def documents_of(sessions):
    """The catalogue's search documents, kind by kind, in chunks."""
    with sessions() as session:
        for kind in SEARCHED_KINDS:
            model = search_model(kind)
            ids = list(session.scalars(select(model.id).where(live_rows(model)).order_by(model.id)))
            for start in range(0, len(ids), 2000):
                built, _ = build_documents(session, kind, ids[start:start + 2000])
                yield built


def run_peer(sessions, queries: list[tuple[str, dict]], rounds: int) -> list[tuple[str, str]]:
    """Load the documents into a throwaway PostgreSQL and ask the queries; rows for the report."""
    from tests.pgserver import PostgresServer

    rows: list[tuple[str, str]] = []
    server = PostgresServer().start()
    try:
        engine = make_engine(server.url())
        with engine.begin() as connection:
            connection.execute(text(SCHEMA))
        start, count = time.perf_counter(), 0
        for chunk in documents_of(sessions):
            with engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO documents (uid, kind, title, body, agency_ids, status, group_id, "
                    "life_situation_ids, system_ids, is_digital, stage) VALUES (:uid, :kind, :title, :body, "
                    ":agency_ids, :status, :group_id, :life_situation_ids, :system_ids, :is_digital, :stage)"),
                    [{"uid": d.uid, "kind": d.kind, "title": d.title,
                      "body": " ".join([d.text, *d.context, *d.codes, *d.aliases]),
                      "agency_ids": d.agency_ids, "status": d.status, "group_id": d.group_id,
                      "life_situation_ids": d.life_situation_ids, "system_ids": d.system_ids,
                      "is_digital": d.is_digital, "stage": d.stage} for d in chunk])
            count += len(chunk)
        with engine.begin() as connection:
            connection.execute(text(INDEX))
            connection.execute(text("ANALYZE documents"))
        elapsed = time.perf_counter() - start
        rows.append(("PostgreSQL peer: documents loaded and indexed",
                     f"{count} documents, {elapsed:.1f} s, {count / elapsed:.0f} documents/s"))
        samples, empty = [], 0
        with engine.connect() as connection:
            for round_number in range(rounds):
                for q, filters in queries:
                    where = "".join(f" AND {FILTERS[k]}" for k in filters if k in FILTERS)
                    params = {"q": q, **{k: v for k, v in filters.items() if k in FILTERS}}
                    begin = time.perf_counter()
                    hits = connection.execute(text(HITS.format(where=where)), params).all()
                    connection.execute(text(FACETS.format(where=where)), params).all()
                    samples.append((time.perf_counter() - begin) * 1000)
                    if round_number == 0 and not hits:
                        empty += 1
        rows.append((f"PostgreSQL peer: query with facets ({len(samples)} queries)", percentiles(samples)))
        rows.append(("PostgreSQL peer: queries that found nothing", f"{empty} of {len(queries)}"))
        rows.append(("load average during the peer (1, 5, 15 min)", load_average()))
        engine.dispose()
    finally:
        server.stop()
    return rows


def main() -> None:
    from tests.search_relevance import CASES

    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True, help="a catalogue already loaded (benchmarks/search.py)")
    parser.add_argument("--rounds", type=int, default=10, help="times each query is asked")
    args = parser.parse_args()
    sessions = make_session_factory(make_engine(args.database_url))
    rows = run_peer(sessions, [(q, f) for q, f, _ in CASES], args.rounds)
    print("\n| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
