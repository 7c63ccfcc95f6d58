"""Figures that are kept, not recomputed (issue 19): the home page's counts and the dashboard's sums.

Every session keeps them in the transaction of its write (listeners in ``catalog.models.kept``):

- after each flush, the records that came, went (deleted or restored) or were removed change the count
  of their kind by one each (``kept_counts``), and what the flush touched is noted: processes (their
  agencies, old and new), passports, their steps and resources, positions of the pay tables, services;
- before the commit, the noted things are refreshed from the store: the cost of each touched process's
  passports (``costs.kept_figures``, the calculator's own arithmetic), then each touched agency's
  statuses and dashboard figures (one grouped query over that agency's processes).

So no writer has to remember a refresh call: a service, an importer, the demo loader or a restore (the
kept tables are dumped and restored with the rest) all keep the figures right. A catalogue whose figures
were never built (a new database, one migrated from before 0023) is built in full on the first read.

The dashboard's figures outside the rules and its projects' part follow the calendar too, so they are
kept per *basis* (the newest change event, the day, the settings) in ``kept_rule_figures``: a view reads
the row whatever its basis (``board_figures``), says when it was counted if it is older than the store,
and wakes the outbox consumer, whose ``DashboardFeed`` recounts the stale rows (``recount``) once no write
came for ``CATALOG_DASHBOARD_RECOUNT_DELAY`` seconds. Only a scope with no row yet is counted in a request.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, delete, exists, func, inspect, select, text, update

from catalog import models
from catalog.enums import PassportState, ProcessStatus

PENDING = "kept_pending"
BUILT = "built"
# A flush touching more agencies than this refreshes all of them in one pass (bulk loads).
WHOLE_REFRESH = 300
OPTIMISED_STATUSES = (ProcessStatus.REENGINEERED.value, ProcessStatus.SENT_CERTIFICATION.value,
                      ProcessStatus.CERTIFIED.value)


@dataclass
class _Pending:
    agencies: set = field(default_factory=set)
    processes: set = field(default_factory=set)  # whose passport costs to refresh
    passports: set = field(default_factory=set)  # their processes' costs too
    positions: set = field(default_factory=set)
    position_names: set = field(default_factory=set)
    services: set = field(default_factory=set)

    def __bool__(self):
        return any(vars(self).values())


def _kinds() -> dict[type, str]:
    from catalog.kinds import KINDS

    return {kind.model: name for name, kind in KINDS.items()}


def count_key(kind_name: str) -> str:
    return f"records:{kind_name}"


def _values(obj, name: str) -> set:
    """The attribute's value now and, if this flush changed it, before."""
    history = inspect(obj).attrs[name].history
    return {v for v in (getattr(obj, name), *history.deleted) if v is not None}


def _changed(obj, name: str) -> bool:
    return inspect(obj).attrs[name].history.has_changes()


def _alive_before(obj) -> bool:
    history = inspect(obj).attrs.deleted_at.history
    if history.deleted:
        return history.deleted[0] is None
    if history.has_changes():  # the old value was not loaded: it was the other one
        return obj.deleted_at is not None
    return obj.deleted_at is None


def _note(pending: _Pending, obj, new: bool) -> None:
    if isinstance(obj, models.Process):
        pending.agencies |= _values(obj, "agency_id")
        if not new and _changed(obj, "agency_id"):
            pending.processes.add(obj.id)  # an agency's own pay table may differ
    elif isinstance(obj, models.Passport):
        pending.processes.add(obj.process_id)
    elif isinstance(obj, (models.PassportStep, models.PassportResource)):
        pending.passports |= _values(obj, "passport_id")
    elif isinstance(obj, models.Position):
        pending.positions.add(obj.id)
        pending.position_names |= _values(obj, "name")
    elif isinstance(obj, models.Service) and not new and _changed(obj, "is_mszu"):
        pending.services.add(obj.id)


WATCHED = (models.Process, models.Passport, models.PassportStep, models.PassportResource, models.Position,
           models.Service)


