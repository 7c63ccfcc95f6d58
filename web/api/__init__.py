"""REST API under /api/v1: one blueprint per domain (``web/api/<domain>.py``), thin views over
``catalog.services``, and the OpenAPI document generated from those routes and their schemas.

flask-smorest documents each blueprint registered (``init_app``), when the document is first asked for
(``CatalogApi.document``): a route of these blueprints cannot exist without its operation. Query
parameters are read by schemas (``web.api.base.QueryArgs``); bodies are validated by the services with
the schemas of catalog/schemas that the document names; errors are ``{"error", "fields"}`` in Russian (``web.api.base``).
"""
from __future__ import annotations

import copy
import threading

import flask_smorest
from flask import current_app, jsonify, render_template

from web.api.base import Blueprint, ErrorSchema, complete, catalog_error as _catalog_error, http_error as _http_error  # noqa: F401

TITLE = "Каталог процессов и данных региона"


class CatalogApi(flask_smorest.Api):
    """flask-smorest for the document only: errors stay the blueprints' own (web/api/base.py), and the
    document is served by our views below, not by flask-smorest's."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app) -> None:
        self._undocumented = []  # (blueprint, name, parameters) registered, not yet in the document
        self._documenting = threading.Lock()
        super().__init__(app)

    def _register_error_handlers(self):
        """Pages keep their own error handlers (web/errors.py); the API's blueprints have theirs."""

    def register_blueprint(self, blp, *, parameters=None, **options):
        """The blueprint's routes at once, its operations in the document when the document is first
        asked for (``document``): generating them was half of an app's start (about 0,2 s of 0,5), paid
        by every server process and every test, and few processes ever serve the document."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def document(self) -> dict:
        """The OpenAPI document of every registered blueprint, in the order they were registered."""
        with self._documenting:
            for blp, name, parameters in self._undocumented:
                blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
                self.spec.tag({"name": name, "description": blp.description})
            self._undocumented.clear()
            return self.spec.to_dict()


# Named «api» as the one blueprint was: pages link to api.openapi_page.
docs = Blueprint("api", __name__, tag="Документ API")


def _blueprints():
    from web.api import (calendar, costs, dashboard, duties, gate, harvest, imports, inbox, lineage, linked, names,
                         openlineage, passports, people, personal_data, projects, quality, records, requests, search)

    return [module.blp for module in (records, lineage, search, names, imports, openlineage, linked, requests,
                                      dashboard, passports, costs, projects, calendar, gate, harvest,
                                      personal_data, inbox, people, duties, quality)] + [docs]


def init_app(app, csrf) -> None:
    app.config.update(API_TITLE=TITLE, API_VERSION="1.0", OPENAPI_VERSION="3.0.3", API_SPEC_OPTIONS={
        "info": {"description": "Реестр процессов, наборов данных, информационных систем и витрин данных. "
                                "Запись требует токена API в заголовке Authorization: Bearer."},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}}})
    api = CatalogApi(app)
    app.extensions["catalog_api"] = api
    for blueprint in _blueprints():
        api.register_blueprint(blueprint)
        # Tokens or a session with X-CSRFToken (web/api/base.py), not the form's CSRF field.
        csrf.exempt(blueprint)


def build_spec() -> dict:
    """The document of this app, generated once."""
    extensions = current_app.extensions
    if "catalog_openapi" not in extensions:
        document = copy.deepcopy(extensions["catalog_api"].document())
        # The document's own paths are relative to servers[0] (/api/v1), as the routes' blueprints are.
        document["paths"] = {path.removeprefix("/api/v1"): ops for path, ops in document["paths"].items()}
        extensions["catalog_openapi"] = complete(document)
    return extensions["catalog_openapi"]


@docs.get("/openapi.json")
@docs.response(200, description="Документ OpenAPI 3")
@docs.doc(summary="Этот документ OpenAPI 3")
def openapi_json():
    return jsonify(build_spec())


@docs.get("/docs")
@docs.doc(summary="Страница документа API", responses={"200": {
    "description": "Страница", "content": {"text/html": {"schema": {"type": "string"}}}}})
def openapi_page():
    spec = build_spec()
    tags = list(dict.fromkeys(op["tags"][0] for ops in spec["paths"].values() for op in ops.values()))
    # One section per tag: paths of a tag that several blueprints share (Процессы) are shown together.
    paths = sorted(spec["paths"].items(), key=lambda item: tags.index(next(iter(item[1].values()))["tags"][0]))
    return render_template("api_docs.html", spec={**spec, "paths": dict(paths)}, tags=tags)


# What pages reuse from the API (web/pages/records.py, web/pages/lineage.py, web/errors.py).
from web.api.records import KIND_PATH, list_filters  # noqa: E402,F401
from web.api.lineage import graph_json  # noqa: E402,F401
