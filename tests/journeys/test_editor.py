"""The agency editor (demo login «editor», Минсоцзащиты): a process's status forward and back with a reason,
its history, a refused edit of another agency's process, and the register round trip through Excel."""
from __future__ import annotations

import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from catalog.demo.loader import DEMO_USERS
from catalog.enums import ProcessStatus
from tests.journeys.conftest import login, shot

EDITOR_NAME = next(name for login, name, *_ in DEMO_USERS if login == "editor")
OWN_AGENCY = "Минсоцзащиты"
OTHER_AGENCY = "Минздрав"
OWN_AGENCY_NAME = "Министерство социальной защиты населения Приволжской области"


def open_first_process_of(page, agency_short: str, status: str | None = None) -> str:
    """From the home page's table of agencies to the first process of one (in ``status``, when given:
    the list's own filter); returns its name."""
    page.goto("/")
    page.locator("main table.grid").get_by_role("link", name=agency_short, exact=True).click()
    if status:
        page.goto(page.url + ("&" if "?" in page.url else "?") + f"status={status}")
    row = page.locator("main table.grid tbody tr").first
    name = row.locator("td").nth(2).inner_text().strip()
    row.get_by_role("link", name=name).click()
    expect(page.locator("main h1")).to_have_text(name)
    return name


def field_value(page, label: str) -> str:
    return page.locator("table.fields tr", has=page.locator("th", has_text=label)).locator("td").inner_text().strip()


def status_row(page, back: int):
    """A row of the status history counted from the newest (0); the table lists oldest first."""
    rows = page.locator("table.grid", has=page.locator("th", has_text="Причина")).locator("tbody tr")
    return rows.nth(rows.count() - 1 - back)


def test_status_forward_then_back_with_a_reason(page):
    login(page, "editor")
    # A status whose next one rests on no evidence (issue 17: «проходит реинжиниринг» and later need theirs).
    name = open_first_process_of(page, OWN_AGENCY, status=ProcessStatus.QUEUED_RESEARCH.value)
    before = ProcessStatus(next(s for s in ProcessStatus if s.label == field_value(page, "Статус реинжиниринга")))
    order = list(ProcessStatus)
    forward = order[before.rank + 1]

    page.get_by_role("link", name="Изменить").click()
    page.get_by_label("Статус реинжиниринга").select_option(label=forward.label)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".flash")).to_have_text("Изменения сохранены.")
    assert field_value(page, "Статус реинжиниринга") == forward.label

    # Back to where it was: refused without a reason, and what was typed stays in the form.
    page.get_by_role("link", name="Изменить").click()
    page.get_by_label("Статус реинжиниринга").select_option(label=before.label)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("main")).to_contain_text(
        f"Возврат со статуса «{forward.label}» на «{before.label}» требует указать причину.")
    expect(page.get_by_label("Статус реинжиниринга")).to_have_value(before.value)
    shot(page, "editor-status-back-refused")
    page.get_by_label("Причина смены статуса").fill("Исследование возобновлено: изменился регламент")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".flash")).to_have_text("Изменения сохранены.")
    assert field_value(page, "Статус реинжиниринга") == before.label

    # The status history ends with both changes, the last with the reason for going back.
    newest = status_row(page, 0)
    expect(newest.locator("td").nth(2)).to_have_text(forward.label)
    expect(newest.locator("td").nth(3)).to_have_text(before.label)
    expect(newest.locator("td").nth(4)).to_have_text("Исследование возобновлено: изменился регламент")
    expect(status_row(page, 1).locator("td").nth(3)).to_have_text(forward.label)
    expect(page.locator("main h1")).to_have_text(name)
    # The record's history has both changes, the status by its label and its values as the form shows them.
    latest = page.locator("table.history tbody tr").first
    expect(latest).to_contain_text(re.compile("статус реинжиниринга", re.IGNORECASE))
    expect(latest).to_contain_text(f"{forward.label} → {before.label}")
    shot(page, "editor-status-history")


