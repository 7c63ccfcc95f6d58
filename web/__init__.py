"""The web application: pages in Russian and the REST API, over the catalog services."""
from __future__ import annotations

import jinja2
from flask import Flask, g
from flask_wtf.csrf import CSRFProtect

from catalog import formatting
from catalog.config import Settings, load_settings
from catalog.runtime import Runtime
from catalog.services.context import Context
from web import inputs

csrf = CSRFProtect()


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once in a process, for every app made in it (the test suite makes one a test,
    and compiling a page's templates took about 40 ms); Jinja compiles again when a source changes."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


compiled_templates = CompiledTemplates()


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, **overrides) -> Flask:
    """The web app over a runtime (``catalog serve`` passes its own; otherwise one from the settings)."""
    runtime = runtime or Runtime(settings or load_settings(**overrides))
    settings = runtime.settings
    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": compiled_templates}
    inputs.init_app(app)  # bounded <int:…> in every route and limited JSON: before any blueprint
    app.config.update(
        SECRET_KEY=settings.secret_key,
        CATALOG=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,  # CATALOG_SECURE_COOKIES; CSRF tokens live in this session
        WTF_CSRF_TIME_LIMIT=None,
        # Uploads may be as large as the import limit (plus the form around the file).
        MAX_CONTENT_LENGTH=max(16 * 1024 * 1024, settings.import_max_bytes + 1024 * 1024),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (login throttling) and scheme as the proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    app.extensions["catalog"] = runtime
    from catalog.linked.sparql import warm_up

    warm_up()  # a fresh process's first SPARQL query answers at once (issue 19)
    csrf.init_app(app)
    formatting.init_jinja(app)  # |number, |money, |percent, |day, |moment, |counted('процесс') in every template

    from web import api, auth, errors, outbox, security
    from web.pages import (dashboard, documents, duties, gate, harvest, helpers, imports, inbox, lineage, linked,
                           passports, personal_data, projects, quality, records, requests, search, search_misses, users)

    auth.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    # The JSON API under /api/v1, one blueprint per domain, and its generated document (web/api/).
    api.init_app(app, csrf)
    # The pages in Russian, one module per domain (web/pages/).
    for blueprint in (records.bp, search.bp, search_misses.bp, lineage.bp, linked.bp, imports.bp, passports.bp,
                      projects.bp, requests.bp, dashboard.bp, users.bp, gate.bp, harvest.bp, personal_data.bp,
                      inbox.bp, documents.bp, duties.bp, quality.bp):
        app.register_blueprint(blueprint)
    # Hooks: runs on process pages, re-checks of system requests and the search index after writes, globals.
    for module in (imports, requests, search, outbox, helpers, inbox, duties):
        module.init_app(app)

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for /favicon.ico on pages without the <link rel="icon"> (prints, JSON, files).
        return app.send_static_file("favicon.svg"), 200, {"Content-Type": "image/svg+xml",
                                                          "Cache-Control": "public, max-age=86400"}

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db", None)
        if session is not None:
            session.close()

    return app


def db_session():
    if "db" not in g:
        from flask import current_app

        g.db = current_app.extensions["catalog"].sessions()
    return g.db


def context() -> Context:
    """The service context of the current request."""
    from flask import current_app

    return current_app.extensions["catalog"].context(db_session(), user=g.get("user"))
