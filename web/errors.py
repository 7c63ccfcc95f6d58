"""Errors on pages: Russian error pages, and the login form when a visitor must sign in.

The API blueprints answer their own errors as JSON (web/api/base.py).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from catalog.errors import CatalogError, InvalidInput, NotFound, Unauthorized


def init_app(app) -> None:
    @app.errorhandler(CatalogError)
    def _catalog_error(error: CatalogError):
        if request.path.startswith("/api/"):  # raised before any blueprint was chosen (web/inputs.py)
            from web.api import _catalog_error as api_error

            return api_error(error)
        if isinstance(error, Unauthorized):
            flash(error.message)
            return redirect(url_for("auth.login", next=request.full_path))
        return render_template("error.html", error=error), error.status

    @app.errorhandler(CSRFError)
    def _csrf_error(_error):
        error = InvalidInput("Форма устарела или отправлена не со страницы каталога: обновите страницу и повторите.")
        return render_template("error.html", error=error), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # Routing errors (404, 405) happen before any blueprint is chosen: the API's still answer JSON.
        if request.path.startswith("/api/"):
            from web.api import _http_error as api_error

            return api_error(error)
        if error.code == 404:
            return render_template("error.html", error=NotFound("Страница не найдена.")), 404
        if getattr(error, "catalog_error", None) is not None:  # a path number out of range (web/inputs.py)
            return render_template("error.html", error=error.catalog_error), error.code
        return error
