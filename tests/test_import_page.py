"""The upload page «Загрузка»: the same preview and report as the command line, the error copy, the size limit."""
from __future__ import annotations

import io
from datetime import timedelta

from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import select

from catalog import models
from tests.test_import_register import BAD_ROWS, PERSON, make_register


def upload(client, path, **form):
    data = {"kind": "register", "agency": "MINSOC", "action": "check", **form,
            "file": (io.BytesIO(path.read_bytes()), path.name)}
    return client.post("/import/", data=data, content_type="multipart/form-data")


def test_the_page_is_in_the_menu_and_needs_a_login(client, seed, make_user, login):
    assert client.get("/import/").status_code == 302
    make_user("office", ["process_office"])
    login("office")
    page = client.get("/import/")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.find("a", string="Загрузка")["href"] == "/import/"
    assert "Загрузить верные строки" in soup.get_text()


def test_preview_then_import_from_the_page(client, ctx, seed, make_user, login, tmp_path):
    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    rows = [["010", "Новый процесс", "Назначение ежемесячной выплаты на ребёнка", "", PERSON, "идёт исследование",
             "", "", "цифровой", "ЕПГУ"]]
    path = make_register(tmp_path / "реестр.xlsx", rows)
    preview = upload(client, path)
    assert preview.status_code == 200
    soup = BeautifulSoup(preview.get_data(as_text=True), "html.parser")
    assert "будет создано 1" in soup.get_text()
    changes = soup.find("table", class_="changes").get_text()
    assert "Новый процесс" in changes and "ЕПГУ" in changes
    assert ctx.session.scalar(select(models.Process).where(models.Process.registry_id == "010")) is None
    action = soup.find("form", action=lambda a: a and a.endswith("/apply"))["action"]
    done = client.post(action)
    assert "Загружен файл «реестр.xlsx»" in done.get_data(as_text=True)
    ctx.session.rollback()
    process = ctx.session.scalar(select(models.Process).where(models.Process.registry_id == "010"))
    assert process.channels == ["epgu"]
    assert ctx.session.scalar(select(models.ChangeEvent.actor_name).where(
        models.ChangeEvent.record_kind == "processes", models.ChangeEvent.record_id == process.id)) == "editor"


def test_a_refused_file_shows_errors_and_gives_a_copy_with_an_error_column(client, ctx, seed, make_user, login,
                                                                           tmp_path):
    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    path = make_register(tmp_path / "реестр.xlsx", BAD_ROWS)
    response = upload(client, path, action="import")
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "отклонён целиком" in soup.get_text()
    cells = [[td.get_text() for td in tr.find_all("td")] for tr in soup.find("table", class_="errors").find_all("tr")[1:]]
    assert ["Реестр", "7", "G", "Статус процесса (статус реинжиниринга)*",
            "неизвестный статус «завершён»; допустимы: «в очереди на исследование»; «идет исследование»; "
            "«в очереди на реинжиниринг»; «проходит реинжиниринг»; «прошел реинжиниринг»; "
            "«отправлен на сертификацию»; «сертифицирован»"] in cells
    link = soup.find("a", string="Скачать копию файла со столбцом ошибок")["href"]
    copy = client.get(link)
    assert copy.status_code == 200
    sheet = load_workbook(io.BytesIO(copy.data)).active
    assert sheet.cell(4, sheet.max_column).value == "Ошибки загрузки"
    # Only the good rows, on request (the checkbox of the page).
    partial = client.post(soup.find("form", action=lambda a: a and a.endswith("/apply"))["action"],
                          data={"partial": "1"})
    assert "отклонено 4" in partial.get_data(as_text=True)
    # Someone else cannot fetch the copy.
    client.post("/logout")
    make_user("other", ["process_office"])
    login("other")
    assert client.get(link).status_code == 404


def test_files_over_the_limit_are_refused(app, client, seed, make_user, login, tmp_path):
    app.config["CATALOG"].import_max_bytes = 1000
    make_user("office", ["process_office"])
    login("office")
    path = make_register(tmp_path / "реестр.xlsx", [])
    response = upload(client, path)
    assert response.status_code == 413
    assert "Файл больше допустимого" in response.get_data(as_text=True)


def test_the_same_import_through_the_api_answers_the_report_as_json(client, ctx, seed, make_user, token_for,
                                                                    tmp_path):
    headers = token_for(make_user("robot", ["agency_editor"], [seed.agency.id]))
    path = make_register(tmp_path / "реестр.xlsx", BAD_ROWS)

    def send(**params):
        return client.post("/api/v1/imports/register", headers=headers, content_type="multipart/form-data",
                           data={"agency": "MINSOC", **params, "file": (io.BytesIO(path.read_bytes()), path.name)})

    refused = send()
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["refused_whole"] and body["refused"] == 4
    assert {"sheet": "Реестр", "row": 6, "column": "B", "header": "а) Идентификатор процесса *",
            "reason": "обязательное поле (отмечено * в правилах ведения реестра) не заполнено"} in body["errors"]
    preview = send(partial="1", dry_run="1").get_json()
    assert preview["dry_run"] and preview["updated"] == 1 and not preview["written"]
    assert send(partial="1").get_json()["written"]
    assert client.post("/api/v1/imports/register", data={}).status_code == 401


def test_the_upload_says_when_the_register_changes_arose_and_a_late_one_is_flagged(client, ctx, seed, make_user, login,
                                                                                     tmp_path):
    """Kemerovo register rules 3.3: changes reach the register within 10 working days of arising; the
    uploader gives the day they arose («Когда возникли изменения»), the server the day they were entered."""
    from catalog.services import calendar, duties, history

    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    assert "Когда возникли изменения" in client.get("/import/").get_data(as_text=True)
    rows = [["011", "Поздний процесс", "Назначение ежемесячной выплаты на ребёнка", "", PERSON, "идёт исследование",
             "", "", "цифровой", "ЕПГУ"]]
    path = make_register(tmp_path / "реестр.xlsx", rows)
    # A day after today is refused before the file is kept, naming the field.
    tomorrow = history.local_today(ctx) + timedelta(days=1)
    refused = upload(client, path, action="import", arose_on=tomorrow.strftime("%d.%m.%Y"))
    assert refused.status_code == 422 and "позже, чем его вносят" in refused.get_data(as_text=True)
    arose = calendar.add_working_days(ctx, history.local_today(ctx), -15)
    done = upload(client, path, action="import", arose_on=arose.strftime("%d.%m.%Y"))
    assert "Загружен файл «реестр.xlsx»" in done.get_data(as_text=True)
    ctx.session.rollback()
    late = [t for t in duties.late_changes(ctx, [seed.agency.id]) if t.event.record_kind == "processes"]
    assert [t.arose_on for t in late] == [arose] and late[0].late
    page = client.get(f"/agencies/{seed.agency.id}/duties").get_data(as_text=True)
    assert "Поздний процесс" in page.split("позже 10 рабочих дней")[1].split("Уведомления о корректировке")[0]
