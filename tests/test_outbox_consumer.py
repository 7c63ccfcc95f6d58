"""The outbox consumer (catalog/outbox.py): projections heal in the background, requests pay only a tail.

Finding 16 of issue 12: after a crash right after a large import, the first search and the first
lineage request took 11–13 s, because projections caught up only when read. Here the backlog is
written with no consumer running, then a real consumer thread catches up and the first request
is counted: it applies none of the backlog.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from catalog import models
from catalog.outbox import OutboxConsumer
from catalog.search import open_search
from catalog.services import requests, passports
from catalog.services import records as r
from catalog.services.context import Context
from tests.test_requests import as_user, describe_and_optimise, good_request, world  # noqa: F401 (a fixture)


def newest_event(app) -> int:
    with app.extensions["catalog"].sessions() as session:
        return session.scalar(select(func.max(models.ChangeEvent.id))) or 0


def large_import(app, processes: int) -> int:
    """A generated catalogue loaded in one transaction, as a large import writes it; returns its events."""
    from catalog.demo.generator import generate
    from catalog.demo.loader import load_catalogue

    with app.extensions["catalog"].sessions() as session:
        ctx = Context(session=session, is_system=True, autocommit=False)
        load_catalogue(ctx, generate(processes), None)
        session.commit()
        return session.scalar(select(func.count()).select_from(models.ChangeEvent))


def many_services(app, count: int) -> None:
    """``count`` new services written in one transaction (a bulk change on a catalogue already filled)."""
    with app.extensions["catalog"].sessions() as session:
        ctx = Context(session=session, is_system=True, autocommit=False, bulk=True)
        for number in range(count):
            r.create_record(ctx, "services", {"name": f"Пакетная услуга номер {number}", "kind": "service"})
        session.commit()


def until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def consumer(app):
    """The consumer ``catalog serve`` starts, for real, in a thread of this app."""
    from web.outbox import start

    app.config["CATALOG"].outbox_interval = 0.1
    started = []

    def begin():
        started.append(start(app))
        return started[-1]

    yield begin
    for running in started:
        running.stop()


@pytest.fixture
def external_app(database_url, tmp_path):
    """A server whose consumer runs as another process (``catalog outbox follow``): requests apply only the tail."""
    from web import create_app

    app = create_app(database_url=database_url, instance_path=tmp_path / "instance", secret_key="test-secret",
                     outbox_consumer="external", outbox_tail=50)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app
    app.extensions["catalog"].close()


def test_after_a_large_import_the_consumer_catches_up_and_the_first_search_applies_nothing(app, client, consumer):
    events = large_import(app, 520)
    assert events >= 5000
    newest = newest_event(app)
    # The server restarts: the index has seen none of it, and its consumer starts.
    running = consumer()
    assert running.wait_caught_up(timeout=60), running.errors
    assert running.feeds["search"].position() == newest
    assert running.applied["search"]["consumer"] >= events
    with app.extensions["catalog"].sessions() as session:
        name = session.scalar(select(models.Process.name).order_by(models.Process.id.desc()).limit(1))
    found = client.get("/api/v1/search", query_string={"q": name, "kind": "processes"})
    assert found.status_code == 200
    assert name in [item["title"] for item in found.get_json()["items"]]
    # The first search applied none of the backlog itself.
    assert running.applied["search"]["requests"] == 0


def test_a_write_is_found_at_the_next_search_with_the_consumer_running(app, client, consumer, seed, make_user,
                                                                          token_for):
    running = consumer()
    assert running.wait_caught_up(timeout=30), running.errors
    headers = token_for(make_user("office", ["process_office"]))
    created = client.post("/api/v1/services", json={"name": "Выдача охотничьего билета", "kind": "service"},
                          headers=headers)
    assert created.status_code == 201
    assert client.get("/api/v1/search", query_string={"q": "охотничий билет"}).get_json()["total"] == 1
    record = created.get_json()
    deleted = client.delete(f"/api/v1/services/{record['id']}", query_string={"version": record["version"]},
                            headers=headers)
    assert deleted.status_code in (200, 204), deleted.get_json()
    assert client.get("/api/v1/search", query_string={"q": "охотничий билет"}).get_json()["total"] == 0
    assert running.applied["search"]["requests"] <= 2 * app.config["CATALOG"].outbox_tail


def test_with_an_external_consumer_a_request_applies_its_tail_and_leaves_a_backlog(external_app, runner):
    client = external_app.test_client()
    running = external_app.extensions["catalog"].outbox_consumer
    assert running.tail_limit == 50
    events = large_import(external_app, 20)
    assert events > 50
    # More than the tail is pending: the search answers from the index as it stands.
    answer = client.get("/api/v1/search", query_string={"q": "услуга"})
    assert answer.status_code == 200 and answer.get_json()["total"] == 0
    assert running.applied["search"]["requests"] == 0
    assert running.feeds["search"].position() == 0
    # The consumer process applies the backlog.
    out = runner.invoke("outbox", "follow", "--once")
    assert out.exit_code == 0 and f"поиск {events}" in out.output
    assert client.get("/api/v1/search", query_string={"q": "услуга"}).get_json()["total"] > 0
    assert "поиск: применено до события" in runner.invoke("outbox", "status").output
    # A user's own write fits in the tail: the request applies it and finds it.
    many_services(external_app, 3)
    assert client.get("/api/v1/search", query_string={"q": "пакетная услуга"}).get_json()["total"] == 3
    assert running.applied["search"]["requests"] == 3
    # A bulk change beyond the tail is left to the consumer, and the request stays cheap.
    many_services(external_app, 60)
    assert client.get("/api/v1/search", query_string={"q": "пакетная услуга"}).get_json()["total"] == 3
    assert running.applied["search"]["requests"] == 3
    running.run_once()
    assert client.get("/api/v1/search", query_string={"q": "пакетная услуга"}).get_json()["total"] == 63


def test_one_consumer_works_per_store_and_another_takes_over(app, seed):
    settings, sessions = app.config["CATALOG"], app.extensions["catalog"].sessions
    settings.outbox_interval = 0.05
    # Two servers on one store, each with its consumer.
    first = OutboxConsumer.for_store(settings, sessions, search=open_search(settings, sessions)).start()
    second = OutboxConsumer.for_store(settings, sessions, search=open_search(settings, sessions)).start()
    try:
        assert until(lambda: first.leading or second.leading)
        time.sleep(0.3)  # both have looked at the leases several times
        # Each projection is applied by one of them (the index's lock file and the store's lease may
        # fall to different ones), never by both.
        assert not first.held & second.held and first.held | second.held == {"search", "requests", "dashboard"}
        leader, other = (first, second) if "search" in first.held else (second, first)
        assert leader.wait_caught_up(timeout=20), leader.errors
        assert other.applied["search"]["consumer"] == 0
        leader.stop()  # the server goes away; the other takes over
        assert until(lambda: other.held == {"search", "requests", "dashboard"})
        many_services(app, 5)
        other.wake()
        assert until(lambda: other.applied["search"]["consumer"] >= 5), other.errors
        assert other.feeds["search"].pending() == 0
        assert other.feeds["search"].projection.check().clean
    finally:
        first.stop()
        second.stop()


def test_requests_are_rechecked_in_the_background(app, ctx, seed, world, consumer):  # noqa: F811
    describe_and_optimise(ctx, seed.process.id)
    filer = as_user(ctx, world["users"]["filer"])
    draft = requests.create_request(filer, good_request(seed, overlap_explanation="x"))
    request = requests.submit(filer, draft.id, draft.version)
    running = consumer()
    assert running.wait_caught_up(timeout=30), running.errors
    passports.create_passport(ctx, seed.process.id, "as_is")
    r.delete_record(ctx, "datasets", seed.dataset.id)
    running.wake()

    def reviewed():
        with app.extensions["catalog"].sessions() as session:
            return session.get(models.SystemRequest, request.id).needs_review

    assert until(reviewed), running.errors
    assert running.applied["requests"]["consumer"] >= 2


def test_a_projection_that_fails_does_not_stop_the_others(app, seed):
    """The graph server is down: search still catches up, the graph's error is kept and retried."""
    from catalog.graph import Neo4jQueries
    from catalog.graph.neo4j_backend import Neo4jGraph
    from catalog.graph.projection import Neo4jProjection

    settings, sessions = app.config["CATALOG"], app.extensions["catalog"].sessions
    graph = Neo4jGraph("bolt://127.0.0.1:1", timeout=2)
    running = OutboxConsumer.for_store(settings, sessions, search=open_search(settings, sessions),
                                       graph=Neo4jQueries(graph, Neo4jProjection(graph, sessions)))
    try:
        applied = running.run_once()
    finally:
        graph.close()
    with sessions() as session:
        assert applied["search"] == session.scalar(select(func.count()).select_from(models.ChangeEvent))
    assert applied["graph"] == 0 and "127.0.0.1:1" in running.errors["graph"]
    assert not running.wait_caught_up(timeout=0)


def test_after_a_large_import_the_first_lineage_request_applies_nothing(app, client, consumer, falkordb):
    from catalog.graph.neo4j_backend import Neo4jGraph

    Neo4jGraph(falkordb.url()).clear()
    settings = app.config["CATALOG"]
    settings.graph_backend, settings.neo4j_url, settings.outbox_tail = "neo4j", falkordb.url(), 50
    events = large_import(app, 40)
    assert events > 50
    running = consumer()
    assert running.wait_caught_up(timeout=60), running.errors
    assert running.applied["graph"]["consumer"] >= events
    with app.extensions["catalog"].sessions() as session:
        process_id = session.scalar(select(models.Process.id).order_by(models.Process.id.desc()).limit(1))
    answer = client.get(f"/api/v1/lineage/processes/{process_id}")
    assert answer.status_code == 200
    assert running.applied["graph"]["requests"] == 0
    assert running.feeds["graph"].projection.check().clean
