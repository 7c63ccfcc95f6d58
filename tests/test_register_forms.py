"""Registers as offices fill them: forms, not tables (issue 15). Each test builds its register here
with openpyxl, in one layout, and checks the result record by record.

The columns are those of the register rules, section 2.1 (а–с; starred ones mandatory); the rules
say what a register holds, not how the form is drawn, so every drawing below must read the same.
"""
from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from sqlalchemy import select

from catalog import models

PERSON = "Иванова Мария Петровна, начальник отдела"
SERVICE = "Назначение ежемесячной выплаты на ребёнка"


def form_register(path, rows, *, notes_sheet=True, hidden_status=True, numbering=True, footer=True):
    """A register drawn as a form: a notes sheet first; a title; a two-row header with group cells
    merged across and single columns merged down over both rows; a row of column numbers; one service
    cell merged down over its three processes; a blank separator; a total line and a signature."""
    book = Workbook()
    if notes_sheet:
        notes = book.active
        notes.title = "Пояснения"
        notes["A1"] = "Порядок заполнения реестра"
        notes["A2"] = "Идентификатор процесса — номер процесса в реестре органа."
        notes["A3"] = "Статус процесса — по правилам ведения реестра, раздел 2.1."
        sheet = book.create_sheet("Реестр")
    else:
        sheet = book.active
        sheet.title = "Реестр"
    sheet["A1"] = "РЕЕСТР ПРОЦЕССОВ Министерства социальной защиты"
    sheet.merge_cells("A1:H1")
    # Row 3-4: the header.
    sheet["A3"] = "Идентификатор процесса*"
    sheet.merge_cells("A3:A4")
    sheet["B3"] = "Сведения об услуге"
    sheet.merge_cells("B3:C3")
    sheet["B4"] = "Название услуги, функции, сервиса*"
    sheet["C4"] = "Жизненная ситуация"
    sheet["D3"] = "Сведения о процессе"
    sheet.merge_cells("D3:E3")
    sheet["D4"] = "Название процесса*"
    sheet["E4"] = "Ответственный за процесс\n(ФИО, должность)*"
    sheet["F3"] = "Статус процесса (статус реинжиниринга)*"
    sheet.merge_cells("F3:F4")
    sheet["G3"] = "Статус"  # an old column of another form, hidden: «Общая», «Исполняемое»
    sheet.merge_cells("G3:G4")
    sheet["H3"] = "Клиент"
    sheet.merge_cells("H3:H4")
    if hidden_status:
        sheet.column_dimensions["G"].hidden = True
    number = 5
    if numbering:
        for column in range(1, 9):
            sheet.cell(5, column, column)
        number = 6
    first = number
    for row in rows:
        if row is None:  # a blank separator
            number += 1
            continue
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(number, column, value)
        number += 1
    # One service over the first three processes: merged down, the value in the top cell only.
    sheet.merge_cells(start_row=first, start_column=2, end_row=first + 2, end_column=2)
    if footer:
        number += 1
        sheet.cell(number, 1, f"Итого процессов: {sum(1 for r in rows if r)}")
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=5)
        sheet.cell(number + 1, 1, "Всего")
        sheet.cell(number + 3, 1, "Ответственный за ведение реестра ____________ (подпись)")
        sheet.cell(number + 3, 5, "Иванова М. П.")
    book.save(path)
    return path


def form_rows():
    return [
        ["002", SERVICE, "", "Приём заявления", PERSON, "идёт исследование", "Общая", "Граждане"],
        ["003", None, "", "Проверка сведений", PERSON, "в очереди на исследование", "Исполняемое", ""],
        ["004", None, "", "Решение о назначении", PERSON, "сертифицирован", "Общая", ""],
        None,
        ["005", "Выдача справки о составе семьи", "", "Выдача справки", PERSON, "идёт исследование", "", ""],
    ]


def processes_of(ctx, agency_id):
    ctx.session.expire_all()
    return {p.registry_id: p for p in ctx.session.scalars(
        select(models.Process).where(models.Process.agency_id == agency_id))}


