"""Configuration read from the environment, with defaults that need nothing installed.

| variable | default | meaning |
|---|---|---|
| CATALOG_INSTANCE | ./instance | folder for the SQLite file, the secret key and other local state |
| CATALOG_DATABASE_URL | sqlite:///<instance>/catalog.db | SQLAlchemy URL; postgresql+psycopg://… for a shared deployment |
| CATALOG_SECRET_KEY | generated once into <instance>/secret_key | signs web sessions and CSRF tokens |
| CATALOG_SECURE_COOKIES | off | `on`: session and CSRF cookies only over HTTPS (the `Secure` flag); turn it on in every deployment behind HTTPS |
| CATALOG_LOGIN_MAX_FAILURES / CATALOG_LOGIN_LOCKOUT_MINUTES | 5 / 15 | wrong passwords per login or per address within the period before both are refused for that many minutes |
| CATALOG_TRUSTED_PROXIES | 0 | reverse proxies in front of the app whose `X-Forwarded-For`/`-Proto` are believed (the client's address counts failed logins) |
| CATALOG_HOST / CATALOG_PORT | 127.0.0.1 / 8000 | where `catalog serve` listens |
| CATALOG_WORKERS | the number of cores | server processes `catalog serve` runs (gunicorn; one waitress process where the system cannot fork); `--workers` overrides it |
| CATALOG_KEEPALIVE | 0 with several processes, 5 with one | seconds `catalog serve` keeps a client's connection open for its next request; with several processes a kept connection ties its client to one of them, a new one goes to a process that is free |
| CATALOG_TIMEZONE | Europe/Moscow | time zone in which pages show dates and times (stored in UTC) |
| CATALOG_GRAPH_BACKEND | sql | `sql` (queries over the store) or `neo4j` (a Bolt server fed by the outbox) |
| CATALOG_NEO4J_URL, CATALOG_NEO4J_USER, CATALOG_NEO4J_PASSWORD | — | the Bolt server of the neo4j backend |
| CATALOG_GRAPH_MAX_DEPTH / CATALOG_GRAPH_MAX_NODES | 6 / 400 | the deepest lineage asked for; the most records in one answer |
| CATALOG_GRAPH_CLUSTER_THRESHOLD | 12 | a lineage column with more records is drawn as groups by kind and agency |
| CATALOG_SEARCH_BACKEND | embedded | `embedded` (a tantivy index in <instance>/search) or `elasticsearch` |
| CATALOG_SEARCH_PATH | <instance>/search | folder of the embedded index |
| CATALOG_ELASTICSEARCH_URL, CATALOG_ELASTICSEARCH_INDEX | —, catalog | the Elasticsearch server and the alias searches use |
| CATALOG_GATE_BLOCKING | as_is,optimised,data_model,duplicates,cost_value | checks of a system request that block its approval |
| CATALOG_GATE_DECIDER_ROLE | architect | the role that decides on system requests |
| CATALOG_GATE_EXISTING_LANDSCAPE | off | `on`: a system in «создание»/«развитие» without an approved request, or an automation link to it, is saved (page, API, CLI, every import) and flagged «без заключения» in the gate report instead of refused: for registering the landscape the region inherits |
| CATALOG_STATUS_EVIDENCE | reengineering=running_project;reengineered=approved_to_be,post_monitoring;sent_certification=certification;certified=certificate | the evidence a reengineering status needs (any one of those after `=`): `running_project`, `approved_to_be`, `post_monitoring`, `certification` (a record of sending), `certificate` (who certified, when, the document); a status not named needs none |
| CATALOG_AUTHORISED_BODY_ROLES | process_office | roles of the authorised body (Kemerovo register rules 3.5, 4 п. 1): correction notices, the registers' control page |
| CATALOG_NOTICE_ANSWER_DAYS | 10 | working days an agency has to answer a correction notice |
| CATALOG_IMPORT_MAX_MB | 50 | the largest file the upload page accepts (the command line reads any size, streamed) |
| CATALOG_IMPORT_MAX_XLSX_PART_MB / CATALOG_IMPORT_MAX_XLSX_RATIO | 200 / 200 | the largest uncompressed part of an .xlsx (shared strings, each sheet) and the highest compression ratio of a part over 1 MB, both read from the zip directory before anything is unpacked |
| CATALOG_IMPORT_MAX_ROWS / CATALOG_IMPORT_MAX_COLUMNS / CATALOG_IMPORT_MAX_CELL_CHARS | 200000 / 200 / 32767 | the most data rows, columns and characters in a cell of an imported table (declared and read) |
| CATALOG_IMPORT_MAX_EMPTY_ROWS | 1000 | reading a sheet or CSV stops after this many empty rows in a row below the last data row |
| CATALOG_IMPORT_EDITORS_CREATE_REFERENCES | off | `on`: agency editors, like the process office, may create the acts, life situations and groups their register names and the catalogue lacks, in the same import |
| CATALOG_OPENLINEAGE_MAX_EVENTS / CATALOG_OPENLINEAGE_MAX_DATASETS | 10000 / 10000 | the most events in one file or request; the most inputs (and outputs) of one event |
| CATALOG_OPENLINEAGE_MAX_FACETS_KB / CATALOG_IMPORT_MAX_JSON_DEPTH | 1024 / 64 | the largest facets of one event (as JSON); the deepest nesting of an imported JSON document or a JSON request body |
| CATALOG_IMPORT_BACKGROUND_MB / CATALOG_IMPORT_BACKGROUND_ROWS | 1 / 5000 | an upload larger than this (or with more declared rows) runs as a background job (the CLI stays synchronous) |
| CATALOG_IMPORT_WORKERS | 1 | worker threads `catalog serve` starts for import jobs, in one of its processes (0: none, run `catalog worker` instead) |
| CATALOG_IMPORT_KEEP_HOURS | 24 | uploaded files, error copies and finished jobs' files in <instance>/imports are removed after this many hours |
| CATALOG_IMPORT_QUOTA_FILES / CATALOG_IMPORT_QUOTA_MB | 20 / 500 | the most files (and megabytes) one user may have kept in <instance>/imports; more uploads are refused |
| CATALOG_OPENLINEAGE_AGENCY | — | code of the agency that owns processes created for new OpenLineage jobs |
| CATALOG_OPENLINEAGE_RESPONSIBLE | — | id of the person responsible for them (default: the agency's first person) |
| CATALOG_OPENLINEAGE_SPEC | ../shared/conformance/openlineage/spec | the OpenLineage `spec` folder (`OpenLineage.json`, `facets/`) events are validated against |
| CATALOG_BASE_IRI | http://localhost:8000 | base of the records' IRIs in RDF (``<base>/processes/5``): the public address of the site |
| CATALOG_VISA_LEVELS | roadmap_approve=head_of_agency;roadmap_agree=head_of_agency,office_curator;conclusion=head_of_agency;passport_approve=head_of_agency | which position levels give each visa: «утверждаю» (in the owning agency), «согласовано» and the conclusion (in the process office), a passport's approval when the agency has designated nobody |
| CATALOG_BASE_URL | the value of CATALOG_BASE_IRI | the catalogue's public address, printed on documents beside the record's path |
| CATALOG_REGION_NAME | Регион | the region the catalogue describes (RDF: the catalogue's and agencies' dct:spatial) |
| CATALOG_PUBLISHER | Оператор каталога процессов и данных | who publishes the catalogue (RDF: the catalogue's dct:publisher) |
| CATALOG_SPARQL_TIMEOUT / CATALOG_SPARQL_MAX_ROWS | 10 / 10000 | seconds a SPARQL query may run; the most rows in its answer |
| CATALOG_SPARQL_ISOLATION | process | `process`: each query runs in a forked child, killed at the time limit; `thread`: in a thread (where fork is missing) |
| CATALOG_OUTBOX_CONSUMER | thread | who keeps the projections (search, neo4j graph, re-checks of requests) in step: `thread` (a worker started by `catalog serve`), `external` (a separate `catalog outbox follow`), `off` (each request catches up itself) |
| CATALOG_OUTBOX_INTERVAL | 1 | seconds between two looks of the consumer at the outbox (a write made through this server wakes it at once) |
| CATALOG_DASHBOARD_RECOUNT_DELAY | 2 | seconds without a write the outbox consumer waits before it recounts the dashboard's figures outside the rules and its projects' part (a burst of writes costs one recount; at most 30 s after a write) |
| CATALOG_OUTBOX_TAIL | 500 | with a consumer, the most change events a request applies itself before answering (more are left to the consumer) |
| CATALOG_SPARQL_MAX_MEMORY_MB | 1024 | memory a SPARQL query's child process may take beyond the server's own size; a query over it is stopped |
| CATALOG_SPARQL_MAX_CONCURRENT / CATALOG_SPARQL_MAX_PER_CLIENT | 2 / 1 | SPARQL queries running at once, overall and per user or address, over every process on the store; one more is refused at once (503 / 429) |
| CATALOG_SPARQL_ANONYMOUS | on | `off`: SPARQL (API and page) only for signed-in users and tokens, even when anonymous reading is on |
| CATALOG_SPARQL_ANONYMOUS_PER_MINUTE | 30 | SPARQL queries an anonymous address may send a minute, over every process on the store (429 beyond) |
| CATALOG_RDF_MAX_MB | 10 | the largest RDF document `POST /api/v1/import.rdf` accepts (413 beyond, before parsing) |
| CATALOG_HARVEST_SOURCES | — | databases whose schemas may be harvested, `name=URL` separated by spaces or new lines (`kadry=postgresql+psycopg://reader@db/kadry`); the page and the API offer only these, the CLI also takes a URL |
| CATALOG_BACKDATE_DAYS | 3 | a date a user gives (an answer, a visa, a measurement) further back than this many days before its entry needs a reason and is shown as «внесено позже» |
| CATALOG_SMTP_URL | — | `smtp://user:password@host:port` (`smtps://` for TLS, `?starttls=on`): e-mail notifications and digests; unset: no e-mail is sent (nothing is queued) |
| CATALOG_MAIL_FROM | catalog@localhost | the sender of the catalogue's e-mails |
| CATALOG_MAIL_RETRY_SECONDS | 60 | the pause before a failed e-mail is tried again, doubled after each failure (8 attempts at most) |
| CATALOG_MART_QUALITY_TERM_DAYS | 365 | a data mart whose quality was last checked longer ago than this is marked stale (page, search, reports, `catalog validate`, the owners' inbox) |
| CATALOG_QUALITY_ROW_LIMIT | 100000 | rows one measurement of a mart's quality reads from its source at most (`catalog quality measure`/`run`, «Измерить сейчас»); more rows make the figures a sample |
| CATALOG_QUALITY_TIME_LIMIT | 30 | seconds one measurement may read its source (PostgreSQL `statement_timeout`, SQLite's progress handler); past it the figures describe what was read |
| CATALOG_SPARQL_PATH | <instance>/sparql | folder of the embedded SPARQL store (an on-disk Oxigraph store every server process opens read-only, kept in step by the outbox consumer) |
| CATALOG_SPARQL_URL | — | an Oxigraph server (`oxigraph serve --location DIR --bind HOST:PORT --timeout-s 10`) holding the SPARQL store instead: updated through SPARQL 1.1 Update and the Graph Store protocol, queried over HTTP |
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


# Kemerovo register rules 2.1 «и» name the statuses; the issue (17) names what each rests on.
DEFAULT_STATUS_EVIDENCE = {
    "reengineering": ("running_project",),
    "reengineered": ("approved_to_be", "post_monitoring"),
    "sent_certification": ("certification",),
    "certified": ("certificate",),
}
EVIDENCE_KINDS = ("running_project", "approved_to_be", "post_monitoring", "certification", "certificate")


def parse_status_evidence(text: str) -> dict:
    """``status=kind,kind;status=kind`` → {status: (kind, ...)}; unknown kinds are refused at start."""
    found = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        status, _, kinds = part.partition("=")
        names = tuple(k.strip() for k in kinds.replace("|", ",").split(",") if k.strip())
        unknown = [k for k in names if k not in EVIDENCE_KINDS]
        if unknown:
            raise ValueError(f"CATALOG_STATUS_EVIDENCE: неизвестный вид подтверждения «{unknown[0]}»; "
                             f"допустимо: {', '.join(EVIDENCE_KINDS)}.")
        found[status.strip()] = names
    return found


DEFAULT_VISA_LEVELS = {"roadmap_approve": ("head_of_agency",), "roadmap_agree": ("head_of_agency", "office_curator"),
                       "conclusion": ("head_of_agency",), "passport_approve": ("head_of_agency",)}


def parse_visa_levels(text: str | None) -> dict:
    """``visa=level,level;visa=level`` over the defaults; an unknown visa or level stops the start."""
    from catalog.enums import OfficialLevel, Visa

    found = dict(DEFAULT_VISA_LEVELS)
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        visa, _, levels = part.partition("=")
        visa = visa.strip()
        chosen = tuple(v.strip() for v in levels.split(",") if v.strip())
        if visa not in Visa.values() or not chosen or set(chosen) - set(OfficialLevel.values()):
            raise ValueError(f"CATALOG_VISA_LEVELS: неверная часть «{part.strip()}»: виза из {', '.join(Visa.values())}, "
                             f"уровни из {', '.join(OfficialLevel.values())}.")
        found[visa] = chosen
    return found


@dataclass
class Settings:
    instance_path: Path = Path("instance")
    database_url: str = ""
    secret_key: str = ""
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    trusted_proxies: int = 0
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # 0: as many server processes as cores
    keepalive: int | None = None  # None: 0 s with several processes, 5 s with one
    timezone: str = "Europe/Moscow"
    graph_backend: str = "sql"
    neo4j_url: str | None = None
    neo4j_user: str | None = None
    neo4j_password: str | None = None
    graph_max_depth: int = 6
    graph_max_nodes: int = 400
    graph_cluster_threshold: int = 12
    search_backend: str = "embedded"
    search_path: Path | None = None
    elasticsearch_url: str | None = None
    elasticsearch_index: str = "catalog"
    gate_blocking: tuple[str, ...] = ("as_is", "optimised", "data_model", "duplicates", "cost_value")
    gate_decider_role: str = "architect"
    gate_existing_landscape: bool = False
    status_evidence: dict = field(default_factory=lambda: dict(DEFAULT_STATUS_EVIDENCE))
    authorised_body_roles: tuple[str, ...] = ("process_office",)
    notice_answer_days: int = 10
    page_size: int = 50
    base_iri: str = "http://localhost:8000"
    region_name: str = "Регион"
    # Leningrad 4.3 п. 6–7, 4.4, 8.4: who signs what, as position levels (catalog/services/people.py).
    visa_levels: dict = field(default_factory=lambda: dict(DEFAULT_VISA_LEVELS))
    base_url: str = ""
    publisher_name: str = "Оператор каталога процессов и данных"
    sparql_timeout: float = 10.0
    sparql_max_rows: int = 10_000
    sparql_path: Path | None = None
    sparql_url: str | None = None
    sparql_isolation: str = "process"
    sparql_max_memory_mb: int = 1024
    sparql_max_concurrent: int = 2
    sparql_max_per_client: int = 1
    sparql_anonymous: bool = True
    sparql_anonymous_per_minute: int = 30
    rdf_max_bytes: int = 10 * 1024 * 1024
    max_page_size: int = 500
    import_max_bytes: int = 50 * 1024 * 1024
    import_max_xlsx_part_bytes: int = 200 * 1024 * 1024
    import_max_xlsx_ratio: float = 200.0
    import_max_rows: int = 200_000
    import_max_columns: int = 200
    import_max_cell_chars: int = 32_767
    import_max_empty_rows: int = 1000
    import_editors_create_references: bool = False
    openlineage_max_events: int = 10_000
    openlineage_max_datasets: int = 10_000
    openlineage_max_facets_bytes: int = 1024 * 1024
    import_max_json_depth: int = 64
    import_background_bytes: int = 1024 * 1024
    import_background_rows: int = 5000
    import_workers: int = 1
    import_keep_hours: float = 24.0
    import_quota_files: int = 20
    import_quota_bytes: int = 500 * 1024 * 1024
    openlineage_agency: str | None = None
    openlineage_spec: Path | None = None  # None: the spec folder of ../shared/conformance beside the code
    openlineage_responsible: int | None = None
    outbox_consumer: str = "thread"
    outbox_interval: float = 1.0
    outbox_tail: int = 500
    dashboard_recount_delay: float = 2.0
    harvest_sources: dict[str, str] = field(default_factory=dict)  # name → connection string (issue 20)
    backdate_days: int = 3
    smtp_url: str | None = None
    mail_from: str = "catalog@localhost"
    mail_retry_seconds: float = 60.0
    mart_quality_term_days: int = 365
    quality_row_limit: int = 100_000  # rows one measurement of a mart reads at most (issue 20)
    quality_time_limit: float = 30.0  # seconds one measurement of a mart may read


def _secret_key(instance: Path) -> str:
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    # Created owner-only from the start: never readable by others, not even for a moment.
    with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(key)
    return key


def _private_folder(path: Path) -> None:
    """The instance folder (database, secret key, search index, uploads) is its owner's alone."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
            path.chmod(0o700)
    except OSError:
        pass