def after_flush(session) -> None:
    kinds = _kinds()
    deltas: dict[str, int] = {}
    pending = None

    def add(kind_name, delta):
        deltas[kind_name] = deltas.get(kind_name, 0) + delta

    for state, objects in (("new", session.new), ("deleted", session.deleted), ("dirty", session.dirty)):
        for obj in objects:
            kind_name = kinds.get(type(obj))
            if kind_name is not None:
                if state == "new":
                    add(kind_name, obj.deleted_at is None)
                elif state == "deleted":
                    add(kind_name, -_alive_before(obj))
                elif _changed(obj, "deleted_at"):
                    add(kind_name, (obj.deleted_at is None) - _alive_before(obj))
            if isinstance(obj, WATCHED):
                if pending is None:
                    pending = session.info.setdefault(PENDING, _Pending())
                _note(pending, obj, state == "new")
    if not any(deltas.values()):
        return
    connection = session.connection()
    if not _has_tables(connection):
        return
    if connection.dialect.name == "postgresql":
        # The outbox's lock before the counters' rows: writers take it for their events, so taking the
        # rows first could deadlock with a writer that holds it and flushes again.
        from catalog.services.history import OUTBOX_LOCK

        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK})
    for kind_name, delta in deltas.items():
        if delta:
            connection.execute(update(models.KeptCount).where(models.KeptCount.key == count_key(kind_name))
                               .values(count=models.KeptCount.count + delta))


def before_commit(session) -> None:
    for _ in range(3):  # what the refresh itself writes is kept tables only: one more round at most
        if not session.info.get(PENDING):
            return
        session.flush()
        pending = session.info.pop(PENDING, None)
        if pending and is_built(session):
            _apply(session, pending)


_WITH_TABLES: set[str] = set()


def _has_tables(connection) -> bool:
    """Whether the database has the kept tables: a migration before 0023 may write records through a session."""
    url = str(connection.engine.url)
    if url not in _WITH_TABLES:
        from sqlalchemy import inspect as schema

        if not schema(connection).has_table(models.KeptCount.__tablename__):
            return False
        _WITH_TABLES.add(url)
    return True


def is_built(session) -> bool:
    return _has_tables(session.connection()) and session.get(models.KeptCount, BUILT) is not None


def _apply(session, pending: _Pending) -> None:
    from catalog.services import history

    history.lock_outbox(session)  # writers of one agency refresh it one after the other (PostgreSQL)
    P, S = models.Passport, models.PassportStep
    processes = set(pending.processes)
    if pending.passports:
        processes |= set(session.scalars(select(P.process_id).where(P.id.in_(pending.passports))))
    if pending.positions or pending.position_names:
        # A position's own steps, and those of the region's position an agency's row of that name replaces.
        same_name = select(models.Position.id).where(models.Position.name.in_(pending.position_names))
        processes |= set(session.scalars(select(P.process_id).join(S, S.passport_id == P.id).where(
            S.position_id.in_(pending.positions) | S.position_id.in_(same_name)).distinct()))
    agencies = set(pending.agencies)
    if processes:
        refresh_costs(session, processes)
        agencies |= set(session.scalars(select(models.Process.agency_id).where(
            models.Process.id.in_(processes)).distinct())) if len(processes) < 5000 else _all_agencies(session)
    if pending.services:
        agencies |= set(session.scalars(select(models.Process.agency_id).where(
            models.Process.service_id.in_(pending.services)).distinct()))
    refresh_agencies(session, None if len(agencies) > WHOLE_REFRESH else agencies)


def _all_agencies(session) -> set:
    return set(session.scalars(select(models.Process.agency_id).distinct()))


