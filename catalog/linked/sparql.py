"""A read-only SPARQL endpoint over the catalogue's graph.

The graph is the shared SPARQL store (catalog/linked/store.py): an on-disk Oxigraph store that every
process opens read-only, or an Oxigraph server; the outbox consumer keeps it in step record by record,
so nothing is rebuilt after a change and a fresh process answers at once. Queries never write to it;
update requests are refused before they reach the store anyway.
Each query has a time limit and a row limit (``Settings.sparql_timeout``, ``sparql_max_rows``). On the
embedded store it runs in a forked child that reads the checkpoint the parent opened, with a memory
limit and no way to open a file or a socket (``sparql_max_memory_mb``); on a server, the server runs it
and the HTTP answer has the time limit. Queries that would reach beyond the catalogue's graph
(``SERVICE``, ``FROM``, ``FROM NAMED``) are refused before evaluation. Queries running at once are
limited overall and per client (``sparql_max_concurrent``, ``sparql_max_per_client``) and refused at
once beyond, so SPARQL never holds more than that many of the server's threads; anonymous queries can
be switched off and are limited per address and minute (``sparql_anonymous``, ``sparql_anonymous_per_minute``).
These limits are counted in the store (``sparql_admissions``, ``admit`` and ``leave``), so they hold for
every server process and machine of a deployment: entering is one short transaction ordered between
processes, leaving frees the row, and a row a crashed process left running stops counting after the
time limit plus ``ADMISSION_MARGIN``.
"""
from __future__ import annotations

import csv
import io
import logging
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pyoxigraph as ox
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from catalog import models
from catalog.db import make_session_factory
from catalog.errors import BadParameter, CatalogError, Unauthorized
from catalog.linked import export, vocab
from catalog.linked import store as linked_store
from catalog.services import permissions
from catalog.services.context import Context

log = logging.getLogger(__name__)

# Prefixes every query may use without declaring them.
PREFIXES = {**vocab.PREFIXES, "dcatap": str(vocab.DCATAP)}
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
MAX_QUERY_CHARS = 100_000


class QueryRefused(BadParameter):
    """A query the endpoint will not run or could not finish (400, naming the parameter ``query``)."""

    status = 400  # the SPARQL protocol's answer to a query it will not run, unlike other parameters' 422


class Busy(CatalogError):
    """Every SPARQL place is taken (503)."""

    status = 503

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


class TooMany(Busy):
    """This client already runs a query, or sent too many this minute (429)."""

    status = 429


@dataclass
class Example:
    slug: str
    title: str
    description: str
    query: str


