"""A regional office loads a register drawn in another agency's layout (issue 15): the dry run shows
which column went where, the office maps the rest on the page (a select per column), loads it, and
next month loads the agency's new file with the mapping saved the first time."""
from __future__ import annotations

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.journeys.conftest import login, shot

AGENCY = "MINZDRAV"


def foreign_register(path, rows: int):
    """The agency's own form: its own wording for every column, a title above the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Перечень"
    sheet.append(["Перечень процессов министерства здравоохранения"])
    sheet.append([])
    sheet.append(["Код", "Наименование услуги", "Что делается", "Кто отвечает", "Стадия", "Примечание"])
    for n in range(1, rows + 1):
        sheet.append([f"ЗДР-П-{n}", "Выдача направления на санаторно-курортное лечение", f"Этап работы № {n}",
                      "Белова Ирина Олеговна, начальник отдела", "идёт исследование", "сверено"])
    book.save(path)
    return path


def upload(page, path) -> None:
    page.goto("/import/")
    page.get_by_label("Что загружается").select_option("register")
    page.get_by_label("Орган (для реестра процессов)").select_option(AGENCY)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Проверить (ничего не записывать)").click()


def test_a_foreign_register_is_mapped_on_the_page_and_reused_next_month(page, tmp_path):
    login(page, "office")
    upload(page, foreign_register(tmp_path / "перечень-ноябрь.xlsx", 3))
    expect(page.locator("main h1")).to_have_text("Проверка файла «перечень-ноябрь.xlsx»")
    expect(page.locator("main .warning")).to_contain_text("нет обязательных столбцов")
    mapping = page.locator("form.column-mapping-form")
    expect(mapping).to_be_visible()  # open: the mandatory columns are missing
    expect(page.locator("ul.column-mapping")).to_contain_text("B «Наименование услуги» → Название услуги, функции, сервиса")
    for letter, label in (("A", "Идентификатор процесса"), ("C", "Название процесса"),
                          ("D", "Ответственный за процесс"), ("E", "Статус процесса (статус реинжиниринга)"),
                          ("F", "не загружать")):
        mapping.locator(f"select[name=col-{letter}]").select_option(label=label)
    shot(page, "office-register-mapping")
    mapping.get_by_role("button", name="Проверить с этим сопоставлением").click()
    expect(page.locator("main .flash").first).to_contain_text("будет создано 3")
    expect(page.locator("ul.column-mapping")).to_contain_text("A «Код» → Идентификатор процесса (задано вручную)")
    page.get_by_role("button", name="Загрузить этот файл").click()
    expect(page.locator("main h1")).to_have_text("Загрузка файла «перечень-ноябрь.xlsx»")
    expect(page.locator("table.import-counts tbody td").first).to_have_text("3")

    # Next month: the agency's new file, the same header; nothing to map again.
    upload(page, foreign_register(tmp_path / "перечень-декабрь.xlsx", 4))
    expect(page.locator(".mapping-note")).to_contain_text("Применено сопоставление столбцов, сохранённое ")
    counts = page.locator("table.import-counts tbody td")
    expect(counts.nth(0)).to_have_text("1")  # the new process
    expect(counts.nth(2)).to_have_text("3")  # the three of last month, unchanged
    shot(page, "office-register-saved-mapping")
    page.get_by_role("button", name="Загрузить этот файл").click()
    expect(page.locator("table.import-counts tbody td").first).to_have_text("1")
