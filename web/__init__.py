"""The web application: pages in Russian and the REST API, over the catalog services."""
from __future__ import annotations

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect

from catalog.config import Settings, load_settings
from catalog.db import make_engine, make_session_factory
from catalog.services.context import Context

csrf = CSRFProtect()


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    settings = settings or load_settings(**overrides)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        CATALOG=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        # Uploads may be as large as the import limit (plus the form around the file).
        MAX_CONTENT_LENGTH=max(16 * 1024 * 1024, settings.import_max_bytes + 1024 * 1024),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    engine = make_engine(settings.database_url)
    app.extensions["catalog_engine"] = engine
    app.extensions["catalog_sessions"] = make_session_factory(engine)
    csrf.init_app(app)

    from web import (admin, api, auth, dashboard, errors, gate, imports, lineage, linked, pages, passports,
                     projects, search, views_helpers)

    auth.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(imports.api_bp)
    csrf.exempt(imports.api_bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(imports.bp)
    imports.init_app(app)
    app.register_blueprint(admin.bp)
    app.register_blueprint(lineage.bp)
    app.register_blueprint(linked.bp)
    app.register_blueprint(linked.api_bp)
    csrf.exempt(linked.api_bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(gate.bp)
    app.register_blueprint(gate.api_bp)
    csrf.exempt(gate.api_bp)
    gate.init_app(app)
    app.register_blueprint(dashboard.api_bp)
    csrf.exempt(dashboard.api_bp)
    app.register_blueprint(passports.bp)
    app.register_blueprint(passports.api_bp)
    csrf.exempt(passports.api_bp)
    app.register_blueprint(projects.bp)
    app.register_blueprint(projects.api_bp)
    csrf.exempt(projects.api_bp)
    search.init_app(app)
    views_helpers.init_app(app)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db", None)
        if session is not None:
            session.close()

    return app


def db_session():
    if "db" not in g:
        from flask import current_app

        g.db = current_app.extensions["catalog_sessions"]()
    return g.db


def context() -> Context:
    """The service context of the current request."""
    from flask import current_app

    from catalog.graph import open_graph

    from catalog.search import open_search

    settings = current_app.config["CATALOG"]
    sessions = current_app.extensions["catalog_sessions"]
    if "catalog_graph" not in current_app.extensions:
        current_app.extensions["catalog_graph"] = open_graph(settings, sessions)
    if "catalog_search" not in current_app.extensions:
        current_app.extensions["catalog_search"] = open_search(settings, sessions)
    return Context(session=db_session(), user=g.get("user"), settings=settings,
                   graph=current_app.extensions["catalog_graph"], search=current_app.extensions["catalog_search"])
