"""A record's page reads each record it shows once: its links' ends, its fields' references and the
records its change feed names are the same records, and the session that read them keeps them (issue 19:
the record page on PostgreSQL, where each statement is a round trip)."""
import re
from collections import Counter

from sqlalchemy import event, select

from catalog import models
from catalog.services import records


def _reads(app, path):
    """The tables read by id list (``… FROM <table> WHERE <table>.id IN``) while the page is served."""
    asked = []
    engine = app.extensions["catalog"].engine

    def listener(conn, cursor, statement, *args):
        asked.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = app.test_client().get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page.status_code == 200
    return page.get_data(as_text=True), Counter(
        m.group(1) for sql in asked if (m := re.search(r"FROM (\w+)\s+WHERE \1\.id IN", sql)))


def test_a_process_page_reads_the_records_its_links_and_feed_name_once(app, ctx, demo_region):
    # A demo process linked to a dataset, with a change of that link in its feed, which names the dataset.
    process = ctx.session.scalars(select(models.Process).join(
        models.Link, (models.Link.source_kind == "processes") & (models.Link.source_id == models.Process.id))
        .where(models.Link.target_kind == "datasets").order_by(models.Process.id)).first()
    dataset_link = ctx.session.scalars(select(models.Link).where(
        models.Link.source_kind == "processes", models.Link.source_id == process.id,
        models.Link.target_kind == "datasets")).first()
    dataset = ctx.session.get(models.Dataset, dataset_link.target_id)
    records.update_record(ctx, "links", dataset_link.id, {"version": dataset_link.version, "description": "Уточнено"})
    ctx.session.commit()

    page, reads = _reads(app, f"/processes/{process.id}")
    assert dataset.name in page and "Уточнено" in page
    twice = {table: n for table, n in reads.items() if n > 1}
    assert not twice, reads


def test_titles_are_read_once_in_a_session_and_again_once_expired(ctx, demo_region):
    agency = ctx.session.scalars(select(models.Agency).order_by(models.Agency.id)).first()
    asked = []
    engine = ctx.session.get_bind()
    listener = lambda *args: asked.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert records.titles_for(ctx, {("agencies", agency.id)})[("agencies", agency.id)] is agency
        assert not asked  # held by the session: not read again
        ctx.session.expire(agency)  # as session.get: what the session holds is used until it expires
        assert records.titles_for(ctx, {("agencies", agency.id)})[("agencies", agency.id)].name == agency.name
        assert [sql for sql in asked if "FROM agencies" in sql]
        assert records.titles_for(ctx, {("agencies", 10**9)}) == {}
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_a_process_page_reads_its_evidence_and_the_people_it_names_once(app, ctx, demo_region):
    """The gate (is the process optimised?) and the status (does its evidence stand?) read the same
    passports and projects; the change feed and the status history name the same people: a statement each."""
    automated = select(models.Link.source_id).where(
        models.Link.link_type == "AUTOMATED_BY", models.Link.source_kind == "processes", models.Link.deleted_at.is_(None))
    process_id = ctx.session.scalars(select(models.StatusTransition.process_id).where(
        models.StatusTransition.process_id.in_(automated)).order_by(models.StatusTransition.process_id)).first()
    assert process_id is not None, "the demo has an automated process whose status changed"
    asked = []
    engine = app.extensions["catalog"].engine
    listener = lambda *args: asked.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = app.test_client().get(f"/processes/{process_id}")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page.status_code == 200 and "История статусов" in page.get_data(as_text=True)
    tables = Counter(m.group(1) for sql in asked if (m := re.search(r"\bFROM (\w+)", sql)))
    assert {table: tables[table] for table in ("passports", "optimization_projects", "users")} == {
        "passports": 1, "optimization_projects": 1, "users": 1}, tables
