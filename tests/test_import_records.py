"""Reference lists from CSV or Excel: the typical list, systems, marts, datasets with entities and attributes."""
from __future__ import annotations

from openpyxl import Workbook
from sqlalchemy import select

from catalog import models


def write_csv(path, lines, encoding="utf-8", delimiter=";"):
    text = "\n".join(delimiter.join(cell for cell in line) for line in lines)
    path.write_bytes(text.encode(encoding))
    return path


def all_of(ctx, model):
    ctx.session.rollback()
    return list(ctx.session.scalars(select(model).where(model.deleted_at.is_(None)).order_by(model.id)))


def test_systems_from_a_windows_1251_csv_with_semicolons(runner, ctx, seed, tmp_path):
    path = write_csv(tmp_path / "системы.csv", [
        ["Перечень информационных систем", "", ""],
        [],
        ["Код", "Наименование  системы*", "Краткое наименование", "Вид системы", "Стадия жизненного цикла", "Оператор"],
        ["ASP", "Автоматизированная система социальной защиты", "АСП", "региональная", "эксплуатация", "MINSOC"],
        ["EGISZ", "Единая государственная информационная система в сфере здравоохранения", "ЕГИСЗ", "Федеральная",
         "Эксплуатация", ""],
    ], encoding="cp1251")
    result = runner.invoke("import", "systems", str(path))
    assert result.exit_code == 0, result.output
    assert "создано 2, изменено 0, без изменений 0, отклонено 0" in result.output
    systems = all_of(ctx, models.InformationSystem)
    assert [(s.code, s.short_name, s.legal_kind, s.stage) for s in systems] == [
        ("ASP", "АСП", "regional", "operation"), ("EGISZ", "ЕГИСЗ", "federal", "operation")]
    assert systems[0].operator_agency_id == seed.agency.id
    again = runner.invoke("import", "systems", str(path))
    assert "создано 0, изменено 0, без изменений 2, отклонено 0" in again.output


def test_a_bad_csv_row_refuses_the_file_and_names_the_cell(runner, ctx, seed, tmp_path):
    path = write_csv(tmp_path / "systems.csv", [
        ["Наименование системы", "Вид системы", "Стадия жизненного цикла", "Оператор"],
        ["Система А", "региональная", "эксплуатация", "MINSOC"],
        ["Система Б", "областная", "эксплуатация", "НЕТ ТАКОГО"],
    ], delimiter=",")
    result = runner.invoke("import", "systems", str(path))
    assert result.exit_code == 1
    assert "строка 3, столбец B «Вид системы»: неизвестное значение «областная»" in result.output
    assert "строка 3, столбец D «Оператор»: нет записи «НЕТ ТАКОГО»" in result.output
    assert all_of(ctx, models.InformationSystem) == []
    copy = (tmp_path / "systems-ошибки.csv").read_text(encoding="utf-8-sig")
    assert copy.splitlines()[0].endswith(",Ошибки загрузки") and "областная" in copy.splitlines()[2]
    assert runner.invoke("import", "systems", str(path), "--partial").exit_code == 0
    assert [s.name for s in all_of(ctx, models.InformationSystem)] == ["Система А"]


def test_marts_with_quality_and_exposed_datasets(runner, ctx, seed, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Витрины данных региона"])
    sheet.merge_cells("A1:F1")
    sheet.append(["Наименование витрины*", "Вид витрины*", "Обладатель данных*", "Полнота, %", "Дата проверки качества",
                  "Предоставляемые наборы данных"])
    sheet.append(["Витрина мер социальной поддержки", "витрина СМЭВ4", "Министерство социальной защиты", 0.98,
                  "01.03.2025", "Сведения о получателях выплат"])
    sheet["D3"].number_format = "0%"
    sheet.append(["Витрина доходов", "ведомственная", "MINZDRAV", "95", "", ""])
    path = tmp_path / "витрины.xlsx"
    book.save(path)
    result = runner.invoke("import", "marts", str(path), "--dry-run")
    assert "будет создано 1, будет изменено 1" in result.output, result.output
    result = runner.invoke("import", "marts", str(path))
    assert result.exit_code == 0, result.output
    marts = {m.name: m for m in all_of(ctx, models.DataMart)}
    assert marts["Витрина мер социальной поддержки"].completeness == 98
    assert str(marts["Витрина мер социальной поддержки"].quality_checked_on) == "2025-03-01"
    assert marts["Витрина доходов"].owner_agency_id == seed.other_agency.id
    assert "без изменений 2" in runner.invoke("import", "marts", str(path)).output


def test_datasets_with_entities_and_attributes_in_one_flat_table(runner, ctx, seed, tmp_path):
    path = write_csv(tmp_path / "данные.csv", [
        ["Набор данных", "Обладатель данных", "Сущность", "Атрибут", "Код атрибута", "Тип данных", "Ключевой"],
        ["Реестр получателей", "MINSOC", "Получатель", "СНИЛС", "snils", "строка", "да"],
        ["Реестр получателей", "", "Получатель", "Дата рождения", "birth_date", "дата", "нет"],
        ["Реестр получателей", "", "Выплата", "Сумма", "amount", "число", ""],
    ])
    result = runner.invoke("import", "datasets", str(path))
    assert result.exit_code == 0, result.output
    (dataset,) = [d for d in all_of(ctx, models.Dataset) if d.name == "Реестр получателей"]
    entities = [e for e in all_of(ctx, models.Entity) if e.dataset_id == dataset.id]
    assert [e.name for e in entities] == ["Получатель", "Выплата"]
    attributes = all_of(ctx, models.Attribute)
    assert [(a.code, a.data_type, a.is_key) for a in attributes] == [
        ("snils", "string", True), ("birth_date", "date", False), ("amount", "decimal", False)]
    assert "без изменений 3" in runner.invoke("import", "datasets", str(path)).output


def test_typical_list_with_groups(runner, ctx, seed, tmp_path):
    path = write_csv(tmp_path / "типовой.csv", [
        ["Код группы", "Группа процессов", "Код типового процесса", "Типовой процесс"],
        ["G1", "Предоставление услуг", "", ""],
        ["G1", "Предоставление услуг", "T1", "Приём заявления"],
        ["G1", "", "T2", "Выдача результата"],
        ["G2", "Контроль (надзор)", "T3", "Проведение проверки"],
    ])
    result = runner.invoke("import", "typical", str(path))
    assert result.exit_code == 0, result.output
    groups = {g.code: g for g in all_of(ctx, models.ProcessGroup)}
    typicals = all_of(ctx, models.TypicalProcess)
    assert [(t.code, t.group_id) for t in typicals] == [("T1", groups["G1"].id), ("T2", groups["G1"].id),
                                                        ("T3", groups["G2"].id)]
    assert "создано 0, изменено 0, без изменений 4" in runner.invoke("import", "typical", str(path)).output


def test_a_reader_may_import_nothing(runner, ctx, seed, make_user, tmp_path):
    make_user("reader", ["reader"])
    path = write_csv(tmp_path / "s.csv", [["Наименование системы", "Вид системы", "Стадия жизненного цикла"],
                                          ["Система", "региональная", "создание"]])
    result = runner.invoke("import", "systems", str(path), "--as", "reader")
    assert result.exit_code == 1 and "Недостаточно прав" in result.output
