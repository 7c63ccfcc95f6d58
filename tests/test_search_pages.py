"""The search page's links as a person follows them: facets and paging combine, the home box is the same
search, and a hit says whose record it is (issue 14, «Search in pages»)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from catalog.services import records as r


@pytest.fixture
def licences(ctx, seed):
    """25 licensing processes of two agencies (more than one page of 20), and a system of the same name."""
    service = r.create_record(ctx, "services", {"name": "Лицензирование фармацевтической деятельности",
                                                "kind": "service", "agency_id": seed.other_agency.id})
    for i in range(25):
        agency, person = (seed.agency, seed.person) if i % 2 else (seed.other_agency, seed.other_person)
        r.create_record(ctx, "processes", {
            "agency_id": agency.id, "registry_id": f"L-{i:03}", "service_id": service.id,
            "name": f"Выдача лицензии на фармацевтическую деятельность, вариант {i}", "responsible_id": person.id,
            "status": "reengineered" if i % 3 else "queued_research"})
    r.create_record(ctx, "systems", {"name": "Система выдачи лицензий", "legal_kind": "regional", "stage": "operation"})
    return service


def soup(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def found(page) -> str:
    return page.select_one(".results > p.muted").get_text(" ", strip=True)


def facet_link(page, facet: str, label: str) -> str:
    for section in page.select(".facets section"):
        if section.h3.get_text(strip=True) == facet:
            for link in section.select("a"):
                if link.get_text(strip=True) == label:
                    return link["href"]
    raise AssertionError(f"no facet link «{label}» under «{facet}»")


def text(node) -> str:
    return " ".join(node.get_text().split())  # a title's words are split by <mark>: no strip per piece


def titles(page) -> list[str]:
    return [text(li.a) for li in page.select("ol.hits > li")]


def test_facet_links_filter_and_combine(client, seed, licences):
    first = soup(client.get("/search", query_string={"q": "выдача лицензии"}))
    assert "Найдено: 26" in found(first)
    href = facet_link(first, "Вид записи", "Процессы")
    # Each parameter once, as a plain value: the old links carried q=['…']&kind=['…'] and answered 400.
    assert parse_qs(urlsplit(href).query) == {"q": ["выдача лицензии"], "kind": ["processes"]}
    processes = soup(client.get(href))
    assert "Найдено: 25" in found(processes)

    # A second facet narrows further; both filters stay in its link.
    both = soup(client.get(facet_link(processes, "Орган", "Министерство здравоохранения")))
    assert "Найдено: 13" in found(both)
    status = soup(client.get(facet_link(both, "Статус", "прошел реинжиниринг")))
    assert "Найдено: 8" in found(status)
    assert all("вариант" in t for t in titles(status))

    # A chosen facet's link takes that filter off and keeps the others.
    unchosen = soup(client.get(facet_link(status, "Орган", "Министерство здравоохранения")))
    assert "Найдено: 16" in found(unchosen)
    cleared = unchosen.find("a", string="снять фильтры")["href"]
    assert "Найдено: 26" in found(soup(client.get(cleared)))


def test_paging_moves_on_and_keeps_the_filters(client, seed, licences):
    first = soup(client.get("/search", query_string={"q": "выдача лицензии", "kind": "processes"}))
    assert "страница 1 из 2" in first.select_one(".pager").get_text(" ")
    forward = first.find("a", string="вперёд →")["href"]
    # The old link went to page=[2], which read as page 1 again.
    assert parse_qs(urlsplit(forward).query) == {"q": ["выдача лицензии"], "kind": ["processes"], "page": ["2"]}
    second = soup(client.get(forward))
    assert "страница 2 из 2" in second.select_one(".pager").get_text(" ")
    assert second.select_one("ol.hits")["start"] == "21"
    assert len(titles(second)) == 5 and not set(titles(second)) & set(titles(first))
    back = second.find("a", string="← назад")["href"]
    assert titles(soup(client.get(back))) == titles(first)


def test_hits_show_agency_status_and_registry_id(client, seed, licences):
    page = soup(client.get("/search", query_string={"q": "вариант 7"}))
    hit = page.select_one("ol.hits > li")
    assert text(hit.a) == "Выдача лицензии на фармацевтическую деятельность, вариант 7"
    meta = text(hit.select_one(".hit-meta"))
    assert "процесс" in meta and "идентификатор L-007" in meta
    assert "Министерство социальной защиты" in meta and "прошел реинжиниринг" in meta


def test_the_home_box_is_the_search_with_suggestions(client, seed, licences):
    home = soup(client.get("/"))
    box = home.select_one("main form[role=search]")
    # It went to the processes list's substring filter, which found nothing for «выдача лицензии».
    assert box["action"] == "/search" and box.select_one("input[name=q]")["data-suggest"]
    results = soup(client.get(box["action"], query_string={"q": "выдача лицензии"}))
    assert "Найдено: 26" in found(results)


def test_the_header_box_suggests_on_every_page(client, seed, licences):
    for path in ("/", "/processes/", f"/processes/{seed.process.id}", "/search?q=лиценз"):
        page = soup(client.get(path))
        box = page.select_one("header form[role=search]")
        assert box.select_one("input[name=q]")["data-suggest"] == "/api/v1/search/suggest", path
        assert page.find("script", src="/static/search.js"), path


def test_suggestions_say_kind_and_agency(client, seed, licences):
    items = client.get("/api/v1/search/suggest", query_string={"q": "Выдача лиц"}).get_json()["items"]
    process = next(i for i in items if i["kind"] == "processes")
    assert process["kind_label"] == "процесс"
    assert process["agency"] in ("Министерство социальной защиты", "Министерство здравоохранения")
    items = client.get("/api/v1/search/suggest", query_string={"q": "Система выд"}).get_json()["items"]
    system = next(i for i in items if i["kind"] == "systems")
    assert system["kind_label"] == "информационная система" and system["agency"] is None


def test_the_cli_names_agency_status_and_registry_id_too(runner, seed, licences):
    out = runner.invoke("search", "вариант 7", "--kind", "processes").output
    line = next(line for line in out.splitlines() if "вариант 7" in line)
    assert line.split("\t")[1:] == ["Выдача лицензии на фармацевтическую деятельность, вариант 7", "идентификатор L-007",
                                    "Министерство социальной защиты", "прошел реинжиниринг"]


def test_an_agency_past_the_first_eight_is_one_click_away(client, ctx, seed):
    for i in range(10):
        agency = r.create_record(ctx, "agencies", {"code": f"AG{i}", "name": f"Комитет № {i + 1}", "kind": "executive"})
        for _ in range(i + 1):  # counts 1…10: the facet orders by count
            r.create_record(ctx, "services", {"name": f"Лицензирование деятельности вида {i}", "kind": "service",
                                              "agency_id": agency.id})
    page = soup(client.get("/search", query_string={"q": "лицензирование"}))
    section = next(s for s in page.select(".facets section") if s.h3.get_text(strip=True) == "Орган")
    assert len(section.select(":scope > ul > li")) == 8
    more = section.select_one("details.more-values")
    assert more.summary.get_text(strip=True) == "ещё 2"
    last = more.select("li a")[-1]
    assert last.get_text(strip=True) == "Комитет № 1"
    chosen = soup(client.get(last["href"]))
    assert "Найдено: 1" in found(chosen)
    section = next(s for s in chosen.select(".facets section") if s.h3.get_text(strip=True) == "Орган")
    # The chosen agency is listed at once, to be taken off again.
    assert section.select_one(":scope > ul > li.selected a").get_text(strip=True) == "Комитет № 1"
