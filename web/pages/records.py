"""Server-rendered pages in Russian: home, lists, record pages with links and history, edit forms."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from catalog.enums import LinkType, ProcessStatus
from catalog.errors import Conflict, Forbidden, InvalidInput
from catalog.kinds import KINDS, LINK_RULES
from catalog.services import history as history_service
from catalog.services import records, rules, stats
from web import context
from web.api import KIND_PATH, list_filters
from web.security import safe_next
from web.pages.helpers import form_fields, form_to_data, ref_options, refs_for
from web.inputs import form_version

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    ctx = context()
    return render_template(
        "home.html",
        overview=stats.overview(ctx),
        statuses=list(ProcessStatus),
        events=history_service.recent_events(ctx, 15),
    )


@bp.route(f"/{KIND_PATH}/")
def list_page(kind_name):
    kind = KINDS[kind_name]
    settings = current_app.config["CATALOG"]
    try:
        page_no = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_no = 1
    filters = list_filters(kind_name, request.args)
    page = records.list_records(
        context(), kind_name, filters=filters, q=request.args.get("q"), page=page_no,
        per_page=settings.page_size, only_deleted=request.args.get("deleted") == "1",
    )
    filter_fields = [f for f in form_fields(kind) if f.name in records.filterable_fields(kind)
                     and f.widget in ("select",) and (f.choices or (f.ref and f.ref in ("agencies", "process-groups")))]
    options = {f.name: f.choices or ref_options(f.ref) for f in filter_fields}
    return render_template(
        "list.html", kind=kind, page=page, refs=refs_for(kind, page.items), filters=filters,
        filter_fields=filter_fields, options=options, q=request.args.get("q", ""),
    )


@bp.route(f"/{KIND_PATH}/<int:record_id>")
def detail(kind_name, record_id):
    from web.pages.linked import negotiated_rdf

    rdf = negotiated_rdf(kind_name, record_id)  # Accept: text/turtle, application/ld+json, …
    if rdf is not None:
        return rdf
    kind = KINDS[kind_name]
    ctx = context()
    record = records.get_record(ctx, kind_name, record_id)
    outgoing, incoming = records.links_of(ctx, kind_name, record_id)
    transitions = records.status_transitions(ctx, record_id) if kind_name == "processes" else []
    children = _children(kind_name, record_id)
    mart = _mart_extras(ctx, record) if kind_name == "marts" else {}
    # The newest changes; the rest on the history page (a worked record has hundreds, each a row to word).
    events = records.record_history(ctx, kind_name, record_id, limit=FEED_ON_PAGE + 1)
    return render_template(
        "detail.html", kind=kind, record=record, refs=refs_for(kind, [record]), **_rule_flags(ctx, kind_name, record),
        fields=[f for f in form_fields(kind)], outgoing=outgoing, incoming=incoming,
        events=events[:FEED_ON_PAGE], more_events=len(events) > FEED_ON_PAGE, transitions=transitions,
        children=children, link_types=[t for t, (sources, _) in LINK_RULES.items() if kind_name in sources],
        LinkType=LinkType, **mart,
    )


FEED_ON_PAGE = 20  # changes a record's page shows


@bp.route(f"/{KIND_PATH}/<int:record_id>/history")
def history_page(kind_name, record_id):
    """Every change of a record and of its links, newest first."""
    ctx = context()
    record = records.get_record(ctx, kind_name, record_id)
    return render_template("history.html", kind=KINDS[kind_name], record=record,
                           events=records.record_history(ctx, kind_name, record_id))


def _rule_flags(ctx, kind_name: str, record) -> dict:
    """What a record's page shows of the gate and of the evidence of statuses (issue 17)."""
    from catalog.services import evidence, gate

    if kind_name == "systems":
        return {"gate_flags": [flag] if (flag := gate.system_flag(ctx, record)) else []}
    if kind_name == "processes":
        has = evidence.evidence_of(ctx, [record.id])  # read once for the gate and for the status
        return {"gate_flags": gate.process_flags(ctx, record, has),
                "status_flag": evidence.status_flag(ctx, record, has[record.id]),
                "certifications": evidence.list_certifications(ctx, record.id)}
    return {}


def _mart_extras(ctx, mart) -> dict:
    """A mart's page says how its declared quality stands and who takes data from it."""
    from catalog.services import consistency
    from web.pages import quality

    return {**quality.mart_extras(ctx, mart), "mart_quality": consistency.mart_quality(ctx.settings, mart),
            "mart_consumers": consistency.mart_consumers(ctx, mart.id),
            "mart_term": ctx.settings.mart_quality_term_days}


def _children(kind_name: str, record_id: int) -> list[tuple]:
    """Records that point to this one by a foreign key (a dataset's entities, an agency's processes)."""
    out = []
    for child in KINDS.values():
        for name, field in child.fields().items():
            if field.metadata.get("ref") == kind_name and child.name != "links":
                page = records.list_records(context(), child.name, filters={name: record_id}, per_page=20)
                if page.total:
                    out.append((child, field.metadata.get("label", name), name, page))
    return out


