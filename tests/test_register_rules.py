"""The register's own rules (issue 17): marts with an answerable official, a process's group, its
responsible person, its digital channels. Each is refused on save with a Russian error naming the
field, and reported for data stored before the rule (`catalog validate`, the reports page)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import update

from catalog import models
from catalog.errors import InvalidInput
from catalog.services import consistency
from catalog.services import records as r


def _quality(seed, **extra):
    return {"stage": "operation", "quality_responsible_id": seed.person.id, "completeness": 97.5,
            "accuracy": 99.0, "timeliness": 95.0, "quality_checked_on": date.today().isoformat(), **extra}


# --- marts: Samara concept 3 п. 12, 5 п. 13 -------------------------------------------------


def test_a_mart_put_in_operation_without_its_official_and_figures_is_refused_naming_each_field(ctx, seed):
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version, "stage": "operation"})
    fields = caught.value.fields
    assert set(fields) == {"quality_responsible_id", "completeness", "accuracy", "timeliness", "quality_checked_on"}
    assert "обязательно поле «ответственный за качество данных»" in fields["quality_responsible_id"][0]
    assert "«полнота»" in fields["completeness"][0]
    mart = r.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version, **_quality(seed)})
    assert mart.stage == "operation" and mart.quality_responsible_id == seed.person.id


def test_the_answerable_official_is_a_person_of_the_owning_agency(ctx, seed):
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version,
                                                     **_quality(seed, quality_responsible_id=seed.other_person.id)})
    assert "Петров Пётр Ильич работает в другом органе" in caught.value.fields["quality_responsible_id"][0]


def test_a_mart_not_yet_in_operation_may_wait_for_its_figures(ctx, seed):
    """A mart being designed serves no data yet: nobody answers for figures it cannot have."""
    mart = r.create_record(ctx, "marts", {"name": "Проектируемая витрина", "kind": "agency",
                                          "owner_agency_id": seed.agency.id})
    assert mart.stage == "design"
    assert consistency.mart_quality(ctx.settings, mart) is None


def test_the_api_refuses_a_mart_in_operation_without_figures(client, seed, make_user, token_for):
    headers = token_for(make_user("admin", ["admin"]))
    answer = client.post("/api/v1/marts", headers=headers, json={
        "name": "Витрина без ответственного", "kind": "agency", "owner_agency_id": seed.agency.id,
        "stage": "operation", "completeness": 90})
    assert answer.status_code == 422
    body = answer.get_json()
    assert "quality_responsible_id" in body["fields"] and "completeness" not in body["fields"]
    assert "ответственный за качество данных" in body["fields"]["quality_responsible_id"][0]


def test_the_mart_import_refuses_the_row_and_names_the_field(runner, ctx, seed, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Наименование витрины*", "Вид витрины*", "Обладатель данных*", "Стадия", "Полнота, %"])
    sheet.append(["Витрина пособий", "ведомственная", "MINSOC", "в эксплуатации", "95"])
    path = tmp_path / "витрины.xlsx"
    book.save(path)
    result = runner.invoke("import", "marts", str(path))
    assert result.exit_code != 0
    assert "ответственный за качество данных" in result.output, result.output


def test_a_check_older_than_the_term_marks_the_mart_stale_on_its_page(client, ctx, seed):
    old = (date.today() - timedelta(days=400)).isoformat()
    r.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version,
                                                 **_quality(seed, quality_checked_on=old)})
    page = client.get(f"/marts/{seed.mart.id}").get_data(as_text=True)
    assert "Проверка качества устарела" in page and "срок — 365\u00a0дней" in page.replace(" дней", "\u00a0дней")
    stale = [v for v in consistency.violations(ctx) if v.kind == "marts"]
    assert [v.field for v in stale] == ["дата последней проверки качества"]
    fresh = date.today().isoformat()
    mart = ctx.session.get(models.DataMart, seed.mart.id)
    r.update_record(ctx, "marts", mart.id, {"version": mart.version, "quality_checked_on": fresh})
    page = client.get(f"/marts/{seed.mart.id}").get_data(as_text=True)
    assert "Проверка качества устарела" not in page and "Качество подтверждено" in page


def test_the_term_is_configured(ctx, seed):
    mart = r.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version, **_quality(
        seed, quality_checked_on=(date.today() - timedelta(days=40)).isoformat())})
    assert consistency.mart_quality(ctx.settings, mart) == "checked"
    ctx.settings.mart_quality_term_days = 30
    assert consistency.mart_quality(ctx.settings, mart) == "stale"


def test_a_stale_mart_is_a_search_facet(ctx, seed):
    from catalog.search import documents

    old = (date.today() - timedelta(days=400)).isoformat()
    r.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version,
                                                 **_quality(seed, quality_checked_on=old)})
    docs, _ = documents.build_documents(ctx.session, "marts", [seed.mart.id])
    assert docs[0].stage == "marts:stale"
    assert documents.stage_label("marts:stale") == "витрина данных: проверка качества устарела"


def test_the_mart_page_lists_its_consumers_and_what_each_takes(client, ctx, seed):
    system = r.create_record(ctx, "systems", {"name": "Система социальной защиты", "short_name": "АСП",
                                              "legal_kind": "regional", "stage": "operation"})
    r.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes", "source_id": seed.process.id,
                                   "target_kind": "datasets", "target_id": seed.dataset.id})
    r.create_record(ctx, "links", {"link_type": "AUTOMATED_BY", "source_kind": "processes",
                                   "source_id": seed.process.id, "target_kind": "systems", "target_id": system.id})
    consumers = consistency.mart_consumers(ctx, seed.mart.id)
    assert [(c.kind, c.title, c.takes) for c in consumers] == [
        ("processes", "Приём заявления о назначении выплаты", ["Сведения о получателях выплат"]),
        ("systems", "АСП", ["Сведения о получателях выплат"])]
    page = client.get(f"/marts/{seed.mart.id}").get_data(as_text=True)
    assert "Потребители данных витрины: 2" in page and "Приём заявления о назначении выплаты" in page


def test_marts_stored_before_the_rule_are_reported_not_refused(runner, ctx, seed):
    # As the migration leaves a mart registered before: in operation, with no official.
    ctx.session.execute(update(models.DataMart).where(models.DataMart.id == seed.mart.id).values(stage="operation"))
    ctx.session.commit()
    result = runner.invoke("validate")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if f"витрина данных № {seed.mart.id}" in line]
    # The SHACL shapes name each empty field; the reports page lists them from the register's rules.
    assert any("поле «ответственный за качество данных»" in line and
               "Витрина в эксплуатации: обязательное поле не заполнено" in line for line in lines), result.output
    assert [v.field for v in consistency.violations(ctx)][0] == "ответственный за качество данных"
    # The record is kept; its next save as a mart in operation must carry the official and figures.
    with pytest.raises(InvalidInput):
        r.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version, "name": "Новое имя"})


# --- processes: the register's consistency ---------------------------------------------------


def _typical(ctx):
    group = r.create_record(ctx, "process-groups", {"code": "G1", "name": "Социальная поддержка"})
    other = r.create_record(ctx, "process-groups", {"code": "G2", "name": "Контроль (надзор)"})
    typical = r.create_record(ctx, "typical-processes", {"name": "Назначение выплаты", "group_id": group.id})
    return group, other, typical


def test_a_process_follows_the_group_of_its_typical_process(ctx, seed):
    group, other, typical = _typical(ctx)
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version,
                                                            "typical_process_id": typical.id, "group_id": other.id})
    assert "«Социальная поддержка»" in caught.value.fields["group_id"][0]
    process = r.update_record(ctx, "processes", seed.process.id, {
        "version": seed.process.version, "typical_process_id": typical.id, "group_id": group.id})
    assert process.group_id == group.id


def test_the_responsible_person_belongs_to_the_owning_agency(ctx, seed):
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version,
                                                            "responsible_id": seed.other_person.id})
    assert "Ответственный за процесс должен быть сотрудником органа — владельца процесса" in \
        caught.value.fields["responsible_id"][0]


def test_a_process_with_a_digital_channel_is_digital(ctx, seed):
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version,
                                                            "channels": ["epgu", "chat_bot"], "is_digital": False})
    assert "(ЕПГУ, чат-бот)" in caught.value.fields["is_digital"][0]
    process = r.update_record(ctx, "processes", seed.process.id, {
        "version": seed.process.version, "channels": ["mobile_app", "call_centre"], "is_digital": True})
    assert process.channels == ["mobile_app", "call_centre"]


def test_processes_stored_before_the_rules_are_reported(client, ctx, seed):
    group, other, typical = _typical(ctx)
    ctx.session.execute(update(models.Process).where(models.Process.id == seed.process.id).values(
        typical_process_id=typical.id, group_id=other.id, responsible_id=seed.other_person.id,
        channels=["epgu"], is_digital=False))
    ctx.session.commit()
    found = {v.field for v in consistency.violations(ctx) if v.kind == "processes"}
    assert found == {"группа процессов", "ответственный за процесс", "цифровой процесс"}
    page = client.get("/reports/").get_data(as_text=True)
    assert "Записи вне правил реестра: 3" in page
    # An edit of another field is not refused for the old inconsistencies.
    process = r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version,
                                                                  "description": "Уточнено"})
    assert process.description == "Уточнено"


# --- МСЗУ: Leningrad 8.2, priority services first ----------------------------------------------


def test_mszu_processes_are_a_dashboard_figure_and_a_report_by_agency(client, ctx, seed):
    from catalog.services import dashboard

    board = dashboard.dashboard(ctx)
    assert (board.total.mszu, board.total.mszu_optimised) == (1, 0)
    page = client.get("/dashboard").get_data(as_text=True)
    from bs4 import BeautifulSoup

    card = BeautifulSoup(page, "html.parser").select_one("#mszu").get_text(" ", strip=True)
    assert card.startswith("1 процесс МСЗУ из 1 не оптимизирован"), card
    assert "Массовые социально значимые услуги (МСЗУ) по органам" in page
    # Passed reengineering: optimised (as the dashboard counts it).
    # Through the service, as every write goes (the kept figures follow its flush and its change event).
    from catalog.services import records

    process = ctx.session.get(models.Process, seed.process.id)
    records.update_record(ctx, "processes", process.id, {"version": process.version, "status": "reengineered"})
    row = next(a for a in dashboard.dashboard(ctx).agencies if a.agency_id == seed.agency.id)
    assert (row.mszu, row.mszu_optimised, row.mszu_not_optimised) == (1, 1, 0)
    assert client.get("/api/v1/dashboard").get_json()["total"]["mszu_optimised"] == 1


# --- the migration keeps every record ------------------------------------------------------


def test_the_migration_keeps_every_record_and_moves_the_client_text_to_a_consumer(tmp_path):
    """A catalogue of revision 0013: its marts come out in operation (and so reported), a process's
    «Клиент» becomes its external consumer, positions stay in the region's pay table."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from catalog.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0013")
        now = "2025-01-01 00:00:00"
        connection.execute(text(
            "INSERT INTO agencies (id, version, created_at, updated_at, code, name, kind) "
            f"VALUES (1, 1, '{now}', '{now}', 'A', 'Министерство', 'executive')"))
        connection.execute(text(
            "INSERT INTO people (id, version, created_at, updated_at, full_name, position, agency_id) "
            f"VALUES (1, 1, '{now}', '{now}', 'Иванова', 'специалист', 1)"))
        connection.execute(text(
            "INSERT INTO services (id, version, created_at, updated_at, name, kind, is_mszu) "
            f"VALUES (1, 1, '{now}', '{now}', 'Услуга', 'service', 0)"))
        connection.execute(text(
            "INSERT INTO processes (id, version, created_at, updated_at, agency_id, registry_id, name, service_id, "
            "responsible_id, status, client, is_digital, channels) "
            f"VALUES (1, 1, '{now}', '{now}', 1, '001', 'Процесс', 1, 1, 'queued_research', "
            "'Граждане, имеющие детей', 0, '[]')"))
        connection.execute(text(
            "INSERT INTO data_marts (id, version, created_at, updated_at, name, kind, owner_agency_id) "
            f"VALUES (1, 1, '{now}', '{now}', 'Витрина', 'agency', 1)"))
        connection.execute(text(
            "INSERT INTO positions (id, version, created_at, updated_at, name, monthly_pay, payroll_coefficient, "
            f"annual_hours) VALUES (1, 1, '{now}', '{now}', 'специалист', 50000, 1.302, 1973)"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT stage FROM data_marts")).scalar() == "operation"
        assert connection.execute(text("SELECT process_id, scope, description FROM process_consumers")).one() == \
            (1, "external", "Граждане, имеющие детей")
        assert connection.execute(text("SELECT client FROM processes")).scalar() == "Граждане, имеющие детей"
        assert connection.execute(text("SELECT agency_id FROM positions")).one() == (None,)
    engine.dispose()


def test_consumers_are_records_of_their_scope(ctx, seed):
    """Leningrad 2.5: an internal consumer is an executive body or its institution; 2.6: the rest are external."""
    municipality = r.create_record(ctx, "agencies", {"code": "ADM", "name": "Администрация города",
                                                     "kind": "municipality"})
    with pytest.raises(InvalidInput) as caught:
        r.create_record(ctx, "process-consumers", {"process_id": seed.process.id, "scope": "internal",
                                                   "agency_id": municipality.id})
    assert "это внешний потребитель" in caught.value.fields["scope"][0]
    with pytest.raises(InvalidInput) as caught:
        r.create_record(ctx, "process-consumers", {"process_id": seed.process.id, "scope": "external",
                                                   "agency_id": seed.other_agency.id})
    assert "это внутренний потребитель" in caught.value.fields["scope"][0]
    r.create_record(ctx, "process-consumers", {"process_id": seed.process.id, "scope": "internal",
                                               "agency_id": seed.other_agency.id, "unit": "отдел статистики"})
    r.create_record(ctx, "process-consumers", {"process_id": seed.process.id, "scope": "external",
                                               "applicant_category": "citizens"})
    consumers = r.list_records(ctx, "process-consumers", {"process_id": seed.process.id}).items
    assert sorted(c.title for c in consumers) == ["Министерство здравоохранения, отдел статистики", "физические лица"]
