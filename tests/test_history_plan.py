"""A record's history reads the change events by index on both engines, however many events exist."""
from __future__ import annotations

import json

from sqlalchemy import text

from catalog.services import history


def _fill_events_of_other_links(ctx, count: int) -> None:
    # Many events of links that do not touch the record: the old OR read all of them on PostgreSQL.
    ctx.session.execute(text(
        "INSERT INTO change_events (occurred_at, actor_name, record_kind, record_id, action, version, changes) "
        "VALUES (CURRENT_TIMESTAMP, 'тест', 'links', :id, 'update', 1, '{}')"),
        [{"id": 100_000 + i} for i in range(count)])
    ctx.session.commit()


def _sql(ctx, query) -> str:
    return str(query.compile(dialect=ctx.session.bind.dialect, compile_kwargs={"literal_binds": True}))


def _rows_read(plan: dict) -> int:
    """Rows every plan node over change_events produced or threw away."""
    own = 0
    if plan.get("Relation Name") == "change_events":
        loops = plan.get("Actual Loops", 1)
        own = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
               + plan.get("Rows Removed by Index Recheck", 0)) * loops
    return own + sum(_rows_read(child) for child in plan.get("Plans", []))


def test_history_of_a_process_reads_only_its_own_events_by_index(ctx, tiny, database_url):
    process_id = int(tiny.P.split(":")[1])
    expected = history.history_of(ctx, "processes", process_id)
    assert expected and [e.id for e in expected] == sorted({e.id for e in expected}, reverse=True)
    _fill_events_of_other_links(ctx, 5_000)
    query = history.history_query("processes", process_id)
    if database_url.startswith("sqlite"):
        plan = " | ".join(row[-1] for row in ctx.session.execute(text("EXPLAIN QUERY PLAN " + _sql(ctx, query))))
        assert "SCAN change_events" not in plan, plan
        assert "ix_change_events_record" in plan, plan
        # Every read of the index is by kind and record, never by kind alone (every link's events).
        assert "ix_change_events_record (record_kind=?)" not in plan, plan
    else:
        ctx.session.execute(text("ANALYZE change_events"))
        row = ctx.session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + _sql(ctx, query))).scalar()
        plan = (row if isinstance(row, list) else json.loads(row))[0]["Plan"]
        assert _rows_read(plan) <= 10 * len(expected) + 50, json.dumps(plan, ensure_ascii=False)[:3000]
    assert [e.id for e in history.history_of(ctx, "processes", process_id)] == [e.id for e in expected]


def test_the_written_out_dump_of_events_is_marshmallows(ctx, tiny):
    """``ChangeEventSchema.dump`` writes its fields out for speed; the API must answer what the schema declares."""
    from datetime import date

    from marshmallow import Schema

    from catalog import models
    from catalog.schemas import ChangeEventSchema

    process_id = int(tiny.P.split(":")[1])
    events = history.history_of(ctx, "processes", process_id)
    odd = models.ChangeEvent(id=10**6, occurred_at=None, actor_name=None, record_kind="processes", record_id=process_id,
                             action="update", version=None, changes=None, arose_on=date(2026, 10, 21))
    for many, value in ((True, events + [odd]), (False, events[0]), (False, odd)):
        schema = ChangeEventSchema(many=many)
        assert schema.dump(value) == Schema.dump(schema, value)
    assert ChangeEventSchema(only=("id",), many=True).dump(events) == [{"id": e.id} for e in events]
