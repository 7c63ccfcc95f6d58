"""The administrator's job in a real browser: a new colleague gets an account with a role and an
agency, an API token shown once, and logs in with it."""
from __future__ import annotations

from tests.journeys.conftest import login, shot


def test_the_administrator_gives_a_colleague_an_account_and_a_token(page):
    login(page, "admin")
    page.get_by_role("link", name="Пользователи", exact=True).click()
    page.get_by_role("heading", name="Пользователи и доступ").wait_for()
    # People by name with their roles in words, not codes.
    table = page.locator("table.grid").first.inner_text()
    assert "Орлова Елена Викторовна" in table and "редактор органа" in table and "agency_editor" not in table
    shot(page, "admin-users")

    form = page.locator("form", has=page.get_by_role("button", name="Создать"))
    form.get_by_label("Логин").fill("petrov")
    form.get_by_label("Имя", exact=True).fill("Петров Сергей Иванович")
    form.get_by_label("Пароль").fill("petrov-secret-1")
    form.get_by_label("редактор органа").check()
    form.get_by_label("Органы (для редактора органа)").select_option(index=0)
    form.get_by_role("button", name="Создать").click()
    page.get_by_text("Пользователь «petrov» создан.").wait_for()

    page.get_by_label("Назначение токена").fill("Выгрузка реестра")
    page.get_by_role("button", name="Выпустить токен").click()
    assert "Сохраните его сейчас: он показывается один раз." in page.locator("main").inner_text()
    page.locator("p.warning").scroll_into_view_if_needed()
    shot(page, "admin-user-token")

    page.get_by_role("button", name="Выйти").click()
    login(page, "petrov", "petrov-secret-1")
    assert "Петров Сергей Иванович" in page.locator("header").inner_text()
