"""SPARQL's limits hold across server processes and machines (issue 19): the admission is counted in
the store (``sparql_admissions``), not in each process.

Real ``catalog serve`` processes on loopback share one store: on SQLite, one server with two worker
processes (one machine, the embedded SPARQL store); on PostgreSQL, two servers with instance folders
of their own and one Oxigraph server (two machines, the shared deployment).
Each test talks to two different processes through connections kept open on them.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import delete, func, select, update

from catalog import models
from catalog.db import make_engine
from catalog.linked import sparql
from tests.conftest import DATABASES, new_database
from tests.test_server_workers import call, connections_on_each, prepare, serving, start

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self"), reason="reads /proc to tell processes apart")

TIMEOUT = 4  # CATALOG_SPARQL_TIMEOUT of the servers: how long the slow query below holds its place
# 10⁸ solutions to count whatever the graph holds: far longer than the time limit, stopped at it.
_VALUES = " ".join(str(i) for i in range(100))
SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?{v} {{ {_VALUES} }}" for v in "abcd") + " }")
ASK = "ASK {}"


class Pair:
    """Two server processes on one store: ``first`` and ``second`` are connections kept open on each."""

    def __init__(self, first, also_first, second, crash_first, engine, admin):
        self.first, self.second, self.crash_first, self.engine, self.admin = first, second, crash_first, engine, admin
        self.also_first = also_first  # a second connection on the first process, to ask while it is busy

    def sparql(self, connection, query: str, signed_in: bool = False):
        headers = {"Accept": "application/sparql-results+json"}
        if signed_in:
            headers["Authorization"] = self.admin["Authorization"]
        status, answer, got = call(connection, "GET", f"/api/v1/sparql?query={quote(query)}", headers=headers)
        if isinstance(answer, str) and answer.startswith("{"):
            answer = json.loads(answer)
        return status, answer, got

    def rows(self, **where) -> int:
        table = models.SparqlAdmission.__table__
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table).where(
                *[table.c[name] == value for name, value in where.items()]))


def _ready(pair: Pair) -> None:
    """Both processes answer SPARQL (a new store's first build is out); signed in, so nothing is
    counted for the anonymous per-minute limit."""
    for connection in (pair.first, pair.second):
        deadline = time.monotonic() + 25
        while True:
            status, answer, _ = pair.sparql(connection, ASK, signed_in=True)
            if status == 200:
                break
            assert status == 503 and "ещё не построен" in answer["error"], answer
            assert time.monotonic() < deadline, "the SPARQL store was not built within 25 s"
            time.sleep(0.2)


def _another_on(server, pid: int):
    """One more kept connection on that worker process (connections go to whichever accepts first)."""
    spare = []
    try:
        for _ in range(60):
            connection = server.connect()
            call(connection, "GET", "/api/v1/agencies")
            if server.worker_of(connection) == pid:
                return connection
            spare.append(connection)
        raise AssertionError(f"no second connection reached process {pid}")
    finally:
        for connection in spare:
            connection.close()


def _kill_with_children(pid: int) -> None:
    """A worker process crashes, and with it the child running its query (which would otherwise
    count to its end unwatched)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for process in (pid, *map(int, children)):
        try:
            os.kill(process, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module", params=DATABASES)
def pair(request, tmp_path_factory):
    kind = request.param
    tmp_path = tmp_path_factory.mktemp(f"admission_{kind}")
    database_url = new_database(request, kind, tmp_path)
    limits = dict(CATALOG_SPARQL_MAX_CONCURRENT=1, CATALOG_SPARQL_MAX_PER_CLIENT=1,
                  CATALOG_SPARQL_ANONYMOUS_PER_MINUTE=2, CATALOG_SPARQL_TIMEOUT=TIMEOUT, CATALOG_KEEPALIVE=60)
    engine = make_engine(database_url)
    if kind == "sqlite":  # one machine: one server, two worker processes
        admin = prepare(database_url, tmp_path / "instance")
        with serving(start(database_url, tmp_path / "instance", 2, tmp_path, **limits)) as (server,):
            on = connections_on_each(server)
            (first_pid, first), (_, second) = on.items()
            yield Pair(first, _another_on(server, first_pid), second, lambda: _kill_with_children(first_pid),
                       engine, admin)
    else:  # two machines: two servers with instance folders of their own on one PostgreSQL and one
        # Oxigraph server, as README's shared deployment
        from tests.oxigraph_server import OxigraphServer

        oxigraph = OxigraphServer(query_timeout=TIMEOUT).start()
        limits["CATALOG_SPARQL_URL"] = oxigraph.url()
        admin = prepare(database_url, tmp_path / "a")
        try:
            with serving(start(database_url, tmp_path / "a", 1, tmp_path, "a", **limits),
                         start(database_url, tmp_path / "b", 1, tmp_path, "b", **limits)) as (a, b):
                yield Pair(a.connect(), a.connect(), b.connect(), lambda: os.killpg(a.process.pid, signal.SIGKILL),
                           engine, admin)
        finally:
            oxigraph.stop()
    engine.dispose()


@pytest.fixture
def fresh(pair):
    """Both processes answering, and nothing counted from an earlier test."""
    _ready(pair)
    with pair.engine.begin() as connection:
        connection.execute(delete(models.SparqlAdmission.__table__))
    return pair


def _slow_query_running_in_first(pair: Pair) -> tuple[threading.Thread, dict]:
    """The slow query sent to the first process, signed in, and holding its place."""
    for attempt in range(5):
        answer: dict = {}

        def ask(answer=answer):
            try:
                answer["result"] = pair.sparql(pair.first, SLOW, signed_in=True)
            except OSError as error:  # the process was killed under it (the crash test)
                answer["lost"] = error

        worker = threading.Thread(target=ask, daemon=True)
        worker.start()
        # A head start, longer at each attempt: a probe admitted before the slow query arrives holds the only
        # place while it runs, and the slow query is refused (on a busy machine, try after try).
        time.sleep(0.2 * (attempt + 1))
        # Running once its own process refuses the same user a second query (as one process always did).
        deadline = time.monotonic() + 10
        while pair.sparql(pair.also_first, ASK, signed_in=True)[0] != 429:
            if not worker.is_alive():
                break
            assert time.monotonic() < deadline, "the slow query did not start within 10 s"
            time.sleep(0.05)
        else:
            return worker, answer
        # A probe held the only place as the slow query came: it was refused at once; send it again.
        assert answer["result"][0] in (429, 503), answer
    raise AssertionError("the slow query never got its place")


def test_a_query_running_in_one_process_fills_the_endpoint_for_the_other(fresh):
    """CATALOG_SPARQL_MAX_CONCURRENT=1 and …_PER_CLIENT=1 for the deployment, not for each process."""
    pair = fresh
    worker, slow = _slow_query_running_in_first(pair)
    try:
        status, answer, headers = pair.sparql(pair.second, ASK)  # anyone else, on the other process
        assert status == 503, answer
        assert answer["error"] == ("Точка доступа SPARQL занята: уже выполняется запросов — 1. "
                                   "Повторите через несколько секунд.")
        assert int(headers["Retry-After"]) > 0
        status, answer, _ = pair.sparql(pair.second, ASK, signed_in=True)  # the same user, on the other process
        assert status == 429, answer
        assert answer["error"] == "Ваш предыдущий запрос SPARQL ещё выполняется: дождитесь его ответа."
        assert worker.is_alive()  # both refused while the slow query still ran
    finally:
        worker.join(TIMEOUT + 15)
    status, answer, _ = slow["result"]
    assert status == 400 and f"дольше {TIMEOUT} с" in answer["error"], answer
    assert pair.rows(running=True) == 0  # its place was given back when it ended
    assert pair.sparql(pair.second, ASK)[0] == 200
    assert pair.sparql(pair.second, ASK, signed_in=True)[0] == 200


def test_anonymous_queries_of_the_minute_are_counted_over_both_processes(fresh):
    """CATALOG_SPARQL_ANONYMOUS_PER_MINUTE=2: one query through each process, and the third is refused
    on either (each process alone would allow two)."""
    pair = fresh
    assert pair.sparql(pair.first, ASK)[0] == 200
    assert pair.sparql(pair.second, ASK)[0] == 200
    for connection in (pair.first, pair.second):
        status, answer, headers = pair.sparql(connection, ASK)
        assert status == 429, answer
        assert answer["error"].startswith("Слишком много запросов SPARQL без входа с этого адреса: "
                                          "не больше 2 в минуту. Повторите через ")
        assert 0 < int(headers["Retry-After"]) <= 61
    assert pair.sparql(pair.first, ASK, signed_in=True)[0] == 200  # signing in is the way on
    # The finished queries keep their minute, not a running place.
    assert pair.rows(anonymous=True) == 2 and pair.rows(running=True) == 0


def test_the_record_is_bounded_old_rows_go_as_queries_come(fresh):
    """A row from before the minute (and past the time limit) is deleted by the next admission."""
    pair = fresh
    assert pair.sparql(pair.first, ASK)[0] == 200
    table = models.SparqlAdmission.__table__
    with pair.engine.begin() as connection:  # as if that query had been sent long ago
        connection.execute(update(table).values(started_at=datetime.now(timezone.utc) - timedelta(minutes=5)))
    assert pair.sparql(pair.second, ASK)[0] == 200
    assert pair.sparql(pair.first, ASK)[0] == 200  # the old one no longer counts for the minute
    assert pair.rows() == 2  # the old row is gone: only this minute's two are kept


def test_a_place_left_by_a_crashed_process_expires(fresh):
    """A process killed while its query runs never frees its place: the place counts until the time
    limit plus a margin have passed, then no longer, so a crash never locks SPARQL out. (Runs last: it
    kills the first process.)"""
    pair = fresh
    worker, _ = _slow_query_running_in_first(pair)
    pair.crash_first()
    worker.join(10)
    status, answer, _ = pair.sparql(pair.second, ASK)
    assert status == 503 and "занята" in answer["error"], answer  # it may still be running, for all we know
    assert pair.rows(running=True) == 1  # left behind
    # Time passes: the row is now older than the time limit plus the margin.
    table = models.SparqlAdmission.__table__
    past = datetime.now(timezone.utc) - timedelta(seconds=TIMEOUT + sparql.ADMISSION_MARGIN + 1)
    with pair.engine.begin() as connection:
        connection.execute(update(table).where(table.c.running.is_(True)).values(started_at=past))
    status, answer, _ = pair.sparql(pair.second, ASK, signed_in=True)
    assert status == 200, answer
    assert pair.sparql(pair.second, ASK)[0] == 200


def test_a_dump_leaves_the_admission_out_and_a_restore_ignores_it(client, runner, database_url, tmp_path, request):
    """The admission's rows live a minute: a dump has none of them, and a fresh catalogue where someone
    just sent a SPARQL query is still empty enough to restore into."""
    import gzip

    from click.testing import CliRunner

    from catalog.cli import main
    from tests.test_cli import _empty_database

    assert client.get("/api/v1/sparql", query_string={"query": ASK}).status_code == 200  # anonymous: a row stays
    path = tmp_path / "catalog.jsonl.gz"
    assert runner.invoke("dump", str(path)).exit_code == 0
    tables = {json.loads(line).get("t") for line in gzip.open(path, "rt", encoding="utf-8")}
    assert "sparql_admissions" not in tables and "processes" in tables
    target = _empty_database(database_url, tmp_path, request)
    engine = make_engine(target)
    with engine.begin() as connection:  # a query sent to the new catalogue a moment ago
        connection.execute(models.SparqlAdmission.__table__.insert().values(
            client="address:10.0.0.9", anonymous=True, running=False, started_at=datetime.now(timezone.utc)))
    engine.dispose()
    restored = CliRunner().invoke(main, ["--database-url", target, "restore", str(path)], catch_exceptions=False)
    assert restored.exit_code == 0, restored.output


def test_a_query_is_refused_not_failed_while_a_long_write_holds_sqlite(client, database_url):
    """SQLite: while another writer (a whole-file import) holds the file's write lock, the admission
    cannot record the query: it is refused with the Russian 503 and Retry-After after a short wait,
    never an error page; once the lock is free the query runs."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no file-wide write lock")
    import sqlite3

    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    try:
        writer.execute("BEGIN IMMEDIATE")  # the write lock, as a long import holds it
        refused = client.get("/api/v1/sparql", query_string={"query": ASK})
        assert refused.status_code == 503
        assert refused.get_json()["error"] == "Точка доступа SPARQL занята: повторите через несколько секунд."
        assert int(refused.headers["Retry-After"]) > 0
    finally:
        writer.rollback()
        writer.close()
    assert client.get("/api/v1/sparql", query_string={"query": ASK}).status_code == 200
