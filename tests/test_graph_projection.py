"""The neo4j graph backend and its projection, against a real FalkorDB server over Bolt.

One FalkorDB server serves the module; every test clears its graph first and runs on a
fresh store (SQLite and PostgreSQL, as the ``app`` fixture gives).
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from catalog import models
from catalog.graph import store_edges
from catalog.graph.model import uid
from catalog.graph.neo4j_backend import GraphError, GraphUnavailable, Neo4jGraph
from catalog.graph.projection import POSITION, Drift, Neo4jProjection
from catalog.kinds import KINDS
from catalog.services import records as r
from tests.falkordb_server import FalkorDBServer

GRAPH_NAME = "catalog_test"


@pytest.fixture(scope="module")
def falkordb():
    server = FalkorDBServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def graph(falkordb):
    graph = Neo4jGraph(falkordb.url(), database=GRAPH_NAME)
    yield graph
    graph.close()


@pytest.fixture
def sessions(app):
    return app.extensions["catalog"].sessions


@pytest.fixture
def projection(graph, sessions, falkordb):
    assert falkordb.alive(), falkordb.log_tail()
    graph.clear()
    yield Neo4jProjection(graph, sessions)
    assert falkordb.alive(), f"FalkorDB упал:\n{falkordb.log_tail()}"


def store_graph(sessions):
    with sessions() as session:
        return ({row[0] for row in store_edges.all_nodes(session)},
                {e.uid: e for e in store_edges.all_edges(session)})


def position(sessions) -> int:
    with sessions() as session:
        row = session.get(models.ProjectionPosition, POSITION)
        return row.last_event_id if row else 0


def set_position(sessions, event_id: int) -> None:
    with sessions.begin() as session:
        session.get(models.ProjectionPosition, POSITION).last_event_id = event_id


def last_event(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(models.ChangeEvent.id).order_by(models.ChangeEvent.id.desc()).limit(1)) or 0


def assert_same_as_store(graph, projection, sessions):
    drift = projection.check()
    assert drift.clean, drift
    nodes, edges = store_graph(sessions)
    assert graph.count_nodes() == len(nodes)
    assert graph.count_edges() == len(edges)  # no edge held twice


def by_uid(edges):
    return sorted(edges, key=lambda e: e.uid)


# --- the server ---------------------------------------------------------------


def test_server_is_recognised(graph):
    assert graph.server_name() == "FalkorDB"
    assert graph.run("RETURN 1 AS one") == [{"one": 1}]


def test_indexes_are_created_once_and_again_without_error(falkordb):
    for _ in range(2):  # a second graph object finds them in place
        graph = Neo4jGraph(falkordb.url(), database=GRAPH_NAME)
        graph.ensure_indexes()
        indexes = graph.run("CALL db.indexes() YIELD label, properties RETURN label, properties")
        graph.close()
        assert {(row["label"], tuple(row["properties"])) for row in indexes} >= {("Record", ("uid",)), ("FLOW", ("uid",))}


def test_unreachable_server_raises_graph_unavailable(ctx, seed, sessions):
    graph = Neo4jGraph("bolt://127.0.0.1:1", timeout=2)
    started = time.time()
    with pytest.raises(GraphUnavailable) as caught:
        graph.expand({uid("processes", seed.process.id)}, None)
    assert str(caught.value).startswith("Сервер графа недоступен")
    assert "127.0.0.1:1" in str(caught.value)
    assert time.time() - started < 10

    # sync fails before touching the position
    before = position(sessions)
    with pytest.raises(GraphUnavailable):
        Neo4jProjection(graph, sessions).sync()
    assert position(sessions) == before
    with pytest.raises(GraphUnavailable):
        Neo4jProjection(graph, sessions).rebuild()
    assert position(sessions) == before
    graph.close()


def test_refused_credentials_raise_graph_unavailable(falkordb):
    graph = Neo4jGraph(falkordb.url(), user="посторонний", password="неверный", database=GRAPH_NAME, timeout=2)
    with pytest.raises(GraphUnavailable, match="Сервер графа недоступен.*отклонил подключение"):
        graph.run("RETURN 1 AS one")
    graph.close()


def test_a_new_connection_after_close_is_answered(falkordb):
    # FalkorDB leaves a closed client's socket in its event loop after GOODBYE; close() makes up for it.
    for _ in range(3):
        started = time.time()
        graph = Neo4jGraph(falkordb.url(), database=GRAPH_NAME, timeout=5)
        assert graph.run("RETURN 1 AS one") == [{"one": 1}]
        graph.close()
        assert time.time() - started < 3


def test_a_connection_lost_to_another_clients_goodbye_is_retried(falkordb):
    from neo4j import GraphDatabase

    other = GraphDatabase.driver(falkordb.url())
    with other.session(database=GRAPH_NAME) as session:
        session.run("RETURN 1").consume()
    other.close()  # GOODBYE, without the make-up of Neo4jGraph.close()
    graph = Neo4jGraph(falkordb.url(), database=GRAPH_NAME, timeout=1)
    started = time.time()
    assert graph.run("RETURN 2 AS two") == [{"two": 2}]
    assert time.time() - started < 5
    graph.close()


# --- rebuild, sync, check -------------------------------------------------------


def test_rebuild_then_check_is_clean(ctx, seed, graph, projection, sessions):
    graph.run("CREATE (:Record {uid: 'processes:999999', kind: 'processes', record_id: 999999})")  # stale content
    counts = projection.rebuild()
    nodes, edges = store_graph(sessions)
    assert counts["nodes"] == len(nodes) and counts["edges"] == len(edges)
    assert counts["position"] == last_event(sessions) == position(sessions)
    assert_same_as_store(graph, projection, sessions)
    with sessions() as session:
        assert projection.pending(session) == 0
    exposes = [e for e in graph.expand({uid("marts", seed.mart.id)}, {"EXPOSES"})]
    assert [(e.source, e.target) for e in exposes] == [(uid("marts", seed.mart.id), uid("datasets", seed.dataset.id))]


def test_writes_after_rebuild_show_as_drift_until_sync(ctx, seed, graph, projection, sessions):
    projection.rebuild()
    system = r.create_record(ctx, "systems", {"name": "ГИС «Соцзащита»", "operator_agency_id": seed.agency.id,
                                              "legal_kind": "regional", "stage": "operation"})
    link = r.create_record(ctx, "links", {"link_type": "AUTOMATED_BY", "source_kind": "processes",
                                          "source_id": seed.process.id, "target_kind": "systems",
                                          "target_id": system.id})
    r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version, "name": "Приём заявления (ред.)"})

    drift = projection.check()
    assert drift.missing_nodes == {uid("systems", system.id)}
    assert f"link:{link.id}" in drift.missing_edges
    assert f"fk:systems:{system.id}:operator_agency_id" in drift.missing_edges
    assert not drift.extra_nodes and not drift.extra_edges
    with sessions() as session:
        assert projection.pending(session) == 3

    assert projection.sync() == 3
    assert_same_as_store(graph, projection, sessions)
    with sessions() as session:
        assert projection.pending(session) == 0
    title = graph.run("MATCH (n:Record {uid: $uid}) RETURN n.title AS title", uid=uid("processes", seed.process.id))
    assert title == [{"title": "Приём заявления (ред.)"}]
    automated = graph.expand({uid("processes", seed.process.id)}, {"AUTOMATED_BY"})
    # AUTOMATED_BY flows from the system to the process
    assert [(e.uid, e.source, e.target) for e in automated] == [
        (f"link:{link.id}", uid("systems", system.id), uid("processes", seed.process.id))]
    assert projection.sync() == 0


def test_deleting_a_record_removes_its_node_and_edges_and_restoring_brings_them_back(
        ctx, seed, graph, projection, sessions):
    projection.rebuild()
    dataset = uid("datasets", seed.dataset.id)
    before = by_uid(graph.expand({dataset}, None))
    assert {e.edge_type for e in before} == {"EXPOSES", "OWNED_BY"}

    r.delete_record(ctx, "datasets", seed.dataset.id)
    assert projection.sync() == 1
    assert graph.expand({dataset}, None) == []
    assert graph.run("MATCH (n:Record {uid: $uid}) RETURN count(n) AS n", uid=dataset) == [{"n": 0}]
    assert graph.expand({uid("marts", seed.mart.id)}, {"EXPOSES"}) == []
    assert_same_as_store(graph, projection, sessions)

    r.restore_record(ctx, "datasets", seed.dataset.id)
    assert projection.sync() == 1
    assert by_uid(graph.expand({dataset}, None)) == before
    assert_same_as_store(graph, projection, sessions)


def test_deleting_and_restoring_a_link(ctx, seed, graph, projection, sessions):
    projection.rebuild()
    link = r.create_record(ctx, "links", {"link_type": "PRODUCES", "source_kind": "processes",
                                          "source_id": seed.process.id, "target_kind": "datasets",
                                          "target_id": seed.dataset.id, "transport": "smev",
                                          "frequency": "on_request"})
    projection.sync()
    produced = graph.expand({uid("processes", seed.process.id)}, {"PRODUCES"}, "downstream")
    assert [(e.uid, e.transport, e.frequency) for e in produced] == [(f"link:{link.id}", "smev", "on_request")]

    r.delete_record(ctx, "links", link.id)
    projection.sync()
    assert graph.expand({uid("processes", seed.process.id)}, {"PRODUCES"}) == []
    assert_same_as_store(graph, projection, sessions)
    r.restore_record(ctx, "links", link.id)
    projection.sync()
    assert len(graph.expand({uid("processes", seed.process.id)}, {"PRODUCES"})) == 1
    assert_same_as_store(graph, projection, sessions)


def test_an_edge_whose_end_changes_is_moved(ctx, seed, graph, projection, sessions):
    projection.rebuild()
    edges_before = graph.count_edges()
    r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version,
                                                        "agency_id": seed.other_agency.id, "registry_id": "077",
                                                        "responsible_id": seed.other_person.id})
    drift = projection.check()
    owned = f"fk:processes:{seed.process.id}:agency_id"
    assert owned in drift.missing_edges and owned in drift.extra_edges  # same uid, other end
    projection.sync()
    assert_same_as_store(graph, projection, sessions)
    assert graph.count_edges() == edges_before
    owner = graph.expand({uid("processes", seed.process.id)}, {"OWNED_BY"})
    assert [e.target for e in owner] == [uid("agencies", seed.other_agency.id)]


def test_sync_is_idempotent(ctx, seed, graph, projection, sessions):
    start = projection.rebuild()["position"]
    system = r.create_record(ctx, "systems", {"name": "АИС «Учёт»", "operator_agency_id": seed.other_agency.id,
                                              "legal_kind": "regional", "stage": "operation"})
    r.create_record(ctx, "links", {"link_type": "STORED_IN", "source_kind": "datasets", "source_id": seed.dataset.id,
                                   "target_kind": "systems", "target_id": system.id})
    r.delete_record(ctx, "people", seed.other_person.id)
    assert projection.sync() == 3
    nodes, edges = graph.count_nodes(), graph.count_edges()
    assert_same_as_store(graph, projection, sessions)

    set_position(sessions, start)
    assert projection.sync() == 3
    assert (graph.count_nodes(), graph.count_edges()) == (nodes, edges)
    assert_same_as_store(graph, projection, sessions)

    set_position(sessions, 0)  # the whole outbox again
    assert projection.sync(batch_size=4) == last_event(sessions)
    assert (graph.count_nodes(), graph.count_edges()) == (nodes, edges)
    assert_same_as_store(graph, projection, sessions)


def _many_writes(ctx, seed, count: int) -> None:
    for i in range(count):
        dataset = r.create_record(ctx, "datasets", {"name": f"Набор данных {i}", "owner_agency_id": seed.agency.id})
        r.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes",
                                       "source_id": seed.process.id, "target_kind": "datasets",
                                       "target_id": dataset.id})


def test_a_failed_sync_leaves_the_rest_for_the_next_one(ctx, seed, graph, projection, sessions, monkeypatch):
    start = projection.rebuild()["position"]
    _many_writes(ctx, seed, 6)  # 12 events
    calls = []
    real_upsert = graph.upsert_edges

    def failing(edges):
        calls.append(1)
        if len(calls) > 1:
            raise GraphError("Сервер графа отклонил запрос: сбой для теста")
        return real_upsert(edges)

    monkeypatch.setattr(graph, "upsert_edges", failing)
    with pytest.raises(GraphError):
        projection.sync(batch_size=3)
    with sessions() as session:
        first_batch = session.scalars(select(models.ChangeEvent.id).where(models.ChangeEvent.id > start)
                                      .order_by(models.ChangeEvent.id).limit(3)).all()
        assert projection.pending(session) == 9
    assert position(sessions) == first_batch[-1]
    assert not projection.check().clean

    monkeypatch.setattr(graph, "upsert_edges", real_upsert)
    assert projection.sync(batch_size=3) == 9
    assert_same_as_store(graph, projection, sessions)
    consumes = graph.expand({uid("processes", seed.process.id)}, {"CONSUMES"})
    assert len(consumes) == 6


def test_a_sync_killed_before_the_position_is_stored_is_applied_again_harmlessly(
        ctx, seed, graph, projection, sessions, monkeypatch):
    start = projection.rebuild()["position"]
    _many_writes(ctx, seed, 3)

    class Killed(BaseException):
        pass

    def killed(*args, **kwargs):
        raise Killed  # as if the process died after writing the graph

    monkeypatch.setattr(projection, "_set_position", killed)
    with pytest.raises(Killed):
        projection.sync()
    assert position(sessions) == start
    assert projection.check().clean  # the graph got the batch, the store did not record it

    monkeypatch.undo()
    assert projection.sync() == 6
    assert position(sessions) == last_event(sessions)
    assert_same_as_store(graph, projection, sessions)


def test_check_names_extra_and_duplicated_content(ctx, seed, graph, projection, sessions):
    projection.rebuild()
    graph.run("CREATE (:Record {uid: 'agencies:424242', kind: 'agencies', record_id: 424242})")
    [edge] = [e.uid for e in graph.expand({uid("marts", seed.mart.id)}, {"EXPOSES"})]
    graph.run("MATCH (a:Record {uid: $a}), (b:Record {uid: $b}) CREATE (a)-[:FLOW {uid: $e, type: 'EXPOSES'}]->(b)",
              a=uid("marts", seed.mart.id), b=uid("datasets", seed.dataset.id), e=edge)
    graph.delete_nodes([uid("services", seed.service.id)])
    drift = projection.check()
    assert isinstance(drift, Drift) and not drift.clean
    assert drift.extra_nodes == {"agencies:424242"}
    assert drift.missing_nodes == {uid("services", seed.service.id)}
    assert edge in drift.extra_edges  # held twice
    assert f"fk:processes:{seed.process.id}:service_id" in drift.missing_edges
    projection.rebuild()
    assert_same_as_store(graph, projection, sessions)


# --- what FalkorDB does to values -----------------------------------------------


def test_quotes_backslashes_and_long_titles_are_stored_safely(ctx, seed, graph, projection, sessions):
    tricky = "Реестр «О'Брайен» \\ 'кавычки' \\' и \"двойные\""
    agency = r.create_record(ctx, "agencies", {"code": "TRICKY", "name": tricky, "kind": "executive"})
    long_name = ("Очень длинное наименование процесса " * 30)[:1000]  # the longest allowed, ~2 KB in UTF-8
    processes = [r.create_record(ctx, "processes", {
        "agency_id": seed.agency.id, "registry_id": f"90{i}", "service_id": seed.service.id,
        "responsible_id": seed.person.id, "name": f"{i} {long_name}"[:1000], "status": "queued_research"})
                 for i in range(4)]  # several long rows: batches are cut by size on FalkorDB
    projection.rebuild()
    assert graph.run("MATCH (n:Record {uid: $uid}) RETURN n.title AS title",
                     uid=uid("agencies", agency.id)) == [{"title": tricky}]
    for process in processes:
        stored = graph.run("MATCH (n:Record {uid: $uid}) RETURN size(n.title) AS size",
                           uid=uid("processes", process.id))[0]["size"]
        assert 0 < stored < len(process.name)  # shortened to what FalkorDB's Bolt layer can carry
    r.update_record(ctx, "agencies", agency.id, {"version": agency.version, "name": tricky + " (ред.)"})
    projection.sync()
    assert graph.run("MATCH (n:Record {uid: $uid}) RETURN n.title AS title",
                     uid=uid("agencies", agency.id)) == [{"title": tricky + " (ред.)"}]
    assert_same_as_store(graph, projection, sessions)


# --- expand -------------------------------------------------------------------


def test_expand_answers_as_the_store_on_the_demo_region(demo_region, ctx, graph, projection, sessions):
    projection.rebuild()
    with sessions() as session:
        picks = []
        for kind in ("processes", "datasets", "agencies", "systems", "marts", "services"):
            picks += [uid(kind, i) for i in session.scalars(
                select(KINDS[kind].model.id).order_by(KINDS[kind].model.id).limit(2))]
        every = {row[0] for row in store_edges.all_nodes(session)}
        cases = [({node}, None) for node in picks] + [
            (set(picks), None), (set(picks), {"CONSUMES", "PRODUCES"}), (set(picks), {"OWNED_BY"}),
            (set(picks), set()), (every, None),  # every node: several statements on FalkorDB
        ]
        for nodes, types in cases:
            for direction in (None, "upstream", "downstream", "both"):
                expected = by_uid(store_edges.edges_touching(session, nodes, types, direction))
                assert by_uid(graph.expand(nodes, types, direction)) == expected, (nodes, types, direction)
    assert graph.expand(set(), None) == []
    assert graph.expand({"processes:987654"}, None) == []
    with pytest.raises(ValueError):
        graph.expand(set(picks), None, "sideways")