def test_a_register_drawn_as_a_form_loads_every_process_and_nothing_else(runner, ctx, seed, tmp_path):
    path = form_register(tmp_path / "реестр-форма.xlsx", form_rows())
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 0, result.output
    # Four processes: no row of column numbers, no total line, no «Всего», no signature among them.
    assert "создано 4, изменено 0, без изменений 0, отклонено 0" in result.output
    assert "строка 5: строка с номерами столбцов пропущена" in result.output
    assert "«Итого процессов: 4» — конец таблицы" in result.output
    found = processes_of(ctx, seed.agency.id)
    assert set(found) == {"001", "002", "003", "004", "005"}  # 001 is the seed's own
    # The service merged down over three rows applies to each of them.
    for key, name, status in (("002", "Приём заявления", "researching"), ("003", "Проверка сведений", "queued_research"),
                              ("004", "Решение о назначении", "certified")):
        assert found[key].name == name and found[key].status == status
        assert found[key].service_id == seed.service.id
        assert found[key].responsible.full_name == "Иванова Мария Петровна"
    assert found["002"].client == "Граждане" and found["003"].client is None
    assert found["005"].service.name == "Выдача справки о составе семьи"
    assert found["005"].service.agency_id == seed.agency.id
    # The hidden «Статус» («Общая», «Исполняемое») is not the reengineering status, and the report says so.
    assert "скрытые столбцы не прочитаны" in result.output and "G «Статус»" in result.output


def test_a_form_without_its_numbering_row_or_footer_reads_the_same(runner, ctx, seed, tmp_path):
    path = form_register(tmp_path / "реестр.xlsx", form_rows(), notes_sheet=False, numbering=False, footer=False,
                         hidden_status=False)
    # Visible now, the second «Статус» column is still not taken: the first column of a field wins.
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "будет создано 4" in result.output and "отклонено 0" in result.output


def test_errors_in_a_form_name_the_lower_header_row_and_the_right_cells(runner, ctx, seed, tmp_path):
    rows = form_rows()
    rows[1][5] = "завершён"  # row 7
    path = form_register(tmp_path / "реестр.xlsx", rows)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 1
    assert "строк с ошибками — 1" in result.output
    assert ("лист «Реестр», строка 7, столбец F «Статус процесса (статус реинжиниринга)*»: "
            "неизвестный статус «завершён»") in result.output
    assert "обязательное поле" not in result.output  # the merged service reached rows 7 and 8


