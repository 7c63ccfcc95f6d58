"""The mapping step of a register in another layout (issue 15): the dry run says which file column
went to which field and why, the user corrects it (page, ``--mapping`` file, API), the mapping is
saved for the agency's next file with the same header; functions are told from services.

St. Petersburg's register of functions and services is the foreign layout: a cp1251 CSV of 132 columns
where «Идентификатор услуги» is the service's number (not the process identifier, Kemerovo rules 2.1
«а») and «Статус» says «Общая», «Исполняемое» (the state of the record, not the reengineering status
of 2.1 «и»). The file is built here in that shape.
"""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from catalog import models

AGENCY = "Министерство социальной защиты"  # the seed's agency, as the «Исполнительный орган» column names it
LONG = "Осуществление регионального государственного контроля (надзора) " + "в сфере социального обслуживания " * 120

SPB_HEADER = ["№ п/п", "Идентификатор услуги", "Реестровый номер", "Наименование услуги (функции)",
              "Тип услуги (функции)", "Статус", "Исполнительный орган", "Краткое наименование"]
SPB_HEADER += [f"Сведения о предоставлении, раздел {n}" for n in range(len(SPB_HEADER) + 1, 133)]
assert len(SPB_HEADER) == 132


def spb_rows(count: int = 6) -> list[list[str]]:
    """Services and functions alternating, as the register of St. Petersburg lists them."""
    rows = []
    for n in range(1, count + 1):
        function = n % 2 == 0
        name = (LONG if n == 2 else f"Государственная функция по контролю № {n}") if function \
            else f"Предоставление государственной услуги № {n}"
        rows.append([str(n), f"78000000100000{n:05d}", f"{100 + n}", name,
                     "Государственная функция" if function else "Государственная услуга",
                     "Общая" if n % 3 else "Исполняемое", AGENCY, f"Процесс по услуге № {n}"]
                    + [f"значение {n}.{c}" for c in range(9, 133)])
    return rows


def spb_register(path, rows=None):
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(SPB_HEADER)
        writer.writerows(rows if rows is not None else spb_rows())
    return path


MAPPING = {"columns": {"B": None, "C": "registry_id", "F": None, "H": "name"},
           "values": {"status": "в очереди на исследование",
                      "responsible": "Петров Пётр Петрович, начальник отдела"}}


def test_spb_register_recognition_says_which_columns_it_took_and_why(runner, ctx, seed, tmp_path):
    path = spb_register(tmp_path / "реестр-спб.csv")
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--dry-run")
    out = result.output
    assert result.exit_code != 0  # mandatory fields missing: refused whole, nothing written
    assert "D «Наименование услуги (функции)» → Название услуги, функции, сервиса" in out
    assert "E «Тип услуги (функции)» → Вид услуги (услуга, функция, сервис)" in out
    # Not the process identifier, not the reengineering status; each says why.
    assert ("B «Идентификатор услуги» — не прочитан: заголовок содержит «идентификатор», но говорит о другом "
            "(«услуг…»): не принят за поле «Идентификатор процесса»") in out
    assert ("F «Статус» — не прочитан: заголовок «Статус» похож на поле «Статус процесса (статус реинжиниринга)», "
            "но значения («Общая», «Исполняемое») — не статусы реинжиниринга; не загружается") in out
    assert "C «Реестровый номер» → Идентификатор процесса (заголовок — другое название поля «Идентификатор процесса»)" in out
    assert ("нет обязательных столбцов «Название процесса», «Ответственный за процесс», "
            "«Статус процесса (статус реинжиниринга)»") in out
    assert ctx.session.scalar(select(models.Process).where(models.Process.registry_id == "101")) is None


def test_spb_register_loads_with_a_mapping_file_functions_apart_from_services(runner, ctx, seed, tmp_path):
    path = spb_register(tmp_path / "реестр-спб.csv")
    mapping = tmp_path / "сопоставление.yaml"
    mapping.write_text(
        "columns:\n  B: не загружать\n  C: registry_id\n  F: null\n  «Краткое наименование»: name\n"
        "values:\n  status: в очереди на исследование\n  responsible: Петров Пётр Петрович, начальник отдела\n"
        "  is_digital: цифровой\n"
        .replace("«Краткое наименование»", "Краткое наименование"), encoding="utf-8")
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert "создано 6" in result.output
    ctx.session.expire_all()
    processes = {p.registry_id: p for p in ctx.session.scalars(
        select(models.Process).where(models.Process.agency_id == seed.agency.id, models.Process.registry_id != seed.process.registry_id))}
    assert sorted(processes) == ["101", "102", "103", "104", "105", "106"]  # «Реестровый номер», not the service id
    for key, process in processes.items():
        assert process.status == "queued_research"  # the value given for all rows, never «Общая»
        assert process.is_digital is True
        service = ctx.session.get(models.Service, process.service_id)
        assert service.kind == ("function" if int(key) % 2 == 0 else "service")
        assert process.name == f"Процесс по услуге № {int(key) - 100}"
    assert ctx.session.get(models.Service, processes["102"].service_id).name == LONG.strip()  # 4 000+ characters
    assert len(LONG.strip()) > 4000


