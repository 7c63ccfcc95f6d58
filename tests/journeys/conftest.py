"""Journeys in a real browser: Playwright driving Debian's Chromium over the demo region.

The demo is loaded once per test session (per xdist worker) into an instance folder; every test gets
its own copy of that folder, served by waitress on loopback, so a journey may change what it likes.
Journeys run on SQLite, the embedded default a region starts with.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.browser import FLAGS, chromium
from tests.live_server import serve

DEMO_PASSWORD = "catalog-demo"


@pytest.fixture(scope="session")
def demo_instance(tmp_path_factory) -> Path:
    from catalog.cli import main

    root = tmp_path_factory.mktemp("journeys") / "instance"
    env = {"CATALOG_INSTANCE": str(root), "CATALOG_SECRET_KEY": "journey-secret"}
    for command in (["init"], ["demo"]):
        result = CliRunner().invoke(main, ["--database-url", f"sqlite:///{root / 'catalog.db'}", *command], env=env,
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return root


@dataclass
class Site:
    url: str
    app: object
    instance: Path


@pytest.fixture
def site(demo_instance, tmp_path):
    """The demo region in a fresh copy, served on loopback."""
    from web import create_app

    instance = tmp_path / "instance"
    shutil.copytree(demo_instance, instance)
    app = create_app(instance_path=instance, database_url=f"sqlite:///{instance / 'catalog.db'}",
                     secret_key="journey-secret")
    with serve(app) as url:
        yield Site(url, app, instance)
    app.extensions["catalog"].close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(),
                                              args=[f for f in FLAGS if f != "--headless"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, site):
    """A browser tab at 1366×900 in Russian; fails the test on any script error of the page."""
    context = browser.new_context(base_url=site.url, locale="ru-RU", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, errors


def login(page, login: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form as a person would, and land on the page it leads to."""
    page.goto("/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Войти", exact=True).click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]


def shot(page, name: str) -> None:
    """Save a screenshot for the user guide when CATALOG_JOURNEY_SHOTS names a folder (unset: none)."""
    import os

    folder = os.environ.get("CATALOG_JOURNEY_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)