def test_a_header_without_mandatory_columns_is_refused_without_a_false_count(runner, ctx, seed, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Реестр"
    sheet.append(["Идентификатор процесса", "Название процесса", "Клиент"])
    sheet.append(["010", "Приём заявления", "Граждане"])
    book.save(tmp_path / "без-столбцов.xlsx")
    result = runner.invoke("import", "register", str(tmp_path / "без-столбцов.xlsx"), "--agency", "MINSOC")
    assert result.exit_code == 1
    assert "строк с ошибками — 0" not in result.output
    assert ("в строке заголовков (лист «Реестр», строка 1) нет обязательных столбцов "
            "«Название услуги, функции, сервиса», «Ответственный за процесс», "
            "«Статус процесса (статус реинжиниринга)»") in result.output
    assert "Ничего не записано" in result.output


def plain_register(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "Реестр"
    sheet.append(["Идентификатор процесса*", "Название услуги, функции, сервиса*", "Название процесса*",
                  "Ответственный за процесс*", "Статус процесса (статус реинжиниринга)*", "Связь с другими процессами"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_identifiers_are_compared_as_numbers_and_kept_as_first_written(runner, ctx, seed, tmp_path):
    # 2.1 «а»: the identifier names the process in the agency's register; «1» is the seed's «001».
    path = plain_register(tmp_path / "реестр.xlsx", [
        ["1", SERVICE, "Приём заявления (новая редакция)", PERSON, "идёт исследование", ""],
        ["07", SERVICE, "Проверка сведений", PERSON, "идёт исследование", "001"],
    ])
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 0, result.output
    assert "создано 1, изменено 1" in result.output
    found = processes_of(ctx, seed.agency.id)
    assert set(found) == {"001", "07"}  # not a second process «1»; «07» kept as written
    assert found["001"].name == "Приём заявления (новая редакция)"
    links = {(l.source_id, l.target_id) for l in ctx.session.scalars(
        select(models.Link).where(models.Link.link_type == "LINKED_TO"))}
    assert links == {(found["07"].id, found["001"].id)}
    # «7» next month is the same «07», and «004» / «4» in one file are one identifier given twice.
    plain_register(path, [["7", SERVICE, "Проверка сведений", PERSON, "идёт исследование", "1"],
                          ["004", SERVICE, "Решение", PERSON, "идёт исследование", ""],
                          ["4", SERVICE, "Решение", PERSON, "идёт исследование", ""]])
    again = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert again.exit_code == 1
    assert "строка 4, столбец A «Идентификатор процесса*»: идентификатор «4» повторяется: он уже есть в строке 3" \
        in again.output
    assert "строка 2" not in again.output  # «7» = «07», linked to «1» = «001»: nothing wrong


@pytest.mark.parametrize("partial", [(), ("--partial",)])
def test_a_person_given_once_with_a_position_is_the_same_person_without_it(runner, ctx, seed, tmp_path, partial):
    # 2.1 «ж»: «ФИО, должность». The position given in one row is enough for every row of that person.
    path = plain_register(tmp_path / "реестр.xlsx", [
        ["010", SERVICE, "Приём заявления", "Сидоров Иван Ильич", "идёт исследование", "011"],
        ["011", SERVICE, "Проверка сведений", "Сидоров Иван Ильич, главный специалист", "идёт исследование", ""],
        ["012", SERVICE, "Решение", "Сидоров Иван Ильич", "идёт исследование", ""],
    ])
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", *partial)
    assert result.exit_code == 0, result.output
    assert "создано 3, изменено 0, без изменений 0, отклонено 0" in result.output
    found = processes_of(ctx, seed.agency.id)
    people = {found[k].responsible_id for k in ("010", "011", "012")}
    assert len(people) == 1
    person = ctx.session.get(models.Person, people.pop())
    assert (person.full_name, person.position, person.agency_id) == ("Сидоров Иван Ильич", "главный специалист",
                                                                     seed.agency.id)
    link = ctx.session.scalars(select(models.Link).where(models.Link.link_type == "LINKED_TO")).one()
    assert (link.source_id, link.target_id) == (found["010"].id, found["011"].id)


def test_a_person_never_given_a_position_is_still_refused_by_name(runner, ctx, seed, tmp_path):
    path = plain_register(tmp_path / "реестр.xlsx", [
        ["010", SERVICE, "Приём заявления", "Сидоров Иван Ильич", "идёт исследование", ""]])
    for partial in ((), ("--partial",)):
        result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", *partial)
        assert ("строка 2, столбец D «Ответственный за процесс*»: ответственного «Сидоров Иван Ильич» нет среди "
                "лиц органа") in result.output


def test_the_error_copy_is_the_users_file_with_one_error_column_after_the_table(runner, ctx, seed, tmp_path):
    rows = form_rows()
    rows[1][5] = "завершён"  # row 7
    path = form_register(tmp_path / "реестр.xlsx", rows)
    book = load_workbook(path)
    book["Реестр"]["D6"].comment = Comment("Уточнить формулировку", "Иванова М. П.")
    book["Реестр"]["J6"] = "замечание сбоку"  # something of the user's right of the table
    book.save(path)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 1
    copy = load_workbook(tmp_path / "реестр-ошибки.xlsx")
    assert copy.sheetnames == ["Пояснения", "Реестр"]  # the notes sheet is kept
    assert copy["Пояснения"]["A2"].value == "Идентификатор процесса — номер процесса в реестре органа."
    sheet = copy["Реестр"]
    # The table ends at H, J holds the user's remark: the errors go to I, under the two-row header.
    assert sheet["I3"].value == "Ошибки загрузки" and "I3:I4" in {str(m) for m in sheet.merged_cells.ranges}
    assert sheet["I7"].value == ("F «Статус процесса (статус реинжиниринга)*»: неизвестный статус «завершён»; "
                                 "допустимы: " + sheet["I7"].value.split("допустимы: ")[1])
    assert all(sheet.cell(n, 9).value is None for n in (5, 6, 8, 9, 10))
    assert sheet["J6"].value == "замечание сбоку"
    # Every merge, hidden column and comment of the user's file stays.
    merges = {str(m) for m in sheet.merged_cells.ranges}
    assert {"A1:H1", "A3:A4", "B3:C3", "D3:E3", "F3:F4", "G3:G4", "H3:H4", "B6:B8"} <= merges
    assert sheet.column_dimensions["G"].hidden
    assert sheet["D6"].comment.text == "Уточнить формулировку"
    assert sheet["B6"].value == SERVICE and sheet["A5"].value == 1  # values as the user wrote them
    # Fixed in the copy, the same file loads: the error column is not read as data.
    sheet["F7"] = "идёт исследование"
    copy.save(tmp_path / "исправленный.xlsx")
    again = runner.invoke("import", "register", str(tmp_path / "исправленный.xlsx"), "--agency", "MINSOC")
    assert again.exit_code == 0, again.output
    assert "создано 4" in again.output


def test_names_as_long_as_real_registers_write_them_and_each_error_in_its_own_column(runner, ctx, seed, tmp_path):
    long_service = "Предоставление " + "сведений о мерах социальной поддержки; " * 105  # about 4,100 characters
    long_process = "Рассмотрение " + "заявления и документов заявителя, " * 120
    assert len(long_service) > 4000 and len(long_process) > 4000
    path = plain_register(tmp_path / "реестр.xlsx", [
        ["020", long_service, long_process, PERSON, "идёт исследование", ""]])
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 0, result.output
    process = processes_of(ctx, seed.agency.id)["020"]
    assert process.name == long_process.strip() and process.service.name == long_service.strip()
    # Past the limit, the service's name is refused in the service's column, not the process name's.
    too_long = "Услуга " + "х" * 8000
    plain_register(path, [["021", too_long, "Приём заявления", PERSON, "идёт исследование", ""]])
    refused = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert refused.exit_code == 1
    assert "строка 2, столбец B «Название услуги, функции, сервиса*»: Не длиннее 8000 символов." in refused.output
    assert "столбец C" not in refused.output
    plain_register(path, [["022", SERVICE, too_long, PERSON, "идёт исследование", ""]])
    refused = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert "строка 2, столбец C «Название процесса*»: Не длиннее 8000 символов." in refused.output
    assert "столбец B" not in refused.output


def acts_register(path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Реестр"
    sheet.append(["Идентификатор процесса*", "Название услуги, функции, сервиса*", "Название процесса*",
                  "Ответственный за процесс*", "Статус процесса (статус реинжиниринга)*", "Регулирующий акт",
                  "Жизненная ситуация", "Отметка о согласовании"])
    sheet.append(["030", SERVICE, "Приём заявления", PERSON, "идёт исследование",
                  "Закон Кемеровской области от 18.11.2004 № 86-ОЗ", "Потеря работы", "согласовано"])
    sheet.append(["031", SERVICE, "Проверка сведений", PERSON, "идёт исследование",
                  "Закон Кемеровской области от 18.11.2004 № 86-ОЗ", "Потеря работы; Рождение ребёнка", ""])
    book.save(path)
    return path


def test_the_dry_run_names_each_columns_field_and_the_references_the_catalogue_lacks(runner, ctx, seed, tmp_path):
    path = form_register(tmp_path / "реестр.xlsx", form_rows())
    preview = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--dry-run")
    assert preview.exit_code == 0, preview.output
    out = preview.output
    assert "Столбцы файла:" in out
    assert "A «Идентификатор процесса*» → Идентификатор процесса" in out
    assert "B «Название услуги, функции, сервиса*» → Название услуги, функции, сервиса" in out
    assert "G «Статус» — не прочитан: это поле уже дал столбец левее (скрытый столбец)" in out
    assert "Нет столбцов: «Орган (код)», «Регулирующий акт»" in out
    # An agency's own acts and life situations of the federal list: listed once each, for the process office.
    acts = acts_register(tmp_path / "акты.xlsx")
    refused = runner.invoke("import", "register", str(acts), "--agency", "MINSOC", "--dry-run")
    assert refused.exit_code == 1
    assert "H «Отметка о согласовании» — не прочитан: такого поля нет" in refused.output
    listed = refused.output.split("Нет в каталоге")[1]
    assert "Регулирующий акт: «Закон Кемеровской области от 18.11.2004 № 86-ОЗ»\n" in listed
    assert "Жизненная ситуация: «Потеря работы»; «Рождение ребёнка»\n" in listed


def test_the_api_report_carries_the_mapping_and_the_unknown_references(client, ctx, seed, make_user, token_for,
                                                                      tmp_path):
    import io

    headers = token_for(make_user("robot", ["agency_editor"], [seed.agency.id]))
    path = acts_register(tmp_path / "акты.xlsx")
    body = client.post("/api/v1/imports/register", headers=headers, content_type="multipart/form-data",
                       data={"agency": "MINSOC", "dry_run": "1",
                             "file": (io.BytesIO(path.read_bytes()), path.name)}).get_json()
    columns = {c["column"]: c for c in body["columns"]}
    assert columns["F"] | {"reason": ""} == {"column": "F", "header": "Регулирующий акт", "field": "Регулирующий акт",
                                             "field_name": "acts", "hidden": False, "twin": False, "reason": ""}
    assert columns["F"]["reason"] == "заголовок совпадает с «Регулирующий акт»"
    assert columns["H"] == {"column": "H", "header": "Отметка о согласовании", "field": None, "field_name": None,
                            "hidden": False, "twin": False, "reason": ""}
    assert body["unknown_references"] == {
        "Регулирующий акт": ["Закон Кемеровской области от 18.11.2004 № 86-ОЗ"],
        "Жизненная ситуация": ["Потеря работы", "Рождение ребёнка"]}
    assert "Орган (код)" in body["missing_fields"]


def test_the_upload_page_shows_the_mapping_and_the_list_for_the_process_office(client, seed, make_user, login,
                                                                               tmp_path):
    from bs4 import BeautifulSoup

    from tests.test_import_page import upload

    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    page = upload(client, acts_register(tmp_path / "акты.xlsx"))
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    mapping = [li.get_text() for li in soup.select("ul.column-mapping li")]
    assert "F «Регулирующий акт» → Регулирующий акт (заголовок совпадает с «Регулирующий акт»)" in mapping
    assert "H «Отметка о согласовании» — не прочитан: такого поля нет" in mapping
    assert soup.select_one("select[name=col-F] option[selected]")["value"] == "acts"
    assert soup.select_one("select[name=col-H] option[selected]").get_text() == "не загружать"
    assert [li.get_text() for li in soup.select("ul.unknown-references li")] == [
        "Регулирующий акт: «Закон Кемеровской области от 18.11.2004 № 86-ОЗ»",
        "Жизненная ситуация: «Потеря работы»; «Рождение ребёнка»"]


def test_a_file_without_a_header_names_the_columns_expected_even_where_none_is_mandatory(runner, ctx, seed,
                                                                                         tmp_path):
    book = Workbook()
    book.active.append(["что-то", "совсем", "другое"])
    book.save(tmp_path / "перечень.xlsx")
    result = runner.invoke("import", "typical", str(tmp_path / "перечень.xlsx"))
    assert result.exit_code != 0
    assert "Ожидаются столбцы: ." not in result.output
    assert "Ожидаются столбцы: «" in result.output


def test_a_form_splitting_the_responsible_into_name_and_position_columns(runner, ctx, seed, tmp_path):
    # 2.1 «ж» is «ФИО, должность»; a form may draw it as a group over two columns.
    book = Workbook()
    sheet = book.active
    sheet.title = "Реестр"
    for ref, text in (("A1", "Идентификатор процесса*"), ("B1", "Название услуги, функции, сервиса*"),
                      ("C1", "Название процесса*"), ("D1", "Ответственный за процесс*"), ("D2", "ФИО"),
                      ("E2", "Должность"), ("F1", "Статус процесса (статус реинжиниринга)*")):
        sheet[ref] = text
    for merge in ("A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2"):
        sheet.merge_cells(merge)
    sheet.append(["040", SERVICE, "Приём заявления", "Орлова Анна Сергеевна", "ведущий специалист", "идёт исследование"])
    sheet.append(["041", SERVICE, "Проверка сведений", "Иванова Мария Петровна", "", "идёт исследование"])
    book.save(tmp_path / "реестр.xlsx")
    result = runner.invoke("import", "register", str(tmp_path / "реестр.xlsx"), "--agency", "MINSOC")
    assert result.exit_code == 0, result.output
    found = processes_of(ctx, seed.agency.id)
    assert (found["040"].responsible.full_name, found["040"].responsible.position) == ("Орлова Анна Сергеевна",
                                                                                      "ведущий специалист")
    assert found["041"].responsible.id == seed.process.responsible_id  # known by name alone
