"""The search page and the page where agency editors review suggested typical names."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from catalog.search.query import FILTERS
from catalog.services import names, search
from web import context
from web.inputs import int_arg
from web.security import safe_next

bp = Blueprint("search", __name__)


def _page_number() -> int:
    try:
        return min(1000, max(1, int(request.args.get("page", 1))))
    except ValueError:
        return 1


def _search_url(**changes) -> str:
    """This search with some parameters replaced (a list: all values of a repeatable one; None: removed).

    Built from the request's MultiDict so repeated filters stay separate parameters; Jinja's
    ``urlencode`` of a dict of lists wrote them as ``kind=['processes']``."""
    args = request.args.copy()
    for name, value in changes.items():
        args.poplist(name)
        if value is not None:
            args.setlist(name, value if isinstance(value, list) else [value])
    return url_for("search.search_page", **args.to_dict(flat=False))


def _facet_url(name: str, value, selected: bool) -> str:
    current = request.args.getlist(name)
    value = str(int(value) if isinstance(value, bool) else value)
    chosen = [v for v in current if v != value] if selected else current + [value]
    return _search_url(**{name: chosen or None, "page": None})  # a new filter starts again at page 1


@bp.get("/search")
def search_page():
    q = request.args.get("q", "")
    result = search.search(context(), q, request.args, _page_number(), 20)
    selected = {name: request.args.getlist(name) for name in FILTERS if request.args.getlist(name)}
    return render_template("search.html", q=q, result=result, selected=selected, facet_labels=search.FACET_LABELS,
                           facet_url=_facet_url, search_url=_search_url, note=search.note(result))


@bp.get("/names")
def names_page():
    ctx = context()
    agency_id = int_arg("agency", None)
    curated = names.curated_spheres(ctx)
    # The curating body opens on its own sphere (Samara concept, section 3 task 10).
    sphere_id = int_arg("sphere", curated[0].id if curated and "sphere" not in request.args else None)
    state = request.args.get("state") or "suggested"
    rows = names.list_matches(ctx, agency_id, state, sphere_id=sphere_id)
    from web.pages.helpers import ref_options

    return render_template("names.html", report=names.report(ctx, sphere_id), rows=rows, agency_id=agency_id,
                           state=state, states=names.STATES, agencies=ref_options("agencies"),
                           spheres=ref_options("service-spheres"), sphere_id=sphere_id, curated=curated,
                           threshold=names.THRESHOLD)


@bp.post("/names/<int:match_id>/<any(accept,reject):decision>")
def name_decision(match_id, decision):
    ctx = context()
    match = names.decide(ctx, match_id, decision == "accept")
    row = names.describe(ctx, [match])[0]
    flash(f"Предложение {'принято' if match.state == 'accepted' else 'отклонено'}: «{row.typical_name}».")
    return redirect(safe_next(request.form.get("next"), url_for("search.names_page")))


@bp.post("/names/match")
def names_match():
    counts = names.match_names(context())
    flash("Названия сопоставлены с типовым перечнем: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")
    return redirect(url_for("search.names_page"))


def init_app(app) -> None:
    @app.after_request
    def _index_writes(response):
        # Keep the index in step with each write, so searches rarely wait for it (the outbox
        # consumer does it when one runs: web/outbox.py wakes it).
        if app.extensions["catalog"].outbox_consumer is None and request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            try:
                search.catch_up(context())
            except Exception:  # the next search catches up; a write never fails for the index
                app.logger.exception("search index: catching up after a write failed")
        return response