def parse_sources(value: str) -> dict[str, str]:
    """``name=URL`` pairs separated by whitespace (URLs hold none): the named harvest sources."""
    sources = {}
    for pair in value.split():
        name, _, url = pair.partition("=")
        if not name or not url:
            raise ValueError(f"CATALOG_HARVEST_SOURCES: «{pair}» — ожидается имя=строка_подключения.")
        sources[name] = url
    return sources


def load_settings(**overrides) -> Settings:
    instance = Path(overrides.pop("instance_path", None) or os.environ.get("CATALOG_INSTANCE", "instance")).resolve()
    _private_folder(instance)
    database_url = overrides.pop("database_url", None) or os.environ.get(
        "CATALOG_DATABASE_URL", f"sqlite:///{instance / 'catalog.db'}"
    )
    secret_key = overrides.pop("secret_key", None) or os.environ.get("CATALOG_SECRET_KEY") or _secret_key(instance)
    settings = Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key=secret_key,
        secure_cookies=os.environ.get("CATALOG_SECURE_COOKIES", "off").strip().lower() in ("1", "on", "true", "yes"),
        login_max_failures=int(os.environ.get("CATALOG_LOGIN_MAX_FAILURES", "5")),
        login_lockout_minutes=int(os.environ.get("CATALOG_LOGIN_LOCKOUT_MINUTES", "15")),
        trusted_proxies=int(os.environ.get("CATALOG_TRUSTED_PROXIES", "0")),
        host=os.environ.get("CATALOG_HOST", "127.0.0.1"),
        port=int(os.environ.get("CATALOG_PORT", "8000")),
        workers=int(os.environ.get("CATALOG_WORKERS", "0")),
        keepalive=int(os.environ["CATALOG_KEEPALIVE"]) if os.environ.get("CATALOG_KEEPALIVE") else None,
        timezone=os.environ.get("CATALOG_TIMEZONE", "Europe/Moscow"),
        graph_backend=os.environ.get("CATALOG_GRAPH_BACKEND", "sql"),
        neo4j_url=os.environ.get("CATALOG_NEO4J_URL"),
        neo4j_user=os.environ.get("CATALOG_NEO4J_USER"),
        neo4j_password=os.environ.get("CATALOG_NEO4J_PASSWORD"),
        graph_max_depth=int(os.environ.get("CATALOG_GRAPH_MAX_DEPTH", "6")),
        graph_max_nodes=int(os.environ.get("CATALOG_GRAPH_MAX_NODES", "400")),
        graph_cluster_threshold=int(os.environ.get("CATALOG_GRAPH_CLUSTER_THRESHOLD", "12")),
        search_backend=os.environ.get("CATALOG_SEARCH_BACKEND", "embedded"),
        search_path=Path(os.environ["CATALOG_SEARCH_PATH"]) if os.environ.get("CATALOG_SEARCH_PATH") else None,
        elasticsearch_url=os.environ.get("CATALOG_ELASTICSEARCH_URL"),
        elasticsearch_index=os.environ.get("CATALOG_ELASTICSEARCH_INDEX", "catalog"),
        gate_blocking=tuple(c.strip() for c in os.environ.get(
            "CATALOG_GATE_BLOCKING", "as_is,optimised,data_model,duplicates,cost_value").split(",") if c.strip()),
        gate_decider_role=os.environ.get("CATALOG_GATE_DECIDER_ROLE", "architect"),
        gate_existing_landscape=os.environ.get("CATALOG_GATE_EXISTING_LANDSCAPE", "off").strip().lower()
        in ("1", "on", "true", "yes"),
        status_evidence=parse_status_evidence(os.environ["CATALOG_STATUS_EVIDENCE"])
        if os.environ.get("CATALOG_STATUS_EVIDENCE") else dict(DEFAULT_STATUS_EVIDENCE),
        authorised_body_roles=tuple(r.strip() for r in os.environ.get(
            "CATALOG_AUTHORISED_BODY_ROLES", "process_office").split(",") if r.strip()),
        notice_answer_days=int(os.environ.get("CATALOG_NOTICE_ANSWER_DAYS", "10")),
        import_max_bytes=int(float(os.environ.get("CATALOG_IMPORT_MAX_MB", "50")) * 1024 * 1024),
        import_max_xlsx_part_bytes=int(float(os.environ.get("CATALOG_IMPORT_MAX_XLSX_PART_MB", "200")) * 1024 * 1024),
        import_max_xlsx_ratio=float(os.environ.get("CATALOG_IMPORT_MAX_XLSX_RATIO", "200")),
        import_max_rows=int(os.environ.get("CATALOG_IMPORT_MAX_ROWS", "200000")),
        import_max_columns=int(os.environ.get("CATALOG_IMPORT_MAX_COLUMNS", "200")),
        import_max_cell_chars=int(os.environ.get("CATALOG_IMPORT_MAX_CELL_CHARS", "32767")),
        import_max_empty_rows=int(os.environ.get("CATALOG_IMPORT_MAX_EMPTY_ROWS", "1000")),
        import_editors_create_references=os.environ.get("CATALOG_IMPORT_EDITORS_CREATE_REFERENCES", "off").lower()
        in ("on", "1", "true", "yes"),
        openlineage_max_events=int(os.environ.get("CATALOG_OPENLINEAGE_MAX_EVENTS", "10000")),
        openlineage_max_datasets=int(os.environ.get("CATALOG_OPENLINEAGE_MAX_DATASETS", "10000")),
        openlineage_max_facets_bytes=int(float(os.environ.get("CATALOG_OPENLINEAGE_MAX_FACETS_KB", "1024")) * 1024),
        import_max_json_depth=int(os.environ.get("CATALOG_IMPORT_MAX_JSON_DEPTH", "64")),
        import_background_bytes=int(float(os.environ.get("CATALOG_IMPORT_BACKGROUND_MB", "1")) * 1024 * 1024),
        import_background_rows=int(os.environ.get("CATALOG_IMPORT_BACKGROUND_ROWS", "5000")),
        import_workers=int(os.environ.get("CATALOG_IMPORT_WORKERS", "1")),
        import_keep_hours=float(os.environ.get("CATALOG_IMPORT_KEEP_HOURS", "24")),
        import_quota_files=int(os.environ.get("CATALOG_IMPORT_QUOTA_FILES", "20")),
        import_quota_bytes=int(float(os.environ.get("CATALOG_IMPORT_QUOTA_MB", "500")) * 1024 * 1024),
        openlineage_agency=os.environ.get("CATALOG_OPENLINEAGE_AGENCY") or None,
        openlineage_spec=Path(os.environ["CATALOG_OPENLINEAGE_SPEC"]) if os.environ.get("CATALOG_OPENLINEAGE_SPEC") else None,
        openlineage_responsible=int(os.environ["CATALOG_OPENLINEAGE_RESPONSIBLE"])
        if os.environ.get("CATALOG_OPENLINEAGE_RESPONSIBLE") else None,
        mart_quality_term_days=int(os.environ.get("CATALOG_MART_QUALITY_TERM_DAYS", "365")),
        quality_row_limit=int(os.environ.get("CATALOG_QUALITY_ROW_LIMIT", "100000")),
        quality_time_limit=float(os.environ.get("CATALOG_QUALITY_TIME_LIMIT", "30")),
        base_iri=os.environ.get("CATALOG_BASE_IRI", "http://localhost:8000").rstrip("/"),
        region_name=os.environ.get("CATALOG_REGION_NAME", "Регион"),
        visa_levels=parse_visa_levels(os.environ.get("CATALOG_VISA_LEVELS")),
        base_url=(os.environ.get("CATALOG_BASE_URL") or os.environ.get("CATALOG_BASE_IRI", "http://localhost:8000")).rstrip("/"),
        publisher_name=os.environ.get("CATALOG_PUBLISHER", "Оператор каталога процессов и данных"),
        sparql_timeout=float(os.environ.get("CATALOG_SPARQL_TIMEOUT", "10")),
        sparql_max_rows=int(os.environ.get("CATALOG_SPARQL_MAX_ROWS", "10000")),
        sparql_path=Path(os.environ["CATALOG_SPARQL_PATH"]) if os.environ.get("CATALOG_SPARQL_PATH") else None,
        sparql_url=os.environ.get("CATALOG_SPARQL_URL") or None,
        sparql_isolation=os.environ.get("CATALOG_SPARQL_ISOLATION", "process"),
        outbox_consumer=os.environ.get("CATALOG_OUTBOX_CONSUMER", "thread"),
        outbox_interval=float(os.environ.get("CATALOG_OUTBOX_INTERVAL", "1")),
        outbox_tail=int(os.environ.get("CATALOG_OUTBOX_TAIL", "500")),
        dashboard_recount_delay=float(os.environ.get("CATALOG_DASHBOARD_RECOUNT_DELAY", "2")),
        sparql_max_memory_mb=int(os.environ.get("CATALOG_SPARQL_MAX_MEMORY_MB", "1024")),
        sparql_max_concurrent=int(os.environ.get("CATALOG_SPARQL_MAX_CONCURRENT", "2")),
        sparql_max_per_client=int(os.environ.get("CATALOG_SPARQL_MAX_PER_CLIENT", "1")),
        sparql_anonymous=os.environ.get("CATALOG_SPARQL_ANONYMOUS", "on").lower() not in ("off", "0", "false", "no"),
        sparql_anonymous_per_minute=int(os.environ.get("CATALOG_SPARQL_ANONYMOUS_PER_MINUTE", "30")),
        rdf_max_bytes=int(float(os.environ.get("CATALOG_RDF_MAX_MB", "10")) * 1024 * 1024),
        harvest_sources=parse_sources(os.environ.get("CATALOG_HARVEST_SOURCES", "")),
        backdate_days=int(os.environ.get("CATALOG_BACKDATE_DAYS", "3")),
        smtp_url=os.environ.get("CATALOG_SMTP_URL") or None,
        mail_from=os.environ.get("CATALOG_MAIL_FROM", "catalog@localhost"),
        mail_retry_seconds=float(os.environ.get("CATALOG_MAIL_RETRY_SECONDS", "60")),
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings
