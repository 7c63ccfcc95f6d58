"""One contract for every graph backend: sql on SQLite, sql on PostgreSQL, neo4j on FalkorDB.

The ``graph`` fixture (conftest) gives each backend over the same small catalogue:

    system S ─STORED_IN→ dataset D ─CONSUMES→ process P ─PART_OF→ service V ─IN_SITUATION→ situation L
    mart M ─EXPOSES→ D;  S ─HOSTED_BY→ M;  P ─PRODUCES→ dataset R;  P ─OWNED_BY→ agency A
"""
import pytest



def test_upstream_follows_what_a_process_depends_on(graph, tiny):
    answer = graph.traverse(tiny.P, "upstream", 2, None, 100)
    assert {tiny.D, tiny.S, tiny.M} <= set(answer.nodes)
    assert tiny.V not in answer.nodes and tiny.R not in answer.nodes
    assert answer.nodes[tiny.D] == 1 and answer.nodes[tiny.S] == 2


def test_downstream_follows_what_depends_on_a_system(graph, tiny):
    answer = graph.traverse(tiny.S, "downstream", 4, None, 100)
    assert {tiny.D, tiny.M, tiny.P, tiny.V, tiny.L, tiny.A, tiny.R} <= set(answer.nodes)
    assert answer.nodes[tiny.P] == 2 and answer.nodes[tiny.L] == 4


def test_depth_limits_the_walk(graph, tiny):
    answer = graph.traverse(tiny.S, "downstream", 1, None, 100)
    assert tiny.D in answer.nodes and tiny.P not in answer.nodes


def test_edge_types_filter(graph, tiny):
    answer = graph.traverse(tiny.P, "upstream", 3, {"CONSUMES"}, 100)
    assert set(answer.nodes) == {tiny.P, tiny.D}
    assert {e.edge_type for e in answer.edges.values()} == {"CONSUMES"}


def test_edges_carry_transport_and_frequency(graph, tiny):
    answer = graph.traverse(tiny.P, "upstream", 1, {"CONSUMES"}, 100)
    (edge,) = answer.edges.values()
    assert (edge.source, edge.target, edge.transport, edge.frequency) == (tiny.D, tiny.P, "paper", "monthly")


def test_both_is_the_union_of_the_two_walks(graph, tiny):
    both = graph.traverse(tiny.P, "both", 2, None, 100)
    up = graph.traverse(tiny.P, "upstream", 2, None, 100)
    down = graph.traverse(tiny.P, "downstream", 2, None, 100)
    assert set(both.nodes) == set(up.nodes) | set(down.nodes)


def test_paths_explain_how_a_system_feeds_a_process(graph, tiny):
    paths = graph.paths(tiny.S, tiny.P, 4, None, 10)
    routes = sorted([[e.edge_type for e in path] for path in paths])
    assert routes == [["STORED_IN", "CONSUMES"]]
    longer = graph.paths(tiny.S, tiny.P, 4, {"HOSTED_BY", "EXPOSES", "CONSUMES"}, 10)
    assert [[e.edge_type for e in p] for p in longer] == [["HOSTED_BY", "EXPOSES", "CONSUMES"]]
    assert graph.paths(tiny.P, tiny.S, 4, None, 10) == []


def test_neighbourhood_and_subgraph(graph, tiny):
    around = graph.neighbourhood(tiny.D, None, 100)
    assert {tiny.S, tiny.M, tiny.P, tiny.D} <= set(around.nodes) and tiny.V not in around.nodes
    part = graph.subgraph({tiny.S, tiny.D, tiny.P}, None)
    assert {(e.source, e.target) for e in part.edges.values()} == {(tiny.S, tiny.D), (tiny.D, tiny.P)}
    assert {e.edge_type for e in part.edges.values()} == {"STORED_IN", "CONSUMES"}


def test_node_cap_truncates(graph, tiny):
    answer = graph.traverse(tiny.S, "downstream", 4, None, 3)
    assert len(answer.nodes) == 3 and answer.truncated


def test_a_truncated_walk_keeps_the_nearest_records(graph, tiny):
    # The system's first level is its dataset and the mart it hosts; the cap cuts what lies beyond.
    answer = graph.traverse(tiny.S, "downstream", 4, None, 3)
    assert answer.nodes == {tiny.S: 0, tiny.D: 1, tiny.M: 1}
    assert all(e.source in answer.nodes and e.target in answer.nodes for e in answer.edges.values())
    both = graph.traverse(tiny.P, "both", 3, None, 4)
    assert both.truncated and len(both.nodes) <= 4 and both.nodes[tiny.P] == 0
    assert graph.traverse(tiny.S, "downstream", 4, None, 100).truncated is False


def test_deleted_links_and_records_are_not_walked(graph, tiny, ctx, refresh):
    from catalog.services import records
    records.delete_record(ctx, "links", tiny.stored_link)
    refresh()
    answer = graph.traverse(tiny.S, "downstream", 4, None, 100)
    assert answer.nodes[tiny.D] == 2  # now only through the mart the system hosts
    records.delete_record(ctx, "datasets", int(tiny.D.split(":")[1]))
    refresh()
    answer = graph.traverse(tiny.S, "downstream", 4, None, 100)
    assert tiny.M in answer.nodes and tiny.D not in answer.nodes and tiny.P not in answer.nodes
    records.restore_record(ctx, "datasets", int(tiny.D.split(":")[1]))
    refresh()
    assert tiny.P in graph.traverse(tiny.S, "downstream", 4, None, 100).nodes


@pytest.mark.parametrize("node", ["processes:999999"])
def test_unknown_node_has_no_neighbours(graph, tiny, node):
    assert set(graph.traverse(node, "both", 2, None, 100).nodes) == {node}
