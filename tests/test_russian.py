"""Russian that reads right (issue 14): numbers with a decimal comma, nouns agreeing with numbers,
dates dd.mm.yyyy, people by name, histories in words, no code or English on the demo's pages, and a
demo whose every approval has someone to give it."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from catalog import formatting, models
from catalog.demo.loader import DEMO_PASSWORD, load_demo
from catalog.services import projects, records
from catalog.services.context import Context
from tests.russian_scan import problems, walk
from tests.test_costs import variants  # noqa: F401  (a fixture: a process with AS-IS and TO-BE passports)

NBSP = "\u00a0"


def text_of(answer) -> str:
    return " ".join(BeautifulSoup(answer.get_data(as_text=True), "html.parser").get_text(" ").split())


def test_counts_money_shares_and_durations_read_as_russian():
    # The issue's own examples: «204 процессов», «1 мероприятий … просрочено», «261 рабочих дней», «2 443 157.12 руб.», «87.1 %».
    assert formatting.counted(204, "процесс") == f"204{NBSP}процесса"
    assert formatting.counted(1, "мероприятие") == f"1{NBSP}мероприятие"
    assert formatting.agree_predicate(1, "просрочено") == "просрочено" and formatting.agree_predicate(3, "просрочено") == "просрочены"
    assert formatting.counted(261, "рабочий день") == f"261{NBSP}рабочий день"
    assert formatting.counted(5, "рабочий день") == f"5{NBSP}рабочих дней"
    assert formatting.counted(2, "штатная единица") == f"2{NBSP}штатные единицы"
    assert formatting.counted(1.5, "штатная единица") == f"1,5{NBSP}штатной единицы"
    assert formatting.counted(3800, "запись") == f"3{NBSP}800{NBSP}записей"
    assert formatting.money(2443157.12) == f"2{NBSP}443{NBSP}157,12{NBSP}руб."
    assert formatting.percent(0.871) == f"87,1{NBSP}%"
    assert formatting.seconds(10) == f"10{NBSP}с" and formatting.hours(3800) == f"3{NBSP}800{NBSP}ч"
    assert formatting.day("2026-01-05") == "05.01.2026"
    assert formatting.moment("2026-01-05T10:00:00", "Europe/Moscow") == "05.01.2026 13:00"
    assert float(formatting.parse_number("97,2")) == 97.2 and float(formatting.parse_number(f"2{NBSP}443{NBSP}157,12")) == 2443157.12


def test_a_quality_figure_typed_with_a_decimal_comma_is_saved(client, ctx, seed, make_user, login):
    make_user("boss", ["admin"])
    login("boss")
    mart = seed.mart
    answer = client.post(f"/marts/{mart.id}/edit", data={
        "version": mart.version, "name": mart.name, "kind": "smev4", "owner_agency_id": seed.agency.id,
        "completeness": "97,2", "accuracy": "99,5"}, follow_redirects=True)
    assert answer.status_code == 200, text_of(answer)
    page = text_of(answer)
    assert "Ожидается число" not in page and "97,2 %" in page
    ctx.session.expire_all()
    saved = records.get_record(ctx, "marts", mart.id)
    assert saved.completeness == 97.2
    # The API reads the same (one place: every Float of every schema).
    patched = client.patch(f"/api/v1/marts/{mart.id}", json={"version": saved.version, "accuracy": "98,25"},
                           headers={"X-CSRFToken": _csrf(client)})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["accuracy"] == 98.25


def _csrf(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return BeautifulSoup(page, "html.parser").find("meta", {"name": "csrf-token"})["content"]


def test_what_if_error_names_the_step_and_field_in_russian(client, seed, variants):  # noqa: F811
    bad = client.post(f"/processes/{seed.process.id}/costs", data={"to_be-steps-1-duration_minutes": "много"})
    page = text_of(bad)
    assert bad.status_code == 422
    assert "TO-BE, шаг 1: длительность, мин: Ожидается число." in page and "to_be.steps" not in page
    # A decimal comma is a number, as typed.
    good = client.post(f"/processes/{seed.process.id}/costs", data={"to_be-steps-1-duration_minutes": "20,5"})
    assert good.status_code == 200 and "Расчёт «что если»" in text_of(good)
    book = client.get(f"/api/v1/processes/{seed.process.id}/costs.xlsx")
    from io import BytesIO

    from openpyxl import load_workbook

    assert "Шаги AS-IS" in load_workbook(BytesIO(book.data)).sheetnames


def test_history_names_the_record_the_person_and_the_fields(client, ctx, seed, make_user, login, runner):
    editor = make_user("orlova", ["agency_editor"], agency_ids=[seed.agency.id])
    editor.full_name = "Орлова Елена Викторовна"
    ctx.session.commit()
    as_editor = Context(session=ctx.session, user=editor, settings=ctx.settings)
    process = records.get_record(ctx, "processes", seed.process.id)
    records.update_record(as_editor, "processes", process.id, {
        "version": process.version, "status": "researching", "channels": ["epgu", "rpgu"], "is_digital": True,
        "status_reason": "Начато исследование"})
    login("orlova")
    for path in (f"/processes/{process.id}", "/"):
        html = client.get(path).get_data(as_text=True)
        history = BeautifulSoup(html, "html.parser").find("table", class_="history")
        shown = " ".join(history.get_text(" ").split())
        assert "Орлова Елена Викторовна" in shown and "orlova" not in shown, path
        assert "статус реинжиниринга" in shown.lower() and "в очереди на исследование → идет исследование" in shown
        assert "ЕПГУ, РПГУ" in shown and f"«{process.name}»" in shown
        assert not problems(str(history)), problems(str(history))
        # dd.mm.yyyy чч:мм in the catalogue's time zone
        assert any(len(cell.get_text(strip=True)) == 16 and cell.get_text(strip=True)[2] == "."
                   for cell in history.find_all("td")), path
    out = runner.invoke("history", "processes", str(process.id)).output
    assert "Орлова Елена Викторовна: изменение — процесс «" in out
    assert "в очереди на исследование → идет исследование" in out and "researching" not in out


def test_login_page_lists_the_demo_logins_only_with_the_demo(client, ctx):
    assert "Демонстрационные учётные записи" not in text_of(client.get("/login"))
    load_demo(ctx)
    page = text_of(client.get("/login"))
    assert "Демонстрационные учётные записи" in page and DEMO_PASSWORD in page
    for login in ("admin", "office", "office-head", "architect", "editor", "head", "zdrav", "zdrav-head", "mart", "reader"):
        assert f" {login} " in f" {page} ", login
    assert "Сидорова Анна Андреевна" in page


def test_demo_pages_show_no_codes_english_or_raw_values(demo_region, client, ctx, login):
    """Every page reachable from the menu and from one record of each kind (two clicks deep), as the admin."""
    assert login("admin", DEMO_PASSWORD).status_code == 302
    first = lambda model: ctx.session.scalar(select(model.id).order_by(model.id).limit(1))  # noqa: E731
    process_with_passport = ctx.session.scalar(select(models.Passport.process_id).order_by(models.Passport.id).limit(1))
    start = ["/", "/login", "/dashboard", "/projects/", "/requests", "/reports/", "/calendar", "/names", "/positions",
             f"/passports/{first(models.Passport)}", f"/processes/{process_with_passport}/costs",
             f"/processes/{process_with_passport}/passports"]
    start += [f"/projects/{p.id}" for p in projects.list_projects(ctx)]
    start += [f"/requests/{r.id}" for r in ctx.session.scalars(select(models.SystemRequest))]
    seen, found = 0, {}
    for path, html in walk(client, start=start, max_pages=300, depth=2):
        seen += 1
        wrong = problems(html)
        if wrong:
            found[path] = wrong[:5]
    assert seen > 50
    assert not found, "\n".join(f"{path}: {wrong}" for path, wrong in found.items())


def test_demo_roadmaps_can_be_agreed_and_approved(demo_region, ctx, client, login):
    """Leningrad 4.3–4.4: the office's head agrees a roadmap the office did not write, the owner's head approves
    it; in the ministry of health (own forces) its editor writes the roadmap and its head approves it."""
    from catalog.demo.projects import ANALYSIS, _kpis

    user = lambda name: ctx.session.scalar(select(models.User).where(models.User.login == name))  # noqa: E731
    as_ = lambda name: Context(session=ctx.session, user=user(name), settings=ctx.settings)  # noqa: E731
    waiting = [p for p in projects.list_projects(ctx) if p.measures and p.approved_on is None]
    assert waiting, "the demo has a roadmap waiting for approval"
    project = waiting[0]
    projects.agree_roadmap(as_("office-head"), project.id, version=project.version)
    projects.approve_roadmap(as_("head"), project.id, version=project.version)
    assert projects.current_stage(project) == "implementation"

    zdrav = next(p for p in projects.list_projects(ctx) if p.process.agency.code == "MINZDRAV")
    projects.save_analysis(as_("zdrav"), zdrav.id, {**ANALYSIS, "version": zdrav.version})
    start = zdrav.start_date
    projects.save_roadmap(as_("zdrav"), zdrav.id, {"version": zdrav.version, "measures": [
        {"name": "Запись к врачу через ЕПГУ", "planned_start": start.isoformat(), "planned_end": zdrav.end_date.isoformat(),
         "result": "Запись без звонка", "responsible": "Лебедева О.М."}], "kpis": _kpis("Срок записи", 3, 1)})
    projects.approve_roadmap(as_("zdrav-head"), zdrav.id, version=zdrav.version)
    assert projects.current_stage(zdrav) == "implementation"


def test_menu_reaches_dashboards_requests_reports_and_my_records(client, seed, make_user, login):
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    top = {a.get_text(strip=True): a["href"] for a in page.select("#main-nav > a")}
    assert {"Показатели", "Заявки", "Отчёты"} <= set(top)  # no longer under «Ещё»
    assert page.select_one("button.nav-toggle")  # the menu folds on a phone
    make_user("orlova", ["agency_editor"], agency_ids=[seed.agency.id])
    login("orlova")
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    mine = page.find("a", string="Мой орган")
    assert mine is not None and f"agency_id={seed.agency.id}" in mine["href"]
    client.post("/logout")
    make_user("owner", ["mart_owner"], mart_ids=[seed.mart.id])
    login("owner")
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert page.find("a", string="Моя витрина")["href"] == f"/marts/{seed.mart.id}"


def test_favicon_is_served_by_the_app(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content_type.startswith("image/svg+xml") and b"<svg" in icon.data
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_dashboard_filter_lists_every_agency_of_its_table(demo_region, ctx, client):
    page = BeautifulSoup(client.get("/dashboard").get_data(as_text=True), "html.parser")
    offered = {o.get_text(strip=True) for o in page.select("select[name=agency] option") if o.get("value")}
    in_table = {a.get_text(strip=True) for a in page.select("table.grid tbody tr td:first-child a")}
    assert in_table and in_table <= offered


def test_a_date_typed_as_dd_mm_yyyy_is_read(ctx, seed):
    from catalog.schemas import MeasurementSchema

    assert MeasurementSchema().load({"measured_on": "05.01.2026", "value": "2,5"}) == {
        "measured_on": formatting.parse_date("2026-01-05"), "value": 2.5}
    from marshmallow import ValidationError

    with pytest.raises(ValidationError, match="ДД.ММ.ГГГГ"):
        MeasurementSchema().load({"measured_on": "31.02.2026", "value": 1})


def test_form_errors_name_rows_and_fields_as_the_form_shows_them():
    from catalog.services.feed import error_title

    # Was «шаг 3.duration_minutes» on the passport form.
    assert error_title("passports", "steps.3.duration_minutes") == "Шаг 4: Длительность, мин"
    assert error_title("passports", "resources.0.unit_cost") == "Ресурс 1: Стоимость единицы, руб."
    assert error_title("passports", "instances_per_year") == "Экземпляров процесса в год"
