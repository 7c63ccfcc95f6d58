"""The inbox (issue 16): what waits for each person, from every source, with its due date counted in working
days on the production calendar; the page, the API, the header's count and the office's overview per
agency with its Excel and CSV export."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from catalog.services import calendar, entry_dates, inbox, projects, records, requests, users
from catalog.services.context import Context

TEAM = {"team": ["Иванова М.П., начальник отдела"], "tasks": ["Сократить срок вдвое"]}


def as_user(ctx, user):
    return Context(session=ctx.session, user=user, settings=ctx.settings)


@pytest.fixture
def today(ctx):
    return entry_dates.local_day(ctx.settings)


@pytest.fixture
def people(ctx, seed, make_user):
    def make(login, name, roles, agency_ids=(), mart_ids=(), person_id=None):
        return users.create_user(ctx, login, name, "пароль-тест", roles, list(agency_ids), list(mart_ids),
                                 person_id=person_id)

    class People:
        # The head of the process office: the conclusions wait for her signature (Leningrad 8.4).
        office = make("office", "Сидорова Анна Андреевна", ["process_office"],
                      person_id=make_user.person("Сидорова Анна Андреевна", "head_of_agency").id)
        editor = make("editor", "Орлова Елена Викторовна", ["agency_editor"], [seed.agency.id])
        architect = make("architect", "Ветров Олег Николаевич", ["architect"])
        mart = make("mart", "Белов Кирилл Николаевич", ["mart_owner"], mart_ids=[seed.mart.id])
        reader = make("reader", "Зайцева Мария Петровна", ["reader"])
    return People


@pytest.fixture
def world(ctx, seed, people, today):
    """One item of every source: an application, a request to conclude and one to decide, a deviation to
    explain, an overdue measure, a mart checked two years ago."""
    from catalog.services import duties

    # The register's duties are held (Kemerovo 3.2), so no vacancy waits in the editor's inbox here.
    for duty in ("fill", "agree"):
        duties.appoint(ctx, seed.agency.id, duty, seed.person.id)
    applied = projects.create_project(ctx, {"process_id": seed.process.id, "ground": "application",
                                            "initiated_on": (today - timedelta(days=1)).isoformat()})
    other = records.create_record(ctx, "processes", {"agency_id": seed.agency.id, "registry_id": "002",
                                                     "name": "Назначение пособия", "responsible_id": seed.person.id,
                                                     "service_id": seed.service.id, "status": "queued_research"})
    start = today - timedelta(days=60)
    running = projects.create_project(ctx, {"process_id": other.id, "ground": "own_decision",
                                            "initiated_on": (start - timedelta(days=5)).isoformat()})
    projects.save_order(ctx, running.id, {"start_date": start.isoformat(),
                                          "end_date": (today + timedelta(days=90)).isoformat(), **TEAM})
    late_end = today - timedelta(days=5)
    projects.save_roadmap(ctx, running.id, {"measures": [
        {"name": "Запрос сведений через СМЭВ", "planned_start": start.isoformat(), "planned_end": late_end.isoformat(),
         "result": "Без справок", "responsible": "Иванова М.П."}],
        "kpis": [{"kind": "effectiveness", "name": "Срок назначения", "unit": "дней", "target": 5,
                  "direction": "at_most", "method": "Медиана", "responsible": "Иванова М.П.",
                  "responsible_position": "начальник отдела", "responsible_level": "head_of_unit"}]})
    projects.approve_roadmap(ctx, running.id, start + timedelta(days=1), version=running.version)
    projects.add_measurement(ctx, running.id, running.kpis[0].id, {"version": running.version,
                                                                   "measured_on": today.isoformat(), "value": 9})

    def filed(name):
        request = requests.create_request(ctx, {"agency_id": seed.agency.id, "kind": "create", "new_system_name": name,
                                                "processes": [seed.process.id], "estimated_cost": 1_000_000,
                                                "expected_value": "Без визита"})
        return requests.submit(ctx, request.id)

    to_conclude = filed("Система приёма заявлений")
    to_decide = filed("Система назначения выплат")
    requests.conclude(as_user(ctx, people.office), to_decide.id, {"version": to_decide.version,
                                                                  "conclusion": "negative", "reasons": "Процесс не описан"})
    # A mart in operation, its quality declared and checked two years ago (Samara 3 п. 12: due again).
    records.update_record(ctx, "marts", seed.mart.id, {
        "version": seed.mart.version, "stage": "operation", "quality_responsible_id": seed.person.id,
        "completeness": 97.5, "accuracy": 99.0, "timeliness": 95.0,
        "quality_checked_on": (today - timedelta(days=730)).isoformat()})
    return {"applied": applied, "running": running, "late_end": late_end, "to_conclude": to_conclude,
            "to_decide": to_decide}


def _by_kind(items):
    return {item["kind"]: item for item in items}


def test_every_source_puts_its_items_in_the_right_inbox_with_due_dates_in_working_days(ctx, seed, people, world, today):
    work = calendar.load(ctx)
    office = _by_kind(inbox.items_for(ctx, people.office))
    # Leningrad 4.2: the office answers within three working days of the application's receipt.
    answer = office["Заявка на оптимизацию: ответить"]
    assert answer["due"] == work.add_working_days(today - timedelta(days=1), 3)
    assert answer["days_left"] == work.working_days_between(today, answer["due"]) and not answer["overdue"]
    assert answer["url"] == f"/projects/{world['applied'].id}#application" and answer["agency_id"] == seed.agency.id
    conclude = office["Заявка на систему: дать заключение"]
    assert conclude["due"] == work.add_working_days(today, requests.CONCLUSION_DAYS)
    assert conclude["url"] == f"/requests/{world['to_conclude'].id}"
    assert "Заявка на систему: принять решение" not in office  # the decision is the architect's

    architect = _by_kind(inbox.items_for(ctx, people.architect))
    assert set(architect) == {"Заявка на систему: принять решение"}
    assert architect["Заявка на систему: принять решение"]["due"] == work.add_working_days(today, requests.DECISION_DAYS)

    editor = _by_kind(inbox.items_for(ctx, people.editor))
    # Leningrad 4.5: the owner explains a deviation within the request's term.
    deviation = editor["Отклонение КПЭ: объяснить причины"]
    assert deviation["due"] == work.add_working_days(today, projects.DEVIATION_ANSWER_DAYS)
    measure = editor["Мероприятие дорожной карты просрочено"]
    assert measure["overdue"] and measure["due"] == world["late_end"]
    assert measure["days_left"] == -work.working_days_between(world["late_end"], today) < 0
    assert "рабоч" in measure["due_text"] and world["late_end"].strftime("%d.%m.%Y") in measure["due_text"]
    # Samara concept, result 13: the mart's agency and its owner answer for its quality; a year is the term.
    quality = editor["Проверка качества витрины устарела"]
    assert quality["overdue"] and quality["due"] == today - timedelta(days=730) + timedelta(days=365)
    assert set(_by_kind(inbox.items_for(ctx, people.mart))) == {"Проверка качества витрины устарела"}
    # Overdue first.
    assert [i["overdue"] for i in inbox.items_for(ctx, people.editor)] == sorted(
        [i["overdue"] for i in inbox.items_for(ctx, people.editor)], reverse=True)
    assert inbox.items_for(ctx, people.reader) == []


def test_a_mart_checked_within_the_term_waits_for_nobody(ctx, seed, people, world, today):
    records.update_record(ctx, "marts", seed.mart.id, {"version": seed.mart.version,
                                                       "quality_checked_on": (today - timedelta(days=30)).isoformat()})
    assert inbox.items_for(ctx, people.mart) == []


def test_an_answered_item_leaves_the_inbox(ctx, people, world):
    projects.answer_application(as_user(ctx, people.office), world["applied"].id, {
        "version": world["applied"].version, "decision": "refused", "refusal_reason": "Нет свободных сотрудников"})
    assert "Заявка на оптимизацию: ответить" not in _by_kind(inbox.items_for(ctx, people.office))


def test_the_api_the_page_and_the_header_count(client, people, world, login, token_for):
    assert client.get("/api/v1/inbox").status_code == 401
    answer = client.get("/api/v1/inbox", headers=token_for(people.editor)).get_json()
    assert answer["count"] == 3 and answer["overdue"] == 2
    assert {i["kind"] for i in answer["items"]} == {"Отклонение КПЭ: объяснить причины",
                                                    "Мероприятие дорожной карты просрочено",
                                                    "Проверка качества витрины устарела"}
    login("editor")
    page = BeautifulSoup(client.get("/inbox").data, "html.parser")
    assert len(page.select("#inbox tbody tr")) == 3 and len(page.select("#inbox tr.overdue")) == 2
    assert "3\xa0задачи" in page.select_one("main").get_text()
    assert page.select_one("header .inbox-count").get_text() == "3"
    login_reader = client.post("/logout")
    assert login_reader.status_code in (302, 303)
    login("reader")
    page = BeautifulSoup(client.get("/inbox").data, "html.parser")
    assert page.select_one("header .inbox-count") is None and "Задач нет" in page.get_text()


def test_the_office_sees_every_agency_and_exports_it(client, seed, people, world, login, token_for):
    assert client.get("/api/v1/inbox/agencies", headers=token_for(people.editor)).status_code == 403
    overview = client.get("/api/v1/inbox/agencies", headers=token_for(people.office)).get_json()
    rows = {i["kind"]: i for i in overview["items"]}
    assert rows["Отклонение КПЭ: объяснить причины"]["waits_for"] == ["Орлова Елена Викторовна"]
    assert rows["Проверка качества витрины устарела"]["waits_for"] == ["Белов Кирилл Николаевич", "Орлова Елена Викторовна"]
    assert all(i["agency"] == seed.agency.name for i in overview["items"])
    login("office")
    page = BeautifulSoup(client.get("/inbox/agencies").data, "html.parser")
    [summary] = page.select("#summary tbody tr")
    cells = [td.get_text(strip=True) for td in summary.select("td")]
    assert cells[0] == seed.agency.name and cells[1] == str(overview["count"]) and cells[2] == str(overview["overdue"])
    exported = client.get("/inbox/agencies.csv")
    table = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["Орган", "Что", "Запись"] and len(table) == overview["count"] + 1
    book = load_workbook(io.BytesIO(client.get("/inbox/agencies.xlsx").data))
    sheet = book.active
    assert sheet["A1"].value == "Орган" and sheet.max_row == overview["count"] + 1
    assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} == set(rows)
    login("editor")
    assert client.get("/inbox/agencies").status_code == 403


def test_the_command_line_shows_an_inbox_and_writes_the_overview(runner, seed, people, world, tmp_path):
    shown = runner.invoke("inbox", "show", "editor").output
    assert "! Мероприятие дорожной карты просрочено" in shown and "Всего: 3\xa0задачи, просрочено: 2." in shown
    summary = runner.invoke("inbox", "agencies").output
    assert f"{seed.agency.name}: задач 6, просрочено 2" in summary
    target = tmp_path / "входящие.xlsx"
    assert runner.invoke("inbox", "agencies", "--agency", seed.agency.code, "-o", str(target)).exit_code == 0
    sheet = load_workbook(target).active
    assert sheet.max_row == 7 and sheet["A2"].value == seed.agency.name
    refused = runner.invoke("inbox", "agencies", "--agency", "НЕТ")
    assert refused.exit_code == 1 and "Орган с кодом «НЕТ» не найден." in refused.output


def test_a_due_date_reads_as_words_on_its_day_and_after_days_off():
    """«срок истёк 01.12.2026», never «(0 рабочих дней назад)», for an item overdue on its due day."""
    from catalog.services.inbox import due_text

    due = date(2026, 12, 1)
    assert due_text({"due": due, "days_left": 0, "overdue": True}) == "срок истёк 01.12.2026"
    assert due_text({"due": due, "days_left": 0, "overdue": False}) == "до 01.12.2026, срок сегодня"
    assert due_text({"due": due, "days_left": -2, "overdue": True}) == "срок истёк 01.12.2026 (2\xa0рабочих дня назад)"
