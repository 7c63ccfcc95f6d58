"""The mart owner (demo login «mart», the mart «Меры социальной поддержки»): finds its mart, keeps its quality
fields, and may not change another owner's mart."""
from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from tests.journeys.conftest import login, shot

MART = "Витрина данных «Меры социальной поддержки»"


def field_value(page, label: str) -> str:
    return page.locator("table.fields tr", has=page.locator("th", has_text=label)).locator("td").inner_text().strip()


def open_own_mart(page) -> None:
    page.locator("header").get_by_role("link", name="Витрины данных").click()
    page.locator("main").get_by_role("link", name=MART, exact=True).click()
    expect(page.locator("main h1")).to_have_text(MART)


def test_the_mart_owner_keeps_the_quality_of_its_mart(page):
    login(page, "mart")
    open_own_mart(page)
    page.get_by_role("link", name="Изменить").click()
    page.get_by_label("Полнота").fill("97")
    page.get_by_label("Достоверность").fill("99")
    page.get_by_label("Актуальность").fill("92")
    page.get_by_label("Дата последней проверки качества").fill(date.today().isoformat())
    shot(page, "mart-quality-form")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".flash")).to_have_text("Изменения сохранены.")
    assert field_value(page, "Полнота").startswith("97")
    assert field_value(page, "Достоверность").startswith("99")
    assert field_value(page, "Актуальность").startswith("92")
    assert field_value(page, "Дата последней проверки качества") == date.today().strftime("%d.%m.%Y")
    # The owner answers for the figures it has just confirmed, and sees who takes its data and what.
    expect(page.locator("#mart-quality")).to_contain_text("Качество подтверждено")
    expect(page.locator("#consumers")).to_contain_text("Потребители данных витрины")
    consumers = page.locator("#consumers + table tbody tr")
    assert consumers.count() > 0
    expect(consumers.first).to_contain_text("Процесс")
    # Its data sets are one click away.
    page.locator("main").get_by_role("link", name="Реестр получателей мер социальной поддержки").first.click()
    expect(page.locator("main h1")).to_have_text("Реестр получателей мер социальной поддержки")
    page.go_back()
    shot(page, "mart-quality-saved")


def test_another_owners_mart_offers_no_change(page):
    login(page, "mart")
    page.locator("header").get_by_role("link", name="Витрины данных").click()
    other = page.locator("main table.grid tbody tr").filter(has_not_text=MART).first
    other.get_by_role("link").nth(1).click()
    expect(page.locator("main h1")).not_to_have_text(MART)
    expect(page.get_by_role("link", name="Изменить")).to_have_count(0)
    expect(page.get_by_role("button", name="Удалить")).to_have_count(0)


def test_my_marts_and_a_decimal_comma(page):
    login(page, "mart")
    mine = page.locator("header").get_by_role("link", name=re.compile("Мо(я|и) витрин"))
    assert mine.count() == 1  # at once: the header is there when the page has loaded
    mine.click()
    expect(page.locator("main")).to_contain_text(MART)
    listed = page.locator("main").get_by_role("link", name=MART, exact=True)
    if listed.count():  # several marts: a list; one: «Моя витрина» opens it
        listed.click()
    page.get_by_role("link", name="Изменить").click()
    page.get_by_label("Полнота").fill("97,2")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".flash")).to_have_text("Изменения сохранены.")
    assert re.match(r"97,2", field_value(page, "Полнота"))


def test_the_mart_owner_sees_its_measured_quality_and_measures_it_now(page, site, tmp_path):
    """Issue 20: the demo mart's month of measurements is drawn beside the declared figures; once its table in
    a configured source is declared, the owner measures it now and the new point joins the series."""
    import sqlite3

    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from catalog import models

    source = tmp_path / "social.db"
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE recipients (id INTEGER PRIMARY KEY, full_name TEXT, snils TEXT, updated_at TEXT)")
        connection.executemany("INSERT INTO recipients (full_name, snils, updated_at) VALUES (?, ?, datetime('now'))",
                               [("Иванова Мария Петровна", "11223344595"), ("", "11223344596")])
    site.app.config["CATALOG"].harvest_sources = {"soc": f"sqlite:///{source}"}
    engine = create_engine(f"sqlite:///{site.instance / 'catalog.db'}")
    with Session(engine) as session:
        mart = session.scalar(select(models.DataMart).filter_by(name=MART))
        dataset = models.Dataset(name="АСП: получатели", source_ref="db:1:main")
        session.add(dataset)
        session.flush()
        entity = models.Entity(name="recipients", dataset_id=dataset.id, source_ref="recipients")
        session.add(entity)
        session.flush()
        session.add_all([models.Attribute(entity_id=entity.id, code="full_name", name="ФИО", data_type="string",
                                          is_required=True),
                         models.Attribute(entity_id=entity.id, code="snils", name="СНИЛС", data_type="string",
                                          value_check="snils")])
        mart.quality_source, mart.quality_entity_id, mart.fresh_column = "soc", entity.id, "updated_at"
        session.commit()
    engine.dispose()
    login(page, "mart")
    open_own_mart(page)
    chart = page.locator("#measured-quality + figure svg.quality-chart")
    expect(chart).to_be_visible()
    assert chart.locator("polyline.measured").count() == 3 and chart.locator("circle").count() == 90
    expect(page.locator("#declared-measured")).to_contain_text("96,5 %")
    expect(page.locator("#below-threshold")).to_contain_text("при пороге 95 %")
    page.locator("#measured-quality").scroll_into_view_if_needed()
    shot(page, "mart-measured-quality")
    page.get_by_role("button", name="Измерить сейчас").click()
    expect(page.locator(".flash")).to_contain_text("Качество измерено: прочитано 2")
    # One name of two filled (an empty one is not); one СНИЛС of two has its control number right.
    measured = page.locator("#declared-measured tbody tr")
    expect(measured.nth(0)).to_contain_text("50 %")
    expect(measured.nth(1)).to_contain_text("50 %")
    expect(measured.nth(2)).to_contain_text("100 %")  # records of today, a daily update period (the demo's)
    assert page.locator("#measured-quality + figure svg circle").count() == 93