EXAMPLES = [
    Example(
        "egrn-consumers", "Процессы, потребляющие данные ЕГРН",
        "Процессы, которые используют наборы данных, сущности, документы или витрины ЕГРН: по названию данных "
        "или по системе, в которой они хранятся или размещены.",
        """SELECT DISTINCT ?process ?processName ?agencyName ?data ?dataName WHERE {
  ?process a pdc:Process ;
           dct:title ?processName ;
           pdc:ownedBy/skos:prefLabel ?agencyName ;
           prov:used ?data .
  ?data dct:title ?dataName .
  OPTIONAL { ?data (pdc:storedIn|pdc:dataset/pdc:storedIn|pdc:hostSystem) ?system .
             ?system skos:altLabel ?systemName . }
  FILTER(CONTAINS(?dataName, "ЕГРН") || CONTAINS(COALESCE(?systemName, ""), "ЕГРН"))
}
ORDER BY ?processName""",
    ),
    Example(
        "stale-marts", "Витрины с устаревшей проверкой качества",
        "Витрины данных, у которых качество не проверялось больше года или не проверялось вовсе, "
        "с показателями полноты, достоверности и актуальности.",
        """SELECT ?mart ?martName ?checkedOn ?completeness ?accuracy ?timeliness WHERE {
  ?mart a pdc:DataMart ; dct:title ?martName .
  OPTIONAL { ?mart pdc:qualityCheckedOn ?checkedOn }
  OPTIONAL { ?mart pdc:completeness ?completeness }
  OPTIONAL { ?mart pdc:accuracy ?accuracy }
  OPTIONAL { ?mart pdc:timeliness ?timeliness }
  FILTER(!BOUND(?checkedOn) || ?checkedOn < xsd:date(NOW()) - "P365D"^^xsd:dayTimeDuration)
}
ORDER BY ?checkedOn""",
    ),
    Example(
        "systems-without-fgis-ki", "Системы без номера паспорта в ФГИС КИ",
        "Информационные системы, у которых не указан номер паспорта в ФГИС КИ, с видом, стадией и оператором.",
        """SELECT ?system ?systemName ?legalKind ?stage ?operatorName WHERE {
  ?system a pdc:InformationSystem ; dct:title ?systemName .
  FILTER NOT EXISTS { ?system pdc:fgisKiNumber ?number }
  OPTIONAL { ?system pdc:legalKind/skos:prefLabel ?legalKind FILTER(LANG(?legalKind) = "ru") }
  OPTIONAL { ?system pdc:stage/skos:prefLabel ?stage FILTER(LANG(?stage) = "ru") }
  OPTIONAL { ?system pdc:operator/skos:prefLabel ?operatorName }
}
ORDER BY ?systemName""",
    ),
    Example(
        "paper-requests", "Бумажные запросы данных, которые уже есть в витрине",
        "Процессы, которые получают данные на бумаге, хотя витрина данных их уже предоставляет: "
        "кандидаты на переход к запросу через СМЭВ.",
        """SELECT DISTINCT ?process ?processName ?data ?dataName ?mart ?martName WHERE {
  ?link a pdc:Link ;
        pdc:linkType <https://w3id.org/process-data-catalog/vocab/link-type/CONSUMES> ;
        pdc:transport <https://w3id.org/process-data-catalog/vocab/transport/paper> ;
        pdc:source ?process ; pdc:target ?data .
  ?mart pdc:exposes ?data ; dct:title ?martName .
  ?process dct:title ?processName .
  ?data dct:title ?dataName .
}
ORDER BY ?processName""",
    ),
    Example(
        "processes-by-status", "Процессы по статусам реинжиниринга",
        "Сколько процессов реестра в каждом из семи статусов.",
        """SELECT ?status (COUNT(?process) AS ?processes) WHERE {
  ?process a pdc:Process ; pdc:status/skos:prefLabel ?status .
  FILTER(LANG(?status) = "ru")
}
GROUP BY ?status
ORDER BY DESC(?processes)""",
    ),
]
EXAMPLES_BY_SLUG = {e.slug: e for e in EXAMPLES}


# --- the store ---------------------------------------------------------------------------


def catalogue_version(ctx: Context) -> int:
    return ctx.session.scalar(select(func.max(models.ChangeEvent.id))) or 0