def refresh_costs(session, process_ids) -> None:
    from catalog.services import costs

    ids = sorted(set(process_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = costs.kept_figures(session, chunk)
        session.execute(delete(models.PassportCost).where(models.PassportCost.process_id.in_(chunk)))
        if rows:
            session.execute(models.PassportCost.__table__.insert(), list(rows.values()))


def _figures_query():
    P = models.Process
    C = models.PassportCost
    approved_to_be = exists().where(models.Passport.process_id == P.id, models.Passport.variant == "to_be",
                                    models.Passport.state == PassportState.APPROVED.value,
                                    models.Passport.deleted_at.is_(None))
    optimised = P.status.in_(OPTIMISED_STATUSES) | approved_to_be

    def one(condition):
        return func.sum(case((condition, 1), else_=0))

    return (select(P.agency_id, func.count(), one(P.is_digital.is_(True)), one(optimised),
                   one(models.Service.is_mszu.is_(True)), one(and_(models.Service.is_mszu.is_(True), optimised)),
                   func.count(C.process_id), func.coalesce(func.sum(C.as_is_per_year), 0.0),
                   func.coalesce(func.sum(C.to_be_per_year), 0.0), func.coalesce(func.sum(C.effect), 0.0),
                   func.coalesce(func.sum(C.fte), 0.0))
            .join(models.Service, models.Service.id == P.service_id)
            .outerjoin(C, C.process_id == P.id)
            .where(P.deleted_at.is_(None)).group_by(P.agency_id))


FIGURE_COLUMNS = ("agency_id", "processes", "digital", "optimised", "mszu", "mszu_optimised", "costed",
                  "cost_as_is", "cost_to_be", "effect", "fte")


def refresh_agencies(session, agency_ids: set | None) -> None:
    """Statuses and dashboard figures of these agencies (of all with ``None``) from their processes."""
    F, T, P = models.KeptAgencyFigures, models.KeptAgencyStatus, models.Process
    chunks = [None] if agency_ids is None else [sorted(agency_ids)[i:i + 500] for i in range(0, len(agency_ids), 500)]
    for chunk in chunks:
        figures, statuses = _figures_query(), select(P.agency_id, P.status, func.count()).where(
            P.deleted_at.is_(None)).group_by(P.agency_id, P.status)
        clear_f, clear_t = delete(F), delete(T)
        if chunk is not None:
            figures, statuses = figures.where(P.agency_id.in_(chunk)), statuses.where(P.agency_id.in_(chunk))
            clear_f, clear_t = clear_f.where(F.agency_id.in_(chunk)), clear_t.where(T.agency_id.in_(chunk))
        # The region's statuses are kept too (``status:<value>``): summing every agency's rows cost 40 ms at
        # 10 000 agencies. A chunk moves them by what it changes; the whole refresh sets them.
        before = {} if chunk is None else dict(session.execute(
            select(T.status, func.sum(T.count)).where(T.agency_id.in_(chunk)).group_by(T.status)).all())
        session.execute(clear_f)
        session.execute(clear_t)
        rows = [dict(zip(FIGURE_COLUMNS, row)) for row in session.execute(figures)]
        if rows:
            session.execute(F.__table__.insert(), rows)
        rows = [{"agency_id": a, "status": s, "count": n} for a, s, n in session.execute(statuses)]
        if rows:
            session.execute(T.__table__.insert(), rows)
        after: dict[str, int] = {}
        for row in rows:
            after[row["status"]] = after.get(row["status"], 0) + row["count"]
        for status in ProcessStatus.values():
            key = status_key(status)
            if chunk is None:
                session.execute(delete(models.KeptCount).where(models.KeptCount.key == key))
                session.execute(models.KeptCount.__table__.insert(), [{"key": key, "count": after.get(status, 0)}])
            elif after.get(status, 0) != (before.get(status) or 0):
                session.execute(update(models.KeptCount).where(models.KeptCount.key == key).values(
                    count=models.KeptCount.count + after.get(status, 0) - int(before.get(status) or 0)))


def status_key(status: str) -> str:
    return f"status:{status}"


def status_totals(session) -> dict[str, int]:
    """Processes (not deleted) of the region by status."""
    ensure_built(session)
    kept = dict(session.execute(select(models.KeptCount.key, models.KeptCount.count)
                                .where(models.KeptCount.key.like("status:%"))).all())
    return {status: kept.get(status_key(status), 0) for status in ProcessStatus.values()}


def rebuild(session) -> None:
    """Every kept figure from the store (a new catalogue, one migrated from before they were kept)."""
    from catalog.services import history

    history.lock_outbox(session)
    session.info.pop(PENDING, None)
    session.execute(delete(models.KeptCount))
    rows = [{"key": count_key(name), "count": session.scalar(select(func.count()).select_from(model)
                                                               .where(model.deleted_at.is_(None)))}
            for model, name in _kinds().items()]
    session.execute(models.KeptCount.__table__.insert(), rows + [{"key": BUILT, "count": 1}])
    session.execute(delete(models.PassportCost))
    refresh_costs(session, session.scalars(select(models.Passport.process_id).where(
        models.Passport.deleted_at.is_(None)).distinct()))
    refresh_agencies(session, None)


def ensure_built(session) -> None:
    """Build the figures if they never were; the reader's transaction commits them."""
    if is_built(session):
        return
    rebuild(session)
    session.commit()


def counts(session) -> dict[str, int]:
    """Records not deleted, by kind."""
    ensure_built(session)
    kept = dict(session.execute(select(models.KeptCount.key, models.KeptCount.count)).all())
    out = {}
    for model, name in _kinds().items():
        if count_key(name) not in kept:  # a kind added since the build
            kept[count_key(name)] = session.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None)))
        out[name] = kept[count_key(name)]
    return out


