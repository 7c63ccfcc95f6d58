"""The API keeps its own document: schemathesis over every operation of /api/v1/openapi.json.

The document is loaded through the WSGI app (no server); every operation gets a few derandomised
examples with an admin token and half as many with a reader token, on the demo region. Any 5xx, or a status
code, content type or body the document does not declare, fails the test; the failures are
listed together, one line per operation and check.

It runs on every store of the test run (CATALOG_TEST_DATABASES): about 50 s on SQLite and 45 s on
PostgreSQL on one core, so both fit the module's five-minute budget. PostgreSQL matters: its INTEGER
columns are 32-bit, which only it reveals.
"""
from __future__ import annotations

import os
import re
import time

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from tests.conftest import DATABASES  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Examples per operation and token (valid and invalid input mixed): ~200 operations, two tokens, about a minute.
EXAMPLES = int(os.environ.get("CATALOG_SCHEMA_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module", params=DATABASES)
def demo_app(tmp_path_factory, request):
    from catalog.services import users
    from tests.conftest import demo_database, system_context
    from web import create_app

    tmp = tmp_path_factory.mktemp("schema")
    app = create_app(database_url=demo_database(request, request.param, tmp), instance_path=tmp / "instance",
                     secret_key="test-secret")
    # Server errors must come back as 500 answers, as a client sees them, not as exceptions.
    app.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)
    ctx = system_context(app)
    tokens = {}
    for login in ("admin", "reader"):
        user = users.find_user(ctx, login)
        tokens[login] = users.create_token(ctx, user.id, "schemathesis").secret
    ctx.session.close()
    yield app, tokens
    app.extensions["catalog"].close()


def _label(failure) -> str:
    return f"{type(failure).__name__}: {getattr(failure, 'title', '')} {getattr(failure, 'message', '')}".strip()


def run_operations(app, token: str, examples: int = EXAMPLES) -> tuple[int, int, int, list[str]]:
    """Every operation with ``examples`` cases; (operations, cases, failing cases, one line per operation and check)."""
    from schemathesis.core.failures import FailureGroup

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations, cases, failing, failures = 0, 0, 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        seen: dict[str, str] = {}
        # Valid input by the document, and input it forbids (numbers past 2**63, wrong types): both must be 2xx/4xx
        # as documented.
        strategy = (operation.as_strategy(GenerationMode.POSITIVE)
                    | operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            nonlocal cases, failing
            cases += 1
            try:
                response = case.call(headers=headers)
            except Exception as error:  # schemathesis re-raises what made the app answer 500
                failing += 1
                key = "500" + type(error).__name__
                seen.setdefault(key, f"{operation.label}: 500 {type(error).__name__}: {error}"[:400]
                                + f"\n    {case.as_curl_command()}"[:600])
                return
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                failing += 1
                for failure in group.exceptions:
                    key = type(failure).__name__ + getattr(failure, "title", "")
                    seen.setdefault(key, f"{operation.label}: {response.status_code} {_label(failure)}"[:400]
                                    + f"\n    {case.as_curl_command()}"[:600])

        run()
        failures.extend(seen.values())
    return operations, cases, failing, failures


@pytest.mark.parametrize("login", ["admin", "reader"])
def test_every_operation_matches_the_document(demo_app, login):
    app, tokens = demo_app
    started = time.monotonic()
    # A reader's reads are the admin's, and its writes pass the admin's argument checks before they are refused:
    # half the cases cover what is its own (the refusals the document declares) at half the cost.
    examples = EXAMPLES if login == "admin" else max(1, EXAMPLES // 2)
    operations, cases, failing, failures = run_operations(app, tokens[login], examples)
    elapsed = time.monotonic() - started
    print(f"\nschemathesis ({login}): {operations} operations, {cases} cases, {failing} failing cases, "
          f"{len(failures)} distinct failures (operation and check), {elapsed:.0f} s")
    assert not failures, "\n".join(failures)


def test_document_is_valid_openapi(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").get_json())


def _route_operations(app) -> dict[tuple[str, str], set[str]]:
    """(path as OpenAPI writes it, method) → the names of its path parameters, for every rule under /api/v1."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(path, method.lower())] = set(rule.arguments)
    return found


def test_every_api_route_is_documented_under_its_parameter_names(app, client):
    """Every rule under /api/v1 in the URL map, each method, is an operation of the document, and the
    operation names each path parameter as the route does (the issue: /lineage/{kind}/… for kind_name)."""
    document = client.get("/api/v1/openapi.json").get_json()
    routes = _route_operations(app)
    missing, misnamed = [], []
    for (path, method), names in sorted(routes.items()):
        operation = document["paths"].get(path, {}).get(method)
        if operation is None:
            missing.append(f"{method.upper()} {path}")
            continue
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        if documented != names:
            misnamed.append(f"{method.upper()} {path}: {sorted(documented)} ≠ {sorted(names)}")
    assert not missing, missing
    assert not misnamed, misnamed
    # And nothing documented that no route answers.
    extra = [f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops if (p, m) not in routes]
    assert not extra, extra
    assert len(routes) > 190  # every kind's routes are in the map, one rule per kind


def test_two_first_asks_at_once_get_the_whole_document(app, tmp_path):
    """The operations go into the document when it is first asked for (web/api CatalogApi.document): two
    processes' threads asking at once both get every operation, each once, as an app asked once does."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        documents = list(pool.map(lambda _: app.test_client().get("/api/v1/openapi.json").get_json(), range(2)))
    assert documents[0] == documents[1]
    assert len(documents[0]["paths"]) > 150
    tags = [tag["name"] for tag in documents[0]["tags"]]
    assert len(tags) == len(set(tags)) > 20  # each tag once


def test_the_routes_the_issue_found_missing_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path, method in [("/lineage/{kind_name}/{record_id}", "get"), ("/impact/{kind_name}/{record_id}", "get"),
                         ("/processes/{record_id}/systems", "get"), ("/reports/hand-typed", "get"),
                         ("/reports/paper-requests", "get"), ("/reports/duplicated-systems", "get"),
                         ("/imports/{kind}", "post"), ("/processes/{process_id}/runs", "get")]:
        assert method in paths.get(path, {}), path
    runs = paths["/processes/{process_id}/runs"]["get"]
    assert [p["name"] for p in runs["parameters"] if p["in"] == "path"] == ["process_id"]
    lineage = paths["/lineage/{kind_name}/{record_id}"]["get"]
    assert {p["name"] for p in lineage["parameters"] if p["in"] == "query"} == {"direction", "depth", "edge_types"}
    assert lineage["summary"].startswith("Происхождение данных")
    # The errors keep one shape, in Russian, and the statuses the README names.
    assert document["components"]["schemas"]["Error"]["required"] == ["error", "fields"]
    change = paths["/processes/{record_id}"]["patch"]["responses"]
    assert {"401", "403", "404", "409", "413", "422", "503"} <= set(change)
    assert change["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_docs_page_shows_each_section_once(client):
    """Operations of one tag from several domains (a process's runs, systems, costs) sit in one section."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/api/v1/docs").get_data(as_text=True), "html.parser")
    headings = [h.get_text() for h in page.select("h2[id]")]
    assert len(headings) == len(set(headings)), headings
    processes = page.find("h2", id="Процессы").find_next_siblings()
    section = []
    for element in processes:
        if element.name == "h2":
            break
        section.append(element.get_text(" ", strip=True))
    assert any("/api/v1/processes/{process_id}/runs" in text for text in section)
    assert any("/api/v1/processes/{record_id}/status-history" in text for text in section)