def build_store(ctx: Context) -> ox.Store:
    """The whole graph in a new in-memory store, from the streaming export: what every web process
    used to hold (kept for the tests and the benchmark, which compare the shared store with it)."""
    store = ox.Store()
    buffer: list[str] = []
    size = 0
    for chunk in export.stream(ctx, "nt"):
        buffer.append(chunk)
        size += len(chunk)
        if size > 4_000_000:
            store.load("".join(buffer).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
            buffer, size = [], 0
    if buffer:
        store.load("".join(buffer).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


@dataclass
class GraphView:
    """The graph a query runs on: the shared store as of change event ``version``."""

    shared: linked_store.SparqlStore
    version: int
    current_version: int
    store: ox.Store | None = None  # the embedded store's current checkpoint; None for a server

    @property
    def stale(self) -> bool:
        """The catalogue changed since: the outbox consumer has not applied the change yet."""
        return self.version < self.current_version


def shared_store(ctx: Context) -> linked_store.SparqlStore:
    return linked_store.open_store(ctx.settings, make_session_factory(ctx.session.get_bind()))


def _unavailable(error: Exception) -> Busy:
    return Busy(f"Граф SPARQL пока недоступен ({error}). Повторите через несколько секунд.", retry_after=5)


def _view(ctx: Context, shared: linked_store.SparqlStore, optional: bool = False) -> GraphView | None:
    current = catalogue_version(ctx)
    if isinstance(shared, linked_store.EmbeddedStore):
        found = shared.checkpoint(optional=optional)
        if found is None:
            return None
        store, position = found
        return GraphView(shared, position, current, store)
    return GraphView(shared, shared.position(), current)


def store_for(ctx: Context) -> GraphView:
    """The shared store of this catalogue, caught up with the outbox as far as a request may.

    With an outbox consumer (``catalog serve``) a request applies at most a short tail and a longer
    backlog is the consumer's (the answer then says it is stale); without one (the command line,
    ``CATALOG_OUTBOX_CONSUMER=off``) the process that writes the store applies everything pending.
    Nothing is rebuilt after a change: only the changed records' graphs are replaced."""
    permissions.require_read(ctx)
    shared = shared_store(ctx)
    try:
        if ctx.outbox is not None and "sparql" in ctx.outbox.feeds:
            ctx.outbox.tail("sparql")
        else:
            shared.sync()
        return _view(ctx, shared)
    except linked_store.StoreUnavailable as error:
        raise _unavailable(error) from None


def cached_view(ctx: Context) -> GraphView | None:
    """The graph as it stands, without applying anything (for pages that only describe it)."""
    permissions.require_read(ctx)
    try:
        return _view(ctx, shared_store(ctx), optional=True)
    except linked_store.StoreUnavailable:
        return None


# --- checking the query -------------------------------------------------------------------


def _strip_comments(query: str) -> str:
    """The query without comments (a # outside IRIs and strings starts one)."""
    out, i, n = [], 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "<":
            end = query.find(">", i + 1)
            if end != -1 and not any(c.isspace() for c in query[i + 1:end]):
                out.append(query[i:end + 1])
                i = end + 1
                continue
        if ch in "\"'":
            quote = query[i:i + 3] if query[i:i + 3] in ('"""', "'''") else ch
            end = i + len(quote)
            while end < n and query[end:end + len(quote)] != quote:
                end += 2 if query[end] == "\\" else 1
            out.append(query[i:end + len(quote)])
            i = end + len(quote)
            continue
        if ch == "#":
            while i < n and query[i] != "\n":
                i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*", re.I)


def _refuse_update(word: str):
    raise QueryRefused(
        f"Запросы на изменение ({word}) запрещены: точка доступа SPARQL только читает каталог.",
        {"query": ["Разрешены только SELECT, ASK, CONSTRUCT и DESCRIBE; каталог меняется через API и страницы."]})


def _nodes(tree):
    """Every node of an rdflib SPARQL parse tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(dict.values(node))
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)


def _outside_reach(tree) -> str | None:
    """The first construct of a parsed query that reads from beyond the catalogue's graph."""
    for node in _nodes(tree):
        if node.name == "ServiceGraphPattern":
            return "SERVICE SILENT" if dict.get(node, "silent") else "SERVICE"
        if node.name == "DatasetClause":
            return "FROM NAMED" if dict.get(node, "named") is not None else "FROM"
    return None


def check_query(query: str | None, parser_fallback: bool = False) -> str:
    """Refuse, before anything runs, an empty or overlong query, an update, and federation.

    The query is parsed by rdflib's SPARQL 1.1 parser and its tree searched for ``SERVICE`` and
    dataset clauses (so comments, strings and IRIs cannot hide or fake them). A query that parser
    cannot read is refused naming the position, unless ``parser_fallback``: then Oxigraph reports
    it, in a child process that can open no socket (``_in_child_process``)."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if query is None or not query.strip():
        raise QueryRefused("Пустой запрос SPARQL.", {"query": ["Напишите запрос SELECT, ASK, CONSTRUCT или DESCRIBE."]})
    if len(query) > MAX_QUERY_CHARS:
        raise QueryRefused(f"Запрос SPARQL длиннее {MAX_QUERY_CHARS} знаков.",
                           {"query": [f"Предел — {MAX_QUERY_CHARS} знаков."]})
    body = _strip_comments(query)
    rest = body[_PROLOGUE.match(body).end():]
    word = re.match(r"[A-Za-z]+", rest)
    if word and word.group(0).upper() in UPDATE_KEYWORDS:
        _refuse_update(word.group(0).upper())
    try:
        tree = parseQuery(query)
    except (ParseBaseException, RecursionError) as error:
        try:
            update = parseUpdate(query)
        except (ParseBaseException, RecursionError):
            update = None
        if update is not None and update.request:
            _refuse_update(re.sub(r"(?<!^)(?=[A-Z])", " ", update.request[0].name).upper())
        if parser_fallback:
            return query
        where = (f"строка {error.lineno}, позиция {error.col}" if isinstance(error, ParseBaseException)
                 else "запрос")
        reason = "запрос не разобран как SPARQL 1.1" + (
            f" (ожидалось: {error.msg.removeprefix('Expected ')})" if isinstance(error, ParseBaseException) else "")
        raise QueryRefused(f"Синтаксическая ошибка SPARQL: {where}: {reason}.", {"query": [f"{where}: {reason}"]})
    construct = _outside_reach(tree)
    if construct:
        raise QueryRefused(
            f"Конструкция {construct} запрещена: точка доступа SPARQL отвечает только по графу каталога "
            "и ни к чему другому не обращается.",
            {"query": [f"Уберите {construct}: другие источники и графы (SERVICE, FROM, FROM NAMED) не запрашиваются."]})
    return query


# --- running it ---------------------------------------------------------------------------


@dataclass
class Answer:
    form: str  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)  # pyoxigraph terms or None
    boolean: bool | None = None
    triples: list = field(default_factory=list)
    elapsed_ms: float = 0.0
    graph_version: int = 0  # the change event the graph reflects
    stale: bool = False  # the catalogue changed since; the outbox consumer applies it soon


# --- who may run a query now ---------------------------------------------------------------


ADMISSION_LOCK = 727_003  # PostgreSQL advisory lock ordering admissions (727_001 outbox writers, 727_002 lease)
# Seconds past the query time limit after which a row still marked running (its process crashed, or
# the store could not be reached to clear it) stops counting: a crash never locks SPARQL out for long.
ADMISSION_MARGIN = 30.0
MINUTE = timedelta(seconds=60)
ADMISSION_WAIT = 2.0  # seconds an admission waits for SQLite's write lock before the query is refused (503)


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; the store keeps UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _expiry(settings) -> timedelta:
    return timedelta(seconds=float(settings.sparql_timeout) + ADMISSION_MARGIN)


def _live(table, now: datetime, settings):
    """Rows of queries running now (a row left by a crashed process is no longer one)."""
    return table.c.running.is_(True) & (table.c.started_at > now - _expiry(settings))


@contextmanager
def _transaction(engine, serialised: bool = True):
    """A short transaction of the admission's own, not the request's; with ``serialised``, one at a time
    between every process on the store.

    PostgreSQL: a transaction-level advisory lock taken first (as ``history.lock_outbox``). SQLite: the
    caller's first statement is a write, which takes the file's write lock (waiting up to the busy
    timeout), so the counts it then reads cannot change before it commits. Neither waits for its
    commit to reach the disk: a row lost with a power cut only frees a place or forgets a query of the
    minute, and the wait was most of the admission's cost (4–5 ms a commit on SQLite here)."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a connection's safety level cannot change inside a transaction: set it around this one
            kept = connection.exec_driver_sql("PRAGMA synchronous").scalar()
            waited = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            # A whole-file import may hold the write lock for minutes: refuse (503) after a short wait
            # rather than keep the request's thread for the store's usual 10 s.
            connection.exec_driver_sql(f"PRAGMA busy_timeout={int(ADMISSION_WAIT * 1000)}")
            connection.commit()
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SET LOCAL synchronous_commit = off"))
                    if serialised:
                        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMISSION_LOCK})
                yield connection
        finally:
            if sqlite:  # the pooled connection goes back as it came
                connection.exec_driver_sql(f"PRAGMA synchronous={int(kept)}")
                connection.exec_driver_sql(f"PRAGMA busy_timeout={int(waited)}")
                connection.commit()


def admit(ctx: Context, client: str, anonymous: bool) -> int:
    """Record a query entering, or refuse it at once: this client already runs
    ``sparql_max_per_client`` (429), ``sparql_max_concurrent`` run overall (503), or an anonymous address
    sent ``sparql_anonymous_per_minute`` this minute (429). Counted in the store, so every server process
    of a deployment, on every machine, shares the limits. Returns the row to give to ``leave``."""
    settings = ctx.settings
    table = models.SparqlAdmission.__table__
    now = datetime.now(timezone.utc)
    try:
        with _transaction(ctx.session.get_bind().engine) as connection:
            # The first statement a write (see _transaction), and what keeps the record bounded.
            connection.execute(delete(table).where(table.c.started_at <= now - max(MINUTE, _expiry(settings))))
            if anonymous:
                per_minute = int(settings.sparql_anonymous_per_minute)
                sent, oldest = connection.execute(select(func.count(), func.min(table.c.started_at)).where(
                    table.c.client == client, table.c.anonymous.is_(True), table.c.started_at > now - MINUTE)).one()
                if sent >= per_minute:
                    wait = int(60 - (now - _aware(oldest)).total_seconds()) + 1
                    raise TooMany(f"Слишком много запросов SPARQL без входа с этого адреса: не больше {per_minute} "
                                  f"в минуту. Повторите через {wait} с или войдите.", retry_after=wait)
            mine, running = connection.execute(select(
                func.count().filter(table.c.client == client), func.count()).where(_live(table, now, settings))).one()
            if mine >= int(settings.sparql_max_per_client):
                raise TooMany("Ваш предыдущий запрос SPARQL ещё выполняется: дождитесь его ответа.")
            if running >= int(settings.sparql_max_concurrent):
                raise Busy(f"Точка доступа SPARQL занята: уже выполняется запросов — {running}. "
                           "Повторите через несколько секунд.")
            return connection.execute(insert(table).values(
                client=client, anonymous=anonymous, running=True, started_at=now)).inserted_primary_key[0]
    except OperationalError:
        # SQLite's write lock held past ADMISSION_WAIT (a long write elsewhere): refused like a full endpoint.
        log.warning("SPARQL admission: the store did not answer in time", exc_info=True)
        raise Busy("Точка доступа SPARQL занята: повторите через несколько секунд.") from None


def leave(engine, admission: int, anonymous: bool) -> None:
    """The query has ended: its place is free. An anonymous query's row stays for the per-minute count."""
    table = models.SparqlAdmission.__table__
    try:
        with _transaction(engine, serialised=False) as connection:  # only ever frees: nothing to order
            if anonymous:
                connection.execute(update(table).where(table.c.id == admission).values(running=False))
            else:
                connection.execute(delete(table).where(table.c.id == admission))
    except SQLAlchemyError:
        # Never raised over the query's answer: the row stops counting after the time limit and margin.
        log.warning("SPARQL admission: a finished query's place was not freed", exc_info=True)


def running_queries(ctx: Context) -> int:
    """SPARQL queries running now in every process on this store."""
    table = models.SparqlAdmission.__table__
    now = datetime.now(timezone.utc)
    with ctx.session.get_bind().engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table).where(_live(table, now, ctx.settings)))


def client_of(ctx: Context, address: str | None) -> str:
    # Cut to the column's size: an address is at most 45 characters (IPv6), a user's id far fewer.
    return (f"user:{ctx.user.id}" if ctx.user is not None else f"address:{address or 'unknown'}")[:80]


def require_sparql(ctx: Context) -> None:
    """Who may query: whoever may read, and without signing in only while anonymous SPARQL is on."""
    permissions.require_read(ctx)
    if ctx.user is None and not ctx.is_system and not ctx.settings.sparql_anonymous:
        raise Unauthorized("Запросы SPARQL без входа выключены: войдите или пришлите токен API.")


def _evaluate(store: ox.Store, query: str, max_rows: int, cancel: threading.Event | None = None) -> dict:
    """Evaluate a query to a plain dict: {"answer": Answer} or {"syntax"|"failed"|"too_many": …}."""
    try:
        result = store.query(query, prefixes=PREFIXES)
        if isinstance(result, ox.QueryBoolean):
            return {"answer": Answer("ask", boolean=bool(result))}
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            answer = Answer("select", variables=names)
            for solution in result:
                if cancel is not None and cancel.is_set():
                    return {"cancelled": True}
                if len(answer.rows) >= max_rows:
                    return {"too_many": True}
                answer.rows.append([solution[name] for name in names])
            return {"answer": answer}
        answer = Answer("graph")
        for triple in result:
            if cancel is not None and cancel.is_set():
                return {"cancelled": True}
            if len(answer.triples) >= max_rows:
                return {"too_many": True}
            answer.triples.append(triple)
        return {"answer": answer}
    except SyntaxError as error:
        return {"syntax": str(error)}
    except MemoryError:
        raise
    except Exception as error:  # an evaluation error of the store
        return {"failed": str(error)}