def basis(ctx) -> str:
    """What the figures that read the calendar are counted on: the newest change event, the day, the settings."""
    import zlib
    from datetime import date

    from catalog.services import history

    newest = ctx.session.scalar(select(func.max(models.ChangeEvent.id))) or 0
    # Only the settings the figures read: servers of one store with other ports or folders share the rows.
    read = repr([getattr(ctx.settings, name, None) for name in BASIS_SETTINGS]).encode()
    # The catalogue's day and the machine's (project stages and overdue measures go by the latter).
    return f"{newest}|{history.local_today(ctx).isoformat()}|{date.today().isoformat()}|{zlib.crc32(read)}"


BASIS_SETTINGS = ("status_evidence", "mart_quality_term_days", "timezone")


# The consumer waits for this many seconds without a write before it recounts (a burst of writes costs one
# recount), but never longer than RECOUNT_AT_LATEST after the first write its row has not seen.
RECOUNT_AT_LATEST = 30.0


@dataclass
class BoardFigures:
    """What the dashboard reads of a kept row: the figures outside the rules (a ``dashboard.RuleFigures``), the
    projects' part (plain JSON), when they were counted, and whether they are older than the store."""
    rules: object
    projects: dict
    counted_at: object = None  # a naive UTC datetime, as the store keeps them
    pending: bool = False


def utcnow():
    """Now in UTC without a zone, as SQLite and PostgreSQL give the store's times back."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(tzinfo=None)


# The projects' part decoded, by (store, scope, basis, time counted): at 100 000 processes the region's holds
# 4 000 overdue measures (700 KB of JSON), read once per count in each process rather than at every view.
_DECODED: dict = {}


def _row_figures(session, row) -> BoardFigures | None:
    """The kept row as the dashboard reads it; None when it has no projects' part (a row from before 0026)."""
    import json

    from catalog.services.dashboard import RuleFigures

    key = (str(session.get_bind().url), row.scope, row.basis, row.counted_at)
    if key not in _DECODED:
        if row.projects is None:
            return None
        if len(_DECODED) > 64:
            _DECODED.clear()
        _DECODED[key] = json.loads(row.projects)
    return BoardFigures(RuleFigures(row.systems_outside_gate, row.links_outside_gate, row.unconfirmed_statuses,
                                    row.stale_marts), _DECODED[key], row.counted_at)


