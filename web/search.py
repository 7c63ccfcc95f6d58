"""The search page and the page where agency editors review suggested typical names."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from catalog.search.query import FILTERS
from catalog.services import search
from web import context

bp = Blueprint("search", __name__)


def _page_number() -> int:
    try:
        return min(1000, max(1, int(request.args.get("page", 1))))
    except ValueError:
        return 1


@bp.get("/search")
def search_page():
    q = request.args.get("q", "")
    result = search.search(context(), q, request.args, _page_number(), 20)
    selected = {name: request.args.getlist(name) for name in FILTERS if request.args.getlist(name)}
    return render_template("search.html", q=q, result=result, selected=selected, facet_labels=search.FACET_LABELS)


def init_app(app) -> None:
    @app.after_request
    def _index_writes(response):
        # Keep the index in step with each write, so searches rarely wait for it.
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            try:
                search.catch_up(context())
            except Exception:  # the next search catches up; a write never fails for the index
                app.logger.exception("search index: catching up after a write failed")
        return response
