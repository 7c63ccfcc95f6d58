"""Accessibility of the main pages: axe-core finds no serious or critical violation, and the process
page's actions are reached with Tab alone.

axe-core comes from the test-only ``axe-playwright-python`` wheel and is injected into the test
browser's tab (Playwright evaluates its text through the browser's debugging protocol, which the
page's CSP does not govern, so the CSP stays as strict as users get it); the application never
serves it.
"""
from __future__ import annotations

from importlib.resources import files

import pytest

from tests.journeys.conftest import login, shot

AXE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")

# Each main page as its usual visitor opens it: (who logs in, address, what the page must show first).
PAGES = [
    ("home", None, "/", "main"),
    ("login", None, "/login", "form"),
    ("search", None, "/search?q=лицензия", ".hit, .results, main"),
    ("process", "editor", "/processes/1", "main h1"),
    ("record-form", "editor", "/processes/1/edit", "form"),
    ("lineage", "architect", "/lineage/processes/1", "#layers[data-ready='1']"),
    ("dashboard", "office", "/dashboard", "main"),
    ("request", "office", "/requests/1", "main h1"),
]


def _violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as shown, one line each, readable."""
    page.evaluate(AXE + "\n;true")  # evaluated by the driver, outside the page's CSP
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("who,url,ready", [p[1:] for p in PAGES], ids=[p[0] for p in PAGES])
def test_main_page_has_no_serious_or_critical_axe_violation(page, who, url, ready):
    if who:
        login(page, who)
    page.goto(url)
    page.wait_for_selector(ready)
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert _violations(page) == []
