"""The sql backend's recursive walk (catalog/graph/cte.py) against the reference level-by-level walk.

``traversal.traverse`` over ``store_edges.edges_touching`` (the links and relation columns
themselves) is the answer lineage gave before the recursive query; the recursive query reads the
``graph_edges`` table the triggers keep, so on generated graphs written by plain SQL (links of every type, relation keys, deleted links and
records, node caps that bite) both must give the same depths, edges and ``truncated``.
"""
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, event, update

from catalog import models
from catalog.graph import RecursiveSqlGraph, SqlGraph, cte, store_edges, traversal
from catalog.graph.model import LINK_FLOW, uid
from catalog.kinds import KINDS
from tests import test_graph_contract as contract

POOL = {"agencies": 3, "services": 3, "processes": 6, "datasets": 5, "systems": 3, "marts": 2,
        "life-situations": 2}


@pytest.fixture
def pool(ctx):
    """A few records of each kind the walk crosses; processes and marts carry relation keys."""
    from catalog.services import records as r

    made: dict[str, list[int]] = {kind: [] for kind in POOL}
    for i in range(POOL["agencies"]):
        made["agencies"].append(r.create_record(ctx, "agencies", {
            "code": f"A{i}", "name": f"Ведомство {i}", "kind": "executive",
            **({"parent_id": made["agencies"][0]} if i else {})}).id)
    for i in range(POOL["services"]):
        made["services"].append(r.create_record(ctx, "services", {
            "name": f"Услуга {i}", "kind": "service", "agency_id": made["agencies"][i % 3]}).id)
    for i in range(POOL["life-situations"]):
        made["life-situations"].append(r.create_record(ctx, "life-situations", {"name": f"Ситуация {i}"}).id)
    for i in range(POOL["systems"]):
        made["systems"].append(r.create_record(ctx, "systems", {
            "name": f"Система {i}", "legal_kind": "regional", "stage": "operation"}).id)
    for i in range(POOL["datasets"]):
        made["datasets"].append(r.create_record(ctx, "datasets", {"name": f"Набор {i}"}).id)
    for i in range(POOL["marts"]):
        made["marts"].append(r.create_record(ctx, "marts", {
            "name": f"Витрина {i}", "kind": "smev4", "owner_agency_id": made["agencies"][i],
            "host_system_id": made["systems"][i]}).id)
    # One responsible person in each owning agency (the register's rule).
    people = [r.create_record(ctx, "people", {"full_name": f"Иванова Мария {i}", "position": "начальник отдела",
                                              "agency_id": made["agencies"][i]}).id for i in range(3)]
    for i in range(POOL["processes"]):
        made["processes"].append(r.create_record(ctx, "processes", {
            "agency_id": made["agencies"][i % 3], "registry_id": f"{i:03}", "service_id": made["services"][i % 3],
            "name": f"Процесс {i}", "responsible_id": people[i % 3], "status": "researching"}).id)
    ctx.session.commit()
    return made


LINK_ENDS = {  # link type → (source kind, target kind), as the catalogue stores them
    "CONSUMES": ("processes", "datasets"), "PRODUCES": ("processes", "datasets"),
    "STORED_IN": ("datasets", "systems"), "EXPOSES": ("marts", "datasets"),
    "AUTOMATED_BY": ("processes", "systems"), "LINKED_TO": ("processes", "processes"),
    "IN_SITUATION": ("services", "life-situations"),
}


def node(kind):
    return st.tuples(st.just(kind), st.integers(0, POOL[kind] - 1))


links = st.lists(st.sampled_from(sorted(LINK_ENDS)).flatmap(
    lambda t: st.tuples(st.just(t), node(LINK_ENDS[t][0]), node(LINK_ENDS[t][1]), st.booleans())),
    max_size=30)
kinds = st.sampled_from(sorted(POOL))
questions = st.lists(st.tuples(
    kinds.flatmap(node), st.sampled_from(["upstream", "downstream", "both"]), st.integers(1, 4),
    st.one_of(st.none(), st.sets(st.sampled_from(sorted(LINK_FLOW) + ["OWNED_BY", "PART_OF", "HOSTED_BY"]),
                                 min_size=1, max_size=4)),
    st.integers(1, 30)), min_size=1, max_size=6)


def reference(session, start, direction, depth, edge_types, max_nodes):
    expand = lambda nodes, types, way=None, limit=None: store_edges.edges_touching(session, nodes, types, way, limit)  # noqa: E731
    return traversal.traverse(expand, start, direction, depth, edge_types, max_nodes)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(links=links, deleted=st.sets(kinds.flatmap(node), max_size=3), questions=questions)
