"""The inbox (issue 16) in a browser: the process office (demo login «office») finds what waits for it from the
header's count, then every agency's tasks in one table, and downloads it for Excel; the architect finds the
request waiting for its decision."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.journeys.conftest import login, shot


def test_the_process_office_finds_its_tasks_and_every_agencys_in_one_table(page):
    login(page, "office")
    count = page.locator("header .inbox-count")
    expect(count).to_be_visible()
    waiting = int(count.inner_text())
    page.locator("header").get_by_role("link", name="Входящие").click()
    expect(page.locator("main h1")).to_have_text("Входящие")
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(waiting)
    # The demo's application went unanswered past its three working days (Leningrad 4.2): overdue, on top.
    overdue = page.locator("#inbox tr.overdue", has_text="Заявка на оптимизацию: ответить")
    expect(overdue).to_contain_text("рабочих дней назад")
    expect(page.locator("#inbox tbody tr").first).to_have_class("overdue")
    shot(page, "office-inbox")

    page.get_by_role("link", name="Входящие по органам").click()
    expect(page.locator("main h1")).to_have_text("Входящие по органам")
    summary = page.locator("#summary tbody tr", has_text="Министерство социальной защиты")
    expect(summary).to_have_count(1)
    expect(page.locator("#items tbody tr", has_text="Мероприятие дорожной карты просрочено").first).to_contain_text(
        "Орлова Елена Викторовна")
    shot(page, "office-inbox-agencies")
    total = page.locator("#items tbody tr").count()
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать Excel").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet["A1"].value == "Орган" and sheet.max_row == total + 1
    # The overview of one agency.
    page.get_by_label("Орган").select_option(label=summary.locator("td").first.inner_text())
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("#summary tbody tr")).to_have_count(1)


def test_the_architect_finds_the_request_waiting_for_its_decision(page):
    login(page, "architect")
    page.locator("header").get_by_role("link", name="Входящие").click()
    row = page.locator("#inbox tbody tr", has_text="Заявка на систему: принять решение")
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("Заключение")