def _store(session, scope: int, now: str, figures: BoardFigures) -> None:
    import json

    values = dict(basis=now, counted_at=figures.counted_at, projects=json.dumps(figures.projects, ensure_ascii=False),
                  **vars(figures.rules))
    # An UPDATE of absolute values: two consumers storing the same count at once leave one right row.
    done = session.execute(update(models.KeptRuleFigures).where(models.KeptRuleFigures.scope == scope)
                           .values(**values)).rowcount
    if not done:
        session.execute(models.KeptRuleFigures.__table__.insert(), [{"scope": scope, **values}])


def _commit_or_yield(session) -> bool:
    from sqlalchemy.exc import DBAPIError

    try:
        session.commit()
        return True
    except DBAPIError:  # another view or consumer stored the same count first: that one is as good
        session.rollback()
        return False


def recounted_off_request(ctx) -> bool:
    """Whether an outbox consumer recounts the dashboard's figures for this server (``thread`` or ``external``):
    without one (``off``, a process that runs none) the view recounts them itself, as before."""
    return ctx.outbox is not None and ctx.settings.outbox_consumer != "off"


def board_figures(ctx, agency_id, count) -> BoardFigures:
    """The dashboard's figures outside the rules and its projects' part (``count(ctx, agency_id)`` gives both as a
    ``BoardFigures``) from the kept row of the region or agency, whatever its basis: a row older than the store is
    shown as it is, marked ``pending``, and the outbox consumer is woken to recount it (``recount``). Only a
    scope with no row yet (a new catalogue, an agency never viewed) is counted here, in the request."""
    now = basis(ctx)
    scope = agency_id or 0
    row = ctx.session.get(models.KeptRuleFigures, scope)
    if row is not None and (row.basis == now or recounted_off_request(ctx)):
        figures = _row_figures(ctx.session, row)
        if figures is not None:
            figures.pending = row.basis != now
            if figures.pending:
                ctx.outbox.wake()
            return figures
    figures = count(ctx, agency_id)
    figures.counted_at = utcnow()
    _store(ctx.session, scope, now, figures)
    _commit_or_yield(ctx.session)
    return figures


def stale_scopes(ctx) -> list[int]:
    """The kept rows (region 0, agencies) counted on another basis than the store's now."""
    return list(ctx.session.scalars(select(models.KeptRuleFigures.scope)
                                    .where(models.KeptRuleFigures.basis != basis(ctx))
                                    .order_by(models.KeptRuleFigures.scope)))


def recount_due(ctx, quiet: float) -> bool:
    """Whether the consumer recounts now: a row is stale and no write came for ``quiet`` seconds (a burst of
    writes costs one recount), or the first write a stale row has not seen is ``RECOUNT_AT_LATEST`` seconds old
    (a steady stream of writes still gets its figures)."""
    from datetime import datetime, timedelta, timezone

    stale = ctx.session.scalars(select(models.KeptRuleFigures.basis)
                                .where(models.KeptRuleFigures.basis != basis(ctx))).all()
    if not stale:
        return False
    # Compared in SQL with an aware time: SQLite gives the times back naive, PostgreSQL with their zone.
    now, E = datetime.now(timezone.utc), models.ChangeEvent
    if not ctx.session.scalar(select(exists().where(E.occurred_at > now - timedelta(seconds=quiet)))):
        return True
    seen = min(int(b.split("|")[0]) for b in stale)
    return bool(ctx.session.scalar(select(exists().where(
        E.id > seen, E.occurred_at <= now - timedelta(seconds=RECOUNT_AT_LATEST)))))


def recount(ctx, count) -> int:
    """Recount every stale kept row (the outbox consumer's job, off the request); returns the rows recounted.
    Each row is counted on the basis taken before its count and stored in a transaction of its own, so a write
    made meanwhile leaves it stale for the next pass, and a second consumer doing the same stores the same
    values (nothing is added up)."""
    done = 0
    for scope in stale_scopes(ctx):
        now = basis(ctx)
        figures = count(ctx, scope or None)
        figures.counted_at = utcnow()
        _store(ctx.session, scope, now, figures)
        done += _commit_or_yield(ctx.session)
    return done
