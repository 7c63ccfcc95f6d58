"""Fixtures in the manner of Flask's tutorial: ``app``, ``client``, ``runner``, a fresh database per test.

Every test that uses the store runs twice: on SQLite and on a throwaway
PostgreSQL server that the session starts and stops. Set
``CATALOG_TEST_DATABASES=sqlite`` to run only one while working.
"""
from __future__ import annotations

import gc
import itertools
import os
import warnings
import shutil
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from catalog.db import make_engine, migrate
from catalog.services.context import Context
from tests.pgserver import PostgresServer

DATABASES = os.environ.get("CATALOG_TEST_DATABASES", "sqlite,postgresql").split(",")
_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_server():
    server = PostgresServer().start()
    engine = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CREATE DATABASE catalog_template"))
    engine.dispose()
    template = make_engine(server.url("catalog_template"))
    migrate(template)
    template.dispose()
    yield server
    gc.collect()  # close pooled connections of finished tests while the server still answers
    server.stop()


def new_database(request, kind: str, tmp_path, prefix: str = "test", template: str | None = None) -> str:
    """An empty, migrated database (a copy of the SQLite template, or a PostgreSQL one made from its template),
    or a copy of ``template``: a SQLite file or a PostgreSQL database name."""
    if kind == "sqlite":
        path = tmp_path / f"{prefix}_{next(_counter)}.db"
        shutil.copy(template or request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server = request.getfixturevalue("pg_server")
    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    engine = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template or "catalog_template"}"'))
    engine.dispose()
    return server.url(name)


@dataclass
class DemoTemplate:
    database: str  # a SQLite file, or a PostgreSQL database name
    search: object  # the instance's search folder, caught up with the store
    counts: dict


@pytest.fixture(scope="session")
def demo_templates():
    """The demo region loaded once per session and store, when a test first asks for it."""
    return {}


def _demo_template(request, kind: str) -> DemoTemplate:
    built = request.getfixturevalue("demo_templates")
    if kind not in built:
        from catalog.demo.loader import load_demo
        from catalog.services import search
        from web import create_app

        root = request.getfixturevalue("tmp_path_factory").mktemp(f"demo-{kind}")
        url = new_database(request, kind, root, "demo")
        app = create_app(database_url=url, instance_path=root / "instance", secret_key="test-secret")
        ctx = system_context(app)
        counts = load_demo(ctx)
        search.catch_up(ctx)
        ctx.session.close()
        app.extensions["catalog"].close()
        database = url.removeprefix("sqlite:///") if kind == "sqlite" else url.rsplit("/", 1)[1]
        built[kind] = DemoTemplate(database, root / "instance" / "search", counts)
    return built[kind]


def demo_database(request, kind: str, tmp_path) -> str:
    """A copy of the demo region for ``tmp_path / "instance"``: the database, and the search folder beside it."""
    template = _demo_template(request, kind)
    shutil.copytree(template.search, tmp_path / "instance" / "search")
    return new_database(request, kind, tmp_path, template=template.database)


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """A fresh database per test: empty, or the demo region's when the test asks for ``demo_region``."""
    if "demo_region" not in request.fixturenames:
        return new_database(request, request.param, tmp_path)
    return demo_database(request, request.param, tmp_path)


@pytest.fixture
def demo_region(ctx, request):
    """The demo region, loaded once per session and store and copied for the test: what the loader counted."""
    return _demo_template(request, ctx.session.get_bind().dialect.name).counts