def test_the_history_names_the_person_and_reads_in_russian(page):
    login(page, "editor")
    open_first_process_of(page, OWN_AGENCY)
    page.get_by_role("link", name="Изменить").click()
    page.get_by_label("Клиент", exact=True).fill("Граждане с детьми")
    page.get_by_role("button", name="Сохранить").click()
    history = page.locator("table.history tbody tr").first
    expect(history.locator("td").nth(1)).to_contain_text(EDITOR_NAME)
    expect(history.locator("td").nth(0)).to_have_text(re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$"))
    expect(history).to_contain_text("Клиент")
    expect(history).to_contain_text("Граждане с детьми")
    expect(history.locator("td").nth(2)).not_to_contain_text(re.compile(r"v\d"))


def _work_on(site, process_id: int, edits: int) -> None:
    """Edits made to a process before the journey (through the services, as other editors made them)."""
    from catalog import models
    from catalog.services import records

    ctx = site.app.extensions["catalog"].context(is_system=True)
    try:
        for number in range(edits):
            process = ctx.session.get(models.Process, process_id)
            records.update_record(ctx, "processes", process_id,
                                  {"version": process.version, "client": f"Заявители, правка {number + 1}"})
    finally:
        ctx.session.close()


def test_a_worked_process_shows_its_newest_changes_and_the_whole_history_a_click_away(page, site):
    from web.pages.records import FEED_ON_PAGE

    login(page, "editor")
    name = open_first_process_of(page, OWN_AGENCY)
    process_url = page.url
    _work_on(site, int(process_url.rstrip("/").rsplit("/", 1)[1]), FEED_ON_PAGE)
    page.goto(process_url + "/edit")
    page.get_by_label("Клиент", exact=True).fill("Граждане с детьми до трёх лет")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("main")).to_contain_text("Изменения сохранены")
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(FEED_ON_PAGE)
    expect(rows.first).to_contain_text("Граждане с детьми до трёх лет")
    expect(rows.first).to_contain_text(EDITOR_NAME)
    page.get_by_role("link", name="Вся история изменений").scroll_into_view_if_needed()
    shot(page, "editor-worked-process-newest-changes")
    page.get_by_role("link", name="Вся история изменений").click()
    expect(page.locator("main h1")).to_have_text(f"История изменений: {name}")
    expect(page.locator("table.history")).to_contain_text("Заявители, правка 1")
    assert page.locator("table.history tbody tr").count() > FEED_ON_PAGE
    shot(page, "editor-whole-history")
    page.locator("p.crumbs").get_by_role("link", name=name).click()
    expect(page.locator("main h1")).to_have_text(name)


def test_another_agencys_process_cannot_be_changed(page):
    login(page, "editor")
    name = open_first_process_of(page, OTHER_AGENCY)
    expect(page.get_by_role("link", name="Изменить")).to_have_count(0)
    expect(page.get_by_role("button", name="Удалить")).to_have_count(0)
    process_url = page.url

    # By URL the save is refused, saying why, and the record stays as it was.
    page.goto(process_url + "/edit")
    if page.get_by_role("button", name="Сохранить").count():
        page.get_by_label("Название процесса").fill("Чужое название")
        page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("main")).to_contain_text("Недостаточно прав")
    page.goto(process_url)
    expect(page.locator("main h1")).to_have_text(name)


def test_another_agencys_edit_form_is_refused_when_opened(page):
    login(page, "editor")
    open_first_process_of(page, OTHER_AGENCY)
    response = page.goto(page.url + "/edit")
    assert response.status == 403
    expect(page.get_by_role("button", name="Сохранить")).to_have_count(0)


def test_register_download_change_check_and_load(page, tmp_path):
    login(page, "editor")
    page.get_by_role("link", name="Загрузка").click()
    expect(page.locator("main h1")).to_have_text("Загрузка из файла")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Скачать реестр (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "реестр.xlsx"
    download.save_as(path)

    # Change one process's name in Excel, as the editor would.
    book = load_workbook(path)
    sheet = book.active
    header_row = next(r for r in range(1, 31) if any(
        str(c.value or "").startswith("Название процесса") for c in sheet[r]))
    headers = {str(c.value or "").rstrip("*"): c.column for c in sheet[header_row]}
    name_col, id_col = headers["Название процесса"], headers["Идентификатор процесса"]
    row = header_row + 1
    registry_id = sheet.cell(row, id_col).value
    old_name = sheet.cell(row, name_col).value
    new_name = old_name + " (уточнено)"
    sheet.cell(row, name_col).value = new_name
    book.save(path)

    page.get_by_label("Что загружается").select_option(label="Реестр процессов органа (Excel)")
    page.get_by_label("Орган (для реестра процессов)").select_option(label=OWN_AGENCY_NAME)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Проверить (ничего не записывать)").click()
    expect(page.locator("main h1")).to_have_text("Проверка файла «реестр.xlsx»")
    counts = page.locator("table.import-counts tbody td")
    expect(counts.nth(1)).to_have_text("1")  # changed
    expect(counts.nth(3)).to_have_text("0")  # refused
    change = page.locator("table.changes tbody tr")
    expect(change).to_have_count(1)
    expect(change.locator("td").nth(4)).to_have_text(old_name)
    expect(change.locator("td").nth(5)).to_have_text(new_name)
    shot(page, "editor-register-dry-run")

    page.get_by_role("button", name="Загрузить этот файл").click()
    expect(page.locator("main h1")).to_have_text("Загрузка файла «реестр.xlsx»")
    expect(page.locator("table.import-counts tbody td").nth(1)).to_have_text("1")
    shot(page, "editor-register-loaded")

    page.locator("header").get_by_role("combobox", name="Поиск по каталогу").fill(f"{registry_id} уточнено")
    page.keyboard.press("Enter")
    page.locator("ol.hits > li > a", has_text="уточнено").first.click()
    expect(page.locator("main h1")).to_have_text(new_name)
