"""Issue 19: the dashboard's figures outside the rules and its projects' part are recounted by the outbox
consumer, off the request. A view after a write reads the kept row and says when it was counted; the
consumer's recount brings it up to date; a new catalogue still counts its first view itself."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event

from catalog import formatting, models
from catalog.services import dashboard, kept
from catalog.services import records as r
from catalog.services.context import Context

NOTE = re.compile(r"Показатели вне правил и по проектам оптимизации посчитаны в (\d\d:\d\d \d\d\.\d\d\.\d{4}), "
                  r"пересчитываются")
# What a recount reads and the kept rows do not: the links and requests of the gate, the projects.
RECOUNT_TABLES = re.compile(r"\bFROM (links|request_processes|optimization_projects|data_marts)\b")


@pytest.fixture
def consumer(app):
    """The outbox consumer of the app's server, made as ``catalog serve`` makes it (not started: the test
    runs its passes), recounting at once (no debounce)."""
    runtime = app.extensions["catalog"]
    runtime.settings.dashboard_recount_delay = 0
    return runtime.outbox()


def _outside_gate(ctx, seed, name):
    ctx.settings.gate_existing_landscape = True  # the inherited landscape: saved, «без заключения»
    try:
        system = r.create_record(ctx, "systems", {"name": name, "legal_kind": "regional", "stage": "creation"})
        r.create_record(ctx, "links", {"link_type": "AUTOMATED_BY", "source_kind": "processes",
                                       "source_id": seed.process.id, "target_kind": "systems", "target_id": system.id})
    finally:
        ctx.settings.gate_existing_landscape = False
    return system


def _stale_mart(ctx, seed):
    mart = ctx.session.get(models.DataMart, seed.mart.id)
    r.update_record(ctx, "marts", mart.id, {
        "version": mart.version, "stage": "operation", "quality_responsible_id": seed.person.id,
        "completeness": 0.9, "accuracy": 0.9, "timeliness": 0.9,
        "quality_checked_on": (date.today() - timedelta(days=ctx.settings.mart_quality_term_days + 30)).isoformat()})


def _cards(client) -> tuple[dict, str | None]:
    page = BeautifulSoup(client.get("/dashboard").get_data(as_text=True), "html.parser")
    cards = {card["id"]: int(card.select_one(".big").get_text().replace("\xa0", ""))
             for card in page.select(".card[id^=rules-]")}
    note = page.select_one("#recount-note")
    return cards, (" ".join(note.get_text().split()) if note else None)


def _statements(app):
    seen: list[str] = []
    engine = app.extensions["catalog"].engine

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    return seen, lambda: event.remove(engine, "before_cursor_execute", note)


def _direct(ctx) -> dict:
    ctx.session.expire_all()
    counted = dashboard.rule_figures(ctx)
    return {"rules-systems": counted.systems_outside_gate, "rules-links": counted.links_outside_gate,
            "rules-statuses": counted.unconfirmed_statuses, "rules-marts": counted.stale_marts}


def test_after_a_write_the_view_reads_the_kept_row_and_the_consumer_brings_it_up_to_date(app, client, ctx, seed,
                                                                                      consumer):
    _outside_gate(ctx, seed, "Система учёта выплат")
    before, note = _cards(client)  # the first view of the catalogue counts (no row yet)
    assert before["rules-systems"] == 1 and note is None

    _outside_gate(ctx, seed, "Система учёта льгот")
    _stale_mart(ctx, seed)
    seen, stop = _statements(app)
    try:
        after, note = _cards(client)
        api = client.get("/api/v1/dashboard").get_json()
    finally:
        stop()
    # The view did not recount: it read the kept row, shows its figures and says when they were counted.
    assert not [s for s in seen if RECOUNT_TABLES.search(s)]
    assert after == before
    row = ctx.session.get(models.KeptRuleFigures, 0)
    shown = formatting.to_local(row.counted_at, ctx.settings.timezone)
    assert NOTE.search(note).group(1) == f"{shown:%H:%M} {shown:%d.%m.%Y}"
    assert api["recount_pending"] is True and api["rules"]["systems_outside_gate"] == 1
    assert api["counted_at"].startswith(row.counted_at.isoformat()[:16]) and NOTE.search(api["notice"])

    assert consumer.run_once({"dashboard"}) == {"dashboard": 1}
    fresh, note = _cards(client)
    assert note is None and fresh == _direct(ctx)
    assert fresh["rules-systems"] == 2 and fresh["rules-links"] == 2 and fresh["rules-marts"] == 1
    api = client.get("/api/v1/dashboard").get_json()
    assert api["recount_pending"] is False and api["notice"] is None and api["rules"]["systems_outside_gate"] == 2
    # Another server of the same store, with its own address and folders, reads the same row as current.
    from dataclasses import replace

    other = Context(session=ctx.session, is_system=True, settings=replace(
        ctx.settings, base_url="http://127.0.0.2:8001", instance_path=ctx.settings.instance_path / "other"))
    assert kept.stale_scopes(other) == []


def test_a_fresh_catalogue_counts_its_first_view_and_an_agency_its_own(app, client, ctx, seed, consumer):
    _outside_gate(ctx, seed, "Система учёта выплат")
    _stale_mart(ctx, seed)
    cards, note = _cards(client)
    assert note is None and cards == _direct(ctx) == {"rules-systems": 1, "rules-links": 1, "rules-statuses": 0,
                                                      "rules-marts": 1}
    one = client.get("/api/v1/dashboard", query_string={"agency": seed.agency.id}).get_json()
    assert one["recount_pending"] is False and one["rules"]["links_outside_gate"] == 1
    # Both kept rows (region, agency) are recounted by the consumer after the next write.
    _outside_gate(ctx, seed, "Система учёта льгот")
    assert consumer.run_once({"dashboard"}) == {"dashboard": 2}
    one = client.get("/api/v1/dashboard", query_string={"agency": seed.agency.id}).get_json()
    assert one["recount_pending"] is False and one["rules"]["links_outside_gate"] == 2


def test_projects_part_is_kept_with_the_figures(app, client, ctx, seed, consumer, make_user):
    """The projects' part is read from the kept row too: a project made after the first view appears in the
    figures once the consumer has recounted them, as a direct count has it."""
    from tests.test_projects import LATE, as_user
    from catalog.services import projects

    first = client.get("/api/v1/dashboard").get_json()
    assert sum(first["projects"].values()) == 0
    owner = make_user("owner", ["agency_editor"], agency_ids=[seed.agency.id])
    projects.create_project(as_user(ctx, owner), {
        "process_id": seed.process.id, "ground": "application", "late_reason": LATE, "initiated_on": "2025-10-31",
        "ground_details": "Письмо министра от 31.10.2025 № 45"})
    kept_view = client.get("/api/v1/dashboard").get_json()
    assert kept_view["projects"] == first["projects"] and kept_view["recount_pending"] is True
    consumer.run_once({"dashboard"})
    recounted = client.get("/api/v1/dashboard").get_json()
    assert recounted["projects"] == dashboard.projects_part(ctx)["stages"]
    assert sum(recounted["projects"].values()) == 1 and recounted["recount_pending"] is False


def test_a_burst_of_writes_waits_for_a_quiet_moment(app, client, ctx, seed, consumer):
    client.get("/dashboard")
    _outside_gate(ctx, seed, "Система учёта выплат")
    assert kept.stale_scopes(ctx) == [0]
    # The last write is younger than the delay: the consumer waits (the next write would be counted with it).
    assert not kept.recount_due(ctx, quiet=60)
    assert consumer.run_once({"dashboard"}) == {"dashboard": 1}  # the fixture's delay is 0
    assert kept.stale_scopes(ctx) == [] and not kept.recount_due(ctx, quiet=0)


def test_two_consumers_recounting_at_once_store_one_right_row(app, client, ctx, seed):
    client.get("/dashboard")
    client.get("/dashboard", query_string={"agency": seed.agency.id})
    _outside_gate(ctx, seed, "Система учёта выплат")
    sessions, failures = app.extensions["catalog"].sessions, []
    start = threading.Barrier(2)

    def recount():
        with sessions() as session:
            try:
                start.wait(5)
                kept.recount(Context(session=session, is_system=True, settings=ctx.settings), dashboard.board_figures)
            except Exception as error:  # pragma: no cover - what the test reports
                failures.append(error)

    threads = [threading.Thread(target=recount) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
    ctx.session.expire_all()
    rows = ctx.session.query(models.KeptRuleFigures).order_by(models.KeptRuleFigures.scope).all()
    assert [row.scope for row in rows] == [0, seed.agency.id]
    assert kept.stale_scopes(ctx) == []
    assert rows[0].systems_outside_gate == dashboard.rule_figures(ctx).systems_outside_gate == 1
    assert rows[1].links_outside_gate == dashboard.rule_figures(ctx, seed.agency.id).links_outside_gate == 1


def test_stale_marts_are_counted_as_the_marts_quality_says(ctx, seed):
    from catalog.services import consistency

    _stale_mart(ctx, seed)
    fresh = r.create_record(ctx, "marts", {"name": "Витрина выплат", "kind": "smev4", "owner_agency_id": seed.agency.id,
                                           "stage": "operation", "quality_responsible_id": seed.person.id,
                                           "completeness": 0.9, "accuracy": 0.9, "timeliness": 0.9,
                                           "quality_checked_on": date.today().isoformat()})
    assert fresh.id
    marts = ctx.session.query(models.DataMart).filter(models.DataMart.deleted_at.is_(None)).all()
    assert dashboard.stale_marts(ctx) == sum(consistency.mart_quality(ctx.settings, m) == "stale" for m in marts) == 1
    assert dashboard.stale_marts(ctx, seed.other_agency.id) == 0


def test_a_running_consumer_woken_by_the_view_brings_the_figures_up_to_date(app, client, ctx, seed):
    """The server's consumer thread, as ``catalog serve`` starts it: the view after a write shows the kept figures
    with the note and wakes it; a moment later the figures are a direct count's."""
    import time

    runtime = app.extensions["catalog"]
    runtime.settings.dashboard_recount_delay, runtime.settings.outbox_interval = 0, 30  # only a wake-up is quick
    consumer = runtime.outbox()
    client.get("/dashboard")
    consumer.start()
    try:
        assert consumer.wait_caught_up(20)
        _outside_gate(ctx, seed, "Система учёта выплат")
        first = client.get("/api/v1/dashboard").get_json()
        deadline = time.monotonic() + 10
        while client.get("/api/v1/dashboard").get_json()["recount_pending"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first["recount_pending"] is True and first["rules"]["systems_outside_gate"] == 0
        cards, note = _cards(client)
        assert note is None and cards == _direct(ctx) and cards["rules-systems"] == 1
    finally:
        consumer.stop()