def test_recursive_walk_answers_as_the_level_walk(ctx, pool, links, deleted, questions):
    session = ctx.session
    now = datetime.now(timezone.utc)
    session.execute(delete(models.Link))
    for kind in POOL:
        session.execute(update(KINDS[kind].model).values(deleted_at=None))
    for link_type, (source_kind, s), (target_kind, t), gone in links:
        session.add(models.Link(link_type=link_type, source_kind=source_kind, source_id=pool[source_kind][s],
                                target_kind=target_kind, target_id=pool[target_kind][t],
                                transport="api", deleted_at=now if gone else None))
    for kind, i in deleted:
        session.execute(update(KINDS[kind].model).where(KINDS[kind].model.id == pool[kind][i]).values(deleted_at=now))
    session.flush()
    graph = RecursiveSqlGraph(session)
    for (kind, i), direction, depth, edge_types, max_nodes in questions:
        start = uid(kind, pool[kind][i])
        expected = reference(session, start, direction, depth, edge_types, max_nodes)
        answer = graph.traverse(start, direction, depth, edge_types, max_nodes)
        assert answer.nodes == expected.nodes
        assert answer.edges == expected.edges
        assert answer.truncated == expected.truncated
    session.rollback()


def test_a_spent_row_budget_keeps_the_nearer_levels_whole(ctx, tiny):
    """When the statement's row budget runs out, the levels before the last are the reference's."""
    session = ctx.session
    expected = reference(session, tiny.S, "downstream", 4, None, 100)
    answer = cte.walk_one(session, tiny.S, "downstream", 4, None, 100, budget=6)
    assert answer.truncated and not expected.truncated
    last = max(answer.nodes.values())
    assert {n for n, d in answer.nodes.items() if d < last} == {n for n, d in expected.nodes.items() if d < last}
    assert all(expected.nodes[n] == d for n, d in answer.nodes.items())


def test_lineage_in_one_statement_per_direction(ctx, tiny):
    statements = []
    engine = ctx.session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    ctx.session.connection()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = RecursiveSqlGraph(ctx.session).traverse(tiny.P, "both", 6, None, 400)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert {tiny.D, tiny.S, tiny.V, tiny.L, tiny.A, tiny.R} <= set(answer.nodes)
    assert len(statements) == 2


def test_the_sql_backend_walks_by_the_recursive_query_on_every_engine(ctx, tiny):
    """With the graph_edges table the recursive query has one arm a step: the faster walk on both engines."""
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    ctx.session.connection()
    event.listen(ctx.session.get_bind(), "before_cursor_execute", listener)
    try:
        SqlGraph(ctx.session).traverse(tiny.P, "both", 3, None, 400)
    finally:
        event.remove(ctx.session.get_bind(), "before_cursor_execute", listener)
    assert len(statements) == 2 and all("graph_edges" in s for s in statements)


CONTRACT = [name for name in dir(contract) if name.startswith("test_")]


@pytest.mark.parametrize("case", CONTRACT)
def test_the_contract_holds_for_the_recursive_query(case, ctx, tiny):
    """The contract suite (tests/test_graph_contract.py) with the recursive walk on this engine."""
    function = getattr(contract, case)
    arguments = {"graph": RecursiveSqlGraph(ctx.session), "tiny": tiny, "ctx": ctx, "refresh": lambda: None}
    if case == "test_unknown_node_has_no_neighbours":
        arguments["node"] = "processes:999999"
    function(**{name: arguments[name] for name in function.__code__.co_varnames[:function.__code__.co_argcount]})


def test_the_records_of_a_lineage_are_named_in_one_statement(ctx, tiny):
    from catalog.graph.model import split_uid
    from catalog.services.records import labels_for

    refs = {split_uid(node) for node in (tiny.S, tiny.D, tiny.M, tiny.P, tiny.V, tiny.L, tiny.A)}
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    ctx.session.connection()
    event.listen(ctx.session.get_bind(), "before_cursor_execute", listener)
    try:
        labels = labels_for(ctx, refs | {("processes", 999999)})
    finally:
        event.remove(ctx.session.get_bind(), "before_cursor_execute", listener)
    assert len(statements) == 1
    assert {label.title for label in labels.values()} == {
        "АСП", "Доходы граждан", "Витрина доходов", "Назначение выплаты", "Выплата на ребёнка", "Рождение ребёнка",
        "Минсоцзащиты"}
    assert not any(label.is_deleted for label in labels.values())