@pytest.fixture
def app(database_url, tmp_path):
    from web import create_app

    app = create_app(database_url=database_url, instance_path=tmp_path / "instance", secret_key="test-secret")
    # Forms are posted without tokens in most tests; test_auth checks CSRF with it on.
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app
    app.extensions["catalog"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(database_url, tmp_path, monkeypatch):
    from catalog.cli import main

    monkeypatch.setenv("CATALOG_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("CATALOG_SECRET_KEY", "test-secret")

    class Runner:
        def invoke(self, *args, input=None):
            return CliRunner().invoke(main, ["--database-url", database_url, *args], input=input,
                                      catch_exceptions=False)

    return Runner()


def system_context(app) -> Context:
    """A system context on a new session of the app's database (what the CLI uses); the caller closes the session."""
    from catalog.search import open_search

    sessions = app.extensions["catalog"].sessions
    settings = app.config["CATALOG"]
    return Context(session=sessions(), is_system=True, system_actor="тест", settings=settings,
                   search=open_search(settings, sessions))


@pytest.fixture
def ctx(app):
    """A system context on the test database (what the CLI uses)."""
    context = system_context(app)
    yield context
    context.session.close()


@dataclass
class Seed:
    agency: object
    other_agency: object
    person: object
    other_person: object
    service: object
    process: object
    dataset: object
    mart: object


@pytest.fixture
def seed(ctx):
    """A small catalogue: two agencies, a service, a process, a dataset exposed by a mart."""
    from catalog.services import records as r

    agency = r.create_record(ctx, "agencies", {"code": "MINSOC", "name": "Министерство социальной защиты", "kind": "executive"})
    other = r.create_record(ctx, "agencies", {"code": "MINZDRAV", "name": "Министерство здравоохранения", "kind": "executive"})
    person = r.create_record(ctx, "people", {"full_name": "Иванова Мария Петровна", "position": "начальник отдела", "agency_id": agency.id})
    other_person = r.create_record(ctx, "people", {"full_name": "Петров Пётр Ильич", "position": "консультант", "agency_id": other.id})
    service = r.create_record(ctx, "services", {"name": "Назначение ежемесячной выплаты на ребёнка", "kind": "service", "is_mszu": True, "agency_id": agency.id})
    process = r.create_record(ctx, "processes", {
        "agency_id": agency.id, "registry_id": "001", "service_id": service.id,
        "name": "Приём заявления о назначении выплаты", "responsible_id": person.id, "status": "queued_research",
    })
    dataset = r.create_record(ctx, "datasets", {"name": "Сведения о получателях выплат", "owner_agency_id": agency.id})
    mart = r.create_record(ctx, "marts", {"name": "Витрина мер социальной поддержки", "kind": "smev4", "owner_agency_id": agency.id})
    r.create_record(ctx, "links", {"link_type": "EXPOSES", "source_kind": "marts", "source_id": mart.id,
                                   "target_kind": "datasets", "target_id": dataset.id})
    return Seed(agency, other, person, other_person, service, process, dataset, mart)


@pytest.fixture
def make_user(ctx):
    from catalog.services import users

    def make(login, roles, agency_ids=(), mart_ids=(), password="пароль-тест", level=None, position=None,
             person_agency=None):
        """A user; with ``level`` also the person of the catalogue it is (issue 16: visas go by position),
        in ``person_agency`` (its first agency by default; ``"office"``: the process office)."""
        person_id = None
        if level:
            person_id = make_person(login.capitalize(), level, position, person_agency or (agency_ids or [None])[0]).id
        return users.create_user(ctx, login, login.capitalize(), password, list(roles), list(agency_ids), list(mart_ids),
                                 person_id=person_id)

    def make_person(name, level, position=None, agency=None):
        from catalog.enums import OfficialLevel

        agency_id = process_office(ctx).id if agency in ("office", None) else agency
        return r.create_record(ctx, "people", {"full_name": name, "position": position or OfficialLevel.label_of(level),
                                               "level": level, "agency_id": agency_id})

    from catalog.services import records as r

    make.person = make_person
    return make


def process_office(ctx):
    """The process office (Leningrad 2.13: a department of the Committee), made once per test database."""
    from sqlalchemy import select

    from catalog import models
    from catalog.services import records as r

    found = ctx.session.scalar(select(models.Agency).where(models.Agency.code == "PROCOFFICE"))
    return found or r.create_record(ctx, "agencies", {
        "code": "PROCOFFICE", "name": "Департамент процессного управления и государственных услуг", "kind": "process_office"})



@pytest.fixture
def token_for(ctx):
    from catalog.services import users

    def issue(user):
        return {"Authorization": f"Bearer {users.create_token(ctx, user.id, 'тест').secret}"}

    return issue


@pytest.fixture
def login(client):
    def do(login, password="пароль-тест"):
        return client.post("/login", data={"login": login, "password": password}, follow_redirects=False)

    return do


@dataclass
class Tiny:
    S: str
    D: str
    M: str
    P: str
    V: str
    L: str
    A: str
    R: str
    stored_link: int


@pytest.fixture
def tiny(ctx):
    """The small catalogue of the graph contract (tests/test_graph_contract.py)."""
    from catalog.services import records as r

    def make(kind, data):
        return r.create_record(ctx, kind, data)

    def link(link_type, source, target, **extra):
        return make("links", {"link_type": link_type, "source_kind": source[0], "source_id": source[1].id,
                              "target_kind": target[0], "target_id": target[1].id, **extra})

    agency = make("agencies", {"code": "MINSOC", "name": "Минсоцзащиты", "kind": "executive"})
    person = make("people", {"full_name": "Иванова Мария", "position": "начальник отдела", "agency_id": agency.id})
    service = make("services", {"name": "Выплата на ребёнка", "kind": "service", "agency_id": agency.id})
    situation = make("life-situations", {"name": "Рождение ребёнка"})
    system = make("systems", {"name": "АСП", "legal_kind": "regional", "stage": "operation"})
    dataset = make("datasets", {"name": "Доходы граждан"})
    result = make("datasets", {"name": "Реестр получателей"})
    mart = make("marts", {"name": "Витрина доходов", "kind": "smev4", "owner_agency_id": agency.id,
                          "host_system_id": system.id})
    process = make("processes", {"agency_id": agency.id, "registry_id": "001", "service_id": service.id,
                                 "name": "Назначение выплаты", "responsible_id": person.id, "status": "researching"})
    stored = link("STORED_IN", ("datasets", dataset), ("systems", system))
    link("CONSUMES", ("processes", process), ("datasets", dataset), transport="paper", frequency="monthly")
    link("EXPOSES", ("marts", mart), ("datasets", dataset))
    link("PRODUCES", ("processes", process), ("datasets", result))
    link("IN_SITUATION", ("services", service), ("life-situations", situation))
    from catalog.graph.model import uid
    return Tiny(uid("systems", system.id), uid("datasets", dataset.id), uid("marts", mart.id),
                uid("processes", process.id), uid("services", service.id), uid("life-situations", situation.id),
                uid("agencies", agency.id), uid("datasets", result.id), stored.id)


GRAPH_BACKENDS = os.environ.get("CATALOG_TEST_GRAPHS", "sql,neo4j").split(",")
# A real Neo4j server, when one is given: the same contract runs against it too.
if os.environ.get("NEO4J_URL"):
    GRAPH_BACKENDS.append("neo4j-server")


@pytest.fixture(params=GRAPH_BACKENDS)
def graph_backend_name(request):
    return request.param


@pytest.fixture
def graph(graph_backend_name, ctx, app, tiny, request):
    """A graph backend over the test store: the store itself, or a FalkorDB projection of it."""
    from catalog.graph import SqlGraph

    if graph_backend_name == "sql":
        yield SqlGraph(ctx.session)
        return
    yield request.getfixturevalue("neo4j_server_graph" if graph_backend_name == "neo4j-server" else "projected_graph")


@pytest.fixture
def refresh(graph_backend_name, request):
    """Bring the backend up to date with the store (the neo4j projection syncs the outbox)."""
    if graph_backend_name == "sql":
        return lambda: None
    queries = request.getfixturevalue("neo4j_server_graph" if graph_backend_name == "neo4j-server" else "projected_graph")
    return queries.catch_up


@pytest.fixture(scope="session")
def falkordb_process():
    """A FalkorDB server speaking Bolt, started on loopback for the session (per xdist worker)."""
    from tests.falkordb_server import FalkorDBServer

    server = FalkorDBServer().start()
    yield server
    server.stop()


@pytest.fixture
def falkordb(falkordb_process):
    """The session's FalkorDB, started again (with a warning carrying its log) if it has died."""
    dead_log = falkordb_process.ensure_running()
    if dead_log is not None:
        warnings.warn(f"FalkorDB had stopped and was started again; the end of its log:\n{dead_log}")
    return falkordb_process


@pytest.fixture
def projected_graph(falkordb, app, tiny):
    """The neo4j backend over FalkorDB, rebuilt from this test's store."""
    queries = _projected(falkordb.url(), None, None, app)
    yield queries
    queries.graph.close()


def _projected(url, user, password, app):
    from catalog.graph import Neo4jQueries
    from catalog.graph.neo4j_backend import Neo4jGraph
    from catalog.graph.projection import Neo4jProjection

    graph = Neo4jGraph(url, user, password)
    projection = Neo4jProjection(graph, app.extensions["catalog"].sessions)
    projection.rebuild()
    return Neo4jQueries(graph, projection)


@pytest.fixture
def neo4j_server_graph(app, tiny):
    """The neo4j backend on the Neo4j server named by NEO4J_URL (NEO4J_USER, NEO4J_PASSWORD)."""
    queries = _projected(os.environ["NEO4J_URL"], os.environ.get("NEO4J_USER"), os.environ.get("NEO4J_PASSWORD"), app)
    yield queries
    queries.graph.close()


@pytest.fixture(scope="session")
def oxigraph_process():
    """An Oxigraph server (the SPARQL store of a shared deployment) on loopback for the session."""
    from tests.oxigraph_server import OxigraphServer

    server = OxigraphServer().start()
    yield server
    server.stop()


@pytest.fixture
def oxigraph(oxigraph_process):
    """The session's Oxigraph server, emptied for this test (started again if it has died)."""
    if not oxigraph_process.alive():
        warnings.warn(f"Oxigraph had stopped and was started again; the end of its log:\n{oxigraph_process.log_tail()}")
        oxigraph_process.start()
    oxigraph_process.clear()
    return oxigraph_process