def _in_thread(store: ox.Store, query: str, timeout: float, max_rows: int, release) -> dict:
    """Where processes cannot fork: the query runs in a thread, abandoned (it stops at its next
    row) when the time is up; its place is given back when the thread ends."""
    state: dict = {}
    cancel = threading.Event()

    def work():
        try:
            state.update(_evaluate(store, query, max_rows, cancel))
        except MemoryError:
            state["memory"] = True
        finally:
            release()

    thread = threading.Thread(target=work, name="sparql-query", daemon=True)
    try:
        thread.start()
    except BaseException:
        release()
        raise
    thread.join(timeout)
    if thread.is_alive():
        cancel.set()
        thread.join(1.0)  # most queries stop at their next row: their place is free for the next one
        return {"timeout": True}
    return state


def _term_from_json(item):
    if item is None:
        return None
    if item["type"] == "uri":
        return ox.NamedNode(item["value"])
    if item["type"] == "bnode":
        return ox.BlankNode(item["value"])
    if "xml:lang" in item:
        return ox.Literal(item["value"], language=item["xml:lang"])
    if "datatype" in item:
        return ox.Literal(item["value"], datatype=ox.NamedNode(item["datatype"]))
    return ox.Literal(item["value"])


MEMORY_EXIT = 3  # the child's exit code when Python ran out of the memory it may take


# socket(2) by machine: (AUDIT_ARCH_…, syscall number)
_SOCKET_SYSCALL = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}


def _forbid_sockets() -> bool:
    """A seccomp filter on this process (the forked child, one thread): socket(2) fails with EACCES,
    so no connection can be opened (SERVICE), while files can (RocksDB opens the store's files as a
    query reaches them). False where seccomp is not available (then only the query check refuses SERVICE)."""
    import ctypes
    import platform
    import struct

    arch = _SOCKET_SYSCALL.get(platform.machine())
    if arch is None:
        return False
    audit_arch, socket_nr = arch
    ld_abs, jeq, ret = 0x20, 0x15, 0x06
    errno_eacces, allow = 0x00050000 | 13, 0x7FFF0000
    program = [
        (ld_abs, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, audit_arch),
        (ret, 0, 0, errno_eacces),  # another ABI (32-bit calls): nothing at all
        (ld_abs, 0, 0, 0),  # seccomp_data.nr
        (jeq, 2, 0, socket_nr),
        (jeq, 1, 0, socket_nr | 0x40000000),  # x32
        (ret, 0, 0, allow),
        (ret, 0, 0, errno_eacces),
    ]
    filters = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *op) for op in program))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Program(len(program), ctypes.cast(filters, ctypes.c_void_p))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, needed to filter without privileges
            return False
        return libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    except (OSError, AttributeError):
        return False


def _confine_child(max_memory_mb: int) -> None:
    """In the forked child, before the query: at most ``max_memory_mb`` more address space than the
    server had, and no socket (SERVICE). Files stay open to it: the on-disk store's files are opened
    as the query reaches them (a query cannot name a file: LOAD and FROM are refused before it runs)."""
    import faulthandler
    import os
    import resource

    # A child stopped by its memory limit aborts; that is the expected end, not a crash to report.
    faulthandler.disable()
    if max_memory_mb > 0:
        try:
            with open("/proc/self/statm") as statm:
                size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):  # not Linux: the limit is then the whole address space
            size = 0
        limit = size + max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _forbid_sockets()


