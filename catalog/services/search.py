"""Searching the catalogue: the one way the API, the pages and the CLI ask the search index.

Before answering, the index catches up with the outbox, so a record just written or
deleted is found (or gone) at once, whichever process wrote it. When an outbox consumer
runs (catalog.outbox), only a short tail is applied here and the consumer does the rest.
"""
from __future__ import annotations

from sqlalchemy import select

from catalog import models
from catalog.enums import ProcessStatus
from catalog.errors import Unavailable
from catalog.kinds import KINDS
from catalog.search.documents import AGENCY_COLUMN
from catalog.search.highlight import highlight, matcher
from catalog.search.query import FILTERS, IndexBusy, ParsedQuery, SearchResult, Suggestion, parse_filters, parse_query
from catalog.services import permissions, rules
from catalog.services.context import Context
from catalog.services.records import labels_for

# Facets whose values are records: their labels are the records' titles.
REBUILD_OVER = 20_000  # events: past this, an empty index is built from the store, not from the outbox

FACET_KINDS = {"agency": "agencies", "life_situation": "life-situations", "group": "process-groups",
               "system": "systems"}


def _projection(ctx: Context):
    if ctx.search is None:
        raise Unavailable("Поиск не настроен.")
    return ctx.search


def catch_up(ctx: Context) -> None:
    """Apply the change events the index has not seen yet."""
    projection = _projection(ctx)
    if ctx.outbox is not None:  # a consumer keeps the index in step: a request applies at most a tail
        ctx.outbox.tail("search")
        return
    newest, position = projection.newest_event(ctx.session), projection.index.position()
    if newest <= position:
        return
    try:
        # A new, empty index over a large catalogue is quicker built than replayed.
        if position == 0 and newest > REBUILD_OVER:
            projection.reindex()
        else:
            projection.sync()
    except IndexBusy:
        pass  # another process is applying the same events


def _highlighter(parsed: ParsedQuery):
    matches = matcher(parsed)

    def apply(hit, text: str):
        hit.highlights["title"] = highlight(hit.title, matches)
        fragment = highlight(text, matches, fragment=True) if text else None
        if fragment:
            hit.highlights["text"] = fragment
        return hit

    return apply


def search(ctx: Context, q: str | None, args=None, page: int = 1, per_page: int = 20) -> SearchResult:
    """Records matching ``q`` under the filters in ``args`` (request parameters), with facet counts."""
    permissions.require_read(ctx)
    parsed = parse_query(q)
    filters = parse_filters(args or {})
    catch_up(ctx)
    result = _projection(ctx).index.search(parsed, filters, page, per_page, _highlighter(parsed))
    _label_facets(ctx, result)
    describe(ctx, result.hits)
    return result


def suggest(ctx: Context, q: str | None, limit: int = 8) -> list[Suggestion]:
    """Names of records starting as typed so far, for the search box."""
    permissions.require_read(ctx)
    text = (q or "")[:200]
    if not text.strip():
        return []
    catch_up(ctx)
    return describe(ctx, _projection(ctx).index.suggest(text, limit))


def describe(ctx: Context, items: list) -> list:
    """Fill in what tells like-named hits or suggestions apart: the agency, and a process's status and
    registry identifier (twenty agencies each have «Выдача лицензии…»). One narrow query per kind."""
    by_kind: dict[str, list] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    agency_of: dict[tuple[str, int], int] = {}
    status: dict[int, tuple] = {}  # process id → (status, registry id)
    for kind, group in by_kind.items():
        column = AGENCY_COLUMN.get(kind)
        if column is None or kind == "agencies":
            continue
        model = KINDS[kind].model
        ids = [item.record_id for item in group]
        extra = [model.status, model.registry_id] if kind == "processes" else []
        for row in ctx.session.execute(select(model.id, getattr(model, column), *extra).where(model.id.in_(ids))):
            agency_of[(kind, row[0])] = row[1]
            if kind == "processes":
                status[row[0]] = row[2:]
    names = {}
    agency_ids = {i for i in agency_of.values() if i is not None}
    if agency_ids:
        names = {i: short or name for i, name, short in ctx.session.execute(
            select(models.Agency.id, models.Agency.name, models.Agency.short_name)
            .where(models.Agency.id.in_(agency_ids)))}
    for item in items:
        item.agency = names.get(agency_of.get((item.kind, item.record_id)))
        if item.kind == "processes" and item.record_id in status and hasattr(item, "status"):  # hits, not suggestions
            item.status, item.registry_id = status[item.record_id]
            item.status_label = ProcessStatus.label_of(item.status) or None
    return items


def _label_facets(ctx: Context, result: SearchResult) -> None:
    refs = {(FACET_KINDS[name], v.value) for name, values in result.facets.items() if name in FACET_KINDS
            for v in values}
    labels = labels_for(ctx, refs)
    for name, values in result.facets.items():
        for value in values:
            if name in FACET_KINDS:
                label = labels.get((FACET_KINDS[name], value.value))
                value.label = label.title if label else f"#{value.value}"
            elif name == "kind":
                value.label = KINDS[value.value].label if value.value in KINDS else str(value.value)
            elif name == "status":
                value.label = ProcessStatus.label_of(value.value)
            elif name == "digital":
                value.label = "в цифровом виде" if value.value else "не в цифровом виде"
        values.sort(key=lambda v: (-v.count, v.label))


FACET_LABELS = {name: label for name, (_, label, _) in FILTERS.items()}


@rules.operation("search.reindex")
def reindex(ctx: Context, progress=None) -> int:
    rules.check(ctx, "search.reindex")
    return _projection(ctx).reindex(progress)


def sync(ctx: Context, progress=None) -> int:
    return _projection(ctx).sync(progress)


def check(ctx: Context):
    return _projection(ctx).check()
