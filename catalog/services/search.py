"""Searching the catalogue: the one way the API, the pages and the CLI ask the search index.

Before answering, the index catches up with the outbox, so a record just written or
deleted is found (or gone) at once, whichever process wrote it. When an outbox consumer
runs (catalog.outbox), only a short tail is applied here and the consumer does the rest.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import datetime, timezone

from sqlalchemy import select

from catalog import models
from catalog.enums import ProcessStatus
from catalog.errors import Unavailable
from catalog.kinds import KINDS
from catalog.search.documents import AGENCY_COLUMN, SEARCHED_KINDS, kind_label, stage_label
from catalog.search.highlight import highlight, matcher
from catalog.search.query import (FILTERS, IndexBusy, ParsedQuery, SearchResult, Suggestion, best_effort,
                                  parse_filters, parse_query)
from catalog.services import permissions, rules, thesaurus
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


def catch_up(ctx: Context) -> int | None:
    """Apply the change events the index has not seen yet; the newest event of the store, when it was read."""
    projection = _projection(ctx)
    if ctx.outbox is not None:  # a consumer keeps the index in step: a request applies at most a tail
        ctx.outbox.tail("search")
        return None
    newest, position = projection.newest_event(ctx.session), projection.index.position()
    if newest <= position:
        return newest
    try:
        # A new, empty index over a large catalogue is quicker built than replayed.
        if position == 0 and newest > REBUILD_OVER:
            projection.reindex()
        else:
            projection.sync()
    except IndexBusy:
        pass  # another process is applying the same events
    return newest


class StoreNames:
    """What a search shows from the store besides the index — facet values' titles, a hit's agency, a
    process's status and registry identifier — as of one state of the store: its newest change event
    (every write appends one: catalog.services.history). A search at the same state reads from here what
    an earlier one read; after a write, what the new events touch is read again (``moved_on``)."""

    MAX = 100_000  # entries: past this the names are read again
    CARRY_OVER = 2_000  # events: after more than this many, everything is read again

    def __init__(self, as_of: int):
        self.as_of = as_of
        self.titles: dict[tuple[str, int], str | None] = {}  # (kind, id) → title; None: no such record
        self.owners: dict[tuple[str, int], tuple | None] = {}  # (kind, id) → (agency id[, status, registry id])
        self.agencies: dict[int, str | None] = {}  # agency id → the name a hit shows

    @property
    def full(self) -> bool:
        return len(self.titles) + len(self.owners) > self.MAX

    def moved_on(self, session, newest: int) -> "StoreNames":
        """The names as of ``newest``: a new object holding what this one read, less the records the events
        since touched, so a busy region's every write does not make the next search read every name again.
        A new object, not this one changed: a search still reading at the older state writes only here."""
        later = StoreNames(newest)
        if not self.as_of < newest <= self.as_of + self.CARRY_OVER:
            return later
        touched = set(session.execute(select(models.ChangeEvent.record_kind, models.ChangeEvent.record_id).where(
            models.ChangeEvent.id > self.as_of, models.ChangeEvent.id <= newest)).all())
        later.titles = {ref: title for ref, title in self.titles.items() if ref not in touched}
        later.owners = {ref: owner for ref, owner in self.owners.items() if ref not in touched}
        later.agencies = {i: name for i, name in self.agencies.items() if ("agencies", i) not in touched}
        return later


_store_names: dict = {}  # session factory → StoreNames


def store_names(ctx: Context, newest: int | None = None) -> StoreNames:
    """The names read from this store at its newest change event (read here unless given).

    A search that read an older state keeps its own object, so what it reads never joins a newer state's.
    """
    projection = _projection(ctx)
    if newest is None:
        newest = projection.newest_event(ctx.session)
    names = _store_names.get(projection.sessions)
    if names is None or names.full:
        names = _store_names[projection.sessions] = StoreNames(newest)
    elif names.as_of != newest:
        names = _store_names[projection.sessions] = names.moved_on(ctx.session, newest)
    return names


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
    thesaurus.refresh(ctx.session)
    parsed = parse_query(q)
    filters = parse_filters(args or {})
    names = store_names(ctx, catch_up(ctx))
    result = best_effort(_projection(ctx).index, parsed, filters, page, per_page, _highlighter(parsed))
    _label_facets(ctx, result, names)
    describe(ctx, result.hits, names)
    if page == 1 and not filters and not parsed.empty:
        count_miss(ctx, parsed, result)
    return result


# Fewer hits than this with every word, or words left out, and a query counts as a miss.
FEW = 3


# Counts wait in memory and are written together at most this often (and at exit, and before the
# report is read), so a search never waits for a write.
FLUSH_SECONDS = 20.0
MAX_PENDING = 1000  # distinct queries waiting: past this they are written at once
_pending_lock = threading.Lock()
_pending: dict = {}  # session factory → {query text: [empty, few, last total, ignored, last at]}
_flushed_at: dict = {}


def count_miss(ctx: Context, parsed: ParsedQuery, result: SearchResult) -> None:
    """Count a query that found nothing or little with every word (who asked is not kept)."""
    if result.total >= FEW and not result.ignored and not result.partial:
        return
    if result.partial and result.strict_total >= FEW:
        return
    text = parsed.normalized[:500]
    if not text:
        return
    sessions = _projection(ctx).sessions
    empty = result.total == 0
    with _pending_lock:
        row = _pending.setdefault(sessions, {}).setdefault(text, [0, 0, 0, None, None])
        row[0 if empty else 1] += 1
        row[2], row[3], row[4] = result.total, " ".join(result.ignored) or None, datetime.now(timezone.utc)
        due = (time.monotonic() - _flushed_at.setdefault(sessions, time.monotonic()) >= FLUSH_SECONDS
               or len(_pending[sessions]) >= MAX_PENDING)
    if due:
        flush_misses(sessions)


def flush_misses(sessions=None, at_exit: bool = False) -> None:
    """Write the waiting counts (of one store, or of all) in one short transaction each.

    Each query's row is inserted or incremented in one statement (``INSERT … ON CONFLICT DO
    UPDATE``), so web processes that count the same query at once add up instead of one
    overwriting the other's count or failing on the new row. A lost count is only logged: counting
    never fails a search (at exit, when the store may be gone already, in one line).
    """
    from sqlalchemy.exc import SQLAlchemyError

    with _pending_lock:
        factories = [sessions] if sessions is not None else list(_pending)
        batches = {f: _pending.pop(f, {}) for f in factories}
        for factory in factories:
            _flushed_at[factory] = time.monotonic()
    for factory, batch in batches.items():
        if not batch:
            continue
        session = factory()
        try:
            session.execute(_miss_upsert(session.get_bind().dialect.name), [
                {"query": text, "empty_count": empty, "few_count": few, "last_total": total, "ignored": ignored,
                 "first_at": at, "last_at": at}
                for text, (empty, few, total, ignored, at) in sorted(batch.items())])
            session.commit()
        except SQLAlchemyError as error:
            session.rollback()
            if at_exit:
                logging.getLogger(__name__).warning("search: %d missed queries were not counted at exit: %s",
                                                    len(batch), type(error).__name__)
            else:
                logging.getLogger(__name__).exception("search: missed queries were not counted")
        finally:
            session.close()


def _miss_upsert(dialect: str):
    """One row a query: new, or its counts increased by the batch's (both engines speak ON CONFLICT)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = models.SearchMiss.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(index_elements=[table.c.query], set_={
        "empty_count": table.c.empty_count + statement.excluded.empty_count,
        "few_count": table.c.few_count + statement.excluded.few_count,
        "last_total": statement.excluded.last_total, "ignored": statement.excluded.ignored,
        "last_at": statement.excluded.last_at})


