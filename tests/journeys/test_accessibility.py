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

from tests.journeys.conftest import login

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
    ("project", "office", "/projects/1", "main h1"),
    ("impact", "architect", "/impact/systems/1", "main h1"),
    ("users", "admin", "/users", "main h1"),
    ("public-register", None, "/registers/1/", "main h1"),
    ("register-duties", "editor", "/agencies/1/duties", "main h1"),
    ("notice", "editor", "/notices/1", "main h1"),
    ("register-control", "office", "/registers/control", "main h1"),
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


def test_every_action_of_the_process_page_is_reached_with_tab(page):
    login(page, "editor")
    page.goto("/processes/1")
    # Number every control on the page; walk it with Tab alone, opening the «Ещё» menu with Enter as a
    # keyboard user would; then every control a mouse user could now see must have had the focus.
    total = page.evaluate("""() => {
        const controls = [...document.querySelectorAll(
            'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')];
        controls.forEach((e, i) => e.dataset.kb = i);
        return controls.length;
    }""")
    reached: set[str] = set()
    for _ in range(total + 5):
        page.keyboard.press("Tab")
        mark = page.evaluate("""() => {
            const e = document.activeElement;
            if (e && e.tagName === 'SUMMARY' && !e.parentElement.open) e.dataset.open = 1;
            return e && e.dataset.kb;
        }""")
        if page.evaluate("!!document.querySelector('summary[data-open]:not([data-done])')"):
            page.keyboard.press("Enter")
            page.evaluate("document.querySelector('summary[data-open]').dataset.done = 1")
        if mark is not None:
            reached.add(mark)
    shown = page.evaluate("""() => [...document.querySelectorAll('[data-kb]')]
        .filter(e => !e.disabled && e.checkVisibility({visibilityProperty: true}))
        .map(e => [e.dataset.kb, (e.innerText || e.value || e.getAttribute('aria-label') || e.name || '').trim()])""")
    names = [name for _, name in shown]
    assert {"Изменить", "Удалить", "Происхождение и влияние", "Стоимость процесса", "Органы и организации",
            "Выйти"} <= set(names), names
    missed = [name or f"№ {mark}" for mark, name in shown if mark not in reached]
    assert missed == [], missed
