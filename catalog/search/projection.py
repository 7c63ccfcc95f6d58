"""The search index as a projection of the outbox, like the graph's (catalog/graph/projection.py).

- ``sync`` reads the change events after the index's position in id order, works out which
  documents they touch (the record, and the records whose documents show its name), builds
  those from the store's *current* state and writes them with the new position. Writing a
  document twice gives the same document, so a batch applied twice changes nothing.
- ``reindex`` notes the newest event, builds every document into a new index that replaces
  the old only when complete, then syncs what was written meanwhile.
- ``check`` compares the live records and their versions with what the index holds.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import models
from catalog.search.documents import (NAME_COLUMNS, SEARCHED_KINDS, build_documents, dependants, doc_uid,
                                      flag_dependants, live_rows, search_model)

BATCH = 1000  # events read at a time
CHUNK = 500  # records built at a time by a reindex
PARALLEL_OVER = 20_000  # records: past this a reindex prepares documents in worker processes

Progress = Callable[[str, int], None]


@dataclass
class Drift:
    missing: set[str] = field(default_factory=set)  # live records not in the index
    extra: set[str] = field(default_factory=set)  # documents of records deleted or gone
    stale: set[str] = field(default_factory=set)  # documents of an older version

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


class SearchProjection:
    def __init__(self, index, sessions: sessionmaker[Session]):
        self.index = index
        self.sessions = sessions

    def newest_event(self, session: Session) -> int:
        return session.scalar(select(func.max(models.ChangeEvent.id))) or 0

    def pending(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(models.ChangeEvent)
                              .where(models.ChangeEvent.id > self.index.position())) or 0

    def _touched(self, session: Session, events: list[models.ChangeEvent]) -> dict[str, set[int]]:
        touched: dict[str, set[int]] = defaultdict(set)
        renamed: dict[str, set[int]] = defaultdict(set)
        for event in events:
            if event.record_kind == "links":
                link = session.get(models.Link, event.record_id)
                ends = set()
                if link is not None:
                    ends |= {(link.source_kind, link.source_id), (link.target_kind, link.target_id)}
                    if link.link_type == "IN_SITUATION" and link.source_kind == "services":
                        ends |= {("processes", i) for i in session.scalars(
                            select(models.Process.id).where(models.Process.service_id == link.source_id))}
                for side in ("source", "target"):
                    before = (event.changes.get(f"{side}_kind", {}).get("before"),
                              event.changes.get(f"{side}_id", {}).get("before"))
                    if before[0] and before[1]:
                        ends.add(before)
                for kind, record_id in ends:
                    if kind in SEARCHED_KINDS:
                        touched[kind].add(record_id)
                continue
            for kind, record_id in flag_dependants(session, event):  # issue 17's flags rest on other records
                touched[kind].add(record_id)
            if event.record_kind not in SEARCHED_KINDS:
                continue
            touched[event.record_kind].add(event.record_id)
            if event.action in ("delete", "restore") or NAME_COLUMNS & set(event.changes or {}):
                renamed[event.record_kind].add(event.record_id)
        for kind, ids in renamed.items():
            for other_kind, other_id in dependants(session, kind, sorted(ids)):
                touched[other_kind].add(other_id)
        return touched

    def sync(self, progress: Progress | None = None, max_events: int | None = None) -> int:
        """Apply the outbox after the index's position (at most ``max_events``); returns how many were applied."""
        applied = 0
        while max_events is None or applied < max_events:
            size = BATCH if max_events is None else min(BATCH, max_events - applied)
            with self.sessions() as session:
                events = list(session.scalars(select(models.ChangeEvent)
                                              .where(models.ChangeEvent.id > self.index.position())
                                              .order_by(models.ChangeEvent.id).limit(size)))
                if not events:
                    return applied
                documents, gone = [], []
                for kind, ids in self._touched(session, events).items():
                    ordered = sorted(ids)
                    for start in range(0, len(ordered), CHUNK):
                        built, removed = build_documents(session, kind, ordered[start:start + CHUNK])
                        documents += built
                        gone += removed
            self.index.apply(documents, gone, events[-1].id)
            applied += len(events)
            if progress:
                progress("события", applied)
        return applied

    def _work(self) -> list[tuple[str, list[int]]]:
        """(kind, ids) chunks of every live record."""
        items = []
        with self.sessions() as session:
            for kind in SEARCHED_KINDS:
                model = search_model(kind)
                ids = list(session.scalars(select(model.id).where(live_rows(model)).order_by(model.id)))
                items += [(kind, ids[start:start + CHUNK]) for start in range(0, len(ids), CHUNK)]
        return items

    def _prepared(self, progress: Progress | None) -> Iterator[list]:
        """Every live record's document, prepared for the index; in worker processes when there are many."""
        items = self._work()
        done = 0
        workers = os.cpu_count() or 1
        if workers > 1 and len(items) * CHUNK >= PARALLEL_OVER and _fork_available():
            url = self.sessions.kw["bind"].url.render_as_string(hide_password=False)
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                     initargs=(url, self.index.prepare)) as pool:
                pending: deque = deque()
                for item in items:
                    pending.append((item[0], pool.submit(_prepare_chunk, item)))
                    # A window of chunks in flight keeps the workers busy and memory flat.
                    if len(pending) >= 3 * workers:
                        kind, future = pending.popleft()
                        prepared = future.result()
                        done += len(prepared)
                        if progress:
                            progress(kind, done)
                        yield prepared
                while pending:
                    kind, future = pending.popleft()
                    prepared = future.result()
                    done += len(prepared)
                    if progress:
                        progress(kind, done)
                    yield prepared
            return
        with self.sessions() as session:
            for kind, ids in items:
                documents, _ = build_documents(session, kind, ids)
                done += len(documents)
                if progress:
                    progress(kind, done)
                yield [self.index.prepare(doc) for doc in documents]

    def reindex(self, progress: Progress | None = None) -> int:
        """Build a new index from the store; the old one answers until the new one replaces it."""
        with self.sessions() as session:
            position = self.newest_event(session)
        count = self.index.rebuild(self._prepared(progress), position)
        self.sync(progress)
        return count

    def check(self) -> Drift:
        drift = Drift()
        with self.sessions() as session:
            for kind in SEARCHED_KINDS:
                model = search_model(kind)
                live = dict(session.execute(select(model.id, model.version).where(live_rows(model))).all())
                indexed = self.index.versions(kind)
                drift.missing |= {doc_uid(kind, i) for i in live.keys() - indexed.keys()}
                drift.extra |= {doc_uid(kind, i) for i in indexed.keys() - live.keys()}
                drift.stale |= {doc_uid(kind, i) for i in live.keys() & indexed.keys() if live[i] != indexed[i]}
        return drift


# -- worker processes of a reindex: each opens its own connection to the store

_worker: dict = {}


def _fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _start_worker(url: str, prepare) -> None:
    from catalog.db import make_engine, make_session_factory

    _worker["sessions"] = make_session_factory(make_engine(url))
    _worker["prepare"] = prepare


def _prepare_chunk(item: tuple[str, list[int]]) -> list:
    kind, ids = item
    with _worker["sessions"]() as session:
        documents, _ = build_documents(session, kind, ids)
    return [_worker["prepare"](doc) for doc in documents]
