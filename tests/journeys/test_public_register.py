"""Anyone (no login, anonymous reading off): the published register of an agency and its Excel file
(Kemerovo register rules 3.1: the register is published by each agency in Excel); the authorised body
finds the late changes and the unanswered notice of the month on one page."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.journeys.conftest import login, shot


def test_anyone_reads_an_agencys_published_register_and_downloads_its_excel(page, site):
    from catalog.services import users

    runtime = site.app.extensions["catalog"]
    ctx = runtime.context(is_system=True)
    users.set_anonymous_read(ctx, False)
    ctx.session.close()
    page.goto("/registers/")
    expect(page.locator("main h1")).to_have_text("Опубликованные реестры процессов органов")
    page.get_by_role("link", name="Министерство социальной защиты").first.click()
    expect(page.locator("main h1")).to_contain_text("Реестр процессов: Министерство социальной защиты")
    main = page.locator("main")
    expect(main).to_contain_text("Громов Игорь Сергеевич, министр социальной защиты (ответственный за согласование)")
    expect(main).to_contain_text("Заполнял: Орлова Елена Викторовна")
    shot(page, "public-register")
    rows = page.locator("table.register tbody tr").count()
    assert rows > 0
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать реестр (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet.cell(1, 1).value.startswith("Реестр процессов: Министерство социальной защиты")
    assert sheet.cell(4, 1).value.startswith("Идентификатор процесса")
    assert sheet.max_row - 4 == rows  # every row of the page, in the file
    # The rest of the catalogue stays closed to the anonymous visitor.
    page.goto("/processes/")
    assert "/login" in page.url


def test_the_authorised_body_finds_late_changes_and_unanswered_notices_this_month(page):
    login(page, "office")
    page.locator("nav summary", has_text="Ещё").click()
    page.get_by_role("link", name="Контроль ведения реестров").click()
    expect(page.locator("main h1")).to_contain_text("Контроль ведения реестров")
    row = page.locator("table.grid tbody tr").first
    expect(row).to_contain_text("Министерство социальной защиты")
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("1")  # the demo's change entered 15 working days after it arose
    expect(cells.nth(2)).to_have_text("1")  # the demo's open correction notice
    shot(page, "register-control")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet.cell(2, 1).value.startswith("Министерство социальной защиты") and sheet.cell(2, 2).value == 1
