"""Change events: the outbox every write appends to, and the history read from it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select, text, union_all

from catalog import models
from catalog.enums import Action
from catalog.services.context import Context

# Columns that change on every write and say nothing by themselves.
UNTRACKED = {"id", "version", "created_at", "updated_at"}


def to_json(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def snapshot(record: models.Record) -> dict:
    return {c.key: to_json(getattr(record, c.key)) for c in record.__table__.columns if c.key not in UNTRACKED}


def diff(before: dict, after: dict) -> dict:
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in after
        if before.get(key) != after.get(key)
    }


OUTBOX_LOCK = 727_001  # any constant: the advisory lock that orders outbox writers on PostgreSQL


def lock_outbox(session) -> None:
    """On PostgreSQL, hold the outbox until commit, so events commit in the order of their ids.

    Projections read the outbox in id order and remember the last id applied; without the lock a
    transaction could commit a lower id after a higher one was applied, and its event be skipped.
    SQLite writers are serialised by the database itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK})


def local_today(ctx: Context) -> date:
    """Today in the catalogue's time zone (CATALOG_TIMEZONE): the day people live in."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(ctx.settings.timezone)).date()


def register_agency_of(ctx: Context, kind_name: str, record) -> int | None:
    """The agency whose register (Kemerovo 2.1) a change of this record belongs to: a process's own,
    a link's from a process (its life situations, acts, linked processes); None outside the register."""
    if kind_name == "processes":
        return record.agency_id
    if kind_name == "links" and record.source_kind == "processes":
        process = ctx.session.get(models.Process, record.source_id)
        return process.agency_id if process is not None else None
    return None


def _event_values(ctx: Context, kind_name: str, record: models.Record, action: str, changes: dict) -> dict:
    agency_id = register_agency_of(ctx, kind_name, record)
    arose_on = (ctx.change_arose_on or local_today(ctx)) if agency_id is not None else None
    return dict(actor_id=ctx.actor_id, actor_name=ctx.actor_name, record_kind=kind_name, record_id=record.id,
                action=action, version=record.version, changes=changes, arose_on=arose_on,
                register_agency_id=agency_id)


def append_event(ctx: Context, kind_name: str, record: models.Record, action: str, changes: dict) -> models.ChangeEvent:
    lock_outbox(ctx.session)
    event = models.ChangeEvent(**_event_values(ctx, kind_name, record, action, changes))
    ctx.session.add(event)
    return event


def append_created(ctx: Context, kind_name: str, records: list[models.Record]) -> None:
    """The create events of many new records in one statement (bulk loads: the demo, generated catalogues)."""
    if records:
        lock_outbox(ctx.session)
        ctx.session.execute(models.ChangeEvent.__table__.insert(), [
            _event_values(ctx, kind_name, record, Action.CREATE.value, diff({}, snapshot(record)))
            for record in records])


def events_for(ctx: Context, kind_name: str, record_id: int, since_version: int | None = None) -> list[models.ChangeEvent]:
    """A record's own events, oldest first; with ``since_version``, only those after it."""
    query = select(models.ChangeEvent).where(
        models.ChangeEvent.record_kind == kind_name, models.ChangeEvent.record_id == record_id
    )
    if since_version is not None:
        query = query.where(models.ChangeEvent.version > since_version)
    return list(ctx.session.scalars(query.order_by(models.ChangeEvent.id)))


def _history_statement():
    """The events of a record (``:kind``, ``:record_id``) and of the links that touch it, newest first.

    Event ids come from a union of selects that each match ``ix_change_events_record`` exactly (the
    record's own, and one per link touching it); an OR across them made PostgreSQL read every
    event of every link (issue 19: the whole table at 50k processes). Built once with bound
    values: building it afresh cost as much as the database's work."""
    event = models.ChangeEvent
    kind, record_id = bindparam("kind", type_=event.record_kind.type), bindparam("record_id", type_=event.record_id.type)
    own = select(event.id).where(event.record_kind == kind, event.record_id == record_id)
    # «record_id IN (this record's links)», not a join: with a join SQLite's planner walked every
    # link event and looked each link up (25 ms at 3 000 processes), rather than the links first.
    of_links = [
        select(event.id).where(event.record_kind == "links", event.record_id.in_(
            select(models.Link.id).where(side_kind == kind, side_id == record_id)))
        for side_kind, side_id in ((models.Link.source_kind, models.Link.source_id),
                                   (models.Link.target_kind, models.Link.target_id))
    ]
    ids = union_all(own, *of_links).subquery()
    return select(event).where(event.id.in_(select(ids.c.id))).order_by(event.id.desc())


HISTORY = _history_statement()
RECENT_HISTORY = HISTORY.limit(bindparam("limit"))  # the newest ``:limit`` of them


def history_query(kind_name: str, record_id: int):
    """``HISTORY`` with its values, for a plan to be read (tests/test_history_plan.py)."""
    return HISTORY.params(kind=kind_name, record_id=record_id)


def history_of(ctx: Context, kind_name: str, record_id: int, limit: int | None = None) -> list[models.ChangeEvent]:
    """A record's events and those of the links that touch it, newest first; with ``limit``, the newest only."""
    values = {"kind": kind_name, "record_id": record_id}
    if limit is None:
        return list(ctx.session.scalars(HISTORY, values))
    return list(ctx.session.scalars(RECENT_HISTORY, {**values, "limit": limit}))


def recent_events(ctx: Context, limit: int = 20) -> list[models.ChangeEvent]:
    return list(ctx.session.scalars(select(models.ChangeEvent).order_by(models.ChangeEvent.id.desc()).limit(limit)))
