"""The head of an agency (demo login «head») delegates «утверждаю» to the deputy on the agency's duties page,
the deputy («deputy») then approves a roadmap, and the printable roadmap shows the delegation it rests on
(Leningrad regulation 4.3 п. 6, 4.4: the head of the owning agency approves, or the official the head
delegated it to, with the delegation recorded and shown — issue 16)."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from tests.journeys.conftest import login, shot

BASIS = "приказ министра от 01.12.2026 № 17-од"


def _agreed_project(site) -> tuple[int, int]:
    """A MINSOC project whose roadmap the head of the process office has agreed: it waits for «утверждаю»."""
    from catalog import models
    from catalog.services import projects
    from catalog.services.context import Context
    from tests.test_people import ROADMAP

    runtime = site.app.extensions["catalog"]
    ctx = runtime.context(is_system=True)
    try:
        minsoc = ctx.session.scalar(select(models.Agency).where(models.Agency.code == "MINSOC"))
        taken = select(models.OptimizationProject.process_id)
        process = ctx.session.scalar(select(models.Process).where(
            models.Process.agency_id == minsoc.id, models.Process.deleted_at.is_(None),
            models.Process.id.not_in(taken)).order_by(models.Process.id))
        project = projects.create_project(ctx, {"process_id": process.id, "ground": "governor_order",
                                                "initiated_on": date.today().isoformat()})
        projects.save_order(ctx, project.id, {"version": project.version, "order_number": "12-р",
                                              "order_date": date.today().isoformat(),
                                              "start_date": date.today().isoformat(), "end_date": "2027-06-30",
                                              "team": ["Орлова Е.В."], "tasks": ["Сократить срок"]})
        measures = [{**ROADMAP["measures"][0], "planned_start": date.today().isoformat(), "planned_end": "2027-03-31"}]
        projects.save_roadmap(ctx, project.id, {"version": project.version, **ROADMAP, "measures": measures})
        chief = ctx.session.scalar(select(models.User).where(models.User.login == "office-head"))
        projects.agree_roadmap(Context(session=ctx.session, user=chief, settings=ctx.settings), project.id,
                               date.today(), version=project.version)
        ctx.session.commit()
        return project.id, minsoc.id
    finally:
        ctx.session.close()


def test_the_head_delegates_on_the_page_and_the_deputy_approves_a_roadmap_under_it(page, site):
    project_id, agency_id = _agreed_project(site)
    login(page, "head")
    page.goto(f"/agencies/{agency_id}/duties")
    expect(page.locator("#signatures")).to_have_text("Подписи и поручения")
    # The demo's yearly delegation ends first, so the one recorded here is the one the roadmap names.
    current = page.locator("table.grid", has=page.locator("th", has_text="Основание")).first
    current.get_by_role("button", name="Прекратить").first.click()
    expect(page.locator(".flash")).to_contain_text("прекращено")
    form = page.locator("form", has=page.get_by_role("button", name="Поручить"))
    form.locator("[name=to_person_id]").select_option(label="Фомина Татьяна Олеговна, заместитель министра социальной защиты")
    form.locator("[name=visa]").select_option(label="«Утверждаю» на дорожной карте")
    form.locator("[name=valid_until]").fill("31.12.2027")
    form.locator("[name=basis]").fill(BASIS)
    form.get_by_role("button", name="Поручить").click()
    expect(page.locator(".flash")).to_contain_text("Поручение записано: Фомина Татьяна Олеговна")
    expect(page.locator("main")).to_contain_text(BASIS)
    shot(page, "head-delegation")
    page.locator("header").get_by_role("button", name="Выйти").click()
    page.wait_for_load_state()
    login(page, "deputy")
    page.goto(f"/projects/{project_id}")
    approve = page.locator("form", has=page.get_by_role("button", name="«Утверждаю»"))
    approve.locator("[name=date]").fill(date.today().isoformat())
    approve.get_by_role("button", name="«Утверждаю»").click()
    expect(page.locator(".flash")).to_have_text("Дорожная карта утверждена.")
    page.get_by_role("link", name="дорожная карта с визами").click()
    printable = page.locator("body")
    expect(printable).to_contain_text("УТВЕРЖДАЮ: Фомина Татьяна Олеговна, заместитель министра социальной защиты")
    expect(printable).to_contain_text(f"по поручению: Громов Игорь Сергеевич, министр социальной защиты, {BASIS}")
    expect(printable).to_contain_text("Приволжская область")
    shot(page, "roadmap-by-delegation")
