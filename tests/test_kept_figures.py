"""Issue 19: the dashboard's and the home page's figures are kept by every write, not recomputed on a view.

Each test compares the kept figures with a fresh computation (the dashboard's old loop: every process
costed by ``costs.process_costs``, every table counted) after writes that change them.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog import models
from catalog.kinds import KINDS
from catalog.services import costs, dashboard, kept, passports, stats
from catalog.services import records as r
from tests.test_costs import HEAD, SPECIALIST

FIELDS = ("processes", "digital", "optimised", "mszu", "mszu_optimised", "cost_as_is", "cost_to_be", "effect", "fte")


def fresh(ctx) -> tuple[dict, dict, int, dict]:
    """Per agency and for the region, as the dashboard computed them before they were kept."""
    rows = ctx.session.execute(select(models.Process.id, models.Process.agency_id, models.Process.status,
                                      models.Process.is_digital, models.Service.is_mszu)
                               .join(models.Service, models.Service.id == models.Process.service_id)
                               .where(models.Process.deleted_at.is_(None))).all()
    approved_to_be = set(ctx.session.scalars(select(models.Passport.process_id).where(
        models.Passport.variant == "to_be", models.Passport.state == "approved", models.Passport.deleted_at.is_(None))))
    with_passports = set(ctx.session.scalars(select(models.Passport.process_id).where(models.Passport.deleted_at.is_(None))))
    by_agency, statuses, costed = {}, {}, 0
    for process_id, agency_id, status, digital, mszu in rows:
        figures = by_agency.setdefault(agency_id, dict.fromkeys(FIELDS, 0))
        optimised = status in dashboard.OPTIMISED_STATUSES or process_id in approved_to_be
        statuses[status] = statuses.get(status, 0) + 1
        figures["processes"] += 1
        figures["digital"] += bool(digital)
        figures["optimised"] += optimised
        figures["mszu"] += bool(mszu)
        figures["mszu_optimised"] += bool(mszu) and optimised
        if process_id in with_passports:
            costed += 1
            result = costs.process_costs(ctx, process_id)
            figures["cost_as_is"] += result.costs["as_is"].per_year if "as_is" in result.costs else 0.0
            figures["cost_to_be"] += result.costs["to_be"].per_year if "to_be" in result.costs else 0.0
            if result.effect:
                figures["effect"] += result.effect.money_per_year
                figures["fte"] += result.effect.fte
    total = {f: sum(a[f] for a in by_agency.values()) for f in FIELDS}
    return by_agency, total, costed, statuses


def fresh_counts(ctx) -> dict[str, int]:
    return {name: ctx.session.scalar(select(func.count()).select_from(kind.model).where(kind.model.deleted_at.is_(None)))
            for name, kind in KINDS.items()}


def assert_kept_as_fresh(ctx):
    ctx.session.expire_all()
    by_agency, total, costed, statuses = fresh(ctx)
    board = dashboard.dashboard(ctx)
    kept_total = {f: getattr(board.total, f) for f in FIELDS}
    assert kept_total == pytest.approx(total)
    assert board.costed == costed
    assert {v: c for v, _, c in board.statuses if c} == statuses
    kept_rows = {a.agency_id: {f: getattr(a, f) for f in FIELDS} for a in board.agencies + board.rest}
    assert set(kept_rows) == set(by_agency)
    for agency_id, figures in by_agency.items():
        assert kept_rows[agency_id] == pytest.approx(figures)
    for agency_id, figures in by_agency.items():  # each agency's own dashboard
        one = dashboard.dashboard(ctx, agency_id)
        assert {f: getattr(one.total, f) for f in FIELDS} == pytest.approx(figures)
    assert kept.counts(ctx.session) == fresh_counts(ctx)
    home = stats.overview(ctx)
    assert home["counts"] == fresh_counts(ctx)
    assert home["status_totals"] == {s: statuses.get(s, 0) for s in home["status_totals"]}
    return board


def _passport(ctx, process_id, variant, minutes, position_id, approve=True, resources=()):
    draft = passports.create_passport(ctx, process_id, variant)
    passports.save_passport(ctx, draft.id, {"version": draft.version, "instances_per_year": 900,
                                            "resources": list(resources), "steps": [
        {"name": "Работа", "duration_minutes": minutes, "times_per_year": 900, "position_id": position_id}]})
    if approve:
        passports.approve(ctx, draft.id)
    return draft


def test_costs_kept_through_passports_pay_tables_and_agency_moves(ctx, seed):
    assert_kept_as_fresh(ctx)  # built on the first read of an empty catalogue
    specialist = costs.save_position(ctx, SPECIALIST)
    head = costs.save_position(ctx, HEAD)
    _passport(ctx, seed.process.id, "as_is", 60, specialist.id,
              resources=[{"kind": "materials", "name": "Бумага", "unit_cost": 14, "quantity": 3, "per": "instance"}])
    to_be = _passport(ctx, seed.process.id, "to_be", 15, specialist.id)
    board = assert_kept_as_fresh(ctx)
    # 900 × (60 − 15) min = 675 h × 520 = 351 000 a year (tests/test_costs.py works the rate out).
    assert board.total.effect == pytest.approx(351000 + 14 * 3 * 900) and board.costed == 1

    # A process with only a draft AS-IS is costed by its draft; the draft's steps change its cost.
    second = r.create_record(ctx, "processes", {
        "agency_id": seed.agency.id, "registry_id": "002", "service_id": seed.service.id, "status": "researching",
        "name": "Выдача справки", "responsible_id": seed.person.id, "is_digital": True})
    draft = _passport(ctx, second.id, "as_is", 30, head.id, approve=False)
    assert_kept_as_fresh(ctx)
    passports.save_passport(ctx, draft.id, {"version": ctx.session.get(models.Passport, draft.id).version, "steps": [
        {"name": "Работа", "duration_minutes": 45, "times_per_year": 100, "position_id": head.id},
        {"name": "Проверка", "duration_minutes": 5, "times_per_year": 100, "position_id": specialist.id}]})
    assert_kept_as_fresh(ctx)

    # A new draft of an approved variant does not change the figures: the approved revision is costed.
    new_draft = passports.create_passport(ctx, seed.process.id, "to_be")
    passports.save_passport(ctx, new_draft.id, {"version": new_draft.version, "steps": [
        {"name": "Работа", "duration_minutes": 1, "times_per_year": 900, "position_id": specialist.id}]})
    assert dashboard.dashboard(ctx).total.effect == pytest.approx(board.total.effect)
    assert_kept_as_fresh(ctx)
    passports.approve(ctx, new_draft.id)  # …until it is approved
    assert dashboard.dashboard(ctx).total.effect > board.total.effect
    assert_kept_as_fresh(ctx)

    # The region's pay table changes the cost of every passport that uses the position, in the same commit.
    costs.save_position(ctx, {"version": specialist.version, "monthly_pay": 75000}, specialist.id)
    assert_kept_as_fresh(ctx)
    # An agency's own row of a position replaces the region's for that agency's processes only.
    costs.save_position(ctx, {**HEAD, "monthly_pay": 120000, "agency_id": seed.other_agency.id})
    assert_kept_as_fresh(ctx)
    # The process moves to that agency: its rates are the other agency's now.
    moved = ctx.session.get(models.Process, second.id)
    r.update_record(ctx, "processes", second.id, {"version": moved.version, "agency_id": seed.other_agency.id,
                                                 "responsible_id": seed.other_person.id})
    board = assert_kept_as_fresh(ctx)
    assert {a.agency_id for a in board.agencies} == {seed.agency.id, seed.other_agency.id}
    assert to_be.id  # the first TO-BE stays in the history


def test_statuses_services_deletions_and_counts_kept(ctx, seed):
    assert_kept_as_fresh(ctx)
    specialist = costs.save_position(ctx, SPECIALIST)
    _passport(ctx, seed.process.id, "as_is", 60, specialist.id)
    process = ctx.session.get(models.Process, seed.process.id)
    r.update_record(ctx, "processes", process.id, {"version": process.version, "status": "researching",
                                                  "is_digital": True})
    assert_kept_as_fresh(ctx)
    service = ctx.session.get(models.Service, seed.service.id)
    r.update_record(ctx, "services", service.id, {"version": service.version, "is_mszu": False})
    board = assert_kept_as_fresh(ctx)
    assert board.total.mszu == 0
    # Deleting a process takes it, its cost and its status out; restoring brings them back.
    r.delete_record(ctx, "processes", process.id, ctx.session.get(models.Process, process.id).version)
    board = assert_kept_as_fresh(ctx)
    assert board.total.processes == 0 and board.costed == 0 and stats.overview(ctx)["counts"]["processes"] == 0
    r.restore_record(ctx, "processes", process.id, ctx.session.get(models.Process, process.id).version)
    assert assert_kept_as_fresh(ctx).costed == 1
    # Links and other kinds: created, deleted, restored.
    link = ctx.session.scalar(select(models.Link).where(models.Link.deleted_at.is_(None)))
    r.delete_record(ctx, "links", link.id, link.version)
    assert_kept_as_fresh(ctx)
    dataset = r.create_record(ctx, "datasets", {"name": "Сведения о доходах", "owner_agency_id": seed.agency.id})
    assert stats.overview(ctx)["counts"]["datasets"] == 2
    r.delete_record(ctx, "datasets", dataset.id, dataset.version)
    assert stats.overview(ctx)["counts"]["datasets"] == 1
    assert_kept_as_fresh(ctx)


def test_a_catalogue_from_before_the_kept_figures_is_built_on_the_first_view(ctx, seed, client):
    """A catalogue migrated from before 0023 (its kept tables empty) shows the right figures at once."""
    specialist = costs.save_position(ctx, SPECIALIST)
    _passport(ctx, seed.process.id, "as_is", 60, specialist.id)
    _passport(ctx, seed.process.id, "to_be", 15, specialist.id)
    for model in (models.KeptCount, models.KeptAgencyFigures, models.KeptAgencyStatus, models.PassportCost):
        ctx.session.query(model).delete()
    ctx.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "351\u00a0000\u00a0руб." in page
    assert_kept_as_fresh(ctx)


def test_the_dashboard_shows_the_top_agencies_sums_the_rest_and_pages_them(ctx, seed, client, monkeypatch):
    from bs4 import BeautifulSoup

    monkeypatch.setattr(dashboard, "AGENCIES_PER_PAGE", 2)  # the paging of 50 rows, on a small catalogue
    ctx.register_rules = False  # one responsible person for all the agencies' processes
    for number in range(1, 24):  # 23 agencies more, each with one process (MINSOC has 1 + 1)
        agency = r.create_record(ctx, "agencies", {"code": f"A{number}", "name": f"Комитет № {number:02}", "kind": "executive"})
        r.create_record(ctx, "processes", {"agency_id": agency.id, "registry_id": "001", "service_id": seed.service.id,
                                           "name": f"Процесс комитета № {number}", "responsible_id": seed.person.id,
                                           "status": "queued_research", "is_digital": number % 2 == 0})
    r.create_record(ctx, "processes", {"agency_id": seed.agency.id, "registry_id": "002", "service_id": seed.service.id,
                                       "name": "Второй процесс", "responsible_id": seed.person.id, "status": "certified"})
    board = dashboard.dashboard(ctx)
    assert len(board.agencies) == 20 and board.agencies[0].agency == seed.agency.name
    assert board.agency_count == 24 and board.others_count == 4 and board.others.processes == 4
    assert board.total.processes == sum(a.processes for a in board.agencies) + board.others.processes == 25
    page = BeautifulSoup(client.get("/dashboard").get_data(as_text=True), "html.parser")
    assert len(page.select("#top-agencies tbody tr")) == 20
    other = " ".join(page.select_one("#other-agencies").get_text(" ").split())
    assert other.startswith("Остальные 4 органа 4 ")
    assert [a.get_text() for a in page.select("#rest-agencies tbody tr td:first-child a")] == ["Комитет № 20", "Комитет № 21"]
    assert "страница 1 из 2" in page.get_text()
    second = BeautifulSoup(client.get("/dashboard?page=2").get_data(as_text=True), "html.parser")
    assert [a.get_text() for a in second.select("#rest-agencies tbody tr td:first-child a")] == ["Комитет № 22", "Комитет № 23"]
    assert client.get("/dashboard?page=вторая").status_code == 422
    data = client.get("/api/v1/dashboard").get_json()
    assert len(data["agencies"]) == 20 and data["other_agencies"]["count"] == 4
    assert data["other_agencies"]["processes"] == 4
    home = stats.overview(ctx)
    assert home["other_agencies"] == 0 and home["counts"]["processes"] == 25


def test_generated_catalogues_have_passports_projects_requests_and_history(runner, app, ctx):
    """`catalog generate` makes passports (both variants, with steps and costs), pay tables, projects, requests,
    people's levels and status history, the same for the same seed; the kept figures match a fresh count."""
    from catalog.demo.generator import extras, generate

    data = generate(210, seed=3)
    assert extras(data, 3) == extras(generate(210, seed=3), 3) != extras(data, 4)
    result = runner.invoke("generate", "--processes", "210", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "паспорта процессов: 84" in result.output  # 42 processes, two variants each
    session = ctx.session
    variants = session.execute(select(models.Passport.variant, models.Passport.state, func.count())
                               .group_by(models.Passport.variant, models.Passport.state)).all()
    assert {(v, s) for v, s, _ in variants} == {("as_is", "approved"), ("to_be", "approved"), ("to_be", "draft")}
    assert session.scalar(select(func.count()).select_from(models.PassportStep)) == 42 * (8 + 5)
    assert session.scalar(select(func.count()).select_from(models.OptimizationProject)) == 5
    assert session.scalar(select(func.count()).select_from(models.SystemRequest)) == 7
    assert session.scalar(select(func.count()).select_from(models.Person).where(models.Person.level.is_(None))) == 0
    moves = session.scalar(select(func.count()).select_from(models.ChangeEvent).where(
        models.ChangeEvent.record_kind == "processes", models.ChangeEvent.action == "update"))
    assert moves > 15
    board = assert_kept_as_fresh(ctx)
    assert board.costed == 42 and board.total.effect > 0 and board.total.fte > 0


def test_a_dump_restores_into_a_catalogue_whose_figures_were_already_viewed(runner, ctx, seed, database_url, tmp_path,
                                                                         request):
    """The kept figures of an empty catalogue (built by its first view) do not make it «не пуст» for a restore;
    the dump's figures come with it."""
    from click.testing import CliRunner

    from catalog.cli import main
    from tests.test_cli import _empty_database

    specialist = costs.save_position(ctx, SPECIALIST)
    _passport(ctx, seed.process.id, "as_is", 60, specialist.id)
    _passport(ctx, seed.process.id, "to_be", 15, specialist.id)
    assert "эффект 351\u00a0000,00\u00a0руб." in runner.invoke("dashboard").output
    path = tmp_path / "catalog.jsonl.gz"
    assert runner.invoke("dump", str(path)).exit_code == 0
    target = _empty_database(database_url, tmp_path, request)

    def on_target(*args):
        return CliRunner().invoke(main, ["--database-url", target, *args], catch_exceptions=False)

    assert "Регион: 0\u00a0процессов" in on_target("dashboard").output
    restored = on_target("restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert "эффект 351\u00a0000,00\u00a0руб." in on_target("dashboard").output


def test_two_writers_keep_the_counts_without_a_deadlock(app, ctx, database_url):
    """PostgreSQL: a writer that holds the outbox's lock and flushes another record, and a writer that flushed
    first, both commit (the counters' rows were taken before the outbox's lock, and the two waited on each other)."""
    import threading

    from catalog.services import history

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises its writers")
    sessions = app.extensions["catalog"].sessions
    kept.counts(ctx.session)  # built
    ctx.session.commit()
    first, second = sessions(), sessions()
    history.lock_outbox(first)  # the first writer has written an event and goes on
    errors = []

    def other_writer():
        try:
            second.add(models.Agency(code="B", name="Комитет Б", kind="executive", version=1))
            second.flush()
            history.lock_outbox(second)
            second.commit()
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)
            second.rollback()

    thread = threading.Thread(target=other_writer)
    thread.start()
    thread.join(1.0)  # the other writer has flushed (or waits for the lock)
    first.add(models.Agency(code="A", name="Комитет А", kind="executive", version=1))
    try:
        first.flush()
        first.commit()
    except Exception as error:  # noqa: BLE001
        errors.append(error)
        first.rollback()
    thread.join(30)
    first.close()
    second.close()
    assert errors == []
    ctx.session.expire_all()
    assert kept.counts(ctx.session)["agencies"] == 2 == fresh_counts(ctx)["agencies"]


def test_figures_changed_past_the_catalogue_are_counted_again_by_rebuild(ctx, seed, runner, make_user):
    """A process's status written by plain SQL (no service, so no upkeep of the kept figures) shows wrong
    figures until an administrator runs ``catalog dashboard --rebuild``."""
    from sqlalchemy import update

    from catalog.errors import Forbidden

    before = dashboard.dashboard(ctx)
    ctx.session.execute(update(models.Process).where(models.Process.id == seed.process.id).values(status="researching"))
    ctx.session.execute(update(models.Dataset).values(deleted_at=func.now()))
    ctx.session.commit()
    stale = dashboard.dashboard(ctx)
    assert dict((s, n) for s, _, n in stale.statuses) == dict((s, n) for s, _, n in before.statuses)
    from catalog.services.context import Context

    architect = Context(session=ctx.session, user=make_user("architect", ["architect"]), settings=ctx.settings)
    with pytest.raises(Forbidden):  # an administrator's operation, as the search's reindex
        dashboard.rebuild_figures(architect)
    result = runner.invoke("dashboard", "--rebuild")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Показатели пересчитаны:")
    ctx.session.expire_all()
    board = assert_kept_as_fresh(ctx)
    assert dict((s, n) for s, _, n in board.statuses)["researching"] == 1
    assert stats.overview(ctx)["counts"]["datasets"] == 0