def _in_child_process(store: ox.Store, query: str, timeout: float, max_rows: int, max_memory_mb: int = 0) -> dict:
    """The query runs in a forked child that shares the store's memory; when the time is up the
    child is killed, so a runaway query costs nothing after its limit. The child has a memory
    limit and cannot open sockets (``_confine_child``)."""
    import json
    import os
    import select
    import signal

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: evaluate, write the answer as JSON, leave without any clean-up
        code = 0
        try:
            os.close(read_end)
            _confine_child(max_memory_mb)
            state = _evaluate(store, query, max_rows)
            if "answer" in state:
                answer = state["answer"]
                state = {"answer": {"form": answer.form, "variables": answer.variables, "boolean": answer.boolean,
                                    "rows": [[term_json(v) for v in row] for row in answer.rows],
                                    "triples": [[term_json(t.subject), term_json(t.predicate), term_json(t.object)]
                                                for t in answer.triples]}}
            data = json.dumps(state).encode("utf-8")
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
        except MemoryError:
            code = MEMORY_EXIT
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                timed_out = True
                break
            ready, _, _ = select.select([read_end], [], [], remaining)
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"timeout": True}
    if not chunks:
        # Rust aborts when an allocation fails; Python exits with MEMORY_EXIT.
        if (os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)) \
                or (os.WIFEXITED(status) and os.WEXITSTATUS(status) == MEMORY_EXIT):
            return {"memory": True}
        return {"failed": "процесс запроса завершился без ответа"}
    state = json.loads(b"".join(chunks))
    if "answer" in state:
        raw = state["answer"]
        state["answer"] = Answer(
            raw["form"], variables=raw["variables"], boolean=raw["boolean"],
            rows=[[_term_from_json(v) for v in row] for row in raw["rows"]],
            triples=[ox.Triple(*(_term_from_json(v) for v in t)) for t in raw["triples"]])
    return state


_warm = threading.Event()


def warm_up() -> None:
    """What a process's first query would otherwise pay (about a second on a loaded machine): building
    rdflib's SPARQL grammar and configuring the ORM mappers. Once per process, when a web app is made."""
    if _warm.is_set():
        return
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    check_query("ASK { ?s ?p ?o }")
    _warm.set()


def _syntax_refused(message: str) -> QueryRefused:
    """Oxigraph's syntax error («error at 3:2: expected …») in the endpoint's words."""
    position = re.search(r"error at (\d+):(\d+)", message, re.IGNORECASE)
    where = f"строка {position.group(1)}, позиция {position.group(2)}" if position else "запрос"
    reason = message.split(": ", 1)[1] if ": " in message else message
    return QueryRefused(f"Синтаксическая ошибка SPARQL: {where}: {reason}.", {"query": [f"{where}: {reason}"]})


def _check_for_server(query: str) -> None:
    """The check before a query goes to a server, which has no confinement of ours: a query rdflib's
    parser cannot read (so cannot be searched for SERVICE) is refused, naming the position Oxigraph
    finds, read in a confined child on an empty store."""
    import os

    try:
        check_query(query)
    except QueryRefused as refused:
        if not str(refused).startswith("Синтаксическая ошибка") or not hasattr(os, "fork"):
            raise
        state = _in_child_process(ox.Store(), query, 5.0, 1, 256)
        if "syntax" in state:
            raise _syntax_refused(state["syntax"]) from None
        raise


def isolation(settings) -> str:
    import os

    wanted = getattr(settings, "sparql_isolation", "process")
    return "process" if wanted == "process" and hasattr(os, "fork") else "thread"


