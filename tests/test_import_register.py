"""The process register in Excel: import as people fill it, refusal of bad files, re-import, export."""
from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from catalog import models
from catalog.services import records as r

# Headers as agencies write them: asterisks, line breaks, «ё», odd case and spaces, their own order.
HEADERS = ["№ п/п", "а) Идентификатор\nпроцесса *", "Название  процесса*", "НАЗВАНИЕ УСЛУГИ, ФУНКЦИИ, СЕРВИСА*",
           "Жизненная ситуация", "Ответственный за процесс*\n(ФИО, должность)",
           "Статус процесса\n(статус реинжиниринга)*", "Клиент", "Связь с другими процессами", "Вид процесса",
           "Точка размещения в цифровом виде"]


def make_register(path, rows, headers=HEADERS, zero_padded=()):
    """A register with a title block and merged cells above the header (as agencies send them)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Реестр"
    sheet["A1"] = "РЕЕСТР ПРОЦЕССОВ"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A2"] = "Министерство социальной защиты населения"
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    sheet.append([])
    sheet.append(headers)
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    for cell_ref in zero_padded:
        sheet[cell_ref].number_format = "000"
    book.save(path)
    return path


PERSON = "Иванова Мария Петровна, начальник отдела"


def good_rows():
    return [
        ["001", " Приём заявления   о назначении выплаты ", "Назначение ежемесячной выплаты на ребёнка",
         "Рождение ребенка", PERSON, "идёт исследование", "Граждане", "002", "цифровой", "ЕПГУ; РПГУ"],
        ["002", "Назначение выплаты", "Назначение ежемесячной выплаты на ребенка", "", PERSON,
         "В очереди на исследование", "", "001,\n003", "не цифровой", ""],
        ["003", "Выплата", "Выдача справки о составе семьи", "Рождение ребёнка;Переезд", "Сидоров Иван, специалист",
         "Сертифицирован", "", "", "цифровой", "сайт ведомства"],
    ]


@pytest.fixture
def situations(ctx, seed):
    r.create_record(ctx, "life-situations", {"name": "Рождение ребёнка"})
    r.create_record(ctx, "life-situations", {"name": "Переезд"})


def processes_of(ctx, agency_id):
    ctx.session.expire_all()
    return {p.registry_id: p for p in ctx.session.scalars(
        select(models.Process).where(models.Process.agency_id == agency_id))}


def test_import_untidy_register_creates_processes_links_and_history(runner, ctx, seed, situations, tmp_path):
    path = make_register(tmp_path / "реестр.xlsx", good_rows())
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 0, result.output
    assert "создано 2, изменено 1, без изменений 0, отклонено 0" in result.output
    found = processes_of(ctx, seed.agency.id)
    assert set(found) == {"001", "002", "003"}
    first = found["001"]
    assert first.name == "Приём заявления   о назначении выплаты"  # stored as typed (stripped)
    assert first.status == "researching" and first.is_digital and first.channels == ["epgu", "rpgu"]
    assert first.service_id == seed.service.id  # «ребёнка» / «ребенка» is the same service
    assert found["002"].service_id == seed.service.id and not found["002"].is_digital
    # An unknown service and an unknown person with a position are created in the agency.
    third = found["003"]
    assert third.service.name == "Выдача справки о составе семьи" and third.service.agency_id == seed.agency.id
    assert third.responsible.full_name == "Сидоров Иван" and third.responsible.position == "специалист"
    assert third.status == "certified"
    links = {(l.source_id, l.link_type, l.target_id) for l in ctx.session.scalars(select(models.Link))}
    assert (found["002"].id, "LINKED_TO", found["001"].id) in links
    assert (found["002"].id, "LINKED_TO", found["003"].id) in links
    assert len([l for l in links if l[0] == third.id and l[1] == "IN_SITUATION"]) == 2
    update = [e for e in r.record_history(ctx, "processes", first.id) if e.record_kind == "processes"][0]
    assert update.action == "update" and update.actor_name.startswith("командная строка")
    created = r.record_history(ctx, "processes", third.id)[-1]
    assert created.action == "create" and created.actor_name.startswith("командная строка")


def test_reimport_is_idempotent_and_dry_run_shows_changes_field_by_field(runner, ctx, seed, situations, tmp_path):
    path = make_register(tmp_path / "реестр.xlsx", good_rows())
    assert runner.invoke("import", "register", str(path), "--agency", "MINSOC").exit_code == 0
    events_before = ctx.session.scalar(select(func.count(models.ChangeEvent.id)))
    again = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert "создано 0, изменено 0, без изменений 3, отклонено 0" in again.output
    assert ctx.session.scalar(select(func.count(models.ChangeEvent.id))) == events_before
    rows = good_rows()
    rows[0][5] = "прошёл реинжиниринг"
    rows[1][7] = "001"
    make_register(path, rows)
    preview = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "будет изменено 2" in preview.output
    assert "Статус процесса (статус реинжиниринга): идет исследование → прошел реинжиниринг" in preview.output
    assert "Связь с другими процессами: 003 → —" in preview.output
    assert processes_of(ctx, seed.agency.id)["001"].status == "researching"  # nothing written
    assert ctx.session.scalar(select(func.count(models.ChangeEvent.id))) == events_before


BAD_ROWS = [
    ["001", "Приём заявления", "Назначение ежемесячной выплаты на ребёнка", "", PERSON, "идёт исследование",
     "", "", "", ""],
    ["", "Без идентификатора", "Назначение ежемесячной выплаты на ребёнка", "", PERSON, "идёт исследование",
     "", "", "", ""],
    ["005", "Неизвестный статус", "Назначение ежемесячной выплаты на ребёнка", "", PERSON, "завершён",
     "", "", "", ""],
    ["001", "Повтор", "Назначение ежемесячной выплаты на ребёнка", "", PERSON, "идёт исследование",
     "", "", "", ""],
    ["006", "Ссылка в никуда", "Назначение ежемесячной выплаты на ребёнка", "", PERSON, "идёт исследование",
     "", "999", "", ""],
]


def test_a_bad_row_refuses_the_whole_file_with_sheet_row_column_and_reason(runner, ctx, seed, tmp_path):
    path = make_register(tmp_path / "реестр.xlsx", BAD_ROWS)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 1
    out = result.output
    assert "отклонён целиком" in out and "Ничего не записано" in out
    # Rows as Excel shows them: title (1-2), empty (3), header (4), data from 5.
    assert "лист «Реестр», строка 6, столбец B «а) Идентификатор процесса *»: обязательное поле" in out
    assert "строка 7, столбец G «Статус процесса (статус реинжиниринга)*»: неизвестный статус «завершён»" in out
    assert "строка 8, столбец B" in out and "повторяется: он уже есть в строке 5" in out
    assert "строка 9, столбец I «Связь с другими процессами»: процесса с идентификатором «999» нет" in out
    assert set(processes_of(ctx, seed.agency.id)) == {"001"}  # only the seed's own process
    assert processes_of(ctx, seed.agency.id)["001"].name == "Приём заявления о назначении выплаты"
    copy = load_workbook(tmp_path / "реестр-ошибки.xlsx")
    sheet = copy["Реестр"]
    last = sheet.max_column
    assert sheet.cell(4, last).value == "Ошибки загрузки"
    assert "неизвестный статус" in sheet.cell(7, last).value
    assert sheet.cell(5, last).value is None


def test_partial_import_writes_good_rows_and_reports_the_rest(runner, ctx, seed, tmp_path):
    path = make_register(tmp_path / "реестр.xlsx", BAD_ROWS)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--partial")
    assert result.exit_code == 0, result.output
    assert "создано 0, изменено 1, без изменений 0, отклонено 4" in result.output
    assert processes_of(ctx, seed.agency.id)["001"].name == "Приём заявления"


def test_identifier_stored_as_a_number_with_leading_zeros_keeps_them(runner, ctx, seed, tmp_path):
    rows = [[7, "Процесс семь", "Назначение ежемесячной выплаты на ребёнка", "", PERSON, "идёт исследование",
             "", "", "", ""]]
    path = make_register(tmp_path / "реестр.xlsx", rows, zero_padded=("B5",))
    assert runner.invoke("import", "register", str(path), "--agency", "MINSOC").exit_code == 0
    assert "007" in processes_of(ctx, seed.agency.id)


def test_export_then_import_changes_nothing(runner, ctx, seed, situations, tmp_path):
    path = make_register(tmp_path / "реестр.xlsx", good_rows())
    assert runner.invoke("import", "register", str(path), "--agency", "MINSOC").exit_code == 0
    exported = tmp_path / "выгрузка.xlsx"
    result = runner.invoke("export", "register", "--agency", "MINSOC", "-o", str(exported))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(exported).active
    assert sheet.cell(4, 1).value == "Идентификатор процесса*" and sheet.cell(5, 1).value == "001"
    again = runner.invoke("import", "register", str(exported), "--agency", "MINSOC")
    assert "создано 0, изменено 0, без изменений 3, отклонено 0" in again.output, again.output
    everyone = tmp_path / "все.xlsx"
    assert runner.invoke("export", "register", "-o", str(everyone)).exit_code == 0
    assert load_workbook(everyone).active.cell(4, 1).value == "Орган (код)"


def test_agency_editor_imports_only_into_its_own_agency(runner, ctx, seed, make_user, tmp_path):
    make_user("editor", ["agency_editor"], [seed.other_agency.id])
    path = make_register(tmp_path / "реестр.xlsx", good_rows()[:1])
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--as", "editor")
    assert result.exit_code == 1
    assert "Недостаточно прав" in result.output
    make_user("own", ["agency_editor"], [seed.agency.id])
    rows = good_rows()[:1]
    rows[0][3] = rows[0][7] = ""
    make_register(path, rows)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--as", "own")
    assert result.exit_code == 0, result.output
    process = processes_of(ctx, seed.agency.id)["001"]
    assert r.record_history(ctx, "processes", process.id)[0].actor_name == "own"


def test_unknown_reference_lists_are_errors_and_a_new_person_needs_a_position(runner, ctx, seed, tmp_path):
    """What the register import creates and what it refuses: an unknown service is created for the
    agency, an unknown person only with «ФИО, должность»; an unknown life situation (a list the process
    office keeps) is an error."""
    rows = [["020", "Процесс", "Совсем новая услуга", "Неизвестная ситуация", "Новиков Олег", "идёт исследование",
             "", "", "", ""]]
    path = make_register(tmp_path / "реестр.xlsx", rows)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 1
    assert "столбец E «Жизненная ситуация»: нет жизненной ситуации «Неизвестная ситуация» в каталоге" in result.output
    assert "«Новиков Олег» нет среди лиц органа; чтобы его добавить, укажите «ФИО, должность»" in result.output
    assert ctx.session.scalar(select(models.Service).where(models.Service.name == "Совсем новая услуга")) is None


def test_moving_a_status_back_needs_the_reason_column(runner, ctx, seed, tmp_path):
    r.update_record(ctx, "processes", seed.process.id, {"version": 1, "status": "reengineering"})
    rows = [["001", "Приём заявления о назначении выплаты", "Назначение ежемесячной выплаты на ребёнка", "", PERSON,
             "идёт исследование", "", "", "", ""]]
    path = make_register(tmp_path / "реестр.xlsx", rows)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 1
    assert "«Причина смены статуса»: Возврат со статуса «проходит реинжиниринг» на «идет исследование» требует" \
        in result.output
    make_register(path, [[*rows[0], "Выявлены новые этапы"]], headers=[*HEADERS, "Причина смены статуса"])
    assert runner.invoke("import", "register", str(path), "--agency", "MINSOC").exit_code == 0
    ctx.session.rollback()
    assert r.status_transitions(ctx, seed.process.id)[-1].reason == "Выявлены новые этапы"