def test_the_saved_mapping_is_applied_to_the_agencys_next_file_with_the_same_header(runner, ctx, seed, tmp_path):
    mapping = tmp_path / "сопоставление.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    first = runner.invoke("import", "register", str(spb_register(tmp_path / "ноябрь.csv")), "--agency", "MINSOC",
                          "--mapping", str(mapping))
    assert first.exit_code == 0, first.output
    from catalog.formatting import day, to_local

    saved = ctx.session.scalars(select(models.ImportMapping)).one()
    assert saved.agency_id == seed.agency.id and saved.kind == "register"
    # Next month: one more row, no mapping given.
    second = runner.invoke("import", "register", str(spb_register(tmp_path / "декабрь.csv", spb_rows(7))),
                           "--agency", "MINSOC")
    assert second.exit_code == 0, second.output
    assert f"Применено сопоставление столбцов, сохранённое {day(to_local(saved.saved_at))}." in second.output
    assert "создано 1, изменено 0, без изменений 6" in second.output
    assert "C «Реестровый номер» → Идентификатор процесса (сохранённое сопоставление)" not in second.output  # not a dry run
    # Another agency's file with the same header is not read with this agency's mapping.
    other = runner.invoke("import", "register", str(spb_register(tmp_path / "другой.csv")), "--agency",
                          seed.other_agency.code, "--dry-run")
    assert "Применено сопоставление" not in other.output


