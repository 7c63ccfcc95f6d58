"""The ``graph_edges`` table (migration 0024): the live graph's edges, kept by triggers.

Whatever writes the store (the services, a bulk statement, plain SQL), the table must hold
exactly the edges the store gives (``store_edges.all_edges``) in the same transaction: the sql
backend's lineage reads nothing else.
"""
from datetime import datetime, timezone

from sqlalchemy import delete, text, update

from catalog import models
from catalog.graph import SqlGraph, edges_table
from catalog.services import records as r


def assert_in_step(session):
    drift = edges_table.drift(session)
    assert drift.clean, drift


def test_the_table_follows_every_write_of_the_services(ctx, tiny):
    session = ctx.session
    assert_in_step(session)
    assert "link:%d" % tiny.stored_link in edges_table.stored(session)
    # A link removed and brought back, a relation key moved, a record deleted and restored.
    r.delete_record(ctx, "links", tiny.stored_link)
    assert_in_step(session)
    r.restore_record(ctx, "links", tiny.stored_link)
    assert_in_step(session)
    other = r.create_record(ctx, "systems", {"name": "ЕГИССО", "legal_kind": "federal", "stage": "operation"})
    mart = r.get_record(ctx, "marts", int(tiny.M.split(":")[1]))
    r.update_record(ctx, "marts", mart.id, {"version": mart.version, "host_system_id": other.id})
    assert_in_step(session)
    assert {e.source for e in edges_table.stored(session).values() if e.edge_type == "HOSTED_BY"} == {
        f"systems:{other.id}"}
    dataset_id = int(tiny.D.split(":")[1])
    r.delete_record(ctx, "datasets", dataset_id)
    assert not [e for e in edges_table.stored(session).values() if tiny.D in (e.source, e.target)]
    assert_in_step(session)
    r.restore_record(ctx, "datasets", dataset_id)
    assert_in_step(session)
    assert {e.edge_type for e in edges_table.stored(session).values() if tiny.D in (e.source, e.target)} == {
        "STORED_IN", "CONSUMES", "EXPOSES"}


def test_the_table_follows_plain_sql_and_bulk_statements(ctx, tiny):
    """Writes that pass the services by (imports in bulk, an operator's SQL) keep it too."""
    session = ctx.session
    now = datetime.now(timezone.utc)
    session.execute(update(models.InformationSystem).values(deleted_at=now))
    assert_in_step(session)
    assert SqlGraph(session).traverse(tiny.S, "downstream", 4, None, 100).nodes == {tiny.S: 0}
    session.execute(update(models.InformationSystem).values(deleted_at=None))
    assert_in_step(session)
    session.execute(text("UPDATE links SET link_type = 'PRODUCES' WHERE link_type = 'CONSUMES'"))
    assert_in_step(session)
    session.execute(delete(models.Link).where(models.Link.link_type == "EXPOSES"))
    session.execute(text("DELETE FROM data_marts"))
    assert_in_step(session)
    # A link naming a record that does not exist yet becomes an edge when the record arrives.
    session.execute(models.Link.__table__.insert().values(
        link_type="CONSUMES", source_kind="processes", source_id=int(tiny.P.split(":")[1]), target_kind="datasets",
        target_id=9001, version=1, created_at=now, updated_at=now))
    assert_in_step(session)
    session.add(models.Dataset(id=9001, name="Поздний набор", version=1, created_at=now, updated_at=now))
    session.flush()
    assert_in_step(session)
    assert SqlGraph(session).traverse(tiny.P, "upstream", 1, None, 100).nodes.get("datasets:9001") == 1


def test_the_migration_fills_the_table_from_the_store_and_keeps_the_substring_index(ctx, tiny, database_url):
    from alembic import command

    from catalog.db import alembic_config

    session = ctx.session
    expected = edges_table.stored(session)
    session.commit()
    engine = session.get_bind()
    session.close()
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0023")
        command.upgrade(config, "head")
    assert edges_table.stored(ctx.session) == expected and expected
    assert_in_step(ctx.session)
    # 0021's substring filter still follows a rename (SQLite's trigram table is kept by triggers).
    dataset = r.get_record(ctx, "datasets", int(tiny.D.split(":")[1]))
    r.update_record(ctx, "datasets", dataset.id, {"version": dataset.version, "name": "Сведения о доходах"})
    assert [d.id for d in r.list_records(ctx, "datasets", q="сведения").items] == [dataset.id]
