"""Lineage on the neo4j backend (FalkorDB over Bolt): one Cypher statement a direction, and reads
that apply nothing of the outbox but say how far behind the projection is (issue 19)."""
import pytest

from catalog.graph import SqlGraph
from catalog.services import lineage, records


def count_statements(graph, calls):
    """Count what reaches the server: wraps the graph's one way out (a spy, the server is real)."""
    real = graph.graph._session_run

    def counted(query, params):
        calls.append(query)
        return real(query, params)

    graph.graph._session_run = counted


def test_lineage_is_one_cypher_statement_per_direction(ctx, tiny, projected_graph):
    calls = []
    count_statements(projected_graph, calls)
    answer = projected_graph.traverse(tiny.P, "both", 6, None, 400)
    assert len(calls) == 2
    expected = SqlGraph(ctx.session).traverse(tiny.P, "both", 6, None, 400)
    assert answer.nodes == expected.nodes and answer.edges == expected.edges and not answer.truncated


@pytest.mark.parametrize("direction", ["upstream", "downstream", "both"])
def test_the_cap_bites_as_on_the_sql_backend(ctx, tiny, falkordb, app, direction):
    """A dataset with a dozen consumers: every cap gives the sql backend's records, depths and edges."""
    from tests.conftest import _projected

    agency, service = int(tiny.A.split(":")[1]), int(tiny.V.split(":")[1])
    person = records.create_record(ctx, "people", {"full_name": "Петрова Анна", "position": "начальник отдела",
                                                   "agency_id": agency})
    for i in range(12):
        process = records.create_record(ctx, "processes", {
            "agency_id": agency, "registry_id": f"1{i:02}", "service_id": service, "name": f"Процесс {i}",
            "responsible_id": person.id, "status": "researching"})
        records.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes",
                                             "source_id": process.id, "target_kind": "datasets",
                                             "target_id": int(tiny.D.split(":")[1])})
    ctx.session.commit()
    graph = _projected(falkordb.url(), None, None, app)
    try:
        for start in (tiny.S, tiny.P, tiny.D):
            for cap in (1, 2, 3, 5, 8, 13, 40):
                expected = SqlGraph(ctx.session).traverse(start, direction, 4, None, cap)
                answer = graph.traverse(start, direction, 4, None, cap)
                assert (answer.nodes, answer.edges, answer.truncated) == (
                    expected.nodes, expected.edges, expected.truncated), (start, cap)
    finally:
        graph.graph.close()


def test_a_read_applies_nothing_and_says_how_far_behind_the_graph_is(ctx, tiny, projected_graph):
    ctx.graph = projected_graph
    process = int(tiny.P.split(":")[1])
    records.delete_record(ctx, "links", tiny.stored_link)
    records.create_record(ctx, "life-situations", {"name": "Переезд"})
    ctx.session.commit()
    answer = lineage.lineage(ctx, "processes", process, "upstream", 2)
    # The graph as it stands: the removed link is still walked, and nothing was applied by the read.
    assert answer.backend == "neo4j" and tiny.S in answer.subgraph.nodes
    assert answer.notice.startswith("Граф отстаёт на 2\xa0события")
    assert projected_graph.behind(ctx.session) == 2
    records.create_record(ctx, "life-situations", {"name": "Выход на пенсию"})
    ctx.session.commit()
    assert lineage.lineage(ctx, "processes", process, "upstream", 2).notice.startswith("Граф отстаёт на 3\xa0события")
    projected_graph.catch_up()  # what the outbox consumer does in the background
    answer = lineage.lineage(ctx, "processes", process, "upstream", 2)
    assert answer.notice is None and tiny.S not in answer.subgraph.nodes


def test_the_lineage_page_says_how_far_behind_the_graph_is(app, client, ctx, tiny, projected_graph, falkordb):
    app.config["CATALOG"].graph_backend = "neo4j"
    app.config["CATALOG"].neo4j_url = falkordb.url()
    records.create_record(ctx, "life-situations", {"name": "Переезд"})
    ctx.session.commit()
    page = client.get(f"/lineage/processes/{tiny.P.split(':')[1]}").get_data(as_text=True)
    assert "Граф отстаёт на 1\xa0событие:" in page
    picture = client.get(f"/api/v1/lineage/processes/{tiny.P.split(':')[1]}").get_json()
    assert picture["backend"] == "neo4j" and picture["notice"].startswith("Граф отстаёт на 1\xa0событие")


def test_a_walk_too_long_for_the_servers_buffer_goes_level_by_level(ctx, tiny, projected_graph):
    """FalkorDB prints a statement into a 4 KB buffer: a walk of ten levels does not fit in one."""
    calls = []
    count_statements(projected_graph, calls)
    answer = projected_graph.traverse(tiny.S, "downstream", 10, None, 400)
    assert len(calls) > 1
    expected = SqlGraph(ctx.session).traverse(tiny.S, "downstream", 10, None, 400)
    assert answer.nodes == expected.nodes and answer.edges == expected.edges


@pytest.mark.parametrize("direction", ["upstream", "downstream", "both"])
def test_a_walk_answered_over_many_rows_is_the_sql_backends(ctx, tiny, projected_graph, monkeypatch, direction):
    """The walk's edges come back packed, a few to a row: cut into rows of two, every edge still
    arrives whole, transport and frequency included (and an edge without them has none)."""
    from catalog.graph import neo4j_backend

    monkeypatch.setattr(neo4j_backend, "WALK_EDGES_PER_ROW", 2)
    calls = []
    count_statements(projected_graph, calls)
    for start in (tiny.S, tiny.P, tiny.D):
        answer = projected_graph.traverse(start, direction, 4, None, 100)
        expected = SqlGraph(ctx.session).traverse(start, direction, 4, None, 100)
        assert (answer.nodes, answer.edges, answer.truncated) == (expected.nodes, expected.edges, expected.truncated)
    assert all("es[i..i + 2]" in query for query in calls)
    consumed = projected_graph.traverse(tiny.P, "upstream", 1, {"CONSUMES"}, 100)
    (edge,) = consumed.edges.values()
    assert (edge.transport, edge.frequency) == ("paper", "monthly")
    owned = projected_graph.traverse(tiny.P, "downstream", 1, {"OWNED_BY"}, 100)
    (edge,) = owned.edges.values()
    assert (edge.transport, edge.frequency) == (None, None)


def test_an_edge_the_walk_cannot_unpack_is_answered_by_the_store(ctx, tiny, projected_graph):
    """The walk packs an edge into one string split at spaces: a value with a space in the graph
    (never written by the projection) makes the store answer, not an error page."""
    projected_graph.graph.run("MATCH ()-[r:FLOW {type: 'CONSUMES'}]->() SET r.transport = $odd", odd="по запросу")
    ctx.graph = projected_graph
    answer = lineage.lineage(ctx, "processes", int(tiny.P.split(":")[1]), "upstream", 2)
    assert answer.backend == "sql" and tiny.D in answer.subgraph.nodes