def test_a_mapping_naming_no_field_is_refused_with_the_fields_listed(runner, ctx, seed, tmp_path):
    mapping = tmp_path / "сопоставление.json"
    mapping.write_text(json.dumps({"columns": {"C": "номер"}}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke("import", "register", str(spb_register(tmp_path / "р.csv")), "--agency", "MINSOC",
                           "--mapping", str(mapping))
    assert result.exit_code != 0
    assert "Сопоставление столбцов: столбец «C»: нет поля «номер»" in result.output
    assert "registry_id («Идентификатор процесса»)" in result.output


def test_the_api_takes_the_mapping_and_reports_each_column(client, ctx, seed, make_user, token_for, tmp_path):
    headers = token_for(make_user("robot", ["agency_editor"], [seed.agency.id]))
    path = spb_register(tmp_path / "реестр-спб.csv")

    def post(**form):
        return client.post("/api/v1/imports/register", headers=headers, content_type="multipart/form-data",
                           data={"agency": "MINSOC", "file": (io.BytesIO(path.read_bytes()), path.name), **form})

    refused = post(dry_run="1")
    assert refused.status_code == 422
    columns = {c["column"]: c for c in refused.get_json()["columns"]}
    assert columns["B"]["field_name"] is None and "говорит о другом" in columns["B"]["reason"]
    assert columns["F"]["field_name"] is None and "не статусы реинжиниринга" in columns["F"]["reason"]
    assert columns["E"]["field_name"] == "service_kind"
    bad = post(dry_run="1", mapping=json.dumps({"columns": {"C": "нет такого"}}, ensure_ascii=False))
    assert bad.status_code == 422 and "нет поля «нет такого»" in bad.get_json()["error"]
    done = post(mapping=json.dumps(MAPPING, ensure_ascii=False))
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["created"] == 6 and body["written"]
    assert {c["column"]: c["field_name"] for c in body["columns"]}["C"] == "registry_id"
    assert body["values"]["status"] == "в очереди на исследование"
    again = post(dry_run="1").get_json()  # the saved mapping, no mapping passed
    assert again["mapping_note"].startswith("Применено сопоставление столбцов, сохранённое ")
    assert again["unchanged"] == 6


def foreign_register(path, rows: int = 3, extra: int = 0):
    """A register in a layout the reader does not know: its own wording for every column."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Перечень"
    sheet.append(["Перечень процессов министерства"])
    sheet.append([])
    sheet.append(["Код", "Наименование услуги", "Что делается", "Кто отвечает", "Стадия", "Примечание"])
    for n in range(1, rows + extra + 1):
        sheet.append([f"П-{n}", "Назначение ежемесячной выплаты на ребёнка", f"Шаг работы № {n}",
                      "Иванова Мария Петровна, начальник отдела", "идёт исследование", "—"])
    book.save(path)
    return path


def test_the_page_shows_a_select_per_column_and_the_corrected_mapping_is_reused(client, ctx, seed, make_user,
                                                                              login, tmp_path):
    from bs4 import BeautifulSoup

    from tests.test_import_page import upload

    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    page = upload(client, foreign_register(tmp_path / "перечень.xlsx"))
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert page.status_code == 422  # mandatory columns not recognised
    form = soup.select_one("form.column-mapping-form")
    selects = {s["name"]: s for s in form.select("select")}
    assert sorted(selects) == ["col-A", "col-B", "col-C", "col-D", "col-E", "col-F"]
    assert selects["col-B"].select_one("option[selected]")["value"] == "service"  # recognised
    assert selects["col-A"].select_one("option[selected]").get_text() == "не загружать"
    assert "Идентификатор процесса" in [o.get_text() for o in selects["col-A"].select("option")]
    token = form["action"].split("/")[2]
    checked = client.post(form["action"], data={"col-A": "registry_id", "col-B": "service", "col-C": "name",
                                                "col-D": "responsible", "col-E": "status", "col-F": ""})
    soup = BeautifulSoup(checked.get_data(as_text=True), "html.parser")
    assert checked.status_code == 200, soup.get_text()[:2000]
    assert "будет создано 3" in soup.get_text()
    lines = [li.get_text() for li in soup.select("ul.column-mapping li")]
    assert "A «Код» → Идентификатор процесса (задано вручную)" in lines
    assert "F «Примечание» — не прочитан: не загружать (задано вручную)" in lines
    done = client.post(soup.select_one("form.apply")["action"])
    assert "Загружен файл «перечень.xlsx»" in done.get_data(as_text=True)
    assert f"/import/{token}/" in soup.select_one("form.apply")["action"]
    ctx.session.expire_all()
    assert ctx.session.scalar(select(models.Process.name).where(models.Process.registry_id == "П-2")) == "Шаг работы № 2"
    # Next month's file, the same header: the saved mapping applies, and the page says so.
    again = upload(client, foreign_register(tmp_path / "перечень-декабрь.xlsx", extra=1))
    soup = BeautifulSoup(again.get_data(as_text=True), "html.parser")
    assert again.status_code == 200
    assert soup.select_one(".mapping-note").get_text().startswith("Применено сопоставление столбцов, сохранённое ")
    assert "будет создано 1, будет изменено 0, без изменений 3" in soup.get_text()
    assert soup.select_one("select[name=col-A] option[selected]")["value"] == "registry_id"


def test_a_mapping_giving_one_field_two_columns_is_refused(runner, ctx, seed, tmp_path):
    mapping = tmp_path / "сопоставление.json"
    mapping.write_text(json.dumps({"columns": {"C": "registry_id", "A": "Идентификатор процесса"}},
                                  ensure_ascii=False), encoding="utf-8")
    result = runner.invoke("import", "register", str(spb_register(tmp_path / "р.csv")), "--agency", "MINSOC",
                           "--mapping", str(mapping))
    assert result.exit_code != 0
    assert "поле «Идентификатор процесса» задано нескольким столбцам" in result.output


from tests.test_import_jobs import editor, queue, send, wait_for  # noqa: E402,F401  (fixtures)


def test_a_background_job_reads_with_the_mapping_and_saves_it(client, ctx, editor, queue, tmp_path):  # noqa: F811
    queue.start(1)
    path = spb_register(tmp_path / "реестр-спб.csv", spb_rows(60))
    response = send(client, editor, path, mapping=json.dumps(MAPPING, ensure_ascii=False))
    assert response.status_code == 202, response.get_json()
    body = wait_for(client, editor, response.headers["Location"])
    assert body["status"] == "done", body
    assert body["report"]["created"] == 60
    ctx.session.rollback()
    saved = ctx.session.scalars(select(models.ImportMapping)).one()
    assert saved.mapping["columns"]["C"] == "registry_id" and saved.agency_id == seed_agency_id(ctx)


def seed_agency_id(ctx) -> int:
    return ctx.session.scalar(select(models.Agency.id).where(models.Agency.code == "MINSOC"))


def test_a_service_the_register_calls_a_function_becomes_one(runner, ctx, seed, tmp_path):
    """An earlier import made every row a service; the register's kind column corrects the agency's own."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Идентификатор процесса", "Название услуги, функции, сервиса", "Вид услуги (функции)",
                  "Название процесса", "Ответственный за процесс", "Статус процесса"])
    sheet.append(["077", seed.service.name, "Государственная функция", "Проверка", seed.person.full_name,
                  "идёт исследование"])
    book.save(tmp_path / "р.xlsx")
    assert seed.service.kind == "service" and seed.service.agency_id == seed.agency.id
    result = runner.invoke("import", "register", str(tmp_path / "р.xlsx"), "--agency", "MINSOC")
    assert result.exit_code == 0, result.output
    ctx.session.expire_all()
    assert ctx.session.get(models.Service, seed.service.id).kind == "function"
    process = ctx.session.scalars(select(models.Process).where(models.Process.registry_id == "077")).one()
    assert process.service_id == seed.service.id  # the same service, not a new one
