"""Dashboards: statuses, digital and optimised shares, cost and effect, drawn by the app itself."""
from __future__ import annotations

import pytest

from catalog.services import dashboard, passports
from catalog.services import records as r


@pytest.fixture
def optimised(ctx, seed):
    from tests.test_costs import HEAD, SPECIALIST
    from catalog.services import costs

    specialist = costs.save_position(ctx, SPECIALIST)
    costs.save_position(ctx, HEAD)
    digital = r.create_record(ctx, "processes", {
        "agency_id": seed.agency.id, "registry_id": "002", "service_id": seed.service.id, "status": "certified",
        "name": "Назначение выплаты в проактивном режиме", "responsible_id": seed.person.id, "is_digital": True})
    for variant, minutes in (("as_is", 60), ("to_be", 15)):
        draft = passports.create_passport(ctx, seed.process.id, variant)
        passports.save_passport(ctx, draft.id, {"version": draft.version, "steps": [
            {"name": "Работа", "duration_minutes": minutes, "times_per_year": 900, "position_id": specialist.id}]})
        passports.approve(ctx, draft.id)
    return digital


def test_region_and_agency_figures(ctx, seed, optimised):
    board = dashboard.dashboard(ctx)
    assert board.total.processes == 2 and board.total.digital_share == 0.5
    # One process has an approved TO-BE, the other is certified: both optimised.
    assert board.total.optimised_share == 1.0
    # 900 × (60 − 15) min = 675 h × 520 = 351 000 a year.
    assert board.total.effect == pytest.approx(351000) and board.total.fte == pytest.approx(675 / 1800)
    assert dict((v, c) for v, _, c in board.statuses) == {"queued_research": 1, "researching": 0,
                                                          "queued_reengineering": 0, "reengineering": 0,
                                                          "reengineered": 0, "sent_certification": 0, "certified": 1}
    other = dashboard.dashboard(ctx, seed.other_agency.id)
    assert other.total.processes == 0 and other.title == "Министерство здравоохранения"


def test_dashboard_page_api_and_cli(client, runner, seed, optimised):
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Показатели: Регион" in page and "<svg" in page and "351\u00a0000\u00a0руб." in page
    assert "Министерство социальной защиты" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    one = client.get("/dashboard", query_string={"agency": seed.agency.id}).get_data(as_text=True)
    assert "Показатели: Министерство социальной защиты" in one
    data = client.get("/api/v1/dashboard").get_json()
    assert data["total"]["effect"] == 351000 and data["statuses"]["certified"] == 1
    bad = client.get("/api/v1/dashboard", query_string={"agency": "все"})
    assert bad.status_code == 422 and "agency" in bad.get_json()["fields"]
    assert client.get("/api/v1/dashboard", query_string={"agency": 999}).status_code == 404
    out = runner.invoke("dashboard").output
    assert "эффект 351\u00a0000,00\u00a0руб." in out


def test_the_figures_outside_the_rules_link_to_their_reports(client, runner, ctx, seed, optimised):
    """Issue 17: systems outside the gate, unconfirmed statuses, stale marts and МСЗУ not optimised are dashboard
    figures, each linking to the report that lists them."""
    from datetime import date, timedelta

    from bs4 import BeautifulSoup

    ctx.settings.gate_existing_landscape = True  # the inherited landscape: saved, «без заключения»
    try:
        system = r.create_record(ctx, "systems", {"name": "Система учёта выплат", "legal_kind": "regional",
                                                  "stage": "creation"})
        r.create_record(ctx, "links", {"link_type": "AUTOMATED_BY", "source_kind": "processes",
                                       "source_id": seed.process.id, "target_kind": "systems", "target_id": system.id})
    finally:
        ctx.settings.gate_existing_landscape = False
    r.update_record(ctx, "marts", seed.mart.id, {
        "version": seed.mart.version, "stage": "operation", "quality_responsible_id": seed.person.id,
        "completeness": 0.9, "accuracy": 0.9, "timeliness": 0.9,
        "quality_checked_on": (date.today() - timedelta(days=ctx.settings.mart_quality_term_days + 30)).isoformat()})
    # The certified process of the fixture has no certificate: its status is «не подтверждён».
    board = dashboard.dashboard(ctx)
    assert vars(board.rules) == {"systems_outside_gate": 1, "links_outside_gate": 1, "unconfirmed_statuses": 1,
                                 "stale_marts": 1}
    assert vars(dashboard.dashboard(ctx, seed.other_agency.id).rules) == dict.fromkeys(vars(board.rules), 0)
    page = BeautifulSoup(client.get("/dashboard").get_data(as_text=True), "html.parser")
    cards = {card["id"]: (" ".join(card.get_text(" ").split()), card.a["href"]) for card in page.select(".card[id^=rules-]")}
    assert cards == {
        "rules-systems": ("1 система без заключения процессного офиса", "/reports/gate"),
        "rules-links": ("1 связь автоматизации вне правила шлюза", "/reports/gate"),
        "rules-statuses": ("1 статус процессов не подтверждён", "/reports/statuses"),
        "rules-marts": ("1 витрина данных с устаревшей проверкой качества", "/search?stage=marts:stale"),
    }
    # Each link shows what the figure counts.
    assert "Система учёта выплат" in client.get("/reports/gate").get_data(as_text=True)
    assert seed.mart.name in client.get("/search", query_string={"stage": "marts:stale"}).get_data(as_text=True)
    assert client.get("/api/v1/dashboard").get_json()["rules"]["stale_marts"] == 1
    out = runner.invoke("dashboard").output
    assert "без заключения — 1\xa0система и 1\xa0связь автоматизации" in out
    assert "МСЗУ не оптимизированы — 0\xa0процессов из 2" in out