def run(ctx: Context, query: str, address: str | None = None) -> Answer:
    """Run a read-only query within the configured time, memory, row and concurrency limits.

    ``address`` is the client's network address: anonymous queries are counted per address."""
    require_sparql(ctx)
    in_process = isolation(ctx.settings) == "process"
    timeout = float(ctx.settings.sparql_timeout)
    max_rows = int(ctx.settings.sparql_max_rows)
    limited = not ctx.is_system  # the command line runs alone, in its own process
    anonymous = ctx.user is None
    engine = ctx.session.get_bind().engine
    admission = admit(ctx, client_of(ctx, address), anonymous) if limited else None
    released = threading.Event()

    def release():  # called once, here or by the query's thread (thread isolation)
        if admission is not None and not released.is_set():
            released.set()
            leave(engine, admission, anonymous)

    handed_to_thread = False
    on_server = bool(ctx.settings.sparql_url)
    try:
        # Inside the place: refused queries count too.
        if on_server:
            _check_for_server(query)
        else:
            check_query(query, parser_fallback=in_process)
        view = store_for(ctx)  # applying a short tail of the outbox counts as part of the query's place
        started = time.perf_counter()
        if view.store is None:  # an Oxigraph server: it runs the query, the time limit is the HTTP answer's
            try:
                state = view.shared.query(query, timeout, max_rows, PREFIXES)
            except linked_store.StoreUnavailable as error:
                raise _unavailable(error) from None
        elif in_process:
            state = _in_child_process(view.store, query, timeout, max_rows, int(ctx.settings.sparql_max_memory_mb))
        else:
            handed_to_thread = True
            state = _in_thread(view.store, query, timeout, max_rows, release)  # releases the place itself
    finally:
        if not handed_to_thread:
            release()
    if state.get("memory"):
        limit = int(ctx.settings.sparql_max_memory_mb)
        raise QueryRefused(
            f"Запросу не хватило памяти: предел — {limit} МБ, запрос остановлен.",
            {"query": [f"Предел памяти — {limit} МБ (CATALOG_SPARQL_MAX_MEMORY_MB): сузьте шаблон, "
                       "уберите сортировку или группировку по всему графу, добавьте LIMIT."]})
    if state.get("timeout"):
        raise QueryRefused(
            f"Запрос выполнялся дольше {timeout:g} с и остановлен.",
            {"query": [f"Предел времени — {timeout:g} с: сузьте шаблон, добавьте LIMIT или фильтр."]})
    if "syntax" in state:
        raise _syntax_refused(state["syntax"])
    if "failed" in state:
        raise QueryRefused(f"Запрос не выполнен: {state['failed']}", {"query": [state["failed"]]})
    if state.get("too_many"):
        raise QueryRefused(
            f"Ответ длиннее {max_rows} строк.",
            {"query": [f"Предел — {max_rows} строк: добавьте LIMIT или уточните запрос."]})
    answer = state["answer"]
    answer.elapsed_ms = (time.perf_counter() - started) * 1000
    answer.graph_version, answer.stale = view.version, view.stale
    return answer


# --- answers in the standard formats -----------------------------------------------------------


def term_json(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def to_json(answer: Answer) -> dict:
    """SPARQL 1.1 Query Results JSON."""
    if answer.form == "ask":
        return {"head": {}, "boolean": answer.boolean}
    if answer.form == "graph":
        return {"head": {"vars": ["subject", "predicate", "object"]}, "results": {"bindings": [
            {"subject": term_json(t.subject), "predicate": term_json(t.predicate), "object": term_json(t.object)}
            for t in answer.triples]}}
    return {"head": {"vars": answer.variables}, "results": {"bindings": [
        {name: term_json(value) for name, value in zip(answer.variables, row) if value is not None}
        for row in answer.rows]}}


def plain(term) -> str:
    if term is None:
        return ""
    return term.value


def to_csv(answer: Answer) -> str:
    """SPARQL 1.1 Query Results CSV, with texts a spreadsheet would evaluate written as text."""
    from catalog.cells import csv_row

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if answer.form == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if answer.boolean else "false"])
    elif answer.form == "graph":
        writer.writerow(["subject", "predicate", "object"])
        for t in answer.triples:
            writer.writerow(csv_row([plain(t.subject), plain(t.predicate), plain(t.object)]))
    else:
        writer.writerow(answer.variables)
        for row in answer.rows:
            writer.writerow(csv_row(plain(v) for v in row))
    return buffer.getvalue()


def table(answer: Answer) -> tuple[list[str], list[list]]:
    """Columns and rows for the HTML table: each cell is (text, link or None)."""
    if answer.form == "ask":
        return ["ответ"], [[("да" if answer.boolean else "нет", None)]]
    if answer.form == "graph":
        columns = ["subject", "predicate", "object"]
        rows = [[t.subject, t.predicate, t.object] for t in answer.triples]
    else:
        columns, rows = answer.variables, answer.rows
    return columns, [[_cell(v) for v in row] for row in rows]


def _cell(term):
    if term is None:
        return ("", None)
    if isinstance(term, ox.NamedNode):
        return (term.value, term.value)
    return (term.value, None)
