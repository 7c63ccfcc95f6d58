"""The reader (demo login «reader»): reads everything, is offered no action, and none is possible by URL."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.journeys.conftest import login, shot

# Pages a reader opens, and the names of actions that must not be offered on any of them.
PAGES = ["/", "/processes/", "/processes/1", "/processes/1/passports", "/processes/1/costs", "/projects", "/projects/1",
         "/requests", "/requests/1", "/dashboard", "/marts/1", "/names", "/reports", "/positions", "/calendar"]
ACTIONS = re.compile(r"^(Изменить|Удалить|Восстановить|Новая запись|Новая заявка|Начать оптимизацию процесса|"
                     r"Дать заключение|Принять решение|Загрузка|Загрузить|Начать новую версию.*|Сопоставить заново|"
                     r"Принять|Отклонить|Добавить|Утверждаю|Согласовать|Сохранить|Добавить связь)$")


def offered_actions(page) -> list[str]:
    names = [el.inner_text().strip() for el in page.locator("button, a, input[type=submit]").all()]
    return [n for n in names if ACTIONS.match(n)]


def test_the_reader_reads_a_process_and_its_neighbours(page):
    login(page, "reader")
    page.goto("/processes/1")
    expect(page.locator("main h1")).not_to_be_empty()
    expect(page.locator("table.fields")).to_contain_text("Статус реинжиниринга")
    page.get_by_role("link", name="Паспорта процесса (AS-IS, TO-BE)").click()
    expect(page.locator("main h1")).to_contain_text("Паспорт")
    page.go_back()
    page.get_by_role("link", name="Стоимость процесса").click()
    expect(page.locator("main h1")).to_contain_text("стоимости процесса")
    shot(page, "reader-process")
    # The detail page of a process offers nothing to change.
    page.goto("/processes/1")
    assert offered_actions(page) == []


def test_the_reader_is_offered_no_action_anywhere(page):
    login(page, "reader")
    offered = {}
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        found = offered_actions(page)
        if found:
            offered[path] = sorted(set(found))
    assert offered == {}
    # A form the reader may not save is refused when opened, saying why.
    response = page.goto("/processes/1/edit")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("Недостаточно прав")
    # A save by URL is refused for the right, not checked field by field (today: 422 with field errors).
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    for path in ("/processes/1/edit", "/processes/new", "/requests/new", "/projects/new"):
        response = page.request.post(path, form={"csrf_token": token, "version": "1"}, max_redirects=0)
        assert response.status == 403, path


def test_a_post_by_url_is_refused_and_changes_nothing(page):
    login(page, "reader")
    page.goto("/processes/1")
    title = page.locator("main h1").inner_text()
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    attempts = {
        "/processes/1/delete": ({"version": "1"}, "Недостаточно прав: ваша роль позволяет только читать каталог."),
        "/processes/1/passports": ({"variant": "as_is"}, "Недостаточно прав"),
        "/positions": ({"name": "Должность читателя"}, "Недостаточно прав: ваша роль позволяет только читать каталог."),
        "/names/match": ({}, "Недостаточно прав: ваша роль позволяет только читать каталог."),
        "/names/1/accept": ({}, "Недостаточно прав"),
        "/calendar": ({}, "Недостаточно прав: ваша роль позволяет только читать каталог."),
    }
    for path, (form, why) in attempts.items():
        response = page.request.post(path, form={"csrf_token": token, **form}, max_redirects=0)
        assert response.status == 403, (path, response.status)
        assert why in response.text(), path
    page.goto("/processes/1")
    expect(page.locator("main h1")).to_have_text(title)

    # A request's steps answer on its page, saying why, and the request stays as it was.
    page.goto("/requests/1")
    status = page.locator("main").inner_text()
    for step, why in (("conclusion", "Недостаточно прав: ваша роль позволяет только читать каталог."),
                      ("decision", "Недостаточно прав: ваша роль позволяет только читать каталог.")):
        response = page.request.post(f"/requests/1/{step}", form={"csrf_token": token, "version": "1",
                                                                  "conclusion": "approve", "decision": "approve"})
        assert response.ok and why in response.text(), step
    page.goto("/requests/1")
    assert page.locator("main").inner_text() == status
