"""Anyone searching the catalogue: suggestions while typing, arrow keys and Enter, the home box,
facets that combine, paging, and opening a result (issue 14)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.journeys.conftest import shot


def test_suggestions_in_the_header_box_open_with_arrow_keys_and_enter(page):
    page.goto("/processes/")
    box = page.locator("header form[role=search] input[name=q]")
    box.press_sequentially("Выдача заявит", delay=30)
    listbox = page.locator("header [role=listbox]")
    expect(listbox).to_be_visible()
    # Until the suggestions for every letter typed have come, the list says it is busy.
    expect(listbox).to_have_attribute("aria-busy", "false")
    options = listbox.get_by_role("option")
    expect(options.first).to_be_visible()
    assert options.count() >= 2
    # Each suggestion says what kind of record it is and whose it is.
    first_meta = options.nth(0).locator(".meta").inner_text()
    assert first_meta.startswith("процесс · "), first_meta
    expect(box).to_have_attribute("aria-expanded", "true")
    shot(page, "search-suggestions")

    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    chosen = options.nth(1).locator(".title").inner_text()

    box.press("Enter")
    page.wait_for_url(re.compile(r"/processes/\d+$"))
    expect(page.locator("main h1")).to_have_text(chosen)

    # Escape closes the list and leaves what was typed.
    box = page.locator("header form[role=search] input[name=q]")
    box.press_sequentially("Минздр", delay=30)
    expect(page.locator("header [role=listbox]")).to_be_visible()
    box.press("Escape")
    expect(page.locator("header [role=listbox]")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("Минздр")

    # A click on a suggestion opens it too.
    box.press_sequentially("ав", delay=30)
    listbox = page.locator("header [role=listbox]")
    expect(listbox).to_have_attribute("aria-busy", "false")
    option = listbox.get_by_role("option").first
    title = option.locator(".title").inner_text()
    option.click()
    page.wait_for_url(re.compile(r"/\w[\w-]*/\d+$"))
    expect(page.locator("main h1")).to_have_text(title)


def test_searching_from_the_home_page_through_facets_and_pages_to_a_record(page):
    page.goto("/")
    box = page.get_by_role("main").get_by_role("combobox", name="Поиск по каталогу")
    box.fill("выдача лицензии")
    box.press("Enter")  # nothing highlighted: Enter searches
    page.wait_for_url(re.compile(r"/search\?"))
    found = page.locator(".results > p.muted")
    # The same search as the header box: as many records as the search service finds (it found none when
    # the home box was a substring filter).
    expect(found).to_contain_text(f"Найдено: {_total(page, 'выдача лицензии')}")
    shot(page, "search-results")

    facets = page.locator("aside.facets")
    processes = facets.locator("li", has=page.get_by_role("link", name="Процессы", exact=True))
    count = int(processes.locator(".count").inner_text())
    assert count > 40, count  # the demo's licences: more than two pages of processes
    pages = -(-count // 20)
    processes.get_by_role("link").click()
    expect(found).to_contain_text(f"Найдено: {count}")  # the facet's count is the answer's
    expect(page.locator(".pager")).to_contain_text(f"страница 1 из {pages}")
    first_page = page.locator("ol.hits > li > a").all_inner_texts()

    page.get_by_role("link", name="вперёд →").click()
    expect(page.locator(".pager")).to_contain_text(f"страница 2 из {pages}")
    expect(found).to_contain_text(f"Найдено: {count}")
    assert not set(page.locator("ol.hits > li > a").all_inner_texts()) & set(first_page)
    expect(page.locator("ol.hits")).to_have_attribute("start", "21")

    # A second facet keeps the first and starts again at page 1.
    agency = facets.locator("section", has=page.get_by_role("heading", name="Орган")).locator("li").first
    name, count = agency.locator("a").inner_text(), agency.locator(".count").inner_text()
    agency.locator("a").click()
    expect(found).to_contain_text(f"Найдено: {count}")
    expect(facets.locator("li.selected a")).to_have_text(["Процессы", name])
    expect(page.locator(".pager")).to_have_count(0)

    # Every hit says whose process it is, its status and its registry identifier.
    hit = page.locator("ol.hits > li").first
    meta = hit.locator(".hit-meta")
    expect(meta.locator(".badge")).to_have_text("процесс")
    expect(meta.locator(".registry-id")).to_have_text(re.compile(r"^идентификатор \S+$"))
    expect(meta.locator(".status")).not_to_be_empty()
    assert meta.locator(".agency").inner_text()
    title = " ".join(hit.locator("a").first.inner_text().split())
    hit.locator("a").first.click()
    page.wait_for_url(re.compile(r"/processes/\d+$"))
    expect(page.locator("main h1")).to_have_text(title)


def _total(page, q: str) -> int:
    total = page.request.get("/api/v1/search", params={"q": q}).json()["total"]
    assert total > 10
    return total


def test_the_search_page_fits_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/search?q=выдача лицензии")
    expect(page.locator(".results > p.muted")).to_contain_text(f"Найдено: {_total(page, 'выдача лицензии')}")
    # It scrolled sideways to 500 px: the facets and the results side by side.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    facets, results = page.locator("aside.facets").bounding_box(), page.locator("section.results").bounding_box()
    assert facets["y"] + facets["height"] <= results["y"] + 1  # the facets above the results
    shot(page, "search-phone")
