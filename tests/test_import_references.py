"""References the agency writes itself (issue 15): acts, life situations and groups its register names
that the catalogue lacks. Kemerovo register rules 2.1 «б», «г», «е»: they are reference lists the
process office keeps, so the office creates them in the same import with one confirmation (with
history); an agency editor is refused and gets the list to send to the office. And the importers of
agencies and acts, through the same import path, each error naming its row and column.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from catalog import models
from tests.test_register_forms import PERSON, SERVICE, acts_register

ACT = "Закон Кемеровской области от 18.11.2004 № 86-ОЗ"


def grouped_register(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Идентификатор процесса*", "Название услуги, функции, сервиса*", "Название процесса*",
                  "Ответственный за процесс*", "Статус процесса (статус реинжиниринга)*", "Группа процессов"])
    sheet.append(["040", SERVICE, "Учёт обращений", PERSON, "идёт исследование", "Работа с обращениями граждан"])
    sheet.append(["041", SERVICE, "Ответ на обращение", PERSON, "идёт исследование", "Работа с обращениями граждан"])
    book.save(path)
    return path


def test_the_office_creates_the_missing_references_in_the_same_import_with_history(runner, ctx, seed, make_user,
                                                                                  tmp_path):
    make_user("office", ["process_office"])
    result = runner.invoke("import", "register", str(acts_register(tmp_path / "акты.xlsx")), "--agency", "MINSOC",
                           "--as", "office", "--create-references")
    assert result.exit_code == 0, result.output
    assert "создано 2" in result.output
    assert f"Регулирующий акт: «{ACT}»" in result.output.split("Созданы в справочниках:")[1]
    ctx.session.expire_all()
    act = ctx.session.scalars(select(models.RegulatoryAct).where(models.RegulatoryAct.name == ACT)).one()
    # The act as its title cites it: a law of the region, its number and date.
    assert (act.kind, act.number, act.adopted_on) == ("regional_law", "86-ОЗ", date(2004, 11, 18))
    situations = ctx.session.scalars(select(models.LifeSituation.name).where(
        models.LifeSituation.name.in_(["Потеря работы", "Рождение ребёнка"]))).all()
    assert sorted(situations) == ["Потеря работы", "Рождение ребёнка"]  # each once, though named in two rows
    event = ctx.session.scalars(select(models.ChangeEvent).where(models.ChangeEvent.record_kind == "acts",
                                                                 models.ChangeEvent.record_id == act.id)).one()
    assert event.actor_name == "office" and event.action == "create"
    process = ctx.session.scalars(select(models.Process).where(models.Process.registry_id == "031")).one()
    linked = ctx.session.scalars(select(models.Link.target_id).where(
        models.Link.source_id == process.id, models.Link.link_type == "IN_SITUATION", models.Link.deleted_at.is_(None))).all()
    assert len(linked) == 2
    # A group is created the same way, once for its two rows.
    grouped = runner.invoke("import", "register", str(grouped_register(tmp_path / "группы.xlsx")), "--agency",
                            "MINSOC", "--as", "office", "--create-references")
    assert grouped.exit_code == 0, grouped.output
    ctx.session.expire_all()
    groups = ctx.session.scalars(select(models.ProcessGroup).where(
        models.ProcessGroup.name == "Работа с обращениями граждан")).all()
    assert len(groups) == 1
    assert ctx.session.scalar(select(models.Process.group_id).where(models.Process.registry_id == "041")) == groups[0].id


def test_an_agency_editor_is_refused_creation_and_gets_the_list(runner, ctx, seed, make_user, tmp_path):
    make_user("editor", ["agency_editor"], [seed.agency.id])
    path = acts_register(tmp_path / "акты.xlsx")
    refused = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--as", "editor",
                            "--create-references")
    assert refused.exit_code != 0
    assert "акты, жизненные ситуации и группы процессов создаёт процессный офис" in refused.output
    checked = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--as", "editor", "--dry-run")
    assert "Нет в каталоге (справочники ведёт процессный офис; отправьте ему этот список" in checked.output
    ctx.session.expire_all()
    assert ctx.session.scalar(select(models.RegulatoryAct).where(models.RegulatoryAct.name == ACT)) is None


def test_the_setting_lets_agency_editors_create_them(runner, ctx, seed, make_user, tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOG_IMPORT_EDITORS_CREATE_REFERENCES", "on")
    make_user("editor", ["agency_editor"], [seed.agency.id])
    result = runner.invoke("import", "register", str(acts_register(tmp_path / "акты.xlsx")), "--agency", "MINSOC",
                           "--as", "editor", "--create-references")
    assert result.exit_code == 0, result.output
    ctx.session.expire_all()
    act = ctx.session.scalars(select(models.RegulatoryAct).where(models.RegulatoryAct.name == ACT)).one()
    assert ctx.session.scalar(select(models.ChangeEvent.actor_name).where(
        models.ChangeEvent.record_kind == "acts", models.ChangeEvent.record_id == act.id)) == "editor"


def test_on_the_page_the_editor_downloads_the_list_and_the_office_confirms_once(client, ctx, seed, make_user, login,
                                                                              tmp_path):
    from bs4 import BeautifulSoup

    from tests.test_import_page import upload

    make_user("editor", ["agency_editor"], [seed.agency.id])
    make_user("office", ["process_office"])
    path = acts_register(tmp_path / "акты.xlsx")
    login("editor")
    soup = BeautifulSoup(upload(client, path).get_data(as_text=True), "html.parser")
    assert soup.select_one("form.create-references") is None  # not the editor's to create
    listed = client.get(soup.select_one("a.references-download")["href"])
    assert listed.status_code == 200
    sheet = load_workbook(io.BytesIO(listed.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert ["Регулирующий акт", ACT, "закон субъекта РФ", "86-ОЗ", "2004-11-18"] in rows
    assert ["Жизненная ситуация", "Рождение ребёнка", None, None, None] in rows
    client.post("/logout")
    login("office")
    soup = BeautifulSoup(upload(client, path).get_data(as_text=True), "html.parser")
    form = soup.select_one("form.create-references")
    assert form.select_one("input[name=create_references]").has_attr("required")  # the one confirmation
    done = client.post(form["action"], data={"create_references": "1"})
    text = BeautifulSoup(done.get_data(as_text=True), "html.parser").get_text()
    assert "Загружен файл «акты.xlsx»" in text and "создано 2" in text
    assert "Созданы в справочниках" in text
    ctx.session.expire_all()
    assert ctx.session.scalar(select(models.RegulatoryAct.id).where(models.RegulatoryAct.name == ACT)) is not None


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    return path


def test_agencies_load_with_parent_kind_short_name_and_head(runner, ctx, seed, tmp_path):
    path = write_csv(tmp_path / "органы.csv", [
        ["Код органа", "Наименование органа", "Краткое наименование", "Вид органа", "Вышестоящий орган", "Руководитель"],
        ["KUZSOC", "Министерство социальной защиты населения Кузбасса", "Минсоцзащиты Кузбасса", "ОИВ", "", "Сидоров Иван Петрович, министр"],
        ["KUZSOC-CSO", "Центр социального обслуживания", "ЦСО", "подведомственное учреждение", "KUZSOC", "Орлова Анна Сергеевна"],
    ])
    result = runner.invoke("import", "agencies", str(path))
    assert result.exit_code == 0, result.output
    assert "создано 2" in result.output
    ctx.session.expire_all()
    parent = ctx.session.scalars(select(models.Agency).where(models.Agency.code == "KUZSOC")).one()
    child = ctx.session.scalars(select(models.Agency).where(models.Agency.code == "KUZSOC-CSO")).one()
    assert (parent.kind, parent.short_name) == ("executive", "Минсоцзащиты Кузбасса")
    assert (child.kind, child.parent_id, child.short_name) == ("subordinate", parent.id, "ЦСО")
    heads = {(p.agency_id, p.full_name, p.position) for p in ctx.session.scalars(
        select(models.Person).where(models.Person.agency_id.in_([parent.id, child.id])))}
    assert heads == {(parent.id, "Сидоров Иван Петрович", "министр"), (child.id, "Орлова Анна Сергеевна", "руководитель")}
    again = runner.invoke("import", "agencies", str(path))
    assert "создано 0, изменено 0, без изменений 2" in again.output  # a re-import changes nothing


def test_agency_errors_name_their_row_and_column(runner, ctx, seed, tmp_path):
    path = write_csv(tmp_path / "органы.csv", [
        ["Код органа", "Наименование органа", "Вид органа", "Вышестоящий орган"],
        ["A1", "Первый орган", "министерство", ""],
        ["A2", "Второй орган", "ОИВ", "Нет такого органа"],
        ["", "Третий орган", "ОИВ", ""],
    ])
    result = runner.invoke("import", "agencies", str(path))
    assert result.exit_code != 0
    out = result.output
    assert "строка 2, столбец C «Вид органа»: неизвестное значение «министерство»" in out
    assert "строка 3, столбец D «Вышестоящий орган»: нет записи «Нет такого органа» в каталоге" in out
    assert "строка 4, столбец A «Код органа»: обязательное поле не заполнено" in out
    ctx.session.expire_all()
    assert ctx.session.scalar(select(models.Agency).where(models.Agency.code == "A1")) is None  # refused whole


def test_acts_load_with_kind_number_and_date_and_errors_name_row_and_column(runner, ctx, seed, tmp_path):
    path = write_csv(tmp_path / "акты.csv", [
        ["Наименование акта", "Вид акта", "Номер", "Дата принятия"],
        [ACT, "", "", ""],
        ["Об утверждении административного регламента", "приказ", "15", "01.02.2024"],
    ])
    result = runner.invoke("import", "acts", str(path))
    assert result.exit_code == 0, result.output
    ctx.session.expire_all()
    act = ctx.session.scalars(select(models.RegulatoryAct).where(models.RegulatoryAct.name == ACT)).one()
    assert (act.kind, act.number, act.adopted_on) == ("regional_law", "86-ОЗ", date(2004, 11, 18))
    order = ctx.session.scalars(select(models.RegulatoryAct).where(models.RegulatoryAct.number == "15")).one()
    assert (order.kind, order.adopted_on) == ("order", date(2024, 2, 1))
    bad = write_csv(tmp_path / "плохие.csv", [
        ["Наименование акта", "Вид акта", "Номер", "Дата принятия"],
        ["Постановление о порядке", "указ", "7", "31.02.2024"],
    ])
    refused = runner.invoke("import", "acts", str(bad))
    assert refused.exit_code != 0
    assert "строка 2, столбец B «Вид акта»: неизвестное значение «указ»" in refused.output
    assert "строка 2, столбец D «Дата принятия»: ожидается дата ДД.ММ.ГГГГ, а не «31.02.2024»" in refused.output


def test_agency_and_act_kinds_are_on_the_upload_page_and_the_api(client, ctx, seed, make_user, login, token_for,
                                                                  tmp_path):
    from bs4 import BeautifulSoup

    make_user("office", ["process_office"])
    login("office")
    soup = BeautifulSoup(client.get("/import/").get_data(as_text=True), "html.parser")
    kinds = [o["value"] for o in soup.select("select[name=kind] option")]
    assert "agencies" in kinds and "acts" in kinds
    path = write_csv(tmp_path / "акты.csv", [["Наименование акта", "Номер"], [ACT, "86-ОЗ"]])
    headers = token_for(make_user("robot", ["process_office"]))
    answer = client.post("/api/v1/imports/acts", headers=headers, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(path.read_bytes()), path.name)})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["created"] == 1


def test_the_api_creates_references_on_the_flag_for_the_office_and_refuses_an_editor(client, ctx, seed, make_user,
                                                                                     token_for, tmp_path):
    path = acts_register(tmp_path / "акты.xlsx")

    def post(headers, **form):
        return client.post("/api/v1/imports/register", headers=headers, content_type="multipart/form-data",
                           data={"agency": "MINSOC", "file": (io.BytesIO(path.read_bytes()), path.name), **form})

    editor = token_for(make_user("robot", ["agency_editor"], [seed.agency.id]))
    refused = post(editor, create_references="1")
    assert refused.status_code == 403
    assert "создаёт процессный офис" in refused.get_json()["error"]
    office = token_for(make_user("office-robot", ["process_office"]))
    preview = post(office, create_references="1", dry_run="1").get_json()
    assert preview["created"] == 2 and not preview["written"]
    assert preview["created_references"]["Регулирующий акт"] == [ACT]
    assert "Будут созданы в справочниках" not in preview["summary"]
    done = post(office, create_references="1").get_json()
    assert done["written"] and done["created_references"]["Жизненная ситуация"] == ["Потеря работы", "Рождение ребёнка"]
    ctx.session.expire_all()
    assert ctx.session.scalar(select(models.RegulatoryAct.kind).where(models.RegulatoryAct.name == ACT)) == "regional_law"