atexit.register(flush_misses, at_exit=True)


def misses(ctx: Context, limit: int = 200) -> list[models.SearchMiss]:
    """The queries that found nothing or little, the most frequent first: the process office's
    list of words to add to the thesaurus."""
    rules.check(ctx, "search.misses")
    from sqlalchemy import select

    flush_misses(_projection(ctx).sessions)
    total = models.SearchMiss.empty_count + models.SearchMiss.few_count
    return list(ctx.session.scalars(select(models.SearchMiss)
                                    .order_by(total.desc(), models.SearchMiss.last_at.desc()).limit(limit)))


def note(result: SearchResult) -> str | None:
    """What the search left out, in words a user reads above the results."""
    if not result.total:
        return None
    quoted = ", ".join(f"«{w}»" for w in result.ignored)
    parts = []
    if len(result.ignored) == 1:
        parts.append(f"не найдено слово {quoted}; показаны результаты без него")
    elif result.ignored:
        parts.append(f"не найдены слова {quoted}; показаны результаты без них")
    if result.partial and result.strict_total:
        parts.append(f"записей со всеми словами запроса — {result.strict_total}; после них показаны записи с частью слов")
    elif result.partial:
        parts.append("нет записей со всеми словами запроса; показаны записи с частью слов")
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def suggest(ctx: Context, q: str | None, limit: int = 8) -> list[Suggestion]:
    """Names of records starting as typed so far, for the search box."""
    permissions.require_read(ctx)
    text = (q or "")[:200]
    if not text.strip():
        return []
    thesaurus.refresh(ctx.session)
    names = store_names(ctx, catch_up(ctx))
    found = describe(ctx, _projection(ctx).index.suggest(text, limit), names)
    # The agencies of a name many records bear (one process in many agencies); a single record
    # is shown by its name alone, and the suggestion asks nothing more of the store.
    grouped = [s for s in found if s.count > 1]
    labels = titles(ctx, {("agencies", a) for s in grouped for a in s.agency_ids}, names) if grouped else {}
    for suggestion in grouped:
        suggestion.agencies = sorted(labels[("agencies", a)] for a in suggestion.agency_ids
                                     if labels.get(("agencies", a)) is not None)
    return found