def _form_page(kind, record, data, errors, message=None, status=200, conflict=None):
    fields = form_fields(kind)
    options = {f.name: ref_options(f.ref) for f in fields if f.ref}
    return render_template(
        "form.html", kind=kind, record=record, data=data, errors=errors or {}, message=message,
        fields=fields, options=options, conflict=conflict,
    ), status


@bp.route(f"/{KIND_PATH}/new", methods=["GET", "POST"])
def create_page(kind_name):
    kind = KINDS[kind_name]
    if kind_name == "links":
        return redirect(url_for("pages.list_page", kind_name="links"))
    if request.method == "POST":
        data = form_to_data(kind, request.form, partial_version=False)
        if request.form.get("change_arose_on"):
            data["change_arose_on"] = request.form["change_arose_on"]
        try:
            record = records.create_record(context(), kind_name, data)
        except (InvalidInput, Forbidden) as error:  # a refused save keeps what was typed
            return _form_page(kind, None, data, error.fields, error.message, error.status)
        flash(f"Запись «{record.title}» создана.")
        return redirect(url_for("pages.detail", kind_name=kind_name, record_id=record.id))
    # A form the user may not save is refused when it is opened, saying why.
    rules.check(context(), "records.create", rules.Change(kind_name))
    data = {k: v for k, v in request.args.items()}
    return _form_page(kind, None, data, {})


@bp.route(f"/{KIND_PATH}/<int:record_id>/edit", methods=["GET", "POST"])
def edit_page(kind_name, record_id):
    kind = KINDS[kind_name]
    ctx = context()
    record = records.get_record(ctx, kind_name, record_id)
    if request.method == "POST":
        data = form_to_data(kind, request.form)
        if request.form.get("change_arose_on"):
            data["change_arose_on"] = request.form["change_arose_on"]
        try:
            records.update_record(ctx, kind_name, record_id, data)
        except (InvalidInput, Forbidden) as error:
            ctx.session.rollback()
            return _form_page(kind, record, data, error.fields, error.message, error.status)
        except Conflict as error:
            ctx.session.expire_all()
            record = records.get_record(ctx, kind_name, record_id)
            return _form_page(kind, record, data, {}, error.message, 409, conflict=error.extra.get("changes", []))
        flash("Изменения сохранены.")
        return redirect(url_for("pages.detail", kind_name=kind_name, record_id=record_id))
    rules.check(ctx, rules.record_rule(kind_name, "update"), record)
    data = records.dump_record(kind_name, record)
    return _form_page(kind, record, data, {})


@bp.post(f"/{KIND_PATH}/<int:record_id>/delete")
def delete_page(kind_name, record_id):
    record = records.delete_record(context(), kind_name, record_id, form_version())
    flash(f"Запись «{record.title}» удалена. Её можно восстановить.")
    return _back_to(kind_name, record_id)


@bp.post(f"/{KIND_PATH}/<int:record_id>/restore")
def restore_page(kind_name, record_id):
    record = records.restore_record(context(), kind_name, record_id, form_version())
    flash(f"Запись «{record.title}» восстановлена.")
    return _back_to(kind_name, record_id)


def _back_to(kind_name, record_id):
    return redirect(safe_next(request.form.get("next"), url_for("pages.detail", kind_name=kind_name, record_id=record_id)))


@bp.route(f"/{KIND_PATH}/<int:record_id>/links/new", methods=["GET", "POST"])
def new_link_page(kind_name, record_id):
    ctx = context()
    source = records.get_record(ctx, kind_name, record_id)
    link_types = {t: targets for t, (sources, targets) in LINK_RULES.items() if kind_name in sources}
    if not link_types:
        abort(404)
    values = request.values
    link_type = values.get("link_type") if values.get("link_type") in link_types else next(iter(link_types))
    target_kinds = sorted(link_types[link_type])
    target_kind = values.get("target_kind") if values.get("target_kind") in target_kinds else target_kinds[0]
    errors, message, status = {}, None, 200
    if request.method == "POST" and request.form.get("save"):
        data = {
            "link_type": link_type, "source_kind": kind_name, "source_id": record_id,
            "target_kind": target_kind, "target_id": request.form.get("target_id") or None,
            "transport": request.form.get("transport") or None, "frequency": request.form.get("frequency") or None,
            "description": request.form.get("description", ""),
        }
        try:
            records.create_record(ctx, "links", data)
        except (InvalidInput, Forbidden) as error:
            ctx.session.rollback()
            errors, message, status = error.fields, error.message, error.status
        else:
            flash("Связь добавлена.")
            return redirect(url_for("pages.detail", kind_name=kind_name, record_id=record_id))
    else:
        # A link is added by whoever may change its source record (README «Roles»).
        rules.check(ctx, "links.create", rules.Change("links", None, {"source_kind": kind_name, "source_id": record_id}))
    q = values.get("q", "")
    candidates = records.list_records(ctx, target_kind, q=q or None, per_page=200).items
    return render_template(
        "link_form.html", kind=KINDS[kind_name], source=source, link_types=link_types, link_type=link_type,
        target_kinds=target_kinds, target_kind=target_kind, candidates=candidates, q=q,
        errors=errors, message=message, values=values, LinkType=LinkType,
    ), status
