"""The demo region loads on both stores, is as large as promised and has lineage worth asking about."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from catalog import models
from catalog.demo.loader import DEMO_PASSWORD, load_demo
from catalog.errors import InvalidInput
from catalog.formatting import agree
from catalog.kinds import KINDS


@pytest.fixture
def demo(demo_region):
    return demo_region


def _links(ctx, link_type):
    return list(ctx.session.scalars(select(models.Link).where(models.Link.link_type == link_type)))


def test_demo_is_a_realistic_region(ctx, demo):
    count = lambda model, *where: ctx.session.scalar(select(func.count()).select_from(model).where(*where))
    assert count(models.Agency, models.Agency.kind == "executive") >= 10
    assert count(models.Process) >= 150
    assert count(models.InformationSystem) >= 20
    assert count(models.DataMart) >= 10
    assert count(models.Attribute) > count(models.Entity) > 0
    federal = {s.short_name for s in ctx.session.scalars(select(models.InformationSystem))}
    assert {"ЕПГУ", "СМЭВ", "ЕСИА", "ЕСНСИ", "ГИС ГМП", "ФГИС ЕГРН", "ЕГР ЗАГС", "РПГУ", "АИС МФЦ"} <= federal
    statuses = Counter(ctx.session.scalars(select(models.Process.status)))
    assert len(statuses) == 7
    situations = {l.target_id for l in _links(ctx, "IN_SITUATION")}
    assert len(situations) >= 10


def test_demo_lineage_has_interesting_answers(ctx, demo):
    stored = Counter(l.source_id for l in _links(ctx, "STORED_IN"))
    assert sum(1 for n in stored.values() if n > 1) >= 5  # the same data kept in several systems
    consumers = Counter(l.target_id for l in _links(ctx, "CONSUMES"))
    assert sum(1 for n in consumers.values() if n >= 5) >= 5  # datasets shared by many processes
    exposed = {l.target_id for l in _links(ctx, "EXPOSES") if l.target_kind == "datasets"}
    on_paper = {l.source_id for l in _links(ctx, "CONSUMES") if l.transport == "paper" and l.target_id in exposed}
    assert len(on_paper) >= 10  # processes asking on paper for data a mart already exposes
    manual = [l for l in _links(ctx, "CONSUMES") if l.transport == "manual"]
    assert len(manual) >= 10
    typical_by_system = {}
    for link in _links(ctx, "AUTOMATED_BY"):
        process = ctx.session.get(models.Process, link.source_id)
        typical_by_system.setdefault(process.typical_process_id, set()).add(link.target_id)
    assert sum(1 for systems in typical_by_system.values() if len(systems) > 2) >= 5  # duplicated functionality


def test_demo_accounts_log_in(client, demo, login):
    for name in ["admin", "office", "office-head", "architect", "editor", "head", "deputy", "zdrav", "zdrav-head", "mart",
                 "reader"]:
        assert login(name, DEMO_PASSWORD).status_code == 302, name
        client.post("/logout")


def test_demo_people_hold_the_positions_that_sign(ctx, demo):
    """Issue 16: every demo account is a person; the heads, the deputy with a delegation, the process
    office's head and the designated passport approver are there, and the demo's signatures name them."""
    from catalog.services import people

    accounts = list(ctx.session.scalars(select(models.User)))
    assert accounts and all(people.person_of(ctx, u) is not None for u in accounts), \
        [u.login for u in accounts if u.person_id is None]
    minsoc = ctx.session.scalar(select(models.Agency).where(models.Agency.code == "MINSOC"))
    found = people.signatories(ctx, minsoc.id)
    assert found["head"].full_name == "Громов Игорь Сергеевич"
    assert found["passport_approver"].full_name == "Фомина Татьяна Олеговна"
    assert found["office_head"].full_name == "Кузнецов Павел Игоревич"
    assert [d.to_person.full_name for d in found["delegations"]] == ["Фомина Татьяна Олеговна"]
    approved = ctx.session.scalars(select(models.OptimizationProject).where(
        models.OptimizationProject.approved_visa.is_not(None))).all()
    assert approved and all(p.approved_visa["position"] and p.roadmap_number for p in approved)
    concluded = ctx.session.scalars(select(models.SystemRequest).where(models.SystemRequest.conclusion_number.is_not(None))).all()
    assert concluded and all(r.conclusion_visa["position"] == "руководитель Процессного офиса" for r in concluded)


def test_demo_loads_once(ctx, demo):
    with pytest.raises(InvalidInput):
        load_demo(ctx)


def test_every_page_renders_on_the_demo(client, ctx, demo, login):
    login("admin", DEMO_PASSWORD)
    assert client.get("/").status_code == 200
    for name, kind in KINDS.items():
        assert client.get(f"/{name}/").status_code == 200, name
        ids = list(ctx.session.scalars(select(kind.model.id).order_by(kind.model.id).limit(3)))
        for record_id in ids:
            assert client.get(f"/{name}/{record_id}").status_code == 200, (name, record_id)
    assert client.get("/admin/users").status_code == 200


def test_demo_has_passports_with_costs_and_effect(ctx, demo):
    from catalog.services import costs, passports

    processes = ctx.session.scalars(select(models.Passport.process_id).distinct()).all()
    assert len(processes) >= 12
    states = Counter((p.variant, p.state) for p in ctx.session.scalars(select(models.Passport)))
    assert states[("as_is", "approved")] >= 12 and states[("to_be", "approved")] >= 8 and states[("to_be", "draft")] >= 1
    for process_id in processes:
        result = costs.process_costs(ctx, process_id)
        assert result.effect.money_per_year > 0 and result.effect.fte > 0
        assert not result.costs["as_is"].warnings
        as_is = passports.current(ctx, process_id, "as_is")
        assert [d.key for d in passports.excess_data(as_is)] == ["copy"]


def test_demo_requests_show_each_check(ctx, demo):
    from catalog.services import requests

    found = requests.list_requests(ctx)
    assert len(found) >= 7
    by_name = {r.new_system_name: r for r in found}
    assert by_name["Региональная платформа проактивных выплат"].status == "approved"
    failing = {c["code"] for r in found for c in r.checks if c["result"] == "fail" and c["blocking"]}
    assert failing >= {"as_is", "optimised", "data_model", "duplicates", "cost_value"}
    passing = [r for r in found if not requests.failing_blocking(r)]
    assert len(passing) >= 1
    # Explained by the applicant and accepted by the office's conclusion in its own words (issue 17): the
    # overlap no longer blocks and the request waits for the architect's decision.
    waiting = by_name["Модуль электронного согласования решений"]
    assert waiting.status == "concluded" and waiting.overlap_accepted and not requests.failing_blocking(waiting)
    duplicate = by_name["Ещё одна система назначения мер поддержки"]
    assert [c["code"] for c in requests.failing_blocking(duplicate)] == ["duplicates"]
    assert "уже автоматизирует" in next(c["reason"] for c in duplicate.checks if c["code"] == "duplicates")


def test_demo_dashboard_shows_projects(ctx, client, demo):
    from catalog.services import dashboard

    board = dashboard.dashboard(ctx)
    assert all(count for _, _, count in board.project_stages)  # projects in every stage
    assert board.overdue_measures and board.deviations and board.total.effect > 0
    page = client.get("/dashboard").get_data(as_text=True)
    late = len(board.overdue_measures)
    assert f"<div class=\"big\">{late}</div>{agree(late, 'мероприятие')} дорожных карт" in page
    assert "Отклонения КПЭ от цели" in page
    data = client.get("/api/v1/dashboard").get_json()
    assert data["projects"]["post_monitoring"] >= 1 and data["kpi_deviations"]


def test_the_demo_s_printed_documents_name_its_region(client, ctx, demo, login):
    """Issue 16: printed documents carry the region's name; with CATALOG_REGION_NAME unset, the demo's."""
    from catalog.demo.region import REGION_NAME

    assert ctx.settings.region_name == "Регион"  # the variable is not set in the tests
    login("admin", DEMO_PASSWORD)
    project = ctx.session.scalars(select(models.OptimizationProject).where(
        models.OptimizationProject.approved_visa.is_not(None)).order_by(models.OptimizationProject.id)).first()
    page = client.get(f"/documents/roadmap/{project.id}").get_data(as_text=True)
    assert REGION_NAME in page and ">Регион<" not in page
    notice = ctx.session.scalars(select(models.CorrectionNotice)).first()
    assert REGION_NAME in client.get(f"/notices/{notice.id}/print").get_data(as_text=True)
    # A deployment's own setting still wins.
    ctx.settings.region_name = "Кемеровская область — Кузбасс"
    try:
        assert "Кемеровская область — Кузбасс" in client.get(f"/documents/roadmap/{project.id}").get_data(as_text=True)
    finally:
        ctx.settings.region_name = "Регион"