def titles(ctx: Context, refs: set[tuple[str, int]], names: StoreNames) -> dict[tuple[str, int], str | None]:
    """Titles of records (None for a record that does not exist), read from the store once per its state."""
    missing = [ref for ref in refs if ref not in names.titles]
    if missing:
        found = labels_for(ctx, set(missing))
        names.titles.update({ref: found[ref].title if ref in found else None for ref in missing})
    return {ref: names.titles.get(ref) for ref in refs}


def describe(ctx: Context, items: list, names: StoreNames | None = None) -> list:
    """Fill in what tells like-named hits or suggestions apart: the agency, and a process's status and
    registry identifier (twenty agencies each have «Выдача лицензии…»). One narrow query per kind, for
    the records not described since the store last changed."""
    names = names or store_names(ctx)
    by_kind: dict[str, list[int]] = {}
    for item in items:
        if (item.kind, item.record_id) not in names.owners:
            by_kind.setdefault(item.kind, []).append(item.record_id)
    for kind, ids in by_kind.items():
        column = AGENCY_COLUMN.get(kind)
        if column is None or kind == "agencies":
            names.owners.update({(kind, i): None for i in ids})
            continue
        model = KINDS[kind].model
        extra = [model.status, model.registry_id] if kind == "processes" else []
        found = {row[0]: tuple(row[1:]) for row in ctx.session.execute(
            select(model.id, getattr(model, column), *extra).where(model.id.in_(ids)))}
        names.owners.update({(kind, i): found.get(i) for i in ids})
    owners = [names.owners[(item.kind, item.record_id)] for item in items]
    agency_ids = {owner[0] for owner in owners if owner} - {None} - set(names.agencies)
    if agency_ids:
        found = {i: short or name for i, name, short in ctx.session.execute(
            select(models.Agency.id, models.Agency.name, models.Agency.short_name)
            .where(models.Agency.id.in_(agency_ids)))}
        names.agencies.update({i: found.get(i) for i in agency_ids})
    for item, owner in zip(items, owners):
        item.agency = names.agencies.get(owner[0]) if owner else None
        if item.kind == "processes" and owner and hasattr(item, "status"):  # hits, not suggestions
            item.status, item.registry_id = owner[1], owner[2]
            item.status_label = ProcessStatus.label_of(item.status) or None
    return items


def _label_facets(ctx: Context, result: SearchResult, names: StoreNames) -> None:
    refs = {(FACET_KINDS[name], v.value) for name, values in result.facets.items() if name in FACET_KINDS
            for v in values}
    labels = titles(ctx, refs, names)
    for name, values in result.facets.items():
        for value in values:
            if name in FACET_KINDS:
                label = labels.get((FACET_KINDS[name], value.value))
                value.label = label or f"#{value.value}"
            elif name == "kind":
                value.label = kind_label(value.value, one=False) if value.value in SEARCHED_KINDS else str(value.value)
            elif name == "stage":
                value.label = stage_label(value.value)
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
